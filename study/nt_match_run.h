/* `netto match`: propensity-score matching and weighting on a flat file
   (one row per person). Reads the file (data/nt_flat, data/nt_design),
   calls estimators/nt_psm, writes effects.csv, balance.csv, pscore.csv,
   private/matched_pairs.csv (with pairs) and manifest.json last
   (report/nt_table, report/nt_manifest). The options are the command
   line's; the psm options are re-exported from estimators/nt_psm.h. */
#ifndef NT_MATCH_RUN_H
#define NT_MATCH_RUN_H

#include "core/nt_error.h"
#include "estimators/nt_psm.h"
#include "study/nt_notes.h"

typedef struct {
    const char *data, *treatment, *outcomes, *covariates, *exact, *out;  /* exact may be NULL */
    nt_psm_opts psm;    /* nt_psm_opts_default; match.tie_scale is set by tie_matching */
    int pairs;          /* write private/matched_pairs.csv */
    int overwrite;      /* allow a non-empty output folder */
    int threads;        /* OpenMP threads; 0 = the default */
    int tie_matching;   /* R Matching's tie rule (squared standardised distances) */
    long min_cell;      /* disclosure: statistics resting on fewer persons are emptied */
    int argc;           /* the command line, for the manifest */
    char **argv;
} nt_match_run_opts;

void nt_match_run_opts_default(nt_match_run_opts *o);

/* Fails with NT_EUSAGE when --outcomes or --covariates names no column;
   notes: the rows dropped for missing values and the warnings (stderr). */
nt_status nt_match_run(const nt_match_run_opts *o, nt_notes *notes, nt_error *err);

#endif
