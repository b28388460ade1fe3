/* report.pdf: the blocks of nt_doc.h laid out on A4 pages with cairo.
   Text flows in one column and wraps at word boundaries; a level-1
   heading starts a new page; a heading stays with what follows it; a
   table too long for the rest of a page continues on the next one with
   its head repeated; figures are drawn as vectors at the text width.
   Every page has a footer with the title and page number. */
#include <cairo-pdf.h>
#include <cairo.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_doc.h"

#define PAGE_W 595.28
#define PAGE_H 841.89
#define LEFT 56.0
#define RIGHT (PAGE_W - 56.0)
#define TOP 56.0
#define BOTTOM (PAGE_H - 60.0)
#define BODY 9.5

typedef struct {
    const nt_doc *d;
    nt_plot_canvas cv;
    double y;
    int page;
    int fresh;   /* nothing on this page yet */
} pdf;

static void footer(pdf *p)
{
    char buf[64];
    cairo_set_source_rgb(p->cv.cr, 0.45, 0.45, 0.45);
    nt_plot_text(&p->cv, p->d->title, LEFT, PAGE_H - 32, 7.5, 0, 0);
    snprintf(buf, sizeof buf, "%d", p->page);
    nt_plot_text(&p->cv, buf, RIGHT, PAGE_H - 32, 7.5, 0, 1);
}

static void new_page(pdf *p)
{
    footer(p);
    cairo_show_page(p->cv.cr);
    p->page++;
    p->y = TOP;
    p->fresh = 1;
}

static void ensure(pdf *p, double h)
{
    if (p->y + h > BOTTOM && !p->fresh) new_page(p);
}

/* Wrapped text from y between x0 and RIGHT; draw 0: only measures.
   Returns the height used. */
static double para_at(pdf *p, const char *text, double x0, double size, int bold, double grey, int draw)
{
    double lh = size * 1.4, h = 0, width = RIGHT - x0;
    const char *s = text;
    char line[2048];
    while (*s) {
        size_t n = 0, best = 0;
        while (1) {
            size_t w = n;
            while (s[w] == ' ') w++;
            while (s[w] && s[w] != ' ') w++;
            if (w >= sizeof line) break;
            memcpy(line, s, w);
            line[w] = 0;
            if (best && nt_plot_text_width(&p->cv, line, size, bold) > width) break;
            best = w;
            n = w;
            if (!s[w]) break;
        }
        if (!best) best = strlen(s) < sizeof line - 1 ? strlen(s) : sizeof line - 1;
        memcpy(line, s, best);
        line[best] = 0;
        if (draw) {
            ensure(p, lh);
            cairo_set_source_rgb(p->cv.cr, grey, grey, grey);
            nt_plot_text(&p->cv, line, x0, p->y + size, size, bold, 0);
            p->y += lh;
            p->fresh = 0;
        }
        h += lh;
        s += best;
        while (*s == ' ') s++;
    }
    return h;
}

static double para(pdf *p, const char *text, double size, int bold, double grey, int draw)
{
    return para_at(p, text, LEFT, size, bold, grey, draw);
}

static void col_widths(pdf *p, const nt_doc_block *b, double size, double *w, double *total)
{
    *total = 0;
    for (int c = 0; c < b->ncols; c++) {
        w[c] = 0;
        for (int r = 0; r < b->nrows; r++) {
            const char *s = b->cell[r * b->ncols + c];
            double x = s ? nt_plot_text_width(&p->cv, s, size, r == 0) : 0;
            if (x > w[c]) w[c] = x;
        }
        w[c] += 9;
        *total += w[c];
    }
}

static void rule(pdf *p, double x0, double x1, double width)
{
    cairo_set_source_rgb(p->cv.cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(p->cv.cr, width);
    cairo_move_to(p->cv.cr, x0, p->y);
    cairo_line_to(p->cv.cr, x1, p->y);
    cairo_stroke(p->cv.cr);
}

static void row(pdf *p, const nt_doc_block *b, int r, const double *w, double size, double x0)
{
    double x = x0, lh = size * 1.55;
    cairo_set_source_rgb(p->cv.cr, 0.1, 0.1, 0.1);
    for (int c = 0; c < b->ncols; c++) {
        const char *s = b->cell[r * b->ncols + c];
        if (s) {
            if (c < b->nleft) nt_plot_text(&p->cv, s, x + 1, p->y + size * 1.15, size, r == 0, 0);
            else nt_plot_text(&p->cv, s, x + w[c] - 1, p->y + size * 1.15, size, r == 0, 1);
        }
        x += w[c];
    }
    p->y += lh;
}

static void notes(pdf *p, const nt_doc_block *b)
{
    p->y += 3;
    if (b->note) para(p, b->note, 7.5, 0, 0.35, 1);
    para(p, p->d->source, 7.5, 0, 0.35, 1);
    p->y += 10;
}

/* A table's font size: 8.5 pt, smaller until it fits the text width. */
static double table_size(pdf *p, const nt_doc_block *b, double *w, double *total)
{
    double size = b->kind == NT_DOC_FACTS ? BODY : 8.5;
    col_widths(p, b, size, w, total);
    while (b->kind == NT_DOC_TABLE && *total > RIGHT - LEFT && size > 5.5) {
        size -= 0.5;
        col_widths(p, b, size, w, total);
    }
    return size;
}

static double notes_height(pdf *p, const nt_doc_block *b)
{
    return 3 + (b->note ? para(p, b->note, 7.5, 0, 0.35, 0) : 0) + para(p, p->d->source, 7.5, 0, 0.35, 0) + 10;
}

/* The height of a whole table: caption, rules, rows, note and source. */
static double table_height(pdf *p, const nt_doc_block *b)
{
    double total, *w = calloc((size_t)b->ncols, sizeof *w);
    if (!w) return 0;
    double size = table_size(p, b, w, &total);
    free(w);
    return para(p, b->text, 9, 1, 0.1, 0) + 2 + size * 1.55 * b->nrows + notes_height(p, b);
}

static void table(pdf *p, const nt_doc_block *b)
{
    double total, *w = calloc((size_t)b->ncols, sizeof *w);
    if (!w) return;
    double size = table_size(p, b, w, &total);
    double lh = size * 1.55, x0 = LEFT, x1 = LEFT + total;
    if (b->kind == NT_DOC_FACTS) {  /* label, then the value wrapped beside it */
        double vx = LEFT + w[0] + 6;
        for (int r = 0; r < b->nrows; r++) {
            const char *v = b->cell[2 * r + 1] ? b->cell[2 * r + 1] : "";
            ensure(p, para_at(p, v, vx, size, 0, 0, 0));
            double y0 = p->y;
            cairo_set_source_rgb(p->cv.cr, 0.35, 0.35, 0.35);
            nt_plot_text(&p->cv, b->cell[2 * r] ? b->cell[2 * r] : "", LEFT, p->y + size, size, 0, 0);
            para_at(p, v, vx, size, 0, 0.1, 1);
            if (p->y < y0 + size * 1.4) p->y = y0 + size * 1.4;
        }
        p->y += 8;
        free(w);
        return;
    }
    double cap = para(p, b->text, 9, 1, 0.1, 0), whole = table_height(p, b), nh = notes_height(p, b);
    if (whole <= BOTTOM - TOP) ensure(p, whole);  /* a table that fits a page is not split */
    else ensure(p, cap + lh * 6);
    para(p, b->text, 9, 1, 0.1, 1);
    p->y += 2;
    rule(p, x0, x1, 1.1);
    row(p, b, 0, w, size, x0);
    rule(p, x0, x1, 0.5);
    for (int r = 1; r < b->nrows; r++) {
        /* continue on the next page, head repeated; the last row stays with the note and source */
        if (p->y + lh > BOTTOM || (r == b->nrows - 1 && p->y + lh + nh > BOTTOM)) {
            rule(p, x0, x1, 1.1);
            new_page(p);
            rule(p, x0, x1, 1.1);
            row(p, b, 0, w, size, x0);
            rule(p, x0, x1, 0.5);
        }
        row(p, b, r, w, size, x0);
    }
    rule(p, x0, x1, 1.1);
    p->fresh = 0;
    notes(p, b);
    free(w);
}

static void figure(pdf *p, const nt_doc_block *b)
{
    double k = (RIGHT - LEFT) / b->w;
    if (k > 1) k = 1;
    double cap = para(p, b->text, 9, 1, 0.1, 0), h = b->h * k;
    if (h > BOTTOM - TOP - cap - 30) k *= (BOTTOM - TOP - cap - 30) / h, h = b->h * k;
    ensure(p, cap + h + 20);
    para(p, b->text, 9, 1, 0.1, 1);
    cairo_t *cr = p->cv.cr;
    cairo_save(cr);
    cairo_translate(cr, LEFT, p->y + 2);
    cairo_scale(cr, k, k);
    cairo_rectangle(cr, 0, 0, b->w, b->h);
    cairo_clip(cr);
    b->draw(&p->cv, b->w, b->h, b->fig);
    cairo_restore(cr);
    p->y += h + 4;
    p->fresh = 0;
    notes(p, b);
}

/* The height a block needs at least at the top of what follows a heading. */
static double lead(pdf *p, const nt_doc_block *b)
{
    if (!b) return 0;
    if (b->kind == NT_DOC_FIGURE) return b->h * fmin(1, (RIGHT - LEFT) / b->w) + 30;
    if (b->kind == NT_DOC_TABLE) {
        double whole = table_height(p, b);
        return whole <= BOTTOM - TOP ? whole : 9 * 1.4 + 8.5 * 1.55 * (b->nrows < 5 ? b->nrows : 5);
    }
    return para(p, b->text ? b->text : "", BODY, 0, 0, 0);
}

static void heading(pdf *p, const nt_doc_block *b, const nt_doc_block *next)
{
    double size = b->level == 1 ? 14 : 11;
    ensure(p, size * 2.2 + lead(p, next));
    if (!p->fresh) p->y += size * 0.6;
    para(p, b->text, size, 1, 0.05, 1);
    p->y += size * 0.3;
}

nt_status nt_doc_write_pdf(const nt_doc *d, const char *path, nt_error *err)
{
    char tmp[4200];
    nt_status s = nt_file_tmpname(path, tmp, sizeof tmp, err);
    if (s) return s;
    cairo_surface_t *sf = cairo_pdf_surface_create(tmp, PAGE_W, PAGE_H);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_TITLE, d->title);
    cairo_pdf_surface_set_metadata(sf, CAIRO_PDF_METADATA_CREATOR, "netto");
    cairo_t *cr = cairo_create(sf);
    pdf p = {d, {cr, d->lang, NULL, NULL, NULL}, TOP, 1, 1};
    para(&p, d->title, 18, 1, 0.05, 1);
    if (d->subtitle) para(&p, d->subtitle, 11, 0, 0.3, 1);
    p.y += 10;
    for (int i = 0; i < d->n; i++) {
        const nt_doc_block *b = &d->b[i];
        switch (b->kind) {
        case NT_DOC_HEADING: heading(&p, b, i + 1 < d->n ? &d->b[i + 1] : NULL); break;
        case NT_DOC_PARA:
            para(&p, b->text, BODY, 0, 0.1, 1);
            p.y += 5;
            break;
        case NT_DOC_FACTS:
        case NT_DOC_TABLE: table(&p, b); break;
        case NT_DOC_FIGURE: figure(&p, b); break;
        }
    }
    footer(&p);
    cairo_status_t cs = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(sf);
    if (cs == CAIRO_STATUS_SUCCESS) cs = cairo_surface_status(sf);
    cairo_surface_destroy(sf);
    if (cs != CAIRO_STATUS_SUCCESS) {
        remove(tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot write the report: %s", cairo_status_to_string(cs));
    }
    return nt_file_rename(tmp, path, err);
}
