/* Person-period rows for the timing-of-events model from a flat file with
   one row per person and period at risk (`netto survival toe`,
   docs/survival.md): a person's rows contiguous and in period order, exit
   = 1 in the month of the exit to work (the person's last row), entry = 1
   in the month of programme entry (at most once). Derived per person:
   since_entry = 0 up to and including the entry month, then period minus
   the entry period; in_program from a 0/1 column (0 up to the entry month)
   or as since_entry in (0, lockin_months]. The arrays are the column
   layout of estimators/nt_toe.h (nt_toe_data), filled by the caller. */
#ifndef NT_TOE_FLAT_H
#define NT_TOE_FLAT_H

#include "core/nt_error.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"

typedef struct {
    int id, time, exit, entry;  /* flat columns: id (any text), time (numeric), exit and entry (0/1) */
    int program;                /* 0/1 "in the programme" column, or -1 */
    double lockin_months;       /* without a program column: in the programme while
                                   0 < since_entry <= lockin_months */
} nt_toe_flat_cols;

typedef struct {
    long n;                     /* person-period rows kept */
    long n_persons;             /* persons kept */
    long *row;                  /* flat row of each kept row */
    long *person;               /* 0..n_persons-1, non-decreasing */
    double *period, *y_exit, *y_entry, *since_entry, *in_program;
    int nx;
    double *x;                  /* n x nx, column-major (x[j * n + i]); the design's columns */
    long persons_dropped;       /* persons with a row missing a covariate: all their rows dropped */
    long rows_dropped;
} nt_toe_flat;

/* des: the model matrix of the covariates over the flat rows (rows with a
   missing value dropped; required columns id, time, exit, entry). Checks
   every flat row and fails naming file, line and column: a missing id,
   time, exit or entry; exit, entry or program not 0/1; a person's rows not
   together; time not increasing within a person; an exit before the
   person's last row; a second entry; in the programme at or before entry.
   A person with a row dropped by the design loses all rows (counted). */
nt_status nt_toe_flat_read(const nt_flat *f, const nt_design *des, const nt_toe_flat_cols *c, nt_toe_flat **out,
                           nt_error *err);
void nt_toe_flat_free(nt_toe_flat *t);

#endif
