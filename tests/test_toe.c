/* estimators/nt_toe: the timing-of-events model (bivariate discrete-time
   MPH). (a) the log-likelihood by hand on three persons, K = 1 and 2, and
   the analytic gradient against finite differences; (b) golden numbers
   from base R optim on the same likelihood (scripts/reference/toe_golden.R)
   and K = 1 against two glm(binomial(cloglog)) fits; (c) the truth of a
   simulated two-type population: K = 2 recovers the lock-in and post-
   programme effects within 4 SE, K = 1 does not. */
#include "tests/nt_test.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_toe.h"
#include "estimators/nt_toe_model.h"
#include "tests/surv_testdata.h"
#include "tests/toe_tiny.h"
#include "tests/toe_small.h"

/* Three persons, one baseline piece per hazard, no covariates; effects
   "lockin" (in_program = 1) and "post"; theta = (a_e, d_lockin, d_post, a_p)
   = (0, log .5, log 2, log .25), so the monthly exp(eta) are exactly
   1 (untreated), .5 (lock-in), 2 (post) for exit and .25 for entry.
     person 1: t = 1 enters; t = 2 in the programme; t = 3 exits to work (post)
     person 2: t = 1, 2 nothing (censored)
     person 3: t = 1 enters; t = 2 exits to work in the lock-in
   With F(mu) = log(1 - exp(-mu)) (event) and -mu (no event):
     K = 1: l_1 = -1 - .5 + F(2) + F(.25)  = -3.154105007315
            l_2 = -2 - .5                   = -2.5
            l_3 = -1 + F(.5) + F(.25)       = -3.441443679013
            log L = -9.095548686328112
   K = 2 adds type 2 with (v_e, v_p) = (log 2, log 3) and c_2 = 0 (pi = .5, .5),
   which doubles every exit mu and triples every entry mu:
            l_1(2) = -2 - 1 + F(4) + F(.75) = -3.657838911866
            l_2(2) = -4 - 1.5               = -5.5
            l_3(2) = -2 + F(1) + F(.75)     = -3.098028610427
     log L_i = log(.5 exp(l_i(1)) + .5 exp(l_i(2))) = -3.374583266800485,
     -3.144559828986203, -3.255066281183651; log L = -9.774209376970340. */


static void test_toe_hand(void **state)
{
    (void)state;
    nt_toe_data d = tiny_exit_entry();
    nt_toe_opts o = {0};
    nt_toe_model *m = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    assert_int_equal(m->p_base, 4);
    assert_string_equal(m->base_name[1], "exit:lockin");
    assert_string_equal(m->base_name[3], "entry:");
    double th1[] = {0, log(0.5), log(2), log(0.25)}, ll;
    assert_int_equal(nt_toe_model_eval(m, 1, th1, &ll, NULL, NULL), 0);
    expect_near(ll, -9.095548686328112, 1e-13);
    double th2[] = {0, log(0.5), log(2), log(0.25), log(2), log(3), 0};
    assert_int_equal(nt_toe_model_eval(m, 2, th2, &ll, NULL, NULL), 0);
    expect_near(ll, -9.774209376970340, 1e-13);
    double gw1 = grad_check(m, 1, th1), gw2 = grad_check(m, 2, th2);
    double th3[] = {0.1, -0.3, 0.2, -1, 0.5, -0.4, -1.2, 0.7, -0.2, 0.3};
    double gw3 = grad_check(m, 3, th3);
    printf("tiny: gradient vs central differences, max rel. error K=1 %.2e, K=2 %.2e, K=3 %.2e\n", gw1, gw2, gw3);
    assert_true(gw1 < 1e-7 && gw2 < 1e-7 && gw3 < 1e-7);
    nt_toe_model_free(m);
}

static void test_toe_layout_errors(void **state)
{
    (void)state;
    nt_error err = {0};
    nt_toe_opts o = {0};
    nt_toe_model *m = NULL;
    nt_toe_data d = tiny_exit_entry();
    long bad_person[] = {1, 1, 1, 2, 2, 1, 1};
    d.person = bad_person;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "non-decreasing"));
    d = tiny_exit_entry();
    double early_exit[] = {0, 1, 1, 0, 0, 0, 1};
    d.y_exit = early_exit;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "before the last row"));
    d = tiny_exit_entry();
    double no_exit[] = {0, 0, 0, 0, 0, 0, 1};
    d.y_exit = no_exit; /* the post effect has no exit event: its MLE is -Inf */
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "exit:post"));
    d = tiny_exit_entry();
    nt_toe_result *r = NULL;
    o.k_min = 3;
    o.k_max = 2;
    assert_int_equal(nt_toe_fit(&d, &o, &r, &err), NT_EUSAGE);
    assert_null(r);
}


/* Golden: scripts/reference/toe_golden.R (optim BFGS + Newton polish, same
   parameterisation and canonical labels) on tests/data/toe_small.csv. */
static void test_toe_golden(void **state)
{
    (void)state;
    toe_small s = toe_small_load(0);
    double worst_c = 0, worst_se = 0, worst_ll = 0;
    for (int K = 1; K <= 2; K++) {
        tcsv *g = tcsv_read(K == 1 ? "golden/toe_k1.csv" : "golden/toe_k2.csv");
        assert_non_null(g);
        nt_toe_opts o = small_opts(K, K);
        nt_toe_result *r = NULL;
        nt_error err = {0};
        assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
        assert_int_equal(r->K, K);
        assert_int_equal(r->p, g->nrow);
        assert_true(r->converged);
        printf("K = %d: loglik %.10f (R %.10f), %d iterations\n", K, r->loglik, tcsv_num(g, 0, "loglik"),
               r->iterations);
        expect_rel(r->loglik, tcsv_num(g, 0, "loglik"), 1e-6);
        expect_rel(r->aic, tcsv_num(g, 0, "aic"), 1e-6);
        expect_rel(r->bic, tcsv_num(g, 0, "bic"), 1e-6);
        worst_ll = fmax(worst_ll, fabs(r->loglik / tcsv_num(g, 0, "loglik") - 1));
        for (long j = 0; j < g->nrow; j++) {
            expect_name(r->name[j], tcsv_str(g, j, "name"));
            double c = tcsv_num(g, j, "coef"), se = tcsv_num(g, j, "se"), sc = tcsv_num(g, j, "se_cluster");
            expect_rel(r->coef[j], c, 1e-4);
            expect_rel(r->se[j], se, 1e-4);
            expect_rel(r->se_cluster[j], sc, 1e-4);
            worst_c = fmax(worst_c, fabs(r->coef[j] - c) / fabs(c));
            worst_se = fmax(worst_se, fmax(fabs(r->se[j] / se - 1), fabs(r->se_cluster[j] / sc - 1)));
        }
        if (K == 2) {
            expect_near(r->prob[0] + r->prob[1], 1, 1e-15);
            assert_true(r->prob[0] >= r->prob[1]);
            expect_near(r->v_exit[1], r->coef[11], 0);
        }
        nt_toe_result_free(r);
        tcsv_free(g);
    }
    printf("golden: max rel. error loglik %.2e, coef %.2e, se %.2e\n", worst_ll, worst_c, worst_se);
    /* K = 1 is two independent cloglog models: R glm on the same rows */
    tcsv *gl = tcsv_read("golden/toe_glm.csv");
    nt_toe_opts o = small_opts(1, 1);
    nt_toe_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
    double worst = 0;
    for (long j = 0; j < gl->nrow; j++) {
        expect_name(r->name[j], tcsv_str(gl, j, "name"));
        expect_rel(r->coef[j], tcsv_num(gl, j, "coef"), 1e-6);
        worst = fmax(worst, fabs(r->coef[j] / tcsv_num(gl, j, "coef") - 1));
    }
    expect_rel(r->loglik, tcsv_num(gl, 0, "loglik"), 1e-9);
    printf("K = 1 vs glm(cloglog) x 2: max rel. coef difference %.2e, loglik %.12f vs %.12f\n", worst, r->loglik,
           tcsv_num(gl, 0, "loglik"));
    nt_toe_result_free(r);
    tcsv_free(gl);
    /* K chosen by AIC and by BIC (R: AIC 3037.84 at K = 1 < 3042.81 at K = 2) */
    for (int ic = 0; ic < 2; ic++) {
        o = small_opts(0, 0);
        o.ic = ic ? NT_TOE_BIC : NT_TOE_AIC;
        assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
        assert_int_equal(r->K, 1);
        assert_int_equal(r->n_fits, 2);
        assert_true(r->fits[1].loglik >= r->fits[0].loglik);
        nt_toe_result_free(r);
    }
    /* gradient on real data, K = 2 and 3 */
    nt_toe_model *m = NULL;
    o = small_opts(1, 3);
    assert_int_equal(nt_toe_model_alloc(&s.d, &o, &m, &err), NT_OK);
    double th[17] = {-2, -2.5, -3, 0.3, -0.2, -0.3, 0.8, -3, -2.5, -0.2, 0.3, 0.5, 1.5, -1, -0.5, -1, -2};
    double g2 = grad_check(m, 2, th);
    th[11] = 0.5; th[12] = 1.5; th[13] = -1; th[14] = -0.5; th[15] = -1; th[16] = -2;
    double g3 = grad_check(m, 3, th);
    printf("toe_small: gradient vs central differences, max rel. error K=2 %.2e, K=3 %.2e\n", g2, g3);
    assert_true(g2 < 1e-6 && g3 < 1e-6);
    nt_toe_model_free(m);
    toe_small_free(&s);
}

/* Rows outside a hazard's risk set (nt_toe_data.exit_risk / entry_risk):
   the tiny example with person 2's first row not at risk of the exit and
   its last row not at risk of entry. Person 2 then has one exit mu and one
   entry mu:  K = 1: l_2 = -1 - .25 = -1.25, log L = -9.095548686328112 + 1.25
   = -7.845548686328112;  K = 2: l_2(2) = -2 - .75 = -2.75, log L_2 =
   log(.5 exp(-1.25) + .5 exp(-2.75)) = -1.741733902577193, log L =
   -3.374583266800485 - 1.741733902577193 - 3.255066281183651 = -8.371383450561328. */
static void test_toe_risk_hand(void **state)
{
    (void)state;
    static const double exit_risk[] = {1, 1, 1, 0, 1, 1, 1}, entry_risk[] = {1, 1, 1, 1, 0, 1, 1};
    nt_toe_data d = tiny_exit_entry();
    d.exit_risk = exit_risk;
    d.entry_risk = entry_risk;
    nt_toe_opts o = {0};
    nt_toe_model *m = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    double th1[] = {0, log(0.5), log(2), log(0.25)}, ll;
    assert_int_equal(nt_toe_model_eval(m, 1, th1, &ll, NULL, NULL), 0);
    expect_near(ll, -7.845548686328112, 1e-13);
    double th2[] = {0, log(0.5), log(2), log(0.25), log(2), log(3), 0};
    assert_int_equal(nt_toe_model_eval(m, 2, th2, &ll, NULL, NULL), 0);
    expect_near(ll, -8.371383450561328, 1e-13);
    double th3[] = {0.1, -0.3, 0.2, -1, 0.5, -0.4, -1.2, 0.7, -0.2, 0.3};
    double gw = fmax(fmax(grad_check(m, 1, th1), grad_check(m, 2, th2)), grad_check(m, 3, th3));
    printf("tiny with rows not at risk: gradient vs central differences, max rel. error %.2e\n", gw);
    assert_true(gw < 1e-7);
    nt_toe_model_free(m);
    /* an event in a row not at risk of it */
    static const double exit_off[] = {1, 1, 0, 1, 1, 1, 1}, entry_off[] = {0, 1, 1, 1, 1, 1, 1};
    d.exit_risk = exit_off;
    d.entry_risk = NULL;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "not at risk"));
    d.exit_risk = NULL;
    d.entry_risk = entry_off;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "not at risk"));
}

/* Golden with rows not at risk: scripts/reference/toe_risk_golden.R on
   tests/data/toe_risk.csv (toe_small.csv with exit_risk = 0 in period 1 and
   entry_risk = 0 in the last row of persons without an entry). */
static void test_toe_risk_golden(void **state)
{
    (void)state;
    toe_small s = toe_small_load(TOE_SMALL_RISK);
    double worst_c = 0, worst_se = 0;
    for (int K = 1; K <= 2; K++) {
        tcsv *g = tcsv_read(K == 1 ? "golden/toe_risk_k1.csv" : "golden/toe_risk_k2.csv");
        assert_non_null(g);
        nt_toe_opts o = small_opts(K, K);
        nt_toe_result *r = NULL;
        nt_error err = {0};
        assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
        assert_int_equal(r->p, g->nrow);
        assert_true(r->converged);
        printf("risk K = %d: loglik %.10f (R %.10f)\n", K, r->loglik, tcsv_num(g, 0, "loglik"));
        expect_rel(r->loglik, tcsv_num(g, 0, "loglik"), 1e-6);
        expect_golden_rows(r, g, &worst_c, &worst_se);
        nt_toe_result_free(r);
        tcsv_free(g);
    }
    printf("risk golden: max error coef %.2e (relative to max(1, |coef|)), se %.2e (relative)\n", worst_c, worst_se);
    tcsv *gl = tcsv_read("golden/toe_risk_glm.csv");
    nt_toe_opts o = small_opts(1, 1);
    nt_toe_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_fit(&s.d, &o, &r, &err), NT_OK);
    for (long j = 0; j < gl->nrow; j++) expect_rel(r->coef[j], tcsv_num(gl, j, "coef"), 1e-6);
    expect_rel(r->loglik, tcsv_num(gl, 0, "loglik"), 1e-9);
    nt_toe_result_free(r);
    tcsv_free(gl);
    toe_small_free(&s);
}

/* (c) Simulated population: two types, type 2 (probability .4) with
   v_e = v_p = 1.2, so programme entrants are disproportionally fast job
   finders. Hazards as in nt_toe.h with exit pieces (-Inf,6] (6,12] (12,Inf)
   a_e = (-2.4, -2.7, -3.0), entry pieces (-Inf,6] (6,Inf) a_p = (-3.0, -2.8),
   x1 ~ N(0,1) with b_e = .3, b_p = -.3; lock-in 4 months with d = -.5, then
   post-programme d = +.3; other exits 1% a month (independent censoring);
   at most 24 months. One RNG stream per person (seed 16, person). */
enum { SIM_N = 6000, SIM_T = 24 };
typedef struct {
    long n, *person;
    double *period, *ye, *yp, *se, *inprog, *x;
} sim_set;

static sim_set simulate(void)
{
    sim_set s = {0};
    size_t cap = (size_t)SIM_N * SIM_T;
    s.person = malloc(cap * sizeof *s.person);
    double **cols[] = {&s.period, &s.ye, &s.yp, &s.se, &s.inprog};
    for (int c = 0; c < 5; c++) *cols[c] = malloc(cap * sizeof(double));
    double *x1 = malloc(cap * sizeof *x1);
    const double a_e[] = {-2.4, -2.7, -3.0}, a_p[] = {-3.0, -2.8};
    for (long i = 0; i < SIM_N; i++) {
        nt_rng r;
        nt_rng_init(&r, 16, (uint64_t)i);
        double x = nt_rng_normal(&r), v = nt_rng_uniform(&r) < 0.4 ? 1.2 : 0.0;
        int tp = 0;
        for (int t = 1; t <= SIM_T; t++) {
            double since = tp ? t - tp : 0;
            int inprog = since > 0 && since <= 4;
            double eta_e = a_e[t <= 6 ? 0 : t <= 12 ? 1 : 2] + 0.3 * x + v + (since > 0 ? (inprog ? -0.5 : 0.3) : 0);
            int ye = nt_rng_uniform(&r) < -expm1(-exp(eta_e)), yp = 0;
            if (since == 0) yp = nt_rng_uniform(&r) < -expm1(-exp(a_p[t <= 6 ? 0 : 1] - 0.3 * x + v));
            long k = s.n++;
            s.person[k] = i;
            s.period[k] = t;
            s.ye[k] = ye;
            s.yp[k] = yp;
            s.se[k] = since;
            s.inprog[k] = inprog;
            x1[k] = x;
            if (ye) break;
            if (yp) tp = t;
            if (nt_rng_uniform(&r) < 0.01) break;
        }
    }
    s.x = x1;
    return s;
}

static void sim_free(sim_set *s)
{
    free(s->person);
    free(s->period);
    free(s->ye);
    free(s->yp);
    free(s->se);
    free(s->inprog);
    free(s->x);
}

static void test_toe_truth(void **state)
{
    (void)state;
    sim_set s = simulate();
    const char *xn[] = {"x1"};
    nt_toe_data d = {.n = s.n, .person = s.person, .period = s.period, .y_exit = s.ye, .y_entry = s.yp,
                     .since_entry = s.se, .in_program = s.inprog, .x = s.x, .nx = 1, .xnames = xn};
    nt_toe_opts o = small_opts(1, 1);
    /* the sum over person blocks is the same bytes for 1 and 2 threads */
    nt_toe_model *m = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    assert_true(m->n_blocks > 4);
    double th[] = {-2, -2.5, -3, 0.3, -0.3, 0.8, -3, -2.5, -0.2, 1, 1, -0.5}, l1, l2, g1[12], g2[12];
    omp_set_num_threads(1);
    assert_int_equal(nt_toe_model_eval(m, 2, th, &l1, g1, NULL), 0);
    omp_set_num_threads(2);
    assert_int_equal(nt_toe_model_eval(m, 2, th, &l2, g2, NULL), 0);
    assert_memory_equal(&l1, &l2, sizeof l1);
    assert_memory_equal(g1, g2, sizeof g1);
    nt_toe_model_free(m);
    /* effects by months since programme start: lock-in (0,2] (2,Inf), post (0,8] (8,Inf) */
    const double lc[] = {2}, pc[] = {8};
    o.lockin_cuts = lc;
    o.n_lockin_cuts = 1;
    o.post_cuts = pc;
    o.n_post_cuts = 1;
    assert_int_equal(nt_toe_model_alloc(&d, &o, &m, &err), NT_OK);
    assert_int_equal(m->n_eff, 4);
    assert_string_equal(m->base_name[4], "exit:lockin(0,2]");
    assert_string_equal(m->base_name[5], "exit:lockin(2,Inf)");
    assert_string_equal(m->base_name[6], "exit:post(0,8]");
    assert_string_equal(m->base_name[7], "exit:post(8,Inf)");
    double th4[14] = {-2, -2.5, -3, 0.3, -0.4, -0.6, 0.2, 0.4, -3, -2.5, -0.2, 1, 1, -0.5};
    double gw = grad_check(m, 2, th4);
    printf("effect pieces: gradient vs central differences, max rel. error %.2e\n", gw);
    assert_true(gw < 1e-5); /* central differences on a loglik of -2.4e4: noise ~ 1e-16 * 2.4e4 / 1e-6 */
    nt_toe_model_free(m);

    const double truth[2] = {-0.5, 0.3};
    nt_toe_result *r[2] = {NULL, NULL};
    for (int K = 1; K <= 2; K++) {
        o = small_opts(K, K);
        assert_int_equal(nt_toe_fit(&d, &o, &r[K - 1], &err), NT_OK);
        nt_toe_result *f = r[K - 1];
        assert_true(f->converged);
        assert_string_equal(f->name[4], "exit:lockin");
        assert_string_equal(f->name[5], "exit:post");
        printf("truth: %ld rows, %ld persons; K = %d (%d iterations) loglik %.3f AIC %.3f: lockin %.4f (se %.4f, cl %.4f), post %.4f "
               "(se %.4f, cl %.4f); truth -0.5, 0.3\n",
               f->n_rows, f->n_persons, K, f->iterations, f->loglik, f->aic, f->coef[4], f->se[4], f->se_cluster[4], f->coef[5],
               f->se[5], f->se_cluster[5]);
        if (K == 2)
            printf("  mass points (v_exit, v_entry, pi): (0, 0, %.3f) (%.3f, %.3f, %.3f); truth (0, 0, .6) (1.2, 1.2, .4)\n",
                   f->prob[0], f->v_exit[1], f->v_entry[1], f->prob[1]);
    }
    for (int e = 0; e < 2; e++) {
        /* K = 2: within 4 SE of the truth */
        assert_true(fabs(r[1]->coef[4 + e] - truth[e]) < 4 * r[1]->se_cluster[4 + e]);
        /* K = 1: the post-programme effect is biased by more than 4 SE (selection on the type) */
        if (e == 1) assert_true(fabs(r[0]->coef[4 + e] - truth[e]) > 4 * r[0]->se_cluster[4 + e]);
    }
    /* AIC prefers K = 2 here */
    assert_true(r[1]->aic < r[0]->aic);
    nt_toe_result_free(r[0]);
    nt_toe_result_free(r[1]);
    sim_free(&s);
}

/* Cells (nt_toe_model.h): the collapsed evaluation equals the row-by-row
   one. A second covariate that differs in every row (coefficient 0) keeps
   every row its own cell without changing the model; log L, the gradient
   and the person-score outer products (1 and 2 threads: the same bytes)
   must agree. */
static void test_toe_cells(void **state)
{
    (void)state;
    sim_set s = simulate();
    double *x2 = malloc((size_t)s.n * 2 * sizeof *x2);
    assert_non_null(x2);
    memcpy(x2, s.x, (size_t)s.n * sizeof *x2);
    for (long r = 0; r < s.n; r++) x2[s.n + r] = (double)r;
    const char *xn[] = {"x1", "row"};
    nt_toe_data a = {.n = s.n, .person = s.person, .period = s.period, .y_exit = s.ye, .y_entry = s.yp,
                     .since_entry = s.se, .in_program = s.inprog, .x = s.x, .nx = 1, .xnames = xn};
    nt_toe_data b = a;
    b.x = x2;
    b.nx = 2;
    nt_toe_opts o = small_opts(2, 2);
    nt_toe_model *ma = NULL, *mb = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_model_alloc(&a, &o, &ma, &err), NT_OK);
    assert_int_equal(nt_toe_model_alloc(&b, &o, &mb, &err), NT_OK);
    printf("cells: %ld rows, %ld cells (%ld covariate runs); every row its own cell: %ld\n", s.n, ma->n_cells,
           ma->xstart[ma->n_persons], mb->n_cells);
    assert_true(ma->n_cells < s.n / 2);
    assert_int_equal(mb->n_cells, s.n);
    /* theta a: a_e(3) b_e d(2) a_p(2) b_p ve vp c; b: the same with 0 for "row" after each b */
    const double ta[12] = {-2, -2.5, -3, 0.3, -0.3, 0.8, -3, -2.5, -0.2, 1, 1, -0.5};
    const int map[12] = {0, 1, 2, 3, 5, 6, 7, 8, 9, 11, 12, 13};
    double tb[14] = {0}, la, lb, ga[12], gb[14], *Ma = malloc(144 * sizeof *Ma), *Mb = malloc(196 * sizeof *Mb);
    assert_true(Ma && Mb);
    for (int j = 0; j < 12; j++) tb[map[j]] = ta[j];
    assert_int_equal(nt_toe_model_eval(ma, 2, ta, &la, ga, Ma), 0);
    assert_int_equal(nt_toe_model_eval(mb, 2, tb, &lb, gb, Mb), 0);
    double eg = 0, em = 0;
    for (int j = 0; j < 12; j++) {
        eg = fmax(eg, fabs(ga[j] - gb[map[j]]) / fmax(1, fabs(ga[j])));
        for (int k = 0; k < 12; k++) {
            double u = Ma[j * 12 + k], v = Mb[map[j] * 14 + map[k]];
            em = fmax(em, fabs(u - v) / fmax(1, fabs(u)));
        }
    }
    printf("cells vs rows: log L %.12f vs %.12f, max rel. error gradient %.2e, score outer products %.2e\n", la, lb,
           eg, em);
    expect_near(la, lb, 1e-9 * fabs(la));
    assert_true(eg < 1e-10 && em < 1e-10);
    double l1, l2, g1[12], g2[12], *M1 = malloc(144 * sizeof *M1);
    assert_non_null(M1);
    omp_set_num_threads(1);
    assert_int_equal(nt_toe_model_eval(ma, 2, ta, &l1, g1, M1), 0);
    omp_set_num_threads(2);
    assert_int_equal(nt_toe_model_eval(ma, 2, ta, &l2, g2, Ma), 0);
    assert_memory_equal(&l1, &l2, sizeof l1);
    assert_memory_equal(g1, g2, sizeof g1);
    assert_memory_equal(M1, Ma, 144 * sizeof *M1);
    free(M1);
    free(Ma);
    free(Mb);
    free(x2);
    nt_toe_model_free(ma);
    nt_toe_model_free(mb);
    sim_free(&s);
}

/* A type at the edge (nt_toe_mark_edge): 40 persons leave for work within
   four months, 40 stay 24 months without leaving or starting, 20 start in
   month 1 and leave in month 3 or 5. With two mass points the stayers'
   type has v_exit -> -Inf (no exit in 960 months at risk; v_entry too:
   they never start): the fit stops where the gradient vanishes, far
   beyond the edge; their se and robust_se are NaN, the other parameters'
   finite. */
static void test_toe_edge(void **state)
{
    (void)state;
    enum { NP = 100, MAXR = 24 };
    static long person[NP * MAXR];
    static double period[NP * MAXR], ye[NP * MAXR], yp[NP * MAXR], since[NP * MAXR], inprog[NP * MAXR];
    long n = 0;
    for (int i = 0; i < NP; i++) {
        int rows = i < 40 ? 1 + i % 4 : i < 80 ? MAXR : i < 90 ? 3 : 5;
        for (int r = 1; r <= rows; r++, n++) {
            person[n] = i;
            period[n] = r;
            ye[n] = (i < 40 || i >= 80) && r == rows;
            yp[n] = i >= 80 && r == 1;
            since[n] = i >= 80 ? r - 1 : 0;
            inprog[n] = i >= 80 && r >= 2 && r <= 3;
        }
    }
    nt_toe_data d = {.n = n, .person = person, .period = period, .y_exit = ye, .y_entry = yp,
                     .since_entry = since, .in_program = inprog};
    nt_toe_opts o = {.k_min = 2, .k_max = 2};
    nt_toe_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_toe_fit(&d, &o, &r, &err), NT_OK);
    assert_int_equal(r->K, 2);
    int edge = 0;
    for (int j = 0; j < r->p; j++) {
        int loading = !strncmp(r->name[j], "v_", 2);
        if (loading && fabs(r->coef[j]) > NT_TOE_VEDGE) {
            edge++;
            assert_true(isnan(r->se[j]) && isnan(r->se_cluster[j]));
        } else assert_true(isfinite(r->se_cluster[j]));
    }
    printf("edge: v_exit[2] %.2f (prob %.2f); %d loading(s) beyond the edge\n", r->v_exit[1], r->prob[1], edge);
    assert_true(edge >= 1 && r->v_exit[1] < -NT_TOE_VEDGE);
    nt_toe_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toe_hand),
        cmocka_unit_test(test_toe_layout_errors),
        cmocka_unit_test(test_toe_golden),
        cmocka_unit_test(test_toe_risk_hand),
        cmocka_unit_test(test_toe_risk_golden),
        cmocka_unit_test(test_toe_truth),
        cmocka_unit_test(test_toe_cells),
        cmocka_unit_test(test_toe_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
