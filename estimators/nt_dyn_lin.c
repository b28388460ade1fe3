/* The per-person linearisation of the dynamic estimator (contract in
   nt_dyn_infer.h, formulas in docs/inference.md). Called from step 3
   (nt_dyn_paths.c) once per start month k and month tau since start, and
   from the entry point after each interval (the logit's term) and at the
   end (centring and scaling). Every call adds to its persons' slots in a
   fixed order, so the result does not depend on the thread count.

   Matching at t = k + tau, over the treated i that contribute (observed,
   an observed control with weight):
     Yhat_i = sum_j w_ij y_j / sum_j w_ij   (observed controls)
     W_ij = w_ij / sum_j' w_ij',  K_j = sum_i W_ij,  KK_j = sum_i W_ij^2
     treated term  y_i - Yhat_i        control term  -sqrt(K_j^2 - KK_j) e_j
   with e_j the signed AI residual among the month's observed controls.
   Range mode (radius, Epanechnikov) uses prefix sums over the score-sorted
   controls for Yhat and difference arrays for K, KK: w_ij is a polynomial
   in s_j (1, or 1 - ((s_j - s_i)/h)^2), so W_ij and W_ij^2 are too.

   Weighting: r = y - mu0 (mu0 = 0 for IPW), W = sum_C w, rbar = sum_C w r / W,
   n_k the contributing treated:
     treated term  y_i - mu0_i - rbar   control term  -(n_k w_j / W)(r_j - rbar)
     G -= (n_k / W) w_j (r_j - rbar) x_j   (w = exp(eta): dw/dbeta = w x). */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#include "estimators/nt_match.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in the linearisation")

nt_status nt_dyn_lin_alloc(long n_persons, int horizon, int n_outcomes, nt_dyn_lin **out, nt_error *err)
{
    nt_dyn_lin *L = calloc(1, sizeof *L);
    if (!L) return NOMEM(err);
    size_t ns = 2 * (size_t)n_outcomes * (size_t)horizon, n = (size_t)(n_persons > 0 ? n_persons : 1);
    L->n = n_persons;
    L->horizon = horizon;
    L->n_outcomes = n_outcomes;
    L->c = calloc(ns * n, sizeof *L->c);
    L->treated = calloc(2 * (size_t)horizon * n, 1);
    L->n_contrib = calloc(2 * (size_t)horizon, sizeof *L->n_contrib);
    if (!L->c || !L->treated || !L->n_contrib) { nt_dyn_lin_free(L); return NOMEM(err); }
    *out = L;
    return NT_OK;
}

void nt_dyn_lin_free(nt_dyn_lin *L)
{
    if (!L) return;
    free(L->c);
    free(L->treated);
    free(L->n_contrib);
    free(L);
}

static inline double *slot(nt_dyn_lin *L, int f, int o, int tau, long person)
{
    return L->c + (((size_t)f * L->n_outcomes + o) * L->horizon + tau) * (size_t)L->n + (size_t)person;
}

static void add_treated(nt_dyn_lin *L, int fixed, int tau, long person, const double *term)
{
    for (int f = 0; f <= fixed; f++) {
        L->treated[((size_t)f * L->horizon + tau) * (size_t)L->n + (size_t)person] = 1;
        L->n_contrib[f * L->horizon + tau]++;
        for (int o = 0; o < L->n_outcomes; o++) *slot(L, f, o, tau, person) += term[o];
    }
}

static void add_control(nt_dyn_lin *L, int fixed, int tau, long person, int o, double term)
{
    for (int f = 0; f <= fixed; f++) *slot(L, f, o, tau, person) += term;
}

/* Per call working memory of the matched terms. */
typedef struct {
    double *K, *KK, *yhat, *score, *y[64], *e[64];
    uint8_t *contrib, *zero, *skip;
} mwork;

static void mwork_free(mwork *w, int NO)
{
    free(w->K); free(w->KK); free(w->yhat); free(w->score); free(w->contrib); free(w->zero); free(w->skip);
    for (int o = 0; o < NO; o++) { free(w->y[o]); free(w->e[o]); }
}

/* Range mode: Yhat_i from prefix sums, K and KK from difference arrays. */
static nt_status range_terms(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int t,
                             mwork *w, nt_error *err)
{
    int NO = p->n_outcomes, np = m->epan ? 3 : 1, nq = m->epan ? 5 : 1;
    size_t nc1 = (size_t)m->n_c + 1;
    double *P = calloc(nc1 * (size_t)np * (size_t)(NO + 1), sizeof *P);
    double *A = calloc(nc1 * (size_t)(np + nq), sizeof *A);
    if (!P || !A) { free(P); free(A); return NOMEM(err); }
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]];
        int obs = nt_dyn_observed(p, pc, t);
        double sj = m->c_score[j] - m->shift, pw[3] = {1, sj, sj * sj};
        for (int q = 0; q <= NO; q++) {
            double v = !obs ? 0 : q == 0 ? 1 : (double)p->outcome[q - 1][pc * p->months + t];
            for (int e = 0; e < np; e++) {
                double *row = P + ((size_t)q * np + e) * nc1;
                row[j + 1] = row[j] + v * pw[e];
            }
        }
    }
    for (long i = 0; i < m->n_t; i++) {
        w->contrib[i] = 0;
        if (!nt_dyn_observed(p, unit_person[m->t_unit[i]], t)) continue;
        long lo = m->rlo[i], hi = m->rhi[i];
        double co[3] = {1, 0, 0};
        if (m->epan) {
            double si = m->t_score[i] - m->shift, h2 = m->h * m->h;
            co[0] = 1 - si * si / h2;
            co[1] = 2 * si / h2;
            co[2] = -1 / h2;
        }
        double den = 0;
        for (int e = 0; e < np; e++) den += co[e] * (P[(size_t)e * nc1 + hi] - P[(size_t)e * nc1 + lo]);
        if (!(den > 1e-12)) continue;
        w->contrib[i] = 1;
        for (int o = 0; o < NO; o++) {
            double num = 0;
            for (int e = 0; e < np; e++) {
                const double *row = P + ((size_t)(o + 1) * np + e) * nc1;
                num += co[e] * (row[hi] - row[lo]);
            }
            w->yhat[(size_t)i * NO + o] = num / den;
        }
        double sq[5] = {co[0] * co[0], 2 * co[0] * co[1], co[1] * co[1] + 2 * co[0] * co[2], 2 * co[1] * co[2],
                        co[2] * co[2]};
        for (int e = 0; e < np; e++) {
            A[(size_t)e * nc1 + lo] += co[e] / den;
            A[(size_t)e * nc1 + hi] -= co[e] / den;
        }
        for (int e = 0; e < nq; e++) {
            A[(size_t)(np + e) * nc1 + lo] += sq[e] / (den * den);
            A[(size_t)(np + e) * nc1 + hi] -= sq[e] / (den * den);
        }
    }
    double run[8] = {0};
    for (long j = 0; j < m->n_c; j++) {
        double sj = m->c_score[j] - m->shift, pw = 1, k = 0, kk = 0;
        for (int e = 0; e < np + nq; e++) run[e] += A[(size_t)e * nc1 + j];
        for (int e = 0; e < nq; e++, pw *= sj) {
            if (e < np) k += run[e] * pw;
            kk += run[np + e] * pw;
        }
        int obs = nt_dyn_observed(p, unit_person[m->c_unit[j]], t);
        w->K[j] = obs && k > 1e-15 ? k : 0;
        w->KK[j] = obs && k > 1e-15 ? kk : 0;
    }
    free(P);
    free(A);
    return NT_OK;
}

/* Pairs: Yhat_i, K and KK directly. */
static void pair_terms(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int t, mwork *w)
{
    int NO = p->n_outcomes;
    memset(w->K, 0, ((size_t)m->n_c + 1) * sizeof *w->K);
    memset(w->KK, 0, ((size_t)m->n_c + 1) * sizeof *w->KK);
    for (long i = 0; i < m->n_t; i++) {
        w->contrib[i] = 0;
        if (!nt_dyn_observed(p, unit_person[m->t_unit[i]], t)) continue;
        double den = 0;
        for (long a = m->start[i]; a < m->start[i + 1]; a++)
            if (nt_dyn_observed(p, unit_person[m->c_unit[m->pair_c[a]]], t)) den += m->w[a];
        if (den <= 0) continue;
        w->contrib[i] = 1;
        for (int o = 0; o < NO; o++) w->yhat[(size_t)i * NO + o] = 0;
        for (long a = m->start[i]; a < m->start[i + 1]; a++) {
            long pc = unit_person[m->c_unit[m->pair_c[a]]];
            if (!nt_dyn_observed(p, pc, t) || m->w[a] <= 0) continue;
            double v = m->w[a] / den;
            w->K[m->pair_c[a]] += v;
            w->KK[m->pair_c[a]] += v * v;
            for (int o = 0; o < NO; o++) w->yhat[(size_t)i * NO + o] += v * (double)p->outcome[o][pc * p->months + t];
        }
    }
}

nt_status nt_dyn_lin_matched(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                             const nt_dyn_kmatch *m, int t, int tau, int fixed, nt_error *err)
{
    nt_dyn_lin *L = ctx->lin;
    int NO = p->n_outcomes;
    if (NO > 64) return nt_fail(err, NT_EUSAGE, "the linearisation takes at most 64 outcomes");
    mwork w = {0};
    size_t nc = (size_t)m->n_c + 1, nt = (size_t)m->n_t + 1;
    nt_status s = NT_OK;
    w.K = malloc(nc * sizeof *w.K);
    w.KK = malloc(nc * sizeof *w.KK);
    w.yhat = malloc(nt * (size_t)NO * sizeof *w.yhat);
    w.score = malloc(nc * sizeof *w.score);
    w.contrib = malloc(nt);
    w.zero = calloc(nc, 1);
    w.skip = malloc(nc);
    int ok = w.K && w.KK && w.yhat && w.score && w.contrib && w.zero && w.skip;
    for (int o = 0; o < NO && ok; o++) {
        w.y[o] = malloc(nc * sizeof **w.y);
        w.e[o] = malloc(nc * sizeof **w.e);
        ok = w.y[o] && w.e[o];
    }
    if (!ok) { mwork_free(&w, NO); return NOMEM(err); }
    if (m->range_mode) s = range_terms(p, unit_person, m, t, &w, err);
    else pair_terms(p, unit_person, m, t, &w);
    long any = 0;
    for (long i = 0; i < m->n_t && !s; i++) {
        if (!w.contrib[i]) continue;
        long pi = unit_person[m->t_unit[i]];
        double term[64];
        for (int o = 0; o < NO; o++) term[o] = (double)p->outcome[o][pi * p->months + t] - w.yhat[(size_t)i * NO + o];
        add_treated(L, fixed, tau, pi, term);
        any++;
    }
    if (!s && any) {
        for (long j = 0; j < m->n_c; j++) {
            long pc = unit_person[m->c_unit[j]];
            w.score[j] = m->c_score[j];
            w.skip[j] = !nt_dyn_observed(p, pc, t);
            for (int o = 0; o < NO; o++) w.y[o][j] = w.skip[j] ? 0 : (double)p->outcome[o][pc * p->months + t];
        }
        s = nt_match_resid_many(w.score, w.zero, NULL, w.skip, m->n_c, ctx->J > 0 ? ctx->J : 1, NO,
                                (const double *const *)w.y, w.e, err);
        for (long j = 0; j < m->n_c && !s; j++) {
            if (!(w.K[j] > 0)) continue;
            double c = sqrt(fmax(w.K[j] * w.K[j] - w.KK[j], 0));
            for (int o = 0; o < NO; o++)
                if (!isnan(w.e[o][j])) add_control(L, fixed, tau, unit_person[m->c_unit[j]], o, -c * w.e[o][j]);
        }
    }
    mwork_free(&w, NO);
    return s;
}

static double mu0_at(const double *x, long ld, int qx, long r, const double *beta)
{
    if (!beta) return 0;
    double v = 0;
    for (int j = 0; j < qx; j++) v += x[(size_t)j * (size_t)ld + (size_t)r] * beta[j];
    return v;
}

nt_status nt_dyn_lin_weighted(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                              const nt_dyn_kmatch *m, int t, int tau, int fixed, const double *beta,
                              nt_error *err)
{
    nt_dyn_lin *L = ctx->lin;
    int NO = p->n_outcomes, H = ctx->horizon;
    if (NO > 64) return nt_fail(err, NT_EUSAGE, "the linearisation takes at most 64 outcomes");
    double W = 0, rbar[64] = {0};
    long nk = 0;
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (!nt_dyn_observed(p, pc, t) || m->w[j] <= 0) continue;
        W += m->w[j];
        for (int o = 0; o < NO; o++)
            rbar[o] += m->w[j] * ((double)p->outcome[o][pc * p->months + t] -
                                  mu0_at(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)o * m->qx : NULL));
    }
    if (W <= 0) return NT_OK;
    for (int o = 0; o < NO; o++) rbar[o] /= W;
    for (long i = 0; i < m->n_t; i++) {
        long pi = unit_person[m->t_unit[i]];
        if (!nt_dyn_observed(p, pi, t)) continue;
        double term[64];
        for (int o = 0; o < NO; o++)
            term[o] = (double)p->outcome[o][pi * p->months + t] -
                      mu0_at(m->xt, m->n_t, m->qx, i, beta ? beta + (size_t)o * m->qx : NULL) - rbar[o];
        add_treated(L, fixed, tau, pi, term);
        nk++;
    }
    const nt_dyn_design *d = ctx->design;
    for (long j = 0; j < m->n_c && nk > 0; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (!nt_dyn_observed(p, pc, t) || m->w[j] <= 0) continue;
        double c = (double)nk * m->w[j] / W;
        for (int o = 0; o < NO; o++) {
            double rj = (double)p->outcome[o][pc * p->months + t] -
                        mu0_at(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)o * m->qx : NULL) - rbar[o];
            add_control(L, fixed, tau, pc, o, -c * rj);
            if (!ctx->G || !m->c_row) continue;
            for (int f = 0; f <= fixed; f++) {
                double *g = ctx->G + (((size_t)f * NO + o) * H + tau) * (size_t)d->q;
                for (int q = 0; q < d->q; q++) g[q] -= c * rj * d->z[(size_t)q * (size_t)d->n + (size_t)m->c_row[j]];
            }
        }
    }
    (void)err;
    return NT_OK;
}

nt_status nt_dyn_lin_score(nt_dyn_paths *ctx, const long *unit_person, const nt_dyn_rows *rows,
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
    for (long r = 0; r < n; r++) {
        if (!fit_keep[r]) continue;
        double v = e[r] * (1 - e[r]);
        for (int i = 0; i < q; i++)
            for (int j = 0; j <= i; j++)
                *gsl_matrix_ptr(Hm, (size_t)i, (size_t)j) +=
                    v * d->z[(size_t)i * (size_t)n + (size_t)r] * d->z[(size_t)j * (size_t)n + (size_t)r];
    }
    for (int i = 0; i < q; i++)
        for (int j = 0; j < i; j++) gsl_matrix_set(Hm, (size_t)j, (size_t)i, gsl_matrix_get(Hm, (size_t)i, (size_t)j));
    /* A (near) singular information matrix leaves the term out (aliased
       columns carry no information about the weights). */
    if (gsl_linalg_cholesky_decomp1(Hm)) goto done;
    for (int s = 0; s < ns; s++) {
        gsl_vector_view g = gsl_vector_view_array(ctx->G + (size_t)s * q, (size_t)q);
        gsl_linalg_cholesky_solve(Hm, &g.vector, x);
        for (int j = 0; j < q; j++) a[(size_t)s * q + j] = gsl_vector_get(x, (size_t)j);
    }
    for (long r = 0; r < n; r++) {
        if (!fit_keep[r]) continue;
        long person = unit_person[rows->unit[r]];
        double res = rows->d[r] - e[r];
        for (int s = 0; s < ns; s++) {
            double v = 0;
            for (int j = 0; j < q; j++) v += a[(size_t)s * q + j] * d->z[(size_t)j * (size_t)n + (size_t)r];
            L->c[(size_t)s * (size_t)L->n + (size_t)person] += v * res;
        }
    }
done:
    gsl_matrix_free(Hm);
    gsl_vector_free(x);
    free(a);
    return NT_OK;
}

void nt_dyn_lin_finish(nt_dyn_lin *L, const nt_dyn_result *r)
{
    int H = L->horizon, NO = L->n_outcomes;
    for (int f = 0; f < 2; f++)
        for (int o = 0; o < NO; o++)
            for (int tau = 0; tau < H; tau++) {
                long N = L->n_contrib[f * H + tau];
                double A = (f ? r->att_fixed : r->att)[o * H + tau];
                double *c = slot(L, f, o, tau, 0);
                const uint8_t *tr = L->treated + ((size_t)f * H + tau) * (size_t)L->n;
                for (long p = 0; p < L->n; p++)
                    c[p] = N > 0 && !isnan(A) ? (c[p] - tr[p] * A) / (double)N : 0;
            }
    L->finished = 1;
}
