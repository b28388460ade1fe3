/* data/nt_store: write a cohort, read it back (metadata, covariates, panel rows
   in blocks), byte-identical rewrites, and no store left behind on failure. */
#include "tests/nt_test.h"

#include <hdf5.h>
#include <sys/stat.h>
#include <unistd.h>

#include "data/nt_cohort.h"
#include "data/nt_describe.h"
#include "study/nt_describe_run.h" /* the month table as CSV, with disclosure control */
#include "data/nt_store.h"
#include "tests/fx_spells.h"

enum { WIA = 1, WW = 2, WWB = 3 };

/* The person ids as stored (persons/person_id, fixed-length NUL-padded
   strings), read with HDF5 itself: netto reads no ids back, it reads rows. */
static char **read_ids_h5(const char *path, long n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    hid_t d = H5Dopen2(f, "persons/person_id", H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t ft = H5Dget_type(d);
    size_t wd = H5Tget_size(ft);
    hid_t sp = H5Dget_space(d);
    assert_int_equal(H5Sget_simple_extent_npoints(sp), n);
    char *raw = calloc((size_t)n, wd);
    assert_true(H5Dread(d, ft, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) >= 0);
    char **ids = calloc((size_t)n, sizeof *ids);
    for (long i = 0; i < n; i++) {
        ids[i] = calloc(wd + 1, 1);
        memcpy(ids[i], raw + (size_t)i * wd, wd);
    }
    free(raw);
    H5Sclose(sp);
    H5Tclose(ft);
    H5Dclose(d);
    H5Fclose(f);
    return ids;
}


/* np persons with pseudo-random spells; regions and one extra numeric and
   one extra categorical column. */
static nt_spells *make_spells(int np)
{
    nt_spells *s = fx_new(np);
    nt_persons *p = &s->persons;
    p->n_extra = 2;
    p->extra = calloc(2, sizeof *p->extra);
    p->extra[0].name = fx_strdup("children");
    p->extra[0].is_numeric = 1;
    p->extra[0].num = calloc((size_t)np, sizeof(double));
    p->extra[1].name = fx_strdup("municipality");
    p->extra[1].str = calloc((size_t)np, sizeof(char *));
    unsigned x = 777;
    char a[16], b[16];
    for (int i = 0; i < np; i++) {
        x = x * 1103515245u + 12345u;
        p->education[i] = (uint8_t)(x % 4);
        p->migration[i] = (uint8_t)((x >> 3) % 4);
        p->sex[i] = 1 + (x >> 5) % 2;
        p->region[i] = (x >> 7) % 5 ? fx_strdup((x >> 9) % 2 ? "north" : "south") : NULL;
        p->extra[0].num[i] = (x >> 11) % 7 ? (double)((x >> 13) % 4) : NAN;
        p->extra[1].str[i] = (x >> 15) % 3 ? fx_strdup((x >> 17) % 2 ? "0363" : "0518") : NULL;
        nt_day st = D("2003-01-01") + (nt_day)(x % 360);
        nt_day_format(st, a);
        nt_day_format(st + 20 + (nt_day)((x >> 4) % 500), b);
        fx_benefit(s, i, (x >> 6) % 3 ? WW : WWB, a, (x >> 8) % 9 ? b : NULL);
        nt_day_format(st - 300, a);
        nt_day_format(st + (nt_day)((x >> 10) % 700), b);
        fx_job(s, i, a, b, 500 + (x >> 12) % 3000);
        nt_day_format(st + 40, a);
        nt_day_format(st + 100, b);
        if ((x >> 14) % 2) fx_program(s, i, 1 + (int)((x >> 16) % 2), a, b, 1234.5);
    }
    s->data_end = D("2006-06-30");
    s->earliest_start[0] = D("2003-01-01");
    s->earliest_start[2] = D("2002-03-01");
    strcpy(s->sha256[0], "aa00000000000000000000000000000000000000000000000000000000000000");
    fx_sort(s);
    return s;
}

static nt_cohort *make_cohort(const nt_spells *s, int H)
{
    static const char *sch[] = {"WW", "WWB"};
    nt_cohort_def def = {.n_schemes = 2, .schemes = sch, .inflow_from = M("2003-01"),
                         .inflow_to = M("2003-12"), .horizon = H};
    nt_cohort *c = NULL;
    nt_error err;
    if (nt_cohort_build(s, &def, &c, &err)) fail_msg("%s", err.msg);
    return c;
}

static nt_store_meta meta_for(void)
{
    static const char *sch[] = {"WW", "WWB"};
    nt_store_meta m;
    memset(&m, 0, sizeof m);
    m.schemes = sch;
    m.n_schemes = 2;
    m.inflow_from = M("2003-01");
    m.inflow_to = M("2003-12");
    m.counts.records[NT_FILE_PERSONS] = 5000;
    m.counts.rejected[NT_FILE_BENEFITS][NT_REJECT_BAD_NUMBER] = 3;
    m.counts.merged[NT_FILE_PROGRAMS] = 7;
    return m;
}

static void test_round_trip(void **state)
{
    (void)state;
    const int np = 5000, H = 40;
    nt_spells *s = make_spells(np);
    nt_cohort *c = make_cohort(s, H);
    nt_store_meta meta = meta_for();
    char path[512];
    snprintf(path, sizeof path, "%s/c.h5", nt_test_dir("store_round_trip"));
    nt_error err;
    if (nt_store_write(path, s, c, &meta, &err)) fail_msg("%s", err.msg);

    nt_store *st = NULL;
    if (nt_store_open(path, &st, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nt_store_persons(st), c->n);
    assert_int_equal(nt_store_months(st), H);
    assert_int_equal(nt_store_format_version(st), NT_STORE_FORMAT_VERSION);
    assert_string_equal(nt_store_tool_version(st), NETTO_VERSION);
    assert_int_equal(nt_store_data_end(st), D("2006-06-30"));
    assert_int_equal(nt_store_inflow_from(st), M("2003-01"));
    assert_int_equal(nt_store_inflow_to(st), M("2003-12"));
    assert_string_equal(nt_store_schemes(st), "WW,WWB");
    assert_int_equal(nt_store_earliest_start(st, 0), D("2003-01-01"));
    assert_int_equal(nt_store_earliest_start(st, 1), NT_DAY_NONE);
    assert_int_equal(nt_store_earliest_start(st, 2), D("2002-03-01"));
    assert_string_equal(nt_store_sha256(st, 0), s->sha256[0]);
    assert_int_equal(nt_store_records(st, NT_FILE_PERSONS), 5000);
    assert_int_equal(nt_store_rejected(st, NT_FILE_BENEFITS, NT_REJECT_BAD_NUMBER), 3);
    assert_int_equal(nt_store_merged(st, NT_FILE_PROGRAMS), 7);
    const char *const *pt;
    assert_int_equal(nt_store_program_types(st, &pt), 2);
    assert_string_equal(pt[1], "scholing");

    /* Panel rows in blocks that cross chunk boundaries. */
    const int R = nt_store_chunk_rows(st);
    assert_true(R >= 1);
    const long block = R + 17;
    double *buf = malloc((size_t)block * H * sizeof(double));
    for (int series = 0; series < NT_SERIES_N; series++) {
        for (long first = 0; first < c->n; first += block) {
            long n = c->n - first < block ? c->n - first : block;
            if (nt_store_read_rows(st, first, n, (nt_series)series, buf, &err)) fail_msg("%s", err.msg);
            for (long i = 0; i < n; i++)
                for (int k = 0; k < H; k++) {
                    size_t at = (size_t)(first + i) * H + k;
                    double got = buf[i * H + k], want;
                    switch (series) {
                    case NT_SERIES_EMPLOYED: want = c->employed[at]; break;
                    case NT_SERIES_EARNINGS: want = c->earnings[at]; break;
                    case NT_SERIES_ON_BENEFIT: want = c->on_benefit[at]; break;
                    case NT_SERIES_ON_INDEX_BENEFIT: want = c->on_index_benefit[at]; break;
                    default: want = c->in_program[at]; break;
                    }
                    int cens = k >= c->n_observed[first + i];
                    if (cens) {
                        if (!isnan(got)) fail_msg("series %d row %ld month %d: want NaN, got %g", series, first + i, k, got);
                    } else if (got != want) {
                        fail_msg("series %d row %ld month %d: want %g, got %g", series, first + i, k, want, got);
                    }
                }
        }
    }
    assert_int_equal(nt_store_read_rows(st, c->n - 1, 2, NT_SERIES_EMPLOYED, buf, &err), NT_EUSAGE);

    /* Pre-inflow months, in the same blocks. */
    assert_int_equal(nt_store_pre_months(st), NT_COHORT_PRE);
    double *pre = malloc((size_t)block * NT_COHORT_PRE * sizeof *pre);
    double pre_sum = 0;
    for (int series = 0; series < 3; series++) {
        static const nt_series ps[] = {NT_SERIES_EMPLOYED, NT_SERIES_EARNINGS, NT_SERIES_ON_BENEFIT};
        for (long first = 0; first < c->n; first += block) {
            long n = c->n - first < block ? c->n - first : block;
            if (nt_store_read_pre_rows(st, first, n, ps[series], pre, &err)) fail_msg("%s", err.msg);
            for (long i = 0; i < (long)n * NT_COHORT_PRE; i++) {
                size_t at = (size_t)first * NT_COHORT_PRE + (size_t)i;
                double want = series == 0 ? c->pre_employed[at] : series == 1 ? c->pre_earnings[at] : c->pre_on_benefit[at];
                if (pre[i] != want) fail_msg("pre series %d cell %zu: want %g, got %g", series, at, want, pre[i]);
                pre_sum += pre[i];
            }
        }
    }
    assert_true(pre_sum > 0);   /* the fixture has jobs before inflow */
    free(pre);

    /* Ids in bytewise order, covariates. */
    char **ids = read_ids_h5(path, c->n);
    for (long i = 0; i < c->n; i++) assert_string_equal(ids[i], s->persons.id[c->person[i]]);
    for (long i = 1; i < c->n; i++) assert_true(strcmp(ids[i - 1], ids[i]) < 0);
    for (long i = 0; i < c->n; i++) free(ids[i]);
    free(ids);

    double *v = malloc((size_t)c->n * sizeof(double));
    assert_int_equal(nt_store_covariate_kind(st, "age"), NT_COV_NUMERIC);
    assert_int_equal(nt_store_covariate_kind(st, "education"), NT_COV_CATEGORICAL);
    assert_int_equal(nt_store_covariate_kind(st, "nonesuch"), -1);
    if (nt_store_read_covariate(st, "age", v, &err)) fail_msg("%s", err.msg);
    for (long i = 0; i < c->n; i++) assert_true(v[i] == c->age[i]);
    if (nt_store_read_covariate(st, "earn_prev12", v, &err)) fail_msg("%s", err.msg);
    for (long i = 0; i < c->n; i++) assert_true(v[i] == c->earn_prev12[i]);
    if (nt_store_read_covariate(st, "treat_month", v, &err)) fail_msg("%s", err.msg);
    for (long i = 0; i < c->n; i++) assert_true(v[i] == c->treat_month[i]);
    if (nt_store_read_covariate(st, "education", v, &err)) fail_msg("%s", err.msg);
    for (long i = 0; i < c->n; i++) assert_true(v[i] == s->persons.education[c->person[i]]);
    if (nt_store_read_covariate(st, "children", v, &err)) fail_msg("%s", err.msg);
    for (long i = 0; i < c->n; i++) {
        double want = s->persons.extra[0].num[c->person[i]];
        assert_true(isnan(want) ? isnan(v[i]) : v[i] == want);
    }
    char **lev = NULL;
    int nl = 0;
    /* Contract order for education; bytewise for other categoricals. */
    if (nt_store_read_levels(st, "education", &lev, &nl, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nl, 3);
    assert_string_equal(lev[0], "low");
    assert_string_equal(lev[2], "high");
    nt_store_levels_free(lev, nl);
    if (nt_store_read_levels(st, "municipality", &lev, &nl, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nl, 2);
    assert_string_equal(lev[0], "0363");
    if (nt_store_read_covariate(st, "municipality", v, &err)) fail_msg("%s", err.msg);
    for (long i = 0; i < c->n; i++) {
        const char *want = s->persons.extra[1].str[c->person[i]];
        assert_true(want ? v[i] == (strcmp(want, "0363") ? 2 : 1) : v[i] == 0);
    }
    nt_store_levels_free(lev, nl);
    if (nt_store_read_levels(st, "inflow_month", &lev, &nl, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nl, 12);
    assert_string_equal(lev[0], "2003-01");
    nt_store_levels_free(lev, nl);
    if (nt_store_read_levels(st, "scheme", &lev, &nl, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nl, 2);
    assert_string_equal(lev[1], "WWB");
    nt_store_levels_free(lev, nl);
    assert_int_equal(nt_store_read_levels(st, "age", &lev, &nl, &err), NT_EINPUT);
    int found = 0;
    for (int i = 0; i < nt_store_n_covariates(st); i++) found += !strcmp(nt_store_covariate_name(st, i), "exit_dest");
    assert_int_equal(found, 1);
    free(v);
    free(buf);
    nt_store_close(st);

    /* Same data, same bytes. */
    char path2[600];
    snprintf(path2, sizeof path2, "%s2", path);
    if (nt_store_write(path2, s, c, &meta, &err)) fail_msg("%s", err.msg);
    char *a = NULL, *b = NULL;
    struct stat sa, sb;
    assert_int_equal(stat(path, &sa), 0);
    assert_int_equal(stat(path2, &sb), 0);
    assert_int_equal(sa.st_size, sb.st_size);
    FILE *fa = fopen(path, "rb"), *fb = fopen(path2, "rb");
    a = malloc((size_t)sa.st_size);
    b = malloc((size_t)sb.st_size);
    assert_int_equal(fread(a, 1, (size_t)sa.st_size, fa), (size_t)sa.st_size);
    assert_int_equal(fread(b, 1, (size_t)sb.st_size, fb), (size_t)sb.st_size);
    assert_memory_equal(a, b, (size_t)sa.st_size);
    fclose(fa);
    fclose(fb);
    free(a);
    free(b);
    nt_cohort_free(c);
    fx_free(s);
}

/* An empty cohort still makes a valid store; unwritable paths fail with
   nothing left behind; a non-store is rejected on open. */
static void test_edges(void **state)
{
    (void)state;
    nt_spells *s = fx_new(2);
    fx_benefit(s, 0, WIA, "2003-03-01", NULL);
    fx_sort(s);
    nt_cohort *c = make_cohort(s, 12);
    assert_int_equal(c->n, 0);
    nt_store_meta meta = meta_for();
    const char *dir = nt_test_dir("store_edges");
    char path[512];
    snprintf(path, sizeof path, "%s/empty.h5", dir);
    nt_error err;
    if (nt_store_write(path, s, c, &meta, &err)) fail_msg("%s", err.msg);
    nt_store *st = NULL;
    if (nt_store_open(path, &st, &err)) fail_msg("%s", err.msg);
    assert_int_equal(nt_store_persons(st), 0);
    assert_int_equal(nt_store_months(st), 12);
    nt_store_close(st);

    snprintf(path, sizeof path, "%s/nodir/x.h5", dir);
    assert_int_not_equal(nt_store_write(path, s, c, &meta, &err), NT_OK);
    snprintf(path, sizeof path, "%s/junk.h5", dir);
    nt_test_write(path, "not hdf5\n");
    assert_int_equal(nt_store_open(path, &st, &err), NT_EINPUT);
    snprintf(path, sizeof path, "%s/absent.h5", dir);
    assert_int_not_equal(nt_store_open(path, &st, &err), NT_OK);
    nt_cohort_free(c);
    fx_free(s);
}


/* nt_store_describe on a cohort worked out by hand. H = 4, data end
   2003-05-31.
   p0: WW 2003-01-10..02-15, job from 2003-03-01 at 3000: employed 0 0 1 1,
       benefit 1 1 0 0; exit month 1 to work (job within 31 days).
   p1: WW from 2003-02-01 (open), scholing 2003-02-15..03-31: programme 2 2 0 0,
       benefit 1 1 1 1 (Feb..May, May 31 = data end is observed); treat k 0.
   p2: WW from 2003-03-05 (open), bemiddeling in April, dies 2003-05-10:
       observed Mar, Apr only; programme 0 1; treat k 1.
   Month table: k0 n 3, in_program 1/3; k1 n 3, in_program 2/3;
   k2, k3: n 2 (p0, p1), employed 1/2, earnings 3000/2, benefit 1/2. */
static void test_describe(void **state)
{
    (void)state;
    nt_spells *s = fx_new(3);
    fx_benefit(s, 0, WW, "2003-01-10", "2003-02-15");
    fx_job(s, 0, "2003-03-01", NULL, 3000);
    fx_benefit(s, 1, WW, "2003-02-01", NULL);
    fx_program(s, 1, 2, "2003-02-15", "2003-03-31", NAN);
    fx_benefit(s, 2, WW, "2003-03-05", NULL);
    fx_program(s, 2, 1, "2003-04-01", "2003-04-30", NAN);
    s->persons.death[2] = D("2003-05-10");
    s->data_end = D("2003-05-31");
    fx_sort(s);
    nt_cohort *c = make_cohort(s, 4);
    assert_int_equal(c->n, 3);
    nt_store_meta meta = meta_for();
    const char *dir = nt_test_dir("store_describe");
    char path[512], csv[600];
    snprintf(path, sizeof path, "%s/d.h5", dir);
    snprintf(csv, sizeof csv, "%s/months.csv", dir);
    nt_error err;
    if (nt_store_write(path, s, c, &meta, &err)) fail_msg("%s", err.msg);
    nt_store *st = NULL;
    nt_describe *d = NULL;
    if (nt_store_open(path, &st, &err)) fail_msg("%s", err.msg);
    if (nt_store_describe(st, &d, &err)) fail_msg("%s", err.msg);
    assert_int_equal(d->persons, 3);
    assert_int_equal(d->censored_persons, 1);
    assert_int_equal(d->censored_months, 2);
    long nobs[] = {3, 3, 2, 2};
    double emp[] = {0, 0, .5, .5}, earn[] = {0, 0, 1500, 1500}, ben[] = {1, 1, .5, .5},
           prog[] = {1.0 / 3, 2.0 / 3, 0, 0};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(d->n_observed[k], nobs[k]);
        expect_near(d->employed[k], emp[k], 1e-12);
        expect_near(d->earnings[k], earn[k], 1e-9);
        expect_near(d->on_benefit[k], ben[k], 1e-12);
        expect_near(d->on_index_benefit[k], ben[k], 1e-12);
        expect_near(d->in_program[k], prog[k], 1e-12);
    }
    assert_int_equal(d->n_inflow, 3);
    assert_string_equal(d->inflow_label[2], "2003-03");
    assert_int_equal(d->inflow_count[0] + d->inflow_count[1] + d->inflow_count[2], 3);
    assert_int_equal(d->n_treated, 2);
    assert_int_equal(d->starts[1 * 4 + 0], 1);  /* scholing, month 0 */
    assert_int_equal(d->starts[0 * 4 + 1], 1);  /* bemiddeling, month 1 */
    assert_int_equal(d->exit_count[0], 1);
    assert_int_equal(d->exit_count[1], 2);
    assert_int_equal(d->exit_count[2], 0);
    if (nt_describe_write_table(d, csv, 0, 5, &err)) fail_msg("%s", err.msg);
    char *text = nt_test_slurp(csv);
    assert_string_equal(text, "month,n_observed,employed,earnings,on_benefit,on_index_benefit,in_program\n"
                              "0,3,0,0,1,1,0.3333333333\n"
                              "1,3,0,0,1,1,0.6666666667\n"
                              "2,2,0.5,1500,0.5,0.5,0\n"
                              "3,2,0.5,1500,0.5,0.5,0\n");
    free(text);
    nt_describe_free(d);
    nt_store_close(st);
    nt_cohort_free(c);
    fx_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
