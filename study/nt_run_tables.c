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
     effects_by_start.csv: nt_dyn_result k_att, k_se, k_contrib; n_control
                   the start month's controls (k_controls); n_control_used
                   the controls with weight in (k, tau) (k_control_used).
   Which cells are emptied is report/nt_disclose's decision (nt_table), on
   these bases (docs/disclosure.md):
     effects.csv   the month's matched treated and controls used, and the
                   controls' effective number pooled over start months
                   (nt_disclose_pooled_controls); earnings: dominance on
                   either side (NT_WHY_DOMINANCE, pooled_dominated);
     summary.csv   the window of months 0..h-1: suppressed when effects.csv
                   suppresses any of them (NT_WHY_WINDOW; P->path hidden);
                   cost_per_participant on the treated with a known cost
                   and dominance of the costs; net_benefit as the cost and
                   the earnings window;
     balance.csv   the interval's treated and controls (a control is a row
                   per start month: at least rows / months persons), and for
                   a binary covariate the persons with and without the
                   level on each side (NT_WHY_SHARE); "all": summed treated;
     pscore.csv    as its interval, and a term as its level's balance row
                   or its start month's treated and controls;
     effects_by_start.csv  the (k, tau) contributing treated and the
                   controls used there or their effective number
                   (nt_disclose_controls); earnings: dominance;
     start_months.csv      counts only (0 or >= min_cell).
   Every table has secondary suppression across subgroup levels
   (nt_table_set_margin). Counts are published rounded to [disclosure]
   round; means and effects to the step of their basis. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "core/nt_file.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_cost_benefit.h"
#include "study/nt_result_tables.h"
#include "study/nt_run_parts.h"

static const char *method_name(const nt_run_state *P) { return nt_run_method(P); }

static nt_status write_table(nt_run_state *P, nt_table *t, const char *name, nt_error *err)
{
    char path[4300];
    nt_path_join(path, sizeof path, P->out, name);
    nt_table_set_round(t, P->st->round);
    nt_status s = nt_table_write_csv(t, path, P->st->min_cell, err);
    if (!s) s = nt_run_disclosure_note(P, name, t, err);
    return s;
}

/* Magnitudes (the dominance rule): earnings; the other series are 0/1. */
static int magnitude(const char *series) { return !strcmp(series, "earnings"); }

/* The start months pooled in ATT(tau) (fixed: ATT_fixed) and their shares
   pi_k(tau) of the contributing treated (nt_dyn_combine); 0 if none. */
static int pooled_shares(const nt_dyn_result *r, int fixed, int tau, double *pi)
{
    long den = 0;
    for (int ki = 0; ki < r->n_k; ki++) {
        long c = r->k_skipped[ki] || (fixed && !r->k_fixed[ki]) ? 0 : r->k_contrib[(long)ki * r->horizon + tau];
        pi[ki] = (double)c;
        den += c;
    }
    for (int ki = 0; ki < r->n_k && den > 0; ki++) pi[ki] /= (double)den;
    return den > 0;
}

/* Dominance of the pooled ATT(tau) of outcome oc: the treated side exactly
   (each treated person is in one start month: the sum and the two largest
   over months), the control side by the bounds sum_k pi_k top_k (a control
   may be one in several start months). */
static int pooled_dominated(const nt_run_state *P, const nt_dyn_result *r, const double *pi, int oc, int tau)
{
    int H = r->horizon, NO = r->n_outcomes;
    double t[3] = {0, 0, 0}, c[3] = {0, 0, 0};
    for (int ki = 0; ki < r->n_k; ki++) {
        if (!(pi[ki] > 0)) continue;
        const double *d = r->k_dom + (((size_t)ki * NO + oc) * H + tau) * 6;
        t[0] += d[0];
        for (int e = 1; e <= 2; e++) {
            if (d[e] > t[1]) { t[2] = t[1]; t[1] = d[e]; }
            else if (d[e] > t[2]) t[2] = d[e];
        }
        c[0] += pi[ki] * d[3];
        c[1] += pi[ki] * d[4];
        c[2] += pi[ki] * d[5];
    }
    double p1 = P->st->dominance_top1, p2 = P->st->dominance_top2;
    return nt_disclose_dominated(t[0], t[1], t[2], p1, p2) || nt_disclose_dominated(c[0], c[1], c[2], p1, p2);
}

/* The further limits of an effects.csv row beyond its counts: the
   controls' pooled effective number, dominance of a magnitude. */
static void effects_limits(const nt_run_state *P, nt_table *t, const nt_dyn_result *r, int oc, int fixed, int tau,
                           double *pi, double *w2, double *wmax)
{
    if (!r->k_control_used || !pooled_shares(r, fixed, tau, pi)) return;
    for (int ki = 0; ki < r->n_k; ki++) {
        w2[ki] = r->k_control_w2[(long)ki * r->horizon + tau];
        wmax[ki] = r->k_control_wmax[(long)ki * r->horizon + tau];
    }
    nt_table_limit_basis(t, nt_disclose_pooled_controls(pi, w2, wmax, r->n_k), NT_WHY_PERSONS);
    if (magnitude(P->panel->outcome_name[oc]) && pooled_dominated(P, r, pi, oc, tau))
        nt_table_limit_basis(t, 0, NT_WHY_DOMINANCE);
}

int nt_run_effects_limits(const nt_run_state *P, nt_table *t, const nt_dyn_result *r, int oc, int tau)
{
    double *buf = malloc(3 * (size_t)(r->n_k > 0 ? r->n_k : 1) * sizeof *buf);
    if (!buf) return -1;
    effects_limits(P, t, r, oc, 0, tau, buf, buf + r->n_k, buf + 2 * r->n_k);
    free(buf);
    return 0;
}

int nt_run_month_dominated(const nt_run_state *P, int pg, int oc, int tau, int fixed)
{
    const nt_dyn_result *r = fixed && P->res[pg]->fx ? P->res[pg]->fx : P->res[pg];
    double pi[512];
    if (!r->k_dom || r->n_k > 512 || !pooled_shares(r, 0, tau, pi)) return 0;
    return pooled_dominated(P, r, pi, oc, tau);
}

long nt_run_window_basis(const nt_run_state *P, int pg, int oc, int h, int fixed)
{
    const nt_run_path *p = &P->path[(size_t)pg * P->panel->n_outcomes + oc];
    long basis = LONG_MAX, f = fixed ? P->st->horizon : 0;   /* ATT_fixed's months follow ATT's */
    for (int tau = 0; tau < h && p->hidden; tau++) {
        if (p->hidden[f + tau]) return 0;
        if (p->mbasis[f + tau] > 0 && p->mbasis[f + tau] < basis) basis = p->mbasis[f + tau]; /* a month of no persons has no number */
    }
    return basis; /* LONG_MAX: no month has a number, nothing to protect */
}

/* What effects.csv shows, per path and month (ATT and ATT_fixed): the
   months it suppresses (hidden) and their bases, for summary.csv's windows
   and the plots. Rows are in the order table_effects adds them. */
static nt_status record_shown(nt_run_state *P, const nt_table *t, nt_error *err)
{
    int H = P->st->horizon, NO = P->panel->n_outcomes;
    long row = 0;
    for (int pg = 0; pg < P->n_prog * P->n_groups; pg++)
        for (int oc = 0; oc < NO; oc++) {
            nt_run_path *p = &P->path[(size_t)pg * NO + oc];
            if (!p->hidden) p->hidden = calloc(2 * (size_t)H, 1);
            if (!p->mbasis) p->mbasis = calloc(2 * (size_t)H, sizeof *p->mbasis);
            if (!p->hidden || !p->mbasis) return nt_fail(err, NT_ENOMEM, "out of memory");
            for (int i = 0; i < 2 * H; i++, row++) {
                p->hidden[i] = nt_table_shown(t, row, "estimate", P->st->min_cell) == 0;
                p->mbasis[i] = nt_table_row_basis(t, row);
            }
        }
    return NT_OK;
}

static nt_status table_effects(nt_run_state *P, nt_error *err)
{
    int H = P->st->horizon, NO = P->panel->n_outcomes;
    static const char *const band[] = {"band_lower", "band_upper"};
    static const nt_col_kind band_kind[] = {NT_COL_MEAN, NT_COL_MEAN};
    nt_table *t = nt_effects_table_alloc(band, band_kind, 2);
    int nk = P->n_prog * P->n_groups > 0 ? P->res[0]->n_k : 1;
    double *buf = malloc(3 * (size_t)(nk > 0 ? nk : 1) * sizeof *buf);
    if (!t || !buf) { nt_table_free(t); free(buf); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    nt_run_set_margin(P, t, NULL);
    nt_status s = NT_OK;
    for (int pg = 0; pg < P->n_prog * P->n_groups && !s; pg++) {
        const nt_dyn_result *r = P->res[pg];
        for (int oc = 0; oc < NO && !s; oc++)
            for (int fixed = 0; fixed <= 1 && !s; fixed++) {
                const nt_run_path *p = &P->path[(size_t)pg * NO + oc];
                const double *att = (fixed ? r->att_fixed : r->att) + oc * H;
                const double *se = p->se + fixed * H, *lo = p->lower + fixed * H, *hi = p->upper + fixed * H;
                for (int tau = 0; tau < H; tau++) {
                    int nan = isnan(att[tau]);
                    nt_effect_row row = {
                        .program = nt_run_program(P, pg), .subgroup = nt_run_group(P, pg),
                        .outcome = P->panel->outcome_name[oc], .month = tau,
                        .estimand = fixed ? "ATT_fixed" : "ATT", .method = method_name(P), .estimate = att[tau],
                        .se = nan ? NAN : se[tau], .ci_lower = nan ? NAN : lo[tau], .ci_upper = nan ? NAN : hi[tau],
                        .n_treated = fixed ? r->n_treated_fixed[tau] : r->n_treated[tau], .n_control = r->n_control,
                        .n_treated_matched = fixed ? r->n_treated_matched_fixed[tau] : r->n_treated_matched[tau],
                        .n_control_used = fixed ? r->n_control_used_fixed[tau] : r->n_control_used[tau]};
                    if (nt_effects_table_add(t, &row)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
                    nt_table_set_num(t, "band_lower", nan ? NAN : p->band_lower[fixed * H + tau]);
                    nt_table_set_num(t, "band_upper", nan ? NAN : p->band_upper[fixed * H + tau]);
                    if (r->n_k == nk) effects_limits(P, t, fixed && r->fx ? r->fx : r, oc, 0, tau, buf, buf + nk, buf + 2 * nk);
                }
            }
    }
    if (!s) s = nt_run_never_rows(P, t, err);   /* ATT_never: after every ATT and ATT_fixed row */
    if (!s) s = write_table(P, t, "effects.csv", err);
    if (!s) s = record_shown(P, t, err);
    nt_table_free(t);
    free(buf);
    return s;
}

/* summary.csv's figures as written (rows in table_summary's order), for
   the report: it shows what the table shows, at the table's rounding. */
static void record_summary(nt_run_state *P, const nt_table *t)
{
    long row = 0, mc = P->st->min_cell;
    int NO = P->panel->n_outcomes;
    for (int pg = 0; pg < P->n_prog * P->n_groups; pg++)
        for (int oc = 0; oc < NO; oc++)
            for (int h = 0; h < P->n_horizons; h++, row++) {
                nt_run_path *p = &P->path[(size_t)pg * NO + oc];
                nt_summary *q = &p->shown[h];
                *q = p->fig[h];
                q->est.cumulative_effect = nt_table_shown_num(t, row, "cumulative_effect", mc);
                q->cumulative_lower = nt_table_shown_num(t, row, "cumulative_ci_lower", mc);
                q->cumulative_upper = nt_table_shown_num(t, row, "cumulative_ci_upper", mc);
                q->est.lockin_depth = nt_table_shown_num(t, row, "lockin_depth", mc);
                q->lockin_depth_lower = nt_table_shown_num(t, row, "lockin_depth_ci_lower", mc);
                q->lockin_depth_upper = nt_table_shown_num(t, row, "lockin_depth_ci_upper", mc);
                q->est.lockin_depth_month = nt_table_shown_num(t, row, "lockin_depth_month", mc);
                q->est.lockin_months = nt_table_shown_num(t, row, "lockin_months", mc);
                q->lockin_months_lower = nt_table_shown_num(t, row, "lockin_months_ci_lower", mc);
                q->lockin_months_upper = nt_table_shown_num(t, row, "lockin_months_ci_upper", mc);
                q->est.breakeven_month = nt_table_shown_num(t, row, "breakeven_month", mc);
                q->breakeven_lower = nt_table_shown_num(t, row, "breakeven_ci_lower", mc);
                q->breakeven_upper = nt_table_shown_num(t, row, "breakeven_ci_upper", mc);
                p->shown_cost[h] = nt_table_shown_num(t, row, "cost_per_participant", mc);
                p->shown_net[h] = nt_table_shown_num(t, row, "net_benefit", mc);
            }
}

/* A number summary.csv repeats in every outcome's row of a (programme,
   group, horizon): 1 shown in some row (public), 2 suppressed in all,
   else 3 without a number but with persons, 0 without persons. */
static int once_state(const nt_run_state *P, const nt_table *t, int pg, int h, const char *col)
{
    int NO = P->panel->n_outcomes, nh = P->n_horizons, num = 0;
    for (int oc = 0; oc < NO; oc++) {
        int v = nt_table_shown(t, ((long)pg * NO + oc) * nh + h, col, P->st->min_cell);
        if (v == 1) return NT_PART_SHOWN;
        num |= v == 0;
    }
    long n = P->res[pg]->n_treated[0];
    if (num) return NT_PART_SUPPRESSED;
    return n <= 0 ? NT_PART_NONE : n < P->st->min_cell ? NT_PART_EMPTY_FEW : NT_PART_EMPTY;
}

/* The treated (month 0) of the total pg0 in none of the levels g..g+ng-1
   of a variable, as a part for nt_disclose_secondary (as nt_table does
   it): known when the levels are disjoint (P->group_rel); else a single
   level's complement is an unknown part, several levels have none. */
static void remainder_part(const nt_run_state *P, int pg0, int g, int ng, unsigned char *st, long *sz)
{
    int G = P->n_groups;
    *st = ng == 1 ? NT_PART_REST : NT_PART_NONE;
    *sz = LONG_MAX;
    if (!P->group_rel) return;
    for (int a = g; a < g + ng; a++)
        for (int b = g; b < a; b++)
            if (!(P->group_rel[a * G + b] & NT_DISCLOSE_DISJOINT)) return;
    long r = P->res[pg0]->n_treated[0];
    for (int a = g; a < g + ng; a++) r -= P->res[pg0 + a]->n_treated[0];
    *st = r <= 0 ? NT_PART_NONE : r < P->st->min_cell ? NT_PART_REST_FEW : NT_PART_REST;
    *sz = r < 0 ? 0 : r;
}

/* Secondary suppression of cost_per_participant and net_benefit, one
   number per (programme, group, horizon) repeated in every outcome's row:
   done on the number (shown where any copy is; a row emptied for its
   outcome's months hides that copy only), per subgroup variable as
   nt_disclose_secondary decides, suppressing every copy of the level
   picked. The row-wise pass leaves them out (not additive there). */
static void once_secondary(nt_run_state *P, nt_table *t)
{
    static const char *const once[] = {"cost_per_participant", "net_benefit"};
    int NO = P->panel->n_outcomes, nh = P->n_horizons, G = P->n_groups;
    if (P->st->min_cell <= 0) return;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int pi = 0; pi < P->n_prog; pi++)
            for (int h = 0; h < nh; h++)
                for (int c = 0; c < 2; c++) {
                    if (once_state(P, t, pi * G, h, once[c]) != NT_PART_SHOWN) continue;
                    for (int v = 0, g = 1; v < P->st->n_subgroups; g += P->st->subgroups[v++].n_groups) {
                        int ng = P->st->subgroups[v].n_groups;
                        unsigned char st[256];
                        long sz[256];
                        for (int l = 0; l < ng && l < 256; l++) {
                            st[l] = (unsigned char)once_state(P, t, pi * G + g + l, h, once[c]);
                            sz[l] = P->res[pi * G + g + l]->n_treated[0];
                        }
                        if (ng > 255) continue;
                        remainder_part(P, pi * G, g, ng, &st[ng], &sz[ng]);
                        int pick = nt_disclose_secondary(st, sz, ng + 1, P->st->min_cell);
                        if (pick < 0 || pick == ng) continue;
                        int pg = pi * G + (pick < ng ? g + pick : 0); /* pick ng + 1: the total */
                        for (int oc = 0; oc < NO; oc++) nt_table_suppress(t, ((long)pg * NO + oc) * nh + h, once[c], NT_WHY_SECONDARY);
                        changed = 1;
                    }
                }
    }
}

static nt_status table_summary(nt_run_state *P, nt_error *err)
{
    static const char *cols[] = {"program", "subgroup", "outcome", "horizon_months", "cumulative_effect",
                                 "cumulative_se", "lockin_depth", "lockin_months", "breakeven_month",
                                 "cost_per_participant", "net_benefit", "n_treated", "n_control",
                                 "cumulative_ci_lower", "cumulative_ci_upper", "share_breakeven",
                                 "lockin_depth_ci_lower", "lockin_depth_ci_upper", "lockin_months_ci_lower",
                                 "lockin_months_ci_upper", "breakeven_ci_lower", "breakeven_ci_upper",
                                 "net_benefit_se", "lockin_depth_month", "lockin_depth_month_ci_lower",
                                 "lockin_depth_month_ci_upper", "breakeven_band_month", "estimand", "share_covered"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_MEAN, NT_COL_STAT,
                                        NT_COL_MEAN, NT_COL_STAT, NT_COL_STAT, NT_COL_MEAN, NT_COL_MEAN,
                                        NT_COL_COUNT, NT_COL_COUNT, NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT,
                                        NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_KEY, NT_COL_STAT};
    int NO = P->panel->n_outcomes, earn = -1;
    for (int oc = 0; oc < NO; oc++)
        if (magnitude(P->panel->outcome_name[oc])) earn = oc;
    _Static_assert(sizeof cols / sizeof *cols == sizeof kinds / sizeof *kinds, "one kind per column");
    nt_table *t = nt_table_alloc(cols, kinds, (int)(sizeof cols / sizeof *cols));
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_run_set_margin(P, t, NULL);
    /* a path's minimum is no person-weighted sum of the levels' minima */
    static const char *const depth[] = {"lockin_depth", "lockin_depth_ci_lower", "lockin_depth_ci_upper"};
    for (int c = 0; c < 3; c++) nt_table_set_additive(t, depth[c], 0);
    nt_table_set_additive(t, "cost_per_participant", 0); /* once_secondary */
    nt_table_set_additive(t, "net_benefit", 0);
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
                nt_table_set_str(t, "estimand", P->st->summary_fixed ? "ATT_fixed" : "ATT");
                nt_table_set_num(t, "cumulative_effect", sm->est.cumulative_effect);
                nt_table_set_num(t, "cumulative_se", sm->cumulative_se);
                nt_table_set_num(t, "lockin_depth", sm->est.lockin_depth);
                nt_table_set_num(t, "lockin_months", sm->est.lockin_months);
                nt_table_set_num(t, "breakeven_month", sm->est.breakeven_month);
                nt_table_set_num(t, "cost_per_participant", r->cost_mean);
                nt_table_set_num(t, "net_benefit", p->net_benefit[h]);
                nt_table_set_int(t, "n_treated", (P->st->summary_fixed ? r->n_treated_fixed : r->n_treated)[0]);
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
                nt_table_set_num(t, "lockin_depth_month", p->lockin_month[h]);
                nt_table_set_num(t, "lockin_depth_month_ci_lower", p->lockin_month_lower[h]);
                nt_table_set_num(t, "lockin_depth_month_ci_upper", p->lockin_month_upper[h]);
                nt_table_set_num(t, "breakeven_band_month", p->breakeven_band[h]);
                /* the participants in the estimate (contributing at tau 0) over all at risk in the start months */
                nt_table_set_num(t, "share_covered", r->n_participants > 0 ? (double)r->n_treated_matched[0] /
                                                                              (double)r->n_participants : NAN);
                nt_table_limit_basis(t, nt_run_window_basis(P, pg, oc, P->horizons[h], P->st->summary_fixed), NT_WHY_WINDOW);
                /* The cost: a mean over the treated with a known cost, a magnitude. */
                static const char *const cost_cols[] = {"cost_per_participant", "net_benefit", "net_benefit_se"};
                long cost_basis = r->n_cost_known;
                nt_disclose_why cost_why = NT_WHY_PERSONS;
                if (nt_disclose_dominated(r->cost_mean * (double)r->n_cost_known, r->cost_top[0], r->cost_top[1],
                                          P->st->dominance_top1, P->st->dominance_top2)) {
                    cost_basis = 0;
                    cost_why = NT_WHY_DOMINANCE;
                }
                for (int c = 0; c < 3; c++) nt_table_limit_cell(t, cost_cols[c], cost_basis, cost_why);
                long ew = earn >= 0 ? nt_run_window_basis(P, pg, earn, P->horizons[h], P->st->summary_fixed) : 0;
                for (int c = 1; c < 3; c++) nt_table_limit_cell(t, cost_cols[c], ew, NT_WHY_WINDOW);
            }
    }
    if (!s) once_secondary(P, t);
    if (!s) s = nt_run_never_summary_rows(P, t, err);   /* ATT_never: after every ATT row */
    if (!s) s = write_table(P, t, "summary.csv", err); /* sets the table's rounding */
    if (!s) record_summary(P, t);
    nt_table_free(t);
    return s;
}

/* The persons a start interval's model rows rest on. Every treated person
   is one row; a control is one row per start month it is at risk in, so the
   controls are at least rows / (months in the interval), and at least the
   controls of any one start month. */
static double interval_controls(const nt_dyn_result *r, const nt_dyn_interval *I)
{
    double n = (double)(I->n_rows - I->n_treated_rows) / (double)(I->last - I->first + 1);
    for (int ki = 0; ki < r->n_k; ki++)
        if (r->k_month[ki] >= I->first && r->k_month[ki] <= I->last && (double)r->k_controls[ki] > n)
            n = (double)r->k_controls[ki];
    return ceil(n - 1e-9);
}

/* 1 if a balance row is a binary variable's: a level of a categorical
   ("education=low") or a column whose treated variance is p (1 - p) n/(n-1). */
static int is_binary(const char *term, const nt_dyn_balance *b, long n)
{
    if (strchr(term, '=')) return 1;
    double p = b->mean_treated, s2 = b->sd_denominator * b->sd_denominator;
    if (isnan(p) || p < 0 || p > 1 || n < 2) return 0;
    double v = p * (1 - p) * (double)n / (double)(n - 1);
    return fabs(s2 - v) <= 1e-9 * (v > 1 ? v : 1);
}

/* 1 if a mean of a continuous covariate (earnings, months employed, age)
   is dominated by one or two persons on any side, before or after
   matching (the estimator's bounds, nt_balance_acc_dominance): its row
   goes, as the SMD and variance ratio give the means back. */
static int balance_dominated(const nt_run_state *P, const nt_dyn_balance *b)
{
    for (int k = 0; k < 4; k++)
        if (nt_disclose_dominated(b->dom[k][0], b->dom[k][1], b->dom[k][2], P->st->dominance_top1,
                                  P->st->dominance_top2))
            return 1;
    return 0;
}

/* The persons with and without the level behind a binary row's shares
   (nt_disclose_share_basis): among the treated (exact), the treated
   matched, and a lower bound among the controls (their rows per month). */
static long share_basis(const nt_dyn_interval *I, const nt_dyn_balance *b, double controls)
{
    long basis = nt_disclose_share_basis(b->mean_treated, I->n_treated_rows);
    long m = nt_disclose_share_basis(b->mean_treated_after, I->n_treated_matched);
    if (m < basis) basis = m;
    double c = (double)(I->n_rows - I->n_treated_rows), len = (double)(I->last - I->first + 1);
    double with = isnan(b->mean_control_before) ? controls : ceil(b->mean_control_before * c / len - 1e-9);
    double without = isnan(b->mean_control_before) ? controls : ceil((1 - b->mean_control_before) * c / len - 1e-9);
    if (with < basis) basis = (long)with;
    if (without < basis) basis = (long)without;
    return basis;
}


/* The basis of a propensity-model term beyond its interval's: a level's
   persons with and without it (its balance row), a start month's treated
   and controls. */
static long term_basis(const nt_dyn_result *r, const nt_dyn_interval *I, const char *term, double controls)
{
    int k;
    if (sscanf(term, "start_month=%d", &k) == 1) {
        for (int ki = 0; ki < r->n_k; ki++)
            if (r->k_month[ki] == k) return nt_disclose_basis(r->k_treated[ki], r->k_controls[ki]);
        return 0;
    }
    for (int j = 0; j < I->n_bal; j++)
        if (!strcmp(I->bal_term[j], term) && is_binary(term, &I->bal[j], I->n_treated_rows))
            return share_basis(I, &I->bal[j], controls);
    return LONG_MAX;
}

/* The pooled ("all") balance row of a binary term: the treated with and
   without the level summed over intervals (each treated person is in one);
   the controls with and without it at least the largest interval's bound. */
static long pooled_share_basis(const nt_dyn_result *r, const char *term)
{
    double with = 0, without = 0, c_with = 0, c_without = 0;
    int found = 0;
    for (int iv = 0; iv < r->n_intervals; iv++) {
        const nt_dyn_interval *I = &r->interval[iv];
        double c = (double)(I->n_rows - I->n_treated_rows), len = (double)(I->last - I->first + 1);
        for (int j = 0; j < I->n_bal; j++) {
            const nt_dyn_balance *b = &I->bal[j];
            if (strcmp(I->bal_term[j], term) || !is_binary(term, b, I->n_treated_rows)) continue;
            found = 1;
            if (!isnan(b->mean_treated)) {
                with += b->mean_treated * (double)I->n_treated_rows;
                without += (1 - b->mean_treated) * (double)I->n_treated_rows;
            }
            if (!isnan(b->mean_control_before)) {
                c_with = fmax(c_with, ceil(b->mean_control_before * c / len - 1e-9));
                c_without = fmax(c_without, ceil((1 - b->mean_control_before) * c / len - 1e-9));
            }
        }
    }
    if (!found) return LONG_MAX;
    double m = fmin(fmin(with, without), fmin(c_with, c_without));
    return m <= 0 ? 0 : (long)floor(m + 0.5);
}

/* 0 if a propensity term's own cells are suppressed in the other tables:
   a level's balance row (from row b0 of its interval) or a start month's
   counts (from row s0 of its programme and group). */
static int term_shown(const nt_run_state *P, const nt_dyn_result *r, const nt_dyn_interval *I,
                             const char *term, const nt_table *bt, long b0, const nt_table *st, long s0)
{
    long mc = P->st->min_cell;
    int k;
    if (sscanf(term, "start_month=%d", &k) == 1) {
        for (int ki = 0; ki < r->n_k; ki++)
            if (r->k_month[ki] == k)
                return nt_table_shown(st, s0 + ki, "n_treated", mc) != 0 && nt_table_shown(st, s0 + ki, "n_control", mc) != 0;
        return 1;
    }
    for (int j = 0; j < I->n_bal; j++)
        if (!strcmp(I->bal_term[j], term)) return nt_table_shown(bt, b0 + j, "mean_treated", mc) != 0;
    return 1;
}

static nt_status table_balance_pscore(nt_run_state *P, nt_error *err)
{
    static const char *sc[] = {"program", "subgroup", "start_month", "status", "n_treated", "n_control", "n_treated_matched"};
    static const nt_col_kind sk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT};
    static const char *status_name[] = {"used", "too_few_treated", "no_controls", "model_failed"};
    nt_table *bt = nt_balance_table_alloc(1), *pt = nt_pscore_table_alloc(), *st = nt_table_alloc(sc, sk, 7);
    nt_status s = NT_OK;
    long *brow = NULL, *srow = NULL;
    if (!bt || !pt || !st) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    nt_run_set_margin(P, bt, NULL);
    static const char *const ratios[] = {"smd_before", "smd_after", "var_ratio_before", "var_ratio_after"};
    for (int c = 0; c < 4; c++) nt_table_set_additive(bt, ratios[c], 0); /* no sums of the levels' */
    nt_run_set_margin(P, pt, NULL);
    nt_run_set_margin(P, st, "status");
    int npg = P->n_prog * P->n_groups, niv = 0;   /* pooling (pool_sparse) can differ by cell */
    for (int pg = 0; pg < npg; pg++)
        if (P->res[pg]->n_intervals > niv) niv = P->res[pg]->n_intervals;
    brow = malloc(((size_t)npg * (size_t)niv + 1) * sizeof *brow);
    srow = malloc(((size_t)npg + 1) * sizeof *srow);
    if (!brow || !srow) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int pg = 0; pg < npg; pg++) {
        const nt_dyn_result *r = P->res[pg];
        const char *prog = nt_run_program(P, pg), *group = nt_run_group(P, pg);
        long tot_t = 0, tot_c = 0;
        for (int iv = 0; iv < r->n_intervals; iv++) {
            const nt_dyn_interval *I = &r->interval[iv];
            char lab[32];
            snprintf(lab, sizeof lab, "%d-%d", I->first, I->last);
            double controls = interval_controls(r, I);
            long basis = nt_disclose_basis(I->n_treated_rows, (long)controls);
            tot_t += I->n_treated_rows;
            if ((long)controls > tot_c) tot_c = (long)controls;
            brow[(size_t)pg * niv + iv] = nt_table_rows(bt);
            for (int j = 0; j < I->n_bal; j++) {
                nt_balance_table_add(bt, prog, group, I->bal_term[j], &I->bal[j], lab, basis);
                nt_table_set_int(bt, "n_treated", I->n_treated_rows);
                if (is_binary(I->bal_term[j], &I->bal[j], I->n_treated_rows))
                    nt_table_limit_basis(bt, share_basis(I, &I->bal[j], controls), NT_WHY_SHARE);
                else if (balance_dominated(P, &I->bal[j]))
                    nt_table_limit_basis(bt, 0, NT_WHY_DOMINANCE);
            }
        }
        for (int j = 0; j < r->n_bal; j++) {
            nt_balance_table_add(bt, prog, group, r->bal_term[j], &r->bal[j], "all", nt_disclose_basis(tot_t, tot_c));
            nt_table_set_int(bt, "n_treated", tot_t);
            long sb = pooled_share_basis(r, r->bal_term[j]);
            nt_table_limit_basis(bt, sb, NT_WHY_SHARE);
            if (sb == LONG_MAX && balance_dominated(P, &r->bal[j])) nt_table_limit_basis(bt, 0, NT_WHY_DOMINANCE);
        }
        srow[pg] = nt_table_rows(st);
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
    /* pscore.csv after the others: a term also goes where its balance row
       or its start month's counts are suppressed secondarily. */
    for (int pg = 0; pg < npg; pg++) {
        const nt_dyn_result *r = P->res[pg];
        for (int iv = 0; iv < r->n_intervals && iv < niv; iv++) {
            const nt_dyn_interval *I = &r->interval[iv];
            char lab[32];
            snprintf(lab, sizeof lab, "%d-%d", I->first, I->last);
            double controls = interval_controls(r, I);
            long basis = nt_disclose_basis(I->n_treated_rows, (long)controls);
            for (int j = 0; j < I->p; j++) {
                nt_pscore_table_add(pt, nt_run_program(P, pg), nt_run_group(P, pg), lab, I->term[j], I->beta[j],
                                    I->se[j], basis);
                nt_table_limit_basis(pt, term_basis(r, I, I->term[j], controls), NT_WHY_SHARE);
                if (!term_shown(P, r, I, I->term[j], bt, brow[(size_t)pg * niv + iv], st, srow[pg]))
                    nt_table_limit_basis(pt, 0, NT_WHY_SECONDARY);
            }
        }
    }
    s = write_table(P, bt, "balance.csv", err);
    if (!s) s = write_table(P, pt, "pscore.csv", err);
    if (!s) s = write_table(P, st, "start_months.csv", err);
done:
    free(brow);
    free(srow);
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
                                 "se", "n_treated_matched", "n_control", "n_control_used", "ci_lower", "ci_upper"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY,
                                        NT_COL_MEAN, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT,
                                        NT_COL_MEAN, NT_COL_MEAN};
    int H = P->st->horizon, NO = P->panel->n_outcomes;
    double z = gsl_cdf_ugaussian_Pinv(1 - (1 - nt_run_ci_level(P)) / 2);
    nt_table *t = nt_table_alloc(cols, kinds, 13);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_run_set_margin(P, t, NULL);
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
                    long slot = ((long)ki * r->n_outcomes + oc) * H + tau;  /* r has the cost-benefit series too */
                    nt_table_set_num(t, "estimate", r->k_att[slot]);
                    /* no se below NT_DYN_KSE_MIN_TREATED treated: too unreliable to show (docs/inference.md) */
                    double se = c < NT_DYN_KSE_MIN_TREATED ? NAN : r->k_se[slot];
                    nt_table_set_num(t, "se", se);
                    /* t with n - 1 df: the se rests on the n treated's spread (docs/inference.md) */
                    double q = c > 1 ? gsl_cdf_tdist_Pinv(1 - (1 - nt_run_ci_level(P)) / 2, (double)(c - 1)) : z;
                    nt_table_set_num(t, "ci_lower", r->k_att[slot] - q * se);   /* NaN without an se */
                    nt_table_set_num(t, "ci_upper", r->k_att[slot] + q * se);
                    nt_table_set_int(t, "n_treated_matched", c);
                    nt_table_set_int(t, "n_control", r->k_controls[ki]);
                    if (!r->k_control_used) { nt_table_set_basis(t, nt_disclose_basis(c, r->k_controls[ki])); continue; }
                    long used = r->k_control_used[(long)ki * H + tau];
                    nt_table_set_int(t, "n_control_used", used);
                    nt_table_set_basis(t, nt_disclose_basis(c, nt_disclose_controls(used, r->k_control_w2[(long)ki * H + tau])));
                    const double *d = r->k_dom + (((size_t)ki * NO + oc) * H + tau) * 6;
                    if (magnitude(P->panel->outcome_name[oc]) &&
                        (nt_disclose_dominated(d[0], d[1], d[2], P->st->dominance_top1, P->st->dominance_top2) ||
                         nt_disclose_dominated(d[3], d[4], d[5], P->st->dominance_top1, P->st->dominance_top2)))
                        nt_table_limit_basis(t, 0, NT_WHY_DOMINANCE);
                }
            }
    }
    nt_status s = write_table(P, t, "effects_by_start.csv", err);
    nt_table_free(t);
    return s;
}

/* How the groups relate (P->group_rel): a contains b, a and b disjoint. */
static nt_status group_relations(nt_run_state *P, nt_error *err)
{
    int G = P->n_groups;
    long n = P->panel->n;
    free(P->group_rel);
    P->group_rel = calloc((size_t)G * (size_t)G, 1);
    if (!P->group_rel) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int a = 0; a < G; a++)
        for (int b = 0; b < G; b++) {
            int contains = 1, disjoint = 1;
            for (long i = 0; i < n && (contains || disjoint); i++) {
                if (P->member[b][i] && !P->member[a][i]) contains = 0;
                if (P->member[b][i] && P->member[a][i]) disjoint = 0;
            }
            P->group_rel[a * G + b] = (unsigned char)((contains ? NT_DISCLOSE_CONTAINS : 0) | (disjoint ? NT_DISCLOSE_DISJOINT : 0));
        }
    return NT_OK;
}

void nt_run_set_margin(const nt_run_state *P, nt_table *t, const char *ignore)
{
    nt_table_set_margin(t, "subgroup", ignore);
    /* effects tables: the estimate rests on the matched treated and the
       controls used, not on the treated observed or the controls at risk */
    if (nt_table_has_column(t, "n_control_used")) {
        nt_table_set_part_count(t, "n_control", 0);
        if (nt_table_has_column(t, "n_treated")) nt_table_set_part_count(t, "n_treated", 0);
    }
    if (P->group_rel) nt_table_set_groups(t, (const char *const *)P->group_label, P->group_rel, P->n_groups);
}

nt_status nt_run_tables_write(nt_run_state *P, nt_error *err)
{
    nt_status s = P->st->min_cell > 0 && P->member ? group_relations(P, err) : NT_OK;
    if (!s) s = table_effects(P, err);
    if (!s) s = table_summary(P, err);
    if (!s) s = table_balance_pscore(P, err);
    if (!s) s = table_effects_by_start(P, err);
    if (!s) s = nt_cost_benefit_write(P, err);
    return s;
}

long nt_run_balance_basis(const nt_run_state *P, const nt_dyn_result *r, const char *term, int *binary)
{
    long tot_t = 0, tot_c = 0;
    for (int iv = 0; iv < r->n_intervals; iv++) {
        long c = (long)interval_controls(r, &r->interval[iv]);
        tot_t += r->interval[iv].n_treated_rows;
        if (c > tot_c) tot_c = c;
    }
    long basis = nt_disclose_basis(tot_t, tot_c), share = pooled_share_basis(r, term);
    *binary = share != LONG_MAX;
    for (int j = 0; j < r->n_bal && !*binary; j++)
        if (!strcmp(r->bal_term[j], term) && balance_dominated(P, &r->bal[j])) return 0;
    return share < basis ? share : basis;
}
