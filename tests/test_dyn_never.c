/* estimators/nt_dyn_ipcw.c: ATT_never and the censoring weights of the
   dynamic estimator, by hand on a tiny panel (docs/dynamic.md, "ATT_never
   and IPCW"). */
#include "tests/nt_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "tests/dyn_tiny.h"

/* The panel of tests/dyn_tiny.h (x binary, start month 0, 4 months) with
   risk-set data for months 0..3, and P4 off the index
   benefit from month 1 on (not at risk of a later start):
     person x  treat  employed 0..3   index benefit 0..3
     P0     0  k=0    0 0 1 1         1 1 1 1
     P1     0  -      0 1 1 0         1 1 1 1
     P2     0  -      1 1 . .         1 1 1 1     censored from month 2
     P3     1  k=0    0 1 1 1         1 1 1 1
     P4     1  -      0 0 0 1         1 0 0 0
     P5     1  k=0    0 0 0 0         1 1 1 1
     P6     1  k=2    1 0 1 1         1 1 1 1     starts in month 2
     P7     1  k=0 (type 2)           neither
   The start hazard (months 1..3, one block) has one event, fewer than the
   logit needs, so it is the pooled rate: rows at risk P1 (s 1, 2, 3), P2
   (1), P6 (1, 2; starts in 2): h = 1/6 for everyone, and a control's
   weight in month t is (6/5)^(months at risk in 1..t); P4's stays 1.
   IPW (ATT weights w = .5 for x = 0, 1 for x = 1), ATT_never:
     tau 0: as ATT: -0.5;
     tau 1: controls P1 .5 (6/5), P2 .5 (6/5), P4 1, P6 1 (6/5), employed
            1, 1, 0, 0: 1/3 - 1.2 / 3.4;
     tau 2: P2 censored, P6 started (censored at its start): P1 .5 (6/5)^2
            = .72, P4 1, employed 1, 0: 2/3 - .72 / 1.72.
   NN with replacement (ties share): P0 <- {P1, P2}, P3, P5 <- {P4, P6};
   a treated unit's control mean divides by the matched controls alive in
   t (started or not, match weights .5) and sums the not-yet-started ones
   with their start weights (inverse-probability weighting within the set,
   nt_dyn_ualive); lambda_k = sum_i 1 / sum_i s_i (s_i: the set's summed
   not-yet-started weights over its denominator) scales the control side
   so that its weights sum to the treated's:
     tau 1: control sums P0 1.2 (s 1.2), P3 0 (s .5 + .6 = 1.1), P5 0
            (s 1.1); lambda = 3 / 3.4; ATT_never(1) = (0 + 1 + 0 - lambda
            1.2) / 3 = -1/51;
     tau 2: P0 .5 1.44 1 / .5 = 1.44 (s 1.44; P2 censored), P3 and P5 0
            (s .5: P6 started, in the denominator, not in the sum);
            lambda = 3 / 2.44; ATT_never(2) = (1 + 1 + 0 - lambda 1.44) / 3
            = 14/183.
   (Renormalising over the not-yet-started controls of each set, as
   before, cancelled the equal weights of a set and gave 0 and 1/3: with
   one match per treated the weights did nothing, the Monte Carlo bias of
   docs/dynamic.md.) */
/* The panel of tests/dyn_tiny.h with risk-set data for months 0..3, P4 off
   the index benefit from month 1 on. */
static void tiny_never_init(dyn_tiny *T)
{
    dyn_tiny_init(T);
    T->n_risk = 4;
    for (int i = 0; i < 8; i++)
        for (int t = 0; t < 4; t++) T->on[i * 4 + t] = i == 4 && t > 0 ? 0 : 1;
}

static nt_dyn_result *tiny_run(nt_method method, int never, int censoring, nt_dyn_lin *lin)
{
    dyn_tiny T;
    tiny_never_init(&T);
    nt_dyn_opts o;
    dyn_tiny_opts(&o, method, lin);
    o.never = never;
    o.censoring = censoring;
    nt_dyn_result *r;
    nt_error err;
    if (dyn_tiny_estimate(&T, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static void test_never_ipw_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r = tiny_run(NT_METHOD_IPW, 1, 0, NULL);
    expect_near(r->att[0], -0.5, 1e-12);
    expect_near(r->att[1], 1.0 / 3 - 1.2 / 3.4, 1e-12);
    expect_near(r->att[2], 2.0 / 3 - 0.72 / 1.72, 1e-12);
    /* P6 is not a control at month 2 (started): P1 and P4 are used */
    assert_int_equal(r->n_control_used[2], 2);
    assert_int_equal(r->n_control_used[1], 4);
    nt_dyn_result_free(r);
    /* without never: the ATT of tests/test_dynamic.c (P6 a control at month 2) */
    r = tiny_run(NT_METHOD_IPW, 0, 0, NULL);
    expect_near(r->att[2], 2.0 / 3.0 - 0.6, 1e-12);
    assert_null(r->k_wcontrib);
    nt_dyn_result_free(r);
}

static void test_never_nn_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r = tiny_run(NT_METHOD_NN, 1, 0, NULL);
    expect_near(r->att[0], -0.5, 1e-12);
    expect_near(r->att[1], -1.0 / 51, 1e-12);
    expect_near(r->att[2], 14.0 / 183, 1e-12);
    nt_dyn_result_free(r);
    r = tiny_run(NT_METHOD_RADIUS, 1, 0, NULL);   /* radius on equal scores: the same sets */
    expect_near(r->att[1], -1.0 / 51, 1e-12);
    expect_near(r->att[2], 14.0 / 183, 1e-12);
    nt_dyn_result_free(r);
}

/* Censoring on the tiny panel: rows at risk of censoring (observed in
   s - 1) s = 1: 8, s = 2: 8 (P2 censored), s = 3: 7; one event: the
   pooled rate 1/23 for all, so every unit observed in t has the weight
   (23/22)^t and the weights cancel: the ATT is unchanged, the summed
   weights are the contributing treated x (23/22)^tau. */
static void test_ipcw_equal_weights(void **state)
{
    (void)state;
    nt_dyn_result *a = tiny_run(NT_METHOD_IPW, 0, 0, NULL), *b = tiny_run(NT_METHOD_IPW, 0, 1, NULL);
    for (int tau = 0; tau < 3; tau++) {
        expect_near(b->att[tau], a->att[tau], 1e-12);
        expect_near(b->k_wcontrib[tau], (double)b->k_contrib[tau] * pow(23.0 / 22.0, tau), 1e-12);
    }
    nt_dyn_result_free(a);
    nt_dyn_result_free(b);
}

/* The censoring hazard's term on the tiny panel: the pooled rate 1/23
   gives every unit observed in t the same weight and the same d log W /
   d theta, which the estimate does not see (a Hajek ratio), so d ATT /
   d theta = 0 and the IPCW contributions equal the unweighted ones, for
   nn (pairs), radius (ranges) and ipw. With one D for all units this
   checks that each group of terms (the controls' direct terms, their
   denominators' terms, the treated's with the -ATT part) sums to 0, i.e.
   the bookkeeping of Cbar, lambda_k and ATT, not a missing group; the
   formulas themselves were checked against numerical derivatives of the
   matched estimator (docs/inference.md, "ATT_never and IPCW"). */
static void test_ipcw_lin_cancels(void **state)
{
    (void)state;
    nt_method ms[3] = {NT_METHOD_NN, NT_METHOD_RADIUS, NT_METHOD_IPW};
    for (int a = 0; a < 3; a++) {
        nt_dyn_lin *L[2];
        nt_dyn_result *r[2];
        nt_error err;
        for (int c = 0; c < 2; c++) {
            assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L[c], &err), NT_OK);
            r[c] = tiny_run(ms[a], 0, c, L[c]);
        }
        assert_non_null(r[1]->k_wcontrib);   /* weighted */
        assert_null(L[1]->wl);               /* the term's state freed after the run */
        for (int p = 0; p < 8; p++) {
            double c0[3], c1[3];
            nt_dyn_lin_get(L[0], 0, p, c0);
            nt_dyn_lin_get(L[1], 0, p, c1);
            for (int tau = 0; tau < 3; tau++) expect_near(c1[tau], c0[tau], 1e-6);
        }
        for (int c = 0; c < 2; c++) {
            nt_dyn_lin_free(L[c]);
            nt_dyn_result_free(r[c]);
        }
    }
}

/* The linearisation of ATT_never (IPW) at tau 2: the
   weighted controls v = .72 (P1, y 1) and 1 (P4, y 0), W = 1.72, rbar =
   .72 / 1.72, three treated (y 1, 1, 0): treated terms y - rbar, control
   terms -(3 v_j / W)(y_j - rbar), and the logit's term G' H^-1 z (d - e)
   with G = -sum_j (3 v_j / W)(y_j - rbar) z_j, H = [[5/3, 1], [1, 1]]
   (the saturated logit: e = 1/3 for x = 0, 1/2 for x = 1). */
static void test_never_lin_tiny(void **state)
{
    (void)state;
    nt_dyn_lin *L;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    nt_dyn_result *r = tiny_run(NT_METHOD_IPW, 1, 0, L);
    double W = 1.72, rbar = 0.72 / W, A = 2.0 / 3 - rbar;
    double c1 = -3 * 0.72 / W * (1 - rbar), c4 = -3 * 1.0 / W * (0 - rbar);
    double G0 = c1 + c4, G1 = c4;                  /* z = (1, 0) for P1, (1, 1) for P4 */
    double a0 = 1.5 * G0 - 1.5 * G1, a1 = -1.5 * G0 + 2.5 * G1;   /* H^-1 G */
    double l0 = a0, l1 = a0 + a1;                  /* a'z for x = 0 and x = 1 */
    /* The start hazard's term (nt_dyn_wlin.c): the pooled rate h = 1/6 is
       the intercept-only logit on 6 rows at risk (P1 s = 1..3, P2 s = 1, P6
       s = 1, 2 with its start), information 6 h (1 - h) = 5/6, scores
       -1/2 (P1), -1/6 (P2), 2/3 (P6). Only P1's weight depends on it:
       d log W / d theta = h + h = 1/3 over s = 1, 2, so G = c1 / 3 =
       d(3 ATT(2)) / d theta, checked against the closed form below. */
    double h = 1.0 / 6, Gs = c1 / 3, as = Gs / (6 * h * (1 - h));
    double want[8] = {1 - rbar - A + l0 * (1 - 1.0 / 3), c1 + l0 * (-1.0 / 3) + as * -0.5, l0 * (-1.0 / 3) + as * -h,
                      1 - rbar - A + l1 * 0.5,       c4 + l1 * (-0.5),      -rbar - A + l1 * 0.5,
                      l1 * (-0.5) + as * (1 - 2 * h), 0};
    /* ATT(2) as a function of theta = logit h: P1's weight .5 / (1 - h)^2 */
    double th = log(h / (1 - h)), eps = 1e-5, fv[2];
    for (int s = 0; s < 2; s++) {
        double hs = 1 / (1 + exp(-(th + (s ? eps : -eps)))), v1 = 0.5 / ((1 - hs) * (1 - hs));
        fv[s] = 2.0 / 3 - v1 / (v1 + 1);
    }
    expect_near(3 * (fv[1] - fv[0]) / (2 * eps), Gs, 1e-8);
    dyn_tiny_expect_lin(L, r, 2, want, 3);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* Invariants on a random panel large enough for the hazard logits: with
   no later programme starts ATT_never equals ATT; with no censoring the
   IPCW ATT equals the ATT; both for nn, radius and ipw. With later starts
   and censoring the estimates differ but stay finite, and the summed
   weights exceed the counts once censoring has begun. */
static void test_never_invariants(void **state)
{
    (void)state;
    enum { N = DYN_RAND_N };
    static dyn_rand R;
    const nt_method methods[4] = {NT_METHOD_NN, NT_METHOD_RADIUS, NT_METHOD_IPW, NT_METHOD_RADIUS};   /* the last bias-adjusted */
    for (int later = 0; later <= 1; later++) {
        nt_dyn_panel *v = dyn_rand_fill(&R, 7, later, !later, 0);
        long *units = R.units;
        for (int mi = 0; mi < 4; mi++) {
            nt_dyn_opts o;
            nt_dyn_opts_default(&o);
            o.bias_adjust = mi == 3;
            o.program = 0;
            o.start_first = 0;
            o.start_last = 2;
            o.horizon = 20;
            o.method = methods[mi];
            o.min_treated = 1;
            nt_dyn_result *a, *b;
            nt_error err;
            assert_int_equal(nt_dyn_estimate(v, units, N, &o, &a, &err), NT_OK);
            if (later) o.censoring = 1;   /* no censoring in this panel */
            else o.never = 1;             /* no later starts in this panel */
            assert_int_equal(nt_dyn_estimate(v, units, N, &o, &b, &err), NT_OK);
            for (int tau = 0; tau < 20; tau++) expect_near(b->att[tau], a->att[tau], 1e-12);
            nt_dyn_result_free(b);
            /* both weights on a panel with later starts or censoring */
            o.never = o.censoring = 1;
            assert_int_equal(nt_dyn_estimate(v, units, N, &o, &b, &err), NT_OK);
            for (int tau = 0; tau < 20; tau++) assert_true(isfinite(b->att[tau]));
            if (!later) {
                double w = 0;
                long c = 0;
                for (int k = 0; k < b->n_k; k++) { w += b->k_wcontrib[k * 20 + 19]; c += b->k_contrib[k * 20 + 19]; }
                assert_true(w > (double)c);
            }
            nt_dyn_result_free(a);
            nt_dyn_result_free(b);
        }
    }
}

/* Bias-adjusted radius with the start weights (nt_dyn_adjust.c), month 1
   of the tiny panel, every month adjusted (adjust_per_col 1): the WLS of y
   on (1, D, x) with weights treated c_i W_i = 1 (P0, P3, P5), controls
   K_j = lambda W_j sum_i w_ij / den_i, lambda = 15/17 (test_never_nn_tiny):
   P1, P2 .6 lambda, P4 lambda, P6 1.2 lambda (summing to 3). Normal
   equations [6 3 67/17; 3 3 2; 67/17 2 67/17] theta = (35/17, 1, 1):
   delta = -17/1172, b = -305/1172. The matched means on y - x b: sum over
   the treated 1 - 2b, over the control sums 1.2 - 2.2b, so ATT_never(1) =
   (1 - 2b - lambda (1.2 - 2.2b)) / 3 = -(1 + b) / 51 = -17/1172 = delta
   (the coefficient of D, as without weights). Month 0 (no weights, x
   balanced within the sets): -0.5. */
static void test_never_radius_ba_tiny(void **state)
{
    (void)state;
    dyn_tiny T;
    tiny_never_init(&T);
    nt_dyn_opts o;
    dyn_tiny_opts(&o, NT_METHOD_RADIUS, NULL);
    o.bias_adjust = 1;
    o.adjust_per_col = 1;
    o.never = 1;
    nt_dyn_result *r = NULL;
    nt_error err;
    if (dyn_tiny_estimate(&T, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    expect_near(r->att[0], -0.5, 1e-12);
    expect_near(r->att[1], -17.0 / 1172, 1e-12);
    nt_dyn_result_free(r);
}

/* ipcw_truncate on a panel of 80 persons, 2 months, start month 0,
   the censoring logit (1, x, started) fitted on month 1: x = 0 (persons
   0..39) and x = 1 (40..79), odd persons treated at 0; censored at month 1
   (n_observed 1): 5 treated and 5 controls of x = 0, 15 and 15 of x = 1.
   The rates do not depend on the start, so the logit's fit is the rate
   per x, h = 1/4 (x = 0) and 3/4 (x = 1), and the weights at t = 1 are
   4/3 (30 persons observed) and 4 (10 observed). The 0.7-quantile of
   those 40 weights is 4/3: truncated, every weight is 4/3, the Hajek
   ratios of every method equal the unweighted ones and the summed
   weights are 4/3 x the contributing treated; the 0.8-quantile is 4 (30
   of 40 below), which caps nothing: the estimate equals the one without
   truncation. Untruncated, the weights restore the x = 1 share among the
   observed (1/4) to 1/2 and the estimate moves. */
enum { TR_N = 80, TR_M = 2 };

/* The panel above in the random panel's store (tests/dyn_tiny.h). */
static nt_dyn_panel *trunc_fill(dyn_rand *T)
{
    memset(T, 0, sizeof *T);
    for (int i = 0; i < TR_N; i++) {
        int x = i >= 40, tr = i % 2, r = (i % 40) / 2;   /* r: rank 0..19 within (x, treated) */
        T->units[i] = i;
        T->x[i] = x;
        T->tm[i] = tr ? 0 : -1;
        T->tt[i] = tr;
        T->cost[i] = tr ? 1000 : NAN;
        T->nobs[i] = r < (x ? 15 : 5) ? 1 : 2;
        T->adm[i] = TR_M;
        T->inc[i] = 1;
        for (int t = 0; t < TR_M; t++) {
            T->on[i * TR_M + t] = 1;
            T->y[i * TR_M + t] = t < T->nobs[i] ? (float)(r % 3 == 0 || (x && tr && t == 1)) : NAN;
        }
    }
    T->term[0] = "x";
    return dyn_rand_view(T, TR_N, TR_M, 1, 1, 0);
}

static nt_dyn_result *trunc_run(dyn_rand *T, nt_method method, int censoring, double q, nt_dyn_lin *L)
{
    nt_dyn_opts o;
    dyn_tiny_opts(&o, method, L);   /* the hand computations' options, over 2 months */
    o.horizon = 2;
    o.bias_adjust = 0;
    o.censoring = censoring;
    o.ipcw_truncate = q;
    nt_dyn_result *r = NULL;
    nt_error err;
    if (nt_dyn_estimate(trunc_fill(T), T->units, TR_N, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static void test_ipcw_truncate(void **state)
{
    (void)state;
    static dyn_rand T;
    const nt_method ms[3] = {NT_METHOD_IPW, NT_METHOD_RADIUS, NT_METHOD_NN};
    for (int a = 0; a < 3; a++) {
        nt_dyn_result *u = trunc_run(&T, ms[a], 0, 0, NULL), *w = trunc_run(&T, ms[a], 1, 0, NULL);
        nt_dyn_result *c = trunc_run(&T, ms[a], 1, 0.7, NULL), *n = trunc_run(&T, ms[a], 1, 0.8, NULL);
        assert_int_equal(u->k_contrib[1], 20);   /* 15 + 5 treated observed in month 1 */
        /* untruncated: the treated x = 1 (y = 1 in month 1) weigh 4 against 4/3 */
        expect_near(w->k_wcontrib[1], 15 * 4.0 / 3 + 5 * 4.0, 1e-6);
        assert_true(fabs(w->att[1] - u->att[1]) > 0.05);
        /* capped at 4/3: every weight equal, the unweighted estimate */
        expect_near(c->k_wcontrib[1], 20 * 4.0 / 3, 1e-6);
        expect_near(c->att[1], u->att[1], 1e-9);
        expect_near(c->att[0], u->att[0], 1e-12);
        /* a cap at the largest weight is no cap */
        expect_near(n->att[1], w->att[1], 1e-12);
        expect_near(n->k_wcontrib[1], w->k_wcontrib[1], 1e-12);
        nt_dyn_result_free(u);
        nt_dyn_result_free(w);
        nt_dyn_result_free(c);
        nt_dyn_result_free(n);
    }
    /* The linearisation holds the caps fixed: a capped weight has no
       derivative in the logit (theta: 1, x, started). With the 0.7 cap the
       x = 1 units are capped and the x = 0 ones sit at it (not capped), so
       IPW's G at tau 1 sums g_u D_u over the x = 0 units observed in month
       1 alone, D_u = h z_u = (1/4)(1, 0, started_u), g_u = (4/3)(y_u -
       rbar - ATT) for a treated (the -ATT part: G2), -(4/3)(y_u - rbar)
       for a control (S_k W_j / W_c = 4/3, ATT weights 1). Every weight
       being 4/3, the other terms are the unweighted ones, and person p
       gains G' H^-1 z_p (d_p - h_p) / N, H = sum over the 80 rows of h (1 -
       h) z z', N = 20 x 4/3. */
    nt_dyn_lin *L[2];
    nt_dyn_result *r[2];
    nt_error err;
    for (int c = 0; c < 2; c++) {
        assert_int_equal(nt_dyn_lin_alloc(TR_N, 2, 1, &L[c], &err), NT_OK);
        r[c] = trunc_run(&T, NT_METHOD_IPW, c, c ? 0.7 : 0, L[c]);
    }
    double yt = 0, yc = 0;
    int nt = 0, nc = 0;
    for (int i = 0; i < TR_N; i++)
        if (T.nobs[i] > 1) {
            if (T.tm[i] == 0) { yt += T.y[i * TR_M + 1]; nt++; }
            else { yc += T.y[i * TR_M + 1]; nc++; }
        }
    double rbar = yc / nc, att = yt / nt - rbar, G[3] = {0}, Hm[3][4] = {{0}};
    expect_near(r[1]->att[1], att, 1e-9);
    for (int i = 0; i < TR_N; i++) {
        double z[3] = {1, T.x[i], T.tm[i] == 0}, h = T.x[i] ? 0.75 : 0.25;
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 3; b++) Hm[a][b] += h * (1 - h) * z[a] * z[b];
        if (T.x[i] || T.nobs[i] < 2) continue;
        double y = T.y[i * TR_M + 1], g = T.tm[i] == 0 ? 4.0 / 3 * (y - rbar - att) : -4.0 / 3 * (y - rbar);
        for (int a = 0; a < 3; a++) G[a] += g * 0.25 * z[a];
    }
    for (int a = 0; a < 3; a++) Hm[a][3] = G[a];
    for (int a = 0; a < 3; a++)   /* H^-1 G by elimination (H positive definite) */
        for (int b = 0; b < 3; b++) {
            if (b == a) continue;
            double f = Hm[b][a] / Hm[a][a];
            for (int c = 0; c < 4; c++) Hm[b][c] -= f * Hm[a][c];
        }
    double A[3] = {Hm[0][3] / Hm[0][0], Hm[1][3] / Hm[1][1], Hm[2][3] / Hm[2][2]}, N = 20 * 4.0 / 3;
    for (int p = 0; p < TR_N; p++) {
        double c0[2], c1[2], z[3] = {1, T.x[p], T.tm[p] == 0}, h = T.x[p] ? 0.75 : 0.25;
        nt_dyn_lin_get(L[0], 0, p, c0);
        nt_dyn_lin_get(L[1], 0, p, c1);
        double term = (A[0] * z[0] + A[1] * z[1] + A[2] * z[2]) * ((T.nobs[p] == 1) - h) / N;
        expect_near(c1[1], c0[1] + term, 1e-8);
    }
    for (int c = 0; c < 2; c++) {
        nt_dyn_lin_free(L[c]);
        nt_dyn_result_free(r[c]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_ipw_tiny),   cmocka_unit_test(test_never_nn_tiny),
        cmocka_unit_test(test_ipcw_equal_weights), cmocka_unit_test(test_never_lin_tiny),
        cmocka_unit_test(test_never_invariants), cmocka_unit_test(test_never_radius_ba_tiny),
        cmocka_unit_test(test_ipcw_lin_cancels), cmocka_unit_test(test_ipcw_truncate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
