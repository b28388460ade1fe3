# Golden numbers for tests/cli_dhazard.sh (netto survival dhazard).
# R 4.2 (stats::glm), survival 3.5-3 for the veteran data. Run from the
# repository root:
#   Rscript scripts/reference/dhazard_golden.R
# Writes tests/data/veteran_months.csv (one row per person: time in 30-day
# periods; quarters and status_q: 90-day periods, censored after 6 so that
# every period has events) and tests/golden/dhazard_cli.csv (%.17g). Each
# case is the model
#   glm(y ~ factor(piece) + covariates, family = binomial(link))
# on the person-period rows (periods 1..months, y = 1 in the last when
# status = 1); with a cluster the SEs are sandwich::vcovCL(fit, cluster = ~id)
# (HC0, G/(G-1)) computed in base R, and z, p and the intervals use them.
suppressPackageStartupMessages(library(survival))
stopifnot(packageVersion("survival") == "3.5.3")
dd <- "tests/data"; gd <- "tests/golden"
num <- function(x) trimws(formatC(x, digits = 17, format = "g"))

vet <- data.frame(id = seq_len(nrow(veteran)), months = ceiling(veteran$time / 30),
                  status = veteran$status, trt = veteran$trt - 1, karno = veteran$karno,
                  celltype = as.character(veteran$celltype), age = veteran$age,
                  quarters = pmin(ceiling(veteran$time / 90), 6),
                  status_q = veteran$status * (ceiling(veteran$time / 90) <= 6))
write.csv(vet, file.path(dd, "veteran_months.csv"), row.names = FALSE, quote = FALSE)

expand <- function(time, status) do.call(rbind, lapply(seq_len(nrow(vet)), function(i) {
  m <- vet[[time]][i]
  data.frame(id = vet$id[i], period = seq_len(m), y = c(rep(0, m - 1), vet[[status]][i]),
             trt = vet$trt[i], karno = vet$karno[i], celltype = vet$celltype[i], age = vet$age[i])
}))
pp_months <- expand("months", "status")
pp_quarters <- expand("quarters", "status_q")

# netto's term names: "(Intercept)", "piece=(a,b]" / "piece=(a,Inf)" or
# "period=k", then the covariates ("X=level" for a categorical).
piece_of <- function(period, cuts) {
  if (is.null(cuts)) return(factor(period))
  k <- findInterval(period, cuts, left.open = TRUE)   # number of cuts < period
  lab <- c(paste0("(-Inf,", cuts[1], "]"), paste0("(", cuts, ",", c(cuts[-1], "Inf"), ifelse(seq_along(cuts) < length(cuts), "]", ")")))
  factor(lab[k + 1], levels = lab)
}

dh <- function(tag, link, covs, cuts = NULL, cluster = FALSE, pp = pp_months) {
  d <- pp
  d$piece <- droplevels(piece_of(d$period, cuts))
  f <- glm(reformulate(c("piece", covs), "y"), family = binomial(link = link), data = d)
  b <- coef(f); se <- sqrt(diag(vcov(f)))
  rob <- rep(NA, length(b))
  if (cluster) {
    X <- model.matrix(f); mu <- fitted(f); me <- f$family$mu.eta(f$linear.predictors)
    S <- rowsum(X * ((d$y - mu) * me / (mu * (1 - mu))), d$id); G <- nrow(S)
    V <- G / (G - 1) * vcov(f) %*% crossprod(S) %*% vcov(f)
    rob <- sqrt(diag(V))
  }
  use <- if (cluster) rob else se
  z <- b / use
  lv <- levels(d$piece)
  term <- names(b)
  term[1] <- "(Intercept)"
  pre <- if (is.null(cuts)) "period=" else "piece="
  for (l in lv[-1]) term[term == paste0("piece", l)] <- paste0(pre, l)
  for (v in covs) if (is.character(d[[v]]))
    for (l in unique(d[[v]])) term[term == paste0(v, l)] <- paste0(v, "=", l)
  data.frame(case = tag, term = term, estimate = num(b), se = num(se), z = num(z),
             p_value = num(2 * pnorm(-abs(z))), ratio = num(exp(b)),
             ci_lower = num(exp(b - qnorm(0.975) * use)), ci_upper = num(exp(b + qnorm(0.975) * use)),
             robust_se = ifelse(is.na(rob), "", num(rob)), loglik = num(as.numeric(logLik(f))))
}

g <- rbind(
  dh("logit_cuts_cluster", "logit", c("trt", "karno"), cuts = c(1, 2, 4), cluster = TRUE),
  dh("cloglog_cuts_cluster", "cloglog", c("trt", "karno"), cuts = c(1, 2, 4), cluster = TRUE),
  dh("cloglog_cuts_cat", "cloglog", c("karno", "celltype", "age"), cuts = c(2, 4, 8)),
  dh("logit_periods", "logit", c("trt", "karno"), pp = pp_quarters),
  dh("cloglog_periods_cluster", "cloglog", c("trt", "karno"), cluster = TRUE, pp = pp_quarters))
g$term <- gsub(",", ";", g$term)   # "piece=(1;2]": no quoting in the golden
write.csv(g, file.path(gd, "dhazard_cli.csv"), row.names = FALSE, quote = FALSE)
cat("ok\n")
