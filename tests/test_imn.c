/* estimators/nt_imn: the simulated confounder of Ichino, Mealli &
   Nannicini (2008) by hand on tiny inputs. The whole procedure against
   base R is tests/cli_confounder.sh (scripts/reference/imn.R). */
#include "tests/nt_test.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/nt_rng.h"
#include "estimators/nt_imn.h"

/* The grid with G = 2 is IMN's: d = 0.2, s = 0.4, zbar = q = 0.5:
   p0. = 0.3, p1. = 0.7, p00 = 0.3 - 0.2 x 0.5 = 0.2, p01 = 0.4,
   p10 = p11 = 0.7. With G = 4 (z = 0, 1/3, 2/3, 1) and zbar = 0.5:
   0.3 + 0.2 (z - 0.5) = 0.2, 0.2667, 0.3333, 0.4; with zbar = 0.25 the
   D = 0 shares shift by 0.05 (mean over the band's D = 0 rows still 0.3).
   Infeasible: d = s = 0.6, zbar = 0.5 gives p00 = 0.2 - 0.3 < 0. */
static void test_grid(void **state)
{
    (void)state;
    double p[8];
    assert_int_equal(nt_imn_grid_probs(0.2, 0.4, 2, 0.5, p), 0);
    expect_near(p[0], 0.2, 1e-15);
    expect_near(p[1], 0.4, 1e-15);
    expect_near(p[2], 0.7, 1e-15);
    expect_near(p[3], 0.7, 1e-15);
    assert_int_equal(nt_imn_grid_probs(0.2, 0.4, 4, 0.5, p), 0);
    expect_near(p[0], 0.2, 1e-15);
    expect_near(p[1], 0.8 / 3, 1e-15);
    expect_near(p[2], 1.0 / 3, 1e-15);
    expect_near(p[3], 0.4, 1e-15);
    for (int c = 4; c < 8; c++) expect_near(p[c], 0.7, 1e-15);
    assert_int_equal(nt_imn_grid_probs(0.2, 0.4, 4, 0.25, p), 0);
    expect_near(p[0], 0.25, 1e-15);
    expect_near(p[3], 0.45, 1e-15);
    assert_int_equal(nt_imn_grid_probs(0.6, 0.6, 2, 0.5, p), -1);
    assert_int_equal(nt_imn_grid_probs(0, 0, 2, 0.3, p), 0);
    expect_near(p[0], 0.5, 1e-15);
}

/* Quantile groups by hand: the rows' values 1..7 (m = 7; an eighth row
   with rows = 0 is left alone), G = 4: cut points y_(ceil(7/4)) = y_(2) = 2,
   y_(ceil(3.5)) = y_(4) = 4, y_(ceil(5.25)) = y_(6) = 6; a value's group is
   the number of cut points it exceeds. Ties: 0, 0, 0, 0, 1, 1 in halves,
   the median y_(3) = 0: groups 0, 0, 0, 0, 1, 1. */
static void test_categories(void **state)
{
    (void)state;
    double y[8] = {5, 1, 3, 2, 4, -9, 6, 7};
    uint8_t rows[8] = {1, 1, 1, 1, 1, 0, 1, 1}, cat[8] = {9, 9, 9, 9, 9, 9, 9, 9};
    uint8_t want[8] = {2, 0, 1, 0, 1, 9, 2, 3};
    nt_imn_categories(y, rows, 8, 4, cat);
    for (int r = 0; r < 8; r++) assert_int_equal(cat[r], want[r]);
    double t[6] = {0, 1, 0, 0, 1, 0};
    uint8_t all[6] = {1, 1, 1, 1, 1, 1}, c2[6], w2[6] = {0, 1, 0, 0, 1, 0};
    nt_imn_categories(t, all, 6, 2, c2);
    for (int r = 0; r < 6; r++) assert_int_equal(c2[r], w2[r]);
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

/* Cells of six rows and a variable: cell 0 has v = 1, 0 (1/2),
   cell 1 v = 1 (a NaN not counted), cell 2 none, cell 3 v = 0, 0, 1 (1/3),
   cell 5 v = 1; the row with cell -1 takes no part. */
static void test_cell_probs(void **state)
{
    (void)state;
    int32_t cell[9] = {0, 0, 1, 1, 3, 3, 3, -1, 5};
    double v[9] = {1, 0, 1, NAN, 0, 0, 1, 1, 1}, p[6];
    nt_imn_cell_probs(cell, v, 9, 6, p);
    expect_near(p[0], 0.5, 1e-15);
    expect_near(p[1], 1, 1e-15);
    assert_true(isnan(p[2]));
    expect_near(p[3], 1.0 / 3.0, 1e-15);
    assert_true(isnan(p[4]));
    expect_near(p[5], 1, 1e-15);
}

/* The draws: U = 1 exactly when the entry's uniform (one per analysed
   entry, in order, from stream (seed, 0)) is below its cell's p; p 0 and
   1 give U = the cell's parity; an entry with cell -1 gets 0 and no
   uniform. */
static void test_draw(void **state)
{
    (void)state;
    enum { N = 2000 };
    int32_t *cell = malloc(N * sizeof *cell);
    uint8_t *u = malloc(N);
    for (long i = 0; i < N; i++) cell[i] = i % 7 == 6 ? -1 : (int32_t)(i % 8);
    double p[8] = {0, 1, 0, 1, 0, 1, 0, 1};
    nt_imn_draw(cell, N, p, 42, u);
    for (long i = 0; i < N; i++) assert_int_equal(u[i], cell[i] < 0 ? 0 : cell[i] & 1);
    double q[8] = {0.1, 0.3, 0.6, 0.9, 0.2, 0.4, 0.5, 0.8};
    nt_imn_draw(cell, N, q, 7, u);
    nt_rng r;
    nt_rng_init(&r, 7, 0);
    for (long i = 0; i < N; i++) {
        if (cell[i] < 0) { assert_int_equal(u[i], 0); continue; }
        assert_int_equal(u[i], nt_rng_uniform(&r) < q[cell[i]]);
    }
    free(cell);
    free(u);
}

/* Odds ratio by hand: y on u alone (the x column is constant over the
   rows' persons: dropped). u = 1: y = 1, 1, 1, 0; u = 0: y = 1, 0, 0, 0:
   odds 3 against 1/3, ratio 9 (the logit of a 2 x 2 table reproduces it
   exactly). Rows are (person, start month): two rows may share a person
   (rows 0 and 1 are person 0 twice); person 8 (x = 2) is in no row. */
static void test_odds(void **state)
{
    (void)state;
    uint8_t u[8] = {1, 1, 1, 1, 0, 0, 0, 0}, y[8] = {1, 1, 1, 0, 1, 0, 0, 0};
    long person[8] = {0, 0, 2, 3, 4, 5, 6, 7};
    double x[9] = {5, 5, 5, 5, 5, 5, 5, 5, 2};
    nt_error err;
    expect_near(nt_imn_odds(x, 9, 1, NULL, person, 8, y, u, &err), 9, 1e-8);
    /* with a covariate that splits the u = 1 rows the odds ratio moves */
    double x2[9] = {0, 1, 0, 1, 0, 1, 0, 1, 0};
    long p2[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    double o2 = nt_imn_odds(x2, 9, 1, NULL, p2, 8, y, u, &err);
    assert_true(isfinite(o2) && o2 > 1);
    uint8_t cols[1] = {0};
    expect_near(nt_imn_odds(x2, 9, 1, cols, p2, 8, y, u, &err), 9, 1e-8);
    assert_true(isnan(nt_imn_odds(x, 9, 1, NULL, person, 1, y, u, &err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_categories),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_cell_probs),
        cmocka_unit_test(test_draw),
        cmocka_unit_test(test_odds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
