/* differences.csv (docs/results.md, docs/inference.md): differences of
   effects between estimates on the same persons, with [inference] method =
   linearised, from the per-person contributions each estimate keeps
   (estimators/nt_dyn_infer.h, nt_dyn_proj):
     kind subgroup  each level of a [subgroups] variable against its first
                    level (the reference), per programme;
     kind program   each pair of programmes (the later listed against the
                    earlier), per subgroup (the whole cohort first): the
                    same persons are treated in one and controls in the
                    other, and the same controls serve both.
   For horizon h in 12, 24, 36, 60 and the horizon (those within it):
     estimand ATT         the effect in month h - 1 since start;
     estimand cumulative  ATT(0) + ... + ATT(h - 1).
   estimate = level - reference; se^2 = sum over persons of the difference
   of their two contributions squared (nt_dyn_proj_diff_var), so a person in
   both estimates counts once with both roles; the interval est -+ z se.
   Disclosure (report/nt_disclose, via nt_table): a row rests on both
   estimates, so its basis is the smaller of the two sides' (the month's
   matched treated and controls used for ATT; the window of months 0..h-1
   for cumulative, NT_WHY_WINDOW). n_treated, n_treated_reference: the
   matched treated of each side in month h - 1 (ATT) or month 0
   (cumulative). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/nt_file.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_run_parts.h"

int nt_run_diff_horizons(const nt_run_state *P, int *h)
{
    int H = P->st->horizon, want[NT_RUN_MAX_HORIZONS] = {12, 24, 36, 60, H}, n = 0;
    for (int i = 0; i < NT_RUN_MAX_HORIZONS; i++) {
        int dup = 0;
        for (int j = 0; j < n; j++) dup |= h[j] == want[i];
        if (want[i] <= H && !dup) h[n++] = want[i];
    }
    return n;
}

int nt_run_diff_wanted(const nt_run_state *P)
{
    return P->st->inference == 1 && (P->st->n_programs > 1 || P->st->n_subgroups > 0);
}

/* One pair: estimate level (pg a) minus reference (pg b), every outcome,
   estimand and horizon. */
typedef struct {
    const char *program, *subgroup, *kind, *variable, *level, *reference;
    int a, b;
} pair;

/* 0 if summary.csv has the cumulative effect of (pg, oc) at horizon h
   but does not show it (its window, or secondary suppression). */
static int cumulative_shown(const nt_run_state *P, int pg, int oc, int h)
{
    const nt_run_path *p = &P->path[(size_t)pg * P->panel->n_outcomes + oc];
    for (int i = 0; i < P->n_horizons; i++)
        if (P->horizons[i] == h) return isnan(p->fig[i].est.cumulative_effect) || !isnan(p->shown[i].est.cumulative_effect);
    return 1;
}

static nt_status add_pair(nt_run_state *P, nt_table *t, const pair *q, const int *hz, int nh, double *var,
                          nt_error *err)
{
    const nt_dyn_result *ra = P->res[q->a], *rb = P->res[q->b];
    const nt_dyn_proj *pa = P->inf[q->a]->proj, *pb = P->inf[q->b]->proj;
    if (!pa || !pb) return NT_OK;
    nt_status s = nt_dyn_proj_diff_var(pa, pb, var, err);
    int H = P->st->horizon, NO = P->panel->n_outcomes;
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - nt_run_ci_level(P)) / 2);
    for (int oc = 0; oc < NO && !s; oc++)
        for (int kind = 0; kind < 2 && !s; kind++)
            for (int i = 0; i < nh && !s; i++) {
                int h = hz[i], tau = h - 1;
                double ea = 0, eb = 0;
                for (int u = kind ? 0 : tau; u <= tau; u++) {
                    ea += ra->att[oc * H + u];
                    eb += rb->att[oc * H + u];
                }
                double est = ea - eb, se = isnan(est) ? NAN : sqrt(var[(oc * 2 + kind) * nh + i]);
                int m = kind ? 0 : tau;
                if (nt_table_add_row(t)) return nt_fail(err, NT_ENOMEM, "out of memory");
                nt_table_set_str(t, "program", q->program);
                nt_table_set_str(t, "subgroup", q->subgroup);
                nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
                nt_table_set_str(t, "kind", q->kind);
                nt_table_set_str(t, "variable", q->variable);
                nt_table_set_str(t, "level", q->level);
                nt_table_set_str(t, "reference", q->reference);
                nt_table_set_str(t, "estimand", kind ? "cumulative" : "ATT");
                nt_table_set_int(t, "horizon_months", h);
                nt_table_set_num(t, "estimate", est);
                nt_table_set_num(t, "se", se);
                nt_table_set_num(t, "lower", est - z * se);
                nt_table_set_num(t, "upper", est + z * se);
                nt_table_set_int(t, "n_treated", ra->n_treated_matched[m]);
                nt_table_set_int(t, "n_treated_reference", rb->n_treated_matched[m]);
                if (kind) {
                    long ba = nt_run_window_basis(P, q->a, oc, h, 0), bb = nt_run_window_basis(P, q->b, oc, h, 0);
                    nt_table_limit_basis(t, ba < bb ? ba : bb, NT_WHY_WINDOW);
                    /* the difference of two summary.csv cells: not where either is suppressed */
                    if (!cumulative_shown(P, q->a, oc, h) || !cumulative_shown(P, q->b, oc, h))
                        nt_table_limit_basis(t, 0, NT_WHY_SECONDARY);
                } else { /* the month as effects.csv shows it on either side */
                    const unsigned char *h_a = P->path[(size_t)q->a * NO + oc].hidden;
                    const unsigned char *h_b = P->path[(size_t)q->b * NO + oc].hidden;
                    long ba = nt_disclose_basis(ra->n_treated_matched[tau], ra->n_control_used[tau]);
                    long bb = nt_disclose_basis(rb->n_treated_matched[tau], rb->n_control_used[tau]);
                    if ((h_a && h_a[tau]) || (h_b && h_b[tau])) ba = 0;
                    nt_table_set_basis(t, ba < bb ? ba : bb);
                }
            }
    return s;
}

nt_status nt_run_differences_write(nt_run_state *P, nt_error *err)
{
    if (!nt_run_diff_wanted(P) || !P->inf) return NT_OK;
    static const char *cols[] = {"program", "subgroup", "outcome", "kind", "variable", "level", "reference",
                                 "estimand", "horizon_months", "estimate", "se", "lower", "upper", "n_treated",
                                 "n_treated_reference"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY,
                                        NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_MEAN,
                                        NT_COL_STAT, NT_COL_MEAN, NT_COL_MEAN, NT_COL_COUNT, NT_COL_COUNT};
    int hz[NT_RUN_MAX_HORIZONS], nh = nt_run_diff_horizons(P, hz), G = P->n_groups, NO = P->panel->n_outcomes;
    nt_table *t = nt_table_alloc(cols, kinds, 15);
    if (t) nt_run_set_margin(P, t, NULL);
    /* the kept functionals cover every series of the view (the cost-benefit ones too) */
    double *var = malloc((size_t)(P->view.n_outcomes > NO ? P->view.n_outcomes : NO) * 2 * NT_RUN_MAX_HORIZONS * sizeof *var);
    nt_status s = t && var ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
    for (int pi = 0; pi < P->n_prog && !s; pi++) {
        int g = 1;
        for (int v = 0; v < P->st->n_subgroups && !s; v++) {
            const nt_study_subgroup *sg = &P->st->subgroups[v];
            for (int j = 1; j < sg->n_groups && !s; j++) {
                pair q = {P->st->programs[pi], "", "subgroup", sg->variable, P->group_label[g + j],
                          P->group_label[g], pi * G + g + j, pi * G + g};
                s = add_pair(P, t, &q, hz, nh, var, err);
            }
            g += sg->n_groups;
        }
    }
    for (int g = 0; g < G && !s; g++)
        for (int i = 0; i < P->n_prog && !s; i++)
            for (int j = i + 1; j < P->n_prog && !s; j++) {
                pair q = {"", P->group_label[g], "program", "program", P->st->programs[j], P->st->programs[i],
                          j * G + g, i * G + g};
                s = add_pair(P, t, &q, hz, nh, var, err);
            }
    if (!s && nt_table_rows(t) > 0) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "differences.csv");
        nt_table_set_round(t, P->st->round);
        s = nt_table_write_csv(t, path, P->st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "differences.csv", t, err);
    }
    nt_table_free(t);
    free(var);
    return s;
}
