/* The context table: reading, checking and the values at k (nt_context.h). */
#include "data/nt_context.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/nt_date.h"
#include "data/nt_text.h"

void nt_context_free(nt_context *c)
{
    if (!c) return;
    for (int i = 0; i < c->n_keys; i++) free(c->key_value[i]);
    for (int j = 0; j < c->n_vars; j++) free(c->var[j]);
    free(c->key_value);
    free(c->key_line);
    free(c->var);
    free(c->v);
    free(c->has);
    free(c);
}

int nt_context_var(const nt_context *c, const char *name)
{
    for (int j = 0; j < c->n_vars; j++)
        if (!strcasecmp(c->var[j], name)) return j;
    return -1;
}

int nt_context_key(const nt_context *c, const char *s)
{
    for (int i = 0; i < c->n_keys; i++)
        if (!strcmp(c->key_value[i], s)) return i;
    return -1;
}

void nt_context_problem(nt_context_problems *pr, const char *path, long line, const char *column, const char *fmt, ...)
{
    if (pr->n < pr->max) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        nt_fail_at(&pr->e[pr->n++], NT_EINPUT, path, line, column, "%s", msg);
    }
    pr->total++;
}

/* One parsed row, kept until the table's extent is known. */
typedef struct { int key, month; long line; } row;

/* Index of key value s, added if new (with its first line); -2 out of memory. */
static int key_add(nt_context *c, const char *s, long line)
{
    int i = nt_context_key(c, s);
    if (i >= 0) return i;
    char **kv = realloc(c->key_value, (size_t)(c->n_keys + 1) * sizeof *kv);
    if (kv) c->key_value = kv;
    long *kl = kv ? realloc(c->key_line, (size_t)(c->n_keys + 1) * sizeof *kl) : NULL;
    if (kl) c->key_line = kl;
    if (!kv || !kl || !(kv[c->n_keys] = strdup(s))) return -2;
    kl[c->n_keys] = line;
    return c->n_keys++;
}

/* The header: KEY and month in the first two columns (either order), then
   the variables. *mcol: the month's column. */
static nt_status read_header(nt_cells *f, const char *path, nt_context *c, int *mcol, nt_error *err)
{
    int nh = nt_cells_columns(f);
    *mcol = nh >= 2 && !strcasecmp(nt_cells_name(f, 0), "month") ? 0 : 1;
    if (nh < 3 || strcasecmp(nt_cells_name(f, *mcol), "month"))
        return nt_fail_at(err, NT_EINPUT, path, 1, NULL,
                          "expected the header KEY,month,VARIABLE[,...] (e.g. region,month,unemployment_rate)");
    snprintf(c->key, sizeof c->key, "%s", nt_cells_name(f, 1 - *mcol));
    if (!c->key[0]) return nt_fail_at(err, NT_EINPUT, path, 1, NULL, "the key column has no name");
    c->n_vars = nh - 2;
    if (!(c->var = calloc((size_t)c->n_vars, sizeof *c->var))) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int j = 0; j < c->n_vars; j++) {
        const char *h = nt_cells_name(f, j + 2);
        int dup = 0;
        for (int i = 0; i < j; i++) dup |= !strcasecmp(c->var[i], h);
        if (!h[0] || dup || !strcasecmp(h, c->key) || !strcasecmp(h, "month"))
            return nt_fail_at(err, NT_EINPUT, path, 1, h, "an empty or repeated column name");
        if (!(c->var[j] = strdup(h))) return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    return NT_OK;
}

/* The table from its rows: extent, values, the row mask; a repeated (key,
   month) is a problem. */
static nt_status build(nt_context *c, const char *path, const row *rows, const double *vals, long nr,
                       nt_context_problems *pr, nt_error *err)
{
    int lo = rows[0].month, hi = rows[0].month;
    for (long r = 1; r < nr; r++) {
        if (rows[r].month < lo) lo = rows[r].month;
        if (rows[r].month > hi) hi = rows[r].month;
    }
    c->first_month = lo;
    c->n_months = hi - lo + 1;
    size_t km_n = (size_t)c->n_keys * (size_t)c->n_months, cells = (size_t)c->n_vars * km_n;
    long *seen = calloc(km_n, sizeof *seen);
    c->v = malloc(cells * sizeof *c->v);
    c->has = calloc(km_n, 1);
    if (!seen || !c->v || !c->has) { free(seen); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (size_t i = 0; i < cells; i++) c->v[i] = NAN;
    for (long r = 0; r < nr; r++) {
        size_t km = (size_t)rows[r].key * (size_t)c->n_months + (size_t)(rows[r].month - lo);
        if (seen[km]) {
            char mb[8];
            nt_month_format(rows[r].month, mb);
            nt_context_problem(pr, path, rows[r].line, c->key, "%s %s, %s again (first on line %ld)", c->key,
                               c->key_value[rows[r].key], mb, seen[km]);
            continue;
        }
        seen[km] = rows[r].line;
        c->has[km] = 1;
        for (int j = 0; j < c->n_vars; j++) c->v[(size_t)j * km_n + km] = vals[r * c->n_vars + j];
    }
    free(seen);
    return NT_OK;
}

/* One record into rows[nr] / vals: a bad field is a problem (the row is
   then left out). 1: kept, 0: left out, -1: out of memory. */
static int parse_row(nt_cells *f, const char *path, nt_context *c, int mcol, row *rw, double *vals,
                     nt_context_problems *pr)
{
    long ln = nt_cells_line(f);
    nt_cells_defect d = nt_cells_check(f);
    if (d.kind == NT_CELLS_FIELD_COUNT) {
        nt_context_problem(pr, path, ln, NULL, "%d fields, expected %d", d.fields, d.expected);
        return 0;
    }
    if (d.kind != NT_CELLS_FINE) {
        nt_context_problem(pr, path, ln, d.column, d.kind == NT_CELLS_NUL_BYTE ? "a NUL byte" : "text that is not UTF-8");
        return 0;
    }
    size_t len;
    int ok = 1;
    const char *k = nt_cells_field(f, 1 - mcol, &len);   /* empty: the national row */
    const char *ms = nt_cells_field(f, mcol, &len);
    int m = 0;
    if (nt_month_parse(ms, len, &m)) {
        nt_context_problem(pr, path, ln, "month", "found \"%s\", expected a month YYYY-MM", ms);
        ok = 0;
    }
    char dec = nt_cells_decimal(f);
    for (int j = 0; j < c->n_vars; j++) {
        const char *x = nt_cells_field(f, j + 2, &len);
        double v = NAN;
        if (len && (nt_text_number(x, len, dec, &v, NULL) || !isfinite(v))) {
            nt_context_problem(pr, path, ln, c->var[j], "found \"%s\", expected a number with '%c' as decimal point "
                               "(or empty: missing)", x, dec);
            ok = 0;
        }
        vals[j] = v;
    }
    if (!ok) return 0;
    int ki = key_add(c, k, ln);
    if (ki < 0) return -1;
    *rw = (row){ki, m, ln};
    return 1;
}

nt_status nt_context_read(const char *path, const nt_cells_opts *opts, nt_context **out, nt_context_problems *pr,
                          nt_error *err)
{
    nt_cells_opts co = {0, '.'};
    if (opts) co = *opts;
    nt_cells *f = NULL;
    nt_status s = nt_cells_open(path, &co, &f, err);
    if (s) return s;
    nt_error first;
    nt_context_problems own = {&first, 1, 0, 0}, *P = pr ? pr : &own;
    long before = P->total;
    int n_before = P->n;
    nt_context *c = calloc(1, sizeof *c);
    row *rows = NULL;
    double *vals = NULL;
    long nr = 0, cap = 0;
    int mcol = 1;
    if (!c) s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = read_header(f, path, c, &mcol, err);
    int got;
    while (!s && (got = nt_cells_next(f, err)) != 0) {
        if (got < 0) { s = NT_EINPUT; break; }
        if (nr == cap) {
            cap = cap ? 2 * cap : 1024;
            row *r2 = realloc(rows, (size_t)cap * sizeof *r2);
            double *v2 = r2 ? realloc(vals, (size_t)cap * (size_t)c->n_vars * sizeof *v2) : NULL;
            if (r2) rows = r2;
            if (v2) vals = v2;
            if (!r2 || !v2) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        }
        int k = parse_row(f, path, c, mcol, &rows[nr], vals + nr * c->n_vars, P);
        if (k < 0) s = nt_fail(err, NT_ENOMEM, "out of memory");
        nr += k > 0;
    }
    if (!s && nr == 0 && P->total == before) nt_context_problem(P, path, 1, NULL, "no rows");
    if (!s && nr > 0) s = build(c, path, rows, vals, nr, P, err);
    free(rows);
    free(vals);
    nt_cells_close(f);
    /* With pr, a table with problems in some rows is still handed back (from
       its good rows), so that it can be checked against the cohort too. */
    if (!s && P->total > before && (!pr || nr == 0)) {
        s = NT_EINPUT;
        if (err) {
            if (P->n > n_before) *err = P->e[n_before];
            else nt_fail_at(err, NT_EINPUT, path, 0, NULL, "problems in the context table");
            if (P->total - before > 1) {
                size_t l = strlen(err->msg);
                snprintf(err->msg + l, sizeof err->msg - l, " (and %ld more problem%s in the table)",
                         P->total - before - 1, P->total - before > 2 ? "s" : "");
            }
        }
    }
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
        int ki = nt_context_key(c, kc >= 1 && kc <= nk ? key : "");   /* missing key: the national row */
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
