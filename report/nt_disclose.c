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
        "a person count of 1 to min_cell - 1",
        "dominance: one or two persons make up most of a magnitude",
        "secondary: the total minus the other subgroup levels would give a suppressed cell"};
    return why >= 0 && why < NT_WHY_N ? text[why] : "";
}

long nt_disclose_basis(long n_treated, long n_control)
{
    return n_treated < n_control ? n_treated : n_control;
}

long nt_disclose_controls(long used, double w2)
{
    if (!(w2 > 0)) return used;
    double e = floor(1.0 / w2 + 1e-9);
    return e < (double)used ? (long)e : used;
}

long nt_disclose_pooled_controls(const double *pi, const double *w2, const double *wmax, int K)
{
    double s = 0;
    int any = 0;
    for (int k = 0; k < K; k++) {
        if (!(pi[k] > 0)) continue;
        any = 1;
        s += pi[k] * pi[k] * w2[k];
        for (int l = 0; l < K; l++)
            if (l != k && pi[l] > 0) s += pi[k] * pi[l] * (wmax[k] < wmax[l] ? wmax[k] : wmax[l]);
    }
    if (!any) return LONG_MAX;
    if (!(s > 0)) return 0;
    double e = floor(1.0 / s + 1e-9);
    return e >= (double)LONG_MAX ? LONG_MAX : (long)e;
}

int nt_disclose_dominated(double sum, double top1, double top2, double top1_pct, double top2_pct)
{
    if (!(sum > 0)) return 0;
    if (top1_pct > 0 && top1 > top1_pct / 100.0 * sum * (1 + 1e-12)) return 1;
    if (top2_pct > 0 && top1 + top2 > top2_pct / 100.0 * sum * (1 + 1e-12)) return 1;
    return 0;
}

double nt_disclose_step(long basis, long min_cell, long base)
{
    if (min_cell <= 0 || basis < 1 || basis == LONG_MAX) return 0;
    double n = (double)basis - (double)(base > 1 ? base : 0); /* the smallest n a reader can take the rounded count for, and a margin */
    if (n < 1) n = 1;
    double step = 1;
    static const double f[3] = {0.5, 0.4, 0.5}; /* 1 -> 0.5 -> 0.2 -> 0.1 -> 0.05 ... */
    for (int i = 0; step * f[i % 3] >= 1.0 / n - 1e-15; i++) step *= f[i % 3];
    return step;
}

int nt_disclose_secondary(const unsigned char *state, const long *persons, int n, long min_cell)
{
    int pick = -1, sup = 0, unknown = 0, listed = 0, exposed = 0;
    for (int i = 0; i < n; i++) {
        listed += state[i] != NT_PART_REST_FEW && state[i] != NT_PART_REST;
        sup += state[i] == NT_PART_SUPPRESSED || state[i] == NT_PART_SECONDARY;
        unknown += state[i] == NT_PART_EMPTY_FEW || state[i] == NT_PART_EMPTY;
        if (state[i] == NT_PART_SHOWN && (pick < 0 || persons[i] < persons[pick])) pick = i;
    }
    /* a single suppressed level beside the total and the other levels */
    if (listed >= 2 && sup == 1 && unknown == 0) exposed = 1;
    /* a part to protect without another hidden part of min_cell persons */
    for (int i = 0; i < n && !exposed; i++) {
        if (state[i] != NT_PART_SUPPRESSED && state[i] != NT_PART_EMPTY_FEW && state[i] != NT_PART_REST_FEW) continue;
        int partner = 0;
        for (int j = 0; j < n && !partner; j++)
            partner = j != i && persons[j] >= min_cell &&
                      (state[j] == NT_PART_SUPPRESSED || state[j] == NT_PART_SECONDARY || state[j] == NT_PART_EMPTY ||
                       state[j] == NT_PART_REST);
        exposed = !partner;
    }
    if (!exposed || listed < 1) return -1;
    if (pick >= 0) return pick;
    return n; /* no shown part left: the total */
}

int nt_disclose_nested(double n_big, double n_small, long min_cell)
{
    double d = n_big - n_small;
    return min_cell > 0 && d > 0 && d < (double)min_cell;
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
    if (min_cell <= 0 || count == 0) return 1; /* nobody: nothing to protect */
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

const char *nt_disclose_settings_check(long min_cell, long base, double top1_pct, double top2_pct)
{
    if (min_cell <= 0) return "disclosure control is off ([disclosure] min_cell = 0)";
    if (min_cell < NT_DISCLOSE_MIN_CELL) return "[disclosure] min_cell is below 10, the usual minimum of output checking";
    if (base <= 1) return "person counts are not rounded ([disclosure] round = 1): consecutive counts reveal exact differences";
    if (!(top1_pct > 0) && !(top2_pct > 0))
        return "the dominance rule is off ([disclosure] dominance_top1 = dominance_top2 = 0)";
    return NULL;
}

void nt_disclose_path(const double *x, const unsigned char *hidden, int n_months, int cumulative, double *out)
{
    if (!x) return;
    int cut = 0;
    for (int t = 0; t < n_months; t++) {
        int hid = hidden && hidden[t];
        cut |= hid;
        out[t] = (cumulative ? cut : hid) ? NAN : x[t];
    }
}
