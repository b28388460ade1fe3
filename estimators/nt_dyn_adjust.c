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

/* The alive columns of the Cholesky factor L (row-major, lower) into Lc,
   column-major over the qa alive columns: Lc[j * qa + i] = L[idx[i], idx[j]],
   i >= j; returns qa. */
static int compact(const double *L, int q, const uint8_t *alive, int *idx, double *Lc)
{
    int qa = 0;
    for (int j = 0; j < q; j++)
        if (alive[j]) idx[qa++] = j;
    for (int j = 0; j < qa; j++)
        for (int i = j; i < qa; i++) Lc[j * qa + i] = L[idx[i] * q + idx[j]];
    return qa;
}

/* Leverage h = w z'A^-1 z = w ||L^-1 z||^2 from the compact factor (column
   form of the forward substitution); v is q scratch. */
static double leverage(const double *Lc, int qa, const int *idx, const double *z, double w, double *v)
{
    for (int i = 0; i < qa; i++) v[i] = z[idx[i]];
    double h = 0;
    for (int j = 0; j < qa; j++) {
        const double *col = Lc + (size_t)j * qa;
        double x = v[j] / col[j];
        h += x * x;
        for (int i = j + 1; i < qa; i++) v[i] -= col[i] * x;
    }
    return w * h;
}

/* 1 / sqrt(1 - h); 1 where h is (numerically) 1: the unit's residual is 0. */
static double hc2(double h) { return 1 - h > 1e-8 ? 1 / sqrt(1 - h) : 1; }

/* One unit u of the regression (row z, weight w, outcomes y) into the
   linearisation's slots of its side (ld units): per outcome o the shift
   (f - 1) e at [o * ld + u] and the regression's term a'z w f e at
   [(NO + o) * ld + u], e = y - z'theta_o, f = 1 / sqrt(1 - leverage);
   theta and a are the solved rhs (a after the NO outcomes); v is q scratch. */
static void lin_unit(int q, int NO, const double *Lc, int qa, const int *idx, const double *rhs, const double *z,
                     double w, const double *y, double *slot, long ld, long u, double *v)
{
    double f = hc2(leverage(Lc, qa, idx, z, w, v)), az = 0;
    const double *a = rhs + (size_t)NO * q;
    for (int c = 0; c < q; c++) az += a[c] * z[c];
    for (int o = 0; o < NO; o++) {
        const double *th = rhs + (size_t)o * q;
        double fit = 0;
        for (int c = 0; c < q; c++) fit += th[c] * z[c];
        double e = y[o] - fit;
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

/* First call for m (a start month): the outputs, the design's column
   means over the month's units (centring) and the rows (nt_dyn_gram.c). */
static nt_status adjust_open(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m,
                             int NO, int lin, nt_error *err)
{
    int q = m->qx + 1;
    long nc = m->n_c, nt = m->n_t;
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
    /* segments of the control Gram only without weights: K_j = c_j run_j */
    if (!(m->gram = nt_dyn_gram_open(p, unit_person, count, m, !nt_dyn_has_w(p) && !p->never))) return NOMEM(err);
    return NT_OK;
}

/* The month's scratch of nt_dyn_adjust_tau. */
typedef struct {
    double *P, *acc, *A, *rhs, *z, *y, *Lc;
    uint8_t *alive;
    int *idx;
} adj_buf;

static void buf_free(adj_buf *b)
{
    free(b->P); free(b->acc); free(b->A); free(b->rhs); free(b->z); free(b->y); free(b->Lc); free(b->alive);
    free(b->idx);
}

static int buf_alloc(adj_buf *b, long nc, int q, int NO)
{
    b->P = malloc(((size_t)nc + 1) * sizeof *b->P);
    b->acc = calloc((size_t)nc + 1, sizeof *b->acc);
    b->A = calloc((size_t)q * (size_t)q, sizeof *b->A);
    b->rhs = calloc((size_t)(NO + 1) * (size_t)q, sizeof *b->rhs);
    b->z = malloc((size_t)q * sizeof *b->z);
    b->y = malloc((size_t)(NO + q) * sizeof *b->y);
    b->Lc = malloc((size_t)q * (size_t)q * sizeof *b->Lc);
    b->alive = malloc((size_t)q);
    b->idx = malloc((size_t)q * sizeof *b->idx);
    return !b->P || !b->acc || !b->A || !b->rhs || !b->z || !b->y || !b->Lc || !b->alive || !b->idx;
}

/* The controls' part of the normal equations at month t (acc: the treated's
   difference array, lam: lambda_k); returns their copies. Without weights
   the Gram from the segments (nt_dyn_gram_controls), else unit by unit. */
static long controls_add(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m, int k,
                         int t, int NO, double lam, adj_buf *b)
{
    int q = m->qx + 1, hw = nt_dyn_has_w(p), segs = nt_dyn_gram_segs(m->gram);
    long nunits = segs ? nt_dyn_gram_controls(m->gram, b->acc, t, b->A) : 0;
    double run = 0, *rhs = b->rhs, *y = b->y;
    for (long j = 0; j < m->n_c; j++) {
        run += b->acc[j];
        if (!(run > 1e-15) || !nt_dyn_uobs(p, unit_person, m, m->n_t + j, t)) continue;
        long pc = nt_dyn_uperson(unit_person, m, m->n_t + j);
        double K = lam * run * (double)nt_dyn_ucount(count, m->c_unit[j]) * (hw ? nt_dyn_wt(p, pc, k, t, 1) : 1);
        const double *z = nt_dyn_gram_row(m->gram, 1, j);
        for (int o = 0; o < NO; o++) y[o] = nt_dyn_uy(p, unit_person, m, o, m->n_t + j, t);
        if (segs) {
            for (int c = 0; c < q; c++) {
                double Kz = K * z[c];
                for (int o = 0; o < NO; o++) rhs[o * q + c] += Kz * y[o];
            }
        } else {
            gram_add(b->A, rhs, q, NO, z, K, y);
            nunits += nt_dyn_ucount(count, m->c_unit[j]);
        }
        for (int c = 2; c < q; c++) rhs[(size_t)NO * q + c] += K * z[c];
    }
    return nunits;
}

/* The HC2 shifts and regression terms of the units in the regression. */
static void lin_all(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m, int k,
                    int t, int NO, double lam, adj_buf *b)
{
    int q = m->qx + 1, hw = nt_dyn_has_w(p);
    long nc = m->n_c, nt = m->n_t;
    int qa = compact(b->A, q, b->alive, b->idx, b->Lc);
    double *y = b->y, *v = b->y + NO;
    for (long i = 0; i < nt; i++) {
        double den = b->P[m->rhi[i]] - b->P[m->rlo[i]];
        if (!nt_dyn_uobs(p, unit_person, m, i, t) || !(den > 0)) continue;
        long pi = nt_dyn_uperson(unit_person, m, i);
        for (int o = 0; o < NO; o++) y[o] = nt_dyn_uy(p, unit_person, m, o, i, t);
        lin_unit(q, NO, b->Lc, qa, b->idx, b->rhs, nt_dyn_gram_row(m->gram, 0, i),
                 (double)nt_dyn_ucount(count, m->t_unit[i]) * (hw ? nt_dyn_wt(p, pi, k, t, 0) : 1), y, m->lin_t, nt, i, v);
    }
    double run = 0;
    for (long j = 0; j < nc; j++) {
        run += b->acc[j];
        if (!(run > 1e-15) || !nt_dyn_uobs(p, unit_person, m, nt + j, t)) continue;
        long pc = nt_dyn_uperson(unit_person, m, nt + j);
        for (int o = 0; o < NO; o++) y[o] = nt_dyn_uy(p, unit_person, m, o, nt + j, t);
        lin_unit(q, NO, b->Lc, qa, b->idx, b->rhs, nt_dyn_gram_row(m->gram, 1, j),
                 lam * run * (double)nt_dyn_ucount(count, m->c_unit[j]) * (hw ? nt_dyn_wt(p, pc, k, t, 1) : 1), y,
                 m->lin_c, nc, j, v);
    }
}

/* off = x'b of every unit (x centred), per outcome. */
static void offsets(nt_dyn_kmatch *m, int NO, const double *rhs)
{
    int q = m->qx + 1;
    for (int side = 0; side < 2; side++) {
        long n = side ? m->n_c : m->n_t;
        double *off = side ? m->off_c : m->off_t;
        for (long i = 0; i < n; i++) {
            const double *z = nt_dyn_gram_row(m->gram, side, i);
            for (int o = 0; o < NO; o++) {
                const double *bo = rhs + (size_t)o * q;
                double v = 0;
                for (int c = 2; c < q; c++) v += z[c] * bo[c];
                off[(size_t)o * (size_t)n + (size_t)i] = v;
            }
        }
    }
}

nt_status nt_dyn_adjust_tau(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m,
                            int k, int t, int NO, int lin, nt_error *err)
{
    int q = m->qx + 1;
    long nc = m->n_c, nt = m->n_t;
    if (!m->off_t) {
        nt_status s = adjust_open(p, unit_person, count, m, NO, lin, err);
        if (s) return s;
    }
    adj_buf b = {0};
    nt_status s = NT_OK;
    if (buf_alloc(&b, nc, q, NO)) { s = NOMEM(err); goto done; }
    double *P = b.P, *acc = b.acc, *rhs = b.rhs, *y = b.y;
    long nunits = 0;   /* rows of the regression, copies counted */
    /* den_i: prefix sums of the alive controls' copies (x censoring weight) */
    int hw = nt_dyn_has_w(p);
    P[0] = 0;
    for (long j = 0; j < nc; j++) {
        double c = 0;
        if (nt_dyn_ualive(p, unit_person, m, nt + j, t))
            c = (double)nt_dyn_ucount(count, m->c_unit[j]) *
                (hw ? nt_dyn_wt(p, nt_dyn_uperson(unit_person, m, nt + j), k, t, 0) : 1);
        P[j + 1] = P[j] + c;
    }
    for (long i = 0; i < nt; i++) {
        double den = P[m->rhi[i]] - P[m->rlo[i]];
        if (!nt_dyn_uobs(p, unit_person, m, i, t) || !(den > 0)) continue;
        long pi = nt_dyn_uperson(unit_person, m, i);
        double ci = (double)nt_dyn_ucount(count, m->t_unit[i]) * (hw ? nt_dyn_wt(p, pi, k, t, 0) : 1);
        acc[m->rlo[i]] += ci / den;
        acc[m->rhi[i]] -= ci / den;
        const double *z = nt_dyn_gram_row(m->gram, 0, i);
        for (int o = 0; o < NO; o++) y[o] = nt_dyn_uy(p, unit_person, m, o, i, t);
        gram_add(b.A, rhs, q, NO, z, ci, y);
        for (int c = 2; c < q; c++) rhs[(size_t)NO * q + c] -= ci * z[c];   /* a = -A^-1 (0, 0, N g) */
        nunits += nt_dyn_ucount(count, m->t_unit[i]);
    }
    double lam = hw ? lambda_k(p, unit_person, count, m, k, t, P, acc) : 1;
    nunits += controls_add(p, unit_person, count, m, k, t, NO, lam, &b);
    solve_drop(b.A, q, rhs, NO + 1, b.alive);
    int adjusted = b.alive[0] && b.alive[1] && nunits >= (long)m->adjust_per_col * q;
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
    if (lin && adjusted) lin_all(p, unit_person, count, m, k, t, NO, lam, &b);
    offsets(m, NO, rhs);
done:
    buf_free(&b);
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
