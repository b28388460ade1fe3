/* The estimation effect of the hazard logits of ATT_never and IPCW in the
   linearisation (docs/inference.md, "ATT_never and IPCW"; Newey & McFadden
   1994, sec. 6). The weights W(k, t) = exp(l(k) - l(t)), l(t) = sum over
   the rows at risk s <= t of log(1 - h(s)), h = expit(z' theta), so

     d log W(k, t) / d theta = sum_{s = k+1..t, at risk} h(s) z(s) =: D(k, t),

   and with the estimator's Hajek form at (k, tau), over the contributing
   treated (a_i = their censoring weights) and the controls' weights K_j
   (sum_j K_j = sum_i a_i = S_k; docs/dynamic.md):

     ATT_k = sum_i a_i y_i / S_k - sum_j K_j y_j / S_k,   Cbar = sum_j K_j y_j / S_k,

   the derivative of N(tau) ATT(tau) = sum_k S_k ATT_k (pooled over k)
   with respect to log W of one unit (raw scale, before / N):
     control j, start weight:   -K_j (y_j - Cbar)
     control j, censoring:      -K_j (y_j - Cbar) + R_j,
                                R_j = sum_i a_i lambda_k w_ij Wc_j (m_i - Cbar s_i) / den_i
                                (den_i counts j's censoring weight when j is alive in t)
     treated i, censoring:      a_i [y_i - lambda_k m_i + Cbar (lambda_k s_i - 1) - ATT(tau)]
   (m_i, s_i, den_i, lambda_k as docs/dynamic.md; IPW: m_i = Cbar, s_i = 1,
   lambda_k = 1, no R). G = sum over units and (k, tau) of these times D;
   the -ATT(tau) part is gathered apart (G2 = sum a_i D_i) and applied at
   the end. Then person p's contribution gains G' H^-1 score_p per block of
   the hazard, H = sum over rows of h (1 - h) z z', score_p = sum over p's
   rows of z (d - h): the two-step (M-estimation) correction. A pooled
   rate is the intercept-only logit; a Firth fit is treated as the ML one.
   With ipcw_truncate a capped censoring weight is a constant (D = 0;
   the caps held fixed, as the truncated weights of Cole & Hernan 2008).
   The bias adjustment's regression is held fixed here (its own term stays
   in nt_dyn_lin.c).

   ATT_fixed (estimand 1; since 2026-12-01, issue 14): the same
   derivative of N_fixed(tau) ATT_fixed(tau), gathered apart (G and G2
   per estimand) from the units of its start months: a start month run
   once serves both estimands (fixed = 1: every term into both), a month
   run a second time on its F_k treated alone (nt_dyn_fixed.c) adds its
   terms to estimand 1 only (nt_dyn_wlin_second), and the -ATT part takes
   ATT_fixed(tau). Its start censoring term (below) goes to the second
   run's accumulator, merged into estimand 1 as its other terms.

   Weighting (ipw, aipw; within exact cells per cell c, nt_dyn_cells.c):
   N ATT_k = sum_c sum_{i in c} a_i (r_i - rbar_c), r = y - mu0, so
     control j, start or censoring:  -(S_c w_j W_j / W_c)(r_j - rbar_c)
     treated i, censoring:           a_i (r_i - rbar_c - ATT(tau))
   (W_c = sum_{j in c} w_j W_j, S_c = sum_{i in c} a_i; one cell without
   exact), with AIPW's outcome model mu0 held fixed here; its coefficients
   depend on the weights too, and that part of G (d N ATT / d b times
   d b / d log W_u for each unit of the outcome model) comes from
   nt_dyn_aipwlin.c through nt_dyn_wlin_unit.

   With ATT_never also the start censoring's own term (matching): a
   control's part of N ATT_k is -Kt_j 1{not started by t} Ws_j (y_j -
   Cbar) over the alive controls (Kt_j = lambda_k Wc_j sum_i a_i w_ij /
   den_i, the weight before the start weight Ws_j); the Abadie-Imbens
   residuals of nt_dyn_lin.c give its variance given x (y_j - mu(x_j)),
   not that of 1{not started} Ws_j - 1, whose mean given x is 0:

     -Kt_j (1{not started by t} Ws_j - 1)(mu_j - Cbar),

   mu_j = sum_i a_i w_ij (m_i / s_i) / den_i / sum_i a_i w_ij / den_i, the
   mean of the not-started matched controls over the sets j serves. IPW
   needs no such term (its control terms are not residualised on x). */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in the hazards' linearisation")

typedef struct nt_dyn_wlin_s {
    const nt_dyn_panel *p;   /* the estimate's view (with the weights) */
    nt_dyn_lin *L;           /* the linearisation it adds to */
    double *cnt;             /* [person]: its units (the hazards' case weights) */
    nt_dyn_hz *hz[2];     /* start, censoring */
    int Q[2], *off[2];    /* coefficients per hazard; block b's offset */
    int NO, H;
    double *G[2];         /* [((f * NO + o) * H + tau) * Q + j], f the estimand (0 ATT, 1 ATT_fixed) */
    double *G2;           /* censoring: [(f * H + tau) * Q + j] */
    nt_dyn_lin *Lt;       /* the start censoring term's accumulator: L, or a second run's (nt_dyn_wlin_second) */
    double *buf, *sden;   /* scratch: range mode's difference arrays; treated s_i, den_i */
    size_t cap, cap_t;
} nt_dyn_wlin;

void nt_dyn_wlin_free(nt_dyn_wlin *W)
{
    if (!W) return;
    for (int k = 0; k < 2; k++) {
        nt_dyn_hz_free(W->hz[k]);
        free(W->off[k]);
        free(W->G[k]);
    }
    free(W->G2);
    free(W->cnt);
    free(W->buf);
    free(W->sden);
    free(W);
}

nt_status nt_dyn_wlin_alloc(nt_dyn_lin *L, const nt_dyn_panel *p, const long *unit_person, long n_units,
                            nt_dyn_hz *hz_start, nt_dyn_hz *hz_cens, int horizon, nt_dyn_wlin **out, nt_error *err)
{
    nt_dyn_wlin *W = calloc(1, sizeof *W);
    if (!W) { nt_dyn_hz_free(hz_start); nt_dyn_hz_free(hz_cens); return NOMEM(err); }
    W->p = p;
    W->L = W->Lt = L;
    W->hz[0] = hz_start;
    W->hz[1] = hz_cens;
    if (!(W->cnt = calloc((size_t)p->n + 1, sizeof *W->cnt))) { nt_dyn_wlin_free(W); return NOMEM(err); }
    for (long u = 0; u < n_units; u++) W->cnt[unit_person[u]] += 1;
    W->NO = p->n_outcomes;
    W->H = horizon;
    size_t ns = 2 * (size_t)W->NO * (size_t)horizon;   /* ATT and ATT_fixed */
    for (int k = 0; k < 2; k++) {
        nt_dyn_hz *hz = W->hz[k];
        if (!hz) continue;
        if (!(W->off[k] = malloc(((size_t)hz->nb + 1) * sizeof *W->off[k]))) { nt_dyn_wlin_free(W); return NOMEM(err); }
        for (int b = 0; b < hz->nb; b++) { W->off[k][b] = W->Q[k]; W->Q[k] += hz->b[b].q; }
        if (!(W->G[k] = calloc(ns * (size_t)W->Q[k] + 1, sizeof *W->G[k]))) { nt_dyn_wlin_free(W); return NOMEM(err); }
    }
    if (W->hz[1] && !(W->G2 = calloc(2 * (size_t)horizon * (size_t)W->Q[1] + 1, sizeof *W->G2))) {
        nt_dyn_wlin_free(W);
        return NOMEM(err);
    }
    *out = W;
    return NT_OK;
}

void nt_dyn_wlin_second(nt_dyn_wlin *W, nt_dyn_lin *Lf)
{
    W->Lt = Lf ? Lf : W->L;
}

/* The estimands a (k, tau) adds to, f0..f1 (0 ATT, 1 ATT_fixed). */
typedef struct { int f0, f1; } ests;

/* The estimands of this (k, tau): 0..fixed, or ATT_fixed's alone in a second run (nt_dyn_wlin_second). */
static ests estimands(const nt_dyn_wlin *W, int fixed)
{
    int second = W->Lt != W->L;
    return (ests){second, second ? 1 : fixed};
}

/* Into estimands e.f0..e.f1 (the same term: a start month run once serves both). */
static inline void addv(double *G, int H, int Q, int NO, ests e, int tau, int j, double v, const double *g)
{
    for (int f = e.f0; f <= e.f1; f++)
        for (int o = 0; o < NO; o++) G[(((size_t)f * NO + o) * H + (size_t)tau) * (size_t)Q + (size_t)j] += g[o] * v;
}

/* G += g[o] D_u(k, t) for hazard kind (G laid out [((f * NO + o) * H + tau) * Q + j]) into estimands e. */
static void add_d(const nt_dyn_wlin *W, const nt_dyn_panel *p, ests e, int kind, double *G, int NO, long u, int k,
                  int t, int tau, const double *g)
{
    const nt_dyn_hz *hz = W->hz[kind];
    if (kind == 1 && p->lcap_cens && nt_dyn_cens_capped(p, u, k, t, NULL)) return;   /* ipcw_truncate: capped, fixed */
    int Q = W->Q[kind], H = W->H;
    const double *c = hz->ch + (size_t)u * (size_t)p->months;
    int32_t tm = p->treat_month[u];
    for (int b = 0; b < hz->nb; b++) {
        const nt_dyn_hzblock *B = &hz->b[b];
        if (B->s0 > t) break;
        int lo = k + 1 > B->s0 ? k + 1 : B->s0, hi = t < B->s1 ? t : B->s1, off = W->off[kind][b];
        if (lo > hi) continue;
        double a = c[hi] - c[lo - 1];
        if (a == 0) continue;
        for (int cc = 0; cc <= p->p; cc++)
            if (B->col[cc] >= 0)
                addv(G, H, Q, NO, e, tau, off + B->col[cc], cc ? a * p->x[(size_t)(cc - 1) * (size_t)p->n + (size_t)u] : a, g);
        if (B->pst)   /* the pooled censoring model: a dummy per piece */
            for (int d = 1; d < B->np; d++) {
                int a0 = lo > B->pst[d] ? lo : B->pst[d], a1 = hi < B->pst[d + 1] - 1 ? hi : B->pst[d + 1] - 1;
                if (a0 <= a1 && B->col[p->p + d] >= 0 && c[a1] != c[a0 - 1])
                    addv(G, H, Q, NO, e, tau, off + B->col[p->p + d], c[a1] - c[a0 - 1], g);
            }
        else
            for (int s = lo > B->fs + 1 ? lo : B->fs + 1; s <= hi && s <= B->lsd; s++)
                if (B->col[p->p + s - B->fs] >= 0 && c[s] != c[s - 1])
                    addv(G, H, Q, NO, e, tau, off + B->col[p->p + s - B->fs], c[s] - c[s - 1], g);
        int cs = p->p + nt_dyn_hz_ndum(B) + 1, from = lo > tm + 1 ? lo : tm + 1;
        if (kind == 1 && tm >= 0 && B->col[cs] >= 0 && from <= hi) addv(G, H, Q, NO, e, tau, off + B->col[cs], c[hi] - c[from - 1], g);
    }
}

/* A unit's derivative terms into estimands e: control (start and censoring) or treated. */
static void unit_terms(nt_dyn_wlin *W, const nt_dyn_panel *p, ests e, long person, int k, int t, int tau,
                       int control, int ns, const double *gs, const double *gc, double a)
{
    if (control && ns && W->hz[0]) add_d(W, p, e, 0, W->G[0], W->NO, person, k, t, tau, gs);
    if (!W->hz[1]) return;
    add_d(W, p, e, 1, W->G[1], W->NO, person, k, t, tau, gc);
    if (!control) add_d(W, p, e, 1, W->G2, 1, person, k, t, tau, &a);
}

void nt_dyn_wlin_unit(nt_dyn_wlin *W, const nt_dyn_panel *p, long person, int k, int t, int tau, int fixed,
                      const double *g)
{
    unit_terms(W, p, estimands(W, fixed), person, k, t, tau, 1, 1, g, g, 0);
}

static int scratch(nt_dyn_wlin *W, size_t n, size_t nt)
{
    if (n > W->cap) {
        double *b = realloc(W->buf, n * sizeof *b);
        if (!b) return -1;
        W->buf = b;
        W->cap = n;
    }
    if (nt > W->cap_t) {
        double *b = realloc(W->sden, nt * sizeof *b);
        if (!b) return -1;
        W->sden = b;
        W->cap_t = nt;
    }
    return 0;
}

/* The treated's matched sets at t: sden[2 i] = s_i, sden[2 i + 1] = den_i
   (buf holds the range mode's prefix sums); returns lambda_k. */
static double set_sums(nt_dyn_wlin *W, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int k,
                       int t, const uint8_t *contrib, const double *tw)
{
    double *P = W->buf, *sd = W->sden, ws = 0, wsi = 0;
    long nt = m->n_t, nc = m->n_c;
    size_t nc1 = (size_t)nc + 1;
    int np = m->epan ? 3 : 1;
    if (m->range_mode) {   /* prefix sums of the alive (den) and not-started (s) weights, as range_terms */
        for (int q = 0; q < 2; q++)
            for (int e = 0; e < np; e++) P[((size_t)q * np + e) * nc1] = 0;
        for (long j = 0; j < nc; j++) {
            long pc = unit_person[m->c_unit[j]];
            double sj = m->c_score[j] - m->shift, pw[3] = {1, sj, sj * sj};
            double v0 = nt_dyn_observed(p, pc, t) ? nt_dyn_wt(p, pc, k, t, 0) : 0;
            double v1 = nt_dyn_cobs(p, pc, t) ? nt_dyn_wt(p, pc, k, t, 1) : 0;
            for (int e = 0; e < np; e++) {
                P[(size_t)e * nc1 + j + 1] = P[(size_t)e * nc1 + j] + v0 * pw[e];
                P[((size_t)np + e) * nc1 + j + 1] = P[((size_t)np + e) * nc1 + j] + v1 * pw[e];
            }
        }
    }
    for (long i = 0; i < nt; i++) {
        if (!contrib[i]) continue;
        double den = 0, si = 0;
        if (m->range_mode) {
            long lo = m->rlo[i], hi = m->rhi[i];
            double co[3] = {1, 0, 0}, s = m->t_score[i] - m->shift, h2 = m->h * m->h;
            if (m->epan) { co[0] = 1 - s * s / h2; co[1] = 2 * s / h2; co[2] = -1 / h2; }
            for (int e = 0; e < np; e++) {
                den += co[e] * (P[(size_t)e * nc1 + hi] - P[(size_t)e * nc1 + lo]);
                si += co[e] * (P[((size_t)np + e) * nc1 + hi] - P[((size_t)np + e) * nc1 + lo]);
            }
        } else
            for (long a = m->start[i]; a < m->start[i + 1]; a++) {
                long u = nt + m->pair_c[a], pc = nt_dyn_uperson(unit_person, m, u);
                if (nt_dyn_ualive(p, unit_person, m, u, t)) den += m->w[a] * nt_dyn_wt(p, pc, k, t, 0);
                if (nt_dyn_uobs(p, unit_person, m, u, t)) si += m->w[a] * nt_dyn_wt(p, pc, k, t, 1);
            }
        sd[2 * i] = si / den;
        sd[2 * i + 1] = den;
        ws += tw[i];
        wsi += tw[i] * si / den;
    }
    return wsi > 0 ? ws / wsi : 1;
}

nt_status nt_dyn_wlin_matched(nt_dyn_wlin *W, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m,
                              int k, int t, int tau, int fixed, const double *K, const double *yhat,
                              const uint8_t *contrib, const double *tw, double *const *yc, nt_error *err)
{
    int NO = W->NO, np = m->epan ? 3 : 1;
    long nt = m->n_t, nc = m->n_c;
    double SK = 0, C[64] = {0}, gs[64], gc[64];
    ests es = estimands(W, fixed);
    for (long j = 0; j < nc; j++) {
        if (!(K[j] > 0)) continue;
        SK += K[j];
        for (int o = 0; o < NO; o++) C[o] += K[j] * yc[o][j];
    }
    if (!(SK > 0)) return NT_OK;
    for (int o = 0; o < NO; o++) C[o] /= SK;
    int cens = W->hz[1] != NULL, nv = 2 * NO + 1;
    /* den_i and s_i of the treated, lambda_k, and per control three sums
       over the treated it serves, sum_i f_i w_ij: R_j (f_i = a_i (lambda
       m_i - lambda Cbar s_i) / den_i), P1_j (a_i / den_i) and P2_j (a_i
       (m_i / s_i) / den_i), into buf[j * nv + v] */
    size_t nc1 = (size_t)nc + 1, nr = (size_t)nv * (size_t)np * nc1;
    if (scratch(W, m->range_mode ? 2 * nr : nc1 * (size_t)nv, 2 * (size_t)nt + 1)) return NOMEM(err);
    double lam = set_sums(W, p, unit_person, m, k, t, contrib, tw), *sd = W->sden;
    double *D = m->range_mode ? W->buf + nr : W->buf;
    memset(D, 0, (m->range_mode ? nr : nc1 * (size_t)nv) * sizeof *D);
    for (long i = 0; i < nt; i++) {
        if (!contrib[i]) continue;
        double f[129], s = sd[2 * i], den = sd[2 * i + 1];
        for (int o = 0; o < NO; o++) {
            f[o] = tw[i] * (yhat[(size_t)i * NO + o] - lam * C[o] * s) / den;
            f[NO + 1 + o] = tw[i] * (s > 0 ? yhat[(size_t)i * NO + o] / (lam * s) : C[o]) / den;
        }
        f[NO] = tw[i] / den;
        if (m->range_mode) {
            long lo = m->rlo[i], hi = m->rhi[i];
            double co[3] = {1, 0, 0}, sc = m->t_score[i] - m->shift, h2 = m->h * m->h;
            if (m->epan) { co[0] = 1 - sc * sc / h2; co[1] = 2 * sc / h2; co[2] = -1 / h2; }
            for (int v = 0; v < nv; v++)
                for (int e = 0; e < np; e++) {
                    D[((size_t)v * np + e) * nc1 + lo] += f[v] * co[e];
                    D[((size_t)v * np + e) * nc1 + hi] -= f[v] * co[e];
                }
        } else
            for (long a = m->start[i]; a < m->start[i + 1]; a++)
                for (int v = 0; v < nv; v++) D[(size_t)m->pair_c[a] * nv + v] += f[v] * m->w[a];
    }
    if (m->range_mode) {   /* running sums into buf[j * nv + v] (the difference rows are read ahead of it) */
        double run[129 * 3] = {0};
        for (long j = 0; j < nc; j++) {
            double sj = m->c_score[j] - m->shift, pw[3] = {1, sj, sj * sj};
            for (int v = 0; v < nv; v++) {
                double x = 0;
                for (int e = 0; e < np; e++) {
                    run[v * np + e] += D[((size_t)v * np + e) * nc1 + j];
                    x += run[v * np + e] * pw[e];
                }
                W->buf[(size_t)j * nv + v] = x;
            }
        }
    }
    const double *R = W->buf;
    for (long j = 0; j < nc; j++) {
        long pc = unit_person[m->c_unit[j]];
        int alive = nt_dyn_observed(p, pc, t), ns = K[j] > 0;
        if (!alive) continue;
        const double *Rj = R + (size_t)j * nv;
        double wc = nt_dyn_wt(p, pc, k, t, 0);
        /* ATT_never: the start censoring's own noise, -Kt_j (1{not started} Ws_j - 1)(mu_j - Cbar),
           Kt_j = lambda Wc_j P1_j the control's weight before the start weight, mu_j = P2_j / P1_j
           the matched controls' mean where it serves (the AI residuals see y given x only) */
        if (p->never && Rj[NO] > 0) {
            double kt = lam * wc * Rj[NO], ex = (ns ? nt_dyn_wt(p, pc, k, t, 1) / wc : 0) - 1;
            for (int o = 0; o < NO; o++)
                if (nt_dyn_lin_add_control(W->Lt, fixed, tau, pc, o, -kt * ex * (Rj[NO + 1 + o] / Rj[NO] - C[o])))
                    return NOMEM(err);
        }
        if (!ns && !cens) continue;
        for (int o = 0; o < NO; o++) {
            gs[o] = ns ? -K[j] * (yc[o][j] - C[o]) : 0;
            gc[o] = gs[o] + (cens ? wc * Rj[o] : 0);
        }
        unit_terms(W, p, es, pc, k, t, tau, 1, ns, gs, gc, 0);
    }
    for (long i = 0; i < nt && cens; i++) {
        if (!contrib[i]) continue;
        long pi = nt_dyn_uperson(unit_person, m, i);
        for (int o = 0; o < NO; o++)
            gc[o] = tw[i] * (nt_dyn_yadj(p, m, 0, i, pi, o, t) - yhat[(size_t)i * NO + o] +
                             C[o] * (lam * W->sden[2 * i] - 1));
        unit_terms(W, p, es, pi, k, t, tau, 0, 0, gs, gc, tw[i]);
    }
    return NT_OK;
}

static double mu0_of(const double *x, long ld, int qx, long r, const double *beta)
{
    double v = 0;
    for (int j = 0; beta && j < qx; j++) v += x[(size_t)j * (size_t)ld + (size_t)r] * beta[j];
    return v;
}

void nt_dyn_wlin_weighted(nt_dyn_wlin *W, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m,
                          int k, int t, int tau, int fixed, const double *rbar, const double *beta, const double *cW,
                          const double *cS)
{
    int NO = W->NO;
    double Wc = 0, Sk = 0, g[64];
    ests es = estimands(W, fixed);
    for (long j = 0; j < m->n_c && !cW; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (nt_dyn_cobs(p, pc, t) && m->w[j] > 0) Wc += m->w[j] * nt_dyn_wt(p, pc, k, t, 1);
    }
    for (long i = 0; i < m->n_t && !cW; i++) {
        long pi = unit_person[m->t_unit[i]];
        if (nt_dyn_observed(p, pi, t)) Sk += nt_dyn_wt(p, pi, k, t, 0);
    }
    if (!cW && (!(Wc > 0) || !(Sk > 0))) return;
    /* within cells: unit u of cell c has rbar_c = rbar[c * NO + o], W_c = cW[c], S_c = cS[c] */
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]], c = cW ? m->c_cell[j] : 0;
        double wc = cW ? cW[c] : Wc, sc = cW ? cS[c] : Sk;
        if (!nt_dyn_cobs(p, pc, t) || m->w[j] <= 0 || !(wc > 0) || !(sc > 0)) continue;
        double kc = sc * m->w[j] * nt_dyn_wt(p, pc, k, t, 1) / wc;
        for (int o = 0; o < NO; o++)
            g[o] = -kc * ((double)p->outcome[o][pc * p->months + t] -
                          mu0_of(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)o * m->qx : NULL) - rbar[c * NO + o]);
        unit_terms(W, p, es, pc, k, t, tau, 1, 1, g, g, 0);
    }
    for (long i = 0; i < m->n_t && W->hz[1]; i++) {
        long pi = unit_person[m->t_unit[i]], c = cW ? m->t_cell[i] : 0;
        if (!nt_dyn_observed(p, pi, t) || (cW && !(cW[c] > 0))) continue;
        double a = nt_dyn_wt(p, pi, k, t, 0);
        for (int o = 0; o < NO; o++)
            g[o] = a * ((double)p->outcome[o][pi * p->months + t] -
                        mu0_of(m->xt, m->n_t, m->qx, i, beta ? beta + (size_t)o * m->qx : NULL) - rbar[c * NO + o]);
        unit_terms(W, p, es, pi, k, t, tau, 0, 0, g, g, a);
    }
}

/* The dummy of month s in block B (0: none). */
static int hz_dum(const nt_dyn_hzblock *B, int s)
{
    if (!B->pst) return s > B->fs && s <= B->lsd ? s - B->fs : 0;
    int d = 0;
    while (d + 1 < B->np && s >= B->pst[d + 1]) d++;
    return d;
}

/* Row (person, s) of block B's logit: z (q values) into zr; h its hazard. */
static void zrow(const nt_dyn_panel *p, const nt_dyn_hz *hz, const nt_dyn_hzblock *B, long u, int s, double *zr)
{
    int nm = nt_dyn_hz_ndum(B), dm = hz_dum(B, s);
    int32_t tm = p->treat_month[u];
    for (int cc = 0; cc <= p->p + nm + (hz->kind >= 1); cc++) {
        int j = B->col[cc];
        if (j < 0) continue;
        zr[j] = cc == 0 ? 1
              : cc <= p->p ? p->x[(size_t)(cc - 1) * (size_t)p->n + (size_t)u]
              : cc <= p->p + nm ? (dm == cc - p->p)
              : (tm >= 0 && tm < s);
    }
}

/* v into person u's slot (o, tau) of estimand f. */
static int add_f(nt_dyn_lin *L, int f, int tau, long u, int o, double v)
{
    if (f == 0) return nt_dyn_lin_add_control(L, 0, tau, u, o, v);
    float *c = nt_dyn_lin_row(L, f, u);
    if (!c) return -1;
    c[o * L->horizon + tau] = (float)((double)c[o * L->horizon + tau] + v);
    return 0;
}

nt_status nt_dyn_wlin_finish(nt_dyn_wlin *W, const nt_dyn_result *r, nt_dyn_lin *L, nt_error *err)
{
    int NO = W->NO, H = W->H;
    const nt_dyn_panel *p = W->p;
    size_t M = (size_t)p->months;
    nt_status st = NT_OK;
    for (int kind = 0; kind < 2 && !st; kind++) {
        const nt_dyn_hz *hz = W->hz[kind];
        if (!hz) continue;
        for (int b = 0; b < hz->nb && !st; b++) {
            const nt_dyn_hzblock *B = &hz->b[b];
            int q = B->q, off = W->off[kind][b];
            size_t ns = (size_t)NO * (size_t)H, nsf = ns;   /* nsf: ATT's series, then ATT_fixed's (with a derivative) */
            for (size_t i = ns * (size_t)W->Q[kind]; i < 2 * ns * (size_t)W->Q[kind] && nsf == ns; i++)
                if (W->G[kind][i] != 0) nsf = 2 * ns;
            gsl_matrix *Hm = gsl_matrix_calloc((size_t)q, (size_t)q);
            gsl_vector *x = gsl_vector_alloc((size_t)q), *g = gsl_vector_alloc((size_t)q);
            double *A = malloc(nsf * (size_t)q * sizeof *A), *zr = malloc((size_t)q * sizeof *zr),
                   *sc = malloc((size_t)q * sizeof *sc);
            if (!Hm || !x || !g || !A || !zr || !sc) st = NOMEM(err);
            for (long u = 0; u < L->n && !st; u++) {
                const double *c = hz->ch + (size_t)u * M;
                for (int s = B->s0; s <= B->s1; s++) {
                    if (nt_dyn_ipcw_at_risk(p, u, s, hz->kind) < 0) continue;
                    double h = c[s] - c[s - 1];
                    if (!(h > 0)) continue;
                    zrow(p, hz, B, u, s, zr);
                    double v = W->cnt[u] * h * (1 - h);
                    for (int i = 0; i < q; i++)
                        for (int j = 0; j <= i; j++) *gsl_matrix_ptr(Hm, (size_t)i, (size_t)j) += v * zr[i] * zr[j];
                }
            }
            for (int i = 0; i < q && !st; i++)
                for (int j = 0; j < i; j++) gsl_matrix_set(Hm, (size_t)j, (size_t)i, gsl_matrix_get(Hm, (size_t)i, (size_t)j));
            /* a singular information leaves the block's term out, as nt_dyn_lin_score */
            int ok = !st && q > 0 && !gsl_linalg_cholesky_decomp1(Hm);
            for (size_t sr = 0; sr < nsf && ok; sr++) {
                int tau = (int)(sr % (size_t)H), f = sr >= ns;
                double att = f ? r->att_fixed[sr - ns] : r->att[sr];
                size_t g2 = ((size_t)f * (size_t)H + (size_t)tau) * (size_t)W->Q[1];
                for (int j = 0; j < q; j++) {
                    double v = W->G[kind][sr * (size_t)W->Q[kind] + (size_t)(off + j)];
                    if (kind == 1) v -= (isnan(att) ? 0 : att) * W->G2[g2 + (size_t)(off + j)];
                    gsl_vector_set(g, (size_t)j, v);
                }
                gsl_linalg_cholesky_solve(Hm, g, x);
                for (int j = 0; j < q; j++) A[sr * (size_t)q + (size_t)j] = gsl_vector_get(x, (size_t)j);
            }
            for (long u = 0; u < L->n && ok && !st; u++) {   /* score_u, then A' score_u per series */
                const double *c = hz->ch + (size_t)u * M;
                int any = 0;
                memset(sc, 0, (size_t)q * sizeof *sc);
                for (int s = B->s0; s <= B->s1; s++) {
                    int d = nt_dyn_ipcw_at_risk(p, u, s, hz->kind);
                    double h = c[s] - c[s - 1];
                    if (d < 0 || !(h > 0)) continue;
                    zrow(p, hz, B, u, s, zr);
                    for (int j = 0; j < q; j++) sc[j] += W->cnt[u] * zr[j] * (d - h);
                    any = 1;
                }
                for (size_t sr = 0; sr < nsf && any && !st; sr++) {
                    double v = 0;
                    for (int j = 0; j < q; j++) v += A[sr * (size_t)q + (size_t)j] * sc[j];
                    if (v != 0 && add_f(L, sr >= ns, (int)(sr % (size_t)H), u, (int)(sr % ns / (size_t)H), v))
                        st = NOMEM(err);
                }
            }
            gsl_matrix_free(Hm);
            gsl_vector_free(x);
            gsl_vector_free(g);
            free(A);
            free(zr);
            free(sc);
        }
    }
    return st;
}
