/* benchmark.csv and plots/benchmark_<programme>.png ([benchmark] by =
   region; docs/heterogeneity.md): the effect per unit of a grouping
   variable (a region, a provider), shrunk toward the overall effect by
   empirical Bayes, so that a unit sees where it stands without over-reading
   noise.

   Per programme and unit u (a level of the variable; persons without a
   value belong to none): the dynamic estimate on the unit's persons with
   its linearised inference; per outcome and horizon h (12, 24, 36, 60,
   horizon) the cumulative effect theta_u = ATT(0) + ... + ATT(h - 1) and
   its se s_u. Over the units shown (disclosure basis >= min_cell; the
   others take no part, so nothing published depends on them) with a
   finite theta and s > 0, k of them:
     w_u = 1 / s_u^2, m = sum w theta / sum w, Q = sum w (theta - m)^2,
     tau^2 = max(0, (Q - (k - 1)) / (sum w - sum w^2 / sum w))
                                    (DerSimonian & Laird 1986 moments),
     mu = sum w* theta / sum w*, w* = 1 / (s^2 + tau^2), V = 1 / sum w*
                                    (the overall effect and its variance),
     B_u = s_u^2 / (s_u^2 + tau^2)  (the shrinkage factor),
     shrunk_u = mu + (1 - B_u) (theta_u - mu),
     shrunk_se_u^2 = (1 - B_u) s_u^2 + B_u^2 V
                                    (Morris 1983: the posterior variance
                                     plus mu's estimation),
   interval shrunk -+ z shrunk_se; k < 3: no shrinkage (empty). Ranks: 1 =
   the largest shrunk effect (the smallest for a less-is-better outcome),
   with a 95% interval from 999 draws of independent normals N(shrunk_u,
   shrunk_se_u^2) (stream from the study seed). Disclosure (report/nt_disclose
   via nt_table): a unit's row has the window basis of its months 0..h - 1
   (matched treated and controls used). */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/nt_file.h"
#include "core/nt_rng.h"
#include "core/nt_series.h"
#include "report/nt_disclose.h"
#include "report/nt_plot.h"
#include "report/nt_table.h"
#include "study/nt_run_parts.h"

#define BM_DRAWS 999
#define BM_SALT 0x62656e63686d6bULL   /* "benchmk" */

/* The values of one (programme, outcome, horizon) across the units. */
typedef struct {
    int n;
    double *est, *se, *shr, *shr_se, *rank, *rank_lo, *rank_hi;
    long *basis, *nt, *nc;
    double mu, mu_se, tau;
} bm_set;

/* Estimates of every unit of programme pi: cumulative effect and se per
   (outcome, horizon), basis and counts. */
static nt_status unit_estimates(nt_run_state *P, int pi, const double *code, int nlev, const int *hz, int nh,
                                double *est, double *se, long *basis, long *nt, long *nc, nt_error *err)
{
    const nt_panel *p = P->panel;
    int H = P->st->horizon, NO = p->n_outcomes;
    long *units = malloc((size_t)(P->n_included ? P->n_included : 1) * sizeof *units);
    if (!units) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (int u = 0; u < nlev && !s; u++) {
        long nu = 0;
        for (long a = 0; a < P->n_included; a++)
            if (code[P->included[a]] == u + 1) units[nu++] = P->included[a];
        nt_dyn_opts d;
        nt_run_dyn_opts(P, pi, 1, &d);
        nt_dyn_lin *lin = NULL;
        nt_dyn_result *r = NULL;
        nt_dyn_inference *f = NULL;
        s = nt_dyn_lin_alloc(p->n, H, P->view.n_outcomes, &lin, err);
        d.lin = lin;
        if (!s) s = nt_dyn_estimate(&P->view, units, nu, &d, &r, err);
        if (!s) {
            nt_infer_opts io = {.B = 0, .seed = 0, .level = nt_run_ci_level(P)};
            s = nt_dyn_infer(lin, r, &io, &f, err);
        }
        for (int oc = 0; oc < NO && !s; oc++)
            for (int i = 0; i < nh; i++) {
                size_t j = ((size_t)u * NO + oc) * nh + i, slot = (size_t)oc * H + (size_t)(hz[i] - 1);
                est[j] = f->cum[slot];
                se[j] = f->cum_se[slot];
                long b = LONG_MAX;
                for (int t = 0; t < hz[i]; t++) {
                    long bt = nt_disclose_basis(r->n_treated_matched[t], r->n_control_used[t]);
                    if (bt < b) b = bt;
                }
                basis[j] = b;
                nt[j] = r->n_treated_matched[0];
                nc[j] = r->n_control_used[0];
            }
        nt_dyn_inference_free(f);
        nt_dyn_result_free(r);
        nt_dyn_lin_free(lin);
    }
    free(units);
    return s;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Empirical Bayes and ranks over the units shown (see the top). */
static void shrink(bm_set *S, long min_cell, int less, uint64_t seed)
{
    double sw = 0, sw2 = 0, swt = 0;
    int k = 0;
    unsigned char *in = calloc((size_t)S->n, 1);
    if (!in) return;
    for (int u = 0; u < S->n; u++) {
        S->shr[u] = S->shr_se[u] = S->rank[u] = S->rank_lo[u] = S->rank_hi[u] = NAN;
        in[u] = isfinite(S->est[u]) && S->se[u] > 0 && isfinite(S->se[u]) && (min_cell <= 0 || S->basis[u] >= min_cell);
        if (!in[u]) continue;
        double w = 1 / (S->se[u] * S->se[u]);
        sw += w; sw2 += w * w; swt += w * S->est[u];
        k++;
    }
    S->mu = S->mu_se = S->tau = NAN;
    if (k < 3) { free(in); return; }
    double m = swt / sw, Q = 0;
    for (int u = 0; u < S->n; u++)
        if (in[u]) Q += (S->est[u] - m) * (S->est[u] - m) / (S->se[u] * S->se[u]);
    double tau2 = fmax(0, (Q - (k - 1)) / (sw - sw2 / sw)), ws = 0, wst = 0;
    for (int u = 0; u < S->n; u++)
        if (in[u]) { double w = 1 / (S->se[u] * S->se[u] + tau2); ws += w; wst += w * S->est[u]; }
    double mu = wst / ws, V = 1 / ws;
    S->mu = mu; S->mu_se = sqrt(V); S->tau = sqrt(tau2);
    for (int u = 0; u < S->n; u++) {
        if (!in[u]) continue;
        double s2 = S->se[u] * S->se[u], B = s2 / (s2 + tau2);
        S->shr[u] = mu + (1 - B) * (S->est[u] - mu);
        S->shr_se[u] = sqrt((1 - B) * s2 + B * B * V);
    }
    /* ranks: 1 = best; draws for their interval */
    double sg = less ? -1 : 1;
    double *draws = malloc((size_t)BM_DRAWS * (size_t)S->n * sizeof *draws), *x = malloc((size_t)S->n * sizeof *x);
    if (draws && x) {
        nt_rng rng;
        nt_rng_init(&rng, seed, 1);
        for (int b = 0; b < BM_DRAWS; b++) {
            for (int u = 0; u < S->n; u++) x[u] = in[u] ? sg * (S->shr[u] + S->shr_se[u] * nt_rng_normal(&rng)) : NAN;
            for (int u = 0; u < S->n; u++) {
                if (!in[u]) continue;
                int r = 1;
                for (int v = 0; v < S->n; v++) r += in[v] && x[v] > x[u];
                draws[(size_t)u * BM_DRAWS + (size_t)b] = r;
            }
        }
        for (int u = 0; u < S->n; u++) {
            if (!in[u]) continue;
            int r = 1;
            for (int v = 0; v < S->n; v++) r += in[v] && sg * S->shr[v] > sg * S->shr[u];
            S->rank[u] = r;
            double *d = draws + (size_t)u * BM_DRAWS;
            qsort(d, BM_DRAWS, sizeof *d, cmp_double);
            S->rank_lo[u] = d[(int)floor(0.025 * (BM_DRAWS + 1)) - 1];
            S->rank_hi[u] = d[(int)ceil(0.975 * (BM_DRAWS + 1)) - 1];
        }
    }
    free(draws);
    free(x);
    free(in);
}

/* The ranking figure of one programme: units by shrunk effect (first
   outcome, longest horizon), interval, rank and its interval. */
static int by_shrunk(const void *a, const void *b)
{
    const nt_plot_row *u = a, *v = b;
    if (isnan(u->est) || isnan(v->est)) return isnan(u->est) - isnan(v->est);
    return (u->est < v->est) - (u->est > v->est);
}

static nt_status write_fig(nt_run_state *P, int pi, const bm_set *S, char **levels, int oc, int h, nt_error *err)
{
    nt_plot_row *rows = calloc((size_t)S->n, sizeof *rows);
    char (*lab)[96] = calloc((size_t)S->n, sizeof *lab), (*txt)[96] = calloc((size_t)S->n, sizeof *txt);
    nt_status s = rows && lab && txt ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
    int n = 0;
    for (int u = 0; u < S->n && !s; u++) {
        if (isnan(S->shr[u])) continue;   /* not shown: suppressed or no estimate */
        double z = gsl_cdf_ugaussian_Pinv(1 - (1 - nt_run_ci_level(P)) / 2);
        snprintf(lab[n], sizeof lab[n], "%s", levels[u]);
        snprintf(txt[n], sizeof txt[n], "%.2f  rank %d (%d-%d)", S->shr[u], (int)S->rank[u], (int)S->rank_lo[u],
                 (int)S->rank_hi[u]);
        rows[n] = (nt_plot_row){lab[n], txt[n], S->shr[u], S->shr[u] - z * S->shr_se[u], S->shr[u] + z * S->shr_se[u], {0, 0, 0}};
        nt_plot_colour(0, rows[n].rgb);
        n++;
    }
    /* sort rows with their strings: the labels travel by pointer */
    if (!s && n > 0) {
        qsort(rows, (size_t)n, sizeof *rows, by_shrunk);
        char title[300], xl[200], rel[300], path[4600];
        snprintf(title, sizeof title, "%s: %s by %s, %d months (shrunk toward %.2f)", P->st->programs[pi],
                 P->panel->outcome_name[oc], P->st->benchmark_by, h, S->mu);
        snprintf(xl, sizeof xl, "cumulative effect over %d months (empirical Bayes, %g%% interval)", h,
                 100 * nt_run_ci_level(P));
        snprintf(rel, sizeof rel, "plots/benchmark_%s.png", P->st->programs[pi]);
        char dir[4400];
        nt_path_join(dir, sizeof dir, P->out, "plots");
        s = nt_mkdirs(dir, err);
        nt_path_join(path, sizeof path, P->out, rel);
        if (!s) s = nt_plot_ranking_png(path, title, xl, rows, n, (nt_lang)P->st->language, err);
        if (!s) s = nt_run_file_add(P, rel, err);
    }
    free(rows);
    free(lab);
    free(txt);
    return s;
}

nt_status nt_run_benchmark_check(const nt_run_state *P, nt_error *err)
{
    const char *var = P->st->benchmark_by;
    if (!var || nt_store_covariate_kind(P->store, var) == NT_COV_CATEGORICAL) return NT_OK;
    return nt_fail_at(err, NT_EINPUT, P->st->path, nt_study_line(P->st, "benchmark", "by"), NULL,
                      "[benchmark] by: \"%s\" is not a categorical variable of the cohort (region, or another "
                      "grouping column of the persons file)", var);
}

static void set_row(nt_table *t, nt_run_state *P, int pi, int oc, int h, const char *unit, const bm_set *S, int u)
{
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - nt_run_ci_level(P)) / 2);
    nt_table_set_str(t, "program", P->st->programs[pi]);
    nt_table_set_str(t, "variable", P->st->benchmark_by);
    nt_table_set_str(t, "unit", unit);
    nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
    nt_table_set_int(t, "horizon_months", h);
    nt_table_set_num(t, "estimate", S->est[u]);
    nt_table_set_num(t, "se", S->se[u]);
    nt_table_set_num(t, "lower", S->est[u] - z * S->se[u]);
    nt_table_set_num(t, "upper", S->est[u] + z * S->se[u]);
    nt_table_set_num(t, "shrunk", S->shr[u]);
    nt_table_set_num(t, "shrunk_se", S->shr_se[u]);
    nt_table_set_num(t, "shrunk_lower", S->shr[u] - z * S->shr_se[u]);
    nt_table_set_num(t, "shrunk_upper", S->shr[u] + z * S->shr_se[u]);
    nt_table_set_num(t, "overall", S->mu);
    nt_table_set_num(t, "overall_se", S->mu_se);
    nt_table_set_num(t, "tau", S->tau);
    nt_table_set_num(t, "rank", S->rank[u]);
    nt_table_set_num(t, "rank_lower", S->rank_lo[u]);
    nt_table_set_num(t, "rank_upper", S->rank_hi[u]);
    nt_table_set_int(t, "n_treated", S->nt[u]);
    nt_table_set_int(t, "n_control", S->nc[u]);
    nt_table_set_basis(t, S->basis[u]);
}

nt_status nt_run_benchmark_write(nt_run_state *P, nt_error *err)
{
    if (!P->st->benchmark_by) return NT_OK;
    static const char *cols[] = {"program", "variable", "unit", "outcome", "horizon_months", "estimate", "se",
                                 "lower", "upper", "shrunk", "shrunk_se", "shrunk_lower", "shrunk_upper", "overall",
                                 "overall_se", "tau", "rank", "rank_lower", "rank_upper", "n_treated", "n_control"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_MEAN,
                                        NT_COL_STAT, NT_COL_MEAN, NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT,
                                        NT_COL_MEAN, NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT};
    nt_status s = nt_run_benchmark_check(P, err);
    if (s) return s;
    const nt_panel *p = P->panel;
    int NO = p->n_outcomes, hz[NT_RUN_MAX_HORIZONS], nh = nt_run_diff_horizons(P, hz), nlev = 0;
    char **levels = NULL;
    double *code = malloc((size_t)(p->n ? p->n : 1) * sizeof *code);
    if (!code) return nt_fail(err, NT_ENOMEM, "out of memory");
    s = nt_store_read_covariate(P->store, P->st->benchmark_by, code, err);
    if (!s) s = nt_store_read_levels(P->store, P->st->benchmark_by, &levels, &nlev, err);
    size_t nv = (size_t)(nlev ? nlev : 1) * (size_t)NO * (size_t)nh;
    double *est = malloc(nv * sizeof *est), *se = malloc(nv * sizeof *se);
    long *basis = malloc(nv * sizeof *basis), *nt = malloc(nv * sizeof *nt), *nc = malloc(nv * sizeof *nc);
    double *work = malloc((size_t)(nlev ? nlev : 1) * 7 * sizeof *work);
    long *lwork = malloc((size_t)(nlev ? nlev : 1) * 3 * sizeof *lwork);
    nt_table *t = nt_table_alloc(cols, kinds, 21);
    if (!s && (!est || !se || !basis || !nt || !nc || !work || !lwork || !t)) s = nt_fail(err, NT_ENOMEM, "out of memory");
    for (int pi = 0; pi < P->n_prog && !s; pi++) {
        if ((s = unit_estimates(P, pi, code, nlev, hz, nh, est, se, basis, nt, nc, err))) break;
        for (int oc = 0; oc < NO && !s; oc++)
            for (int i = 0; i < nh && !s; i++) {
                bm_set S = {nlev, work, work + nlev, work + 2 * nlev, work + 3 * nlev, work + 4 * nlev, work + 5 * nlev,
                            work + 6 * nlev, lwork, lwork + nlev, lwork + 2 * nlev, NAN, NAN, NAN};
                for (int u = 0; u < nlev; u++) {
                    size_t j = ((size_t)u * NO + oc) * nh + i;
                    S.est[u] = est[j]; S.se[u] = se[j]; S.basis[u] = basis[j]; S.nt[u] = nt[j]; S.nc[u] = nc[j];
                }
                int less = nt_series_less_is_better(nt_series_find(p->outcome_name[oc]));
                shrink(&S, P->st->min_cell, less, nt_mix64(P->st->seed ^ BM_SALT ^ ((uint64_t)(pi * 64 + oc) << 8) ^ (uint64_t)i));
                for (int u = 0; u < nlev && !s; u++) {
                    if (nt_table_add_row(t)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
                    set_row(t, P, pi, oc, hz[i], levels[u], &S, u);
                }
                if (!s && oc == 0 && i == nh - 1) s = write_fig(P, pi, &S, levels, oc, hz[i], err);
            }
    }
    if (!s) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "benchmark.csv");
        nt_table_set_round(t, P->st->round);
        s = nt_table_write_csv(t, path, P->st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "benchmark.csv", t, err);
    }
    nt_table_free(t);
    nt_store_levels_free(levels, nlev);
    free(code); free(est); free(se); free(basis); free(nt); free(nc); free(work); free(lwork);
    return s;
}
