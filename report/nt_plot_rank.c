/* The ranking figure of benchmark.csv (study/nt_run_benchmark.c,
   docs/heterogeneity.md): units in the order given, each with its shrunk
   estimate and interval as a forest row and its rank with the rank's
   interval in the row's text, under a title. */
#include <cairo.h>

#include "report/nt_plot.h"

typedef struct {
    const char *title, *x_label;
    const nt_plot_row *rows;
    int n;
} rank_fig;

static void draw(nt_plot_canvas *cv, double w, double h, const void *fig)
{
    const rank_fig *F = fig;
    cairo_set_source_rgb(cv->cr, 0.1, 0.1, 0.1);
    nt_plot_text(cv, F->title, 6, 12, 8.5, 1, 0);
    nt_plot_draw_forest(cv, 0, 18, w, h - 18, F->x_label, F->rows, F->n);
}

nt_status nt_plot_ranking_png(const char *path, const char *title, const char *x_label, const nt_plot_row *rows,
                              int n, nt_lang lang, nt_error *err)
{
    rank_fig F = {title, x_label, rows, n};
    return nt_plot_write_png(path, 520, 60 + 18.0 * n, draw, &F, lang, NULL, NULL, err);
}
