/* Issue 14 on hand-made panels: the bias-adjusted radius matching of the
   dynamic estimator (estimators/nt_dyn_adjust.c) and Firth's logit for a
   start interval that separates (estimators/nt_glm_firth.c). */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_method.h"
#include "tests/surv_testdata.h"

#define NP 6
#define NM 2

/* Six persons, one numeric covariate x, start month 0, months 0..1:
     person  x     treat  y(0)   y(1)   note
     T1      0     k=0    3      1
     T2      10    k=0    23     5
     C1      1     -      2      0
     C2     -1.4   -     -2.8    .      censored from month 1
     C3      11    -      22     2
     C4      8.6   -      17.2   1
   The score is the logit's a + b x, monotone in x, so distances are |b|
   times those in x: the nearest controls are 1 away from T1 (C1) and T2
   (C3), the radius 1.5: T1 <- {C1, C2}, T2 <- {C3, C4}, weight 1/2 each.
   Month 0, y = 2x + 3D exactly: unadjusted T1 3 - (2 - 2.8)/2 = 3.4, T2
   23 - 19.6 = 3.4 -> 3.4 (the matched controls' x is off by -0.2);
   adjusted: the WLS of y on (1, D, x), weights 1, 1, 1/2 x 4, fits
   exactly, b = 2, ATT = 3; every adjusted residual is 0, so the
   linearised SE is 0.
   Month 1 (C2 censored: T1 <- C1 alone): weights T 1, 1; C1 1, C3 C4 1/2.
   Within-arm weighted moments: treated x mean 5, y mean 3, Sxx 50, Sxy 20;
   controls x mean 5.4, y mean .75, Sxx 40.16, Sxy 7.2; b = 27.2 / 90.16,
   ATT = (3 - 5b) - (.75 - 5.4b) = 2.25 + .4b (unadjusted 2.25). Matching
   on y - bx: T1 1 + b, T2 3.5 - .2b. Every control serves one treated
   (K = KK), so the AI control terms are 0.
   The regression's term (b's influence): N g = sum_T x - sum_C K x =
   10 - (1 + 5.5 + 4.3) = -.8; with arm intercepts b's influence function
   is w_u (x_u - xbar_arm) e_u / 90.16, e the WLS residuals
   T1 -2 + 5b, T2 2 - 5b, C1 -.75 + 4.4b, C3 1.25 - 5.6b, C4 .25 - 3.2b,
   so unit u adds .8 w_u (x_u - xbar_arm) e_u / 90.16:
   T1 (-4)(-2 + 5b), T2 4(2 - 5b), C1 (-3.52)(-.75 + 4.4b),
   C3 2.24(1.25 - 5.6b), C4 1.28(.25 - 3.2b), each / 90.16 (they sum to 0:
   b's normal equation).
   HC2: every residual is taken as e_u / sqrt(1 - h_u), h_u = w_u (1 /
   W_arm + (x_u - xbar_arm)^2 / 90.16) the leverage (arm weights 2 and 2):
   T1, T2 .5 + 25/90.16; C1 .5 + 19.36/90.16; C3 .5 (.5 + 31.36/90.16);
   C4 .5 (.5 + 10.24/90.16) (they sum to 3, the columns). With f_u =
   1 / sqrt(1 - h_u), the adjusted outcome y - bx + (f - 1) e enters the
   matching terms and f e the regression's: contributions (/ N = 2)
   T1 (f_T1 e_T1 - f_C1 e_C1) + f_T1 r_T1 (its matching term 1 + b - ATT
   is e_T1 - e_C1), T2 f_T2 e_T2 - (f_C3 e_C3 + f_C4 e_C4) / 2 + f_T2 r_T2,
   controls f_C r_C. Month 0 fits exactly: every residual, term and the
   SE are 0. The regression has 6 and 5 units for 3 columns: below the
   default 10 per column, so the test asks for 1 per column. */
static const double X[NP] = {0, 10, 1, -1.4, 11, 8.6};
static const float Y[NP][NM] = {{3, 1}, {23, 5}, {2, 0}, {-2.8f, NAN}, {22, 2}, {17.2f, 1}};

typedef struct {
    int32_t tm[NP], tt[NP], nobs[NP], adm[NP];
    double cost[NP], x[NP];
    uint8_t on[NP], emp[NP], inc[NP];
    float y[NP * NM];
    const float *out[1];
    const char *term[1];
    nt_dyn_panel v;
} tiny;

static void tiny_init(tiny *t, const double *x)
{
    for (int i = 0; i < NP; i++) {
        t->tm[i] = i < 2 ? 0 : -1;
        t->tt[i] = i < 2 ? 1 : 0;
        t->nobs[i] = i == 3 ? 1 : NM;
        t->adm[i] = NM;
        t->cost[i] = NAN;
        t->x[i] = x ? x[i] : X[i];
        t->on[i] = 1;
        t->emp[i] = 0;
        t->inc[i] = 1;
        for (int m = 0; m < NM; m++) t->y[i * NM + m] = Y[i][m];
    }
    t->out[0] = t->y;
    t->term[0] = "x";
    t->v = (nt_dyn_panel){.n = NP, .months = NM, .treat_month = t->tm, .treat_type = t->tt,
                          .treat_cost = t->cost, .n_observed = t->nobs, .admin_observed = t->adm, .n_risk = 1,
                          .on_index = t->on, .emp_before = t->emp, .n_outcomes = 1, .outcome = t->out, .p = 1,
                          .x = t->x, .term = t->term, .included = t->inc};
}

static void run_x(const double *x, int adjust, int per_col, nt_dyn_lin *lin, nt_dyn_result **r)
{
    tiny t;
    tiny_init(&t, x);
    long units[NP] = {0, 1, 2, 3, 4, 5};
    nt_dyn_opts o;
    nt_dyn_opts_default(&o);
    o.program = 1;
    o.start_first = o.start_last = 0;
    o.start_interval = 1;
    o.horizon = NM;
    o.method = NT_METHOD_RADIUS;
    o.caliper = 0;
    o.min_treated = 1;
    o.full = 1;
    o.ai_neighbors = 1;
    o.bias_adjust = adjust;
    o.adjust_per_col = per_col;
    o.lin = lin;
    nt_error err;
    if (nt_dyn_estimate(&t.v, units, NP, &o, r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
}

static void run(int adjust, int per_col, nt_dyn_lin *lin, nt_dyn_result **r)
{
    run_x(NULL, adjust, per_col, lin, r);
}

static void test_radius_bias_adjust_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r;
    run(0, 1, NULL, &r);
    expect_near(r->att[0], 3.4, 1e-6);   /* float outcomes */
    expect_near(r->att[1], 2.25, 1e-6);   /* float outcomes */
    nt_dyn_result_free(r);

    double b = 27.2 / 90.16, att1 = 2.25 + 0.4 * b;
    nt_dyn_lin *L;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(NP, NM, 1, &L, &err), NT_OK);
    run(1, 1, L, &r);   /* 6 units: 2 per column of (1, D, x) */
    expect_near(r->att[0], 3.0, 1e-6);   /* float outcomes */
    expect_near(r->att[1], att1, 1e-6);   /* float outcomes */
    assert_int_equal(r->n_treated_matched[1], 2);
    assert_int_equal(r->n_control_used[1], 3);
    nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
    nt_dyn_inference *f;
    assert_int_equal(nt_dyn_infer(L, r, &io, &f, &err), NT_OK);
    double c[NM];
    const double rT1 = -4 * (-2 + 5 * b) / 90.16, rT2 = 4 * (2 - 5 * b) / 90.16;
    const double rC[3] = {-3.52 * (-0.75 + 4.4 * b) / 90.16, 2.24 * (1.25 - 5.6 * b) / 90.16,
                          1.28 * (0.25 - 3.2 * b) / 90.16};
    /* residuals and HC2 factors: T1, T2, C1, C3, C4 */
    const double e[5] = {-2 + 5 * b, 2 - 5 * b, -0.75 + 4.4 * b, 1.25 - 5.6 * b, 0.25 - 3.2 * b};
    const double h[5] = {0.5 + 25 / 90.16, 0.5 + 25 / 90.16, 0.5 + 19.36 / 90.16, 0.5 * (0.5 + 31.36 / 90.16),
                         0.5 * (0.5 + 10.24 / 90.16)};
    double fh[5], hs = 0;
    for (int u = 0; u < 5; u++) { fh[u] = 1 / sqrt(1 - h[u]); hs += h[u]; }
    expect_near(hs, 3.0, 1e-12);
    expect_near(e[0] - e[2], 1 + b - att1, 1e-12);
    expect_near(e[1] - (e[3] + e[4]) / 2, 3.5 - 0.2 * b - att1, 1e-12);
    const double want[5] = {(fh[0] * e[0] - fh[2] * e[2] + fh[0] * rT1) / 2,
                            (fh[1] * e[1] - (fh[3] * e[3] + fh[4] * e[4]) / 2 + fh[1] * rT2) / 2, fh[2] * rC[0] / 2,
                            fh[3] * rC[1] / 2, fh[4] * rC[2] / 2};
    const long who[5] = {0, 1, 2, 4, 5};
    double v = 0;
    for (int u = 0; u < 5; u++) {
        assert_int_equal(nt_dyn_lin_get(L, 0, who[u], c), 1);   /* contributions kept as float: 1e-6 */
        expect_near(c[0], 0.0, 1e-6);
        expect_near(c[1], want[u], 1e-6);
        v += want[u] * want[u];
    }
    expect_near(rT1 + rT2 + rC[0] + rC[1] + rC[2], 0.0, 1e-12);
    expect_near(f->se[0], 0.0, 1e-6);
    expect_near(f->se[1], sqrt(v), 1e-6);
    /* b held fixed and plain residuals (the former linearisation) give
       |1.25 - .6b| / sqrt(2) = .756; with the leverages here 1.377 */
    assert_true(sqrt(v) > fabs(1.25 - 0.6 * b) / sqrt(2.0) + 0.1);
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
    /* With the default rule (10 units per column) 6 units are too few: no
       adjustment. */
    run(1, 10, NULL, &r);
    expect_near(r->att[0], 3.4, 1e-6);
    expect_near(r->att[1], 2.25, 1e-6);
    nt_dyn_result_free(r);
}

/* Firth's penalised logit against scripts/reference/firth_golden.R
   (base R Newton iterations on the hat-adjusted score, equal to brglm2's
   AS_mean; tests/golden/firth.csv), and the 2 x 2 table by hand:
   the logit of the table with 1/2 added to each cell, (0, log 5). */
static void test_firth(void **state)
{
    (void)state;
    static const double xs[6] = {20, 30, 1, -1.4, 11, 8.6}, ds[6] = {1, 1, 0, 0, 0, 0}, ws[6] = {1, 2, 3, 1, 2, 1};
    static const double want[3][4] = {{-2.8352829396, 0.167199676348, 2.14687876957, 0.130735003359},
                                      {0, 1.60943791243, 0.816496580928, 2.06559111798},
                                      {-3.71786457159, 0.208891769476, 2.08675340528, 0.122167907054}};
    double x[16], y[8];
    nt_error err;
    for (int c = 0; c < 3; c++) {
        int n = c == 1 ? 8 : 6;
        for (int i = 0; i < n; i++) {
            x[i] = 1;
            x[n + i] = c == 1 ? (i >= 6) : xs[i];
            y[i] = c == 1 ? (i < 3 || i >= 6) : ds[i];
        }
        nt_glm_fit *f;
        assert_int_equal(nt_glm_firth_alloc(x, n, 2, y, c == 2 ? ws : NULL, &f, &err), NT_OK);
        for (int j = 0; j < 2; j++) {
            expect_near(f->beta[j], want[c][j], 1e-8 * (1 + fabs(want[c][j])));
            expect_near(f->se[j], want[c][2 + j], 1e-7 * want[c][2 + j]);
        }
        if (c == 1) expect_near(f->beta[1], log(5.0), 1e-9);
        nt_glm_fit_free(f);
    }
}

/* A start month whose logit separates (treated x 20, 30 above every
   control's) is no longer skipped: Firth's logit scores it, monotone in x
   (b > 0). Radius: nearest controls 9 and 19 away in x, radius 28.5: T1 <-
   all four, T2 <- C3, C4 (C1 is 29 away). Month 0: T1 3 - 38.4/4 = -6.6,
   T2 23 - 19.6 = 3.4 -> ATT -1.6. */
static void test_firth_dynamic(void **state)
{
    (void)state;
    static const double xsep[NP] = {20, 30, 1, -1.4, 11, 8.6};
    nt_dyn_result *r;
    run_x(xsep, 0, 10, NULL, &r);
    assert_int_equal(r->k_skipped[0], 0);
    assert_int_equal(r->interval[0].firth, 1);
    assert_true(r->interval[0].beta[1] > 0);
    expect_near(r->att[0], -1.6, 1e-6);
    nt_dyn_result_free(r);
}

/* The linearised SE of bias-adjusted radius against an independent base-R
   computation (scripts/reference/radius_ba_se.R, tests/golden/radius_ba_se.csv)
   on a 60-person panel both build from the same formulas (see the script):
   one start month, months 0..2, covariates x1, x2, censoring in months 1
   and 2, J = 2 AI neighbours; ATT and se per month to 1e-6 relative, and
   the per-start se (the squared terms over N (N - 1)). */
#define GN 60
#define GM 3
static void test_radius_bias_adjust_se_golden(void **state)
{
    (void)state;
    static int32_t tm[GN], tt[GN], nobs[GN], adm[GN];
    static double cost[GN], x[2 * GN];
    static uint8_t on[GN], emp[GN], inc[GN];
    static float y[GN * GM];
    for (int i = 0; i < GN; i++) {
        double x1 = 2 * sin(1.7 * i + 0.3), xr = floor(4 * x1 + 0.5) / 4, x2 = (11 * i) % 7 < 3, d = i % 3 == 0;
        tm[i] = d ? 0 : -1;
        tt[i] = d ? 1 : 0;
        nobs[i] = i % 7 == 2 ? 2 : i % 11 == 5 ? 1 : GM;
        adm[i] = GM;
        cost[i] = NAN;
        x[i] = x1;
        x[GN + i] = x2;
        on[i] = 1;
        emp[i] = 0;
        inc[i] = 1;
        for (int m = 0; m < GM; m++)
            y[i * GM + m] = m < nobs[i] ? (float)(1 + 2 * xr - x2 + 1.5 * d + 0.5 * ((7 * i + 5 * m) % 9 - 4) +
                                                  0.25 * m * xr + 0.5 * d * m)
                                        : NAN;
    }
    const float *out[1] = {y};
    const char *term[2] = {"x1", "x2"};
    nt_dyn_panel v = {.n = GN, .months = GM, .treat_month = tm, .treat_type = tt, .treat_cost = cost,
                      .n_observed = nobs, .admin_observed = adm, .n_risk = 1, .on_index = on, .emp_before = emp,
                      .n_outcomes = 1, .outcome = out, .p = 2, .x = x, .term = term, .included = inc};
    long units[GN];
    for (int i = 0; i < GN; i++) units[i] = i;
    nt_dyn_opts o;
    nt_dyn_opts_default(&o);
    o.program = 1;
    o.start_first = o.start_last = 0;
    o.start_interval = 1;
    o.horizon = GM;
    o.method = NT_METHOD_RADIUS;
    o.caliper = 0;
    o.min_treated = 1;
    o.full = 1;
    o.ai_neighbors = 2;
    o.bias_adjust = 1;
    o.adjust_per_col = 1;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(GN, GM, 1, &o.lin, &err), NT_OK);
    nt_dyn_result *r;
    if (nt_dyn_estimate(&v, units, GN, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
    nt_dyn_inference *f;
    assert_int_equal(nt_dyn_infer(o.lin, r, &io, &f, &err), NT_OK);
    tcsv *g = tcsv_read("golden/radius_ba_se.csv");
    assert_non_null(g);
    assert_int_equal(g->nrow, GM);
    for (long m = 0; m < g->nrow; m++) {
        int tau = (int)tcsv_num(g, m, "month");
        fprintf(stderr, "month %d: att %.10g (R %.10g), se %.10g (R %.10g; b fixed %.10g)\n", tau, r->att[tau],
                tcsv_num(g, m, "att"), f->se[tau], tcsv_num(g, m, "se"), tcsv_num(g, m, "se_fixed_b"));
        assert_int_equal(r->n_treated_matched[tau], (long)tcsv_num(g, m, "n_treated"));
        assert_int_equal(r->n_control_used[tau], (long)tcsv_num(g, m, "n_controls"));
        assert_true(tnear(r->att[tau], tcsv_num(g, m, "att"), 1e-6));
        assert_true(tnear(f->se[tau], tcsv_num(g, m, "se"), 1e-6));
        assert_true(tnear(r->k_se[tau], tcsv_num(g, m, "se_k"), 1e-6));   /* effects_by_start.csv's */
    }
    tcsv_free(g);
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(o.lin);
    nt_dyn_result_free(r);
}

/* A control at two start months (docs/inference.md, "A control at several
   start months"): five persons, one covariate x, start months 0 and 1,
   horizon 1, radius with the radius the nearest control's distance
   (radius_factor 1), J = 1.
     person  x     treat  y(0)   y(1)
     T1      0     k=0    3      .5
     T2      5     k=1    .5     5
     C       2.5   -      1      2
     D1     -3     -      0     -1
     D2      8.5   -      4      6
   The logit of each start month is monotone in x (T1 and T2 are not at the
   mean of their risk sets' x, so b != 0), so the nearest control is the
   nearest in x and the radius takes it alone: T1 (k 0; controls T2, C, D1, D2) <- C (2.5 away; D1 3),
   T2 (k 1; controls C, D1, D2) <- C (2.5; D2 3.5). ATT(0) = ((3 - 1) +
   (5 - 2)) / 2 = 2.5, N = 2. C serves one treated at each start month:
   K = KK = 1 at k 0 and at k 1, so the per-k term sqrt(K^2 - KK) e is 0.
   Its AI residuals (J = 1: e = (y - y_nb) / sqrt 2, y_nb the nearest other
   observed control): k 0, month 0: nb T2 (2.5; D1 5.5), e0 = (1 - .5) /
   sqrt 2; k 1, month 1: nb D1 (5.5; D2 6), e1 = (2 + 1) / sqrt 2.
   Contributions (/ N): T1 (2 - 2.5) / 2, T2 (3 - 2.5) / 2, and C
   -s (K0 e0 + K1 e1) / 2 with s = sqrt(1 - (KK0 + KK1) / (K0 + K1)^2) =
   sqrt(1/2): -(3.5 / 2) / 2. So Var = 2 x .0625 + .765625 = .890625.
   Why: with C's noise common to months 0 and 1 (a persistent outcome),
   N ATT = ... - C's e0 - C's e1 has variance sT1^2 + sT2^2 + 4 sC^2; the
   treated's rows carry KK0 + KK1 = 2 sC^2 of it, C's own row the other
   (K0 + K1)^2 - KK0 - KK1 = 2 sC^2 (before: 0, Var .125). */
static void test_control_two_start_months(void **state)
{
    (void)state;
    enum { N5 = 5, M2 = 2 };
    static const double xs[N5] = {0, 5, 2.5, -3, 8.5};
    static const float ys[N5][M2] = {{3, 0.5f}, {0.5f, 5}, {1, 2}, {0, -1}, {4, 6}};
    int32_t tm[N5] = {0, 1, -1, -1, -1}, tt[N5] = {1, 1, 0, 0, 0}, nobs[N5], adm[N5];
    double cost[N5], x[N5];
    uint8_t on[N5 * M2], emp[N5 * M2], inc[N5];
    float y[N5 * M2];
    for (int i = 0; i < N5; i++) {
        nobs[i] = adm[i] = M2;
        cost[i] = NAN;
        x[i] = xs[i];
        inc[i] = 1;
        for (int m = 0; m < M2; m++) {
            y[i * M2 + m] = ys[i][m];
            on[i * M2 + m] = 1;
            emp[i * M2 + m] = 0;
        }
    }
    const float *out[1] = {y};
    const char *term[1] = {"x"};
    nt_dyn_panel v = {.n = N5, .months = M2, .treat_month = tm, .treat_type = tt, .treat_cost = cost,
                      .n_observed = nobs, .admin_observed = adm, .n_risk = M2, .on_index = on, .emp_before = emp,
                      .n_outcomes = 1, .outcome = out, .p = 1, .x = x, .term = term, .included = inc};
    long units[N5] = {0, 1, 2, 3, 4};
    nt_dyn_opts o;
    nt_dyn_opts_default(&o);
    o.program = 1;
    o.start_first = 0;
    o.start_last = 1;
    o.start_interval = 1;
    o.horizon = 1;
    o.method = NT_METHOD_RADIUS;
    o.radius_factor = 1;   /* the radius is the nearest control's distance */
    o.caliper = 0;
    o.min_treated = 1;
    o.full = 1;
    o.ai_neighbors = 1;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(N5, 1, 1, &o.lin, &err), NT_OK);
    nt_dyn_result *r;
    if (nt_dyn_estimate(&v, units, N5, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    expect_near(r->att[0], 2.5, 1e-6);
    assert_int_equal(r->n_treated_matched[0], 2);
    assert_int_equal(r->n_control_used[0], 1);
    nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
    nt_dyn_inference *f;
    assert_int_equal(nt_dyn_infer(o.lin, r, &io, &f, &err), NT_OK);
    const double e0 = 0.5 / sqrt(2.0), e1 = 3 / sqrt(2.0), s = sqrt(1 - 2.0 / 4);
    const double want[3] = {-0.25, 0.25, -s * (e0 + e1) / 2};
    double c[1], var = 0;
    for (int u = 0; u < 3; u++) {
        nt_dyn_lin_get(o.lin, 0, u, c);   /* before the fix C had no row: its per-k terms were 0 */
        expect_near(c[0], want[u], 1e-6);
        var += want[u] * want[u];
    }
    expect_near(var, 0.890625, 1e-12);
    expect_near(f->se[0], sqrt(var), 1e-6);   /* the per-k terms alone: sqrt(.125) = .354 */
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(o.lin);
    nt_dyn_result_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_radius_bias_adjust_tiny),
        cmocka_unit_test(test_firth),
        cmocka_unit_test(test_firth_dynamic),
        cmocka_unit_test(test_radius_bias_adjust_se_golden),
        cmocka_unit_test(test_control_two_start_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
