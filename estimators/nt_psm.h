/* Cross-sectional propensity-score estimation, one row per person: the
   engine behind `netto match`. On plain arrays: the model matrix x (n x p,
   column-major, intercept first), treatment flags, outcomes (n x nout,
   column-major), optional exact-match cell ids. Steps:
     1. separation check on categorical cells, logit by IRLS (nt_glm);
     2. the distance score: eta (logit) or the probability;
     3. common support (none, minmax, crump) on the probability;
     4. caliper = caliper_sd x sd(score) over the units kept;
     5. the estimator (nn, radius, kernel, ipw, aipw) for ATT or ATE;
     6. standard errors (see each method in docs/match.md), balance;
     7. optionally B bootstrap replicates resampling persons with stream
        (seed, b + 1); each redoes 1-5; replicates run in parallel and are
        combined in replicate order (same result for any thread count). */
#ifndef NT_PSM_H
#define NT_PSM_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_balance.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_match.h"
#include "estimators/nt_weight.h"

typedef enum { NT_DIST_LOGIT = 0, NT_DIST_PROBABILITY } nt_distance;

typedef struct {
    nt_method method;    /* NN */
    nt_estimand estimand;    /* ATT */
    nt_match_opts match;     /* neighbors 1, no replacement, largest first; match.caliper unused;
                                match.tie_scale < 0: R Matching's tie rule with the scale
                                resolved to the sd of the score over the units kept */
    double caliper_sd;       /* caliper in SD of the distance; 0 = none */
    nt_distance distance;    /* LOGIT */
    nt_trim trim;            /* NONE */
    nt_kernel kernel;        /* EPANECHNIKOV */
    double bandwidth;        /* 0 = Silverman's rule */
    double radius_factor;    /* 1.5 */
    int ai_j;                /* 2: same-arm neighbours for sigma^2 */
    int ps_adjust;           /* nn: add the Abadie-Imbens (2016) term for the estimated score (0) */
    int ps_adjust_l;         /* 4: neighbours for its local covariances */
    int bootstrap;           /* B, 0 = none */
    uint64_t seed;           /* 1 */
} nt_psm_opts;

typedef struct {
    double estimate, se, ci_lower, ci_upper;  /* 95%: percentile with a bootstrap, else est +- 1.959964 se */
    double se_analytic;                       /* the analytic SE also when a bootstrap ran */
    double se_unadjusted;                     /* nn: the AI (2006) SE without the 2016 term */
    long n_treated, n_control, n_treated_matched, n_control_used;
} nt_psm_effect;

typedef struct {
    long n;
    int p, nout;
    nt_glm_fit *glm;
    double *pscore;          /* n probabilities */
    double *score;           /* n distance scores */
    uint8_t *skip;           /* n: 1 = off support */
    double *weight;          /* n unit weights after matching/weighting (0 = not used) */
    nt_matchset *att;        /* matching methods: treated -> controls (NULL otherwise) */
    nt_matchset *atc;        /* ATE: controls -> treated */
    long n_treated, n_control;
    long dropped_support_treated, dropped_support_controls;
    long unmatched_treated, unmatched_controls;   /* no match within caliper / kernel mass */
    double caliper;          /* in score units (0 none) */
    double score_sd;         /* sd of the score over the units kept */
    double tie_scale;        /* resolved tie scale (0: plain rule) */
    double trim_lo, trim_hi; /* kept interval of the probability */
    double radius, bandwidth;
    const char *se_method;   /* "abadie-imbens", "abadie-imbens-2016", "influence-function", "bootstrap" */
    int ps_adjust_negative;  /* outcomes where the 2016 term made the variance <= 0 (unadjusted SE kept) */
    int bootstrap_done, bootstrap_failed;
    nt_psm_effect *effects;  /* nout */
    nt_balance_row *balance; /* p - 1 rows (every term but the intercept) */
    double ess[2];
} nt_psm_result;

void nt_psm_opts_default(nt_psm_opts *o);

/* terms / var_of_term: as nt_design (term names for messages, variable of
   each term, -1 for the intercept); cell may be NULL. */
nt_status nt_psm_estimate(const double *x, long n, int p, const char *const *terms,
                          const int *var_of_term, const uint8_t *treated, const double *y,
                          int nout, const long *cell, const nt_psm_opts *o,
                          nt_psm_result **out, nt_error *err);
void nt_psm_result_free(nt_psm_result *r);

#endif
