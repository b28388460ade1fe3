# Independent reference for the cost-benefit arithmetic of netto run
# (docs/dynamic.md, "Cost-benefit"; estimators/nt_summary.h,
# nt_summary_discount and nt_summary_net_path; study/nt_cost_benefit.c).
#
# Written against R 4.2.2, base R only. From three monthly effect paths
# (earnings, benefit euros, programme cost; tau = 0..35, fixed formulas
# below, written to the input file so the C test reads the same numbers)
# it computes, per horizon T in {12, 24, 36} and yearly discount rate
# r in {0, 0.0225} with d(tau) = (1 + r)^(-tau / 12):
#   incremental_cost = sum d theta_cost,  benefit_savings = -sum d theta_benefit,
#   earnings_effect = sum d theta_earnings,
#   net government = benefit_savings - incremental_cost,
#   net society = earnings_effect - incremental_cost,
#   breakeven = the first tau from which the cumulative discounted net
#   monthly path stays > 0 up to T - 1 (NA if none).
#
# Usage (from the repository root):
#   Rscript scripts/reference/cost_benefit.R tests/golden/cost_benefit_paths.csv tests/golden/cost_benefit.csv
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: cost_benefit.R PATHS.csv OUT.csv")
tau <- 0:35
# A lock-in then a gain in earnings; more benefit first, less later; the
# programme cost at the start and controls' later programmes (negative).
earn <- -300 * exp(-tau / 4) + 250 * (1 - exp(-tau / 10))
ben <- 1500 * (0.08 * exp(-tau / 5) - 0.05 * (1 - exp(-tau / 8)))
cost <- ifelse(tau == 0, 4000, -120 * exp(-tau / 6))
write.csv(data.frame(month = tau, earnings = sprintf("%.17g", earn), benefit = sprintf("%.17g", ben),
                     program_cost = sprintf("%.17g", cost)), args[1], row.names = FALSE, quote = FALSE)
breakeven <- function(m) {
  C <- cumsum(m); be <- NA
  for (t in rev(seq_along(C))) { if (!(C[t] > 0)) break; be <- t - 1 }
  be
}
rows <- NULL
for (T in c(12, 24, 36)) for (persp in c("government", "society")) for (r in c(0, 0.0225)) {
  w <- seq_len(T)
  d <- (1 + r)^(-tau[w] / 12)
  ic <- sum(d * cost[w]); bs <- -sum(d * ben[w]); ee <- sum(d * earn[w])
  m <- if (persp == "government") d * (-ben[w] - cost[w]) else d * (earn[w] - cost[w])
  rows <- rbind(rows, data.frame(horizon_months = T, perspective = persp, discount_rate = r,
                                 incremental_cost = sprintf("%.17g", ic), benefit_savings = sprintf("%.17g", bs),
                                 earnings_effect = sprintf("%.17g", ee), net_benefit = sprintf("%.17g", sum(m)),
                                 breakeven_month = ifelse(is.na(breakeven(m)), "", breakeven(m))))
}
write.csv(rows, args[2], row.names = FALSE, quote = FALSE)
cat(sprintf("%s: %d rows\n", args[2], nrow(rows)))
