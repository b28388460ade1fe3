/* Binomial GLM by IRLS (see nt_glm.h for the contract).

   Per iteration, with prior weights w, current eta and mu = g^-1(eta):
     m_i = d mu / d eta,  W_i = w_i m_i^2 / (mu_i (1 - mu_i)),
     z_i = eta_i + (y_i - mu_i) / m_i,
     A = X'WX,  b = X'Wz,  beta = A^-1 b.
   A is accumulated by dsyrk over row blocks of sqrt(W) X; NT_GLM_CHUNKS fixed
   chunks of rows are summed in chunk order (thread-count independent).
   A is solved after scaling to unit diagonal (D A D, D = diag(A)^-1/2): the
   Cholesky factor's squared pivots are then the share of each column not
   explained by the earlier ones, and a pivot below 1e-10 names the aliased
   column. If GSL's Cholesky fails outright, QR with column pivoting (GSL
   QRPT) finds the rank and the first aliased column. */
#include "estimators/nt_glm.h"
#include "estimators/nt_stats.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Fortran BLAS from OpenBLAS (named so GSL's reference cblas cannot shadow it). */
extern void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k,
                   const double *alpha, const double *a, const int *lda,
                   const double *beta, double *c, const int *ldc);
extern void openblas_set_num_threads(int num_threads);

#define NT_GLM_CHUNKS 64
#define NT_GLM_BLOCK 2048
/* Below this many rows threads cost more than they save (the chunks, and so
   the result, are the same either way). */
#define NT_GLM_PAR_MIN 65536
#define NT_GLM_ALIAS_TOL 1e-10

void nt_glm_opts_default(nt_glm_opts *o)
{
    o->link = NT_LINK_LOGIT;
    o->maxit = 25;
    o->epsilon = 1e-8;
    o->check_separation = 1;
    o->start = NULL;
}

void nt_glm_fit_free(nt_glm_fit *f)
{
    if (!f) return;
    free(f->beta);
    free(f->se);
    free(f->cov);
    free(f->eta);
    free(f->mu);
    free(f);
}

/* R's family functions (src/library/stats/src/family.c and binomial()). */
double nt_glm_linkinv(nt_glm_link link, double eta)
{
    if (link == NT_LINK_LOGIT) {
        double t = eta < -30 ? DBL_EPSILON : (eta > 30 ? 1 / DBL_EPSILON : exp(eta));
        return t / (1 + t);
    }
    double m = -expm1(-exp(eta));
    if (m > 1 - DBL_EPSILON) m = 1 - DBL_EPSILON;
    if (m < DBL_EPSILON) m = DBL_EPSILON;
    return m;
}

double nt_glm_mu_eta(nt_glm_link link, double eta)
{
    if (link == NT_LINK_LOGIT) {
        if (eta > 30 || eta < -30) return DBL_EPSILON;
        double e = exp(eta), o = 1 + e;
        return e / (o * o);
    }
    if (eta > 700) eta = 700;
    double v = exp(eta) * exp(-exp(eta));
    return v > DBL_EPSILON ? v : DBL_EPSILON;
}

static double linkfun(nt_glm_link link, double mu)
{
    return link == NT_LINK_LOGIT ? log(mu / (1 - mu)) : log(-log1p(-mu));
}

static double ylogy(double y, double mu)
{
    return y != 0 ? y * log(y / mu) : 0;
}

static double dev_resid(double y, double mu, double w)
{
    return 2 * w * (ylogy(y, mu) + ylogy(1 - y, 1 - mu));
}

/* Chunk c of NT_GLM_CHUNKS covers rows [lo, hi). */
static void chunk_range(long n, int c, long *lo, long *hi)
{
    *lo = (long)((double)n * c / NT_GLM_CHUNKS);
    *hi = (long)((double)n * (c + 1) / NT_GLM_CHUNKS);
    if (c == NT_GLM_CHUNKS - 1) *hi = n;
}

/* Sum of dev_resid over rows, chunked and combined in chunk order. */
static double deviance(const double *y, const double *mu, const double *w, long n)
{
    double part[NT_GLM_CHUNKS];
#pragma omp parallel for schedule(static) if (n >= NT_GLM_PAR_MIN)
    for (int c = 0; c < NT_GLM_CHUNKS; c++) {
        long lo, hi;
        chunk_range(n, c, &lo, &hi);
        double s = 0, comp = 0;
        for (long i = lo; i < hi; i++) {
            double wi = w ? w[i] : 1;
            if (wi == 0) continue;
            double v = dev_resid(y[i], mu[i], wi), t = s + v;
            comp += fabs(s) >= fabs(v) ? (s - t) + v : (v - t) + s;
            s = t;
        }
        part[c] = s + comp;
    }
    double s = 0;
    for (int c = 0; c < NT_GLM_CHUNKS; c++) s += part[c];
    return s;
}

/* eta = X beta, mu = g^-1(eta). */
static void predict(const double *x, long n, int p, const double *beta, nt_glm_link link,
                    double *eta, double *mu)
{
#pragma omp parallel for schedule(static) if (n >= NT_GLM_PAR_MIN)
    for (int c = 0; c < NT_GLM_CHUNKS; c++) {
        long lo, hi;
        chunk_range(n, c, &lo, &hi);
        for (long i = lo; i < hi; i++) eta[i] = 0;
        for (int j = 0; j < p; j++) {
            const double *xj = x + (size_t)j * (size_t)n;
            double b = beta[j];
            for (long i = lo; i < hi; i++) eta[i] += xj[i] * b;
        }
        for (long i = lo; i < hi; i++) mu[i] = nt_glm_linkinv(link, eta[i]);
    }
}

/* A = X'WX (lower triangle filled, then mirrored), b = X'Wz. Returns 0, or -1
   out of memory. */
static int cross_products(const double *x, long n, int p, const double *y, const double *w,
                          const double *eta, const double *mu, nt_glm_link link,
                          double *A, double *b)
{
    double *partA = calloc((size_t)NT_GLM_CHUNKS * (size_t)p * (size_t)p, sizeof *partA);
    double *partb = calloc((size_t)NT_GLM_CHUNKS * (size_t)p, sizeof *partb);
    int fail = !partA || !partb;
    if (!fail) {
#pragma omp parallel if (n >= NT_GLM_PAR_MIN)
        {
            double *blk = malloc((size_t)NT_GLM_BLOCK * (size_t)p * sizeof *blk);
            double *zs = malloc((size_t)NT_GLM_BLOCK * sizeof *zs);
            long *rows = malloc((size_t)NT_GLM_BLOCK * sizeof *rows);
            if (!blk || !zs || !rows) {
#pragma omp atomic write
                fail = 1;
            }
#pragma omp for schedule(static)
            for (int c = 0; c < NT_GLM_CHUNKS; c++) {
                if (!blk || !zs || !rows) continue;
                long lo, hi;
                chunk_range(n, c, &lo, &hi);
                double *Ac = partA + (size_t)c * (size_t)p * (size_t)p;
                double *bc = partb + (size_t)c * (size_t)p;
                for (long s = lo; s < hi; s += NT_GLM_BLOCK) {
                    long e = s + NT_GLM_BLOCK < hi ? s + NT_GLM_BLOCK : hi;
                    int nb = 0;
                    for (long i = s; i < e; i++) {
                        double wi = w ? w[i] : 1;
                        if (!(wi > 0)) continue;
                        double m = nt_glm_mu_eta(link, eta[i]);
                        if (m == 0) continue;
                        double sw = sqrt(wi * m * m / (mu[i] * (1 - mu[i])));
                        rows[nb] = i;
                        zs[nb] = sw * (eta[i] + (y[i] - mu[i]) / m);
                        blk[nb] = sw; /* column 0 filled below; keep sw here */
                        nb++;
                    }
                    if (nb == 0) continue;
                    /* sw is in blk[0..nb); build columns from last to first so
                       column 0 (which holds sw) is overwritten last. */
                    for (int j = p - 1; j >= 0; j--) {
                        const double *xj = x + (size_t)j * (size_t)n;
                        double *bj = blk + (size_t)j * (size_t)nb;
                        for (int r = 0; r < nb; r++) bj[r] = xj[rows[r]] * blk[r];
                    }
                    for (int j = 0; j < p; j++) {
                        const double *bj = blk + (size_t)j * (size_t)nb;
                        double acc = 0;
                        for (int r = 0; r < nb; r++) acc += bj[r] * zs[r];
                        bc[j] += acc;
                    }
                    const double one = 1.0;
                    dsyrk_("L", "T", &p, &nb, &one, blk, &nb, &one, Ac, &p);
                }
            }
            free(blk);
            free(zs);
            free(rows);
        }
    }
    if (!fail) {
        memset(A, 0, (size_t)p * (size_t)p * sizeof *A);
        memset(b, 0, (size_t)p * sizeof *b);
        for (int c = 0; c < NT_GLM_CHUNKS; c++) {
            const double *Ac = partA + (size_t)c * (size_t)p * (size_t)p;
            for (int j = 0; j < p; j++)
                for (int k = j; k < p; k++) A[(size_t)j * p + k] += Ac[(size_t)j * p + k];
            for (int j = 0; j < p; j++) b[j] += partb[(size_t)c * p + j];
        }
        for (int j = 0; j < p; j++)
            for (int k = j + 1; k < p; k++) A[(size_t)k * p + j] = A[(size_t)j * p + k];
    }
    free(partA);
    free(partb);
    return fail ? -1 : 0;
}

static const char *term_name(const char *const *terms, int j, char *buf, size_t size)
{
    if (terms && terms[j]) return terms[j];
    snprintf(buf, size, "column %d", j + 1);
    return buf;
}

/* Solves A beta = b; fills cov = A^-1 when cov != NULL. A is p x p symmetric. */
static nt_status solve(const double *A, const double *b, int p, const char *const *terms,
                       double *beta, double *cov, nt_error *err)
{
    nt_status st = NT_OK;
    gsl_matrix *S = gsl_matrix_alloc((size_t)p, (size_t)p);
    gsl_vector *d = gsl_vector_alloc((size_t)p), *rhs = gsl_vector_alloc((size_t)p);
    gsl_vector *sol = gsl_vector_alloc((size_t)p);
    if (!S || !d || !rhs || !sol) { st = nt_fail(err, NT_ENOMEM, "out of memory in the GLM solve"); goto done; }
    char nb[32];
    for (int j = 0; j < p; j++) {
        double a = A[(size_t)j * p + j];
        if (!(a > 0) || !isfinite(a)) {
            st = nt_fail(err, NT_EINPUT, "%s has no variation among the rows used (all zero weight or constant zero)",
                         term_name(terms, j, nb, sizeof nb));
            goto done;
        }
        gsl_vector_set(d, (size_t)j, 1 / sqrt(a));
    }
    for (int j = 0; j < p; j++)
        for (int k = 0; k < p; k++)
            gsl_matrix_set(S, (size_t)j, (size_t)k,
                           A[(size_t)k * p + j] * gsl_vector_get(d, (size_t)j) * gsl_vector_get(d, (size_t)k));
    for (int j = 0; j < p; j++) gsl_vector_set(rhs, (size_t)j, b[j] * gsl_vector_get(d, (size_t)j));
    gsl_matrix *keep = gsl_matrix_alloc((size_t)p, (size_t)p);
    if (!keep) { st = nt_fail(err, NT_ENOMEM, "out of memory in the GLM solve"); goto done; }
    gsl_matrix_memcpy(keep, S);
    int gs = gsl_linalg_cholesky_decomp1(S);
    if (gs == GSL_SUCCESS) {
        for (int j = 0; j < p; j++) {
            double l = gsl_matrix_get(S, (size_t)j, (size_t)j);
            if (l * l < NT_GLM_ALIAS_TOL) {
                st = nt_fail(err, NT_EINPUT, "%s is a linear combination of earlier columns (collinear covariates)",
                             term_name(terms, j, nb, sizeof nb));
                gsl_matrix_free(keep);
                goto done;
            }
        }
        gsl_linalg_cholesky_solve(S, rhs, sol);
        if (cov) gsl_linalg_cholesky_invert(S);
    } else {
        /* Fallback: QR with column pivoting on the scaled matrix. */
        gsl_vector *tau = gsl_vector_alloc((size_t)p), *norm = gsl_vector_alloc((size_t)p);
        gsl_permutation *perm = gsl_permutation_alloc((size_t)p);
        int signum;
        if (!tau || !norm || !perm) {
            st = nt_fail(err, NT_ENOMEM, "out of memory in the GLM solve");
        } else {
            gsl_matrix_memcpy(S, keep);
            gsl_linalg_QRPT_decomp(S, tau, perm, &signum, norm);
            double r0 = fabs(gsl_matrix_get(S, 0, 0));
            int rank = 0;
            while (rank < p && fabs(gsl_matrix_get(S, (size_t)rank, (size_t)rank)) > NT_GLM_ALIAS_TOL * r0) rank++;
            if (rank < p) {
                st = nt_fail(err, NT_EINPUT, "%s is a linear combination of other columns (collinear covariates)",
                             term_name(terms, (int)gsl_permutation_get(perm, (size_t)rank), nb, sizeof nb));
            } else {
                gsl_linalg_QRPT_solve(S, tau, perm, rhs, sol);
                if (cov) {
                    gsl_vector *e = gsl_vector_alloc((size_t)p), *col = gsl_vector_alloc((size_t)p);
                    gsl_matrix *inv = gsl_matrix_alloc((size_t)p, (size_t)p);
                    if (!e || !col || !inv) st = nt_fail(err, NT_ENOMEM, "out of memory in the GLM solve");
                    else {
                        for (int k = 0; k < p; k++) {
                            gsl_vector_set_basis(e, (size_t)k);
                            gsl_linalg_QRPT_solve(S, tau, perm, e, col);
                            gsl_matrix_set_col(inv, (size_t)k, col);
                        }
                        gsl_matrix_memcpy(S, inv);
                    }
                    gsl_vector_free(e);
                    gsl_vector_free(col);
                    gsl_matrix_free(inv);
                }
            }
        }
        gsl_vector_free(tau);
        gsl_vector_free(norm);
        gsl_permutation_free(perm);
    }
    gsl_matrix_free(keep);
    if (st) goto done;
    for (int j = 0; j < p; j++) beta[j] = gsl_vector_get(sol, (size_t)j) * gsl_vector_get(d, (size_t)j);
    if (cov)
        for (int j = 0; j < p; j++)
            for (int k = 0; k < p; k++)
                cov[(size_t)k * p + j] = gsl_matrix_get(S, (size_t)j, (size_t)k) * gsl_vector_get(d, (size_t)j) *
                                         gsl_vector_get(d, (size_t)k);
done:
    gsl_matrix_free(S);
    gsl_vector_free(d);
    gsl_vector_free(rhs);
    gsl_vector_free(sol);
    return st;
}

nt_status nt_glm_fit_alloc(const double *x, long n, int p, const double *y, const double *w,
                           const char *const *terms, const nt_glm_opts *opts,
                           nt_glm_fit **out, nt_error *err)
{
    nt_gsl_quiet();
    nt_glm_opts o;
    if (opts) o = *opts; else nt_glm_opts_default(&o);
    if (n <= 0 || p <= 0) return nt_fail(err, NT_EINPUT, "GLM: no rows or no columns to fit");
    for (long i = 0; i < n; i++) {
        if (!(y[i] >= 0 && y[i] <= 1)) return nt_fail(err, NT_EINPUT, "GLM: response value %g at row %ld is not in [0, 1]", y[i], i + 1);
        if (w && !(w[i] >= 0 && isfinite(w[i]))) return nt_fail(err, NT_EINPUT, "GLM: weight %g at row %ld is not a finite non-negative number", w[i], i + 1);
    }
    openblas_set_num_threads(1);
    nt_status st = NT_OK;
    nt_glm_fit *f = calloc(1, sizeof *f);
    double *A = malloc((size_t)p * (size_t)p * sizeof *A), *b = malloc((size_t)p * sizeof *b);
    double *beta_new = malloc((size_t)p * sizeof *beta_new);
    if (f) {
        f->n = n;
        f->p = p;
        f->beta = calloc((size_t)p, sizeof *f->beta);
        f->se = calloc((size_t)p, sizeof *f->se);
        f->cov = calloc((size_t)p * (size_t)p, sizeof *f->cov);
        f->eta = malloc((size_t)n * sizeof *f->eta);
        f->mu = malloc((size_t)n * sizeof *f->mu);
    }
    if (!f || !A || !b || !beta_new || !f->beta || !f->se || !f->cov || !f->eta || !f->mu) {
        st = nt_fail(err, NT_ENOMEM, "out of memory fitting a GLM with %ld rows and %d columns", n, p);
        goto done;
    }
    /* Start as binomial()$initialize: mustart = (w y + 0.5) / (w + 1). */
    double sw = 0, swy = 0;
    for (long i = 0; i < n; i++) {
        double wi = w ? w[i] : 1;
        double m = (wi * y[i] + 0.5) / (wi + 1);
        f->eta[i] = linkfun(o.link, m);
        f->mu[i] = nt_glm_linkinv(o.link, f->eta[i]);
        sw += wi;
        swy += wi * y[i];
    }
    if (!(sw > 0)) { st = nt_fail(err, NT_EINPUT, "GLM: every row has weight 0"); goto done; }
    if (o.start) {
        memcpy(f->beta, o.start, (size_t)p * sizeof *f->beta);
        predict(x, n, p, o.start, o.link, f->eta, f->mu);
    }
    double devold = deviance(y, f->mu, w, n), dev = devold;
    int conv = 0, iter;
    for (iter = 1; iter <= o.maxit; iter++) {
        if (cross_products(x, n, p, y, w, f->eta, f->mu, o.link, A, b)) {
            st = nt_fail(err, NT_ENOMEM, "out of memory fitting a GLM with %d columns", p);
            goto done;
        }
        st = solve(A, b, p, terms, beta_new, NULL, err);
        if (st) goto done;
        predict(x, n, p, beta_new, o.link, f->eta, f->mu);
        dev = deviance(y, f->mu, w, n);
        /* Step halving when the deviance is not finite (glm.fit's rule). */
        for (int h = 0; !isfinite(dev) && h < 30; h++) {
            for (int j = 0; j < p; j++) beta_new[j] = (beta_new[j] + f->beta[j]) / 2;
            predict(x, n, p, beta_new, o.link, f->eta, f->mu);
            dev = deviance(y, f->mu, w, n);
        }
        if (!isfinite(dev)) { st = nt_fail(err, NT_ENUMERIC, "GLM: the deviance is not finite; the fit diverged"); goto done; }
        memcpy(f->beta, beta_new, (size_t)p * sizeof *beta_new);
        if (fabs(dev - devold) / (fabs(dev) + 0.1) < o.epsilon) { conv = 1; break; }
        devold = dev;
    }
    if (iter > o.maxit) iter = o.maxit;
    /* Covariance from the last iteration's X'WX, as summary.glm. */
    st = solve(A, b, p, terms, beta_new, f->cov, err);
    if (st) goto done;
    for (int j = 0; j < p; j++) f->se[j] = sqrt(f->cov[(size_t)j * p + j]);
    f->deviance = dev;
    f->loglik = -dev / 2;
    f->iterations = iter;
    f->converged = conv;
    {
        double ybar = swy / sw, nd = 0;
        for (long i = 0; i < n; i++) {
            double wi = w ? w[i] : 1;
            if (wi > 0) nd += dev_resid(y[i], ybar, wi);
        }
        f->null_deviance = nd;
    }
    if (o.check_separation) {
        double maxeta = 0;
        long at = -1;
        for (long i = 0; i < n; i++) {
            if (w && w[i] == 0) continue;
            double a = fabs(f->eta[i]);
            if (a > maxeta) maxeta = a;
            if (at < 0 && (a > 30 || f->mu[i] < 1e-10 || f->mu[i] > 1 - 1e-10)) at = i;
        }
        if (at >= 0) {
            st = nt_fail(err, NT_ENUMERIC,
                         "perfect or quasi-complete separation: fitted probabilities numerically 0 or 1 (max |linear predictor| %.3g, first at row %ld); "
                         "drop or merge the covariate categories that predict the outcome perfectly",
                         maxeta, at + 1);
            goto done;
        }
    }
    if (!conv) {
        st = nt_fail(err, NT_ENUMERIC, "GLM did not converge in %d iterations (deviance change still above %g)", o.maxit, o.epsilon);
        goto done;
    }
done:
    free(A);
    free(b);
    free(beta_new);
    if (st) nt_glm_fit_free(f);
    else *out = f;
    return st;
}

nt_status nt_glm_check_cells(const double *x, long n, int p, const double *y,
                             const int *var_of_term, const char *const *terms,
                             const char *what_y, nt_error *err)
{
    if (!what_y) what_y = "the outcome";
    /* Variables: groups of terms with one var_of_term index (each column its
       own variable without var_of_term); only groups of 0/1 columns whose
       rows have at most one 1 are categorical. */
    int *first = malloc((size_t)p * sizeof *first);
    long *cnt = malloc((size_t)(p + 1) * 3 * sizeof *cnt);
    if (!first || !cnt) { free(first); free(cnt); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    nt_status st = NT_OK;
    char nb[32];
    for (int j = 0; j < p; j++) {
        first[j] = j;
        if (var_of_term)
            for (int k = 0; k < j; k++) if (var_of_term[k] == var_of_term[j]) { first[j] = first[k]; break; }
    }
    for (int j = 0; j < p && !st; j++) {
        if (first[j] != j || (var_of_term && var_of_term[j] < 0)) continue;
        int terms_of[256], nt = 0;
        for (int k = j; k < p && nt < 256; k++) if (first[k] == j) terms_of[nt++] = k;
        /* cnt[3c + 0/1/2]: rows, y == 1, y == 0 of cell c (c = nt: reference). */
        memset(cnt, 0, (size_t)(nt + 1) * 3 * sizeof *cnt);
        int categorical = 1;
        for (long i = 0; i < n && categorical; i++) {
            int c = nt, ones = 0;
            for (int t = 0; t < nt; t++) {
                double v = x[(size_t)terms_of[t] * n + i];
                if (v == 1) { c = t; ones++; }
                else if (v != 0) { categorical = 0; break; }
            }
            if (ones > 1) categorical = 0;
            cnt[3 * c]++;
            cnt[3 * c + 1] += y[i] == 1;
            cnt[3 * c + 2] += y[i] == 0;
        }
        if (!categorical) continue;
        for (int c = 0; c <= nt && !st; c++) {
            long rows = cnt[3 * c], y1 = cnt[3 * c + 1], y0 = cnt[3 * c + 2];
            if (rows == 0 || (y1 != rows && y0 != rows)) continue;
            if (c < nt) {
                st = nt_fail(err, NT_EINPUT, "%s predicts %s perfectly (all %ld rows have %s = %d); drop or merge that category",
                             term_name(terms, terms_of[c], nb, sizeof nb), what_y, rows, what_y, y1 == rows ? 1 : 0);
            } else {
                const char *t = term_name(terms, j, nb, sizeof nb);
                const char *eq = strchr(t, '=');
                int len = eq ? (int)(eq - t) : (int)strlen(t);
                st = nt_fail(err, NT_EINPUT, "the reference level of %.*s predicts %s perfectly (all %ld rows have %s = %d); drop or merge that category",
                             len, t, what_y, rows, what_y, y1 == rows ? 1 : 0);
            }
        }
    }
    free(first);
    free(cnt);
    return st;
}
