/* Inference for the dynamic estimator (docs/inference.md): the per-person
   linearisation of ATT(tau) and ATT_fixed(tau) and a multiplier bootstrap
   over persons on it.

   Linearisation. With the matches (or weights) and the propensity models
   held at their estimates, N(tau) ATT(tau) = sum over start months k and
   contributing treated i of [y_i(t) - sum_j W_ij y_j(t)], t = k + tau,
   W_ij the renormalised control weights. Person p's contribution is the
   sum over all its (k, tau) roles:
     treated at k:  y_p(t) - Yhat_p(t) - ATT(tau)
     control at k:  - c_pk(t) e_p(t)
   matching (nn, radius, kernel): c = sqrt(K^2 - KK) with K = sum_i W_ip,
     KK = sum_i W_ip^2 over the contributing treated, e the signed
     Abadie-Imbens residual (nt_match_resid_many, J = opts.ai_neighbors
     nearest observed controls of the month on the score), so that the
     squared terms of one (k, tau) give the AI (2006) variance;
   weighting (ipw, aipw): c = n_k w_p / W_k, e = r_p - rbar_k (r = y - mu0,
     rbar the weighted control mean), Yhat = mu0 + rbar, plus the logit's
     M-estimator term G(tau)' H^-1 x_r (d_r - e_r) summed over p's model
     rows r, G = d(N ATT)/d beta.
   Divided by N(tau) (contributing treated over the start months used).
   Stored per person: n_persons x 2 (att, att_fixed) x outcomes x horizon
   doubles and as many flags. */
#ifndef NT_DYN_INFER_H
#define NT_DYN_INFER_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_dynamic.h"

typedef struct nt_dyn_lin_s {
    long n;              /* persons of the panel (contributions by person index) */
    int horizon, n_outcomes;
    double *c;           /* [((f * NO + o) * H + tau) * n + person]; f 0 att, 1 att_fixed */
    uint8_t *treated;    /* [(f * H + tau) * n + person]: contributing treated role */
    long *n_contrib;     /* [f * H + tau] */
    int finished;
} nt_dyn_lin;

nt_status nt_dyn_lin_alloc(long n_persons, int horizon, int n_outcomes, nt_dyn_lin **out, nt_error *err);
void nt_dyn_lin_free(nt_dyn_lin *L);

/* Multiplier bootstrap on a finished linearisation. */
typedef struct {
    int B;                 /* draws; 0: analytic SEs and normal intervals only */
    uint64_t seed;         /* person p draws from core/nt_rng stream (seed, p) */
    int rademacher;        /* 0: xi ~ N(0, 1); 1: +-1 with probability 1/2 */
    double level;          /* 0.95 */
    const int *less_is_better;  /* per outcome (figures read "more is better"), or NULL */
} nt_infer_opts;

/* Per series s = f * NO + o and month tau: slot s * H + tau. Pointwise
   intervals: est -+ z se (se^2 = sum_p c_p^2); bands: est -+ crit se with
   crit the level quantile of the draws' max_tau |theta*_b - theta| / se
   (sup-t, Montiel Olea & Plagborg-Moller 2019). Cumulative C(tau) =
   theta(0) + ... + theta(tau) the same way (undefined after an undefined
   month). Month-valued figures are whole months, NaN none. */
typedef struct {
    int horizon, n_series, B;
    double *se, *lower, *upper, *band_lower, *band_upper;
    double *cum, *cum_se, *cum_lower, *cum_upper, *cum_band_lower, *cum_band_upper;
    double *crit, *crit_cum;                 /* [s] */
    /* [s], "more is better" orientation as nt_summary: */
    double *breakeven, *breakeven_lower, *breakeven_upper; /* point crossing; percentile months */
    double *breakeven_band;   /* first month from which the cumulative band's lower edge stays > 0 */
    double *lockin_depth, *lockin_depth_lower, *lockin_depth_upper;
    double *lockin_month, *lockin_month_lower, *lockin_month_upper;  /* month of the deepest point */
    double *draw_sd;          /* [s * H + tau]: sd of the draws (checks the analytic se) */
} nt_dyn_inference;

nt_status nt_dyn_infer(const nt_dyn_lin *L, const nt_dyn_result *r, const nt_infer_opts *o,
                       nt_dyn_inference **out, nt_error *err);
void nt_dyn_inference_free(nt_dyn_inference *inf);

#endif
