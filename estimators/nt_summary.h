/* The summary.csv figures of a monthly effect path (spec: cli-and-results.md,
   "Result tables", summary.csv; background: methods.md section 6).

   theta[tau], tau = 0..n_months-1, is the effect tau months since programme
   start (NaN = undefined month). For outcomes where less is better
   (on_benefit, on_index_benefit) pass less_is_better = 1: theta is negated
   first, so every figure below reads "more is better" (a positive
   cumulative effect on on_benefit = months on benefit saved). Over the
   window tau = 0..T-1, with C(tau) = theta(0) + ... + theta(tau):
     cumulative_effect = C(T-1); NaN if any theta in the window is NaN;
     lockin_depth      = min(0, smallest defined theta); NaN if none defined;
     lockin_depth_month = the first tau where the smallest theta is, when it
                         is < 0; NaN otherwise;
     lockin_months     = smallest tau with theta > 0 in tau, tau+1, tau+2 (as
                         far as the window reaches); NaN if none;
     breakeven_month   = smallest tau with C(s) > 0 for every s in tau..T-1;
                         NaN if none.
   Bootstrap replicates are B whole paths, row-major: reps[b * n_months + tau].
   Inference on a sum uses the replicates' own sums (never summed per-month
   variances). Percentile intervals use R's type 7 quantiles at
   (1 -/+ ci_level) / 2. */
#ifndef NT_SUMMARY_H
#define NT_SUMMARY_H

#include "core/nt_error.h"

typedef struct {
    int horizon;               /* T */
    double cumulative_effect;
    double lockin_depth;
    double lockin_depth_month; /* months since start, NaN when no dip */
    double lockin_months;      /* months since start, NaN none */
    double breakeven_month;    /* months since start, NaN none */
} nt_summary_point;

typedef struct {
    nt_summary_point est;
    /* From the replicates whose window has no undefined month (n_reps_used);
       NaN without replicates (SE: with fewer than 2). */
    long n_reps_used;
    double cumulative_se;      /* sd of the replicates' C(T-1) */
    double cumulative_lower, cumulative_upper;
    double lockin_depth_lower, lockin_depth_upper;
    /* A replicate with no lock-in end / no break-even counts as beyond the
       window (+infinity) in the percentiles; a bound beyond the window is
       NaN (written empty). */
    double lockin_months_lower, lockin_months_upper;
    double breakeven_lower, breakeven_upper;
    double share_breakeven;    /* replicates breaking even within the window, P(T* <= T) */
} nt_summary;

/* Figures with bootstrap inference (reps may be NULL with n_reps 0: the
   point figures only). horizon must be in 1..n_months (NT_EUSAGE); ci_level
   in (0, 1), 0.95 for the spec's tables. */
nt_status nt_summary_compute(const double *theta, const double *reps, int n_reps,
                             int n_months, int less_is_better, int horizon, double ci_level,
                             nt_summary *out, nt_error *err);

/* Per-month SE (sd over replicates) and percentile interval of theta(tau),
   on the outcome's own scale (not negated); replicates with that month
   undefined are left out. se, lower, upper: n_months each (caller's). */
nt_status nt_summary_months(const double *reps, int n_reps, int n_months, double ci_level,
                            double *se, double *lower, double *upper, nt_error *err);

/* The cumulative path C(tau), tau = 0..n_months-1 (negated when less is
   better, as the figures), and its percentile band from the replicates
   (lower/upper may be NULL; NaN without replicates). For the plot. */
nt_status nt_summary_cumulative(const double *theta, const double *reps, int n_reps,
                                int n_months, int less_is_better, double ci_level,
                                double *cum, double *lower, double *upper, nt_error *err);

/* Analytic SE and normal interval of a path pooled over start months, for
   estimators without a bootstrap (nn: per-start Abadie-Imbens SEs):
     theta(tau) = sum_k pi_k(tau) theta_k(tau),  pi_k(tau) = c_k(tau) / sum_j c_j(tau),
     se(tau)    = sqrt(sum_k pi_k(tau)^2 se_k(tau)^2),
     lower, upper = theta(tau) -/+ z se(tau),  z the normal (1 + ci_level) / 2 quantile,
   ignoring the covariance that controls shared between start months bring.
   Start month k = 0..n_k-1 enters when use[k] != 0, with c_k(tau) =
   contrib[k * n_months + tau] and se_k(tau) = se_k[k * se_stride + tau].
   se(tau) is NaN when no start month contributes or a contributing se_k is
   NaN, and so are the bounds then. se, lower, upper: n_months each
   (lower/upper may be NULL). */
nt_status nt_summary_pooled(const double *theta, const long *contrib, const double *se_k, long se_stride,
                            const int *use, int n_k, int n_months, double ci_level,
                            double *se, double *lower, double *upper, nt_error *err);

/* Cost-benefit (docs/dynamic.md, "Cost-benefit"): the discount factor of
   month tau since programme start at a yearly rate, d(tau) = (1 + rate)^(-tau/12),
   and the discounted net monthly path of n_series effect paths,
     out[tau] = d(tau) sum_s a[s] theta[s][tau]   (NaN where any theta is NaN
   with a[s] != 0), whose cumulative sum (nt_summary_compute) is the net
   benefit and whose crossing is the net break-even. */
double nt_summary_discount(double rate, int tau);
void nt_summary_net_path(const double *const *theta, const double *a, int n_series, int n_months, double rate,
                         double *out);

#endif
