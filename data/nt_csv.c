/* Streaming CSV record reader (contract in data/nt_csv.h).

   Why hand-written and not libcsv: the contract needs the physical line where
   each record starts and the raw bytes of the record (rejects report), and
   the delimiter is detected from the header line; libcsv gives neither
   position nor raw bytes, and its per-field callbacks cost more than this
   loop (numbers in docs/ingest.md).

   Layout: one byte buffer buf[0..len) read with read(2) in large blocks.
   A record is parsed from buf[pos..) in one pass; its unquoted fields are
   copied into fbuf (NUL-terminated, offsets in foff). When the record does
   not end inside the buffer, the unparsed tail is moved to the front, the
   buffer grows if it is full, more is read, and the record is parsed again
   from its start, so a record's raw bytes are always contiguous in buf. */
#include "data/nt_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef CSV_BLOCK
#define CSV_BLOCK (1u << 16)   /* 64 KiB reads: as fast as 1 MiB (docs/ingest.md), and cheap to open */
#endif

struct nt_csv {
    int fd;
    char path[1024];
    int cp1252;
    char delim;
    unsigned char stop[256];   /* bytes that end an unquoted run: delim, '\n', NUL */

    char *buf;
    size_t cap, len, pos;      /* valid bytes buf[0..len), next record at pos */
    int eof;
    long long base;            /* file offset of buf[0] */
    long line;                 /* physical line of buf[pos] */

    /* current record */
    size_t rec_start, rec_len;
    long rec_line;
    int flags;
    char *fbuf;
    size_t fcap;
    size_t *foff, *flen;
    int nf, fcapn;

    /* header */
    int nh;
    char **hdr;
    int hdr_flags;
};

/* cp1252 0x80..0x9F as Unicode code points; 0 = undefined byte. */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

int nt_utf8_valid(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        if (c < 0x80) { i++; continue; }
        size_t k;
        unsigned min;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) { k = 1; cp = c & 0x1F; min = 0x80; }
        else if (c >= 0xE0 && c <= 0xEF) { k = 2; cp = c & 0x0F; min = 0x800; }
        else if (c >= 0xF0 && c <= 0xF4) { k = 3; cp = c & 0x07; min = 0x10000; }
        else return 0;
        if (k >= n - i) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

static int grow_fields(nt_csv *c)
{
    int n = c->fcapn ? c->fcapn * 2 : 32;
    size_t *a = realloc(c->foff, (size_t)n * sizeof *a);
    if (!a) return -1;
    c->foff = a;
    size_t *b = realloc(c->flen, (size_t)n * sizeof *b);
    if (!b) return -1;
    c->flen = b;
    c->fcapn = n;
    return 0;
}

static int reserve_fbuf(nt_csv *c, size_t need)
{
    if (need <= c->fcap) return 0;
    size_t n = c->fcap ? c->fcap : 4096;
    while (n < need) n *= 2;
    char *p = realloc(c->fbuf, n);
    if (!p) return -1;
    c->fbuf = p;
    c->fcap = n;
    return 0;
}

/* Appends src[0..n) to fbuf at *out, transcoding cp1252 when asked. The
   caller has reserved 3*n bytes. Returns flags seen (NUL, bad encoding). */
static int append(nt_csv *c, const unsigned char *src, size_t n, size_t *out)
{
    char *d = c->fbuf + *out;
    int flags = 0;
    if (!c->cp1252) {
        memcpy(d, src, n);
        *out += n;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned ch = src[i];
        if (ch < 0x80) { *d++ = (char)ch; continue; }
        unsigned cp = ch >= 0xA0 ? ch : cp1252_hi[ch - 0x80];
        if (!cp) { flags |= NT_CSV_BAD_UTF8; cp = 0xFFFD; }
        if (cp < 0x800) {
            *d++ = (char)(0xC0 | (cp >> 6));
            *d++ = (char)(0x80 | (cp & 0x3F));
        } else {
            *d++ = (char)(0xE0 | (cp >> 12));
            *d++ = (char)(0x80 | ((cp >> 6) & 0x3F));
            *d++ = (char)(0x80 | (cp & 0x3F));
        }
    }
    *out = (size_t)(d - c->fbuf);
    return flags;
}

/* Reads more bytes; grows the buffer when the unparsed part fills it.
   Returns 0, or -1 on a read error. */
static int fill(nt_csv *c)
{
    if (c->pos > 0) {
        memmove(c->buf, c->buf + c->pos, c->len - c->pos);
        c->len -= c->pos;
        c->base += (long long)c->pos;
        c->pos = 0;
    }
    if (c->len == c->cap) {
        size_t n = c->cap * 2;
        char *p = realloc(c->buf, n + 1);
        if (!p) return -1;
        c->buf = p;
        c->cap = n;
    }
    while (c->len < c->cap) {
        ssize_t r = read(c->fd, c->buf + c->len, c->cap - c->len);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) { c->eof = 1; break; }
        c->len += (size_t)r;
        if (c->len >= CSV_BLOCK / 2) break;   /* enough to go on with */
    }
    return 0;
}

/* Parses one record at buf[pos]. Returns 1 (record complete, *next and
   *nl set), 0 (need more input), 2 (only a blank line: *next, *nl set),
   3 (end of input), -1 (unterminated quote: *qline = its line offset,
   *qfield its field index), -2 (out of memory). */
static int parse(nt_csv *c, size_t *next, long *nl, long *qline, int *qfield)
{
    const unsigned char *b = (const unsigned char *)c->buf;
    size_t p = c->pos, n = c->len;
    long lines = 0;

    /* blank line: only spaces, tabs, CR before the line end */
    {
        size_t q = p;
        while (q < n && (b[q] == ' ' || b[q] == '\t' || b[q] == '\r')) q++;
        if (q == n) {
            if (!c->eof) return 0;
            if (p == n) return 3;
            *next = n; *nl = 0;
            return 2;
        }
        if (b[q] == '\n') { *next = q + 1; *nl = 1; return 2; }
    }

    size_t out = 0;
    int nf = 0, flags = 0;
    unsigned char orbits = 0;
    for (;;) {
        if (nf == c->fcapn && grow_fields(c)) return -2;
        c->foff[nf] = out;
        size_t fstart = out;
        if (p < n && b[p] == '"') {
            long qstart = lines;
            p++;
            for (;;) {
                const unsigned char *q = memchr(b + p, '"', n - p);
                size_t end = q ? (size_t)(q - b) : n;
                if (reserve_fbuf(c, out + 3 * (end - p) + 4)) return -2;
                for (size_t i = p; i < end; i++) {
                    orbits |= b[i];
                    if (b[i] == '\n') lines++;
                    else if (b[i] == 0) flags |= NT_CSV_NUL;
                }
                flags |= append(c, b + p, end - p, &out);
                if (!q) {
                    if (!c->eof) return 0;
                    *qline = qstart;
                    *qfield = nf;
                    return -1;
                }
                p = end + 1;
                if (p == n && !c->eof) return 0;
                if (p < n && b[p] == '"') { c->fbuf[out++] = '"'; p++; continue; }
                break;   /* closing quote */
            }
        }
        /* unquoted run (or text after a closing quote, kept literally) */
        size_t s = p;
        while (p < n && !c->stop[b[p]]) orbits |= b[p++];
        if (p < n && b[p] == 0) {
            /* NUL: part of the field; keep scanning */
            flags |= NT_CSV_NUL;
            while (p < n && (b[p] == 0 || !c->stop[b[p]])) orbits |= b[p++];
        }
        if (p == n && !c->eof) return 0;
        size_t e = p;
        int at_nl = p < n && b[p] == '\n';
        if ((at_nl || p == n) && e > s && b[e - 1] == '\r') e--;
        if (reserve_fbuf(c, out + 3 * (e - s) + 4)) return -2;
        flags |= append(c, b + s, e - s, &out);
        c->flen[nf] = out - fstart;
        c->fbuf[out++] = 0;
        nf++;
        if (p < n && b[p] == (unsigned char)c->delim) { p++; continue; }
        /* end of line or of input */
        if (at_nl) { p++; lines++; }
        break;
    }
    if ((orbits & 0x80) && !c->cp1252) {
        for (int i = 0; i < nf; i++)
            if (!nt_utf8_valid((const unsigned char *)c->fbuf + c->foff[i], c->flen[i])) {
                flags |= NT_CSV_BAD_UTF8;
                break;
            }
    }
    c->nf = nf;
    c->flags = flags;
    c->rec_start = c->pos;
    size_t re = p;
    if (re > c->pos && b[re - 1] == '\n') re--;
    if (re > c->pos && b[re - 1] == '\r') re--;
    c->rec_len = re - c->pos;
    *next = p;
    *nl = lines;
    return 1;
}

int nt_csv_next(nt_csv *c, nt_error *err)
{
    for (;;) {
        size_t next = 0;
        long nl = 0, qline = 0;
        int qfield = 0;
        int r = parse(c, &next, &nl, &qline, &qfield);
        if (r == 0) {
            if (fill(c)) {
                nt_fail_at(err, NT_EIO, c->path, 0, NULL, "cannot read the file");
                return -1;
            }
            continue;
        }
        if (r == 3) return 0;
        if (r == -2) {
            nt_fail(err, NT_ENOMEM, "out of memory reading %s", c->path);
            return -1;
        }
        if (r == -1) {
            const char *col = c->hdr && qfield < c->nh ? c->hdr[qfield] : NULL;
            nt_fail_at(err, NT_EINPUT, c->path, c->line + qline, col,
                       "found a quoted field that is never closed, expected a closing '\"' "
                       "before the end of the file");
            return -1;
        }
        if (r == 2) {
            c->pos = next;
            c->line += nl;
            continue;
        }
        c->rec_line = c->line;
        c->pos = next;
        c->line += nl;
        return 1;
    }
}

static void set_delim(nt_csv *c, char d)
{
    c->delim = d;
    memset(c->stop, 0, sizeof c->stop);
    c->stop[(unsigned char)d] = 1;
    c->stop['\n'] = 1;
    c->stop[0] = 1;
}

/* Counts , ; TAB outside quotes on the header line (which may span lines
   inside quotes). Returns 0, or 1 when more input is needed. */
static int detect_delim(nt_csv *c)
{
    const char *b = c->buf;
    size_t p = c->pos, n = c->len;
    /* skip blank lines */
    for (;;) {
        size_t q = p;
        while (q < n && (b[q] == ' ' || b[q] == '\t' || b[q] == '\r')) q++;
        if (q < n && b[q] == '\n') { p = q + 1; continue; }
        if (q == n && !c->eof) return 1;
        break;
    }
    long cnt[3] = {0, 0, 0};
    int inq = 0;
    size_t q = p;
    for (; q < n; q++) {
        char ch = b[q];
        if (ch == '"') inq = !inq;
        else if (!inq) {
            if (ch == '\n') break;
            if (ch == ',') cnt[0]++;
            else if (ch == ';') cnt[1]++;
            else if (ch == '\t') cnt[2]++;
        }
    }
    if (q == n && !c->eof) return 1;
    char d = ',';
    if (cnt[1] > cnt[0] && cnt[1] >= cnt[2]) d = ';';
    else if (cnt[2] > cnt[0] && cnt[2] > cnt[1]) d = '\t';
    set_delim(c, d);
    return 0;
}

static void trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) { (*s)++; (*n)--; }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

nt_status nt_csv_open(const char *path, const nt_csv_opts *opts, nt_csv **out, nt_error *err)
{
    nt_csv *c = calloc(1, sizeof *c);
    if (!c) return nt_fail(err, NT_ENOMEM, "out of memory opening %s", path);
    c->fd = -1;
    snprintf(c->path, sizeof c->path, "%s", path);
    c->cp1252 = opts ? opts->cp1252 : 0;
    c->line = 1;
    c->cap = CSV_BLOCK;
    c->buf = malloc(c->cap + 1);
    nt_status st = NT_OK;
    if (!c->buf) { st = nt_fail(err, NT_ENOMEM, "out of memory opening %s", path); goto fail; }
    c->fd = open(path, O_RDONLY);
    if (c->fd < 0) {
        st = nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot open the file: %s", strerror(errno));
        goto fail;
    }
    /* first block, BOM */
    while (c->len < 3 && !c->eof)
        if (fill(c)) { st = nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot read the file"); goto fail; }
    if (c->len >= 3 && memcmp(c->buf, "\xEF\xBB\xBF", 3) == 0) c->pos = 3;
    while (detect_delim(c))
        if (fill(c)) { st = nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot read the file"); goto fail; }
    int r = nt_csv_next(c, err);
    if (r < 0) { st = err ? err->status : NT_EINPUT; goto fail; }
    if (r == 0) {
        st = nt_fail_at(err, NT_EINPUT, path, 0, NULL,
                        "found an empty file, expected a header row with column names");
        goto fail;
    }
    c->nh = c->nf;
    c->hdr_flags = c->flags;
    size_t total = 0;
    for (int i = 0; i < c->nf; i++) total += c->flen[i] + 1;
    c->hdr = malloc((size_t)c->nh * sizeof *c->hdr + total);
    if (!c->hdr) { st = nt_fail(err, NT_ENOMEM, "out of memory opening %s", path); goto fail; }
    char *dst = (char *)(c->hdr + c->nh);
    for (int i = 0; i < c->nf; i++) {
        const char *s = c->fbuf + c->foff[i];
        size_t n = c->flen[i];
        trim(&s, &n);
        memcpy(dst, s, n);
        dst[n] = 0;
        c->hdr[i] = dst;
        dst += n + 1;
    }
    *out = c;
    return NT_OK;
fail:
    nt_csv_close(c);
    return st;
}

void nt_csv_close(nt_csv *c)
{
    if (!c) return;
    if (c->fd >= 0) close(c->fd);
    free(c->buf);
    free(c->fbuf);
    free(c->foff);
    free(c->flen);
    free(c->hdr);
    free(c);
}

int nt_csv_header_count(const nt_csv *c) { return c->nh; }

const char *nt_csv_header(const nt_csv *c, int i)
{
    return i >= 0 && i < c->nh ? c->hdr[i] : NULL;
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

int nt_csv_header_find(const nt_csv *c, const char *name)
{
    for (int i = 0; i < c->nh; i++)
        if (ieq(c->hdr[i], name)) return i;
    return -1;
}

int nt_csv_count(const nt_csv *c) { return c->nf; }

const char *nt_csv_field(const nt_csv *c, int i, size_t *len)
{
    if (i < 0 || i >= c->nf) {
        if (len) *len = 0;
        return NULL;
    }
    if (len) *len = c->flen[i];
    return c->fbuf + c->foff[i];
}

long nt_csv_line(const nt_csv *c) { return c->rec_line; }
int nt_csv_flags(const nt_csv *c) { return c->flags; }

const char *nt_csv_raw(const nt_csv *c, size_t *len)
{
    if (len) *len = c->rec_len;
    return c->buf + c->rec_start;
}

long long nt_csv_offset(const nt_csv *c) { return c->base + (long long)c->pos; }
