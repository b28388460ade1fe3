/* The forest, mirror (overlap) and love panels of nt_plot.h. */
#include <math.h>
#include <stdio.h>

#include "report/nt_plot_priv.h"

/* Vertical grid and x tick labels of a horizontal value axis. */
static void x_ticks(nt_plot_canvas *cv, const nt_plot_area *A, const nt_plot_axis_t *xa, const char *x_label)
{
    cairo_t *cr = cv->cr;
    char buf[64];
    int dec = nt_plot_decimals(xa->step);
    /* a label every m-th tick (multiples of m steps, so 0 keeps its own)
       when the labels would otherwise touch in a narrow panel */
    double widest = 0, dx = fabs(nt_plot_x(A, xa, xa->lo + xa->step) - nt_plot_x(A, xa, xa->lo));
    for (double v = xa->lo; v <= xa->hi + xa->step * 1e-6; v += xa->step) {
        nt_lang_num(cv->lang, fabs(v) < 1e-12 ? 0 : v, dec, buf, sizeof buf);
        widest = fmax(widest, nt_plot_text_width(cv, buf, 7.5, 0));
    }
    static const long every[] = {1, 2, 4, 5, 10, 20, 40, 50, 100};   /* m x step stays a round number */
    long m = 1;
    for (int i = 0; i < 9 && (m = every[i]) * dx < widest + 5; i++) {}
    dec = nt_plot_decimals((double)m * xa->step);
    cairo_set_line_width(cr, 0.5);
    for (double v = xa->lo; v <= xa->hi + xa->step * 1e-6; v += xa->step) {
        double x = nt_plot_x(A, xa, v);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, x, A->y0);
        cairo_line_to(cr, x, A->y1);
        cairo_stroke(cr);
        if (lround(v / xa->step) % m) continue;
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        nt_lang_num(cv->lang, fabs(v) < 1e-12 ? 0 : v, dec, buf, sizeof buf);
        nt_plot_text(cv, buf, x, A->y1 + 10, 7.5, 0, 0.5);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    if (x_label) nt_plot_text(cv, x_label, (A->x0 + A->x1) / 2, A->y1 + 22, 7.5, 0, 0.5);
}

static void vline(cairo_t *cr, const nt_plot_area *A, double x, double grey, double width, int dashed)
{
    double dash[2] = {2.5, 2};
    cairo_set_source_rgb(cr, grey, grey, grey);
    cairo_set_line_width(cr, width);
    if (dashed) cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, x, A->y0);
    cairo_line_to(cr, x, A->y1);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

/* The widest label of a list, for the left margin. */
static double label_width(nt_plot_canvas *cv, const char *const *labels, int n, size_t stride)
{
    double m = 0;
    for (int i = 0; i < n; i++) {
        const char *s = *(const char *const *)(const void *)((const char *)labels + (size_t)i * stride);
        double w = s ? nt_plot_text_width(cv, s, 7.5, 0) : 0;
        if (w > m) m = w;
    }
    return m;
}

void nt_plot_draw_forest(nt_plot_canvas *cv, double x, double y, double w, double h, const char *x_label,
                         const nt_plot_row *rows, int n_rows)
{
    nt_plot_draw_forest_at(cv, x, y, w, h, NULL, x_label, rows, n_rows, 0);
}

void nt_plot_draw_forest_at(nt_plot_canvas *cv, double x, double y, double w, double h, const char *title,
                            const char *x_label, const nt_plot_row *rows, int n_rows, double origin)
{
    cairo_t *cr = cv->cr;
    if (title) {
        double ts = 8.5;   /* shrunk to the panel's width, as the paths panels' titles */
        while (ts > 6 && nt_plot_text_width(cv, title, ts, 1) > w - 14) ts -= 0.25;
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        nt_plot_text(cv, title, x + 6, y + 9, ts, 1, 0);
        y += 16;
        h -= 16;
    }
    double lw = label_width(cv, &rows[0].label, n_rows, sizeof *rows) + 10;
    double tw = label_width(cv, &rows[0].text, n_rows, sizeof *rows) + 10;
    nt_plot_area A = {x + lw, x + w - tw, y + 6, y + h - 30, 0};
    double lo = 0, hi = 0;   /* relative to origin */
    for (int i = 0; i < n_rows; i++) {
        const double v[3] = {rows[i].est, rows[i].lower, rows[i].upper};
        for (int j = 0; j < 3; j++)
            if (isfinite(v[j])) { lo = fmin(lo, v[j] - origin); hi = fmax(hi, v[j] - origin); }
    }
    nt_plot_axis_t xa;
    nt_plot_axis(&xa, lo, hi, 6);
    xa.lo += origin;
    xa.hi += origin;
    x_ticks(cv, &A, &xa, x_label);
    vline(cr, &A, nt_plot_x(&A, &xa, origin), 0.2, 0.8, 0);
    double rh = (A.y1 - A.y0) / (n_rows > 0 ? n_rows : 1);
    for (int i = 0; i < n_rows; i++) {
        const nt_plot_row *r = &rows[i];
        double yc = A.y0 + rh * (i + 0.5);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        if (r->label) nt_plot_text(cv, r->label, x + 2, yc + 2.7, 7.5, 0, 0);
        if (r->text) nt_plot_text(cv, r->text, x + w - 2, yc + 2.7, 7.5, 0, 1);
        cairo_set_source_rgb(cr, r->rgb[0], r->rgb[1], r->rgb[2]);
        if (isfinite(r->lower) && isfinite(r->upper)) {
            cairo_set_line_width(cr, 1.2);
            cairo_move_to(cr, nt_plot_x(&A, &xa, r->lower), yc);
            cairo_line_to(cr, nt_plot_x(&A, &xa, r->upper), yc);
            cairo_stroke(cr);
        }
        if (isfinite(r->est)) {
            cairo_rectangle(cr, nt_plot_x(&A, &xa, r->est) - 2.6, yc - 2.6, 5.2, 5.2);
            cairo_fill(cr);
        }
    }
}

void nt_plot_draw_mirror(nt_plot_canvas *cv, double x, double y, double w, double h, const char *x_label,
                         const char *y_label, const double *up, const double *down, int n_bins, double lo,
                         double width, const char *up_label, const char *down_label)
{
    cairo_t *cr = cv->cr;
    nt_plot_area A = {x + 46, x + w - 8, y + 18, y + h - 30, 36};
    double top = 0;
    for (int b = 0; b < n_bins; b++) {
        if (isfinite(up[b])) top = fmax(top, up[b]);
        if (isfinite(down[b])) top = fmax(top, down[b]);
    }
    nt_plot_axis_t ya, xa;
    nt_plot_axis(&ya, -top, top, 6);
    nt_plot_axis(&xa, lo, lo + n_bins * width, 8);
    xa.lo = lo;
    xa.hi = lo + n_bins * width;
    nt_plot_frame(cv, &A, &ya, y_label, 1);
    nt_plot_axis_t xt = xa;  /* ticks: nice values inside the bins' span */
    xt.step = nt_plot_nice_step(xa.hi - xa.lo, 8);
    xt.lo = ceil(xa.lo / xt.step - 1e-9) * xt.step;
    nt_plot_area At = A;
    At.x0 = nt_plot_x(&A, &xa, xt.lo);
    xt.hi = floor(xa.hi / xt.step + 1e-9) * xt.step;
    At.x1 = nt_plot_x(&A, &xa, xt.hi);
    if (xt.hi > xt.lo) x_ticks(cv, &At, &xt, x_label);
    double rgb[2][3];
    nt_plot_colour(0, rgb[0]);
    nt_plot_colour(1, rgb[1]);
    for (int b = 0; b < n_bins; b++) {
        double x0 = nt_plot_x(&A, &xa, lo + b * width), x1 = nt_plot_x(&A, &xa, lo + (b + 1) * width);
        double y0 = nt_plot_y(&A, &ya, 0);
        if (isfinite(up[b]) && up[b] > 0) {
            cairo_set_source_rgba(cr, rgb[0][0], rgb[0][1], rgb[0][2], 0.8);
            cairo_rectangle(cr, x0 + 0.3, nt_plot_y(&A, &ya, up[b]), x1 - x0 - 0.6, y0 - nt_plot_y(&A, &ya, up[b]));
            cairo_fill(cr);
        }
        if (isfinite(down[b]) && down[b] > 0) {
            cairo_set_source_rgba(cr, rgb[1][0], rgb[1][1], rgb[1][2], 0.8);
            cairo_rectangle(cr, x0 + 0.3, y0, x1 - x0 - 0.6, nt_plot_y(&A, &ya, -down[b]) - y0);
            cairo_fill(cr);
        }
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, A.x0, nt_plot_y(&A, &ya, 0));
    cairo_line_to(cr, A.x1, nt_plot_y(&A, &ya, 0));
    cairo_stroke(cr);
    double lx = nt_plot_legend(cv, A.x0 + 4, y + 8, 1, rgb[0], 0.8, up_label);
    nt_plot_legend(cv, lx, y + 8, 1, rgb[1], 0.8, down_label);
}

void nt_plot_draw_love(nt_plot_canvas *cv, double x, double y, double w, double h, const char *x_label,
                       const char *const *labels, const double *before, const double *after, int n_rows,
                       const char *before_label, const char *after_label)
{
    cairo_t *cr = cv->cr;
    double lw = label_width(cv, labels, n_rows, sizeof *labels) + 10;
    nt_plot_area A = {x + lw, x + w - 10, y + 18, y + h - 30, 0};
    double hi = 0.3;
    for (int i = 0; i < n_rows; i++) {
        if (isfinite(before[i])) hi = fmax(hi, fabs(before[i]));
        if (isfinite(after[i])) hi = fmax(hi, fabs(after[i]));
    }
    nt_plot_axis_t xa;
    nt_plot_axis(&xa, 0, hi, 6);
    xa.lo = 0;
    x_ticks(cv, &A, &xa, x_label);
    vline(cr, &A, nt_plot_x(&A, &xa, 0.1), 0.5, 0.7, 1);
    vline(cr, &A, nt_plot_x(&A, &xa, 0.25), 0.5, 0.7, 1);
    double rh = (A.y1 - A.y0) / (n_rows > 0 ? n_rows : 1), rgb[2][3];
    nt_plot_colour(1, rgb[0]);
    nt_plot_colour(0, rgb[1]);
    for (int i = 0; i < n_rows; i++) {
        double yc = A.y0 + rh * (i + 0.5);
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        nt_plot_text(cv, labels[i], x + 2, yc + 2.7, 7.5, 0, 0);
        cairo_set_line_width(cr, 1.1);
        if (isfinite(before[i])) {
            cairo_set_source_rgb(cr, rgb[0][0], rgb[0][1], rgb[0][2]);
            cairo_new_sub_path(cr);
            cairo_arc(cr, nt_plot_x(&A, &xa, fabs(before[i])), yc, 2.8, 0, 2 * M_PI);
            cairo_stroke(cr);
        }
        if (isfinite(after[i])) {
            cairo_set_source_rgb(cr, rgb[1][0], rgb[1][1], rgb[1][2]);
            cairo_new_sub_path(cr);
            cairo_arc(cr, nt_plot_x(&A, &xa, fabs(after[i])), yc, 2.6, 0, 2 * M_PI);
            cairo_fill(cr);
        }
    }
    double lx = nt_plot_legend(cv, A.x0 + 4, y + 8, 3, rgb[0], 1, before_label);
    nt_plot_legend(cv, lx, y + 8, 4, rgb[1], 1, after_label);
}
