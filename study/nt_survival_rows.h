/* Shared by the survival runs (study/nt_survival_run.c for km and cox,
   study/nt_survival_dhazard.c, nt_survival_toe.c): the rows of the flat file kept for the
   model, their survival columns, codes for a grouping column, the
   dropped-row report and the manifest's end. Internal to study/. */
#ifndef NT_SURVIVAL_ROWS_H
#define NT_SURVIVAL_ROWS_H

#include "data/nt_design.h"
#include "data/nt_flat.h"
#include "estimators/nt_surv.h"
#include "report/nt_manifest.h"
#include "study/nt_survival_run.h"

typedef struct {
    nt_flat *f;
    nt_design *des;      /* cox, dhazard: the model matrix; km: rows only */
    long n;
    const long *row;     /* kept flat rows */
    double *start, *stop, *event, *weight;
    int ct, cs, ce, cw;  /* flat columns (cs -1 without start, cw -1 without weight) */
} nt_survival_rows;

/* Reads o->data, requires o->time (numeric), o->event (0/1), o->start and
   o->weight (numeric, when given) and the extra columns; builds the design
   of vars (no intercept, constants rejected), dropping rows with a missing
   value in any of them. */
nt_status nt_survival_rows_load(const nt_survival_run_opts *o, const char *const *vars, int nvars,
                                const char *const *extra, int nextra, nt_survival_rows *r, nt_error *err);
void nt_survival_rows_free(nt_survival_rows *r);
/* nt_surv_check on the kept rows, the failure renamed to the user's file,
   line and column. */
nt_status nt_survival_rows_check(const nt_survival_rows *r, const nt_surv_data *d, nt_error *err);
/* Rows read, used and dropped (per column named in names, the design's
   order) into the manifest's counts and a note on stdout. */
void nt_survival_rows_report(nt_manifest *m, const nt_survival_rows *r, const char *const *names, int nnames,
                             const char *cmd, nt_notes *notes);
/* Codes 0..k-1 for the values of a column over the kept rows, levels in
   bytewise order; labels (optional, free the array only) point into the file. */
nt_status nt_survival_codes(const nt_survival_rows *r, int col, int *code, long *k, const char ***labels,
                            nt_error *err);
/* Disclosure, threads, total time, platform; writes o->out/manifest.json. */
nt_status nt_survival_finish(nt_manifest *m, const nt_survival_run_opts *o, double t0, nt_error *err);

/* km --weights (study/nt_survival_weights.c): the kept rows joined to the
   weights file's rows of o->program and o->subgroup on person_id and
   start_month, one row per weight row, strata 0 treated, 1 control; *buf
   (stop, event, weight) and *gcode are the caller's to free. */
nt_status nt_survival_km_join(const nt_survival_run_opts *o, const nt_survival_rows *r, nt_surv_data *d,
                              double **buf, int **gcode, nt_error *err);

/* The dhazard model of nt_survival_run (study/nt_survival_dhazard.c). */
nt_status nt_survival_dhazard(const nt_survival_run_opts *o, nt_manifest *m, nt_notes *notes, nt_error *err);
/* The timing-of-events model of nt_survival_run (study/nt_survival_toe.c). */
nt_status nt_survival_toe(const nt_survival_run_opts *o, nt_manifest *m, nt_notes *notes, nt_error *err);

#endif
