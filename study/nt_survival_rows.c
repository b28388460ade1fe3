/* The rows of a flat survival file (see nt_survival_rows.h). */
#include "study/nt_survival_rows.h"

#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_progress.h"
#include "data/nt_store.h"

static const nt_flat_column *g_codecol;
static int cmp_rowstr(const void *a, const void *b)
{
    long i = *(const long *)a, j = *(const long *)b;
    int c = strcmp(g_codecol->str[i], g_codecol->str[j]);
    return c ? c : (i > j) - (i < j);
}

/* Codes 0..k-1 for the values of a column over the kept rows, levels in
   bytewise order (labels point into the flat file). */
static nt_status column_codes(const nt_flat *f, int col, const long *rows, long n, int *code, long *k,
                              const char ***labels, nt_error *err)
{
    long *o = malloc((size_t)(n ? n : 1) * sizeof *o);
    const char **lab = malloc((size_t)(n ? n : 1) * sizeof *lab);
    if (!o || !lab) { free(o); free(lab); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long i = 0; i < n; i++) o[i] = rows[i];
    g_codecol = &f->cols[col];
    qsort(o, (size_t)n, sizeof *o, cmp_rowstr);
    /* o holds flat rows; map back to kept positions via a flat-row index */
    long *pos = malloc((size_t)(f->n_rows ? f->n_rows : 1) * sizeof *pos);
    if (!pos) { free(o); free(lab); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long i = 0; i < n; i++) pos[rows[i]] = i;
    long kk = 0;
    for (long i = 0; i < n; i++) {
        if (i == 0 || strcmp(g_codecol->str[o[i]], g_codecol->str[o[i - 1]])) lab[kk++] = g_codecol->str[o[i]];
        code[pos[o[i]]] = (int)(kk - 1);
    }
    free(o); free(pos);
    *k = kk;
    if (labels) *labels = lab; else free(lab);
    return NT_OK;
}

nt_status nt_survival_codes(const nt_survival_rows *r, int col, int *code, long *k, const char ***labels,
                            nt_error *err)
{
    return column_codes(r->f, col, r->row, r->n, code, k, labels, err);
}

void nt_survival_rows_free(nt_survival_rows *r)
{
    nt_design_free(r->des);
    nt_flat_free(r->f);
    free(r->start); free(r->stop); free(r->event); free(r->weight);
}

nt_status nt_survival_rows_load(const nt_survival_run_opts *o, const char *const *vars, int nvars,
                                const char *const *extra, int nextra, nt_survival_rows *r, nt_error *err)
{
    nt_status s;
    memset(r, 0, sizeof *r);
    r->cs = r->cw = -1;
    if ((s = nt_flat_read(o->data, &r->f, err))) return s;
    nt_flat *f = r->f;
    if ((s = nt_flat_require_numeric(f, o->time, &r->ct, err))) return s;
    if (o->start && (s = nt_flat_require_numeric(f, o->start, &r->cs, err))) return s;
    if (o->weight && (s = nt_flat_require_numeric(f, o->weight, &r->cw, err))) return s;
    if ((s = nt_flat_require(f, o->event, &r->ce, err))) return s;
    if ((s = nt_flat_require_binary(f, r->ce, err))) return s;
    const char *req[8];
    int nreq = 0;
    req[nreq++] = o->time;
    req[nreq++] = o->event;
    if (o->start) req[nreq++] = o->start;
    if (o->weight) req[nreq++] = o->weight;
    for (int k = 0; k < nextra && nreq < 8; k++) {
        int c;
        if ((s = nt_flat_require(f, extra[k], &c, err))) return s;
        req[nreq++] = extra[k];
    }
    nt_design_opts dopt = {.intercept = 0, .reject_constant = 1};
    if ((s = nt_design_build(f, vars, nvars, req, nreq, &dopt, &r->des, err))) return s;
    long n = r->des->n;
    r->n = n;
    r->row = r->des->row;
    size_t sz = (size_t)(n ? n : 1) * sizeof(double);
    r->stop = malloc(sz); r->event = malloc(sz);
    if (o->start) r->start = malloc(sz);
    if (o->weight) r->weight = malloc(sz);
    if (!r->stop || !r->event || (o->start && !r->start) || (o->weight && !r->weight))
        return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < n; i++) {
        long fr = r->row[i];
        r->stop[i] = f->cols[r->ct].num[fr];
        r->event[i] = f->cols[r->ce].num[fr];
        if (r->start) r->start[i] = f->cols[r->cs].num[fr];
        if (r->weight) r->weight[i] = f->cols[r->cw].num[fr];
    }
    return NT_OK;
}

nt_status nt_survival_rows_check(const nt_survival_rows *r, const nt_surv_data *d, nt_error *err)
{
    long bad = -1;
    nt_error e;
    nt_error_clear(&e);
    if (!nt_surv_check(d, &bad, &e)) return NT_OK;
    int col = !strcmp(e.column, "event") ? r->ce : !strcmp(e.column, "start") ? r->cs
            : !strcmp(e.column, "weight") ? r->cw : r->ct;
    return nt_fail_at(err, NT_EINPUT, r->f->path, r->f->line[r->row[bad]], r->f->cols[col].name, "%s", e.msg);
}

void nt_survival_rows_report(nt_manifest *m, const nt_survival_rows *r, const char *const *names, int nnames,
                             const char *cmd, nt_notes *notes)
{
    nt_manifest_count(m, "rows_read", (double)r->f->n_rows);
    nt_manifest_count(m, "rows_used", (double)r->n);
    nt_manifest_count(m, "rows_dropped_missing", (double)r->des->n_dropped);
    char buf[1024] = "";
    size_t len = 0;
    for (int k = 0; k < nnames; k++) {
        long c = r->des->dropped_by[k];
        if (!c) continue;
        char key[128];
        snprintf(key, sizeof key, "missing_%s", names[k]);
        nt_manifest_count(m, key, (double)c);
        if (len < sizeof buf)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %ld", len ? ", " : "", names[k], c);
    }
    nt_notes_add(notes, NT_NOTES_OUT, "netto survival %s: %ld rows read, %ld used, %ld dropped for missing values%s%s%s\n", cmd,
                 r->f->n_rows, r->n, r->des->n_dropped, len ? " (" : "", buf, len ? ")" : "");
}

nt_status nt_survival_finish(nt_manifest *m, const nt_survival_run_opts *o, double t0, nt_error *err)
{
    char path[4096];
    nt_manifest_disclosure(m, o->min_cell, 0); /* only netto run makes a cleared export/ (docs/disclosure.md) */
    nt_manifest_set_threads(m, omp_get_max_threads());
    nt_manifest_timing(m, "total", nt_now() - t0);
    nt_path_join(path, sizeof path, o->out, "manifest.json");
    nt_manifest_platform(m, "hdf5", nt_store_hdf5_version());
    return nt_manifest_write(m, path, err);
}
