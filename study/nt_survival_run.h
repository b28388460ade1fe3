/* `netto survival km|cox|dhazard|toe` on a flat file (one row per record):
   reads and checks the columns (data/nt_flat, data/nt_design, data/nt_pp),
   fits estimators/nt_km, nt_cox or nt_dhazard, writes the tables
   (report/nt_table) and manifest.json last (report/nt_manifest).
     km       km.csv (+ logrank.csv with a group)
     cox      cox.csv, cox_fit.csv
     dhazard  dhazard.csv, dhazard_fit.csv: each person's (time, event) row
              becomes person-period rows 1..time, y = 1 in the last period
              when the event is 1 (docs/survival.md)
     toe      toe.csv, toe_fit.csv: person-period rows as given (data/nt_toe_flat),
              the timing-of-events model (estimators/nt_toe, docs/toe.md)
   The estimator option types are re-exported from estimators/. */
#ifndef NT_SURVIVAL_RUN_H
#define NT_SURVIVAL_RUN_H

#include "core/nt_error.h"
#include "estimators/nt_cox.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_km.h"
#include "study/nt_notes.h"

typedef enum { NT_SURVIVAL_KM = 0, NT_SURVIVAL_COX, NT_SURVIVAL_DHAZARD, NT_SURVIVAL_TOE } nt_survival_model;

typedef struct {
    nt_survival_model model;
    const char *data;        /* the flat file */
    const char *start;       /* km, cox: entry time of counting-process rows, or NULL */
    const char *time;        /* km --time, cox --stop, dhazard --time (whole periods >= 1) */
    const char *event;       /* 0/1; toe: --exit, the exit to work */
    const char *group;       /* km: curves per value, log-rank test; or NULL */
    const char *weight;      /* km, cox: case weights, or NULL */
    const char *weights;     /* km: a run's private/matching_weights.csv joined on person_id and start_month
                                (study/nt_survival_weights.c), or NULL */
    const char *wprogram;    /* km --weights: the programme's rows */
    const char *subgroup;    /* km --weights: the subgroup's rows (NULL: the whole cohort) */
    const char *covariates;  /* cox, dhazard: comma-separated, X:cat categorical */
    const char *strata;      /* cox, or NULL */
    const char *cluster;     /* cox, dhazard: robust SEs by this id, or NULL */
    const char *id;          /* dhazard: the person, one row each; toe: the person of each row */
    const char *out;         /* output folder */
    nt_conf_type conf;       /* km: NT_CONF_LOG */
    nt_cox_ties ties;        /* cox: NT_TIES_EFRON */
    nt_glm_link link;        /* dhazard: NT_LINK_LOGIT */
    const double *cuts;      /* dhazard: piece upper bounds, ascending; NULL: one dummy per period */
    int n_cuts;
    /* toe (defaults 0/NULL): */
    const char *entry;       /* 0/1 programme entry in the row's month */
    const char *program;     /* 0/1 in the programme (after entry), or NULL: lockin_months */
    double lockin_months;    /* without program: in the programme 1..lockin_months months after entry */
    const double *baseline_cuts, *exit_cuts, *entry_cuts; /* baseline pieces of both hazards, or of one */
    int n_baseline_cuts, n_exit_cuts, n_entry_cuts;
    const double *effect_cuts, *lockin_cuts, *post_cuts;  /* effect pieces (months since entry): both, or one */
    int n_effect_cuts, n_lockin_cuts, n_post_cuts;
    const char *mass_points; /* "K" or "K1:K2" (NULL: 1:6) */
    int criterion;           /* 0 aic, 1 bic */
    long min_cell;           /* disclosure: statistics resting on fewer persons are emptied */
    int argc;                /* the command line, for the manifest */
    char **argv;
} nt_survival_run_opts;

void nt_survival_run_opts_default(nt_survival_run_opts *o);

/* notes: rows read/used/dropped, the log-rank test, the fit (stdout);
   warnings (stderr). */
nt_status nt_survival_run(const nt_survival_run_opts *o, nt_notes *notes, nt_error *err);

#endif
