/* estimators/nt_imn: the simulated confounder of Ichino, Mealli &
   Nannicini (2008) by hand on tiny inputs. The whole procedure against
   base R is tests/cli_confounder.sh (scripts/reference/imn.R). */
#include "tests/nt_test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/nt_rng.h"
#include "estimators/nt_imn.h"

/* The grid: d = 0.2, s = 0.4, q = 0.5: p0. = 0.3, p1. = 0.7,
   p00 = 0.3 - 0.2 x 0.5 = 0.2, p01 = 0.4, p10 = p11 = 0.7; and
   (1 - q) p00 + q p01 = 0.3 = p0. Infeasible: d = s = 0.6, q = 0.5 gives
   p00 = 0.2 - 0.3 < 0. */
static void test_grid(void **state)
{
    (void)state;
    double p[4];
    assert_int_equal(nt_imn_grid_probs(0.2, 0.4, 0.5, p), 0);
    expect_near(p[0], 0.2, 1e-15);
    expect_near(p[1], 0.4, 1e-15);
    expect_near(p[2], 0.7, 1e-15);
    expect_near(p[3], 0.7, 1e-15);
    assert_int_equal(nt_imn_grid_probs(0.6, 0.6, 0.5, p), -1);
    assert_int_equal(nt_imn_grid_probs(0, 0, 0.3, p), 0);
    expect_near(p[0], 0.5, 1e-15);
}

/* est 1, 2, 3 and se 1, 1, 2 (a fourth draw NaN, left out): mean 2,
   W = (1 + 1 + 4) / 3 = 2, B = ((1 + 0 + 1) / 2) = 1,
   T = 2 + (1 + 1/3) 1 = 10/3. One draw: B = 0, se = its own. */
static void test_combine(void **state)
{
    (void)state;
    double est[4] = {1, 2, NAN, 3}, se[4] = {1, 1, 0.5, 2}, m, s, w, b;
    nt_imn_combine(est, se, 4, &m, &s, &w, &b);
    expect_near(m, 2, 1e-15);
    expect_near(w, 2, 1e-15);
    expect_near(b, 1, 1e-15);
    expect_near(s, sqrt(10.0 / 3.0), 1e-15);
    nt_imn_combine(est + 1, se + 1, 1, &m, &s, &w, &b);
    expect_near(m, 2, 1e-15);
    expect_near(s, 1, 1e-15);
    expect_near(b, 0, 1e-15);
    nt_imn_combine(est + 2, se + 2, 1, &m, &s, &w, &b);
    assert_true(isnan(m) && isnan(s));
    /* se of the first draw only: W = 1, B = 1 (est 1, 2, 3), T = 1 + 4/3 */
    double se1[4] = {1, NAN, NAN, NAN};
    nt_imn_combine(est, se1, 4, &m, &s, &w, &b);
    expect_near(w, 1, 1e-15);
    expect_near(s, sqrt(1 + 4.0 / 3.0), 1e-15);
    double se0[4] = {NAN, NAN, NAN, NAN};
    nt_imn_combine(est, se0, 4, &m, &s, &w, &b);
    assert_true(isnan(s));
}

/* Cells 2D + Y of six persons and a variable: cell 0 has v = 1, 0 (1/2),
   cell 1 v = 1 (a NaN not counted), cell 2 none, cell 3 v = 0, 0, 1 (1/3);
   the person with cell 255 takes no part. */
static void test_cell_probs(void **state)
{
    (void)state;
    uint8_t cell[8] = {0, 0, 1, 1, 3, 3, 3, 255};
    double v[8] = {1, 0, 1, NAN, 0, 0, 1, 1}, p[4];
    nt_imn_cell_probs(cell, v, 8, p);
    expect_near(p[0], 0.5, 1e-15);
    expect_near(p[1], 1, 1e-15);
    assert_true(isnan(p[2]));
    expect_near(p[3], 1.0 / 3.0, 1e-15);
}

/* The draws: U = 1 exactly when the person's uniform (one per analysed
   person, in order, from stream (seed, 0)) is below its cell's p; p 0 and
   1 give U = Y; a person with cell 255 gets 0 and no uniform. */
static void test_draw(void **state)
{
    (void)state;
    enum { N = 2000 };
    uint8_t *cell = malloc(N), *u = malloc(N);
    for (long i = 0; i < N; i++) cell[i] = i % 7 == 6 ? 255 : (uint8_t)(i % 4);
    double p[4] = {0, 1, 0, 1};
    nt_imn_draw(cell, N, p, 42, u);
    for (long i = 0; i < N; i++) assert_int_equal(u[i], cell[i] > 3 ? 0 : cell[i] & 1);
    double q[4] = {0.1, 0.3, 0.6, 0.9};
    nt_imn_draw(cell, N, q, 7, u);
    nt_rng r;
    nt_rng_init(&r, 7, 0);
    for (long i = 0; i < N; i++) {
        if (cell[i] > 3) { assert_int_equal(u[i], 0); continue; }
        assert_int_equal(u[i], nt_rng_uniform(&r) < q[cell[i]]);
    }
    free(cell);
    free(u);
}

/* Odds ratio by hand: y on u alone (the x column is constant over the
   rows: dropped). u = 1: y = 1, 1, 1, 0; u = 0: y = 1, 0, 0, 0:
   odds 3 against 1/3, ratio 9 (the logit of a 2 x 2 table reproduces it
   exactly). The row left out (rows = 0) would change it. */
static void test_odds(void **state)
{
    (void)state;
    uint8_t u[9] = {1, 1, 1, 1, 0, 0, 0, 0, 1}, y[9] = {1, 1, 1, 0, 1, 0, 0, 0, 0}, rows[9] = {1, 1, 1, 1, 1, 1, 1, 1, 0};
    double x[9] = {5, 5, 5, 5, 5, 5, 5, 5, 2};
    nt_error err;
    expect_near(nt_imn_odds(x, 9, 1, NULL, rows, y, u, &err), 9, 1e-8);
    /* with a covariate that splits the u = 1 rows the odds ratio moves */
    double x2[9] = {0, 1, 0, 1, 0, 1, 0, 1, 0};
    double o2 = nt_imn_odds(x2, 9, 1, NULL, rows, y, u, &err);
    assert_true(isfinite(o2) && o2 > 1);
    uint8_t cols[1] = {0};
    expect_near(nt_imn_odds(x2, 9, 1, cols, rows, y, u, &err), 9, 1e-8);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_cell_probs),
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_odds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
