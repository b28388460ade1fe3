/* data/nt_store as untrusted input (issue 17): crafted stores (wrong
   n_persons, longer or shorter datasets, wrong types, codes outside their
   levels, attribute arrays where a scalar belongs) are refused at open or
   read naming the object, never read into a buffer of another size; a
   bit-flipped or truncated store is refused by its checksum before libhdf5
   parses it; a covariate named "income/month", "." or "%x" and a
   categorical with 2,000 distinct 40-byte levels or one 16,000-byte level
   round-trip. Crafted stores get a fresh checksum (as an attacker would),
   so the validation itself is what refuses them. */
#include "tests/nt_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <hdf5.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "data/nt_cohort.h"
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

/* Replaces dataset path by a 1-D (or n0 x n1) one of type t filled with v. */
static void replace_ds(hid_t f, const char *path, hid_t t, hsize_t n0, hsize_t n1, double v, const char *kind)
{
    H5Ldelete(f, path, H5P_DEFAULT);
    hsize_t dims[2] = {n0, n1};
    hid_t s = H5Screate_simple(n1 ? 2 : 1, dims, NULL);
    hid_t d = H5Dcreate2(f, path, t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(d >= 0);
    size_t cnt = (size_t)n0 * (n1 ? n1 : 1);
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

/* The pre-inflow months (/prepanel): a store without them (as written by
   an older netto) reads, with 0 months and a clear refusal to read them;
   a wrong shape or type is refused naming the dataset. */
static void test_prepanel(void **state)
{
    (void)state;
    nt_store *st;
    nt_error err;
    const char *path = crafted("no_prepanel");
    hid_t f = open_rw(path);
    assert_true(H5Ldelete(f, "prepanel", H5P_DEFAULT) >= 0);
    H5Fclose(f);
    restamp(path);
    nt_status code;
    const char *msg = try_all(path, &code);
    if (code) fail_msg("a store without pre-inflow months was refused: %s", msg);
    if (nt_store_open(path, &st, &err)) fail_msg("%s", err.msg);
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

    path = crafted("prepanel_shape");
    f = open_rw(path);
    replace_ds(f, "prepanel/employed", H5T_STD_U8LE, NP, 35, 0, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/prepanel/employed");

    path = crafted("prepanel_type");
    f = open_rw(path);
    replace_ds(f, "prepanel/earnings", H5T_STD_I32LE, NP, 36, 0, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/prepanel/earnings");
}

static void test_crafted(void **state)
{
    (void)state;
    const char *path;
    hid_t f;

    path = crafted("n_small");   /* n_persons smaller than the datasets */
    f = open_rw(path);
    set_attr_i64(f, "n_persons", 3);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/panel/");

    path = crafted("n_large");
    f = open_rw(path);
    set_attr_i64(f, "n_persons", NP + 1000);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/panel/");

    path = crafted("n_negative");
    f = open_rw(path);
    set_attr_i64(f, "n_persons", -5);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "n_persons");

    path = crafted("months_huge");
    f = open_rw(path);
    set_attr_i64(f, "months", 1L << 40);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "months");

    path = crafted("chunk_rows_huge");   /* fuzz_store finding: a block of 2^31 rows allocated */
    f = open_rw(path);
    set_attr_i64(f, "chunk_rows", 2147483647);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "chunk_rows");

    path = crafted("records_long");   /* a longer /ingest/records */
    f = open_rw(path);
    replace_ds(f, "ingest/records", H5T_STD_I64LE, 4000, 0, 1, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/ingest/records");

    path = crafted("rejected_wide");
    f = open_rw(path);
    replace_ds(f, "ingest/rejected", H5T_STD_I64LE, NT_FILE_N, 400, 1, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/ingest/rejected");

    path = crafted("age_long");   /* a longer /persons/age */
    f = open_rw(path);
    replace_ds(f, "persons/age", H5T_IEEE_F64LE, NP + 5000, 0, 30, "numeric");
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/persons/age");

    path = crafted("age_short");   /* a shorter one: stale memory before */
    f = open_rw(path);
    replace_ds(f, "persons/age", H5T_IEEE_F64LE, NP - 10, 0, 30, "numeric");
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/persons/age");

    path = crafted("age_2d");
    f = open_rw(path);
    replace_ds(f, "persons/age", H5T_IEEE_F64LE, NP, 3, 30, "numeric");
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/persons/age");

    path = crafted("treat_month_float");   /* 1e300 would overflow an int cast */
    f = open_rw(path);
    replace_ds(f, "persons/treat_month", H5T_IEEE_F64LE, NP, 0, 1e300, "numeric");
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/persons/treat_month");

    path = crafted("sex_code");   /* a code outside the levels */
    f = open_rw(path);
    replace_ds(f, "persons/sex", H5T_STD_I32LE, NP, 0, 7, "categorical");
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/persons/sex");

    path = crafted("no_kind");
    f = open_rw(path);
    replace_ds(f, "persons/age", H5T_IEEE_F64LE, NP, 0, 30, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/persons/age");

    path = crafted("panel_wide");
    f = open_rw(path);
    replace_ds(f, "panel/employed", H5T_STD_U8LE, NP, 13, 1, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/panel/employed");

    path = crafted("earnings_f64");
    f = open_rw(path);
    replace_ds(f, "panel/earnings", H5T_IEEE_F64LE, NP, 12, 1, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/panel/earnings");

    path = crafted("data_end_array");   /* an attribute array where a scalar belongs */
    f = open_rw(path);
    H5Adelete(f, "data_end");
    {
        hsize_t dim = 500;
        hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate_simple(1, &dim, NULL);
        H5Tset_size(t, 10);
        char *b = calloc(500, 10);
        memset(b, '7', 500 * 10);
        hid_t a = H5Acreate2(f, "data_end", t, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Awrite(a, t, b);
        H5Aclose(a);
        free(b);
        H5Sclose(sp);
        H5Tclose(t);
    }
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "data_end");

    path = crafted("ptypes_int");
    f = open_rw(path);
    replace_ds(f, "dict/program_types", H5T_STD_I32LE, 3, 0, 1, NULL);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/dict/program_types");

    path = crafted("no_levels");
    f = open_rw(path);
    H5Ldelete(f, "levels/sex", H5P_DEFAULT);
    H5Fclose(f);
    restamp(path);
    expect_refused(path, "/persons/sex");
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
        cmocka_unit_test(test_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
