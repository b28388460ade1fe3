/* Weighting (ipw, aipw) within exact cells ([estimator] exact), step 3 of
   the dynamic estimator (nt_dyn_internal.h) and its linearisation.

   At start month k and month t = k + tau, with r = y - mu0 (mu0 = 0 for
   IPW, the OLS of y(t) on the AIPW design over the observed controls) and
   w_j = e_j / (1 - e_j) the controls' ATT weights, per cell c over the units
   observed in t:
     W_c = sum_{j in c} w_j W_j,   rbar_c = sum_{j in c} w_j W_j r_j / W_c,
     ATT_k(tau) = sum_c sum_{i in c} W_i (r_i - rbar_c) / sum_c S_c,
   S_c = sum_{i in c} W_i over the cell's contributing treated (observed, in
   a cell with W_c > 0): the control weights are normalised within each
   cell, so each cell's treated are compared with that cell's controls only
   (the weighting analogue of exact matching), and the pooled weights are
   the cells' shares of the treated. W_i, W_j are the weights of ATT_never
   and IPCW (nt_dyn_wt; controls started by t are out, "observed" being
   nt_dyn_cobs) and 1 without: then S_c = n_c, the cell's contributing
   treated, and the sums are the plain ones. With weights the pooling over
   k uses sum_c S_c (wcontrib).

   Linearisation (docs/inference.md, weighting; per cell), as for plain
   weighting (nt_dyn_lin.c, lin_weighted), plus the hazards' estimation
   term of the weights (nt_dyn_wlin_weighted with the cells):
     treated term  W_i (r_i - rbar_c(i)) - (W_i - 1) ATT_k(tau)
     control term  -(S_c w_j W_j / W_c)(r_j - rbar_c)
     G            -= (S_c / W_c) w_j W_j (r_j - rbar_c) x_j.
   AIPW adds its outcome model's term (nt_dyn_aipwlin.c).
   Hand computation: tests/test_dynamic.c (test_ipw_exact_tiny),
   tests/test_dyn_cells_never.c (with the weights). */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory")

static double mu0_at(const double *x, long ld, int qx, long r, const double *beta)
{
    if (!beta) return 0;
    double v = 0;
    for (int j = 0; j < qx; j++) v += x[(size_t)j * (size_t)ld + (size_t)r] * beta[j];
    return v;
}

/* Per cell sums at month t: W[c], R[c * NO + o] = rbar_c, the
   contributing treated copies n[c] and their summed weights S[c]. */
typedef struct {
    double *W, *R, *S;
    long *n;
} cell_sums;

static void cell_free(cell_sums *c)
{
    free(c->W);
    free(c->R);
    free(c->S);
    free(c->n);
}

static nt_status cell_compute(const nt_dyn_panel *p, const long *unit_person, const long *count,
                              const nt_dyn_kmatch *m, int k, int t, int NO, const double *beta, cell_sums *cs,
                              nt_error *err)
{
    int C = m->n_cells;
    cs->W = calloc((size_t)C + 1, sizeof *cs->W);
    cs->R = calloc((size_t)C * (size_t)NO + 1, sizeof *cs->R);
    cs->S = calloc((size_t)C + 1, sizeof *cs->S);
    cs->n = calloc((size_t)C + 1, sizeof *cs->n);
    if (!cs->W || !cs->R || !cs->S || !cs->n) return NOMEM(err);
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]], c = m->c_cell[j];
        if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) || m->w[j] <= 0) continue;
        double wj = m->w[j] * nt_dyn_wt(p, pc, k, t, 1);
        cs->W[c] += wj;
        for (int o = 0; o < NO; o++)
            cs->R[c * NO + o] += wj * (nt_dyn_uy(p, unit_person, m, o, m->n_t + j, t) -
                                       mu0_at(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)o * m->qx : NULL));
    }
    for (int c = 0; c < C; c++)
        for (int o = 0; o < NO && cs->W[c] > 0; o++) cs->R[c * NO + o] /= cs->W[c];
    for (long i = 0; i < m->n_t; i++) {
        long pi = unit_person[m->t_unit[i]], c = m->t_cell[i], ci = nt_dyn_ucount(count, m->t_unit[i]);
        if (!nt_dyn_uobs(p, unit_person, m, i, t) || !(cs->W[c] > 0)) continue;
        cs->n[c] += ci;
        cs->S[c] += (double)ci * nt_dyn_wt(p, pi, k, t, 0);
    }
    return NT_OK;
}

/* The linearisation terms (a main run: no copies). */
static void cells_lin(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m,
                      int t, int tau, int fixed, const double *beta, const cell_sums *cs, const double *Ak, int *oom)
{
    nt_dyn_lin *L = ctx->lin;
    int NO = p->n_outcomes, H = ctx->horizon, k = ctx->k, hw = nt_dyn_has_w(p);
    int b = hw ? -1 : nt_dyn_lin_slot(L, m, t);   /* the month cache's block: terms buffered (no weights) */
    if (b == -2) { *oom = 1; return; }
    for (long i = 0; i < m->n_t; i++) {
        long pi = unit_person[m->t_unit[i]], c = m->t_cell[i];
        if (!nt_dyn_uobs(p, unit_person, m, i, t) || !(cs->W[c] > 0)) continue;
        double term[64], wi = hw ? nt_dyn_wt(p, pi, k, t, 0) : 1;
        for (int o = 0; o < NO && o < 64; o++) {
            term[o] = nt_dyn_uy(p, unit_person, m, o, i, t) -
                      mu0_at(m->xt, m->n_t, m->qx, i, beta ? beta + (size_t)o * m->qx : NULL) - cs->R[c * NO + o];
            if (hw) term[o] = wi * term[o] - (wi - 1) * Ak[o];
        }
        if (b >= 0)
            for (int o = 0; o < NO; o++) nt_dyn_lin_slot_put(L, m, b, i, 1, o, term[o]);
        else if (nt_dyn_lin_add_treated_w(L, fixed, tau, pi, term, wi))
            *oom = 1;
        nt_dyn_kvar_treated(hw ? NULL : ctx->kv, NO, term);   /* per-k SE: unweighted paths only */
    }
    if (L->wl && hw) nt_dyn_wlin_weighted(L->wl, p, unit_person, m, k, t, tau, fixed, cs->R, beta, cs->W, cs->S);   /* the hazards' term */
    const nt_dyn_design *d = ctx->design;
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]], c = m->c_cell[j];
        if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) || m->w[j] <= 0 || cs->n[c] == 0) continue;
        double kc = (hw ? cs->S[c] : (double)cs->n[c]) * m->w[j] * (hw ? nt_dyn_wt(p, pc, k, t, 1) : 1) / cs->W[c];
        for (int o = 0; o < NO; o++) {
            double rj = nt_dyn_uy(p, unit_person, m, o, m->n_t + j, t) -
                        mu0_at(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)o * m->qx : NULL) - cs->R[c * NO + o];
            if (b >= 0) nt_dyn_lin_slot_put(L, m, b, m->n_t + j, 4, o, -kc * rj);
            else if (nt_dyn_lin_add_control(L, fixed, tau, pc, o, -kc * rj)) *oom = 1;
            nt_dyn_kvar_control(hw ? NULL : ctx->kv, j, o, kc * rj);
            for (int f = 0; f <= fixed; f++) {
                if (!ctx->G || !m->c_row) continue;
                double *g = ctx->G + (((size_t)f * NO + o) * H + tau) * (size_t)d->q;
                for (int q = 0; q < d->q; q++) g[q] -= kc * rj * d->z[(size_t)q * (size_t)d->n + (size_t)m->c_row[j]];
            }
        }
    }
}

nt_status nt_dyn_cells_tau(const nt_dyn_panel *p, const long *unit_person, const long *count,
                           const nt_dyn_kmatch *m, int t, int NO, uint8_t *bits, uint8_t *bits_f, long *used,
                           long *used_f, double *sum, long *nobs, long *ncontrib, double *wcontrib,
                           nt_dyn_paths *ctx, int tau, int fixed, nt_error *err)
{
    cell_sums cs = {0};
    int k = ctx->k;
    double *beta = m->xz ? calloc((size_t)NO * (size_t)m->qx, sizeof *beta) : NULL, *chol = NULL;
    nt_status s = m->xz && !beta ? NOMEM(err) : NT_OK;
    if (!s && m->xz) s = nt_dyn_ols_controls(p, unit_person, count, m, k, t, NO, beta, ctx->lin ? &chol : NULL, err);
    if (!s) s = cell_compute(p, unit_person, count, m, k, t, NO, beta, &cs, err);
    for (long i = 0; i < m->n_t && !s; i++) {
        long pi = unit_person[m->t_unit[i]], ci = nt_dyn_ucount(count, m->t_unit[i]), c = m->t_cell[i];
        if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
        *nobs += ci;
        if (!(cs.W[c] > 0)) continue;
        *ncontrib += ci;
        double wi = (double)ci * nt_dyn_wt(p, pi, k, t, 0);
        *wcontrib += wi;
        for (int o = 0; o < NO; o++)
            sum[o] += wi * (nt_dyn_uy(p, unit_person, m, o, i, t) -
                            mu0_at(m->xt, m->n_t, m->qx, i, beta ? beta + (size_t)o * m->qx : NULL) -
                            cs.R[c * NO + o]);
    }
    for (long j = 0; j < m->n_c && !s; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) || m->w[j] <= 0 || cs.n[m->c_cell[j]] == 0) continue;
        if (nt_dyn_bit_set(bits, pc)) (*used)++;
        if (bits_f && nt_dyn_bit_set(bits_f, pc)) (*used_f)++;
    }
    int oom = 0;
    double Ak[64] = {0};   /* ATT_k(tau) (the weighted treated terms are centred at it) */
    for (int o = 0; o < NO && o < 64 && *wcontrib > 0; o++) Ak[o] = sum[o] / *wcontrib;
    if (!s && ctx->lin) cells_lin(ctx, p, unit_person, m, t, tau, fixed, beta, &cs, Ak, &oom);
    if (!s && oom) s = NOMEM(err);
    if (!s && ctx->lin) s = nt_dyn_aipw_lin(ctx, p, unit_person, m, t, tau, fixed, beta, chol, cs.W, cs.S, err);   /* AIPW's model */
    cell_free(&cs);
    free(beta);
    free(chol);
    return s;
}
