/* The credibility state of a run (study/nt_run_cred.h): allocated on first
   use by a check, freed with the run. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_sens.h"
#include "study/nt_run_cred.h"
#include "study/nt_run_parts.h"

nt_cred_state *nt_run_cred(nt_run_state *P, nt_error *err)
{
    if (P->cred) return P->cred;
    nt_cred_state *C = calloc(1, sizeof *C);
    if (C) C->placebo = calloc((size_t)(P->n_prog ? P->n_prog : 1), sizeof *C->placebo);
    if (C) C->sens_gamma = malloc((size_t)(P->n_prog ? P->n_prog : 1) * NT_CRED_MAX_H * sizeof *C->sens_gamma);
    if (!C || !C->placebo || !C->sens_gamma) {
        if (C) { free(C->placebo); free(C->sens_gamma); }
        free(C);
        nt_fail(err, NT_ENOMEM, "out of memory");
        return NULL;
    }
    C->n_prog = P->n_prog;
    for (int i = 0; i < P->n_prog * NT_CRED_MAX_H; i++) C->sens_gamma[i] = NAN;
    P->cred = C;
    return C;
}

nt_status nt_cred_placebo_alloc(nt_cred_placebo *c, int months, nt_error *err)
{
    size_t n = (size_t)NT_CRED_PRE_SERIES * (size_t)(months > 0 ? months : 1);
    c->months = months;
    c->estimate = malloc(n * sizeof *c->estimate);
    c->lower = malloc(n * sizeof *c->lower);
    c->upper = malloc(n * sizeof *c->upper);
    c->shown = calloc(n, 1);
    for (int s = 0; s < NT_CRED_PRE_SERIES; s++) c->p_value[s] = NAN;
    if (!c->estimate || !c->lower || !c->upper || !c->shown) return nt_fail(err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

nt_cred_imn *nt_cred_imn_add(nt_cred_state *C, int pi)
{
    if (!C->imn) {
        C->imn = calloc((size_t)(C->n_prog ? C->n_prog : 1), sizeof *C->imn);
        C->n_imn = calloc((size_t)(C->n_prog ? C->n_prog : 1), sizeof *C->n_imn);
        C->cap_imn = calloc((size_t)(C->n_prog ? C->n_prog : 1), sizeof *C->cap_imn);
        if (!C->imn || !C->n_imn || !C->cap_imn) return NULL;
    }
    if (C->n_imn[pi] == C->cap_imn[pi]) {
        int cap = C->cap_imn[pi] ? 2 * C->cap_imn[pi] : 16;
        nt_cred_imn *a = realloc(C->imn[pi], (size_t)cap * sizeof *a);
        if (!a) return NULL;
        C->imn[pi] = a;
        C->cap_imn[pi] = cap;
    }
    nt_cred_imn *e = &C->imn[pi][C->n_imn[pi]++];
    memset(e, 0, sizeof *e);
    return e;
}

void nt_run_cred_free(nt_run_state *P)
{
    nt_cred_state *C = P->cred;
    if (!C) return;
    for (int i = 0; i < C->n_prog; i++) {
        free(C->placebo[i].estimate);
        free(C->placebo[i].lower);
        free(C->placebo[i].upper);
        free(C->placebo[i].shown);
    }
    free(C->placebo);
    if (C->pairs)
        for (int i = 0; i < C->n_pairs; i++) nt_dyn_pairs_free(&C->pairs[i]);
    if (C->imn)
        for (int i = 0; i < C->n_prog; i++) free(C->imn[i]);
    free(C->imn);
    free(C->n_imn);
    free(C->cap_imn);
    free(C->pairs);
    free(C->sens_gamma);
    free(C->figs);
    free(C->fig_buf);
    free(C);
    P->cred = NULL;
}
