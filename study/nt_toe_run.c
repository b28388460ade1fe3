/* `[estimator] method = toe` (see nt_toe_run.h): the person-period rows
   from the store (data/nt_toe_store), the pieces, the fit (estimators/
   nt_toe_fit), the employment paths (estimators/nt_toe_sim_paths) and
   matching's path beside them; the tables and plots are written by
   nt_toe_tables.c. `programs = any`: one fit with the effects pooled over
   the programme types; the named programmes: one fit for all of them, the
   effects by programme type (study/nt_toe_types.h), each programme's path
   from it and its rows once (nt_toe_tables_add_joint).
   Pieces: the study's toe_cuts for both baselines; a piece without an
   event (or with only events) of its hazard is merged into its left
   neighbour, and the same for the effect pieces (toe_lockin_cuts,
   toe_post_cuts) on the exits in them, so the fit never meets a piece
   whose coefficient is -Inf; the cuts used are in the manifest. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/nt_progress.h"
#include "core/nt_rng.h"
#include "core/nt_series.h"
#include "data/nt_toe_store.h"
#include "estimators/nt_toe.h"
#include "estimators/nt_toe_sim.h"
#include "study/nt_run_parts.h"
#include "study/nt_toe_loss.h"
#include "study/nt_toe_run.h"
#include "study/nt_toe_tables.h"
#include "study/nt_toe_types.h"

#define MAX_CUTS 64

static int cut_piece(double t, const double *c, int n)
{
    int k = 0;
    while (k < n && c[k] < t) k++;
    return k;
}

static int cuts_of(char **v, int n, double *out)
{
    int k = 0;
    for (int i = 0; i < n && k < MAX_CUTS; i++) out[k++] = strtod(v[i], NULL);
    return k;
}

/* Drops cuts until every piece has an event and a non-event: ev[k], at[k]
   per piece are recomputed by the caller's counter (eg: the effect groups). */
typedef void (*piece_counter)(const nt_toe_pp *t, const double *c, int n, double *ev, double *at, int which,
                              const nt_toe_groups *eg);

static void count_baseline(const nt_toe_pp *t, const double *c, int n, double *ev, double *at, int which,
                           const nt_toe_groups *eg)
{
    (void)eg;
    for (long r = 0; r < t->n; r++) {
        if (which ? t->since_entry[r] > 0 || t->entry_risk[r] == 0 : t->exit_risk[r] == 0) continue;
        int k = cut_piece(t->period[r], c, n);
        at[k] += 1;
        ev[k] += which ? t->y_entry[r] : t->y_exit[r];
    }
}

/* which 1: lock-in pieces, 0: post pieces; only events matter (at = ev + 1).
   With effect groups a piece counts the fewest exits of any group in it
   (the pieces are the same for every group). */
static void count_effect(const nt_toe_pp *t, const double *c, int n, double *ev, double *at, int which,
                         const nt_toe_groups *eg)
{
    int G = eg ? eg->G : 1;
    double *eg_ev = calloc((size_t)G * (size_t)(n + 1), sizeof *eg_ev);
    if (!eg_ev) return; /* out of memory: no merging (the fit reports an empty piece) */
    for (long r = 0; r < t->n; r++) {
        if (t->since_entry[r] <= 0 || (t->in_program[r] == 1) != which) continue;
        int k = cut_piece(t->since_entry[r], c, n), g = eg ? eg->group[t->person[r]] : 0;
        eg_ev[(size_t)g * (size_t)(n + 1) + (size_t)k] += t->y_exit[r];
    }
    for (int k = 0; k <= n; k++) {
        ev[k] = eg_ev[k];
        for (int g = 1; g < G; g++) {
            double e = eg_ev[(size_t)g * (size_t)(n + 1) + (size_t)k];
            if (e < ev[k]) ev[k] = e;
        }
        at[k] = ev[k] + 1;
    }
    free(eg_ev);
}

static int merge_pieces(const nt_toe_pp *t, double *c, int n, piece_counter count, int which,
                        const nt_toe_groups *eg)
{
    double ev[MAX_CUTS + 1], at[MAX_CUTS + 1];
    for (;;) {
        memset(ev, 0, sizeof ev);
        memset(at, 0, sizeof at);
        count(t, c, n, ev, at, which, eg);
        int bad = -1;
        for (int k = 0; k <= n && bad < 0; k++)
            if (ev[k] == 0 || ev[k] == at[k]) bad = k;
        if (bad < 0 || n == 0) return n;
        int drop = bad ? bad - 1 : 0; /* merge into the left neighbour (the first: into the right) */
        memmove(c + drop, c + drop + 1, (size_t)(n - drop - 1) * sizeof *c);
        n--;
    }
}

typedef struct {
    double exit[MAX_CUTS], entry[MAX_CUTS], lockin[MAX_CUTS], post[MAX_CUTS];
    nt_toe_opts o;
    unsigned char *off[2]; /* exit, entry: per month 0..n_off-1, 1 = the hazard is 0 there */
    int n_off;
} toe_cuts;

/* A baseline piece of the study's cuts without an event of its hazard has
   the MLE hazard 0 (coefficient -Inf): its rows leave that hazard's risk
   set (the exit hazard in month 0, when nobody starts work in the month of
   inflow; the entry hazard after the last month with starts) and the
   simulation keeps the hazard 0 there. which 0: exit, 1: entry. */
static void zero_pieces(nt_toe_pp *t, const double *c, int n, int which, unsigned char *off, int n_off)
{
    double ev[MAX_CUTS + 1] = {0}, at[MAX_CUTS + 1] = {0};
    count_baseline(t, c, n, ev, at, which, NULL);
    for (long r = 0; r < t->n; r++) {
        int k = cut_piece(t->period[r], c, n);
        if (at[k] > 0 && ev[k] == 0) (which ? t->entry_risk : t->exit_risk)[r] = 0;
    }
    for (int m = 0; m < n_off; m++) {
        int k = cut_piece(m, c, n);
        off[m] = at[k] > 0 && ev[k] == 0;
    }
}

static int make_cuts(const nt_study *st, nt_toe_pp *t, const nt_toe_groups *eg, toe_cuts *c)
{
    memset(&c->o, 0, sizeof c->o);
    int n = cuts_of(st->toe_cuts, st->n_toe_cuts, c->exit);
    memcpy(c->entry, c->exit, sizeof c->exit);
    c->n_off = st->start_last + st->horizon + 1;
    c->off[0] = calloc((size_t)c->n_off, 1);
    c->off[1] = calloc((size_t)c->n_off, 1);
    if (!c->off[0] || !c->off[1]) return -1;
    zero_pieces(t, c->exit, n, 0, c->off[0], c->n_off);
    zero_pieces(t, c->entry, n, 1, c->off[1], c->n_off);
    c->o.n_exit_cuts = merge_pieces(t, c->exit, n, count_baseline, 0, NULL);
    c->o.n_entry_cuts = merge_pieces(t, c->entry, n, count_baseline, 1, NULL);
    c->o.n_lockin_cuts = merge_pieces(t, c->lockin, cuts_of(st->toe_lockin_cuts, st->n_toe_lockin_cuts, c->lockin),
                                      count_effect, 1, eg);
    c->o.n_post_cuts = merge_pieces(t, c->post, cuts_of(st->toe_post_cuts, st->n_toe_post_cuts, c->post),
                                    count_effect, 0, eg);
    c->o.exit_cuts = c->exit;
    c->o.entry_cuts = c->entry;
    c->o.lockin_cuts = c->lockin;
    c->o.post_cuts = c->post;
    c->o.ic = st->toe_criterion ? NT_TOE_BIC : NT_TOE_AIC;
    c->o.k_min = 1;
    c->o.k_max = NT_TOE_KMAX;
    const char *v = st->toe_mass_points ? st->toe_mass_points : "1:6";
    if (sscanf(v, "%d:%d", &c->o.k_min, &c->o.k_max) != 2) c->o.k_max = c->o.k_min = atoi(v);
    return 0;
}

static double *nan_array(int n)
{
    double *a = malloc((size_t)n * sizeof *a);
    if (a)
        for (int i = 0; i < n; i++) a[i] = NAN;
    return a;
}

/* Matching's path of the employed outcome for programme pi, whole cohort. */
static void matching_side(const nt_run_state *P, int pi, nt_toe_compare_row *row)
{
    int H = P->st->horizon, oc = -1, pg = pi * P->n_groups;
    for (int k = 0; k < P->panel->n_outcomes; k++)
        if (!strcmp(P->panel->outcome_name[k], "employed")) oc = k;
    if (oc < 0 || !P->res[pg]) return;
    const nt_run_path *p = &P->path[(size_t)pg * P->panel->n_outcomes + oc];
    for (int tau = 0; tau < H; tau++) {
        row->matching[tau] = P->res[pg]->att[oc * H + tau];
        row->matching_lower[tau] = p->lower[tau];
        row->matching_upper[tau] = p->upper[tau];
        row->matching_cum[tau] = p->cum[tau];
        row->matching_cum_lower[tau] = p->cum_lower[tau];
        row->matching_cum_upper[tau] = p->cum_upper[tau];
    }
}

static int row_alloc(nt_toe_compare_row *r, int H)
{
    double **a[] = {&r->matching, &r->matching_lower, &r->matching_upper, &r->matching_cum, &r->matching_cum_lower,
                    &r->matching_cum_upper, &r->toe, &r->toe_se, &r->toe_lower, &r->toe_upper, &r->toe_cum,
                    &r->toe_cum_se, &r->toe_cum_lower, &r->toe_cum_upper};
    r->horizon = H;
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++)
        if (!(*a[i] = nan_array(H))) return -1;
    return 0;
}

static void row_free(nt_toe_compare_row *r)
{
    double *a[] = {r->matching, r->matching_lower, r->matching_upper, r->matching_cum, r->matching_cum_lower,
                   r->matching_cum_upper, r->toe, r->toe_se, r->toe_lower, r->toe_upper, r->toe_cum,
                   r->toe_cum_se, r->toe_cum_lower, r->toe_cum_upper};
    for (size_t i = 0; i < sizeof a / sizeof a[0]; i++) free(a[i]);
}

void nt_toe_run_free(nt_run_state *P)
{
    nt_toe_compare *c = P->toe;
    if (!c) return;
    for (int i = 0; i < c->n; i++) row_free(&c->row[i]);
    free(c->row);
    free(c);
    P->toe = NULL;
}

/* The person covariates are centred and scaled for the fit (BFGS converges
   far faster on columns of one scale: age in years against 0/1 indicators);
   the table reports the coefficients of the columns as they are:
   theta = J theta*, b_j = b*_j / sd_j, each baseline piece a = a* - sum_j
   b*_j m_j / sd_j, and the covariances J V J'. */
static void scale_columns(nt_toe_pp *t, double *mean, double *sd)
{
    for (int j = 0; j < t->nxp; j++) {
        double *x = t->x + (size_t)j * (size_t)t->n, m = 0, v = 0;
        for (long r = 0; r < t->n; r++) m += x[r];
        m /= (double)t->n;
        for (long r = 0; r < t->n; r++) v += (x[r] - m) * (x[r] - m);
        v = sqrt(v / (double)t->n);
        mean[j] = m;
        sd[j] = v > 0 ? v : 1;
        for (long r = 0; r < t->n; r++) x[r] = (x[r] - m) / sd[j];
    }
}

static int unscale(nt_toe_result *f, const nt_toe_opts *o, int nx, int nxp, int npl, int G, const double *mean,
                   const double *sd)
{
    int p = f->p, npe = o->n_exit_cuts + 1, npp = o->n_entry_cuts + 1;
    int neff = G * (o->n_lockin_cuts + o->n_post_cuts + 2), oap = npe + nx + neff, oal = oap + npp + nx;
    /* baseline offset, pieces, covariate offset; the job-loss block (npl pieces) third */
    int blocks[3][3] = {{0, npe, npe}, {oap, npp, oap + npp}, {oal, npl, oal + npl}};
    double *J = calloc((size_t)p * (size_t)p, sizeof *J), *T = malloc((size_t)p * (size_t)p * sizeof *T);
    double *th = malloc((size_t)p * sizeof *th);
    if (!J || !T || !th) { free(J); free(T); free(th); return -1; }
    for (int j = 0; j < p; j++) J[(size_t)j * p + j] = 1;
    for (int h = 0; h < (npl > 0 ? 3 : 2); h++)
        for (int j = 0; j < nxp; j++) {
            int cj = blocks[h][2] + j;
            J[(size_t)cj * p + cj] = 1 / sd[j];
            for (int k = 0; k < blocks[h][1]; k++) J[(size_t)(blocks[h][0] + k) * p + cj] = -mean[j] / sd[j];
        }
    for (int r = 0; r < p; r++) {
        th[r] = 0;
        for (int c = 0; c < p; c++) th[r] += J[(size_t)r * p + c] * f->coef[c];
    }
    memcpy(f->coef, th, (size_t)p * sizeof *th);
    double *V[2] = {f->cov, f->cov_cluster}, *se[2] = {f->se, f->se_cluster};
    for (int v = 0; v < 2; v++) {
        for (int r = 0; r < p; r++)
            for (int c = 0; c < p; c++) {
                double a = 0;
                for (int k = 0; k < p; k++) a += J[(size_t)r * p + k] * V[v][(size_t)k * p + c];
                T[(size_t)r * p + c] = a;
            }
        for (int r = 0; r < p; r++)
            for (int c = 0; c < p; c++) {
                double a = 0;
                for (int k = 0; k < p; k++) a += T[(size_t)r * p + k] * J[(size_t)c * p + k];
                V[v][(size_t)r * p + c] = a;
            }
        for (int j = 0; j < p; j++) se[v][j] = sqrt(V[v][(size_t)j * p + j]);
    }
    nt_toe_mark_edge(f);
    free(J);
    free(T);
    free(th);
    return 0;
}

/* A fitted model: the rows, the fit and what the paths and tables need. */
typedef struct {
    nt_toe_pp *t;
    nt_toe_result *fit;
    nt_toe_loss *loss;
    double *mean, *sd;
    toe_cuts c;
    nt_toe_groups pgs, egs, *eg; /* toe_effect_by's person groups; the fit's effect groups (or NULL) */
    nt_toe_types ty, *types;     /* effects by programme type (named programmes), or NULL */
    int *row_group;
} toe_model;

/* The treated of the dynamic estimand: entries in the start months (with
   types: the starts of programme code). */
static nt_status simulate(nt_run_state *P, const toe_model *m, int pi, int code, nt_toe_compare_row *row,
                          nt_error *err)
{
    const nt_study *st = P->st;
    const nt_toe_pp *t = m->t;
    const nt_toe_groups *eg = m->eg;
    const nt_toe_types *ty = m->types;
    const double *mean = m->mean, *sd = m->sd;
    long nt = 0, *who = malloc((size_t)t->n_persons * sizeof *who);
    int *start = malloc((size_t)t->n_persons * sizeof *start), *month = malloc((size_t)t->n_persons * sizeof *month);
    if (!who || !start || !month) { free(who); free(start); free(month); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long r = 0; r < t->n; r++) {
        int k = t->start_month[t->person[r]];
        if (ty && t->start_type[t->person[r]] != code) continue;
        if (t->y_entry[r] == 1 && k >= st->start_first && k <= st->start_last) {
            start[nt] = (int)t->period[r];
            month[nt] = k;
            who[nt++] = t->person[r];
        }
    }
    row->n_treated_toe = nt;
    row->n_other_toe = t->n_persons - nt;
    row->basis_toe = nt < t->n_persons - nt ? nt : t->n_persons - nt;
    double *xp = malloc((size_t)(nt ? nt : 1) * (size_t)(t->nxp ? t->nxp : 1) * sizeof *xp);
    int *inflow = malloc((size_t)(nt ? nt : 1) * sizeof *inflow), *grp = malloc((size_t)(nt ? nt : 1) * sizeof *grp);
    int *typ = malloc((size_t)(nt ? nt : 1) * sizeof *typ);
    nt_status s = NT_OK;
    if (!xp || !inflow || !grp || !typ) s = nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < nt && !s; i++) {
        long pr = t->panel_row[who[i]];
        inflow[i] = t->inflow[who[i]];
        grp[i] = ty ? ty->pgroup[who[i]] : eg ? eg->group[who[i]] : 0;
        typ[i] = ty ? ty->index[code] : 0;
        for (int j = 0; j < t->nxp; j++) {
            double v = P->panel->x[(size_t)j * (size_t)P->panel->n + (size_t)pr];
            xp[(size_t)j * (size_t)nt + (size_t)i] = (v - mean[j]) / sd[j];
        }
    }
    if (!s && nt > 0) {
        long target = 200000 / nt;
        const nt_toe_loss *loss = m->loss;
        const toe_cuts *c = &m->c;
        nt_toe_sim_in in = {.fit = m->fit, .opts = &c->o, .nxp = t->nxp, .ncal = t->nx - t->nxp, .cal_month = t->cal_month,
                            .n = nt, .xp = xp, .inflow = inflow, .start = start, .month = month, .horizon = st->horizon,
                            .retention = t->retention, .loss = t->loss, .find = t->find, .dur = t->dur, .n_dur = t->n_dur,
                            .loss_np = loss ? loss->np : 0, .loss_cuts = loss ? loss->cuts : NULL,
                            .exit_off = c->off[0], .entry_off = c->off[1], .n_off = c->n_off,
                            .group = ty ? (ty->Gp > 1 ? grp : NULL) : eg ? grp : NULL,
                            .n_groups = ty ? ty->Gp : eg ? eg->G : 1, .type = ty ? typ : NULL,
                            .n_types = ty ? ty->T : 0, .mix = ty ? ty->mix : NULL, .dur_type = ty ? ty->dur : NULL,
                            .eff_map = ty ? ty->egroup : NULL, .n_eff = ty ? eg->G : 0,
                            .reps = target < 1 ? 1 : target > 20 ? 20 : (int)target, .draws = st->toe_draws,
                            .seed = nt_mix64(st->seed ^ 0x746f65ULL ^ ((uint64_t)pi << 32)), .level = nt_run_ci_level(P)};
        nt_toe_sim_out *o = NULL;
        if (!(s = nt_toe_sim_paths(&in, &o, err))) {
            size_t b = (size_t)st->horizon * sizeof(double);
            memcpy(row->toe, o->att, b);
            memcpy(row->toe_se, o->se, b);
            memcpy(row->toe_lower, o->lower, b);
            memcpy(row->toe_upper, o->upper, b);
            memcpy(row->toe_cum, o->cum, b);
            memcpy(row->toe_cum_se, o->cum_se, b);
            memcpy(row->toe_cum_lower, o->cum_lower, b);
            memcpy(row->toe_cum_upper, o->cum_upper, b);
        }
        nt_toe_sim_out_free(o);
    }
    free(who);
    free(start);
    free(month);
    free(xp);
    free(inflow);
    free(grp);
    free(typ);
    return s;
}

static void groups_free(nt_toe_groups *eg)
{
    if (eg->suffix)
        for (int g = 0; g < eg->G; g++) free(eg->suffix[g]);
    free(eg->suffix);
    free(eg->group);
    memset(eg, 0, sizeof *eg);
}

/* The effect groups of `[estimator] toe_effect_by` (nt_toe_loss.h): the
   cross-product of the variables' [subgroups] groups (the first variable
   varies slowest), each person of the model in exactly one group of each
   variable, else a study error naming the variable. Derived subgroup
   variables (job_chance, start_year, context columns) are refused: they
   are not constants of the person at inflow. */
static nt_status effect_groups(const nt_run_state *P, const nt_toe_pp *t, nt_toe_groups *eg, nt_error *err)
{
    const nt_study *st = P->st;
    long line = nt_study_line(st, "estimator", "toe_effect_by");
    int G = 1, g0[64], ng[64], nv = st->n_toe_effect_by;
    if (nv > 64)
        return nt_fail_at(err, NT_EINPUT, st->path, line, NULL, "[estimator] toe_effect_by: over 64 variables");
    for (int v = 0; v < nv; v++) {
        const char *var = st->toe_effect_by[v];
        int j = 0, off = 1;
        while (j < st->n_subgroups && strcmp(st->subgroups[j].variable, var)) off += st->subgroups[j++].n_groups;
        if (j == st->n_subgroups) /* checked when the study was read */
            return nt_fail_at(err, NT_EINPUT, st->path, line, NULL, "[estimator] toe_effect_by: \"%s\" is not a "
                              "[subgroups] variable", var);
        if (nt_run_derived_is(P, var) || nt_run_ctxgroup_is(P, var))
            return nt_fail_at(err, NT_EINPUT, st->path, line, NULL, "[estimator] toe_effect_by: \"%s\" is a derived "
                              "subgroup variable (not a constant of the person at inflow); use a cohort column", var);
        g0[v] = off;
        ng[v] = st->subgroups[j].n_groups;
        if (G > 4096 / ng[v])
            return nt_fail_at(err, NT_EINPUT, st->path, line, NULL, "[estimator] toe_effect_by: over 4096 groups");
        G *= ng[v];
    }
    eg->G = G;
    eg->group = calloc((size_t)(t->n_persons ? t->n_persons : 1), sizeof *eg->group);
    eg->suffix = calloc((size_t)G, sizeof *eg->suffix);
    if (!eg->group || !eg->suffix) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int v = 0; v < nv; v++) {
        long none = 0, more = 0;
        for (long i = 0; i < t->n_persons; i++) {
            int in = 0, q = 0;
            for (int k = 0; k < ng[v]; k++)
                if (P->member[g0[v] + k][t->panel_row[i]]) { in++; q = k; }
            none += in == 0;
            more += in > 1;
            eg->group[i] = eg->group[i] * ng[v] + q;
        }
        if (none || more)
            return nt_fail_at(err, NT_EINPUT, st->path, line, NULL, "[estimator] toe_effect_by: %ld of the %ld persons "
                              "of the timing-of-events model are in no group of \"%s\" and %ld in more than one "
                              "(overlapping ranges); each must be in exactly one: widen or split its [subgroups] line",
                              none, t->n_persons, st->toe_effect_by[v], more);
    }
    for (int g = 0; g < G; g++) { /* "[education=low&emp_prev12=0-0]" */
        char b[1024] = "[";
        size_t o = 1;
        for (int v = 0, rest = g, div = G; v < nv; v++) {
            div /= ng[v];
            int q = rest / div;
            rest %= div;
            o += (size_t)snprintf(b + o, o < sizeof b ? sizeof b - o : 0, "%s%s", v ? "&" : "",
                                  P->group_label[g0[v] + q]);
        }
        if (o + 2 > sizeof b) return nt_fail(err, NT_EINPUT, "[estimator] toe_effect_by: group labels too long");
        strcat(b, "]");
        if (!(eg->suffix[g] = strdup(b))) return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    return NT_OK;
}

static void model_free(toe_model *m)
{
    free(m->row_group);
    groups_free(&m->pgs);
    groups_free(&m->egs);
    nt_toe_types_free(&m->ty);
    nt_toe_loss_free(m->loss);
    free(m->c.off[0]);
    free(m->c.off[1]);
    free(m->mean);
    free(m->sd);
    nt_toe_result_free(m->fit);
    nt_toe_pp_free(m->t);
    memset(m, 0, sizeof *m);
}

/* The rows, pieces, groups and the fit; by_type: the effects by programme
   type (nt_toe_types.h). what: the programme(s), for the messages. */
static nt_status fit_model(nt_run_state *P, int by_type, const char *what, toe_model *m, nt_error *err)
{
    const nt_study *st = P->st;
    nt_toe_store_opts so = {.max_period = st->start_last + st->horizon - 1, .calendar = st->toe_calendar,
                            .n_retention = st->horizon};
    nt_status s = nt_toe_store_build(P->store, P->panel, &so, &m->t, err);
    if (s) return s;
    nt_toe_pp *t = m->t;
    if (st->n_toe_effect_by > 0) {
        if ((s = effect_groups(P, t, &m->pgs, err))) return s;
        m->eg = &m->pgs;
    }
    if (by_type) {
        const char *const *names;
        nt_store_program_types(P->store, &names);
        if ((s = nt_toe_types_build(t, names, m->eg, &m->ty, &m->egs, err))) return s;
        m->types = &m->ty;
        m->eg = &m->egs;
        for (int q = 0; q < m->ty.T; q++) /* a type whose person groups are pooled */
            if (m->ty.why && m->ty.why[q]) nt_run_warn(P, m->ty.why[q]);
    }
    if (make_cuts(st, t, m->eg, &m->c)) return nt_fail(err, NT_ENOMEM, "out of memory");
    if (by_type && (s = nt_toe_types_mix(t, &m->c.o, &m->ty, err))) return s;
    m->mean = malloc((size_t)(t->nxp + 1) * sizeof *m->mean);
    m->sd = malloc((size_t)(t->nxp + 1) * sizeof *m->sd);
    if (!m->mean || !m->sd) return nt_fail(err, NT_ENOMEM, "out of memory");
    scale_columns(t, m->mean, m->sd);
    if ((s = nt_toe_loss_build(t, P->panel, m->mean, m->sd, m->eg, &m->loss, err))) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return nt_fail(err, s, "method = toe, programme %s: %s", what, msg);
    }
    nt_toe_data d = {.n = t->n, .person = t->person, .period = t->period, .y_exit = t->y_exit,
                     .y_entry = t->y_entry, .since_entry = t->since_entry, .in_program = t->in_program,
                     .exit_risk = t->exit_risk, .entry_risk = t->entry_risk,
                     .x = t->nx ? t->x : NULL, .nx = t->nx, .xnames = (const char *const *)t->xname};
    if (m->eg) { /* the person's effect group on each row */
        if (!(m->row_group = malloc((size_t)t->n * sizeof *m->row_group))) return nt_fail(err, NT_ENOMEM, "out of memory");
        for (long r = 0; r < t->n; r++) m->row_group[r] = m->eg->group[t->person[r]];
        d.eff_group = m->row_group;
        d.n_eff_groups = m->eg->G;
        d.eff_group_names = (const char *const *)m->eg->suffix;
    }
    nt_toe_loss *loss = m->loss;
    if (loss) { /* the third hazard, sharing the mass points */
        d.n_loss = loss->n;
        d.loss_person = loss->person;
        d.loss_piece = loss->piece;
        d.n_loss_pieces = loss->np;
        d.loss_at = loss->at;
        d.loss_ev = loss->ev;
        d.loss_z = loss->z;
        d.nz = loss->nxp + loss->G;
        d.loss_names = (const char *const *)loss->name;
    }
    double t0 = nt_now();
    clock_t c0 = clock(); /* process CPU seconds (all threads): the benchmark's measure under load */
    if (t->n_entries == 0) s = nt_fail(err, NT_EINPUT, "method = toe: no entries into %s in the cohort", what);
    if (!s) s = nt_toe_fit(&d, &m->c.o, &m->fit, err);
    if (s) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err->msg);
        return nt_fail(err, s, "method = toe, programme %s: %s", what, msg);
    }
    nt_manifest_timing(P->m, "toe_fit", nt_now() - t0);
    nt_manifest_timing(P->m, "toe_fit_cpu", (double)(clock() - c0) / CLOCKS_PER_SEC);
    return NT_OK;
}

static nt_status paths(nt_run_state *P, const toe_model *m, int pi, nt_error *err)
{
    double t0 = nt_now();
    clock_t c0 = clock();
    nt_status s = simulate(P, m, pi, P->prog_code[pi], &P->toe->row[pi], err);
    if (s) return s;
    nt_manifest_timing(P->m, "toe_paths", nt_now() - t0);
    nt_manifest_timing(P->m, "toe_paths_cpu", (double)(clock() - c0) / CLOCKS_PER_SEC);
    return NT_OK;
}

/* The coefficients as the columns are (after every path is simulated). */
static nt_status unscale_model(toe_model *m, nt_error *err)
{
    nt_toe_pp *t = m->t;
    if (unscale(m->fit, &m->c.o, t->nx, t->nxp, m->loss ? m->loss->np : 0, m->eg ? m->eg->G : 1, m->mean, m->sd))
        return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int j = 0; j < t->nxp; j++) { /* the table's bases read the columns as they are */
        double *x = t->x + (size_t)j * (size_t)t->n;
        for (long r = 0; r < t->n; r++) x[r] = x[r] * m->sd[j] + m->mean[j];
    }
    return NT_OK;
}

/* The row's lockin and post (nt_toe_run.h): the first lock-in and post
   pieces' coefficients of the programme's own effect groups (with types:
   its type's), averaged over them with the shares of the programme's
   treated (its entries in the start months) as the weights, the SE from
   the clustered covariance (w' V w); one group: its coefficients. */
static void first_effects(const nt_run_state *P, const toe_model *m, int code, nt_toe_compare_row *row)
{
    const nt_toe_pp *t = m->t;
    const nt_toe_result *fit = m->fit;
    const nt_toe_opts *o = &m->c.o;
    int G = m->eg ? m->eg->G : 1, per = o->n_lockin_cuts + o->n_post_cuts + 2, o_eff = o->n_exit_cuts + 1 + t->nx;
    double *w = calloc((size_t)G, sizeof *w), W = 0;
    if (!w || o_eff + G * per > fit->p || strncmp(fit->name[o_eff], "exit:lockin", 11)) { free(w); return; }
    for (long r = 0; r < t->n; r++) {
        long i = t->person[r];
        int k = t->start_month[i];
        if (t->y_entry[r] != 1 || k < P->st->start_first || k > P->st->start_last) continue;
        if (m->types && t->start_type[i] != code) continue;
        w[m->eg ? m->eg->group[i] : 0] += 1;
        W += 1;
    }
    double *est[2] = {&row->lockin, &row->post}, *se[2] = {&row->lockin_se, &row->post_se};
    for (int e = 0; e < 2 && W > 0; e++) {
        int off = e ? o->n_lockin_cuts + 1 : 0;
        double b = 0, v = 0;
        for (int g = 0; g < G; g++) {
            if (w[g] == 0) continue;
            int jg = o_eff + g * per + off;
            b += w[g] / W * fit->coef[jg];
            for (int h = 0; h < G; h++)
                if (w[h] > 0) v += w[g] / W * w[h] / W * fit->cov_cluster[(size_t)jg * (size_t)fit->p + (size_t)(o_eff + h * per + off)];
        }
        *est[e] = b;
        *se[e] = sqrt(v);
    }
    free(w);
}

/* Programme pi's compare row (K, its first lock-in and post) and
   matching's path beside it. */
static void report_program(nt_run_state *P, const toe_model *m, int pi)
{
    const nt_study *st = P->st;
    const nt_toe_result *fit = m->fit;
    nt_toe_compare_row *row = &P->toe->row[pi];
    row->program = st->programs[pi];
    row->mass_points = fit->K;
    first_effects(P, m, P->prog_code[pi], row);
    matching_side(P, pi, row);
}

/* `programs = any`: one pooled fit (effects pooled over the types). */
static nt_status one_program(nt_run_state *P, int pi, nt_toe_tables *tb, nt_error *err)
{
    toe_model m = {0};
    nt_status s = fit_model(P, 0, P->st->programs[pi], &m, err);
    if (!s) s = paths(P, &m, pi, err);
    if (!s) s = unscale_model(&m, err);
    if (!s) {
        report_program(P, &m, pi);
        s = nt_toe_tables_add(tb, P, P->st->programs[pi], m.t, m.fit, &m.c.o, m.loss, m.eg, err);
    }
    model_free(&m);
    return s;
}

/* The named programmes: one fit with every first start as the entry and
   the effects by programme type; each programme's path from it. */
static nt_status named_programs(nt_run_state *P, nt_toe_tables *tb, nt_progress *pr, int *done, nt_error *err)
{
    toe_model m = {0};
    char what[512] = "";
    size_t o = 0;
    for (int i = 0; i < P->n_prog; i++)
        if (P->prog_code[i] > 0 && o < sizeof what)
            o += (size_t)snprintf(what + o, sizeof what - o, "%s%s", o ? ", " : "", P->st->programs[i]);
    nt_status s = nt_toe_tables_check_types(P, err);
    if (!s) s = fit_model(P, 1, what, &m, err);
    for (int i = 0; i < P->n_prog && !s; i++)
        if (P->prog_code[i] > 0) {
            if (m.ty.index[P->prog_code[i]] < 0)
                s = nt_fail(err, NT_EINPUT, "method = toe: no entries into %s in the cohort", P->st->programs[i]);
            else s = paths(P, &m, i, err);
            nt_progress_update(pr, ++*done, P->st->programs[i]);
        }
    if (!s) s = unscale_model(&m, err);
    for (int i = 0; i < P->n_prog && !s; i++)
        if (P->prog_code[i] > 0) report_program(P, &m, i);
    if (!s) s = nt_toe_tables_add_joint(tb, P, m.t, m.fit, &m.c.o, m.loss, m.eg, err); /* once: one fit */
    model_free(&m);
    return s;
}

nt_status nt_toe_run(nt_run_state *P, nt_error *err)
{
    int np = P->n_prog, named = 0;
    if (!(P->toe = calloc(1, sizeof *P->toe)) || !(P->toe->row = calloc((size_t)np, sizeof *P->toe->row)))
        return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int i = 0; i < np; i++) named += P->prog_code[i] > 0;
    P->toe->n = np;
    P->toe->assumptions = named ? "Matching assumes that the observed characteristics explain both programme start "
                          "and job finding; the timing-of-events model allows an unobserved type that drives both, "
                          "but assumes proportional hazards, no anticipation of the start month, independent "
                          "censoring, that one unobserved type (a discrete distribution) also drives job loss "
                          "after the exit, each hazard with its own loading (the programmes' effects on job finding "
                          "and, after them, on job loss are estimated by programme type, with every first "
                          "programme start as the entry), and that the choice among programmes, given a start and "
                          "the observed characteristics, does not depend on the unobserved type."
                          : "Matching assumes that the observed characteristics explain both programme start and "
                          "job finding; the timing-of-events model allows an unobserved type that drives both, "
                          "but assumes proportional hazards, no anticipation of the start month, independent "
                          "censoring, and that one unobserved type (a discrete distribution) also drives job loss "
                          "after the exit, each hazard with its own loading (the programme's effects on job finding "
                          "and, after it, on job loss are estimated).";
    for (int i = 0; i < np; i++) {
        if (row_alloc(&P->toe->row[i], P->st->horizon)) return nt_fail(err, NT_ENOMEM, "out of memory");
        P->toe->row[i].lockin = P->toe->row[i].post = NAN;
        P->toe->row[i].lockin_se = P->toe->row[i].post_se = NAN;
    }
    nt_toe_tables *tb = NULL;
    nt_status s = nt_toe_tables_alloc(&tb, err);
    nt_progress pr;
    nt_progress_begin(&pr, "timing-of-events", (double)np);
    int done = 0;
    for (int i = 0; i < np && !s; i++)
        if (P->prog_code[i] == 0) {
            s = one_program(P, i, tb, err);
            nt_progress_update(&pr, ++done, P->st->programs[i]);
        }
    if (!s && named) s = named_programs(P, tb, &pr, &done, err);
    nt_progress_end(&pr);
    if (!s) s = nt_toe_tables_write(tb, P, err);
    nt_toe_tables_free(tb);
    return s;
}
