/* The circumstances at the start as a derived subgroup variable of `netto
   run` (docs/heterogeneity.md "In which circumstances"): a column of the
   context table ([data] context = FILE, data/nt_context.h), e.g. the
   regional unemployment rate, named on a [subgroups] line
   (`unemployment_rate = low, mid, high`) when the cohort has no column of
   that name.

   x_i(k) = the variable in person i's KEY (region) in calendar month
   inflow month + k: the circumstances of a start in month k since inflow.
   As for start_year (nt_run_derived.c), a group's estimate takes at start
   month k only the persons whose x_i(k) lies in the group: the treated who
   start in such circumstances and their not-yet-treated controls in the
   same circumstances at the same elapsed duration (risk-set mask
   P->risk_mask[g]).

   Groups: `low`, `mid`, `high` are the terciles of x at the programme
   starts, S = { x_i(k_i) : i analysed, first programme start k_i in
   0..n_risk-1, observed and on the index benefit at k_i } sorted (n
   values; the treated of the estimator's risk sets, any programme):
     c1 = S[ceil(n/3) - 1],  c2 = S[ceil(2n/3) - 1],
     low: x <= c1,  mid: c1 < x <= c2,  high: x > c2
   (cuts by value, so ties stay together); or the study's cut points as
   inclusive ranges a-b (`unemployment_rate = 0-5.9, 6-7.4, 7.5-99`).
   context_groups.csv: per group its value range, the programme starts in
   it and their mean value. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/nt_file.h"
#include "data/nt_context.h"
#include "report/nt_table.h"
#include "study/nt_run_parts.h"

/* The table's name in messages: the study's file or the store's table. */
static const char *ctx_name(const nt_run_state *P)
{
    return P->st->context_file ? P->st->context_file : "the store's context table";
}

int nt_run_ctxgroup_is(const nt_run_state *P, const char *variable)
{
    if (nt_store_covariate_kind(P->store, variable) >= 0) return 0;
    static const char *const own[] = {"job_chance", "start_year"};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (!strcmp(variable, own[i])) return 0;
    if (P->st->context_file) return 1;   /* nt_run_ctxgroup_groups names the table's columns if it is none of them */
    nt_context *c = NULL;
    const char *path;
    nt_error e = {0};
    int has = !nt_run_context_table(P, &c, &path, &e) && c;   /* a broken stored table: reported where it is used */
    nt_context_free(c);
    return has;
}

static int by_value(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* 1 low, 2 mid, 3 high, 0 none. */
static int tercile_of(const char *v)
{
    if (!strcasecmp(v, "low")) return 1;
    if (!strcasecmp(v, "mid")) return 2;
    if (!strcasecmp(v, "high")) return 3;
    return 0;
}

static nt_status groups_table(nt_run_state *P, const nt_study_subgroup *sg, const double *lo, const double *hi,
                              const long *ns, const double *sx, nt_error *err)
{
    static const char *cols[] = {"variable", "level", "value_from", "value_to", "n_starts", "mean_value"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_MEAN};
    nt_table *t = nt_table_alloc(cols, kinds, 6);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (int j = 0; j < sg->n_groups && !s; j++) {
        if (nt_table_add_row(t)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        nt_table_set_str(t, "variable", sg->variable);
        nt_table_set_str(t, "level", sg->groups[j].value);
        nt_table_set_num(t, "value_from", lo[j]);
        nt_table_set_num(t, "value_to", hi[j]);
        nt_table_set_int(t, "n_starts", ns[j]);
        nt_table_set_num(t, "mean_value", ns[j] ? sx[j] / (double)ns[j] : NAN);
        nt_table_set_basis(t, ns[j]);
    }
    if (!s) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "context_groups.csv");
        nt_table_set_round(t, P->st->round);
        s = nt_table_write_csv(t, path, P->st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "context_groups.csv", t, err);
    }
    nt_table_free(t);
    return s;
}

/* The tercile cuts c1, c2 of x at the programme starts (NaN without starts). */
static nt_status tercile_cuts(const nt_run_state *P, const double *x, double *c1, double *c2, nt_error *err)
{
    const nt_panel *p = P->panel;
    int R = p->n_risk;
    double *v = malloc((size_t)(p->n ? p->n : 1) * sizeof *v);
    if (!v) return nt_fail(err, NT_ENOMEM, "out of memory");
    long n = 0;
    for (long i = 0; i < p->n; i++) {
        int k = p->treat_month[i];
        if (p->included[i] && k >= 0 && k < R && p->n_observed[i] > k && p->on_index[(size_t)i * (size_t)R + (size_t)k])
            v[n++] = x[(size_t)i * (size_t)R + (size_t)k];
    }
    *c1 = *c2 = NAN;
    if (n) {
        qsort(v, (size_t)n, sizeof *v, by_value);
        *c1 = v[(n + 2) / 3 - 1];
        *c2 = v[(2 * n + 2) / 3 - 1];
    }
    free(v);
    return NT_OK;
}

static nt_status masks(nt_run_state *P, const nt_study_subgroup *sg, int g0, const double *x, nt_error *err)
{
    const nt_panel *p = P->panel;
    long n = p->n;
    int R = p->n_risk, G = sg->n_groups;
    double c1 = NAN, c2 = NAN, lo[64], hi[64], sx[64];
    long ns[64];
    if (G > 64) return nt_fail_at(err, NT_EINPUT, P->st->path, sg->line, NULL, "%s: at most 64 groups", sg->variable);
    nt_status s = tercile_cuts(P, x, &c1, &c2, err);
    for (int j = 0; j < G && !s; j++) {
        const nt_study_group *gr = &sg->groups[j];
        int tj = gr->is_range ? 0 : tercile_of(gr->value);
        if (!gr->is_range && !tj) {
            return nt_fail_at(err, NT_EINPUT, P->st->path, sg->line, NULL,
                              "%s (context table %s): groups are low, mid, high (terciles at the programme starts) "
                              "or ranges a-b, not \"%s\"", sg->variable, ctx_name(P), gr->value);
        }
        /* (a, b]: terciles; [a, b]: the study's ranges */
        double a = gr->is_range ? gr->lo : tj == 1 ? -INFINITY : tj == 2 ? c1 : c2;
        double b = gr->is_range ? gr->hi : tj == 1 ? c1 : tj == 2 ? c2 : INFINITY;
        int open_lo = !gr->is_range && tj > 1;
        uint8_t *mask = malloc((size_t)(n ? n : 1) * (size_t)(R ? R : 1));
        if (!mask) return nt_fail(err, NT_ENOMEM, "out of memory");
        P->risk_mask[g0 + j] = mask;
        uint8_t *mem = P->member[g0 + j];
        ns[j] = 0;
        sx[j] = 0;
        lo[j] = INFINITY;
        hi[j] = -INFINITY;
        for (long i = 0; i < n; i++) {
            int any = 0;
            for (int k = 0; k < R; k++) {
                size_t ik = (size_t)i * (size_t)R + (size_t)k;
                double v = p->included[i] ? x[ik] : NAN;
                uint8_t in = !isnan(v) && (open_lo ? v > a : v >= a) && v <= b;
                mask[ik] = p->on_index[ik] && in;
                any |= mask[ik];
                if (mask[ik] && k == p->treat_month[i] && p->n_observed[i] > k) {
                    ns[j]++;
                    sx[j] += v;
                    if (v < lo[j]) lo[j] = v;
                    if (v > hi[j]) hi[j] = v;
                }
            }
            mem[i] = p->included[i] && any;
        }
        if (gr->is_range) { lo[j] = gr->lo; hi[j] = gr->hi; }   /* the study's cut points */
        else if (!ns[j]) lo[j] = hi[j] = NAN;                   /* the starts' range otherwise */
    }
    return s ? s : groups_table(P, sg, lo, hi, ns, sx, err);
}

nt_status nt_run_ctxgroup_groups(nt_run_state *P, int v, int g0, nt_error *err)
{
    const nt_study_subgroup *sg = &P->st->subgroups[v];
    nt_context *c = NULL;
    const char *path = NULL;
    nt_status s = nt_run_context_table(P, &c, &path, err);
    if (s) return s;
    int j = nt_context_var(c, sg->variable);
    if (j < 0) {
        char cols[600];
        size_t o = 0;
        cols[0] = 0;
        for (int q = 0; q < c->n_vars && o + 80 < sizeof cols; q++)
            o += (size_t)snprintf(cols + o, sizeof cols - o, "%s%s", q ? ", " : "", c->var[q]);
        s = nt_fail_at(err, NT_EINPUT, P->st->path, sg->line, NULL,
                       "subgroup variable \"%s\" is neither in the cohort nor a column of the context table %s (%s)",
                       sg->variable, path, cols);
        nt_context_free(c);
        return s;
    }
    long n = P->panel->n;
    int R = P->panel->n_risk;
    double *x = malloc((size_t)(n ? n : 1) * (size_t)(R ? R : 1) * sizeof *x);
    if (!x) s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = nt_context_at_k(c, path, j, P->store, R, P->panel->included, x, err);
    nt_context_free(c);
    if (!s && !P->risk_mask && !(P->risk_mask = calloc((size_t)P->n_groups, sizeof *P->risk_mask)))
        s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = masks(P, sg, g0, x, err);
    free(x);
    return s;
}
