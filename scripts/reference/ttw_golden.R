# Golden numbers for tests/test_kmdiff.c (estimators/nt_kmdiff: the weighted
# Kaplan-Meier curves of time_to_work.csv, docs/survival.md).
# R 4.2, survival 3.5-3. Run from the repository root:
#   Rscript scripts/reference/ttw_golden.R
# Writes tests/data/ttw_km.csv (rows: person, group, time, event, weight;
# persons with rows in both groups and several rows in one, as a control in
# several start months) and tests/golden/ttw_km.csv (%.17g): per group and
# month 1..H the weighted number at risk, survival and its robust SE
# (survfit with id = person, robust = TRUE: the infinitesimal jackknife
# clustered by person), and per month the SE of the difference from
# survfit's influence = TRUE matrices, summed per person across the groups.
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")
dd <- "tests/data"; gd <- "tests/golden"
num <- function(x) trimws(formatC(x, digits = 17, format = "g"))
set.seed(20261130)
H <- 30
np <- 120
rows <- do.call(rbind, lapply(seq_len(np), function(p) {
  k <- sample(1:3, 1, prob = c(0.6, 0.3, 0.1))
  g <- if (k == 1) sample(0:1, 1) else c(sample(0:1, 1), rep(1, k - 1))
  lam <- ifelse(g == 0, 0.07, 0.1)
  tt <- pmin(1 + rgeom(k, lam), 1 + floor(runif(k) * 36))
  ev <- as.integer(1 + rgeom(k, lam) <= tt & tt <= 35)
  data.frame(person = p, group = g, time = tt, event = ev,
             weight = ifelse(g == 0, 1, round(runif(k, 0.1, 2.5), 3)))
}))
rows$time[rows$time > H] <- H + 3           # beyond H: netto censors them at H
write.csv(rows, file.path(dd, "ttw_km.csv"), row.names = FALSE, quote = FALSE)

r2 <- rows
r2$event[r2$time > H] <- 0; r2$time[r2$time > H] <- H
f <- survfit(Surv(time, event) ~ group, data = r2, weights = weight, id = person, robust = TRUE,
             influence = TRUE)
s <- summary(f, times = 1:H, extend = TRUE)
g <- as.integer(sub(".*=", "", as.character(s$strata)))
out <- data.frame(group = g, month = s$time, n_risk = s$n.risk, surv = s$surv, se = s$std.err)
# influence at month m: the column of the last time <= m of each stratum
infl_at <- function(st, m) {
  tm <- f$time[if (st == 1) seq_len(f$strata[1]) else f$strata[1] + seq_len(f$strata[2])]
  I <- f$influence.surv[[st]]
  j <- max(c(0, which(tm <= m)))
  v <- if (j == 0) rep(0, nrow(I)) else I[, j]
  setNames(v, rownames(I))
}
ids <- as.character(sort(unique(rows$person)))
sed <- sapply(1:H, function(m) {
  a <- setNames(rep(0, length(ids)), ids); b <- a
  i0 <- infl_at(1, m); i1 <- infl_at(2, m)
  a[names(i0)] <- i0; b[names(i1)] <- i1
  sqrt(sum((a - b)^2))
})
out$se_diff <- sed[out$month]
for (j in seq_along(out)) out[[j]] <- num(out[[j]])
write.csv(out, file.path(gd, "ttw_km.csv"), row.names = FALSE, quote = FALSE)
