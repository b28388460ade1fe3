/* The bias adjustment's rows and control Gram per start month
   (nt_dyn_adjust.c, nt_dyn_internal.h: nt_dyn_gram).

   Rows. The regression's rows z = (1, D, x - xmean) do not change with the
   month: they are built once per start month, unit-major (q contiguous
   doubles per unit), so that the per-month passes stream them instead of
   gathering q columns of the n x qx design per unit.

   Control Gram. Without weights (no ATT_never, no IPCW) control j's WLS
   weight at month t is K_j = c_j run_j, run_j = sum of c_i / den_i over
   the contributing treated whose radius holds j: a sum over the treated's
   runs of controls [rlo_i, rhi_i), so run is constant between consecutive
   run ends. With the controls cut into those segments (at most 2 n_t + 1),
     sum_j K_j z_j z_j' = sum_s run_s S_s(t),   S_s(t) = sum_{j in s, observed in t} c_j z_j z_j',
   and S_s changes only when a control leaves (censoring: observed in t iff
   t < lim_j). S_s is kept from month to month by subtracting the leavers
   (each control once per start month) and rebuilt from its members when
   its observed copies fall below half of those it was built from (so the
   rounding of the subtractions stays at the level of the sums; a segment
   without observed controls is exactly 0). The month's Gram then costs
   O(segments q^2) instead of O(n_c q^2). run_s is the difference array's
   running sum at the segment's first control, the same number the
   per-control sweep reads there. */
#include "estimators/nt_dyn_internal.h"

#include <stdlib.h>
#include <string.h>

struct nt_dyn_gram_s {
    int q;
    long nt, nc;
    double *zt, *zc;            /* rows, unit-major: [i * q + c] */
    /* segments (segs set): nseg + 1 boundaries bnd (control positions) */
    int segs;
    long nseg, *bnd, *seg_of;
    double *cnt;                /* [j] copies */
    int32_t *lim;               /* [j] observed in t iff t < lim */
    double *S;                  /* [s * q * q + a * q + b], b <= a */
    long *seg_n, *seg_built;    /* observed copies now, and when S_s was built */
    long *by_lim, *lim_start;   /* controls in order of lim; lim_start[l] .. lim_start[l + 1] */
    int months, tdone;          /* S holds month tdone; -1 none */
    uint8_t *touched;
};

static void rows_fill(double *z, const double *x, long ld, long n, int qx, int d, const double *xmean)
{
    int q = qx + 1;
    for (long i = 0; i < n; i++) {
        z[(size_t)i * q] = 1;
        z[(size_t)i * q + 1] = d;
    }
    for (int c = 1; c < qx; c++) {
        const double *col = x + (size_t)c * (size_t)ld;
        for (long i = 0; i < n; i++) z[(size_t)i * q + c + 1] = col[i] - xmean[c];
    }
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* The segments and the controls by lim. */
static int segs_build(nt_dyn_gram *g, const nt_dyn_panel *p, const long *unit_person, const long *count,
                      const nt_dyn_kmatch *m)
{
    long nt = m->n_t, nc = m->n_c;
    long *e = malloc(((size_t)2 * nt + 2) * sizeof *e);
    g->seg_of = malloc(((size_t)nc + 1) * sizeof *g->seg_of);
    g->cnt = malloc(((size_t)nc + 1) * sizeof *g->cnt);
    g->lim = malloc(((size_t)nc + 1) * sizeof *g->lim);
    g->months = p->months;
    g->lim_start = calloc((size_t)p->months + 2, sizeof *g->lim_start);
    g->by_lim = malloc(((size_t)nc + 1) * sizeof *g->by_lim);
    if (!e || !g->seg_of || !g->cnt || !g->lim || !g->lim_start || !g->by_lim) { free(e); return -1; }
    long ne = 0;
    e[ne++] = 0;
    for (long i = 0; i < nt; i++) { e[ne++] = m->rlo[i]; e[ne++] = m->rhi[i]; }
    qsort(e, (size_t)ne, sizeof *e, cmp_long);
    long nb = 0;
    for (long a = 0; a < ne; a++)
        if (e[a] < nc && (nb == 0 || e[a] != e[nb - 1])) e[nb++] = e[a];
    e[nb] = nc;
    g->bnd = e;
    g->nseg = nb;
    size_t qq = (size_t)g->q * (size_t)g->q;
    g->S = calloc((size_t)nb * qq + 1, sizeof *g->S);
    g->seg_n = calloc((size_t)nb + 1, sizeof *g->seg_n);
    g->seg_built = calloc((size_t)nb + 1, sizeof *g->seg_built);
    g->touched = calloc((size_t)nb + 1, 1);
    if (!g->S || !g->seg_n || !g->seg_built || !g->touched) return -1;
    for (long s = 0; s < nb; s++)
        for (long j = e[s]; j < e[s + 1]; j++) g->seg_of[j] = s;
    for (long j = 0; j < nc; j++) {
        long pe = unit_person[m->c_unit[j]];
        int32_t n_obs = p->n_observed[pe];
        g->lim[j] = p->time_fixed || n_obs > p->months ? p->months : (n_obs < 0 ? 0 : n_obs);   /* nt_dyn_observed */
        g->cnt[j] = (double)nt_dyn_ucount(count, m->c_unit[j]);
        g->lim_start[g->lim[j] + 1]++;
    }
    for (int l = 0; l <= p->months; l++) g->lim_start[l + 1] += g->lim_start[l];
    long *fill = malloc(((size_t)p->months + 1) * sizeof *fill);
    if (!fill) return -1;
    memcpy(fill, g->lim_start, ((size_t)p->months + 1) * sizeof *fill);
    for (long j = 0; j < nc; j++) g->by_lim[fill[g->lim[j]]++] = j;
    free(fill);
    g->tdone = -1;
    return 0;
}

nt_dyn_gram *nt_dyn_gram_open(const nt_dyn_panel *p, const long *unit_person, const long *count,
                              const nt_dyn_kmatch *m, int segs)
{
    nt_dyn_gram *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->q = m->qx + 1;
    g->nt = m->n_t;
    g->nc = m->n_c;
    g->zt = malloc(((size_t)m->n_t + 1) * (size_t)g->q * sizeof *g->zt);
    g->zc = malloc(((size_t)m->n_c + 1) * (size_t)g->q * sizeof *g->zc);
    g->segs = segs;
    if (!g->zt || !g->zc || (segs && segs_build(g, p, unit_person, count, m))) {
        nt_dyn_gram_free(g);
        return NULL;
    }
    rows_fill(g->zt, m->xt, m->n_t, m->n_t, m->qx, 1, m->xmean);
    rows_fill(g->zc, m->xz, m->n_c, m->n_c, m->qx, 0, m->xmean);
    return g;
}

void nt_dyn_gram_free(nt_dyn_gram *g)
{
    if (!g) return;
    free(g->zt); free(g->zc); free(g->bnd); free(g->seg_of); free(g->cnt); free(g->lim); free(g->S);
    free(g->seg_n); free(g->seg_built); free(g->by_lim); free(g->lim_start); free(g->touched);
    free(g);
}

const double *nt_dyn_gram_row(const nt_dyn_gram *g, int side, long i)
{
    return side ? g->zc + (size_t)i * (size_t)g->q : g->zt + (size_t)i * (size_t)g->q;
}

/* S += sign c z z' (lower triangle). */
static void outer_add(double *S, int q, const double *z, double c)
{
    for (int a = 0; a < q; a++) {
        double cz = c * z[a];
        double *row = S + (size_t)a * q;
        for (int b = 0; b <= a; b++) row[b] += cz * z[b];
    }
}

/* S_s from its controls observed in t. */
static void seg_rebuild(nt_dyn_gram *g, long s, int t)
{
    int q = g->q;
    double *S = g->S + (size_t)s * (size_t)q * (size_t)q;
    memset(S, 0, (size_t)q * (size_t)q * sizeof *S);
    long n = 0;
    for (long j = g->bnd[s]; j < g->bnd[s + 1]; j++) {
        if (!(t < g->lim[j])) continue;
        outer_add(S, q, g->zc + (size_t)j * q, g->cnt[j]);
        n += (long)g->cnt[j];
    }
    g->seg_n[s] = g->seg_built[s] = n;
}

/* Brings S to month t. */
static void gram_to(nt_dyn_gram *g, int t)
{
    if (g->tdone < 0 || t < g->tdone) {
        for (long s = 0; s < g->nseg; s++) seg_rebuild(g, s, t);
        g->tdone = t;
        return;
    }
    int q = g->q;
    int hi = t < g->months ? t : g->months;
    for (int l = g->tdone + 1; l <= hi; l++)   /* lim == l: observed up to l - 1 */
        for (long a = g->lim_start[l]; a < g->lim_start[l + 1]; a++) {
            long j = g->by_lim[a], s = g->seg_of[j];
            outer_add(g->S + (size_t)s * q * q, q, g->zc + (size_t)j * q, -g->cnt[j]);
            g->seg_n[s] -= (long)g->cnt[j];
            g->touched[s] = 1;
        }
    for (int l = g->tdone + 1; l <= hi; l++)
        for (long a = g->lim_start[l]; a < g->lim_start[l + 1]; a++) {
            long s = g->seg_of[g->by_lim[a]];
            if (!g->touched[s]) continue;
            g->touched[s] = 0;
            if (2 * g->seg_n[s] < g->seg_built[s]) seg_rebuild(g, s, t);
        }
    g->tdone = t;
}

long nt_dyn_gram_controls(nt_dyn_gram *g, const double *acc, int t, double *A)
{
    int q = g->q;
    gram_to(g, t);
    double run = 0;
    long units = 0;
    for (long s = 0; s < g->nseg; s++) {
        run += acc[g->bnd[s]];
        if (!(run > 1e-15) || g->seg_n[s] <= 0) continue;
        const double *S = g->S + (size_t)s * q * q;
        for (int a = 0; a < q; a++)
            for (int b = 0; b <= a; b++) A[a * q + b] += run * S[(size_t)a * q + b];
        units += g->seg_n[s];
    }
    return units;
}

int nt_dyn_gram_segs(const nt_dyn_gram *g) { return g->segs; }
