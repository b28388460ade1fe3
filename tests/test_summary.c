/* estimators/nt_summary: the summary.csv figures, worked out by hand. */
#include "tests/nt_test.h"

#include <math.h>

#include "estimators/nt_summary.h"
#include "tests/csv_small.h"

/* theta = -0.1, -0.05, 0.02, -0.01, 0.03, 0.04, 0.05, 0.06, 0.07
   C     = -0.1, -0.15, -0.13, -0.14, -0.11, -0.07, -0.02, 0.04, 0.11
   T = 9: cumulative 0.11; lock-in depth -0.1 (month 0); lock-in end:
          tau = 2 fails (theta(3) < 0), tau = 4 has 0.03, 0.04, 0.05 > 0 -> 4;
          break-even: C(7), C(8) > 0 and C(6) < 0 -> 7.
   T = 7: cumulative -0.02; lock-in end 4; C(6) < 0: never breaks even.
   T = 5: cumulative -0.11; lock-in end 4 (theta(4) > 0 and the window ends there).
   T = 3: cumulative -0.13; lock-in end 2 (theta(2) > 0, window ends). */
static const double path[9] = {-0.1, -0.05, 0.02, -0.01, 0.03, 0.04, 0.05, 0.06, 0.07};

/* The point figures of one path (nt_summary_compute without replicates). */
static nt_status figures(const double *theta, int n_months, int less_is_better, int horizon,
                         nt_summary_point *out, nt_error *err)
{
    nt_summary s = {0};
    nt_status st = nt_summary_compute(theta, NULL, 0, n_months, less_is_better, horizon, 0.95, &s, err);
    *out = s.est;
    return st;
}

static void test_worked_path(void **state)
{
    (void)state;
    nt_summary_point p;
    nt_error err;
    assert_int_equal(figures(path, 9, 0, 9, &p, &err), NT_OK);
    assert_int_equal(p.horizon, 9);
    expect_near(p.cumulative_effect, 0.11, 1e-12);
    expect_near(p.lockin_depth, -0.1, 0);
    expect_near(p.lockin_months, 4, 0);
    expect_near(p.breakeven_month, 7, 0);

    assert_int_equal(figures(path, 9, 0, 7, &p, &err), NT_OK);
    expect_near(p.cumulative_effect, -0.02, 1e-12);
    expect_near(p.lockin_months, 4, 0);
    assert_true(isnan(p.breakeven_month)); /* never breaks even */

    assert_int_equal(figures(path, 9, 0, 5, &p, &err), NT_OK);
    expect_near(p.cumulative_effect, -0.11, 1e-12);
    expect_near(p.lockin_months, 4, 0);

    assert_int_equal(figures(path, 9, 0, 3, &p, &err), NT_OK);
    expect_near(p.cumulative_effect, -0.13, 1e-12);
    expect_near(p.lockin_months, 2, 0);
    expect_near(p.lockin_depth, -0.1, 0);

    /* Horizon outside the path: a usage error. */
    assert_int_equal(figures(path, 9, 0, 10, &p, &err), NT_EUSAGE);
    assert_int_equal(figures(path, 9, 0, 0, &p, &err), NT_EUSAGE);
}

/* No lock-in: 0.01, 0.02, 0.03 -> depth min(0, 0.01) = 0, lock-in end 0,
   break-even 0 (C = 0.01, 0.03, 0.06 all > 0). A dip in C after month 0:
   0.125, -0.25, 0.375 -> C = 0.125, -0.125, 0.25: break-even 2, not 0; the
   lock-in end: tau 0 fails (theta(1) < 0), tau 2 is the window's last -> 2. */
static void test_edges(void **state)
{
    (void)state;
    nt_summary_point p;
    nt_error err;
    const double up[3] = {0.01, 0.02, 0.03};
    assert_int_equal(figures(up, 3, 0, 3, &p, &err), NT_OK);
    expect_near(p.lockin_depth, 0, 0);
    expect_near(p.lockin_months, 0, 0);
    expect_near(p.breakeven_month, 0, 0);
    expect_near(p.cumulative_effect, 0.06, 1e-12);

    const double dip[3] = {0.125, -0.25, 0.375};
    assert_int_equal(figures(dip, 3, 0, 3, &p, &err), NT_OK);
    expect_near(p.breakeven_month, 2, 0);
    expect_near(p.lockin_months, 2, 0);
    expect_near(p.lockin_depth, -0.25, 0);

    /* Never positive for three months, never breaks even. */
    const double down[4] = {-0.5, 0.25, -0.5, 0.0};
    assert_int_equal(figures(down, 4, 0, 4, &p, &err), NT_OK);
    assert_true(isnan(p.lockin_months)); /* theta = 0 is not > 0 */
    assert_true(isnan(p.breakeven_month));
    expect_near(p.cumulative_effect, -0.75, 0);

    /* Undefined month 3 in the window: no cumulative effect, no break-even;
       lock-in end (4, 5, 6 > 0) and depth still defined. */
    double gap[9];
    for (int i = 0; i < 9; i++) gap[i] = path[i];
    gap[3] = NAN;
    assert_int_equal(figures(gap, 9, 0, 9, &p, &err), NT_OK);
    assert_true(isnan(p.cumulative_effect));
    assert_true(isnan(p.breakeven_month));
    expect_near(p.lockin_months, 4, 0);
    expect_near(p.lockin_depth, -0.1, 0);
    /* The undefined month outside a shorter window does not matter. */
    assert_int_equal(figures(gap, 9, 0, 3, &p, &err), NT_OK);
    expect_near(p.cumulative_effect, -0.13, 1e-12);

    /* All undefined: every figure undefined. */
    const double none[2] = {NAN, NAN};
    assert_int_equal(figures(none, 2, 0, 2, &p, &err), NT_OK);
    assert_true(isnan(p.lockin_depth) && isnan(p.cumulative_effect) && isnan(p.lockin_months));
}

/* on_benefit (less is better): theta = 0.25, 0.125, -0.25, -0.25, -0.5 is
   negated to -0.25, -0.125, 0.25, 0.25, 0.5 (binary fractions: exact);
   C = -0.25, -0.375, -0.125, 0.125, 0.625: cumulative 0.625 (months on
   benefit saved), depth -0.25, lock-in end 2, break-even 3. */
static void test_less_is_better(void **state)
{
    (void)state;
    const double ben[5] = {0.25, 0.125, -0.25, -0.25, -0.5};
    nt_summary_point p;
    nt_error err;
    assert_int_equal(figures(ben, 5, 1, 5, &p, &err), NT_OK);
    expect_near(p.cumulative_effect, 0.625, 0);
    expect_near(p.lockin_depth, -0.25, 0);
    expect_near(p.lockin_months, 2, 0);
    expect_near(p.breakeven_month, 3, 0);
    /* Read as "more is better" the same path has no lock-in end at all. */
    assert_int_equal(figures(ben, 5, 0, 5, &p, &err), NT_OK);
    expect_near(p.cumulative_effect, -0.625, 0);
    assert_true(isnan(p.lockin_months));

    double cum[5];
    assert_int_equal(nt_summary_cumulative(ben, NULL, 0, 5, 1, 0.95, cum, NULL, NULL, &err), NT_OK);
    expect_near(cum[0], -0.25, 0);
    expect_near(cum[4], 0.625, 0);
}

/* Three replicates over T = 2 months:
     rep 1: 0.1, 0.2  -> C = 0.3
     rep 2: 0.0, 0.1  -> C = 0.1
     rep 3: 0.2, 0.3  -> C = 0.5
   cumulative_se = sd(0.3, 0.1, 0.5) = sqrt((0 + 0.04 + 0.04) / 2) = 0.2,
   not sqrt(var month 0 + var month 1) = sqrt(0.01 + 0.01) = 0.1414 (the
   months are correlated). Type 7 percentiles of (0.1, 0.3, 0.5):
   h = 2 * 0.025 = 0.05 -> 0.1 + 0.05 * 0.2 = 0.11; h = 1.95 -> 0.3 + 0.95 * 0.2 = 0.49.
   Per month 0: values 0.1, 0.0, 0.2 -> se 0.1, lower 0.005, upper 0.195.
   Break-even: reps 1 and 3 at 0, rep 2 at 1 (C(0) = 0 is not > 0). */
static void test_replicates(void **state)
{
    (void)state;
    const double est[2] = {0.1, 0.2};
    const double reps[6] = {0.1, 0.2, 0.0, 0.1, 0.2, 0.3};
    nt_summary s;
    nt_error err;
    assert_int_equal(nt_summary_compute(est, reps, 3, 2, 0, 2, 0.95, &s, &err), NT_OK);
    expect_near(s.est.cumulative_effect, 0.3, 1e-12);
    assert_int_equal(s.n_reps_used, 3);
    expect_near(s.cumulative_se, 0.2, 1e-12);
    expect_near(s.cumulative_lower, 0.11, 1e-12);
    expect_near(s.cumulative_upper, 0.49, 1e-12);
    /* break-even values 0, 1, 0 sorted 0, 0, 1: lower 0, upper 0 + 0.95 = 0.95 */
    expect_near(s.breakeven_lower, 0, 0);
    expect_near(s.breakeven_upper, 0.95, 1e-12);
    expect_near(s.share_breakeven, 1, 0);

    double se[2], lo[2], hi[2];
    assert_int_equal(nt_summary_months(reps, 3, 2, 0.95, se, lo, hi, &err), NT_OK);
    expect_near(se[0], 0.1, 1e-12);
    expect_near(lo[0], 0.005, 1e-12);
    expect_near(hi[0], 0.195, 1e-12);
    expect_near(se[1], 0.1, 1e-12);

    double cum[2], clo[2], chi[2];
    assert_int_equal(nt_summary_cumulative(est, reps, 3, 2, 0, 0.95, cum, clo, chi, &err), NT_OK);
    expect_near(cum[1], 0.3, 1e-12);
    expect_near(clo[1], 0.11, 1e-12);
    expect_near(chi[1], 0.49, 1e-12);

    /* One replicate that never breaks even (C = -0.1, -0.2) and one with an
       undefined month (left out): used 3, share 2/3, upper bound beyond the
       window -> NaN. */
    const double reps2[8] = {0.1, 0.2, -0.1, -0.1, 0.2, 0.3, NAN, 0.1};
    assert_int_equal(nt_summary_compute(est, reps2, 4, 2, 0, 2, 0.95, &s, &err), NT_OK);
    assert_int_equal(s.n_reps_used, 3);
    expect_near(s.share_breakeven, 2.0 / 3.0, 1e-12);
    expect_near(s.breakeven_lower, 0, 0);
    assert_true(isnan(s.breakeven_upper));
    /* C = 0.3, -0.2, 0.5: mean 0.2, sd sqrt((0.01 + 0.16 + 0.09) / 2) = sqrt(0.13) */
    expect_near(s.cumulative_se, sqrt(0.13), 1e-12);
    /* Per month 0 the NaN is left out: values 0.1, -0.1, 0.2, mean 0.2/3,
       ss = 0.06 - 3 (0.2/3)^2 = 0.04667, sd = sqrt(ss / 2) = 0.1528. */
    assert_int_equal(nt_summary_months(reps2, 4, 2, 0.95, se, lo, hi, &err), NT_OK);
    expect_near(se[0], sqrt((0.1 * 0.1 + 0.1 * 0.1 + 0.2 * 0.2 - 3 * (0.2 / 3) * (0.2 / 3)) / 2), 1e-12);

    /* Without replicates: no inference. */
    assert_int_equal(nt_summary_compute(est, NULL, 0, 2, 0, 2, 0.95, &s, &err), NT_OK);
    assert_true(isnan(s.cumulative_se) && isnan(s.cumulative_lower));
    assert_int_equal(s.n_reps_used, 0);
    assert_int_equal(nt_summary_compute(est, reps, 3, 2, 0, 2, 1.5, &s, &err), NT_EUSAGE);
}

/* Cost-benefit arithmetic by hand: d(0) = 1, d(12) = 1/1.1 at 10% a year,
   d(6) = 1.1^-0.5. Paths earnings (100, 200), benefit (-0.5, -0.25) x 1000
   euros already (-500, -250), cost (3000, 0); society a = (1, 0, -1):
   out = (100 - 3000, 200 d(1)); government a = (0, -1, -1): (500 - 3000,
   250 d(1)), d(1) = 1.1^(-1/12). An undefined month with a = 0 does not
   count; with a != 0 it makes the month undefined. */
static void test_net_path(void **state)
{
    (void)state;
    expect_near(nt_summary_discount(0.1, 12), 1 / 1.1, 1e-15);
    expect_near(nt_summary_discount(0.1, 6), 1 / sqrt(1.1), 1e-15);
    expect_near(nt_summary_discount(0, 50), 1, 0);
    double e[2] = {100, 200}, b[2] = {-500, -250}, c[2] = {3000, 0}, out[2];
    const double *th[3] = {e, b, c};
    double soc[3] = {1, 0, -1}, gov[3] = {0, -1, -1}, d1 = pow(1.1, -1.0 / 12);
    nt_summary_net_path(th, soc, 3, 2, 0.1, out);
    expect_near(out[0], -2900, 1e-9);
    expect_near(out[1], 200 * d1, 1e-9);
    nt_summary_net_path(th, gov, 3, 2, 0.1, out);
    expect_near(out[0], -2500, 1e-9);
    expect_near(out[1], 250 * d1, 1e-9);
    b[1] = NAN;
    nt_summary_net_path(th, soc, 3, 2, 0, out);
    expect_near(out[1], 200, 0);
    nt_summary_net_path(th, gov, 3, 2, 0, out);
    assert_true(isnan(out[1]));
}

/* The cost-benefit arithmetic against R (scripts/reference/cost_benefit.R):
   the paths in golden/cost_benefit_paths.csv, the figures per horizon,
   perspective and rate in golden/cost_benefit.csv. */
static void test_net_path_golden(void **state)
{
    (void)state;
    csv_small *in = csv_small_read("golden/cost_benefit_paths.csv"), *g = csv_small_read("golden/cost_benefit.csv");
    assert_non_null(in);
    assert_non_null(g);
    int H = (int)in->nrow;
    double th[3][64], path[64];
    for (int t = 0; t < H; t++)
        for (int s = 0; s < 3; s++) th[s][t] = atof(in->cell[t][s + 1]);
    const double *p3[3] = {th[0], th[1], th[2]};
    static const double coef[2][3] = {{0, -1, -1}, {1, 0, -1}};
    for (long r = 0; r < g->nrow; r++) {
        int T = atoi(g->cell[r][0]), pp = !strcmp(g->cell[r][1], "society");
        double rate = atof(g->cell[r][2]), e = 0, b = 0, c = 0;
        for (int t = 0; t < T; t++) {
            double d = nt_summary_discount(rate, t);
            e += d * th[0][t];
            b -= d * th[1][t];
            c += d * th[2][t];
        }
        nt_summary_net_path(p3, coef[pp], 3, H, rate, path);
        nt_summary sm;
        nt_error err;
        assert_int_equal(nt_summary_compute(path, NULL, 0, H, 0, T, 0.95, &sm, &err), NT_OK);
        expect_near(c, csv_small_num(g, r, csv_small_col(g, "incremental_cost")), 1e-9);
        expect_near(b, csv_small_num(g, r, csv_small_col(g, "benefit_savings")), 1e-9);
        expect_near(e, csv_small_num(g, r, csv_small_col(g, "earnings_effect")), 1e-9);
        expect_near(sm.est.cumulative_effect, csv_small_num(g, r, csv_small_col(g, "net_benefit")), 1e-9);
        if (g->cell[r][7][0]) expect_near(sm.est.breakeven_month, atof(g->cell[r][7]), 0);
        else assert_true(isnan(sm.est.breakeven_month));
    }
    csv_small_free(in);
    csv_small_free(g);
}

/* Pooled analytic SE (no bootstrap), by hand. Two start months, 2 months;
   contributions k0 (2, 1), k1 (2, 0); SEs k0 (0.1, 0.2), k1 (0.3, 0.4):
     tau 0: pi = 1/2, 1/2: se = sqrt(0.25 * 0.01 + 0.25 * 0.09) = sqrt(0.025);
     tau 1: only k0 contributes: se = 0.2 (k1's 0.4 has no weight).
   Leaving k1 out: tau 0 se = 0.1. A contributing NaN SE: NaN. */
static void test_pooled(void **state)
{
    (void)state;
    const double theta[2] = {1, 2};
    const long contrib[4] = {2, 1, 2, 0};
    const double se_k[6] = {0.1, 0.2, -1, 0.3, 0.4, -1}; /* stride 3 */
    int use[2] = {1, 1};
    double se[2], lo[2], hi[2];
    nt_error err;
    assert_int_equal(nt_summary_pooled(theta, contrib, se_k, 3, use, 2, 2, 0.95, se, lo, hi, &err), NT_OK);
    expect_near(se[0], sqrt(0.025), 1e-15);
    expect_near(se[1], 0.2, 1e-15);
    expect_near(lo[0], 1 - 1.959963984540054 * sqrt(0.025), 1e-15);
    expect_near(hi[1], 2 + 1.959963984540054 * 0.2, 1e-15);
    assert_int_equal(nt_summary_pooled(theta, contrib, se_k, 3, use, 2, 2, 0.9, se, lo, hi, &err), NT_OK);
    expect_near(hi[1], 2 + 1.6448536269514722 * 0.2, 1e-12);
    use[1] = 0;
    assert_int_equal(nt_summary_pooled(theta, contrib, se_k, 3, use, 2, 2, 0.95, se, NULL, NULL, &err), NT_OK);
    expect_near(se[0], 0.1, 1e-15);
    const double se_nan[6] = {NAN, 0.2, -1, 0.3, 0.4, -1};
    use[1] = 1;
    assert_int_equal(nt_summary_pooled(theta, contrib, se_nan, 3, use, 2, 2, 0.95, se, lo, hi, &err), NT_OK);
    assert_true(isnan(se[0]) && isnan(lo[0]) && isnan(hi[0]));
    expect_near(se[1], 0.2, 1e-15);
    const long none[4] = {0, 0, 0, 0};
    assert_int_equal(nt_summary_pooled(theta, none, se_k, 3, use, 2, 2, 0.95, se, lo, hi, &err), NT_OK);
    assert_true(isnan(se[0]) && isnan(se[1]));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_path),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_less_is_better),
        cmocka_unit_test(test_replicates),
        cmocka_unit_test(test_net_path),
        cmocka_unit_test(test_net_path_golden),
        cmocka_unit_test(test_pooled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
