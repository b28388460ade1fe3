/* Firth's (1993) penalised logit: the maximum of
     l(beta) + 1/2 log det I(beta),  I = X'WX, W = diag(w mu (1 - mu)),
   which is finite under (quasi-)complete separation, where the plain
   logit's maximum lies at infinity (Heinze & Schemper 2002). The modified
   score is
     U*(beta) = X' [w (y - mu) + h (1/2 - mu)],
   h the diagonal of the hat matrix W^1/2 X I^-1 X' W^1/2 (case weights w as
   frequency weights: the hat value of a row of w copies is w times a copy's).
   Newton steps beta += I^-1 U*, each step's largest coefficient change
   capped at 5 (logistf's maxstep), until the largest change is below 1e-10
   (at most 200 steps); cov = I^-1 at the estimate. R: the same
   iterations in base R (scripts/reference/firth_golden.R), brglm2's
   brglmFit with type = "AS_mean" and logistf agree. Logit link only. */
#include "estimators/nt_glm.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_linalg.h>

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in the Firth logit")

/* I = X'WX into A (p x p), mu and W from beta. */
static void information(const double *x, long n, int p, const double *w, const double *beta, double *eta,
                        double *mu, double *A)
{
    memset(A, 0, (size_t)p * (size_t)p * sizeof *A);
    for (long i = 0; i < n; i++) {
        double e = 0;
        for (int j = 0; j < p; j++) e += x[(size_t)j * (size_t)n + (size_t)i] * beta[j];
        eta[i] = e;
        mu[i] = 1.0 / (1.0 + exp(-e));
        double v = (w ? w[i] : 1.0) * mu[i] * (1 - mu[i]);
        if (v == 0) continue;
        for (int a = 0; a < p; a++) {
            double xa = v * x[(size_t)a * (size_t)n + (size_t)i];
            for (int b = 0; b <= a; b++) A[a * p + b] += xa * x[(size_t)b * (size_t)n + (size_t)i];
        }
    }
    for (int a = 0; a < p; a++)
        for (int b = 0; b < a; b++) A[b * p + a] = A[a * p + b];
}

nt_status nt_glm_firth_alloc(const double *x, long n, int p, const double *y, const double *w,
                             nt_glm_fit **out, nt_error *err)
{
    nt_glm_fit *f = calloc(1, sizeof *f);
    double *A = malloc((size_t)p * (size_t)p * sizeof *A), *U = malloc((size_t)p * sizeof *U);
    double *xi = malloc((size_t)p * sizeof *xi), *z = malloc((size_t)p * sizeof *z);
    if (!f || !A || !U || !xi || !z) { free(f); free(A); free(U); free(xi); free(z); return NOMEM(err); }
    f->n = n;
    f->p = p;
    f->beta = calloc((size_t)p, sizeof *f->beta);
    f->se = malloc((size_t)p * sizeof *f->se);
    f->cov = malloc((size_t)p * (size_t)p * sizeof *f->cov);
    f->eta = malloc((size_t)(n ? n : 1) * sizeof *f->eta);
    f->mu = malloc((size_t)(n ? n : 1) * sizeof *f->mu);
    nt_status s = NT_OK;
    if (!f->beta || !f->se || !f->cov || !f->eta || !f->mu) { s = NOMEM(err); goto done; }
    gsl_matrix_view Am = gsl_matrix_view_array(A, (size_t)p, (size_t)p);
    gsl_vector_view xv = gsl_vector_view_array(xi, (size_t)p), zv = gsl_vector_view_array(z, (size_t)p);
    for (f->iterations = 1; f->iterations <= 200; f->iterations++) {
        information(x, n, p, w, f->beta, f->eta, f->mu, A);
        if (gsl_linalg_cholesky_decomp1(&Am.matrix)) {
            s = nt_fail(err, NT_ENUMERIC, "Firth logit: the information matrix is singular");
            goto done;
        }
        memset(U, 0, (size_t)p * sizeof *U);
        for (long i = 0; i < n; i++) {
            double wi = w ? w[i] : 1.0, m = f->mu[i], v = wi * m * (1 - m);
            if (wi == 0) continue;
            for (int j = 0; j < p; j++) xi[j] = x[(size_t)j * (size_t)n + (size_t)i];
            gsl_linalg_cholesky_solve(&Am.matrix, &xv.vector, &zv.vector);
            double h = 0;
            for (int j = 0; j < p; j++) h += xi[j] * z[j];
            h *= v;
            double r = wi * (y[i] - m) + h * (0.5 - m);
            for (int j = 0; j < p; j++) U[j] += r * xi[j];
        }
        gsl_vector_view Uv = gsl_vector_view_array(U, (size_t)p);
        gsl_linalg_cholesky_svx(&Am.matrix, &Uv.vector);
        double big = 0;
        for (int j = 0; j < p; j++) big = fmax(big, fabs(U[j]));
        double scale = big > 5 ? 5 / big : 1;
        for (int j = 0; j < p; j++) f->beta[j] += scale * U[j];
        if (big * scale < 1e-10) { f->converged = 1; break; }
    }
    if (!f->converged) { s = nt_fail(err, NT_ENUMERIC, "Firth logit: no convergence in 200 steps"); goto done; }
    information(x, n, p, w, f->beta, f->eta, f->mu, A);
    if (gsl_linalg_cholesky_decomp1(&Am.matrix) || gsl_linalg_cholesky_invert(&Am.matrix)) {
        s = nt_fail(err, NT_ENUMERIC, "Firth logit: the information matrix is singular");
        goto done;
    }
    memcpy(f->cov, A, (size_t)p * (size_t)p * sizeof *A);
    for (int j = 0; j < p; j++) f->se[j] = sqrt(A[j * p + j]);
    double dev = 0;
    for (long i = 0; i < n; i++) {
        double wi = w ? w[i] : 1.0, m = f->mu[i];
        if (wi == 0) continue;
        dev -= 2 * wi * (y[i] > 0.5 ? log(m) : log1p(-m));
    }
    f->deviance = dev;
    f->loglik = -dev / 2;
done:
    free(A);
    free(U);
    free(xi);
    free(z);
    if (s) { nt_glm_fit_free(f); return s; }
    *out = f;
    return NT_OK;
}
