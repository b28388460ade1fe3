/* The plots of `netto run`, per programme x subgroup x outcome (see
   report/nt_plot.h and docs/results.md): the monthly ATT with its band, and
   the cumulative path with the break-even month. The numbers are those of
   the tables (P->res and P->path, nt_run_paths.c); what may be drawn is
   report/nt_disclose's decision, taken in the tables:
     a month of the ATT and its band: drawn when effects.csv shows it;
     C(tau) and its band: the window 0..tau (summary.csv at horizon tau+1);
     the break-even month: the window 0..horizon-1 (summary.csv's
     breakeven_month at the horizon), so both state the same; on the
     earnings plot the net break-even (cost_benefit.csv: society,
     undiscounted, the whole horizon) when the incremental cost is known. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_disclose.h"
#include "report/nt_plot.h"
#include "study/nt_cost_benefit.h"
#include "study/nt_run_parts.h"

void nt_run_axis_label(const char *series, int cumulative, char *buf, size_t size, double *scale)
{
    static const struct {
        const char *series, *effect, *cumulative;
        double scale;
    } t[] = {
        {"employed", "Effect on the employment rate (percentage points)",
         "Cumulative effect (months employed)", 100},
        {"earnings", "Effect on monthly earnings (euros)", "Cumulative effect on earnings (euros)", 1},
        {"on_benefit", "Effect on benefit receipt (percentage points)",
         "Cumulative months on benefit saved", 100},
        {"on_index_benefit", "Effect on receipt of the index benefit (percentage points)",
         "Cumulative months on the index benefit saved", 100},
        {"in_program", "Effect on programme participation (percentage points)",
         "Cumulative effect (months in a programme)", 100},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if (strcmp(t[i].series, series)) continue;
        snprintf(buf, size, "%s", cumulative ? t[i].cumulative : t[i].effect);
        if (scale) *scale = cumulative ? 1 : t[i].scale;
        return;
    }
    snprintf(buf, size, "%s", series);
    if (scale) *scale = 1;
}

/* What the cumulative plot states about break-even at the horizon, and
   where its line goes (NaN: no line). */
static void breakeven_note(const nt_run_state *P, int pg, int oc, char *buf, size_t size, double *marker)
{
    int H = P->st->horizon, h = P->n_horizons - 1; /* the last summary horizon is H */
    double be = P->path[(size_t)pg * P->panel->n_outcomes + oc].fig[h].est.breakeven_month;
    /* Earnings: the net break-even (cost_benefit.csv, society, undiscounted),
       when the incremental cost is known, not the cumulative's crossing. */
    int net = 0;
    if (!strcmp(P->panel->outcome_name[oc], "earnings")) {
        double nb = nt_cost_benefit_breakeven(P, pg, &net);
        if (net) be = nb;
    }
    const char *what = net ? "net break-even" : "break-even";
    *marker = NAN;
    if (!nt_disclose_stat(nt_run_window_basis(P, pg, oc, H), P->st->min_cell))
        snprintf(buf, size, "%s not shown (disclosure control, min_cell %ld)", what, P->st->min_cell);
    else if (isnan(be))
        snprintf(buf, size, "no %s within %d months", what, H);
    else {
        snprintf(buf, size, "%s: month %d", what, (int)be);
        *marker = be;
    }
}

/* The plots' file names: <kind>_<programme>_<subgroup or all>_<series>.png/.pdf */
static void plot_paths(const char *dir, const char *kind, const char *base, char *png, char *pdf, size_t size)
{
    char name[800];
    snprintf(name, sizeof name, "%s_%s.png", kind, base);
    nt_path_join(png, size, dir, name);
    snprintf(name, sizeof name, "%s_%s.pdf", kind, base);
    nt_path_join(pdf, size, dir, name);
}

/* Records a plot's two files for export/. */
static nt_status add_files(nt_run_state *P, const char *kind, const char *base, nt_error *err)
{
    char rel[900];
    snprintf(rel, sizeof rel, "plots/%s_%s.png", kind, base);
    nt_status s = nt_run_file_add(P, rel, err);
    snprintf(rel, sizeof rel, "plots/%s_%s.pdf", kind, base);
    return s ? s : nt_run_file_add(P, rel, err);
}

/* Both plots of one path; buf: 6 x H scratch. */
static nt_status plot_path(nt_run_state *P, const char *dir, int pg, int oc, double *buf, nt_error *err)
{
    int H = P->st->horizon, B = P->inf ? NT_RUN_MULTIPLIER_DRAWS : P->st->bootstrap;  /* draws behind the band */
    const nt_dyn_result *r = P->res[pg];
    const nt_run_path *p = &P->path[(size_t)pg * P->panel->n_outcomes + oc];
    const char *prog = nt_run_program(P, pg), *group = nt_run_group(P, pg);
    const char *series = P->panel->outcome_name[oc];
    double *att = buf, *lo = buf + H, *hi = buf + 2 * H, *cum = buf + 3 * H, *clo = buf + 4 * H, *chi = buf + 5 * H;
    const unsigned char *hid = p->hidden; /* the months effects.csv suppresses */
    nt_disclose_path(r->att + oc * H, hid, H, 0, att);
    nt_disclose_path(p->lower, hid, H, 0, lo);
    nt_disclose_path(p->upper, hid, H, 0, hi);
    nt_disclose_path(p->cum, hid, H, 1, cum);
    nt_disclose_path(p->cum_lower, hid, H, 1, clo);
    nt_disclose_path(p->cum_upper, hid, H, 1, chi);

    char title[600], sub[300], ylab[200], base[700], png[5200], pdf[5200], note[200];
    double scale, marker;
    snprintf(title, sizeof title, "%s: %s%s%s", P->st->name, prog, group[0] ? ", " : "", group);
    snprintf(sub, sizeof sub, "ATT by month since programme start, %s%s", nt_run_method(P),
             B > 0 ? "" : " (no bootstrap: no confidence band)");
    snprintf(base, sizeof base, "%s_%s_%s", prog, group[0] ? group : "all", series);
    for (char *c = base; *c; c++)
        if (*c == '=' || *c == ' ' || *c == '/' || *c == ',') *c = '_';
    nt_run_axis_label(series, 0, ylab, sizeof ylab, &scale);
    nt_plot_opts po = {.title = title, .subtitle = sub, .y_label = ylab, .y_scale = scale, .ci_level = nt_run_ci_level(P),
                       .on_text = P->o->on_plot_text, .on_text_ctx = P->o->on_plot_text_ctx};
    plot_paths(dir, "effect", base, png, pdf, sizeof png);
    nt_status s = nt_plot_effect(png, pdf, att, B > 0 ? lo : NULL, B > 0 ? hi : NULL, H, &po, err);
    if (!s) s = add_files(P, "effect", base, err);
    if (s) return s;
    nt_run_axis_label(series, 1, ylab, sizeof ylab, &scale);
    snprintf(sub, sizeof sub, "Cumulative ATT since programme start, %s", nt_run_method(P));
    po.y_scale = scale;
    plot_paths(dir, "cumulative", base, png, pdf, sizeof png);
    breakeven_note(P, pg, oc, note, sizeof note, &marker);
    s = nt_plot_cumulative(png, pdf, cum, B > 0 ? clo : NULL, B > 0 ? chi : NULL, H, marker, note, &po, err);
    return s ? s : add_files(P, "cumulative", base, err);
}

nt_status nt_run_plots_write(nt_run_state *P, nt_error *err)
{
    char dir[4300];
    nt_path_join(dir, sizeof dir, P->out, "plots");
    nt_status s = nt_mkdirs(dir, err);
    double *buf = malloc((size_t)P->st->horizon * 6 * sizeof *buf);
    if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int pg = 0; pg < P->n_prog * P->n_groups && !s; pg++)
        for (int oc = 0; oc < P->panel->n_outcomes && !s; oc++) s = plot_path(P, dir, pg, oc, buf, err);
    free(buf);
    return s;
}
