/* HDF5 cohort store: the block reader (layout in docs/store.md; writing
   is nt_store_write.c). One handle, one thread: see nt_store.h. */
#include "data/nt_store.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/nt_store_h5.h"

struct nt_store {
    hid_t file;
    hid_t panel[NT_SERIES_N];
    long n;
    int months, chunk_rows, format_version;
    char tool_version[64], schemes[1024];
    nt_day data_end, earliest[NT_FILE_N - 1];
    int inflow_from, inflow_to;
    char sha[NT_FILE_N][65];
    char command[8192];
    long records[NT_FILE_N], merged[NT_FILE_N], rejected[NT_FILE_N][NT_REJECT_N];
    char **ptypes;
    int n_ptypes;
    char **cov;
    int n_cov;
    void *rowbuf;
    size_t rowbuf_size;
};

static int read_attr_i64(hid_t loc, const char *name, long long *v)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    int r = H5Aread(a, H5T_NATIVE_LLONG, v) < 0 ? -1 : 0;
    H5Aclose(a);
    return r;
}

static void strings_free(char **v, long n)
{
    if (!v) return;
    for (long i = 0; i < n; i++) free(v[i]);
    free(v);
}

static int read_attr_str(hid_t loc, const char *name, char *buf, size_t size)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t ft = H5Aget_type(a);
    size_t len = H5Tget_size(ft);
    H5Tclose(ft);
    char *tmp = calloc(len + 1, 1);
    hid_t mt = nt_store_str_type(len);
    int r = (tmp && H5Aread(a, mt, tmp) >= 0) ? 0 : -1;
    if (!r) snprintf(buf, size, "%s", tmp);
    H5Tclose(mt);
    H5Aclose(a);
    free(tmp);
    return r;
}

/* Fixed-length strings (dataset or attribute) into an allocated array. */
static int unpack_strings(const char *raw, size_t wd, long n, char ***out)
{
    char **v = calloc((size_t)(n ? n : 1), sizeof *v);
    if (!v) return -1;
    for (long i = 0; i < n; i++) {
        v[i] = calloc(wd + 1, 1);
        if (!v[i]) {
            strings_free(v, i);
            return -1;
        }
        memcpy(v[i], raw + (size_t)i * wd, wd);
    }
    *out = v;
    return 0;
}

static int read_strings_obj(hid_t obj, int is_attr, char ***out, long *n)
{
    hid_t ft = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t sp = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    size_t wd = H5Tget_size(ft);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    H5Tclose(ft);
    H5Sclose(sp);
    if (cnt < 0) return -1;
    char *raw = calloc((size_t)(cnt ? cnt : 1), wd);
    hid_t mt = nt_store_str_type(wd);
    int r = -1;
    if (raw && (cnt == 0 || (is_attr ? H5Aread(obj, mt, raw) : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw)) >= 0))
        r = unpack_strings(raw, wd, (long)cnt, out);
    if (!r) *n = (long)cnt;
    H5Tclose(mt);
    free(raw);
    return r;
}


void nt_store_levels_free(char **levels, int n) { strings_free(levels, n); }

void nt_store_close(nt_store *st)
{
    if (!st) return;
    for (int s = 0; s < NT_SERIES_N; s++)
        if (st->panel[s] >= 0) H5Dclose(st->panel[s]);
    if (st->file >= 0) H5Fclose(st->file);
    strings_free(st->ptypes, st->n_ptypes);
    strings_free(st->cov, st->n_cov);
    free(st->rowbuf);
    free(st);
}

static nt_day parse_day_or_none(const char *s)
{
    nt_day d;
    if (!*s || nt_date_parse(s, strlen(s), &d)) return NT_DAY_NONE;
    return d;
}

static herr_t list_cb(hid_t g, const char *name, const H5L_info_t *info, void *data)
{
    (void)g;
    (void)info;
    nt_store *st = data;
    char **v = realloc(st->cov, (size_t)(st->n_cov + 1) * sizeof *v);
    if (!v) return -1;
    st->cov = v;
    st->cov[st->n_cov] = strdup(name);
    if (!st->cov[st->n_cov]) return -1;
    st->n_cov++;
    return 0;
}

nt_status nt_store_open(const char *path, nt_store **out, nt_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    nt_store *st = calloc(1, sizeof *st);
    if (!st) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int s = 0; s < NT_SERIES_N; s++) st->panel[s] = -1;
    st->file = -1;
    if (access(path, R_OK)) {
        free(st);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot read the store (no such file?)");
    }
    st->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (st->file < 0) {
        free(st);
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "found no HDF5 file, expected a store written by netto ingest");
    }
    long long v;
    char buf[1100];
    if (read_attr_i64(st->file, "format_version", &v)) goto notstore;
    st->format_version = (int)v;
    if (v > NT_STORE_FORMAT_VERSION) {
        nt_store_close(st);
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL,
                          "found store format version %lld, expected %d or older (use a newer netto)",
                          v, NT_STORE_FORMAT_VERSION);
    }
    if (read_attr_i64(st->file, "n_persons", &v)) goto notstore;
    st->n = (long)v;
    if (read_attr_i64(st->file, "months", &v)) goto notstore;
    st->months = (int)v;
    if (read_attr_i64(st->file, "chunk_rows", &v)) goto notstore;
    st->chunk_rows = (int)v;
    read_attr_str(st->file, "tool_version", st->tool_version, sizeof st->tool_version);
    if (read_attr_str(st->file, "data_end", buf, sizeof buf)) goto notstore;
    st->data_end = parse_day_or_none(buf);
    if (read_attr_str(st->file, "inflow_from", buf, sizeof buf) || nt_month_parse(buf, strlen(buf), &st->inflow_from))
        goto notstore;
    if (read_attr_str(st->file, "inflow_to", buf, sizeof buf) || nt_month_parse(buf, strlen(buf), &st->inflow_to))
        goto notstore;
    for (int t = 0; t < NT_FILE_N - 1; t++) {
        char name[64];
        snprintf(name, sizeof name, "earliest_start_%s", nt_file_kind_name((nt_file_kind)(t + 1)));
        read_attr_str(st->file, name, buf, sizeof buf);
        st->earliest[t] = parse_day_or_none(buf);
    }
    for (int f = 0; f < NT_FILE_N; f++) {
        char name[64];
        snprintf(name, sizeof name, "sha256_%s", nt_file_kind_name((nt_file_kind)f));
        read_attr_str(st->file, name, st->sha[f], sizeof st->sha[f]);
    }
    if (read_attr_str(st->file, "ingest_command", st->command, sizeof st->command)) st->command[0] = 0;
    {
        hid_t a = H5Aopen(st->file, "schemes", H5P_DEFAULT);
        char **sv = NULL;
        long ns = 0;
        if (a >= 0 && !read_strings_obj(a, 1, &sv, &ns)) {
            st->schemes[0] = 0;
            for (long i = 0; i < ns; i++) {
                size_t l = strlen(st->schemes);
                snprintf(st->schemes + l, sizeof st->schemes - l, "%s%s", i ? "," : "", sv[i]);
            }
            strings_free(sv, ns);
        }
        if (a >= 0) H5Aclose(a);
    }
    {
        hid_t d = H5Dopen2(st->file, "ingest/records", H5P_DEFAULT);
        if (d >= 0) { H5Dread(d, H5T_NATIVE_LONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, st->records); H5Dclose(d); }
        d = H5Dopen2(st->file, "ingest/merged", H5P_DEFAULT);
        if (d >= 0) { H5Dread(d, H5T_NATIVE_LONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, st->merged); H5Dclose(d); }
        d = H5Dopen2(st->file, "ingest/rejected", H5P_DEFAULT);
        if (d >= 0) { H5Dread(d, H5T_NATIVE_LONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, st->rejected); H5Dclose(d); }
        d = H5Dopen2(st->file, "dict/program_types", H5P_DEFAULT);
        long np = 0;
        if (d < 0 || read_strings_obj(d, 0, &st->ptypes, &np)) {
            if (d >= 0) H5Dclose(d);
            goto notstore;
        }
        st->n_ptypes = (int)np;
        H5Dclose(d);
    }
    for (int s = 0; s < NT_SERIES_N; s++) {
        snprintf(buf, sizeof buf, "panel/%s", nt_series_name((nt_series)s));
        st->panel[s] = H5Dopen2(st->file, buf, H5P_DEFAULT);
        if (st->panel[s] < 0) goto notstore;
    }
    {
        hid_t g = H5Gopen2(st->file, "persons", H5P_DEFAULT);
        if (g < 0) goto notstore;
        hsize_t idx = 0;
        herr_t r = H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, list_cb, st);
        if (r < 0) {  /* creation order not tracked: name order */
            strings_free(st->cov, st->n_cov);
            st->cov = NULL;
            st->n_cov = 0;
            idx = 0;
            r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, list_cb, st);
        }
        H5Gclose(g);
        if (r < 0) goto notstore;
    }
    *out = st;
    return NT_OK;
notstore:
    nt_store_close(st);
    return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "found an HDF5 file that is not a complete netto store");
}

long nt_store_persons(const nt_store *st) { return st->n; }
int nt_store_months(const nt_store *st) { return st->months; }
int nt_store_chunk_rows(const nt_store *st) { return st->chunk_rows; }
int nt_store_format_version(const nt_store *st) { return st->format_version; }
const char *nt_store_tool_version(const nt_store *st) { return st->tool_version; }
nt_day nt_store_data_end(const nt_store *st) { return st->data_end; }
int nt_store_inflow_from(const nt_store *st) { return st->inflow_from; }
int nt_store_inflow_to(const nt_store *st) { return st->inflow_to; }
const char *nt_store_schemes(const nt_store *st) { return st->schemes; }
nt_day nt_store_earliest_start(const nt_store *st, int t) { return t >= 0 && t < NT_FILE_N - 1 ? st->earliest[t] : NT_DAY_NONE; }
const char *nt_store_ingest_command(const nt_store *st) { return st->command; }
const char *nt_store_sha256(const nt_store *st, int f) { return f >= 0 && f < NT_FILE_N ? st->sha[f] : ""; }
long nt_store_rejected(const nt_store *st, int f, int r)
{
    return f >= 0 && f < NT_FILE_N && r >= 0 && r < NT_REJECT_N ? st->rejected[f][r] : 0;
}
long nt_store_merged(const nt_store *st, int f) { return f >= 0 && f < NT_FILE_N ? st->merged[f] : 0; }
long nt_store_records(const nt_store *st, int f) { return f >= 0 && f < NT_FILE_N ? st->records[f] : 0; }
int nt_store_program_types(const nt_store *st, const char *const **names)
{
    *names = (const char *const *)st->ptypes;
    return st->n_ptypes;
}

nt_status nt_store_read_rows(nt_store *st, long first, long n, nt_series series, double *buf, nt_error *err)
{
    if (series < 0 || series >= NT_SERIES_N || first < 0 || n < 0 || first + n > st->n)
        return nt_fail(err, NT_EUSAGE, "rows %ld..%ld of series %d are outside the store (%ld persons)",
                       first, first + n - 1, (int)series, st->n);
    if (n == 0) return NT_OK;
    const size_t cells = (size_t)n * (size_t)st->months;
    const int is_f = series == NT_SERIES_EARNINGS;
    const size_t need = cells * (is_f ? sizeof(float) : 1);
    if (need > st->rowbuf_size) {
        void *b = realloc(st->rowbuf, need);
        if (!b) return nt_fail(err, NT_ENOMEM, "out of memory reading the store");
        st->rowbuf = b;
        st->rowbuf_size = need;
    }
    hsize_t off[2] = {(hsize_t)first, 0}, cnt[2] = {(hsize_t)n, (hsize_t)st->months};
    hid_t fs = H5Dget_space(st->panel[series]);
    hid_t ms = H5Screate_simple(2, cnt, NULL);
    herr_t r = H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL);
    if (r >= 0)
        r = H5Dread(st->panel[series], is_f ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, st->rowbuf);
    H5Sclose(ms);
    H5Sclose(fs);
    if (r < 0) return nt_fail(err, NT_EIO, "reading series %s of the store failed", nt_series_name(series));
    if (is_f) {
        const float *f = st->rowbuf;
        for (size_t i = 0; i < cells; i++) buf[i] = (double)f[i];
    } else {
        const uint8_t *u = st->rowbuf;
        for (size_t i = 0; i < cells; i++) buf[i] = u[i] == NT_COHORT_FILL ? NAN : (double)u[i];
    }
    return NT_OK;
}

int nt_store_n_covariates(const nt_store *st) { return st->n_cov; }
const char *nt_store_covariate_name(const nt_store *st, int i) { return i >= 0 && i < st->n_cov ? st->cov[i] : NULL; }

static hid_t open_cov(nt_store *st, const char *name)
{
    int ok = 0;
    for (int i = 0; i < st->n_cov; i++) ok |= !strcmp(st->cov[i], name);
    if (!ok || !strcmp(name, "person_id")) return -1;
    char path[512];
    snprintf(path, sizeof path, "persons/%s", name);
    return H5Dopen2(st->file, path, H5P_DEFAULT);
}

int nt_store_covariate_kind(const nt_store *st, const char *name)
{
    hid_t d = open_cov((nt_store *)st, name);
    if (d < 0) return -1;
    char kind[32] = "";
    read_attr_str(d, "kind", kind, sizeof kind);
    H5Dclose(d);
    return !strcmp(kind, "categorical") ? NT_COV_CATEGORICAL : NT_COV_NUMERIC;
}

nt_status nt_store_read_covariate(nt_store *st, const char *name, double *out, nt_error *err)
{
    hid_t d = open_cov(st, name);
    if (d < 0) return nt_fail(err, NT_EINPUT, "the store has no covariate \"%s\"", name);
    herr_t r = st->n > 0 ? H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) : 0;
    H5Dclose(d);
    if (r < 0) return nt_fail(err, NT_EIO, "reading covariate \"%s\" of the store failed", name);
    return NT_OK;
}

nt_status nt_store_read_levels(nt_store *st, const char *name, char ***levels, int *n, nt_error *err)
{
    hid_t d = open_cov(st, name);
    if (d < 0) return nt_fail(err, NT_EINPUT, "the store has no covariate \"%s\"", name);
    hid_t a = H5Aopen(d, "levels", H5P_DEFAULT);
    long cnt = 0;
    int r = a < 0 ? -1 : read_strings_obj(a, 1, levels, &cnt);
    if (a >= 0) H5Aclose(a);
    H5Dclose(d);
    if (r) return nt_fail(err, NT_EINPUT, "covariate \"%s\" of the store is not categorical", name);
    *n = (int)cnt;
    return NT_OK;
}

const char *nt_store_hdf5_version(void)
{
    static char buf[32];
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
    return buf;
}
