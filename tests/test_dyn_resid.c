/* The AI residuals of the dynamic linearisation by groups of equal score
   (estimators/nt_dyn_resid.c) against the control-by-control walk they
   replace (the walk of nt_match_resid_many over the observed controls,
   copied here), on a hand case and on scores with many ties. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_internal.h"

/* The former walk: J nearest observed controls of rank q (ties at the J-th
   distance included), e = sign(y_j - mean of them) sqrt(sample variance). */
static double walk(long n, const long *ord, const double *sorted, const uint8_t *skip, const double *y, long q,
                   int J)
{
    long Lp = q - 1, Rp = q + 1, got = 0, *nb = malloc((size_t)n * sizeof *nb);
    double s = sorted[q], dJ = 0;
    for (;;) {
        while (Lp >= 0 && skip[ord[Lp]]) Lp--;
        while (Rp < n && skip[ord[Rp]]) Rp++;
        if (Lp < 0 && Rp >= n) break;
        double dl = Lp >= 0 ? s - sorted[Lp] : INFINITY, dr = Rp < n ? sorted[Rp] - s : INFINITY;
        int takeL = dl != dr ? dl < dr : ord[Lp] < ord[Rp];
        double d = takeL ? dl : dr;
        long pick = takeL ? ord[Lp--] : ord[Rp++];
        if (got < J) { nb[got++] = pick; dJ = d; }
        else if (d <= dJ) nb[got++] = pick;
        else break;
    }
    long j = ord[q];
    double e = NAN;
    if (got > 0) {
        double sum = y[j];
        for (long u = 0; u < got; u++) sum += y[nb[u]];
        double mean = sum / (double)(got + 1), sum2 = (y[j] - mean) * (y[j] - mean);
        for (long u = 0; u < got; u++) sum2 += (y[nb[u]] - mean) * (y[nb[u]] - mean);
        e = (y[j] >= (sum - y[j]) / (double)got ? 1.0 : -1.0) * sqrt(sum2 / (double)got);
    }
    free(nb);
    return e;
}

/* n controls already in score order (ord = identity). */
static void check(long n, const double *score, const uint8_t *skip, const double *y, int J, double tol)
{
    long *ord = malloc((size_t)n * sizeof *ord);
    for (long r = 0; r < n; r++) ord[r] = r;
    nt_dyn_resid *R = NULL;
    double *yy[1] = {(double *)y};
    assert_int_equal(nt_dyn_resid_month(&R, n, ord, score, skip, 1, yy), 0);
    for (long r = 0; r < n; r++) {
        if (skip[r]) continue;
        double e, want = walk(n, ord, score, skip, y, r, J);
        nt_dyn_resid_get(R, r, score[r], J, 1, &y[r], &e);
        if (isnan(want)) assert_true(isnan(e));
        else expect_near(e, want, tol);
    }
    nt_dyn_resid_free(R);
    free(ord);
}

/* By hand, J = 1: scores 0, 0, 1, 3, 3, 3 with y 1, 3, 5, 0, 0, 6 (the
   second control at score 1 unobserved):
     rank 0 (y 1): its group {1, 3}: mean 2, variance 2 -> e = -sqrt(2);
     rank 2 (y 5): nearest are score 0 (1 away) and 3 (2 away): {5, 1, 3},
       mean 3, variance (4 + 4 + 0) / 2 = 4 -> e = +2;
     rank 4 (y 0): group {0, 0, 6}: mean 2, variance (4 + 4 + 16) / 2 = 12,
       y = 0 below the others' mean 3 -> e = -sqrt(12). */
static void test_resid_hand(void **state)
{
    (void)state;
    double score[7] = {0, 0, 1, 1, 3, 3, 3}, y[7] = {1, 3, 5, 9, 0, 0, 6};
    uint8_t skip[7] = {0, 0, 0, 1, 0, 0, 0};
    long ord[7] = {0, 1, 2, 3, 4, 5, 6};
    nt_dyn_resid *R = NULL;
    double *yy[1] = {y}, e;
    assert_int_equal(nt_dyn_resid_month(&R, 7, ord, score, skip, 1, yy), 0);
    nt_dyn_resid_get(R, 0, 0, 1, 1, &y[0], &e);
    expect_near(e, -sqrt(2), 1e-14);
    nt_dyn_resid_get(R, 2, 1, 1, 1, &y[2], &e);
    expect_near(e, 2, 1e-14);
    nt_dyn_resid_get(R, 4, 3, 1, 1, &y[4], &e);
    expect_near(e, -sqrt(12), 1e-14);
    nt_dyn_resid_free(R);
    check(7, score, skip, y, 1, 1e-14);
    check(7, score, skip, y, 3, 1e-14);
}

/* Many ties (20 distinct scores over 2,000 controls), a third unobserved,
   outcomes 0/1 and continuous, J = 1, 4 and 50. */
static void test_resid_ties(void **state)
{
    (void)state;
    long n = 2000;
    double *score = malloc((size_t)n * sizeof *score), *y = malloc((size_t)n * sizeof *y);
    uint8_t *skip = malloc((size_t)n);
    unsigned s = 12345;
    for (long r = 0; r < n; r++) {
        score[r] = (double)(r * 20 / n) * 0.37 - 2;
        s = s * 1103515245u + 12345u;
        skip[r] = (s >> 16) % 3 == 0;
        s = s * 1103515245u + 12345u;
        y[r] = (s >> 16) % 2;
    }
    int Js[3] = {1, 4, 50};
    for (int a = 0; a < 3; a++) check(n, score, skip, y, Js[a], 1e-12);
    for (long r = 0; r < n; r++) {
        s = s * 1103515245u + 12345u;
        y[r] = 100 + (double)((s >> 16) % 1000) / 7.0;
    }
    for (int a = 0; a < 3; a++) check(n, score, skip, y, Js[a], 1e-9);
    free(score);
    free(y);
    free(skip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resid_hand),
        cmocka_unit_test(test_resid_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
