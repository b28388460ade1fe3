/* `netto check STUDY.ini` and `netto ingest --check`: the study file and
   every data file read completely, every problem listed (at most
   NT_CHECK_SHOW per kind, with a count of the rest) with file, line,
   column, what was found and expected, and the option that would fix it;
   nothing estimated, nothing written (docs/guide.md, "Checking"). */
#ifndef NT_CHECK_H
#define NT_CHECK_H

#include "core/nt_error.h"
#include "data/nt_cells.h"
#include "data/nt_spells.h"
#include "data/nt_store.h"
#include "study/nt_study.h"
#include "study/nt_notes.h"

#define NT_CHECK_SHOW 5

/* The four spell files under o (read leniently, whatever o->lenient says,
   so that every record is looked at; rejects_path ignored). study: say
   fixes as study-file keys, else as ingest options. *n_problems: problems
   found (a file that cannot be read at all counts as one). Returns NT_OK
   unless something other than the data failed (out of memory). */
nt_status nt_check_spells(const nt_spells_opts *o, int study, nt_notes *notes, long *n_problems, nt_error *err);

/* The study file (every bad key), then its data: the spell files as above,
   or the store it names. */
nt_status nt_check_study(const char *path, nt_notes *notes, long *n_problems, nt_error *err);

/* The context table (data/nt_context.h; study/nt_check_context.c): path
   read to its end, every problem listed (`netto ingest --check
   --context`). */
nt_status nt_check_context(const char *path, const nt_cells_opts *co, nt_notes *notes, long *n_problems, nt_error *err);
/* The study's context table ([data] context, else the one kept in store)
   read and checked against the cohort: store's, or (store NULL) the one
   the study's spell files make; nothing when there is none and
   [estimator] context names no variable. */
nt_status nt_check_study_context(const nt_study *st, nt_store *store, nt_notes *notes, long *n_problems, nt_error *err);

#endif
