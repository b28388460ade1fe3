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
    const char *y_label;      /* the outcome and its units (nt_plot_axis_label) */
    double y_scale;           /* values are multiplied by it; 0 means 1 */
    double ci_level;          /* for the legend ("95% CI"); 0 means 0.95 */
} nt_plot_opts;

/* theta(tau) with its confidence band (lower/upper may be NULL: no band)
   and a zero line. pdf_path may be NULL. */
nt_status nt_plot_effect(const char *png_path, const char *pdf_path, const double *est,
                         const double *lower, const double *upper, int n_months,
                         const nt_plot_opts *o, nt_error *err);

/* C(tau) (e.g. from nt_summary_cumulative) with its band and zero line, and
   the break-even month marked by a dashed vertical line (NaN: none, noted
   as "no break-even within N months"). */
nt_status nt_plot_cumulative(const char *png_path, const char *pdf_path, const double *cum,
                             const double *lower, const double *upper, int n_months,
                             double breakeven_month, const nt_plot_opts *o, nt_error *err);

/* Axis label and scale for a panel series: cumulative 0 -> "Effect on the
   employment rate (percentage points)", scale 100; cumulative 1 ->
   "Cumulative effect (months employed)", scale 1. For on_benefit and
   on_index_benefit the cumulative label reads "months on benefit saved", as
   nt_summary_cumulative negates them. Unknown series: the name, scale 1. */
void nt_plot_axis_label(const char *series, int cumulative, char *buf, size_t size,
                        double *scale);

/* Releases cairo's and fontconfig's process-wide font caches; call once at
   the very end of a program that plotted (after which no cairo call may
   follow), so leak checkers see a clean exit. */
void nt_plot_cleanup(void);

#endif
