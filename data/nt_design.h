/* Model matrices: the one design rule for flat files (netto match, netto
   survival: nt_design_build) and store covariates (netto run:
   data/nt_panel).

   The categorical rule (nt_design_categorical). A categorical variable
   with levels in a given order becomes one indicator column per level but
   the first, the reference, named "NAME=LEVEL", in level order. Its
   levels and their order come from the data source: a flat file's levels
   are the values seen in the rows kept, in bytewise order (text columns,
   or numeric ones named "NAME:cat"); a store covariate's are the store's
   levels (the contract's order for sex, education and migration, bytewise
   otherwise), whether or not a person has them. A missing value follows
   one of two options, and the two sources differ here on purpose (golden
   numbers rest on both):
     NT_DESIGN_MISSING_DROP   the row is dropped before coding (flat files:
                              nt_design_build drops rows with a missing
                              value in any variable, counted in dropped_by);
     NT_DESIGN_MISSING_LEVEL  missing is a level of its own placed last: a
                              column "NAME=missing" when some row misses the
                              value (store covariates: no one is left out
                              for a missing category); with no other level
                              it is the reference and gives no column.
   Flat files also refuse a categorical with one level (it would give no
   column). A numeric variable is one column named "NAME"; a row missing it
   is dropped (flat files) or left out of estimation (store covariates,
   data/nt_panel). */
#ifndef NT_DESIGN_H
#define NT_DESIGN_H

#include <stdint.h>
#include "core/nt_error.h"
#include "data/nt_flat.h"

typedef enum {
    NT_DESIGN_MISSING_DROP = 0,   /* rows with a missing value are dropped before coding */
    NT_DESIGN_MISSING_LEVEL = 1   /* missing is its own level, placed last */
} nt_design_missing;

/* Indicator columns of one categorical variable. */
typedef struct {
    int p;          /* columns */
    double *x;      /* n x p, column-major */
    char **term;    /* p names: "NAME=LEVEL", "NAME=missing" */
} nt_design_block;

/* The categorical rule above. code[i]: row i's level, 0..nlev-1, or -1
   missing (under NT_DESIGN_MISSING_DROP a missing code is a caller error,
   NT_EUSAGE). Fills out (free with nt_design_block_free). */
nt_status nt_design_categorical(const char *name, const char *const *levels, int nlev, const int32_t *code,
                                long n, nt_design_missing missing, nt_design_block *out, nt_error *err);
void nt_design_block_free(nt_design_block *b);

/* Exact-matching cells: the tuple (code[0][i], ..., code[k-1][i]) of k
   categorical columns (codes 0..nlev[c]-1) as a 64-bit mixed-radix number,
   first column most significant, then numbered 0..ncells-1 in that order
   over the tuples that occur. cell: n ids; *ncells: occupied cells.
   Fails with NT_EINPUT when the product of the level counts does not fit
   in 63 bits, NT_EUSAGE on a code outside its levels. */
nt_status nt_design_cells(const int32_t *const *code, const int *nlev, int k, long n, int32_t *cell,
                          long *ncells, nt_error *err);
/* The same over flat-file rows: each of the columns cols[0..k) coded by its
   values in bytewise order over the rows row[0..n) (no value missing:
   e.g. nt_design.row), then nt_design_cells. */
nt_status nt_design_cells_flat(const nt_flat *f, const int *cols, int k, const long *row, long n, int32_t *cell,
                               long *ncells, nt_error *err);

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

/* The model matrix of a flat file. vars: covariate names (optionally
   "name:cat"); required: other columns whose missing values also drop a
   row (may be NULL/0). Errors: unknown column, no row left, a categorical
   with one level, a constant numeric covariate (when reject_constant). */
nt_status nt_design_build(const nt_flat *f, const char *const *vars, int nvars,
                          const char *const *required, int nrequired,
                          const nt_design_opts *opts, nt_design **out, nt_error *err);
void nt_design_free(nt_design *d);

/* Splits "a, b,c" into trimmed words (allocated; free with nt_words_free). */
int nt_words_split(const char *list, char ***out);
void nt_words_free(char **w, int n);

#endif
