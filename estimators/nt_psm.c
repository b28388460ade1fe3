/* Cross-sectional propensity-score pipeline (contract in nt_psm.h).

   Standard errors without a bootstrap:
   - nn: Abadie & Imbens (2006) with sigma^2 from J same-arm neighbours
     (Matching's Var.calc = J), ATT or ATE formula (nt_match_ai_*);
   - kernel, radius: the same formula with the estimator's match weights
     (K_j = sum_i w_ij, KK_j = sum_i w_ij^2), conditional on the scores;
     radius uses the bias-adjusted outcomes y - X b (see below);
   - ipw, aipw: influence function (nt_weight.h).
   Radius bias adjustment (Lechner, Miquel & Wunsch 2011): weighted least
   squares of y on (1, D, X) over the matched sample, weights 1 for matched
   treated and K_j for controls (ATE: 1 + K_i for every unit); with b the X
   coefficients, the estimate is the match estimator on y - X b. For the ATT
   this equals the coefficient of D in that regression. */
#include "estimators/nt_psm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_stats.h"

void nt_psm_opts_default(nt_psm_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = NT_METHOD_NN;
    o->estimand = NT_ATT;
    nt_match_opts_default(&o->match);
    o->caliper_sd = 0;
    o->distance = NT_DIST_LOGIT;
    o->trim = NT_TRIM_NONE;
    o->kernel = NT_KERNEL_EPANECHNIKOV;
    o->bandwidth = 0;
    o->radius_factor = 1.5;
    o->ai_j = 2;
    o->ps_adjust = 0;
    o->ps_adjust_l = 4;
    o->bootstrap = 0;
    o->seed = 1;
}

void nt_psm_result_free(nt_psm_result *r)
{
    if (!r) return;
    nt_glm_fit_free(r->glm);
    free(r->pscore);
    free(r->score);
    free(r->skip);
    free(r->weight);
    nt_matchset_free(r->att);
    nt_matchset_free(r->atc);
    free(r->effects);
    free(r->balance);
    free(r);
}


static nt_status match_arm(const nt_psm_result *r, const uint8_t *tr, const long *cell, int focal,
                           const nt_psm_opts *o, nt_matchset **out, nt_error *err)
{
    if (o->method == NT_METHOD_NN) {
        nt_match_opts mo = o->match;
        mo.caliper = r->caliper;
        mo.tie_scale = r->tie_scale;
        return nt_match_nearest(r->score, tr, cell, r->skip, r->n, focal, &mo, out, err);
    }
    if (o->method == NT_METHOD_RADIUS)
        return nt_match_radius(r->score, tr, cell, r->skip, r->n, focal, o->radius_factor, r->caliper, out, err);
    return nt_match_kernel(r->score, tr, cell, r->skip, r->n, focal, o->kernel, o->bandwidth, out, err);
}

/* Unit weights implied by the match sets: ATT treated 1 if matched, control
   K_j; ATE 1 + K_i for every matched unit. */
static void match_weights(nt_psm_result *r, const uint8_t *tr, nt_estimand est, double *K)
{
    long n = r->n;
    nt_matchset_counts(r->att, r->weight, NULL);
    if (est == NT_ATE) {
        nt_matchset_counts(r->atc, K, NULL);
        for (long i = 0; i < n; i++) r->weight[i] += K[i];
    }
    for (long i = 0; i < n; i++) {
        int focal_matched = r->att->start[i + 1] > r->att->start[i] ||
                            (r->atc && r->atc->start[i + 1] > r->atc->start[i]);
        if (est == NT_ATT) {
            if (tr[i]) r->weight[i] = focal_matched ? 1 : 0;
        } else if (focal_matched) {
            r->weight[i] += 1;
        }
        if (r->skip[i]) r->weight[i] = 0;
    }
}

/* Steps 1-4 of a pass: the logit, the distance score, common support, the
   score's sd over the units kept, the caliper and the tie scale. */
static nt_status fit_score(const double *x, long n, int p, const char *const *terms, const int *vot,
                           const uint8_t *tr, const nt_psm_opts *o, int with_se, nt_psm_result *r, nt_error *err)
{
    nt_status st = NT_OK;
    double *d = malloc((size_t)n * sizeof *d);
    r->pscore = malloc((size_t)n * sizeof *r->pscore);
    r->score = malloc((size_t)n * sizeof *r->score);
    r->skip = calloc((size_t)n, 1);
    r->weight = calloc((size_t)n, sizeof *r->weight);
    if (!d || !r->pscore || !r->score || !r->skip || !r->weight) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (long i = 0; i < n; i++) d[i] = tr[i];
    if (with_se) {
        st = nt_glm_check_cells(x, n, p, d, vot, terms, "the treatment", err);
        if (st) goto done;
    }
    st = nt_glm_fit_alloc(x, n, p, d, NULL, terms, NULL, &r->glm, err);
    if (st) goto done;
    for (long i = 0; i < n; i++) {
        r->pscore[i] = r->glm->mu[i];
        r->score[i] = o->distance == NT_DIST_LOGIT ? r->glm->eta[i] : r->glm->mu[i];
    }
    st = nt_support_trim(r->pscore, tr, n, o->trim, r->skip, &r->trim_lo, &r->trim_hi,
                         &r->dropped_support_treated, &r->dropped_support_controls, err);
    if (st) goto done;
    r->n_treated = r->n_control = 0;
    double s = 0, ss = 0;
    for (long i = 0; i < n; i++) {
        if (r->skip[i]) continue;
        if (tr[i]) r->n_treated++; else r->n_control++;
        s += r->score[i];
    }
    if (r->n_treated == 0 || r->n_control == 0) {
        st = nt_fail(err, NT_EINPUT, "no %s left on common support", r->n_treated == 0 ? "treated" : "controls");
        goto done;
    }
    long nk = r->n_treated + r->n_control;
    for (long i = 0; i < n; i++) if (!r->skip[i]) ss += (r->score[i] - s / (double)nk) * (r->score[i] - s / (double)nk);
    r->score_sd = nk > 1 ? sqrt(ss / (double)(nk - 1)) : 0;
    r->caliper = o->caliper_sd > 0 ? o->caliper_sd * r->score_sd : 0;
    r->tie_scale = o->match.tie_scale < 0 ? r->score_sd : o->match.tie_scale;
done:
    free(d);
    return st;
}

/* One pass of steps 1-6 on arrays; with_se = 0 in bootstrap replicates
   (estimates only). est/se: nout each. */
static nt_status run_pass(const double *x, long n, int p, const char *const *terms, const int *vot,
                          const uint8_t *tr, const double *y, int nout, const long *cell,
                          const nt_psm_opts *o, int with_se, nt_psm_result *r,
                          double *est, double *se, double *se0, nt_error *err)
{
    nt_status st = NT_OK;
    double *yadj = NULL, *sig = NULL, *K = NULL, *xr = NULL, *beta = NULL;
    nt_matchset *atc_adj = NULL;
    r->n = n, r->p = p, r->nout = nout;
    st = fit_score(x, n, p, terms, vot, tr, o, with_se, r, err);
    if (st) goto done;

    if (nt_method_is_matching(o->method)) {
        K = malloc((size_t)n * sizeof *K);
        sig = malloc((size_t)n * sizeof *sig);
        yadj = malloc((size_t)n * sizeof *yadj);
        if (!K || !sig || !yadj) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        st = match_arm(r, tr, cell, 1, o, &r->att, err);
        if (!st && o->estimand == NT_ATE) st = match_arm(r, tr, cell, 0, o, &r->atc, err);
        if (st) goto done;
        r->unmatched_treated = r->att->n_focal - r->att->n_matched;
        r->unmatched_controls = r->atc ? r->atc->n_focal - r->atc->n_matched : 0;
        r->radius = r->att->radius;
        r->bandwidth = r->att->bandwidth;
        if (r->att->n_matched == 0 || (r->atc && r->atc->n_matched == 0)) {
            const char *who = r->att->n_matched == 0 ? "treated person" : "control";
            if (r->caliper > 0)
                st = nt_fail(err, NT_EINPUT, "no %s has a match within the caliper (%g on the distance scale); widen --caliper", who, r->caliper);
            else
                st = nt_fail(err, NT_EINPUT, "no %s has a match (radius or kernel bandwidth too small)", who);
            goto done;
        }
        match_weights(r, tr, o->estimand, K);
        int q = p; /* regressors of the adjustment: 1, D, x[1..p-1] */
        if (o->method == NT_METHOD_RADIUS) {
            xr = malloc((size_t)n * (size_t)(q + 1) * sizeof *xr);
            beta = malloc((size_t)(q + 1) * sizeof *beta);
            if (!xr || !beta) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            for (long i = 0; i < n; i++) { xr[i] = 1; xr[n + i] = tr[i]; }
            memcpy(xr + 2 * (size_t)n, x + (size_t)n, (size_t)n * (size_t)(p - 1) * sizeof *xr);
        }
        for (int k = 0; k < nout; k++) {
            const double *yk = y + (size_t)k * (size_t)n;
            const double *use = yk;
            if (o->method == NT_METHOD_RADIUS) {
                st = nt_wls_fit(xr, n, q + 1, yk, r->weight, NULL, beta, NULL, err);
                if (st) {
                    /* Name the problem as the user sees it. */
                    char m[512];
                    snprintf(m, sizeof m, "%s", err->msg);
                    st = nt_fail(err, NT_EINPUT, "radius bias adjustment: %s (a covariate does not vary in the matched sample)", m);
                    goto done;
                }
                for (long i = 0; i < n; i++) {
                    double f = 0;
                    for (int j = 1; j < p; j++) f += x[(size_t)j * n + i] * beta[j + 1];
                    yadj[i] = yk[i] - f;
                }
                use = yadj;
            }
            if (with_se) {
                st = nt_match_sigma2_scaled(r->score, tr, cell, r->skip, n, o->ai_j, o->match.tie_tolerance, r->tie_scale, use, sig, err);
                if (st) goto done;
                /* A unit alone in its arm within its exact cell has no
                   same-arm neighbour there: use the neighbours across cells. */
                long holes = 0;
                for (long i = 0; i < n; i++) holes += !r->skip[i] && isnan(sig[i]);
                if (cell && holes) {
                    double *g = malloc((size_t)n * sizeof *g);
                    if (!g) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
                    st = nt_match_sigma2_scaled(r->score, tr, NULL, r->skip, n, o->ai_j, o->match.tie_tolerance, r->tie_scale, use, g, err);
                    for (long i = 0; i < n && !st; i++) if (isnan(sig[i])) sig[i] = g[i];
                    free(g);
                    if (st) goto done;
                }
            } else {
                for (long i = 0; i < n; i++) sig[i] = 0;
            }
            st = o->estimand == NT_ATT ? nt_match_ai_att(r->att, use, sig, &est[k], &se[k], err)
                                       : nt_match_ai_ate(r->att, r->atc, use, sig, &est[k], &se[k], err);
            if (st) goto done;
            if (se0) se0[k] = se[k];
            if (with_se && o->ps_adjust && o->method == NT_METHOD_NN) {
                if (o->estimand == NT_ATT && !atc_adj) {
                    nt_match_opts mo = o->match;
                    mo.caliper = r->caliper;
                    mo.tie_scale = r->tie_scale;
                    mo.replace = 1;
                    st = nt_match_nearest(r->score, tr, cell, r->skip, n, 0, &mo, &atc_adj, err);
                    if (st) goto done;
                }
                double delta;
                st = nt_match_ai2016_delta(x, n, p, r->pscore, r->glm->cov, tr, r->skip, r->att,
                                           o->estimand == NT_ATT ? atc_adj : r->atc, use, est[k],
                                           o->estimand == NT_ATE, o->ps_adjust_l, &delta, err);
                if (st) goto done;
                double v = se[k] * se[k] + delta;
                if (v > 0) se[k] = sqrt(v);
                else r->ps_adjust_negative++;
            }
        }
        r->se_method = o->ps_adjust && o->method == NT_METHOD_NN ? "abadie-imbens-2016" : "abadie-imbens";
    } else {
        nt_ipw_weights(r->pscore, tr, r->skip, n, o->estimand, r->weight);
        for (int k = 0; k < nout; k++) {
            const double *yk = y + (size_t)k * (size_t)n;
            st = o->method == NT_METHOD_IPW
                     ? nt_ipw_estimate(r->pscore, tr, r->skip, n, o->estimand, yk, &est[k], &se[k], err)
                     : nt_aipw_estimate(r->pscore, tr, r->skip, n, x, p, o->estimand, yk, &est[k], &se[k], err);
            if (st) goto done;
            if (se0) se0[k] = se[k];
        }
        r->se_method = "influence-function";
    }
done:
    nt_matchset_free(atc_adj);
    free(yadj);
    free(sig);
    free(K);
    free(xr);
    free(beta);
    return st;
}

static void release_pass(nt_psm_result *r)
{
    nt_glm_fit_free(r->glm);
    free(r->pscore);
    free(r->score);
    free(r->skip);
    free(r->weight);
    nt_matchset_free(r->att);
    nt_matchset_free(r->atc);
    memset(r, 0, sizeof *r);
}

/* Replicate b: resample n persons with replacement from stream (seed, b+1);
   rows keep their original order (a drawn row repeats in place), so the
   lower-row tie rule still refers to the input order. */
static int bootstrap_one(const double *x, long n, int p, const uint8_t *tr, const double *y, int nout,
                         const long *cell, const nt_psm_opts *o, long b, double *est)
{
    nt_rng rng;
    nt_rng_init(&rng, o->seed, (uint64_t)b + 1);
    long *cnt = calloc((size_t)n, sizeof *cnt);
    double *xb = malloc((size_t)n * (size_t)p * sizeof *xb), *yb = malloc((size_t)n * (size_t)nout * sizeof *yb);
    uint8_t *tb = malloc((size_t)n);
    long *cb = cell ? malloc((size_t)n * sizeof *cb) : NULL;
    double *se = malloc((size_t)nout * sizeof *se);
    int ok = 0;
    if (cnt && xb && yb && tb && se && (!cell || cb)) {
        for (long i = 0; i < n; i++) cnt[nt_rng_below(&rng, (uint64_t)n)]++;
        long r = 0;
        for (long i = 0; i < n; i++)
            for (long c = 0; c < cnt[i]; c++, r++) {
                for (int j = 0; j < p; j++) xb[(size_t)j * n + r] = x[(size_t)j * n + i];
                for (int k = 0; k < nout; k++) yb[(size_t)k * n + r] = y[(size_t)k * n + i];
                tb[r] = tr[i];
                if (cb) cb[r] = cell[i];
            }
        nt_psm_result pass;
        memset(&pass, 0, sizeof pass);
        nt_error e;
        nt_psm_opts ob = *o;
        ob.bootstrap = 0;
        ok = run_pass(xb, n, p, NULL, NULL, tb, yb, nout, cb, &ob, 0, &pass, est, se, NULL, &e) == NT_OK;
        release_pass(&pass);
    }
    free(cnt);
    free(xb);
    free(yb);
    free(tb);
    free(cb);
    free(se);
    return ok;
}

nt_status nt_psm_estimate(const double *x, long n, int p, const char *const *terms,
                          const int *var_of_term, const uint8_t *treated, const double *y,
                          int nout, const long *cell, const nt_psm_opts *o,
                          nt_psm_result **out, nt_error *err)
{
    nt_gsl_quiet();
    nt_psm_opts def;
    if (!o) { nt_psm_opts_default(&def); o = &def; }
    long n1 = 0;
    for (long i = 0; i < n; i++) n1 += treated[i] != 0;
    if (n1 == 0) return nt_fail(err, NT_EINPUT, "no treated rows (treatment = 1) in the estimation sample");
    if (n1 == n) return nt_fail(err, NT_EINPUT, "no control rows (treatment = 0) in the estimation sample");
    nt_psm_result *r = calloc(1, sizeof *r);
    double *est = malloc((size_t)nout * sizeof *est), *se = malloc((size_t)nout * sizeof *se);
    double *se0 = malloc((size_t)nout * sizeof *se0);
    double *reps = NULL;
    int *okrep = NULL;
    nt_status st = NT_OK;
    if (!r || !est || !se || !se0) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    r->effects = calloc((size_t)nout, sizeof *r->effects);
    r->balance = calloc((size_t)(p > 1 ? p - 1 : 1), sizeof *r->balance);
    if (!r->effects || !r->balance) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    st = run_pass(x, n, p, terms, var_of_term, treated, y, nout, cell, o, 1, r, est, se, se0, err);
    if (st) goto done;
    /* Counts of distinct persons. */
    long tm = 0, cu = 0;
    for (long i = 0; i < n; i++) {
        if (r->weight[i] > 0 && treated[i]) tm++;
        if (r->weight[i] > 0 && !treated[i]) cu++;
    }
    for (int k = 0; k < nout; k++) {
        nt_psm_effect *e = &r->effects[k];
        e->estimate = est[k];
        e->se = e->se_analytic = se[k];
        e->se_unadjusted = se0[k];
        e->ci_lower = est[k] - NT_Z975 * se[k];
        e->ci_upper = est[k] + NT_Z975 * se[k];
        e->n_treated = n1;
        e->n_control = r->n_control;
        e->n_treated_matched = tm;
        e->n_control_used = cu;
    }
    if (p > 1) {
        st = nt_balance_compute(x + (size_t)n, n, p - 1, treated, r->skip, r->weight, o->estimand,
                                r->balance, r->ess, err);
        if (st) goto done;
    }
    if (o->bootstrap > 0) {
        long B = o->bootstrap;
        reps = malloc((size_t)B * (size_t)nout * sizeof *reps);
        okrep = calloc((size_t)B, sizeof *okrep);
        if (!reps || !okrep) { st = nt_fail(err, NT_ENOMEM, "out of memory for %ld bootstrap replicates", B); goto done; }
#pragma omp parallel for schedule(dynamic, 1)
        for (long b = 0; b < B; b++)
            okrep[b] = bootstrap_one(x, n, p, treated, y, nout, cell, o, b, reps + (size_t)b * nout);
        long good = 0;
        for (long b = 0; b < B; b++) good += okrep[b];
        r->bootstrap_done = (int)good;
        r->bootstrap_failed = (int)(B - good);
        if (good >= 2) {
            double *v = malloc((size_t)good * sizeof *v);
            if (!v) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            for (int k = 0; k < nout; k++) {
                long c = 0;
                for (long b = 0; b < B; b++) if (okrep[b]) v[c++] = reps[(size_t)b * nout + k];
                double m, sd;
                nt_mean_sd(v, c, &m, &sd);
                r->effects[k].se = sd;
                r->effects[k].ci_lower = nt_quantile_type7(v, c, 0.025);
                r->effects[k].ci_upper = nt_quantile_type7(v, c, 0.975);
            }
            free(v);
            r->se_method = "bootstrap";
        }
    }
done:
    free(est);
    free(se);
    free(se0);
    free(reps);
    free(okrep);
    if (st) { nt_psm_result_free(r); return st; }
    *out = r;
    return NT_OK;
}
