/* One report per study: <out>/report.html (self-contained: figures as
   inline SVG, embedded CSS, no external file, script or font),
   <out>/report.pdf (A4, several pages), summary.md / summary.tex (the
   headline and "for whom" tables) and the figures the report shows under
   <out>/plots/ (PNG and PDF), all from the plain numbers below.

   study/ gathers the numbers (study/nt_run_report.c) and has already put
   every one through report/nt_disclose: a number that may not be shown is
   NaN here with its `hidden` flag set, an undefined one NaN without it, so
   the report prints "x" (not shown) or "–" (none) and draws neither. The
   report itself decides nothing about disclosure; its files are listed
   for export/ like every table (the same rule, already applied). */
#ifndef NT_REPORT_H
#define NT_REPORT_H

#include "core/nt_error.h"
#include "report/nt_doc.h"
#include "report/nt_lang.h"

#define NT_REPORT_MAX_H 5

/* A number with its interval; hidden: suppressed by disclosure control. */
typedef struct {
    double est, lower, upper;
    int hidden;
} nt_report_value;

/* One (programme, subgroup, outcome): its paths over months 0..H-1 (NaN:
   not drawn) and its figures. */
typedef struct {
    const double *est, *lower, *upper;        /* monthly effect, outcome's scale; pointwise interval */
    const double *band_lower, *band_upper;    /* simultaneous band, or NULL */
    const double *cum, *cum_lower, *cum_upper;/* cumulative ("more is better"), its band or NULL */
    nt_report_value cum_at[NT_REPORT_MAX_H];  /* the cumulative effect at each horizon */
    nt_report_value lockin_depth, lockin_month, lockin_length, breakeven, net_benefit; /* at the horizon */
    int breakeven_net;   /* breakeven is the net break-even (earnings: the effect net of the programme's cost) */
} nt_report_path;

/* One covariate row of the pooled balance (whole cohort): means of
   participants and non-participants (before matching), SMDs before and
   after; binary: a 0/1 characteristic (shown as a percentage). */
typedef struct {
    const char *term;
    double mean_treated, mean_control, smd_before, smd_after;  /* NaN: not shown */
    int binary;
} nt_report_balance;

typedef struct {
    const char *name;
    int n_bal;
    const nt_report_balance *bal;
    /* Overlap: shares (%) of participants' and non-participants' model rows
       in bins of the logit score from score_lo, width score_width; NaN: a
       bin not shown. */
    int n_bins;
    double score_lo, score_width;
    const double *share_treated, *share_control;
    int n_skipped, n_start;   /* start months skipped of those studied (whole cohort) */
    nt_report_value n_control;/* distinct non-participants compared with (published count) */
} nt_report_program;

typedef struct {
    const char *name;    /* "education" */
    int first, count;    /* its groups: indices first..first+count-1 (group 0 = whole cohort) */
} nt_report_variable;

typedef struct nt_report nt_report;

/* A further chapter (placebo tests, sensitivity, timing of events, ...):
   compose adds its blocks to the report with the nt_doc.h calls
   (nt_doc_heading(doc, 1, ...) first; tables and figures are numbered,
   get the source line and, for figures, their files plots/<file>.png/.pdf
   like every other); the words come from nt_lang.h, the numbers through
   nt_report_fmt-like rounding of the caller's own. Chapters follow the
   "for whom" chapters, before the diagnostics, in the order given. */
typedef struct {
    void (*compose)(nt_doc *doc, const nt_report *r, const void *data);
    const void *data;
} nt_report_chapter;

struct nt_report {
    nt_lang lang;
    const char *source;          /* NULL: "own computations with netto VERSION, study NAME" */
    /* The study, as stated on its first page (already formatted). */
    const char *name, *version, *cohort, *inflow, *start_months, *estimator, *inference, *data_end,
        *persons, *seed, *disclosure;
    int interval_kind;           /* 0 none, 1 analytic (nn), 2 bootstrap percentile, 3 linearised + sup-t band */
    int replicates;              /* bootstrap replicates (kind 2) */
    double ci_level;
    long min_cell;               /* for the "not shown" note */
    int horizon, n_horizons, horizons[NT_REPORT_MAX_H];
    int n_programs, n_groups, n_outcomes;
    const nt_report_program *program;
    const char *const *group;        /* labels, "" for the whole cohort */
    const char *const *outcome;      /* series names */
    const int *less_is_better;       /* per outcome */
    int n_variables;
    const nt_report_variable *variable;
    const nt_report_path *path;      /* [(prog * n_groups + group) * n_outcomes + outcome] */
    const nt_report_value *n_treated;/* [prog * n_groups + group]: published count */
    const nt_report_value *cost;     /* [prog * n_groups + group] */
    int any_prog;                    /* the programme `any` (its controls: the non-participants), or -1 */
    int n_warnings;
    const char *const *warnings;
    int n_chapters;                  /* further chapters (above), 0: none */
    const nt_report_chapter *chapter;
};

/* Called for every file written, relative to out ("report.html",
   "plots/scholing/effects.png"), so the caller can list it for export/. */
typedef nt_status (*nt_report_file_fn)(void *ctx, const char *rel, nt_error *err);

/* Test hook: every text a figure draws (PNG rendering), with the PNG's
   path. NULL: none. */
typedef void (*nt_report_text_fn)(void *ctx, const char *png_path, const char *text);

/* Refuses names (programmes or subgroup variables, "kind" in the message)
   whose plot files would collide (case-insensitively, after mapping to
   file-name characters), be only dots, or not fit a file name; where: the
   study file, for the message. */
/* A file-name part of the report's plots/ layout: letters, digits, '-', '.',
   '_' kept, others '_' (truncated to size). */
void nt_report_file_part(const char *s, char *buf, size_t size);
nt_status nt_report_names_check(const char *const *name, int n, const char *kind, const char *where, nt_error *err);

nt_status nt_report_write(const nt_report *r, const char *out, nt_report_file_fn on_file, void *file_ctx,
                          nt_report_text_fn on_text, void *text_ctx, nt_error *err);

#endif
