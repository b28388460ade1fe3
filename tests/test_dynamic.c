/* estimators/nt_dynamic: the dynamic estimand on hand-made panels. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dynamic.h"
#include "estimators/nt_dyn_infer.h"
#include "core/nt_rng.h"
#include "estimators/nt_match.h"
#include "estimators/nt_method.h"
#include "tests/dyn_tiny.h"

/* The test's own panel arrays, and the estimator's view of them. */
typedef struct {
    long n;
    int months, n_risk, n_outcomes, p;
    int32_t *treat_month, *treat_type, *n_observed, *admin_observed;
    double *treat_cost, *x;
    uint8_t *on_index, *emp_before, *included;
    float **outcome;
    char **term;
} tpanel;

static nt_dyn_panel *view(const tpanel *p)
{
    static nt_dyn_panel v;
    v = (nt_dyn_panel){.n = p->n, .months = p->months, .treat_month = p->treat_month,
                       .treat_type = p->treat_type, .treat_cost = p->treat_cost, .n_observed = p->n_observed,
                       .admin_observed = p->admin_observed, .n_risk = p->n_risk, .on_index = p->on_index,
                       .emp_before = p->emp_before, .n_outcomes = p->n_outcomes,
                       .outcome = (const float *const *)p->outcome, .p = p->p, .x = p->x,
                       .term = (const char *const *)p->term, .included = p->included};
    return &v;
}

static void tpanel_free(tpanel *p)
{
    free(p->treat_month); free(p->treat_type); free(p->treat_cost); free(p->n_observed);
    free(p->admin_observed); free(p->on_index); free(p->emp_before); free(p->included);
    for (int o = 0; o < p->n_outcomes; o++) free(p->outcome[o]);
    free(p->outcome); free(p->x);
    for (int j = 0; j < p->p; j++) free(p->term[j]);
    free(p->term);
    free(p);
}

/* The tiny panel of tests/dyn_tiny.h. The logit on (1, x) is saturated:
   e = 1/3 for x = 0 (P0 of P0..P2) and 1/2 for x = 1 (P3, P5 of P3..P6), so within a cell all scores are equal
   and NN with replacement gives every treated the cell's controls as a tie
   with weight 1/2 each: P0 <- {P1, P2}; P3, P5 <- {P4, P6}.
     tau 0: P0 0-(0+1)/2, P3 0-(0+1)/2, P5 0-(0+1)/2       -> ATT -0.5
     tau 1: P0 0-(1+1)/2 = -1, P3 1-0 = 1, P5 0-0 = 0      -> ATT 0
     tau 2: P0 1-1 (P2 censored, P1 renormalised to 1) = 0,
            P3 1-(0+1)/2 = .5, P5 0-.5 = -.5               -> ATT 0
   IPW (ATT weights e/(1-e): .5 for x = 0, 1 for x = 1):
     tau 0: treated mean 0, controls (.5*0+.5*1+0+1)/3 = .5 -> -0.5
     tau 1: 1/3 - (.5+.5+0+0)/3 = 0
     tau 2: 2/3 - (.5*1 + 1*0 + 1*1)/2.5 = 2/3 - .6        -> 0.0666...  */
static void run_lin(nt_method method, nt_dyn_lin *lin, nt_dyn_result **r);
static void run(nt_method method, nt_dyn_result **r) { run_lin(method, NULL, r); }
static void run_cells(nt_method method, const int32_t *cells, nt_dyn_lin *lin, nt_dyn_result **r);

static void run_lin(nt_method method, nt_dyn_lin *lin, nt_dyn_result **r)
{
    dyn_tiny T;
    dyn_tiny_init(&T);
    nt_dyn_opts o;
    dyn_tiny_opts(&o, method, lin);
    nt_error err;
    if (dyn_tiny_estimate(&T, &o, r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
}

static void test_nn_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r;
    run(NT_METHOD_NN, &r);
    expect_near(r->att[0], -0.5, 1e-12);
    expect_near(r->att[1], 0.0, 1e-12);
    expect_near(r->att[2], 0.0, 1e-12);
    assert_int_equal(r->n_treated[0], 3);
    assert_int_equal(r->n_treated_matched[2], 3);
    assert_int_equal(r->n_control_used[0], 4);
    assert_int_equal(r->n_control_used[2], 3);
    assert_int_equal(r->n_control, 4);
    assert_int_equal(r->k_treated[0], 3);     /* P7 (another type) is neither */
    assert_int_equal(r->k_controls[0], 4);    /* P6 counts: it starts later */
    /* Full follow-up by the data end for all treated: ATT_fixed = ATT. */
    expect_near(r->att_fixed[1], 0.0, 1e-12);
    /* Matched treated costs 1000, 4000, 6000. */
    expect_near(r->cost_mean, 11000.0 / 3.0, 1e-9);
    /* Balance: x is exactly balanced after matching within cells. */
    assert_int_equal(r->n_bal, 1);
    expect_near(r->bal[0].mean_treated, 2.0 / 3.0, 1e-12);
    expect_near(r->bal[0].mean_treated_after, 2.0 / 3.0, 1e-12);
    expect_near(r->bal[0].mean_control_after, 2.0 / 3.0, 1e-12);
    expect_near(r->bal[0].smd_after, 0.0, 1e-12);
    nt_dyn_result_free(r);
}

/* Time-fixed (placebo) outcomes: month tau of a window, never censored.
   The tiny panel with P2's months 2, 3 given (1 1 0 0) and P2 still
   censored from month 2 in n_observed: with time_fixed P2 counts, so
     tau 2: P0 1-(1+0)/2 = .5, P3 .5, P5 -.5            -> ATT 1/6
   (0 without time_fixed, as test_nn_tiny: P2 is censored there). */
static void test_time_fixed_tiny(void **state)
{
    (void)state;
    dyn_tiny T;
    dyn_tiny_init(&T);
    T.y[2 * 4 + 2] = 0;
    T.y[2 * 4 + 3] = 0;
    nt_dyn_opts o;
    dyn_tiny_opts(&o, NT_METHOD_NN, NULL);
    nt_error err;
    nt_dyn_panel *v = dyn_tiny_view(&T);
    v->time_fixed = 1;
    long units[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    nt_dyn_result *r;
    if (nt_dyn_estimate(v, units, 8, &o, &r, &err)) fail_msg("%s", err.msg);
    expect_near(r->att[0], -0.5, 1e-12);
    expect_near(r->att[1], 0.0, 1e-12);
    expect_near(r->att[2], 1.0 / 6.0, 1e-12);
    assert_int_equal(r->n_control_used[2], 4);
    nt_dyn_result_free(r);
    v->time_fixed = 0;
    if (nt_dyn_estimate(v, units, 8, &o, &r, &err)) fail_msg("%s", err.msg);
    expect_near(r->att[2], 0.0, 1e-12);
    nt_dyn_result_free(r);
}

static void test_ipw_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r;
    run(NT_METHOD_IPW, &r);
    expect_near(r->att[0], -0.5, 1e-9);
    expect_near(r->att[1], 0.0, 1e-9);
    expect_near(r->att[2], 2.0 / 3.0 - 0.6, 1e-9);
    nt_dyn_result_free(r);
}


/* Disclosure facts (nt_dyn_facts.c) by hand on the tiny panel, k = 0.
   NN: control weights v in ATT_0(tau), normalised over the 3 contributing
   treated: tau 0 P1 P2 1/6 each (P0's pair), P4 P6 1/3 each (P3's and
   P5's): 4 used, sum v^2 = 2/36 + 2/9 = 5/18 (Kish 3.6), largest 1/3.
   tau 2 (P2 censored: P0's weight all on P1): P1 P4 P6 1/3 each.
   Employed, treated side c|y|: tau 0 all 0; tau 2 P0 1, P3 1, P5 0 -> sum
   2, largest 1, 1. Controls v|y|: tau 0 P2 1/6, P6 1/3 -> 1/2, 1/3, 1/6;
   tau 2 P1 1/3, P6 1/3 -> 2/3, 1/3, 1/3. Costs: 6000 and 4000 the largest.
   IPW: v = w / sum w, w = .5 (x = 0), 1 (x = 1): tau 0 as NN; tau 2 P1 .2,
   P4 P6 .4: 3 used, sum v^2 = .36, largest .4. */
static void test_disclosure_facts(void **state)
{
    (void)state;
    nt_dyn_result *r;
    run(NT_METHOD_NN, &r);
    assert_non_null(r->k_control_used);
    assert_int_equal(r->k_control_used[0], 4);
    expect_near(r->k_control_w2[0], 5.0 / 18.0, 1e-12);
    expect_near(r->k_control_wmax[0], 1.0 / 3.0, 1e-12);
    assert_int_equal(r->k_control_used[2], 3);
    expect_near(r->k_control_w2[2], 1.0 / 3.0, 1e-12);
    const double *d0 = r->k_dom, *d2 = r->k_dom + 12;
    expect_near(d0[0], 0, 0);
    expect_near(d0[3], 0.5, 1e-12);
    expect_near(d0[4], 1.0 / 3.0, 1e-12);
    expect_near(d0[5], 1.0 / 6.0, 1e-12);
    expect_near(d2[0], 2, 1e-12);
    expect_near(d2[1], 1, 1e-12);
    expect_near(d2[2], 1, 1e-12);
    expect_near(d2[3], 2.0 / 3.0, 1e-12);
    expect_near(d2[4], 1.0 / 3.0, 1e-12);
    expect_near(d2[5], 1.0 / 3.0, 1e-12);
    expect_near(r->cost_top[0], 6000, 0);
    expect_near(r->cost_top[1], 4000, 0);
    nt_dyn_result_free(r);
    run(NT_METHOD_IPW, &r);
    assert_int_equal(r->k_control_used[0], 4);
    expect_near(r->k_control_w2[0], 5.0 / 18.0, 1e-12);
    assert_int_equal(r->k_control_used[2], 3);
    expect_near(r->k_control_w2[2], 0.36, 1e-12);
    expect_near(r->k_control_wmax[2], 0.4, 1e-12);
    nt_dyn_result_free(r);
    /* Every method: with one start month the controls used there are the
       distinct controls used of the pooled path, and Kish <= the count. */
    for (int m = 0; m < NT_METHOD_N; m++) {
        run((nt_method)m, &r);
        for (int tau = 0; tau < 3; tau++) {
            assert_int_equal(r->k_control_used[tau], r->n_control_used[tau]);
            if (r->k_control_used[tau] > 0) assert_true(r->k_control_w2[tau] >= 1.0 / r->k_control_used[tau] - 1e-12);
        }
        nt_dyn_result_free(r);
    }
}

/* The linearisation by hand on the tiny panel (J = 1 same-arm neighbour;
   divide every term by N = 3 contributing treated).
   NN: W = 1/2 within each cell. K, KK: P1, P2 .5, .25 (K^2 - KK = 0);
   P4, P6 1, .5 (K^2 - KK = .5). Signed residuals e = sign(y - y_nb)|y - y_nb|/sqrt2
   with the cell partner as neighbour.
     tau 0: treated y - Yhat - ATT = 0 each; P4 -sqrt(.5)(-1/sqrt2) = .5, P6 -.5
            -> var = .5/9 (= the AI variance: (.5 + .5) x 1/2 / 9)
     tau 1: P0 -1, P3 1, P5 0; all residuals 0            -> var 2/9
     tau 2: P0 0, P3 .5, P5 -.5; P4 .5, P6 -.5 (P1: K^2 - KK = 0) -> var 1/9
   cumulative by person (x 3): P0 0,-1,-1; P3 0,1,1.5; P5 0,0,-.5;
     P4 .5,.5,1; P6 -.5,-.5,-1 -> var(C(2)) = (1 + 2.25 + .25 + 1 + 1)/9 = 5.5/9.
   IPW at tau 2 (P2 censored): w = .5 (x = 0), 1 (x = 1); W = 2.5, rbar = .6,
   ATT = 2/3 - .6. Treated y - rbar - ATT: P0 1/3, P3 1/3, P5 -2/3; controls
   -(3 w / W)(y - rbar): P1 -.24, P4 .72, P6 -.48. Logit term: G = -(3/W) sum
   w (y - rbar) (1, x) = (0, .24); H = sum e(1-e) x x' = [5/3 1; 1 1];
   a = H^-1 G = (-.36, .6); a'x (d - e): P0 -.24, P1 P2 .12, P3 P5 .12,
   P4 P6 -.12. Sums: P0 .09333, P1 -.12, P2 .12, P3 .45333, P4 .6,
   P5 -.54667, P6 -.6 -> var = 1.2618667/9. */
static void test_lin_tiny(void **state)
{
    (void)state;
    nt_dyn_lin *L;
    nt_error err;
    nt_dyn_result *r;
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    run_lin(NT_METHOD_NN, L, &r);
    nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
    nt_dyn_inference *f;
    assert_int_equal(nt_dyn_infer(L, r, &io, &f, &err), NT_OK);
    /* The sums of terms are kept as float: 1e-7. */
    double c[3];
    assert_int_equal(nt_dyn_lin_get(L, 0, 4, c), 1);
    expect_near(c[0], 0.5 / 3, 1e-7);
    nt_dyn_lin_get(L, 0, 6, c);
    expect_near(c[0], -0.5 / 3, 1e-7);
    nt_dyn_lin_get(L, 0, 0, c);
    expect_near(c[1], -1.0 / 3, 1e-7);
    assert_int_equal(nt_dyn_lin_get(L, 0, 7, c), 0);   /* P7: no role */
    expect_near(f->se[0], sqrt(0.5 / 9), 1e-7);
    expect_near(f->se[1], sqrt(2.0 / 9), 1e-7);
    expect_near(f->se[2], sqrt(1.0 / 9), 1e-7);
    expect_near(f->cum_se[2], sqrt(5.5 / 9), 1e-7);
    /* nn's per-start SE is Abadie-Imbens' (nt_match_ai_att_se, as netto
       match): the sums over n^2 = 9. */
    expect_near(r->k_se[0], sqrt(0.5 / 9), 1e-9);
    expect_near(r->k_se[2], sqrt(1.0 / 9), 1e-9);
    assert_int_equal(L->n_contrib[2], r->n_treated_matched[2]);
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);

    /* Radius on the same panel: the scores tie within each cell (radius 0),
       so every treated takes its cell's two controls at 1/2 and the terms
       are nn's above. The per-start SE (effects_by_start.csv) of the one
       start month: the same sums times n / (n - 1) = 3/2 (the treated
       terms are centred at the estimated ATT_k; docs/inference.md, "Per
       start month"), so over n (n - 1) = 6; the path's SEs stay over 9. */
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    run_lin(NT_METHOD_RADIUS, L, &r);
    assert_int_equal(nt_dyn_infer(L, r, &io, &f, &err), NT_OK);
    expect_near(f->se[0], sqrt(0.5 / 9), 1e-7);
    expect_near(f->se[2], sqrt(1.0 / 9), 1e-7);
    expect_near(r->k_se[0], sqrt(0.5 / 6), 1e-9);
    expect_near(r->k_se[1], sqrt(2.0 / 6), 1e-9);
    expect_near(r->k_se[2], sqrt(1.0 / 6), 1e-9);
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);

    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    run_lin(NT_METHOD_IPW, L, &r);
    const double want[8] = {0.28 / 3, -0.12, 0.12, 1.36 / 3, 0.6, -1.64 / 3, -0.6, 0};
    dyn_tiny_expect_lin(L, NULL, 2, want, 3);
    assert_int_equal(nt_dyn_infer(L, r, &io, &f, &err), NT_OK);
    expect_near(f->se[2], sqrt(1.2618667 / 9), 1e-6);
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* effects_by_start.csv's se for weighting: ATT_k(tau) from the (k, tau)
   terms alone, Var = [sum_i (a_i - ATT_k)^2 + sum_j b_j^2] / n^2 (the
   propensity model taken as given, as for matching) times n / (n - 1)
   (the a_i are centred at the estimated ATT_k, which takes Var / n off
   the sum's expectation), on the tiny panel, k = 0, n = 3: the sums
   below over n (n - 1) = 6.
   IPW tau 0: treated r = 0, 0, 0, rbar = (.5*0 + .5*1 + 1*0 + 1*1)/3 = .5:
     a = -.5 (x3, no spread); b = n w/W (r - rbar) = w (r - .5): -.25, .25,
     -.5, .5 -> .625: Var .625/6.
   IPW tau 2 (P2 censored): W = 2.5, rbar = .6, a = .4, .4, -.6 (ATT 1/15):
     spread 2/3; b = 1.2 w (r - .6): P1 .24, P4 -.72, P6 .48 -> .8064:
     Var (2/3 + .8064)/6.
   AIPW tau 2: mu0 the OLS of y(2) on (1, x) over the observed controls:
     1 (x = 0), .5 (x = 1): r_c P1 0, P4 -.5, P6 .5, rbar 0; treated
     P0 1 - 1 = 0, P3 .5, P5 -.5 (ATT 0, spread .5); weighting terms
     kc r: 0, -.6, .6 (kc = 1.2 w: .6, 1.2, 1.2). The outcome model's own
     term (docs/inference.md, "AIPW's outcome model"; since 2026-12-01 in
     the per-start SE as in the pooled paths): g = sum_i x_i - sum_j kc_j
     x_j = (3, 2) - (3, 2.4) = (0, -.4), A = sum_j x_j x_j' = [3 2; 2 2],
     v = A^-1 g = (.4, -.6), phi = x'v: P1 .4, P4 -.2, P6 -.2, e = r_c,
     -phi e: P1 0, P4 -.1, P6 .1. Each control's two terms summed, then
     squared: P4 -(-.6) - .1 = .5, P6 -.6 + .1 = -.5 -> .5: Var (.5 + .5)/6
     (without the own term 1.22/6).  */
static void test_weighting_k_se_tiny(void **state)
{
    (void)state;
    nt_dyn_lin *L;
    nt_error err;
    nt_dyn_result *r;
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    run_lin(NT_METHOD_IPW, L, &r);
    expect_near(r->k_att[2], 1.0 / 15.0, 1e-9);
    expect_near(r->k_se[0], sqrt(0.625 / 6), 1e-9);
    expect_near(r->k_se[2], sqrt((2.0 / 3.0 + 0.8064) / 6), 1e-9);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
    run(NT_METHOD_IPW, &r);   /* without the linearisation: no se */
    assert_true(isnan(r->k_se[2]));
    nt_dyn_result_free(r);
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    run_lin(NT_METHOD_AIPW, L, &r);
    expect_near(r->k_att[2], 0.0, 1e-6);
    expect_near(r->k_se[2], sqrt(1.0 / 6), 1e-6);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
    /* The same within exact cells, all in one cell (nt_dyn_cells.c's path):
       the same sums. */
    static const int32_t one[8] = {0};
    assert_int_equal(nt_dyn_lin_alloc(8, 4, 1, &L, &err), NT_OK);
    run_cells(NT_METHOD_AIPW, one, L, &r);
    expect_near(r->k_att[2], 0.0, 1e-6);
    expect_near(r->k_se[2], sqrt(1.0 / 6), 1e-6);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* Differences on the same persons (nt_dyn_proj): NN minus IPW on the tiny
   panel, the contributions of test_lin_tiny (x 3) at tau 2: NN P3 .5,
   P4 .5, P5 -.5, P6 -.5; IPW P0 .09333, P1 -.12, P2 .12, P3 .45333,
   P4 .6, P5 -.54667, P6 -.6. Differences P0 -.09333, P1 .12, P2 -.12,
   P3 .04667, P4 -.1, P5 .04667, P6 .1: sum of squares .0618667 / 9. The
   cumulative functional against the contributions summed by hand from
   nt_dyn_lin_get; a difference with itself is 0; with an estimate on no
   persons it is the estimate's own variance. */
static void test_lin_diff_tiny(void **state)
{
    (void)state;
    nt_dyn_lin *L[2];
    nt_dyn_result *r[2];
    nt_dyn_inference *f[2];
    nt_error err;
    const nt_method m[2] = {NT_METHOD_NN, NT_METHOD_IPW};
    int hz[3] = {1, 2, 3};
    nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95, .proj_horizons = hz, .n_proj_horizons = 3};
    for (int i = 0; i < 2; i++) {
        assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L[i], &err), NT_OK);
        run_lin(m[i], L[i], &r[i]);
        assert_int_equal(nt_dyn_infer(L[i], r[i], &io, &f[i], &err), NT_OK);
        assert_non_null(f[i]->proj);
    }
    double var[6], want_cum = 0;
    assert_int_equal(nt_dyn_proj_diff_var(f[0]->proj, f[1]->proj, var, &err), NT_OK);
    expect_near(var[2], 0.0618667 / 9, 1e-7);        /* month 2 (horizon 3) */
    for (long p = 0; p < 8; p++) {
        double a[3], b[3];
        nt_dyn_lin_get(L[0], 0, p, a);
        nt_dyn_lin_get(L[1], 0, p, b);
        double d = (a[0] + a[1] + a[2]) - (b[0] + b[1] + b[2]);
        want_cum += d * d;
    }
    expect_near(var[5], want_cum, 1e-7);             /* cumulative to month 2 */
    assert_int_equal(nt_dyn_proj_diff_var(f[0]->proj, f[0]->proj, var, &err), NT_OK);
    for (int j = 0; j < 6; j++) expect_near(var[j], 0, 1e-15);
    nt_dyn_proj none = {.n_outcomes = 1, .n_h = 3, .n_rows = 0};
    assert_int_equal(nt_dyn_proj_diff_var(f[0]->proj, &none, var, &err), NT_OK);
    expect_near(var[2], f[0]->se[2] * f[0]->se[2], 1e-7);
    expect_near(var[5], f[0]->cum_se[2] * f[0]->cum_se[2], 1e-7);
    for (int i = 0; i < 2; i++) {
        nt_dyn_inference_free(f[i]);
        nt_dyn_lin_free(L[i]);
        nt_dyn_result_free(r[i]);
    }
}

/* [estimator] exact with weighting: the control weights are normalised
   within each exact cell. Cells (not in the logit, which stays on (1, x)):
   A = {P0, P1, P3, P6, P7}, B = {P2, P4, P5}. Treated P0, P3 (A), P5 (B);
   controls P1 (w .5), P6 (w 1) in A, P2 (w .5), P4 (w 1) in B.
     tau 0: A controls (.5*0 + 1*1)/1.5 = 2/3, B (.5*1 + 0)/1.5 = 1/3
            ATT = ((0 - 2/3) + (0 - 2/3) + (0 - 1/3)) / 3 = -5/9 (plain IPW -1/2)
     tau 1: A (.5*1 + 0)/1.5 = 1/3, B (.5*1 + 0)/1.5 = 1/3
            ATT = (-1/3 + 2/3 - 1/3) / 3 = 0
     tau 2: P2 censored: A (.5 + 1)/1.5 = 1, B 0: ATT = (0 + 0 + 0)/3 = 0
            (plain IPW 2/3 - .6)
     tau 3: A (0 + 1)/1.5 = 2/3, B 1: ATT = (1/3 + 1/3 - 1)/3 = -1/9.
   Linearisation at tau 0 (x 9, before dividing by N = 3): treated
   y - rbar_c - ATT: P0 -1, P3 -1, P5 2; controls -(n_c w / W_c)(y - rbar_c):
   P1 4, P6 -4, P2 -2, P4 2; logit term: G = sum of the control terms x
   (1, x) = (0, -2), H = [5/3 1; 1 1], a = H^-1 G = (3, -5) (x 1/9);
   a'x (d - e): P0 2, P1 P2 -1, P3 P5 -1, P4 P6 1. Sums 1, 3, -3, -2, 3, 1,
   -3 -> var = 42 / 81 / 9. At tau 2 every term is 0 (each control equals
   its cell mean). The R reference: scripts/reference/exact_weighting.R. */
static void run_cells(nt_method method, const int32_t *cells, nt_dyn_lin *lin, nt_dyn_result **r)
{
    dyn_tiny T;
    dyn_tiny_init(&T);
    nt_dyn_opts o;
    dyn_tiny_opts(&o, method, lin);
    o.horizon = 4;
    nt_dyn_panel *v = dyn_tiny_view(&T);
    v->exact_cell = cells;
    long units[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    nt_error err;
    if (nt_dyn_estimate(v, units, 8, &o, r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
}

static void test_ipw_exact_tiny(void **state)
{
    (void)state;
    static const int32_t cells[8] = {0, 0, 1, 0, 1, 1, 0, 0};
    nt_dyn_result *r, *r0;
    nt_error err;
    nt_dyn_lin *L;
    assert_int_equal(nt_dyn_lin_alloc(8, 4, 1, &L, &err), NT_OK);
    run_cells(NT_METHOD_IPW, cells, L, &r);
    run_cells(NT_METHOD_IPW, NULL, NULL, &r0);
    expect_near(r->att[0], -5.0 / 9.0, 1e-9);
    expect_near(r->att[1], 0.0, 1e-9);
    expect_near(r->att[2], 0.0, 1e-9);
    expect_near(r->att[3], -1.0 / 9.0, 1e-9);
    expect_near(r0->att[0], -0.5, 1e-9);       /* exact = none: differs */
    expect_near(r0->att[2], 2.0 / 3.0 - 0.6, 1e-9);
    assert_int_equal(r->n_treated_matched[0], 3);
    assert_int_equal(r->n_control_used[2], 3);
    const double want[8] = {1, 3, -3, -2, 3, 1, -3, 0};
    nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
    nt_dyn_inference *f;
    assert_int_equal(nt_dyn_infer(L, r, &io, &f, &err), NT_OK);
    for (int q = 0; q < 8; q++) {   /* the sums of terms are kept as float: 1e-7 */
        double c[4];
        nt_dyn_lin_get(L, 0, q, c);
        expect_near(c[0], want[q] / 27.0, 1e-7);
    }
    expect_near(f->se[0], sqrt(42.0 / 729.0), 1e-7);
    expect_near(f->se[2], 0.0, 1e-7);
    nt_dyn_inference_free(f);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
    nt_dyn_result_free(r0);
    /* AIPW honours the cells too (its outcome model on (1, x) cannot absorb
       them): the effect differs from AIPW without cells. */
    run_cells(NT_METHOD_AIPW, cells, NULL, &r);
    run_cells(NT_METHOD_AIPW, NULL, NULL, &r0);
    assert_true(fabs(r->att[0] - r0->att[0]) > 1e-3);
    nt_dyn_result_free(r);
    nt_dyn_result_free(r0);
}

static void test_too_few_treated_skips(void **state)
{
    (void)state;
    dyn_tiny T;
    dyn_tiny_init(&T);
    nt_dyn_opts o;
    dyn_tiny_opts(&o, NT_METHOD_RADIUS, NULL);
    o.min_treated = 10;
    nt_dyn_result *r;
    nt_error err;
    assert_int_equal(dyn_tiny_estimate(&T, &o, &r, &err), NT_OK);
    assert_int_equal(r->n_skipped, 1);
    assert_int_equal(r->k_skipped[0], 1);
    assert_true(isnan(r->att[0]));
    nt_dyn_result_free(r);
}


/* A random panel: 600 persons, a continuous covariate (so different persons
   never tie on the score), starts in months 0..2, censoring. */
static tpanel *random_panel(void)
{
    const long n = 600;
    const int months = 10, nr = 3;
    nt_rng r;
    nt_rng_init(&r, 99, 0);
    tpanel *p = calloc(1, sizeof *p);
    p->n = n;
    p->months = months;
    p->n_risk = nr;
    p->treat_month = malloc((size_t)n * sizeof(int32_t));
    p->treat_type = malloc((size_t)n * sizeof(int32_t));
    p->treat_cost = malloc((size_t)n * sizeof(double));
    p->n_observed = malloc((size_t)n * sizeof(int32_t));
    p->admin_observed = malloc((size_t)n * sizeof(int32_t));
    p->on_index = malloc((size_t)n * nr);
    p->emp_before = calloc((size_t)n * nr, 1);
    p->included = malloc((size_t)n);
    p->n_outcomes = 1;
    p->outcome = malloc(sizeof(float *));
    p->outcome[0] = malloc((size_t)n * months * sizeof(float));
    p->p = 1;
    p->x = malloc((size_t)n * sizeof(double));
    p->term = malloc(sizeof(char *));
    p->term[0] = strdup("x");
    for (long i = 0; i < n; i++) {
        double x = nt_rng_normal(&r);
        p->x[i] = x;
        p->treat_month[i] = -1;
        for (int k = 0; k < nr && p->treat_month[i] < 0; k++)
            if (nt_rng_uniform(&r) < 1 / (1 + exp(1.5 - 0.8 * x))) p->treat_month[i] = k;
        p->treat_type[i] = p->treat_month[i] >= 0;
        p->treat_cost[i] = NAN;
        p->n_observed[i] = nt_rng_uniform(&r) < 0.2 ? 3 + (int)nt_rng_below(&r, 7) : months;
        p->admin_observed[i] = months;
        p->included[i] = 1;
        for (int k = 0; k < nr; k++) p->on_index[i * nr + k] = 1;
        for (int t = 0; t < months; t++)
            p->outcome[0][i * months + t] = t < p->n_observed[i] ? (float)(100 * x + 10 * t + 5 * nt_rng_normal(&r)) : NAN;
    }
    return p;
}

/* A bootstrap draw given as copies and as counts gives the same effects. */
static void test_counts_equal_copies(void **state)
{
    (void)state;
    tpanel *p = random_panel();
    nt_rng r;
    nt_rng_init(&r, 5, 1);
    long n = p->n, *cnt = calloc((size_t)n, sizeof *cnt);
    for (long i = 0; i < n; i++) cnt[nt_rng_below(&r, (uint64_t)n)]++;
    long *copies = malloc((size_t)n * sizeof *copies), *distinct = malloc((size_t)n * sizeof *distinct);
    long *dc = malloc((size_t)n * sizeof *dc), nc = 0, nd = 0;
    for (long i = 0; i < n; i++) {
        for (long c = 0; c < cnt[i]; c++) copies[nc++] = i;
        if (cnt[i]) { distinct[nd] = i; dc[nd++] = cnt[i]; }
    }
    const nt_method methods[] = {NT_METHOD_NN, NT_METHOD_RADIUS, NT_METHOD_KERNEL, NT_METHOD_IPW, NT_METHOD_AIPW};
    for (int mi = 0; mi < 5; mi++) {
        nt_dyn_opts o;
        nt_dyn_opts_default(&o);
        o.program = 1;
        o.start_first = 0;
        o.start_last = 2;
        o.start_interval = 3;
        o.horizon = 6;
        o.method = methods[mi];
        o.caliper = 0.2;
        o.min_treated = 5;
        /* Copies and weights start IRLS from different points (R's binomial
           mustart depends on the weights), so converge both to the MLE. */
        o.glm_epsilon = 1e-13;
        nt_dyn_result *a, *b;
        nt_error err;
        assert_int_equal(nt_dyn_estimate(view(p), copies, nc, &o, &a, &err), NT_OK);
        o.unit_count = dc;
        assert_int_equal(nt_dyn_estimate(view(p), distinct, nd, &o, &b, &err), NT_OK);
        for (int t = 0; t < 6; t++) {
            assert_false(isnan(a->att[t]));
            /* Same MLE and the same matches: only rounding differs. */
            expect_near(b->att[t], a->att[t], 1e-10 * (1 + fabs(a->att[t])));
            assert_int_equal(b->n_treated_matched[t], a->n_treated_matched[t]);
        }
        nt_dyn_result_free(a);
        nt_dyn_result_free(b);
    }
    free(cnt);
    free(copies);
    free(distinct);
    free(dc);
    tpanel_free(p);
}


/* The linearised SE against the full person bootstrap (re-fit, re-match) on
   the 600-person panel, for the smooth estimators whose bootstrap is valid
   (radius, ipw): B = 400 replicates give the bootstrap SE with relative
   Monte Carlo error about 1/sqrt(2B) = 3.5%; for IPW (whose linearisation
   has the logit's term) the test allows 5 of those (17.5%) per month and 3
   (10.5%) for the mean ratio over months. Radius is pinned one-sided: on
   this panel (outcome 100 x + noise 5, so every shift of the matches
   matters) its linearisation, which holds the estimated score, the radius
   and the matches fixed, gives 0.79-0.92 of the bootstrap SE
   (docs/inference.md); it must stay above 0.7 and not exceed the
   bootstrap beyond Monte Carlo error. And the
   multiplier draws' SD against the analytic SE: 2000 draws, relative
   error 1/sqrt(4000) = 1.6%, tolerance 5 x that. Byte-identical on a rerun. */
static void test_lin_vs_bootstrap(void **state)
{
    (void)state;
    tpanel *p = random_panel();
    long n = p->n, *units = malloc((size_t)n * sizeof *units), *draw = malloc((size_t)n * sizeof *draw);
    for (long i = 0; i < n; i++) units[i] = i;
    const nt_method methods[] = {NT_METHOD_RADIUS, NT_METHOD_IPW};
    const int H = 6, B = 400;
    for (int mi = 0; mi < 2; mi++) {
        nt_dyn_opts o;
        nt_dyn_opts_default(&o);
        o.program = 1;
        o.start_first = 0;
        o.start_last = 2;
        o.start_interval = 3;
        o.horizon = H;
        o.method = methods[mi];
        o.min_treated = 5;
        nt_dyn_lin *L;
        nt_dyn_result *r;
        nt_error err;
        assert_int_equal(nt_dyn_lin_alloc(n, H, 1, &L, &err), NT_OK);
        o.lin = L;
        assert_int_equal(nt_dyn_estimate(view(p), units, n, &o, &r, &err), NT_OK);
        nt_infer_opts io = {.B = 2000, .seed = 7, .level = 0.95};
        nt_dyn_inference *f, *f2;
        assert_int_equal(nt_dyn_infer(L, r, &io, &f, &err), NT_OK);
        assert_int_equal(nt_dyn_infer(L, r, &io, &f2, &err), NT_OK);
        assert_memory_equal(f->band_lower, f2->band_lower, (size_t)H * 2 * sizeof(double));
        double s1[6] = {0}, s2[6] = {0};
        o.lin = NULL;
        for (int b = 0; b < B; b++) {
            nt_rng g;
            nt_rng_init(&g, 11, (uint64_t)b);
            for (long i = 0; i < n; i++) draw[i] = (long)nt_rng_below(&g, (uint64_t)n);
            nt_dyn_result *rb;
            assert_int_equal(nt_dyn_estimate(view(p), draw, n, &o, &rb, &err), NT_OK);
            for (int t = 0; t < H; t++) { s1[t] += rb->att[t]; s2[t] += rb->att[t] * rb->att[t]; }
            nt_dyn_result_free(rb);
        }
        double mean_ratio = 0;
        for (int t = 0; t < H; t++) {
            double sd = sqrt((s2[t] - s1[t] * s1[t] / B) / (B - 1));
            double ratio = f->se[t] / sd;
            print_message("%s tau %d: linearised se %.4f, bootstrap %.4f, ratio %.3f, draws %.3f\n",
                          nt_method_name(methods[mi]), t, f->se[t], sd, ratio, f->draw_sd[t] / f->se[t]);
            if (methods[mi] == NT_METHOD_IPW) assert_true(fabs(ratio - 1) < 5 / sqrt(2.0 * B));
            else assert_true(ratio > 0.7 && ratio < 1 + 5 / sqrt(2.0 * B));
            assert_true(fabs(f->draw_sd[t] / f->se[t] - 1) < 5 / sqrt(2.0 * 2000));
            mean_ratio += ratio / H;
        }
        if (methods[mi] == NT_METHOD_IPW) assert_true(fabs(mean_ratio - 1) < 3 / sqrt(2.0 * B));
        nt_dyn_inference_free(f);
        nt_dyn_inference_free(f2);
        nt_dyn_lin_free(L);
        nt_dyn_result_free(r);
    }
    free(units);
    free(draw);
    tpanel_free(p);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nn_tiny),
        cmocka_unit_test(test_time_fixed_tiny),
        cmocka_unit_test(test_ipw_tiny),
        cmocka_unit_test(test_disclosure_facts),
        cmocka_unit_test(test_ipw_exact_tiny),
        cmocka_unit_test(test_weighting_k_se_tiny),
        cmocka_unit_test(test_lin_tiny),
        cmocka_unit_test(test_lin_diff_tiny),
        cmocka_unit_test(test_lin_vs_bootstrap),
        cmocka_unit_test(test_too_few_treated_skips),
        cmocka_unit_test(test_counts_equal_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
