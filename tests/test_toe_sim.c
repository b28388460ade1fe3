/* estimators/nt_toe_sim: employment paths from a fitted timing-of-events
   model. One type (K = 1), no covariates, one baseline piece per hazard,
   theta = (a_e, d_lockin, d_post, a_p); one treated entering in month
   k = 2, programme length D = 2 (the only observed length), horizon 8.
   The exact paths by hand (a recursion over the months, below):
     treated:        mu = exp(a_e) in month k, exp(a_e + d_lockin) while
                     0 < tau <= D, exp(a_e + d_post) after;
     counterfactual: exp(a_e) until an entry (hazard F(a_p) from k + 1 on,
                     in the same month as a possible exit), then the
                     effects by months since that entry;
   employment = sum over exit months e of P(exit in e) retention[tau - e].
   The simulation (20000 replications) must match within 4.5 binomial SEs;
   byte-identical for 1 and 2 threads; the draws give SEs that shrink with
   a smaller covariance. The job-loss hazard with its post-programme effect
   by hand, and its draws (test_toe_sim_loss_hazard). */
#include "tests/nt_test.h"

#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_toe_sim.h"

#define HZ 8
#define D_LEN 2

static double F(double mu) { return -expm1(-mu); }

/* Exact P(exit in month tau) for both arms. */
static void exact(const double *th, int k, double *f1, double *f0)
{
    double mu0 = exp(th[0]), mul = exp(th[0] + th[1]), mup = exp(th[0] + th[2]), hp = F(exp(th[3]));
    double s1 = 1;
    for (int tau = 0; tau < HZ; tau++) {
        double mu = tau == 0 ? mu0 : tau <= D_LEN ? mul : mup;
        f1[tau] = s1 * F(mu);
        s1 *= 1 - F(mu);
    }
    /* counterfactual: u = P(at risk, not entered); e[j] = P(at risk, entered in month k + j) */
    double u = 1, e[HZ] = {0};
    (void)k;
    for (int tau = 0; tau < HZ; tau++) {
        double ex = u * F(mu0), ne = u * (1 - F(mu0));
        for (int j = 1; j < tau; j++) {
            int s = tau - j;
            double mu = s <= D_LEN ? mul : mup;
            ex += e[j] * F(mu);
            e[j] *= 1 - F(mu);
        }
        f0[tau] = ex;
        if (tau > 0) { /* an entry this month, among those still at risk after the exit draw */
            e[tau] = ne * hp;
            u = ne * (1 - hp);
        } else u = ne;
    }
}

static nt_toe_result *fake_fit(const double *th, double var)
{
    nt_toe_result *r = calloc(1, sizeof *r);
    r->K = 1;
    r->p = 4;
    r->coef = malloc(4 * sizeof *r->coef);
    memcpy(r->coef, th, 4 * sizeof *th);
    r->cov_cluster = calloc(16, sizeof *r->cov_cluster);
    for (int j = 0; j < 4; j++) r->cov_cluster[j * 5] = var;
    r->prob[0] = 1;
    return r;
}

static void free_fit(nt_toe_result *r)
{
    free(r->coef);
    free(r->cov_cluster);
    free(r);
}

static void test_toe_sim_exact(void **state)
{
    (void)state;
    const double th[4] = {log(0.1), log(0.5), log(2.0), log(0.3)};
    double ret[HZ];
    for (int d = 0; d < HZ; d++) ret[d] = d == 0 ? 1 : 0.9 - 0.05 * d;
    long dur[D_LEN + 1] = {0, 0, 7};
    nt_toe_result *fit = fake_fit(th, 0.01);
    nt_toe_opts o;
    memset(&o, 0, sizeof o);
    int start = 2, inflow = 2003 * 12;
    nt_toe_sim_in in = {.fit = fit, .opts = &o, .n = 1, .inflow = &inflow, .start = &start, .horizon = HZ,
                        .retention = ret, .dur = dur, .n_dur = D_LEN + 1, .reps = 20000, .draws = 0, .seed = 7};
    nt_toe_sim_out *out = NULL;
    nt_error err;
    assert_int_equal(nt_toe_sim_paths(&in, &out, &err), NT_OK);
    double f1[HZ], f0[HZ];
    exact(th, start, f1, f0);
    for (int tau = 0; tau < HZ; tau++) {
        double y1 = 0, y0 = 0, c1 = 0, c0 = 0;
        for (int e = 0; e <= tau; e++) {
            y1 += f1[e] * ret[tau - e];
            y0 += f0[e] * ret[tau - e];
            c1 += f1[e];
            c0 += f0[e];
        }
        double tol1 = 4.5 * sqrt(c1 * (1 - c1) / 20000) + 1e-12, tol0 = 4.5 * sqrt(c0 * (1 - c0) / 20000) + 1e-12;
        assert_true(fabs(out->y1[tau] - y1) < tol1);
        assert_true(fabs(out->y0[tau] - y0) < tol0);
        assert_true(fabs(out->att[tau] - (out->y1[tau] - out->y0[tau])) < 1e-15);
        assert_true(isnan(out->se[tau]));
    }
    /* the lock-in shows: the treated path is below the counterfactual at tau = 2, above it late */
    assert_true(out->att[2] < 0 && out->att[HZ - 1] > 0);
    nt_toe_sim_out_free(out);
    free_fit(fit);
}

static void test_toe_sim_threads_and_draws(void **state)
{
    (void)state;
    const double th[4] = {log(0.1), log(0.5), log(2.0), log(0.05)};
    enum { N = 700 };
    int start[N], inflow[N];
    for (int i = 0; i < N; i++) { start[i] = i % 5; inflow[i] = 2003 * 12 + i % 12; }
    double ret[HZ];
    for (int d = 0; d < HZ; d++) ret[d] = 1;
    long dur[D_LEN + 1] = {1, 2, 7};
    nt_toe_opts o;
    memset(&o, 0, sizeof o);
    double se[2][HZ];
    for (int v = 0; v < 2; v++) {
        nt_toe_result *fit = fake_fit(th, v ? 0.0001 : 0.01);
        nt_toe_sim_out *a = NULL, *b = NULL;
        nt_error err;
        nt_toe_sim_in in = {.fit = fit, .opts = &o, .n = N, .inflow = inflow, .start = start, .horizon = HZ,
                            .retention = ret, .dur = dur, .n_dur = D_LEN + 1, .reps = 3, .draws = 30, .seed = 11};
        omp_set_num_threads(1);
        assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
        omp_set_num_threads(2);
        assert_int_equal(nt_toe_sim_paths(&in, &b, &err), NT_OK);
        assert_int_equal(a->draws_used, 30);
        assert_memory_equal(a->att, b->att, HZ * sizeof(double));
        assert_memory_equal(a->se, b->se, HZ * sizeof(double));
        assert_memory_equal(a->cum_se, b->cum_se, HZ * sizeof(double));
        for (int tau = 0; tau < HZ; tau++) {
            se[v][tau] = a->se[tau];
            assert_true(fabs(a->lower[tau] + a->upper[tau] - 2 * a->att[tau]) < 1e-12);
        }
        nt_toe_sim_out_free(a);
        nt_toe_sim_out_free(b);
        free_fit(fit);
    }
    /* SD 0.1 -> 0.01 on every parameter: the path's SEs shrink about tenfold */
    for (int tau = 1; tau < HZ; tau++) assert_true(se[1][tau] < 0.2 * se[0][tau] && se[1][tau] > 0);
}

/* The job-loss hazard with a post-programme effect (nt_toe_sim.h), the
   fit's third hazard: one covariate x = 0.5 (b_l = 0.4; in the exit and
   entry hazards with coefficient 0), tenure pieces s <= 2 and s > 2,
   d_l = log(0.5). The exit to work comes at once in both arms (exit hazard
   1 in the start month, untreated there), retention[0] = 1 and nobody finds
   a job again (find = 0), so by hand y(tau) = sum_k pi_k prod_{s < tau}
   (1 - F(exp(a_l[piece(s)] + 0.4 x + d_l T + v_l^k))), T = 1 in the treated
   arm, 0 in the counterfactual (no entry before the exit). v = 0: K = 1;
   v = 1: the same with a tenfold smaller SD of the draws (the path's SEs
   shrink about tenfold); v = 2: K = 2 types with equal probability and
   v_exit = v_entry = 0, v_loss = (0, log 3): the type's posterior is its
   prior, and the paths mix the two job-loss hazards. */
static void test_toe_sim_loss_hazard(void **state)
{
    (void)state;
    enum { P10 = 10 };
    /* a_e, b_e, lock-in, post, a_p, b_p | a_l(s <= 2), a_l(s > 2), b_l, d_l */
    const double th[P10] = {log(50.0), 0, log(0.5), log(2.0), log(0.3), 0, log(0.05), log(0.15), 0.4, log(0.5)};
    const double cuts[1] = {2}, x = 0.5, vl2 = log(3.0);
    double ret[HZ], loss[HZ], find[HZ];
    for (int d = 0; d < HZ; d++) { ret[d] = 1; loss[d] = 0.5; find[d] = 0; }
    long dur[D_LEN + 1] = {0, 0, 7};
    nt_toe_opts o;
    memset(&o, 0, sizeof o);
    int start = 2, inflow = 2003 * 12;
    double se[2][HZ];
    for (int v = 0; v < 3; v++) {
        int K = v == 2 ? 2 : 1, p = P10 + 4 * (K - 1);
        nt_toe_result *r = calloc(1, sizeof *r);
        r->K = K;
        r->nv = 3;
        r->p = p;
        r->coef = calloc((size_t)p, sizeof *r->coef);
        memcpy(r->coef, th, sizeof th);
        if (K == 2) r->coef[P10 + 2] = vl2; /* v_exit, v_entry 0; logit_pi 0 */
        r->cov_cluster = calloc((size_t)(p * p), sizeof *r->cov_cluster);
        for (int j = 0; j < p; j++) r->cov_cluster[j * (p + 1)] = j < 6 || j >= P10 ? 1e-14 : v == 1 ? 1e-4 : 1e-2;
        nt_toe_sim_in in = {.fit = r, .opts = &o, .nxp = 1, .n = 1, .xp = &x, .inflow = &inflow, .start = &start,
                            .horizon = HZ, .retention = ret, .loss = loss, .find = find, .loss_np = 2,
                            .loss_cuts = cuts, .dur = dur, .n_dur = D_LEN + 1, .reps = 20000, .draws = 30, .seed = 5};
        nt_toe_sim_out *out = NULL;
        nt_error err;
        assert_int_equal(nt_toe_sim_paths(&in, &out, &err), NT_OK);
        assert_int_equal(out->draws_used, 30);
        double s1[2] = {1, 1}, s0[2] = {1, 1};
        for (int tau = 0; tau < HZ; tau++) {
            if (tau > 0)
                for (int k = 0; k < K; k++) {
                    double eta = th[6 + (tau - 1 <= 2 ? 0 : 1)] + th[8] * x + (k ? vl2 : 0);
                    s1[k] *= 1 - F(exp(eta + th[9]));
                    s0[k] *= 1 - F(exp(eta));
                }
            double e1 = K == 2 ? 0.5 * (s1[0] + s1[1]) : s1[0], e0 = K == 2 ? 0.5 * (s0[0] + s0[1]) : s0[0];
            if (v != 1) {
                assert_true(fabs(out->y1[tau] - e1) < 4.5 * sqrt(e1 * (1 - e1) / 20000) + 1e-9);
                assert_true(fabs(out->y0[tau] - e0) < 4.5 * sqrt(e0 * (1 - e0) / 20000) + 1e-9);
            }
            if (v < 2) se[v][tau] = out->se[tau];
        }
        /* halving the loss hazard keeps the treated employed: the effect grows with tau */
        assert_true(out->att[1] > 0 && out->att[HZ - 1] > out->att[1]);
        nt_toe_sim_out_free(out);
        free(r->coef);
        free(r->cov_cluster);
        free(r);
    }
    for (int tau = 2; tau < HZ; tau++) assert_true(se[1][tau] < 0.2 * se[0][tau] && se[1][tau] > 0);
}

/* Effects by group (nt_toe_sim_in.group): a fit with two effect groups
   (theta a_e, b_e, lock_0, post_0, lock_1, post_1, a_p, b_p | a_l1, a_l2,
   b_l, d_l0, d_l1) gives a person of group g the same paths, to the bit, as
   the one-group fit with group g's lock-in, post and job-loss post effects
   (the same uniforms); the two groups' paths differ. */
static void test_toe_sim_groups(void **state)
{
    (void)state;
    const double cuts[1] = {2}, x = 0.5;
    const double tg[13] = {log(0.4), 0.1, log(0.5), log(2.0), log(0.2), log(4.0), log(0.3), 0, log(0.05), log(0.15),
                           0.4, log(0.5), log(0.8)};
    double ret[HZ], loss[HZ], find[HZ];
    for (int d = 0; d < HZ; d++) { ret[d] = 1; loss[d] = 0.5; find[d] = 0.2; }
    long dur[D_LEN + 1] = {0, 0, 7};
    nt_toe_opts o;
    memset(&o, 0, sizeof o);
    int start = 2, inflow = 2003 * 12;
    double y1[2][HZ];
    for (int g = 0; g < 2; g++) {
        const double t1[10] = {tg[0], tg[1], tg[2 + 2 * g], tg[3 + 2 * g], tg[6], tg[7], tg[8], tg[9], tg[10],
                               tg[11 + g]};
        nt_toe_result r1 = {.K = 1, .nv = 3, .p = 10, .coef = (double *)t1};
        nt_toe_result r2 = {.K = 1, .nv = 3, .p = 13, .coef = (double *)tg};
        nt_toe_sim_in in = {.fit = &r1, .opts = &o, .nxp = 1, .n = 1, .xp = &x, .inflow = &inflow, .start = &start,
                            .horizon = HZ, .retention = ret, .loss = loss, .find = find, .loss_np = 2,
                            .loss_cuts = cuts, .dur = dur, .n_dur = D_LEN + 1, .reps = 2000, .draws = 0, .seed = 11};
        nt_toe_sim_out *a = NULL, *b = NULL;
        nt_error err;
        assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
        in.fit = &r2;
        in.group = &g;
        in.n_groups = 2;
        assert_int_equal(nt_toe_sim_paths(&in, &b, &err), NT_OK);
        assert_memory_equal(a->y1, b->y1, HZ * sizeof(double));
        assert_memory_equal(a->y0, b->y0, HZ * sizeof(double));
        memcpy(y1[g], b->y1, sizeof y1[g]);
        int bad = 2;
        in.group = &bad; /* a group outside the fit's */
        nt_toe_sim_out *c = NULL;
        assert_int_equal(nt_toe_sim_paths(&in, &c, &err), NT_EUSAGE);
        nt_toe_sim_out_free(a);
        nt_toe_sim_out_free(b);
    }
    assert_true(y1[1][HZ - 1] != y1[0][HZ - 1]);
}

/* Effects by programme type (nt_toe_sim_in.type, mix, dur_type): theta of
   a fit with G effect groups (group = type x Gp + person group): a_e, b_e,
   (lock-in, post) per group, a_p per entry piece, b_p | a_l1, a_l2, b_l,
   job-loss post per group; G = 1: the one-group fit. */
static void types_theta(double *th, int G, int npp, const double *eff, const double *lpost)
{
    int j = 0;
    th[j++] = log(0.4);
    th[j++] = 0.1;
    for (int g = 0; g < G; g++) { th[j++] = eff[2 * g]; th[j++] = eff[2 * g + 1]; }
    for (int k = 0; k < npp; k++) th[j++] = log(0.3);
    th[j++] = 0;
    th[j++] = log(0.05);
    th[j++] = log(0.15);
    th[j++] = 0.4;
    for (int g = 0; g < G; g++) th[j++] = lpost[g];
}

/* (a) Two types, no person groups, the mix all on the other type (q = 1)
   for a treated of type 0: the treated arm is, to the bit, the one-type fit
   with type 0's effects and lengths, the counterfactual the one-type fit
   with type 1's (its later entries are all of type 1; the same uniforms).
   (b) The mix (0.3, 0.7): each replication's counterfactual is one of the
   two, so y0 = 0.3 y0[type 0] + 0.7 y0[type 1] within the binomial error
   of the type draw (a replication's two counterfactuals differ by at most
   1: 4.5 sqrt(0.21 / reps)). (c) Two person groups and entry pieces cut at 0 (every
   later entry is in piece 1): the mix's cell (piece 1, group 1) is all on
   type 1, every other cell on type 0, so a treated of type 0 in group 1
   gets the one-group fit of effect group 0 x 2 + 1 in the treated arm and
   1 x 2 + 1 in the counterfactual. (d) Usage errors: a type out of range,
   no mix. */
static void test_toe_sim_types(void **state)
{
    (void)state;
    const double cuts[1] = {2}, x = 0.5;
    const double eff[8] = {log(0.5), log(2.0), log(0.2), log(4.0), log(0.7), log(1.5), log(0.1), log(3.0)};
    const double lpost[4] = {log(0.5), log(0.8), log(0.6), log(1.2)};
    double ret[HZ], loss[HZ], find[HZ];
    for (int d = 0; d < HZ; d++) { ret[d] = 1; loss[d] = 0.5; find[d] = 0.2; }
    long dur_type[2 * (D_LEN + 1)] = {0, 0, 7, 0, 5, 0}; /* type 0: 2 months, type 1: 1 month */
    nt_toe_opts o;
    memset(&o, 0, sizeof o);
    int start = 2, inflow = 2003 * 12, t0 = 0, reps = 20000;
    nt_error err;
    /* the one-group paths: {entry pieces, effect group, type of the lengths} */
    static const int spec[4][3] = {{1, 0, 0}, {1, 1, 1}, {2, 1, 0}, {2, 3, 1}};
    const double ecut[1] = {0};
    nt_toe_sim_out *one[4] = {NULL};
    double th2[13], th4[20];
    for (int v = 0; v < 4; v++) {
        nt_toe_opts o1 = o;
        int npp = spec[v][0], g = spec[v][1];
        if (npp == 2) { o1.entry_cuts = ecut; o1.n_entry_cuts = 1; }
        double th[11];
        types_theta(th, 1, npp, eff + 2 * g, lpost + g);
        nt_toe_result r1 = {.K = 1, .nv = 3, .p = 9 + npp, .coef = th};
        nt_toe_sim_in in1 = {.fit = &r1, .opts = &o1, .nxp = 1, .n = 1, .xp = &x, .inflow = &inflow,
                             .start = &start, .horizon = HZ, .retention = ret, .loss = loss, .find = find,
                             .loss_np = 2, .loss_cuts = cuts, .dur = dur_type + spec[v][2] * (D_LEN + 1),
                             .n_dur = D_LEN + 1, .reps = reps, .draws = 0, .seed = 11};
        assert_int_equal(nt_toe_sim_paths(&in1, &one[v], &err), NT_OK);
    }
    /* (a) */
    types_theta(th2, 2, 1, eff, lpost);
    nt_toe_result r2 = {.K = 1, .nv = 3, .p = 13, .coef = th2};
    double mix[2] = {0, 1};
    nt_toe_sim_in in = {.fit = &r2, .opts = &o, .nxp = 1, .n = 1, .xp = &x, .inflow = &inflow, .start = &start,
                        .horizon = HZ, .retention = ret, .loss = loss, .find = find, .loss_np = 2,
                        .loss_cuts = cuts, .dur = dur_type, .n_dur = D_LEN + 1, .reps = reps, .draws = 0,
                        .seed = 11, .type = &t0, .n_types = 2, .mix = mix, .dur_type = dur_type};
    nt_toe_sim_out *a = NULL;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
    assert_memory_equal(a->y1, one[0]->y1, HZ * sizeof(double));
    assert_memory_equal(a->y0, one[1]->y0, HZ * sizeof(double));
    assert_true(one[0]->y0[HZ - 1] != one[1]->y0[HZ - 1]);
    nt_toe_sim_out_free(a);
    /* (b) */
    mix[0] = 0.3;
    mix[1] = 0.7;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
    assert_memory_equal(a->y1, one[0]->y1, HZ * sizeof(double));
    for (int tau = 0; tau < HZ; tau++) {
        double d = one[1]->y0[tau] - one[0]->y0[tau], want = one[0]->y0[tau] + 0.7 * d;
        assert_true(fabs(a->y0[tau] - want) <= 4.5 * sqrt(0.21 / reps)); /* |a replication's difference| <= 1 */
    }
    nt_toe_sim_out_free(a);
    /* (c) */
    nt_toe_opts o2 = o;
    o2.entry_cuts = ecut;
    o2.n_entry_cuts = 1;
    types_theta(th4, 4, 2, eff, lpost);
    nt_toe_result r4 = {.K = 1, .nv = 3, .p = 20, .coef = th4};
    double mix4[8] = {1, 0, 1, 0, 1, 0, 0, 1}; /* (piece, group) x type */
    int g1 = 1;
    in.fit = &r4;
    in.opts = &o2;
    in.mix = mix4;
    in.group = &g1;
    in.n_groups = 2;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
    assert_memory_equal(a->y1, one[2]->y1, HZ * sizeof(double));
    assert_memory_equal(a->y0, one[3]->y0, HZ * sizeof(double));
    nt_toe_sim_out_free(a);
    /* (d) */
    int bad = 2;
    in.type = &bad;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_EUSAGE);
    in.type = &t0;
    in.mix = NULL;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_EUSAGE);
    for (int k = 0; k < 4; k++) nt_toe_sim_out_free(one[k]);
}

/* The effect-group map (nt_toe_sim_in.eff_map, a type whose person groups
   are pooled, study/nt_toe_types.h): two types, two person groups, type 0
   pooled (both its groups -> effect group 0), type 1 by group (-> 1, 2):
   a fit with three effect groups. (a) A treated of type 0 in person group
   1, the mix all on type 0: both arms are, to the bit, the one-group fit
   with effect group 0's effects (not group 1's, which type x groups + group
   would read) and type 0's lengths. (b) Type 1, group 1, the mix all on
   type 1: the one-group fit of effect group 2. (c) Type 1, group 0, the
   mix all on type 0: the treated arm is group 1's, the counterfactual the
   pooled group 0's. (d) A map entry outside the fit's groups: usage error. */
static void test_toe_sim_type_map(void **state)
{
    (void)state;
    const double cuts[1] = {2}, x = 0.5;
    const double eff[6] = {log(0.5), log(2.0), log(0.2), log(4.0), log(0.7), log(1.5)};
    const double lpost[3] = {log(0.5), log(0.8), log(0.6)};
    double ret[HZ], loss[HZ], find[HZ];
    for (int d = 0; d < HZ; d++) { ret[d] = 1; loss[d] = 0.5; find[d] = 0.2; }
    long dur_type[2 * (D_LEN + 1)] = {0, 0, 7, 0, 5, 0}; /* type 0: 2 months, type 1: 1 month */
    nt_toe_opts o;
    memset(&o, 0, sizeof o);
    int start = 2, inflow = 2003 * 12, reps = 5000;
    nt_error err;
    static const int spec[3][2] = {{0, 0}, {2, 1}, {1, 1}}; /* {effect group, type of the lengths} */
    nt_toe_sim_out *one[3] = {NULL};
    double th1[3][10], th3[16];
    for (int v = 0; v < 3; v++) {
        int g = spec[v][0];
        types_theta(th1[v], 1, 1, eff + 2 * g, lpost + g);
        nt_toe_result r1 = {.K = 1, .nv = 3, .p = 10, .coef = th1[v]};
        nt_toe_sim_in in1 = {.fit = &r1, .opts = &o, .nxp = 1, .n = 1, .xp = &x, .inflow = &inflow,
                             .start = &start, .horizon = HZ, .retention = ret, .loss = loss, .find = find,
                             .loss_np = 2, .loss_cuts = cuts, .dur = dur_type + spec[v][1] * (D_LEN + 1),
                             .n_dur = D_LEN + 1, .reps = reps, .draws = 0, .seed = 11};
        assert_int_equal(nt_toe_sim_paths(&in1, &one[v], &err), NT_OK);
    }
    types_theta(th3, 3, 1, eff, lpost);
    nt_toe_result r3 = {.K = 1, .nv = 3, .p = 16, .coef = th3};
    int map[4] = {0, 0, 1, 2}, ty = 0, pg = 1;
    double mix[4] = {1, 0, 1, 0}; /* (piece 0, group) x type */
    nt_toe_sim_in in = {.fit = &r3, .opts = &o, .nxp = 1, .n = 1, .xp = &x, .inflow = &inflow, .start = &start,
                        .horizon = HZ, .retention = ret, .loss = loss, .find = find, .loss_np = 2,
                        .loss_cuts = cuts, .dur = dur_type, .n_dur = D_LEN + 1, .reps = reps, .draws = 0,
                        .seed = 11, .group = &pg, .n_groups = 2, .type = &ty, .n_types = 2, .mix = mix,
                        .dur_type = dur_type, .eff_map = map, .n_eff = 3};
    nt_toe_sim_out *a = NULL;
    /* (a) */
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
    assert_memory_equal(a->y1, one[0]->y1, HZ * sizeof(double));
    assert_memory_equal(a->y0, one[0]->y0, HZ * sizeof(double));
    nt_toe_sim_out_free(a);
    /* (b) */
    ty = 1;
    double mix1[4] = {0, 1, 0, 1};
    in.mix = mix1;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
    assert_memory_equal(a->y1, one[1]->y1, HZ * sizeof(double));
    assert_memory_equal(a->y0, one[1]->y0, HZ * sizeof(double));
    assert_true(one[1]->y1[HZ - 1] != one[0]->y1[HZ - 1]);
    nt_toe_sim_out_free(a);
    /* (c) */
    pg = 0;
    in.mix = mix;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_OK);
    assert_memory_equal(a->y1, one[2]->y1, HZ * sizeof(double));
    assert_memory_equal(a->y0, one[0]->y0, HZ * sizeof(double));
    nt_toe_sim_out_free(a);
    /* (d) */
    map[1] = 3;
    assert_int_equal(nt_toe_sim_paths(&in, &a, &err), NT_EUSAGE);
    for (int k = 0; k < 3; k++) nt_toe_sim_out_free(one[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toe_sim_exact),
        cmocka_unit_test(test_toe_sim_threads_and_draws),
        cmocka_unit_test(test_toe_sim_loss_hazard),
        cmocka_unit_test(test_toe_sim_groups),
        cmocka_unit_test(test_toe_sim_types),
        cmocka_unit_test(test_toe_sim_type_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
