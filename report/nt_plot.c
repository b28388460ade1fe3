/* Effect-path plots with cairo. The figure is laid out once in logical
   units (800 x 500) and rendered to a PNG surface at scale 2 and a PDF
   surface at scale 0.72 (576 x 360 pt = 8 x 5 in), so both look alike.
   Axis ticks are "nice" numbers (1, 2, 2.5 or 5 times a power of ten;
   months in steps of 1, 2, 3, 6, 12 or 24). */
#include "report/nt_plot.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/nt_file.h"

#define W 800.0
#define H 500.0
#define ML 84.0   /* plot area margins */
#define MR 28.0
#define MT 78.0
#define MB 84.0
#define FONT "DejaVu Sans"
#define PI 3.14159265358979323846
#ifndef RTLD_DEFAULT
#define RTLD_DEFAULT ((void *)0) /* glibc's value; hidden without _GNU_SOURCE */
#endif

typedef struct {
    const double *est, *lower, *upper;
    int n;
    int cumulative;
    double marker;     /* x of the dashed line or NaN */
    const char *note;  /* its label, or the note at the top right; may be NULL */
    const char *path;  /* for the text hook; NULL when drawing the PDF */
    const nt_plot_opts *o;
    double scale;
    double y0, y1, ystep;  /* axis range and tick step (scaled units) */
    double xstep;
    /* nt_plot_compare: a second path with its band, and the two legend labels */
    const double *est2, *lower2, *upper2;
    const char *label1, *label2;
} figure;

/* ------------------------------------------------------------- ticks */

static double nice_step(double span, int target)
{
    if (!(span > 0)) return 1;
    double raw = span / target, p = pow(10, floor(log10(raw))), f = raw / p;
    double m = f < 1.5 ? 1 : f < 2.25 ? 2 : f < 3.5 ? 2.5 : f < 7.5 ? 5 : 10;
    return m * p;
}

static double month_step(int n)
{
    int span = n - 1;
    return span <= 12 ? 1 : span <= 24 ? 3 : span <= 48 ? 6 : span <= 132 ? 12 : 24;
}

static int decimals_of(double step)
{
    int d = 0;
    while (d < 8 && fabs(step * pow(10, d) - round(step * pow(10, d))) > 1e-9 * pow(10, d)) d++;
    return d;
}

/* Tick label with a true minus sign and thin-space thousands separators. */
static void tick_label(double v, int dec, char *buf, size_t size)
{
    if (fabs(v) < 1e-12) v = 0;
    char num[64];
    snprintf(num, sizeof num, "%.*f", dec, fabs(v));
    char *dot = strchr(num, '.');
    size_t ilen = dot ? (size_t)(dot - num) : strlen(num);
    char out[128];
    size_t k = 0;
    if (v < 0) { memcpy(out, "\xe2\x88\x92", 3); k = 3; }
    for (size_t i = 0; i < ilen; i++) {
        out[k++] = num[i];
        size_t left = ilen - i - 1;
        if (left > 0 && left % 3 == 0 && ilen > 4) { memcpy(out + k, "\xe2\x80\x89", 3); k += 3; }
    }
    out[k] = 0;
    snprintf(buf, size, "%s%s", out, dot ? dot : "");
}

static void ranges(figure *f)
{
    double lo = 0, hi = 0; /* zero is always in view */
    const double *s[6] = {f->est, f->lower, f->upper, f->est2, f->lower2, f->upper2};
    for (int a = 0; a < 6; a++) {
        if (!s[a]) continue;
        for (int t = 0; t < f->n; t++) {
            double v = s[a][t] * f->scale;
            if (!isfinite(v)) continue;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
    }
    if (hi - lo <= 0) { lo = -1; hi = 1; }
    double pad = 0.04 * (hi - lo);
    if (lo < 0) lo -= pad;
    if (hi > 0) hi += pad;
    f->ystep = nice_step(hi - lo, 6);
    f->y0 = floor(lo / f->ystep + 1e-9) * f->ystep;
    f->y1 = ceil(hi / f->ystep - 1e-9) * f->ystep;
    f->xstep = month_step(f->n);
}

/* ------------------------------------------------------------- drawing */

static double px(const figure *f, double month)
{
    double span = f->n > 1 ? f->n - 1 : 1;
    return ML + (W - ML - MR) * month / span;
}

static double py(const figure *f, double v)
{
    return MT + (H - MT - MB) * (f->y1 - v) / (f->y1 - f->y0);
}

static void text_at(cairo_t *cr, const figure *f, const char *s, double x, double y, double size, int bold,
                    double align /* 0 left, 0.5 centre, 1 right */)
{
    if (f->o->on_text && f->path) f->o->on_text(f->o->on_text_ctx, f->path, s);
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.x_advance, y);
    cairo_show_text(cr, s);
}

static int defined(const figure *f, const double *a, int t)
{
    return a && isfinite(a[t] * f->scale);
}

static const double colour[2][3] = {{0.09, 0.29, 0.58}, {0.80, 0.40, 0.05}};
static const double band_colour[2][4] = {{0.36, 0.55, 0.83, 0.28}, {0.95, 0.60, 0.25, 0.25}};

static void draw_band_of(cairo_t *cr, const figure *f, const double *lower, const double *upper, int c)
{
    if (!lower || !upper) return;
    cairo_set_source_rgba(cr, band_colour[c][0], band_colour[c][1], band_colour[c][2], band_colour[c][3]);
    int t = 0;
    while (t < f->n) {
        while (t < f->n && !(defined(f, lower, t) && defined(f, upper, t))) t++;
        int a = t;
        while (t < f->n && defined(f, lower, t) && defined(f, upper, t)) t++;
        int b = t - 1;
        if (a > b) continue;
        if (a == b) { /* one month: a short vertical bar */
            cairo_rectangle(cr, px(f, a) - 2, py(f, upper[a] * f->scale), 4,
                            py(f, lower[a] * f->scale) - py(f, upper[a] * f->scale));
            cairo_fill(cr);
            continue;
        }
        cairo_move_to(cr, px(f, a), py(f, upper[a] * f->scale));
        for (int s = a + 1; s <= b; s++) cairo_line_to(cr, px(f, s), py(f, upper[s] * f->scale));
        for (int s = b; s >= a; s--) cairo_line_to(cr, px(f, s), py(f, lower[s] * f->scale));
        cairo_close_path(cr);
        cairo_fill(cr);
    }
}

static void draw_line_of(cairo_t *cr, const figure *f, const double *est, int c)
{
    if (!est) return;
    cairo_set_source_rgb(cr, colour[c][0], colour[c][1], colour[c][2]);
    cairo_set_line_width(cr, 2.2);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    int t = 0;
    while (t < f->n) {
        while (t < f->n && !defined(f, est, t)) t++;
        int a = t;
        while (t < f->n && defined(f, est, t)) t++;
        int b = t - 1;
        if (a > b) continue;
        if (a == b) {
            cairo_arc(cr, px(f, a), py(f, est[a] * f->scale), 2.6, 0, 2 * PI);
            cairo_fill(cr);
            continue;
        }
        cairo_move_to(cr, px(f, a), py(f, est[a] * f->scale));
        for (int s = a + 1; s <= b; s++) cairo_line_to(cr, px(f, s), py(f, est[s] * f->scale));
        cairo_stroke(cr);
    }
}

/* Title, subtitle, legend (above the plot area, never over the data). */
static void draw_header(cairo_t *cr, const figure *f)
{
    const nt_plot_opts *o = f->o;
    char buf[256];
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, f, o->title ? o->title : "", ML, 28, 17, 1, 0);
    cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
    if (o->subtitle) text_at(cr, f, o->subtitle, ML, 50, 12.5, 0, 0);
    double lx = W - MR;
    if (f->lower && f->upper && !f->label1) {
        double lvl = o->ci_level > 0 ? o->ci_level : 0.95;
        snprintf(buf, sizeof buf, "%g%% confidence interval", 100 * lvl);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        text_at(cr, f, buf, lx, 66, 11.5, 0, 1);
        cairo_text_extents_t e;
        cairo_text_extents(cr, buf, &e);
        lx -= e.x_advance + 6;
        cairo_set_source_rgba(cr, 0.36, 0.55, 0.83, 0.28);
        cairo_rectangle(cr, lx - 22, 58, 22, 10);
        cairo_fill(cr);
        lx -= 22 + 16;
    }
    const char *what[2] = {f->cumulative ? "cumulative effect" : "monthly effect", NULL};
    if (f->label1) { what[0] = f->label2; what[1] = f->label1; } /* drawn right to left */
    for (int c = 0; c < 2 && what[c]; c++) {
        int col = f->label1 ? 1 - c : 0;
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        text_at(cr, f, what[c], lx, 66, 11.5, 0, 1);
        cairo_text_extents_t e;
        cairo_text_extents(cr, what[c], &e);
        lx -= e.x_advance + 6;
        cairo_set_source_rgb(cr, colour[col][0], colour[col][1], colour[col][2]);
        cairo_set_line_width(cr, 2.2);
        cairo_move_to(cr, lx - 22, 62);
        cairo_line_to(cr, lx, 62);
        cairo_stroke(cr);
        lx -= 22 + 16;
    }
}

static void draw(cairo_t *cr, const figure *f)
{
    const nt_plot_opts *o = f->o;
    char buf[256];
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    draw_header(cr, f);

    /* Grid and tick labels. */
    double x0 = ML, x1 = W - MR, yt = MT, yb = H - MB;
    int ydec = decimals_of(f->ystep);
    cairo_set_line_width(cr, 0.8);
    for (double v = f->y0; v <= f->y1 + f->ystep * 1e-6; v += f->ystep) {
        double y = py(f, v);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x1, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        tick_label(v, ydec, buf, sizeof buf);
        text_at(cr, f, buf, x0 - 8, y + 4.5, 12, 0, 1);
    }
    int last = f->n > 1 ? f->n - 1 : 1;
    for (double m = 0; m <= last + 1e-9; m += f->xstep) {
        double x = px(f, m);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, x, yt);
        cairo_line_to(cr, x, yb);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
        snprintf(buf, sizeof buf, "%d", (int)m);
        text_at(cr, f, buf, x, yb + 18, 12, 0, 0.5);
    }
    /* Plot frame (left and bottom axes). */
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x0, yt);
    cairo_line_to(cr, x0, yb);
    cairo_line_to(cr, x1, yb);
    cairo_stroke(cr);

    /* Data, clipped to the plot area. */
    cairo_save(cr);
    cairo_rectangle(cr, x0, yt, x1 - x0, yb - yt);
    cairo_clip(cr);
    draw_band_of(cr, f, f->lower, f->upper, 0);
    draw_band_of(cr, f, f->lower2, f->upper2, 1);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2); /* zero line */
    cairo_set_line_width(cr, 1.1);
    cairo_move_to(cr, x0, py(f, 0));
    cairo_line_to(cr, x1, py(f, 0));
    cairo_stroke(cr);
    draw_line_of(cr, f, f->est, 0);
    draw_line_of(cr, f, f->est2, 1);
    cairo_restore(cr);

    if (f->cumulative && f->note) {
        if (isfinite(f->marker)) {
            double x = px(f, f->marker);
            double dash[2] = {5, 4};
            cairo_set_source_rgb(cr, 0.75, 0.22, 0.17);
            cairo_set_line_width(cr, 1.4);
            cairo_set_dash(cr, dash, 2, 0);
            cairo_move_to(cr, x, yt);
            cairo_line_to(cr, x, yb);
            cairo_stroke(cr);
            cairo_set_dash(cr, NULL, 0, 0);
            double align = x > (x0 + x1) / 2 ? 1 : 0;
            text_at(cr, f, f->note, x + (align ? -6 : 6), yt + 16, 12, 1, align);
        } else {
            cairo_set_source_rgb(cr, 0.75, 0.22, 0.17);
            text_at(cr, f, f->note, x1 - 6, yt + 16, 12, 1, 1);
        }
    }

    /* Axis labels and caption. */
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    text_at(cr, f, o->x_label ? o->x_label : "Months since programme start", (x0 + x1) / 2,
            yb + 42, 13, 0, 0.5);
    if (o->y_label) {
        cairo_save(cr);
        cairo_translate(cr, 22, (yt + yb) / 2);
        cairo_rotate(cr, -PI / 2);
        text_at(cr, f, o->y_label, 0, 0, 13, 0, 0.5);
        cairo_restore(cr);
    }
    if (o->caption) {
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        text_at(cr, f, o->caption, 12, H - 12, 10.5, 0, 0);
    }
}

/* ------------------------------------------------------------- output */

static nt_status write_png(figure *f, const char *path, nt_error *err)
{
    char tmp[4200];
    nt_status s = nt_file_tmpname(path, tmp, sizeof tmp, err);
    if (s) return s;
    cairo_surface_t *sf = cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)(2 * W), (int)(2 * H));
    cairo_t *cr = cairo_create(sf);
    cairo_scale(cr, 2, 2);
    f->path = path;
    draw(cr, f);
    f->path = NULL;
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_write_to_png(sf, tmp);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        remove(tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot write the plot: %s",
                          cairo_status_to_string(cs));
    }
    return nt_file_rename(tmp, path, err);
}

static nt_status write_pdf(const figure *f, const char *path, nt_error *err)
{
    char tmp[4200];
    nt_status s = nt_file_tmpname(path, tmp, sizeof tmp, err);
    if (s) return s;
    const double k = 0.72;
    cairo_surface_t *sf = cairo_pdf_surface_create(tmp, W * k, H * k);
    cairo_t *cr = cairo_create(sf);
    cairo_scale(cr, k, k);
    draw(cr, f);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        remove(tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot write the plot: %s",
                          cairo_status_to_string(cs));
    }
    return nt_file_rename(tmp, path, err);
}

static nt_status plot(const char *png_path, const char *pdf_path, figure *f, nt_error *err)
{
    if (f->n < 1 || !f->est)
        return nt_fail(err, NT_EUSAGE, "a plot needs at least one month");
    if (!png_path && !pdf_path) return nt_fail(err, NT_EUSAGE, "a plot needs an output path");
    f->scale = f->o->y_scale != 0 ? f->o->y_scale : 1;
    ranges(f);
    nt_status s = NT_OK;
    if (png_path) s = write_png(f, png_path, err);
    if (!s && pdf_path) s = write_pdf(f, pdf_path, err);
    return s;
}

nt_status nt_plot_effect(const char *png_path, const char *pdf_path, const double *est,
                         const double *lower, const double *upper, int n_months,
                         const nt_plot_opts *o, nt_error *err)
{
    figure f = {est, lower, upper, n_months, 0, NAN, NULL, NULL, o, 1, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL};
    return plot(png_path, pdf_path, &f, err);
}

nt_status nt_plot_cumulative(const char *png_path, const char *pdf_path, const double *cum,
                             const double *lower, const double *upper, int n_months,
                             double marker, const char *note, const nt_plot_opts *o, nt_error *err)
{
    figure f = {cum, lower, upper, n_months, 1, marker, note, NULL, o, 1, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL};
    return plot(png_path, pdf_path, &f, err);
}

nt_status nt_plot_compare(const char *png_path, const char *pdf_path, const double *est1, const double *lower1,
                          const double *upper1, const char *label1, const double *est2, const double *lower2,
                          const double *upper2, const char *label2, int n_months, const nt_plot_opts *o,
                          nt_error *err)
{
    if (!label1 || !label2) return nt_fail(err, NT_EUSAGE, "a comparison plot needs two labels");
    figure f = {est1, lower1, upper1, n_months, 0, NAN, NULL, NULL, o, 1, 0, 0, 0, 0, est2, lower2, upper2,
                label1, label2};
    return plot(png_path, pdf_path, &f, err);
}

void nt_plot_cleanup(void)
{
    cairo_debug_reset_static_data();
    /* cairo's toy font API leaves fontconfig's caches behind; FcFini frees
       them. fontconfig is loaded as cairo's dependency but not linked by us,
       so look it up instead of adding a link dependency. */
    void *sym = dlsym(RTLD_DEFAULT, "FcFini");
    if (sym) {
        void (*fc_fini)(void);
        memcpy(&fc_fini, &sym, sizeof fc_fini);
        fc_fini();
    }
}
