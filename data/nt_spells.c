/* Reads the four linked spell tables (data contract sections 1 and 2):
   CSV through data/nt_csv, .sav/.dta through ReadStat (turned into text cells
   first, so one validator serves all formats), validates every record,
   rejects or fails on bad ones, merges overlapping spells, sorts.

   Memory: person ids, codes and strings live in one arena owned by the
   result (priv); numeric columns are plain arrays. Person ids are found by
   an open-addressing hash table (FNV-1a), not by search in sorted order,
   because spells arrive before the persons are sorted. */
#include "data/nt_spells.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <readstat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "data/nt_csv.h"

enum { T_PERSONS, T_BENEFITS, T_PROGRAMS, T_JOBS };
static const char *table_name[4] = {"persons", "benefits", "programs", "jobs"};
#define REC_MAX 1000   /* bytes of a record kept in the rejects report */
#define KEY_MAX 32

static const char *reason_names[NT_REJECT_N] = {
    "missing_value", "bad_date", "bad_number", "negative_money", "bad_code", "end_before_start",
    "unknown_person", "duplicate_person", "column_count", "nul_byte", "invalid_utf8",
    "born_after_inflow", "merged"};

const char *nt_reject_reason_name(nt_reject_reason r)
{
    return (unsigned)r < NT_REJECT_N ? reason_names[r] : "unknown";
}

/* ---------------------------------------------------------------- arena */

typedef struct chunk { struct chunk *next; size_t used, cap; char data[]; } chunk;
typedef struct { chunk *head; } arena;

static char *arena_alloc(arena *a, size_t n)
{
    if (!a->head || a->head->cap - a->head->used < n) {
        /* chunks grow from 16 KiB to 1 MiB: small inputs stay small */
        size_t cap = a->head ? a->head->cap * 2 : (1u << 14);
        if (cap > (1u << 20)) cap = 1u << 20;
        if (cap < n) cap = n;
        chunk *c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    char *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

static char *arena_str(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static void arena_free(arena *a)
{
    chunk *c = a->head;
    while (c) {
        chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}

/* ------------------------------------------------------ string -> int map */

/* One slot = key pointer, value and a 32-bit tag (high hash bits) in 16
   bytes, so a probe touches one cache line and most misses need no string
   compare. */
typedef struct { char *key; int32_t val; uint32_t tag; } slot;
typedef struct { slot *sl; size_t cap, n; } strmap;

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    /* FNV's low bits mix poorly and the table is indexed by them: finish
       with a 64-bit avalanche step */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Slot of s (its key NULL when absent). */
static size_t map_slot_h(const strmap *m, const char *s, size_t n, uint64_t h)
{
    size_t i = h & (m->cap - 1);
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        const slot *x = &m->sl[i];
        if (!x->key || (x->tag == tag && memcmp(x->key, s, n) == 0 && x->key[n] == 0)) return i;
        i = (i + 1) & (m->cap - 1);
    }
}

static int map_grow(strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    slot *sl = calloc(cap, sizeof *sl);
    if (!sl) return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->sl[i].key) {
            uint64_t h = fnv(m->sl[i].key, strlen(m->sl[i].key));
            size_t q = h & (cap - 1);
            while (sl[q].key) q = (q + 1) & (cap - 1);
            sl[q] = m->sl[i];
        }
    free(m->sl);
    m->sl = sl;
    m->cap = cap;
    return 0;
}

/* Value of s, or -2 if absent. */
static int32_t map_get(const strmap *m, const char *s, size_t n)
{
    if (!m->cap) return -2;
    size_t i = map_slot_h(m, s, n, fnv(s, n));
    return m->sl[i].key ? m->sl[i].val : -2;
}

/* Inserts s (copied into the arena) with value v unless present; returns
   the stored key and, in *old (may be NULL), the value it had (-2 if new). */
static char *map_put(strmap *m, arena *a, const char *s, size_t n, int32_t v, int32_t *old)
{
    if ((m->n + 1) * 2 > m->cap && map_grow(m)) return NULL;
    uint64_t h = fnv(s, n);
    slot *x = &m->sl[map_slot_h(m, s, n, h)];
    if (old) *old = x->key ? x->val : -2;
    if (!x->key) {
        char *k = arena_str(a, s, n);
        if (!k) return NULL;
        x->key = k;
        x->tag = (uint32_t)(h >> 32);
        x->val = v;
        m->n++;
    }
    return x->key;
}

/* Sets the value of a key that is present. */
static void map_set(strmap *m, const char *s, size_t n, int32_t v)
{
    m->sl[map_slot_h(m, s, n, fnv(s, n))].val = v;
}

static void map_free(strmap *m)
{
    free(m->sl);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------- private */

typedef struct { int table; long line; char *column; nt_reject_reason reason; char *record; } reject_row;

struct nt_spells_priv {
    arena a;
    reject_row *rows;
    long n_rows, cap_rows;
    int lenient, ignore_unknown, cp1252;
    int readstat[4];          /* table came from .sav/.dta: offset = record index */
    char **rs_raw[4];         /* raw records of .sav/.dta tables */
    long rs_n[4];
    int64_t *person_offset;
    char keycol[64];          /* first person key column, for unknown_person rows */
    int fd[4];                /* files re-read for the rejects report, opened on demand (+1: 0 = closed) */
};

/* -------------------------------------------------------- text helpers */

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    if (s[0] && s[0] < 0x80) return 1;
    if (!s[0]) return 0;
    size_t k = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (k > n) k = n;
    for (size_t m = k; m >= 2; m--)
        if (nt_utf8_valid(s, m)) return m;
    return 0;
}

static const uint16_t cp1252_hi[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

/* Writes raw bytes as UTF-8 text, each invalid byte (and NUL) as \xHH,
   stopping before `max` output bytes without cutting a character or an
   escape. cp1252 input is transcoded. Returns the output length. */
static size_t escape_bytes(const unsigned char *s, size_t n, int cp1252, char *out, size_t max)
{
    size_t o = 0;
    size_t i = 0;
    while (i < n) {
        char tmp[8];
        size_t tn, used;
        if (cp1252 && s[i] >= 0x80) {
            unsigned cp = s[i] >= 0xA0 ? s[i] : cp1252_hi[s[i] - 0x80];
            if (!cp) tn = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", s[i]);
            else if (cp < 0x800) { tmp[0] = (char)(0xC0 | (cp >> 6)); tmp[1] = (char)(0x80 | (cp & 0x3F)); tn = 2; }
            else { tmp[0] = (char)(0xE0 | (cp >> 12)); tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); tmp[2] = (char)(0x80 | (cp & 0x3F)); tn = 3; }
            used = 1;
        } else {
            size_t k = utf8_seq(s + i, n - i);
            if (k) { memcpy(tmp, s + i, k); tn = k; used = k; }
            else { tn = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", s[i]); used = 1; }
        }
        if (o + tn > max) break;
        memcpy(out + o, tmp, tn);
        o += tn;
        i += used;
    }
    out[o] = 0;
    return o;
}

static void trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) { (*s)++; (*n)--; }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

static int ieq_n(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m != n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned a = (unsigned char)s[i];
        if (a >= 'A' && a <= 'Z') a += 32;
        if (a != (unsigned char)lit[i]) return 0;
    }
    return 1;
}

static int ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
        if (!x) return 1;
    }
}

/* Decimal number: [+-] digits [dec digits] (or [+-] dec digits); no
   exponent, no thousands separators. *lead0 = integer part has a leading
   zero (0363). Returns 0 on success. */
static int parse_number(const char *s, size_t n, char dec, double *v, int *lead0)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
    size_t int0 = i;
    uint64_t m = 0;
    int digits = 0, frac = 0, sig = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (sig || s[i] != '0') sig++;
        if (sig <= 19) m = m * 10 + (uint64_t)(s[i] - '0');
        i++;
        digits++;
    }
    size_t nint = i - int0;
    if (lead0) *lead0 = nint >= 2 && s[int0] == '0';
    if (i < n && s[i] == dec) {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (sig || s[i] != '0') sig++;
            if (sig <= 19) m = m * 10 + (uint64_t)(s[i] - '0');
            i++;
            digits++;
            frac++;
        }
    }
    if (i != n || digits == 0) return -1;
    static const double p10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double x;
    if (sig <= 15 && frac <= 22) {
        x = (double)m / p10[frac];   /* both exact: one correctly rounded division */
    } else {
        char buf[400];
        if (n >= sizeof buf) return -1;
        memcpy(buf, s, n);
        buf[n] = 0;
        for (size_t j = 0; j < n; j++)
            if (buf[j] == dec) buf[j] = '.';
        x = strtod(buf, NULL);
        neg = 0;
    }
    *v = neg ? -x : x;
    return 0;
}

/* ------------------------------------------------------- table sources */

typedef struct {
    int readstat;
    nt_csv *csv;
    /* .sav/.dta as text cells */
    int ncol;
    char **names;
    char **cells;      /* nrow x ncol, NULL = missing */
    long nrow, caprow, row;
    char *rawbuf;
    size_t rawcap;
    char **raws;       /* raw record per row (owned until handed over) */
} source;

static int src_ncol(const source *s) { return s->readstat ? s->ncol : nt_csv_header_count(s->csv); }
static const char *src_colname(const source *s, int i) { return s->readstat ? s->names[i] : nt_csv_header(s->csv, i); }

static int src_find(const source *s, const char *name)
{
    for (int i = 0; i < src_ncol(s); i++)
        if (ieq(src_colname(s, i), name)) return i;
    return -1;
}

static void src_close(source *s)
{
    if (s->csv) nt_csv_close(s->csv);
    if (s->names) for (int i = 0; i < s->ncol; i++) free(s->names[i]);
    free(s->names);
    if (s->cells) for (long i = 0; i < s->nrow * s->ncol; i++) free(s->cells[i]);
    free(s->cells);
    if (s->raws) for (long i = 0; i < s->nrow; i++) free(s->raws[i]);
    free(s->raws);
    free(s->rawbuf);
    memset(s, 0, sizeof *s);
}

typedef struct { source *s; int oom; char **fmt; } rs_ctx;

static int rs_meta(readstat_metadata_t *md, void *vctx)
{
    rs_ctx *c = vctx;
    int nv = readstat_get_var_count(md);
    if (nv < 0) nv = 0;
    c->s->ncol = nv;
    c->s->names = calloc((size_t)nv + 1, sizeof(char *));
    c->fmt = calloc((size_t)nv + 1, sizeof(char *));
    if (!c->s->names || !c->fmt) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
    return READSTAT_HANDLER_OK;
}

static int rs_var(int index, readstat_variable_t *v, const char *labels, void *vctx)
{
    (void)labels;
    rs_ctx *c = vctx;
    if (index < 0 || index >= c->s->ncol) return READSTAT_HANDLER_ABORT;
    const char *nm = readstat_variable_get_name(v);
    const char *fm = readstat_variable_get_format(v);
    c->s->names[index] = strdup(nm ? nm : "");
    c->fmt[index] = strdup(fm ? fm : "");
    if (!c->s->names[index] || !c->fmt[index]) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
    return READSTAT_HANDLER_OK;
}

/* Date formats: SPSS DATE/ADATE/EDATE/SDATE/... (seconds since
   1582-10-14, DATETIME too), Stata %td / %d (days since 1960-01-01) and
   %tc / %tC (milliseconds since 1960-01-01). Returns the day or NONE. */
static nt_day rs_date(const char *fmt, double v)
{
    if (!fmt || !*fmt) return NT_DAY_NONE;
    double days = NAN;
    nt_day epoch = 0;
    if (fmt[0] == '%') {
        epoch = nt_day_from_ymd(1960, 1, 1);
        if (strncmp(fmt, "%td", 3) == 0 || strncmp(fmt, "%d", 2) == 0) days = floor(v);
        else if (strncmp(fmt, "%tc", 3) == 0 || strncmp(fmt, "%tC", 3) == 0) days = floor(v / 86400000.0);
    }
    static const char *spss[] = {"DATE", "ADATE", "EDATE", "SDATE", "JDATE", "DATETIME", "YMDHMS", NULL};
    for (int i = 0; fmt[0] != '%' && spss[i]; i++) {
        size_t k = strlen(spss[i]);
        if (strncmp(fmt, spss[i], k) == 0 && (fmt[k] == 0 || (fmt[k] >= '0' && fmt[k] <= '9'))) {
            epoch = nt_day_from_ymd(1582, 10, 14);
            days = floor(v / 86400.0);
        }
    }
    /* years 0..9999 only (and no out-of-range conversion to int) */
    if (isnan(days) || days + epoch < nt_day_from_ymd(0, 1, 1) || days + epoch > nt_day_from_ymd(9999, 12, 31))
        return NT_DAY_NONE;
    return (nt_day)days + epoch;
}

static int rs_value(int obs, readstat_variable_t *v, readstat_value_t val, void *vctx)
{
    rs_ctx *c = vctx;
    source *s = c->s;
    int j = readstat_variable_get_index(v);
    if (obs < 0 || j < 0 || j >= s->ncol) return READSTAT_HANDLER_ABORT;
    if (obs >= s->caprow) {
        long cap = s->caprow ? s->caprow * 2 : 256;
        while (cap <= obs) cap *= 2;
        char **cells = realloc(s->cells, (size_t)cap * (size_t)s->ncol * sizeof(char *));
        if (!cells) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
        memset(cells + s->caprow * s->ncol, 0, (size_t)(cap - s->caprow) * (size_t)s->ncol * sizeof(char *));
        s->cells = cells;
        s->caprow = cap;
    }
    if (obs >= s->nrow) s->nrow = obs + 1;
    if (readstat_value_is_missing(val, v)) return READSTAT_HANDLER_OK;
    char buf[64];
    const char *txt = buf;
    if (readstat_value_type(val) == READSTAT_TYPE_STRING || readstat_value_type(val) == READSTAT_TYPE_STRING_REF) {
        txt = readstat_string_value(val);
        if (!txt || !*txt) return READSTAT_HANDLER_OK;
    } else {
        double x = readstat_double_value(val);
        if (readstat_value_type(val) == READSTAT_TYPE_INT8) x = readstat_int8_value(val);
        else if (readstat_value_type(val) == READSTAT_TYPE_INT16) x = readstat_int16_value(val);
        else if (readstat_value_type(val) == READSTAT_TYPE_INT32) x = readstat_int32_value(val);
        else if (readstat_value_type(val) == READSTAT_TYPE_FLOAT) x = readstat_float_value(val);
        if (!isfinite(x)) return READSTAT_HANDLER_OK;
        nt_day d = rs_date(c->fmt[j], x);
        if (d != NT_DAY_NONE) {
            nt_day_format(d, buf);
        } else if (x == floor(x) && fabs(x) < 1e15) {
            snprintf(buf, sizeof buf, "%.0f", x);
        } else {
            snprintf(buf, sizeof buf, "%.15g", x);
            if (strtod(buf, NULL) != x) snprintf(buf, sizeof buf, "%.17g", x);
        }
    }
    char *d = strdup(txt);
    if (!d) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
    free(s->cells[(size_t)obs * (size_t)s->ncol + (size_t)j]);
    s->cells[(size_t)obs * (size_t)s->ncol + (size_t)j] = d;
    return READSTAT_HANDLER_OK;
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), k = strlen(ext);
    return n > k && ieq(path + n - k, ext);
}

static nt_status src_open(const char *path, int cp1252, source *s, nt_error *err)
{
    memset(s, 0, sizeof *s);
    int sav = has_ext(path, ".sav") || has_ext(path, ".zsav"), dta = has_ext(path, ".dta");
    if (sav || dta) {
        if (access(path, R_OK) != 0)
            return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot open the file: %s", strerror(errno));
        s->readstat = 1;
        readstat_parser_t *p = readstat_parser_init();
        if (!p) return nt_fail(err, NT_ENOMEM, "out of memory reading %s", path);
        rs_ctx c = {s, 0, NULL};
        readstat_set_metadata_handler(p, rs_meta);
        readstat_set_variable_handler(p, rs_var);
        readstat_set_value_handler(p, rs_value);
        readstat_error_t e = sav ? readstat_parse_sav(p, path, &c) : readstat_parse_dta(p, path, &c);
        readstat_parser_free(p);
        if (c.fmt) for (int i = 0; i < s->ncol; i++) free(c.fmt[i]);
        free(c.fmt);
        if (c.oom) { src_close(s); return nt_fail(err, NT_ENOMEM, "out of memory reading %s", path); }
        if (e != READSTAT_OK || !s->names) {
            src_close(s);
            return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "found a file that is not a readable %s file (%s), expected %s",
                              sav ? "SPSS .sav" : "Stata .dta", readstat_error_message(e),
                              sav ? "an SPSS system file" : "a Stata data file");
        }
        for (int i = 0; i < s->ncol; i++)
            if (!s->names[i] && !(s->names[i] = strdup(""))) { src_close(s); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        s->raws = calloc((size_t)s->nrow + 1, sizeof(char *));
        if (!s->raws) { src_close(s); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        return NT_OK;
    }
    nt_csv_opts o = {cp1252};
    nt_status st = nt_csv_open(path, &o, &s->csv, err);
    if (st) return st;
    /* not the claimed format: binary data in the header row */
    size_t n;
    const char *h = nt_csv_raw(s->csv, &n);
    const char *kind = NULL;
    if (n >= 4 && (memcmp(h, "$FL2", 4) == 0 || memcmp(h, "$FL3", 4) == 0)) kind = "an SPSS .sav file";
    else if (n >= 11 && memcmp(h, "<stata_dta>", 11) == 0) kind = "a Stata .dta file";
    else if (n >= 4 && memcmp(h, "PK\x03\x04", 4) == 0) kind = "a zip archive (an Excel .xlsx?)";
    else if (nt_csv_flags(s->csv)) kind = "binary data or text that is not UTF-8 in the header row";
    if (kind) {
        nt_csv_close(s->csv);
        s->csv = NULL;
        return nt_fail_at(err, NT_EINPUT, path, 1, NULL, "found %s, expected a CSV text file with a header row%s", kind,
                          cp1252 ? "" : " (UTF-8, or say --encoding cp1252)");
    }
    return NT_OK;
}

/* ------------------------------------------------------------ reading */

typedef struct {
    const nt_spells_opts *o;
    nt_spells *s;
    struct nt_spells_priv *pv;
    nt_spells_report *rep;
    nt_error *err;
    int t;
    source src;
    const char *path;
    char dec;
    /* current record */
    long line;
    int64_t offset;
    int nkey;
    int keycol[8];
    char keyname[8][64];
    strmap ids;      /* person key -> provisional person index, -1 rejected */
    char **pid;      /* accepted person keys in persons-file order */
    long np;
} ctx;

static const char *fld(ctx *c, int col, size_t *n)
{
    source *s = &c->src;
    const char *v;
    if (col < 0) { *n = 0; return ""; }
    if (s->readstat) {
        v = s->cells[(size_t)s->row * (size_t)s->ncol + (size_t)col];
        if (!v) v = "";
        *n = strlen(v);
    } else {
        v = nt_csv_field(s->csv, col, n);
        if (!v) { *n = 0; return ""; }
    }
    trim(&v, n);
    return v;
}

static const char *cur_raw(ctx *c, size_t *n)
{
    source *s = &c->src;
    if (!s->readstat) return nt_csv_raw(s->csv, n);
    char *r = s->raws[s->row];
    if (!r) {
        size_t len = 0;
        for (int j = 0; j < s->ncol; j++) {
            const char *v = s->cells[(size_t)s->row * (size_t)s->ncol + (size_t)j];
            len += (v ? strlen(v) : 0) + 1;
        }
        r = malloc(len + 1);
        if (!r) { *n = 0; return ""; }
        size_t o = 0;
        for (int j = 0; j < s->ncol; j++) {
            const char *v = s->cells[(size_t)s->row * (size_t)s->ncol + (size_t)j];
            if (j) r[o++] = ',';
            if (v) { size_t k = strlen(v); memcpy(r + o, v, k); o += k; }
        }
        r[o] = 0;
        s->raws[s->row] = r;
    }
    *n = strlen(r);
    return r;
}

static int add_row(struct nt_spells_priv *pv, int table, long line, const char *column, nt_reject_reason reason,
                   const char *raw, size_t rn, int cp1252)
{
    if (pv->n_rows == pv->cap_rows) {
        long cap = pv->cap_rows ? pv->cap_rows * 2 : 64;
        reject_row *r = realloc(pv->rows, (size_t)cap * sizeof *r);
        if (!r) return -1;
        pv->rows = r;
        pv->cap_rows = cap;
    }
    char buf[REC_MAX + 8];
    size_t n = escape_bytes((const unsigned char *)raw, rn, cp1252, buf, REC_MAX);
    reject_row *r = &pv->rows[pv->n_rows];
    r->table = table;
    r->line = line;
    r->reason = reason;
    r->column = arena_str(&pv->a, column ? column : "", column ? strlen(column) : 0);
    r->record = arena_str(&pv->a, buf, n);
    if (!r->column || !r->record) return -1;
    pv->n_rows++;
    return 0;
}

/* A bad record: strict -> fills err and returns NT_EINPUT; lenient -> lists
   it and returns NT_OK (the caller drops the record). `found` is the value
   (escaped here), `expected` ends the message. */
static nt_status bad(ctx *c, nt_reject_reason r, const char *column, const char *found, size_t fn,
                     const char *expected)
{
    if (r == NT_REJECT_UNKNOWN_PERSON && c->o->ignore_unknown_persons) {
        if (c->rep) c->rep->ignored_unknown[c->t]++;
        return NT_OK;
    }
    if (!c->o->lenient) {
        char v[220];
        /* found is a field: already UTF-8 (cp1252 was transcoded by the reader) */
        escape_bytes((const unsigned char *)found, fn, 0, v, 200);
        if (found == NULL) return nt_fail_at(c->err, NT_EINPUT, c->path, c->line, column, "%s", expected);
        return nt_fail_at(c->err, NT_EINPUT, c->path, c->line, column, "found \"%s\"%s, expected %s", v,
                          fn > 200 ? "..." : "", expected);
    }
    if (c->rep) c->rep->rejected[c->t][r]++;
    size_t rn;
    const char *raw = cur_raw(c, &rn);
    if (add_row(c->pv, c->t, c->line, column, r, raw, rn, c->pv->cp1252 && !c->src.readstat))
        return nt_fail(c->err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

/* Record-level checks every table shares: NUL, encoding, field count.
   Returns 1 if the record is fine, 0 if rejected, -1 on error. */
static int check_record(ctx *c, nt_status *st)
{
    source *s = &c->src;
    if (s->readstat) return 1;
    int fl = nt_csv_flags(s->csv);
    int nh = nt_csv_header_count(s->csv), nf = nt_csv_count(s->csv);
    if (fl & NT_CSV_NUL) {
        for (int j = 0; j < nf; j++) {
            size_t n;
            const char *v = nt_csv_field(s->csv, j, &n);
            if (memchr(v, 0, n)) {
                *st = bad(c, NT_REJECT_NUL_BYTE, j < nh ? nt_csv_header(s->csv, j) : "", v, n, "text without NUL bytes");
                return *st ? -1 : 0;
            }
        }
    }
    if (fl & NT_CSV_BAD_UTF8) {
        for (int j = 0; j < nf; j++) {
            size_t n;
            const char *v = nt_csv_field(s->csv, j, &n);
            int badf = c->pv->cp1252 ? (n >= 3 && strstr(v, "\xEF\xBF\xBD") != NULL) : !nt_utf8_valid((const unsigned char *)v, n);
            if (badf || j == nf - 1) {
                /* with cp1252 the undefined byte became U+FFFD: report the raw field */
                *st = bad(c, NT_REJECT_INVALID_UTF8, j < nh ? nt_csv_header(s->csv, j) : "", v, n,
                          c->pv->cp1252 ? "Windows-1252 text (a byte undefined in cp1252 was found)"
                                        : "UTF-8 text (or say --encoding cp1252)");
                return *st ? -1 : 0;
            }
        }
    }
    if (nf != nh) {
        char msg[160];
        snprintf(msg, sizeof msg, "found %d fields, expected %d as in the header row", nf, nh);
        *st = bad(c, NT_REJECT_COLUMN_COUNT, "", NULL, 0, msg);
        return *st ? -1 : 0;
    }
    return 1;
}

/* Builds the person key of the current record into key (KEY_MAX*8+8 bytes).
   Returns its length, or -1 rejected (st set if error). */
static long get_key(ctx *c, char *key, nt_status *st)
{
    long o = 0;
    for (int k = 0; k < c->nkey; k++) {
        size_t n;
        const char *v = fld(c, c->keycol[k], &n);
        const char *cn = src_colname(&c->src, c->keycol[k]);
        if (n == 0) {
            *st = bad(c, NT_REJECT_MISSING_VALUE, cn, v, 0, "a person key (required)");
            return -1;
        }
        if (n > KEY_MAX) {
            *st = bad(c, NT_REJECT_BAD_CODE, cn, v, n, "a person key of 1 to 32 bytes");
            return -1;
        }
        if (k) key[o++] = '+';
        memcpy(key + o, v, n);
        o += (long)n;
    }
    key[o] = 0;
    return o;
}

/* The key without judging it (0 if a part is empty or too long). */
static long quiet_key(ctx *c, char *key)
{
    long o = 0;
    for (int k = 0; k < c->nkey; k++) {
        size_t n;
        const char *v = fld(c, c->keycol[k], &n);
        if (n == 0 || n > KEY_MAX) return 0;
        if (k) key[o++] = '+';
        memcpy(key + o, v, n);
        o += (long)n;
    }
    key[o] = 0;
    return o;
}

static const char *DATE_EXP = "a date (YYYY-MM-DD or YYYYMMDD)";

/* Date column: 0 ok (*d NONE when empty and !required), 1 rejected, -1 error. */
static int get_date(ctx *c, int col, int required, int month_ok, nt_day *d, nt_status *st)
{
    size_t n;
    const char *v = fld(c, col, &n);
    const char *cn = col >= 0 ? src_colname(&c->src, col) : "";
    *d = NT_DAY_NONE;
    if (n == 0) {
        if (!required) return 0;
        *st = bad(c, NT_REJECT_MISSING_VALUE, cn, v, 0, month_ok ? "a date (YYYY-MM-DD, YYYYMMDD or YYYY-MM), required" : "a date (YYYY-MM-DD or YYYYMMDD), required");
        return *st ? -1 : 1;
    }
    if (nt_date_parse(v, n, d) == 0) return 0;
    int m;
    if (month_ok && nt_month_parse(v, n, &m) == 0) { *d = nt_month_first_day(m); return 0; }
    *st = bad(c, NT_REJECT_BAD_DATE, cn, v, n, month_ok ? "a date (YYYY-MM-DD, YYYYMMDD or YYYY-MM)" : DATE_EXP);
    return *st ? -1 : 1;
}

/* Number column: 0 ok (NaN when empty), 1 rejected, -1 error. money: a
   negative value is negative_money. */
static int get_num(ctx *c, int col, int money, double *x, nt_status *st)
{
    size_t n;
    const char *v = fld(c, col, &n);
    *x = NAN;
    if (n == 0) return 0;
    const char *cn = src_colname(&c->src, col);
    char dec = c->src.readstat ? '.' : c->dec;
    if (parse_number(v, n, dec, x, NULL)) {
        *st = bad(c, NT_REJECT_BAD_NUMBER, cn, v, n,
                  dec == ',' ? "a number with ',' as decimal point (no thousands separators)"
                             : "a number with '.' as decimal point (no thousands separators)");
        return *st ? -1 : 1;
    }
    if (*x < 0) {
        *st = bad(c, money ? NT_REJECT_NEGATIVE_MONEY : NT_REJECT_BAD_NUMBER, cn, v, n,
                  money ? "a non-negative amount in euros" : "a non-negative number");
        return *st ? -1 : 1;
    }
    return 0;
}

/* ---------------------------------------------------- growable arrays */

#define GROW(arr, n, cap, fail)                                                  \
    do {                                                                         \
        if ((n) >= (cap)) {                                                      \
            long nc_ = (cap) ? (cap) * 2 : 1024;                                 \
            void *p_ = realloc((arr), (size_t)nc_ * sizeof *(arr));              \
            if (!p_) goto fail;                                                  \
            (arr) = p_;                                                          \
            (cap) = nc_;                                                         \
        }                                                                        \
    } while (0)

typedef struct {
    long n, cap;
    char **id;
    nt_day *birth, *death, *emig;
    uint8_t *sex, *edu, *mig;
    char **region;
    long *line;
    int64_t *off;
    int n_extra;
    int extra_col[256];
    char *extra_name[256];   /* in the result's arena */
    char **extra[256];
} persons_tmp;

static int code_sex(const char *v, size_t n)
{
    if (ieq_n(v, n, "m") || ieq_n(v, n, "1")) return NT_SEX_M;
    if (ieq_n(v, n, "f") || ieq_n(v, n, "v") || ieq_n(v, n, "2")) return NT_SEX_F;
    return 0;
}

static int code_edu(const char *v, size_t n)
{
    if (ieq_n(v, n, "low") || ieq_n(v, n, "laag") || ieq_n(v, n, "1")) return NT_EDU_LOW;
    if (ieq_n(v, n, "mid") || ieq_n(v, n, "middelbaar") || ieq_n(v, n, "2")) return NT_EDU_MID;
    if (ieq_n(v, n, "high") || ieq_n(v, n, "hoog") || ieq_n(v, n, "3")) return NT_EDU_HIGH;
    return 0;
}

static int code_mig(const char *v, size_t n)
{
    if (ieq_n(v, n, "none") || ieq_n(v, n, "0") || ieq_n(v, n, "geen")) return NT_MIG_NONE;
    if (ieq_n(v, n, "western") || ieq_n(v, n, "1") || ieq_n(v, n, "westers")) return NT_MIG_WESTERN;
    if (ieq_n(v, n, "nonwestern") || ieq_n(v, n, "2") || ieq_n(v, n, "non-western") ||
        ieq_n(v, n, "niet-westers") || ieq_n(v, n, "nietwesters"))
        return NT_MIG_NONWESTERN;
    return 0;
}

/* Opens table t and finds its key columns and the named required ones. */
static nt_status open_table(ctx *c, int t, const char **req, int *reqcol, int nreq)
{
    c->t = t;
    c->path = c->o->path[t];
    if (!c->path) return nt_fail(c->err, NT_EUSAGE, "no %s file given", table_name[t]);
    nt_status st = src_open(c->path, c->o->cp1252, &c->src, c->err);
    if (st) return st;
    c->src.row = -1;
    for (int k = 0; k < c->nkey; k++) {
        c->keycol[k] = src_find(&c->src, c->keyname[k]);
        if (c->keycol[k] < 0)
            return nt_fail_at(c->err, NT_EINPUT, c->path, 1, c->keyname[k],
                              "found no column \"%s\" in the header, expected the person key column%s", c->keyname[k],
                              c->o->person_key ? " named by --person-key" : " person_id");
    }
    for (int i = 0; i < nreq; i++) {
        reqcol[i] = src_find(&c->src, req[i]);
        if (reqcol[i] < 0)
            return nt_fail_at(c->err, NT_EINPUT, c->path, 1, req[i],
                              "found no column \"%s\" in the header, expected it (required in the %s table)", req[i],
                              table_name[t]);
    }
    return NT_OK;
}

/* Next record: 1, 0 at end, -1 error. Sets c->line and c->offset. */
static int next_record(ctx *c)
{
    source *s = &c->src;
    if (s->readstat) {
        s->row++;
        if (s->row >= s->nrow) return 0;
        c->line = s->row + 1;
        c->offset = s->row;
        return 1;
    }
    long long off = nt_csv_offset(s->csv);
    int r = nt_csv_next(s->csv, c->err);
    if (r == 1) {
        c->line = nt_csv_line(s->csv);
        c->offset = off;
    }
    return r;
}

/* The .sav/.dta raws are kept (for merged rows and later rejects). */
static void keep_rs_raws(ctx *c)
{
    source *s = &c->src;
    if (!s->readstat) return;
    for (long i = 0; i < s->nrow; i++)
        if (!s->raws[i]) {
            s->row = i;
            size_t n;
            cur_raw(c, &n);
        }
    c->pv->readstat[c->t] = 1;
    c->pv->rs_raw[c->t] = s->raws;
    c->pv->rs_n[c->t] = s->nrow;
    s->raws = NULL;
}

static void persons_tmp_free(persons_tmp *p)
{
    free(p->id); free(p->birth); free(p->death); free(p->emig);
    free(p->sex); free(p->edu); free(p->mig); free(p->region);
    free(p->line); free(p->off);
    for (int k = 0; k < p->n_extra; k++) free(p->extra[k]);
}

static nt_status read_persons(ctx *c, persons_tmp *P)
{
    static const char *req[] = {"birth_date", "sex"};
    int rc[2] = {-1, -1};
    nt_status st = open_table(c, T_PERSONS, req, rc, 2);
    if (st) return st;
    source *s = &c->src;
    int c_edu = src_find(s, "education"), c_mig = src_find(s, "migration"), c_reg = src_find(s, "region");
    int c_death = src_find(s, "death_date"), c_emig = src_find(s, "emigration_date");
    for (int j = 0; j < src_ncol(s); j++) {
        int known = j == rc[0] || j == rc[1] || j == c_edu || j == c_mig || j == c_reg || j == c_death || j == c_emig;
        for (int k = 0; k < c->nkey; k++) known |= j == c->keycol[k];
        if (known) continue;
        if (P->n_extra == 256) return nt_fail_at(c->err, NT_EINPUT, c->path, 1, NULL, "found more than 256 extra columns, expected fewer");
        P->extra_name[P->n_extra] = arena_str(&c->pv->a, src_colname(s, j), strlen(src_colname(s, j)));
        if (!P->extra_name[P->n_extra]) return nt_fail(c->err, NT_ENOMEM, "out of memory");
        P->extra_col[P->n_extra++] = j;
    }
    char key[KEY_MAX * 8 + 16];
    int r;
    while ((r = next_record(c)) == 1) {
        if (c->rep) c->rep->records[T_PERSONS]++;
        int ok = check_record(c, &st);
        if (ok < 0) return st;
        if (!ok) {
            /* a record rejected as a whole still claims its id, so later
               records with it are duplicates and its spells unknown */
            long kn = quiet_key(c, key);
            if (kn > 0 && !map_put(&c->ids, &c->pv->a, key, (size_t)kn, -1, NULL))
                goto oom;
            continue;
        }
        long kn = get_key(c, key, &st);
        if (kn < 0) { if (st) return st; continue; }
        /* claim the id (as rejected, -1) in one probe; set to the person's
           index once the record is accepted */
        int32_t prev;
        char *id = map_put(&c->ids, &c->pv->a, key, (size_t)kn, -1, &prev);
        if (!id) goto oom;
        if (prev != -2) {
            char msg[200];
            snprintf(msg, sizeof msg, "a person_id not seen before (it is already at line %ld)",
                     prev >= 0 ? P->line[prev] : 0L);
            if (prev < 0) snprintf(msg, sizeof msg, "a person_id not seen before (an earlier record has it)");
            st = bad(c, NT_REJECT_DUPLICATE_PERSON, src_colname(s, c->keycol[0]), key, (size_t)kn, msg);
            if (st) return st;
            continue;
        }
        nt_day birth, death, emig;
        int sex = 0, edu = 0, mig = 0;
        int e = get_date(c, rc[0], 1, 1, &birth, &st);
        if (!e) {
            size_t n;
            const char *v = fld(c, rc[1], &n);
            if (n == 0) { st = bad(c, NT_REJECT_MISSING_VALUE, src_colname(s, rc[1]), v, 0, "M/F, M/V or 1/2 (required)"); e = 1; }
            else if (!(sex = code_sex(v, n))) { st = bad(c, NT_REJECT_BAD_CODE, src_colname(s, rc[1]), v, n, "M/F, M/V or 1/2"); e = 1; }
        }
        if (!e && c_edu >= 0) {
            size_t n;
            const char *v = fld(c, c_edu, &n);
            if (n && !(edu = code_edu(v, n))) {
                st = bad(c, NT_REJECT_BAD_CODE, src_colname(s, c_edu), v, n, "low/mid/high, laag/middelbaar/hoog or 1/2/3");
                e = 1;
            }
        }
        if (!e && c_mig >= 0) {
            size_t n;
            const char *v = fld(c, c_mig, &n);
            if (n && !(mig = code_mig(v, n))) {
                st = bad(c, NT_REJECT_BAD_CODE, src_colname(s, c_mig), v, n, "none/western/nonwestern or 0/1/2");
                e = 1;
            }
        }
        if (!e) e = get_date(c, c_death, 0, 0, &death, &st);
        if (!e) e = get_date(c, c_emig, 0, 0, &emig, &st);
        if (e < 0 || st) return st ? st : NT_EINPUT;
        if (e) {
            continue;   /* the id stays claimed as rejected */
        }
        long i = P->n;
        if (i >= P->cap) {
            long cap = P->cap ? P->cap * 2 : 1024;
#define RE(f) do { void *p_ = realloc(P->f, (size_t)cap * sizeof *P->f); if (!p_) goto oom; P->f = p_; } while (0)
            RE(id); RE(birth); RE(death); RE(emig); RE(sex); RE(edu); RE(mig); RE(region); RE(line); RE(off);
            for (int k = 0; k < P->n_extra; k++) RE(extra[k]);
#undef RE
            P->cap = cap;
        }
        map_set(&c->ids, key, (size_t)kn, (int32_t)i);
        P->id[i] = id;
        P->birth[i] = birth;
        P->death[i] = death;
        P->emig[i] = emig;
        P->sex[i] = (uint8_t)sex;
        P->edu[i] = (uint8_t)edu;
        P->mig[i] = (uint8_t)mig;
        size_t n;
        const char *v = fld(c, c_reg, &n);
        P->region[i] = n ? arena_str(&c->pv->a, v, n) : NULL;
        if (n && !P->region[i]) goto oom;
        P->line[i] = c->line;
        P->off[i] = c->offset;
        for (int k = 0; k < P->n_extra; k++) {
            v = fld(c, P->extra_col[k], &n);
            P->extra[k][i] = n ? arena_str(&c->pv->a, v, n) : NULL;
            if (n && !P->extra[k][i]) goto oom;
        }
        P->n++;
    }
    if (r < 0) return c->err->status;
    return NT_OK;
oom:
    return nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path);
}

/* Internal spell record for all three tables. */
typedef struct {
    int32_t person, code;
    nt_day start, end;
    double a, b;          /* cost | wage, hours */
    int32_t provider;
    long line;
    int64_t off;
} spell;

typedef struct { spell *v; long n, cap; } spell_vec;

static nt_status read_spells(ctx *c, int t, spell_vec *out, strmap *codes, strmap *prov, nt_day *latest)
{
    static const char *req_b[] = {"scheme", "start_date"};
    static const char *req_p[] = {"program", "start_date"};
    static const char *req_j[] = {"start_date"};
    const char **req = t == T_BENEFITS ? req_b : t == T_PROGRAMS ? req_p : req_j;
    int nreq = t == T_JOBS ? 1 : 2;
    int rc[2] = {-1, -1};
    nt_status st = open_table(c, t, req, rc, nreq);
    if (st) return st;
    source *s = &c->src;
    int c_start = rc[nreq - 1], c_code = t == T_JOBS ? -1 : rc[0];
    int c_end = src_find(s, "end_date");
    int c_a = t == T_PROGRAMS ? src_find(s, "cost_eur") : t == T_JOBS ? src_find(s, "wage_eur_month") : -1;
    int c_b = t == T_JOBS ? src_find(s, "hours_week") : -1;
    int c_prov = t == T_PROGRAMS ? src_find(s, "provider") : -1;
    char key[KEY_MAX * 8 + 16], last[KEY_MAX * 8 + 16];
    long last_n = -1;
    int32_t last_p = -2;
    int r;
    while ((r = next_record(c)) == 1) {
        if (c->rep) c->rep->records[t]++;
        int ok = check_record(c, &st);
        if (ok < 0) return st;
        if (!ok) continue;
        long kn = get_key(c, key, &st);
        if (kn < 0) { if (st) return st; continue; }
        /* spells usually come grouped by person, often in the persons
           file's order: try the last person and the next one before the
           hash table (whose probes are cache misses) */
        int32_t p;
        if (kn == last_n && memcmp(key, last, (size_t)kn) == 0) {
            p = last_p;
        } else {
            if (last_p >= 0 && last_p + 1 < c->np && strcmp(c->pid[last_p + 1], key) == 0) p = last_p + 1;
            else p = map_get(&c->ids, key, (size_t)kn);
            memcpy(last, key, (size_t)kn);
            last_n = kn;
            last_p = p;
        }
        if (p < 0) {
            st = bad(c, NT_REJECT_UNKNOWN_PERSON, src_colname(s, c->keycol[0]), key, (size_t)kn,
                     p == -1 ? "a person_id of an accepted persons record (this person's record was rejected)"
                             : "a person_id listed in the persons file");
            if (st) return st;
            continue;
        }
        spell sp = {p, 0, NT_DAY_NONE, NT_DAY_NONE, NAN, NAN, 0, c->line, c->offset};
        int e = 0;
        if (c_code >= 0) {
            size_t n;
            const char *v = fld(c, c_code, &n);
            if (n == 0) {
                st = bad(c, NT_REJECT_MISSING_VALUE, src_colname(s, c_code), v, 0,
                         t == T_BENEFITS ? "a benefit scheme name (required)" : "a programme type name (required)");
                e = 1;
            } else {
                char tmp[256];
                char *k = n < sizeof tmp ? tmp : malloc(n + 1);
                if (!k) goto oom;
                for (size_t i = 0; i < n; i++) {
                    unsigned ch = (unsigned char)v[i];
                    if (t == T_BENEFITS && ch >= 'a' && ch <= 'z') ch -= 32;
                    if (t == T_PROGRAMS && ch >= 'A' && ch <= 'Z') ch += 32;
                    k[i] = (char)ch;
                }
                k[n] = 0;
                int32_t code = map_get(codes, k, n);
                if (code == -2) {
                    code = (int32_t)codes->n;
                    if (!map_put(codes, &c->pv->a, k, n, code, NULL)) { if (k != tmp) free(k); goto oom; }
                }
                if (k != tmp) free(k);
                sp.code = code;
            }
        }
        if (!e) e = get_date(c, c_start, 1, 0, &sp.start, &st);
        if (!e) e = get_date(c, c_end, 0, 0, &sp.end, &st);
        if (!e && sp.end != NT_DAY_NONE && sp.end < sp.start) {
            size_t n;
            const char *v = fld(c, c_end, &n);
            char msg[120], sd[16];
            nt_day_format(sp.start, sd);
            snprintf(msg, sizeof msg, "an end date on or after the start date %s", sd);
            st = bad(c, NT_REJECT_END_BEFORE_START, src_colname(s, c_end), v, n, msg);
            e = 1;
        }
        if (!e && c_a >= 0) e = get_num(c, c_a, 1, &sp.a, &st);
        if (!e && c_b >= 0) e = get_num(c, c_b, 0, &sp.b, &st);
        if (!e && c_prov >= 0) {
            size_t n;
            const char *v = fld(c, c_prov, &n);
            if (n) {
                int32_t code = map_get(prov, v, n);
                if (code == -2) {
                    code = (int32_t)prov->n;
                    if (!map_put(prov, &c->pv->a, v, n, code, NULL)) goto oom;
                }
                sp.provider = code + 1;
            }
        }
        if (e < 0 || st) return st ? st : NT_EINPUT;
        if (e) continue;
        GROW(out->v, out->n, out->cap, oom);
        out->v[out->n++] = sp;
        if (*latest == NT_DAY_NONE || sp.start > *latest) *latest = sp.start;
    }
    if (r < 0) return c->err->status;
    return NT_OK;
oom:
    return nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path);
}

/* ------------------------------------------------ sorting and merging */

static const char *const *sort_names;
static int cmp_idx_name(const void *a, const void *b)
{
    return strcmp(sort_names[*(const int32_t *)a], sort_names[*(const int32_t *)b]);
}

static int cmp_final(const void *a, const void *b)
{
    const spell *x = a, *y = b;
    if (x->person != y->person) return x->person < y->person ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* The raw record at offset of table t (re-read from the file). */
static size_t raw_at(const nt_spells *s, int t, int64_t off, char *out, size_t max)
{
    struct nt_spells_priv *pv = s->priv;
    out[0] = 0;
    if (pv->readstat[t]) {
        if (off < 0 || off >= pv->rs_n[t] || !pv->rs_raw[t][off]) return 0;
        const char *r = pv->rs_raw[t][off];
        return escape_bytes((const unsigned char *)r, strlen(r), 0, out, max);
    }
    if (!pv->fd[t]) {
        int fd = open(s->path[t], O_RDONLY);
        if (fd < 0) return 0;
        pv->fd[t] = fd + 1;
    }
    unsigned char buf[8192];
    ssize_t n = pread(pv->fd[t] - 1, buf, sizeof buf, (off_t)off);
    if (n <= 0) return 0;
    size_t p = 0, m = (size_t)n;
    for (;;) {   /* blank lines the reader skipped */
        size_t q = p;
        while (q < m && (buf[q] == ' ' || buf[q] == '\t' || buf[q] == '\r')) q++;
        if (q < m && buf[q] == '\n') { p = q + 1; continue; }
        break;
    }
    int inq = 0;
    size_t e = p;
    for (; e < m; e++) {
        if (buf[e] == '"') inq = !inq;
        else if (buf[e] == '\n' && !inq) break;
    }
    if (e > p && buf[e - 1] == '\r') e--;
    return escape_bytes(buf + p, e - p, pv->cp1252, out, max);
}

static int add_merged(nt_spells *s, int t, const spell *sp)
{
    char buf[REC_MAX + 8];
    raw_at(s, t, sp->off, buf, REC_MAX);
    return add_row(s->priv, t, sp->line, "start_date", NT_REJECT_MERGED, buf, strlen(buf), 0);
}

static void sort_final(spell_vec *v)
{
    for (long i = 1; i < v->n; i++)
        if (cmp_final(&v->v[i - 1], &v->v[i]) > 0) {
            qsort(v->v, (size_t)v->n, sizeof *v->v, cmp_final);
            return;
        }
}

/* Merges touching or overlapping spells with the same (person, code):
   a start on or before the previous end + 1 day. Programmes keep the
   earliest start, latest end, summed cost (NaN only if all are missing)
   and the first record's provider and line. The spells are in final
   order (person, start, line); within a person the kept spells of one code
   do not overlap, so only the last kept one of that code can absorb the
   next (last[code]); an absorbed record leaves the order intact. */
static int merge(nt_spells *s, int t, spell_vec *v, int ncodes, nt_spells_report *rep)
{
    sort_final(v);
    long *last = malloc(((size_t)ncodes + 1) * sizeof *last);
    if (!last) return -1;
    for (int k = 0; k <= ncodes; k++) last[k] = -1;
    long w = 0, run = 0;
    for (long i = 0; i < v->n; i++) {
        spell nx = v->v[i];
        if (w > run && v->v[run].person != nx.person) {
            for (long k = run; k < w; k++) last[v->v[k].code] = -1;
            run = w;
        }
        long k = last[nx.code];
        if (k >= 0) {
            spell *cur = &v->v[k];
            if (cur->end == NT_DAY_NONE || nx.start <= cur->end + 1) {
                if (cur->end != NT_DAY_NONE && (nx.end == NT_DAY_NONE || nx.end > cur->end)) cur->end = nx.end;
                if (t == T_PROGRAMS && !isnan(nx.a)) cur->a = isnan(cur->a) ? nx.a : cur->a + nx.a;
                if (rep) rep->merged[t]++;
                if (add_merged(s, t, &nx)) { free(last); return -1; }
                continue;
            }
        }
        v->v[w] = nx;
        last[nx.code] = w;
        w++;
    }
    v->n = w;
    free(last);
    return 0;
}

/* Sorts dictionary names bytewise; fills names and old->new code map. */
static int build_dict(const strmap *m, nt_dict *d, int32_t **remap)
{
    int n = (int)m->n;
    d->n = n;
    d->name = calloc((size_t)n + 1, sizeof(char *));
    int32_t *idx = malloc(((size_t)n + 1) * sizeof *idx);
    *remap = malloc(((size_t)n + 1) * sizeof **remap);
    if (!d->name || !idx || !*remap) { free(idx); return -1; }
    for (size_t i = 0; i < m->cap; i++)
        if (m->sl[i].key) d->name[m->sl[i].val] = m->sl[i].key;
    for (int i = 0; i < n; i++) idx[i] = i;
    sort_names = (const char *const *)d->name;
    qsort(idx, (size_t)n, sizeof *idx, cmp_idx_name);
    char **sorted = malloc(((size_t)n + 1) * sizeof *sorted);
    if (!sorted) { free(idx); return -1; }
    for (int i = 0; i < n; i++) {
        sorted[i] = d->name[idx[i]];
        (*remap)[idx[i]] = i;
    }
    free(d->name);
    d->name = sorted;
    free(idx);
    return 0;
}

static int cmp_rows(const void *a, const void *b)
{
    const reject_row *x = a, *y = b;
    if (x->table != y->table) return x->table - y->table;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return (int)x->reason - (int)y->reason;
}

static void csv_put(FILE *fp, const char *v)
{
    if (!strpbrk(v, ",\"\n\r")) { fputs(v, fp); return; }
    fputc('"', fp);
    for (; *v; v++) {
        if (*v == '"') fputc('"', fp);
        fputc(*v, fp);
    }
    fputc('"', fp);
}

nt_status nt_spells_write_rejects(const nt_spells *s, const char *path, nt_error *err)
{
    struct nt_spells_priv *pv = s->priv;
    if (pv->n_rows > 1) qsort(pv->rows, (size_t)pv->n_rows, sizeof *pv->rows, cmp_rows);
    nt_outfile f;
    nt_status st = nt_outfile_open(&f, path, err);
    if (st) return st;
    fputs("file,line,column,reason,record\n", f.fp);
    for (long i = 0; i < pv->n_rows; i++) {
        const reject_row *r = &pv->rows[i];
        csv_put(f.fp, s->path[r->table]);
        fprintf(f.fp, ",%ld,", r->line);
        csv_put(f.fp, r->column);
        fprintf(f.fp, ",%s,", reason_names[r->reason]);
        csv_put(f.fp, r->record);
        fputc('\n', f.fp);
    }
    return nt_outfile_commit(&f, err);
}

void nt_spells_free(nt_spells *s)
{
    if (!s) return;
    nt_persons *p = &s->persons;
    free(p->id); free(p->birth); free(p->sex); free(p->education); free(p->migration);
    free(p->region); free(p->death); free(p->emigration); free(p->line); free(p->rejected);
    for (int k = 0; k < p->n_extra; k++) {
        free(p->extra[k].num);
        free(p->extra[k].str);
    }
    free(p->extra);
    free(s->benefits); free(s->programs); free(s->jobs);
    free(s->schemes.name); free(s->program_types.name); free(s->providers.name);
    if (s->priv) {
        for (int t = 0; t < 4; t++) {
            if (s->priv->rs_raw[t]) for (long i = 0; i < s->priv->rs_n[t]; i++) free(s->priv->rs_raw[t][i]);
            free(s->priv->rs_raw[t]);
        }
        free(s->priv->rows);
        free(s->priv->person_offset);
        for (int t = 0; t < 4; t++)
            if (s->priv->fd[t]) close(s->priv->fd[t] - 1);
        arena_free(&s->priv->a);
        free(s->priv);
    }
    free(s);
}

nt_status nt_spells_reject_person(nt_spells *s, long p, nt_reject_reason reason, const char *column,
                                  const char *found, const char *expected, nt_spells_report *report,
                                  nt_error *err)
{
    struct nt_spells_priv *pv = s->priv;
    if (p < 0 || p >= s->persons.n) return nt_fail(err, NT_EUSAGE, "nt_spells_reject_person: no person %ld", p);
    if (!pv->lenient) {
        char v[220];
        escape_bytes((const unsigned char *)(found ? found : ""), found ? strlen(found) : 0, 0, v, 200);
        return nt_fail_at(err, NT_EINPUT, s->path[T_PERSONS], s->persons.line[p], column,
                          "found \"%s\", expected %s", v, expected ? expected : "a valid value");
    }
    if (s->persons.rejected[p]) return NT_OK;
    s->persons.rejected[p] = 1;
    char buf[REC_MAX + 8];
    raw_at(s, T_PERSONS, pv->person_offset[p], buf, REC_MAX);
    if (add_row(pv, T_PERSONS, s->persons.line[p], column, reason, buf, strlen(buf), 0)) goto oom;
    if (report) report->rejected[T_PERSONS][reason]++;
    for (int t = 1; t < 4; t++) {
        long n = t == 1 ? s->n_benefits : t == 2 ? s->n_programs : s->n_jobs;
#define WHO(i) (t == 1 ? s->benefits[i].person : t == 2 ? s->programs[i].person : s->jobs[i].person)
        long lo = 0, hi = n;   /* spells are sorted by person: first of p */
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            if (WHO(mid) < p) lo = mid + 1;
            else hi = mid;
        }
        for (long i = lo; i < n && WHO(i) == p; i++) {
            if (pv->ignore_unknown) {
                if (report) report->ignored_unknown[t]++;
                continue;
            }
            long line = t == 1 ? s->benefits[i].line : t == 2 ? s->programs[i].line : s->jobs[i].line;
            int64_t off = t == 1 ? s->benefits[i].offset : t == 2 ? s->programs[i].offset : s->jobs[i].offset;
            raw_at(s, t, off, buf, REC_MAX);
            if (add_row(pv, t, line, pv->keycol, NT_REJECT_UNKNOWN_PERSON, buf, strlen(buf), 0)) goto oom;
            if (report) report->rejected[t][NT_REJECT_UNKNOWN_PERSON]++;
        }
#undef WHO
    }
    return NT_OK;
oom:
    return nt_fail(err, NT_ENOMEM, "out of memory");
}

/* Moves a per-record array into sorted person order. */
#define PERMUTE(dst, src, T)                                                   \
    do {                                                                       \
        (dst) = malloc(((size_t)n + 1) * sizeof(T));                           \
        if (!(dst)) goto oom;                                                  \
        for (long i_ = 0; i_ < n; i_++) (dst)[i_] = (src)[order[i_]];          \
    } while (0)

nt_status nt_spells_read(const nt_spells_opts *opts, nt_spells **out, nt_spells_report *report, nt_error *err)
{
    nt_spells *s = calloc(1, sizeof *s);
    struct nt_spells_priv *pv = calloc(1, sizeof *pv);
    ctx c;
    memset(&c, 0, sizeof c);
    persons_tmp P;
    memset(&P, 0, sizeof P);
    spell_vec sv[4];
    memset(sv, 0, sizeof sv);
    strmap codes[4], prov;
    memset(codes, 0, sizeof codes);
    memset(&prov, 0, sizeof prov);
    int32_t *order = NULL, *rank = NULL, *remap = NULL;
    nt_status st = NT_OK;
    if (report) memset(report, 0, sizeof *report);
    if (!s || !pv) { free(s); free(pv); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    s->priv = pv;
    pv->lenient = opts->lenient;
    pv->ignore_unknown = opts->ignore_unknown_persons;
    pv->cp1252 = opts->cp1252;
    c.o = opts; c.s = s; c.pv = pv; c.rep = report; c.err = err;
    c.dec = opts->decimal == ',' ? ',' : '.';
    for (int t = 0; t < 4; t++) {
        snprintf(s->path[t], sizeof s->path[t], "%s", opts->path[t] ? opts->path[t] : "");
        s->earliest_start[t < 3 ? t : 2] = NT_DAY_NONE;
    }
    /* person key columns */
    {
        const char *k = opts->person_key && *opts->person_key ? opts->person_key : "person_id";
        while (*k) {
            const char *e = strchr(k, '+');
            size_t n = e ? (size_t)(e - k) : strlen(k);
            const char *v = k;
            trim(&v, &n);
            if (n == 0 || n >= sizeof c.keyname[0] || c.nkey == 8) {
                st = nt_fail(err, NT_EUSAGE, "--person-key: found \"%s\", expected column names joined by '+' (e.g. RINPERSOONS+RINPERSOON)", opts->person_key);
                goto done;
            }
            memcpy(c.keyname[c.nkey], v, n);
            c.keyname[c.nkey++][n] = 0;
            if (c.nkey == 1) snprintf(pv->keycol, sizeof pv->keycol, "%s", c.keyname[0]);
            if (!e) break;
            k = e + 1;
            if (!*k) { st = nt_fail(err, NT_EUSAGE, "--person-key: found \"%s\", expected column names joined by '+'", opts->person_key); goto done; }
        }
    }
    for (int t = 0; t < 4; t++) {
        if (!opts->path[t]) { st = nt_fail(err, NT_EUSAGE, "no %s file given", table_name[t]); goto done; }
        st = nt_file_sha256(opts->path[t], s->sha256[t], err);
        if (st) goto done;
    }
    st = read_persons(&c, &P);
    if (st) goto done;
    c.pid = P.id;
    c.np = P.n;
    keep_rs_raws(&c);
    src_close(&c.src);
    nt_day latest = NT_DAY_NONE;
    for (int t = 1; t < 4; t++) {
        st = read_spells(&c, t, &sv[t], &codes[t], &prov, &latest);
        if (st) goto done;
        keep_rs_raws(&c);
        src_close(&c.src);
    }
    s->data_end = opts->data_end != NT_DAY_NONE ? opts->data_end : latest;

    /* persons in bytewise order of id */
    long n = P.n;
    order = malloc(((size_t)n + 1) * sizeof *order);
    rank = malloc(((size_t)n + 1) * sizeof *rank);
    if (!order || !rank) goto oom;
    for (long i = 0; i < n; i++) order[i] = (int32_t)i;
    sort_names = (const char *const *)P.id;
    qsort(order, (size_t)n, sizeof *order, cmp_idx_name);
    for (long i = 0; i < n; i++) rank[order[i]] = (int32_t)i;
    nt_persons *pp = &s->persons;
    pp->n = n;
    PERMUTE(pp->id, P.id, char *);
    PERMUTE(pp->birth, P.birth, nt_day);
    PERMUTE(pp->sex, P.sex, uint8_t);
    PERMUTE(pp->education, P.edu, uint8_t);
    PERMUTE(pp->migration, P.mig, uint8_t);
    PERMUTE(pp->region, P.region, char *);
    PERMUTE(pp->death, P.death, nt_day);
    PERMUTE(pp->emigration, P.emig, nt_day);
    PERMUTE(pp->line, P.line, long);
    PERMUTE(pv->person_offset, P.off, int64_t);
    pp->rejected = calloc((size_t)n + 1, 1);
    if (!pp->rejected) goto oom;
    pp->extra = calloc((size_t)P.n_extra + 1, sizeof *pp->extra);
    if (!pp->extra) goto oom;
    pp->n_extra = P.n_extra;
    for (int k = 0; k < P.n_extra; k++) {
        nt_extra_column *x = &pp->extra[k];
        x->name = P.extra_name[k];
        PERMUTE(x->str, P.extra[k], char *);
        char dec = pv->readstat[T_PERSONS] ? '.' : c.dec;
        int numeric = 0;
        for (long i = 0; i < n; i++) {
            if (!x->str[i]) continue;
            double v;
            int lead0;
            if (parse_number(x->str[i], strlen(x->str[i]), dec, &v, &lead0) || lead0) { numeric = -1; break; }
            numeric = 1;
        }
        x->is_numeric = numeric == 1;
        if (x->is_numeric) {
            x->num = malloc(((size_t)n + 1) * sizeof *x->num);
            if (!x->num) goto oom;
            for (long i = 0; i < n; i++) {
                x->num[i] = NAN;
                if (x->str[i]) parse_number(x->str[i], strlen(x->str[i]), dec, &x->num[i], NULL);
            }
        }
    }

    /* spells: open ends, person order, dictionaries, merging, final order */
    for (int t = 1; t < 4; t++) {
        spell_vec *v = &sv[t];
        for (long i = 0; i < v->n; i++) {
            spell *sp = &v->v[i];
            sp->person = rank[sp->person];
            if (sp->end != NT_DAY_NONE && s->data_end != NT_DAY_NONE && sp->end > s->data_end) sp->end = NT_DAY_NONE;
            if (s->earliest_start[t - 1] == NT_DAY_NONE || sp->start < s->earliest_start[t - 1])
                s->earliest_start[t - 1] = sp->start;
        }
        if (t != T_JOBS) {
            if (build_dict(&codes[t], t == T_BENEFITS ? &s->schemes : &s->program_types, &remap)) goto oom;
            for (long i = 0; i < v->n; i++) v->v[i].code = remap[v->v[i].code];
            free(remap);
            remap = NULL;
            if (merge(s, t, v, (int)codes[t].n, report)) goto oom;
        } else {
            sort_final(v);
        }
    }
    if (build_dict(&prov, &s->providers, &remap)) goto oom;
    s->n_benefits = sv[1].n;
    s->benefits = malloc(((size_t)sv[1].n + 1) * sizeof *s->benefits);
    s->n_programs = sv[2].n;
    s->programs = malloc(((size_t)sv[2].n + 1) * sizeof *s->programs);
    s->n_jobs = sv[3].n;
    s->jobs = malloc(((size_t)sv[3].n + 1) * sizeof *s->jobs);
    if (!s->benefits || !s->programs || !s->jobs) goto oom;
    for (long i = 0; i < sv[1].n; i++) {
        const spell *x = &sv[1].v[i];
        s->benefits[i] = (nt_benefit_spell){x->person, x->code + 1, x->start, x->end, x->line, x->off};
    }
    for (long i = 0; i < sv[2].n; i++) {
        const spell *x = &sv[2].v[i];
        s->programs[i] = (nt_program_spell){x->person, x->code + 1, x->start, x->end, x->a,
                                            x->provider ? remap[x->provider - 1] + 1 : 0, x->line, x->off};
    }
    for (long i = 0; i < sv[3].n; i++) {
        const spell *x = &sv[3].v[i];
        s->jobs[i] = (nt_job_spell){x->person, x->start, x->end, x->a, x->b, x->line, x->off};
        if (isnan(x->a)) s->n_jobs_missing_wage++;
    }
    if (opts->rejects_path) {
        st = nt_spells_write_rejects(s, opts->rejects_path, err);
        if (st) goto done;
    }
    *out = s;
    s = NULL;
    goto done;
oom:
    st = nt_fail(err, NT_ENOMEM, "out of memory");
done:
    src_close(&c.src);
    map_free(&c.ids);
    for (int t = 0; t < 4; t++) { map_free(&codes[t]); free(sv[t].v); }
    map_free(&prov);
    persons_tmp_free(&P);
    free(order);
    free(rank);
    free(remap);
    nt_spells_free(s);
    return st;
}
