/* Rosenbaum bounds (formulas in nt_sens.h) and the matched sets a run
   keeps for them. */
#include "estimators/nt_sens.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

void nt_dyn_pairs_free(nt_dyn_pairs *P)
{
    if (!P) return;
    free(P->k);
    free(P->treated);
    free(P->start);
    free(P->control);
    free(P->w);
    memset(P, 0, sizeof *P);
}

static int cmp_abs(const void *a, const void *b)
{
    double x = fabs(*(const double *)a), y = fabs(*(const double *)b);
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The non-zero d in order of |d|, with their average ranks: T (the rank
   sum of the signed direction), S1 = sum r, S2 = sum r^2; -1 when out of
   memory, 0 when none is non-zero. */
static long rank_sums(const double *d, long n, int sign, double *T, double *S1, double *S2)
{
    double *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) return -1;
    long m = 0;
    for (long i = 0; i < n; i++)
        if (d[i] != 0 && !isnan(d[i])) v[m++] = sign < 0 ? -d[i] : d[i];
    qsort(v, (size_t)m, sizeof *v, cmp_abs);
    *T = *S1 = *S2 = 0;
    for (long i = 0; i < m;) {
        long j = i;
        while (j + 1 < m && fabs(v[j + 1]) == fabs(v[i])) j++;
        double r = (double)(i + j + 2) / 2;   /* ranks i+1 .. j+1 averaged */
        for (long q = i; q <= j; q++) {
            if (v[q] > 0) *T += r;
            *S1 += r;
            *S2 += r * r;
        }
        i = j + 1;
    }
    free(v);
    return m;
}

static double wilcoxon_p(double T, double S1, double S2, double gamma)
{
    double p = gamma / (1 + gamma);
    double E = p * S1, V = p * (1 - p) * S2;
    return V > 0 ? gsl_cdf_ugaussian_Q((T - E) / sqrt(V)) : NAN;
}

double nt_sens_wilcoxon_p(const double *d, long n, int sign, double gamma, nt_error *err)
{
    double T, S1, S2;
    long m = rank_sums(d, n, sign, &T, &S1, &S2);
    if (m < 0) { nt_fail(err, NT_ENOMEM, "out of memory"); return NAN; }
    return m == 0 ? NAN : wilcoxon_p(T, S1, S2, gamma);
}

/* Bisection for the smallest Gamma with p(Gamma) > alpha, p increasing. */
#define BISECT(pfun)                                                     \
    do {                                                                 \
        if (isnan(pfun(1.0))) return NAN;                                \
        if (pfun(1.0) > alpha) return 1.0;                               \
        if (!(pfun(gamma_max) > alpha)) return gamma_max;                \
        double lo = 1.0, hi = gamma_max;                                 \
        while (hi - lo > 1e-4) {                                         \
            double mid = (lo + hi) / 2;                                  \
            if (pfun(mid) > alpha) hi = mid;                             \
            else lo = mid;                                               \
        }                                                                \
        return hi;                                                       \
    } while (0)

double nt_sens_wilcoxon_gamma(const double *d, long n, int sign, double alpha, double gamma_max, nt_error *err)
{
    double T, S1, S2;
    long m = rank_sums(d, n, sign, &T, &S1, &S2);
    if (m < 0) { nt_fail(err, NT_ENOMEM, "out of memory"); return NAN; }
    if (m == 0) return NAN;
#define WP(g) wilcoxon_p(T, S1, S2, (g))
    BISECT(WP);
#undef WP
}

/* E and Var of the treated's successes under odds ratio G (the root of
   the quadratic in nt_sens.h inside its bounds). */
static void mh_moments(double n1, double m, double N, double G, double *E, double *V)
{
    double lo = fmax(0, m + n1 - N), hi = fmin(m, n1);
    double a = G - 1, b = -((G - 1) * (n1 + m) + N), c = G * m * n1;
    double e;
    if (fabs(a) < 1e-12) e = -c / b;
    else {
        double disc = sqrt(fmax(b * b - 4 * a * c, 0));
        double r1 = (-b - disc) / (2 * a), r2 = (-b + disc) / (2 * a);
        e = (r1 >= lo - 1e-9 && r1 <= hi + 1e-9) ? r1 : r2;
    }
    *E = e;
    *V = 1 / (1 / e + 1 / (m - e) + 1 / (n1 - e) + 1 / (N - m - n1 + e));
}

static void mh_bounds(double n1, double y1, double n0, double y0, double gamma, double q[2], double p[2])
{
    double N = n1 + n0, m = y1 + y0;
    for (int s = 0; s < 2; s++) {
        double E, V;
        mh_moments(n1, m, N, s == 0 ? gamma : 1 / gamma, &E, &V);
        q[s] = V > 0 ? (fabs(y1 - E) - 0.5) / sqrt(V) : NAN;
        p[s] = isnan(q[s]) ? NAN : gsl_cdf_ugaussian_Q(q[s]);
    }
}

double nt_sens_mh_p(double n1, double y1, double n0, double y0, int sign, double g)
{
    double q[2], p[2];
    mh_bounds(n1, y1, n0, y0, g, q, p);
    /* Past the Gamma where E+ crosses y1 the statistic's |.| turns it
       round: the bound has then lost significance. */
    double N = n1 + n0, m = y1 + y0, E, V;
    mh_moments(n1, m, N, sign > 0 ? g : 1 / g, &E, &V);
    if (sign > 0 ? y1 <= E : y1 >= E) return 1.0;
    return p[sign > 0 ? 0 : 1];
}

double nt_sens_mh_gamma(double n1, double y1, double n0, double y0, int sign, double alpha, double gamma_max)
{
#define MP(g) nt_sens_mh_p(n1, y1, n0, y0, sign, (g))
    BISECT(MP);
#undef MP
}
