/* Dynamic (timing-aware) matching and weighting over elapsed benefit
   duration; see nt_dynamic.h for the estimand. Layout of the work:
     1. per start interval: the (unit, k) rows, the design, the logit fit,
        support and caliper;
     2. per start month k: matching (nt_match.h) or weights;
     3. per month tau since start: the censoring-aware effect per k, then the
        weighted combination over k.
   Every loop that runs in parallel writes to its own slots (per tau), so
   the result does not depend on the thread count. */
#include "estimators/nt_dynamic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_matrix.h>

#include "estimators/nt_glm.h"
#include "estimators/nt_match.h"
#include "estimators/nt_sort.h"
#include "estimators/nt_weight.h"

void nt_dyn_opts_default(nt_dyn_opts *o)
{
    memset(o, 0, sizeof *o);
    o->start_first = 0;
    o->start_last = 23;
    o->start_interval = 3;
    o->horizon = 96;
    o->method = NT_METHOD_RADIUS;
    o->neighbors = 1;
    o->replace = 1;
    o->caliper = 0.2;
    o->radius_factor = 1.5;
    o->kernel = NT_KERNEL_EPANECHNIKOV;
    o->ai_neighbors = 2;
    o->min_cell = 10;
}

/* ------------------------------------------------------------ results */

static void interval_free(nt_dyn_interval *iv)
{
    for (int j = 0; j < iv->p && iv->term; j++) free(iv->term[j]);
    free(iv->term);
    free(iv->beta);
    free(iv->se);
    for (int j = 0; j < iv->n_bal && iv->bal_term; j++) free(iv->bal_term[j]);
    free(iv->bal_term);
    free(iv->bal);
}

void nt_dyn_result_free(nt_dyn_result *r)
{
    if (!r) return;
    free(r->att);
    free(r->att_fixed);
    free(r->n_treated);
    free(r->n_treated_matched);
    free(r->n_control_used);
    free(r->n_treated_fixed);
    free(r->n_treated_matched_fixed);
    free(r->n_control_used_fixed);
    free(r->k_month);
    free(r->k_treated);
    free(r->k_controls);
    free(r->k_matched);
    free(r->k_skipped);
    free(r->k_fixed);
    free(r->k_att);
    free(r->k_se);
    free(r->k_contrib);
    for (int i = 0; i < r->n_intervals && r->interval; i++) interval_free(&r->interval[i]);
    free(r->interval);
    for (int j = 0; j < r->n_bal && r->bal_term; j++) free(r->bal_term[j]);
    free(r->bal_term);
    free(r->bal);
    free(r);
}

/* ------------------------------------------------------------ matches */

/* What step 2 leaves for step 3, per start month. Matching: every treated
   unit has a list of (control unit, weight). Weighting: one list of control
   units with weights, shared by all treated (and e for AIPW). */
typedef struct {
    long n_t;
    long *t_unit;                /* treated units (matched ones only, for matching) */
    long n_c;
    long *c_unit;                /* distinct controls */
    double *t_score, *c_score;   /* logit scores (AI sigma^2 neighbours) */
    long *start;                 /* matching: n_t + 1 offsets into pair_c / w */
    long *pair_c;                /* matching: control (index into c_unit) of each pair */
    double *w;                   /* matching: pair weights; weighting: control weights (n_c) */
    /* Range mode (radius, Epanechnikov kernel): the controls in c_unit are
       sorted by (cell, score) and treated i uses [rlo[i], rhi[i]) of them,
       with weight 1 (radius) or 1 - ((s_j - s_i)/h)^2 (kernel). */
    int range_mode, epan;
    double h, shift;             /* bandwidth; scores are centred by shift */
    long *rlo, *rhi;
    int qx;                      /* AIPW: outcome-model columns (intercept + covariates) */
    double *xz;                  /* AIPW: (n_t + n_c) x qx row-major, treated first */
} kmatch;

static void kmatch_free(kmatch *m)
{
    free(m->t_unit);
    free(m->c_unit);
    free(m->t_score);
    free(m->c_score);
    free(m->start);
    free(m->pair_c);
    free(m->w);
    free(m->xz);
    free(m->rlo);
    free(m->rhi);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ step 1 */

typedef struct {
    long n, cap;
    long *unit;
    int *k;
    uint8_t *d;
} rows_t;

static int rows_push(rows_t *r, long unit, int k, uint8_t d)
{
    if (r->n == r->cap) {
        long cap = r->cap ? 2 * r->cap : 4096;
        long *u = realloc(r->unit, (size_t)cap * sizeof *u);
        if (u) r->unit = u;
        int *kk = realloc(r->k, (size_t)cap * sizeof *kk);
        if (kk) r->k = kk;
        uint8_t *dd = realloc(r->d, (size_t)cap);
        if (dd) r->d = dd;
        if (!u || !kk || !dd) return -1;
        r->cap = cap;
    }
    r->unit[r->n] = unit;
    r->k[r->n] = k;
    r->d[r->n] = d;
    r->n++;
    return 0;
}

/* 1 treated, 0 control, -1 neither (not at risk, or another type at k). */
static int role_at(const nt_dyn_panel *p, long person, int k, int program)
{
    if (!p->included[person] || k >= p->n_risk || p->n_observed[person] <= k) return -1;
    if (!p->on_index[person * p->n_risk + k]) return -1;
    int tm = p->treat_month[person];
    if (tm >= 0 && tm < k) return -1;
    if (tm != k) return 0;
    return program == 0 || p->treat_type[person] == program ? 1 : -1;
}

typedef struct {
    long n;
    int q;
    double *z;          /* n x q column-major */
    char **term;
    int *bal_col;       /* 1 if a balance column (covariates and history) */
    int *orig;          /* column before drops: 0 intercept, 1..p covariates, then months, history */
} design_t;

static void design_free(design_t *d)
{
    free(d->z);
    for (int j = 0; j < d->q && d->term; j++) free(d->term[j]);
    free(d->term);
    free(d->bal_col);
    free(d->orig);
}


/* Builds the model matrix of the rows, then drops what cannot be fitted:
   constant columns, and indicator columns whose 1-rows are all treated or
   all control (those rows are dropped too: no counterpart exists). Repeats
   until nothing changes. keep[] marks the surviving rows. */
static nt_status build_design(const nt_dyn_panel *p, const long *unit_person, const rows_t *rows, int first,
                              int last, int history, uint8_t *keep, design_t *d, long *dropped, nt_error *err)
{
    long n = rows->n;
    int nk = last - first;   /* month dummies for first+1..last */
    int qmax = 1 + p->p + nk + (history ? 1 : 0);
    d->n = n;
    d->z = malloc((size_t)n * (size_t)qmax * sizeof *d->z);
    d->term = calloc((size_t)qmax, sizeof *d->term);
    d->bal_col = calloc((size_t)qmax, sizeof *d->bal_col);
    d->orig = calloc((size_t)qmax, sizeof *d->orig);
    if (!d->z || !d->term || !d->bal_col || !d->orig) return nt_fail(err, NT_ENOMEM, "out of memory");
    int q = 0;
    char name[600];
    for (int j = 0; j < qmax; j++) {
        double *col = d->z + (size_t)q * (size_t)n;
        int bal = 0;
        if (j == 0) {
            snprintf(name, sizeof name, "(Intercept)");
            for (long i = 0; i < n; i++) col[i] = 1.0;
        } else if (j <= p->p) {
            snprintf(name, sizeof name, "%s", p->term[j - 1]);
            const double *x = p->x + (size_t)(j - 1) * (size_t)p->n;
            for (long i = 0; i < n; i++) col[i] = x[unit_person[rows->unit[i]]];
            bal = 1;
        } else if (j <= p->p + nk) {
            int k = first + (j - p->p);
            snprintf(name, sizeof name, "start_month=%d", k);
            for (long i = 0; i < n; i++) col[i] = rows->k[i] == k;
        } else {
            snprintf(name, sizeof name, "emp_since_inflow");
            for (long i = 0; i < n; i++) col[i] = p->emp_before[unit_person[rows->unit[i]] * p->n_risk + rows->k[i]];
            bal = 1;
        }
        d->term[q] = strdup(name);
        if (!d->term[q]) return nt_fail(err, NT_ENOMEM, "out of memory");
        d->bal_col[q] = bal;
        d->orig[q] = j;
        q++;
    }
    d->q = q;
    for (long i = 0; i < n; i++) keep[i] = 1;
    /* The usual case first, in one read of the design: if no indicator
       column would take rows with it, the sweep below would only drop the
       constant columns, so drop those and skip it. */
    int needs_sweep = 0;
    uint8_t *constant_col = calloc((size_t)d->q, 1);
    if (!constant_col) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int j = 1; j < d->q && !needs_sweep; j++) {
        const double *col = d->z + (size_t)j * (size_t)n;
        int constant = 1, indicator = 1;
        long ones_t = 0, ones_c = 0;
        double v0 = n > 0 ? col[0] : 0;
        for (long i = 0; i < n; i++) {
            double v = col[i];
            constant &= v == v0;
            indicator &= v == 0.0 || v == 1.0;
            if (v == 1.0) { if (rows->d[i]) ones_t++; else ones_c++; }
        }
        constant_col[j] = (uint8_t)constant;
        if (!constant && indicator && (ones_t == 0 || ones_c == 0)) needs_sweep = 1;
    }
    /* Sweep the columns left to right; a sweep that dropped rows may have
       made earlier columns constant, so only then sweep again (dropping a
       constant column changes no other column). Dropped columns are marked
       and compacted once at the end. "0/1" is judged over all the rows. */
    uint8_t *gone = calloc((size_t)d->q, 1);
    if (!gone) { free(constant_col); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    if (!needs_sweep)
        for (int j = 1; j < d->q; j++) gone[j] = constant_col[j];
    free(constant_col);
    int rows_dropped = needs_sweep;
    while (rows_dropped) {
        rows_dropped = 0;
        for (int j = 1; j < d->q; j++) {
            if (gone[j]) continue;
            const double *col = d->z + (size_t)j * (size_t)n;
            double v0 = NAN;
            int constant = 1, indicator = 1;
            long ones_t = 0, ones_c = 0;
            for (long i = 0; i < n; i++) {
                double v = col[i];
                indicator &= v == 0.0 || v == 1.0;
                if (!keep[i]) continue;
                if (v0 != v0) v0 = v;
                else constant &= v == v0;
                if (v == 1.0) { if (rows->d[i]) ones_t++; else ones_c++; }
            }
            int drop_rows = !constant && indicator && (ones_t == 0 || ones_c == 0);
            if (!constant && !drop_rows) continue;
            if (drop_rows) {
                for (long i = 0; i < n; i++)
                    if (keep[i] && col[i] == 1.0) { keep[i] = 0; (*dropped)++; }
                rows_dropped = 1;
            }
            gone[j] = 1;
        }
    }
    int kept = 1;
    for (int j = 1; j < d->q; j++) {
        if (gone[j]) { free(d->term[j]); continue; }
        if (kept != j) {
            memcpy(d->z + (size_t)kept * (size_t)n, d->z + (size_t)j * (size_t)n, (size_t)n * sizeof *d->z);
            d->term[kept] = d->term[j];
            d->bal_col[kept] = d->bal_col[j];
            d->orig[kept] = d->orig[j];
        }
        kept++;
    }
    d->q = kept;
    free(gone);
    return NT_OK;
}

/* ------------------------------------------------------------ balance */

/* Weighted sums for one balance column; variances cobalt-style:
   s^2 = (S_wxx - S_wx^2 / S_w) * S_w / (S_w^2 - S_ww). */
typedef struct { double w, ww, wx, wxx; } moments;

static void mom_add(moments *m, double x, double w)
{
    m->w += w;
    m->ww += w * w;
    m->wx += w * x;
    m->wxx += w * x * x;
}

static double mom_mean(const moments *m) { return m->w > 0 ? m->wx / m->w : NAN; }

static double mom_var(const moments *m)
{
    double den = m->w * m->w - m->ww;
    if (m->w <= 0 || den <= 0) return NAN;
    double ss = m->wxx - m->wx * m->wx / m->w;
    return (ss < 0 ? 0 : ss) * m->w / den;
}

typedef struct { moments t_all, t_matched, c_before, c_after; } bal_acc;

/* The conventions of nt_balance.h (and so of `netto match`), computed in one
   pass so rows pooled over start intervals need not be kept: mean_treated
   is before matching; after matching the treated are the matched ones; SMD
   over the treated SD before matching (ATT), the same denominator before
   and after; variance ratios treated / control. */
static void bal_finish(const bal_acc *a, nt_dyn_balance *b)
{
    double sd = sqrt(mom_var(&a->t_all));
    b->mean_treated = mom_mean(&a->t_all);
    b->mean_treated_after = mom_mean(&a->t_matched);
    b->mean_control_before = mom_mean(&a->c_before);
    b->mean_control_after = mom_mean(&a->c_after);
    b->smd_before = sd > 0 ? (b->mean_treated - b->mean_control_before) / sd : NAN;
    b->smd_after = sd > 0 ? (b->mean_treated_after - b->mean_control_after) / sd : NAN;
    double vc0 = mom_var(&a->c_before), vc1 = mom_var(&a->c_after);
    b->var_ratio_before = vc0 > 0 ? mom_var(&a->t_all) / vc0 : NAN;
    b->var_ratio_after = vc1 > 0 ? mom_var(&a->t_matched) / vc1 : NAN;
}

/* ------------------------------------------------------------ step 3 */

typedef struct {
    int horizon, n_outcomes, months;
    uint8_t *bits_used, *bits_used_fixed; /* horizon x bitset over persons */
    long bitset_bytes;
} path_ctx;

static int bit_set(uint8_t *bits, long i)
{
    uint8_t m = (uint8_t)(1u << (i & 7));
    if (bits[i >> 3] & m) return 0;
    bits[i >> 3] |= m;
    return 1;
}

static long ucount(const long *count, long u) { return count ? count[u] : 1; }

static int observed(const nt_dyn_panel *p, long person, int t)
{
    return t < p->months && p->n_observed[person] > t;
}

/* sigma^2 of the AI variance for the units of one start month at month t,
   every outcome at once (one neighbour search): sigma2[o], buf_y[o] have
   n_t + n_c entries. */
static nt_status ai_sigma2(const nt_dyn_panel *p, const long *unit_person, const kmatch *m, int t, int J,
                           double **sigma2, double *buf_score, uint8_t *buf_d, uint8_t *buf_skip,
                           double **buf_y, nt_error *err)
{
    long n = m->n_t + m->n_c;
    for (long i = 0; i < n; i++) {
        int tr = i < m->n_t;
        long u = tr ? m->t_unit[i] : m->c_unit[i - m->n_t];
        long person = unit_person[u];
        buf_score[i] = tr ? m->t_score[i] : m->c_score[i - m->n_t];
        buf_d[i] = (uint8_t)tr;
        buf_skip[i] = !observed(p, person, t);
        for (int o = 0; o < p->n_outcomes; o++)
            buf_y[o][i] = buf_skip[i] ? 0 : p->outcome[o][person * p->months + t];
    }
    return nt_match_sigma2_many(buf_score, buf_d, NULL, buf_skip, n, J, 0.0, 0.0, p->n_outcomes,
                                (const double *const *)buf_y, sigma2, err);
}

/* Outcome model prediction for row r of the month's AIPW design (0 without one). */
static double mu0(const kmatch *m, long r, const double *beta)
{
    if (!beta) return 0;
    double v = 0;
    const double *x = m->xz + (size_t)r * (size_t)m->qx;
    for (int j = 0; j < m->qx; j++) v += x[j] * beta[j];
    return v;
}

/* OLS of the outcome in month t on the AIPW design over the observed
   controls, by the normal equations (qx is small). A singular X'X gets a
   ridge of 1e-9 x its largest diagonal element, enough for an indicator
   that no observed control has. */
static void ols_controls(const nt_dyn_panel *p, const long *unit_person, const long *count, const kmatch *m, int t,
                         int oc, double *beta)
{
    int q = m->qx;
    gsl_matrix *xtx = gsl_matrix_calloc((size_t)q, (size_t)q);
    gsl_vector *xty = gsl_vector_calloc((size_t)q);
    gsl_vector *b = gsl_vector_alloc((size_t)q);
    if (!xtx || !xty || !b) goto done;
    for (long j = 0; j < m->n_c; j++) {
        long pc = unit_person[m->c_unit[j]];
        if (!observed(p, pc, t)) continue;
        const double *x = m->xz + (size_t)(m->n_t + j) * (size_t)q;
        double y = (double)p->outcome[oc][pc * p->months + t], cw = (double)ucount(count, m->c_unit[j]);
        for (int a = 0; a < q; a++) {
            xty->data[a] += cw * x[a] * y;
            for (int c = 0; c <= a; c++) xtx->data[a * q + c] += cw * x[a] * x[c];
        }
    }
    double maxd = 0;
    for (int a = 0; a < q; a++) {
        for (int c = 0; c < a; c++) xtx->data[c * q + a] = xtx->data[a * q + c];
        if (xtx->data[a * q + a] > maxd) maxd = xtx->data[a * q + a];
    }
    gsl_matrix *work = gsl_matrix_alloc((size_t)q, (size_t)q);
    if (!work) goto done;
    gsl_matrix_memcpy(work, xtx);
    if (gsl_linalg_cholesky_decomp1(work) != GSL_SUCCESS) {
        gsl_matrix_memcpy(work, xtx);
        for (int a = 0; a < q; a++) work->data[a * q + a] += 1e-9 * (maxd > 0 ? maxd : 1);
        if (gsl_linalg_cholesky_decomp1(work) != GSL_SUCCESS) { gsl_matrix_free(work); goto done; }
    }
    if (gsl_linalg_cholesky_solve(work, xty, b) == GSL_SUCCESS)
        for (int a = 0; a < q; a++) beta[a] = b->data[a];
    gsl_matrix_free(work);
done:
    gsl_matrix_free(xtx);
    gsl_vector_free(xty);
    gsl_vector_free(b);
}

/* Range mode: every treated unit's controls are a run of the score-sorted
   controls, so for each month t prefix sums over the observed controls give
   each treated unit's weighted control mean in O(1): O(n_t + n_c) per month
   instead of O(pairs). Kernel weights 1 - ((s_j - s_i)/h)^2 expand into
   sums of 1, s_j and s_j^2 (scores centred by m->shift). */
static nt_status range_paths(const nt_dyn_panel *p, const long *unit_person, const long *count, kmatch *m, int ki,
                             int fixed, path_ctx *ctx, nt_dyn_result *r, nt_error *err)
{
    int H = ctx->horizon, NO = ctx->n_outcomes, k = r->k_month[ki];
    size_t nc1 = (size_t)m->n_c + 1;
    int np = m->epan ? 3 : 1;    /* powers of s kept */
    double *P = malloc(nc1 * (size_t)np * (size_t)(NO + 1) * sizeof *P);
    long *cover = malloc(nc1 * sizeof *cover);
    double *sum = malloc((size_t)NO * sizeof *sum);
    if (!P || !cover || !sum) { free(P); free(cover); free(sum); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    /* P[(q * np + e) * nc1 + j]: q = 0 counts, q = 1 + o outcome o; e = power. */
    for (int tau = 0; tau < H; tau++) {
        int t = k + tau;
        for (int q = 0; q <= NO; q++)
            for (int e = 0; e < np; e++) P[((size_t)q * np + e) * nc1] = 0;
        for (long j = 0; j < m->n_c; j++) {
            long pc = unit_person[m->c_unit[j]];
            int obs = observed(p, pc, t);
            double sj = m->c_score[j] - m->shift, pw[3] = {1, sj, sj * sj};
            double cj = (double)ucount(count, m->c_unit[j]);
            for (int q = 0; q <= NO; q++) {
                double v = !obs ? 0 : q == 0 ? cj : cj * (double)p->outcome[q - 1][pc * p->months + t];
                for (int e = 0; e < np; e++) {
                    double *row = P + ((size_t)q * np + e) * nc1;
                    row[j + 1] = row[j] + v * pw[e];
                }
            }
        }
        long nobs = 0, ncontrib = 0;
        for (int oc = 0; oc < NO; oc++) sum[oc] = 0;
        memset(cover, 0, nc1 * sizeof *cover);
        for (long i = 0; i < m->n_t; i++) {
            long pi = unit_person[m->t_unit[i]], ci = ucount(count, m->t_unit[i]);
            if (!observed(p, pi, t)) continue;
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
            for (int oc = 0; oc < NO; oc++) {
                double num = 0;
                for (int e = 0; e < np; e++) {
                    const double *row = P + ((size_t)(oc + 1) * np + e) * nc1;
                    num += coef[e] * (row[hi] - row[lo]);
                }
                sum[oc] += (double)ci * ((double)p->outcome[oc][pi * p->months + t] - num / den);
            }
            cover[lo]++;
            cover[hi]--;
            ncontrib += ci;
        }
        /* Distinct controls with weight: observed and inside a contributing range. */
        uint8_t *bits = ctx->bits_used + (size_t)tau * (size_t)ctx->bitset_bytes;
        uint8_t *bits_f = ctx->bits_used_fixed + (size_t)tau * (size_t)ctx->bitset_bytes;
        long c = 0;
        for (long j = 0; j < m->n_c; j++) {
            c += cover[j];
            if (c <= 0) continue;
            long pc = unit_person[m->c_unit[j]];
            if (!observed(p, pc, t)) continue;
            if (bit_set(bits, pc)) r->n_control_used[tau]++;
            if (fixed && bit_set(bits_f, pc)) r->n_control_used_fixed[tau]++;
        }
        r->k_contrib[(long)ki * H + tau] = ncontrib;
        r->n_treated[tau] += nobs;
        r->n_treated_matched[tau] += ncontrib;
        if (fixed) { r->n_treated_fixed[tau] += nobs; r->n_treated_matched_fixed[tau] += ncontrib; }
        for (int oc = 0; oc < NO; oc++) {
            long slot = ((long)ki * NO + oc) * H + tau;
            r->k_att[slot] = ncontrib > 0 ? sum[oc] / (double)ncontrib : NAN;
            r->k_se[slot] = NAN;
        }
    }
    free(P);
    free(cover);
    free(sum);
    return NT_OK;
}

/* Effects of one start month for every tau, into r's k slots. */
static nt_status month_paths(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_opts *o, kmatch *m,
                             int ki, int weighting, int fixed, path_ctx *ctx, nt_dyn_result *r, nt_error *err)
{
    int H = ctx->horizon, NO = ctx->n_outcomes;
    int k = r->k_month[ki];
    const long *count = o->unit_count;
    if (m->range_mode) return range_paths(p, unit_person, count, m, ki, fixed, ctx, r, err);
    int do_ai = o->full && o->method == NT_METHOD_NN && !count && ctx->n_outcomes <= 64;
    nt_status status = NT_OK;
    double *K = NULL, *KK = NULL, *bs = NULL;
    double *sig[64] = {0}, *by[64] = {0};   /* per outcome */
    uint8_t *bd = NULL, *bk = NULL;
    if (do_ai) {
        /* The AI variance works on distinct controls: index pairs to them. */
        long n = m->n_t + m->n_c;
        K = calloc((size_t)n + 1, sizeof *K);
        KK = calloc((size_t)n + 1, sizeof *KK);
        for (int oc = 0; oc < NO && oc < 64; oc++) {
            sig[oc] = malloc(((size_t)n + 1) * sizeof **sig);
            by[oc] = malloc(((size_t)n + 1) * sizeof **by);
            if (!sig[oc] || !by[oc]) status = nt_fail(err, NT_ENOMEM, "out of memory");
        }
        bs = malloc(((size_t)n + 1) * sizeof *bs);

        bd = malloc((size_t)n + 1);
        bk = malloc((size_t)n + 1);
        if (status || !K || !KK || !bs || !bd || !bk) { status = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    }
    for (int tau = 0; tau < H && !status; tau++) {
        int t = k + tau;
        long nobs = 0, ncontrib = 0;
        double *sum = calloc((size_t)NO, sizeof *sum);
        double *diffs = do_ai ? malloc(((size_t)m->n_t + 1) * (size_t)NO * sizeof *diffs) : NULL;
        if (!sum || (do_ai && !diffs)) { free(sum); free(diffs); status = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        uint8_t *bits = ctx->bits_used + (size_t)tau * (size_t)ctx->bitset_bytes;
        uint8_t *bits_f = ctx->bits_used_fixed + (size_t)tau * (size_t)ctx->bitset_bytes;
        if (!weighting) {
            if (do_ai) { memset(K, 0, ((size_t)(m->n_t + m->n_c) + 1) * sizeof *K); memset(KK, 0, ((size_t)(m->n_t + m->n_c) + 1) * sizeof *KK); }
            for (long i = 0; i < m->n_t; i++) {
                long pi = unit_person[m->t_unit[i]], ci = ucount(count, m->t_unit[i]);
                if (!observed(p, pi, t)) continue;
                nobs += ci;
                double den = 0;
                for (long a = m->start[i]; a < m->start[i + 1]; a++)
                    if (observed(p, unit_person[m->c_unit[m->pair_c[a]]], t)) den += m->w[a];
                if (den <= 0) continue;
                for (int oc = 0; oc < NO; oc++) {
                    const float *y = p->outcome[oc];
                    double c = 0;
                    for (long a = m->start[i]; a < m->start[i + 1]; a++) {
                        long pc = unit_person[m->c_unit[m->pair_c[a]]];
                        if (observed(p, pc, t)) c += m->w[a] * (double)y[pc * p->months + t];
                    }
                    double dlt = (double)y[pi * p->months + t] - c / den;
                    sum[oc] += (double)ci * dlt;
                    if (do_ai) diffs[ncontrib * NO + oc] = dlt;
                }
                for (long a = m->start[i]; a < m->start[i + 1]; a++) {
                    long pc = unit_person[m->c_unit[m->pair_c[a]]];
                    if (!observed(p, pc, t) || m->w[a] <= 0) continue;
                    if (bit_set(bits, pc)) r->n_control_used[tau]++;
                    if (fixed && bit_set(bits_f, pc)) r->n_control_used_fixed[tau]++;
                    if (do_ai) {
                        long slot = m->n_t + m->pair_c[a];
                        double v = m->w[a] / den;
                        K[slot] += v;
                        KK[slot] += v * v;
                    }
                }
                ncontrib += ci;
            }
        } else {
            /* Weighting: treated mean minus the weighted control mean, both
               over the units observed in month t. AIPW first takes off the
               outcome model mu0 fitted on the observed controls:
               ATT_k = mean_T (y - mu0) - sum_C w (y - mu0) / sum_C w. */
            double wsum = 0;
            double *csum = calloc((size_t)NO, sizeof *csum);
            double *beta = m->xz ? calloc((size_t)NO * (size_t)m->qx, sizeof *beta) : NULL;
            if (!csum || (m->xz && !beta)) { free(csum); free(beta); free(sum); free(diffs); status = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
            for (int oc = 0; oc < NO && m->xz; oc++) ols_controls(p, unit_person, count, m, t, oc, beta + (size_t)oc * m->qx);
            for (long j = 0; j < m->n_c; j++) {
                long pc = unit_person[m->c_unit[j]];
                if (!observed(p, pc, t) || m->w[j] <= 0) continue;
                wsum += m->w[j];
                for (int oc = 0; oc < NO; oc++)
                    csum[oc] += m->w[j] * ((double)p->outcome[oc][pc * p->months + t] -
                                           mu0(m, m->n_t + j, beta ? beta + (size_t)oc * m->qx : NULL));
                if (bit_set(bits, pc)) r->n_control_used[tau]++;
                if (fixed && bit_set(bits_f, pc)) r->n_control_used_fixed[tau]++;
            }
            for (long i = 0; i < m->n_t; i++) {
                long pi = unit_person[m->t_unit[i]], ci = ucount(count, m->t_unit[i]);
                if (!observed(p, pi, t)) continue;
                nobs += ci;
                if (wsum <= 0) continue;
                ncontrib += ci;
                for (int oc = 0; oc < NO; oc++)
                    sum[oc] += (double)ci * ((double)p->outcome[oc][pi * p->months + t] -
                                             mu0(m, i, beta ? beta + (size_t)oc * m->qx : NULL));
            }
            for (int oc = 0; oc < NO && ncontrib > 0; oc++) sum[oc] -= (double)ncontrib * csum[oc] / wsum;
            free(csum);
            free(beta);
        }
        r->k_contrib[(long)ki * H + tau] = ncontrib;
        r->n_treated[tau] += nobs;
        r->n_treated_matched[tau] += ncontrib;
        if (fixed) { r->n_treated_fixed[tau] += nobs; r->n_treated_matched_fixed[tau] += ncontrib; }
        if (do_ai && ncontrib > 0)
            status = ai_sigma2(p, unit_person, m, t, o->ai_neighbors, sig, bs, bd, bk, by, err);
        for (int oc = 0; oc < NO && !status; oc++) {
            long slot = ((long)ki * NO + oc) * H + tau;
            double att = ncontrib > 0 ? sum[oc] / (double)ncontrib : NAN;
            r->k_att[slot] = att;
            r->k_se[slot] = NAN;
            if (!do_ai || ncontrib == 0) continue;
            /* Abadie & Imbens (2006) eq. 14 / Theorem 6 for the ATT at k:
               V = [sum_i (d_i - att)^2 + sum_j (K_j^2 - KK_j) sigma2_j] / N1^2. */
            double v = 0;
            for (long i = 0; i < ncontrib; i++) v += (diffs[i * NO + oc] - att) * (diffs[i * NO + oc] - att);
            for (long j = m->n_t; j < m->n_t + m->n_c; j++)
                if (K[j] > 0 && !isnan(sig[oc][j])) v += (K[j] * K[j] - KK[j]) * sig[oc][j];
            r->k_se[slot] = sqrt(v) / (double)ncontrib;
        }
        free(sum);
        free(diffs);
    }
done:
    free(K);
    free(KK);
    for (int oc = 0; oc < 64; oc++) { free(sig[oc]); free(by[oc]); }
    free(bs);
    free(bd);
    free(bk);
    return status;
}

/* ------------------------------------------------------------ driver */

typedef struct {
    const nt_dyn_panel *p;
    const long *unit_person;
    const nt_dyn_opts *o;
    nt_dyn_result *r;
    path_ctx ctx;
    uint8_t *bits_control;
    bal_acc *pooled;        /* p->p + 1 columns (covariates, history) */
    double cost_sum;
    long cost_n;
} run_t;

typedef struct { long cell; double s; long a; } ckey;

/* First index in [lo, hi) of the sorted keys with (cell, s) not below (cell, v)
   (strict: above). */
static long bound(const ckey *k, long lo, long hi, long cell, double v, int strict)
{
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        int below = k[mid].cell < cell || (k[mid].cell == cell && (strict ? k[mid].s <= v : k[mid].s < v));
        if (below) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Radius and Epanechnikov-kernel matching as ranges over the score-sorted
   controls (see kmatch). The radius is nt_match_radius's: factor x the
   largest 1:1 nearest-neighbour distance within the caliper, |d| <= r; the
   bandwidth nt_match_kernel's: given, or 1.06 sd(control scores) n_c^-1/5,
   |d| < h (the kernel is 0 at |d| = h). */
static nt_status range_match(const nt_dyn_opts *o, const double *score, const uint8_t *tr, const long *cell,
                             long n, const long *unit, double caliper, kmatch *m, double *Kw, nt_error *err)
{
    nt_status s = NT_OK;
    long nc = 0, nt = 0;
    for (long a = 0; a < n; a++) { if (tr[a]) nt++; else nc++; }
    ckey *key = malloc((size_t)(nc + 1) * sizeof *key);
    double *acc = calloc(3 * ((size_t)nc + 1), sizeof *acc);
    m->c_unit = malloc((size_t)(nc + 1) * sizeof *m->c_unit);
    m->c_score = malloc((size_t)(nc + 1) * sizeof *m->c_score);
    m->t_unit = malloc((size_t)(nt + 1) * sizeof *m->t_unit);
    m->t_score = malloc((size_t)(nt + 1) * sizeof *m->t_score);
    m->rlo = malloc((size_t)(nt + 1) * sizeof *m->rlo);
    m->rhi = malloc((size_t)(nt + 1) * sizeof *m->rhi);
    double *den = malloc((size_t)(nt + 1) * sizeof *den);
    if (!key || !acc || !m->c_unit || !m->c_score || !m->t_unit || !m->t_score || !m->rlo || !m->rhi || !den) {
        s = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    long c = 0;
    double mean = 0;
    for (long a = 0; a < n; a++)
        if (!tr[a]) { key[c].cell = cell ? cell[a] : 0; key[c].s = score[a]; key[c].a = a; mean += score[a]; c++; }
    mean = nc ? mean / (double)nc : 0;
    /* Stable radix order by (cell, score); keys are in row order. */
    {
        long *ord = malloc((size_t)(nc + 1) * sizeof *ord);
        double *sc = malloc((size_t)(nc + 1) * sizeof *sc);
        long *cl = malloc((size_t)(nc + 1) * sizeof *cl);
        ckey *sorted = malloc((size_t)(nc + 1) * sizeof *sorted);
        int ok = ord && sc && cl && sorted;
        if (ok) {
            for (long j = 0; j < nc; j++) { sc[j] = key[j].s; cl[j] = key[j].cell; }
            ok = nt_sort_cell_score(nc, cl, sc, ord) == 0;
        }
        if (ok)
            for (long j = 0; j < nc; j++) sorted[j] = key[ord[j]];
        free(ord); free(sc); free(cl);
        if (!ok) { free(sorted); s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        free(key);
        key = sorted;
    }
    m->range_mode = 1;
    m->epan = o->method == NT_METHOD_KERNEL;
    m->shift = mean;
    m->n_c = nc;
    for (long j = 0; j < nc; j++) {
        m->c_unit[j] = unit[key[j].a];
        m->c_score[j] = key[j].s;
    }
    double reach;
    if (!m->epan) {
        nt_match_opts mo;
        nt_match_opts_default(&mo);
        mo.replace = 1;
        mo.caliper = caliper;
        nt_matchset *nn = NULL;
        if ((s = nt_match_nearest(score, tr, cell, NULL, n, 1, &mo, &nn, err))) goto done;
        double dmax = 0;
        for (long a = 0; a < n; a++)
            if (nn->start[a + 1] > nn->start[a]) {
                double d = fabs(score[a] - score[nn->match[nn->start[a]]]);
                if (d > dmax) dmax = d;
            }
        nt_matchset_free(nn);
        reach = o->radius_factor * dmax;
    } else {
        /* Silverman's rule over the controls, copies counted. */
        double sw = 0, swx = 0, ss = 0;
        for (long j = 0; j < nc; j++) {
            double c = (double)ucount(o->unit_count, m->c_unit[j]);
            sw += c;
            swx += c * key[j].s;
        }
        double wmean = sw > 0 ? swx / sw : 0;
        for (long j = 0; j < nc; j++)
            ss += (double)ucount(o->unit_count, m->c_unit[j]) * (key[j].s - wmean) * (key[j].s - wmean);
        reach = o->bandwidth > 0 ? o->bandwidth : sw > 1 ? 1.06 * sqrt(ss / (sw - 1)) * pow(sw, -0.2) : 0;
        if (!(reach > 0)) goto done;   /* no spread: nobody matched */
    }
    m->h = reach;
    for (long a = 0; a < n; a++) {
        Kw[a] = 0;
        if (!tr[a]) continue;
        long cl = cell ? cell[a] : 0;
        long lo = m->epan ? bound(key, 0, nc, cl, score[a] - reach, 1) : bound(key, 0, nc, cl, score[a] - reach, 0);
        long hi = m->epan ? bound(key, lo, nc, cl, score[a] + reach, 0) : bound(key, lo, nc, cl, score[a] + reach, 1);
        if (hi <= lo) continue;
        long i = m->n_t++;
        m->t_unit[i] = unit[a];
        m->t_score[i] = score[a];
        m->rlo[i] = lo;
        m->rhi[i] = hi;
        Kw[a] = 1;
    }
    /* Balance weights of the controls, K_j = sum_i w_ij / sum_j' w_ij', by
       difference arrays over the sorted controls (coefficients of 1, s, s^2). */
    for (long i = 0; i < m->n_t; i++) {
        double co[3] = {1, 0, 0};
        if (m->epan) {
            double si = m->t_score[i] - m->shift, h2 = reach * reach;
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
        den[i] = d;
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
        Kw[key[j].a] = w > 1e-15 ? w : 0;
    }
done:
    free(key);
    free(acc);
    free(den);
    return s;
}

/* Step 2 for one start month: the kmatch of rows idx[0..n) of the interval. */
static nt_status match_month(run_t *R, const rows_t *rows, const design_t *d,
                             const double *eta, const double *e, const long *idx, long n, double caliper,
                             kmatch *m, double *Kw, nt_error *err)
{
    const nt_dyn_opts *o = R->o;
    const nt_dyn_panel *p = R->p;
    nt_status s = NT_OK;
    double *score = malloc((size_t)n * sizeof *score);
    uint8_t *tr = malloc((size_t)n);
    long *cell = p->exact_cell ? malloc((size_t)n * sizeof *cell) : NULL;
    long *slot = malloc((size_t)n * sizeof *slot);
    nt_matchset *ms = NULL;
    if (!score || !tr || !slot || (p->exact_cell && !cell)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    long nt = 0, nc = 0;
    for (long a = 0; a < n; a++) {
        long i = idx[a];
        score[a] = eta[i];
        tr[a] = rows->d[i];
        if (cell) cell[a] = p->exact_cell[R->unit_person[rows->unit[i]]];
        if (tr[a]) nt++; else nc++;
        Kw[a] = 0;
    }
    int weighting = o->method == NT_METHOD_IPW || o->method == NT_METHOD_AIPW;
    long *unit = NULL;
    if (o->method == NT_METHOD_RADIUS || (o->method == NT_METHOD_KERNEL && o->kernel == NT_KERNEL_EPANECHNIKOV)) {
        unit = malloc((size_t)(n ? n : 1) * sizeof *unit);
        if (!unit) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (long a = 0; a < n; a++) unit[a] = rows->unit[idx[a]];
        s = range_match(o, score, tr, cell, n, unit, caliper, m, Kw, err);
        free(unit);
    } else if (!weighting) {
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
        if (s) goto done;
        long nm = 0, np = 0;
        for (long a = 0; a < n; a++)
            if (tr[a] && ms->start[a + 1] > ms->start[a]) { nm++; np += ms->start[a + 1] - ms->start[a]; }
        m->t_unit = malloc((size_t)(nm + 1) * sizeof *m->t_unit);
        m->t_score = malloc((size_t)(nm + 1) * sizeof *m->t_score);
        m->start = malloc((size_t)(nm + 1) * sizeof *m->start);
        m->pair_c = malloc((size_t)(np + 1) * sizeof *m->pair_c);
        m->w = malloc((size_t)(np + 1) * sizeof *m->w);
        m->c_unit = malloc((size_t)(nc + 1) * sizeof *m->c_unit);
        m->c_score = malloc((size_t)(nc + 1) * sizeof *m->c_score);
        if (!m->t_unit || !m->t_score || !m->start || !m->pair_c || !m->w || !m->c_unit || !m->c_score) {
            s = nt_fail(err, NT_ENOMEM, "out of memory");
            goto done;
        }
        for (long a = 0; a < n; a++) slot[a] = -1;
        long ti = 0, pi = 0;
        m->start[0] = 0;
        for (long a = 0; a < n; a++) {
            if (!tr[a] || ms->start[a + 1] == ms->start[a]) continue;
            m->t_unit[ti] = rows->unit[idx[a]];
            m->t_score[ti] = score[a];
            Kw[a] = 1;   /* matched treated: weight 1 in the balance after matching */
            for (long q = ms->start[a]; q < ms->start[a + 1]; q++) {
                long c = ms->match[q];
                if (slot[c] < 0) {
                    slot[c] = m->n_c;
                    m->c_unit[m->n_c] = rows->unit[idx[c]];
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
    } else {
        m->t_unit = malloc((size_t)(nt + 1) * sizeof *m->t_unit);
        m->t_score = malloc((size_t)(nt + 1) * sizeof *m->t_score);
        m->c_unit = malloc((size_t)(nc + 1) * sizeof *m->c_unit);
        m->c_score = malloc((size_t)(nc + 1) * sizeof *m->c_score);
        m->w = malloc((size_t)(nc + 1) * sizeof *m->w);
        if (!m->t_unit || !m->t_score || !m->c_unit || !m->c_score || !m->w) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        /* ATT weights: treated 1, controls e / (1 - e), normalised per month t. */
        for (long a = 0; a < n; a++) {
            long i = idx[a];
            if (tr[a]) {
                m->t_unit[m->n_t] = rows->unit[i];
                m->t_score[m->n_t++] = score[a];
                Kw[a] = 1;
            } else {
                m->c_unit[m->n_c] = rows->unit[i];
                m->c_score[m->n_c] = score[a];
                m->w[m->n_c++] = Kw[a] = e[i] / (1.0 - e[i]) * (double)ucount(o->unit_count, rows->unit[i]);
            }
        }
        if (o->method == NT_METHOD_AIPW) {
            /* Outcome model columns: intercept and the balance columns. */
            int qx = 1;
            for (int j = 0; j < d->q; j++) qx += d->bal_col[j];
            m->qx = qx;
            m->xz = malloc((size_t)(m->n_t + m->n_c) * (size_t)qx * sizeof *m->xz);
            if (!m->xz) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            long ti = 0, ci = 0;
            for (long a = 0; a < n; a++) {
                long row = tr[a] ? ti++ : m->n_t + ci++;
                double *x = m->xz + (size_t)row * (size_t)qx;
                int c = 0;
                x[c++] = 1.0;
                for (int j = 0; j < d->q; j++)
                    if (d->bal_col[j]) x[c++] = d->z[(size_t)j * (size_t)d->n + (size_t)idx[a]];
            }
        }
    }
done:
    nt_matchset_free(ms);
    free(score);
    free(tr);
    free(cell);
    free(slot);
    return s;
}

static nt_status run_interval(run_t *R, int iv_index, int first, int last, long n_units, nt_error *err)
{
    const nt_dyn_panel *p = R->p;
    const nt_dyn_opts *o = R->o;
    nt_dyn_result *r = R->r;
    nt_dyn_interval *iv = &r->interval[iv_index];
    iv->first = first;
    iv->last = last;
    nt_status s = NT_OK;
    rows_t rows = {0};
    design_t d = {0};
    uint8_t *keep = NULL;
    double *zc = NULL, *y = NULL, *fw = NULL, *eta = NULL, *e = NULL, *Kw = NULL;
    long *idx = NULL;
    nt_glm_fit *fit = NULL;
    bal_acc *acc = NULL;

    for (int k = first; k <= last; k++)
        for (long u = 0; u < n_units; u++) {
            int role = role_at(p, R->unit_person[u], k, o->program);
            if (role >= 0 && rows_push(&rows, u, k, (uint8_t)role)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        }
    long n = rows.n;
    keep = malloc((size_t)(n ? n : 1));
    if (!keep) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    if ((s = build_design(p, R->unit_person, &rows, first, last, o->history, keep, &d, &iv->n_rows_dropped, err))) goto done;
    long nk = 0, ntr = 0, wtr = 0, wco = 0;   /* rows; weighted by unit counts */
    for (long i = 0; i < n; i++)
        if (keep[i]) {
            nk++;
            ntr += rows.d[i];
            if (rows.d[i]) wtr += ucount(o->unit_count, rows.unit[i]);
            else wco += ucount(o->unit_count, rows.unit[i]);
        }
    iv->n_rows = nk;
    iv->n_treated_rows = ntr;
    for (int k = first; k <= last; k++) r->k_skipped[k - o->start_first] = 1;
    if (wtr < o->min_cell || wtr == 0 || wco == 0) {
        iv->status = 1;
        snprintf(iv->note, sizeof iv->note, "%ld treated and %ld controls: too few to fit a propensity model", wtr, wco);
        for (int k = first; k <= last; k++) r->k_skipped[k - o->start_first] = wco == 0 && wtr >= o->min_cell ? 2 : 1;
        goto done;
    }
    /* The kept rows, compacted for the fit (the design itself when all are kept). */
    zc = nk < n ? malloc((size_t)nk * (size_t)d.q * sizeof *zc) : NULL;
    y = malloc((size_t)nk * sizeof *y);
    if (o->unit_count && !(fw = malloc((size_t)nk * sizeof *fw))) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    eta = malloc((size_t)n * sizeof *eta);
    e = malloc((size_t)n * sizeof *e);
    if ((nk < n && !zc) || !y || !eta || !e) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int j = 0; j < d.q && zc; j++) {
        long a = 0;
        for (long i = 0; i < n; i++)
            if (keep[i]) zc[(size_t)j * (size_t)nk + (size_t)a++] = d.z[(size_t)j * (size_t)n + (size_t)i];
    }
    for (long i = 0, a = 0; i < n; i++)
        if (keep[i]) {
            if (fw) fw[a] = (double)ucount(o->unit_count, rows.unit[i]);
            y[a++] = rows.d[i];
        }
    nt_glm_opts go;
    nt_glm_opts_default(&go);
    go.check_separation = 1;
    if (o->glm_epsilon > 0) go.epsilon = o->glm_epsilon;
    /* Bootstrap: start from the full-sample model, matched by term name. */
    double *start = NULL;
    if (o->warm && iv_index < o->warm->n_intervals && o->warm->interval[iv_index].beta) {
        const nt_dyn_interval *W = &o->warm->interval[iv_index];
        start = calloc((size_t)d.q, sizeof *start);
        if (!start) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (int j = 0; j < d.q; j++)
            for (int w = 0; w < W->p; w++)
                if (!strcmp(d.term[j], W->term[w])) { start[j] = W->beta[w]; break; }
        go.start = start;
    }
    nt_error ferr;
    int bad = nt_glm_fit_alloc(zc ? zc : d.z, nk, d.q, y, fw, (const char *const *)d.term, &go, &fit, &ferr) != NT_OK;
    free(start);
    if (bad) {
        iv->status = 1;
        snprintf(iv->note, sizeof iv->note, "propensity model failed: %s", ferr.msg);
        for (int k = first; k <= last; k++) r->k_skipped[k - o->start_first] = 3;
        goto done;
    }
    for (long i = 0, a = 0; i < n; i++) {
        eta[i] = keep[i] ? fit->eta[a] : NAN;
        e[i] = keep[i] ? fit->mu[a++] : NAN;
    }
    if (o->trim != NT_TRIM_NONE) {
        /* Support over the model's rows (nt_weight.h); skip = not kept. */
        uint8_t *skip = malloc((size_t)(n ? n : 1));
        double *ek = malloc((size_t)(n ? n : 1) * sizeof *ek);
        if (!skip || !ek) { free(skip); free(ek); s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (long i = 0; i < n; i++) {
            skip[i] = !keep[i];
            ek[i] = keep[i] ? e[i] : 0.5;
        }
        double lo, hi;
        long dt = 0, dc = 0;
        s = nt_support_trim(ek, rows.d, n, o->trim, skip, &lo, &hi, &dt, &dc, err);
        for (long i = 0; i < n; i++) keep[i] = !skip[i];
        free(skip);
        free(ek);
        if (s) goto done;
        iv->n_off_support = dt + dc;
    }
    double caliper = 0;
    if (o->caliper > 0) {
        /* SD of the score over the model's rows on support (copies counted). */
        double s1 = 0, s2 = 0, m = 0;
        for (long i = 0; i < n; i++)
            if (keep[i]) { double c = (double)ucount(o->unit_count, rows.unit[i]); s1 += c * eta[i]; m += c; }
        double mean = m > 0 ? s1 / m : 0;
        for (long i = 0; i < n; i++)
            if (keep[i]) s2 += (double)ucount(o->unit_count, rows.unit[i]) * (eta[i] - mean) * (eta[i] - mean);
        caliper = m > 1 ? o->caliper * sqrt(s2 / (m - 1)) : 0;
    }
    if (o->full) {
        iv->p = d.q;
        iv->term = calloc((size_t)d.q, sizeof *iv->term);
        iv->beta = malloc((size_t)d.q * sizeof *iv->beta);
        iv->se = malloc((size_t)d.q * sizeof *iv->se);
        if (!iv->term || !iv->beta || !iv->se) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (int j = 0; j < d.q; j++) {
            iv->term[j] = strdup(d.term[j]);
            iv->beta[j] = fit->beta[j];
            iv->se[j] = fit->se[j];
            if (!iv->term[j]) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        }
        acc = calloc((size_t)d.q, sizeof *acc);
        if (!acc) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    }
    idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    Kw = malloc((size_t)(n ? n : 1) * sizeof *Kw);
    if (!idx || !Kw) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    /* Rows are in k order: one pass finds each month's block. */
    long pos = 0;
    for (int k = first; k <= last && !s; k++) {
        int ki = k - o->start_first;
        if (o->on_start_month) o->on_start_month(o->progress, k, o->start_first, o->start_last);
        long m = 0, nt = 0, nc = 0;
        long off_support = 0;   /* treated dropped by the column rule or trimming */
        long first_pos = pos;
        long wt = 0;   /* treated copies, for the min_cell rule */
        while (pos < n && rows.k[pos] == k) {
            if (keep[pos]) {
                idx[m++] = pos;
                if (rows.d[pos]) { nt++; wt += ucount(o->unit_count, rows.unit[pos]); }
                else nc++;
            } else if (rows.d[pos]) off_support++;
            pos++;
        }
        r->k_treated[ki] = nt + off_support;
        r->k_controls[ki] = nc;
        r->k_skipped[ki] = wt < o->min_cell || nt == 0 ? 1 : nc == 0 ? 2 : 0;
        if (r->k_skipped[ki]) continue;
        for (long a = 0; a < m; a++)
            if (!rows.d[idx[a]]) bit_set(R->bits_control, R->unit_person[rows.unit[idx[a]]]);
        int fixed = 1;
        for (long a = 0; a < m && fixed; a++)
            if (rows.d[idx[a]] && p->admin_observed[R->unit_person[rows.unit[idx[a]]]] < k + o->horizon) fixed = 0;
        r->k_fixed[ki] = fixed;
        kmatch km = {0};
        s = match_month(R, &rows, &d, eta, e, idx, m, caliper, &km, Kw, err);
        if (!s) {
            r->k_matched[ki] = km.n_t;
            r->n_treated_total += nt;
            iv->n_treated_matched += km.n_t;
            for (long i = 0; i < km.n_t; i++) {
                long person = R->unit_person[km.t_unit[i]];
                double c = p->treat_cost[person];
                if (isnan(c) && o->fallback_cost) c = o->fallback_cost[p->treat_type[person]];
                if (!isnan(c)) { R->cost_sum += c; R->cost_n++; }
            }
            int weighting = o->method == NT_METHOD_IPW || o->method == NT_METHOD_AIPW;
            s = month_paths(p, R->unit_person, o, &km, ki, weighting, fixed, &R->ctx, r, err);
            /* Treated left without a match (caliper, no kernel mass) are not
               in km but still count as treated observed in k + tau. */
            for (long a = 0; a < m && !s && !weighting; a++) {
                if (!rows.d[idx[a]] || Kw[a] > 0) continue;
                long person = R->unit_person[rows.unit[idx[a]]];
                for (int tau = 0; tau < o->horizon && observed(p, person, k + tau); tau++) {
                    r->n_treated[tau]++;
                    if (fixed) r->n_treated_fixed[tau]++;
                }
            }
            /* So are treated taken off support (column rule, trimming). */
            for (long q = first_pos; q < pos && !s; q++) {
                if (!rows.d[q] || keep[q]) continue;
                long person = R->unit_person[rows.unit[q]];
                for (int tau = 0; tau < o->horizon && observed(p, person, k + tau); tau++) {
                    r->n_treated[tau]++;
                    if (fixed) r->n_treated_fixed[tau]++;
                }
            }
        }
        if (!s && acc) {
            for (long a = 0; a < m; a++) {
                long i = idx[a];
                for (int j = 0; j < d.q; j++) {
                    if (!d.bal_col[j]) continue;
                    double x = d.z[(size_t)j * (size_t)n + (size_t)i];
                    int pj = d.orig[j] <= p->p ? d.orig[j] - 1 : p->p;  /* pooled slot */
                    if (rows.d[i]) {
                        mom_add(&acc[j].t_all, x, 1);
                        mom_add(&R->pooled[pj].t_all, x, 1);
                        if (Kw[a] > 0) { mom_add(&acc[j].t_matched, x, 1); mom_add(&R->pooled[pj].t_matched, x, 1); }
                    } else {
                        mom_add(&acc[j].c_before, x, 1);
                        mom_add(&R->pooled[pj].c_before, x, 1);
                        if (Kw[a] > 0) { mom_add(&acc[j].c_after, x, Kw[a]); mom_add(&R->pooled[pj].c_after, x, Kw[a]); }
                    }
                }
            }
        }
        kmatch_free(&km);
    }
    if (!s && acc) {
        int nb = 0;
        for (int j = 0; j < d.q; j++) nb += d.bal_col[j];
        iv->bal_term = calloc((size_t)(nb ? nb : 1), sizeof *iv->bal_term);
        iv->bal = calloc((size_t)(nb ? nb : 1), sizeof *iv->bal);
        if (!iv->bal_term || !iv->bal) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (int j = 0; j < d.q; j++) {
            if (!d.bal_col[j]) continue;
            iv->bal_term[iv->n_bal] = strdup(d.term[j]);
            if (!iv->bal_term[iv->n_bal]) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            bal_finish(&acc[j], &iv->bal[iv->n_bal]);
            iv->n_bal++;
        }
    }
done:
    free(rows.unit);
    free(rows.k);
    free(rows.d);
    design_free(&d);
    free(keep);
    free(zc);
    free(y);
    free(fw);
    free(eta);
    free(e);
    free(idx);
    free(Kw);
    free(acc);
    nt_glm_fit_free(fit);
    return s;
}

static void combine(nt_dyn_result *r, const int *use_k, double *att)
{
    int H = r->horizon, NO = r->n_outcomes;
    for (int oc = 0; oc < NO; oc++)
        for (int tau = 0; tau < H; tau++) {
            double num = 0;
            long den = 0;
            for (int ki = 0; ki < r->n_k; ki++) {
                long c = r->k_contrib[(long)ki * H + tau];
                if (!use_k[ki] || c == 0) continue;
                num += (double)c * r->k_att[((long)ki * NO + oc) * H + tau];
                den += c;
            }
            att[oc * H + tau] = den > 0 ? num / (double)den : NAN;
        }
}

nt_status nt_dyn_estimate(const nt_dyn_panel *p, const long *unit_person, long n_units,
                          const nt_dyn_opts *o, nt_dyn_result **out, nt_error *err)
{
    if (o->start_first < 0 || o->start_last < o->start_first || o->start_interval < 1 || o->horizon < 1)
        return nt_fail(err, NT_EUSAGE, "start months, interval and horizon must be positive and ordered");
    if (o->start_last >= p->n_risk)
        return nt_fail(err, NT_EINPUT, "start month %d is past the %d months loaded", o->start_last, p->n_risk);
    nt_status s = NT_OK;
    int H = o->horizon, NO = p->n_outcomes, NK = o->start_last - o->start_first + 1;
    nt_dyn_result *r = calloc(1, sizeof *r);
    run_t R = {.p = p, .unit_person = unit_person, .o = o, .r = r};
    if (!r) return nt_fail(err, NT_ENOMEM, "out of memory");
    r->horizon = H;
    r->n_outcomes = NO;
    r->n_k = NK;
    r->n_intervals = (NK + o->start_interval - 1) / o->start_interval;
    size_t hs = (size_t)H, os = (size_t)NO * hs, ks = (size_t)NK;
    r->att = malloc(os * sizeof *r->att);
    r->att_fixed = malloc(os * sizeof *r->att_fixed);
    r->n_treated = calloc(hs, sizeof(long));
    r->n_treated_matched = calloc(hs, sizeof(long));
    r->n_control_used = calloc(hs, sizeof(long));
    r->n_treated_fixed = calloc(hs, sizeof(long));
    r->n_treated_matched_fixed = calloc(hs, sizeof(long));
    r->n_control_used_fixed = calloc(hs, sizeof(long));
    r->k_month = malloc(ks * sizeof *r->k_month);
    r->k_treated = calloc(ks, sizeof(long));
    r->k_controls = calloc(ks, sizeof(long));
    r->k_matched = calloc(ks, sizeof(long));
    r->k_skipped = calloc(ks, sizeof(int));
    r->k_fixed = calloc(ks, sizeof(int));
    r->k_att = malloc(ks * os * sizeof *r->k_att);
    r->k_se = malloc(ks * os * sizeof *r->k_se);
    r->k_contrib = calloc(ks * hs, sizeof(long));
    r->interval = calloc((size_t)r->n_intervals, sizeof *r->interval);
    R.ctx.horizon = H;
    R.ctx.n_outcomes = NO;
    R.ctx.months = p->months;
    R.ctx.bitset_bytes = p->n / 8 + 1;
    R.ctx.bits_used = calloc(hs * (size_t)R.ctx.bitset_bytes, 1);
    R.ctx.bits_used_fixed = calloc(hs * (size_t)R.ctx.bitset_bytes, 1);
    R.bits_control = calloc((size_t)R.ctx.bitset_bytes, 1);
    R.pooled = o->full ? calloc((size_t)p->p + 1, sizeof *R.pooled) : NULL;
    if (!r->att || !r->att_fixed || !r->n_treated || !r->n_treated_matched || !r->n_control_used ||
        !r->n_treated_fixed || !r->n_treated_matched_fixed || !r->n_control_used_fixed || !r->k_month ||
        !r->k_treated || !r->k_controls || !r->k_matched || !r->k_skipped || !r->k_fixed || !r->k_att ||
        !r->k_se || !r->k_contrib || !r->interval || !R.ctx.bits_used || !R.ctx.bits_used_fixed ||
        !R.bits_control || (o->full && !R.pooled)) {
        s = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < ks * os; i++) r->k_att[i] = r->k_se[i] = NAN;
    for (int ki = 0; ki < NK; ki++) r->k_month[ki] = o->start_first + ki;
    for (int iv = 0; iv < r->n_intervals && !s; iv++) {
        int first = o->start_first + iv * o->start_interval;
        int last = first + o->start_interval - 1;
        if (last > o->start_last) last = o->start_last;
        s = run_interval(&R, iv, first, last, n_units, err);
    }
    if (s) goto done;
    int *use = malloc(ks * sizeof *use), *use_fixed = malloc(ks * sizeof *use_fixed);
    if (!use || !use_fixed) { free(use); free(use_fixed); s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int ki = 0; ki < NK; ki++) {
        use[ki] = r->k_skipped[ki] == 0;
        use_fixed[ki] = use[ki] && r->k_fixed[ki];
        r->n_skipped += !use[ki];
    }
    combine(r, use, r->att);
    combine(r, use_fixed, r->att_fixed);
    free(use);
    free(use_fixed);
    for (long b = 0; b < R.ctx.bitset_bytes; b++) r->n_control += __builtin_popcount(R.bits_control[b]);
    r->cost_mean = R.cost_n > 0 ? R.cost_sum / (double)R.cost_n : NAN;
    r->n_cost_known = R.cost_n;
    if (o->full) {
        r->bal_term = calloc((size_t)p->p + 1, sizeof *r->bal_term);
        r->bal = calloc((size_t)p->p + 1, sizeof *r->bal);
        if (!r->bal_term || !r->bal) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (int j = 0; j <= p->p; j++) {
            if (R.pooled[j].t_all.w <= 0 && R.pooled[j].c_before.w <= 0) continue;
            r->bal_term[r->n_bal] = strdup(j < p->p ? p->term[j] : "emp_since_inflow");
            if (!r->bal_term[r->n_bal]) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            bal_finish(&R.pooled[j], &r->bal[r->n_bal]);
            r->n_bal++;
        }
    }
done:
    free(R.ctx.bits_used);
    free(R.ctx.bits_used_fixed);
    free(R.bits_control);
    free(R.pooled);
    if (s) { nt_dyn_result_free(r); return s; }
    *out = r;
    return NT_OK;
}
