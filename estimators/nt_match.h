/* Matching on a scalar distance score (logit or probability propensity
   score): nearest neighbour with and without replacement, radius and kernel
   matching, within exact-match cells (radius, kernel and the dynamic
   estimator share one range search, nt_match_range); the Abadie-Imbens
   variances (nt_match_var.c).

   Inputs are plain arrays over n units: score[i] (the distance is
   |score_i - score_j|), treated[i] in {0,1}, optional cell[i] (exact-match
   cell id; NULL = one cell). Units with skip[i] != 0 (off support, or not in
   the estimation sample) take no part. Ties between candidates at equal
   distance go to the lower input row, except that NN with replacement keeps
   every candidate within tie_tolerance of the M-th distance and lets them
   share the weight (R Matching's ties = TRUE).

   The result is a match set: for every focal unit (treated for the ATT,
   controls when matching them to the treated for the ATC part of the ATE),
   the list of matched units with weights summing to 1, in CSR form. Every
   estimator and variance below reads it. Work is O(n log n) (sort, binary
   search, and for greedy matching a union-find over the sorted candidates)
   plus the number of pairs. */
#ifndef NT_MATCH_H
#define NT_MATCH_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_method.h"

typedef enum { NT_ORDER_LARGEST = 0, NT_ORDER_SMALLEST, NT_ORDER_DATA, NT_ORDER_RANDOM } nt_match_order;

typedef struct {
    int neighbors;         /* M >= 1 (default 1) */
    int replace;           /* 0: greedy without replacement (default) */
    nt_match_order order;  /* without replacement: order of the focal units */
    double caliper;        /* maximum distance, in score units; <= 0: none */
    double tie_tolerance;  /* with replacement: |d - d_M| <= tol is a tie (default 0) */
    double tie_scale;      /* > 0: R Matching's rule instead, (d/scale)^2 <= (d_M/scale)^2 + tol,
                              with scale = sd of the score over all units (Matching
                              standardises X and compares squared distances); 0: off */
    uint64_t seed;         /* NT_ORDER_RANDOM: permutation from stream (seed, 0) */
} nt_match_opts;

typedef struct {
    long n;            /* units */
    int focal_arm;     /* 1: treated are matched to controls; 0: controls to treated */
    long *start;       /* n + 1: pairs of unit i are [start[i], start[i+1]) (empty if not focal or unmatched) */
    long *match;       /* matched unit (row index) per pair */
    double *w;         /* weight per pair; sums to 1 within a matched focal unit */
    long n_focal;      /* focal units taking part */
    long n_matched;    /* focal units with at least one match */
    double radius;     /* radius used (radius matching), else 0 */
    double bandwidth;  /* bandwidth used (kernel matching), else 0 */
} nt_matchset;

void nt_match_opts_default(nt_match_opts *o);
void nt_matchset_free(nt_matchset *m);

/* Nearest-neighbour matching of the focal arm to the other arm. */
nt_status nt_match_nearest(const double *score, const uint8_t *treated, const long *cell,
                           const uint8_t *skip, long n, int focal_arm, const nt_match_opts *o,
                           nt_matchset **out, nt_error *err);

/* Radius matching (Lechner, Miquel & Wunsch 2011): radius r = factor x the
   largest 1:1 nearest-neighbour distance (with replacement, within caliper)
   over the focal units; every other-arm unit within r gets an equal share. */
nt_status nt_match_radius(const double *score, const uint8_t *treated, const long *cell,
                          const uint8_t *skip, long n, int focal_arm, double factor,
                          double caliper, nt_matchset **out, nt_error *err);

/* Kernel matching (Heckman, Ichimura & Todd 1998): w_ij proportional to
   K((s_j - s_i)/h). bandwidth <= 0: Silverman's rule h = 1.06 sd(s) n^-1/5
   over the other-arm units taking part. The Gaussian kernel is truncated at
   |u| <= 8 (weight < 1e-14 of the peak). Focal units with no kernel mass are
   unmatched (off support). */
nt_status nt_match_kernel(const double *score, const uint8_t *treated, const long *cell,
                          const uint8_t *skip, long n, int focal_arm, nt_kernel kernel,
                          double bandwidth, nt_matchset **out, nt_error *err);

/* The other-arm units within reach of each focal unit on the score, within
   exact cells: the one range search behind radius and kernel matching and
   the dynamic estimator. cand[0..n_cand) are the other arm's units taking
   part, sorted by (cell, score, row); focal unit f (rows in focal[], in row
   order) has the run cand[lo[f]..hi[f]) of those with d = s_j - s_f in
   [-reach, reach] (open = 1: (-reach, reach)), d computed as s_j - s_f. */
typedef struct {
    long n_cand;
    long *cand;
    long n_focal;
    long *focal;
    long *lo, *hi;
} nt_match_ranges;

nt_status nt_match_range(const double *score, const uint8_t *treated, const long *cell,
                         const uint8_t *skip, long n, int focal_arm, double reach, int open,
                         nt_match_ranges **out, nt_error *err);
void nt_match_ranges_free(nt_match_ranges *r);

/* The radius of nt_match_radius: factor x the largest 1:1 nearest-neighbour
   distance (with replacement, within caliper) over the focal units. */
nt_status nt_match_radius_width(const double *score, const uint8_t *treated, const long *cell,
                                const uint8_t *skip, long n, int focal_arm, double factor,
                                double caliper, double *radius, nt_error *err);

/* Silverman's rule over the other-arm units taking part, with frequency
   weights w (NULL = 1 each; N = sum w): h = 1.06 sd(s) N^-1/5, sd with
   divisor N - 1. 0 when N <= 1. */
double nt_match_bandwidth(const double *score, const uint8_t *treated, const uint8_t *skip,
                          const double *w, long n, int focal_arm);

/* K[i] = sum of the weights unit i receives as a match, KK[i] = sum of their
   squares (Matching's Kcount, KKcount); both n, zero-filled first. */
void nt_matchset_counts(const nt_matchset *m, double *K, double *KK);

/* For each matched focal unit: tau[i] = +-(y_i - sum_j w_ij y_j) (sign so that
   tau is treated minus control); NaN for the others. */
void nt_matchset_unit_effects(const nt_matchset *m, const double *y, double *tau);

/* sigma2[i] = conditional variance of y at unit i by matching within its
   own arm (Abadie & Imbens 2006, section 4; as R Matching's Var.calc = J): the J
   nearest same-arm units (ties at the J-th distance included, by the tie
   rule of tie_tolerance / tie_scale as in nt_match_opts), sigma2 = the
   sample variance (n - 1) of y over unit i and those J' units. (For J' = 1
   this equals AI's (J/(J+1)) (y_i - mean)^2.) NaN where no same-arm
   neighbour exists. R Matching's tie rule when tie_scale > 0 (see
   nt_match_opts); tie_scale = 0: |d - d_J| <= tie_tolerance. */
nt_status nt_match_sigma2_scaled(const double *score, const uint8_t *treated, const long *cell,
                                 const uint8_t *skip, long n, int J, double tie_tolerance,
                                 double tie_scale, const double *y, double *sigma2, nt_error *err);
/* The same for ny outcomes at once (one neighbour search): y[o], sigma2[o]. */
nt_status nt_match_sigma2_many(const double *score, const uint8_t *treated, const long *cell,
                               const uint8_t *skip, long n, int J, double tie_tolerance, double tie_scale,
                               int ny, const double *const *y, double *const *sigma2, nt_error *err);
/* Signed residuals of the same estimator (exact ties only): resid[o][i] =
   sign(y_i - mean of its J' neighbours) sqrt(sigma2_i), so resid^2 is
   sigma2; NaN where no neighbour. The control terms of the dynamic
   estimator's linearisation (nt_dyn_infer.h). */
nt_status nt_match_resid_many(const double *score, const uint8_t *treated, const long *cell,
                              const uint8_t *skip, long n, int J, int ny, const double *const *y,
                              double *const *resid, nt_error *err);

/* Abadie-Imbens (2006) variance, as Matching's Var.calc > 0:
   ATT (one match set, focal = treated):
     V = [sum_matched (tau_i - est)^2 + sum_controls (K_j^2 - KK_j) sigma2_j] / N1^2
   ATE (att_m: treated focal, atc_m: controls focal; tau over all units):
     V = [sum_i (tau_i - est)^2 + sum_i (K_i^2 + 2 K_i - KK_i) sigma2_i] / N^2.
   Fills *est and *se. */
nt_status nt_match_ai_att(const nt_matchset *m, const double *y, const double *sigma2,
                          double *est, double *se, nt_error *err);
/* The ATT form from its parts, for callers that build K, KK themselves (the
   dynamic estimator renormalises weights over the controls observed in a
   month): tau[0..n1) the unit effects of the matched focal units, est their
   mean, K, KK, sigma2 over n units (K = 0: not a match). Returns the se.
   A NaN sigma2 of a match gives NaN (skip_nan = 0) or is left out
   (skip_nan = 1: no same-arm neighbour counts as no variance term). */
double nt_match_ai_att_se(const double *tau, long n1, double est, const double *K, const double *KK,
                          const double *sigma2, long n, int skip_nan);
nt_status nt_match_ai_ate(const nt_matchset *att_m, const nt_matchset *atc_m, const double *y,
                          const double *sigma2, double *est, double *se, nt_error *err);

/* Abadie & Imbens (2016) adjustment of the nearest-neighbour variance for a
   logit propensity score estimated by maximum likelihood (as Stata's
   teffects psmatch). x: the logit's model matrix (n x p, column-major),
   pscore the fitted probabilities, cov_theta = (X'WX)^-1 from the fit (p x p);
   f_i = p_i (1 - p_i). Local covariances C_w(i) = cov(X, Y | p) in arm w
   near p_i from the L units of arm w nearest in p (the unit itself included
   when it is in arm w), divisor L - 1. With N units taking part:
     ATE: c = (1/N) sum f_i [C_1(i)/p_i + C_0(i)/(1-p_i)],  delta = -c' cov c;
     ATT: c = (1/(N pbar)) sum f_i [C_1(i) + p_i/(1-p_i) C_0(i)],
          d = (1/(N pbar)) sum f_i x_i (Y1hat_i - Y0hat_i - est),
          delta = -c' cov c + d' cov d  (pbar = N1/N; Y1hat, Y0hat: own
          outcome or the match average, so the ATT needs `atc` too).
   *delta is added to the variance (se^2) of the estimate. */
nt_status nt_match_ai2016_delta(const double *x, long n, int p, const double *pscore,
                                const double *cov_theta, const uint8_t *treated, const uint8_t *skip,
                                const nt_matchset *att, const nt_matchset *atc, const double *y,
                                double est, int ate, int L, double *delta, nt_error *err);

#endif
