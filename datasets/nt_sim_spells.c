/* The months after inflow: the factual path and, for a participant, the
   counterfactual one without the programme start (see nt_sim_model.h). */
#include "datasets/nt_sim_model.h"

#include <stdlib.h>
#include <string.h>

static double het(const model *M, const person *p)
{
    double h = p->edu == 0 ? M->het_low : p->edu == 2 ? M->het_high : 1.0;
    return h * (p->emp12 == 0 ? M->het_norecent : 1.0) * (1 + M->region_eff[p->region]);
}

static double job_logit(const model *M, const person *p, int dur)
{
    return M->job_const + (p->scheme == SCH_WW ? M->job_ww : 0) + (p->edu == 0 ? M->job_low : 0) +
           (p->edu == 2 ? M->job_high : 0) + M->job_age * (p->age > 40 ? p->age - 40 : 0) +
           (p->sex ? M->job_female : 0) + (p->mig == 1 ? M->job_western : 0) +
           (p->mig == 2 ? M->job_nonwestern : 0) + M->job_emp12 * p->emp12 / 12.0 +
           M->job_ben24 * p->ben24 / 24.0 + M->job_dur * log1p(dur) + M->job_trait * p->trait +
           nt_sim_regions[p->region].shift + M->job_early * p->emp_early / 12.0;
}

double nt_sim_job_index(const model *M, const person *p) { return job_logit(M, p, 0) - M->job_trait * p->trait; }

static double start_logit(const model *M, const person *p, int dur)
{
    double x = M->start_const + (p->scheme == SCH_BIJSTAND ? M->start_bijstand : 0) +
               (p->edu == 0 ? M->start_low : 0) + (p->edu == 2 ? M->start_high : 0) +
               (p->emp12 == 0 ? M->start_norecent : 0) + M->start_age * (p->age - 40) +
               (p->ben24 > 0 ? M->start_benhist : 0) + M->start_dur * dur + M->start_trait * p->trait +
               M->start_early * p->emp_early / 12.0;
    if (dur >= 1 && dur <= 4) x += 0.4;   /* intake interviews in months 1-4 */
    return x;
}

/* A job spell starting on `start`, still open, with its wage (plus a
   programme's wage gain) and hours drawn from month t's numbers. */
static int push_job(const model *M, const person *p, int t, nt_day start, double gain, spell_buf *b)
{
    spell s = {0};
    s.kind = SP_JOB;
    s.start = start;
    s.end = NT_DAY_NONE;
    s.wage = nt_sim_draw_wage(M, p, unif(p, t, U_WAGE), gain);
    s.hours = (int16_t)(16 + 4 * (int)(unif(p, t, U_HOURS) * 7));
    return nt_sim_spell_push(b, s);
}

/* The state of one path between months: the labour-market state, the open
   spells (indices into the buffer, -1 none), the programme and a benefit
   due to start next month. */
typedef struct {
    int state, ben_t0, ben_scheme, job_t0;
    int open_ben, open_job, open_prog;
    int prog, prog_t0, prog_end_t;
    int pending_ben, pending_day;   /* benefit to start next month */
    double h;                       /* effect multiplier */
} path_state;

/* A programme start in month t (month m) of the index spell: its type and
   cost; the spell stays open until the programme or the benefit ends. */
static int start_program(const model *M, const person *p, int t, int m, path_state *S, spell_buf *b,
                         path_info *info)
{
    double w[NPROG];
    for (int k = 1; k <= NPROG; k++) w[k - 1] = p->scheme == SCH_WW ? M->prog[k].share_ww : M->prog[k].share_bijstand;
    if (p->age >= 50) w[3] *= 2;   /* wage subsidies for older workers */
    if (p->edu == 2) w[1] *= 0.5;  /* less training for the high educated */
    int prog = p->force_type ? p->force_type : 1 + nt_sim_pick(w, NPROG, unif(p, t, U_TYPE));
    S->prog = prog;
    S->prog_t0 = t;
    S->prog_end_t = t + M->prog[prog].duration - 1;
    info->treat_month = t;
    info->treat_type = prog;
    spell s = {0};
    s.kind = SP_PROG;
    s.code = (uint8_t)prog;
    s.start = day_in(m, t == 0 ? p->d0 + 2 : 1);
    s.end = NT_DAY_NONE;
    s.cost_cents = (int32_t)lround(M->prog[prog].cost * (0.6 + 0.8 * unif(p, t, U_COST)) * 100);
    if (nt_sim_spell_push(b, s)) return -1;
    S->open_prog = b->n - 1;
    return 0;
}

/* Ends the open benefit spell (and a programme in it) on day e of month t. */
static void end_benefit(path_state *S, int t, nt_day e, spell_buf *b, path_info *info)
{
    b->v[S->open_ben].end = e;
    if (S->open_prog >= 0) {
        b->v[S->open_prog].end = e;
        S->open_prog = -1;
    }
    if (S->state == ST_BEN_INDEX) info->index_last = t;
    S->open_ben = -1;
}

/* Month t on benefit: a programme start (index spell only, not in month
   `suppress`), then a job, else an exit to non-employment. */
static int month_on_benefit(const model *M, const person *p, int suppress, int t, double eff_job, path_state *S,
                            spell_buf *b, path_info *info)
{
    int m = p->inflow + t, dim = dim_of(m);
    int dur = t - S->ben_t0;
    double cyc = M->cyc_start || M->cyc_job ? nt_sim_cycle(m) : 0;
    if (S->state == ST_BEN_INDEX && !S->prog && t != suppress && t < p->no_start_from && dur <= MAX_START_DUR &&
        unif(p, t, U_START) < logistic(start_logit(M, p, dur) + M->cyc_start * cyc)) {
        if (start_program(M, p, t, m, S, b, info)) return -1;
        eff_job = M->prog[S->prog].lockin;
    }
    if (dur < 1) return 0;
    double pj = logistic(job_logit(M, p, dur) + eff_job + M->cyc_job * cyc);
    if (unif(p, t, U_JOB) < pj) {
        int sd = 3 + (int)(unif(p, t, U_DAY) * (dim - 2));   /* job starts on day 3..dim */
        nt_day js = day_in(m, sd);
        end_benefit(S, t, js - 1, b, info);
        if (push_job(M, p, t, js, S->prog ? M->prog[S->prog].wage * S->h : 0, b)) return -1;
        S->open_job = b->n - 1;
        S->job_t0 = t;
        S->state = ST_EMP;
        return 0;
    }
    int exhaust = S->ben_scheme == SCH_WW && dur == p->ww_maxdur - 1;
    double po = S->ben_scheme == SCH_WW ? M->exit_other_ww : M->exit_other_bijstand;
    if (exhaust || unif(p, t, U_EXIT) < po) {
        nt_day e = exhaust ? nt_month_last_day(m) : day_in(m, 2 + (int)(unif(p, t, U_BDAY) * (dim - 3)));
        end_benefit(S, t, e, b, info);
        S->state = ST_NONEMP;
        if (exhaust && unif(p, t, U_REENT) < M->to_bijstand_after_ww) {
            S->pending_ben = SCH_BIJSTAND;
            S->pending_day = 1;
        }
    }
    return 0;
}

/* Month t employed: job loss, then job to job or non-employment (with a
   benefit from next month on re-entry). tau: months since programme start. */
static int month_employed(const model *M, const person *p, int t, int tau, path_state *S, spell_buf *b)
{
    if (t <= S->job_t0) return 0;
    int m = p->inflow + t, dim = dim_of(m);
    double x = M->loss_const + M->loss_tenure * log1p(t - S->job_t0) + (p->edu == 0 ? M->loss_low : 0) +
               (p->scheme == SCH_BIJSTAND ? M->loss_bijstand : 0) + M->loss_trait * p->trait;
    if (S->prog && tau >= 0) x += M->prog[S->prog].retention * S->h;
    if (unif(p, t, U_LOSS) >= logistic(x)) return 0;
    int ed = 1 + (int)(unif(p, t, U_DAY) * (dim - 1));   /* day 1..dim-1 */
    b->v[S->open_job].end = day_in(m, ed);
    int tenure = t - S->job_t0;
    S->open_job = -1;
    if (unif(p, t, U_J2J) < M->job_to_job) {
        if (push_job(M, p, t, day_in(m, ed + 1), S->prog ? M->prog[S->prog].wage * S->h : 0, b)) return -1;
        S->open_job = b->n - 1;
        S->job_t0 = t;
    } else {
        S->state = ST_NONEMP;
        if (unif(p, t, U_REENT) < M->reentry) {
            S->pending_ben = tenure >= 6 ? SCH_WW : SCH_BIJSTAND;
            S->pending_day = 2 + (int)(unif(p, t, U_BDAY) * 20);
        }
    }
    return 0;
}

/* Month t without work or benefit: a pending benefit starts, else a job may. */
static int month_not_employed(const model *M, const person *p, int t, double eff_job, path_state *S, spell_buf *b)
{
    int m = p->inflow + t, dim = dim_of(m);
    if (S->pending_ben >= 0) {
        spell s = {0};
        s.kind = SP_BEN;
        s.code = (uint8_t)S->pending_ben;
        s.start = day_in(m, S->pending_day);
        s.end = NT_DAY_NONE;
        if (nt_sim_spell_push(b, s)) return -1;
        S->open_ben = b->n - 1;
        S->ben_scheme = S->pending_ben;
        S->ben_t0 = t;
        S->pending_ben = -1;
        S->state = ST_BEN_OTHER;
        return 0;
    }
    double pj = logistic(job_logit(M, p, 12) + M->job_nonemp + eff_job + (M->cyc_job ? M->cyc_job * nt_sim_cycle(m) : 0));
    if (unif(p, t, U_JOB) < pj) {
        if (push_job(M, p, t, day_in(m, 1 + (int)(unif(p, t, U_DAY) * dim)),
                     S->prog ? M->prog[S->prog].wage * S->h : 0, b)) return -1;
        S->open_job = b->n - 1;
        S->job_t0 = t;
        S->state = ST_EMP;
    }
    return 0;
}

/* Simulates months 0..last_t after inflow and appends the spells to b
   (after the history). suppress: the month in which a programme start is
   not allowed (-1: none). */
static int path_sim(const model *M, const person *p, int suppress, spell_buf *b, path_info *info)
{
    b->n = p->nhist;
    info->treat_month = -1;
    info->treat_type = 0;
    info->index_last = p->last_t;
    path_state S = {ST_BEN_INDEX, 0, p->scheme, 0, -1, -1, -1, 0, 0, 0, -1, 1, het(M, p)};
    {
        spell s = {0};
        s.kind = SP_BEN;
        s.code = (uint8_t)p->scheme;
        s.start = day_in(p->inflow, p->d0);
        s.end = NT_DAY_NONE;
        if (nt_sim_spell_push(b, s)) return -1;
        S.open_ben = b->n - 1;
    }
    for (int t = 0; t <= p->last_t; t++) {
        int tau = S.prog ? t - S.prog_t0 : -1;
        double eff_job = 0;
        if (S.prog && tau >= 0)
            eff_job = tau < M->prog[S.prog].duration ? M->prog[S.prog].lockin : M->prog[S.prog].post * S.h;
        if (S.prog && tau >= M->prog[S.prog].duration && M->cyc_effect)   /* more effective in a slack market */
            eff_job *= 1 + M->cyc_effect * nt_sim_cycle(p->inflow + t);
        int r = 0;
        switch (S.state) {
        case ST_BEN_INDEX:
        case ST_BEN_OTHER: r = month_on_benefit(M, p, suppress, t, eff_job, &S, b, info); break;
        case ST_EMP: r = month_employed(M, p, t, tau, &S, b); break;
        case ST_NONEMP: r = month_not_employed(M, p, t, eff_job, &S, b); break;
        }
        if (r) return -1;
        if (S.open_prog >= 0 && t == S.prog_end_t) {
            b->v[S.open_prog].end = nt_month_last_day(p->inflow + t);
            S.open_prog = -1;
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
    int nm = p->n_full;   /* n_observed, or beyond an emigration for the truth (scenario censoring) */
    nt_sim_cover(b->v, b->n, SP_JOB, p->inflow, nm, emp, earnL);
    nt_sim_cover(b->v, b->n, SP_BEN, p->inflow, nm, ben, NULL);
}

/* Programme cost started per month since inflow (cents), from the spells
   after the history. */
static void cost_derive(const person *p, const spell_buf *b, int64_t *cost)
{
    memset(cost, 0, NT_SIM_PANEL_MONTHS * sizeof *cost);
    for (int i = p->nhist; i < b->n; i++) {
        int t = nt_month_of_day(b->v[i].start) - p->inflow;
        if (b->v[i].kind == SP_PROG && t >= 0 && t < NT_SIM_PANEL_MONTHS) cost[t] += b->v[i].cost_cents;
    }
}

/* Scenario censoring: the written spells end with the last observed month
   (the path went on to the data end for the truth). */
static void cut_at_emigration(const person *p, spell_buf *b)
{
    nt_day end = nt_month_last_day(p->inflow + p->n_observed - 1);
    int n = p->nhist;
    for (int i = p->nhist; i < b->n; i++) {
        if (b->v[i].start > end) continue;
        b->v[n] = b->v[i];
        if (b->v[n].end == NT_DAY_NONE || b->v[n].end > end) b->v[n].end = end;
        n++;
    }
    b->n = n;
}

/* Draws person i, simulates the factual path and, for a participant in
   months 0..23, the counterfactual one; fills w and adds to the truth. */
int nt_sim_person_run(const model *M, uint64_t seed, long i, work *w, truth_acc *T)
{
    if (nt_sim_person_draw(M, seed, i, &w->p, &w->f)) return -1;
    w->p.no_start_from = NT_SIM_PANEL_MONTHS + 1000;
    w->p.jq = nt_sim_job_quintile(M, &w->p);
    if (path_sim(M, &w->p, -1, &w->f, &w->info)) return -1;
    panel_derive(&w->p, &w->f, w->e1, w->b1, w->w1);
    int k = w->info.treat_month;
    if (k >= 0 && k < NT_SIM_START_MONTHS) {
        path_info ci;
        /* the counterfactual shares the history: copy it, then simulate */
        w->c.n = 0;
        for (int j = 0; j < w->p.nhist; j++)
            if (nt_sim_spell_push(&w->c, w->f.v[j])) return -1;
        if (path_sim(M, &w->p, k, &w->c, &ci)) return -1;
        panel_derive(&w->p, &w->c, w->e0, w->b0, w->w0);
        cost_derive(&w->p, &w->f, w->c1);
        cost_derive(&w->p, &w->c, w->c0);
        if (T) nt_sim_truth_add_cb(T, &w->p, &w->info, w->b1, w->c1, w->b0, w->c0);
        /* never within the horizon: no programme start from k on (true_att_never) */
        if (T) {
            path_info ni;
            w->g.n = 0;
            for (int j = 0; j < w->p.nhist; j++)
                if (nt_sim_spell_push(&w->g, w->f.v[j])) return -1;
            w->p.no_start_from = k;
            int bad = path_sim(M, &w->p, -1, &w->g, &ni);
            w->p.no_start_from = NT_SIM_PANEL_MONTHS + 1000;
            if (bad) return -1;
            panel_derive(&w->p, &w->g, w->en, w->bn, w->wn);
            cost_derive(&w->p, &w->g, w->cn);
            nt_sim_truth_add_never(T, &w->p, &w->info, w->e1, w->b1, w->w1, w->en, w->bn, w->wn, w->c1, w->cn);
        }
        /* the same start with each other programme type (truth_compare.csv) */
        for (int l = 1; T && l <= NPROG; l++) {
            if (l == w->info.treat_type) continue;
            path_info gi;
            w->g.n = 0;
            for (int j = 0; j < w->p.nhist; j++)
                if (nt_sim_spell_push(&w->g, w->f.v[j])) return -1;
            w->p.force_type = l;
            int bad = path_sim(M, &w->p, -1, &w->g, &gi);
            w->p.force_type = 0;
            if (bad) return -1;
            panel_derive(&w->p, &w->g, w->e2, w->b2, w->w2);
            nt_sim_truth_add_cmp(T, &w->p, &w->info, l, w->e1, w->w1, w->b1, w->e2, w->w2, w->b2);
        }
    } else {
        memcpy(w->e0, w->e1, sizeof w->e0);
        memcpy(w->b0, w->b1, sizeof w->b0);
        memcpy(w->w0, w->w1, sizeof w->w0);
    }
    if (T) nt_sim_truth_add(T, &w->p, &w->info, w->e1, w->b1, w->w1, w->e0, w->b0, w->w0);
    if (w->p.n_full > w->p.n_observed) cut_at_emigration(&w->p, &w->f);
    return 0;
}
