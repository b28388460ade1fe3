/* Value labels and date formats of .sav/.dta spell files (issue 17, "the
   first hour"): files written here with ReadStat's writer (tests/rs_write.h;
   haven-style value labels: migration 1 = none, 2 = nonwestern, 3 =
   western), read through nt_spells_read. Also: lenient mode sets an
   unreadable optional field missing instead of dropping the spell, and
   subgroup values accept ingest's spellings (nt_spells_level). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nt_test.h"
#include "rs_write.h"
#include "data/nt_spells.h"

static char P[4][512], REJ[512];

static void write_csv(const char *path, const char *text)
{
    nt_test_write(path, text);
}

/* persons.EXT with a labelled migration (and education) column; the other
   three files as CSV. */
static void persons_file(const char *name, int dta, const char *mig_format)
{
    const char *d = nt_test_dir(name);
    static const double mig_codes[] = {1, 2, 3};
    static const char *const mig_labels[] = {"none", "nonwestern", "western"};
    static const double edu_codes[] = {1, 2, 3};
    static const char *const edu_labels[] = {"laag", "middelbaar", "hoog"};
    rs_col cols[] = {
        {"person_id", 1, NULL, 0, NULL, NULL},
        {"birth_date", 0, dta ? "%td" : "DATE11", 0, NULL, NULL},
        {"sex", 1, NULL, 0, NULL, NULL},
        {"migration", 0, mig_format, 3, mig_codes, mig_labels},
        {"education", 0, NULL, 3, edu_codes, edu_labels},
        {"children", 0, NULL, 0, NULL, NULL},
    };
    /* birth 1980-05-17: Stata day 7442; SPSS seconds since 1582-10-14 */
    char b1[32], b2[32], b3[32];
    snprintf(b1, sizeof b1, "%.0f", dta ? 7442.0 : (7442.0 + 137775.0) * 86400.0);
    snprintf(b2, sizeof b2, "%.0f", dta ? 5479.0 : (5479.0 + 137775.0) * 86400.0);
    snprintf(b3, sizeof b3, "%.0f", dta ? 11322.0 : (11322.0 + 137775.0) * 86400.0);
    const char *cells[] = {
        "0001", b1, "M", "1", "1", "2",   /* none, laag */
        "0002", b2, "V", "3", "3", NULL,  /* western, hoog */
        "0003", b3, "M", "2", "7", "0",   /* nonwestern; 7 has no label: read by its code */
    };
    snprintf(P[0], sizeof P[0], "%s/persons.%s", d, dta ? "dta" : "sav");
    assert_int_equal(rs_write_file(P[0], dta, cols, 6, cells, 3), 0);
    snprintf(P[1], sizeof P[1], "%s/benefits.csv", d);
    snprintf(P[2], sizeof P[2], "%s/programs.csv", d);
    snprintf(P[3], sizeof P[3], "%s/jobs.csv", d);
    snprintf(REJ, sizeof REJ, "%s/rejects.csv", d);
    write_csv(P[1], "person_id,scheme,start_date,end_date\n0001,WW,2020-01-01,2020-06-30\n");
    write_csv(P[2], "person_id,program,start_date,end_date,cost_eur\n0001,scholing,2020-02-01,2020-03-01,100\n");
    write_csv(P[3], "person_id,start_date,end_date,wage_eur_month,hours_week\n0002,2020-01-01,,1000,20\n");
}

static nt_spells_opts opts(int lenient)
{
    nt_spells_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 0; i < 4; i++) o.path[i] = P[i];
    o.decimal = '.';
    o.lenient = lenient;
    o.data_end = NT_DAY_NONE;
    o.rejects_path = REJ;
    return o;
}

/* migration 1/2/3 labelled none/nonwestern/western is read by its labels
   (by code, 1 would be "western" and 3 refused); education's Dutch labels
   too; a code without a label stays its code (7: refused in strict mode). */
static void check_labels(int dta)
{
    persons_file(dta ? "labels_dta" : "labels_sav", dta, dta ? "%9.0g" : "F8.0");
    nt_spells_opts o = opts(0);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    /* strict: education 7 has no label and is no code: refused, naming 7 */
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_EINPUT);
    assert_string_equal(err.column, "education");
    assert_int_equal(err.line, 3);
    assert_non_null(strstr(err.msg, "found \"7\""));
    /* lenient: education 7 is set missing, the person stays */
    o = opts(1);
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(s->persons.n, 3);
    assert_int_equal(s->persons.migration[0], NT_MIG_NONE);
    assert_int_equal(s->persons.migration[1], NT_MIG_WESTERN);
    assert_int_equal(s->persons.migration[2], NT_MIG_NONWESTERN);
    assert_int_equal(s->persons.education[0], NT_EDU_LOW);
    assert_int_equal(s->persons.education[1], NT_EDU_HIGH);
    assert_int_equal(s->persons.education[2], NT_EDU_MISSING);
    assert_int_equal(rep.unreadable[NT_SPELLS_OPT_EDUCATION], 1);
    assert_int_equal(rep.labelled[NT_FILE_PERSONS], 5);   /* 3 migration + 2 education */
    /* the unlabelled numeric column keeps its numbers */
    assert_string_equal(s->persons.extra[0].name, "children");
    assert_string_equal(s->persons.extra[0].str[0], "2");
    nt_spells_free(s);
}

static void test_value_labels(void **state)
{
    (void)state;
    check_labels(0);
    check_labels(1);
}

/* A Stata date without %td (a plain number of days since 1960) is refused
   with a hint saying so and the day it would be; SPSS likewise. */
static void check_date_hint(int dta)
{
    const char *d = nt_test_dir(dta ? "datehint_dta" : "datehint_sav");
    rs_col cols[] = {{"person_id", 1, NULL, 0, NULL, NULL}, {"birth_date", 0, dta ? "%9.0g" : "F8.0", 0, NULL, NULL},
                     {"sex", 1, NULL, 0, NULL, NULL}};
    char b[32];
    snprintf(b, sizeof b, "%.0f", dta ? 21915.0 : (21915.0 + 137775.0) * 86400.0);   /* 2020-01-01 */
    const char *cells[] = {"1", b, "M"};
    snprintf(P[0], sizeof P[0], "%s/persons.%s", d, dta ? "dta" : "sav");
    assert_int_equal(rs_write_file(P[0], dta, cols, 3, cells, 1), 0);
    snprintf(P[1], sizeof P[1], "%s/benefits.csv", d);
    snprintf(P[2], sizeof P[2], "%s/programs.csv", d);
    snprintf(P[3], sizeof P[3], "%s/jobs.csv", d);
    snprintf(REJ, sizeof REJ, "%s/rejects.csv", d);
    write_csv(P[1], "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,\n");
    write_csv(P[2], "person_id,program,start_date,end_date\n");
    write_csv(P[3], "person_id,start_date,end_date\n");
    nt_spells_opts o = opts(0);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_EINPUT);
    assert_string_equal(err.column, "birth_date");
    if (!strstr(err.msg, dta ? "Stata date without a %td format" : "SPSS date without a date format") ||
        !strstr(err.msg, "2020-01-01"))
        fail_msg("no date hint: %s", err.msg);
}

static void test_date_hint(void **state)
{
    (void)state;
    check_date_hint(1);
    check_date_hint(0);
}

/* Lenient: a cost of 1.234,50 or a wage of n.v.t. is set missing and
   counted per column; the programme and the job spell stay. */
static void test_lenient_optional(void **state)
{
    (void)state;
    const char *d = nt_test_dir("lenient_opt");
    static const char *names[4] = {"persons.csv", "benefits.csv", "programs.csv", "jobs.csv"};
    for (int i = 0; i < 4; i++) snprintf(P[i], sizeof P[i], "%s/%s", d, names[i]);
    snprintf(REJ, sizeof REJ, "%s/rejects.csv", d);
    write_csv(P[0], "person_id,birth_date,sex,education\n1,1980-01-01,M,laag\n2,1981-02-03,F,phd\n");
    write_csv(P[1], "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,2020-06-30\n2,WW,2020-01-01,\n");
    write_csv(P[2], "person_id,program,start_date,end_date,cost_eur\n1,scholing,2020-02-01,2020-03-01,\"1.234,50\"\n"
                    "2,scholing,2020-02-01,2020-03-01,-5\n");
    write_csv(P[3], "person_id,start_date,end_date,wage_eur_month,hours_week\n1,2020-07-01,,n.v.t.,36\n"
                    "2,2020-07-01,,2000,veel\n");
    nt_spells_opts o = opts(1);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(s->persons.n, 2);
    assert_int_equal(s->n_programs, 2);
    assert_int_equal(s->n_jobs, 2);
    assert_true(isnan(s->programs[0].cost) && isnan(s->programs[1].cost));
    assert_true(isnan(s->jobs[0].wage));
    expect_near(s->jobs[0].hours, 36, 0);
    expect_near(s->jobs[1].wage, 2000, 0);
    assert_true(isnan(s->jobs[1].hours));
    assert_int_equal(s->persons.education[1], NT_EDU_MISSING);
    assert_int_equal(rep.unreadable[NT_SPELLS_OPT_COST], 2);
    assert_int_equal(rep.unreadable[NT_SPELLS_OPT_WAGE], 1);
    assert_int_equal(rep.unreadable[NT_SPELLS_OPT_HOURS], 1);
    assert_int_equal(rep.unreadable[NT_SPELLS_OPT_EDUCATION], 1);
    for (int f = 0; f < NT_FILE_N; f++)
        for (int k = 0; k < NT_REJECT_N; k++) assert_int_equal(rep.rejected[f][k], 0);
    /* each is a problem for `netto check`, with its value and line */
    assert_int_equal(nt_spells_problem_count(s), 5);
    nt_spells_problem pb;
    nt_spells_problem_get(s, 0, &pb);
    assert_int_equal(pb.kept, 1);
    int seen = 0;
    for (long i = 0; i < nt_spells_problem_count(s); i++) {
        nt_spells_problem_get(s, i, &pb);
        if (pb.table == NT_FILE_PROGRAMS && pb.line == 2) {
            assert_string_equal(pb.value, "1.234,50");
            assert_string_equal(pb.column, "cost_eur");
            seen++;
        }
    }
    assert_int_equal(seen, 1);
    nt_spells_free(s);
}

/* Subgroup values: what ingest accepts maps to the stored level. */
static void test_levels(void **state)
{
    (void)state;
    assert_string_equal(nt_spells_level("education", "laag"), "low");
    assert_string_equal(nt_spells_level("education", "HOOG"), "high");
    assert_string_equal(nt_spells_level("education", "2"), "mid");
    assert_string_equal(nt_spells_level("sex", "V"), "F");
    assert_string_equal(nt_spells_level("sex", "vrouw"), "F");
    assert_string_equal(nt_spells_level("migration", "niet-westers"), "nonwestern");
    assert_null(nt_spells_level("education", "phd"));
    assert_null(nt_spells_level("region", "0363"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_value_labels),
        cmocka_unit_test(test_date_hint),
        cmocka_unit_test(test_lenient_optional),
        cmocka_unit_test(test_levels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
