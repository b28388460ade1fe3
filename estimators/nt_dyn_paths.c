/* Step 3 of the dynamic estimator (nt_dyn_internal.h): the effect paths.

   For start month k and month tau since start (t = k + tau since inflow):
   treated i contributes when it and at least one of its matched controls
   are observed in t; the control weights are renormalised over the
   observed ones:
     ATT_k(tau) = sum_i c_i [y_i(t) - sum_j w_ij y_j(t) / sum_j w_ij] / sum_i c_i
   over the contributing treated (c_i: copies of unit i, 1 without
   bootstrap counts). Weighting: ATT_k(tau) = mean_T (y - mu0) -
   sum_C w (y - mu0) / sum_C w over the observed units, mu0 = 0 (IPW) or the
   OLS of y(t) on the AIPW design over the observed controls.
   NN (full run, no counts): Abadie & Imbens (2006) standard errors per k and
   tau (nt_match_ai_att_se, sigma^2 by nt_match_sigma2_many).
   Pooling: ATT(tau) = sum_k pi_k(tau) ATT_k(tau), pi_k(tau) proportional to
   the contributing treated of k; ATT_fixed the same over the start months
   whose treated are all followed for the whole horizon.
   Each call writes its own start month's slots and adds to the tau counts
   in a fixed order of k, so the result is the same for any thread count. */
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_match.h"
#include "estimators/nt_weight.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory")

/* sigma^2 of the AI variance for the units of one start month at month t,
   every outcome at once (one neighbour search): sigma2[o], buf_y[o] have
   n_t + n_c entries. */
static nt_status ai_sigma2(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int t, int J,
                           double **sigma2, double *buf_score, uint8_t *buf_d, uint8_t *buf_skip,
                           double **buf_y, nt_error *err)
{
    long n = m->n_t + m->n_c;
    for (long i = 0; i < n; i++) {
        int tr = i < m->n_t;
        buf_score[i] = tr ? m->t_score[i] : m->c_score[i - m->n_t];
        buf_d[i] = (uint8_t)tr;
        buf_skip[i] = !nt_dyn_uobs(p, unit_person, m, i, t);
    }
    for (int o = 0; o < p->n_outcomes; o++)
        for (long i = 0; i < n; i++) buf_y[o][i] = buf_skip[i] ? 0 : nt_dyn_uy(p, unit_person, m, o, i, t);
    return nt_match_sigma2_many(buf_score, buf_d, NULL, buf_skip, n, J, 0.0, 0.0, p->n_outcomes,
                                (const double *const *)buf_y, sigma2, err);
}

/* Outcome model prediction for row r of an AIPW design x (column-major,
   ld rows); 0 without a model. */
static double mu0(const double *x, long ld, int qx, long r, const double *beta)
{
    if (!beta) return 0;
    double v = 0;
    for (int j = 0; j < qx; j++) v += x[(size_t)j * (size_t)ld + (size_t)r] * beta[j];
    return v;
}

/* AIPW: the OLS of each outcome in month t on the design over the observed
   controls (with ATT_never: not yet started), copies times the ATT_never /
   IPCW weight W_j(k, t) as weights (1 without; nt_wls_fit_ridge; a model
   that cannot be solved leaves beta 0). Fewer rows (copies counted) than
   m->adjust_per_col (opts, 10) per column of the design: no model, beta 0,
   so the month's AIPW is its IPW contrast. A sparse start month's few
   controls (seed 6 of docs/inference.md: 3 rows, 21 columns) are fitted
   exactly and the treated's mu0 extrapolated (ATT_k 1,132 of a binary
   outcome), the rule of the bias-adjusted radius (nt_dyn_adjust.c).
   One Gram matrix and Cholesky factor serve every outcome (the weights are
   the same), kept in *chol for the linearisation (nt_dyn_aipw_lin). */
nt_status nt_dyn_ols_controls(const nt_dyn_panel *p, const long *unit_person, const long *count,
                              const nt_dyn_kmatch *m, int k, int t, int NO, double *beta, double **chol,
                              nt_error *err)
{
    memset(beta, 0, (size_t)NO * (size_t)m->qx * sizeof *beta);
    if (chol) *chol = NULL;
    double *y = malloc((size_t)(m->n_c + 1) * sizeof *y), *w = malloc((size_t)(m->n_c + 1) * sizeof *w);
    double *f = malloc(((size_t)m->qx * (size_t)m->qx + 1) * sizeof *f);
    if (!y || !w || !f) { free(y); free(w); free(f); return NOMEM(err); }
    long rows = 0;
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]];
        w[j] = nt_dyn_cobs(p, pc, t) ? (double)nt_dyn_ucount(count, m->c_unit[j]) * nt_dyn_wt(p, pc, k, t, 1) : 0;
        if (w[j] > 0) rows += nt_dyn_ucount(count, m->c_unit[j]);
    }
    nt_status s = NT_OK, fs = NT_ENUMERIC;   /* fs: the factor's (singular even with the ridge: no model) */
    nt_error e2;
    if (NO > 0 && rows >= (long)m->adjust_per_col * m->qx) {
        fs = nt_wls_chol_ridge(m->xz, m->n_c, m->qx, w, f, &e2);
        if (fs == NT_ENOMEM) s = NOMEM(err);
    }
    for (int oc = 0; oc < NO && fs == NT_OK && !s; oc++) {
        for (long j = 0; j < m->n_c; j++)
            y[j] = w[j] > 0 ? (double)p->outcome[oc][unit_person[m->c_unit[j]] * p->months + t] : 0;
        if (nt_wls_chol_solve(m->xz, m->n_c, m->qx, y, w, f, beta + (size_t)oc * m->qx, &e2) == NT_ENOMEM)
            s = NOMEM(err);
    }
    if (chol && fs == NT_OK && !s) *chol = f;
    else free(f);
    free(y);
    free(w);
    return s;
}

/* Range mode: every treated unit's controls are a run of the score-sorted
   controls, so for each month t prefix sums over the observed controls give
   each treated unit's weighted control mean in O(1): O(n_t + n_c) per month
   instead of O(pairs). Kernel weights 1 - ((s_j - s_i)/h)^2 expand into
   sums of 1, s_j and s_j^2 (scores centred by m->shift). */
/* nt_dyn_yadj through the month cache (unit i of side 0 treated, 1 control). */
static double uyadj(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int side, long i, int o,
                    int t)
{
    if (!m->yc) {   /* the panel's row */
        long pe = nt_dyn_uperson(unit_person, m, side ? m->n_t + i : i);
        return side ? nt_dyn_yadj(p, m, 1, i, pe, o, t) : nt_dyn_yadj(p, m, 0, i, pe, o, t);
    }
    double y = nt_dyn_uy(p, unit_person, m, o, side ? m->n_t + i : i, t);
    if (side == 0 && m->off_t) y -= m->off_t[(size_t)o * (size_t)m->n_t + (size_t)i];
    if (side == 1 && m->off_c) y -= m->off_c[(size_t)o * (size_t)m->n_c + (size_t)i];
    return y;
}

/* The controls' prefix sums at month t, P[(q * np + e) * (n_c + 1) + j]:
   q = 0 counts (alive), q = 1 + o outcome o, q = NO + 1 the
   not-yet-started controls' weights (lambda_k); e = power of the score. */
static void control_sums(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m,
                         int k, int t, int NO, double *P)
{
    size_t nc1 = (size_t)m->n_c + 1;
    int np = m->epan ? 3 : 1, hw = nt_dyn_has_w(p);
    for (int q = 0; q <= NO + 1; q++)
        for (int e = 0; e < np; e++) P[((size_t)q * np + e) * nc1] = 0;
    for (long j = 0; j < m->n_c; j++) {
        long pc = nt_dyn_uperson(unit_person, m, m->n_t + j);
        int obs = nt_dyn_uobs(p, unit_person, m, m->n_t + j, t), alive = nt_dyn_ualive(p, unit_person, m, m->n_t + j, t);
        double sj = m->c_score[j] - m->shift, pw[3] = {1, sj, sj * sj};
        double cnt = (double)nt_dyn_ucount(count, m->c_unit[j]);
        double cj = cnt * (obs && hw ? nt_dyn_wt(p, pc, k, t, 1) : 1), c0 = cnt * (alive && hw ? nt_dyn_wt(p, pc, k, t, 0) : 1);
        for (int q = 0; q <= NO + 1; q++) {
            double v = q == 0 ? (alive ? c0 : 0) : !obs ? 0 : q == NO + 1 ? cj : cj * uyadj(p, unit_person, m, 1, j, q - 1, t);
            for (int e = 0; e < np; e++) {
                double *row = P + ((size_t)q * np + e) * nc1;
                row[j + 1] = row[j] + v * pw[e];
            }
        }
    }
}

static nt_status range_paths(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m,
                             int ki, int fixed, nt_dyn_paths *ctx, nt_dyn_result *r, nt_error *err)
{
    int H = ctx->horizon, NO = ctx->n_outcomes, k = r->k_month[ki];
    size_t nc1 = (size_t)m->n_c + 1;
    int np = m->epan ? 3 : 1;    /* powers of s kept */
    double *P = malloc(nc1 * (size_t)np * (size_t)(NO + 2) * sizeof *P);
    long *cover = malloc(nc1 * sizeof *cover);
    double *sum = malloc((size_t)NO * sizeof *sum), *sc = malloc((size_t)(NO ? NO : 1) * sizeof *sc);
    if (!P || !cover || !sum || !sc) {
        free(P); free(cover); free(sum); free(sc);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    /* P: control_sums */
    int hw = nt_dyn_has_w(p);
    /* Without weights, the month cache (as pair mode, nt_dyn_ycache): the
       units' outcomes and observation limits read contiguously, the
       linearisation's terms added to the rows once per block, and the
       disclosure facts month by month. */
    nt_dyn_ycache yc;
    nt_dyn_facts_buf fb = {0};
    int cached = !hw && !p->never;
    if (cached && (nt_dyn_ycache_open(&yc, p, unit_person, m, k, NT_DYN_YCACHE_MONTHS) ||
                   nt_dyn_facts_buf_alloc(&fb, m))) {
        if (yc.y) nt_dyn_ycache_close(&yc);
        nt_dyn_facts_buf_free(&fb);
        free(P); free(cover); free(sum); free(sc);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    if (cached) m->yc = &yc;
    nt_status st = NT_OK;
    for (int tau = 0; tau < H && !st; tau++) {
        int t = nt_dyn_month_t(p, k, tau);
        if (cached && tau % NT_DYN_YCACHE_MONTHS == 0) nt_dyn_ycache_fill(&yc, p, tau, H);
        if (m->xz) {   /* bias-adjusted radius: y - x'b (nt_dyn_adjust.c) */
            st = nt_dyn_adjust_tau(p, unit_person, count, m, k, t, NO, ctx->lin != NULL, err);
            if (st) break;
        }
        control_sums(p, unit_person, count, m, k, t, NO, P);
        long nobs = 0, ncontrib = 0;
        double wcontrib = 0, wsi = 0;
        for (int oc = 0; oc < NO; oc++) sum[oc] = sc[oc] = 0;
        memset(cover, 0, nc1 * sizeof *cover);
        for (long i = 0; i < m->n_t; i++) {
            long pi = nt_dyn_uperson(unit_person, m, i), ci = nt_dyn_ucount(count, m->t_unit[i]);
            if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
            nobs += ci;
            long lo = m->rlo[i], hi = m->rhi[i];
            double coef[3] = {1, 0, 0};
            if (m->epan) {
                double si = m->t_score[i] - m->shift, h2 = m->h * m->h;
                coef[0] = 1 - si * si / h2;
                coef[1] = 2 * si / h2;
                coef[2] = -1 / h2;
            }
            double den = 0;
            for (int e = 0; e < np; e++) den += coef[e] * (P[(size_t)e * nc1 + hi] - P[(size_t)e * nc1 + lo]);
            if (!(den > 1e-12)) continue;
            double wi = (double)ci * (hw ? nt_dyn_wt(p, pi, k, t, 0) : 1), si = 0;
            for (int e = 0; e < np; e++) si += coef[e] * (P[((size_t)(NO + 1) * np + e) * nc1 + hi] - P[((size_t)(NO + 1) * np + e) * nc1 + lo]);
            wsi += wi * si / den;
            for (int oc = 0; oc < NO; oc++) {
                double num = 0;
                for (int e = 0; e < np; e++) {
                    const double *row = P + ((size_t)(oc + 1) * np + e) * nc1;
                    num += coef[e] * (row[hi] - row[lo]);
                }
                if (hw) {   /* as matched_tau: lambda_k below */
                    sum[oc] += wi * uyadj(p, unit_person, m, 0, i, oc, t);
                    sc[oc] += wi * num / den;
                } else
                    sum[oc] += wi * (uyadj(p, unit_person, m, 0, i, oc, t) - num / den);
            }
            cover[lo]++;
            cover[hi]--;
            ncontrib += ci;
            wcontrib += wi;
        }
        for (int oc = 0; oc < NO && hw && wsi > 0; oc++) sum[oc] -= wcontrib / wsi * sc[oc];   /* lambda_k */
        /* Distinct controls with weight: observed and inside a contributing range. */
        uint8_t *bits = ctx->bits_used + (size_t)tau * (size_t)ctx->bitset_bytes;
        uint8_t *bits_f = ctx->bits_used_fixed + (size_t)tau * (size_t)ctx->bitset_bytes;
        long c = 0;
        for (long j = 0; j < m->n_c; j++) {
            c += cover[j];
            if (c <= 0) continue;
            long pc = nt_dyn_uperson(unit_person, m, m->n_t + j);
            if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t)) continue;
            if (nt_dyn_bit_set(bits, pc)) r->n_control_used[tau]++;
            if (fixed && nt_dyn_bit_set(bits_f, pc)) r->n_control_used_fixed[tau]++;
        }
        r->k_contrib[(long)ki * H + tau] = ncontrib;
        if (r->k_wcontrib) r->k_wcontrib[(long)ki * H + tau] = wcontrib;
        r->n_treated[tau] += nobs;
        r->n_treated_matched[tau] += ncontrib;
        if (fixed) { r->n_treated_fixed[tau] += nobs; r->n_treated_matched_fixed[tau] += ncontrib; }
        for (int oc = 0; oc < NO; oc++) {
            long slot = ((long)ki * NO + oc) * H + tau;
            r->k_att[slot] = ncontrib > 0 && wcontrib > 0 ? sum[oc] / wcontrib : NAN;
            r->k_se[slot] = NAN;
        }
        double kvar[64];
        st = ctx->lin ? nt_dyn_lin_matched(ctx, p, unit_person, m, t, tau, fixed, NO <= 64 ? kvar : NULL, err) : NT_OK;
        if (st) break;
        for (int oc = 0; ctx->lin && NO <= 64 && oc < NO; oc++)
            r->k_se[((long)ki * NO + oc) * H + tau] = sqrt(kvar[oc]);
        if (cached) nt_dyn_facts_tau(p, unit_person, count, m, 0, ki, tau, &fb, r);
        if (cached && ctx->lin && (tau + 1 == H || (tau + 1) % NT_DYN_YCACHE_MONTHS == 0))
            st = nt_dyn_lin_flush(ctx, m, fixed, err);
    }
    if (cached) {
        m->yc = NULL;
        nt_dyn_ycache_close(&yc);
        nt_dyn_facts_buf_free(&fb);
    }
    free(P);
    free(cover);
    free(sum);
    free(sc);
    if (st || cached) return st;
    return nt_dyn_facts(p, unit_person, count, m, 0, ki, r, err);
}

/* Buffers of the AI variance of one start month (NN only), sized for its
   n_t + n_c units; outcomes at most AI_MAX_OUTCOMES. */
#define AI_MAX_OUTCOMES 64
typedef struct {
    double *K, *KK, *score, *diffs, *tau;
    double *sig[AI_MAX_OUTCOMES], *y[AI_MAX_OUTCOMES];
    uint8_t *d, *skip;
} ai_buf;

static void ai_free(ai_buf *b)
{
    free(b->K);
    free(b->KK);
    free(b->score);
    free(b->diffs);
    free(b->tau);
    for (int oc = 0; oc < AI_MAX_OUTCOMES; oc++) { free(b->sig[oc]); free(b->y[oc]); }
    free(b->d);
    free(b->skip);
}

static int ai_alloc(ai_buf *b, const nt_dyn_kmatch *m, int NO)
{
    size_t n = (size_t)(m->n_t + m->n_c) + 1, nt = (size_t)m->n_t + 1;
    b->K = calloc(n, sizeof *b->K);
    b->KK = calloc(n, sizeof *b->KK);
    b->score = malloc(n * sizeof *b->score);
    b->diffs = malloc(nt * (size_t)NO * sizeof *b->diffs);
    b->tau = malloc(nt * sizeof *b->tau);
    b->d = malloc(n);
    b->skip = malloc(n);
    int ok = b->K && b->KK && b->score && b->diffs && b->tau && b->d && b->skip;
    for (int oc = 0; oc < NO && ok; oc++) {
        b->sig[oc] = malloc(n * sizeof **b->sig);
        b->y[oc] = malloc(n * sizeof **b->y);
        ok = b->sig[oc] && b->y[oc];
    }
    return ok ? 0 : -1;
}

/* Matching at month t: sum[oc] += c_i (y_i - weighted control mean) over
   the contributing treated; the controls used are marked; with ai the unit
   differences and the controls' K, KK (weights renormalised). */
static void matched_tau(const nt_dyn_panel *p, const long *unit_person, const long *count,
                        const nt_dyn_kmatch *m, int k, int t, int NO, ai_buf *ai, uint8_t *bits, uint8_t *bits_f,
                        long *used, long *used_f, double *sum, long *nobs, long *ncontrib, double *wcontrib)
{
    int hw = nt_dyn_has_w(p);
    if (ai) {
        memset(ai->K, 0, ((size_t)(m->n_t + m->n_c) + 1) * sizeof *ai->K);
        memset(ai->KK, 0, ((size_t)(m->n_t + m->n_c) + 1) * sizeof *ai->KK);
    }
    long nt = m->n_t;
    double sc[64] = {0}, ws = 0, wsi = 0;   /* weights: the control means' sums for lambda_k */
    for (long i = 0; i < nt; i++) {
        long ci = nt_dyn_ucount(count, m->t_unit[i]);
        if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
        *nobs += ci;
        double den = 0, si = 0;
        for (long a = m->start[i]; a < m->start[i + 1]; a++) {
            long u = nt + m->pair_c[a];
            if (nt_dyn_ualive(p, unit_person, m, u, t))
                den += m->w[a] * (hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, u), k, t, 0) : 1);
            if (hw && nt_dyn_uobs(p, unit_person, m, u, t))
                si += m->w[a] * nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, u), k, t, 1);
        }
        if (den <= 0) continue;
        double wi = (double)ci * (hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, i), k, t, 0) : 1);
        *wcontrib += wi;
        ws += wi;
        wsi += wi * si / den;
        for (int oc = 0; oc < NO; oc++) {
            double c = 0;
            for (long a = m->start[i]; a < m->start[i + 1]; a++) {
                long u = nt + m->pair_c[a];
                if (nt_dyn_uobs(p, unit_person, m, u, t))
                    c += m->w[a] * (hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, u), k, t, 1) : 1) *
                         nt_dyn_uy(p, unit_person, m, oc, u, t);
            }
            if (hw) {   /* sum = sum_i w_i y_i - lambda_k sum_i w_i c_i / den_i, below */
                sum[oc] += wi * nt_dyn_uy(p, unit_person, m, oc, i, t);
                if (oc < 64) sc[oc] += wi * c / den;
                continue;
            }
            double dlt = nt_dyn_uy(p, unit_person, m, oc, i, t) - c / den;
            sum[oc] += wi * dlt;
            if (ai) ai->diffs[*ncontrib * NO + oc] = dlt;
        }
        for (long a = m->start[i]; a < m->start[i + 1]; a++) {
            long u = nt + m->pair_c[a];
            if (!nt_dyn_uobs(p, unit_person, m, u, t) || m->w[a] <= 0) continue;
            long pc = nt_dyn_uperson(unit_person, m, u);
            if (nt_dyn_bit_set(bits, pc)) (*used)++;
            if (bits_f && nt_dyn_bit_set(bits_f, pc)) (*used_f)++;
            if (ai) {
                long slot = m->n_t + m->pair_c[a];
                double v = m->w[a] / den;
                ai->K[slot] += v;
                ai->KK[slot] += v * v;
            }
        }
        *ncontrib += ci;
    }
    /* lambda_k = sum_i w_i / sum_i w_i s_i / den_i scales the controls'
       weights so that they sum to the treated's (a Hajek ratio over the
       start month; 1 without weights) */
    for (int oc = 0; oc < NO && oc < 64 && hw && wsi > 0; oc++) sum[oc] -= ws / wsi * sc[oc];
}

/* Weighting at month t: treated mean minus the weighted control mean, both
   over the units observed in t. AIPW first takes off the outcome model mu0
   fitted on the observed controls:
   ATT_k = mean_T (y - mu0) - sum_C w (y - mu0) / sum_C w. */
static nt_status weighted_tau(const nt_dyn_panel *p, const long *unit_person, const long *count,
                              const nt_dyn_kmatch *m, int t, int NO, uint8_t *bits, uint8_t *bits_f,
                              long *used, long *used_f, double *sum, long *nobs, long *ncontrib,
                              double *wcontrib, nt_dyn_paths *ctx, int tau, int fixed, nt_error *err)
{
    int k = ctx->k;
    double wsum = 0;
    double *csum = calloc((size_t)NO, sizeof *csum);
    double *beta = m->xz ? calloc((size_t)NO * (size_t)m->qx, sizeof *beta) : NULL, *chol = NULL;
    if (!csum || (m->xz && !beta)) { free(csum); free(beta); return NOMEM(err); }
    if (m->xz && nt_dyn_ols_controls(p, unit_person, count, m, k, t, NO, beta, ctx->lin ? &chol : NULL, err)) {
        free(csum);
        free(beta);
        return NT_ENOMEM;
    }
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (!nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) || m->w[j] <= 0) continue;
        double wj = m->w[j] * nt_dyn_wt(p, pc, k, t, 1);
        wsum += wj;
        for (int oc = 0; oc < NO; oc++)
            csum[oc] += wj * (nt_dyn_uy(p, unit_person, m, oc, m->n_t + j, t) -
                                   mu0(m->xz, m->n_c, m->qx, j, beta ? beta + (size_t)oc * m->qx : NULL));
        if (nt_dyn_bit_set(bits, pc)) (*used)++;
        if (bits_f && nt_dyn_bit_set(bits_f, pc)) (*used_f)++;
    }
    for (long i = 0; i < m->n_t; i++) {
        long pi = unit_person[m->t_unit[i]], ci = nt_dyn_ucount(count, m->t_unit[i]);
        if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
        *nobs += ci;
        if (wsum <= 0) continue;
        *ncontrib += ci;
        double wi = (double)ci * nt_dyn_wt(p, pi, k, t, 0);
        *wcontrib += wi;
        for (int oc = 0; oc < NO; oc++)
            sum[oc] += wi * (nt_dyn_uy(p, unit_person, m, oc, i, t) -
                                     mu0(m->xt, m->n_t, m->qx, i, beta ? beta + (size_t)oc * m->qx : NULL));
    }
    for (int oc = 0; oc < NO && *ncontrib > 0; oc++) sum[oc] -= *wcontrib * csum[oc] / wsum;
    nt_status s = ctx->lin ? nt_dyn_lin_weighted(ctx, p, unit_person, m, t, tau, fixed, beta, chol, err) : NT_OK;
    free(csum);
    free(beta);
    free(chol);
    return s;
}

nt_status nt_dyn_month_paths(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_opts *o,
                             nt_dyn_kmatch *m, int ki, int fixed, nt_dyn_paths *ctx, nt_dyn_result *r,
                             nt_error *err)
{
    int H = ctx->horizon, NO = ctx->n_outcomes;
    int k = r->k_month[ki], weighting = nt_dyn_weighting(o);
    const long *count = o->unit_count;
    ctx->k = k;
    if (m->range_mode) return range_paths(p, unit_person, count, m, ki, fixed, ctx, r, err);
    int do_ai = o->full && o->method == NT_METHOD_NN && !count && NO <= AI_MAX_OUTCOMES && !nt_dyn_has_w(p);
    nt_status status = NT_OK;
    ai_buf ai = {0};
    double *sum = malloc((size_t)(NO ? NO : 1) * sizeof *sum), kvar[64];
    for (int oc = 0; oc < NO && oc < 64; oc++) kvar[oc] = NAN;
    /* AIPW's per-start variance: each control's terms summed before squaring (nt_dyn_kvar) */
    int kv_sum = weighting && m->xz && ctx->lin && NO <= 64 && !nt_dyn_has_w(p);
    double *kcu = kv_sum ? calloc((size_t)m->n_c * (size_t)NO + 1, sizeof *kcu) : NULL;
    if (!sum || (do_ai && ai_alloc(&ai, m, NO)) || (kv_sum && !kcu)) status = NOMEM(err);
    /* Pairs and weighting: the month cache, and the disclosure facts month
       by month while it holds the month (nt_dyn_ycache). */
    nt_dyn_ycache yc;
    nt_dyn_facts_buf fb = {0};
    int cached = !status && !p->never && !nt_dyn_has_w(p);   /* the cache knows no weights */
    if (cached) {
        if (nt_dyn_ycache_open(&yc, p, unit_person, m, k, NT_DYN_YCACHE_MONTHS) ||
            nt_dyn_facts_buf_alloc(&fb, m)) {
            status = NOMEM(err);
            if (yc.y) nt_dyn_ycache_close(&yc);
            nt_dyn_facts_buf_free(&fb);
            cached = 0;
        } else
            m->yc = &yc;
    }
    for (int tau = 0; tau < H && !status; tau++) {
        int t = nt_dyn_month_t(p, k, tau);
        long nobs = 0, ncontrib = 0;
        double wcontrib = 0;
        for (int oc = 0; oc < NO; oc++) sum[oc] = 0;
        uint8_t *bits = ctx->bits_used + (size_t)tau * (size_t)ctx->bitset_bytes;
        uint8_t *bits_f = fixed ? ctx->bits_used_fixed + (size_t)tau * (size_t)ctx->bitset_bytes : NULL;
        long *used = &r->n_control_used[tau], *used_f = &r->n_control_used_fixed[tau];
        if (cached && tau % NT_DYN_YCACHE_MONTHS == 0) nt_dyn_ycache_fill(&yc, p, tau, H);
        if (!weighting) {
            matched_tau(p, unit_person, count, m, k, t, NO, do_ai ? &ai : NULL, bits, bits_f, used, used_f, sum,
                        &nobs, &ncontrib, &wcontrib);
            if (ctx->lin && (status = nt_dyn_lin_matched(ctx, p, unit_person, m, t, tau, fixed, NO <= 64 ? kvar : NULL, err))) break;
        } else {
            nt_dyn_kvar kv = {.cu = kcu, .NO = NO};
            ctx->kv = ctx->lin ? &kv : NULL;
            if (m->n_cells) {
                status = nt_dyn_cells_tau(p, unit_person, count, m, t, NO, bits, bits_f, used, used_f, sum, &nobs,
                                          &ncontrib, &wcontrib, ctx, tau, fixed, err);
            } else
                status = weighted_tau(p, unit_person, count, m, t, NO, bits, bits_f, used, used_f, sum, &nobs,
                                      &ncontrib, &wcontrib, ctx, tau, fixed, err);
            ctx->kv = NULL;
            if (status) break;
            nt_dyn_kvar_flush(&kv, m->n_c);
            for (int oc = 0; oc < NO && oc < 64; oc++) kvar[oc] = nt_dyn_kvar_get(&kv, oc);
        }
        r->k_contrib[(long)ki * H + tau] = ncontrib;
        if (r->k_wcontrib) r->k_wcontrib[(long)ki * H + tau] = wcontrib;
        r->n_treated[tau] += nobs;
        r->n_treated_matched[tau] += ncontrib;
        if (fixed) { r->n_treated_fixed[tau] += nobs; r->n_treated_matched_fixed[tau] += ncontrib; }
        if (do_ai && ncontrib > 0)
            status = ai_sigma2(p, unit_person, m, t, o->ai_neighbors, ai.sig, ai.score, ai.d, ai.skip, ai.y, err);
        for (int oc = 0; oc < NO && !status; oc++) {
            long slot = ((long)ki * NO + oc) * H + tau;
            double att = ncontrib > 0 && wcontrib > 0 ? sum[oc] / wcontrib : NAN;
            r->k_att[slot] = att;
            r->k_se[slot] = ctx->lin && NO <= 64 ? sqrt(kvar[oc]) : NAN;   /* the linearisation's */
            if (!do_ai || ncontrib == 0) continue;
            for (long i = 0; i < ncontrib; i++) ai.tau[i] = ai.diffs[i * NO + oc];
            r->k_se[slot] = nt_match_ai_att_se(ai.tau, ncontrib, att, ai.K + m->n_t, ai.KK + m->n_t,
                                               ai.sig[oc] + m->n_t, m->n_c, 1);
        }
        if (cached && !status) nt_dyn_facts_tau(p, unit_person, count, m, weighting, ki, tau, &fb, r);
        if (cached && ctx->lin && !status && (tau + 1 == H || (tau + 1) % NT_DYN_YCACHE_MONTHS == 0))
            status = nt_dyn_lin_flush(ctx, m, fixed, err);
    }
    if (cached) {
        m->yc = NULL;
        nt_dyn_ycache_close(&yc);
        nt_dyn_facts_buf_free(&fb);
    }
    ai_free(&ai);
    free(sum);
    free(kcu);
    if (status || cached) return status;
    return nt_dyn_facts(p, unit_person, count, m, weighting, ki, r, err);
}

void nt_dyn_combine(nt_dyn_result *r, const int *use_k, double *att)
{
    int H = r->horizon, NO = r->n_outcomes;
    for (int oc = 0; oc < NO; oc++)
        for (int tau = 0; tau < H; tau++) {
            double num = 0, den = 0;
            for (int ki = 0; ki < r->n_k; ki++) {
                long c = r->k_contrib[(long)ki * H + tau];
                if (!use_k[ki] || c == 0) continue;
                /* with weights: the summed weights (the treated of k at tau = 0 they stand for) */
                double wc = r->k_wcontrib ? r->k_wcontrib[(long)ki * H + tau] : (double)c;
                num += wc * r->k_att[((long)ki * NO + oc) * H + tau];
                den += wc;
            }
            att[oc * H + tau] = den > 0 ? num / den : NAN;
        }
}

