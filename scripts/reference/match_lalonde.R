# Golden numbers for estimators/nt_match, nt_weight, nt_balance on
# Matching::lalonde (tests/data/lalonde.csv, 445 rows).
# R 4.2.2, Matching 4.10-8, MatchIt 4.5.1.  Run from the repository root:
#   Rscript scripts/reference/match_lalonde.R
# Writes tests/golden/match_lalonde_*.csv.
suppressMessages({ library(Matching); library(MatchIt) })
d <- read.csv("tests/data/lalonde.csv")
f <- treat ~ age + educ + black + hisp + married + nodegr + re74 + re75 + u74 + u75
ps <- glm(f, family = binomial(), data = d)
eta <- ps$linear.predictors
p <- fitted(ps)
out <- function(x, name) write.csv(format(x, digits = 17), file.path("tests/golden", name), row.names = FALSE, quote = FALSE)

# 1. Matching::Match, NN with replacement on eta, every option explicit.
ai <- do.call(rbind, lapply(c(1e-5, 1e-9), function(tol) do.call(rbind, lapply(c("ATT", "ATE"), function(est) do.call(rbind, lapply(c(1, 2), function(M) {
  m <- Match(Y = d$re78, Tr = d$treat, X = eta, M = M, estimand = est, replace = TRUE, ties = TRUE,
             BiasAdjust = FALSE, Var.calc = 2, caliper = NULL, distance.tolerance = tol,
             Weight = 1, sample = FALSE, version = "standard")
  data.frame(estimand = est, M = M, distance_tolerance = tol, est = m$est, se = m$se,
             se_standard = m$se.standard, nobs = m$nobs, wnobs = m$wnobs)
}))))))
out(ai, "match_lalonde_ai.csv")

# 2. MatchIt nearest, without replacement, largest first, probability distance
#    (MatchIt's default), with and without a caliper of 0.05 SD of that distance.
mi <- function(caliper) {
  args <- list(f, data = d, method = "nearest", distance = "glm", link = "logit",
               estimand = "ATT", replace = FALSE, m.order = "largest", ratio = 1)
  if (!is.null(caliper)) { args$caliper <- caliper; args$std.caliper <- TRUE }
  do.call(matchit, args)
}
for (cal in list(NULL)) {
  m <- mi(cal)
  tag <- if (is.null(cal)) "nocal" else "cal005"
  mm <- m$match.matrix
  pairs <- data.frame(treated_row = as.integer(rownames(mm)), control_row = as.integer(mm[, 1]))
  out(pairs, sprintf("match_lalonde_matchit_%s_pairs.csv", tag))
  s <- summary(m, standardize = TRUE)
  sm <- s$sum.matched
  bal <- data.frame(covariate = rownames(sm), mean_treated = sm[, "Means Treated"],
                    mean_control = sm[, "Means Control"], smd = sm[, "Std. Mean Diff."],
                    var_ratio = sm[, "Var. Ratio"])
  out(bal, sprintf("match_lalonde_matchit_%s_balance.csv", tag))
  # Effect on the matched sample: difference in weighted means.
  md <- match.data(m)
  eff <- data.frame(att = with(md, weighted.mean(re78[treat == 1], weights[treat == 1]) -
                                   weighted.mean(re78[treat == 0], weights[treat == 0])),
                    n_matched = sum(md$treat == 1))
  out(eff, sprintf("match_lalonde_matchit_%s_effect.csv", tag))
}

# 3. IPW (normalised weights) and AIPW in base R with the same logit.
D <- d$treat; Y <- d$re78; N <- nrow(d); N1 <- sum(D)
X <- model.matrix(f, d)
ipw <- function(est) {
  w <- if (est == "ATT") ifelse(D == 1, 1, p / (1 - p)) else ifelse(D == 1, 1 / p, 1 / (1 - p))
  mu1 <- sum(w * D * Y) / sum(w * D); mu0 <- sum(w * (1 - D) * Y) / sum(w * (1 - D))
  phi <- D * w * (Y - mu1) / mean(D * w) - (1 - D) * w * (Y - mu0) / mean((1 - D) * w)
  c(mu1 - mu0, sd(phi) / sqrt(N))
}
b1 <- coef(lm(Y ~ X - 1, subset = D == 1)); b0 <- coef(lm(Y ~ X - 1, subset = D == 0))
m1 <- drop(X %*% b1); m0 <- drop(X %*% b0)
psi <- m1 - m0 + D * (Y - m1) / p - (1 - D) * (Y - m0) / (1 - p)
aipw_ate <- c(mean(psi), sd(psi) / sqrt(N))
tt <- sum(D * (Y - m0) - (1 - D) * p / (1 - p) * (Y - m0)) / N1
phi <- (D * (Y - m0 - tt) - (1 - D) * p / (1 - p) * (Y - m0)) / (N1 / N)
aipw_att <- c(tt, sd(phi) / sqrt(N))
w <- rbind(c(ipw("ATT")), c(ipw("ATE")), aipw_att, aipw_ate)
out(data.frame(method = c("ipw", "ipw", "aipw", "aipw"), estimand = c("ATT", "ATE", "ATT", "ATE"),
               est = w[, 1], se = w[, 2]), "match_lalonde_weighting.csv")

# 4. Greedy matching with a caliper. MatchIt 4.5.1 as installed here did not
#    apply `caliper =` to nearest matching on lalonde (all 185 treated kept,
#    pair distances up to 0.057 with a caliper of 0.0002), so the caliper
#    case is checked against this plain O(n^2) greedy loop instead:
#    treated in descending probability (ties: lower row), nearest available
#    control (ties: lower row), caliper 0.05 SD of the probability.
greedy <- function(score, D, caliper) {
  tr <- which(D == 1); tr <- tr[order(-score[tr], tr)]
  avail <- which(D == 0)
  res <- data.frame(treated_row = integer(0), control_row = integer(0))
  for (i in tr) {
    if (!length(avail)) break
    dist <- abs(score[avail] - score[i])
    ok <- dist <= caliper
    if (!any(ok)) next
    cand <- avail[ok]; dc <- dist[ok]
    j <- cand[order(dc, cand)][1]
    res <- rbind(res, data.frame(treated_row = i, control_row = j))
    avail <- setdiff(avail, j)
  }
  res[order(res$treated_row), ]
}
cal <- 0.05 * sd(p)
out(greedy(p, D, cal), "match_lalonde_greedy_cal005_pairs.csv")
out(greedy(p, D, Inf), "match_lalonde_greedy_nocal_pairs.csv")
# How often MatchIt 4.5.1's pick is not the nearest available control (44 of 185).
m <- mi(NULL); mm <- m$match.matrix
tr <- as.integer(rownames(mm)); ct <- as.integer(mm[, 1])
ord <- which(D == 1); ord <- ord[order(-p[ord], ord)]; avail <- which(D == 0); bad <- 0
for (i in ord) { j <- ct[tr == i]; best <- min(abs(p[avail] - p[i]))
  if (best < abs(p[j] - p[i])) bad <- bad + 1; avail <- setdiff(avail, j) }
out(data.frame(matchit_not_nearest = bad), "match_lalonde_matchit_not_nearest.csv")

# 5. Radius matching with regression bias adjustment and kernel matching, in
#    plain R (no package implements them as netto does; methods.md): on eta.
tr <- which(D == 1); ct <- which(D == 0)
nn_d <- sapply(tr, function(i) min(abs(eta[ct] - eta[i])))
r <- 1.5 * max(nn_d)
K <- numeric(N)
for (i in tr) { j <- ct[abs(eta[ct] - eta[i]) <= r]; K[j] <- K[j] + 1 / length(j) }
w <- ifelse(D == 1, 1, K)
keep <- w > 0
rad <- coef(lm(re78 ~ treat + age + educ + black + hisp + married + nodegr + re74 + re75 + u74 + u75,
               data = d[keep, ], weights = w[keep]))[["treat"]]
h <- 1.06 * sd(eta[ct]) * length(ct)^(-1/5)
kern <- mean(sapply(tr, function(i) {
  u <- (eta[ct] - eta[i]) / h; k <- ifelse(abs(u) <= 1, 0.75 * (1 - u^2), 0)
  Y[i] - sum(k * Y[ct]) / sum(k) }))
out(data.frame(method = c("radius", "kernel"), est = c(rad, kern), radius_or_bandwidth = c(r, h)),
    "match_lalonde_radius_kernel.csv")
