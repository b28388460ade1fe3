/* The four linked spell tables after reading, validation and merging: what
   data/nt_cohort builds the panel from. Owned by the reader (data/nt_spells.c);
   additions must be backward compatible (the cohort builder uses the fields
   below). Dates are nt_day; an open end (empty, or after the data end) is
   NT_DAY_NONE. Persons are sorted in bytewise order of person_id and spells
   refer to them by index. Spells are sorted by (person, start, file line). */
#ifndef NT_SPELLS_H
#define NT_SPELLS_H

#include <stdint.h>
#include "core/nt_date.h"
#include "core/nt_error.h"

enum { NT_SEX_M = 1, NT_SEX_F = 2 };
enum { NT_EDU_MISSING = 0, NT_EDU_LOW = 1, NT_EDU_MID = 2, NT_EDU_HIGH = 3 };
enum { NT_MIG_MISSING = 0, NT_MIG_NONE = 1, NT_MIG_WESTERN = 2, NT_MIG_NONWESTERN = 3 };

typedef struct {
    char *name;        /* as in the header */
    int is_numeric;    /* contract rule: all values decimal numbers, no leading zero */
    double *num;       /* n values (NaN missing) when numeric */
    char **str;        /* n values (NULL missing) */
} nt_extra_column;

typedef struct {
    long n;
    char **id;            /* person key (composite keys: the column values joined with '+'), see docs/ingest.md */
    nt_day *birth;        /* YYYY-MM counts as the 1st of the month */
    uint8_t *sex;         /* NT_SEX_* */
    uint8_t *education;   /* NT_EDU_* */
    uint8_t *migration;   /* NT_MIG_* */
    char **region;        /* NULL = missing */
    nt_day *death;        /* NT_DAY_NONE = none */
    nt_day *emigration;   /* NT_DAY_NONE = none */
    int n_extra;
    nt_extra_column *extra;
    long *line;           /* added: line (record number for .sav/.dta) in the persons file */
    uint8_t *rejected;    /* added: 1 = rejected after reading (nt_spells_reject_person); skip it */
} nt_persons;

/* line: line (record number for .sav/.dta) of the spell's first record;
   offset (added): byte offset in the CSV file where that record starts (the
   record index for .sav/.dta), used for the rejects report only. cost, wage, hours: NaN = missing; provider 0 = missing. */
typedef struct { int32_t person, scheme; nt_day start, end; long line; int64_t offset; } nt_benefit_spell;
typedef struct { int32_t person, type; nt_day start, end; double cost; int32_t provider; long line; int64_t offset; } nt_program_spell;
typedef struct { int32_t person; nt_day start, end; double wage, hours; long line; int64_t offset; } nt_job_spell;

typedef struct {
    int n;
    char **name;          /* code i+1 <-> name[i] */
} nt_dict;

typedef struct {
    nt_persons persons;
    long n_benefits;  nt_benefit_spell *benefits;   /* merged per scheme */
    long n_programs;  nt_program_spell *programs;   /* merged per type */
    long n_jobs;      nt_job_spell *jobs;           /* never merged */
    nt_dict schemes;        /* upper-cased scheme names, bytewise order */
    nt_dict program_types;  /* programme type names, bytewise order; in_program code = index + 1 */
    nt_dict providers;
    nt_day data_end;        /* given, or the latest start date in the spell tables */
    nt_day earliest_start[3]; /* benefits, programs, jobs; NT_DAY_NONE if a table is empty */
    long n_jobs_missing_wage;
    char sha256[4][65];     /* persons, benefits, programs, jobs */
    char path[4][1024];
    struct nt_spells_priv *priv;  /* added: the rejects list and what re-reading records needs */
} nt_spells;

typedef struct {
    const char *path[4];       /* persons, benefits, programs, jobs */
    const char *person_key;    /* NULL = "person_id"; "A+B" = composite */
    int cp1252;                /* --encoding cp1252 */
    char decimal;              /* '.' or ',' */
    int lenient;
    int ignore_unknown_persons;
    nt_day data_end;           /* NT_DAY_NONE = from the data */
    const char *rejects_path;  /* rejects report written here (atomically) */
} nt_spells_opts;

/* Reject reasons of the data contract, section 2; index into
   nt_spells_report.rejected. NT_REJECT_MERGED rows are not rejects (the
   record was absorbed into an earlier spell); they are counted in merged[]. */
typedef enum {
    NT_REJECT_MISSING_VALUE = 0,
    NT_REJECT_BAD_DATE,
    NT_REJECT_BAD_NUMBER,
    NT_REJECT_NEGATIVE_MONEY,
    NT_REJECT_BAD_CODE,
    NT_REJECT_END_BEFORE_START,
    NT_REJECT_UNKNOWN_PERSON,
    NT_REJECT_DUPLICATE_PERSON,
    NT_REJECT_COLUMN_COUNT,
    NT_REJECT_NUL_BYTE,
    NT_REJECT_INVALID_UTF8,
    NT_REJECT_BORN_AFTER_INFLOW,
    NT_REJECT_MERGED,
    NT_REJECT_N
} nt_reject_reason;

/* The contract's name of a reason ("missing_value", ...). */
const char *nt_reject_reason_name(nt_reject_reason r);

/* Counts reported by the reader: per file and reason. */
typedef struct {
    long records[4];           /* records read per file */
    long rejected[4][16];      /* per file x reason code (nt_reject_reason) */
    long merged[4];
    long ignored_unknown[4];   /* --ignore-unknown-persons */
} nt_spells_report;

/* Reads, validates, merges and sorts the four tables. report may be NULL.
   Strict mode: the first bad record fails with NT_EINPUT (err has file, line,
   column and "found \"V\", expected ..."). Lenient: bad records are dropped and
   listed. File-level defects fail in both modes. When opts->rejects_path is
   set, the rejects report is written there (atomically) on success. */
nt_status nt_spells_read(const nt_spells_opts *opts, nt_spells **out, nt_spells_report *report, nt_error *err);
void nt_spells_free(nt_spells *s);

/* For checks only the cohort builder can make (born_after_inflow): rejects
   person p (index into persons). Strict mode: returns NT_EINPUT with the
   persons file, the person's line, column and `found "found", expected
   expected`. Lenient: sets persons.rejected[p], lists the person's record
   with the reason and each of its spells as unknown_person (or counts them
   under --ignore-unknown-persons), updates report (may be NULL) and returns
   NT_OK; the spells stay in the arrays, so the caller skips the person.
   Call nt_spells_write_rejects afterwards to rewrite the report. */
nt_status nt_spells_reject_person(nt_spells *s, long p, nt_reject_reason reason, const char *column,
                                  const char *found, const char *expected, nt_spells_report *report,
                                  nt_error *err);

/* Writes the rejects report (file,line,column,reason,record) atomically. */
nt_status nt_spells_write_rejects(const nt_spells *s, const char *path, nt_error *err);

#endif
