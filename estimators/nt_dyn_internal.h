/* Shared inside the dynamic estimator only (nt_dynamic.c and nt_dyn_*.c);
   nothing outside estimators/nt_dyn* includes this. The work of one run:
     nt_dyn_rows.c   step 1: the (unit, k) rows of a start interval and the
                     design of its logit (columns dropped without counterpart);
     nt_dyn_match.c  step 2: matching (nt_match_range / nt_match.h) or
                     weights within one start month: a kmatch;
     nt_dyn_paths.c  step 3: ATT_k(tau) per start month and tau, the AI
                     standard errors, and the pooling over k (ATT, ATT_fixed);
     nt_dynamic.c    the entry point: intervals, fits, support, balance. */
#ifndef NT_DYN_INTERNAL_H
#define NT_DYN_INTERNAL_H

#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include "estimators/nt_balance.h"
#include "estimators/nt_dynamic.h"

/* ------------------------------------------------------------ step 1 */

typedef struct {
    long n, cap;
    long *unit;
    int *k;
    uint8_t *d;
} nt_dyn_rows;

int nt_dyn_rows_push(nt_dyn_rows *r, long unit, int k, uint8_t d);
void nt_dyn_rows_free(nt_dyn_rows *r);
/* 1 treated, 0 control, -1 neither (not at risk, or another type at k). */
int nt_dyn_role(const nt_dyn_panel *p, long person, int k, int program);

typedef struct {
    long n;
    int q;
    double *z;          /* n x q column-major */
    char **term;
    int *bal_col;       /* 1 if a balance column (covariates and history) */
    int *orig;          /* column before drops: 0 intercept, 1..p covariates, then months, history */
} nt_dyn_design;

/* Builds the model matrix of the rows and drops what cannot be fitted;
   keep[] marks the surviving rows, *dropped counts the rows dropped. */
nt_status nt_dyn_design_build(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_rows *rows,
                              int first, int last, int history, uint8_t *keep, nt_dyn_design *d,
                              long *dropped, nt_error *err);
void nt_dyn_design_free(nt_dyn_design *d);

/* ------------------------------------------------------------ step 2 */

/* What step 2 leaves for step 3, per start month. Matching: every treated
   unit has a list of (control unit, weight). Weighting: one list of control
   units with weights, shared by all treated (and e for AIPW). */
typedef struct {
    long n_t;
    long *t_unit;                /* treated units (matched ones only, for matching) */
    long n_c;
    long *c_unit;                /* distinct controls */
    double *t_score, *c_score;   /* logit scores (AI sigma^2 neighbours) */
    long *start;                 /* matching: n_t + 1 offsets into pair_c / w */
    long *pair_c;                /* matching: control (index into c_unit) of each pair */
    double *w;                   /* matching: pair weights; weighting: control weights (n_c) */
    /* Range mode (radius, Epanechnikov kernel): the controls in c_unit are
       sorted by (cell, score) and treated i uses [rlo[i], rhi[i]) of them,
       with weight 1 (radius) or 1 - ((s_j - s_i)/h)^2 (kernel). */
    int range_mode, epan;
    double h, shift;             /* bandwidth; scores are centred by shift */
    long *rlo, *rhi;
    int qx;                      /* AIPW: outcome-model columns (intercept + covariates) */
    double *xz;                  /* AIPW: the controls' design, n_c x qx column-major */
    double *xt;                  /* AIPW: the treated's design, n_t x qx column-major */
    long *c_row;                 /* weighting: the controls' rows of the interval design */
    /* Weighting with exact cells (nt_dyn_cells.c): cell index 0..n_cells-1
       of each treated and control; n_cells 0 without cells. */
    int n_cells;
    long *t_cell, *c_cell;
    /* Pair mode, step 3: the units' outcomes for a block of months (owned
       by nt_dyn_month_paths; NULL otherwise): see nt_dyn_ycache. */
    struct nt_dyn_ycache_s *yc;
    /* Bias-adjusted radius (nt_dyn_adjust.c; xz/xt hold the design as for
       AIPW): at the month t being estimated, x'b of each treated and
       control per outcome, [o * n_t + i] and [o * n_c + j]; NULL without. */
    double *off_t, *off_c;
    int adjust_per_col;          /* the regression's least units per column (opts; AIPW too) */
    double *xmean;               /* the design's column means over the month's units (centring) */
    /* Its linearisation at the same month (nt_dyn_adjust_term): a = -A^-1
       (0, 0, N g) (q = qx + 1 entries) and the WLS coefficients theta
       (adj_no outcomes x q); a = 0 where the month is not adjusted. */
    double *adj_a, *adj_theta;
    int adj_no;
    /* With the linearisation, per outcome o: the HC2 shift (f - 1) e of the
       adjusted outcome at [o * n] and the regression's term a'z w f e at
       [(adj_no + o) * n] of each treated (lin_t, n = n_t) and control
       (lin_c, n = n_c), f = 1 / sqrt(1 - leverage); 0 outside the WLS. */
    double *lin_t, *lin_c;
    struct nt_dyn_gram_s *gram;  /* its rows and control Gram, per start month (nt_dyn_gram.c) */
} nt_dyn_kmatch;

/* ------------------------------------------------------------ month cache */

/* Pair mode (nn, Gaussian kernel) and weighting (ipw, aipw; with ipw the
   units are all the start month's controls, so the cache matters most
   there: docs/performance.md), without ATT_never or IPCW weights: the
   outcomes of a start month's units at
   months tau0 .. tau0 + nb - 1 since start, transposed so that one month's
   values are contiguous (nt_dyn_ycache.c). Step 3 walks every unit once
   per month; reading the panel's rows (person-major) there costs a cache
   miss per unit, outcome and month, this a sequential read. Unit u is
   treated i (u = i) or control j (u = n_t + j); the values are the
   panel's, so every figure is the same. */
typedef struct nt_dyn_ycache_s {
    int k, tau0, nb, cap, n_outcomes;   /* k: month offset (nt_dyn_month_t); cap: months per block */
    long nu;
    long *person;      /* [u] */
    int32_t *lim;      /* [u]: observed in month t iff t < lim[u] */
    float *y;          /* [(o * nb + b) * nu + u], b = tau - tau0 */
} nt_dyn_ycache;

/* Cache for start month k (nb months per block), empty; -1 out of memory. */
int nt_dyn_ycache_open(nt_dyn_ycache *c, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m,
                       int k, int nb);
/* Fills months tau0 .. tau0 + nb - 1 (past horizon H: fewer). */
void nt_dyn_ycache_fill(nt_dyn_ycache *c, const nt_dyn_panel *p, int tau0, int H);
void nt_dyn_ycache_close(nt_dyn_ycache *c);
#define NT_DYN_YCACHE_MONTHS 16

void nt_dyn_kmatch_free(nt_dyn_kmatch *m);

/* The rows idx[0..n) of one start month of an interval: scores eta, fitted
   probabilities e (weighting), design d (AIPW columns). Kw[a] receives the
   balance weight of row a after matching (0: unmatched). */
typedef struct {
    const nt_dyn_panel *p;
    const long *unit_person;
    const nt_dyn_opts *o;
    const nt_dyn_rows *rows;
    const nt_dyn_design *d;
    const double *eta, *e;
    const long *idx;
    long n;
    double caliper;              /* in score units; 0 none */
} nt_dyn_month;

nt_status nt_dyn_match_month(const nt_dyn_month *mo, nt_dyn_kmatch *m, double *Kw, nt_error *err);

/* ------------------------------------------------------------ step 3 */

typedef struct {
    int horizon, n_outcomes, months;
    uint8_t *bits_used, *bits_used_fixed; /* horizon x bitset over persons */
    long bitset_bytes;
    /* Linearisation (nt_dyn_lin.c), NULL without: the accumulator, the
       interval's design and, for weighting, G = d(N ATT)/d beta per series
       and tau: G[((f * NO + o) * H + tau) * design->q + j]. */
    struct nt_dyn_lin_s *lin;
    const nt_dyn_design *design;
    double *G;
    int J;                               /* AI residual neighbours */
    int k;                               /* the start month being estimated */
    /* Weighting with the linearisation: the (k, tau) terms' sums, for
       effects_by_start.csv's se (nt_dyn_kvar_*); NULL: not collected. */
    struct nt_dyn_kvar_s *kv;
    struct nt_dyn_lin_s *lin_fixed;      /* ATT_fixed's terms of the months run twice (nt_dyn_fixed.c) */
} nt_dyn_paths;

/* The variance of ATT_k(tau) from one (k, tau)'s terms alone (weighting;
   matching has its own in nt_dyn_lin_matched): over the n contributing
   treated with terms a_i and the controls with terms b_j,
     Var = [ sum_i (a_i - abar)^2 + sum_j b_j^2 ] / n^2,
   abar = ATT_k(tau) (the treated terms average to it); for AIPW b_j is
   the control's weighting term plus its outcome-model term -phi_j e_j, as
   in the pooled paths (since 2026-12-01). */
typedef struct nt_dyn_kvar_s {
    long n;
    double ts[64], tq[64], cq[64];
    /* AIPW: each control's terms at (k, tau) summed over its roles (the
       weighting term and the outcome model's own, nt_dyn_aipw_lin) before
       they are squared into cq by nt_dyn_kvar_flush; [j * NO + o], zero
       between months. NULL: each term squared at once. */
    double *cu;
    int NO;
} nt_dyn_kvar;
static inline void nt_dyn_kvar_treated(nt_dyn_kvar *v, int NO, const double *term)
{
    if (!v) return;
    v->n++;
    for (int o = 0; o < NO && o < 64; o++) { v->ts[o] += term[o]; v->tq[o] += term[o] * term[o]; }
}
static inline void nt_dyn_kvar_control(nt_dyn_kvar *v, long j, int o, double term)
{
    if (!v || o >= 64) return;
    if (v->cu) v->cu[(size_t)j * (size_t)v->NO + (size_t)o] += term;
    else v->cq[o] += term * term;
}
/* cq += the squares of cu's sums over the n_c controls; cu back to 0. */
void nt_dyn_kvar_flush(nt_dyn_kvar *v, long n_c);
/* kvar[o] (NaN without a contributing treated). */
double nt_dyn_kvar_get(const nt_dyn_kvar *v, int o);
/* The per-start-month variance's factor n / (n - 1) (1 for n <= 1): terms
   centred at ATT_k have E sum = V (n - 1) / n (docs/inference.md). */
static inline double nt_dyn_kvar_df(double n) { return n > 1 ? n / (n - 1) : 1; }

struct nt_dyn_ksum_s;
/* A matching control's AI term summed over its start months (nt_dyn_ksum.c,
   docs/inference.md "A control at several start months"): add K e (Ke[o],
   NaN none), K and KK of person's role at (k, tau) to estimands 0..fixed;
   merge S's estimand 0 into L's f; apply: each person's rows get
   -s X, s = sqrt(1 - sum KK / (sum K)^2), and the store is freed (in
   nt_dyn_lin_finish). -1 out of memory. */
int nt_dyn_ksum_add(struct nt_dyn_lin_s *L, int fixed, int tau, long person, double K, double KK, const double *Ke);
int nt_dyn_ksum_merge(struct nt_dyn_lin_s *L, int f, const struct nt_dyn_lin_s *S);
int nt_dyn_ksum_apply(struct nt_dyn_lin_s *L);
void nt_dyn_ksum_free(struct nt_dyn_ksum_s *S);
/* Person's raw row of estimand f (made on first use; NULL out of memory). */
float *nt_dyn_lin_row(struct nt_dyn_lin_s *L, int f, long person);

/* Effects of start month ki (index into r->k_month) for every tau, into r's
   k slots and the tau counts. */
nt_status nt_dyn_month_paths(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_opts *o,
                             nt_dyn_kmatch *m, int ki, int fixed, nt_dyn_paths *ctx, nt_dyn_result *r,
                             nt_error *err);
/* The disclosure facts of start month ki for every tau (nt_dyn_facts.c;
   nothing when r->k_control_used is NULL). */
nt_status nt_dyn_facts(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m,
                       int weighting, int ki, nt_dyn_result *r, nt_error *err);
/* The same for one month tau, with buffers sized for m (pair mode calls it
   month by month while the month cache holds tau). */
typedef struct {
    double *v, *acc;
    uint8_t *in, *contrib;
    long *cover;
} nt_dyn_facts_buf;
/* The control weights at month t: v[j] = sum_i c_i w_ij / den_i over the
   contributing treated (contrib[i] = 1), in[j] = 1 for the controls used;
   weighting: v = w over the observed controls (no cells). acc and cover:
   the range mode's buffers (nt_dyn_facts_buf). */
void nt_dyn_facts_weights(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m,
                          int weighting, int t, double *v, uint8_t *in, uint8_t *contrib, double *acc, long *cover);
int nt_dyn_facts_buf_alloc(nt_dyn_facts_buf *b, const nt_dyn_kmatch *m);
void nt_dyn_facts_buf_free(nt_dyn_facts_buf *b);
void nt_dyn_facts_tau(const nt_dyn_panel *p, const long *unit_person, const long *count, const nt_dyn_kmatch *m,
                      int weighting, int ki, int tau, nt_dyn_facts_buf *b, nt_dyn_result *r);
/* Weighting with exact cells at month t (nt_dyn_cells.c): as the plain
   weighting of nt_dyn_paths.c, with the control weights normalised within
   each cell; same arguments and outputs (wcontrib: the contributing
   treated's summed weights, ATT_never / IPCW; their copies without). */
nt_status nt_dyn_cells_tau(const nt_dyn_panel *p, const long *unit_person, const long *count,
                           const nt_dyn_kmatch *m, int t, int NO, uint8_t *bits, uint8_t *bits_f, long *used,
                           long *used_f, double *sum, long *nobs, long *ncontrib, double *wcontrib,
                           nt_dyn_paths *ctx, int tau, int fixed, nt_error *err);
/* Bias-adjusted radius matching at month t (nt_dyn_adjust.c): the WLS of
   each outcome on (1, D, x) over the matched units observed in t, weights
   the contributing treated's copies and the controls' K_j (the matching
   weights renormalised over the observed controls); sets m->off_t and
   m->off_c to x'b (x centred), so that the matching estimator on y - x'b
   is the coefficient of D; lin: also the leverages (linearisation). With
   the weights of ATT_never / IPCW (start month k): the treated weigh
   c_i W_i, the controls not yet started K_j = W_j sum_i c_i W_i w_ij /
   den_i, den_i over the alive controls (as the matched mean, nt_dyn_ualive). */
nt_status nt_dyn_adjust_tau(const nt_dyn_panel *p, const long *unit_person, const long *count, nt_dyn_kmatch *m,
                            int k, int t, int NO, int lin, nt_error *err);
/* The bias adjustment's per-start-month rows z = (1, D, x - xmean) and,
   with segs (no weights), the controls' Gram kept by segments of equal
   run (nt_dyn_gram.c); NULL when out of memory. */
typedef struct nt_dyn_gram_s nt_dyn_gram;
nt_dyn_gram *nt_dyn_gram_open(const nt_dyn_panel *p, const long *unit_person, const long *count,
                              const nt_dyn_kmatch *m, int segs);
void nt_dyn_gram_free(nt_dyn_gram *g);
/* Row of treated i (side 0) or control j (side 1): q doubles. */
const double *nt_dyn_gram_row(const nt_dyn_gram *g, int side, long i);
int nt_dyn_gram_segs(const nt_dyn_gram *g);
/* With segs: adds sum_j K_j z_j z_j' over the controls observed in t with
   run_j > 0 (K_j = c_j run_j, run the running sum of the difference array
   acc over the control positions) to A's lower triangle (q x q); returns
   their copies. Months must not decrease between calls, except that a
   decrease rebuilds. */
long nt_dyn_gram_controls(nt_dyn_gram *g, const double *acc, int t, double *A);
/* The regression's term of the bias adjustment's linearisation at the
   month of the last nt_dyn_adjust_tau (with lin): a'z_u w_u f_u e_u for
   unit i of side 0 (treated) or 1 (control), w_u its weight in the WLS
   (treated: copies; control: K_j), e_u its residual, f_u its HC2 factor;
   0 without. */
double nt_dyn_adjust_term(const nt_dyn_kmatch *m, int side, long i, int o);
/* The adjusted outcome the linearisation uses: y - x'b with the unit's WLS
   residual scaled by 1 / sqrt(1 - leverage) (HC2; with lin set in
   nt_dyn_adjust_tau), y its outcome o (not adjusted). */
double nt_dyn_adjust_ylin(const nt_dyn_kmatch *m, int side, long i, int o, double y);
/* y of unit i (treated side 0, control side 1) of the kmatch at month t,
   minus its bias adjustment when there is one. */
static inline double nt_dyn_yadj(const nt_dyn_panel *p, const nt_dyn_kmatch *m, int side, long i, long person,
                                 int o, int t)
{
    double y = (double)p->outcome[o][person * p->months + t];
    if (side == 0 && m->off_t) y -= m->off_t[(size_t)o * (size_t)m->n_t + (size_t)i];
    if (side == 1 && m->off_c) y -= m->off_c[(size_t)o * (size_t)m->n_c + (size_t)i];
    return y;
}
/* AIPW: the OLS of each outcome at month t on the design over the observed
   (not yet started) controls of start month k, weighted by their copies
   and ATT_never / IPCW weights (beta: NO x qx, 0 without a model). chol
   (NULL: not wanted): *chol the Cholesky factor of the fit's X'WX (qx x qx,
   row-major, ridged as nt_wls_fit_ridge; the caller frees it), NULL
   without a model. */
nt_status nt_dyn_ols_controls(const nt_dyn_panel *p, const long *unit_person, const long *count,
                              const nt_dyn_kmatch *m, int k, int t, int NO, double *beta, double **chol,
                              nt_error *err);
/* att[o * horizon + tau] = sum_k c_k(tau) ATT_k(tau) / sum_k c_k(tau) over
   the start months with use_k[k] (c: contributing treated). */
void nt_dyn_combine(nt_dyn_result *r, const int *use_k, double *att);

/* ------------------------------------------------------------ ATT_fixed (nt_dyn_fixed.c) */

/* 1 when person's months k .. k + horizon - 1 end within the data (data end
   alone): the fixed population F_k of ATT_fixed. */
int nt_dyn_fixed_person(const nt_dyn_panel *p, long person, int k, int horizon);
/* 1 when every treated unit of m is in F_k. */
int nt_dyn_fixed_all(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int k, int horizon);
/* r->fx: the per-start-month arrays of ATT_fixed. */
nt_status nt_dyn_fixed_alloc(nt_dyn_result *r, int full, nt_error *err);
/* After nt_dyn_month_paths of start month ki (fixed: every treated of m in
   F_k, so that run served both estimands): ATT_fixed's slots of ki in r->fx,
   copied, or by a second run over the treated of F_k alone. */
nt_status nt_dyn_fixed_paths(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_opts *o,
                             const nt_dyn_kmatch *m, int ki, int fixed, nt_dyn_paths *ctx, nt_dyn_result *r,
                             nt_error *err);
/* After all start months: r->att_fixed over the used months (use), the
   fixed counts, and the second runs' linearisation into estimand 1. */
nt_status nt_dyn_fixed_finish(nt_dyn_result *r, const int *use, nt_dyn_paths *ctx, nt_error *err);

/* ------------------------------------------------------------ linearisation */

/* The (k, tau) terms of matching (pairs or ranges) at month t = k + tau;
   kvar (NULL or n_outcomes): the variance of ATT_k(tau) from those terms
   alone (NaN when no treated contributes): effects_by_start.csv's se. */
nt_status nt_dyn_lin_matched(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                             const nt_dyn_kmatch *m, int t, int tau, int fixed, double *kvar, nt_error *err);
/* The (k, tau) terms of weighting; beta: the AIPW outcome models (qx per
   outcome) or NULL, chol their X'WX's factor (nt_dyn_ols_controls; NULL
   without a model); with ctx->G also the logit derivative. */
nt_status nt_dyn_lin_weighted(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person,
                              const nt_dyn_kmatch *m, int t, int tau, int fixed, const double *beta,
                              const double *chol, nt_error *err);
/* AIPW (beta not NULL) at (k, tau), after the weighting terms: the
   outcome model's own term -phi_u W_u e_u of each of its units and, with
   the hazards, its part of their derivative (nt_dyn_aipwlin.c); chol the
   Cholesky factor of the model's X'WX from nt_dyn_ols_controls (NULL: no
   model, no term); cW, cS the cells' sums as nt_dyn_wlin_weighted (NULL:
   one cell). */
nt_status nt_dyn_aipw_lin(nt_dyn_paths *ctx, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m,
                          int t, int tau, int fixed, const double *beta, const double *chol, const double *cW,
                          const double *cS, nt_error *err);
/* After an interval (weighting): the logit's term G' H^-1 x_r (d_r - e_r)
   over the model's rows (fit_keep), e the fitted probabilities. */
nt_status nt_dyn_lin_score(nt_dyn_paths *ctx, const long *unit_person, const nt_dyn_rows *rows,
                           const uint8_t *fit_keep, const double *e, nt_error *err);
/* One term into person's row (estimands 0..fixed); the treated one marks
   the role and counts it. -1 when out of memory. */
int nt_dyn_lin_add_treated(struct nt_dyn_lin_s *L, int fixed, int tau, long person, const double *term);
/* The same with the treated's weight wt (ATT_never, IPCW): the term is
   wt (y - Yhat) - (wt - 1) ATT_k, so that the finished contribution is
   wt (y - Yhat - ATT) / sum wt up to (wt - 1)(ATT_k - ATT). */
int nt_dyn_lin_add_treated_w(struct nt_dyn_lin_s *L, int fixed, int tau, long person, const double *term, double wt);
int nt_dyn_lin_add_control(struct nt_dyn_lin_s *L, int fixed, int tau, long person, int o, double term);
/* Pair mode with the month cache: nt_dyn_lin_matched keeps the terms of
   the cached months and this adds them to the persons' rows (the same sums
   in the same order of start months: a person has one role per start
   month), once per unit and block instead of once per unit and month. */
nt_status nt_dyn_lin_flush(nt_dyn_paths *ctx, const nt_dyn_kmatch *m, int fixed, nt_error *err);
/* Weighting with the month cache (nt_dyn_cells.c, nt_dyn_paths.c): the
   block slot of month t with its buffer ready (-1: t not cached, terms go
   straight into the rows; -2: out of memory), and unit u's term for
   outcome o there (role 1 treated, weight 1; 4 control; both add every
   term, NaN too, as nt_dyn_lin_add_*; pair mode's controls, role 2, skip
   NaN), added by nt_dyn_lin_flush. */
int nt_dyn_lin_slot(struct nt_dyn_lin_s *L, const nt_dyn_kmatch *m, int t);
void nt_dyn_lin_slot_put(struct nt_dyn_lin_s *L, const nt_dyn_kmatch *m, int b, long u, int role, int o, double term);
/* Adds estimand 0 of S (terms, roles, counts) into estimand f of L. */
nt_status nt_dyn_lin_merge(struct nt_dyn_lin_s *L, int f, const struct nt_dyn_lin_s *S, nt_error *err);
/* After the run: (sum of terms - treated roles x ATT) / N(tau). */
void nt_dyn_lin_finish(struct nt_dyn_lin_s *L, const nt_dyn_result *r);

/* The signed AI residuals of a month's observed controls (nt_dyn_resid.c):
   the n controls in score order ord (scores sorted), skip[j] set for the
   unobserved, outcomes y[o][j]; groups of equal score are summed once.
   *R is made on first use and reused; -1 when out of memory. */
typedef struct nt_dyn_resid_s nt_dyn_resid;
int nt_dyn_resid_month(nt_dyn_resid **R, long n, const long *ord, const double *sorted, const uint8_t *skip, int NO,
                       double *const *y);
/* Control at rank (score s, outcomes yj) among them: e[o] =
   sign(yj - mean of its neighbours) sqrt(sample variance of it and its J
   nearest, ties at the J-th distance included), NaN without neighbours. */
void nt_dyn_resid_get(const nt_dyn_resid *R, long rank, double s, int J, int NO, const double *yj, double *e);
void nt_dyn_resid_free(nt_dyn_resid *R);

/* Appends the matched sets of start month k (nt_dyn_pairs.c). */
struct nt_dyn_pairs_s;
nt_status nt_dyn_pairs_add(struct nt_dyn_pairs_s *P, const nt_dyn_kmatch *m, const long *unit_person, int k,
                           nt_error *err);

/* Appends start month k's weights at tau = 0 (nt_dyn_kw.c, nt_dyn_kw.h). */
struct nt_dyn_kw_s;
nt_status nt_dyn_kw_add(struct nt_dyn_kw_s *W, const nt_dyn_panel *p, const long *unit_person, const long *count,
                        const nt_dyn_kmatch *m, int weighting, int k, nt_error *err);

/* ------------------------------------------------------------ ATT_never, IPCW */

/* The hazards of nt_dyn_ipcw.c over the units (copies counted): *ls_start
   (o->never) and *ls_cens (o->censoring), n x months each, NULL when not
   asked for; *lcap the caps of o->ipcw_truncate (nt_dyn_panel's
   lcap_cens), NULL without. */
struct nt_dyn_hz_s;
nt_status nt_dyn_ipcw_fit(const nt_dyn_panel *p, const long *unit_person, long n_units, const nt_dyn_opts *o,
                          double **ls_start, double **ls_cens, double **lcap, struct nt_dyn_hz_s **hz,
                          nt_error *err);
/* Row (person, s) of hazard kind (0 start, 1 censoring, 2 censoring
   without the data end: a row whose data end is s is no row): -1 not at
   risk, else the event (0/1). */
int nt_dyn_ipcw_at_risk(const nt_dyn_panel *p, long person, int s, int kind);
/* The censoring weights' tail per month since start into r->wtail_*
   (nt_dyn_wtail.c); nothing without p->ls_cens. */
nt_status nt_dyn_wtail(const nt_dyn_panel *p, const long *unit_person, long n_units, const nt_dyn_opts *o,
                       nt_dyn_result *r, nt_error *err);

/* A fitted hazard kept for the linearisation (hz of nt_dyn_ipcw_fit, when
   not NULL): per block of months s0..s1 its logit's kept columns, col[c]
   the index among them of candidate column c (1, the p covariates, the
   dummies of months fs+1..lsd, for censoring "started"), -1 left out (a
   pooled rate: the intercept alone); ch[person * months + t] the sum of
   the person's hazards over its rows at risk in 1..t. With pst (the pooled
   censoring model, nt_dyn_cpool.c) the dummies are those of the pieces
   1..np-1 instead of months, piece d = months pst[d]..pst[d+1]-1. */
typedef struct {
    int s0, s1, fs, lsd, q;
    int *col;
    int np, *pst;
} nt_dyn_hzblock;
typedef struct nt_dyn_hz_s {
    int kind, nb;   /* kind: as nt_dyn_ipcw_at_risk's */
    nt_dyn_hzblock *b;
    double *ch;
} nt_dyn_hz;
void nt_dyn_hz_free(nt_dyn_hz *hz);
/* The dummy columns of block B. */
static inline int nt_dyn_hz_ndum(const nt_dyn_hzblock *B) { return B->pst ? B->np - 1 : B->lsd - B->fs; }
/* The pooled censoring hazard (`censoring_model = pooled`): ls (n x months,
   zero) gets log(1 - c(s)) of every row at risk, hz (kind 2) its block and
   ch (not cumulated) when not NULL. */
nt_status nt_dyn_cpool_fit(const nt_dyn_panel *p, const long *persons, const double *pw, long np, double *ls,
                           nt_dyn_hz *hz, nt_error *err);

/* The estimation effect of the hazards in the linearisation
   (nt_dyn_wlin.c; docs/inference.md, "ATT_never and IPCW"): the derivative
   G of N(tau) ATT(tau) with respect to the hazards' coefficients theta,
   gathered at each (k, tau), and at the end G' H^-1 score_p added to each
   person's contribution (estimands 0 and 1: ATT and ATT_fixed, each with
   its own G). Owns hz (nt_dyn_wlin_free). */
struct nt_dyn_wlin_s;
nt_status nt_dyn_wlin_alloc(struct nt_dyn_lin_s *L, const nt_dyn_panel *p, const long *unit_person, long n_units,
                            nt_dyn_hz *hz_start, nt_dyn_hz *hz_cens, int horizon, struct nt_dyn_wlin_s **out,
                            nt_error *err);
void nt_dyn_wlin_free(struct nt_dyn_wlin_s *W);
/* Matching at (k, tau), t = k + tau, after the linearisation's own terms:
   K[j] the controls' Hajek weights (sum_j K_j = sum of the contributing
   treated's weights tw), yhat[i * NO + o] = lambda_k m_i, contrib[i] the
   contributing treated, yc[o][j] the controls' outcomes. With ATT_never
   also the start censoring's own term of each alive control (estimands
   0..fixed; the Abadie-Imbens residuals see y given x only). */
nt_status nt_dyn_wlin_matched(struct nt_dyn_wlin_s *W, const nt_dyn_panel *p, const long *unit_person,
                              const nt_dyn_kmatch *m, int k, int t, int tau, int fixed, const double *K,
                              const double *yhat, const uint8_t *contrib, const double *tw, double *const *yc,
                              nt_error *err);
/* Weighting at (k, tau), r = y - mu0 (beta: AIPW's outcome model, held
   fixed; NULL for IPW): rbar the weighted control mean of r per outcome;
   within exact cells (cW not NULL) rbar[c * NO + o], cW[c] the cell's
   control weights, cS[c] its contributing treated's weights
   (nt_dyn_cells.c); into estimands 0..fixed as the matched case. */
void nt_dyn_wlin_weighted(struct nt_dyn_wlin_s *W, const nt_dyn_panel *p, const long *unit_person,
                          const nt_dyn_kmatch *m, int k, int t, int tau, int fixed, const double *rbar,
                          const double *beta, const double *cW, const double *cS);
/* ATT_fixed's second run of a start month (nt_dyn_fixed.c): until called
   again with NULL, the derivatives go to estimand 1 alone and the start
   censoring's own term into Lf (the run's accumulator, merged into
   estimand 1). */
void nt_dyn_wlin_second(struct nt_dyn_wlin_s *W, struct nt_dyn_lin_s *Lf);
/* A control's derivative g[o] of N ATT(tau) in its log weight (start and
   censoring), times d log W / d theta, into G's estimands as
   nt_dyn_wlin_weighted: AIPW's outcome model's part (nt_dyn_aipwlin.c). */
void nt_dyn_wlin_unit(struct nt_dyn_wlin_s *W, const nt_dyn_panel *p, long person, int k, int t, int tau, int fixed,
                      const double *g);
/* After the run (r->att, r->att_fixed known), before nt_dyn_lin_finish:
   the terms G(tau)' H^-1 score_p into L's estimands 0 and 1. */
nt_status nt_dyn_wlin_finish(struct nt_dyn_wlin_s *W, const nt_dyn_result *r, struct nt_dyn_lin_s *L, nt_error *err);

/* ------------------------------------------------------------ helpers */

static inline int nt_dyn_bit_set(uint8_t *bits, long i)
{
    uint8_t m = (uint8_t)(1u << (i & 7));
    if (bits[i >> 3] & m) return 0;
    bits[i >> 3] |= m;
    return 1;
}

static inline long nt_dyn_ucount(const long *count, long u) { return count ? count[u] : 1; }

static inline int nt_dyn_observed(const nt_dyn_panel *p, long person, int t)
{
    if (p->time_fixed) return t < p->months;
    return t < p->months && p->n_observed[person] > t;
}

/* A control at month t: observed, and with ATT_never not started on a
   programme by t (censored at its own start; a control of k starts, if at
   all, after k). */
static inline int nt_dyn_cobs(const nt_dyn_panel *p, long person, int t)
{
    if (!nt_dyn_observed(p, person, t)) return 0;
    return !p->never || p->treat_month[person] < 0 || p->treat_month[person] > t;
}

/* 1 when the paths weight units (ATT_never, IPCW; nt_dyn_ipcw.c). */
static inline int nt_dyn_has_w(const nt_dyn_panel *p) { return p->ls_start || p->ls_cens; }

/* ipcw_truncate: 1 when person's censoring weight W(k, t) is capped (its
   log, ls_cens(k) - ls_cens(t), above lcap_cens of (k, t)); *lw (NULL: not
   wanted) the log weight, capped. The one rule of the estimate
   (nt_dyn_wt) and of the linearisation, where a capped weight is a
   constant (nt_dyn_wlin.c). Needs p->ls_cens. */
static inline int nt_dyn_cens_capped(const nt_dyn_panel *p, long person, int k, int t, double *lw)
{
    size_t b = (size_t)person * (size_t)p->months;
    double c = p->ls_cens[b + (size_t)k] - p->ls_cens[b + (size_t)t];
    int capped = p->lcap_cens && c > p->lcap_cens[(size_t)k * (size_t)p->months + (size_t)t];
    if (lw) *lw = capped ? p->lcap_cens[(size_t)k * (size_t)p->months + (size_t)t] : c;
    return capped;
}

/* The weight of a unit observed in t of start month k: 1 / P(observed in t
   | observed in k, X) with IPCW, times for a control (ATT_never)
   1 / P(no programme start in k+1..t | X, at risk) (nt_dyn_ipcw.c); the
   censoring part capped at lcap_cens (ipcw_truncate) when set. */
static inline double nt_dyn_wt(const nt_dyn_panel *p, long person, int k, int t, int control)
{
    if (p->time_fixed) return 1;
    size_t b = (size_t)person * (size_t)p->months;
    double lw = 0;
    if (p->ls_cens) {
        double c;
        nt_dyn_cens_capped(p, person, k, t, &c);
        lw += c;
    }
    if (control && p->ls_start) lw += p->ls_start[b + (size_t)k] - p->ls_start[b + (size_t)t];
    return lw == 0 ? 1 : exp(lw);
}

/* The outcome month of start month k and month tau since start: k + tau
   since inflow, or tau itself for time-fixed (placebo) outcomes. */
static inline int nt_dyn_month_t(const nt_dyn_panel *p, int k, int tau) { return p->time_fixed ? tau : k + tau; }

/* Unit u of m (treated i: u = i; control j: u = n_t + j) at month t:
   observed, and outcome o there; from the month cache when it holds t. */
static inline long nt_dyn_uperson(const long *unit_person, const nt_dyn_kmatch *m, long u)
{
    if (m->yc) return m->yc->person[u];
    return unit_person[u < m->n_t ? m->t_unit[u] : m->c_unit[u - m->n_t]];
}

static inline int nt_dyn_uobs(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, long u, int t)
{
    if (m->yc) return t < m->yc->lim[u];
    if (u >= m->n_t) return nt_dyn_cobs(p, nt_dyn_uperson(unit_person, m, u), t);
    return nt_dyn_observed(p, nt_dyn_uperson(unit_person, m, u), t);
}

/* The denominator of a treated unit's matched-control mean: the matched
   controls alive in t (observed, whether or not started on a programme),
   each with its censoring weight only. With ATT_never the numerator has
   the controls not yet started, with the start weight on top, so that the
   start censoring is inverse-probability weighted within the matched set
   (E[1{no start by t} W | X] = 1) instead of renormalised away (with one
   match a renormalised weight cancels: docs/dynamic.md). Without never,
   alive = observed and the weights agree: the ATT's renormalisation. */
static inline int nt_dyn_ualive(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, long u, int t)
{
    if (m->yc) return t < m->yc->lim[u];
    return nt_dyn_observed(p, nt_dyn_uperson(unit_person, m, u), t);
}

static inline double nt_dyn_uy(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m, int o, long u,
                               int t)
{
    const nt_dyn_ycache *c = m->yc;
    if (c) {
        int b = t - c->k - c->tau0;
        if (b >= 0 && b < c->nb) return (double)c->y[((size_t)o * (size_t)c->nb + (size_t)b) * (size_t)c->nu + (size_t)u];
    }
    return (double)p->outcome[o][nt_dyn_uperson(unit_person, m, u) * p->months + t];
}

static inline int nt_dyn_weighting(const nt_dyn_opts *o)
{
    return o->method == NT_METHOD_IPW || o->method == NT_METHOD_AIPW;
}

#endif
