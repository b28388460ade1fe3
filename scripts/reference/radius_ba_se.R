# Reference for the linearised SE of bias-adjusted radius matching in the
# dynamic estimator (estimators/nt_dyn_adjust.c, nt_dyn_lin.c;
# docs/inference.md), in base R, on the 60-person panel that
# tests/test_dyn_estim.c (test_radius_bias_adjust_se_golden) builds from the
# same formulas: one start month (k = 0), months 0..2, covariates x1, x2.
#   x1 = 2 sin(1.7 i + 0.3), x2 = 1 if (11 i mod 7) < 3, treated i mod 3 = 0,
#   xr = floor(4 x1 + 1/2) / 4,
#   y(m) = 1 + 2 xr - x2 + 1.5 D + 0.5 ((7 i + 5 m) mod 9 - 4) + 0.25 m xr + 0.5 D m
#   (multiples of 1/16: the same in netto's float outcomes), observed in
#   months 0..n_obs - 1, n_obs = 2 if i mod 7 = 2, 1 if i mod 11 = 5, else 3.
# The estimator, written out: the logit score eta of D on (1, x1, x2);
# radius r = 1.5 x the largest 1:1 nearest-control distance of the treated;
# treated i uses the controls with |eta_j - eta_i| <= r. Month m: the
# contributing treated (observed, an observed control in radius), W_ij =
# 1 / (i's observed controls), K_j = sum_i W_ij, KK_j = sum_i W_ij^2; the
# WLS lm(y ~ D + x1 + x2) over the contributing treated (weight 1) and the
# controls with K_j > 0 (weight K_j); ATT = coefficient of D = the matching
# estimator on ya = y - x'b. Per-person terms:
#   treated  ya_i - mean of ya over i's observed controls + r_i - ATT
#   control  -sqrt(K_j^2 - KK_j) e_j + r_j,
# e_j the signed Abadie-Imbens residual of ya among the month's observed
# controls (J = 2 nearest on eta, ties at the J-th distance included):
# sign(ya_j - mean of the neighbours) sqrt(sample variance of j and them);
# r_u = a'z_u w_u (y_u - z_u'theta), a = -A^-1 (0, 0, N g), A = X'WX,
# N g = sum_T x - sum_C K x (the regression's own term: b's influence).
# HC2: every WLS residual is taken as e_u / sqrt(1 - h_u), h_u = w_u
# z_u'A^-1 z_u: ya + (1 / sqrt(1 - h) - 1) e replaces ya for the units in
# the regression (in the treated terms and the AI residuals), and r_u uses
# e_u / sqrt(1 - h_u).
# se = sqrt(sum of squared terms) / N. Also written: se_fixed_b, the same
# without the r terms and without HC2 (b held fixed, plain residuals: the
# linearisation before issue 14's follow-up), and se_k, the per-start SE
# of effects_by_start.csv: the squared terms over N (N - 1).
# Usage: Rscript scripts/reference/radius_ba_se.R tests/golden/radius_ba_se.csv
sign0 <- function(v) ifelse(v >= 0, 1, -1)   # netto: a tie (0) counts as +
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "radius_ba_se.csv"
n <- 60; M <- 3; J <- 2
i <- 0:(n - 1)
x1 <- 2 * sin(1.7 * i + 0.3)
x2 <- as.numeric((11 * i) %% 7 < 3)
D <- as.numeric(i %% 3 == 0)
xr <- floor(4 * x1 + 0.5) / 4
nobs <- ifelse(i %% 7 == 2, 2, ifelse(i %% 11 == 5, 1, 3))
Y <- sapply(0:(M - 1), function(m) {
  y <- 1 + 2 * xr - x2 + 1.5 * D + 0.5 * ((7 * i + 5 * m) %% 9 - 4) + 0.25 * m * xr + 0.5 * D * m
  ifelse(m < nobs, y, NA)
})
eta <- glm(D ~ x1 + x2, family = binomial())$linear.predictors
T <- which(D == 1); C <- which(D == 0)
dmin <- sapply(T, function(t) min(abs(eta[C] - eta[t])))
r <- 1.5 * max(dmin)
inr <- outer(T, C, function(t, c) abs(eta[c] - eta[t]) <= r)   # treated x controls
rows <- list()
for (m in 0:(M - 1)) {
  y <- Y[, m + 1]
  obsC <- !is.na(y[C])
  Wm <- inr * rep(obsC, each = length(T))
  den <- rowSums(Wm)
  ct <- !is.na(y[T]) & den > 0
  W <- Wm[ct, , drop = FALSE] / den[ct]
  K <- colSums(W); KK <- colSums(W^2)
  units <- c(T[ct], C[K > 0]); w <- c(rep(1, sum(ct)), K[K > 0])
  X <- cbind(1, D[units], x1[units], x2[units])
  fit <- lm.wfit(X, y[units], w)
  theta <- fit$coefficients; b <- theta[3:4]
  N <- sum(ct)
  ya <- as.vector(y - cbind(x1, x2) %*% b)
  A <- crossprod(X, w * X)
  eu <- as.vector(y[units] - X %*% theta)
  h <- w * rowSums((X %*% solve(A)) * X)
  fh <- 1 / sqrt(1 - h)
  att <- theta[[2]]
  terms <- function(ya) {   # treated terms and control AI residuals on ya
    yaC <- ya[C]; yaC[!obsC] <- 0
    tt <- ya[T[ct]] - as.vector(W %*% yaC)
    e <- rep(NA_real_, length(C))
    oc <- which(obsC)
    for (j in oc) {
      d <- abs(eta[C[oc]] - eta[C[j]]); d[oc == j] <- Inf
      dJ <- sort(d)[J]
      nb <- oc[d <= dJ]
      v <- c(ya[C[j]], ya[C[nb]])
      e[j] <- sign0(ya[C[j]] - mean(ya[C[nb]])) * sqrt(sum((v - mean(v))^2) / length(nb))
    }
    list(tt = tt, cterm = -sqrt(pmax(K^2 - KK, 0)) * ifelse(is.na(e), 0, e))
  }
  plain <- terms(ya)
  stopifnot(abs(mean(plain$tt) - att) < 1e-10)
  ya2 <- ya; ya2[units] <- ya[units] + (fh - 1) * eu
  hc <- terms(ya2)
  Ng <- colSums(cbind(x1, x2)[T[ct], , drop = FALSE]) - colSums(K * cbind(x1, x2)[C, , drop = FALSE])
  a <- -solve(A, c(0, 0, Ng))
  ru <- as.vector(X %*% a) * w * eu * fh
  rT <- ru[seq_len(N)]; rC <- rep(0, length(C)); rC[K > 0] <- ru[-seq_len(N)]
  se <- sqrt(sum((hc$tt + rT - att)^2) + sum((hc$cterm + rC)^2)) / N
  se0 <- sqrt(sum((plain$tt - att)^2) + sum(plain$cterm^2)) / N
  # effects_by_start.csv's se of ATT_k (the one start month): the same
  # squared terms over N (N - 1), the treated terms being centred at their
  # mean (docs/inference.md, "Per start month"; netto's kvar centres at the
  # mean of the HC2 treated terms before the regression's term, which is
  # ATT_k up to the HC2 shifts: 7e-6 of the variance here)
  se_k <- sqrt((sum((hc$tt + rT - mean(hc$tt))^2) + sum((hc$cterm + rC)^2)) / (N * (N - 1)))
  rows[[m + 1]] <- data.frame(month = m, att = att, se = se, se_fixed_b = se0, n_treated = N,
                              n_controls = sum(K > 0), se_k = se_k)
}

df <- do.call(rbind, rows)
for (j in c("att", "se", "se_fixed_b", "se_k")) df[[j]] <- sprintf("%.12g", df[[j]])
write.csv(df, out, row.names = FALSE, quote = FALSE)
print(df)
