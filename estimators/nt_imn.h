/* The simulated confounder of Ichino, Mealli & Nannicini (2008), "From
   temporary help jobs to permanent employment: what can we learn from
   matching estimators and their sensitivity?", Journal of Applied
   Econometrics 23(3) (docs/credibility.md).

   A binary confounder U is drawn for every person from its distribution
   given the treatment D and a binary outcome Y:
     p_ij = P(U = 1 | D = i, Y = j),  i, j in {0, 1},
   independently of the covariates given (D, Y). U is added to the
   propensity model, the effect re-estimated; over m draws the effect is
   the mean of the draws' estimates and its variance the multiple-
   imputation total (Rubin 1987, as IMN section 4 and Nannicini's sensatt):
     T = W + (1 + 1/m) B,  W = mean of se_r^2,  B = sum (est_r - mean)^2 / (m - 1).
   A confounder's strength: the outcome effect Lambda, the odds ratio of U
   in a logit of Y on (1, X, U) among the untreated, and the selection
   effect Gamma, the odds ratio of U in a logit of D on (1, X, U), each the
   mean over the draws of exp(coefficient of U) (IMN 2008, section 4).

   The grid of IMN's "how strong must it be": the outcome
   effect d = p01 - p00 and the selection effect s = p1. - p0., with
   p1. = P(U = 1 | D = 1) and p0. = P(U = 1 | D = 0); p11 = p10 = p1.
   (U does not predict the outcome among the treated beyond D), and U
   centred on 1/2: p0. = (1 - s) / 2, p1. = (1 + s) / 2, p00 = p0. - d q,
   p01 = p00 + d, q = P(Y = 1 | D = 0) (so that the p_0j average to p0.). */
#ifndef NT_IMN_H
#define NT_IMN_H

#include <stdint.h>
#include "core/nt_error.h"

/* p[2 i + j] = p_ij of the grid point (d, s) with q = P(Y = 1 | D = 0);
   -1 if a probability falls outside [0, 1] (no such confounder), else 0. */
int nt_imn_grid_probs(double d, double s, double q, double p[4]);

/* One draw of U: u[i] ~ Bernoulli(p[cell[i]]) for cell[i] = 2 D + Y in
   0..3, u[i] = 0 for cell[i] > 3 (not analysed). Persons in index order
   from core/nt_rng stream (seed, 0): one uniform per analysed person, U = 1
   if it is below p. */
void nt_imn_draw(const uint8_t *cell, long n, const double p[4], uint64_t seed, uint8_t *u);

/* P(U = 1 | D = i, Y = j) of an observed 0/1 variable v (NaN missing:
   not counted) over the cells 0..3; NaN for an empty cell. */
void nt_imn_cell_probs(const uint8_t *cell, const double *v, long n, double p[4]);

/* The multiple-imputation summary of m draws' estimates and standard
   errors: *mean, *se (sqrt T), *within (W), *between (B). Draws with a NaN
   estimate are left out (m counts the others); W is the mean of the se^2
   that are not NaN (netto computes the se of a confounder's first draw
   only: study/nt_run_imn.c); NaN without an estimate or an se, and B = 0,
   se = sqrt(W) with one draw. */
void nt_imn_combine(const double *est, const double *se, int m, double *mean, double *se_total, double *within,
                    double *between);

/* exp(coefficient of U) in the logit of y on (1, x, u) over the rows with
   rows[i] = 1 (x: n x p column-major, the model's person columns, those
   with cols[j] = 1 (cols NULL: all), less any constant over the rows); NaN
   when the logit cannot be fitted (aliased columns, no convergence). */
double nt_imn_odds(const double *x, long n, int p, const uint8_t *cols, const uint8_t *rows, const uint8_t *y,
                   const uint8_t *u, nt_error *err);

#endif
