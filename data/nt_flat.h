/* Flat files for `netto match` and `netto survival`: one CSV, one row per
   record, read whole into typed columns. Delimiter (, ; TAB) detected from
   the header as in the data contract; RFC 4180 quoting; CRLF/LF; UTF-8 BOM;
   empty field = missing; column names matched case-insensitively.
   A column is numeric when every non-missing value is a decimal number
   (also "NA"/"." count as missing); otherwise it is text. */
#ifndef NT_FLAT_H
#define NT_FLAT_H

#include "core/nt_error.h"

typedef struct {
    char *name;
    int is_numeric;   /* every non-missing value parsed as a number */
    double *num;      /* n_rows values when numeric, NaN = missing; else NULL */
    char **str;       /* n_rows raw values, NULL = missing (always present) */
} nt_flat_column;

typedef struct {
    char path[1024];  /* as the user gave it, for messages */
    long n_rows;
    long *line;       /* physical line of each row (header = 1) */
    int n_cols;
    nt_flat_column *cols;
    void *arena;      /* owns the strings (private) */
} nt_flat;

nt_status nt_flat_read(const char *path, nt_flat **out, nt_error *err);
void nt_flat_free(nt_flat *f);
/* Column index by case-insensitive name, -1 if absent. */
int nt_flat_find(const nt_flat *f, const char *name);
/* Like nt_flat_find but fails with "PATH: column NAME: no such column (columns: ...)". */
nt_status nt_flat_require(const nt_flat *f, const char *name, int *index, nt_error *err);
/* A numeric column named by the user (outcome, time, weight): fails naming
   file, line and column at the first value that is not a number. */
nt_status nt_flat_require_numeric(const nt_flat *f, const char *name, int *index, nt_error *err);
/* A 0/1 column (treatment, event): fails naming file, line and column at the
   first other value. Missing values are allowed (rows dropped later). */
nt_status nt_flat_require_binary(const nt_flat *f, int col, nt_error *err);

#endif
