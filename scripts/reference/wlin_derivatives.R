# Numerical check of the derivatives in estimators/nt_dyn_wlin.c (docs/inference.md,
# "ATT_never and IPCW"): the matched estimator ATT_k with start weights, censoring
# weights in the numerator, the denominators den_i and the treated's weights, and
# lambda_k; central differences of S_k ATT_k against the analytic terms -K_j (y_j - Cbar),
# -K_j (y_j - Cbar) + R_j and a_i [y_i - lambda m_i + Cbar (lambda s_i - 1) - ATT].
# Weighting within exact cells at the end. Run: Rscript scripts/reference/wlin_derivatives.R
# (every pair of columns agrees).
set.seed(1); nt <- 5; nc <- 7
w <- matrix(runif(nt*nc) * (runif(nt*nc) < 0.6), nt, nc); w[,1] <- w[,1] + 0.3
yt <- runif(nt); yc <- runif(nc); ns <- runif(nc) < 0.7
lss <- rnorm(nc) * 0.3; lct <- rnorm(nt) * 0.2; lcc <- rnorm(nc) * 0.2
att <- function(lct, lcc, lss) {
  a <- exp(lct); Wc <- exp(lcc); W <- exp(lcc + lss) * ns
  den <- as.vector(w %*% Wc); m <- as.vector(w %*% (W * yc)) / den; s <- as.vector(w %*% W) / den
  lam <- sum(a) / sum(a * s)
  list(att = sum(a * (yt - lam * m)) / sum(a), a = a, Wc = Wc, W = W, den = den, m = m, s = s, lam = lam)
}
d <- att(lct, lcc, lss); S <- sum(d$a)
K <- d$lam * d$W * colSums(d$a * w / d$den); C <- sum(K * yc) / sum(K)
cat("sumK", sum(K), S, "\n"); e <- 1e-6
for (j in 1:nc) {
  E <- rep(0, nc); E[j] <- e
  num <- S * (att(lct, lcc, lss + E)$att - att(lct, lcc, lss - E)$att) / (2 * e)
  an <- -K[j] * (yc[j] - C)
  R <- sum(d$a * d$lam * w[, j] * d$Wc[j] * (d$m - C * d$s) / d$den)
  numc <- S * (att(lct, lcc + E, lss)$att - att(lct, lcc - E, lss)$att) / (2 * e)
  cat(sprintf("ctrl %d start %.8f %.8f cens %.8f %.8f\n", j, num, an, numc, an + R))
}
for (i in 1:nt) {
  E <- rep(0, nt); E[i] <- e
  num <- S * (att(lct + E, lcc, lss)$att - att(lct - E, lcc, lss)$att) / (2 * e)
  an <- d$a[i] * (yt[i] - d$lam * d$m[i] + C * (d$lam * d$s[i] - 1) - d$att)
  cat(sprintf("treated %d %.8f %.8f\n", i, num, an))
}
# Weighting within exact cells (ipw; aipw with r = y - mu0, mu0 held fixed):
# ATT = sum_c sum_{i in c} a_i (r_i - rbar_c) / sum_i a_i, rbar_c the cell's
# mean of r weighted by w_j W_j; S ATT's derivatives in log W_j (start or
# censoring weight of a control) -(S_c w_j W_j / W_c)(r_j - rbar_c), in log a_i
# a_i (r_i - rbar_c - ATT) (nt_dyn_wlin_weighted with cells).
ct <- c(1, 1, 2, 2, 2); cc <- c(1, 1, 1, 2, 2, 2, 2); wj <- runif(nc) + 0.2
attc <- function(lct, lw) {
  a <- exp(lct); Wj <- wj * exp(lw)
  rb <- sapply(1:2, function(c) sum(Wj[cc == c] * yc[cc == c]) / sum(Wj[cc == c]))
  sum(a * (yt - rb[ct])) / sum(a)
}
a <- exp(lct); Wj <- wj * exp(lcc); A0 <- attc(lct, lcc); S <- sum(a)
rb <- sapply(1:2, function(c) sum(Wj[cc == c] * yc[cc == c]) / sum(Wj[cc == c]))
Sc <- sapply(1:2, function(c) sum(a[ct == c])); Wc <- sapply(1:2, function(c) sum(Wj[cc == c]))
for (j in 1:nc) {
  E <- rep(0, nc); E[j] <- e
  num <- S * (attc(lct, lcc + E) - attc(lct, lcc - E)) / (2 * e)
  cat(sprintf("cells ctrl %d %.8f %.8f\n", j, num, -Sc[cc[j]] * Wj[j] / Wc[cc[j]] * (yc[j] - rb[cc[j]])))
}
for (i in 1:nt) {
  E <- rep(0, nt); E[i] <- e
  num <- S * (attc(lct + E, lcc) - attc(lct - E, lcc)) / (2 * e)
  cat(sprintf("cells treated %d %.8f %.8f\n", i, num, a[i] * (yt[i] - rb[ct[i]] - A0)))
}
