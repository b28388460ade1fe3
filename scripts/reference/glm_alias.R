# Golden numbers for tests/test_glm.c, test_glm_alias_golden: R's aliasing
# rule in glm.fit (the QR of sqrt(W) X by dqrdc2, limited column pivoting,
# tol = min(1e-7, epsilon / 1000) = 1e-11 by default; the later column of a
# dependent set is aliased and gets NA) and fits with nearly aliased columns
# that R keeps. R 4.2.2, stats. Run from the repository root:
#   Rscript scripts/reference/glm_alias.R
# Writes tests/data/glm_alias.csv (the data, %.17g, so C reads the same
# doubles) and tests/golden/glm_alias.csv: model, term, estimate, se (empty =
# NA: aliased), deviance, iterations.
i <- 1:300
x1 <- sin(i); x2 <- cos(1.7 * i)
d <- data.frame(
  y = as.integer(sin(2.3 * i) + 0.5 * x1 - 0.3 * x2 > 0),
  x1 = x1, x2 = x2,
  v0 = x1 + 2 * x2,                       # aliased (up to rounding)
  v6 = x1 + 2 * x2 + 1e-6 * sin(3.1 * i), # residual share ~4e-7: kept
  v9 = x1 + 2 * x2 + 1e-9 * sin(3.1 * i)) # ~4e-10: kept by glm (tol 1e-11), not by lm (1e-7)
num <- function(x) trimws(formatC(x, digits = 17, format = "g"))
dc <- d; for (v in names(dc)) dc[[v]] <- num(dc[[v]])
write.csv(dc, "tests/data/glm_alias.csv", row.names = FALSE, quote = FALSE)
d <- read.csv("tests/data/glm_alias.csv")
stopifnot(is.na(coef(lm(y ~ x1 + x2 + v9, data = d))["v9"]))   # lm's 1e-7 drops v9
fits <- list(
  near6 = glm(y ~ x1 + x2 + v6, family = binomial, data = d),
  near9 = glm(y ~ x1 + x2 + v9, family = binomial, data = d),
  alias_last = glm(y ~ x1 + x2 + v0, family = binomial, data = d),
  alias_order = glm(y ~ v0 + x1 + x2, family = binomial, data = d))
out <- do.call(rbind, lapply(names(fits), function(m) {
  f <- fits[[m]]
  b <- coef(f); se <- rep(NA_real_, length(b)); names(se) <- names(b)
  s <- summary(f)$coefficients; se[rownames(s)] <- s[, 2]
  data.frame(model = m, term = names(b), estimate = unname(b), se = unname(se),
             deviance = f$deviance, iterations = f$iter)
}))
for (v in c("estimate", "se", "deviance")) out[[v]] <- ifelse(is.na(out[[v]]), "", num(out[[v]]))
write.csv(out, "tests/golden/glm_alias.csv", row.names = FALSE, quote = FALSE)
cat("ok\n")
