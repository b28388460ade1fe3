/* netto run: the context table's variables as covariates measured at k
   ([data] context, [estimator] context; data/nt_context.h, docs/dynamic.md
   "Context at k"): the study's [data] context file, else the table the
   store keeps (netto ingest --context). They extend the estimator's view (nt_dyn_panel.tv). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/nt_context.h"
#include "study/nt_run_parts.h"

nt_status nt_run_context_table(const nt_run_state *P, nt_context **c, const char **path, nt_error *err)
{
    const nt_study *st = P->st;
    *c = NULL;
    if (st->context_file) {   /* the study's own file wins over the table kept in the store */
        *path = st->context_file;
        nt_cells_opts co = {st->cp1252, st->decimal};
        return nt_context_read(st->context_file, &co, c, NULL, err);
    }
    const char *source = NULL;
    nt_status s = nt_store_read_context(P->store, c, &source, err);
    *path = source && source[0] ? source : "the store's context table";
    return s;
}

nt_status nt_run_context_load(nt_run_state *P, nt_error *err)
{
    const nt_study *st = P->st;
    if (!st->n_context) return NT_OK;
    long line = nt_study_line(st, "estimator", "context");
    nt_context *c = NULL;
    const char *path = NULL;
    nt_status s = nt_run_context_table(P, &c, &path, err);
    if (!s && !c)
        return nt_fail_at(err, NT_EINPUT, st->path, line, NULL,
                          "[estimator] context names context-table variables; name the table with [data] context "
                          "= FILE or ingest it with netto ingest --context");
    if (s) return s;
    long n = P->panel->n;
    int nr = P->panel->n_risk;
    P->ctx_tv = calloc((size_t)st->n_context, sizeof *P->ctx_tv);
    if (!P->ctx_tv) s = nt_fail(err, NT_ENOMEM, "out of memory");
    for (int v = 0; v < st->n_context && !s; v++) {
        int j = nt_context_var(c, st->context[v]);
        if (j < 0) {
            s = nt_fail_at(err, NT_EINPUT, st->path, line, NULL, "\"%s\" is not a column of the context table %s",
                           st->context[v], path);
            break;
        }
        if (!(P->ctx_tv[v] = malloc((size_t)(n ? n : 1) * (size_t)(nr ? nr : 1) * sizeof **P->ctx_tv))) {
            s = nt_fail(err, NT_ENOMEM, "out of memory");
            break;
        }
        P->n_ctx_tv = v + 1;
        s = nt_context_at_k(c, path, j, P->store, nr, P->panel->included, P->ctx_tv[v], err);
    }
    nt_context_free(c);
    if (s) return s;
    P->view.n_tv = st->n_context;
    P->view.tv_term = (const char *const *)st->context;
    P->view.tv = (const double *const *)P->ctx_tv;
    return NT_OK;
}

void nt_run_context_free(nt_run_state *P)
{
    for (int v = 0; v < P->n_ctx_tv; v++) free(P->ctx_tv[v]);
    free(P->ctx_tv);
    P->ctx_tv = NULL;
    P->n_ctx_tv = 0;
}
