/* placebo.csv (docs/credibility.md): the "effects" of each programme on
   months before inflow, which it cannot have caused.

   With [credibility] placebo = yes and linearised inference, for every
   programme and study group (the whole cohort and each [subgroups] level,
   on the group's persons and risk sets as the effects) the study's own
   estimate is repeated with the
   pre-inflow months of employed, earnings and on_benefit as outcomes
   (/prepanel of the store, data/nt_store_pre.c): the same propensity
   models, start months and matches, each treated person compared with its
   matched controls on month m before inflow, m in the window
   [placebo_first, placebo_last]. The estimator reads them as time-fixed
   outcomes (nt_dyn_panel.time_fixed: month tau of the window whatever the
   start month, never censored), so
     placebo(m) = sum_k pi_k sum_{i treated at k} (y_i(m) - sum_j W_ij y_j(m)) / N
   with the estimate's own pooling. The model must not use the months it is
   tested on: the window is cut to end before the earliest month a history
   covariate of the model reads (emp_prev24, ben_prev24: months -24..-1,
   so the window ends at -25; emp_prev12, earn_prev12: at -13), with a
   warning when that cuts it.

   Inference: the linearisation and multiplier bootstrap of the effects
   (estimators/nt_dyn_infer.h): pointwise intervals, the sup-t band over the
   window and the joint test of "no effect in any placebo month" (sup_p:
   the share of draws whose largest |deviation| / se reaches the
   estimate's). A rejection says that treated and matched controls already
   differed before inflow on something the model does not hold fixed
   (Heckman & Hotz 1989; Imbens & Wooldridge 2009, section 6.2).

   Disclosure (report/nt_disclose via nt_table): a month's row rests on its
   contributing treated and controls used (their pooled effective number
   and dominance of earnings, as effects.csv); the joint row on the
   smallest basis of its months (NT_WHY_WINDOW). */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_rng.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_run_cred.h"
#include "study/nt_run_parts.h"

static const char *const pre_series[NT_CRED_PRE_SERIES] = {"employed", "earnings", "on_benefit"};
static const nt_series pre_code[NT_CRED_PRE_SERIES] = {NT_SERIES_EMPLOYED, NT_SERIES_EARNINGS, NT_SERIES_ON_BENEFIT};

/* The last month before inflow the model's covariates leave alone: -25
   with a 24-month history covariate, -13 with a 12-month one, else -1. */
static int model_free_last(const nt_study *st, const char **by)
{
    int last = -1;
    *by = NULL;
    for (int k = 0; k < st->n_covariates; k++) {
        const char *c = st->covariates[k];
        int l = !strcmp(c, "emp_prev24") || !strcmp(c, "ben_prev24") ? -25
              : !strcmp(c, "emp_prev12") || !strcmp(c, "earn_prev12") ? -13 : -1;
        if (l < last) { last = l; *by = c; }
    }
    return last;
}

/* The window's series for every person: out[s][i * W + tau] = series s in
   month first + tau before inflow. */
static nt_status load_window(nt_run_state *P, int first, int W, float **out, nt_error *err)
{
    nt_store *st = P->store;
    long n = P->panel->n, block = nt_store_chunk_rows(st);
    int Pm = nt_store_pre_months(st);
    if (block < 1) block = 1;
    double *buf = malloc((size_t)block * (size_t)Pm * sizeof *buf);
    if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (int sr = 0; sr < NT_CRED_PRE_SERIES && !s; sr++)
        for (long f = 0; f < n && !s; f += block) {
            long m = n - f < block ? n - f : block;
            s = nt_store_read_pre_rows(st, f, m, pre_code[sr], buf, err);
            for (long i = 0; i < m && !s; i++)
                for (int tau = 0; tau < W; tau++)
                    out[sr][(size_t)(f + i) * W + tau] = (float)buf[(size_t)i * Pm + (first + Pm) + tau];
        }
    free(buf);
    return s;
}

/* The disclosure limits of month tau's row beyond its counts: the pooled
   effective number of controls and dominance of earnings (as effects.csv). */
static void month_limits(const nt_run_state *P, nt_table *t, const nt_dyn_result *r, int oc, int tau, double *pi,
                         double *w2, double *wmax)
{
    if (!r->k_control_used) return;
    long den = 0;
    for (int ki = 0; ki < r->n_k; ki++) {
        long c = r->k_skipped[ki] ? 0 : r->k_contrib[(long)ki * r->horizon + tau];
        pi[ki] = (double)c;
        den += c;
        w2[ki] = r->k_control_w2[(long)ki * r->horizon + tau];
        wmax[ki] = r->k_control_wmax[(long)ki * r->horizon + tau];
    }
    if (den <= 0) return;
    for (int ki = 0; ki < r->n_k; ki++) pi[ki] /= (double)den;
    nt_table_limit_basis(t, nt_disclose_pooled_controls(pi, w2, wmax, r->n_k), NT_WHY_PERSONS);
    if (strcmp(pre_series[oc], "earnings")) return;
    int H = r->horizon, NO = r->n_outcomes;
    double tt[3] = {0, 0, 0}, cc[3] = {0, 0, 0};
    for (int ki = 0; ki < r->n_k; ki++) {
        if (!(pi[ki] > 0)) continue;
        const double *d = r->k_dom + (((size_t)ki * NO + oc) * H + tau) * 6;
        tt[0] += d[0];
        for (int e = 1; e <= 2; e++) {
            if (d[e] > tt[1]) { tt[2] = tt[1]; tt[1] = d[e]; }
            else if (d[e] > tt[2]) tt[2] = d[e];
        }
        for (int e = 0; e < 3; e++) cc[e] += pi[ki] * d[3 + e];
    }
    double p1 = P->st->dominance_top1, p2 = P->st->dominance_top2;
    if (nt_disclose_dominated(tt[0], tt[1], tt[2], p1, p2) || nt_disclose_dominated(cc[0], cc[1], cc[2], p1, p2))
        nt_table_limit_basis(t, 0, NT_WHY_DOMINANCE);
}

static nt_table *placebo_table(void)
{
    static const char *cols[] = {"program", "subgroup", "outcome", "estimand", "month", "estimate", "se",
                                 "ci_lower", "ci_upper", "band_lower", "band_upper", "max_abs_t",
                                 "critical_value", "p_value", "n_treated_matched", "n_control_used"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY,
                                        NT_COL_MEAN, NT_COL_STAT, NT_COL_MEAN, NT_COL_MEAN, NT_COL_MEAN,
                                        NT_COL_MEAN, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT,
                                        NT_COL_COUNT};
    return nt_table_alloc(cols, kinds, 16);
}

/* The rows of one programme: every series, month by month, then the joint
   test; the values kept in C for the report. */
static nt_status add_rows(nt_run_state *P, nt_table *t, int pi, int g, const nt_dyn_result *r,
                          const nt_dyn_inference *f, int first, nt_cred_placebo *C, nt_error *err)
{
    int W = r->horizon;
    double *buf = malloc(3 * (size_t)(r->n_k > 0 ? r->n_k : 1) * sizeof *buf);
    if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int oc = 0; oc < NT_CRED_PRE_SERIES; oc++) {
        long window = LONG_MAX;
        double mx = 0;
        for (int tau = 0; tau < W; tau++) {
            size_t k = (size_t)oc * W + tau;
            double est = r->att[k], se = f->se[k];
            if (nt_table_add_row(t)) { free(buf); return nt_fail(err, NT_ENOMEM, "out of memory"); }
            nt_table_set_str(t, "program", P->st->programs[pi]);
            nt_table_set_str(t, "subgroup", P->group_label[g]);
            nt_table_set_str(t, "outcome", pre_series[oc]);
            nt_table_set_str(t, "estimand", "ATT");
            nt_table_set_int(t, "month", first + tau);
            nt_table_set_num(t, "estimate", est);
            nt_table_set_num(t, "se", isnan(est) ? NAN : se);
            nt_table_set_num(t, "ci_lower", isnan(est) ? NAN : f->lower[k]);
            nt_table_set_num(t, "ci_upper", isnan(est) ? NAN : f->upper[k]);
            nt_table_set_num(t, "band_lower", isnan(est) ? NAN : f->band_lower[k]);
            nt_table_set_num(t, "band_upper", isnan(est) ? NAN : f->band_upper[k]);
            nt_table_set_int(t, "n_treated_matched", r->n_treated_matched[tau]);
            nt_table_set_int(t, "n_control_used", r->n_control_used[tau]);
            nt_table_set_basis(t, nt_disclose_basis(r->n_treated_matched[tau], r->n_control_used[tau]));
            month_limits(P, t, r, oc, tau, buf, buf + r->n_k, buf + 2 * r->n_k);
            long b = nt_table_row_basis(t, nt_table_rows(t) - 1);
            if (!isnan(est) && b < window) window = b;
            if (!isnan(est) && se > 0 && fabs(est) / se > mx) mx = fabs(est) / se;
            C->estimate[k] = est;
            C->lower[k] = f->band_lower[k];
            C->upper[k] = f->band_upper[k];
            C->shown[k] = nt_disclose_stat(b, P->st->min_cell);
        }
        if (nt_table_add_row(t)) { free(buf); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        nt_table_set_str(t, "program", P->st->programs[pi]);
        nt_table_set_str(t, "subgroup", P->group_label[g]);
        nt_table_set_str(t, "outcome", pre_series[oc]);
        nt_table_set_str(t, "estimand", "joint");
        nt_table_set_num(t, "max_abs_t", mx);
        nt_table_set_num(t, "critical_value", f->crit[oc]);
        nt_table_set_num(t, "p_value", f->sup_p[oc]);
        nt_table_set_int(t, "n_treated_matched", r->n_treated_matched[0]);
        nt_table_set_int(t, "n_control_used", r->n_control_used[0]);
        nt_table_set_basis(t, window == LONG_MAX ? 0 : window);
        nt_table_limit_basis(t, window == LONG_MAX ? 0 : window, NT_WHY_WINDOW);
        C->p_value[oc] = nt_disclose_stat(window == LONG_MAX ? 0 : window, P->st->min_cell) ? f->sup_p[oc] : NAN;
    }
    free(buf);
    return NT_OK;
}

/* One programme's placebo estimate on the units of a group and its inference. */
static nt_status estimate_one(nt_run_state *P, int pi, const nt_dyn_panel *view, int W, const long *units, long nu,
                              nt_dyn_result **r, nt_dyn_inference **f, nt_error *err)
{
    nt_dyn_opts d;
    nt_run_dyn_opts(P, pi, 1, &d);
    d.horizon = W;
    nt_dyn_lin *lin = NULL;
    nt_status s = nt_dyn_lin_alloc(P->panel->n, W, NT_CRED_PRE_SERIES, &lin, err);
    d.lin = lin;
    if (!s) s = nt_dyn_estimate(view, units, nu, &d, r, err);
    if (!s) {
        nt_infer_opts io = {.B = NT_RUN_MULTIPLIER_DRAWS, .seed = nt_mix64(P->st->seed ^ 0x706c616365626fu),
                            .level = nt_run_ci_level(P)};
        s = nt_dyn_infer(lin, *r, &io, f, err);
    }
    nt_dyn_lin_free(lin);
    return s;
}

/* The window: the study's, cut to the store's pre-inflow months and to
   the months the model leaves alone; 0 if nothing is left. */
static int placebo_window(nt_run_state *P, int *first, int *last)
{
    const nt_study *st = P->st;
    int Pm = nt_store_pre_months(P->store);
    const char *by;
    int free_last = model_free_last(st, &by);
    *first = st->placebo_first < -Pm ? -Pm : st->placebo_first;
    *last = st->placebo_last > free_last ? free_last : st->placebo_last;
    char msg[600];
    if (Pm <= 0) {
        nt_run_warn(P, "placebo: the store keeps no pre-inflow months (written by an older netto); ingest the "
                       "spell files again for placebo.csv");
        return 0;
    }
    if (*first > *last) {
        snprintf(msg, sizeof msg, "placebo: no month of %d..%d is left (the store keeps %d months before inflow; "
                 "the model reads months %d..-1 through %s); no placebo.csv", st->placebo_first, st->placebo_last,
                 Pm, free_last + 1, by ? by : "its history");
        nt_run_warn(P, msg);
        return 0;
    }
    if (*last < st->placebo_last) {
        snprintf(msg, sizeof msg, "placebo: months %d..%d tested, not %d..%d: the model reads months %d..-1 through %s",
                 *first, *last, st->placebo_first, st->placebo_last, free_last + 1, by);
        nt_run_warn(P, msg);
    }
    return 1;
}

nt_status nt_run_placebo(nt_run_state *P, nt_error *err)
{
    const nt_study *st = P->st;
    if (!st->placebo) return NT_OK;
    if (st->inference != 1) {
        nt_run_warn(P, "placebo: needs [inference] method = linearised; no placebo.csv");
        return NT_OK;
    }
    int first, last;
    if (!placebo_window(P, &first, &last)) return NT_OK;
    int W = last - first + 1;
    size_t cells = (size_t)P->panel->n * (size_t)W;
    float *y[NT_CRED_PRE_SERIES] = {NULL, NULL, NULL};
    nt_status s = NT_OK;
    for (int sr = 0; sr < NT_CRED_PRE_SERIES; sr++)
        if (!(y[sr] = malloc((cells ? cells : 1) * sizeof(float)))) s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = load_window(P, first, W, y, err);
    nt_dyn_panel view = P->view;
    view.months = W;
    view.n_outcomes = NT_CRED_PRE_SERIES;
    view.outcome = (const float *const *)y;
    view.time_fixed = 1;
    nt_table *t = s ? NULL : placebo_table();
    if (!s && !t) s = nt_fail(err, NT_ENOMEM, "out of memory");
    nt_cred_state *C = s ? NULL : nt_run_cred(P, err);
    if (!s && !C) s = NT_ENOMEM;
    if (!s) {
        C->placebo_first = first;
        C->placebo_months = W;
    }
    long *units = s ? NULL : malloc((size_t)(P->n_included ? P->n_included : 1) * sizeof *units);
    if (!s && !units) s = nt_fail(err, NT_ENOMEM, "out of memory");
    for (int pi = 0; pi < P->n_prog && !s; pi++)
        for (int g = 0; g < P->n_groups && !s; g++) {
            /* every study group; the whole cohort's path is kept for the report's figure */
            nt_dyn_panel gv;
            const nt_dyn_panel *base = nt_run_group_view(P, g, &gv);
            nt_dyn_panel pv = view;
            pv.on_index = base->on_index;
            long nu = 0;
            for (long i = 0; i < P->n_included; i++)
                if (P->member[g][P->included[i]]) units[nu++] = P->included[i];
            nt_dyn_result *r = NULL;
            nt_dyn_inference *f = NULL;
            nt_cred_placebo scratch = {0}, *cp = g == 0 ? &C->placebo[pi] : &scratch;
            s = estimate_one(P, pi, &pv, W, units, nu, &r, &f, err);
            if (!s) s = nt_cred_placebo_alloc(cp, W, err);
            if (!s) s = add_rows(P, t, pi, g, r, f, first, cp, err);
            nt_dyn_result_free(r);
            nt_dyn_inference_free(f);
            free(scratch.estimate);
            free(scratch.lower);
            free(scratch.upper);
            free(scratch.shown);
        }
    free(units);
    if (!s) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "placebo.csv");
        nt_table_set_round(t, st->round);
        nt_table_set_margin(t, "subgroup", NULL);
        if (P->group_rel) nt_table_set_groups(t, (const char *const *)P->group_label, P->group_rel, P->n_groups);
        s = nt_table_write_csv(t, path, st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "placebo.csv", t, err);
    }
    nt_table_free(t);
    for (int sr = 0; sr < NT_CRED_PRE_SERIES; sr++) free(y[sr]);
    return s;
}
