/* Disclosure control in one place (rules in nt_disclose.h). */
#include "report/nt_disclose.h"

#include <limits.h>
#include <math.h>

long nt_disclose_basis(long n_treated, long n_control)
{
    return n_treated < n_control ? n_treated : n_control;
}

long nt_disclose_window(const long *n_treated, const long *n_control, int n_months)
{
    long basis = LONG_MAX;
    for (int t = 0; t < n_months; t++) {
        long b = nt_disclose_basis(n_treated[t], n_control[t]);
        if (b > 0 && b < basis) basis = b; /* a month of no persons has no number */
    }
    return basis == LONG_MAX ? 0 : basis;
}

int nt_disclose_stat(long basis, long min_cell)
{
    return min_cell <= 0 || basis >= min_cell;
}

int nt_disclose_count(double count, long basis, long min_cell)
{
    if (min_cell <= 0) return 1;
    return nt_disclose_stat(basis, min_cell) && !(count > 0 && count < (double)min_cell);
}

void nt_disclose_path(const double *x, const long *n_treated, const long *n_control, int n_months,
                      int cumulative, long min_cell, double *out)
{
    if (!x) return;
    long window = LONG_MAX;
    for (int t = 0; t < n_months; t++) {
        long b = nt_disclose_basis(n_treated[t], n_control[t]);
        if (b > 0 && b < window) window = b;
        long basis = cumulative ? (window == LONG_MAX ? 0 : window) : b;
        out[t] = nt_disclose_stat(basis, min_cell) ? x[t] : NAN;
    }
}
