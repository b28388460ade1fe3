/* core/: dates, RNG streams, atomic output files, error formatting. */
#include "tests/nt_test.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/nt_date.h"
#include "core/nt_error.h"
#include "core/nt_exit.h"
#include "core/nt_file.h"
#include "core/nt_file_kind.h"
#include "core/nt_reject.h"
#include "core/nt_rng.h"
#include "core/nt_series.h"

static void test_dates(void **state)
{
    (void)state;
    assert_int_equal(nt_day_from_ymd(1970, 1, 1), 0);
    assert_int_equal(nt_day_from_ymd(2000, 3, 1), 11017);    /* 2000 is a leap year */
    assert_int_equal(nt_day_from_ymd(1900, 3, 1) - nt_day_from_ymd(1900, 2, 28), 1); /* 1900 is not */
    nt_day d;
    assert_int_equal(nt_date_parse("2003-02-28", 10, &d), 0);
    assert_int_equal(nt_date_parse("20030228", 8, &d), 0);
    assert_int_not_equal(nt_date_parse("2003-02-30", 10, &d), 0);
    assert_int_not_equal(nt_date_parse("2003-2-28", 9, &d), 0);
    assert_int_not_equal(nt_date_parse("2003x02x28", 10, &d), 0);
    assert_int_equal(nt_date_parse("2004-02-29", 10, &d), 0);
    int y, m, dd;
    for (nt_day t = -800000; t < 800000; t += 7919) {
        nt_day_to_ymd(t, &y, &m, &dd);
        assert_int_equal(nt_day_from_ymd(y, m, dd), t);
    }
    int mon;
    assert_int_equal(nt_month_parse("2003-12", 7, &mon), 0);
    assert_int_equal(mon, 2003 * 12 + 11);
    assert_int_equal(nt_month_last_day(mon), nt_day_from_ymd(2003, 12, 31));
    assert_int_equal(nt_month_of_day(nt_day_from_ymd(2004, 2, 29)), 2004 * 12 + 1);
    char buf[16];
    nt_day_format(nt_day_from_ymd(9999, 12, 31), buf);
    assert_string_equal(buf, "9999-12-31");
}

static void test_rng_streams(void **state)
{
    (void)state;
    nt_rng a, b, c;
    nt_rng_init(&a, 42, 7);
    nt_rng_init(&b, 42, 7);
    nt_rng_init(&c, 42, 8);
    int same_ab = 1, same_ac = 1;
    for (int i = 0; i < 100; i++) {
        uint64_t x = nt_rng_u64(&a), y = nt_rng_u64(&b), z = nt_rng_u64(&c);
        same_ab &= x == y;
        same_ac &= x == z;
    }
    assert_true(same_ab);
    assert_false(same_ac);
    /* Mean and variance of 200k normals: SE of the mean 1/sqrt(n) = 0.0022,
       of the variance sqrt(2/n) = 0.0032; 4 SE bounds. */
    double s = 0, s2 = 0, u = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        double z = nt_rng_normal(&a);
        s += z;
        s2 += z * z;
        u += nt_rng_uniform(&b);
    }
    expect_near(s / n, 0.0, 4 * 0.0022);
    expect_near(s2 / n - (s / n) * (s / n), 1.0, 4 * 0.0032);
    expect_near(u / n, 0.5, 4 * 0.2887 / 447.2);
    for (int i = 0; i < 1000; i++) assert_true(nt_rng_below(&c, 3) < 3);
}

static void test_outfile_atomic(void **state)
{
    (void)state;
    const char *dir = nt_test_dir("core_outfile");
    char path[4200];
    nt_path_join(path, sizeof path, dir, "t.csv");
    nt_error err;
    nt_outfile f;
    assert_int_equal(nt_outfile_open(&f, path, &err), NT_OK);
    fputs("a,b\n", f.fp);
    struct stat st;
    assert_int_not_equal(stat(path, &st), 0); /* not there until committed */
    assert_int_equal(nt_outfile_commit(&f, &err), NT_OK);
    assert_int_equal(stat(path, &st), 0);
    char hex[65];
    assert_int_equal(nt_file_sha256(path, hex, &err), NT_OK);
    /* sha256("a,b\n") computed with sha256sum. */
    assert_string_equal(hex, "5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313");
    /* a second writer replaces the file only when it commits */
    assert_int_equal(nt_outfile_open(&f, path, &err), NT_OK);
    fputs("c,d\n", f.fp);
    assert_int_equal(nt_file_sha256(path, hex, &err), NT_OK);
    assert_string_equal(hex, "5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313");
    assert_int_equal(nt_outfile_commit(&f, &err), NT_OK);
    assert_true(nt_dir_nonempty(dir));
}

static void test_error_format(void **state)
{
    (void)state;
    nt_error err;
    char buf[1024];
    nt_fail_at(&err, NT_EINPUT, "benefits.csv", 1873, "end_date", "found \"%s\", expected a date", "2003-02-30");
    nt_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "benefits.csv:1873: column end_date: found \"2003-02-30\", expected a date");
    nt_fail(&err, NT_EUSAGE, "bad option");
    nt_error_format(&err, buf, sizeof buf);
    assert_string_equal(buf, "bad option");
}

/* The vocabulary tables: every code has a distinct name that finds it
   again, the codes outside a table have none, and the words are the
   store's and the data contract's (they are part of the store format). */
static void test_vocabularies(void **state)
{
    (void)state;
    const char *series[] = {"employed", "earnings", "on_benefit", "on_index_benefit", "in_program"};
    assert_int_equal(NT_SERIES_N, 5);
    for (int s = 0; s < NT_SERIES_N; s++) {
        assert_string_equal(nt_series_name((nt_series)s), series[s]);
        assert_int_equal(nt_series_find(series[s]), s);
        assert_int_equal(nt_series_less_is_better((nt_series)s), s == NT_SERIES_ON_BENEFIT || s == NT_SERIES_ON_INDEX_BENEFIT);
    }
    assert_null(nt_series_name(NT_SERIES_N));
    assert_int_equal(nt_series_find("Employed"), -1);
    assert_int_equal(nt_series_less_is_better((nt_series)-1), 0);

    const char *reasons[] = {"missing_value", "bad_date", "bad_number", "negative_money", "bad_code",
                             "end_before_start", "unknown_person", "duplicate_person", "column_count",
                             "nul_byte", "invalid_utf8", "born_after_inflow", "merged"};
    assert_int_equal(NT_REJECT_N, 12);
    for (int r = 0; r <= NT_REJECT_MERGED; r++) assert_string_equal(nt_reject_reason_name((nt_reject_reason)r), reasons[r]);
    assert_string_equal(nt_reject_reason_name((nt_reject_reason)(NT_REJECT_MERGED + 1)), "unknown");

    const char *files[] = {"persons", "benefits", "programs", "jobs"};
    assert_int_equal(NT_FILE_N, 4);
    for (int f = 0; f < NT_FILE_N; f++) assert_string_equal(nt_file_kind_name((nt_file_kind)f), files[f]);
    assert_null(nt_file_kind_name(NT_FILE_N));

    const char *exits[] = {"work", "censored", "other"};
    assert_int_equal(NT_EXIT_WORK, 1);
    for (int e = 1; e <= NT_EXIT_N; e++) {
        assert_string_equal(nt_exit_name((nt_exit)e), exits[e - 1]);
    }
    assert_null(nt_exit_name((nt_exit)0));
    assert_null(nt_exit_name((nt_exit)(NT_EXIT_N + 1)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_rng_streams),
        cmocka_unit_test(test_outfile_atomic),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_vocabularies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
