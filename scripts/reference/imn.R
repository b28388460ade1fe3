# Independent reference for netto's simulated confounder (Ichino, Mealli &
# Nannicini 2008; docs/credibility.md, study/nt_run_imn.c) in the dynamic
# design.
#
# Written against: R 4.2.2, hdf5r 1.3.8. The dynamic estimator is
# scripts/reference/dynamic_golden.R (sourced: its store reader, design
# and nearest-neighbour matching in base R, glm for the logit); this script
# adds the draws of U as a time-varying column of every interval's design
# (after the start-month dummies, as netto places a time-varying covariate)
# and redoes the estimate, in base R:
#   rows: (person i, start month k) of the study's start months, i analysed,
#      observed in k, on the index benefit in k, no programme before k, and
#      not starting another programme in k (i-major, k inner);
#   D_ik = 1: starts the programme in k;
#   Y_ik: the mean of the first series over months k .. k + H - 1 (the
#      observed ones, at most the panel's); no observed month: no part;
#   c_ik: Y_ik's group among G = 10 quantile groups of its band's rows (the
#      band: the study's start interval), the cut points the order
#      statistics y_(ceiling(m j / G)), j = 1..G-1 (quantile type 1);
#      cell = (2 b + D) G + c;
#   U: read from netto's private/confounder_u.csv (one line per programme,
#      group, confounder and draw; character (i - 1) K + k - k0 + 1 is row
#      (i, k)'s U, "." no part), so that both use the same draws; the
#      script checks that the "." entries are exactly the rows it leaves
#      out;
#   p per cell: the grid's formula (estimators/nt_imn.h:
#      (1 - s) / 2 + d (c / (G - 1) - zbar_b) for D = 0, zbar_b the mean of
#      c / (G - 1) over the band's D = 0 rows; (1 + s) / 2 for D = 1), or the
#      like variable's share of 1 in each cell; p00 .. p11 the mean p over
#      the rows with D = i and c >= G / 2 (j = 1) or not;
#   Lambda, Gamma: exp(coef of U) in glm(Ybin ~ X + U, binomial) over the
#      rows with D = 0 (Ybin = c >= G / 2) and glm(D ~ X + U, binomial) over
#      all rows, X the model's person columns of the row's person less those
#      constant over the rows; means over the draws;
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
#   gzip -n -9 < /tmp/imn/private/confounder_u.csv > tests/golden/imn_u.csv.gz
#   cp /tmp/imn/private/confounder_draws.csv tests/golden/imn_netto_draws.csv
# run
#   Rscript scripts/reference/imn.R tests/data/dynamic/study_imn.ini tests/golden/imn_u.csv.gz \
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

G <- 10L                     # NT_IMN_GROUPS (study/nt_run_imn.c)
ks <- start_first:start_last
K <- length(ks)

# U as a time-varying column of the design, after the start-month dummies.
U_tv <- NULL
bd <- as.list(body(build_design))
stopifnot(grepl("start_month=", deparse(bd[[4]])[1]))
body(build_design) <- as.call(c(bd[1:4], quote(if (!is.null(U_tv)) Z <- cbind(Z, U = U_tv[cbind(person, k + 1)])),
                                bd[-(1:4)]))

# The rows of one programme, entries i-major, k inner; NA: no part.
cells <- function(prog) {
  code <- if (prog == "any") 0L else match(prog, program_types)
  ei <- rep(seq_len(n), each = K); ek <- rep(ks, times = n)
  tm <- treat_month[ei]
  at_risk <- included[ei] & n_observed[ei] > ek & on_index[cbind(ei, ek + 1)] & !(tm >= 0 & tm < ek)
  D <- as.integer(tm == ek & treat_type[ei] > 0 & (code == 0L | treat_type[ei] == code))
  part <- at_risk & !(tm == ek & D == 0L)
  y1 <- Y[[1]]
  yb <- rep(NA_real_, n * K)
  for (e in which(part)) {
    i <- ei[e]; k <- ek[e]
    Tn <- min(n_observed[i], months, k + H)
    v <- if (Tn > k) y1[i, (k + 1):Tn] else numeric(0)
    v <- v[!is.na(v)]
    if (length(v)) yb[e] <- sum(v) / length(v)
  }
  part <- part & !is.na(yb)
  band <- (ek - start_first) %/% interval_len
  cat <- rep(NA_integer_, n * K); zbar <- numeric(0)
  for (b in sort(unique(band))) {
    idx <- which(part & band == b)
    cut <- sort(yb[idx])[ceiling(length(idx) * seq_len(G - 1) / G)]
    cat[idx] <- vapply(yb[idx], function(v) sum(v > cut), 0L)
    z0 <- cat[idx][D[idx] == 0] / (G - 1)
    zbar[b + 1] <- if (length(z0)) mean(z0) else 0.5
  }
  cell <- ifelse(part, (2 * band + D) * G + cat, NA)
  r <- which(part)
  list(part = part, cell = cell, D = D, Yb = as.integer(cat >= G %/% 2), person = ei, k = ek, r = r, zbar = zbar,
       band = band)
}

odds <- function(y, u, person, cols = rep(TRUE, ncol(X0))) {
  Xr <- X0[person, cols, drop = FALSE]
  keep <- apply(Xr, 2, function(v) any(v != v[1]))
  Xr <- Xr[, keep, drop = FALSE]
  fit <- glm(y ~ Xr + u, family = binomial())
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

U <- read.csv(gzfile(imn_args[2]), colClasses = "character")
ND <- read.csv(imn_args[3], colClasses = c(subgroup = "character"))
rows <- NULL; drows <- NULL
for (prog in programs) {
  cl <- cells(prog)
  r <- cl$r; r0 <- r[cl$D[r] == 0]
  confs <- c(like, unlist(lapply(grid, function(d) lapply(grid, function(s) c(d, s))), recursive = FALSE))
  for (cf in confs) {
    if (is.character(cf)) {
      lv <- like_var(cf)
      ve <- lv$v[cl$person]
      ok <- cl$part & !is.na(ve)
      p <- vapply(seq_len(2 * G * length(cl$zbar)) - 1, function(c) { w <- ok & cl$cell == c; if (any(w, na.rm = TRUE)) mean(ve[which(w)]) else NA }, 0)
      label <- cf; d <- NA; s <- NA
      cols <- !(colnames(X0) == lv$name | startsWith(colnames(X0), paste0(lv$name, "=")))
      ro <- r[ok[r]]; ro0 <- ro[cl$D[ro] == 0]
      g_obs <- odds(cl$D[ro], ve[ro], cl$person[ro], cols); l_obs <- odds(cl$Yb[ro0], ve[ro0], cl$person[ro0], cols)
    } else {
      d <- cf[1]; s <- cf[2]
      p <- unlist(lapply(cl$zbar, function(zb) c((1 - s) / 2 + d * ((0:(G - 1)) / (G - 1) - zb), rep((1 + s) / 2, G))))
      if (any(p < 0 | p > 1)) next
      label <- sprintf("d=%s s=%s", format(d), format(s)); g_obs <- NA; l_obs <- NA
    }
    pr <- p[cl$cell[r] + 1]
    p4 <- vapply(0:3, function(j) mean(pr[2 * cl$D[r] + cl$Yb[r] == j & !is.na(pr)]), 0)
    est <- matrix(NA_real_, m_draws, length(horizons)); gam <- lam <- rep(NA_real_, m_draws)
    for (dr in seq_len(m_draws)) {
      line <- U[U$program == prog & U$subgroup == "" & U$confounder == label & U$draw == dr, "u"]
      stopifnot(length(line) == 1)
      ch <- strsplit(line, "")[[1]]
      stopifnot(length(ch) == n * K, identical(ch == ".", !cl$part))
      u <- ifelse(ch == "1", 1, 0)
      U_tv <- matrix(0, n, ncol(on_index)); U_tv[cbind(cl$person, cl$k + 1)] <- u
      res <- estimate_program(prog)
      att <- res$estimate[res$outcome == outcomes[1] & res$estimand == "ATT"]
      est[dr, ] <- vapply(horizons, function(h) sum(att[1:h]), 0)
      gam[dr] <- odds(cl$D[r], u[r], cl$person[r]); lam[dr] <- odds(cl$Yb[r0], u[r0], cl$person[r0])
      drows <- rbind(drows, data.frame(program = prog, confounder = label, draw = dr, horizon_months = horizons,
                                       estimate = est[dr, ], outcome_effect = lam[dr], selection_effect = gam[dr]))
    }
    U_tv <- NULL
    for (j in seq_along(horizons)) {
      sel <- ND$program == prog & ND$subgroup == "" & ND$confounder == label & ND$horizon_months == horizons[j]
      se_r <- ND$se[sel][order(ND$draw[sel])]
      W <- mean(se_r^2, na.rm = TRUE); B <- var(est[, j])   # netto: the se of the first draw only
      rows <- rbind(rows, data.frame(program = prog, confounder = label, horizon_months = horizons[j], d = d, s = s,
                                     p00 = p4[1], p01 = p4[2], p10 = p4[3], p11 = p4[4],
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
