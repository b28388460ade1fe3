/* Multiplier (weighted) bootstrap over persons on the dynamic estimator's
   linearisation (contract in nt_dyn_infer.h; docs/inference.md).

   One pass over persons p = 0..n-1 in order: xi_pb, b = 1..B, from the
   core/nt_rng stream (seed, p) (N(0, 1) by the polar method, or
   Rademacher); for every series s and month tau
     V(s, tau)    += c_p(s, tau)^2
     Vc(s, tau)   += (c_p(s, 0) + ... + c_p(s, tau))^2
     D(s, tau, b) += xi_pb c_p(s, tau).
   The draw b of the path is theta + D(., b); of the cumulative path its
   running sum. Draws depend on (seed, person) only, so the result is the
   same for any thread count or person order of the work before.

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
                    &f->lockin_month_lower, &f->lockin_month_upper, &f->draw_sd};
    for (size_t i = 0; i < sizeof a / sizeof *a; i++) free(*a[i]);
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
                     &f->lockin_month, &f->lockin_month_lower, &f->lockin_month_upper};
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

/* Pass over persons: V, Vc and D. */
static nt_status stream(const nt_dyn_lin *L, const nt_infer_opts *o, double *V, double *Vc, double *D,
                        nt_error *err)
{
    int H = L->horizon, ns = 2 * L->n_outcomes, B = o->B;
    double *xi = malloc((size_t)(B > 0 ? B : 1) * sizeof *xi), *cp = malloc((size_t)ns * H * sizeof *cp);
    if (!xi || !cp) { free(xi); free(cp); return NOMEM(err); }
    for (long p = 0; p < L->n; p++) {
        int any = 0;
        for (size_t s = 0; s < (size_t)ns * H; s++) {
            cp[s] = L->c[s * (size_t)L->n + (size_t)p];
            any |= cp[s] != 0;
        }
        if (!any) continue;
        nt_rng g;
        nt_rng_init(&g, o->seed, (uint64_t)p);
        for (int b = 0; b < B; b++) xi[b] = o->rademacher ? (nt_rng_u64(&g) >> 63 ? 1.0 : -1.0) : nt_rng_normal(&g);
        for (int s = 0; s < ns; s++) {
            double run = 0;
            for (int tau = 0; tau < H; tau++) {
                size_t k = (size_t)s * H + tau;
                double c = cp[k];
                run += c;
                V[k] += c * c;
                Vc[k] += run * run;
                if (c == 0) continue;
                double *d = D + k * (size_t)B;
                for (int b = 0; b < B; b++) d[b] += xi[b] * c;
            }
        }
    }
    free(xi);
    free(cp);
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
    double *V = calloc(path, sizeof *V), *Vc = calloc(path, sizeof *Vc);
    double *D = calloc(path * (size_t)(B > 0 ? B : 1), sizeof *D);
    double *buf = malloc((size_t)(3 * B + H + 1) * sizeof *buf);
    if (!st && (!V || !Vc || !D || !buf)) st = NOMEM(err);
    if (!st) st = stream(L, o, V, Vc, D, err);
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - o->level) / 2);
    for (int s = 0; s < ns && !st; s++) {
        const double *theta = (s < NO ? r->att : r->att_fixed) + (size_t)(s % NO) * H;
        size_t base = (size_t)s * H;
        double cum = 0;
        int cum_ok = 1;
        for (int tau = 0; tau < H; tau++) {
            size_t k = base + tau;
            double th = theta[tau], se = sqrt(V[k]);
            f->se[k] = isnan(th) ? NAN : se;
            f->lower[k] = th - z * se;
            f->upper[k] = th + z * se;
            cum_ok &= !isnan(th);
            cum += th;
            f->cum[k] = cum_ok ? cum : NAN;
            f->cum_se[k] = cum_ok ? sqrt(Vc[k]) : NAN;
            f->cum_lower[k] = f->cum[k] - z * f->cum_se[k];
            f->cum_upper[k] = f->cum[k] + z * f->cum_se[k];
            double s1 = 0, s2 = 0;
            for (int b = 0; b < B; b++) { s1 += D[k * B + b]; s2 += D[k * B + b] * D[k * B + b]; }
            f->draw_sd[k] = B > 1 ? sqrt((s2 - s1 * s1 / B) / (B - 1)) : NAN;
        }
        f->crit[s] = f->crit_cum[s] = NAN;
        if (B > 0) {
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
    free(V);
    free(Vc);
    free(D);
    free(buf);
    if (st) { nt_dyn_inference_free(f); return st; }
    f->B = B;
    *out = f;
    return NT_OK;
}
