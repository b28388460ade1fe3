/* The tiny panel of the dynamic estimator's hand computations, shared by
   test_dynamic.c, test_dyn_never.c and test_dyn_fixed.c (each states the
   changes it makes and the numbers it expects), and the random panel of
   the invariant checks (dyn_rand, at the end). Header-only.

   Eight persons, one binary covariate x, start month 0 only, 4 months:
     person x  treat  employed months 0..3     note
     P0     0  k=0    0 0 1 1
     P1     0  -      0 1 1 0
     P2     0  -      1 1 . .                  censored from month 2
     P3     1  k=0    0 1 1 1
     P4     1  -      0 0 0 1
     P5     1  k=0    0 0 0 0
     P6     1  k=2    1 0 1 1                  starts later: a control at 0
     P7     1  k=0 (type 2)  -                 another type at k: neither
   Every person is observed to the data end (admin_observed 4), on the
   index benefit at inflow (one risk-set month, n_risk 1), included; the
   programme costs 1000 (i + 1) for the starters at month 0. */
#ifndef DYN_TINY_H
#define DYN_TINY_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/nt_rng.h"
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "tests/nt_test.h"

enum { DYN_TINY_N = 8, DYN_TINY_M = 4 };

typedef struct {
    int32_t tm[DYN_TINY_N], tt[DYN_TINY_N], nobs[DYN_TINY_N], admin[DYN_TINY_N];
    double cost[DYN_TINY_N], x[DYN_TINY_N];
    uint8_t on[DYN_TINY_N * DYN_TINY_M], emp[DYN_TINY_N * DYN_TINY_M], inc[DYN_TINY_N];
    float y[DYN_TINY_N * DYN_TINY_M];
    const float *out[1];
    const char *term[1];
    int n_risk;          /* months of on[] per person (1, or DYN_TINY_M) */
    nt_dyn_panel v;      /* the view dyn_tiny_view fills */
} dyn_tiny;

/* The panel above. */
static inline void dyn_tiny_init(dyn_tiny *T)
{
    static const int tm[8] = {0, -1, -1, 0, -1, 0, 2, 0};
    static const int tt[8] = {1, 0, 0, 1, 0, 1, 1, 2};
    static const int nobs[8] = {4, 4, 2, 4, 4, 4, 4, 4};
    static const double x[8] = {0, 0, 0, 1, 1, 1, 1, 1};
    static const float y[8][4] = {{0, 0, 1, 1}, {0, 1, 1, 0}, {1, 1, NAN, NAN}, {0, 1, 1, 1},
                                  {0, 0, 0, 1}, {0, 0, 0, 0}, {1, 0, 1, 1}, {1, 1, 1, 1}};
    memset(T, 0, sizeof *T);
    for (int i = 0; i < DYN_TINY_N; i++) {
        T->tm[i] = tm[i];
        T->tt[i] = tt[i];
        T->nobs[i] = nobs[i];
        T->admin[i] = DYN_TINY_M;
        T->cost[i] = tm[i] == 0 ? 1000.0 * (i + 1) : NAN;
        T->x[i] = x[i];
        T->on[i] = 1;
        T->inc[i] = 1;
        for (int t = 0; t < DYN_TINY_M; t++) T->y[i * DYN_TINY_M + t] = y[i][t];
    }
    T->out[0] = T->y;
    T->term[0] = "x";
    T->n_risk = 1;
}

/* The estimator's view of T (T->v; callers may set its optional fields). */
static inline nt_dyn_panel *dyn_tiny_view(dyn_tiny *T)
{
    T->v = (nt_dyn_panel){.n = DYN_TINY_N, .months = DYN_TINY_M, .treat_month = T->tm, .treat_type = T->tt,
                          .treat_cost = T->cost, .n_observed = T->nobs, .admin_observed = T->admin,
                          .n_risk = T->n_risk, .on_index = T->on, .emp_before = T->emp, .n_outcomes = 1,
                          .outcome = T->out, .p = 1, .x = T->x, .term = T->term, .included = T->inc};
    return &T->v;
}

/* The hand computations' options: programme 1 at start month 0, horizon 3,
   no caliper, one treated enough, every pass, one AI neighbour, AIPW's
   outcome model on any number of rows. */
static inline void dyn_tiny_opts(nt_dyn_opts *o, nt_method method, nt_dyn_lin *lin)
{
    nt_dyn_opts_default(o);
    o->program = 1;
    o->start_first = o->start_last = 0;
    o->start_interval = 1;
    o->horizon = 3;
    o->method = method;
    o->caliper = 0;
    o->min_treated = 1;
    o->full = 1;
    o->ai_neighbors = 1;
    o->lin = lin;
    /* AIPW's outcome model is fitted on the 2-4 observed controls (the
       default, 10 rows per column, leaves mu0 = 0: test_dyn_aipw_sparse.c) */
    if (method == NT_METHOD_AIPW) o->adjust_per_col = 1;
}

/* nt_dyn_estimate on all eight persons; NT_OK or the status (err filled). */
static inline nt_status dyn_tiny_estimate(dyn_tiny *T, const nt_dyn_opts *o, nt_dyn_result **r, nt_error *err)
{
    long units[DYN_TINY_N] = {0, 1, 2, 3, 4, 5, 6, 7};
    *r = NULL;
    return nt_dyn_estimate(dyn_tiny_view(T), units, DYN_TINY_N, o, r, err);
}

/* The linearised inference of L and r (no bootstrap draws); the caller
   frees it. */
static inline nt_dyn_inference *dyn_tiny_infer(const nt_dyn_lin *L, const nt_dyn_result *r)
{
    nt_infer_opts io = {.B = 0, .seed = 1, .level = 0.95};
    nt_dyn_inference *f;
    nt_error err;
    assert_int_equal(nt_dyn_infer(L, r, &io, &f, &err), NT_OK);
    return f;
}

/* The hand computations' check of a linearisation of estimand e (0 ATT, 1
   ATT_fixed; one outcome): every person's term at month tau is want[p] /
   scale; with r, the month's SE is the root of the terms' sum of squares
   (sqrt(sum want^2) / scale). */
static inline void dyn_tiny_expect_lin_e(const nt_dyn_lin *L, const nt_dyn_result *r, int e, int tau,
                                         const double want[DYN_TINY_N], double scale)
{
    double ss = 0;
    for (int p = 0; p < DYN_TINY_N; p++) {
        double c[DYN_TINY_M];
        nt_dyn_lin_get(L, e, p, c);
        expect_near(c[tau], want[p] / scale, 1e-6);
        ss += want[p] * want[p] / (scale * scale);
    }
    if (!r) return;
    nt_dyn_inference *f = dyn_tiny_infer(L, r);
    expect_near(f->se[e * L->horizon + tau], sqrt(ss), 1e-6);
    nt_dyn_inference_free(f);
}

/* The same for ATT. */
static inline void dyn_tiny_expect_lin(const nt_dyn_lin *L, const nt_dyn_result *r, int tau,
                                       const double want[DYN_TINY_N], double scale)
{
    dyn_tiny_expect_lin_e(L, r, 0, tau, want, scale);
}

/* The random panel of the invariant checks (test_dyn_never.c,
   test_dyn_cells_never.c): 600 persons, 30 months, covariates x1 ~ N(0, 1)
   and x2 ~ Bernoulli(.5), a start at months 0..2 with probability
   logit(-1.5 + .5 x1) (at 0 only without later), with later starts at 3..22
   for 40% of the others (later), censoring at hazard logit(-3.5 + .8 x1)
   (censor), two exact cells (cells), employment logit(-1 + .7 x1 + .3 x2 +
   1{two months after the start}). Draws from stream `stream` of seed 42.
   Its store (dyn_rand) also holds smaller hand-made panels (n persons, M
   months, laid out y[i * M + t]; test_dyn_never.c's truncation panel,
   test_dyn_cpool.c's censoring panel), viewed by dyn_rand_view. */
enum { DYN_RAND_N = 600, DYN_RAND_M = 30 };

typedef struct {
    int32_t tm[DYN_RAND_N], tt[DYN_RAND_N], nobs[DYN_RAND_N], adm[DYN_RAND_N], cell[DYN_RAND_N];
    double cost[DYN_RAND_N], x[2 * DYN_RAND_N];
    uint8_t on[DYN_RAND_N * DYN_RAND_M], emp[DYN_RAND_N * DYN_RAND_M], inc[DYN_RAND_N];
    float y[DYN_RAND_N * DYN_RAND_M];
    const float *out[1];
    const char *term[2];
    long units[DYN_RAND_N];
    nt_dyn_panel v;
} dyn_rand;

/* The estimator's view of R's first n persons over M months (p covariates,
   n_risk months of on[] per person; cells: R->cell the exact cells). */
static inline nt_dyn_panel *dyn_rand_view(dyn_rand *R, long n, int M, int p, int n_risk, int cells)
{
    R->out[0] = R->y;
    R->v = (nt_dyn_panel){.n = n, .months = M, .treat_month = R->tm, .treat_type = R->tt, .treat_cost = R->cost,
                          .n_observed = R->nobs, .admin_observed = R->adm, .n_risk = n_risk, .on_index = R->on,
                          .emp_before = R->emp, .n_outcomes = 1, .outcome = R->out, .p = p, .x = R->x,
                          .term = R->term, .included = R->inc, .exact_cell = cells ? R->cell : NULL};
    return &R->v;
}

static inline nt_dyn_panel *dyn_rand_fill(dyn_rand *R, uint64_t stream, int later, int censor, int cells)
{
    enum { N = DYN_RAND_N, M = DYN_RAND_M };
    nt_rng g;
    nt_rng_init(&g, 42, stream);
    for (long i = 0; i < N; i++) {
        R->units[i] = i;
        R->x[i] = nt_rng_normal(&g);
        R->x[N + i] = nt_rng_uniform(&g) < 0.5;
        if (cells) R->cell[i] = (int32_t)nt_rng_below(&g, 2);
        double e = 1 / (1 + exp(-(-1.5 + 0.5 * R->x[i])));
        R->tm[i] = nt_rng_uniform(&g) < e ? (later ? (int32_t)nt_rng_below(&g, 3) : 0) : -1;
        if (later && R->tm[i] < 0 && nt_rng_uniform(&g) < 0.4) R->tm[i] = 3 + (int32_t)nt_rng_below(&g, 20);
        R->tt[i] = R->tm[i] >= 0;
        double ch = 1 / (1 + exp(-(-3.5 + 0.8 * R->x[i])));
        R->nobs[i] = M;
        for (int t = 1; censor && t < M; t++)
            if (nt_rng_uniform(&g) < ch) { R->nobs[i] = t; break; }
        R->adm[i] = M;
        R->cost[i] = NAN;
        R->inc[i] = 1;
        for (int t = 0; t < M; t++) {
            R->on[i * M + t] = 1;
            R->emp[i * M + t] = 0;
            double pe = 1 / (1 + exp(-(-1 + 0.7 * R->x[i] + 0.3 * R->x[N + i] + (R->tm[i] >= 0 && t >= R->tm[i] + 2))));
            R->y[i * M + t] = t < R->nobs[i] ? (float)(nt_rng_uniform(&g) < pe) : NAN;
        }
    }
    R->term[0] = "x1";
    R->term[1] = "x2";
    return dyn_rand_view(R, N, M, 2, M, cells);
}

#endif
