/* Discrete-time hazard: design of baseline pieces + covariates, then
   nt_glm (see nt_dhazard.h). The person-period rows come from data/nt_pp. */
#include "estimators/nt_dhazard.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nt_dhazard_result_free(nt_dhazard_result *r)
{
    if (!r) return;
    if (r->term)
        for (int j = 0; j < r->p; j++) free(r->term[j]);
    free(r->term);
    nt_glm_fit_free(r->glm);
    free(r->robust_se);
    free(r->robust_cov);
    nt_wald_free(r->wald);
    free(r->piece_events);
    free(r);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static char *dupstr(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    if (d) strcpy(d, s);
    return d;
}

/* Cluster-robust covariance of the GLM (see nt_dhazard.h). */
static nt_status cluster_robust(nt_dhazard_result *r, const double *X, const double *y, const double *w, long n,
                                const long *cluster, long G, nt_error *err)
{
    int p = r->p;
    const nt_glm_fit *f = r->glm;
    double *S = calloc((size_t)(G ? G : 1) * (size_t)p, sizeof *S);
    double *M = calloc((size_t)p * (size_t)p, sizeof *M), *T = calloc((size_t)p * (size_t)p, sizeof *T);
    r->robust_cov = calloc((size_t)p * (size_t)p, sizeof *r->robust_cov);
    r->robust_se = malloc((size_t)p * sizeof *r->robust_se);
    if (!S || !M || !T || !r->robust_cov || !r->robust_se) {
        free(S); free(M); free(T);
        return nt_fail(err, NT_ENOMEM, "out of memory for the cluster-robust variance");
    }
    nt_glm_link link = r->glm_link;
    for (long i = 0; i < n; i++) {
        double mu = f->mu[i], g = (y[i] - mu) * nt_glm_mu_eta(link, f->eta[i]) / (mu * (1 - mu));
        if (w) g *= w[i];
        double *Sg = S + cluster[i] * p;
        for (int j = 0; j < p; j++) Sg[j] += g * X[(size_t)j * (size_t)n + i];
    }
    for (long c = 0; c < G; c++)
        for (int j = 0; j < p; j++)
            for (int k = 0; k < p; k++) M[j * p + k] += S[c * p + j] * S[c * p + k];
    /* T = C M, V = adj T C */
    for (int j = 0; j < p; j++)
        for (int k = 0; k < p; k++) {
            double s = 0;
            for (int l = 0; l < p; l++) s += f->cov[l * p + j] * M[l * p + k];
            T[j * p + k] = s;
        }
    double adj = G > 1 ? (double)G / (double)(G - 1) : NAN;
    for (int j = 0; j < p; j++)
        for (int k = 0; k < p; k++) {
            double s = 0;
            for (int l = 0; l < p; l++) s += T[j * p + l] * f->cov[l * p + k];
            r->robust_cov[j * p + k] = adj * s;
        }
    for (int j = 0; j < p; j++) r->robust_se[j] = sqrt(r->robust_cov[j * p + j]);
    free(S); free(M); free(T);
    return NT_OK;
}

nt_status nt_dhazard_fit(const double *period, const double *y, const double *x, int nx,
                         const char *const *xnames, const double *w, long n, const nt_dhazard_opts *o,
                         nt_dhazard_result **out, nt_error *err)
{
    nt_gsl_quiet();
    nt_status s = NT_OK;
    nt_dhazard_result *r = calloc(1, sizeof *r);
    double *lev = NULL, *X = NULL;
    int *piece = NULL;
    if (!r) return nt_fail(err, NT_ENOMEM, "out of memory");
    if (n <= 0) { s = nt_fail(err, NT_EINPUT, "no person-period rows"); goto done; }
    piece = malloc((size_t)n * sizeof *piece);
    if (!piece) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    int K;
    if (o->cuts && o->n_cuts > 0) {
        K = o->n_cuts + 1;
        for (long i = 0; i < n; i++) {
            int k = 0;
            while (k < o->n_cuts && o->cuts[k] < period[i]) k++;
            piece[i] = k;
        }
    } else {   /* one level per distinct period */
        lev = malloc((size_t)n * sizeof *lev);
        if (!lev) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        memcpy(lev, period, (size_t)n * sizeof *lev);
        qsort(lev, (size_t)n, sizeof *lev, cmp_double);
        K = 0;
        for (long i = 0; i < n; i++) if (i == 0 || lev[i] != lev[i - 1]) lev[K++] = lev[i];
        for (long i = 0; i < n; i++) {
            long lo = 0, hi = K - 1;
            while (lo < hi) { long m = (lo + hi) / 2; if (lev[m] < period[i]) lo = m + 1; else hi = m; }
            piece[i] = (int)lo;
        }
    }
    /* drop empty pieces from the design (R's factor() drops unused levels) */
    long *cnt = calloc((size_t)K, sizeof *cnt);
    int *col = malloc((size_t)K * sizeof *col);
    if (!cnt || !col) { free(cnt); free(col); s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (long i = 0; i < n; i++) cnt[piece[i]]++;
    int used = 0, first = -1;
    for (int k = 0; k < K; k++) {
        col[k] = -1;
        if (!cnt[k]) continue;
        if (first < 0) first = k; else col[k] = used++;
    }
    r->n_pieces = used + 1;
    r->p = 1 + used + nx;
    r->term = calloc((size_t)r->p, sizeof *r->term);
    r->piece_events = calloc((size_t)r->n_pieces, sizeof *r->piece_events);
    X = calloc((size_t)n * (size_t)r->p, sizeof *X);
    if (!r->term || !r->piece_events || !X) {
        free(cnt); free(col);
        s = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    r->term[0] = dupstr("(Intercept)");
    for (int k = 0; k < K; k++) {
        if (col[k] < 0) continue;
        char b[96];
        if (lev) snprintf(b, sizeof b, "period=%.10g", lev[k]);
        else if (k == K - 1) snprintf(b, sizeof b, "piece=(%.10g,Inf)", o->cuts[k - 1]);
        else snprintf(b, sizeof b, "piece=(%.10g,%.10g]", o->cuts[k - 1], o->cuts[k]);
        r->term[1 + col[k]] = dupstr(b);
    }
    for (int j = 0; j < nx; j++) {
        char b[32];
        snprintf(b, sizeof b, "x%d", j + 1);
        r->term[1 + used + j] = dupstr(xnames && xnames[j] ? xnames[j] : b);
    }
    for (int j = 0; j < r->p; j++)
        if (!r->term[j]) { free(cnt); free(col); s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (long i = 0; i < n; i++) {
        X[i] = 1;
        if (col[piece[i]] >= 0) X[(size_t)(1 + col[piece[i]]) * (size_t)n + i] = 1;
        r->piece_events[col[piece[i]] + 1] += y[i] == 1;
    }
    for (int j = 0; j < nx; j++)
        memcpy(X + (size_t)(1 + used + j) * (size_t)n, x + (size_t)j * (size_t)n, (size_t)n * sizeof *X);
    free(cnt);
    free(col);
    nt_glm_opts go;
    nt_glm_opts_default(&go);
    go.link = o->link;
    r->glm_link = o->link;
    go.check_separation = 0;   /* R's glm warns and still reports */
    if ((s = nt_glm_fit_alloc(X, n, r->p, y, w, (const char *const *)r->term, &go, &r->glm, err))) goto done;
    if (o->cluster && (s = cluster_robust(r, X, y, w, n, o->cluster, o->n_clusters, err))) goto done;
    if (!(r->wald = nt_wald_alloc(r->glm->beta, r->robust_se ? r->robust_se : r->glm->se, r->p))) {
        s = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    for (long i = 0; i < n; i++)   /* binomial()'s check in R's glm.fit */
        if ((!w || w[i] > 0) && (r->glm->mu[i] < 10 * DBL_EPSILON || r->glm->mu[i] > 1 - 10 * DBL_EPSILON)) {
            snprintf(r->warning, sizeof r->warning, "glm.fit: fitted probabilities numerically 0 or 1 occurred");
            break;
        }
    *out = r;
    r = NULL;
done:
    nt_dhazard_result_free(r);
    free(lev); free(X); free(piece);
    return s;
}
