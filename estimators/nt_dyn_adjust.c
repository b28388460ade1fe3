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

   The linearisation (nt_dyn_lin.c) takes the Abadie-Imbens terms of the
   matching estimator on the adjusted outcomes y - x'b and adds the
   regression's own term (nt_dyn_adjust_term): with theta = (a, delta, b)
   the WLS coefficients, A = sum_u w_u z_u z_u' their Gram and
   e_u = y_u - z_u'theta the residuals,
     N_k ATT_k = sum_i c_i (y_i - Yhat_i) - N_k g'b,
     N_k g = sum_i c_i x_i - sum_j K_j x_j   (the imbalance the radius leaves),
     theta_hat - theta = A^-1 sum_u w_u z_u e_u   (the normal equations),
   so unit u adds  a'z_u w_u e_u,  a = -A^-1 (0, 0, N_k g)  (zero where
   a column is aliased, and a = 0 where the month is not adjusted).
   The residuals of a regression with q columns are shrunk: E e_u^2 =
   sigma^2 (1 - h_u), h_u = w_u z_u'A^-1 z_u its leverage (the treated's
   average about 0.2 with 20-30 columns and 20-60 treated). In the linearisation
   every residual is taken as e_u / sqrt(1 - h_u) (HC2, MacKinnon & White
   1985): the treated term ya_i - sum_j W_ij ya_j = delta + e_i - sum_j W_ij
   e_j, the controls' AI residuals (differences of their e) and the term
   above, by using ya + (1 / sqrt(1 - h) - 1) e for the adjusted outcome
   (nt_dyn_adjust_ylin); a unit outside the regression keeps ya. */
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

/* Leverage h = w z'A^-1 z from the Cholesky factor L (alive columns):
   ||L^-1 z||^2 w; v is q scratch. */
static double leverage(const double *L, int q, const uint8_t *alive, const double *z, double w, double *v)
{
    double h = 0;
    for (int j = 0; j < q; j++) {
        if (!alive[j]) { v[j] = 0; continue; }
        double a = z[j];
        for (int k = 0; k < j; k++)
            if (alive[k]) a -= L[j * q + k] * v[k];
        v[j] = a / L[j * q + j];
        h += v[j] * v[j];
    }
    return w * h;
}

/* 1 / sqrt(1 - h); 1 where h is (numerically) 1: the unit's residual is 0. */
static double hc2(double h) { return 1 - h > 1e-8 ? 1 / sqrt(1 - h) : 1; }

/* One unit of the regression (row z, weight w, person pe) into the
   linearisation's slots of its side (ld units): per outcome o the shift
   (f - 1) e at [o * ld + u] and the regression's term a'z w f e at
   [(NO + o) * ld + u], e = y - z'theta_o, f = 1 / sqrt(1 - leverage);
   theta and a are the solved rhs (a after the NO outcomes); v is q scratch. */
static void lin_unit(int q, int NO, const double *L, const uint8_t *alive,
                     const double *rhs, const double *z, double w, const nt_dyn_panel *p, long pe, int t, double *slot,
                     long ld, long u, double *v)
{
    double f = hc2(leverage(L, q, alive, z, w, v)), az = 0;
    const double *a = rhs + (size_t)NO * q;
    for (int c = 0; c < q; c++) az += a[c] * z[c];
    for (int o = 0; o < NO; o++) {
        const double *th = rhs + (size_t)o * q;
        double fit = 0;
        for (int c = 0; c < q; c++) fit += th[c] * z[c];
        double e = (double)p->outcome[o][pe * p->months + t] - fit;
        slot[(size_t)o * (size_t)ld + (size_t)u] = (f - 1) * e;
        slot[(size_t)(NO + o) * (size_t)ld + (size_t)u] = az * w * f * e;
    }
}

/* With weights: lambda_k (nt_dyn_paths.c), which makes the controls' K
   sum to the treated's weights; P the alive controls' prefix sums, acc the
   difference array of the treated's c_i W_i / den_i. */
static double lambda_k(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m, int k,
                       int t, const double *P, const double *acc)
{
    double sk = 0, st = 0, run = 0;
    for (long i = 0; i < m->n_t; i++) {
        long pi = unit_person[m->t_unit[i]];
        double den = P[m->rhi[i]] - P[m->rlo[i]];
        if (nt_dyn_observed(p, pi, t) && den > 0) st += (double)nt_dyn_ucount(count, m->t_unit[i]) * nt_dyn_wt(p, pi, k, t, 0);
    }
    for (long j = 0; j < m->n_c; j++) {
        run += acc[j];
        long pc = unit_person[m->c_unit[j]];
        if (run > 1e-15 && nt_dyn_cobs(p, pc, t)) sk += run * (double)nt_dyn_ucount(count, m->c_unit[j]) * nt_dyn_wt(p, pc, k, t, 1);
    }
    return sk > 0 ? st / sk : 1;
}

nt_status nt_dyn_adjust_tau(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m,
                            int k, int t, int NO, int lin, nt_error *err)
{
    int q = m->qx + 1;
    long nc = m->n_c, nt = m->n_t;
    if (!m->off_t) {
        m->off_t = calloc((size_t)NO * (size_t)nt + 1, sizeof *m->off_t);
        m->off_c = calloc((size_t)NO * (size_t)nc + 1, sizeof *m->off_c);
        m->xmean = calloc((size_t)m->qx, sizeof *m->xmean);
        m->adj_a = calloc((size_t)q, sizeof *m->adj_a);
        m->adj_theta = calloc((size_t)NO * (size_t)q + 1, sizeof *m->adj_theta);
        m->adj_no = NO;
        if (lin) {
            m->lin_t = calloc(2 * (size_t)NO * (size_t)nt + 1, sizeof *m->lin_t);
            m->lin_c = calloc(2 * (size_t)NO * (size_t)nc + 1, sizeof *m->lin_c);
        }
        if (!m->off_t || !m->off_c || !m->xmean || !m->adj_a || !m->adj_theta || (lin && (!m->lin_t || !m->lin_c)))
            return NOMEM(err);
        for (int c = 1; c < m->qx; c++) {
            double s = 0;
            for (long i = 0; i < nt; i++) s += m->xt[(size_t)c * (size_t)nt + (size_t)i];
            for (long j = 0; j < nc; j++) s += m->xz[(size_t)c * (size_t)nc + (size_t)j];
            m->xmean[c] = nt + nc > 0 ? s / (double)(nt + nc) : 0;
        }
    }
    double *P = malloc(((size_t)nc + 1) * sizeof *P), *acc = calloc((size_t)nc + 1, sizeof *acc);
    double *A = calloc((size_t)q * (size_t)q, sizeof *A), *rhs = calloc((size_t)(NO + 1) * (size_t)q, sizeof *rhs);
    double *z = malloc((size_t)q * sizeof *z), *y = malloc((size_t)(NO > q ? NO : q) * sizeof *y);
    uint8_t *alive = malloc((size_t)q);
    nt_status s = NT_OK;
    if (!P || !acc || !A || !rhs || !z || !y || !alive) { s = NOMEM(err); goto done; }
    long nunits = 0;   /* rows of the regression, copies counted */
    /* den_i: prefix sums of the alive controls' copies (x censoring weight) */
    int hw = nt_dyn_has_w(p);
    P[0] = 0;
    for (long j = 0; j < nc; j++) {
        long pc = unit_person[m->c_unit[j]];
        P[j + 1] = P[j] + (nt_dyn_observed(p, pc, t) ? (double)nt_dyn_ucount(count, m->c_unit[j]) *
                                                          (hw ? nt_dyn_wt(p, pc, k, t, 0) : 1) : 0);
    }
    for (long i = 0; i < nt; i++) {
        long pi = unit_person[m->t_unit[i]];
        double den = P[m->rhi[i]] - P[m->rlo[i]];
        if (!nt_dyn_observed(p, pi, t) || !(den > 0)) continue;
        double ci = (double)nt_dyn_ucount(count, m->t_unit[i]) * (hw ? nt_dyn_wt(p, pi, k, t, 0) : 1);
        acc[m->rlo[i]] += ci / den;
        acc[m->rhi[i]] -= ci / den;
        row_of(m, 0, i, z);
        for (int o = 0; o < NO; o++) y[o] = (double)p->outcome[o][pi * p->months + t];
        gram_add(A, rhs, q, NO, z, ci, y);
        for (int c = 2; c < q; c++) rhs[(size_t)NO * q + c] -= ci * z[c];   /* a = -A^-1 (0, 0, N g) */
        nunits += nt_dyn_ucount(count, m->t_unit[i]);
    }
    double run = 0, lam = hw ? lambda_k(p, unit_person, count, m, k, t, P, acc) : 1;
    for (long j = 0; j < nc; j++) {
        run += acc[j];
        long pc = unit_person[m->c_unit[j]];
        if (!(run > 1e-15) || !nt_dyn_cobs(p, pc, t)) continue;
        double K = lam * run * (double)nt_dyn_ucount(count, m->c_unit[j]) * (hw ? nt_dyn_wt(p, pc, k, t, 1) : 1);
        row_of(m, 1, j, z);
        for (int o = 0; o < NO; o++) y[o] = (double)p->outcome[o][pc * p->months + t];
        gram_add(A, rhs, q, NO, z, K, y);
        for (int c = 2; c < q; c++) rhs[(size_t)NO * q + c] += K * z[c];
        nunits += nt_dyn_ucount(count, m->c_unit[j]);
    }
    solve_drop(A, q, rhs, NO + 1, alive);
    int adjusted = alive[0] && alive[1] && nunits >= (long)m->adjust_per_col * q;
    if (!adjusted) {
        /* no treated or no control, or too few units: not adjusted */
        memset(rhs, 0, (size_t)(NO + 1) * (size_t)q * sizeof *rhs);
    }
    memcpy(m->adj_theta, rhs, (size_t)NO * (size_t)q * sizeof *rhs);
    memcpy(m->adj_a, rhs + (size_t)NO * q, (size_t)q * sizeof *rhs);
    if (lin) {   /* the linearisation's HC2 shifts and regression terms (0 outside the regression) */
        memset(m->lin_t, 0, 2 * (size_t)NO * (size_t)nt * sizeof *m->lin_t);
        memset(m->lin_c, 0, 2 * (size_t)NO * (size_t)nc * sizeof *m->lin_c);
    }
    if (lin && adjusted) {
        for (long i = 0; i < nt; i++) {
            long pi = unit_person[m->t_unit[i]];
            double den = P[m->rhi[i]] - P[m->rlo[i]];
            if (!nt_dyn_observed(p, pi, t) || !(den > 0)) continue;
            row_of(m, 0, i, z);
            lin_unit(q, NO, A, alive, rhs, z, (double)nt_dyn_ucount(count, m->t_unit[i]) * (hw ? nt_dyn_wt(p, pi, k, t, 0) : 1),
                     p, pi, t, m->lin_t, nt, i, y);
        }
        double run = 0;
        for (long j = 0; j < nc; j++) {
            run += acc[j];
            long pc = unit_person[m->c_unit[j]];
            if (!(run > 1e-15) || !nt_dyn_cobs(p, pc, t)) continue;
            row_of(m, 1, j, z);
            lin_unit(q, NO, A, alive, rhs, z,
                     lam * run * (double)nt_dyn_ucount(count, m->c_unit[j]) * (hw ? nt_dyn_wt(p, pc, k, t, 1) : 1), p, pc, t,
                     m->lin_c, nc, j, y);
        }
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

double nt_dyn_adjust_term(const nt_dyn_kmatch *m, int side, long i, int o)
{
    if (!m->lin_t || o >= m->adj_no) return 0;
    return side ? m->lin_c[(size_t)(m->adj_no + o) * (size_t)m->n_c + (size_t)i]
                : m->lin_t[(size_t)(m->adj_no + o) * (size_t)m->n_t + (size_t)i];
}

double nt_dyn_adjust_ylin(const nt_dyn_kmatch *m, int side, long i, int o, double y)
{
    size_t nt = (size_t)m->n_t, nc = (size_t)m->n_c;
    double off = side ? m->off_c[(size_t)o * nc + (size_t)i] : m->off_t[(size_t)o * nt + (size_t)i];
    if (!m->lin_t || o >= m->adj_no) return y - off;
    return y - off + (side ? m->lin_c[(size_t)o * nc + (size_t)i] : m->lin_t[(size_t)o * nt + (size_t)i]);
}
