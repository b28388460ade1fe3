# Golden numbers for estimators/nt_glm: R glm on Matching::lalonde (R 4.2.2,
# stats). Logit and cloglog, treat on the ten covariates; also a weighted
# logit (case weights 1 + (row %% 3)).  Writes tests/golden/glm_lalonde.csv:
# model, term, estimate, se, deviance, null_deviance, iterations.
#   Rscript scripts/reference/glm_lalonde.R
d <- read.csv("tests/data/lalonde.csv")
f <- treat ~ age + educ + black + hisp + married + nodegr + re74 + re75 + u74 + u75
w <- 1 + (seq_len(nrow(d)) %% 3)
fits <- list(
  logit = glm(f, family = binomial(link = "logit"), data = d),
  cloglog = glm(f, family = binomial(link = "cloglog"), data = d),
  logit_weighted = glm(f, family = binomial(link = "logit"), data = d, weights = w))
out <- do.call(rbind, lapply(names(fits), function(m) {
  s <- summary(fits[[m]])$coefficients
  data.frame(model = m, term = rownames(s), estimate = s[, 1], se = s[, 2],
             deviance = fits[[m]]$deviance, null_deviance = fits[[m]]$null.deviance,
             iterations = fits[[m]]$iter)
}))
write.csv(format(out, digits = 17), "tests/golden/glm_lalonde.csv", row.names = FALSE, quote = FALSE)
