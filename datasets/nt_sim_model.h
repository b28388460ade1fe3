/* Internals of the simulator (datasets/nt_sim_*.c), shared by its files:
   nt_sim_population.c (model, person attributes and history),
   nt_sim_spells.c (the months after inflow, factual and counterfactual),
   nt_sim_truth.c (truth.csv) and nt_sim_write.c (the files, nt_simulate_write).
   Not for other layers.

   Layout of the work for one person i:
     1. nt_sim_person_draw: attributes and the pre-inflow history (36+ months of job
        and benefit spells) from RNG stream (seed, i);
     2. path_sim (nt_sim_spells.c): the months from inflow (month 0) to the data end or the
        month before death/emigration, driven by uniforms U(t, purpose) that
        are a hash of (person key, month, purpose), so the factual path and
        the counterfactual path (programme start in month k suppressed) use
        the same draw for the same decision in the same month;
     3. panel_derive (nt_sim_spells.c): the contract's panel (employed, earnings, on_benefit)
        from the spells, so what is written and what the truth is computed
        from cannot disagree;
     4. nt_sim_truth_add: for each participant who starts in month k = 0..23, the
        differences factual - counterfactual at k + tau, tau = 0..95, added
        to integer accumulators (earnings in units of 1/377580 euro, the lcm
        of the month lengths 28..31, so sums are exact and order-free).
   ATT(tau) = sum over k of sum over treated at k observed at k+tau of the
   difference / number of such treated: the spec's pi_k(tau) weighting. */
#ifndef NT_SIM_MODEL_H
#define NT_SIM_MODEL_H

#include <math.h>
#include <stdint.h>

#include "core/nt_date.h"
#include "core/nt_rng.h"
#include "datasets/nt_simulate.h"

/* ---------------------------------------------------------------- model */

#define HIST_MONTHS 36          /* history simulated before month 0 */
#define WINDOW_FROM (2003 * 12 + 0)
#define WINDOW_TO (2004 * 12 + 11)
#define DATA_END_MONTH (2012 * 12 + 11)   /* data end 2012-12-31 */
#define MAX_SIM_MONTHS (DATA_END_MONTH - WINDOW_FROM + 1)
#define EARN_L 377580LL          /* lcm(28, 29, 30, 31) */
#define NPROG NT_SIM_PROGRAMS
/* The truth's start months: those with at least this many treated (and a
   control), as netto run estimates them with [estimator] pool_sparse = yes
   (every start month with a treated; issue 14 item 5). */
#define TRUTH_MIN_TREATED 1
#define NSUB 18                  /* all, education low/mid/high, emp_prev12 0 / 1-12, job_chance q1..q5,
                                    start_year 2003..2006, unemployment_rate at the start (3 ranges) */
#define SUB_JOB 6                /* job_chance=q1 */
#define SUB_YEAR 11              /* start_year=2003 */
#define SUB_YEAR_FIRST 2003
#define SUB_YEARS 4
#define SUB_UNEMP 15             /* unemployment_rate=0-7.6, 7.7-8.2, 8.3-99 (nt_sim_cycle.c) */
#define MAX_START_DUR 36         /* no programme starts after 36 months on the index benefit */

enum { ST_BEN_INDEX, ST_BEN_OTHER, ST_EMP, ST_NONEMP };
enum { SP_JOB, SP_BEN, SP_PROG };
enum { SCH_WW, SCH_BIJSTAND, SCH_ZW };
/* purposes of the monthly uniforms */
enum { U_START, U_TYPE, U_COST, U_JOB, U_DAY, U_WAGE, U_EXIT, U_LOSS, U_J2J, U_REENT, U_BDAY, U_HOURS, U_NPURPOSE };

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
    int trait_two_point;     /* 1: the trait is a two-point type (scenario unobserved) */
    double start_const, start_bijstand, start_low, start_high, start_norecent, start_age,
        start_benhist, start_dur, start_trait,
        start_early;     /* dip scenario: logit shift per year employed in months -36..-25 (unseen by the study) */
    double job_const, job_ww, job_low, job_high, job_age, job_female, job_western, job_nonwestern,
        job_emp12, job_ben24, job_dur, job_trait, job_nonemp, job_early;
    double loss_const, loss_tenure, loss_low, loss_bijstand, loss_trait;
    double exit_other_ww, exit_other_bijstand, to_bijstand_after_ww, reentry, job_to_job;
    double death_rate40, emig_none, emig_western, emig_nonwestern;   /* per year */
    /* Scenario `censoring`: emigration per year by education (low, mid,
       high; the study's covariate that also drives job finding and the
       effect), replacing the rates by migration background, and the paths
       followed beyond emigration for the truth (emigration only ends the
       data: truth.csv describes every participant as if observed to the
       data end or death). 0: not that scenario. */
    double emig_edu[3];
    int follow_emigrants;
    /* job_chance truth: quintile cut points of the known score
       nt_sim_job_index over the simulated persons (nt_sim_jobchance.c);
       jc_ready 0: no person has a quintile. */
    double jc_cut[4];
    int jc_ready;
    /* Region effects (scenario `regions`; 0 otherwise): the effect
       multiplier of a person in region r is times 1 + region_eff[r]. */
    double region_eff[15];
    /* Business cycle (scenario `cycle`, else 0): logit shifts per unit of
       nt_sim_cycle(calendar month) on programme start and job finding, and
       the relative change of the post-programme effect (nt_sim_cycle.c). */
    double cyc_start, cyc_job, cyc_effect;
} model;

/* Municipality codes (CBS GM codes, leading zeros) with inflow shares and a
   regional labour-market shift of the job-finding logit. */
#define NREGION 15
typedef struct { const char *code; double share, shift; } sim_region;
extern const sim_region nt_sim_regions[NREGION];

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
    int jq;                              /* job_chance quintile 1..5 of nt_sim_job_index, 0 none */
    int force_type;                      /* a programme start takes this type (1..NPROG), 0: drawn */
    int no_start_from;                   /* no programme starts from this month since inflow on (never path) */
    int emp_early;                       /* months employed in -36..-25 (the dip scenario's selection) */
    int ww_maxdur;
    int last_t;                          /* last simulated month since inflow */
    int n_observed;                      /* observed months since inflow (panel) */
    int n_full;                          /* months the truth follows (n_observed but in scenario censoring) */
    int nhist;                           /* history spells at the start of the buffer */
} person;

typedef struct {
    int treat_month, treat_type, index_last;
} path_info;

/* The cost-benefit inputs the study.ini names ([cost_benefit]): benefit
   euros per month by index scheme, and the discount rate of truth_cost_benefit.csv. */
#define SIM_BENEFIT_WW 1500
#define SIM_BENEFIT_BIJSTAND 1100
#define SIM_DISCOUNT_RATE 0.0225

typedef struct {
    int64_t sum[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON][3];
    /* Cost-benefit: programme cost (cents) started in the month and benefit
       euros (on_benefit x the index scheme's amount), factual - counterfactual. */
    int64_t cb[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON][2];
    int64_t cnt[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON];
    /* ATT_never: factual - the path without any programme start from k on
       (true_att_never), over the same treated and months as sum. */
    int64_t nsum[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON][3];
    int64_t ncb[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON][2];   /* as cb, against the never path */
    int64_t treated[NPROG + 1][NSUB][NT_SIM_START_MONTHS];
    int64_t controls[NSUB][NT_SIM_START_MONTHS];
    /* Programme against programme (truth_compare.csv): participants of m
       starting in k, their path with m minus their path had the start in
       k been of type l (whole cohort). */
    int64_t cmp_sum[NPROG + 1][NPROG + 1][NT_SIM_START_MONTHS][NT_SIM_HORIZON][3];
    int64_t cmp_cnt[NPROG + 1][NT_SIM_START_MONTHS][NT_SIM_HORIZON];
    /* Per region, programme `any` (truth_region.csv). */
    int64_t reg_sum[15][NT_SIM_START_MONTHS][NT_SIM_HORIZON][3];
    int64_t reg_cnt[15][NT_SIM_START_MONTHS][NT_SIM_HORIZON];
    int64_t reg_treated[15][NT_SIM_START_MONTHS], reg_controls[15][NT_SIM_START_MONTHS];
    /* Time to work (truth_time_to_work.csv, nt_sim_truth_ttw.c): participants
       of each programme (whole cohort) by start month, outcome (first job,
       stable job), path (0 factual, 1 counterfactual), the month T of their
       event or censoring and whether it is an event. */
    int64_t ttw[NPROG + 1][2][2][NT_SIM_START_MONTHS][NT_SIM_HORIZON + 1][2];
    /* ATT_fixed: sum and cnt over the participants followed for the whole
       horizon by the data end (inflow + k + horizon within the data). */
    int64_t fix_sum[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON][3];
    int64_t fix_cnt[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON];
    int64_t fix_cb[NPROG + 1][NSUB][NT_SIM_START_MONTHS][NT_SIM_HORIZON][2];
} truth_acc;

/* The work space of one thread for one person at a time. */
typedef struct {
    spell_buf f, c;
    uint8_t e1[NT_SIM_PANEL_MONTHS], b1[NT_SIM_PANEL_MONTHS], e0[NT_SIM_PANEL_MONTHS], b0[NT_SIM_PANEL_MONTHS];
    int64_t w1[NT_SIM_PANEL_MONTHS], w0[NT_SIM_PANEL_MONTHS];
    int64_t c1[NT_SIM_PANEL_MONTHS], c0[NT_SIM_PANEL_MONTHS];   /* programme cost started, cents */
    uint8_t e2[NT_SIM_PANEL_MONTHS], b2[NT_SIM_PANEL_MONTHS];   /* the path with another programme type */
    uint8_t en[NT_SIM_PANEL_MONTHS], bn[NT_SIM_PANEL_MONTHS];   /* the path without any programme from k on */
    int64_t wn[NT_SIM_PANEL_MONTHS], cn[NT_SIM_PANEL_MONTHS];
    int64_t w2[NT_SIM_PANEL_MONTHS];
    spell_buf g;
    person p;
    path_info info;
} work;

static inline double logistic(double x) { return 1.0 / (1.0 + exp(-x)); }

/* U(t, purpose) in (0, 1): a hash of the person key, month and purpose. */
static inline double unif(const person *p, int t, int purpose)
{
    uint64_t x = p->key ^ ((uint64_t)(t + 64) * U_NPURPOSE + (uint64_t)purpose) * 0xd1342543de82ef95ULL;
    x = nt_mix64(nt_mix64(x));
    return ((double)(x >> 11) + 0.5) * 0x1.0p-53;
}

static inline int dim_of(int month) { return nt_month_last_day(month) - nt_month_first_day(month) + 1; }

static inline nt_day day_in(int month, int d) { return nt_month_first_day(month) + d - 1; }

/* nt_sim_population.c */
void nt_sim_model_init(model *m, const char *scenario);
/* Appends s to b; -1 when out of memory. */
int nt_sim_spell_push(spell_buf *b, spell s);
/* Index i with probability w[i] / sum(w), from the uniform u. */
int nt_sim_pick(const double *w, int n, double u);
/* Months covered by the spells of one kind over [mfrom, mfrom + nm):
   flag[j] = 1 if a spell covers a day of month mfrom + j; earnL[j] = sum of
   wage x days covered x (EARN_L / days in month) (jobs only, may be NULL).
   An open spell runs to the end of the simulation (the data end). */
void nt_sim_cover(const spell *s, int n, int kind, int mfrom, int nm, uint8_t *flag, int64_t *earnL);
int nt_sim_draw_wage(const model *M, const person *p, double u, double gain);
/* Attributes and the pre-inflow history, from RNG stream (seed, i). */
int nt_sim_person_draw(const model *M, uint64_t seed, long i, person *p, spell_buf *b);

/* nt_sim_cycle.c */
/* The business cycle in calendar month m (year * 12 + month - 1): a sine of
   period 60 months, +1 at its peak of unemployment (2004-07), -1 in the
   boom (2007-01), +1 again in 2009-07. */
double nt_sim_cycle(int m);
/* The cycle scenario's parameters (called by nt_sim_model_init). */
void nt_sim_cycle_init(model *m);
/* context.csv (scenario cycle): region, month, unemployment_rate for every
   region and calendar month from 36 months before the inflow window to the
   data end. */
nt_status nt_sim_context_write(const char *path, char delimiter, const char *eol, nt_error *err);
/* The rate of context.csv in tenths of a percent (calendar month m, region r). */
int nt_sim_unemployment_tenths(int m, int r);

/* nt_sim_spells.c */
/* Draws person i, simulates the factual path and, for a participant in
   months 0..23, the counterfactual one; fills w and adds to the truth T
   (T may be NULL). -1 when out of memory. */
int nt_sim_person_run(const model *M, uint64_t seed, long i, work *w, truth_acc *T);

/* The known job-chance score: the job-finding logit at inflow (duration 0)
   without the unobserved trait (nt_sim_spells.c). */
double nt_sim_job_index(const model *M, const person *p);
/* nt_sim_jobchance.c: M->jc_cut from all persons' scores (works: nth
   thread buffers); the quintile of a drawn person. */
int nt_sim_job_cuts(model *M, uint64_t seed, long persons, int nth, work *works);
int nt_sim_job_quintile(const model *M, const person *p);
/* nt_sim_trait.c: truth_trait.csv, every person's unobserved trait and its
   median split (scenario unobserved). */
nt_status nt_sim_trait_write(const model *M, uint64_t seed, long persons, int id_width, const char *path,
                             nt_error *err);

/* nt_sim_truth.c */
/* Risk set counts for every person; differences for participants. */
void nt_sim_truth_add(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *b1,
                      const int64_t *w1, const uint8_t *e0, const uint8_t *b0, const int64_t *w0);
/* The never differences of a participant (en, bn, wn: no programme from
   its start month on), over the months nt_sim_truth_add counts. */
void nt_sim_truth_add_never(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *b1,
                            const int64_t *w1, const uint8_t *en, const uint8_t *bn, const int64_t *wn,
                            const int64_t *c1, const int64_t *cn);
/* The cost-benefit differences of a participant (c: programme cost started
   per month, cents). */
void nt_sim_truth_add_cb(truth_acc *T, const person *p, const path_info *f, const uint8_t *b1, const int64_t *c1,
                         const uint8_t *b0, const int64_t *c0);
/* The differences of a participant's path (type f->treat_type) and its
   path with type l at the same start (e2, b2, w2). */
void nt_sim_truth_add_cmp(truth_acc *T, const person *p, const path_info *f, int l, const uint8_t *e1,
                          const int64_t *w1, const uint8_t *b1, const uint8_t *e2, const int64_t *w2, const uint8_t *b2);
/* nt_sim_truth_ttw.c: a participant's times to (stable) work on both paths,
   and truth_time_to_work.csv (the Kaplan-Meier curves of the true paths). */
void nt_sim_truth_add_ttw(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *e0);
nt_status nt_sim_truth_write_ttw(const truth_acc *T, const char *path, nt_error *err);
/* truth_region.csv: the truth of programme `any` per region (subgroup
   region=<code>), as truth.csv. */
nt_status nt_sim_truth_write_region(const truth_acc *T, const char *path, nt_error *err);
/* truth_by_start.csv (nt_sim_truth_k.c): the whole cohort's ATT_k(tau) per
   programme, outcome, start month k and month tau. */
nt_status nt_sim_truth_write_by_start(const truth_acc *T, const char *path, nt_error *err);
/* truth_compare.csv: program, versus, outcome, month, true_att, n_treated. */
nt_status nt_sim_truth_write_cmp(const truth_acc *T, const char *path, nt_error *err);
void nt_sim_truth_merge(truth_acc *into, const truth_acc *from);
nt_status nt_sim_truth_write(const truth_acc *T, const char *path, nt_error *err);
/* truth_cost_benefit.csv: cost_benefit.csv's figures (estimand ATT) from the
   true paths, at rates 0 and SIM_DISCOUNT_RATE. */
nt_status nt_sim_truth_write_cb(const truth_acc *T, const char *path, nt_error *err);

#endif
