/* The simulated confounder of Ichino, Mealli & Nannicini (2008), "From
   temporary help jobs to permanent employment: what can we learn from
   matching estimators and their sensitivity?", Journal of Applied
   Econometrics 23(3) (docs/credibility.md), in the dynamic design.

   IMN draw a binary confounder U for every person from its distribution
   given the treatment D and a binary outcome Y, p_ij = P(U = 1 | D = i,
   Y = j), independently of the covariates given (D, Y). netto draws U for
   every row (person i, start month k) of the propensity models instead,
   from cells of those rows: the start-month band b (the study's start
   interval), D_ik (starts the programme in k) and the outcome category c of
   the person's outcome after k, Y_ik, in G quantile groups of the band's
   rows (nt_imn_categories). A cell is
     cell = (2 b + D) G + c,   p[cell] = P(U = 1 | b, D, c),
   and U_ik is a time-varying column of the interval's logit. With one band
   and G = 2 this is IMN's construction.

   The effect with U is re-estimated per draw; over m draws its mean and the
   multiple-imputation variance (Rubin 1987, as IMN section 4 and
   Nannicini's sensatt):
     T = W + (1 + 1/m) B,  W = mean of se_r^2,  B = sum (est_r - mean)^2 / (m - 1).
   A confounder's strength: the outcome effect Lambda, the odds ratio of U
   in a logit of Y_ik above its band's median on (1, X, U) over the rows
   with D = 0, and the selection effect Gamma, the odds ratio of U in a
   logit of D on (1, X, U) over all rows, each the mean over the draws of
   exp(coefficient of U) (IMN 2008, section 4).

   The grid of IMN's "how strong must it be": the outcome effect d and the
   selection effect s, U centred on 1/2 and not predicting the outcome among
   the treated beyond D:
     P(U = 1 | D = 1) = (1 + s) / 2 in every category,
     P(U = 1 | D = 0, c) = (1 - s) / 2 + d (z_c - zbar_b),  z_c = c / (G - 1),
   zbar_b the mean of z over the band's D = 0 rows (so P(U = 1 | D = 0)
   = (1 - s) / 2 in every band): d is the difference in P(U = 1) between
   the top and the bottom outcome group among non-participants; with G = 2
   it is IMN's d = p01 - p00. */
#ifndef NT_IMN_H
#define NT_IMN_H

#include <stdint.h>
#include "core/nt_error.h"

/* p[c] (D = 0) and p[G + c] (D = 1), c = 0..G-1, of the grid point (d, s)
   in a band with zbar; -1 if a probability falls outside [0, 1] (no such
   confounder), else 0. */
int nt_imn_grid_probs(double d, double s, int G, double zbar, double *p);

/* Outcome categories: cat[r] = the number of cut points y[r] exceeds, the
   cut points the quantiles j / G (j = 1..G-1) of y over the rows r with
   rows[r] = 1, each the order statistic y_(ceil(m j / G)) of those m rows
   (R's quantile type 1: the inverse of the empirical distribution);
   cat[r] untouched where rows[r] = 0. */
void nt_imn_categories(const double *y, const uint8_t *rows, long n, int G, uint8_t *cat);

/* One draw of U: u[i] ~ Bernoulli(p[cell[i]]) for cell[i] >= 0, u[i] = 0
   for cell[i] < 0 (not analysed). Entries in index order from core/nt_rng
   stream (seed, 0): one uniform per analysed entry, U = 1 if it is below p. */
void nt_imn_draw(const int32_t *cell, long n, const double *p, uint64_t seed, uint8_t *u);

/* p[c] = P(v = 1 | cell c), c = 0..ncell-1, of an observed 0/1 variable v
   (NaN missing: not counted); NaN for an empty cell. */
void nt_imn_cell_probs(const int32_t *cell, const double *v, long n, int ncell, double *p);

/* The multiple-imputation summary of m draws' estimates and standard
   errors: *mean, *se (sqrt T), *within (W), *between (B). Draws with a NaN
   estimate are left out (m counts the others); W is the mean of the se^2
   that are not NaN (netto computes the se of a confounder's first draw
   only: study/nt_run_imn.c); NaN without an estimate or an se, and B = 0,
   se = sqrt(W) with one draw. */
void nt_imn_combine(const double *est, const double *se, int m, double *mean, double *se_total, double *within,
                    double *between);

/* exp(coefficient of U) in the logit of y on (1, x, u) over m rows, row r
   the person person[r] with outcome y[r] and u[r] (x: n x p column-major,
   the model's person columns, those with cols[j] = 1 (cols NULL: all), less
   any constant over the rows); NaN when the logit cannot be fitted
   (aliased columns, no convergence) or m < 2. */
double nt_imn_odds(const double *x, long n, int p, const uint8_t *cols, const long *person, long m,
                   const uint8_t *y, const uint8_t *u, nt_error *err);

#endif
