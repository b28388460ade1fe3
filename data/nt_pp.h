/* Person-period rows for the discrete-time hazard (estimators/nt_dhazard):
   nt_pp_read_flat builds them from a flat file with one row per person
   (`netto survival dhazard`): periods 1..time, y = 1 in the last when the
   event column is 1. */
#ifndef NT_PP_H
#define NT_PP_H

#include "core/nt_error.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"

/* Person-period rows, column arrays. */
typedef struct {
    long n, cap;
    int nx;              /* covariates copied from the person */
    long *person;        /* the design's kept row */
    double *period;      /* periods 1..time */
    double *y;           /* 1 in the event period */
    double *treat;       /* a time-varying programme indicator; NULL from a flat file */
    double *x;           /* covariates, column-major with stride cap (x[j * cap + i]) */
} nt_pp;

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
