/* Study file reader. Three passes:
   1. libinih splits the file into (section, key, value); our reader feeds it
      one physical line at a time, so the line count is exact, and strips
      comments (';' or '#' at line start or after whitespace) and leading
      whitespace first, so inih's multi-line continuation never applies.
      The reader also checks section headers, so an unknown or empty
      section is caught even when it has no keys.
   2. Each (section, key) is checked against the table of keys
      (nt_study_keys.c) and for duplicates, then converted by its row in
      file order (so the first bad line is reported).
   3. One loop over the table, row by row: the default of a key not written,
      a missing required key, the row's check (the rules between keys).
   Recording the manifest and freeing are loops over the same table. */
#include "study/nt_study.h"
#include "study/nt_study_keys.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <strings.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* ------------------------------------------------------------ the table */

/* The row of (section, key): a named row, else the section's free-key row. */
static const nt_study_key *find_key(const char *section, const char *key)
{
    const nt_study_key *any = NULL;
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        if (strcmp(k->section, section)) continue;
        if (!k->name) any = k;
        else if (!strcmp(k->name, key)) return k;
    }
    return any;
}

static int known_section(const char *name)
{
    for (int i = 0; i < nt_study_n_keys; i++)
        if (!strcmp(nt_study_keys[i].section, name)) return 1;
    return 0;
}

/* "a, b, c" of the sections (as "[a]") or of one section's keys. */
static void list_known(const char *section, char *buf, size_t size)
{
    buf[0] = 0;
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        if (section ? strcmp(k->section, section) || !k->name
                    : i > 0 && !strcmp(k->section, nt_study_keys[i - 1].section))
            continue;
        size_t used = strlen(buf);
        if (section) snprintf(buf + used, size - used, "%s%s", used ? ", " : "", k->name);
        else snprintf(buf + used, size - used, "%s[%s]", used ? ", " : "", k->section);
    }
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
            else if (!known_section(name)) {
                char known[300];
                list_known(NULL, known, sizeof known);
                note_error(r, r->line, "unknown section [%s]; expected one of %s", name, known);
            }
            snprintf(r->section, sizeof r->section, "%s", name);
            nt_study_priv *p = r->priv;
            if (grow((void **)&p->sec, &p->capsec, p->nsec + 1, sizeof *p->sec)) {
                r->nomem = 1;
            } else if ((p->sec[p->nsec].name = strdup(name))) {
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
    if (!known_section(r->section)) return 1; /* already reported at the header */
    if (!find_key(r->section, name)) {
        char known[400];
        list_known(r->section, known, sizeof known);
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
    char *v = strdup(value);
    e->section = strdup(r->section);
    e->key = strdup(name);
    e->value = v ? strdup(trim(v)) : NULL;
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

/* The value of a key not written in the file: its row's default, with
   "<name>" standing for [study] name (checked by an earlier row). */
static nt_status set_default(nt_study *s, const nt_study_key *k, nt_error *err)
{
    char buf[600];
    const char *def = k->def, *at = strstr(def, "<name>");
    if (at) {
        snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - def), def, s->name ? s->name : "",
                 at + strlen("<name>"));
        def = buf;
    }
    nt_study_value v = {k->section, k->name, def, 0};
    return nt_study_key_set(s, k, &v, err);
}

/* Pass 3, row by row: default, required, the row's check. */
static nt_status finish(nt_study *s, nt_error *err)
{
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        int given = k->name && nt_study_line(s, k->section, k->name) > 0;
        int spells_only = (k->flags & NT_KEY_SPELLS) && s->store_path;
        nt_status st = NT_OK;
        if (!given && k->def) st = set_default(s, k, err);
        else if (!given && (k->flags & NT_KEY_REQUIRED) && !spells_only)
            st = nt_fail_at(err, NT_EINPUT, s->path, nt_study_line(s, k->section, NULL), NULL,
                            "[%s] %s is required%s", k->section, k->name,
                            k->flags & NT_KEY_SPELLS ? " (or give a store in [data])" : "");
        if (!st && k->check) st = k->check(s, err);
        if (st) return st;
    }
    return NT_OK;
}

void nt_study_free(nt_study *s)
{
    if (!s) return;
    for (int i = 0; i < nt_study_n_keys; i++) nt_study_key_free(s, &nt_study_keys[i]);
    free(s->path);
    free(s->dir);
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
    for (int i = 0; i < s->n_warnings; i++) free(s->warnings[i]);
    free(s->warnings);
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

/* Pass 1: the file into s->priv's entries and section headers. */
static nt_status read_entries(nt_study *s, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "cannot open the study file: %s",
                          strerror(errno));
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
    if (r.nomem || ret == -2) return nt_fail(err, NT_ENOMEM, "out of memory reading the study file");
    if (read_error) return nt_fail_at(err, NT_EIO, path, 0, NULL, "read error");
    if (ret > 0 && (!r.err_line || ret < r.err_line))
        return nt_fail_at(err, NT_EINPUT, path, ret, NULL,
                          "expected \"key = value\", a [section] header or a comment");
    return r.err_line ? NT_EINPUT : NT_OK; /* err filled by note_error */
}

/* Reads the study file; every bad key of pass 2 into errs (at most max;
   *n of them), then, if there was none, the rules of pass 3. */
static nt_status read_study(const char *path, nt_study **out, nt_error *errs, int max, int *n)
{
    *n = 0;
    nt_study *s = calloc(1, sizeof *s);
    if (!s) { *n = 1; return nt_fail(errs, NT_ENOMEM, "out of memory"); }
    s->data_end = NT_DAY_NONE;
    s->priv = calloc(1, sizeof *s->priv);
    s->path = strdup(path);
    s->dir = strdup(path);
    if (!s->priv || !s->path || !s->dir) {
        nt_study_free(s);
        *n = 1;
        return nt_fail(errs, NT_ENOMEM, "out of memory");
    }
    char *slash = strrchr(s->dir, '/');
    if (!slash) s->dir[0] = 0;
    else if (slash == s->dir) s->dir[1] = 0;
    else *slash = 0;

    nt_status st = read_entries(s, path, &errs[0]), first = st;
    if (st) *n = 1;
    for (long i = 0; !st && i < s->priv->n && *n < max; i++) { /* pass 2 */
        const entry *e = &s->priv->e[i];
        nt_study_value v = {e->section, e->key, e->value, e->line};
        nt_status k = nt_study_key_set(s, find_key(e->section, e->key), &v, &errs[*n]);
        if (k == NT_ENOMEM) { st = k; (*n)++; break; }
        if (k) { if (!first) first = k; (*n)++; }
    }
    if (!first && !st && (first = finish(s, &errs[0]))) *n = 1;
    if (first || st) {
        nt_study_free(s);
        return first ? first : st;
    }
    *out = s;
    return NT_OK;
}

nt_status nt_study_read(const char *path, nt_study **out, nt_error *err)
{
    int n;
    return read_study(path, out, err, 1, &n);
}

nt_status nt_study_check_file(const char *path, nt_study **out, nt_error *errs, int max, int *n)
{
    return read_study(path, out, errs, max < 1 ? 1 : max, n);
}

nt_status nt_study_set_out(nt_study *s, const char *out, nt_error *err)
{
    char *p = strdup(out);
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

double nt_study_benefit_month(const nt_study *s, const char *scheme)
{
    for (int i = 0; i < s->n_benefit_month; i++) {
        const char *item = s->benefit_month[i], *colon = strrchr(item, ':');
        size_t n = colon ? (size_t)(colon - item) : 0;
        while (n > 0 && item[n - 1] == ' ') n--;
        if (colon && strlen(scheme) == n && !strncasecmp(item, scheme, n)) return strtod(colon + 1, NULL);
    }
    return NAN;
}

void nt_study_record(const nt_study *s, nt_manifest *m)
{
    nt_manifest_setting_str(m, "study", "file", s->path);
    for (int i = 0; i < nt_study_n_keys; i++) {
        const nt_study_key *k = &nt_study_keys[i];
        if (!((k->flags & NT_KEY_SPELLS) && s->store_path)) nt_study_key_record(s, k, m);
    }
    for (int i = 0; i < s->n_warnings; i++) nt_manifest_warning(m, "%s: %s", s->path, s->warnings[i]);
}
