/* ATT_never and the censoring weights with ipw within exact cells
   (estimators/nt_dyn_cells.c) and with aipw (nt_dyn_paths.c: the outcome
   model weighted by the weights), by hand on the tiny panel of
   tests/dyn_tiny.h (docs/dynamic.md, "ATT_never and IPCW").

   The panel of test_dyn_never.c: risk-set data for months 0..3, P4 off the
   index benefit from month 1 on; the start hazard is the pooled rate 1/6,
   so a control's start weight in month t is (6/5)^(months at risk in
   1..t): P1 1.2 (t 1), 1.44 (t 2); P2 1.2 (t 1; censored from 2); P4 1;
   P6 1.2 (t 1; started in 2, out from then). The propensity logit on x is
   saturated: e = 1/3 (x = 0), 1/2 (x = 1), ATT weights w = .5 (P1, P2),
   1 (P4, P6).

   Exact cells (not x, so that the weights differ within a cell):
     cell 0: P0 (treated), P2, P4      cell 1: P1, P3 (treated), P5 (treated), P6
   IPW within cells, ATT_never, control weights w_j W_j normalised per cell:
     tau 0: cell 0 rbar = .5 / 1.5 = 1/3 (P2 y 1, P4 y 0), cell 1 rbar =
            1 / 1.5 = 2/3 (P1 y 0, P6 y 1); treated y 0, 0, 0:
            (-1/3 - 2/3 - 2/3) / 3 = -5/9;
     tau 1: cell 0 P2 .6 (y 1), P4 1 (y 0): rbar 3/8; cell 1 P1 .6 (y 1),
            P6 1.2 (y 0): rbar 1/3; treated P0 0, P3 1, P5 0:
            (-3/8 + 2/3 - 1/3) / 3 = -1/72 (without the start weights 0);
     tau 2: cell 0 P4 alone (y 0), cell 1 P1 alone (y 1; P6 started):
            (1 + 0 - 1) / 3 = 0, two controls used. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "tests/dyn_tiny.h"

static const int32_t tiny_cell[8] = {0, 1, 0, 1, 0, 1, 1, 0};

typedef struct {
    int cells;        /* the exact cells above */
    int p4_y1;        /* P4 employed in month 1 (the aipw tests) */
    int never, censoring;
} tiny_cfg;

static nt_dyn_result *tiny_run(nt_method method, tiny_cfg c, nt_dyn_lin *lin)
{
    dyn_tiny T;
    dyn_tiny_init(&T);
    T.n_risk = 4;
    for (int i = 0; i < 8; i++)
        for (int t = 0; t < 4; t++) T.on[i * 4 + t] = i == 4 && t > 0 ? 0 : 1;
    if (c.p4_y1) T.y[4 * DYN_TINY_M + 1] = 1;
    nt_dyn_panel *v = dyn_tiny_view(&T);
    if (c.cells) v->exact_cell = tiny_cell;
    nt_dyn_opts o;
    dyn_tiny_opts(&o, method, lin);
    o.never = c.never;
    o.censoring = c.censoring;
    long units[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    nt_dyn_result *r = NULL;
    nt_error err;
    if (nt_dyn_estimate(v, units, 8, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static void test_ipw_cells_never_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r = tiny_run(NT_METHOD_IPW, (tiny_cfg){.cells = 1, .never = 1}, NULL);
    expect_near(r->att[0], -5.0 / 9, 1e-12);
    expect_near(r->att[1], -1.0 / 72, 1e-12);
    expect_near(r->att[2], 0, 1e-12);
    assert_int_equal(r->n_control_used[2], 2);
    assert_int_equal(r->n_control_used[1], 4);
    assert_int_equal(r->n_treated_matched[2], 3);
    expect_near(r->k_wcontrib[1], 3, 1e-12);   /* no IPCW: the treated weigh 1 */
    nt_dyn_result_free(r);
    /* without the start weights (ATT: P6 a control at month 2 too) */
    r = tiny_run(NT_METHOD_IPW, (tiny_cfg){.cells = 1}, NULL);
    expect_near(r->att[1], 0, 1e-12);
    nt_dyn_result_free(r);
}

/* Censoring: one event among the rows at risk, the pooled rate 1/23 for
   all (test_dyn_never.c), every unit observed in t weighs (23/22)^t: the
   weights cancel within each cell (ipw) and in the outcome model (aipw),
   the summed treated weights are the contributing treated x (23/22)^tau. */
static void test_cells_aipw_ipcw_equal_weights(void **state)
{
    (void)state;
    const nt_method methods[2] = {NT_METHOD_IPW, NT_METHOD_AIPW};
    for (int mi = 0; mi < 2; mi++)
        for (int cells = 0; cells <= 1; cells++) {
            if (mi == 0 && !cells) continue;   /* plain ipw: test_dyn_never.c */
            nt_dyn_result *a = tiny_run(methods[mi], (tiny_cfg){.cells = cells, .p4_y1 = 1}, NULL);
            nt_dyn_result *b = tiny_run(methods[mi], (tiny_cfg){.cells = cells, .p4_y1 = 1, .censoring = 1}, NULL);
            for (int tau = 0; tau < 3; tau++) {
                expect_near(b->att[tau], a->att[tau], 1e-12);
                expect_near(b->k_wcontrib[tau], (double)b->k_contrib[tau] * pow(23.0 / 22.0, tau), 1e-12);
            }
            nt_dyn_result_free(a);
            nt_dyn_result_free(b);
        }
}

/* AIPW with the start weights, P4 employed in month 1 (y 0 1 0 1). Month
   1: the outcome model y ~ 1 + x over the not-yet-started controls with
   the weights W_j (saturated: the weighted means per x): mu0(0) = 1 (P1,
   P2), mu0(1) = (1 x 1 + 1.2 x 0) / 2.2 = 5/11 (P4, P6; unweighted it
   would be 1/2). Residuals: P1, P2 0, P4 6/11, P6 -5/11.
     plain: the controls' weighted residual mean (w_j W_j: .6, .6, 1, 1.2)
            6/11 - 1.2 x 5/11 = 0; the treated P0 0 - 1, P3 1 - 5/11,
            P5 -5/11: ATT_never(1) = -10/33;
     cells: cell 0 (P2 .6 r 0, P4 1 r 6/11) rbar = 15/44, cell 1 (P1 .6 r
            0, P6 1.2 r -5/11) rbar = -10/33; P0 -1 - 15/44, P3 6/11 +
            10/33, P5 -5/11 + 10/33: ATT_never(1) = -85/396.
   Month 2 (P2 censored, P6 started; P1 y 1, P4 y 0: mu0 = 1, 0): plain
   (0 + 1 + 0) / 3, cells the same (every residual 0 but P3's 1). */
static void test_aipw_never_tiny(void **state)
{
    (void)state;
    nt_dyn_result *r = tiny_run(NT_METHOD_AIPW, (tiny_cfg){.p4_y1 = 1, .never = 1}, NULL);
    expect_near(r->att[1], -10.0 / 33, 1e-12);
    expect_near(r->att[2], 1.0 / 3, 1e-12);
    nt_dyn_result_free(r);
    r = tiny_run(NT_METHOD_AIPW, (tiny_cfg){.cells = 1, .p4_y1 = 1, .never = 1}, NULL);
    expect_near(r->att[1], -85.0 / 396, 1e-12);
    expect_near(r->att[2], 1.0 / 3, 1e-12);
    nt_dyn_result_free(r);
}

/* The linearisation of IPW within cells, ATT_never, month 1: treated terms
   r_i - rbar_c (P0 -3/8, P3 2/3, P5 -1/3), control terms -(S_c w_j W_j /
   W_c)(y_j - rbar_c) (cell 0: S 1, W 1.6: P2 -15/64, P4 15/64; cell 1: S
   2, W 1.8: P1 -4/9, P6 4/9), the logit's term a'z (d - e), a = H^-1 G,
   G = sum_j (control term_j) z_j, H = [[5/3, 1], [1, 1]]
   (test_dyn_never.c), and the start hazard's term (nt_dyn_wlin.c): the
   pooled rate h = 1/6 (intercept-only logit, information 5/6, scores P1
   -1/2, P2 -1/6, P6 2/3); d log W_j / d theta = h for the controls at risk
   in month 1 (P1, P2, P6; P4 is off the index benefit), so Gs = (c1 + c2 +
   c6) / 6 = -15/384 = d(3 ATT(1)) / d theta, checked against the closed
   form 3 ATT(1) = 1/3 - rbar_0, rbar_0 = .5 v / (.5 v + 1), v = 1 / (1 - h)
   (cell 1's rbar is 1/3 whatever v). */
static void test_ipw_cells_never_lin(void **state)
{
    (void)state;
    nt_dyn_lin *L;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    nt_dyn_result *r = tiny_run(NT_METHOD_IPW, (tiny_cfg){.cells = 1, .never = 1}, L);
    double A = -1.0 / 72;
    double c2 = -15.0 / 64, c4 = 15.0 / 64, c1 = -4.0 / 9, c6 = 4.0 / 9;
    double G0 = c1 + c2 + c4 + c6, G1 = c4 + c6;   /* z = (1, x) */
    double a0 = 1.5 * G0 - 1.5 * G1, a1 = -1.5 * G0 + 2.5 * G1;
    double l0 = a0, l1 = a0 + a1;
    double h = 1.0 / 6, Gs = (c1 + c2 + c6) * h, as = Gs / (6 * h * (1 - h));
    expect_near(Gs, -15.0 / 384, 1e-15);
    double th = log(h / (1 - h)), eps = 1e-5, fv[2];
    for (int s = 0; s < 2; s++) {
        double hs = 1 / (1 + exp(-(th + (s ? eps : -eps)))), v = 1 / (1 - hs);
        fv[s] = 1.0 / 3 - 0.5 * v / (0.5 * v + 1);
    }
    expect_near((fv[1] - fv[0]) / (2 * eps), Gs, 1e-8);
    double want[8] = {-3.0 / 8 - A + l0 * (1 - 1.0 / 3), c1 + l0 * (-1.0 / 3) + as * -0.5, c2 + l0 * (-1.0 / 3) + as * -h,
                      2.0 / 3 - A + l1 * 0.5,            c4 + l1 * (-0.5),      -1.0 / 3 - A + l1 * 0.5,
                      c6 + l1 * (-0.5) + as * (1 - 2 * h), 0};
    dyn_tiny_expect_lin(L, r, 1, want, 3);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* The linearisation of AIPW ATT_never at month 1: treated terms r_i - rbar
   with rbar = 0 (P0 -1, P3 6/11, P5 -5/11), control terms -(3 w_j W_j /
   3.4) r_j (P1, P2 0, P4 -(3/3.4) 6/11, P6 (3.6/3.4) 5/11), the logit's
   term as above; the outcome model's own term (nt_dyn_aipwlin.c) -phi_u
   W_u e_u, phi_u = x_u' A^-1 g, A = sum_u W_u x_u x_u' = [[4.6, 2.2],
   [2.2, 2.2]] over P1, P2 (x 0, W 1.2), P4 (x 1, W 1), P6 (x 1, W 1.2),
   g = sum_i x_i - sum_j kc_j x_j = (0, 2 - 3 x 2.2 / 3.4) = (0, 1/17): for
   x = 1 phi = g_x / 2.2, so P4 -phi 6/11 and P6 +phi 6/11 (P1, P2 have
   residual 0); and the start hazard's term Gs / (5/6) x score (P1 -1/2,
   P2 -1/6, P6 2/3), Gs = d(3 ATT(1)) / d theta against a central
   difference of the closed form 3 ATT(1) = -2 / (1 + v), v = 1 / (1 -
   h): rbar = 0 whatever v (the model is saturated and w is constant
   within x), mu0(1) = 1 / (1 + v). Gs = c6 h + (P6's own term) h: the
   outcome model held fixed gave c6 h, 2.9% short. */
static double num_deriv(double (*f)(double), double h)
{
    double th = log(h / (1 - h)), eps = 1e-5, fv[2];
    for (int s = 0; s < 2; s++) fv[s] = f(1 / (1 - 1 / (1 + exp(-(th + (s ? eps : -eps))))));
    return (fv[1] - fv[0]) / (2 * eps);
}

static double aipw_never_3att(double v) { return -2 / (1 + v); }

static void test_aipw_never_lin(void **state)
{
    (void)state;
    nt_dyn_lin *L;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    nt_dyn_result *r = tiny_run(NT_METHOD_AIPW, (tiny_cfg){.p4_y1 = 1, .never = 1}, L);
    double A = -10.0 / 33;
    double c4 = -3 / 3.4 * 6.0 / 11, c6 = 3.6 / 3.4 * 5.0 / 11;
    double G0 = c4 + c6, G1 = c4 + c6;
    double a0 = 1.5 * G0 - 1.5 * G1, a1 = -1.5 * G0 + 2.5 * G1;
    double l0 = a0, l1 = a0 + a1;
    double phi = (2 - 3 * 2.2 / 3.4) / 2.2, own4 = -phi * 6.0 / 11, own6 = phi * 6.0 / 11;
    double h = 1.0 / 6, Gs = num_deriv(aipw_never_3att, h), as = Gs / (6 * h * (1 - h));
    expect_near(Gs, (c6 + own6) * h, 1e-8);
    double want[8] = {-1 - A + l0 * (1 - 1.0 / 3), l0 * (-1.0 / 3) + as * -0.5, l0 * (-1.0 / 3) + as * -h,
                      6.0 / 11 - A + l1 * 0.5,     c4 + l1 * (-0.5) + own4, -5.0 / 11 - A + l1 * 0.5,
                      c6 + l1 * (-0.5) + as * (1 - 2 * h) + own6, 0};
    dyn_tiny_expect_lin(L, r, 1, want, 3);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* The same within the cells (test_aipw_never_tiny: ATT_never(1) =
   -85/396): treated terms r_i - rbar_c - ATT, rbar_0 = 15/44, rbar_1 =
   -10/33; control terms -(S_c w_j W_j / W_c)(r_j - rbar_c), kc 3/8 (P2),
   5/8 (P4), 2/3 (P1), 4/3 (P6); the own term with g = (3, 2) - (3, 5/8 +
   4/3) = (0, 1/24); Gs against a central difference of 3 ATT(1) = -2m/3 -
   (1 - m)/(v/2 + 1), m = 1 / (1 + v) (rbar_0 = (1 - m)/(v/2 + 1), rbar_1 =
   -2m/3): 7.5% above the held-fixed (c1 + c2 + c6) h. */
static double aipw_cells_never_3att(double v)
{
    double m = 1 / (1 + v);
    return -2 * m / 3 - (1 - m) / (v / 2 + 1);
}

static void test_aipw_cells_never_lin(void **state)
{
    (void)state;
    nt_dyn_lin *L;
    nt_error err;
    assert_int_equal(nt_dyn_lin_alloc(8, 3, 1, &L, &err), NT_OK);
    nt_dyn_result *r = tiny_run(NT_METHOD_AIPW, (tiny_cfg){.cells = 1, .p4_y1 = 1, .never = 1}, L);
    double A = -85.0 / 396, r0 = 15.0 / 44, r1 = -10.0 / 33;
    double c2 = -3.0 / 8 * (0 - r0), c4 = -5.0 / 8 * (6.0 / 11 - r0), c1 = -2.0 / 3 * (0 - r1),
           c6 = -4.0 / 3 * (-5.0 / 11 - r1);
    double G0 = c1 + c2 + c4 + c6, G1 = c4 + c6;
    double a0 = 1.5 * G0 - 1.5 * G1, a1 = -1.5 * G0 + 2.5 * G1;
    double l0 = a0, l1 = a0 + a1;
    double phi = (1.0 / 24) / 2.2, own4 = -phi * 6.0 / 11, own6 = phi * 6.0 / 11;
    double h = 1.0 / 6, Gs = num_deriv(aipw_cells_never_3att, h), as = Gs / (6 * h * (1 - h));
    expect_near(Gs, (c1 + c2 + c6 + own6) * h, 1e-8);
    double want[8] = {-1 - r0 - A + l0 * (1 - 1.0 / 3),  c1 + l0 * (-1.0 / 3) + as * -0.5,
                      c2 + l0 * (-1.0 / 3) + as * -h,     6.0 / 11 - r1 - A + l1 * 0.5,
                      c4 + l1 * (-0.5) + own4,            -5.0 / 11 - r1 - A + l1 * 0.5,
                      c6 + l1 * (-0.5) + as * (1 - 2 * h) + own6, 0};
    dyn_tiny_expect_lin(L, r, 1, want, 3);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
}

/* On a random panel large enough for the hazard logits: with no later
   starts ATT_never equals ATT, with no censoring the IPCW ATT equals the
   ATT, for ipw within cells and aipw (plain and within cells); with both
   weights on a panel with later starts and censoring the estimates are
   finite and the linearised SEs positive. */
static void test_cells_aipw_invariants(void **state)
{
    (void)state;
    enum { N = DYN_RAND_N };
    static dyn_rand R;
    long *units = R.units;
    for (int scen = 0; scen < 3; scen++) {   /* 0: no later starts; 1: no censoring; 2: both */
        int later = scen >= 1, censor = scen != 1;
        nt_dyn_panel v = *dyn_rand_fill(&R, 9, later, censor, 1);
        for (int mi = 0; mi < 3; mi++) {   /* ipw cells, aipw, aipw cells */
            v.exact_cell = mi != 1 ? R.cell : NULL;
            nt_dyn_opts o;
            nt_dyn_opts_default(&o);
            o.program = 0;
            o.start_first = 0;
            o.start_last = 2;
            o.horizon = 20;
            o.method = mi == 0 ? NT_METHOD_IPW : NT_METHOD_AIPW;
            o.min_treated = 1;
            nt_dyn_result *a, *b;
            nt_error err;
            assert_int_equal(nt_dyn_estimate(&v, units, N, &o, &a, &err), NT_OK);
            if (scen < 2) {
                o.never = scen == 0;
                o.censoring = scen == 1;
                assert_int_equal(nt_dyn_estimate(&v, units, N, &o, &b, &err), NT_OK);
                for (int tau = 0; tau < 20; tau++) expect_near(b->att[tau], a->att[tau], 1e-12);
                nt_dyn_result_free(b);
            } else {
                o.never = o.censoring = 1;
                nt_dyn_lin *L;
                assert_int_equal(nt_dyn_lin_alloc(N, 20, 1, &L, &err), NT_OK);
                o.lin = L;
                assert_int_equal(nt_dyn_estimate(&v, units, N, &o, &b, &err), NT_OK);
                nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
                nt_dyn_inference *f;
                assert_int_equal(nt_dyn_infer(L, b, &io, &f, &err), NT_OK);
                int differ = 0;
                for (int tau = 0; tau < 20; tau++) {
                    assert_true(isfinite(b->att[tau]));
                    assert_true(f->se[tau] > 0);
                    differ |= fabs(b->att[tau] - a->att[tau]) > 1e-6;
                }
                assert_true(differ);
                nt_dyn_inference_free(f);
                nt_dyn_lin_free(L);
                nt_dyn_result_free(b);
            }
            nt_dyn_result_free(a);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipw_cells_never_tiny), cmocka_unit_test(test_cells_aipw_ipcw_equal_weights),
        cmocka_unit_test(test_aipw_never_tiny),      cmocka_unit_test(test_ipw_cells_never_lin),
        cmocka_unit_test(test_aipw_never_lin),       cmocka_unit_test(test_aipw_cells_never_lin),
        cmocka_unit_test(test_cells_aipw_invariants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
