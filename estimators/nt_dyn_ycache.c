/* The month cache of step 3 in pair and weighting modes (nt_dyn_internal.h,
   nt_dyn_ycache; not with ATT_never or IPCW weights): per start month, the
   outcomes of its treated and (matched or weighted) controls for a block of
   months since start, transposed to
   [outcome][month][unit]. Filled by reading each unit's panel row (months
   contiguous) once per block; the per-month loops of nt_dyn_paths.c,
   nt_dyn_lin.c and nt_dyn_facts.c then read contiguous memory instead of
   one cache line per unit, outcome and month, which at 1M persons made
   step 3 memory bound (docs/performance.md). Values are copied as they
   are, so every result is the same. */
#include <stdlib.h>

#include "estimators/nt_dyn_internal.h"

int nt_dyn_ycache_open(nt_dyn_ycache *c, const nt_dyn_panel *p, const long *unit_person, const nt_dyn_kmatch *m,
                       int k, int nb)
{
    c->k = p->time_fixed ? 0 : k;   /* month offset: t = k + tau, or tau for time-fixed outcomes */
    c->tau0 = -1;
    c->nb = 0;
    c->cap = nb;
    c->n_outcomes = p->n_outcomes;
    c->nu = m->n_t + m->n_c;
    size_t nu = (size_t)c->nu + 1;
    c->person = malloc(nu * sizeof *c->person);
    c->lim = malloc(nu * sizeof *c->lim);
    c->y = malloc(nu * (size_t)(p->n_outcomes ? p->n_outcomes : 1) * (size_t)nb * sizeof *c->y);
    if (!c->person || !c->lim || !c->y) {
        nt_dyn_ycache_close(c);
        return -1;
    }
    for (long u = 0; u < c->nu; u++) {
        long person = unit_person[u < m->n_t ? m->t_unit[u] : m->c_unit[u - m->n_t]];
        int32_t n_obs = p->n_observed[person];
        c->person[u] = person;
        c->lim[u] = p->time_fixed || n_obs > p->months ? p->months : n_obs;   /* as nt_dyn_observed */
    }
    return 0;
}

void nt_dyn_ycache_fill(nt_dyn_ycache *c, const nt_dyn_panel *p, int tau0, int H)
{
    int nb = H - tau0 < c->cap ? H - tau0 : c->cap;
    c->tau0 = tau0;
    c->nb = nb;
    int t0 = c->k + tau0;
    size_t nu = (size_t)c->nu;
    for (int o = 0; o < c->n_outcomes; o++) {
        float *dst = c->y + (size_t)o * (size_t)nb * nu;
        const float *src = p->outcome[o];
        for (size_t u = 0; u < nu; u++) {
            const float *row = src + (size_t)c->person[u] * (size_t)p->months;
            for (int b = 0; b < nb; b++) {
                int t = t0 + b;
                /* Months past the panel are never observed, never read. */
                dst[(size_t)b * nu + u] = t < p->months ? row[t] : 0.0f;
            }
        }
    }
}

void nt_dyn_ycache_close(nt_dyn_ycache *c)
{
    free(c->person);
    free(c->lim);
    free(c->y);
    c->person = NULL;
    c->lim = NULL;
    c->y = NULL;
}
