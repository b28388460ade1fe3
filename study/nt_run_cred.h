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

/* One simulated confounder's row at the longest summary horizon as
   sensitivity.csv shows it (nt_run_imn.c), for the report's figure. */
typedef struct {
    char label[160];
    double d, s;                       /* grid point; NaN: a confounder_like variable */
    double gamma, lambda;              /* selection and outcome effect (odds ratios) */
    double estimate, se, study;        /* NaN not shown */
    int horizon;
} nt_cred_imn;

typedef struct nt_cred_state {
    int n_prog;
    struct nt_dyn_pairs_s *pairs;       /* [programme * n_groups + group]: the matched sets (sensitivity), or NULL */
    int n_pairs;
    nt_cred_imn **imn;                  /* [programme]: the simulated confounders (nt_run_imn.c), or NULL */
    int *n_imn, *cap_imn;
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
/* A new confounder entry of programme pi (zeroed), or NULL out of memory. */
nt_cred_imn *nt_cred_imn_add(nt_cred_state *C, int pi);

#endif
