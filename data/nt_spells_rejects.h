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

/* The optional fields lenient mode sets missing (and counts) when they
   cannot be read, instead of dropping the record: programs cost_eur, jobs
   wage_eur_month and hours_week, persons education and migration. */
typedef enum {
    NT_SPELLS_OPT_COST = 0,
    NT_SPELLS_OPT_WAGE,
    NT_SPELLS_OPT_HOURS,
    NT_SPELLS_OPT_EDUCATION,
    NT_SPELLS_OPT_MIGRATION,
    NT_SPELLS_OPTIONAL_N
} nt_spells_optional;

/* The column name of an optional field; *file its file. */
const char *nt_spells_optional_column(nt_spells_optional k, nt_file_kind *file);

/* Counts reported by the reader, per file (nt_file_kind). */
typedef struct {
    long records[NT_FILE_N];                /* records read */
    long rejected[NT_FILE_N][NT_REJECT_N];  /* per reason */
    long merged[NT_FILE_N];                 /* absorbed into an earlier spell (benefits, programs) */
    long ignored_unknown[NT_FILE_N];        /* --ignore-unknown-persons */
    long unreadable[NT_SPELLS_OPTIONAL_N];  /* lenient: optional cells that could not be read, set missing */
    long labelled[NT_FILE_N];               /* .sav/.dta codes read by their value labels */
} nt_spells_report;

/* A problem a lenient read found: a rejected record (kept 0) or an
   optional cell set missing (kept 1). Strings belong to the result. */
typedef struct {
    nt_file_kind table;
    long line;
    const char *column;
    nt_reject_reason reason;
    const char *value;      /* the cell as found ("" when the record as a whole is bad) */
    const char *expected;   /* what the reader expected, "" if not known */
    int kept;
} nt_spells_problem;

/* The problems of a lenient read (merged records are none), rejects first
   in report order, then unreadable optional cells (at most 1000 per
   column; report->unreadable has all). */
long nt_spells_problem_count(const nt_spells *s);
void nt_spells_problem_get(const nt_spells *s, long i, nt_spells_problem *p);

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
