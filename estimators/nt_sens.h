/* Sensitivity of matched estimates to hidden bias (docs/credibility.md).

   Matched sets. A main run with opts.pairs keeps, for every matched
   treated person at start month k, its controls and their normalised
   weights (nearest-neighbour pairs; radius and kernel ranges; weighting
   methods keep none: Rosenbaum bounds need matched sets).

   Rosenbaum (2002, ch. 4) bounds. A hidden binary confounder may change
   the odds of treatment of two matched persons by at most Gamma >= 1.
     Wilcoxon signed rank (continuous outcomes; DiPrete & Gangl 2004):
       d_i the treated minus its weighted controls, zeros dropped, r_i the
       ranks of |d_i| (ties averaged), T = sum of r_i over d_i > 0 (effect
       > 0; over d_i < 0 for a negative effect). Under Gamma, T is bounded
       by sums of independent signs with P(+) = p = Gamma / (1 + Gamma):
         E = p sum r_i,  V = p (1 - p) sum r_i^2,
       the upper bound of the one-sided p-value 1 - Phi((T - E) / sqrt V)
       (normal approximation, no continuity correction).
     Mantel-Haenszel (binary outcomes; Becker & Caliendo 2007, mhbounds):
       one stratum of n1 treated with y1 successes and n0 (weighted)
       controls with y0; N = n1 + n0, m = y1 + y0. Under Gamma the
       expectation E+ of the treated's successes is the root in
       [max(0, m + n1 - N), min(m, n1)] of
         E^2 (G - 1) - E ((G - 1)(n1 + m) + N) + G m n1 = 0,  G = Gamma,
       Var+ = 1 / (1/E + 1/(m - E) + 1/(n1 - E) + 1/(N - m - n1 + E)),
       Q+ = (|y1 - E+| - 1/2) / sqrt(Var+), p+ = 1 - Phi(Q+); E-, Q-,
       p- the same with G = 1 / Gamma. Q+ bounds the statistic when the
       effect is overestimated (a positive effect), Q- when underestimated.
   The critical Gamma: the smallest Gamma at which the bound's p-value
   exceeds alpha (bisection to 1e-4 on [1, gamma_max]; gamma_max when it
   does not, 1 when it already does at Gamma = 1). */
#ifndef NT_SENS_H
#define NT_SENS_H

#include <stdint.h>
#include "core/nt_error.h"

typedef struct nt_dyn_pairs_s {
    long n_t, cap_t;
    int32_t *k;          /* [n_t] start month */
    long *treated;       /* [n_t] person (panel index) */
    long *start;         /* [n_t + 1] offsets into control and w */
    long n_c, cap_c;
    long *control;       /* persons */
    double *w;           /* weights, summing to 1 per treated */
} nt_dyn_pairs;

void nt_dyn_pairs_free(nt_dyn_pairs *P);

/* Wilcoxon signed-rank bound: the upper bound of the one-sided p-value
   of d[0..n) at Gamma, in the direction of sign (+1 effect > 0, -1 < 0).
   NaN when no d is non-zero. */
double nt_sens_wilcoxon_p(const double *d, long n, int sign, double gamma, nt_error *err);
/* The critical Gamma of the Wilcoxon bound at alpha; NaN when no d is
   non-zero. */
double nt_sens_wilcoxon_gamma(const double *d, long n, int sign, double alpha, double gamma_max, nt_error *err);

/* Mantel-Haenszel bound at Gamma: p+ (sign > 0: a positive effect
   possibly overestimated) or p- (sign < 0); 1 once the bound's expectation
   has passed y1 (mhbounds' |y1 - E| would turn the statistic round
   there: the effect is no longer significant). */
double nt_sens_mh_p(double n1, double y1, double n0, double y0, int sign, double gamma);
/* The critical Gamma of p+ (sign > 0) or p- (sign < 0) at alpha. */
double nt_sens_mh_gamma(double n1, double y1, double n0, double y0, int sign, double alpha, double gamma_max);

#endif
