/* Kaplan-Meier and Nelson-Aalen curves per group, and the log-rank test.

   At each distinct exit time t_j of a group (an event or a censoring):
   n_j = weighted rows at risk (start < t_j <= stop), d_j = weighted events,
     S(t) = prod_{t_j <= t} (1 - d_j / n_j)         (Kaplan-Meier)
     H(t) = sum_{t_j <= t} d_j / n_j                 (Nelson-Aalen, R ctype 1)
   Variance, as R survival 3.5 survfit chooses it:
   - integer (or no) weights: Greenwood, Var(log S) = sum d/(n(n-d)),
     se(S) = S sqrt(that) (summary.survfit's std.err); Var(H) = sum d/n^2;
   - any non-integer weight: the infinitesimal jackknife (R's robust
     variance), Var = sum_i (w_i D_i)^2 with D_i the derivative of S(t)
     (resp. H(t)) with respect to row i's weight. Greenwood is not a valid
     variance for sampling weights.
   Confidence intervals (level 0.95 by default) on se(log S) = se(S)/S:
     log      exp(log S -/+ z se)            upper capped at 1 (R default)
     log-log  S^exp(+/- z se / log S)        undefined at S = 0 or 1
     plain    S -/+ z S se, clipped to [0, 1]
   NaN marks an undefined value (S = 0 under log / log-log). */
#ifndef NT_KM_H
#define NT_KM_H

#include "core/nt_error.h"
#include "estimators/nt_surv.h"

typedef enum { NT_CONF_LOG = 0, NT_CONF_LOGLOG, NT_CONF_PLAIN } nt_conf_type;

typedef struct {
    long n;            /* rows: one per group and distinct exit time */
    int *group;        /* group code (d->strata), ascending, then time ascending */
    double *time;
    double *n_risk, *n_event, *n_censor;   /* weighted */
    long *n_risk_rows; /* unweighted rows at risk: the disclosure basis */
    double *surv, *se, *lower, *upper;     /* se of S */
    double *cumhaz, *std_chaz;
    int robust;        /* 1: infinitesimal jackknife variance was used */
} nt_km_result;

/* Groups are d->strata (NULL: one group). conf_level in (0, 1), e.g. 0.95. */
nt_status nt_km_fit(const nt_surv_data *d, nt_conf_type conf, double conf_level,
                    nt_km_result **out, nt_error *err);
void nt_km_result_free(nt_km_result *r);

typedef struct {
    double chisq;
    int df;            /* groups with rows - 1 */
    double p_value;
} nt_logrank_result;

/* Log-rank test of equal hazards across the groups d->strata (survdiff,
   rho = 0), k-group matrix form: U_g = sum_j (O_gj - E_gj),
   V_gh = sum_j d_j (n_j - d_j) / (n_j^2 (n_j - 1)) n_gj (delta_gh n_j - n_hj),
   chisq = U' V^- U over the first k-1 groups. Weighted counts when d->weight. */
nt_status nt_logrank_test(const nt_surv_data *d, nt_logrank_result *out, nt_error *err);

#endif
