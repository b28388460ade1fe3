/* Balance statistics (contract in nt_balance.h). */
#include "estimators/nt_balance.h"

#include <math.h>
#include <string.h>
#include <stddef.h>

/* Moments of one column in two passes over the rows: slot 0/1 = controls /
   treated before (unweighted, skip excluded), slot 2/3 = after (weight w).
   Variance: cobalt-style sum w (x - m)^2 * sum w / ((sum w)^2 - sum w^2),
   which with unit weights is the usual n - 1 variance. */
static void moments4(const double *xj, long n, const uint8_t *treated, const uint8_t *skip,
                     const double *w, double mean[4], double var[4], int *binary)
{
    double sw[4] = {0}, sw2[4] = {0}, swx[4] = {0}, ss[4] = {0};
    int bin = 1;
    for (long i = 0; i < n; i++) {
        int a = treated[i] != 0;
        double x = xj[i];
        if (!(skip && skip[i])) {
            sw[a] += 1;
            swx[a] += x;
            bin &= x == 0 || x == 1;
        }
        double wi = w ? w[i] : 0;
        if (wi > 0) { sw[2 + a] += wi; sw2[2 + a] += wi * wi; swx[2 + a] += wi * x; }
    }
    sw2[0] = sw[0];
    sw2[1] = sw[1];
    for (int k = 0; k < 4; k++) mean[k] = sw[k] > 0 ? swx[k] / sw[k] : NAN;
    for (long i = 0; i < n; i++) {
        int a = treated[i] != 0;
        double x = xj[i];
        if (!(skip && skip[i])) ss[a] += (x - mean[a]) * (x - mean[a]);
        double wi = w ? w[i] : 0;
        if (wi > 0) ss[2 + a] += wi * (x - mean[2 + a]) * (x - mean[2 + a]);
    }
    for (int k = 0; k < 4; k++) {
        double den = sw[k] * sw[k] - sw2[k];
        var[k] = sw[k] > 0 && den > 0 ? ss[k] * sw[k] / den : NAN;
    }
    *binary = bin;
}

/* The row from the four means and variances (slots of moments4) and s*. */
static void fill_row(const double m[4], const double v[4], double s, nt_balance_row *r)
{
    r->sd_denominator = s;
    r->mean_treated = m[1];
    r->mean_treated_after = m[3];
    r->mean_control_before = m[0];
    r->mean_control_after = m[2];
    r->smd_before = s > 0 ? (m[1] - m[0]) / s : NAN;
    r->smd_after = s > 0 ? (m[3] - m[2]) / s : NAN;
    r->var_ratio_before = v[0] > 0 ? v[1] / v[0] : NAN;
    r->var_ratio_after = v[2] > 0 ? v[3] / v[2] : NAN;
}

static void moment_add(nt_balance_moments *g, double x, double w)
{
    g->w += w;
    g->ww += w * w;
    g->wx += w * x;
    g->wxx += w * x * x;
}

nt_status nt_balance_compute(const double *x, long n, int p, const uint8_t *treated,
                             const uint8_t *skip, const double *w, nt_estimand estimand,
                             nt_balance_row *rows, double ess[2], nt_error *err)
{
    (void)err;
    for (int arm = 0; arm <= 1; arm++) {
        double sw = 0, sw2 = 0;
        for (long i = 0; i < n; i++)
            if ((treated[i] != 0) == arm && w && w[i] > 0) { sw += w[i]; sw2 += w[i] * w[i]; }
        ess[arm] = sw2 > 0 ? sw * sw / sw2 : 0;
    }
    /* Columns are independent: parallel over columns, same result for any
       thread count. */
#pragma omp parallel for schedule(dynamic, 1)
    for (int j = 0; j < p; j++) {
        const double *xj = x + (size_t)j * (size_t)n;
        nt_balance_row *r = &rows[j];
        memset(r->dom, 0, sizeof r->dom);
        double m[4], v[4];
        int binary;
        moments4(xj, n, treated, skip, w, m, v, &binary);
        double m0 = m[0], m1 = m[1], v0 = v[0], v1 = v[1];
        /* Binary column: the denominator uses p (1 - p), as MatchIt's
           summary() and cobalt do for binary variables. */
        double d1 = binary ? m1 * (1 - m1) : v1, d0 = binary ? m0 * (1 - m0) : v0;
        fill_row(m, v, estimand == NT_ATT ? sqrt(d1) : sqrt((d1 + d0) / 2), r);
    }
    return NT_OK;
}

/* One row's |w x| into slot k's sum and largest contributions. */
static void top_add(nt_balance_acc *a, int k, double c)
{
    a->abs[k] += c;
    double *t = a->top[k];
    if (!(c > t[NT_BALANCE_TOP - 1])) return;
    int i = NT_BALANCE_TOP - 1;
    for (; i > 0 && c > t[i - 1]; i--) t[i] = t[i - 1];
    t[i] = c;
}

void nt_balance_acc_add(nt_balance_acc *a, double x, int treated, double w_after)
{
    int t = treated != 0;
    moment_add(&a->g[t], x, 1);
    top_add(a, t, fabs(x));
    if (w_after > 0) {
        moment_add(&a->g[2 + t], x, w_after);
        top_add(a, 2 + t, fabs(w_after * x));
    }
}

/* The sum of the m largest of a slot's rows, bounded beyond those kept. */
static double top_sum(const double *t, int m)
{
    double s = 0;
    for (int i = 0; i < m; i++) s += t[i < NT_BALANCE_TOP ? i : NT_BALANCE_TOP - 1];
    return s;
}

void nt_balance_acc_dominance(const nt_balance_acc *a, int rows_per_person, nt_balance_row *row)
{
    for (int k = 0; k < 4; k++) {
        int m = k % 2 ? 1 : (rows_per_person > 1 ? rows_per_person : 1);
        double one = top_sum(a->top[k], m), two = top_sum(a->top[k], 2 * m);
        row->dom[k][0] = a->abs[k];
        row->dom[k][1] = one < a->abs[k] ? one : a->abs[k];
        row->dom[k][2] = (two < a->abs[k] ? two : a->abs[k]) - row->dom[k][1];
    }
}

void nt_balance_acc_row(const nt_balance_acc *a, nt_balance_row *row)
{
    double m[4], v[4];
    for (int k = 0; k < 4; k++) {
        const nt_balance_moments *g = &a->g[k];
        double den = g->w * g->w - g->ww, ss = g->wxx - g->wx * g->wx / g->w;
        m[k] = g->w > 0 ? g->wx / g->w : NAN;
        v[k] = g->w <= 0 || den <= 0 ? NAN : (ss < 0 ? 0 : ss) * g->w / den;
    }
    fill_row(m, v, sqrt(v[1]), row);
    memset(row->dom, 0, sizeof row->dom);
}
