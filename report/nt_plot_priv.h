/* Shared by nt_plot.c and nt_plot_panels.c: axes and plot areas. */
#ifndef NT_PLOT_PRIV_H
#define NT_PLOT_PRIV_H

#include <cairo.h>

#include "report/nt_plot.h"

#define NT_PLOT_FONT "DejaVu Sans"
#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

typedef struct { double x0, x1, y0, y1, label_gap; } nt_plot_area;
typedef struct { double lo, hi, step; } nt_plot_axis_t;

double nt_plot_nice_step(double span, int target);
int nt_plot_decimals(double step);
/* An axis over [lo, hi] widened to hold 0, padded, in nice steps. */
void nt_plot_axis(nt_plot_axis_t *a, double lo, double hi, int target);
/* Horizontal grid, y tick labels (magnitude: |v|) and the rotated y label. */
void nt_plot_frame(nt_plot_canvas *cv, const nt_plot_area *A, const nt_plot_axis_t *ya, const char *y_label,
                   int magnitude);

static inline double nt_plot_y(const nt_plot_area *A, const nt_plot_axis_t *a, double v)
{
    return A->y0 + (A->y1 - A->y0) * (a->hi - v) / (a->hi - a->lo);
}
static inline double nt_plot_x(const nt_plot_area *A, const nt_plot_axis_t *a, double v)
{
    return A->x0 + (A->x1 - A->x0) * (v - a->lo) / (a->hi - a->lo);
}

#endif
