/* The simulated confounder of Ichino, Mealli & Nannicini (2008): the draws
   of U, the grid's probabilities, the multiple-imputation summary and the
   strength of a confounder (estimators/nt_imn.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_imn.h"

int nt_imn_grid_probs(double d, double s, double q, double p[4])
{
    double p0 = (1 - s) / 2, p1 = (1 + s) / 2;
    p[0] = p0 - d * q;
    p[1] = p[0] + d;
    p[2] = p[3] = p1;
    for (int c = 0; c < 4; c++)
        if (!(p[c] >= 0 && p[c] <= 1)) return -1;
    return 0;
}

void nt_imn_draw(const uint8_t *cell, long n, const double p[4], uint64_t seed, uint8_t *u)
{
    nt_rng r;
    nt_rng_init(&r, seed, 0);
    for (long i = 0; i < n; i++) {
        if (cell[i] > 3) { u[i] = 0; continue; }
        u[i] = nt_rng_uniform(&r) < p[cell[i]];
    }
}

void nt_imn_cell_probs(const uint8_t *cell, const double *v, long n, double p[4])
{
    double one[4] = {0, 0, 0, 0}, all[4] = {0, 0, 0, 0};
    for (long i = 0; i < n; i++) {
        if (cell[i] > 3 || isnan(v[i])) continue;
        all[cell[i]] += 1;
        one[cell[i]] += v[i] != 0;
    }
    for (int c = 0; c < 4; c++) p[c] = all[c] > 0 ? one[c] / all[c] : NAN;
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

double nt_imn_odds(const double *x, long n, int p, const uint8_t *cols, const uint8_t *rows, const uint8_t *y,
                   const uint8_t *u, nt_error *err)
{
    long m = 0;
    for (long i = 0; i < n; i++) m += rows[i] != 0;
    if (m < 2) return NAN;
    /* columns: intercept, the x columns not constant over the rows, u */
    int *keep = malloc((size_t)(p ? p : 1) * sizeof *keep), q = 1;
    if (!keep) return NAN;
    for (int j = 0; j < p; j++) {
        const double *c = x + (size_t)j * (size_t)n;
        double first = NAN;
        keep[j] = 0;
        for (long i = 0; i < n && (!cols || cols[j]); i++) {
            if (!rows[i]) continue;
            if (isnan(first)) first = c[i];
            else if (c[i] != first) { keep[j] = 1; break; }
        }
        q += keep[j];
    }
    q++;
    double *z = malloc((size_t)m * (size_t)q * sizeof *z), *yy = malloc((size_t)m * sizeof *yy);
    double odds = NAN;
    if (!z || !yy) goto done;
    long a = 0;
    for (long i = 0; i < n; i++) {
        if (!rows[i]) continue;
        int col = 0;
        z[a] = 1;
        for (int j = 0; j < p; j++)
            if (keep[j]) z[(size_t)(++col) * (size_t)m + (size_t)a] = x[(size_t)j * (size_t)n + (size_t)i];
        z[(size_t)(q - 1) * (size_t)m + (size_t)a] = u[i];
        yy[a++] = y[i];
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
