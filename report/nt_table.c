/* Table writer (see nt_table.h); which cells are emptied is nt_disclose's
   decision. Cells are kept as formatted strings (CSV precision) plus the
   number, so Markdown and LaTeX can round for reports while the CSV keeps
   %.10g. */
#include "report/nt_table.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_disclose.h"

typedef struct {
    char *text;     /* NULL = empty */
    double num;     /* NaN unless numeric */
    long basis;     /* the cell's own basis beyond its row's (LONG_MAX: none) */
    unsigned char why;
} cell;

struct nt_table {
    int ncols;
    char **names;
    nt_col_kind *kinds;
    long nrows, cap;
    cell *cells;    /* nrows x ncols, row-major */
    long *basis;
    unsigned char *why; /* nt_disclose_why of each row's basis */
    long round;         /* base counts are published rounded to */
    char scratch[4096];
};

void nt_format_num(double v, char *buf)
{
    if (isnan(v)) buf[0] = 0;
    else if (isinf(v)) strcpy(buf, v > 0 ? "Inf" : "-Inf");
    else snprintf(buf, 32, "%.10g", v == 0 ? 0.0 : v); /* no "-0" */
}

nt_table *nt_table_alloc(const char *const *columns, const nt_col_kind *kinds, int ncols)
{
    nt_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->ncols = ncols;
    t->round = 1;
    t->names = calloc((size_t)ncols, sizeof *t->names);
    t->kinds = calloc((size_t)ncols, sizeof *t->kinds);
    if (!t->names || !t->kinds) { nt_table_free(t); return NULL; }
    for (int j = 0; j < ncols; j++) {
        t->names[j] = strdup(columns[j]);
        if (!t->names[j]) { nt_table_free(t); return NULL; }
        t->kinds[j] = kinds[j];
    }
    return t;
}

void nt_table_free(nt_table *t)
{
    if (!t) return;
    for (long i = 0; i < t->nrows * t->ncols; i++) free(t->cells[i].text);
    if (t->names)
        for (int j = 0; j < t->ncols; j++) free(t->names[j]);
    free(t->names);
    free(t->kinds);
    free(t->cells);
    free(t->basis);
    free(t->why);
    free(t);
}

int nt_table_add_row(nt_table *t)
{
    if (t->nrows == t->cap) {
        long cap = t->cap ? 2 * t->cap : 64;
        cell *c = realloc(t->cells, (size_t)(cap * t->ncols) * sizeof *c);
        if (!c) return -1;
        t->cells = c;
        long *b = realloc(t->basis, (size_t)cap * sizeof *b);
        if (!b) return -1;
        t->basis = b;
        unsigned char *w = realloc(t->why, (size_t)cap);
        if (!w) return -1;
        t->why = w;
        t->cap = cap;
    }
    for (int j = 0; j < t->ncols; j++) {
        t->cells[t->nrows * t->ncols + j].text = NULL;
        t->cells[t->nrows * t->ncols + j].num = NAN;
        t->cells[t->nrows * t->ncols + j].basis = LONG_MAX;
    }
    t->basis[t->nrows] = LONG_MAX;
    t->why[t->nrows] = NT_WHY_PERSONS;
    t->nrows++;
    return 0;
}

static int col_index(const nt_table *t, const char *col)
{
    for (int j = 0; j < t->ncols; j++)
        if (!strcmp(t->names[j], col)) return j;
    /* A wrong column name is a programming error, not a data problem. */
    fprintf(stderr, "netto: internal error: table has no column '%s'\n", col);
    abort();
}

static cell *current(nt_table *t, const char *col)
{
    if (t->nrows == 0) {
        fprintf(stderr, "netto: internal error: table cell set before a row was added\n");
        abort();
    }
    return &t->cells[(t->nrows - 1) * t->ncols + col_index(t, col)];
}

void nt_table_set_str(nt_table *t, const char *col, const char *value)
{
    cell *c = current(t, col);
    free(c->text);
    c->text = value ? strdup(value) : NULL;
    c->num = NAN;
}

void nt_table_set_num(nt_table *t, const char *col, double value)
{
    cell *c = current(t, col);
    free(c->text);
    c->text = NULL;
    c->num = value;
    if (!isnan(value)) {
        char buf[32];
        nt_format_num(value, buf);
        c->text = strdup(buf);
    }
}

void nt_table_set_int(nt_table *t, const char *col, long value)
{
    nt_table_set_num(t, col, (double)value);
}

void nt_table_set_basis(nt_table *t, long n_persons)
{
    if (t->nrows > 0) {
        t->basis[t->nrows - 1] = n_persons;
        t->why[t->nrows - 1] = NT_WHY_PERSONS;
    }
}

void nt_table_limit_basis(nt_table *t, long n_persons, nt_disclose_why why)
{
    if (t->nrows > 0 && n_persons < t->basis[t->nrows - 1]) {
        t->basis[t->nrows - 1] = n_persons;
        t->why[t->nrows - 1] = (unsigned char)why;
    }
}

void nt_table_limit_cell(nt_table *t, const char *col, long n_persons, nt_disclose_why why)
{
    cell *c = current(t, col);
    if (n_persons < c->basis) {
        c->basis = n_persons;
        c->why = (unsigned char)why;
    }
}

void nt_table_set_round(nt_table *t, long base) { t->round = base > 1 ? base : 1; }

long nt_table_rows(const nt_table *t) { return t->nrows; }

/* The reason cell (i, j) is emptied, or -1 if it is shown. */
static int why_suppressed(const nt_table *t, long i, int j, long min_cell);

void nt_table_disclosure_counts(const nt_table *t, long min_cell, long cells[NT_WHY_N], long *rows)
{
    for (int w = 0; w < NT_WHY_N; w++) cells[w] = 0;
    *rows = 0;
    for (long i = 0; i < t->nrows; i++) {
        int any = 0;
        for (int j = 0; j < t->ncols; j++) {
            int w = why_suppressed(t, i, j, min_cell);
            if (w >= 0) { cells[w]++; any = 1; }
        }
        *rows += any;
    }
}

static int why_suppressed(const nt_table *t, long i, int j, long min_cell)
{
    if (min_cell <= 0) return -1;
    const cell *c = &t->cells[i * t->ncols + j];
    if (!c->text || t->kinds[j] == NT_COL_KEY) return -1;
    if (!nt_disclose_stat(t->basis[i], min_cell)) return t->why[i];
    if (!nt_disclose_stat(c->basis, min_cell)) return c->why;
    if (t->kinds[j] == NT_COL_COUNT && !nt_disclose_count(c->num, t->basis[i], min_cell)) return NT_WHY_COUNT;
    return -1;
}

/* 1 if cell (i, j) is emptied: nt_disclose decides, from the row's basis. */
static int suppressed(const nt_table *t, long i, int j, long min_cell)
{
    return why_suppressed(t, i, j, min_cell) >= 0;
}

/* The text of a shown cell: counts rounded as published. */
static const char *cell_text(const nt_table *tc, long i, int j, long min_cell)
{
    nt_table *t = (nt_table *)tc; /* scratch only */
    const cell *c = &t->cells[i * t->ncols + j];
    if (t->kinds[j] != NT_COL_COUNT || min_cell <= 0 || t->round <= 1 || isnan(c->num)) return c->text;
    nt_format_num(nt_disclose_round(c->num, min_cell, t->round), t->scratch);
    return t->scratch;
}

/* Names of the emptied columns of row i joined by '|' (into t->scratch). */
static const char *suppressed_list(nt_table *t, long i, long min_cell)
{
    size_t n = 0;
    t->scratch[0] = 0;
    for (int j = 0; j < t->ncols; j++) {
        if (!suppressed(t, i, j, min_cell)) continue;
        int w = snprintf(t->scratch + n, sizeof t->scratch - n, "%s%s", n ? "|" : "", t->names[j]);
        if (w < 0 || (size_t)w >= sizeof t->scratch - n) break;
        n += (size_t)w;
    }
    return t->scratch;
}

static void csv_field(FILE *fp, const char *s)
{
    if (!s) return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, fp);
        return;
    }
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

nt_status nt_table_write_csv(const nt_table *tc, const char *path, long min_cell, nt_error *err)
{
    nt_table *t = (nt_table *)tc; /* scratch only */
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    for (int j = 0; j < t->ncols; j++) {
        if (j) fputc(',', f.fp);
        csv_field(f.fp, t->names[j]);
    }
    if (min_cell > 0) fputs(",suppressed", f.fp);
    fputc('\n', f.fp);
    for (long i = 0; i < t->nrows; i++) {
        for (int j = 0; j < t->ncols; j++) {
            if (j) fputc(',', f.fp);
            if (!suppressed(t, i, j, min_cell)) csv_field(f.fp, cell_text(t, i, j, min_cell));
        }
        if (min_cell > 0) {
            fputc(',', f.fp);
            csv_field(f.fp, suppressed_list(t, i, min_cell));
        }
        fputc('\n', f.fp);
    }
    return nt_outfile_commit(&f, err);
}
