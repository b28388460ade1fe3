/* report/nt_disclose (the one disclosure rule) and the regression of issue
   10: a study whose summary.csv and plots disagreed about break-even.
   `netto simulate --persons 2000 --seed 2` with min_cell = 29: for
   loonkostensubsidie, emp_prev12 = 1-12, employed, summary.csv gave
   break-even month 0 at the 96-month horizon (its basis was month 0's 29
   persons) while the plot said "no break-even within 96 months" (it dropped
   months 38.. resting on fewer than 29 persons and so had no cumulative
   effect). Both now ask nt_disclose with the window's basis: the figure is
   suppressed in the table and the plot says it is not shown; without
   disclosure control both say month 0. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "datasets/nt_simulate.h"
#include "report/nt_disclose.h"
#include "report/nt_lang.h"
#include "report/nt_plot.h"
#include "study/nt_run.h"
#include "study/nt_run_parts.h"
#include "study/nt_study.h"

static void test_rule(void **state)
{
    (void)state;
    assert_int_equal(nt_disclose_basis(29, 1182), 29);
    assert_int_equal(nt_disclose_basis(400, 12), 12);
    assert_true(nt_disclose_stat(29, 29));
    assert_false(nt_disclose_stat(28, 29));
    assert_true(nt_disclose_stat(0, 0)); /* min_cell 0: no control */
    /* Counts: 0 or >= min_cell, and only with their row's statistics. */
    assert_true(nt_disclose_count(0, 50, 10));
    assert_false(nt_disclose_count(4, 50, 10));
    assert_true(nt_disclose_count(10, 50, 10));
    assert_false(nt_disclose_count(400, 9, 10));
    assert_true(nt_disclose_count(4, 0, 0));
    assert_true(nt_disclose_count(0, 0, 10)); /* nobody: shown even where the row is not */

    /* Paths: a month the table suppressed is not drawn; a cumulative path
       stops at the first (a month without a number does not count). */
    unsigned char hid[6] = {0, 0, 1, 0, 0, 0};
    double x[6] = {1, 2, 3, 4, NAN, 6}, out[6];
    nt_disclose_path(x, hid, 6, 0, out);
    assert_true(out[0] == 1 && out[1] == 2 && isnan(out[2]) && out[3] == 4 && isnan(out[4]) && out[5] == 6);
    nt_disclose_path(x, hid, 6, 1, out);
    assert_true(out[0] == 1 && out[1] == 2 && isnan(out[2]) && isnan(out[3]) && isnan(out[5]));
    unsigned char none[6] = {0};
    nt_disclose_path(x, none, 6, 1, out);
    for (int t = 0; t < 6; t++) assert_true(t == 4 ? isnan(out[t]) : out[t] == x[t]);
}

/* Issue 11, what remained: the controls actually used and their effective
   number, dominance, the printing step, secondary suppression. */
static void test_rules_more(void **state)
{
    (void)state;
    /* 20 treated matched to 12 controls, one of them 9 times: v = 9/20 and
       11 x 1/20, sum v^2 = (81 + 11) / 400; Kish n_eff = 400 / 92 = 4.3. */
    assert_int_equal(nt_disclose_controls(12, 92.0 / 400), 4);
    assert_int_equal(nt_disclose_controls(12, 1.0 / 12), 12); /* equal weights: the count */
    assert_int_equal(nt_disclose_controls(3, 0), 3);
    /* Pooled over two start months of 20 equal controls each, half the
       treated each: if they are the same persons n_eff is 20, if distinct
       40; the bound: 1 / (2 x 0.25 / 20 + 2 x 0.25 x 0.05) = 20. */
    double pi[3] = {0.5, 0.5, 0}, w2[3] = {0.05, 0.05, 1}, wmax[3] = {0.05, 0.05, 1};
    assert_int_equal(nt_disclose_pooled_controls(pi, w2, wmax, 3), 20);
    double pi1[1] = {1}, w21[1] = {0.125}, wm1[1] = {0.125};
    assert_int_equal(nt_disclose_pooled_controls(pi1, w21, wm1, 1), 8);
    double pi0[1] = {0};
    assert_true(nt_disclose_pooled_controls(pi0, w21, wm1, 1) == LONG_MAX);
    /* Dominance (1, 50 %) and (2, 75 %): earnings 9000, 500, 500 -> 90 %. */
    assert_true(nt_disclose_dominated(10000, 9000, 500, 50, 75));
    assert_true(nt_disclose_dominated(10000, 4000, 3600, 50, 75));  /* two largest 76 % */
    assert_false(nt_disclose_dominated(10000, 4000, 3500, 50, 75)); /* 40 %, 75 % */
    assert_false(nt_disclose_dominated(10000, 9000, 500, 0, 0));    /* off */
    assert_false(nt_disclose_dominated(0, 0, 0, 50, 75));
    /* Step: at least 1 / (basis - base), 1-2-5. */
    expect_near(nt_disclose_step(158, 10, 5), 0.01, 1e-15);  /* 1/153 = 0.0065 */
    expect_near(nt_disclose_step(40, 10, 5), 0.05, 1e-15);   /* 1/35 = 0.029 */
    expect_near(nt_disclose_step(10, 10, 5), 0.2, 1e-15);    /* 1/5 */
    expect_near(nt_disclose_step(15, 10, 5), 0.1, 1e-15);    /* 1/10 */
    expect_near(nt_disclose_step(2000, 10, 5), 0.001, 1e-15); /* 1/1995 > 0.0005 */
    expect_near(nt_disclose_step(2005, 10, 5), 0.0005, 1e-15);
    assert_true(nt_disclose_step(158, 0, 5) == 0);           /* no control: exact */
    assert_true(nt_disclose_step(LONG_MAX, 10, 5) == 0);
    /* 2/158 printed at its step is consistent with every n of 156..160. */
    double st = nt_disclose_step(158, 10, 5), p = floor(2.0 / 158 / st + 0.5) * st;
    for (int n = 156; n <= 160; n++) {
        int found = 0;
        for (int c = 0; c <= n; c++) found |= fabs((double)c / n - p) <= st / 2 + 1e-12;
        assert_true(found);
    }
    /* Secondary: one suppressed level -> the smallest shown one too. */
    enum { N = NT_PART_NONE, S = NT_PART_SHOWN, X = NT_PART_SUPPRESSED, Y = NT_PART_SECONDARY,
           EF = NT_PART_EMPTY_FEW, E = NT_PART_EMPTY, RF = NT_PART_REST_FEW, R = NT_PART_REST };
    unsigned char s1[3] = {X, S, S}, s2[3] = {X, X, S}, s3[2] = {X, N}, s4[2] = {X, R}, s5[3] = {S, S, N};
    long z[4] = {15, 40, 30, 5};
    assert_int_equal(nt_disclose_secondary(s1, z, 3, 10), 2);
    assert_int_equal(nt_disclose_secondary(s2, z, 3, 10), -1);
    assert_int_equal(nt_disclose_secondary(s3, z, 2, 10), 2);  /* no shown level: the total */
    assert_int_equal(nt_disclose_secondary(s4, z, 2, 10), -1); /* a single level: its complement is not published */
    assert_int_equal(nt_disclose_secondary(s5, z, 3, 10), -1);
    /* A level with persons but no number is an unknown part of the total
       (issue 11: a break-even missing in the other levels never takes the
       total); a level without persons is no part: the total is the level. */
    unsigned char s6[3] = {X, E, S}, s7[3] = {X, E, N}, s8[3] = {X, N, N}, s9[3] = {E, S, S};
    assert_int_equal(nt_disclose_secondary(s6, z, 3, 10), -1);
    assert_int_equal(nt_disclose_secondary(s7, z, 3, 10), -1);
    assert_int_equal(nt_disclose_secondary(s8, z, 3, 10), 3);
    assert_int_equal(nt_disclose_secondary(s9, z, 3, 10), -1); /* nothing suppressed */
    /* A partner of fewer than min_cell persons (a remainder of 5 left out
       of the levels) protects nothing, and must itself be protected; a
       level suppressed secondarily needs nothing of its own. */
    unsigned char s10[4] = {X, S, S, RF}, s11[4] = {S, S, S, RF}, s12[4] = {Y, S, X, RF}, s13[4] = {X, S, EF, N};
    assert_int_equal(nt_disclose_secondary(s10, z, 4, 10), 2);
    assert_int_equal(nt_disclose_secondary(s11, z, 4, 10), 0);
    assert_int_equal(nt_disclose_secondary(s12, z, 4, 10), -1);
    long z13[4] = {15, 40, 5, 0};
    assert_int_equal(nt_disclose_secondary(s13, z13, 4, 10), 1); /* 15 and 5 persons: the 15 has no partner */
}

/* Issue 11's rules beyond the basis: shares, rounding, texts, clearance. */
static void test_export_rules(void **state)
{
    (void)state;
    /* A share of 2/158 is 2 persons; 1 - share is the others. */
    assert_int_equal(nt_disclose_share_basis(2.0 / 158, 158), 2);
    assert_int_equal(nt_disclose_share_basis(150.0 / 158, 158), 8);
    assert_int_equal(nt_disclose_share_basis(0.5, 40), 20);
    assert_int_equal(nt_disclose_share_basis(0, 500), 0); /* nobody with the level: group disclosure */
    assert_int_equal(nt_disclose_share_basis(NAN, 30), 30);
    /* Counts rounded to the base, only with disclosure control. */
    assert_true(nt_disclose_round(158, 10, 5) == 160);
    assert_true(nt_disclose_round(157, 10, 5) == 155);
    assert_true(nt_disclose_round(12, 10, 5) == 10);
    assert_true(nt_disclose_round(0, 10, 5) == 0);
    assert_true(nt_disclose_round(158, 0, 5) == 158);
    assert_true(nt_disclose_round(158, 10, 1) == 158);
    assert_true(nt_disclose_round(15, 10, 10) == 20); /* halves up */
    char buf[32];
    nt_disclose_count_text(2, 10, 5, buf, sizeof buf);
    assert_string_equal(buf, "< 10");
    nt_disclose_count_text(0, 10, 5, buf, sizeof buf);
    assert_string_equal(buf, "0");
    nt_disclose_count_text(158, 10, 5, buf, sizeof buf);
    assert_string_equal(buf, "160");
    nt_disclose_count_text(2, 0, 5, buf, sizeof buf);
    assert_string_equal(buf, "2");
    /* Consecutive counts 158, 157, 152 published: no exact difference. */
    assert_true(nt_disclose_round(158, 10, 5) - nt_disclose_round(157, 10, 5) == 5);
    assert_true(nt_disclose_round(157, 10, 5) - nt_disclose_round(156, 10, 5) == 0);
    /* Clearance: at least 10 and rounded. */
    assert_null(nt_disclose_settings_check(10, 5, 50, 75));
    assert_non_null(nt_disclose_settings_check(0, 5, 50, 75));
    assert_non_null(nt_disclose_settings_check(5, 5, 50, 75));
    assert_non_null(nt_disclose_settings_check(10, 1, 50, 75));
    assert_non_null(nt_disclose_settings_check(10, 5, 0, 0));
    assert_null(nt_disclose_settings_check(10, 5, 0, 85));
    for (int w = 0; w < NT_WHY_N; w++) assert_true(nt_disclose_why_text((nt_disclose_why)w)[0] != 0);
}

/* Axis labels and units: the same in table and plot (percentage points
   for 0/1 series, months or euros cumulated). */
static void test_axis_label(void **state)
{
    (void)state;
    double scale;
    nt_lang_series(NT_LANG_EN, "employed", 0, &scale);
    expect_near(scale, 100, 0);
    nt_lang_series(NT_LANG_EN, "employed", 1, &scale);
    expect_near(scale, 1, 0);
    assert_non_null(strstr(nt_lang_series(NT_LANG_EN, "on_benefit", 1, &scale), "saved"));
    assert_non_null(strstr(nt_lang_series(NT_LANG_EN, "earnings", 0, &scale), "euros"));
    expect_near(scale, 1, 0);
    assert_non_null(strstr(nt_lang_word(NT_LANG_EN, NT_W_LOCKIN_DEPTH), "percentage points"));
}

/* ---------------------------------------------------------------- the run */

/* The break-even statements of the report's figures: per programme one
   figure (plots/<programme>/effects.png) with a cumulative panel per
   outcome, in the study's outcome order. */
enum { MAX_NOTES = 64 };
typedef struct {
    int n;
    char file[MAX_NOTES][256], note[MAX_NOTES][128];
} notes;

static void collect(void *ctx, const char *png_path, const char *text)
{
    notes *N = ctx;
    if (!strstr(png_path, "/effects.png") || N->n == MAX_NOTES) return;
    if (!strstr(text, "break-even") || !strcmp(text, "break-even")) return; /* a note, not the legend's word */
    snprintf(N->file[N->n], sizeof N->file[0], "%s", png_path);
    snprintf(N->note[N->n], sizeof N->note[0], "%s", text);
    N->n++;
}

/* The break-even cell of a subgroup's row in summary.md's "for whom"
   table (| programme | group | n | ... | break-even |), as the figure
   would state it. */
static int md_breakeven(const char *md, const char *prog, const char *level, long min_cell, char *out, size_t size)
{
    char key[256];
    snprintf(key, sizeof key, "| %s | %s | ", prog, level);
    const char *l = strstr(md, key);
    if (!l) return 0;
    const char *eol = strchr(l, '\n'), *last = NULL;
    for (const char *c = l; c < eol - 2; c++)
        if (c[0] == '|' && c[1] == ' ') last = c + 2;
    char cell[64];
    size_t n = strcspn(last, " |");
    snprintf(cell, sizeof cell, "%.*s", (int)n, last);
    if (!strcmp(cell, "x")) snprintf(out, size, "break-even not shown (disclosure control, min_cell %ld)", min_cell);
    else if (!strcmp(cell, "\xe2\x80\x93")) snprintf(out, size, "no break-even within 96 months");
    else snprintf(out, size, "break-even: month %s", cell);
    return 1;
}

/* Field j of a CSV line without quotes, into buf. */
static void field(const char *line, int j, char *buf, size_t size)
{
    for (; j > 0 && line; j--) {
        line = strpbrk(line, ",\n");
        if (line && *line == ',') line++;
        else line = NULL;
    }
    size_t n = line ? strcspn(line, ",\n") : 0;
    snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), line ? line : "");
}

/* cost_benefit.csv's breakeven_month of (prog, group), estimand ATT_fixed
   (the [summary] default), society, discount rate 0, horizon 96, into be
   ("" when empty or suppressed). */
static void net_breakeven(const char *out, const char *prog, const char *group, char *be, size_t size)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/cost_benefit.csv", out);
    char *csv = nt_test_slurp(path);
    assert_non_null(csv);
    be[0] = 0;
    int found = 0;
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char f[6][64];
        for (int j = 0; j < 6; j++) field(line + 1, j, f[j], sizeof f[j]);
        if (strcmp(f[0], prog) || strcmp(f[1], group) || strcmp(f[2], "ATT_fixed") || strcmp(f[3], "96") ||
            strcmp(f[4], "society") || strcmp(f[5], "0"))
            continue;
        field(line + 1, 11, be, size);
        found = 1;
    }
    assert_true(found);
    free(csv);
}

/* Runs the study with min_cell; for every horizon-96 row of summary.csv,
   checks that the report states the same break-even; returns the statement
   for loonkostensubsidie, emp_prev12=1-12, employed and its table cells. */
static int min_treated_known = 1; /* [estimator] min_treated: the estimation threshold apart from min_cell */

static void run_and_compare(const char *data, long min_cell, char *note, char *cell, char *suppressed)
{
    char ini[4300], out[4300], text[2048];
again:
    snprintf(text, sizeof text,
             "[study]\nname = regression\nseed = 2\n"
             "[data]\npersons = persons.csv\nbenefits = benefits.csv\nprograms = programs.csv\njobs = jobs.csv\n"
             "data_end = 2012-12-31\n"
             "[cohort]\nscheme = WW, BIJSTAND\ninflow = 2003-01:2004-12\n"
             "[treatment]\nprograms = loonkostensubsidie\nstart_months = 0:23\nstart_interval = 3\nhorizon = 96\n"
             "[estimator]\nmethod = radius\nneighbors = 1\ncaliper = 0.2\nreplace = yes\n"
             "covariates = age, sex, education, migration, region, scheme, emp_prev12, emp_prev24, earn_prev12, "
             "ben_prev24\nhistory = no\nexact = scheme\ncalendar = none\ntrim = minmax\n%s"
             "[outcomes]\nseries = employed, earnings, on_benefit\n"
             "[inference]\nbootstrap = 0\n"
             "[subgroups]\nemp_prev12 = 0-0, 1-12\n"
             "[cost]\nloonkostensubsidie = 6000\n"
             "[disclosure]\nmin_cell = %ld\n", min_treated_known ? "min_treated = 29\npool_sparse = no\n" : "", min_cell);
    snprintf(ini, sizeof ini, "%s/study%ld.ini", data, min_cell);
    snprintf(out, sizeof out, "%s/results%ld", data, min_cell);
    nt_test_write(ini, text);
    nt_study *st = NULL;
    nt_error err;
    nt_status rs = nt_study_read(ini, &st, &err);
    if (rs && min_treated_known && strstr(err.msg, "min_treated")) { /* a reader without the key */
        min_treated_known = 0;
        goto again;
    }
    assert_int_equal(rs, NT_OK);
    assert_int_equal(nt_study_set_out(st, out, &err), NT_OK);
    char *argv[] = {"netto", "run", ini};
    notes N = {0};
    nt_pipeline_opts o = {.threads = 1, .overwrite = 1, .argc = 3, .argv = argv, .on_plot_text = collect,
                          .on_plot_text_ctx = &N};
    nt_pipeline_report rep;
    nt_status s = nt_pipeline_run(st, &o, &rep, &err);
    if (s) fail_msg("run: %s", err.msg);
    nt_pipeline_report_free(&rep);
    nt_study_free(st);
    assert_int_equal(N.n, 3); /* 1 programme x 3 outcomes (the whole cohort's figure) */

    char path[4400];
    snprintf(path, sizeof path, "%s/summary.csv", out);
    char *csv = nt_test_slurp(path);
    assert_non_null(csv);
    snprintf(path, sizeof path, "%s/summary.md", out);
    char *md = nt_test_slurp(path);
    assert_non_null(md);
    int outcome = 0;
    int compared = 0;
    int supp_col = -1;   /* by name; none with min_cell = 0 */
    for (int j = 0; j < 64 && supp_col < 0; j++) {
        char name[64];
        field(csv, j, name, sizeof name);
        if (!strcmp(name, "suppressed")) supp_col = j;
    }
    for (char *line = strchr(csv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char prog[64], group[64], series[64], horizon[16], be[32], supp[512], file[256];
        field(line + 1, 0, prog, sizeof prog);
        field(line + 1, 1, group, sizeof group);
        field(line + 1, 2, series, sizeof series);
        field(line + 1, 3, horizon, sizeof horizon);
        field(line + 1, 8, be, sizeof be);
        supp[0] = 0;
        if (supp_col >= 0) field(line + 1, supp_col, supp, sizeof supp);
        if (strcmp(horizon, "96")) continue;
        char stated_md[128];
        const char *stated = NULL;
        if (!group[0]) { /* the figure's cumulative panels, in outcome order */
            snprintf(file, sizeof file, "%s/effects.png", prog);
            assert_non_null(strstr(N.file[outcome], file));
            stated = N.note[outcome++];
        } else if (!strcmp(series, "employed")) { /* the "for whom" table */
            assert_true(md_breakeven(md, prog, strchr(group, '=') + 1, min_cell, stated_md, sizeof stated_md));
            stated = stated_md;
            snprintf(file, sizeof file, "summary.md, %s %s", prog, group);
        } else
            continue;
        char want[128];
        /* A summary row loses cells only when its basis is too small (its
           counts are at least its basis): then the whole row is withheld,
           an undefined figure staying empty rather than listed. */
        /* The earnings plot states the net break-even: cost_benefit.csv's
           society row, undiscounted, at the horizon (the same basis). */
        const char *what = "break-even";
        if (!strcmp(series, "earnings")) {
            what = "net break-even";
            net_breakeven(out, prog, group, be, sizeof be);
        }
        if (supp[0])
            snprintf(want, sizeof want, "%s not shown (disclosure control, min_cell %ld)", what, min_cell);
        else if (!be[0]) snprintf(want, sizeof want, "no %s within 96 months", what);
        else snprintf(want, sizeof want, "%s: month %s", what, be);
        if (strcmp(stated, want)) fail_msg("%s: summary.csv says \"%s\", the plot \"%s\"", file, want, stated);
        compared++;
        if (!strcmp(group, "emp_prev12=1-12") && !strcmp(series, "employed")) {
            snprintf(note, 128, "%s", stated);
            snprintf(cell, 32, "%s", be);
            snprintf(suppressed, 512, "%s", supp);
        }
    }
    assert_int_equal(compared, 5); /* 3 outcomes of the whole cohort, 2 groups' employment */
    free(csv);
    free(md);
}

static void test_breakeven_agrees(void **state)
{
    (void)state;
    setenv("NETTO_QUIET", "1", 1);
    char data[4200];
    snprintf(data, sizeof data, "%s/data", nt_test_dir("disclose"));
    nt_simulate_opts so;
    nt_simulate_opts_init(&so);
    so.persons = 2000;
    so.seed = 2;
    nt_error err;
    assert_int_equal(nt_simulate_write(&so, data, NULL, &err), NT_OK);

    char note[128], cell[32], supp[512];
    /* min_cell = 29: the 96-month window rests on fewer than 29 persons
       from month 38 on, so neither the table nor the plot shows it. */
    run_and_compare(data, 29, note, cell, supp);
    assert_string_equal(note, "break-even not shown (disclosure control, min_cell 29)");
    assert_string_equal(cell, "");
    assert_non_null(strstr(supp, "breakeven_month"));
    /* (The study keeps the duration-only alignment, calendar = none, of the
       issue it regresses: the default inflow-month cells estimate anew.)
       No disclosure control: the figure, in both. With min_treated = 29
       (and pool_sparse = no: the sparse months skipped, as then)
       it is the same estimate as above, whose break-even is month 0 (the
       issue's case); where min_cell still sets the estimator's threshold
       (no min_treated key), min_cell = 0 estimates anew: month 12. */
    run_and_compare(data, 0, note, cell, supp);
    assert_string_equal(cell, min_treated_known ? "0" : "12");
    assert_string_equal(note, min_treated_known ? "break-even: month 0" : "break-even: month 12");
}

int main(void)
{
    gsl_set_error_handler_off(); /* as cli/main.c: a singular fit is an error, not an abort */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule),
        cmocka_unit_test(test_export_rules),
        cmocka_unit_test(test_rules_more),
        cmocka_unit_test(test_axis_label),
        cmocka_unit_test(test_breakeven_agrees),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    nt_plot_cleanup();
    return failed;
}
