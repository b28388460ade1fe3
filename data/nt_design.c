/* Model matrices: the categorical rule, exact-matching cells and flat-file
   designs (nt_design.h). */
#include "data/nt_design.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nt_words_split(const char *list, char ***out)
{
    *out = NULL;
    if (!list) return 0;
    int n = 0, cap = 0;
    char **w = NULL;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        if (!e) e = p + strlen(p);
        const char *a = p, *b = e;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if (b > a) {
            if (n == cap) {
                cap = cap ? 2 * cap : 8;
                char **nw = realloc(w, (size_t)cap * sizeof *nw);
                if (!nw) { nt_words_free(w, n); return -1; }
                w = nw;
            }
            w[n] = strndup(a, (size_t)(b - a));
            if (!w[n]) { nt_words_free(w, n); return -1; }
            n++;
        }
        p = *e ? e + 1 : e;
    }
    *out = w;
    return n;
}

void nt_words_free(char **w, int n)
{
    if (!w) return;
    for (int i = 0; i < n; i++) free(w[i]);
    free(w);
}

void nt_design_free(nt_design *d)
{
    if (!d) return;
    free(d->row);
    free(d->x);
    if (d->term)
        for (int j = 0; j < d->p; j++) free(d->term[j]);
    free(d->term);
    free(d->var_of_term);
    free(d->dropped_by);
    free(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    int col;          /* flat column */
    int categorical;
    int nlev;
    char **levels;    /* bytewise order; borrowed pointers into the flat file */
    int32_t *code;    /* per kept row: level index (categorical only) */
} var_info;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;   /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h ^ (h >> 29);
}

/* Levels of a text column over the kept rows (bytewise order) and each
   row's level index: one hash lookup per row, a sort of the distinct
   values only. */
static int collect_levels(const nt_flat *f, int col, const long *row, long n, var_info *v)
{
    char *const *str = f->cols[col].str;
    long cap = 16;
    while (cap < 2 * n) cap <<= 1;
    long *slot = malloc((size_t)cap * sizeof *slot);     /* index into distinct, -1 empty */
    char **distinct = malloc((size_t)(n ? n : 1) * sizeof *distinct);
    int32_t *code = malloc((size_t)(n ? n : 1) * sizeof *code);
    if (!slot || !distinct || !code) { free(slot); free(distinct); free(code); return -1; }
    for (long i = 0; i < cap; i++) slot[i] = -1;
    long nd = 0;
    for (long i = 0; i < n; i++) {
        const char *x = str[row[i]];
        long h = (long)(hash_str(x) & (uint64_t)(cap - 1));
        while (slot[h] >= 0 && strcmp(distinct[slot[h]], x)) h = (h + 1) & (cap - 1);
        if (slot[h] < 0) { slot[h] = nd; distinct[nd++] = (char *)x; }
        code[i] = (int)slot[h];
    }
    /* Sort the distinct values, then renumber the rows' codes. */
    int *rank = malloc((size_t)(nd ? nd : 1) * sizeof *rank);
    char **sorted = malloc((size_t)(nd ? nd : 1) * sizeof *sorted);
    if (!rank || !sorted) { free(slot); free(distinct); free(code); free(rank); free(sorted); return -1; }
    for (long d = 0; d < nd; d++) sorted[d] = distinct[d];
    qsort(sorted, (size_t)nd, sizeof *sorted, cmp_str);
    for (long d = 0; d < nd; d++) {
        long h = (long)(hash_str(sorted[d]) & (uint64_t)(cap - 1));
        while (strcmp(distinct[slot[h]], sorted[d])) h = (h + 1) & (cap - 1);
        rank[slot[h]] = (int)d;
    }
    for (long i = 0; i < n; i++) code[i] = rank[code[i]];
    free(slot);
    free(distinct);
    free(rank);
    v->levels = sorted;
    v->nlev = (int)nd;
    v->code = code;
    return 0;
}

void nt_design_block_free(nt_design_block *b)
{
    if (!b) return;
    if (b->term)
        for (int j = 0; j < b->p; j++) free(b->term[j]);
    free(b->term);
    free(b->x);
    memset(b, 0, sizeof *b);
}

nt_status nt_design_categorical(const char *name, const char *const *levels, int nlev, const int32_t *code,
                                long n, nt_design_missing missing, nt_design_block *out, nt_error *err)
{
    int has_missing = 0;
    for (long i = 0; i < n; i++) {
        if (code[i] < -1 || code[i] >= nlev)
            return nt_fail(err, NT_EUSAGE, "nt_design_categorical: %s: level code %d outside 0..%d", name,
                           (int)code[i], nlev - 1);
        has_missing |= code[i] < 0;
    }
    if (has_missing && missing == NT_DESIGN_MISSING_DROP)
        return nt_fail(err, NT_EUSAGE, "nt_design_categorical: %s: a missing value left in the rows to code", name);
    /* levels: the given ones, then missing when some row misses the value;
       the first of them is the reference */
    nt_design_block b = {0, NULL, NULL};
    int p = nlev + has_missing > 1 ? nlev + has_missing - 1 : 0;
    b.x = malloc((size_t)(n ? n : 1) * (size_t)(p ? p : 1) * sizeof *b.x);
    b.term = calloc((size_t)(p ? p : 1), sizeof *b.term);
    if (!b.x || !b.term) goto nomem;
    for (int j = 0; j < p; j++) {
        /* column j: level j + 1, or the missing level after the last one */
        int lev = j < nlev - 1 ? j + 1 : -1;
        char t[600];
        snprintf(t, sizeof t, "%s=%s", name, lev >= 0 ? levels[lev] : "missing");
        if (!(b.term[j] = strdup(t))) goto nomem;
        b.p = j + 1;
        double *col = b.x + (size_t)j * (size_t)n;
        for (long i = 0; i < n; i++) col[i] = code[i] == lev;
    }
    *out = b;
    return NT_OK;
nomem:
    nt_design_block_free(&b);
    return nt_fail(err, NT_ENOMEM, "out of memory");
}

typedef struct { uint64_t key; long i; } cell_key;

static int cmp_cell_key(const void *a, const void *b)
{
    const cell_key *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

nt_status nt_design_cells(const int32_t *const *code, const int *nlev, int k, long n, int32_t *cell,
                          long *ncells, nt_error *err)
{
    uint64_t radix = 1;
    for (int c = 0; c < k; c++) {
        if (nlev[c] < 1) return nt_fail(err, NT_EUSAGE, "nt_design_cells: column %d has no level", c);
        if (radix > (uint64_t)INT64_MAX / (uint64_t)nlev[c])
            return nt_fail(err, NT_EINPUT, "too many exact-match cells: the exact-matching variables' levels "
                                           "multiply to more than 2^63; use fewer or coarser variables");
        radix *= (uint64_t)nlev[c];
    }
    if (n > INT32_MAX) return nt_fail(err, NT_EINPUT, "too many rows for exact-match cells (%ld)", n);
    cell_key *key = malloc((size_t)(n ? n : 1) * sizeof *key);
    if (!key) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < n; i++) {
        uint64_t v = 0;
        for (int c = 0; c < k; c++) {
            int32_t x = code[c][i];
            if (x < 0 || x >= nlev[c]) {
                free(key);
                return nt_fail(err, NT_EUSAGE, "nt_design_cells: code %d of column %d outside 0..%d", (int)x, c,
                               nlev[c] - 1);
            }
            v = v * (uint64_t)nlev[c] + (uint64_t)x;
        }
        key[i] = (cell_key){v, i};
    }
    qsort(key, (size_t)n, sizeof *key, cmp_cell_key);
    long id = -1;
    for (long r = 0; r < n; r++) {
        if (r == 0 || key[r].key != key[r - 1].key) id++;
        cell[key[r].i] = (int32_t)id;
    }
    *ncells = id + 1;
    free(key);
    return NT_OK;
}

nt_status nt_design_cells_flat(const nt_flat *f, const int *cols, int k, const long *row, long n, int32_t *cell,
                               long *ncells, nt_error *err)
{
    var_info *vi = calloc((size_t)(k ? k : 1), sizeof *vi);
    int32_t **code = calloc((size_t)(k ? k : 1), sizeof *code);
    int *nlev = calloc((size_t)(k ? k : 1), sizeof *nlev);
    nt_status s = NT_OK;
    if (!vi || !code || !nlev) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int c = 0; c < k && !s; c++) {
        for (long i = 0; i < n && !s; i++)
            if (!f->cols[cols[c]].str[row[i]])
                s = nt_fail(err, NT_EUSAGE, "nt_design_cells_flat: column %s: a missing value in the rows",
                            f->cols[cols[c]].name);
        if (!s && collect_levels(f, cols[c], row, n, &vi[c])) s = nt_fail(err, NT_ENOMEM, "out of memory");
        code[c] = vi[c].code;
        nlev[c] = vi[c].nlev;
    }
    if (!s) s = nt_design_cells((const int32_t *const *)code, nlev, k, n, cell, ncells, err);
done:
    if (vi)
        for (int c = 0; c < k; c++) { free(vi[c].levels); free(vi[c].code); }
    free(vi);
    free(code);
    free(nlev);
    return s;
}

/* Appends a column's name (owned: moved in) and variable. */
static void add_term(nt_design *d, char *name, int var)
{
    d->term[d->p] = name;
    d->var_of_term[d->p] = var;
    d->p++;
}

/* Rows kept: no missing value in any used column (counted per column). */
static nt_status keep_rows(const nt_flat *f, const var_info *vi, int nvars, const int *req, int nrequired,
                           nt_design *d, nt_error *err)
{
    char *keep = calloc((size_t)(f->n_rows ? f->n_rows : 1), 1);
    if (!keep) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < f->n_rows; i++) {
        int ok = 1;
        for (int k = 0; k < nvars; k++)
            if (!f->cols[vi[k].col].str[i]) { d->dropped_by[k]++; ok = 0; }
        for (int k = 0; k < nrequired; k++)
            if (!f->cols[req[k]].str[i]) { d->dropped_by[nvars + k]++; ok = 0; }
        keep[i] = (char)ok;
        if (ok) d->n++;
        else d->n_dropped++;
    }
    d->row = malloc((size_t)(d->n ? d->n : 1) * sizeof *d->row);
    if (!d->row) { free(keep); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long i = 0, k = 0; i < f->n_rows; i++)
        if (keep[i]) d->row[k++] = i;
    free(keep);
    if (d->n == 0)
        return nt_fail_at(err, NT_EINPUT, f->path, 0, NULL, "no row is left after dropping %ld rows with missing values", d->n_dropped);
    return NT_OK;
}

/* Per variable, in order: a categorical's levels and indicator block (the
   categorical rule, rows with a missing value already dropped), or the
   checks of a numeric one. Returns the model's columns in *p. */
static nt_status code_vars(const nt_flat *f, var_info *vi, nt_design_block *blk, int nvars, const nt_design *d,
                           const nt_design_opts *opts, int *p, nt_error *err)
{
    for (int k = 0; k < nvars; k++) {
        const nt_flat_column *c = &f->cols[vi[k].col];
        if (vi[k].categorical) {
            if (collect_levels(f, vi[k].col, d->row, d->n, &vi[k])) return nt_fail(err, NT_ENOMEM, "out of memory");
            if (vi[k].nlev < 2)
                return nt_fail_at(err, NT_EINPUT, f->path, 0, c->name,
                                  "found one level (\"%s\"), expected at least two for a categorical covariate", vi[k].levels[0]);
            nt_status s = nt_design_categorical(c->name, (const char *const *)vi[k].levels, vi[k].nlev, vi[k].code,
                                                d->n, NT_DESIGN_MISSING_DROP, &blk[k], err);
            if (s) return s;
            *p += blk[k].p;
            continue;
        }
        if (opts && opts->reject_constant) {
            double v0 = c->num[d->row[0]];
            int constant = 1;
            for (long i = 1; i < d->n && constant; i++) constant = c->num[d->row[i]] == v0;
            if (constant)
                return nt_fail_at(err, NT_EINPUT, f->path, 0, c->name,
                                  "found the same value (%g) in every row, expected a covariate that varies", v0);
        }
        (*p)++;
    }
    return NT_OK;
}

nt_status nt_design_build(const nt_flat *f, const char *const *vars, int nvars,
                          const char *const *required, int nrequired,
                          const nt_design_opts *opts, nt_design **out, nt_error *err)
{
    nt_status s = NT_OK;
    nt_design *d = calloc(1, sizeof *d);
    var_info *vi = calloc((size_t)(nvars ? nvars : 1), sizeof *vi);
    nt_design_block *blk = calloc((size_t)(nvars ? nvars : 1), sizeof *blk);
    int *req = calloc((size_t)(nrequired ? nrequired : 1), sizeof *req);
    if (!d || !vi || !blk || !req) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    d->dropped_by = calloc((size_t)(nvars + nrequired + 1), sizeof *d->dropped_by);
    if (!d->dropped_by) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }

    /* Resolve names: "x:cat" forces a categorical. */
    for (int k = 0; k < nvars; k++) {
        char name[256];
        snprintf(name, sizeof name, "%s", vars[k]);
        size_t len = strlen(name);
        int force_cat = len > 4 && !strcmp(name + len - 4, ":cat");
        if (force_cat) name[len - 4] = 0;
        if ((s = nt_flat_require(f, name, &vi[k].col, err))) goto done;
        vi[k].categorical = force_cat || !f->cols[vi[k].col].is_numeric;
    }
    for (int k = 0; k < nrequired; k++)
        if ((s = nt_flat_require(f, required[k], &req[k], err))) goto done;
    if ((s = keep_rows(f, vi, nvars, req, nrequired, d, err))) goto done;

    int p = opts && opts->intercept;
    if ((s = code_vars(f, vi, blk, nvars, d, opts, &p, err))) goto done;

    /* Columns in order: intercept, then each variable's. */
    const size_t n = (size_t)d->n;
    d->x = calloc(n * (size_t)(p ? p : 1), sizeof *d->x);
    d->term = calloc((size_t)(p ? p : 1), sizeof *d->term);
    d->var_of_term = calloc((size_t)(p ? p : 1), sizeof *d->var_of_term);
    if (!d->x || !d->term || !d->var_of_term) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    if (opts && opts->intercept) {
        for (size_t i = 0; i < n; i++) d->x[i] = 1.0;
        char *t = strdup("(Intercept)");
        if (!t) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        add_term(d, t, -1);
    }
    for (int k = 0; k < nvars; k++) {
        if (vi[k].categorical) {
            memcpy(d->x + (size_t)d->p * n, blk[k].x, n * (size_t)blk[k].p * sizeof *d->x);
            for (int j = 0; j < blk[k].p; j++) {
                add_term(d, blk[k].term[j], k);
                blk[k].term[j] = NULL;
            }
            continue;
        }
        const double *num = f->cols[vi[k].col].num;
        double *col = d->x + (size_t)d->p * n;
        for (size_t i = 0; i < n; i++) col[i] = num[d->row[i]];
        char *t = strdup(f->cols[vi[k].col].name);
        if (!t) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        add_term(d, t, k);
    }
done:
    if (vi)
        for (int k = 0; k < nvars; k++) { free(vi[k].levels); free(vi[k].code); }
    if (blk)
        for (int k = 0; k < nvars; k++) nt_design_block_free(&blk[k]);
    free(vi);
    free(blk);
    free(req);
    if (s) { nt_design_free(d); return s; }
    *out = d;
    return NT_OK;
}
