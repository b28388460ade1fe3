/* The credibility checks of `netto run` (docs/credibility.md), shared by
   their parts; not a public API:
     nt_run_placebo.c  placebo.csv: effects on pre-inflow months;
     nt_run_sens.c     sensitivity.csv: Rosenbaum bounds of the matched
                       estimates (estimators/nt_sens.h);
     nt_run_cred.c     what they keep for the report (this state). */
#ifndef NT_RUN_CRED_H
#define NT_RUN_CRED_H

#include "core/nt_error.h"
#include "report/nt_report.h"

#define NT_CRED_PRE_SERIES 3   /* employed, earnings, on_benefit */
#define NT_CRED_MAX_H 5        /* = NT_RUN_MAX_HORIZONS */

/* One programme's placebo path as placebo.csv shows it: [series * W + tau]. */
typedef struct {
    int months;
    double *estimate, *lower, *upper;  /* the estimate and its sup-t band */
    unsigned char *shown;              /* 1 if the month's row may be shown */
    double p_value[NT_CRED_PRE_SERIES]; /* joint test; NaN not shown */
} nt_cred_placebo;

struct nt_dyn_pairs_s;

typedef struct nt_cred_state {
    int n_prog;
    struct nt_dyn_pairs_s *pairs;       /* [programme]: the whole-cohort matched sets (sensitivity), or NULL */
    double *sens_gamma;                 /* [programme * NT_CRED_MAX_H + horizon index]: critical Gamma of the
                                           first series' cumulative effect as sensitivity.csv shows it (NaN
                                           not shown or none) */
    int placebo_first, placebo_months;  /* window; months 0: no placebo */
    nt_cred_placebo *placebo;           /* [programme] */
    struct nt_cred_fig *figs;           /* the report chapter's figures (nt_run_cred_fig.c) */
    double *fig_buf;
    nt_report_chapter chapter;
} nt_cred_state;

nt_status nt_cred_placebo_alloc(nt_cred_placebo *c, int months, nt_error *err);

#endif
