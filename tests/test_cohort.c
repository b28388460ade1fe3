/* data/nt_cohort: every rule of data contract section 3 on hand-made spells,
   with the expected panel written out. Unless said otherwise: cohort WW,
   inflow 2003-01:2003-12, data end 2005-12-31, H = 6. C = censored. */
#include "tests/nt_test.h"

#include <omp.h>

#include "data/nt_cohort.h"
#include "tests/fx_spells.h"

#define C 255
#define CE -1.0  /* censored earnings in the expected arrays */
enum { WIA = 1, WW = 2, WWB = 3 };
enum { BEM = 1, SCH = 2 };

static const char *ww[] = {"WW"};

static nt_cohort *build(nt_spells *s, const char *const *schemes, int ns, const char *from,
                        const char *to, int H)
{
    fx_sort(s);
    nt_cohort_def def = {.n_schemes = ns, .schemes = schemes, .inflow_from = M(from),
                         .inflow_to = M(to), .horizon = H};
    nt_cohort *c = NULL;
    nt_error err;
    nt_status st = nt_cohort_build(s, &def, &c, &err);
    if (st) fail_msg("nt_cohort_build: %s", err.msg);
    return c;
}

static nt_cohort *build_ww(nt_spells *s) { return build(s, ww, 1, "2003-01", "2003-12", 6); }

/* Row i of a uint8 series equals want[0..H-1]. */
static void row_u8(const nt_cohort *c, const uint8_t *series, long i, const int *want, const char *what)
{
    for (int k = 0; k < c->months; k++)
        if (series[i * c->months + k] != want[k])
            fail_msg("%s: person row %ld month %d: got %d, want %d", what, i, k,
                     series[i * c->months + k], want[k]);
}

static void row_earn(const nt_cohort *c, long i, const double *want)
{
    for (int k = 0; k < c->months; k++) {
        float got = c->earnings[i * c->months + k];
        if (want[k] == CE) {
            if (!isnan(got)) fail_msg("earnings row %ld month %d: got %g, want censored (NaN)", i, k, got);
        } else {
            expect_near(got, want[k], 1e-3);
        }
    }
}

static long row_of(const nt_cohort *c, int person)
{
    for (long i = 0; i < c->n; i++)
        if (c->person[i] == person) return i;
    return -1;
}

/* Month boundaries and partial-month earnings. Index WW 2003-03-15..07-10:
   month 0 = March. Jobs: 2003-05-20..06-09 at 3000 (May: 12 of 31 days
   = 1161.2903; June: 9 of 30 = 900), 2003-06-01..06-30 at 1000 (a concurrent
   job adds: June 1900), 2003-08-01..08-01 with no wage (employed, earns 0).
   The job on 08-01 starts within 31 days after 07-10: exit to work in
   month 4 (July). */
static void test_months_and_earnings(void **state)
{
    (void)state;
    nt_spells *s = fx_new(1);
    fx_benefit(s, 0, WW, "2003-03-15", "2003-07-10");
    fx_job(s, 0, "2003-05-20", "2003-06-09", 3000);
    fx_job(s, 0, "2003-06-01", "2003-06-30", 1000);
    fx_job(s, 0, "2003-08-01", "2003-08-01", NAN);
    nt_cohort *c = build_ww(s);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->inflow_month[0], M("2003-03"));
    row_u8(c, c->employed, 0, (int[]){0, 0, 1, 1, 0, 1}, "employed");
    row_earn(c, 0, (double[]){0, 0, 3000.0 * 12 / 31, 1900, 0, 0});
    row_u8(c, c->on_index_benefit, 0, (int[]){1, 1, 1, 1, 1, 0}, "on_index_benefit");
    row_u8(c, c->on_benefit, 0, (int[]){1, 1, 1, 1, 1, 0}, "on_benefit");
    row_u8(c, c->in_program, 0, (int[]){0, 0, 0, 0, 0, 0}, "in_program");
    assert_int_equal(c->n_observed[0], 6);
    assert_int_equal(c->exit_month[0], 4);
    assert_int_equal(c->exit_dest[0], NT_EXIT_WORK);
    nt_cohort_free(c);
    fx_free(s);
}

/* Censoring. Everyone: WW from 2003-03-15, open. Data end 2003-06-29:
   June's last day (06-30) is after it, so months from June (k = 3) are
   censored for p0. p1 dies on 2003-05-31 = May's last day, which is then not
   "before" the death date: censored from May (k = 2). p2 dies 2003-06-01:
   May observed. p3 emigrates 2003-04-30: censored from April (k = 1).
   Data end 2003-06-30 would make June observed: see p0 in the second run. */
static void test_censoring(void **state)
{
    (void)state;
    nt_spells *s = fx_new(4);
    for (int p = 0; p < 4; p++) {
        fx_benefit(s, p, WW, "2003-03-15", NULL);
        fx_job(s, p, "2003-01-01", NULL, 2000);
    }
    s->persons.death[1] = D("2003-05-31");
    s->persons.death[2] = D("2003-06-01");
    s->persons.emigration[3] = D("2003-04-30");
    s->data_end = D("2003-06-29");
    nt_cohort *c = build_ww(s);
    assert_int_equal(c->n, 4);
    row_u8(c, c->employed, 0, (int[]){1, 1, 1, C, C, C}, "employed p0");
    row_earn(c, 0, (double[]){2000, 2000, 2000, CE, CE, CE});
    row_u8(c, c->on_index_benefit, 1, (int[]){1, 1, C, C, C, C}, "on_index_benefit p1");
    row_u8(c, c->on_benefit, 2, (int[]){1, 1, 1, C, C, C}, "on_benefit p2");
    row_u8(c, c->in_program, 3, (int[]){0, C, C, C, C, C}, "in_program p3");
    row_earn(c, 3, (double[]){2000, CE, CE, CE, CE, CE});
    assert_int_equal(c->n_observed[0], 3);
    assert_int_equal(c->n_observed[1], 2);
    assert_int_equal(c->n_observed[2], 3);
    assert_int_equal(c->n_observed[3], 1);
    assert_int_equal(c->n_censored_persons, 4);
    assert_int_equal(c->n_censored_months, 3 + 4 + 3 + 5);
    /* Open index spell: destination censored, exit month = month of the data end (June, 3). */
    assert_int_equal(c->exit_dest[0], NT_EXIT_CENSORED);
    assert_int_equal(c->exit_month[0], 3);
    nt_cohort_free(c);

    s->data_end = D("2003-06-30");
    c = build_ww(s);
    row_u8(c, c->employed, 0, (int[]){1, 1, 1, 1, C, C}, "employed p0, data end 06-30");
    nt_cohort_free(c);
    fx_free(s);
}

/* in_program on overlap. Index WW 2003-03-15..2003-09-30. B1: bemiddeling
   2003-04-10..04-20 (line n); S: scholing 2003-04-10..06-15 (line n+1, same
   day, later line); B2: bemiddeling 2003-05-01..05-31 (later start than S).
   April: B1 and S start the same day, B1 has the lower line: 1. May: S
   started before B2: 2. June: S: 2. July: none. A programme before the index
   spell (scholing 2003-01-05..03-20) shows in March and is history, not
   treatment: the treatment is B1 in month 1. */
static void test_programmes(void **state)
{
    (void)state;
    nt_spells *s = fx_new(1);
    fx_benefit(s, 0, WW, "2003-03-15", "2003-09-30");
    fx_program(s, 0, SCH, "2003-01-05", "2003-03-20", 100);
    fx_program(s, 0, BEM, "2003-04-10", "2003-04-20", 250);
    fx_program(s, 0, SCH, "2003-04-10", "2003-06-15", 900);
    fx_program(s, 0, BEM, "2003-05-01", "2003-05-31", NAN);
    nt_cohort *c = build_ww(s);
    row_u8(c, c->in_program, 0, (int[]){SCH, BEM, SCH, SCH, 0, 0}, "in_program");
    assert_int_equal(c->treat_type[0], BEM);
    assert_int_equal(c->treat_month[0], 1);
    expect_near(c->treat_cost[0], 250, 0);
    nt_cohort_free(c);
    fx_free(s);
}

/* Treatment timing. Index spells WW 2003-03-15..2003-07-10.
   p0: programme starting on the index spell's last day: treated, month 4.
   p1: programme starting the day after the end: not treated.
   p2: no programme: none (0, -1).
   p3: programme starting on the index start day: month 0.
   p4: index spell open (still running): a programme in 2004-02 is month 11
       (beyond H: kept, months since inflow). */
static void test_treat_timing(void **state)
{
    (void)state;
    nt_spells *s = fx_new(5);
    for (int p = 0; p < 4; p++) fx_benefit(s, p, WW, "2003-03-15", "2003-07-10");
    fx_benefit(s, 4, WW, "2003-03-15", NULL);
    fx_program(s, 0, SCH, "2003-07-10", "2003-08-10", NAN);
    fx_program(s, 1, SCH, "2003-07-11", "2003-08-10", NAN);
    fx_program(s, 3, BEM, "2003-03-15", "2003-03-15", NAN);
    fx_program(s, 4, BEM, "2004-02-03", NULL, NAN);
    nt_cohort *c = build_ww(s);
    int want_type[] = {SCH, 0, 0, BEM, BEM}, want_month[] = {4, -1, -1, 0, 11};
    for (int p = 0; p < 5; p++) {
        assert_int_equal(c->treat_type[p], want_type[p]);
        assert_int_equal(c->treat_month[p], want_month[p]);
    }
    assert_true(isnan(c->treat_cost[1]));
    nt_cohort_free(c);
    /* p4's programme starts after an early data end: no treatment. */
    s->data_end = D("2004-01-31");
    c = build_ww(s);
    assert_int_equal(c->treat_type[4], 0);
    assert_int_equal(c->treat_month[4], -1);
    assert_int_equal(c->treat_type[0], SCH);
    nt_cohort_free(c);
    s->data_end = D("2005-12-31");
    c = build_ww(s);
    row_u8(c, c->in_program, 1, (int[]){0, 0, 0, 0, SCH, SCH}, "in_program p1 (later programme visible)");
    nt_cohort_free(c);
    fx_free(s);
}

/* Exit destination. Index WW 2003-03-15..2003-07-10 for p0..p4, window
   for work: 2003-07-11..2003-08-10.
   p0: job starting 2003-08-10 (end + 31): work.  p1: job from 2003-08-11: other.
   p2: job running since 2002 (already running): work.
   p3: job ending 2003-07-10 (the spell's last day, nothing after): other.
   p4: index spell ends 2003-09-05, month 6 > H-1 = 5: censored, exit month 5.
   p5: index spell ends 2003-08-31 (month 5 = H-1): not censored; other. */
static void test_exit(void **state)
{
    (void)state;
    nt_spells *s = fx_new(6);
    for (int p = 0; p < 4; p++) fx_benefit(s, p, WW, "2003-03-15", "2003-07-10");
    fx_benefit(s, 4, WW, "2003-03-15", "2003-09-05");
    fx_benefit(s, 5, WW, "2003-03-15", "2003-08-31");
    fx_job(s, 0, "2003-08-10", NULL, 1);
    fx_job(s, 1, "2003-08-11", NULL, 1);
    fx_job(s, 2, "2002-05-01", NULL, 1);
    fx_job(s, 3, "2003-01-01", "2003-07-10", 1);
    nt_cohort *c = build_ww(s);
    int want_dest[] = {NT_EXIT_WORK, NT_EXIT_OTHER, NT_EXIT_WORK, NT_EXIT_OTHER, NT_EXIT_CENSORED, NT_EXIT_OTHER};
    for (int p = 0; p < 6; p++) {
        assert_int_equal(c->exit_dest[p], want_dest[p]);
    }
    nt_cohort_free(c);
    /* A data end of 2003-08-09 (given early): p0's job starts after it and
       makes no exit to work; p4's and p5's spells now run past the data end. */
    s->data_end = D("2003-08-09");
    c = build_ww(s);
    assert_int_equal(c->exit_dest[0], NT_EXIT_OTHER);
    assert_int_equal(c->exit_dest[2], NT_EXIT_WORK);
    assert_int_equal(c->exit_dest[4], NT_EXIT_CENSORED);
    assert_int_equal(c->exit_month[4], 5);  /* August 2003 (the data end's month) = month 5 */
    nt_cohort_free(c);
    s->data_end = D("2005-12-31");
    c = build_ww(s);
    int want_month[] = {4, 4, 4, 4, 5, 5};
    for (int p = 0; p < 6; p++) {
        assert_int_equal(c->exit_dest[p], want_dest[p]);
        assert_int_equal(c->exit_month[p], want_month[p]);
    }
    nt_cohort_free(c);
    fx_free(s);
}

/* Age: completed years at the index start. */
static void test_age(void **state)
{
    (void)state;
    /* 29 February birthday: 1 March in other years. */
    assert_int_equal(nt_age_years(D("1980-02-29"), D("2003-02-28")), 22);
    assert_int_equal(nt_age_years(D("1980-02-29"), D("2003-03-01")), 23);
    assert_int_equal(nt_age_years(D("1980-02-29"), D("2004-02-28")), 23);
    assert_int_equal(nt_age_years(D("1980-02-29"), D("2004-02-29")), 24);
    /* YYYY-MM birth = the 1st: 1980-05 */
    assert_int_equal(nt_age_years(D("1980-05-01"), D("2003-04-30")), 22);
    assert_int_equal(nt_age_years(D("1980-05-01"), D("2003-05-01")), 23);
    assert_int_equal(nt_age_years(D("1980-12-31"), D("2003-12-30")), 22);
    assert_int_equal(nt_age_years(D("1980-12-31"), D("2003-12-31")), 23);
    /* Through the cohort. */
    nt_spells *s = fx_new(2);
    s->persons.birth[0] = D("1980-02-29");
    s->persons.birth[1] = D("1980-05-01");
    fx_benefit(s, 0, WW, "2003-02-28", NULL);
    fx_benefit(s, 1, WW, "2003-05-01", NULL);
    nt_cohort *c = build_ww(s);
    assert_int_equal(c->age[0], 22);
    assert_int_equal(c->age[1], 23);
    nt_cohort_free(c);
    fx_free(s);
}

/* History windows, month 0 = 2003-03. prev12 = 2002-03..2003-02,
   prev24 = 2001-03..2003-02. Jobs: 2001-02 (outside both), 2001-03 (prev24),
   2002-02-15..02-28 (prev24), 2002-03 full at 2000 (prev12), 2003-02-01..
   2003-03-05 at 1400 (prev12: full February 1400; also month 0: 5/31).
   emp_prev12 = 2, emp_prev24 = 4, earn_prev12 = 3400.
   Benefits: WWB 2001-01-01..2001-04-30 (2001-03, 2001-04 count), WIA
   2002-12-20..2003-01-05 (2002-12, 2003-01): ben_prev24 = 4. */
static void test_history(void **state)
{
    (void)state;
    nt_spells *s = fx_new(1);
    fx_benefit(s, 0, WWB, "2001-01-01", "2001-04-30");
    fx_benefit(s, 0, WIA, "2002-12-20", "2003-01-05");
    fx_benefit(s, 0, WW, "2003-03-15", NULL);
    fx_job(s, 0, "2001-02-01", "2001-02-28", 5000);
    fx_job(s, 0, "2001-03-01", "2001-03-31", 5000);
    fx_job(s, 0, "2002-02-15", "2002-02-28", 5000);
    fx_job(s, 0, "2002-03-01", "2002-03-31", 2000);
    fx_job(s, 0, "2003-02-01", "2003-03-05", 1400);
    nt_cohort *c = build_ww(s);
    assert_int_equal(c->emp_prev12[0], 2);
    assert_int_equal(c->emp_prev24[0], 4);
    expect_near(c->earn_prev12[0], 3400, 1e-9);
    assert_int_equal(c->ben_prev24[0], 4);
    row_earn(c, 0, (double[]){1400.0 * 5 / 31, 0, 0, 0, 0, 0});
    nt_cohort_free(c);
    fx_free(s);
}

/* Pre-inflow months (placebo outcomes), month 0 = 2003-03: the 36 months
   2000-03 .. 2003-02, column j = month j - 36. Jobs: 2000-02 (before the
   window), 2000-03-16..2000-04-10 at 3100 (March 2000: 16 of 31 days = 1600,
   April: 10 of 30 = 1033.33), 2003-02-01..2003-03-05 at 1400 (column 35:
   1400; month 0 gets 5/31). Benefits: WWB 2001-01-01..2001-04-30 (columns
   10..13), WIA 2002-12-20..2003-01-05 (columns 33, 34). The 24-month
   history covariates do not see 2000. */
static void test_pre_inflow(void **state)
{
    (void)state;
    nt_spells *s = fx_new(1);
    fx_benefit(s, 0, WWB, "2001-01-01", "2001-04-30");
    fx_benefit(s, 0, WIA, "2002-12-20", "2003-01-05");
    fx_benefit(s, 0, WW, "2003-03-15", NULL);
    fx_job(s, 0, "2000-02-01", "2000-02-29", 5000);
    fx_job(s, 0, "2000-03-16", "2000-04-10", 3100);
    fx_job(s, 0, "2003-02-01", "2003-03-05", 1400);
    nt_cohort *c = build_ww(s);
    assert_int_equal(NT_COHORT_PRE, 36);
    int emp[36] = {0}, ben[36] = {0};
    double earn[36] = {0};
    emp[0] = emp[1] = emp[35] = 1;
    earn[0] = 1600;
    earn[1] = 3100.0 * 10 / 30;
    earn[35] = 1400;
    for (int j = 10; j <= 13; j++) ben[j] = 1;
    ben[33] = ben[34] = 1;
    for (int j = 0; j < 36; j++) {
        if (c->pre_employed[j] != emp[j]) fail_msg("pre employed column %d: got %d, want %d", j, c->pre_employed[j], emp[j]);
        if (c->pre_on_benefit[j] != ben[j]) fail_msg("pre on_benefit column %d: got %d, want %d", j, c->pre_on_benefit[j], ben[j]);
        expect_near(c->pre_earnings[j], earn[j], 1e-3);
    }
    assert_int_equal(c->emp_prev24[0], 1);
    assert_int_equal(c->ben_prev24[0], 4);
    nt_cohort_free(c);
    fx_free(s);
}

/* Schemes and the inflow window 2003-01:2003-12 for WW and WWB.
   p0: WWB 2002-12-31 (outside), WW 2003-01-01 (edge): index WW, month 2003-01.
   p1: WIA in the window, WW 2004-01-01 (outside): not in the cohort.
   p2: WW 2003-12-31: in, month 0 = 2003-12.
   p3: WW from 2002-11 running into the window, WWB 2003-06-01: index WWB.
   p4: two WW spells in the window: the first. A WIA spell overlapping
       gives on_benefit but not on_index_benefit. */
static void test_schemes_window(void **state)
{
    (void)state;
    nt_spells *s = fx_new(5);
    fx_benefit(s, 0, WWB, "2002-12-31", "2003-02-10");
    fx_benefit(s, 0, WW, "2003-01-01", "2003-01-31");
    fx_benefit(s, 1, WIA, "2003-05-01", NULL);
    fx_benefit(s, 1, WW, "2004-01-01", NULL);
    fx_benefit(s, 2, WW, "2003-12-31", "2004-01-31");
    fx_benefit(s, 3, WW, "2002-11-01", "2003-05-31");
    fx_benefit(s, 3, WWB, "2003-06-01", "2003-07-31");
    fx_benefit(s, 4, WW, "2003-02-01", "2003-02-28");
    fx_benefit(s, 4, WIA, "2003-03-10", "2003-04-15");
    fx_benefit(s, 4, WW, "2003-04-01", "2003-04-30");
    const char *two[] = {"ww", "WWB"};  /* case-insensitive */
    nt_cohort *c = build(s, two, 2, "2003-01", "2003-12", 6);
    assert_int_equal(c->n, 4);
    assert_int_equal(row_of(c, 1), -1);
    long r0 = row_of(c, 0), r2 = row_of(c, 2), r3 = row_of(c, 3), r4 = row_of(c, 4);
    assert_int_equal(c->inflow_month[r0], M("2003-01"));
    assert_int_equal(c->scheme[r0], WW);
    row_u8(c, c->on_index_benefit, r0, (int[]){1, 0, 0, 0, 0, 0}, "p0 index");
    row_u8(c, c->on_benefit, r0, (int[]){1, 1, 0, 0, 0, 0}, "p0 benefit");
    assert_int_equal(c->inflow_month[r2], M("2003-12"));
    row_u8(c, c->on_index_benefit, r2, (int[]){1, 1, 0, 0, 0, 0}, "p2 index");
    assert_int_equal(c->scheme[r3], WWB);
    assert_int_equal(c->inflow_month[r3], M("2003-06"));
    assert_int_equal(c->ben_prev24[r3], 7);  /* 2002-11 .. 2003-05 */
    assert_int_equal(c->inflow_month[r4], M("2003-02"));
    row_u8(c, c->on_index_benefit, r4, (int[]){1, 0, 0, 0, 0, 0}, "p4 index");
    row_u8(c, c->on_benefit, r4, (int[]){1, 1, 1, 0, 0, 0}, "p4 benefit");
    /* Window of a single month, 2003-12: only p2. */
    nt_cohort_free(c);
    c = build(s, two, 2, "2003-12", "2003-12", 6);
    assert_int_equal(c->n, 1);
    assert_int_equal(c->person[0], 2);
    nt_cohort_free(c);
    fx_free(s);
}

/* Born after the index spell's start: left out and listed (the caller
   rejects the person); born on the start day is fine. */
static void test_born_after(void **state)
{
    (void)state;
    nt_spells *s = fx_new(3);
    s->persons.birth[0] = D("2003-03-16");
    s->persons.birth[1] = D("2003-03-15");
    for (int p = 0; p < 3; p++) fx_benefit(s, p, WW, "2003-03-15", NULL);
    nt_cohort *c = build_ww(s);
    assert_int_equal(c->n, 2);
    assert_int_equal(c->person[0], 1);
    assert_int_equal(c->n_born_after, 1);
    assert_int_equal(c->born_after[0].person, 0);
    assert_int_equal(c->age[0], 0);
    nt_cohort_free(c);
    fx_free(s);
}

static void test_errors(void **state)
{
    (void)state;
    nt_spells *s = fx_new(1);
    fx_benefit(s, 0, WW, "2003-03-15", NULL);
    const char *bad[] = {"WW", "XYZ"};
    nt_cohort_def def = {.n_schemes = 2, .schemes = bad, .inflow_from = M("2003-01"),
                         .inflow_to = M("2003-12"), .horizon = 6};
    nt_cohort *c = NULL;
    nt_error err;
    assert_int_equal(nt_cohort_build(s, &def, &c, &err), NT_EINPUT);
    assert_non_null(strstr(err.msg, "XYZ"));
    assert_null(c);
    def.n_schemes = 1;
    def.horizon = 0;
    assert_int_equal(nt_cohort_build(s, &def, &c, &err), NT_EUSAGE);
    def.horizon = 6;
    /* An extra persons column named like a derived covariate. */
    s->persons.n_extra = 1;
    s->persons.extra = calloc(1, sizeof *s->persons.extra);
    s->persons.extra[0].name = fx_strdup("Age");
    s->persons.extra[0].is_numeric = 1;
    s->persons.extra[0].num = calloc(1, sizeof(double));
    assert_int_equal(nt_cohort_build(s, &def, &c, &err), NT_EINPUT);
    assert_string_equal(err.column, "Age");
    assert_null(c);
    fx_free(s);
}

/* The panel is the same for 1 and 2 threads. */
static void test_threads(void **state)
{
    (void)state;
    const int np = 3000;
    nt_spells *s = fx_new(np);
    unsigned x = 12345;
    char a[16], b[16];
    for (int p = 0; p < np; p++) {
        x = x * 1103515245u + 12345u;
        nt_day st = D("2002-06-01") + (nt_day)(x % 900);
        nt_day_format(st, a);
        nt_day_format(st + 30 + (nt_day)(x % 400), b);
        fx_benefit(s, p, WW, a, b);
        nt_day_format(st - 200 + (nt_day)(x % 300), a);
        nt_day_format(st + (nt_day)(x % 500), b);
        fx_job(s, p, a, b, 1000 + x % 3000);
        nt_day_format(st + 20, a);
        nt_day_format(st + 80, b);
        fx_program(s, p, 1 + (int)(x % 2), a, b, NAN);
    }
    s->data_end = D("2004-06-30");
    omp_set_num_threads(1);
    nt_cohort *c1 = build(s, ww, 1, "2002-06", "2004-12", 24);
    omp_set_num_threads(2);
    nt_cohort *c2 = build(s, ww, 1, "2002-06", "2004-12", 24);
    assert_int_equal(c1->n, c2->n);
    assert_true(c1->n > 2000);
    size_t cells = (size_t)c1->n * 24;
    assert_memory_equal(c1->employed, c2->employed, cells);
    assert_memory_equal(c1->earnings, c2->earnings, cells * sizeof(float));
    assert_memory_equal(c1->in_program, c2->in_program, cells);
    assert_memory_equal(c1->exit_month, c2->exit_month, (size_t)c1->n * sizeof(int32_t));
    nt_cohort_free(c1);
    nt_cohort_free(c2);
    fx_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_months_and_earnings),
        cmocka_unit_test(test_censoring),
        cmocka_unit_test(test_programmes),
        cmocka_unit_test(test_treat_timing),
        cmocka_unit_test(test_exit),
        cmocka_unit_test(test_age),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_pre_inflow),
        cmocka_unit_test(test_schemes_window),
        cmocka_unit_test(test_born_after),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
