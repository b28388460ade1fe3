/* Report-ready plots of effect paths with cairo: one PNG (1600 x 1000 px,
   drawn at 2x) and optionally one PDF (8 x 5 in) per programme x subgroup x
   outcome. Both are written atomically (temporary name, then rename).

   x = months since programme start (tau = 0..n_months-1), y = the effect in
   the outcome's units times y_scale. Undefined months (NaN) are gaps: the
   line and the band are broken there, never drawn through zero; a defined
   month between two gaps is a dot. The same numbers give the same PNG bytes
   (the PDF carries cairo's creation date). */
#ifndef NT_PLOT_H
#define NT_PLOT_H

#include <stddef.h>
#include "core/nt_error.h"

typedef struct {
    const char *title;        /* e.g. "ww2003: scholing, education=low" */
    const char *subtitle;     /* may be NULL, e.g. "ATT, radius matching" */
    const char *caption;      /* small print at the bottom, may be NULL */
    const char *x_label;      /* NULL: "Months since programme start" */
    const char *y_label;      /* the outcome and its units */
    double y_scale;           /* values are multiplied by it; 0 means 1 */
    double ci_level;          /* for the legend ("95% CI"); 0 means 0.95 */
    /* Test hook, or NULL: called with every text the plot draws into its
       PNG (title, legend, tick labels, note, axis labels, caption), in
       drawing order, so a test can check what a plot states without
       reading pixels. */
    void (*on_text)(void *ctx, const char *png_path, const char *text);
    void *on_text_ctx;
} nt_plot_opts;

/* theta(tau) with its confidence band (lower/upper may be NULL: no band)
   and a zero line. pdf_path may be NULL. */
nt_status nt_plot_effect(const char *png_path, const char *pdf_path, const double *est,
                         const double *lower, const double *upper, int n_months,
                         const nt_plot_opts *o, nt_error *err);

/* A cumulative path with its band and zero line, a dashed vertical line at
   x = marker labelled note (e.g. "break-even: month 73"), or, with marker
   NaN, note at the top right (e.g. "no break-even within 96 months"); note
   NULL: neither. The caller says what the marker means. */
nt_status nt_plot_cumulative(const char *png_path, const char *pdf_path, const double *cum,
                             const double *lower, const double *upper, int n_months,
                             double marker, const char *note, const nt_plot_opts *o, nt_error *err);

/* Two paths in one figure (e.g. two estimators of the same effect), each
   with its band (NULL: none): est1 in the colour of nt_plot_effect, est2
   in orange; the legend names them label1 and label2 (the band legend is
   left out). NaN months are gaps as above. */
nt_status nt_plot_compare(const char *png_path, const char *pdf_path, const double *est1, const double *lower1,
                          const double *upper1, const char *label1, const double *est2, const double *lower2,
                          const double *upper2, const char *label2, int n_months, const nt_plot_opts *o,
                          nt_error *err);

/* Releases cairo's and fontconfig's process-wide font caches; call once at
   the very end of a program that plotted (after which no cairo call may
   follow), so leak checkers see a clean exit. */
void nt_plot_cleanup(void);

#endif
