/* The result tables of `netto run` (spec: cli-and-results.md, "Result
   tables"; docs/results.md), from the estimates (P->res) and the values
   computed once in nt_run_paths.c (P->path). Column -> where it comes from:
     effects.csv   estimate: nt_dyn_result att / att_fixed; se, ci_lower,
                   ci_upper: path se/lower/upper; counts: nt_dyn_result.
                   Basis: the month's matched treated and controls used.
     summary.csv   cumulative_effect .. breakeven_ci_upper: path fig[h]
                   (nt_summary); net_benefit(_se): path net_benefit(_se)[h];
                   cost_per_participant: nt_dyn_result cost_mean. Basis: the
                   window of months 0..h-1 (nt_run_window_basis), the same
                   the cumulative plot is disclosed by.
     balance.csv, pscore.csv, start_months.csv: nt_dyn_result's intervals.
     effects_by_start.csv: nt_dyn_result k_att, k_se, k_contrib.
   Which cells are emptied is report/nt_disclose's decision (nt_table). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_run_parts.h"

static const char *method_name(const nt_run_state *P) { return nt_run_method(P); }

static nt_status write_table(nt_run_state *P, nt_table *t, const char *name, nt_error *err)
{
    char path[4300];
    nt_path_join(path, sizeof path, P->out, name);
    return nt_table_write_csv(t, path, P->st->min_cell, err);
}

static nt_status table_effects(nt_run_state *P, nt_error *err)
{
    static const char *cols[] = {"program", "subgroup", "outcome", "month", "estimand", "method", "estimate", "se",
                                 "ci_lower", "ci_upper", "band_lower", "band_upper", "n_treated", "n_control",
                                 "n_treated_matched", "n_control_used"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT};
    int H = P->st->horizon, NO = P->panel->n_outcomes;
    nt_table *t = nt_table_alloc(cols, kinds, 16);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (int pg = 0; pg < P->n_prog * P->n_groups && !s; pg++) {
        const nt_dyn_result *r = P->res[pg];
        for (int oc = 0; oc < NO && !s; oc++)
            for (int fixed = 0; fixed <= 1 && !s; fixed++) {
                const nt_run_path *p = &P->path[(size_t)pg * NO + oc];
                const double *att = (fixed ? r->att_fixed : r->att) + oc * H;
                const double *se = p->se + fixed * H, *lo = p->lower + fixed * H, *hi = p->upper + fixed * H;
                for (int tau = 0; tau < H; tau++) {
                    if (nt_table_add_row(t)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
                    long ntr = fixed ? r->n_treated_fixed[tau] : r->n_treated[tau];
                    long ntm = fixed ? r->n_treated_matched_fixed[tau] : r->n_treated_matched[tau];
                    long ncu = fixed ? r->n_control_used_fixed[tau] : r->n_control_used[tau];
                    nt_table_set_str(t, "program", nt_run_program(P, pg));
                    nt_table_set_str(t, "subgroup", nt_run_group(P, pg));
                    nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
                    nt_table_set_int(t, "month", tau);
                    nt_table_set_str(t, "estimand", fixed ? "ATT_fixed" : "ATT");
                    nt_table_set_str(t, "method", method_name(P));
                    nt_table_set_num(t, "estimate", att[tau]);
                    nt_table_set_num(t, "se", isnan(att[tau]) ? NAN : se[tau]);
                    nt_table_set_num(t, "ci_lower", isnan(att[tau]) ? NAN : lo[tau]);
                    nt_table_set_num(t, "ci_upper", isnan(att[tau]) ? NAN : hi[tau]);
                    nt_table_set_num(t, "band_lower", isnan(att[tau]) ? NAN : p->band_lower[fixed * H + tau]);
                    nt_table_set_num(t, "band_upper", isnan(att[tau]) ? NAN : p->band_upper[fixed * H + tau]);
                    nt_table_set_int(t, "n_treated", ntr);
                    nt_table_set_int(t, "n_control", r->n_control);
                    nt_table_set_int(t, "n_treated_matched", ntm);
                    nt_table_set_int(t, "n_control_used", ncu);
                    nt_table_set_basis(t, nt_disclose_basis(ntm, ncu));
                }
            }
    }
    if (!s) s = write_table(P, t, "effects.csv", err);
    nt_table_free(t);
    return s;
}

static nt_status table_summary(nt_run_state *P, nt_error *err)
{
    static const char *cols[] = {"program", "subgroup", "outcome", "horizon_months", "cumulative_effect",
                                 "cumulative_se", "lockin_depth", "lockin_months", "breakeven_month",
                                 "cost_per_participant", "net_benefit", "n_treated", "n_control",
                                 "cumulative_ci_lower", "cumulative_ci_upper", "share_breakeven",
                                 "lockin_depth_ci_lower", "lockin_depth_ci_upper", "lockin_months_ci_lower",
                                 "lockin_months_ci_upper", "breakeven_ci_lower", "breakeven_ci_upper",
                                 "net_benefit_se"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_COUNT, NT_COL_COUNT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT};
    int NO = P->panel->n_outcomes, B = P->st->bootstrap;
    nt_table *t = nt_table_alloc(cols, kinds, 23);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (int pg = 0; pg < P->n_prog * P->n_groups && !s; pg++) {
        const nt_dyn_result *r = P->res[pg];
        for (int oc = 0; oc < NO && !s; oc++)
            for (int h = 0; h < P->n_horizons && !s; h++) {
                const nt_run_path *p = &P->path[(size_t)pg * NO + oc];
                const nt_summary *sm = &p->fig[h];
                if (nt_table_add_row(t)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
                nt_table_set_str(t, "program", nt_run_program(P, pg));
                nt_table_set_str(t, "subgroup", nt_run_group(P, pg));
                nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
                nt_table_set_int(t, "horizon_months", P->horizons[h]);
                nt_table_set_num(t, "cumulative_effect", sm->est.cumulative_effect);
                nt_table_set_num(t, "cumulative_se", sm->cumulative_se);
                nt_table_set_num(t, "lockin_depth", sm->est.lockin_depth);
                nt_table_set_num(t, "lockin_months", sm->est.lockin_months);
                nt_table_set_num(t, "breakeven_month", sm->est.breakeven_month);
                nt_table_set_num(t, "cost_per_participant", r->cost_mean);
                nt_table_set_num(t, "net_benefit", p->net_benefit[h]);
                nt_table_set_int(t, "n_treated", r->n_treated[0]);
                nt_table_set_int(t, "n_control", r->n_control);
                nt_table_set_num(t, "cumulative_ci_lower", sm->cumulative_lower);
                nt_table_set_num(t, "cumulative_ci_upper", sm->cumulative_upper);
                nt_table_set_num(t, "share_breakeven", sm->share_breakeven);
                nt_table_set_num(t, "lockin_depth_ci_lower", sm->lockin_depth_lower);
                nt_table_set_num(t, "lockin_depth_ci_upper", sm->lockin_depth_upper);
                nt_table_set_num(t, "lockin_months_ci_lower", sm->lockin_months_lower);
                nt_table_set_num(t, "lockin_months_ci_upper", sm->lockin_months_upper);
                nt_table_set_num(t, "breakeven_ci_lower", sm->breakeven_lower);
                nt_table_set_num(t, "breakeven_ci_upper", sm->breakeven_upper);
                nt_table_set_num(t, "net_benefit_se", p->net_benefit_se[h]);
                nt_table_set_basis(t, nt_run_window_basis(r, P->horizons[h]));
            }
    }
    if (!s) s = write_table(P, t, "summary.csv", err);
    if (!s) {
        char path[4300], cap[600];
        snprintf(cap, sizeof cap, "Study %s: cumulative effects (%s, %s)", P->st->name, method_name(P),
                 B > 0 ? "bootstrap standard errors" : "no bootstrap");
        nt_path_join(path, sizeof path, P->out, "summary.md");
        s = nt_table_write_markdown(t, path, P->st->min_cell, cap, 4, err);
        nt_path_join(path, sizeof path, P->out, "summary.tex");
        if (!s) s = nt_table_write_latex(t, path, P->st->min_cell, cap, 4, err);
    }
    nt_table_free(t);
    return s;
}

static void balance_row(nt_table *t, const char *prog, const char *group, const char *term,
                        const nt_dyn_balance *b, const char *interval, long basis)
{
    nt_table_add_row(t);
    nt_table_set_str(t, "program", prog);
    nt_table_set_str(t, "subgroup", group);
    nt_table_set_str(t, "covariate", term);
    nt_table_set_num(t, "mean_treated", b->mean_treated);
    nt_table_set_num(t, "mean_control_before", b->mean_control_before);
    nt_table_set_num(t, "mean_control_after", b->mean_control_after);
    nt_table_set_num(t, "smd_before", b->smd_before);
    nt_table_set_num(t, "smd_after", b->smd_after);
    nt_table_set_num(t, "var_ratio_before", b->var_ratio_before);
    nt_table_set_num(t, "var_ratio_after", b->var_ratio_after);
    nt_table_set_str(t, "start_interval", interval);
    nt_table_set_num(t, "mean_treated_after", b->mean_treated_after);
    nt_table_set_basis(t, basis);
}

static nt_status table_balance_pscore(nt_run_state *P, nt_error *err)
{
    static const char *bc[] = {"program", "subgroup", "covariate", "mean_treated", "mean_control_before",
                               "mean_control_after", "smd_before", "smd_after", "var_ratio_before",
                               "var_ratio_after", "start_interval", "mean_treated_after"};
    static const nt_col_kind bk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                     NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_KEY, NT_COL_STAT};
    static const char *pc[] = {"program", "subgroup", "start_interval", "term", "estimate", "se"};
    static const nt_col_kind pk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT};
    static const char *sc[] = {"program", "subgroup", "start_month", "status", "n_treated", "n_control", "n_treated_matched"};
    static const nt_col_kind sk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT};
    static const char *status_name[] = {"used", "too_few_treated", "no_controls", "model_failed"};
    nt_table *bt = nt_table_alloc(bc, bk, 12), *pt = nt_table_alloc(pc, pk, 6), *st = nt_table_alloc(sc, sk, 7);
    nt_status s = NT_OK;
    if (!bt || !pt || !st) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int pg = 0; pg < P->n_prog * P->n_groups; pg++) {
        const nt_dyn_result *r = P->res[pg];
        const char *prog = nt_run_program(P, pg), *group = nt_run_group(P, pg);
        long tot_t = 0, tot_c = 0;
        for (int iv = 0; iv < r->n_intervals; iv++) {
            const nt_dyn_interval *I = &r->interval[iv];
            char lab[32];
            snprintf(lab, sizeof lab, "%d-%d", I->first, I->last);
            long basis = nt_disclose_basis(I->n_treated_rows, I->n_rows - I->n_treated_rows);
            tot_t += I->n_treated_rows;
            tot_c += I->n_rows - I->n_treated_rows;
            for (int j = 0; j < I->n_bal; j++) balance_row(bt, prog, group, I->bal_term[j], &I->bal[j], lab, basis);
            for (int j = 0; j < I->p; j++) {
                nt_table_add_row(pt);
                nt_table_set_str(pt, "program", prog);
                nt_table_set_str(pt, "subgroup", group);
                nt_table_set_str(pt, "start_interval", lab);
                nt_table_set_str(pt, "term", I->term[j]);
                nt_table_set_num(pt, "estimate", I->beta[j]);
                nt_table_set_num(pt, "se", I->se[j]);
                nt_table_set_basis(pt, I->n_treated_rows);
            }
        }
        for (int j = 0; j < r->n_bal; j++) balance_row(bt, prog, group, r->bal_term[j], &r->bal[j], "all", nt_disclose_basis(tot_t, tot_c));
        for (int ki = 0; ki < r->n_k; ki++) {
            nt_table_add_row(st);
            nt_table_set_str(st, "program", prog);
            nt_table_set_str(st, "subgroup", group);
            nt_table_set_int(st, "start_month", r->k_month[ki]);
            nt_table_set_str(st, "status", status_name[r->k_skipped[ki] & 3]);
            nt_table_set_int(st, "n_treated", r->k_treated[ki]);
            nt_table_set_int(st, "n_control", r->k_controls[ki]);
            nt_table_set_int(st, "n_treated_matched", r->k_matched[ki]);
        }
    }
    s = write_table(P, bt, "balance.csv", err);
    if (!s) s = write_table(P, pt, "pscore.csv", err);
    if (!s) s = write_table(P, st, "start_months.csv", err);
done:
    nt_table_free(bt);
    nt_table_free(pt);
    nt_table_free(st);
    return s;
}

/* Effects per start month k (an extension): the building blocks of ATT(tau),
   with the analytic Abadie-Imbens SE per k for nn matching. */
static nt_status table_effects_by_start(nt_run_state *P, nt_error *err)
{
    static const char *cols[] = {"program", "subgroup", "outcome", "start_month", "month", "method", "estimate",
                                 "se", "n_treated_matched"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT};
    int H = P->st->horizon, NO = P->panel->n_outcomes;
    nt_table *t = nt_table_alloc(cols, kinds, 9);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int pg = 0; pg < P->n_prog * P->n_groups; pg++) {
        const nt_dyn_result *r = P->res[pg];
        for (int oc = 0; oc < NO; oc++)
            for (int ki = 0; ki < r->n_k; ki++) {
                if (r->k_skipped[ki]) continue;
                for (int tau = 0; tau < H; tau++) {
                    long c = r->k_contrib[(long)ki * H + tau];
                    if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
                    nt_table_set_str(t, "program", nt_run_program(P, pg));
                    nt_table_set_str(t, "subgroup", nt_run_group(P, pg));
                    nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
                    nt_table_set_int(t, "start_month", r->k_month[ki]);
                    nt_table_set_int(t, "month", tau);
                    nt_table_set_str(t, "method", method_name(P));
                    nt_table_set_num(t, "estimate", r->k_att[((long)ki * NO + oc) * H + tau]);
                    nt_table_set_num(t, "se", r->k_se[((long)ki * NO + oc) * H + tau]);
                    nt_table_set_int(t, "n_treated_matched", c);
                    nt_table_set_basis(t, c);
                }
            }
    }
    nt_status s = write_table(P, t, "effects_by_start.csv", err);
    nt_table_free(t);
    return s;
}

nt_status nt_run_tables_write(nt_run_state *P, nt_error *err)
{
    nt_status s = table_effects(P, err);
    if (!s) s = table_summary(P, err);
    if (!s) s = table_balance_pscore(P, err);
    if (!s) s = table_effects_by_start(P, err);
    return s;
}
