/* Survival data as the estimators in nt_km.h and nt_cox.h read it: plain
   arrays, one element per row, nothing copied.

   Rows are (time, event) pairs when start is NULL, or counting-process rows
   (start, stop] when it is not: a row is at risk at t iff start < t <= stop,
   and its event (if any) happens at stop. Left truncation and time-varying
   covariates (a programme starting during a spell splits the spell into two
   rows) are both expressed this way.

   Units are whatever the caller's times are in (days, months since inflow);
   the estimators only compare and sort them. */
#ifndef NT_SURV_H
#define NT_SURV_H

typedef struct {
    long n;                /* rows */
    const double *start;   /* n entry times, or NULL: at risk from -infinity */
    const double *stop;    /* n exit (event or censoring) times */
    const double *event;   /* n values 0 or 1 */
    const double *weight;  /* n case weights > 0, or NULL: all 1 */
    const int *strata;     /* n codes 0..n_strata-1 (KM: groups), or NULL */
    int n_strata;          /* 1 when strata is NULL */
} nt_surv_data;

#include "core/nt_error.h"

/* Checks the rows: event 0/1, times finite and >= 0, stop > start, weights
   finite and > 0. On failure fills err (column = "start", "stop", "event" or
   "weight", the role, for the caller to rename) and sets *bad_row. NaN is
   not allowed here: callers drop rows with missing values first. */
nt_status nt_surv_check(const nt_surv_data *d, long *bad_row, nt_error *err);

/* Stable sort of rows 0..n-1 by (stratum ascending, key ascending); ties keep
   input order, so results never depend on the sort. order: n (caller's).
   LSD radix sort on the IEEE bit pattern: O(n). stratum may be NULL. */
nt_status nt_surv_order(const double *key, const int *stratum, int n_strata, long n,
                        long *order, nt_error *err);


/* Symmetric positive semi-definite p x p matrices (full storage,
   a[i * p + j]): LDL' decomposition in place, as R's cholesky2: a pivot
   below toler * (largest diagonal) marks its column singular (its row of L
   and its D are set to 0). Returns the rank. */
int nt_ldl_decomp(double *a, int p, double toler);
/* Solves (L D L') x = b in place using the decomposition; singular columns
   give 0. */
void nt_ldl_solve(const double *a, int p, double *b);
/* Replaces the decomposition by the (generalised) inverse, full storage. */
void nt_ldl_invert(double *a, int p);

#endif
