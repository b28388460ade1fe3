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
     a person count is shown when it is 0, or at least min_cell and its
       statistic is shown; a shown count is rounded to the nearest multiple of `round`
       ([disclosure] round, default 5), so two published counts never differ
       by an exact number of persons (a drop of 1..9 between months).
     a comparison's control side rests on the controls actually used (with
       positive weight) and on their effective number (Kish, 1 / sum v^2 of
       the normalised weights), whichever is smaller;
     dominance ((n,k) rule, magnitudes such as earnings and costs): a sum
       or mean is not shown when its largest contributor exceeds top1 % of
       the sum of absolute contributions or its two largest top2 % (on
       either side of a comparison);
     secondary suppression: where a table has a total (the whole cohort)
       and the levels of a subgroup variable, a single suppressed level
       of an additive cell (a count, a mean or effect) would be the total
       minus the others: the next-smallest shown level is suppressed as
       well (or, with none, the total's cell); a level with persons but no
       number is an unknown part like a suppressed one; cells that are no
       person-weighted sum of their levels' (break-even, lock-in depth,
       standard errors, coefficients) are not parts of a total;
     precision: a mean, share or effect on n persons is printed rounded to
       a 1-2-5 step of at least 1 / (n - round) (nt_disclose_step), so its
       digits do not pin down its denominator (a share 0.0126582278 is
       2/158; printed 0.01 it is any of 1/79 .. 2/160).
   Plain numbers in, no estimator structs: the caller says which persons a
   number rests on. */
#ifndef NT_DISCLOSE_H
#define NT_DISCLOSE_H

#include <stddef.h>

/* The smallest threshold output checkers accept (CBS rules of thumb: at
   least 10 units per cell); a run with a lower min_cell is not cleared. */
#define NT_DISCLOSE_MIN_CELL 10
/* The dominance rule's defaults ([disclosure] dominance_top1/top2; netto
   describe): the largest contributor at most 50 %, the two largest at most
   75 % of a magnitude. */
#define NT_DISCLOSE_TOP1 50.0
#define NT_DISCLOSE_TOP2 75.0

/* Why a number was suppressed, for the counts in disclosure.txt. */
typedef enum {
    NT_WHY_PERSONS, /* fewer than min_cell persons on one side of the comparison */
    NT_WHY_SHARE,   /* a share: fewer than min_cell persons with or without the level */
    NT_WHY_WINDOW,  /* a total over months: one of its months is suppressed */
    NT_WHY_COUNT,   /* a person count of 1 .. min_cell-1 */
    NT_WHY_DOMINANCE, /* one or two persons dominate a magnitude */
    NT_WHY_SECONDARY, /* a total minus the other levels would give a suppressed level */
    NT_WHY_N
} nt_disclose_why;

/* A short text for each reason ("fewer than min_cell persons on one side"). */
const char *nt_disclose_why_text(nt_disclose_why why);

/* The basis of a number from n_treated treated and n_control controls. */
long nt_disclose_basis(long n_treated, long n_control);

/* The basis of a control side of weights v (normalised, sum v^2 = w2):
   the controls used or Kish's effective number floor(1 / w2), the smaller;
   `used` when w2 is not positive. */
long nt_disclose_controls(long used, double w2);

/* A lower bound of Kish's effective number of controls of a mean over K
   start months pooled with shares pi[k] (summing to 1), start month k's
   controls having sum of squared weights w2[k] and largest weight wmax[k]
   (a person may be a control in several months: its pooled weight is
   sum_k pi_k v_jk, and sum_j (sum_k pi_k v_jk)^2 <= sum_k pi_k^2 w2_k +
   sum_{k != l} pi_k pi_l min(wmax_k, wmax_l)). Months with pi 0 are skipped;
   LONG_MAX if there are none. */
long nt_disclose_pooled_controls(const double *pi, const double *w2, const double *wmax, int K);

/* 1 if a magnitude whose absolute contributions sum to `sum`, the largest
   being top1 and the second top2, is dominated: top1 > top1_pct % of sum
   or top1 + top2 > top2_pct % of sum (a percentage of 0 turns that part
   off). A sum of 0 is not dominated. */
int nt_disclose_dominated(double sum, double top1, double top2, double top1_pct, double top2_pct);

/* The printing step of a mean, share or effect resting on `basis` persons
   when counts are rounded to `base`: the smallest of 1, 0.5, 0.2, 0.1,
   0.05, ... that is at least 1 / (basis - base) (a published count n is
   base/2 from the true one at most, so the step is at least 1 / (n - base/2)
   for every n a reader can take it for); 0 (print exactly)
   when min_cell <= 0 or the basis is unknown (LONG_MAX or < 1). */
double nt_disclose_step(long basis, long min_cell, long base);

/* The parts of a total for nt_disclose_secondary. */
enum {
    NT_PART_NONE,       /* a level without persons: no part of the total */
    NT_PART_SHOWN,      /* a level whose cell is shown */
    NT_PART_SUPPRESSED, /* suppressed for itself (too few persons, dominance, a suppressed
                           month in its window, a nested group one difference away): to protect */
    NT_PART_SECONDARY,  /* suppressed secondarily: hidden, nothing of its own to protect */
    NT_PART_EMPTY_FEW,  /* no number (not estimable), 1 .. min_cell-1 persons: to protect */
    NT_PART_EMPTY,      /* no number, min_cell persons or more */
    NT_PART_REST_FEW,   /* the total's persons in no listed level, 1 .. min_cell-1: to protect */
    NT_PART_REST        /* the same, min_cell or more (or a single level's unpublished complement) */
};

/* Secondary suppression among the n parts of a total in one additive
   cell of a table whose total is shown (the levels of a subgroup variable
   and what they leave out of the total; a count, or a mean or effect the
   total is a person-weighted sum of: docs/disclosure.md); state[i] an
   NT_PART_*, persons[i] the persons it rests on. The total minus the shown
   levels is the sum of the others. Exposed, so that one more level must
   go, when
     - of two or more listed levels exactly one is suppressed and none is
       empty (what an output checker sees: total minus the others), or
     - a part to protect has no other hidden part (suppressed, empty, the
       rest) of min_cell persons or more beside it (a partner of a few
       persons barely changes the sum).
   Returns then the level to suppress as well (the shown one on the fewest
   persons), or n to suppress the total (no shown level left); else -1. */
int nt_disclose_secondary(const unsigned char *state, const long *persons, int n, long min_cell);

/* How two groups of persons (the whole cohort, subgroup levels of any
   variable) relate, for nt_table_set_groups: a contains b (every person
   of b is in a), a and b disjoint. */
#define NT_DISCLOSE_CONTAINS 1
#define NT_DISCLOSE_DISJOINT 2

/* 1 if publishing a number on n_big persons beside the same number on
   n_small of them (a group containing the other: the whole cohort and a
   level, overlapping ranges, nested levels of two variables) gives away
   the remaining ones by one difference: 0 < n_big - n_small < min_cell. */
int nt_disclose_nested(double n_big, double n_small, long min_cell);

/* The basis of a share of persons with a level among n persons: the persons
   with and those without it, min(share n, (1 - share) n) rounded; n when
   the share is NaN (no number, no limit). */
long nt_disclose_share_basis(double share, long n);

/* 1 if a statistic of this basis may be shown, 0 if not. */
int nt_disclose_stat(long basis, long min_cell);

/* 1 if a person count may be shown, given the basis of its row: 0, or at
   least min_cell with a row that may be shown. */
int nt_disclose_count(double count, long basis, long min_cell);

/* A shown count as published: rounded to the nearest multiple of base
   (halves up) when min_cell > 0 and base > 1, else itself. */
double nt_disclose_round(double count, long min_cell, long base);

/* A count for a sentence or the manifest: "< 10" (with min_cell) for
   1 .. min_cell-1, else the published (rounded) count. */
void nt_disclose_count_text(long count, long min_cell, long base, char *buf, size_t size);

/* Whether the settings allow an export to be cleared: NULL if so, else why
   not (min_cell below NT_DISCLOSE_MIN_CELL, counts not rounded, the
   dominance rule off: both percentages 0). */
const char *nt_disclose_settings_check(long min_cell, long base, double top1_pct, double top2_pct);

/* A path as it may be shown, given which months the table suppressed
   (hidden[tau] = 1): out[tau] = x[tau] unless month tau (cumulative = 0)
   or any month of the window 0..tau (cumulative = 1) is hidden, then NaN.
   x may be NULL (nothing done); out may be x. */
void nt_disclose_path(const double *x, const unsigned char *hidden, int n_months, int cumulative, double *out);

#endif
