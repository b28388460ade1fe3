/* Statistical disclosure control: the only code that decides whether a
   number may be shown (docs/disclosure.md). Tables (nt_table.h) ask it per
   cell; the run's plots ask it per month and per figure before drawing; the
   manifest and the run's warnings ask it for every count they state; so a
   number is shown in a table exactly when it is drawn in a plot.

   The rules (min_cell = 0: no control, everything is shown exactly):
     a statistic is shown when the fewest persons it rests on, its basis,
       is at least min_cell. The basis of a number from n_treated treated
       and n_control control persons is the smaller of the two; the basis of
       a figure over months 0..T-1 of a path (a cumulative effect, lock-in,
       break-even, net benefit, the cumulative path at T-1) is the smallest
       basis of any of those months, as the figure rests on every one of
       them (a month of no persons has no number and does not count): so a
       published total never has a suppressed part that differencing with
       the published months could recover;
     a share of a binary variable among n persons also rests on the persons
       with the level and those without it (a share of 1/158 is a count of
       1): its basis is min(share x n, (1 - share) x n), rounded;
     a person count is shown when its statistic is, and it is 0 or at least
       min_cell; a shown count is rounded to the nearest multiple of `round`
       ([disclosure] round, default 5), so two published counts never differ
       by an exact number of persons (a drop of 1..9 between months).
   Plain numbers in, no estimator structs: the caller says which persons a
   number rests on. */
#ifndef NT_DISCLOSE_H
#define NT_DISCLOSE_H

#include <stddef.h>

/* The smallest threshold output checkers accept (CBS rules of thumb: at
   least 10 units per cell); a run with a lower min_cell is not cleared. */
#define NT_DISCLOSE_MIN_CELL 10

/* Why a number was suppressed, for the counts in disclosure.txt. */
typedef enum {
    NT_WHY_PERSONS, /* fewer than min_cell persons on one side of the comparison */
    NT_WHY_SHARE,   /* a share: fewer than min_cell persons with or without the level */
    NT_WHY_WINDOW,  /* a total over months: one of its months is suppressed */
    NT_WHY_COUNT,   /* a person count of 1 .. min_cell-1 */
    NT_WHY_N
} nt_disclose_why;

/* A short text for each reason ("fewer than min_cell persons on one side"). */
const char *nt_disclose_why_text(nt_disclose_why why);

/* The basis of a number from n_treated treated and n_control controls. */
long nt_disclose_basis(long n_treated, long n_control);

/* The basis of a figure over months 0..n_months-1 of a path whose month
   tau rests on n_treated[tau] and n_control[tau] persons: the smallest
   positive month basis, 0 if there is none. */
long nt_disclose_window(const long *n_treated, const long *n_control, int n_months);

/* The basis of a share of persons with a level among n persons: the persons
   with and those without it, min(share n, (1 - share) n) rounded; n when
   the share is NaN (no number, no limit). */
long nt_disclose_share_basis(double share, long n);

/* 1 if a statistic of this basis may be shown, 0 if not. */
int nt_disclose_stat(long basis, long min_cell);

/* 1 if a person count may be shown, given the basis of its row. */
int nt_disclose_count(double count, long basis, long min_cell);

/* A shown count as published: rounded to the nearest multiple of base
   (halves up) when min_cell > 0 and base > 1, else itself. */
double nt_disclose_round(double count, long min_cell, long base);

/* A count for a sentence or the manifest: "< 10" (with min_cell) for
   1 .. min_cell-1, else the published (rounded) count. */
void nt_disclose_count_text(long count, long min_cell, long base, char *buf, size_t size);

/* Whether the settings allow an export to be cleared: NULL if so, else why
   not (min_cell below NT_DISCLOSE_MIN_CELL, counts not rounded). */
const char *nt_disclose_settings_check(long min_cell, long base);

/* A path as it may be shown: out[tau] = x[tau] if month tau (cumulative = 0)
   or the window 0..tau (cumulative = 1) may be shown, else NaN. x may be
   NULL (nothing done); out may be x. */
void nt_disclose_path(const double *x, const long *n_treated, const long *n_control, int n_months,
                      int cumulative, long min_cell, double *out);

#endif
