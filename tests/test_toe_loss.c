/* estimators/nt_toe: job loss after the exit to work as the third hazard of
   the timing-of-events model, sharing the mass points (nt_toe_data.loss_*,
   docs/toe.md). (a) The log-likelihood by hand on the three-person example
   of test_toe.c with job-loss cells, K = 1 and 2, and the analytic gradient
   (the new terms: loss coefficients and v_loss) against central
   differences; cells that break the layout. (b) Golden numbers from base R
   optim on the same likelihood (scripts/reference/toe_golden.R,
   tests/data/toe_small.csv with tests/data/toe_loss_cells.csv), K = 1 and 2,
   and K = 1 against three separate glm(binomial(cloglog)) fits. */
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

/* test_toe.c's three persons (exit and entry log L at K = 1 -9.095548686328112)
   with job-loss cells: two tenure pieces, one column T (post), theta_l =
   (a_l1, a_l2, d_l) = (log .5, log .25, log 2), so the monthly loss mu are
   exactly .5, .25 (T = 0) and 1, .5 (T = 1).
     person 1 (T = 1): piece 1, 2 months, 1 loss: F(1) - 1;  piece 2, 3 months, 0 losses: -1.5
     person 3 (T = 0): piece 1, 1 month, 1 loss: F(.5);      piece 2, 2 months, 1 loss: F(.25) - .25
   A cell with m months and e losses adds e F(mu) - (m - e) mu.
     K = 1: log L = -9.095548686328112 + F(1) - 2.5 + F(.5) + F(.25) - .25 = -14.745667510728413
   K = 2: type 2 with (v_e, v_p, v_l) = (log 2, log 3, log 2), pi = .5 / .5: the
   loss mu double (person 1: F(2) - 5, person 3: F(1) + F(.5) - .5); with
   test_toe.c's l_i(2): log L_i = -6.740281089248006, -3.144559828986203,
   -5.405938878802525, log L = -15.290779797036734. */
static const long cell_person[] = {1, 1, 3, 3};
static const int cell_piece[] = {0, 1, 0, 1};
static const double cell_at[] = {2, 3, 1, 2}, cell_ev[] = {1, 0, 1, 1}, cell_post[] = {1, 1, 0, 0};

static nt_toe_data tiny_data(void)
{
    nt_toe_data d = tiny_exit_entry();
    d.n_loss = 4;
    d.loss_person = cell_person;
    d.loss_piece = cell_piece;
    d.n_loss_pieces = 2;
    d.loss_at = cell_at;
    d.loss_ev = cell_ev;
    d.loss_z = cell_post;
    d.nz = 1;
    return d;
}

static void test_toe_loss_hand(void **state)
{
    (void)state;
    nt_toe_data d = tiny_data();
    nt_toe_opts o = {0};
    nt_toe_model *m = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    assert_int_equal(m->p_base, 7);
    assert_int_equal(m->nv, 3);
    assert_int_equal(nt_toe_model_np(m, 2), 11);
    assert_string_equal(m->base_name[4], "loss:piece1");
    assert_string_equal(m->base_name[6], "loss:z1");
    double th1[] = {0, log(0.5), log(2), log(0.25), log(0.5), log(0.25), log(2)}, ll;
    assert_int_equal(nt_toe_model_eval(m, 1, th1, &ll, NULL, NULL), 0);
    expect_near(ll, -9.095548686328112 + F(1) - 2.5 + F(0.5) + F(0.25) - 0.25, 1e-13);
    expect_near(ll, -14.745667510728413, 1e-13);
    double th2[] = {0, log(0.5), log(2), log(0.25), log(0.5), log(0.25), log(2), log(2), log(3), log(2), 0};
    assert_int_equal(nt_toe_model_eval(m, 2, th2, &ll, NULL, NULL), 0);
    expect_near(ll, -15.290779797036734, 1e-13);
    /* the loss block's score at K = 1 by hand: d/d a_l1 = sum over piece-1 cells of
       e g(mu) - (m - e) mu, g(mu) = mu / (e^mu - 1) */
    double g[7];
    assert_int_equal(nt_toe_model_eval(m, 1, th1, &ll, g, NULL), 0);
    double gf1 = 1 / expm1(1.0), gf5 = 0.5 / expm1(0.5), gf25 = 0.25 / expm1(0.25);
    expect_near(g[4], (gf1 - 1) + gf5, 1e-13);
    expect_near(g[5], -1.5 + (gf25 - 0.25), 1e-13);
    expect_near(g[6], (gf1 - 1) - 1.5, 1e-13);
    double th3[] = {0.1, -0.3, 0.2, -1, -0.6, -1.3, 0.4, 0.5, -0.4, 0.3, -1.2, 0.7, -0.8, -0.2, 0.3};
    double gw1 = grad_check(m, 1, th1), gw2 = grad_check(m, 2, th2), gw3 = grad_check(m, 3, th3);
    printf("tiny with job loss: gradient vs central differences, max rel. error K=1 %.2e, K=2 %.2e, K=3 %.2e\n",
           gw1, gw2, gw3);
    assert_true(gw1 < 1e-7 && gw2 < 1e-7 && gw3 < 1e-7);
    nt_toe_model_free(m);
    /* the same likelihood without the cells is test_toe.c's */
    d.n_loss = 0;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    assert_int_equal(m->nv, 2);
    assert_int_equal(nt_toe_model_eval(m, 1, th1, &ll, NULL, NULL), 0);
    expect_near(ll, -9.095548686328112, 1e-13);
    nt_toe_model_free(m);
}

static void test_toe_loss_layout_errors(void **state)
{
    (void)state;
    nt_toe_opts o = {0};
    nt_toe_model *m = NULL;
    nt_error err = {0};
    nt_toe_data d = tiny_data();
    static const long unknown[] = {1, 1, 3, 4};
    d.loss_person = unknown;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "cell 4"));
    d = tiny_data();
    static const long unordered[] = {3, 3, 1, 1};
    d.loss_person = unordered;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "person order"));
    d = tiny_data();
    static const double too_many[] = {2, 3, 1, 3};
    d.loss_ev = too_many;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "cell 4"));
    d = tiny_data();
    static const double none[] = {1, 0, 1, 0};
    d.loss_ev = none; /* piece 2 without a loss: its MLE is -Inf */
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "job losses"));
}


static void test_toe_loss_golden(void **state)
{
    (void)state;
    toe_small s = toe_small_load(TOE_SMALL_LOSS);
    nt_toe_opts o = small_opts(0, 0);
    double worst_c = 0, worst_se = 0;
    for (int K = 1; K <= 2; K++) {
        tcsv *g = tcsv_read(K == 1 ? "golden/toe_loss_k1.csv" : "golden/toe_loss_k2.csv");
        assert_non_null(g);
        o.k_min = o.k_max = K;
        nt_toe_result *r = NULL;
        nt_error err = {0};
        assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
        assert_int_equal(r->p, g->nrow);
        assert_int_equal(r->nv, 3);
        assert_true(r->converged);
        printf("loss K = %d: loglik %.10f (R %.10f), %d iterations\n", K, r->loglik, tcsv_num(g, 0, "loglik"),
               r->iterations);
        expect_rel(r->loglik, tcsv_num(g, 0, "loglik"), 1e-9);
        expect_rel(r->aic, tcsv_num(g, 0, "aic"), 1e-9);
        expect_golden_rows(r, g, &worst_c, &worst_se);
        if (K == 2) {
            expect_near(r->v_loss[1], r->coef[18], 0);
            expect_near(r->prob[0] + r->prob[1], 1, 1e-15);
        }
        nt_toe_result_free(r);
        tcsv_free(g);
    }
    printf("loss golden: max error coef %.2e (relative to max(1, |coef|)), se %.2e (relative)\n", worst_c, worst_se);
    /* K = 1: three independent cloglog models (R glm, the cells binomial with weights = months) */
    tcsv *gl = tcsv_read("golden/toe_loss_glm.csv");
    o.k_min = o.k_max = 1;
    nt_toe_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
    double worst = 0;
    for (long j = 0; j < gl->nrow; j++) {
        expect_name(r->name[j], tcsv_str(gl, j, "name"));
        expect_near(r->coef[j], tcsv_num(gl, j, "coef"), 1e-6 * fmax(1, fabs(tcsv_num(gl, j, "coef"))));
        worst = fmax(worst, fabs(r->coef[j] - tcsv_num(gl, j, "coef")) / fmax(1, fabs(tcsv_num(gl, j, "coef"))));
    }
    expect_rel(r->loglik, tcsv_num(gl, 0, "loglik"), 1e-9);
    printf("K = 1 vs glm(cloglog) x 3: max coef difference %.2e, loglik %.10f vs %.10f\n", worst, r->loglik,
           tcsv_num(gl, 0, "loglik"));
    nt_toe_result_free(r);
    tcsv_free(gl);
    /* the gradient on these data, K = 2 and 3 (the golden's K = 2 plus a third point) */
    nt_toe_model *m = NULL;
    o.k_min = 1;
    o.k_max = 3;
    assert_int_equal(nt_toe_model_alloc(&s.d, &o, &m, &err), NT_OK);
    double th[24] = {-2, -2.7, -3.1, 0.4, -0.2, -0.2, 1, -3, -2.6, -0.3, 0.3, -2.3, -2.6, -3.3, 0.15, -0.7,
                     -0.6, 2, 1.2, -2.3};
    double g2 = grad_check(m, 2, th);
    double th3[24];
    memcpy(th3, th, 16 * sizeof *th);
    double mp[8] = {-0.6, 2, 1.2, 0.5, -0.5, -0.5, -2.3, -1.5};
    memcpy(th3 + 16, mp, sizeof mp);
    double g3 = grad_check(m, 3, th3);
    printf("toe_small with job loss: gradient vs central differences, max rel. error K=2 %.2e, K=3 %.2e\n", g2, g3);
    /* log L ~ -2100: the central difference's rounding alone is ~ 2e-16 * 2100 / 1e-6 = 4e-7 */
    assert_true(g2 < 5e-6 && g3 < 5e-6);
    nt_toe_model_free(m);
    toe_small_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toe_loss_hand),
        cmocka_unit_test(test_toe_loss_layout_errors),
        cmocka_unit_test(test_toe_loss_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
