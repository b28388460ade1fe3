# Independent reference for netto's dynamic (timing-aware) estimator
# (spec: cli-and-results.md, "The dynamic estimand"; docs/dynamic.md).
#
# Written against: R 4.2.2, hdf5r 1.3.8 (reading the store); glm() from
# base stats for the logit. Matching and weighting are written out below in
# base R (nearest neighbour with replacement, 1 neighbour, exact ties share
# the weight: the rule of R Matching's ties = TRUE with distance.tolerance 0).
# When Matching (4.10.8) is installed, the written-out nn matching without a
# caliper is checked against Matching::Match at tau = 0 of every start month.
# No netto code is used: the store is read with hdf5r, the study file with a
# ten-line INI reader.
#
# Usage (from the repository root):
#   Rscript scripts/reference/dynamic_golden.R tests/data/dynamic/study_nn.ini tests/golden/dynamic_nn.csv
# The study must name its data as `[data] store = ...`; supported: method
# nn (1 neighbour, replace = yes, caliper none or c) and ipw, trim = none,
# history = no, no subgroups; exact cells ([estimator] exact = categorical
# variables) with ipw only: the control weights e/(1-e) are normalised
# within each cell (a treated person whose cell has no control, and a
# control whose cell has no treated, take no part), so ATT_k(tau) is the
# mean over the contributing treated of y - the weighted mean of the
# observed controls of their cell (docs/dynamic.md); [estimator] calendar
# (inflow_quarter: netto's default, inflow_month) adds the inflow quarter or
# month to the cells, with ipw and aipw only (the nn studies set calendar =
# none). AIPW (method = aipw): y less the outcome model mu0 = lm(y ~ x)
# fitted in each month on the observed controls (not yet started with
# ATT_never; x the model's covariate columns, as for the bias adjustment;
# aliased coefficients count 0), weighted by the ATT_never / IPCW weights
# W_j, then the IPW contrast of the residuals (plain or within cells); a
# month with fewer than 10 such controls per column of (1, x) has no model
# (mu0 = 0: its IPW contrast).
# ATT_never and IPCW with ipw and aipw, plain or within cells: the control
# weights are e/(1-e) x W_j, normalised over the month or within each cell;
# the treated weigh W_i (IPCW), the pooling over k their summed weights.
#
# Radius (method = radius, Lechner, Miquel & Wunsch 2011): per start month
# the radius r = radius_factor x the largest 1:1 nearest-neighbour distance
# on the score over the treated (within the caliper when there is one);
# treated i uses every control with |eta_c - eta_i| <= r, equal weights,
# renormalised over the observed ones in each month. With [estimator]
# bias_adjust = yes the month's effect is the coefficient of D in lm(y ~ D
# + x, weights) over the matched sample observed in the month (weights 1
# for the contributing treated, K_j = sum_i 1/den_i for the controls; x the
# model's covariate columns, no intercept or start-month dummies), which is
# the matching estimator on y - x'b (docs/dynamic.md); aliased columns are
# lm's NA coefficients. A month whose matched sample has fewer than 10 rows
# per column of (1, D, x) is not adjusted.
# With `[treatment] compare = yes` the pairs of programmes instead (rows
# with subgroup "versus=<l>"; tests/golden/dynamic_compare.csv).
#
# Output: program, subgroup, outcome, month, estimand (ATT, ATT_fixed),
# estimate (%.17g, empty where undefined or suppressed), n_treated,
# n_control, n_treated_matched, n_control_used (empty where suppressed by
# the study's min_cell, as netto's tables do), in netto's row order.

suppressPackageStartupMessages(library(hdf5r))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: dynamic_golden.R STUDY.ini OUT.csv")
study_path <- args[1]
out_path <- args[2]

## ---------------------------------------------------------------- study file
read_ini <- function(path) {
  ini <- list(); sec <- ""
  for (ln in readLines(path)) {
    ln <- trimws(sub("[;#].*$", "", ln))
    if (ln == "") next
    if (grepl("^\\[.*\\]$", ln)) { sec <- gsub("^\\[|\\]$", "", ln); next }
    kv <- regmatches(ln, regexpr("=", ln), invert = TRUE)[[1]]
    ini[[paste0(sec, ".", trimws(kv[1]))]] <- trimws(kv[2])
  }
  ini
}
ini <- read_ini(study_path)
get <- function(key, default = NULL) if (is.null(ini[[key]])) default else ini[[key]]
csv_list <- function(s) trimws(strsplit(s, ",")[[1]])

programs <- csv_list(get("treatment.programs"))
sm <- as.integer(strsplit(get("treatment.start_months"), ":")[[1]])
start_first <- sm[1]; start_last <- sm[length(sm)]
interval_len <- as.integer(get("treatment.start_interval", "3"))
H <- as.integer(get("treatment.horizon"))
method <- get("estimator.method")
caliper_sd <- get("estimator.caliper", "none")
caliper_sd <- if (caliper_sd == "none") 0 else as.numeric(caliper_sd)
covariates <- csv_list(get("estimator.covariates"))
outcomes <- csv_list(get("outcomes.series"))
min_cell <- as.integer(get("disclosure.min_cell", "10"))
calendar <- get("estimator.calendar", "inflow_quarter")   # netto's default (docs/dynamic.md "Calendar time")
radius_factor <- as.numeric(get("estimator.radius_factor", "1.5"))
bias_adjust <- get("estimator.bias_adjust", "no") == "yes"
weighting <- method %in% c("ipw", "aipw")
stopifnot(method %in% c("nn", "ipw", "aipw", "radius"), as.integer(get("estimator.neighbors", "1")) == 1,
          get("estimator.replace", "yes") == "yes", get("estimator.trim", "none") == "none",
          get("estimator.history", "no") == "no", is.null(ini[["estimator.exact"]]) || weighting,
          calendar %in% c("none", "inflow_quarter", "inflow_month"), calendar == "none" || weighting,
          as.integer(get("inference.bootstrap", "0")) == 0)
never <- get("estimator.never", "no") == "yes"                  # ATT_never rows (docs/dynamic.md)
ipcw <- get("estimator.censoring", "none") == "ipcw"           # censoring weights on every estimand
stopifnot(!(never || ipcw) || weighting || (method == "radius" && calendar == "none" && is.null(ini[["estimator.exact"]])))
skip_below <- as.integer(get("estimator.min_treated", "10"))   # fewest treated per logit (per start month without pooling)
pool_sparse <- get("estimator.pool_sparse", "yes") == "yes"   # sparse intervals pooled (docs/dynamic.md, "Sparse start months")
check_matching <- requireNamespace("Matching", quietly = TRUE)   # Matching 4.10.8
verbose <- nzchar(Sys.getenv("NT_GOLDEN_VERBOSE"))   # report dropped design columns on stderr
store_path <- file.path(dirname(study_path), get("data.store"))

## ---------------------------------------------------------------- the store
f <- H5File$new(store_path, "r")
pers <- function(name) f[[paste0("persons/", name)]][]
# hdf5r shows the row-major (person x month) panel as months x persons.
panel <- function(name) t(f[[paste0("panel/", name)]][, ])
n <- length(pers("person_id"))
months <- ncol(panel("employed"))
stopifnot(months >= start_last + H)
treat_month <- pers("treat_month")
treat_type <- pers("treat_type")
n_observed <- pers("n_observed")
on_index <- panel("on_index_benefit") == 1            # 255 (censored) is not 1
Y <- lapply(outcomes, function(o) {
  y <- panel(o)
  if (is.integer(y)) y[y == 255L] <- NA                 # uint8 fill value
  storage.mode(y) <- "double"
  y
})
names(Y) <- outcomes
program_types <- f[["dict/program_types"]][]

# admin_observed: months whose last day is on or before the data end
# (death and emigration ignored): end_month - month(index_start) + [data end
# is the last day of its month], clipped to 0..months.
data_end <- as.Date(h5attr(f, "data_end"))
mon <- function(d) as.integer(format(d, "%Y")) * 12L + as.integer(format(d, "%m")) - 1L
end_full <- as.integer(mon(data_end + 1) != mon(data_end))
admin <- mon(data_end) - mon(as.Date(pers("index_start"), origin = "1970-01-01")) + end_full
admin <- pmin(pmax(admin, 0L), months)

# Person covariates as model columns (as nt_dynpanel.c expands them):
# numeric: one column, a person with NaN is left out of the analysis;
# categorical: codes 0 = missing, i = levels[i]; one indicator per level but
# the first, then `name=missing` when any person in the store has code 0.
X <- list(); included <- rep(TRUE, n)
for (v in covariates) {
  ds <- f[[paste0("persons/", v)]]
  x <- ds[]
  if (h5attr(ds, "kind") == "numeric") {
    included <- included & !is.nan(x) & !is.na(x)
    X[[v]] <- as.numeric(x)
  } else {
    lev <- h5attr(ds, "levels")
    for (j in seq_along(lev)[-1]) X[[paste0(v, "=", lev[j])]] <- as.numeric(x == j)
    if (any(x == 0)) X[[paste0(v, "=missing")]] <- as.numeric(x == 0)
  }
}
X <- do.call(cbind, X)
# Exact cells: the combination of the exact variables' level codes.
exact_vars <- if (is.null(ini[["estimator.exact"]])) character(0) else csv_list(ini[["estimator.exact"]])
cell <- rep(0, n)
for (v in exact_vars) cell <- cell * 1000 + pers(v)
# Calendar cells: the inflow month ("YYYY-MM" levels, code 0 missing) or its
# quarter, as one more exact variable.
if (calendar != "none") {
  lev <- h5attr(f[["persons/inflow_month"]], "levels")
  mo <- as.integer(substr(lev, 1, 4)) * 12L + as.integer(substr(lev, 6, 7)) - 1L
  if (calendar == "inflow_quarter") mo <- mo %/% 3L
  code <- pers("inflow_month")
  cal <- ifelse(code == 0, 0, mo[pmax(code, 1)] - min(mo) + 1)
  cell <- cell * 1000 + cal
}
use_cells <- length(exact_vars) > 0 || calendar != "none"
f$close_all()

observed <- function(person, t) t < months & n_observed[person] > t

## ---------------------------------------------------------------- ATT_never, IPCW
# estimators/nt_dyn_ipcw.c written out: per block of 12 months s = 1..12,
# 13..24, ... a logit on the (person, s) rows at risk (the analysed persons,
# s outer, persons inner), columns intercept, covariates, a dummy per month
# of the block but the first, (censoring) a programme started before s; a
# column constant over the rows left out; fewer than 10 events or
# non-events: the pooled rate. ls[i, t + 1] = sum_{s <= t, at risk} log(1 - h).
# Firth's penalised logit (Firth 1993) by modified-score Newton steps, as
# scripts/reference/firth_golden.R (base R; the coefficients).
firth_logit <- function(X, y, w, tol = 1e-13, maxit = 500, maxstep = 5) {
  b <- rep(0, ncol(X))
  for (it in seq_len(maxit)) {
    mu <- as.vector(plogis(X %*% b))
    v <- w * mu * (1 - mu)
    Iinv <- solve(crossprod(X, v * X))
    h <- v * rowSums((X %*% Iinv) * X)
    step <- as.vector(Iinv %*% crossprod(X, w * (y - mu) + h * (0.5 - mu)))
    big <- max(abs(step))
    if (big > maxstep) step <- step * maxstep / big
    b <- b + step
    if (big < tol) break
  }
  if (big >= tol) stop("Firth iterations did not converge")
  b
}
hazard_ls <- function(kind) {
  ls <- matrix(0, n, months)
  persons <- which(included)
  tm <- treat_month[persons]; nob <- n_observed[persons]
  # the start hazard: one logit over all months, fitted on the months with
  # a start (the others hazard 0), dummies from the first to the last of them;
  # censoring: a logit per 12-month block
  block <- if (kind == "start") months else 12
  for (s0 in seq(1, months - 1, by = block)) {
    s1 <- min(s0 + block - 1, months - 1)
    rp_ <- integer(0); rs_ <- integer(0); yv <- numeric(0)
    for (s in s0:s1) {
      if (kind == "start") {
        ok <- nob > s & !(tm >= 0 & tm < s) & on_index[persons, s + 1]
        ev <- tm == s
      } else {
        ok <- nob >= s
        ev <- nob == s
      }
      rp_ <- c(rp_, persons[ok]); rs_ <- c(rs_, rep(s, sum(ok))); yv <- c(yv, as.numeric(ev[ok]))
    }
    if (length(yv) == 0) next
    h <- rep(mean(yv), length(yv))
    if (sum(yv) >= 10 && sum(1 - yv) >= 10) {
      fm <- rep(TRUE, length(yv)); fs <- s0; ls_ <- s1
      if (kind == "start") {
        evm <- tapply(yv, factor(rs_, levels = s0:s1), sum); evm[is.na(evm)] <- 0
        withev <- (s0:s1)[evm > 0]
        fs <- min(withev); ls_ <- max(withev)
        fm <- rs_ %in% withev
      }
      rp2 <- rp_[fm]; rs2 <- rs_[fm]; y2 <- yv[fm]
      Z <- cbind(1, X[rp2, , drop = FALSE])
      if (ls_ > fs) for (j in 1:(ls_ - fs)) Z <- cbind(Z, as.numeric(rs2 - fs == j))
      if (kind == "cens") Z <- cbind(Z, as.numeric(treat_month[rp2] >= 0 & treat_month[rp2] < rs2))
      keepc <- c(TRUE, apply(Z[, -1, drop = FALSE], 2, function(v) any(v != v[1])))
      Zc <- Z[, keepc, drop = FALSE]
      fit <- suppressWarnings(glm(y2 ~ 0 + Zc, family = binomial(), control = glm.control(epsilon = 1e-12, maxit = 50)))
      mu <- fit$fitted.values
      h <- rep(0, length(yv))
      if (!fit$converged || max(abs(fit$linear.predictors)) > 30 || min(mu, 1 - mu) < 1e-10) {
        # separation: Firth's logit, as netto (nt_glm_firth.c), in base R (firth_logit above)
        if (verbose) message(sprintf("  %s hazard, months %d-%d: Firth", kind, s0, s1))
        h[fm] <- as.vector(plogis(Zc %*% firth_logit(Zc, y2, rep(1, length(y2)))))
      } else {
        stopifnot(fit$converged)
        h[fm] <- fit$fitted.values
      }
    }
    ls[cbind(rp_, rs_ + 1)] <- log1p(-h)
  }
  t(apply(ls, 1, cumsum))
}
ls_start <- if (never) hazard_ls("start") else NULL
ls_cens <- if (ipcw) hazard_ls("cens") else NULL
# The weight of a unit of start month k observed in t (nt_dyn_wt).
wfun <- function(person, k, t, control, nev) {
  lw <- rep(0, length(person))
  if (ipcw) lw <- lw + ls_cens[cbind(person, k + 1)] - ls_cens[cbind(person, t + 1)]
  if (control && nev) lw <- lw + ls_start[cbind(person, k + 1)] - ls_start[cbind(person, t + 1)]
  exp(lw)
}

## ---------------------------------------------------------------- design
# Model matrix of the interval's (person, k) rows: intercept, covariates,
# start_month=k dummies for the months after the first. Then, sweeping the
# columns left to right and repeating until nothing changes: a column
# constant over the kept rows is dropped; an indicator column (0/1 over all
# the interval's rows) whose 1-rows among the kept ones are all treated or
# all control is dropped together with those rows.
build_design <- function(person, k, d, first, last) {
  Z <- cbind("(Intercept)" = 1, X[person, , drop = FALSE])
  if (last > first) for (kk in (first + 1):last) Z <- cbind(Z, setNames(as.numeric(k == kk), NULL))
  if (last > first) colnames(Z)[(ncol(Z) - (last - first) + 1):ncol(Z)] <- paste0("start_month=", (first + 1):last)
  keep <- rep(TRUE, nrow(Z))
  repeat {
    changed <- FALSE
    j <- 2
    while (j <= ncol(Z)) {
      col <- Z[, j]
      kv <- col[keep]
      constant <- length(kv) == 0 || all(kv == kv[1])
      indicator <- all(col == 0 | col == 1)
      ones_t <- sum(kv == 1 & d[keep] == 1); ones_c <- sum(kv == 1 & d[keep] == 0)
      drop_rows <- !constant && indicator && (ones_t == 0 || ones_c == 0)
      if (!constant && !drop_rows) { j <- j + 1; next }
      if (drop_rows) keep[keep & col == 1] <- FALSE
      if (verbose) message(sprintf("  months %d-%d: drop %s (%s%s)", first, last, colnames(Z)[j],
                                   if (constant) "constant" else "1-rows all ",
                                   if (constant) "" else sprintf("%s, %d rows", if (ones_t == 0) "control" else "treated",
                                                                 ones_t + ones_c)))
      Z <- Z[, -j, drop = FALSE]
      changed <- TRUE
    }
    if (!changed) break
  }
  list(Z = Z, keep = keep)
}

## ---------------------------------------------------------------- one programme
estimate_program <- function(prog, versus = NULL, nev = FALSE) {
  code <- if (prog == "any") 0L else match(prog, program_types)
  stopifnot(!is.na(code))
  vcode <- if (is.null(versus)) NA else match(versus, program_types)
  ks <- start_first:start_last
  NK <- length(ks)
  k_att <- array(NA_real_, c(NK, length(outcomes), H))
  k_contrib <- matrix(0L, NK, H)
  k_nobs <- matrix(0L, NK, H)
  k_wsum <- matrix(0, NK, H)                                # summed treated weights (pooling with weights)
  k_used <- rep(FALSE, NK)
  used_controls <- vector("list", NK)                       # per k: list over tau of persons
  k_att_f <- list(k_att, k_att); k_nobs_f <- list(k_nobs, k_nobs); k_contrib_f <- list(k_contrib, k_contrib)
  used_controls_f <- list(used_controls, used_controls); k_wsum_f <- list(k_wsum, k_wsum)
  valid_controls <- integer(0)
  # Risk sets of start months first..last, rows in (k, person) order.
  risk_rows <- function(first, last) {
    rp <- integer(0); rk <- integer(0); rd <- integer(0)
    for (k in first:last) {
      at_risk <- included & n_observed > k & on_index[, k + 1] & !(treat_month >= 0 & treat_month < k)
      tr <- at_risk & treat_month == k & (code == 0 | treat_type == code)
      co <- if (is.null(versus)) at_risk & treat_month != k  # another type at k: neither
            else at_risk & treat_month == k & treat_type == vcode   # compare: the starters of `versus` at k
      if (!any(tr)) next                                   # no treated: no rows (netto's rule)
      i <- which(tr | co)
      rp <- c(rp, i); rk <- c(rk, rep(k, length(i))); rd <- c(rd, as.integer(tr[i]))
    }
    list(rp = rp, rk = rk, rd = rd)
  }
  # The logits' intervals: the study's, or with pooling an interval with
  # fewer than min_treated treated at risk joins the next (until the pool
  # has them); a pool still short at the end joins the previous one.
  gf <- integer(0); gl <- integer(0); have <- 0
  for (first in seq(start_first, start_last, by = interval_len)) {
    last <- min(first + interval_len - 1, start_last)
    ntr <- if (pool_sparse) sum(risk_rows(first, last)$rd) else 0
    if (length(gf) > 0 && pool_sparse && have < skip_below) { gl[length(gl)] <- last; have <- have + ntr; next }
    gf <- c(gf, first); gl <- c(gl, last); have <- ntr
  }
  if (length(gf) > 1 && pool_sparse && have < skip_below) { gl[length(gl) - 1] <- gl[length(gl)]; gf <- gf[-length(gf)]; gl <- gl[-length(gl)] }
  for (g in seq_along(gf)) {
    first <- gf[g]; last <- gl[g]
    rr <- risk_rows(first, last); rp <- rr$rp; rk <- rr$rk; rd <- rr$rd
    if (!length(rp)) next
    first <- min(rk)                                        # the reference month: the first with rows
    des <- build_design(rp, rk, rd, first, last)
    keep <- des$keep
    ntr <- sum(rd[keep]); nco <- sum(keep) - ntr
    if (ntr < skip_below || nco == 0) next                  # interval skipped: no model
    Zk <- des$Z[keep, , drop = FALSE]
    fit <- glm(rd[keep] ~ 0 + Zk, family = binomial())
    stopifnot(fit$converged, max(abs(fit$linear.predictors)) <= 30)
    eta <- rep(NA_real_, length(rp)); eta[keep] <- fit$linear.predictors
    e <- rep(NA_real_, length(rp)); e[keep] <- fit$fitted.values
    caliper <- if (caliper_sd > 0) caliper_sd * sd(eta[keep]) else 0
    for (k in first:last) {
      ki <- k - start_first + 1
      idx <- which(keep & rk == k)
      ti <- idx[rd[idx] == 1]; ci <- idx[rd[idx] == 0]
      if ((!pool_sparse && length(ti) < skip_below) || length(ti) == 0 || length(ci) == 0) next  # start month skipped
      k_used[ki] <- TRUE
      valid_controls <- union(valid_controls, rp[ci])
      # Matches: for each treated row, its controls and their weights.
      if (method == "nn") {
        m <- lapply(ti, function(a) {
          dist <- abs(eta[ci] - eta[a])
          ok <- if (caliper > 0) dist <= caliper else rep(TRUE, length(ci))
          if (!any(ok)) return(NULL)
          j <- which(ok & dist == min(dist[ok]))
          list(t = rp[a], c = rp[ci[j]], w = rep(1 / length(j), length(j)))
        })
        m <- m[!vapply(m, is.null, TRUE)]
        if (verbose) message(sprintf("  %s k=%d: %d treated, %d controls, %d matched, %d with tied controls",
                                     prog, k, length(ti), length(ci), length(m), sum(vapply(m, function(pr) length(pr$c) > 1, TRUE))))
      } else if (method == "radius") {
        dmin <- vapply(ti, function(a) min(abs(eta[ci] - eta[a])), 0)
        ok <- if (caliper > 0) dmin <= caliper else rep(TRUE, length(ti))
        r <- if (any(ok)) radius_factor * max(dmin[ok]) else 0
        m <- lapply(ti, function(a) {
          j <- which(abs(eta[ci] - eta[a]) <= r)
          if (!length(j)) return(NULL)
          list(t = rp[a], c = rp[ci[j]], w = rep(1, length(j)), row = a, crow = ci[j])
        })
        m <- m[!vapply(m, is.null, TRUE)]
        xcols <- !(colnames(des$Z) == "(Intercept)" | startsWith(colnames(des$Z), "start_month="))
        Xa <- des$Z[, xcols, drop = FALSE]                  # the adjustment's covariates, by row
      } else {
        xcols <- !(colnames(des$Z) == "(Intercept)" | startsWith(colnames(des$Z), "start_month="))
        Xa <- des$Z[, xcols, drop = FALSE]                  # aipw: the outcome model's covariates, by row
        wc <- e[ci] / (1 - e[ci])                           # ATT weights of the controls
        if (use_cells) {                                    # no counterpart in the cell: no part
          ti <- ti[cell[rp[ti]] %in% cell[rp[ci]]]
          keep_c <- cell[rp[ci]] %in% cell[rp[ti]]
          ci <- ci[keep_c]; wc <- wc[keep_c]
        }
      }
      if (method == "nn" && caliper == 0 && check_matching) {
        # Cross-check of the written-out matching at tau = 0 (everyone at
        # risk is observed in k): R Matching with exact ties only.
        y0 <- Y[[1]][rp[c(ti, ci)], k + 1]
        mm <- Matching::Match(Y = y0, Tr = rep(1:0, c(length(ti), length(ci))), X = eta[c(ti, ci)],
                              estimand = "ATT", M = 1, replace = TRUE, ties = TRUE,
                              distance.tolerance = 0, Var.calc = 0, version = "standard")
        mine <- mean(vapply(m, function(pr) Y[[1]][pr$t, k + 1] - sum(pr$w * Y[[1]][pr$c, k + 1]), 0))
        stopifnot(abs(mm$est - mine) < 1e-12)
      }
      # The paths of treated rows ti with matches m (ATT: every treated of k;
      # ATT_fixed: those with admin >= k + H, their matches as they are).
      run_paths <- function(ti, m) {
      out <- list(att = matrix(NA_real_, length(outcomes), H), nobs = integer(H), contrib = integer(H),
                  used = vector("list", H), wsum = numeric(H))
      for (tau in 0:(H - 1)) {
        tt <- k + tau
        if (method == "radius") {
          nobs <- sum(observed(rp[ti], tt))
          trow <- integer(0); tw <- numeric(0); crow <- integer(0); cw <- numeric(0); used <- integer(0)
          for (pr in m) {
            if (!observed(pr$t, tt)) next
            oc <- observed(pr$c, tt)                        # alive: the denominator
            if (!any(oc)) next
            # ATT_never: the not-yet-started controls, with their start weights, over
            # the alive ones' censoring weights (IPW within the set, nt_dyn_ualive)
            ns <- oc & !(nev & treat_month[pr$c] >= 0 & treat_month[pr$c] <= tt)
            den <- sum(wfun(pr$c[oc], k, tt, FALSE, nev))
            wi <- wfun(pr$t, k, tt, FALSE, nev)
            trow <- c(trow, pr$row); tw <- c(tw, wi)
            crow <- c(crow, pr$crow[ns]); cw <- c(cw, wi * wfun(pr$c[ns], k, tt, TRUE, nev) / den)
            used <- c(used, pr$c[ns])
          }
          ncontrib <- length(trow)
          k_wsum[ki, tau + 1] <- sum(tw)
          if (ncontrib > 0 && sum(cw) > 0) {
            K <- tapply(cw, crow, sum)                      # K_j over the contributing treated
            K <- K * sum(tw) / sum(K)                       # lambda_k: the controls' weights sum to the treated's (1 without weights)
            rows_c <- as.integer(names(K))
            rr <- c(trow, rows_c); D <- rep(1:0, c(length(trow), length(rows_c)))
            wt <- c(tw, as.numeric(K))
            for (o in seq_along(outcomes)) {
              yy <- Y[[o]][rp[rr], tt + 1]
              if (bias_adjust && length(rr) >= 10 * (2 + ncol(Xa))) {   # 10 units per column
                Xm <- Xa[rr, , drop = FALSE]
                k_att[ki, o, tau + 1] <- unname(coef(lm(yy ~ D + Xm, weights = wt))["D"])
              } else {
                k_att[ki, o, tau + 1] <- sum(tw * yy[D == 1]) / sum(tw) - sum(wt[D == 0] * yy[D == 0]) / sum(tw)
              }
            }
          }
        } else if (method == "nn") {
          nobs <- sum(observed(rp[ti], tt))                 # every treated, matched or not
          deltas <- NULL; used <- integer(0)
          for (pr in m) {
            if (!observed(pr$t, tt)) next
            oc <- observed(pr$c, tt)
            if (sum(pr$w[oc]) <= 0) next
            w <- pr$w[oc] / sum(pr$w[oc])                   # renormalised over observed controls
            deltas <- rbind(deltas, vapply(outcomes, function(o)
              Y[[o]][pr$t, tt + 1] - sum(w * Y[[o]][pr$c[oc], tt + 1]), 0))
            used <- c(used, pr$c[oc][pr$w[oc] > 0])
          }
          ncontrib <- if (is.null(deltas)) 0L else nrow(deltas)
          if (ncontrib > 0) k_att[ki, , tau + 1] <- colMeans(deltas)
        } else {
          ot <- observed(rp[ti], tt); ocn <- observed(rp[ci], tt)
          if (nev) ocn <- ocn & !(treat_month[rp[ci]] >= 0 & treat_month[rp[ci]] <= tt)   # censored at their start
          nobs <- sum(ot)
          # ATT_never / IPCW weights (1 without) multiply the ATT weights e / (1 - e)
          Wt <- wfun(rp[ti], k, tt, FALSE, nev); Wcw <- wfun(rp[ci], k, tt, TRUE, nev)
          # residuals r = y - mu0: aipw's outcome model lm(y ~ x) over the observed
          # (not yet started) controls, weights W_j; aliased columns (NA) count 0;
          # fewer than 10 such controls per column of (1, x): no model (mu0 = 0)
          resid <- function(o) {
            yt <- Y[[o]][rp[ti], tt + 1]; yc <- Y[[o]][rp[ci], tt + 1]
            if (method != "aipw" || !any(ocn)) return(list(t = yt, c = yc))
            if (sum(Wcw[ocn] > 0) < 10 * (ncol(Xa) + 1)) return(list(t = yt, c = yc))
            Xc <- Xa[ci[ocn], , drop = FALSE]
            b <- coef(lm(yc[ocn] ~ Xc, weights = Wcw[ocn])); b[is.na(b)] <- 0
            mu <- function(rows) as.vector(cbind(1, Xa[rows, , drop = FALSE]) %*% b)
            list(t = yt - mu(ti), c = yc - mu(ci))
          }
          if (!use_cells) {
            ncontrib <- if (sum(wc[ocn]) > 0) nobs else 0L
            used <- rp[ci][ocn & wc > 0]
            Wc <- wc * Wcw
            k_wsum[ki, tau + 1] <- if (ncontrib > 0) sum(Wt[ot]) else 0
            if (ncontrib > 0) for (o in seq_along(outcomes)) {   # Hajek over the observed controls
              r <- resid(o)
              k_att[ki, o, tau + 1] <- sum(Wt[ot] * r$t[ot]) / sum(Wt[ot]) - sum(Wc[ocn] * r$c[ocn]) / sum(Wc[ocn])
            }
          } else {                                          # Hajek within each cell
            ct <- cell[rp[ti]]; cc <- cell[rp[ci]]
            Wc <- tapply((wc * Wcw)[ocn], factor(cc[ocn], levels = unique(cell)), sum)
            Wc[is.na(Wc)] <- 0
            contrib <- ot & Wc[as.character(ct)] > 0
            ncontrib <- sum(contrib)
            k_wsum[ki, tau + 1] <- sum(Wt[contrib])
            used <- rp[ci][ocn & wc > 0 & cc %in% ct[contrib]]
            if (ncontrib > 0) for (o in seq_along(outcomes)) {
              r <- resid(o)
              rbar <- tapply((wc * Wcw * r$c)[ocn], factor(cc[ocn], levels = unique(cell)), sum) / Wc
              k_att[ki, o, tau + 1] <- sum(Wt[contrib] * (r$t[contrib] - rbar[as.character(ct[contrib])])) /
                sum(Wt[contrib])
            }
          }
        }
        out$nobs[tau + 1] <- nobs
        out$contrib[tau + 1] <- ncontrib
        out$used[[tau + 1]] <- unique(used)
        out$att[, tau + 1] <- k_att[ki, , tau + 1]
        out$wsum[tau + 1] <- k_wsum[ki, tau + 1]
        k_att[ki, , tau + 1] <- NA
      }
      out
      }
      if (!exists("m", inherits = FALSE)) m <- NULL
      for (fixed in c(FALSE, TRUE)) {
        infix <- admin[rp[ti]] >= k + H
        pa <- if (!fixed) run_paths(ti, m)
              else run_paths(ti[infix], if (is.null(m)) NULL else m[vapply(m, function(pr) admin[pr$t] >= k + H, TRUE)])
        f <- if (fixed) 2 else 1
        k_att_f[[f]][ki, , ] <- pa$att
        k_nobs_f[[f]][ki, ] <- pa$nobs
        k_contrib_f[[f]][ki, ] <- pa$contrib
        used_controls_f[[f]][[ki]] <- pa$used
        k_wsum_f[[f]][ki, ] <- pa$wsum
      }
    }
  }
  # ATT(tau) = sum_k c_k(tau) ATT_k(tau) / sum_k c_k(tau); ATT_fixed the same
  # over the treated followed for the whole horizon by the data end
  # (admin >= k + H), their matches and weights those of tau = 0.
  rows <- NULL
  for (o in seq_along(outcomes)) for (fixed in if (nev) FALSE else c(FALSE, TRUE)) {
    f <- if (fixed) 2 else 1
    k_att <- k_att_f[[f]]; k_nobs <- k_nobs_f[[f]]; k_contrib <- k_contrib_f[[f]]; used_controls <- used_controls_f[[f]]
    k_wsum <- k_wsum_f[[f]]
    use <- k_used
    for (tau in 0:(H - 1)) {
      c_k <- k_contrib[, tau + 1] * use
      w_k <- if (ipcw || nev) k_wsum[, tau + 1] * use else c_k   # with weights: pooled by the summed weights
      est <- if (sum(c_k) > 0) sum((w_k * k_att[, o, tau + 1])[c_k > 0]) / sum(w_k[c_k > 0]) else NA
      ncu <- length(unique(unlist(lapply(which(use), function(ki) used_controls[[ki]][[tau + 1]]))))
      rows <- rbind(rows, data.frame(program = prog, subgroup = if (is.null(versus)) "" else paste0("versus=", versus),
                                     outcome = outcomes[o], month = tau,
                                     estimand = if (nev) "ATT_never" else if (fixed) "ATT_fixed" else "ATT", estimate = est,
                                     n_treated = sum(k_nobs[use, tau + 1]), n_control = length(valid_controls),
                                     n_treated_matched = sum(c_k), n_control_used = ncu,
                                     stringsAsFactors = FALSE))
    }
  }
  rows
}

res <- if (get("treatment.compare", "no") == "yes") {
  # [treatment] compare = yes (study/nt_run_compare.c): each ordered pair of
  # programmes, the treated of m at k against the starters of l at the same
  # k (Lechner 2001); rows with subgroup "versus=l".
  sp <- programs[programs != "any"]
  do.call(rbind, unlist(lapply(sp, function(m) lapply(setdiff(sp, m), function(l) estimate_program(m, l))),
                        recursive = FALSE))
} else do.call(rbind, c(lapply(programs, estimate_program),
                        if (never) lapply(programs, function(p) estimate_program(p, nev = TRUE))))

## ---------------------------------------------------------------- output
# Disclosure control as netto's tables apply it: with min_cell > 0 a row
# resting on fewer than min_cell persons (min of n_treated_matched and
# n_control_used) loses its statistics and counts; a count below min_cell
# (and above 0) is emptied on its own.
fmt_num <- function(x) ifelse(is.na(x), "", sprintf("%.17g", x))
out <- res
counts <- c("n_treated", "n_control", "n_treated_matched", "n_control_used")
basis <- pmin(res$n_treated_matched, res$n_control_used)
row_sup <- min_cell > 0 & basis < min_cell
out$estimate <- fmt_num(ifelse(row_sup, NA, res$estimate))
for (cn in counts) {
  v <- res[[cn]]
  out[[cn]] <- ifelse(row_sup | (min_cell > 0 & v > 0 & v < min_cell), "", as.character(v))
}
write.csv(out, out_path, row.names = FALSE, quote = FALSE, na = "")
cat(sprintf("%s: %d rows (%d with an estimate)\n", out_path, nrow(out), sum(out$estimate != "")))
