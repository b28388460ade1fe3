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
   Stored per person with a role, as float (a row of outcomes x horizon per
   estimand, allocated in chunks on first use; nt_dyn_lin_get returns the
   finished contributions in double): about 1.2 kB per person with a role
   for 3 outcomes and 96 months. */
#ifndef NT_DYN_INFER_H
#define NT_DYN_INFER_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_dynamic.h"

typedef struct nt_dyn_lin_s {
    long n;              /* persons of the panel (contributions by person index) */
    int horizon, n_outcomes;
    /* Per estimand f (0 att, 1 att_fixed): person -> row (-1 none); rows
       of n_outcomes x horizon floats [o * H + tau] (the raw sums of terms)
       and H bits (contributing treated role at tau), NT_DYN_LIN_CHUNK rows
       per chunk. */
    int32_t *row[2];
    long n_rows[2], n_chunks[2];
    float **chunk[2];
    uint8_t **bits[2];
    long *n_contrib;     /* [f * H + tau] */
    /* [f * H + tau]: the contributing treated's summed weights (ATT_never,
       IPCW: nt_dyn_ipcw.c); N(tau) when weighted is set. */
    double *w_contrib;
    int weighted;
    double *att;         /* [(f * NO + o) * H + tau], copied when finished */
    struct nt_dyn_linwork_s *work;  /* the estimator's buffers for one start month */
    struct nt_dyn_wlin_s *wl;       /* ATT_never, IPCW: the hazards' estimation effect (nt_dyn_wlin.c) */
    struct nt_dyn_ksum_s *ks;       /* matching: the controls' AI terms over start months (nt_dyn_ksum.c) */
    double seconds;      /* wall time spent on the terms (part of the estimate's time) */
    int finished;
} nt_dyn_lin;

#define NT_DYN_LIN_CHUNK 4096

nt_status nt_dyn_lin_alloc(long n_persons, int horizon, int n_outcomes, nt_dyn_lin **out, nt_error *err);
void nt_dyn_lin_free(nt_dyn_lin *L);
/* Person's finished contributions of estimand f (0 att, 1 att_fixed):
   c[o * H + tau] = (sum of its terms - treated role x ATT) / N(tau), 0 where
   N = 0 or ATT undefined. Returns 0 (and c all 0) when it has no role. */
int nt_dyn_lin_get(const nt_dyn_lin *L, int f, long person, double *c);
/* The same for outcome o alone: c[tau], tau < horizon. */
int nt_dyn_lin_get_one(const nt_dyn_lin *L, int f, long person, int o, double *c);
/* A linearisation of given contributions (a combination of another's
   series, study/nt_cost_benefit.c): person's finished ATT contributions
   c[o * H + tau] into a fresh L, then nt_dyn_lin_put_done (no ATT_fixed). */
nt_status nt_dyn_lin_put(nt_dyn_lin *L, long person, const double *c, nt_error *err);
nt_status nt_dyn_lin_put_done(nt_dyn_lin *L, nt_error *err);

/* Per-person contributions to chosen linear functionals of the ATT path
   of every outcome, kept for differences between two estimates on the same
   persons (a difference's contribution is the difference of the two
   contributions; docs/inference.md): for horizon h of the list, the month
   h - 1 effect ATT(h - 1) and the cumulative effect ATT(0) + ... +
   ATT(h - 1). Rows for the persons with a role, in person order. */
typedef struct {
    int n_outcomes, n_h;     /* values per row: n_outcomes x 2 x n_h, [(o * 2 + kind) * n_h + i] */
    long n_rows;
    long *person;            /* ascending */
    float *v;                /* [row * n_values + j] */
} nt_dyn_proj;

/* var[j] = sum over persons of (a_j - b_j)^2 (a person missing on one side
   contributes 0 there): the variance of the difference of the two
   functionals. Both must have the same layout. */
nt_status nt_dyn_proj_diff_var(const nt_dyn_proj *a, const nt_dyn_proj *b, double *var, nt_error *err);
void nt_dyn_proj_free(nt_dyn_proj *p);

/* Multiplier bootstrap on a finished linearisation. */
typedef struct {
    int B;                 /* draws; 0: analytic SEs and normal intervals only */
    uint64_t seed;         /* series s draws from core/nt_rng stream (seed, s) */
    double level;          /* 0.95 */
    const int *less_is_better;  /* per outcome (figures read "more is better"), or NULL */
    const int *proj_horizons;   /* horizons (1..H) of the kept functionals (nt_dyn_proj), or NULL */
    int n_proj_horizons;
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
    /* [s]: p-value of the sup-t test of "theta(tau) = 0 in every month":
       the share of draws with max_tau |D(tau)| / se(tau) >= max_tau
       |theta(tau)| / se(tau) (the same months as the band; NaN without
       draws). A band excludes 0 somewhere exactly when sup_p < 1 - level,
       up to the draws' ties. */
    double *sup_p;
    /* [s], "more is better" orientation as nt_summary: */
    double *breakeven, *breakeven_lower, *breakeven_upper; /* point crossing; percentile months */
    double *breakeven_band;   /* first month from which the cumulative band's lower edge stays > 0 */
    double *lockin_depth, *lockin_depth_lower, *lockin_depth_upper;
    double *lockin_month, *lockin_month_lower, *lockin_month_upper;  /* month of the deepest point */
    double *draw_sd;          /* [s * H + tau]: sd of the draws (checks the analytic se) */
    nt_dyn_proj *proj;        /* with opts.proj_horizons, else NULL */
} nt_dyn_inference;

nt_status nt_dyn_infer(const nt_dyn_lin *L, const nt_dyn_result *r, const nt_infer_opts *o,
                       nt_dyn_inference **out, nt_error *err);
void nt_dyn_inference_free(nt_dyn_inference *inf);

#endif
