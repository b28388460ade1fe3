/* Rejects of the spell reader: the counts per file and reason, the rejects
   report (file,line,column,reason,record; one row per rejected or merged
   record, sorted by file, line, reason), and rejecting a person after the
   read for checks only the cohort builder can make (born_after_inflow).
   Reasons: core/nt_reject.h; files: core/nt_file_kind.h. */
#ifndef NT_SPELLS_REJECTS_H
#define NT_SPELLS_REJECTS_H

#include "core/nt_error.h"
#include "core/nt_file_kind.h"
#include "core/nt_reject.h"

typedef struct nt_spells nt_spells;   /* data/nt_spells.h */

/* Counts reported by the reader, per file (nt_file_kind). */
typedef struct {
    long records[NT_FILE_N];                /* records read */
    long rejected[NT_FILE_N][NT_REJECT_N];  /* per reason */
    long merged[NT_FILE_N];                 /* absorbed into an earlier spell (benefits, programs) */
    long ignored_unknown[NT_FILE_N];        /* --ignore-unknown-persons */
} nt_spells_report;

/* Rejects person p (index into persons). Strict mode: returns NT_EINPUT
   with the persons file, the person's line, column and `found "found",
   expected expected`. Lenient: sets persons.rejected[p], lists the
   person's record with the reason and each of its spells as
   unknown_person (or counts them under --ignore-unknown-persons), updates
   report (may be NULL) and returns NT_OK; the spells stay in the arrays,
   so the caller skips the person. Call nt_spells_write_rejects afterwards
   to rewrite the report. */
nt_status nt_spells_reject_person(nt_spells *s, long p, nt_reject_reason reason, const char *column,
                                  const char *found, const char *expected, nt_spells_report *report,
                                  nt_error *err);

/* Writes the rejects report atomically. */
nt_status nt_spells_write_rejects(const nt_spells *s, const char *path, nt_error *err);

#endif
