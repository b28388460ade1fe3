/* The censoring weights' tail (estimators/nt_dyn_wtail.c) and the run's
   warning on it (study/nt_run_wtail.c) by hand. 192 persons, x = 0 or 1,
   half of each x treated at start month 0 (every IPW control weight 1),
   months 0..2, the pooled censoring model (exact here: the rates are
   constant over months 1-2 and the same treated or not). Per side
   (treated, control): 32 persons with x = 0, censored at the rate 1/4 in
   months 1 and 2 (32 -> 24 -> 18 observed), and 64 with x = 1 at the rate
   7/8 (64 -> 8 -> 1), so W(0, t) = (4/3)^t and 8^t. Month 1: 48 persons
   of weight 4/3 and 16 of 8, sum 192, sum of squares 1109.33, Kish's
   effective number 192^2 / 1109.33 = 33.2 of 64 (52%); month 2: 36 of
   weight 16/9 and 2 of 64 (the two carry two thirds of the weight), sum
   192, sum of squares 8305.78, effective number 4.44 of 38 (12%, under
   NT_WTAIL_RATIO = 0.20), the largest weight's share 64 / 192: month 2 is
   flagged, months 0 and 1 are not. With the x = 1 persons censored at 1/4
   as well (64 -> 48 -> 36) every weight is (4/3)^t: effective number =
   persons, nothing flagged. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "study/nt_run_parts.h"
#include "tests/dyn_tiny.h"

enum { WT_A = 32, WT_B = 64, WT_N = 2 * (WT_A + WT_B), WT_M = 3 };

/* heavy: x = 1 censored at 7/8 a month, else at 1/4 like x = 0 */
static nt_dyn_panel *wt_fill(dyn_rand *T, int heavy)
{
    memset(T, 0, sizeof *T);
    for (int i = 0; i < WT_N; i++) {
        int tr = i % 2, r = i / 2, x = r >= WT_A, g = x ? WT_B : WT_A;   /* r: rank within the side */
        if (x) r -= WT_A;
        int c1 = x && heavy ? 56 : g / 4, c2 = x && heavy ? 7 : (g - g / 4) / 4;
        T->units[i] = i;
        T->x[i] = x;
        T->tm[i] = tr ? 0 : -1;
        T->tt[i] = tr;
        T->cost[i] = NAN;
        T->adm[i] = WT_M;
        T->nobs[i] = r < c1 ? 1 : r < c1 + c2 ? 2 : WT_M;
        T->inc[i] = 1;
        for (int t = 0; t < WT_M; t++) {
            T->on[i * WT_M + t] = 1;
            T->y[i * WT_M + t] = t < T->nobs[i] ? (float)(tr && t == 2) : NAN;
        }
    }
    T->term[0] = "x";
    return dyn_rand_view(T, WT_N, WT_M, 1, 1, 0);
}

static nt_dyn_result *wt_run(dyn_rand *T, int heavy, int censoring)
{
    nt_dyn_opts o;
    nt_dyn_opts_default(&o);
    o.program = 1;
    o.start_first = o.start_last = 0;
    o.start_interval = 1;
    o.horizon = WT_M;
    o.method = NT_METHOD_IPW;
    o.caliper = 0;
    o.min_treated = 1;
    o.bias_adjust = 0;
    o.censoring = censoring;
    o.censoring_model = 1;
    o.full = 1;
    nt_dyn_result *r = NULL;
    nt_error err;
    if (nt_dyn_estimate(wt_fill(T, heavy), T->units, WT_N, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static void test_wtail_heavy(void **state)
{
    (void)state;
    static dyn_rand T;
    nt_dyn_result *r = wt_run(&T, 1, 1);
    assert_non_null(r->wtail_n);
    expect_near(r->wtail_n[0], 192, 1e-9);
    expect_near(r->wtail_ess[0], 192, 1e-6);
    expect_near(r->wtail_n[1], 64, 1e-9);
    expect_near(r->wtail_ess[1], 192.0 * 192 / (48 * 16.0 / 9 + 16 * 64), 1e-4);
    expect_near(r->wtail_n[2], 38, 1e-9);
    expect_near(r->wtail_ess[2], 192.0 * 192 / (36 * 256.0 / 81 + 2 * 4096), 1e-4);
    expect_near(r->wtail_top[2], 64.0 / 192, 1e-6);
    int first, worst;
    double q;
    assert_int_equal(nt_run_wtail_months(r, WT_M, &first, &worst, &q), 1);
    assert_int_equal(first, 2);
    assert_int_equal(worst, 2);
    expect_near(q, 192.0 * 192 / (36 * 256.0 / 81 + 2 * 4096) / 38, 1e-5);
    char buf[1024];
    assert_int_equal(nt_run_wtail_text(r, WT_M, "any", "whole cohort", buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "any, whole cohort: the censoring weights (IPCW) rest on few persons in 1 months "
                                "since start, the first 2"));
    assert_non_null(strstr(buf, "month 2: 12%"));
    nt_dyn_result_free(r);
}

static void test_wtail_even(void **state)
{
    (void)state;
    static dyn_rand T;
    nt_dyn_result *r = wt_run(&T, 0, 1);
    assert_non_null(r->wtail_n);
    expect_near(r->wtail_n[1], 144, 1e-9);
    expect_near(r->wtail_ess[1], 144, 1e-6);
    expect_near(r->wtail_n[2], 108, 1e-9);
    expect_near(r->wtail_ess[2], 108, 1e-6);
    int first, worst;
    double q;
    assert_int_equal(nt_run_wtail_months(r, WT_M, &first, &worst, &q), 0);
    assert_int_equal(first, -1);
    char buf[1024];
    assert_int_equal(nt_run_wtail_text(r, WT_M, "any", "whole cohort", buf, sizeof buf), 0);
    nt_dyn_result_free(r);
    /* without IPCW no facts, no warning */
    r = wt_run(&T, 1, 0);
    assert_null(r->wtail_n);
    assert_int_equal(nt_run_wtail_text(r, WT_M, "any", "whole cohort", buf, sizeof buf), 0);
    nt_dyn_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_wtail_heavy), cmocka_unit_test(test_wtail_even)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
