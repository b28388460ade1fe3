/* The report of `netto run` (report/nt_report.h): the numbers of the run
   gathered into plain structs, each through report/nt_disclose on the same
   basis as its table (docs/disclosure.md):
     a month of a path and its intervals: that month's basis (effects.csv);
     the cumulative path at tau: the window 0..tau; a figure at horizon T
       (cumulative effect, lock-in, break-even, cost, net benefit): the
       window 0..T-1 (summary.csv's row);
     n participants: month 0's basis, as effects.csv's n_treated there;
     descriptives and balance: balance.csv's pooled ("all") rows;
     overlap: a bin of the score histogram rests on the participants in
       and out of it, and on the non-participants in and out of it (at
       least rows / months of a start interval, as balance.csv's controls).
   Then report/ writes report.html, report.pdf, summary.md, summary.tex and
   plots/, and every file is listed for export/. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_date.h"
#include "core/nt_file.h"
#include "core/nt_series.h"
#include "data/nt_calendar.h"
#include "data/nt_csv.h"
#include "report/nt_disclose.h"
#include "report/nt_report.h"
#include "study/nt_cost_benefit.h"
#include "study/nt_run_parts.h"

typedef struct {
    nt_report r;
    nt_report_program *prog;
    nt_report_balance *bal;
    nt_report_variable *var;
    nt_report_path *path;
    nt_report_value *n_treated, *cost;
    double *net_ci;  /* [pg * 2]: the net benefit's interval as cost_benefit.csv writes it */
    double *buf;     /* the disclosed paths */
    double *hist;    /* overlap shares */
    int *less;
    char text[12][600];
} gather;

static nt_report_value value(double est, double lo, double hi, int shown)
{
    nt_report_value v = {shown ? est : NAN, shown ? lo : NAN, shown ? hi : NAN, !shown};
    return v;
}

/* A figure as summary.csv shows it: withheld (x) when its row is, or when
   the table empties an estimated number; "–" when there is none. */
static nt_report_value shown(int row_gone, double estimated, double est, double lo, double hi)
{
    int gone = row_gone || (!isnan(estimated) && isnan(est));
    nt_report_value v = {gone ? NAN : est, gone ? NAN : lo, gone ? NAN : hi, gone};
    return v;
}

/* The society's undiscounted net benefit interval at the full horizon of
   every (programme, group), read back from cost_benefit.csv as written
   (rounded, suppressed: an empty cell stays NaN), so the report shows the
   table's numbers. No file (no cost-benefit): all NaN. */
static nt_status net_intervals(const nt_run_state *P, gather *G, nt_error *err)
{
    int npg = P->n_prog * P->n_groups;
    for (int i = 0; i < 2 * npg; i++) G->net_ci[i] = NAN;
    char path[4300], want[32];
    nt_path_join(path, sizeof path, P->out, "cost_benefit.csv");
    if (access(path, R_OK)) return NT_OK;
    nt_csv *c;
    nt_status s = nt_csv_open(path, NULL, &c, err);
    if (s) return s;
    enum { PROG, SUB, HOR, PERSP, RATE, LO, HI, NCOL };
    static const char *const name[NCOL] = {"program", "subgroup", "horizon_months", "perspective", "discount_rate",
                                           "net_benefit_ci_lower", "net_benefit_ci_upper"};
    int col[NCOL];
    for (int k = 0; k < NCOL; k++)
        if ((col[k] = nt_csv_header_find(c, name[k])) < 0) { nt_csv_close(c); return NT_OK; }
    snprintf(want, sizeof want, "%d", P->horizons[P->n_horizons - 1]);
    int rc;
    while ((rc = nt_csv_next(c, err)) == 1) {
        const char *f[NCOL];
        for (int k = 0; k < NCOL; k++) f[k] = col[k] < nt_csv_count(c) ? nt_csv_field(c, col[k], NULL) : "";
        if (strcmp(f[HOR], want) || strcmp(f[PERSP], "society") || strcmp(f[RATE], "0")) continue;
        for (int pg = 0; pg < npg; pg++) {
            if (strcmp(f[PROG], nt_run_program(P, pg)) || strcmp(f[SUB], nt_run_group(P, pg))) continue;
            for (int k = 0; k < 2; k++) {
                char *end;
                double v = strtod(f[LO + k], &end);
                G->net_ci[2 * pg + k] = *f[LO + k] && !*end ? v : NAN;
            }
        }
    }
    nt_csv_close(c);
    return rc < 0 ? (err && err->status ? err->status : NT_EIO) : NT_OK;
}

/* One path: the disclosed monthly and cumulative paths and its figures. */
static void one_path(nt_run_state *P, gather *G, int pg, int oc, double *buf)
{
    int H = P->st->horizon, NO = P->panel->n_outcomes, last = P->n_horizons - 1;
    const nt_dyn_result *r = P->res[pg];
    const nt_run_path *p = &P->path[(size_t)pg * NO + oc];
    nt_report_path *q = &G->path[(size_t)pg * NO + oc];
    int f = P->st->summary_fixed ? H : 0;   /* [summary] estimand: ATT_fixed's months follow ATT's */
    const double *src[8] = {(f ? r->att_fixed : r->att) + oc * H, p->lower + f, p->upper + f, p->band_lower + f,
                            p->band_upper + f, p->cum, p->cum_lower, p->cum_upper};
    for (int i = 0; i < 8; i++) nt_disclose_path(src[i], p->hidden + f, H, i >= 5, buf + (size_t)i * H);
    for (int tau = 0; tau < H; tau++)  /* no interval around an undefined month */
        if (isnan(buf[tau]))
            for (int i = 1; i < 5; i++) buf[(size_t)i * H + tau] = NAN;
    memset(q, 0, sizeof *q);
    q->est = buf;
    q->lower = buf + H;
    q->upper = buf + 2 * H;
    q->band_lower = P->inf ? buf + 3 * H : NULL;
    q->band_upper = P->inf ? buf + 4 * H : NULL;
    q->cum = buf + 5 * H;
    q->cum_lower = buf + 6 * H;
    q->cum_upper = buf + 7 * H;
    int earn = -1;
    for (int o = 0; o < NO; o++)
        if (!strcmp(P->panel->outcome_name[o], "earnings")) earn = o;
    for (int h = 0; h < P->n_horizons; h++) {
        const nt_summary *f = &p->shown[h], *e = &p->fig[h];  /* as summary.csv writes it; estimated */
        int gone = !isnan(e->est.cumulative_effect) && isnan(f->est.cumulative_effect); /* the row withheld */
        q->cum_at[h] = shown(gone, e->est.cumulative_effect, f->est.cumulative_effect, f->cumulative_lower,
                             f->cumulative_upper);
        if (h != last) continue;
        q->lockin_depth = shown(gone, e->est.lockin_depth, f->est.lockin_depth, f->lockin_depth_lower,
                                f->lockin_depth_upper);
        q->lockin_month = shown(gone, e->est.lockin_depth_month, f->est.lockin_depth_month, NAN, NAN);
        q->lockin_length = shown(gone, e->est.lockin_months, f->est.lockin_months, f->lockin_months_lower,
                                 f->lockin_months_upper);
        q->breakeven = shown(gone, e->est.breakeven_month, f->est.breakeven_month, f->breakeven_lower,
                             f->breakeven_upper);
        double se;  /* the society's undiscounted net benefit (cost_benefit.csv; summary.csv's earnings row) */
        double net = nt_cost_benefit_net(P, pg, h, &se);
        double net_shown = earn >= 0 ? P->path[(size_t)pg * NO + earn].shown_net[h] : NAN; /* summary.csv's earnings row */
        q->net_benefit = shown(0, net, net_shown, G->net_ci[2 * pg], G->net_ci[2 * pg + 1]);
        if (oc == earn) {  /* earnings: the net break-even, when the programme's cost is known */
            int isnet = 0;
            double nb = nt_cost_benefit_breakeven(P, pg, &isnet);
            if (isnet) q->breakeven = shown(gone || isnan(net_shown), nb, nb, NAN, NAN);
            q->breakeven_net = isnet;
        }
    }
}

/* A published count as a value: hidden when the count may not be shown. */
static nt_report_value count(const nt_run_state *P, long n, long basis)
{
    long mc = P->st->min_cell;
    int ok = nt_disclose_count((double)n, basis, mc);
    return value(nt_disclose_round((double)n, mc, P->st->round), NAN, NAN, ok);
}

/* The overlap of programme pi (whole cohort): shares (%) per bin, bins
   merged so that at most 24 cover the occupied range. */
static void overlap(const nt_run_state *P, gather *G, int pi, double *share)
{
    const nt_dyn_result *r = P->res[pi * P->n_groups];
    long mc = P->st->min_cell, tot[2] = {0, 0};
    int b0 = NT_DYN_SCORE_BINS, b1 = -1;
    for (int iv = 0; iv < r->n_intervals; iv++)
        for (int b = 0; b < NT_DYN_SCORE_BINS; b++)
            for (int t = 0; t < 2; t++) {
                long c = r->interval[iv].score_hist[t][b];
                tot[t] += c;
                if (c > 0) { if (b < b0) b0 = b; if (b > b1) b1 = b; }
            }
    nt_report_program *q = &G->prog[pi];
    if (b1 < 0) { q->n_bins = 0; return; }
    int k = (b1 - b0 + 1 + 23) / 24, n = (b1 - b0 + 1 + k - 1) / k;
    q->n_bins = n;
    q->score_lo = NT_DYN_SCORE_LO + b0 * NT_DYN_SCORE_WIDTH;
    q->score_width = k * NT_DYN_SCORE_WIDTH;
    q->share_treated = share;
    q->share_control = share + n;
    for (int j = 0; j < n; j++) {
        long c[2] = {0, 0}, cw = 0, cwo = 0;
        for (int iv = 0; iv < r->n_intervals; iv++) {
            const nt_dyn_interval *I = &r->interval[iv];
            long in = 0, all = 0, len = I->last - I->first + 1;
            for (int b = 0; b < NT_DYN_SCORE_BINS; b++) {
                int inside = b >= b0 + j * k && b < b0 + (j + 1) * k;
                all += I->score_hist[0][b];
                if (inside) { in += I->score_hist[0][b]; c[1] += I->score_hist[1][b]; }
            }
            c[0] += in;
            if ((in + len - 1) / len > cw) cw = (in + len - 1) / len;
            if ((all - in + len - 1) / len > cwo) cwo = (all - in + len - 1) / len;
        }
        long bt = c[1] < tot[1] - c[1] ? c[1] : tot[1] - c[1], bc = cw < cwo ? cw : cwo;
        share[j] = tot[1] > 0 && nt_disclose_stat(bt, mc) ? 100.0 * (double)c[1] / (double)tot[1] : NAN;
        share[n + j] = tot[0] > 0 && nt_disclose_stat(bc, mc) ? 100.0 * (double)c[0] / (double)tot[0] : NAN;
        if (c[1] == 0) share[j] = 0;      /* an empty bin states nothing about anyone */
        if (c[0] == 0) share[n + j] = 0;
    }
}

/* Descriptives and balance of programme pi (whole cohort): balance.csv's
   pooled rows, disclosed as there. */
static void balance(const nt_run_state *P, gather *G, int pi, nt_report_balance *out)
{
    const nt_dyn_result *r = P->res[pi * P->n_groups];
    long mc = P->st->min_cell;
    for (int j = 0; j < r->n_bal; j++) {
        int binary = 0;
        long basis = nt_run_balance_basis(P, r, r->bal_term[j], &binary);
        int ok = nt_disclose_stat(basis, mc);
        const nt_dyn_balance *b = &r->bal[j];
        out[j] = (nt_report_balance){r->bal_term[j], ok ? b->mean_treated : NAN, ok ? b->mean_control_before : NAN,
                                     ok ? b->smd_before : NAN, ok ? b->smd_after : NAN, binary};
    }
    G->prog[pi].n_bal = r->n_bal;
    G->prog[pi].bal = out;
}

static void join(char *buf, size_t size, char *const *list, int n)
{
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        size_t u = strlen(buf);
        snprintf(buf + u, size - u, "%s%s", i ? ", " : "", list[i]);
    }
}

/* The study as its first page states it. */
static void facts(const nt_run_state *P, gather *G)
{
    const nt_study *st = P->st;
    nt_report *r = &G->r;
    nt_lang lang = (nt_lang)st->language;
    char (*t)[600] = G->text, a[200], b[200], n1[32], n2[32];
    if (st->n_schemes) join(t[0], sizeof t[0], st->schemes, st->n_schemes);
    else snprintf(t[0], sizeof t[0], "%s", st->store_path ? st->store_path : "");
    if (st->inflow_to) {
        nt_lang_date(lang, st->inflow_from / 12, st->inflow_from % 12 + 1, 0, a, sizeof a);
        nt_lang_date(lang, st->inflow_to / 12, st->inflow_to % 12 + 1, 0, b, sizeof b);
        snprintf(t[1], sizeof t[1], "%s \xe2\x80\x93 %s", a, b);
    }
    snprintf(t[2], sizeof t[2], nt_lang_word(lang, NT_W_START_SPAN), st->start_first, st->start_last,
             st->start_interval);
    join(a, sizeof a, st->covariates, st->n_covariates);
    char cal[64] = "", ex[300] = "", exl[240];
    if (st->caliper > 0) {
        snprintf(cal, sizeof cal, ", ");
        snprintf(cal + 2, sizeof cal - 2, nt_lang_word(lang, NT_W_CALIPER), st->caliper);
    }
    if ((st->exact && st->n_exact) || st->calendar) {
        exl[0] = 0;
        if (st->exact && st->n_exact) join(exl, sizeof exl, st->exact, st->n_exact);
        if (st->calendar) {   /* [estimator] calendar: one more exact cell (data/nt_calendar.h) */
            size_t u = strlen(exl);
            snprintf(exl + u, sizeof exl - u, "%s%s", u ? ", " : "",
                     nt_lang_word(lang, st->calendar == NT_CALENDAR_MONTH ? NT_W_CAL_MONTH : NT_W_CAL_QUARTER));
        }
        snprintf(ex, sizeof ex, ", ");
        snprintf(ex + 2, sizeof ex - 2, nt_lang_word(lang, NT_W_EXACT_ON), exl);
    }
    snprintf(t[3], sizeof t[3], "%s%s, %s%s; %s", nt_run_method(P), cal,
             nt_lang_word(lang, st->replace ? NT_W_REPLACE : NT_W_NO_REPLACE), ex, a);
    if (st->inference == 1)
        snprintf(t[4], sizeof t[4], nt_lang_word(lang, NT_W_LINEARISED_DRAWS), NT_RUN_MULTIPLIER_DRAWS);
    else if (st->bootstrap > 0) snprintf(t[4], sizeof t[4], nt_lang_word(lang, NT_W_BOOTSTRAP_N), st->bootstrap);
    else snprintf(t[4], sizeof t[4], "%s", nt_lang_word(lang, NT_W_NONE));
    nt_day de = nt_store_data_end(P->store);
    int y, m, d;
    nt_day_to_ymd(de, &y, &m, &d);
    nt_lang_date(lang, y, m, d, t[5], sizeof t[5]);
    nt_disclose_count_text(P->panel->n, st->min_cell, st->round, n1, sizeof n1);
    nt_disclose_count_text(P->n_included, st->min_cell, st->round, n2, sizeof n2);
    snprintf(t[6], sizeof t[6], "%s (%s)", n1, n2);
    snprintf(t[7], sizeof t[7], "%llu", (unsigned long long)st->seed);
    snprintf(t[8], sizeof t[8], "min_cell = %ld, round = %ld", st->min_cell, st->round);
    *r = (nt_report){.lang = lang, .source = st->source, .name = st->name, .version = NETTO_VERSION,
                     .cohort = t[0], .inflow = t[1], .start_months = t[2], .estimator = t[3], .inference = t[4],
                     .data_end = t[5], .persons = t[6], .seed = t[7], .disclosure = t[8]};
    r->interval_kind = P->inf ? 3 : st->bootstrap > 0 ? 2 : st->method == NT_METHOD_NN ? 1 : 0;
    r->replicates = st->bootstrap;
    r->ci_level = nt_run_ci_level(P);
    r->min_cell = st->min_cell;
    r->horizon = st->horizon;
    r->n_horizons = P->n_horizons;
    for (int h = 0; h < P->n_horizons && h < NT_REPORT_MAX_H; h++) r->horizons[h] = P->horizons[h];
}

static nt_status alloc(const nt_run_state *P, gather *G, nt_error *err)
{
    size_t npg = (size_t)P->n_prog * (size_t)P->n_groups, NO = (size_t)P->panel->n_outcomes;
    size_t H = (size_t)P->st->horizon, nbal = 0;
    for (int pi = 0; pi < P->n_prog; pi++) nbal += (size_t)P->res[pi * P->n_groups]->n_bal;
    G->prog = calloc((size_t)P->n_prog, sizeof *G->prog);
    G->bal = calloc(nbal + 1, sizeof *G->bal);
    G->var = calloc((size_t)P->st->n_subgroups + 1, sizeof *G->var);
    G->path = calloc(npg * NO, sizeof *G->path);
    G->n_treated = calloc(npg, sizeof *G->n_treated);
    G->cost = calloc(npg, sizeof *G->cost);
    G->buf = malloc(npg * NO * 8 * H * sizeof *G->buf);
    G->hist = malloc((size_t)P->n_prog * 2 * NT_DYN_SCORE_BINS * sizeof *G->hist);
    G->net_ci = malloc(2 * npg * sizeof *G->net_ci);
    G->less = calloc(NO + 1, sizeof *G->less);
    if (!G->prog || !G->bal || !G->var || !G->path || !G->n_treated || !G->cost || !G->buf || !G->hist || !G->less || !G->net_ci)
        return nt_fail(err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

static void gather_free(gather *G)
{
    free(G->prog);
    free(G->bal);
    free(G->var);
    free(G->path);
    free(G->n_treated);
    free(G->cost);
    free(G->buf);
    free(G->hist);
    free(G->net_ci);
    free(G->less);
}

static nt_status add_file(void *ctx, const char *rel, nt_error *err) { return nt_run_file_add(ctx, rel, err); }

nt_status nt_run_report_names_check(const nt_run_state *P, nt_error *err)
{
    const nt_study *st = P->st;
    nt_status s = nt_report_names_check((const char *const *)st->programs, st->n_programs, "programme", st->path, err);
    if (s || st->n_subgroups == 0) return s;
    const char **var = malloc((size_t)st->n_subgroups * sizeof *var);
    if (!var) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int v = 0; v < st->n_subgroups; v++) var[v] = st->subgroups[v].variable;
    s = nt_report_names_check(var, st->n_subgroups, "subgroup variable", st->path, err);
    free(var);
    return s;
}

nt_status nt_run_report_write(nt_run_state *P, nt_error *err)
{
    gather G;
    memset(&G, 0, sizeof G);
    nt_status s = alloc(P, &G, err);
    if (s) { gather_free(&G); return s; }
    facts(P, &G);
    if ((s = net_intervals(P, &G, err))) { gather_free(&G); return s; }
    int NO = P->panel->n_outcomes, H = P->st->horizon;
    size_t nbal = 0;
    for (int pg = 0; pg < P->n_prog * P->n_groups; pg++) {
        const nt_dyn_result *r = P->res[pg];
        for (int oc = 0; oc < NO; oc++) one_path(P, &G, pg, oc, G.buf + ((size_t)pg * NO + oc) * 8 * H);
        G.n_treated[pg] = count(P, r->n_treated[0], nt_disclose_basis(r->n_treated_matched[0], r->n_control_used[0]));
        double cost = P->path[(size_t)pg * NO].shown_cost[P->n_horizons - 1]; /* as summary.csv writes it */
        G.cost[pg] = shown(0, r->cost_mean, cost, NAN, NAN);
    }
    for (int pi = 0; pi < P->n_prog; pi++) {
        G.prog[pi].name = P->st->programs[pi];
        balance(P, &G, pi, G.bal + nbal);
        nbal += (size_t)G.prog[pi].n_bal;
        overlap(P, &G, pi, G.hist + (size_t)pi * 2 * NT_DYN_SCORE_BINS);
        G.prog[pi].n_skipped = P->res[pi * P->n_groups]->n_skipped;
        G.prog[pi].n_start = P->res[pi * P->n_groups]->n_k;
        long nc = P->res[pi * P->n_groups]->n_control;
        G.prog[pi].n_control = count(P, nc, nc);
    }
    for (int v = 0, g = 1; v < P->st->n_subgroups; v++) {
        G.var[v] = (nt_report_variable){P->st->subgroups[v].variable, g, P->st->subgroups[v].n_groups};
        g += G.var[v].count;
    }
    for (int oc = 0; oc < NO; oc++) G.less[oc] = nt_series_less_is_better(nt_series_find(P->panel->outcome_name[oc]));
    nt_report *r = &G.r;
    r->n_programs = P->n_prog;
    r->n_groups = P->n_groups;
    r->n_outcomes = NO;
    r->program = G.prog;
    r->group = (const char *const *)P->group_label;
    r->outcome = (const char *const *)P->panel->outcome_name;
    r->less_is_better = G.less;
    r->n_variables = P->st->n_subgroups;
    r->variable = G.var;
    r->path = G.path;
    r->n_treated = G.n_treated;
    r->cost = G.cost;
    r->any_prog = -1;
    for (int pi = 0; pi < P->n_prog; pi++)
        if (!strcmp(P->st->programs[pi], "any")) r->any_prog = pi;
    r->n_warnings = P->rep->n_warnings;
    r->warnings = (const char *const *)P->rep->warnings;
    nt_report_chapter chs[4];   /* the further chapters: for whom and when, credibility, time to work, timing-of-events */
    const nt_report_chapter *ch;
    r->n_chapters = 0;
    struct nt_run_when *when = NULL;
    s = nt_run_when_chapter(P, r, &when, err);   /* "for whom and when", before credibility */
    if (when) chs[r->n_chapters++] = *nt_run_when_get(when);
    if (nt_run_cred_chapter(P, &ch)) chs[r->n_chapters++] = *ch;
    if (nt_run_ttw_chapter(P, &ch)) chs[r->n_chapters++] = *ch;
    nt_toe_report_data *toe = NULL;
    if (!s && P->toe && !(s = nt_toe_report_build(P, &ch, &toe, err))) chs[r->n_chapters++] = *ch;
    r->chapter = chs;
    if (!s) s = nt_report_write(r, P->out, add_file, P, P->o->on_plot_text, P->o->on_plot_text_ctx, err);
    nt_toe_report_free(toe);
    nt_run_when_free(when);
    gather_free(&G);
    return s;
}
