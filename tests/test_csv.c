/* data/nt_csv: the streaming CSV reader (contract in data/nt_csv.h and the data
   contract, section 1). Fixtures are written inline to a temp folder. */
#include "tests/nt_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/nt_csv.h"

static char path[4096];

static nt_csv *open_text(const char *name, const char *text, size_t n, int cp1252)
{
    snprintf(path, sizeof path, "%s/%s", nt_test_dir("csv"), name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (n) assert_int_equal(fwrite(text, 1, n, fp), n);
    fclose(fp);
    nt_csv_opts o = {cp1252};
    nt_csv *c = NULL;
    nt_error err;
    assert_int_equal(nt_csv_open(path, &o, &c, &err), NT_OK);
    return c;
}

#define OPEN(text, cp) open_text("t.csv", text, sizeof(text) - 1, cp)

static void expect_field(nt_csv *c, int i, const char *want)
{
    size_t n;
    const char *f = nt_csv_field(c, i, &n);
    assert_non_null(f);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(f, want, n);
    assert_int_equal(f[n], 0);
}

static void test_delimiters(void **state)
{
    (void)state;
    nt_error err;
    nt_csv *c = OPEN("a,b,c\n1,2,3\n", 0);
    assert_string_equal(nt_csv_header(c, 1), "b");   /* split on ',' */
    assert_int_equal(nt_csv_header_count(c), 3);
    nt_csv_close(c);
    /* semicolon wins over the comma inside quotes and the one comma outside */
    c = OPEN("\"x,y,z\";b;c,d\n1,5;2;3\n", 0);
    assert_string_equal(nt_csv_header(c, 2), "c,d");   /* split on ';' */
    assert_int_equal(nt_csv_header_count(c), 3);
    assert_string_equal(nt_csv_header(c, 0), "x,y,z");
    assert_int_equal(nt_csv_next(c, &err), 1);
    expect_field(c, 0, "1,5");
    nt_csv_close(c);
    c = OPEN("a\tb\tc;d\n1\t2\t3\n", 0);
    assert_string_equal(nt_csv_header(c, 2), "c;d");   /* split on TAB */
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_count(c), 3);
    nt_csv_close(c);
    /* a single column: no candidate, ',' */
    c = OPEN("person_id\n1,2;3\n", 0);
    assert_int_equal(nt_csv_header_count(c), 1);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_count(c), 2);   /* split on ',' */
    expect_field(c, 1, "2;3");
    assert_int_equal(nt_csv_header_find(c, "PERSON_ID"), 0);
    assert_int_equal(nt_csv_header_find(c, "x"), -1);
    nt_csv_close(c);
}

static void test_quoting_lines(void **state)
{
    (void)state;
    nt_error err;
    /* header line 1, blank line 2, record at 3 spans 3-4, blank 5 (spaces),
       record 6 CRLF, record 7 without final newline */
    nt_csv *c = OPEN("\xEF\xBB\xBF Id ,Name\r\n\r\n1,\"two\nlines, \"\"q\"\"\"\n   \n2,plain\r\n3,\"\"", 0);
    assert_string_equal(nt_csv_header(c, 0), "Id");
    assert_int_equal(nt_csv_header_find(c, "id"), 0);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_line(c), 3);
    expect_field(c, 1, "two\nlines, \"q\"");
    size_t rn;
    const char *raw = nt_csv_raw(c, &rn);
    assert_int_equal(rn, strlen("1,\"two\nlines, \"\"q\"\"\""));
    assert_memory_equal(raw, "1,\"two\nlines, \"\"q\"\"\"", rn);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_line(c), 6);
    expect_field(c, 1, "plain");
    raw = nt_csv_raw(c, &rn);
    assert_int_equal(rn, 7);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_line(c), 7);
    expect_field(c, 0, "3");
    expect_field(c, 1, "");
    assert_int_equal(nt_csv_flags(c), 0);
    assert_int_equal(nt_csv_next(c, &err), 0);
    assert_int_equal(nt_csv_next(c, &err), 0);
    nt_csv_close(c);
}

static void test_empty_fields(void **state)
{
    (void)state;
    nt_error err;
    nt_csv *c = OPEN("a;b;c\n;;\n", 0);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_count(c), 3);
    for (int i = 0; i < 3; i++) expect_field(c, i, "");
    assert_null(nt_csv_field(c, 3, NULL));
    nt_csv_close(c);
    /* a last line of blanks without a line end is blank too */
    c = OPEN("a,b\n1,2\n  \t", 0);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_next(c, &err), 0);
    nt_csv_close(c);
    /* header only: valid, no records */
    c = OPEN("a,b\n", 0);
    assert_int_equal(nt_csv_next(c, &err), 0);
    nt_csv_close(c);
}

static void test_flags(void **state)
{
    (void)state;
    nt_error err;
    nt_csv *c = OPEN("a,b\nx\0y,1\ncaf\xc3\xa9,2\ncaf\xe9,3\n\xed\xa0\x80,4\n\xc0\xaf,5\n", 0);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_flags(c), NT_CSV_NUL);
    size_t n;
    nt_csv_field(c, 0, &n);
    assert_int_equal(n, 3);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_flags(c), 0);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_flags(c), NT_CSV_BAD_UTF8);
    assert_int_equal(nt_csv_next(c, &err), 1);   /* a surrogate */
    assert_int_equal(nt_csv_flags(c), NT_CSV_BAD_UTF8);
    assert_int_equal(nt_csv_next(c, &err), 1);   /* an overlong '/' */
    assert_int_equal(nt_csv_flags(c), NT_CSV_BAD_UTF8);
    nt_csv_close(c);
}

static void test_cp1252(void **state)
{
    (void)state;
    nt_error err;
    nt_csv *c = OPEN("a;b\ncaf\xe9;\x80 5\n\x81;x\n", 1);
    assert_int_equal(nt_csv_next(c, &err), 1);
    expect_field(c, 0, "caf\xc3\xa9");
    expect_field(c, 1, "\xe2\x82\xac 5");
    assert_int_equal(nt_csv_flags(c), 0);
    size_t rn;
    const char *raw = nt_csv_raw(c, &rn);
    assert_memory_equal(raw, "caf\xe9;\x80 5", rn);   /* raw stays as in the file */
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_flags(c), NT_CSV_BAD_UTF8);   /* 0x81 is undefined in cp1252 */
    nt_csv_close(c);
}

static void test_file_errors(void **state)
{
    (void)state;
    nt_error err;
    nt_csv *c = NULL;
    snprintf(path, sizeof path, "%s/empty.csv", nt_test_dir("csv"));
    nt_test_write(path, "");
    assert_int_equal(nt_csv_open(path, NULL, &c, &err), NT_EINPUT);
    assert_string_equal(err.file, path);
    assert_non_null(strstr(err.msg, "empty"));
    nt_test_write(path, "\n\n  \n");   /* blank lines only: no header either */
    assert_int_equal(nt_csv_open(path, NULL, &c, &err), NT_EINPUT);
    assert_int_equal(nt_csv_open("/nonexistent/x.csv", NULL, &c, &err), NT_EIO);
    assert_null(c);
    /* unterminated quote: the field starts on line 3 */
    c = OPEN("a,b\n1,2\n3,\"open\n4,5\n6,7\n", 0);
    assert_int_equal(nt_csv_next(c, &err), 1);
    assert_int_equal(nt_csv_next(c, &err), -1);
    assert_int_equal(err.status, NT_EINPUT);
    assert_int_equal(err.line, 3);
    assert_string_equal(err.column, "b");
    assert_string_equal(err.file, path);
    nt_csv_close(c);
}

/* Records and a field longer than the read block (1 MiB): the buffer moves
   and grows; lines and offsets stay right. */
static void test_large(void **state)
{
    (void)state;
    size_t big = 3u << 20;
    size_t cap = big + 4000000;
    char *t = malloc(cap);
    size_t n = (size_t)sprintf(t, "id,text\n");
    long lines = 1;
    for (int i = 0; i < 100000; i++) { n += (size_t)sprintf(t + n, "%d,row %d\n", i, i); lines++; }
    n += (size_t)sprintf(t + n, "big,\"");
    memset(t + n, 'x', big);
    n += big;
    n += (size_t)sprintf(t + n, "\"\nlast,1\n");
    nt_csv *c = open_text("big.csv", t, n, 0);
    nt_error err;
    for (int i = 0; i < 100000; i++) {
        assert_int_equal(nt_csv_next(c, &err), 1);
        assert_int_equal(nt_csv_line(c), i + 2);
        size_t fl;
        const char *f = nt_csv_field(c, 0, &fl);
        assert_int_equal(atoi(f), i);
    }
    assert_int_equal(nt_csv_next(c, &err), 1);
    size_t fl;
    nt_csv_field(c, 1, &fl);
    assert_int_equal(fl, big);
    assert_int_equal(nt_csv_line(c), lines + 1);
    assert_int_equal(nt_csv_next(c, &err), 1);
    expect_field(c, 0, "last");
    assert_int_equal(nt_csv_offset(c), (long long)n);
    assert_int_equal(nt_csv_next(c, &err), 0);
    nt_csv_close(c);
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delimiters),  cmocka_unit_test(test_quoting_lines),
        cmocka_unit_test(test_empty_fields), cmocka_unit_test(test_flags),
        cmocka_unit_test(test_cp1252),      cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_large),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
