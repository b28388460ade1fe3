/* estimators/nt_toe: effects by an observed group (nt_toe_data.eff_group,
   `[estimator] toe_effect_by`; docs/toe.md). (a) By hand: test_toe.c's
   three persons twice, persons 1-3 in group 0 and their copies 4-6 in
   group 1; with equal coefficients in both groups the grouped likelihood
   is the ungrouped one (twice test_toe.c's), with group 1's own lock-in
   and post it is the hand sum below; K = 1 and 2; the gradient (with
   job-loss cells, one post column per group) against central differences;
   a group without an exit in an effect piece, and a group code that is not
   constant within a person, are input errors. (b) Golden numbers from base R
   optim (scripts/reference/toe_group_golden.R): tests/data/toe_small.csv
   with its job-loss cells, effects and the job-loss post effect by x2,
   K = 1 and 2, and K = 1 against three glm(binomial(cloglog)) fits. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_toe.h"
#include "estimators/nt_toe_model.h"
#include "tests/surv_testdata.h"
#include "tests/toe_tiny.h"
#include "tests/toe_small.h"

static double F(double mu) { return log(-expm1(-mu)); }

/* Six persons: test_toe.c's three (group 0) and a copy of them (group 1).
   theta = (a_e, lock_0, post_0, lock_1, post_1, a_p). With (0, log .5,
   log 2, log .5, log 2, log .25) both groups have test_toe.c's effects:
   K = 1 log L = 2 x -9.095548686328112. With group 1's lock-in log .25 and
   post log 4 (exit mu .25 and 4 there):
     l_4 = -1 - .25 + F(4) + F(.25)   (the copy of person 1: lock-in month, post exit)
     l_5 = -2.5
     l_6 = -1 + F(.25) + F(.25)       (entry, exit in the lock-in)
     log L = -9.095548686328112 - 4.75 + F(4) + 3 F(.25) = -18.390108781492096.
   K = 2, type 2 as in test_toe.c ((v_e, v_p) = (log 2, log 3), pi = .5):
     l_4(2) = -2.5 + F(8) + F(.75), l_5(2) = -5.5, l_6(2) = -2 + F(.75) + F(.5);
     log L_4..6 = -2.9420952895343673, -3.144559828986203, -3.7701624224530867,
     log L = -9.774209376970340 + their sum = -19.631026917944. */
static const long g_person[] = {1, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6};
static const int g_group[] = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
static double g_col[5][14];
static const char *const g_names[] = {"[a]", "[b]"};

static nt_toe_data six(void)
{
    nt_toe_data t7 = tiny_exit_entry();
    const double *src[5] = {t7.period, t7.y_exit, t7.y_entry, t7.since_entry, t7.in_program};
    for (int c = 0; c < 5; c++)
        for (int r = 0; r < 14; r++) g_col[c][r] = src[c][r % 7];
    return (nt_toe_data){.n = 14, .person = g_person, .period = g_col[0], .y_exit = g_col[1], .y_entry = g_col[2],
                         .since_entry = g_col[3], .in_program = g_col[4], .eff_group = g_group, .n_eff_groups = 2,
                         .eff_group_names = g_names};
}

static void test_toe_groups_hand(void **state)
{
    (void)state;
    nt_toe_data d = six();
    nt_toe_opts o = {0};
    nt_toe_model *m = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    assert_int_equal(m->p_base, 6);
    assert_int_equal(m->n_eff, 4);
    assert_string_equal(m->base_name[1], "exit:lockin[a]");
    assert_string_equal(m->base_name[2], "exit:post[a]");
    assert_string_equal(m->base_name[3], "exit:lockin[b]");
    assert_string_equal(m->base_name[4], "exit:post[b]");
    double eq1[] = {0, log(0.5), log(2), log(0.5), log(2), log(0.25)}, ll;
    assert_int_equal(nt_toe_model_eval(m, 1, eq1, &ll, NULL, NULL), 0);
    expect_near(ll, 2 * -9.095548686328112, 1e-12);
    double eq2[] = {0, log(0.5), log(2), log(0.5), log(2), log(0.25), log(2), log(3), 0};
    assert_int_equal(nt_toe_model_eval(m, 2, eq2, &ll, NULL, NULL), 0);
    expect_near(ll, 2 * -9.774209376970340, 1e-12);
    double th1[] = {0, log(0.5), log(2), log(0.25), log(4), log(0.25)};
    assert_int_equal(nt_toe_model_eval(m, 1, th1, &ll, NULL, NULL), 0);
    expect_near(ll, -9.095548686328112 - 4.75 + F(4) + 3 * F(0.25), 1e-12);
    expect_near(ll, -18.390108781492096, 1e-12);
    double th2[] = {0, log(0.5), log(2), log(0.25), log(4), log(0.25), log(2), log(3), 0};
    assert_int_equal(nt_toe_model_eval(m, 2, th2, &ll, NULL, NULL), 0);
    expect_near(ll, -19.631026917944, 1e-11);
    /* the score of group 1's post effect at K = 1 by hand: the one post exit, g(4) = 4 / (e^4 - 1) */
    double g[6];
    assert_int_equal(nt_toe_model_eval(m, 1, th1, &ll, g, NULL), 0);
    expect_near(g[4], 4 / expm1(4.0), 1e-13);
    expect_near(g[3], -0.25 + 0.25 / expm1(0.25), 1e-13);
    double gw1 = grad_check(m, 1, th1), gw2 = grad_check(m, 2, th2);
    nt_toe_model_free(m);
    /* with job-loss cells: one post column per group (T 1[group a], T 1[group b]) */
    static const long cp[] = {1, 1, 3, 3, 4, 4, 6, 6};
    static const int cpc[] = {0, 1, 0, 1, 0, 1, 0, 1};
    static const double cat[] = {2, 3, 1, 2, 2, 3, 1, 2}, cev[] = {1, 0, 1, 1, 1, 0, 1, 1};
    static const double z[] = {1, 1, 0, 0, 0, 0, 0, 0, /* post[a] */ 0, 0, 0, 0, 1, 1, 0, 0 /* post[b] */};
    d.n_loss = 8;
    d.loss_person = cp;
    d.loss_piece = cpc;
    d.n_loss_pieces = 2;
    d.loss_at = cat;
    d.loss_ev = cev;
    d.loss_z = z;
    d.nz = 2;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    assert_int_equal(m->p_base, 10);
    double th3[] = {0.1, -0.3, 0.2, -0.5, 0.6, -1, -0.6, -1.3, 0.4, -0.2,
                    0.5, -0.4, 0.3, -1.2, 0.7, -0.8, -0.2, 0.3};
    double gw3 = grad_check(m, 1, th3), gw4 = grad_check(m, 2, th3), gw5 = grad_check(m, 3, th3);
    printf("groups: gradient vs central differences, max rel. error K=1 %.2e, K=2 %.2e; with job loss K=1 %.2e, "
           "K=2 %.2e, K=3 %.2e\n", gw1, gw2, gw3, gw4, gw5);
    assert_true(gw1 < 1e-7 && gw2 < 1e-7 && gw3 < 1e-7 && gw4 < 1e-7 && gw5 < 1e-7);
    nt_toe_model_free(m);
}

static void test_toe_groups_errors(void **state)
{
    (void)state;
    nt_toe_opts o = {0};
    nt_toe_model *m = NULL;
    nt_error err = {0};
    nt_toe_data d = six();
    static const int mixed[] = {0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
    d.eff_group = mixed;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "not constant within person 1"));
    d = six();
    static const int out[] = {0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 1, 1, 1, 1};
    d.eff_group = out;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "outside 0..1"));
    d = six();
    static const int no_b_post[] = {0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1};
    d.eff_group = no_b_post; /* group b: persons 2, 5 and 6, no exit after a programme */
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "exit:post[b]"));
}

static void test_toe_groups_golden(void **state)
{
    (void)state;
    toe_small s = toe_small_load(TOE_SMALL_LOSS | TOE_SMALL_GROUPS);
    nt_toe_opts o = small_opts(0, 0);
    double worst_c = 0, worst_se = 0;
    for (int K = 1; K <= 2; K++) {
        tcsv *g = tcsv_read(K == 1 ? "golden/toe_group_k1.csv" : "golden/toe_group_k2.csv");
        assert_non_null(g);
        o.k_min = o.k_max = K;
        nt_toe_result *r = NULL;
        nt_error err = {0};
        assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
        assert_int_equal(r->p, g->nrow);
        assert_true(r->converged);
        printf("groups K = %d: loglik %.10f (R %.10f), %d iterations\n", K, r->loglik, tcsv_num(g, 0, "loglik"),
               r->iterations);
        expect_rel(r->loglik, tcsv_num(g, 0, "loglik"), 1e-9);
        expect_golden_rows(r, g, &worst_c, &worst_se);
        nt_toe_result_free(r);
        tcsv_free(g);
    }
    printf("groups golden: max error coef %.2e (relative to max(1, |coef|)), se %.2e (relative)\n", worst_c,
           worst_se);
    tcsv *gl = tcsv_read("golden/toe_group_glm.csv");
    assert_non_null(gl);
    o.k_min = o.k_max = 1;
    nt_toe_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
    for (long j = 0; j < gl->nrow; j++) {
        expect_name(r->name[j], tcsv_str(gl, j, "name"));
        expect_near(r->coef[j], tcsv_num(gl, j, "coef"), 1e-6 * fmax(1, fabs(tcsv_num(gl, j, "coef"))));
    }
    nt_toe_result_free(r);
    tcsv_free(gl);
    toe_small_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toe_groups_hand),
        cmocka_unit_test(test_toe_groups_errors),
        cmocka_unit_test(test_toe_groups_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
