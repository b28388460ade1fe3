/* estimators/nt_sens: Rosenbaum bounds against base R
   (scripts/reference/rosenbaum.R -> tests/golden/rosenbaum_*.csv), and by
   hand on a tiny case. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_sens.h"

/* Rows of a small numeric CSV (header skipped; empty cells NaN). */
static int read_csv(const char *path, double *v, int ncol, int maxrow)
{
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    char line[4096];
    int r = 0;
    if (!fgets(line, sizeof line, f)) fail_msg("%s: empty", path);
    while (r < maxrow && fgets(line, sizeof line, f)) {
        char *p = line;
        for (int c = 0; c < ncol; c++) {
            char *e;
            double x = strtod(p, &e);
            v[r * ncol + c] = e == p ? NAN : x;
            p = strchr(e, ',');
            if (!p) break;
            p++;
        }
        r++;
    }
    fclose(f);
    return r;
}

/* Hand case: d = 3, -1, 2, 0, 2: ranks of |d| over the non-zero ones
   1 (|-1|), 2.5, 2.5 (the 2s), 4 (3): T+ = 9, sum r = 10, sum r^2 = 29.5.
   Gamma 1: E = 5, V = 7.375, p = 1 - Phi(4 / 2.7157) = 0.07039. */
static void test_wilcoxon_hand(void **state)
{
    (void)state;
    nt_error err;
    double d[] = {3, -1, 2, 0, 2};
    double p = nt_sens_wilcoxon_p(d, 5, 1, 1.0, &err);
    expect_near(p, 0.5 * erfc(4 / sqrt(7.375) / sqrt(2)), 1e-12);
    /* Gamma 2: P(+) = 2/3, E = 20/3, V = 29.5 * 2/9. */
    p = nt_sens_wilcoxon_p(d, 5, 1, 2.0, &err);
    expect_near(p, 0.5 * erfc((9 - 20.0 / 3) / sqrt(29.5 * 2 / 9) / sqrt(2)), 1e-12);
    double z[] = {0, 0};
    assert_true(isnan(nt_sens_wilcoxon_p(z, 2, 1, 1.0, &err)));
}

static void test_wilcoxon_golden(void **state)
{
    (void)state;
    double d[200], g[6 * 3];
    int n = read_csv("golden/rosenbaum_d.csv", d, 1, 200);
    assert_int_equal(n, 66);
    int rows = read_csv("golden/rosenbaum_wilcoxon.csv", g, 3, 6);
    assert_int_equal(rows, 6);
    nt_error err;
    for (int r = 0; r < 5; r++) {
        expect_near(nt_sens_wilcoxon_p(d, n, 1, g[r * 3], &err), g[r * 3 + 1], 1e-10);
        expect_near(nt_sens_wilcoxon_p(d, n, -1, g[r * 3], &err), g[r * 3 + 2], 1e-10);
    }
    /* The critical Gamma: bisection to 1e-4 against R's uniroot. */
    expect_near(nt_sens_wilcoxon_gamma(d, n, 1, 0.05, 10, &err), g[5 * 3 + 1], 2e-4);
    assert_true(nt_sens_wilcoxon_gamma(d, n, -1, 0.05, 10, &err) == 1.0);
}

static void test_mh_golden(void **state)
{
    (void)state;
    double g[4 * 10];
    int rows = read_csv("golden/rosenbaum_mh.csv", g, 10, 4);
    assert_int_equal(rows, 4);
    static const double gam[] = {1, 1.25, 1.5, 2};
    for (int r = 0; r < rows; r++) {
        const double *c = g + r * 10;
        int sign = c[4] > 0 ? 1 : -1;
        for (int q = 0; q < 4; q++) expect_near(nt_sens_mh_p(c[0], c[1], c[2], c[3], sign, gam[q]), c[5 + q], 1e-9);
        expect_near(nt_sens_mh_gamma(c[0], c[1], c[2], c[3], sign, 0.05, 10), c[9], 2e-4);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wilcoxon_hand),
        cmocka_unit_test(test_wilcoxon_golden),
        cmocka_unit_test(test_mh_golden),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
