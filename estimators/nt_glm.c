/* Binomial GLM by IRLS (see nt_glm.h for the contract).

   Per iteration, with prior weights w, current eta and mu = g^-1(eta):
     m_i = d mu / d eta,  W_i = w_i m_i^2 / (mu_i (1 - mu_i)),
     z_i = eta_i + (y_i - mu_i) / m_i,
     A = X'WX,  b = X'Wz,  beta = A^-1 b.
   A is accumulated by dsyrk over row blocks of sqrt(W) X; NT_GLM_CHUNKS fixed
   chunks of rows are summed in chunk order (thread-count independent).

   Aliasing (R's rule, decided without BLAS). A is scaled to unit diagonal
   (D A D, D = diag(A)^-1/2), so a squared Cholesky pivot is the share of a
   column's norm not explained by the earlier columns. When every squared
   pivot is >= NT_GLM_SCREEN_TOL (1e-10) no column can be aliased (R's
   threshold is a share of tol^2 <= 1e-14, and the rounding of A, which
   depends on the BLAS kernel, is ~1e-15) and the Cholesky solve is used.
   Otherwise the rounding of A could decide, so the step is redone from the
   QR of sqrt(W) X itself: Householder reflections in plain loops, per chunk
   then chunk by chunk in order (qr_products), and R's dqrdc2 rule in column
   order on the factor (solve_qr): column l is aliased when its residual
   norm after the accepted earlier columns is below tol x its own norm,
   tol = min(1e-7, epsilon / 1000) as glm.fit's. So of a dependent set the
   later column is the aliased one, whatever the kernel or thread count. */
#include "estimators/nt_glm.h"
#include "estimators/nt_stats.h"

#include <float.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <sys/resource.h>
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
/* Squared scaled Cholesky pivot below which the QR decides aliasing. */
#define NT_GLM_SCREEN_TOL 1e-10

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

/* OpenBLAS takes a 128 MiB work buffer per calling thread on first use and,
   when that allocation fails (a finite `ulimit -v`), retries forever. Under
   an address-space limit each thread first checks that such a block can be
   had (once; OpenBLAS keeps its buffer), so a shortage is "out of memory". */
#define NT_BLAS_BUFFER (136u << 20)
static int blas_buffer_ok(void)
{
    static _Thread_local int ok;
    static int limited = -1;
    if (ok) return 1;
    if (limited < 0) {
        struct rlimit rl;
        const int l = getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY;
#pragma omp atomic write
        limited = l;
        (void)l;
    }
    int lim;
#pragma omp atomic read
    lim = limited;
    if (lim) {
        void *probe = malloc(NT_BLAS_BUFFER);
        if (!probe) return 0;
        free(probe);
    }
    ok = 1;
    return 1;
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
            if (!blk || !zs || !rows || !blas_buffer_ok()) {
                free(blk);
                blk = NULL;
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

/* The screen: solves A beta = b by Cholesky of the unit-diagonal matrix
   D A D. Sets *need_qr (and solves nothing) when the factorisation fails or
   a squared pivot is below NT_GLM_SCREEN_TOL: only the QR of sqrt(W) X can
   then tell an aliased column from a nearly aliased one. Fills cov = A^-1
   when cov != NULL. A is p x p symmetric. */
static nt_status solve_chol(const double *A, const double *b, int p, const char *const *terms,
                            double *beta, double *cov, int *need_qr, nt_error *err)
{
    nt_status st = NT_OK;
    *need_qr = 0;
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
    if (gsl_linalg_cholesky_decomp1(S) != GSL_SUCCESS) { *need_qr = 1; goto done; }
    for (int j = 0; j < p; j++) {
        double l = gsl_matrix_get(S, (size_t)j, (size_t)j);
        if (!(l * l >= NT_GLM_SCREEN_TOL)) { *need_qr = 1; goto done; }
    }
    gsl_linalg_cholesky_solve(S, rhs, sol);
    if (cov) gsl_linalg_cholesky_invert(S);
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

/* R := the R factor of [R; B] (R q x q upper triangular, B nb x q, both
   column-major; B is overwritten). Householder reflections in column order,
   LAPACK dlarfg's convention: for column j, alpha = R_jj, sigma = |B_.j|^2,
   beta = -sign(alpha) sqrt(alpha^2 + sigma), v = (1, B_.j / (alpha - beta)),
   tau = (beta - alpha) / beta, and H = I - tau v v' is applied to columns
   j+1.. of R's row j and of B. Plain loops with sums in row order: the
   result depends on no BLAS kernel and no thread count. */
static void qr_fold(double *R, int q, double *B, long nb)
{
    for (int j = 0; j < q; j++) {
        double *bj = B + (size_t)j * (size_t)nb;
        double sigma = 0;
        for (long r = 0; r < nb; r++) sigma += bj[r] * bj[r];
        if (sigma == 0) continue;
        double alpha = R[(size_t)j * q + j], norm = sqrt(alpha * alpha + sigma);
        double beta = alpha > 0 ? -norm : norm, v0 = alpha - beta, tau = (beta - alpha) / beta;
        for (long r = 0; r < nb; r++) bj[r] /= v0;
        R[(size_t)j * q + j] = beta;
        for (int k = j + 1; k < q; k++) {
            double *bk = B + (size_t)k * (size_t)nb, s = R[(size_t)k * q + j];
            for (long r = 0; r < nb; r++) s += bj[r] * bk[r];
            s *= tau;
            R[(size_t)k * q + j] -= s;
            for (long r = 0; r < nb; r++) bk[r] -= s * bj[r];
        }
    }
}

/* R (q x q, q = p + 1, column-major, upper triangular) of the QR of
   [sqrt(W) X | sqrt(W) z] over the rows with positive weight: each of the
   NT_GLM_CHUNKS chunks folds its row blocks into its own R, then the chunks'
   R are folded into chunk 0's in chunk order (thread-count independent).
   Returns 0, or -1 out of memory. */
static int qr_products(const double *x, long n, int p, const double *y, const double *w,
                       const double *eta, const double *mu, nt_glm_link link, double *R)
{
    int q = p + 1;
    size_t qq = (size_t)q * (size_t)q;
    double *partR = calloc((size_t)NT_GLM_CHUNKS * qq, sizeof *partR);
    int fail = !partR;
    if (!fail) {
#pragma omp parallel if (n >= NT_GLM_PAR_MIN)
        {
            double *blk = malloc((size_t)NT_GLM_BLOCK * (size_t)q * sizeof *blk);
            if (!blk) {
#pragma omp atomic write
                fail = 1;
            }
#pragma omp for schedule(static)
            for (int c = 0; c < NT_GLM_CHUNKS; c++) {
                if (!blk) continue;
                long lo, hi;
                chunk_range(n, c, &lo, &hi);
                for (long s = lo; s < hi; s += NT_GLM_BLOCK) {
                    long e = s + NT_GLM_BLOCK < hi ? s + NT_GLM_BLOCK : hi, nb = 0;
                    for (long i = s; i < e; i++) {
                        double wi = w ? w[i] : 1;
                        if (!(wi > 0)) continue;
                        double m = nt_glm_mu_eta(link, eta[i]);
                        if (m == 0) continue;
                        nb++;
                    }
                    if (nb == 0) continue;
                    long r = 0;
                    for (long i = s; i < e; i++) {
                        double wi = w ? w[i] : 1;
                        if (!(wi > 0)) continue;
                        double m = nt_glm_mu_eta(link, eta[i]);
                        if (m == 0) continue;
                        double sw = sqrt(wi * m * m / (mu[i] * (1 - mu[i])));
                        for (int j = 0; j < p; j++) blk[(size_t)j * nb + r] = sw * x[(size_t)j * (size_t)n + i];
                        blk[(size_t)p * nb + r] = sw * (eta[i] + (y[i] - mu[i]) / m);
                        r++;
                    }
                    qr_fold(partR + (size_t)c * qq, q, blk, nb);
                }
            }
            free(blk);
        }
    }
    if (!fail) {
        memcpy(R, partR, qq * sizeof *R);
        for (int c = 1; c < NT_GLM_CHUNKS; c++) qr_fold(R, q, partR + (size_t)c * qq, q);
    }
    free(partR);
    return fail ? -1 : 0;
}

/* R's aliasing rule (dqrdc2 with limited column pivoting) on the factor R
   of qr_products, then the solve. Columns are taken in order; column l's
   residual norm, after projecting out the columns accepted before it, is
   compared with tol times its own norm (so the rule is per-column scaled):
   below it, l is aliased and left out (dqrdc2 moves it to the end), else it
   is accepted and its Householder reflection applied to the later columns.
   Any aliased column is an error naming every aliased column. Otherwise
   beta solves R beta = Q'z and cov = R^-1 R^-T (R's chol2inv). */
static nt_status solve_qr(const double *R, int p, double tol, const char *const *terms,
                          double *beta, double *cov, nt_error *err)
{
    int q = p + 1;
    double *M = malloc((size_t)q * (size_t)q * sizeof *M), *v = malloc((size_t)q * sizeof *v);
    int *aliased = calloc((size_t)p, sizeof *aliased);
    if (!M || !v || !aliased) { free(M); free(v); free(aliased); return nt_fail(err, NT_ENOMEM, "out of memory in the GLM solve"); }
    memcpy(M, R, (size_t)q * (size_t)q * sizeof *M);
    int r = 0, n_aliased = 0;
    for (int l = 0; l < p; l++) {
        double *ml = M + (size_t)l * q, norm0 = 0, res = 0;
        for (int i = 0; i <= l; i++) norm0 += R[(size_t)l * q + i] * R[(size_t)l * q + i];
        for (int i = r; i <= l; i++) res += ml[i] * ml[i];
        if (!(sqrt(res) >= tol * sqrt(norm0)) || norm0 == 0) { aliased[l] = 1; n_aliased++; continue; }
        double alpha = ml[r], sigma = 0;
        for (int i = r + 1; i <= l; i++) sigma += ml[i] * ml[i];
        if (sigma > 0) {   /* reflect rows r..l so column l ends at row r */
            double nrm = sqrt(res), bt = alpha > 0 ? -nrm : nrm, v0 = alpha - bt, tau = (bt - alpha) / bt;
            for (int i = r + 1; i <= l; i++) { v[i] = ml[i] / v0; ml[i] = 0; }
            ml[r] = bt;
            for (int k = l + 1; k < q; k++) {
                double *mk = M + (size_t)k * q, s = mk[r];
                for (int i = r + 1; i <= l; i++) s += v[i] * mk[i];
                s *= tau;
                mk[r] -= s;
                for (int i = r + 1; i <= l; i++) mk[i] -= s * v[i];
            }
        }
        r++;
    }
    nt_status st = NT_OK;
    if (n_aliased) {
        char names[400] = "", nb[32];
        size_t len = 0;
        for (int j = 0; j < p && len < sizeof names; j++)
            if (aliased[j])
                len += (size_t)snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", term_name(terms, j, nb, sizeof nb));
        st = nt_fail(err, NT_EINPUT, "%s %s a linear combination of earlier columns (collinear covariates); drop %s",
                     names, n_aliased > 1 ? "are each" : "is", n_aliased > 1 ? "them" : "it");
    } else {
        /* No column left out: M is R (no reflection was needed). */
        for (int j = p - 1; j >= 0; j--) {
            double s = R[(size_t)p * q + j];
            for (int k = j + 1; k < p; k++) s -= R[(size_t)k * q + j] * beta[k];
            beta[j] = s / R[(size_t)j * q + j];
        }
        if (cov) {   /* M := R^-1 (upper triangular, leading dimension q), cov = M M' */
            for (int k = 0; k < p; k++)
                for (int j = k; j >= 0; j--) {
                    double s = j == k ? 1 : 0;
                    for (int m = j + 1; m <= k; m++) s -= R[(size_t)m * q + j] * M[(size_t)k * q + m];
                    M[(size_t)k * q + j] = s / R[(size_t)j * q + j];
                }
            for (int j = 0; j < p; j++)
                for (int k = j; k < p; k++) {
                    double s = 0;
                    for (int m = k; m < p; m++) s += M[(size_t)m * q + j] * M[(size_t)m * q + k];
                    cov[(size_t)k * p + j] = cov[(size_t)j * p + k] = s;
                }
        }
    }
    free(M);
    free(v);
    free(aliased);
    return st;
}

/* One IRLS solve at the current eta and mu: beta (and cov) from X'WX when
   the Cholesky screen passes, else from the QR of sqrt(W) X with R's rule.
   A (p x p) and b (p) are workspace. */
static nt_status irls_solve(const double *x, long n, int p, const double *y, const double *w,
                            const double *eta, const double *mu, nt_glm_link link, double tol,
                            const char *const *terms, double *A, double *b, double *beta, double *cov,
                            nt_error *err)
{
    if (cross_products(x, n, p, y, w, eta, mu, link, A, b))
        return nt_fail(err, NT_ENOMEM, "out of memory fitting a GLM with %d columns", p);
    int need_qr;
    nt_status st = solve_chol(A, b, p, terms, beta, cov, &need_qr, err);
    if (st || !need_qr) return st;
    double *R = malloc((size_t)(p + 1) * (size_t)(p + 1) * sizeof *R);
    if (!R || qr_products(x, n, p, y, w, eta, mu, link, R)) {
        free(R);
        return nt_fail(err, NT_ENOMEM, "out of memory fitting a GLM with %d columns", p);
    }
    st = solve_qr(R, p, tol, terms, beta, cov, err);
    free(R);
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
    double tol = o.epsilon / 1000 < 1e-7 ? o.epsilon / 1000 : 1e-7;   /* glm.fit's qr tolerance */
    int conv = 0, iter;
    for (iter = 1; iter <= o.maxit; iter++) {
        st = irls_solve(x, n, p, y, w, f->eta, f->mu, o.link, tol, terms, A, b, beta_new, f->cov, err);
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
    /* f->cov is from the last iteration's weights, as summary.glm. */
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
