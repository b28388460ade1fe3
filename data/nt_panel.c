/* Loads the dynamic estimator's view of a cohort store (nt_panel.h). */
#include "data/nt_panel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_mem.h"
#include "data/nt_calendar.h"
#include "data/nt_design.h"

void nt_panel_free(nt_panel *p)
{
    if (!p) return;
    free(p->treat_month);
    free(p->treat_type);
    free(p->treat_cost);
    free(p->n_observed);
    free(p->admin_observed);
    free(p->on_index);
    free(p->emp_before);
    for (int o = 0; o < p->n_outcomes; o++) {
        if (p->outcome_name) free(p->outcome_name[o]);
        if (p->outcome) free(p->outcome[o]);
    }
    free(p->outcome_name);
    free(p->outcome);
    free(p->x);
    for (int j = 0; j < p->p && p->term; j++) free(p->term[j]);
    free(p->term);
    free(p->var_of_term);
    free(p->exact_cell);
    free(p->included);
    free(p->missing_by_covariate);
    free(p);
}

static nt_status read_int_cov(nt_store *st, const char *name, double *buf, int32_t *out, long n, nt_error *err)
{
    nt_status s = nt_store_read_covariate(st, name, buf, err);
    if (s) return s;
    for (long i = 0; i < n; i++) out[i] = isnan(buf[i]) ? -1 : (int32_t)buf[i];
    return NT_OK;
}

/* Grows p->x, p->term and p->var_of_term to p1 columns. */
static nt_status grow_columns(nt_panel *p, int p1, nt_error *err)
{
    /* At least one byte: realloc(p, 0) may free p (a 0-person cohort). */
    double *x = realloc(p->x, (size_t)(p->n ? p->n : 1) * (size_t)(p1 ? p1 : 1) * sizeof *x);
    if (x) p->x = x;
    char **term = realloc(p->term, (size_t)(p1 ? p1 : 1) * sizeof *term);
    if (term) p->term = term;
    int *vot = realloc(p->var_of_term, (size_t)(p1 ? p1 : 1) * sizeof *vot);
    if (vot) p->var_of_term = vot;
    if (!x || !term || !vot) return nt_fail(err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

/* A store categorical's codes (0 missing, i = levels[i-1]) as the design
   rule's (-1 missing, i-1). */
static int32_t *store_codes(const double *buf, long n)
{
    int32_t *code = malloc((size_t)(n ? n : 1) * sizeof *code);
    if (code)
        for (long i = 0; i < n; i++) code[i] = (int32_t)buf[i] - 1;
    return code;
}

/* Appends the model columns of one covariate to p->x / p->term: a numeric
   one as is (a person missing it is left out), a categorical one by the
   design rule with missing as its own level (data/nt_design.h). */
static nt_status add_covariate(nt_store *st, nt_panel *p, int k, const char *name, double *buf, nt_error *err)
{
    int kind = nt_store_covariate_kind(st, name);
    if (kind < 0) return nt_fail(err, NT_EINPUT, "covariate \"%s\" is not in the cohort store", name);
    nt_status s = nt_store_read_covariate(st, name, buf, err);
    if (s) return s;
    if (kind == NT_COV_NUMERIC) {
        if ((s = grow_columns(p, p->p + 1, err))) return s;
        if (!(p->term[p->p] = strdup(name))) return nt_fail(err, NT_ENOMEM, "out of memory");
        p->var_of_term[p->p] = k;
        double *col = p->x + (size_t)p->p * (size_t)p->n;
        p->p++;
        for (long i = 0; i < p->n; i++) {
            col[i] = buf[i];
            if (isnan(buf[i]) && p->included[i]) { p->included[i] = 0; p->missing_by_covariate[k]++; }
        }
        return NT_OK;
    }
    char **levels = NULL;
    int nlev = 0;
    if ((s = nt_store_read_levels(st, name, &levels, &nlev, err))) return s;
    int32_t *code = store_codes(buf, p->n);
    nt_design_block b = {0, NULL, NULL};
    if (!code) s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = nt_design_categorical(name, (const char *const *)levels, nlev, code, p->n, NT_DESIGN_MISSING_LEVEL, &b, err);
    if (!s) s = grow_columns(p, p->p + b.p, err);
    if (!s) {
        memcpy(p->x + (size_t)p->p * (size_t)p->n, b.x, (size_t)p->n * (size_t)b.p * sizeof *b.x);
        for (int j = 0; j < b.p; j++) {
            p->term[p->p] = b.term[j];   /* moved */
            b.term[j] = NULL;
            p->var_of_term[p->p++] = k;
        }
    }
    nt_design_block_free(&b);
    free(code);
    nt_store_levels_free(levels, nlev);
    return s;
}

/* Exact-matching cells by the design rule's cell coding (data/nt_design.h):
   a store categorical's codes 0 (missing) .. nlev are its nlev + 1 levels. */
static nt_status exact_cells(nt_store *st, nt_panel *p, const nt_panel_spec *spec, nt_error *err)
{
    int k = spec->n_exact + (spec->calendar ? 1 : 0);
    size_t nn = (size_t)(p->n ? p->n : 1);
    int32_t **code = calloc((size_t)k, sizeof *code);
    int *nlev = calloc((size_t)k, sizeof *nlev);
    double *buf = malloc(nn * sizeof *buf);
    p->exact_cell = malloc(nn * sizeof *p->exact_cell);
    nt_status s = !code || !nlev || !buf || !p->exact_cell ? nt_fail(err, NT_ENOMEM, "out of memory") : NT_OK;
    if (!s && spec->calendar) {   /* the calendar cell, last (data/nt_calendar.h) */
        if (!(code[k - 1] = malloc(nn * sizeof **code))) s = nt_fail(err, NT_ENOMEM, "out of memory");
        else s = nt_calendar_codes(st, (nt_calendar)spec->calendar, p->n, code[k - 1], &nlev[k - 1], err);
    }
    for (int e = 0; e < spec->n_exact && !s; e++) {
        const char *name = spec->exact[e];
        if (nt_store_covariate_kind(st, name) != NT_COV_CATEGORICAL) {
            s = nt_fail(err, NT_EINPUT, "exact-matching variable \"%s\" is not a categorical covariate of the cohort store", name);
            break;
        }
        char **levels;
        if ((s = nt_store_read_levels(st, name, &levels, &nlev[e], err))) break;
        nt_store_levels_free(levels, nlev[e]);
        nlev[e]++;
        if ((s = nt_store_read_covariate(st, name, buf, err))) break;
        if (!(code[e] = malloc(nn * sizeof **code))) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        for (long i = 0; i < p->n; i++) code[e][i] = (int32_t)buf[i];
    }
    long ncells;
    if (!s) s = nt_design_cells((const int32_t *const *)code, nlev, k, p->n, p->exact_cell, &ncells, err);
    for (int e = 0; e < k && code; e++) free(code[e]);
    free(code);
    free(nlev);
    free(buf);
    return s;
}

/* Rows [first, first + cnt) of buf (cnt x m doubles) into an outcome. */
static void put_outcome(float *outcome, long first, long cnt, int m, const double *buf)
{
    float *dst = outcome + first * m;
    for (long t = 0; t < cnt * m; t++) dst[t] = (float)buf[t];
}

/* The panel series in row blocks: on_index_benefit and employed (for the
   risk set and the history), then the outcomes; each series is read once
   (employed as an outcome is copied from the block read for the history). */
static nt_status load_series(nt_store *st, nt_panel *p, const nt_panel_spec *spec, nt_error *err)
{
    long n = p->n;
    int m = p->months, nr = p->n_risk, emp_out = -1;
    for (int o = 0; o < spec->n_outcomes; o++)
        if (nt_series_find(spec->outcomes[o]) == NT_SERIES_EMPLOYED) emp_out = o;
    long block = nt_store_chunk_rows(st);
    if (block < 1) block = 1024;
    if (block > n) block = n > 0 ? n : 1;
    double *buf = malloc((size_t)block * (size_t)m * sizeof *buf);
    if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (long first = 0; first < n && !s; first += block) {
        long cnt = n - first < block ? n - first : block;
        if ((s = nt_store_read_rows(st, first, cnt, NT_SERIES_ON_INDEX_BENEFIT, buf, err))) break;
        for (long i = 0; i < cnt; i++)
            for (int k = 0; k < nr; k++) p->on_index[(first + i) * nr + k] = buf[i * m + k] == 1.0;
        if ((s = nt_store_read_rows(st, first, cnt, NT_SERIES_EMPLOYED, buf, err))) break;
        for (long i = 0; i < cnt; i++) {
            int c = 0;
            for (int k = 0; k < nr; k++) {
                p->emp_before[(first + i) * nr + k] = (uint8_t)(c > 255 ? 255 : c);
                c += buf[i * m + k] == 1.0;
            }
        }
        if (emp_out >= 0) put_outcome(p->outcome[emp_out], first, cnt, m, buf);
        for (int o = 0; o < spec->n_outcomes && !s; o++) {
            if (o == emp_out) continue;
            if ((s = nt_store_read_rows(st, first, cnt, (nt_series)nt_series_find(spec->outcomes[o]), buf, err))) break;
            put_outcome(p->outcome[o], first, cnt, m, buf);
        }
    }
    free(buf);
    return s;
}

nt_status nt_panel_load(nt_store *st, const nt_panel_spec *spec, nt_panel **out, nt_error *err)
{
    nt_status s = NT_OK;
    nt_panel *p = calloc(1, sizeof *p);
    if (!p) return nt_fail(err, NT_ENOMEM, "out of memory");
    long n = p->n = nt_store_persons(st);
    int m = p->months = nt_store_months(st);
    p->n_risk = spec->n_risk;
    double *buf = NULL;
    if (spec->n_risk > m) {
        s = nt_fail(err, NT_EINPUT, "the cohort store has %d months since inflow; this study needs %d "
                    "(rerun netto ingest with --horizon %d)", m, spec->n_risk, spec->n_risk);
        goto done;
    }
    for (int o = 0; o < spec->n_outcomes; o++)
        if (nt_series_find(spec->outcomes[o]) < 0) {
            s = nt_fail_at(err, NT_EINPUT, NULL, 0, spec->outcomes[o], "not a panel series (employed, earnings, "
                           "on_benefit, on_index_benefit, in_program)");
            goto done;
        }
    size_t nn = (size_t)(n ? n : 1);
    buf = malloc(nn * sizeof *buf);
    p->treat_month = malloc(nn * sizeof *p->treat_month);
    p->treat_type = malloc(nn * sizeof *p->treat_type);
    p->treat_cost = malloc(nn * sizeof *p->treat_cost);
    p->n_observed = malloc(nn * sizeof *p->n_observed);
    p->admin_observed = malloc(nn * sizeof *p->admin_observed);
    p->on_index = malloc(nn * (size_t)(spec->n_risk ? spec->n_risk : 1));
    p->emp_before = malloc(nn * (size_t)(spec->n_risk ? spec->n_risk : 1));
    p->included = malloc(nn);
    p->missing_by_covariate = calloc((size_t)spec->n_covariates + 1, sizeof *p->missing_by_covariate);
    p->outcome = calloc((size_t)spec->n_outcomes + 1, sizeof *p->outcome);
    p->outcome_name = calloc((size_t)spec->n_outcomes + 1, sizeof *p->outcome_name);
    if (!buf || !p->treat_month || !p->treat_type || !p->treat_cost || !p->n_observed || !p->admin_observed ||
        !p->on_index || !p->emp_before || !p->included || !p->missing_by_covariate || !p->outcome || !p->outcome_name) {
        s = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    p->n_outcomes = spec->n_outcomes;
    for (int o = 0; o < spec->n_outcomes; o++) {
        p->outcome_name[o] = strdup(spec->outcomes[o]);
        p->outcome[o] = nt_mem_big(nn * (size_t)m * sizeof **p->outcome);
        if (!p->outcome_name[o] || !p->outcome[o]) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    }
    memset(p->included, 1, nn);
    if ((s = read_int_cov(st, "treat_month", buf, p->treat_month, n, err))) goto done;
    if ((s = nt_store_read_covariate(st, "treat_type", buf, err))) goto done;
    for (long i = 0; i < n; i++) p->treat_type[i] = (int32_t)buf[i];
    if ((s = nt_store_read_covariate(st, "treat_cost", p->treat_cost, err))) goto done;
    if ((s = read_int_cov(st, "n_observed", buf, p->n_observed, n, err))) goto done;
    /* Months observable by the data end alone: month k's last day <= data end. */
    if ((s = nt_store_read_covariate(st, "index_start", buf, err))) goto done;
    nt_day end = nt_store_data_end(st);
    int end_month = nt_month_of_day(end), end_full = end == nt_month_last_day(end_month);
    for (long i = 0; i < n; i++) {
        int a = end_month - nt_month_of_day((nt_day)buf[i]) + end_full;
        p->admin_observed[i] = a < 0 ? 0 : a > m ? m : a;
    }
    p->n_covariates = spec->n_covariates;
    for (int k = 0; k < spec->n_covariates; k++)
        if ((s = add_covariate(st, p, k, spec->covariates[k], buf, err))) goto done;
    if ((spec->n_exact > 0 || spec->calendar) && (s = exact_cells(st, p, spec, err))) goto done;
    s = load_series(st, p, spec, err);
done:
    free(buf);
    if (s) { nt_panel_free(p); return s; }
    *out = p;
    return NT_OK;
}
