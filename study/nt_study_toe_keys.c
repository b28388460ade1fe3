/* The [estimator] keys of method = toe (rows in nt_study_keys.c): their
   value checks and the rule between them (docs/study-file.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_method.h"
#include "study/nt_study_keys.h"

static int method_parse(const char *v) { return !strcmp(v, "toe") ? NT_METHOD_N : nt_method_parse(v); }
static const char *method_name(int c)
{
    return c == NT_METHOD_N ? "toe" : c > NT_METHOD_N ? "?" : nt_method_name((nt_method)c);
}
const nt_study_words nt_study_toe_method_words = {method_parse, method_name};
static int criterion_parse(const char *v) { return !strcmp(v, "aic") ? 0 : !strcmp(v, "bic") ? 1 : -1; }
static const char *criterion_name(int c) { return c == 0 ? "aic" : c == 1 ? "bic" : NULL; }
const nt_study_words nt_study_toe_criterion_words = {criterion_parse, criterion_name};

/* A finite decimal number >= 0, written in full. */
static int nt_study_toe_num(const char *v, double *x)
{
    char *end;
    if (!*v || strchr(v, 'x') || strchr(v, 'X') || strchr(v, 'n') || strchr(v, 'N')) return -1;
    *x = strtod(v, &end);
    return *end ? -1 : 0;
}

int nt_study_toe_cut_ok(const char *v)
{
    double x;
    return nt_study_toe_num(v, &x) == 0 && x >= 0;
}

/* "K" or "K1:K2" with 1 <= K1 <= K2 <= 6. */
int nt_study_toe_mass_points_ok(const char *v)
{
    int a, b, used = 0;
    if (sscanf(v, "%d:%d%n", &a, &b, &used) == 2 && !v[used]) return a >= 1 && a <= b && b <= 6;
    if (sscanf(v, "%d%n", &a, &used) == 1 && !v[used]) return a >= 1 && a <= 6;
    return 0;
}

/* method = toe: matching with toe_matching beside it; cut lists ascending. */
nt_status nt_study_toe_check(nt_study *s, nt_error *err)
{
    s->toe = s->method_word == NT_METHOD_N;
    s->method = s->toe ? s->toe_matching : (nt_method)s->method_word;
    if (s->toe_matching >= NT_METHOD_N)
        return nt_fail_at(err, NT_EINPUT, s->path, nt_study_line(s, "estimator", "toe_matching"), NULL,
                          "[estimator] toe_matching: expected nn, radius, kernel, ipw or aipw");
    const char *names[] = {"toe_cuts", "toe_lockin_cuts", "toe_post_cuts"};
    char **lists[] = {s->toe_cuts, s->toe_lockin_cuts, s->toe_post_cuts};
    int ns[] = {s->n_toe_cuts, s->n_toe_lockin_cuts, s->n_toe_post_cuts};
    for (int l = 0; l < 3; l++)
        for (int i = 1; i < ns[l]; i++)
            if (!(strtod(lists[l][i], NULL) > strtod(lists[l][i - 1], NULL)))
                return nt_fail_at(err, NT_EINPUT, s->path, nt_study_line(s, "estimator", names[l]), NULL,
                                  "[estimator] %s: found \"%s\" after \"%s\", expected ascending months", names[l],
                                  lists[l][i], lists[l][i - 1]);
    long line = nt_study_line(s, "estimator", "toe_effect_by");
    for (int i = 0; i < s->n_toe_effect_by; i++) { /* [subgroups] variables (a list names each once) */
        const char *v = s->toe_effect_by[i];
        int found = 0;
        for (int j = 0; j < s->n_subgroups && !found; j++) found = !strcmp(s->subgroups[j].variable, v);
        if (!found)
            return nt_fail_at(err, NT_EINPUT, s->path, line, NULL,
                              "[estimator] toe_effect_by: \"%s\" is not a [subgroups] variable of the study "
                              "(its groups are the effect groups: add a line %s = ... under [subgroups])", v, v);
    }
    return NT_OK;
}
