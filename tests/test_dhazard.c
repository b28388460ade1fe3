/* estimators/nt_dhazard: discrete-time hazard (logit, cloglog via nt_glm)
   and the person-period expansion of the cohort store. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_dhazard.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"
#include "data/nt_pp.h"
#include "tests/surv_testdata.h"

/* Golden: R glm(y ~ tblock + trt + karno, binomial(link)) on veteran split
   into 30-day periods (scripts/reference/survival_golden.R); tblock pieces
   (0,1], (1,2], (2,4], (4,100] = cuts 1, 2, 4 on period. */
static void test_dhazard_golden(void **state)
{
    (void)state;
    tcsv *d = tcsv_read("data/pp_veteran.csv"), *g = tcsv_read("golden/dhazard.csv");
    assert_non_null(d);
    assert_non_null(g);
    long n = d->nrow;
    double *period = tcsv_column(d, "period"), *y = tcsv_column(d, "y"), *trt = tcsv_column(d, "trt"),
           *karno = tcsv_column(d, "karno");
    double *x = malloc((size_t)n * 2 * sizeof *x);
    memcpy(x, trt, (size_t)n * sizeof *x);
    memcpy(x + n, karno, (size_t)n * sizeof *x);
    const char *xn[] = {"trt", "karno"};
    double *idd = tcsv_column(d, "id");
    long *cl = malloc((size_t)n * sizeof *cl), ncl = 0;
    for (long i = 0; i < n; i++) { cl[i] = (long)idd[i] - 1; if (cl[i] + 1 > ncl) ncl = cl[i] + 1; }
    double cuts[] = {1, 2, 4}, maxrel = 0;
    const char *cases[] = {"logit", "cloglog"};
    for (int c = 0; c < 2; c++) {
        nt_dhazard_opts o = {.link = c ? NT_LINK_CLOGLOG : NT_LINK_LOGIT, .cuts = cuts, .n_cuts = 3,
                             .cluster = cl, .n_clusters = ncl};
        nt_dhazard_result *r = NULL;
        nt_error err = {0};
        assert_int_equal(nt_dhazard_fit(period, y, x, 2, xn, NULL, n, &o, &r, &err), NT_OK);
        assert_int_equal(r->p, 6);
        assert_string_equal(r->term[1], "piece=(1,2]");
        assert_string_equal(r->term[3], "piece=(4,Inf)");
        int j = 0;
        for (long i = 0; i < g->nrow; i++) {
            if (strcmp(tcsv_str(g, i, "case"), cases[c])) continue;
            double rc = tcsv_num(g, i, "coef"), rs = tcsv_num(g, i, "se"), rl = tcsv_num(g, i, "loglik");
            expect_rel(r->glm->beta[j], rc, 1e-6);
            expect_rel(r->glm->se[j], rs, 1e-6);
            expect_rel(r->glm->loglik, rl, 1e-6);
            expect_rel(r->robust_se[j], tcsv_num(g, i, "robust_se"), 1e-6);
            maxrel = fmax(maxrel, fabs(r->robust_se[j] - tcsv_num(g, i, "robust_se")) / tcsv_num(g, i, "robust_se"));
            maxrel = fmax(maxrel, fabs(r->glm->beta[j] - rc) / fabs(rc));
            maxrel = fmax(maxrel, fabs(r->glm->se[j] - rs) / fabs(rs));
            maxrel = fmax(maxrel, fabs(r->glm->loglik - rl) / fabs(rl));
            j++;
        }
        assert_int_equal(j, 6);
        nt_dhazard_result_free(r);
    }
    /* duration dummies: one level per distinct period */
    nt_dhazard_opts o = {.link = NT_LINK_LOGIT};
    nt_dhazard_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_dhazard_fit(period, y, x, 2, xn, NULL, n, &o, &r, &err), NT_OK);
    assert_string_equal(r->term[1], "period=2");
    nt_dhazard_result_free(r);
    fprintf(stderr, "dhazard golden: max relative difference %.3g\n", maxrel);
    free(period); free(y); free(trt); free(karno); free(x); free(idd); free(cl);
    tcsv_free(d); tcsv_free(g);
}

/* Known truth: 6000 persons, months 0..23, cloglog hazard with baseline
   -3 (months 0-5), -2.5 (6-11), -2.8 (12-23), b = 0.5 on x ~ N(0,1) and a
   programme (half the persons, start month uniform on 0..11) with
   delta = -0.4 from its start month on. Estimates within 4 SE. */
static void test_dhazard_truth(void **state)
{
    (void)state;
    long np = 6000, cap = np * 24, n = 0;
    double *period = malloc((size_t)cap * sizeof(double)), *y = malloc((size_t)cap * sizeof(double));
    double *xr = malloc((size_t)cap * 2 * sizeof(double));
    nt_rng rng;
    nt_rng_init(&rng, 99, 3);
    for (long i = 0; i < np; i++) {
        double z = nt_rng_normal(&rng);
        long tp = (i % 2) ? (long)nt_rng_below(&rng, 12) : 1000;
        for (long k = 0; k < 24; k++) {
            double a = k < 6 ? -3 : k < 12 ? -2.5 : -2.8, tr = k >= tp;
            double h = 1 - exp(-exp(a + 0.5 * z - 0.4 * tr));
            int ev = nt_rng_uniform(&rng) < h;
            period[n] = (double)k; y[n] = ev; xr[2 * n] = z; xr[2 * n + 1] = tr;
            n++;
            if (ev) break;
        }
    }
    double *x = malloc((size_t)n * 2 * sizeof *x);
    for (long i = 0; i < n; i++) { x[i] = xr[2 * i]; x[n + i] = xr[2 * i + 1]; }
    double cuts[] = {5, 11};
    nt_dhazard_opts o = {.link = NT_LINK_CLOGLOG, .cuts = cuts, .n_cuts = 2};
    nt_dhazard_result *r = NULL;
    nt_error err = {0};
    const char *xn[] = {"x", "treat"};
    assert_int_equal(nt_dhazard_fit(period, y, x, 2, xn, NULL, n, &o, &r, &err), NT_OK);
    double truth[] = {-3, 0.5, 0.2, 0.5, -0.4};
    for (int j = 0; j < 5; j++) assert_true(fabs(r->glm->beta[j] - truth[j]) < 4 * r->glm->se[j]);
    nt_dhazard_result_free(r);
    free(period); free(y); free(xr); free(x);
}

/* Flat file, one row per person: ids a, b, c with times 2, 1, 3 and events
   1, 0, 1 give periods 1 2 | 1 | 1 2 3 with y = 0 1 | 0 | 0 0 1 and the
   covariate x copied to each period; d has a missing x and is dropped.
   Then a time of 1.5, and an id seen twice, each name file, line and column. */
static void test_pp_flat(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/pp.csv", nt_test_dir("dhazard_flat"));
    nt_test_write(path, "id,t,e,x\na,2,1,0.5\nb,1,0,1.5\nd,4,1,\nc,3,1,2.5\n");
    nt_flat *f = NULL;
    nt_design *des = NULL;
    nt_pp *pp = NULL;
    nt_error err;
    nt_error_clear(&err);
    if (nt_flat_read(path, &f, &err)) fail_msg("%s", err.msg);
    const char *vars[] = {"x"}, *req[] = {"id", "t", "e"};
    nt_design_opts dopt = {.intercept = 0, .reject_constant = 1};
    if (nt_design_build(f, vars, 1, req, 3, &dopt, &des, &err)) fail_msg("%s", err.msg);
    assert_int_equal(des->n, 3);
    if (nt_pp_read_flat(f, des, 0, 1, 2, &pp, &err)) fail_msg("%s", err.msg);
    assert_int_equal(pp->n, 6);
    assert_int_equal(pp->nx, 1);
    double period[] = {1, 2, 1, 1, 2, 3}, y[] = {0, 1, 0, 0, 0, 1}, x[] = {0.5, 0.5, 1.5, 2.5, 2.5, 2.5};
    long person[] = {0, 0, 1, 2, 2, 2};
    for (int k = 0; k < 6; k++) {
        expect_near(pp->period[k], period[k], 0);
        expect_near(pp->y[k], y[k], 0);
        expect_near(pp->x[k], x[k], 0);
        assert_int_equal(pp->person[k], person[k]);
    }
    assert_null(pp->treat);
    nt_pp_free(pp);
    pp = NULL;
    nt_design_free(des);
    nt_flat_free(f);

    nt_test_write(path, "id,t,e,x\na,2,1,0.5\nb,1.5,0,1.5\n");
    if (nt_flat_read(path, &f, &err)) fail_msg("%s", err.msg);
    if (nt_design_build(f, vars, 1, req, 3, &dopt, &des, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nt_pp_read_flat(f, des, 0, 1, 2, &pp, &err), NT_EINPUT);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.column, "t");
    assert_null(pp);
    nt_design_free(des);
    nt_flat_free(f);

    nt_test_write(path, "id,t,e,x\na,2,1,0.5\nb,1,0,1.5\na,3,0,2\n");
    if (nt_flat_read(path, &f, &err)) fail_msg("%s", err.msg);
    if (nt_design_build(f, vars, 1, req, 3, &dopt, &des, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nt_pp_read_flat(f, des, 0, 1, 2, &pp, &err), NT_EINPUT);
    assert_int_equal(err.line, 4);
    assert_string_equal(err.column, "id");
    nt_design_free(des);
    nt_flat_free(f);
}

/* The Wald fields: z = b / se, p = 2 (1 - Phi(|z|)), exp(b -/+ 1.959964 se),
   on the robust SE when clustered. */
static void test_dhazard_wald(void **state)
{
    (void)state;
    tcsv *d = tcsv_read("data/pp_veteran.csv");
    assert_non_null(d);
    long n = d->nrow;
    double *period = tcsv_column(d, "period"), *y = tcsv_column(d, "y"), *karno = tcsv_column(d, "karno");
    double *idd = tcsv_column(d, "id");
    long *cl = malloc((size_t)n * sizeof *cl), ncl = 0;
    for (long i = 0; i < n; i++) { cl[i] = (long)idd[i] - 1; if (cl[i] + 1 > ncl) ncl = cl[i] + 1; }
    double cuts[] = {1, 2, 4};
    const char *xn[] = {"karno"};
    for (int c = 0; c < 2; c++) {
        nt_dhazard_opts o = {.link = NT_LINK_CLOGLOG, .cuts = cuts, .n_cuts = 3, .cluster = c ? cl : NULL, .n_clusters = c ? ncl : 0};
        nt_dhazard_result *r = NULL;
        nt_error err = {0};
        assert_int_equal(nt_dhazard_fit(period, y, karno, 1, xn, NULL, n, &o, &r, &err), NT_OK);
        for (int j = 0; j < r->p; j++) {
            double b = r->glm->beta[j], se = c ? r->robust_se[j] : r->glm->se[j];
            expect_rel(r->wald->z[j], b / se, 1e-15);
            expect_rel(r->wald->p_value[j], erfc(fabs(b / se) / sqrt(2)), 1e-12);
            expect_rel(r->wald->ratio[j], exp(b), 1e-15);
            expect_rel(r->wald->ratio_lower[j], exp(b - 1.959963984540054 * se), 1e-15);
            expect_rel(r->wald->ratio_upper[j], exp(b + 1.959963984540054 * se), 1e-15);
        }
        long ev = 0;
        for (int k = 0; k < r->n_pieces; k++) ev += r->piece_events[k];
        assert_int_equal(ev, 128);
        assert_string_equal(r->warning, "");
        nt_dhazard_result_free(r);
    }
    free(period); free(y); free(karno); free(idd); free(cl);
    tcsv_free(d);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dhazard_golden),
        cmocka_unit_test(test_dhazard_truth),
        cmocka_unit_test(test_pp_flat),
        cmocka_unit_test(test_dhazard_wald),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
