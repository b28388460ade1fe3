/* The study file of `netto run` (spec: cli-and-results.md, "The study file";
   reference: docs/study-file.md). INI syntax read with libinih through a
   line-counting reader, so every key keeps its physical line. Every key is
   one row of study/nt_study_keys.c (section, name, type, field, default,
   bounds, message): the defaults below are written there, once.

   Every problem is NT_EINPUT with err->file = the study file and err->line =
   the offending key's line (for a missing required key: its section's
   header line, 0 if the section is absent): unknown sections or keys,
   duplicate keys, bad values, missing required keys, inconsistent [data].
   A typo never falls back to a default.

   Paths in the file are relative to the study file's folder; the struct
   holds them resolved (joined to that folder, absolute paths kept).
   Months: start_first/start_last are elapsed months on the index benefit
   (months since inflow); horizon is months since programme start; inflow
   months are calendar month numbers (nt_date.h). */
#ifndef NT_STUDY_H
#define NT_STUDY_H

#include <stdint.h>
#include "core/nt_date.h"
#include "core/nt_error.h"
#include "estimators/nt_method.h"
#include "report/nt_manifest.h"

/* One group of a subgroup variable: a level ("low") or an inclusive
   numeric range ("45-64" -> lo 45, hi 64). */
typedef struct {
    char *value;   /* as written, e.g. "low", "45-64" */
    char *label;   /* "variable=value", e.g. "education=low" */
    int is_range;
    double lo, hi; /* is_range only */
} nt_study_group;

typedef struct {
    char *variable;
    int n_groups;
    nt_study_group *groups;
    int is_range;  /* all groups are ranges (a line never mixes the two) */
    long line;
} nt_study_subgroup;

typedef struct {
    char *program;
    double euros;  /* per participant, >= 0 */
    long line;
} nt_study_cost;

typedef struct nt_study_priv nt_study_priv;

/* Every key's default, bounds and message are in its row of the table in
   study/nt_study_keys.c (and docs/study-file.md); the comments here say
   what a field holds, not its default. */
typedef struct {
    char *path;            /* the study file as given */
    char *dir;             /* its folder ("" when none) */

    /* [study] */
    char *name;            /* required */
    uint64_t seed;
    char *out;             /* resolved against dir */

    /* [data]: the four spell files or a store, never both */
    char *persons_path, *benefits_path, *programs_path, *jobs_path; /* NULL with a store */
    char *store_path;      /* NULL with spell files */
    nt_day data_end;       /* NT_DAY_NONE: as in the data contract */
    int lenient;
    int cp1252;            /* encoding: 0 utf-8, 1 cp1252 */
    char decimal;          /* '.' or ',' */
    char *person_key;      /* NULL: person_id; "A+B" composite */
    int ignore_unknown_persons;

    /* [cohort] (absent with a store) */
    int n_schemes;
    char **schemes;
    int inflow_from, inflow_to;  /* calendar month numbers; 0 with a store */

    /* [treatment] */
    int n_programs;
    char **programs;       /* required; "any" = any programme */
    int start_first, start_last;  /* elapsed months on the index benefit */
    int start_interval;    /* start months pooled per propensity model */
    int horizon;           /* months since programme start */
    int compare;           /* comparisons.csv: programme against programme (study/nt_run_compare.c) */
    char *benchmark_by;    /* [benchmark] by: benchmark.csv per unit of this variable (study/nt_run_benchmark.c); NULL none */

    /* [estimator] */
    nt_method method;
    int neighbors;
    double caliper;        /* SD of the logit PS; 0 = none */
    int replace;
    int n_covariates;
    char **covariates;
    int history;
    int n_exact;
    char **exact;          /* n_exact 0: none */
    int calendar;          /* nt_calendar (data/nt_calendar.h): exact on the inflow quarter / month */
    int n_context;
    char **context;        /* variables of the context table used at k (0: none) */
    char *context_file;    /* [data] context: the context table (data/nt_context.h); NULL none */
    nt_trim trim;
    nt_kernel kernel;      /* extension */
    double bandwidth;      /* extension; 0 = rule of thumb */
    double radius_factor;  /* extension */
    int bias_adjust;       /* radius: regression bias adjustment (issue 14) */
    int never;             /* also ATT_never (now vs never within the horizon; issue 14) */
    int censoring;         /* 0 none, 1 ipcw: inverse-probability-of-censoring weights (issue 14) */
    double ipcw_truncate;  /* censoring weights capped at this quantile per (start month, month); 0 = none */
    int censoring_model;   /* the censoring hazard: 0 block (a logit per 12 months), 1 pooled (nt_dyn_cpool.c) */
    int ai_neighbors;      /* extension; Abadie-Imbens J */
    long min_treated;      /* fewest treated per propensity model (pool_sparse) or per start
                              month (without); not a disclosure rule */
    int pool_sparse;       /* sparse start intervals pooled, no start month skipped for
                              sparseness (issue 14 item 5) */
    /* method = toe (study/nt_toe_run.h, docs/toe.md): the timing-of-events
       model beside matching with toe_matching, which is then `method` */
    int method_word;       /* as written: an nt_method, or NT_METHOD_N for toe */
    int toe;               /* 1 with method = toe */
    nt_method toe_matching;
    char *toe_mass_points; /* "K" or "K1:K2" */
    int toe_criterion;     /* 0 aic, 1 bic */
    int n_toe_cuts, n_toe_lockin_cuts, n_toe_post_cuts;
    char **toe_cuts, **toe_lockin_cuts, **toe_post_cuts;  /* months, ascending */
    int toe_calendar;      /* calendar-year steps in both hazards */
    int toe_draws;         /* parameter draws for the SEs of the simulated paths */
    int n_toe_effect_by;   /* effects per group of these [subgroups] variables (cross-product); 0: none */
    char **toe_effect_by;

    /* [outcomes] */
    int n_series;
    char **series;
    int time_to_work;      /* time_to_work.csv: weighted Kaplan-Meier time to (stable) work (study/nt_run_ttw.c) */

    /* [inference] */
    int inference;         /* method: 0 bootstrap (the full person bootstrap), 1 linearised */
    int bootstrap;         /* replicates; 0 = analytic SEs only */
    double ci_level;       /* extension */

    /* [subgroups] (none by default) */
    int n_subgroups;
    nt_study_subgroup *subgroups;

    /* [cost] (none by default) */
    int n_costs;
    nt_study_cost *costs;

    /* [cost_benefit] (docs/dynamic.md, "Cost-benefit") */
    int summary_fixed;     /* [summary] estimand: 1 ATT_fixed (default), 0 ATT: summary.csv, headlines, cost_benefit.csv */
    double discount_rate;  /* per year; cost_benefit.csv reports 0 and this rate */
    int n_benefit_month;
    char **benefit_month;  /* "SCHEME: euros" items (nt_study_benefit_month); none: empty */
    char *price_index;     /* CSV month,index; NULL: nominal euros */

    /* [credibility] (docs/credibility.md) */
    int placebo;           /* placebo.csv: "effects" on pre-inflow months (linearised inference) */
    int placebo_first, placebo_last;  /* its months before inflow (negative), cut before the model's history */
    int sensitivity;       /* sensitivity.csv: Rosenbaum bounds and the simulated confounder */
    int confounder;        /* sensitivity.csv: the simulated confounder (Ichino, Mealli & Nannicini 2008) */
    int confounder_draws;  /* draws of U per confounder */
    int n_confounder_grid;
    char **confounder_grid; /* the values of d and of s (numbers in [0, 1)) */
    int n_confounder_like;
    char **confounder_like; /* "var" (0/1) or "var=value": confounders calibrated to observed variables */
    int confounder_u;      /* private/confounder_u.csv: every draw of U (the R reference reads it) */

    /* [disclosure] */
    long min_cell;         /* statistics on fewer persons are emptied; 0 = off */
    long round;            /* published person counts are rounded to this base (with min_cell > 0) */
    double dominance_top1; /* dominance: the largest contributor at most this % of a magnitude; 0 off */
    double dominance_top2; /* ... the two largest at most this %; 0 off */

    /* [report] */
    int language;          /* 0 en, 1 nl: report, figures, summary.md/.tex */
    char *source;          /* the source line under figures and tables; NULL: netto and the study */

    /* Warnings about valid but questionable settings (e.g. a bootstrap with
       nn matching with replacement); nt_study_record puts them into the
       manifest, the caller prints them. */
    int n_warnings;
    char **warnings;

    nt_study_priv *priv;
} nt_study;

/* Reads and checks a study file; *out is set only on success. */
nt_status nt_study_read(const char *path, nt_study **out, nt_error *err);
void nt_study_free(nt_study *s);
/* As nt_study_read, for `netto check`: every bad key (up to max) into
   errs[0..*n) instead of the first only; the rules between keys are checked
   when every key was good. Returns the first error's status. */
nt_status nt_study_check_file(const char *path, nt_study **out, nt_error *errs, int max, int *n);

/* Physical line of a key as written (section "subgroups": key = variable,
   "cost": key = programme); key NULL: the section's header line. 0 when the
   key was not written (a default) or the section is absent. */
long nt_study_line(const nt_study *s, const char *section, const char *key);

/* Replaces out (the --out option; used as given, not resolved). */
nt_status nt_study_set_out(nt_study *s, const char *out, nt_error *err);

/* The [cost] entry for a programme type, NaN if none. */
double nt_study_cost_of(const nt_study *s, const char *program);

/* [cost_benefit] benefit_month: euros per month on a benefit of this
   scheme (compared case-insensitively), NaN if none is given. */
double nt_study_benefit_month(const nt_study *s, const char *scheme);

/* Every resolved setting, defaults included, into the manifest's settings
   by section (lists as "a, b"), plus the study's warnings. */
void nt_study_record(const nt_study *s, nt_manifest *m);

#endif
