/* The pooled censoring model of IPCW (`censoring_model = pooled`,
   estimators/nt_dyn_cpool.c) by hand. 160 persons, x = 0 or 1, half of
   each x treated at start month 0 (the propensity 1/2, every IPW control
   weight 1), months 0..2. Per (x, treated) group of 40: month 1 censors
   10 (x = 0) or 30 (x = 1); of the rest the data end falls in month 2
   for 6 (x = 0) or 2 (x = 1); month 2 censors 6 of the other 24 (x = 0)
   or 6 of the other 8 (x = 1). Without the data end's rows the censoring
   rate is 1/4 (x = 0) and 3/4 (x = 1) in both months, treated or not, so
   the pooled logit (1, x, started; months 1-2 one piece) fits exactly
   those rates and the weights W(0, t) are (4/3)^t and 4^t: 4/3 and 4 at
   t = 1, 16/9 and 16 at t = 2. The treated's summed weights are then 30 x
   4/3 + 10 x 4 = 80 at tau 1 and 18 x 16/9 + 2 x 16 = 64 at tau 2. The
   outcome in month 2 is x for the treated, 0 for the controls, so IPW's
   ATT(2) = 2 x 16 / 64 = 1/2 (unweighted 2/20). The block model counts
   the data end as censoring (month 2's rates 12/30 and 8/10, not
   additive with month 1's on the logit scale) and gives other weights. */
#include "tests/nt_test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "tests/dyn_tiny.h"

enum { CP_N = 160, CP_M = 3 };

/* the panel above in dyn_tiny.h's store of hand-made panels */
static nt_dyn_panel *cp_fill(dyn_rand *T)
{
    memset(T, 0, sizeof *T);
    for (int i = 0; i < CP_N; i++) {
        int x = i >= CP_N / 2, tr = i % 2, r = (i % (CP_N / 2)) / 2;   /* r: rank 0..39 within (x, treated) */
        int c1 = x ? 30 : 10, de = x ? 2 : 6, c2 = 6;
        T->units[i] = i;
        T->x[i] = x;
        T->tm[i] = tr ? 0 : -1;
        T->tt[i] = tr;
        T->cost[i] = NAN;
        T->adm[i] = CP_M;
        if (r < c1) T->nobs[i] = 1;
        else if (r < c1 + de) T->nobs[i] = T->adm[i] = 2;
        else if (r < c1 + de + c2) T->nobs[i] = 2;
        else T->nobs[i] = CP_M;
        T->inc[i] = 1;
        for (int t = 0; t < CP_M; t++) {
            T->on[i * CP_M + t] = 1;
            T->y[i * CP_M + t] = t < T->nobs[i] ? (float)(tr && x && t == 2) : NAN;
        }
    }
    T->term[0] = "x";
    return dyn_rand_view(T, CP_N, CP_M, 1, 1, 0);
}

static nt_dyn_result *cp_run(dyn_rand *T, nt_method method, int model)
{
    nt_dyn_opts o;
    nt_dyn_opts_default(&o);
    o.program = 1;
    o.start_first = o.start_last = 0;
    o.start_interval = 1;
    o.horizon = CP_M;
    o.method = method;
    o.caliper = 0;
    o.min_treated = 1;
    o.bias_adjust = 0;
    o.censoring = 1;
    o.censoring_model = model;
    nt_dyn_result *r = NULL;
    nt_error err;
    if (nt_dyn_estimate(cp_fill(T), T->units, CP_N, &o, &r, &err)) fail_msg("nt_dyn_estimate: %s", err.msg);
    return r;
}

static void test_cpool_weights(void **state)
{
    (void)state;
    static dyn_rand T;
    nt_dyn_result *p = cp_run(&T, NT_METHOD_IPW, 1), *b = cp_run(&T, NT_METHOD_IPW, 0);
    assert_int_equal(p->k_contrib[1], 40);
    assert_int_equal(p->k_contrib[2], 20);
    expect_near(p->k_wcontrib[1], 80, 1e-6);
    expect_near(p->k_wcontrib[2], 64, 1e-6);
    expect_near(p->att[2], 0.5, 1e-6);
    expect_near(p->att[1], 0, 1e-12);
    /* the block model: the data end counted as censoring, other weights */
    assert_true(fabs(b->k_wcontrib[2] - 64) > 1);
    assert_true(fabs(b->att[2] - 0.5) > 0.01);
    nt_dyn_result_free(p);
    nt_dyn_result_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_cpool_weights)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
