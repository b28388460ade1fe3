/* A report as a list of blocks (headings, paragraphs, tables, figures),
   built once and written as HTML (nt_doc_html.c), PDF (nt_doc_pdf.c) and,
   for the tables marked `summary`, Markdown and LaTeX (nt_doc.c). Every
   cell is text already formatted, so the same number reads the same in
   each. Tables and figures are numbered as they are added; every one
   carries the source line. */
#ifndef NT_DOC_H
#define NT_DOC_H

#include "core/nt_error.h"
#include "report/nt_lang.h"
#include "report/nt_plot.h"

typedef enum { NT_DOC_HEADING, NT_DOC_PARA, NT_DOC_TABLE, NT_DOC_FIGURE, NT_DOC_FACTS } nt_doc_kind;

typedef struct {
    nt_doc_kind kind;
    int level;             /* heading: 1 or 2 */
    char *text;            /* heading, paragraph; table or figure caption with its number */
    char *caption;         /* table: the caption without its number (summary.md/.tex) */
    int nleft;             /* table: leading columns of text (left-aligned); the rest are numbers */
    int ncols, nrows;      /* table (row 0: the head) and facts (2 columns) */
    char **cell;           /* [row * ncols + col] */
    char *note;            /* under a table or figure (before the source) */
    int summary;           /* table: also in summary.md and summary.tex */
    char *file;            /* figure: "plots/<...>" without extension */
    double w, h;           /* figure size in points */
    nt_plot_draw_fn draw;
    const void *fig;
} nt_doc_block;

typedef struct {
    nt_lang lang;
    char *title, *subtitle, *source;  /* source: the whole line ("Source: ...") */
    nt_doc_block *b;
    int n, cap, n_tables, n_figures;
    int oom;
} nt_doc;

void nt_doc_init(nt_doc *d, nt_lang lang, const char *title, const char *subtitle, const char *source);
void nt_doc_free(nt_doc *d);
void nt_doc_heading(nt_doc *d, int level, const char *text);
void nt_doc_para(nt_doc *d, const char *text);
/* A table of nrows x ncols cells (row 0 the head); the caption gets its
   number. Returns the block to fill (cells NULL = empty), or NULL (oom). */
nt_doc_block *nt_doc_table(nt_doc *d, const char *caption, int nrows, int ncols, int summary);
/* A list of label: value pairs (the study). */
nt_doc_block *nt_doc_facts(nt_doc *d, int nrows);
void nt_doc_cell(nt_doc_block *b, int row, int col, const char *text);
void nt_doc_note(nt_doc_block *b, const char *note);
void nt_doc_figure(nt_doc *d, const char *caption, const char *file, double w, double h, nt_plot_draw_fn draw,
                   const void *fig, const char *note);

nt_status nt_doc_write_html(const nt_doc *d, const char *path, nt_error *err);
nt_status nt_doc_write_pdf(const nt_doc *d, const char *path, nt_error *err);
nt_status nt_doc_write_markdown(const nt_doc *d, const char *path, nt_error *err);
nt_status nt_doc_write_latex(const nt_doc *d, const char *path, nt_error *err);

#endif
