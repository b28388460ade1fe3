/* ATT_fixed: the fixed-composition path by person (docs/dynamic.md,
   "ATT_fixed"; cli-and-results.md, v2).

   The treated of start month k in the fixed population F_k are those the
   data can follow for the whole horizon by the data end alone:
     i in F_k  <=>  admin_observed_i >= k + H
   (inflow + k + H within the data). Death and emigration within the
   horizon do not take a person out of F_k: they are unknown at k and may
   follow the start, so selecting on them would select on an outcome. They
   are censoring within F_k, handled by the same per-unit per-month weight
   as in ATT (nt_dyn_paths.c: a unit enters month t with weight 1 when
   observed in t, else 0; inverse-probability-of-censoring weights replace
   that indicator in the same functions, so ATT_fixed takes them without a
   change here).

   The controls keep their tau = 0 weights: the matches (or the weighting's
   control weights) of start month k, renormalised over the controls
   observed in t as in ATT. So

     ATT_fixed(tau) = sum_k sum_{i in F_k} c_i [y_i(t) - sum_j w_ij y_j(t) / sum_j w_ij]
                      / sum_k sum_{i in F_k} c_i,   t = k + tau,

   the sums over the contributing treated of F_k (weighting: the treated
   mean over F_k minus the weighted control mean, cells weighted by F_k's
   treated). A start month whose matched treated are all in F_k is run
   once (nt_dyn_month_paths with fixed = 1: its path serves both
   estimands, as before v2); a month with some is run a second time on the
   kmatch of its F_k treated alone (the controls shared), into r->fx and a
   linearisation of its own (ctx->lin_fixed) that is added to estimand 1 of
   the main one at the end; with weights (ATT_never, IPCW) the hazards'
   derivative of that run goes to ATT_fixed's G (nt_dyn_wlin_second). */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory")

int nt_dyn_fixed_person(const nt_dyn_panel *p, long person, int k, int horizon)
{
    return p->admin_observed[person] >= k + horizon;
}

int nt_dyn_fixed_all(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int k, int horizon)
{
    for (long i = 0; i < m->n_t; i++)
        if (!nt_dyn_fixed_person(p, unit_person[m->t_unit[i]], k, horizon)) return 0;
    return 1;
}

/* The kmatch of m's treated with in[i] (nf of them); the controls and
   their weights are m's (shared, not freed by free_sub). */
static int sub_kmatch(const nt_dyn_kmatch *m, const uint8_t *in, long nf, nt_dyn_kmatch *s)
{
    *s = *m;
    s->yc = NULL;
    s->off_t = s->off_c = s->xmean = NULL;   /* the bias adjustment's, its own (nt_dyn_adjust_tau) */
    s->adj_a = s->adj_theta = s->lin_t = s->lin_c = NULL;
    s->gram = NULL;
    s->n_t = nf;
    size_t n1 = (size_t)nf + 1;
    s->t_unit = malloc(n1 * sizeof *s->t_unit);
    s->t_score = m->t_score ? malloc(n1 * sizeof *s->t_score) : NULL;
    s->start = m->start ? malloc(n1 * sizeof *s->start) : NULL;
    s->rlo = m->rlo ? malloc(n1 * sizeof *s->rlo) : NULL;
    s->rhi = m->rhi ? malloc(n1 * sizeof *s->rhi) : NULL;
    s->t_cell = m->t_cell ? malloc(n1 * sizeof *s->t_cell) : NULL;
    s->xt = m->xt ? malloc(n1 * (size_t)m->qx * sizeof *s->xt) : NULL;
    long np = 0;
    for (long i = 0; m->start && i < m->n_t; i++)
        if (in[i]) np += m->start[i + 1] - m->start[i];
    s->pair_c = m->start ? malloc(((size_t)np + 1) * sizeof *s->pair_c) : NULL;
    s->w = m->start ? malloc(((size_t)np + 1) * sizeof *s->w) : m->w;
    if (!s->t_unit || (m->t_score && !s->t_score) || (m->start && (!s->start || !s->pair_c || !s->w)) ||
        (m->rlo && !s->rlo) || (m->rhi && !s->rhi) || (m->t_cell && !s->t_cell) || (m->xt && !s->xt))
        return -1;
    long a = 0, f = 0;
    if (s->start) s->start[0] = 0;
    for (long i = 0; i < m->n_t; i++) {
        if (!in[i]) continue;
        s->t_unit[f] = m->t_unit[i];
        if (s->t_score) s->t_score[f] = m->t_score[i];
        if (s->rlo) s->rlo[f] = m->rlo[i];
        if (s->rhi) s->rhi[f] = m->rhi[i];
        if (s->t_cell) s->t_cell[f] = m->t_cell[i];
        for (int c = 0; s->xt && c < m->qx; c++)
            s->xt[(size_t)c * (size_t)nf + (size_t)f] = m->xt[(size_t)c * (size_t)m->n_t + (size_t)i];
        if (s->start) {
            for (long q = m->start[i]; q < m->start[i + 1]; q++, a++) {
                s->pair_c[a] = m->pair_c[q];
                s->w[a] = m->w[q];
            }
            s->start[f + 1] = a;
        }
        f++;
    }
    return 0;
}

static void free_sub(nt_dyn_kmatch *s)
{
    free(s->t_unit);
    free(s->t_score);
    free(s->start);
    free(s->rlo);
    free(s->rhi);
    free(s->t_cell);
    free(s->xt);
    free(s->pair_c);
    if (s->start) free(s->w);
    free(s->off_t);
    free(s->off_c);
    free(s->xmean);
    free(s->adj_a);
    free(s->adj_theta);
    free(s->lin_t);
    free(s->lin_c);
    nt_dyn_gram_free(s->gram);
    s->start = NULL;
}

/* Copies start month ki's slots of the per-k arrays of a into b. */
static void copy_k(const nt_dyn_result *a, nt_dyn_result *b, int ki)
{
    size_t H = (size_t)a->horizon, NO = (size_t)a->n_outcomes, k = (size_t)ki;
    memcpy(b->k_att + k * NO * H, a->k_att + k * NO * H, NO * H * sizeof *b->k_att);
    memcpy(b->k_se + k * NO * H, a->k_se + k * NO * H, NO * H * sizeof *b->k_se);
    memcpy(b->k_contrib + k * H, a->k_contrib + k * H, H * sizeof *b->k_contrib);
    if (a->k_wcontrib && b->k_wcontrib) memcpy(b->k_wcontrib + k * H, a->k_wcontrib + k * H, H * sizeof *b->k_wcontrib);
    if (!a->k_control_used || !b->k_control_used) return;
    memcpy(b->k_control_used + k * H, a->k_control_used + k * H, H * sizeof *b->k_control_used);
    memcpy(b->k_control_w2 + k * H, a->k_control_w2 + k * H, H * sizeof *b->k_control_w2);
    memcpy(b->k_control_wmax + k * H, a->k_control_wmax + k * H, H * sizeof *b->k_control_wmax);
    memcpy(b->k_dom + k * NO * H * 6, a->k_dom + k * NO * H * 6, NO * H * 6 * sizeof *b->k_dom);
}

nt_status nt_dyn_fixed_paths(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_opts *o,
                             const nt_dyn_kmatch *m, int ki, int fixed, nt_dyn_paths *ctx, nt_dyn_result *r,
                             nt_error *err)
{
    nt_dyn_result *fx = r->fx;
    int k = r->k_month[ki], H = o->horizon;
    if (fixed) { copy_k(r, fx, ki); return NT_OK; }
    uint8_t *in = malloc((size_t)m->n_t + 1);
    if (!in) return NOMEM(err);
    long nf = 0;
    for (long i = 0; i < m->n_t; i++) nf += in[i] = (uint8_t)nt_dyn_fixed_person(p, unit_person[m->t_unit[i]], k, H);
    nt_status s = NT_OK;
    nt_dyn_kmatch sub;
    if (nf == 0) goto out;
    if (sub_kmatch(m, in, nf, &sub)) { free_sub(&sub); s = NOMEM(err); goto out; }
    nt_dyn_paths cf = *ctx;
    cf.bits_used = ctx->bits_used_fixed;
    cf.lin = NULL;
    if (ctx->lin && !ctx->lin_fixed) s = nt_dyn_lin_alloc(p->n, H, p->n_outcomes, &ctx->lin_fixed, err);
    if (!s && ctx->lin) {
        cf.lin = ctx->lin_fixed;
        /* the weighting's logit derivative of estimand 1 (nt_dyn_lin.c) */
        cf.G = ctx->G ? ctx->G + (size_t)p->n_outcomes * (size_t)H * (size_t)ctx->design->q : NULL;
    }
    /* the hazards' derivative (ATT_never, IPCW) of this run: estimand 1's (nt_dyn_wlin.c) */
    struct nt_dyn_wlin_s *wl = cf.lin ? ctx->lin->wl : NULL;
    if (wl) { cf.lin->wl = wl; nt_dyn_wlin_second(wl, cf.lin); }
    if (!s) s = nt_dyn_month_paths(p, unit_person, o, &sub, ki, 0, &cf, fx, err);
    if (wl) { nt_dyn_wlin_second(wl, NULL); cf.lin->wl = NULL; }
    free_sub(&sub);
out:
    free(in);
    return s;
}

nt_status nt_dyn_fixed_alloc(nt_dyn_result *r, int full, nt_error *err)
{
    nt_dyn_result *fx = r->fx = calloc(1, sizeof *fx);
    if (!fx) return NOMEM(err);
    size_t H = (size_t)r->horizon, NO = (size_t)r->n_outcomes + 1, ks = (size_t)r->n_k;
    fx->horizon = r->horizon;
    fx->n_outcomes = r->n_outcomes;
    fx->n_k = r->n_k;
    fx->k_month = malloc(ks * sizeof *fx->k_month);
    fx->k_skipped = calloc(ks, sizeof *fx->k_skipped);
    fx->k_att = malloc(ks * NO * H * sizeof *fx->k_att);
    fx->k_se = malloc(ks * NO * H * sizeof *fx->k_se);
    fx->k_contrib = calloc(ks * H, sizeof *fx->k_contrib);
    /* with weights (never, censoring): pooled by the summed weights, as ATT */
    if (r->k_wcontrib && !(fx->k_wcontrib = calloc(ks * H, sizeof *fx->k_wcontrib))) return NOMEM(err);
    fx->n_treated = calloc(H, sizeof(long));
    fx->n_treated_matched = calloc(H, sizeof(long));
    fx->n_control_used = calloc(H, sizeof(long));
    fx->n_control_used_fixed = calloc(H, sizeof(long));
    if (full) {
        fx->k_control_used = calloc(ks * H, sizeof(long));
        fx->k_control_w2 = calloc(ks * H, sizeof(double));
        fx->k_control_wmax = calloc(ks * H, sizeof(double));
        fx->k_dom = calloc(ks * NO * H * 6, sizeof(double));
        if (!fx->k_control_used || !fx->k_control_w2 || !fx->k_control_wmax || !fx->k_dom) return NOMEM(err);
    }
    if (!fx->k_month || !fx->k_skipped || !fx->k_att || !fx->k_se || !fx->k_contrib || !fx->n_treated ||
        !fx->n_treated_matched || !fx->n_control_used || !fx->n_control_used_fixed)
        return NOMEM(err);
    for (size_t i = 0; i < ks * NO * H; i++) fx->k_att[i] = fx->k_se[i] = NAN;
    for (size_t i = 0; i < ks; i++) fx->k_month[i] = r->k_month[i];
    return NT_OK;
}

nt_status nt_dyn_fixed_finish(nt_dyn_result *r, const int *use, nt_dyn_paths *ctx, nt_error *err)
{
    nt_dyn_result *fx = r->fx;
    int H = r->horizon;
    for (int ki = 0; ki < r->n_k; ki++) fx->k_skipped[ki] = !use[ki];
    for (int tau = 0; tau < H; tau++) {
        r->n_treated_fixed[tau] += fx->n_treated[tau];
        r->n_treated_matched_fixed[tau] += fx->n_treated_matched[tau];
        r->n_control_used_fixed[tau] += fx->n_control_used[tau];
    }
    nt_dyn_combine(fx, use, r->att_fixed);
    nt_status s = NT_OK;
    if (ctx->lin && ctx->lin_fixed) s = nt_dyn_lin_merge(ctx->lin, 1, ctx->lin_fixed, err);
    nt_dyn_lin_free(ctx->lin_fixed);
    ctx->lin_fixed = NULL;
    return s;
}
