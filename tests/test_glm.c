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
    assert_null(strstr(err.msg, "(Intercept)"));
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

/* R's aliasing rule (nt_glm.c: QR of sqrt(W) X in column order, dqrdc2's
   tolerance relative to each column's own norm): of a dependent set the
   later column is named, every aliased column is named, and a column is
   never aliased for its unit alone. */
static void test_glm_alias_rule(void **state)
{
    (void)state;
    nt_error err;
    nt_glm_fit *f = NULL;
    double x[40], y[8];
    tiny(x, y);
    /* x_plus_one before x: now x is the later column. */
    for (int i = 0; i < 8; i++) { x[16 + i] = x[8 + i]; x[8 + i] = x[i] + x[16 + i]; }
    const char *t1[] = {"(Intercept)", "x_plus_one", "x"};
    assert_int_equal(nt_glm_fit_alloc(x, 8, 3, y, NULL, t1, NULL, &f, &err), NT_EINPUT);
    assert_string_equal(err.msg, "x is a linear combination of earlier columns (collinear covariates); drop it");
    assert_null(f);
    /* Two dependent sets: both later columns are named, in column order. */
    tiny(x, y);
    for (int i = 0; i < 8; i++) {
        x[16 + i] = x[i] + x[8 + i];
        x[24 + i] = (double)(i * i) / 7;
        x[32 + i] = 2 * x[24 + i] - 3 * x[8 + i];
    }
    const char *t2[] = {"(Intercept)", "x", "x_plus_one", "z", "z2"};
    assert_int_equal(nt_glm_fit_alloc(x, 8, 5, y, NULL, t2, NULL, &f, &err), NT_EINPUT);
    assert_string_equal(err.msg, "x_plus_one, z2 are each a linear combination of earlier columns (collinear covariates); drop them");
    /* Without names: "column j" (1-based). */
    assert_int_equal(nt_glm_fit_alloc(x, 8, 5, y, NULL, NULL, NULL, &f, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "column 3, column 5 are each"));
    /* Units: x * 1e-9 and x * 1e9 fit, with b1 scaled by 1e9 and 1e-9. */
    const double units[2] = {1e-9, 1e9};
    for (int u = 0; u < 2; u++) {
        tiny(x, y);
        for (int i = 0; i < 8; i++) x[8 + i] *= units[u];
        assert_int_equal(nt_glm_fit_alloc(x, 8, 2, y, NULL, NULL, NULL, &f, &err), NT_OK);
        expect_rel(f->beta[0], -log(3.0), 1e-9);
        expect_rel(f->beta[1], 2 * log(3.0) / units[u], 1e-9);
        expect_rel(f->se[1], sqrt(8.0 / 3) / units[u], 1e-5);
        nt_glm_fit_free(f);
    }
}

/* Against R glm (scripts/reference/glm_alias.R): nearly aliased columns
   that R keeps (residual share 4e-7 and 4e-10 of the column's norm, both
   above glm.fit's tol 1e-11; the Cholesky screen sends both to the QR) fit
   with R's coefficients and SEs; for an aliased column netto names the term
   R reports as NA. */
static void test_glm_alias_golden(void **state)
{
    (void)state;
    csv_small *c = csv_small_read("data/glm_alias.csv"), *g = csv_small_read("golden/glm_alias.csv");
    assert_non_null(c);
    assert_non_null(g);
    long n = c->nrow;
    const struct { const char *model, *cols[3]; double tol; } m[] = {
        {"near6", {"x1", "x2", "v6"}, 1e-6},
        {"near9", {"x1", "x2", "v9"}, 1e-4},
        {"alias_last", {"x1", "x2", "v0"}, 0},
        {"alias_order", {"v0", "x1", "x2"}, 0},
    };
    double *x = malloc((size_t)n * 4 * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        const char *terms[4] = {"(Intercept)", m[k].cols[0], m[k].cols[1], m[k].cols[2]};
        for (long i = 0; i < n; i++) {
            x[i] = 1;
            y[i] = csv_small_num(c, i, csv_small_col(c, "y"));
            for (int j = 0; j < 3; j++) x[(j + 1) * n + i] = csv_small_num(c, i, csv_small_col(c, m[k].cols[j]));
        }
        nt_glm_fit *f = NULL;
        nt_error err;
        nt_status st = nt_glm_fit_alloc(x, n, 4, y, NULL, terms, NULL, &f, &err);
        int j = 0;
        for (long r = 0; r < g->nrow; r++) {
            if (strcmp(g->cell[r][0], m[k].model)) continue;
            assert_string_equal(g->cell[r][1], terms[j]);
            if (m[k].tol > 0) {
                assert_int_equal(st, NT_OK);
                expect_rel(f->beta[j], csv_small_num(g, r, 2), m[k].tol);
                expect_rel(f->se[j], csv_small_num(g, r, 3), m[k].tol);
                expect_rel(f->deviance, csv_small_num(g, r, 4), 1e-10);
                assert_int_equal(f->iterations, (int)csv_small_num(g, r, 5));
            } else if (g->cell[r][3][0] == 0) {   /* R: NA */
                assert_int_equal(st, NT_EINPUT);
                char want[64];
                snprintf(want, sizeof want, "%s is a linear combination", terms[j]);
                assert_int_equal(strncmp(err.msg, want, strlen(want)), 0);
            }
            j++;
        }
        assert_int_equal(j, 4);
        nt_glm_fit_free(f);
    }
    free(x);
    free(y);
    csv_small_free(c);
    csv_small_free(g);
}

/* A dummy-variable trap on 100000 rows (the parallel chunked path): rows in
   three levels, columns (Intercept), u, a, b, c with a + b + c = 1; c is the
   later column. A nearly aliased column (c + 1e-6 noise) instead fits, with
   bit-identical results for 1 and 2 threads (the QR is folded chunk by
   chunk in order). */
static void test_glm_alias_large(void **state)
{
    (void)state;
    const long n = 100000;
    double *x = malloc((size_t)n * 5 * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    nt_rng r;
    nt_rng_init(&r, 11, 0);
    for (long i = 0; i < n; i++) {
        int lev = (int)(i % 3);
        x[i] = 1;
        x[n + i] = nt_rng_normal(&r);
        for (int k = 0; k < 3; k++) x[(2 + k) * n + i] = lev == k;
        double eta = -0.5 + 0.7 * x[n + i] + 0.4 * (lev == 1);
        y[i] = nt_rng_bernoulli(&r, 1 / (1 + exp(-eta)));
    }
    const char *terms[] = {"(Intercept)", "u", "level=a", "level=b", "level=c"};
    nt_error err;
    nt_glm_fit *f = NULL, *f2 = NULL;
    for (int th = 1; th <= 2; th++) {
        omp_set_num_threads(th);
        assert_int_equal(nt_glm_fit_alloc(x, n, 5, y, NULL, terms, NULL, &f, &err), NT_EINPUT);
        assert_string_equal(err.msg, "level=c is a linear combination of earlier columns (collinear covariates); drop it");
    }
    for (long i = 0; i < n; i++) x[4 * n + i] += 1e-6 * sin((double)i);
    omp_set_num_threads(1);
    assert_int_equal(nt_glm_fit_alloc(x, n, 5, y, NULL, terms, NULL, &f, &err), NT_OK);
    omp_set_num_threads(2);
    assert_int_equal(nt_glm_fit_alloc(x, n, 5, y, NULL, terms, NULL, &f2, &err), NT_OK);
    assert_memory_equal(f->beta, f2->beta, 5 * sizeof(double));
    assert_memory_equal(f->se, f2->se, 5 * sizeof(double));
    assert_true(fabs(f->beta[1] - 0.7) < 4 * f->se[1]);
    nt_glm_fit_free(f);
    nt_glm_fit_free(f2);
    free(x);
    free(y);
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
        cmocka_unit_test(test_glm_alias_rule),
        cmocka_unit_test(test_glm_alias_golden),
        cmocka_unit_test(test_glm_alias_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
