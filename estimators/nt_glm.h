/* Binomial GLM by iteratively reweighted least squares, links logit and
   complementary log-log: the propensity score (logit) and the discrete-time
   hazard (cloglog) share it.

   Mirrors R's glm.fit (stats 4.2): start mu = (w y + 0.5) / (w + 1),
   eta = link(mu); each iteration solves (X'WX) beta = X'Wz with
   W = w mu_eta^2 / (mu (1 - mu)), z = eta + (y - mu) / mu_eta; stops when
   |dev - dev_old| / (|dev| + 0.1) < epsilon (1e-8), at most maxit (25)
   iterations. cov = (X'WX)^-1 from the last iteration's weights, as
   summary.glm uses (dispersion 1); se = sqrt(diag(cov)).

   Data layout: x is n x p column-major (x[j * n + i]), as data/nt_design.h
   builds it; y in [0, 1] (0/1 for the models netto fits); w optional case
   weights (NULL = all 1; 0 drops a row from the fit, as bootstrap-by-weights
   needs). The linear predictor eta is kept: calipers and balance use it.

   Failures (nt_error filled, NT_ENUMERIC unless said otherwise):
   - collinearity (NT_EINPUT): "T is a linear combination of earlier
     columns", or "T1, T2 are each ...", naming every aliased column by R's
     rule (glm.fit's dqrdc2 on sqrt(W) X, columns in order, a column whose
     residual norm is below min(1e-7, epsilon / 1000) x its own norm is
     aliased: of a dependent set, the later column), from `terms` (or
     "column j" when terms is NULL); the decision does not depend on the
     BLAS kernel or thread count (nt_glm.c);
   - separation: after the fit, max |eta| > 30 or a fitted probability
     within 1e-10 of 0 or 1 (R: "fitted probabilities numerically 0 or 1");
     nt_glm_check_cells detects the categorical cases before fitting;
   - no convergence in maxit iterations.
   Computation: X'WX by OpenBLAS dsyrk (single-threaded inside) over fixed
   row blocks; blocks run in parallel with OpenMP and are summed in block
   order, so the result does not depend on the thread count. When a scaled
   Cholesky pivot is small, the step is redone from a Householder QR of
   sqrt(W) X in plain loops (same chunks, folded in order). */
#ifndef NT_GLM_H
#define NT_GLM_H

#include "core/nt_error.h"

typedef enum { NT_LINK_LOGIT = 0, NT_LINK_CLOGLOG = 1 } nt_glm_link;

typedef struct {
    nt_glm_link link;
    int maxit;               /* 25 */
    double epsilon;          /* 1e-8 */
    int check_separation;    /* 1: fail on the fitted-probability / |eta| check */
    const double *start;     /* p starting coefficients (R's glm(start =)), or NULL:
                                R's binomial mustart. A start near the optimum
                                (a bootstrap replicate's full-sample fit) saves
                                iterations; the result agrees to the tolerance. */
} nt_glm_opts;

typedef struct {
    long n;
    int p;
    double *beta;           /* p */
    double *se;             /* p */
    double *cov;            /* p x p, (X'WX)^-1 (column-major, symmetric) */
    double *eta;            /* n linear predictors */
    double *mu;             /* n fitted probabilities */
    double deviance;
    double null_deviance;   /* intercept-only deviance (weighted mean of y) */
    double loglik;          /* -deviance / 2 (exact for 0/1 y) */
    int iterations;
    int converged;
} nt_glm_fit;

void nt_glm_opts_default(nt_glm_opts *o);

/* Fits the model; on success *out is allocated (free with nt_glm_fit_free).
   terms: p names for messages, may be NULL. */
nt_status nt_glm_fit_alloc(const double *x, long n, int p, const double *y, const double *w,
                           const char *const *terms, const nt_glm_opts *opts,
                           nt_glm_fit **out, nt_error *err);
void nt_glm_fit_free(nt_glm_fit *f);

/* Firth's (1993) penalised logit (nt_glm_firth.c), for a logit whose plain
   fit separates: the same fit structure (eta, mu, beta, se, cov = I^-1 at
   the estimate, deviance of the unpenalised likelihood); logit link, case
   weights w (NULL = 1). */
nt_status nt_glm_firth_alloc(const double *x, long n, int p, const double *y, const double *w,
                             nt_glm_fit **out, nt_error *err);

/* Inverse link and its derivative d mu / d eta (R's linkinv and mu.eta,
   including R's clamping). */
double nt_glm_linkinv(nt_glm_link link, double eta);
double nt_glm_mu_eta(nt_glm_link link, double eta);

/* Separation before fitting: for each categorical variable (terms sharing a
   var_of_term index >= 0 whose columns are 0/1 indicators; the reference
   level is the cell where all are 0), fails (NT_EINPUT) when a level's rows
   all have y = 1 or all y = 0: "T predicts treatment perfectly (all N rows
   treated)". Numeric (non 0/1) columns are skipped. var_of_term may be NULL
   (each 0/1 column is then its own two-level variable). */
nt_status nt_glm_check_cells(const double *x, long n, int p, const double *y,
                             const int *var_of_term, const char *const *terms,
                             const char *what_y, nt_error *err);

#endif
