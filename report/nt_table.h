/* The one table writer: CSV (the contract's format, %.10g), with
   statistical disclosure control as report/nt_disclose.h decides it (the
   plots ask the same functions).

   Columns have a kind:
     NT_COL_KEY   labels (program, subgroup, month, term): never suppressed;
     NT_COL_STAT  statistics: emptied when the row's basis (the fewest
                  persons any statistic in the row rests on, see
                  nt_disclose_basis and nt_disclose_window) is too small;
     NT_COL_COUNT person counts: emptied when 0 < value < min_cell, and with
                  the statistics when the basis is too small; shown ones
                  rounded to the table's base (nt_table_set_round);
     NT_COL_MEAN  a mean, share or effect (or an interval around one):
                  suppressed as a statistic, and when the table's counts
                  are rounded (base > 1, min_cell > 0) printed rounded to
                  nt_disclose_step of its basis, so its digits do not give
                  its denominator away (the Markdown/LaTeX print that text).
   With nt_table_set_margin, cells are also suppressed secondarily across
   the levels of a subgroup variable (nt_disclose_secondary): rows alike in
   every key column but the margin column ("subgroup": "" the total,
   "var=level" a level) form a total and its parts.
   With min_cell > 0 every table ends with a `suppressed` column naming the
   emptied columns of that row, joined by '|'. min_cell = 0: no control, no
   extra column.

   Typical use:
     nt_table *t = nt_table_alloc(cols, kinds, ncols);
     nt_table_add_row(t);  nt_table_set_str(t, "outcome", "employed");
     nt_table_set_num(t, "estimate", 0.031);  nt_table_set_basis(t, n_treated);
     nt_table_write_csv(t, "out/effects.csv", 10, &err);  nt_table_free(t); */
#ifndef NT_TABLE_H
#define NT_TABLE_H

#include "core/nt_error.h"
#include "report/nt_disclose.h"

typedef enum { NT_COL_KEY, NT_COL_STAT, NT_COL_COUNT, NT_COL_MEAN } nt_col_kind;

typedef struct nt_table nt_table;

nt_table *nt_table_alloc(const char *const *columns, const nt_col_kind *kinds, int ncols);
void nt_table_free(nt_table *t);

/* Starts a new row with every cell empty; 0 on success, -1 out of memory. */
int nt_table_add_row(nt_table *t);
/* Set a cell of the current row; an unknown column name aborts (a bug). */
void nt_table_set_str(nt_table *t, const char *col, const char *value); /* NULL = empty */
void nt_table_set_num(nt_table *t, const char *col, double value);      /* NaN = empty */
void nt_table_set_int(nt_table *t, const char *col, long value);
/* The fewest persons a statistic of this row rests on (default: no limit),
   suppressed for NT_WHY_PERSONS. */
void nt_table_set_basis(nt_table *t, long n_persons);
/* Lowers the row's basis to n_persons if that is smaller, with the reason
   a suppression then has (a share's persons with and without the level,
   a window of months). */
void nt_table_limit_basis(nt_table *t, long n_persons, nt_disclose_why why);
/* The same for one cell of the current row only (a share among the row's
   persons: the other cells stay). */
void nt_table_limit_cell(nt_table *t, const char *col, long n_persons, nt_disclose_why why);
/* Person counts (NT_COL_COUNT) are published rounded to this base when
   min_cell > 0 (nt_disclose_round); default 1: exact. */
void nt_table_set_round(nt_table *t, long base);
/* Secondary suppression across the subgroup levels in column `col` (a
   key column): see above. `ignore` (or NULL): a key column that labels a
   row but does not tell cells apart (start_months.csv's status). */
void nt_table_set_margin(nt_table *t, const char *col, const char *ignore);
/* What a writer at min_cell does with cell (row, col): 1 shown, 0
   suppressed, -1 empty (no number). */
int nt_table_shown(const nt_table *t, long row, const char *col, long min_cell);
/* The number cell (row, col) is written as at min_cell (rounded to its
   step or base), NaN when suppressed or empty: what a report may show. */
double nt_table_shown_num(const nt_table *t, long row, const char *col, long min_cell);
/* The basis of a row (LONG_MAX: none set). */
long nt_table_row_basis(const nt_table *t, long row);
/* What the writers suppress at min_cell: cells emptied per reason, and rows
   with any emptied cell. */
void nt_table_disclosure_counts(const nt_table *t, long min_cell, long cells[NT_WHY_N], long *rows);
long nt_table_rows(const nt_table *t);


nt_status nt_table_write_csv(const nt_table *t, const char *path, long min_cell, nt_error *err);
/* "%.10g" formatting used by every CSV (NaN -> ""). buf >= 32 bytes. */
void nt_format_num(double v, char *buf);

#endif
