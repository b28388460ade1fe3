/* The credibility figure of each programme (docs/credibility.md):
   plots/<programme>/credibility.png and .pdf, from the numbers placebo.csv
   and sensitivity.csv show (already through report/nt_disclose: a month
   or figure not shown is NaN and not drawn).
     left   the placebo path of employed and on_benefit over the window
            (percentage points), with the sup-t band;
     right  the critical Gamma of the cumulative effect of the first
            series at each summary horizon (a bar from 1, no hidden bias,
            to the Gamma at which it stops being significant). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_plot.h"
#include "study/nt_run_cred.h"
#include "study/nt_run_parts.h"

typedef struct {
    const nt_run_state *P;
    const nt_cred_state *C;
    int pi;
    double *buf;   /* 2 series x 3 x window */
} fig;

/* A file-name part as the report makes it (report/nt_report.c). */
static void safe(const char *s, char *buf, size_t size)
{
    size_t k = 0;
    for (; *s && k + 1 < size; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        buf[k++] = ok ? c : '_';
    }
    buf[k] = 0;
}

static void draw(nt_plot_canvas *cv, double w, double h, const void *arg)
{
    const fig *F = arg;
    const nt_cred_state *C = F->C;
    char title[200], xl[200];
    int placebo = C->placebo_months > 0 && C->placebo[F->pi].estimate;
    double half = placebo && C->pairs ? w / 2 : w, left = placebo ? half : 0;
    if (placebo) {
        const nt_cred_placebo *pl = &C->placebo[F->pi];
        int W = C->placebo_months;
        static const int series[2] = {0, 2};   /* employed, on_benefit */
        nt_plot_series s[2];
        for (int q = 0; q < 2; q++) {
            double *y = F->buf + (size_t)q * 3 * W, *lo = y + W, *hi = y + 2 * W;
            for (int tau = 0; tau < W; tau++) {
                size_t k = (size_t)series[q] * W + tau;
                int ok = pl->shown[k];
                y[tau] = ok ? pl->estimate[k] : NAN;
                lo[tau] = ok ? pl->lower[k] : NAN;
                hi[tau] = ok ? pl->upper[k] : NAN;
            }
            s[q] = (nt_plot_series){.y = y, .band_lower = lo, .band_upper = hi};
            nt_plot_colour(q, s[q].rgb);
        }
        snprintf(title, sizeof title, "Placebo: employed, on benefit (months %d..%d before inflow)", C->placebo_first,
                 C->placebo_first + W - 1);
        snprintf(xl, sizeof xl, "months after month %d before inflow", C->placebo_first);
        nt_plot_paths p = {.title = title, .x_label = xl, .y_label = "difference, percentage points",
                           .y_scale = 100, .n_months = W, .n_series = 2, .series = s, .marker = NAN,
                           .note = "band: simultaneous 95%"};
        nt_plot_draw_paths(cv, 0, 0, half, h - 18, &p);
        double x = nt_plot_legend(cv, 40, h - 8, 0, s[0].rgb, 1, "employed");
        nt_plot_legend(cv, x + 12, h - 8, 0, s[1].rgb, 1, "on benefit");
    }
    nt_plot_row rows[NT_CRED_MAX_H];
    char lab[NT_CRED_MAX_H][32], txt[NT_CRED_MAX_H][32];
    int n = 0;
    for (int hi = 0; hi < F->P->n_horizons && hi < NT_CRED_MAX_H; hi++) {
        double g = C->sens_gamma[F->pi * NT_CRED_MAX_H + hi];
        snprintf(lab[n], sizeof lab[n], "%d months", F->P->horizons[hi]);
        if (isnan(g)) snprintf(txt[n], sizeof txt[n], "x");
        else snprintf(txt[n], sizeof txt[n], g >= 10 ? ">= 10" : "%.2f", g);
        rows[n] = (nt_plot_row){.label = lab[n], .text = txt[n], .est = g, .lower = isnan(g) ? NAN : 1, .upper = g};
        nt_plot_colour(0, rows[n].rgb);
        n++;
    }
    if (n > 0 && C->pairs) {
        snprintf(xl, sizeof xl, "critical Gamma, cumulative %s (Rosenbaum; 1 = no hidden bias)",
                 F->P->panel->outcome_name[0]);
        nt_plot_draw_forest(cv, left, 0, w - left, h, xl, rows, n);
    }
}

nt_status nt_run_cred_figures(nt_run_state *P, nt_error *err)
{
    nt_cred_state *C = P->cred;
    if (!C || (C->placebo_months <= 0 && !C->pairs)) return NT_OK;
    int W = C->placebo_months > 0 ? C->placebo_months : 1;
    double *buf = malloc((size_t)6 * W * sizeof *buf);
    if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (int pi = 0; pi < P->n_prog && !s; pi++) {
        fig F = {P, C, pi, buf};
        char dir[300], rel[400], path[4800], folder[4600];
        safe(P->st->programs[pi], dir, sizeof dir);
        snprintf(rel, sizeof rel, "plots/%s", dir);
        nt_path_join(folder, sizeof folder, P->out, rel);
        s = nt_mkdirs(folder, err);
        for (int kind = 0; kind < 2 && !s; kind++) {
            snprintf(rel, sizeof rel, "plots/%s/credibility.%s", dir, kind ? "pdf" : "png");
            nt_path_join(path, sizeof path, P->out, rel);
            s = kind ? nt_plot_write_pdf(path, 600, 260, draw, &F, P->st->language ? NT_LANG_NL : NT_LANG_EN, err)
                     : nt_plot_write_png(path, 600, 260, draw, &F, P->st->language ? NT_LANG_NL : NT_LANG_EN, NULL,
                                         NULL, err);
            if (!s) s = nt_run_file_add(P, rel, err);
        }
    }
    free(buf);
    return s;
}
