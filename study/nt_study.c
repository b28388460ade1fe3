/* Study file reader. Three passes:
   1. libinih splits the file into (section, key, value); our reader feeds it
      one physical line at a time, so the line count is exact, and strips
      comments (';' or '#' at line start or after whitespace) and leading
      whitespace first, so inih's multi-line continuation never applies.
      The reader also checks section headers, so an unknown or empty
      section is caught even when it has no keys.
   2. Each (section, key) is checked against the known keys and duplicates,
      then converted in file order (so the first bad line is reported).
   3. Required keys and the consistency rules of [data] and [cohort]. */
#include "study/nt_study.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

typedef struct {
    char *section, *key, *value;
    long line;
} entry;

typedef struct {
    char *name;
    long line;
} section_rec;

struct nt_study_priv {
    entry *e;
    long n, cap;
    section_rec *sec;
    long nsec, capsec;
};

/* ---------------------------------------------------------------- known keys */

static const char *const study_keys[] = {"name", "seed", "out", NULL};
static const char *const data_keys[] = {"persons", "benefits", "programs", "jobs", "store",
                                        "data_end", "lenient", "encoding", "decimal",
                                        "person_key", "ignore_unknown_persons", NULL};
static const char *const cohort_keys[] = {"scheme", "inflow", NULL};
static const char *const treatment_keys[] = {"programs", "start_months", "start_interval",
                                             "horizon", NULL};
static const char *const estimator_keys[] = {"method", "neighbors", "caliper", "replace",
                                             "covariates", "history", "exact", "trim",
                                             "kernel", "bandwidth", "radius_factor",
                                             "ai_neighbors", NULL};
static const char *const outcomes_keys[] = {"series", NULL};
static const char *const inference_keys[] = {"bootstrap", "ci_level", NULL};
static const char *const disclosure_keys[] = {"min_cell", NULL};

static const struct {
    const char *name;
    const char *const *keys; /* NULL: free keys (subgroups, cost) */
} sections[] = {
    {"study", study_keys},         {"data", data_keys},         {"cohort", cohort_keys},
    {"treatment", treatment_keys}, {"estimator", estimator_keys}, {"outcomes", outcomes_keys},
    {"inference", inference_keys}, {"subgroups", NULL},          {"cost", NULL},
    {"disclosure", disclosure_keys},
};
#define N_SECTIONS ((int)(sizeof sections / sizeof sections[0]))

static const char *const series_names[] = {"employed", "earnings", "on_benefit",
                                           "on_index_benefit", "in_program", NULL};
static const char *const default_covariates[] = {"age", "sex", "education", "migration",
                                                 "emp_prev12", "emp_prev24", "earn_prev12",
                                                 "ben_prev24", NULL};
static const char *const default_series[] = {"employed", "earnings", "on_benefit", NULL};

static int find_section(const char *name)
{
    for (int i = 0; i < N_SECTIONS; i++)
        if (!strcmp(sections[i].name, name)) return i;
    return -1;
}

static int in_list(const char *const *list, const char *s)
{
    for (int i = 0; list[i]; i++)
        if (!strcmp(list[i], s)) return 1;
    return 0;
}

/* ------------------------------------------------------------------ reading */

typedef struct {
    FILE *fp;
    const char *path;
    char *buf;
    size_t cap;
    long line;
    char section[128];
    const char *long_value; /* value of the current line when it did not fit inih's buffer */
    nt_study_priv *priv;
    nt_error *err;
    long err_line;          /* first error found by us, 0 none */
    int nomem;
} reader_state;

static void note_error(reader_state *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void note_error(reader_state *r, long line, const char *fmt, ...)
{
    if (r->err_line) return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    nt_fail_at(r->err, NT_EINPUT, r->path, line, NULL, "%s", msg);
    r->err_line = line;
}

static char *trim(char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
    return s;
}

/* Removes a comment: ';' or '#' at the start or after whitespace. */
static void strip_comment(char *s)
{
    for (char *p = s; *p; p++) {
        if ((*p == ';' || *p == '#') && (p == s || isspace((unsigned char)p[-1]))) {
            *p = 0;
            return;
        }
    }
}

static int grow(void **arr, long *cap, long need, size_t size)
{
    if (need <= *cap) return 0;
    long nc = *cap ? *cap * 2 : 16;
    while (nc < need) nc *= 2;
    void *p = realloc(*arr, (size_t)nc * size);
    if (!p) return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static char *line_reader(char *str, int num, void *stream)
{
    reader_state *r = stream;
    ssize_t n = getline(&r->buf, &r->cap, r->fp);
    if (n < 0) return NULL;
    r->line++;
    r->long_value = NULL;
    char *s = r->buf;
    if (r->line == 1 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF)
        s += 3;
    strip_comment(s);
    s = trim(s);
    if (*s == '[') {
        char *close = strchr(s, ']');
        if (close) {
            *close = 0;
            char *name = trim(s + 1);
            char *rest = trim(close + 1);
            if (*rest)
                note_error(r, r->line, "found \"%s\" after the section header [%s]", rest, name);
            else if (find_section(name) < 0)
                note_error(r, r->line, "unknown section [%s]; expected one of [study], [data], "
                           "[cohort], [treatment], [estimator], [outcomes], [inference], "
                           "[subgroups], [cost], [disclosure]", name);
            snprintf(r->section, sizeof r->section, "%s", name);
            nt_study_priv *p = r->priv;
            if (grow((void **)&p->sec, &p->capsec, p->nsec + 1, sizeof *p->sec)) {
                r->nomem = 1;
            } else if ((p->sec[p->nsec].name = dupstr(name))) {
                p->sec[p->nsec++].line = r->line;
            } else {
                r->nomem = 1;
            }
            snprintf(str, (size_t)num, "[x]"); /* inih's section name is not used */
            return str;
        }
    }
    size_t len = strlen(s);
    if (len + 1 < (size_t)num) {
        memcpy(str, s, len + 1);
        return str;
    }
    /* Too long for inih's line buffer: hand it the key only and keep the
       value here; inih calls the handler before reading the next line. */
    size_t k = strcspn(s, "=:");
    if (s[k] && k + 3 < (size_t)num) {
        memcpy(str, s, k);
        memcpy(str + k, "=\x1f", 3);
        r->long_value = s + k + 1;
        return str;
    }
    note_error(r, r->line, "line too long");
    str[0] = 0;
    return str;
}

static int handler(void *user, const char *section_unused, const char *name, const char *value)
{
    (void)section_unused;
    reader_state *r = user;
    if (r->long_value && !strcmp(value, "\x1f")) value = r->long_value;
    long line = r->line;
    if (!r->section[0]) {
        note_error(r, line, "key \"%s\" before any [section] header", name);
        return 1;
    }
    int si = find_section(r->section);
    if (si < 0) return 1; /* already reported at the header */
    if (sections[si].keys && !in_list(sections[si].keys, name)) {
        char known[400] = "";
        for (int i = 0; sections[si].keys[i]; i++) {
            if (i) strncat(known, ", ", sizeof known - strlen(known) - 1);
            strncat(known, sections[si].keys[i], sizeof known - strlen(known) - 1);
        }
        note_error(r, line, "unknown key \"%s\" in [%s]; expected one of %s", name, r->section, known);
        return 1;
    }
    nt_study_priv *p = r->priv;
    for (long i = 0; i < p->n; i++) {
        if (!strcmp(p->e[i].section, r->section) && !strcmp(p->e[i].key, name)) {
            note_error(r, line, "[%s] %s is given twice (first on line %ld)", r->section, name,
                       p->e[i].line);
            return 1;
        }
    }
    if (grow((void **)&p->e, &p->cap, p->n + 1, sizeof *p->e)) {
        r->nomem = 1;
        return 1;
    }
    entry *e = &p->e[p->n];
    char *v = dupstr(value);
    e->section = dupstr(r->section);
    e->key = dupstr(name);
    e->value = v ? dupstr(trim(v)) : NULL;
    free(v);
    e->line = line;
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        r->nomem = 1;
        return 1;
    }
    p->n++;
    return 1;
}

/* ------------------------------------------------------------ value parsing */

typedef struct {
    nt_study *s;
    nt_error *err;
} ctx;

static nt_status bad(ctx *c, const entry *e, const char *expected)
{
    return nt_fail_at(c->err, NT_EINPUT, c->s->path, e->line, NULL,
                      "[%s] %s: found \"%s\", expected %s", e->section, e->key, e->value, expected);
}

static nt_status nomem(ctx *c)
{
    return nt_fail(c->err, NT_ENOMEM, "out of memory reading the study file");
}

static int parse_long(const char *v, long lo, long hi, long *out)
{
    if (!*v) return -1;
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

static int parse_int(const char *v, long lo, long hi, int *out)
{
    long x;
    if (parse_long(v, lo, hi, &x)) return -1;
    *out = (int)x;
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

/* Comma-separated list of non-empty, distinct items. */
static nt_status parse_list(ctx *c, const entry *e, int *n_out, char ***out)
{
    char *copy = dupstr(e->value);
    if (!copy) return nomem(c);
    int n = 1;
    for (const char *p = copy; *p; p++) n += *p == ',';
    char **a = calloc((size_t)n, sizeof *a);
    if (!a) { free(copy); return nomem(c); }
    nt_status st = NT_OK;
    int k = 0;
    char *save = copy;
    for (int i = 0; i < n; i++) {
        char *comma = strchr(save, ',');
        if (comma) *comma = 0;
        char *item = trim(save);
        save = comma ? comma + 1 : save + strlen(save);
        if (!*item) { st = bad(c, e, "a comma-separated list without empty items"); break; }
        for (int j = 0; j < k; j++) {
            if (!strcmp(a[j], item)) {
                st = nt_fail_at(c->err, NT_EINPUT, c->s->path, e->line, NULL,
                                "[%s] %s: \"%s\" is listed twice", e->section, e->key, item);
                break;
            }
        }
        if (st) break;
        if (!(a[k++] = dupstr(item))) { st = nomem(c); break; }
    }
    free(copy);
    if (st) { free_list(a, k); return st; }
    free_list(*out, *n_out);
    *out = a;
    *n_out = k;
    return NT_OK;
}

static nt_status set_str(ctx *c, char **dst, const char *v)
{
    char *p = dupstr(v);
    if (!p) return nomem(c);
    free(*dst);
    *dst = p;
    return NT_OK;
}

static nt_status resolve(ctx *c, char **dst, const char *v)
{
    size_t n = strlen(c->s->dir) + strlen(v) + 2;
    char *p = malloc(n);
    if (!p) return nomem(c);
    if (v[0] == '/' || !c->s->dir[0])
        snprintf(p, n, "%s", v);
    else if (c->s->dir[strlen(c->s->dir) - 1] == '/')
        snprintf(p, n, "%s%s", c->s->dir, v);
    else
        snprintf(p, n, "%s/%s", c->s->dir, v);
    free(*dst);
    *dst = p;
    return NT_OK;
}

/* "a:b" with 0 <= a <= b, or "YYYY-MM:YYYY-MM" with from <= to. */
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

static nt_status parse_subgroup(ctx *c, const entry *e)
{
    nt_study *s = c->s;
    int n = 0;
    char **items = NULL;
    nt_status st = parse_list(c, e, &n, &items);
    if (st) return st;
    nt_study_subgroup *grown = realloc(s->subgroups, (size_t)(s->n_subgroups + 1) * sizeof *grown);
    if (!grown) { free_list(items, n); return nomem(c); }
    s->subgroups = grown;
    nt_study_subgroup *g = &s->subgroups[s->n_subgroups];
    memset(g, 0, sizeof *g);
    g->line = e->line;
    g->variable = dupstr(e->key);
    g->groups = calloc((size_t)n, sizeof *g->groups);
    s->n_subgroups++; /* owned from here: freed with the study */
    if (!g->variable || !g->groups) { free_list(items, n); return nomem(c); }
    int n_range = 0;
    for (int i = 0; i < n; i++) {
        nt_study_group *gr = &g->groups[i];
        double lo, hi;
        char value[256];
        if (parse_range(items[i], &lo, &hi) == 0) {
            if (lo > hi) {
                st = nt_fail_at(c->err, NT_EINPUT, s->path, e->line, NULL,
                                "[subgroups] %s: range \"%s\" has its lower end above its upper end",
                                e->key, items[i]);
                break;
            }
            gr->is_range = 1;
            gr->lo = lo;
            gr->hi = hi;
            n_range++;
            size_t k = 0;
            for (const char *p = items[i]; *p && k + 1 < sizeof value; p++)
                if (!isspace((unsigned char)*p)) value[k++] = *p;
            value[k] = 0;
        } else {
            snprintf(value, sizeof value, "%s", items[i]);
        }
        size_t ll = strlen(e->key) + strlen(value) + 2;
        gr->value = dupstr(value);
        gr->label = malloc(ll);
        g->n_groups = i + 1;
        if (!gr->value || !gr->label) { st = nomem(c); break; }
        snprintf(gr->label, ll, "%s=%s", e->key, value);
    }
    if (!st && n_range && n_range != n)
        st = nt_fail_at(c->err, NT_EINPUT, s->path, e->line, NULL,
                        "[subgroups] %s: found \"%s\", expected either level names "
                        "(low, mid, high) or numeric ranges (18-44, 45-64), not both",
                        e->key, e->value);
    g->is_range = n_range > 0 && n_range == n;
    free_list(items, n);
    return st;
}

static nt_status parse_cost(ctx *c, const entry *e)
{
    nt_study *s = c->s;
    double x;
    if (parse_num(e->value, &x) || x < 0) return bad(c, e, "a cost in euros (a number >= 0)");
    nt_study_cost *grown = realloc(s->costs, (size_t)(s->n_costs + 1) * sizeof *grown);
    if (!grown) return nomem(c);
    s->costs = grown;
    nt_study_cost *k = &s->costs[s->n_costs];
    k->program = dupstr(e->key);
    if (!k->program) return nomem(c);
    k->euros = x;
    k->line = e->line;
    s->n_costs++;
    return NT_OK;
}

static nt_status convert(ctx *c, const entry *e)
{
    nt_study *s = c->s;
    const char *sec = e->section, *k = e->key, *v = e->value;
    if (!strcmp(sec, "subgroups")) return parse_subgroup(c, e);
    if (!strcmp(sec, "cost")) return parse_cost(c, e);
    if (!*v)
        return nt_fail_at(c->err, NT_EINPUT, s->path, e->line, NULL,
                          "[%s] %s has no value; give one or remove the line for the default",
                          sec, k);
    long x;
    double d;
    char a[64], b[64];

    if (!strcmp(sec, "study")) {
        if (!strcmp(k, "name")) {
            if (strchr(v, '/')) return bad(c, e, "a name without '/'");
            return set_str(c, &s->name, v);
        }
        if (!strcmp(k, "seed")) {
            for (const char *p = v; *p; p++)
                if (!isdigit((unsigned char)*p)) return bad(c, e, "a whole number >= 0");
            errno = 0;
            unsigned long long u = strtoull(v, NULL, 10);
            if (errno) return bad(c, e, "a whole number below 2^64");
            s->seed = (uint64_t)u;
            return NT_OK;
        }
        if (!strcmp(k, "out")) return resolve(c, &s->out, v);
    } else if (!strcmp(sec, "data")) {
        if (!strcmp(k, "persons")) return resolve(c, &s->persons_path, v);
        if (!strcmp(k, "benefits")) return resolve(c, &s->benefits_path, v);
        if (!strcmp(k, "programs")) return resolve(c, &s->programs_path, v);
        if (!strcmp(k, "jobs")) return resolve(c, &s->jobs_path, v);
        if (!strcmp(k, "store")) return resolve(c, &s->store_path, v);
        if (!strcmp(k, "data_end")) {
            if (nt_date_parse(v, strlen(v), &s->data_end))
                return bad(c, e, "a date (YYYY-MM-DD or YYYYMMDD)");
            return NT_OK;
        }
        if (!strcmp(k, "lenient"))
            return parse_bool(v, &s->lenient) ? bad(c, e, "yes or no") : NT_OK;
        if (!strcmp(k, "ignore_unknown_persons"))
            return parse_bool(v, &s->ignore_unknown_persons) ? bad(c, e, "yes or no") : NT_OK;
        if (!strcmp(k, "encoding")) {
            if (!strcasecmp(v, "utf-8") || !strcasecmp(v, "utf8")) s->cp1252 = 0;
            else if (!strcasecmp(v, "cp1252")) s->cp1252 = 1;
            else return bad(c, e, "utf-8 or cp1252");
            return NT_OK;
        }
        if (!strcmp(k, "decimal")) {
            if (strcmp(v, ".") && strcmp(v, ",")) return bad(c, e, "\".\" or \",\"");
            s->decimal = v[0];
            return NT_OK;
        }
        if (!strcmp(k, "person_key")) {
            for (const char *p = v; *p; p++)
                if (isspace((unsigned char)*p) || *p == ',')
                    return bad(c, e, "a column name or names joined by '+' (A+B)");
            if (v[0] == '+' || v[strlen(v) - 1] == '+' || strstr(v, "++"))
                return bad(c, e, "a column name or names joined by '+' (A+B)");
            return set_str(c, &s->person_key, v);
        }
    } else if (!strcmp(sec, "cohort")) {
        if (!strcmp(k, "scheme")) return parse_list(c, e, &s->n_schemes, &s->schemes);
        if (!strcmp(k, "inflow")) {
            int from, to;
            if (split_colon(v, a, b, sizeof a) || nt_month_parse(a, strlen(a), &from) ||
                nt_month_parse(b, strlen(b), &to))
                return bad(c, e, "YYYY-MM:YYYY-MM");
            if (from > to) return bad(c, e, "YYYY-MM:YYYY-MM with the first month not after the second");
            s->inflow_from = from;
            s->inflow_to = to;
            return NT_OK;
        }
    } else if (!strcmp(sec, "treatment")) {
        if (!strcmp(k, "programs")) return parse_list(c, e, &s->n_programs, &s->programs);
        if (!strcmp(k, "start_months")) {
            int lo, hi;
            if (split_colon(v, a, b, sizeof a) || parse_int(a, 0, 1200, &lo) ||
                parse_int(b, 0, 1200, &hi) || lo > hi)
                return bad(c, e, "a:b with whole months 0 <= a <= b (e.g. 0:23)");
            s->start_first = lo;
            s->start_last = hi;
            return NT_OK;
        }
        if (!strcmp(k, "start_interval"))
            return parse_int(v, 1, 1200, &s->start_interval) ? bad(c, e, "a whole number of months >= 1") : NT_OK;
        if (!strcmp(k, "horizon"))
            return parse_int(v, 1, 1200, &s->horizon) ? bad(c, e, "a whole number of months from 1 to 1200") : NT_OK;
    } else if (!strcmp(sec, "estimator")) {
        if (!strcmp(k, "method")) {
            int m = nt_method_parse(v);
            if (m < 0) return bad(c, e, "nn, radius, kernel, ipw or aipw");
            s->method = (nt_method)m;
            return NT_OK;
        }
        if (!strcmp(k, "neighbors"))
            return parse_int(v, 1, 1000, &s->neighbors) ? bad(c, e, "a whole number >= 1") : NT_OK;
        if (!strcmp(k, "caliper")) {
            if (!strcmp(v, "none")) { s->caliper = 0; return NT_OK; }
            if (parse_num(v, &d) || !(d > 0)) return bad(c, e, "a number > 0 (SD of the logit propensity score) or none");
            s->caliper = d;
            return NT_OK;
        }
        if (!strcmp(k, "replace"))
            return parse_bool(v, &s->replace) ? bad(c, e, "yes or no") : NT_OK;
        if (!strcmp(k, "history"))
            return parse_bool(v, &s->history) ? bad(c, e, "yes or no") : NT_OK;
        if (!strcmp(k, "covariates")) return parse_list(c, e, &s->n_covariates, &s->covariates);
        if (!strcmp(k, "exact")) {
            if (!strcmp(v, "none")) { free_list(s->exact, s->n_exact); s->exact = NULL; s->n_exact = 0; return NT_OK; }
            nt_status st = parse_list(c, e, &s->n_exact, &s->exact);
            if (st) return st;
            for (int i = 0; i < s->n_exact; i++)
                if (!strcmp(s->exact[i], "none")) return bad(c, e, "none or a list of variables");
            return NT_OK;
        }
        if (!strcmp(k, "trim")) {
            if (!strcmp(v, "none")) s->trim = NT_TRIM_NONE;
            else if (!strcmp(v, "minmax")) s->trim = NT_TRIM_MINMAX;
            else if (!strcmp(v, "crump")) s->trim = NT_TRIM_CRUMP;
            else return bad(c, e, "none, minmax or crump");
            return NT_OK;
        }
        if (!strcmp(k, "kernel")) {
            if (!strcmp(v, "epanechnikov")) s->kernel = NT_KERNEL_EPANECHNIKOV;
            else if (!strcmp(v, "gaussian")) s->kernel = NT_KERNEL_GAUSSIAN;
            else return bad(c, e, "epanechnikov or gaussian");
            return NT_OK;
        }
        if (!strcmp(k, "bandwidth")) {
            if (!strcmp(v, "auto")) { s->bandwidth = 0; return NT_OK; }
            if (parse_num(v, &d) || !(d > 0)) return bad(c, e, "a number > 0 or auto");
            s->bandwidth = d;
            return NT_OK;
        }
        if (!strcmp(k, "radius_factor")) {
            if (parse_num(v, &d) || !(d > 0)) return bad(c, e, "a number > 0");
            s->radius_factor = d;
            return NT_OK;
        }
        if (!strcmp(k, "ai_neighbors"))
            return parse_int(v, 1, 1000, &s->ai_neighbors) ? bad(c, e, "a whole number >= 1") : NT_OK;
    } else if (!strcmp(sec, "outcomes")) {
        if (!strcmp(k, "series")) {
            nt_status st = parse_list(c, e, &s->n_series, &s->series);
            if (st) return st;
            for (int i = 0; i < s->n_series; i++)
                if (!in_list(series_names, s->series[i]))
                    return nt_fail_at(c->err, NT_EINPUT, s->path, e->line, NULL,
                                      "[outcomes] series: \"%s\" is not a panel series; expected "
                                      "employed, earnings, on_benefit, on_index_benefit or in_program",
                                      s->series[i]);
            return NT_OK;
        }
    } else if (!strcmp(sec, "inference")) {
        if (!strcmp(k, "bootstrap"))
            return parse_int(v, 0, 1000000, &s->bootstrap) ? bad(c, e, "a whole number of replicates >= 0") : NT_OK;
        if (!strcmp(k, "ci_level")) {
            if (parse_num(v, &d) || !(d > 0 && d < 1)) return bad(c, e, "a number between 0 and 1 (e.g. 0.95)");
            s->ci_level = d;
            return NT_OK;
        }
    } else if (!strcmp(sec, "disclosure")) {
        if (!strcmp(k, "min_cell")) {
            if (parse_long(v, 0, 1000000000L, &x)) return bad(c, e, "a whole number of persons >= 0");
            s->min_cell = x;
            return NT_OK;
        }
    }
    return bad(c, e, "a known key"); /* not reached: keys were checked while reading */
}

/* ------------------------------------------------------------- the study */

static const entry *find_entry(const nt_study *s, const char *section, const char *key)
{
    const nt_study_priv *p = s->priv;
    for (long i = 0; i < p->n; i++)
        if (!strcmp(p->e[i].section, section) && !strcmp(p->e[i].key, key)) return &p->e[i];
    return NULL;
}

long nt_study_line(const nt_study *s, const char *section, const char *key)
{
    if (!s || !s->priv || !section) return 0;
    if (!key) {
        for (long i = 0; i < s->priv->nsec; i++)
            if (!strcmp(s->priv->sec[i].name, section)) return s->priv->sec[i].line;
        return 0;
    }
    const entry *e = find_entry(s, section, key);
    return e ? e->line : 0;
}

static nt_status copy_list(ctx *c, const char *const *src, int *n, char ***dst)
{
    int k = 0;
    while (src[k]) k++;
    char **a = calloc((size_t)k, sizeof *a);
    if (!a) return nomem(c);
    for (int i = 0; i < k; i++)
        if (!(a[i] = dupstr(src[i]))) { free_list(a, i); return nomem(c); }
    *dst = a;
    *n = k;
    return NT_OK;
}

static nt_status add_warning(ctx *c, const char *msg)
{
    nt_study *s = c->s;
    char **w = realloc(s->warnings, (size_t)(s->n_warnings + 1) * sizeof *w);
    if (!w) return nomem(c);
    s->warnings = w;
    if (!(w[s->n_warnings] = dupstr(msg))) return nomem(c);
    s->n_warnings++;
    return NT_OK;
}

static nt_status missing(ctx *c, const char *section, const char *what)
{
    return nt_fail_at(c->err, NT_EINPUT, c->s->path, nt_study_line(c->s, section, NULL), NULL,
                      "%s", what);
}

static nt_status check(ctx *c)
{
    nt_study *s = c->s;
    nt_status st;
    if (!s->name) return missing(c, "study", "[study] name is required");

    int n_spell = !!s->persons_path + !!s->benefits_path + !!s->programs_path + !!s->jobs_path;
    if (s->store_path) {
        if (n_spell) {
            const char *keys[] = {"persons", "benefits", "programs", "jobs"};
            long line = 0;
            for (int i = 0; i < 4; i++) {
                long l = nt_study_line(s, "data", keys[i]);
                if (l && (!line || l < line)) line = l;
            }
            long sl = nt_study_line(s, "data", "store");
            return nt_fail_at(c->err, NT_EINPUT, s->path, sl > line ? sl : line, NULL,
                              "[data] gives both a store and spell files; give either the four "
                              "spell files or a store written by `netto ingest`");
        }
        const char *ingest_keys[] = {"data_end", "lenient", "encoding", "decimal", "person_key",
                                     "ignore_unknown_persons", NULL};
        for (int i = 0; ingest_keys[i]; i++) {
            long l = nt_study_line(s, "data", ingest_keys[i]);
            if (l)
                return nt_fail_at(c->err, NT_EINPUT, s->path, l, NULL,
                                  "[data] %s applies to spell files; a store keeps the settings "
                                  "it was ingested with (give them to `netto ingest`)", ingest_keys[i]);
        }
        long cl = nt_study_line(s, "cohort", NULL);
        if (cl)
            return nt_fail_at(c->err, NT_EINPUT, s->path, cl, NULL,
                              "[cohort] is not allowed with a store: the store already holds "
                              "its cohort (set by `netto ingest --scheme --inflow`)");
    } else {
        if (n_spell == 0)
            return missing(c, "data", "[data] needs the four spell files (persons, benefits, "
                                      "programs, jobs) or a store");
        if (n_spell < 4) {
            char msg[256];
            snprintf(msg, sizeof msg, "[data] is missing%s%s%s%s (all four spell files are needed)",
                     s->persons_path ? "" : " persons", s->benefits_path ? "" : " benefits",
                     s->programs_path ? "" : " programs", s->jobs_path ? "" : " jobs");
            return missing(c, "data", msg);
        }
        if (!s->n_schemes)
            return missing(c, "cohort", "[cohort] scheme is required (or give a store in [data])");
        if (!nt_study_line(s, "cohort", "inflow"))
            return missing(c, "cohort", "[cohort] inflow is required (YYYY-MM:YYYY-MM)");
    }
    if (!s->n_programs) return missing(c, "treatment", "[treatment] programs is required");

    /* A cost for a programme that is not evaluated is almost surely a typo,
       unless `any` is evaluated (then every type in the data may need one;
       the caller checks those names against the data). */
    int has_any = 0;
    for (int i = 0; i < s->n_programs; i++) has_any |= !strcmp(s->programs[i], "any");
    for (int i = 0; i < s->n_costs && !has_any; i++) {
        int found = 0;
        for (int j = 0; j < s->n_programs; j++) found |= !strcmp(s->programs[j], s->costs[i].program);
        if (!found)
            return nt_fail_at(c->err, NT_EINPUT, s->path, s->costs[i].line, NULL,
                              "[cost] %s: not one of the programmes in [treatment] programs",
                              s->costs[i].program);
    }

    if (!s->out) {
        char rel[600];
        snprintf(rel, sizeof rel, "results/%s", s->name);
        if ((st = resolve(c, &s->out, rel))) return st;
    }
    if (!s->covariates && (st = copy_list(c, default_covariates, &s->n_covariates, &s->covariates)))
        return st;
    if (!s->series && (st = copy_list(c, default_series, &s->n_series, &s->series))) return st;

    if (s->method == NT_METHOD_NN && s->replace && s->bootstrap > 0)
        if ((st = add_warning(c, "the bootstrap is not valid for nearest-neighbour matching with "
                                 "replacement and a fixed number of neighbours (Abadie & Imbens "
                                 "2008); its standard errors and intervals may be too small or too "
                                 "large: prefer method = radius, kernel or ipw")))
            return st;
    return NT_OK;
}

static void set_defaults(nt_study *s)
{
    s->seed = 1;
    s->data_end = NT_DAY_NONE;
    s->decimal = '.';
    s->start_first = 0;
    s->start_last = 11;
    s->start_interval = 3;
    s->horizon = 96;
    s->method = NT_METHOD_RADIUS;
    s->neighbors = 1;
    s->caliper = 0.2;
    s->replace = 1;
    s->trim = NT_TRIM_NONE;
    s->kernel = NT_KERNEL_EPANECHNIKOV;
    s->bandwidth = 0;
    s->radius_factor = 1.5;
    s->ai_neighbors = 2;
    s->bootstrap = 200;
    s->ci_level = 0.95;
    s->min_cell = 10;
}

void nt_study_free(nt_study *s)
{
    if (!s) return;
    free(s->path);
    free(s->dir);
    free(s->name);
    free(s->out);
    free(s->persons_path);
    free(s->benefits_path);
    free(s->programs_path);
    free(s->jobs_path);
    free(s->store_path);
    free(s->person_key);
    free_list(s->schemes, s->n_schemes);
    free_list(s->programs, s->n_programs);
    free_list(s->covariates, s->n_covariates);
    free_list(s->exact, s->n_exact);
    free_list(s->series, s->n_series);
    for (int i = 0; i < s->n_subgroups; i++) {
        nt_study_subgroup *g = &s->subgroups[i];
        for (int j = 0; j < g->n_groups; j++) {
            free(g->groups[j].value);
            free(g->groups[j].label);
        }
        free(g->groups);
        free(g->variable);
    }
    free(s->subgroups);
    for (int i = 0; i < s->n_costs; i++) free(s->costs[i].program);
    free(s->costs);
    free_list(s->warnings, s->n_warnings);
    if (s->priv) {
        for (long i = 0; i < s->priv->n; i++) {
            free(s->priv->e[i].section);
            free(s->priv->e[i].key);
            free(s->priv->e[i].value);
        }
        free(s->priv->e);
        for (long i = 0; i < s->priv->nsec; i++) free(s->priv->sec[i].name);
        free(s->priv->sec);
        free(s->priv);
    }
    free(s);
}

nt_status nt_study_read(const char *path, nt_study **out, nt_error *err)
{
    nt_study *s = calloc(1, sizeof *s);
    if (!s) return nt_fail(err, NT_ENOMEM, "out of memory");
    set_defaults(s);
    s->priv = calloc(1, sizeof *s->priv);
    s->path = dupstr(path);
    s->dir = dupstr(path);
    if (!s->priv || !s->path || !s->dir) {
        nt_study_free(s);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    char *slash = strrchr(s->dir, '/');
    if (!slash) s->dir[0] = 0;
    else if (slash == s->dir) s->dir[1] = 0;
    else *slash = 0;

    FILE *fp = fopen(path, "r");
    if (!fp) {
        nt_status st = nt_fail_at(err, NT_EINPUT, path, 0, NULL, "cannot open the study file: %s",
                                  strerror(errno));
        nt_study_free(s);
        return st;
    }
    reader_state r;
    memset(&r, 0, sizeof r);
    r.fp = fp;
    r.path = path;
    r.priv = s->priv;
    r.err = err;
    int ret = ini_parse_stream(line_reader, &r, handler, &r);
    int read_error = ferror(fp);
    fclose(fp);
    free(r.buf);
    nt_status st = NT_OK;
    if (r.nomem || ret == -2) {
        st = nt_fail(err, NT_ENOMEM, "out of memory reading the study file");
    } else if (read_error) {
        st = nt_fail_at(err, NT_EIO, path, 0, NULL, "read error");
    } else if (ret > 0 && (!r.err_line || ret < r.err_line)) {
        st = nt_fail_at(err, NT_EINPUT, path, ret, NULL,
                        "expected \"key = value\", a [section] header or a comment");
    } else if (r.err_line) {
        st = NT_EINPUT; /* err filled by note_error */
    }
    ctx c = {s, err};
    for (long i = 0; !st && i < s->priv->n; i++) st = convert(&c, &s->priv->e[i]);
    if (!st) st = check(&c);
    if (st) {
        nt_study_free(s);
        return st;
    }
    *out = s;
    return NT_OK;
}

nt_status nt_study_set_out(nt_study *s, const char *out, nt_error *err)
{
    char *p = dupstr(out);
    if (!p) return nt_fail(err, NT_ENOMEM, "out of memory");
    free(s->out);
    s->out = p;
    return NT_OK;
}


double nt_study_cost_of(const nt_study *s, const char *program)
{
    for (int i = 0; i < s->n_costs; i++)
        if (!strcmp(s->costs[i].program, program)) return s->costs[i].euros;
    return NAN;
}

int nt_study_less_is_better(const char *series)
{
    return !strcmp(series, "on_benefit") || !strcmp(series, "on_index_benefit");
}

/* ------------------------------------------------------------- manifest */

static void record_list(nt_manifest *m, const char *sec, const char *key, char **a, int n,
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
    nt_manifest_setting_str(m, sec, key, n ? buf : empty);
    free(buf);
}

void nt_study_record(const nt_study *s, nt_manifest *m)
{
    char buf[64];
    nt_manifest_setting_str(m, "study", "file", s->path);
    nt_manifest_setting_str(m, "study", "name", s->name);
    if (s->seed <= (1ULL << 53)) nt_manifest_setting_num(m, "study", "seed", (double)s->seed);
    else {
        snprintf(buf, sizeof buf, "%llu", (unsigned long long)s->seed);
        nt_manifest_setting_str(m, "study", "seed", buf);
    }
    nt_manifest_setting_str(m, "study", "out", s->out);

    if (s->store_path) {
        nt_manifest_setting_str(m, "data", "store", s->store_path);
    } else {
        nt_manifest_setting_str(m, "data", "persons", s->persons_path);
        nt_manifest_setting_str(m, "data", "benefits", s->benefits_path);
        nt_manifest_setting_str(m, "data", "programs", s->programs_path);
        nt_manifest_setting_str(m, "data", "jobs", s->jobs_path);
        if (s->data_end == NT_DAY_NONE) {
            nt_manifest_setting_str(m, "data", "data_end", "from the data");
        } else {
            nt_day_format(s->data_end, buf);
            nt_manifest_setting_str(m, "data", "data_end", buf);
        }
        nt_manifest_setting_bool(m, "data", "lenient", s->lenient);
        nt_manifest_setting_str(m, "data", "encoding", s->cp1252 ? "cp1252" : "utf-8");
        buf[0] = s->decimal;
        buf[1] = 0;
        nt_manifest_setting_str(m, "data", "decimal", buf);
        nt_manifest_setting_str(m, "data", "person_key", s->person_key ? s->person_key : "person_id");
        nt_manifest_setting_bool(m, "data", "ignore_unknown_persons", s->ignore_unknown_persons);

        record_list(m, "cohort", "scheme", s->schemes, s->n_schemes, "");
        char a[8], b[8];
        nt_month_format(s->inflow_from, a);
        nt_month_format(s->inflow_to, b);
        snprintf(buf, sizeof buf, "%s:%s", a, b);
        nt_manifest_setting_str(m, "cohort", "inflow", buf);
    }

    record_list(m, "treatment", "programs", s->programs, s->n_programs, "");
    snprintf(buf, sizeof buf, "%d:%d", s->start_first, s->start_last);
    nt_manifest_setting_str(m, "treatment", "start_months", buf);
    nt_manifest_setting_num(m, "treatment", "start_interval", s->start_interval);
    nt_manifest_setting_num(m, "treatment", "horizon", s->horizon);

    nt_manifest_setting_str(m, "estimator", "method", nt_method_name(s->method));
    nt_manifest_setting_num(m, "estimator", "neighbors", s->neighbors);
    if (s->caliper > 0) nt_manifest_setting_num(m, "estimator", "caliper", s->caliper);
    else nt_manifest_setting_str(m, "estimator", "caliper", "none");
    nt_manifest_setting_bool(m, "estimator", "replace", s->replace);
    record_list(m, "estimator", "covariates", s->covariates, s->n_covariates, "");
    nt_manifest_setting_bool(m, "estimator", "history", s->history);
    record_list(m, "estimator", "exact", s->exact, s->n_exact, "none");
    nt_manifest_setting_str(m, "estimator", "trim", nt_trim_name(s->trim));
    nt_manifest_setting_str(m, "estimator", "kernel", nt_kernel_name(s->kernel));
    if (s->bandwidth > 0) nt_manifest_setting_num(m, "estimator", "bandwidth", s->bandwidth);
    else nt_manifest_setting_str(m, "estimator", "bandwidth", "auto");
    nt_manifest_setting_num(m, "estimator", "radius_factor", s->radius_factor);
    nt_manifest_setting_num(m, "estimator", "ai_neighbors", s->ai_neighbors);

    record_list(m, "outcomes", "series", s->series, s->n_series, "");
    nt_manifest_setting_num(m, "inference", "bootstrap", s->bootstrap);
    nt_manifest_setting_num(m, "inference", "ci_level", s->ci_level);

    for (int i = 0; i < s->n_subgroups; i++) {
        const nt_study_subgroup *g = &s->subgroups[i];
        char **vals = malloc((size_t)g->n_groups * sizeof *vals);
        if (!vals) continue;
        for (int j = 0; j < g->n_groups; j++) vals[j] = g->groups[j].value;
        record_list(m, "subgroups", g->variable, vals, g->n_groups, "");
        free(vals);
    }
    for (int i = 0; i < s->n_costs; i++)
        nt_manifest_setting_num(m, "cost", s->costs[i].program, s->costs[i].euros);
    nt_manifest_setting_num(m, "disclosure", "min_cell", (double)s->min_cell);
    for (int i = 0; i < s->n_warnings; i++) nt_manifest_warning(m, "%s: %s", s->path, s->warnings[i]);
}
