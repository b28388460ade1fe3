/* HDF5 cohort store: opening and validating (layout in docs/store.md).
   A store is untrusted input: its checksum block is verified before libhdf5
   parses a byte of it, and every attribute and dataset netto reads is
   checked against the store's own header (rank, shape, type class and
   size) here, once, so that the readers (nt_store_read.c) read exactly the
   bytes their buffers hold. Anything else is refused naming the object. */
#include "data/nt_store.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "data/nt_store_h5.h"

#define MAX_PERSONS (1L << 40)
#define MAX_MONTHS 1200
#define MAX_STRING (1u << 20)      /* bytes per fixed-length string */
#define MAX_STRINGS_BYTES (1L << 32)

void nt_store_h5_strings_free(char **v, long n)
{
    if (!v) return;
    for (long i = 0; i < n; i++) free(v[i]);
    free(v);
}

/* Fixed-length strings (dataset or attribute, scalar or 1-D) into an
   allocated array. */
int nt_store_h5_strings(hid_t obj, int is_attr, char ***out, long *n)
{
    hid_t ft = is_attr ? H5Aget_type(obj) : H5Dget_type(obj);
    hid_t sp = is_attr ? H5Aget_space(obj) : H5Dget_space(obj);
    int ok = ft >= 0 && sp >= 0 && H5Tget_class(ft) == H5T_STRING && H5Tis_variable_str(ft) == 0 &&
             H5Sget_simple_extent_ndims(sp) <= 1;
    size_t wd = ok ? H5Tget_size(ft) : 0;
    hssize_t cnt = ok ? H5Sget_simple_extent_npoints(sp) : -1;
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    if (!ok || wd < 1 || wd > MAX_STRING || cnt < 0 || (double)cnt * (double)wd > (double)MAX_STRINGS_BYTES) return -1;
    char *raw = calloc((size_t)(cnt ? cnt : 1), wd);
    char **v = calloc((size_t)(cnt ? cnt : 1), sizeof *v);
    hid_t mt = nt_store_str_type(wd);
    int r = -1;
    if (raw && v && (cnt == 0 || (is_attr ? H5Aread(obj, mt, raw) : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw)) >= 0)) {
        r = 0;
        for (long i = 0; i < (long)cnt && !r; i++) {
            if (!(v[i] = calloc(wd + 1, 1))) r = -1;
            else memcpy(v[i], raw + (size_t)i * wd, wd);
        }
    }
    H5Tclose(mt);
    free(raw);
    if (r) {
        nt_store_h5_strings_free(v, (long)cnt);
        return -1;
    }
    *out = v;
    *n = (long)cnt;
    return 0;
}

/* One attribute value: a scalar (or one-element) of the class wanted. */
static hid_t attr_open_one(hid_t loc, const char *name, H5T_class_t cls, size_t *size)
{
    if (H5Aexists(loc, name) <= 0) return -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t ft = H5Aget_type(a), sp = H5Aget_space(a);
    int ok = ft >= 0 && sp >= 0 && H5Tget_class(ft) == cls && H5Sget_simple_extent_npoints(sp) == 1 &&
             (cls != H5T_STRING || H5Tis_variable_str(ft) == 0);
    *size = ok ? H5Tget_size(ft) : 0;
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    if (!ok || *size < 1 || *size > MAX_STRING) {
        H5Aclose(a);
        return -1;
    }
    return a;
}

static int read_attr_i64(hid_t loc, const char *name, long long *v)
{
    size_t size;
    hid_t a = attr_open_one(loc, name, H5T_INTEGER, &size);
    if (a < 0) return -1;
    int r = size <= 8 && H5Aread(a, H5T_NATIVE_LLONG, v) >= 0 ? 0 : -1;
    H5Aclose(a);
    return r;
}

int nt_store_h5_attr_str(hid_t loc, const char *name, char *buf, size_t size)
{
    size_t len;
    hid_t a = attr_open_one(loc, name, H5T_STRING, &len);
    if (a < 0) return -1;
    char *tmp = calloc(len + 1, 1);
    hid_t mt = nt_store_str_type(len);
    int r = (tmp && H5Aread(a, mt, tmp) >= 0) ? 0 : -1;
    if (!r) snprintf(buf, size, "%s", tmp);
    H5Tclose(mt);
    H5Aclose(a);
    free(tmp);
    return r;
}

/* A dataset's shape and type against what the header says: rank, dims
   (d1 ignored for rank 1), class, and at most maxsize bytes an element
   (exactly size bytes if size > 0). */
static int ds_ok(hid_t d, int rank, hsize_t d0, hsize_t d1, H5T_class_t cls, size_t size, size_t maxsize)
{
    hid_t ft = H5Dget_type(d), sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    int ok = ft >= 0 && sp >= 0 && H5Sget_simple_extent_type(sp) == H5S_SIMPLE &&
             H5Sget_simple_extent_ndims(sp) == rank && H5Sget_simple_extent_dims(sp, dims, NULL) == rank &&
             dims[0] == d0 && (rank < 2 || dims[1] == d1);
    if (ok) {
        H5T_class_t c = H5Tget_class(ft);
        size_t sz = H5Tget_size(ft);
        ok = c == cls && sz >= 1 && sz <= maxsize && (!size || sz == size) &&
             (c != H5T_STRING || H5Tis_variable_str(ft) == 0);
    }
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    return ok;
}

hid_t nt_store_h5_open_cov(const nt_store *st, const char *name)
{
    char esc[1024], path[1100];
    if (nt_store_escape(name, esc, sizeof esc)) return -1;
    snprintf(path, sizeof path, "persons/%s", esc);
    if (H5Lexists(st->file, path, H5P_DEFAULT) <= 0) return -1;
    return H5Dopen2(st->file, path, H5P_DEFAULT);
}

int nt_store_h5_levels(const nt_store *st, hid_t d, const char *name, char ***out, long *n)
{
    if (H5Aexists(d, "levels") > 0) {
        hid_t a = H5Aopen(d, "levels", H5P_DEFAULT);
        int r = a < 0 ? -1 : nt_store_h5_strings(a, 1, out, n);
        if (a >= 0) H5Aclose(a);
        return r;
    }
    char esc[1024], path[1100];
    if (nt_store_escape(name, esc, sizeof esc)) return -1;
    snprintf(path, sizeof path, "levels/%s", esc);
    if (H5Lexists(st->file, "levels", H5P_DEFAULT) <= 0 || H5Lexists(st->file, path, H5P_DEFAULT) <= 0) return -1;
    hid_t l = H5Dopen2(st->file, path, H5P_DEFAULT);
    int r = l < 0 ? -1 : nt_store_h5_strings(l, 0, out, n);
    if (l >= 0) H5Dclose(l);
    return r;
}

/* The int32 variables of docs/store.md: an integer type of at most 4 bytes. */
static int int32_cov(const char *name)
{
    static const char *v[] = {"treat_month", "exit_month", "n_observed", "index_start", "index_end"};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        if (!strcmp(name, v[i])) return 1;
    return 0;
}

/* One /persons dataset: 1-D of n_persons; kind numeric (integer or float)
   or categorical (integer codes of at most 4 bytes with levels). */
static int check_cov(nt_store *st, int i, char *why, size_t wsize)
{
    const char *name = st->cov[i];
    hid_t d = nt_store_h5_open_cov(st, name);
    if (d < 0) return snprintf(why, wsize, "is not a dataset"), -1;
    const hsize_t n = (hsize_t)st->n;
    int ok;
    if (!strcmp(name, "person_id")) {
        ok = ds_ok(d, 1, n, 0, H5T_STRING, 0, MAX_STRING);
        st->cov_kind[i] = -1;
        H5Dclose(d);
        if (!ok) snprintf(why, wsize, "is not %ld fixed-length strings", st->n);
        return ok ? 0 : -1;
    }
    char kind[32] = "";
    nt_store_h5_attr_str(d, "kind", kind, sizeof kind);
    if (!strcmp(kind, "categorical")) {
        st->cov_kind[i] = NT_COV_CATEGORICAL;
        ok = ds_ok(d, 1, n, 0, H5T_INTEGER, 0, 4);
        char **lev = NULL;
        long nl = 0;
        if (ok && nt_store_h5_levels(st, d, name, &lev, &nl)) {
            H5Dclose(d);
            return snprintf(why, wsize, "has no readable levels"), -1;
        }
        nt_store_h5_strings_free(lev, nl);
        st->cov_nlev[i] = nl > INT32_MAX - 1 ? -1 : (int)nl;
        ok = ok && st->cov_nlev[i] >= 0;
    } else if (!strcmp(kind, "numeric")) {
        st->cov_kind[i] = NT_COV_NUMERIC;
        ok = int32_cov(name) ? ds_ok(d, 1, n, 0, H5T_INTEGER, 0, 4)
                             : ds_ok(d, 1, n, 0, H5T_FLOAT, 0, 8) || ds_ok(d, 1, n, 0, H5T_INTEGER, 0, 4);
    } else {
        H5Dclose(d);
        return snprintf(why, wsize, "has no kind attribute (numeric or categorical)"), -1;
    }
    H5Dclose(d);
    if (!ok)
        snprintf(why, wsize, "is not a 1-D dataset of %ld %s", st->n,
                 st->cov_kind[i] == NT_COV_CATEGORICAL ? "integer codes (at most 32 bits)"
                 : int32_cov(name)                      ? "integers (at most 32 bits)"
                                                        : "numbers");
    return ok ? 0 : -1;
}

static void unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p; p++) {
        unsigned v;
        if (*p == '%' && sscanf(p + 1, "%2X", &v) == 1 && p[1] && p[2]) {
            *o++ = (char)v;
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = 0;
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
    unescape(st->cov[st->n_cov]);
    st->n_cov++;
    return 0;
}

static int list_covariates(nt_store *st)
{
    if (H5Lexists(st->file, "persons", H5P_DEFAULT) <= 0) return -1;
    hid_t g = H5Gopen2(st->file, "persons", H5P_DEFAULT);
    if (g < 0) return -1;
    hsize_t idx = 0;
    herr_t r = H5Literate(g, H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, list_cb, st);
    if (r < 0) {  /* creation order not tracked: name order */
        nt_store_h5_strings_free(st->cov, st->n_cov);
        st->cov = NULL;
        st->n_cov = 0;
        idx = 0;
        r = H5Literate(g, H5_INDEX_NAME, H5_ITER_INC, &idx, list_cb, st);
    }
    H5Gclose(g);
    if (r < 0 || st->n_cov > 100000) return -1;
    st->cov_kind = calloc((size_t)st->n_cov + 1, sizeof *st->cov_kind);
    st->cov_nlev = calloc((size_t)st->n_cov + 1, sizeof *st->cov_nlev);
    return st->cov_kind && st->cov_nlev ? 0 : -1;
}

/* The /ingest counts: 1-D of NT_FILE_N (2-D NT_FILE_N x reasons for
   rejected, at most NT_REJECT_N: older stores know fewer reasons). */
static int read_counts(nt_store *st, const char *name, long *out, int rank)
{
    char path[64];
    snprintf(path, sizeof path, "ingest/%s", name);
    if (H5Lexists(st->file, "ingest", H5P_DEFAULT) <= 0 || H5Lexists(st->file, path, H5P_DEFAULT) <= 0) return 0;
    hid_t d = H5Dopen2(st->file, path, H5P_DEFAULT);
    if (d < 0) return -1;
    hsize_t dims[2] = {NT_FILE_N, NT_REJECT_N};
    if (rank == 2) {
        hid_t sp = H5Dget_space(d);
        if (sp >= 0 && H5Sget_simple_extent_ndims(sp) == 2) H5Sget_simple_extent_dims(sp, dims, NULL);
        if (sp >= 0) H5Sclose(sp);
        if (dims[1] < 1 || dims[1] > NT_REJECT_N) dims[1] = NT_REJECT_N + 1;
    }
    int ok = ds_ok(d, rank, NT_FILE_N, dims[1], H5T_INTEGER, 0, 8);
    long long tmp[NT_FILE_N * NT_REJECT_N];
    hid_t ms = H5Screate_simple(rank, dims, NULL), fs = H5Dget_space(d);
    ok = ok && H5Dread(d, H5T_NATIVE_LLONG, ms, fs, H5P_DEFAULT, tmp) >= 0;
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
    if (!ok) return -1;
    const hsize_t w = rank == 2 ? dims[1] : 1, stride = rank == 2 ? NT_REJECT_N : 1;
    for (hsize_t f = 0; f < NT_FILE_N; f++)
        for (hsize_t k = 0; k < w; k++) out[f * stride + k] = (long)tmp[f * w + k];
    return 0;
}

/* The rejects report kept in the store (format 2): one byte string (read
   by HDF5 tools, not by netto; checked like the rest). */
static int read_rejects(nt_store *st)
{
    if (H5Lexists(st->file, "ingest", H5P_DEFAULT) <= 0 || H5Lexists(st->file, "ingest/rejects_csv", H5P_DEFAULT) <= 0)
        return 0;
    hid_t d = H5Dopen2(st->file, "ingest/rejects_csv", H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t sp = H5Dget_space(d);
    hssize_t len = sp >= 0 && H5Sget_simple_extent_ndims(sp) == 1 ? H5Sget_simple_extent_npoints(sp) : -1;
    if (sp >= 0) H5Sclose(sp);
    int ok = len >= 0 && ds_ok(d, 1, (hsize_t)len, 0, H5T_INTEGER, 1, 1);
    H5Dclose(d);
    return ok ? 0 : -1;
}

/* The checksum block of a format 2 store, verified before libhdf5 opens
   the file; a file starting with HDF5's signature is a format 1 store
   (written before the block existed). */
static nt_status verify_checksum(const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot read the store: %s", strerror(errno));
    char ub[NT_STORE_UB + 1] = {0};
    size_t got = fread(ub, 1, NT_STORE_UB, fp);
    fclose(fp);
    static const char hdf5_sig[8] = {'\211', 'H', 'D', 'F', '\r', '\n', '\032', '\n'};
    if (got >= 8 && !memcmp(ub, hdf5_sig, 8)) return NT_OK;
    const size_t ml = strlen(NT_STORE_MAGIC);
    if (got < NT_STORE_UB || memcmp(ub, NT_STORE_MAGIC, ml))
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "found no netto store (no checksum block, no HDF5 signature)");
    char want[65] = "", have[65];
    const size_t used = ml + strlen("sha256 \n") + 64;
    int pad_ok = 1;   /* the rest of the block is NUL bytes: a flip there is damage too */
    for (size_t i = used; i < NT_STORE_UB; i++) pad_ok &= ub[i] == 0;
    if (sscanf(ub + ml, "sha256 %64[0-9a-f]", want) != 1 || strlen(want) != 64 || ub[used - 1] != '\n' || !pad_ok)
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "the store's checksum block is damaged");
    nt_status s = nt_file_sha256_from(path, NT_STORE_UB, have, err);
    if (s) return s;
    if (strcmp(want, have))
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL,
                          "the store is damaged: its SHA-256 %.12s... does not match the %.12s... written by netto ingest "
                          "(copy it again or rerun netto ingest)", have, want);
    return NT_OK;
}

#define BAD(...) do { snprintf(why, sizeof why, __VA_ARGS__); goto bad; } while (0)

/* The root attributes, the counts, the dictionary and the panel; the
   covariates come after (check_cov). */
static int read_header(nt_store *st, char *why, size_t wsize);

nt_status nt_store_open(const char *path, nt_store **out, nt_error *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (access(path, R_OK)) return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot read the store (no such file?)");
    nt_status s = verify_checksum(path, err);
    if (s) return s;
    nt_store *st = calloc(1, sizeof *st);
    if (!st) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int k = 0; k < NT_SERIES_N; k++) st->panel[k] = -1;
    snprintf(st->path, sizeof st->path, "%s", path);
    st->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (st->file < 0) {
        free(st);
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "found no HDF5 file, expected a store written by netto ingest");
    }
    char why[1400] = "";
    long long v;
    if (read_attr_i64(st->file, "format_version", &v)) BAD("no format_version attribute");
    st->format_version = (int)v;
    if (v > NT_STORE_FORMAT_VERSION || v < 1) {
        nt_store_close(st);
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL,
                          "found store format version %lld, expected %d or older (use a newer netto)", v,
                          NT_STORE_FORMAT_VERSION);
    }
    if (read_header(st, why, sizeof why)) goto bad;
    if (list_covariates(st)) BAD("no readable /persons group");
    for (int i = 0; i < st->n_cov; i++) {
        char w[600];
        if (check_cov(st, i, w, sizeof w)) BAD("/persons/%s %s", st->cov[i], w);
    }
    if (read_rejects(st)) BAD("/ingest/rejects_csv is not a byte string");
    *out = st;
    return NT_OK;
bad:
    nt_store_close(st);
    if (!why[0]) snprintf(why, sizeof why, "not a complete netto store");
    return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "found an HDF5 file that is not a valid netto store: %s", why);
}

static int read_header(nt_store *st, char *why, size_t wsize)
{
#undef BAD
#define BAD(...) do { snprintf(why, wsize, __VA_ARGS__); return -1; } while (0)
    long long v;
    char buf[1100];
    if (read_attr_i64(st->file, "n_persons", &v) || v < 0 || v > MAX_PERSONS) BAD("attribute n_persons is not a count");
    st->n = (long)v;
    if (read_attr_i64(st->file, "months", &v) || v < 1 || v > MAX_MONTHS) BAD("attribute months is not 1 to %d", MAX_MONTHS);
    st->months = (int)v;
    /* The writer's chunks: at most n_persons rows, or 128 KiB of a row's bytes. */
    if (read_attr_i64(st->file, "chunk_rows", &v) || v < 1 || (v > st->n && v > (1 << 17)))
        BAD("attribute chunk_rows is not 1 to max(n_persons, 131072)");
    st->chunk_rows = (int)v;
    nt_store_h5_attr_str(st->file, "tool_version", st->tool_version, sizeof st->tool_version);
    if (nt_store_h5_attr_str(st->file, "data_end", buf, sizeof buf)) BAD("no data_end attribute");
    st->data_end = NT_DAY_NONE;
    if (buf[0] && nt_date_parse(buf, strlen(buf), &st->data_end)) BAD("attribute data_end is not a date");
    if (nt_store_h5_attr_str(st->file, "inflow_from", buf, sizeof buf) || nt_month_parse(buf, strlen(buf), &st->inflow_from))
        BAD("attribute inflow_from is not a month");
    if (nt_store_h5_attr_str(st->file, "inflow_to", buf, sizeof buf) || nt_month_parse(buf, strlen(buf), &st->inflow_to))
        BAD("attribute inflow_to is not a month");
    for (int t = 0; t < NT_FILE_N - 1; t++) {
        char name[64];
        snprintf(name, sizeof name, "earliest_start_%s", nt_file_kind_name((nt_file_kind)(t + 1)));
        st->earliest[t] = NT_DAY_NONE;
        if (!nt_store_h5_attr_str(st->file, name, buf, sizeof buf) && buf[0] && nt_date_parse(buf, strlen(buf), &st->earliest[t]))
            st->earliest[t] = NT_DAY_NONE;
    }
    for (int f = 0; f < NT_FILE_N; f++) {
        char name[64];
        snprintf(name, sizeof name, "sha256_%s", nt_file_kind_name((nt_file_kind)f));
        nt_store_h5_attr_str(st->file, name, st->sha[f], sizeof st->sha[f]);
    }
    if (nt_store_h5_attr_str(st->file, "ingest_command", st->command, sizeof st->command)) st->command[0] = 0;
    if (H5Aexists(st->file, "schemes") > 0) {
        hid_t a = H5Aopen(st->file, "schemes", H5P_DEFAULT);
        char **sv = NULL;
        long ns = 0;
        if (a < 0 || nt_store_h5_strings(a, 1, &sv, &ns)) {
            if (a >= 0) H5Aclose(a);
            BAD("attribute schemes is not a list of strings");
        }
        for (long i = 0; i < ns; i++) {
            size_t l = strlen(st->schemes);
            snprintf(st->schemes + l, sizeof st->schemes - l, "%s%s", i ? "," : "", sv[i]);
        }
        nt_store_h5_strings_free(sv, ns);
        H5Aclose(a);
    }
    if (read_counts(st, "records", st->records, 1)) BAD("/ingest/records is not %d counts", NT_FILE_N);
    if (read_counts(st, "merged", st->merged, 1)) BAD("/ingest/merged is not %d counts", NT_FILE_N);
    if (read_counts(st, "rejected", &st->rejected[0][0], 2)) BAD("/ingest/rejected is not %d x %d counts", NT_FILE_N, NT_REJECT_N);
    if (H5Lexists(st->file, "dict", H5P_DEFAULT) <= 0 || H5Lexists(st->file, "dict/program_types", H5P_DEFAULT) <= 0)
        BAD("no /dict/program_types");
    hid_t d = H5Dopen2(st->file, "dict/program_types", H5P_DEFAULT);
    long np = 0;
    int r = d < 0 || nt_store_h5_strings(d, 0, &st->ptypes, &np) || np > 250;
    if (d >= 0) H5Dclose(d);
    st->n_ptypes = (int)np;
    if (r) BAD("/dict/program_types is not a list of at most 250 strings");
    if (H5Lexists(st->file, "panel", H5P_DEFAULT) <= 0) BAD("no /panel group");
    for (int k = 0; k < NT_SERIES_N; k++) {
        char name[64];
        snprintf(name, sizeof name, "panel/%s", nt_series_name((nt_series)k));
        if (H5Lexists(st->file, name, H5P_DEFAULT) <= 0 || (st->panel[k] = H5Dopen2(st->file, name, H5P_DEFAULT)) < 0)
            BAD("no /%s", name);
        const int f32 = k == NT_SERIES_EARNINGS;
        if (!ds_ok(st->panel[k], 2, (hsize_t)st->n, (hsize_t)st->months, f32 ? H5T_FLOAT : H5T_INTEGER, f32 ? 4 : 1, 8))
            BAD("/%s is not %ld x %d %s", name, st->n, st->months, f32 ? "float32" : "uint8");
    }
    return 0;
#undef BAD
}
