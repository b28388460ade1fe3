/* Cox proportional hazards by partial likelihood, as R survival 3.5
   coxph (coxfit6 / agfit4): (time, event) or counting-process (start, stop]
   rows, strata, case weights, Efron (R's default) or Breslow ties, robust
   (Lin-Wei sandwich) variance clustered on an id.

   Risk score r_i = w_i exp(x_i'b). At an event time t of a stratum with
   tied events D (m rows, weighted count d), risk set R (start < t <= stop):
     Breslow  l += sum_D w x'b - d log S0,           S0 = sum_R r
     Efron    l += sum_D w x'b - (d/m) sum_{k<m} log(S0 - (k/m) sum_D r)
   Score and information use the matching weighted means and covariances of
   x. Newton-Raphson from b = 0 with step halving when l decreases; converged
   when |1 - l_old / l_new| <= eps (1e-9) on a full step; at most iter_max
   (20) iterations; Cholesky tolerance toler_chol (DBL_EPSILON^0.75).

   Computation: rows sorted once by (stratum, stop) and (stratum, start);
   each iteration sweeps times downward adding rows at their stop and
   removing them at their start (agreg's two index lists), keeping S0, S1, S2
   as running sums: O(n p^2) per iteration, O(n log n) once. Covariates are
   centred and scaled as R's (mean absolute deviation 1; -1/0/1 columns
   unscaled), so the singularity test (LDL pivot < toler_chol x largest
   diagonal) does not depend on a covariate's unit; results are reported on
   the covariates' own scale. max(x'b) is subtracted before exp().

   Robust variance: score residuals U_i (Efron-adjusted as R's), dfbeta
   D_i = w_i U_i V, summed within cluster: V_r = sum_c D_c' D_c.

   Warnings (fit still reported, as R does): no convergence in iter_max
   iterations; "Loglik converged before variable X; coefficient may be
   infinite" (R's toler.inf rule). Errors: a covariate that is a linear
   combination of others (or constant within every stratum), no events,
   a non-finite likelihood. */
#ifndef NT_COX_H
#define NT_COX_H

#include "core/nt_error.h"
#include "estimators/nt_stats.h"
#include "estimators/nt_surv.h"

typedef enum { NT_TIES_EFRON = 0, NT_TIES_BRESLOW = 1 } nt_cox_ties;

typedef struct {
    nt_cox_ties ties;    /* Efron */
    int iter_max;        /* 20 */
    double eps;          /* 1e-9 */
    double toler_chol;   /* DBL_EPSILON^0.75 */
    double toler_inf;    /* sqrt(eps) */
} nt_cox_opts;

void nt_cox_opts_default(nt_cox_opts *o);

typedef struct {
    int p;
    double *coef;          /* p */
    double *se;            /* p, model-based */
    double *var;           /* p x p, inverse information */
    double *robust_se;     /* p, NULL without clusters */
    double *robust_var;    /* p x p, NULL without clusters */
    double loglik_null, loglik;
    double score_chisq;    /* at b = 0, model-based */
    double wald_chisq;     /* b' V^-1 b with the robust V when clustered (as R) */
    double lr_chisq;
    int df;
    int iterations;
    int converged;
    long n, n_events;      /* rows used, event rows (unweighted) */
    long n_clusters;
    int *infinite;         /* p flags: the "may be infinite" rule */
    char warning[512];     /* "" or R's warning, with term names */
    /* z, p_value, hazard ratio exp(coef) and its 95% interval per
       coefficient (estimators/nt_stats.h), on robust_se when clustered and
       on se otherwise, as R's summary.coxph. */
    nt_wald *wald;
} nt_cox_result;

/* x: n x p column-major (x[j * n + i]); terms: p names (for messages), may
   be NULL. cluster: n codes 0..n_clusters-1 or NULL (no robust variance). */
nt_status nt_cox_fit(const nt_surv_data *d, const double *x, int p, const char *const *terms,
                     const long *cluster, long n_clusters, const nt_cox_opts *opts,
                     nt_cox_result **out, nt_error *err);
void nt_cox_result_free(nt_cox_result *r);

#endif
