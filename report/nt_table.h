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
   "var=level" a level) form a total and its parts, in the additive columns
   (counts and means by default, nt_table_set_additive), a whole row at a
   time.
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
/* The groups the margin's labels name (labels[0] "" the whole cohort)
   and how they relate (rel[a * n + b]: NT_DISCLOSE_CONTAINS,
   NT_DISCLOSE_DISJOINT; kept by pointer, alive until the last write):
   secondary suppression then also covers a remainder of a variable's
   disjoint levels too small to publish (the total minus all levels), and
   nested groups whose counts differ by 1 .. min_cell-1 (overlapping
   ranges, a level inside a level of another variable, a level that is
   almost the whole cohort). */
void nt_table_set_groups(nt_table *t, const char *const *labels, const unsigned char *rel, int n);
/* 1 if the table has column col. */
int nt_table_has_column(const nt_table *t, const char *col);
/* Whether count column col counts the persons the row's statistics rest
   on (default: every count column): the secondary pass takes a row's
   persons, a remainder and the gap between nested groups from those (the
   controls at risk beside the controls used are no such count: a gap of
   few there changes no estimate; published counts are rounded). */
void nt_table_set_part_count(nt_table *t, const char *col, int counts);
/* Whether column col's total is a person-weighted sum of its levels'
   cells (default: counts and means yes, other statistics no): only those
   columns take part in secondary suppression (break-even months, lock-in
   depths, standard errors, coefficients are no parts of a total). */
void nt_table_set_additive(nt_table *t, const char *col, int additive);
/* Suppresses cell (row, col) whatever its basis, for `why` (a copy of a
   number suppressed elsewhere: NT_WHY_SECONDARY); secondary suppression
   is then redone. */
void nt_table_suppress(nt_table *t, long row, const char *col, nt_disclose_why why);
/* Cells (row_a, col) and (row_b, col) hold the same number (or one that
   gives the other): if one is shown at min_cell and the other suppressed,
   suppresses the shown one too and returns 1 (call again until no pair
   changes: a suppression can start secondary ones), else 0. */
int nt_table_link(nt_table *t, long row_a, long row_b, const char *col, long min_cell);
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
