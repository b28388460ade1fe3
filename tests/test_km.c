/* estimators/nt_km: Kaplan-Meier, Nelson-Aalen, log-rank. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_km.h"
#include "tests/surv_testdata.h"

/* Eight rows, ties and censoring: times 1 2 2 2 3 4 4 5, events 1 1 1 0 0 1 0 1.
     t=1: n=8 d=1 S = 7/8;   Greenwood sum G = 1/56
     t=2: n=7 d=2 S = 5/8;   G += 2/35   (the censored 2 is still at risk at 2)
     t=3: n=4 d=0 censored;  S = 5/8
     t=4: n=3 d=1 S = 5/12;  G += 1/6
     t=5: n=1 d=1 S = 0;     se undefined, log CI empty
   se(S(4)) = 5/12 sqrt(1/56 + 2/35 + 1/6); H(4) = 1/8 + 2/7 + 1/3,
   Var H(4) = 1/64 + 2/49 + 1/9. Log CI at 4: exp(log(5/12) -/+ 1.96 sqrt(G)). */
static void test_km_tiny(void **state)
{
    (void)state;
    double t[] = {1, 2, 2, 2, 3, 4, 4, 5}, e[] = {1, 1, 1, 0, 0, 1, 0, 1};
    nt_surv_data d = {.n = 8, .stop = t, .event = e, .n_strata = 1};
    nt_km_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_km_fit(&d, NT_CONF_LOG, 0.95, &r, &err), NT_OK);
    assert_int_equal(r->n, 5);
    double G = 1.0 / 56 + 2.0 / 35 + 1.0 / 6;
    expect_near(r->time[3], 4, 0);
    expect_near(r->n_risk[1], 7, 0);
    expect_near(r->n_event[1], 2, 0);
    expect_near(r->n_censor[1], 1, 0);
    expect_near(r->n_censor[2], 1, 0);
    expect_near(r->surv[1], 5.0 / 8, 1e-15);
    expect_near(r->surv[3], 5.0 / 12, 1e-15);
    expect_near(r->se[3], 5.0 / 12 * sqrt(G), 1e-15);
    expect_near(r->cumhaz[3], 1.0 / 8 + 2.0 / 7 + 1.0 / 3, 1e-15);
    expect_near(r->std_chaz[3], sqrt(1.0 / 64 + 2.0 / 49 + 1.0 / 9), 1e-15);
    expect_near(r->lower[3], exp(log(5.0 / 12) - 1.959963984540054 * sqrt(G)), 1e-12);
    expect_near(r->upper[3], 1, 0);   /* exp(log(5/12) + 1.96 sqrt(G)) = 1.09, capped */
    expect_near(r->surv[4], 0, 0);
    assert_true(isnan(r->se[4]) && isnan(r->lower[4]) && isnan(r->upper[4]));
    nt_km_result_free(r);

    /* The same as (start, stop] rows with start 0 gives the same curve. */
    double s0[8] = {0};
    d.start = s0;
    assert_int_equal(nt_km_fit(&d, NT_CONF_LOG, 0.95, &r, &err), NT_OK);
    expect_near(r->surv[3], 5.0 / 12, 1e-15);
    expect_near(r->se[3], 5.0 / 12 * sqrt(G), 1e-15);
    nt_km_result_free(r);

    /* Two groups {1,2,2,2} vs {3,4,4,5}: log-rank by hand.
       t=1: n=8 (4,4) d=1: E1 = 1/2, V = 4*4*1*7/(64*7) = 1/4
       t=2: n=7 (3,4) d=2: E1 = 6/7, V = 3*4*2*5/(49*6) = 120/294
       t=4: n=3 (0,3) d=1: E1 = 0, V = 0;  t=5: n=1: E1 = 0, V = 0.
       O1 = 3, U = 3 - 1/2 - 6/7, chisq = U^2 / (1/4 + 120/294). */
    int g[] = {0, 0, 0, 0, 1, 1, 1, 1};
    d.start = NULL; d.strata = g; d.n_strata = 2;
    nt_logrank_result lr;
    assert_int_equal(nt_logrank_test(&d, &lr, &err), NT_OK);
    double U = 3 - 0.5 - 6.0 / 7;
    expect_near(lr.chisq, U * U / (0.25 + 120.0 / 294), 1e-13);
    assert_int_equal(lr.df, 1);
}

static double *col_or_null(const tcsv *t, const char *c) { return tcsv_column(t, c); }

static void compare_km(const char *casename, const nt_km_result *r, double *maxrel)
{
    tcsv *gd = tcsv_read("golden/km.csv");
    assert_non_null(gd);
    long m = 0;
    const char *cols[] = {"time", "n_risk", "n_event", "n_censor", "survival", "se", "ci_lower", "ci_upper", "cumhaz", "std_chaz"};
    for (long i = 0; i < gd->nrow; i++) {
        if (strcmp(tcsv_str(gd, i, "case"), casename)) continue;
        assert_true(m < r->n);
        double mine[] = {r->time[m], r->n_risk[m], r->n_event[m], r->n_censor[m], r->surv[m], r->se[m],
                         r->lower[m], r->upper[m], r->cumhaz[m], r->std_chaz[m]};
        for (int c = 0; c < 10; c++) {
            double ref = tcsv_num(gd, i, cols[c]);
            if (!tnear(mine[c], ref, 1e-8)) {
                fprintf(stderr, "%s row %ld %s: netto %.17g R %.17g\n", casename, m, cols[c], mine[c], ref);
                fail();
            }
            if (!isnan(ref) && ref != 0) *maxrel = fmax(*maxrel, fabs(mine[c] - ref) / fabs(ref));
        }
        m++;
    }
    assert_int_equal(m, r->n);
    tcsv_free(gd);
}

static void test_km_golden(void **state)
{
    (void)state;
    double maxrel = 0;
    nt_error err = {0};
    tcsv *v = tcsv_read("data/veteran.csv");
    assert_non_null(v);
    double *time = col_or_null(v, "time"), *status = col_or_null(v, "status"), *trt = col_or_null(v, "trt"),
           *w = col_or_null(v, "w");
    int *g = malloc((size_t)v->nrow * sizeof *g);
    for (long i = 0; i < v->nrow; i++) g[i] = (int)trt[i] - 1;
    nt_surv_data d = {.n = v->nrow, .stop = time, .event = status, .strata = g, .n_strata = 2};
    const struct { const char *c; nt_conf_type t; int weighted; } cases[] = {
        {"vet_log", NT_CONF_LOG, 0}, {"vet_loglog", NT_CONF_LOGLOG, 0},
        {"vet_plain", NT_CONF_PLAIN, 0}, {"vet_weighted", NT_CONF_LOG, 1}};
    for (int c = 0; c < 4; c++) {
        nt_km_result *r = NULL;
        d.weight = cases[c].weighted ? w : NULL;
        assert_int_equal(nt_km_fit(&d, cases[c].t, 0.95, &r, &err), NT_OK);
        assert_int_equal(r->robust, cases[c].weighted);
        compare_km(cases[c].c, r, &maxrel);
        nt_km_result_free(r);
    }
    /* Log-rank: trt (2 groups) and celltype (4 groups, matrix form). */
    tcsv *lg = tcsv_read("golden/logrank.csv");
    nt_logrank_result lr;
    d.weight = NULL;
    assert_int_equal(nt_logrank_test(&d, &lr, &err), NT_OK);
    expect_rel(lr.chisq, tcsv_num(lg, 0, "chisq"), 1e-9);
    expect_rel(lr.p_value, tcsv_num(lg, 0, "p_value"), 1e-8);
    const char *lev[] = {"adeno", "large", "smallcell", "squamous"};
    for (long i = 0; i < v->nrow; i++)
        for (int k = 0; k < 4; k++) if (!strcmp(tcsv_str(v, i, "celltype"), lev[k])) g[i] = k;
    d.n_strata = 4;
    assert_int_equal(nt_logrank_test(&d, &lr, &err), NT_OK);
    assert_int_equal(lr.df, 3);
    expect_rel(lr.chisq, tcsv_num(lg, 1, "chisq"), 1e-9);
    expect_rel(lr.p_value, tcsv_num(lg, 1, "p_value"), 1e-8);
    free(time); free(status); free(trt); free(w); free(g);
    tcsv_free(v);

    /* lung, one group; and log-rank by sex. */
    tcsv *l = tcsv_read("data/lung.csv");
    double *lt = tcsv_column(l, "time"), *ls = tcsv_column(l, "status"), *sex = tcsv_column(l, "sex");
    nt_surv_data dl = {.n = l->nrow, .stop = lt, .event = ls, .n_strata = 1};
    nt_km_result *r = NULL;
    assert_int_equal(nt_km_fit(&dl, NT_CONF_LOG, 0.95, &r, &err), NT_OK);
    compare_km("lung_all", r, &maxrel);
    nt_km_result_free(r);
    int *gs = malloc((size_t)l->nrow * sizeof *gs);
    for (long i = 0; i < l->nrow; i++) gs[i] = (int)sex[i] - 1;
    dl.strata = gs; dl.n_strata = 2;
    assert_int_equal(nt_logrank_test(&dl, &lr, &err), NT_OK);
    expect_rel(lr.chisq, tcsv_num(lg, 2, "chisq"), 1e-9);
    free(lt); free(ls); free(sex); free(gs);
    tcsv_free(l);
    tcsv_free(lg);

    /* heart: counting-process rows (start, stop]. */
    tcsv *h = tcsv_read("data/heart.csv");
    double *hs = tcsv_column(h, "start"), *hst = tcsv_column(h, "stop"), *he = tcsv_column(h, "event");
    nt_surv_data dh = {.n = h->nrow, .start = hs, .stop = hst, .event = he, .n_strata = 1};
    assert_int_equal(nt_km_fit(&dh, NT_CONF_LOG, 0.95, &r, &err), NT_OK);
    compare_km("heart_cp", r, &maxrel);
    nt_km_result_free(r);
    /* with non-integer weights: jackknife variance over (start, stop] rows */
    double *hw = tcsv_column(h, "w");
    dh.weight = hw;
    assert_int_equal(nt_km_fit(&dh, NT_CONF_LOG, 0.95, &r, &err), NT_OK);
    assert_int_equal(r->robust, 1);
    compare_km("heart_cp_weighted", r, &maxrel);
    nt_km_result_free(r);
    free(hs); free(hst); free(he); free(hw);
    tcsv_free(h);
    fprintf(stderr, "km golden: max relative difference %.3g\n", maxrel);
}

/* Known truth: exponential durations, rate 0.1, independent uniform
   censoring on (0, 30); S(t) = exp(-0.1 t). At t = 5, 10, 15 the estimate is
   within 4 Greenwood SEs; with weights 0.5/1.5 (non-integer: jackknife SE)
   too. Log-rank under H0 (same rate in two arms) stays below the 1e-4
   critical value; with a hazard ratio of 2 it rejects. */
static void test_km_truth(void **state)
{
    (void)state;
    long n = 4000;
    double *t = malloc((size_t)n * sizeof *t), *e = malloc((size_t)n * sizeof *e), *w = malloc((size_t)n * sizeof *w);
    int *g = malloc((size_t)n * sizeof *g);
    nt_rng rng;
    nt_rng_init(&rng, 20260501, 1);
    for (long i = 0; i < n; i++) {
        g[i] = (int)(i % 2);
        double x = nt_rng_exponential(&rng, 0.1), c = 30 * nt_rng_uniform(&rng);
        t[i] = fmin(x, c);
        e[i] = x <= c;
        w[i] = (i % 3) ? 0.5 : 1.5;
    }
    nt_error err = {0};
    for (int weighted = 0; weighted < 2; weighted++) {
        nt_surv_data d = {.n = n, .stop = t, .event = e, .weight = weighted ? w : NULL, .n_strata = 1};
        nt_km_result *r = NULL;
        assert_int_equal(nt_km_fit(&d, NT_CONF_LOG, 0.95, &r, &err), NT_OK);
        double at[] = {5, 10, 15};
        for (int k = 0; k < 3; k++) {
            long j = 0;
            while (j + 1 < r->n && r->time[j + 1] <= at[k]) j++;
            double truth = exp(-0.1 * at[k]);
            assert_true(fabs(r->surv[j] - truth) < 4 * r->se[j]);
            assert_true(fabs(r->cumhaz[j] - 0.1 * at[k]) < 4 * r->std_chaz[j]);
        }
        nt_km_result_free(r);
    }
    nt_surv_data d = {.n = n, .stop = t, .event = e, .strata = g, .n_strata = 2};
    nt_logrank_result lr;
    assert_int_equal(nt_logrank_test(&d, &lr, &err), NT_OK);
    assert_true(lr.chisq < 15.1);   /* qchisq(1 - 1e-4, 1) */
    for (long i = 0; i < n; i += 2) {   /* arm 0 gets rate 0.2 */
        double x = nt_rng_exponential(&rng, 0.2), c = 30 * nt_rng_uniform(&rng);
        t[i] = fmin(x, c);
        e[i] = x <= c;
    }
    assert_int_equal(nt_logrank_test(&d, &lr, &err), NT_OK);
    assert_true(lr.chisq > 15.1);
    free(t); free(e); free(w); free(g);
}

static void test_km_check(void **state)
{
    (void)state;
    double t[] = {1, 2, 3}, s[] = {0, 2, 1}, e[] = {1, 2, 0};
    nt_surv_data d = {.n = 3, .stop = t, .event = e, .n_strata = 1};
    nt_error err = {0};
    long bad = -1;
    assert_int_equal(nt_surv_check(&d, &bad, &err), NT_EINPUT);
    assert_int_equal(bad, 1);
    assert_string_equal(err.column, "event");
    e[1] = 1;
    d.start = s;
    assert_int_equal(nt_surv_check(&d, &bad, &err), NT_EINPUT);
    assert_int_equal(bad, 1);
    assert_string_equal(err.column, "stop");
    s[1] = 1;
    t[0] = -1;
    assert_int_equal(nt_surv_check(&d, &bad, &err), NT_EINPUT);
    assert_int_equal(bad, 0);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_km_tiny),
        cmocka_unit_test(test_km_golden),
        cmocka_unit_test(test_km_truth),
        cmocka_unit_test(test_km_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
