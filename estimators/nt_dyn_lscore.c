/* The propensity logit's estimation term in the linearisation (the
   two-step correction of weighting and matching on an estimated score;
   docs/inference.md): a = H^-1 G per estimand, outcome and month, H the
   logit's information, and every fitted row's term a' z_r (d_r - e_r) added
   to its person's row (nt_dyn_lin.c). */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <stdlib.h>

#include <gsl/gsl_linalg.h>

#include "core/nt_progress.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in the linearisation")

static nt_status lin_score(nt_dyn_paths *ctx, const long *unit_person, const nt_dyn_rows *rows,
                           const uint8_t *fit_keep, const double *e, nt_error *err)
{
    nt_dyn_lin *L = ctx->lin;
    const nt_dyn_design *d = ctx->design;
    int q = d->q, ns = 2 * L->n_outcomes * L->horizon;
    long n = rows->n;
    gsl_matrix *Hm = gsl_matrix_calloc((size_t)q, (size_t)q);
    gsl_vector *x = gsl_vector_alloc((size_t)q);
    double *a = malloc((size_t)ns * (size_t)q * sizeof *a);
    if (!Hm || !x || !a) { gsl_matrix_free(Hm); gsl_vector_free(x); free(a); return NOMEM(err); }
    nt_status st = NT_OK;
    int H = L->horizon, NO = L->n_outcomes, use[2] = {0, 0};
    /* zr: row r of the design; aT[(f q + j) NO H + k] = a[(f NO H + k) q + j]: each tk[k]
       sums its products in the order j = 0..q-1 as a dot product (same bits), k contiguous. */
    double *zr = malloc(((size_t)q + 1) * sizeof *zr), *aT = malloc((size_t)ns * (size_t)q * sizeof *aT),
           *tk = malloc((size_t)NO * H * sizeof *tk + 1);
    if (!zr || !aT || !tk) { st = NOMEM(err); goto done; }
    for (long r = 0; r < n; r++) {
        if (!fit_keep[r]) continue;
        double v = e[r] * (1 - e[r]);
        for (int j = 0; j < q; j++) zr[j] = d->z[(size_t)j * (size_t)n + (size_t)r];
        for (int i = 0; i < q; i++)
            for (int j = 0; j <= i; j++) *gsl_matrix_ptr(Hm, (size_t)i, (size_t)j) += v * zr[i] * zr[j];
    }
    for (int i = 0; i < q; i++)
        for (int j = 0; j < i; j++) gsl_matrix_set(Hm, (size_t)j, (size_t)i, gsl_matrix_get(Hm, (size_t)i, (size_t)j));
    /* A (near) singular information matrix leaves the term out (aliased
       columns carry no information about the weights). */
    if (gsl_linalg_cholesky_decomp1(Hm)) goto done;
    for (int s = 0; s < ns; s++) {
        gsl_vector_view g = gsl_vector_view_array(ctx->G + (size_t)s * q, (size_t)q);
        gsl_linalg_cholesky_solve(Hm, &g.vector, x);
        for (int j = 0; j < q; j++)
            aT[((size_t)(s / (NO * H)) * q + (size_t)j) * NO * H + (size_t)(s % (NO * H))] = a[(size_t)s * q + j] =
                gsl_vector_get(x, (size_t)j);
    }
    /* Estimands without a logit derivative (no fixed start months) get no rows. */
    for (int s = 0; s < ns * q; s++) use[s / (NO * H * q)] |= a[s] != 0;
    for (long r = 0; r < n && !st; r++) {
        if (!fit_keep[r]) continue;
        long person = unit_person[rows->unit[r]];
        double res = rows->d[r] - e[r];
        for (int f = 0; f < 2 && !st; f++) {
            if (!use[f]) continue;
            float *c = nt_dyn_lin_row(L, f, person);
            if (!c) { st = NOMEM(err); break; }
            for (int j = 0; j < q; j++) zr[j] = d->z[(size_t)j * (size_t)n + (size_t)r];
            for (int k = 0; k < NO * H; k++) tk[k] = 0;
            for (int j = 0; j < q; j++) {
                const double *aj = aT + ((size_t)f * q + (size_t)j) * NO * H;
                for (int k = 0; k < NO * H; k++) tk[k] += aj[k] * zr[j];
            }
            for (int k = 0; k < NO * H; k++) c[k] = (float)((double)c[k] + tk[k] * res);
        }
    }
done:
    gsl_matrix_free(Hm);
    gsl_vector_free(x);
    free(a); free(zr); free(aT); free(tk);
    return st;
}

nt_status nt_dyn_lin_score(nt_dyn_paths *ctx, const long *unit_person, const nt_dyn_rows *rows,
                           const uint8_t *fit_keep, const double *e, nt_error *err)
{
    double t0 = nt_now();
    nt_status s = lin_score(ctx, unit_person, rows, fit_keep, e, err);
    ctx->lin->seconds += nt_now() - t0;
    return s;
}
