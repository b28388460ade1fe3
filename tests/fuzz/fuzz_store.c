/* libFuzzer harness over the store reader (data/nt_store_open.c,
   nt_store_read.c) and its users (data/nt_panel.c, data/nt_describe.c),
   mutating a valid store. How to build and run: docs/fuzzing.md.

   Byte 0 picks the mode:
   - odd: raw damage. The rest are (offset, xor) pairs applied to the bytes
     of the valid store, which is then opened as is: the checksum block must
     refuse every change (NT_EINPUT), before libhdf5 parses the file.
   - even: crafting. The rest is a list of operations done through the HDF5
     API on a copy of the valid store (attributes set to other values,
     types or shapes; datasets replaced by others of fuzzed rank, shape,
     type and values; values overwritten in place; links deleted); the
     checksum is then recomputed, as a forger would, and everything netto
     reads from a store is read: every covariate and its levels, every
     panel row, the estimator's panel (nt_panel_load with covariates, an
     exact variable and two outcomes) and the describe tables. Errors are
     fine; a crash, a sanitizer report or a leak is a finding.
   libhdf5's own parser is not fuzzed here (it is not built with the
   sanitizers, and bytes it parses are what the checksum guards). */
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "data/nt_cohort.h"
#include "data/nt_describe.h"
#include "data/nt_panel.h"
#include "data/nt_store.h"
#include "tests/fx_spells.h"

static char dir[256], good[400], work[400];
static unsigned char *good_bytes;
static size_t good_len;

static void make_good(void)
{
    enum { NP = 40 };
    nt_spells *s = fx_new(NP);
    nt_persons *p = &s->persons;
    p->n_extra = 1;
    p->extra = calloc(1, sizeof *p->extra);
    p->extra[0].name = fx_strdup("municipality");
    p->extra[0].str = calloc(NP, sizeof(char *));
    for (int i = 0; i < NP; i++) {
        char a[16], b[16];
        nt_day st = D("2003-01-01") + (nt_day)(i * 9);
        nt_day_format(st, a);
        nt_day_format(st + 150 + 7 * i, b);
        fx_benefit(s, i, 2, a, i % 5 ? b : NULL);
        if (i % 3 == 0) fx_program(s, i, 1 + i % 2, a, b, 100 + i);
        if (i % 2 == 0) fx_job(s, i, b, NULL, 1500 + 10 * i);
        p->sex[i] = 1 + i % 2;
        p->education[i] = (uint8_t)(i % 4);
        p->region[i] = i % 4 ? fx_strdup(i % 3 ? "north" : "south") : NULL;
        p->extra[0].str[i] = fx_strdup(i % 2 ? "0363" : "0518");
    }
    fx_sort(s);
    static const char *sch[] = {"WW"};
    nt_cohort_def def = {.n_schemes = 1, .schemes = sch, .inflow_from = M("2003-01"), .inflow_to = M("2003-12"),
                         .horizon = 12};
    nt_cohort *c = NULL;
    nt_error err;
    if (nt_cohort_build(s, &def, &c, &err)) abort();
    nt_store_meta m;
    memset(&m, 0, sizeof m);
    m.schemes = sch;
    m.n_schemes = 1;
    m.inflow_from = def.inflow_from;
    m.inflow_to = def.inflow_to;
    if (nt_store_write(good, s, c, &m, &err)) abort();
    nt_cohort_free(c);
    fx_free(s);
    FILE *fp = fopen(good, "rb");
    fseek(fp, 0, SEEK_END);
    good_len = (size_t)ftell(fp);
    rewind(fp);
    good_bytes = malloc(good_len);
    if (fread(good_bytes, 1, good_len, fp) != good_len) abort();
    fclose(fp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/netto-fuzz-store-%d", base, (int)getpid());
    mkdir(dir, 0700);
    snprintf(good, sizeof good, "%s/good.h5", dir);
    snprintf(work, sizeof work, "%s/work.h5", dir);
    make_good();
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return 0;
}

typedef struct {
    const uint8_t *d;
    size_t n, p;
} src;

static unsigned u8(src *s) { return s->p < s->n ? s->d[s->p++] : 0; }
static long i32(src *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) v = v << 8 | u8(s);
    return (long)(int32_t)v;
}

static const char *const ds_paths[] = {
    "ingest/records", "ingest/merged", "ingest/rejected", "ingest/rejects_csv", "dict/program_types",
    "dict/schemes", "panel/employed", "panel/earnings", "panel/on_benefit", "panel/on_index_benefit",
    "panel/in_program", "persons/person_id", "persons/age", "persons/sex", "persons/education",
    "persons/region", "persons/inflow_month", "persons/scheme", "persons/municipality", "persons/treat_type",
    "persons/treat_month", "persons/treat_cost", "persons/exit_month", "persons/exit_dest",
    "persons/n_observed", "persons/index_start", "persons/index_end", "levels/sex", "levels/region",
    "levels/inflow_month", "levels/treat_type", "levels/exit_dest", "levels/municipality", "persons/new",
    "persons", "panel", "levels", "dict", "ingest"};
#define N_DS (sizeof ds_paths / sizeof *ds_paths)
static const char *const root_attrs[] = {"n_persons", "months", "chunk_rows", "format_version", "horizon",
                                         "data_end", "inflow_from", "inflow_to", "schemes", "kind", "levels"};
#define N_AT (sizeof root_attrs / sizeof *root_attrs)

static double value(src *s)
{
    static const double special[] = {0, 1, -1, 2, 3, 255, 1e300, -1e300, 2147483648.0, -2147483649.0, 0.5, 40, 41, 12, 13};
    unsigned k = u8(s);
    if (k < 64) return special[k % (sizeof special / sizeof *special)];
    if (k == 64) return NAN;
    if (k == 65) return INFINITY;
    return (double)i32(s);
}

static hid_t pick_type(unsigned k)
{
    static hid_t t[8];
    switch (k % 8) {
    case 0: return H5T_STD_U8LE;
    case 1: return H5T_STD_I32LE;
    case 2: return H5T_STD_I64LE;
    case 3: return H5T_IEEE_F32LE;
    case 4: return H5T_IEEE_F64LE;
    case 5: return H5T_STD_I16BE;
    default:
        if (!t[k % 8]) {
            t[k % 8] = H5Tcopy(H5T_C_S1);
            H5Tset_size(t[k % 8], k % 8 == 6 ? 5 : 300);
        }
        return t[k % 8];
    }
}

static void put_attr(hid_t loc, const char *name, src *s)
{
    H5Adelete(loc, name);
    unsigned k = u8(s);
    hsize_t dim = 1 + u8(s) % 4;
    hid_t sp = k & 0x80 ? H5Screate_simple(1, &dim, NULL) : H5Screate(H5S_SCALAR);
    hid_t t = pick_type(k);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) {
        if (H5Tget_class(t) == H5T_STRING) {
            char buf[4 * 300];
            memset(buf, 0, sizeof buf);
            size_t w = H5Tget_size(t);
            for (size_t i = 0; i < w * dim && i < sizeof buf; i++) buf[i] = (char)(u8(s) % 2 ? "2003-07-15"[i % 10] : u8(s));
            H5Awrite(a, t, buf);
        } else {
            double v[4];
            for (int i = 0; i < 4; i++) v[i] = value(s);
            H5Awrite(a, H5T_NATIVE_DOUBLE, v);
        }
        H5Aclose(a);
    }
    H5Sclose(sp);
}

static void put_dataset(hid_t f, const char *path, src *s)
{
    H5Ldelete(f, path, H5P_DEFAULT);
    unsigned k = u8(s);
    int rank = 1 + (k >> 4) % 2;
    hsize_t dims[2] = {(hsize_t)(u8(s) % 48), (hsize_t)(u8(s) % 16)};
    hid_t t = pick_type(k);
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, path, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0) {
        size_t cnt = (size_t)dims[0] * (rank == 2 ? (size_t)dims[1] : 1);
        if (H5Tget_class(t) == H5T_STRING) {
            size_t w = H5Tget_size(t);
            char *buf = calloc(cnt ? cnt : 1, w);
            for (size_t i = 0; i < cnt * w; i++) buf[i] = (char)(u8(s) % 3 ? 'a' + i % 3 : 0);
            if (cnt) H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            free(buf);
        } else if (cnt) {
            double *buf = malloc(cnt * sizeof *buf);
            double v = value(s);
            unsigned step = u8(s);
            for (size_t i = 0; i < cnt; i++) buf[i] = step ? v + (double)(i % step) : v;
            H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            free(buf);
        }
        if (k & 0x40) {
            static const char *kinds[] = {"numeric", "categorical", "other"};
            hid_t st = H5Tcopy(H5T_C_S1), sc = H5Screate(H5S_SCALAR);
            const char *kind = kinds[(k >> 5) % 3];
            H5Tset_size(st, strlen(kind));
            hid_t a = H5Acreate2(d, "kind", st, sc, H5P_DEFAULT, H5P_DEFAULT);
            H5Awrite(a, st, kind);
            H5Aclose(a);
            H5Sclose(sc);
            H5Tclose(st);
        }
        H5Dclose(d);
    }
    H5Sclose(sp);
}

/* Overwrites some values of a dataset in place (same shape and type). */
static void poke(hid_t f, const char *path, src *s)
{
    if (H5Lexists(f, path, H5P_DEFAULT) <= 0) return;
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    if (d < 0) return;
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    hssize_t cnt = H5Sget_simple_extent_npoints(sp);
    if (H5Tget_class(t) != H5T_STRING && cnt > 0 && cnt < 100000) {
        double *buf = malloc((size_t)cnt * sizeof *buf);
        if (H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0) {
            int m = 1 + (int)(u8(s) % 4);
            for (int i = 0; i < m; i++) buf[(size_t)u8(s) % (size_t)cnt] = value(s);
            H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
        }
        free(buf);
    }
    H5Tclose(t);
    H5Sclose(sp);
    H5Dclose(d);
}

static void restamp(void)
{
    char hex[65], ub[512];
    nt_error err;
    if (nt_file_sha256_from(work, 512, hex, &err)) return;
    memset(ub, 0, sizeof ub);
    snprintf(ub, sizeof ub, "NETTO-STORE\nsha256 %s\n", hex);
    int fd = open(work, O_WRONLY);
    if (fd < 0) abort();
    if (pwrite(fd, ub, sizeof ub, 0) != (ssize_t)sizeof ub) abort();
    close(fd);
}

static void write_work(const unsigned char *b, size_t n)
{
    FILE *fp = fopen(work, "wb");
    if (!fp || fwrite(b, 1, n, fp) != n) abort();
    fclose(fp);
}

/* Everything netto reads from a store. */
static nt_status read_everything(void)
{
    nt_store *st = NULL;
    nt_error err;
    nt_status code = nt_store_open(work, &st, &err);
    if (code) return code;
    long n = nt_store_persons(st);
    int H = nt_store_months(st);
    double *buf = malloc((size_t)(n ? n : 1) * (size_t)H * sizeof *buf);
    for (int i = 0; i < nt_store_n_covariates(st); i++) {
        const char *name = nt_store_covariate_name(st, i);
        int kind = nt_store_covariate_kind(st, name);
        if (kind < 0 || nt_store_read_covariate(st, name, buf, &err)) continue;
        char **lev;
        int nl;
        if (kind == NT_COV_CATEGORICAL && !nt_store_read_levels(st, name, &lev, &nl, &err)) nt_store_levels_free(lev, nl);
    }
    for (int s = 0; s < NT_SERIES_N; s++) nt_store_read_rows(st, 0, n, (nt_series)s, buf, &err);
    free(buf);
    const char *const *pt;
    nt_store_program_types(st, &pt);
    static const char *cov[] = {"age", "sex", "region", "municipality", "emp_prev12"}, *ex[] = {"sex", "region"},
                      *out[] = {"employed", "earnings"};
    nt_panel_spec spec = {cov, 5, ex, 2, out, 2, H < 6 ? H : 6};
    nt_panel *p = NULL;
    if (!nt_panel_load(st, &spec, &p, &err)) nt_panel_free(p);
    nt_describe *d = NULL;
    if (!nt_store_describe(st, &d, &err)) nt_describe_free(d);
    nt_store_close(st);
    return NT_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    src s = {data, size, 1};
    if (data[0] & 1) {   /* raw damage: the checksum must catch it */
        unsigned char *b = malloc(good_len);
        memcpy(b, good_bytes, good_len);
        int changed = 0;
        while (s.p + 4 <= s.n) {
            size_t off = ((size_t)u8(&s) << 16 | (size_t)u8(&s) << 8 | u8(&s)) % good_len;
            unsigned x = u8(&s);
            changed |= x != 0;
            b[off] ^= (unsigned char)x;
        }
        write_work(b, good_len);
        free(b);
        nt_store *st = NULL;
        nt_error err;
        nt_status code = nt_store_open(work, &st, &err);
        if (changed && code != NT_EINPUT) abort();   /* damage got past the checksum */
        if (!code) nt_store_close(st);
        return 0;
    }
    write_work(good_bytes, good_len);
    hid_t f = H5Fopen(work, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) abort();
    int ops = 0;
    while (s.p < s.n && ops++ < 8) {
        unsigned op = u8(&s) % 5;
        const char *path = ds_paths[u8(&s) % N_DS];
        switch (op) {
        case 0: put_attr(f, root_attrs[u8(&s) % N_AT], &s); break;
        case 1: put_dataset(f, path, &s); break;
        case 2: poke(f, path, &s); break;
        case 3: H5Ldelete(f, path, H5P_DEFAULT); break;
        default:
            if (H5Lexists(f, path, H5P_DEFAULT) > 0) {
                hid_t o = H5Oopen(f, path, H5P_DEFAULT);
                if (o >= 0) {
                    put_attr(o, u8(&s) % 2 ? "kind" : "levels", &s);
                    H5Oclose(o);
                }
            }
        }
    }
    H5Fclose(f);
    restamp();
    read_everything();
    return 0;
}
