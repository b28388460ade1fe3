#include "cli/cli_opts.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/nt_date.h"

#define MAX_ROWS 64
/* What a bad value gets: the row's "expected ..." ("": the row has only need). */
#define BAD(r) ((r)->bad ? (r)->bad : "")

static int parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

/* Finite numbers only (NaN fails both comparisons). */
static int parse_double(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !(v >= -DBL_MAX && v <= DBL_MAX)) return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}

/* An integer field of any width (char, int, enum, long). */
static void put_int(void *f, size_t size, long v)
{
    int8_t b = (int8_t)v;
    int16_t h = (int16_t)v;
    int32_t w = (int32_t)v;
    int64_t q = v;
    memcpy(f, size == 1 ? (void *)&b : size == 2 ? (void *)&h : size == 4 ? (void *)&w : (void *)&q, size);
}

static void put_ptr(void *f, const void *p) { memcpy(f, &p, sizeof p); }

static void *get_ptr(const void *f)
{
    void *p;
    memcpy(&p, f, sizeof p);
    return p;
}

/* "A, B,,C" -> {"A", "B", "C"}: one block, the pointers then the text. */
static const char *put_names(const cli_opt *r, const char *v, char *o)
{
    int max = (int)r->hi, n = 0;
    const char **p = malloc(max * sizeof *p + strlen(v) + 1);
    if (!p) return BAD(r);
    char *text = strcpy((char *)(p + max), v);
    for (char *tok = strtok(text, ","); tok; tok = strtok(NULL, ",")) {
        while (*tok == ' ') tok++;
        char *e = tok + strlen(tok);
        while (e > tok && e[-1] == ' ') *--e = 0;
        if (!*tok) continue;
        if (n == max) {
            static char most[48];
            snprintf(most, sizeof most, "expected at most %d names", max);
            return free(p), most;
        }
        p[n++] = tok;
    }
    if (!n) return free(p), BAD(r);
    free(get_ptr(o + r->off));
    put_ptr(o + r->off, p);
    put_int(o + r->off2, sizeof(int), n);
    return NULL;
}

/* "3,6,12": ascending finite numbers. */
static const char *put_numbers(const cli_opt *r, const char *v, char *o)
{
    int max = (int)r->hi, n = 0;
    double *x = malloc(max * sizeof *x);
    char *text = strdup(v);
    const char *bad = x && text ? NULL : BAD(r);
    for (char *tok = bad ? NULL : strtok(text, ","); tok && !bad; tok = strtok(NULL, ",")) {
        if (n == max || parse_double(tok, &x[n]) || (n > 0 && !(x[n] > x[n - 1]))) bad = BAD(r);
        n++;
    }
    free(text);
    if (bad || !n) return free(x), BAD(r);
    free(get_ptr(o + r->off));
    put_ptr(o + r->off, x);
    put_int(o + r->off2, sizeof(int), n);
    return NULL;
}

/* Stores v in the row's field; NULL, or what was expected instead. */
static const char *put(const cli_opt *r, const char *v, char *o)
{
    void *f = o + r->off;
    long l;
    double d;
    uint64_t u;
    nt_day day;
    int from, to;
    const char *colon;
    switch (r->type) {
    case CLI_STR:
    case CLI_ARG: put_ptr(f, v); return NULL;
    case CLI_TEXT:
        if (strlen(v) >= r->size || (r->check && !r->check(v))) return BAD(r);
        memcpy(f, v, strlen(v) + 1);
        return NULL;
    case CLI_FLAG: put_int(f, r->size, 1); return NULL;
    case CLI_LONG:
        if (parse_long(v, (long)r->lo, (long)r->hi, &l)) return BAD(r);
        put_int(f, r->size, l);
        return NULL;
    case CLI_DOUBLE:
        if (parse_double(v, &d) || d < r->lo || d > r->hi || (r->open && d == r->lo)) return BAD(r);
        memcpy(f, &d, sizeof d);
        return NULL;
    case CLI_U64:
        if (parse_u64(v, &u)) return BAD(r);
        memcpy(f, &u, sizeof u);
        if (r->off2) memcpy(o + r->off2, &u, sizeof u);
        return NULL;
    case CLI_CHOICE:
        for (const cli_choice *c = r->choices; c->name; c++)
            if (!(r->nocase ? strcasecmp(c->name, v) : strcmp(c->name, v))) {
                put_int(f, r->size, c->value);
                return NULL;
            }
        return BAD(r);
    case CLI_DATE:
        if (nt_date_parse(v, strlen(v), &day)) return BAD(r);
        memcpy(f, &day, sizeof day);
        return NULL;
    case CLI_MONTHS:
        colon = strchr(v, ':');
        if (!colon || nt_month_parse(v, (unsigned long)(colon - v), &from) ||
            nt_month_parse(colon + 1, strlen(colon + 1), &to))
            return BAD(r);
        if (to < from) return "expected the first month on or before the second";
        memcpy(f, &from, sizeof from);
        memcpy(o + r->off2, &to, sizeof to);
        return NULL;
    case CLI_NAMES: return put_names(r, v, o);
    case CLI_NUMBERS: return put_numbers(r, v, o);
    }
    return BAD(r);
}

static int applies(const cli_spec *sp, const cli_opt *r) { return !r->only || (r->only & sp->variant); }

/* The row arg names; *eqv: the value after '=' of "--name=value". */
static const cli_opt *find(const cli_spec *sp, const char *arg, const char **eqv)
{
    for (const cli_opt *r = sp->rows; r->names; r++) {
        if (r->type == CLI_ARG || !applies(sp, r)) continue;
        for (const char *n = r->names; *n; n += strcspn(n, "|"), n += *n == '|') {
            size_t l = strcspn(n, "|");
            if (strncmp(arg, n, l)) continue;
            if (!arg[l]) return r;
            if (arg[l] == '=' && sp->eq && r->type != CLI_FLAG && n[1] == '-') {
                *eqv = arg + l + 1;
                return r;
            }
        }
    }
    return NULL;
}

static const cli_opt *positional(const cli_spec *sp)
{
    for (const cli_opt *r = sp->rows; r->names; r++)
        if (r->type == CLI_ARG) return r;
    return NULL;
}

/* One option (and its value) at argv[*i]: -1, or 2 after a usage error. */
static int one(const cli_spec *sp, int argc, char **argv, int *i, char *o, unsigned char *seen)
{
    const char *a = argv[*i], *v = NULL, *pos_was;
    const cli_opt *r = positional(sp);
    if (r && (a[0] != '-' || !a[1])) {
        if (seen[r - sp->rows] && (pos_was = get_ptr(o + r->off))) return cli_usage(sp->cmd, BAD(r), a, pos_was);
        seen[r - sp->rows] = 1;
        put_ptr(o + r->off, a);
        return -1;
    }
    if (sp->unexpected && a[0] != '-') return cli_usage(sp->cmd, sp->unexpected, a);
    r = find(sp, a, &v);
    if (!(r && r->type == CLI_FLAG) && !v && sp->missing && *i + 1 >= argc) return cli_usage(sp->cmd, sp->missing, a);
    if (!r) return cli_usage(sp->cmd, sp->unknown, a);
    seen[r - sp->rows] = 1;
    if (r->type == CLI_FLAG) return put(r, NULL, o), -1;
    if (!v && *i + 1 < argc) v = argv[++*i];
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)strcspn(a, "="), a);
    if (r->need && (!v || !*v)) return cli_usage(sp->cmd, r->need, name);
    const char *bad = put(r, v ? v : "", o);
    if (!bad) return -1;
    if (!r->bad && r->need) return cli_usage(sp->cmd, r->need, name);
    return cli_usage(sp->cmd, "%s: found \"%s\", %s", name, v ? v : "", bad);
}

int cli_parse(const cli_spec *sp, int argc, char **argv, void *opts)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            sp->help(stdout);
            return 0;
        }
    unsigned char seen[MAX_ROWS] = {0};
    int rc = -1;
    for (int i = 1; i < argc && rc < 0; i++) rc = one(sp, argc, argv, &i, opts, seen);
    for (const cli_opt *r = sp->rows; r->names && rc < 0; r++)
        if (r->req && !seen[r - sp->rows] && applies(sp, r))
            rc = cli_usage(sp->cmd, r->req, (int)strcspn(r->names, "|"), r->names);
    if (rc >= 0) cli_free(sp, opts);
    return rc;
}

void cli_free(const cli_spec *sp, void *opts)
{
    for (const cli_opt *r = sp->rows; r->names; r++)
        if (r->type == CLI_NAMES || r->type == CLI_NUMBERS) {
            free(get_ptr((char *)opts + r->off));
            put_ptr((char *)opts + r->off, NULL);
        }
}
