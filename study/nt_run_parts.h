/* The parts of `netto run` (study/nt_run.h) and what they share; not a
   public API. The run goes
     nt_run.c         open the data, resolve programmes, load the panel, make
                      the subgroups, estimate, bootstrap, then the parts below;
     nt_run_paths.c   the post-estimation statistics of every path, computed
                      once (estimators/nt_summary.h): per-month SEs and
                      intervals, the cumulative path, the summary figures;
     nt_run_tables.c  the result tables, from those values;
     nt_run_report.c  the report (report.html, report.pdf, summary.md/.tex,
                      plots/), from the same values;
     nt_run_export.c  <out>/export/: the cleared tables and plots, a
                      manifest without paths and disclosure.txt (the
                      output-checking request), built aside and renamed.
   Tables and plots leave the disclosure decision to report/nt_disclose.h,
   with the same bases (per month: nt_disclose_basis of the matched treated
   and controls used; per window: nt_run_window_basis), so a
   figure is in summary.csv exactly when its plot states it. */
#ifndef NT_RUN_PARTS_H
#define NT_RUN_PARTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "data/nt_panel.h"
#include "data/nt_store.h"
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_summary.h"
#include "report/nt_disclose.h"
#include "report/nt_manifest.h"
#include "report/nt_report.h"
#include "report/nt_table.h"
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
    /* At each summary horizon h ("more is better" orientation): the month of
       the lock-in's deepest point in 0..h-1 (NaN none) with its percentile
       interval (linearised, full horizon only), and the band break-even:
       the first month from which the lower edge of the cumulative effect's
       simultaneous band stays above zero up to h-1 (linearised; NaN none). */
    double lockin_month[NT_RUN_MAX_HORIZONS], lockin_month_lower[NT_RUN_MAX_HORIZONS];
    double lockin_month_upper[NT_RUN_MAX_HORIZONS], breakeven_band[NT_RUN_MAX_HORIZONS];
    /* summary.csv's row at each horizon as written (nt_run_tables.c): the
       figures rounded and suppressed as the table shows them (NaN: not
       shown), for the report. */
    nt_summary shown[NT_RUN_MAX_HORIZONS];
    double shown_cost[NT_RUN_MAX_HORIZONS], shown_net[NT_RUN_MAX_HORIZONS];
    unsigned char *hidden;                /* [fixed * H + tau]: 1 if effects.csv suppresses the month (nt_run_tables.c) */
    long *mbasis;                         /* [fixed * H + tau]: that row's basis */
} nt_run_path;

/* What the disclosure rule did to one written table (disclosure.txt). */
typedef struct {
    char name[64];
    long rows, rows_suppressed, cells[NT_WHY_N];
} nt_run_table_note;

#define NT_RUN_MAX_TABLES 24

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
    unsigned char *group_rel; /* n_groups^2: NT_DISCLOSE_CONTAINS, NT_DISCLOSE_DISJOINT (nt_run_tables.c) */
    uint8_t **risk_mask;     /* per group: NULL, or the on_index a derived start-period group uses (nt_run_derived.c); NULL none */
    double *fallback_cost;   /* per type code */
    nt_dyn_result **res;     /* [prog * n_groups + group] */
    double **reps, **reps_fixed; /* same index: B x n_outcomes x horizon, [(o * B + b) * H + tau] */
    long *rep_failed;        /* replicates whose estimate failed, per (prog, group) */
    long *included;          /* analysed persons */
    long n_included;
    int n_horizons;          /* summary horizons: 12, 24, 36, 60, horizon (those <= horizon) */
    int horizons[NT_RUN_MAX_HORIZONS];
    nt_run_path *path;       /* [(prog * n_groups + group) * n_outcomes + outcome] */
    nt_run_table_note table_note[NT_RUN_MAX_TABLES];
    int n_table_notes;
    char **files;            /* the written aggregates, relative to out (export/ copies them) */
    int n_files;
    char **detail;           /* the warnings word for word, exact counts: private/warnings.txt */
    int n_detail;
    nt_dyn_inference **inf;  /* [prog * n_groups + group]: [inference] method = linearised, else NULL */
    struct nt_toe_compare *toe; /* method = toe: study/nt_toe_run.h, else NULL */
    double infer_seconds;    /* of the estimate stage: the linearisation's terms and the multiplier bootstrap */
    struct nt_cb_state *cb;  /* the cost-benefit (study/nt_cost_benefit.h); its series extend view */
    int out_fd;              /* the output folder, locked for this run (nt_run_out.c); -1 none */
    FILE *ckpt;              /* private/bootstrap.ckpt being appended to (nt_run_ckpt.c), or NULL */
    struct nt_cred_state *cred; /* placebo and sensitivity (study/nt_run_cred.h), or NULL */
    double **ctx_tv;         /* context variables at k, n x n_risk each (nt_run_context.c); view.tv */
    int n_ctx_tv;
    struct nt_ttw_state *ttw; /* [outcomes] time_to_work (nt_run_ttw.c), or NULL */
    /* [estimator] never = yes (nt_run_never.c): the ATT_never estimate and its
       linearised inference per (prog, group), or NULL */
    nt_dyn_result **res_never;
    nt_dyn_inference **inf_never;
} nt_run_state;

/* [estimator] never = yes: ATT_never of (programme, group) pg with the
   main estimate's options d on the units (nt_run_never.c); its effects.csv
   rows (after every ATT and ATT_fixed row); freeing. */
nt_status nt_run_never_estimate(nt_run_state *P, int pg, const nt_dyn_opts *d, const nt_dyn_panel *view,
                                const long *units, long nu, nt_error *err);
nt_status nt_run_never_rows(const nt_run_state *P, nt_table *t, nt_error *err);
/* summary.csv's ATT_never rows (estimand column ATT_never): the cumulative
   effect, lock-in and break-even with the linearised intervals. */
nt_status nt_run_never_summary_rows(const nt_run_state *P, nt_table *t, nt_error *err);
/* The disclosure basis of ATT_never's months 0..h-1 of pg: the smallest
   min(contributing treated, controls used) of its months. */
long nt_run_never_window_basis(const nt_run_state *P, int pg, int h);
void nt_run_never_free(nt_run_state *P);

/* [estimator] context: reads [data] context and fills view.tv (nt_run_context.c). */
nt_status nt_run_context_load(nt_run_state *P, nt_error *err);
/* The context table: the study's [data] context file, else the store's
   (*c NULL without either); *path names it in messages. */
struct nt_context;
nt_status nt_run_context_table(const nt_run_state *P, struct nt_context **c, const char **path, nt_error *err);
void nt_run_context_free(nt_run_state *P);

const char *nt_run_program(const nt_run_state *P, int pg);  /* of a (programme, group) index */
const char *nt_run_group(const nt_run_state *P, int pg);    /* "" for the whole cohort */
const char *nt_run_method(const nt_run_state *P);
double nt_run_ci_level(const nt_run_state *P);

/* Secondary suppression of a run's table across its subgroup column,
   with the groups' relations (nt_table_set_margin, nt_table_set_groups). */
void nt_run_set_margin(const nt_run_state *P, nt_table *t, const char *ignore);
/* 1 if month tau of series oc (an index of the view: the cost-benefit
   series too) of ATT(tau) (fixed: ATT_fixed(tau)) is dominated by one or two persons on either
   side ([disclosure] dominance_top1/top2). */
/* effects.csv's limits beyond the counts (pooled controls, dominance) of
   an ATT-type row of r just added; -1 out of memory. */
int nt_run_effects_limits(const nt_run_state *P, nt_table *t, const nt_dyn_result *r, int oc, int tau);
int nt_run_month_dominated(const nt_run_state *P, int pg, int oc, int tau, int fixed);
/* The disclosure basis of a figure over months 0..h-1 of a (programme,
   group) path's ATT (fixed: ATT_fixed): 0 if effects.csv suppresses any of those months,
   else the smallest of their bases (LONG_MAX if none has a number): summary.csv
   rows and the cumulative plots. After nt_run_tables_write's effects. */
long nt_run_window_basis(const nt_run_state *P, int pg, int oc, int h, int fixed);

nt_status nt_run_paths_compute(nt_run_state *P, nt_error *err);
void nt_run_paths_free(nt_run_state *P);
nt_status nt_run_tables_write(nt_run_state *P, nt_error *err);
/* report.html, report.pdf, summary.md/.tex and plots/ (nt_run_report.c). */
nt_status nt_run_report_write(nt_run_state *P, nt_error *err);
/* The disclosure basis of a pooled ("all") balance.csv row of a (programme,
   group) estimate, as that table has it (0 for a dominated mean); *binary: a 0/1 term. */
long nt_run_balance_basis(const nt_run_state *P, const nt_dyn_result *r, const char *term, int *binary);
/* differences.csv (nt_run_diff.c): with linearised inference and more than
   one programme or a [subgroups] line (nt_run_diff_wanted), from the
   per-person functionals each estimate keeps at the horizons of
   nt_run_diff_horizons (12, 24, 36, 60, horizon; those within it). */
int nt_run_diff_wanted(const nt_run_state *P);
int nt_run_diff_horizons(const nt_run_state *P, int *h);
nt_status nt_run_differences_write(nt_run_state *P, nt_error *err);

/* Derived subgroup variables (nt_run_derived.c): job_chance (cross-fitted
   predicted job chance at inflow) and start_year (calendar year of the
   start), when the cohort has no column of that name. groups fills labels
   and members of subgroup line v's groups g0.. (and risk_mask for
   start_year; job_chance writes job_chance.csv). group_view: the
   estimator's view for group g (P->view, or a copy in buf with the group's
   risk-set mask). */
int nt_run_derived_is(const nt_run_state *P, const char *variable);
/* Rows [first, first + cnt) of a series (n x months, as the store's
   nt_store_read_rows): from the panel when loaded as an outcome, else from
   the store (nt_cost_benefit.c), so no series is read twice. */
nt_status nt_run_series_rows(const nt_run_state *P, long first, long cnt, nt_series series, double *buf,
                             nt_error *err);
nt_status nt_run_derived_groups(nt_run_state *P, int v, int g0, nt_error *err);
const nt_dyn_panel *nt_run_group_view(const nt_run_state *P, int g, nt_dyn_panel *buf);
/* A column of the context table as a subgroup variable (nt_run_ctxgroups.c):
   the circumstances at the start, x_i(k) in the person's KEY in calendar
   month inflow + k; groups low, mid, high (terciles at the programme
   starts) or ranges, with risk_mask; writes context_groups.csv. is: a
   context table is named and the cohort has no such column. */
int nt_run_ctxgroup_is(const nt_run_state *P, const char *variable);
/* The report's "for whom and when" chapter (nt_run_when.c): with a
   [subgroups] line, from the report's paths and differences.csv and
   effects_by_start.csv as written; *out NULL: no chapter. get: its
   nt_report_chapter; free after nt_report_write. */
struct nt_run_when;
nt_status nt_run_when_chapter(const nt_run_state *P, const nt_report *r, struct nt_run_when **out, nt_error *err);
const nt_report_chapter *nt_run_when_get(const struct nt_run_when *W);
void nt_run_when_free(struct nt_run_when *W);
nt_status nt_run_ctxgroup_groups(nt_run_state *P, int v, int g0, nt_error *err);

/* The estimator's options of programme pi as the main estimate has them
   (full: a main estimate, not a replicate). */
void nt_run_dyn_opts(const nt_run_state *P, int pi, int full, nt_dyn_opts *d);
/* comparisons.csv (nt_run_compare.c): with [treatment] compare = yes, each
   ordered pair of programmes among the participants of the first
   (Lechner 2001), linearised inference. */
nt_status nt_run_compare_write(nt_run_state *P, nt_error *err);
/* Refuses compare = yes with fewer than two programmes other than `any`. */
nt_status nt_run_compare_check(const nt_run_state *P, nt_error *err);
/* benchmark.csv and plots/benchmark_<programme>.png (nt_run_benchmark.c):
   with [benchmark] by, effects per unit with empirical-Bayes shrinkage;
   check: the variable is a categorical one of the cohort. */
nt_status nt_run_benchmark_check(const nt_run_state *P, nt_error *err);
nt_status nt_run_benchmark_write(nt_run_state *P, nt_error *err);

/* Records a written aggregate file (relative to out) for export/. */
nt_status nt_run_file_add(nt_run_state *P, const char *rel, nt_error *err);
/* Records table `name` (written with P->st->min_cell) and its suppressions. */
nt_status nt_run_disclosure_note(nt_run_state *P, const char *name, const nt_table *t, nt_error *err);
/* Removes a former run's export/ and unfinished .export-* folders (called
   before anything is written, so a failed run leaves no export/). */
nt_status nt_run_export_clear(const char *out, nt_error *err);
/* Locks the output folder and clears the previous result set (nt_run_out.c);
   resume: the folder must hold an unfinished run, whose private/ is kept. */
nt_status nt_run_out_claim(nt_run_state *P, int overwrite, int resume, nt_error *err);
void nt_run_out_release(nt_run_state *P);
/* The bootstrap checkpoint (nt_run_ckpt.c): open (with --resume, load the
   finished replicates into P->reps, P->reps_fixed, P->rep_failed and mark
   them in done[B]), append one replicate (call under a critical section),
   close (complete: remove it). */
nt_status nt_run_ckpt_open(nt_run_state *P, char *done, long *n_done, nt_error *err);
void nt_run_ckpt_add(nt_run_state *P, int b, const uint8_t *failed);
void nt_run_ckpt_close(nt_run_state *P, int complete);
/* Refuses programme or subgroup-variable names whose report files would
   collide or be too long, before anything is estimated or written. */
nt_status nt_run_report_names_check(const nt_run_state *P, nt_error *err);
/* Builds the export folder aside, in tmp (size >= 4300): nothing when
   min_cell = 0 (tmp[0] = 0). Records the disclosure settings and checks in
   the manifest (cleared_for_export false at the top level). */
nt_status nt_run_export_build(nt_run_state *P, char *tmp, size_t size, nt_error *err);
/* Renames the built folder to <out>/export. */
nt_status nt_run_export_commit(nt_run_state *P, const char *tmp, nt_error *err);
void nt_run_export_free(nt_run_state *P);

/* method = toe (study/nt_toe_run.h): fits, simulates and writes the toe
   tables and plots after the run's own tables; frees P->toe. */
nt_status nt_toe_run(nt_run_state *P, nt_error *err);
void nt_toe_run_free(nt_run_state *P);
/* The report's matching-vs-toe chapter from P->toe, disclosed
   (study/nt_toe_report.c); *keep owns it and its numbers until freed. */
typedef struct nt_toe_report_data nt_toe_report_data;
nt_status nt_toe_report_build(const nt_run_state *P, const nt_report_chapter **out, nt_toe_report_data **keep,
                              nt_error *err);
void nt_toe_report_free(nt_toe_report_data *d);
/* The credibility checks (study/nt_run_cred.h, docs/credibility.md):
   placebo.csv and sensitivity.csv after the main estimates, with the
   estimate's own options (nt_run_dyn_opts) and warnings (nt_run_warn). */
struct nt_cred_state *nt_run_cred(nt_run_state *P, nt_error *err);
void nt_run_cred_free(nt_run_state *P);
nt_status nt_run_placebo(nt_run_state *P, nt_error *err);
nt_status nt_run_sensitivity(nt_run_state *P, nt_error *err);
/* The simulated confounder's rows of sensitivity.csv (nt_run_imn.c,
   [credibility] confounder = yes) into t. */
nt_status nt_run_confounder(nt_run_state *P, nt_table *t, nt_error *err);
/* Refuses a confounder_like entry that names no variable of the cohort or
   no level of it, before anything is estimated. */
nt_status nt_run_confounder_check(const nt_run_state *P, nt_error *err);
/* The report's credibility chapter (nt_run_cred_fig.c): 1 and *chapter
   set when a check ran, else 0. Its figures are plots/<programme>/credibility. */
int nt_run_cred_chapter(nt_run_state *P, const nt_report_chapter **chapter);
/* The matched sets to keep of programme pi, group g's estimate
   ([credibility] sensitivity = yes, matching), or NULL. */
struct nt_dyn_pairs_s *nt_run_sens_pairs(nt_run_state *P, int pi, int g);
void nt_run_dyn_opts(const nt_run_state *P, int pi, int full, nt_dyn_opts *d);
void nt_run_warn(nt_run_state *P, const char *msg);
/* IPCW's heavy-tail warning (nt_run_wtail.c): the months whose censoring
   weights' effective number is below NT_WTAIL_RATIO of the persons
   observed (the count; *first, *worst and its ratio; -1 none), and the
   warning's text into buf (1 when there is one). */
#define NT_WTAIL_RATIO 0.20
int nt_run_wtail_months(const nt_dyn_result *r, int horizon, int *first, int *worst, double *worst_ratio);
int nt_run_wtail_text(const nt_dyn_result *r, int horizon, const char *prog, const char *group, char *buf, size_t size);
/* The warnings of the main estimate's results: per subgroup, the programmes
   with the same flagged months named together in one (a/b/c). */
void nt_run_wtail_warn(nt_run_state *P, int horizon);

/* Time to work (nt_run_ttw.c, [outcomes] time_to_work): prepare after the
   panel and groups (checks the employed series, opens the private files),
   the weights store of a (programme, group) estimate (NULL when off), the
   tables after the estimates, the report chapter, free. */
nt_status nt_run_ttw_prepare(nt_run_state *P, nt_error *err);
struct nt_dyn_kw_s *nt_run_ttw_kw(nt_run_state *P, int pg);
/* After estimate pg: its curves and its rows of the private files; frees its weights. */
nt_status nt_run_ttw_collect(nt_run_state *P, int pg, nt_error *err);
nt_status nt_run_ttw_write(nt_run_state *P, nt_error *err);
int nt_run_ttw_chapter(nt_run_state *P, const nt_report_chapter **chapter);
void nt_run_ttw_free(nt_run_state *P);

#endif
