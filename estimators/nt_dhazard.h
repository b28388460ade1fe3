/* Discrete-time hazard models on person-period rows (one row per person and
   month at risk, y = 1 in the exit month):
     logit    logit h(t | x)            = a_t + x'b
     cloglog  log(-log(1 - h(t | x)))   = a_t + x'b   (grouped-time PH;
              b comparable to a Cox coefficient, Prentice & Gloeckler 1978)
   fitted by the binomial IRLS of estimators/nt_glm.h (R glm.fit). The
   baseline a_t is an intercept plus one dummy per period (duration dummies)
   or per piece of periods (cuts), the first period/piece the reference;
   a time-varying treatment indicator enters as one of the x columns.
   Mirrors glm(y ~ factor(piece) + x, family = binomial(link)).

   The person-period rows come from data/nt_pp.h (the cohort store, or a
   flat file with one row per person for `netto survival dhazard`). */
#ifndef NT_DHAZARD_H
#define NT_DHAZARD_H

#include "core/nt_error.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_stats.h"

typedef struct {
    nt_glm_link link;     /* NT_LINK_CLOGLOG */
    const double *cuts;   /* piece upper bounds, ascending: piece k = #cuts < period;
                             NULL: one dummy per distinct period */
    int n_cuts;
    const long *cluster;  /* n codes 0..n_clusters-1 (the person), or NULL */
    long n_clusters;
} nt_dhazard_opts;

typedef struct {
    int p;                /* 1 + (pieces - 1) + nx */
    char **term;          /* "(Intercept)", "period=3" or "piece=(2,4]", then the x names */
    int n_pieces;
    nt_glm_link glm_link;
    nt_glm_fit *glm;      /* beta, se, cov, loglik, ... in term order */
    /* With a cluster: sandwich::vcovCL(fit, cluster = ~id) (HC0 with the
       G/(G-1) adjustment): V = G/(G-1) C (sum_g s_g s_g') C, C = glm->cov,
       s_g = sum over the cluster's rows of w (y - mu) mu_eta / (mu (1 - mu)) x.
       NULL without a cluster. */
    double *robust_se;    /* p */
    double *robust_cov;   /* p x p */
    /* z, p_value, exp(estimate) (odds ratio for logit, hazard ratio for
       cloglog) and its 95% interval per term (estimators/nt_stats.h), on
       robust_se with a cluster and on glm->se otherwise. */
    nt_wald *wald;
    long *piece_events;   /* n_pieces, reference first: events (y = 1 rows) in each */
    /* "" or R's glm.fit warning "fitted probabilities numerically 0 or 1
       occurred" (some mu within 10 DBL_EPSILON of 0 or 1): the fit is still
       reported, as R does. */
    char warning[128];
} nt_dhazard_result;

/* x: n x nx column-major (may be NULL when nx = 0); w: case weights or NULL. */
nt_status nt_dhazard_fit(const double *period, const double *y, const double *x, int nx,
                         const char *const *xnames, const double *w, long n, const nt_dhazard_opts *o,
                         nt_dhazard_result **out, nt_error *err);
void nt_dhazard_result_free(nt_dhazard_result *r);

#endif
