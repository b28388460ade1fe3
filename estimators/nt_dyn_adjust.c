/* Bias-adjusted radius matching in the dynamic estimator (Lechner, Miquel &
   Wunsch 2011; the adjustment of `netto match --method radius`, nt_psm.c,
   docs/match.md), per start month k and month t = k + tau since inflow:

     the matched sample at t: the contributing treated i (observed in t, an
       observed control within the radius), weight c_i (copies), and the
       observed controls j with K_j = c_j sum_i c_i / den_i over the
       contributing treated whose radius holds j, den_i = sum of the copies
       of i's observed controls (so K sums to the contributing treated);
     the weighted least squares of y(t) on (1, D, x) over that sample, x
       the outcome-model design (the propensity model's covariates and
       history, as for AIPW), centred at the month's unweighted means;
       columns aliased with earlier ones are dropped (R's lm: their
       coefficient NA); a sample of fewer than opts.adjust_per_col (10) units
       (copies counted) per column of (1, D, x) is not adjusted (b = 0: plain radius in that
       start month and month), as a regression on fewer units than that
       extrapolates wildly (the late months of late start months, where
       few treated are still observed);
     with b the coefficients of x, the estimate is the matching estimator
       on y - x'b:
         ATT_k(tau) = sum_i c_i [(y_i - x_i'b) - sum_j w_ij (y_j - x_j'b) / den_i] / sum_i c_i,
       which equals the coefficient of D (the WLS residuals sum to 0 in each
       arm).

   The linearisation (nt_dyn_lin.c) takes the adjusted outcomes with b held
   fixed: the Abadie-Imbens terms of the matching estimator on y - x'b, as
   `netto match` computes its radius SE. */
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in the bias adjustment")

/* A column whose squared norm left after the earlier columns is at most
   this share of its own is aliased with them and dropped. */
#define ALIAS_TOL 1e-10


/* Solves the normal equations A theta = rhs (q x q, lower triangle used)
   by Cholesky, dropping aliased columns (theta 0 there); A is overwritten
   by the factor. nrhs right-hand sides, rhs[r * q + j], solved in place. */
static void solve_drop(double *A, int q, double *rhs, int nrhs, uint8_t *alive)
{
    for (int j = 0; j < q; j++) {
        double a0 = A[j * q + j], d = a0;
        for (int k = 0; k < j; k++)
            if (alive[k]) d -= A[j * q + k] * A[j * q + k];
        alive[j] = a0 > 0 && d > ALIAS_TOL * a0;
        if (!alive[j]) continue;
        double l = sqrt(d);
        A[j * q + j] = l;
        for (int i = j + 1; i < q; i++) {
            double v = A[i * q + j];
            for (int k = 0; k < j; k++)
                if (alive[k]) v -= A[i * q + k] * A[j * q + k];
            A[i * q + j] = v / l;
        }
    }
    for (int r = 0; r < nrhs; r++) {
        double *b = rhs + (size_t)r * q;
        for (int j = 0; j < q; j++) {
            if (!alive[j]) { b[j] = 0; continue; }
            double v = b[j];
            for (int k = 0; k < j; k++)
                if (alive[k]) v -= A[j * q + k] * b[k];
            b[j] = v / A[j * q + j];
        }
        for (int j = q - 1; j >= 0; j--) {
            if (!alive[j]) continue;
            double v = b[j];
            for (int i = j + 1; i < q; i++)
                if (alive[i]) v -= A[i * q + j] * b[i];
            b[j] = v / A[j * q + j];
        }
    }
}

/* One unit's row z = (1, D, x - xmean) into the Gram and the right-hand
   sides (weight w, outcomes y[0..NO)). */
static void gram_add(double *A, double *rhs, int q, int NO, const double *z, double w, const double *y)
{
    for (int i = 0; i < q; i++) {
        double wz = w * z[i];
        for (int j = 0; j <= i; j++) A[i * q + j] += wz * z[j];
        for (int o = 0; o < NO; o++) rhs[o * q + i] += wz * y[o];
    }
}

static void row_of(const nt_dyn_kmatch *m, int side, long i, double *z)
{
    const double *x = side ? m->xz : m->xt;
    long ld = side ? m->n_c : m->n_t;
    z[0] = 1;
    z[1] = side ? 0 : 1;
    for (int c = 1; c < m->qx; c++) z[c + 1] = x[(size_t)c * (size_t)ld + (size_t)i] - m->xmean[c];
}

nt_status nt_dyn_adjust_tau(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m,
                            int t, int NO, nt_error *err)
{
    int q = m->qx + 1;
    long nc = m->n_c, nt = m->n_t;
    if (!m->off_t) {
        m->off_t = calloc((size_t)NO * (size_t)nt + 1, sizeof *m->off_t);
        m->off_c = calloc((size_t)NO * (size_t)nc + 1, sizeof *m->off_c);
        m->xmean = calloc((size_t)m->qx, sizeof *m->xmean);
        if (!m->off_t || !m->off_c || !m->xmean) return NOMEM(err);
        for (int c = 1; c < m->qx; c++) {
            double s = 0;
            for (long i = 0; i < nt; i++) s += m->xt[(size_t)c * (size_t)nt + (size_t)i];
            for (long j = 0; j < nc; j++) s += m->xz[(size_t)c * (size_t)nc + (size_t)j];
            m->xmean[c] = nt + nc > 0 ? s / (double)(nt + nc) : 0;
        }
    }
    double *P = malloc(((size_t)nc + 1) * sizeof *P), *acc = calloc((size_t)nc + 1, sizeof *acc);
    double *A = calloc((size_t)q * (size_t)q, sizeof *A), *rhs = calloc((size_t)NO * (size_t)q, sizeof *rhs);
    double *z = malloc((size_t)q * sizeof *z), *y = malloc((size_t)(NO ? NO : 1) * sizeof *y);
    uint8_t *alive = malloc((size_t)q);
    nt_status s = NT_OK;
    if (!P || !acc || !A || !rhs || !z || !y || !alive) { s = NOMEM(err); goto done; }
    long nunits = 0;   /* rows of the regression, copies counted */
    /* den_i from prefix sums of the observed controls' copies. */
    P[0] = 0;
    for (long j = 0; j < nc; j++) {
        long pc = unit_person[m->c_unit[j]];
        P[j + 1] = P[j] + (nt_dyn_observed(p, pc, t) ? (double)nt_dyn_ucount(count, m->c_unit[j]) : 0);
    }
    for (long i = 0; i < nt; i++) {
        long pi = unit_person[m->t_unit[i]];
        double den = P[m->rhi[i]] - P[m->rlo[i]];
        if (!nt_dyn_observed(p, pi, t) || !(den > 0)) continue;
        double ci = (double)nt_dyn_ucount(count, m->t_unit[i]);
        acc[m->rlo[i]] += ci / den;
        acc[m->rhi[i]] -= ci / den;
        row_of(m, 0, i, z);
        for (int o = 0; o < NO; o++) y[o] = (double)p->outcome[o][pi * p->months + t];
        gram_add(A, rhs, q, NO, z, ci, y);
        nunits += nt_dyn_ucount(count, m->t_unit[i]);
    }
    double run = 0;
    for (long j = 0; j < nc; j++) {
        run += acc[j];
        long pc = unit_person[m->c_unit[j]];
        if (!(run > 1e-15) || !nt_dyn_observed(p, pc, t)) continue;
        double K = run * (double)nt_dyn_ucount(count, m->c_unit[j]);
        row_of(m, 1, j, z);
        for (int o = 0; o < NO; o++) y[o] = (double)p->outcome[o][pc * p->months + t];
        gram_add(A, rhs, q, NO, z, K, y);
        nunits += nt_dyn_ucount(count, m->c_unit[j]);
    }
    solve_drop(A, q, rhs, NO, alive);
    if (!alive[0] || !alive[1] || nunits < (long)m->adjust_per_col * q) {
        /* no treated or no control, or too few units: not adjusted */
        memset(rhs, 0, (size_t)NO * (size_t)q * sizeof *rhs);
    }
    for (int o = 0; o < NO; o++) {
        const double *b = rhs + (size_t)o * q;
        for (long i = 0; i < nt; i++) {
            row_of(m, 0, i, z);
            double v = 0;
            for (int c = 2; c < q; c++) v += z[c] * b[c];
            m->off_t[(size_t)o * (size_t)nt + (size_t)i] = v;
        }
        for (long j = 0; j < nc; j++) {
            row_of(m, 1, j, z);
            double v = 0;
            for (int c = 2; c < q; c++) v += z[c] * b[c];
            m->off_c[(size_t)o * (size_t)nc + (size_t)j] = v;
        }
    }
done:
    free(P);
    free(acc);
    free(A);
    free(rhs);
    free(z);
    free(y);
    free(alive);
    return s;
}
