/* The report's figures (nt_report_priv.h): per programme the monthly and
   cumulative effect of every outcome; all programmes together; "for
   whom" forest plots; propensity-score overlap and balance. Each states
   the number of participants and the kind of its intervals. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>

#include "report/nt_report_priv.h"

#define FIG_W 500.0
#define ROW_H 165.0
#define HEAD_H 30.0
#define FOOT_H 16.0

static const char *word(const nt_report *r, nt_word w) { return nt_lang_word(r->lang, w); }

static void n_text(const nt_report *r, int prog, char *buf, size_t size)
{
    char n[64];
    nt_report_fmt(r, &r->n_treated[prog * r->n_groups], 1, 0, n, sizeof n);
    snprintf(buf, size, word(r, NT_W_N_STATED), n);
}

static void footer(nt_plot_canvas *cv, const nt_report *r, int band, double w, double h)
{
    char buf[600];
    nt_report_interval_text(r, band, buf, sizeof buf);
    cairo_set_source_rgb(cv->cr, 0.4, 0.4, 0.4);
    nt_plot_text(cv, buf, 6, h - 5, 7, 0, 0);
    (void)w;
}

static void effects(nt_plot_canvas *cv, const nt_fig *f, double w, double h)
{
    const nt_report *r = f->r;
    double rgb[3], grey[3] = {0.2, 0.2, 0.2};
    nt_plot_colour(0, rgb);
    char buf[600], note[300];
    double lx = nt_plot_legend(cv, 6, 12, 0, rgb, 1, word(r, NT_W_MONTHLY));
    snprintf(buf, sizeof buf, word(r, NT_W_POINTWISE), 100 * r->ci_level);
    if (r->interval_kind) lx = nt_plot_legend(cv, lx, 12, 1, rgb, 0.24, buf);
    snprintf(buf, sizeof buf, word(r, NT_W_SIMULTANEOUS), 100 * r->ci_level);
    if (r->interval_kind == 3) lx = nt_plot_legend(cv, lx, 12, 2, rgb, 1, buf);
    nt_plot_legend(cv, lx, 12, 2, (double[3]){0.75, 0.22, 0.17}, 1, word(r, NT_W_BREAKEVEN_LC));
    n_text(r, f->prog, buf, sizeof buf);
    cairo_set_source_rgb(cv->cr, grey[0], grey[1], grey[2]);
    nt_plot_text(cv, buf, w - 6, 26, 7.5, 1, 1);
    for (int oc = 0; oc < r->n_outcomes; oc++) {
        const nt_report_path *p = nt_report_path_of(r, f->prog, 0, oc);
        double scale;
        const char *monthly = nt_lang_series(r->lang, r->outcome[oc], 0, &scale);
        nt_plot_series s = {p->est, p->lower, p->upper, p->band_lower, p->band_upper, {rgb[0], rgb[1], rgb[2]}};
        nt_plot_paths m = {monthly, word(r, NT_W_MONTHS_SINCE), NULL, scale, r->horizon, 1, &s, NAN, NULL};
        double y = HEAD_H + oc * ROW_H;
        nt_plot_draw_paths(cv, 0, y, w / 2, ROW_H, &m);
        nt_plot_series c = {p->cum, p->cum_lower, p->cum_upper, NULL, NULL, {rgb[0], rgb[1], rgb[2]}};
        nt_report_breakeven_text(r, &p->breakeven, p->breakeven_net, note, sizeof note);
        nt_plot_paths cm = {nt_lang_series(r->lang, r->outcome[oc], 1, NULL), word(r, NT_W_MONTHS_SINCE), NULL, 1,
                            r->horizon, 1, &c, p->breakeven.hidden || isnan(p->breakeven.est) ? NAN : p->breakeven.est,
                            note};
        nt_plot_draw_paths(cv, w / 2, y, w / 2, ROW_H, &cm);
    }
    footer(cv, r, 1, w, h);
}

static void all_programmes(nt_plot_canvas *cv, const nt_fig *f, double w, double h)
{
    const nt_report *r = f->r;
    nt_plot_series s[16];
    int np = r->n_programs < 16 ? r->n_programs : 16;
    for (int i = 0; i < np; i++) {  /* the legend: three programmes a line */
        char lab[300], n[64];
        nt_plot_colour(i, s[i].rgb);
        nt_report_fmt(r, &r->n_treated[i * r->n_groups], 1, 0, n, sizeof n);
        snprintf(lab, sizeof lab, "%s (n = %s)", r->program[i].name, n);
        nt_plot_legend(cv, 6 + (i % 3) * (w / 3), 10 + 12 * (i / 3), 0, s[i].rgb, 1, lab);
    }
    for (int oc = 0; oc < r->n_outcomes; oc++) {
        double scale = 1;
        for (int i = 0; i < np; i++) {
            const nt_report_path *p = nt_report_path_of(r, i, 0, oc);
            s[i].y = f->cumulative ? p->cum : p->est;
            s[i].lower = s[i].upper = NULL;   /* intervals: each programme's own figure */
            s[i].band_lower = s[i].band_upper = NULL;
        }
        const char *title = nt_lang_series(r->lang, r->outcome[oc], f->cumulative ? 1 : 0, &scale);
        nt_plot_paths m = {title, word(r, NT_W_MONTHS_SINCE), NULL, f->cumulative ? 1 : scale, r->horizon, np, s, NAN, NULL};
        nt_plot_draw_paths(cv, 0, HEAD_H + 12 * ((np - 1) / 3) + oc * ROW_H, w, ROW_H, &m);
    }
    char kind[600], buf[800];
    nt_report_interval_text(r, 0, kind, sizeof kind);
    snprintf(buf, sizeof buf, word(r, NT_W_LINES_ONLY), kind);
    cairo_set_source_rgb(cv->cr, 0.4, 0.4, 0.4);
    nt_plot_text(cv, buf, 6, h - 5, 7, 0, 0);
}

/* Rows of a forest plot: programme by programme, the variable's groups. */
static int forest_rows(const nt_fig *f, nt_plot_row *rows, char (*label)[320], char (*text)[320], int max)
{
    const nt_report *r = f->r;
    const nt_report_variable *v = &r->variable[f->variable];
    int n = 0, h = r->n_horizons - 1;
    for (int pi = 0; pi < r->n_programs; pi++)
        for (int j = 0; j < v->count && n < max; j++, n++) {
            int g = v->first + j;
            const nt_report_path *p = nt_report_path_of(r, pi, g, f->outcome);
            const nt_report_value *c = &p->cum_at[h];
            char e[64], ci[128], nn[64];
            nt_report_fmt(r, c, 1, 1, e, sizeof e);
            nt_report_fmt_ci(r, c, 1, 1, ci, sizeof ci);
            nt_report_fmt(r, &r->n_treated[pi * r->n_groups + g], 1, 0, nn, sizeof nn);
            snprintf(label[n], 320, "%s: %s", r->program[pi].name, nt_report_group_text(r, g));
            if (c->hidden) snprintf(text[n], 320, "x  (n = %s)", nn);
            else snprintf(text[n], 320, "%s %s  (n = %s)", e, ci, nn);
            rows[n] = (nt_plot_row){label[n], text[n], c->hidden ? NAN : c->est, c->hidden ? NAN : c->lower,
                                    c->hidden ? NAN : c->upper, {0, 0, 0}};
            nt_plot_colour(pi, rows[n].rgb);
        }
    return n;
}

static void forest(nt_plot_canvas *cv, const nt_fig *f, double w, double h)
{
    enum { MAX = 96 };
    nt_plot_row rows[MAX];
    char label[MAX][320], text[MAX][320], xl[300];
    int n = forest_rows(f, rows, label, text, MAX);
    snprintf(xl, sizeof xl, "%s", nt_lang_series(f->r->lang, f->r->outcome[f->outcome], 1, NULL));
    char title[300];
    snprintf(title, sizeof title, word(f->r, NT_W_CUM_HORIZON), f->r->horizon);
    cairo_set_source_rgb(cv->cr, 0.1, 0.1, 0.1);
    nt_plot_text(cv, title, 6, 10, 8.5, 1, 0);
    nt_plot_draw_forest(cv, 0, 16, w, h - 16 - FOOT_H, xl, rows, n);
    footer(cv, f->r, 0, w, h);
}

static void overlap(nt_plot_canvas *cv, const nt_fig *f, double w, double h)
{
    const nt_report *r = f->r;
    const nt_report_program *P = &r->program[f->prog];
    char n[200];
    n_text(r, f->prog, n, sizeof n);
    nt_plot_draw_mirror(cv, 0, 0, w, h - FOOT_H, word(r, NT_W_OVERLAP_X), word(r, NT_W_OVERLAP_Y), P->share_treated,
                        P->share_control, P->n_bins, P->score_lo, P->score_width, word(r, NT_W_PARTICIPANTS_LC),
                        word(r, NT_W_CONTROLS));
    cairo_set_source_rgb(cv->cr, 0.2, 0.2, 0.2);
    nt_plot_text(cv, n, w - 6, 12, 7.5, 1, 1);
}

static void love(nt_plot_canvas *cv, const nt_fig *f, double w, double h)
{
    const nt_report *r = f->r;
    const nt_report_program *P = &r->program[f->prog];
    enum { MAX = 128 };
    const char *lab[MAX];
    double before[MAX], after[MAX];
    int n = P->n_bal < MAX ? P->n_bal : MAX;
    for (int i = 0; i < n; i++) {
        lab[i] = P->bal[i].term;
        before[i] = P->bal[i].smd_before;
        after[i] = P->bal[i].smd_after;
    }
    char nbuf[200], xl[300];
    snprintf(xl, sizeof xl, "|%s|", word(r, NT_W_BALANCE_X));
    nt_plot_draw_love(cv, 0, 0, w, h - FOOT_H, xl, lab, before, after, n, word(r, NT_W_BEFORE),
                      word(r, NT_W_AFTER_MATCHING));
    n_text(r, f->prog, nbuf, sizeof nbuf);
    cairo_set_source_rgb(cv->cr, 0.2, 0.2, 0.2);
    nt_plot_text(cv, nbuf, w - 6, 12, 7.5, 1, 1);
}

void nt_report_fig_draw(nt_plot_canvas *cv, double w, double h, const void *fig)
{
    const nt_fig *f = fig;
    switch (f->kind) {
    case NT_FIG_EFFECTS: effects(cv, f, w, h); break;
    case NT_FIG_ALL: all_programmes(cv, f, w, h); break;
    case NT_FIG_FOREST: forest(cv, f, w, h); break;
    case NT_FIG_OVERLAP: overlap(cv, f, w, h); break;
    case NT_FIG_LOVE: love(cv, f, w, h); break;
    }
}

void nt_report_fig_size(const nt_fig *f, double *w, double *h)
{
    const nt_report *r = f->r;
    *w = FIG_W;
    switch (f->kind) {
    case NT_FIG_EFFECTS: *h = HEAD_H + r->n_outcomes * ROW_H + FOOT_H; break;
    case NT_FIG_ALL: *h = HEAD_H + 12 * (((r->n_programs < 16 ? r->n_programs : 16) - 1) / 3) + r->n_outcomes * ROW_H + FOOT_H; break;
    case NT_FIG_FOREST: {
        int rows = r->n_programs * r->variable[f->variable].count;
        *h = 16 + 12 + (rows < 96 ? rows : 96) * 15.0 + 32 + FOOT_H;
        break;
    }
    case NT_FIG_OVERLAP: *h = 200 + FOOT_H; break;
    case NT_FIG_LOVE: *h = 24 + r->program[f->prog].n_bal * 12.5 + 32 + FOOT_H; break;
    }
}
