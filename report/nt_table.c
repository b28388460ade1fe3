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
    long pbasis;    /* its persons (denominator) beyond its row's: the printing step */
    unsigned char why;
} cell;

struct nt_table {
    int ncols;
    char **names;
    nt_col_kind *kinds;
    long nrows, cap;
    cell *cells;    /* nrows x ncols, row-major */
    long *basis;
    long *pbasis;       /* each row's persons: its basis but for share and dominance limits (printing step) */
    unsigned char *why; /* nt_disclose_why of each row's basis */
    long round;         /* base counts are published rounded to */
    int margin;         /* the subgroup column of secondary suppression, -1 none */
    int margin_ignore;  /* a key column that does not tell cells apart there, -1 none */
    unsigned char *sec; /* nrows x ncols: suppressed secondarily at sec_min_cell */
    long sec_min_cell, sec_rows;
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
    t->margin = t->margin_ignore = -1;
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
    free(t->pbasis);
    free(t->why);
    free(t->sec);
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
        long *pb = realloc(t->pbasis, (size_t)cap * sizeof *pb);
        if (!pb) return -1;
        t->pbasis = pb;
        unsigned char *w = realloc(t->why, (size_t)cap);
        if (!w) return -1;
        t->why = w;
        t->cap = cap;
    }
    for (int j = 0; j < t->ncols; j++) {
        t->cells[t->nrows * t->ncols + j].text = NULL;
        t->cells[t->nrows * t->ncols + j].num = NAN;
        t->cells[t->nrows * t->ncols + j].basis = LONG_MAX;
        t->cells[t->nrows * t->ncols + j].pbasis = LONG_MAX;
    }
    t->basis[t->nrows] = t->pbasis[t->nrows] = LONG_MAX;
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
        t->basis[t->nrows - 1] = t->pbasis[t->nrows - 1] = n_persons;
        t->why[t->nrows - 1] = NT_WHY_PERSONS;
    }
}

/* Limits that are a number of persons a mean is among (not a share's
   persons with a level, not dominance) also set the printing step. */
static int is_persons(nt_disclose_why why) { return why != NT_WHY_SHARE && why != NT_WHY_DOMINANCE; }

void nt_table_limit_basis(nt_table *t, long n_persons, nt_disclose_why why)
{
    if (t->nrows > 0 && n_persons < t->basis[t->nrows - 1]) {
        t->basis[t->nrows - 1] = n_persons;
        t->why[t->nrows - 1] = (unsigned char)why;
    }
    if (t->nrows > 0 && is_persons(why) && n_persons < t->pbasis[t->nrows - 1]) t->pbasis[t->nrows - 1] = n_persons;
}

void nt_table_limit_cell(nt_table *t, const char *col, long n_persons, nt_disclose_why why)
{
    cell *c = current(t, col);
    if (n_persons < c->basis) {
        c->basis = n_persons;
        c->why = (unsigned char)why;
    }
    if (is_persons(why) && n_persons < c->pbasis) c->pbasis = n_persons;
}

void nt_table_set_round(nt_table *t, long base) { t->round = base > 1 ? base : 1; }

void nt_table_set_margin(nt_table *t, const char *col, const char *ignore)
{
    t->margin = col_index(t, col);
    t->margin_ignore = ignore ? col_index(t, ignore) : -1;
}

long nt_table_rows(const nt_table *t) { return t->nrows; }

long nt_table_row_basis(const nt_table *t, long row) { return row >= 0 && row < t->nrows ? t->basis[row] : LONG_MAX; }

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

/* The primary decision on cell (i, j): its reason, or -1 if shown. */
static int why_primary(const nt_table *t, long i, int j, long min_cell)
{
    if (min_cell <= 0) return -1;
    const cell *c = &t->cells[i * t->ncols + j];
    if (!c->text || t->kinds[j] == NT_COL_KEY) return -1;
    if (t->kinds[j] == NT_COL_COUNT && nt_disclose_count(c->num, t->basis[i], min_cell) &&
        nt_disclose_count(c->num, c->basis, min_cell))
        return -1;
    if (!nt_disclose_stat(t->basis[i], min_cell)) return t->why[i];
    if (!nt_disclose_stat(c->basis, min_cell)) return c->why;
    if (t->kinds[j] == NT_COL_COUNT) return NT_WHY_COUNT;
    return -1;
}

/* One row for the secondary pass: its key (the key columns but the
   margin, joined), the margin's variable and the row. */
typedef struct {
    char *key;
    long row;
} margin_row;

static int margin_cmp(const void *a, const void *b)
{
    const margin_row *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : (x->row > y->row) - (x->row < y->row);
}

/* A cell for the secondary pass: 0 no number, 2 suppressed (primarily or
   already secondarily), 1 shown. */
static int cell_state(const nt_table *t, long i, int j, long min_cell)
{
    if (!t->cells[i * t->ncols + j].text) return 0;
    return t->sec[i * t->ncols + j] || why_primary(t, i, j, min_cell) >= 0 ? 2 : 1;
}

/* Secondary suppression at min_cell (t->sec): rows sorted by (key but the
   margin, variable); per group of one key, the total (margin "") and per
   variable its levels, cell by cell (nt_disclose_secondary). */
static void secondary(nt_table *t, long min_cell)
{
    if (t->sec && t->sec_min_cell == min_cell && t->sec_rows == t->nrows) return;
    free(t->sec);
    t->sec = NULL;
    if (t->margin < 0 || min_cell <= 0 || t->nrows == 0) return;
    size_t n = (size_t)t->nrows;
    t->sec = calloc(n * (size_t)t->ncols, 1);
    margin_row *mr = calloc(n, sizeof *mr);
    unsigned char *state = calloc(n, 1);
    int ok = t->sec && mr && state;
    for (long i = 0; i < t->nrows && ok; i++) {
        size_t len = 2;
        for (int j = 0; j < t->ncols; j++)
            if (t->kinds[j] == NT_COL_KEY && j != t->margin && j != t->margin_ignore) {
                const char *x = t->cells[i * t->ncols + j].text;
                len += (x ? strlen(x) : 0) + 1;
            }
        char *k = mr[i].key = malloc(len);
        if (!k) { ok = 0; break; }
        k[0] = 0;
        for (int j = 0; j < t->ncols; j++) {
            if (t->kinds[j] != NT_COL_KEY) continue;
            const char *x = t->cells[i * t->ncols + j].text;
            if (j == t->margin || j == t->margin_ignore) continue;
            strcat(k, x ? x : "");
            strcat(k, "\x1f");
        }
        mr[i].row = i;
    }
    if (ok) qsort(mr, n, sizeof *mr, margin_cmp);
    for (size_t a = 0; a < n && ok;) {
        size_t b = a;
        while (b < n && !strcmp(mr[b].key, mr[a].key)) b++;
        long total = -1;
        for (size_t q = a; q < b; q++) {
            const char *g = t->cells[mr[q].row * t->ncols + t->margin].text;
            if (!g || !*g) total = mr[q].row;
        }
        for (size_t q = a; q < b && total >= 0; q++) {
            const char *g = t->cells[mr[q].row * t->ncols + t->margin].text;
            if (!g || !*g || state[q - a] == 3) continue;
            size_t vlen = strcspn(g, "=");
            /* the levels of g's variable, marked 3 once handled */
            long lv[256];
            int nl = 0;
            for (size_t u = q; u < b && nl < 256; u++) {
                const char *h = t->cells[mr[u].row * t->ncols + t->margin].text;
                if (h && strcspn(h, "=") == vlen && !strncmp(h, g, vlen)) { lv[nl++] = mr[u].row; state[u - a] = 3; }
            }
            /* A whole row goes (no statistic without its counts), which can
               leave another column with one suppressed level: again until
               no column has. */
            for (int changed = 1; changed;) {
                changed = 0;
                for (int j = 0; j < t->ncols; j++) {
                    if (t->kinds[j] == NT_COL_KEY || cell_state(t, total, j, min_cell) != 1) continue;
                    unsigned char st[256];
                    long sz[256];
                    for (int l = 0; l < nl; l++) {
                        const cell *c = &t->cells[lv[l] * t->ncols + j];
                        st[l] = cell_state(t, lv[l], j, min_cell);
                        sz[l] = t->basis[lv[l]];
                        if (t->kinds[j] == NT_COL_COUNT && c->num < (double)sz[l]) sz[l] = (long)c->num;
                    }
                    int pick = nt_disclose_secondary(st, sz, nl);
                    if (pick < 0) continue;
                    long row = pick < nl ? lv[pick] : total;
                    for (int c = 0; c < t->ncols; c++)
                        if (t->kinds[c] != NT_COL_KEY && t->cells[row * t->ncols + c].text) t->sec[row * t->ncols + c] = 1;
                    changed = 1;
                }
            }
        }
        for (size_t q = a; q < b; q++) state[q - a] = 0;
        a = b;
    }
    for (size_t i = 0; i < n && mr; i++) free(mr[i].key);
    free(mr);
    free(state);
    if (!ok) { free(t->sec); t->sec = NULL; }
    t->sec_min_cell = min_cell;
    t->sec_rows = t->nrows;
}

static int why_suppressed(const nt_table *tc, long i, int j, long min_cell)
{
    int w = why_primary(tc, i, j, min_cell);
    if (w >= 0 || min_cell <= 0 || tc->margin < 0) return w;
    nt_table *t = (nt_table *)tc; /* the secondary pass is a cache */
    secondary(t, min_cell);
    return t->sec && t->sec[i * t->ncols + j] ? NT_WHY_SECONDARY : -1;
}

int nt_table_shown(const nt_table *t, long row, const char *col, long min_cell)
{
    int j = col_index(t, col);
    if (row < 0 || row >= t->nrows || !t->cells[row * t->ncols + j].text) return -1;
    return why_suppressed(t, row, j, min_cell) < 0;
}

/* 1 if cell (i, j) is emptied: nt_disclose decides, from the row's basis. */
static int suppressed(const nt_table *t, long i, int j, long min_cell)
{
    return why_suppressed(t, i, j, min_cell) >= 0;
}

/* The text of a shown cell: counts rounded as published, means to their
   step (nt_disclose_step of the cell's basis). */
static const char *cell_text(const nt_table *tc, long i, int j, long min_cell)
{
    nt_table *t = (nt_table *)tc; /* scratch only */
    const cell *c = &t->cells[i * t->ncols + j];
    if (min_cell <= 0 || t->round <= 1 || isnan(c->num) || isinf(c->num)) return c->text;
    if (t->kinds[j] == NT_COL_MEAN) {
        double step = nt_disclose_step(t->pbasis[i] < c->pbasis ? t->pbasis[i] : c->pbasis, min_cell, t->round);
        if (!(step > 0)) return c->text;
        int dec = (int)ceil(-log10(step) - 1e-9);
        double v = floor(c->num / step + 0.5) * step;
        snprintf(t->scratch, sizeof t->scratch, "%.*f", dec < 0 ? 0 : dec, v == 0 ? 0.0 : v);
        if (!strncmp(t->scratch, "-0", 2) && strspn(t->scratch + 1, "0.") == strlen(t->scratch + 1))
            memmove(t->scratch, t->scratch + 1, strlen(t->scratch)); /* no "-0.00" */
        return t->scratch;
    }
    if (t->kinds[j] != NT_COL_COUNT) return c->text;
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

double nt_table_shown_num(const nt_table *t, long row, const char *col, long min_cell)
{
    if (nt_table_shown(t, row, col, min_cell) != 1) return NAN;
    const char *x = cell_text(t, row, col_index(t, col), min_cell);
    char *end;
    double v = x && *x ? strtod(x, &end) : NAN;
    return x && *x && !*end ? v : NAN;
}
