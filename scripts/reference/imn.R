# Independent reference for netto's simulated confounder (Ichino, Mealli &
# Nannicini 2008; docs/credibility.md, study/nt_run_imn.c).
#
# Written against: R 4.2.2, hdf5r 1.3.8. The dynamic estimator is
# scripts/reference/dynamic_golden.R (sourced: its store reader, design
# and nearest-neighbour matching in base R, glm for the logit); this script
# adds the draws of U to its covariate matrix and redoes the estimate, in
# base R:
#   D = 1: starts the programme in the study's start months;
#   Y = 1: the mean of the first series over the person's observed months
#          (at most the panel's) is above the median of that mean over the
#          analysed persons observed in some month (the others: no part);
#   U: read from netto's private/confounder_u.csv (one line per programme,
#      confounder and draw; character i is person i's U, "." no part), so
#      that both use the same draws; the script checks that the "." persons
#      are exactly those it leaves out and that a like-variable's U is 0/1;
#   p_ij: the grid's formula (estimators/nt_imn.h) with q = mean(Y | D = 0),
#      or the like variable's share of 1 in each (D, Y) cell;
#   Lambda, Gamma: exp(coef of U) in glm(Y ~ X + U, binomial) over D = 0
#      and glm(D ~ X + U, binomial) over all, X the model's person columns
#      less those constant over the rows; means over the draws;
#   the effect: the cumulative ATT of the first series over months 0..h-1
#      per draw, the mean over draws, and the IMN standard error
#      sqrt(W + (1 + 1/m) B) with B the draws' variance (computed here) and
#      W the squared linearised standard error of the confounder's first
#      draw (netto computes it for that draw only), which this script takes
#      from netto's private/confounder_draws.csv (the linearisation has its
#      own checks: docs/inference.md).
# Output: tests/golden/imn.csv (one row per programme, confounder and
# horizon) and tests/golden/imn_draws.csv (the per-draw estimates).
#
# Usage (from the repository root), after
#   netto run tests/data/dynamic/study_imn.ini --out /tmp/imn
#   cp /tmp/imn/private/confounder_u.csv tests/golden/imn_u.csv
#   cp /tmp/imn/private/confounder_draws.csv tests/golden/imn_netto_draws.csv
# run
#   Rscript scripts/reference/imn.R tests/data/dynamic/study_imn.ini tests/golden/imn_u.csv \
#     tests/golden/imn_netto_draws.csv tests/golden/imn.csv tests/golden/imn_draws.csv

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 5) stop("usage: imn.R STUDY.ini U.csv NETTO_DRAWS.csv OUT.csv OUT_DRAWS.csv")
imn_args <- args
golden_args <- c(args[1], tempfile(fileext = ".csv"))
commandArgs <- function(trailingOnly = FALSE) golden_args
source("scripts/reference/dynamic_golden.R", local = TRUE)   # defines estimate_program, X, Y, ...
rm(commandArgs)
check_matching <- FALSE   # the Matching cross-check is dynamic_golden.R's own; here netto is the comparison

grid <- as.numeric(csv_list(get("credibility.confounder_grid", "0.1, 0.2, 0.3, 0.4, 0.5, 0.6")))
like <- get("credibility.confounder_like", "none")
like <- if (like == "none") character(0) else csv_list(like)
m_draws <- as.integer(get("credibility.confounder_draws", "10"))
horizons <- c(12, 24, 36, 60)
horizons <- c(horizons[horizons < H], H)
X0 <- X

# D and Y of one programme; NA: no part.
cells <- function(prog) {
  code <- if (prog == "any") 0L else match(prog, program_types)
  y1 <- Y[[1]]
  Tn <- pmin(n_observed, months)
  ybar <- vapply(seq_len(n), function(i) { v <- y1[i, seq_len(Tn[i])]; v <- v[!is.na(v)]; if (length(v)) sum(v) / length(v) else NA_real_ }, 0)
  ybar[!included] <- NA
  part <- !is.na(ybar)
  D <- as.integer(treat_month >= start_first & treat_month <= start_last & treat_type > 0 &
                  (code == 0L | treat_type == code))
  Yb <- as.integer(ybar > median(ybar[part]))
  D[!part] <- NA; Yb[!part] <- NA
  list(D = D, Y = Yb, part = part)
}

odds <- function(y, u, rows, cols = rep(TRUE, ncol(X0))) {
  Xr <- X0[rows, cols, drop = FALSE]
  keep <- apply(Xr, 2, function(v) any(v != v[1]))
  Xr <- Xr[, keep, drop = FALSE]
  fit <- glm(y[rows] ~ Xr + u[rows], family = binomial())
  unname(exp(coef(fit)[length(coef(fit))]))
}

like_var <- function(spec) {
  eq <- regexpr("=", spec)
  name <- if (eq > 0) substr(spec, 1, eq - 1) else spec
  h5 <- H5File$new(store_path, "r")
  ds <- h5[[paste0("persons/", name)]]
  x <- ds[]
  if (h5attr(ds, "kind") == "numeric") {
    v <- if (eq > 0) as.numeric(x == as.numeric(substring(spec, eq + 1))) else as.numeric(x)
    v[is.nan(x) | is.na(x)] <- NA
  } else {
    lev <- h5attr(ds, "levels")
    v <- ifelse(x == 0, NA, as.numeric(x == match(substring(spec, eq + 1), lev)))
  }
  h5$close_all()
  list(v = v, name = name)
}

U <- read.csv(imn_args[2], colClasses = "character")
ND <- read.csv(imn_args[3])
rows <- NULL; drows <- NULL
for (prog in programs) {
  cl <- cells(prog)
  q <- mean(cl$Y[cl$part & cl$D == 0])
  confs <- c(like, unlist(lapply(grid, function(d) lapply(grid, function(s) c(d, s))), recursive = FALSE))
  for (cf in confs) {
    if (is.character(cf)) {
      lv <- like_var(cf)
      ok <- cl$part & !is.na(lv$v)
      p <- vapply(0:3, function(c) mean(lv$v[ok & 2 * cl$D + cl$Y == c]), 0)
      label <- cf; d <- NA; s <- NA
      cols <- !(colnames(X0) == lv$name | startsWith(colnames(X0), paste0(lv$name, "=")))
      g_obs <- odds(cl$D, lv$v, ok, cols); l_obs <- odds(cl$Y, lv$v, ok & cl$D == 0, cols)
    } else {
      d <- cf[1]; s <- cf[2]
      p <- c((1 - s) / 2 - d * q, (1 - s) / 2 - d * q + d, (1 + s) / 2, (1 + s) / 2)
      if (any(p < 0 | p > 1)) next
      label <- sprintf("d=%s s=%s", format(d), format(s)); g_obs <- NA; l_obs <- NA
    }
    est <- matrix(NA_real_, m_draws, length(horizons)); gam <- lam <- rep(NA_real_, m_draws)
    for (r in seq_len(m_draws)) {
      line <- U[U$program == prog & U$confounder == label & U$draw == r, "u"]
      stopifnot(length(line) == 1)
      ch <- strsplit(line, "")[[1]]
      stopifnot(length(ch) == n, identical(ch == ".", !cl$part))
      u <- ifelse(ch == "1", 1, 0)
      X <- cbind(X0, U = u)                      # estimate_program reads X from this environment
      res <- estimate_program(prog)
      att <- res$estimate[res$outcome == outcomes[1] & res$estimand == "ATT"]
      est[r, ] <- vapply(horizons, function(h) sum(att[1:h]), 0)
      gam[r] <- odds(cl$D, u, cl$part); lam[r] <- odds(cl$Y, u, cl$part & cl$D == 0)
      drows <- rbind(drows, data.frame(program = prog, confounder = label, draw = r, horizon_months = horizons,
                                       estimate = est[r, ], outcome_effect = lam[r], selection_effect = gam[r]))
    }
    X <- X0
    for (j in seq_along(horizons)) {
      se_r <- ND$se[ND$program == prog & ND$confounder == label & ND$horizon_months == horizons[j]]
      se_r <- se_r[order(ND$draw[ND$program == prog & ND$confounder == label & ND$horizon_months == horizons[j]])]
      W <- mean(se_r^2, na.rm = TRUE); B <- var(est[, j])   # netto: the se of the first draw only
      rows <- rbind(rows, data.frame(program = prog, confounder = label, horizon_months = horizons[j], d = d, s = s,
                                     p00 = p[1], p01 = p[2], p10 = p[3], p11 = p[4],
                                     outcome_effect = mean(lam), selection_effect = mean(gam),
                                     outcome_effect_observed = l_obs, selection_effect_observed = g_obs,
                                     estimate = mean(est[, j]), se = sqrt(W + (1 + 1 / m_draws) * B),
                                     se_between = sqrt(B), stringsAsFactors = FALSE))
    }
  }
}
fmt <- function(df) { for (c in names(df)) if (is.double(df[[c]])) df[[c]] <- ifelse(is.na(df[[c]]), "", sprintf("%.17g", df[[c]])); df }
write.csv(fmt(rows), imn_args[4], row.names = FALSE, quote = FALSE)
write.csv(fmt(drows), imn_args[5], row.names = FALSE, quote = FALSE)
cat(sprintf("%s: %d rows; %s: %d draws\n", imn_args[4], nrow(rows), imn_args[5], nrow(drows)))
