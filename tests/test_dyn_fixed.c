/* estimators/nt_dyn_fixed.c: ATT_fixed, the fixed-composition path by
   person, by hand on a tiny panel (docs/dynamic.md, "ATT_fixed"). */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "tests/dyn_tiny.h"

/* Eight persons, one binary covariate x, start month 0, horizon 3 (the
   panel of tests/dyn_tiny.h with two changes):
     person x  treat  employed 0..3   n_observed  admin_observed
     P0     0  k=0    0 0 1 1         4           4
     P1     0  -      0 1 1 0         4           4
     P2     0  -      1 1 . .         2           4   (dies: censored from 2)
     P3     1  k=0    0 1 . .         2           4   (dies: censored from 2)
     P4     1  -      0 0 0 1         4           4
     P5     1  k=0    1 1 . .         2           2   (data end after month 1)
     P6     1  k=2    1 0 1 1         4           4   (a control at 0)
     P7     1  k=0 (type 2)           4           4   (neither)
   The logit on (1, x) is saturated, so every control of a cell ties: NN
   P0 <- {P1, P2}, P3 and P5 <- {P4, P6}, weight 1/2 each.
   F_0 (admin_observed >= 0 + 3): P0 and P3. P5 leaves F_0 (the data end
   cuts its horizon); P3 stays (its death is not known at k and follows
   the start): it is censored at tau 2 like in ATT.
   NN, effects of the treated:
            P0                 P3           P5
     tau 0  0 - .5 = -.5       0 - .5       1 - .5 = .5
     tau 1  0 - 1 = -1         1 - 0 = 1    1 - 0 = 1
     tau 2  1 - 1 = 0 (P2 censored: P1 alone)   .          .
   ATT:       -1/6, 1/3, 0          ATT_fixed: -1/2, 0, 0
   (before v2 ATT_fixed was empty: not every treated of month 0 could be
   followed for the horizon).
   IPW over F_0 (control weights e/(1-e): 1/2 for x = 0, 1 for x = 1):
     tau 0: treated 0; controls (.5*0 + .5*1 + 0 + 1)/3 = .5        -> -1/2
     tau 1: treated (0 + 1)/2; controls (.5 + .5 + 0 + 0)/3 = 1/3   -> 1/6
     tau 2: treated 1 (P0); controls (.5*1 + 0 + 1)/2.5 = .6        -> .4 */
/* The panel of tests/dyn_tiny.h with the changes above. */
static void tiny_init(dyn_tiny *T)
{
    static const int nobs[8] = {4, 4, 2, 2, 4, 2, 4, 4}, admin[8] = {4, 4, 4, 4, 4, 2, 4, 4};
    static const float y[8][4] = {{0, 0, 1, 1}, {0, 1, 1, 0}, {1, 1, NAN, NAN}, {0, 1, NAN, NAN},
                                  {0, 0, 0, 1}, {1, 1, NAN, NAN}, {1, 0, 1, 1}, {1, 1, 1, 1}};
    dyn_tiny_init(T);
    for (int i = 0; i < 8; i++) {
        T->nobs[i] = nobs[i];
        T->admin[i] = admin[i];
        for (int t = 0; t < 4; t++) T->y[i * 4 + t] = y[i][t];
    }
}

/* The estimate on T with the hand computations' options; censoring, never:
   the IPCW weights, the estimand ATT_never. */
static nt_dyn_result *estimate_w(dyn_tiny *T, nt_method method, int censoring, int never, nt_dyn_lin *lin)
{
    nt_dyn_opts o;
    dyn_tiny_opts(&o, method, lin);
    o.censoring = censoring;
    o.never = never;
    nt_error err;
    nt_dyn_result *r;
    if (dyn_tiny_estimate(T, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static nt_dyn_result *estimate(dyn_tiny *T, nt_method method, nt_dyn_lin *lin)
{
    return estimate_w(T, method, 0, 0, lin);
}

/* A linearisation of the panel's 8 persons, horizon 3, one outcome. */
static nt_dyn_lin *lin_alloc(void)
{
    nt_dyn_lin *L;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    return L;
}

static void test_fixed_nn(void **state)
{
    (void)state;
    dyn_tiny T;
    tiny_init(&T);
    nt_dyn_result *r = estimate(&T, NT_METHOD_NN, NULL);
    expect_near(r->att[0], -1.0 / 6, 1e-12);
    expect_near(r->att[1], 1.0 / 3, 1e-12);
    expect_near(r->att[2], 0, 1e-12);
    expect_near(r->att_fixed[0], -0.5, 1e-12);
    expect_near(r->att_fixed[1], 0, 1e-12);
    expect_near(r->att_fixed[2], 0, 1e-12);
    assert_int_equal(r->k_fixed[0], 0);            /* not every treated of month 0 is in F_0 */
    assert_int_equal(r->n_treated[0], 3);
    assert_int_equal(r->n_treated_fixed[0], 2);    /* P0, P3 */
    assert_int_equal(r->n_treated_fixed[2], 1);    /* P3 censored (death) */
    assert_int_equal(r->n_treated_matched_fixed[1], 2);
    assert_int_equal(r->n_treated_matched_fixed[2], 1);
    assert_int_equal(r->n_control_used_fixed[0], 4);
    assert_int_equal(r->n_control_used_fixed[2], 1);   /* P1 for P0 */
    /* ATT_fixed's per-start-month slots, and its disclosure facts */
    assert_int_equal(r->fx->k_contrib[0], 2);
    expect_near(r->fx->k_att[1], 0, 1e-12);
    assert_int_equal(r->fx->k_control_used[0], 4);
    expect_near(r->fx->k_control_wmax[2], 1.0, 1e-12);
    nt_dyn_result_free(r);
}

static void test_fixed_ipw(void **state)
{
    (void)state;
    dyn_tiny T;
    tiny_init(&T);
    nt_dyn_result *r = estimate(&T, NT_METHOD_IPW, NULL);
    expect_near(r->att_fixed[0], -0.5, 1e-7);
    expect_near(r->att_fixed[1], 1.0 / 6, 1e-7);
    expect_near(r->att_fixed[2], 0.4, 1e-7);
    /* ATT tau 0: treated (0 + 0 + 1)/3 - .5 */
    expect_near(r->att[0], 1.0 / 3 - 0.5, 1e-7);
    nt_dyn_result_free(r);
}

/* Every treated in F: ATT_fixed is ATT, also in the linearisation. */
static void test_fixed_all(void **state)
{
    (void)state;
    dyn_tiny T;
    tiny_init(&T);
    T.admin[5] = 4;
    nt_dyn_lin *L = lin_alloc();
    nt_dyn_result *r = estimate(&T, NT_METHOD_NN, L);
    assert_int_equal(r->k_fixed[0], 1);
    for (int tau = 0; tau < 3; tau++) {
        expect_near(r->att_fixed[tau], r->att[tau], 0);
        assert_int_equal(r->n_treated_matched_fixed[tau], r->n_treated_matched[tau]);
    }
    for (long p = 0; p < 8; p++) {
        double a[3], b[3];
        nt_dyn_lin_get(L, 0, p, a);
        nt_dyn_lin_get(L, 1, p, b);
        for (int tau = 0; tau < 3; tau++) expect_near(a[tau], b[tau], 0);
    }
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* The linearisation of ATT_fixed (NN, the matches of the full month) is
   that of ATT on the panel without P5: the saturated logit ties every
   control of a cell whatever P5 does, so the matches, the AI residuals
   among the controls and the treated of F are the same. */
static void test_fixed_lin(void **state)
{
    (void)state;
    dyn_tiny T;
    tiny_init(&T);
    nt_dyn_lin *L = lin_alloc(), *L2 = lin_alloc();
    nt_dyn_result *r = estimate(&T, NT_METHOD_NN, L);
    dyn_tiny U;
    tiny_init(&U);
    U.on[5] = 0;   /* P5 not at risk: no row */
    nt_dyn_result *r2 = estimate(&U, NT_METHOD_NN, L2);
    for (int tau = 0; tau < 3; tau++) expect_near(r->att_fixed[tau], r2->att[tau], 1e-12);
    for (int tau = 0; tau < 3; tau++) assert_int_equal(L->n_contrib[3 + tau], L2->n_contrib[tau]);
    nt_dyn_inference *f = dyn_tiny_infer(L, r), *f2 = dyn_tiny_infer(L2, r2);
    for (long p = 0; p < 8; p++) {
        double a[3], b[3];
        nt_dyn_lin_get(L, 1, p, a);
        nt_dyn_lin_get(L2, 0, p, b);
        for (int tau = 0; tau < 3; tau++) expect_near(a[tau], b[tau], 1e-7);
    }
    /* series 1 (ATT_fixed of the one outcome) against series 0 of the run without P5 */
    for (int tau = 0; tau < 3; tau++) {
        expect_near(f->se[3 + tau], f2->se[tau], 1e-7);
        expect_near(f->cum_se[3 + tau], f2->cum_se[tau], 1e-7);
    }
    /* and by hand at tau 1: terms P0 -1 - 0, P3 1 - 0 (ATT_fixed 0); the
       controls' AI residuals with J = 1 within the observed controls:
       every control has K = 1/2, KK = 1/4: c = sqrt(1/4 - 1/4) = 0. So
       se^2 = (1 + 1) / 2^2. */
    expect_near(f->se[3 + 1], sqrt(0.5), 1e-7);
    nt_dyn_inference_free(f);
    nt_dyn_inference_free(f2);
    nt_dyn_lin_free(L);
    nt_dyn_lin_free(L2);
    nt_dyn_result_free(r);
    nt_dyn_result_free(r2);
}

/* With the censoring weights (IPCW): the pooled rate makes every unit
   observed in t weigh the same (7/6 at t = 1: three censorings among 21
   rows at risk), which cancels in ATT_fixed and its linearisation, so the
   SE at tau 1 is the unweighted sqrt(1/2) above. The second run of start
   month 0 (P5 not in F_0) brings its summed weights into estimand 1
   (nt_dyn_lin_merge; before 2026-11-30 only the counts, so that ATT_fixed's
   SEs with weights were divided by too small a sum). */
static void test_fixed_lin_ipcw(void **state)
{
    (void)state;
    dyn_tiny T;
    tiny_init(&T);
    nt_dyn_lin *L = lin_alloc();
    nt_dyn_result *r = estimate_w(&T, NT_METHOD_NN, 1, 0, L);
    expect_near(r->att_fixed[1], 0, 1e-12);
    expect_near(L->w_contrib[1], 3 * 7.0 / 6, 1e-12);       /* ATT: P0, P3, P5 */
    expect_near(L->w_contrib[3 + 1], 2 * 7.0 / 6, 1e-12);   /* ATT_fixed: P0, P3 */
    nt_dyn_inference *f = dyn_tiny_infer(L, r);
    expect_near(f->se[3 + 1], sqrt(0.5), 1e-7);
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* ATT_never's start hazard in ATT_fixed's linearisation (the term of
   nt_dyn_wlin.c; before 2026-12-01 ATT_fixed kept its weights fixed). The
   panel of tests/test_dyn_never.c (P4 off the index from month 1, the
   start hazard the pooled rate h = 1/6 on P1 s = 1..3, P2 s = 1, P6 s =
   1, 2) with P5 leaving F_0 (data end after month 1, as above), so that
   start month 0 is run a second time on P0 and P3. IPW, ATT_fixed(1):
   controls v = .5 (6/5) for P1, P2 (x = 0, y 1), 1 for P4 (y 0, not at
   risk), 6/5 for P6 (y 0): W = 3.4, rbar = 1.2 / 3.4; treated P0 (y 0), P3
   (y 1): ATT_fixed(1) = .5 - rbar, N = 2. Terms: treated y - rbar - A,
   controls c_j = -(2 v_j / W)(y_j - rbar), the propensity logit's a'z (d -
   e) with G = sum_j c_j z_j (H = [[5/3, 1], [1, 1]] as test_never_lin_tiny),
   and the start hazard's Gs / (6 h (1 - h)) x score (scores P1 -1/2, P2
   -1/6, P6 2/3), Gs = d(2 ATT_fixed(1)) / d theta = h (c1 + c2 + c6) (d log
   v / d theta = h over s = 1 for P1, P2, P6), checked against a central
   difference of the closed form in theta = logit h. */
static void test_fixed_lin_never(void **state)
{
    (void)state;
    dyn_tiny T;
    dyn_tiny_init(&T);
    T.n_risk = 4;
    for (int i = 0; i < 8; i++)
        for (int t = 0; t < 4; t++) T.on[i * 4 + t] = i == 4 && t > 0 ? 0 : 1;
    T.nobs[5] = T.admin[5] = 2;
    T.y[5 * 4 + 2] = T.y[5 * 4 + 3] = NAN;
    nt_dyn_lin *L = lin_alloc();
    nt_dyn_result *r = estimate_w(&T, NT_METHOD_IPW, 0, 1, L);
    assert_int_equal(r->k_fixed[0], 0);   /* run twice */
    double W = 3.4, rbar = 1.2 / W, A = 0.5 - rbar, h = 1.0 / 6;
    expect_near(r->att_fixed[1], A, 1e-12);
    double c1 = -2 * 0.6 / W * (1 - rbar), c2 = c1, c4 = -2 * 1.0 / W * (0 - rbar), c6 = -2 * 1.2 / W * (0 - rbar);
    double G0 = c1 + c2 + c4 + c6, G1 = c4 + c6;
    double a0 = 1.5 * G0 - 1.5 * G1, a1 = -1.5 * G0 + 2.5 * G1, l0 = a0, l1 = a0 + a1;
    double Gs = h * (c1 + c2 + c6), as = Gs / (6 * h * (1 - h));
    double th = log(h / (1 - h)), eps = 1e-5, fv[2];
    for (int s = 0; s < 2; s++) {
        double hs = 1 / (1 + exp(-(th + (s ? eps : -eps)))), v = 0.5 / (1 - hs), v6 = 1 / (1 - hs);
        fv[s] = 1 - 2 * (2 * v) / (2 * v + 1 + v6);
    }
    expect_near((fv[1] - fv[0]) / (2 * eps), Gs, 1e-8);
    double want[8] = {-0.5 + l0 * (2.0 / 3),      c1 + l0 * (-1.0 / 3) + as * -0.5, c2 + l0 * (-1.0 / 3) + as * -h,
                      0.5 + l1 * 0.5,             c4 + l1 * -0.5,                   l1 * 0.5,
                      c6 + l1 * -0.5 + as * (1 - 2 * h), 0};
    dyn_tiny_expect_lin_e(L, r, 1, 1, want, 2);   /* ATT_fixed's terms at tau 1, N = 2, and its SE */
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* ATT_fixed(tau) of the random panel (tests/dyn_tiny.h, starts at 0..2 and
   later, censoring) with a censoring logit (blocks of 12 months, x1, x2, the
   month dummies, "started"), horizon 20: start months 0 and 2 have every
   treated in F_k (run once), month 1 loses every third treated to a data
   end at month 15 (run twice). A person of another programme type (a
   starter at 0: no role in the estimate) enters ATT_fixed only through the
   hazards' fits, so its contribution is the hazards' term alone, and
   d ATT_fixed / d (its frequency weight) is that contribution: checked
   against the central difference of the estimates with the person counted
   twice and not at all (unit_count, every other estimate's input the
   same). ATT's alike (its term, since the fourth session). For ATT_never
   (IPW, where every part of the estimate is smooth in a frequency weight)
   a control's whole contribution likewise.
   The bound: with f(w) the estimate at the person's weight w, the chords'
   slopes f(2) - f(1) and f(1) - f(0) are f' at some point of (1, 2) and of
   (0, 1), so where f'' keeps its sign on [0, 2] the derivative f'(1)
   lies between them: within half the second difference |f(2) - 2 f(1) +
   f(0)| of the central difference (f(2) - f(0)) / 2. The bound scales
   with the estimate's own curvature (no constant picked; before,
   5e-3 x the difference). Measured (2026-12-01, the first 300 and all 600
   persons): the linearisation is off the central difference by 0.4% to
   15% (median about 1.5%) of the second difference, i.e. 5e-5 to 3.3e-3
   of the difference, which did not shrink like 1/N from 150 to 600
   persons (each n picks another person). Without ATT_fixed's hazards' term
   its contributions are 0 here (a starter of type 2) or off by 14% (the
   ATT_never control: -3.6e-4 against -4.2e-4, bound 2.6e-6). */
static void fixed_rand(dyn_rand *R)
{
    enum { N = DYN_RAND_N, M = DYN_RAND_M };
    for (long i = 0; i < N; i++) {
        if (R->tm[i] == 0 && i % 5 == 0) R->tt[i] = 2;
        if (R->tm[i] == 1 && i % 3 == 0) {
            R->adm[i] = 15;
            if (R->nobs[i] > 15) R->nobs[i] = 15;
            for (int t = 15; t < M; t++) R->y[i * M + t] = NAN;
        }
    }
}

/* The estimate (o0 with the frequency weights count and the linearisation
   L); the caller frees it. */
static nt_dyn_result *rand_run(nt_dyn_panel *v, const long *units, long n, const long *count, const nt_dyn_opts *o0,
                               nt_dyn_lin *L)
{
    nt_dyn_opts o = *o0;
    o.unit_count = count;
    o.lin = L;
    nt_dyn_result *r;
    nt_error err;
    if (nt_dyn_estimate(v, units, n, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

/* ATT (f 0) or ATT_fixed (f 1) at tau. */
static double att_of(const nt_dyn_result *r, int f, int tau) { return f ? r->att_fixed[tau] : r->att[tau]; }

static double rand_att(nt_dyn_panel *v, const long *units, long n, const long *count, const nt_dyn_opts *o0, int f,
                       int tau)
{
    nt_dyn_result *r = rand_run(v, units, n, count, o0, NULL);
    double a = att_of(r, f, tau);
    nt_dyn_result_free(r);
    return a;
}

static void test_fixed_lin_hazard_numerical(void **state)
{
    (void)state;
    enum { N = DYN_RAND_N, H = 20 };
    static dyn_rand R;
    static long units[N], cnt[N];
    const struct { nt_method m; int never, cells, pooled; } cases[8] = {
        {NT_METHOD_IPW, 0, 0, 0}, {NT_METHOD_NN, 0, 0, 0}, {NT_METHOD_RADIUS, 0, 0, 0}, {NT_METHOD_IPW, 0, 1, 0},
        {NT_METHOD_IPW, 1, 0, 0}, {NT_METHOD_IPW, 0, 0, 1}, {NT_METHOD_RADIUS, 0, 0, 1}, {NT_METHOD_IPW, 0, 1, 1}};
    for (int c = 0; c < 8; c++) {
        nt_dyn_panel *v = dyn_rand_fill(&R, 7, 1, 1, cases[c].cells);
        fixed_rand(&R);
        nt_dyn_opts o;
        nt_dyn_opts_default(&o);
        o.program = 1;
        o.start_first = 0;
        o.start_last = 2;
        o.horizon = H;
        o.method = cases[c].m;
        o.min_treated = 1;
        o.censoring = !cases[c].never;
        o.never = cases[c].never;
        o.censoring_model = cases[c].pooled;   /* the pooled censoring logit (pieces 1-12, 13-29) */
        nt_dyn_lin *L;
        nt_error err;
        assert_int_equal(nt_dyn_lin_alloc(N, H, 1, &L, &err), NT_OK);
        nt_dyn_result *r1 = rand_run(v, R.units, N, NULL, &o, L);   /* f(1) */
        /* the person: the starter of type 2 (censoring) with the largest ATT_fixed contribution at
           tau 5 (the first without one), the first control of every start month (ATT_never) */
        long p = -1;
        double cl[2][H], best = -1;
        for (long i = 0; i < N; i++) {
            if (o.never ? p >= 0 || R.tm[i] >= 0 || R.nobs[i] < DYN_RAND_M : R.tt[i] != 2) continue;
            nt_dyn_lin_get(L, 1, i, cl[1]);
            if (fabs(cl[1][5]) > best) { best = fabs(cl[1][5]); p = i; }
        }
        assert_true(p >= 0);
        nt_dyn_lin_get(L, 0, p, cl[0]);
        nt_dyn_lin_get(L, 1, p, cl[1]);
        long n = 0;
        for (long i = 0; i < N; i++) {
            cnt[i] = 1 + (i == p);
            if (i != p) units[n++] = i;
        }
        for (int f = 0; f < 2; f++)
            for (int tau = 5; tau < H; tau += 7) {
                double up = rand_att(v, R.units, N, cnt, &o, f, tau), dn = rand_att(v, units, n, NULL, &o, f, tau);
                double num = (up - dn) / 2, curv = up - 2 * att_of(r1, f, tau) + dn;
                assert_true(cl[f][tau] != 0);   /* before 2026-12-01 ATT_fixed's was 0 (no row) */
                assert_true(fabs(curv) < 0.2 * fabs(num));   /* f nearly linear on [0, 2]: the bound means something */
                expect_near(cl[f][tau], num, fabs(curv) / 2);   /* between the chords' slopes (above) */
            }
        nt_dyn_result_free(r1);
        nt_dyn_lin_free(L);
    }
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_nn),
        cmocka_unit_test(test_fixed_ipw),
        cmocka_unit_test(test_fixed_all),
        cmocka_unit_test(test_fixed_lin),
        cmocka_unit_test(test_fixed_lin_ipcw),
        cmocka_unit_test(test_fixed_lin_never),
        cmocka_unit_test(test_fixed_lin_hazard_numerical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
