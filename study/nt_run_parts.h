/* The parts of `netto run` (study/nt_run.h) and what they share; not a
   public API. The run goes
     nt_run.c         open the data, resolve programmes, load the panel, make
                      the subgroups, estimate, bootstrap, then the parts below;
     nt_run_paths.c   the post-estimation statistics of every path, computed
                      once (estimators/nt_summary.h): per-month SEs and
                      intervals, the cumulative path, the summary figures;
     nt_run_tables.c  the result tables, from those values;
     nt_run_plots.c   the plots, from the same values.
   Tables and plots leave the disclosure decision to report/nt_disclose.h,
   with the same bases (per month: nt_disclose_basis of the matched treated
   and controls used; per window: nt_run_window_basis), so a
   figure is in summary.csv exactly when its plot states it. */
#ifndef NT_RUN_PARTS_H
#define NT_RUN_PARTS_H

#include <stddef.h>
#include <stdint.h>

#include "data/nt_panel.h"
#include "data/nt_store.h"
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_summary.h"
#include "report/nt_manifest.h"
#include "study/nt_run.h"

#define NT_RUN_MAX_HORIZONS 5
#define NT_RUN_MULTIPLIER_DRAWS 999   /* [inference] method = linearised */

/* Post-estimation values of one (programme, subgroup, outcome) path. */
typedef struct {
    double *se, *lower, *upper;           /* [fixed * H + tau]: ATT (fixed 0), ATT_fixed (1); NaN none */
    double *band_lower, *band_upper;      /* [fixed * H + tau]: sup-t band (linearised inference); NaN none */
    double *cum, *cum_lower, *cum_upper;  /* [tau]: C(tau) of the ATT (negated when less is better)
                                             and its bootstrap band (NaN without one) */
    nt_summary fig[NT_RUN_MAX_HORIZONS];  /* the ATT's figures at each summary horizon */
    double net_benefit[NT_RUN_MAX_HORIZONS], net_benefit_se[NT_RUN_MAX_HORIZONS];
} nt_run_path;

typedef struct {
    const nt_study *st;
    const nt_pipeline_opts *o;
    nt_pipeline_report *rep;
    nt_manifest *m;
    char out[4096], priv[4200];
    nt_store *store;
    nt_panel *panel;
    nt_dyn_panel view;       /* the estimator's view of panel */
    int n_prog;
    int *prog_code;          /* type code per study programme; 0 = any */
    int n_groups;            /* 1 + subgroups' groups; group 0 = whole cohort */
    char **group_label;      /* "" for the whole cohort */
    uint8_t **member;        /* per group: n persons */
    double *fallback_cost;   /* per type code */
    nt_dyn_result **res;     /* [prog * n_groups + group] */
    double **reps, **reps_fixed; /* same index: B x n_outcomes x horizon, [(o * B + b) * H + tau] */
    long *rep_failed;        /* replicates whose estimate failed, per (prog, group) */
    long *included;          /* analysed persons */
    long n_included;
    int n_horizons;          /* summary horizons: 12, 24, 36, 60, horizon (those <= horizon) */
    int horizons[NT_RUN_MAX_HORIZONS];
    nt_run_path *path;       /* [(prog * n_groups + group) * n_outcomes + outcome] */
    nt_dyn_inference **inf;  /* [prog * n_groups + group]: [inference] method = linearised, else NULL */
} nt_run_state;

const char *nt_run_program(const nt_run_state *P, int pg);  /* of a (programme, group) index */
const char *nt_run_group(const nt_run_state *P, int pg);    /* "" for the whole cohort */
const char *nt_run_method(const nt_run_state *P);
double nt_run_ci_level(const nt_run_state *P);

/* The disclosure basis of a figure over months 0..h-1 of a (programme,
   group) estimate's ATT, from each month's matched treated and controls
   used (nt_disclose_window): summary.csv rows and the cumulative plots. */
long nt_run_window_basis(const nt_dyn_result *r, int h);

nt_status nt_run_paths_compute(nt_run_state *P, nt_error *err);
void nt_run_paths_free(nt_run_state *P);
nt_status nt_run_tables_write(nt_run_state *P, nt_error *err);
nt_status nt_run_plots_write(nt_run_state *P, nt_error *err);

/* Axis label and scale of a panel series' plot: cumulative 0 -> "Effect on
   the employment rate (percentage points)", scale 100; cumulative 1 ->
   "Cumulative effect (months employed)", scale 1. For on_benefit and
   on_index_benefit the cumulative label reads "months on benefit saved", as
   their cumulative path is negated. Unknown series: the name, scale 1. */
void nt_run_axis_label(const char *series, int cumulative, char *buf, size_t size, double *scale);

#endif
