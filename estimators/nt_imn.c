/* The simulated confounder of Ichino, Mealli & Nannicini (2008): the draws
   of U, the grid's probabilities, the outcome categories, the multiple-imputation summary and the
   strength of a confounder (estimators/nt_imn.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_imn.h"

int nt_imn_grid_probs(double d, double s, int G, double zbar, double *p)
{
    for (int c = 0; c < G; c++) {
        double z = G > 1 ? (double)c / (G - 1) : 0;
        p[c] = (1 - s) / 2 + d * (z - zbar);
        p[G + c] = (1 + s) / 2;
    }
    for (int c = 0; c < 2 * G; c++)
        if (!(p[c] >= 0 && p[c] <= 1)) return -1;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void nt_imn_categories(const double *y, const uint8_t *rows, long n, int G, uint8_t *cat)
{
    long m = 0;
    for (long r = 0; r < n; r++) m += rows[r] != 0;
    if (m == 0 || G < 1) return;
    double *s = malloc((size_t)m * sizeof *s), cut[256];
    if (!s) return;
    m = 0;
    for (long r = 0; r < n; r++)
        if (rows[r]) s[m++] = y[r];
    qsort(s, (size_t)m, sizeof *s, cmp_double);
    for (int j = 1; j < G && j < 256; j++) cut[j - 1] = s[(m * j + G - 1) / G - 1];
    for (long r = 0; r < n; r++) {
        if (!rows[r]) continue;
        int c = 0;
        for (int j = 0; j < G - 1; j++) c += y[r] > cut[j];
        cat[r] = (uint8_t)c;
    }
    free(s);
}

void nt_imn_draw(const int32_t *cell, long n, const double *p, uint64_t seed, uint8_t *u)
{
    nt_rng r;
    nt_rng_init(&r, seed, 0);
    for (long i = 0; i < n; i++) {
        if (cell[i] < 0) { u[i] = 0; continue; }
        u[i] = nt_rng_uniform(&r) < p[cell[i]];
    }
}

void nt_imn_cell_probs(const int32_t *cell, const double *v, long n, int ncell, double *p)
{
    double *one = calloc((size_t)(ncell ? ncell : 1), sizeof *one), *all = calloc((size_t)(ncell ? ncell : 1), sizeof *all);
    if (!one || !all) {
        for (int c = 0; c < ncell; c++) p[c] = NAN;
        free(one);
        free(all);
        return;
    }
    for (long i = 0; i < n; i++) {
        if (cell[i] < 0 || cell[i] >= ncell || isnan(v[i])) continue;
        all[cell[i]] += 1;
        one[cell[i]] += v[i] != 0;
    }
    for (int c = 0; c < ncell; c++) p[c] = all[c] > 0 ? one[c] / all[c] : NAN;
    free(one);
    free(all);
}

void nt_imn_combine(const double *est, const double *se, int m, double *mean, double *se_total, double *within,
                    double *between)
{
    double sum = 0, w = 0;
    int k = 0, kw = 0;
    for (int r = 0; r < m; r++) {
        if (isnan(est[r])) continue;
        sum += est[r];
        k++;
        if (!isnan(se[r])) { w += se[r] * se[r]; kw++; }
    }
    if (k == 0 || kw == 0) { *mean = *se_total = *within = *between = NAN; return; }
    double mu = sum / k, b = 0;
    for (int r = 0; r < m; r++)
        if (!isnan(est[r])) b += (est[r] - mu) * (est[r] - mu);
    b = k > 1 ? b / (k - 1) : 0;
    w /= kw;
    *mean = mu;
    *within = w;
    *between = b;
    *se_total = sqrt(w + (1 + 1.0 / k) * b);
}

double nt_imn_odds(const double *x, long n, int p, const uint8_t *cols, const long *person, long m,
                   const uint8_t *y, const uint8_t *u, nt_error *err)
{
    if (m < 2) return NAN;
    /* columns: intercept, the x columns not constant over the rows, u */
    int *keep = malloc((size_t)(p ? p : 1) * sizeof *keep), q = 1;
    if (!keep) return NAN;
    for (int j = 0; j < p; j++) {
        const double *c = x + (size_t)j * (size_t)n;
        keep[j] = 0;
        for (long r = 1; r < m && (!cols || cols[j]); r++)
            if (c[person[r]] != c[person[0]]) { keep[j] = 1; break; }
        q += keep[j];
    }
    q++;
    double *z = malloc((size_t)m * (size_t)q * sizeof *z), *yy = malloc((size_t)m * sizeof *yy);
    double odds = NAN;
    if (!z || !yy) goto done;
    for (long a = 0; a < m; a++) {
        int col = 0;
        z[a] = 1;
        for (int j = 0; j < p; j++)
            if (keep[j]) z[(size_t)(++col) * (size_t)m + (size_t)a] = x[(size_t)j * (size_t)n + (size_t)person[a]];
        z[(size_t)(q - 1) * (size_t)m + (size_t)a] = u[a];
        yy[a] = y[a];
    }
    nt_glm_opts o;
    nt_glm_opts_default(&o);
    o.check_separation = 0;
    nt_glm_fit *f = NULL;
    if (nt_glm_fit_alloc(z, m, q, yy, NULL, NULL, &o, &f, err) == NT_OK && f->converged) odds = exp(f->beta[q - 1]);
    nt_glm_fit_free(f);
done:
    free(keep);
    free(z);
    free(yy);
    return odds;
}
