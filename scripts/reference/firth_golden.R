# Reference for netto's Firth-penalised logit (estimators/nt_glm_firth.c),
# in base R (no add-on package): the maximum of Firth's (1993) penalised
# log-likelihood for the logit link,
#   l(b) + 1/2 log det I(b),   I = X' W X,  W = diag(w mu (1 - mu)),
# by Newton iterations on the hat-matrix-adjusted score (Heinze & Schemper
# 2002, logistf's algorithm):
#   U*(b) = X' [w (y - mu) + h (1/2 - mu)],
#   h = diag(W^1/2 X I^-1 X' W^1/2)   (case weights w: frequency weights),
#   b <- b + I^-1 U*(b), each step's largest change capped at 5,
# until the largest change is below 1e-13; standard errors sqrt(diag(I^-1))
# at the estimate (the inverse Fisher information, as brglm2's vcov).
# For the logit link this is brglm2's brglmFit with type = "AS_mean", which
# wrote tests/golden/firth.csv before (R 4.2.2, brglm2 0.9): this script
# reproduces that file's numbers in all 12 printed digits, except the
# table case's b0: exactly 0 in theory (log(3.5/3.5)), a rounding residue
# of the iterations in either (-3.2e-17 from brglm2, 7.4e-17 here), so the
# golden keeps brglm2's; the test compares it to 1e-8.
# Usage: Rscript scripts/reference/firth_golden.R tests/golden/firth.csv
# Cases (tests/test_dyn_estim.c, test_firth):
#   sep    x = 20, 30 treated; 1, -1.4, 11, 8.6 controls (complete separation)
#   table  a 2 x 2 table: x = 0 3 treated, 3 controls; x = 1 2 treated, 0 controls
#          (Firth = the logit of the table with 1/2 added to each cell: 0, log 5)
#   wts    the sep rows with case weights 1, 2, 3, 1, 2, 1
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "firth.csv"
firth <- function(X, y, w, tol = 1e-13, maxit = 500, maxstep = 5) {
  b <- rep(0, ncol(X))
  for (it in seq_len(maxit)) {
    mu <- as.vector(plogis(X %*% b))
    v <- w * mu * (1 - mu)
    info <- crossprod(X, v * X)
    Iinv <- solve(info)
    h <- v * rowSums((X %*% Iinv) * X)
    score <- crossprod(X, w * (y - mu) + h * (0.5 - mu))
    step <- as.vector(Iinv %*% score)
    big <- max(abs(step))
    if (big > maxstep) step <- step * maxstep / big
    b <- b + step
    if (big < tol) break
  }
  if (big >= tol) stop("Firth iterations did not converge")
  mu <- as.vector(plogis(X %*% b))
  Iinv <- solve(crossprod(X, (w * mu * (1 - mu)) * X))
  c(b, sqrt(diag(Iinv)))
}
fit <- function(x, d, w = rep(1, length(d))) firth(cbind(1, x), d, w)
xs <- c(20, 30, 1, -1.4, 11, 8.6); ds <- c(1, 1, 0, 0, 0, 0)
rows <- rbind(
  c("sep", fit(xs, ds)),
  c("table", fit(c(0, 0, 0, 0, 0, 0, 1, 1), c(1, 1, 1, 0, 0, 0, 1, 1))),
  c("wts", fit(xs, ds, c(1, 2, 3, 1, 2, 1))))
colnames(rows) <- c("case", "b0", "b1", "se0", "se1")
df <- as.data.frame(rows)
for (j in 2:5) df[[j]] <- sprintf("%.12g", as.numeric(df[[j]]))
write.csv(df, out, row.names = FALSE, quote = FALSE)
print(df)
