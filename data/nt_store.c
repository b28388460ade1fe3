/* HDF5 cohort store: writer and block reader. Layout in docs/store.md.

   Panel chunks are compressed here, in parallel (shuffle for multi-byte
   types, then zlib deflate, the same bytes HDF5's own shuffle + deflate
   filters would write), and written with H5Dwrite_chunk in chunk order, so
   the file is the same for any thread count and any reader decodes it with
   the standard filters. Object timestamps are switched off, so the same
   cohort gives the same bytes. */
#include "data/nt_store.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/nt_file.h"

#ifndef NETTO_VERSION
#define NETTO_VERSION "unknown"
#endif

#define DEFLATE_LEVEL 1
#define CHUNK_BYTES (128 * 1024)   /* per uint8 panel chunk */
#define COV_CHUNK 65536

const char *const nt_store_reason_names[NT_STORE_N_REASONS] = {
    "missing_value", "bad_date", "bad_number", "negative_money", "bad_code", "end_before_start",
    "unknown_person", "duplicate_person", "column_count", "nul_byte", "invalid_utf8",
    "born_after_inflow"};

static const char *file_names[4] = {"persons", "benefits", "programs", "jobs"};
static const char *table_names[3] = {"benefits", "programs", "jobs"};

/* ---------------------------------------------------------------- writing */

typedef struct {
    hid_t file;
    int bad;   /* an HDF5 call failed */
} writer;

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
    if (g < 0) w->bad = 1;
    return g;
}

static hid_t str_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len ? len : 1);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static void attr_str(writer *w, hid_t loc, const char *name, const char *v)
{
    if (!v) v = "";
    hid_t t = str_type(strlen(v)), s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, v) < 0) w->bad = 1;
    if (a >= 0) H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

static void attr_i64(writer *w, hid_t loc, const char *name, long long v)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, H5T_NATIVE_LLONG, &v) < 0) w->bad = 1;
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
    if (!buf) { w->bad = 1; return; }
    hsize_t dim = (hsize_t)n;
    hid_t t = str_type(wd), s = H5Screate_simple(1, &dim, NULL);
    hid_t a = H5Acreate2(loc, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || (n > 0 && H5Awrite(a, t, buf) < 0)) w->bad = 1;
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
        w->bad = 1;
        return d;
    }
    if (n > 0) {
        /* The memory type must be the file type for raw chunks: convert
           through HDF5 only when they differ (strings are written as is). */
        if (H5Tequal(ftype, mtype) > 0 || H5Tget_class(ftype) == H5T_STRING)
            write_chunks(w, d, buf, esize, NULL, n, 1, R);
        else if (H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            w->bad = 1;
    }
    return d;
}

static void dataset_strings(writer *w, hid_t loc, const char *name, const char *const *v, long n)
{
    size_t wd;
    char *buf = pack_strings(v, n, &wd);
    if (!buf) { w->bad = 1; return; }
    hid_t t = str_type(wd);
    hid_t d = dataset_1d(w, loc, name, t, t, n, buf);
    if (d >= 0) H5Dclose(d);
    H5Tclose(t);
    free(buf);
}

static void cov_numeric(writer *w, hid_t g, const char *name, hid_t ftype, hid_t mtype,
                        long n, const void *buf, const char *note)
{
    hid_t d = dataset_1d(w, g, name, ftype, mtype, n, buf);
    if (d < 0) return;
    attr_str(w, d, "kind", "numeric");
    if (note) attr_str(w, d, "note", note);
    H5Dclose(d);
}

static void cov_categorical(writer *w, hid_t g, const char *name, long n, const int32_t *code,
                            const char *const *levels, int nlev)
{
    hid_t d = dataset_1d(w, g, name, H5T_STD_I32LE, H5T_NATIVE_INT32, n, code);
    if (d < 0) return;
    attr_str(w, d, "kind", "categorical");
    attr_strings(w, d, "levels", levels, nlev);
    attr_str(w, d, "missing", "code 0 is the level `missing`; code i is levels[i-1]");
    H5Dclose(d);
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
    if (!lev || !code) { free(lev); free(code); return -1; }
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
    if (failed) w->bad = 1;
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
    if (d < 0) { w->bad = 1; return; }
    attr_str(w, d, "censored", esize > 1 ? "NaN" : "255");
    write_chunks(w, d, data, esize, fill, n, H, R);
    H5Dclose(d);
}

static void day_str(nt_day d, char *buf)
{
    if (d == NT_DAY_NONE) buf[0] = 0;
    else nt_day_format(d, buf);
}

static int write_all(writer *w, const nt_spells *sp, const nt_cohort *c, const nt_store_meta *meta)
{
    const long n = c->n;
    const int H = c->months;
    long R = CHUNK_BYTES / H;
    if (R < 1) R = 1;
    if (n > 0 && R > n) R = n;
    hid_t root = w->file;
    char buf[64];

    attr_i64(w, root, "format_version", NT_STORE_FORMAT_VERSION);
    attr_str(w, root, "tool_version", NETTO_VERSION);
    attr_i64(w, root, "n_persons", n);
    attr_i64(w, root, "months", H);
    attr_i64(w, root, "horizon", H);
    attr_i64(w, root, "chunk_rows", R);
    day_str(sp->data_end, buf);
    attr_str(w, root, "data_end", buf);
    attr_strings(w, root, "schemes", meta->schemes, meta->n_schemes);
    nt_month_format(meta->inflow_from, buf);
    attr_str(w, root, "inflow_from", buf);
    nt_month_format(meta->inflow_to, buf);
    attr_str(w, root, "inflow_to", buf);
    for (int t = 0; t < 3; t++) {
        char name[64];
        snprintf(name, sizeof name, "earliest_start_%s", table_names[t]);
        day_str(sp->earliest_start[t], buf);
        attr_str(w, root, name, buf);
    }
    for (int f = 0; f < 4; f++) {
        char name[64];
        snprintf(name, sizeof name, "sha256_%s", file_names[f]);
        attr_str(w, root, name, sp->sha256[f]);
        snprintf(name, sizeof name, "input_%s", file_names[f]);
        attr_str(w, root, name, sp->path[f]);
    }
    attr_i64(w, root, "n_jobs_missing_wage", sp->n_jobs_missing_wage);
    attr_i64(w, root, "n_censored_months", c->n_censored_months);
    attr_i64(w, root, "n_censored_persons", c->n_censored_persons);

    /* Ingest counts. */
    hid_t g = group_create(w, root, "ingest");
    if (g < 0) return -1;
    hid_t d = dataset_1d(w, g, "records", H5T_STD_I64LE, H5T_NATIVE_LONG, 4, meta->records);
    if (d >= 0) { attr_strings(w, d, "files", file_names, 4); H5Dclose(d); }
    d = dataset_1d(w, g, "merged", H5T_STD_I64LE, H5T_NATIVE_LONG, 4, meta->merged);
    if (d >= 0) { attr_strings(w, d, "files", file_names, 4); H5Dclose(d); }
    d = dataset_1d(w, g, "ignored_unknown", H5T_STD_I64LE, H5T_NATIVE_LONG, 4, meta->ignored_unknown);
    if (d >= 0) { attr_strings(w, d, "files", file_names, 4); H5Dclose(d); }
    {
        hsize_t dims[2] = {4, NT_STORE_N_REASONS};
        hid_t s = H5Screate_simple(2, dims, NULL);
        hid_t dcpl = ocpl_untimed(H5P_DATASET_CREATE);
        d = H5Dcreate2(g, "rejected", H5T_STD_I64LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        if (d < 0 || H5Dwrite(d, H5T_NATIVE_LONG, H5S_ALL, H5S_ALL, H5P_DEFAULT, meta->rejected) < 0)
            w->bad = 1;
        if (d >= 0) {
            attr_strings(w, d, "files", file_names, 4);
            attr_strings(w, d, "reasons", nt_store_reason_names, NT_STORE_N_REASONS);
            H5Dclose(d);
        }
        H5Pclose(dcpl);
        H5Sclose(s);
    }
    H5Gclose(g);

    /* Dictionaries. */
    g = group_create(w, root, "dict");
    if (g < 0) return -1;
    dataset_strings(w, g, "schemes", (const char *const *)sp->schemes.name, sp->schemes.n);
    dataset_strings(w, g, "program_types", (const char *const *)sp->program_types.name, sp->program_types.n);
    dataset_strings(w, g, "providers", (const char *const *)sp->providers.name, sp->providers.n);
    H5Gclose(g);

    /* Panel. */
    g = group_create(w, root, "panel");
    if (g < 0) return -1;
    const uint8_t f8 = NT_COHORT_FILL;
    const float ff = NAN;
    panel_series(w, g, "employed", H5T_STD_U8LE, 1, c->employed, &f8, n, H, R);
    panel_series(w, g, "earnings", H5T_IEEE_F32LE, 4, c->earnings, &ff, n, H, R);
    panel_series(w, g, "on_benefit", H5T_STD_U8LE, 1, c->on_benefit, &f8, n, H, R);
    panel_series(w, g, "on_index_benefit", H5T_STD_U8LE, 1, c->on_index_benefit, &f8, n, H, R);
    panel_series(w, g, "in_program", H5T_STD_U8LE, 1, c->in_program, &f8, n, H, R);
    H5Gclose(g);

    /* Persons. */
    g = group_create(w, root, "persons");
    if (g < 0) return -1;
    const nt_persons *pe = &sp->persons;
    const size_t nn = (size_t)(n ? n : 1);
    const char **sv = malloc(nn * sizeof *sv);
    int32_t *iv = malloc(nn * sizeof *iv);
    double *dv = malloc(nn * sizeof *dv);
    if (!sv || !iv || !dv) {
        free(sv); free(iv); free(dv);
        H5Gclose(g);
        return -1;
    }
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
    if (cov_strings(w, g, "region", n, sv)) w->bad = 1;
    for (long i = 0; i < n; i++) dv[i] = c->emp_prev12[i];
    cov_numeric(w, g, "emp_prev12", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, NULL);
    for (long i = 0; i < n; i++) dv[i] = c->emp_prev24[i];
    cov_numeric(w, g, "emp_prev24", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, NULL);
    cov_numeric(w, g, "earn_prev12", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, c->earn_prev12, NULL);
    for (long i = 0; i < n; i++) dv[i] = c->ben_prev24[i];
    cov_numeric(w, g, "ben_prev24", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, NULL);

    /* inflow_month: "YYYY-MM" levels (bytewise = chronological). */
    char *mbuf = malloc(nn * 8);
    if (!mbuf) w->bad = 1;
    else {
        for (long i = 0; i < n; i++) {
            nt_month_format(c->inflow_month[i], mbuf + i * 8);
            sv[i] = mbuf + i * 8;
        }
        if (cov_strings(w, g, "inflow_month", n, sv)) w->bad = 1;
        free(mbuf);
    }
    for (long i = 0; i < n; i++) sv[i] = sp->schemes.name[c->scheme[i] - 1];
    if (cov_strings(w, g, "scheme", n, sv)) w->bad = 1;

    for (int e = 0; e < pe->n_extra; e++) {
        const nt_extra_column *x = &pe->extra[e];
        if (x->is_numeric) {
            for (long i = 0; i < n; i++) dv[i] = x->num[c->person[i]];
            cov_numeric(w, g, x->name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, dv, "extra persons column");
        } else {
            for (long i = 0; i < n; i++) sv[i] = x->str[c->person[i]];
            if (cov_strings(w, g, x->name, n, sv)) w->bad = 1;
        }
    }

    /* Timing and exit. */
    cov_categorical(w, g, "treat_type", n, c->treat_type, (const char *const *)sp->program_types.name,
                    sp->program_types.n);
    cov_numeric(w, g, "treat_month", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->treat_month,
                "months since inflow of the first programme start during the index spell; -1 none");
    cov_numeric(w, g, "treat_cost", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, n, c->treat_cost,
                "cost_eur of the treating trajectory; NaN none or missing");
    cov_numeric(w, g, "exit_month", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->exit_month,
                "months since inflow of the index spell's last day (censored: last month seen)");
    static const char *exit_lv[] = {"work", "censored", "other"};
    for (long i = 0; i < n; i++) iv[i] = c->exit_dest[i];
    cov_categorical(w, g, "exit_dest", n, iv, exit_lv, 3);
    cov_numeric(w, g, "n_observed", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->n_observed,
                "observed months 0..n_observed-1; later months are censored");
    cov_numeric(w, g, "index_start", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->index_start,
                "days since 1970-01-01");
    cov_numeric(w, g, "index_end", H5T_STD_I32LE, H5T_NATIVE_INT32, n, c->index_end,
                "days since 1970-01-01; -2147483648 still running at the data end");
    free(sv);
    free(iv);
    free(dv);
    H5Gclose(g);
    return w->bad ? -1 : 0;
}

nt_status nt_store_write(const char *path, const nt_spells *sp, const nt_cohort *c,
                         const nt_store_meta *meta, nt_error *err)
{
    char tmp[4200];
    nt_status st = nt_file_tmpname(path, tmp, sizeof tmp, err);
    if (st) return st;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
    writer w = {.file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl), .bad = 0};
    H5Pclose(fapl);
    if (w.file < 0) return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot create the store (temporary %s)", tmp);
    int r = write_all(&w, sp, c, meta);
    if (H5Fclose(w.file) < 0) r = -1;
    if (r) {
        unlink(tmp);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "writing the store failed (disk full or out of memory?)");
    }
    /* The temporary is private (0600); a store gets the usual mode. */
    mode_t um = umask(0);
    umask(um);
    chmod(tmp, 0666 & ~um);
    st = nt_file_rename(tmp, path, err);
    if (st) unlink(tmp);
    return st;
}

/* ---------------------------------------------------------------- reading */

struct nt_store {
    hid_t file;
    hid_t panel[NT_SERIES_COUNT];
    long n;
    int months, chunk_rows, format_version;
    char tool_version[64], schemes[1024];
    nt_day data_end, earliest[3];
    int inflow_from, inflow_to;
    char sha[4][65];
    long records[4], merged[4], rejected[4][NT_STORE_N_REASONS];
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

static int read_attr_str(hid_t loc, const char *name, char *buf, size_t size)
{
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) return -1;
    hid_t ft = H5Aget_type(a);
    size_t len = H5Tget_size(ft);
    H5Tclose(ft);
    char *tmp = calloc(len + 1, 1);
    hid_t mt = str_type(len);
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
            nt_store_ids_free(v, i);
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
    hid_t mt = str_type(wd);
    int r = -1;
    if (raw && (cnt == 0 || (is_attr ? H5Aread(obj, mt, raw) : H5Dread(obj, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw)) >= 0))
        r = unpack_strings(raw, wd, (long)cnt, out);
    if (!r) *n = (long)cnt;
    H5Tclose(mt);
    free(raw);
    return r;
}

void nt_store_ids_free(char **ids, long n)
{
    if (!ids) return;
    for (long i = 0; i < n; i++) free(ids[i]);
    free(ids);
}

void nt_store_levels_free(char **levels, int n) { nt_store_ids_free(levels, n); }

void nt_store_close(nt_store *st)
{
    if (!st) return;
    for (int s = 0; s < NT_SERIES_COUNT; s++)
        if (st->panel[s] >= 0) H5Dclose(st->panel[s]);
    if (st->file >= 0) H5Fclose(st->file);
    nt_store_ids_free(st->ptypes, st->n_ptypes);
    nt_store_ids_free(st->cov, st->n_cov);
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
    for (int s = 0; s < NT_SERIES_COUNT; s++) st->panel[s] = -1;
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
    for (int t = 0; t < 3; t++) {
        char name[64];
        snprintf(name, sizeof name, "earliest_start_%s", table_names[t]);
        read_attr_str(st->file, name, buf, sizeof buf);
        st->earliest[t] = parse_day_or_none(buf);
    }
    for (int f = 0; f < 4; f++) {
        char name[64];
        snprintf(name, sizeof name, "sha256_%s", file_names[f]);
        read_attr_str(st->file, name, st->sha[f], sizeof st->sha[f]);
    }
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
            nt_store_ids_free(sv, ns);
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
    for (int s = 0; s < NT_SERIES_COUNT; s++) {
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
            nt_store_ids_free(st->cov, st->n_cov);
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
nt_day nt_store_earliest_start(const nt_store *st, int t) { return t >= 0 && t < 3 ? st->earliest[t] : NT_DAY_NONE; }
const char *nt_store_sha256(const nt_store *st, int f) { return f >= 0 && f < 4 ? st->sha[f] : ""; }
long nt_store_rejected(const nt_store *st, int f, int r)
{
    return f >= 0 && f < 4 && r >= 0 && r < NT_STORE_N_REASONS ? st->rejected[f][r] : 0;
}
long nt_store_merged(const nt_store *st, int f) { return f >= 0 && f < 4 ? st->merged[f] : 0; }
long nt_store_records(const nt_store *st, int f) { return f >= 0 && f < 4 ? st->records[f] : 0; }
int nt_store_program_types(const nt_store *st, const char *const **names)
{
    *names = (const char *const *)st->ptypes;
    return st->n_ptypes;
}

nt_status nt_store_read_rows(nt_store *st, long first, long n, nt_series series, double *buf, nt_error *err)
{
    if (series < 0 || series >= NT_SERIES_COUNT || first < 0 || n < 0 || first + n > st->n)
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

nt_status nt_store_read_ids(nt_store *st, char ***ids, nt_error *err)
{
    hid_t d = H5Dopen2(st->file, "persons/person_id", H5P_DEFAULT);
    long n = 0;
    int r = d < 0 ? -1 : read_strings_obj(d, 0, ids, &n);
    if (d >= 0) H5Dclose(d);
    if (r) return nt_fail(err, NT_EIO, "reading the person ids of the store failed");
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
