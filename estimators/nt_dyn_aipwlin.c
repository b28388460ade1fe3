/* AIPW's outcome model in the linearisation (docs/inference.md, "AIPW's
   outcome model in the linearisation"). At start month k and month t the
   outcome model is the WLS b = A^-1 sum_u W_u x_u y_u over the observed
   (not yet started) controls u, A = sum_u W_u x_u x_u', W_u the ATT_never /
   IPCW weight (1 without; nt_dyn_ols_controls). The estimate
     N ATT_k = sum_c sum_{i in c} a_i (y_i - x_i'b - rbar_c(b))
   (one cell without exact; a_i the treated's weights, rbar_c the cell's
   weighted control mean of y - x'b) has d(N ATT_k)/db = -g,
     g = sum_i a_i x_i - sum_j kc_j x_j,   kc_j = S_c w_j W_j / W_c,
   the weighted covariate imbalance, and db/dlog W_u = A^-1 x_u W_u e_u
   (e_u = y_u - x_u'b). With v = A^-1 g and phi_u = v'x_u:
   1. the regression's own term, -phi_u W_u e_u, added to u's
      contribution (estimands 0..fixed): b's influence times -g;
   2. the same number is d(N ATT_k)/d log W_u through b, so with the
      hazards (ATT_never, IPCW) it is added to the derivative G of each
      hazard logit (nt_dyn_wlin_unit), which held b fixed before.
   The propensity logit's derivative needs nothing: the outcome model's
   weights do not involve the propensity. A (k, t) without a model (the
   rows rule of nt_dyn_ols_controls, or an outcome whose fit failed: beta
   0) takes no term. Term 1 also joins the control's weighting term in
   effects_by_start.csv's per-start variance (ctx->kv, unweighted paths;
   nt_dyn_kvar_flush squares the sum). Main runs only (no copies). A's Cholesky factor is the
   fit's own (nt_dyn_ols_controls keeps it: the same rows, weights and
   ridge; before 2026-12-01 this file built A again). */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in AIPW's linearisation")

static double xcol(const double *x, long ld, int j, long r) { return x[(size_t)j * (size_t)ld + (size_t)r]; }

nt_status nt_dyn_aipw_lin(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m,
                          int t, int tau, int fixed, const double *beta, const double *chol, const double *cW,
                          const double *cS, nt_error *err)
{
    if (!beta || !chol || !m->xz || !ctx->lin) return NT_OK;
    nt_dyn_lin *L = ctx->lin;
    int NO = p->n_outcomes, qx = m->qx, k = ctx->k, hw = nt_dyn_has_w(p);
    long nc = m->n_c;
    int fitted[64], any = 0;
    for (int o = 0; o < NO && o < 64; o++) {   /* an outcome without a model has beta 0 */
        fitted[o] = 0;
        for (int j = 0; j < qx; j++) fitted[o] |= beta[(size_t)o * qx + j] != 0;
        any |= fitted[o];
    }
    double *Wu = malloc(((size_t)nc + 1) * sizeof *Wu), *g = calloc((size_t)qx, sizeof *g);
    gsl_vector *gv = gsl_vector_alloc((size_t)qx), *v = gsl_vector_alloc((size_t)qx);
    gsl_matrix_const_view A = gsl_matrix_const_view_array(chol, (size_t)qx, (size_t)qx);
    nt_status st = NT_OK;
    if (!Wu || !g || !gv || !v) { st = NOMEM(err); goto done; }
    if (!any || NO > 64) goto done;
    for (long j = 0; j < nc; j++) {   /* the regression's weights, as nt_dyn_ols_controls */
        long pc = unit_person[m->c_unit[j]];
        Wu[j] = nt_dyn_cobs(p, pc, t) ? nt_dyn_wt(p, pc, k, t, 1) : 0;
    }
    /* g: the treated's weighted covariate sums less the controls' kc_j x_j */
    double Wc = 0, Sk = 0;
    for (long j = 0; j < nc && !cW; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) && m->w[j] > 0) Wc += m->w[j] * nt_dyn_wt(p, pc, k, t, 1);
    }
    if (!cW && !(Wc > 0)) goto done;
    for (long i = 0; i < m->n_t; i++) {
        long pi = unit_person[m->t_unit[i]];
        if (!nt_dyn_uobs(p, unit_person, m, i, t) || (cW && !(cW[m->t_cell[i]] > 0))) continue;
        double a = hw ? nt_dyn_wt(p, pi, k, t, 0) : 1;
        Sk += a;
        for (int q = 0; q < qx; q++) g[q] += a * xcol(m->xt, m->n_t, q, i);
    }
    for (long j = 0; j < nc; j++) {
        long pc = unit_person[m->c_unit[j]], c = cW ? m->c_cell[j] : 0;
        double wc = cW ? cW[c] : Wc, sc = cW ? cS[c] : Sk;
        if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) || m->w[j] <= 0 || !(wc > 0) || !(sc > 0)) continue;
        double kc = sc * m->w[j] * nt_dyn_wt(p, pc, k, t, 1) / wc;
        for (int q = 0; q < qx; q++) g[q] -= kc * xcol(m->xz, nc, q, j);
    }
    for (int q = 0; q < qx; q++) gsl_vector_set(gv, (size_t)q, g[q]);
    gsl_linalg_cholesky_solve(&A.matrix, gv, v);
    for (long j = 0; j < nc; j++) {
        if (!(Wu[j] > 0)) continue;
        long pc = unit_person[m->c_unit[j]];
        double phi = 0, term[64];
        for (int q = 0; q < qx; q++) phi += gsl_vector_get(v, (size_t)q) * xcol(m->xz, nc, q, j);
        for (int o = 0; o < NO; o++) {
            const double *bo = beta + (size_t)o * qx;
            double e = (double)p->outcome[o][pc * p->months + t];
            for (int q = 0; q < qx; q++) e -= xcol(m->xz, nc, q, j) * bo[q];
            term[o] = fitted[o] ? -phi * Wu[j] * e : 0;
            if (term[o] != 0 && nt_dyn_lin_add_control(L, fixed, tau, pc, o, term[o])) { st = NOMEM(err); goto done; }
            if (!hw && ctx->kv && ctx->kv->cu) nt_dyn_kvar_control(ctx->kv, j, o, -term[o]);   /* per-k SE (as c rj) */
        }
        if (L->wl && hw) nt_dyn_wlin_unit(L->wl, p, pc, k, t, tau, fixed, term);
    }
done:
    free(Wu);
    free(g);
    gsl_vector_free(gv);
    gsl_vector_free(v);
    return st;
}

void nt_dyn_kvar_flush(nt_dyn_kvar *v, long n_c)
{
    if (!v || !v->cu) return;
    for (long j = 0; j < n_c; j++)
        for (int o = 0; o < v->NO && o < 64; o++) {
            double *c = v->cu + (size_t)j * (size_t)v->NO + (size_t)o;
            v->cq[o] += *c * *c;
            *c = 0;
        }
}
