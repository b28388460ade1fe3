/* Model matrices from flat files (see nt_design.h). */
#include "data/nt_design.h"

#include <ctype.h>
#include <stdint.h>
#include <math.h>
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
    int *code;        /* per kept row: level index (categorical only) */
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
    int *code = malloc((size_t)(n ? n : 1) * sizeof *code);
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

static int add_term(nt_design *d, int *cap, const char *name, int var)
{
    if (d->p == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        char **t = realloc(d->term, (size_t)*cap * sizeof *t);
        if (!t) return -1;
        d->term = t;
        int *v = realloc(d->var_of_term, (size_t)*cap * sizeof *v);
        if (!v) return -1;
        d->var_of_term = v;
    }
    d->term[d->p] = strdup(name);
    if (!d->term[d->p]) return -1;
    d->var_of_term[d->p] = var;
    d->p++;
    return 0;
}

nt_status nt_design_build(const nt_flat *f, const char *const *vars, int nvars,
                          const char *const *required, int nrequired,
                          const nt_design_opts *opts, nt_design **out, nt_error *err)
{
    nt_status s = NT_OK;
    nt_design *d = calloc(1, sizeof *d);
    var_info *vi = calloc((size_t)(nvars ? nvars : 1), sizeof *vi);
    int *req = calloc((size_t)(nrequired ? nrequired : 1), sizeof *req);
    char *keep = calloc((size_t)(f->n_rows ? f->n_rows : 1), 1);
    if (!d || !vi || !req || !keep) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
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

    /* Rows kept: no missing value in any used column. */
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
    if (!d->row) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (long i = 0, k = 0; i < f->n_rows; i++)
        if (keep[i]) d->row[k++] = i;
    if (d->n == 0) {
        s = nt_fail_at(err, NT_EINPUT, f->path, 0, NULL, "no row is left after dropping %ld rows with missing values", d->n_dropped);
        goto done;
    }

    /* Terms. */
    int cap = 0;
    if (opts && opts->intercept && add_term(d, &cap, "(Intercept)", -1)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int k = 0; k < nvars; k++) {
        const nt_flat_column *c = &f->cols[vi[k].col];
        if (vi[k].categorical) {
            if (collect_levels(f, vi[k].col, d->row, d->n, &vi[k])) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            if (vi[k].nlev < 2) {
                s = nt_fail_at(err, NT_EINPUT, f->path, 0, c->name,
                               "found one level (\"%s\"), expected at least two for a categorical covariate", vi[k].levels[0]);
                goto done;
            }
            for (int l = 1; l < vi[k].nlev; l++) {
                char name[600];
                snprintf(name, sizeof name, "%s=%s", c->name, vi[k].levels[l]);
                if (add_term(d, &cap, name, k)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            }
        } else {
            if (opts && opts->reject_constant) {
                double v0 = c->num[d->row[0]];
                int constant = 1;
                for (long i = 1; i < d->n && constant; i++) constant = c->num[d->row[i]] == v0;
                if (constant) {
                    s = nt_fail_at(err, NT_EINPUT, f->path, 0, c->name,
                                   "found the same value (%g) in every row, expected a covariate that varies", v0);
                    goto done;
                }
            }
            if (add_term(d, &cap, c->name, k)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        }
    }

    /* Fill x column by column. */
    d->x = calloc((size_t)d->n * (size_t)(d->p ? d->p : 1), sizeof *d->x);
    if (!d->x) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int j = 0; j < d->p; j++) {
        double *col = d->x + (size_t)j * (size_t)d->n;
        int k = d->var_of_term[j];
        if (k < 0) {
            for (long i = 0; i < d->n; i++) col[i] = 1.0;
        } else if (!vi[k].categorical) {
            const double *num = f->cols[vi[k].col].num;
            for (long i = 0; i < d->n; i++) col[i] = num[d->row[i]];
        } else {
            /* Terms of a categorical come in level order 1..nlev-1. */
            int lev = 1;
            for (int t = j - 1; t >= 0 && d->var_of_term[t] == k; t--) lev++;
            for (long i = 0; i < d->n; i++) col[i] = vi[k].code[i] == lev;
        }
    }
done:
    if (vi)
        for (int k = 0; k < nvars; k++) { free(vi[k].levels); free(vi[k].code); }
    free(vi);
    free(req);
    free(keep);
    if (s) { nt_design_free(d); return s; }
    *out = d;
    return NT_OK;
}
