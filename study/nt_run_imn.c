/* The simulated confounder of Ichino, Mealli & Nannicini (2008) in
   sensitivity.csv ([credibility] confounder = yes; docs/credibility.md;
   the procedure's pieces in estimators/nt_imn.h), in the dynamic design.

   For each programme and study group (the whole cohort and every
   [subgroups] group, on the group's persons and risk sets), the rows of the
   propensity models: person i at risk in start month k of the study's
   start months (on the index benefit, observed, no programme before k),
   either starting the programme in k (D = 1) or not starting any
   programme in k (D = 0; a start of another programme in k takes no part,
   as in the estimator). For each row:
     Y_ik = the mean of the study's first series over months k .. k + H - 1
            since inflow (H the study's horizon; the observed ones, at most
            the panel's); a row without an observed month takes no part;
     c_ik = Y_ik's quantile group among the rows of its start-month band
            (the study's start interval, whose months share one logit),
            NT_IMN_GROUPS groups (nt_imn_categories);
     cell = (2 b + D) G + c, b the band.
   A confounder is a p per cell: a grid point (d, s) of [credibility]
   confounder_grid (estimators/nt_imn.h) or, for each confounder_like
   variable, the shares of the variable in the cells ("a confounder like
   low education"). Each of confounder_draws draws of U_ik (seed: nt_mix64
   of the study seed, the programme, the group, the confounder and the
   draw) is a time-varying column of every interval's propensity model;
   the estimate is redone on the first series alone with the study's
   options (the same risk sets, start months, exact cells and matching),
   in the first draw with its linearised standard error (nt_dyn_infer, no
   multiplier draws): the within-draw variance W of IMN's total is that
   draw's se^2. Rows per summary horizon h: the cumulative effect ATT(0)
   + ... + ATT(h - 1) as the mean over the draws and its IMN standard
   error sqrt(W + (1 + 1/m) B); the study's own estimate beside it;
   Lambda (outcome_effect) and Gamma (selection_effect), the mean odds
   ratios of U over the draws in logits over the rows (Y_ik above its
   band's median among D = 0; D); for a confounder_like variable also the
   variable's own odds ratios in the same logits (outcome_effect_observed,
   selection_effect_observed). p00 .. p11: the mean p over the rows with
   D = i and Y_ik above its band's median (j = 1) or not (j = 0).
   Disclosure: a row rests on the smallest basis of the study's own
   estimate over months 0..h - 1 (its matched treated and controls used). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_rng.h"
#include "estimators/nt_imn.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_run_cred.h"
#include "study/nt_run_parts.h"

/* Quantile groups of the outcome after the start month: deciles (even: the
   upper half is Lambda's Y = 1). Against the simulator's two-point type
   (docs/credibility.md) a U like the type explains about half of its bias
   with halves, 74% with quartiles, 83% with deciles, no more with 20. */
#ifndef NT_IMN_GROUPS
#define NT_IMN_GROUPS 10
#endif

typedef struct {
    char label[160];
    double *p;                    /* per cell */
    double d, s;                  /* grid point, NaN for a like variable */
    double obs_gamma, obs_lambda; /* the like variable's own odds ratios */
    double p4[4];                 /* mean p over the rows of D = i, Y above the median = j */
} confounder;

/* The work of one programme and group. */
typedef struct {
    nt_run_state *P;
    int pi, g;
    long n;
    int p;                       /* person columns of the model */
    nt_dyn_opts o;
    const long *units;
    long nu;
    int k0, K, band, NB, G, ncell;
    int32_t *cell;               /* n x K: [i K + k - k0], -1 not analysed */
    uint8_t *u;                  /* n x K: the draw */
    double *y;                   /* n x K: Y_ik */
    uint8_t *mask, *cat;         /* n x K scratch */
    long m, m0;                  /* analysed rows, those with D = 0 */
    long *rrow, *rp, *rp0;       /* m: entry and person of row r; m0: persons of the D = 0 rows */
    uint8_t *rD, *rY, *ru, *rY0, *ru0;
    double *zbar;                /* NB: mean z over the band's D = 0 rows */
    double *utv;                 /* n x n_risk: U as a time-varying covariate */
    const double **tv;
    const char **tv_term;
    nt_dyn_panel v;
    FILE *ufp;                   /* private/confounder_u.csv or NULL */
    FILE *dfp;                   /* private/confounder_draws.csv or NULL */
} imn_work;

/* Y_ik of an at-risk row (NaN: none observed). */
static double row_outcome(const nt_dyn_panel *v, long i, int k, int H)
{
    int T = v->n_observed[i] < v->months ? v->n_observed[i] : v->months, c = 0;
    if (k + H < T) T = k + H;
    double s = 0;
    for (int t = k; t < T; t++) {
        float y = v->outcome[0][(size_t)i * (size_t)v->months + (size_t)t];
        if (!isnan(y)) { s += y; c++; }
    }
    return c ? s / c : NAN;
}

/* The rows of the group's start months, their D, Y_ik, categories and
   cells, and the row arrays of the logits. */
static void row_cells(imn_work *W, const nt_dyn_panel *v)
{
    long NK = W->n * W->K;
    int G = W->G;
    for (long e = 0; e < NK; e++) W->cell[e] = -1;
    memset(W->mask, 0, (size_t)NK);
    for (long a = 0; a < W->nu; a++) {
        long i = W->units[a];
        int tm = v->treat_month[i];
        for (int k = W->k0; k < W->k0 + W->K && k < v->n_risk; k++) {
            if (v->n_observed[i] <= k || !v->on_index[(size_t)i * (size_t)v->n_risk + (size_t)k]) continue;
            if (tm >= 0 && tm < k) continue;
            int D = tm == k && v->treat_type[i] > 0 && (W->o.program == 0 || v->treat_type[i] == W->o.program);
            if (tm == k && !D) continue;   /* another programme in k: neither treated nor control */
            long e = i * W->K + (k - W->k0);
            W->y[e] = row_outcome(v, i, k, W->o.horizon);
            if (isnan(W->y[e])) continue;
            W->cell[e] = D;   /* for now: D */
            W->mask[e] = 1;
        }
    }
    uint8_t *rows = W->u;   /* scratch until the first draw */
    for (int b = 0; b < W->NB; b++) {
        for (long e = 0; e < NK; e++) rows[e] = W->mask[e] && (e % W->K) / W->band == b;
        nt_imn_categories(W->y, rows, NK, G, W->cat);
        double z = 0, n0 = 0;
        for (long e = 0; e < NK; e++) {
            if (!rows[e]) continue;
            int D = W->cell[e];
            W->cell[e] = (2 * b + D) * G + W->cat[e];
            if (!D) { z += G > 1 ? (double)W->cat[e] / (G - 1) : 0; n0 += 1; }
        }
        W->zbar[b] = n0 > 0 ? z / n0 : 0.5;
    }
    W->m = W->m0 = 0;
    for (long e = 0; e < NK; e++) {
        if (W->cell[e] < 0) continue;
        int D = (W->cell[e] / G) % 2, Y = W->cell[e] % G >= G / 2;
        W->rrow[W->m] = e;
        W->rp[W->m] = e / W->K;
        W->rD[W->m] = (uint8_t)D;
        W->rY[W->m++] = (uint8_t)Y;
        if (!D) { W->rp0[W->m0] = e / W->K; W->rY0[W->m0++] = (uint8_t)Y; }
    }
}

/* The mean p over the rows of (D, Y above the median). */
static void pooled_p(const imn_work *W, confounder *c)
{
    double s[4] = {0, 0, 0, 0}, k[4] = {0, 0, 0, 0};
    for (long r = 0; r < W->m; r++) {
        int j = 2 * W->rD[r] + W->rY[r];
        double p = c->p[W->cell[W->rrow[r]]];
        if (isnan(p)) continue;
        s[j] += p;
        k[j] += 1;
    }
    for (int j = 0; j < 4; j++) c->p4[j] = k[j] > 0 ? s[j] / k[j] : NAN;
}

/* The like variable's own odds ratios over the rows where it is known. */
static void like_odds(imn_work *W, const double *x, const uint8_t *cols, confounder *c, nt_error *err)
{
    long m = 0, m0 = 0;
    long *rp = malloc((size_t)(W->m ? W->m : 1) * sizeof *rp);
    uint8_t *y = malloc((size_t)(W->m ? W->m : 1)), *v = malloc((size_t)(W->m ? W->m : 1));
    c->obs_gamma = c->obs_lambda = NAN;
    if (!rp || !y || !v) goto done;
    for (long r = 0; r < W->m; r++)
        if (!isnan(x[W->rp[r]])) { rp[m] = W->rp[r]; y[m] = W->rD[r]; v[m++] = x[W->rp[r]] == 1; }
    c->obs_gamma = nt_imn_odds(W->P->view.x, W->n, W->p, cols, rp, m, y, v, err);
    for (long r = 0; r < W->m; r++)
        if (!isnan(x[W->rp[r]]) && !W->rD[r]) { rp[m0] = W->rp[r]; y[m0] = W->rY[r]; v[m0++] = x[W->rp[r]] == 1; }
    c->obs_lambda = nt_imn_odds(W->P->view.x, W->n, W->p, cols, rp, m0, y, v, err);
done:
    free(rp);
    free(y);
    free(v);
}

/* A confounder_like entry: "var" (0/1) or "var=value". */
static nt_status like_confounder(imn_work *W, const char *spec, confounder *c, nt_error *err)
{
    nt_run_state *P = W->P;
    char name[128];
    const char *eq = strchr(spec, '=');
    snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - spec) : (int)strlen(spec), spec);
    int kind = nt_store_covariate_kind(P->store, name);
    if (kind < 0)
        return nt_fail(err, NT_EINPUT, "[credibility] confounder_like: the cohort has no variable %s", name);
    long n = W->n, NK = W->n * W->K;
    double *x = malloc((size_t)(n ? n : 1) * sizeof *x), *ve = malloc((size_t)(NK ? NK : 1) * sizeof *ve);
    uint8_t *cols = malloc((size_t)(W->p ? W->p : 1));
    char **lev = NULL;
    int nlev = 0;
    nt_status s = !x || !ve || !cols ? nt_fail(err, NT_ENOMEM, "out of memory") : NT_OK;
    if (!s) s = nt_store_read_covariate(P->store, name, x, err);
    if (!s && kind == NT_COV_CATEGORICAL) s = nt_store_read_levels(P->store, name, &lev, &nlev, err);
    double want = 1;
    if (!s && kind == NT_COV_CATEGORICAL) {
        want = NAN;
        for (int l = 0; l < nlev && eq; l++)
            if (!strcmp(lev[l], eq + 1)) want = l + 1;
        if (isnan(want))
            s = nt_fail(err, NT_EINPUT, "[credibility] confounder_like: %s needs a level of %s (name=level)", spec, name);
        for (long i = 0; i < n && !s; i++) x[i] = x[i] == 0 ? NAN : x[i] == want;
    } else if (!s) {
        char *end = NULL;
        if (eq) want = strtod(eq + 1, &end);
        if (eq && (end == eq + 1 || *end))
            s = nt_fail(err, NT_EINPUT, "[credibility] confounder_like: %s: %s is numeric, give name=number", spec, name);
        for (long i = 0; i < n && !s; i++) {
            if (!eq && !isnan(x[i]) && x[i] != 0 && x[i] != 1)
                s = nt_fail(err, NT_EINPUT, "[credibility] confounder_like: %s is not 0/1; give %s=value", name, name);
            else if (eq && !isnan(x[i])) x[i] = x[i] == want;
        }
    }
    if (!s) {
        for (long e = 0; e < NK; e++) ve[e] = W->cell[e] < 0 ? NAN : x[e / W->K];
        c->p = malloc((size_t)W->ncell * sizeof *c->p);
        if (!c->p) s = nt_fail(err, NT_ENOMEM, "out of memory");
    }
    if (!s) {
        nt_imn_cell_probs(W->cell, ve, NK, W->ncell, c->p);
        snprintf(c->label, sizeof c->label, "%s", spec);
        c->d = c->s = NAN;
        pooled_p(W, c);
        /* The variable's own odds ratios, without the model's columns of the variable itself. */
        size_t ln = strlen(name);
        for (int j = 0; j < W->p; j++)
            cols[j] = !(strncmp(P->view.term[j], name, ln) == 0 && (P->view.term[j][ln] == 0 || P->view.term[j][ln] == '='));
        nt_error e2;
        like_odds(W, x, cols, c, &e2);
    }
    if (lev) nt_store_levels_free(lev, nlev);
    free(x);
    free(ve);
    free(cols);
    return s;
}

/* A grid point's p per cell; -1 if a share leaves [0, 1] in some band. */
static int grid_confounder(imn_work *W, double d, double sel, confounder *c)
{
    c->d = d;
    c->s = sel;
    c->obs_gamma = c->obs_lambda = NAN;
    snprintf(c->label, sizeof c->label, "d=%g s=%g", d, sel);
    c->p = malloc((size_t)W->ncell * sizeof *c->p);
    if (!c->p) return -1;
    for (int b = 0; b < W->NB; b++)
        if (nt_imn_grid_probs(d, sel, W->G, W->zbar[b], c->p + (size_t)2 * b * W->G)) return -1;
    pooled_p(W, c);
    return 0;
}

/* One draw: U into the model, the estimate on the first series, its
   cumulative effects est[hi] (with_se: and their linearised se[hi], else
   NaN) and the odds ratios of U. */
static nt_status one_draw(imn_work *W, const confounder *c, uint64_t seed, int with_se, double *est, double *se,
                          double *gam, double *lam, nt_error *err)
{
    nt_run_state *P = W->P;
    long NK = W->n * W->K;
    int nr = W->v.n_risk;
    nt_imn_draw(W->cell, NK, c->p, seed, W->u);
    for (long e = 0; e < NK; e++) {
        int k = W->k0 + (int)(e % W->K);
        if (k < nr) W->utv[(size_t)(e / W->K) * (size_t)nr + (size_t)k] = W->u[e];
    }
    for (long r = 0, r0 = 0; r < W->m; r++) {
        W->ru[r] = W->u[W->rrow[r]];
        if (!W->rD[r]) W->ru0[r0++] = W->ru[r];
    }
    nt_dyn_opts o = W->o;
    nt_dyn_lin *lin = NULL;
    nt_dyn_result *r = NULL;
    nt_dyn_inference *f = NULL;
    nt_status s = with_se ? nt_dyn_lin_alloc(W->n, o.horizon, 1, &lin, err) : NT_OK;
    o.lin = lin;
    if (!s) s = nt_dyn_estimate(&W->v, W->units, W->nu, &o, &r, err);
    nt_infer_opts io = {.B = 0, .seed = 1, .level = nt_run_ci_level(P)};
    if (!s && lin) s = nt_dyn_infer(lin, r, &io, &f, err);
    for (int hi = 0; hi < P->n_horizons && !s; hi++) {
        int h = P->horizons[hi];
        double cum = 0;
        for (int tau = 0; tau < h; tau++) cum += r->att[tau];
        est[hi] = cum;
        se[hi] = f ? f->cum_se[h - 1] : NAN;
    }
    nt_error e2;
    if (!s) *gam = nt_imn_odds(P->view.x, W->n, W->p, NULL, W->rp, W->m, W->rD, W->ru, &e2);
    if (!s) *lam = nt_imn_odds(P->view.x, W->n, W->p, NULL, W->rp0, W->m0, W->rY0, W->ru0, &e2);
    nt_dyn_inference_free(f);
    nt_dyn_result_free(r);
    nt_dyn_lin_free(lin);
    return s;
}

/* The study's own cumulative effect of the first series over months
   0..h-1 and the smallest disclosure basis of those months. */
static double baseline(const nt_dyn_result *r, int h, long *basis, long *nt, long *nc)
{
    double c = 0;
    long b = -1;
    for (int tau = 0; tau < h; tau++) {
        long bt = nt_disclose_basis(r->n_treated_matched[tau], r->n_control_used[tau]);
        if (b < 0 || bt < b) b = bt;
        c += r->att[tau];
    }
    *basis = b < 0 ? 0 : b;
    *nt = r->n_treated_matched[h - 1];
    *nc = r->n_control_used[h - 1];
    return c;
}

/* The report's entry of the longest horizon (whole cohort). */
static void cred_entry(imn_work *W, nt_table *t, const confounder *c, double G, double L)
{
    nt_run_state *P = W->P;
    nt_cred_state *C = P->cred;
    nt_cred_imn *I = C ? nt_cred_imn_add(C, W->pi) : NULL;
    if (!I) return;
    long row = nt_table_rows(t) - 1;
    snprintf(I->label, sizeof I->label, "%s", c->label);
    I->d = c->d;
    I->s = c->s;
    I->gamma = G;
    I->lambda = L;
    I->estimate = nt_table_shown_num(t, row, "estimate", P->st->min_cell);
    I->se = nt_table_shown_num(t, row, "se", P->st->min_cell);
    I->study = nt_table_shown_num(t, row, "estimate_study", P->st->min_cell);
    I->horizon = P->horizons[P->n_horizons - 1];
}

static void add_rows(imn_work *W, nt_table *t, const confounder *c, const double *est, const double *se,
                     const double *gam, const double *lam, int m)
{
    nt_run_state *P = W->P;
    double G = 0, L = 0;
    int nG = 0, nL = 0;
    for (int r = 0; r < m; r++) {
        if (!isnan(gam[r])) { G += gam[r]; nG++; }
        if (!isnan(lam[r])) { L += lam[r]; nL++; }
    }
    G = nG ? G / nG : NAN;
    L = nL ? L / nL : NAN;
    double *e1 = malloc((size_t)m * sizeof *e1), *s1 = malloc((size_t)m * sizeof *s1);
    if (!e1 || !s1) { free(e1); free(s1); return; }
    for (int hi = 0; hi < P->n_horizons; hi++) {
        int h = P->horizons[hi];
        for (int r = 0; r < m; r++) { e1[r] = est[r * P->n_horizons + hi]; s1[r] = se[r * P->n_horizons + hi]; }
        double mean, sd, w, b;
        nt_imn_combine(e1, s1, m, &mean, &sd, &w, &b);
        long basis, nt, nc;
        double base = baseline(P->res[W->pi * P->n_groups + W->g], h, &basis, &nt, &nc);
        if (nt_table_add_row(t)) break;
        nt_table_set_str(t, "program", P->st->programs[W->pi]);
        nt_table_set_str(t, "subgroup", P->group_label[W->g]);
        nt_table_set_str(t, "outcome", P->panel->outcome_name[0]);
        nt_table_set_str(t, "analysis", isnan(c->d) ? "confounder_like" : "confounder_grid");
        nt_table_set_int(t, "horizon_months", h);
        nt_table_set_num(t, "p_gamma_1", NAN);
        nt_table_set_num(t, "p_gamma_1_5", NAN);
        nt_table_set_num(t, "p_gamma_2", NAN);
        nt_table_set_num(t, "gamma_critical", NAN);
        nt_table_set_int(t, "n_matched_sets", nt);
        nt_table_set_int(t, "n_control_used", nc);
        nt_table_set_str(t, "confounder", c->label);
        nt_table_set_num(t, "d", c->d);
        nt_table_set_num(t, "s", c->s);
        nt_table_set_num(t, "p00", c->p4[0]);
        nt_table_set_num(t, "p01", c->p4[1]);
        nt_table_set_num(t, "p10", c->p4[2]);
        nt_table_set_num(t, "p11", c->p4[3]);
        nt_table_set_num(t, "outcome_effect", L);
        nt_table_set_num(t, "selection_effect", G);
        nt_table_set_num(t, "outcome_effect_observed", isnan(c->d) ? c->obs_lambda : NAN);
        nt_table_set_num(t, "selection_effect_observed", isnan(c->d) ? c->obs_gamma : NAN);
        nt_table_set_num(t, "estimate", mean);
        nt_table_set_num(t, "se", sd);
        nt_table_set_num(t, "se_between", sqrt(b));
        nt_table_set_num(t, "estimate_study", base);
        nt_table_set_int(t, "draws", m);
        nt_table_set_basis(t, basis);
        if (hi == P->n_horizons - 1 && W->g == 0) cred_entry(W, t, c, G, L);
    }
    free(e1);
    free(s1);
}

/* Every draw of one confounder, its rows, and the private files' lines. */
static nt_status run_confounder(imn_work *W, nt_table *t, int ci, const confounder *c, nt_error *err)
{
    nt_run_state *P = W->P;
    int m = P->st->confounder_draws, NH = P->n_horizons;
    double *est = malloc((size_t)m * (size_t)NH * sizeof *est), *se = malloc((size_t)m * (size_t)NH * sizeof *se);
    double *gam = malloc((size_t)m * sizeof *gam), *lam = malloc((size_t)m * sizeof *lam);
    nt_status s = !est || !se || !gam || !lam ? nt_fail(err, NT_ENOMEM, "out of memory") : NT_OK;
    uint64_t base = nt_mix64(P->st->seed ^ 0x696d6e636f6e66u);
    const char *prog = P->st->programs[W->pi], *grp = P->group_label[W->g];
    for (int r = 0; r < m && !s; r++) {
        uint64_t seed = nt_mix64(base ^ ((uint64_t)W->pi << 40) ^ ((uint64_t)W->g << 30) ^ ((uint64_t)ci << 20) ^
                                 (uint64_t)r);
        s = one_draw(W, c, seed, r == 0, est + (size_t)r * NH, se + (size_t)r * NH, &gam[r], &lam[r], err);
        if (s) break;
        if (W->ufp) {
            fprintf(W->ufp, "%s,%s,%s,%d,", prog, grp, c->label, r + 1);
            for (long e = 0; e < W->n * W->K; e++) fputc(W->cell[e] < 0 ? '.' : '0' + W->u[e], W->ufp);
            fputc('\n', W->ufp);
        }
        for (int hi = 0; hi < NH && W->dfp; hi++) {
            double e = est[(size_t)r * NH + hi], sd = se[(size_t)r * NH + hi];
            char sb[32] = "";
            if (!isnan(sd)) snprintf(sb, sizeof sb, "%.17g", sd);
            fprintf(W->dfp, "%s,%s,%s,%d,%d,%.17g,%s,%.17g,%.17g\n", prog, grp, c->label, r + 1, P->horizons[hi], e,
                    sb, lam[r], gam[r]);
        }
    }
    if (!s) add_rows(W, t, c, est, se, gam, lam, m);
    free(est);
    free(se);
    free(gam);
    free(lam);
    return s;
}

/* Programme pi, group g: the rows, then every confounder. */
static nt_status group_confounders(imn_work *W, long *units, nt_table *t, nt_error *err)
{
    nt_run_state *P = W->P;
    const nt_study *st = P->st;
    if (!P->res[W->pi * P->n_groups + W->g]) return NT_OK;
    nt_dyn_panel gv;
    const nt_dyn_panel *base = nt_run_group_view(P, W->g, &gv);
    W->nu = 0;
    for (long a = 0; a < P->n_included; a++)
        if (P->member[W->g][P->included[a]]) units[W->nu++] = P->included[a];
    W->units = units;
    W->v = *base;
    for (int j = 0; j < base->n_tv; j++) { W->tv[j] = base->tv[j]; W->tv_term[j] = base->tv_term[j]; }
    W->tv[base->n_tv] = W->utv;
    W->tv_term[base->n_tv] = "U";
    W->v.n_tv = base->n_tv + 1;
    W->v.tv = W->tv;
    W->v.tv_term = W->tv_term;
    W->v.n_outcomes = 1;
    memset(W->utv, 0, (size_t)W->n * (size_t)base->n_risk * sizeof *W->utv);
    row_cells(W, base);
    nt_status s = NT_OK;
    int ci = 0;
    for (int l = 0; l < st->n_confounder_like && !s; l++, ci++) {
        confounder c = {.p = NULL};
        s = like_confounder(W, st->confounder_like[l], &c, err);
        if (!s) s = run_confounder(W, t, ci, &c, err);
        free(c.p);
    }
    for (int a = 0; a < st->n_confounder_grid && !s; a++)
        for (int b = 0; b < st->n_confounder_grid && !s; b++, ci++) {
            confounder c = {.p = NULL};
            if (!grid_confounder(W, atof(st->confounder_grid[a]), atof(st->confounder_grid[b]), &c))
                s = run_confounder(W, t, ci, &c, err);
            free(c.p);
        }
    return s;
}

nt_status nt_run_confounder_check(const nt_run_state *P, nt_error *err)
{
    const nt_study *st = P->st;
    for (int l = 0; l < st->n_confounder_like && st->confounder; l++) {
        const char *spec = st->confounder_like[l], *eq = strchr(spec, '=');
        char name[128];
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - spec) : (int)strlen(spec), spec);
        int kind = nt_store_covariate_kind(P->store, name);
        if (kind < 0)
            return nt_fail(err, NT_EINPUT, "[credibility] confounder_like: the cohort has no variable %s", name);
        if (kind != NT_COV_CATEGORICAL) continue;
        char **lev = NULL;
        int nlev = 0, found = 0;
        nt_status s = nt_store_read_levels(P->store, name, &lev, &nlev, err);
        if (s) return s;
        for (int i = 0; i < nlev && eq; i++) found |= !strcmp(lev[i], eq + 1);
        nt_store_levels_free(lev, nlev);
        if (!found)
            return nt_fail(err, NT_EINPUT, "[credibility] confounder_like: %s: %s is categorical, give one of its "
                                           "levels as %s=level", spec, name, name);
    }
    return NT_OK;
}

static nt_status open_private(nt_run_state *P, const char *name, const char *header, nt_outfile *f, nt_error *err)
{
    char path[4400];
    nt_path_join(path, sizeof path, P->priv, name);
    nt_status s = nt_outfile_open(f, path, err);
    if (!s) fprintf(f->fp, "%s\n", header);
    return s;
}

static void work_free(imn_work *W)
{
    free(W->cell);
    free(W->u);
    free(W->y);
    free(W->mask);
    free(W->cat);
    free(W->rrow);
    free(W->rp);
    free(W->rp0);
    free(W->rD);
    free(W->rY);
    free(W->ru);
    free(W->rY0);
    free(W->ru0);
    free(W->zbar);
    free(W->utv);
    free(W->tv);
    free(W->tv_term);
}

static nt_status work_alloc(imn_work *W, nt_error *err)
{
    nt_run_state *P = W->P;
    nt_dyn_opts o;
    nt_run_dyn_opts(P, 0, 0, &o);
    W->k0 = o.start_first;
    W->K = o.start_last - o.start_first + 1;
    W->band = o.start_interval > 0 ? o.start_interval : 1;
    W->NB = (W->K + W->band - 1) / W->band;
    W->G = NT_IMN_GROUPS;
    W->ncell = 2 * W->NB * W->G;
    size_t NK = (size_t)W->n * (size_t)W->K, nn = NK ? NK : 1, nr = (size_t)W->n * (size_t)P->view.n_risk;
    W->cell = malloc(nn * sizeof *W->cell);
    W->u = calloc(nn, 1);
    W->y = malloc(nn * sizeof *W->y);
    W->mask = malloc(nn);
    W->cat = malloc(nn);
    W->rrow = malloc(nn * sizeof *W->rrow);
    W->rp = malloc(nn * sizeof *W->rp);
    W->rp0 = malloc(nn * sizeof *W->rp0);
    W->rD = malloc(nn);
    W->rY = malloc(nn);
    W->ru = malloc(nn);
    W->rY0 = malloc(nn);
    W->ru0 = malloc(nn);
    W->zbar = malloc((size_t)W->NB * sizeof *W->zbar);
    W->utv = calloc(nr ? nr : 1, sizeof *W->utv);
    W->tv = malloc((size_t)(P->view.n_tv + 1) * sizeof *W->tv);
    W->tv_term = malloc((size_t)(P->view.n_tv + 1) * sizeof *W->tv_term);
    if (!W->cell || !W->u || !W->y || !W->mask || !W->cat || !W->rrow || !W->rp || !W->rp0 || !W->rD || !W->rY ||
        !W->ru || !W->rY0 || !W->ru0 || !W->zbar || !W->utv || !W->tv || !W->tv_term)
        return nt_fail(err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

nt_status nt_run_confounder(nt_run_state *P, nt_table *t, nt_error *err)
{
    if (!P->st->confounder) return NT_OK;
    if (!nt_run_cred(P, err)) return NT_ENOMEM;
    imn_work W = {.P = P, .n = P->panel->n, .p = P->view.p};
    nt_status s = work_alloc(&W, err);
    long *units = malloc((size_t)(P->n_included ? P->n_included : 1) * sizeof *units);
    if (!s && !units) s = nt_fail(err, NT_ENOMEM, "out of memory");
    nt_outfile uf, df;
    int uo = 0, dO = 0;
    if (!s && P->st->confounder_u) {
        if (!(s = open_private(P, "confounder_u.csv", "program,subgroup,confounder,draw,u", &uf, err))) {
            uo = 1;
            W.ufp = uf.fp;
        }
        if (!s && !(s = open_private(P, "confounder_draws.csv",
                                     "program,subgroup,confounder,draw,horizon_months,estimate,se,outcome_effect,"
                                     "selection_effect", &df, err))) {
            dO = 1;
            W.dfp = df.fp;
        }
    }
    for (int pi = 0; pi < P->n_prog && !s; pi++)
        for (int g = 0; g < P->n_groups && !s; g++) {
            W.pi = pi;
            W.g = g;
            nt_run_dyn_opts(P, pi, 0, &W.o);
            s = group_confounders(&W, units, t, err);
        }
    if (uo) { if (!s) s = nt_outfile_commit(&uf, err); else { fclose(uf.fp); remove(uf.tmp); } }
    if (dO) { if (!s) s = nt_outfile_commit(&df, err); else { fclose(df.fp); remove(df.tmp); } }
    free(units);
    work_free(&W);
    return s;
}
