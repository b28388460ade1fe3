/* The cohort panel (data contract, section 3): who enters the cohort, the
   person x month series since inflow, censoring, the covariates measured at
   inflow, treatment timing and the exit from the index spell.

   Months: "month k" is k months since inflow (month 0 = calendar month of
   the index spell's start), k = 0..H-1. Calendar months are nt_date month
   numbers (year*12 + month-1).

   Censoring rule (exact): month k is observed iff its last day L satisfies
   L <= data_end, L < death_date and L < emigration_date ("before" is strict:
   a person who dies on the last day of a month is not observed in that
   month). Observed months therefore form a prefix 0..n_observed-1. A
   censored month holds NT_COHORT_FILL (uint8 series) or NaN (earnings).

   Persons whose birth date is after the index spell's start are the
   record-level defect `born_after_inflow`: they are left out of the cohort
   and listed in `born_after`; the caller passes each to
   nt_spells_reject_person (strict mode: the error; lenient: the rejects
   report) before writing a store. */
#ifndef NT_COHORT_H
#define NT_COHORT_H

#include <stdint.h>
#include "core/nt_error.h"
#include "core/nt_exit.h"
#include "core/nt_series.h"
#include "data/nt_spells.h"

#define NT_COHORT_FILL 255  /* censored month in a uint8 series */
#define NT_COHORT_PRE 36    /* pre-inflow months kept (data contract section 5) */

typedef struct {
    int n_schemes;
    const char *const *schemes;  /* scheme names, matched case-insensitively */
    int inflow_from, inflow_to;  /* calendar month numbers, inclusive */
    int horizon;                 /* H >= 1 */
} nt_cohort_def;

typedef struct {
    int32_t person;   /* index into spells->persons */
    long line;        /* benefits line of the index spell */
    nt_day start;     /* its start date */
} nt_cohort_reject;

typedef struct {
    long n;            /* cohort members, in persons order (bytewise person_id) */
    int months;        /* H */
    int32_t *person;   /* n: index into spells->persons */

    /* Panel series, n x months, row-major (person i, month k at i*months+k). */
    uint8_t *employed, *on_benefit, *on_index_benefit, *in_program;
    float *earnings;

    /* Per member. */
    int32_t *inflow_month;   /* calendar month number of month 0 */
    int32_t *scheme;         /* scheme code of the index spell (1-based into spells->schemes) */
    nt_day *index_start, *index_end;  /* index_end NT_DAY_NONE: still running at data end */
    long *index_line;        /* benefits line of the index spell */
    int32_t *n_observed;     /* observed months (a prefix 0..n_observed-1) */
    int32_t *age;            /* completed years at index_start; INT32_MIN if no birth date */
    int32_t *emp_prev12, *emp_prev24, *ben_prev24;
    /* Pre-inflow months (placebo outcomes): NT_COHORT_PRE months before
       month 0, n x NT_COHORT_PRE row-major, column j = month j - NT_COHORT_PRE
       (-36 .. -1). Never censored (inflow is before the data end); months
       before a table's earliest start count as 0, as for the covariates. */
    uint8_t *pre_employed, *pre_on_benefit;
    float *pre_earnings;
    double *earn_prev12;
    int32_t *treat_type;     /* programme type code, 0 none */
    int32_t *treat_month;    /* months since inflow, -1 none */
    double *treat_cost;      /* cost_eur of the treating trajectory, NaN none/missing */
    int32_t *exit_month;     /* see nt_cohort.c: months since inflow */
    uint8_t *exit_dest;      /* nt_exit (core/nt_exit.h) */

    int *scheme_selected;    /* per scheme code-1: 1 if part of the definition */
    long n_censored_months;  /* person-months censored, over the whole panel */
    long n_censored_persons; /* members with at least one censored month */

    long n_born_after;       /* persons left out: born after the index spell's start */
    nt_cohort_reject *born_after;
} nt_cohort;

/* Builds the cohort from merged spells. O(spells + persons x months);
   OpenMP over persons with one row per person, so the result is the same
   for any thread count. Fails on: no scheme of the definition in the data
   (NT_EINPUT), an extra persons column named like a derived covariate,
   out of memory. */
nt_status nt_cohort_build(const nt_spells *spells, const nt_cohort_def *def,
                          nt_cohort **out, nt_error *err);
void nt_cohort_free(nt_cohort *c);

/* Completed years between birth and day; a 29 February birthday falls on
   1 March in a year that is not a leap year. */
int nt_age_years(nt_day birth, nt_day day);

#endif
