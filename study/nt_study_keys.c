/* The table of study keys (nt_study_keys.h) and the conversion, recording
   and freeing of one row's value by its type. Map of this file:
     helpers           numbers, yes/no, lists, paths
     custom keys       decimal, [subgroups], [cost]
     the table         one row per key
     by type           nt_study_key_set, nt_study_key_record, nt_study_key_free */
#include "study/nt_study_keys.h"
#include "data/nt_calendar.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define AT(s, off, T) ((T *)(void *)((char *)(s) + (off)))
#define AT_C(s, off, T) ((T const *)(const void *)((const char *)(s) + (off)))

/* ------------------------------------------------------------------ helpers */
static nt_status bad(const nt_study *s, const nt_study_value *v, const char *found,
                     const char *expected, nt_error *err)
{
    return nt_fail_at(err, NT_EINPUT, s->path, v->line, NULL, "[%s] %s: found \"%s\", expected %s",
                      v->section, v->key, found, expected);
}

static nt_status nomem(nt_error *err)
{
    return nt_fail(err, NT_ENOMEM, "out of memory reading the study file");
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

static int parse_long(const char *v, double lo, double hi, long *out)
{
    const char *p = v;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p)) return -1;
    errno = 0;
    char *end;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > hi) return -1;
    *out = x;
    return 0;
}

/* A finite decimal number (no hex, inf or nan). */
static int parse_num(const char *v, double *out)
{
    const char *p = v;
    if (*p == '+' || *p == '-') p++;
    if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1]))) return -1;
    for (const char *q = p; *q; q++)
        if (*q == 'x' || *q == 'X') return -1;
    errno = 0;
    char *end;
    double x = strtod(v, &end);
    if (errno || *end || !isfinite(x)) return -1;
    *out = x;
    return 0;
}

static int parse_bool(const char *v, int *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "false", "off", "0", NULL};
    for (int i = 0; yes[i]; i++)
        if (!strcasecmp(v, yes[i])) { *out = 1; return 0; }
    for (int i = 0; no[i]; i++)
        if (!strcasecmp(v, no[i])) { *out = 0; return 0; }
    return -1;
}

static void free_list(char **a, int n)
{
    if (!a) return;
    for (int i = 0; i < n; i++) free(a[i]);
    free(a);
}

/* Comma-separated list of non-empty, distinct items; replaces *out. */
static nt_status parse_list(const nt_study *s, const nt_study_value *v, int *n_out, char ***out,
                            nt_error *err)
{
    char *copy = strdup(v->value);
    if (!copy) return nomem(err);
    int n = 1;
    for (const char *p = copy; *p; p++) n += *p == ',';
    char **a = calloc((size_t)n, sizeof *a);
    if (!a) { free(copy); return nomem(err); }
    nt_status st = NT_OK;
    int k = 0;
    char *save = copy;
    for (int i = 0; i < n && !st; i++) {
        char *comma = strchr(save, ',');
        if (comma) *comma = 0;
        char *item = trim(save);
        save = comma ? comma + 1 : save + strlen(save);
        if (!*item) { st = bad(s, v, v->value, "a comma-separated list without empty items", err); break; }
        for (int j = 0; j < k && !st; j++)
            if (!strcmp(a[j], item))
                st = nt_fail_at(err, NT_EINPUT, s->path, v->line, NULL,
                                "[%s] %s: \"%s\" is listed twice", v->section, v->key, item);
        if (!st && !(a[k++] = strdup(item))) st = nomem(err);
    }
    free(copy);
    if (st) { free_list(a, k); return st; }
    free_list(*out, *n_out);
    *out = a;
    *n_out = k;
    return NT_OK;
}

static nt_status set_str(char **dst, const char *v, nt_error *err)
{
    char *p = strdup(v);
    if (!p) return nomem(err);
    free(*dst);
    *dst = p;
    return NT_OK;
}

/* v joined to the study file's folder (absolute paths kept). */
static nt_status resolve(const nt_study *s, char **dst, const char *v, nt_error *err)
{
    size_t n = strlen(s->dir) + strlen(v) + 2;
    char *p = malloc(n);
    if (!p) return nomem(err);
    if (v[0] == '/' || !s->dir[0])
        snprintf(p, n, "%s", v);
    else if (s->dir[strlen(s->dir) - 1] == '/')
        snprintf(p, n, "%s%s", s->dir, v);
    else
        snprintf(p, n, "%s/%s", s->dir, v);
    free(*dst);
    *dst = p;
    return NT_OK;
}

/* "a:b" into a and b (each trimmed). */
static int split_colon(const char *v, char *a, char *b, size_t size)
{
    const char *colon = strchr(v, ':');
    if (!colon || strchr(colon + 1, ':')) return -1;
    size_t la = (size_t)(colon - v);
    if (la >= size || strlen(colon + 1) >= size) return -1;
    memcpy(a, v, la);
    a[la] = 0;
    snprintf(b, size, "%s", colon + 1);
    char *ta = trim(a), *tb = trim(b);
    memmove(a, ta, strlen(ta) + 1);
    memmove(b, tb, strlen(tb) + 1);
    return 0;
}

static void record_list(nt_manifest *m, const char *sec, const char *key, char *const *a, int n,
                        const char *empty)
{
    size_t len = 1;
    for (int i = 0; i < n; i++) len += strlen(a[i]) + 2;
    char *buf = malloc(len);
    if (!buf) return;
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        if (i) strcat(buf, ", ");
        strcat(buf, a[i]);
    }
    nt_manifest_setting_str(m, sec, key, n ? buf : (empty ? empty : ""));
    free(buf);
}

/* "a, b or c" from a vocabulary. */
static void words_list(const nt_study_words *w, char *buf, size_t size)
{
    int n = 0;
    while (w->name(n) && strcmp(w->name(n), "?")) n++;
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", i == 0 ? "" : i == n - 1 ? " or " : ", ", w->name(i));
    }
}

/* ------------------------------------------------------ vocabularies, accept */
static const char *method_name(int c) { return nt_method_name((nt_method)c); }
static const char *trim_name(int c) { return nt_trim_name((nt_trim)c); }
static const char *kernel_name(int c) { return nt_kernel_name((nt_kernel)c); }
static const nt_study_words method_words = {nt_method_parse, method_name};
static const nt_study_words trim_words = {nt_trim_parse, trim_name};
static const nt_study_words kernel_words = {nt_kernel_parse, kernel_name};
/* A word field of two values, 0 = A and 1 = B. */
#define TWO_WORDS(name, A, B)                                                                           \
    static int name##_parse(const char *v) { return !strcmp(v, A) ? 0 : !strcmp(v, B) ? 1 : -1; }    \
    static const char *name##_name(int c) { return c == 0 ? A : c == 1 ? B : NULL; }                 \
    static const nt_study_words name##_words = {name##_parse, name##_name};
TWO_WORDS(inference, "bootstrap", "linearised")
TWO_WORDS(language, "en", "nl")
TWO_WORDS(censoring, "none", "ipcw")
TWO_WORDS(censoring_model, "block", "pooled")
TWO_WORDS(summary, "ATT", "ATT_fixed")   /* [summary] estimand: the field summary_fixed */
static const nt_study_words calendar_words = {nt_calendar_parse, nt_calendar_name};
_Static_assert(sizeof(nt_method) == sizeof(int) && sizeof(nt_trim) == sizeof(int) && sizeof(nt_kernel) == sizeof(int),
               "WORD fields are int-sized enums");

/* [data] encoding: the field cp1252 (0 utf-8, 1 cp1252). */
static int encoding_parse(const char *v)
{
    if (!strcasecmp(v, "utf-8") || !strcasecmp(v, "utf8")) return 0;
    return !strcasecmp(v, "cp1252") ? 1 : -1;
}
static const char *encoding_name(int c) { return c == 0 ? "utf-8" : c == 1 ? "cp1252" : "?"; }
static const nt_study_words encoding_words = {encoding_parse, encoding_name};

static int no_slash(const char *v) { return !strchr(v, '/'); }

/* A column name or names joined by '+'. */
static int person_key_ok(const char *v)
{
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p) || *p == ',') return 0;
    return !(v[0] == '+' || v[strlen(v) - 1] == '+' || strstr(v, "++"));
}

static int not_none(const char *v) { return strcmp(v, "none") != 0; }
static int is_share(const char *v) { double x; return !parse_num(v, &x) && x >= 0 && x < 1; } /* confounder_grid */
static int is_series(const char *v)
{
    static const char *const names[] = {"employed", "earnings", "on_benefit", "on_index_benefit",
                                        "in_program"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(names[i], v)) return 1;
    return 0;
}

/* "SCHEME: euros" with a scheme name and a number >= 0 (benefit_month). */
static int is_scheme_amount(const char *v)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || v[0] == ' ') return 0;
    char num[64];
    snprintf(num, sizeof num, "%s", colon + 1);
    double x;
    return !parse_num(trim(num), &x) && x >= 0;
}

/* -------------------------------------------------------------- custom keys */
static nt_status parse_decimal(nt_study *s, const nt_study_key *k, const nt_study_value *v, nt_error *err)
{
    if (strcmp(v->value, ".") && strcmp(v->value, ",")) return bad(s, v, v->value, k->expected, err);
    *AT(s, k->off, char) = v->value[0];
    return NT_OK;
}

static void record_decimal(const nt_study *s, const nt_study_key *k, nt_manifest *m)
{
    char buf[2] = {*AT_C(s, k->off, char), 0};
    nt_manifest_setting_str(m, k->section, "decimal", buf);
}

/* A subgroup range "a-b" (numbers, optional spaces around '-'); 0 if it is one. */
static int parse_range(const char *v, double *lo, double *hi)
{
    const char *p = v;
    if (*p == '-') p++;
    if (!isdigit((unsigned char)*p)) return -1;
    while (isdigit((unsigned char)*p) || *p == '.') p++;
    const char *sep = p;
    while (isspace((unsigned char)*sep)) sep++;
    if (*sep != '-') return -1;
    char a[64], b[64];
    size_t la = (size_t)(p - v);
    if (la >= sizeof a) return -1;
    memcpy(a, v, la);
    a[la] = 0;
    const char *q = sep + 1;
    while (isspace((unsigned char)*q)) q++;
    const char *r = q;
    if (*r == '-') r++;
    if (!isdigit((unsigned char)*r)) return -1;
    while (isdigit((unsigned char)*r) || *r == '.') r++;
    if (*r) return -1;
    snprintf(b, sizeof b, "%s", q);
    if (parse_num(a, lo) || parse_num(b, hi)) return -1;
    return 0;
}

/* One group of a subgroup line: a range (spaces removed) or a level. */
static nt_status parse_group(const nt_study *s, const nt_study_value *v, const char *item,
                             nt_study_group *gr, nt_error *err)
{
    char value[256];
    if (parse_range(item, &gr->lo, &gr->hi) == 0) {
        if (gr->lo > gr->hi)
            return nt_fail_at(err, NT_EINPUT, s->path, v->line, NULL,
                              "[subgroups] %s: range \"%s\" has its lower end above its upper end",
                              v->key, item);
        gr->is_range = 1;
        size_t k = 0;
        for (const char *p = item; *p && k + 1 < sizeof value; p++)
            if (!isspace((unsigned char)*p)) value[k++] = *p;
        value[k] = 0;
    } else {
        snprintf(value, sizeof value, "%s", item);
    }
    size_t ll = strlen(v->key) + strlen(value) + 2;
    gr->value = strdup(value);
    gr->label = malloc(ll);
    if (!gr->value || !gr->label) return nomem(err);
    snprintf(gr->label, ll, "%s=%s", v->key, value);
    return NT_OK;
}

static nt_status parse_subgroup(nt_study *s, const nt_study_key *k, const nt_study_value *v,
                                nt_error *err)
{
    (void)k;
    int n = 0;
    char **items = NULL;
    nt_status st = parse_list(s, v, &n, &items, err);
    if (st) return st;
    nt_study_subgroup *grown = realloc(s->subgroups, (size_t)(s->n_subgroups + 1) * sizeof *grown);
    if (!grown) { free_list(items, n); return nomem(err); }
    s->subgroups = grown;
    nt_study_subgroup *g = &s->subgroups[s->n_subgroups];
    memset(g, 0, sizeof *g);
    g->line = v->line;
    g->variable = strdup(v->key);
    g->groups = calloc((size_t)n, sizeof *g->groups);
    s->n_subgroups++; /* owned from here: freed with the study */
    if (!g->variable || !g->groups) { free_list(items, n); return nomem(err); }
    int n_range = 0;
    for (int i = 0; i < n && !st; i++) {
        g->n_groups = i + 1;
        st = parse_group(s, v, items[i], &g->groups[i], err);
        n_range += g->groups[i].is_range;
    }
    if (!st && n_range && n_range != n)
        st = nt_fail_at(err, NT_EINPUT, s->path, v->line, NULL,
                        "[subgroups] %s: found \"%s\", expected either level names "
                        "(low, mid, high) or numeric ranges (18-44, 45-64), not both",
                        v->key, v->value);
    g->is_range = n_range > 0 && n_range == n;
    free_list(items, n);
    return st;
}

static void record_subgroups(const nt_study *s, const nt_study_key *k, nt_manifest *m)
{
    for (int i = 0; i < s->n_subgroups; i++) {
        const nt_study_subgroup *g = &s->subgroups[i];
        char **vals = malloc((size_t)g->n_groups * sizeof *vals);
        if (!vals) continue;
        for (int j = 0; j < g->n_groups; j++) vals[j] = g->groups[j].value;
        record_list(m, k->section, g->variable, vals, g->n_groups, "");
        free(vals);
    }
}

static nt_status parse_cost(nt_study *s, const nt_study_key *k, const nt_study_value *v,
                            nt_error *err)
{
    double x;
    if (parse_num(v->value, &x) || x < k->lo) return bad(s, v, v->value, k->expected, err);
    nt_study_cost *grown = realloc(s->costs, (size_t)(s->n_costs + 1) * sizeof *grown);
    if (!grown) return nomem(err);
    s->costs = grown;
    nt_study_cost *c = &s->costs[s->n_costs];
    if (!(c->program = strdup(v->key))) return nomem(err);
    c->euros = x;
    c->line = v->line;
    s->n_costs++;
    return NT_OK;
}

static void record_costs(const nt_study *s, const nt_study_key *k, nt_manifest *m)
{
    for (int i = 0; i < s->n_costs; i++)
        nt_manifest_setting_num(m, k->section, s->costs[i].program, s->costs[i].euros);
}

/* ---------------------------------------------------------------- the table */
#define F(field) offsetof(nt_study, field)
#define MAXI 1e9     /* bound of a count of persons */
#define BIG INFINITY
#define SPELL_SETTING (NT_KEY_SPELLS | NT_KEY_INGEST)

/* One row per key: section, key, type, field, second field, default (as
   written in a study file), lo, hi, expected (a bad value); then what the
   row needs besides (flags, unset word, vocabulary, accept, parse, record,
   check). The rows of a section are together; the order is the order of
   the manifest and of the known keys in messages; a row's check may use the
   rows above it. */
const nt_study_key nt_study_keys[] = {
    {"study", "name", NT_KEY_TEXT, F(name), 0, NULL, 0, 0, "a name without '/'",
     .flags = NT_KEY_REQUIRED, .accept = no_slash},
    {"study", "seed", NT_KEY_SEED, F(seed), 0, "1", 0, 0, "a whole number >= 0", .flags = 0},
    {"study", "out", NT_KEY_PATH, F(out), 0, "results/<name>", 0, 0, NULL, .flags = 0},

    {"data", "persons", NT_KEY_PATH, F(persons_path), 0, NULL, 0, 0, NULL, .flags = 0},
    {"data", "benefits", NT_KEY_PATH, F(benefits_path), 0, NULL, 0, 0, NULL, .flags = 0},
    {"data", "programs", NT_KEY_PATH, F(programs_path), 0, NULL, 0, 0, NULL, .flags = 0},
    {"data", "jobs", NT_KEY_PATH, F(jobs_path), 0, NULL, 0, 0, NULL, .flags = 0},
    {"data", "store", NT_KEY_PATH, F(store_path), 0, NULL, 0, 0, NULL, .check = nt_study_check_data},
    {"data", "data_end", NT_KEY_DATE, F(data_end), 0, NULL, 0, 0, "a date (YYYY-MM-DD or YYYYMMDD)",
     .flags = SPELL_SETTING, .unset = "from the data"},
    {"data", "lenient", NT_KEY_BOOL, F(lenient), 0, "no", 0, 0, "yes or no", .flags = SPELL_SETTING},
    {"data", "encoding", NT_KEY_WORD, F(cp1252), 0, "utf-8", 0, 0, NULL, .flags = SPELL_SETTING,
     .words = &encoding_words},
    {"data", "decimal", NT_KEY_CUSTOM, F(decimal), 0, ".", 0, 0, "\".\" or \",\"",
     .flags = SPELL_SETTING, .parse = parse_decimal, .record = record_decimal},
    {"data", "person_key", NT_KEY_TEXT, F(person_key), 0, NULL, 0, 0,
     "a column name or names joined by '+' (A+B)", .flags = SPELL_SETTING, .unset = "person_id",
     .accept = person_key_ok},
    {"data", "context", NT_KEY_PATH, F(context_file), 0, NULL, 0, 0, NULL, .unset = "none"},
    {"data", "ignore_unknown_persons", NT_KEY_BOOL, F(ignore_unknown_persons), 0, "no", 0, 0, "yes or no", .flags = SPELL_SETTING},

    {"cohort", "scheme", NT_KEY_LIST, F(schemes), F(n_schemes), NULL, 0, 0, NULL,
     .flags = NT_KEY_REQUIRED | NT_KEY_SPELLS},
    {"cohort", "inflow", NT_KEY_MONTHS, F(inflow_from), F(inflow_to), NULL, 0, 0, "YYYY-MM:YYYY-MM",
     .flags = NT_KEY_REQUIRED | NT_KEY_SPELLS},

    {"treatment", "programs", NT_KEY_LIST, F(programs), F(n_programs), NULL, 0, 0, NULL, .flags = NT_KEY_REQUIRED},
    {"treatment", "start_months", NT_KEY_SPAN, F(start_first), F(start_last), "0:23", 0, 1200,
     "a:b with whole months 0 <= a <= b <= 1200 (e.g. 0:23)", .flags = 0},
    {"treatment", "start_interval", NT_KEY_INT, F(start_interval), 0, "3", 1, 1200,
     "a whole number of months from 1 to 1200", .flags = 0},
    {"treatment", "horizon", NT_KEY_INT, F(horizon), 0, "96", 1, 1200, "a whole number of months from 1 to 1200", .flags = 0},
    {"treatment", "compare", NT_KEY_BOOL, F(compare), 0, "no", 0, 0, "yes or no", .flags = 0},

    {"estimator", "method", NT_KEY_WORD, F(method_word), 0, "radius", 0, 0, NULL, .words = &nt_study_toe_method_words},
    {"estimator", "neighbors", NT_KEY_INT, F(neighbors), 0, "1", 1, 1000, "a whole number from 1 to 1000", .flags = 0},
    {"estimator", "caliper", NT_KEY_NUM, F(caliper), 0, "0.2", 0, BIG,
     "a number > 0 (SD of the logit propensity score) or none", .flags = NT_KEY_NONE_OK, .unset = "none"},
    {"estimator", "replace", NT_KEY_BOOL, F(replace), 0, "yes", 0, 0, "yes or no", .flags = 0},
    {"estimator", "covariates", NT_KEY_LIST, F(covariates), F(n_covariates),
     "age, sex, education, migration, emp_prev12, emp_prev24, earn_prev12, ben_prev24", 0, 0, NULL,
     .flags = 0},
    {"estimator", "history", NT_KEY_BOOL, F(history), 0, "no", 0, 0, "yes or no", .flags = 0},
    {"estimator", "exact", NT_KEY_LIST, F(exact), F(n_exact), "none", 0, 0,
     "none or a list of variables", .flags = NT_KEY_NONE_OK, .unset = "none", .accept = not_none},
    {"estimator", "context", NT_KEY_LIST, F(context), F(n_context), "none", 0, 0,
     "none or a list of context-table variables", .flags = NT_KEY_NONE_OK, .unset = "none", .accept = not_none},
    {"estimator", "calendar", NT_KEY_WORD, F(calendar), 0, "inflow_quarter", 0, 0, NULL, .words = &calendar_words},
    {"estimator", "trim", NT_KEY_WORD, F(trim), 0, "none", 0, 0, NULL, .words = &trim_words},
    {"estimator", "kernel", NT_KEY_WORD, F(kernel), 0, "epanechnikov", 0, 0, NULL, .words = &kernel_words},
    {"estimator", "bandwidth", NT_KEY_NUM, F(bandwidth), 0, "auto", 0, BIG, "a number > 0 or auto",
     .flags = NT_KEY_NONE_OK, .unset = "auto"},
    {"estimator", "radius_factor", NT_KEY_NUM, F(radius_factor), 0, "1.5", 0, BIG, "a number > 0", .flags = 0},
    {"estimator", "bias_adjust", NT_KEY_BOOL, F(bias_adjust), 0, "yes", 0, 0, "yes or no", .flags = 0},
    {"estimator", "never", NT_KEY_BOOL, F(never), 0, "no", 0, 0, "yes or no", .flags = 0},
    {"estimator", "censoring", NT_KEY_WORD, F(censoring), 0, "none", 0, 0, NULL, .words = &censoring_words},
    {"estimator", "ipcw_truncate", NT_KEY_NUM, F(ipcw_truncate), 0, "none", 0.5, 1, "a quantile between 0.5 and 1 or none",
     .flags = NT_KEY_NONE_OK, .unset = "none", .check = nt_study_check_truncate},
    {"estimator", "censoring_model", NT_KEY_WORD, F(censoring_model), 0, "block", 0, 0, NULL, .words = &censoring_model_words,
     .check = nt_study_check_cmodel},
    {"estimator", "ai_neighbors", NT_KEY_INT, F(ai_neighbors), 0, "2", 1, 1000, "a whole number from 1 to 1000", .flags = 0},
    {"estimator", "min_treated", NT_KEY_LONG, F(min_treated), 0, "10", 1, MAXI, "a whole number of treated persons >= 1",
     .flags = 0},
    {"estimator", "pool_sparse", NT_KEY_BOOL, F(pool_sparse), 0, "yes", 0, 0, "yes or no", .flags = 0},
    {"estimator", "toe_matching", NT_KEY_WORD, F(toe_matching), 0, "radius", 0, 0, NULL, .words = &method_words},
    {"estimator", "toe_mass_points", NT_KEY_TEXT, F(toe_mass_points), 0, "1:6", 0, 0, "K or K1:K2 (1..6)", .accept = nt_study_toe_mass_points_ok},
    {"estimator", "toe_criterion", NT_KEY_WORD, F(toe_criterion), 0, "aic", 0, 0, NULL, .words = &nt_study_toe_criterion_words},
    NT_STUDY_TOE_CUTS(toe_cuts, "0, 1, 3, 6, 12, 18, 24, 36", "months since inflow", nt_study_toe_cut_ok),
    NT_STUDY_TOE_CUTS(toe_lockin_cuts, "none", "months since programme start", nt_study_toe_cut_ok),
    NT_STUDY_TOE_CUTS(toe_post_cuts, "none", "months since programme start", nt_study_toe_cut_ok),
    {"estimator", "toe_calendar", NT_KEY_BOOL, F(toe_calendar), 0, "yes", 0, 0, "yes or no", .flags = 0},
    {"estimator", "toe_effect_by", NT_KEY_LIST, F(toe_effect_by), F(n_toe_effect_by), "none", 0, 0,
     "none or a list of [subgroups] variables", .flags = NT_KEY_NONE_OK, .unset = "none", .accept = not_none},
    {"estimator", "toe_draws", NT_KEY_INT, F(toe_draws), 0, "100", 2, 100000, "a whole number from 2 to 100000", .check = nt_study_toe_check},
    {"outcomes", "series", NT_KEY_LIST, F(series), F(n_series), "employed, earnings, on_benefit", 0,
     0, "a panel series: employed, earnings, on_benefit, on_index_benefit or in_program",
     .accept = is_series},
    {"outcomes", "time_to_work", NT_KEY_BOOL, F(time_to_work), 0, "no", 0, 0, "yes or no", .flags = 0},

    {"inference", "method", NT_KEY_WORD, F(inference), 0, "linearised", 0, 0, NULL, .words = &inference_words},
    {"inference", "bootstrap", NT_KEY_INT, F(bootstrap), 0, "200", 0, 1000000,
     "a whole number of replicates from 0 to 1000000", .check = nt_study_check_bootstrap},
    {"inference", "ci_level", NT_KEY_NUM, F(ci_level), 0, "0.95", 0, 1, "a number between 0 and 1 (e.g. 0.95)", .flags = 0},

    {"subgroups", NULL, NT_KEY_CUSTOM, F(subgroups), F(n_subgroups), NULL, 0, 0, NULL,
     .parse = parse_subgroup, .record = record_subgroups},
    {"cost", NULL, NT_KEY_CUSTOM, F(costs), F(n_costs), NULL, 0, BIG,
     "a cost in euros (a number >= 0)", .parse = parse_cost, .record = record_costs,
     .check = nt_study_check_costs},

    {"summary", "estimand", NT_KEY_WORD, F(summary_fixed), 0, "ATT_fixed", 0, 0, NULL, .words = &summary_words},

    {"cost_benefit", "discount_rate", NT_KEY_NUM, F(discount_rate), 0, "0.0225", -1, 1,
     "a yearly rate above -1 and below 1 (e.g. 0.0225)", .flags = 0},
    {"cost_benefit", "benefit_month", NT_KEY_LIST, F(benefit_month), F(n_benefit_month), "none", 0, 0,
     "none or SCHEME: euros per month, ... (e.g. WW: 1500, BIJSTAND: 1100)", .flags = NT_KEY_NONE_OK,
     .unset = "none", .accept = is_scheme_amount},
    {"cost_benefit", "price_index", NT_KEY_PATH, F(price_index), 0, NULL, 0, 0, NULL, .unset = "none"},

    {"benchmark", "by", NT_KEY_TEXT, F(benchmark_by), 0, NULL, 0, 0, "a categorical variable of the cohort (region)",
     .flags = 0, .unset = "none"},

    {"credibility", "placebo", NT_KEY_BOOL, F(placebo), 0, "no", 0, 0, "yes or no", .flags = 0},
    {"credibility", "placebo_months", NT_KEY_SPAN, F(placebo_first), F(placebo_last), "-36:-13", -1200, -1,
     "a:b with months before inflow -1200 <= a <= b <= -1 (e.g. -36:-13)", .flags = 0},
    {"credibility", "sensitivity", NT_KEY_BOOL, F(sensitivity), 0, "no", 0, 0, "yes or no", .flags = 0},
    {"credibility", "confounder", NT_KEY_BOOL, F(confounder), 0, "no", 0, 0, "yes or no", .flags = 0},
    {"credibility", "confounder_draws", NT_KEY_INT, F(confounder_draws), 0, "10", 2, 1000, "2 to 1000", .flags = 0},
    {"credibility", "confounder_grid", NT_KEY_LIST, F(confounder_grid), F(n_confounder_grid), "0.1, 0.2, 0.3, 0.4, 0.5, 0.6",
     0, 0, "numbers 0 <= x < 1 (e.g. 0.1, 0.3, 0.5)", .flags = 0, .accept = is_share},
    {"credibility", "confounder_like", NT_KEY_LIST, F(confounder_like), F(n_confounder_like), "none", 0, 0,
     "none or variables: name (0/1) or name=value", .flags = NT_KEY_NONE_OK, .unset = "none"},
    {"credibility", "confounder_u", NT_KEY_BOOL, F(confounder_u), 0, "no", 0, 0, "yes or no", .flags = 0},

    {"disclosure", "min_cell", NT_KEY_LONG, F(min_cell), 0, "10", 0, MAXI,
     "a whole number of persons >= 0", .flags = 0},
    {"disclosure", "round", NT_KEY_LONG, F(round), 0, "5", 1, 1000,
     "a whole number from 1 (exact counts) to 1000", .flags = 0},
    {"disclosure", "dominance_top1", NT_KEY_NUM, F(dominance_top1), 0, "50", -1e-9, 100 + 1e-9,
     "a percentage from 0 (off) to 100", .flags = 0},
    {"disclosure", "dominance_top2", NT_KEY_NUM, F(dominance_top2), 0, "75", -1e-9, 100 + 1e-9,
     "a percentage from 0 (off) to 100", .flags = 0},

    {"report", "language", NT_KEY_WORD, F(language), 0, "en", 0, 0, NULL, .words = &language_words},
    {"report", "source", NT_KEY_TEXT, F(source), 0, NULL, 0, 0, "a line of text", .flags = 0,
     .unset = "netto and the study's name"},
};
const int nt_study_n_keys = (int)(sizeof nt_study_keys / sizeof nt_study_keys[0]);

/* ------------------------------------------------------------------ by type */
static nt_status set_span(nt_study *s, const nt_study_key *k, const nt_study_value *v, nt_error *err)
{
    char a[64], b[64];
    long lo, hi;
    if (split_colon(v->value, a, b, sizeof a) || parse_long(a, k->lo, k->hi, &lo) ||
        parse_long(b, k->lo, k->hi, &hi) || lo > hi)
        return bad(s, v, v->value, k->expected, err);
    *AT(s, k->off, int) = (int)lo;
    *AT(s, k->off2, int) = (int)hi;
    return NT_OK;
}

static nt_status set_months(nt_study *s, const nt_study_key *k, const nt_study_value *v,
                            nt_error *err)
{
    char a[64], b[64];
    int from, to;
    if (split_colon(v->value, a, b, sizeof a) || nt_month_parse(a, strlen(a), &from) ||
        nt_month_parse(b, strlen(b), &to))
        return bad(s, v, v->value, k->expected, err);
    if (from > to) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s with the first month not after the second", k->expected);
        return bad(s, v, v->value, msg, err);
    }
    *AT(s, k->off, int) = from;
    *AT(s, k->off2, int) = to;
    return NT_OK;
}

static nt_status set_list(nt_study *s, const nt_study_key *k, const nt_study_value *v, nt_error *err)
{
    char ***a = AT(s, k->off, char **);
    int *n = AT(s, k->off2, int);
    if ((k->flags & NT_KEY_NONE_OK) && !strcmp(v->value, k->unset)) {
        free_list(*a, *n);
        *a = NULL;
        *n = 0;
        return NT_OK;
    }
    nt_status st = parse_list(s, v, n, a, err);
    for (int i = 0; !st && k->accept && i < *n; i++)
        if (!k->accept((*a)[i])) st = bad(s, v, (*a)[i], k->expected, err);
    return st;
}

static nt_status set_seed(nt_study *s, const nt_study_key *k, const nt_study_value *v, nt_error *err)
{
    for (const char *p = v->value; *p; p++)
        if (!isdigit((unsigned char)*p)) return bad(s, v, v->value, k->expected, err);
    errno = 0;
    unsigned long long u = strtoull(v->value, NULL, 10);
    if (errno) return bad(s, v, v->value, "a whole number below 2^64", err);
    *AT(s, k->off, uint64_t) = (uint64_t)u;
    return NT_OK;
}

nt_status nt_study_key_set(nt_study *s, const nt_study_key *k, const nt_study_value *v,
                           nt_error *err)
{
    const char *x = v->value;
    if (k->name && !*x)
        return nt_fail_at(err, NT_EINPUT, s->path, v->line, NULL,
                          "[%s] %s has no value; give one or remove the line for the default",
                          v->section, v->key);
    int none = k->unset && (k->flags & NT_KEY_NONE_OK) && !strcmp(x, k->unset);
    long l;
    double d;
    char expected[200];
    switch (k->type) {
    case NT_KEY_TEXT:
        if (k->accept && !k->accept(x)) return bad(s, v, x, k->expected, err);
        return set_str(AT(s, k->off, char *), x, err);
    case NT_KEY_PATH:
        return resolve(s, AT(s, k->off, char *), x, err);
    case NT_KEY_BOOL:
        return parse_bool(x, AT(s, k->off, int)) ? bad(s, v, x, k->expected, err) : NT_OK;
    case NT_KEY_INT:
    case NT_KEY_LONG:
        if (parse_long(x, k->lo, k->hi, &l)) return bad(s, v, x, k->expected, err);
        if (k->type == NT_KEY_INT) *AT(s, k->off, int) = (int)l;
        else *AT(s, k->off, long) = l;
        return NT_OK;
    case NT_KEY_NUM:
        if (none) d = 0;
        else if (parse_num(x, &d) || !(d > k->lo && d < k->hi)) return bad(s, v, x, k->expected, err);
        *AT(s, k->off, double) = d;
        return NT_OK;
    case NT_KEY_SEED:
        return set_seed(s, k, v, err);
    case NT_KEY_SPAN:
        return set_span(s, k, v, err);
    case NT_KEY_MONTHS:
        return set_months(s, k, v, err);
    case NT_KEY_DATE:
        return nt_date_parse(x, strlen(x), AT(s, k->off, nt_day)) ? bad(s, v, x, k->expected, err)
                                                                   : NT_OK;
    case NT_KEY_WORD: {
        int code = k->words->parse(x);
        if (code >= 0) { *AT(s, k->off, int) = code; return NT_OK; }
        words_list(k->words, expected, sizeof expected);
        return bad(s, v, x, expected, err);
    }
    case NT_KEY_LIST:
        return set_list(s, k, v, err);
    case NT_KEY_CUSTOM:
        return k->parse(s, k, v, err);
    }
    return bad(s, v, x, "a known key", err); /* not reached */
}

void nt_study_key_record(const nt_study *s, const nt_study_key *k, nt_manifest *m)
{
    const char *sec = k->section, *key = k->name;
    char buf[64], a[8], b[8];
    switch (k->type) {
    case NT_KEY_TEXT:
    case NT_KEY_PATH: {
        const char *v = *AT_C(s, k->off, char *);
        if (v || k->unset) nt_manifest_setting_str(m, sec, key, v ? v : k->unset);
        return;
    }
    case NT_KEY_BOOL:
        nt_manifest_setting_bool(m, sec, key, *AT_C(s, k->off, int));
        return;
    case NT_KEY_INT:
        nt_manifest_setting_num(m, sec, key, *AT_C(s, k->off, int));
        return;
    case NT_KEY_LONG:
        nt_manifest_setting_num(m, sec, key, (double)*AT_C(s, k->off, long));
        return;
    case NT_KEY_NUM: {
        double d = *AT_C(s, k->off, double);
        if (d == 0 && k->unset) nt_manifest_setting_str(m, sec, key, k->unset);
        else nt_manifest_setting_num(m, sec, key, d);
        return;
    }
    case NT_KEY_SEED: {
        uint64_t u = *AT_C(s, k->off, uint64_t);
        if (u <= (1ULL << 53)) {
            nt_manifest_setting_num(m, sec, key, (double)u);
            return;
        }
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)u);
        nt_manifest_setting_str(m, sec, key, buf);
        return;
    }
    case NT_KEY_SPAN:
        snprintf(buf, sizeof buf, "%d:%d", *AT_C(s, k->off, int), *AT_C(s, k->off2, int));
        nt_manifest_setting_str(m, sec, key, buf);
        return;
    case NT_KEY_MONTHS:
        nt_month_format(*AT_C(s, k->off, int), a);
        nt_month_format(*AT_C(s, k->off2, int), b);
        snprintf(buf, sizeof buf, "%s:%s", a, b);
        nt_manifest_setting_str(m, sec, key, buf);
        return;
    case NT_KEY_DATE: {
        nt_day day = *AT_C(s, k->off, nt_day);
        if (day != NT_DAY_NONE) nt_day_format(day, buf);
        nt_manifest_setting_str(m, sec, key, day == NT_DAY_NONE ? k->unset : buf);
        return;
    }
    case NT_KEY_WORD:
        nt_manifest_setting_str(m, sec, key, k->words->name(*AT_C(s, k->off, int)));
        return;
    case NT_KEY_LIST:
        record_list(m, sec, key, *AT_C(s, k->off, char **), *AT_C(s, k->off2, int), k->unset);
        return;
    case NT_KEY_CUSTOM:
        k->record(s, k, m);
        return;
    }
}

void nt_study_key_free(nt_study *s, const nt_study_key *k)
{
    if (k->type == NT_KEY_TEXT || k->type == NT_KEY_PATH) {
        free(*AT(s, k->off, char *));
        *AT(s, k->off, char *) = NULL;
    } else if (k->type == NT_KEY_LIST) {
        free_list(*AT(s, k->off, char **), *AT(s, k->off2, int));
        *AT(s, k->off, char **) = NULL;
        *AT(s, k->off2, int) = 0;
    }
}
