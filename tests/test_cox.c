/* estimators/nt_cox: Cox partial likelihood, ties, strata, weights,
   counting-process rows, robust variance. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_cox.h"
#include "tests/surv_testdata.h"

/* Two persons, one covariate x = 0 and 1, events at t = 1 (x = 1) and
   t = 2 (x = 0). Risk sets {both} at 1, {x=0} at 2 (contributes 0):
     l(b) = b - log(1 + e^b),  U(b) = 1 - e^b/(1+e^b),  I(b) = e^b/(1+e^b)^2.
   U > 0 for every b: the maximum is at b = +inf (monotone likelihood), so
   the fit must warn "coefficient may be infinite". l(0) = -log 2, score
   test U(0)^2/I(0) = (1/4)/(1/4) = 1.
   Ties: both events at t = 1 with x = 0, 1, plus a censored x = 0 at 2.
   Breslow: l = b - 2 log(2 + e^b); Efron: l = b - log(2 + e^b) -
   log(2 + e^b - (1 + e^b)/2). At b = 0: Breslow -2 log 3, Efron
   -log 3 - log 2. */
static void test_cox_tiny(void **state)
{
    (void)state;
    double t[] = {1, 2}, e[] = {1, 1}, x[] = {1, 0};
    nt_surv_data d = {.n = 2, .stop = t, .event = e, .n_strata = 1};
    nt_cox_result *r = NULL;
    nt_error err = {0};
    const char *terms[] = {"programme"};
    assert_int_equal(nt_cox_fit(&d, x, 1, terms, NULL, 0, NULL, &r, &err), NT_OK);
    expect_near(r->loglik_null, -log(2.0), 1e-14);
    expect_near(r->score_chisq, 1, 1e-13);
    /* R: coef 21.20289, iter 21, "Ran out of iterations and did not converge" */
    expect_rel(r->coef[0], 21.20289, 1e-6);
    assert_int_equal(r->iterations, 21);
    assert_false(r->converged);
    assert_non_null(strstr(r->warning, "did not converge"));
    nt_cox_result_free(r);

    /* Monotone in x only; R (coxph(Surv(t, e) ~ z + x)): z 0.1380162, x 21.97,
       iter 20, warning "Loglik converged before variable 2; coefficient may
       be infinite". */
    double t6[] = {1, 2, 3, 4, 5, 6}, e6[] = {1, 1, 1, 1, 1, 1},
           x6[] = {0.3, -1, 0.5, 0.2, 1.1, -0.4, 1, 1, 1, 0, 0, 0};
    const char *n6[] = {"z", "programme"};
    nt_surv_data d6 = {.n = 6, .stop = t6, .event = e6, .n_strata = 1};
    assert_int_equal(nt_cox_fit(&d6, x6, 2, n6, NULL, 0, NULL, &r, &err), NT_OK);
    expect_rel(r->coef[0], 0.1380162, 1e-6);
    assert_true(r->coef[1] > 20);
    assert_int_equal(r->iterations, 20);
    assert_string_equal(r->warning, "Loglik converged before variable programme; coefficient may be infinite");
    assert_int_equal(r->infinite[1], 1);
    assert_int_equal(r->infinite[0], 0);
    nt_cox_result_free(r);

    double t2[] = {1, 1, 2}, e2[] = {1, 1, 0}, x2[] = {0, 1, 0};
    nt_surv_data d2 = {.n = 3, .stop = t2, .event = e2, .n_strata = 1};
    nt_cox_opts o;
    nt_cox_opts_default(&o);
    o.ties = NT_TIES_BRESLOW;
    assert_int_equal(nt_cox_fit(&d2, x2, 1, terms, NULL, 0, &o, &r, &err), NT_OK);
    expect_near(r->loglik_null, -2 * log(3.0), 1e-14);
    /* Breslow MLE: U = 1 - 2e^b/(2+e^b) = 0 -> e^b = 2 */
    expect_near(r->coef[0], log(2.0), 1e-8);
    expect_near(r->loglik, log(2.0) - 2 * log(4.0), 1e-12);
    assert_string_equal(r->warning, "");
    nt_cox_result_free(r);
    o.ties = NT_TIES_EFRON;
    assert_int_equal(nt_cox_fit(&d2, x2, 1, terms, NULL, 0, &o, &r, &err), NT_OK);
    expect_near(r->loglik_null, -log(3.0) - log(2.0), 1e-14);
    /* Efron MLE: d/db [b - log(2+u) - log(1.5+u/2)] = 1 - u/(2+u) - (u/2)/(1.5+u/2) = 0,
       u = e^b: (2+u)(3+u) - u(3+u) - u(2+u) = 0 -> 6 - u^2 = 0 -> u = sqrt 6 */
    expect_near(r->coef[0], 0.5 * log(6.0), 1e-8);
    nt_cox_result_free(r);

    /* A covariate that is a copy of another is an error naming it. */
    double x3[] = {0, 1, 0, 0, 1, 0};
    const char *t3[] = {"a", "b"};
    assert_int_equal(nt_cox_fit(&d2, x3, 2, t3, NULL, 0, NULL, &r, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "covariate b"));
}

typedef struct {
    long n;
    double *start, *stop, *event, *w, *x;
    int *strata;
    long *cluster;
    long ncl;
} fitdata;

/* Rows of a test CSV with no missing value in any used column. */
static fitdata load(const tcsv *t, const char *start, const char *stop, const char *event, const char *w,
                    const char *const *xs, int p, const char *strata, const char *cluster)
{
    fitdata f = {0};
    f.start = start ? malloc((size_t)t->nrow * sizeof(double)) : NULL;
    f.stop = malloc((size_t)t->nrow * sizeof(double));
    f.event = malloc((size_t)t->nrow * sizeof(double));
    f.w = w ? malloc((size_t)t->nrow * sizeof(double)) : NULL;
    f.strata = strata ? malloc((size_t)t->nrow * sizeof(int)) : NULL;
    f.cluster = cluster ? malloc((size_t)t->nrow * sizeof(long)) : NULL;
    double *xr = malloc((size_t)t->nrow * (size_t)p * sizeof(double));
    long m = 0;
    for (long i = 0; i < t->nrow; i++) {
        int ok = !isnan(tcsv_num(t, i, stop)) && !isnan(tcsv_num(t, i, event));
        for (int j = 0; j < p; j++) ok = ok && !isnan(tcsv_num(t, i, xs[j]));
        if (start) ok = ok && !isnan(tcsv_num(t, i, start));
        if (strata) ok = ok && !isnan(tcsv_num(t, i, strata));
        if (cluster) ok = ok && !isnan(tcsv_num(t, i, cluster));
        if (!ok) continue;
        if (start) f.start[m] = tcsv_num(t, i, start);
        f.stop[m] = tcsv_num(t, i, stop);
        f.event[m] = tcsv_num(t, i, event);
        if (w) f.w[m] = tcsv_num(t, i, w);
        if (strata) f.strata[m] = (int)tcsv_num(t, i, strata);
        if (cluster) f.cluster[m] = (long)tcsv_num(t, i, cluster);
        for (int j = 0; j < p; j++) xr[m * p + j] = tcsv_num(t, i, xs[j]);
        m++;
    }
    f.n = m;
    if (strata) {   /* codes from 0: subtract the smallest value (two-level strata here) */
        int mn = f.strata[0];
        for (long i = 1; i < m; i++) if (f.strata[i] < mn) mn = f.strata[i];
        for (long i = 0; i < m; i++) f.strata[i] -= mn;
    }
    f.x = malloc((size_t)m * (size_t)p * sizeof(double));
    for (long i = 0; i < m; i++)
        for (int j = 0; j < p; j++) f.x[(size_t)j * (size_t)m + i] = xr[i * p + j];
    free(xr);
    if (cluster) {   /* recode to 0..k-1 */
        long mx = 0;
        for (long i = 0; i < m; i++) if (f.cluster[i] > mx) mx = f.cluster[i];
        long *code = malloc((size_t)(mx + 1) * sizeof *code);
        for (long c = 0; c <= mx; c++) code[c] = -1;
        for (long i = 0; i < m; i++) {
            if (code[f.cluster[i]] < 0) code[f.cluster[i]] = f.ncl++;
            f.cluster[i] = code[f.cluster[i]];
        }
        free(code);
    }
    return f;
}

static void fitdata_free(fitdata *f)
{
    free(f->start); free(f->stop); free(f->event); free(f->w); free(f->x); free(f->strata); free(f->cluster);
}

static double maxrel_all = 0;

/* Compares r with the rows of `casename` in a golden file, every column at
   1e-6 relative; with_wald = 0 skips wald_chisq (see test_cox_scaling). */
static void check_golden(const char *golden, const char *casename, const nt_cox_result *r, int p, int with_wald)
{
    tcsv *g = tcsv_read(golden);
    assert_non_null(g);
    int j = 0;
    for (long i = 0; i < g->nrow; i++) {
        if (strcmp(tcsv_str(g, i, "case"), casename)) continue;
        assert_true(j < p);
        struct { const char *c; double v; } v[] = {
            {"coef", r->coef[j]}, {"se", r->se[j]}, {"robust_se", r->robust_se ? r->robust_se[j] : NAN},
            {"loglik_null", r->loglik_null}, {"loglik", r->loglik}, {"n", (double)r->n},
            {"n_events", (double)r->n_events}, {"iterations", r->iterations},
            {"score_chisq", r->score_chisq}, {"wald_chisq", r->wald_chisq}, {"lr_chisq", r->lr_chisq}};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
            if (!with_wald && !strcmp(v[k].c, "wald_chisq")) continue;
            double ref = tcsv_num(g, i, v[k].c);
            if (!tnear(v[k].v, ref, 1e-6)) {
                fprintf(stderr, "%s term %d %s: netto %.12g R %.12g\n", casename, j, v[k].c, v[k].v, ref);
                fail();
            }
            if (!isnan(ref) && ref != 0) maxrel_all = fmax(maxrel_all, fabs(v[k].v - ref) / fabs(ref));
        }
        j++;
    }
    assert_int_equal(j, p);
    tcsv_free(g);
}

static void check(const char *casename, const nt_cox_result *r, int p)
{
    check_golden("golden/cox.csv", casename, r, p, 1);
}

static void run_case(const tcsv *t, const char *casename, const char *start, const char *stop, const char *event,
                     const char *w, const char *const *xs, int p, const char *strata, const char *cluster,
                     nt_cox_ties ties)
{
    fitdata f = load(t, start, stop, event, w, xs, p, strata, cluster);
    nt_surv_data d = {.n = f.n, .start = f.start, .stop = f.stop, .event = f.event, .weight = f.w,
                      .strata = f.strata, .n_strata = strata ? 2 : 1};
    nt_cox_opts o;
    nt_cox_opts_default(&o);
    o.ties = ties;
    nt_cox_result *r = NULL;
    nt_error err = {0};
    nt_status s = nt_cox_fit(&d, f.x, p, xs, f.cluster, f.ncl, &o, &r, &err);
    if (s) fprintf(stderr, "%s: %s\n", casename, err.msg);
    assert_int_equal(s, NT_OK);
    assert_string_equal(r->warning, "");
    check(casename, r, p);
    nt_cox_result_free(r);
    fitdata_free(&f);
}

static void test_cox_golden(void **state)
{
    (void)state;
    tcsv *l = tcsv_read("data/lung.csv");
    assert_non_null(l);
    const char *x3[] = {"age", "sex", "ph_ecog"}, *x2[] = {"age", "ph_ecog"};
    run_case(l, "lung_efron", NULL, "time", "status", NULL, x3, 3, NULL, NULL, NT_TIES_EFRON);
    run_case(l, "lung_breslow", NULL, "time", "status", NULL, x3, 3, NULL, NULL, NT_TIES_BRESLOW);
    run_case(l, "lung_strata", NULL, "time", "status", NULL, x2, 2, "sex", NULL, NT_TIES_EFRON);
    run_case(l, "lung_weighted", NULL, "time", "status", "w", x3, 3, NULL, NULL, NT_TIES_EFRON);
    run_case(l, "lung_wcluster", NULL, "time", "status", "w", x3, 3, NULL, "inst", NT_TIES_EFRON);
    tcsv_free(l);
    tcsv *h = tcsv_read("data/heart.csv");
    const char *xh[] = {"age", "year", "surgery", "transplant"};
    run_case(h, "heart_efron", "start", "stop", "event", NULL, xh, 4, NULL, NULL, NT_TIES_EFRON);
    run_case(h, "heart_breslow", "start", "stop", "event", NULL, xh, 4, NULL, NULL, NT_TIES_BRESLOW);
    run_case(h, "heart_cluster", "start", "stop", "event", NULL, xh, 4, NULL, "id", NT_TIES_EFRON);
    run_case(h, "heart_cluster_breslow", "start", "stop", "event", NULL, xh, 4, NULL, "id", NT_TIES_BRESLOW);
    const char *xs[] = {"age", "year", "transplant"};
    run_case(h, "heart_strata_wcluster", "start", "stop", "event", "w", xs, 3, "surgery", "id", NT_TIES_EFRON);
    tcsv_free(h);
    fprintf(stderr, "cox golden: max relative difference %.3g\n", maxrel_all);
}

/* Covariates on very different scales (scripts/reference/cox_scaling.R).
   Column `col` of the loaded covariates is multiplied by `factor`, or
   squared when factor is 0. Before netto centred and scaled the covariates
   as R does, each of these failed as "a linear combination of the others".
   wald_chisq is not compared: R's coxph.wtest runs cholesky2 on the
   unscaled variance, whose tolerance (toler.chol x the largest diagonal)
   then drops the terms with small variances from R's Wald test (e.g.
   heart_year_1e-7: R's 4.31 is year's term alone); netto's is b' I b over
   all terms. */
static void run_scaled(const tcsv *t, const char *casename, const char *start, const char *stop,
                       const char *event, const char *const *xs, const char *const *terms, int p, int col,
                       double factor, nt_cox_ties ties)
{
    fitdata f = load(t, start, stop, event, NULL, xs, p, NULL, NULL);
    double *xc = f.x + (size_t)col * (size_t)f.n;
    for (long i = 0; i < f.n; i++) xc[i] = factor != 0 ? xc[i] * factor : xc[i] * xc[i];
    nt_surv_data d = {.n = f.n, .start = f.start, .stop = f.stop, .event = f.event, .n_strata = 1};
    nt_cox_opts o;
    nt_cox_opts_default(&o);
    o.ties = ties;
    nt_cox_result *r = NULL;
    nt_error err = {0};
    nt_status s = nt_cox_fit(&d, f.x, p, terms, NULL, 0, &o, &r, &err);
    if (s) fprintf(stderr, "%s: %s\n", casename, err.msg);
    assert_int_equal(s, NT_OK);
    assert_string_equal(r->warning, "");
    check_golden("golden/cox_scaling.csv", casename, r, p, 0);
    nt_cox_result_free(r);
    fitdata_free(&f);
}

static void test_cox_scaling(void **state)
{
    (void)state;
    maxrel_all = 0;
    tcsv *l = tcsv_read("data/lung.csv");
    assert_non_null(l);
    const char *xl[] = {"age", "sex", "ph_karno"}, *tl[] = {"age", "sex", "ph_karno_1e-7"};
    run_scaled(l, "lung_karno_1e-7", NULL, "time", "status", xl, tl, 3, 2, 1e-7, NT_TIES_EFRON);
    tcsv_free(l);
    tcsv *rt = tcsv_read("data/rotterdam.csv");
    assert_non_null(rt);
    const char *xr[] = {"meno", "pgr", "pgr", "nodes"}, *tr[] = {"meno", "pgr", "pgr^2", "nodes"};
    run_scaled(rt, "rotterdam_recur", NULL, "rtime", "recur", xr, tr, 4, 2, 0, NT_TIES_EFRON);
    run_scaled(rt, "rotterdam_death_breslow", NULL, "dtime", "death", xr, tr, 4, 2, 0, NT_TIES_BRESLOW);
    tcsv_free(rt);
    tcsv *h = tcsv_read("data/heart.csv");
    assert_non_null(h);
    const char *xh[] = {"age", "year", "surgery", "transplant"}, *th[] = {"age", "year_1e-7", "surgery", "transplant"};
    run_scaled(h, "heart_year_1e-7", "start", "stop", "event", xh, th, 4, 1, 1e-7, NT_TIES_EFRON);
    tcsv_free(h);
    fprintf(stderr, "cox scaling golden: max relative difference %.3g\n", maxrel_all);
}

/* Known truth: 3000 persons, hazard 0.05 exp(0.7 z + 0.4 x) with z ~ N(0,1),
   x ~ Bernoulli(.5), censoring uniform on (0, 40); plus a time-varying
   programme: starts at U(0, 20) for half of the persons, multiplies the
   hazard by exp(-0.5) after the start (rows split at the start, simulated by
   the memoryless property piece by piece), with robust SEs by person.
   Every estimate within 4 (robust) SE of the truth. */
static void test_cox_truth(void **state)
{
    (void)state;
    long np = 3000, cap = 2 * np;
    double *st = malloc((size_t)cap * sizeof *st), *sp = malloc((size_t)cap * sizeof *sp),
           *ev = malloc((size_t)cap * sizeof *ev), *x = malloc((size_t)cap * 3 * sizeof *x);
    double *xr = malloc((size_t)cap * 3 * sizeof *xr);
    long *cl = malloc((size_t)cap * sizeof *cl);
    nt_rng rng;
    nt_rng_init(&rng, 777, 2);
    long m = 0;
    for (long i = 0; i < np; i++) {
        double z = nt_rng_normal(&rng), b = nt_rng_bernoulli(&rng, 0.5), c = 40 * nt_rng_uniform(&rng);
        double tp = (i % 2) ? 20 * nt_rng_uniform(&rng) : INFINITY;
        double rate = 0.05 * exp(0.7 * z + 0.4 * b);
        double t1 = nt_rng_exponential(&rng, rate);
        double end1 = fmin(tp, c);
        if (t1 <= end1) {   /* event before the programme and censoring */
            st[m] = 0; sp[m] = t1; ev[m] = 1; xr[m * 3] = z; xr[m * 3 + 1] = b; xr[m * 3 + 2] = 0; cl[m++] = i;
            continue;
        }
        st[m] = 0; sp[m] = end1; ev[m] = 0; xr[m * 3] = z; xr[m * 3 + 1] = b; xr[m * 3 + 2] = 0; cl[m++] = i;
        if (tp >= c) continue;
        double t2 = tp + nt_rng_exponential(&rng, rate * exp(-0.5));
        st[m] = tp; sp[m] = fmin(t2, c); ev[m] = t2 <= c;
        xr[m * 3] = z; xr[m * 3 + 1] = b; xr[m * 3 + 2] = 1; cl[m++] = i;
    }
    for (long i = 0; i < m; i++)
        for (int j = 0; j < 3; j++) x[(size_t)j * (size_t)m + i] = xr[i * 3 + j];
    nt_surv_data d = {.n = m, .start = st, .stop = sp, .event = ev, .n_strata = 1};
    nt_cox_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_cox_fit(&d, x, 3, NULL, cl, np, NULL, &r, &err), NT_OK);
    double truth[] = {0.7, 0.4, -0.5};
    for (int j = 0; j < 3; j++) {
        assert_true(fabs(r->coef[j] - truth[j]) < 4 * r->robust_se[j]);
        assert_true(fabs(r->coef[j] - truth[j]) < 4 * r->se[j]);
        /* one person, at most one event: robust and model SE agree roughly */
        assert_true(r->robust_se[j] / r->se[j] > 0.8 && r->robust_se[j] / r->se[j] < 1.25);
    }
    assert_true(r->converged);
    nt_cox_result_free(r);
    free(st); free(sp); free(ev); free(x); free(xr); free(cl);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cox_tiny),
        cmocka_unit_test(test_cox_golden),
        cmocka_unit_test(test_cox_scaling),
        cmocka_unit_test(test_cox_truth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
