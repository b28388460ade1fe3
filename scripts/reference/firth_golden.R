# Reference for netto's Firth-penalised logit (estimators/nt_glm_firth.c),
# written against R 4.2.2 and brglm2 0.9 (Debian r-cran-brglm2): brglmFit
# with type = "AS_mean" is Firth's (1993) bias reduction, for the logit
# link the maximum of the Jeffreys-penalised likelihood (logistf's fit).
# Usage: Rscript scripts/reference/firth_golden.R tests/golden/firth.csv
# Cases (tests/test_dyn_estim.c, test_firth):
#   sep    x = 20, 30 treated; 1, -1.4, 11, 8.6 controls (complete separation)
#   table  a 2 x 2 table: x = 0 3 treated, 3 controls; x = 1 2 treated, 0 controls
#          (Firth = the logit of the table with 1/2 added to each cell: 0, log 5)
#   wts    the sep rows with case weights 1, 2, 3, 1, 2, 1
suppressPackageStartupMessages(library(brglm2))
args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args)) args[1] else "firth.csv"
fit <- function(x, d, w = rep(1, length(d))) {
  m <- glm(d ~ x, family = binomial(), weights = w, method = "brglmFit", type = "AS_mean",
           control = list(epsilon = 1e-12, maxit = 500))
  c(coef(m), sqrt(diag(vcov(m))))
}
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
