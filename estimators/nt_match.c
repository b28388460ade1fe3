/* Matching on a scalar score (contract in nt_match.h; the variances are in
   nt_match_var.c).

   Layout: the units of the other arm taking part are sorted once by
   (cell, score, row) into `cand`; a focal unit finds its cell's range by
   binary search on the cell id and its place in it by binary search on the
   score. Nearest neighbours are then found by walking outward from that
   place (two pointers), so a focal unit costs O(log n + matches).

   Greedy matching without replacement deletes used candidates. Two
   union-find forests over the sorted positions give "next available at or
   right of k" and "next available at or left of k" in near-constant time;
   within a run of equal (cell, score) candidates the available one with the
   lowest row is the leftmost, so ties go to the lower input row. */
#include "estimators/nt_match.h"
#include "estimators/nt_match_internal.h"
#include "estimators/nt_sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"

void nt_match_opts_default(nt_match_opts *o)
{
    o->neighbors = 1;
    o->replace = 0;
    o->order = NT_ORDER_LARGEST;
    o->caliper = 0;
    o->tie_tolerance = 0;
    o->tie_scale = 0;
    o->seed = 1;
}

void nt_matchset_free(nt_matchset *m)
{
    if (!m) return;
    free(m->start);
    free(m->match);
    free(m->w);
    free(m);
}


static int cmp_key(const void *a, const void *b)
{
    const nt_match_key *x = a, *y = b;
    if (x->cell != y->cell) return x->cell < y->cell ? -1 : 1;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* Sorted candidates of arm `arm` taking part. */
nt_match_key *nt_match_sorted_arm(const double *score, const uint8_t *treated, const long *cell,
                       const uint8_t *skip, long n, int arm, long *count)
{
    long c = 0;
    for (long i = 0; i < n; i++) c += (!skip || !skip[i]) && (treated[i] != 0) == arm;
    nt_match_key *k = malloc((size_t)(c ? c : 1) * sizeof *k);
    if (!k) return NULL;
    c = 0;
    for (long i = 0; i < n; i++)
        if ((!skip || !skip[i]) && (treated[i] != 0) == arm) {
            k[c].cell = cell ? cell[i] : 0;
            k[c].s = score[i];
            k[c].row = i;
            c++;
        }
    /* Keys were built in row order and the radix sort is stable, so ties keep
       the lower row first, as cmp_key orders them. Small arms: qsort. */
    if (c >= 4096) {
        long *ord = malloc((size_t)c * sizeof *ord);
        double *sc = malloc((size_t)c * sizeof *sc);
        long *cl = malloc((size_t)c * sizeof *cl);
        nt_match_key *sorted = malloc((size_t)c * sizeof *sorted);
        int ok = ord && sc && cl && sorted;
        if (ok) {
            for (long i = 0; i < c; i++) { sc[i] = k[i].s; cl[i] = k[i].cell; }
            ok = nt_sort_cell_score(c, cl, sc, ord) == 0;
        }
        if (ok) {
            for (long i = 0; i < c; i++) sorted[i] = k[ord[i]];
            free(k);
            k = sorted;
            sorted = NULL;
        }
        free(ord); free(sc); free(cl); free(sorted);
        if (!ok) qsort(k, (size_t)c, sizeof *k, cmp_key);
    } else {
        qsort(k, (size_t)c, sizeof *k, cmp_key);
    }
    *count = c;
    return k;
}

/* [*b, *e): the positions of cell `cl` in cand[0..nc). */
static void cell_range(const nt_match_key *cand, long nc, long cl, long *b, long *e)
{
    long lo = 0, hi = nc;
    while (lo < hi) { long m = lo + (hi - lo) / 2; if (cand[m].cell < cl) lo = m + 1; else hi = m; }
    *b = lo;
    hi = nc;
    while (lo < hi) { long m = lo + (hi - lo) / 2; if (cand[m].cell <= cl) lo = m + 1; else hi = m; }
    *e = lo;
}

/* First position in [b, e) with score >= s. */
long nt_match_lower_pos(const nt_match_key *cand, long b, long e, double s)
{
    while (b < e) { long m = b + (e - b) / 2; if (cand[m].s < s) b = m + 1; else e = m; }
    return b;
}

/* Is a candidate at distance d a tie with the M-th at dM? */
int nt_match_is_tie(double d, double dM, double tol, double scale)
{
    if (scale > 0) {
        double a = d / scale, b = dM / scale;
        return a * a <= b * b + tol;
    }
    return d <= dM + tol;
}

/* Growable pair list. */
typedef struct {
    long n, cap;
    long *match;
    double *w;
} pairs;

static int pairs_push(pairs *p, long j, double w)
{
    if (p->n == p->cap) {
        long cap = p->cap ? 2 * p->cap : 1024;
        long *m = realloc(p->match, (size_t)cap * sizeof *m);
        if (!m) return -1;
        p->match = m;
        double *ww = realloc(p->w, (size_t)cap * sizeof *ww);
        if (!ww) return -1;
        p->w = ww;
        p->cap = cap;
    }
    p->match[p->n] = j;
    p->w[p->n] = w;
    p->n++;
    return 0;
}

static nt_matchset *matchset_new(long n, int focal_arm)
{
    nt_matchset *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->n = n;
    m->focal_arm = focal_arm;
    m->start = calloc((size_t)n + 1, sizeof *m->start);
    if (!m->start) { free(m); return NULL; }
    return m;
}

/* Moves pairs grouped per focal unit (count[i] pairs each, in row order of i
   as stored in `order`) into CSR form. `first[i]` = index of i's first pair in p. */
static int matchset_finish(nt_matchset *m, pairs *p, const long *first, const long *count)
{
    long n = m->n;
    m->start[0] = 0;
    for (long i = 0; i < n; i++) m->start[i + 1] = m->start[i] + count[i];
    long np = m->start[n];
    m->match = malloc((size_t)(np ? np : 1) * sizeof *m->match);
    m->w = malloc((size_t)(np ? np : 1) * sizeof *m->w);
    if (!m->match || !m->w) return -1;
    for (long i = 0; i < n; i++)
        for (long k = 0; k < count[i]; k++) {
            m->match[m->start[i] + k] = p->match[first[i] + k];
            m->w[m->start[i] + k] = p->w[first[i] + k];
        }
    return 0;
}

/* Next-nearest walker over cand[b, e) from a focal score s: L moves left,
   R moves right. Returns the position of the next nearest, or -1. */

long nt_match_walk_next(const nt_match_key *cand, nt_match_walker *w, double *dist)
{
    int hasL = w->L >= w->b, hasR = w->R < w->e;
    if (!hasL && !hasR) return -1;
    double dl = hasL ? w->s - cand[w->L].s : INFINITY, dr = hasR ? cand[w->R].s - w->s : INFINITY;
    int takeL;
    if (dl != dr) takeL = dl < dr;
    else takeL = cand[w->L].row < cand[w->R].row;
    if (takeL) { *dist = dl; return w->L--; }
    *dist = dr;
    return w->R++;
}

static nt_status match_replace(const double *score, const uint8_t *treated, const long *cell,
                               const uint8_t *skip, long n, int focal_arm, const nt_match_opts *o,
                               nt_matchset *m, nt_error *err)
{
    long nc;
    nt_match_key *cand = nt_match_sorted_arm(score, treated, cell, skip, n, !focal_arm, &nc);
    pairs p = {0, 0, NULL, NULL};
    long *first = calloc((size_t)n, sizeof *first), *count = calloc((size_t)n, sizeof *count);
    long *tmp = malloc((size_t)(nc + 1) * sizeof *tmp);
    nt_status st = NT_OK;
    if (!cand || !first || !count || !tmp) { st = nt_fail(err, NT_ENOMEM, "out of memory in matching"); goto done; }
    for (long i = 0; i < n; i++) {
        if ((skip && skip[i]) || (treated[i] != 0) != focal_arm) continue;
        m->n_focal++;
        long b, e;
        cell_range(cand, nc, cell ? cell[i] : 0, &b, &e);
        long pos = nt_match_lower_pos(cand, b, e, score[i]);
        nt_match_walker wk = {pos - 1, pos, b, e, score[i]};
        long got = 0;
        double dM = 0, d;
        for (;;) {
            long k = nt_match_walk_next(cand, &wk, &d);
            if (k < 0) break;
            if (o->caliper > 0 && d > o->caliper) break;
            if (got < o->neighbors) {
                tmp[got++] = cand[k].row;
                dM = d;
            } else if (nt_match_is_tie(d, dM, o->tie_tolerance, o->tie_scale)) {
                tmp[got++] = cand[k].row;
            } else break;
        }
        if (got == 0) continue;
        m->n_matched++;
        first[i] = p.n;
        count[i] = got;
        for (long k = 0; k < got; k++)
            if (pairs_push(&p, tmp[k], 1.0 / (double)got)) { st = nt_fail(err, NT_ENOMEM, "out of memory in matching"); goto done; }
    }
    if (matchset_finish(m, &p, first, count)) st = nt_fail(err, NT_ENOMEM, "out of memory in matching");
done:
    free(cand);
    free(first);
    free(count);
    free(tmp);
    free(p.match);
    free(p.w);
    return st;
}

/* Union-find "next available" (path halving). right[k]: next available >= k
   (nc = none); left[k + 1]: next available <= k, shifted by one (0 = none). */
static long find_up(long *par, long k)
{
    while (par[k] != k) { par[k] = par[par[k]]; k = par[k]; }
    return k;
}

typedef struct { double s; long row; } okey;

static int cmp_desc(const void *a, const void *b)
{
    const okey *x = a, *y = b;
    if (x->s != y->s) return x->s > y->s ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static int cmp_asc(const void *a, const void *b)
{
    const okey *x = a, *y = b;
    if (x->s != y->s) return x->s < y->s ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

static nt_status match_greedy(const double *score, const uint8_t *treated, const long *cell,
                              const uint8_t *skip, long n, int focal_arm, const nt_match_opts *o,
                              nt_matchset *m, nt_error *err)
{
    long nc;
    nt_match_key *cand = nt_match_sorted_arm(score, treated, cell, skip, n, !focal_arm, &nc);
    long *right = malloc((size_t)(nc + 1) * sizeof *right), *left = malloc((size_t)(nc + 1) * sizeof *left);
    long *run = malloc((size_t)(nc + 1) * sizeof *run);
    okey *ord = malloc((size_t)(n ? n : 1) * sizeof *ord);
    long *got = calloc((size_t)n, sizeof *got), *slot = malloc((size_t)(n ? n : 1) * sizeof *slot);
    long *rowpos = NULL;
    int M = o->neighbors;
    nt_status st = NT_OK;
    if (!cand || !right || !left || !run || !ord || !got || !slot) { st = nt_fail(err, NT_ENOMEM, "out of memory in matching"); goto done; }
    for (long k = 0; k <= nc; k++) { right[k] = k; left[k] = k; }
    for (long k = 0; k < nc; k++)
        run[k] = (k > 0 && cand[k - 1].cell == cand[k].cell && cand[k - 1].s == cand[k].s) ? run[k - 1] : k;
    long nf = 0;
    for (long i = 0; i < n; i++)
        if ((!skip || !skip[i]) && (treated[i] != 0) == focal_arm) { ord[nf].s = score[i]; ord[nf].row = i; nf++; }
    m->n_focal = nf;
    if (o->order == NT_ORDER_LARGEST) qsort(ord, (size_t)nf, sizeof *ord, cmp_desc);
    else if (o->order == NT_ORDER_SMALLEST) qsort(ord, (size_t)nf, sizeof *ord, cmp_asc);
    else if (o->order == NT_ORDER_RANDOM) {
        nt_rng r;
        nt_rng_init(&r, o->seed, 0);
        for (long k = nf - 1; k > 0; k--) {
            long j = (long)nt_rng_below(&r, (uint64_t)k + 1);
            okey t = ord[k]; ord[k] = ord[j]; ord[j] = t;
        }
    }
    /* Matches of focal i are stored at slot[i] * M .. + got[i]. */
    rowpos = malloc((size_t)(nf ? nf : 1) * (size_t)M * sizeof *rowpos);
    if (!rowpos) { st = nt_fail(err, NT_ENOMEM, "out of memory in matching"); goto done; }
    for (long f = 0; f < nf; f++) slot[ord[f].row] = f;
    for (int round = 0; round < M; round++) {
        for (long f = 0; f < nf; f++) {
            long i = ord[f].row;
            if (got[i] < round) continue; /* failed in an earlier round */
            long b, e;
            cell_range(cand, nc, cell ? cell[i] : 0, &b, &e);
            if (b == e) continue;
            double s = score[i];
            long pos = nt_match_lower_pos(cand, b, e, s);
            long R = find_up(right, pos);
            if (R >= e) R = -1;
            long L = pos > b ? find_up(left, pos) - 1 : -1; /* left is shifted: left[k+1] for k */
            if (L < b) L = -1;
            if (L >= 0) L = find_up(right, run[L] < b ? b : run[L]);
            long pick = -1;
            double d = 0;
            if (L >= 0 && R >= 0) {
                double dl = s - cand[L].s, dr = cand[R].s - s;
                if (dl != dr) pick = dl < dr ? L : R;
                else pick = cand[L].row < cand[R].row ? L : R;
                d = pick == L ? dl : dr;
            } else if (L >= 0) { pick = L; d = s - cand[L].s; }
            else if (R >= 0) { pick = R; d = cand[R].s - s; }
            if (pick < 0 || (o->caliper > 0 && d > o->caliper)) continue;
            rowpos[slot[i] * M + got[i]] = cand[pick].row;
            got[i]++;
            right[pick] = pick + 1;
            left[pick + 1] = pick;
        }
    }
    for (long i = 0; i < n; i++) m->start[i + 1] = m->start[i] + got[i];
    long np = m->start[n];
    m->match = malloc((size_t)(np ? np : 1) * sizeof *m->match);
    m->w = malloc((size_t)(np ? np : 1) * sizeof *m->w);
    if (!m->match || !m->w) { st = nt_fail(err, NT_ENOMEM, "out of memory in matching"); goto done; }
    for (long i = 0; i < n; i++) {
        if (!got[i]) continue;
        m->n_matched++;
        for (long k = 0; k < got[i]; k++) {
            m->match[m->start[i] + k] = rowpos[slot[i] * M + k];
            m->w[m->start[i] + k] = 1.0 / (double)got[i];
        }
    }
done:
    free(cand);
    free(right);
    free(left);
    free(run);
    free(ord);
    free(got);
    free(slot);
    free(rowpos);
    return st;
}

static nt_status check_args(const double *score, const uint8_t *skip, long n, nt_error *err)
{
    for (long i = 0; i < n; i++)
        if ((!skip || !skip[i]) && !isfinite(score[i]))
            return nt_fail(err, NT_EINPUT, "matching: the score of row %ld is not a finite number", i + 1);
    return NT_OK;
}

nt_status nt_match_nearest(const double *score, const uint8_t *treated, const long *cell,
                           const uint8_t *skip, long n, int focal_arm, const nt_match_opts *o,
                           nt_matchset **out, nt_error *err)
{
    nt_match_opts d;
    if (!o) { nt_match_opts_default(&d); o = &d; }
    if (o->neighbors < 1) return nt_fail(err, NT_EUSAGE, "matching: the number of neighbours must be at least 1");
    nt_status st = check_args(score, skip, n, err);
    if (st) return st;
    nt_matchset *m = matchset_new(n, focal_arm);
    if (!m) return nt_fail(err, NT_ENOMEM, "out of memory in matching");
    st = o->replace ? match_replace(score, treated, cell, skip, n, focal_arm, o, m, err)
                    : match_greedy(score, treated, cell, skip, n, focal_arm, o, m, err);
    if (st) { nt_matchset_free(m); return st; }
    *out = m;
    return NT_OK;
}

/* First position k in [b, e) with d = s_k - s > lim (strict) or >= lim;
   d rises with k, so a binary search. */
static long first_beyond(const nt_match_key *cand, long b, long e, double s, double lim, int strict)
{
    while (b < e) {
        long m = b + (e - b) / 2;
        double d = cand[m].s - s;
        if (strict ? d <= lim : d < lim) b = m + 1;
        else e = m;
    }
    return b;
}

nt_status nt_match_range(const double *score, const uint8_t *treated, const long *cell,
                         const uint8_t *skip, long n, int focal_arm, double reach, int open,
                         nt_match_ranges **out, nt_error *err)
{
    nt_status st = check_args(score, skip, n, err);
    if (st) return st;
    long nc = 0, nf = 0;
    for (long i = 0; i < n; i++) nf += (!skip || !skip[i]) && (treated[i] != 0) == focal_arm;
    nt_match_key *cand = nt_match_sorted_arm(score, treated, cell, skip, n, !focal_arm, &nc);
    nt_match_ranges *r = calloc(1, sizeof *r);
    if (!cand || !r) goto nomem;
    r->cand = malloc((size_t)(nc ? nc : 1) * sizeof *r->cand);
    r->focal = malloc((size_t)(nf ? nf : 1) * sizeof *r->focal);
    r->lo = malloc((size_t)(nf ? nf : 1) * sizeof *r->lo);
    r->hi = malloc((size_t)(nf ? nf : 1) * sizeof *r->hi);
    if (!r->cand || !r->focal || !r->lo || !r->hi) goto nomem;
    r->n_cand = nc;
    for (long k = 0; k < nc; k++) r->cand[k] = cand[k].row;
    for (long i = 0; i < n; i++) {
        if ((skip && skip[i]) || (treated[i] != 0) != focal_arm) continue;
        long b, e, f = r->n_focal++;
        cell_range(cand, nc, cell ? cell[i] : 0, &b, &e);
        r->focal[f] = i;
        r->lo[f] = first_beyond(cand, b, e, score[i], -reach, open);
        r->hi[f] = first_beyond(cand, r->lo[f], e, score[i], reach, !open);
    }
    free(cand);
    *out = r;
    return NT_OK;
nomem:
    free(cand);
    nt_match_ranges_free(r);
    return nt_fail(err, NT_ENOMEM, "out of memory in matching");
}

void nt_match_ranges_free(nt_match_ranges *r)
{
    if (!r) return;
    free(r->cand);
    free(r->focal);
    free(r->lo);
    free(r->hi);
    free(r);
}

/* Window matcher shared by radius and kernel matching: for each focal unit,
   every candidate with |d| <= reach (nt_match_range) gets weight kern(d)
   (normalised); zero weights are left out. */
typedef double (*kern_fn)(double d, double h);

static double k_uniform(double d, double h) { return fabs(d) <= h ? 1.0 : 0.0; }
static double k_epan(double d, double h) { double u = d / h; return fabs(u) <= 1 ? 0.75 * (1 - u * u) : 0.0; }
static double k_gauss(double d, double h) { double u = d / h; return fabs(u) <= 8 ? exp(-0.5 * u * u) : 0.0; }

static nt_status match_window(const double *score, const uint8_t *treated, const long *cell,
                              const uint8_t *skip, long n, int focal_arm, kern_fn kf, double h,
                              double reach, nt_matchset *m, nt_error *err)
{
    nt_match_ranges *rg = NULL;
    nt_status st = nt_match_range(score, treated, cell, skip, n, focal_arm, reach, 0, &rg, err);
    if (st) return st;
    long *first = calloc((size_t)n, sizeof *first), *count = calloc((size_t)n, sizeof *count);
    pairs p = {0, 0, NULL, NULL};
    if (!first || !count) { st = nt_fail(err, NT_ENOMEM, "out of memory in matching"); goto done; }
    for (long f = 0; f < rg->n_focal; f++) {
        long i = rg->focal[f];
        m->n_focal++;
        long p0 = p.n;
        double tot = 0;
        for (long k = rg->lo[f]; k < rg->hi[f]; k++) {
            double wk = kf(score[rg->cand[k]] - score[i], h);
            if (wk <= 0) continue;
            if (pairs_push(&p, rg->cand[k], wk)) { st = nt_fail(err, NT_ENOMEM, "out of memory in matching"); goto done; }
            tot += wk;
        }
        if (p.n == p0 || !(tot > 0)) { p.n = p0; continue; }
        first[i] = p0;
        count[i] = p.n - p0;
        for (long k = p0; k < p.n; k++) p.w[k] /= tot;
        m->n_matched++;
    }
    if (matchset_finish(m, &p, first, count)) st = nt_fail(err, NT_ENOMEM, "out of memory in matching");
done:
    nt_match_ranges_free(rg);
    free(first);
    free(count);
    free(p.match);
    free(p.w);
    return st;
}

nt_status nt_match_radius_width(const double *score, const uint8_t *treated, const long *cell,
                                const uint8_t *skip, long n, int focal_arm, double factor,
                                double caliper, double *radius, nt_error *err)
{
    nt_match_opts o;
    nt_match_opts_default(&o);
    o.replace = 1;
    o.caliper = caliper;
    nt_matchset *nn = NULL;
    nt_status st = nt_match_nearest(score, treated, cell, skip, n, focal_arm, &o, &nn, err);
    if (st) return st;
    /* Largest 1:1 distance over the matched focal units. */
    double dmax = 0;
    for (long i = 0; i < n; i++)
        if (nn->start[i + 1] > nn->start[i]) {
            double d = fabs(score[i] - score[nn->match[nn->start[i]]]);
            if (d > dmax) dmax = d;
        }
    nt_matchset_free(nn);
    *radius = factor * dmax;
    return NT_OK;
}

double nt_match_bandwidth(const double *score, const uint8_t *treated, const uint8_t *skip,
                          const double *w, long n, int focal_arm)
{
    double sw = 0, swx = 0, ss = 0;
    for (long i = 0; i < n; i++)
        if ((!skip || !skip[i]) && (treated[i] != 0) != focal_arm) {
            double wi = w ? w[i] : 1.0;
            sw += wi;
            swx += wi * score[i];
        }
    if (!(sw > 1)) return 0;
    double mean = swx / sw;
    for (long i = 0; i < n; i++)
        if ((!skip || !skip[i]) && (treated[i] != 0) != focal_arm)
            ss += (w ? w[i] : 1.0) * (score[i] - mean) * (score[i] - mean);
    return 1.06 * sqrt(ss / (sw - 1)) * pow(sw, -0.2);
}

nt_status nt_match_radius(const double *score, const uint8_t *treated, const long *cell,
                          const uint8_t *skip, long n, int focal_arm, double factor,
                          double caliper, nt_matchset **out, nt_error *err)
{
    if (!(factor > 0)) return nt_fail(err, NT_EUSAGE, "radius matching: the radius factor must be positive");
    double r;
    nt_status st = nt_match_radius_width(score, treated, cell, skip, n, focal_arm, factor, caliper, &r, err);
    if (st) return st;
    /* All matched exactly (r = 0): the radius keeps exact ties only. */
    nt_matchset *m = matchset_new(n, focal_arm);
    if (!m) return nt_fail(err, NT_ENOMEM, "out of memory in matching");
    st = match_window(score, treated, cell, skip, n, focal_arm, k_uniform, r, r, m, err);
    if (st) { nt_matchset_free(m); return st; }
    m->radius = r;
    *out = m;
    return NT_OK;
}

nt_status nt_match_kernel(const double *score, const uint8_t *treated, const long *cell,
                          const uint8_t *skip, long n, int focal_arm, nt_kernel kernel,
                          double bandwidth, nt_matchset **out, nt_error *err)
{
    nt_status st = check_args(score, skip, n, err);
    if (st) return st;
    double h = bandwidth;
    if (!(h > 0)) {
        long c = 0;
        for (long i = 0; i < n; i++) c += (!skip || !skip[i]) && (treated[i] != 0) != focal_arm;
        if (c < 2) return nt_fail(err, NT_EINPUT, "kernel matching: fewer than two units to match to");
        h = nt_match_bandwidth(score, treated, skip, NULL, n, focal_arm);
        if (!(h > 0)) return nt_fail(err, NT_EINPUT, "kernel matching: the score does not vary, so no bandwidth can be chosen");
    }
    kern_fn kf = kernel == NT_KERNEL_GAUSSIAN ? k_gauss : kernel == NT_KERNEL_UNIFORM ? k_uniform : k_epan;
    double reach = kernel == NT_KERNEL_GAUSSIAN ? 8 * h : h;
    nt_matchset *m = matchset_new(n, focal_arm);
    if (!m) return nt_fail(err, NT_ENOMEM, "out of memory in matching");
    st = match_window(score, treated, cell, skip, n, focal_arm, kf, h, reach, m, err);
    if (st) { nt_matchset_free(m); return st; }
    m->bandwidth = h;
    *out = m;
    return NT_OK;
}

void nt_matchset_counts(const nt_matchset *m, double *K, double *KK)
{
    memset(K, 0, (size_t)m->n * sizeof *K);
    if (KK) memset(KK, 0, (size_t)m->n * sizeof *KK);
    for (long i = 0; i < m->n; i++)
        for (long k = m->start[i]; k < m->start[i + 1]; k++) {
            K[m->match[k]] += m->w[k];
            if (KK) KK[m->match[k]] += m->w[k] * m->w[k];
        }
}

void nt_matchset_unit_effects(const nt_matchset *m, const double *y, double *tau)
{
    for (long i = 0; i < m->n; i++) {
        if (m->start[i + 1] == m->start[i]) { tau[i] = NAN; continue; }
        double yc = 0;
        for (long k = m->start[i]; k < m->start[i + 1]; k++) yc += m->w[k] * y[m->match[k]];
        tau[i] = m->focal_arm ? y[i] - yc : yc - y[i];
    }
}
