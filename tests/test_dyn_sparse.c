/* estimators/nt_dynamic: sparse start months pooled (issue 14 item 5,
   docs/dynamic.md "Sparse start months"), by hand on a tiny panel. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dynamic.h"
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_method.h"

/* Eight persons, one binary covariate x, start months 0 and 1 (one
   interval each: start_interval = 1), min_treated = 3, horizon 2.
     person x  start  at risk in  employed months 0..3
     A0     0  k=0    0           0 1 1 1
     A1     0  -      0           0 0 1 1     leaves benefit after month 0
     A2     0  -      0           1 0 0 0     leaves benefit after month 0
     B0     1  k=0    0           0 1 1 1
     B1     1  k=0    0           0 0 1 1
     B2     1  -      0, 1        0 0 0 1
     B3     1  -      0, 1        1 0 0 0
     C0     1  k=1    0, 1        0 0 1 1     a control at 0 (starts later)
   Month 0 has 3 treated (A0, B0, B1), month 1 one (C0): below min_treated,
   and the last interval, so it joins the previous one. The pooled logit
   on (1, x, 1[k = 1]) has three cells, (x, k) = (0, 0): 1 of 3 treated,
   (1, 0): 2 of 5, (1, 1): 1 of 3, and three coefficients: saturated, so
     e = 1/3, 2/5, 1/3;  b0 = log(1/2), b_x = log(4/3),
     b_{start_month=1} = logit(1/3) - logit(2/5) = log(3/4).
   NN within k (scores tie within a cell; ties share the weight):
     k = 0: A0 <- {A1, A2}, B0, B1 <- {B2, B3, C0}
       tau 0: A0 0 - 1/2, B0 0 - 1/3, B1 0 - 1/3       -> ATT_0(0) = -7/18
       tau 1: A0 1 - 0,  B0 1 - 0,  B1 0 - 0          -> ATT_0(1) = 2/3
     k = 1: C0 <- {B2, B3} (months 1, 2)
       tau 0: 0 - (0 + 0)/2 = 0; tau 1: 1 - (0 + 0)/2 = 1
     pooled by treated: ATT(0) = (3 (-7/18) + 0)/4 = -7/24,
                        ATT(1) = (3 (2/3) + 1)/4 = 3/4.
   IPW (control weights e/(1-e): 1/2 at x = 0, 2/3 at x = 1 in month 0;
   1/2 in month 1) and radius (caliper 0: the radius is 0, so exact
   score ties, weight 1 each) give the same (a saturated model weights the
   controls of a cell in proportion to its treated). Without pooling
   (pool_sparse = 0) month 1 is skipped: ATT = ATT_0 = -7/18, 2/3, and the
   treated covered at tau 0 are 3 of the 4 participants. */
enum { N = 8 };

typedef struct {
    int32_t treat_month[N], treat_type[N], n_observed[N], admin_observed[N];
    double treat_cost[N], x[2 * N];
    uint8_t on_index[N * 2], emp_before[N * 2], included[N];
    float y[N * 4];
    const float *outcome[1];
    const char *term[2];
    nt_dyn_panel v;
} tiny;

static void tiny_init(tiny *t)
{
    static const int tm[N] = {0, -1, -1, 0, 0, -1, -1, 1};
    static const double x[N] = {0, 0, 0, 1, 1, 1, 1, 1};
    static const int risk1[N] = {0, 0, 0, 0, 0, 1, 1, 1};
    static const float y[N][4] = {{0, 1, 1, 1}, {0, 0, 1, 1}, {1, 0, 0, 0}, {0, 1, 1, 1},
                                  {0, 0, 1, 1}, {0, 0, 0, 1}, {1, 0, 0, 0}, {0, 0, 1, 1}};
    memset(t, 0, sizeof *t);
    for (int i = 0; i < N; i++) {
        t->treat_month[i] = tm[i];
        t->treat_type[i] = 1;
        t->n_observed[i] = t->admin_observed[i] = 4;
        t->treat_cost[i] = NAN;
        t->x[i] = t->x[N + i] = x[i];   /* a second column, x again, when p = 2 */
        t->on_index[i * 2] = 1;
        t->on_index[i * 2 + 1] = (uint8_t)risk1[i];
        t->included[i] = 1;
        for (int m = 0; m < 4; m++) t->y[i * 4 + m] = y[i][m];
    }
    t->outcome[0] = t->y;
    t->term[0] = "x";
    t->term[1] = "x_again";
    t->v = (nt_dyn_panel){.n = N, .months = 4, .treat_month = t->treat_month, .treat_type = t->treat_type,
                          .treat_cost = t->treat_cost, .n_observed = t->n_observed,
                          .admin_observed = t->admin_observed, .n_risk = 2, .on_index = t->on_index,
                          .emp_before = t->emp_before, .n_outcomes = 1, .outcome = t->outcome, .p = 1, .x = t->x,
                          .term = t->term, .included = t->included};
}

/* bandwidth: the kernel's (0: the rule of thumb); p: columns of x (2: x
   twice, aliased) */
/* The defaults with the tiny panel's programme, start months 0..1, two
   months, method, no caliper. */
static void base_opts(nt_dyn_opts *o, nt_method method)
{
    nt_dyn_opts_default(o);
    o->program = 1;
    o->start_first = 0;
    o->start_last = 1;
    o->start_interval = 1;
    o->horizon = 2;
    o->method = method;
    o->caliper = 0;
}

static nt_dyn_result *run_cols(nt_method method, int pool, nt_dyn_lin *lin, double bandwidth, int p)
{
    static tiny t;
    tiny_init(&t);
    t.v.p = p;
    long units[N] = {0, 1, 2, 3, 4, 5, 6, 7};
    nt_dyn_opts o;
    base_opts(&o, method);
    o.bias_adjust = 0;
    o.min_treated = 3;
    o.pool_sparse = pool;
    o.full = 1;
    o.ai_neighbors = 1;
    o.lin = lin;
    o.bandwidth = bandwidth;
    nt_dyn_result *r = NULL;
    nt_error err;
    if (nt_dyn_estimate(&t.v, units, N, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static nt_dyn_result *run(nt_method method, int pool, nt_dyn_lin *lin, double bandwidth)
{
    return run_cols(method, pool, lin, bandwidth, 1);
}

static double beta_of(const nt_dyn_interval *iv, const char *term)
{
    for (int j = 0; j < iv->p; j++)
        if (!strcmp(iv->term[j], term)) return iv->beta[j];
    fail_msg("no term %s", term);
    return NAN;
}

static void test_pooled_by_hand(void **state)
{
    (void)state;
    const nt_method methods[] = {NT_METHOD_NN, NT_METHOD_IPW, NT_METHOD_RADIUS};
    for (int mi = 0; mi < 3; mi++) {
        nt_dyn_result *r = run(methods[mi], 1, NULL, 0);
        /* one model over both months, with the month dummy */
        assert_int_equal(r->n_intervals, 1);
        assert_int_equal(r->interval[0].first, 0);
        assert_int_equal(r->interval[0].last, 1);
        assert_int_equal(r->interval[0].pooled, 2);
        assert_int_equal(r->interval[0].status, 0);
        expect_near(beta_of(&r->interval[0], "(Intercept)"), log(0.5), 1e-8);
        expect_near(beta_of(&r->interval[0], "x"), log(4.0 / 3.0), 1e-8);
        expect_near(beta_of(&r->interval[0], "start_month=1"), log(0.75), 1e-8);
        /* month 1 (one treated, below min_treated) is estimated */
        assert_int_equal(r->n_skipped, 0);
        assert_int_equal(r->k_skipped[1], 0);
        assert_int_equal(r->k_treated[1], 1);
        assert_int_equal(r->k_controls[1], 2);
        assert_int_equal(r->k_matched[1], 1);
        expect_near(r->k_att[1 * 2 + 0], 0.0, 1e-12);   /* k_att[(ki * NO + o) * H + tau] */
        expect_near(r->k_att[1 * 2 + 1], 1.0, 1e-12);
        expect_near(r->k_att[0], -7.0 / 18.0, 1e-12);
        expect_near(r->att[0], -7.0 / 24.0, 1e-12);
        expect_near(r->att[1], 0.75, 1e-12);
        /* ATT_fixed: everyone is followed to the horizon: the same */
        expect_near(r->att_fixed[0], -7.0 / 24.0, 1e-12);
        expect_near(r->att_fixed[1], 0.75, 1e-12);
        /* share_covered's parts: every participant */
        assert_int_equal(r->n_participants, 4);
        assert_int_equal(r->n_treated_matched[0], 4);
        nt_dyn_result_free(r);
    }
}

static void test_not_pooled_skips(void **state)
{
    (void)state;
    nt_dyn_result *r = run(NT_METHOD_NN, 0, NULL, 0);
    assert_int_equal(r->n_intervals, 2);
    assert_int_equal(r->interval[0].pooled, 1);
    assert_int_equal(r->interval[1].status, 1);
    assert_int_equal(r->k_skipped[0], 0);
    assert_int_equal(r->k_skipped[1], 1);
    assert_int_equal(r->n_skipped, 1);
    expect_near(r->att[0], -7.0 / 18.0, 1e-12);
    expect_near(r->att[1], 2.0 / 3.0, 1e-12);
    /* month 0 alone: logit on (1, x) over its 8 rows, the same cells */
    expect_near(beta_of(&r->interval[0], "x"), log(4.0 / 3.0), 1e-8);
    assert_int_equal(r->n_participants, 4);
    assert_int_equal(r->n_treated_matched[0], 3);
    nt_dyn_result_free(r);
}

/* The other methods and the variances take the pooled month too: kernel
   (with a given bandwidth: the rule of thumb needs spread in the month's
   control scores, and month 1's two controls tie) and AIPW estimate month
   1 with finite effects, and the linearisation
   (every method: ATT and ATT_fixed) and the per-start SE of month 1 are
   finite. IPW's per-start variance (nt_dyn_kvar) by hand at k = 1,
   tau = 1: one treated (no spread), the controls' terms
   b_j = -w_j (y_j - Ybar_c) / sum w = 0 (both 0): Var = 0, except the
   logit's term, which the per-start variance leaves out. */
static void test_pooled_methods_and_se(void **state)
{
    (void)state;
    const nt_method methods[] = {NT_METHOD_NN, NT_METHOD_IPW, NT_METHOD_RADIUS, NT_METHOD_KERNEL, NT_METHOD_AIPW};
    for (int mi = 0; mi < 5; mi++) {
        nt_dyn_lin *L = NULL;
        nt_error err;
        assert_int_equal(nt_dyn_lin_alloc(N, 2, 1, &L, &err), NT_OK);
        nt_dyn_result *r = run(methods[mi], 1, L, 1.0);
        assert_int_equal(r->k_skipped[1], 0);
        nt_infer_opts io = {.B = 0, .level = 0.95};
        nt_dyn_inference *inf = NULL;
        assert_int_equal(nt_dyn_infer(L, r, &io, &inf, &err), NT_OK);
        for (int tau = 0; tau < 2; tau++) {
            assert_true(isfinite(r->k_att[2 + tau]));
            assert_true(isfinite(r->att[tau]));
            assert_true(isfinite(r->att_fixed[tau]));
            for (int f = 0; f < 2; f++) assert_true(isfinite(inf->se[f * 2 + tau]));   /* series f * NO + o */
        }
        nt_dyn_inference_free(inf);
        if (methods[mi] == NT_METHOD_IPW) expect_near(r->k_se[2 + 1], 0.0, 1e-12);
        nt_dyn_result_free(r);
        nt_dyn_lin_free(L);
    }
}

/* The pooling rule: with min_treated = 4 month 0 (3 treated) is short and
   joins the next: the same single model and estimates as above; with
   min_treated = 5 the whole range (4 treated) is short: nothing is
   estimated (the one case left, docs/dynamic.md). */
static void test_pool_rule(void **state)
{
    (void)state;
    static tiny t;
    tiny_init(&t);
    long units[N] = {0, 1, 2, 3, 4, 5, 6, 7};
    nt_dyn_opts o;
    base_opts(&o, NT_METHOD_NN);
    assert_int_equal(o.pool_sparse, 1);   /* the default */
    nt_error err;
    for (long mt = 4; mt <= 5; mt++) {
        o.min_treated = mt;
        nt_dyn_result *r = NULL;
        assert_int_equal(nt_dyn_estimate(&t.v, units, N, &o, &r, &err), NT_OK);
        assert_int_equal(r->n_intervals, 1);
        assert_int_equal(r->interval[0].last, 1);
        if (mt == 4) {
            assert_int_equal(r->n_skipped, 0);
            expect_near(r->att[0], -7.0 / 24.0, 1e-12);
            expect_near(r->att[1], 0.75, 1e-12);
        } else {
            assert_int_equal(r->interval[0].status, 1);
            assert_int_equal(r->n_skipped, 2);
            assert_true(isnan(r->att[0]));
        }
        nt_dyn_result_free(r);
    }
}

/* Collinear covariates: x twice. The plain logit rejects the aliased
   column, Firth's information matrix is singular; the interval is fitted
   again without it (not dropped): the same model and estimates as with x
   alone. */
static void test_aliased_refit(void **state)
{
    (void)state;
    nt_dyn_result *r = run_cols(NT_METHOD_IPW, 1, NULL, 0, 2);
    assert_int_equal(r->n_skipped, 0);
    assert_int_equal(r->interval[0].status, 0);
    assert_int_equal(r->interval[0].p, 3);   /* (Intercept), x, start_month=1 */
    expect_near(beta_of(&r->interval[0], "x"), log(4.0 / 3.0), 1e-8);
    expect_near(r->att[0], -7.0 / 24.0, 1e-12);
    expect_near(r->att[1], 0.75, 1e-12);
    nt_dyn_result_free(r);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pooled_by_hand),
        cmocka_unit_test(test_not_pooled_skips),
        cmocka_unit_test(test_pooled_methods_and_se),
        cmocka_unit_test(test_pool_rule),
        cmocka_unit_test(test_aliased_refit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
