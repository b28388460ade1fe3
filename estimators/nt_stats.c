#include "estimators/nt_stats.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>

double nt_pvalue_normal(double z)
{
    return 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

double nt_pvalue_chisq(double x, double df)
{
    return gsl_cdf_chisq_Q(x, df);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double nt_quantile_type7(double *x, long n, double prob)
{
    if (n <= 0) return NAN;
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    double h = (double)(n - 1) * prob;
    long lo = (long)floor(h);
    if (lo >= n - 1) return x[n - 1];
    return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

double nt_sum(const double *x, long n)
{
    double s = 0, c = 0;
    for (long i = 0; i < n; i++) {
        double t = s + x[i];
        c += fabs(s) >= fabs(x[i]) ? (s - t) + x[i] : (x[i] - t) + s;
        s = t;
    }
    return s + c;
}

void nt_mean_sd(const double *x, long n, double *mean, double *sd)
{
    if (n <= 0) { *mean = NAN; *sd = NAN; return; }
    double m = nt_sum(x, n) / (double)n, ss = 0;
    for (long i = 0; i < n; i++) ss += (x[i] - m) * (x[i] - m);
    *mean = m;
    *sd = n > 1 ? sqrt(ss / (double)(n - 1)) : NAN;
}
