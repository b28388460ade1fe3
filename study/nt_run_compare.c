/* comparisons.csv ([treatment] compare = yes; docs/heterogeneity.md):
   programme against programme among participants, Lechner (2001)'s
   multiple-treatment matching in the dynamic setting. For each ordered
   pair (m, l) of the study's programmes (`any` left out):

     theta_ml(tau) = E[ Y^m(k + tau) - Y^l(k + tau) | start of m in k ]

   pooled over start months k as ATT(tau) is. The treated of start month k
   are the persons whose first programme is m, started in k; their controls
   are the persons whose first programme is l, started in the same k. The
   dynamic estimator (estimators/nt_dynamic.h) runs on a view in which
   every person of m or l is in the risk set only in its own start month
   and the persons of l count as not treated, so its propensity model of a
   start interval is the binary logit of m against l on the starters of m
   or l: Lechner's conditional probability P(m | m or l, x) =
   P(m | x) / (P(m | x) + P(l | x)) estimated on the subsample, which
   Lechner (2001) shows may replace the multinomial model. Matching method,
   caliper, start intervals and min_treated are the study's.

   Inference: always the linearisation and its multiplier bootstrap
   (estimators/nt_dyn_infer.h), draws from a key derived from the study
   seed and the pair. For horizon h in 12, 24, 36, 60 and the horizon:
   estimand ATT (month h - 1) and cumulative (months 0..h - 1), estimate,
   se, normal interval; n_treated / n_control: matched treated and controls
   used in month h - 1 (ATT) or month 0 (cumulative). Disclosure
   (report/nt_disclose via nt_table): the month's basis of matched treated
   and controls used; for cumulative the smallest over months 0..h - 1. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/nt_file.h"
#include "core/nt_rng.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_run_parts.h"

/* The view of pair (m, l): own start month only, l as controls. */
typedef struct {
    int32_t *tm;
    uint8_t *on;
    long *units;
    long n_units;
} pair_view;

static void view_free(pair_view *v)
{
    free(v->tm);
    free(v->on);
    free(v->units);
}

static int view_make(const nt_run_state *P, int cm, int cl, pair_view *v, nt_dyn_panel *out)
{
    const nt_panel *p = P->panel;
    long n = p->n;
    int R = p->n_risk;
    v->tm = malloc((size_t)(n ? n : 1) * sizeof *v->tm);
    v->on = calloc((size_t)(n ? n : 1) * (size_t)(R ? R : 1), 1);
    v->units = malloc((size_t)(n ? n : 1) * sizeof *v->units);
    v->n_units = 0;
    if (!v->tm || !v->on || !v->units) return -1;
    for (long i = 0; i < n; i++) {
        int k = p->treat_month[i], ty = p->treat_type[i];
        int in = p->included[i] && k >= P->st->start_first && k < R && (ty == cm || ty == cl);
        v->tm[i] = in && ty == cm ? k : -1;
        if (!in) continue;
        v->on[(size_t)i * (size_t)R + (size_t)k] = p->on_index[(size_t)i * (size_t)R + (size_t)k];
        v->units[v->n_units++] = i;
    }
    *out = P->view;
    out->treat_month = v->tm;
    out->on_index = v->on;
    return 0;
}

static nt_status add_rows(nt_run_state *P, nt_table *t, int pm, int pl, const nt_dyn_result *r,
                          const nt_dyn_inference *f)
{
    int H = P->st->horizon, NO = P->panel->n_outcomes, hz[NT_RUN_MAX_HORIZONS];
    int nh = nt_run_diff_horizons(P, hz);
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - nt_run_ci_level(P)) / 2);
    for (int oc = 0; oc < NO; oc++)
        for (int kind = 0; kind < 2; kind++)
            for (int i = 0; i < nh; i++) {
                int h = hz[i], tau = h - 1, m = kind ? 0 : tau;
                size_t slot = (size_t)oc * (size_t)H + (size_t)tau;   /* series f = 0 (ATT), outcome oc */
                double est = kind ? f->cum[slot] : r->att[oc * H + tau];
                double se = kind ? f->cum_se[slot] : f->se[slot];
                if (nt_table_add_row(t)) return NT_ENOMEM;
                nt_table_set_str(t, "program", P->st->programs[pm]);
                nt_table_set_str(t, "versus", P->st->programs[pl]);
                nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
                nt_table_set_str(t, "estimand", kind ? "cumulative" : "ATT");
                nt_table_set_int(t, "horizon_months", h);
                nt_table_set_str(t, "method", nt_run_method(P));
                nt_table_set_num(t, "estimate", est);
                nt_table_set_num(t, "se", se);
                nt_table_set_num(t, "lower", est - z * se);
                nt_table_set_num(t, "upper", est + z * se);
                nt_table_set_int(t, "n_treated", r->n_treated_matched[m]);
                nt_table_set_int(t, "n_control", r->n_control_used[m]);
                long b = LONG_MAX;
                for (int u = kind ? 0 : tau; u <= tau; u++) {
                    long bu = nt_disclose_basis(r->n_treated_matched[u], r->n_control_used[u]);
                    if (bu < b) b = bu;
                }
                nt_table_set_basis(t, b);
            }
    return NT_OK;
}

/* One pair: estimate with its linearisation, then the rows. */
static nt_status one_pair(nt_run_state *P, nt_table *t, int pm, int pl, nt_error *err)
{
    pair_view v = {0};
    nt_dyn_panel view;
    if (view_make(P, P->prog_code[pm], P->prog_code[pl], &v, &view)) {
        view_free(&v);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    nt_dyn_opts d;
    nt_run_dyn_opts(P, pm, 1, &d);
    nt_dyn_lin *lin = NULL;
    nt_dyn_result *r = NULL;
    nt_dyn_inference *f = NULL;
    nt_status s = nt_dyn_lin_alloc(P->panel->n, d.horizon, view.n_outcomes, &lin, err);
    d.lin = lin;
    if (!s) s = nt_dyn_estimate(&view, v.units, v.n_units, &d, &r, err);
    if (!s) {
        uint64_t key = nt_mix64(P->st->seed ^ 0x636f6d70617265ULL ^ ((uint64_t)pm << 32) ^ (uint64_t)pl);
        nt_infer_opts io = {.B = NT_RUN_MULTIPLIER_DRAWS, .seed = key, .level = nt_run_ci_level(P)};
        s = nt_dyn_infer(lin, r, &io, &f, err);
    }
    if (!s && add_rows(P, t, pm, pl, r, f)) s = nt_fail(err, NT_ENOMEM, "out of memory");
    nt_dyn_inference_free(f);
    nt_dyn_result_free(r);
    nt_dyn_lin_free(lin);
    view_free(&v);
    return s;
}

nt_status nt_run_compare_check(const nt_run_state *P, nt_error *err)
{
    int n_specific = 0;
    for (int i = 0; i < P->n_prog; i++) n_specific += P->prog_code[i] > 0;
    if (P->st->compare && n_specific < 2)
        return nt_fail_at(err, NT_EINPUT, P->st->path, nt_study_line(P->st, "treatment", "compare"), NULL,
                          "compare = yes needs at least two programmes other than any in [treatment] programs");
    return NT_OK;
}

nt_status nt_run_compare_write(nt_run_state *P, nt_error *err)
{
    if (!P->st->compare) return NT_OK;
    static const char *cols[] = {"program", "versus", "outcome", "estimand", "horizon_months", "method", "estimate",
                                 "se", "lower", "upper", "n_treated", "n_control"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY,
                                        NT_COL_MEAN, NT_COL_STAT, NT_COL_MEAN, NT_COL_MEAN, NT_COL_COUNT,
                                        NT_COL_COUNT};
    nt_status s = nt_run_compare_check(P, err);
    if (s) return s;
    nt_table *t = nt_table_alloc(cols, kinds, 12);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int a = 0; a < P->n_prog && !s; a++)
        for (int b = 0; b < P->n_prog && !s; b++)
            if (a != b && P->prog_code[a] > 0 && P->prog_code[b] > 0) s = one_pair(P, t, a, b, err);
    if (!s) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "comparisons.csv");
        nt_table_set_round(t, P->st->round);
        s = nt_table_write_csv(t, path, P->st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "comparisons.csv", t, err);
    }
    nt_table_free(t);
    return s;
}
