/* estimators/nt_kmdiff: the weighted Kaplan-Meier curves of
   time_to_work.csv, by hand and against R's survfit. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_kmdiff.h"
#include "tests/surv_testdata.h"

/* Group 0: (T 1, event, w 1, person 1), (T 2, censored, w 1, person 2),
   (T 2, event, w 2, person 3); group 1: (T 1, censored, w 0.5, person 1),
   (T 2, event, w 1.5, person 4). H = 2.
   Group 0: n1 = 4, d1 = 1, S(1) = 3/4; n2 = 3, d2 = 2, S(2) = 1/4.
     E(1) = 1/3, C(1) = (1/4)/3 = 1/12; E(2) = 1, C(2) = 1/12 + 2/3 = 3/4.
     w D(1): row a -3/4 (1/3 - 1/12) = -3/16; row b 3/4 * 1/12 = 1/16;
             row c 2 * 1/16 = 1/8 (they sum to 0);
     w D(2): row a -1/4 (1/3 - 1/12) = -1/16; row b 1/4 * 3/4 = 3/16;
             row c -2 * 1/4 (1 - 3/4) = -1/8.
     Var S(1) = Var S(2) = (9 + 1 + 4) / 256.
   Group 1: n1 = 2, d1 = 0, S(1) = 1 (influence 0); n2 = d2 = 1.5, S(2) = 0
     (its variance undefined: NaN). Difference at 1: person 1's -3/16 - 0,
     so its SE is group 0's.
   Facts: persons at risk group 0: 3, 2; group 1: 2, 1; Kish at month 1 of
   group 1: (0.5 + 1.5)^2 / (0.25 + 2.25) = 1.6; persons with an event by
   month: group 0 1, 2; group 1 0, 1.
   Median of group 0: month 2 (S = 1/4); q(0.4) = q(0.6) = 2, b = 1,
   f = (S(1) - S(2)) / 1 = 1/2: se = sqrt(14)/16 / (1/2). */
static void test_kmdiff_tiny(void **state)
{
    (void)state;
    int32_t T[] = {1, 2, 2, 1, 2};
    uint8_t e[] = {1, 0, 1, 0, 1}, g[] = {0, 0, 0, 1, 1};
    double w[] = {1, 1, 2, 0.5, 1.5};
    long pe[] = {1, 2, 3, 1, 4};
    nt_kmdiff_data d = {.n = 5, .time = T, .event = e, .weight = w, .group = g, .person = pe};
    nt_kmdiff_result *r = NULL;
    nt_error err = {0};
    assert_int_equal(nt_kmdiff_fit(&d, 2, 0.95, &r, &err), NT_OK);
    expect_near(r->surv[1], 0.75, 1e-15);
    expect_near(r->surv[2], 0.25, 1e-15);
    expect_near(r->surv[3 + 1], 1, 1e-15);
    expect_near(r->surv[3 + 2], 0, 1e-15);
    expect_near(r->se[1], sqrt(14) / 16, 1e-15);
    expect_near(r->se[2], sqrt(14) / 16, 1e-15);
    expect_near(r->se[3 + 1], 0, 1e-15);
    assert_true(isnan(r->se[3 + 2]));
    expect_near(r->diff[1], -0.25, 1e-15);
    expect_near(r->se_diff[1], sqrt(14) / 16, 1e-15);
    expect_near(r->lower[1], -0.25 - 1.959963984540054 * sqrt(14) / 16, 1e-12);
    expect_near(r->n_risk_w[1], 4, 0);
    expect_near(r->n_risk_w[3 + 2], 1.5, 0);
    assert_int_equal(r->n_risk[1], 3);
    assert_int_equal(r->n_risk[2], 2);
    assert_int_equal(r->n_risk[3 + 1], 2);
    assert_int_equal(r->n_risk[3 + 2], 1);
    expect_near(r->n_eff[3 + 1], 1.6, 1e-15);
    assert_int_equal(r->n_events[1], 1);
    assert_int_equal(r->n_events[2], 2);
    assert_int_equal(r->n_events[3 + 1], 0);
    assert_int_equal(r->n_events[3 + 2], 1);
    expect_near(r->median[0], 2, 0);
    expect_near(r->median[1], 2, 0);
    expect_near(r->median_se[0], sqrt(14) / 8, 1e-15);
    assert_true(isnan(r->median_se[1]));
    nt_kmdiff_free(r);

    /* A time beyond H is censored at H: with H = 1 row c (T 2) is at risk in
       month 1 and no event; the same as the curves above at month 1. */
    assert_int_equal(nt_kmdiff_fit(&d, 1, 0.95, &r, &err), NT_OK);
    expect_near(r->surv[1], 0.75, 1e-15);
    expect_near(r->se[1], sqrt(14) / 16, 1e-15);
    assert_true(isnan(r->median[0]));
    nt_kmdiff_free(r);

    /* Bad rows are refused. */
    w[2] = 0;
    assert_int_equal(nt_kmdiff_fit(&d, 2, 0.95, &r, &err), NT_EINPUT);
    w[2] = 2;
    T[0] = 0;
    assert_int_equal(nt_kmdiff_fit(&d, 2, 0.95, &r, &err), NT_EINPUT);
}

/* Against survfit(Surv(time, event) ~ group, weights, id = person,
   robust = TRUE) (scripts/reference/ttw_golden.R) to 1e-10. */
static void test_kmdiff_golden(void **state)
{
    (void)state;
    tcsv *in = tcsv_read("data/ttw_km.csv"), *gd = tcsv_read("golden/ttw_km.csv");
    assert_non_null(in);
    assert_non_null(gd);
    long n = in->nrow;
    int32_t *T = malloc((size_t)n * sizeof *T);
    uint8_t *e = malloc((size_t)n), *g = malloc((size_t)n);
    double *w = malloc((size_t)n * sizeof *w);
    long *pe = malloc((size_t)n * sizeof *pe);
    for (long i = 0; i < n; i++) {
        T[i] = (int32_t)tcsv_num(in, i, "time");
        e[i] = (uint8_t)tcsv_num(in, i, "event");
        g[i] = (uint8_t)tcsv_num(in, i, "group");
        w[i] = tcsv_num(in, i, "weight");
        pe[i] = (long)tcsv_num(in, i, "person");
    }
    nt_kmdiff_data d = {.n = n, .time = T, .event = e, .weight = w, .group = g, .person = pe};
    nt_kmdiff_result *r = NULL;
    nt_error err = {0};
    int H = 30;
    assert_int_equal(nt_kmdiff_fit(&d, H, 0.95, &r, &err), NT_OK);
    double maxdiff = 0;
    long checked = 0;
    for (long i = 0; i < gd->nrow; i++) {
        int gg = (int)tcsv_num(gd, i, "group"), m = (int)tcsv_num(gd, i, "month");
        size_t at = (size_t)gg * (size_t)(H + 1) + (size_t)m;
        double mine[4] = {r->n_risk_w[at], r->surv[at], r->se[at], r->se_diff[m]};
        const char *cols[4] = {"n_risk", "surv", "se", "se_diff"};
        for (int c = 0; c < 4; c++) {
            double ref = tcsv_num(gd, i, cols[c]);
            if (!(fabs(mine[c] - ref) <= 1e-10)) {
                fprintf(stderr, "group %d month %d %s: netto %.17g R %.17g\n", gg, m, cols[c], mine[c], ref);
                fail();
            }
            maxdiff = fmax(maxdiff, fabs(mine[c] - ref));
            checked++;
        }
    }
    assert_int_equal(checked, 4 * 2 * H);
    fprintf(stderr, "ttw km golden: %ld numbers, max abs difference %.3g\n", checked, maxdiff);
    nt_kmdiff_free(r);
    free(T);
    free(e);
    free(g);
    free(w);
    free(pe);
    tcsv_free(in);
    tcsv_free(gd);
}

/* Monte Carlo coverage of the intervals (docs/survival.md): cohorts of 600
   persons, x ~ Bernoulli(1/2), treated with probability 0.2 + 0.3 x,
   monthly job hazard 0.05 + 0.03 x treated, 0.07 + 0.03 x untreated,
   censoring uniform on months 1..60; controls weighted by the true odds
   e/(1-e) (the ATT weights, held fixed as the linearisation holds them);
   a third of the controls enter twice with the same time (a control at two
   start months: one cluster). The truth: S_g(m) = sum_x P(x | treated)
   (1 - h_g(x))^m. 95% intervals of the difference at 6, 12 and 24 months
   and of the difference in median time must cover in 0.93 .. 0.97 of 1000
   cohorts (binomial SE 0.007); the intervals with the clusters ignored
   (each row its own person) must cover less. */
static uint64_t mc_state;
static double mc_unif(void)
{
    mc_state ^= mc_state << 13;
    mc_state ^= mc_state >> 7;
    mc_state ^= mc_state << 17;
    return (double)(mc_state >> 11) * (1.0 / 9007199254740992.0);
}

static void test_kmdiff_coverage(void **state)
{
    (void)state;
    enum { NP = 600, R = 1000, H = 36 };
    const int at[3] = {6, 12, 24};
    double px1 = 0.5 * 0.5 / (0.5 * 0.2 + 0.5 * 0.5);   /* P(x = 1 | treated) */
    double S[2][H + 1], med[2];
    for (int g = 0; g < 2; g++) {
        med[g] = NAN;
        for (int m = 0; m <= H; m++) {
            double h0 = g ? 0.07 : 0.05, h1 = h0 + 0.03;
            S[g][m] = (1 - px1) * pow(1 - h0, m) + px1 * pow(1 - h1, m);
            if (isnan(med[g]) && S[g][m] <= 0.5) med[g] = m;
        }
    }
    int32_t *T = malloc(2 * NP * sizeof *T);
    uint8_t *e = malloc(2 * NP), *g = malloc(2 * NP);
    double *w = malloc(2 * NP * sizeof *w);
    long *pe = malloc(2 * NP * sizeof *pe), *pe1 = malloc(2 * NP * sizeof *pe1);
    long cover[4] = {0}, cover_naive[4] = {0}, n_med = 0;
    mc_state = 0x9e3779b97f4a7c15u;
    nt_error err = {0};
    for (int rep = 0; rep < R; rep++) {
        long n = 0;
        for (long p = 0; p < NP; p++) {
            int x = mc_unif() < 0.5, tr = mc_unif() < 0.2 + 0.3 * x;
            double h = (tr ? 0.05 : 0.07) + 0.03 * x, ps = 0.2 + 0.3 * x;
            int t = 1 + (int)floor(log(1 - mc_unif()) / log(1 - h)), c = 1 + (int)(mc_unif() * 60);
            int copies = !tr && mc_unif() < 1.0 / 3 ? 2 : 1;
            for (int q = 0; q < copies; q++, n++) {
                T[n] = t <= c ? t : c;
                e[n] = t <= c;
                g[n] = (uint8_t)!tr;
                w[n] = tr ? 1 : ps / (1 - ps);
                pe[n] = p;
                pe1[n] = n;
            }
        }
        nt_kmdiff_data d = {.n = n, .time = T, .event = e, .weight = w, .group = g, .person = pe};
        nt_kmdiff_result *r = NULL, *r1 = NULL;
        assert_int_equal(nt_kmdiff_fit(&d, H, 0.95, &r, &err), NT_OK);
        d.person = pe1;
        assert_int_equal(nt_kmdiff_fit(&d, H, 0.95, &r1, &err), NT_OK);
        for (int j = 0; j < 3; j++) {
            double truth = S[0][at[j]] - S[1][at[j]];
            cover[j] += r->lower[at[j]] <= truth && truth <= r->upper[at[j]];
            cover_naive[j] += r1->lower[at[j]] <= truth && truth <= r1->upper[at[j]];
        }
        if (!isnan(r->median_lower)) {
            double truth = med[0] - med[1];
            n_med++;
            cover[3] += r->median_lower <= truth && truth <= r->median_upper;
        }
        nt_kmdiff_free(r);
        nt_kmdiff_free(r1);
    }
    fprintf(stderr, "ttw coverage (%d cohorts): difference at 6/12/24 months %.3f %.3f %.3f (clusters ignored %.3f %.3f %.3f), "
            "median difference %.3f of %ld; true medians %g, %g\n", R, cover[0] / (double)R, cover[1] / (double)R,
            cover[2] / (double)R, cover_naive[0] / (double)R, cover_naive[1] / (double)R, cover_naive[2] / (double)R,
            cover[3] / (double)n_med, n_med, med[0], med[1]);
    for (int j = 0; j < 3; j++) {
        assert_true(cover[j] >= 0.93 * R && cover[j] <= 0.97 * R);
        assert_true(cover_naive[j] < cover[j]);
    }
    assert_true(n_med >= 0.99 * R);
    assert_true(cover[3] >= 0.93 * n_med && cover[3] <= 0.985 * n_med);
    free(T);
    free(e);
    free(g);
    free(w);
    free(pe);
    free(pe1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kmdiff_tiny),
        cmocka_unit_test(test_kmdiff_golden),
        cmocka_unit_test(test_kmdiff_coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
