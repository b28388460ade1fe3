# Independent reference for the cross-fitted job-chance score of netto run
# ([subgroups] job_chance; study/nt_run_derived.c, docs/heterogeneity.md).
#
# Written against R 4.2.2, base R only (glm). Input: a run's
# private/job_chance_scores.csv (per analysed person: store index, fold,
# fitting flag, y = employed in months 1..12 since inflow, netto's score and
# the model columns). For each fold f it fits glm(y ~ columns, binomial) on
# the fitting persons outside fold f and predicts the persons of fold f: no
# person's score comes from a model that saw its own outcome. Writes
# index, fold, score (R), quintile (rank of the score among all persons,
# ties by index: floor(5 r / n) + 1).
#
# Usage (from the repository root), on the input tests/cli_whom.sh makes
# (netto simulate --persons 400 --seed 3; its study with job_chance):
#   Rscript scripts/reference/job_chance.R RUN/private/job_chance_scores.csv tests/golden/job_chance.csv
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: job_chance.R job_chance_scores.csv OUT.csv")
d <- read.csv(args[1], check.names = FALSE)
xcols <- names(d)[-(1:5)]
X <- as.matrix(d[, xcols, drop = FALSE])
score <- rep(NA_real_, nrow(d))
for (f in sort(unique(d$fold))) {
  tr <- d$fit == 1 & d$fold != f
  fit <- glm.fit(cbind(1, X[tr, , drop = FALSE]), d$y[tr], family = binomial(),
                 control = glm.control(epsilon = 1e-8, maxit = 25))
  b <- fit$coefficients
  b[is.na(b)] <- 0
  te <- d$fold == f
  score[te] <- plogis(drop(cbind(1, X[te, , drop = FALSE]) %*% b))
}
quint <- integer(nrow(d))
quint[order(score, d$index)] <- floor(5 * (seq_len(nrow(d)) - 1) / nrow(d)) + 1
cat(sprintf("max |netto - R| score: %.3g\n", max(abs(score - d$score))))
write.csv(data.frame(index = d$index, fold = d$fold, score = sprintf("%.15g", score), quintile = quint),
          args[2], row.names = FALSE, quote = FALSE)
