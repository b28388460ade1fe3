/* Model matrices from a flat file. Each named variable becomes one column
   (numeric) or one indicator per non-reference level (categorical: text
   values, or numeric named as "X:cat"); levels in bytewise order, the first is
   the reference; terms are named "X" or "X=level".
   Rows with a missing value in any covariate or in any of the `required`
   columns (treatment, outcomes, times, ...) are dropped and counted.
   Errors: unknown column, a categorical with one level, a constant numeric
   covariate (when reject_constant). */
#ifndef NT_DESIGN_H
#define NT_DESIGN_H

#include "core/nt_error.h"
#include "data/nt_flat.h"

typedef struct {
    long n;            /* rows kept */
    long *row;         /* flat row index of each kept row (ascending) */
    int p;             /* columns of x */
    double *x;         /* n x p, column-major: x[j * n + i] */
    char **term;       /* p term names; "(Intercept)" first when asked */
    int *var_of_term;  /* which listed variable each term came from (-1: intercept) */
    long n_dropped;    /* rows dropped for a missing value */
    long *dropped_by;  /* per listed variable + per required column: missing counts */
} nt_design;

typedef struct {
    int intercept;        /* add a leading column of ones */
    int reject_constant;  /* a constant numeric covariate is an error (Cox) */
} nt_design_opts;

/* vars: covariate names (optionally "name:cat"); required: other columns
   whose missing values also drop a row (may be NULL/0). */
nt_status nt_design_build(const nt_flat *f, const char *const *vars, int nvars,
                          const char *const *required, int nrequired,
                          const nt_design_opts *opts, nt_design **out, nt_error *err);
void nt_design_free(nt_design *d);

/* Splits "a, b,c" into trimmed words (allocated; free with nt_words_free). */
int nt_words_split(const char *list, char ***out);
void nt_words_free(char **w, int n);

#endif
