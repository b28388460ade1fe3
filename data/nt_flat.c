/* Flat files read whole into typed columns, on top of the one CSV reader. */
#include "data/nt_flat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data/nt_csv.h"

/* A decimal number as written by statistics packages: optional sign,
   digits, optional fraction and exponent; no hex, inf or nan. */
static int parse_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    int digits = 0;
    while (*p >= '0' && *p <= '9') { p++; digits++; }
    if (*p == '.') { p++; while (*p >= '0' && *p <= '9') { p++; digits++; } }
    if (!digits) return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return -1;
        while (*p >= '0' && *p <= '9') p++;
    }
    if (*p) return -1;
    *out = strtod(s, NULL);
    return isfinite(*out) ? 0 : -1;
}

/* Strings live in blocks that never move, so str[] pointers stay valid. */
typedef struct block { struct block *next; size_t used, size; char data[]; } block;

static char *arena_dup(void **arena, const char *s, size_t len)
{
    block *b = *arena;
    if (!b || b->size - b->used < len + 1) {
        size_t size = len + 1 > (1u << 20) ? len + 1 : (1u << 20);
        block *nb = malloc(sizeof *nb + size);
        if (!nb) return NULL;
        nb->next = b;
        nb->used = 0;
        nb->size = size;
        *arena = b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, len);
    p[len] = 0;
    b->used += len + 1;
    return p;
}

static int is_missing(const char *s)
{
    return !*s || !strcmp(s, "NA") || !strcmp(s, ".");
}

void nt_flat_free(nt_flat *f)
{
    if (!f) return;
    for (int j = 0; j < f->n_cols; j++) {
        nt_flat_column *c = &f->cols[j];
        free(c->name);
        free(c->num);
        free(c->str);
    }
    for (block *b = f->arena; b;) {
        block *next = b->next;
        free(b);
        b = next;
    }
    free(f->cols);
    free(f->line);
    free(f);
}

nt_status nt_flat_read(const char *path, nt_flat **out, nt_error *err)
{
    nt_csv *csv = NULL;
    nt_status s = nt_csv_open(path, NULL, &csv, err);
    if (s) return s;
    nt_flat *f = calloc(1, sizeof *f);
    if (!f) { nt_csv_close(csv); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    snprintf(f->path, sizeof f->path, "%s", path);
    f->n_cols = nt_csv_header_count(csv);
    f->cols = calloc((size_t)f->n_cols, sizeof *f->cols);
    if (!f->cols) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int j = 0; j < f->n_cols; j++) {
        f->cols[j].name = strdup(nt_csv_header(csv, j));
        if (!f->cols[j].name) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        for (int k = 0; k < j; k++)
            if (!strcasecmp(f->cols[k].name, f->cols[j].name)) {
                s = nt_fail_at(err, NT_EINPUT, path, 1, f->cols[j].name, "the column name occurs twice in the header");
                goto done;
            }
    }
    long cap = 0;
    int r;
    while ((r = nt_csv_next(csv, err)) == 1) {
        if (nt_csv_count(csv) != f->n_cols) {
            s = nt_fail_at(err, NT_EINPUT, path, nt_csv_line(csv), NULL,
                           "found %d fields, expected %d as in the header", nt_csv_count(csv), f->n_cols);
            goto done;
        }
        if (nt_csv_flags(csv)) {
            s = nt_fail_at(err, NT_EINPUT, path, nt_csv_line(csv), NULL,
                           (nt_csv_flags(csv) & NT_CSV_NUL) ? "found a NUL byte, expected text"
                                                            : "found bytes that are not UTF-8, expected UTF-8 text");
            goto done;
        }
        if (f->n_rows == cap) {
            long nc = cap ? 2 * cap : 1024;
            long *ln = realloc(f->line, (size_t)nc * sizeof *ln);
            if (!ln) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            f->line = ln;
            for (int j = 0; j < f->n_cols; j++) {
                char **st = realloc(f->cols[j].str, (size_t)nc * sizeof *st);
                if (!st) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
                f->cols[j].str = st;
            }
            cap = nc;
        }
        f->line[f->n_rows] = nt_csv_line(csv);
        for (int j = 0; j < f->n_cols; j++) {
            size_t len;
            const char *v = nt_csv_field(csv, j, &len);
            char *copy = NULL;
            if (!is_missing(v) && !(copy = arena_dup(&f->arena, v, len))) {
                s = nt_fail(err, NT_ENOMEM, "out of memory");
                goto done;
            }
            f->cols[j].str[f->n_rows] = copy;
        }
        f->n_rows++;
    }
    if (r < 0) { s = err ? err->status : NT_EINPUT; goto done; }
    for (int j = 0; j < f->n_cols; j++) {
        nt_flat_column *c = &f->cols[j];
        c->num = malloc((size_t)(f->n_rows ? f->n_rows : 1) * sizeof *c->num);
        if (!c->num) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        c->is_numeric = 1;
        for (long i = 0; i < f->n_rows; i++) {
            if (!c->str[i]) { c->num[i] = NAN; continue; }
            if (parse_number(c->str[i], &c->num[i])) { c->is_numeric = 0; break; }
        }
        if (!c->is_numeric) { free(c->num); c->num = NULL; }
    }
done:
    nt_csv_close(csv);
    if (s) { nt_flat_free(f); return s; }
    *out = f;
    return NT_OK;
}

int nt_flat_find(const nt_flat *f, const char *name)
{
    for (int j = 0; j < f->n_cols; j++)
        if (!strcasecmp(f->cols[j].name, name)) return j;
    return -1;
}

nt_status nt_flat_require(const nt_flat *f, const char *name, int *index, nt_error *err)
{
    int j = nt_flat_find(f, name);
    if (j >= 0) { *index = j; return NT_OK; }
    char list[400] = "";
    size_t n = 0;
    for (int k = 0; k < f->n_cols && n < sizeof list - 1; k++) {
        int w = snprintf(list + n, sizeof list - n, "%s%s", k ? ", " : "", f->cols[k].name);
        if (w < 0) break;
        n += (size_t)w;
    }
    return nt_fail_at(err, NT_EINPUT, f->path, 0, name, "no such column in the file (its columns: %s)", list);
}

nt_status nt_flat_require_numeric(const nt_flat *f, const char *name, int *index, nt_error *err)
{
    nt_status s = nt_flat_require(f, name, index, err);
    if (s) return s;
    const nt_flat_column *c = &f->cols[*index];
    if (c->is_numeric) return NT_OK;
    double v;
    for (long i = 0; i < f->n_rows; i++)
        if (c->str[i] && parse_number(c->str[i], &v))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[i], c->name, "found \"%s\", expected a number", c->str[i]);
    return nt_fail_at(err, NT_EINPUT, f->path, 0, c->name, "expected a numeric column");
}

nt_status nt_flat_require_binary(const nt_flat *f, int col, nt_error *err)
{
    const nt_flat_column *c = &f->cols[col];
    for (long i = 0; i < f->n_rows; i++) {
        if (!c->str[i]) continue;
        if (!c->is_numeric || (c->num[i] != 0.0 && c->num[i] != 1.0))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[i], c->name,
                              "found \"%s\", expected 0 or 1", c->str[i]);
    }
    return NT_OK;
}
