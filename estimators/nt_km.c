/* Kaplan-Meier, Nelson-Aalen and log-rank: one sort by exit time (and one by
   entry time for (start, stop] rows), then one sweep per group.

   Worked example (tests/test_km.c, test_km_tiny): times 1 2 2 2 3 4 4 5,
   events 1 1 1 0 0 1 0 1.
     t=1: n=8 d=1  S = 7/8                     Greenwood sum 1/(8*7)
     t=2: n=7 d=2  S = 7/8 * 5/7 = 5/8         + 2/(7*5)
     t=3: n=4 d=0  (one censored)              S stays 5/8
     t=4: n=3 d=1  S = 5/8 * 2/3 = 5/12        + 1/(3*2)
     t=5: n=1 d=1  S = 0                       undefined variance
   H(4) = 1/8 + 2/7 + 1/3.

   Infinitesimal jackknife (weights that are not integers). Row i's
   influence on log S(t) is
     A_i(t) = -delta_i 1(stop_i <= t) a(stop_i) + B(min(t, stop_i)) - B(start_i),
   a(t_j) = 1/((1 - h_j) n_j), B(t) = sum_{t_j <= t} h_j a(t_j), h_j = d_j/n_j.
   Rows that have left keep a constant A_i, summed once into C; for rows still
   at risk A_i = B(t) - b_i with b_i = B(start_i), so
     sum_i w_i^2 A_i^2 = C + B^2 Q0 - 2 B Q1 + Q2,  Q_k = sum_risk w_i^2 b_i^k.
   Var S(t) = S^2 * that. The same with a = 1/n, B = sum h/n gives Var H(t). */
#include "estimators/nt_km.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_stats.h"
#include <gsl/gsl_cdf.h>

void nt_km_result_free(nt_km_result *r)
{
    if (!r) return;
    free(r->group); free(r->time); free(r->n_risk); free(r->n_event); free(r->n_censor);
    free(r->n_risk_rows); free(r->surv); free(r->se); free(r->lower); free(r->upper);
    free(r->cumhaz); free(r->std_chaz);
    free(r);
}

static void conf_limits(nt_conf_type conf, double z, double s, double se_s, double *lo, double *hi)
{
    *lo = *hi = NAN;
    double sel = s > 0 ? se_s / s : NAN;    /* se of log S */
    if (se_s == 0) sel = 0;
    if (conf == NT_CONF_PLAIN) {
        double h = z * sel * s;
        if (isnan(h)) return;
        *lo = fmax(s - h, 0);
        *hi = fmin(s + h, 1);
    } else if (conf == NT_CONF_LOG) {
        if (!(s > 0) || isnan(sel)) return;
        *lo = exp(log(s) - z * sel);
        *hi = fmin(exp(log(s) + z * sel), 1);
    } else {
        if (!(s > 0) || s == 1 || isnan(sel)) return;
        double h = z * sel / log(s);
        *lo = exp(-exp(log(-log(s)) - h));   /* h < 0: this is the smaller */
        *hi = exp(-exp(log(-log(s)) + h));
    }
}

static int has_fractional_weight(const nt_surv_data *d)
{
    if (!d->weight) return 0;
    for (long i = 0; i < d->n; i++) if (d->weight[i] != floor(d->weight[i])) return 1;
    return 0;
}

/* Rows [lo, hi) of the sorted orders: group boundaries. */
static long group_end(const nt_surv_data *d, const long *ord, long lo)
{
    if (!d->strata) return d->n;
    int g = d->strata[ord[lo]];
    long hi = lo;
    while (hi < d->n && d->strata[ord[hi]] == g) hi++;
    return hi;
}

nt_status nt_km_fit(const nt_surv_data *d, nt_conf_type conf, double conf_level,
                    nt_km_result **out, nt_error *err)
{
    nt_gsl_quiet();
    long n = d->n;
    int ns = d->strata ? d->n_strata : 1;
    nt_status st = NT_OK;
    nt_km_result *r = calloc(1, sizeof *r);
    long *os = malloc((size_t)(n ? n : 1) * sizeof *os);
    long *oe = d->start ? malloc((size_t)(n ? n : 1) * sizeof *oe) : NULL;
    double *bs = malloc((size_t)(n ? n : 1) * sizeof *bs), *bh = malloc((size_t)(n ? n : 1) * sizeof *bh);
    if (!r || !os || (d->start && !oe) || !bs || !bh) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    if ((st = nt_surv_order(d->stop, d->strata, ns, n, os, err))) goto done;
    if (oe && (st = nt_surv_order(d->start, d->strata, ns, n, oe, err))) goto done;

    /* Distinct (group, time) rows: at most n. */
    long cap = n ? n : 1;
#define ALLOC(f) if (!(r->f = malloc((size_t)cap * sizeof *r->f))) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    ALLOC(group) ALLOC(time) ALLOC(n_risk) ALLOC(n_event) ALLOC(n_censor) ALLOC(n_risk_rows)
    ALLOC(surv) ALLOC(se) ALLOC(lower) ALLOC(upper) ALLOC(cumhaz) ALLOC(std_chaz)
#undef ALLOC
    r->robust = has_fractional_weight(d);
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - conf_level) / 2);
    const double *w = d->weight;
    long m = 0;

    for (long lo = 0; lo < n;) {
        long hi = group_end(d, os, lo);
        int g = d->strata ? d->strata[os[lo]] : 0;
        double risk = 0, S = 1, gw = 0, H = 0, vh = 0, B = 0, Bh = 0;
        double C = 0, Q0 = 0, Q1 = 0, Q2 = 0, Ch = 0, R0 = 0, R1 = 0, R2 = 0;
        long rows = 0, pe = lo;
        if (!oe) {   /* (time, event): everyone at risk from the start */
            for (long q = lo; q < hi; q++) {
                double wi = w ? w[os[q]] : 1;
                risk += wi; rows++; Q0 += wi * wi; R0 += wi * wi;
                bs[os[q]] = 0; bh[os[q]] = 0;
            }
        }
        for (long ps = lo; ps < hi;) {
            double t = d->stop[os[ps]];
            if (oe) {
                while (pe < hi && d->start[oe[pe]] < t) {
                    long i = oe[pe++];
                    double wi = w ? w[i] : 1, w2 = wi * wi;
                    risk += wi; rows++;
                    bs[i] = B; bh[i] = Bh;
                    Q0 += w2; Q1 += w2 * B; Q2 += w2 * B * B;
                    R0 += w2; R1 += w2 * Bh; R2 += w2 * Bh * Bh;
                }
            }
            long q = ps;
            double dev = 0, cen = 0, wout = 0;
            for (; q < hi && d->stop[os[q]] == t; q++) {
                double wi = w ? w[os[q]] : 1;
                if (d->event[os[q]] != 0) dev += wi; else cen += wi;
                wout += wi;
            }
            double nrisk = risk, hj = dev / nrisk, a = 0, ah = 1 / nrisk;
            if (dev > 0) {
                S = dev < nrisk ? S * (1 - hj) : 0;
                gw = dev < nrisk ? gw + dev / (nrisk * (nrisk - dev)) : INFINITY;
                H += hj;
                vh += dev / (nrisk * nrisk);
                a = dev < nrisk ? 1 / ((1 - hj) * nrisk) : INFINITY;
                B += hj * a;
                Bh += hj * ah;
            }
            if (r->robust) {
                for (long k = ps; k < q; k++) {
                    long i = os[k];
                    double wi = w[i], w2 = wi * wi, e = d->event[i] != 0;
                    double A = -e * a + B - bs[i], Ah = e * ah - (Bh - bh[i]);
                    C += w2 * A * A; Ch += w2 * Ah * Ah;
                    Q0 -= w2; Q1 -= w2 * bs[i]; Q2 -= w2 * bs[i] * bs[i];
                    R0 -= w2; R1 -= w2 * bh[i]; R2 -= w2 * bh[i] * bh[i];
                }
            }
            r->group[m] = g;
            r->time[m] = t;
            r->n_risk[m] = nrisk;
            r->n_event[m] = dev;
            r->n_censor[m] = cen;
            r->n_risk_rows[m] = rows;
            r->surv[m] = S;
            r->cumhaz[m] = H;
            if (r->robust) {
                double v = C + B * B * Q0 - 2 * B * Q1 + Q2;
                r->se[m] = S > 0 ? S * sqrt(fmax(v, 0)) : 0;
                double vhh = Ch + Bh * Bh * R0 - 2 * Bh * R1 + R2;
                r->std_chaz[m] = sqrt(fmax(vhh, 0));
            } else {
                r->se[m] = S > 0 ? S * sqrt(gw) : NAN;
                r->std_chaz[m] = sqrt(vh);
            }
            conf_limits(conf, z, S, r->se[m], &r->lower[m], &r->upper[m]);
            m++;
            risk -= wout;
            rows -= q - ps;
            if (rows == 0) risk = 0;   /* no drift once the risk set is empty */
            ps = q;
        }
        lo = hi;
    }
    r->n = m;
    *out = r;
    r = NULL;
done:
    nt_km_result_free(r);
    free(os); free(oe); free(bs); free(bh);
    return st;
}

nt_status nt_logrank_test(const nt_surv_data *d, nt_logrank_result *out, nt_error *err)
{
    nt_gsl_quiet();
    long n = d->n;
    int k = d->strata ? d->n_strata : 1;
    nt_status st = NT_OK;
    long *os = malloc((size_t)(n ? n : 1) * sizeof *os);
    long *oe = d->start ? malloc((size_t)(n ? n : 1) * sizeof *oe) : NULL;
    double *risk = calloc((size_t)k, sizeof *risk), *dg = calloc((size_t)k, sizeof *dg);
    double *U = calloc((size_t)k, sizeof *U), *V = calloc((size_t)k * (size_t)k, sizeof *V);
    long *rows = calloc((size_t)k, sizeof *rows), *present = calloc((size_t)k, sizeof *present);
    int *map = calloc((size_t)k, sizeof *map);
    if (!os || (d->start && !oe) || !risk || !dg || !U || !V || !rows || !present || !map) {
        st = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    /* One pooled sweep: no stratum in the sort. */
    if ((st = nt_surv_order(d->stop, NULL, 1, n, os, err))) goto done;
    if (oe && (st = nt_surv_order(d->start, NULL, 1, n, oe, err))) goto done;
    const double *w = d->weight;
#define G(i) (d->strata ? d->strata[i] : 0)
    if (!oe)
        for (long i = 0; i < n; i++) { risk[G(i)] += w ? w[i] : 1; rows[G(i)]++; present[G(i)] = 1; }
    else
        for (long i = 0; i < n; i++) present[G(i)] = 1;
    long pe = 0;
    for (long ps = 0; ps < n;) {
        double t = d->stop[os[ps]];
        if (oe)
            while (pe < n && d->start[oe[pe]] < t) {
                long i = oe[pe++];
                risk[G(i)] += w ? w[i] : 1; rows[G(i)]++;
            }
        long q = ps;
        double dt = 0;
        memset(dg, 0, (size_t)k * sizeof *dg);
        for (; q < n && d->stop[os[q]] == t; q++) {
            long i = os[q];
            if (d->event[i] != 0) { dg[G(i)] += w ? w[i] : 1; dt += w ? w[i] : 1; }
        }
        if (dt > 0) {
            double nt = 0;
            for (int g = 0; g < k; g++) nt += risk[g];
            double f = nt > 1 ? dt * (nt - dt) / (nt * nt * (nt - 1)) : 0;
            for (int g = 0; g < k; g++) {
                U[g] += dg[g] - risk[g] * dt / nt;
                for (int h = 0; h < k; h++) V[g * k + h] += f * risk[g] * ((g == h) * nt - risk[h]);
            }
        }
        for (long j = ps; j < q; j++) {
            long i = os[j];
            risk[G(i)] -= w ? w[i] : 1;
            if (--rows[G(i)] == 0) risk[G(i)] = 0;
        }
        ps = q;
    }
#undef G
    /* Drop groups without rows, then the last group (U sums to zero). */
    int kk = 0;
    for (int g = 0; g < k; g++) if (present[g]) map[kk++] = g;
    int df = kk - 1;
    out->df = df;
    out->chisq = 0;
    if (df >= 1) {
        double *a = malloc((size_t)df * (size_t)df * sizeof *a), *b = malloc((size_t)df * sizeof *b);
        if (!a || !b) { free(a); free(b); st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (int i = 0; i < df; i++) {
            b[i] = U[map[i]];
            for (int j = 0; j < df; j++) a[i * df + j] = V[map[i] * k + map[j]];
        }
        double *u = malloc((size_t)df * sizeof *u);
        if (!u) { free(a); free(b); st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        memcpy(u, b, (size_t)df * sizeof *u);
        int rank = nt_ldl_decomp(a, df, 1e-9);
        nt_ldl_solve(a, df, b);
        for (int i = 0; i < df; i++) out->chisq += u[i] * b[i];
        out->df = rank;
        free(a); free(b); free(u);
    }
    out->p_value = out->df > 0 ? nt_pvalue_chisq(out->chisq, out->df) : NAN;
done:
    free(os); free(oe); free(risk); free(dg); free(U); free(V); free(rows); free(present); free(map);
    return st;
}
