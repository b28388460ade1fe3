# Rosenbaum bounds in base R (no Debian package has rbounds or mhbounds):
# the golden numbers of tests/test_sens.c (tests/golden/rosenbaum_*.csv).
#   Wilcoxon signed rank (Rosenbaum 2002, ch. 4; DiPrete & Gangl 2004): on
#   matched-pair differences d, zeros dropped, ranks of |d| with ties
#   averaged, T+ the rank sum of the positive d; under Gamma
#   p+ = Gamma / (1 + Gamma), E = p+ sum r, V = p+ (1 - p+) sum r^2, the
#   upper bound of the one-sided p-value 1 - pnorm((T+ - E) / sqrt(V)).
#   Mantel-Haenszel (Becker & Caliendo 2007, mhbounds): one stratum of n1
#   treated (y1 successes) and n0 controls (y0); E+ the root of
#   E^2 (G - 1) - E ((G - 1)(n1 + m) + N) + G m n1 within its bounds,
#   found here with polyroot (netto: the quadratic formula); Q+ =
#   (|y1 - E+| - 1/2) / sqrt(Var+); G = 1/Gamma for the minus side. Once
#   E+ passes y1 the effect is no longer significant (p = 1).
#   Critical Gamma: uniroot of p(Gamma) = alpha (netto: bisection).
# Run: Rscript scripts/reference/rosenbaum.R (from the repository root).
set.seed(20261130)
d <- c(round(rnorm(60, 0.4, 1), 1), 0, 0, 1.5, -1.5, 0.7, 0.7)   # ties and zeros on purpose
dir.create("tests/golden", showWarnings = FALSE)
write.csv(data.frame(d = d), "tests/golden/rosenbaum_d.csv", row.names = FALSE)

wilcoxon_p <- function(d, gamma, sign = 1) {
  d <- sign * d[d != 0]
  r <- rank(abs(d), ties.method = "average")
  T <- sum(r[d > 0]); p <- gamma / (1 + gamma)
  1 - pnorm((T - p * sum(r)) / sqrt(p * (1 - p) * sum(r^2)))
}
crit <- function(f, alpha) {
  if (f(1) > alpha) return(1)
  if (f(10) <= alpha) return(10)
  uniroot(function(g) f(g) - alpha, c(1, 10), tol = 1e-10)$root
}
mh_p <- function(n1, y1, n0, y0, gamma, sign = 1) {
  N <- n1 + n0; m <- y1 + y0; G <- if (sign > 0) gamma else 1 / gamma
  lo <- max(0, m + n1 - N); hi <- min(m, n1)
  if (abs(G - 1) < 1e-12) E <- m * n1 / N else {
    roots <- Re(polyroot(c(G * m * n1, -((G - 1) * (n1 + m) + N), G - 1)))
    E <- roots[roots >= lo - 1e-9 & roots <= hi + 1e-9][1]
  }
  V <- 1 / (1 / E + 1 / (m - E) + 1 / (n1 - E) + 1 / (N - m - n1 + E))
  if ((sign > 0 && y1 <= E) || (sign < 0 && y1 >= E)) return(1)
  1 - pnorm((abs(y1 - E) - 0.5) / sqrt(V))
}

gam <- c(1, 1.25, 1.5, 2, 3)
w <- data.frame(gamma = gam, p_plus = sapply(gam, function(g) wilcoxon_p(d, g, 1)),
                p_minus = sapply(gam, function(g) wilcoxon_p(d, g, -1)))
w <- rbind(w, data.frame(gamma = NA, p_plus = crit(function(g) wilcoxon_p(d, g, 1), 0.05), p_minus = NA))
write.csv(w, "tests/golden/rosenbaum_wilcoxon.csv", row.names = FALSE, na = "")

cases <- data.frame(n1 = c(185, 500, 300, 1000), y1 = c(140, 260, 90, 430),
                    n0 = c(185, 500, 300, 1000), y0 = c(110, 210, 120, 400))
out <- NULL
for (i in seq_len(nrow(cases))) {
  cs <- cases[i, ]; s <- if (cs$y1 / cs$n1 >= cs$y0 / cs$n0) 1 else -1
  f <- function(g) mh_p(cs$n1, cs$y1, cs$n0, cs$y0, g, s)
  out <- rbind(out, data.frame(cs, sign = s, p_1 = f(1), p_1_25 = f(1.25), p_1_5 = f(1.5), p_2 = f(2),
                               gamma_critical = crit(f, 0.05)))
}
write.csv(out, "tests/golden/rosenbaum_mh.csv", row.names = FALSE)
print(w); print(out)
