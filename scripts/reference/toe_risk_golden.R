# Reference numbers for the timing-of-events model with rows outside a
# hazard's risk set (nt_toe_data.exit_risk / entry_risk, estimators/nt_toe.h;
# docs/toe.md): the likelihood of scripts/reference/toe_golden.R (sourced:
# toe_model(), base R only) on tests/data/toe_small.csv with
#   exit_risk  = 0 in period 1 (as month 0 of a study, when nobody starts
#                work: the period-1 exits of the file are dropped with it,
#                persons whose only row that was go),
#   entry_risk = 0 in the last row of a person without an entry (as the
#                study's rows, where row r stands for a start in month r + 1).
# K = 1 and K = 2: optim BFGS + Newton on optimHess, inverse-information and
# clustered SEs, canonical labels; K = 1 also as two glm(cloglog) fits on
# the rows at risk. Writes tests/data/toe_risk.csv, tests/golden/toe_risk_k1.csv,
# toe_risk_k2.csv, toe_risk_glm.csv.
# Run from the repository root: Rscript scripts/reference/toe_risk_golden.R
source("scripts/reference/toe_golden.R")

d <- read.csv("tests/data/toe_small.csv")
# a period-1 exit would be a row not at risk with an event: those persons leave the file
d <- d[!(d$person %in% d$person[d$period == 1 & d$y_exit == 1]), ]
d$exit_risk <- as.numeric(d$period != 1)
last <- !duplicated(d$person, fromLast = TRUE)
entered <- ave(d$y_entry, d$person, FUN = sum) > 0
d$entry_risk <- as.numeric(!(last & !entered))
write.csv(d, "tests/data/toe_risk.csv", row.names = FALSE, quote = FALSE)

M <- toe_model(d)
r2 <- fit_goldens(M, "toe_risk", c(1, 1), list(c(-1, -1), c(1, -1), c(-1, 1)))
cat(sprintf("rows %d, persons %d, exits %d, entries %d, rows not at risk: exit %d, entry %d\n", nrow(d), M$G,
            sum(d$y_exit), sum(d$y_entry), sum(d$exit_risk == 0), sum(d$entry_risk == 0 & d$since_entry == 0)))
print(r2[, 1:4])
