/* data/nt_flat (flat CSV into typed columns) and data/nt_design (model matrices). */
#include "tests/nt_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
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
        cmocka_unit_test(test_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
