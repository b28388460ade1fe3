/* Disclosure control in one place (rules in nt_disclose.h). */
#include "report/nt_disclose.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>

const char *nt_disclose_why_text(nt_disclose_why why)
{
    static const char *text[NT_WHY_N] = {
        "fewer than min_cell persons on one side (treated or controls)",
        "a share: fewer than min_cell persons with or without the level",
        "a total over months: one of its months rests on fewer than min_cell persons",
        "a person count of 1 to min_cell - 1"};
    return why >= 0 && why < NT_WHY_N ? text[why] : "";
}

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

long nt_disclose_share_basis(double share, long n)
{
    if (isnan(share)) return n;
    double with = share * (double)n, without = (1 - share) * (double)n;
    double b = with < without ? with : without;
    return b <= 0 ? 0 : (long)floor(b + 0.5);
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

double nt_disclose_round(double count, long min_cell, long base)
{
    if (min_cell <= 0 || base <= 1 || isnan(count) || isinf(count)) return count;
    return floor(count / (double)base + 0.5) * (double)base;
}

void nt_disclose_count_text(long count, long min_cell, long base, char *buf, size_t size)
{
    if (min_cell > 0 && count > 0 && count < min_cell) snprintf(buf, size, "< %ld", min_cell);
    else snprintf(buf, size, "%.0f", nt_disclose_round((double)count, min_cell, base));
}

const char *nt_disclose_settings_check(long min_cell, long base)
{
    if (min_cell <= 0) return "disclosure control is off ([disclosure] min_cell = 0)";
    if (min_cell < NT_DISCLOSE_MIN_CELL) return "[disclosure] min_cell is below 10, the usual minimum of output checking";
    if (base <= 1) return "person counts are not rounded ([disclosure] round = 1): consecutive counts reveal exact differences";
    return NULL;
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
