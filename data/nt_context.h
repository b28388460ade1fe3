/* The study-level context table (data contract, optional fifth file;
   docs/dynamic.md "Context at k"): values by calendar month and by a
   person-level key such as the region, e.g. the regional unemployment
   rate. Header: KEY, month, VAR1[, VAR2 ...]: KEY names a categorical
   person covariate of the cohort (its values as the persons file writes
   them), month is YYYY-MM (or YYYYMM), every VAR a number. One row per
   (KEY, month); an empty value is missing. The dynamic estimator uses a
   VAR as a time-varying covariate measured at start month k: the value of
   the person's KEY in calendar month inflow month + k. */
#ifndef NT_CONTEXT_H
#define NT_CONTEXT_H

#include "core/nt_error.h"
#include "data/nt_store.h"

typedef struct {
    char key[64];         /* the person covariate of the first column */
    int n_keys;
    char **key_value;     /* its values, in the file's order of first appearance */
    int first_month, n_months;   /* calendar months first_month .. + n_months - 1 */
    int n_vars;
    char **var;           /* column names after month */
    double *v;            /* [(var * n_keys + key) * n_months + month - first_month]; NaN missing */
} nt_context;

/* Reads and checks the file. NT_EINPUT names file, line and column: a
   header without KEY, month and at least one variable, a duplicate
   column, a bad month, a value that is not a finite number, a duplicate
   (KEY, month), a row with too few or too many fields. */
nt_status nt_context_read(const char *path, nt_context **out, nt_error *err);
void nt_context_free(nt_context *c);
/* Index of variable name, -1 if absent. */
int nt_context_var(const nt_context *c, const char *name);

/* The values at start months k = 0..n_risk-1 of every person of the store:
   out[i * n_risk + k] = variable var in the person's KEY and calendar month
   inflow_month + k. A person with a value missing there, or whose KEY
   value or month the table does not cover, is an error (NT_EINPUT, naming
   the file, the key value and the month) when included[i] (NULL: all). */
nt_status nt_context_at_k(const nt_context *c, const char *path, int var, nt_store *st, int n_risk,
                          const unsigned char *included, double *out, nt_error *err);

#endif
