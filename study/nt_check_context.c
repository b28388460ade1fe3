/* `netto check` and `netto ingest --check` for the context table
   (study/nt_check.h): the file read to its end, then checked against the
   cohort (a store's, or the one the study's spell files make), every
   problem listed with file, line and column. */
#include "study/nt_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/nt_context.h"
#include "data/nt_store.h"
#include "study/nt_study.h"

#define OUT(...) nt_notes_add(notes, NT_NOTES_OUT, __VA_ARGS__)
#define MAX_SHOW 50

static void list(nt_context_problems *pr, const char *what, nt_notes *notes)
{
    for (int i = 1; i < pr->n; i++)   /* by line (duplicates are found after the whole file is read) */
        for (int j = i; j > 0 && pr->e[j].line < pr->e[j - 1].line && !strcmp(pr->e[j].file, pr->e[j - 1].file); j--) {
            nt_error t = pr->e[j];
            pr->e[j] = pr->e[j - 1];
            pr->e[j - 1] = t;
        }
    if (!pr->total) {
        OUT("context table %s: fine\n", what);
        return;
    }
    OUT("context table %s: %ld problem%s%s:\n", what, pr->total, pr->total == 1 ? "" : "s",
        pr->total > pr->n ? " (the first 50)" : "");
    for (int i = 0; i < pr->n; i++) {
        char line[1024];
        nt_error_format(&pr->e[i], line, sizeof line);
        OUT("  %s\n", line);
    }
}

nt_status nt_check_context(const char *path, const nt_cells_opts *co, nt_notes *notes, long *n_problems, nt_error *err)
{
    nt_error e[MAX_SHOW];
    nt_context_problems pr = {e, MAX_SHOW, 0, 0};
    nt_context *c = NULL;
    nt_error fe;
    nt_error_clear(&fe);
    nt_status s = nt_context_read(path, co, &c, &pr, &fe);
    if (s == NT_ENOMEM) { *err = fe; return s; }
    if (s && !pr.total) nt_context_problem(&pr, fe.file, fe.line, fe.column, "%s", fe.msg);
    list(&pr, path, notes);
    nt_context_free(c);
    *n_problems = pr.total;
    return NT_OK;
}

/* The variables [estimator] context uses, as a mask over the table's
   (an unknown name is a problem of the study file). */
static unsigned char *needed(const nt_study *st, const nt_context *c, const char *path, nt_context_problems *pr)
{
    unsigned char *m = calloc((size_t)c->n_vars + 1, 1);
    for (int v = 0; v < st->n_context && m; v++) {
        int j = nt_context_var(c, st->context[v]);
        if (j >= 0) m[j] = 1;
        else
            nt_context_problem(pr, st->path, nt_study_line(st, "estimator", "context"), NULL,
                               "\"%s\" is not a column of the context table %s", st->context[v], path);
    }
    return m;
}

nt_status nt_check_study_context(const nt_study *st, nt_store *store, nt_notes *notes, long *n_problems, nt_error *err)
{
    *n_problems = 0;
    nt_error e[MAX_SHOW];
    nt_context_problems pr = {e, MAX_SHOW, 0, 0};
    nt_context *c = NULL;
    const char *path = st->context_file, *source = NULL;
    nt_status s = NT_OK;
    if (path) {
        nt_cells_opts co = {st->cp1252, st->decimal};
        nt_error fe;
        nt_error_clear(&fe);
        s = nt_context_read(path, &co, &c, &pr, &fe);
        if (s == NT_ENOMEM) { *err = fe; return s; }
        if (s && !pr.total) nt_context_problem(&pr, fe.file, fe.line, fe.column, "%s", fe.msg);
        s = NT_OK;
    } else if (store) {
        s = nt_store_read_context(store, &c, &source, err);
        if (s) return s;
        path = source && source[0] ? source : "(kept in the store)";
    }
    if (!c && !pr.total) {
        if (st->n_context)
            nt_context_problem(&pr, st->path, nt_study_line(st, "estimator", "context"), NULL,
                               "[estimator] context names context-table variables; name the table with [data] context "
                               "= FILE or ingest it with netto ingest --context");
        else return NT_OK;
    }
    unsigned char *var = c ? needed(st, c, path, &pr) : NULL;
    if (c && !var) s = nt_fail(err, NT_ENOMEM, "out of memory");
    const int n_risk = st->start_last + 1;
    if (!s && c && store) s = nt_context_check_store(c, path, store, st->n_context ? var : NULL, n_risk, &pr, err);
    if (!s && c && !store) {
        nt_spells_opts so = {.path = {st->persons_path, st->benefits_path, st->programs_path, st->jobs_path},
                             .person_key = st->person_key, .cp1252 = st->cp1252, .decimal = st->decimal,
                             .lenient = st->lenient, .ignore_unknown_persons = st->ignore_unknown_persons,
                             .data_end = st->data_end};
        nt_cohort_def def = {.n_schemes = st->n_schemes, .schemes = (const char *const *)st->schemes,
                             .inflow_from = st->inflow_from, .inflow_to = st->inflow_to,
                             .horizon = st->start_last + st->horizon};
        nt_spells *sp = NULL;
        nt_cohort *co = NULL;
        nt_spells_report rep;
        nt_error se;
        /* spell files that do not read were listed above: the table is then checked alone */
        if (!nt_spells_read(&so, &sp, &rep, &se) && !nt_cohort_build(sp, &def, &co, &se))
            s = nt_context_check_ingest(c, path, sp, co, st->n_context ? var : NULL, n_risk, &pr, err);
        else OUT("(the context table is checked against the cohort once the spell files read)\n");
        nt_cohort_free(co);
        nt_spells_free(sp);
    }
    free(var);
    nt_context_free(c);
    if (s) return s;
    list(&pr, path, notes);
    *n_problems = pr.total;
    return NT_OK;
}
