/* The weights at tau = 0 of one start month (nt_dyn_kw.h). */
#include "estimators/nt_dyn_kw.h"

#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_internal.h"

void nt_dyn_kw_free(nt_dyn_kw *W)
{
    if (!W) return;
    free(W->person);
    free(W->k);
    free(W->role);
    free(W->w);
    memset(W, 0, sizeof *W);
}

static int push(nt_dyn_kw *W, long person, int k, int role, double w)
{
    if (W->n == W->cap) {
        long cap = W->cap * 2 + 1024;
        long *p = realloc(W->person, (size_t)cap * sizeof *p);
        if (p) W->person = p;
        int32_t *kk = realloc(W->k, (size_t)cap * sizeof *kk);
        if (kk) W->k = kk;
        uint8_t *r = realloc(W->role, (size_t)cap);
        if (r) W->role = r;
        double *ww = realloc(W->w, (size_t)cap * sizeof *ww);
        if (ww) W->w = ww;
        if (!p || !kk || !r || !ww) return -1;
        W->cap = cap;
    }
    W->person[W->n] = person;
    W->k[W->n] = k;
    W->role[W->n] = (uint8_t)role;
    W->w[W->n++] = w;
    return 0;
}

/* Weighting: v_j = w_j, per exact cell normalised to the cell's treated;
   contrib[i] for the treated whose cell (or the month) has control weight. */
static int weighting_weights(const nt_dyn_kmatch *m, const long *count, double *v, uint8_t *contrib)
{
    int C = m->n_cells > 0 ? m->n_cells : 1;
    double *W = calloc((size_t)C, sizeof *W), *N = calloc((size_t)C, sizeof *N);
    if (!W || !N) { free(W); free(N); return -1; }
    for (long j = 0; j < m->n_c; j++)
        if (m->w[j] > 0) W[m->n_cells ? m->c_cell[j] : 0] += m->w[j];
    for (long i = 0; i < m->n_t; i++) {
        long c = m->n_cells ? m->t_cell[i] : 0;
        contrib[i] = W[c] > 0;
        if (contrib[i]) N[c] += (double)nt_dyn_ucount(count, m->t_unit[i]);
    }
    for (long j = 0; j < m->n_c; j++) {
        long c = m->n_cells ? m->c_cell[j] : 0;
        v[j] = m->w[j] > 0 && W[c] > 0 ? m->w[j] * N[c] / W[c] : 0;
    }
    free(W);
    free(N);
    return 0;
}

nt_status nt_dyn_kw_add(nt_dyn_kw *W, const nt_dyn_panel *p, const long *unit_person, const long *count,
                        const nt_dyn_kmatch *m, int weighting, int k, nt_error *err)
{
    nt_dyn_facts_buf b = {0};
    if (nt_dyn_facts_buf_alloc(&b, m)) return nt_fail(err, NT_ENOMEM, "out of memory");
    int t = nt_dyn_month_t(p, k, 0), bad;
    if (weighting) bad = weighting_weights(m, count, b.v, b.contrib);
    else {
        nt_dyn_facts_weights(p, unit_person, count, m, 0, t, b.v, b.in, b.contrib, b.acc, b.cover);
        bad = 0;
    }
    for (long i = 0; i < m->n_t && !bad; i++)
        if (b.contrib[i]) bad = push(W, unit_person[m->t_unit[i]], k, 1, (double)nt_dyn_ucount(count, m->t_unit[i]));
    for (long j = 0; j < m->n_c && !bad; j++)
        if (b.v[j] > 0) bad = push(W, unit_person[m->c_unit[j]], k, 0, b.v[j]);
    nt_dyn_facts_buf_free(&b);
    return bad ? nt_fail(err, NT_ENOMEM, "out of memory keeping the weights at tau = 0") : NT_OK;
}
