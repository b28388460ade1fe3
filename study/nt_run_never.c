/* [estimator] never = yes: the estimand ATT_never ("now vs never within the
   horizon", docs/dynamic.md) beside ATT. A second run of the dynamic
   estimator with the main run's options and units and opts.never = 1
   (estimators/nt_dyn_ipcw.c: controls censored at their own later
   programme start and weighted by the inverse of their probability of
   staying without one), with its own linearisation and multiplier
   bootstrap ([inference] method = linearised; with the full bootstrap the
   ATT_never rows have no se and interval). Its rows go at the end of
   effects.csv, with the same columns and disclosure rule as the ATT rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"
#include "core/nt_series.h"
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
        free(less);
    }
    nt_dyn_lin_free(lin);
    return s;
}

nt_status nt_run_never_rows(const nt_run_state *P, nt_table *t, nt_error *err)
{
    if (!P->res_never) return NT_OK;
    int H = P->st->horizon, NO = P->panel->n_outcomes;
    for (int pg = 0; pg < P->n_prog * P->n_groups; pg++) {
        const nt_dyn_result *r = P->res_never[pg];
        const nt_dyn_inference *f = P->inf_never ? P->inf_never[pg] : NULL;
        if (!r) continue;
        for (int oc = 0; oc < NO; oc++)
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
    }
    return NT_OK;
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
