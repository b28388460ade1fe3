/* Disclosure facts of the dynamic estimator (nt_dynamic.h, k_control_used
   .. k_dom): for each start month k and month tau since start, the persons
   and the contributions ATT_k(tau) actually rests on. Facts only: which
   cells may be shown is report/nt_disclose's decision.

   The contributing treated are those of nt_dyn_paths.c (observed in
   t = k + tau with an observed control of positive weight; weighting: all
   observed treated when any control is). A control's weight v_j is its
   share of the control mean of ATT_k(tau):
     matching  v_j = sum_i c_i w_ij / den_i / sum_i c_i over the contributing
               treated i, den_i = sum of i's observed pair weights;
     ranges    the same with w_ij = 1 (radius) or 1 - ((s_j - s_i)/h)^2
               (kernel) over i's run of controls, by difference arrays;
     weighting v_j = w_j / sum w over the observed controls with w_j > 0.
   Kish's effective number of controls is 1 / sum v_j^2. Per outcome, the
   treated side's contributions are c_i |y_i(t)| and the controls'
   v_j |y_j(t)|: their sums and two largest (the dominance rule). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_internal.h"

static void top2_add(double *d, double v)
{
    d[0] += v;
    if (v > d[1]) { d[2] = d[1]; d[1] = v; }
    else if (v > d[2]) d[2] = v;
}

/* Marks the contributing treated (contrib[i]) and fills v (unnormalised)
   and in (controls inside a contributing run or pair) for month t. */
void nt_dyn_facts_weights(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m,
                        int weighting, int t, double *v, uint8_t *in, uint8_t *contrib, double *acc, long *cover)
{
    long nc = m->n_c;
    memset(v, 0, (size_t)(nc + 1) * sizeof *v);
    memset(in, 0, (size_t)(nc + 1));
    if (weighting) {
        int any = 0;
        for (long j = 0; j < nc; j++)
            if (nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) && m->w[j] > 0) { v[j] = m->w[j]; in[j] = 1; any = 1; }
        for (long i = 0; i < m->n_t; i++) contrib[i] = any && nt_dyn_uobs(p, unit_person, m, i, t);
        return;
    }
    if (!m->range_mode) {
        long nt = m->n_t;
        for (long i = 0; i < nt; i++) {
            contrib[i] = 0;
            if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
            double den = 0;
            for (long a = m->start[i]; a < m->start[i + 1]; a++)
                if (nt_dyn_uobs(p, unit_person, m, nt + m->pair_c[a], t)) den += m->w[a];
            if (den <= 0) continue;
            contrib[i] = 1;
            double ci = (double)nt_dyn_ucount(count, m->t_unit[i]);
            for (long a = m->start[i]; a < m->start[i + 1]; a++)
                if (m->w[a] > 0 && nt_dyn_uobs(p, unit_person, m, nt + m->pair_c[a], t)) {
                    v[m->pair_c[a]] += ci * m->w[a] / den;
                    in[m->pair_c[a]] = 1;
                }
        }
        return;
    }
    /* Ranges: acc holds 3 prefix sums (nc + 1 each) of the observed
       controls' copies times 1, s, s^2, then 3 difference arrays; cover
       counts the contributing runs over each control. */
    int np = m->epan ? 3 : 1;
    double *S = acc, *D = acc + 3 * (nc + 1);
    memset(D, 0, 3 * (size_t)(nc + 1) * sizeof *D);
    memset(cover, 0, (size_t)(nc + 1) * sizeof *cover);
    for (int e = 0; e < np; e++) S[e * (nc + 1)] = 0;
    for (long j = 0; j < nc; j++) {
        double q = nt_dyn_uobs(p, unit_person, m, m->n_t + j, t) ? (double)nt_dyn_ucount(count, m->c_unit[j]) : 0;
        double s = m->c_score[j] - m->shift, pw[3] = {1, s, s * s};
        for (int e = 0; e < np; e++) S[e * (nc + 1) + j + 1] = S[e * (nc + 1) + j] + q * pw[e];
    }
    for (long i = 0; i < m->n_t; i++) {
        contrib[i] = 0;
        if (!nt_dyn_uobs(p, unit_person, m, i, t)) continue;
        long lo = m->rlo[i], hi = m->rhi[i];
        double coef[3] = {1, 0, 0};
        if (m->epan) {
            double si = m->t_score[i] - m->shift, h2 = m->h * m->h;
            coef[0] = 1 - si * si / h2;
            coef[1] = 2 * si / h2;
            coef[2] = -1 / h2;
        }
        double den = 0;
        for (int e = 0; e < np; e++) den += coef[e] * (S[e * (nc + 1) + hi] - S[e * (nc + 1) + lo]);
        if (!(den > 1e-12)) continue;
        contrib[i] = 1;
        double ci = (double)nt_dyn_ucount(count, m->t_unit[i]);
        for (int e = 0; e < np; e++) {
            D[e * (nc + 1) + lo] += ci * coef[e] / den;
            D[e * (nc + 1) + hi] -= ci * coef[e] / den;
        }
        cover[lo]++;
        cover[hi]--;
    }
    double run[3] = {0, 0, 0};
    long c = 0;
    for (long j = 0; j < nc; j++) {
        c += cover[j];
        for (int e = 0; e < np; e++) run[e] += D[e * (nc + 1) + j];
        if (c <= 0 || !nt_dyn_uobs(p, unit_person, m, m->n_t + j, t)) continue;
        double s = m->c_score[j] - m->shift, pw[3] = {1, s, s * s}, x = 0;
        for (int e = 0; e < np; e++) x += run[e] * pw[e];
        x *= (double)nt_dyn_ucount(count, m->c_unit[j]);
        if (x > 0) { v[j] = x; in[j] = 1; }
    }
}

int nt_dyn_facts_buf_alloc(nt_dyn_facts_buf *b, const nt_dyn_kmatch *m)
{
    long nc = m->n_c;
    b->v = malloc((size_t)(nc + 1) * sizeof *b->v);
    b->in = malloc((size_t)(nc + 1));
    b->contrib = malloc((size_t)m->n_t + 1);
    b->acc = m->range_mode ? malloc(6 * (size_t)(nc + 1) * sizeof *b->acc) : NULL;
    b->cover = m->range_mode ? malloc((size_t)(nc + 1) * sizeof *b->cover) : NULL;
    if (!b->v || !b->in || !b->contrib || (m->range_mode && (!b->acc || !b->cover))) {
        nt_dyn_facts_buf_free(b);
        return -1;
    }
    return 0;
}

void nt_dyn_facts_buf_free(nt_dyn_facts_buf *b)
{
    free(b->v);
    free(b->in);
    free(b->contrib);
    free(b->acc);
    free(b->cover);
    b->v = b->acc = NULL;
    b->in = b->contrib = NULL;
    b->cover = NULL;
}

void nt_dyn_facts_tau(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m,
                      int weighting, int ki, int tau, nt_dyn_facts_buf *b, nt_dyn_result *r)
{
    if (!r->k_control_used) return;
    int H = r->horizon, NO = r->n_outcomes, k = r->k_month[ki];
    long nc = m->n_c, nt = m->n_t;
    double *v = b->v;
    uint8_t *in = b->in, *contrib = b->contrib;
    int t = nt_dyn_month_t(p, k, tau);
    long slot = (long)ki * H + tau;
    nt_dyn_facts_weights(p, unit_person, count, m, weighting, t, v, in, contrib, b->acc, b->cover);
    double total = 0;
    for (long j = 0; j < nc; j++) total += v[j];
    long used = 0;
    double w2 = 0, wmax = 0;
    for (long j = 0; j < nc && total > 0; j++) {
        if (!in[j]) continue;
        double x = v[j] / total;
        used++;
        w2 += x * x;
        if (x > wmax) wmax = x;
        for (int oc = 0; oc < NO; oc++)
            top2_add(r->k_dom + ((((size_t)ki * NO + oc) * H + tau) * 2 + 1) * 3,
                     x * fabs(nt_dyn_uy(p, unit_person, m, oc, nt + j, t)));
    }
    r->k_control_used[slot] = used;
    r->k_control_w2[slot] = w2;
    r->k_control_wmax[slot] = wmax;
    for (long i = 0; i < nt && total > 0; i++) {
        if (!contrib[i]) continue;
        double ci = (double)nt_dyn_ucount(count, m->t_unit[i]);
        for (int oc = 0; oc < NO; oc++)
            top2_add(r->k_dom + ((((size_t)ki * NO + oc) * H + tau) * 2) * 3,
                     ci * fabs(nt_dyn_uy(p, unit_person, m, oc, i, t)));
    }
}

nt_status nt_dyn_facts(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m,
                       int weighting, int ki, nt_dyn_result *r, nt_error *err)
{
    if (!r->k_control_used) return NT_OK;
    nt_dyn_facts_buf b = {0};
    if (nt_dyn_facts_buf_alloc(&b, m)) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int tau = 0; tau < r->horizon; tau++) nt_dyn_facts_tau(p, unit_person, count, m, weighting, ki, tau, &b, r);
    nt_dyn_facts_buf_free(&b);
    return NT_OK;
}
