/* Dynamic (timing-aware) matching and weighting over elapsed benefit
   duration; see nt_dynamic.h for the estimand. The entry point and the
   work per start interval:
     1. the (unit, k) rows and the design (nt_dyn_rows.c), the logit fit
        (nt_glm), common support (nt_weight) and the caliper
          caliper = c x sd(eta) over the model's rows on support
        (eta the logit score, copies counted);
     2. per start month k: matching or weights (nt_dyn_match.c);
     3. per month tau since start: ATT_k(tau), then the weighted combination
        over k (nt_dyn_paths.c);
     4. balance per interval and pooled over intervals (nt_balance_acc:
        treated before, matched treated, controls before, controls weighted
        by their matches' total weight).
   Intervals and start months run in order, each writing its own slots, so
   the result does not depend on the thread count. */
#include "estimators/nt_dynamic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_stats.h"
#include "estimators/nt_weight.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory")

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
    o->adjust_per_col = 10;
    o->kernel = NT_KERNEL_EPANECHNIKOV;
    o->ai_neighbors = 2;
    o->min_treated = 10;
    o->pool_sparse = 1;
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
    free(r->k_wcontrib);
    free(r->k_control_used);
    free(r->k_control_w2);
    free(r->k_control_wmax);
    free(r->k_dom);
    free(r->wtail_n);
    free(r->wtail_ess);
    free(r->wtail_top);
    nt_dyn_result_free(r->fx);
    for (int i = 0; i < r->n_intervals && r->interval; i++) interval_free(&r->interval[i]);
    free(r->interval);
    for (int j = 0; j < r->n_bal && r->bal_term; j++) free(r->bal_term[j]);
    free(r->bal_term);
    free(r->bal);
    free(r);
}

/* ------------------------------------------------------------ intervals */

typedef struct {
    const nt_dyn_panel *p;
    const long *unit_person;
    const nt_dyn_opts *o;
    nt_dyn_result *r;
    nt_dyn_paths ctx;
    uint8_t *bits_control;
    nt_balance_acc *pooled;   /* p->p + 1 columns (covariates, history) */
    double cost_sum;
    long cost_n;
} run_t;

/* One start interval's working state. */
typedef struct {
    int index, first, last;
    nt_dyn_interval *iv;
    nt_dyn_rows rows;
    nt_dyn_design d;
    uint8_t *keep;
    double *eta, *e, *Kw;
    long *idx;
    double caliper;
    nt_balance_acc *acc;      /* full run: per design column */
} interval_t;

static void work_free(interval_t *I)
{
    nt_dyn_rows_free(&I->rows);
    nt_dyn_design_free(&I->d);
    free(I->keep);
    free(I->eta);
    free(I->e);
    free(I->Kw);
    free(I->idx);
    free(I->acc);
}

/* The rows and design of the interval; *skip = 1 when too few treated (or
   no controls) are left to fit a model. */
static nt_status interval_rows(run_t *R, interval_t *I, long n_units, int *skip, nt_error *err)
{
    const nt_dyn_opts *o = R->o;
    nt_dyn_result *r = R->r;
    nt_dyn_interval *iv = I->iv;
    for (int k = I->first; k <= I->last; k++) {
        long k0 = I->rows.n, any = 0;
        for (long u = 0; u < n_units; u++) {
            int role = nt_dyn_role(R->p, R->unit_person[u], k, o->program);
            if (role >= 0 && nt_dyn_rows_push(&I->rows, u, k, (uint8_t)role)) return NOMEM(err);
            if (role == 1) r->n_participants += nt_dyn_ucount(o->unit_count, u);
            any += role == 1;
        }
        /* A month without treated has nothing to estimate, and as the
           model's reference month (no dummy) its controls would separate
           the logit: its rows stay out (the column rule would drop them
           with their dummy anyway). */
        if (!any) I->rows.n = k0;
    }
    long n = I->rows.n;
    I->keep = malloc((size_t)(n ? n : 1));
    if (!I->keep) return NOMEM(err);
    /* the reference month: the first with rows */
    nt_status s = nt_dyn_design_build(R->p, R->unit_person, &I->rows, n ? I->rows.k[0] : I->first, I->last,
                                      o->history, I->keep, &I->d, &iv->n_rows_dropped, err);
    if (s) return s;
    long nk = 0, ntr = 0, wtr = 0, wco = 0;   /* rows; weighted by unit counts */
    for (long i = 0; i < n; i++)
        if (I->keep[i]) {
            nk++;
            ntr += I->rows.d[i];
            if (I->rows.d[i]) wtr += nt_dyn_ucount(o->unit_count, I->rows.unit[i]);
            else wco += nt_dyn_ucount(o->unit_count, I->rows.unit[i]);
        }
    iv->n_rows = nk;
    iv->n_treated_rows = ntr;
    for (int k = I->first; k <= I->last; k++) r->k_skipped[k - o->start_first] = 1;
    *skip = wtr < o->min_treated || wtr == 0 || wco == 0;
    if (*skip) {
        iv->status = 1;
        snprintf(iv->note, sizeof iv->note, "%ld treated and %ld controls: too few to fit a propensity model",
                 wtr, wco);
        for (int k = I->first; k <= I->last; k++)
            r->k_skipped[k - o->start_first] = wco == 0 && wtr >= o->min_treated ? 2 : 1;
    }
    return NT_OK;
}

/* The logit on the kept rows (compacted when some are dropped), started
   from the warm result's model of the same interval, matched by term name.
   Fills eta and e (NaN off the kept rows); *failed = 1 with the note set
   when the fit fails. */
static nt_status interval_logit(run_t *R, interval_t *I, nt_glm_fit **fit, int *failed, nt_error *err)
{
    const nt_dyn_opts *o = R->o;
    const nt_dyn_design *d = &I->d;
    long n = I->rows.n, nk = I->iv->n_rows;
    nt_status s = NT_OK;
    double *zc = nk < n ? malloc((size_t)nk * (size_t)d->q * sizeof *zc) : NULL;
    double *y = malloc((size_t)(nk ? nk : 1) * sizeof *y), *fw = NULL, *start = NULL;
    if (o->unit_count) fw = malloc((size_t)(nk ? nk : 1) * sizeof *fw);
    I->eta = malloc((size_t)(n ? n : 1) * sizeof *I->eta);
    I->e = malloc((size_t)(n ? n : 1) * sizeof *I->e);
    if ((nk < n && !zc) || !y || (o->unit_count && !fw) || !I->eta || !I->e) { s = NOMEM(err); goto done; }
    for (int j = 0; j < d->q && zc; j++) {
        long a = 0;
        for (long i = 0; i < n; i++)
            if (I->keep[i]) zc[(size_t)j * (size_t)nk + (size_t)a++] = d->z[(size_t)j * (size_t)n + (size_t)i];
    }
    for (long i = 0, a = 0; i < n; i++)
        if (I->keep[i]) {
            if (fw) fw[a] = (double)nt_dyn_ucount(o->unit_count, I->rows.unit[i]);
            y[a++] = I->rows.d[i];
        }
    nt_glm_opts go;
    nt_glm_opts_default(&go);
    go.check_separation = 1;
    if (o->glm_epsilon > 0) go.epsilon = o->glm_epsilon;
    const nt_dyn_interval *W = NULL;   /* the warm model covering the interval's first month */
    for (int w = 0; o->warm && w < o->warm->n_intervals && !W; w++)
        if (o->warm->interval[w].beta && o->warm->interval[w].first <= I->first && I->first <= o->warm->interval[w].last)
            W = &o->warm->interval[w];
    if (W) {
        start = calloc((size_t)d->q, sizeof *start);
        if (!start) { s = NOMEM(err); goto done; }
        for (int j = 0; j < d->q; j++)
            for (int w = 0; w < W->p; w++)
                if (!strcmp(d->term[j], W->term[w])) { start[j] = W->beta[w]; break; }
        go.start = start;
    }
    nt_error ferr;
    nt_status gs = nt_glm_fit_alloc(zc ? zc : d->z, nk, d->q, y, fw, (const char *const *)d->term, &go, fit, &ferr);
    if (gs == NT_ENOMEM) {   /* not a model that failed: the run cannot go on */
        s = nt_fail(err, NT_ENOMEM, "out of memory fitting the propensity model");
        goto done;
    }
    if (gs == NT_ENUMERIC || gs == NT_EINPUT) {
        /* Separation (also a reference level on one side only, which the
           plain fit's check rejects) or no convergence: Firth's penalised
           logit (issue 14), so that the interval's start months are not
           dropped. */
        nt_error e2;
        nt_status fs = nt_glm_firth_alloc(zc ? zc : d->z, nk, d->q, y, fw, fit, &e2);
        if (fs == NT_ENOMEM) { s = nt_fail(err, NT_ENOMEM, "out of memory fitting the propensity model"); goto done; }
        if (fs == NT_OK) {
            gs = NT_OK;
            I->iv->firth = 1;
            snprintf(I->iv->note, sizeof I->iv->note, "Firth-penalised logit: the plain logit failed: %s", ferr.msg);
        }
    }
    if (gs != NT_OK) {
        *failed = 1;
        I->iv->status = 1;
        snprintf(I->iv->note, sizeof I->iv->note, "propensity model failed: %s", ferr.msg);
        for (int k = I->first; k <= I->last; k++) R->r->k_skipped[k - o->start_first] = 3;
        goto done;
    }
    for (long i = 0, a = 0; i < n; i++) {
        I->eta[i] = I->keep[i] ? (*fit)->eta[a] : NAN;
        I->e[i] = I->keep[i] ? (*fit)->mu[a++] : NAN;
    }
done:
    free(zc);
    free(y);
    free(fw);
    free(start);
    return s;
}

/* After a failed fit: drops the design columns (never the intercept) that
   are linear combinations of earlier ones over the kept rows (modified
   Gram-Schmidt, relative residual norm below 1e-9, R's aliasing rule in
   spirit: their coefficients would be NA, the fitted scores are the
   same); returns how many, -1 out of memory. */
static int drop_aliased(interval_t *I)
{
    nt_dyn_design *d = &I->d;
    long n = I->rows.n, nk = 0;
    for (long i = 0; i < n; i++) nk += I->keep[i];
    double *Qm = malloc(((size_t)d->q * (size_t)nk + 1) * sizeof *Qm);
    if (!Qm) return -1;
    int r = 0, kept = 0;
    for (int j = 0; j < d->q; j++) {
        double *v = Qm + (size_t)r * (size_t)nk, n0 = 0, n1 = 0;
        for (long i = 0, a = 0; i < n; i++)
            if (I->keep[i]) v[a++] = d->z[(size_t)j * (size_t)n + (size_t)i];
        for (long a = 0; a < nk; a++) n0 += v[a] * v[a];
        for (int b = 0; b < r; b++) {
            const double *u = Qm + (size_t)b * (size_t)nk;
            double c = 0;
            for (long a = 0; a < nk; a++) c += u[a] * v[a];
            for (long a = 0; a < nk; a++) v[a] -= c * u[a];
        }
        for (long a = 0; a < nk; a++) n1 += v[a] * v[a];
        if (j > 0 && !(n1 > 1e-18 * n0)) { free(d->term[j]); continue; }   /* aliased */
        for (long a = 0; a < nk && n1 > 0; a++) v[a] /= sqrt(n1);
        r++;
        if (kept != j) {
            memmove(d->z + (size_t)kept * (size_t)n, d->z + (size_t)j * (size_t)n, (size_t)n * sizeof *d->z);
            d->term[kept] = d->term[j];
            d->bal_col[kept] = d->bal_col[j];
            d->orig[kept] = d->orig[j];
        }
        kept++;
    }
    free(Qm);
    int dropped = d->q - kept;
    d->q = kept;
    return dropped;
}

/* Common support over the model's rows (nt_weight.h) and the caliper in
   score units: c x sd(eta) over the rows on support, copies counted. */
static nt_status interval_support(run_t *R, interval_t *I, nt_error *err)
{
    const nt_dyn_opts *o = R->o;
    long n = I->rows.n;
    if (o->trim != NT_TRIM_NONE) {
        uint8_t *skip = malloc((size_t)(n ? n : 1));
        double *ek = malloc((size_t)(n ? n : 1) * sizeof *ek);
        if (!skip || !ek) { free(skip); free(ek); return NOMEM(err); }
        for (long i = 0; i < n; i++) {
            skip[i] = !I->keep[i];
            ek[i] = I->keep[i] ? I->e[i] : 0.5;
        }
        double lo, hi;
        long dt = 0, dc = 0;
        nt_status s = nt_support_trim(ek, I->rows.d, n, o->trim, skip, &lo, &hi, &dt, &dc, err);
        for (long i = 0; i < n; i++) I->keep[i] = !skip[i];
        free(skip);
        free(ek);
        if (s) return s;
        I->iv->n_off_support = dt + dc;
    }
    I->caliper = 0;
    if (o->caliper > 0) {
        double s1 = 0, s2 = 0, m = 0;
        for (long i = 0; i < n; i++)
            if (I->keep[i]) {
                double c = (double)nt_dyn_ucount(o->unit_count, I->rows.unit[i]);
                s1 += c * I->eta[i];
                m += c;
            }
        double mean = m > 0 ? s1 / m : 0;
        for (long i = 0; i < n; i++)
            if (I->keep[i])
                s2 += (double)nt_dyn_ucount(o->unit_count, I->rows.unit[i]) * (I->eta[i] - mean) * (I->eta[i] - mean);
        I->caliper = m > 1 ? o->caliper * sqrt(s2 / (m - 1)) : 0;
    }
    return NT_OK;
}

/* Full run: the logit scores of the rows on support, binned (overlap). */
static void score_hist(interval_t *I)
{
    for (long i = 0; i < I->rows.n; i++) {
        if (!I->keep[i] || isnan(I->eta[i])) continue;
        double b = floor((I->eta[i] - NT_DYN_SCORE_LO) / NT_DYN_SCORE_WIDTH);
        int bin = b < 0 ? 0 : b >= NT_DYN_SCORE_BINS ? NT_DYN_SCORE_BINS - 1 : (int)b;
        I->iv->score_hist[I->rows.d[i] ? 1 : 0][bin]++;
    }
}

/* Full run: the model's terms and coefficients into the interval. */
static nt_status interval_model(interval_t *I, const nt_glm_fit *fit, nt_error *err)
{
    nt_dyn_interval *iv = I->iv;
    int q = I->d.q;
    iv->p = q;
    iv->term = calloc((size_t)q, sizeof *iv->term);
    iv->beta = malloc((size_t)q * sizeof *iv->beta);
    iv->se = malloc((size_t)q * sizeof *iv->se);
    I->acc = calloc((size_t)q, sizeof *I->acc);
    if (!iv->term || !iv->beta || !iv->se || !I->acc) return NOMEM(err);
    for (int j = 0; j < q; j++) {
        iv->term[j] = strdup(I->d.term[j]);
        iv->beta[j] = fit->beta[j];
        iv->se[j] = fit->se[j];
        if (!iv->term[j]) return NOMEM(err);
    }
    return NT_OK;
}

/* A treated person outside km (unmatched, or taken off support) still
   counts as treated observed in k + tau. */
static void count_treated(run_t *R, long person, int k)
{
    int fixed = nt_dyn_fixed_person(R->p, person, k, R->o->horizon);
    for (int tau = 0; tau < R->o->horizon && nt_dyn_observed(R->p, person, nt_dyn_month_t(R->p, k, tau)); tau++) {
        R->r->n_treated[tau]++;
        if (fixed) R->r->n_treated_fixed[tau]++;
    }
}

/* Balance sums of the month's rows idx[0..m) into the interval's and the
   pooled accumulators. */
static void month_balance(run_t *R, interval_t *I, long m)
{
    const nt_dyn_design *d = &I->d;
    for (long a = 0; a < m; a++) {
        long i = I->idx[a];
        for (int j = 0; j < d->q; j++) {
            if (!d->bal_col[j]) continue;
            double x = d->z[(size_t)j * (size_t)d->n + (size_t)i];
            int pj = d->orig[j] <= R->p->p ? d->orig[j] - 1 : R->p->p;  /* pooled slot */
            nt_balance_acc_add(&I->acc[j], x, I->rows.d[i], I->Kw[a]);
            nt_balance_acc_add(&R->pooled[pj], x, I->rows.d[i], I->Kw[a]);
        }
    }
}

/* Start month k: its rows from *pos on (rows are in k order), matching,
   paths and balance. */
static nt_status interval_month(run_t *R, interval_t *I, int k, long *pos, nt_error *err)
{
    const nt_dyn_panel *p = R->p;
    const nt_dyn_opts *o = R->o;
    nt_dyn_result *r = R->r;
    const nt_dyn_rows *rows = &I->rows;
    int ki = k - o->start_first;
    if (o->on_start_month) o->on_start_month(o->progress, k, o->start_first, o->start_last);
    long m = 0, nt = 0, nc = 0, wt = 0;   /* wt: treated copies, for the min_treated rule */
    long off_support = 0;                 /* treated dropped by the column rule or trimming */
    long first_pos = *pos;
    while (*pos < rows->n && rows->k[*pos] == k) {
        long q = (*pos)++;
        if (I->keep[q]) {
            I->idx[m++] = q;
            if (rows->d[q]) { nt++; wt += nt_dyn_ucount(o->unit_count, rows->unit[q]); }
            else nc++;
        } else if (rows->d[q]) off_support++;
    }
    r->k_treated[ki] = nt + off_support;
    r->k_controls[ki] = nc;
    /* pool_sparse: the month's score comes from its interval's (pooled)
       model, so any treated with a control is estimated within k */
    r->k_skipped[ki] = (!o->pool_sparse && wt < o->min_treated) || nt == 0 ? 1 : nc == 0 ? 2 : 0;
    if (r->k_skipped[ki]) return NT_OK;
    for (long a = 0; a < m; a++)
        if (!rows->d[I->idx[a]]) nt_dyn_bit_set(R->bits_control, R->unit_person[rows->unit[I->idx[a]]]);
    int fixed = 0;
    nt_dyn_kmatch km = {0};
    nt_dyn_month mo = {.p = p, .unit_person = R->unit_person, .o = o, .rows = rows, .d = &I->d,
                       .eta = I->eta, .e = I->e, .idx = I->idx, .n = m, .caliper = I->caliper};
    nt_status s = nt_dyn_match_month(&mo, &km, I->Kw, err);
    if (!s) {
        r->k_matched[ki] = km.n_t;
        r->n_treated_total += nt;
        I->iv->n_treated_matched += km.n_t;
        for (long i = 0; i < km.n_t; i++) {
            long person = R->unit_person[km.t_unit[i]];
            double c = p->treat_cost[person];
            if (isnan(c) && o->fallback_cost) c = o->fallback_cost[p->treat_type[person]];
            if (isnan(c)) continue;
            R->cost_sum += c;
            R->cost_n++;
            if (c > r->cost_top[0]) { r->cost_top[1] = r->cost_top[0]; r->cost_top[0] = c; }
            else if (c > r->cost_top[1]) r->cost_top[1] = c;
        }
        fixed = r->k_fixed[ki] = nt_dyn_fixed_all(p, R->unit_person, &km, k, o->horizon);
        s = nt_dyn_month_paths(p, R->unit_person, o, &km, ki, fixed, &R->ctx, r, err);
        if (!s) s = nt_dyn_fixed_paths(p, R->unit_person, o, &km, ki, fixed, &R->ctx, r, err);
        if (!s && o->pairs && !nt_dyn_weighting(o)) s = nt_dyn_pairs_add(o->pairs, &km, R->unit_person, k, err);
        if (!s && o->kw) s = nt_dyn_kw_add(o->kw, p, R->unit_person, o->unit_count, &km, nt_dyn_weighting(o), k, err);
        /* Treated left without a match (caliper, no kernel mass) are not in
           km; neither are treated taken off support (column rule, trimming)
           nor, weighting within exact cells, treated whose cell has no
           control (plain weighting keeps every treated: Kw = 1). */
        for (long a = 0; a < m && !s; a++)
            if (rows->d[I->idx[a]] && !(I->Kw[a] > 0))
                count_treated(R, R->unit_person[rows->unit[I->idx[a]]], k);
        for (long q = first_pos; q < *pos && !s; q++)
            if (rows->d[q] && !I->keep[q]) count_treated(R, R->unit_person[rows->unit[q]], k);
    }
    if (!s && I->acc) month_balance(R, I, m);
    nt_dyn_kmatch_free(&km);
    return s;
}

/* Balance rows of the interval's covariate and history columns. */
static nt_status interval_balance(interval_t *I, nt_error *err)
{
    nt_dyn_interval *iv = I->iv;
    const nt_dyn_design *d = &I->d;
    int nb = 0;
    for (int j = 0; j < d->q; j++) nb += d->bal_col[j];
    iv->bal_term = calloc((size_t)(nb ? nb : 1), sizeof *iv->bal_term);
    iv->bal = calloc((size_t)(nb ? nb : 1), sizeof *iv->bal);
    if (!iv->bal_term || !iv->bal) return NOMEM(err);
    for (int j = 0; j < d->q; j++) {
        if (!d->bal_col[j]) continue;
        iv->bal_term[iv->n_bal] = strdup(d->term[j]);
        if (!iv->bal_term[iv->n_bal]) return NOMEM(err);
        nt_balance_acc_row(&I->acc[j], &iv->bal[iv->n_bal]);
        nt_balance_acc_dominance(&I->acc[j], I->last - I->first + 1, &iv->bal[iv->n_bal]);
        iv->n_bal++;
    }
    return NT_OK;
}

static nt_status run_interval(run_t *R, int index, int first, int last, long n_units, nt_error *err)
{
    interval_t I = {.index = index, .first = first, .last = last, .iv = &R->r->interval[index]};
    I.iv->first = first;
    I.iv->last = last;
    nt_glm_fit *fit = NULL;
    int skip = 0;
    nt_status s = interval_rows(R, &I, n_units, &skip, err);
    if (!s && !skip) s = interval_logit(R, &I, &fit, &skip, err);
    if (!s && skip && I.iv->status && strncmp(I.iv->note, "propensity model failed", 23) == 0) {
        /* both fits failed: collinear columns? drop them and fit again */
        int da = drop_aliased(&I);
        if (da < 0) s = NOMEM(err);
        if (da > 0) {
            nt_glm_fit_free(fit);
            fit = NULL;
            free(I.eta);
            free(I.e);
            I.eta = I.e = NULL;
            I.iv->status = 0;
            I.iv->note[0] = 0;
            skip = 0;
            s = interval_logit(R, &I, &fit, &skip, err);
        }
    }
    uint8_t *fit_keep = NULL;   /* the logit's rows, before trimming (linearisation) */
    R->ctx.design = &I.d;
    if (!s && !skip && R->o->lin && nt_dyn_weighting(R->o)) {
        size_t ng = 2 * (size_t)R->p->n_outcomes * (size_t)R->o->horizon * (size_t)I.d.q;
        fit_keep = malloc((size_t)I.rows.n + 1);
        R->ctx.G = calloc(ng + 1, sizeof *R->ctx.G);
        if (!fit_keep || !R->ctx.G) s = NOMEM(err);
        else memcpy(fit_keep, I.keep, (size_t)I.rows.n);
    }
    if (!s && !skip) s = interval_support(R, &I, err);
    if (!s && !skip && R->o->full) s = interval_model(&I, fit, err);
    if (!s && !skip && R->o->full) score_hist(&I);
    if (!s && !skip) {
        long n = I.rows.n;
        I.idx = malloc((size_t)(n ? n : 1) * sizeof *I.idx);
        I.Kw = malloc((size_t)(n ? n : 1) * sizeof *I.Kw);
        if (!I.idx || !I.Kw) s = NOMEM(err);
        long pos = 0;
        for (int k = first; k <= last && !s; k++) s = interval_month(R, &I, k, &pos, err);
        if (!s && I.acc) s = interval_balance(&I, err);
        if (!s && fit_keep) s = nt_dyn_lin_score(&R->ctx, R->unit_person, &I.rows, fit_keep, I.e, err);
    }
    free(fit_keep);
    free(R->ctx.G);
    R->ctx.G = NULL;
    R->ctx.design = NULL;
    work_free(&I);
    nt_glm_fit_free(fit);
    return s;
}

/* ------------------------------------------------------------ entry */

/* The start intervals the logits are fitted on, first[g]..last[g], in
   order; returns their number. Without pool_sparse the study's intervals
   of start_interval months. With it, an interval whose treated at risk
   (copies counted) number fewer than min_treated is pooled with the next
   one, again until the pool has min_treated (docs/dynamic.md, "Sparse start
   months"); a pool still short at the end joins the previous one. The
   pooled model has the start-month dummies of every month it spans. */
static int plan_intervals(run_t *R, long n_units, int *first, int *last)
{
    const nt_dyn_opts *o = R->o;
    int ni = R->r->n_intervals, ng = 0;
    long have = 0;
    for (int iv = 0; iv < ni; iv++) {
        int f = o->start_first + iv * o->start_interval, l = f + o->start_interval - 1;
        if (l > o->start_last) l = o->start_last;
        long wtr = 0;
        for (int k = f; k <= l && o->pool_sparse; k++)
            for (long u = 0; u < n_units; u++)
                if (nt_dyn_role(R->p, R->unit_person[u], k, o->program) == 1) wtr += nt_dyn_ucount(o->unit_count, u);
        if (ng > 0 && o->pool_sparse && have < o->min_treated) {
            last[ng - 1] = l;   /* the open pool is still short: this interval joins it */
            have += wtr;
            continue;
        }
        first[ng] = f;
        last[ng] = l;
        have = wtr;
        ng++;
    }
    if (ng > 1 && o->pool_sparse && have < o->min_treated) {   /* short at the end: into the previous */
        last[ng - 2] = last[ng - 1];
        ng--;
    }
    return ng;
}

/* The result's arrays and the run's bitsets (the caller frees both on
   failure). */
static nt_status result_alloc(run_t *R, nt_dyn_result **out, nt_error *err)
{
    const nt_dyn_panel *p = R->p;
    const nt_dyn_opts *o = R->o;
    int H = o->horizon, NO = p->n_outcomes, NK = o->start_last - o->start_first + 1;
    nt_dyn_result *r = *out = R->r = calloc(1, sizeof *r);
    if (!r) return NOMEM(err);
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
    if (nt_dyn_has_w(p) && !(r->k_wcontrib = calloc(ks * hs, sizeof(double)))) return NOMEM(err);
    r->interval = calloc((size_t)r->n_intervals, sizeof *r->interval);
    if (o->full) {
        r->k_control_used = calloc(ks * hs, sizeof(long));
        r->k_control_w2 = calloc(ks * hs, sizeof(double));
        r->k_control_wmax = calloc(ks * hs, sizeof(double));
        r->k_dom = calloc(ks * os * 6, sizeof(double));
        if (!r->k_control_used || !r->k_control_w2 || !r->k_control_wmax || !r->k_dom) return NOMEM(err);
    }
    R->ctx.horizon = H;
    R->ctx.n_outcomes = NO;
    R->ctx.months = p->months;
    R->ctx.bitset_bytes = p->n / 8 + 1;
    R->ctx.bits_used = calloc(hs * (size_t)R->ctx.bitset_bytes, 1);
    R->ctx.bits_used_fixed = calloc(hs * (size_t)R->ctx.bitset_bytes, 1);
    R->bits_control = calloc((size_t)R->ctx.bitset_bytes, 1);
    R->pooled = o->full ? calloc((size_t)p->p + 1, sizeof *R->pooled) : NULL;
    if (!r->att || !r->att_fixed || !r->n_treated || !r->n_treated_matched || !r->n_control_used ||
        !r->n_treated_fixed || !r->n_treated_matched_fixed || !r->n_control_used_fixed || !r->k_month ||
        !r->k_treated || !r->k_controls || !r->k_matched || !r->k_skipped || !r->k_fixed || !r->k_att ||
        !r->k_se || !r->k_contrib || !r->interval || !R->ctx.bits_used || !R->ctx.bits_used_fixed ||
        !R->bits_control || (o->full && !R->pooled)) {
        return NOMEM(err);
    }
    return NT_OK;
}

nt_status nt_dyn_estimate(const nt_dyn_panel *p, const long *unit_person, long n_units,
                          const nt_dyn_opts *o, nt_dyn_result **out, nt_error *err)
{
    if (o->start_first < 0 || o->start_last < o->start_first || o->start_interval < 1 || o->horizon < 1)
        return nt_fail(err, NT_EUSAGE, "start months, interval and horizon must be positive and ordered");
    if (o->start_last >= p->n_risk)
        return nt_fail(err, NT_EINPUT, "start month %d is past the %d months loaded", o->start_last, p->n_risk);
    if (o->lin && (o->unit_count || o->lin->n != p->n || o->lin->horizon != o->horizon ||
                   o->lin->n_outcomes != p->n_outcomes || o->lin->finished))
        return nt_fail(err, NT_EUSAGE, "the linearisation needs a fresh accumulator for the panel's persons, "
                                       "horizon and outcomes, and no unit counts");
    /* every method takes the weights (ipw and aipw within cells: nt_dyn_cells.c) */
    int weights = (o->never || o->censoring) && !p->time_fixed;
    nt_gsl_quiet();
    /* ATT_never, IPCW: the hazards, on a copy of the view (nt_dyn_ipcw.c) */
    double *ls_start = NULL, *ls_cens = NULL, *lcap = NULL;
    nt_dyn_panel pw;
    if (weights) {
        nt_dyn_hz *hz[2] = {NULL, NULL};   /* the hazards' models for the linearisation (nt_dyn_wlin.c) */
        nt_status hs = nt_dyn_ipcw_fit(p, unit_person, n_units, o, &ls_start, &ls_cens, &lcap, o->lin ? hz : NULL, err);
        if (hs) return hs;
        pw = *p;
        pw.never = o->never;
        pw.ls_start = ls_start;
        pw.ls_cens = ls_cens;
        pw.lcap_cens = lcap;
        p = &pw;
        if (o->lin && (hs = nt_dyn_wlin_alloc(o->lin, p, unit_person, n_units, hz[0], hz[1], o->horizon, &o->lin->wl, err))) {
            free(ls_start);
            free(ls_cens);
            free(lcap);
            return hs;
        }
    }
    nt_dyn_result *r = NULL;
    run_t R = {.p = p, .unit_person = unit_person, .o = o};
    R.ctx.lin = o->lin;
    R.ctx.J = o->ai_neighbors;
    nt_status s = result_alloc(&R, &r, err);
    if (s) goto done;
    int H = o->horizon, NK = o->start_last - o->start_first + 1;
    size_t ks = (size_t)NK;
    for (size_t i = 0; i < ks * (size_t)p->n_outcomes * (size_t)H; i++) r->k_att[i] = r->k_se[i] = NAN;
    for (int ki = 0; ki < NK; ki++) r->k_month[ki] = o->start_first + ki;
    if ((s = nt_dyn_fixed_alloc(r, o->full, err))) goto done;
    int *gfirst = malloc((size_t)r->n_intervals * 2 * sizeof *gfirst);
    if (!gfirst) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    int *glast = gfirst + r->n_intervals, ng = plan_intervals(&R, n_units, gfirst, glast);
    r->n_intervals = ng;
    for (int iv = 0; iv < ng && !s; iv++) {
        r->interval[iv].pooled = (glast[iv] - gfirst[iv]) / o->start_interval + 1;
        s = run_interval(&R, iv, gfirst[iv], glast[iv], n_units, err);
    }
    free(gfirst);
    if (s) goto done;
    int *use = malloc(ks * sizeof *use);
    if (!use) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int ki = 0; ki < NK; ki++) {
        use[ki] = r->k_skipped[ki] == 0;
        r->n_skipped += !use[ki];
    }
    nt_dyn_combine(r, use, r->att);
    s = nt_dyn_fixed_finish(r, use, &R.ctx, err);
    if (!s && o->lin && o->lin->wl) s = nt_dyn_wlin_finish(o->lin->wl, r, o->lin, err);
    if (!s && o->lin) nt_dyn_lin_finish(o->lin, r);
    free(use);
    if (s) goto done;
    for (long b = 0; b < R.ctx.bitset_bytes; b++) r->n_control += __builtin_popcount(R.bits_control[b]);
    if (weights && (o->full || o->lin) && (s = nt_dyn_wtail(p, unit_person, n_units, o, r, err))) goto done;
    r->cost_mean = R.cost_n > 0 ? R.cost_sum / (double)R.cost_n : NAN;
    r->n_cost_known = R.cost_n;
    if (o->full) {
        r->bal_term = calloc((size_t)p->p + 1, sizeof *r->bal_term);
        r->bal = calloc((size_t)p->p + 1, sizeof *r->bal);
        if (!r->bal_term || !r->bal) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (int j = 0; j <= p->p; j++) {
            if (R.pooled[j].g[1].w <= 0 && R.pooled[j].g[0].w <= 0) continue;
            r->bal_term[r->n_bal] = strdup(j < p->p ? p->term[j] : "emp_since_inflow");
            if (!r->bal_term[r->n_bal]) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            nt_balance_acc_row(&R.pooled[j], &r->bal[r->n_bal]);
            nt_balance_acc_dominance(&R.pooled[j], r->n_k, &r->bal[r->n_bal]);
            r->n_bal++;
        }
    }
done:
    if (o->lin) { nt_dyn_wlin_free(o->lin->wl); o->lin->wl = NULL; }
    nt_dyn_lin_free(R.ctx.lin_fixed);
    free(R.ctx.bits_used);
    free(R.ctx.bits_used_fixed);
    free(R.bits_control);
    free(R.pooled);
    free(ls_start);
    free(ls_cens);
    free(lcap);
    if (s) { nt_dyn_result_free(r); return s; }
    *out = r;
    return NT_OK;
}
