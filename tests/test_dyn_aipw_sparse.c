/* AIPW's outcome model in a sparse start month (estimators/nt_dyn_paths.c,
   nt_dyn_ols_controls; docs/dynamic.md, "AIPW's outcome model"): fitted
   only on at least adjust_per_col (default 10) rows per column of the
   design, else mu0 = 0 and the month's AIPW is its IPW contrast. Without
   the rule the exact fit of a few controls is extrapolated to a treated
   person far from them and the effect on a binary outcome leaves [-1, 1]
   (seed 6 of docs/inference.md: ATT_k 1,132).

   The tiny panel of tests/dyn_tiny.h with P5 (treated) at x = 10, no
   trimming (the score is not what extrapolates; in the seed-6 case the
   treated's score was inside the controls' range, its earnings not).
   The design is (1, x), two columns.
   ATT, month 2 (P2 censored): the OLS of y(2) on (1, x) over P1 (x 0,
     y 1), P4 (x 1, y 0), P6 (x 1, y 1): mu0(x) = 1 - x / 2 (weights 1; the
     ATT weights enter only the contrast). Control residuals 0, -1/2, 1/2,
     their weighted mean 0 (P4 and P6 share x, so their weights). Treated
     P0 (x 0, y 1) 0, P3 (x 1, y 1) 1/2, P5 (x 10, y 0) 0 - (1 - 5) = 4:
     ATT(2) = 4.5 / 3 = 1.5 with the model fitted on 3 rows.
   ATT_never (the start hazard of test_dyn_cells_never.c), month 2 (P6
     started, P2 censored): P1 (x 0, y 1), P4 (x 1, y 0), fitted exactly:
     mu0 = 1 - x whatever the weights, control residuals 0; treated 0, 1,
     0 - (1 - 10) = 9: ATT_never(2) = 10/3.
   With the rule (3 and 2 rows < 10 x 2) both are the IPW contrast, inside
   [-1, 1]. At the boundary (adjust_per_col 2): ATT month 1 has 4 = 2 x 2
   rows and is fitted (P1, P2 at x 0 y 1, P4, P6 at x 1 y 0: mu0 = 1 - x,
   control residuals 0; treated P0 0 - 1, P3 1 - 0, P5 0 - (1 - 10) = 9:
   ATT(1) = 3), month 2 (3 rows) is not. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "tests/dyn_tiny.h"

/* per_col < 0: the default (10). */
static nt_dyn_result *run(nt_method method, int never, int per_col, nt_dyn_lin *lin)
{
    dyn_tiny T;
    dyn_tiny_init(&T);
    T.x[5] = 10;
    if (never) {   /* risk-set data for months 0..3, P4 off the index benefit from month 1 */
        T.n_risk = 4;
        for (int i = 0; i < 8; i++)
            for (int t = 0; t < 4; t++) T.on[i * 4 + t] = i == 4 && t > 0 ? 0 : 1;
    }
    nt_dyn_opts o;
    dyn_tiny_opts(&o, method, lin);
    o.trim = NT_TRIM_NONE;
    o.never = never;
    nt_dyn_opts d;
    nt_dyn_opts_default(&d);
    o.adjust_per_col = per_col < 0 ? d.adjust_per_col : per_col;
    nt_dyn_result *r = NULL;
    nt_error err;
    if (dyn_tiny_estimate(&T, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static void test_aipw_sparse_extrapolates_without_rule(void **state)
{
    (void)state;
    nt_dyn_result *r = run(NT_METHOD_AIPW, 0, 1, NULL);
    expect_near(r->att[2], 1.5, 1e-9);
    nt_dyn_result_free(r);
    r = run(NT_METHOD_AIPW, 1, 1, NULL);
    expect_near(r->att[2], 10.0 / 3, 1e-9);
    nt_dyn_result_free(r);
}

static void test_aipw_sparse_is_ipw(void **state)
{
    (void)state;
    for (int never = 0; never <= 1; never++) {
        nt_dyn_lin *L;
        nt_error err;
        assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
        nt_dyn_result *a = run(NT_METHOD_AIPW, never, -1, L), *b = run(NT_METHOD_IPW, never, -1, NULL);
        nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
        nt_dyn_inference *f;
        assert_int_equal(nt_dyn_infer(L, a, &io, &f, &err), NT_OK);
        for (int tau = 0; tau < 3; tau++) {
            assert_false(isnan(a->att[tau]));
            expect_near(a->att[tau], b->att[tau], 1e-12);
            expect_near(a->k_att[tau], b->k_att[tau], 1e-12);
            assert_true(fabs(a->att[tau]) <= 1);
            assert_true(isfinite(f->se[tau]));
        }
        nt_dyn_inference_free(f);
        nt_dyn_lin_free(L);
        nt_dyn_result_free(a);
        nt_dyn_result_free(b);
    }
}

static void test_aipw_sparse_boundary(void **state)
{
    (void)state;
    nt_dyn_result *a = run(NT_METHOD_AIPW, 0, 2, NULL), *b = run(NT_METHOD_IPW, 0, 2, NULL);
    expect_near(a->att[1], 3, 1e-9);   /* 4 rows: fitted */
    expect_near(a->att[2], b->att[2], 1e-12);   /* 3 rows: not */
    assert_true(fabs(a->att[2] - 1.5) > 0.1);
    nt_dyn_result_free(a);
    nt_dyn_result_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aipw_sparse_extrapolates_without_rule),
        cmocka_unit_test(test_aipw_sparse_is_ipw),
        cmocka_unit_test(test_aipw_sparse_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
