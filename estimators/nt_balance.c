/* Balance statistics (contract in nt_balance.h). */
#include "estimators/nt_balance.h"

#include <math.h>
#include <stddef.h>

/* Weighted mean and cobalt-style weighted variance of column xj over units
   of arm `arm` with weight wt(i) > 0. w == NULL: weights 1 (plain n - 1
   variance, which is the same formula with unit weights). */
static void moments(const double *xj, long n, const uint8_t *treated, const uint8_t *skip,
                    const double *w, int arm, double *mean, double *var)
{
    double sw = 0, sw2 = 0, swx = 0;
    for (long i = 0; i < n; i++) {
        if ((treated[i] != 0) != arm) continue;
        double wi = w ? w[i] : (skip && skip[i] ? 0 : 1);
        if (!(wi > 0)) continue;
        sw += wi;
        sw2 += wi * wi;
        swx += wi * xj[i];
    }
    if (!(sw > 0)) { *mean = NAN; *var = NAN; return; }
    double m = swx / sw, ss = 0;
    for (long i = 0; i < n; i++) {
        if ((treated[i] != 0) != arm) continue;
        double wi = w ? w[i] : (skip && skip[i] ? 0 : 1);
        if (!(wi > 0)) continue;
        ss += wi * (xj[i] - m) * (xj[i] - m);
    }
    *mean = m;
    double den = sw * sw - sw2;
    *var = den > 0 ? ss * sw / den : NAN;
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
    for (int j = 0; j < p; j++) {
        const double *xj = x + (size_t)j * (size_t)n;
        nt_balance_row *r = &rows[j];
        double m1, v1, m0, v0, m1a, v1a, m0a, v0a;
        moments(xj, n, treated, skip, NULL, 1, &m1, &v1);
        moments(xj, n, treated, skip, NULL, 0, &m0, &v0);
        moments(xj, n, treated, NULL, w, 1, &m1a, &v1a);
        moments(xj, n, treated, NULL, w, 0, &m0a, &v0a);
        /* Binary column: the denominator uses p (1 - p), as MatchIt's
           summary() and cobalt do for binary variables. */
        int binary = 1;
        for (long i = 0; i < n && binary; i++)
            if (!(skip && skip[i])) binary = xj[i] == 0 || xj[i] == 1;
        double d1 = binary ? m1 * (1 - m1) : v1, d0 = binary ? m0 * (1 - m0) : v0;
        double s = estimand == NT_ATT ? sqrt(d1) : sqrt((d1 + d0) / 2);
        r->sd_denominator = s;
        r->mean_treated = m1;
        r->mean_treated_after = m1a;
        r->mean_control_before = m0;
        r->mean_control_after = m0a;
        r->smd_before = s > 0 ? (m1 - m0) / s : NAN;
        r->smd_after = s > 0 ? (m1a - m0a) / s : NAN;
        r->var_ratio_before = v0 > 0 ? v1 / v0 : NAN;
        r->var_ratio_after = v0a > 0 ? v1a / v0a : NAN;
    }
    return NT_OK;
}
