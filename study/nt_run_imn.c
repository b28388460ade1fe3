/* The simulated confounder of Ichino, Mealli & Nannicini (2008) in
   sensitivity.csv ([credibility] confounder = yes; docs/credibility.md;
   the procedure's pieces in estimators/nt_imn.h).

   For each programme (whole cohort) and person of the analysis:
     D = 1 if the person starts the programme in the study's start months
         (the treated of some start month), else 0;
     Y = 1 if the person's mean of the study's first series over its
         observed months since inflow (at most the panel's) is above the
         median of that mean over the analysed persons, else 0 (persons
         observed in no month take no part).
   A confounder is a set of p_ij = P(U = 1 | D = i, Y = j): a grid point
   (d, s) of [credibility] confounder_grid (estimators/nt_imn.h) or, for
   each confounder_like variable, the p_ij that variable has in the data
   ("a confounder like low education"). Each of confounder_draws draws of U
   (seed: nt_mix64 of the study seed, the programme, the confounder and the
   draw) is added to the person covariates of every propensity model; the
   estimate is redone on the first series alone with the study's options
   (the same risk sets, start months, exact cells and matching), in the
   first draw with its linearised standard error (nt_dyn_infer, no
   multiplier draws): the within-draw variance W of IMN's total is that
   draw's se^2 (one more column in the model barely moves the se, while
   the linearisation is two thirds of a draw's time). Rows per
   summary horizon h: the cumulative effect ATT(0) + ... + ATT(h - 1) as the
   mean over the draws and its IMN standard error sqrt(W + (1 + 1/m) B);
   the study's own estimate beside it; Lambda (outcome_effect) and Gamma
   (selection_effect), the mean odds ratios of U over the draws; for a
   confounder_like variable also the variable's own odds ratios in the
   same logits (outcome_effect_observed, selection_effect_observed).
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

typedef struct {
    char label[160];
    double p[4];
    double d, s;                  /* grid point, NaN for a like variable */
    double obs_gamma, obs_lambda; /* the like variable's own odds ratios */
} confounder;

/* The work of one programme. */
typedef struct {
    nt_run_state *P;
    int pi;
    long n;
    int p;                       /* person columns of the model (without U) */
    uint8_t *cell;               /* 2 D + Y, 255 not analysed */
    uint8_t *D, *Y, *u, *all, *untreated;
    double q;                    /* P(Y = 1 | D = 0) */
    double *xa;                  /* n x (p + 1): the model's columns and U */
    const char **term;
    nt_dyn_panel v;
    FILE *ufp;                   /* private/confounder_u.csv or NULL */
    FILE *dfp;                   /* private/confounder_draws.csv or NULL */
} imn_work;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* D, Y and the cells of the analysed persons. */
static nt_status person_cells(imn_work *W, nt_error *err)
{
    nt_run_state *P = W->P;
    const nt_dyn_panel *v = &P->view;
    nt_dyn_opts o;
    nt_run_dyn_opts(P, W->pi, 0, &o);
    long n = W->n, m = 0;
    double *mean = malloc((size_t)(n ? n : 1) * sizeof *mean), *sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
    if (!mean || !sorted) { free(mean); free(sorted); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    memset(W->cell, 255, (size_t)n);
    for (long a = 0; a < P->n_included; a++) {
        long i = P->included[a];
        int T = v->n_observed[i] < v->months ? v->n_observed[i] : v->months, c = 0;
        double s = 0;
        for (int t = 0; t < T; t++) {
            float y = v->outcome[0][(size_t)i * (size_t)v->months + (size_t)t];
            if (!isnan(y)) { s += y; c++; }
        }
        mean[i] = c ? s / c : NAN;
        if (c) sorted[m++] = mean[i];
    }
    qsort(sorted, (size_t)m, sizeof *sorted, cmp_double);
    double med = m == 0 ? 0 : m % 2 ? sorted[m / 2] : (sorted[m / 2 - 1] + sorted[m / 2]) / 2;
    double n0 = 0, y0 = 0;
    for (long a = 0; a < P->n_included; a++) {
        long i = P->included[a];
        if (isnan(mean[i])) continue;
        int tm = v->treat_month[i];
        W->D[i] = tm >= o.start_first && tm <= o.start_last && v->treat_type[i] > 0 &&
                  (o.program == 0 || v->treat_type[i] == o.program);
        W->Y[i] = mean[i] > med;
        W->cell[i] = (uint8_t)(2 * W->D[i] + W->Y[i]);
        W->all[i] = 1;
        W->untreated[i] = !W->D[i];
        if (!W->D[i]) { n0 += 1; y0 += W->Y[i]; }
    }
    W->q = n0 > 0 ? y0 / n0 : NAN;
    free(mean);
    free(sorted);
    return NT_OK;
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
    long n = W->n;
    double *x = malloc((size_t)(n ? n : 1) * sizeof *x);
    uint8_t *v = malloc((size_t)(n ? n : 1)), *rows = malloc((size_t)(n ? n : 1)),
            *cols = malloc((size_t)(W->p ? W->p : 1));
    char **lev = NULL;
    int nlev = 0;
    nt_status s = !x || !v || !rows || !cols ? nt_fail(err, NT_ENOMEM, "out of memory") : NT_OK;
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
        nt_imn_cell_probs(W->cell, x, n, c->p);
        snprintf(c->label, sizeof c->label, "%s", spec);
        c->d = c->s = NAN;
        /* The variable's own odds ratios, without the model's columns of the variable itself. */
        size_t ln = strlen(name);
        for (int j = 0; j < W->p; j++)
            cols[j] = !(strncmp(P->view.term[j], name, ln) == 0 && (P->view.term[j][ln] == 0 || P->view.term[j][ln] == '='));
        for (long i = 0; i < n; i++) { v[i] = x[i] == 1; rows[i] = W->all[i] && !isnan(x[i]); }
        nt_error e2;
        c->obs_gamma = nt_imn_odds(P->view.x, n, W->p, cols, rows, W->D, v, &e2);
        for (long i = 0; i < n; i++) rows[i] = rows[i] && W->untreated[i];
        c->obs_lambda = nt_imn_odds(P->view.x, n, W->p, cols, rows, W->Y, v, &e2);
    }
    if (lev) nt_store_levels_free(lev, nlev);
    free(x);
    free(v);
    free(rows);
    free(cols);
    return s;
}

/* One draw: U into the model, the estimate on the first series, its
   cumulative effects est[hi] (with_se: and their linearised se[hi], else
   NaN) and the odds ratios of U. */
static nt_status one_draw(imn_work *W, const confounder *c, uint64_t seed, int with_se, double *est, double *se,
                          double *gam, double *lam, nt_error *err)
{
    nt_run_state *P = W->P;
    long n = W->n;
    nt_imn_draw(W->cell, n, c->p, seed, W->u);
    double *col = W->xa + (size_t)W->p * (size_t)n;
    for (long i = 0; i < n; i++) col[i] = W->u[i];
    nt_dyn_opts o;
    nt_run_dyn_opts(P, W->pi, 0, &o);
    nt_dyn_lin *lin = NULL;
    nt_dyn_result *r = NULL;
    nt_dyn_inference *f = NULL;
    nt_status s = with_se ? nt_dyn_lin_alloc(n, o.horizon, 1, &lin, err) : NT_OK;
    o.lin = lin;
    if (!s) s = nt_dyn_estimate(&W->v, P->included, P->n_included, &o, &r, err);
    nt_infer_opts io = {.B = 0, .seed = 1, .level = nt_run_ci_level(P)};
    if (!s && lin) s = nt_dyn_infer(lin, r, &io, &f, err);
    for (int hi = 0; hi < P->n_horizons && !s; hi++) {
        int h = P->horizons[hi];
        double c = 0;
        for (int tau = 0; tau < h; tau++) c += r->att[tau];
        est[hi] = c;
        se[hi] = f ? f->cum_se[h - 1] : NAN;
    }
    nt_error e2;
    if (!s) *gam = nt_imn_odds(P->view.x, n, W->p, NULL, W->all, W->D, W->u, &e2);
    if (!s) *lam = nt_imn_odds(P->view.x, n, W->p, NULL, W->untreated, W->Y, W->u, &e2);
    nt_dyn_inference_free(f);
    nt_dyn_result_free(r);
    nt_dyn_lin_free(lin);
    return s;
}

/* The study's own cumulative effect of the first series over months
   0..h-1 and the smallest disclosure basis of those months. */
static double baseline(const nt_run_state *P, int pi, int h, long *basis, long *nt, long *nc)
{
    const nt_dyn_result *r = P->res[pi * P->n_groups];
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
    double *e1 = malloc((size_t)m * sizeof *e1), *s1 = malloc((size_t)m * sizeof *s1);
    if (!e1 || !s1) { free(e1); free(s1); return; }
    for (int hi = 0; hi < P->n_horizons; hi++) {
        int h = P->horizons[hi];
        for (int r = 0; r < m; r++) { e1[r] = est[r * P->n_horizons + hi]; s1[r] = se[r * P->n_horizons + hi]; }
        double mean, sd, w, b;
        nt_imn_combine(e1, s1, m, &mean, &sd, &w, &b);
        long basis, nt, nc;
        double base = baseline(P, W->pi, h, &basis, &nt, &nc);
        if (nt_table_add_row(t)) break;
        nt_table_set_str(t, "program", P->st->programs[W->pi]);
        nt_table_set_str(t, "subgroup", "");
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
        nt_table_set_num(t, "p00", c->p[0]);
        nt_table_set_num(t, "p01", c->p[1]);
        nt_table_set_num(t, "p10", c->p[2]);
        nt_table_set_num(t, "p11", c->p[3]);
        nt_table_set_num(t, "outcome_effect", nL ? L / nL : NAN);
        nt_table_set_num(t, "selection_effect", nG ? G / nG : NAN);
        nt_table_set_num(t, "outcome_effect_observed", isnan(c->d) ? c->obs_lambda : NAN);
        nt_table_set_num(t, "selection_effect_observed", isnan(c->d) ? c->obs_gamma : NAN);
        nt_table_set_num(t, "estimate", mean);
        nt_table_set_num(t, "se", sd);
        nt_table_set_num(t, "se_between", sqrt(b));
        nt_table_set_num(t, "estimate_study", base);
        nt_table_set_int(t, "draws", m);
        nt_table_set_basis(t, basis);
        if (hi == P->n_horizons - 1) {
            nt_cred_state *C = P->cred;
            nt_cred_imn *I = C ? nt_cred_imn_add(C, W->pi) : NULL;
            if (I) {
                long row = nt_table_rows(t) - 1;
                snprintf(I->label, sizeof I->label, "%s", c->label);
                I->d = c->d;
                I->s = c->s;
                I->gamma = nG ? G / nG : NAN;
                I->lambda = nL ? L / nL : NAN;
                I->estimate = nt_table_shown_num(t, row, "estimate", P->st->min_cell);
                I->se = nt_table_shown_num(t, row, "se", P->st->min_cell);
                I->study = nt_table_shown_num(t, row, "estimate_study", P->st->min_cell);
                I->horizon = h;
            }
        }
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
    for (int r = 0; r < m && !s; r++) {
        uint64_t seed = nt_mix64(base ^ ((uint64_t)W->pi << 40) ^ ((uint64_t)ci << 20) ^ (uint64_t)r);
        s = one_draw(W, c, seed, r == 0, est + (size_t)r * NH, se + (size_t)r * NH, &gam[r], &lam[r], err);
        if (s) break;
        if (W->ufp) {
            fprintf(W->ufp, "%s,%s,%d,", P->st->programs[W->pi], c->label, r + 1);
            for (long i = 0; i < W->n; i++) fputc(W->cell[i] > 3 ? '.' : '0' + W->u[i], W->ufp);
            fputc('\n', W->ufp);
        }
        for (int hi = 0; hi < NH && W->dfp; hi++) {
            double e = est[(size_t)r * NH + hi], sd = se[(size_t)r * NH + hi];
            char sb[32] = "";
            if (!isnan(sd)) snprintf(sb, sizeof sb, "%.17g", sd);
            fprintf(W->dfp, "%s,%s,%d,%d,%.17g,%s,%.17g,%.17g\n", P->st->programs[W->pi], c->label, r + 1,
                    P->horizons[hi], e, sb, lam[r], gam[r]);
        }
    }
    if (!s) add_rows(W, t, c, est, se, gam, lam, m);
    free(est);
    free(se);
    free(gam);
    free(lam);
    return s;
}

static nt_status programme(imn_work *W, nt_table *t, nt_error *err)
{
    nt_run_state *P = W->P;
    const nt_study *st = P->st;
    nt_status s = person_cells(W, err);
    int ci = 0;
    for (int l = 0; l < st->n_confounder_like && !s; l++, ci++) {
        confounder c;
        s = like_confounder(W, st->confounder_like[l], &c, err);
        if (!s) s = run_confounder(W, t, ci, &c, err);
    }
    for (int a = 0; a < st->n_confounder_grid && !s; a++)
        for (int b = 0; b < st->n_confounder_grid && !s; b++, ci++) {
            confounder c = {.d = atof(st->confounder_grid[a]), .s = atof(st->confounder_grid[b])};
            if (nt_imn_grid_probs(c.d, c.s, W->q, c.p)) continue;
            snprintf(c.label, sizeof c.label, "d=%g s=%g", c.d, c.s);
            c.obs_gamma = c.obs_lambda = NAN;
            s = run_confounder(W, t, ci, &c, err);
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

nt_status nt_run_confounder(nt_run_state *P, nt_table *t, nt_error *err)
{
    if (!P->st->confounder) return NT_OK;
    if (!nt_run_cred(P, err)) return NT_ENOMEM;
    imn_work W = {.P = P, .n = P->panel->n, .p = P->view.p};
    long n = W.n;
    size_t nn = (size_t)(n ? n : 1);
    W.cell = malloc(nn);
    W.D = calloc(nn, 1);
    W.Y = calloc(nn, 1);
    W.u = calloc(nn, 1);
    W.all = calloc(nn, 1);
    W.untreated = calloc(nn, 1);
    W.xa = malloc(nn * (size_t)(W.p + 1) * sizeof *W.xa);
    W.term = malloc((size_t)(W.p + 1) * sizeof *W.term);
    nt_status s = NT_OK;
    if (!W.cell || !W.D || !W.Y || !W.u || !W.all || !W.untreated || !W.xa || !W.term)
        s = nt_fail(err, NT_ENOMEM, "out of memory");
    nt_outfile uf, df;
    int uo = 0, dO = 0;
    if (!s) {
        memcpy(W.xa, P->view.x, nn * (size_t)W.p * sizeof *W.xa);
        for (int j = 0; j < W.p; j++) W.term[j] = P->view.term[j];
        W.term[W.p] = "U";
        W.v = P->view;
        W.v.p = W.p + 1;
        W.v.x = W.xa;
        W.v.term = W.term;
        W.v.n_outcomes = 1;
        if (P->st->confounder_u) {
            if (!(s = open_private(P, "confounder_u.csv", "program,confounder,draw,u", &uf, err))) { uo = 1; W.ufp = uf.fp; }
            if (!s && !(s = open_private(P, "confounder_draws.csv",
                                         "program,confounder,draw,horizon_months,estimate,se,outcome_effect,selection_effect",
                                         &df, err))) { dO = 1; W.dfp = df.fp; }
        }
    }
    for (int pi = 0; pi < P->n_prog && !s; pi++) {
        W.pi = pi;
        memset(W.all, 0, nn);
        memset(W.untreated, 0, nn);
        memset(W.D, 0, nn);
        memset(W.Y, 0, nn);
        s = programme(&W, t, err);
    }
    if (uo) { if (!s) s = nt_outfile_commit(&uf, err); else { fclose(uf.fp); remove(uf.tmp); } }
    if (dO) { if (!s) s = nt_outfile_commit(&df, err); else { fclose(df.fp); remove(df.tmp); } }
    free(W.cell);
    free(W.D);
    free(W.Y);
    free(W.u);
    free(W.all);
    free(W.untreated);
    free(W.xa);
    free(W.term);
    return s;
}
