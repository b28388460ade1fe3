/* Multiplier (weighted) bootstrap over persons on the dynamic estimator's
   linearisation (contract in nt_dyn_infer.h; docs/inference.md).

   One pass over the persons with a role, in blocks of 64 (the
   contributions c_p of nt_dyn_lin_get, in double): per series s (ATT or
   ATT_fixed of an outcome) the covariance of the path
     S_s = sum_p c_p c_p'          (horizon x horizon)
   accumulated tile by tile, each entry over the persons in order, so the
   sums are the same for any thread count. Then se(tau)^2 = S(tau, tau),
   Var C(tau) = sum_{u, v <= tau} S(u, v), and the draws: with Gaussian
   multipliers xi_p ~ N(0, 1) the multiplier draw sum_p xi_p c_p is
   exactly N(0, S) given the data, so draw b is D(., b) = C z_b with C the
   (semi-definite) Cholesky factor of S and z_b ~ N(0, I) from the
   core/nt_rng stream (seed, s): n H^2 / 2 + B H^2 / 2 per series instead
   of n H B, and no per-person matrix kept. The draw b of the path is
   theta + D(., b); of the cumulative path its running sum. With the
   draws, the pass keeps the chosen functionals per person
   (nt_dyn_proj) for differences between estimates on the same persons.

   sup-t band (Montiel Olea & Plagborg-Moller 2019): crit = the level
   quantile (type 1) over b of max_tau |D(s, tau, b)| / se(s, tau) over the
   defined months with se > 0; band theta -+ crit se. Figures of each draw
   (nt_summary_compute): break-even and lock-in; percentile intervals
   (type 1, so months stay whole months; a draw without break-even counts
   as beyond the window and a bound beyond it is NaN). */
#include "estimators/nt_dyn_infer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <omp.h>

#include "core/nt_rng.h"
#include "estimators/nt_summary.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory in the multiplier bootstrap")

void nt_dyn_inference_free(nt_dyn_inference *f)
{
    if (!f) return;
    double **a[] = {&f->se, &f->lower, &f->upper, &f->band_lower, &f->band_upper, &f->cum, &f->cum_se,
                    &f->cum_lower, &f->cum_upper, &f->cum_band_lower, &f->cum_band_upper, &f->crit, &f->crit_cum,
                    &f->breakeven, &f->breakeven_lower, &f->breakeven_upper, &f->breakeven_band,
                    &f->lockin_depth, &f->lockin_depth_lower, &f->lockin_depth_upper, &f->lockin_month,
                    &f->lockin_month_lower, &f->lockin_month_upper, &f->draw_sd, &f->sup_p};
    for (size_t i = 0; i < sizeof a / sizeof *a; i++) free(*a[i]);
    nt_dyn_proj_free(f->proj);
    free(f);
}

static nt_status alloc_out(int ns, int H, nt_dyn_inference **out, nt_error *err)
{
    nt_dyn_inference *f = calloc(1, sizeof *f);
    if (!f) return NOMEM(err);
    size_t path = (size_t)ns * (size_t)H, one = (size_t)ns;
    double **pa[] = {&f->se, &f->lower, &f->upper, &f->band_lower, &f->band_upper, &f->cum, &f->cum_se,
                     &f->cum_lower, &f->cum_upper, &f->cum_band_lower, &f->cum_band_upper, &f->draw_sd};
    double **oa[] = {&f->crit, &f->crit_cum, &f->breakeven, &f->breakeven_lower, &f->breakeven_upper,
                     &f->breakeven_band, &f->lockin_depth, &f->lockin_depth_lower, &f->lockin_depth_upper,
                     &f->lockin_month, &f->lockin_month_lower, &f->lockin_month_upper, &f->sup_p};
    int ok = 1;
    for (size_t i = 0; i < sizeof pa / sizeof *pa; i++) ok &= (*pa[i] = malloc(path * sizeof **pa[i])) != NULL;
    for (size_t i = 0; i < sizeof oa / sizeof *oa; i++) ok &= (*oa[i] = malloc(one * sizeof **oa[i])) != NULL;
    f->horizon = H;
    f->n_series = ns;
    *out = f;
    return ok ? NT_OK : NOMEM(err);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* Type 1 quantile of v[0..n) (sorted in place): the smallest v with
   F(v) >= q. */
static double quantile1(double *v, int n, double q)
{
    if (n <= 0) return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    long k = (long)ceil(q * n - 1e-9) - 1;
    if (k < 0) k = 0;
    if (k >= n) k = n - 1;
    return v[k];
}

/* ------------------------------------------------------------ the pass over persons */

#define BLOCK 64   /* persons per block of the covariance pass */
#define TILE 8     /* months per tile of a covariance matrix */

/* Persons with a role (either estimand), ascending, and their row of the
   kept functionals (-1 none: no ATT role). */
static nt_status persons_with_roles(const nt_dyn_lin *L, int keep, long **list, long **prow, long *n_list,
                                    long *n_proj, nt_error *err)
{
    long n = 0, m = 0;
    for (long p = 0; p < L->n; p++) n += L->row[0][p] >= 0 || L->row[1][p] >= 0;
    *list = malloc((size_t)(n ? n : 1) * sizeof **list);
    *prow = malloc((size_t)(n ? n : 1) * sizeof **prow);
    if (!*list || !*prow) return NOMEM(err);
    n = 0;
    for (long p = 0; p < L->n; p++) {
        if (L->row[0][p] < 0 && L->row[1][p] < 0) continue;
        (*prow)[n] = keep && L->row[0][p] >= 0 ? m++ : -1;
        (*list)[n++] = p;
    }
    *n_list = n;
    *n_proj = m;
    return NT_OK;
}

/* Adds the block's c c' to the lower triangle of S (one H x H matrix per
   series) for the tiles task = tid, tid + nth, ...; every entry sums over
   the block's persons in order, whichever thread has its tile. */
static void block_cov(const double *blk, const uint8_t *has, int nb, int ns, int H, int tid, int nth, double *S)
{
    int nt = (H + TILE - 1) / TILE, ntile = nt * (nt + 1) / 2;
    for (int task = tid; task < ns * ntile; task += nth) {
        int s = task / ntile, t = task % ntile, bi = 0;
        while ((bi + 1) * (bi + 2) / 2 <= t) bi++;
        int bj = t - bi * (bi + 1) / 2;
        int a0 = bi * TILE, a1 = a0 + TILE < H ? a0 + TILE : H, b0 = bj * TILE;
        double *Ss = S + (size_t)s * H * H;
        int f = s >= ns / 2;
        for (int i = 0; i < nb; i++) {
            if (!has[i * 2 + f]) continue;
            const double *c = blk + ((size_t)i * ns + s) * H;
            for (int a = a0; a < a1; a++) {
                double ca = c[a];
                if (ca == 0) continue;
                int b1 = bi == bj ? a + 1 : b0 + TILE;
                double *row = Ss + (size_t)a * H;
                for (int b = b0; b < b1; b++) row[b] += ca * c[b];
            }
        }
    }
}

/* The kept functionals of one person's ATT contributions c. */
static void project(const double *c, int NO, int H, const int *hz, int nh, float *v)
{
    for (int oc = 0; oc < NO; oc++) {
        double run = 0;
        int tau = 0;
        for (int h = 0; h < nh; h++) {
            int want = hz[h];
            for (; tau < want && tau < H; tau++) run += c[oc * H + tau];
            v[(oc * 2 + 0) * nh + h] = (float)(want >= 1 && want <= H ? c[oc * H + want - 1] : 0);
            v[(oc * 2 + 1) * nh + h] = (float)run;
        }
    }
}

/* One pass over the persons with a role: S[s] = sum_p c_p c_p' per series
   (lower triangle, then mirrored), and the kept functionals. Each thread
   reads every block itself (no barriers) and adds to its own tiles. */
static nt_status covariance(const nt_dyn_lin *L, const nt_infer_opts *o, double *S, nt_dyn_proj **proj,
                            nt_error *err)
{
    int H = L->horizon, NO = L->n_outcomes, ns = 2 * NO, nh = o->proj_horizons ? o->n_proj_horizons : 0;
    long *list = NULL, *prow = NULL, n = 0, np = 0;
    nt_status st = persons_with_roles(L, nh > 0, &list, &prow, &n, &np, err);
    nt_dyn_proj *pj = NULL;
    if (!st && nh > 0) {
        int nv = NO * 2 * nh;
        pj = calloc(1, sizeof *pj);
        if (pj) {
            pj->n_outcomes = NO;
            pj->n_h = nh;
            pj->n_rows = np;
            pj->person = malloc((size_t)(np ? np : 1) * sizeof *pj->person);
            pj->v = malloc((size_t)(np ? np : 1) * (size_t)nv * sizeof *pj->v);
        }
        if (!pj || !pj->person || !pj->v) st = NOMEM(err);
    }
    int oom = 0;
    if (!st) {
        #pragma omp parallel
        {
            int tid = omp_get_thread_num(), nth = omp_get_num_threads();
            double *blk = malloc((size_t)BLOCK * ns * H * sizeof *blk);
            uint8_t *has = malloc((size_t)BLOCK * 2);
            if (!blk || !has) {
                #pragma omp atomic write
                oom = 1;
            }
            for (long b0 = 0; b0 < n && blk && has; b0 += BLOCK) {
                int nb = (int)(n - b0 < BLOCK ? n - b0 : BLOCK);
                for (int i = 0; i < nb; i++) {
                    double *c = blk + (size_t)i * ns * H;
                    for (int f = 0; f < 2; f++)
                        has[i * 2 + f] = (uint8_t)nt_dyn_lin_get(L, f, list[b0 + i], c + (size_t)f * NO * H);
                    long r = prow[b0 + i];
                    if (r >= 0 && (b0 / BLOCK) % nth == tid) {
                        pj->person[r] = list[b0 + i];
                        project(c, NO, H, o->proj_horizons, nh, pj->v + (size_t)r * NO * 2 * nh);
                    }
                }
                block_cov(blk, has, nb, ns, H, tid, nth, S);
            }
            free(blk);
            free(has);
        }
        if (oom) st = NOMEM(err);
        for (int s = 0; s < ns; s++)
            for (int a = 0; a < H; a++)
                for (int b = a + 1; b < H; b++) S[((size_t)s * H + a) * H + b] = S[((size_t)s * H + b) * H + a];
    }
    free(list);
    free(prow);
    if (st) { nt_dyn_proj_free(pj); return st; }
    *proj = pj;
    return NT_OK;
}

/* Lower Cholesky factor of a positive semi-definite S (H x H) in place of
   C: a column whose pivot is not above 1e-10 of its variance (a month
   without variance, or one that depends on earlier months) is left 0. */
static void chol_psd(const double *S, int H, double *C)
{
    memset(C, 0, (size_t)H * H * sizeof *C);
    for (int j = 0; j < H; j++) {
        double d = S[(size_t)j * H + j];
        for (int k = 0; k < j; k++) d -= C[(size_t)j * H + k] * C[(size_t)j * H + k];
        if (!(S[(size_t)j * H + j] > 0) || !(d > 1e-10 * S[(size_t)j * H + j])) continue;
        double piv = sqrt(d);
        C[(size_t)j * H + j] = piv;
        for (int i = j + 1; i < H; i++) {
            double v = S[(size_t)i * H + j];
            for (int k = 0; k < j; k++) v -= C[(size_t)i * H + k] * C[(size_t)j * H + k];
            C[(size_t)i * H + j] = v / piv;
        }
    }
}

/* B draws of N(0, S) for one series: D[tau * B + b] = (C z_b)(tau), z_b
   from the core/nt_rng stream (seed, s). With Gaussian multipliers xi_p the
   draws sum_p xi_p c_p are exactly N(0, S) given the data, so these are
   the multiplier bootstrap's draws, at B H^2 instead of n H B. */
static nt_status draws(const double *S, int H, int B, uint64_t seed, int s, double *D, nt_error *err)
{
    double *C = malloc((size_t)H * H * sizeof *C), *z = malloc((size_t)H * sizeof *z);
    if (!C || !z) { free(C); free(z); return NOMEM(err); }
    chol_psd(S, H, C);
    nt_rng g;
    nt_rng_init(&g, seed, (uint64_t)s);
    for (int b = 0; b < B; b++) {
        for (int k = 0; k < H; k++) z[k] = nt_rng_normal(&g);
        for (int tau = 0; tau < H; tau++) {
            double v = 0;
            for (int k = 0; k <= tau; k++) v += C[(size_t)tau * H + k] * z[k];
            D[(size_t)tau * B + b] = v;
        }
    }
    free(C);
    free(z);
    return NT_OK;
}

void nt_dyn_proj_free(nt_dyn_proj *p)
{
    if (!p) return;
    free(p->person);
    free(p->v);
    free(p);
}

nt_status nt_dyn_proj_diff_var(const nt_dyn_proj *a, const nt_dyn_proj *b, double *var, nt_error *err)
{
    if (a->n_outcomes != b->n_outcomes || a->n_h != b->n_h)
        return nt_fail(err, NT_EUSAGE, "the two estimates keep different functionals");
    int nv = a->n_outcomes * 2 * a->n_h;
    for (int j = 0; j < nv; j++) var[j] = 0;
    long i = 0, k = 0;
    while (i < a->n_rows || k < b->n_rows) {
        long pa = i < a->n_rows ? a->person[i] : -1, pb = k < b->n_rows ? b->person[k] : -1;
        const float *va = NULL, *vb = NULL;
        if (pb < 0 || (pa >= 0 && pa <= pb)) va = a->v + (size_t)i++ * nv;
        if (pa < 0 || (pb >= 0 && pb <= pa)) vb = b->v + (size_t)k++ * nv;
        for (int j = 0; j < nv; j++) {
            double d = (va ? (double)va[j] : 0) - (vb ? (double)vb[j] : 0);
            var[j] += d * d;
        }
    }
    return NT_OK;
}

/* The sup-t critical value of the draws dev[tau * B + b] against se[tau]. */
static double sup_t(const double *dev, const double *se, const double *est, int H, int B, double level, double *buf)
{
    int nb = 0;
    for (int b = 0; b < B; b++) {
        double mx = 0;
        int got = 0;
        for (int tau = 0; tau < H; tau++) {
            if (isnan(est[tau]) || !(se[tau] > 0)) continue;
            double z = fabs(dev[(size_t)tau * B + b]) / se[tau];
            if (z > mx) mx = z;
            got = 1;
        }
        if (got) buf[nb++] = mx;
    }
    return quantile1(buf, nb, level);
}

/* The sup-t test of a zero path: the share of draws whose largest
   standardised deviation reaches the estimate's. */
static double sup_p(const double *dev, const double *se, const double *est, int H, int B)
{
    double obs = 0;
    int got = 0;
    for (int tau = 0; tau < H; tau++) {
        if (isnan(est[tau]) || !(se[tau] > 0)) continue;
        double z = fabs(est[tau]) / se[tau];
        if (z > obs) obs = z;
        got = 1;
    }
    if (!got || B <= 0) return NAN;
    long ge = 0;
    for (int b = 0; b < B; b++) {
        double mx = 0;
        for (int tau = 0; tau < H; tau++) {
            if (isnan(est[tau]) || !(se[tau] > 0)) continue;
            double z = fabs(dev[(size_t)tau * B + b]) / se[tau];
            if (z > mx) mx = z;
        }
        ge += mx >= obs;
    }
    return (double)ge / B;
}

/* Figures of one series: the point's, and percentile intervals over the draws. */
static nt_status figures(const double *theta, const double *D, int H, int B, int lib, double level,
                         nt_dyn_inference *f, int s, double *path, double *bufs, nt_error *err)
{
    nt_summary sm;
    nt_status st = nt_summary_compute(theta, NULL, 0, H, lib, H, level, &sm, err);
    if (st) return st;
    nt_summary_point pt = sm.est;
    double sg = lib ? -1 : 1;
    f->breakeven[s] = pt.breakeven_month;
    f->lockin_depth[s] = pt.lockin_depth;
    int arg = -1;
    for (int tau = 0; tau < H; tau++)
        if (!isnan(theta[tau]) && (arg < 0 || sg * theta[tau] < sg * theta[arg])) arg = tau;
    f->lockin_month[s] = arg >= 0 && sg * theta[arg] < 0 ? arg : NAN;
    /* Band break-even: first month from which the lower edge ("more is
       better") of the cumulative band stays above zero. */
    f->breakeven_band[s] = NAN;
    for (int tau = H - 1; tau >= 0; tau--) {
        double lo = lib ? -f->cum_band_upper[(size_t)s * H + tau] : f->cum_band_lower[(size_t)s * H + tau];
        if (!(lo > 0)) break;
        f->breakeven_band[s] = tau;
    }
    double *be = bufs, *dep = bufs + B, *mon = bufs + 2 * (size_t)B;
    int n = 0;
    for (int b = 0; b < B; b++) {
        for (int tau = 0; tau < H; tau++) path[tau] = theta[tau] + D[(size_t)tau * B + b];
        if ((st = nt_summary_compute(path, NULL, 0, H, lib, H, level, &sm, err))) return st;
        pt = sm.est;
        if (isnan(pt.lockin_depth)) continue;
        be[n] = isnan(pt.breakeven_month) ? INFINITY : pt.breakeven_month;
        dep[n] = pt.lockin_depth;
        int a = -1;
        for (int tau = 0; tau < H; tau++)
            if (!isnan(path[tau]) && (a < 0 || sg * path[tau] < sg * path[a])) a = tau;
        mon[n++] = a >= 0 && sg * path[a] < 0 ? a : INFINITY;
    }
    double lo = (1 - level) / 2, hi = 1 - lo;
    double v;
    f->breakeven_lower[s] = isinf(v = quantile1(be, n, lo)) ? NAN : v;
    f->breakeven_upper[s] = isinf(v = quantile1(be, n, hi)) ? NAN : v;
    f->lockin_depth_lower[s] = quantile1(dep, n, lo);
    f->lockin_depth_upper[s] = quantile1(dep, n, hi);
    f->lockin_month_lower[s] = isinf(v = quantile1(mon, n, lo)) ? NAN : v;
    f->lockin_month_upper[s] = isinf(v = quantile1(mon, n, hi)) ? NAN : v;
    return NT_OK;
}

nt_status nt_dyn_infer(const nt_dyn_lin *L, const nt_dyn_result *r, const nt_infer_opts *o,
                       nt_dyn_inference **out, nt_error *err)
{
    if (!L->finished || r->horizon != L->horizon || r->n_outcomes != L->n_outcomes)
        return nt_fail(err, NT_EUSAGE, "the linearisation does not belong to this result");
    if (o->B < 0 || !(o->level > 0 && o->level < 1))
        return nt_fail(err, NT_EUSAGE, "draws must be >= 0 and the level in (0, 1)");
    int H = L->horizon, NO = L->n_outcomes, ns = 2 * NO, B = o->B;
    size_t path = (size_t)ns * H;
    nt_dyn_inference *f = NULL;
    nt_status st = alloc_out(ns, H, &f, err);
    double *S = calloc(path * (size_t)H, sizeof *S);
    double *D = calloc(path * (size_t)(B > 0 ? B : 1), sizeof *D);
    double *buf = malloc((size_t)(3 * B + H + 1) * sizeof *buf);
    if (!st && (!S || !D || !buf)) st = NOMEM(err);
    if (!st) st = covariance(L, o, S, &f->proj, err);
    for (int s = 0; s < ns && !st && B > 0; s++) st = draws(S + (size_t)s * H * H, H, B, o->seed, s, D + (size_t)s * H * B, err);
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - o->level) / 2);
    for (int s = 0; s < ns && !st; s++) {
        const double *theta = (s < NO ? r->att : r->att_fixed) + (size_t)(s % NO) * H;
        size_t base = (size_t)s * H;
        double cum = 0, vc = 0;
        int cum_ok = 1;
        const double *Ss = S + (size_t)s * H * H;
        for (int tau = 0; tau < H; tau++) {
            size_t k = base + tau;
            double th = theta[tau], se = sqrt(Ss[(size_t)tau * H + tau]);
            f->se[k] = isnan(th) ? NAN : se;
            f->lower[k] = th - z * se;
            f->upper[k] = th + z * se;
            cum_ok &= !isnan(th);
            cum += th;
            /* Var C(tau) = Var C(tau - 1) + 2 sum_{u < tau} S(tau, u) + S(tau, tau). */
            double cross = 0;
            for (int u = 0; u < tau; u++) cross += Ss[(size_t)tau * H + u];
            vc += 2 * cross + Ss[(size_t)tau * H + tau];
            f->cum[k] = cum_ok ? cum : NAN;
            f->cum_se[k] = cum_ok ? sqrt(fmax(vc, 0)) : NAN;
            f->cum_lower[k] = f->cum[k] - z * f->cum_se[k];
            f->cum_upper[k] = f->cum[k] + z * f->cum_se[k];
            double s1 = 0, s2 = 0;
            for (int b = 0; b < B; b++) { s1 += D[k * B + b]; s2 += D[k * B + b] * D[k * B + b]; }
            f->draw_sd[k] = B > 1 ? sqrt((s2 - s1 * s1 / B) / (B - 1)) : NAN;
        }
        f->crit[s] = f->crit_cum[s] = f->sup_p[s] = NAN;
        if (B > 0) {
            f->sup_p[s] = sup_p(D + base * B, f->se + base, theta, H, B);
            f->crit[s] = sup_t(D + base * B, f->se + base, theta, H, B, o->level, buf);
            /* Cumulative draws: running sums over tau. */
            double *Dc = malloc((size_t)H * B * sizeof *Dc);
            if (!Dc) { st = NOMEM(err); break; }
            for (int b = 0; b < B; b++) {
                double run = 0;
                for (int tau = 0; tau < H; tau++) Dc[(size_t)tau * B + b] = run += D[(base + tau) * B + b];
            }
            f->crit_cum[s] = sup_t(Dc, f->cum_se + base, f->cum + base, H, B, o->level, buf);
            free(Dc);
        }
        for (int tau = 0; tau < H; tau++) {
            size_t k = base + tau;
            f->band_lower[k] = theta[tau] - f->crit[s] * f->se[k];
            f->band_upper[k] = theta[tau] + f->crit[s] * f->se[k];
            f->cum_band_lower[k] = f->cum[k] - f->crit_cum[s] * f->cum_se[k];
            f->cum_band_upper[k] = f->cum[k] + f->crit_cum[s] * f->cum_se[k];
        }
        int lib = o->less_is_better ? o->less_is_better[s % NO] : 0;
        if (B > 0) st = figures(theta, D + base * B, H, B, lib, o->level, f, s, buf + 3 * B, buf, err);
        else {
            f->breakeven[s] = f->breakeven_lower[s] = f->breakeven_upper[s] = f->breakeven_band[s] = NAN;
            f->lockin_depth[s] = f->lockin_depth_lower[s] = f->lockin_depth_upper[s] = NAN;
            f->lockin_month[s] = f->lockin_month_lower[s] = f->lockin_month_upper[s] = NAN;
        }
    }
    free(S);
    free(D);
    free(buf);
    if (st) { nt_dyn_inference_free(f); return st; }
    f->B = B;
    *out = f;
    return NT_OK;
}
