/* Figures with cairo, drawn once and rendered to PNG (2.5 px per point),
   PDF, SVG (in memory, for the HTML report) or onto a page of a larger PDF.
   A figure is a draw function on a canvas of w x h points; its parts are
   the panels below: effect paths over months since start (several series,
   each with a pointwise interval and an optional simultaneous band), a
   forest plot, a mirrored histogram and a dot plot (love plot).

   Undefined months (NaN) are gaps: lines and bands break there, never
   drawn through zero; a defined month between two gaps is a dot. Axis
   ticks are nice numbers (1, 2, 2.5 or 5 times a power of ten; months in
   steps of 1, 3, 6, 12 or 24) with a true minus sign. The same numbers
   give the same PNG bytes. */
#ifndef NT_PLOT_H
#define NT_PLOT_H

#include <stddef.h>

#include "core/nt_error.h"
#include "report/nt_lang.h"

typedef struct _cairo cairo_t;  /* <cairo.h>, for the report's own files */

typedef struct {
    cairo_t *cr;
    nt_lang lang;
    /* Test hook: every text drawn, with the PNG's path (PNG only). */
    void (*on_text)(void *ctx, const char *png_path, const char *text);
    void *text_ctx;
    const char *path;
} nt_plot_canvas;

typedef void (*nt_plot_draw_fn)(nt_plot_canvas *cv, double w, double h, const void *fig);

nt_status nt_plot_write_png(const char *path, double w, double h, nt_plot_draw_fn draw, const void *fig,
                            nt_lang lang, void (*on_text)(void *, const char *, const char *), void *text_ctx,
                            nt_error *err);
nt_status nt_plot_write_pdf(const char *path, double w, double h, nt_plot_draw_fn draw, const void *fig,
                            nt_lang lang, nt_error *err);
/* The figure as an SVG document (text as glyph outlines: no font), its
   ids prefixed with id_prefix so several can live in one HTML page;
   *svg malloc'ed, NUL-terminated. */
nt_status nt_plot_svg(double w, double h, nt_plot_draw_fn draw, const void *fig, nt_lang lang,
                      const char *id_prefix, char **svg, nt_error *err);

/* ------------------------------------------------------------ panels */

typedef struct {
    const double *y, *lower, *upper;          /* lower/upper may be NULL: no interval */
    const double *band_lower, *band_upper;    /* simultaneous band, may be NULL */
    double rgb[3];
} nt_plot_series;

typedef struct {
    const char *title, *x_label, *y_label;
    double y_scale;          /* values are multiplied by it; 0 means 1 */
    int n_months;
    int n_series;
    const nt_plot_series *series;
    double marker;           /* x of a dashed vertical line, or NaN */
    const char *note;        /* its label, or (marker NaN) a note at the top right; may be NULL */
} nt_plot_paths;

void nt_plot_draw_paths(nt_plot_canvas *cv, double x, double y, double w, double h, const nt_plot_paths *p);
/* Axes other than a paths panel's own: x_first the x tick label of month 0
   (-36: months relative to inflow, with a true minus sign); y_max > 0: the
   y axis ends there (a share's 100%) instead of at a nice number past the
   data. */
typedef struct {
    int x_first;
    double y_max;
} nt_plot_axes;
void nt_plot_draw_paths_axes(nt_plot_canvas *cv, double x, double y, double w, double h, const nt_plot_paths *p,
                             const nt_plot_axes *axes);

typedef struct {
    const char *label;       /* left of the row */
    const char *text;        /* right of the row (estimate and interval), may be NULL */
    double est, lower, upper;/* NaN: nothing drawn */
    double rgb[3];
} nt_plot_row;

/* A forest plot: one row per entry, estimate as a square, interval as a
   line, a zero line; x_label under the axis. */
void nt_plot_draw_forest(nt_plot_canvas *cv, double x, double y, double w, double h, const char *x_label,
                         const nt_plot_row *rows, int n_rows);
/* The same under a title (bold, top left; NULL: none, as the paths panels
   have theirs) with the reference line and the axis's start at origin
   instead of zero (a critical Gamma: 1, no hidden bias). */
void nt_plot_draw_forest_at(nt_plot_canvas *cv, double x, double y, double w, double h, const char *title,
                            const char *x_label, const nt_plot_row *rows, int n_rows, double origin);

/* A mirrored histogram: up[b] above the axis, down[b] below (shares in %,
   NaN: bin not shown), bins from lo in steps of width. */
void nt_plot_draw_mirror(nt_plot_canvas *cv, double x, double y, double w, double h, const char *x_label,
                         const char *y_label, const double *up, const double *down, int n_bins, double lo,
                         double width, const char *up_label, const char *down_label);

/* A love plot: per row |SMD| before (open circle) and after (dot), with
   lines at 0.1 and 0.25. */
void nt_plot_draw_love(nt_plot_canvas *cv, double x, double y, double w, double h, const char *x_label,
                       const char *const *labels, const double *before, const double *after, int n_rows,
                       const char *before_label, const char *after_label);

/* A ranking figure (benchmark.csv's units, report/nt_plot_rank.c): the
   rows as a forest plot under a title, as a PNG of 520 points wide. */
nt_status nt_plot_ranking_png(const char *path, const char *title, const char *x_label, const nt_plot_row *rows,
                              int n, nt_lang lang, nt_error *err);
/* ------------------------------------------------------------ pieces */

/* Text at (x, y) baseline; align 0 left, 0.5 centre, 1 right. */
void nt_plot_text(nt_plot_canvas *cv, const char *s, double x, double y, double size, int bold, double align);
/* Its width at that size. */
double nt_plot_text_width(nt_plot_canvas *cv, const char *s, double size, int bold);
/* A legend entry at (x, y) (centre line): kind 0 line, 1 band (alpha), 2
   dashed line, 3 open circle, 4 dot; returns the x after it. */
double nt_plot_legend(nt_plot_canvas *cv, double x, double y, int kind, const double rgb[3], double alpha,
                      const char *label);

/* Programme colours (a palette readable in grey and by colour-blind
   readers), i-th of any number. */
void nt_plot_colour(int i, double rgb[3]);

/* Releases cairo's and fontconfig's process-wide font caches; call once at
   the very end of a program that plotted. */
void nt_plot_cleanup(void);

#endif
