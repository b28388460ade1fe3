/* The matched sets of a start month (estimators/nt_sens.h: nt_dyn_pairs)
   for the Rosenbaum bounds: each matched treated with its controls and
   their weights normalised to 1, as the month's paths use them:
   nearest-neighbour pairs with their weights; radius ranges with weight 1
   each; Epanechnikov ranges with 1 - ((s_j - s_i) / h)^2. */
#include <stdlib.h>

#include "estimators/nt_dyn_internal.h"
#include "estimators/nt_sens.h"

static int grow(nt_dyn_pairs *P, long nt, long nc)
{
    if (P->n_t + nt > P->cap_t) {
        long cap = (P->n_t + nt) * 2 + 64;
        int32_t *k = realloc(P->k, (size_t)cap * sizeof *k);
        if (k) P->k = k;
        long *t = realloc(P->treated, (size_t)cap * sizeof *t);
        if (t) P->treated = t;
        long *s = realloc(P->start, ((size_t)cap + 1) * sizeof *s);
        if (s) P->start = s;
        if (!k || !t || !s) return -1;
        if (P->n_t == 0) P->start[0] = 0;
        P->cap_t = cap;
    }
    if (P->n_c + nc > P->cap_c) {
        long cap = (P->n_c + nc) * 2 + 256;
        long *c = realloc(P->control, (size_t)cap * sizeof *c);
        if (c) P->control = c;
        double *w = realloc(P->w, (size_t)cap * sizeof *w);
        if (w) P->w = w;
        if (!c || !w) return -1;
        P->cap_c = cap;
    }
    return 0;
}

nt_status nt_dyn_pairs_add(nt_dyn_pairs *P, const nt_dyn_kmatch *m, const long *unit_person, int k, nt_error *err)
{
    for (long i = 0; i < m->n_t; i++) {
        long lo = m->range_mode ? m->rlo[i] : m->start[i], hi = m->range_mode ? m->rhi[i] : m->start[i + 1];
        if (grow(P, 1, hi - lo)) return nt_fail(err, NT_ENOMEM, "out of memory keeping the matched sets");
        long c0 = P->n_c;
        double sum = 0, si = m->range_mode && m->epan ? m->t_score[i] - m->shift : 0;
        for (long a = lo; a < hi; a++) {
            long j = m->range_mode ? a : m->pair_c[a];
            double w = m->range_mode ? 1.0 : m->w[a];
            if (m->range_mode && m->epan) {
                double u = (m->c_score[j] - m->shift - si) / m->h;
                w = 1 - u * u;
            }
            if (!(w > 0)) continue;
            P->control[P->n_c] = unit_person[m->c_unit[j]];
            P->w[P->n_c++] = w;
            sum += w;
        }
        if (!(sum > 0)) { P->n_c = c0; continue; }
        for (long a = c0; a < P->n_c; a++) P->w[a] /= sum;
        P->k[P->n_t] = k;
        P->treated[P->n_t] = unit_person[m->t_unit[i]];
        P->start[++P->n_t] = P->n_c;
    }
    return NT_OK;
}
