/* The cell source (nt_cells.h): CSV through data/nt_csv, .sav/.dta through
   ReadStat read whole into a table of text cells; value labels replace
   the codes they label once the whole file is read (a .dta keeps its
   labels after the data). */
#include "data/nt_cells.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <readstat.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_date.h"
#include "data/nt_arena.h"
#include "data/nt_csv.h"
#include "data/nt_strmap.h"
#include "data/nt_text.h"

struct nt_cells {
    char *path;
    int cp1252;
    char decimal;
    int readstat;
    nt_csv *csv;
    long line;
    int64_t offset;
    /* .sav/.dta as text cells */
    int ncol;
    char **names;
    char **cells;      /* nrow x ncol, NULL = missing */
    long nrow, caprow, row;
    char **raws;       /* the record as text, made on demand (owned until kept) */
    char *undated;     /* per column: 1 numeric without a date format */
    long *labelled;    /* per column: cells replaced by their value label */
};

struct nt_cells_kept {
    char *path;
    int cp1252;
    int fd;            /* CSV re-read on demand: +1, 0 = not open */
    char **raws;       /* .sav/.dta: record texts, NULL for a CSV file */
    long n;
};

void nt_cells_close(nt_cells *c)
{
    if (!c) return;
    if (c->csv) nt_csv_close(c->csv);
    if (c->names) for (int i = 0; i < c->ncol; i++) free(c->names[i]);
    free(c->names);
    if (c->cells) for (long i = 0; i < c->nrow * c->ncol; i++) free(c->cells[i]);
    free(c->cells);
    if (c->raws) for (long i = 0; i < c->nrow; i++) free(c->raws[i]);
    free(c->raws);
    free(c->undated);
    free(c->labelled);
    free(c->path);
    free(c);
}

/* ------------------------------------------------------------- ReadStat */

typedef struct {
    nt_cells *s;
    int oom;
    char **fmt;
    char **lset;          /* per column: its value label set's name, "" none */
    nt_strmap labels;     /* "set\x01code as text" -> index into label */
    nt_arena a;
    char **label;
    long n_label, cap_label;
} rs_ctx;

static int rs_meta(readstat_metadata_t *md, void *vctx)
{
    rs_ctx *c = vctx;
    int nv = readstat_get_var_count(md);
    if (nv < 0) nv = 0;
    c->s->ncol = nv;
    c->s->names = calloc((size_t)nv + 1, sizeof(char *));
    c->fmt = calloc((size_t)nv + 1, sizeof(char *));
    c->lset = calloc((size_t)nv + 1, sizeof(char *));
    c->s->undated = calloc((size_t)nv + 1, 1);
    c->s->labelled = calloc((size_t)nv + 1, sizeof(long));
    if (!c->s->names || !c->fmt || !c->lset || !c->s->undated || !c->s->labelled) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
    return READSTAT_HANDLER_OK;
}

static int rs_var(int index, readstat_variable_t *v, const char *labels, void *vctx)
{
    rs_ctx *c = vctx;
    if (index < 0 || index >= c->s->ncol) return READSTAT_HANDLER_ABORT;
    const char *nm = readstat_variable_get_name(v);
    const char *fm = readstat_variable_get_format(v);
    c->s->names[index] = strdup(nm ? nm : "");
    c->fmt[index] = strdup(fm ? fm : "");
    c->lset[index] = strdup(labels ? labels : "");
    if (!c->s->names[index] || !c->fmt[index] || !c->lset[index]) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
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

/* A numeric value as the text a CSV would hold (buf: 64 bytes). */
static void rs_number(const char *fmt, double x, char *buf)
{
    nt_day d = rs_date(fmt, x);
    if (d != NT_DAY_NONE) {
        nt_day_format(d, buf);
    } else if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(buf, 64, "%.0f", x);
    } else {
        snprintf(buf, 64, "%.15g", x);
        if (strtod(buf, NULL) != x) snprintf(buf, 64, "%.17g", x);
    }
}

/* A value as the text a CSV would hold (buf: 64 bytes); NULL if missing. */
static const char *rs_text(const char *fmt, readstat_value_t val, char *buf)
{
    readstat_type_t ty = readstat_value_type(val);
    if (ty == READSTAT_TYPE_STRING || ty == READSTAT_TYPE_STRING_REF) {
        const char *t = readstat_string_value(val);
        return t && *t ? t : NULL;
    }
    double x = readstat_double_value(val);
    if (ty == READSTAT_TYPE_INT8) x = readstat_int8_value(val);
    else if (ty == READSTAT_TYPE_INT16) x = readstat_int16_value(val);
    else if (ty == READSTAT_TYPE_INT32) x = readstat_int32_value(val);
    else if (ty == READSTAT_TYPE_FLOAT) x = readstat_float_value(val);
    if (!isfinite(x)) return NULL;
    rs_number(fmt, x, buf);
    return buf;
}

/* One value label of a set: kept by the set's name and the code's text. */
static int rs_label(const char *set, readstat_value_t val, const char *label, void *vctx)
{
    rs_ctx *c = vctx;
    char buf[64], key[512];
    if (!set || !label || readstat_value_is_tagged_missing(val)) return READSTAT_HANDLER_OK;
    const char *t = rs_text("", val, buf);
    if (!t) return READSTAT_HANDLER_OK;
    int n = snprintf(key, sizeof key, "%s\x01%s", set, t);
    if (n < 0 || (size_t)n >= sizeof key) return READSTAT_HANDLER_OK;
    if (c->n_label == c->cap_label) {
        long cap = c->cap_label ? 2 * c->cap_label : 64;
        char **l = realloc(c->label, (size_t)cap * sizeof *l);
        if (!l) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
        c->label = l;
        c->cap_label = cap;
    }
    int32_t old;
    if (!nt_strmap_put(&c->labels, &c->a, key, (size_t)n, (int32_t)c->n_label, &old)) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
    if (old != NT_STRMAP_ABSENT) return READSTAT_HANDLER_OK;   /* the first label of a code counts */
    if (!(c->label[c->n_label++] = strdup(label))) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
    return READSTAT_HANDLER_OK;
}

/* After the whole file: a labelled code of a column that is not a date
   becomes its label (docs/ingest.md, "Value labels"). */
static int rs_apply_labels(rs_ctx *c)
{
    nt_cells *s = c->s;
    if (!c->n_label) return 0;
    for (int j = 0; j < s->ncol; j++) {
        if (!c->lset[j] || !c->lset[j][0]) continue;
        if (rs_date(c->fmt[j], 0) != NT_DAY_NONE) continue;
        char key[512];
        int k = snprintf(key, sizeof key, "%s\x01", c->lset[j]);
        if (k < 0 || (size_t)k >= sizeof key) continue;
        for (long i = 0; i < s->nrow; i++) {
            char **cell = &s->cells[(size_t)i * (size_t)s->ncol + (size_t)j];
            if (!*cell) continue;
            size_t n = strlen(*cell);
            if ((size_t)k + n >= sizeof key) continue;
            memcpy(key + k, *cell, n + 1);
            int32_t l = nt_strmap_get(&c->labels, key, (size_t)k + n);
            if (l < 0) continue;
            char *d = strdup(c->label[l]);
            if (!d) return -1;
            free(*cell);
            *cell = d;
            s->labelled[j]++;
        }
    }
    return 0;
}

static int rs_value(int obs, readstat_variable_t *v, readstat_value_t val, void *vctx)
{
    rs_ctx *c = vctx;
    nt_cells *s = c->s;
    int j = readstat_variable_get_index(v);
    if (obs < 0 || j < 0 || j >= s->ncol) return READSTAT_HANDLER_ABORT;
    if (obs >= s->caprow) {
        /* from 4 rows up: a header may claim many columns for few values */
        long cap = s->caprow ? s->caprow * 2 : 4;
        while (cap <= obs) cap *= 2;
        if ((size_t)cap > SIZE_MAX / sizeof(char *) / ((size_t)s->ncol + 1)) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
        char **cells = realloc(s->cells, (size_t)cap * (size_t)s->ncol * sizeof(char *));
        if (!cells) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
        memset(cells + s->caprow * s->ncol, 0, (size_t)(cap - s->caprow) * (size_t)s->ncol * sizeof(char *));
        s->cells = cells;
        s->caprow = cap;
    }
    if (obs >= s->nrow) s->nrow = obs + 1;
    if (readstat_value_is_missing(val, v)) return READSTAT_HANDLER_OK;
    char buf[64];
    const char *txt = rs_text(c->fmt[j], val, buf);
    if (!txt) return READSTAT_HANDLER_OK;
    readstat_type_t ty = readstat_value_type(val);
    if (ty != READSTAT_TYPE_STRING && ty != READSTAT_TYPE_STRING_REF && rs_date(c->fmt[j], 0) == NT_DAY_NONE)
        s->undated[j] = 1;
    char *d = strdup(txt);
    if (!d) { c->oom = 1; return READSTAT_HANDLER_ABORT; }
    free(s->cells[(size_t)obs * (size_t)s->ncol + (size_t)j]);
    s->cells[(size_t)obs * (size_t)s->ncol + (size_t)j] = d;
    return READSTAT_HANDLER_OK;
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), k = strlen(ext);
    return n > k && nt_text_ieq(path + n - k, ext);
}

static nt_status open_readstat(nt_cells *s, const char *path, int sav, nt_error *err)
{
    if (access(path, R_OK) != 0)
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot open the file: %s", strerror(errno));
    s->readstat = sav ? 's' : 'd';
    s->decimal = '.';
    readstat_parser_t *p = readstat_parser_init();
    if (!p) return nt_fail(err, NT_ENOMEM, "out of memory reading %s", path);
    rs_ctx c;
    memset(&c, 0, sizeof c);
    c.s = s;
    readstat_set_metadata_handler(p, rs_meta);
    readstat_set_variable_handler(p, rs_var);
    readstat_set_value_handler(p, rs_value);
    readstat_set_value_label_handler(p, rs_label);
    readstat_error_t e = sav ? readstat_parse_sav(p, path, &c) : readstat_parse_dta(p, path, &c);
    readstat_parser_free(p);
    if (e == READSTAT_OK && !c.oom && s->names && rs_apply_labels(&c)) c.oom = 1;
    if (c.fmt) for (int i = 0; i < s->ncol; i++) free(c.fmt[i]);
    free(c.fmt);
    if (c.lset) for (int i = 0; i < s->ncol; i++) free(c.lset[i]);
    free(c.lset);
    for (long i = 0; i < c.n_label; i++) free(c.label[i]);
    free(c.label);
    nt_strmap_free(&c.labels);
    nt_arena_free(&c.a);
    if (c.oom) return nt_fail(err, NT_ENOMEM, "out of memory reading %s", path);
    if (e != READSTAT_OK || !s->names)
        return nt_fail_at(err, NT_EINPUT, path, 0, NULL, "found a file that is not a readable %s file (%s), expected %s",
                          sav ? "SPSS .sav" : "Stata .dta", readstat_error_message(e),
                          sav ? "an SPSS system file" : "a Stata data file");
    for (int i = 0; i < s->ncol; i++)
        if (!s->names[i] && !(s->names[i] = strdup(""))) return nt_fail(err, NT_ENOMEM, "out of memory");
    s->raws = calloc((size_t)s->nrow + 1, sizeof(char *));
    if (!s->raws) return nt_fail(err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

/* ------------------------------------------------------------------ CSV */

static nt_status open_csv(nt_cells *s, const char *path, nt_error *err)
{
    nt_csv_opts o = {s->cp1252};
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
    if (kind)
        return nt_fail_at(err, NT_EINPUT, path, 1, NULL, "found %s, expected a CSV text file with a header row%s", kind,
                          s->cp1252 ? "" : " (UTF-8, or say --encoding cp1252)");
    return NT_OK;
}

nt_status nt_cells_open(const char *path, const nt_cells_opts *opts, nt_cells **out, nt_error *err)
{
    nt_cells *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) { free(s); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    s->cp1252 = opts && opts->cp1252;
    s->decimal = opts && opts->decimal == ',' ? ',' : '.';
    s->row = -1;
    int sav = has_ext(path, ".sav") || has_ext(path, ".zsav"), dta = has_ext(path, ".dta");
    nt_status st = sav || dta ? open_readstat(s, path, sav, err) : open_csv(s, path, err);
    if (st) { nt_cells_close(s); return st; }
    *out = s;
    return NT_OK;
}

/* ------------------------------------------------------------ records */

int nt_cells_columns(const nt_cells *c) { return c->readstat ? c->ncol : nt_csv_header_count(c->csv); }
const char *nt_cells_name(const nt_cells *c, int i) { return c->readstat ? c->names[i] : nt_csv_header(c->csv, i); }
char nt_cells_decimal(const nt_cells *c) { return c->decimal; }
int nt_cells_undated_number(const nt_cells *c, int col)
{
    if (!c->readstat || col < 0 || col >= c->ncol || !c->undated[col]) return 0;
    return c->readstat;
}
long nt_cells_labelled(const nt_cells *c, int col)
{
    return c->readstat && col >= 0 && col < c->ncol ? c->labelled[col] : 0;
}
long nt_cells_line(const nt_cells *c) { return c->line; }
int64_t nt_cells_offset(const nt_cells *c) { return c->offset; }

int nt_cells_find(const nt_cells *c, const char *name)
{
    if (!c->readstat) return nt_csv_header_find(c->csv, name);
    for (int i = 0; i < c->ncol; i++)
        if (nt_text_ieq(c->names[i], name)) return i;
    return -1;
}

int nt_cells_next(nt_cells *c, nt_error *err)
{
    if (c->readstat) {
        c->row++;
        if (c->row >= c->nrow) return 0;
        c->line = c->row + 1;
        c->offset = c->row;
        return 1;
    }
    long long off = nt_csv_offset(c->csv);
    int r = nt_csv_next(c->csv, err);
    if (r == 1) {
        c->line = nt_csv_line(c->csv);
        c->offset = off;
    }
    return r;
}

const char *nt_cells_field(const nt_cells *c, int col, size_t *n)
{
    const char *v;
    if (col < 0) { *n = 0; return ""; }
    if (c->readstat) {
        v = c->cells[(size_t)c->row * (size_t)c->ncol + (size_t)col];
        if (!v) v = "";
        *n = strlen(v);
    } else {
        v = nt_csv_field(c->csv, col, n);
        if (!v) { *n = 0; return ""; }
    }
    nt_text_trim(&v, n);
    return v;
}

nt_cells_defect nt_cells_check(const nt_cells *c)
{
    nt_cells_defect d = {NT_CELLS_FINE, "", NULL, 0, 0, 0};
    if (c->readstat) return d;   /* ReadStat hands over text cells */
    int fl = nt_csv_flags(c->csv);
    int nh = nt_csv_header_count(c->csv), nf = nt_csv_count(c->csv);
    if (fl & NT_CSV_NUL) {
        for (int j = 0; j < nf; j++) {
            size_t n;
            const char *v = nt_csv_field(c->csv, j, &n);
            if (memchr(v, 0, n))
                return (nt_cells_defect){NT_CELLS_NUL_BYTE, j < nh ? nt_csv_header(c->csv, j) : "", v, n, nf, nh};
        }
    }
    if (fl & NT_CSV_BAD_UTF8) {
        for (int j = 0; j < nf; j++) {
            size_t n;
            const char *v = nt_csv_field(c->csv, j, &n);
            /* with cp1252 an undefined byte became U+FFFD: report that field */
            int bad = c->cp1252 ? (n >= 3 && strstr(v, "\xEF\xBF\xBD") != NULL) : !nt_utf8_valid((const unsigned char *)v, n);
            if (bad || j == nf - 1)
                return (nt_cells_defect){NT_CELLS_BAD_TEXT, j < nh ? nt_csv_header(c->csv, j) : "", v, n, nf, nh};
        }
    }
    if (nf != nh) d = (nt_cells_defect){NT_CELLS_FIELD_COUNT, "", NULL, 0, nf, nh};
    return d;
}

/* The .sav/.dta record `row` as text: its cells joined by commas. */
static const char *rs_record(nt_cells *s, long row)
{
    char *r = s->raws[row];
    if (r) return r;
    size_t len = 0;
    for (int j = 0; j < s->ncol; j++) {
        const char *v = s->cells[(size_t)row * (size_t)s->ncol + (size_t)j];
        len += (v ? strlen(v) : 0) + 1;
    }
    r = malloc(len + 1);
    if (!r) return "";
    size_t o = 0;
    for (int j = 0; j < s->ncol; j++) {
        const char *v = s->cells[(size_t)row * (size_t)s->ncol + (size_t)j];
        if (j) r[o++] = ',';
        if (v) { size_t k = strlen(v); memcpy(r + o, v, k); o += k; }
    }
    r[o] = 0;
    s->raws[row] = r;
    return r;
}

size_t nt_cells_record(nt_cells *c, char *out, size_t max)
{
    if (c->readstat) {
        const char *r = rs_record(c, c->row);
        return nt_text_escape((const unsigned char *)r, strlen(r), 0, out, max);
    }
    size_t n;
    const char *raw = nt_csv_raw(c->csv, &n);
    return nt_text_escape((const unsigned char *)raw, n, c->cp1252, out, max);
}

nt_status nt_cells_keep(nt_cells *c, nt_cells_kept **out, nt_error *err)
{
    nt_cells_kept *r = calloc(1, sizeof *r);
    if (!r) return nt_fail(err, NT_ENOMEM, "out of memory");
    r->path = c->path;
    c->path = NULL;
    r->cp1252 = c->cp1252;
    if (c->readstat) {
        for (long i = 0; i < c->nrow; i++) rs_record(c, i);
        r->raws = c->raws;
        r->n = c->nrow;
        c->raws = NULL;
    }
    *out = r;
    return NT_OK;
}

size_t nt_cells_kept_text(nt_cells_kept *r, int64_t off, char *out, size_t max)
{
    out[0] = 0;
    if (r->raws) {
        if (off < 0 || off >= r->n || !r->raws[off]) return 0;
        return nt_text_escape((const unsigned char *)r->raws[off], strlen(r->raws[off]), 0, out, max);
    }
    if (!r->fd) {
        int fd = r->path ? open(r->path, O_RDONLY) : -1;
        if (fd < 0) return 0;
        r->fd = fd + 1;
    }
    unsigned char buf[8192];
    ssize_t n = pread(r->fd - 1, buf, sizeof buf, (off_t)off);
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
    return nt_text_escape(buf + p, e - p, r->cp1252, out, max);
}

void nt_cells_kept_free(nt_cells_kept *r)
{
    if (!r) return;
    if (r->raws) for (long i = 0; i < r->n; i++) free(r->raws[i]);
    free(r->raws);
    if (r->fd) close(r->fd - 1);
    free(r->path);
    free(r);
}
