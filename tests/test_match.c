/* estimators/nt_match (nt_match_var), nt_weight, nt_balance, nt_psm: matching, weighting,
   balance, Abadie-Imbens variance; hand computations, goldens from R
   (scripts/reference/match_lalonde.R), known truth. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_balance.h"
#include "estimators/nt_glm.h"
#include "estimators/nt_match.h"
#include "estimators/nt_psm.h"
#include "estimators/nt_weight.h"
#include "tests/csv_small.h"

/* Two treated, three controls, logit scores -1.0 0.5 | -1.25 0.25 0.75 (exact in
   binary), NN with replacement: -1.0 -> -1.25 (d .25); 0.5 -> 0.25 and 0.75 at
   the same distance .25: a tie, both share the weight 1/2. With y_t = 3, 4 and
   y_c = 1, 2, 4: ATT = ((3 - 1) + (4 - (2 + 4)/2)) / 2 = 1.5.
   K (Kcount) = 1, 1/2, 1/2; KK = 1, 1/4, 1/4, so K^2 - KK = 0, 0, 0: the
   control term vanishes; unit effects 2, 1: V = ((2-1.5)^2 + (1-1.5)^2)/2^2
   = 0.125, se = 0.3535533905932738. */
static void test_nn_tiny(void **state)
{
    (void)state;
    const double s[5] = {-1.0, 0.5, -1.25, 0.25, 0.75}, y[5] = {3, 4, 1, 2, 4};
    const uint8_t t[5] = {1, 1, 0, 0, 0};
    nt_match_opts o;
    nt_match_opts_default(&o);
    o.replace = 1;
    nt_matchset *m = NULL;
    nt_error err;
    assert_int_equal(nt_match_nearest(s, t, NULL, NULL, 5, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->start[1] - m->start[0], 1);
    assert_int_equal(m->start[2] - m->start[1], 2);
    double sig[5] = {9, 9, 9, 9, 9}, att, se;
    assert_int_equal(nt_match_ai_att(m, y, sig, &att, &se, &err), NT_OK);
    expect_near(att, 1.5, 1e-12);
    expect_near(se, 0.3535533905932738, 1e-12);
    nt_matchset_free(m);
    /* Tie tolerance: 0.5 -> 0.25 (d .25) and 0.76 (d .26): no tie at 0, a tie
       at tolerance 0.02. */
    const double s2[5] = {-1.0, 0.5, -1.25, 0.25, 0.76};
    assert_int_equal(nt_match_nearest(s2, t, NULL, NULL, 5, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->start[2] - m->start[1], 1);
    assert_int_equal(m->match[m->start[1]], 3);
    nt_matchset_free(m);
    o.tie_tolerance = 0.02;
    assert_int_equal(nt_match_nearest(s2, t, NULL, NULL, 5, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->start[2] - m->start[1], 2);
    nt_matchset_free(m);
}

/* Greedy without replacement, largest first. Treated scores 0.9 (row 0),
   0.5 (row 1); controls 0.8 (row 2), 0.55 (row 3), 0.1 (row 4).
   1:1: row 0 first (largest): nearest 0.8 (d .1) -> row 2; row 1: 0.55
   (d .05) -> row 3. Smallest first gives the same pairs here. 1:2 (every
   treated gets a first match before a second): round 1 as above; round 2:
   row 0 takes the nearest left, 0.1 (d .8); row 1 finds none. Caliper 0.2:
   1:1 as above (both within); 1:2 round 2 nothing within 0.2.
   Order matters: treated 0.6 (row 0), 0.7 (row 1); one control 0.65 (row 2)
   exactly between: a tie at d .05 -> largest first gives it to row 1, data
   order to row 0. */
static void test_greedy_tiny(void **state)
{
    (void)state;
    const double s[5] = {0.9, 0.5, 0.8, 0.55, 0.1};
    const uint8_t t[5] = {1, 1, 0, 0, 0};
    nt_match_opts o;
    nt_match_opts_default(&o);
    nt_matchset *m = NULL;
    nt_error err;
    assert_int_equal(nt_match_nearest(s, t, NULL, NULL, 5, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->match[m->start[0]], 2);
    assert_int_equal(m->match[m->start[1]], 3);
    nt_matchset_free(m);
    o.neighbors = 2;
    assert_int_equal(nt_match_nearest(s, t, NULL, NULL, 5, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->start[1] - m->start[0], 2);
    assert_int_equal(m->match[m->start[0] + 1], 4);
    assert_int_equal(m->start[2] - m->start[1], 1);
    expect_near(m->w[m->start[0]], 0.5, 0);
    nt_matchset_free(m);
    o.caliper = 0.2;
    assert_int_equal(nt_match_nearest(s, t, NULL, NULL, 5, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->start[1] - m->start[0], 1);
    nt_matchset_free(m);
    const double s3[3] = {0.6, 0.7, 0.65};
    const uint8_t t3[3] = {1, 1, 0};
    nt_match_opts_default(&o);
    assert_int_equal(nt_match_nearest(s3, t3, NULL, NULL, 3, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->start[1] - m->start[0], 0);
    assert_int_equal(m->match[m->start[1]], 2);
    nt_matchset_free(m);
    o.order = NT_ORDER_DATA;
    assert_int_equal(nt_match_nearest(s3, t3, NULL, NULL, 3, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->match[m->start[0]], 2);
    nt_matchset_free(m);
    /* Exact cells: treated row 0 in cell 1 cannot take the nearer control of cell 2. */
    const double s4[3] = {0.5, 0.51, 0.9};
    const uint8_t t4[3] = {1, 0, 0};
    const long c4[3] = {1, 2, 1};
    assert_int_equal(nt_match_nearest(s4, t4, c4, NULL, 3, 1, &o, &m, &err), NT_OK);
    assert_int_equal(m->match[m->start[0]], 2);
    nt_matchset_free(m);
}

/* Radius by hand: treated scores 0, 1 (y 5, 7); controls 0.125, 0.375, 1.25
   (y 1, 3, 4), all exact in binary. 1:1 NN distances: 0 -> 0.125 (0.125),
   1 -> 1.25 (0.25): the largest is 0.25, radius = 1.5 x 0.25 = 0.375.
   Treated 0 takes 0.125 and 0.375 (d = 0.375, on the radius), weights 1/2
   each; treated 1 takes 1.25 only (0.375 is 0.625 away). Unadjusted ATT =
   ((5 - (1 + 3)/2) + (7 - 4)) / 2 = 3.
   Kernel by hand: same data, Epanechnikov, h = 0.5: treated 0 sees 0.125
   (u = .25, K = .75 (1 - .0625) = .703125) and 0.375 (u = .75, K = .75 (1 -
   .5625) = .328125); treated 1 sees 1.25 (u = .5, K = .5625) only. Y0hat(0)
   = (.703125 * 1 + .328125 * 3) / 1.03125 = 1.6363636..., so ATT =
   ((5 - 1.6363636363636365) + (7 - 4)) / 2 = 3.1818181818181817. */
static void test_radius_kernel_tiny(void **state)
{
    (void)state;
    const double s[5] = {0, 1, 0.125, 0.375, 1.25}, y[5] = {5, 7, 1, 3, 4}, sig[5] = {0};
    const uint8_t t[5] = {1, 1, 0, 0, 0};
    nt_matchset *m = NULL;
    nt_error err;
    double est, se;
    assert_int_equal(nt_match_radius(s, t, NULL, NULL, 5, 1, 1.5, 0, &m, &err), NT_OK);
    expect_near(m->radius, 0.375, 0);
    assert_int_equal(m->start[1] - m->start[0], 2);
    assert_int_equal(m->start[2] - m->start[1], 1);
    assert_int_equal(nt_match_ai_att(m, y, sig, &est, &se, &err), NT_OK);
    expect_near(est, 3, 1e-12);
    nt_matchset_free(m);
    assert_int_equal(nt_match_kernel(s, t, NULL, NULL, 5, 1, NT_KERNEL_EPANECHNIKOV, 0.5, &m, &err), NT_OK);
    assert_int_equal(nt_match_ai_att(m, y, sig, &est, &se, &err), NT_OK);
    expect_near(est, 3.1818181818181817, 1e-12);
    nt_matchset_free(m);
}

/* The union-find greedy against a plain O(n^2) loop on random data with many
   exact ties (scores rounded to 1/16), several orders, k = 1..3, caliper. */
static void test_greedy_vs_bruteforce(void **state)
{
    (void)state;
    const long n = 300;
    double s[300];
    uint8_t t[300];
    long cell[300];
    nt_rng r;
    nt_rng_init(&r, 11, 0);
    for (long i = 0; i < n; i++) {
        s[i] = floor(nt_rng_uniform(&r) * 16) / 16;
        t[i] = nt_rng_uniform(&r) < 0.35;
        cell[i] = (long)nt_rng_below(&r, 3);
    }
    for (int order = 0; order < 3; order++)
        for (int k = 1; k <= 3; k++)
            for (int withcal = 0; withcal <= 1; withcal++)
                for (int withcell = 0; withcell <= 1; withcell++) {
                    nt_match_opts o;
                    nt_match_opts_default(&o);
                    o.order = (nt_match_order)order;
                    o.neighbors = k;
                    o.caliper = withcal ? 0.07 : 0;
                    nt_matchset *m = NULL;
                    nt_error err;
                    const long *cl = withcell ? cell : NULL;
                    assert_int_equal(nt_match_nearest(s, t, cl, NULL, n, 1, &o, &m, &err), NT_OK);
                    /* brute force */
                    long ord[300], nt = 0, got[300] = {0}, bm[300][3];
                    int used[300] = {0};
                    for (long i = 0; i < n; i++) if (t[i]) ord[nt++] = i;
                    for (long a = 0; a < nt; a++)
                        for (long b = a + 1; b < nt; b++) {
                            long x = ord[a], y = ord[b];
                            int swap = order == 0 ? (s[y] > s[x] || (s[y] == s[x] && y < x))
                                     : order == 1 ? (s[y] < s[x] || (s[y] == s[x] && y < x)) : y < x;
                            if (swap) { ord[a] = y; ord[b] = x; }
                        }
                    for (int round = 0; round < k; round++)
                        for (long a = 0; a < nt; a++) {
                            long i = ord[a];
                            if (got[i] < round) continue;
                            long best = -1;
                            double bd = 0;
                            for (long j = 0; j < n; j++) {
                                if (t[j] || used[j] || (cl && cl[j] != cl[i])) continue;
                                double d = fabs(s[i] - s[j]);
                                if (o.caliper > 0 && d > o.caliper) continue;
                                if (best < 0 || d < bd) { best = j; bd = d; }
                            }
                            if (best < 0) continue;
                            used[best] = 1;
                            bm[i][got[i]++] = best;
                        }
                    for (long i = 0; i < n; i++) {
                        if (!t[i]) continue;
                        assert_int_equal(m->start[i + 1] - m->start[i], got[i]);
                        for (long q = 0; q < got[i]; q++) assert_int_equal(m->match[m->start[i] + q], bm[i][q]);
                    }
                    nt_matchset_free(m);
                }
}

/* Random order: a permutation from stream (seed, 0): the same seed gives the
   same pairs, another seed (on data where order matters) other pairs. */
static void test_random_order(void **state)
{
    (void)state;
    const long n = 200;
    double s[200];
    uint8_t t[200];
    nt_rng r;
    nt_rng_init(&r, 3, 0);
    for (long i = 0; i < n; i++) { s[i] = nt_rng_uniform(&r); t[i] = i % 2; }
    nt_match_opts o;
    nt_match_opts_default(&o);
    o.order = NT_ORDER_RANDOM;
    o.seed = 1;
    nt_matchset *a = NULL, *b = NULL, *c = NULL;
    nt_error err;
    assert_int_equal(nt_match_nearest(s, t, NULL, NULL, n, 1, &o, &a, &err), NT_OK);
    assert_int_equal(nt_match_nearest(s, t, NULL, NULL, n, 1, &o, &b, &err), NT_OK);
    o.seed = 2;
    assert_int_equal(nt_match_nearest(s, t, NULL, NULL, n, 1, &o, &c, &err), NT_OK);
    int same_ab = 1, same_ac = 1;
    for (long i = 0; i < n; i++) {
        if (!t[i]) continue;
        same_ab &= a->match[a->start[i]] == b->match[b->start[i]];
        same_ac &= a->match[a->start[i]] == c->match[c->start[i]];
    }
    assert_true(same_ab);
    assert_false(same_ac);
    nt_matchset_free(a);
    nt_matchset_free(b);
    nt_matchset_free(c);
}

/* Lalonde: x with intercept + 10 covariates, treat, re78. */
static const char *covs[] = {"age", "educ", "black", "hisp", "married", "nodegr", "re74", "re75", "u74", "u75"};

typedef struct { long n; double *x, *y; uint8_t *t; } lalonde;

static lalonde load_lalonde(void)
{
    csv_small *c = csv_small_read("data/lalonde.csv");
    assert_non_null(c);
    lalonde L;
    L.n = c->nrow;
    L.x = malloc((size_t)L.n * 11 * sizeof *L.x);
    L.y = malloc((size_t)L.n * sizeof *L.y);
    L.t = malloc((size_t)L.n);
    for (long i = 0; i < L.n; i++) {
        L.x[i] = 1;
        L.t[i] = (uint8_t)csv_small_num(c, i, csv_small_col(c, "treat"));
        L.y[i] = csv_small_num(c, i, csv_small_col(c, "re78"));
        for (int k = 0; k < 10; k++) L.x[(k + 1) * L.n + i] = csv_small_num(c, i, csv_small_col(c, covs[k]));
    }
    csv_small_free(c);
    return L;
}

static void lalonde_free(lalonde *L) { free(L->x); free(L->y); free(L->t); }

static nt_glm_fit *lalonde_glm(const lalonde *L)
{
    double *d = malloc((size_t)L->n * sizeof *d);
    for (long i = 0; i < L->n; i++) d[i] = L->t[i];
    nt_glm_fit *f = NULL;
    nt_error err;
    assert_int_equal(nt_glm_fit_alloc(L->x, L->n, 11, d, NULL, NULL, NULL, &f, &err), NT_OK);
    free(d);
    return f;
}

/* Golden: Matching::Match(Y = re78, Tr = treat, X = eta, M, estimand,
   replace = TRUE, ties = TRUE, BiasAdjust = FALSE, Var.calc = 2,
   distance.tolerance = 1e-5 and 1e-9): $est and $se, ATT and ATE, M = 1, 2.
   Matching's tolerance applies to squared standardised distances
   (tie_scale = sd(eta)); at 1e-5 it merges 57 near-ties on lalonde. */
static void test_ai_golden(void **state)
{
    (void)state;
    lalonde L = load_lalonde();
    nt_glm_fit *f = lalonde_glm(&L);
    csv_small *g = csv_small_read("golden/match_lalonde_ai.csv");
    assert_non_null(g);
    double *sig = malloc((size_t)L.n * sizeof *sig);
    nt_error err;
    /* Matching standardises X = eta by its sd over all units (n - 1). */
    double mean = 0, ss = 0;
    for (long i = 0; i < L.n; i++) mean += f->eta[i] / (double)L.n;
    for (long i = 0; i < L.n; i++) ss += (f->eta[i] - mean) * (f->eta[i] - mean);
    double sd = sqrt(ss / (double)(L.n - 1));
    for (long r = 0; r < g->nrow; r++) {
        int ate = !strcmp(g->cell[r][0], "ATE");
        nt_match_opts o;
        nt_match_opts_default(&o);
        o.replace = 1;
        o.neighbors = (int)csv_small_num(g, r, 1);
        o.tie_tolerance = csv_small_num(g, r, 2);
        o.tie_scale = sd;
        nt_matchset *m1 = NULL, *m0 = NULL;
        assert_int_equal(nt_match_nearest(f->eta, L.t, NULL, NULL, L.n, 1, &o, &m1, &err), NT_OK);
        assert_int_equal(nt_match_sigma2_scaled(f->eta, L.t, NULL, NULL, L.n, 2, o.tie_tolerance, o.tie_scale, L.y, sig, &err), NT_OK);
        double est, se;
        if (ate) {
            assert_int_equal(nt_match_nearest(f->eta, L.t, NULL, NULL, L.n, 0, &o, &m0, &err), NT_OK);
            assert_int_equal(nt_match_ai_ate(m1, m0, L.y, sig, &est, &se, &err), NT_OK);
        } else {
            assert_int_equal(nt_match_ai_att(m1, L.y, sig, &est, &se, &err), NT_OK);
        }
        expect_rel(est, csv_small_num(g, r, 3), 1e-6);
        expect_rel(se, csv_small_num(g, r, 4), 1e-6);
        nt_matchset_free(m1);
        nt_matchset_free(m0);
    }
    free(sig);
    csv_small_free(g);
    nt_glm_fit_free(f);
    lalonde_free(&L);
}

static void check_pairs(const nt_matchset *m, const char *golden, long *nmatched)
{
    csv_small *g = csv_small_read(golden);
    assert_non_null(g);
    *nmatched = g->nrow;
    assert_int_equal(m->n_matched, g->nrow);
    for (long r = 0; r < g->nrow; r++) {
        long ti = (long)csv_small_num(g, r, 0) - 1, ci = (long)csv_small_num(g, r, 1) - 1;
        assert_int_equal(m->start[ti + 1] - m->start[ti], 1);
        assert_int_equal(m->match[m->start[ti]], ci);
    }
    csv_small_free(g);
}

/* Greedy 1:1 without replacement, largest probability first: the pairs of
   a plain O(n^2) nearest-available loop in R (scripts/reference), without a
   caliper (185 pairs) and with 0.05 SD of the probability (157 pairs).
   MatchIt 4.5.1 (its scalar-distance path nn_matchC_vec) differs: in 44 of
   185 steps it takes a control farther than the nearest available one, and
   it ignored caliper = on this data; so its pairs are not the reference.
   Its balance summary is: given MatchIt's own pairs, nt_balance_compute
   reproduces summary(m)'s matched means, SMDs (treated SD) and variance
   ratios, and the matched difference in means. */
static void test_matchit_golden(void **state)
{
    (void)state;
    lalonde L = load_lalonde();
    nt_glm_fit *f = lalonde_glm(&L);
    nt_match_opts o;
    nt_match_opts_default(&o);
    nt_matchset *m = NULL;
    nt_error err;
    long nm;
    assert_int_equal(nt_match_nearest(f->mu, L.t, NULL, NULL, L.n, 1, &o, &m, &err), NT_OK);
    check_pairs(m, "golden/match_lalonde_greedy_nocal_pairs.csv", &nm);
    assert_int_equal(nm, 185);
    nt_matchset_free(m);
    /* Caliper 0.05 SD of the probability (sd over all 445 units). */
    double mean = 0, ss = 0;
    for (long i = 0; i < L.n; i++) mean += f->mu[i] / (double)L.n;
    for (long i = 0; i < L.n; i++) ss += (f->mu[i] - mean) * (f->mu[i] - mean);
    o.caliper = 0.05 * sqrt(ss / (double)(L.n - 1));
    assert_int_equal(nt_match_nearest(f->mu, L.t, NULL, NULL, L.n, 1, &o, &m, &err), NT_OK);
    check_pairs(m, "golden/match_lalonde_greedy_cal005_pairs.csv", &nm);
    assert_int_equal(nm, 157);
    nt_matchset_free(m);
    /* Balance on MatchIt's matched sample. */
    csv_small *g = csv_small_read("golden/match_lalonde_matchit_nocal_pairs.csv");
    assert_non_null(g);
    double *w = calloc((size_t)L.n, sizeof *w);
    for (long r = 0; r < g->nrow; r++) {
        w[(long)csv_small_num(g, r, 0) - 1] = 1;
        w[(long)csv_small_num(g, r, 1) - 1] += 1;
    }
    csv_small_free(g);
    nt_balance_row rows[10];
    double ess[2];
    assert_int_equal(nt_balance_compute(L.x + L.n, L.n, 10, L.t, NULL, w, NT_ATT, rows, ess, &err), NT_OK);
    g = csv_small_read("golden/match_lalonde_matchit_nocal_balance.csv");
    assert_non_null(g);
    for (int k = 0; k < 10; k++) {
        long r = k + 1; /* row 0 is the distance */
        assert_string_equal(g->cell[r][0], covs[k]);
        expect_rel(rows[k].mean_treated_after, csv_small_num(g, r, 1), 1e-10);
        expect_rel(rows[k].mean_control_after, csv_small_num(g, r, 2), 1e-10);
        expect_rel(rows[k].smd_after, csv_small_num(g, r, 3), 1e-8);
        if (strstr(g->cell[r][4], "NA") == NULL) expect_rel(rows[k].var_ratio_after, csv_small_num(g, r, 4), 1e-8);
    }
    csv_small_free(g);
    double s1 = 0, s0 = 0;
    for (long i = 0; i < L.n; i++) if (w[i] > 0) { if (L.t[i]) s1 += L.y[i]; else s0 += L.y[i]; }
    g = csv_small_read("golden/match_lalonde_matchit_nocal_effect.csv");
    expect_rel((s1 - s0) / 185, csv_small_num(g, 0, 0), 1e-10);
    csv_small_free(g);
    free(w);
    nt_glm_fit_free(f);
    lalonde_free(&L);
}

/* Golden: radius matching with regression bias adjustment (radius 1.5 x the
   largest 1:1 distance on eta, equal weights, weighted lm of re78 on treat +
   the ten covariates) and Epanechnikov kernel matching with Silverman's
   bandwidth over the controls' eta, both written out in plain R
   (scripts/reference/match_lalonde.R, section 5). */
static void test_radius_kernel_golden(void **state)
{
    (void)state;
    lalonde L = load_lalonde();
    csv_small *g = csv_small_read("golden/match_lalonde_radius_kernel.csv");
    assert_non_null(g);
    for (long r = 0; r < g->nrow; r++) {
        nt_psm_opts o;
        nt_psm_opts_default(&o);
        o.method = strcmp(g->cell[r][0], "radius") ? NT_METHOD_KERNEL : NT_METHOD_RADIUS;
        nt_psm_result *res = NULL;
        nt_error err;
        assert_int_equal(nt_psm_estimate(L.x, L.n, 11, NULL, NULL, L.t, L.y, 1, NULL, &o, &res, &err), NT_OK);
        expect_rel(res->effects[0].estimate, csv_small_num(g, r, 1), 1e-8);
        expect_rel(o.method == NT_METHOD_RADIUS ? res->radius : res->bandwidth, csv_small_num(g, r, 2), 1e-8);
        nt_psm_result_free(res);
    }
    csv_small_free(g);
    lalonde_free(&L);
}

/* Golden: IPW (Hajek) and AIPW in base R, same logit. */
static void test_weighting_golden(void **state)
{
    (void)state;
    lalonde L = load_lalonde();
    nt_glm_fit *f = lalonde_glm(&L);
    csv_small *g = csv_small_read("golden/match_lalonde_weighting.csv");
    assert_non_null(g);
    nt_error err;
    for (long r = 0; r < g->nrow; r++) {
        nt_estimand e = strcmp(g->cell[r][1], "ATT") ? NT_ATE : NT_ATT;
        double est, se;
        if (!strcmp(g->cell[r][0], "ipw"))
            assert_int_equal(nt_ipw_estimate(f->mu, L.t, NULL, L.n, e, L.y, &est, &se, &err), NT_OK);
        else
            assert_int_equal(nt_aipw_estimate(f->mu, L.t, NULL, L.n, L.x, 11, e, L.y, &est, &se, &err), NT_OK);
        expect_rel(est, csv_small_num(g, r, 2), 1e-7);
        expect_rel(se, csv_small_num(g, r, 3), 1e-7);
    }
    csv_small_free(g);
    nt_glm_fit_free(f);
    lalonde_free(&L);
}

/* Hand computation for IPW ATT: four units, e = .5 .5 | .5 .25 (treated,
   treated | control, control), y = 4 6 | 1 3. ATT weights: treated 1,
   controls e/(1-e) = 1, 1/3. tau = 5 - (1*1 + 3/3)/(1 + 1/3) = 5 - 1.5 = 3.5.
   Crump: g = 1/(e(1-e)) = 4, 4, 4, 5.333; max 5.333 <= 2 mean (8.667): alpha 0.
   Minmax: treated [.5,.5], controls [.25,.5] -> keep [.5,.5]: drops the .25 control. */
static void test_weighting_tiny(void **state)
{
    (void)state;
    const double e[4] = {0.5, 0.5, 0.5, 0.25}, y[4] = {4, 6, 1, 3};
    const uint8_t t[4] = {1, 1, 0, 0};
    double est, se, lo, hi;
    nt_error err;
    assert_int_equal(nt_ipw_estimate(e, t, NULL, 4, NT_ATT, y, &est, &se, &err), NT_OK);
    expect_near(est, 3.5, 1e-12);
    uint8_t skip[4] = {0};
    long dt, dc;
    assert_int_equal(nt_support_trim(e, t, 4, NT_TRIM_CRUMP, skip, &lo, &hi, &dt, &dc, &err), NT_OK);
    expect_near(lo, 0, 0);
    assert_int_equal(dt + dc, 0);
    assert_int_equal(nt_support_trim(e, t, 4, NT_TRIM_MINMAX, skip, &lo, &hi, &dt, &dc, &err), NT_OK);
    assert_int_equal(dc, 1);
    assert_int_equal(skip[3], 1);
    /* Crump binding: e = .01 and .5 x 9: g = 101.01, 4 x 9; mean 13.7, max > 2 mean.
       Sorted: 4 (x9), 101.01. k = 9: gamma = 2 * 4 = 8 in [4, 101.01): alpha =
       1/2 - sqrt(1/4 - 1/8) = 0.1464466094067262. */
    double e2[10] = {0.01, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    uint8_t t2[10] = {1, 1, 0, 1, 0, 1, 0, 1, 0, 0}, skip2[10] = {0};
    assert_int_equal(nt_support_trim(e2, t2, 10, NT_TRIM_CRUMP, skip2, &lo, &hi, &dt, &dc, &err), NT_OK);
    expect_near(lo, 0.1464466094067262, 1e-12);
    assert_int_equal(dt, 1);
    assert_int_equal(skip2[0], 1);
}

/* Balance by hand: x = 1 2 | 3 5 7 (treated | controls); ATT denominator =
   sd of treated = sqrt(0.5) = 0.7071; before: (1.5 - 5)/0.7071 = -4.9497.
   After, weights 1 1 | 2 0 0 (control 3 used twice): mean_c = 3,
   SMD = (1.5 - 3)/0.7071 = -2.1213203435596424; var ratio after: control
   variance with a single positive weight is undefined (sum w^2 = (sum w)^2). */
static void test_balance_tiny(void **state)
{
    (void)state;
    const double x[5] = {1, 2, 3, 5, 7}, w[5] = {1, 1, 2, 0, 0};
    const uint8_t t[5] = {1, 1, 0, 0, 0};
    nt_balance_row r;
    double ess[2];
    nt_error err;
    assert_int_equal(nt_balance_compute(x, 5, 1, t, NULL, w, NT_ATT, &r, ess, &err), NT_OK);
    expect_near(r.smd_before, -3.5 / sqrt(0.5), 1e-12);
    expect_near(r.smd_after, -2.1213203435596424, 1e-12);
    expect_near(r.var_ratio_before, 0.5 / 4, 1e-12);
    assert_true(isnan(r.var_ratio_after));
    expect_near(ess[1], 2, 1e-12);
    /* ATE: pooled sqrt((0.5 + 4)/2) = 1.5: before (1.5 - 5)/1.5. */
    assert_int_equal(nt_balance_compute(x, 5, 1, t, NULL, w, NT_ATE, &r, ess, &err), NT_OK);
    expect_near(r.smd_before, -3.5 / 1.5, 1e-12);
}

/* Known truth: y0 = 1 + x1 + 0.5 x2 + N(0,1), y1 = y0 + 2 + 0.5 x1 (so the
   ATT depends on the treated's x1: ATT = 2 + 0.5 E[x1|D=1], computed from the
   sample's own treated as the sample ATT); D ~ logit(-1 + 0.8 x1 - 0.5 x2).
   Every method within 4 SE of the truth (SATT for ATT methods, SATE);
   every other case matches within exact cells. */
static void test_truth_all_methods(void **state)
{
    (void)state;
    const long n = 4000;
    double *x = malloc((size_t)n * 3 * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    uint8_t *t = malloc((size_t)n);
    nt_rng r;
    nt_rng_init(&r, 2024, 0);
    double satt = 0, sate = 0;
    long n1 = 0;
    for (long i = 0; i < n; i++) {
        double x1 = nt_rng_normal(&r), x2 = nt_rng_normal(&r);
        x[i] = 1; x[n + i] = x1; x[2 * n + i] = x2;
        t[i] = (uint8_t)nt_rng_bernoulli(&r, 1 / (1 + exp(-(-1 + 0.8 * x1 - 0.5 * x2))));
        double y0 = 1 + x1 + 0.5 * x2 + nt_rng_normal(&r), eff = 2 + 0.5 * x1;
        y[i] = t[i] ? y0 + eff : y0;
        sate += eff;
        if (t[i]) { satt += eff; n1++; }
    }
    satt /= (double)n1;
    sate /= (double)n;
    /* Odd cases match within exact cells (sign of x2): still unbiased. */
    long *cell = malloc((size_t)n * sizeof *cell);
    for (long i = 0; i < n; i++) cell[i] = x[2 * n + i] > 0;
    const char *terms[] = {"(Intercept)", "x1", "x2"};
    const int vot[] = {-1, 0, 1};
    struct { nt_method m; nt_estimand e; int replace; } cases[] = {
        {NT_METHOD_NN, NT_ATT, 1}, {NT_METHOD_NN, NT_ATT, 0}, {NT_METHOD_NN, NT_ATE, 1},
        {NT_METHOD_RADIUS, NT_ATT, 1}, {NT_METHOD_KERNEL, NT_ATT, 1}, {NT_METHOD_KERNEL, NT_ATE, 1},
        {NT_METHOD_IPW, NT_ATT, 0}, {NT_METHOD_IPW, NT_ATE, 0}, {NT_METHOD_AIPW, NT_ATT, 0},
        {NT_METHOD_AIPW, NT_ATE, 0}, {NT_METHOD_RADIUS, NT_ATE, 1}, {NT_METHOD_KERNEL, NT_ATT, 2},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        nt_psm_opts o;
        nt_psm_opts_default(&o);
        o.method = cases[c].m;
        o.estimand = cases[c].e;
        o.match.replace = cases[c].replace != 0;
        if (cases[c].replace == 2) o.kernel = NT_KERNEL_GAUSSIAN;
        nt_psm_result *res = NULL;
        nt_error err;
        assert_int_equal(nt_psm_estimate(x, n, 3, terms, vot, t, y, 1, c % 2 ? cell : NULL, &o, &res, &err), NT_OK);
        double truth = cases[c].e == NT_ATT ? satt : sate;
        double est = res->effects[0].estimate, se = res->effects[0].se;
        if (!(fabs(est - truth) < 4 * se))
            fail_msg("case %zu (method %d, estimand %d): estimate %g, truth %g, se %g", c, cases[c].m, cases[c].e, est, truth, se);
        assert_true(se > 0);
        nt_psm_result_free(res);
    }
    free(cell);
    free(x);
    free(y);
    free(t);
}

/* Abadie-Imbens (2016) term, checked by Monte Carlo: R samples of
   size n from a design where estimating the score matters (y depends on x
   strongly, treatment on x). The sampling variance of the NN estimate
   (with replacement, M = 1) over R = 200 samples of n = 800 is compared
   with the mean adjusted variance: the Monte Carlo variance has relative SE
   sqrt(2/R) = 10%, so a ratio within [0.65, 1.45] is a ~4-SE band (a little
   wider above, for the estimators' small-sample bias). */
static void mc_ai2016(nt_estimand estimand, double *ratio_adj, double *ratio_ai)
{
    const long n = 800;
    const int R = 200;
    double *x = malloc((size_t)n * 3 * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    uint8_t *t = malloc((size_t)n);
    double sum = 0, sum2 = 0, vadj = 0, vai = 0;
    for (int rep = 0; rep < R; rep++) {
        nt_rng r;
        nt_rng_init(&r, 77, (uint64_t)rep);
        for (long i = 0; i < n; i++) {
            double x1 = nt_rng_normal(&r), x2 = nt_rng_normal(&r);
            x[i] = 1; x[n + i] = x1; x[2 * n + i] = x2;
            t[i] = (uint8_t)nt_rng_bernoulli(&r, 1 / (1 + exp(-(-0.5 + 0.8 * x1 + 0.4 * x2))));
            y[i] = 2 * x1 + x2 + (t[i] ? 1 + x1 : 0) + nt_rng_normal(&r);
        }
        nt_psm_opts o;
        nt_psm_opts_default(&o);
        o.estimand = estimand;
        o.match.replace = 1;
        o.ps_adjust = 1;
        nt_psm_result *res = NULL;
        nt_error err;
        assert_int_equal(nt_psm_estimate(x, n, 3, NULL, NULL, t, y, 1, NULL, &o, &res, &err), NT_OK);
        double e = res->effects[0].estimate;
        sum += e;
        sum2 += e * e;
        vadj += res->effects[0].se * res->effects[0].se;
        vai += res->effects[0].se_unadjusted * res->effects[0].se_unadjusted;
        nt_psm_result_free(res);
    }
    double m = sum / R, vmc = (sum2 - R * m * m) / (R - 1);
    *ratio_adj = vadj / R / vmc;
    *ratio_ai = vai / R / vmc;
    free(x);
    free(y);
    free(t);
}

static void test_ai2016_monte_carlo(void **state)
{
    (void)state;
    double ra, rb;
    mc_ai2016(NT_ATE, &ra, &rb);
    if (!(ra > 0.65 && ra < 1.45)) fail_msg("ATE: adjusted variance / Monte Carlo variance = %g (unadjusted %g)", ra, rb);
    print_message("AI 2016 ATE: adjusted/MC %.3f, unadjusted/MC %.3f\n", ra, rb);
    mc_ai2016(NT_ATT, &ra, &rb);
    print_message("AI 2016 ATT: adjusted/MC %.3f, unadjusted/MC %.3f\n", ra, rb);
    if (!(ra > 0.65 && ra < 1.45)) fail_msg("ATT: adjusted variance / Monte Carlo variance = %g (unadjusted %g)", ra, rb);
}

/* Bootstrap: identical replicates for 1 and 2 threads; SE near the analytic
   one for a smooth estimator (IPW), within a factor 2. */
static void test_bootstrap_threads(void **state)
{
    (void)state;
    const long n = 600;
    double *x = malloc((size_t)n * 2 * sizeof *x), *y = malloc((size_t)n * sizeof *y);
    uint8_t *t = malloc((size_t)n);
    nt_rng r;
    nt_rng_init(&r, 5, 0);
    for (long i = 0; i < n; i++) {
        double x1 = nt_rng_normal(&r);
        x[i] = 1; x[n + i] = x1;
        t[i] = (uint8_t)nt_rng_bernoulli(&r, 1 / (1 + exp(-(0.5 * x1))));
        y[i] = x1 + (t[i] ? 1 : 0) + nt_rng_normal(&r);
    }
    nt_psm_opts o;
    nt_psm_opts_default(&o);
    o.method = NT_METHOD_IPW;
    o.bootstrap = 60;
    o.seed = 99;
    nt_psm_result *a = NULL, *b = NULL;
    nt_error err;
    omp_set_num_threads(1);
    assert_int_equal(nt_psm_estimate(x, n, 2, NULL, NULL, t, y, 1, NULL, &o, &a, &err), NT_OK);
    omp_set_num_threads(2);
    assert_int_equal(nt_psm_estimate(x, n, 2, NULL, NULL, t, y, 1, NULL, &o, &b, &err), NT_OK);
    assert_memory_equal(&a->effects[0].se, &b->effects[0].se, sizeof(double));
    assert_memory_equal(&a->effects[0].ci_lower, &b->effects[0].ci_lower, sizeof(double));
    assert_int_equal(a->bootstrap_done, 60);
    assert_true(a->effects[0].se < 2 * a->effects[0].se_analytic && a->effects[0].se > 0.5 * a->effects[0].se_analytic);
    nt_psm_result_free(a);
    nt_psm_result_free(b);
    free(x);
    free(y);
    free(t);
}

/* nt_match_range: cells 1 and 2, exact binary scores. Treated 0.0 (row 0,
   cell 1) and 0.5 (row 1, cell 2); controls -0.25, 0.25 (cell 1), 0.5, 0.75,
   1.0, 0.25 (cell 2, rows 4..7). Reach 0.25 closed: row 0 gets both cell-1
   controls, row 1 the cell-2 ones at 0.25, 0.5, 0.75; open: none and 0.5. */
static void test_range_tiny(void **state)
{
    (void)state;
    const double s[8] = {0.0, 0.5, -0.25, 0.25, 0.5, 0.75, 1.0, 0.25};
    const uint8_t t[8] = {1, 1, 0, 0, 0, 0, 0, 0};
    const long cell[8] = {1, 2, 1, 1, 2, 2, 2, 2};
    nt_match_ranges *r = NULL;
    nt_error err;
    assert_int_equal(nt_match_range(s, t, cell, NULL, 8, 1, 0.25, 0, &r, &err), NT_OK);
    assert_int_equal(r->n_cand, 6);
    assert_int_equal(r->n_focal, 2);
    assert_int_equal(r->focal[0], 0);
    assert_int_equal(r->hi[0] - r->lo[0], 2);
    assert_int_equal(r->hi[1] - r->lo[1], 3);
    assert_int_equal(r->cand[r->lo[1]], 7);   /* cell 2 sorted: 0.25 (row 7) first */
    nt_match_ranges_free(r);
    assert_int_equal(nt_match_range(s, t, cell, NULL, 8, 1, 0.25, 1, &r, &err), NT_OK);
    assert_int_equal(r->hi[0] - r->lo[0], 0);
    assert_int_equal(r->hi[1] - r->lo[1], 1);
    assert_int_equal(r->cand[r->lo[1]], 4);
    nt_match_ranges_free(r);
    /* Frequency weights equal listed copies in the bandwidth. */
    const double s3[5] = {0.0, -0.25, 0.25, 0.75, 0.75}, w3[4] = {1, 1, 1, 2};
    const uint8_t t3[5] = {1, 0, 0, 0, 0};
    double h_copies = nt_match_bandwidth(s3, t3, NULL, NULL, 5, 1);
    double h_weights = nt_match_bandwidth(s3, t3, NULL, w3, 4, 1);
    expect_near(h_weights, h_copies, 1e-14);
    assert_true(h_copies > 0);
    /* The AI ATT se from its parts equals nt_match_ai_att (test_nn_tiny). */
    const double tau[2] = {2, 1}, K[3] = {1, 0.5, 0.5}, KK[3] = {1, 0.25, 0.25}, sg[3] = {9, 9, 9};
    expect_near(nt_match_ai_att_se(tau, 2, 1.5, K, KK, sg, 3, 0), 0.3535533905932738, 1e-12);
}

/* The streaming balance equals nt_balance_compute on a non-binary column
   (ATT); nt_wls_fit_ridge solves around a column that is 0 in every row. */
static void test_balance_acc_wls_ridge(void **state)
{
    (void)state;
    const double x[6] = {0.5, 1.5, 2.0, 3.0, 0.25, 4.0}, w[6] = {1, 0, 1, 2, 0.5, 0};
    const uint8_t t[6] = {1, 1, 1, 0, 0, 0};
    nt_balance_row a, b;
    double ess[2];
    nt_error err;
    assert_int_equal(nt_balance_compute(x, 6, 1, t, NULL, w, NT_ATT, &b, ess, &err), NT_OK);
    nt_balance_acc acc = {0};
    for (int i = 0; i < 6; i++) nt_balance_acc_add(&acc, x[i], t[i], w[i]);
    nt_balance_acc_row(&acc, &a);
    expect_near(a.mean_treated, b.mean_treated, 1e-12);
    expect_near(a.mean_control_after, b.mean_control_after, 1e-12);
    expect_near(a.smd_before, b.smd_before, 1e-12);
    expect_near(a.smd_after, b.smd_after, 1e-12);
    expect_near(a.var_ratio_before, b.var_ratio_before, 1e-12);
    expect_near(a.var_ratio_after, b.var_ratio_after, 1e-12);
    /* y = 1 + 2 x exactly; the third column is 0: its coefficient ~0. */
    const double X[18] = {1, 1, 1, 1, 1, 1, 0.5, 1.5, 2.0, 3.0, 0.25, 4.0, 0, 0, 0, 0, 0, 0};
    const double y[6] = {2, 4, 5, 7, 1.5, 9};
    double beta[3] = {0, 0, 0};
    assert_int_equal(nt_wls_fit_ridge(X, 6, 3, y, NULL, beta, &err), NT_OK);
    expect_near(beta[0], 1.0, 1e-6);
    expect_near(beta[1], 2.0, 1e-6);
    expect_near(beta[2], 0.0, 1e-12);
}

/* Issue 11, dominance of balance means: the sums of |w x| and the bounds
   of the largest persons' shares, by hand. Treated: one row each (1000,
   -10, 10). Controls: rows 5, 4, 3, 2, 1, 0.5 of persons with at most 2
   rows: the largest person at most 5 + 4, the two largest 5 + 4 + 3 + 2;
   after weighting (w 1, 0, 2, 1, 1, 0) the rows are 5, 6, 2, 1: 6 + 5 and
   all 14. Ten rows of 1 with 6 rows a person: beyond the 8 kept, each
   further row counts as the last kept, and no bound exceeds the sum. */
static void test_balance_acc_dominance(void **state)
{
    (void)state;
    const double x[9] = {1000, -10, 10, 5, 4, 3, 2, 1, 0.5}, w[9] = {1, 1, 1, 1, 0, 2, 1, 1, 0};
    const uint8_t t[9] = {1, 1, 1, 0, 0, 0, 0, 0, 0};
    nt_balance_acc acc = {0};
    for (int i = 0; i < 9; i++) nt_balance_acc_add(&acc, x[i], t[i], w[i]);
    nt_balance_row r;
    nt_balance_acc_row(&acc, &r);
    nt_balance_acc_dominance(&acc, 2, &r);
    const double want[4][3] = {{15.5, 9, 5}, {1020, 1000, 10}, {14, 11, 3}, {1020, 1000, 10}};
    for (int k = 0; k < 4; k++)
        for (int e = 0; e < 3; e++) expect_near(r.dom[k][e], want[k][e], 1e-12);
    nt_balance_acc many = {0};
    for (int i = 0; i < 10; i++) nt_balance_acc_add(&many, 1, 0, 0);
    nt_balance_acc_dominance(&many, 6, &r);
    expect_near(r.dom[0][0], 10, 1e-12);
    expect_near(r.dom[0][1], 6, 1e-12);
    expect_near(r.dom[0][2], 4, 1e-12);
    /* nt_balance_compute has no contributions: no dominance facts. */
    nt_balance_row b;
    double ess[2];
    nt_error err;
    assert_int_equal(nt_balance_compute(x, 9, 1, t, NULL, w, NT_ATT, &b, ess, &err), NT_OK);
    for (int k = 0; k < 4; k++) assert_true(b.dom[k][0] == 0 && b.dom[k][1] == 0);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nn_tiny),
        cmocka_unit_test(test_greedy_tiny),
        cmocka_unit_test(test_greedy_vs_bruteforce),
        cmocka_unit_test(test_radius_kernel_tiny),
        cmocka_unit_test(test_random_order),
        cmocka_unit_test(test_ai_golden),
        cmocka_unit_test(test_matchit_golden),
        cmocka_unit_test(test_weighting_golden),
        cmocka_unit_test(test_radius_kernel_golden),
        cmocka_unit_test(test_weighting_tiny),
        cmocka_unit_test(test_balance_tiny),
        cmocka_unit_test(test_truth_all_methods),
        cmocka_unit_test(test_bootstrap_threads),
        cmocka_unit_test(test_ai2016_monte_carlo),
        cmocka_unit_test(test_range_tiny),
        cmocka_unit_test(test_balance_acc_wls_ridge),
        cmocka_unit_test(test_balance_acc_dominance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
