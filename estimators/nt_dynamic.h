/* Dynamic (timing-aware) evaluation: the estimand of cli-and-results.md,
   "The dynamic estimand". For programme P and start month k (months since
   inflow):
     risk set   on the index benefit in k, observed in k, no programme
                started in months 0..k-1 (treat_month >= k or none);
     treated    risk set with treat_month = k and treat_type = P (P = 0: any);
     controls   risk set with treat_month != k (they may start later).
   One logit propensity model per start interval, fitted on the (unit, k)
   rows of its start months: person covariates, dummies for the month within
   the interval and, with history, months employed since inflow before k,
   then the time-varying covariates at k (tv, from a context table).
   Indicator columns whose rows are all control (or all treated) are dropped
   with those rows (they have no counterpart), as are constant columns.
   Matching (nn, radius, kernel) or weighting (ipw, aipw) within k on the
   logit score, caliper in SD of that score over the model's rows on support.

   Outcomes, month tau since start (calendar-aligned: month k + tau since
   inflow). A treated unit contributes to tau when it and at least one of its
   matched controls are observed in k + tau; control weights are renormalised
   over the observed ones. ATT_k(tau) is the mean over contributing treated;
   ATT(tau) = sum_k pi_k(tau) ATT_k(tau), pi_k(tau) proportional to the
   contributing treated at k (so ATT is the mean over all contributing
   treated). ATT_fixed uses only start months whose treated are all
   observable for the whole horizon by the data end.

   Units: the population is a list of units, each a person row of the panel;
   a bootstrap replicate passes a list with repeats and each copy is its own
   unit. */
#ifndef NT_DYNAMIC_H
#define NT_DYNAMIC_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_balance.h"
#include "estimators/nt_method.h"

/* The cohort as the estimator reads it (arrays, not owned; study/ fills it
   from data/nt_panel). Months are months since inflow. */
typedef struct {
    long n;                        /* persons */
    int months;                    /* panel months */
    const int32_t *treat_month;    /* first programme start while on the index benefit; -1 none */
    const int32_t *treat_type;     /* its type code (1-based); 0 none */
    const double *treat_cost;      /* its cost_eur; NaN missing */
    const int32_t *n_observed;     /* months 0..n_observed-1 are observed */
    const int32_t *admin_observed; /* months observable by the data end alone */
    int n_risk;                    /* months with risk-set data: 0..n_risk-1 */
    const uint8_t *on_index;       /* n x n_risk: on the index benefit in month k */
    const uint8_t *emp_before;     /* n x n_risk: months employed since inflow before k */
    int n_outcomes;
    const float *const *outcome;   /* n x months each, row-major; NaN censored */
    int p;                         /* model columns */
    const double *x;               /* n x p, column-major */
    const char *const *term;       /* p names */
    const int32_t *exact_cell;     /* n cell ids, or NULL */
    const uint8_t *included;       /* n: 0 if a numeric covariate is missing */
    /* 1: the outcomes are indexed by tau alone, the same for every start
       month, and never censored (placebo outcomes: pre-inflow month tau of
       a window, study/nt_run_placebo.c); months = the window's length. */
    int time_fixed;
    int n_tv;                      /* time-varying covariates measured at k (context table), model columns after history */
    const char *const *tv_term;    /* their names */
    const double *const *tv;       /* n x n_risk each: the value at start month k */
    /* ATT_never and IPCW (nt_dyn_ipcw.c): set by nt_dyn_estimate on its own
       copy of the view, NULL / 0 when given. never: a control is censored
       from its own programme start on. ls_start, ls_cens: n x months, the
       cumulative log survival sum_{s=1..t} log(1 - h(s)) against a
       programme start (where at risk of one) and against censoring. */
    int never;
    const double *ls_start, *ls_cens;
    /* ipcw_truncate: months x months, lcap_cens[k * months + t] the cap of
       log W(k, t) of the censoring weights (INFINITY none); NULL none. */
    const double *lcap_cens;
} nt_dyn_panel;


typedef struct {
    int program;            /* programme type code; 0 = any */
    int start_first, start_last, start_interval;  /* months since inflow */
    int horizon;            /* months since start followed: tau = 0..horizon-1 */
    nt_method method;
    int neighbors, replace; /* nn */
    double caliper;         /* SD of the logit score; 0 = none */
    nt_trim trim;
    int history;
    double radius_factor;   /* radius = factor x largest 1:1 NN distance */
    int bias_adjust;        /* radius: regression bias adjustment (Lechner, Miquel & Wunsch
                               2011; nt_dyn_adjust.c); ignored by the other methods */
    int adjust_per_col;     /* a month's regression needs this many units per column of
                               (1, D, x), else that month is not adjusted; default 10;
                               AIPW's outcome model likewise per column of (1, x), else
                               mu0 = 0 (the IPW contrast) in that start month and month */
    nt_kernel kernel;
    double bandwidth;       /* <= 0: rule of thumb */
    int ai_neighbors;       /* J for the Abadie-Imbens sigma^2 (per start month SEs) */
    long min_treated;       /* fewest treated for a propensity model: with pool_sparse a start
                               interval with fewer is pooled with the next (the previous at
                               the end); without, start months and intervals with fewer are
                               skipped; an estimation threshold, not disclosure control */
    int pool_sparse;        /* 1 (default): sparse intervals pooled, every start month with a
                               treated and a control estimated (issue 14 item 5) */
    const double *fallback_cost;  /* per type code: cost when cost_eur is missing (NaN none), or NULL */
    int full;               /* 1: also balance, models, per-start SEs (the main run) */
    /* Called at each start month (progress), or NULL. */
    void (*on_start_month)(void *progress, int k, int start_first, int start_last);
    void *progress;
    const struct nt_dyn_result_s *warm; /* a full-sample result whose interval models
                                           start this run's logits (bootstrap), or NULL */
    /* Frequency weights (bootstrap): unit u stands for unit_count[u] copies of
       its person, or NULL (1 each). The logit gets them as case weights,
       treated weigh by them in each month's mean and controls' weights are
       multiplied by them, which equals listing the copies except where
       different persons tie exactly on the score (they share a match by
       person, not by copy). Not for NN without replacement (copies must
       be matched one by one) nor Crump trimming (its threshold ignores
       them): list copies there. */
    const long *unit_count;
    /* Convergence of the logits (R's relative deviance change); 0: R's 1e-8.
       Bootstrap replicates use 1e-6: started from the full-sample fit they
       then stop an iteration earlier, and the coefficients move by far less
       than their standard errors, well inside the replicates' Monte Carlo
       error. */
    double glm_epsilon;
    /* The per-person linearisation (nt_dyn_infer.h) is accumulated here when
       not NULL: allocated by nt_dyn_lin_alloc for the panel's persons, the
       units distinct and unit_count NULL (a main run, not a replicate). */
    struct nt_dyn_lin_s *lin;
    /* The matched sets (estimators/nt_sens.h) are appended here when not
       NULL (matching methods; weighting keeps none). */
    struct nt_dyn_pairs_s *pairs;
    /* The weights at tau = 0 of every start month (treated and controls,
       estimators/nt_dyn_kw.h) are appended here when not NULL. */
    struct nt_dyn_kw_s *kw;
    /* ATT_never ("now vs never within the horizon"): controls censored at
       their own later programme start and weighted by 1 / P(no start in
       k+1..t | X, at risk), the att path then holds ATT_never (nt_dyn_ipcw.c). */
    int never;
    /* 1: inverse-probability-of-censoring weights on treated and controls
       (death, emigration, data end), 1 / P(observed in t | observed in k, X). */
    int censoring;
    /* The censoring hazard's model: 0 (block) a logit per 12 months since
       inflow with a dummy per month, the data end modelled with death and
       emigration; 1 (pooled) one logit over all months, covariates common
       to all months, a dummy per piece of 12 months, the data end not
       modelled (nt_dyn_cpool.c). */
    int censoring_model;
    /* With censoring: each censoring weight W_i(k, t) capped at the
       ipcw_truncate quantile of those of the persons observed in t
       (0.5 < q < 1; 0 = none; nt_dyn_ipcw.c). */
    double ipcw_truncate;
} nt_dyn_opts;

/* Balance of one model column: nt_balance_acc_row (nt_balance.h), the ATT
   conventions of `netto match` except that binary columns use their sample
   variance. */
typedef nt_balance_row nt_dyn_balance;

/* effects_by_start.csv leaves a (k, tau)'s se and interval empty below this
   many contributing treated: in the Monte Carlo their intervals covered
   34-49% (radius; the SE 0 in about half) and 77-83% (aipw), with 5-9
   treated 83-97% (docs/inference.md, "Small start months" and "no SE below
   5 treated"). The estimate stays; k_se and the pooled paths do not change. */
#define NT_DYN_KSE_MIN_TREATED 5
/* The propensity score's overlap (full run): rows on support counted in
   bins of the logit score, bin b = [LO + b WIDTH, LO + (b+1) WIDTH), the
   first and last bins also holding what lies below or above. */
#define NT_DYN_SCORE_BINS 80
#define NT_DYN_SCORE_LO (-14.0)
#define NT_DYN_SCORE_WIDTH 0.25

typedef struct {
    int first, last;        /* start months */
    int status;             /* 0 fitted; 1 skipped (see note) */
    int firth;              /* 1: the plain logit failed (separation, no convergence) and
                               Firth's penalised logit was fitted instead (note says why) */
    int pooled;             /* study intervals (start_interval months each) in this model: > 1 when
                               sparse ones were pooled (pool_sparse) */
    char note[640];
    long n_rows, n_treated_rows, n_rows_dropped, n_off_support;
    int p;
    char **term;            /* model terms ("(Intercept)", covariates, "start_month=k", "emp_since_inflow") */
    double *beta, *se;
    long n_treated_matched; /* treated with a match (weights for pooling) */
    long score_hist[2][NT_DYN_SCORE_BINS]; /* [0 controls, 1 treated][bin]: model rows on support */
    int n_bal;              /* balance rows: covariate terms (no intercept, no month dummies) */
    char **bal_term;
    nt_dyn_balance *bal;
} nt_dyn_interval;

typedef struct nt_dyn_result_s {
    int horizon, n_outcomes;
    double *att, *att_fixed;      /* [o * horizon + tau]; NaN undefined */
    long *n_treated;              /* [tau]: treated observed in k + tau */
    long *n_treated_matched;      /* [tau]: contributing treated */
    long *n_control_used;         /* [tau]: distinct controls with weight in contributing pairs */
    long *n_treated_fixed, *n_treated_matched_fixed, *n_control_used_fixed;
    long n_control;               /* distinct valid controls over the start months used */
    long n_treated_total;         /* treated over the start months used */
    long n_participants;          /* treated (unit, k) rows at risk over every start month, before any is
                                     dropped (column rule, trimming, skipped months): share_covered's base */
    double cost_mean;             /* mean treat_cost over matched treated (NaN if none known) */
    long n_cost_known;
    int n_k;                      /* start months */
    int *k_month;
    long *k_treated, *k_controls, *k_matched;
    int *k_skipped;               /* 0 used, 1 too few treated (pool_sparse: none kept, or fewer than
                                     min_treated over all start months), 2 no controls, 3 model failed */
    int *k_fixed;                 /* 1 if all matched treated of k are followed for the whole horizon */
    double *k_att, *k_se;         /* [(k * n_outcomes + o) * horizon + tau]; se: AI (nn), else with opts.lin the
                                     (k, tau) terms alone (nt_dyn_lin_matched; weighting: nt_dyn_kvar), else NaN;
                                     effects_by_start.csv shows it from NT_DYN_KSE_MIN_TREATED treated */
    long *k_contrib;              /* [k * horizon + tau] */
    double *k_wcontrib;           /* [k * horizon + tau]: with weights (never, censoring) the contributing
                                     treated's summed weights, the pooling weights over k; else NULL */
    int n_intervals;
    nt_dyn_interval *interval;
    int n_bal;                    /* pooled balance over intervals, weighted by matched treated */
    char **bal_term;
    nt_dyn_balance *bal;
    int n_skipped;                /* start months skipped */
    /* Disclosure facts (o->full only, else NULL; nt_dyn_facts.c): what
       report/nt_disclose judges a cell by. Counts and sums, no decisions.
       A control's weight v_j in ATT_k(tau) is its share of the control mean
       (the pair weights c_i w_ij / den_i summed over the contributing
       treated, or w_j / sum w; v sums to 1 over the controls). */
    long *k_control_used;         /* [k * horizon + tau]: controls with v_j > 0 */
    double *k_control_w2;         /* [k * horizon + tau]: sum of v_j^2 (Kish: n_eff = 1 / w2) */
    double *k_control_wmax;       /* [k * horizon + tau]: the largest v_j */
    /* [(((k * n_outcomes + o) * horizon + tau) * 2 + side) * 3 + e]: side 0
       the contributing treated (|y_i| copies), 1 the controls (v_j |y_j|);
       e 0 the sum, 1 the largest, 2 the second largest contribution. */
    double *k_dom;
    double cost_top[2];           /* the two largest treat_cost of the matched treated (0 none) */
    /* ATT_fixed's per-start-month arrays (nt_dyn_fixed.c): k_att, k_se,
       k_contrib, k_skipped and the disclosure facts over the treated of
       F_k; the other fields unused. NULL in results not from nt_dyn_estimate. */
    struct nt_dyn_result_s *fx;
    /* The censoring weights' tail per month tau (nt_dyn_wtail.c; IPCW with
       o->full or o->lin, else NULL): the persons observed in k + tau summed
       over start months k, the Kish effective number of their weights
       W(k, k + tau) pooled over k (each k's scaled to its persons); the
       largest weight's share of its (k, tau) sum, max over k. */
    double *wtail_n, *wtail_ess, *wtail_top;
} nt_dyn_result;

void nt_dyn_opts_default(nt_dyn_opts *o);

nt_status nt_dyn_estimate(const nt_dyn_panel *panel, const long *unit_person, long n_units,
                          const nt_dyn_opts *o, nt_dyn_result **out, nt_error *err);
void nt_dyn_result_free(nt_dyn_result *r);

#endif
