/* The rules between study keys (the key table's check column,
   nt_study_keys.h), run after the whole file is read: [data]'s files or
   store, [cost] against the programmes, and the warnings for valid but
   questionable settings. */
#include "study/nt_study_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static nt_status nomem(nt_error *err) { return nt_fail(err, NT_ENOMEM, "out of memory reading the study file"); }

static nt_status missing(const nt_study *s, const char *section, const char *what, nt_error *err)
{
    return nt_fail_at(err, NT_EINPUT, s->path, nt_study_line(s, section, NULL), NULL, "%s", what);
}

/* [data]: the four spell files or a store, never both, never neither; with a
   store no ingest setting and no [cohort]. */
nt_status nt_study_check_data(nt_study *s, nt_error *err)
{
    int n_spell = !!s->persons_path + !!s->benefits_path + !!s->programs_path + !!s->jobs_path;
    if (!s->store_path) {
        if (n_spell == 0)
            return missing(s, "data", "[data] needs the four spell files (persons, benefits, "
                                      "programs, jobs) or a store", err);
        if (n_spell == 4) return NT_OK;
        char msg[256];
        snprintf(msg, sizeof msg, "[data] is missing%s%s%s%s (all four spell files are needed)",
                 s->persons_path ? "" : " persons", s->benefits_path ? "" : " benefits",
                 s->programs_path ? "" : " programs", s->jobs_path ? "" : " jobs");
        return missing(s, "data", msg, err);
    }
    if (n_spell) {
        static const char *const files[] = {"persons", "benefits", "programs", "jobs"};
        long first = 0, line = nt_study_line(s, "data", "store");
        for (int i = 0; i < 4; i++) {
            long l = nt_study_line(s, "data", files[i]);
            if (l && (!first || l < first)) first = l;
        }
        if (first > line) line = first; /* where the conflict shows: the later of the two */
        return nt_fail_at(err, NT_EINPUT, s->path, line, NULL,
                          "[data] gives both a store and spell files; give either the four "
                          "spell files or a store written by `netto ingest`");
    }
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        long l = k->flags & NT_KEY_INGEST ? nt_study_line(s, k->section, k->name) : 0;
        if (l)
            return nt_fail_at(err, NT_EINPUT, s->path, l, NULL,
                              "[%s] %s applies to spell files; a store keeps the settings "
                              "it was ingested with (give them to `netto ingest`)",
                              k->section, k->name);
    }
    long cl = nt_study_line(s, "cohort", NULL);
    if (cl)
        return nt_fail_at(err, NT_EINPUT, s->path, cl, NULL,
                          "[cohort] is not allowed with a store: the store already holds "
                          "its cohort (set by `netto ingest --scheme --inflow`)");
    return NT_OK;
}

/* A cost for a programme that is not evaluated is almost surely a typo,
   unless `any` is evaluated (then every type in the data may need one; the
   run checks those names against the data). */
nt_status nt_study_check_costs(nt_study *s, nt_error *err)
{
    for (int i = 0; i < s->n_programs; i++)
        if (!strcmp(s->programs[i], "any")) return NT_OK;
    for (int i = 0; i < s->n_costs; i++) {
        int found = 0;
        for (int j = 0; j < s->n_programs; j++) found |= !strcmp(s->programs[j], s->costs[i].program);
        if (!found)
            return nt_fail_at(err, NT_EINPUT, s->path, s->costs[i].line, NULL,
                              "[cost] %s: not one of the programmes in [treatment] programs",
                              s->costs[i].program);
    }
    return NT_OK;
}

/* A valid but questionable setting: a warning for the manifest (the caller
   prints it). */
static nt_status warn(nt_study *s, const char *msg, nt_error *err)
{
    char **w = realloc(s->warnings, (size_t)(s->n_warnings + 1) * sizeof *w);
    if (!w) return nomem(err);
    s->warnings = w;
    if (!(w[s->n_warnings] = strdup(msg))) return nomem(err);
    s->n_warnings++;
    return NT_OK;
}

/* censoring_model chooses the censoring hazard: without IPCW there is none. */
nt_status nt_study_check_cmodel(nt_study *s, nt_error *err)
{
    if (s->censoring_model == 0 || s->censoring == 1) return NT_OK;
    return warn(s, "[estimator] censoring_model chooses the censoring hazard of censoring = ipcw; "
                   "without it it has no effect", err);
}

/* ipcw_truncate caps the censoring weights: without them it has no effect. */
nt_status nt_study_check_truncate(nt_study *s, nt_error *err)
{
    if (!(s->ipcw_truncate > 0) || s->censoring == 1) return NT_OK;
    return warn(s, "[estimator] ipcw_truncate caps the censoring weights of censoring = ipcw; "
                   "without them it has no effect", err);
}

nt_status nt_study_check_bootstrap(nt_study *s, nt_error *err)
{
    if (!(s->method == NT_METHOD_NN && s->replace && s->bootstrap > 0 && s->inference == 0)) return NT_OK;
    return warn(s, "the bootstrap is not valid for nearest-neighbour matching with "
                   "replacement and a fixed number of neighbours (Abadie & Imbens "
                   "2008); its standard errors and intervals may be too small or too "
                   "large: prefer method = radius, kernel or ipw", err);
}
