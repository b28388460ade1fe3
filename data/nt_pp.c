/* Person-period rows from the cohort store (see nt_pp.h). */
#include "data/nt_pp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void nt_pp_free(nt_pp *pp)
{
    if (!pp) return;
    free(pp->person); free(pp->period); free(pp->y); free(pp->treat); free(pp->x);
    free(pp);
}

static int pp_reserve(nt_pp *pp, long need)
{
    if (need <= pp->cap) return 0;
    long cap = pp->cap ? pp->cap : 1024;
    while (cap < need) cap *= 2;
    long *person = realloc(pp->person, (size_t)cap * sizeof *person);
    if (!person) return -1;
    pp->person = person;
    double *a = realloc(pp->period, (size_t)cap * sizeof *a);
    if (!a) return -1;
    pp->period = a;
    if (!(a = realloc(pp->y, (size_t)cap * sizeof *a))) return -1;
    pp->y = a;
    if (!(a = realloc(pp->treat, (size_t)cap * sizeof *a))) return -1;
    pp->treat = a;
    if (pp->nx) {   /* column-major with stride cap: move columns to the new stride */
        double *x = malloc((size_t)cap * (size_t)pp->nx * sizeof *x);
        if (!x) return -1;
        for (int j = 0; j < pp->nx; j++)
            if (pp->n) memcpy(x + (size_t)j * (size_t)cap, pp->x + (size_t)j * (size_t)pp->cap, (size_t)pp->n * sizeof *x);
        free(pp->x);
        pp->x = x;
    }
    pp->cap = cap;
    return 0;
}

nt_status nt_pp_expand_store(nt_store *st, const nt_pp_opts *o, nt_pp_sink sink, void *ctx, nt_error *err)
{
    long np = nt_store_persons(st);
    int H = nt_store_months(st);
    int nx = o->n_covariates;
    nt_status s = NT_OK;
    size_t sz = (size_t)(np ? np : 1) * sizeof(double);
    double *em = malloc(sz), *ed = malloc(sz), *tm = malloc(sz), *nobs = malloc(sz);
    double **cv = calloc((size_t)(nx ? nx : 1), sizeof *cv);
    nt_pp chunk = {.nx = nx};
    if (!em || !ed || !tm || !nobs || !cv) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    if ((s = nt_store_read_covariate(st, "exit_month", em, err))) goto done;
    if ((s = nt_store_read_covariate(st, "exit_dest", ed, err))) goto done;
    if ((s = nt_store_read_covariate(st, "treat_month", tm, err))) goto done;
    if ((s = nt_store_read_covariate(st, "n_observed", nobs, err))) goto done;
    /* exit_dest is categorical in the store: find the codes of "censored" and "work" */
    double code_censored = NT_EXIT_CENSORED, code_work = NT_EXIT_WORK;
    if (nt_store_covariate_kind(st, "exit_dest") == NT_COV_CATEGORICAL) {
        char **lv = NULL;
        int nl = 0;
        if ((s = nt_store_read_levels(st, "exit_dest", &lv, &nl, err))) goto done;
        code_censored = code_work = -1;
        for (int k = 0; k < nl; k++) {
            if (nt_exit_find(lv[k]) == NT_EXIT_CENSORED) code_censored = k + 1;
            if (nt_exit_find(lv[k]) == NT_EXIT_WORK) code_work = k + 1;
        }
        nt_store_levels_free(lv, nl);
    }
    for (int j = 0; j < nx; j++) {
        if (nt_store_covariate_kind(st, o->covariates[j]) != NT_COV_NUMERIC) {
            s = nt_fail_at(err, NT_EINPUT, "", 0, o->covariates[j], "expected a numeric covariate of the store");
            goto done;
        }
        if (!(cv[j] = malloc(sz))) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        if ((s = nt_store_read_covariate(st, o->covariates[j], cv[j], err))) goto done;
    }
    long block = o->block > 0 ? o->block : nt_store_chunk_rows(st);
    if (block <= 0) block = 4096;
    for (long first = 0; first < np; first += block) {
        long last = first + block < np ? first + block : np;
        chunk.n = 0;
        for (long i = first; i < last; i++) {
            if (isnan(em[i])) continue;
            long end = (long)em[i];
            if (!isnan(nobs[i]) && end > (long)nobs[i] - 1) end = (long)nobs[i] - 1;
            if (end > H - 1) end = H - 1;
            if (end < 0) continue;
            int censored = ed[i] == code_censored || end < (long)em[i];
            int event = !censored && (!o->exit_work_only || ed[i] == code_work);
            if (pp_reserve(&chunk, chunk.n + end + 1)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
            for (long k = 0; k <= end; k++) {
                long r = chunk.n++;
                chunk.person[r] = i;
                chunk.period[r] = (double)k;
                chunk.y[r] = event && k == end;
                chunk.treat[r] = !isnan(tm[i]) && tm[i] >= 0 && (double)k >= tm[i];
                for (int j = 0; j < nx; j++) chunk.x[(size_t)j * (size_t)chunk.cap + r] = cv[j][i];
            }
        }
        if (chunk.n && (s = sink(&chunk, ctx, err))) goto done;
    }
done:
    free(em); free(ed); free(tm); free(nobs);
    if (cv) for (int j = 0; j < nx; j++) free(cv[j]);
    free(cv);
    free(chunk.person); free(chunk.period); free(chunk.y); free(chunk.treat); free(chunk.x);
    return s;
}

static nt_status append_sink(const nt_pp *c, void *ctx, nt_error *err)
{
    nt_pp *all = ctx;
    if (pp_reserve(all, all->n + c->n)) return nt_fail(err, NT_ENOMEM, "out of memory collecting person-period rows");
    memcpy(all->person + all->n, c->person, (size_t)c->n * sizeof *c->person);
    memcpy(all->period + all->n, c->period, (size_t)c->n * sizeof *c->period);
    memcpy(all->y + all->n, c->y, (size_t)c->n * sizeof *c->y);
    memcpy(all->treat + all->n, c->treat, (size_t)c->n * sizeof *c->treat);
    for (int j = 0; j < c->nx; j++)
        memcpy(all->x + (size_t)j * (size_t)all->cap + all->n, c->x + (size_t)j * (size_t)c->cap, (size_t)c->n * sizeof *c->x);
    all->n += c->n;
    return NT_OK;
}

nt_status nt_pp_read_store(nt_store *st, const nt_pp_opts *o, nt_pp **out, nt_error *err)
{
    nt_pp *all = calloc(1, sizeof *all);
    if (!all) return nt_fail(err, NT_ENOMEM, "out of memory");
    all->nx = o->n_covariates;
    nt_status s = nt_pp_expand_store(st, o, append_sink, all, err);
    if (s) { nt_pp_free(all); return s; }
    if (all->nx && all->cap != all->n) {   /* compact the columns to stride n */
        for (int j = 1; j < all->nx; j++)
            memmove(all->x + (size_t)j * (size_t)all->n, all->x + (size_t)j * (size_t)all->cap, (size_t)all->n * sizeof *all->x);
        all->cap = all->n;
    }
    *out = all;
    return NT_OK;
}
