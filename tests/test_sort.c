/* estimators/nt_sort: the radix order equals a comparator sort by
   (cell, score, index) on data with ties, negatives, -0, NaN and cells. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdlib.h>

#include "core/nt_rng.h"
#include "estimators/nt_sort.h"

static const long *g_cell;
static const double *g_score;

static int cmp(const void *a, const void *b)
{
    long i = *(const long *)a, j = *(const long *)b;
    long ci = g_cell ? g_cell[i] : 0, cj = g_cell ? g_cell[j] : 0;
    if (ci != cj) return ci < cj ? -1 : 1;
    double si = g_score[i], sj = g_score[j];
    int ni = isnan(si), nj = isnan(sj);
    if (ni != nj) return ni - nj;           /* NaN last */
    if (!ni && si != sj) return si < sj ? -1 : 1;
    return (i > j) - (i < j);
}

static void check(long n, int with_cells, int ties, uint64_t seed)
{
    nt_rng r;
    nt_rng_init(&r, seed, 0);
    long *cell = with_cells ? malloc((size_t)n * sizeof *cell) : NULL;
    double *score = malloc((size_t)n * sizeof *score);
    long *got = malloc((size_t)n * sizeof *got), *want = malloc((size_t)n * sizeof *want);
    for (long i = 0; i < n; i++) {
        if (cell) cell[i] = (long)nt_rng_below(&r, 7) - 3 + (nt_rng_below(&r, 50) == 0 ? 100000 : 0);
        double v = ties ? (double)((long)nt_rng_below(&r, 40) - 20) / 4.0 : 10 * nt_rng_normal(&r);
        if (nt_rng_below(&r, 100) == 0) v = -0.0;
        if (nt_rng_below(&r, 500) == 0) v = NAN;
        if (nt_rng_below(&r, 300) == 0) v = (nt_rng_below(&r, 2) ? 1 : -1) * 1e300;
        score[i] = v;
        want[i] = i;
    }
    g_cell = cell;
    g_score = score;
    qsort(want, (size_t)n, sizeof *want, cmp);
    assert_int_equal(nt_sort_cell_score(n, cell, score, got), 0);
    for (long i = 0; i < n; i++) assert_int_equal(got[i], want[i]);
    free(cell);
    free(score);
    free(got);
    free(want);
}

static void test_sort_matches_comparator(void **state)
{
    (void)state;
    check(0, 0, 0, 1);
    check(1, 1, 0, 2);
    check(20000, 0, 0, 3);
    check(20000, 1, 0, 4);
    check(30000, 1, 1, 5);   /* many exact ties: lower index first */
    check(30000, 0, 1, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_sort_matches_comparator)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
