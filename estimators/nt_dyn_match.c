/* Step 2 of the dynamic estimator (nt_dyn_internal.h): matching or weights
   within one start month k, on the logit score of the interval's model.

     nn       nt_match_nearest (M neighbours, with or without replacement,
              caliper in score units), pairs with weights 1/M';
     radius   radius r = nt_match_radius_width (factor x the largest 1:1
              NN distance within the caliper); treated i uses every control
              with |s_j - s_i| <= r, weight 1;
     kernel   Epanechnikov: bandwidth h given or nt_match_bandwidth (Silverman
              over the controls, copies counted); controls with
              |s_j - s_i| < h, weight 1 - ((s_j - s_i)/h)^2; Gaussian:
              nt_match_kernel's pairs;
     ipw      treated 1, controls e/(1 - e) (times copies); with exact
              cells the control weights are normalised within each cell
              in step 3 (nt_dyn_cells.c);
     aipw     the same and the outcome-model design (intercept + balance
              columns).
   Radius and Epanechnikov keep the controls as one score-sorted run per
   treated unit (nt_match_range), so step 3 works in O(n_t + n_c) per month
   by prefix sums instead of O(pairs).

   Balance weights Kw (the weight a row has after matching): matched
   treated 1; control j: K_j = sum_i w_ij / sum_j' w_ij' (the matches' total
   weight); weighting: 1 and e/(1 - e). */
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_match.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory")

void nt_dyn_kmatch_free(nt_dyn_kmatch *m)
{
    free(m->t_unit);
    free(m->c_unit);
    free(m->t_score);
    free(m->c_score);
    free(m->start);
    free(m->pair_c);
    free(m->w);
    free(m->xz);
    free(m->xt);
    free(m->rlo);
    free(m->rhi);
    free(m->c_row);
    free(m->t_cell);
    free(m->c_cell);
    free(m->off_t);
    free(m->off_c);
    free(m->xmean);
    free(m->adj_a);
    free(m->adj_theta);
    free(m->lin_t);
    free(m->lin_c);
    nt_dyn_gram_free(m->gram);
    memset(m, 0, sizeof *m);
}

/* The outcome-model design (AIPW, bias-adjusted radius): the intercept and
   the interval design's balance columns (covariates, history) of the
   month's rows a = at[0..nr), into x (nr x qx, column-major); m->qx set. */
static nt_status outcome_design(const nt_dyn_month *mo, const long *at, long nr, nt_dyn_kmatch *m, double **x,
                                nt_error *err)
{
    const nt_dyn_design *d = mo->d;
    int qx = 1;
    for (int j = 0; j < d->q; j++) qx += d->bal_col[j];
    m->qx = qx;
    *x = malloc((size_t)(nr + 1) * (size_t)qx * sizeof **x);
    if (!*x) return NOMEM(err);
    for (long r = 0; r < nr; r++) {
        int c = 0;
        (*x)[(size_t)c++ * (size_t)nr + (size_t)r] = 1.0;
        for (int j = 0; j < d->q; j++)
            if (d->bal_col[j])
                (*x)[(size_t)c++ * (size_t)nr + (size_t)r] = d->z[(size_t)j * (size_t)d->n + (size_t)mo->idx[at[r]]];
    }
    return NT_OK;
}

/* The reach of range matching: the radius, or the Epanechnikov bandwidth
   (0: no spread, nobody matched). */
static nt_status range_reach(const nt_dyn_opts *o, const double *score, const uint8_t *tr, const long *cell,
                             long n, const long *unit, double caliper, double *reach, nt_error *err)
{
    if (o->method != NT_METHOD_KERNEL)
        return nt_match_radius_width(score, tr, cell, NULL, n, 1, o->radius_factor, caliper, reach, err);
    if (o->bandwidth > 0) { *reach = o->bandwidth; return NT_OK; }
    double *cw = NULL;
    if (o->unit_count) {
        cw = malloc((size_t)(n ? n : 1) * sizeof *cw);
        if (!cw) return NOMEM(err);
        for (long a = 0; a < n; a++) cw[a] = (double)o->unit_count[unit[a]];
    }
    *reach = nt_match_bandwidth(score, tr, NULL, cw, n, 1);
    free(cw);
    return NT_OK;
}

/* Balance weights of the controls, K_j = sum_i w_ij / sum_j' w_ij', by
   difference arrays over the sorted controls: w_ij = co0 + co1 s_j +
   co2 s_j^2 (scores centred by shift), so each treated unit adds co_e / den_i
   to three running sums over its run. */
static nt_status range_kw(const nt_dyn_kmatch *m, const long *cand, double *Kw, nt_error *err)
{
    long nc = m->n_c;
    double *acc = calloc(3 * ((size_t)nc + 1), sizeof *acc);
    if (!acc) return NOMEM(err);
    for (long i = 0; i < m->n_t; i++) {
        double co[3] = {1, 0, 0};
        if (m->epan) {
            double si = m->t_score[i] - m->shift, h2 = m->h * m->h;
            co[0] = 1 - si * si / h2;
            co[1] = 2 * si / h2;
            co[2] = -1 / h2;
        }
        double d = 0;
        for (long j = m->rlo[i]; j < m->rhi[i] && m->epan; j++) {
            double sj = m->c_score[j] - m->shift;
            d += co[0] + co[1] * sj + co[2] * sj * sj;
        }
        if (!m->epan) d = (double)(m->rhi[i] - m->rlo[i]);
        for (int e = 0; e < 3; e++) {
            acc[(size_t)e * (nc + 1) + m->rlo[i]] += co[e] / d;
            acc[(size_t)e * (nc + 1) + m->rhi[i]] -= co[e] / d;
        }
    }
    double run[3] = {0, 0, 0};
    for (long j = 0; j < nc; j++) {
        double sj = m->c_score[j] - m->shift;
        for (int e = 0; e < 3; e++) run[e] += acc[(size_t)e * (nc + 1) + j];
        double w = run[0] + run[1] * sj + run[2] * sj * sj;
        Kw[cand[j]] = w > 1e-15 ? w : 0;
    }
    free(acc);
    return NT_OK;
}

/* Radius and Epanechnikov-kernel matching as runs of the score-sorted
   controls (see nt_dyn_kmatch): |d| <= r (radius), |d| < h (the kernel is
   0 at |d| = h). */
static nt_status range_match(const nt_dyn_month *mo, const double *score, const uint8_t *tr, const long *cell,
                             long n, const long *unit, double caliper, nt_dyn_kmatch *m, double *Kw,
                             nt_error *err)
{
    const nt_dyn_opts *o = mo->o;
    long nc = 0, nt = 0;
    double mean = 0;
    for (long a = 0; a < n; a++) {
        Kw[a] = 0;
        if (tr[a]) nt++;
        else { nc++; mean += score[a]; }
    }
    mean = nc ? mean / (double)nc : 0;
    m->range_mode = 1;
    m->epan = o->method == NT_METHOD_KERNEL;
    m->shift = mean;
    double reach = 0;
    nt_status s = range_reach(o, score, tr, cell, n, unit, caliper, &reach, err);
    if (s) return s;
    m->h = reach;
    if (m->epan && !(reach > 0)) reach = -1;   /* no spread: nobody matched */
    nt_match_ranges *rg = NULL;
    if ((s = nt_match_range(score, tr, cell, NULL, n, 1, reach, m->epan, &rg, err))) return s;
    m->c_unit = malloc((size_t)(nc + 1) * sizeof *m->c_unit);
    m->c_score = malloc((size_t)(nc + 1) * sizeof *m->c_score);
    m->t_unit = malloc((size_t)(nt + 1) * sizeof *m->t_unit);
    m->t_score = malloc((size_t)(nt + 1) * sizeof *m->t_score);
    m->rlo = malloc((size_t)(nt + 1) * sizeof *m->rlo);
    m->rhi = malloc((size_t)(nt + 1) * sizeof *m->rhi);
    if (!m->c_unit || !m->c_score || !m->t_unit || !m->t_score || !m->rlo || !m->rhi) {
        nt_match_ranges_free(rg);
        return NOMEM(err);
    }
    m->n_c = rg->n_cand;
    for (long j = 0; j < rg->n_cand; j++) {
        m->c_unit[j] = unit[rg->cand[j]];
        m->c_score[j] = score[rg->cand[j]];
    }
    for (long f = 0; f < rg->n_focal; f++) {
        long a = rg->focal[f];
        if (rg->hi[f] <= rg->lo[f]) continue;
        long i = m->n_t++;
        m->t_unit[i] = unit[a];
        m->t_score[i] = score[a];
        m->rlo[i] = rg->lo[f];
        m->rhi[i] = rg->hi[f];
        Kw[a] = 1;
    }
    s = range_kw(m, rg->cand, Kw, err);
    if (!s && o->bias_adjust && o->method == NT_METHOD_RADIUS) {
        /* The bias adjustment's design, rows in c_unit / t_unit order. */
        long *at = malloc((size_t)(m->n_t + 1) * sizeof *at);
        if (!at) s = NOMEM(err);
        for (long f = 0, i = 0; f < rg->n_focal && !s; f++)
            if (rg->hi[f] > rg->lo[f]) at[i++] = rg->focal[f];
        if (!s) s = outcome_design(mo, rg->cand, m->n_c, m, &m->xz, err);
        if (!s) s = outcome_design(mo, at, m->n_t, m, &m->xt, err);
        m->adjust_per_col = o->adjust_per_col;
        free(at);
    }
    nt_match_ranges_free(rg);
    return s;
}

/* NN and Gaussian-kernel matching: pairs from nt_match.h, controls indexed
   in order of first use. */
static nt_status pair_match(const nt_dyn_opts *o, const double *score, const uint8_t *tr, const long *cell,
                            long n, const long *unit, double caliper, nt_dyn_kmatch *m, double *Kw,
                            nt_error *err)
{
    nt_matchset *ms = NULL;
    nt_status s;
    if (o->method == NT_METHOD_NN) {
        nt_match_opts mo;
        nt_match_opts_default(&mo);
        mo.neighbors = o->neighbors;
        mo.replace = o->replace;
        mo.caliper = caliper;
        s = nt_match_nearest(score, tr, cell, NULL, n, 1, &mo, &ms, err);
    } else {
        s = nt_match_kernel(score, tr, cell, NULL, n, 1, o->kernel, o->bandwidth, &ms, err);
    }
    if (s) return s;
    long nm = 0, np = 0, nc = 0;
    for (long a = 0; a < n; a++) {
        Kw[a] = 0;
        nc += !tr[a];
        if (tr[a] && ms->start[a + 1] > ms->start[a]) { nm++; np += ms->start[a + 1] - ms->start[a]; }
    }
    long *slot = malloc((size_t)(n + 1) * sizeof *slot);
    m->t_unit = malloc((size_t)(nm + 1) * sizeof *m->t_unit);
    m->t_score = malloc((size_t)(nm + 1) * sizeof *m->t_score);
    m->start = malloc((size_t)(nm + 1) * sizeof *m->start);
    m->pair_c = malloc((size_t)(np + 1) * sizeof *m->pair_c);
    m->w = malloc((size_t)(np + 1) * sizeof *m->w);
    m->c_unit = malloc((size_t)(nc + 1) * sizeof *m->c_unit);
    m->c_score = malloc((size_t)(nc + 1) * sizeof *m->c_score);
    if (!slot || !m->t_unit || !m->t_score || !m->start || !m->pair_c || !m->w || !m->c_unit || !m->c_score) {
        free(slot);
        nt_matchset_free(ms);
        return NOMEM(err);
    }
    for (long a = 0; a < n; a++) slot[a] = -1;
    long ti = 0, pi = 0;
    m->start[0] = 0;
    for (long a = 0; a < n; a++) {
        if (!tr[a] || ms->start[a + 1] == ms->start[a]) continue;
        m->t_unit[ti] = unit[a];
        m->t_score[ti] = score[a];
        Kw[a] = 1;   /* matched treated: weight 1 in the balance after matching */
        for (long q = ms->start[a]; q < ms->start[a + 1]; q++) {
            long c = ms->match[q];
            if (slot[c] < 0) {
                slot[c] = m->n_c;
                m->c_unit[m->n_c] = unit[c];
                m->c_score[m->n_c] = score[c];
                m->n_c++;
            }
            m->pair_c[pi] = slot[c];
            m->w[pi] = ms->w[q];
            Kw[c] += ms->w[q];
            pi++;
        }
        ti++;
        m->start[ti] = pi;
    }
    m->n_t = ti;
    free(slot);
    nt_matchset_free(ms);
    return NT_OK;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* Exact cells of weighting: cix[a] the compact cell (0..n_cells-1) of row a,
   keep[a] 0 for a treated row whose cell has no control and a control row
   whose cell has no treated (no counterpart); T[c], W[c] the cell's treated
   copies and control weight. */
static nt_status weight_cells(const nt_dyn_month *mo, const uint8_t *tr, const long *cell, const long *unit,
                              long *cix, uint8_t *keep, double **T, double **W, int *n_cells, nt_error *err)
{
    long n = mo->n, nu = 0;
    long *ids = malloc((size_t)(n ? n : 1) * sizeof *ids);
    if (!ids) return NOMEM(err);
    memcpy(ids, cell, (size_t)n * sizeof *ids);
    qsort(ids, (size_t)n, sizeof *ids, cmp_long);
    for (long a = 0; a < n; a++)
        if (a == 0 || ids[a] != ids[nu - 1]) ids[nu++] = ids[a];
    *T = calloc((size_t)nu + 1, sizeof **T);
    *W = calloc((size_t)nu + 1, sizeof **W);
    if (!*T || !*W) { free(ids); return NOMEM(err); }
    for (long a = 0; a < n; a++) {
        cix[a] = (long *)bsearch(&cell[a], ids, (size_t)nu, sizeof *ids, cmp_long) - ids;
        double c = (double)nt_dyn_ucount(mo->o->unit_count, unit[a]);
        long i = mo->idx[a];
        if (tr[a]) (*T)[cix[a]] += c;
        else (*W)[cix[a]] += mo->e[i] / (1.0 - mo->e[i]) * c;
    }
    for (long a = 0; a < n; a++) keep[a] = tr[a] ? (*W)[cix[a]] > 0 : (*T)[cix[a]] > 0;
    *n_cells = (int)nu;
    free(ids);
    return NT_OK;
}

/* IPW and AIPW: ATT weights, treated 1, controls e / (1 - e) (normalised
   per month t in step 3, within each exact cell when there are cells: then
   a treated unit whose cell has no control, and a control whose cell has no
   treated, take no part); AIPW also keeps the outcome-model design. */
static nt_status weights(const nt_dyn_month *mo, const double *score, const uint8_t *tr, const long *cell,
                         const long *unit, nt_dyn_kmatch *m, double *Kw, nt_error *err)
{
    const nt_dyn_opts *o = mo->o;
    long n = mo->n, nt = 0, nc = 0;
    uint8_t *keep = malloc((size_t)(n ? n : 1));
    long *cix = cell ? malloc((size_t)(n ? n : 1) * sizeof *cix) : NULL;
    double *T = NULL, *W = NULL;
    nt_status s = !keep || (cell && !cix) ? NOMEM(err) : NT_OK;
    if (!s && cell) s = weight_cells(mo, tr, cell, unit, cix, keep, &T, &W, &m->n_cells, err);
    else if (!s) memset(keep, 1, (size_t)(n ? n : 1));
    for (long a = 0; a < n; a++) { if (tr[a]) nt += keep[a]; else nc += keep[a]; }
    if (!s) {
        m->t_unit = malloc((size_t)(nt + 1) * sizeof *m->t_unit);
        m->t_score = malloc((size_t)(nt + 1) * sizeof *m->t_score);
        m->c_unit = malloc((size_t)(nc + 1) * sizeof *m->c_unit);
        m->c_score = malloc((size_t)(nc + 1) * sizeof *m->c_score);
        m->w = malloc((size_t)(nc + 1) * sizeof *m->w);
        m->c_row = malloc((size_t)(nc + 1) * sizeof *m->c_row);
        if (cell) {
            m->t_cell = malloc((size_t)(nt + 1) * sizeof *m->t_cell);
            m->c_cell = malloc((size_t)(nc + 1) * sizeof *m->c_cell);
        }
        if (!m->t_unit || !m->t_score || !m->c_unit || !m->c_score || !m->w || !m->c_row ||
            (cell && (!m->t_cell || !m->c_cell)))
            s = NOMEM(err);
    }
    for (long a = 0; a < n && !s; a++) {
        long i = mo->idx[a];
        Kw[a] = 0;
        if (!keep[a]) continue;
        if (tr[a]) {
            if (cell) m->t_cell[m->n_t] = cix[a];
            m->t_unit[m->n_t] = unit[a];
            m->t_score[m->n_t++] = score[a];
            Kw[a] = 1;
        } else {
            if (cell) m->c_cell[m->n_c] = cix[a];
            m->c_unit[m->n_c] = unit[a];
            m->c_score[m->n_c] = score[a];
            m->c_row[m->n_c] = i;
            m->w[m->n_c++] = Kw[a] = mo->e[i] / (1.0 - mo->e[i]) * (double)nt_dyn_ucount(o->unit_count, unit[a]);
            if (cell) Kw[a] *= T[cix[a]] / W[cix[a]];  /* balance: each cell's controls weigh as its treated */
        }
    }
    free(cix);
    free(T);
    free(W);
    if (!s && o->method == NT_METHOD_AIPW) {
        long *at = malloc((size_t)(n + 1) * sizeof *at), nr[2] = {0, 0};
        if (!at) s = NOMEM(err);
        for (long a = 0; a < n && !s; a++)   /* treated rows first, then controls, in row order */
            if (keep[a] && tr[a]) at[nr[0]++] = a;
        for (long a = 0; a < n && !s; a++)
            if (keep[a] && !tr[a]) at[nr[0] + nr[1]++] = a;
        if (!s) s = outcome_design(mo, at, nr[0], m, &m->xt, err);
        if (!s) s = outcome_design(mo, at + nr[0], nr[1], m, &m->xz, err);
        m->adjust_per_col = o->adjust_per_col;   /* the outcome model's least rows per column */
        free(at);
    }
    free(keep);
    return s;
}

nt_status nt_dyn_match_month(const nt_dyn_month *mo, nt_dyn_kmatch *m, double *Kw, nt_error *err)
{
    const nt_dyn_opts *o = mo->o;
    const nt_dyn_panel *p = mo->p;
    long n = mo->n;
    nt_status s = NT_OK;
    double *score = malloc((size_t)(n ? n : 1) * sizeof *score);
    uint8_t *tr = malloc((size_t)(n ? n : 1));
    long *cell = p->exact_cell ? malloc((size_t)(n ? n : 1) * sizeof *cell) : NULL;
    long *unit = malloc((size_t)(n ? n : 1) * sizeof *unit);
    if (!score || !tr || !unit || (p->exact_cell && !cell)) { s = NOMEM(err); goto done; }
    for (long a = 0; a < n; a++) {
        long i = mo->idx[a];
        score[a] = mo->eta[i];
        tr[a] = mo->rows->d[i];
        unit[a] = mo->rows->unit[i];
        if (cell) cell[a] = p->exact_cell[mo->unit_person[unit[a]]];
        Kw[a] = 0;
    }
    if (o->method == NT_METHOD_RADIUS || (o->method == NT_METHOD_KERNEL && o->kernel == NT_KERNEL_EPANECHNIKOV))
        s = range_match(mo, score, tr, cell, n, unit, mo->caliper, m, Kw, err);
    else if (!nt_dyn_weighting(o))
        s = pair_match(o, score, tr, cell, n, unit, mo->caliper, m, Kw, err);
    else
        s = weights(mo, score, tr, cell, unit, m, Kw, err);
done:
    free(score);
    free(tr);
    free(cell);
    free(unit);
    return s;
}
