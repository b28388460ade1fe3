/* study/nt_study: the study file of `netto run`. */
#include "tests/nt_test.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_manifest.h"
#include "study/nt_study.h"
#include "study/nt_study_keys.h"

static char study_path[4200];

/* Writes text as <tmp>/<dir>/study.ini and reads it. */
static nt_status read_text(const char *dir, const char *text, nt_study **s, nt_error *err)
{
    nt_path_join(study_path, sizeof study_path, nt_test_dir(dir), "study.ini");
    nt_test_write(study_path, text);
    nt_error_clear(err);
    return nt_study_read(study_path, s, err);
}

static const char *full_study =
    "# the spec's example, with comments of both kinds\n"                /* 1 */
    "[study]\n"                                                          /* 2 */
    "name = ww2003                 ; required; used in captions\n"       /* 3 */
    "seed = 20131                  ; default 1\n"                        /* 4 */
    "out = results/ww2003          # default results/<name>\n"           /* 5 */
    "\n"                                                                 /* 6 */
    "[data]                        ; either the four spell files ...\n"  /* 7 */
    "persons = data/persons.csv\n"                                       /* 8 */
    "benefits = data/benefits.csv\n"                                     /* 9 */
    "programs = /abs/programs.csv\n"                                     /* 10 */
    "jobs = data/jobs.csv\n"                                             /* 11 */
    "data_end = 2011-12-31\n"                                            /* 12 */
    "lenient = no\n"                                                     /* 13 */
    "; store = cohort.h5\n"                                              /* 14 */
    "[cohort]\n"                                                         /* 15 */
    "scheme = WW, WWB\n"                                                 /* 16 */
    "inflow = 2003-01:2003-12\n"                                         /* 17 */
    "[treatment]\n"                                                      /* 18 */
    "programs = scholing, bemiddeling   ; each on its own\n"             /* 19 */
    "start_months = 0:23\n"                                              /* 20 */
    "start_interval = 3\n"                                               /* 21 */
    "horizon = 96\n"                                                     /* 22 */
    "[estimator]\n"                                                      /* 23 */
    "method = radius\n"                                                  /* 24 */
    "neighbors = 1\n"                                                    /* 25 */
    "caliper = 0.2\n"                                                    /* 26 */
    "replace = yes\n"                                                    /* 27 */
    "covariates = age, sex, education, migration, emp_prev12, emp_prev24, earn_prev12, ben_prev24\n"
    "history = no\n"                                                     /* 29 */
    "exact = sex\n"                                                      /* 30 */
    "trim = minmax\n"                                                    /* 31 */
    "[outcomes]\n"                                                       /* 32 */
    "series = employed, earnings, on_benefit\n"                          /* 33 */
    "[inference]\n"                                                      /* 34 */
    "bootstrap = 200\n"                                                  /* 35 */
    "[subgroups]\n"                                                      /* 36 */
    "education = low, mid, high\n"                                       /* 37 */
    "age = 18-44, 45-64\n"                                               /* 38 */
    "[cost]\n"                                                           /* 39 */
    "scholing = 4000\n"                                                  /* 40 */
    "[disclosure]\n"                                                     /* 41 */
    "min_cell = 10\n";                                                   /* 42 */

static void test_full(void **state)
{
    (void)state;
    nt_study *s = NULL;
    nt_error err;
    assert_int_equal(read_text("study_full", full_study, &s, &err), NT_OK);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", study_path);
    *strrchr(dir, '/') = 0;
    char want[4400];

    assert_string_equal(s->name, "ww2003");
    assert_true(s->seed == 20131);
    snprintf(want, sizeof want, "%s/results/ww2003", dir);
    assert_string_equal(s->out, want);
    snprintf(want, sizeof want, "%s/data/persons.csv", dir);
    assert_string_equal(s->persons_path, want);
    assert_string_equal(s->programs_path, "/abs/programs.csv"); /* absolute: kept */
    assert_null(s->store_path);
    assert_int_equal(s->data_end, nt_day_from_ymd(2011, 12, 31));
    assert_int_equal(s->lenient, 0);
    assert_int_equal(s->n_schemes, 2);
    assert_string_equal(s->schemes[1], "WWB");
    assert_int_equal(s->inflow_from, 2003 * 12);
    assert_int_equal(s->inflow_to, 2003 * 12 + 11);
    assert_int_equal(s->n_programs, 2);
    assert_string_equal(s->programs[0], "scholing");
    assert_string_equal(s->programs[1], "bemiddeling");
    assert_int_equal(s->start_first, 0);
    assert_int_equal(s->start_last, 23);
    assert_int_equal(s->start_interval, 3);
    assert_int_equal(s->horizon, 96);
    assert_int_equal(s->method, NT_METHOD_RADIUS);
    assert_int_equal(s->neighbors, 1);
    expect_near(s->caliper, 0.2, 0);
    assert_int_equal(s->replace, 1);
    assert_int_equal(s->n_covariates, 8);
    assert_string_equal(s->covariates[7], "ben_prev24");
    assert_int_equal(s->n_exact, 1);
    assert_string_equal(s->exact[0], "sex");
    assert_int_equal(s->trim, NT_TRIM_MINMAX);
    assert_int_equal(s->n_series, 3);
    assert_string_equal(s->series[2], "on_benefit");
    assert_int_equal(s->bootstrap, 200);
    assert_int_equal(s->n_subgroups, 2);
    assert_int_equal(s->n_costs, 1);
    expect_near(nt_study_cost_of(s, "scholing"), 4000, 0);
    assert_true(isnan(nt_study_cost_of(s, "bemiddeling")));
    assert_int_equal(s->min_cell, 10);
    assert_int_equal(s->n_warnings, 0);

    /* Lines of keys, of section headers, and 0 for defaults. */
    assert_int_equal(nt_study_line(s, "study", "name"), 3);
    assert_int_equal(nt_study_line(s, "estimator", "covariates"), 28);
    assert_int_equal(nt_study_line(s, "subgroups", "age"), 38);
    assert_int_equal(nt_study_line(s, "cost", "scholing"), 40);
    assert_int_equal(nt_study_line(s, "treatment", NULL), 18);
    assert_int_equal(nt_study_line(s, "estimator", "kernel"), 0);
    assert_int_equal(nt_study_line(s, "data", "store"), 0);

    /* Every setting reaches the manifest. */
    nt_manifest *m = nt_manifest_alloc(0, NULL);
    nt_study_record(s, m);
    char mpath[4400];
    nt_path_join(mpath, sizeof mpath, dir, "manifest.json");
    assert_int_equal(nt_manifest_write(m, mpath, &err), NT_OK);
    nt_manifest_free(m);
    char *json = nt_test_slurp(mpath);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"start_months\""));
    assert_non_null(strstr(json, "0:23"));
    assert_non_null(strstr(json, "epanechnikov"));       /* a default */
    assert_non_null(strstr(json, "education"));
    assert_non_null(strstr(json, "2003-01:2003-12"));
    free(json);
    nt_study_free(s);
}

/* The smallest study (a store, programme any) with `rest` after its
   [treatment] section, read: one warning, naming `word`, or none (word
   NULL). The caller frees it. */
static nt_study *read_warned(const char *rest, const char *word)
{
    char text[1024];
    snprintf(text, sizeof text, "[study]\nname = mini\n[data]\nstore = c.h5\n[treatment]\nprograms = any\n%s", rest);
    nt_study *s = NULL;
    nt_error err;
    assert_int_equal(read_text("study_defaults", text, &s, &err), NT_OK);
    assert_int_equal(s->n_warnings, word ? 1 : 0);
    if (word) assert_non_null(strstr(s->warnings[0], word));
    return s;
}

static void test_defaults(void **state)
{
    (void)state;
    nt_study *s = NULL;
    nt_error err;
    assert_int_equal(read_text("study_defaults",
                               "[study]\nname = mini\n[data]\nstore = c.h5\n"
                               "[treatment]\nprograms = any\n",
                               &s, &err), NT_OK);
    char want[4400];
    snprintf(want, sizeof want, "%s", study_path);
    *strrchr(want, '/') = 0;
    strcat(want, "/results/mini");
    assert_string_equal(s->out, want);
    assert_true(s->seed == 1);
    assert_null(s->persons_path);
    assert_non_null(strstr(s->store_path, "/c.h5"));
    assert_int_equal(s->data_end, NT_DAY_NONE);
    assert_int_equal(s->n_schemes, 0);
    assert_int_equal(s->start_first, 0);
    assert_int_equal(s->start_last, 23); /* the spec's 0:23 (was 11 here, 23 in the estimator) */
    assert_int_equal(s->start_interval, 3);
    assert_int_equal(s->horizon, 96);
    assert_int_equal(s->method, NT_METHOD_RADIUS);
    assert_int_equal(s->neighbors, 1);
    expect_near(s->caliper, 0.2, 0);
    assert_int_equal(s->replace, 1);
    assert_int_equal(s->n_covariates, 8);
    assert_string_equal(s->covariates[0], "age");
    assert_string_equal(s->covariates[6], "earn_prev12");
    assert_int_equal(s->history, 0);
    assert_int_equal(s->n_exact, 0);
    assert_int_equal(s->trim, NT_TRIM_NONE);
    assert_int_equal(s->kernel, NT_KERNEL_EPANECHNIKOV);
    expect_near(s->bandwidth, 0, 0);
    expect_near(s->radius_factor, 1.5, 0);
    assert_int_equal(s->ai_neighbors, 2);
    assert_int_equal(s->n_series, 3);
    assert_string_equal(s->series[1], "earnings");
    assert_int_equal(s->bootstrap, 200);
    expect_near(s->ci_level, 0.95, 0);
    assert_int_equal(s->n_subgroups, 0);
    assert_int_equal(s->n_costs, 0);
    assert_int_equal(s->min_cell, 10);
    assert_int_equal(s->min_treated, 10);
    assert_int_equal(s->decimal, '.');
    assert_int_equal(s->cp1252, 0);
    nt_study_free(s);

    /* A bootstrap with nn and replacement: valid, but warned about. */
    s = read_warned("[estimator]\nmethod = nn\ncaliper = none\nexact = none\n[inference]\nmethod = bootstrap\n",
                    "bootstrap");
    assert_int_equal(s->method, NT_METHOD_NN);
    expect_near(s->caliper, 0, 0);
    nt_study_free(s);
    /* ipcw_truncate without censoring = ipcw: warned about; with it, not. */
    nt_study_free(read_warned("[estimator]\nipcw_truncate = 0.99\n", "ipcw_truncate"));
    s = read_warned("[estimator]\ncensoring = ipcw\nipcw_truncate = 0.99\n", NULL);
    expect_near(s->ipcw_truncate, 0.99, 0);
    nt_study_free(s);
    /* censoring_model likewise (default block) */
    assert_int_equal(read_text("study_defaults",
                               "[study]\nname = mini\n[data]\nstore = c.h5\n"
                               "[treatment]\nprograms = any\n[estimator]\ncensoring_model = pooled\n",
                               &s, &err), NT_OK);
    assert_int_equal(s->n_warnings, 1);
    assert_non_null(strstr(s->warnings[0], "censoring_model"));
    nt_study_free(s);
    assert_int_equal(read_text("study_defaults",
                               "[study]\nname = mini\n[data]\nstore = c.h5\n"
                               "[treatment]\nprograms = any\n[estimator]\ncensoring = ipcw\n"
                               "censoring_model = pooled\n",
                               &s, &err), NT_OK);
    assert_int_equal(s->n_warnings, 0);
    assert_int_equal(s->censoring_model, 1);
    nt_study_free(s);
    /* The default inference (linearised) is valid for nn: no warning. */
    s = read_warned("[estimator]\nmethod = nn\ncaliper = none\nexact = none\n", NULL);
    assert_int_equal(s->inference, 1);
    nt_study_free(s);
}

/* Each kind of error and the line it must name. */
static void test_errors(void **state)
{
    (void)state;
    static const char *head = "[study]\nname = x\n[data]\nstore = c.h5\n[treatment]\nprograms = a\n";
    static const struct {
        const char *tail;   /* appended to head (6 lines) */
        long line;
        const char *needle; /* in the message */
    } cases[] = {
        {"[estimatr]\nmethod = nn\n", 7, "unknown section"},
        {"[estimator]\nmetod = nn\n", 8, "unknown key \"metod\""},
        {"[estimator]\nmethod = nnn\n", 8, "nn, radius, kernel, ipw, aipw or toe"},
        {"[estimator]\ncaliper = 0\n", 8, "or none"},
        {"[estimator]\ncaliper = 0.2x\n", 8, "0.2x"},
        {"[estimator]\nneighbors = 0\n", 8, "neighbors"},
        {"[estimator]\nreplace = maybe\n", 8, "yes or no"},
        {"[estimator]\ntrim = both\n", 8, "minmax"},
        {"[estimator]\nexact = sex, none\n", 8, "none"},
        {"[estimator]\ncovariates = age,, sex\n", 8, "empty"},
        {"[estimator]\ncovariates = age, sex, age\n", 8, "twice"},
        {"[treatment]\nhorizon = 96\n", 8, "horizon"},        /* section repeated: fine */
        {"; comment\n[inference]\nbootstrap = -1\n", 9, "bootstrap"},
        {"[inference]\nbootstrap = 200\nbootstrap = 100\n", 9, "given twice (first on line 8)"},
        {"[inference]\nci_level = 95\n", 8, "between 0 and 1"},
        {"[treatment]\nstart_months = 5:2\n", 8, "a:b"},
        {"[treatment]\nstart_months = -1:2\n", 8, "a:b"},
        {"[treatment]\nstart_months = 12\n", 8, "a:b"},
        {"[outcomes]\nseries = employed, wages\n", 8, "wages"},
        {"[disclosure]\nmin_cell = ten\n", 8, "min_cell"},
        {"[subgroups]\nage = 18-44, old\n", 8, "not both"},
        {"[subgroups]\nage = 64-45\n", 8, "lower end"},
        {"[cost]\nscholng = 4000\n", 8, "scholng"},
        {"[cost]\na = -5\n", 8, ">= 0"},
        {"[cohort]\nscheme = WW\n", 7, "not allowed with a store"},
        {"[data]\nlenient = yes\n", 8, "applies to spell files"},
        {"[study]\nseed = 1.5\n", 8, "whole number"},
        {"this line has no equals sign\n", 7, "key = value"},
        {"[estimator]\nhistory =\n", 8, "no value"},
        {"[estimator] junk\n", 7, "after the section header"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024];
        snprintf(text, sizeof text, "%s%s", head, cases[i].tail);
        nt_study *s = NULL;
        nt_error err;
        nt_status st = read_text("study_errors", text, &s, &err);
        if (cases[i].line == 8 && strstr(cases[i].tail, "horizon")) {
            assert_int_equal(st, NT_OK); /* a repeated section header is allowed */
            nt_study_free(s);
            continue;
        }
        if (st != NT_EINPUT || err.line != cases[i].line || !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu (%s): status %d line %ld msg \"%s\"", i, cases[i].tail, st,
                     err.line, err.msg);
        assert_null(s);
        assert_string_equal(err.file, study_path);
    }
}

/* Missing required keys and the [data] / [cohort] rules. */
static void test_required(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        long line;
        const char *needle;
    } cases[] = {
        {"[study]\nseed = 3\n[data]\nstore = c.h5\n[treatment]\nprograms = a\n", 1, "name is required"},
        {"[data]\nstore = c.h5\n[treatment]\nprograms = a\n", 0, "name is required"},
        {"[study]\nname = x\n[data]\nstore = c.h5\n[treatment]\nhorizon = 12\n", 5, "programs is required"},
        {"[study]\nname = x\n[data]\n\n[treatment]\nprograms = a\n", 3, "four spell files"},
        {"[study]\nname = x\n[data]\npersons = p.csv\nbenefits = b.csv\n[treatment]\nprograms = a\n",
         3, "missing programs jobs"},
        {"[study]\nname = x\n[data]\npersons = p\nbenefits = b\nprograms = q\njobs = j\nstore = c.h5\n"
         "[treatment]\nprograms = a\n", 8, "both a store and spell files"},
        {"[study]\nname = x\n[data]\npersons = p\nbenefits = b\nprograms = q\njobs = j\n"
         "[cohort]\ninflow = 2003-01:2003-12\n[treatment]\nprograms = a\n", 8, "scheme is required"},
        {"[study]\nname = x\n[data]\npersons = p\nbenefits = b\nprograms = q\njobs = j\n"
         "[cohort]\nscheme = WW\n[treatment]\nprograms = a\n", 8, "inflow is required"},
        {"[study]\nname = x\n[data]\npersons = p\nbenefits = b\nprograms = q\njobs = j\n"
         "[cohort]\nscheme = WW\ninflow = 2003-12:2003-01\n[treatment]\nprograms = a\n", 10,
         "not after"},
        {"[study]\nname = x\n[data]\npersons = p\nbenefits = b\nprograms = q\njobs = j\n"
         "data_end = 2011-02-30\n", 8, "a date"},
        {"[study]\nname = x\n[data]\npersons = p\nbenefits = b\nprograms = q\njobs = j\n"
         "[cohort]\nscheme = WW\ninflow = 2003-1:2003-12\n", 10, "YYYY-MM:YYYY-MM"},
        {"name = x\n", 1, "before any [section]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nt_study *s = NULL;
        nt_error err;
        nt_status st = read_text("study_required", cases[i].text, &s, &err);
        if (st != NT_EINPUT || err.line != cases[i].line || !strstr(err.msg, cases[i].needle))
            fail_msg("case %zu: status %d line %ld msg \"%s\"", i, st, err.line, err.msg);
        assert_null(s);
    }
    nt_study *s = NULL;
    nt_error err;
    nt_error_clear(&err);
    assert_int_equal(nt_study_read("/nonexistent/study.ini", &s, &err), NT_EINPUT);
    assert_string_equal(err.file, "/nonexistent/study.ini");
}

static void test_paths_and_extensions(void **state)
{
    (void)state;
    nt_study *s = NULL;
    nt_error err;
    /* A long covariate list (longer than inih's 200-byte line buffer). */
    char text[4096];
    char covs[2048] = "";
    for (int i = 0; i < 60; i++) {
        char one[32];
        snprintf(one, sizeof one, "%scovariate_%02d", i ? ", " : "", i);
        strcat(covs, one);
    }
    snprintf(text, sizeof text,
             "\xEF\xBB\xBF[study]\nname = p\nout = /tmp/abs_out\n"
             "[data]\npersons = ../p.csv\nbenefits = b.csv\nprograms = q.csv\njobs = j.csv\n"
             "encoding = cp1252\ndecimal = ,\nperson_key = org+nr\nignore_unknown_persons = yes\n"
             "[cohort]\nscheme = WW\ninflow = 2003-01:2003-01\n"
             "[treatment]\nprograms = any\n"
             "[estimator]\nmethod = kernel\nkernel = gaussian\nbandwidth = 0.05\n"
             "radius_factor = 3\nai_neighbors = 4\ncovariates = %s   ; long\n"
             "[inference]\nci_level = 0.9\nbootstrap = 0\n"
             "[cost]\nscholing = 1e3\n",
             covs);
    assert_int_equal(read_text("study_paths", text, &s, &err), NT_OK);
    char want[4400];
    snprintf(want, sizeof want, "%s", study_path);
    *strrchr(want, '/') = 0;
    strcat(want, "/../p.csv");
    assert_string_equal(s->persons_path, want);
    assert_string_equal(s->out, "/tmp/abs_out");
    assert_int_equal(s->cp1252, 1);
    assert_int_equal(s->decimal, ',');
    assert_string_equal(s->person_key, "org+nr");
    assert_int_equal(s->ignore_unknown_persons, 1);
    assert_int_equal(s->method, NT_METHOD_KERNEL);
    assert_int_equal(s->kernel, NT_KERNEL_GAUSSIAN);
    expect_near(s->bandwidth, 0.05, 0);
    expect_near(s->radius_factor, 3, 0);
    assert_int_equal(s->ai_neighbors, 4);
    assert_int_equal(s->n_covariates, 60);
    assert_string_equal(s->covariates[59], "covariate_59");
    expect_near(s->ci_level, 0.9, 0);
    assert_int_equal(s->bootstrap, 0);
    expect_near(nt_study_cost_of(s, "scholing"), 1000, 0); /* `any`: every type may have a cost */
    assert_int_equal(nt_study_line(s, "estimator", "covariates"), 24);
    assert_int_equal(nt_study_set_out(s, "cli/out", &err), NT_OK);
    assert_string_equal(s->out, "cli/out");
    nt_study_free(s);

    /* A study file in the current folder: paths stay as written. */
    nt_path_join(study_path, sizeof study_path, nt_test_dir("study_paths"), "x.ini");
    nt_test_write(study_path, "[study]\nname=n\n[data]\nstore=c.h5\n[treatment]\nprograms=a\n");
    /* nt_test_dir is absolute or relative; either way the store is beside the file. */
    assert_int_equal(nt_study_read(study_path, &s, &err), NT_OK);
    snprintf(want, sizeof want, "%s", study_path);
    strcpy(strrchr(want, '/') + 1, "c.h5");
    assert_string_equal(s->store_path, want);
    nt_study_free(s);
    nt_study_free(NULL);
}

static void test_subgroups(void **state)
{
    (void)state;
    nt_study *s = NULL;
    nt_error err;
    assert_int_equal(read_text("study_subgroups",
                               "[study]\nname = x\n[data]\nstore = c.h5\n[treatment]\nprograms = a\n"
                               "[subgroups]\neducation = low, mid , high\nage = 18 - 44, 45-64.5\n",
                               &s, &err), NT_OK);
    assert_int_equal(s->n_subgroups, 2);
    const nt_study_subgroup *e = &s->subgroups[0], *a = &s->subgroups[1];
    assert_string_equal(e->variable, "education");
    assert_int_equal(e->n_groups, 3);
    assert_int_equal(e->is_range, 0);
    assert_string_equal(e->groups[1].value, "mid");
    assert_string_equal(e->groups[1].label, "education=mid");
    assert_int_equal(e->groups[1].is_range, 0);
    assert_int_equal(e->line, 8);
    assert_string_equal(a->variable, "age");
    assert_int_equal(a->is_range, 1);
    assert_int_equal(a->n_groups, 2);
    assert_string_equal(a->groups[0].label, "age=18-44");
    expect_near(a->groups[0].lo, 18, 0);
    expect_near(a->groups[0].hi, 44, 0);
    expect_near(a->groups[1].hi, 64.5, 0);
    assert_string_equal(a->groups[1].label, "age=45-64.5");
    assert_int_equal(nt_study_line(s, "subgroups", "age"), 9);
    nt_study_free(s);

    /* "North-East" is a level, "-3--1" a range: a line may not mix them. */
    assert_int_equal(read_text("study_subgroups",
                               "[study]\nname = x\n[data]\nstore = c.h5\n[treatment]\nprograms = a\n"
                               "[subgroups]\nregion = North-East, -3--1\n",
                               &s, &err), NT_EINPUT);
    assert_int_equal(err.line, 8);
    assert_int_equal(read_text("study_subgroups",
                               "[study]\nname = x\n[data]\nstore = c.h5\n[treatment]\nprograms = a\n"
                               "[subgroups]\ntemp = -3--1, 0-2\nregion = North-East\n",
                               &s, &err), NT_OK);
    expect_near(s->subgroups[0].groups[0].lo, -3, 0);
    expect_near(s->subgroups[0].groups[0].hi, -1, 0);
    assert_int_equal(s->subgroups[1].is_range, 0);
    nt_study_free(s);
}

/* ------------------------------------------------ walking the table of keys */

/* 14 lines: a valid study with spell files, so every key may follow. */
static const char *spell_head =
    "[study]\nname = x\n[data]\npersons = p.csv\nbenefits = b.csv\nprograms = q.csv\njobs = j.csv\n"
    "[cohort]\nscheme = WW\ninflow = 2003-01:2003-12\n[treatment]\nprograms = a\n";
#define SPELL_HEAD_LINES 12

/* The manifest's settings of a study (caller deletes). */
static cJSON *settings_of(const nt_study *s)
{
    nt_manifest *m = nt_manifest_alloc(0, NULL);
    nt_study_record(s, m);
    char mpath[4400];
    snprintf(mpath, sizeof mpath, "%s.manifest.json", study_path);
    nt_error err;
    assert_int_equal(nt_manifest_write(m, mpath, &err), NT_OK);
    nt_manifest_free(m);
    char *json = nt_test_slurp(mpath);
    assert_non_null(json);
    cJSON *root = cJSON_Parse(json);
    free(json);
    assert_non_null(root);
    cJSON *settings = cJSON_DetachItemFromObjectCaseSensitive(root, "settings");
    cJSON_Delete(root);
    assert_non_null(settings);
    return settings;
}

static const cJSON *setting(const cJSON *settings, const nt_study_key *k)
{
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(settings, k->section),
                                            k->name);
}

/* Every named key is in the manifest, a default as its row writes it; and
   a study that writes every default out gives the same settings. */
static void test_keys_defaults(void **state)
{
    (void)state;
    nt_study *s = NULL;
    nt_error err;
    /* The rows of a section are together (the manifest and the messages
       list sections in table order, each once). */
    for (int i = 1; i < nt_study_n_keys; i++)
        for (int j = 0; j + 1 < i && strcmp(nt_study_keys[i].section, nt_study_keys[i - 1].section); j++)
            if (!strcmp(nt_study_keys[j].section, nt_study_keys[i].section))
                fail_msg("[%s] rows are not together (row %d)", nt_study_keys[i].section, i);
    assert_int_equal(read_text("study_keys", spell_head, &s, &err), NT_OK);
    cJSON *implicit = settings_of(s);
    char text[4096];
    snprintf(text, sizeof text, "%s", spell_head);
    const char *section = "";
    int n_def = 0;
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        if (!k->name) continue;
        const cJSON *v = setting(implicit, k);
        if (!strcmp(k->section, "data") && !strcmp(k->name, "store")) {
            assert_null(v); /* spell files: no store */
            continue;
        }
        if (!v) fail_msg("[%s] %s is not in the manifest", k->section, k->name);
        if (!k->def) continue;
        assert_int_equal(nt_study_line(s, k->section, k->name), 0);
        n_def++;
        /* The recorded default is the row's text (numbers and yes/no as such). */
        if (cJSON_IsNumber(v)) expect_near(v->valuedouble, strtod(k->def, NULL), 0);
        else if (cJSON_IsBool(v)) assert_int_equal(cJSON_IsTrue(v), !strcmp(k->def, "yes"));
        else if (strstr(k->def, "<name>")) assert_non_null(strstr(v->valuestring, "/results/x"));
        else if (strcmp(v->valuestring, k->def))
            fail_msg("[%s] %s: recorded \"%s\", default \"%s\"", k->section, k->name,
                     v->valuestring, k->def);
        if (strstr(k->def, "<name>")) continue; /* out: left to its default in both */
        size_t used = strlen(text);
        if (strcmp(section, k->section))
            snprintf(text + used, sizeof text - used, "[%s]\n", k->section);
        used = strlen(text);
        snprintf(text + used, sizeof text - used, "%s = %s\n", k->name, k->def);
        section = k->section;
    }
    assert_true(n_def >= 25);
    nt_study_free(s);

    assert_int_equal(read_text("study_keys", text, &s, &err), NT_OK);
    cJSON *explicit = settings_of(s);
    nt_study_free(s);
    if (!cJSON_Compare(implicit, explicit, 1)) {
        char *a = cJSON_Print(implicit), *b = cJSON_Print(explicit);
        fail_msg("defaults differ from the defaults written out:\n%s\n%s", a, b);
    }
    cJSON_Delete(implicit);
    cJSON_Delete(explicit);
}

/* Rewrites the current study_path with text and reads it (no new folder:
   the loops below read hundreds of small studies). */
static nt_status read_again(const char *text, nt_study **s, nt_error *err)
{
    nt_test_write(study_path, text);
    nt_error_clear(err);
    return nt_study_read(study_path, s, err);
}

static void expect_rejected(const char *section, const char *key, const char *value)
{
    char text[1024];
    snprintf(text, sizeof text, "%s[%s]\n%s = %s\n", spell_head, section, key, value);
    nt_study *s = NULL;
    nt_error err;
    nt_status st = read_again(text, &s, &err);
    if (st != NT_EINPUT || err.line != SPELL_HEAD_LINES + 2 || !strstr(err.msg, key) ||
        !strstr(err.msg, value))
        fail_msg("[%s] %s = %s: status %d line %ld msg \"%s\"", section, key, value, st, err.line,
                 err.msg);
    assert_null(s);
}

static void expect_accepted(const char *section, const char *key, const char *value)
{
    char text[1024];
    snprintf(text, sizeof text, "%s[%s]\n%s = %s\n", spell_head, section, key, value);
    nt_study *s = NULL;
    nt_error err;
    if (read_again(text, &s, &err) != NT_OK)
        fail_msg("[%s] %s = %s: \"%s\"", section, key, value, err.msg);
    assert_int_equal(nt_study_line(s, section, key), SPELL_HEAD_LINES + 2);
    nt_study_free(s);
}

/* Each numeric key: a value just outside its bounds is rejected on its own
   line, the bounds themselves are accepted where they are inclusive. */
static void test_keys_bounds(void **state)
{
    (void)state;
    nt_path_join(study_path, sizeof study_path, nt_test_dir("study_keys"), "study.ini");
    int n_numeric = 0;
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        char lo[64], hi[64], v[160];
        switch (k->type) {
        case NT_KEY_INT:
        case NT_KEY_LONG:
        case NT_KEY_SPAN:
            snprintf(lo, sizeof lo, "%.0f", k->lo);
            snprintf(hi, sizeof hi, "%.0f", k->hi);
            if (k->type == NT_KEY_SPAN) {
                snprintf(v, sizeof v, "%s:%s", lo, hi);
                expect_accepted(k->section, k->name, v);
                snprintf(v, sizeof v, "%.0f:%s", k->lo - 1, hi);
                expect_rejected(k->section, k->name, v);
                snprintf(v, sizeof v, "%s:%.0f", lo, k->hi + 1);
                expect_rejected(k->section, k->name, v);
                snprintf(v, sizeof v, "%s:%s", hi, lo);
                expect_rejected(k->section, k->name, v); /* a > b */
            } else {
                expect_accepted(k->section, k->name, lo);
                expect_accepted(k->section, k->name, hi);
                snprintf(v, sizeof v, "%.0f", k->lo - 1);
                expect_rejected(k->section, k->name, v);
                snprintf(v, sizeof v, "%.0f", k->hi + 1);
                expect_rejected(k->section, k->name, v);
                expect_rejected(k->section, k->name, "1.5");
            }
            break;
        case NT_KEY_NUM:
            snprintf(v, sizeof v, "%.17g", k->lo); /* open bounds */
            expect_rejected(k->section, k->name, v);
            if (isfinite(k->hi)) {
                snprintf(v, sizeof v, "%.17g", k->hi);
                expect_rejected(k->section, k->name, v);
                snprintf(v, sizeof v, "%.17g", (k->lo + k->hi) / 2);
            } else {
                snprintf(v, sizeof v, "%.17g", k->lo + 1);
            }
            expect_accepted(k->section, k->name, v);
            expect_rejected(k->section, k->name, "nan");
            break;
        default:
            continue;
        }
        n_numeric++;
    }
    assert_true(n_numeric >= 12);
}

/* Each word key accepts every word of its vocabulary and lists them all
   when it finds another. */
static void test_keys_words(void **state)
{
    (void)state;
    nt_path_join(study_path, sizeof study_path, nt_test_dir("study_keys"), "study.ini");
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        if (k->type != NT_KEY_WORD) continue;
        int n = 0;
        for (; k->words->name(n) && strcmp(k->words->name(n), "?"); n++)
            expect_accepted(k->section, k->name, k->words->name(n));
        assert_true(n >= 2);
        expect_rejected(k->section, k->name, "bogus");
        char text[1024];
        nt_study *s = NULL;
        nt_error err;
        snprintf(text, sizeof text, "%s[%s]\n%s = bogus\n", spell_head, k->section, k->name);
        assert_int_equal(read_again(text, &s, &err), NT_EINPUT);
        for (int j = 0; j < n; j++) assert_non_null(strstr(err.msg, k->words->name(j)));
    }
}

/* [estimator] min_treated: the estimation threshold, apart from the
   disclosure threshold [disclosure] min_cell. */
static void test_min_treated(void **state)
{
    (void)state;
    nt_study *s = NULL;
    nt_error err;
    char text[1024];
    snprintf(text, sizeof text, "%s[disclosure]\nmin_cell = 0\n", spell_head);
    assert_int_equal(read_text("study_min_treated", text, &s, &err), NT_OK);
    assert_int_equal(s->min_cell, 0);
    assert_int_equal(s->min_treated, 10); /* the default does not follow min_cell */
    assert_int_equal(nt_study_line(s, "estimator", "min_treated"), 0);
    cJSON *settings = settings_of(s);
    cJSON *est = cJSON_GetObjectItemCaseSensitive(settings, "estimator");
    expect_near(cJSON_GetObjectItemCaseSensitive(est, "min_treated")->valuedouble, 10, 0);
    cJSON_Delete(settings);
    nt_study_free(s);

    snprintf(text, sizeof text, "%s[estimator]\nmin_treated = 3\n[disclosure]\nmin_cell = 20\n",
             spell_head);
    assert_int_equal(read_text("study_min_treated", text, &s, &err), NT_OK);
    assert_int_equal(s->min_treated, 3);
    assert_int_equal(s->min_cell, 20);
    assert_int_equal(nt_study_line(s, "estimator", "min_treated"), SPELL_HEAD_LINES + 2);
    settings = settings_of(s);
    est = cJSON_GetObjectItemCaseSensitive(settings, "estimator");
    expect_near(cJSON_GetObjectItemCaseSensitive(est, "min_treated")->valuedouble, 3, 0);
    expect_near(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(settings, "disclosure"),
                                                 "min_cell")->valuedouble, 20, 0);
    cJSON_Delete(settings);
    nt_study_free(s);

    expect_rejected("estimator", "min_treated", "0");     /* a start month needs a treated */
    snprintf(text, sizeof text, "%s[disclosure]\nmin_treated = 5\n", spell_head);
    assert_int_equal(read_text("study_min_treated", text, &s, &err), NT_EINPUT);
    assert_int_equal(err.line, SPELL_HEAD_LINES + 2);
    assert_non_null(strstr(err.msg, "unknown key \"min_treated\" in [disclosure]"));
}

/* docs/study-file.md lists every key in its section's table with its default. */
static void test_keys_documented(void **state)
{
    (void)state;
    char *doc = nt_test_slurp("../docs/study-file.md");
    assert_non_null(doc);
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        char heading[64], name[64], def[160];
        snprintf(heading, sizeof heading, "\n## [%s]", k->section);
        const char *sec = strstr(doc, heading);
        if (!sec) fail_msg("docs/study-file.md has no section %s", heading + 1);
        if (!k->name) continue;
        const char *end = strstr(sec + 1, "\n## ");
        snprintf(name, sizeof name, "`%s`", k->name);
        snprintf(def, sizeof def, "`%s`", k->def ? k->def : "");
        int found = 0;
        for (const char *l = strstr(sec, "\n| "); l && (!end || l < end); l = strstr(l + 1, "\n| ")) {
            const char *eol = strchr(l + 1, '\n');
            size_t len = eol ? (size_t)(eol - l) : strlen(l);
            char line[1024];
            snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1), l);
            char *cell = strchr(line + 3, '|'); /* the first column names the key(s) */
            if (!cell) continue;
            *cell = 0;
            if (!strstr(line, name)) continue;
            *cell = '|';
            found = !k->def || strstr(cell, def);
            break;
        }
        if (!found)
            fail_msg("docs/study-file.md: [%s] %s is not listed with its default %s", k->section,
                     k->name, def);
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_paths_and_extensions),
        cmocka_unit_test(test_subgroups),
        cmocka_unit_test(test_keys_defaults),
        cmocka_unit_test(test_keys_bounds),
        cmocka_unit_test(test_keys_words),
        cmocka_unit_test(test_min_treated),
        cmocka_unit_test(test_keys_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
