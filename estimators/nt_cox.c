/* Cox partial likelihood: see nt_cox.h for the model, R's conventions and
   the data layout. Everything below works on rows permuted into
   (stratum, stop) order ("positions"), covariates centred and scaled
   (centre_scale) and stored row-major so that each sweep reads memory in
   order. */
#include "estimators/nt_cox.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nt_cox_opts_default(nt_cox_opts *o)
{
    o->ties = NT_TIES_EFRON;
    o->iter_max = 20;
    o->eps = 1e-9;
    o->toler_chol = pow(DBL_EPSILON, 0.75);
    o->toler_inf = sqrt(1e-9);
}

void nt_cox_result_free(nt_cox_result *r)
{
    if (!r) return;
    free(r->coef); free(r->se); free(r->var); free(r->robust_se); free(r->robust_var); free(r->infinite);
    nt_wald_free(r->wald);
    free(r);
}

typedef struct {
    long n;
    int p, ns, efron;
    double *x;            /* n x p row-major, centred, position order */
    double *w, *ev, *stop, *start;   /* position order; start NULL for (time, event) */
    long *sb;             /* ns + 1 stratum boundaries (positions) */
    long *oe;             /* positions sorted by (stratum, start) */
    double *eta, *r;      /* per position: x'b - max, exp of that */
    double *S1, *S2, *e1, *e2, *a;   /* p, p x p, p, p x p, p */
} cox_work;

/* Adds (sign +1) or removes (-1) position k from the running sums. */
static inline void risk_update(const cox_work *W, long k, double sign, double *S0, double *S1, double *S2)
{
    int p = W->p;
    double rk = sign * W->w[k] * W->r[k];
    const double *xk = W->x + (size_t)k * (size_t)p;
    *S0 += rk;
    for (int j = 0; j < p; j++) {
        double v = rk * xk[j];
        S1[j] += v;
        for (int l = j; l < p; l++) S2[j * p + l] += v * xk[l];
    }
}

/* Log partial likelihood, score u and information imat (full p x p) at
   beta. Returns -1 if something is not finite. */
static int cox_pass(cox_work *W, const double *beta, double *ll_out, double *u, double *imat)
{
    long n = W->n;
    int p = W->p;
    double emax = -INFINITY;
    for (long k = 0; k < n; k++) {
        const double *xk = W->x + (size_t)k * (size_t)p;
        double e = 0;
        for (int j = 0; j < p; j++) e += xk[j] * beta[j];
        W->eta[k] = e;
        if (e > emax) emax = e;
    }
    for (long k = 0; k < n; k++) {
        W->eta[k] -= emax;   /* l is unchanged by a common shift of x'b */
        W->r[k] = exp(W->eta[k]);
    }
    double ll = 0;
    memset(u, 0, (size_t)p * sizeof *u);
    memset(imat, 0, (size_t)p * (size_t)p * sizeof *imat);
    double *S1 = W->S1, *S2 = W->S2, *e1 = W->e1, *e2 = W->e2, *a = W->a;
    for (int s = 0; s < W->ns; s++) {
        long lo = W->sb[s], hi = W->sb[s + 1];
        double S0 = 0;
        long inrisk = 0;
        memset(S1, 0, (size_t)p * sizeof *S1);
        memset(S2, 0, (size_t)p * (size_t)p * sizeof *S2);
        long pe = hi - 1;
        for (long ps = hi - 1; ps >= lo;) {
            double t = W->stop[ps];
            double e0 = 0, dw = 0;
            int m = 0;
            long q = ps;
            for (; q >= lo && W->stop[q] == t; q--) {
                risk_update(W, q, 1, &S0, S1, S2);
                inrisk++;
                if (W->ev[q] != 0) {
                    const double *xq = W->x + (size_t)q * (size_t)p;
                    double wq = W->w[q], rq = wq * W->r[q];
                    if (m == 0) { memset(e1, 0, (size_t)p * sizeof *e1); memset(e2, 0, (size_t)p * (size_t)p * sizeof *e2); }
                    m++;
                    dw += wq;
                    e0 += rq;
                    ll += wq * W->eta[q];
                    for (int j = 0; j < p; j++) {
                        u[j] += wq * xq[j];
                        e1[j] += rq * xq[j];
                        for (int l = j; l < p; l++) e2[j * p + l] += rq * xq[j] * xq[l];
                    }
                }
            }
            if (W->start) {
                while (pe >= lo && W->start[W->oe[pe]] >= t) {
                    risk_update(W, W->oe[pe], -1, &S0, S1, S2);
                    inrisk--;
                    pe--;
                }
            }
            if (m > 0) {
                int nk = W->efron ? m : 1;
                double mw = dw / nk;
                for (int k = 0; k < nk; k++) {
                    double f = W->efron ? (double)k / m : 0;
                    double den = S0 - f * e0;
                    ll -= mw * log(den);
                    for (int j = 0; j < p; j++) {
                        a[j] = (S1[j] - f * e1[j]) / den;
                        u[j] -= mw * a[j];
                    }
                    for (int j = 0; j < p; j++)
                        for (int l = j; l < p; l++)
                            imat[j * p + l] += mw * ((S2[j * p + l] - f * e2[j * p + l]) / den - a[j] * a[l]);
                }
            }
            if (inrisk == 0) {   /* empty risk set: restart the sums exactly */
                S0 = 0;
                memset(S1, 0, (size_t)p * sizeof *S1);
                memset(S2, 0, (size_t)p * (size_t)p * sizeof *S2);
            }
            ps = q;
        }
    }
    for (int j = 0; j < p; j++)
        for (int l = 0; l < j; l++) imat[j * p + l] = imat[l * p + j];
    *ll_out = ll;
    if (!isfinite(ll)) return -1;
    for (int j = 0; j < p * p; j++) if (!isfinite(imat[j])) return -1;
    return 0;
}

/* Score residuals at the final beta (cox_pass must have run at it, so eta
   and r are current), times the weight, summed by cluster into D (n_clusters
   x p). For row i in (start, stop] with risk r_i:
     U_i = delta_i (x_i - xbar*_t) - r_i sum_{t_j in (start, stop]} (x_i h_j - hx_j)
           + delta_i r_i [(x_i h_t - hx_t) - (x_i h'_t - hx'_t)]
   where for each event time h_j = sum_k mw/den_k, hx_j = sum_k mw a_k/den_k,
   and for the tied events themselves (Efron) the primed sums weight term k
   by (1 - k/m); xbar*_t = mean_k a_k. Breslow: one term, no correction. */
static int cox_score_by_cluster(cox_work *W, const long *posrow, const long *cluster, long nc, double *D)
{
    long n = W->n;
    int p = W->p;
    int q1 = p + 1;  /* per event time: [h, hx(p)], [h', hx'(p)], [xbar*(p)] */
    double *tm = malloc((size_t)(n ? n : 1) * sizeof *tm);
    double *cum = malloc((size_t)(n ? n : 1) * (size_t)q1 * sizeof *cum);
    double *corr = malloc((size_t)(n ? n : 1) * (size_t)q1 * sizeof *corr);
    double *xb = malloc((size_t)(n ? n : 1) * (size_t)p * sizeof *xb);
    long *tb = malloc((size_t)(W->ns + 1) * sizeof *tb);
    double *Ui = malloc((size_t)p * sizeof *Ui);
    double *S1 = W->S1, *S2 = W->S2, *e1 = W->e1, *a = W->a;
    if (!tm || !cum || !corr || !xb || !tb || !Ui) {
        free(tm); free(cum); free(corr); free(xb); free(tb); free(Ui);
        return -1;
    }
    long ne = 0;
    /* Pass 1: event-time quantities, stratum by stratum, stored descending
       within a stratum then reversed to ascending. */
    for (int s = 0; s < W->ns; s++) {
        long lo = W->sb[s], hi = W->sb[s + 1];
        tb[s] = ne;
        double S0 = 0;
        long inrisk = 0, pe = hi - 1;
        memset(S1, 0, (size_t)p * sizeof *S1);
        memset(S2, 0, (size_t)p * (size_t)p * sizeof *S2);
        for (long ps = hi - 1; ps >= lo;) {
            double t = W->stop[ps], e0 = 0, dw = 0;
            int m = 0;
            long q = ps;
            memset(e1, 0, (size_t)p * sizeof *e1);
            for (; q >= lo && W->stop[q] == t; q--) {
                risk_update(W, q, 1, &S0, S1, S2);
                inrisk++;
                if (W->ev[q] != 0) {
                    double rq = W->w[q] * W->r[q];
                    const double *xq = W->x + (size_t)q * (size_t)p;
                    m++; dw += W->w[q]; e0 += rq;
                    for (int j = 0; j < p; j++) e1[j] += rq * xq[j];
                }
            }
            if (W->start)
                while (pe >= lo && W->start[W->oe[pe]] >= t) {
                    risk_update(W, W->oe[pe], -1, &S0, S1, S2);
                    inrisk--; pe--;
                }
            if (m > 0) {
                double *c = cum + ne * q1, *cp = corr + ne * q1, *xm = xb + ne * p;
                memset(c, 0, (size_t)q1 * sizeof *c);
                memset(cp, 0, (size_t)q1 * sizeof *cp);
                memset(xm, 0, (size_t)p * sizeof *xm);
                int nk = W->efron ? m : 1;
                double mw = dw / nk;
                for (int k = 0; k < nk; k++) {
                    double f = W->efron ? (double)k / m : 0;
                    double den = S0 - f * e0, hk = mw / den;
                    c[0] += hk;
                    cp[0] += (1 - f) * hk;
                    for (int j = 0; j < p; j++) {
                        a[j] = (S1[j] - f * e1[j]) / den;
                        c[1 + j] += hk * a[j];
                        cp[1 + j] += (1 - f) * hk * a[j];
                        xm[j] += a[j] / nk;
                    }
                }
                tm[ne] = t;
                ne++;
            }
            if (inrisk == 0) {
                S0 = 0;
                memset(S1, 0, (size_t)p * sizeof *S1);
                memset(S2, 0, (size_t)p * (size_t)p * sizeof *S2);
            }
            ps = q;
        }
        /* reverse to ascending, then cumulate h and hx */
        for (long i = tb[s], j = ne - 1; i < j; i++, j--) {
            double tt = tm[i]; tm[i] = tm[j]; tm[j] = tt;
            for (int k = 0; k < q1; k++) {
                tt = cum[i * q1 + k]; cum[i * q1 + k] = cum[j * q1 + k]; cum[j * q1 + k] = tt;
                tt = corr[i * q1 + k]; corr[i * q1 + k] = corr[j * q1 + k]; corr[j * q1 + k] = tt;
            }
            for (int k = 0; k < p; k++) { tt = xb[i * p + k]; xb[i * p + k] = xb[j * p + k]; xb[j * p + k] = tt; }
        }
        for (long i = tb[s] + 1; i < ne; i++)
            for (int k = 0; k < q1; k++) cum[i * q1 + k] += cum[(i - 1) * q1 + k];
    }
    tb[W->ns] = ne;
    /* Pass 2: each row. */
    memset(D, 0, (size_t)nc * (size_t)p * sizeof *D);
    for (int s = 0; s < W->ns; s++) {
        long e_lo = tb[s], e_hi = tb[s + 1];
        for (long k = W->sb[s]; k < W->sb[s + 1]; k++) {
            const double *xk = W->x + (size_t)k * (size_t)p;
            /* index of the last event time <= v, or e_lo - 1 */
#define LAST_LE(v, res) do { long L = e_lo, H = e_hi; while (L < H) { long M = (L + H) / 2; if (tm[M] <= (v)) L = M + 1; else H = M; } res = L - 1; } while (0)
            long js, j0 = e_lo - 1;
            LAST_LE(W->stop[k], js);
            if (W->start) LAST_LE(W->start[k], j0);
#undef LAST_LE
            double ch = 0;
            for (int j = 0; j < p; j++) Ui[j] = 0;
            if (js >= e_lo) {
                ch = cum[js * q1];
                for (int j = 0; j < p; j++) Ui[j] = cum[js * q1 + 1 + j];
            }
            if (j0 >= e_lo) {
                ch -= cum[j0 * q1];
                for (int j = 0; j < p; j++) Ui[j] -= cum[j0 * q1 + 1 + j];
            }
            double rk = W->r[k];
            for (int j = 0; j < p; j++) Ui[j] = -rk * (xk[j] * ch - Ui[j]);
            if (W->ev[k] != 0) {   /* js is this row's own event time */
                const double *c = corr + js * q1, *xm = xb + js * p;
                double hj = cum[js * q1] - (js > e_lo ? cum[(js - 1) * q1] : 0);
                for (int j = 0; j < p; j++) {
                    double hxj = cum[js * q1 + 1 + j] - (js > e_lo ? cum[(js - 1) * q1 + 1 + j] : 0);
                    Ui[j] += xk[j] - xm[j] + rk * ((xk[j] * hj - hxj) - (xk[j] * c[0] - c[1 + j]));
                }
            }
            double *Dc = D + cluster[posrow[k]] * p;
            for (int j = 0; j < p; j++) Dc[j] += W->w[k] * Ui[j];
        }
    }
    free(tm); free(cum); free(corr); free(xb); free(tb); free(Ui);
    return 0;
}

/* Centring and scaling, as R's coxfit6 / agfit4 before the fit. With case
   weights w (1 when NULL) and W = sum w, column j becomes
     x~_ij = (x_ij - m_j) s_j,  m_j = sum_i w_i x_ij / W,
     s_j = W / sum_i w_i |x_ij - m_j|   (1 when that sum is 0),
   except that s_j = 1 for a column whose values are all -1, 0 or 1 (coxph's
   nocenter = c(-1, 0, 1); R leaves such a column uncentred too, netto
   centres it, which changes no estimate). The fit runs on x~, so the
   singularity test (pivot < toler_chol x largest diagonal of the
   information) compares covariates on one scale: a covariate is not
   "singular" because its unit is small (x * 1e-7) or another's is large
   (pgr^2). b = s b~ and V = S V~ S bring the results back. Writes xs (n x p
   row-major, position order: row k is input row os[k]) and scale (p). */
static void centre_scale(const double *x, const double *w, long n, int p, const long *os, double *xs,
                         double *scale)
{
    double sw = 0;
    for (long i = 0; i < n; i++) sw += w ? w[i] : 1;
    for (int j = 0; j < p; j++) {
        const double *xj = x + (size_t)j * (size_t)n;
        double m = 0, ad = 0;
        int unit = 1;   /* all values in {-1, 0, 1} */
        for (long i = 0; i < n; i++) {
            m += (w ? w[i] : 1) * xj[i];
            unit = unit && (xj[i] == 0 || xj[i] == 1 || xj[i] == -1);
        }
        m = sw > 0 ? m / sw : 0;
        for (long i = 0; i < n; i++) ad += (w ? w[i] : 1) * fabs(xj[i] - m);
        scale[j] = !unit && ad > 0 ? sw / ad : 1;
        for (long k = 0; k < n; k++) xs[(size_t)k * (size_t)p + j] = (xj[os[k]] - m) * scale[j];
    }
}

static const char *term_name(const char *const *terms, int j, char *buf)
{
    if (terms && terms[j]) return terms[j];
    sprintf(buf, "column %d", j + 1);
    return buf;
}

/* The fit (nt_cox.h states the model and R's conventions). Per stratum and
   event time t with tied events D (m rows, weighted count d), risk set R:
     Breslow  l += sum_D w x'b - d log S0,                      S0 = sum_R w exp(x'b)
     Efron    l += sum_D w x'b - (d/m) sum_{k<m} log(S0 - (k/m) sum_D w exp(x'b))
   score U = dl/db and information I from the matching weighted means and
   covariances of x (S1/S0, S2/S0); Newton-Raphson b += I^-1 U from b = 0
   with step halving; V = I^-1; robust V = sum_c (D_c V)'(D_c V). */
static nt_status cox_fit(const nt_surv_data *d, const double *x, int p, const char *const *terms,
                     const long *cluster, long n_clusters, const nt_cox_opts *opts_in,
                     nt_cox_result **out, nt_error *err)
{
    nt_cox_opts opts;
    if (opts_in) opts = *opts_in; else nt_cox_opts_default(&opts);
    long n = d->n;
    int ns = d->strata ? d->n_strata : 1;
    nt_status st = NT_OK;
    cox_work W = {0};
    nt_cox_result *res = NULL;
    long *os = NULL, *pos = NULL, *oe = NULL;
    double *beta = NULL, *nbeta = NULL, *u = NULL, *imat = NULL, *a = NULL, *u0 = NULL, *D = NULL, *tmp = NULL;
    double *scale = NULL;
    char nb[32];
    if (p < 1) return nt_fail(err, NT_EUSAGE, "a Cox model needs at least one covariate");
    size_t nn = (size_t)(n ? n : 1), pp = (size_t)p * (size_t)p;
    W.n = n; W.p = p; W.ns = ns; W.efron = opts.ties == NT_TIES_EFRON;
    os = malloc(nn * sizeof *os);
    pos = malloc(nn * sizeof *pos);
    W.x = malloc(nn * (size_t)p * sizeof *W.x);
    W.w = malloc(nn * sizeof *W.w);
    W.ev = malloc(nn * sizeof *W.ev);
    W.stop = malloc(nn * sizeof *W.stop);
    W.sb = calloc((size_t)ns + 1, sizeof *W.sb);
    W.eta = malloc(nn * sizeof *W.eta);
    W.r = malloc(nn * sizeof *W.r);
    W.S1 = malloc((size_t)p * sizeof *W.S1); W.e1 = malloc((size_t)p * sizeof *W.e1); W.a = malloc((size_t)p * sizeof *W.a);
    W.S2 = malloc(pp * sizeof *W.S2); W.e2 = malloc(pp * sizeof *W.e2);
    beta = calloc((size_t)p, sizeof *beta); nbeta = calloc((size_t)p, sizeof *nbeta);
    u = malloc((size_t)p * sizeof *u); u0 = malloc((size_t)p * sizeof *u0); a = malloc((size_t)p * sizeof *a);
    imat = malloc(pp * sizeof *imat); tmp = malloc(pp * sizeof *tmp);
    scale = malloc((size_t)p * sizeof *scale);
    res = calloc(1, sizeof *res);
    if (!os || !pos || !W.x || !W.w || !W.ev || !W.stop || !W.sb || !W.eta || !W.r || !W.S1 || !W.e1 || !W.a ||
        !W.S2 || !W.e2 || !beta || !nbeta || !u || !u0 || !a || !imat || !tmp || !scale || !res) {
        st = nt_fail(err, NT_ENOMEM, "out of memory fitting a Cox model on %ld rows", n);
        goto done;
    }
    if (d->start) {
        W.start = malloc(nn * sizeof *W.start);
        W.oe = malloc(nn * sizeof *W.oe);
        oe = malloc(nn * sizeof *oe);
        if (!W.start || !W.oe || !oe) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    }
    if ((st = nt_surv_order(d->stop, d->strata, ns, n, os, err))) goto done;
    long n_events = 0;
    for (long k = 0; k < n; k++) {
        long i = os[k];
        pos[i] = k;
        W.w[k] = d->weight ? d->weight[i] : 1;
        W.ev[k] = d->event[i];
        W.stop[k] = d->stop[i];
        if (W.start) W.start[k] = d->start[i];
        n_events += d->event[i] != 0;
        W.sb[(d->strata ? d->strata[i] : 0) + 1]++;
    }
    for (int s = 0; s < ns; s++) W.sb[s + 1] += W.sb[s];
    centre_scale(x, d->weight, n, p, os, W.x, scale);
    if (d->start) {
        if ((st = nt_surv_order(d->start, d->strata, ns, n, oe, err))) goto done;
        for (long k = 0; k < n; k++) W.oe[k] = pos[oe[k]];
    }
    if (n_events == 0) { st = nt_fail(err, NT_EINPUT, "no events: a Cox model needs at least one event"); goto done; }

    /* Iteration 0 at beta = 0: null loglik and score test. */
    double ll0, ll, nll;
    if (cox_pass(&W, beta, &ll0, u, imat)) {
        st = nt_fail(err, NT_ENUMERIC, "the partial likelihood at beta = 0 is not finite");
        goto done;
    }
    memcpy(u0, u, (size_t)p * sizeof *u);
    memcpy(tmp, imat, pp * sizeof *tmp);
    if (nt_ldl_decomp(tmp, p, opts.toler_chol) < p) {
        int bad = 0;
        for (int j = 0; j < p; j++) if (tmp[j * p + j] == 0) { bad = j; break; }
        st = nt_fail(err, NT_EINPUT, "covariate %s is a linear combination of the others (or constant within every stratum); drop it",
                     term_name(terms, bad, nb));
        goto done;
    }
    memcpy(a, u, (size_t)p * sizeof *a);
    nt_ldl_solve(tmp, p, a);
    double sc = 0;
    for (int j = 0; j < p; j++) { sc += u[j] * a[j]; nbeta[j] = beta[j] + a[j]; }
    res->score_chisq = sc;
    ll = ll0;
    int halving = 0, iter, converged = 0;
    nll = ll0;
    for (iter = 1; iter <= opts.iter_max; iter++) {
        if (cox_pass(&W, nbeta, &nll, u, imat)) {
            st = nt_fail(err, NT_ENUMERIC, "the Cox fit diverged (non-finite partial likelihood at iteration %d); "
                         "a covariate may separate events perfectly", iter);
            goto done;
        }
        memcpy(tmp, imat, pp * sizeof *tmp);
        nt_ldl_decomp(tmp, p, opts.toler_chol);
        if (fabs(1 - ll / nll) <= opts.eps && !halving) { converged = 1; break; }
        if (iter == opts.iter_max) break;
        if (nll < ll) {
            halving = 1;
            for (int j = 0; j < p; j++) nbeta[j] = (nbeta[j] + beta[j]) / 2;
        } else {
            halving = 0;
            ll = nll;
            memcpy(a, u, (size_t)p * sizeof *a);
            nt_ldl_solve(tmp, p, a);
            for (int j = 0; j < p; j++) { beta[j] = nbeta[j]; nbeta[j] += a[j]; }
        }
    }
    if (!converged) iter = opts.iter_max + 1;   /* as R's fit$iter reports a run that ran out */
    /* final: beta = nbeta, loglik = nll, var = imat^-1 (tmp holds its LDL') */
    res->p = p;
    res->coef = malloc((size_t)p * sizeof *res->coef);
    res->se = malloc((size_t)p * sizeof *res->se);
    res->var = malloc(pp * sizeof *res->var);
    res->infinite = calloc((size_t)p, sizeof *res->infinite);
    if (!res->coef || !res->se || !res->var || !res->infinite) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    /* Wald with the model information: b' I b (the same on either scale). */
    double wald = 0;
    for (int j = 0; j < p; j++)
        for (int l = 0; l < p; l++) wald += nbeta[j] * imat[j * p + l] * nbeta[l];
    memcpy(res->var, tmp, pp * sizeof *tmp);
    nt_ldl_invert(res->var, p);
    /* Back to the covariates' own scale (coxfit6's last loop): b = s b~,
       V = S V~ S, U = U~ / s. */
    for (int j = 0; j < p; j++) {
        res->coef[j] = nbeta[j] * scale[j];
        u[j] /= scale[j];
        for (int l = 0; l < p; l++) res->var[j * p + l] *= scale[j] * scale[l];
    }
    for (int j = 0; j < p; j++) res->se[j] = sqrt(res->var[j * p + j]);
    res->loglik_null = ll0;
    res->loglik = nll;
    res->lr_chisq = 2 * (nll - ll0);
    res->wald_chisq = wald;
    res->df = p;
    res->iterations = iter;
    res->converged = converged;
    res->n = n;
    res->n_events = n_events;
    if (!converged) {
        snprintf(res->warning, sizeof res->warning, "Ran out of iterations (%d) and did not converge", opts.iter_max);
    } else if (opts.iter_max > 1) {
        /* R: infs = |u V|; flagged if > eps and > toler_inf |coef| */
        size_t len = 0;
        for (int j = 0; j < p; j++) {
            double s = 0;
            for (int l = 0; l < p; l++) s += u[l] * res->var[l * p + j];
            s = fabs(s);
            if (s > opts.eps && s > opts.toler_inf * fabs(res->coef[j])) {
                res->infinite[j] = 1;
                if (len == 0) len += (size_t)snprintf(res->warning, sizeof res->warning, "Loglik converged before variable %s",
                                                      term_name(terms, j, nb));
                else if (len < sizeof res->warning)
                    len += (size_t)snprintf(res->warning + len, sizeof res->warning - len, ",%s", term_name(terms, j, nb));
            }
        }
        if (len && len < sizeof res->warning)
            snprintf(res->warning + len, sizeof res->warning - len, "; coefficient may be infinite");
    }
    if (cluster) {
        D = malloc((size_t)(n_clusters ? n_clusters : 1) * (size_t)p * sizeof *D);
        long *posrow = os;   /* position -> input row */
        res->robust_var = calloc(pp, sizeof *res->robust_var);
        res->robust_se = malloc((size_t)p * sizeof *res->robust_se);
        if (!D || !res->robust_var || !res->robust_se || cox_score_by_cluster(&W, posrow, cluster, n_clusters, D)) {
            st = nt_fail(err, NT_ENOMEM, "out of memory for the robust variance");
            goto done;
        }
        for (long c = 0; c < n_clusters; c++)   /* score residuals on the covariates' scale */
            for (int j = 0; j < p; j++) D[c * p + j] /= scale[j];
        /* dfbeta per cluster: D_c V; robust var = sum_c (D_c V)'(D_c V) */
        for (long c = 0; c < n_clusters; c++) {
            double *Dc = D + c * p;
            for (int j = 0; j < p; j++) {
                double s = 0;
                for (int l = 0; l < p; l++) s += Dc[l] * res->var[l * p + j];
                a[j] = s;
            }
            for (int j = 0; j < p; j++)
                for (int l = 0; l < p; l++) res->robust_var[j * p + l] += a[j] * a[l];
        }
        for (int j = 0; j < p; j++) res->robust_se[j] = sqrt(res->robust_var[j * p + j]);
        res->n_clusters = n_clusters;
        memcpy(tmp, res->robust_var, pp * sizeof *tmp);
        nt_ldl_decomp(tmp, p, opts.toler_chol);
        memcpy(a, res->coef, (size_t)p * sizeof *a);
        nt_ldl_solve(tmp, p, a);
        res->wald_chisq = 0;
        for (int j = 0; j < p; j++) res->wald_chisq += res->coef[j] * a[j];
    }
    *out = res;
    res = NULL;
done:
    nt_cox_result_free(res);
    free(os); free(pos); free(oe); free(W.x); free(W.w); free(W.ev); free(W.stop); free(W.start); free(W.sb);
    free(W.oe); free(W.eta); free(W.r); free(W.S1); free(W.S2); free(W.e1); free(W.e2); free(W.a);
    free(beta); free(nbeta); free(u); free(u0); free(a); free(imat); free(tmp); free(D); free(scale);
    return st;
}

/* The entry point: GSL quiet, the fit, then its Wald inference (z, p,
   hazard ratios) computed once, on the robust SEs when clustered. */
nt_status nt_cox_fit(const nt_surv_data *d, const double *x, int p, const char *const *terms,
                     const long *cluster, long n_clusters, const nt_cox_opts *opts,
                     nt_cox_result **out, nt_error *err)
{
    nt_gsl_quiet();
    nt_cox_result *r = NULL;
    nt_status st = cox_fit(d, x, p, terms, cluster, n_clusters, opts, &r, err);
    if (st) return st;
    if (!(r->wald = nt_wald_alloc(r->coef, r->robust_se ? r->robust_se : r->se, r->p))) {
        nt_cox_result_free(r);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    *out = r;
    return NT_OK;
}
