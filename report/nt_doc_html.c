/* report.html: one self-contained page. Figures are inline SVG (cairo's
   SVG surface, text as glyph outlines, ids prefixed per figure), the CSS
   is embedded; no script, no font, no link to another file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_doc.h"

static const char css[] =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;font-size:14px;line-height:1.45;color:#222;"
    "max-width:860px;margin:2em auto;padding:0 1em}\n"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.3em;margin-top:2em;border-bottom:1px solid #ccc}"
    "h3{font-size:1.1em;margin-top:1.6em}\n"
    ".sub{color:#555;margin-top:0}\n"
    "table{border-collapse:collapse;margin:.4em 0 .2em;font-size:13px}\n"
    "caption{caption-side:top;text-align:left;font-weight:bold;padding-bottom:.3em}\n"
    "th,td{padding:2px 10px;text-align:right;white-space:nowrap}th.l,td.l{text-align:left}\n"
    "thead th{border-top:2px solid #222;border-bottom:1px solid #222}tbody tr:last-child td{border-bottom:2px solid #222}\n"
    "table.facts td{text-align:left;border:none;white-space:normal;vertical-align:top}"
    "table.facts tbody tr:last-child td{border:none}table.facts td:first-child{color:#555;padding-left:0;"
    "white-space:nowrap}\n"
    "figure{margin:1.2em 0}figure svg{width:100%;height:auto;display:block}\n"
    "figcaption{font-weight:bold;margin-bottom:.3em}\n"
    ".note,.source{font-size:12px;color:#555;margin:.1em 0}.source{margin-bottom:1.2em}\n";

static void esc(FILE *fp, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", fp); break;
        case '>': fputs("&gt;", fp); break;
        case '&': fputs("&amp;", fp); break;
        case '"': fputs("&quot;", fp); break;
        default: fputc(*s, fp);
        }
    }
}

static void td(FILE *fp, const nt_doc_block *b, int c, const char *tag, const char *text)
{
    fprintf(fp, c < b->nleft ? "<%s class=\"l\">" : "<%s>", tag);
    esc(fp, text);
    fprintf(fp, "</%s>", tag);
}

static void table(FILE *fp, const nt_doc_block *b, const char *source)
{
    fputs("<table>\n<caption>", fp);
    esc(fp, b->text);
    fputs("</caption>\n<thead><tr>", fp);
    for (int c = 0; c < b->ncols; c++) td(fp, b, c, "th", b->cell[c]);
    fputs("</tr></thead>\n<tbody>\n", fp);
    for (int r = 1; r < b->nrows; r++) {
        fputs("<tr>", fp);
        for (int c = 0; c < b->ncols; c++) td(fp, b, c, "td", b->cell[r * b->ncols + c]);
        fputs("</tr>\n", fp);
    }
    fputs("</tbody></table>\n", fp);
    if (b->note) { fputs("<p class=\"note\">", fp); esc(fp, b->note); fputs("</p>\n", fp); }
    fputs("<p class=\"source\">", fp);
    esc(fp, source);
    fputs("</p>\n", fp);
}

static nt_status figure(FILE *fp, const nt_doc *d, const nt_doc_block *b, int index, nt_error *err)
{
    char pre[32], *svg = NULL;
    snprintf(pre, sizeof pre, "f%d-", index);
    nt_status s = nt_plot_svg(b->w, b->h, b->draw, b->fig, d->lang, pre, &svg, err);
    if (s) return s;
    fputs("<figure>\n<figcaption>", fp);
    esc(fp, b->text);
    fputs("</figcaption>\n", fp);
    const char *body = svg;  /* drop the XML declaration: the SVG is inline */
    if (body[0] == '<' && body[1] == '?') {
        const char *e = strstr(body, "?>");
        if (e) body = e + 2;
        while (*body == '\n') body++;
    }
    fputs(body, fp);
    free(svg);
    if (b->note) { fputs("<p class=\"note\">", fp); esc(fp, b->note); fputs("</p>\n", fp); }
    fputs("<p class=\"source\">", fp);
    esc(fp, d->source);
    fputs("</p>\n</figure>\n", fp);
    return NT_OK;
}

nt_status nt_doc_write_html(const nt_doc *d, const char *path, nt_error *err)
{
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    FILE *fp = f.fp;
    fprintf(fp, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>",
            d->lang == NT_LANG_NL ? "nl" : "en");
    esc(fp, d->title);
    fprintf(fp, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", css);
    esc(fp, d->title);
    fputs("</h1>\n", fp);
    if (d->subtitle) { fputs("<p class=\"sub\">", fp); esc(fp, d->subtitle); fputs("</p>\n", fp); }
    for (int i = 0; i < d->n && !s; i++) {
        const nt_doc_block *b = &d->b[i];
        switch (b->kind) {
        case NT_DOC_HEADING:
            fprintf(fp, "<h%d>", b->level + 1);
            esc(fp, b->text);
            fprintf(fp, "</h%d>\n", b->level + 1);
            break;
        case NT_DOC_PARA:
            fputs("<p>", fp);
            esc(fp, b->text);
            fputs("</p>\n", fp);
            break;
        case NT_DOC_FACTS:
            fputs("<table class=\"facts\"><tbody>\n", fp);
            for (int r = 0; r < b->nrows; r++) {
                fputs("<tr><td>", fp);
                esc(fp, b->cell[2 * r]);
                fputs("</td><td>", fp);
                esc(fp, b->cell[2 * r + 1]);
                fputs("</td></tr>\n", fp);
            }
            fputs("</tbody></table>\n", fp);
            break;
        case NT_DOC_TABLE: table(fp, b, d->source); break;
        case NT_DOC_FIGURE: s = figure(fp, d, b, i, err); break;
        }
    }
    fputs("</body>\n</html>\n", fp);
    if (s) {
        fclose(f.fp);
        remove(f.tmp);
        return s;
    }
    return nt_outfile_commit(&f, err);
}
