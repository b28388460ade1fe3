/* Synthetic population generator: see nt_simulate.h and docs/simulation.md.

   Layout of the work for one person i:
     1. person_draw: attributes and the pre-inflow history (36+ months of job
        and benefit spells) from RNG stream (seed, i);
     2. path_sim: the months from inflow (month 0) to the data end or the
        month before death/emigration, driven by uniforms U(t, purpose) that
        are a hash of (person key, month, purpose), so the factual path and
        the counterfactual path (programme start in month k suppressed) use
        the same draw for the same decision in the same month;
     3. panel_derive: the contract's panel (employed, earnings, on_benefit)
        from the spells, so what is written and what the truth is computed
        from cannot disagree;
     4. truth_add: for each participant who starts in month k = 0..23, the
        differences factual - counterfactual at k + tau, tau = 0..95, added
        to integer accumulators (earnings in units of 1/377580 euro, the lcm
        of the month lengths 28..31, so sums are exact and order-free).
   ATT(tau) = sum over k of sum over treated at k observed at k+tau of the
   difference / number of such treated: the spec's pi_k(tau) weighting. */
#include "datasets/nt_simulate.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nt_date.h"
#include "core/nt_file.h"
#include "core/nt_rng.h"

/* ---------------------------------------------------------------- model */

#define HIST_MONTHS 36          /* history simulated before month 0 */
#define WINDOW_FROM (2003 * 12 + 0)
#define WINDOW_TO (2004 * 12 + 11)
#define DATA_END_MONTH (2012 * 12 + 11)   /* data end 2012-12-31 */
#define MAX_SIM_MONTHS (DATA_END_MONTH - WINDOW_FROM + 1)
#define EARN_L 377580LL          /* lcm(28, 29, 30, 31) */
#define NPROG NT_SIM_PROGRAMS
#define NSUB 6                   /* all, education low/mid/high, emp_prev12 0 / 1-12 */
#define MAX_START_DUR 36         /* no programme starts after 36 months on the index benefit */

enum { ST_BEN_INDEX, ST_BEN_OTHER, ST_EMP, ST_NONEMP };
enum { SP_JOB, SP_BEN, SP_PROG };
enum { SCH_WW, SCH_BIJSTAND, SCH_ZW };
/* purposes of the monthly uniforms */
enum { U_START, U_TYPE, U_COST, U_JOB, U_DAY, U_WAGE, U_EXIT, U_LOSS, U_J2J, U_REENT, U_BDAY, U_HOURS, U_NPURPOSE };

static const char *const scheme_names[] = {"WW", "BIJSTAND", "ZW"};
static const char *const prog_names[] = {"", "bemiddeling", "scholing", "workfirst", "loonkostensubsidie", "any"};

typedef struct {
    int duration;        /* planned months in the programme */
    double lockin;       /* logit shift of job finding while in the programme */
    double post;         /* logit shift of job finding after it (times heterogeneity) */
    double retention;    /* logit shift of job loss after the start (times heterogeneity) */
    double wage;         /* relative wage gain of jobs started after the start (times heterogeneity) */
    double cost;         /* mean cost in euros */
    double share_ww, share_bijstand;   /* type shares among starts */
} prog_par;

typedef struct {
    char name[32];
    prog_par prog[NPROG + 1];          /* 1..4 */
    double het_low, het_high, het_norecent;  /* effect multipliers */
    double start_const, start_bijstand, start_low, start_high, start_norecent, start_age,
        start_benhist, start_dur, start_trait;
    double job_const, job_ww, job_low, job_high, job_age, job_female, job_western, job_nonwestern,
        job_emp12, job_ben24, job_dur, job_trait, job_nonemp;
    double loss_const, loss_tenure, loss_low, loss_bijstand, loss_trait;
    double exit_other_ww, exit_other_bijstand, to_bijstand_after_ww, reentry, job_to_job;
    double death_rate40, emig_none, emig_western, emig_nonwestern;   /* per year */
} model;

static void model_init(model *m, const char *scenario)
{
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", scenario);
    /*                         dur lockin post  retention wage  cost   WW    BIJSTAND */
    m->prog[1] = (prog_par){3, -0.20, 0.25, -0.10, 0.00, 1200, 0.50, 0.25};   /* bemiddeling */
    m->prog[2] = (prog_par){8, -0.90, 0.45, -0.20, 0.06, 4500, 0.30, 0.20};   /* scholing */
    m->prog[3] = (prog_par){4, -0.40, 0.35, -0.10, 0.00, 2500, 0.05, 0.35};   /* workfirst */
    m->prog[4] = (prog_par){6, -0.50, 0.60, -0.25, 0.00, 6000, 0.15, 0.20};   /* loonkostensubsidie */
    m->het_low = 1.5;
    m->het_high = 0.6;
    m->het_norecent = 1.5;
    m->start_const = -3.1;
    m->start_bijstand = 0.35;
    m->start_low = 0.25;
    m->start_high = -0.25;
    m->start_norecent = 0.4;
    m->start_age = -0.01;
    m->start_benhist = 0.3;
    m->start_dur = -0.05;
    m->start_trait = 0.0;
    m->job_const = -1.6;
    m->job_ww = 0.3;
    m->job_low = -0.35;
    m->job_high = 0.3;
    m->job_age = -0.035;
    m->job_female = -0.1;
    m->job_western = -0.1;
    m->job_nonwestern = -0.35;
    m->job_emp12 = 0.8;
    m->job_ben24 = -0.6;
    m->job_dur = -0.45;
    m->job_trait = 0.6;
    m->job_nonemp = -0.7;
    m->loss_const = -3.2;
    m->loss_tenure = -0.35;
    m->loss_low = 0.3;
    m->loss_bijstand = 0.3;
    m->loss_trait = -0.3;
    m->exit_other_ww = 0.015;
    m->exit_other_bijstand = 0.02;
    m->to_bijstand_after_ww = 0.4;
    m->reentry = 0.45;
    m->job_to_job = 0.3;
    m->death_rate40 = 0.001;
    m->emig_none = 0.002;
    m->emig_western = 0.02;
    m->emig_nonwestern = 0.01;
    if (!strcmp(scenario, "null")) {
        for (int p = 1; p <= NPROG; p++) {
            m->prog[p].lockin = m->prog[p].post = m->prog[p].retention = m->prog[p].wage = 0;
        }
    } else if (!strcmp(scenario, "unobserved")) {
        /* caseworkers pick the more employable: selection on the trait that
           also raises job finding, so matching on observables is biased up */
        m->start_trait = 0.8;
    } else if (!strcmp(scenario, "homogeneous")) {
        m->het_low = m->het_high = m->het_norecent = 1.0;
    }
}

int nt_simulate_scenario_known(const char *name)
{
    return name && (!strcmp(name, "default") || !strcmp(name, "null") || !strcmp(name, "unobserved") ||
                    !strcmp(name, "homogeneous"));
}

const char *nt_simulate_scenario_list(void) { return "default, null, unobserved, homogeneous"; }

const char *nt_simulate_program_name(int code)
{
    return code >= 0 && code <= NPROG + 1 ? prog_names[code] : "";
}

void nt_simulate_opts_init(nt_simulate_opts *o)
{
    memset(o, 0, sizeof *o);
    o->persons = 10000;
    o->seed = 1;
    snprintf(o->scenario, sizeof o->scenario, "default");
    o->delimiter = ',';
}

/* Municipality codes (CBS GM codes, leading zeros) with inflow shares and a
   regional labour-market shift of the job-finding logit. */
static const struct { const char *code; double share, shift; } regions[] = {
    {"0363", 0.14, -0.10}, {"0599", 0.12, -0.20}, {"0518", 0.10, -0.15}, {"0344", 0.06, 0.10},
    {"0772", 0.05, 0.15},  {"0014", 0.05, -0.10}, {"0034", 0.04, 0.00},  {"0855", 0.05, 0.05},
    {"0758", 0.05, 0.10},  {"0268", 0.05, 0.00},  {"0193", 0.05, 0.15},  {"0153", 0.06, -0.15},
    {"0202", 0.06, -0.05}, {"0935", 0.06, -0.05}, {"0080", 0.06, -0.10},
};
#define NREGION ((int)(sizeof regions / sizeof regions[0]))

/* ------------------------------------------------------------- persons */

typedef struct {
    nt_day start, end;   /* end NT_DAY_NONE: running at the data end */
    int32_t wage;        /* jobs: euros per month */
    int16_t hours;       /* jobs: hours per week */
    uint8_t kind, code;  /* SP_*; scheme or programme code */
    int32_t cost_cents;  /* programmes */
} spell;

typedef struct {
    spell *v;
    int n, cap;
} spell_buf;

typedef struct {
    long index;
    uint64_t key;
    int scheme, sex, edu, mig, region;   /* sex 0 M 1 F; edu -1..2; mig 0..2 */
    int inflow;                          /* calendar month of month 0 */
    int d0;                              /* day of month of the index start */
    nt_day birth, death, emig;
    double age, trait;
    int emp12, emp24, ben24;             /* derived from the history spells */
    int ww_maxdur;
    int last_t;                          /* last simulated month since inflow */
    int n_observed;                      /* observed months since inflow (panel) */
    int nhist;                           /* history spells at the start of the buffer */
} person;

typedef struct {
    int treat_month, treat_type, index_last;
} path_info;

static int buf_push(spell_buf *b, spell s)
{
    if (b->n == b->cap) {
        int cap = b->cap ? 2 * b->cap : 64;
        spell *v = realloc(b->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = s;
    return 0;
}

static inline double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

/* U(t, purpose) in (0, 1): a hash of the person key, month and purpose. */
static inline double unif(const person *p, int t, int purpose)
{
    uint64_t x = p->key ^ ((uint64_t)(t + 64) * U_NPURPOSE + (uint64_t)purpose) * 0xd1342543de82ef95ULL;
    x = nt_mix64(nt_mix64(x));
    return ((double)(x >> 11) + 0.5) * 0x1.0p-53;
}

static int pick(const double *w, int n, double u)
{
    double tot = 0, c = 0;
    for (int i = 0; i < n; i++) tot += w[i];
    for (int i = 0; i < n; i++) {
        c += w[i] / tot;
        if (u < c) return i;
    }
    return n - 1;
}

static int dim_of(int month) { return nt_month_last_day(month) - nt_month_first_day(month) + 1; }

static nt_day day_in(int month, int d) { return nt_month_first_day(month) + d - 1; }

/* Months covered by the spells of one kind over [mfrom, mfrom + nm):
   flag[j] = 1 if a spell covers a day of month mfrom + j; earnL[j] = sum of
   wage x days covered x (EARN_L / days in month) (jobs only, may be NULL).
   An open spell runs to the end of the simulation (the data end). */
static void cover(const spell *s, int n, int kind, int mfrom, int nm, uint8_t *flag, int64_t *earnL)
{
    memset(flag, 0, (size_t)nm);
    if (earnL) memset(earnL, 0, (size_t)nm * sizeof *earnL);
    nt_day lo = nt_month_first_day(mfrom), hi = nt_month_last_day(mfrom + nm - 1);
    for (int i = 0; i < n; i++) {
        if (s[i].kind != kind) continue;
        nt_day a = s[i].start, b = s[i].end == NT_DAY_NONE ? hi : s[i].end;
        if (b < lo || a > hi) continue;
        if (a < lo) a = lo;
        if (b > hi) b = hi;
        int ma = nt_month_of_day(a), mb = nt_month_of_day(b);
        for (int m = ma; m <= mb; m++) {
            int j = m - mfrom;
            flag[j] = 1;
            if (earnL && kind == SP_JOB) {
                nt_day f = nt_month_first_day(m), l = nt_month_last_day(m);
                nt_day x = a > f ? a : f, y = b < l ? b : l;
                int dim = (int)(l - f + 1);
                earnL[j] += (int64_t)s[i].wage * (int64_t)(y - x + 1) * (EARN_L / dim);
            }
        }
    }
}

static int draw_wage(const model *M, const person *p, double u, double gain)
{
    double mu = 7.55 + (p->edu == 2 ? 0.3 : p->edu == 0 ? -0.2 : 0) + 0.008 * (p->age - 40) -
                (p->sex ? 0.15 : 0) - (p->mig == 2 ? 0.1 : 0) - (p->scheme == SCH_BIJSTAND ? 0.15 : 0);
    (void)M;
    return (int)lround(exp(mu) * (0.7 + 0.6 * u) * (1 + gain));
}

/* Attributes and the pre-inflow history, from RNG stream (seed, i). */
static int person_draw(const model *M, uint64_t seed, long i, person *p, spell_buf *b)
{
    nt_rng r;
    nt_rng_init(&r, seed, (uint64_t)i);
    memset(p, 0, sizeof *p);
    p->index = i;
    p->key = nt_rng_u64(&r);
    p->scheme = nt_rng_uniform(&r) < 0.6 ? SCH_WW : SCH_BIJSTAND;
    int bij = p->scheme == SCH_BIJSTAND;
    /* inflow: January and the recession year 2004 a little heavier */
    double w_in[24];
    for (int j = 0; j < 24; j++) w_in[j] = (j % 12 == 0 ? 1.4 : 1.0) * (j >= 12 ? 1.15 : 1.0);
    p->inflow = WINDOW_FROM + pick(w_in, 24, nt_rng_uniform(&r));
    p->d0 = 1 + (int)nt_rng_below(&r, 25);
    p->age = bij ? 18 + 44 * pow(nt_rng_uniform(&r), 1.4) : 20 + 44 * pow(nt_rng_uniform(&r), 0.9);
    nt_day start = day_in(p->inflow, p->d0);
    p->birth = start - (nt_day)(p->age * 365.2425);
    int by, bm, bd;
    nt_day_to_ymd(p->birth, &by, &bm, &bd);
    {   /* completed years at the index start, as the contract computes age */
        int y, mo, d;
        nt_day_to_ymd(start, &y, &mo, &d);
        int a = y - by - ((mo < bm || (mo == bm && d < bd)) ? 1 : 0);
        p->age = a;
    }
    p->sex = nt_rng_uniform(&r) < (bij ? 0.52 : 0.42);
    double we[3] = {bij ? 0.55 : 0.30, bij ? 0.35 : 0.45, bij ? 0.10 : 0.25};
    p->edu = nt_rng_uniform(&r) < 0.01 ? -1 : pick(we, 3, nt_rng_uniform(&r));
    double wm[3] = {bij ? 0.55 : 0.80, bij ? 0.10 : 0.09, bij ? 0.35 : 0.11};
    p->mig = pick(wm, 3, nt_rng_uniform(&r));
    double wr[NREGION];
    for (int j = 0; j < NREGION; j++) wr[j] = regions[j].share;
    p->region = pick(wr, NREGION, nt_rng_uniform(&r));
    p->trait = nt_rng_normal(&r);
    p->ww_maxdur = 6 + (int)((p->age - 18) / 2);
    if (p->ww_maxdur > 38) p->ww_maxdur = 38;

    /* death and emigration: exponential times from the index start */
    double rate_d = M->death_rate40 * exp(0.09 * (p->age - 40));
    double rate_e = p->mig == 0 ? M->emig_none : p->mig == 1 ? M->emig_western : M->emig_nonwestern;
    double td = nt_rng_exponential(&r, rate_d), te = nt_rng_exponential(&r, rate_e);
    nt_day end_data = nt_month_last_day(DATA_END_MONTH);
    p->death = p->emig = NT_DAY_NONE;
    /* at least one month after the index month, and only one of the two */
    nt_day first_ok = nt_month_first_day(p->inflow + 1);
    if (td < te && td < 12) {
        nt_day d = start + (nt_day)(td * 365.2425);
        if (d < first_ok) d = first_ok + (nt_day)nt_rng_below(&r, 28);
        if (d <= end_data) p->death = d;
    } else if (te < 12) {
        nt_day d = start + (nt_day)(te * 365.2425);
        if (d < first_ok) d = first_ok + (nt_day)nt_rng_below(&r, 28);
        if (d <= end_data) p->emig = d;
    }
    nt_day cens = p->death != NT_DAY_NONE ? p->death : p->emig;
    int last_m = DATA_END_MONTH;
    if (cens != NT_DAY_NONE && nt_month_of_day(cens) - 1 < last_m) last_m = nt_month_of_day(cens) - 1;
    p->last_t = last_m - p->inflow;
    p->n_observed = p->last_t + 1 < NT_SIM_PANEL_MONTHS ? p->last_t + 1 : NT_SIM_PANEL_MONTHS;

    /* History, going back from month -1 in alternating runs of employment
       and non-employment; WW entrants were employed until the day before
       inflow, most BIJSTAND entrants were not. Benefit in a non-employment
       run never touches month -1, so no history spell merges with or
       becomes the index spell. */
    b->n = 0;
    int emp = bij ? nt_rng_uniform(&r) < 0.2 : 1;
    int m = p->inflow - 1;   /* the run ends in month m */
    int first_run = 1;
    while (m >= p->inflow - HIST_MONTHS) {
        double mean = emp ? (bij ? 10 : 40) : (bij ? 20 : 5);
        int len = 1 + (int)nt_rng_exponential(&r, 1.0 / mean);
        int a = m - len + 1;
        if (emp) {
            spell s = {0};
            s.kind = SP_JOB;
            s.start = day_in(a, 1 + (int)nt_rng_below(&r, 28));
            if (first_run && !bij) {
                s.end = start - 1;    /* the job before WW inflow */
            } else if (first_run) {
                s.end = day_in(m, 1 + (int)nt_rng_below(&r, dim_of(m)));
            } else {
                s.end = day_in(m, 1 + (int)nt_rng_below(&r, dim_of(m)));
            }
            if (s.end < s.start) s.end = s.start;
            s.wage = draw_wage(M, p, nt_rng_uniform(&r), 0);
            s.hours = (int16_t)(16 + 4 * nt_rng_below(&r, 7));
            if (buf_push(b, s)) return -1;
        } else {
            int bm_hi = m < p->inflow - 2 ? m : p->inflow - 2;   /* never in month -1 */
            if (bm_hi >= a && nt_rng_uniform(&r) < (bij ? 0.4 : 0.25)) {
                spell s = {0};
                s.kind = SP_BEN;
                /* the scheme of an earlier spell: WW/BIJSTAND only if it
                   starts before the inflow window, else sickness benefit */
                int sc = a < WINDOW_FROM ? (bij ? SCH_BIJSTAND : SCH_WW) : SCH_ZW;
                s.code = (uint8_t)sc;
                s.start = day_in(a, 2 + (int)nt_rng_below(&r, 20));
                s.end = day_in(bm_hi, 1 + (int)nt_rng_below(&r, 28));
                if (s.end < s.start) s.end = s.start;
                if (buf_push(b, s)) return -1;
            }
        }
        m = a - 1;
        emp = !emp;
        first_run = 0;
    }
    p->nhist = b->n;
    uint8_t fl[24];
    int64_t el[24];
    cover(b->v, b->n, SP_JOB, p->inflow - 24, 24, fl, el);
    p->emp12 = p->emp24 = 0;
    for (int j = 0; j < 24; j++) {
        p->emp24 += fl[j];
        if (j >= 12) p->emp12 += fl[j];
    }
    cover(b->v, b->n, SP_BEN, p->inflow - 24, 24, fl, NULL);
    p->ben24 = 0;
    for (int j = 0; j < 24; j++) p->ben24 += fl[j];
    return 0;
}

static double het(const model *M, const person *p)
{
    double h = p->edu == 0 ? M->het_low : p->edu == 2 ? M->het_high : 1.0;
    return h * (p->emp12 == 0 ? M->het_norecent : 1.0);
}

static double job_logit(const model *M, const person *p, int dur)
{
    return M->job_const + (p->scheme == SCH_WW ? M->job_ww : 0) + (p->edu == 0 ? M->job_low : 0) +
           (p->edu == 2 ? M->job_high : 0) + M->job_age * (p->age > 40 ? p->age - 40 : 0) +
           (p->sex ? M->job_female : 0) + (p->mig == 1 ? M->job_western : 0) +
           (p->mig == 2 ? M->job_nonwestern : 0) + M->job_emp12 * p->emp12 / 12.0 +
           M->job_ben24 * p->ben24 / 24.0 + M->job_dur * log1p(dur) + M->job_trait * p->trait +
           regions[p->region].shift;
}

static double start_logit(const model *M, const person *p, int dur)
{
    double x = M->start_const + (p->scheme == SCH_BIJSTAND ? M->start_bijstand : 0) +
               (p->edu == 0 ? M->start_low : 0) + (p->edu == 2 ? M->start_high : 0) +
               (p->emp12 == 0 ? M->start_norecent : 0) + M->start_age * (p->age - 40) +
               (p->ben24 > 0 ? M->start_benhist : 0) + M->start_dur * dur + M->start_trait * p->trait;
    if (dur >= 1 && dur <= 4) x += 0.4;   /* intake interviews in months 1-4 */
    return x;
}

/* Simulates months 0..last_t after inflow and appends the spells to b
   (after the history). suppress: the month in which a programme start is
   not allowed (-1: none). */
/* A job spell starting on `start`, still open, with its wage (plus a
   programme's wage gain) and hours drawn from month t's numbers. */
static int push_job(const model *M, const person *p, int t, nt_day start, double gain, spell_buf *b)
{
    spell s = {0};
    s.kind = SP_JOB;
    s.start = start;
    s.end = NT_DAY_NONE;
    s.wage = draw_wage(M, p, unif(p, t, U_WAGE), gain);
    s.hours = (int16_t)(16 + 4 * (int)(unif(p, t, U_HOURS) * 7));
    return buf_push(b, s);
}

static int path_sim(const model *M, const person *p, int suppress, spell_buf *b, path_info *info)
{
    b->n = p->nhist;
    info->treat_month = -1;
    info->treat_type = 0;
    info->index_last = p->last_t;
    int state = ST_BEN_INDEX, ben_t0 = 0, ben_scheme = p->scheme, job_t0 = 0;
    int open_ben = -1, open_job = -1, open_prog = -1;
    int prog = 0, prog_t0 = 0, prog_end_t = 0;
    int pending_ben = -1, pending_day = 1;   /* benefit to start next month */
    double h = het(M, p);
    {
        spell s = {0};
        s.kind = SP_BEN;
        s.code = (uint8_t)p->scheme;
        s.start = day_in(p->inflow, p->d0);
        s.end = NT_DAY_NONE;
        if (buf_push(b, s)) return -1;
        open_ben = b->n - 1;
    }
    for (int t = 0; t <= p->last_t; t++) {
        int m = p->inflow + t, dim = dim_of(m);
        int tau = prog ? t - prog_t0 : -1;
        double eff_job = 0;
        if (prog && tau >= 0) eff_job = tau < M->prog[prog].duration ? M->prog[prog].lockin : M->prog[prog].post * h;
        switch (state) {
        case ST_BEN_INDEX:
        case ST_BEN_OTHER: {
            int dur = t - ben_t0;
            if (state == ST_BEN_INDEX && !prog && t != suppress && dur <= MAX_START_DUR &&
                unif(p, t, U_START) < logistic(start_logit(M, p, dur))) {
                double w[NPROG];
                for (int k = 1; k <= NPROG; k++)
                    w[k - 1] = p->scheme == SCH_WW ? M->prog[k].share_ww : M->prog[k].share_bijstand;
                if (p->age >= 50) w[3] *= 2;   /* wage subsidies for older workers */
                if (p->edu == 2) w[1] *= 0.5;  /* less training for the high educated */
                prog = 1 + pick(w, NPROG, unif(p, t, U_TYPE));
                prog_t0 = t;
                prog_end_t = t + M->prog[prog].duration - 1;
                info->treat_month = t;
                info->treat_type = prog;
                spell s = {0};
                s.kind = SP_PROG;
                s.code = (uint8_t)prog;
                s.start = day_in(m, t == 0 ? p->d0 + 2 : 1);
                s.end = NT_DAY_NONE;
                s.cost_cents = (int32_t)lround(M->prog[prog].cost * (0.6 + 0.8 * unif(p, t, U_COST)) * 100);
                if (buf_push(b, s)) return -1;
                open_prog = b->n - 1;
                tau = 0;
                eff_job = M->prog[prog].lockin;
            }
            if (dur < 1) break;
            double pj = logistic(job_logit(M, p, dur) + eff_job);
            if (unif(p, t, U_JOB) < pj) {
                int sd = 3 + (int)(unif(p, t, U_DAY) * (dim - 2));   /* job starts on day 3..dim */
                nt_day js = day_in(m, sd);
                b->v[open_ben].end = js - 1;
                if (open_prog >= 0) {
                    b->v[open_prog].end = js - 1;
                    open_prog = -1;
                }
                if (state == ST_BEN_INDEX) info->index_last = t;
                open_ben = -1;
                if (push_job(M, p, t, js, prog ? M->prog[prog].wage * h : 0, b)) return -1;
                open_job = b->n - 1;
                job_t0 = t;
                state = ST_EMP;
                break;
            }
            int exhaust = ben_scheme == SCH_WW && dur == p->ww_maxdur - 1;
            double po = ben_scheme == SCH_WW ? M->exit_other_ww : M->exit_other_bijstand;
            if (exhaust || unif(p, t, U_EXIT) < po) {
                nt_day e = exhaust ? nt_month_last_day(m) : day_in(m, 2 + (int)(unif(p, t, U_BDAY) * (dim - 3)));
                b->v[open_ben].end = e;
                if (open_prog >= 0) {
                    b->v[open_prog].end = e;
                    open_prog = -1;
                }
                if (state == ST_BEN_INDEX) info->index_last = t;
                open_ben = -1;
                state = ST_NONEMP;
                if (exhaust && unif(p, t, U_REENT) < M->to_bijstand_after_ww) {
                    pending_ben = SCH_BIJSTAND;
                    pending_day = 1;
                }
            }
            break;
        }
        case ST_EMP: {
            if (t <= job_t0) break;
            double x = M->loss_const + M->loss_tenure * log1p(t - job_t0) + (p->edu == 0 ? M->loss_low : 0) +
                       (p->scheme == SCH_BIJSTAND ? M->loss_bijstand : 0) + M->loss_trait * p->trait;
            if (prog && tau >= 0) x += M->prog[prog].retention * h;
            if (unif(p, t, U_LOSS) < logistic(x)) {
                int ed = 1 + (int)(unif(p, t, U_DAY) * (dim - 1));   /* day 1..dim-1 */
                b->v[open_job].end = day_in(m, ed);
                int tenure = t - job_t0;
                open_job = -1;
                if (unif(p, t, U_J2J) < M->job_to_job) {
                    spell s = {0};
                    s.kind = SP_JOB;
                    s.start = day_in(m, ed + 1);
                    s.end = NT_DAY_NONE;
                    s.wage = draw_wage(M, p, unif(p, t, U_WAGE), prog ? M->prog[prog].wage * h : 0);
                    s.hours = (int16_t)(16 + 4 * (int)(unif(p, t, U_HOURS) * 7));
                    if (buf_push(b, s)) return -1;
                    open_job = b->n - 1;
                    job_t0 = t;
                } else {
                    state = ST_NONEMP;
                    if (unif(p, t, U_REENT) < M->reentry) {
                        pending_ben = tenure >= 6 ? SCH_WW : SCH_BIJSTAND;
                        pending_day = 2 + (int)(unif(p, t, U_BDAY) * 20);
                    }
                }
            }
            break;
        }
        case ST_NONEMP: {
            if (pending_ben >= 0) {
                spell s = {0};
                s.kind = SP_BEN;
                s.code = (uint8_t)pending_ben;
                s.start = day_in(m, pending_day);
                s.end = NT_DAY_NONE;
                if (buf_push(b, s)) return -1;
                open_ben = b->n - 1;
                ben_scheme = pending_ben;
                ben_t0 = t;
                pending_ben = -1;
                state = ST_BEN_OTHER;
                break;
            }
            double pj = logistic(job_logit(M, p, 12) + M->job_nonemp + eff_job);
            if (unif(p, t, U_JOB) < pj) {
                if (push_job(M, p, t, day_in(m, 1 + (int)(unif(p, t, U_DAY) * dim)),
                             prog ? M->prog[prog].wage * h : 0, b)) return -1;
                open_job = b->n - 1;
                job_t0 = t;
                state = ST_EMP;
            }
            break;
        }
        }
        if (open_prog >= 0 && t == prog_end_t) {
            b->v[open_prog].end = nt_month_last_day(m);
            open_prog = -1;
        }
    }
    /* death or emigration: whatever runs ends on the last simulated day;
       at the data end it stays open (empty end date) */
    if (p->death != NT_DAY_NONE || p->emig != NT_DAY_NONE) {
        nt_day e = nt_month_last_day(p->inflow + p->last_t);
        for (int i = p->nhist; i < b->n; i++)
            if (b->v[i].end == NT_DAY_NONE) b->v[i].end = e;
    }
    return 0;
}

/* Panel months 0..n_observed-1 (since inflow) from the spells. */
static void panel_derive(const person *p, const spell_buf *b, uint8_t *emp, uint8_t *ben, int64_t *earnL)
{
    int nm = p->n_observed;
    cover(b->v, b->n, SP_JOB, p->inflow, nm, emp, earnL);
    cover(b->v, b->n, SP_BEN, p->inflow, nm, ben, NULL);
}

/* ---------------------------------------------------------------- truth */

typedef struct {
    int64_t sum[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON][3];
    int64_t cnt[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON];
    int64_t treated[NPROG + 1][NSUB][NT_SIM_START_MONTHS];
    int64_t controls[NSUB][NT_SIM_START_MONTHS];
} truth_acc;

static int subgroups_of(const person *p, int *sub)
{
    int n = 0;
    sub[n++] = 0;
    if (p->edu >= 0) sub[n++] = 1 + p->edu;
    sub[n++] = p->emp12 == 0 ? 4 : 5;
    return n;
}

static const char *const sub_names[NSUB] = {"", "education=low", "education=mid", "education=high",
                                            "emp_prev12=0-0", "emp_prev12=1-12"};

/* Risk set counts for every person; differences for participants. */
static void truth_add(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *b1,
                      const int64_t *w1, const uint8_t *e0, const uint8_t *b0, const int64_t *w0)
{
    int sub[3], ns = subgroups_of(p, sub);
    int kmax = f->index_last;
    if (f->treat_month >= 0 && f->treat_month < kmax) kmax = f->treat_month;
    if (kmax > NT_SIM_START_MONTHS - 1) kmax = NT_SIM_START_MONTHS - 1;
    if (kmax > p->n_observed - 1) kmax = p->n_observed - 1;
    for (int k = 0; k <= kmax; k++) {
        if (k == f->treat_month) {
            for (int s = 0; s < ns; s++) {
                T->treated[f->treat_type][sub[s]][k]++;
                T->treated[0][sub[s]][k]++;
            }
        } else {
            for (int s = 0; s < ns; s++) T->controls[sub[s]][k]++;
        }
    }
    int k = f->treat_month;
    if (k < 0 || k >= NT_SIM_START_MONTHS || k > kmax) return;
    for (int tau = 0; tau < NT_SIM_HORIZON && k + tau < p->n_observed; tau++) {
        int t = k + tau;
        int64_t d[3] = {(int64_t)e1[t] - e0[t], w1[t] - w0[t], (int64_t)b1[t] - b0[t]};
        for (int s = 0; s < ns; s++) {
            int prs[2] = {0, f->treat_type};   /* "any", then the type */
            for (int j = 0; j < 2; j++) {
                T->cnt[prs[j]][sub[s]][k][tau]++;
                for (int o = 0; o < 3; o++) T->sum[prs[j]][sub[s]][k][tau][o] += d[o];
            }
        }
    }
}

static void truth_merge(truth_acc *into, const truth_acc *from)
{
    const int64_t *a = (const int64_t *)from;
    int64_t *b = (int64_t *)into;
    for (size_t i = 0; i < sizeof *into / sizeof(int64_t); i++) b[i] += a[i];
}

/* ------------------------------------------------------------- one person */

typedef struct {
    spell_buf f, c;
    uint8_t e1[NT_SIM_PANEL_MONTHS], b1[NT_SIM_PANEL_MONTHS], e0[NT_SIM_PANEL_MONTHS], b0[NT_SIM_PANEL_MONTHS];
    int64_t w1[NT_SIM_PANEL_MONTHS], w0[NT_SIM_PANEL_MONTHS];
    person p;
    path_info info;
} work;

/* Draws person i, simulates the factual path and, for a participant in
   months 0..23, the counterfactual one; fills w and adds to the truth. */
static int person_run(const model *M, uint64_t seed, long i, work *w, truth_acc *T)
{
    if (person_draw(M, seed, i, &w->p, &w->f)) return -1;
    if (path_sim(M, &w->p, -1, &w->f, &w->info)) return -1;
    panel_derive(&w->p, &w->f, w->e1, w->b1, w->w1);
    int k = w->info.treat_month;
    if (k >= 0 && k < NT_SIM_START_MONTHS) {
        path_info ci;
        /* the counterfactual shares the history: copy it, then simulate */
        w->c.n = 0;
        for (int j = 0; j < w->p.nhist; j++)
            if (buf_push(&w->c, w->f.v[j])) return -1;
        if (path_sim(M, &w->p, k, &w->c, &ci)) return -1;
        panel_derive(&w->p, &w->c, w->e0, w->b0, w->w0);
    } else {
        memcpy(w->e0, w->e1, sizeof w->e0);
        memcpy(w->b0, w->b1, sizeof w->b0);
        memcpy(w->w0, w->w1, sizeof w->w0);
    }
    if (T) truth_add(T, &w->p, &w->info, w->e1, w->b1, w->w1, w->e0, w->b0, w->w0);
    return 0;
}

/* ------------------------------------------------------------ formatting */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->n + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->n + extra) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return;
    }
    b->s = s;
    b->cap = cap;
}

static void sb_put(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (b->oom) return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

typedef struct {
    const nt_simulate_opts *o;
    char delim[2];
    const char *eol;
} fmt;

static void sb_delim(sbuf *b, const fmt *F) { sb_put(b, F->delim, 1); }
static void sb_eol(sbuf *b, const fmt *F) { sb_str(b, F->eol); }

static void sb_long(sbuf *b, long v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%ld", v);
    sb_put(b, t, (size_t)n);
}

static void sb_id(sbuf *b, const fmt *F, long i)
{
    char t[48];
    int n = F->o->id_width > 0 ? snprintf(t, sizeof t, "%0*ld", F->o->id_width, i + 1)
                               : snprintf(t, sizeof t, "%ld", i + 1);
    sb_put(b, t, (size_t)n);
}

static void sb_date(sbuf *b, const fmt *F, nt_day d)
{
    if (d == NT_DAY_NONE) return;   /* empty field */
    int y, m, dd;
    nt_day_to_ymd(d, &y, &m, &dd);
    char t[12];
    if (F->o->date_format == NT_SIM_DATE_CBS) {
        t[0] = (char)('0' + y / 1000); t[1] = (char)('0' + y / 100 % 10);
        t[2] = (char)('0' + y / 10 % 10); t[3] = (char)('0' + y % 10);
        t[4] = (char)('0' + m / 10); t[5] = (char)('0' + m % 10);
        t[6] = (char)('0' + dd / 10); t[7] = (char)('0' + dd % 10);
        sb_put(b, t, 8);
    } else {
        t[0] = (char)('0' + y / 1000); t[1] = (char)('0' + y / 100 % 10);
        t[2] = (char)('0' + y / 10 % 10); t[3] = (char)('0' + y % 10); t[4] = '-';
        t[5] = (char)('0' + m / 10); t[6] = (char)('0' + m % 10); t[7] = '-';
        t[8] = (char)('0' + dd / 10); t[9] = (char)('0' + dd % 10);
        sb_put(b, t, 10);
    }
}

static const char *code_sex(const fmt *F, int sex)
{
    static const char *const v[3][2] = {{"M", "F"}, {"M", "V"}, {"1", "2"}};
    return v[F->o->codes][sex];
}

static const char *code_edu(const fmt *F, int edu)
{
    static const char *const v[3][3] = {{"low", "mid", "high"}, {"laag", "middelbaar", "hoog"}, {"1", "2", "3"}};
    return edu < 0 ? "" : v[F->o->codes][edu];
}

static const char *code_mig(const fmt *F, int mig)
{
    static const char *const v[3][3] = {{"none", "western", "nonwestern"}, {"none", "western", "nonwestern"},
                                        {"0", "1", "2"}};
    return v[F->o->codes][mig];
}

enum { F_PERSONS, F_BENEFITS, F_PROGRAMS, F_JOBS, NFILES };
static const char *const file_names[NFILES] = {"persons.csv", "benefits.csv", "programs.csv", "jobs.csv"};
static const char *const file_headers[NFILES][6] = {
    {"person_id", "birth_date", "sex", "education", "migration", "region"},
    {"person_id", "scheme", "start_date", "end_date", NULL, NULL},
    {"person_id", "program", "start_date", "end_date", "cost_eur", "provider"},
    {"person_id", "start_date", "end_date", "wage_eur_month", "hours_week", NULL},
};

static void format_person(const fmt *F, const work *w, sbuf *out, long *counts)
{
    const person *p = &w->p;
    sbuf *b = &out[F_PERSONS];
    sb_id(b, F, p->index); sb_delim(b, F);
    sb_date(b, F, p->birth); sb_delim(b, F);
    sb_str(b, code_sex(F, p->sex)); sb_delim(b, F);
    sb_str(b, code_edu(F, p->edu)); sb_delim(b, F);
    sb_str(b, code_mig(F, p->mig)); sb_delim(b, F);
    sb_str(b, regions[p->region].code); sb_delim(b, F);
    sb_date(b, F, p->death); sb_delim(b, F);
    sb_date(b, F, p->emig); sb_eol(b, F);
    counts[F_PERSONS]++;
    const spell_buf *sp = &w->f;
    for (int i = 0; i < sp->n; i++) {
        const spell *s = &sp->v[i];
        if (s->kind == SP_BEN) {
            b = &out[F_BENEFITS];
            sb_id(b, F, p->index); sb_delim(b, F);
            sb_str(b, scheme_names[s->code]); sb_delim(b, F);
            sb_date(b, F, s->start); sb_delim(b, F);
            sb_date(b, F, s->end); sb_eol(b, F);
            counts[F_BENEFITS]++;
        } else if (s->kind == SP_PROG) {
            b = &out[F_PROGRAMS];
            sb_id(b, F, p->index); sb_delim(b, F);
            sb_str(b, prog_names[s->code]); sb_delim(b, F);
            sb_date(b, F, s->start); sb_delim(b, F);
            sb_date(b, F, s->end); sb_delim(b, F);
            char t[32];
            int n = snprintf(t, sizeof t, "%ld.%02ld", (long)s->cost_cents / 100, (long)s->cost_cents % 100);
            sb_put(b, t, (size_t)n); sb_delim(b, F);
            if (p->scheme == SCH_WW) {
                sb_str(b, "UWV");
            } else {
                sb_str(b, "GM");
                sb_str(b, regions[p->region].code);
            }
            sb_eol(b, F);
            counts[F_PROGRAMS]++;
        } else {
            b = &out[F_JOBS];
            sb_id(b, F, p->index); sb_delim(b, F);
            sb_date(b, F, s->start); sb_delim(b, F);
            sb_date(b, F, s->end); sb_delim(b, F);
            sb_long(b, s->wage); sb_delim(b, F);
            sb_long(b, s->hours); sb_eol(b, F);
            counts[F_JOBS]++;
        }
    }
}

static void write_header(FILE *fp, const fmt *F, int f)
{
    if (F->o->bom) fputs("\xEF\xBB\xBF", fp);
    for (int j = 0; j < 6 && file_headers[f][j]; j++) {
        if (j) fputc(F->delim[0], fp);
        fputs(file_headers[f][j], fp);
    }
    if (f == F_PERSONS) fprintf(fp, "%sdeath_date%semigration_date", F->delim, F->delim);
    fputs(F->eol, fp);
}

/* --------------------------------------------------------------- files */

static nt_status remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return NT_OK;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        nt_path_join(path, sizeof path, dir, e->d_name);
        remove(path);
    }
    closedir(d);
    rmdir(dir);
    return NT_OK;
}

static nt_status write_truth(const truth_acc *T, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    static const char *const outcomes[3] = {"employed", "earnings", "on_benefit"};
    fprintf(fp, "program,subgroup,outcome,month,true_att,n_treated\n");
    const int min_treated = 10;
    int order[NPROG + 1] = {1, 2, 3, 4, 0};
    for (int pi = 0; pi <= NPROG; pi++) {
        int pr = order[pi];
        for (int s = 0; s < NSUB; s++) {
            /* start months the study skips: fewer than min_treated treated or no controls */
            int use[NT_SIM_START_MONTHS];
            for (int k = 0; k < NT_SIM_START_MONTHS; k++)
                use[k] = T->treated[pr][s][k] >= min_treated && T->controls[s][k] > 0;
            for (int o = 0; o < 3; o++) {
                for (int tau = 0; tau < NT_SIM_HORIZON; tau++) {
                    int64_t sum = 0, n = 0;
                    for (int k = 0; k < NT_SIM_START_MONTHS; k++) {
                        if (!use[k]) continue;
                        sum += T->sum[pr][s][k][tau][o];
                        n += T->cnt[pr][s][k][tau];
                    }
                    fprintf(fp, "%s,%s,%s,%d,", prog_names[pr ? pr : NPROG + 1], sub_names[s], outcomes[o], tau);
                    if (n > 0) {
                        double v = (double)sum / (double)n;
                        if (o == 1) v /= (double)EARN_L;
                        fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                    }
                    fprintf(fp, ",%lld\n", (long long)n);
                }
            }
        }
    }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}

static nt_status write_study(const nt_simulate_opts *o, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    fprintf(fp,
            "; study that truth.csv is about (netto simulate --scenario %s --seed %llu --persons %ld)\n"
            "[study]\nname = sim_%s\nseed = %llu\n\n"
            "[data]\npersons = persons.csv\nbenefits = benefits.csv\nprograms = programs.csv\njobs = jobs.csv\n"
            "data_end = 2012-12-31\nlenient = no\n\n"
            "[cohort]\nscheme = WW, BIJSTAND\ninflow = 2003-01:2004-12\n\n"
            "[treatment]\nprograms = bemiddeling, scholing, workfirst, loonkostensubsidie, any\n"
            "start_months = 0:%d\nstart_interval = 3\nhorizon = %d\n\n"
            "[estimator]\nmethod = radius\nneighbors = 1\ncaliper = 0.2\nreplace = yes\n"
            "covariates = age, sex, education, migration, region, scheme, emp_prev12, emp_prev24, earn_prev12, ben_prev24\n"
            "history = no\nexact = scheme\ntrim = minmax\n\n"
            "[outcomes]\nseries = employed, earnings, on_benefit\n\n"
            "[inference]\nbootstrap = 0\n\n"
            "[subgroups]\neducation = low, mid, high\nemp_prev12 = 0-0, 1-12\n\n"
            "[cost]\nbemiddeling = 1200\nscholing = 4500\nworkfirst = 2500\nloonkostensubsidie = 6000\n\n"
            "[disclosure]\nmin_cell = 10\n",
            o->scenario, (unsigned long long)o->seed, o->persons, o->scenario, (unsigned long long)o->seed,
            NT_SIM_START_MONTHS - 1, NT_SIM_HORIZON);
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}

static nt_status write_readme(const nt_simulate_opts *o, const model *M, const nt_simulate_summary *S,
                              const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    const char *df = o->date_format == NT_SIM_DATE_CBS ? "YYYYMMDD" : "YYYY-MM-DD";
    const char *codes[] = {"english", "dutch", "numeric"};
    fprintf(fp,
            "# Synthetic re-integration data (netto simulate)\n\n"
            "Scenario `%s`, seed %llu, %ld persons. Generated by netto %s; the model is\n"
            "documented in netto's docs/simulation.md. Not real persons.\n\n"
            "| file | records |\n|---|---|\n| persons.csv | %ld |\n| benefits.csv | %ld |\n"
            "| programs.csv | %ld |\n| jobs.csv | %ld |\n\n"
            "Format: delimiter `%s`, %s line ends, %s, dates %s, %s codes, ids %s.\n\n"
            "Cohort: inflow into WW or BIJSTAND 2003-01..2004-12, data end 2012-12-31;\n"
            "%ld participants start a programme in months 0..23 of the index spell;\n"
            "%ld deaths and %ld emigrations before the data end.\n\n"
            "`study.ini` is the study that `truth.csv` is about (`netto run study.ini`).\n"
            "`truth.csv` (`program, subgroup, outcome, month, true_att, n_treated`): the\n"
            "dynamic ATT of that study computed from each participant's simulated\n"
            "counterfactual path (same random numbers, no start in that month, still\n"
            "eligible later), with the study's risk sets, weights and censoring;\n"
            "`month` is months since programme start; `n_treated` the contributing\n"
            "participants summed over the start months used.\n\n"
            "## Model parameters\n\n"
            "| programme | duration (months) | lock-in (logit) | post (logit) | job loss (logit) | wage gain | mean cost |\n"
            "|---|---|---|---|---|---|---|\n",
            o->scenario, (unsigned long long)o->seed, o->persons, NETTO_VERSION, S->persons, S->benefits,
            S->programs, S->jobs, o->delimiter == '\t' ? "TAB" : (o->delimiter == ';' ? ";" : ","),
            o->crlf ? "CRLF" : "LF", o->bom ? "UTF-8 BOM" : "no BOM", df, codes[o->codes],
            o->id_width ? "zero-padded" : "plain", S->participants, S->deaths, S->emigrations);
    for (int p = 1; p <= NPROG; p++)
        fprintf(fp, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.0f |\n", prog_names[p], M->prog[p].duration,
                M->prog[p].lockin, M->prog[p].post, M->prog[p].retention, M->prog[p].wage, M->prog[p].cost);
    fprintf(fp,
            "\nEffect multipliers (post, job loss, wage): low educated %.2f, high educated %.2f,\n"
            "no work in the 12 months before inflow %.2f.\n\n"
            "Programme start (monthly logit): constant %.2f, BIJSTAND %+.2f, low %+.2f, high %+.2f,\n"
            "no recent work %+.2f, age %+.3f/year from 40, benefit history %+.2f, elapsed months %+.3f,\n"
            "months 1-4 %+.2f, unobserved trait %+.2f.\n\n"
            "Job finding from benefit (monthly logit): constant %.2f, WW %+.2f, low %+.2f, high %+.2f,\n"
            "age %+.3f/year over 40, female %+.2f, western %+.2f, non-western %+.2f, emp_prev12/12 %+.2f,\n"
            "ben_prev24/24 %+.2f, log(1 + elapsed months) %+.2f, unobserved trait %+.2f, without benefit %+.2f.\n\n"
            "Job loss (monthly logit): constant %.2f, log(1 + tenure) %+.2f, low %+.2f, BIJSTAND %+.2f, trait %+.2f;\n"
            "job to job %.2f; benefit re-entry after job loss %.2f; BIJSTAND after WW exhaustion %.2f;\n"
            "other benefit exit per month WW %.3f, BIJSTAND %.3f.\n",
            M->het_low, M->het_high, M->het_norecent, M->start_const, M->start_bijstand, M->start_low,
            M->start_high, M->start_norecent, M->start_age, M->start_benhist, M->start_dur, 0.4, M->start_trait,
            M->job_const, M->job_ww, M->job_low, M->job_high, M->job_age, M->job_female, M->job_western,
            M->job_nonwestern, M->job_emp12, M->job_ben24, M->job_dur, M->job_trait, M->job_nonemp,
            M->loss_const, M->loss_tenure, M->loss_low, M->loss_bijstand, M->loss_trait, M->job_to_job,
            M->reentry, M->to_bijstand_after_ww, M->exit_other_ww, M->exit_other_bijstand);
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}

static nt_status check_opts(const nt_simulate_opts *o, nt_error *err)
{
    if (o->persons < 1) return nt_fail(err, NT_EUSAGE, "--persons must be at least 1 (found %ld)", o->persons);
    if (!nt_simulate_scenario_known(o->scenario))
        return nt_fail(err, NT_EUSAGE, "unknown scenario \"%s\" (expected one of: %s)", o->scenario,
                       nt_simulate_scenario_list());
    if (o->delimiter != ',' && o->delimiter != ';' && o->delimiter != '\t')
        return nt_fail(err, NT_EUSAGE, "the delimiter must be ',', ';' or TAB");
    if (o->id_width < 0 || o->id_width > 32) return nt_fail(err, NT_EUSAGE, "--id-width must be 0..32");
    if ((int)o->codes < 0 || o->codes > NT_SIM_CODES_NUMERIC) return nt_fail(err, NT_EUSAGE, "bad codes option");
    return NT_OK;
}

#define BLOCK 16384

nt_status nt_simulate_write(const nt_simulate_opts *o, const char *dir, nt_simulate_summary *sum, nt_error *err)
{
    nt_status st = check_opts(o, err);
    if (st) return st;
    if (o->id_width > 0 && o->id_width < 19) {
        long lim = 1;
        for (int j = 0; j < o->id_width; j++) lim *= 10;
        if (o->persons >= lim)
            return nt_fail(err, NT_EUSAGE, "--id-width %d is too narrow for %ld persons", o->id_width, o->persons);
    }
    if (nt_dir_nonempty(dir))
        return nt_fail(err, NT_EIO, "output folder %s exists and is not empty; choose a new one", dir);

    /* temporary sibling folder, renamed to dir when complete */
    char tmp[4200];
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    snprintf(tmp, sizeof tmp, "%.*s.tmp-XXXXXX", (int)len, dir);
    {
        char parent[4200];
        snprintf(parent, sizeof parent, "%s", tmp);
        char *sl = strrchr(parent, '/');
        if (sl && sl != parent) {
            *sl = 0;
            st = nt_mkdirs(parent, err);
            if (st) return st;
        }
    }
    if (!mkdtemp(tmp)) return nt_fail(err, NT_EIO, "cannot create a folder beside %s: %s", dir, strerror(errno));

    model M;
    model_init(&M, o->scenario);
    fmt F = {o, {o->delimiter, 0}, o->crlf ? "\r\n" : "\n"};
    int nth = o->threads > 0 ? o->threads : omp_get_max_threads();
    if (nth > 256) nth = 256;
    FILE *fps[NFILES] = {0};
    sbuf *bufs = calloc((size_t)nth * NFILES, sizeof *bufs);
    work *works = calloc((size_t)nth, sizeof *works);
    truth_acc *accs = calloc((size_t)nth, sizeof *accs);
    long *counts = calloc((size_t)nth * (NFILES + 3), sizeof *counts);
    nt_simulate_summary S = {0};
    int failed = 0;
    char path[4400];
    if (!bufs || !works || !accs || !counts) {
        st = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    for (int f = 0; f < NFILES; f++) {
        nt_path_join(path, sizeof path, tmp, file_names[f]);
        fps[f] = fopen(path, "wb");
        if (!fps[f]) {
            st = nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
            goto done;
        }
        write_header(fps[f], &F, f);
    }
    for (long lo = 0; lo < o->persons && !failed; lo += BLOCK) {
        long n = o->persons - lo < BLOCK ? o->persons - lo : BLOCK;
#pragma omp parallel num_threads(nth)
        {
            int tid = omp_get_thread_num(), nt = omp_get_num_threads();
            long a = lo + n * tid / nt, b = lo + n * (tid + 1) / nt;
            sbuf *out = &bufs[(size_t)tid * NFILES];
            long *c = &counts[(size_t)tid * (NFILES + 3)];
            for (int f = 0; f < NFILES; f++) out[f].n = 0;
            for (long i = a; i < b; i++) {
                if (person_run(&M, o->seed, i, &works[tid], &accs[tid])) {
#pragma omp atomic write
                    failed = 1;
                    break;
                }
                format_person(&F, &works[tid], out, c);
                const work *w = &works[tid];
                if (w->info.treat_month >= 0 && w->info.treat_month < NT_SIM_START_MONTHS) c[NFILES]++;
                if (w->p.death != NT_DAY_NONE) c[NFILES + 1]++;
                if (w->p.emig != NT_DAY_NONE) c[NFILES + 2]++;
            }
        }
        for (int t = 0; t < nth && !failed; t++)
            for (int f = 0; f < NFILES; f++) {
                sbuf *s = &bufs[(size_t)t * NFILES + f];
                if (s->oom) failed = 1;
                else if (s->n && fwrite(s->s, 1, s->n, fps[f]) != s->n) failed = 2;
            }
    }
    if (failed) {
        st = failed == 2 ? nt_fail(err, NT_EIO, "cannot write the output files in %s: %s", tmp, strerror(errno))
                         : nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    for (int f = 0; f < NFILES; f++) {
        int bad = fflush(fps[f]) != 0 || fsync(fileno(fps[f])) != 0;
        bad |= fclose(fps[f]) != 0;
        fps[f] = NULL;
        if (bad) {
            st = nt_fail(err, NT_EIO, "cannot write %s in %s: %s", file_names[f], tmp, strerror(errno));
            goto done;
        }
    }
    for (int t = 1; t < nth; t++) truth_merge(&accs[0], &accs[t]);
    for (int t = 0; t < nth; t++) {
        long *c = &counts[(size_t)t * (NFILES + 3)];
        S.persons += c[F_PERSONS];
        S.benefits += c[F_BENEFITS];
        S.programs += c[F_PROGRAMS];
        S.jobs += c[F_JOBS];
        S.participants += c[NFILES];
        S.deaths += c[NFILES + 1];
        S.emigrations += c[NFILES + 2];
    }
    nt_path_join(path, sizeof path, tmp, "study.ini");
    if ((st = write_study(o, path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth.csv");
    if ((st = write_truth(&accs[0], path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "README.md");
    if ((st = write_readme(o, &M, &S, path, err))) goto done;
    rmdir(dir);   /* an empty dir may exist; rename needs it gone */
    if (rename(tmp, dir)) {
        st = nt_fail(err, NT_EIO, "cannot rename %s to %s: %s", tmp, dir, strerror(errno));
        goto done;
    }
    if (sum) *sum = S;
done:
    for (int f = 0; f < NFILES; f++)
        if (fps[f]) fclose(fps[f]);
    if (st) remove_tree(tmp);
    if (bufs)
        for (int i = 0; i < nth * NFILES; i++) free(bufs[i].s);
    if (works)
        for (int t = 0; t < nth; t++) {
            free(works[t].f.v);
            free(works[t].c.v);
        }
    free(bufs);
    free(works);
    free(accs);
    free(counts);
    return st;
}

void nt_sim_population_free(nt_sim_population *p)
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

nt_status nt_simulate_generate(const nt_simulate_opts *o, nt_sim_population **out, nt_error *err)
{
    nt_status st = check_opts(o, err);
    if (st) return st;
    model M;
    model_init(&M, o->scenario);
    long n = o->persons;
    size_t H = NT_SIM_PANEL_MONTHS, nh = (size_t)n * H;
    nt_sim_population *P = calloc(1, sizeof *P);
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
            if (person_run(&M, o->seed, i, w, NULL)) {
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
        nt_sim_population_free(P);
        return st;
    }
    *out = P;
    return NT_OK;
}
