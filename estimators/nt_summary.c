/* Summary figures of an effect path; definitions in nt_summary.h (they are
   the spec's, which win over methods.md section 6). Everything is one pass
   over the window per path; C(tau) is a running sum in month order, so the
   result does not depend on anything but the numbers. */
#include "estimators/nt_summary.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_stats.h"

static nt_status check_args(int n_months, int horizon, int n_reps, double ci_level, nt_error *err)
{
    if (n_months < 1 || horizon < 1 || horizon > n_months)
        return nt_fail(err, NT_EUSAGE, "summary horizon %d is outside the path's 1..%d months",
                       horizon, n_months);
    if (n_reps < 0) return nt_fail(err, NT_EUSAGE, "negative number of replicates");
    if (!(ci_level > 0 && ci_level < 1))
        return nt_fail(err, NT_EUSAGE, "confidence level %g is not between 0 and 1", ci_level);
    return NT_OK;
}

/* The figures of theta[0..T-1] (already on the "more is better" scale). */
static void figures(const double *theta, int T, double sign, nt_summary_point *p)
{
    p->horizon = T;
    double c = 0, depth = NAN;
    int any_def = 0, at = -1;
    for (int t = 0; t < T; t++) {
        double x = sign * theta[t];
        c += x; /* NaN propagates: C(T-1) undefined if any month is */
        if (!isnan(x)) {
            if (!any_def || x < depth) { depth = x; at = t; }
            any_def = 1;
        }
    }
    p->cumulative_effect = c;
    p->lockin_depth = any_def ? (depth < 0 ? depth : 0) : NAN;
    p->lockin_depth_month = any_def && depth < 0 ? at : NAN;

    /* Lock-in end: first tau with theta > 0 in tau..min(tau+2, T-1). A run
       of positive months is counted backwards from the window's end. */
    p->lockin_months = NAN;
    for (int t = 0; t < T; t++) {
        int last = t + 2 < T ? t + 2 : T - 1, ok = 1;
        for (int s = t; s <= last && ok; s++) ok = sign * theta[s] > 0;
        if (ok) { p->lockin_months = t; break; }
    }

    /* Break-even: walk back from T-1 while C(s) > 0 (C as a running sum). */
    p->breakeven_month = NAN;
    double *cum = malloc((size_t)T * sizeof *cum);
    if (!cum) { /* fall back to recomputing sums: O(T^2) but never fails */
        for (int t = T - 1; t >= 0; t--) {
            double s = 0;
            for (int u = 0; u <= t; u++) s += sign * theta[u];
            if (!(s > 0)) break;
            p->breakeven_month = t;
        }
        return;
    }
    double run = 0;
    for (int t = 0; t < T; t++) cum[t] = run += sign * theta[t];
    for (int t = T - 1; t >= 0 && cum[t] > 0; t--) p->breakeven_month = t;
    free(cum);
}

/* Type 7 quantile of sorted x[0..n-1] where values may be +infinity (a
   figure beyond the window): an interpolation touching +inf is +inf. */
static double quantile_inf(const double *x, long n, double p)
{
    if (n <= 0) return NAN;
    double h = (double)(n - 1) * p;
    long lo = (long)floor(h);
    if (lo >= n - 1) return x[n - 1];
    double f = h - (double)lo;
    if (f == 0 || x[lo] == x[lo + 1]) return x[lo];
    if (isinf(x[lo]) || isinf(x[lo + 1])) return INFINITY;
    return x[lo] + f * (x[lo + 1] - x[lo]);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void interval(double *v, long n, double level, double *lo, double *hi)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double a = (1 - level) / 2;
    *lo = quantile_inf(v, n, a);
    *hi = quantile_inf(v, n, 1 - a);
    if (isinf(*lo)) *lo = NAN;
    if (isinf(*hi)) *hi = NAN;
}

nt_status nt_summary_compute(const double *theta, const double *reps, int n_reps,
                             int n_months, int less_is_better, int horizon, double ci_level,
                             nt_summary *out, nt_error *err)
{
    nt_status s = check_args(n_months, horizon, n_reps, ci_level, err);
    if (s) return s;
    double sign = less_is_better ? -1.0 : 1.0;
    nt_summary r;
    memset(&r, 0, sizeof r);
    figures(theta, horizon, sign, &r.est);
    r.cumulative_se = r.cumulative_lower = r.cumulative_upper = NAN;
    r.lockin_depth_lower = r.lockin_depth_upper = NAN;
    r.lockin_months_lower = r.lockin_months_upper = NAN;
    r.breakeven_lower = r.breakeven_upper = NAN;
    r.share_breakeven = NAN;
    if (n_reps > 0 && reps) {
        double *buf = malloc((size_t)n_reps * 4 * sizeof *buf);
        if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
        double *cum = buf, *depth = buf + n_reps, *lock = buf + 2 * n_reps, *be = buf + 3 * n_reps;
        long k = 0, n_be = 0;
        for (int b = 0; b < n_reps; b++) {
            nt_summary_point p;
            figures(reps + (size_t)b * (size_t)n_months, horizon, sign, &p);
            if (isnan(p.cumulative_effect)) continue; /* an undefined month in the window */
            cum[k] = p.cumulative_effect;
            depth[k] = p.lockin_depth;
            lock[k] = isnan(p.lockin_months) ? INFINITY : p.lockin_months;
            be[k] = isnan(p.breakeven_month) ? INFINITY : p.breakeven_month;
            n_be += !isnan(p.breakeven_month);
            k++;
        }
        r.n_reps_used = k;
        if (k > 0) {
            double mean;
            nt_mean_sd(cum, k, &mean, &r.cumulative_se);
            interval(cum, k, ci_level, &r.cumulative_lower, &r.cumulative_upper);
            interval(depth, k, ci_level, &r.lockin_depth_lower, &r.lockin_depth_upper);
            interval(lock, k, ci_level, &r.lockin_months_lower, &r.lockin_months_upper);
            interval(be, k, ci_level, &r.breakeven_lower, &r.breakeven_upper);
            r.share_breakeven = (double)n_be / (double)k;
        }
        free(buf);
    }
    *out = r;
    return NT_OK;
}

nt_status nt_summary_months(const double *reps, int n_reps, int n_months, double ci_level,
                            double *se, double *lower, double *upper, nt_error *err)
{
    nt_status s = check_args(n_months, n_months, n_reps, ci_level, err);
    if (s) return s;
    double *v = malloc((size_t)(n_reps > 0 ? n_reps : 1) * sizeof *v);
    if (!v) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int t = 0; t < n_months; t++) {
        long k = 0;
        for (int b = 0; b < n_reps && reps; b++) {
            double x = reps[(size_t)b * (size_t)n_months + (size_t)t];
            if (!isnan(x)) v[k++] = x;
        }
        double mean, sd = NAN, lo = NAN, hi = NAN;
        if (k > 0) {
            nt_mean_sd(v, k, &mean, &sd);
            interval(v, k, ci_level, &lo, &hi);
        }
        if (se) se[t] = sd;
        if (lower) lower[t] = lo;
        if (upper) upper[t] = hi;
    }
    free(v);
    return NT_OK;
}

nt_status nt_summary_cumulative(const double *theta, const double *reps, int n_reps,
                                int n_months, int less_is_better, double ci_level,
                                double *cum, double *lower, double *upper, nt_error *err)
{
    nt_status s = check_args(n_months, n_months, n_reps, ci_level, err);
    if (s) return s;
    double sign = less_is_better ? -1.0 : 1.0, run = 0;
    for (int t = 0; t < n_months; t++) cum[t] = run += sign * theta[t];
    if (!lower && !upper) return NT_OK;
    if (!reps || n_reps == 0) {
        for (int t = 0; t < n_months; t++) {
            if (lower) lower[t] = NAN;
            if (upper) upper[t] = NAN;
        }
        return NT_OK;
    }
    /* Replicate cumulative paths, then the same per-month percentiles. */
    double *rc = malloc((size_t)n_reps * (size_t)n_months * sizeof *rc);
    if (!rc) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int b = 0; b < n_reps; b++) {
        double r = 0;
        for (int t = 0; t < n_months; t++) {
            size_t i = (size_t)b * (size_t)n_months + (size_t)t;
            rc[i] = r += sign * reps[i];
        }
    }
    s = nt_summary_months(rc, n_reps, n_months, ci_level, NULL, lower, upper, err);
    free(rc);
    return s;
}

nt_status nt_summary_pooled(const double *theta, const long *contrib, const double *se_k, long se_stride,
                            const int *use, int n_k, int n_months, double ci_level,
                            double *se, double *lower, double *upper, nt_error *err)
{
    nt_status s = check_args(n_months, n_months, 0, ci_level, err);
    if (s) return s;
    double z = ci_level == 0.95 ? NT_Z975 : gsl_cdf_ugaussian_Pinv((1 + ci_level) / 2);
    for (int t = 0; t < n_months; t++) {
        long den = 0;
        for (int k = 0; k < n_k; k++)
            if (use[k]) den += contrib[(long)k * n_months + t];
        double v = den > 0 ? 0 : NAN;
        for (int k = 0; k < n_k && den > 0 && !isnan(v); k++) {
            long c = use[k] ? contrib[(long)k * n_months + t] : 0;
            if (c == 0) continue;
            double sk = se_k[(long)k * se_stride + t], pi = (double)c / (double)den;
            v = isnan(sk) ? NAN : v + pi * pi * sk * sk;
        }
        se[t] = sqrt(v);
        if (lower) lower[t] = theta[t] - z * se[t];
        if (upper) upper[t] = theta[t] + z * se[t];
    }
    return NT_OK;
}

double nt_summary_discount(double rate, int tau)
{
    return rate == 0 ? 1.0 : pow(1.0 + rate, -(double)tau / 12.0);
}

void nt_summary_net_path(const double *const *theta, const double *a, int n_series, int n_months, double rate,
                         double *out)
{
    for (int tau = 0; tau < n_months; tau++) {
        double v = 0;
        for (int s = 0; s < n_series; s++)
            if (a[s] != 0) v += a[s] * theta[s][tau];
        out[tau] = nt_summary_discount(rate, tau) * v;
    }
}
