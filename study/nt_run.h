/* `netto run`: the whole study of one study file (study/nt_study.h), from the
   spell files (ingested on the fly into <out>/private/cohort.h5) or a store,
   through the dynamic estimator (nt_dynamic.h) for every programme x
   subgroup, the person-level bootstrap of the whole pipeline, to the result
   tables, plots and manifest in the output folder (spec: cli-and-results.md,
   "Result tables"; docs/results.md). The files of the run and their jobs:
   study/nt_run_parts.h.

   Bootstrap: replicate b resamples the analysed persons with replacement
   (stream (seed, b + 1) of nt_rng), once for the whole run, and redoes every
   model, match and path in every programme and subgroup on that sample
   (subgroups keep their resampled members). Replicates run in parallel;
   each writes only its own slots, so the tables are byte-identical for any
   thread count. */
#ifndef NT_PIPELINE_H
#define NT_PIPELINE_H

#include "core/nt_error.h"
#include "data/nt_panel.h"
#include "data/nt_store.h"
#include "estimators/nt_dynamic.h"
#include "study/nt_study.h"

typedef struct {
    int threads;      /* OpenMP threads; 0 = the OpenMP default */
    int overwrite;    /* allow a non-empty output folder */
    int resume;       /* continue an interrupted run's bootstrap from private/bootstrap.ckpt */
    int argc;         /* the command line, for the manifest */
    char **argv;
    /* Test hook, or NULL: given to every plot as nt_plot_opts on_text (what
       the plots state, e.g. their break-even notes). */
    void (*on_plot_text)(void *ctx, const char *png_path, const char *text);
    void *on_plot_text_ctx;
} nt_pipeline_opts;

typedef struct {
    char out[4096];        /* output folder */
    long n_persons;        /* cohort members */
    long n_analysed;       /* without a missing numeric covariate */
    int n_programs, n_groups;
    long n_skipped_months; /* (programme, subgroup, start month) skipped */
    int n_warnings;
    char **warnings;       /* also in the manifest; free with nt_pipeline_report_free */
    double seconds;
} nt_pipeline_report;

nt_status nt_pipeline_run(const nt_study *study, const nt_pipeline_opts *o, nt_pipeline_report *rep, nt_error *err);
void nt_pipeline_report_free(nt_pipeline_report *rep);

/* The study's person x month panel from a store (its covariates, exact and
   calendar cells, outcome series, start months) and the estimator's view of
   it; netto run and scripts/coverage_driver.c load it the same way. Free the
   panel with nt_panel_free. */
nt_status nt_run_panel_load(const nt_study *st, nt_store *store, nt_panel **panel, nt_dyn_panel *view, nt_error *err);

#endif
