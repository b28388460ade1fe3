/* Weighting estimators and common support (contract in nt_weight.h). */
#include "estimators/nt_weight.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_stats.h"

#define TAKES(i) (!skip || !skip[i])

void nt_ipw_weights(const double *e, const uint8_t *treated, const uint8_t *skip, long n,
                    nt_estimand estimand, double *w)
{
    for (long i = 0; i < n; i++) {
        if (!TAKES(i)) { w[i] = 0; continue; }
        if (estimand == NT_ATT) w[i] = treated[i] ? 1 : e[i] / (1 - e[i]);
        else w[i] = treated[i] ? 1 / e[i] : 1 / (1 - e[i]);
    }
}

static nt_status check_e(const double *e, const uint8_t *skip, long n, nt_error *err)
{
    for (long i = 0; i < n; i++)
        if (TAKES(i) && !(e[i] > 0 && e[i] < 1))
            return nt_fail(err, NT_ENUMERIC, "propensity score %g of row %ld is not strictly between 0 and 1; trim the sample (--trim)", e[i], i + 1);
    return NT_OK;
}

/* sd(phi)/sqrt(N) over the units taking part. */
static double if_se(const double *phi, const uint8_t *skip, long n)
{
    double s = 0;
    long c = 0;
    for (long i = 0; i < n; i++) if (TAKES(i)) { s += phi[i]; c++; }
    double m = s / (double)c, ss = 0;
    for (long i = 0; i < n; i++) if (TAKES(i)) ss += (phi[i] - m) * (phi[i] - m);
    return c > 1 ? sqrt(ss / (double)(c - 1)) / sqrt((double)c) : NAN;
}

nt_status nt_ipw_estimate(const double *e, const uint8_t *treated, const uint8_t *skip, long n,
                          nt_estimand estimand, const double *y, double *est, double *se, nt_error *err)
{
    nt_status st = check_e(e, skip, n, err);
    if (st) return st;
    double *w = malloc((size_t)n * sizeof *w), *phi = malloc((size_t)n * sizeof *phi);
    if (!w || !phi) { free(w); free(phi); return nt_fail(err, NT_ENOMEM, "out of memory in IPW"); }
    nt_ipw_weights(e, treated, skip, n, estimand, w);
    double sw1 = 0, sw0 = 0, swy1 = 0, swy0 = 0;
    long N = 0;
    for (long i = 0; i < n; i++) {
        if (!TAKES(i)) continue;
        N++;
        if (treated[i]) { sw1 += w[i]; swy1 += w[i] * y[i]; }
        else { sw0 += w[i]; swy0 += w[i] * y[i]; }
    }
    if (!(sw1 > 0) || !(sw0 > 0)) { free(w); free(phi); return nt_fail(err, NT_EINPUT, "IPW needs treated and controls"); }
    double mu1 = swy1 / sw1, mu0 = swy0 / sw0, m1 = sw1 / (double)N, m0 = sw0 / (double)N;
    for (long i = 0; i < n; i++) {
        if (!TAKES(i)) { phi[i] = 0; continue; }
        phi[i] = treated[i] ? w[i] * (y[i] - mu1) / m1 : -w[i] * (y[i] - mu0) / m0;
    }
    *est = mu1 - mu0;
    *se = if_se(phi, skip, n);
    free(w);
    free(phi);
    return NT_OK;
}

/* X'Wy over the units with w > 0 (w NULL = 1). */
static void xwy(const double *x, long n, int p, const double *y, const double *w, gsl_vector *b)
{
    for (int j = 0; j < p; j++) {
        const double *xj = x + (size_t)j * (size_t)n;
        double bj = 0;
        for (long i = 0; i < n; i++) { double wi = w ? w[i] : 1; if (wi > 0) bj += wi * xj[i] * y[i]; }
        gsl_vector_set(b, (size_t)j, bj);
    }
}

/* X'WX (both triangles) over the units with w > 0 (w NULL = 1). */
static void gram(const double *x, long n, int p, const double *w, gsl_matrix *A)
{
    for (int j = 0; j < p; j++) {
        const double *xj = x + (size_t)j * (size_t)n;
        for (int k = 0; k <= j; k++) {
            const double *xk = x + (size_t)k * (size_t)n;
            double a = 0;
            for (long i = 0; i < n; i++) { double wi = w ? w[i] : 1; if (wi > 0) a += wi * xj[i] * xk[i]; }
            gsl_matrix_set(A, (size_t)j, (size_t)k, a);
            gsl_matrix_set(A, (size_t)k, (size_t)j, a);
        }
    }
}

nt_status nt_wls_chol_ridge(const double *x, long n, int p, const double *w, double *chol, nt_error *err)
{
    nt_gsl_quiet();
    nt_status st = NT_OK;
    gsl_matrix *A = gsl_matrix_calloc((size_t)p, (size_t)p);
    gsl_matrix_view work = gsl_matrix_view_array(chol, (size_t)p, (size_t)p);
    if (!A) return nt_fail(err, NT_ENOMEM, "out of memory in least squares");
    gram(x, n, p, w, A);
    double maxd = 0;
    for (int j = 0; j < p; j++)
        if (gsl_matrix_get(A, (size_t)j, (size_t)j) > maxd) maxd = gsl_matrix_get(A, (size_t)j, (size_t)j);
    gsl_matrix_memcpy(&work.matrix, A);
    if (gsl_linalg_cholesky_decomp1(&work.matrix) != GSL_SUCCESS) {
        gsl_matrix_memcpy(&work.matrix, A);
        for (int j = 0; j < p; j++) chol[(size_t)j * (size_t)p + (size_t)j] += 1e-9 * (maxd > 0 ? maxd : 1);
        if (gsl_linalg_cholesky_decomp1(&work.matrix) != GSL_SUCCESS)
            st = nt_fail(err, NT_ENUMERIC, "least squares: X'WX is singular even with a ridge");
    }
    gsl_matrix_free(A);
    return st;
}

nt_status nt_wls_chol_solve(const double *x, long n, int p, const double *y, const double *w, const double *chol,
                            double *beta, nt_error *err)
{
    nt_gsl_quiet();
    nt_status st = NT_OK;
    gsl_matrix_const_view f = gsl_matrix_const_view_array(chol, (size_t)p, (size_t)p);
    gsl_vector *b = gsl_vector_calloc((size_t)p), *sol = gsl_vector_alloc((size_t)p);
    if (!b || !sol) { st = nt_fail(err, NT_ENOMEM, "out of memory in least squares"); goto done; }
    xwy(x, n, p, y, w, b);
    if (gsl_linalg_cholesky_solve(&f.matrix, b, sol) != GSL_SUCCESS) {
        st = nt_fail(err, NT_ENUMERIC, "least squares: the solve failed");
        goto done;
    }
    for (int j = 0; j < p; j++) beta[j] = gsl_vector_get(sol, (size_t)j);
done:
    gsl_vector_free(b);
    gsl_vector_free(sol);
    return st;
}

nt_status nt_wls_fit_ridge(const double *x, long n, int p, const double *y, const double *w, double *beta,
                           nt_error *err)
{
    double *chol = malloc(((size_t)p * (size_t)p + 1) * sizeof *chol);
    if (!chol) return nt_fail(err, NT_ENOMEM, "out of memory in least squares");
    nt_status st = nt_wls_chol_ridge(x, n, p, w, chol, err);
    if (!st) st = nt_wls_chol_solve(x, n, p, y, w, chol, beta, err);
    free(chol);
    return st;
}

nt_status nt_wls_fit(const double *x, long n, int p, const double *y, const double *w,
                     const char *const *terms, double *beta, double *cov, nt_error *err)
{
    nt_gsl_quiet();
    nt_status st = NT_OK;
    gsl_matrix *A = gsl_matrix_calloc((size_t)p, (size_t)p);
    gsl_vector *b = gsl_vector_calloc((size_t)p), *sol = gsl_vector_alloc((size_t)p);
    double *d = malloc((size_t)p * sizeof *d);
    if (!A || !b || !sol || !d) { st = nt_fail(err, NT_ENOMEM, "out of memory in least squares"); goto done; }
    gram(x, n, p, w, A);
    xwy(x, n, p, y, w, b);
    for (int j = 0; j < p; j++) {
        double a = gsl_matrix_get(A, (size_t)j, (size_t)j);
        if (!(a > 0)) { st = nt_fail(err, NT_EINPUT, "least squares: %s is zero in every row used", terms ? terms[j] : "a column"); goto done; }
        d[j] = 1 / sqrt(a);
    }
    for (int j = 0; j < p; j++) {
        for (int k = 0; k < p; k++) gsl_matrix_set(A, (size_t)j, (size_t)k, gsl_matrix_get(A, (size_t)j, (size_t)k) * d[j] * d[k]);
        gsl_vector_set(b, (size_t)j, gsl_vector_get(b, (size_t)j) * d[j]);
    }
    if (gsl_linalg_cholesky_decomp1(A) != GSL_SUCCESS) { st = nt_fail(err, NT_EINPUT, "least squares: the covariates are collinear in the rows used"); goto done; }
    for (int j = 0; j < p; j++) {
        double l = gsl_matrix_get(A, (size_t)j, (size_t)j);
        if (l * l < 1e-10) { st = nt_fail(err, NT_EINPUT, "least squares: %s is a linear combination of earlier columns in the rows used", terms ? terms[j] : "a column"); goto done; }
    }
    gsl_linalg_cholesky_solve(A, b, sol);
    for (int j = 0; j < p; j++) beta[j] = gsl_vector_get(sol, (size_t)j) * d[j];
    if (cov) {
        /* HC0: (X'WX)^-1 X' W diag(r^2) W X (X'WX)^-1. */
        gsl_linalg_cholesky_invert(A);
        double *meat = calloc((size_t)p * (size_t)p, sizeof *meat), *xi = malloc((size_t)p * sizeof *xi);
        if (!meat || !xi) { free(meat); free(xi); st = nt_fail(err, NT_ENOMEM, "out of memory in least squares"); goto done; }
        for (long i = 0; i < n; i++) {
            double wi = w ? w[i] : 1;
            if (!(wi > 0)) continue;
            double r = y[i];
            for (int j = 0; j < p; j++) { xi[j] = x[(size_t)j * n + i]; r -= xi[j] * beta[j]; }
            double f = wi * wi * r * r;
            for (int j = 0; j < p; j++) for (int k = 0; k <= j; k++) meat[(size_t)j * p + k] += f * xi[j] * xi[k];
        }
        for (int j = 0; j < p; j++) for (int k = 0; k < j; k++) meat[(size_t)k * p + j] = meat[(size_t)j * p + k];
        /* Bread in original units: B = D inv(A) D. */
        for (int j = 0; j < p; j++)
            for (int k = 0; k < p; k++) {
                double s = 0;
                for (int a = 0; a < p; a++)
                    for (int c = 0; c < p; c++)
                        s += gsl_matrix_get(A, (size_t)j, (size_t)a) * d[j] * d[a] * meat[(size_t)a * p + c] *
                             gsl_matrix_get(A, (size_t)c, (size_t)k) * d[c] * d[k];
                cov[(size_t)k * p + j] = s;
            }
        free(meat);
        free(xi);
    }
done:
    gsl_matrix_free(A);
    gsl_vector_free(b);
    gsl_vector_free(sol);
    free(d);
    return st;
}

nt_status nt_aipw_estimate(const double *e, const uint8_t *treated, const uint8_t *skip, long n,
                           const double *x, int p, nt_estimand estimand, const double *y,
                           double *est, double *se, nt_error *err)
{
    nt_status st = check_e(e, skip, n, err);
    if (st) return st;
    double *w = calloc((size_t)n, sizeof *w), *b1 = malloc((size_t)p * sizeof *b1), *b0 = malloc((size_t)p * sizeof *b0);
    double *psi = malloc((size_t)n * sizeof *psi);
    if (!w || !b1 || !b0 || !psi) { st = nt_fail(err, NT_ENOMEM, "out of memory in AIPW"); goto done; }
    for (int arm = 0; arm <= 1 && !st; arm++) {
        for (long i = 0; i < n; i++) w[i] = TAKES(i) && (treated[i] != 0) == arm ? 1 : 0;
        if (estimand == NT_ATT && arm == 1) continue; /* the ATT needs mu0 only */
        st = nt_wls_fit(x, n, p, y, w, NULL, arm ? b1 : b0, NULL, err);
    }
    if (st) goto done;
    long N = 0, N1 = 0;
    double s = 0;
    for (long i = 0; i < n; i++) {
        if (!TAKES(i)) continue;
        double mu0 = 0, mu1 = 0;
        for (int j = 0; j < p; j++) {
            double xij = x[(size_t)j * n + i];
            mu0 += xij * b0[j];
            if (estimand == NT_ATE) mu1 += xij * b1[j];
        }
        N++;
        N1 += treated[i] != 0;
        if (estimand == NT_ATE)
            psi[i] = mu1 - mu0 + (treated[i] ? (y[i] - mu1) / e[i] : -(y[i] - mu0) / (1 - e[i]));
        else
            psi[i] = treated[i] ? y[i] - mu0 : -e[i] / (1 - e[i]) * (y[i] - mu0);
        s += psi[i];
    }
    if (N1 == 0 || N1 == N) { st = nt_fail(err, NT_EINPUT, "AIPW needs treated and controls"); goto done; }
    if (estimand == NT_ATE) {
        *est = s / (double)N;
    } else {
        double tau = s / (double)N1, share = (double)N1 / (double)N;
        for (long i = 0; i < n; i++)
            if (TAKES(i)) psi[i] = (treated[i] ? psi[i] - tau : psi[i]) / share;
        *est = tau;
    }
    *se = if_se(psi, skip, n);
done:
    free(w);
    free(b1);
    free(b0);
    free(psi);
    return st;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

nt_status nt_support_trim(const double *e, const uint8_t *treated, long n, nt_trim rule,
                          uint8_t *skip, double *lo, double *hi, long *dropped_treated,
                          long *dropped_controls, nt_error *err)
{
    *lo = -INFINITY;
    *hi = INFINITY;
    *dropped_treated = *dropped_controls = 0;
    if (rule == NT_TRIM_NONE) return NT_OK;
    if (rule == NT_TRIM_MINMAX) {
        double mn[2] = {INFINITY, INFINITY}, mx[2] = {-INFINITY, -INFINITY};
        for (long i = 0; i < n; i++) {
            if (skip[i]) continue;
            int a = treated[i] != 0;
            if (e[i] < mn[a]) mn[a] = e[i];
            if (e[i] > mx[a]) mx[a] = e[i];
        }
        *lo = mn[0] > mn[1] ? mn[0] : mn[1];
        *hi = mx[0] < mx[1] ? mx[0] : mx[1];
    } else {
        long m = 0;
        for (long i = 0; i < n; i++) m += !skip[i];
        double *g = malloc((size_t)(m ? m : 1) * sizeof *g);
        if (!g) return nt_fail(err, NT_ENOMEM, "out of memory in trimming");
        m = 0;
        for (long i = 0; i < n; i++) if (!skip[i]) g[m++] = 1 / (e[i] * (1 - e[i]));
        qsort(g, (size_t)m, sizeof *g, cmp_dbl);
        double total = nt_sum(g, m), alpha = 0;
        if (m > 0 && g[m - 1] > 2 * total / (double)m) {
            double cum = 0;
            for (long k = 0; k < m; k++) {
                cum += g[k];
                double gamma = 2 * cum / (double)(k + 1);
                if (g[k] <= gamma && (k + 1 == m || gamma < g[k + 1])) {
                    alpha = 0.5 - sqrt(0.25 - 1 / gamma);
                    break;
                }
            }
        }
        free(g);
        *lo = alpha;
        *hi = 1 - alpha;
    }
    for (long i = 0; i < n; i++) {
        if (skip[i]) continue;
        if (e[i] < *lo || e[i] > *hi) {
            skip[i] = 1;
            if (treated[i]) (*dropped_treated)++;
            else (*dropped_controls)++;
        }
    }
    return NT_OK;
}
