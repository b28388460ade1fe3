/* data/nt_spells: reading, validating and merging the four spell tables
   (data contract sections 1 and 2), strict and lenient, CSV and .sav/.dta.
   CSV fixtures are written inline; .sav/.dta ones come from
   scripts/reference/make_readstat_fixtures.R (tests/data/spells/). */
#include "tests/nt_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/nt_spells.h"

static char P[4][1024], REJ[1024];
static const char *NAMES[4] = {"persons.csv", "benefits.csv", "programs.csv", "jobs.csv"};

static const char *P_MIN = "person_id,birth_date,sex\n1,1980-01-01,M\n2,1981-02-03,F\n";
static const char *B_MIN = "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,2020-03-31\n";
static const char *G_MIN = "person_id,program,start_date,end_date,cost_eur,provider\n1,scholing,2020-02-01,2020-02-28,10,UWV\n";
static const char *J_MIN = "person_id,start_date,end_date,wage_eur_month,hours_week\n2,2020-01-01,,1000,20\n";

static void write_n(const char *path, const char *text, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    if (n) assert_int_equal(fwrite(text, 1, n, fp), n);
    fclose(fp);
}

static void files(const char *name, const char *p, const char *b, const char *g, const char *j)
{
    const char *d = nt_test_dir(name);
    const char *t[4] = {p, b, g, j};
    for (int i = 0; i < 4; i++) {
        snprintf(P[i], sizeof P[i], "%s/%s", d, NAMES[i]);
        write_n(P[i], t[i], strlen(t[i]));
    }
    snprintf(REJ, sizeof REJ, "%s/rejects.csv", d);
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

static nt_day D(int y, int m, int d) { return nt_day_from_ymd(y, m, d); }

/* ------------------------------------------------------------------ good */

static const char *P_OK =
    "person_id,Birth_Date,SEX,education,migration,region,death_date,emigration_date,children,munic,score\n"
    "0012,1980-05-17,V,hoog,0,North,,,2,0363,1.5\n"
    "0003,1975-01,m,2,western,,2021-03-01,,,0599,-2\n"
    "\n"
    "10,19900101,1,Laag,2,South,,20210615,0,12,3\n";
static const char *B_OK =
    "PERSON_ID,scheme,start_date,end_date,extra\n"
    "0012,ww,2020-01-01,2020-03-31,x\n"
    "0012,WW,2020-04-01,2020-05-31,\n"
    "0012,wwb,2020-02-01,,\n"
    "0003,WW,20200301,9999-12-31,\n"
    "10,Bijstand,2020-06-01,2020-07-15,\n";
static const char *G_OK =
    "person_id,program,start_date,end_date,cost_eur,provider\n"
    "0003,Scholing,2020-03-01,2020-04-30,100.5,UWV\n"
    "0003,scholing,2020-04-15,2020-06-30,50,Gemeente\n"
    "0003,bemiddeling,2020-05-01,,,\n"
    "0012,IRO,2020-02-01,2020-02-28,,\n";
static const char *J_OK =
    "person_id,start_date,end_date,wage_eur_month,hours_week\n"
    "10,2020-08-01,,2000,36\n"
    "10,2020-08-01,2020-12-31,500.25,8\n"
    "0012,2020-09-01,2021-01-31,,\n";

/* All section-1 rules on one small data set (worked out by hand):
   persons sorted bytewise 0003 < 0012 < 10 (ids stay strings); codes
   normalised; YYYY-MM birth = 1st; extras numeric unless a leading zero;
   data end = latest start (2020-09-01, a job); ends after it are open;
   touching WW spells of 0012 merge; overlapping "scholing" merges (cost
   100.5 + 50, provider of the first); concurrent jobs stay. */
static void test_good(void **state)
{
    (void)state;
    files("good", P_OK, B_OK, G_OK, J_OK);
    nt_spells_opts o = opts(0);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    const nt_persons *p = &s->persons;
    assert_int_equal(p->n, 3);
    assert_string_equal(p->id[0], "0003");
    assert_string_equal(p->id[1], "0012");
    assert_string_equal(p->id[2], "10");
    assert_int_equal(p->birth[0], D(1975, 1, 1));
    assert_int_equal(p->birth[1], D(1980, 5, 17));
    assert_int_equal(p->birth[2], D(1990, 1, 1));
    assert_int_equal(p->sex[0], NT_SEX_M);
    assert_int_equal(p->sex[1], NT_SEX_F);
    assert_int_equal(p->sex[2], NT_SEX_M);
    assert_int_equal(p->education[0], NT_EDU_MID);
    assert_int_equal(p->education[1], NT_EDU_HIGH);
    assert_int_equal(p->education[2], NT_EDU_LOW);
    assert_int_equal(p->migration[0], NT_MIG_WESTERN);
    assert_int_equal(p->migration[1], NT_MIG_NONE);
    assert_int_equal(p->migration[2], NT_MIG_NONWESTERN);
    assert_null(p->region[0]);
    assert_string_equal(p->region[1], "North");
    assert_int_equal(p->death[0], D(2021, 3, 1));
    assert_int_equal(p->death[1], NT_DAY_NONE);
    assert_int_equal(p->emigration[2], D(2021, 6, 15));
    assert_int_equal(p->line[0], 3);
    assert_int_equal(p->line[2], 5);   /* the blank line 4 still counts */
    assert_int_equal(p->n_extra, 3);
    assert_string_equal(p->extra[0].name, "children");
    assert_true(p->extra[0].is_numeric);
    assert_true(isnan(p->extra[0].num[0]));
    expect_near(p->extra[0].num[1], 2, 0);
    assert_string_equal(p->extra[1].name, "munic");
    assert_false(p->extra[1].is_numeric);   /* 0363 */
    assert_string_equal(p->extra[1].str[0], "0599");
    assert_true(p->extra[2].is_numeric);
    expect_near(p->extra[2].num[0], -2, 0);
    expect_near(p->extra[2].num[1], 1.5, 0);

    assert_int_equal(s->data_end, D(2020, 9, 1));
    assert_int_equal(s->earliest_start[0], D(2020, 1, 1));
    assert_int_equal(s->earliest_start[1], D(2020, 2, 1));
    assert_int_equal(s->earliest_start[2], D(2020, 8, 1));

    assert_int_equal(s->schemes.n, 3);
    assert_string_equal(s->schemes.name[0], "BIJSTAND");
    assert_string_equal(s->schemes.name[1], "WW");
    assert_string_equal(s->schemes.name[2], "WWB");
    assert_int_equal(s->n_benefits, 4);
    assert_int_equal(s->benefits[0].person, 0);
    assert_int_equal(s->benefits[0].scheme, 2);
    assert_int_equal(s->benefits[0].end, NT_DAY_NONE);   /* 9999-12-31 */
    assert_int_equal(s->benefits[1].person, 1);
    assert_int_equal(s->benefits[1].start, D(2020, 1, 1));
    assert_int_equal(s->benefits[1].end, D(2020, 5, 31));   /* merged */
    assert_int_equal(s->benefits[1].line, 2);
    assert_int_equal(s->benefits[2].scheme, 3);
    assert_int_equal(s->benefits[2].end, NT_DAY_NONE);
    assert_int_equal(s->benefits[3].scheme, 1);

    assert_int_equal(s->program_types.n, 3);
    assert_string_equal(s->program_types.name[0], "bemiddeling");
    assert_string_equal(s->program_types.name[1], "iro");
    assert_string_equal(s->program_types.name[2], "scholing");
    assert_int_equal(s->providers.n, 2);
    assert_string_equal(s->providers.name[1], "UWV");
    assert_int_equal(s->n_programs, 3);
    assert_int_equal(s->programs[0].type, 3);
    assert_int_equal(s->programs[0].start, D(2020, 3, 1));
    assert_int_equal(s->programs[0].end, D(2020, 6, 30));
    expect_near(s->programs[0].cost, 150.5, 0);
    assert_int_equal(s->programs[0].provider, 2);
    assert_int_equal(s->programs[1].type, 1);
    assert_true(isnan(s->programs[1].cost));
    assert_int_equal(s->programs[1].provider, 0);
    assert_int_equal(s->programs[2].person, 1);

    assert_int_equal(s->n_jobs, 3);
    assert_int_equal(s->jobs[0].person, 1);
    assert_true(isnan(s->jobs[0].wage));
    assert_int_equal(s->jobs[0].end, NT_DAY_NONE);
    assert_int_equal(s->jobs[1].line, 2);
    expect_near(s->jobs[1].wage, 2000, 0);
    assert_int_equal(s->jobs[2].line, 3);
    expect_near(s->jobs[2].wage, 500.25, 0);
    expect_near(s->jobs[2].hours, 8, 0);
    assert_int_equal(s->n_jobs_missing_wage, 1);

    assert_int_equal(rep.records[0], 3);
    assert_int_equal(rep.records[1], 5);
    assert_int_equal(rep.merged[1], 1);
    assert_int_equal(rep.merged[2], 1);
    assert_int_equal(rep.merged[3], 0);
    for (int r = 0; r < NT_REJECT_N; r++) assert_int_equal(rep.rejected[1][r], 0);
    char *txt = nt_test_slurp(REJ);
    assert_non_null(txt);
    char want[16384];
    snprintf(want, sizeof want,
             "file,line,column,reason,record\n"
             "%s,3,start_date,merged,\"0012,WW,2020-04-01,2020-05-31,\"\n"
             "%s,3,start_date,merged,\"0003,scholing,2020-04-15,2020-06-30,50,Gemeente\"\n",
             P[1], P[2]);
    assert_string_equal(txt, want);
    free(txt);
    nt_spells_free(s);

    /* a given data end: ends after it are open, before it kept */
    o.data_end = D(2020, 4, 30);
    assert_int_equal(nt_spells_read(&o, &s, NULL, &err), NT_OK);
    assert_int_equal(s->data_end, D(2020, 4, 30));
    assert_int_equal(s->programs[0].end, NT_DAY_NONE);
    assert_int_equal(s->programs[2].end, D(2020, 2, 28));
    nt_spells_free(s);
}

/* Dutch exports: ';', decimal comma, cp1252 text, CRLF; a composite key. */
static void test_dutch_composite(void **state)
{
    (void)state;
    files("dutch",
          "RINPERSOONS;RINPERSOON;geboorte;birth_date;sex;region\r\n"
          "R;000012345;x;1980-01-01;V;Frysl\xe2n\r\n"
          "R;000000007;x;1985-01-01;M;\r\n",
          "rinpersoons;rinpersoon;scheme;start_date;end_date\r\nR;000012345;WW;2020-01-01;\r\n",
          "RINPERSOONS;RINPERSOON;program;start_date;end_date;cost_eur\r\nR;000000007;iro;2020-01-01;;1250,75\r\n",
          "RINPERSOONS;RINPERSOON;start_date;end_date;wage_eur_month;hours_week\r\nR;000000007;2020-01-01;;2500,5;32,0\r\n");
    nt_spells_opts o = opts(0);
    o.person_key = "RINPERSOONS+RINPERSOON";
    o.decimal = ',';
    o.cp1252 = 1;
    nt_spells *s = NULL;
    nt_error err;
    if (nt_spells_read(&o, &s, NULL, &err)) fail_msg("%s:%ld: %s: %s", err.file, err.line, err.column, err.msg);
    assert_int_equal(s->persons.n, 2);
    assert_string_equal(s->persons.id[0], "R+000000007");
    assert_string_equal(s->persons.id[1], "R+000012345");
    assert_string_equal(s->persons.region[1], "Frysl\xc3\xa2n");
    assert_int_equal(s->persons.n_extra, 1);   /* geboorte; key columns are not extras */
    assert_int_equal(s->benefits[0].person, 1);
    expect_near(s->programs[0].cost, 1250.75, 0);
    expect_near(s->jobs[0].wage, 2500.5, 0);
    expect_near(s->jobs[0].hours, 32, 0);
    nt_spells_free(s);
    /* a key part missing */
    files("dutch2", "RINPERSOONS;RINPERSOON;birth_date;sex\n;000012345;1980-01-01;V\n", B_MIN, G_MIN, J_MIN);
    o = opts(0);
    o.person_key = "RINPERSOONS+RINPERSOON";
    assert_int_equal(nt_spells_read(&o, &s, NULL, &err), NT_EINPUT);
    assert_string_equal(err.column, "RINPERSOONS");
    assert_int_equal(err.line, 2);
    /* the spell tables must have the key columns too */
    files("dutch3", "A;B;birth_date;sex\nR;1;1980-01-01;V\n", "A;scheme;start_date\nR;WW;2020-01-01\n", G_MIN, J_MIN);
    o = opts(1);
    o.person_key = "A+B";
    assert_int_equal(nt_spells_read(&o, &s, NULL, &err), NT_EINPUT);
    assert_string_equal(err.column, "B");
    assert_non_null(strstr(err.file, "benefits"));
}

/* ------------------------------------------------------- record defects */

typedef struct {
    int table;
    const char *text;
    size_t len;                 /* 0: strlen */
    nt_reject_reason reason;
    long line;
    const char *column;
} bad_case;

static const bad_case CASES[] = {
    {0, "person_id,birth_date,sex\n1,,M\n2,1981-02-03,F\n", 0, NT_REJECT_MISSING_VALUE, 2, "birth_date"},
    {0, "person_id,birth_date,sex\n1,1980-01-01,\n2,1981-02-03,F\n", 0, NT_REJECT_MISSING_VALUE, 2, "sex"},
    {0, "person_id,birth_date,sex\n,1980-01-01,M\n1,1980-01-01,M\n2,1981-02-03,F\n", 0, NT_REJECT_MISSING_VALUE, 2, "person_id"},
    {0, "person_id,birth_date,sex\n1,1980-02-30,M\n2,1981-02-03,F\n", 0, NT_REJECT_BAD_DATE, 2, "birth_date"},
    {0, "person_id,birth_date,sex,death_date\n2,1981-02-03,F,\n1,1980-01-01,M,2020-1-1\n", 0, NT_REJECT_BAD_DATE, 3, "death_date"},
    {0, "person_id,birth_date,sex\n1,1980-01-01,X\n2,1981-02-03,F\n", 0, NT_REJECT_BAD_CODE, 2, "sex"},
    {0, "person_id,birth_date,sex,education\n1,1980-01-01,M,medium\n2,1981-02-03,F,\n", 0, NT_REJECT_BAD_CODE, 2, "education"},
    {0, "person_id,birth_date,sex,migration\n1,1980-01-01,M,3\n2,1981-02-03,F,\n", 0, NT_REJECT_BAD_CODE, 2, "migration"},
    {0, "person_id,birth_date,sex\n123456789012345678901234567890123,1980-01-01,M\n1,1980-01-01,M\n2,1981-02-03,F\n", 0, NT_REJECT_BAD_CODE, 2, "person_id"},
    {0, "person_id,birth_date,sex\n1,1980-01-01,M\n2,1981-02-03,F\n1,1990-01-01,F\n", 0, NT_REJECT_DUPLICATE_PERSON, 4, "person_id"},
    {0, "person_id,birth_date,sex\n1,1980-01-01,M\n2,1981-02-03\n", 0, NT_REJECT_COLUMN_COUNT, 3, ""},
    {0, "person_id,birth_date,sex\n1,1980-01-01,M\n2,1981-02-03,F,x\n", 0, NT_REJECT_COLUMN_COUNT, 3, ""},
    {0, "person_id,birth_date,sex\n1,1980-01-01,M\n2,1981-02-03,F\x00\n", 56, NT_REJECT_NUL_BYTE, 3, "sex"},
    {0, "person_id,birth_date,sex,region\n1,1980-01-01,M,\n2,1981-02-03,F,caf\xe9\n", 0, NT_REJECT_INVALID_UTF8, 3, "region"},
    {1, "person_id,scheme,start_date,end_date\n1,,2020-01-01,\n", 0, NT_REJECT_MISSING_VALUE, 2, "scheme"},
    {1, "person_id,scheme,start_date,end_date\n1,WW,,\n", 0, NT_REJECT_MISSING_VALUE, 2, "start_date"},
    {1, "person_id,scheme,start_date,end_date\n1,WW,2020-13-01,\n", 0, NT_REJECT_BAD_DATE, 2, "start_date"},
    {1, "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,31-12-2020\n", 0, NT_REJECT_BAD_DATE, 2, "end_date"},
    {1, "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,2019-12-31\n", 0, NT_REJECT_END_BEFORE_START, 2, "end_date"},
    {1, "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,\n99,WW,2020-01-01,\n", 0, NT_REJECT_UNKNOWN_PERSON, 3, "person_id"},
    {2, "person_id,program,start_date,end_date,cost_eur\n1,iro,2020-01-01,,-5\n", 0, NT_REJECT_NEGATIVE_MONEY, 2, "cost_eur"},
    {2, "person_id,program,start_date,end_date,cost_eur\n1,iro,2020-01-01,,1e3\n", 0, NT_REJECT_BAD_NUMBER, 2, "cost_eur"},
    {2, "person_id,program,start_date,end_date,cost_eur\n1,,2020-01-01,,1\n", 0, NT_REJECT_MISSING_VALUE, 2, "program"},
    {3, "person_id,start_date,end_date,wage_eur_month,hours_week\n2,2020-01-01,,-1000,20\n", 0, NT_REJECT_NEGATIVE_MONEY, 2, "wage_eur_month"},
    {3, "person_id,start_date,end_date,wage_eur_month,hours_week\n2,2020-01-01,,\"2,000\",20\n", 0, NT_REJECT_BAD_NUMBER, 2, "wage_eur_month"},
    {3, "person_id,start_date,end_date,wage_eur_month,hours_week\n2,2020-01-01,,1000,-2\n", 0, NT_REJECT_BAD_NUMBER, 2, "hours_week"},
};

static void setup_case(const bad_case *k)
{
    const char *t[4] = {P_MIN, B_MIN, G_MIN, J_MIN};
    files("bad", t[0], t[1], t[2], t[3]);
    write_n(P[k->table], k->text, k->len ? k->len : strlen(k->text));
}

/* Strict: the first defect stops the run with file, line, column and the
   contract's message form. Lenient: the record is dropped, counted and
   listed with its reason. */
static void test_record_defects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof CASES / sizeof *CASES; i++) {
        const bad_case *k = &CASES[i];
        setup_case(k);
        nt_spells_opts o = opts(0);
        nt_spells *s = NULL;
        nt_error err;
        nt_spells_report rep;
        nt_status st = nt_spells_read(&o, &s, &rep, &err);
        if (st != NT_EINPUT) fail_msg("case %zu: strict status %d", i, st);
        assert_null(s);
        assert_string_equal(err.file, P[k->table]);
        if (err.line != k->line) fail_msg("case %zu: line %ld, expected %ld", i, err.line, k->line);
        if (strcmp(err.column, k->column)) fail_msg("case %zu: column '%s' expected '%s'", i, err.column, k->column);
        if (k->reason != NT_REJECT_COLUMN_COUNT && strncmp(err.msg, "found \"", 7))
            fail_msg("case %zu: message %s", i, err.msg);
        assert_non_null(strstr(err.msg, "expected"));

        o = opts(1);
        st = nt_spells_read(&o, &s, &rep, &err);
        if (st != NT_OK) fail_msg("case %zu: lenient status %d: %s", i, st, err.msg);
        /* an optional field (cost, wage, hours, education, migration) that
           cannot be read is set missing and counted; the record stays */
        int opt = -1;
        for (int q = 0; q < NT_SPELLS_OPTIONAL_N; q++)
            if (!strcmp(nt_spells_optional_column((nt_spells_optional)q, NULL), k->column)) opt = q;
        if (opt >= 0) {
            if (rep.unreadable[opt] != 1 || rep.rejected[k->table][k->reason] != 0)
                fail_msg("case %zu: optional %s: unreadable %ld, rejected %ld", i, k->column, rep.unreadable[opt],
                         rep.rejected[k->table][k->reason]);
            nt_spells_free(s);
            continue;
        }
        if (rep.rejected[k->table][k->reason] != 1) fail_msg("case %zu: count %ld", i, rep.rejected[k->table][k->reason]);
        char *txt = nt_test_slurp(REJ);
        char want[600];
        snprintf(want, sizeof want, "\n%s,%ld,%s,%s,", P[k->table], k->line, k->column,
                 nt_reject_reason_name(k->reason));
        if (!strstr(txt, want)) fail_msg("case %zu: report lacks %s in\n%s", i, want, txt);
        free(txt);
        /* the dropped record is not in the data */
        if (k->table == 0) assert_true(s->persons.n <= 2);
        nt_spells_free(s);
    }
}

/* Lenient: a rejected person's spells are unknown_person too; the first of
   two records with one id is kept; raw records with invalid bytes as \xHH,
   cut at 1000 bytes on a character boundary. */
static void test_lenient_report(void **state)
{
    (void)state;
    char big[3000];
    char *q = big;
    q += sprintf(q, "person_id,birth_date,sex,region\n1,1980-01-01,M,\n2,1980-01-01,Q,");
    for (int i = 0; i < 600; i++) q += sprintf(q, "\xc3\xa9");
    q += sprintf(q, "\n3,1980-01-01,F,\xff\"x\"\n3,1980-01-01,M,\n");
    files("lenient", big,
          "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,\n2,WW,2020-01-01,\n3,WW,2020-01-01,\n",
          G_MIN, "person_id,start_date,end_date,wage_eur_month,hours_week\n2,2020-01-01,,1000,20\n");
    nt_spells_opts o = opts(1);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(s->persons.n, 1);
    assert_int_equal(rep.rejected[0][NT_REJECT_BAD_CODE], 1);
    assert_int_equal(rep.rejected[0][NT_REJECT_INVALID_UTF8], 1);
    assert_int_equal(rep.rejected[0][NT_REJECT_DUPLICATE_PERSON], 1);   /* first (rejected) claims the id */
    assert_int_equal(rep.rejected[1][NT_REJECT_UNKNOWN_PERSON], 2);
    assert_int_equal(rep.rejected[3][NT_REJECT_UNKNOWN_PERSON], 1);
    assert_int_equal(s->n_benefits, 1);
    char *txt = nt_test_slurp(REJ);
    /* the cut record: "2,1980-01-01,Q," (15 bytes) + 492 x "é" = 999 bytes */
    char *r = strstr(txt, ",bad_code,");
    assert_non_null(r);
    r += strlen(",bad_code,");
    char *e = strchr(r, '\n');
    assert_int_equal(e - r, 999 + 2);   /* quoted: it holds ',' */
    assert_memory_equal(r, "\"2,1980-01-01,Q,\xc3\xa9", 18);
    assert_non_null(strstr(txt, ",4,region,invalid_utf8,\"3,1980-01-01,F,\\xFF\"\"x\"\"\"\n"));
    assert_non_null(strstr(txt, ",5,person_id,duplicate_person,\"3,1980-01-01,M,\"\n"));
    free(txt);
    nt_spells_free(s);

    /* --ignore-unknown-persons: counted, not listed, not an error */
    files("ignore", P_MIN, "person_id,scheme,start_date\n1,WW,2020-01-01\n7,WW,2020-01-01\n8,WW,2020-01-01\n", G_MIN, J_MIN);
    o = opts(0);
    o.ignore_unknown_persons = 1;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(rep.ignored_unknown[1], 2);
    assert_int_equal(rep.rejected[1][NT_REJECT_UNKNOWN_PERSON], 0);
    txt = nt_test_slurp(REJ);
    assert_string_equal(txt, "file,line,column,reason,record\n");   /* header only */
    free(txt);
    nt_spells_free(s);
}

/* born_after_inflow is judged by the cohort builder through
   nt_spells_reject_person. */
static void test_reject_person(void **state)
{
    (void)state;
    files("born", P_MIN, "person_id,scheme,start_date\n1,WW,2020-01-01\n2,WW,2020-01-01\n1,WWB,2020-05-01\n", G_MIN, J_MIN);
    nt_spells_opts o = opts(0);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(nt_spells_reject_person(s, 0, NT_REJECT_BORN_AFTER_INFLOW, "birth_date", "1980-01-01",
                                             "a birth date before the inflow date 1979-01-01", &rep, &err),
                     NT_EINPUT);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.column, "birth_date");
    assert_string_equal(err.msg, "found \"1980-01-01\", expected a birth date before the inflow date 1979-01-01");
    nt_spells_free(s);
    o = opts(1);
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(nt_spells_reject_person(s, 0, NT_REJECT_BORN_AFTER_INFLOW, "birth_date", "1980-01-01",
                                             "a birth date before the inflow date", &rep, &err),
                     NT_OK);
    assert_true(s->persons.rejected[0]);
    assert_int_equal(rep.rejected[0][NT_REJECT_BORN_AFTER_INFLOW], 1);
    assert_int_equal(rep.rejected[1][NT_REJECT_UNKNOWN_PERSON], 2);
    assert_int_equal(rep.rejected[2][NT_REJECT_UNKNOWN_PERSON], 1);
    assert_int_equal(nt_spells_write_rejects(s, REJ, &err), NT_OK);
    char *txt = nt_test_slurp(REJ);
    char want[16384];
    snprintf(want, sizeof want,
             "file,line,column,reason,record\n%s,2,birth_date,born_after_inflow,\"1,1980-01-01,M\"\n"
             "%s,2,person_id,unknown_person,\"1,WW,2020-01-01\"\n%s,4,person_id,unknown_person,\"1,WWB,2020-05-01\"\n"
             "%s,2,person_id,unknown_person,\"1,scholing,2020-02-01,2020-02-28,10,UWV\"\n",
             P[0], P[1], P[1], P[2]);
    assert_string_equal(txt, want);
    free(txt);
    nt_spells_free(s);
}

/* ------------------------------------------------------- file defects */

static void expect_file_error(const char *what, int table, long line, const char *column, const char *msgpart)
{
    for (int lenient = 0; lenient < 2; lenient++) {
        nt_spells_opts o = opts(lenient);
        nt_spells *s = NULL;
        nt_error err;
        nt_status st = nt_spells_read(&o, &s, NULL, &err);
        if (st != NT_EINPUT) fail_msg("%s: status %d (lenient %d)", what, st, lenient);
        assert_null(s);
        assert_string_equal(err.file, o.path[table]);
        if (err.line != line) fail_msg("%s: line %ld", what, err.line);
        if (column) assert_string_equal(err.column, column);
        if (!strstr(err.msg, msgpart)) fail_msg("%s: message %s", what, err.msg);
    }
}

static void test_file_defects(void **state)
{
    (void)state;
    files("empty", P_MIN, "", G_MIN, J_MIN);
    expect_file_error("empty", 1, 0, NULL, "empty");
    files("nocol", P_MIN, "person_id,scheme,end_date\n1,WW,\n", G_MIN, J_MIN);
    expect_file_error("no start_date", 1, 1, "start_date", "found no column");
    files("nosex", "person_id,birth_date\n1,1980-01-01\n", B_MIN, G_MIN, J_MIN);
    expect_file_error("no sex", 0, 1, "sex", "found no column");
    files("noid", "id,birth_date,sex\n1,1980-01-01,M\n", B_MIN, G_MIN, J_MIN);
    expect_file_error("no person_id", 0, 1, "person_id", "found no column");
    files("quote", P_MIN, "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,\n1,\"WW,2020-01-01,\n1,WW,2020-02-01,\n", G_MIN, J_MIN);
    expect_file_error("unterminated quote", 1, 3, "scheme", "never closed");
    /* not the claimed format: a .sav that is text, a .csv that is a .sav */
    files("format", P_MIN, B_MIN, G_MIN, J_MIN);
    write_n(P[0], "$FL2\x02\x00\x00\x00@(#) SPSS DATA FILE\x00\x01", 27);
    expect_file_error("sav as csv", 0, 1, NULL, "SPSS");
    files("format2", P_MIN, B_MIN, G_MIN, J_MIN);
    snprintf(P[3], sizeof P[3], "%s/jobs.dta", nt_test_dir("format2x"));
    nt_test_write(P[3], J_MIN);
    expect_file_error("csv as dta", 3, 0, NULL, "Stata");
}

/* ------------------------------------------------------------ ReadStat */

static void check_readstat(const char *ext)
{
    for (int i = 0; i < 4; i++) snprintf(P[i], sizeof P[i], "data/spells/%.*s.%s", (int)(strlen(NAMES[i]) - 4), NAMES[i], ext);
    snprintf(REJ, sizeof REJ, "%s/rejects.csv", nt_test_dir("readstat"));
    nt_spells_opts o = opts(0);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    nt_status st = nt_spells_read(&o, &s, &rep, &err);
    if (st) fail_msg("%s: %s:%ld %s: %s", ext, err.file, err.line, err.column, err.msg);
    const nt_persons *p = &s->persons;
    assert_int_equal(p->n, 3);
    assert_string_equal(p->id[0], "0003");
    assert_string_equal(p->id[1], "0007");
    assert_string_equal(p->id[2], "0012");
    assert_int_equal(p->birth[0], D(1990, 12, 31));
    assert_int_equal(p->birth[1], D(1980, 5, 17));
    assert_int_equal(p->sex[0], NT_SEX_F);
    assert_int_equal(p->sex[2], NT_SEX_F);
    assert_int_equal(p->education[1], NT_EDU_LOW);
    assert_int_equal(p->education[0], NT_EDU_MISSING);
    assert_string_equal(p->region[0], "0599");
    assert_null(p->region[2]);
    assert_int_equal(p->line[1], 1);   /* record number */
    assert_int_equal(p->n_extra, 1);
    assert_string_equal(p->extra[0].name, "children");
    assert_true(p->extra[0].is_numeric);
    expect_near(p->extra[0].num[1], 2, 0);
    assert_true(isnan(p->extra[0].num[2]));
    /* 0007's WW spells touch (06-30, 07-01): merged */
    assert_int_equal(rep.merged[1], 1);
    assert_int_equal(s->n_benefits, 3);
    assert_int_equal(s->benefits[1].person, 1);
    assert_int_equal(s->benefits[1].end, D(2020, 9, 30));
    assert_string_equal(s->schemes.name[0], "BIJSTAND");
    assert_string_equal(s->program_types.name[1], "scholing");
    expect_near(s->programs[1].cost, 1250.5, 1e-12);
    assert_int_equal(s->data_end, D(2020, 10, 1));
    assert_int_equal(s->n_jobs, 2);
    assert_int_equal(s->jobs[0].start, D(2020, 10, 1));   /* 20201001 as a number */
    assert_int_equal(s->jobs[0].end, NT_DAY_NONE);        /* 99991231 */
    assert_int_equal(s->n_jobs_missing_wage, 1);
    char *txt = nt_test_slurp(REJ);
    assert_non_null(strstr(txt, ",4,start_date,merged,\"0007,WW,2020-07-01,2020-09-30\"\n"));
    free(txt);
    nt_spells_free(s);
}

static void test_readstat(void **state)
{
    (void)state;
    check_readstat("sav");
    check_readstat("dta");
}

/* Header-only tables; an open spell absorbs every later one of its scheme;
   no spells and no --data-end: no data end, ends stay as given. */
static void test_edges(void **state)
{
    (void)state;
    files("edges", P_MIN,
          "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,\n1,WW,2021-01-01,2021-02-01\n1,WIA,2021-01-01,2021-01-31\n",
          "person_id,program,start_date\n", "person_id,start_date\r\n");
    nt_spells_opts o = opts(0);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(s->n_programs, 0);
    assert_int_equal(s->n_jobs, 0);
    assert_int_equal(s->earliest_start[1], NT_DAY_NONE);
    assert_int_equal(s->earliest_start[2], NT_DAY_NONE);
    assert_int_equal(s->data_end, D(2021, 1, 1));
    assert_int_equal(s->n_benefits, 2);   /* WW 2020-01-01 open absorbs WW 2021 */
    assert_int_equal(s->benefits[0].end, NT_DAY_NONE);
    assert_int_equal(s->benefits[1].end, NT_DAY_NONE);   /* WIA ends after the data end */
    assert_int_equal(rep.merged[1], 1);
    nt_spells_free(s);
    files("nospells", P_MIN, "person_id,scheme,start_date,end_date\n", "person_id,program,start_date\n",
          "person_id,start_date\n");
    o = opts(0);
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(s->data_end, NT_DAY_NONE);
    assert_int_equal(s->persons.n, 2);
    nt_spells_free(s);
}

/* The CLI's one-line message, a multi-line record reported at its first
   line, cp1252's undefined bytes, decimal-comma numbers. */
static void test_messages(void **state)
{
    (void)state;
    files("msg", "person_id,birth_date,sex\n1,1980-02-30,M\n", B_MIN, G_MIN, J_MIN);
    nt_spells_opts o = opts(0);
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_EINPUT);
    char line[2048], want[2048];
    nt_error_format(&err, line, sizeof line);
    snprintf(want, sizeof want, "%s:2: column birth_date: found \"1980-02-30\", expected a date (YYYY-MM-DD, YYYYMMDD or YYYY-MM)", P[0]);
    assert_string_equal(line, want);

    files("multiline", P_MIN, "person_id,scheme,start_date,end_date\n1,\"W\nW\",2020-01-01,\n1,WW,\"2020\n-01-01\",\n", G_MIN, J_MIN);
    o = opts(0);
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_EINPUT);
    assert_int_equal(err.line, 4);
    assert_string_equal(err.column, "start_date");
    o = opts(1);
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_string_equal(s->schemes.name[0], "W\nW");
    nt_spells_free(s);
    char *txt = nt_test_slurp(REJ);
    assert_non_null(strstr(txt, ",4,start_date,bad_date,\"1,WW,\"\"2020\n-01-01\"\",\"\n"));
    free(txt);

    files("cp", "person_id;birth_date;sex;region\n1;1980-01-01;M;\x81x\n2;1980-01-01;M;\xe9\n", B_MIN, G_MIN, J_MIN);
    o = opts(1);
    o.cp1252 = 1;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(rep.rejected[0][NT_REJECT_INVALID_UTF8], 1);
    assert_int_equal(s->persons.n, 1);
    assert_string_equal(s->persons.region[0], "\xc3\xa9");
    nt_spells_free(s);
    txt = nt_test_slurp(REJ);
    assert_non_null(strstr(txt, ",2,region,invalid_utf8,1;1980-01-01;M;\\x81x\n"));
    free(txt);

    /* strict, cp1252: the value in the message is UTF-8 */
    files("cp2", "person_id;birth_date;sex;education\n1;1980-01-01;M;h\xe9\n", B_MIN, G_MIN, J_MIN);
    o = opts(0);
    o.cp1252 = 1;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_EINPUT);
    assert_string_equal(err.column, "education");
    assert_non_null(strstr(err.msg, "found \"h\xc3\xa9\", expected"));

    files("comma", P_MIN, B_MIN, "person_id;program;start_date;cost_eur\n1;iro;2020-01-01;1.5\n", J_MIN);
    o = opts(0);
    o.decimal = ',';
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_EINPUT);
    assert_string_equal(err.column, "cost_eur");
    assert_non_null(strstr(err.msg, "found \"1.5\", expected a number with ','"));
}

/* Every accepted spelling of the contract's codes, normalised to the
   first form listed (ids a..l sort in file order). */
static void test_codes(void **state)
{
    (void)state;
    files("codes",
          "person_id,birth_date,sex,education,migration\n"
          "a,1980-01-01,M,low,none\n" "b,1980-01-01,F,mid,western\n" "c,1980-01-01,m,HIGH,nonwestern\n"
          "d,1980-01-01,V,laag,0\n" "e,1980-01-01,v,Middelbaar,1\n" "f,1980-01-01,1,hoog,2\n"
          "g,1980-01-01,2,1,NONE\n" "h,1980-01-01,f,2,\n" "i,1980-01-01,M,3,NonWestern\n"
          "j,1980-01-01,M,,\n",
          B_MIN, G_MIN, J_MIN);
    nt_spells_opts o = opts(0);
    o.ignore_unknown_persons = 1;   /* the spell files use ids 1 and 2 */
    nt_spells *s = NULL;
    nt_error err;
    if (nt_spells_read(&o, &s, NULL, &err)) fail_msg("%ld %s: %s", err.line, err.column, err.msg);
    static const uint8_t sex[] = {1, 2, 1, 2, 2, 1, 2, 2, 1, 1};
    static const uint8_t edu[] = {1, 2, 3, 1, 2, 3, 1, 2, 3, 0};
    static const uint8_t mig[] = {1, 2, 3, 1, 2, 3, 1, 0, 3, 0};
    assert_int_equal(s->persons.n, 10);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(s->persons.sex[i], sex[i]);
        assert_int_equal(s->persons.education[i], edu[i]);
        assert_int_equal(s->persons.migration[i], mig[i]);
    }
    nt_spells_free(s);
    /* a malformed --person-key is a usage error */
    o = opts(0);
    o.person_key = "A+";
    assert_int_equal(nt_spells_read(&o, &s, NULL, &err), NT_EUSAGE);
    o.person_key = "+B";
    assert_int_equal(nt_spells_read(&o, &s, NULL, &err), NT_EUSAGE);
}

/* Enough persons to grow the id hash table several times; persons in a
   scrambled order (i * 7919 mod N), spells in reverse person order (so the
   hash table, not the next-person shortcut, finds them); a cost beyond 15
   significant digits; a cp1252 record in the report comes out as UTF-8. */
static void test_many(void **state)
{
    (void)state;
    enum { N = 5000 };
    size_t cap = (size_t)N * 64 + 256;
    char *pt = malloc(cap), *bt = malloc(cap), *gt = malloc(cap);
    char *p = pt, *b = bt;
    p += sprintf(p, "person_id;birth_date;sex;region\n");
    for (long i = 0; i < N; i++) p += sprintf(p, "p%05ld;1980-01-01;M;R\xe9\n", (i * 7919) % N);
    p += sprintf(p, "p00007;1980-01-01;M;caf\xe9 \x80\n");   /* a duplicate: listed */
    b += sprintf(b, "person_id;scheme;start_date\n");
    for (long i = N - 1; i >= 0; i--) b += sprintf(b, "p%05ld;WW;2020-01-01\n", i);
    sprintf(gt, "person_id;program;start_date;cost_eur\np00001;iro;2020-01-01;12345678901234567.5\n");
    files("many", pt, bt, gt, "person_id;start_date\n");
    nt_spells_opts o = opts(1);
    o.cp1252 = 1;
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    if (nt_spells_read(&o, &s, &rep, &err)) fail_msg("%s:%ld %s", err.file, err.line, err.msg);
    assert_int_equal(s->persons.n, N);
    assert_int_equal(s->n_benefits, N);
    for (long i = 0; i < N; i++) {
        char want[32];
        snprintf(want, sizeof want, "p%05ld", i);
        assert_string_equal(s->persons.id[i], want);
        assert_int_equal(s->benefits[i].person, i);
        assert_int_equal(s->benefits[i].line, N + 1 - i);
    }
    assert_string_equal(s->persons.region[0], "R\xc3\xa9");
    expect_rel(s->programs[0].cost, 12345678901234567.5, 1e-15);
    assert_int_equal(rep.rejected[0][NT_REJECT_DUPLICATE_PERSON], 1);
    char *txt = nt_test_slurp(REJ);
    assert_non_null(strstr(txt, ",person_id,duplicate_person,p00007;1980-01-01;M;caf\xc3\xa9 \xe2\x82\xac\n"));
    free(txt);
    /* reject_person under --ignore-unknown-persons: the spells are counted */
    nt_spells_free(s);
    o.ignore_unknown_persons = 1;
    assert_int_equal(nt_spells_read(&o, &s, &rep, &err), NT_OK);
    assert_int_equal(nt_spells_reject_person(s, 3, NT_REJECT_BORN_AFTER_INFLOW, "birth_date", "1980-01-01", "x", &rep, &err), NT_OK);
    assert_int_equal(rep.ignored_unknown[1], 1);
    assert_int_equal(rep.rejected[1][NT_REJECT_UNKNOWN_PERSON], 0);
    nt_spells_free(s);
    free(pt);
    free(bt);
    free(gt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),           cmocka_unit_test(test_dutch_composite),
        cmocka_unit_test(test_record_defects), cmocka_unit_test(test_lenient_report),
        cmocka_unit_test(test_reject_person),  cmocka_unit_test(test_file_defects),
        cmocka_unit_test(test_readstat),       cmocka_unit_test(test_edges),
        cmocka_unit_test(test_messages),       cmocka_unit_test(test_codes),
        cmocka_unit_test(test_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
