/* ATT_never and inverse-probability-of-censoring weights (IPCW) of the
   dynamic estimator (docs/dynamic.md, "ATT_never and IPCW"): two
   discrete-time hazards, each a logit per block of NT_DYN_IPCW_BLOCK months
   since inflow on the (person, month s) rows at risk in s:

     start      h(s) = P(a programme of any type starts in s | at risk in s, X)
                at risk: observed in s, on the index benefit in s, no
                programme started before s;
     censoring  c(s) = P(not observed in s | observed in s - 1, X, started)
                (death, emigration and the data end alike), s >= 1;

   columns: the intercept, the person covariates of the panel, a dummy for
   every month of the block but the first, and for censoring an indicator
   of a programme started before s. A column constant over the block's rows
   is left out. A block whose logit fails (separation, no convergence) is
   fitted by Firth's penalised logit; when that fails too, or the block has
   fewer than NT_DYN_IPCW_MIN_EVENTS events, the block's hazard is its
   pooled rate (events / rows at risk, copies counted), the same for
   everyone.

   Per person, ls(t) = sum_{s=1..t, at risk in s} log(1 - h(s)) (ls(0) = 0),
   so that the weight of a unit of start month k observed in t is
   exp(ls(k) - ls(t)) = 1 / prod_{s=k+1..t} (1 - h(s)) (nt_dyn_wt). Beyond
   the months with risk-set data (the panel's n_risk; `netto run` loads
   them through the whole horizon when ATT_never is asked for) a person
   observed and without a start counts as at risk.

   [estimator] censoring_model = pooled: the censoring hazard is instead
   one logit over all months without the data end (nt_dyn_cpool.c).

   [estimator] ipcw_truncate = q (Cole & Hernan 2008): the censoring weight
   W(k, t) of every unit is capped at the q-quantile of W(k, t) over the
   persons of the units observed in t (copies counted), per start month k
   and month t (a per-cell cap: the estimators normalise within (k, t), so
   a cap on the pooled person-months would cut the late months alone). The
   linearisation holds the caps fixed: a capped weight has no derivative in
   the censoring logit (nt_dyn_wlin.c). */
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_glm.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory fitting the censoring model")
#define NT_DYN_IPCW_BLOCK 12
#define NT_DYN_IPCW_MIN_EVENTS 10

/* Row (person, s) of hazard kind (0 start, 1 censoring): -1 not at risk,
   else the event (0/1). */
int nt_dyn_ipcw_at_risk(const nt_dyn_panel *p, long person, int s, int kind)
{
    int32_t nobs = p->n_observed[person], tm = p->treat_month[person];
    if (kind >= 1) {
        if (s < 1 || nobs < s) return -1;
        if (kind == 2 && nobs == s && p->admin_observed && p->admin_observed[person] == s) return -1;
        return nobs == s;
    }
    if (nobs <= s || (tm >= 0 && tm < s)) return -1;
    if (s < p->n_risk && !p->on_index[(size_t)person * (size_t)p->n_risk + (size_t)s]) return -1;
    return tm == s;
}

typedef struct {
    long n;            /* rows */
    long *person;
    int *s;
    double *y, *w;
} hrows;

/* One block [s0, s1]: the rows, the design, the fit; h[r] the hazard of
   row r. For the start hazard (kind 0, one block over all months) the
   logit is fitted on the rows of the months with a start (weighted): a
   month without one has hazard 0 (the logit's limit; its dummy would
   separate), and the month dummies span the months with starts. */
/* The block's model for the linearisation (B not NULL): keep the kept
   columns (keep NULL: the pooled rate, an intercept-only logit). */
static int blk_set(nt_dyn_hzblock *B, const nt_dyn_panel *p, int s0, int s1, int fs, int lsd, int kind,
                   const uint8_t *keep)
{
    if (!B) return 0;
    int q0 = 1 + p->p + (lsd - fs) + (kind == 1);
    free(B->col);
    if (!(B->col = malloc((size_t)q0 * sizeof *B->col))) return -1;
    B->s0 = s0;
    B->s1 = s1;
    B->fs = fs;
    B->lsd = lsd;
    B->q = 0;
    for (int c = 0; c < q0; c++) B->col[c] = (keep ? keep[c] : c == 0) ? B->q++ : -1;
    return 0;
}

static nt_status fit_block(const nt_dyn_panel *p, const long *persons, const double *pw, long np, int s0, int s1,
                           int kind, hrows *R, double **h, nt_dyn_hzblock *B, nt_error *err)
{
    R->n = 0;
    *h = NULL;
    int span = s1 - s0 + 1;
    double *evm = calloc((size_t)span, sizeof *evm);
    if (!evm) return NOMEM(err);
    long cap = 0;
    for (int s = s0; s <= s1; s++)
        for (long a = 0; a < np; a++) {
            int e = nt_dyn_ipcw_at_risk(p, persons[a], s, kind);
            if (e < 0) continue;
            cap++;
            evm[s - s0] += pw[a] * e;
        }
    R->person = malloc((size_t)(cap ? cap : 1) * sizeof *R->person);
    R->s = malloc((size_t)(cap ? cap : 1) * sizeof *R->s);
    R->y = malloc((size_t)(cap ? cap : 1) * sizeof *R->y);
    R->w = malloc((size_t)(cap ? cap : 1) * sizeof *R->w);
    if (!R->person || !R->s || !R->y || !R->w) { free(evm); return NOMEM(err); }
    double ev = 0, tot = 0;
    for (int s = s0; s <= s1; s++)
        for (long a = 0; a < np; a++) {
            int e = nt_dyn_ipcw_at_risk(p, persons[a], s, kind);
            if (e < 0) continue;
            R->person[R->n] = persons[a];
            R->s[R->n] = s;
            R->y[R->n] = e;
            R->w[R->n++] = pw[a];
            ev += pw[a] * e;
            tot += pw[a];
        }
    long n = R->n;
    *h = malloc((size_t)(n ? n : 1) * sizeof **h);
    if (!*h) { free(evm); return NOMEM(err); }
    double rate = tot > 0 ? ev / tot : 0;
    for (long r = 0; r < n; r++) (*h)[r] = rate;
    if (blk_set(B, p, s0, s1, s0, s0, kind, NULL)) { free(evm); return NOMEM(err); }
    if (ev < NT_DYN_IPCW_MIN_EVENTS || tot - ev < NT_DYN_IPCW_MIN_EVENTS) { free(evm); return NT_OK; }
    /* the rows fitted (kind 0: months with a start) and the dummies' span */
    int fs = s0, ls = s1;
    if (kind == 0) {
        while (fs < s1 && evm[fs - s0] <= 0) fs++;
        while (ls > fs && evm[ls - s0] <= 0) ls--;
    }
    long m = 0;
    long *idx = malloc((size_t)(n ? n : 1) * sizeof *idx);
    double *ys = malloc((size_t)(n ? n : 1) * sizeof *ys), *ws = malloc((size_t)(n ? n : 1) * sizeof *ws);
    if (!idx || !ys || !ws) { free(evm); free(idx); free(ys); free(ws); return NOMEM(err); }
    for (long r = 0; r < n; r++) {
        if (kind == 0 && evm[R->s[r] - s0] <= 0) { (*h)[r] = 0; continue; }
        idx[m] = r;
        ys[m] = R->y[r];
        ws[m++] = R->w[r];
    }
    free(evm);
    /* candidate columns: 1, x, month dummies, started */
    int nm = ls - fs, q0 = 1 + p->p + nm + (kind == 1);
    double *z = malloc((size_t)(m ? m : 1) * (size_t)q0 * sizeof *z);
    uint8_t *keep = malloc((size_t)q0);
    if (!z || !keep) { free(z); free(keep); free(idx); free(ys); free(ws); return NOMEM(err); }
    int q = 0;
    for (int c = 0; c < q0; c++) {
        double *col = z + (size_t)q * (size_t)m;
        for (long r = 0; r < m; r++) {
            long i = R->person[idx[r]];
            int sr = R->s[idx[r]];
            int32_t tm = p->treat_month[i];
            col[r] = c == 0 ? 1
                   : c <= p->p ? p->x[(size_t)(c - 1) * (size_t)p->n + (size_t)i]
                   : c <= p->p + nm ? (sr - fs == c - p->p ? 1 : 0)
                   : (tm >= 0 && tm < sr);
        }
        int constant = 1;
        for (long r = 1; r < m && constant; r++) constant = col[r] == col[0];
        keep[c] = c == 0 || !constant;
        q += keep[c];
    }
    nt_glm_opts go;
    nt_glm_opts_default(&go);
    go.check_separation = 1;
    if (kind == 0) {   /* months with one or two starts: weakly determined dummies; converge as R's reference */
        go.epsilon = 1e-12;
        go.maxit = 50;
    }
    nt_glm_fit *fit = NULL;
    nt_error e2;
    nt_status gs = nt_glm_fit_alloc(z, m, q, ys, ws, NULL, &go, &fit, &e2);
    if (gs == NT_ENUMERIC) gs = nt_glm_firth_alloc(z, m, q, ys, ws, &fit, &e2);
    free(z);
    free(ys);
    free(ws);
    if (gs == NT_OK && blk_set(B, p, s0, s1, fs, ls, kind, keep)) gs = NT_ENOMEM;
    free(keep);
    if (gs == NT_ENOMEM) { free(idx); nt_glm_fit_free(fit); return NOMEM(err); }
    if (gs == NT_OK)
        for (long r = 0; r < m; r++) (*h)[idx[r]] = fit->mu[r];
    else   /* neither logit: the pooled rate, as with few events */
        for (long r = 0; r < n; r++) (*h)[r] = rate;
    free(idx);
    nt_glm_fit_free(fit);
    return NT_OK;
}

static void rows_free(hrows *R)
{
    free(R->person);
    free(R->s);
    free(R->y);
    free(R->w);
    memset(R, 0, sizeof *R);
}

/* ls for one hazard kind over every person of the units. */
static nt_status hazard(const nt_dyn_panel *p, const long *persons, const double *pw, long np, int kind, double **out,
                        nt_dyn_hz **hzo, nt_error *err)   /* kind 2: the pooled censoring model */
{
    size_t M = (size_t)p->months;
    double *ls = calloc((size_t)p->n * M + 1, sizeof *ls);
    if (!ls) return NOMEM(err);
    nt_dyn_hz *hz = NULL;   /* the model for the linearisation (nt_dyn_wlin.c) */
    if (hzo && (!(hz = *hzo = calloc(1, sizeof *hz)) || !(hz->ch = calloc((size_t)p->n * M + 1, sizeof *hz->ch)))) {
        free(ls);
        return NOMEM(err);
    }
    if (hz) hz->kind = kind;
    nt_status s = kind == 2 ? nt_dyn_cpool_fit(p, persons, pw, np, ls, hz, err) : NT_OK;
    int block = kind == 0 ? p->months : NT_DYN_IPCW_BLOCK;   /* the start hazard: one logit */
    for (int s0 = 1; s0 < p->months && !s && kind < 2; s0 += block) {
        int s1 = s0 + block - 1 < p->months - 1 ? s0 + block - 1 : p->months - 1;
        hrows R = {0};
        double *h = NULL;
        nt_dyn_hzblock *B = NULL;
        if (hz) {
            nt_dyn_hzblock *nb = realloc(hz->b, ((size_t)hz->nb + 1) * sizeof *nb);
            if (!nb) { s = NOMEM(err); break; }
            hz->b = nb;
            B = memset(&hz->b[hz->nb++], 0, sizeof *B);
        }
        s = fit_block(p, persons, pw, np, s0, s1, kind, &R, &h, B, err);
        /* log(1 - h) of the rows at risk, into ls(s) (cumulated below) */
        for (long r = 0; r < R.n && !s; r++) {
            double v = h[r] < 1 ? log1p(-h[r]) : log(1e-12);
            ls[(size_t)R.person[r] * M + (size_t)R.s[r]] = v;
            if (hz) hz->ch[(size_t)R.person[r] * M + (size_t)R.s[r]] = h[r];
        }
        free(h);
        rows_free(&R);
    }
    for (long a = 0; a < np && !s; a++) {
        double *row = ls + (size_t)persons[a] * M;
        row[0] = 0;
        for (size_t t = 1; t < M; t++) row[t] += row[t - 1];
        double *cr = hz ? hz->ch + (size_t)persons[a] * M : NULL;
        for (size_t t = 1; cr && t < M; t++) cr[t] += cr[t - 1];
    }
    if (s) { free(ls); return s; }   /* *hzo: freed by the caller */
    *out = ls;
    return NT_OK;
}

/* The weighted lower q-quantile of v[0..n) (weights w, sum wt): the least
   v such that the weight of the values <= it is >= q wt; v and w are
   reordered (expected linear time, a three-way partition about the middle
   element). */
static double wquantile(double *v, double *w, long n, double q, double wt)
{
    double need = q * wt;
    long lo = 0, hi = n;   /* the answer is in v[lo..hi) */
    while (hi - lo > 1) {
        double piv = v[lo + (hi - lo) / 2], wl = 0, we = 0;
        long a = lo, b = lo, c = hi;   /* [lo, a) < piv, [a, b) == piv, [c, hi) > piv */
        while (b < c) {
            if (v[b] < piv) {
                double tv = v[a], tw = w[a];
                v[a] = v[b]; w[a] = w[b]; v[b] = tv; w[b] = tw;
                wl += w[a++];
                b++;
            } else if (v[b] > piv) {
                c--;
                double tv = v[c], tw = w[c];
                v[c] = v[b]; w[c] = w[b]; v[b] = tv; w[b] = tw;
            } else
                we += w[b++];
        }
        if (need <= wl && a > lo) hi = a;
        else if (need <= wl + we) return piv;
        else { need -= wl + we; lo = c; }
    }
    return v[lo];
}

/* ipcw_truncate: the cap of log W(k, t) = ls(k) - ls(t) per start month k
   and month t of the horizon, the q-quantile over the units' persons
   observed in t (copies counted); months x months, INFINITY elsewhere. */
static nt_status caps(const nt_dyn_panel *p, const long *persons, const double *cnt, long np, const nt_dyn_opts *o,
                      const double *ls, double **out, nt_error *err)
{
    size_t M = (size_t)p->months;
    double *cap = malloc(M * M * sizeof *cap), *v = malloc(((size_t)np + 1) * sizeof *v),
           *w = malloc(((size_t)np + 1) * sizeof *w);
    long *obs = malloc(((size_t)np + 1) * sizeof *obs);
    if (!cap || !v || !w || !obs) { free(cap); free(v); free(w); free(obs); return NOMEM(err); }
    for (size_t i = 0; i < M * M; i++) cap[i] = INFINITY;
    for (int t = 1; t < p->months; t++) {
        long no = 0;
        for (long a = 0; a < np; a++)
            if (p->n_observed[persons[a]] > t) obs[no++] = a;
        for (int k = o->start_first; k <= o->start_last && k < t && no > 0; k++) {
            if (t - k >= o->horizon) continue;
            double wt = 0;
            for (long b = 0; b < no; b++) {
                const double *l = ls + (size_t)persons[obs[b]] * M;
                v[b] = l[k] - l[t];
                w[b] = cnt[obs[b]];
                wt += w[b];
            }
            cap[(size_t)k * M + (size_t)t] = wquantile(v, w, no, o->ipcw_truncate, wt);
        }
    }
    free(v);
    free(w);
    free(obs);
    *out = cap;
    return NT_OK;
}

nt_status nt_dyn_ipcw_fit(const nt_dyn_panel *p, const long *unit_person, long n_units, const nt_dyn_opts *o,
                          double **ls_start, double **ls_cens, double **lcap, nt_dyn_hz **hz, nt_error *err)
{
    *ls_start = *ls_cens = *lcap = NULL;
    if ((!o->never && !o->censoring) || p->time_fixed) return NT_OK;
    /* the persons of the units, in person order, with their copies */
    double *cnt = calloc((size_t)p->n + 1, sizeof *cnt);
    long *persons = malloc(((size_t)p->n + 1) * sizeof *persons);
    if (!cnt || !persons) { free(cnt); free(persons); return NOMEM(err); }
    for (long u = 0; u < n_units; u++) cnt[unit_person[u]] += (double)nt_dyn_ucount(o->unit_count, u);
    long np = 0;
    for (long i = 0; i < p->n; i++)
        if (cnt[i] > 0) { persons[np] = i; cnt[np++] = cnt[i]; }
    nt_status s = NT_OK;
    if (o->never) s = hazard(p, persons, cnt, np, 0, ls_start, hz ? &hz[0] : NULL, err);
    if (!s && o->censoring) s = hazard(p, persons, cnt, np, o->censoring_model == 1 ? 2 : 1, ls_cens, hz ? &hz[1] : NULL, err);
    if (!s && o->censoring && o->ipcw_truncate > 0 && o->ipcw_truncate < 1)
        s = caps(p, persons, cnt, np, o, *ls_cens, lcap, err);
    free(cnt);
    free(persons);
    if (s) {
        free(*ls_start);
        free(*ls_cens);
        free(*lcap);
        *ls_start = *ls_cens = *lcap = NULL;
        for (int k = 0; hz && k < 2; k++) { nt_dyn_hz_free(hz[k]); hz[k] = NULL; }
    }
    return s;
}

void nt_dyn_hz_free(nt_dyn_hz *hz)
{
    if (!hz) return;
    for (int b = 0; b < hz->nb; b++) {
        free(hz->b[b].col);
        free(hz->b[b].pst);
    }
    free(hz->b);
    free(hz->ch);
    free(hz);
}
