/* The context table: reading, checking and the values at k (nt_context.h). */
#include "data/nt_context.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/nt_date.h"
#include "data/nt_csv.h"

void nt_context_free(nt_context *c)
{
    if (!c) return;
    for (int i = 0; i < c->n_keys; i++) free(c->key_value[i]);
    for (int j = 0; j < c->n_vars; j++) free(c->var[j]);
    free(c->key_value);
    free(c->var);
    free(c->v);
    free(c);
}

int nt_context_var(const nt_context *c, const char *name)
{
    for (int j = 0; j < c->n_vars; j++)
        if (!strcasecmp(c->var[j], name)) return j;
    return -1;
}

/* One parsed row, kept until the table's extent is known. */
typedef struct { int key, month; long line; } row;

static int key_index(nt_context *c, const char *s, int add)
{
    for (int i = 0; i < c->n_keys; i++)
        if (!strcmp(c->key_value[i], s)) return i;
    if (!add) return -1;
    char **kv = realloc(c->key_value, (size_t)(c->n_keys + 1) * sizeof *kv);
    if (!kv) return -2;
    c->key_value = kv;
    if (!(kv[c->n_keys] = strdup(s))) return -2;
    return c->n_keys++;
}

static nt_status read_header(nt_csv *f, const char *path, nt_context *c, nt_error *err)
{
    int nh = nt_csv_header_count(f);
    if (nh < 3 || strcasecmp(nt_csv_header(f, 1), "month"))
        return nt_fail_at(err, NT_EINPUT, path, 1, NULL,
                          "expected the header KEY,month,VARIABLE[,...] (e.g. region,month,unemployment_rate)");
    snprintf(c->key, sizeof c->key, "%s", nt_csv_header(f, 0));
    if (!c->key[0]) return nt_fail_at(err, NT_EINPUT, path, 1, NULL, "the first column has no name");
    c->n_vars = nh - 2;
    if (!(c->var = calloc((size_t)c->n_vars, sizeof *c->var))) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int j = 0; j < c->n_vars; j++) {
        const char *h = nt_csv_header(f, j + 2);
        int dup = 0;
        for (int i = 0; i < j; i++) dup |= !strcasecmp(c->var[i], h);
        if (!h[0] || dup || !strcasecmp(h, c->key) || !strcasecmp(h, "month"))
            return nt_fail_at(err, NT_EINPUT, path, 1, h, "an empty or repeated column name");
        if (!(c->var[j] = strdup(h))) return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    return NT_OK;
}

nt_status nt_context_read(const char *path, nt_context **out, nt_error *err)
{
    nt_csv *f = NULL;
    nt_status s = nt_csv_open(path, NULL, &f, err);
    if (s) return s;
    nt_context *c = calloc(1, sizeof *c);
    row *rows = NULL;
    double *vals = NULL;
    long nr = 0, cap = 0;
    if (!c) s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = read_header(f, path, c, err);
    int got;
    while (!s && (got = nt_csv_next(f, err)) != 0) {
        if (got < 0) { s = NT_EINPUT; break; }
        long ln = nt_csv_line(f);
        if (nt_csv_count(f) != c->n_vars + 2) {
            s = nt_fail_at(err, NT_EINPUT, path, ln, NULL, "%d fields, expected %d", nt_csv_count(f), c->n_vars + 2);
            break;
        }
        if (nr == cap) {
            cap = cap ? 2 * cap : 1024;
            row *r2 = realloc(rows, (size_t)cap * sizeof *r2);
            double *v2 = r2 ? realloc(vals, (size_t)cap * (size_t)c->n_vars * sizeof *v2) : NULL;
            if (r2) rows = r2;
            if (v2) vals = v2;
            if (!r2 || !v2) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        }
        size_t len;
        const char *k = nt_csv_field(f, 0, &len);
        if (!len) { s = nt_fail_at(err, NT_EINPUT, path, ln, c->key, "empty"); break; }
        int ki = key_index(c, k, 1);
        if (ki < 0) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        const char *ms = nt_csv_field(f, 1, &len);
        int m;
        if (nt_month_parse(ms, len, &m)) {
            s = nt_fail_at(err, NT_EINPUT, path, ln, "month", "found \"%s\", expected a month YYYY-MM", ms);
            break;
        }
        rows[nr] = (row){ki, m, ln};
        for (int j = 0; j < c->n_vars && !s; j++) {
            const char *x = nt_csv_field(f, j + 2, &len);
            char *end;
            double d = len ? strtod(x, &end) : NAN;
            if (len && (end != x + len || !isfinite(d)))
                s = nt_fail_at(err, NT_EINPUT, path, ln, c->var[j], "found \"%s\", expected a number (or empty: missing)", x);
            vals[nr * c->n_vars + j] = d;
        }
        nr++;
    }
    if (!s && nr == 0) s = nt_fail_at(err, NT_EINPUT, path, 1, NULL, "no rows");
    if (!s) {
        int lo = rows[0].month, hi = rows[0].month;
        for (long r = 1; r < nr; r++) {
            if (rows[r].month < lo) lo = rows[r].month;
            if (rows[r].month > hi) hi = rows[r].month;
        }
        c->first_month = lo;
        c->n_months = hi - lo + 1;
        size_t cells = (size_t)c->n_vars * (size_t)c->n_keys * (size_t)c->n_months;
        long *seen = calloc((size_t)c->n_keys * (size_t)c->n_months, sizeof *seen);
        c->v = malloc(cells * sizeof *c->v);
        if (!seen || !c->v) s = nt_fail(err, NT_ENOMEM, "out of memory");
        for (size_t i = 0; !s && i < cells; i++) c->v[i] = NAN;
        for (long r = 0; r < nr && !s; r++) {
            size_t km = (size_t)rows[r].key * (size_t)c->n_months + (size_t)(rows[r].month - lo);
            if (seen[km]) {
                char mb[8];
                nt_month_format(rows[r].month, mb);
                s = nt_fail_at(err, NT_EINPUT, path, rows[r].line, NULL, "%s %s, %s again (first on line %ld)", c->key,
                               c->key_value[rows[r].key], mb, seen[km]);
                break;
            }
            seen[km] = rows[r].line;
            for (int j = 0; j < c->n_vars; j++)
                c->v[((size_t)j * (size_t)c->n_keys) * (size_t)c->n_months + km] = vals[r * c->n_vars + j];
        }
        free(seen);
    }
    free(rows);
    free(vals);
    nt_csv_close(f);
    if (s) { nt_context_free(c); return s; }
    *out = c;
    return NT_OK;
}

nt_status nt_context_at_k(const nt_context *c, const char *path, int var, nt_store *st, int n_risk,
                          const unsigned char *included, double *out, nt_error *err)
{
    if (nt_store_covariate_kind(st, c->key) != NT_COV_CATEGORICAL)
        return nt_fail_at(err, NT_EINPUT, path, 1, c->key, "not a categorical person variable of the cohort");
    if (nt_store_covariate_kind(st, "inflow_month") != NT_COV_CATEGORICAL)
        return nt_fail(err, NT_EINPUT, "the cohort store has no inflow_month (needed by the context table)");
    long n = nt_store_persons(st);
    char **klev = NULL, **mlev = NULL;
    int nk = 0, nm = 0;
    double *kv = malloc((size_t)(n ? n : 1) * sizeof *kv), *mv = malloc((size_t)(n ? n : 1) * sizeof *mv);
    nt_status s = !kv || !mv ? nt_fail(err, NT_ENOMEM, "out of memory") : NT_OK;
    if (!s) s = nt_store_read_levels(st, c->key, &klev, &nk, err);
    if (!s) s = nt_store_read_levels(st, "inflow_month", &mlev, &nm, err);
    if (!s) s = nt_store_read_covariate(st, c->key, kv, err);
    if (!s) s = nt_store_read_covariate(st, "inflow_month", mv, err);
    for (long i = 0; i < n && !s; i++) {
        if (included && !included[i]) {
            for (int k = 0; k < n_risk; k++) out[i * n_risk + k] = NAN;
            continue;
        }
        int kc = isnan(kv[i]) ? 0 : (int)kv[i], mc = isnan(mv[i]) ? 0 : (int)mv[i], m0;
        const char *key = kc >= 1 && kc <= nk ? klev[kc - 1] : "(missing)";
        int ki = kc >= 1 && kc <= nk ? key_index((nt_context *)c, key, 0) : -1;
        if (mc < 1 || mc > nm || nt_month_parse(mlev[mc - 1], strlen(mlev[mc - 1]), &m0)) {
            s = nt_fail(err, NT_EINPUT, "a person of the cohort has no inflow month (needed by the context table)");
            break;
        }
        for (int k = 0; k < n_risk; k++) {
            int mi = m0 + k - c->first_month;
            double x = ki >= 0 && mi >= 0 && mi < c->n_months
                           ? c->v[((size_t)var * (size_t)c->n_keys + (size_t)ki) * (size_t)c->n_months + (size_t)mi] : NAN;
            if (isnan(x)) {
                char mb[8];
                nt_month_format(m0 + k, mb);
                s = nt_fail_at(err, NT_EINPUT, path, 0, c->var[var], "no value for %s %s in %s (a person's start month %d)",
                               c->key, key, mb, k);
                break;
            }
            out[i * n_risk + k] = x;
        }
    }
    nt_store_levels_free(klev, nk);
    nt_store_levels_free(mlev, nm);
    free(kv);
    free(mv);
    return s;
}
