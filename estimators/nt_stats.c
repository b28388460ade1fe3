#include "estimators/nt_stats.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

static void gsl_quiet_once(void)
{
    gsl_error_handler_t *prev = gsl_set_error_handler_off();
    if (prev) gsl_set_error_handler(prev);   /* the caller's own handler stays */
}

void nt_gsl_quiet(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, gsl_quiet_once);
}

double nt_pvalue_normal(double z)
{
    nt_gsl_quiet();
    return 2.0 * gsl_cdf_ugaussian_Q(fabs(z));
}

double nt_pvalue_chisq(double x, double df)
{
    nt_gsl_quiet();
    return gsl_cdf_chisq_Q(x, df);
}

void nt_wald_free(nt_wald *w)
{
    if (!w) return;
    free(w->z); free(w->p_value); free(w->ratio); free(w->ratio_lower); free(w->ratio_upper);
    free(w);
}

nt_wald *nt_wald_alloc(const double *b, const double *se, int p)
{
    nt_wald *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    size_t sz = (size_t)(p > 0 ? p : 1) * sizeof(double);
    w->p = p;
    w->z = malloc(sz); w->p_value = malloc(sz); w->ratio = malloc(sz);
    w->ratio_lower = malloc(sz); w->ratio_upper = malloc(sz);
    if (!w->z || !w->p_value || !w->ratio || !w->ratio_lower || !w->ratio_upper) {
        nt_wald_free(w);
        return NULL;
    }
    for (int j = 0; j < p; j++) {
        w->z[j] = b[j] / se[j];
        w->p_value[j] = nt_pvalue_normal(w->z[j]);
        w->ratio[j] = exp(b[j]);
        w->ratio_lower[j] = exp(b[j] - NT_Z975 * se[j]);
        w->ratio_upper[j] = exp(b[j] + NT_Z975 * se[j]);
    }
    return w;
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
