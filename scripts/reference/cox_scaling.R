# Golden numbers for tests/test_cox.c, test_cox_scaling: Cox models whose
# covariates are on very different scales. R centres and scales each
# covariate before its singularity test (coxfit6.c / agfit4.c), so none of
# these is "a linear combination of the others"; netto must fit them too.
# R 4.2, survival 3.5-3. Run from the repository root:
#   Rscript scripts/reference/cox_scaling.R
# Writes tests/data/rotterdam.csv (the columns used, from survival::rotterdam)
# and tests/golden/cox_scaling.csv (%.17g; the columns of cox.csv).
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")
dd <- "tests/data"; gd <- "tests/golden"
wcsv <- function(x, f) write.csv(x, f, row.names = FALSE, na = "", quote = FALSE)
num <- function(x) trimws(formatC(x, digits = 17, format = "g"))
wgold <- function(df, f) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- ifelse(is.na(df[[j]]), "", num(df[[j]]))
  write.csv(df, file.path(gd, f), row.names = FALSE, quote = FALSE)
}

## Data -----------------------------------------------------------------------
# Rotterdam breast cancer cohort (survival::rotterdam, 2982 rows, no missing
# values in these columns); recur/death 0/1, times in days.
rot <- rotterdam[, c("pid", "rtime", "recur", "dtime", "death", "meno", "pgr", "nodes")]
wcsv(rot, file.path(dd, "rotterdam.csv"))
rot <- read.csv(file.path(dd, "rotterdam.csv"))
lung2 <- read.csv(file.path(dd, "lung.csv"))     # written by survival_golden.R
hrt <- read.csv(file.path(dd, "heart.csv"))      # idem

## Fits -----------------------------------------------------------------------
cox_rows <- function(fit, tag) {
  stopifnot(!any(is.na(coef(fit))))              # R drops nothing
  data.frame(case = tag, term = names(coef(fit)), coef = unname(coef(fit)),
             se = sqrt(diag(fit$var)), robust_se = NA_real_,
             loglik_null = fit$loglik[1], loglik = fit$loglik[2], n = fit$n, n_events = fit$nevent,
             iterations = fit$iter, score_chisq = unname(fit$score), wald_chisq = unname(fit$wald.test),
             lr_chisq = 2 * diff(fit$loglik))
}
wgold(rbind(
  # ph.karno in units of 1e7: the information's diagonal for it is ~1e-14 of age's
  cox_rows(coxph(Surv(time, status) ~ age + sex + I(ph_karno * 1e-7), data = lung2), "lung_karno_1e-7"),
  # pgr^2 (up to ~2.5e7^2) beside a 0/1 covariate: R fits meno -0.0533 (se 0.0522)
  cox_rows(coxph(Surv(rtime, recur) ~ meno + pgr + I(pgr^2) + nodes, data = rot), "rotterdam_recur"),
  cox_rows(coxph(Surv(dtime, death) ~ meno + pgr + I(pgr^2) + nodes, data = rot, ties = "breslow"),
           "rotterdam_death_breslow"),
  # counting-process rows (agreg / agfit4): year in units of 1e7
  cox_rows(coxph(Surv(start, stop, event) ~ age + I(year * 1e-7) + surgery + transplant, data = hrt),
           "heart_year_1e-7")), "cox_scaling.csv")
cat("ok\n")
