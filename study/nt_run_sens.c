/* sensitivity.csv (docs/credibility.md): how strong a hidden confounder
   would have to be to explain the matched estimates away, as Rosenbaum
   bounds (estimators/nt_sens.h) on the matched sets of each programme's
   whole-cohort estimate ([credibility] sensitivity = yes; matching
   methods: weighting keeps no matched sets).

   For each series and summary horizon h (12, 24, 36, 60 and the horizon,
   those within it), over the matched treated whose follow-up and at least
   one control's reach month h - 1 since start (control weights
   renormalised over those):
     wilcoxon_cumulative  d_i = sum_{tau < h} (y_i(k + tau) - sum_j w_ij
                          y_j(k + tau)) (the person's part of the
                          cumulative effect), the Wilcoxon signed-rank
                          bound in the direction of the mean d;
     mh_month             binary series only: the treated's successes in
                          month h - 1 against the weighted controls' in one
                          stratum, the Mantel-Haenszel bound (Becker &
                          Caliendo 2007) in the direction of the effect.
   Columns: the bound's p-value at Gamma 1, 1.5 and 2 and the critical
   Gamma at alpha = 1 - ci_level (the smallest Gamma at which the effect is
   no longer significant; gamma_max 10). Disclosure: a row rests on its
   matched treated and the distinct controls they use (report/nt_disclose). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "estimators/nt_sens.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_run_cred.h"
#include "study/nt_run_parts.h"

#define GAMMA_MAX 10.0

nt_dyn_pairs *nt_run_sens_pairs(nt_run_state *P, int pi, int g)
{
    if (!P->st->sensitivity || P->st->method == NT_METHOD_IPW || P->st->method == NT_METHOD_AIPW) return NULL;
    nt_error err;
    nt_cred_state *C = nt_run_cred(P, &err);
    if (!C) return NULL;
    int n = (P->n_prog ? P->n_prog : 1) * P->n_groups;
    if (!C->pairs) {
        if (!(C->pairs = calloc((size_t)n, sizeof *C->pairs))) return NULL;
        C->n_pairs = n;
    }
    return &C->pairs[pi * P->n_groups + g];
}

/* Observed through month t (months since inflow). */
static int seen(const nt_run_state *P, long person, int t) { return P->panel->n_observed[person] > t; }

/* The matched sets' d_i (cumulative over months 0..h-1 since start) and,
   for the last month, the MH counts; *n_sets used, *n_ctrl distinct
   controls with weight. */
static nt_status collect(const nt_run_state *P, const nt_dyn_pairs *M, int oc, int h, double *d, long *n_sets,
                         long *n_ctrl, double mh[4], uint8_t *mark, nt_error *err)
{
    const float *y = P->panel->outcome[oc];
    int T = P->panel->months;
    long m = 0;
    memset(mark, 0, (size_t)P->panel->n);
    *n_ctrl = 0;
    mh[0] = mh[1] = mh[2] = mh[3] = 0;
    for (long i = 0; i < M->n_t; i++) {
        long pt = M->treated[i];
        int k = M->k[i], last = k + h - 1;
        if (last >= T || !seen(P, pt, last)) continue;
        double den = 0;
        for (long a = M->start[i]; a < M->start[i + 1]; a++)
            if (seen(P, M->control[a], last)) den += M->w[a];
        if (!(den > 0)) continue;
        double dt = 0, yc_last = 0;
        for (int t = k; t <= last; t++) {
            double yc = 0;
            for (long a = M->start[i]; a < M->start[i + 1]; a++)
                if (seen(P, M->control[a], last)) yc += M->w[a] / den * (double)y[(size_t)M->control[a] * T + t];
            dt += (double)y[(size_t)pt * T + t] - yc;
            if (t == last) yc_last = yc;
        }
        for (long a = M->start[i]; a < M->start[i + 1]; a++)
            if (seen(P, M->control[a], last) && !mark[M->control[a]]) { mark[M->control[a]] = 1; (*n_ctrl)++; }
        d[m++] = dt;
        mh[0] += 1;                                  /* n1 */
        mh[1] += (double)y[(size_t)pt * T + last];   /* y1 */
        mh[2] += 1;                                  /* n0: the weights sum to 1 per set */
        mh[3] += yc_last;                            /* y0 */
    }
    (void)err;
    *n_sets = m;
    return NT_OK;
}

static void add_row(nt_run_state *P, nt_table *t, int pi, int g, int oc, const char *analysis, int h,
                    const double p[3], double gamma, long n_sets, long n_ctrl)
{
    if (nt_table_add_row(t)) return;
    nt_table_set_str(t, "program", P->st->programs[pi]);
    nt_table_set_str(t, "subgroup", P->group_label[g]);
    nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
    nt_table_set_str(t, "analysis", analysis);
    nt_table_set_int(t, "horizon_months", h);
    nt_table_set_num(t, "p_gamma_1", p[0]);
    nt_table_set_num(t, "p_gamma_1_5", p[1]);
    nt_table_set_num(t, "p_gamma_2", p[2]);
    nt_table_set_num(t, "gamma_critical", gamma);
    nt_table_set_int(t, "n_matched_sets", n_sets);
    nt_table_set_int(t, "n_control_used", n_ctrl);
    nt_table_set_basis(t, nt_disclose_basis(n_sets, n_ctrl));
}

/* One programme and group: every series and horizon; the figure's values
   (whole cohort) into C. */
static nt_status programme(nt_run_state *P, nt_table *t, int pi, int g, const nt_dyn_pairs *M, nt_cred_state *C,
                           nt_error *err)
{
    int NO = P->panel->n_outcomes;
    double alpha = 1 - nt_run_ci_level(P), G[3] = {1, 1.5, 2};
    double *d = malloc((size_t)(M->n_t ? M->n_t : 1) * sizeof *d);
    uint8_t *mark = malloc((size_t)(P->panel->n ? P->panel->n : 1));
    if (!d || !mark) { free(d); free(mark); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    nt_status s = NT_OK;
    for (int oc = 0; oc < NO && !s; oc++) {
        nt_series code = nt_series_find(P->panel->outcome_name[oc]);
        int binary = code == NT_SERIES_EMPLOYED || code == NT_SERIES_ON_BENEFIT || code == NT_SERIES_ON_INDEX_BENEFIT;
        for (int hi = 0; hi < P->n_horizons && !s; hi++) {
            int h = P->horizons[hi];
            long n_sets, n_ctrl;
            double mh[4], p[3];
            s = collect(P, M, oc, h, d, &n_sets, &n_ctrl, mh, mark, err);
            if (s) break;
            double mean = 0;
            for (long i = 0; i < n_sets; i++) mean += d[i];
            int sign = mean >= 0 ? 1 : -1;
            for (int q = 0; q < 3 && !s; q++) p[q] = nt_sens_wilcoxon_p(d, n_sets, sign, G[q], err);
            double gam = nt_sens_wilcoxon_gamma(d, n_sets, sign, alpha, GAMMA_MAX, err);
            add_row(P, t, pi, g, oc, "wilcoxon_cumulative", h, p, gam, n_sets, n_ctrl);
            long row = nt_table_rows(t) - 1;
            if (oc == 0 && g == 0 && hi < NT_CRED_MAX_H)
                C->sens_gamma[pi * NT_CRED_MAX_H + hi] = nt_table_shown_num(t, row, "gamma_critical", P->st->min_cell);
            if (!binary || n_sets == 0) continue;
            int msign = mh[1] / mh[0] >= mh[3] / mh[2] ? 1 : -1;
            for (int q = 0; q < 3; q++) p[q] = nt_sens_mh_p(mh[0], mh[1], mh[2], mh[3], msign, G[q]);
            gam = nt_sens_mh_gamma(mh[0], mh[1], mh[2], mh[3], msign, alpha, GAMMA_MAX);
            add_row(P, t, pi, g, oc, "mh_month", h, p, gam, n_sets, n_ctrl);
        }
    }
    free(d);
    free(mark);
    return s;
}

nt_status nt_run_sensitivity(nt_run_state *P, nt_error *err)
{
    if (!P->st->sensitivity && !P->st->confounder) return NT_OK;
    nt_cred_state *C = nt_run_cred(P, err);
    if (!C) return NT_ENOMEM;
    if (P->st->sensitivity && !C->pairs)
        nt_run_warn(P, "sensitivity: Rosenbaum bounds need matched sets (method nn, radius or kernel); "
                       "no bounds in sensitivity.csv");
    if (!C->pairs && !P->st->confounder) return NT_OK;
    /* the simulated confounder's columns (nt_run_imn.c) after the bounds' */
    static const char *cols[] = {"program", "subgroup", "outcome", "analysis", "horizon_months", "p_gamma_1",
                                 "p_gamma_1_5", "p_gamma_2", "gamma_critical", "n_matched_sets", "n_control_used",
                                 "confounder", "d", "s", "p00", "p01", "p10", "p11", "outcome_effect",
                                 "selection_effect", "outcome_effect_observed", "selection_effect_observed",
                                 "estimate", "se", "se_between", "estimate_study", "draws"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT,
                                        NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_KEY};
    nt_table *t = nt_table_alloc(cols, kinds, (int)(sizeof cols / sizeof cols[0]));
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_table_set_margin(t, "subgroup", NULL);
    if (P->group_rel) nt_table_set_groups(t, (const char *const *)P->group_label, P->group_rel, P->n_groups);
    nt_status s = NT_OK;
    for (int pi = 0; pi < P->n_prog && !s && C->pairs; pi++)
        for (int g = 0; g < P->n_groups && !s; g++)
            s = programme(P, t, pi, g, &C->pairs[pi * P->n_groups + g], C, err);
    if (!s) s = nt_run_confounder(P, t, err);
    if (!s) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "sensitivity.csv");
        nt_table_set_round(t, P->st->round);
        s = nt_table_write_csv(t, path, P->st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "sensitivity.csv", t, err);
    }
    nt_table_free(t);
    return s;
}
