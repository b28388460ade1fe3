/* The section "Matching and timing-of-events" (see nt_report_toe.h). */
#include "report/nt_report_toe.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>

#include "report/nt_report_priv.h"

static const int cum_months[NT_REPORT_TOE_CUMS] = {12, 36, 96};

#define FIG_W 500.0
#define FIG_H 210.0
#define HEAD_H 26.0

/* Both estimators' monthly (left) and cumulative (right) paths. */
static void draw(nt_plot_canvas *cv, double w, double h, const void *fig)
{
    const nt_report_toe_fig *f = fig;
    const nt_report_toe_program *p = &f->t->program[f->prog];
    double c0[3], c1[3];
    nt_plot_colour(0, c0);
    nt_plot_colour(1, c1);
    char lab[300];
    snprintf(lab, sizeof lab, "matching (%s)", f->t->matching_method ? f->t->matching_method : "");
    double lx = nt_plot_legend(cv, 6, 12, 0, c0, 1, lab);
    snprintf(lab, sizeof lab, "timing-of-events (K = %d)", p->mass_points);
    lx = nt_plot_legend(cv, lx, 12, 0, c1, 1, lab);
    snprintf(lab, sizeof lab, "%g%% intervals", 100 * (f->r->ci_level > 0 ? f->r->ci_level : 0.95));
    nt_plot_legend(cv, lx, 12, 1, c0, 0.24, lab);
    nt_plot_series s[2] = {{p->m, p->m_lower, p->m_upper, NULL, NULL, {c0[0], c0[1], c0[2]}},
                           {p->t, p->t_lower, p->t_upper, NULL, NULL, {c1[0], c1[1], c1[2]}}};
    nt_plot_paths m = {"Effect on the employment rate (percentage points)", "months since programme start", NULL,
                       100, f->r->horizon, 2, s, NAN, NULL};
    nt_plot_draw_paths(cv, 0, HEAD_H, w / 2, h - HEAD_H, &m);
    nt_plot_series c[2] = {{p->mc, p->mc_lower, p->mc_upper, NULL, NULL, {c0[0], c0[1], c0[2]}},
                           {p->tc, p->tc_lower, p->tc_upper, NULL, NULL, {c1[0], c1[1], c1[2]}}};
    nt_plot_paths cm = {"Cumulative effect (months employed)", "months since programme start", NULL, 1,
                        f->r->horizon, 2, c, NAN, NULL};
    nt_plot_draw_paths(cv, w / 2, HEAD_H, w / 2, h - HEAD_H, &cm);
}

static void cell_value(nt_doc_block *b, const nt_report *r, int row, int col, const nt_report_value *v)
{
    char buf[64], ci[96];
    nt_report_fmt(r, v, 1, 2, buf, sizeof buf);
    nt_doc_cell(b, row, col, buf);
    nt_report_fmt_ci(r, v, 1, 2, ci, sizeof ci);
    nt_doc_cell(b, row, col + 1, ci);
}

void nt_report_toe_compose(nt_doc *d, const nt_report *r, const void *data)
{
    const nt_report_toe *t = data;
    nt_report_toe_fig *figs = t->figs;
    int nh = 0;
    while (nh < NT_REPORT_TOE_CUMS && cum_months[nh] <= r->horizon) nh++;
    nt_doc_heading(d, 1, "Matching and timing-of-events");
    nt_doc_para(d, t->assumptions);
    nt_doc_block *b = nt_doc_table(d, "Cumulative effect on employment (months employed since programme start): "
                                      "matching and the timing-of-events model", 1 + t->n_programs * nh, 6, 0);
    if (b) {
        b->nleft = 2;
        static const char *head[6] = {"programme", "months", "matching", "interval", "timing-of-events", "interval"};
        for (int c = 0; c < 6; c++) nt_doc_cell(b, 0, c, head[c]);
        for (int i = 0; i < t->n_programs; i++)
            for (int h = 0; h < nh; h++) {
                int row = 1 + i * nh + h;
                char mo[16];
                snprintf(mo, sizeof mo, "%d", cum_months[h]);
                nt_doc_cell(b, row, 0, h ? "" : t->program[i].name);
                nt_doc_cell(b, row, 1, mo);
                cell_value(b, r, row, 2, &t->program[i].m_at[h]);
                cell_value(b, r, row, 4, &t->program[i].t_at[h]);
            }
    }
    for (int i = 0; i < t->n_programs; i++) {
        figs[i] = (nt_report_toe_fig){r, t, i};
        char cap[600], file[600], name[400];
        size_t k = 0;
        for (const char *s = t->program[i].name; *s && k + 1 < sizeof name; s++) {
            char ch = *s;
            int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                     ch == '.' || ch == '_';
            name[k++] = ok ? ch : '_';
        }
        name[k] = 0;
        snprintf(cap, sizeof cap, "%s: matching and timing-of-events, monthly and cumulative effect on employment",
                 t->program[i].name);
        snprintf(file, sizeof file, "plots/%s/toe_vs_matching", name);
        nt_doc_figure(d, cap, file, FIG_W, FIG_H, draw, &figs[i],
                      "Matching: selection on observables. Timing-of-events: an unobserved type may drive both "
                      "programme start and job finding; its path is simulated from the fitted hazards.");
    }
}
