/* Person-period rows for the exit from the index benefit spell, built from
   the cohort store and streamed in blocks of persons: person i is at risk in
   months 0..exit_month (months since inflow, capped at n_observed - 1);
   y = 1 in exit_month unless the spell is censored (exit_dest censored; with
   exit_work_only also when the exit is not to work); treat = 1 from the month
   the first programme starts (treat_month) on, 0 before and for persons
   without a programme. The rows feed estimators/nt_dhazard.

   nt_pp_read_flat builds the same rows from a flat file with one row per
   person (`netto survival dhazard`): periods 1..time, y = 1 in the last
   when the event column is 1. */
#ifndef NT_PP_H
#define NT_PP_H

#include "core/nt_error.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"
#include "data/nt_store.h"

/* Person-period rows, column arrays. */
typedef struct {
    long n, cap;
    int nx;              /* covariates copied from the person */
    long *person;        /* store row (person index); flat: the design's kept row */
    double *period;      /* months since inflow; flat: periods 1..time */
    double *y;           /* 1 in the exit month */
    double *treat;       /* time-varying programme indicator (NULL from a flat file) */
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

/* Person-period rows from a flat file, one row per person: the design's
   kept row i (flat row des->row[i]) with time t (a whole number of periods
   >= 1) and event e (0/1) gives rows for periods 1..t, y = 1 in period t
   when e = 1, person = i, x = the design's p columns (nx = des->p,
   cap == n), treat NULL. Fails naming file, line and column at a time that
   is not a whole number >= 1 and at an id seen before among the kept rows. */
nt_status nt_pp_read_flat(const nt_flat *f, const nt_design *des, int id_col, int time_col, int event_col,
                          nt_pp **out, nt_error *err);

#endif
