/* data/nt_flat (flat CSV into typed columns) and data/nt_design (model
   matrices: the categorical rule, exact-matching cells). */
#include "tests/nt_test.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_rng.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"

static const char *write_file(const char *name, const char *text)
{
    static char path[4200];
    nt_path_join(path, sizeof path, nt_test_dir(name), "f.csv");
    nt_test_write(path, text);
    return path;
}

static void test_flat_types_and_missing(void **state)
{
    (void)state;
    /* ';' wins the delimiter vote; "0363" stays text only because of the
       letter in row 3, NA and empty are missing; CRLF line ends. */
    const char *path = write_file("flat_types", "\xEF\xBB\xBFId;Treat;AGE;region;w\r\n"
                                                "1;0;30;0363;1.5\r\n"
                                                "2;1;NA;0344;2e-1\r\n"
                                                "3;1;41;x12;\r\n");
    nt_flat *f;
    nt_error err;
    assert_int_equal(nt_flat_read(path, &f, &err), NT_OK);
    assert_int_equal(f->n_rows, 3);
    assert_int_equal(f->n_cols, 5);
    assert_int_equal(nt_flat_find(f, "age"), 2);
    assert_true(f->cols[2].is_numeric);
    assert_true(isnan(f->cols[2].num[1]));
    assert_false(f->cols[3].is_numeric);
    assert_string_equal(f->cols[3].str[0], "0363");
    expect_near(f->cols[4].num[1], 0.2, 1e-15);
    assert_null(f->cols[4].str[2]);
    assert_int_equal(f->line[2], 4);
    int j;
    assert_int_equal(nt_flat_require(f, "nope", &j, &err), NT_EINPUT);
    assert_string_equal(err.column, "nope");
    assert_int_equal(nt_flat_require_binary(f, 1, &err), NT_OK);
    nt_flat_free(f);
}

static void test_flat_binary_error_names_line(void **state)
{
    (void)state;
    const char *path = write_file("flat_binary", "y,d\n1,0\n2,2\n");
    nt_flat *f;
    nt_error err;
    assert_int_equal(nt_flat_read(path, &f, &err), NT_OK);
    assert_int_equal(nt_flat_require_binary(f, 1, &err), NT_EINPUT);
    char buf[1024];
    nt_error_format(&err, buf, sizeof buf);
    assert_non_null(strstr(buf, ":3: column d: found \"2\", expected 0 or 1"));
    nt_flat_free(f);
}

static void test_design_categories(void **state)
{
    (void)state;
    /* edu is text: levels high < low < mid bytewise, reference "high".
       grp is numeric but named grp:cat, so its levels are text in bytewise
       order "1" < "10" < "2", reference "1". Row 4 misses y and row 5 misses
       edu: both dropped. */
    const char *path = write_file("design_cat", "y,edu,grp,x\n"
                                                "1,low,1,0.5\n"
                                                "0,mid,2,1.5\n"
                                                "1,high,10,2.5\n"
                                                ",low,2,3.5\n"
                                                "0,,1,4.5\n"
                                                "0,mid,10,5.5\n");
    nt_flat *f;
    nt_error err;
    assert_int_equal(nt_flat_read(path, &f, &err), NT_OK);
    const char *vars[] = {"edu", "grp:cat", "x"};
    const char *req[] = {"y"};
    nt_design_opts o = {.intercept = 1, .reject_constant = 0};
    nt_design *d;
    assert_int_equal(nt_design_build(f, vars, 3, req, 1, &o, &d, &err), NT_OK);
    assert_int_equal(d->n, 4);
    assert_int_equal(d->n_dropped, 2);
    assert_int_equal(d->dropped_by[0], 1); /* edu */
    assert_int_equal(d->dropped_by[3], 1); /* y */
    assert_int_equal(d->p, 6);
    const char *terms[] = {"(Intercept)", "edu=low", "edu=mid", "grp=10", "grp=2", "x"};
    for (int j = 0; j < 6; j++) assert_string_equal(d->term[j], terms[j]);
    /* Kept rows 0,1,2,5: edu low mid high mid; grp 1 2 10 10. */
    const double expect[6][4] = {{1, 1, 1, 1}, {1, 0, 0, 0}, {0, 1, 0, 1}, {0, 0, 1, 1}, {0, 1, 0, 0}, {0.5, 1.5, 2.5, 5.5}};
    for (int j = 0; j < 6; j++)
        for (int i = 0; i < 4; i++) expect_near(d->x[j * d->n + i], expect[j][i], 0);
    assert_int_equal(d->row[3], 5);
    nt_design_free(d);
    nt_flat_free(f);
}

static void test_design_errors(void **state)
{
    (void)state;
    const char *path = write_file("design_err", "y,one,c\n1,a,5\n0,a,5\n");
    nt_flat *f;
    nt_error err;
    assert_int_equal(nt_flat_read(path, &f, &err), NT_OK);
    nt_design *d = NULL;
    const char *v1[] = {"one"};
    assert_int_equal(nt_design_build(f, v1, 1, NULL, 0, NULL, &d, &err), NT_EINPUT);
    assert_string_equal(err.column, "one");
    assert_non_null(strstr(err.msg, "one level"));
    const char *v2[] = {"c"};
    nt_design_opts o = {.intercept = 0, .reject_constant = 1};
    assert_int_equal(nt_design_build(f, v2, 1, NULL, 0, &o, &d, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "same value"));
    const char *v3[] = {"missing_col"};
    assert_int_equal(nt_design_build(f, v3, 1, NULL, 0, NULL, &d, &err), NT_EINPUT);
    assert_null(d);
    nt_flat_free(f);
}

/* The categorical rule with missing as its own level (store covariates):
   levels low, mid, high (reference low); rows mid, high, -, low, - give
   the columns edu=mid 1 0 0 0 0, edu=high 0 1 0 0 0, edu=missing 0 0 1 0 1.
   Without a missing row there is no missing column; with no level at all,
   missing is the reference and there is no column. Under "drop" a missing
   code is the caller's error. */
static void test_categorical_rule(void **state)
{
    (void)state;
    const char *lev[] = {"low", "mid", "high"};
    const int32_t code[] = {1, 2, -1, 0, -1};
    nt_design_block b;
    nt_error err;
    assert_int_equal(nt_design_categorical("edu", lev, 3, code, 5, NT_DESIGN_MISSING_LEVEL, &b, &err), NT_OK);
    assert_int_equal(b.p, 3);
    const char *terms[] = {"edu=mid", "edu=high", "edu=missing"};
    const double x[3][5] = {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}, {0, 0, 1, 0, 1}};
    for (int j = 0; j < 3; j++) {
        assert_string_equal(b.term[j], terms[j]);
        for (int i = 0; i < 5; i++) expect_near(b.x[j * 5 + i], x[j][i], 0);
    }
    nt_design_block_free(&b);
    assert_int_equal(nt_design_categorical("edu", lev, 3, code, 2, NT_DESIGN_MISSING_LEVEL, &b, &err), NT_OK);
    assert_int_equal(b.p, 2);
    nt_design_block_free(&b);
    const int32_t none[] = {-1, -1};
    assert_int_equal(nt_design_categorical("r", NULL, 0, none, 2, NT_DESIGN_MISSING_LEVEL, &b, &err), NT_OK);
    assert_int_equal(b.p, 0);
    nt_design_block_free(&b);
    assert_int_equal(nt_design_categorical("edu", lev, 3, code, 5, NT_DESIGN_MISSING_DROP, &b, &err), NT_EUSAGE);
    const int32_t out_of_range[] = {3};
    assert_int_equal(nt_design_categorical("edu", lev, 3, out_of_range, 1, NT_DESIGN_MISSING_LEVEL, &b, &err), NT_EUSAGE);
}

static int tuple_cmp(int32_t *const *code, int k, long i, long j)
{
    for (int c = 0; c < k; c++)
        if (code[c][i] != code[c][j]) return code[c][i] < code[c][j] ? -1 : 1;
    return 0;
}

/* Four exact-matching columns of 182, 250, 311 and 400 levels: the tuple
   space is 182 * 250 * 311 * 400 = 5,660,200,000 > 2^32 cells. The tuples
   (0,0,0,0) and (138,25,143,96) are 0 and ((138*250 + 25)*311 + 143)*400
   + 96 = 2^32 apart: a 32-bit product wraps them onto one cell. In 64
   bits they are two cells; ids are compact (0..ncells-1, each used) and
   follow the tuples' lexicographic order, so equal ids <=> equal tuples. */
static void test_exact_cells_beyond_32_bits(void **state)
{
    (void)state;
    enum { K = 4, N = 2000 };
    const int nlev[K] = {182, 250, 311, 400};
    int32_t *code[K];
    nt_rng r;
    nt_rng_init(&r, 20261129, 0);
    for (int c = 0; c < K; c++) {
        code[c] = malloc(N * sizeof **code);
        /* few distinct values per column in most rows, so cells repeat */
        for (long i = 0; i < N; i++)
            code[c][i] = (int32_t)(i % 3 ? nt_rng_below(&r, 4) : nt_rng_below(&r, (uint64_t)nlev[c]));
    }
    const int32_t a[K] = {0, 0, 0, 0}, b[K] = {138, 25, 143, 96}, top[K] = {181, 249, 310, 399};
    for (int c = 0; c < K; c++) { code[c][0] = a[c]; code[c][1] = b[c]; code[c][2] = top[c]; }
    uint64_t key_b = 0;
    for (int c = 0; c < K; c++) key_b = key_b * (uint64_t)nlev[c] + (uint64_t)b[c];
    assert_true(key_b == (1ull << 32));

    int32_t *cell = malloc(N * sizeof *cell);
    long ncells = -1;
    nt_error err;
    assert_int_equal(nt_design_cells((const int32_t *const *)code, nlev, K, N, cell, &ncells, &err), NT_OK);
    assert_int_not_equal(cell[0], cell[1]);
    assert_int_equal(cell[0], 0);               /* the smallest tuple */
    assert_int_equal(cell[2], ncells - 1);      /* the largest */
    char *used = calloc((size_t)ncells, 1);
    long distinct = 0;
    for (long i = 0; i < N; i++) {
        assert_true(cell[i] >= 0 && cell[i] < ncells);
        used[cell[i]] = 1;
        for (long j = 0; j < i; j++) {
            int t = tuple_cmp(code, K, i, j), u = (cell[i] > cell[j]) - (cell[i] < cell[j]);
            if (t != u) fail_msg("rows %ld, %ld: tuple order %d, cell order %d", i, j, t, u);
        }
    }
    for (long c = 0; c < ncells; c++) distinct += used[c];
    assert_int_equal(distinct, ncells);
    free(used);

    /* Beyond 64 bits: eight columns of 300 levels (300^8 > 2^63). */
    int32_t *code8[8];
    int nlev8[8];
    for (int c = 0; c < 8; c++) { code8[c] = code[c % K]; nlev8[c] = 300; }
    assert_int_equal(nt_design_cells((const int32_t *const *)code8, nlev8, 8, N, cell, &ncells, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "too many exact-match cells"));
    /* a code outside its levels is the caller's error */
    code[3][5] = 400;
    assert_int_equal(nt_design_cells((const int32_t *const *)code, nlev, K, N, cell, &ncells, &err), NT_EUSAGE);
    for (int c = 0; c < K; c++) free(code[c]);
    free(cell);
}

/* Cells of flat-file rows: values coded bytewise per column ("10" < "9"),
   cells in lexicographic order of (g, h) over the kept rows 0, 1, 3, 4:
   (9,b) (10,a) (9,b) (10,b) -> ids 2 0 2 1. */
static void test_exact_cells_flat(void **state)
{
    (void)state;
    const char *path = write_file("design_cells", "g,h\n9,b\n10,a\n,a\n9,b\n10,b\n");
    nt_flat *f;
    nt_error err;
    assert_int_equal(nt_flat_read(path, &f, &err), NT_OK);
    const int cols[2] = {0, 1};
    const long row[4] = {0, 1, 3, 4};
    int32_t cell[4];
    long ncells;
    assert_int_equal(nt_design_cells_flat(f, cols, 2, row, 4, cell, &ncells, &err), NT_OK);
    assert_int_equal(ncells, 3);
    const int32_t want[4] = {2, 0, 2, 1};
    for (int i = 0; i < 4; i++) assert_int_equal(cell[i], want[i]);
    const long with_missing[2] = {0, 2};
    assert_int_equal(nt_design_cells_flat(f, cols, 2, with_missing, 2, cell, &ncells, &err), NT_EUSAGE);
    nt_flat_free(f);
}

static void test_words(void **state)
{
    (void)state;
    char **w;
    int n = nt_words_split(" age, sex ,education,, ", &w);
    assert_int_equal(n, 3);
    assert_string_equal(w[1], "sex");
    nt_words_free(w, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flat_types_and_missing),
        cmocka_unit_test(test_flat_binary_error_names_line),
        cmocka_unit_test(test_design_categories),
        cmocka_unit_test(test_design_errors),
        cmocka_unit_test(test_categorical_rule),
        cmocka_unit_test(test_exact_cells_beyond_32_bits),
        cmocka_unit_test(test_exact_cells_flat),
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
