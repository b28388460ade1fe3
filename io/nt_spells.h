/* The four linked spell tables after reading, validation and merging: what
   io/nt_cohort builds the panel from. Owned by the reader (io/nt_spells.c);
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
    char **id;            /* person key (composite keys concatenated with '+'?) see docs/ingest.md */
    nt_day *birth;        /* YYYY-MM counts as the 1st of the month */
    uint8_t *sex;         /* NT_SEX_* */
    uint8_t *education;   /* NT_EDU_* */
    uint8_t *migration;   /* NT_MIG_* */
    char **region;        /* NULL = missing */
    nt_day *death;        /* NT_DAY_NONE = none */
    nt_day *emigration;   /* NT_DAY_NONE = none */
    int n_extra;
    nt_extra_column *extra;
} nt_persons;

typedef struct { int32_t person, scheme; nt_day start, end; long line; } nt_benefit_spell;
typedef struct { int32_t person, type; nt_day start, end; double cost; int32_t provider; long line; } nt_program_spell;
typedef struct { int32_t person; nt_day start, end; double wage, hours; long line; } nt_job_spell;

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

/* Counts reported by the reader: per file and reason. */
typedef struct {
    long records[4];           /* records read per file */
    long rejected[4][16];      /* per file x reason code (nt_reject_reason) */
    long merged[4];
    long ignored_unknown[4];   /* --ignore-unknown-persons */
} nt_spells_report;

nt_status nt_spells_read(const nt_spells_opts *opts, nt_spells **out, nt_spells_report *report, nt_error *err);
void nt_spells_free(nt_spells *s);

#endif
