# Golden numbers for tests/test_km.c, tests/test_cox.c and tests/test_dhazard.c.
# R 4.2, survival 3.5-3. Run from the repository root:
#   Rscript scripts/reference/survival_golden.R
# Writes the data to tests/data/ and the numbers to tests/golden/ (%.17g).
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")
dd <- "tests/data"; gd <- "tests/golden"
dir.create(dd, FALSE, TRUE); dir.create(gd, FALSE, TRUE)
wcsv <- function(x, f) write.csv(x, f, row.names = FALSE, na = "", quote = FALSE)
num <- function(x) trimws(formatC(x, digits = 17, format = "g"))
wgold <- function(df, f) {
  for (j in seq_along(df)) if (is.numeric(df[[j]])) df[[j]] <- ifelse(is.na(df[[j]]), "", num(df[[j]]))
  write.csv(df, file.path(gd, f), row.names = FALSE, quote = FALSE)
}

## Data, 0/1 events, names without dots ------------------------------------
vet <- veteran
vet$w <- 1 + (seq_len(nrow(vet)) %% 3) / 2          # case weights 1, 1.5, 2
wcsv(vet[, c("trt", "celltype", "time", "status", "karno", "diagtime", "age", "prior", "w")],
     file.path(dd, "veteran.csv"))
lung2 <- data.frame(time = lung$time, status = lung$status - 1, age = lung$age, sex = lung$sex,
                    ph_ecog = lung$ph.ecog, ph_karno = lung$ph.karno, inst = lung$inst,
                    w = 1 + (seq_len(nrow(lung)) %% 4) / 4)
wcsv(lung2, file.path(dd, "lung.csv"))
hrt <- heart; hrt$transplant <- as.integer(as.character(hrt$transplant))
hrt$w <- 0.5 + (seq_len(nrow(hrt)) %% 5) / 4          # case weights 0.5 .. 1.5
wcsv(hrt[, c("id", "start", "stop", "event", "age", "year", "surgery", "transplant", "w")],
     file.path(dd, "heart.csv"))

## Kaplan-Meier ---------------------------------------------------------------
km_rows <- function(fit, tag) {
  s <- summary(fit, censored = TRUE)
  g <- if (is.null(s$strata)) rep("all", length(s$time)) else sub(".*=", "", as.character(s$strata))
  data.frame(case = tag, group = g, time = s$time, n_risk = s$n.risk, n_event = s$n.event,
             n_censor = s$n.censor, survival = s$surv, se = s$std.err,
             ci_lower = s$lower, ci_upper = s$upper, cumhaz = s$cumhaz, std_chaz = s$std.chaz)
}
km <- rbind(
  km_rows(survfit(Surv(time, status) ~ trt, data = vet), "vet_log"),
  km_rows(survfit(Surv(time, status) ~ trt, data = vet, conf.type = "log-log"), "vet_loglog"),
  km_rows(survfit(Surv(time, status) ~ trt, data = vet, conf.type = "plain"), "vet_plain"),
  km_rows(survfit(Surv(time, status) ~ trt, data = vet, weights = w), "vet_weighted"),
  km_rows(survfit(Surv(time, status) ~ 1, data = lung2), "lung_all"),
  km_rows(survfit(Surv(start, stop, event) ~ 1, data = hrt), "heart_cp"),
  km_rows(survfit(Surv(start, stop, event) ~ 1, data = hrt, weights = w), "heart_cp_weighted"))
wgold(km, "km.csv")

lr <- function(f, d, tag) {
  s <- survdiff(f, data = d)
  data.frame(case = tag, chisq = s$chisq, df = length(s$n) - 1,
             p_value = pchisq(s$chisq, length(s$n) - 1, lower.tail = FALSE))
}
wgold(rbind(lr(Surv(time, status) ~ trt, vet, "vet_trt"),
            lr(Surv(time, status) ~ celltype, vet, "vet_celltype"),
            lr(Surv(time, status) ~ sex, lung2, "lung_sex")), "logrank.csv")

## Cox ------------------------------------------------------------------------
cox_rows <- function(fit, tag) {
  rob <- if (is.null(fit$naive.var)) rep(NA, length(coef(fit))) else sqrt(diag(fit$var))
  nv <- if (is.null(fit$naive.var)) fit$var else fit$naive.var
  data.frame(case = tag, term = names(coef(fit)), coef = unname(coef(fit)),
             se = sqrt(diag(nv)), robust_se = rob,
             loglik_null = fit$loglik[1], loglik = fit$loglik[2], n = fit$n, n_events = fit$nevent,
             iterations = fit$iter, score_chisq = unname(fit$score), wald_chisq = unname(fit$wald.test),
             lr_chisq = 2 * diff(fit$loglik))
}
cx <- rbind(
  cox_rows(coxph(Surv(time, status) ~ age + sex + ph_ecog, data = lung2, ties = "efron"), "lung_efron"),
  cox_rows(coxph(Surv(time, status) ~ age + sex + ph_ecog, data = lung2, ties = "breslow"), "lung_breslow"),
  cox_rows(coxph(Surv(time, status) ~ age + ph_ecog + strata(sex), data = lung2), "lung_strata"),
  cox_rows(coxph(Surv(time, status) ~ age + sex + ph_ecog, data = lung2, weights = w, robust = FALSE), "lung_weighted"),
  cox_rows(coxph(Surv(time, status) ~ age + sex + ph_ecog, data = lung2, weights = w, cluster = inst), "lung_wcluster"),
  cox_rows(coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, ties = "efron"), "heart_efron"),
  cox_rows(coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, ties = "breslow"), "heart_breslow"),
  cox_rows(coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, cluster = id), "heart_cluster"),
  cox_rows(coxph(Surv(start, stop, event) ~ age + year + surgery + transplant, data = hrt, cluster = id, ties = "breslow"), "heart_cluster_breslow"),
  cox_rows(coxph(Surv(start, stop, event) ~ age + year + transplant + strata(surgery), data = hrt, weights = w, cluster = id), "heart_strata_wcluster"))
wgold(cx, "cox.csv")

## Discrete-time hazard: veteran in 30-day periods, 4 blocks ------------------
vet$id <- seq_len(nrow(vet)); vet$months <- ceiling(vet$time / 30)
pp <- do.call(rbind, lapply(seq_len(nrow(vet)), function(i) {
  m <- vet$months[i]
  data.frame(id = i, period = seq_len(m), y = c(rep(0, m - 1), vet$status[i]),
             trt = vet$trt[i] - 1, karno = vet$karno[i])
}))
pp$tblock <- cut(pp$period, c(0, 1, 2, 4, 100), labels = c("b1", "b2", "b3_4", "b5p"))
wcsv(pp, file.path(dd, "pp_veteran.csv"))
dh <- function(link, tag) {
  f <- glm(y ~ tblock + trt + karno, family = binomial(link = link), data = pp)
  s <- summary(f)$coefficients
  # cluster-robust by person, as sandwich::vcovCL(f, cluster = ~id) (type HC0, cadjust G/(G-1))
  X <- model.matrix(f); mu <- fitted(f); me <- f$family$mu.eta(f$linear.predictors)
  S <- rowsum(X * ((pp$y - mu) * me / (mu * (1 - mu))), pp$id); G <- nrow(S)
  V <- G / (G - 1) * vcov(f) %*% crossprod(S) %*% vcov(f)
  data.frame(case = tag, term = rownames(s), coef = s[, 1], se = s[, 2], robust_se = sqrt(diag(V)),
             loglik = as.numeric(logLik(f)))
}
wgold(rbind(dh("logit", "logit"), dh("cloglog", "cloglog")), "dhazard.csv")
cat("ok\n")
