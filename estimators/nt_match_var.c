/* The Abadie-Imbens variances of matching estimators (contract in
   nt_match.h): sigma^2 by matching within the own arm, the 2006 ATT and ATE
   variances, the 2016 adjustment for an estimated propensity score. */
#include "estimators/nt_match.h"
#include "estimators/nt_match_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

nt_status nt_match_sigma2_scaled(const double *score, const uint8_t *treated, const long *cell,
                                 const uint8_t *skip, long n, int J, double tie_tolerance,
                                 double tie_scale, const double *y, double *sigma2, nt_error *err)
{
    return nt_match_sigma2_many(score, treated, cell, skip, n, J, tie_tolerance, tie_scale, 1, &y, &sigma2, err);
}

static nt_status sigma2_core(const double *score, const uint8_t *treated, const long *cell,
                             const uint8_t *skip, long n, int J, double tie_tolerance, double tie_scale,
                             int ny, const double *const *y, double *const *sigma2, int signed_root,
                             nt_error *err);

nt_status nt_match_sigma2_many(const double *score, const uint8_t *treated, const long *cell,
                               const uint8_t *skip, long n, int J, double tie_tolerance, double tie_scale,
                               int ny, const double *const *y, double *const *sigma2, nt_error *err)
{
    return sigma2_core(score, treated, cell, skip, n, J, tie_tolerance, tie_scale, ny, y, sigma2, 0, err);
}

nt_status nt_match_resid_many(const double *score, const uint8_t *treated, const long *cell,
                              const uint8_t *skip, long n, int J, int ny, const double *const *y,
                              double *const *resid, nt_error *err)
{
    return sigma2_core(score, treated, cell, skip, n, J, 0.0, 0.0, ny, y, resid, 1, err);
}

/* signed_root: sign(y_i - mean of the neighbours) sqrt(sigma2) instead of sigma2. */
static nt_status sigma2_core(const double *score, const uint8_t *treated, const long *cell,
                             const uint8_t *skip, long n, int J, double tie_tolerance, double tie_scale,
                             int ny, const double *const *y, double *const *sigma2, int signed_root,
                             nt_error *err)
{
    if (J < 1) return nt_fail(err, NT_EUSAGE, "the number of same-arm neighbours J must be at least 1");
    for (int o = 0; o < ny; o++)
        for (long i = 0; i < n; i++) sigma2[o][i] = NAN;
    /* The neighbours depend on the scores only: found once, used for every y. */
    long *nb = malloc(((size_t)n + 1) * sizeof *nb);
    if (!nb) return nt_fail(err, NT_ENOMEM, "out of memory in the variance estimate");
    for (int arm = 0; arm <= 1; arm++) {
        long nc;
        nt_match_key *s = nt_match_sorted_arm(score, treated, cell, skip, n, arm, &nc);
        if (!s) { free(nb); return nt_fail(err, NT_ENOMEM, "out of memory in the variance estimate"); }
        long b = 0;
        while (b < nc) {
            long e = b;
            while (e < nc && s[e].cell == s[b].cell) e++;
            for (long k = b; k < e; k++) {
                nt_match_walker wk = {k - 1, k + 1, b, e, s[k].s};
                long got = 0;
                double dJ = 0, d;
                for (;;) {
                    long q = nt_match_walk_next(s, &wk, &d);
                    if (q < 0) break;
                    if (got < J) { nb[got++] = s[q].row; dJ = d; }
                    else if (nt_match_is_tie(d, dJ, tie_tolerance, tie_scale)) nb[got++] = s[q].row;
                    else break;
                    if (got >= n) break;
                }
                if (got == 0) continue;
                /* Sample variance over the unit and its neighbours (Matching's form). */
                long row = s[k].row;
                for (int o = 0; o < ny; o++) {
                    const double *yo = y[o];
                    double sum = yo[row];
                    for (long u = 0; u < got; u++) sum += yo[nb[u]];
                    double mean = sum / (double)(got + 1);
                    double sum2 = (yo[row] - mean) * (yo[row] - mean);
                    for (long u = 0; u < got; u++) sum2 += (yo[nb[u]] - mean) * (yo[nb[u]] - mean);
                    sigma2[o][row] = sum2 / (double)got;
                    if (signed_root)
                        sigma2[o][row] = (yo[row] >= (sum - yo[row]) / (double)got ? 1.0 : -1.0) *
                                         sqrt(sum2 / (double)got);
                }
            }
            b = e;
        }
        free(s);
    }
    free(nb);
    return NT_OK;
}

double nt_match_ai_att_se(const double *tau, long n1, double est, const double *K, const double *KK,
                          const double *sigma2, long n, int skip_nan)
{
    double v = 0;
    for (long i = 0; i < n1; i++) v += (tau[i] - est) * (tau[i] - est);
    for (long j = 0; j < n; j++) {
        if (!(K[j] > 0) || (skip_nan && isnan(sigma2[j]))) continue;
        v += (K[j] * K[j] - KK[j]) * sigma2[j];
    }
    return sqrt(v) / (double)n1;
}

nt_status nt_match_ai_att(const nt_matchset *m, const double *y, const double *sigma2,
                          double *est, double *se, nt_error *err)
{
    long n = m->n;
    double *tau = malloc((size_t)(n ? n : 1) * sizeof *tau), *K = malloc((size_t)(n ? n : 1) * sizeof *K);
    double *KK = malloc((size_t)(n ? n : 1) * sizeof *KK);
    if (!tau || !K || !KK) { free(tau); free(K); free(KK); return nt_fail(err, NT_ENOMEM, "out of memory in the variance estimate"); }
    nt_matchset_unit_effects(m, y, tau);
    nt_matchset_counts(m, K, KK);
    double s = 0;
    long n1 = 0;
    for (long i = 0; i < n; i++) if (!isnan(tau[i])) { s += tau[i]; tau[n1++] = tau[i]; }
    nt_status st = NT_OK;
    if (n1 == 0) { st = nt_fail(err, NT_EINPUT, "no focal unit has a match, so no effect can be estimated"); goto done; }
    *est = s / (double)n1;
    *se = nt_match_ai_att_se(tau, n1, *est, K, KK, sigma2, n, 0);
done:
    free(tau);
    free(K);
    free(KK);
    return st;
}

nt_status nt_match_ai_ate(const nt_matchset *att_m, const nt_matchset *atc_m, const double *y,
                          const double *sigma2, double *est, double *se, nt_error *err)
{
    long n = att_m->n;
    double *t1 = malloc((size_t)n * sizeof *t1), *t0 = malloc((size_t)n * sizeof *t0);
    double *K = malloc((size_t)n * sizeof *K), *KK = malloc((size_t)n * sizeof *KK);
    double *K0 = malloc((size_t)n * sizeof *K0), *KK0 = malloc((size_t)n * sizeof *KK0);
    nt_status st = NT_OK;
    if (!t1 || !t0 || !K || !KK || !K0 || !KK0) { st = nt_fail(err, NT_ENOMEM, "out of memory in the variance estimate"); goto done; }
    nt_matchset_unit_effects(att_m, y, t1);
    nt_matchset_unit_effects(atc_m, y, t0);
    nt_matchset_counts(att_m, K, KK);
    nt_matchset_counts(atc_m, K0, KK0);
    double s = 0;
    long nn = 0;
    for (long i = 0; i < n; i++) {
        double t = !isnan(t1[i]) ? t1[i] : t0[i];
        t1[i] = t;
        if (!isnan(t)) { s += t; nn++; }
        K[i] += K0[i];
        KK[i] += KK0[i];
    }
    if (nn == 0) { st = nt_fail(err, NT_EINPUT, "no unit has a match, so no effect can be estimated"); goto done; }
    double e = s / (double)nn, v = 0;
    for (long i = 0; i < n; i++) {
        if (isnan(t1[i])) continue;
        v += (t1[i] - e) * (t1[i] - e);
        if (K[i] > 0) {
            if (isnan(sigma2[i])) { v = NAN; break; }
            v += (K[i] * K[i] + 2 * K[i] - KK[i]) * sigma2[i];
        }
    }
    *est = e;
    *se = sqrt(v) / (double)nn;
done:
    free(t1); free(t0); free(K); free(KK); free(K0); free(KK0);
    return st;
}

/* Local covariance cov(X, Y | p) near p0 in the sorted arm `s` (keys by
   (cell 0, p, row)): the L nearest units; out[p] filled. */
static void local_cov(const nt_match_key *s, long ns, double p0, int L, const double *x, long n, int p,
                      const double *y, long *idx, double *xbar, double *out)
{
    long pos = nt_match_lower_pos(s, 0, ns, p0);
    nt_match_walker wk = {pos - 1, pos, 0, ns, p0};
    int got = 0;
    double d;
    while (got < L) {
        long q = nt_match_walk_next(s, &wk, &d);
        if (q < 0) break;
        idx[got++] = s[q].row;
    }
    for (int j = 0; j < p; j++) out[j] = 0;
    if (got < 2) return;
    double ybar = 0;
    for (int k = 0; k < got; k++) ybar += y[idx[k]];
    ybar /= got;
    for (int j = 0; j < p; j++) {
        double m = 0;
        for (int k = 0; k < got; k++) m += x[(size_t)j * n + idx[k]];
        xbar[j] = m / got;
    }
    for (int j = 0; j < p; j++) {
        double c = 0;
        for (int k = 0; k < got; k++) c += (x[(size_t)j * n + idx[k]] - xbar[j]) * (y[idx[k]] - ybar);
        out[j] = c / (got - 1);
    }
}

nt_status nt_match_ai2016_delta(const double *x, long n, int p, const double *pscore,
                                const double *cov_theta, const uint8_t *treated, const uint8_t *skip,
                                const nt_matchset *att, const nt_matchset *atc, const double *y,
                                double est, int ate, int L, double *delta, nt_error *err)
{
    if (L < 2) return nt_fail(err, NT_EUSAGE, "the AI (2016) adjustment needs at least 2 neighbours");
    if (!ate && !atc) return nt_fail(err, NT_EUSAGE, "the AI (2016) ATT adjustment needs controls matched to the treated");
    long n1c, n0c;
    nt_match_key *s1 = nt_match_sorted_arm(pscore, treated, NULL, skip, n, 1, &n1c);
    nt_match_key *s0 = nt_match_sorted_arm(pscore, treated, NULL, skip, n, 0, &n0c);
    double *c = calloc((size_t)p, sizeof *c), *dv = calloc((size_t)p, sizeof *dv);
    double *c1 = malloc((size_t)p * sizeof *c1), *c0 = malloc((size_t)p * sizeof *c0), *xb = malloc((size_t)p * sizeof *xb);
    long *idx = malloc((size_t)L * sizeof *idx);
    double *t1 = malloc((size_t)n * sizeof *t1), *t0 = NULL;
    nt_status st = NT_OK;
    if (!s1 || !s0 || !c || !dv || !c1 || !c0 || !xb || !idx || !t1) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    nt_matchset_unit_effects(att, y, t1);
    if (atc) {
        t0 = malloc((size_t)n * sizeof *t0);
        if (!t0) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        nt_matchset_unit_effects(atc, y, t0);
    }
    long N = 0, N1 = 0;
    for (long i = 0; i < n; i++) {
        if (skip && skip[i]) continue;
        N++;
        N1 += treated[i] != 0;
        double pi = pscore[i], f = pi * (1 - pi);
        local_cov(s1, n1c, pi, L, x, n, p, y, idx, xb, c1);
        local_cov(s0, n0c, pi, L, x, n, p, y, idx, xb, c0);
        for (int j = 0; j < p; j++)
            c[j] += ate ? f * (c1[j] / pi + c0[j] / (1 - pi)) : f * (c1[j] + pi / (1 - pi) * c0[j]);
        if (!ate) {
            double tau = treated[i] ? t1[i] : t0[i];
            if (isnan(tau)) continue;
            for (int j = 0; j < p; j++) dv[j] += x[(size_t)j * n + i] * f * (tau - est);
        }
    }
    if (N == 0 || N1 == 0) { st = nt_fail(err, NT_EINPUT, "no units for the AI (2016) adjustment"); goto done; }
    double scale = ate ? (double)N : (double)N1; /* N pbar = N1 */
    for (int j = 0; j < p; j++) { c[j] /= scale; dv[j] /= scale; }
    double qc = 0, qd = 0;
    for (int j = 0; j < p; j++)
        for (int k = 0; k < p; k++) {
            qc += c[j] * cov_theta[(size_t)k * p + j] * c[k];
            qd += dv[j] * cov_theta[(size_t)k * p + j] * dv[k];
        }
    *delta = ate ? -qc : -qc + qd;
done:
    free(s1); free(s0); free(c); free(dv); free(c1); free(c0); free(xb); free(idx); free(t1); free(t0);
    return st;
}
