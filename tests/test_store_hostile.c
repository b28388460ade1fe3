/* data/nt_store as untrusted input (issue 17): crafted stores (wrong
   n_persons, longer or shorter datasets, wrong types, codes outside their
   levels, attribute arrays where a scalar belongs, a context table whose
   shapes, types, keys or values do not agree) are refused at open or
   read naming the object (one table of cases, test_crafted), never read into a buffer of another size; a
   bit-flipped or truncated store is refused by its checksum before libhdf5
   parses it; a covariate named "income/month", "." or "%x" and a
   categorical with 2,000 distinct 40-byte levels or one 16,000-byte level
   round-trip. Crafted stores get a fresh checksum (as an attacker would),
   so the validation itself is what refuses them. */
#include "tests/nt_test.h"

#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <hdf5.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "data/nt_cohort.h"
#include "data/nt_context.h"
#include "data/nt_store.h"
#include "tests/fx_spells.h"

enum { WW = 2 };
#define NP 60

static char g_dir[512];

static nt_spells *spells(void)
{
    nt_spells *s = fx_new(NP);
    nt_persons *p = &s->persons;
    p->n_extra = 3;
    p->extra = calloc(3, sizeof *p->extra);
    p->extra[0].name = fx_strdup("income/month");
    p->extra[0].is_numeric = 1;
    p->extra[0].num = calloc(NP, sizeof(double));
    p->extra[1].name = fx_strdup(".");
    p->extra[1].str = calloc(NP, sizeof(char *));
    p->extra[2].name = fx_strdup("%2F");
    p->extra[2].str = calloc(NP, sizeof(char *));
    for (int i = 0; i < NP; i++) {
        char a[16], b[16];
        nt_day st = D("2003-01-01") + (nt_day)(i * 5);
        nt_day_format(st, a);
        nt_day_format(st + 200, b);
        fx_benefit(s, i, WW, a, b);
        if (i % 3 == 0) fx_program(s, i, 1, a, b, 100);
        if (i % 2 == 0) fx_job(s, i, b, NULL, 2000 + i);
        p->extra[0].num[i] = i * 10.0;
        p->extra[1].str[i] = fx_strdup(i % 2 ? "odd" : "even");
        if (i == 7) {   /* one value of 16,000 bytes: more than an attribute holds */
            p->extra[2].str[i] = calloc(16001, 1);
            memset(p->extra[2].str[i], 'x', 16000);
        } else {
            p->extra[2].str[i] = fx_strdup("short");
        }
    }
    fx_sort(s);
    return s;
}

static void write_store(const char *path, nt_spells *s)
{
    static const char *sch[] = {"WW"};
    nt_cohort_def def = {.n_schemes = 1, .schemes = sch, .inflow_from = M("2003-01"), .inflow_to = M("2003-12"),
                         .horizon = 12};
    nt_cohort *c = NULL;
    nt_error err;
    if (nt_cohort_build(s, &def, &c, &err)) fail_msg("%s", err.msg);
    assert_int_equal(c->n, NP);
    nt_store_meta m;
    memset(&m, 0, sizeof m);
    m.schemes = sch;
    m.n_schemes = 1;
    m.inflow_from = def.inflow_from;
    m.inflow_to = def.inflow_to;
    /* a context table: region 0363 and 0599, 2003-01..12, u = 100 x key + month (0363 has no row for 2003-08) */
    char *kv[] = {"0363", "0599"}, *var[] = {"u"};
    double v[24];
    uint8_t has[24];
    for (int i = 0; i < 24; i++) {
        v[i] = i == 7 ? NAN : 100.0 * (i / 12) + i % 12;
        has[i] = i != 7;
    }
    nt_context cx = {.key = "region", .n_keys = 2, .key_value = kv, .first_month = M("2003-01"), .n_months = 12,
                     .n_vars = 1, .var = var, .v = v, .has = has};
    m.context = &cx;
    m.context_path = "ctx.csv";
    m.context_sha256 = "0000";
    if (nt_store_write(path, s, c, &m, &err)) fail_msg("%s", err.msg);
    nt_cohort_free(c);
}

/* The checksum block recomputed over the (modified) file. */
static void restamp(const char *path)
{
    char hex[65], ub[512];
    nt_error err;
    if (nt_file_sha256_from(path, 512, hex, &err)) fail_msg("%s", err.msg);
    memset(ub, 0, sizeof ub);
    snprintf(ub, sizeof ub, "NETTO-STORE\nsha256 %s\n", hex);
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, ub, sizeof ub, 0), (ssize_t)sizeof ub);
    close(fd);
}

static void copy_file(const char *from, const char *to)
{
    char cmd[2000];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    assert_int_equal(system(cmd), 0);
}

static hid_t open_rw(const char *path)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

static void set_attr_i64(hid_t loc, const char *name, long long v)
{
    H5Adelete(loc, name);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(loc, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_LLONG, &v);
    H5Aclose(a);
    H5Sclose(s);
}

/* Replaces dataset path by one of type t and dims (rank: the non-zero
   leading ones) filled with v. */
static void replace_ds(hid_t f, const char *path, hid_t t, const hsize_t dims[3], double v, const char *kind)
{
    H5Ldelete(f, path, H5P_DEFAULT);
    int rank = dims[2] ? 3 : dims[1] ? 2 : 1;
    hid_t s = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, path, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(d >= 0);
    size_t cnt = (size_t)dims[0] * (dims[1] ? dims[1] : 1) * (dims[2] ? dims[2] : 1);
    double *buf = malloc(cnt * sizeof *buf);
    for (size_t i = 0; i < cnt; i++) buf[i] = v;
    assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    free(buf);
    if (kind) {
        hid_t st = H5Tcopy(H5T_C_S1), sc = H5Screate(H5S_SCALAR);
        H5Tset_size(st, strlen(kind));
        hid_t a = H5Acreate2(d, "kind", st, sc, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, st, kind);
        H5Aclose(a);
        H5Sclose(sc);
        H5Tclose(st);
    }
    H5Dclose(d);
    H5Sclose(s);
}

/* Replaces dataset path by fixed-length strings, values joined by '|'. */
static void replace_strings(hid_t f, const char *path, const char *joined)
{
    H5Ldelete(f, path, H5P_DEFAULT);
    char buf[256][8];
    hsize_t n = 0;
    memset(buf, 0, sizeof buf);
    for (const char *p = joined; n < 256; n++) {
        size_t l = strcspn(p, "|");
        memcpy(buf[n], p, l < 7 ? l : 7);
        if (!p[l]) { n++; break; }
        p += l + 1;
    }
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate_simple(1, &n, NULL);
    H5Tset_size(t, 8);   /* as the writer's: NUL-padded UTF-8 */
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    H5Tset_cset(t, H5T_CSET_UTF8);
    hid_t d = H5Dcreate2(f, path, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(d >= 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

/* An attribute array of 500 ten-byte strings where a scalar belongs. */
static void attr_array(hid_t loc, const char *name)
{
    H5Adelete(loc, name);
    hsize_t dim = 500;
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate_simple(1, &dim, NULL);
    H5Tset_size(t, 10);
    char *b = calloc(500, 10);
    memset(b, '7', 500 * 10);
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, b);
    H5Aclose(a);
    free(b);
    H5Sclose(sp);
    H5Tclose(t);
}

/* Opens path and, if that works, reads every covariate, the levels and all
   panel rows; returns the first failure's message ("" if none). */
static const char *try_all(const char *path, nt_status *code)
{
    static nt_error err;
    nt_store *st = NULL;
    nt_error_clear(&err);
    *code = nt_store_open(path, &st, &err);
    if (*code) return err.msg;
    long n = nt_store_persons(st);
    int H = nt_store_months(st);
    double *buf = malloc((size_t)(n ? n : 1) * (size_t)H * sizeof *buf);
    for (int i = 0; i < nt_store_n_covariates(st) && !*code; i++) {
        const char *name = nt_store_covariate_name(st, i);
        int kind = nt_store_covariate_kind(st, name);
        if (kind < 0) continue;
        *code = nt_store_read_covariate(st, name, buf, &err);
        if (!*code && kind == NT_COV_CATEGORICAL) {
            char **lev;
            int nl;
            *code = nt_store_read_levels(st, name, &lev, &nl, &err);
            if (!*code) nt_store_levels_free(lev, nl);
        }
    }
    for (int s = 0; s < NT_SERIES_N && !*code; s++) *code = nt_store_read_rows(st, 0, n, (nt_series)s, buf, &err);
    int P = nt_store_pre_months(st);
    if (P > 0 && !*code) {
        double *pre = malloc((size_t)(n ? n : 1) * (size_t)P * sizeof *pre);
        static const nt_series ps[] = {NT_SERIES_EMPLOYED, NT_SERIES_EARNINGS, NT_SERIES_ON_BENEFIT};
        for (int s = 0; s < 3 && !*code; s++) *code = nt_store_read_pre_rows(st, 0, n, ps[s], pre, &err);
        free(pre);
    }
    nt_context *cx = NULL;
    if (!*code) *code = nt_store_read_context(st, &cx, NULL, &err);
    nt_context_free(cx);
    free(buf);
    nt_store_close(st);
    return *code ? err.msg : "";
}

static void expect_refused(const char *path, const char *needle)
{
    nt_status code;
    const char *msg = try_all(path, &code);
    if (!code) fail_msg("%s: accepted, expected a refusal naming %s", path, needle);
    if (!strstr(msg, needle)) fail_msg("%s: refused with \"%s\", expected it to name %s", path, msg, needle);
}

static const char *crafted(const char *name)
{
    static char path[700];
    snprintf(path, sizeof path, "%s/%s.h5", g_dir, name);
    char good[700];
    snprintf(good, sizeof good, "%s/good.h5", g_dir);
    copy_file(good, path);
    return path;
}

static void test_round_trip_names(void **state)
{
    (void)state;
    char good[700];
    snprintf(good, sizeof good, "%s/good.h5", g_dir);
    nt_status code;
    const char *msg = try_all(good, &code);
    if (code) fail_msg("the valid store was refused: %s", msg);
    nt_store *st;
    nt_error err;
    if (nt_store_open(good, &st, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nt_store_covariate_kind(st, "income/month"), NT_COV_NUMERIC);
    assert_int_equal(nt_store_covariate_kind(st, "."), NT_COV_CATEGORICAL);
    assert_int_equal(nt_store_covariate_kind(st, "%2F"), NT_COV_CATEGORICAL);
    double v[NP];
    if (nt_store_read_covariate(st, "income/month", v, &err)) fail_msg("%s", err.msg);
    double sum = 0;
    for (int i = 0; i < NP; i++) sum += v[i];
    assert_float_equal(sum, 10.0 * NP * (NP - 1) / 2, 1e-9);
    char **lev;
    int nl;
    if (nt_store_read_levels(st, "%2F", &lev, &nl, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nl, 2);
    assert_string_equal(lev[0], "short");
    assert_int_equal(strlen(lev[1]), 16000);
    nt_store_levels_free(lev, nl);
    if (nt_store_read_levels(st, ".", &lev, &nl, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nl, 2);
    assert_string_equal(lev[0], "even");
    nt_store_levels_free(lev, nl);
    nt_store_close(st);
}

/* 2,000 distinct 40-byte codes: 80 KB of levels, over HDF5's 64 KiB
   attribute limit. */
static void test_many_levels(void **state)
{
    (void)state;
    nt_spells *s = fx_new(2000);
    nt_persons *p = &s->persons;
    p->n_extra = 1;
    p->extra = calloc(1, sizeof *p->extra);
    p->extra[0].name = fx_strdup("code");
    p->extra[0].str = calloc(2000, sizeof(char *));
    for (int i = 0; i < 2000; i++) {
        char b[64];
        snprintf(b, sizeof b, "%040d", i);
        p->extra[0].str[i] = fx_strdup(b);
        fx_benefit(s, i, WW, "2003-05-01", "2003-09-30");
    }
    fx_sort(s);
    static const char *sch[] = {"WW"};
    nt_cohort_def def = {.n_schemes = 1, .schemes = sch, .inflow_from = M("2003-01"), .inflow_to = M("2003-12"),
                         .horizon = 12};
    nt_cohort *c = NULL;
    nt_error err;
    if (nt_cohort_build(s, &def, &c, &err)) fail_msg("%s", err.msg);
    nt_store_meta m;
    memset(&m, 0, sizeof m);
    m.schemes = sch;
    m.n_schemes = 1;
    m.inflow_from = def.inflow_from;
    m.inflow_to = def.inflow_to;
    char path[700];
    snprintf(path, sizeof path, "%s/levels2000.h5", g_dir);
    if (nt_store_write(path, s, c, &m, &err)) fail_msg("%s", err.msg);
    nt_store *st;
    if (nt_store_open(path, &st, &err)) fail_msg("%s", err.msg);
    char **lev;
    int nl;
    if (nt_store_read_levels(st, "code", &lev, &nl, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nl, 2000);
    assert_string_equal(lev[1999], "0000000000000000000000000000000000001999");
    nt_store_levels_free(lev, nl);
    nt_store_close(st);
    nt_cohort_free(c);
    fx_free(s);
}

/* The good store without group name (as an older netto wrote it): it must
   read whole; returns it open. */
static nt_store *store_without(const char *name)
{
    char file[64];
    snprintf(file, sizeof file, "no_%s", name);
    const char *path = crafted(file);
    hid_t f = open_rw(path);
    assert_true(H5Ldelete(f, name, H5P_DEFAULT) >= 0);
    H5Fclose(f);
    restamp(path);
    nt_status code;
    const char *msg = try_all(path, &code);
    if (code) fail_msg("a store without /%s was refused: %s", name, msg);
    nt_store *st;
    nt_error err;
    if (nt_store_open(path, &st, &err)) fail_msg("%s", err.msg);
    return st;
}

/* The pre-inflow months (/prepanel): a store without them (as written by
   an older netto) reads, with 0 months and a clear refusal to read them;
   a wrong shape or type is refused naming the dataset. */
static void test_prepanel(void **state)
{
    (void)state;
    nt_store *st;
    nt_error err;
    st = store_without("prepanel");
    assert_int_equal(nt_store_pre_months(st), 0);
    double buf[64];
    assert_int_equal(nt_store_read_pre_rows(st, 0, 1, NT_SERIES_EMPLOYED, buf, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "keeps no pre-inflow months"));
    nt_store_close(st);

    char good[700];
    snprintf(good, sizeof good, "%s/good.h5", g_dir);
    if (nt_store_open(good, &st, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nt_store_pre_months(st), 36);
    assert_int_equal(nt_store_read_pre_rows(st, 0, 1, NT_SERIES_IN_PROGRAM, buf, &err), NT_EUSAGE);
    nt_store_close(st);
}

typedef enum { T_U8, T_I32, T_I64, T_F64 } ftype;

static hid_t ftype_id(ftype t)
{
    return t == T_U8 ? H5T_STD_U8LE : t == T_I32 ? H5T_STD_I32LE : t == T_I64 ? H5T_STD_I64LE : H5T_IEEE_F64LE;
}

/* How a crafted store differs from the good one. */
typedef enum {
    SET_I64,     /* attribute attr of obj ("/" the root) set to i */
    REPLACE,     /* dataset obj replaced by type x dims filled with v (kind attribute if given) */
    STRINGS,     /* dataset obj replaced by the strings attr ('|'-joined) */
    UNLINK,      /* obj deleted */
    DEL_ATTR,    /* attribute attr of obj deleted */
    ATTR_ARRAY   /* attribute attr of obj an array where a scalar belongs */
} op_kind;

typedef struct {
    const char *name;
    op_kind op;
    const char *obj, *attr;
    long long i;
    ftype type;
    hsize_t dims[3];
    double v;
    const char *kind;
    const char *needle;   /* what the refusal names */
} crafted_case;

#define I64(nm, o, a, val, nd) {nm, SET_I64, o, a, .i = (val), .needle = nd}
#define DS(nm, o, t, d0, d1, d2, val, k, nd) {nm, REPLACE, o, NULL, .type = t, .dims = {d0, d1, d2}, .v = (val), .kind = k, .needle = nd}

static const crafted_case cases[] = {
    I64("n_small", "/", "n_persons", 3, "/panel/"),   /* n_persons smaller than the datasets */
    I64("n_large", "/", "n_persons", NP + 1000, "/panel/"),
    I64("n_negative", "/", "n_persons", -5, "n_persons"),
    I64("months_huge", "/", "months", 1LL << 40, "months"),
    I64("chunk_rows_huge", "/", "chunk_rows", 2147483647, "chunk_rows"),   /* fuzz_store: a block of 2^31 rows */
    DS("records_long", "ingest/records", T_I64, 4000, 0, 0, 1, NULL, "/ingest/records"),
    DS("rejected_wide", "ingest/rejected", T_I64, NT_FILE_N, 400, 0, 1, NULL, "/ingest/rejected"),
    DS("age_long", "persons/age", T_F64, NP + 5000, 0, 0, 30, "numeric", "/persons/age"),
    DS("age_short", "persons/age", T_F64, NP - 10, 0, 0, 30, "numeric", "/persons/age"),   /* stale memory before */
    DS("age_2d", "persons/age", T_F64, NP, 3, 0, 30, "numeric", "/persons/age"),
    DS("treat_month_float", "persons/treat_month", T_F64, NP, 0, 0, 1e300, "numeric", "/persons/treat_month"),
    DS("sex_code", "persons/sex", T_I32, NP, 0, 0, 7, "categorical", "/persons/sex"),   /* outside the levels */
    DS("no_kind", "persons/age", T_F64, NP, 0, 0, 30, NULL, "/persons/age"),
    DS("panel_wide", "panel/employed", T_U8, NP, 13, 0, 1, NULL, "/panel/employed"),
    DS("earnings_f64", "panel/earnings", T_F64, NP, 12, 0, 1, NULL, "/panel/earnings"),
    {"data_end_array", ATTR_ARRAY, "/", "data_end", .needle = "data_end"},
    DS("ptypes_int", "dict/program_types", T_I32, 3, 0, 0, 1, NULL, "/dict/program_types"),
    {"no_levels", UNLINK, "levels/sex", .needle = "/persons/sex"},
    DS("prepanel_shape", "prepanel/employed", T_U8, NP, 35, 0, 0, NULL, "/prepanel/employed"),
    DS("prepanel_type", "prepanel/earnings", T_I32, NP, 36, 0, 0, NULL, "/prepanel/earnings"),
    /* the context table (/context) */
    I64("context_months_huge", "context", "months", 1LL << 40, "/context has a months attribute"),
    I64("context_months_zero", "context", "months", 0, "/context has a months attribute"),
    {"context_no_key", DEL_ATTR, "context", "key", .needle = "/context has no key"},
    {"context_first_month", ATTR_ARRAY, "context", "first_month", .needle = "/context has no first_month"},
    {"context_keys_twice", STRINGS, "context/keys", "0363|0363", .needle = "/context/keys has a value twice"},
    {"context_keys_three", STRINGS, "context/keys", "0363|0599|0344", .needle = "/context/values"},
    DS("context_keys_int", "context/keys", T_I32, 2, 0, 0, 1, NULL, "/context/keys"),
    DS("context_vars_int", "context/variables", T_I32, 1, 0, 0, 1, NULL, "/context/variables"),
    DS("context_values_2d", "context/values", T_F64, 1, 24, 0, 1, NULL, "/context/values"),
    DS("context_values_long", "context/values", T_F64, 1, 2, 13, 1, NULL, "/context/values"),
    DS("context_values_i64", "context/values", T_I64, 1, 2, 12, 1, NULL, "/context/values"),
    DS("context_values_inf", "context/values", T_F64, 1, 2, 12, INFINITY, NULL, "infinite"),
    DS("context_rows_f64", "context/rows", T_F64, 2, 12, 0, 1, NULL, "/context/rows"),
    DS("context_rows_two", "context/rows", T_U8, 2, 12, 0, 2, NULL, "not 0 or 1"),
};

/* Every crafted store (with a fresh checksum) is refused, naming the object. */
static void test_crafted(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const crafted_case *c = &cases[k];
        const char *path = crafted(c->name);
        hid_t f = open_rw(path);
        hid_t loc = strcmp(c->obj, "/") && c->op != REPLACE && c->op != STRINGS && c->op != UNLINK
                        ? H5Oopen(f, c->obj, H5P_DEFAULT) : f;
        assert_true(loc >= 0);
        switch (c->op) {
        case SET_I64: set_attr_i64(loc, c->attr, c->i); break;
        case REPLACE: replace_ds(f, c->obj, ftype_id(c->type), c->dims, c->v, c->kind); break;
        case STRINGS: replace_strings(f, c->obj, c->attr); break;
        case UNLINK: assert_true(H5Ldelete(f, c->obj, H5P_DEFAULT) >= 0); break;
        case DEL_ATTR: assert_true(H5Adelete(loc, c->attr) >= 0); break;
        case ATTR_ARRAY: attr_array(loc, c->attr); break;
        }
        if (loc != f) H5Oclose(loc);
        H5Fclose(f);
        restamp(path);
        expect_refused(path, c->needle);
    }
}

/* The context table (/context): the good store's reads back as written; a
   store without one (as written before it was kept) reads, with none. */
static void test_context(void **state)
{
    (void)state;
    char good[700];
    snprintf(good, sizeof good, "%s/good.h5", g_dir);
    nt_store *st;
    nt_error err;
    nt_context *c = NULL;
    const char *src = NULL;
    if (nt_store_open(good, &st, &err)) fail_msg("%s", err.msg);
    if (nt_store_read_context(st, &c, &src, &err)) fail_msg("%s", err.msg);
    assert_non_null(c);
    assert_string_equal(src, "ctx.csv");
    assert_string_equal(c->key, "region");
    assert_int_equal(c->n_keys, 2);
    assert_string_equal(c->key_value[1], "0599");
    assert_int_equal(c->first_month, M("2003-01"));
    assert_int_equal(c->n_months, 12);
    assert_int_equal(nt_context_var(c, "U"), 0);
    assert_float_equal(c->v[1 * 12 + 5], 105.0, 0);
    assert_true(isnan(c->v[7]));
    assert_int_equal(c->has[7], 0);
    assert_int_equal(c->has[8], 1);
    nt_context_free(c);
    nt_store_close(st);

    st = store_without("context");
    c = (nt_context *)1;
    assert_int_equal(nt_store_read_context(st, &c, NULL, &err), NT_OK);
    assert_null(c);
    nt_store_close(st);
}

/* Damage without a new checksum: refused by the checksum, with a message. */
static void test_damaged(void **state)
{
    (void)state;
    char good[700];
    snprintf(good, sizeof good, "%s/good.h5", g_dir);
    struct stat sb;
    assert_int_equal(stat(good, &sb), 0);
    const long size = (long)sb.st_size;
    const long at[] = {0, 5, 100, 512, 520, 600, 1000, 2048, size / 2, size - 1};
    for (size_t i = 0; i < sizeof at / sizeof *at; i++) {
        const char *path = crafted("flip");
        int fd = open(path, O_RDWR);
        unsigned char b;
        assert_int_equal(pread(fd, &b, 1, at[i]), 1);
        b ^= 0x10;
        assert_int_equal(pwrite(fd, &b, 1, at[i]), 1);
        close(fd);
        nt_status code;
        const char *msg = try_all(path, &code);
        if (code != NT_EINPUT) fail_msg("bit flip at byte %ld: status %d (%s)", at[i], (int)code, msg);
    }
    const char *path = crafted("truncated");
    assert_int_equal(truncate(path, size / 2), 0);
    expect_refused(path, "damaged");
    path = crafted("short");
    assert_int_equal(truncate(path, 100), 0);
    nt_status code;
    try_all(path, &code);
    assert_int_equal(code, NT_EINPUT);
}

int main(void)
{
    snprintf(g_dir, sizeof g_dir, "%s", nt_test_dir("store_hostile"));
    char good[700];
    snprintf(good, sizeof good, "%s/good.h5", g_dir);
    nt_spells *s = spells();
    write_store(good, s);
    fx_free(s);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_names),
        cmocka_unit_test(test_many_levels),
        cmocka_unit_test(test_crafted),
        cmocka_unit_test(test_prepanel),
        cmocka_unit_test(test_context),
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
