/* The post-estimation values of every (programme, subgroup, outcome) path,
   computed once by estimators/nt_summary.h and kept in P->path, so that the
   tables (nt_run_tables.c) and the report (nt_run_report.c) show the same
   numbers:
     se, lower, upper   per month, ATT and ATT_fixed: the linearised
                        inference's ([inference] method = linearised,
                        estimators/nt_dyn_infer.h, with the sup-t band in
                        band_lower/upper), the bootstrap's
                        (nt_summary_months) or, without one, the analytic
                        pooled Abadie-Imbens SE for nn (nt_summary_pooled);
     cum, cum_lower/upper  the cumulative path and its band
                        (nt_summary_cumulative), for the cumulative plot;
     fig[h]             the summary figures at each horizon
                        (nt_summary_compute): cumulative effect, lock-in,
                        break-even, with their bootstrap intervals;
     net_benefit[h]     the society's undiscounted net benefit of the
                        programme (earnings effect - incremental cost,
                        study/nt_cost_benefit.h), on the earnings row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_series.h"
#include "study/nt_cost_benefit.h"
#include "study/nt_run_parts.h"

static void set_horizons(nt_run_state *P)
{
    int H = P->st->horizon, want[NT_RUN_MAX_HORIZONS] = {12, 24, 36, 60, H};
    P->n_horizons = 0;
    for (int i = 0; i < NT_RUN_MAX_HORIZONS; i++) {
        int dup = 0;
        for (int j = 0; j < P->n_horizons; j++) dup |= P->horizons[j] == want[i];
        if (want[i] <= H && !dup) P->horizons[P->n_horizons++] = want[i];
    }
}

/* Replicates of the full bootstrap (none with linearised inference). */
static int replicates(const nt_run_state *P) { return P->inf ? 0 : P->st->bootstrap; }

/* Per-month SE and interval of one estimand (fixed 0: ATT, 1: ATT_fixed). */
static nt_status months(const nt_run_state *P, int pg, int oc, int fixed, nt_run_path *p, nt_error *err)
{
    const nt_dyn_result *r = P->res[pg];
    int H = P->st->horizon, B = replicates(P);
    double ci = nt_run_ci_level(P);
    double *se = p->se + fixed * H, *lo = p->lower + fixed * H, *hi = p->upper + fixed * H;
    for (int tau = 0; tau < H; tau++) p->band_lower[fixed * H + tau] = p->band_upper[fixed * H + tau] = NAN;
    if (P->inf) {
        const nt_dyn_inference *f = P->inf[pg];
        size_t base = (size_t)(fixed * r->n_outcomes + oc) * H;
        memcpy(se, f->se + base, (size_t)H * sizeof *se);
        memcpy(lo, f->lower + base, (size_t)H * sizeof *lo);
        memcpy(hi, f->upper + base, (size_t)H * sizeof *hi);
        memcpy(p->band_lower + fixed * H, f->band_lower + base, (size_t)H * sizeof *lo);
        memcpy(p->band_upper + fixed * H, f->band_upper + base, (size_t)H * sizeof *hi);
        return NT_OK;
    }
    if (B > 0) {
        const double *reps = (fixed ? P->reps_fixed[pg] : P->reps[pg]) + (size_t)oc * B * H;
        return nt_summary_months(reps, B, H, ci, se, lo, hi, err);
    }
    int *use = malloc((size_t)(r->n_k ? r->n_k : 1) * sizeof *use);
    if (!use) return nt_fail(err, NT_ENOMEM, "out of memory");
    const nt_dyn_result *rk = fixed && r->fx ? r->fx : r;   /* ATT_fixed's start months: its own (nt_dyn_fixed.c) */
    for (int k = 0; k < r->n_k; k++) use[k] = !r->k_skipped[k];
    nt_status s = nt_summary_pooled((fixed ? r->att_fixed : r->att) + oc * H, rk->k_contrib, rk->k_se + (long)oc * H,
                                    (long)r->n_outcomes * H, use, r->n_k, H, ci, se, lo, hi, err);
    free(use);
    return s;
}

/* Linearised inference: the summary figures' intervals at horizon h from
   the multiplier bootstrap (the cumulative effect at every horizon; lock-in
   and break-even over the whole horizon only). */
static void figures_linearised(const nt_dyn_inference *f, int oc, int H, int h, int less, nt_summary *sm)
{
    size_t k = (size_t)oc * H + (size_t)(h - 1);
    double sg = less ? -1 : 1;
    sm->n_reps_used = f->B;
    sm->cumulative_se = f->cum_se[k];
    sm->cumulative_lower = sg > 0 ? f->cum_lower[k] : -f->cum_upper[k];
    sm->cumulative_upper = sg > 0 ? f->cum_upper[k] : -f->cum_lower[k];
    if (h != H) return;
    sm->lockin_depth_lower = f->lockin_depth_lower[oc];
    sm->lockin_depth_upper = f->lockin_depth_upper[oc];
    sm->breakeven_lower = f->breakeven_lower[oc];
    sm->breakeven_upper = f->breakeven_upper[oc];
}

/* Lock-in month and band break-even at summary horizon h (index hi). */
static void months_of(const nt_run_state *P, int pg, int oc, int hi, int less, nt_run_path *p)
{
    int H = P->st->horizon, hh = P->horizons[hi], arg = -1, SF = P->st->summary_fixed;
    const double *att = (SF ? P->res[pg]->att_fixed : P->res[pg]->att) + oc * H;
    int s = SF * P->res[pg]->n_outcomes + oc;   /* the inference's series */
    double sg = less ? -1 : 1;
    for (int tau = 0; tau < hh; tau++)
        if (!isnan(att[tau]) && (arg < 0 || sg * att[tau] < sg * att[arg])) arg = tau;
    p->lockin_month[hi] = arg >= 0 && sg * att[arg] < 0 ? arg : NAN;
    p->lockin_month_lower[hi] = p->lockin_month_upper[hi] = p->breakeven_band[hi] = NAN;
    if (!P->inf) return;
    const nt_dyn_inference *f = P->inf[pg];
    if (hh == H) {
        p->lockin_month_lower[hi] = f->lockin_month_lower[s];
        p->lockin_month_upper[hi] = f->lockin_month_upper[s];
    }
    for (int tau = hh - 1; tau >= 0; tau--) {
        size_t k = (size_t)s * H + tau;
        double lo = less ? -f->cum_band_upper[k] : f->cum_band_lower[k];
        if (!(lo > 0)) break;
        p->breakeven_band[hi] = tau;
    }
}

static nt_status figures(const nt_run_state *P, int pg, int oc, int earn, nt_run_path *p, nt_error *err)
{
    const nt_dyn_result *r = P->res[pg];
    int H = P->st->horizon, B = replicates(P), SF = P->st->summary_fixed;   /* [summary] estimand */
    double ci = nt_run_ci_level(P);
    const double *reps = B > 0 ? (SF ? P->reps_fixed : P->reps)[pg] + (size_t)oc * B * H : NULL;
    const double *att = (SF ? r->att_fixed : r->att) + oc * H;
    int less = nt_series_less_is_better(nt_series_find(P->panel->outcome_name[oc]));
    nt_status s = nt_summary_cumulative(att, reps, B, H, less, ci, p->cum, p->cum_lower, p->cum_upper, err);
    for (int tau = 0; tau < H && P->inf; tau++) {
        const nt_dyn_inference *f = P->inf[pg];
        size_t k = ((size_t)SF * r->n_outcomes + oc) * H + tau;
        p->cum_lower[tau] = less ? -f->cum_upper[k] : f->cum_lower[k];
        p->cum_upper[tau] = less ? -f->cum_lower[k] : f->cum_upper[k];
    }
    for (int h = 0; h < P->n_horizons && !s; h++) {
        s = nt_summary_compute(att, reps, B, H, less, P->horizons[h], ci, &p->fig[h], err);
        if (!s && P->inf) figures_linearised(P->inf[pg], SF * r->n_outcomes + oc, H, P->horizons[h], less, &p->fig[h]);
        months_of(P, pg, oc, h, less, p);
        /* The society's undiscounted net benefit (study/nt_cost_benefit.h),
           once per programme and subgroup: on the earnings row only. */
        p->net_benefit[h] = p->net_benefit_se[h] = NAN;
        if (oc == earn) p->net_benefit[h] = nt_cost_benefit_net(P, pg, h, &p->net_benefit_se[h]);
    }
    return s;
}

nt_status nt_run_paths_compute(nt_run_state *P, nt_error *err)
{
    int H = P->st->horizon, NO = P->panel->n_outcomes, npg = P->n_prog * P->n_groups;
    set_horizons(P);
    nt_status s = nt_cost_benefit_compute(P, err);
    if (s) return s;
    int earn = -1;
    for (int oc = 0; oc < NO; oc++)
        if (!strcmp(P->panel->outcome_name[oc], "earnings")) earn = oc;
    P->path = calloc((size_t)npg * (size_t)NO, sizeof *P->path);
    if (!P->path) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int pg = 0; pg < npg && !s; pg++)
        for (int oc = 0; oc < NO && !s; oc++) {
            nt_run_path *p = &P->path[(size_t)pg * NO + oc];
            double *buf = malloc((size_t)H * 13 * sizeof *buf);
            if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
            p->se = buf;
            p->lower = buf + 2 * H;
            p->upper = buf + 4 * H;
            p->cum = buf + 6 * H;
            p->cum_lower = buf + 7 * H;
            p->cum_upper = buf + 8 * H;
            p->band_lower = buf + 9 * H;
            p->band_upper = buf + 11 * H;
            for (int fixed = 0; fixed <= 1 && !s; fixed++) s = months(P, pg, oc, fixed, p, err);
            if (!s) s = figures(P, pg, oc, earn, p, err);
        }
    return s;
}

void nt_run_paths_free(nt_run_state *P)
{
    if (!P->path) return;
    for (long i = 0; i < (long)P->n_prog * P->n_groups * P->panel->n_outcomes; i++) {
        free(P->path[i].se);
        free(P->path[i].hidden);
        free(P->path[i].mbasis);
    }
    free(P->path);
    P->path = NULL;
}
