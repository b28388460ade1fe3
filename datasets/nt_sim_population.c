/* The simulator's model and persons: scenario parameters, attributes and
   the pre-inflow history (see nt_sim_model.h and docs/simulation.md). */
#include "datasets/nt_sim_model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const prog_names[] = {"", "bemiddeling", "scholing", "workfirst", "loonkostensubsidie", "any"};

void nt_sim_model_init(model *m, const char *scenario)
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
           also raises job finding, so matching on observables is biased up.
           The structure the timing-of-events model assumes: the trait is a
           discrete type (two points, mean 0, SD 1) that drives programme
           start and job finding (not job loss), the programmes act on job
           finding only (no retention or wage effect) and equally for all. */
        m->start_trait = 0.8;
        m->trait_two_point = 1;
        m->loss_trait = 0;
        m->het_low = m->het_high = m->het_norecent = 1.0;
        for (int p = 1; p <= NPROG; p++) m->prog[p].retention = m->prog[p].wage = 0;
    } else if (!strcmp(scenario, "regions")) {
        /* region effects of known spread: 1 + 0.5 q_r, q_r = ((7 r mod 15) - 7) / sqrt(56 / 3)
           (mean 0, sd 1 over the 15 regions) */
        for (int r = 0; r < NREGION; r++) m->region_eff[r] = 0.5 * ((double)((7 * r) % 15) - 7) / sqrt(56.0 / 3.0);
    } else if (!strcmp(scenario, "dip")) {
        /* Ashenfelter's dip: caseworkers pick those whose earlier career
           (months -36..-25, before the study's 24-month history) broke off;
           that career also helps finding work, so the study's model is
           biased and its placebo months must show it */
        m->start_early = -1.5;
        m->job_early = 0.5;
    } else if (!strcmp(scenario, "homogeneous")) {
        m->het_low = m->het_high = m->het_norecent = 1.0;
    } else if (!strcmp(scenario, "cycle")) {
        nt_sim_cycle_init(m);
    } else if (!strcmp(scenario, "censoring")) {
        /* informative censoring: the high educated (job finding up, effect
           x 0.6) emigrate often, so the participants still observed drift
           towards the low educated (effect x 1.5) along tau */
        m->emig_edu[0] = 0.005;
        m->emig_edu[1] = 0.03;
        m->emig_edu[2] = 0.5;
        m->follow_emigrants = 1;
    }
}

int nt_simulate_scenario_known(const char *name)
{
    return name && (!strcmp(name, "default") || !strcmp(name, "null") || !strcmp(name, "unobserved") ||
                    !strcmp(name, "homogeneous") || !strcmp(name, "regions") || !strcmp(name, "dip") ||
                    !strcmp(name, "cycle") || !strcmp(name, "censoring"));
}

const char *nt_simulate_scenario_list(void) { return "default, null, unobserved, homogeneous, regions, dip, cycle, censoring"; }

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

const sim_region nt_sim_regions[NREGION] = {
    {"0363", 0.14, -0.10}, {"0599", 0.12, -0.20}, {"0518", 0.10, -0.15}, {"0344", 0.06, 0.10},
    {"0772", 0.05, 0.15},  {"0014", 0.05, -0.10}, {"0034", 0.04, 0.00},  {"0855", 0.05, 0.05},
    {"0758", 0.05, 0.10},  {"0268", 0.05, 0.00},  {"0193", 0.05, 0.15},  {"0153", 0.06, -0.15},
    {"0202", 0.06, -0.05}, {"0935", 0.06, -0.05}, {"0080", 0.06, -0.10},
};

int nt_sim_spell_push(spell_buf *b, spell s)
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

int nt_sim_pick(const double *w, int n, double u)
{
    double tot = 0, c = 0;
    for (int i = 0; i < n; i++) tot += w[i];
    for (int i = 0; i < n; i++) {
        c += w[i] / tot;
        if (u < c) return i;
    }
    return n - 1;
}

void nt_sim_cover(const spell *s, int n, int kind, int mfrom, int nm, uint8_t *flag, int64_t *earnL)
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

int nt_sim_draw_wage(const model *M, const person *p, double u, double gain)
{
    double mu = 7.55 + (p->edu == 2 ? 0.3 : p->edu == 0 ? -0.2 : 0) + 0.008 * (p->age - 40) -
                (p->sex ? 0.15 : 0) - (p->mig == 2 ? 0.1 : 0) - (p->scheme == SCH_BIJSTAND ? 0.15 : 0);
    (void)M;
    return (int)lround(exp(mu) * (0.7 + 0.6 * u) * (1 + gain));
}

/* emp12, emp24, ben24 (the study's covariates) and emp_early (months
   -36..-25, the dip scenario's) from the history spells. */
static void history_counts(person *p, const spell_buf *b)
{
    uint8_t fl[24];
    int64_t el[24];
    nt_sim_cover(b->v, b->n, SP_JOB, p->inflow - 24, 24, fl, el);
    p->emp12 = p->emp24 = 0;
    for (int j = 0; j < 24; j++) {
        p->emp24 += fl[j];
        if (j >= 12) p->emp12 += fl[j];
    }
    nt_sim_cover(b->v, b->n, SP_JOB, p->inflow - 36, 12, fl, el);
    p->emp_early = 0;
    for (int j = 0; j < 12; j++) p->emp_early += fl[j];
    nt_sim_cover(b->v, b->n, SP_BEN, p->inflow - 24, 24, fl, NULL);
    p->ben24 = 0;
    for (int j = 0; j < 24; j++) p->ben24 += fl[j];
}

/* Attributes and the pre-inflow history, from RNG stream (seed, i). */
/* The unobserved trait from a standard normal z: z itself, or the two-point
   type (40% at +sqrt(1.5), 60% at -sqrt(2/3): z above its 60% quantile). */
static double trait_of(const model *M, double z)
{
    if (!M->trait_two_point) return z;
    return z > 0.2533471031357997 ? 1.224744871391589 : -0.816496580927726;
}

int nt_sim_person_draw(const model *M, uint64_t seed, long i, person *p, spell_buf *b)
{
    nt_rng r;
    nt_rng_init(&r, seed, (uint64_t)i);
    memset(p, 0, sizeof *p);
    p->index = i;
    p->key = nt_rng_u64(&r);
    p->scheme = nt_rng_bernoulli(&r, 0.6) ? SCH_WW : SCH_BIJSTAND;
    int bij = p->scheme == SCH_BIJSTAND;
    /* inflow: January and the recession year 2004 a little heavier */
    double w_in[24];
    for (int j = 0; j < 24; j++) w_in[j] = (j % 12 == 0 ? 1.4 : 1.0) * (j >= 12 ? 1.15 : 1.0);
    p->inflow = WINDOW_FROM + nt_sim_pick(w_in, 24, nt_rng_uniform(&r));
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
    p->sex = nt_rng_bernoulli(&r, bij ? 0.52 : 0.42);
    double we[3] = {bij ? 0.55 : 0.30, bij ? 0.35 : 0.45, bij ? 0.10 : 0.25};
    p->edu = nt_rng_bernoulli(&r, 0.01) ? -1 : nt_sim_pick(we, 3, nt_rng_uniform(&r));
    double wm[3] = {bij ? 0.55 : 0.80, bij ? 0.10 : 0.09, bij ? 0.35 : 0.11};
    p->mig = nt_sim_pick(wm, 3, nt_rng_uniform(&r));
    double wr[NREGION];
    for (int j = 0; j < NREGION; j++) wr[j] = nt_sim_regions[j].share;
    p->region = nt_sim_pick(wr, NREGION, nt_rng_uniform(&r));
    p->trait = trait_of(M, nt_rng_normal(&r));
    p->ww_maxdur = 6 + (int)((p->age - 18) / 2);
    if (p->ww_maxdur > 38) p->ww_maxdur = 38;

    /* death and emigration: exponential times from the index start */
    double rate_d = M->death_rate40 * exp(0.09 * (p->age - 40));
    double rate_e = p->mig == 0 ? M->emig_none : p->mig == 1 ? M->emig_western : M->emig_nonwestern;
    if (M->follow_emigrants) rate_e = M->emig_edu[p->edu >= 0 ? p->edu : 1];
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
    p->n_full = p->n_observed;
    if (M->follow_emigrants && p->emig != NT_DAY_NONE) {   /* simulated on to the data end (truth only) */
        p->last_t = DATA_END_MONTH - p->inflow;
        p->n_full = p->last_t + 1 < NT_SIM_PANEL_MONTHS ? p->last_t + 1 : NT_SIM_PANEL_MONTHS;
    }

    /* History, going back from month -1 in alternating runs of employment
       and non-employment; WW entrants were employed until the day before
       inflow, most BIJSTAND entrants were not. Benefit in a non-employment
       run never touches month -1, so no history spell merges with or
       becomes the index spell. */
    b->n = 0;
    int emp = bij ? nt_rng_bernoulli(&r, 0.2) : 1;
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
            s.wage = nt_sim_draw_wage(M, p, nt_rng_uniform(&r), 0);
            s.hours = (int16_t)(16 + 4 * nt_rng_below(&r, 7));
            if (nt_sim_spell_push(b, s)) return -1;
        } else {
            int bm_hi = m < p->inflow - 2 ? m : p->inflow - 2;   /* never in month -1 */
            if (bm_hi >= a && nt_rng_bernoulli(&r, bij ? 0.4 : 0.25)) {
                spell s = {0};
                s.kind = SP_BEN;
                /* the scheme of an earlier spell: WW/BIJSTAND only if it
                   starts before the inflow window, else sickness benefit */
                int sc = a < WINDOW_FROM ? (bij ? SCH_BIJSTAND : SCH_WW) : SCH_ZW;
                s.code = (uint8_t)sc;
                s.start = day_in(a, 2 + (int)nt_rng_below(&r, 20));
                s.end = day_in(bm_hi, 1 + (int)nt_rng_below(&r, 28));
                if (s.end < s.start) s.end = s.start;
                if (nt_sim_spell_push(b, s)) return -1;
            }
        }
        m = a - 1;
        emp = !emp;
        first_run = 0;
    }
    p->nhist = b->n;
    history_counts(p, b);
    return 0;
}
