/* Step 1 of the dynamic estimator (nt_dyn_internal.h): the (unit, k) rows
   of a start interval and the design of its logit.

   Rows: unit u is at risk in start month k when on the index benefit in k,
   observed in k and no programme started in months 0..k-1; it is treated
   (d = 1) when its programme of type P starts in k, a control (d = 0) when
   none starts in k (it may start later), neither when another type starts.

   Design, n rows x q columns (column-major): 1, the covariates x_j of the
   unit's person, 1[k = m] for m = first+1..last and, with history, months
   employed since inflow before k. Then constant columns are dropped, and a
   0/1 column whose 1-rows are all treated or all control is dropped with
   those rows, until nothing changes. */
#include "estimators/nt_dyn_internal.h"
#include "core/nt_mem.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nt_dyn_rows_push(nt_dyn_rows *r, long unit, int k, uint8_t d)
{
    if (r->n == r->cap) {
        long cap = r->cap ? 2 * r->cap : 4096;
        long *u = realloc(r->unit, (size_t)cap * sizeof *u);
        if (u) r->unit = u;
        int *kk = realloc(r->k, (size_t)cap * sizeof *kk);
        if (kk) r->k = kk;
        uint8_t *dd = realloc(r->d, (size_t)cap);
        if (dd) r->d = dd;
        if (!u || !kk || !dd) return -1;
        r->cap = cap;
    }
    r->unit[r->n] = unit;
    r->k[r->n] = k;
    r->d[r->n] = d;
    r->n++;
    return 0;
}

void nt_dyn_rows_free(nt_dyn_rows *r)
{
    free(r->unit);
    free(r->k);
    free(r->d);
    memset(r, 0, sizeof *r);
}

int nt_dyn_role(const nt_dyn_panel *p, long person, int k, int program)
{
    if (!p->included[person] || k >= p->n_risk || p->n_observed[person] <= k) return -1;
    if (!p->on_index[person * p->n_risk + k]) return -1;
    int tm = p->treat_month[person];
    if (tm >= 0 && tm < k) return -1;
    if (tm != k) return 0;
    return program == 0 || p->treat_type[person] == program ? 1 : -1;
}

void nt_dyn_design_free(nt_dyn_design *d)
{
    free(d->z);
    for (int j = 0; j < d->q && d->term; j++) free(d->term[j]);
    free(d->term);
    free(d->bal_col);
    free(d->orig);
}


/* The model matrix of the rows: intercept, the person covariates, dummies
   for start months first+1..last, with history months employed since
   inflow before k, then the time-varying covariates at k. */
static nt_status design_fill(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_rows *rows,
                             int first, int last, int history, nt_dyn_design *d, nt_error *err)
{
    long n = rows->n;
    int nk = last - first;   /* month dummies for first+1..last */
    int qmax = 1 + p->p + nk + (history ? 1 : 0) + p->n_tv;
    d->n = n;
    d->z = nt_mem_big((size_t)n * (size_t)qmax * sizeof *d->z);
    d->term = calloc((size_t)qmax, sizeof *d->term);
    d->bal_col = calloc((size_t)qmax, sizeof *d->bal_col);
    d->orig = calloc((size_t)qmax, sizeof *d->orig);
    if (!d->z || !d->term || !d->bal_col || !d->orig) return nt_fail(err, NT_ENOMEM, "out of memory");
    int q = 0;
    char name[600];
    for (int j = 0; j < qmax; j++) {
        double *col = d->z + (size_t)q * (size_t)n;
        int bal = 0;
        if (j == 0) {
            snprintf(name, sizeof name, "(Intercept)");
            for (long i = 0; i < n; i++) col[i] = 1.0;
        } else if (j <= p->p) {
            snprintf(name, sizeof name, "%s", p->term[j - 1]);
            const double *x = p->x + (size_t)(j - 1) * (size_t)p->n;
            for (long i = 0; i < n; i++) col[i] = x[unit_person[rows->unit[i]]];
            bal = 1;
        } else if (j <= p->p + nk) {
            int k = first + (j - p->p);
            snprintf(name, sizeof name, "start_month=%d", k);
            for (long i = 0; i < n; i++) col[i] = rows->k[i] == k;
        } else if (history && j == p->p + nk + 1) {
            snprintf(name, sizeof name, "emp_since_inflow");
            for (long i = 0; i < n; i++) col[i] = p->emp_before[unit_person[rows->unit[i]] * p->n_risk + rows->k[i]];
            bal = 1;
        } else {   /* a context variable at k (not in the pooled balance table) */
            int v = j - (p->p + nk + 1 + (history ? 1 : 0));
            snprintf(name, sizeof name, "%s", p->tv_term[v]);
            for (long i = 0; i < n; i++) col[i] = p->tv[v][unit_person[rows->unit[i]] * p->n_risk + rows->k[i]];
        }
        d->term[q] = strdup(name);
        if (!d->term[q]) return nt_fail(err, NT_ENOMEM, "out of memory");
        d->bal_col[q] = bal;
        d->orig[q] = j;
        q++;
    }
    d->q = q;
    return NT_OK;
}

/* Drops what cannot be fitted: constant columns, and indicator columns
   whose 1-rows are all treated or all control (those rows are dropped too:
   no counterpart exists). Repeats until nothing changes. keep[] marks the
   surviving rows. */
static nt_status design_drop(const nt_dyn_rows *rows, uint8_t *keep, nt_dyn_design *d, long *dropped,
                             nt_error *err)
{
    long n = d->n;
    for (long i = 0; i < n; i++) keep[i] = 1;
    /* The usual case first, in one read of the design: if no indicator
       column would take rows with it, the sweep below would only drop the
       constant columns, so drop those and skip it. */
    int needs_sweep = 0;
    uint8_t *constant_col = calloc((size_t)d->q, 1);
    if (!constant_col) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int j = 1; j < d->q && !needs_sweep; j++) {
        const double *col = d->z + (size_t)j * (size_t)n;
        int constant = 1, indicator = 1;
        long ones_t = 0, ones_c = 0;
        double v0 = n > 0 ? col[0] : 0;
        for (long i = 0; i < n; i++) {
            double v = col[i];
            constant &= v == v0;
            indicator &= v == 0.0 || v == 1.0;
            if (v == 1.0) { if (rows->d[i]) ones_t++; else ones_c++; }
        }
        constant_col[j] = (uint8_t)constant;
        if (!constant && indicator && (ones_t == 0 || ones_c == 0)) needs_sweep = 1;
    }
    /* Sweep the columns left to right; a sweep that dropped rows may have
       made earlier columns constant, so only then sweep again (dropping a
       constant column changes no other column). Dropped columns are marked
       and compacted once at the end. "0/1" is judged over all the rows. */
    uint8_t *gone = calloc((size_t)d->q, 1);
    if (!gone) { free(constant_col); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    if (!needs_sweep)
        for (int j = 1; j < d->q; j++) gone[j] = constant_col[j];
    free(constant_col);
    int rows_dropped = needs_sweep;
    while (rows_dropped) {
        rows_dropped = 0;
        for (int j = 1; j < d->q; j++) {
            if (gone[j]) continue;
            const double *col = d->z + (size_t)j * (size_t)n;
            double v0 = NAN;
            int constant = 1, indicator = 1;
            long ones_t = 0, ones_c = 0;
            for (long i = 0; i < n; i++) {
                double v = col[i];
                indicator &= v == 0.0 || v == 1.0;
                if (!keep[i]) continue;
                if (v0 != v0) v0 = v;
                else constant &= v == v0;
                if (v == 1.0) { if (rows->d[i]) ones_t++; else ones_c++; }
            }
            int drop_rows = !constant && indicator && (ones_t == 0 || ones_c == 0);
            if (!constant && !drop_rows) continue;
            if (drop_rows) {
                for (long i = 0; i < n; i++)
                    if (keep[i] && col[i] == 1.0) { keep[i] = 0; (*dropped)++; }
                rows_dropped = 1;
            }
            gone[j] = 1;
        }
    }
    int kept = 1;
    for (int j = 1; j < d->q; j++) {
        if (gone[j]) { free(d->term[j]); continue; }
        if (kept != j) {
            memcpy(d->z + (size_t)kept * (size_t)n, d->z + (size_t)j * (size_t)n, (size_t)n * sizeof *d->z);
            d->term[kept] = d->term[j];
            d->bal_col[kept] = d->bal_col[j];
            d->orig[kept] = d->orig[j];
        }
        kept++;
    }
    d->q = kept;
    free(gone);
    return NT_OK;
}

nt_status nt_dyn_design_build(const nt_dyn_panel *p, const long *unit_person, const nt_dyn_rows *rows,
                              int first, int last, int history, uint8_t *keep, nt_dyn_design *d,
                              long *dropped, nt_error *err)
{
    nt_status s = design_fill(p, unit_person, rows, first, last, history, d, err);
    return s ? s : design_drop(rows, keep, d, dropped, err);
}
