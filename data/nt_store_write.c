/* HDF5 cohort store: the writer (layout in docs/store.md; reading is
   nt_store_read.c).

   Panel chunks are compressed here, in parallel (shuffle for multi-byte
   types, then zlib deflate, the same bytes HDF5's own shuffle + deflate
   filters would write), and written with H5Dwrite_chunk in chunk order, so
   the file is the same for any thread count and any reader decodes it with
   the standard filters. Object timestamps are switched off, so the same
   cohort gives the same bytes: the order in which objects are created is
   part of the format (creation order is tracked). */
#include "data/nt_store.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include "core/nt_file.h"
#include "data/nt_context.h"
#include "data/nt_store_h5.h"

#ifndef NETTO_VERSION
#define NETTO_VERSION "unknown"
#endif

#define DEFLATE_LEVEL 1
#define CHUNK_BYTES (128 * 1024)   /* per uint8 panel chunk */
#define COV_CHUNK 65536

typedef struct {
    hid_t file;
    int bad;          /* an HDF5 call failed */
    char what[700];   /* the first object that could not be written */
    const char *obj;  /* the group being written */
    hid_t levels;     /* group /levels: the levels of categorical covariates */
} writer;

/* Records the first failure: which object, and HDF5's innermost reason. */
static herr_t err_walk(unsigned n, const H5E_error2_t *e, void *data)
{
    (void)n;
    char *buf = data;
    if (e->desc && e->desc[0]) snprintf(buf, 300, "%s", e->desc);
    return 0;
}

static void wfail(writer *w, const char *name)
{
    if (!w->bad) {
        char why[300] = "";
        H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, err_walk, why);
        snprintf(w->what, sizeof w->what, "%s%s%s%s%s", w->obj ? w->obj : "", w->obj && name ? "/" : "",
                 name ? name : "", why[0] ? ": " : "", why);
    }
    w->bad = 1;
}

static void write_chunks(writer *w, hid_t d, const void *data, size_t esize, const void *fill,
                         long n, int H, long R);

static hid_t ocpl_untimed(hid_t cls)
{
    hid_t p = H5Pcreate(cls);
    if (p >= 0) H5Pset_obj_track_times(p, 0);
    return p;
}

static hid_t group_create(writer *w, hid_t loc, const char *name)
{
    hid_t gcpl = ocpl_untimed(H5P_GROUP_CREATE);
    H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
    hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) wfail(w, name);
    return g;
}

static void attr_str(writer *w, hid_t loc, const char *name, const char *v)
{
    if (!v) v = "";
    hid_t t = nt_store_str_type(strlen(v)), s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, v) < 0) wfail(w, name);
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

static void attr_i64(writer *w, hid_t loc, const char *name, long long v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_LLONG, &v) < 0) wfail(w, name);
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
}

/* Packs n strings into a fixed-length buffer (NULL -> ""); returns it and the width. */
static char *pack_strings(const char *const *v, long n, size_t *width)
{
    size_t wd = 1;
    for (long i = 0; i < n; i++)
        if (v[i] && strlen(v[i]) > wd) wd = strlen(v[i]);
    char *buf = calloc(n > 0 ? (size_t)n : 1, wd);
    if (!buf) return NULL;
    for (long i = 0; i < n; i++)
        if (v[i]) memcpy(buf + (size_t)i * wd, v[i], strlen(v[i]));
    *width = wd;
    return buf;
}

static void attr_strings(writer *w, hid_t loc, const char *name, const char *const *v, long n)
{
    size_t wd;
    char *buf = pack_strings(v, n, &wd);
    if (!buf) { wfail(w, name); return; }
    hsize_t dim = (hsize_t)n;
    hid_t t = nt_store_str_type(wd), s = H5Screate_simple(1, &dim, NULL);
    hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || (n > 0 && H5Awrite(a, t, buf) < 0)) wfail(w, name);
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    free(buf);
}

/* A 1-D dataset of n elements, chunked and deflated (chunks compressed in
   parallel like the panel's). */
static hid_t dataset_1d(writer *w, hid_t loc, const char *name, hid_t ftype, hid_t mtype,
                        long n, const void *buf)
{
    hsize_t dim = (hsize_t)n;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    hid_t dcpl = ocpl_untimed(H5P_DATASET_CREATE);
    const size_t esize = H5Tget_size(ftype);
    const long R = n < COV_CHUNK ? n : COV_CHUNK;
    if (n > 0) {
        hsize_t ch = (hsize_t)R;
        H5Pset_chunk(dcpl, 1, &ch);
        if (esize > 1) H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, DEFLATE_LEVEL);
    }
    hid_t d = H5Dcreate2(loc, name, ftype, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(s);
    if (d < 0) {
        wfail(w, name);
        return d;
    }
    if (n > 0) {
        /* The memory type must be the file type for raw chunks: convert
           through HDF5 only when they differ (strings are written as is). */
        if (H5Tequal(ftype, mtype) > 0 || H5Tget_class(ftype) == H5T_STRING)
            write_chunks(w, d, buf, esize, NULL, n, 1, R);
        else if (H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            wfail(w, name);
    }
    return d;
}

static void dataset_strings(writer *w, hid_t loc, const char *name, const char *const *v, long n)
{
    size_t wd;
    char *buf = pack_strings(v, n, &wd);
    if (!buf) { wfail(w, name); return; }
    hid_t t = nt_store_str_type(wd);
    hid_t d = dataset_1d(w, loc, name, t, t, n, buf);
    if (d >= 0) H5Dclose(d);
    H5Tclose(t);
    free(buf);
}

/* A covariate's link name (nt_store_escape); NULL and a failure if it has none. */
static const char *link_name(writer *w, const char *name, char *buf, size_t size)
{
    if (!nt_store_escape(name, buf, size)) return buf;
    char what[300];
    snprintf(what, sizeof what, "column \"%.200s\" (an empty or too long name)", name);
    wfail(w, what);
    return NULL;
}

static void cov_numeric(writer *w, hid_t g, const char *name, hid_t ftype, hid_t mtype,
                        long n, const void *buf, const char *note)
{
    char esc[1024];
    if (!(name = link_name(w, name, esc, sizeof esc))) return;
    hid_t d = dataset_1d(w, g, name, ftype, mtype, n, buf);
    if (d < 0) return;
    attr_str(w, d, "kind", "numeric");
    if (note) attr_str(w, d, "note", note);
    H5Dclose(d);
}

static void cov_categorical(writer *w, hid_t g, const char *name, long n, const int32_t *code,
                            const char *const *levels, int nlev)
{
    char esc[1024];
    if (!(name = link_name(w, name, esc, sizeof esc))) return;
    hid_t d = dataset_1d(w, g, name, H5T_STD_I32LE, H5T_NATIVE_INT32, n, code);
    if (d < 0) return;
    attr_str(w, d, "kind", "categorical");
    attr_str(w, d, "missing", "code 0 is the level `missing`; code i is /levels/<name>[i-1]");
    H5Dclose(d);
    /* Levels as a dataset: an attribute holds at most 64 KiB. */
    const char *obj = w->obj;
    w->obj = "/levels";
    dataset_strings(w, w->levels, name, levels, nlev);
    w->obj = obj;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Categorical from strings (NULL missing): levels = distinct values in
   bytewise order; codes 1..n, 0 missing. */
static int cov_strings(writer *w, hid_t g, const char *name, long n, const char *const *v)
{
    const char **lev = malloc((size_t)(n ? n : 1) * sizeof *lev);
    int32_t *code = malloc((size_t)(n ? n : 1) * sizeof *code);
    if (!lev || !code) { free(lev); free(code); wfail(w, name); return -1; }
    long m = 0;
    for (long i = 0; i < n; i++)
        if (v[i]) lev[m++] = v[i];
    qsort(lev, (size_t)m, sizeof *lev, cmp_str);
    long u = 0;
    for (long i = 0; i < m; i++)
        if (u == 0 || strcmp(lev[u - 1], lev[i])) lev[u++] = lev[i];
    for (long i = 0; i < n; i++) {
        code[i] = 0;
        if (!v[i]) continue;
        long lo = 0, hi = u - 1;
        while (lo <= hi) {
            long mid = (lo + hi) / 2;
            int c = strcmp(lev[mid], v[i]);
            if (!c) { code[i] = (int32_t)mid + 1; break; }
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
    }
    cov_categorical(w, g, name, n, code, lev, (int)u);
    free(lev);
    free(code);
    return 0;
}

static void shuffle_bytes(const unsigned char *in, unsigned char *out, size_t n, size_t size)
{
    for (size_t j = 0; j < size; j++)
        for (size_t i = 0; i < n; i++) out[j * n + i] = in[i * size + j];
}

/* Compresses one chunk as HDF5's shuffle + deflate filters would store it:
   shuffled bytes (esize > 1), then a zlib stream. Z_RLE finds the runs that
   dominate panel data (flags, repeated wages) faster than the default
   strategy and compresses them better; any inflate decodes it. */
static int deflate_chunk(const unsigned char *src, size_t raw, unsigned char *out, uLong *len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, DEFLATE_LEVEL, Z_DEFLATED, 15, 8, Z_RLE) != Z_OK) return -1;
    z.next_in = (unsigned char *)src;
    z.avail_in = (uInt)raw;
    z.next_out = out;
    z.avail_out = (uInt)*len;
    int r = deflate(&z, Z_FINISH);
    *len = z.total_out;
    deflateEnd(&z);
    return r == Z_STREAM_END ? 0 : -1;
}

/* Writes data (n rows of H elements of esize bytes) into dataset d whose
   chunks are R rows (2-D: R x H; 1-D: H = 1); fill pads the last chunk
   (NULL: zero bytes). Chunks are compressed in parallel, in fixed batches,
   and written in order. */
static void write_chunks(writer *w, hid_t d, const void *data, size_t esize, const void *fill,
                         long n, int H, long R)
{
    const long nchunks = n > 0 ? (n + R - 1) / R : 0;
    const size_t raw = (size_t)R * (size_t)H * esize;
    const uLong bound = compressBound((uLong)raw);
    /* Batches of about 32 MiB of output space: few barriers, bounded memory. */
    long batch = (long)((32u << 20) / bound);
    if (batch < 8) batch = 8;
    if (batch > nchunks) batch = nchunks > 0 ? nchunks : 1;
    unsigned char *out = malloc((size_t)batch * bound);
    uLong *outlen = malloc((size_t)batch * sizeof *outlen);
    int failed = !out || !outlen;
    for (long c0 = 0; c0 < nchunks && !failed; c0 += batch) {
        long c1 = c0 + batch < nchunks ? c0 + batch : nchunks;
#pragma omp parallel
        {
            unsigned char *tmp = malloc(raw * 2);
            if (!tmp) {
#pragma omp atomic write
                failed = 1;
            }
#pragma omp for schedule(static, 1)
            for (long c = c0; c < c1; c++) {
                if (!tmp) continue;
                long r0 = c * R, rows = n - r0 < R ? n - r0 : R;
                size_t have = (size_t)rows * (size_t)H * esize;
                unsigned char *chunk = tmp, *sh = tmp + raw;
                memcpy(chunk, (const unsigned char *)data + (size_t)r0 * (size_t)H * esize, have);
                if (!fill) memset(chunk + have, 0, raw - have);
                else
                    for (size_t o = have; o < raw; o += esize) memcpy(chunk + o, fill, esize);
                const unsigned char *src = chunk;
                if (esize > 1) {
                    shuffle_bytes(chunk, sh, raw / esize, esize);
                    src = sh;
                }
                uLong len = bound;
                if (deflate_chunk(src, raw, out + (size_t)(c - c0) * bound, &len)) {
#pragma omp atomic write
                    failed = 1;
                }
                outlen[c - c0] = len;
            }
            free(tmp);
        }
        for (long c = c0; c < c1 && !failed; c++) {
            hsize_t off[2] = {(hsize_t)(c * R), 0};
            if (H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, (size_t)outlen[c - c0],
                               out + (size_t)(c - c0) * bound) < 0)
                failed = 1;
        }
    }
    if (failed) wfail(w, NULL);
    free(out);
    free(outlen);
}

/* One panel series: n x H, chunks of R full rows. */
static void panel_series(writer *w, hid_t g, const char *name, hid_t ftype, size_t esize,
                         const void *data, const void *fill, long n, int H, long R)
{
    hsize_t dims[2] = {(hsize_t)n, (hsize_t)H};
    hid_t s = H5Screate_simple(2, dims, NULL);
    hid_t dcpl = ocpl_untimed(H5P_DATASET_CREATE);
    H5Pset_fill_value(dcpl, ftype, fill);
    if (n > 0) {
        hsize_t ch[2] = {(hsize_t)R, (hsize_t)H};
        H5Pset_chunk(dcpl, 2, ch);
        if (esize > 1) H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, DEFLATE_LEVEL);
    }
    hid_t d = H5Dcreate2(g, name, ftype, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(s);
    if (d < 0) { wfail(w, name); return; }
    attr_str(w, d, "censored", esize > 1 ? "NaN" : "255");
    write_chunks(w, d, data, esize, fill, n, H, R);
    H5Dclose(d);
}

static void day_str(nt_day d, char *buf)
{
    if (d == NT_DAY_NONE) buf[0] = 0;
    else nt_day_format(d, buf);
}

/* Root attributes: sizes, dates, the cohort definition, inputs. */
static void write_root(writer *w, const nt_spells *sp, const nt_cohort *c, const nt_store_meta *meta, long R)
{
    hid_t root = w->file;
    char buf[64];
    attr_i64(w, root, "format_version", NT_STORE_FORMAT_VERSION);
    attr_str(w, root, "tool_version", NETTO_VERSION);
    attr_i64(w, root, "n_persons", c->n);
    attr_i64(w, root, "months", c->months);
    attr_i64(w, root, "horizon", c->months);
    attr_i64(w, root, "chunk_rows", R);
    day_str(sp->data_end, buf);
    attr_str(w, root, "data_end", buf);
    attr_strings(w, root, "schemes", meta->schemes, meta->n_schemes);
    nt_month_format(meta->inflow_from, buf);
    attr_str(w, root, "inflow_from", buf);
    nt_month_format(meta->inflow_to, buf);
    attr_str(w, root, "inflow_to", buf);
    for (int t = NT_FILE_BENEFITS; t < NT_FILE_N; t++) {
        char name[64];
        snprintf(name, sizeof name, "earliest_start_%s", nt_file_kind_name((nt_file_kind)t));
        day_str(sp->earliest_start[t - 1], buf);
        attr_str(w, root, name, buf);
    }
    for (int f = 0; f < NT_FILE_N; f++) {
        char name[64];
        snprintf(name, sizeof name, "sha256_%s", nt_file_kind_name((nt_file_kind)f));
        attr_str(w, root, name, sp->sha256[f]);
        snprintf(name, sizeof name, "input_%s", nt_file_kind_name((nt_file_kind)f));
        attr_str(w, root, name, sp->path[f]);
    }
    attr_i64(w, root, "n_jobs_missing_wage", sp->n_jobs_missing_wage);
    attr_i64(w, root, "n_censored_months", c->n_censored_months);
    attr_i64(w, root, "n_censored_persons", c->n_censored_persons);
    attr_str(w, root, "ingest_command", meta->ingest_command ? meta->ingest_command : "");
}

/* Group ingest: the counts per file (and reason). */
static int write_ingest(writer *w, const nt_store_meta *meta)
{
    const nt_spells_report *r = &meta->counts;
    const char *files[NT_FILE_N], *reasons[NT_REJECT_N];
    for (int f = 0; f < NT_FILE_N; f++) files[f] = nt_file_kind_name((nt_file_kind)f);
    for (int k = 0; k < NT_REJECT_N; k++) reasons[k] = nt_reject_reason_name((nt_reject_reason)k);
    hid_t g = group_create(w, w->file, "ingest");
    if (g < 0) return -1;
    hid_t d = dataset_1d(w, g, "records", H5T_STD_I64LE, H5T_NATIVE_LONG, NT_FILE_N, r->records);
    if (d >= 0) { attr_strings(w, d, "files", files, NT_FILE_N); H5Dclose(d); }
    d = dataset_1d(w, g, "merged", H5T_STD_I64LE, H5T_NATIVE_LONG, NT_FILE_N, r->merged);
    if (d >= 0) { attr_strings(w, d, "files", files, NT_FILE_N); H5Dclose(d); }
    d = dataset_1d(w, g, "ignored_unknown", H5T_STD_I64LE, H5T_NATIVE_LONG, NT_FILE_N, r->ignored_unknown);
    if (d >= 0) { attr_strings(w, d, "files", files, NT_FILE_N); H5Dclose(d); }
    hsize_t dims[2] = {NT_FILE_N, NT_REJECT_N};
    hid_t s = H5Screate_simple(2, dims, NULL);
    hid_t dcpl = ocpl_untimed(H5P_DATASET_CREATE);
    d = H5Dcreate2(g, "rejected", H5T_STD_I64LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, H5T_NATIVE_LONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->rejected) < 0)
        wfail(w, "rejected");
    if (d >= 0) {
        attr_strings(w, d, "files", files, NT_FILE_N);
        attr_strings(w, d, "reasons", reasons, NT_REJECT_N);
        H5Dclose(d);
    }
    H5Pclose(dcpl);
    H5Sclose(s);
    /* The rejects report, byte for byte: the store and its report are one. */
    d = dataset_1d(w, g, "rejects_csv", H5T_STD_U8LE, H5T_NATIVE_UINT8, meta->rejects_len,
                   meta->rejects_csv ? meta->rejects_csv : "");
    if (d >= 0) H5Dclose(d);
    H5Gclose(g);
    return 0;
}

/* Groups dict (code dictionaries) and panel (the series, enum order). */
static int write_dict_panel(writer *w, const nt_spells *sp, const nt_cohort *c, long R)
{
    hid_t g = group_create(w, w->file, "dict");
    if (g < 0) return -1;
    dataset_strings(w, g, "schemes", (const char *const *)sp->schemes.name, sp->schemes.n);
    dataset_strings(w, g, "program_types", (const char *const *)sp->program_types.name, sp->program_types.n);
    dataset_strings(w, g, "providers", (const char *const *)sp->providers.name, sp->providers.n);
    H5Gclose(g);

    g = group_create(w, w->file, "panel");
    if (g < 0) return -1;
    const uint8_t f8 = NT_COHORT_FILL;
    const float ff = NAN;
    const void *data[NT_SERIES_N] = {
        [NT_SERIES_EMPLOYED] = c->employed, [NT_SERIES_EARNINGS] = c->earnings,
        [NT_SERIES_ON_BENEFIT] = c->on_benefit, [NT_SERIES_ON_INDEX_BENEFIT] = c->on_index_benefit,
        [NT_SERIES_IN_PROGRAM] = c->in_program};
    for (int s = 0; s < NT_SERIES_N; s++) {
        int f32 = s == NT_SERIES_EARNINGS;   /* the others are uint8 flags */
        panel_series(w, g, nt_series_name((nt_series)s), f32 ? H5T_IEEE_F32LE : H5T_STD_U8LE, f32 ? 4 : 1,
                     data[s], f32 ? (const void *)&ff : (const void *)&f8, c->n, c->months, R);
    }
    H5Gclose(g);
    return 0;
}

/* Group prepanel: the NT_COHORT_PRE months before inflow of employed,
   earnings and on_benefit (placebo outcomes; docs/store.md). Optional for
   a reader: stores written before it have none. */
static int write_prepanel(writer *w, const nt_cohort *c)
{
    hid_t g = group_create(w, w->file, "prepanel");
    if (g < 0) return -1;
    attr_i64(w, g, "months", NT_COHORT_PRE);
    long R = CHUNK_BYTES / NT_COHORT_PRE;
    if (c->n > 0 && R > c->n) R = c->n;
    const uint8_t f8 = NT_COHORT_FILL;
    const float ff = NAN;
    panel_series(w, g, "employed", H5T_STD_U8LE, 1, c->pre_employed, &f8, c->n, NT_COHORT_PRE, R);
    panel_series(w, g, "earnings", H5T_IEEE_F32LE, 4, c->pre_earnings, &ff, c->n, NT_COHORT_PRE, R);
    panel_series(w, g, "on_benefit", H5T_STD_U8LE, 1, c->pre_on_benefit, &f8, c->n, NT_COHORT_PRE, R);
    H5Gclose(g);
    return 0;
}

/* Person covariates measured at inflow (group persons); sv, iv, dv: n scratch each. */
static void write_covariates(writer *w, hid_t g, const nt_spells *sp, const nt_cohort *c, const char **sv,
                             int32_t *iv, double *dv)
{
    const long n = c->n;
    const nt_persons *pe = &sp->persons;
    for (long i = 0; i < n; i++) sv[i] = pe->id[c->person[i]];
    dataset_strings(w, g, "person_id", sv, n);

    for (long i = 0; i < n; i++) dv[i] = c->age[i] == INT32_MIN ? NAN : c->age[i];
    cov_numeric(w, g, "age", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, "completed years at the index spell's start");
    static const char *sex_lv[] = {"M", "F"};
    static const char *edu_lv[] = {"low", "mid", "high"};
    static const char *mig_lv[] = {"none", "western", "nonwestern"};
    for (long i = 0; i < n; i++) iv[i] = pe->sex[c->person[i]];
    cov_categorical(w, g, "sex", n, iv, sex_lv, 2);
    for (long i = 0; i < n; i++) iv[i] = pe->education ? pe->education[c->person[i]] : 0;
    cov_categorical(w, g, "education", n, iv, edu_lv, 3);
    for (long i = 0; i < n; i++) iv[i] = pe->migration ? pe->migration[c->person[i]] : 0;
    cov_categorical(w, g, "migration", n, iv, mig_lv, 3);
    for (long i = 0; i < n; i++) sv[i] = pe->region ? pe->region[c->person[i]] : NULL;
    cov_strings(w, g, "region", n, sv);
    for (long i = 0; i < n; i++) dv[i] = c->emp_prev12[i];
    cov_numeric(w, g, "emp_prev12", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, NULL);
    for (long i = 0; i < n; i++) dv[i] = c->emp_prev24[i];
    cov_numeric(w, g, "emp_prev24", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, NULL);
    cov_numeric(w, g, "earn_prev12", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, c->earn_prev12, NULL);
    for (long i = 0; i < n; i++) dv[i] = c->ben_prev24[i];
    cov_numeric(w, g, "ben_prev24", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, NULL);

    /* inflow_month: "YYYY-MM" levels (bytewise = chronological). */
    char *mbuf = malloc((size_t)(n ? n : 1) * 8);
    if (!mbuf) wfail(w, "inflow_month");
    else {
        for (long i = 0; i < n; i++) {
            nt_month_format(c->inflow_month[i], mbuf + i * 8);
            sv[i] = mbuf + i * 8;
        }
        cov_strings(w, g, "inflow_month", n, sv);
        free(mbuf);
    }
    for (long i = 0; i < n; i++) sv[i] = sp->schemes.name[c->scheme[i] - 1];
    cov_strings(w, g, "scheme", n, sv);

    for (int e = 0; e < pe->n_extra; e++) {
        const nt_extra_column *x = &pe->extra[e];
        if (x->is_numeric) {
            for (long i = 0; i < n; i++) dv[i] = x->num[c->person[i]];
            cov_numeric(w, g, x->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, "extra persons column");
        } else {
            for (long i = 0; i < n; i++) sv[i] = x->str[c->person[i]];
            cov_strings(w, g, x->name, n, sv);
        }
    }
}

/* Treatment timing and the exit from the index spell (group persons). */
static void write_timing(writer *w, hid_t g, const nt_spells *sp, const nt_cohort *c, int32_t *iv)
{
    const long n = c->n;
    cov_categorical(w, g, "treat_type", n, c->treat_type, (const char *const *)sp->program_types.name,
                    sp->program_types.n);
    cov_numeric(w, g, "treat_month", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->treat_month,
                "months since inflow of the first programme start during the index spell; -1 none");
    cov_numeric(w, g, "treat_cost", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, c->treat_cost,
                "cost_eur of the treating trajectory; NaN none or missing");
    cov_numeric(w, g, "exit_month", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->exit_month,
                "months since inflow of the index spell's last day (censored: last month seen)");
    const char *exit_lv[NT_EXIT_N];
    for (int e = 1; e <= NT_EXIT_N; e++) exit_lv[e - 1] = nt_exit_name((nt_exit)e);
    for (long i = 0; i < n; i++) iv[i] = c->exit_dest[i];
    cov_categorical(w, g, "exit_dest", n, iv, exit_lv, NT_EXIT_N);
    cov_numeric(w, g, "n_observed", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->n_observed,
                "observed months 0..n_observed-1; later months are censored");
    cov_numeric(w, g, "index_start", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->index_start,
                "days since 1970-01-01");
    cov_numeric(w, g, "index_end", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->index_end,
                "days since 1970-01-01; -2147483648 still running at the data end");
}

/* Group context: the context table of `netto ingest --context` (written
   last, so a store without one has the same bytes as before). */
static void write_context(writer *w, const nt_store_meta *meta)
{
    const nt_context *cx = meta->context;
    w->obj = "/";
    hid_t g = group_create(w, w->file, "context");
    if (g < 0) return;
    w->obj = "/context";
    char m[8];
    nt_month_format(cx->first_month, m);
    attr_str(w, g, "key", cx->key);
    attr_str(w, g, "first_month", m);
    attr_i64(w, g, "months", cx->n_months);
    attr_str(w, g, "source", meta->context_path);
    attr_str(w, g, "sha256", meta->context_sha256);
    dataset_strings(w, g, "keys", (const char *const *)cx->key_value, cx->n_keys);
    dataset_strings(w, g, "variables", (const char *const *)cx->var, cx->n_vars);
    hsize_t dims[3] = {(hsize_t)cx->n_vars, (hsize_t)cx->n_keys, (hsize_t)cx->n_months};
    hid_t dcpl = ocpl_untimed(H5P_DATASET_CREATE);
    for (int k = 0; k < 2; k++) {
        hid_t s = H5Screate_simple(k ? 2 : 3, dims + k, NULL);
        const char *name = k ? "rows" : "values";
        hid_t d = H5Dcreate2(g, name, k ? H5T_STD_U8LE : H5T_IEEE_F64LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d < 0 || H5Dwrite(d, k ? H5T_NATIVE_UINT8 : H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                              k ? (const void *)cx->has : (const void *)cx->v) < 0)
            wfail(w, name);
        if (d >= 0) H5Dclose(d);
        H5Sclose(s);
    }
    H5Pclose(dcpl);
    H5Gclose(g);
}

static int write_all(writer *w, const nt_spells *sp, const nt_cohort *c, const nt_store_meta *meta)
{
    const long n = c->n;
    long R = CHUNK_BYTES / c->months;
    if (R < 1) R = 1;
    if (n > 0 && R > n) R = n;
    w->obj = "/";
    write_root(w, sp, c, meta, R);
    w->obj = "/ingest";
    if (write_ingest(w, meta)) return -1;
    w->obj = "/dict";
    if (write_dict_panel(w, sp, c, R)) return -1;
    if (write_prepanel(w, c)) return -1;
    w->obj = "/";
    hid_t g = group_create(w, w->file, "persons");
    if (g < 0) return -1;
    w->levels = group_create(w, w->file, "levels");
    if (w->levels < 0) { H5Gclose(g); return -1; }
    w->obj = "/persons";
    const size_t nn = (size_t)(n ? n : 1);
    const char **sv = calloc(nn, sizeof *sv);
    int32_t *iv = malloc(nn * sizeof *iv);
    double *dv = malloc(nn * sizeof *dv);
    if (!sv || !iv || !dv) wfail(w, "(out of memory)");
    else {
        write_covariates(w, g, sp, c, sv, iv, dv);
        write_timing(w, g, sp, c, iv);
    }
    free(sv);
    free(iv);
    free(dv);
    H5Gclose(w->levels);
    H5Gclose(g);
    if (meta->context && !w->bad) write_context(w, meta);
    return w->bad ? -1 : 0;
}

/* The checksum block (nt_store_h5.h): the SHA-256 of every byte after it. */
static nt_status write_checksum(const char *tmp, const char *path, nt_error *err)
{
    char hex[65], ub[NT_STORE_UB];
    nt_status st = nt_file_sha256_from(tmp, NT_STORE_UB, hex, err);
    if (st) return st;
    memset(ub, 0, sizeof ub);
    snprintf(ub, sizeof ub, "%ssha256 %s\n", NT_STORE_MAGIC, hex);
    int fd = open(tmp, O_WRONLY);
    int bad = fd < 0 || pwrite(fd, ub, sizeof ub, 0) != (ssize_t)sizeof ub || fsync(fd) != 0;
    int e = errno;
    if (fd >= 0 && close(fd) != 0) bad = 1;
    if (bad) return nt_fail_at(err, NT_EIO, path, 0, NULL, "writing the store's checksum failed: %s", strerror(e));
    return NT_OK;
}

nt_status nt_store_write(const char *path, const nt_spells *sp, const nt_cohort *c,
                         const nt_store_meta *meta, nt_error *err)
{
    char tmp[4200];
    nt_status st = nt_file_tmpname(path, tmp, sizeof tmp, err);
    if (st) return st;
    /* No exit handler: after a failed H5Fclose (disk full) the file stays
       registered and HDF5's own atexit close would crash. */
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
    H5Pset_userblock(fcpl, NT_STORE_UB);
    writer w = {.file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl), .bad = 0};
    H5Pclose(fapl);
    H5Pclose(fcpl);
    if (w.file < 0) {
        unlink(tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot create the store (temporary %s)", tmp);
    }
    int r = write_all(&w, sp, c, meta);
    if (H5Fclose(w.file) < 0) {
        if (!w.bad) wfail(&w, "closing the file");
        r = -1;
    }
    if (r) {
        unlink(tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "writing the store failed at %s (disk full or out of memory?)",
                          w.what[0] ? w.what : "an unknown object");
    }
    if ((st = write_checksum(tmp, path, err))) {
        unlink(tmp);
        return st;
    }
    /* The temporary is private (0600); a store gets the usual mode. */
    mode_t um = umask(0);
    umask(um);
    chmod(tmp, 0666 & ~um);
    if (meta->replaces) unlink(meta->replaces);
    st = nt_file_rename(tmp, path, err);
    if (st) unlink(tmp);
    return st;
}
