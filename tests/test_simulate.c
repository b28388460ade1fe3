/* datasets/nt_simulate: the synthetic population and its truth.

   The panel check re-reads the written CSV files with a small reference
   parser of its own and applies the data contract's rules (index spell,
   month coverage, earnings pro rata, censoring, treatment timing) to them;
   the result must equal the panel the generator computed the truth from. */
#include "tests/nt_test.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/nt_date.h"
#include "datasets/nt_sim_model.h"
#include "datasets/nt_simulate.h"

/* ------------------------------------------ the population in memory */

/* For each person (index i, id i+1) the panel the contract's rules give,
   months 0..months-1 since inflow, row i at [i * months]; months from
   n_observed[i] on are censored (their values are 0 and must not be used).
   The _cf arrays hold the counterfactual path (no programme start in
   treat_month, still eligible later) for persons with treat_month in 0..23,
   and the factual path for everybody else. Built with the simulator's own
   per-person engine (nt_sim_person_run), the one nt_simulate_write runs. */
typedef struct {
    long n;
    int months;                   /* NT_SIM_PANEL_MONTHS */
    int *inflow_month;            /* calendar month number (year*12 + month-1) */
    uint8_t *scheme;              /* 0 WW, 1 BIJSTAND */
    int8_t *education;            /* 0 low, 1 mid, 2 high, -1 missing */
    uint8_t *emp_prev12;          /* months employed in the 12 months before month 0 */
    int *treat_month;             /* first programme start in the index spell, -1 none */
    uint8_t *treat_type;          /* 1..4, 0 none */
    int *index_last;              /* last month (since inflow) of the index spell within the simulation */
    int *n_observed;              /* months 0..n_observed-1 are observed */
    uint8_t *employed, *on_benefit, *employed_cf, *on_benefit_cf;
    double *earnings, *earnings_cf;
} sim_population;

static void population_free(sim_population *p)
{
    if (!p) return;
    free(p->inflow_month);
    free(p->scheme);
    free(p->education);
    free(p->emp_prev12);
    free(p->treat_month);
    free(p->treat_type);
    free(p->index_last);
    free(p->n_observed);
    free(p->employed);
    free(p->on_benefit);
    free(p->employed_cf);
    free(p->on_benefit_cf);
    free(p->earnings);
    free(p->earnings_cf);
    free(p);
}

static nt_status population_generate(const nt_simulate_opts *o, sim_population **out, nt_error *err)
{
    nt_status st = NT_OK;
    model M;
    nt_sim_model_init(&M, o->scenario);
    long n = o->persons;
    size_t H = NT_SIM_PANEL_MONTHS, nh = (size_t)n * H;
    sim_population *P = calloc(1, sizeof *P);
    if (!P) return nt_fail(err, NT_ENOMEM, "out of memory");
    P->n = n;
    P->months = (int)H;
    P->inflow_month = calloc((size_t)n, sizeof(int));
    P->scheme = calloc((size_t)n, 1);
    P->education = calloc((size_t)n, 1);
    P->emp_prev12 = calloc((size_t)n, 1);
    P->treat_month = calloc((size_t)n, sizeof(int));
    P->treat_type = calloc((size_t)n, 1);
    P->index_last = calloc((size_t)n, sizeof(int));
    P->n_observed = calloc((size_t)n, sizeof(int));
    P->employed = calloc(nh, 1);
    P->on_benefit = calloc(nh, 1);
    P->employed_cf = calloc(nh, 1);
    P->on_benefit_cf = calloc(nh, 1);
    P->earnings = calloc(nh, sizeof(double));
    P->earnings_cf = calloc(nh, sizeof(double));
    int nth = o->threads > 0 ? o->threads : omp_get_max_threads();
    work *works = calloc((size_t)nth, sizeof *works);
    int failed = 0;
    if (!P->inflow_month || !P->scheme || !P->education || !P->emp_prev12 || !P->treat_month || !P->treat_type ||
        !P->index_last || !P->n_observed || !P->employed || !P->on_benefit || !P->employed_cf ||
        !P->on_benefit_cf || !P->earnings || !P->earnings_cf || !works) {
        st = nt_fail(err, NT_ENOMEM, "out of memory for %ld persons", n);
        goto done;
    }
#pragma omp parallel num_threads(nth)
    {
        work *w = &works[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (long i = 0; i < n; i++) {
            if (failed) continue;
            if (nt_sim_person_run(&M, o->seed, i, w, NULL)) {
#pragma omp atomic write
                failed = 1;
                continue;
            }
            const person *p = &w->p;
            P->inflow_month[i] = p->inflow;
            P->scheme[i] = (uint8_t)p->scheme;
            P->education[i] = (int8_t)p->edu;
            P->emp_prev12[i] = (uint8_t)p->emp12;
            P->treat_month[i] = w->info.treat_month;
            P->treat_type[i] = (uint8_t)w->info.treat_type;
            P->index_last[i] = w->info.index_last;
            P->n_observed[i] = p->n_observed;
            size_t r = (size_t)i * H;
            for (int t = 0; t < p->n_observed; t++) {
                P->employed[r + t] = w->e1[t];
                P->on_benefit[r + t] = w->b1[t];
                P->earnings[r + t] = (double)w->w1[t] / (double)EARN_L;
                P->employed_cf[r + t] = w->e0[t];
                P->on_benefit_cf[r + t] = w->b0[t];
                P->earnings_cf[r + t] = (double)w->w0[t] / (double)EARN_L;
            }
        }
    }
    if (failed) st = nt_fail(err, NT_ENOMEM, "out of memory");
done:
    if (works)
        for (int t = 0; t < nth; t++) {
            free(works[t].f.v);
            free(works[t].c.v);
        }
    free(works);
    if (st) {
        population_free(P);
        return st;
    }
    *out = P;
    return NT_OK;
}

/* ------------------------------------------------ reference CSV reading */

typedef struct {
    char **f;   /* fields of all records, row-major */
    int ncol;
    long nrow;
    char *text;
} table;

/* Splits a simulate CSV (no quoting is ever needed in it): strips a BOM and
   CRs, splits on delim; the header is row 0. */
static table read_table(const char *dir, const char *name, char delim)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    table t = {0};
    t.text = nt_test_slurp(path);
    assert_non_null(t.text);
    char *s = t.text;
    if (!strncmp(s, "\xEF\xBB\xBF", 3)) s += 3;
    long cap = 1024, nf = 0;
    t.f = malloc((size_t)cap * sizeof *t.f);
    while (*s) {
        char *eol = strchr(s, '\n');
        char *next = eol ? eol + 1 : s + strlen(s);
        if (eol) *eol = 0;
        if (eol && eol > s && eol[-1] == '\r') eol[-1] = 0;
        int col = 0;
        for (char *fs = s;;) {
            char *d = strchr(fs, delim);
            if (d) *d = 0;
            if (nf == cap) {
                cap *= 2;
                t.f = realloc(t.f, (size_t)cap * sizeof *t.f);
            }
            t.f[nf++] = fs;
            col++;
            if (!d) break;
            fs = d + 1;
        }
        if (!t.ncol) t.ncol = col;
        assert_int_equal(col, t.ncol);
        s = next;
    }
    t.nrow = nf / t.ncol;
    return t;
}

static void free_table(table *t)
{
    free(t->f);
    free(t->text);
}

static const char *cell(const table *t, long r, int c) { return t->f[r * t->ncol + c]; }

static nt_day date_of(const char *s)
{
    if (!*s) return NT_DAY_NONE;
    nt_day d;
    assert_int_equal(nt_date_parse(s, strlen(s), &d), 0);
    return d;
}

static long id_of(const char *s) { return strtol(s, NULL, 10) - 1; }

typedef struct {
    int n;
    nt_day start[64], end[64];
    double wage[64];
    char code[64][24];
} spells;

typedef struct {
    nt_day birth, death, emig;
    char edu[16];
    spells ben, prog, job;
} ref_person;

static void add_spell(spells *s, nt_day a, nt_day b, double w, const char *code)
{
    assert_true(s->n < 64);
    s->start[s->n] = a;
    s->end[s->n] = b;
    s->wage[s->n] = w;
    snprintf(s->code[s->n], sizeof s->code[0], "%s", code);
    s->n++;
}

/* Persons 0..n-1 of a simulate folder. */
static ref_person *read_persons(const char *dir, long n, char delim)
{
    ref_person *P = calloc((size_t)n, sizeof *P);
    table t = read_table(dir, "persons.csv", delim);
    assert_string_equal(cell(&t, 0, 0), "person_id");
    for (long r = 1; r < t.nrow; r++) {
        long i = id_of(cell(&t, r, 0));
        if (i >= n) continue;
        P[i].birth = date_of(cell(&t, r, 1));
        P[i].death = date_of(cell(&t, r, 6));
        P[i].emig = date_of(cell(&t, r, 7));
        snprintf(P[i].edu, sizeof P[i].edu, "%s", cell(&t, r, 3));
    }
    free_table(&t);
    t = read_table(dir, "benefits.csv", delim);
    for (long r = 1; r < t.nrow; r++) {
        long i = id_of(cell(&t, r, 0));
        if (i < n) add_spell(&P[i].ben, date_of(cell(&t, r, 2)), date_of(cell(&t, r, 3)), 0, cell(&t, r, 1));
    }
    free_table(&t);
    t = read_table(dir, "programs.csv", delim);
    for (long r = 1; r < t.nrow; r++) {
        long i = id_of(cell(&t, r, 0));
        if (i < n) add_spell(&P[i].prog, date_of(cell(&t, r, 2)), date_of(cell(&t, r, 3)), 0, cell(&t, r, 1));
    }
    free_table(&t);
    t = read_table(dir, "jobs.csv", delim);
    for (long r = 1; r < t.nrow; r++) {
        long i = id_of(cell(&t, r, 0));
        if (i < n)
            add_spell(&P[i].job, date_of(cell(&t, r, 1)), date_of(cell(&t, r, 2)), atof(cell(&t, r, 3)), "");
    }
    free_table(&t);
    return P;
}

/* The contract's rules, applied to one month. */
static int covers(const spells *s, int j, int month)
{
    nt_day f = nt_month_first_day(month), l = nt_month_last_day(month);
    return s->start[j] <= l && (s->end[j] == NT_DAY_NONE || s->end[j] >= f);
}

static double earnings_in(const spells *s, int month)
{
    nt_day f = nt_month_first_day(month), l = nt_month_last_day(month);
    double e = 0;
    for (int j = 0; j < s->n; j++) {
        if (!covers(s, j, month)) continue;
        nt_day a = s->start[j] > f ? s->start[j] : f;
        nt_day b = s->end[j] == NT_DAY_NONE || s->end[j] > l ? l : s->end[j];
        e += s->wage[j] * (double)(b - a + 1) / (double)(l - f + 1);
    }
    return e;
}

static int any_cover(const spells *s, int month)
{
    for (int j = 0; j < s->n; j++)
        if (covers(s, j, month)) return 1;
    return 0;
}

static int same_scheme_touching(const spells *s)
{
    for (int a = 0; a < s->n; a++)
        for (int b = 0; b < s->n; b++) {
            if (a == b || strcasecmp(s->code[a], s->code[b])) continue;
            /* b starts on or before a's end + 1 and after a's start */
            if (s->start[b] >= s->start[a] && (s->end[a] == NT_DAY_NONE || s->start[b] <= s->end[a] + 1)) return 1;
        }
    return 0;
}

/* Builds the panel of person r and compares it with the generator's. */
static void check_person(const ref_person *r, const sim_population *P, long i)
{
    const nt_day data_end = nt_day_from_ymd(2012, 12, 31);
    const int from = 2003 * 12, to = 2004 * 12 + 11;
    int idx = -1;
    for (int j = 0; j < r->ben.n; j++) {
        if (strcasecmp(r->ben.code[j], "WW") && strcasecmp(r->ben.code[j], "BIJSTAND")) continue;
        int m = nt_month_of_day(r->ben.start[j]);
        if (m < from || m > to) continue;
        if (idx < 0 || r->ben.start[j] < r->ben.start[idx]) idx = j;
    }
    assert_true(idx >= 0);
    assert_false(same_scheme_touching(&r->ben));
    assert_false(same_scheme_touching(&r->prog));
    int c = nt_month_of_day(r->ben.start[idx]);
    assert_int_equal(c, P->inflow_month[i]);
    nt_day cens = r->death != NT_DAY_NONE ? r->death : r->emig;
    int nobs = 0;
    while (nobs < P->months && nt_month_last_day(c + nobs) <= data_end &&
           (cens == NT_DAY_NONE || nt_month_last_day(c + nobs) < cens))
        nobs++;
    assert_int_equal(nobs, P->n_observed[i]);
    size_t row = (size_t)i * (size_t)P->months;
    for (int t = 0; t < nobs; t++) {
        assert_int_equal(any_cover(&r->job, c + t), P->employed[row + t]);
        assert_int_equal(any_cover(&r->ben, c + t), P->on_benefit[row + t]);
        expect_near(earnings_in(&r->job, c + t), P->earnings[row + t], 1e-6);
    }
    int emp12 = 0;
    for (int m = c - 12; m < c; m++) emp12 += any_cover(&r->job, m);
    assert_int_equal(emp12, P->emp_prev12[i]);
    /* first programme starting while the index spell runs */
    int tp = -1;
    for (int j = 0; j < r->prog.n; j++) {
        nt_day s = r->prog.start[j];
        if (s < r->ben.start[idx] || (r->ben.end[idx] != NT_DAY_NONE && s > r->ben.end[idx])) continue;
        if (tp < 0 || s < r->prog.start[tp]) tp = j;
    }
    assert_int_equal(tp < 0 ? -1 : nt_month_of_day(r->prog.start[tp]) - c, P->treat_month[i]);
    if (tp >= 0) assert_string_equal(r->prog.code[tp], nt_simulate_program_name(P->treat_type[i]));
    /* last index month within the data */
    int last = r->ben.end[idx] == NT_DAY_NONE ? -1 : nt_month_of_day(r->ben.end[idx]) - c;
    if (last >= 0) assert_int_equal(last, P->index_last[i]);
    static const char *const edu_en[3] = {"low", "mid", "high"}, *const edu_nl[3] = {"laag", "middelbaar", "hoog"},
                             *const edu_num[3] = {"1", "2", "3"};
    if (P->education[i] < 0) {
        assert_string_equal(r->edu, "");
    } else {
        int e = P->education[i];
        assert_true(!strcmp(r->edu, edu_en[e]) || !strcmp(r->edu, edu_nl[e]) || !strcmp(r->edu, edu_num[e]));
    }
}

static void check_panel_variant(const nt_simulate_opts *o, const char *tag)
{
    nt_error err;
    sim_population *P = NULL;
    assert_int_equal(population_generate(o, &P, &err), NT_OK);
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/out", nt_test_dir(tag));
    assert_int_equal(nt_simulate_write(o, dir, NULL, &err), NT_OK);
    ref_person *R = read_persons(dir, P->n, o->delimiter);
    long treated = 0, censored = 0;
    for (long i = 0; i < P->n; i++) {
        check_person(&R[i], P, i);
        treated += P->treat_month[i] >= 0;
        censored += P->n_observed[i] < P->months;
    }
    assert_true(treated > P->n / 5);   /* the check met participants */
    assert_true(censored > P->n / 5);  /* and censoring */
    free(R);
    population_free(P);
}

static void test_panel_matches_spells(void **state)
{
    (void)state;
    nt_simulate_opts o;
    nt_simulate_opts_init(&o);
    o.persons = 3000;
    o.seed = 11;
    check_panel_variant(&o, "sim_panel_plain");
    o.delimiter = ';';
    o.crlf = 1;
    o.bom = 1;
    o.date_format = NT_SIM_DATE_CBS;
    o.codes = NT_SIM_CODES_DUTCH;
    o.id_width = 9;
    o.scenario[0] = 0;
    snprintf(o.scenario, sizeof o.scenario, "unobserved");
    check_panel_variant(&o, "sim_panel_cbs");
    o.delimiter = '\t';
    o.crlf = 0;
    o.codes = NT_SIM_CODES_NUMERIC;
    check_panel_variant(&o, "sim_panel_tab");
    snprintf(o.scenario, sizeof o.scenario, "cycle");
    check_panel_variant(&o, "sim_panel_cycle");
}

/* ------------------------------------------------------------- truth */

typedef struct {
    char program[24], subgroup[24], outcome[16];
    int month;
    int defined;
    double att;
    char att_text[40];
    long n;
} truth_row;

static truth_row *read_truth(const char *dir, long *nrows)
{
    table t = read_table(dir, "truth.csv", ',');
    assert_string_equal(cell(&t, 0, 4), "true_att");
    truth_row *v = calloc((size_t)t.nrow, sizeof *v);
    for (long r = 1; r < t.nrow; r++) {
        truth_row *x = &v[r - 1];
        snprintf(x->program, sizeof x->program, "%s", cell(&t, r, 0));
        snprintf(x->subgroup, sizeof x->subgroup, "%s", cell(&t, r, 1));
        snprintf(x->outcome, sizeof x->outcome, "%s", cell(&t, r, 2));
        x->month = atoi(cell(&t, r, 3));
        snprintf(x->att_text, sizeof x->att_text, "%s", cell(&t, r, 4));
        x->defined = *x->att_text != 0;
        x->att = atof(x->att_text);
        x->n = atol(cell(&t, r, 5));
    }
    *nrows = t.nrow - 1;
    free_table(&t);
    return v;
}

/* theta(0..95) of one programme, subgroup and outcome; returns how many are defined. */
static int truth_path(const truth_row *v, long n, const char *prog, const char *sub, const char *outcome,
                      double *theta)
{
    int def = 0;
    for (long r = 0; r < n; r++)
        if (!strcmp(v[r].program, prog) && !strcmp(v[r].subgroup, sub) && !strcmp(v[r].outcome, outcome)) {
            theta[v[r].month] = v[r].defined ? v[r].att : NAN;
            def += v[r].defined;
        }
    return def;
}

static const char *write_scenario(const char *scenario, long persons, uint64_t seed, int threads, const char *tag)
{
    static char dir[4200];
    nt_simulate_opts o;
    nt_simulate_opts_init(&o);
    o.persons = persons;
    o.seed = seed;
    o.threads = threads;
    snprintf(o.scenario, sizeof o.scenario, "%s", scenario);
    snprintf(dir, sizeof dir, "%s/out", nt_test_dir(tag));
    nt_error err;
    assert_int_equal(nt_simulate_write(&o, dir, NULL, &err), NT_OK);
    return dir;
}

static void test_null_truth_is_zero(void **state)
{
    (void)state;
    const char *dir = write_scenario("null", 20000, 5, 0, "sim_null");
    long n;
    truth_row *v = read_truth(dir, &n);
    long defined = 0;
    for (long r = 0; r < n; r++) {
        if (!v[r].defined) continue;
        defined++;
        assert_string_equal(v[r].att_text, "0");
    }
    assert_true(defined > n / 2);
    free(v);
    /* and the counterfactual path is the factual one, person by person */
    nt_simulate_opts o;
    nt_simulate_opts_init(&o);
    o.persons = 5000;
    snprintf(o.scenario, sizeof o.scenario, "null");
    sim_population *P;
    nt_error err;
    assert_int_equal(population_generate(&o, &P, &err), NT_OK);
    size_t nh = (size_t)P->n * (size_t)P->months;
    assert_memory_equal(P->employed, P->employed_cf, nh);
    assert_memory_equal(P->on_benefit, P->on_benefit_cf, nh);
    assert_memory_equal(P->earnings, P->earnings_cf, nh * sizeof(double));
    population_free(P);
}

/* Lock-in: theta < 0 in the first months; break-even (spec's definition:
   smallest tau with C(s) > 0 for all s >= tau up to 95) within 3 years;
   lasting effect: theta > 0 over months 24..95. Effects larger for the low
   educated than for the high educated (months 24..59). */
static void test_default_lockin_breakeven(void **state)
{
    (void)state;
    const char *dir = write_scenario("default", 20000, 3, 0, "sim_default");
    long n;
    truth_row *v = read_truth(dir, &n);
    double th[NT_SIM_HORIZON];
    assert_int_equal(truth_path(v, n, "any", "", "employed", th), NT_SIM_HORIZON);
    for (int t = 0; t < 3; t++) assert_true(th[t] < -0.01);
    double C[NT_SIM_HORIZON], c = 0;
    for (int t = 0; t < NT_SIM_HORIZON; t++) C[t] = c += th[t];
    int be = NT_SIM_HORIZON;
    while (be > 0 && C[be - 1] > 0) be--;
    assert_true(be > 3 && be <= 36);
    for (int t = 24; t < NT_SIM_HORIZON; t++) assert_true(th[t] > 0.02);
    /* benefit receipt goes down after the lock-in; earnings go up */
    double tb[NT_SIM_HORIZON], te[NT_SIM_HORIZON];
    truth_path(v, n, "any", "", "on_benefit", tb);
    truth_path(v, n, "any", "", "earnings", te);
    double sb = 0, se = 0;
    for (int t = 24; t < 60; t++) {
        sb += tb[t];
        se += te[t];
    }
    assert_true(sb < 0);
    assert_true(se > 0);
    /* training locks in deeper than job search assistance */
    double ts[NT_SIM_HORIZON], tm[NT_SIM_HORIZON];
    truth_path(v, n, "scholing", "", "employed", ts);
    truth_path(v, n, "bemiddeling", "", "employed", tm);
    double ls = 0, lm = 0;
    for (int t = 0; t < 6; t++) {
        ls += ts[t];
        lm += tm[t];
    }
    assert_true(ls < lm);
    double lo[NT_SIM_HORIZON], hi[NT_SIM_HORIZON];
    truth_path(v, n, "any", "education=low", "employed", lo);
    truth_path(v, n, "any", "education=high", "employed", hi);
    double slo = 0, shi = 0;
    for (int t = 24; t < 60; t++) {
        slo += lo[t];
        shi += hi[t];
    }
    assert_true(slo > shi);
    free(v);
}

/* Ever vs never participants, mean share of months employed in months 24..47
   since inflow (persons observed through month 47): the naive difference
   and its SE, against (a) truth.csv's ATT for `any`, averaged over months
   24..47 since programme start, and (b) the exact mean effect on the
   participants over the same calendar window; both > 4 SE away. */
static void test_naive_is_biased(void **state)
{
    (void)state;
    nt_simulate_opts o;
    nt_simulate_opts_init(&o);
    o.persons = 20000;
    o.seed = 3;
    sim_population *P;
    nt_error err;
    assert_int_equal(population_generate(&o, &P, &err), NT_OK);
    double s[2] = {0}, s2[2] = {0}, cnt[2] = {0}, eff = 0;
    for (long i = 0; i < P->n; i++) {
        if (P->n_observed[i] < 48) continue;
        int ever = P->treat_month[i] >= 0 && P->treat_month[i] < NT_SIM_START_MONTHS;
        if (!ever && P->treat_month[i] >= 0) continue;   /* late starters are neither */
        size_t row = (size_t)i * (size_t)P->months;
        double y = 0, d = 0;
        for (int t = 24; t < 48; t++) {
            y += P->employed[row + t];
            d += (double)P->employed[row + t] - P->employed_cf[row + t];
        }
        y /= 24;
        s[ever] += y;
        s2[ever] += y * y;
        cnt[ever]++;
        if (ever) eff += d / 24;
    }
    double m1 = s[1] / cnt[1], m0 = s[0] / cnt[0];
    double v1 = (s2[1] - cnt[1] * m1 * m1) / (cnt[1] - 1), v0 = (s2[0] - cnt[0] * m0 * m0) / (cnt[0] - 1);
    double naive = m1 - m0, se = sqrt(v1 / cnt[1] + v0 / cnt[0]);
    eff /= cnt[1];
    const char *dir = write_scenario("default", 20000, 3, 0, "sim_naive");
    long n;
    truth_row *v = read_truth(dir, &n);
    double th[NT_SIM_HORIZON], tr = 0;
    truth_path(v, n, "any", "", "employed", th);
    for (int t = 24; t < 48; t++) tr += th[t] / 24;
    free(v);
    fprintf(stderr, "naive %.4f (se %.4f), truth.csv ATT(24..47) %.4f, true effect on participants %.4f\n",
            naive, se, tr, eff);
    assert_true(fabs(naive - tr) > 4 * se);
    assert_true(fabs(naive - eff) > 4 * se);
    assert_true(tr > 0 && eff > 0);
    population_free(P);
}

/* ------------------------------------------------------- determinism */

static int same_file(const char *a, const char *b, const char *name)
{
    char pa[4300], pb[4300];
    snprintf(pa, sizeof pa, "%s/%s", a, name);
    snprintf(pb, sizeof pb, "%s/%s", b, name);
    char *x = nt_test_slurp(pa), *y = nt_test_slurp(pb);
    assert_non_null(x);
    assert_non_null(y);
    int same = !strcmp(x, y);
    free(x);
    free(y);
    return same;
}

static const char *const all_files[] = {"persons.csv", "benefits.csv", "programs.csv", "jobs.csv",
                                        "truth.csv",   "study.ini",    "README.md", "truth_cost_benefit.csv"};

static void test_threads_identical(void **state)
{
    (void)state;
    /* 20000 persons: more than one write block of 16384 */
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s", write_scenario("default", 20000, 9, 1, "sim_thr1"));
    snprintf(b, sizeof b, "%s", write_scenario("default", 20000, 9, 2, "sim_thr2"));
    for (size_t f = 0; f < sizeof all_files / sizeof *all_files; f++) assert_true(same_file(a, b, all_files[f]));
    snprintf(b, sizeof b, "%s", write_scenario("default", 20000, 9, 3, "sim_thr3"));
    for (size_t f = 0; f < sizeof all_files / sizeof *all_files; f++) assert_true(same_file(a, b, all_files[f]));
}

static void test_seeds_differ(void **state)
{
    (void)state;
    char a[4200], b[4200];
    snprintf(a, sizeof a, "%s", write_scenario("default", 3000, 1, 0, "sim_seed1"));
    snprintf(b, sizeof b, "%s", write_scenario("default", 3000, 2, 0, "sim_seed2"));
    for (int f = 0; f < 5; f++) assert_false(same_file(a, b, all_files[f]));
}

/* ------------------------------------------------------- bad input */

static void test_bad_input(void **state)
{
    (void)state;
    nt_simulate_opts o;
    nt_simulate_opts_init(&o);
    nt_error err;
    const char *base = nt_test_dir("sim_bad");
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/out", base);
    o.persons = 0;
    assert_int_equal(nt_simulate_write(&o, dir, NULL, &err), NT_EUSAGE);
    assert_non_null(strstr(err.msg, "--persons"));
    o.persons = 10;
    snprintf(o.scenario, sizeof o.scenario, "nope");
    assert_int_equal(nt_simulate_write(&o, dir, NULL, &err), NT_EUSAGE);
    assert_non_null(strstr(err.msg, "unknown scenario"));
    snprintf(o.scenario, sizeof o.scenario, "default");
    o.id_width = 1;
    assert_int_equal(nt_simulate_write(&o, dir, NULL, &err), NT_EUSAGE);
    o.id_width = 0;
    struct stat st;
    assert_int_not_equal(stat(dir, &st), 0);   /* nothing was created */
    /* a non-empty folder is refused and left as it was */
    assert_int_equal(mkdir(dir, 0755), 0);
    char f[4300];
    snprintf(f, sizeof f, "%s/keep.txt", dir);
    nt_test_write(f, "x");
    assert_int_equal(nt_simulate_write(&o, dir, NULL, &err), NT_EIO);
    assert_non_null(strstr(err.msg, "not empty"));
    /* an empty one is fine */
    remove(f);
    assert_int_equal(nt_simulate_write(&o, dir, NULL, &err), NT_OK);
    snprintf(f, sizeof f, "%s/README.md", dir);
    assert_int_equal(stat(f, &st), 0);
    /* no temporary folders are left beside it */
    char cmd[4400];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp-", base);
    assert_int_not_equal(nt_test_sh(cmd, NULL, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_panel_matches_spells), cmocka_unit_test(test_null_truth_is_zero),
        cmocka_unit_test(test_default_lockin_breakeven), cmocka_unit_test(test_naive_is_biased),
        cmocka_unit_test(test_threads_identical), cmocka_unit_test(test_seeds_differ),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
