/* The four linked spell tables after reading, validation and merging: what
   data/nt_cohort builds the panel from. Owned by the reader (data/nt_spells.c;
   its stages are listed in data/nt_spells_priv.h); additions must be
   backward compatible (the cohort builder uses the fields below). Dates are
   nt_day; an open end (empty, or after the data end) is NT_DAY_NONE.
   Persons are sorted in bytewise order of person_id and spells refer to
   them by index. Spells are sorted by (person, start, file line). */
#ifndef NT_SPELLS_H
#define NT_SPELLS_H

#include <stdint.h>
#include "core/nt_date.h"
#include "core/nt_error.h"
#include "core/nt_file_kind.h"
#include "core/nt_reject.h"
#include "data/nt_spells_rejects.h"

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

struct nt_spells {
    nt_persons persons;
    long n_benefits;  nt_benefit_spell *benefits;   /* merged per scheme */
    long n_programs;  nt_program_spell *programs;   /* merged per type */
    long n_jobs;      nt_job_spell *jobs;           /* never merged */
    nt_dict schemes;        /* upper-cased scheme names, bytewise order */
    nt_dict program_types;  /* programme type names, bytewise order; in_program code = index + 1 */
    nt_dict providers;
    nt_day data_end;        /* given, or the latest start date in the spell tables */
    nt_day earliest_start[NT_FILE_N - 1]; /* per spell table (file kind - 1); NT_DAY_NONE if empty */
    long n_jobs_missing_wage;
    char sha256[NT_FILE_N][65];   /* per file (nt_file_kind) */
    char path[NT_FILE_N][1024];
    struct nt_spells_priv *priv;  /* added: the rejects list and what re-reading records needs */
};

typedef struct {
    const char *path[NT_FILE_N];  /* per file (nt_file_kind) */
    const char *person_key;    /* NULL = "person_id"; "A+B" = composite */
    int cp1252;                /* --encoding cp1252 */
    char decimal;              /* '.' or ',' */
    int lenient;
    int ignore_unknown_persons;
    nt_day data_end;           /* NT_DAY_NONE = from the data */
    const char *rejects_path;  /* rejects report written here (atomically) */
} nt_spells_opts;

/* Reads, validates, merges and sorts the four tables. report may be NULL.
   Strict mode: the first bad record fails with NT_EINPUT (err has file, line,
   column and "found \"V\", expected ..."). Lenient: bad records are dropped and
   listed. File-level defects fail in both modes. When opts->rejects_path is
   set, the rejects report is written there (atomically) on success.
   Rejecting a person afterwards: data/nt_spells_rejects.h. */
/* The level a persons-file value of a coded column (sex, education,
   migration) is stored as, whatever spelling ingest accepts ("laag", "1",
   "LOW" -> "low"; "V" -> "F"); NULL for another variable or a value ingest
   refuses. */
const char *nt_spells_level(const char *variable, const char *value);

nt_status nt_spells_read(const nt_spells_opts *opts, nt_spells **out, nt_spells_report *report, nt_error *err);
void nt_spells_free(nt_spells *s);

#endif
