/* Timing-of-events fit (see nt_toe.h; the likelihood is in nt_toe_model.c,
   the method in docs/toe.md).

   For K = 1, 2, ...: maximise log L(theta) with GSL's BFGS (vector_bfgs2)
   on -log L / N (N persons) to a gradient of 1e-5 from every start; the
   start with the highest log L then takes Newton steps with the Hessian from
   central differences of the analytic gradient (step 1e-4, as R's
   optimHess(ndeps = 1e-4)) until max_j |d log L / d theta_j| / N < gtol.
   Starts: K = 1 from the cloglog of each baseline piece's event rate and
   zero slopes; K >= 2 from the K - 1 optimum plus one new mass point: the
   log L of every point of a grid (v_exit, v_entry in -2.5..2.5, probability
   0.1, 0.3, 0.5; the baselines moved to keep the hazards' level) is
   evaluated and the n_starts best become the starts. The optimum is put in canonical form (the
   most probable type is the reference, the others ordered by v_exit), so
   label switching does not change the reported numbers.
   K minimises AIC = -2 log L + 2p (or BIC = -2 log L + p log N); the search
   stops at the first K whose criterion is not smaller than K - 1's.
   Variances at the optimum: V = (-H)^{-1}, and clustered by person
   V_cl = G/(G-1) V (sum_i s_i s_i') V with s_i the person scores. */
#include "estimators/nt_toe.h"

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_progress.h"
#include "estimators/nt_toe_model.h"

#define HESS_STEP 1e-4
#define NEWTON_MAX 30


void nt_toe_result_free(nt_toe_result *r)
{
    if (!r) return;
    if (r->name)
        for (int j = 0; j < r->p; j++) free(r->name[j]);
    free(r->name);
    free(r->coef);
    free(r->se);
    free(r->se_cluster);
    free(r->cov);
    free(r->cov_cluster);
    free(r);
}

typedef struct {
    const nt_toe_model *m;
    int K;
    double scale; /* 1 / persons */
    int fail;
} objective;

static double max_abs(const double *g, int p, double scale)
{
    double a = 0;
    for (int j = 0; j < p; j++) a = fmax(a, fabs(g[j]) * scale);
    return a;
}

static void obj_fdf(const gsl_vector *x, void *par, double *f, gsl_vector *df)
{
    objective *ob = par;
    int p = (int)x->size;
    double ll = 0, *g = df ? df->data : NULL;
    double *gw = g ? g : malloc((size_t)p * sizeof *gw);
    if (!gw || nt_toe_model_eval(ob->m, ob->K, x->data, &ll, gw, NULL)) {
        ob->fail = 1;
        ll = -1e10 / ob->scale;
        if (gw) memset(gw, 0, (size_t)p * sizeof *gw);
    }
    if (!isfinite(ll)) { /* a step into overflow: a large value the line search backs off from */
        ll = -1e10 / ob->scale;
        memset(gw, 0, (size_t)p * sizeof *gw);
    }
    if (f) *f = -ll * ob->scale;
    if (g)
        for (int j = 0; j < p; j++) g[j] = isfinite(g[j]) ? -g[j] * ob->scale : 0;
    if (!df) free(gw);
}

static double obj_f(const gsl_vector *x, void *par)
{
    double f;
    obj_fdf(x, par, &f, NULL);
    return f;
}

static void obj_df(const gsl_vector *x, void *par, gsl_vector *df) { obj_fdf(x, par, NULL, df); }

/* H (p x p) of log L by central differences of the gradient, symmetrised. */
static int hessian(const nt_toe_model *m, int K, const double *th, double *H)
{
    int p = nt_toe_model_np(m, K), rc = 0;
    double *t = malloc((size_t)p * sizeof *t), *g1 = malloc((size_t)p * sizeof *g1),
           *g2 = malloc((size_t)p * sizeof *g2), ll;
    if (!t || !g1 || !g2) rc = -1;
    for (int j = 0; j < p && !rc; j++) {
        memcpy(t, th, (size_t)p * sizeof *t);
        t[j] = th[j] + HESS_STEP;
        rc = nt_toe_model_eval(m, K, t, &ll, g1, NULL);
        t[j] = th[j] - HESS_STEP;
        if (!rc) rc = nt_toe_model_eval(m, K, t, &ll, g2, NULL);
        for (int k = 0; k < p; k++) H[(size_t)j * (size_t)p + (size_t)k] = (g1[k] - g2[k]) / (2 * HESS_STEP);
    }
    for (int j = 0; j < p && !rc; j++)
        for (int k = 0; k < j; k++) {
            double a = 0.5 * (H[(size_t)j * (size_t)p + (size_t)k] + H[(size_t)k * (size_t)p + (size_t)j]);
            H[(size_t)j * (size_t)p + (size_t)k] = H[(size_t)k * (size_t)p + (size_t)j] = a;
        }
    free(t);
    free(g1);
    free(g2);
    return rc;
}

/* A (p x p, row-major) := A^{-1} for A positive definite; -1 if it is not. */
static int spd_invert(double *A, int p)
{
    gsl_matrix_view v = gsl_matrix_view_array(A, (size_t)p, (size_t)p);
    if (gsl_linalg_cholesky_decomp1(&v.matrix) != GSL_SUCCESS) return -1;
    return gsl_linalg_cholesky_invert(&v.matrix) == GSL_SUCCESS ? 0 : -1;
}

/* Newton steps on log L from th (p): solve (-H) step = g, halve until log L
   does not fall. Returns steps taken; *ll and g updated at th. */
static int newton(const nt_toe_model *m, int K, double *th, double *ll, double *g, double gtol, int *fail)
{
    int p = nt_toe_model_np(m, K), steps = 0;
    double scale = 1.0 / (double)m->n_persons;
    double *H = malloc((size_t)p * (size_t)p * sizeof *H), *st = malloc((size_t)p * sizeof *st),
           *t = malloc((size_t)p * sizeof *t), *gt = malloc((size_t)p * sizeof *gt);
    if (!H || !st || !t || !gt) { *fail = 1; goto done; }
    while (steps < NEWTON_MAX && max_abs(g, p, scale) >= gtol) {
        if (hessian(m, K, th, H)) { *fail = 1; break; }
        for (int j = 0; j < p * p; j++) H[j] = -H[j];
        if (spd_invert(H, p)) break; /* not at a maximum's neighbourhood: leave it to BFGS's result */
        for (int j = 0; j < p; j++) {
            st[j] = 0;
            for (int k = 0; k < p; k++) st[j] += H[(size_t)j * (size_t)p + (size_t)k] * g[k];
        }
        double lt = -INFINITY, f = 1;
        int h;
        for (h = 0; h < 20; h++, f *= 0.5) {
            for (int j = 0; j < p; j++) t[j] = th[j] + f * st[j];
            if (nt_toe_model_eval(m, K, t, &lt, gt, NULL)) { *fail = 1; goto done; }
            if (isfinite(lt) && lt >= *ll - 1e-12 * fabs(*ll)) break;
        }
        if (h == 20) break;
        memcpy(th, t, (size_t)p * sizeof *th);
        memcpy(g, gt, (size_t)p * sizeof *g);
        *ll = lt;
        steps++;
    }
done:
    free(H);
    free(st);
    free(t);
    free(gt);
    return steps;
}

/* BFGS from th (updated in place) until max |gradient of -log L / N| < tol
   or no progress; returns the iterations. */
static int bfgs(const nt_toe_model *m, int K, double *th, double tol, int max_iter, int *fail)
{
    int p = nt_toe_model_np(m, K), it = 0;
    objective ob = {.m = m, .K = K, .scale = 1.0 / (double)m->n_persons};
    gsl_multimin_function_fdf fdf = {.f = obj_f, .df = obj_df, .fdf = obj_fdf, .n = (size_t)p, .params = &ob};
    gsl_multimin_fdfminimizer *s = gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, (size_t)p);
    gsl_vector_view x = gsl_vector_view_array(th, (size_t)p);
    if (!s) { *fail = 1; return 0; }
    if (gsl_multimin_fdfminimizer_set(s, &fdf, &x.vector, 0.1, 0.1) == GSL_SUCCESS) {
        while (it < max_iter) {
            int st = gsl_multimin_fdfminimizer_iterate(s);
            it++;
            if (st != GSL_SUCCESS) break; /* no progress: Newton takes over */
            if (max_abs(gsl_multimin_fdfminimizer_gradient(s)->data, p, 1.0) < tol) break;
        }
        if (gsl_multimin_fdfminimizer_minimum(s) <= obj_f(&x.vector, &ob))
            memcpy(th, gsl_multimin_fdfminimizer_x(s)->data, (size_t)p * sizeof *th);
    }
    gsl_multimin_fdfminimizer_free(s);
    if (ob.fail) *fail = 1;
    return it;
}

/* From th (the loose BFGS result): Newton to gtol; if Newton cannot finish
   (Hessian not negative definite there), BFGS to gtol and Newton again. */
static nt_toe_kfit polish(const nt_toe_model *m, int K, double *th, const nt_toe_opts *o, int *fail)
{
    int p = nt_toe_model_np(m, K);
    nt_toe_kfit kf = {.K = K, .p = p, .loglik = -INFINITY};
    double *g = malloc((size_t)p * sizeof *g), scale = 1.0 / (double)m->n_persons;
    if (!g) { *fail = 1; return kf; }
    for (int phase = 0; phase < 2 && !kf.converged && !*fail; phase++) {
        if (phase) kf.iterations += bfgs(m, K, th, o->gtol, o->max_iter, fail);
        if (*fail || nt_toe_model_eval(m, K, th, &kf.loglik, g, NULL)) { *fail = 1; break; }
        kf.iterations += newton(m, K, th, &kf.loglik, g, o->gtol, fail);
        kf.converged = isfinite(kf.loglik) && max_abs(g, p, scale) < o->gtol;
    }
    free(g);
    return kf;
}

/* Canonical labels: the most probable type becomes the reference (v = 0, c = 0),
   the others follow in ascending v_exit (then v_entry). Exact reparameterisation. */
static void canonical(const nt_toe_model *m, int K, double *th)
{
    if (K < 2) return;
    int pb = m->p_base, nv = m->nv, ref = 0, ord[NT_TOE_KMAX], no = 0;
    double ve[NT_TOE_KMAX], vp[NT_TOE_KMAX], vl[NT_TOE_KMAX], c[NT_TOE_KMAX];
    for (int k = 0; k < K; k++) {
        ve[k] = k ? th[pb + nv * (k - 1)] : 0;
        vp[k] = k ? th[pb + nv * (k - 1) + 1] : 0;
        vl[k] = k && nv > 2 ? th[pb + nv * (k - 1) + 2] : 0;
        c[k] = k ? th[pb + nv * (K - 1) + k - 1] : 0;
        if (c[k] > c[ref]) ref = k;
    }
    for (int k = 0; k < K; k++)
        if (k != ref) ord[no++] = k;
    for (int a = 1; a < no; a++) /* insertion sort, stable */
        for (int b = a; b > 0; b--) {
            int x = ord[b - 1], y = ord[b];
            if (ve[x] > ve[y] || (ve[x] == ve[y] && vp[x] > vp[y])) { ord[b - 1] = y; ord[b] = x; }
            else break;
        }
    for (int j = 0; j < m->n_pe; j++) th[j] += ve[ref];
    for (int j = 0; j < m->n_pp; j++) th[m->o_ap + j] += vp[ref];
    for (int j = 0; j < m->n_pl; j++) th[m->o_al + j] += vl[ref];
    for (int k = 0; k < no; k++) {
        th[pb + nv * k] = ve[ord[k]] - ve[ref];
        th[pb + nv * k + 1] = vp[ord[k]] - vp[ref];
        if (nv > 2) th[pb + nv * k + 2] = vl[ord[k]] - vl[ref];
        th[pb + nv * (K - 1) + k] = c[ord[k]] - c[ref];
    }
}

/* The new mass point's candidates: a grid of locations (v_exit, v_entry),
   each coordinate in GRID_V, with probability in GRID_PI; with the job-loss
   hazard also v_loss in GRID_VL (else 0). */
static const double grid_v[] = {-2.5, -1.5, -0.75, 0, 0.75, 1.5, 2.5};
static const double grid_pi[] = {0.1, 0.3, 0.5};
static const double grid_vl[] = {0, -1, 1};
#define GRID_NV ((int)(sizeof grid_v / sizeof grid_v[0]))
#define GRID_NPI ((int)(sizeof grid_pi / sizeof grid_pi[0]))
#define GRID_NVL ((int)(sizeof grid_vl / sizeof grid_vl[0]))
#define GRID_N (GRID_NV * GRID_NV * GRID_NPI * GRID_NVL)

typedef struct {
    double ve, vp, vl, pi, ll;
    int idx;
} candidate;

/* Start for K mass points from the K - 1 optimum prev with the new point
   at c->(ve, vp, vl) with probability c->pi; the old points keep their
   relative weights, and the baselines move by -log(1 - pi + pi e^v) so that
   the mean of e^v over the types (the hazards' level) stays where the K - 1
   optimum put it. */
static void start_at(const nt_toe_model *m, int K, const double *prev, const candidate *c, double *th)
{
    int pb = m->p_base, K1 = K - 1, nv = m->nv;
    double pi_new = c->pi;
    memcpy(th, prev, (size_t)pb * sizeof *th);
    double cmax = 0, sum = 0;
    for (int k = 1; k < K1; k++) {
        for (int h = 0; h < nv; h++) th[pb + nv * (k - 1) + h] = prev[pb + nv * (k - 1) + h];
        th[pb + nv * (K - 1) + k - 1] = prev[pb + nv * (K1 - 1) + k - 1];
        cmax = fmax(cmax, prev[pb + nv * (K1 - 1) + k - 1]);
    }
    for (int k = 0; k < K1; k++) sum += exp((k ? prev[pb + nv * (K1 - 1) + k - 1] : 0) - cmax);
    double se = -log(1 - pi_new + pi_new * exp(c->ve)), sp = -log(1 - pi_new + pi_new * exp(c->vp)),
           sl = -log(1 - pi_new + pi_new * exp(c->vl));
    for (int j = 0; j < m->n_pe; j++) th[j] += se;
    for (int j = 0; j < m->n_pp; j++) th[m->o_ap + j] += sp;
    for (int j = 0; j < m->n_pl; j++) th[m->o_al + j] += sl;
    th[pb + nv * (K - 2)] = c->ve;
    th[pb + nv * (K - 2) + 1] = c->vp;
    if (nv > 2) th[pb + nv * (K - 2) + 2] = c->vl;
    th[pb + nv * (K - 1) + K - 2] = cmax + log(sum) + log(pi_new / (1 - pi_new));
}

static int by_ll(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->ll != y->ll) return x->ll > y->ll ? -1 : 1; /* NaN-free: -INFINITY for failures */
    return x->idx - y->idx;                            /* ties: grid order */
}

/* The grid's candidates by log L at their start (highest first; ties in
   grid order); -1 out of memory. */
static int rank_candidates(const nt_toe_model *m, int K, const double *prev, double *th, candidate *c, int *nc)
{
    int n = 0, nl = m->nv > 2 ? GRID_NVL : 1;
    for (int a = 0; a < GRID_NV; a++)
        for (int b = 0; b < GRID_NV; b++)
            for (int q = 0; q < GRID_NPI; q++)
                for (int v = 0; v < nl; v++, n++) {
                    c[n] = (candidate){grid_v[a], grid_v[b], grid_vl[v], grid_pi[q], -INFINITY, n};
                    start_at(m, K, prev, c + n, th);
                    double l;
                    if (nt_toe_model_eval(m, K, th, &l, NULL, NULL)) return -1;
                    if (isfinite(l)) c[n].ll = l;
                }
    qsort(c, (size_t)n, sizeof *c, by_ll);
    *nc = n;
    return 0;
}

static void start_k1(const nt_toe_model *m, double *th)
{
    memset(th, 0, (size_t)m->p_base * sizeof *th);
    for (int k = 0; k < m->n_pe; k++) th[k] = log(-log1p(-m->ev_e[k] / m->at_e[k]));
    for (int k = 0; k < m->n_pp; k++) th[m->o_ap + k] = log(-log1p(-m->ev_p[k] / m->at_p[k]));
    for (int k = 0; k < m->n_pl; k++) th[m->o_al + k] = log(-log1p(-m->ev_l[k] / m->at_l[k]));
}

static double ic_of(const nt_toe_kfit *f, nt_toe_ic ic) { return ic == NT_TOE_BIC ? f->bic : f->aic; }

/* Names, mass points and variances of the chosen fit. */
static nt_status fill_result(const nt_toe_model *m, int K, const double *th, const nt_toe_kfit *kf,
                             nt_toe_result *r, nt_error *err)
{
    int p = nt_toe_model_np(m, K), pb = m->p_base, nv = m->nv;
    size_t pp = (size_t)p * (size_t)p;
    r->K = K;
    r->nv = nv;
    r->p = p;
    r->loglik = kf->loglik;
    r->aic = kf->aic;
    r->bic = kf->bic;
    r->iterations = kf->iterations;
    r->converged = kf->converged;
    r->name = calloc((size_t)p, sizeof *r->name);
    r->coef = malloc((size_t)p * sizeof *r->coef);
    r->se = malloc((size_t)p * sizeof *r->se);
    r->se_cluster = malloc((size_t)p * sizeof *r->se_cluster);
    r->cov = malloc(pp * sizeof *r->cov);
    r->cov_cluster = calloc(pp, sizeof *r->cov_cluster);
    double *M = malloc(pp * sizeof *M), *T = calloc(pp, sizeof *T), ll;
    nt_status s = NT_OK;
    if (!r->name || !r->coef || !r->se || !r->se_cluster || !r->cov || !r->cov_cluster || !M || !T) {
        s = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    memcpy(r->coef, th, (size_t)p * sizeof *th);
    for (int j = 0; j < p; j++) {
        char b[256];
        if (j < pb) snprintf(b, sizeof b, "%s", m->base_name[j]);
        else if (j < pb + nv * (K - 1)) {
            static const char *const vn[] = {"v_exit", "v_entry", "v_loss"};
            snprintf(b, sizeof b, "%s[%d]", vn[(j - pb) % nv], (j - pb) / nv + 2);
        } else snprintf(b, sizeof b, "logit_pi[%d]", j - pb - nv * (K - 1) + 2);
        if (!(r->name[j] = malloc(strlen(b) + 1))) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        strcpy(r->name[j], b);
    }
    for (int k = 0; k < K; k++) {
        r->v_exit[k] = k ? th[pb + nv * (k - 1)] : 0;
        r->v_entry[k] = k ? th[pb + nv * (k - 1) + 1] : 0;
        r->v_loss[k] = k && nv > 2 ? th[pb + nv * (k - 1) + 2] : 0;
    }
    {
        double c[NT_TOE_KMAX], cmax = 0, sum = 0;
        for (int k = 0; k < K; k++) cmax = fmax(cmax, c[k] = k ? th[pb + nv * (K - 1) + k - 1] : 0);
        for (int k = 0; k < K; k++) sum += exp(c[k] - cmax);
        for (int k = 0; k < K; k++) r->prob[k] = exp(c[k] - cmax) / sum;
    }
    if (hessian(m, K, th, r->cov) || nt_toe_model_eval(m, K, th, &ll, NULL, M)) {
        s = nt_fail(err, NT_ENOMEM, "out of memory for the variance");
        goto done;
    }
    for (size_t j = 0; j < pp; j++) r->cov[j] = -r->cov[j];
    if (spd_invert(r->cov, p)) {
        for (size_t j = 0; j < pp; j++) r->cov[j] = r->cov_cluster[j] = NAN;
    } else {
        double G = (double)m->n_persons, adj = G > 1 ? G / (G - 1) : 1;
        for (int j = 0; j < p; j++)
            for (int k = 0; k < p; k++)
                for (int l = 0; l < p; l++) T[(size_t)j * p + k] += r->cov[(size_t)j * p + l] * M[(size_t)l * p + k];
        for (int j = 0; j < p; j++)
            for (int k = 0; k < p; k++) {
                double a = 0;
                for (int l = 0; l < p; l++) a += T[(size_t)j * p + l] * r->cov[(size_t)l * p + k];
                r->cov_cluster[(size_t)j * p + k] = adj * a;
            }
    }
    for (int j = 0; j < p; j++) {
        r->se[j] = sqrt(r->cov[(size_t)j * p + j]);
        r->se_cluster[j] = sqrt(r->cov_cluster[(size_t)j * p + j]);
    }
    nt_toe_mark_edge(r);
done:
    free(M);
    free(T);
    return s;
}

void nt_toe_mark_edge(nt_toe_result *r)
{
    int pb = r->p - (r->nv + 1) * (r->K - 1);   /* the loadings follow the hazards' blocks */
    for (int j = pb; j < pb + r->nv * (r->K - 1); j++)
        if (fabs(r->coef[j]) > NT_TOE_VEDGE) r->se[j] = r->se_cluster[j] = NAN;
}

nt_status nt_toe_fit(const nt_toe_data *d, const nt_toe_opts *opts, nt_toe_result **out, nt_error *err)
{
    if (!opts || !out) return nt_fail(err, NT_EUSAGE, "timing-of-events: missing options");
    nt_toe_opts o = *opts;
    if (!o.k_min && !o.k_max) { o.k_min = 1; o.k_max = NT_TOE_KMAX; }
    if (o.k_min < 1 || o.k_max < o.k_min || o.k_max > NT_TOE_KMAX)
        return nt_fail(err, NT_EUSAGE, "mass points %d to %d (expected 1 <= k_min <= k_max <= %d)", o.k_min, o.k_max,
                       NT_TOE_KMAX);
    if (!o.n_starts) o.n_starts = 4;
    if (!o.max_iter) o.max_iter = 2000;
    if (!(o.gtol > 0)) o.gtol = 1e-8;
    if (o.n_starts < 1 || o.max_iter < 1) return nt_fail(err, NT_EUSAGE, "n_starts and max_iter must be positive");
    gsl_set_error_handler_off();
    nt_toe_model *m = NULL;
    nt_status s = nt_toe_model_alloc(d, &o, &m, err);
    if (s) return s;
    int pmax = nt_toe_model_np(m, o.k_max), fail = 0, bestK = 0;
    double *prev = calloc((size_t)pmax, sizeof *prev), *cur = calloc((size_t)pmax, sizeof *cur),
           *best = calloc((size_t)pmax, sizeof *best), *chosen = calloc((size_t)pmax, sizeof *chosen);
    nt_toe_result *r = calloc(1, sizeof *r);
    candidate *cand = malloc(GRID_N * sizeof *cand);
    if (!prev || !cur || !best || !chosen || !r || !cand) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    r->n_rows = m->n;
    r->n_persons = m->n_persons;
    nt_progress pg;
    nt_progress_begin(&pg, "timing-of-events fit", (double)o.k_max);
    double logN = log((double)m->n_persons);
    for (int K = 1; K <= o.k_max; K++) {
        int p = nt_toe_model_np(m, K), ns = K == 1 ? 1 : o.n_starts;
        /* every start by BFGS to a gradient of 1e-5; the highest log L (then the
           earliest start) is polished to gtol */
        double bl = -INFINITY;
        int bit = 0, ncand = 1;
        if (K > 1 && rank_candidates(m, K, prev, cur, cand, &ncand)) {
            s = nt_fail(err, NT_ENOMEM, "out of memory in the timing-of-events fit");
            goto done;
        }
        for (int st = 0; st < ns; st++) {
            if (K == 1) start_k1(m, cur);
            else start_at(m, K, prev, cand + st % ncand, cur);
            int it = bfgs(m, K, cur, fmax(o.gtol, 1e-5), o.max_iter, &fail);
            double l = -INFINITY;
            if (fail || nt_toe_model_eval(m, K, cur, &l, NULL, NULL)) {
                s = nt_fail(err, NT_ENOMEM, "out of memory in the timing-of-events fit");
                goto done;
            }
            if (isfinite(l) && l > bl + 1e-9 * fabs(l)) {
                bl = l;
                bit = it;
                memcpy(best, cur, (size_t)p * sizeof *cur);
            }
        }
        nt_toe_kfit kb = {.K = K, .p = p, .loglik = -INFINITY};
        if (isfinite(bl)) {
            kb = polish(m, K, best, &o, &fail);
            kb.iterations += bit;
            if (fail) { s = nt_fail(err, NT_ENOMEM, "out of memory in the timing-of-events fit"); goto done; }
        }
        if (!isfinite(kb.loglik)) {
            s = nt_fail(err, NT_ENUMERIC, "timing-of-events: no finite likelihood from any start with %d mass points", K);
            goto done;
        }
        canonical(m, K, best);
        kb.aic = -2 * kb.loglik + 2 * p;
        kb.bic = -2 * kb.loglik + p * logN;
        r->fits[r->n_fits++] = kb;
        memcpy(prev, best, (size_t)p * sizeof *best);
        char msg[256];
        int w = snprintf(msg, sizeof msg, "K = %d loglik %.6f, %d iterations; %ld + %ld evaluations (log L, gradient) "
                         "so far", K, kb.loglik, kb.iterations, m->n_eval[0], m->n_eval[1]);
        if (r->n_fits == 1 && w > 0 && w < (int)sizeof msg)
            snprintf(msg + w, sizeof msg - (size_t)w, "; %ld persons, %ld rows in %ld cells, %ld covariate runs",
                     m->n_persons, m->n, m->n_cells, m->xstart[m->n_persons]);
        nt_progress_update(&pg, K, msg);
        if (K < o.k_min) continue;
        if (bestK && ic_of(&kb, o.ic) >= ic_of(&r->fits[bestK - 1], o.ic)) break;
        bestK = K;
        memcpy(chosen, best, (size_t)p * sizeof *best);
    }
    nt_progress_end(&pg);
    if ((s = fill_result(m, bestK, chosen, &r->fits[bestK - 1], r, err))) goto done;
    *out = r;
    r = NULL;
done:
    nt_toe_result_free(r);
    nt_toe_model_free(m);
    free(prev);
    free(cur);
    free(best);
    free(chosen);
    free(cand);
    return s;
}
