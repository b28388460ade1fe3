/* Figures with cairo (nt_plot.h): the render targets, text, legend and the
   effect-path panel. Forest, mirror and love panels: nt_plot_panels.c. */
#include "report/nt_plot.h"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_plot_priv.h"

#ifndef RTLD_DEFAULT
#define RTLD_DEFAULT ((void *)0) /* glibc's value; hidden without _GNU_SOURCE */
#endif
#define PNG_SCALE 2.5

/* ------------------------------------------------------------- ticks */

double nt_plot_nice_step(double span, int target)
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

int nt_plot_decimals(double step)
{
    int d = 0;
    while (d < 8 && fabs(step * pow(10, d) - round(step * pow(10, d))) > 1e-9 * pow(10, d)) d++;
    return d;
}

void nt_plot_axis(nt_plot_axis_t *a, double lo, double hi, int target)
{
    if (lo > 0) lo = 0;
    if (hi < 0) hi = 0; /* zero is always in view */
    if (hi - lo <= 0) { lo = -1; hi = 1; }
    double pad = 0.04 * (hi - lo);
    if (lo < 0) lo -= pad;
    if (hi > 0) hi += pad;
    a->step = nt_plot_nice_step(hi - lo, target);
    a->lo = floor(lo / a->step + 1e-9) * a->step;
    a->hi = ceil(hi / a->step - 1e-9) * a->step;
}

/* ------------------------------------------------------------- text */

void nt_plot_text(nt_plot_canvas *cv, const char *s, double x, double y, double size, int bold, double align)
{
    if (cv->on_text && cv->path) cv->on_text(cv->text_ctx, cv->path, s);
    cairo_t *cr = cv->cr;
    cairo_select_font_face(cr, NT_PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s, &e);
    cairo_move_to(cr, x - align * e.x_advance, y);
    cairo_show_text(cr, s);
}

double nt_plot_text_width(nt_plot_canvas *cv, const char *s, double size, int bold)
{
    cairo_select_font_face(cv->cr, NT_PLOT_FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cv->cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cv->cr, s, &e);
    return e.x_advance;
}

double nt_plot_legend(nt_plot_canvas *cv, double x, double y, int kind, const double rgb[3], double alpha,
                      const char *label)
{
    cairo_t *cr = cv->cr;
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], alpha);
    cairo_set_line_width(cr, 1.6);
    if (kind == 1) {
        cairo_rectangle(cr, x, y - 3.5, 16, 7);
        cairo_fill(cr);
    } else if (kind == 3 || kind == 4) {
        cairo_arc(cr, x + 8, y, 2.8, 0, 2 * M_PI);
        if (kind == 4) cairo_fill(cr);
        else cairo_stroke(cr);
    } else {
        double dash[2] = {3, 2};
        if (kind == 2) cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, x, y);
        cairo_line_to(cr, x + 16, y);
        cairo_stroke(cr);
        cairo_set_dash(cr, NULL, 0, 0);
    }
    cairo_set_source_rgb(cr, 0.25, 0.25, 0.25);
    nt_plot_text(cv, label, x + 20, y + 2.8, 7.5, 0, 0);
    return x + 20 + nt_plot_text_width(cv, label, 7.5, 0) + 12;
}

void nt_plot_colour(int i, double rgb[3])
{
    static const double pal[][3] = {{0.09, 0.29, 0.58}, {0.84, 0.37, 0.0}, {0.0, 0.55, 0.45},
                                    {0.80, 0.47, 0.65}, {0.34, 0.71, 0.91}, {0.60, 0.45, 0.10},
                                    {0.35, 0.35, 0.35}, {0.90, 0.62, 0.0}};
    int n = (int)(sizeof pal / sizeof pal[0]);
    for (int c = 0; c < 3; c++) rgb[c] = pal[((i % n) + n) % n][c];
}

/* ------------------------------------------------------------- axes */

void nt_plot_frame(nt_plot_canvas *cv, const nt_plot_area *A, const nt_plot_axis_t *ya, const char *y_label,
                   int magnitude)
{
    cairo_t *cr = cv->cr;
    char buf[64];
    int dec = nt_plot_decimals(ya->step);
    cairo_set_line_width(cr, 0.5);
    for (double v = ya->lo; v <= ya->hi + ya->step * 1e-6; v += ya->step) {
        double y = nt_plot_y(A, ya, v);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, A->x0, y);
        cairo_line_to(cr, A->x1, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        nt_lang_num(cv->lang, fabs(v) < 1e-12 ? 0 : magnitude ? fabs(v) : v, dec, buf, sizeof buf);
        nt_plot_text(cv, buf, A->x0 - 4, y + 2.8, 7.5, 0, 1);
    }
    if (y_label) {
        cairo_save(cr);
        cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
        cairo_translate(cr, A->x0 - A->label_gap, (A->y0 + A->y1) / 2);
        cairo_rotate(cr, -M_PI / 2);
        nt_plot_text(cv, y_label, 0, 0, 7.5, 0, 0.5);
        cairo_restore(cr);
    }
}

/* ------------------------------------------------------------- paths */

static double px(const nt_plot_area *A, int n, double month)
{
    return A->x0 + (A->x1 - A->x0) * month / (n > 1 ? n - 1 : 1);
}

static int def(const double *a, int t, double k) { return a && isfinite(a[t] * k); }

/* The band between lo and hi over its defined runs. */
static void band(cairo_t *cr, const nt_plot_area *A, const nt_plot_axis_t *ya, int n, const double *lo,
                 const double *hi, double k)
{
    int t = 0;
    while (t < n) {
        while (t < n && !(def(lo, t, k) && def(hi, t, k))) t++;
        int a = t;
        while (t < n && def(lo, t, k) && def(hi, t, k)) t++;
        int b = t - 1;
        if (a > b) continue;
        if (a == b) {
            cairo_rectangle(cr, px(A, n, a) - 1.2, nt_plot_y(A, ya, hi[a] * k), 2.4,
                            nt_plot_y(A, ya, lo[a] * k) - nt_plot_y(A, ya, hi[a] * k));
            cairo_fill(cr);
            continue;
        }
        cairo_move_to(cr, px(A, n, a), nt_plot_y(A, ya, hi[a] * k));
        for (int s = a + 1; s <= b; s++) cairo_line_to(cr, px(A, n, s), nt_plot_y(A, ya, hi[s] * k));
        for (int s = b; s >= a; s--) cairo_line_to(cr, px(A, n, s), nt_plot_y(A, ya, lo[s] * k));
        cairo_close_path(cr);
        cairo_fill(cr);
    }
}

/* A line over the defined runs of y (dashed: the simultaneous band's edges). */
static void line(cairo_t *cr, const nt_plot_area *A, const nt_plot_axis_t *ya, int n, const double *y, double k,
                 int dots)
{
    int t = 0;
    while (t < n) {
        while (t < n && !def(y, t, k)) t++;
        int a = t;
        while (t < n && def(y, t, k)) t++;
        int b = t - 1;
        if (a > b) continue;
        if (a == b) {
            if (dots) {
                cairo_arc(cr, px(A, n, a), nt_plot_y(A, ya, y[a] * k), 1.6, 0, 2 * M_PI);
                cairo_fill(cr);
            }
            continue;
        }
        cairo_move_to(cr, px(A, n, a), nt_plot_y(A, ya, y[a] * k));
        for (int s = a + 1; s <= b; s++) cairo_line_to(cr, px(A, n, s), nt_plot_y(A, ya, y[s] * k));
        cairo_stroke(cr);
    }
}

static void paths_range(const nt_plot_paths *p, double k, double *lo, double *hi)
{
    *lo = 0;
    *hi = 0;
    for (int i = 0; i < p->n_series; i++) {
        const nt_plot_series *s = &p->series[i];
        const double *a[5] = {s->y, s->lower, s->upper, s->band_lower, s->band_upper};
        for (int j = 0; j < 5; j++)
            for (int t = 0; a[j] && t < p->n_months; t++)
                if (isfinite(a[j][t] * k)) {
                    if (a[j][t] * k < *lo) *lo = a[j][t] * k;
                    if (a[j][t] * k > *hi) *hi = a[j][t] * k;
                }
    }
}

static void paths_marker(nt_plot_canvas *cv, const nt_plot_area *A, const nt_plot_paths *p)
{
    cairo_t *cr = cv->cr;
    if (!p->note) return;
    cairo_set_source_rgb(cr, 0.75, 0.22, 0.17);
    if (!isfinite(p->marker)) {
        nt_plot_text(cv, p->note, A->x1 - 4, A->y0 + 10, 7.5, 1, 1);
        return;
    }
    double x = px(A, p->n_months, p->marker), dash[2] = {3, 2.5};
    cairo_set_line_width(cr, 0.9);
    cairo_set_dash(cr, dash, 2, 0);
    cairo_move_to(cr, x, A->y0);
    cairo_line_to(cr, x, A->y1);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
    /* right of the line where it fits, else left of it; never past the frame */
    double tw = nt_plot_text_width(cv, p->note, 7.5, 1), tx = x + 3;
    if (tx + tw > A->x1 - 2) tx = x - 3 - tw;
    if (tx < A->x0 + 2) tx = A->x0 + 2;
    nt_plot_text(cv, p->note, tx, A->y0 + 10, 7.5, 1, 0);
}

void nt_plot_draw_paths(nt_plot_canvas *cv, double x, double y, double w, double h, const nt_plot_paths *p)
{
    nt_plot_draw_paths_axes(cv, x, y, w, h, p, NULL);
}

void nt_plot_draw_paths_axes(nt_plot_canvas *cv, double x, double y, double w, double h, const nt_plot_paths *p,
                             const nt_plot_axes *axes)
{
    const nt_plot_axes none = {0, 0}, *ax = axes ? axes : &none;
    cairo_t *cr = cv->cr;
    double k = p->y_scale != 0 ? p->y_scale : 1, lo, hi;
    nt_plot_area A = {x + 46, x + w - 8, y + 16, y + h - 30, 36};
    nt_plot_axis_t ya;
    paths_range(p, k, &lo, &hi);
    nt_plot_axis(&ya, lo, hi, 5);
    if (ax->y_max > 0 && ya.hi > ax->y_max) ya.hi = ceil(ax->y_max / ya.step - 1e-9) * ya.step;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    if (p->title) {  /* shrunk to the panel's width: side-by-side panels' titles never meet */
        double ts = 8.5;
        while (ts > 6 && nt_plot_text_width(cv, p->title, ts, 1) > w - 14) ts -= 0.25;
        nt_plot_text(cv, p->title, x + 6, y + 9, ts, 1, 0);
    }
    nt_plot_frame(cv, &A, &ya, p->y_label, 0);
    int n = p->n_months, last = n > 1 ? n - 1 : 1;
    double xs = month_step(n);
    char buf[32];
    cairo_set_line_width(cr, 0.5);
    for (double m = 0; m <= last + 1e-9; m += xs) {
        double xx = px(&A, n, m);
        cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
        cairo_move_to(cr, xx, A.y0);
        cairo_line_to(cr, xx, A.y1);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        int label = (int)m + ax->x_first;
        snprintf(buf, sizeof buf, "%s%d", label < 0 ? "\u2212" : "", label < 0 ? -label : label);
        nt_plot_text(cv, buf, xx, A.y1 + 10, 7.5, 0, 0.5);
    }
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    if (p->x_label) nt_plot_text(cv, p->x_label, (A.x0 + A.x1) / 2, A.y1 + 22, 7.5, 0, 0.5);
    cairo_save(cr);
    cairo_rectangle(cr, A.x0, A.y0, A.x1 - A.x0, A.y1 - A.y0);
    cairo_clip(cr);
    for (int i = 0; i < p->n_series; i++) {
        const nt_plot_series *s = &p->series[i];
        cairo_set_source_rgba(cr, s->rgb[0], s->rgb[1], s->rgb[2], 0.24);
        if (s->lower && s->upper) band(cr, &A, &ya, n, s->lower, s->upper, k);
    }
    cairo_restore(cr);
    cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);  /* the frame: left and bottom axes */
    cairo_set_line_width(cr, 0.7);
    cairo_move_to(cr, A.x0, A.y0);
    cairo_line_to(cr, A.x0, A.y1);
    cairo_line_to(cr, A.x1, A.y1);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);  /* the zero line, whole even on the frame */
    cairo_set_line_width(cr, 0.8);
    cairo_move_to(cr, A.x0, nt_plot_y(&A, &ya, 0));
    cairo_line_to(cr, A.x1, nt_plot_y(&A, &ya, 0));
    cairo_stroke(cr);
    cairo_save(cr);
    cairo_rectangle(cr, A.x0, A.y0, A.x1 - A.x0, A.y1 - A.y0);
    cairo_clip(cr);
    double dash[2] = {3, 2};
    for (int i = 0; i < p->n_series; i++) {
        const nt_plot_series *s = &p->series[i];
        cairo_set_source_rgb(cr, s->rgb[0], s->rgb[1], s->rgb[2]);
        cairo_set_line_width(cr, 0.8);
        cairo_set_dash(cr, dash, 2, 0);
        if (s->band_lower) line(cr, &A, &ya, n, s->band_lower, k, 0);
        if (s->band_upper) line(cr, &A, &ya, n, s->band_upper, k, 0);
        cairo_set_dash(cr, NULL, 0, 0);
        cairo_set_line_width(cr, 1.5);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        line(cr, &A, &ya, n, s->y, k, 1);
    }
    cairo_restore(cr);
    paths_marker(cv, &A, p);
}

/* ------------------------------------------------------------- output */

static nt_status fail_cairo(const char *path, cairo_status_t cs, nt_error *err)
{
    return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot write the figure: %s", cairo_status_to_string(cs));
}

nt_status nt_plot_write_png(const char *path, double w, double h, nt_plot_draw_fn draw, const void *fig,
                            nt_lang lang, void (*on_text)(void *, const char *, const char *), void *text_ctx,
                            nt_error *err)
{
    char tmp[4200];
    nt_status s = nt_file_tmpname(path, tmp, sizeof tmp, err);
    if (s) return s;
    cairo_surface_t *sf =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)ceil(PNG_SCALE * w), (int)ceil(PNG_SCALE * h));
    cairo_t *cr = cairo_create(sf);
    cairo_scale(cr, PNG_SCALE, PNG_SCALE);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    nt_plot_canvas cv = {cr, lang, on_text, text_ctx, path};
    draw(&cv, w, h, fig);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_write_to_png(sf, tmp);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        remove(tmp);
        return fail_cairo(path, cs, err);
    }
    return nt_file_rename(tmp, path, err);
}

nt_status nt_plot_write_pdf(const char *path, double w, double h, nt_plot_draw_fn draw, const void *fig,
                            nt_lang lang, nt_error *err)
{
    char tmp[4200];
    nt_status s = nt_file_tmpname(path, tmp, sizeof tmp, err);
    if (s) return s;
    cairo_surface_t *sf = cairo_pdf_surface_create(tmp, w, h);
    cairo_t *cr = cairo_create(sf);
    nt_plot_canvas cv = {cr, lang, NULL, NULL, NULL};
    draw(&cv, w, h, fig);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        remove(tmp);
        return fail_cairo(path, cs, err);
    }
    return nt_file_rename(tmp, path, err);
}

typedef struct { char *buf; size_t len, cap; int oom; } membuf;

static cairo_status_t mem_write(void *closure, const unsigned char *data, unsigned int length)
{
    membuf *m = closure;
    if (m->len + length + 1 > m->cap) {
        size_t cap = (m->cap ? m->cap * 2 : 65536) + length;
        char *b = realloc(m->buf, cap);
        if (!b) { m->oom = 1; return CAIRO_STATUS_NO_MEMORY; }
        m->buf = b;
        m->cap = cap;
    }
    memcpy(m->buf + m->len, data, length);
    m->len += length;
    m->buf[m->len] = 0;
    return CAIRO_STATUS_SUCCESS;
}

/* Prefixes every id="..", href="#.." and url(#..) of an SVG. */
static char *prefix_ids(const char *svg, const char *pre)
{
    static const char *const keys[] = {"id=\"", "href=\"#", "url(#"};
    size_t n = 0, pl = strlen(pre);
    for (const char *c = svg; *c; c++)
        for (int k = 0; k < 3; k++) n += !strncmp(c, keys[k], strlen(keys[k]));
    char *out = malloc(strlen(svg) + n * pl + 1), *o = out;
    if (!out) return NULL;
    for (const char *c = svg; *c;) {
        int hit = 0;
        for (int k = 0; k < 3 && !hit; k++) {
            size_t kl = strlen(keys[k]);
            if (strncmp(c, keys[k], kl)) continue;
            memcpy(o, c, kl);
            memcpy(o + kl, pre, pl);
            o += kl + pl;
            c += kl;
            hit = 1;
        }
        if (!hit) *o++ = *c++;
    }
    *o = 0;
    return out;
}

nt_status nt_plot_svg(double w, double h, nt_plot_draw_fn draw, const void *fig, nt_lang lang,
                      const char *id_prefix, char **svg, nt_error *err)
{
    membuf m = {0};
    cairo_surface_t *sf = cairo_svg_surface_create_for_stream(mem_write, &m, w, h);
    cairo_svg_surface_set_document_unit(sf, CAIRO_SVG_UNIT_PT);
    cairo_t *cr = cairo_create(sf);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    nt_plot_canvas cv = {cr, lang, NULL, NULL, NULL};
    draw(&cv, w, h, fig);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS || m.oom || !m.buf) {
        free(m.buf);
        return nt_fail(err, NT_ENOMEM, "cannot draw the figure as SVG: %s", cairo_status_to_string(cs));
    }
    *svg = prefix_ids(m.buf, id_prefix);
    free(m.buf);
    return *svg ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
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
