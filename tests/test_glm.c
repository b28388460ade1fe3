/* estimators/nt_glm: binomial GLM by IRLS, logit and cloglog. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_glm.h"
#include "tests/csv_small.h"

/* Eight rows, intercept + one 0/1 covariate x. x = 0: y = 1,0,0,0 (1 of 4);
   x = 1: y = 1,1,1,0 (3 of 4). The model is saturated, so the MLE reproduces
   the cell shares:
     logit:   b0 = logit(1/4) = -log 3 = -1.0986122886681098,
              b1 = logit(3/4) - logit(1/4) = 2 log 3 = 2.1972245773362196;
              Var b0 = 1/(4 * 1/4 * 3/4) = 4/3, Var b1 = 4/3 + 4/3 = 8/3.
     cloglog: b0 = log(-log(3/4)) = log(0.2876820724517809) = -1.2458993...,
              b1 = log(-log(1/4)) - b0 = log(1.3862943611198906) - b0;
              Var b0 = (1 - mu)/(n mu ... ) from W = m^2/(mu(1-mu)) with
              m = exp(eta) exp(-exp(eta)) = (1-mu)(-log(1-mu)):
              Var b0 = mu / (4 (1-mu) log(1-mu)^2) at mu = 1/4.
   Deviance: -2 sum log-lik; each cell has log-lik 4 (1/4 log 1/4 + 3/4 log 3/4)
             = -4 * 0.5623351446188083, so deviance = -2 * 2 * (-4 * 0.56233...)
             = 16 * 0.5623351446188083 = 8.997362313900933. */
static void tiny(double *x, double *y)
{
    const double xv[8] = {0, 0, 0, 0, 1, 1, 1, 1}, yv[8] = {1, 0, 0, 0, 1, 1, 1, 0};
    for (int i = 0; i < 8; i++) { x[i] = 1; x[8 + i] = xv[i]; y[i] = yv[i]; }
}

static void test_glm_tiny_logit(void **state)
{
    (void)state;
    double x[16], y[8];
    tiny(x, y);
    nt_glm_fit *f = NULL;
    nt_error err;
    assert_int_equal(nt_glm_fit_alloc(x, 8, 2, y, NULL, NULL, NULL, &f, &err), NT_OK);
    expect_near(f->beta[0], -log(3.0), 1e-9);
    expect_near(f->beta[1], 2 * log(3.0), 1e-9);
    /* SEs use the last iteration's weights (as summary.glm), one step
       before the final beta: off the exact value by ~1e-6. */
    expect_near(f->se[0], sqrt(4.0 / 3), 1e-5);
    expect_near(f->se[1], sqrt(8.0 / 3), 1e-5);
    expect_near(f->deviance, 16 * 0.5623351446188083, 1e-9);
    expect_near(f->eta[4], log(3.0), 1e-9);
    expect_near(f->mu[0], 0.25, 1e-9);
    assert_true(f->converged);
    nt_glm_fit_free(f);
}

static void test_glm_tiny_cloglog(void **state)
{
    (void)state;
    double x[16], y[8];
    tiny(x, y);
    nt_glm_opts o;
    nt_glm_opts_default(&o);
    o.link = NT_LINK_CLOGLOG;
    nt_glm_fit *f = NULL;
    nt_error err;
    assert_int_equal(nt_glm_fit_alloc(x, 8, 2, y, NULL, NULL, &o, &f, &err), NT_OK);
    double b0 = log(-log(0.75)), b1 = log(-log(0.25)) - b0;
    expect_near(f->beta[0], b0, 1e-8);
    expect_near(f->beta[1], b1, 1e-8);
    double l = log(0.75);
    expect_near(f->se[0], sqrt(0.25 / (4 * 0.75 * l * l)), 1e-6);
    expect_near(f->mu[5], 0.75, 1e-9);
    nt_glm_fit_free(f);
}

/* Golden: R glm on Matching::lalonde (scripts/reference/glm_lalonde.R). */
static const char *covs[] = {"age", "educ", "black", "hisp", "married", "nodegr", "re74", "re75", "u74", "u75"};

static void load_lalonde(double **x, double **y, long *n)
{
    csv_small *c = csv_small_read("data/lalonde.csv");
    assert_non_null(c);
    *n = c->nrow;
    *x = malloc((size_t)(*n) * 11 * sizeof **x);
    *y = malloc((size_t)(*n) * sizeof **y);
    int jt = csv_small_col(c, "treat");
    for (long i = 0; i < *n; i++) {
        (*x)[i] = 1;
        (*y)[i] = csv_small_num(c, i, jt);
        for (int k = 0; k < 10; k++) (*x)[(k + 1) * (*n) + i] = csv_small_num(c, i, csv_small_col(c, covs[k]));
    }
    csv_small_free(c);
}

static void golden_model(const char *model, nt_glm_link link, int weighted)
{
    double *x, *y;
    long n;
    load_lalonde(&x, &y, &n);
    double *w = NULL;
    if (weighted) {
        w = malloc((size_t)n * sizeof *w);
        for (long i = 0; i < n; i++) w[i] = 1 + (double)((i + 1) % 3);
    }
    nt_glm_opts o;
    nt_glm_opts_default(&o);
    o.link = link;
    nt_glm_fit *f = NULL;
    nt_error err;
    assert_int_equal(nt_glm_fit_alloc(x, n, 11, y, w, NULL, &o, &f, &err), NT_OK);
    csv_small *g = csv_small_read("golden/glm_lalonde.csv");
    assert_non_null(g);
    int k = 0;
    for (long r = 0; r < g->nrow; r++) {
        if (strcmp(g->cell[r][0], model)) continue;
        expect_rel(f->beta[k], csv_small_num(g, r, 2), 1e-8);
        expect_rel(f->se[k], csv_small_num(g, r, 3), 1e-8);
        expect_rel(f->deviance, csv_small_num(g, r, 4), 1e-10);
        expect_rel(f->null_deviance, csv_small_num(g, r, 5), 1e-10);
        assert_int_equal(f->iterations, (int)csv_small_num(g, r, 6));
        k++;
    }
    assert_int_equal(k, 11);
    csv_small_free(g);
    nt_glm_fit_free(f);
    free(x);
    free(y);
    free(w);
}

static void test_glm_golden_logit(void **s) { (void)s; golden_model("logit", NT_LINK_LOGIT, 0); }
static void test_glm_golden_cloglog(void **s) { (void)s; golden_model("cloglog", NT_LINK_CLOGLOG, 0); }
static void test_glm_golden_weighted(void **s) { (void)s; golden_model("logit_weighted", NT_LINK_LOGIT, 1); }

/* Known truth: 20000 rows, eta = -1 + 0.8 x1 - 0.5 x2, x ~ N(0,1). Each
   estimate within 4 SE of the truth. Also: 1 and 2 threads give the same bits. */
static void test_glm_truth_threads(void **state)
{
    (void)state;
    const long n = 20000;
    double *x = malloc((size_t)n * 3 * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    nt_rng r;
    nt_rng_init(&r, 7, 0);
    const double b[3] = {-1, 0.8, -0.5};
    for (long i = 0; i < n; i++) {
        x[i] = 1;
        x[n + i] = nt_rng_normal(&r);
        x[2 * n + i] = nt_rng_normal(&r);
        double eta = b[0] + b[1] * x[n + i] + b[2] * x[2 * n + i];
        y[i] = nt_rng_bernoulli(&r, 1 / (1 + exp(-eta)));
    }
    nt_glm_fit *f1 = NULL, *f2 = NULL;
    nt_error err;
    omp_set_num_threads(1);
    assert_int_equal(nt_glm_fit_alloc(x, n, 3, y, NULL, NULL, NULL, &f1, &err), NT_OK);
    omp_set_num_threads(2);
    assert_int_equal(nt_glm_fit_alloc(x, n, 3, y, NULL, NULL, NULL, &f2, &err), NT_OK);
    for (int j = 0; j < 3; j++) {
        assert_true(fabs(f1->beta[j] - b[j]) < 4 * f1->se[j]);
        assert_memory_equal(&f1->beta[j], &f2->beta[j], sizeof(double));
        assert_memory_equal(&f1->se[j], &f2->se[j], sizeof(double));
    }
    nt_glm_fit_free(f1);
    nt_glm_fit_free(f2);
    free(x);
    free(y);
}

static void test_glm_errors(void **state)
{
    (void)state;
    nt_error err;
    nt_glm_fit *f = NULL;
    /* Collinear: column 3 = column 1 + column 2. */
    double x[24], y[8];
    tiny(x, y);
    for (int i = 0; i < 8; i++) x[16 + i] = x[i] + x[8 + i];
    const char *terms[] = {"(Intercept)", "x", "x_plus_one"};
    assert_int_equal(nt_glm_fit_alloc(x, 8, 3, y, NULL, terms, NULL, &f, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "x_plus_one"));
    assert_null(f);
    /* Separation by a numeric covariate: y = 1 exactly when z > 0. */
    double z[16], yz[8];
    for (int i = 0; i < 8; i++) { z[i] = 1; z[8 + i] = i - 3.5; yz[i] = i >= 4; }
    assert_int_equal(nt_glm_fit_alloc(z, 8, 2, yz, NULL, NULL, NULL, &f, &err), NT_ENUMERIC);
    assert_non_null(strstr(err.msg, "separation"));
    /* Non-convergence: one iteration is not enough. */
    nt_glm_opts o;
    nt_glm_opts_default(&o);
    o.maxit = 1;
    tiny(x, y);
    assert_int_equal(nt_glm_fit_alloc(x, 8, 2, y, NULL, NULL, &o, &f, &err), NT_ENUMERIC);
    assert_non_null(strstr(err.msg, "converge"));
    /* Cells: level b of a three-level variable is all treated. Columns:
       intercept, v=b, v=c; rows 0-1 level a, 2-3 b, 4-5 c. */
    double c[18] = {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1};
    double yc[6] = {0, 1, 1, 1, 0, 1};
    const int vot[3] = {-1, 0, 0};
    const char *ct[] = {"(Intercept)", "v=b", "v=c"};
    assert_int_equal(nt_glm_check_cells(c, 6, 3, yc, vot, ct, "treatment", &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "v=b"));
    /* Reference level a all control. */
    double yr[6] = {0, 0, 1, 0, 0, 1};
    assert_int_equal(nt_glm_check_cells(c, 6, 3, yr, vot, ct, "treatment", &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "reference level of v"));
    double ok[6] = {0, 1, 1, 0, 0, 1};
    assert_int_equal(nt_glm_check_cells(c, 6, 3, ok, vot, ct, "treatment", &err), NT_OK);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_glm_tiny_logit),
        cmocka_unit_test(test_glm_tiny_cloglog),
        cmocka_unit_test(test_glm_golden_logit),
        cmocka_unit_test(test_glm_golden_cloglog),
        cmocka_unit_test(test_glm_golden_weighted),
        cmocka_unit_test(test_glm_truth_threads),
        cmocka_unit_test(test_glm_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
