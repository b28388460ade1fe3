/* The cost-benefit of `netto run`: contract and formulas in
   nt_cost_benefit.h and docs/dynamic.md ("Cost-benefit"). Map:
     series      the three euro series per person and month (prepare);
     inference   the net monthly paths' linearisation -> SE and break-even
                 interval by the multiplier draws (collect), or the
                 bootstrap replicates (compute);
     figures     the point figures per window, rate and perspective;
     the table   cost_benefit.csv, disclosed on the window's basis.
   Column -> where it comes from:
     incremental_cost, benefit_savings, earnings_effect: discounted sums of
       the effects on program_cost, benefit (negated) and earnings;
     net_benefit: government = savings - cost, society = earnings - cost;
     net_benefit_se, net_benefit_ci_*: the cumulative net path's SE and
       interval (linearised: multiplier; bootstrap: replicates);
     breakeven_month (+ interval at the whole horizon): nt_summary of the
       discounted net monthly path. */
#include "study/nt_cost_benefit.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/nt_date.h"
#include "core/nt_file.h"
#include "core/nt_mem.h"
#include "core/nt_rng.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "estimators/nt_summary.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory")
#define NP NT_CB_PERSPECTIVES
#define NR NT_CB_RATES
#define NS NT_CB_SERIES

enum { S_EARN, S_BEN, S_COST };

typedef struct {
    double incremental_cost, benefit_savings, earnings_effect;
    double net[NP], net_se[NP], net_lower[NP], net_upper[NP];
    double breakeven[NP], breakeven_lower[NP], breakeven_upper[NP];
} figs;

/* From the linearisation (collected before the summary horizons are set):
   the cumulative net path's SE and interval at every month. */
typedef struct {
    double *se, *lo, *hi;     /* [(pp * NR + rate) * H + tau] */
    double be_lo[NP][NR], be_hi[NP][NR];
    int done;
} lin_figs;

struct nt_cb_state {
    int col[NS];              /* the series' outcome indices in the view */
    float *own[NS];           /* series built here */
    const float **outcome;    /* the view's outcome pointers */
    int benefit_known;        /* some scheme has an amount */
    int *cost_known;          /* per study programme: its own cost is known */
    lin_figs *lin;            /* [pg] */
    figs *fig;                /* [(pg * NR + rate) * NT_RUN_MAX_HORIZONS + h] */
    lin_figs *lin_never;      /* the same for ATT_never ([estimator] never = yes), or NULL */
    figs *fig_never;
};

static const char *const persp_name[NP] = {"government", "society"};

/* ------------------------------------------------------------ series */

/* [cost_benefit] price_index: a CSV `month,index` (YYYY-MM, a number > 0);
   index[c - first] for calendar months first..first+n-1 (NaN where absent). */
static nt_status read_price_index(const nt_study *st, double **index, int *first, int *n, nt_error *err)
{
    const char *path = st->price_index;
    long line_no = nt_study_line(st, "cost_benefit", "price_index");
    FILE *fp = fopen(path, "r");
    if (!fp) return nt_fail_at(err, NT_EINPUT, st->path, line_no, "price_index", "cannot read %s: %s", path, strerror(errno));
    char line[512];
    int cap = 0, lo = 0, hi = -1;
    double *v = NULL;
    long ln = 0;
    nt_status s = NT_OK;
    while (!s && fgets(line, sizeof line, fp)) {
        ln++;
        char *p = line;
        if (ln == 1 && (unsigned char)p[0] == 0xEF) p += 3;
        p[strcspn(p, "\r\n")] = 0;
        if (!*p) continue;
        char *sep = strpbrk(p, ",;\t");
        if (!sep) { s = nt_fail_at(err, NT_EINPUT, path, ln, NULL, "found \"%s\", expected month,index", p); break; }
        *sep = 0;
        char *val = sep + 1;
        if (ln == 1) {
            if (strcasecmp(p, "month") || strcasecmp(val, "index"))
                s = nt_fail_at(err, NT_EINPUT, path, 1, NULL, "expected the header month,index");
            continue;
        }
        int m;
        char *end;
        double x = strtod(val, &end);
        if (nt_month_parse(p, strlen(p), &m)) { s = nt_fail_at(err, NT_EINPUT, path, ln, "month", "found \"%s\", expected YYYY-MM", p); break; }
        if (end == val || *end || !(x > 0) || !isfinite(x)) {
            s = nt_fail_at(err, NT_EINPUT, path, ln, "index", "found \"%s\", expected a number > 0", val);
            break;
        }
        if (hi < lo) lo = hi = m;
        int nlo = m < lo ? m : lo, nhi = m > hi ? m : hi;
        if (nhi - nlo + 1 > cap || nlo < lo) {
            int ncap = nhi - nlo + 1 + 64;
            double *g = malloc((size_t)ncap * sizeof *g);
            if (!g) { s = NOMEM(err); break; }
            for (int i = 0; i < ncap; i++) g[i] = NAN;
            for (int i = 0; v && i < hi - lo + 1; i++) g[lo - nlo + i] = v[i];
            free(v);
            v = g;
            cap = ncap;
        }
        lo = nlo;
        hi = nhi;
        v[m - lo] = x;
    }
    fclose(fp);
    if (!s && hi < lo) s = nt_fail_at(err, NT_EINPUT, path, 1, NULL, "the price index has no months");
    if (s) { free(v); return s; }
    *index = v;
    *first = lo;
    *n = hi - lo + 1;
    return NT_OK;
}

/* Cost per programme type (code 1..nt): [cost] if given, else the mean
   cost_eur of the first programmes of that type; NaN if neither. */
static nt_status type_costs(nt_run_state *P, double **out, int *n_types, nt_error *err)
{
    const char *const *names;
    int nt = nt_store_program_types(P->store, &names);
    double *c = malloc((size_t)(nt + 1) * sizeof *c), *sum = calloc((size_t)nt + 1, sizeof *sum);
    long *cnt = calloc((size_t)nt + 1, sizeof *cnt);
    if (!c || !sum || !cnt) { free(c); free(sum); free(cnt); return NOMEM(err); }
    const nt_panel *p = P->panel;
    for (long i = 0; i < p->n; i++)
        if (p->treat_type[i] > 0 && p->treat_type[i] <= nt && !isnan(p->treat_cost[i])) {
            sum[p->treat_type[i]] += p->treat_cost[i];
            cnt[p->treat_type[i]]++;
        }
    c[0] = NAN;
    for (int t = 1; t <= nt; t++) {
        c[t] = P->fallback_cost[t];
        if (isnan(c[t]) && cnt[t] > 0) c[t] = sum[t] / (double)cnt[t];
    }
    free(sum);
    free(cnt);
    *out = c;
    *n_types = nt;
    return NT_OK;
}

typedef struct {
    const double *type_cost;
    int n_types;
    const double *amount;     /* per scheme level code (0 = missing) */
    const double *scheme;     /* per person: level code */
    const double *index;      /* price index by calendar month, or NULL */
    int index_first, index_n, base;
    const int *inflow;        /* per person: calendar month of month 0 (price index) */
} series_in;

/* The deflator of person i's month t: index(base) / index(inflow + t). */
static int deflator(const series_in *in, long i, int t, double *d)
{
    *d = 1;
    if (!in->index) return 0;
    int c = in->inflow[i] + t, b = in->base;
    if (c < in->index_first || c >= in->index_first + in->index_n || isnan(in->index[c - in->index_first])) return c;
    *d = in->index[b - in->index_first] / in->index[c - in->index_first];
    return 0;
}

/* One block of persons: earnings, benefit euros and programme costs. *missing
   gets a calendar month the price index lacks (0 none); *untyped marks the
   types whose later starts had no cost. */
static void fill_block(nt_run_state *P, const series_in *in, long first, long cnt, const double *earn,
                       const double *onben, const double *prog, int *missing, uint8_t *untyped)
{
    struct nt_cb_state *C = P->cb;
    const nt_panel *p = P->panel;
    int m = p->months;
    for (long a = 0; a < cnt; a++) {
        long i = first + a;
        double amount = in->amount[(long)in->scheme[i] >= 0 ? (long)in->scheme[i] : 0];
        if (isnan(amount) && !C->benefit_known) amount = 0;   /* no amounts at all: figures empty, no NaN work */
        int tm = p->treat_month[i];
        for (int t = 0; t < m; t++) {
            size_t k = (size_t)i * (size_t)m + (size_t)t, kb = (size_t)a * (size_t)m + (size_t)t;
            double d, pc = prog[kb];
            int miss = t < p->n_observed[i] ? deflator(in, i, t, &d) : 0;
            if (miss && !*missing) *missing = miss;
            if (t >= p->n_observed[i] || isnan(pc)) {
                for (int s = 0; s < NS; s++)
                    if (C->own[s]) C->own[s][k] = NAN;
                continue;
            }
            if (C->own[S_EARN]) C->own[S_EARN][k] = (float)(earn[kb] * d);
            C->own[S_BEN][k] = (float)(onben[kb] * amount * d);
            double cost = 0;
            if (t == tm) {
                double own = p->treat_cost[i];
                int ty = p->treat_type[i];
                if (isnan(own) && ty > 0 && ty <= in->n_types) own = in->type_cost[ty];
                cost += isnan(own) ? 0 : own;
            } else if (t > 0 && pc != 0 && prog[kb - 1] != pc) {
                int ty = (int)pc;
                double c = ty > 0 && ty <= in->n_types ? in->type_cost[ty] : NAN;
                if (isnan(c)) untyped[ty > 0 && ty <= in->n_types ? ty : 0] = 1;
                else cost += c;
            }
            C->own[S_COST][k] = (float)(cost * d);
        }
    }
}

/* Rows [first, first + cnt) of a series: copied from the panel when it is
   loaded as an outcome (its floats hold the store's uint8 and float32
   values exactly), else read from the store; so no series is read twice. */
static nt_status block_rows(nt_run_state *P, long first, long cnt, nt_series series, double *buf, nt_error *err)
{
    const nt_panel *p = P->panel;
    for (int o = 0; o < p->n_outcomes; o++)
        if (nt_series_find(p->outcome_name[o]) == (int)series) {
            const float *src = p->outcome[o] + first * p->months;
            for (long t = 0; t < cnt * p->months; t++) buf[t] = src[t];
            return NT_OK;
        }
    return nt_store_read_rows(P->store, first, cnt, series, buf, err);
}

/* Reads the store's rows in blocks and fills the series. */
static nt_status fill_series(nt_run_state *P, const series_in *in, uint8_t *untyped, nt_error *err)
{
    const nt_panel *p = P->panel;
    long n = p->n, block = nt_store_chunk_rows(P->store);
    int m = p->months, missing = 0;
    if (block < 1) block = 1024;
    size_t sz = (size_t)block * (size_t)m;
    double *earn = malloc(sz * sizeof *earn), *onben = malloc(sz * sizeof *onben), *prog = malloc(sz * sizeof *prog);
    nt_status s = !earn || !onben || !prog ? NOMEM(err) : NT_OK;
    for (long first = 0; first < n && !s; first += block) {
        long cnt = n - first < block ? n - first : block;
        if (P->cb->own[S_EARN] && (s = block_rows(P, first, cnt, NT_SERIES_EARNINGS, earn, err))) break;
        if ((s = block_rows(P, first, cnt, NT_SERIES_ON_BENEFIT, onben, err))) break;
        if ((s = nt_store_read_rows(P->store, first, cnt, NT_SERIES_IN_PROGRAM, prog, err))) break;
        fill_block(P, in, first, cnt, earn, onben, prog, &missing, untyped);
    }
    free(earn);
    free(onben);
    free(prog);
    if (!s && missing) {
        char mm[16];
        nt_month_format(missing, mm);
        s = nt_fail_at(err, NT_EINPUT, P->st->price_index, 0, "month", "the price index has no month %s "
                       "(it must cover every observed month of the cohort)", mm);
    }
    return s;
}

/* Amount per level of the index scheme (0 = missing: NaN). */
static nt_status scheme_amounts(nt_run_state *P, double **amount, double **scheme, nt_error *err)
{
    long n = P->panel->n;
    char **levels = NULL;
    int nlev = 0;
    *scheme = malloc((size_t)(n ? n : 1) * sizeof **scheme);
    if (!*scheme) return NOMEM(err);
    nt_status s = nt_store_read_covariate(P->store, "scheme", *scheme, err);
    if (!s) s = nt_store_read_levels(P->store, "scheme", &levels, &nlev, err);
    if (s) return s;
    *amount = malloc((size_t)(nlev + 1) * sizeof **amount);
    if (!*amount) { nt_store_levels_free(levels, nlev); return NOMEM(err); }
    (*amount)[0] = NAN;
    for (int l = 0; l < nlev; l++) {
        (*amount)[l + 1] = nt_study_benefit_month(P->st, levels[l]);
        P->cb->benefit_known |= !isnan((*amount)[l + 1]);
    }
    nt_store_levels_free(levels, nlev);
    return NT_OK;
}

/* Calendar month of each person's month 0, and the price base (the
   cohort's first inflow month). */
static nt_status inflow_months(nt_run_state *P, int **inflow, int *base, nt_error *err)
{
    long n = P->panel->n;
    double *day = malloc((size_t)(n ? n : 1) * sizeof *day);
    *inflow = malloc((size_t)(n ? n : 1) * sizeof **inflow);
    if (!day || !*inflow) { free(day); return NOMEM(err); }
    nt_status s = nt_store_read_covariate(P->store, "index_start", day, err);
    *base = 0;
    for (long i = 0; i < n && !s; i++) {
        (*inflow)[i] = nt_month_of_day((nt_day)day[i]);
        if (i == 0 || (*inflow)[i] < *base) *base = (*inflow)[i];
    }
    free(day);
    return s;
}

nt_status nt_cost_benefit_prepare(nt_run_state *P, nt_error *err)
{
    nt_panel *p = P->panel;
    struct nt_cb_state *C = P->cb = calloc(1, sizeof *C);
    if (!C) return NOMEM(err);
    int NO = p->n_outcomes, extra = 0;
    size_t cells = (size_t)(p->n ? p->n : 1) * (size_t)p->months;
    for (int k = 0; k < NS; k++) C->col[k] = -1;
    for (int oc = 0; oc < NO; oc++)
        if (!strcmp(p->outcome_name[oc], "earnings") && !P->st->price_index) C->col[S_EARN] = oc;
    for (int s = 0; s < NS; s++) {
        if (C->col[s] >= 0) continue;
        C->col[s] = NO + extra++;
        if (!(C->own[s] = nt_mem_big(cells * sizeof *C->own[s]))) return NOMEM(err);
    }
    C->outcome = malloc((size_t)(NO + extra) * sizeof *C->outcome);
    C->cost_known = calloc((size_t)P->n_prog + 1, sizeof *C->cost_known);
    if (!C->outcome || !C->cost_known) return NOMEM(err);
    for (int oc = 0; oc < NO; oc++) C->outcome[oc] = p->outcome[oc];
    for (int s = 0; s < NS; s++)
        if (C->own[s]) C->outcome[C->col[s]] = C->own[s];
    series_in in = {0};
    double *type_cost = NULL, *amount = NULL, *scheme = NULL, *index = NULL;
    int *inflow = NULL;
    uint8_t *untyped = NULL;
    nt_status s = type_costs(P, &type_cost, &in.n_types, err);
    if (!s) s = scheme_amounts(P, &amount, &scheme, err);
    if (!s && P->st->price_index) s = read_price_index(P->st, &index, &in.index_first, &in.index_n, err);
    if (!s && index) s = inflow_months(P, &inflow, &in.base, err);
    if (!s && index && (in.base < in.index_first || in.base >= in.index_first + in.index_n || isnan(index[in.base - in.index_first]))) {
        char mm[16];
        nt_month_format(in.base, mm);
        s = nt_fail_at(err, NT_EINPUT, P->st->price_index, 0, "month", "the price index has no month %s "
                       "(the cohort's first inflow month, the price base)", mm);
    }
    if (!s && !(untyped = calloc((size_t)in.n_types + 1, 1))) s = NOMEM(err);
    if (!s) {
        in.type_cost = type_cost;
        in.amount = amount;
        in.scheme = scheme;
        in.index = index;
        in.inflow = inflow;
        s = fill_series(P, &in, untyped, err);
    }
    for (int i = 0; i < P->n_prog && !s; i++) {
        int code = P->prog_code[i];
        for (int t = 1; t <= in.n_types; t++) C->cost_known[i] |= (code == 0 || code == t) && !isnan(type_cost[t]);
    }
    if (!s) {
        const char *const *names;
        nt_store_program_types(P->store, &names);
        char list[1024] = "";
        size_t len = 0;
        for (int t = 1; t <= in.n_types && len < sizeof list - 1; t++)
            if (untyped[t]) {
                int w = snprintf(list + len, sizeof list - len, "%s%s", len ? ", " : "", names[t - 1]);
                if (w > 0) len += (size_t)w;
            }
        if (len) {
            char **w = realloc(P->rep->warnings, (size_t)(P->rep->n_warnings + 1) * sizeof *w);
            char msg[1400];
            snprintf(msg, sizeof msg, "cost-benefit: programme types without a cost (no cost_eur, no [cost]): %s; "
                     "their later starts count as 0 in the incremental cost", list);
            nt_manifest_warning(P->m, "%s", msg);
            if (w) {
                P->rep->warnings = w;
                if ((w[P->rep->n_warnings] = strdup(msg))) P->rep->n_warnings++;
            }
        }
        P->view.outcome = C->outcome;
        P->view.n_outcomes = NO + extra;
    }
    free(type_cost);
    free(amount);
    free(scheme);
    free(index);
    free(inflow);
    free(untyped);
    return s;
}

/* ------------------------------------------------------------ paths */

/* The coefficients of the net monthly path of perspective pp on (earnings,
   benefit, program_cost): government -benefit - cost, society earnings - cost. */
static const double coef[NP][NS] = {{0, -1, -1}, {1, 0, -1}};

static double rate_of(const nt_run_state *P, int ri) { return ri == 0 ? 0 : P->st->discount_rate; }

/* ------------------------------------------------------------ inference */

/* One net path (perspective pp, rate index ri) of pg: its per-person
   linearisation is the same combination of the three series' (lin), run
   through the multiplier draws (one series at a time: 2 x horizon x persons
   doubles). */
static nt_status collect_one(nt_run_state *P, const nt_dyn_result *r, const nt_dyn_lin *lin, int fx, int pp,
                             int ri, lin_figs *f, nt_error *err)
{
    struct nt_cb_state *C = P->cb;
    int H = lin->horizon;
    long n = lin->n;
    double rate = rate_of(P, ri);
    nt_dyn_lin *L = NULL;
    nt_dyn_inference *inf = NULL;
    nt_dyn_result fake = {.horizon = H, .n_outcomes = 1};
    fake.att = malloc((size_t)H * sizeof *fake.att);
    fake.att_fixed = malloc((size_t)H * sizeof *fake.att_fixed);
    nt_status s = !fake.att || !fake.att_fixed ? NOMEM(err) : nt_dyn_lin_alloc(n, H, 1, &L, err);
    if (!s) {
        const double *th[NS];
        for (int k = 0; k < NS; k++) th[k] = (fx ? r->att_fixed : r->att) + (size_t)C->col[k] * H;
        nt_summary_net_path(th, coef[pp], NS, H, rate, fake.att);
        for (int tau = 0; tau < H; tau++) fake.att_fixed[tau] = NAN;
        double *c = malloc((size_t)lin->n_outcomes * H * sizeof *c), *v = malloc((size_t)H * sizeof *v);
        double *dd = malloc((size_t)H * sizeof *dd);
        if (!c || !v || !dd) s = NOMEM(err);
        for (int tau = 0; tau < H && !s; tau++) dd[tau] = nt_summary_discount(rate, tau);
        for (long q = 0; q < n && !s; q++) {
            int has = 0;   /* the ATT contributions of the series in the net path */
            for (int k = 0; k < NS; k++)
                if (coef[pp][k] != 0)
                    has = nt_dyn_lin_get_one(lin, fx, q, C->col[k], c + (size_t)C->col[k] * H);
            if (!has) continue;
            for (int tau = 0; tau < H; tau++) {
                v[tau] = 0;
                for (int k = 0; k < NS; k++)
                    if (coef[pp][k] != 0) v[tau] += coef[pp][k] * dd[tau] * c[(size_t)C->col[k] * H + tau];
            }
            s = nt_dyn_lin_put(L, q, v, err);
        }
        free(c);
        free(v);
        free(dd);
        if (!s) s = nt_dyn_lin_put_done(L, err);
    }
    if (!s) {
        nt_infer_opts io = {.B = NT_RUN_MULTIPLIER_DRAWS, .seed = nt_mix64(P->st->seed ^ 0x6d756c7469706c79u),
                            .level = nt_run_ci_level(P)};
        s = nt_dyn_infer(L, &fake, &io, &inf, err);
    }
    if (!s) {
        size_t o = (size_t)(pp * NR + ri) * (size_t)H;
        memcpy(f->se + o, inf->cum_se, (size_t)H * sizeof *f->se);
        memcpy(f->lo + o, inf->cum_lower, (size_t)H * sizeof *f->lo);
        memcpy(f->hi + o, inf->cum_upper, (size_t)H * sizeof *f->hi);
        f->be_lo[pp][ri] = inf->breakeven_lower[0];
        f->be_hi[pp][ri] = inf->breakeven_upper[0];
    }
    nt_dyn_inference_free(inf);
    nt_dyn_lin_free(L);
    free(fake.att);
    free(fake.att_fixed);
    return s;
}

nt_status nt_cost_benefit_collect(nt_run_state *P, int pg, const nt_dyn_lin *lin, nt_error *err)
{
    return nt_cost_benefit_collect_for(P, pg, 0, lin, err);
}

nt_status nt_cost_benefit_collect_for(nt_run_state *P, int pg, int never, const nt_dyn_lin *lin, nt_error *err)
{
    struct nt_cb_state *C = P->cb;
    int npg = P->n_prog * P->n_groups, H = lin->horizon;
    lin_figs **fl = never ? &C->lin_never : &C->lin;
    if (!*fl && !(*fl = calloc((size_t)npg, sizeof **fl))) return NOMEM(err);
    lin_figs *f = &(*fl)[pg];
    const nt_dyn_result *r = never ? P->res_never[pg] : P->res[pg];
    size_t npath = (size_t)NP * NR * H;
    if (!(f->se = malloc(npath * sizeof *f->se)) || !(f->lo = malloc(npath * sizeof *f->lo)) ||
        !(f->hi = malloc(npath * sizeof *f->hi)))
        return NOMEM(err);
    nt_status s = NT_OK;
    for (int pp = 0; pp < NP && !s; pp++)
        for (int ri = 0; ri < NR && !s; ri++) s = collect_one(P, r, lin, !never && P->st->summary_fixed, pp, ri, f, err);
    if (!s) f->done = 1;
    return s;
}

/* ------------------------------------------------------------ figures */

/* Figures of one (pg, rate) at every summary horizon; reps: the bootstrap's
   (NULL without). */
static nt_status figures(nt_run_state *P, int pg, int ri, int never, nt_error *err)
{
    struct nt_cb_state *C = P->cb;
    const nt_dyn_result *r = never ? P->res_never[pg] : P->res[pg];
    const lin_figs *lf = never ? C->lin_never : C->lin;   /* ATT_never: linearised inference only */
    int H = P->st->horizon, B = P->reps && !never ? P->st->bootstrap : 0, NOV = P->view.n_outcomes;
    double rate = rate_of(P, ri), ci = nt_run_ci_level(P);
    const double *th[NS];
    int fx = !never && P->st->summary_fixed;   /* ATT_never: its own (drifting) path */
    for (int k = 0; k < NS; k++) th[k] = (fx ? r->att_fixed : r->att) + (size_t)C->col[k] * H;
    double *path = malloc((size_t)H * sizeof *path), *reps = B ? malloc((size_t)B * H * sizeof *reps) : NULL;
    if (!path || (B && !reps)) { free(path); free(reps); return NOMEM(err); }
    int known = C->cost_known[pg / P->n_groups];
    nt_status s = NT_OK;
    for (int pp = 0; pp < NP && !s; pp++) {
        nt_summary_net_path(th, coef[pp], NS, H, rate, path);
        for (int b = 0; b < B; b++) {
            const double *rp[NS];
            for (int k = 0; k < NS; k++)
                rp[k] = (fx ? P->reps_fixed : P->reps)[pg] + ((size_t)C->col[k] * B + b) * H;
            nt_summary_net_path(rp, coef[pp], NS, H, rate, reps + (size_t)b * H);
        }
        for (int h = 0; h < P->n_horizons && !s; h++) {
            figs *f = &(never ? C->fig_never : C->fig)[((size_t)pg * NR + ri) * NT_RUN_MAX_HORIZONS + h];
            int T = P->horizons[h];
            nt_summary sm;
            if ((s = nt_summary_compute(path, reps, B, H, 0, T, ci, &sm, err))) break;
            double e = 0, b = 0, c = 0;
            for (int tau = 0; tau < T; tau++) {
                double d = nt_summary_discount(rate, tau);
                e += d * th[S_EARN][tau];
                b -= d * th[S_BEN][tau];
                c += d * th[S_COST][tau];
            }
            f->incremental_cost = known ? c : NAN;
            f->benefit_savings = C->benefit_known ? b : NAN;
            f->earnings_effect = e;
            int ok = known && (pp == 1 || C->benefit_known);
            f->net[pp] = ok ? sm.est.cumulative_effect : NAN;
            f->breakeven[pp] = ok ? sm.est.breakeven_month : NAN;
            f->net_se[pp] = f->net_lower[pp] = f->net_upper[pp] = NAN;
            f->breakeven_lower[pp] = f->breakeven_upper[pp] = NAN;
            if (!ok) continue;
            if (B > 0) {
                f->net_se[pp] = sm.cumulative_se;
                f->net_lower[pp] = sm.cumulative_lower;
                f->net_upper[pp] = sm.cumulative_upper;
                if (T == H) { f->breakeven_lower[pp] = sm.breakeven_lower; f->breakeven_upper[pp] = sm.breakeven_upper; }
            } else if (lf && lf[pg].done) {
                const lin_figs *L = &lf[pg];
                size_t k = (size_t)(pp * NR + ri) * H + (size_t)(T - 1);
                f->net_se[pp] = L->se[k];
                f->net_lower[pp] = L->lo[k];
                f->net_upper[pp] = L->hi[k];
                if (T == H) { f->breakeven_lower[pp] = L->be_lo[pp][ri]; f->breakeven_upper[pp] = L->be_hi[pp][ri]; }
            }
        }
    }
    (void)NOV;
    free(path);
    free(reps);
    return s;
}

nt_status nt_cost_benefit_compute(nt_run_state *P, nt_error *err)
{
    struct nt_cb_state *C = P->cb;
    int npg = P->n_prog * P->n_groups;
    C->fig = calloc((size_t)npg * NR * NT_RUN_MAX_HORIZONS, sizeof *C->fig);
    if (!C->fig) return NOMEM(err);
    if (P->res_never && !(C->fig_never = calloc((size_t)npg * NR * NT_RUN_MAX_HORIZONS, sizeof *C->fig_never)))
        return NOMEM(err);
    nt_status s = NT_OK;
    for (int e = 0; e < (P->res_never ? 2 : 1); e++)
        for (int pg = 0; pg < npg && !s; pg++)
            for (int ri = 0; ri < NR && !s; ri++) s = figures(P, pg, ri, e, err);
    return s;
}

double nt_cost_benefit_net(const nt_run_state *P, int pg, int h, double *se)
{
    const figs *f = P->cb && P->cb->fig ? &P->cb->fig[((size_t)pg * NR + 0) * NT_RUN_MAX_HORIZONS + h] : NULL;
    if (se) *se = f ? f->net_se[1] : NAN;
    return f ? f->net[1] : NAN;
}

double nt_cost_benefit_breakeven(const nt_run_state *P, int pg, int *defined)
{
    *defined = 0;
    if (!P->cb || !P->cb->fig) return NAN;
    const figs *f = &P->cb->fig[((size_t)pg * NR + 0) * NT_RUN_MAX_HORIZONS + P->n_horizons - 1];
    *defined = P->cb->cost_known[pg / P->n_groups];
    return f->breakeven[1];
}

/* ------------------------------------------------------------ the table */

/* The disclosure limits of one row (docs/disclosure.md, "cost_benefit.csv"),
   as summary.csv's: the window of months 0..T-1 of every outcome (the
   row); the cost a magnitude over the treated with a known cost
   (dominance: cost_top), and the earnings months dominance when the
   earnings series is not effects.csv's (deflated, or not an outcome).
   A figure that gives a suppressed one by one difference goes with it:
   the net benefit (savings or earnings minus cost) and its interval
   (whose middle it is) and break-even. */
static void row_limits(nt_run_state *P, nt_table *t, int pg, int h, int pp, int earn_dominated)
{
    const nt_dyn_result *r = P->res[pg];
    for (int oc = 0; oc < P->panel->n_outcomes; oc++) /* earnings and benefit months alike */
        nt_table_limit_basis(t, nt_run_window_basis(P, pg, oc, P->horizons[h], P->st->summary_fixed), NT_WHY_WINDOW);
    static const char *const net[] = {"net_benefit", "net_benefit_se", "net_benefit_ci_lower", "net_benefit_ci_upper",
                                      "breakeven_month", "breakeven_ci_lower", "breakeven_ci_upper"};
    long cost_basis = r->n_cost_known;
    nt_disclose_why why = NT_WHY_PERSONS;
    if (nt_disclose_dominated(r->cost_mean * (double)r->n_cost_known, r->cost_top[0], r->cost_top[1],
                              P->st->dominance_top1, P->st->dominance_top2)) {
        cost_basis = 0;
        why = NT_WHY_DOMINANCE;
    }
    nt_table_limit_cell(t, "incremental_cost", cost_basis, why);
    for (int c = 0; c < 7; c++) nt_table_limit_cell(t, net[c], cost_basis, why);
    if (earn_dominated) {
        nt_table_limit_cell(t, "earnings_effect", 0, NT_WHY_DOMINANCE);
        for (int c = 0; c < 7 && pp == 1; c++) nt_table_limit_cell(t, net[c], 0, NT_WHY_DOMINANCE);
    }
}

/* 1 if an earnings month 0..T-1 of the series not in effects.csv is dominated. */
static int earnings_dominated(const nt_run_state *P, int pg, int T)
{
    int col = P->cb->col[S_EARN];
    if (col < P->panel->n_outcomes) return 0; /* effects.csv's earnings: in the window */
    for (int tau = 0; tau < T; tau++)
        if (nt_run_month_dominated(P, pg, col, tau, P->st->summary_fixed)) return 1;
    return 0;
}

/* The numbers cost_benefit.csv shares with itself and with summary.csv:
   the cost, savings and earnings effect in both perspectives' rows, and at
   rate 0 the earnings effect (summary.csv's cumulative earnings effect,
   when it is effects.csv's series) and the society net benefit (summary.csv's
   net_benefit). A copy is shown only where every copy is. rows[(pg, h, pp,
   ri)] is the row (-1 none). */
static void link_copies(nt_run_state *P, nt_table *t, const long *rows)
{
    static const char *const shared[] = {"incremental_cost", "benefit_savings", "earnings_effect"};
    static const char *const net[] = {"net_benefit", "net_benefit_ci_lower", "net_benefit_ci_upper"};
    long mc = P->st->min_cell;
    int NO = P->panel->n_outcomes, earn = P->cb->col[S_EARN] < NO ? P->cb->col[S_EARN] : -1;
    size_t n = (size_t)P->n_prog * P->n_groups * P->n_horizons;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t q = 0; q < n; q++) {
            int pg = (int)(q / (size_t)P->n_horizons), h = (int)(q % (size_t)P->n_horizons);
            for (int ri = 0; ri < NR; ri++) {
                long g = rows[(q * NP + 0) * NR + ri], so = rows[(q * NP + 1) * NR + ri];
                if (g < 0 || so < 0) continue;
                for (int c = 0; c < 3; c++) changed |= nt_table_link(t, g, so, shared[c], mc);
                if (ri != 0) continue;
                const nt_run_path *pe = earn >= 0 ? &P->path[(size_t)pg * NO + earn] : NULL;
                if (pe && isnan(pe->shown[h].est.cumulative_effect) && nt_table_shown(t, g, "earnings_effect", mc) == 1) {
                    nt_table_suppress(t, g, "earnings_effect", NT_WHY_SECONDARY);
                    nt_table_suppress(t, so, "earnings_effect", NT_WHY_SECONDARY);
                    changed = 1;
                }
                int net_public = 0; /* summary.csv shows a copy */
                for (int oc = 0; oc < NO; oc++) net_public |= !isnan(P->path[(size_t)pg * NO + oc].shown_net[h]);
                if (!net_public && nt_table_shown(t, so, "net_benefit", mc) == 1) {
                    for (int c = 0; c < 3; c++) nt_table_suppress(t, so, net[c], NT_WHY_SECONDARY);
                    changed = 1;
                }
            }
        }
    }
}

nt_status nt_cost_benefit_write(nt_run_state *P, nt_error *err)
{
    static const char *cols[] = {"program", "subgroup", "estimand", "horizon_months", "perspective", "discount_rate",
                                 "incremental_cost", "benefit_savings", "earnings_effect", "net_benefit",
                                 "net_benefit_se", "breakeven_month", "net_benefit_ci_lower", "net_benefit_ci_upper",
                                 "breakeven_ci_lower", "breakeven_ci_upper", "n_treated", "n_control"};
    /* euro sums and the interval around one: means over the treated (the
       step of their persons, parts of a subgroup total); SEs and months not */
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY,
                                        NT_COL_MEAN, NT_COL_MEAN, NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT};
    enum { NCOL = sizeof cols / sizeof cols[0] };
    nt_table *t = nt_table_alloc(cols, kinds, NCOL);
    size_t nrow = (size_t)P->n_prog * P->n_groups * P->n_horizons * NP * NR;
    long *rows = malloc((nrow ? nrow : 1) * sizeof *rows);
    if (!t || !rows) { nt_table_free(t); free(rows); return NOMEM(err); }
    nt_run_set_margin(P, t, NULL);
    nt_status s = NT_OK;
    /* ATT, then ATT_never ([estimator] never = yes) after every ATT row */
    for (int e = 0; e < (P->cb->fig_never ? 2 : 1); e++)
    for (int pg = 0; pg < P->n_prog * P->n_groups && !s; pg++) {
        const nt_dyn_result *r = e ? P->res_never[pg] : P->res[pg];
        for (int h = 0; h < P->n_horizons && !s; h++) {
            int edom = earnings_dominated(P, pg, P->horizons[h]);
            for (int pp = 0; pp < NP && !s; pp++)
                for (int ri = 0; ri < NR && !s; ri++) {
                    const figs *f = &(e ? P->cb->fig_never : P->cb->fig)[((size_t)pg * NR + ri) * NT_RUN_MAX_HORIZONS + h];
                    size_t slot = ((((size_t)pg * P->n_horizons + h) * NP + pp) * NR + ri);
                    if (!e) rows[slot] = -1;
                    if (ri == 1 && P->st->discount_rate == 0) continue;  /* the same rows as rate 0 */
                    if (nt_table_add_row(t)) { s = NOMEM(err); break; }
                    if (!e) rows[slot] = nt_table_rows(t) - 1;
                    nt_table_set_str(t, "program", nt_run_program(P, pg));
                    nt_table_set_str(t, "subgroup", nt_run_group(P, pg));
                    nt_table_set_str(t, "estimand", e ? "ATT_never" : P->st->summary_fixed ? "ATT_fixed" : "ATT");
                    nt_table_set_int(t, "horizon_months", P->horizons[h]);
                    nt_table_set_str(t, "perspective", persp_name[pp]);
                    nt_table_set_num(t, "discount_rate", rate_of(P, ri));
                    nt_table_set_num(t, "incremental_cost", f->incremental_cost);
                    nt_table_set_num(t, "benefit_savings", f->benefit_savings);
                    nt_table_set_num(t, "earnings_effect", f->earnings_effect);
                    nt_table_set_num(t, "net_benefit", f->net[pp]);
                    nt_table_set_num(t, "net_benefit_se", f->net_se[pp]);
                    nt_table_set_num(t, "breakeven_month", f->breakeven[pp]);
                    nt_table_set_num(t, "net_benefit_ci_lower", f->net_lower[pp]);
                    nt_table_set_num(t, "net_benefit_ci_upper", f->net_upper[pp]);
                    nt_table_set_num(t, "breakeven_ci_lower", f->breakeven_lower[pp]);
                    nt_table_set_num(t, "breakeven_ci_upper", f->breakeven_upper[pp]);
                    nt_table_set_int(t, "n_treated", (!e && P->st->summary_fixed ? r->n_treated_fixed : r->n_treated)[0]);
                    nt_table_set_int(t, "n_control", r->n_control);
                    row_limits(P, t, pg, h, pp, edom);
                    if (e) nt_table_limit_basis(t, nt_run_never_window_basis(P, pg, P->horizons[h]), NT_WHY_WINDOW);
                }
        }
    }
    if (!s && P->st->min_cell > 0) link_copies(P, t, rows);
    if (!s) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "cost_benefit.csv");
        nt_table_set_round(t, P->st->round);
        s = nt_table_write_csv(t, path, P->st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "cost_benefit.csv", t, err);
    }
    nt_table_free(t);
    free(rows);
    return s;
}

void nt_cost_benefit_free(nt_run_state *P)
{
    struct nt_cb_state *C = P->cb;
    if (!C) return;
    for (int s = 0; s < NS; s++) free(C->own[s]);
    free(C->outcome);
    free(C->cost_known);
    for (int pg = 0; C->lin && pg < P->n_prog * P->n_groups; pg++) {
        free(C->lin[pg].se);
        free(C->lin[pg].lo);
        free(C->lin[pg].hi);
    }
    for (int pg = 0; C->lin_never && pg < P->n_prog * P->n_groups; pg++) {
        free(C->lin_never[pg].se);
        free(C->lin_never[pg].lo);
        free(C->lin_never[pg].hi);
    }
    free(C->lin);
    free(C->fig);
    free(C->lin_never);
    free(C->fig_never);
    free(C);
    P->cb = NULL;
}
