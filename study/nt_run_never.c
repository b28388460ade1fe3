/* [estimator] never = yes: the estimand ATT_never ("now vs never within the
   horizon", docs/dynamic.md) beside ATT. A second run of the dynamic
   estimator with the main run's options and units and opts.never = 1
   (estimators/nt_dyn_ipcw.c: controls censored at their own later
   programme start and weighted by the inverse of their probability of
   staying without one), with its own linearisation and multiplier
   bootstrap ([inference] method = linearised; with the full bootstrap the
   ATT_never rows have no se and interval). Its rows go at the end of
   effects.csv, with the same columns and disclosure rule as the ATT rows. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "core/nt_series.h"
#include "study/nt_cost_benefit.h"
#include "study/nt_result_tables.h"
#include "study/nt_run_parts.h"

nt_status nt_run_never_estimate(nt_run_state *P, int pg, const nt_dyn_opts *d, const nt_dyn_panel *view,
                                const long *units, long nu, nt_error *err)
{
    int npg = P->n_prog * P->n_groups, NO = view->n_outcomes;
    if (!P->res_never && !(P->res_never = calloc((size_t)npg, sizeof *P->res_never)))
        return nt_fail(err, NT_ENOMEM, "out of memory");
    if (P->st->inference == 1 && !P->inf_never && !(P->inf_never = calloc((size_t)npg, sizeof *P->inf_never)))
        return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_dyn_opts o = *d;
    o.never = 1;
    o.pairs = NULL;
    o.on_start_month = NULL;
    nt_dyn_lin *lin = NULL;
    nt_status s = NT_OK;
    if (P->st->inference == 1 && (s = nt_dyn_lin_alloc(P->panel->n, o.horizon, NO, &lin, err))) return s;
    o.lin = lin;
    s = nt_dyn_estimate(view, units, nu, &o, &P->res_never[pg], err);
    if (!s && lin) {
        int *less = malloc((size_t)(NO ? NO : 1) * sizeof *less);
        if (!less) s = nt_fail(err, NT_ENOMEM, "out of memory");
        for (int oc = 0; oc < NO && less; oc++)
            less[oc] = oc < P->panel->n_outcomes && nt_series_less_is_better(nt_series_find(P->panel->outcome_name[oc]));
        nt_infer_opts io = {.B = NT_RUN_MULTIPLIER_DRAWS, .seed = nt_mix64(P->st->seed ^ 0x6e65766572u),
                            .level = nt_run_ci_level(P), .less_is_better = less};
        if (!s) s = nt_dyn_infer(lin, P->res_never[pg], &io, &P->inf_never[pg], err);
        if (!s && P->cb) s = nt_cost_benefit_collect_for(P, pg, 1, lin, err);   /* cost_benefit.csv's ATT_never rows */
        free(less);
    }
    nt_dyn_lin_free(lin);
    return s;
}

/* One (programme x subgroup, outcome) of the ATT_never run: its result and
   inference (NULL without the linearisation) into table t. */
typedef nt_status (*never_fn)(const nt_run_state *P, nt_table *t, int pg, int oc, const nt_dyn_result *r,
                              const nt_dyn_inference *f, nt_error *err);

/* fn for every programme x subgroup with an ATT_never result and outcome. */
static nt_status each_never(const nt_run_state *P, nt_table *t, never_fn fn, nt_error *err)
{
    if (!P->res_never) return NT_OK;
    for (int pg = 0; pg < P->n_prog * P->n_groups; pg++) {
        const nt_dyn_result *r = P->res_never[pg];
        const nt_dyn_inference *f = P->inf_never ? P->inf_never[pg] : NULL;
        for (int oc = 0; r && oc < P->panel->n_outcomes; oc++) {
            nt_status s = fn(P, t, pg, oc, r, f, err);
            if (s) return s;
        }
    }
    return NT_OK;
}

static nt_status effect_rows(const nt_run_state *P, nt_table *t, int pg, int oc, const nt_dyn_result *r,
                             const nt_dyn_inference *f, nt_error *err)
{
    int H = P->st->horizon;
    for (int tau = 0; tau < H; tau++) {
        double est = r->att[oc * H + tau];
        size_t k = (size_t)oc * H + (size_t)tau;
        int none = isnan(est) || !f;
        nt_effect_row row = {
            .program = nt_run_program(P, pg), .subgroup = nt_run_group(P, pg),
            .outcome = P->panel->outcome_name[oc], .month = tau, .estimand = "ATT_never",
            .method = nt_run_method(P), .estimate = est, .se = none ? NAN : f->se[k],
            .ci_lower = none ? NAN : f->lower[k], .ci_upper = none ? NAN : f->upper[k],
            .n_treated = r->n_treated[tau], .n_control = r->n_control,
            .n_treated_matched = r->n_treated_matched[tau], .n_control_used = r->n_control_used[tau]};
        if (nt_effects_table_add(t, &row)) return nt_fail(err, NT_ENOMEM, "out of memory");
        nt_table_set_num(t, "band_lower", none ? NAN : f->band_lower[k]);
        nt_table_set_num(t, "band_upper", none ? NAN : f->band_upper[k]);
        if (nt_run_effects_limits(P, t, r, oc, tau)) return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    return NT_OK;
}

nt_status nt_run_never_rows(const nt_run_state *P, nt_table *t, nt_error *err)
{
    return each_never(P, t, effect_rows, err);
}

/* The disclosure basis of a window of months 0..h-1: the smallest
   min(contributing treated, controls used) of its months with persons. */
static long window_basis(const nt_dyn_result *r, int h)
{
    long b = LONG_MAX;
    for (int tau = 0; tau < h; tau++) {
        long m = r->n_treated_matched[tau] < r->n_control_used[tau] ? r->n_treated_matched[tau] : r->n_control_used[tau];
        if (m < b) b = m;
    }
    return b;
}

long nt_run_never_window_basis(const nt_run_state *P, int pg, int h)
{
    return P->res_never && P->res_never[pg] ? window_basis(P->res_never[pg], h) : 0;
}

static nt_status summary_rows(const nt_run_state *P, nt_table *t, int pg, int oc, const nt_dyn_result *r,
                              const nt_dyn_inference *f, nt_error *err)
{
    int H = P->st->horizon;
    int less = nt_series_less_is_better(nt_series_find(P->panel->outcome_name[oc]));
    for (int hi = 0; hi < P->n_horizons; hi++) {
        int h = P->horizons[hi];
        nt_summary sm;
        nt_status s = nt_summary_compute(r->att + oc * H, NULL, 0, H, less, h, nt_run_ci_level(P), &sm, err);
        if (s) return s;
        if (nt_table_add_row(t)) return nt_fail(err, NT_ENOMEM, "out of memory");
        nt_table_set_str(t, "program", nt_run_program(P, pg));
        nt_table_set_str(t, "subgroup", nt_run_group(P, pg));
        nt_table_set_str(t, "outcome", P->panel->outcome_name[oc]);
        nt_table_set_int(t, "horizon_months", h);
        nt_table_set_str(t, "estimand", "ATT_never");
        nt_table_set_num(t, "cumulative_effect", sm.est.cumulative_effect);
        nt_table_set_num(t, "lockin_depth", sm.est.lockin_depth);
        nt_table_set_num(t, "lockin_months", sm.est.lockin_months);
        nt_table_set_num(t, "breakeven_month", sm.est.breakeven_month);
        nt_table_set_int(t, "n_treated", r->n_treated[0]);
        nt_table_set_int(t, "n_control", r->n_control);
        if (f && !isnan(sm.est.cumulative_effect)) {
            size_t k = (size_t)oc * H + (size_t)(h - 1);
            nt_table_set_num(t, "cumulative_se", f->cum_se[k]);
            nt_table_set_num(t, "cumulative_ci_lower", less ? -f->cum_upper[k] : f->cum_lower[k]);
            nt_table_set_num(t, "cumulative_ci_upper", less ? -f->cum_lower[k] : f->cum_upper[k]);
            if (h == H) {
                nt_table_set_num(t, "breakeven_ci_lower", f->breakeven_lower[oc]);
                nt_table_set_num(t, "breakeven_ci_upper", f->breakeven_upper[oc]);
            }
        }
        nt_table_limit_basis(t, window_basis(r, h), NT_WHY_WINDOW);
    }
    return NT_OK;
}

nt_status nt_run_never_summary_rows(const nt_run_state *P, nt_table *t, nt_error *err)
{
    return each_never(P, t, summary_rows, err);
}

void nt_run_never_free(nt_run_state *P)
{
    int npg = P->n_prog * P->n_groups;
    for (int i = 0; i < npg && P->res_never; i++) nt_dyn_result_free(P->res_never[i]);
    for (int i = 0; i < npg && P->inf_never; i++) nt_dyn_inference_free(P->inf_never[i]);
    free(P->res_never);
    free(P->inf_never);
    P->res_never = NULL;
    P->inf_never = NULL;
}
