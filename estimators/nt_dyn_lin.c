/* The per-person linearisation of the dynamic estimator (contract in
   nt_dyn_infer.h, formulas in docs/inference.md). Called from step 3
   (nt_dyn_paths.c) once per start month k and month tau since start, and
   from the entry point after each interval (the logit's term,
   nt_dyn_lscore.c) and at the end (centring and scaling). Every call adds
   to its persons' slots in a fixed order, so the result does not depend on
   the thread count.

   Matching at t = k + tau, over the treated i that contribute (observed,
   an observed control with weight):
     Yhat_i = sum_j w_ij y_j / sum_j w_ij   (observed controls)
     W_ij = w_ij / sum_j' w_ij',  K_j = sum_i W_ij,  KK_j = sum_i W_ij^2
     treated term  y_i - Yhat_i        control term  -sqrt(K_j^2 - KK_j) e_j
   with e_j the signed AI residual among the month's observed controls.
   Over a control's start months the terms become -s_j sum_k K_jk e_jk,
   s_j = sqrt(1 - sum_k KK_jk / (sum_k K_jk)^2) (nt_dyn_ksum.c).
   Range mode (radius, Epanechnikov) uses prefix sums over the score-sorted
   controls for Yhat and difference arrays for K, KK: w_ij is a polynomial
   in s_j (1, or 1 - ((s_j - s_i)/h)^2), so W_ij and W_ij^2 are too.

   Bias-adjusted radius (nt_dyn_adjust.c): the same on y - x'b with each
   WLS residual e scaled to e / sqrt(1 - leverage) (HC2;
   nt_dyn_adjust_ylin), plus the regression's term a'z_u w_u e_u (scaled
   alike) of each treated (w 1) and control (w K_j) in the WLS
   (nt_dyn_adjust_term).

   Weighting: r = y - mu0 (mu0 = 0 for IPW), W = sum_C w, rbar = sum_C w r / W,
   n_k the contributing treated:
     treated term  y_i - mu0_i - rbar   control term  -(n_k w_j / W)(r_j - rbar)
     G -= (n_k / W) w_j (r_j - rbar) x_j   (w = exp(eta): dw/dbeta = w x). */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_mem.h"
#include "core/nt_progress.h"
#include "estimators/nt_match.h"
#include "estimators/nt_sort.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in the linearisation")

/* Buffers of one start month's terms, kept across its months tau (and
   grown for the next start month): allocated once instead of per (k, tau). */
typedef struct nt_dyn_linwork_s {
    long cap_c, cap_t, cap_p;
    int key;                      /* start month the control order is for; -1 none */
    double *K, *KK, *yhat, *sorted, *P, *A, *y[64], *e[64];
    double *tw;                   /* [i]: the treated's weights (ATT_never, IPCW; 1 without) */
    long *ord, *pos, *nb;
    uint8_t *contrib, *skip;
    /* Pair mode with the month cache: the terms of the cached months,
       tb[(o * cap + b) * nu + u] (NaN none), and role[b * nu + u] (1
       treated, 2 control), added to the rows by nt_dyn_lin_flush. */
    double *tb;
    uint8_t *role;
    size_t cap_tb, cap_role;
    nt_dyn_resid *rs;             /* the month's AI residuals by groups of equal score (nt_dyn_resid.c) */
} linwork;

static void work_free(linwork *w)
{
    if (!w) return;
    free(w->K); free(w->KK); free(w->yhat); free(w->tw); free(w->sorted); free(w->P); free(w->A);
    for (int o = 0; o < 64; o++) { free(w->y[o]); free(w->e[o]); }
    free(w->ord); free(w->pos); free(w->nb); free(w->contrib); free(w->skip);
    free(w->tb); free(w->role);
    nt_dyn_resid_free(w->rs);
    free(w);
}

static int grow(void **a, size_t n, size_t size)
{
    void *q = realloc(*a, n * size);
    if (!q) return -1;
    *a = q;
    return 0;
}

/* Buffers for n_c controls, n_t treated, NO outcomes, np x (NO + 1) + (np + nq) prefix rows. */
static int work_ready(nt_dyn_lin *L, long n_c, long n_t, int NO, long prefix_rows)
{
    linwork *w = L->work;
    if (!w && !(w = L->work = calloc(1, sizeof *w))) return -1;
    if (n_c + 1 > w->cap_c) {
        size_t c = (size_t)n_c + 1 + (size_t)n_c / 4;
        int bad = grow((void **)&w->K, c, sizeof *w->K) || grow((void **)&w->KK, c, sizeof *w->KK) ||
                  grow((void **)&w->sorted, c, sizeof *w->sorted) || grow((void **)&w->ord, c, sizeof *w->ord) ||
                  grow((void **)&w->pos, c, sizeof *w->pos) || grow((void **)&w->nb, c, sizeof *w->nb) ||
                  grow((void **)&w->skip, c, 1);
        for (int o = 0; o < NO && !bad; o++)
            bad = grow((void **)&w->y[o], c, sizeof **w->y) || grow((void **)&w->e[o], c, sizeof **w->e);
        if (bad) return -1;
        w->cap_c = (long)c;
        w->key = -1;
    }
    if (n_t + 1 > w->cap_t) {
        size_t c = (size_t)n_t + 1 + (size_t)n_t / 4;
        if (grow((void **)&w->yhat, c * (size_t)NO, sizeof *w->yhat) || grow((void **)&w->contrib, c, 1) ||
            grow((void **)&w->tw, c, sizeof *w->tw))
            return -1;
        w->cap_t = (long)c;
    }
    if (prefix_rows * (n_c + 1) > w->cap_p) {
        size_t c = (size_t)prefix_rows * ((size_t)n_c + 1 + (size_t)n_c / 4);
        if (grow((void **)&w->P, c, sizeof *w->P) || grow((void **)&w->A, c, sizeof *w->A)) return -1;
        w->cap_p = (long)c;
    }
    return 0;
}

nt_status nt_dyn_lin_alloc(long n_persons, int horizon, int n_outcomes, nt_dyn_lin **out, nt_error *err)
{
    if (n_outcomes > 64) return nt_fail(err, NT_EUSAGE, "the linearisation takes at most 64 outcomes");
    nt_dyn_lin *L = calloc(1, sizeof *L);
    if (!L) return NOMEM(err);
    size_t n = (size_t)(n_persons > 0 ? n_persons : 1);
    L->n = n_persons;
    L->horizon = horizon;
    L->n_outcomes = n_outcomes;
    L->row[0] = malloc(n * sizeof *L->row[0]);
    L->row[1] = malloc(n * sizeof *L->row[1]);
    L->n_contrib = calloc(2 * (size_t)horizon, sizeof *L->n_contrib);
    L->w_contrib = calloc(2 * (size_t)horizon, sizeof *L->w_contrib);
    if (!L->row[0] || !L->row[1] || !L->n_contrib || !L->w_contrib) { nt_dyn_lin_free(L); return NOMEM(err); }
    for (size_t i = 0; i < n; i++) L->row[0][i] = L->row[1][i] = -1;
    *out = L;
    return NT_OK;
}

void nt_dyn_lin_free(nt_dyn_lin *L)
{
    if (!L) return;
    for (int f = 0; f < 2; f++) {
        for (long c = 0; c < L->n_chunks[f]; c++) { free(L->chunk[f][c]); free(L->bits[f][c]); }
        free(L->chunk[f]);
        free(L->bits[f]);
        free(L->row[f]);
    }
    free(L->n_contrib);
    free(L->w_contrib);
    free(L->att);
    work_free(L->work);
    nt_dyn_ksum_free(L->ks);
    free(L);
}

static size_t bit_bytes(const nt_dyn_lin *L) { return ((size_t)L->horizon + 7) / 8; }

/* Row of person in estimand f's store, made on first use; NULL when out of memory. */
static float *row_of(nt_dyn_lin *L, int f, long person, uint8_t **bits)
{
    int32_t r = L->row[f][person];
    size_t stride = (size_t)L->n_outcomes * (size_t)L->horizon, bb = bit_bytes(L);
    if (r < 0) {
        long nr = L->n_rows[f];
        if (nr % NT_DYN_LIN_CHUNK == 0) {
            long c = nr / NT_DYN_LIN_CHUNK;
            if (grow((void **)&L->chunk[f], (size_t)c + 1, sizeof *L->chunk[f]) ||
                grow((void **)&L->bits[f], (size_t)c + 1, sizeof *L->bits[f]))
                return NULL;
            L->chunk[f][c] = nt_mem_big_zero(NT_DYN_LIN_CHUNK * stride * sizeof(float));
            L->bits[f][c] = calloc(NT_DYN_LIN_CHUNK * bb, 1);
            if (!L->chunk[f][c] || !L->bits[f][c]) { free(L->chunk[f][c]); free(L->bits[f][c]); return NULL; }
            L->n_chunks[f] = c + 1;
        }
        r = L->row[f][person] = (int32_t)nr;
        L->n_rows[f] = nr + 1;
    }
    long c = r / NT_DYN_LIN_CHUNK, i = r % NT_DYN_LIN_CHUNK;
    if (bits) *bits = L->bits[f][c] + (size_t)i * bb;
    return L->chunk[f][c] + (size_t)i * stride;
}

float *nt_dyn_lin_row(nt_dyn_lin *L, int f, long person) { return row_of(L, f, person, NULL); }

int nt_dyn_lin_get(const nt_dyn_lin *L, int f, long person, double *c)
{
    int H = L->horizon, NO = L->n_outcomes;
    int32_t r = L->row[f][person];
    if (r < 0) {
        memset(c, 0, (size_t)NO * H * sizeof *c);
        return 0;
    }
    size_t bb = bit_bytes(L), stride = (size_t)NO * H;
    const float *v = L->chunk[f][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * stride;
    const uint8_t *bits = L->bits[f][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * bb;
    for (int tau = 0; tau < H; tau++) {
        double N = L->weighted ? L->w_contrib[f * H + tau] : (double)L->n_contrib[f * H + tau];
        int tr = (bits[tau >> 3] >> (tau & 7)) & 1;
        for (int o = 0; o < NO; o++) {
            double A = L->att[((size_t)f * NO + o) * H + tau];
            c[o * H + tau] = N > 0 && !isnan(A) ? ((double)v[o * H + tau] - tr * A) / N : 0;
        }
    }
    return 1;
}

int nt_dyn_lin_get_one(const nt_dyn_lin *L, int f, long person, int o, double *c)
{
    int H = L->horizon, NO = L->n_outcomes;
    int32_t r = L->row[f][person];
    if (r < 0) {
        memset(c, 0, (size_t)H * sizeof *c);
        return 0;
    }
    size_t bb = bit_bytes(L), stride = (size_t)NO * H;
    const float *v = L->chunk[f][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * stride;
    const uint8_t *bits = L->bits[f][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * bb;
    for (int tau = 0; tau < H; tau++) {
        double N = L->weighted ? L->w_contrib[f * H + tau] : (double)L->n_contrib[f * H + tau];
        int tr = (bits[tau >> 3] >> (tau & 7)) & 1;
        double A = L->att[((size_t)f * NO + o) * H + tau];
        c[tau] = N > 0 && !isnan(A) ? ((double)v[o * H + tau] - tr * A) / N : 0;
    }
    return 1;
}

int nt_dyn_lin_add_treated_w(nt_dyn_lin *L, int fixed, int tau, long person, const double *term, double wt)
{
    if (wt != 1) L->weighted = 1;
    for (int f = 0; f <= fixed; f++) {
        uint8_t *bits;
        float *v = row_of(L, f, person, &bits);
        if (!v) return -1;
        bits[tau >> 3] |= (uint8_t)(1u << (tau & 7));
        L->n_contrib[f * L->horizon + tau]++;
        L->w_contrib[f * L->horizon + tau] += wt;
        for (int o = 0; o < L->n_outcomes; o++) v[o * L->horizon + tau] = (float)((double)v[o * L->horizon + tau] + term[o]);
    }
    return 0;
}

int nt_dyn_lin_add_treated(nt_dyn_lin *L, int fixed, int tau, long person, const double *term)
{
    return nt_dyn_lin_add_treated_w(L, fixed, tau, person, term, 1);
}

int nt_dyn_lin_add_control(nt_dyn_lin *L, int fixed, int tau, long person, int o, double term)
{
    for (int f = 0; f <= fixed; f++) {
        float *v = row_of(L, f, person, NULL);
        if (!v) return -1;
        v[o * L->horizon + tau] = (float)((double)v[o * L->horizon + tau] + term);
    }
    return 0;
}

static double uyadj(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int side, long i, int o,
                    int t);

/* Range mode: Yhat_i from prefix sums, K and KK from difference arrays. */
static void range_terms(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int km, int t,
                        linwork *w)
{
    int hw = nt_dyn_has_w(p);   /* weights: v_ij = lambda_k w_ij W_j / den_i, K_j = sum_i W_i v_ij */
    double ws = 0, wsi = 0;
    int NO = p->n_outcomes, np = m->epan ? 3 : 1, nq = m->epan ? 5 : 1;
    size_t nc1 = (size_t)m->n_c + 1;
    double *P = w->P, *A = w->A;
    memset(A, 0, nc1 * (size_t)(np + nq) * sizeof *A);
    for (int q = 0; q <= NO + 1; q++)   /* q = NO + 1: the not-yet-started weights (lambda_k, range_paths) */
        for (int e = 0; e < np; e++) P[((size_t)q * np + e) * nc1] = 0;
    for (long j = 0; j < m->n_c; j++) {
        long pc = nt_dyn_uperson(unit_person, m, m->n_t + j);
        int obs = nt_dyn_uobs(p, unit_person, m, m->n_t + j, t);
        int alive = nt_dyn_ualive(p, unit_person, m, m->n_t + j, t);   /* as range_paths */
        double sj = m->c_score[j] - m->shift, pw[3] = {1, sj, sj * sj};
        double wj = obs && hw ? nt_dyn_wt(p, pc, km, t, 1) : 1, w0 = alive && hw ? nt_dyn_wt(p, pc, km, t, 0) : 1;
        for (int q = 0; q <= NO + 1; q++) {
            double v = q == 0 ? (alive ? w0 : 0) : !obs ? 0 : q == NO + 1 ? wj : wj * uyadj(p, unit_person, m, 1, j, q - 1, t);
            for (int e = 0; e < np; e++) {
                double *row = P + ((size_t)q * np + e) * nc1;
                row[j + 1] = row[j] + v * pw[e];
            }
        }
    }
    for (long i = 0; i < m->n_t; i++) {
        w->contrib[i] = 0;
        if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
        double wi = w->tw[i] = hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, i), km, t, 0) : 1;
        long lo = m->rlo[i], hi = m->rhi[i];
        double co[3] = {1, 0, 0};
        if (m->epan) {
            double si = m->t_score[i] - m->shift, h2 = m->h * m->h;
            co[0] = 1 - si * si / h2;
            co[1] = 2 * si / h2;
            co[2] = -1 / h2;
        }
        double den = 0, si = 0;
        for (int e = 0; e < np; e++) {
            den += co[e] * (P[(size_t)e * nc1 + hi] - P[(size_t)e * nc1 + lo]);
            si += co[e] * (P[((size_t)(NO + 1) * np + e) * nc1 + hi] - P[((size_t)(NO + 1) * np + e) * nc1 + lo]);
        }
        if (!(den > 1e-12)) continue;
        w->contrib[i] = 1;
        ws += wi;
        wsi += wi * si / den;
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
            A[(size_t)e * nc1 + lo] += wi * co[e] / den;
            A[(size_t)e * nc1 + hi] -= wi * co[e] / den;
        }
        for (int e = 0; e < nq; e++) {
            A[(size_t)(np + e) * nc1 + lo] += wi * wi * sq[e] / (den * den);
            A[(size_t)(np + e) * nc1 + hi] -= wi * wi * sq[e] / (den * den);
        }
    }
    double lam = hw && wsi > 0 ? ws / wsi : 1;
    for (long i = 0; i < m->n_t && lam != 1; i++)
        for (int o = 0; o < NO && w->contrib[i]; o++) w->yhat[(size_t)i * NO + o] *= lam;
    double run[8] = {0};
    for (long j = 0; j < m->n_c; j++) {
        double sj = m->c_score[j] - m->shift, pw = 1, k = 0, kk = 0;
        for (int e = 0; e < np + nq; e++) run[e] += A[(size_t)e * nc1 + j];
        for (int e = 0; e < nq; e++, pw *= sj) {
            if (e < np) k += run[e] * pw;
            kk += run[np + e] * pw;
        }
        int obs = nt_dyn_uobs(p, unit_person, m, m->n_t + j, t);
        double wj = obs && hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, m->n_t + j), km, t, 1) : 1;
        w->K[j] = obs && k > 1e-15 ? lam * k * wj : 0;
        w->KK[j] = obs && k > 1e-15 ? lam * lam * kk * wj * wj : 0;
    }
}

/* Pairs: Yhat_i, K and KK directly. */
static void pair_terms(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int km, int t,
                       linwork *w)
{
    int hw = nt_dyn_has_w(p);
    int NO = p->n_outcomes;
    long nt = m->n_t;
    memset(w->K, 0, ((size_t)m->n_c + 1) * sizeof *w->K);
    memset(w->KK, 0, ((size_t)m->n_c + 1) * sizeof *w->KK);
    double ws = 0, wsi = 0;   /* lambda_k, as matched_tau */
    for (long i = 0; i < nt; i++) {
        w->contrib[i] = 0;
        if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
        double den = 0, si = 0;
        for (long a = m->start[i]; a < m->start[i + 1]; a++) {   /* as matched_tau (nt_dyn_ualive) */
            long u = nt + m->pair_c[a];
            if (nt_dyn_ualive(p, unit_person, m, u, t))
                den += m->w[a] * (hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, u), km, t, 0) : 1);
            if (hw && nt_dyn_uobs(p, unit_person, m, u, t)) si += m->w[a] * nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, u), km, t, 1);
        }
        if (den <= 0) continue;
        w->contrib[i] = 1;
        double wi = w->tw[i] = hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, i), km, t, 0) : 1;
        ws += wi;
        wsi += wi * si / den;
        for (int o = 0; o < NO; o++) w->yhat[(size_t)i * NO + o] = 0;
        for (long a = m->start[i]; a < m->start[i + 1]; a++) {
            long u = nt + m->pair_c[a];
            if (!nt_dyn_uobs(p, unit_person, m, u, t) || m->w[a] <= 0) continue;
            double v = m->w[a] * (hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, u), km, t, 1) : 1) / den;
            w->K[m->pair_c[a]] += wi * v;
            w->KK[m->pair_c[a]] += wi * v * wi * v;
            for (int o = 0; o < NO; o++) w->yhat[(size_t)i * NO + o] += v * nt_dyn_uy(p, unit_person, m, o, u, t);
        }
    }
    double lam = hw && wsi > 0 ? ws / wsi : 1;
    for (long i = 0; i < nt && lam != 1; i++)
        for (int o = 0; o < NO && w->contrib[i]; o++) w->yhat[(size_t)i * NO + o] *= lam;
    for (long j = 0; j < m->n_c && lam != 1; j++) {
        w->K[j] *= lam;
        w->KK[j] *= lam * lam;
    }
}

/* The term buffer of the month cache's blocks: all NaN and roles 0 outside
   a start month's blocks (new space filled here, used entries reset by
   nt_dyn_lin_flush); -1 out of memory. */
static int block_ready(linwork *w, const nt_dyn_ycache *c, int NO)
{
    size_t nr = (size_t)c->cap * (size_t)c->nu + 1, need = (size_t)(NO ? NO : 1) * nr;
    if (need > w->cap_tb) {
        if (grow((void **)&w->tb, need, sizeof *w->tb)) return -1;
        for (size_t i = w->cap_tb; i < need; i++) w->tb[i] = NAN;
        w->cap_tb = need;
    }
    if (nr > w->cap_role) {
        if (grow((void **)&w->role, nr, 1)) return -1;
        memset(w->role + w->cap_role, 0, nr - w->cap_role);
        w->cap_role = nr;
    }
    return 0;
}

int nt_dyn_lin_slot(nt_dyn_lin *L, const nt_dyn_kmatch *m, int t)
{
    const nt_dyn_ycache *c = m->yc;
    int b = c ? t - c->k - c->tau0 : -1;
    if (!c || b < 0 || b >= c->nb) return -1;
    if (work_ready(L, m->n_c, m->n_t, L->n_outcomes, 0) || block_ready(L->work, c, L->n_outcomes)) return -2;
    return b;
}

void nt_dyn_lin_slot_put(nt_dyn_lin *L, const nt_dyn_kmatch *m, int b, long u, int role, int o, double term)
{
    L->work->tb[((size_t)o * (size_t)m->yc->cap + (size_t)b) * (size_t)m->yc->nu + (size_t)u] = term;
    L->work->role[(size_t)b * (size_t)m->yc->nu + (size_t)u] |= (uint8_t)role;
}

nt_status nt_dyn_lin_flush(nt_dyn_paths *ctx, const nt_dyn_kmatch *m, int fixed, nt_error *err)
{
    nt_dyn_lin *L = ctx->lin;
    linwork *w = L->work;
    const nt_dyn_ycache *c = m->yc;
    if (!w || !w->tb || !c || c->nb <= 0) return NT_OK;
    int H = L->horizon, NO = L->n_outcomes, nb = c->nb, cap = c->cap;
    size_t nu = (size_t)c->nu;
    for (size_t u = 0; u < nu; u++) {
        int need = 0;
        for (int b = 0; b < nb && !need; b++) need = w->role[(size_t)b * nu + u] != 0;
        if (!need) continue;
        for (int f = 0; f <= fixed; f++) {
            uint8_t *bits;
            float *v = row_of(L, f, c->person[u], &bits);
            if (!v) return NOMEM(err);
            for (int b = 0; b < nb; b++) {
                int role = w->role[(size_t)b * nu + u], tau = c->tau0 + b;
                if (!role) continue;
                if (role & 1) {
                    bits[tau >> 3] |= (uint8_t)(1u << (tau & 7));
                    L->n_contrib[f * H + tau]++;
                    L->w_contrib[f * H + tau] += 1;
                }
                for (int o = 0; o < NO; o++) {
                    double x = w->tb[((size_t)o * (size_t)cap + (size_t)b) * nu + u];
                    if ((role & 5) || !isnan(x)) v[o * H + tau] = (float)((double)v[o * H + tau] + x);
                }
            }
        }
        for (int b = 0; b < nb; b++)   /* the buffer stays NaN outside a start month's blocks */
            for (int o = 0; o < NO && w->role[(size_t)b * nu + u]; o++)
                w->tb[((size_t)o * (size_t)cap + (size_t)b) * nu + u] = NAN;
    }
    memset(w->role, 0, (size_t)cap * nu);
    return NT_OK;
}

/* The controls of start month k in order of (score, index), once per k:
   ord[r] the control at rank r, pos[j] the rank of control j. */
static int control_order(const nt_dyn_kmatch *m, int k, linwork *w)
{
    if (w->key == k) return 0;
    if (nt_sort_cell_score(m->n_c, NULL, m->c_score, w->ord)) return -1;
    for (long r = 0; r < m->n_c; r++) {
        w->pos[w->ord[r]] = r;
        w->sorted[r] = m->c_score[w->ord[r]];
    }
    w->key = k;
    return 0;
}

/* nt_dyn_yadj through the month cache: unit i of side 0 (treated) or 1
   (control), minus its bias adjustment when there is one. */
static double uyadj(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int side, long i, int o,
                    int t)
{
    double y = nt_dyn_uy(p, unit_person, m, o, side ? m->n_t + i : i, t);
    if (m->adj_a) return nt_dyn_adjust_ylin(m, side, i, o, y);   /* with the HC2 residuals */
    if (side == 0 && m->off_t) y -= m->off_t[(size_t)o * (size_t)m->n_t + (size_t)i];
    if (side == 1 && m->off_c) y -= m->off_c[(size_t)o * (size_t)m->n_c + (size_t)i];
    return y;
}

static nt_status lin_matched(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                             const nt_dyn_kmatch *m, int t, int tau, int fixed, double *kvar, nt_error *err)
{
    /* kvar (with it): the variance of ATT_k(tau) from this (k, tau)'s terms
       alone, [sum_i (term_i - ATT_k)^2 + sum_j c_j^2 e_j^2] / (n (n - 1)) */
    double ts[64] = {0}, tq[64] = {0}, cq[64] = {0}, t0[64] = {0};   /* t0: the terms without the regression's */
    nt_dyn_lin *L = ctx->lin;
    int NO = p->n_outcomes, np = m->epan ? 3 : 1, nq = m->epan ? 5 : 1;
    if (work_ready(L, m->n_c, m->n_t, NO, m->range_mode ? (long)np * (NO + 1) + np + nq : 0)) return NOMEM(err);
    linwork *w = L->work;
    if (m->range_mode) range_terms(p, unit_person, m, ctx->k, t, w);
    else pair_terms(p, unit_person, m, ctx->k, t, w);
    const nt_dyn_ycache *yc = m->yc;
    int b = yc ? t - yc->k - yc->tau0 : -1;
    if (yc && (b < 0 || b >= yc->nb)) yc = NULL;   /* not cached: terms straight into the rows */
    if (yc && block_ready(w, yc, NO)) return NOMEM(err);
    size_t nu = yc ? (size_t)yc->nu : 0, cap = yc ? (size_t)yc->cap : 0;
    long any = 0, nt = m->n_t;
    int hw = nt_dyn_has_w(p);
    double Ak[64] = {0}, Sk = 0;   /* weights: ATT_k and the summed weights */
    for (long i = 0; i < nt && hw; i++) {
        if (!w->contrib[i]) continue;
        Sk += w->tw[i];
        for (int o = 0; o < NO; o++) Ak[o] += w->tw[i] * (uyadj(p, unit_person, m, 0, i, o, t) - w->yhat[(size_t)i * NO + o]);
    }
    for (int o = 0; o < NO && Sk > 0; o++) Ak[o] /= Sk;
    for (long i = 0; i < nt; i++) {
        if (!w->contrib[i]) continue;
        double term[64];
        for (int o = 0; o < NO; o++) term[o] = uyadj(p, unit_person, m, 0, i, o, t) - w->yhat[(size_t)i * NO + o];
        for (int o = 0; o < NO && o < 64; o++) t0[o] += term[o];
        if (hw) {   /* never / IPCW; the regression's term carries its WLS weight c_i W_i already */
            double wi = w->tw[i];
            for (int o = 0; o < NO; o++) {
                double ra = m->adj_a ? nt_dyn_adjust_term(m, 0, i, o) : 0;
                double c = wi * (term[o] - Ak[o]) + ra;
                tq[o] += c * c;   /* centred already: ts stays 0 */
                term[o] = wi * term[o] - (wi - 1) * Ak[o] + ra;
            }
            if (nt_dyn_lin_add_treated_w(L, fixed, tau, nt_dyn_uperson(unit_person, m, i), term, wi)) return NOMEM(err);
            any++;
            continue;
        }
        if (m->adj_a)   /* bias-adjusted radius: the regression's term (nt_dyn_adjust.c) */
            for (int o = 0; o < NO; o++) term[o] += nt_dyn_adjust_term(m, 0, i, o);
        if (yc) {
            for (int o = 0; o < NO; o++) w->tb[((size_t)o * cap + (size_t)b) * nu + (size_t)i] = term[o];
            w->role[(size_t)b * nu + (size_t)i] |= 1;
        } else if (nt_dyn_lin_add_treated(L, fixed, tau, nt_dyn_uperson(unit_person, m, i), term))
            return NOMEM(err);
        for (int o = 0; o < NO && o < 64; o++) { ts[o] += term[o]; tq[o] += term[o] * term[o]; }
        any++;
    }
    if (kvar)
        for (int o = 0; o < NO; o++) kvar[o] = NAN;
    if (!any) return NT_OK;
    if (control_order(m, ctx->k, w)) return NOMEM(err);
    for (long j = 0; j < m->n_c; j++) {
        w->skip[j] = !nt_dyn_uobs(p, unit_person, m, nt + j, t);
        for (int o = 0; o < NO; o++) w->y[o][j] = w->skip[j] ? 0 : uyadj(p, unit_person, m, 1, j, o, t);
    }
    nt_status ws = L->wl ? nt_dyn_wlin_matched(L->wl, p, unit_person, m, ctx->k, t, tau, fixed, w->K, w->yhat,
                                                w->contrib, w->tw, w->y, err) : NT_OK;   /* nt_dyn_wlin.c */
    if (ws) return ws;
    int J = ctx->J > 0 ? ctx->J : 1;
    if (nt_dyn_resid_month(&w->rs, m->n_c, w->ord, w->sorted, w->skip, NO, w->y)) return NOMEM(err);
    for (long j = 0; j < m->n_c; j++) {
        if (!(w->K[j] > 0) || w->skip[j]) continue;
        double e[64], yj[64];
        for (int o = 0; o < NO; o++) yj[o] = w->y[o][j];
        nt_dyn_resid_get(w->rs, w->pos[j], m->c_score[j], J, NO, yj, e);
        double c = sqrt(fmax(w->K[j] * w->K[j] - w->KK[j], 0)), ke[64];
        for (int o = 0; o < NO; o++) {
            double ra = m->adj_a ? nt_dyn_adjust_term(m, 1, j, o) : 0;
            ke[o] = w->K[j] * e[o];   /* the AI term, summed over start months (nt_dyn_ksum.c) */
            double ck = (isnan(e[o]) ? 0 : -c * e[o]) + ra;   /* this (k, tau)'s term: the per-k SE */
            if (o < 64 && !(isnan(e[o]) && ra == 0)) cq[o] += ck * ck;
            if (ra == 0) continue;
            double ct = ra;
            if (yc) {
                w->tb[((size_t)o * cap + (size_t)b) * nu + (size_t)(nt + j)] = ct;
                w->role[(size_t)b * nu + (size_t)(nt + j)] |= 2;
            } else if (nt_dyn_lin_add_control(L, fixed, tau, nt_dyn_uperson(unit_person, m, nt + j), o, ct))
                return NOMEM(err);
        }
        if (nt_dyn_ksum_add(L, fixed, tau, nt_dyn_uperson(unit_person, m, nt + j), w->K[j], w->KK[j], ke))
            return NOMEM(err);
    }
    if (kvar && NO <= 64)
        for (int o = 0; o < NO; o++) {
            double n = hw ? Sk : (double)any, vt;
            if (hw) vt = tq[o] - ts[o] * ts[o] / n;
            else {
                double att = t0[o] / n;   /* sum_i (term_i - ATT_k)^2 (= ts / n without the regression's term) */
                vt = m->adj_a ? tq[o] - 2 * att * ts[o] + n * att * att : tq[o] - ts[o] * ts[o] / n;
            }
            /* the terms are centred at ATT_k: E = V (n - 1) / n (docs/inference.md, per start month) */
            double df = hw ? 1 : nt_dyn_kvar_df((double)any);
            kvar[o] = df * (fmax(vt, 0) + cq[o]) / (n * n);
        }
    return NT_OK;
}

static double mu0_at(const double *x, long ld, int qx, long r, const double *beta)
{
    if (!beta) return 0;
    double v = 0;
    for (int j = 0; j < qx; j++) v += x[(size_t)j * (size_t)ld + (size_t)r] * beta[j];
    return v;
}

static nt_status lin_weighted(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                              const nt_dyn_kmatch *m, int t, int tau, int fixed, const double *beta,
                              const double *chol, nt_error *err)
{
    nt_dyn_lin *L = ctx->lin;
    int NO = p->n_outcomes, H = ctx->horizon;
    if (NO > 64) return nt_fail(err, NT_EUSAGE, "the linearisation takes at most 64 outcomes");
    double W = 0, rbar[64] = {0};
    long nk = 0;
    int k = ctx->k, hw = nt_dyn_has_w(p);
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) || m->w[j] <= 0) continue;
        double wj = m->w[j] * nt_dyn_wt(p, pc, k, t, 1);
        W += wj;
        for (int o = 0; o < NO; o++)
            rbar[o] += wj * (nt_dyn_uy(p, unit_person, m, o, m->n_t + j, t) -
                                  mu0_at(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)o * m->qx : NULL));
    }
    if (W <= 0) return NT_OK;
    for (int o = 0; o < NO; o++) rbar[o] /= W;
    double Sk = 0, Ak[64] = {0};   /* weights: the summed treated weights and ATT_k */
    for (long i = 0; i < m->n_t && hw; i++) {
        long pi = unit_person[m->t_unit[i]];
        if (!nt_dyn_observed(p, pi, t)) continue;
        double wi = nt_dyn_wt(p, pi, k, t, 0);
        Sk += wi;
        for (int o = 0; o < NO; o++)   /* AIPW: r_i = y_i - mu0_i, as the terms below */
            Ak[o] += wi * ((double)p->outcome[o][pi * p->months + t] - rbar[o] -
                           mu0_at(m->xt, m->n_t, m->qx, i, beta ? beta + (size_t)o * m->qx : NULL));
    }
    for (int o = 0; o < NO && Sk > 0; o++) Ak[o] /= Sk;
    if (L->wl) nt_dyn_wlin_weighted(L->wl, p, unit_person, m, k, t, tau, fixed, rbar, beta, NULL, NULL);   /* the hazards' term */
    int b = hw ? -1 : nt_dyn_lin_slot(L, m, t);   /* the month cache's block: terms buffered (no weights) */
    if (b == -2) return NOMEM(err);
    for (long i = 0; i < m->n_t; i++) {
        long pi = unit_person[m->t_unit[i]];
        if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
        double term[64], wi = hw ? nt_dyn_wt(p, pi, k, t, 0) : 1;
        for (int o = 0; o < NO; o++) {
            term[o] = nt_dyn_uy(p, unit_person, m, o, i, t) -
                      mu0_at(m->xt, m->n_t, m->qx, i, beta ? beta + (size_t)o * m->qx : NULL) - rbar[o];
            if (hw) term[o] = wi * term[o] - (wi - 1) * Ak[o];
        }
        if (b >= 0)
            for (int o = 0; o < NO; o++) nt_dyn_lin_slot_put(L, m, b, i, 1, o, term[o]);
        else if (nt_dyn_lin_add_treated_w(L, fixed, tau, pi, term, wi)) return NOMEM(err);
        nt_dyn_kvar_treated(hw ? NULL : ctx->kv, NO, term);   /* per-k SE: unweighted paths only */
        nk++;
    }
    double nkw = hw ? Sk : (double)nk;
    const nt_dyn_design *d = ctx->design;
    for (long j = 0; j < m->n_c && nk > 0; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) || m->w[j] <= 0) continue;
        double c = nkw * m->w[j] * nt_dyn_wt(p, pc, k, t, 1) / W;
        for (int o = 0; o < NO; o++) {
            double rj = nt_dyn_uy(p, unit_person, m, o, m->n_t + j, t) -
                        mu0_at(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)o * m->qx : NULL) - rbar[o];
            if (b >= 0) nt_dyn_lin_slot_put(L, m, b, m->n_t + j, 4, o, -c * rj);
            else if (nt_dyn_lin_add_control(L, fixed, tau, pc, o, -c * rj)) return NOMEM(err);
            nt_dyn_kvar_control(hw ? NULL : ctx->kv, j, o, c * rj);
            if (!ctx->G || !m->c_row) continue;
            for (int f = 0; f <= fixed; f++) {
                double *g = ctx->G + (((size_t)f * NO + o) * H + tau) * (size_t)d->q;
                for (int q = 0; q < d->q; q++) g[q] -= c * rj * d->z[(size_t)q * (size_t)d->n + (size_t)m->c_row[j]];
            }
        }
    }
    return nk > 0 ? nt_dyn_aipw_lin(ctx, p, unit_person, m, t, tau, fixed, beta, chol, NULL, NULL, err) : NT_OK;   /* AIPW's model */
}

double nt_dyn_kvar_get(const nt_dyn_kvar *v, int o)
{
    if (!v->n || o >= 64) return NAN;
    double n = (double)v->n, c = v->tq[o] - v->ts[o] * v->ts[o] / n;
    return nt_dyn_kvar_df(n) * ((c > 0 ? c : 0) + v->cq[o]) / (n * n);   /* as lin_matched's kvar */
}

/* The entry points: the terms, and the time they take (L->seconds). */
nt_status nt_dyn_lin_matched(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                             const nt_dyn_kmatch *m, int t, int tau, int fixed, double *kvar, nt_error *err)
{
    double t0 = nt_now();
    nt_status s = lin_matched(ctx, p, unit_person, m, t, tau, fixed, kvar, err);
    ctx->lin->seconds += nt_now() - t0;
    return s;
}

nt_status nt_dyn_lin_weighted(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                              const nt_dyn_kmatch *m, int t, int tau, int fixed, const double *beta,
                              const double *chol, nt_error *err)
{
    double t0 = nt_now();
    nt_status s = lin_weighted(ctx, p, unit_person, m, t, tau, fixed, beta, chol, err);
    ctx->lin->seconds += nt_now() - t0;
    return s;
}

nt_status nt_dyn_lin_put(nt_dyn_lin *L, long person, const double *c, nt_error *err)
{
    float *v = row_of(L, 0, person, NULL);
    if (!v) return NOMEM(err);
    for (int k = 0; k < L->n_outcomes * L->horizon; k++) v[k] = (float)c[k];
    return NT_OK;
}

nt_status nt_dyn_lin_put_done(nt_dyn_lin *L, nt_error *err)
{
    size_t os = (size_t)L->n_outcomes * (size_t)L->horizon;
    L->att = calloc(2 * os, sizeof *L->att);
    if (!L->att) return NOMEM(err);
    for (int tau = 0; tau < L->horizon; tau++) { L->n_contrib[tau] = 1; L->w_contrib[tau] = 1; }
    L->finished = 1;
    return NT_OK;
}

nt_status nt_dyn_lin_merge(nt_dyn_lin *L, int f, const nt_dyn_lin *S, nt_error *err)
{
    int H = L->horizon;
    size_t stride = (size_t)L->n_outcomes * (size_t)H, bb = bit_bytes(L);
    for (long person = 0; person < S->n && person < L->n; person++) {
        int32_t r = S->row[0][person];
        if (r < 0) continue;
        const float *v = S->chunk[0][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * stride;
        const uint8_t *b = S->bits[0][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * bb;
        uint8_t *bits;
        float *d = row_of(L, f, person, &bits);
        if (!d) return NOMEM(err);
        for (size_t i = 0; i < stride; i++) d[i] = (float)((double)d[i] + (double)v[i]);
        for (size_t i = 0; i < bb; i++) bits[i] |= b[i];
    }
    for (int tau = 0; tau < H; tau++) {   /* the summed weights too: with weights nt_dyn_lin_get divides by them */
        L->n_contrib[f * H + tau] += S->n_contrib[tau];
        L->w_contrib[f * H + tau] += S->w_contrib[tau];
    }
    L->weighted |= S->weighted;
    return nt_dyn_ksum_merge(L, f, S) ? NOMEM(err) : NT_OK;
}

void nt_dyn_lin_finish(nt_dyn_lin *L, const nt_dyn_result *r)
{
    size_t os = (size_t)L->n_outcomes * (size_t)L->horizon;
    L->att = malloc(2 * os * sizeof *L->att);
    /* Out of memory here leaves the accumulator unfinished: nt_dyn_infer refuses it. */
    if (!L->att || nt_dyn_ksum_apply(L)) return;
    memcpy(L->att, r->att, os * sizeof *L->att);
    memcpy(L->att + os, r->att_fixed, os * sizeof *L->att);
    work_free(L->work);
    L->work = NULL;
    L->finished = 1;
}
