/* `netto describe`: a cohort store's summary (data/nt_describe) as text,
   and its month table as CSV. */
#ifndef NT_DESCRIBE_RUN_H
#define NT_DESCRIBE_RUN_H

#include "core/nt_error.h"
#include "study/nt_notes.h"

#include "data/nt_describe.h"

/* csv_path may be NULL. notes: the summary (stdout), on success only.
   Disclosure control as `netto run`'s (report/nt_disclose.h): counts of
   1 .. min_cell-1 read "< min_cell", others are rounded to `round`; a
   month's means are shown when at least min_cell persons are observed and,
   for the shares (employed, on_benefit, on_index_benefit, in_program),
   at least min_cell with and without. min_cell = 0: exact, and the output
   says "NOT FOR EXPORT" (the CLI asks for --not-for-export). */
nt_status nt_describe_run(const char *store_path, const char *csv_path, long min_cell, long round, nt_notes *notes,
                          nt_error *err);

/* The month table as CSV (atomically): month, n_observed, employed, earnings,
   on_benefit, on_index_benefit, in_program (means, %.10g; empty when no
   person is observed in that month; in_program = share in any programme);
   with min_cell > 0 the `suppressed` column of every table; with 0 the
   exact table (the CLI marks that run NOT FOR EXPORT on stdout). */
nt_status nt_describe_write_table(const nt_describe *d, const char *path, long min_cell, long round, nt_error *err);

#endif
