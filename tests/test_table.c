/* report/nt_table (CSV/Markdown/LaTeX, disclosure control) and report/nt_manifest. */
#include "tests/nt_test.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_manifest.h"
#include "report/nt_table.h"

static const char *cols[] = {"outcome", "month", "estimate", "se", "n_treated", "n_control"};
static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT};

static nt_table *sample(void)
{
    nt_table *t = nt_table_alloc(cols, kinds, 6);
    assert_non_null(t);
    /* Row 1 rests on 25 treated: nothing hidden. */
    assert_int_equal(nt_table_add_row(t), 0);
    nt_table_set_str(t, "outcome", "employed");
    nt_table_set_int(t, "month", 0);
    nt_table_set_num(t, "estimate", -0.0312345678912);
    nt_table_set_num(t, "se", 0.01);
    nt_table_set_int(t, "n_treated", 25);
    nt_table_set_int(t, "n_control", 400);
    nt_table_set_basis(t, 25);
    /* Row 2 rests on 4 treated: statistics and the small count go. */
    assert_int_equal(nt_table_add_row(t), 0);
    nt_table_set_str(t, "outcome", "earnings, gross"); /* needs quoting */
    nt_table_set_int(t, "month", 1);
    nt_table_set_num(t, "estimate", 120.5);
    nt_table_set_num(t, "se", NAN);
    nt_table_set_int(t, "n_treated", 4);
    nt_table_set_int(t, "n_control", 0);
    nt_table_set_basis(t, 4);
    return t;
}

static void test_csv_plain_and_disclosure(void **state)
{
    (void)state;
    nt_table *t = sample();
    const char *dir = nt_test_dir("table_csv");
    char path[4200];
    nt_error err;
    nt_path_join(path, sizeof path, dir, "plain.csv");
    assert_int_equal(nt_table_write_csv(t, path, 0, &err), NT_OK);
    char *text = nt_test_slurp(path);
    assert_string_equal(text, "outcome,month,estimate,se,n_treated,n_control\n"
                              "employed,0,-0.03123456789,0.01,25,400\n"
                              "\"earnings, gross\",1,120.5,,4,0\n");
    free(text);
    nt_path_join(path, sizeof path, dir, "sdc.csv");
    assert_int_equal(nt_table_write_csv(t, path, 10, &err), NT_OK);
    text = nt_test_slurp(path);
    /* min_cell 10: row 2's statistics and its count 4 are emptied; the zero
       count stays: nobody is nothing to protect (issue 11: a level without
       persons must not look like a suppressed one to secondary suppression). */
    assert_string_equal(text, "outcome,month,estimate,se,n_treated,n_control,suppressed\n"
                              "employed,0,-0.03123456789,0.01,25,400,\n"
                              "\"earnings, gross\",1,,,,0,estimate|n_treated\n");
    free(text);
    nt_table_free(t);
}

/* Rounded counts, a cell's own basis, and what the writers suppress by reason. */
static void test_round_and_reasons(void **state)
{
    (void)state;
    nt_table *t = sample();
    /* Row 3: 158 treated, a share of 2/158 with the level: only that cell goes. */
    assert_int_equal(nt_table_add_row(t), 0);
    nt_table_set_str(t, "outcome", "on_benefit");
    nt_table_set_int(t, "month", 2);
    nt_table_set_num(t, "estimate", 2.0 / 158);
    nt_table_set_num(t, "se", 0.5);
    nt_table_set_int(t, "n_treated", 158);
    nt_table_set_int(t, "n_control", 402);
    nt_table_set_basis(t, 158);
    nt_table_limit_cell(t, "estimate", nt_disclose_share_basis(2.0 / 158, 158), NT_WHY_SHARE);
    nt_table_set_round(t, 5);
    const char *dir = nt_test_dir("table_round");
    char path[4200];
    nt_error err;
    nt_path_join(path, sizeof path, dir, "r.csv");
    assert_int_equal(nt_table_write_csv(t, path, 10, &err), NT_OK);
    char *text = nt_test_slurp(path);
    assert_string_equal(text, "outcome,month,estimate,se,n_treated,n_control,suppressed\n"
                              "employed,0,-0.03123456789,0.01,25,400,\n"
                              "\"earnings, gross\",1,,,,0,estimate|n_treated\n"
                              "on_benefit,2,,0.5,160,400,estimate\n");
    free(text);
    long cells[NT_WHY_N], rows;
    nt_table_disclosure_counts(t, 10, cells, &rows);
    assert_int_equal(rows, 2);
    assert_int_equal(cells[NT_WHY_PERSONS], 2); /* row 2: estimate, n_treated (its n_control is 0) */
    assert_int_equal(cells[NT_WHY_SHARE], 1);
    assert_int_equal(nt_table_rows(t), 3);
    /* min_cell 0: exact counts, nothing suppressed. */
    nt_path_join(path, sizeof path, dir, "r0.csv");
    assert_int_equal(nt_table_write_csv(t, path, 0, &err), NT_OK);
    text = nt_test_slurp(path);
    assert_non_null(strstr(text, "on_benefit,2,0.01265822785,0.5,158,402\n"));
    free(text);
    nt_table_free(t);
}

/* Issue 11: a total and three levels of age; 55-65 has 6 persons, so the
   total minus the other two would give it: the next-smallest level (40-54,
   30 persons) goes too, as a whole row, and a level of another variable
   stays. Means print at their step: 2/158 on 158 persons as 0.01. */
static void test_secondary_and_step(void **state)
{
    (void)state;
    static const char *cols[] = {"program", "subgroup", "month", "estimate", "se", "n_treated"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_MEAN, NT_COL_STAT, NT_COL_COUNT};
    static const char *group[] = {"", "age=18-39", "age=40-54", "age=55-65", "sex=F"};
    static const long n[] = {158, 122, 30, 6, 80};
    nt_table *t = nt_table_alloc(cols, kinds, 6);
    nt_table_set_margin(t, "subgroup", NULL);
    nt_table_set_round(t, 5);
    for (int g = 0; g < 5; g++) {
        assert_int_equal(nt_table_add_row(t), 0);
        nt_table_set_str(t, "program", "any");
        nt_table_set_str(t, "subgroup", group[g]);
        nt_table_set_int(t, "month", 0);
        nt_table_set_num(t, "estimate", 2.0 / 158);
        nt_table_set_num(t, "se", 0.0123456789);
        nt_table_set_int(t, "n_treated", n[g]);
        nt_table_set_basis(t, n[g]);
    }
    const char *dir = nt_test_dir("table_secondary");
    char path[4200];
    nt_error err;
    nt_path_join(path, sizeof path, dir, "s.csv");
    assert_int_equal(nt_table_write_csv(t, path, 10, &err), NT_OK);
    char *text = nt_test_slurp(path);
    assert_string_equal(text, "program,subgroup,month,estimate,se,n_treated,suppressed\n"
                              "any,,0,0.01,0.0123456789,160,\n"
                              "any,age=18-39,0,0.01,0.0123456789,120,\n"
                              "any,age=40-54,0,,,,estimate|se|n_treated\n"
                              "any,age=55-65,0,,,,estimate|se|n_treated\n"
                              "any,sex=F,0,0.02,0.0123456789,80,\n"); /* 1/75: a step of 0.02 */
    free(text);
    assert_int_equal(nt_table_shown(t, 2, "estimate", 10), 0);
    assert_int_equal(nt_table_shown(t, 1, "estimate", 10), 1);
    assert_int_equal(nt_table_row_basis(t, 2), 30);
    long cells[NT_WHY_N], rows;
    nt_table_disclosure_counts(t, 10, cells, &rows);
    assert_int_equal(cells[NT_WHY_SECONDARY], 3);
    assert_int_equal(cells[NT_WHY_PERSONS], 3);
    /* min_cell 0: everything, exactly. */
    nt_path_join(path, sizeof path, dir, "s0.csv");
    assert_int_equal(nt_table_write_csv(t, path, 0, &err), NT_OK);
    text = nt_test_slurp(path);
    assert_non_null(strstr(text, "any,age=40-54,0,0.01265822785,0.0123456789,30\n"));
    free(text);
    nt_table_free(t);
}

/* Issue 11, the demo's withheld whole-cohort earnings: a level (low, 6
   persons) is suppressed; the other levels have no break-even interval
   (NaN) but persons. The break-even interval is no sum of the levels', and
   a level without a number is an unknown part: the total stays; the
   cumulative effect (additive) takes the smallest shown level (high) as
   well, counted as secondary. A level without persons is no part: with
   only it beside the suppressed one, the total is the suppressed level. */
static void test_secondary_additive(void **state)
{
    (void)state;
    static const char *cols[] = {"program", "subgroup", "horizon_months", "cumulative_effect", "breakeven_ci_upper",
                                 "n_treated"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_MEAN, NT_COL_STAT, NT_COL_COUNT};
    static const char *group[] = {"", "education=low", "education=mid", "education=high", "emp=0", "emp=1"};
    static const long n[] = {200, 6, 100, 94, 200, 0};
    static const double be[] = {40, 30, NAN, NAN, 40, NAN};
    nt_table *t = nt_table_alloc(cols, kinds, 6);
    nt_table_set_margin(t, "subgroup", NULL);
    nt_table_set_round(t, 5);
    for (int g = 0; g < 6; g++) {
        assert_int_equal(nt_table_add_row(t), 0);
        nt_table_set_str(t, "program", "workfirst");
        nt_table_set_str(t, "subgroup", group[g]);
        nt_table_set_int(t, "horizon_months", 96);
        nt_table_set_num(t, "cumulative_effect", n[g] ? 1234.5 : NAN);
        nt_table_set_num(t, "breakeven_ci_upper", be[g]);
        nt_table_set_int(t, "n_treated", n[g]);
        nt_table_set_basis(t, n[g]);
    }
    const char *dir = nt_test_dir("table_additive");
    char path[4200];
    nt_error err;
    nt_path_join(path, sizeof path, dir, "a.csv");
    assert_int_equal(nt_table_write_csv(t, path, 10, &err), NT_OK);
    char *text = nt_test_slurp(path);
    assert_string_equal(text, "program,subgroup,horizon_months,cumulative_effect,breakeven_ci_upper,n_treated,suppressed\n"
                              "workfirst,,96,1234.50,40,200,\n"
                              "workfirst,education=low,96,,,,cumulative_effect|breakeven_ci_upper|n_treated\n"
                              "workfirst,education=mid,96,1234.50,,100,\n"
                              "workfirst,education=high,96,,,,cumulative_effect|n_treated\n"
                              "workfirst,emp=0,96,1234.50,40,200,\n"
                              "workfirst,emp=1,96,,,0,\n");
    free(text);
    long cells[NT_WHY_N], rows;
    nt_table_disclosure_counts(t, 10, cells, &rows);
    assert_int_equal(cells[NT_WHY_PERSONS], 3);   /* low: its own basis */
    assert_int_equal(cells[NT_WHY_SECONDARY], 2); /* high: the true reason */
    assert_int_equal(rows, 2);
    nt_table_free(t);
    /* A level without persons beside the suppressed one: the total goes. */
    t = nt_table_alloc(cols, kinds, 6);
    nt_table_set_margin(t, "subgroup", NULL);
    static const char *g2[] = {"", "age=18-39", "age=40-65"};
    static const long n2[] = {6, 6, 0};
    for (int g = 0; g < 3; g++) {
        assert_int_equal(nt_table_add_row(t), 0);
        nt_table_set_str(t, "program", "any");
        nt_table_set_str(t, "subgroup", g2[g]);
        nt_table_set_int(t, "horizon_months", 12);
        nt_table_set_num(t, "cumulative_effect", n2[g] ? 1.5 : NAN);
        nt_table_set_int(t, "n_treated", n2[g]);
        nt_table_set_basis(t, g ? n2[g] : 50); /* the total on more persons of another kind */
    }
    assert_int_equal(nt_table_shown(t, 1, "cumulative_effect", 10), 0);
    assert_int_equal(nt_table_shown(t, 0, "cumulative_effect", 10), 0);
    nt_table_disclosure_counts(t, 10, cells, &rows);
    assert_true(cells[NT_WHY_SECONDARY] >= 1);
    nt_table_free(t);
}

static void test_manifest(void **state)
{
    (void)state;
    const char *dir = nt_test_dir("manifest");
    char in[4200], path[4200];
    nt_path_join(in, sizeof in, dir, "in.csv");
    nt_test_write(in, "a,b\n");
    nt_path_join(path, sizeof path, dir, "manifest.json");
    char *argv[] = {"netto", "match", "--seed", "7"};
    nt_manifest *m = nt_manifest_alloc(4, argv);
    nt_error err;
    nt_manifest_setting_str(m, "estimator", "method", "nn");
    nt_manifest_setting_num(m, "estimator", "neighbors", 1);
    nt_manifest_setting_bool(m, NULL, "replace", 0);
    assert_int_equal(nt_manifest_add_input(m, in, &err), NT_OK);
    nt_manifest_set_seed(m, 7);
    nt_manifest_set_threads(m, 2);
    nt_manifest_timing(m, "match", 0.5);
    nt_manifest_timing(m, "match", 0.25);
    nt_manifest_count(m, "rows_dropped_missing", 3);
    nt_manifest_warning(m, "%d treated had no control within the caliper", 2);
    nt_manifest_disclosure(m, 10, 1);
    assert_int_equal(nt_manifest_write(m, path, &err), NT_OK);
    nt_manifest_free(m);
    char *text = nt_test_slurp(path);
    cJSON *j = cJSON_Parse(text);
    assert_non_null(j);
    const char *keys[] = {"tool_version", "command", "settings", "inputs", "seed", "threads", "started",
                          "finished", "timings", "platform", "warnings", "disclosure"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        assert_non_null(cJSON_GetObjectItemCaseSensitive(j, keys[k]));
    cJSON *est = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "settings"), "estimator");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(est, "method")->valuestring, "nn");
    cJSON *input = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "inputs"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(input, "sha256")->valuestring,
                        "5be08c9684a1d25efcee09318204824278b08bbfb4aef973ffefd0b9d7478313");
    expect_near(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "timings"), "match")->valuedouble, 0.75, 1e-12);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "warnings")), 1);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "disclosure"), "cleared_for_export")));
    cJSON_Delete(j);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_plain_and_disclosure),
        cmocka_unit_test(test_round_and_reasons),
        cmocka_unit_test(test_secondary_and_step),
        cmocka_unit_test(test_secondary_additive),
        cmocka_unit_test(test_manifest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
