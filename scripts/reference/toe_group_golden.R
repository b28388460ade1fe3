# Reference numbers for the timing-of-events model with effects by an
# observed group (nt_toe_data.eff_group, `[estimator] toe_effect_by`;
# estimators/nt_toe.h, docs/toe.md): the likelihood of
# scripts/reference/toe_golden.R (sourced: toe_model(), base R only) on
# tests/data/toe_small.csv with the job-loss cells
# tests/data/toe_loss_cells.csv (three hazards sharing the mass points),
# the effect groups the values of x2 (0/1, constant within a person): the
# lock-in and post-programme effects on the exit and the job-loss post
# effect per group. K = 1 and K = 2: optim BFGS + Newton on optimHess,
# inverse-information and clustered SEs, canonical labels; K = 1 also as
# three glm(cloglog) fits. Writes tests/golden/toe_group_k1.csv,
# toe_group_k2.csv, toe_group_glm.csv.
# Run from the repository root: Rscript scripts/reference/toe_group_golden.R
source("scripts/reference/toe_golden.R")

d <- read.csv("tests/data/toe_small.csv")
cells <- read.csv("tests/data/toe_loss_cells.csv")
M <- toe_model(d, cells, egroup = "x2")
r2 <- fit_goldens(M, "toe_group", c(1, 1, -1), list(c(-1, -1, 1), c(1, 1, 0), c(1, -1, -1)), " (effects by x2)")
g <- d$x2[match(unique(d$person), d$person)]
ex <- d[d$y_exit == 1 & d$since_entry > 0, ]
cat(sprintf("persons by x2: %d / %d; exits in the lock-in by x2: %s; after it: %s\n", sum(g == 0), sum(g == 1),
            paste(tapply(ex$in_program == 1, ex$x2, sum), collapse = " / "),
            paste(tapply(ex$in_program == 0, ex$x2, sum), collapse = " / ")))
print(r2[, 1:4])
