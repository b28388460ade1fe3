/* The study-level context table (data contract, optional fifth file;
   docs/ingest.md "The context table", docs/dynamic.md "Context at k"):
   values by calendar month and by a person-level key such as the region,
   e.g. the regional unemployment rate. Header: KEY and month (in either
   order, first two columns), then VAR1[, VAR2 ...]: KEY names a
   categorical person covariate of the cohort (its values as the persons
   file writes them), month is YYYY-MM (or YYYYMM), every VAR a number.
   One row per (KEY, month); an empty value is missing. CSV, SPSS .sav or
   Stata .dta (data/nt_cells). The dynamic estimator uses a VAR as a
   time-varying covariate measured at start month k: the value of the
   person's KEY in calendar month inflow month + k. `netto ingest
   --context` keeps the table in the store (/context, docs/store.md;
   nt_store_read_context). */
#ifndef NT_CONTEXT_H
#define NT_CONTEXT_H

#include <stdint.h>

#include "core/nt_error.h"
#include "data/nt_cells.h"
#include "data/nt_store.h"

typedef struct nt_context {
    char key[64];         /* the person covariate of the key column */
    int n_keys;
    char **key_value;     /* its values, in the file's order of first appearance */
    long *key_line;       /* line of each key value's first row (NULL for a stored table) */
    int first_month, n_months;   /* calendar months first_month .. + n_months - 1 */
    int n_vars;
    char **var;           /* column names after month */
    double *v;            /* [(var * n_keys + key) * n_months + month - first_month]; NaN missing */
    uint8_t *has;         /* [key * n_months + month - first_month]: 1 if the table has that row */
} nt_context;

/* Problems of a table, each with file, line and column: the first max are
   kept in e[], total counts them all. */
typedef struct {
    nt_error *e;
    int max, n;
    long total;
} nt_context_problems;

/* Reads and checks the file, listing every problem in pr (NULL: stop at
   the first, in err): a header without KEY, month and at least one
   variable, a duplicate column, a bad month, a value that is not a finite
   number, a duplicate (KEY, month), a row with too few or too many fields.
   Without pr a problem gives NT_EINPUT (err: the first, with the count
   of the others) and no table; with pr, a table with bad rows is made of
   its good rows (NT_OK, pr->total > 0), so the caller can check it
   further. opts may be NULL (UTF-8, '.' decimal point). */
nt_status nt_context_read(const char *path, const nt_cells_opts *opts, nt_context **out, nt_context_problems *pr,
                          nt_error *err);
void nt_context_free(nt_context *c);
/* Index of variable name, -1 if absent; of key value s, -1 if absent. */
int nt_context_var(const nt_context *c, const char *name);
int nt_context_key(const nt_context *c, const char *s);
/* Records a problem in pr (printf-style message). */
void nt_context_problem(nt_context_problems *pr, const char *path, long line, const char *column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* What the cohort needs of a table (data/nt_context_check.c): per person
   its key value (NULL: missing) and the calendar month of its month 0;
   the months it needs are inflow .. inflow + months[i] - 1 (months[i]
   <= 0: none). known: the key's values in the persons data (a table key
   value outside them is unknown). var_needed: 1 for every variable whose
   values must be there in those months (NULL: rows only). */
typedef struct {
    long n;
    const char *const *key;
    const int *inflow, *months;
    const char *const *known;
    long n_known;
    const unsigned char *var_needed;
} nt_context_need;

/* Adds to pr every key value of the table that is unknown, and, per key
   value of the cohort, the months it needs that the table has no row for
   (a gap) or, for a needed variable, no value. */
void nt_context_check_cohort(const nt_context *c, const char *path, const nt_context_need *nd, nt_context_problems *pr);

/* The table against a cohort being ingested: the key is `region` or a
   categorical extra column of the persons file (all its values known);
   each person needs its observed months and, with var_needed (variables
   used at k), at least n_risk months. Problems go into pr. */
nt_status nt_context_check_ingest(const nt_context *c, const char *path, const nt_spells *s, const nt_cohort *co,
                                  const unsigned char *var_needed, int n_risk, nt_context_problems *pr, nt_error *err);
/* The table against a cohort store: the key a categorical covariate (its
   levels known); each person needs its observed months and, with
   var_needed (variables used at k), at least n_risk months. */
nt_status nt_context_check_store(const nt_context *c, const char *path, nt_store *st, const unsigned char *var_needed,
                                 int n_risk, nt_context_problems *pr, nt_error *err);

/* The values at start months k = 0..n_risk-1 of every person of the store:
   out[i * n_risk + k] = variable var in the person's KEY and calendar month
   inflow_month + k. A person with a value missing there, or whose KEY
   value or month the table does not cover, is an error (NT_EINPUT, naming
   the file, the key value and the month) when included[i] (NULL: all). */
nt_status nt_context_at_k(const nt_context *c, const char *path, int var, nt_store *st, int n_risk,
                          const unsigned char *included, double *out, nt_error *err);

#endif
