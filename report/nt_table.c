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
    unsigned char *additive; /* per column: the total's cell is a person-weighted sum of its levels' */
    unsigned char *part;     /* per count column: counts the persons the row's statistics rest on */
    long nrows, cap;
    cell *cells;    /* nrows x ncols, row-major */
    long *basis;
    long *pbasis;       /* each row's persons: its basis but for share and dominance limits (printing step) */
    unsigned char *why; /* nt_disclose_why of each row's basis */
    long round;         /* base counts are published rounded to */
    int margin;         /* the subgroup column of secondary suppression, -1 none */
    int margin_ignore;  /* a key column that does not tell cells apart there, -1 none */
    const char *const *glabel; /* nt_table_set_groups: the groups' labels and relations */
    const unsigned char *grel;
    int ngroups;
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
    t->additive = calloc((size_t)ncols, 1);
    t->part = calloc((size_t)ncols, 1);
    if (!t->names || !t->kinds || !t->additive || !t->part) { nt_table_free(t); return NULL; }
    for (int j = 0; j < ncols; j++) {
        t->names[j] = strdup(columns[j]);
        if (!t->names[j]) { nt_table_free(t); return NULL; }
        t->kinds[j] = kinds[j];
        t->additive[j] = kinds[j] == NT_COL_COUNT || kinds[j] == NT_COL_MEAN;
        t->part[j] = kinds[j] == NT_COL_COUNT;
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
    free(t->additive);
    free(t->part);
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

void nt_table_set_groups(nt_table *t, const char *const *labels, const unsigned char *rel, int n)
{
    t->glabel = labels;
    t->grel = rel;
    t->ngroups = labels && rel ? n : 0;
}

int nt_table_has_column(const nt_table *t, const char *col)
{
    for (int j = 0; j < t->ncols; j++)
        if (!strcmp(t->names[j], col)) return 1;
    return 0;
}

void nt_table_set_part_count(nt_table *t, const char *col, int counts)
{
    t->part[col_index(t, col)] = counts != 0;
}

void nt_table_set_additive(nt_table *t, const char *col, int additive)
{
    t->additive[col_index(t, col)] = additive != 0;
}

void nt_table_suppress(nt_table *t, long row, const char *col, nt_disclose_why why)
{
    if (row < 0 || row >= t->nrows) return;
    cell *c = &t->cells[row * t->ncols + col_index(t, col)];
    if (c->basis > 0) {
        c->basis = 0;
        c->why = (unsigned char)why;
    }
    free(t->sec); /* the secondary pass is redone */
    t->sec = NULL;
}

int nt_table_link(nt_table *t, long row_a, long row_b, const char *col, long min_cell)
{
    int a = nt_table_shown(t, row_a, col, min_cell), b = nt_table_shown(t, row_b, col, min_cell);
    if (min_cell <= 0 || a == b || a < 0 || b < 0) return 0;
    nt_table_suppress(t, a ? row_a : row_b, col, NT_WHY_SECONDARY);
    return 1;
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

/* The persons a row's numbers rest on, for the secondary pass: its
   smallest count (a level without treated, or without controls, is no
   part of the total's estimate); LONG_MAX without counts (taken to have
   persons). */
static long row_persons(const nt_table *t, long i)
{
    long n = LONG_MAX;
    for (int j = 0; j < t->ncols; j++) {
        const cell *c = &t->cells[i * t->ncols + j];
        if (t->part[j] && c->text && !isnan(c->num) && c->num < (double)n) n = c->num < 0 ? 0 : (long)c->num;
    }
    return n;
}

/* A cell for the secondary pass (an NT_PART_* of nt_disclose_secondary):
   shown; suppressed primarily or as a nested group (t->sec 2: to
   protect); suppressed secondarily (t->sec 1); without a number, by the
   row's persons. */
static int cell_state(const nt_table *t, long i, int j, long min_cell)
{
    long p = row_persons(t, i);
    if (!t->cells[i * t->ncols + j].text) return p <= 0 ? NT_PART_NONE : p < min_cell ? NT_PART_EMPTY_FEW : NT_PART_EMPTY;
    if (why_primary(t, i, j, min_cell) >= 0 || t->sec[i * t->ncols + j] == 2) return NT_PART_SUPPRESSED;
    if (t->sec[i * t->ncols + j]) return p < min_cell ? NT_PART_SUPPRESSED : NT_PART_SECONDARY;
    return NT_PART_SHOWN;
}

/* The group index of a margin label (nt_table_set_groups), -1 unknown. */
static int group_of(const nt_table *t, const char *label)
{
    for (int g = 0; g < t->ngroups; g++)
        if (!strcmp(t->glabel[g], label ? label : "")) return g;
    return -1;
}

/* Suppresses row `row` secondarily (every cell with a number): how 1
   (to protect another), 2 (a nested group: to protect itself). */
static void sec_row(nt_table *t, long row, unsigned char how)
{
    for (int c = 0; c < t->ncols; c++)
        if (t->kinds[c] != NT_COL_KEY && t->cells[row * t->ncols + c].text && t->sec[row * t->ncols + c] < how)
            t->sec[row * t->ncols + c] = how;
}

/* 1 if row i shows some additive cell. */
static int row_shows(const nt_table *t, long i, long min_cell)
{
    for (int j = 0; j < t->ncols; j++)
        if (t->additive[j] && cell_state(t, i, j, min_cell) == NT_PART_SHOWN) return 1;
    return 0;
}

/* The remainder of a variable: the total's persons in none of its listed
   levels (the total's smallest count minus theirs, a level without a row
   being in it), as a part for nt_disclose_secondary: *state 0 none, 2 on
   1 .. min_cell-1 persons, 3 more. Known only when the levels are disjoint
   groups (nt_table_set_groups); else a single level's complement is an
   unknown part (it is not published) and several levels have none. */
static void levels_remainder(const nt_table *t, long total, const long *lv, int nl, long min_cell, unsigned char *state, long *persons)
{
    *state = nl == 1 ? NT_PART_REST : NT_PART_NONE;
    *persons = LONG_MAX;
    if (!t->ngroups) return;
    const char *g0 = t->cells[lv[0] * t->ncols + t->margin].text;
    size_t vlen = strcspn(g0, "=");
    int idx[256], m = 0; /* every listed level of the variable, with a row or not */
    for (int g = 0; g < t->ngroups && m < 256; g++)
        if (!strncmp(t->glabel[g], g0, vlen) && t->glabel[g][vlen] == '=') idx[m++] = g;
    for (int i = 0; i < m; i++)
        for (int k = 0; k < i; k++)
            if (!(t->grel[idx[i] * t->ngroups + idx[k]] & NT_DISCLOSE_DISJOINT)) return; /* overlapping */
    double r = NAN;
    for (int j = 0; j < t->ncols; j++) {
        if (!t->part[j]) continue;
        double x = t->cells[total * t->ncols + j].num;
        for (int l = 0; l < nl && !isnan(x); l++) x -= t->cells[lv[l] * t->ncols + j].num;
        if (!isnan(x) && (isnan(r) || x < r)) r = x;
    }
    if (isnan(r)) return;
    *state = r <= 0 ? NT_PART_NONE : r < (double)min_cell ? NT_PART_REST_FEW : NT_PART_REST;
    *persons = r <= 0 ? 0 : (long)r;
}

/* Total minus parts, per subgroup variable of one key group [a, b) of the
   sorted rows: nt_disclose_secondary per additive column, on the listed
   levels and their remainder. Returns 1 if it suppressed a row. */
static int levels_pass(nt_table *t, const margin_row *mr, size_t a, size_t b, unsigned char *state, long min_cell)
{
    long total = -1;
    int any = 0;
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
        for (size_t u = q; u < b && nl < 255; u++) {
            const char *h = t->cells[mr[u].row * t->ncols + t->margin].text;
            if (h && strcspn(h, "=") == vlen && !strncmp(h, g, vlen)) { lv[nl++] = mr[u].row; state[u - a] = 3; }
        }
        unsigned char rst;
        long rp;
        levels_remainder(t, total, lv, nl, min_cell, &rst, &rp);
        /* A whole row goes (no statistic without its counts), which can
           leave another column with one suppressed level: again until
           no column has. */
        for (int changed = 1; changed;) {
            changed = 0;
            for (int j = 0; j < t->ncols; j++) {
                if (!t->additive[j] || cell_state(t, total, j, min_cell) != NT_PART_SHOWN) continue;
                unsigned char st[256];
                long sz[256];
                for (int l = 0; l < nl; l++) {
                    st[l] = cell_state(t, lv[l], j, min_cell);
                    sz[l] = row_persons(t, lv[l]);
                }
                st[nl] = rst;
                sz[nl] = rp;
                int pick = nt_disclose_secondary(st, sz, nl + 1, min_cell);
                if (pick < 0 || pick == nl) continue;
                sec_row(t, pick < nl ? lv[pick] : total, 1);
                changed = any = 1;
            }
        }
    }
    for (size_t q = a; q < b; q++) state[q - a] = 0;
    return any;
}

/* Nested groups (nt_table_set_groups): where a shown row's group contains
   another shown row's (the whole cohort and a level, overlapping ranges,
   a level of one variable within one of another) and a count of theirs
   differs by 1 .. min_cell-1 (nt_disclose_nested), the difference of the
   two would be a number on those few: the contained row goes (or, if it
   is the total, the other). Returns 1 if it suppressed a row. */
static int nested_pass(nt_table *t, const margin_row *mr, size_t a, size_t b, long min_cell)
{
    int any = 0;
    if (!t->ngroups) return 0;
    for (size_t x = a; x < b; x++) {
        long rx = mr[x].row;
        int gx = group_of(t, t->cells[rx * t->ncols + t->margin].text);
        if (gx < 0) continue;
        for (size_t y = a; y < b; y++) {
            long ry = mr[y].row;
            int gy = group_of(t, t->cells[ry * t->ncols + t->margin].text);
            if (gy < 0 || gy == gx || !(t->grel[gx * t->ngroups + gy] & NT_DISCLOSE_CONTAINS)) continue;
            if (!row_shows(t, rx, min_cell) || !row_shows(t, ry, min_cell)) continue;
            for (int j = 0; j < t->ncols; j++) {
                const cell *cx = &t->cells[rx * t->ncols + j], *cy = &t->cells[ry * t->ncols + j];
                if (!t->part[j] || !cx->text || !cy->text) continue;
                if (!nt_disclose_nested(cx->num, cy->num, min_cell)) continue;
                sec_row(t, gy == 0 ? rx : ry, 2);
                any = 1;
                break;
            }
        }
    }
    return any;
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
        for (int again = 1; again;) again = levels_pass(t, mr, a, b, state, min_cell) | nested_pass(t, mr, a, b, min_cell);
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
