/* estimators/nt_dynamic: the dynamic estimand on hand-made panels. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dynamic.h"
#include "core/nt_rng.h"
#include "estimators/nt_match.h"

/* The test's own panel arrays, and the estimator's view of them. */
typedef struct {
    long n;
    int months, n_risk, n_outcomes, p;
    int32_t *treat_month, *treat_type, *n_observed, *admin_observed;
    double *treat_cost, *x;
    uint8_t *on_index, *emp_before, *included;
    float **outcome;
    char **term;
} tpanel;

static nt_dyn_panel *view(const tpanel *p)
{
    static nt_dyn_panel v;
    v = (nt_dyn_panel){.n = p->n, .months = p->months, .treat_month = p->treat_month,
                       .treat_type = p->treat_type, .treat_cost = p->treat_cost, .n_observed = p->n_observed,
                       .admin_observed = p->admin_observed, .n_risk = p->n_risk, .on_index = p->on_index,
                       .emp_before = p->emp_before, .n_outcomes = p->n_outcomes,
                       .outcome = (const float *const *)p->outcome, .p = p->p, .x = p->x,
                       .term = (const char *const *)p->term, .included = p->included};
    return &v;
}

static void tpanel_free(tpanel *p)
{
    free(p->treat_month); free(p->treat_type); free(p->treat_cost); free(p->n_observed);
    free(p->admin_observed); free(p->on_index); free(p->emp_before); free(p->included);
    for (int o = 0; o < p->n_outcomes; o++) free(p->outcome[o]);
    free(p->outcome); free(p->x);
    for (int j = 0; j < p->p; j++) free(p->term[j]);
    free(p->term);
    free(p);
}

/* Seven persons, one binary covariate x, start month 0 only, 4 months.
     person x  treat  employed months 0..3     note
     P0     0  k=0    0 0 1 1
     P1     0  -      0 1 1 0
     P2     0  -      1 1 . .                  censored from month 2
     P3     1  k=0    0 1 1 1
     P4     1  -      0 0 0 1
     P5     1  k=0    0 0 0 0
     P6     1  k=2    1 0 1 1                  starts later: a control at 0
     P7     1  k=0 (type 2)  -                 another type at k: neither
   The logit on (1, x) is saturated: e = 1/3 for x = 0 (P0 of P0..P2) and
   1/2 for x = 1 (P3, P5 of P3..P6), so within a cell all scores are equal
   and NN with replacement gives every treated the cell's controls as a tie
   with weight 1/2 each: P0 <- {P1, P2}; P3, P5 <- {P4, P6}.
     tau 0: P0 0-(0+1)/2, P3 0-(0+1)/2, P5 0-(0+1)/2       -> ATT -0.5
     tau 1: P0 0-(1+1)/2 = -1, P3 1-0 = 1, P5 0-0 = 0      -> ATT 0
     tau 2: P0 1-1 (P2 censored, P1 renormalised to 1) = 0,
            P3 1-(0+1)/2 = .5, P5 0-.5 = -.5               -> ATT 0
   IPW (ATT weights e/(1-e): .5 for x = 0, 1 for x = 1):
     tau 0: treated mean 0, controls (.5*0+.5*1+0+1)/3 = .5 -> -0.5
     tau 1: 1/3 - (.5+.5+0+0)/3 = 0
     tau 2: 2/3 - (.5*1 + 1*0 + 1*1)/2.5 = 2/3 - .6        -> 0.0666...  */
static tpanel *tiny_panel(void)
{
    static const int tm[8] = {0, -1, -1, 0, -1, 0, 2, 0};
    static const int tt[8] = {1, 0, 0, 1, 0, 1, 1, 2};
    static const int nobs[8] = {4, 4, 2, 4, 4, 4, 4, 4};
    static const double x[8] = {0, 0, 0, 1, 1, 1, 1, 1};
    static const float y[8][4] = {{0, 0, 1, 1}, {0, 1, 1, 0}, {1, 1, NAN, NAN}, {0, 1, 1, 1},
                                  {0, 0, 0, 1}, {0, 0, 0, 0}, {1, 0, 1, 1}, {1, 1, 1, 1}};
    tpanel *p = calloc(1, sizeof *p);
    p->n = 8;
    p->months = 4;
    p->n_risk = 1;
    p->treat_month = malloc(8 * sizeof(int32_t));
    p->treat_type = malloc(8 * sizeof(int32_t));
    p->treat_cost = malloc(8 * sizeof(double));
    p->n_observed = malloc(8 * sizeof(int32_t));
    p->admin_observed = malloc(8 * sizeof(int32_t));
    p->on_index = malloc(8);
    p->emp_before = calloc(8, 1);
    p->included = malloc(8);
    p->n_outcomes = 1;
    p->outcome = malloc(sizeof(float *));
    p->outcome[0] = malloc(32 * sizeof(float));
    p->p = 1;
    p->x = malloc(8 * sizeof(double));
    p->term = malloc(sizeof(char *));
    p->term[0] = strdup("x");
    for (int i = 0; i < 8; i++) {
        p->treat_month[i] = tm[i];
        p->treat_type[i] = tt[i];
        p->treat_cost[i] = tm[i] == 0 ? 1000.0 * (i + 1) : NAN;
        p->n_observed[i] = nobs[i];
        p->admin_observed[i] = 4;
        p->on_index[i] = 1;
        p->included[i] = 1;
        p->x[i] = x[i];
        for (int t = 0; t < 4; t++) p->outcome[0][i * 4 + t] = y[i][t];
    }
    return p;
}

static void run(nt_method method, nt_dyn_result **r)
{
    tpanel *p = tiny_panel();
    long units[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    nt_dyn_opts o;
    nt_dyn_opts_default(&o);
    o.program = 1;
    o.start_first = o.start_last = 0;
    o.start_interval = 1;
    o.horizon = 3;
    o.method = method;
    o.caliper = 0;
    o.min_treated = 1;
    o.full = 1;
    nt_error err;
    nt_status s = nt_dyn_estimate(view(p), units, 8, &o, r, &err);
    if (s) fail_msg("nt_dyn_estimate: %s", err.msg);
    tpanel_free(p);
}

static void test_nn_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r;
    run(NT_METHOD_NN, &r);
    expect_near(r->att[0], -0.5, 1e-12);
    expect_near(r->att[1], 0.0, 1e-12);
    expect_near(r->att[2], 0.0, 1e-12);
    assert_int_equal(r->n_treated[0], 3);
    assert_int_equal(r->n_treated_matched[2], 3);
    assert_int_equal(r->n_control_used[0], 4);
    assert_int_equal(r->n_control_used[2], 3);
    assert_int_equal(r->n_control, 4);
    assert_int_equal(r->k_treated[0], 3);     /* P7 (another type) is neither */
    assert_int_equal(r->k_controls[0], 4);    /* P6 counts: it starts later */
    /* Full follow-up by the data end for all treated: ATT_fixed = ATT. */
    expect_near(r->att_fixed[1], 0.0, 1e-12);
    /* Matched treated costs 1000, 4000, 6000. */
    expect_near(r->cost_mean, 11000.0 / 3.0, 1e-9);
    /* Balance: x is exactly balanced after matching within cells. */
    assert_int_equal(r->n_bal, 1);
    expect_near(r->bal[0].mean_treated, 2.0 / 3.0, 1e-12);
    expect_near(r->bal[0].mean_treated_after, 2.0 / 3.0, 1e-12);
    expect_near(r->bal[0].mean_control_after, 2.0 / 3.0, 1e-12);
    expect_near(r->bal[0].smd_after, 0.0, 1e-12);
    nt_dyn_result_free(r);
}

static void test_ipw_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r;
    run(NT_METHOD_IPW, &r);
    expect_near(r->att[0], -0.5, 1e-9);
    expect_near(r->att[1], 0.0, 1e-9);
    expect_near(r->att[2], 2.0 / 3.0 - 0.6, 1e-9);
    nt_dyn_result_free(r);
}

static void test_too_few_treated_skips(void **state)
{
    (void)state;
    tpanel *p = tiny_panel();
    long units[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    nt_dyn_opts o;
    nt_dyn_opts_default(&o);
    o.program = 1;
    o.start_first = o.start_last = 0;
    o.start_interval = 1;
    o.horizon = 3;
    o.min_treated = 10;
    nt_dyn_result *r;
    nt_error err;
    assert_int_equal(nt_dyn_estimate(view(p), units, 8, &o, &r, &err), NT_OK);
    assert_int_equal(r->n_skipped, 1);
    assert_int_equal(r->k_skipped[0], 1);
    assert_true(isnan(r->att[0]));
    nt_dyn_result_free(r);
    tpanel_free(p);
}


/* A random panel: 600 persons, a continuous covariate (so different persons
   never tie on the score), starts in months 0..2, censoring. */
static tpanel *random_panel(void)
{
    const long n = 600;
    const int months = 10, nr = 3;
    nt_rng r;
    nt_rng_init(&r, 99, 0);
    tpanel *p = calloc(1, sizeof *p);
    p->n = n;
    p->months = months;
    p->n_risk = nr;
    p->treat_month = malloc((size_t)n * sizeof(int32_t));
    p->treat_type = malloc((size_t)n * sizeof(int32_t));
    p->treat_cost = malloc((size_t)n * sizeof(double));
    p->n_observed = malloc((size_t)n * sizeof(int32_t));
    p->admin_observed = malloc((size_t)n * sizeof(int32_t));
    p->on_index = malloc((size_t)n * nr);
    p->emp_before = calloc((size_t)n * nr, 1);
    p->included = malloc((size_t)n);
    p->n_outcomes = 1;
    p->outcome = malloc(sizeof(float *));
    p->outcome[0] = malloc((size_t)n * months * sizeof(float));
    p->p = 1;
    p->x = malloc((size_t)n * sizeof(double));
    p->term = malloc(sizeof(char *));
    p->term[0] = strdup("x");
    for (long i = 0; i < n; i++) {
        double x = nt_rng_normal(&r);
        p->x[i] = x;
        p->treat_month[i] = -1;
        for (int k = 0; k < nr && p->treat_month[i] < 0; k++)
            if (nt_rng_uniform(&r) < 1 / (1 + exp(1.5 - 0.8 * x))) p->treat_month[i] = k;
        p->treat_type[i] = p->treat_month[i] >= 0;
        p->treat_cost[i] = NAN;
        p->n_observed[i] = nt_rng_uniform(&r) < 0.2 ? 3 + (int)nt_rng_below(&r, 7) : months;
        p->admin_observed[i] = months;
        p->included[i] = 1;
        for (int k = 0; k < nr; k++) p->on_index[i * nr + k] = 1;
        for (int t = 0; t < months; t++)
            p->outcome[0][i * months + t] = t < p->n_observed[i] ? (float)(100 * x + 10 * t + 5 * nt_rng_normal(&r)) : NAN;
    }
    return p;
}

/* A bootstrap draw given as copies and as counts gives the same effects. */
static void test_counts_equal_copies(void **state)
{
    (void)state;
    tpanel *p = random_panel();
    nt_rng r;
    nt_rng_init(&r, 5, 1);
    long n = p->n, *cnt = calloc((size_t)n, sizeof *cnt);
    for (long i = 0; i < n; i++) cnt[nt_rng_below(&r, (uint64_t)n)]++;
    long *copies = malloc((size_t)n * sizeof *copies), *distinct = malloc((size_t)n * sizeof *distinct);
    long *dc = malloc((size_t)n * sizeof *dc), nc = 0, nd = 0;
    for (long i = 0; i < n; i++) {
        for (long c = 0; c < cnt[i]; c++) copies[nc++] = i;
        if (cnt[i]) { distinct[nd] = i; dc[nd++] = cnt[i]; }
    }
    const nt_method methods[] = {NT_METHOD_NN, NT_METHOD_RADIUS, NT_METHOD_KERNEL, NT_METHOD_IPW, NT_METHOD_AIPW};
    for (int mi = 0; mi < 5; mi++) {
        nt_dyn_opts o;
        nt_dyn_opts_default(&o);
        o.program = 1;
        o.start_first = 0;
        o.start_last = 2;
        o.start_interval = 3;
        o.horizon = 6;
        o.method = methods[mi];
        o.caliper = 0.2;
        o.min_treated = 5;
        /* Copies and weights start IRLS from different points (R's binomial
           mustart depends on the weights), so converge both to the MLE. */
        o.glm_epsilon = 1e-13;
        nt_dyn_result *a, *b;
        nt_error err;
        assert_int_equal(nt_dyn_estimate(view(p), copies, nc, &o, &a, &err), NT_OK);
        o.unit_count = dc;
        assert_int_equal(nt_dyn_estimate(view(p), distinct, nd, &o, &b, &err), NT_OK);
        for (int t = 0; t < 6; t++) {
            assert_false(isnan(a->att[t]));
            /* Same MLE and the same matches: only rounding differs. */
            expect_near(b->att[t], a->att[t], 1e-10 * (1 + fabs(a->att[t])));
            assert_int_equal(b->n_treated_matched[t], a->n_treated_matched[t]);
        }
        nt_dyn_result_free(a);
        nt_dyn_result_free(b);
    }
    free(cnt);
    free(copies);
    free(distinct);
    free(dc);
    tpanel_free(p);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nn_tiny),
        cmocka_unit_test(test_ipw_tiny),
        cmocka_unit_test(test_too_few_treated_skips),
        cmocka_unit_test(test_counts_equal_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
