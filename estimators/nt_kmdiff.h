/* Weighted Kaplan-Meier curves of two groups in whole months, their
   difference and the difference in median time, with standard errors from
   the infinitesimal jackknife clustered by person (the matching weights
   held fixed): time_to_work.csv (study/nt_run_ttw.c, docs/survival.md).

   Rows: (time T >= 1 in months, event e, weight w > 0, group g, person).
   A row is at risk in month m (1..H) when T >= m; its event, if any, is in
   month T. Times above H are censored at H. Per group g:
     n_m = sum w [T >= m],  d_m = sum w e [T = m],  h_m = d_m / n_m,
     S_g(m) = prod_{m' <= m} (1 - h_m'),  S_g(0) = 1.
   The derivative of S_g(t) with respect to row r's weight (the IJ of R's
   survfit, robust = TRUE):
     D_r(t) = -S_g(t) [ e_r [T_r <= t] / (n_{T_r} - d_{T_r})
                        - sum_{m <= min(t, T_r)} h_m / (n_m - d_m) ],
   a person's influence phi_p^g(t) = sum of w_r D_r(t) over its rows in g,
     Var S_g(t) = sum_p phi_p^g(t)^2,
     Var (S_0 - S_1)(t) = sum_p (phi_p^0(t) - phi_p^1(t))^2
   (a person can be treated at one start month and a control at others, or
   a control at several: one cluster). Interval: estimate -/+ z se.
   Median time: the first month with S_g <= 0.5 (NaN when the curve stays
   above within H); linearised, med = S^-1(0.5), d med = dS(med) / f with
   f = (S(med - b) - S(med + b)) / 2b the curve's slope there, b =
   max(1, round((q(0.6) - q(0.4)) / 2)) (q(p): the first month with
   S <= 1 - p; b = max(1, med - q(0.4)) when q(0.6) is beyond H), the
   window clipped to 0..H:
     phi_p^med = phi_p^0(med_0) / f_0 - phi_p^1(med_1) / f_1.
   Disclosure facts per group and month (counts, no decisions): persons at
   risk (a row of weight > 0 with T >= m), Kish's effective number of them
   (sum_p W_p)^2 / sum_p W_p^2 with W_p the weight of p's rows at risk,
   and persons with an event in months <= m. */
#ifndef NT_KMDIFF_H
#define NT_KMDIFF_H

#include <stdint.h>
#include "core/nt_error.h"

typedef struct {
    long n;
    const int32_t *time;   /* >= 1 */
    const uint8_t *event;  /* 0/1 */
    const double *weight;  /* > 0 */
    const uint8_t *group;  /* 0 or 1 (treated, control) */
    const long *person;    /* the cluster of each row */
} nt_kmdiff_data;

typedef struct {
    int H;
    /* [g * (H + 1) + m], m = 0..H */
    double *surv, *se, *n_risk_w, *n_eff;
    long *n_risk, *n_events;          /* persons at risk; persons with an event in months <= m */
    /* [m] */
    double *diff, *se_diff, *lower, *upper;
    double median[2], median_se[2];   /* NaN: not reached within H */
    double median_diff, median_diff_se, median_lower, median_upper;
} nt_kmdiff_result;

/* level: of the intervals, e.g. 0.95. */
nt_status nt_kmdiff_fit(const nt_kmdiff_data *d, int H, double level, nt_kmdiff_result **out, nt_error *err);
void nt_kmdiff_free(nt_kmdiff_result *r);

#endif
