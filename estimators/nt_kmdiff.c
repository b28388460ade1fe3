/* Two weighted Kaplan-Meier curves and their difference (nt_kmdiff.h). */
#include "estimators/nt_kmdiff.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_stats.h"

void nt_kmdiff_free(nt_kmdiff_result *r)
{
    if (!r) return;
    free(r->surv);
    free(r->se);
    free(r->n_risk_w);
    free(r->n_eff);
    free(r->n_risk);
    free(r->n_events);
    free(r->diff);
    free(r->se_diff);
    free(r->lower);
    free(r->upper);
    free(r);
}

static int row_time(const nt_kmdiff_data *d, long r, int H, int *ev)
{
    int t = d->time[r];
    *ev = d->event[r] != 0;
    if (t > H) { t = H; *ev = 0; }
    return t;
}

/* Per group: S, the cumulative sum C(m) = sum h / (n - d) and E(m) =
   1 / (n_m - d_m) (NaN where n_m = d_m: the curve has reached 0). */
static void curves(const nt_kmdiff_data *d, int H, nt_kmdiff_result *r, double *C, double *E)
{
    size_t H1 = (size_t)H + 1;
    double *dd = calloc(2 * H1, sizeof *dd);
    if (!dd) return;
    for (long i = 0; i < d->n; i++) {
        int ev, t = row_time(d, i, H, &ev), g = d->group[i];
        r->n_risk_w[g * H1 + (size_t)t] += d->weight[i];   /* at T, summed downwards below */
        if (ev) dd[g * H1 + (size_t)t] += d->weight[i];
    }
    for (int g = 0; g < 2; g++) {
        double *n = r->n_risk_w + g * H1, *S = r->surv + g * H1;
        for (int m = H - 1; m >= 1; m--) n[m] += n[m + 1];
        n[0] = n[1];
        S[0] = 1;
        C[g * H1] = 0;
        for (int m = 1; m <= H; m++) {
            double nm = n[m], dm = dd[g * H1 + (size_t)m];
            double h = nm > 0 ? dm / nm : 0;
            S[m] = S[m - 1] * (1 - h);
            double rest = nm - dm;
            E[g * H1 + (size_t)m] = rest > 0 ? 1 / rest : NAN;
            C[g * H1 + (size_t)m] = C[g * H1 + (size_t)m - 1] + (h > 0 ? (rest > 0 ? h / rest : NAN) : 0);
        }
    }
    free(dd);
}

/* The first month with S <= level, or -1. */
static int first_below(const double *S, int H, double level)
{
    for (int m = 0; m <= H; m++)
        if (S[m] <= level) return m;
    return -1;
}

/* The median of a curve and its slope f there (nt_kmdiff.h). */
static void median_of(const double *S, int H, double *med, double *f)
{
    int q5 = first_below(S, H, 0.5), q4 = first_below(S, H, 0.6), q6 = first_below(S, H, 0.4);
    *med = NAN;
    *f = NAN;
    if (q5 < 0) return;
    *med = q5;
    int b = q6 >= 0 ? (int)lround((q6 - q4) / 2.0) : q5 - q4;
    if (b < 1) b = 1;
    int lo = q5 - b < 0 ? 0 : q5 - b, hi = q5 + b > H ? H : q5 + b;
    if (hi > lo && S[lo] > S[hi]) *f = (S[lo] - S[hi]) / (hi - lo);
}

typedef struct {
    long row;
    long person;
} pr_t;

static int cmp_pr(const void *a, const void *b)
{
    const pr_t *x = a, *y = b;
    if (x->person != y->person) return x->person < y->person ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* One person's rows o[0..n): influence on both curves at every month and
   on the medians (var sums), and the disclosure facts. */
typedef struct {
    double *A, *Wr, *var, *vdiff, *sw, *sw2;
    long *ev_first;
    double vmed[3];
} acc_t;

static void person_add(const nt_kmdiff_data *d, const pr_t *o, long n, int H, const double *C, const double *E,
                       nt_kmdiff_result *r, const double *f, acc_t *a)
{
    size_t H1 = (size_t)H + 1;
    memset(a->A, 0, 2 * H1 * sizeof *a->A);
    memset(a->Wr, 0, 2 * H1 * sizeof *a->Wr);
    int first_ev[2] = {H + 1, H + 1};
    for (long q = 0; q < n; q++) {
        long i = o[q].row;
        int ev, T = row_time(d, i, H, &ev), g = d->group[i];
        double w = d->weight[i], *A = a->A + g * H1, *Wr = a->Wr + g * H1;
        const double *Cg = C + g * H1;
        for (int m = 1; m < T; m++) A[m] -= w * Cg[m];
        double tail = w * ((ev ? E[g * H1 + (size_t)T] : 0) - Cg[T]);
        for (int m = T; m <= H; m++) A[m] += tail;
        for (int m = 0; m <= T; m++) Wr[m] += w;
        if (ev && T < first_ev[g]) first_ev[g] = T;
    }
    double phi[2] = {0, 0};   /* phi^g at the median of g */
    for (int m = 1; m <= H; m++) {
        double p0 = -r->surv[m] * a->A[m], p1 = -r->surv[H1 + (size_t)m] * a->A[H1 + (size_t)m];
        a->var[m] += p0 * p0;
        a->var[H1 + (size_t)m] += p1 * p1;
        a->vdiff[m] += (p0 - p1) * (p0 - p1);
        for (int g = 0; g < 2; g++)
            if (!isnan(r->median[g]) && m == (int)r->median[g]) phi[g] = g ? p1 : p0;
    }
    double m0 = phi[0] / f[0], m1 = phi[1] / f[1];
    a->vmed[0] += m0 * m0;
    a->vmed[1] += m1 * m1;
    a->vmed[2] += (m0 - m1) * (m0 - m1);
    for (int g = 0; g < 2; g++) {
        for (int m = 0; m <= H; m++) {
            double W = a->Wr[g * H1 + (size_t)m];
            if (!(W > 0)) break;
            r->n_risk[g * H1 + (size_t)m]++;
            a->sw[g * H1 + (size_t)m] += W;
            a->sw2[g * H1 + (size_t)m] += W * W;
        }
        if (first_ev[g] <= H) a->ev_first[g * H1 + (size_t)first_ev[g]]++;
    }
}

nt_status nt_kmdiff_fit(const nt_kmdiff_data *d, int H, double level, nt_kmdiff_result **out, nt_error *err)
{
    *out = NULL;
    nt_gsl_quiet();
    if (H < 1) return nt_fail(err, NT_EUSAGE, "the horizon must be at least one month");
    for (long i = 0; i < d->n; i++)
        if (d->time[i] < 1 || !(d->weight[i] > 0) || d->group[i] > 1 || !isfinite(d->weight[i]))
            return nt_fail(err, NT_EINPUT, "row %ld: time below 1, a weight not above 0, or a group not 0/1", i + 1);
    size_t H1 = (size_t)H + 1;
    nt_kmdiff_result *r = calloc(1, sizeof *r);
    double *C = calloc(2 * H1, sizeof *C), *E = calloc(2 * H1, sizeof *E);
    pr_t *o = malloc(((size_t)d->n + 1) * sizeof *o);
    acc_t a = {.A = calloc(2 * H1, sizeof(double)), .Wr = calloc(2 * H1, sizeof(double)),
               .var = calloc(2 * H1, sizeof(double)), .vdiff = calloc(H1, sizeof(double)),
               .sw = calloc(2 * H1, sizeof(double)), .sw2 = calloc(2 * H1, sizeof(double)),
               .ev_first = calloc(2 * H1, sizeof(long))};
    int ok = r && C && E && o && a.A && a.Wr && a.var && a.vdiff && a.sw && a.sw2 && a.ev_first;
    if (ok) {
        r->H = H;
        r->surv = calloc(2 * H1, sizeof *r->surv);
        r->se = calloc(2 * H1, sizeof *r->se);
        r->n_risk_w = calloc(2 * H1, sizeof *r->n_risk_w);
        r->n_eff = calloc(2 * H1, sizeof *r->n_eff);
        r->n_risk = calloc(2 * H1, sizeof *r->n_risk);
        r->n_events = calloc(2 * H1, sizeof *r->n_events);
        r->diff = calloc(H1, sizeof *r->diff);
        r->se_diff = calloc(H1, sizeof *r->se_diff);
        r->lower = calloc(H1, sizeof *r->lower);
        r->upper = calloc(H1, sizeof *r->upper);
        ok = r->surv && r->se && r->n_risk_w && r->n_eff && r->n_risk && r->n_events && r->diff && r->se_diff &&
             r->lower && r->upper;
    }
    if (ok) {
        curves(d, H, r, C, E);
        double f[2];
        for (int g = 0; g < 2; g++) median_of(r->surv + g * H1, H, &r->median[g], &f[g]);
        for (long i = 0; i < d->n; i++) o[i] = (pr_t){i, d->person[i]};
        qsort(o, (size_t)d->n, sizeof *o, cmp_pr);
        for (long i = 0; i < d->n;) {
            long j = i;
            while (j < d->n && o[j].person == o[i].person) j++;
            person_add(d, o + i, j - i, H, C, E, r, f, &a);
            i = j;
        }
        double z = gsl_cdf_ugaussian_Pinv(0.5 + level / 2);
        for (int g = 0; g < 2; g++) {
            long cum = 0;
            for (size_t m = 0; m <= (size_t)H; m++) {
                cum += a.ev_first[g * H1 + m];
                r->n_events[g * H1 + m] = cum;
                r->se[g * H1 + m] = m == 0 ? 0 : sqrt(a.var[g * H1 + m]);
                double s2 = a.sw2[g * H1 + m];
                r->n_eff[g * H1 + m] = s2 > 0 ? a.sw[g * H1 + m] * a.sw[g * H1 + m] / s2 : 0;
            }
            r->median_se[g] = sqrt(a.vmed[g]);
        }
        for (size_t m = 0; m <= (size_t)H; m++) {
            r->diff[m] = r->surv[m] - r->surv[H1 + m];
            r->se_diff[m] = m == 0 ? 0 : sqrt(a.vdiff[m]);
            r->lower[m] = r->diff[m] - z * r->se_diff[m];
            r->upper[m] = r->diff[m] + z * r->se_diff[m];
        }
        r->median_diff = r->median[0] - r->median[1];
        r->median_diff_se = sqrt(a.vmed[2]);
        r->median_lower = r->median_diff - z * r->median_diff_se;
        r->median_upper = r->median_diff + z * r->median_diff_se;
    }
    free(C);
    free(E);
    free(o);
    free(a.A);
    free(a.Wr);
    free(a.var);
    free(a.vdiff);
    free(a.sw);
    free(a.sw2);
    free(a.ev_first);
    if (!ok) { nt_kmdiff_free(r); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    *out = r;
    return NT_OK;
}
