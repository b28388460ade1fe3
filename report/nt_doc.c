/* The report's blocks (nt_doc.h), and summary.md / summary.tex: the tables
   marked `summary`, Markdown pipes and LaTeX booktabs (a whole document,
   10pt, A4 portrait; tables in \small with narrow column gaps, wider than
   six columns in \footnotesize, long column heads over two lines, so
   eight columns fit the text width). */
#include "report/nt_doc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"

static char *dup(const char *s) { return s ? strdup(s) : NULL; }

void nt_doc_init(nt_doc *d, nt_lang lang, const char *title, const char *subtitle, const char *source)
{
    memset(d, 0, sizeof *d);
    d->lang = lang;
    d->title = dup(title);
    d->subtitle = dup(subtitle);
    d->source = dup(source);
}

void nt_doc_free(nt_doc *d)
{
    for (int i = 0; i < d->n; i++) {
        nt_doc_block *b = &d->b[i];
        free(b->text);
        free(b->caption);
        free(b->note);
        free(b->file);
        for (int c = 0; b->cell && c < b->nrows * b->ncols; c++) free(b->cell[c]);
        free(b->cell);
    }
    free(d->b);
    free(d->title);
    free(d->subtitle);
    free(d->source);
    memset(d, 0, sizeof *d);
}

static nt_doc_block *add(nt_doc *d, nt_doc_kind kind)
{
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 32;
        nt_doc_block *b = realloc(d->b, (size_t)cap * sizeof *b);
        if (!b) { d->oom = 1; return NULL; }
        d->b = b;
        d->cap = cap;
    }
    nt_doc_block *b = &d->b[d->n++];
    memset(b, 0, sizeof *b);
    b->kind = kind;
    return b;
}

void nt_doc_heading(nt_doc *d, int level, const char *text)
{
    nt_doc_block *b = add(d, NT_DOC_HEADING);
    if (!b) return;
    b->level = level;
    if (!(b->text = dup(text))) d->oom = 1;
}

void nt_doc_para(nt_doc *d, const char *text)
{
    nt_doc_block *b = add(d, NT_DOC_PARA);
    if (b && !(b->text = dup(text))) d->oom = 1;
}

static nt_doc_block *grid(nt_doc *d, nt_doc_kind kind, int nrows, int ncols)
{
    nt_doc_block *b = add(d, kind);
    if (!b) return NULL;
    b->nrows = nrows;
    b->ncols = ncols;
    b->cell = calloc((size_t)nrows * (size_t)ncols + 1, sizeof *b->cell);
    if (!b->cell) { d->oom = 1; d->n--; return NULL; }
    return b;
}

nt_doc_block *nt_doc_table(nt_doc *d, const char *caption, int nrows, int ncols, int summary)
{
    nt_doc_block *b = grid(d, NT_DOC_TABLE, nrows, ncols);
    if (!b) return NULL;
    char num[64], buf[1200];
    snprintf(num, sizeof num, nt_lang_word(d->lang, NT_W_TABLE), ++d->n_tables);
    snprintf(buf, sizeof buf, "%s. %s", num, caption);
    b->text = dup(buf);
    b->caption = dup(caption);
    b->summary = summary;
    b->nleft = 1;
    return b;
}

nt_doc_block *nt_doc_facts(nt_doc *d, int nrows) { return grid(d, NT_DOC_FACTS, nrows, 2); }

void nt_doc_cell(nt_doc_block *b, int row, int col, const char *text)
{
    if (!b || row < 0 || row >= b->nrows || col < 0 || col >= b->ncols) return;
    free(b->cell[row * b->ncols + col]);
    b->cell[row * b->ncols + col] = dup(text);
}

void nt_doc_note(nt_doc_block *b, const char *note)
{
    if (!b) return;
    free(b->note);
    b->note = dup(note);
}

void nt_doc_figure(nt_doc *d, const char *caption, const char *file, double w, double h, nt_plot_draw_fn draw,
                   const void *fig, const char *note)
{
    nt_doc_block *b = add(d, NT_DOC_FIGURE);
    if (!b) return;
    char num[64], buf[1200];
    snprintf(num, sizeof num, nt_lang_word(d->lang, NT_W_FIGURE), ++d->n_figures);
    snprintf(buf, sizeof buf, "%s. %s", num, caption);
    b->text = dup(buf);
    b->file = dup(file);
    b->note = dup(note);
    b->w = w;
    b->h = h;
    b->draw = draw;
    b->fig = fig;
}

static const char *cell(const nt_doc_block *b, int r, int c)
{
    const char *s = b->cell[r * b->ncols + c];
    return s ? s : "";
}

/* ------------------------------------------------------------- Markdown */

nt_status nt_doc_write_markdown(const nt_doc *d, const char *path, nt_error *err)
{
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    fprintf(f.fp, "# %s\n\n", d->title);
    if (d->subtitle) fprintf(f.fp, "%s\n\n", d->subtitle);
    for (int i = 0; i < d->n; i++) {
        const nt_doc_block *b = &d->b[i];
        if (b->kind != NT_DOC_TABLE || !b->summary) continue;
        fprintf(f.fp, "**%s**\n\n", b->caption);
        for (int r = 0; r < b->nrows; r++) {
            for (int c = 0; c < b->ncols; c++) fprintf(f.fp, "| %s ", cell(b, r, c));
            fputs("|\n", f.fp);
            if (r == 0) {
                for (int c = 0; c < b->ncols; c++) fputs(c < b->nleft ? "|:---" : "|---:", f.fp);
                fputs("|\n", f.fp);
            }
        }
        fputc('\n', f.fp);
        if (b->note) fprintf(f.fp, "%s  \n", b->note);
        fprintf(f.fp, "%s\n\n", d->source);
    }
    return nt_outfile_commit(&f, err);
}

/* ------------------------------------------------------------- LaTeX */

/* Text as LaTeX: specials escaped, the minus sign and dashes as TeX has them. */
static void tex(FILE *fp, const char *s)
{
    for (; *s; s++) {
        if (!strncmp(s, "\xe2\x88\x92", 3)) { fputs("$-$", fp); s += 2; continue; }
        if (!strncmp(s, "\xe2\x80\x93", 3)) { fputs("--", fp); s += 2; continue; }
        switch (*s) {
        case '%': case '&': case '_': case '#': case '$': case '{': case '}': fprintf(fp, "\\%c", *s); break;
        case '~': fputs("\\textasciitilde{}", fp); break;
        case '^': fputs("\\textasciicircum{}", fp); break;
        case '\\': fputs("\\textbackslash{}", fp); break;
        case '<': fputs("\\textless{}", fp); break;
        case '>': fputs("\\textgreater{}", fp); break;
        default: fputc(*s, fp);
        }
    }
}

/* A column head: over two lines, broken at the space nearest its middle,
   when it is longer than 10 bytes (the numbers under it are narrower). */
static void tex_head(FILE *fp, const char *s, int left)
{
    size_t n = strlen(s), best = 0;
    for (size_t i = 1; i + 1 < n; i++)
        if (s[i] == ' ' && (!best || (i > n / 2 ? i - n / 2 : n / 2 - i) < (best > n / 2 ? best - n / 2 : n / 2 - best)))
            best = i;
    if (n <= 10 || !best) { tex(fp, s); return; }
    char a[512], b[512];
    snprintf(a, sizeof a, "%.*s", (int)best, s);
    snprintf(b, sizeof b, "%s", s + best + 1);
    fprintf(fp, "\\begin{tabular}[b]{@{}%c@{}}", left ? 'l' : 'r');
    tex(fp, a);
    fputs("\\\\", fp);
    tex(fp, b);
    fputs("\\end{tabular}", fp);
}

nt_status nt_doc_write_latex(const nt_doc *d, const char *path, nt_error *err)
{
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    fputs("\\documentclass[10pt,a4paper]{article}\n\\usepackage[utf8]{inputenc}\n\\usepackage[T1]{fontenc}\n"
          "\\usepackage{booktabs}\n\\usepackage[margin=2.5cm]{geometry}\n\\usepackage[font=small]{caption}\n",
          f.fp);
    fputs(d->lang == NT_LANG_NL ? "\\usepackage[dutch]{babel}\n" : "\\usepackage[english]{babel}\n", f.fp);
    fputs("\\begin{document}\n\\section*{", f.fp);
    tex(f.fp, d->title);
    fputs("}\n", f.fp);
    if (d->subtitle) { tex(f.fp, d->subtitle); fputs("\n", f.fp); }
    for (int i = 0; i < d->n; i++) {
        const nt_doc_block *b = &d->b[i];
        if (b->kind != NT_DOC_TABLE || !b->summary) continue;
        fprintf(f.fp, "\n\\begin{table}[htbp]\n\\centering\\%s\\setlength{\\tabcolsep}{4pt}\n\\caption*{",
                b->ncols > 6 ? "footnotesize" : "small");
        tex(f.fp, b->caption);
        fputs("}\n\\begin{tabular}{", f.fp);
        for (int c = 0; c < b->ncols; c++) fputc(c < (b->nleft > 0 ? b->nleft : 1) ? 'l' : 'r', f.fp);
        fputs("}\n\\toprule\n", f.fp);
        for (int r = 0; r < b->nrows; r++) {
            for (int c = 0; c < b->ncols; c++) {
                if (c) fputs(" & ", f.fp);
                if (r == 0) tex_head(f.fp, cell(b, r, c), c < (b->nleft > 0 ? b->nleft : 1));
                else tex(f.fp, cell(b, r, c));
            }
            fputs(" \\\\\n", f.fp);
            if (r == 0) fputs("\\midrule\n", f.fp);
        }
        fputs("\\bottomrule\n\\end{tabular}\n\n\\smallskip\n{\\footnotesize ", f.fp);
        if (b->note) { tex(f.fp, b->note); fputs("\\\\\n", f.fp); }
        tex(f.fp, d->source);
        fputs("}\n\\end{table}\n", f.fp);
    }
    fputs("\\end{document}\n", f.fp);
    return nt_outfile_commit(&f, err);
}
