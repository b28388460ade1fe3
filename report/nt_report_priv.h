/* Shared by nt_report.c and nt_report_figs.c: the figures of a report. */
#ifndef NT_REPORT_PRIV_H
#define NT_REPORT_PRIV_H

#include <stddef.h>

#include "report/nt_plot.h"
#include "report/nt_report.h"

typedef enum { NT_FIG_EFFECTS, NT_FIG_ALL, NT_FIG_FOREST, NT_FIG_OVERLAP, NT_FIG_LOVE } nt_fig_kind;

typedef struct {
    nt_fig_kind kind;
    const nt_report *r;
    int prog;         /* EFFECTS, OVERLAP, LOVE */
    int cumulative;   /* ALL */
    int variable;     /* FOREST */
    int outcome;      /* FOREST: the outcome shown */
} nt_fig;

/* Draws any of the report's figures (an nt_plot_draw_fn). */
void nt_report_fig_draw(nt_plot_canvas *cv, double w, double h, const void *fig);
/* Its size in points. */
void nt_report_fig_size(const nt_fig *f, double *w, double *h);

/* Shared wording. */
const nt_report_path *nt_report_path_of(const nt_report *r, int prog, int group, int outcome);
/* "1,234" / "x" (hidden) / "–" (none): a value with dec decimals times scale. */
void nt_report_fmt(const nt_report *r, const nt_report_value *v, double scale, int dec, char *buf, size_t size);
/* "[0.4; 2.0]" / "x" / "–". */
void nt_report_fmt_ci(const nt_report *r, const nt_report_value *v, double scale, int dec, char *buf, size_t size);
/* The interval's kind as a phrase of the report's language (band: with
   the simultaneous band's, where one is drawn). */
void nt_report_interval_text(const nt_report *r, int band, char *buf, size_t size);
/* The break-even statement of a cumulative path at the horizon. */
void nt_report_breakeven_text(const nt_report *r, const nt_report_value *be, int net, char *buf, size_t size);
/* A group label for reading: "low" of "education=low", the whole cohort's word for "". */
const char *nt_report_group_text(const nt_report *r, int group);

/* A warning of the run in the report's language (nt_report_warn.c): 1 with
   the text in buf, 0 when no Dutch wording is known (English: always 1). */
int nt_report_warning_text(nt_lang lang, const char *w, char *buf, size_t size);

#endif
