/* Person-period rows for the exit from the index benefit spell, built from
   the cohort store and streamed in blocks of persons: person i is at risk in
   months 0..exit_month (months since inflow, capped at n_observed - 1);
   y = 1 in exit_month unless the spell is censored (exit_dest censored; with
   exit_work_only also when the exit is not to work); treat = 1 from the month
   the first programme starts (treat_month) on, 0 before and for persons
   without a programme. The rows feed estimators/nt_dhazard. */
#ifndef NT_PP_H
#define NT_PP_H

#include "core/nt_error.h"
#include "data/nt_store.h"

/* Person-period rows, column arrays. */
typedef struct {
    long n, cap;
    int nx;              /* covariates copied from the person */
    long *person;        /* store row (person index) */
    double *period;      /* months since inflow */
    double *y;           /* 1 in the exit month */
    double *treat;       /* time-varying programme indicator */
    double *x;           /* covariates, column-major with stride cap (x[j * cap + i]);
                            nt_pp_read_store returns cap == n */
} nt_pp;

typedef struct {
    const char *const *covariates;  /* numeric store covariates per row (may be NULL) */
    int n_covariates;
    int exit_work_only;             /* events are exits to work only */
    long block;                     /* persons per block; 0: the store's chunk size */
} nt_pp_opts;

/* Called once per block of persons with that block's rows (the chunk is
   reused: copy what you keep). */
typedef nt_status (*nt_pp_sink)(const nt_pp *chunk, void *ctx, nt_error *err);

nt_status nt_pp_expand_store(nt_store *st, const nt_pp_opts *o, nt_pp_sink sink, void *ctx, nt_error *err);
/* All rows at once (a sink that appends). */
nt_status nt_pp_read_store(nt_store *st, const nt_pp_opts *o, nt_pp **out, nt_error *err);
void nt_pp_free(nt_pp *pp);

#endif
