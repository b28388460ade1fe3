/* Statistical disclosure control: the only code that decides whether a
   number may be shown. Tables (nt_table.h) ask it per cell; the run's plots
   ask it per month and per figure before drawing; so a number is shown in a
   table exactly when it is drawn in a plot.

   The rule (min_cell = 0: no control, everything is shown):
     a statistic is shown when the fewest persons it rests on, its basis,
       is at least min_cell. The basis of a number from n_treated treated
       and n_control control persons is the smaller of the two; the basis of
       a figure over months 0..T-1 of a path (a cumulative effect, lock-in,
       break-even, the cumulative path at T-1) is the smallest basis of any
       of those months, as the figure rests on every one of them (a month
       of no persons has no number and does not count);
     a person count is shown when its statistic is, and it is 0 or at least
       min_cell.
   Plain numbers in, no estimator structs: the caller says which persons a
   number rests on. */
#ifndef NT_DISCLOSE_H
#define NT_DISCLOSE_H

/* The basis of a number from n_treated treated and n_control controls. */
long nt_disclose_basis(long n_treated, long n_control);

/* The basis of a figure over months 0..n_months-1 of a path whose month
   tau rests on n_treated[tau] and n_control[tau] persons: the smallest
   positive month basis, 0 if there is none. */
long nt_disclose_window(const long *n_treated, const long *n_control, int n_months);

/* 1 if a statistic of this basis may be shown, 0 if not. */
int nt_disclose_stat(long basis, long min_cell);

/* 1 if a person count may be shown, given the basis of its row. */
int nt_disclose_count(double count, long basis, long min_cell);

/* A path as it may be shown: out[tau] = x[tau] if month tau (cumulative = 0)
   or the window 0..tau (cumulative = 1) may be shown, else NaN. x may be
   NULL (nothing done); out may be x. */
void nt_disclose_path(const double *x, const long *n_treated, const long *n_control, int n_months,
                      int cumulative, long min_cell, double *out);

#endif
