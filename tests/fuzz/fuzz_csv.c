/* libFuzzer harness over the CSV reader (data/nt_csv.c) and the spell-file
   validator (data/nt_spells*.c, through the cell source data/nt_cells). How
   to build and run: docs/fuzzing.md.

   The input is written to files in a private temporary folder (the readers
   take paths). Byte 0 picks options; the rest is the CSV reader's input, and,
   split at the first 0xFF byte, the spells tables' inputs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/nt_csv.h"
#include "data/nt_spells.h"

static char dir[256];

static void write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) abort();
    if (n && fwrite(d, 1, n, fp) != n) abort();
    fclose(fp);
}

/* A slow, obviously-correct reference reader over the whole input in
   memory, to compare the streaming reader with (UTF-8 input only). It
   returns the next record's fields into a scratch buffer. */
typedef struct {
    const uint8_t *d;
    size_t n, p;
    long line;
    char delim;
    /* current record */
    long rec_line;
    size_t raw0, raw1;
    int nf;
    size_t off[4096], len[4096];
    char buf[8192];
} ref;

/* 1 record, 0 end, -1 unterminated quote (line in r->rec_line), -2 too big */
static int ref_next(ref *r)
{
    for (;;) {   /* blank lines */
        size_t q = r->p;
        while (q < r->n && (r->d[q] == ' ' || r->d[q] == '\t' || r->d[q] == '\r')) q++;
        if (q == r->n) {
            r->p = q;
            return 0;
        }
        if (r->d[q] != '\n') break;
        r->p = q + 1;
        r->line++;
    }
    r->rec_line = r->line;
    r->raw0 = r->p;
    r->nf = 0;
    size_t o = 0;
    for (;;) {
        if (r->nf == 4096) return -2;
        r->off[r->nf] = o;
        if (r->p < r->n && r->d[r->p] == '"') {
            long qline = r->line;
            r->p++;
            for (;;) {
                if (r->p == r->n) {
                    r->rec_line = qline;
                    return -1;
                }
                uint8_t ch = r->d[r->p++];
                if (ch == '"') {
                    if (r->p < r->n && r->d[r->p] == '"') { r->p++; if (o < sizeof r->buf) r->buf[o++] = '"'; continue; }
                    break;
                }
                if (ch == '\n') r->line++;
                if (o < sizeof r->buf) r->buf[o++] = (char)ch;
            }
        }
        size_t s0 = o;
        while (r->p < r->n && r->d[r->p] != (uint8_t)r->delim && r->d[r->p] != '\n')
            if (o < sizeof r->buf) r->buf[o++] = (char)r->d[r->p++]; else r->p++;
        int end = r->p == r->n || r->d[r->p] == '\n';
        if (end && o > s0 && r->buf[o - 1] == '\r') o--;
        r->len[r->nf] = o - r->off[r->nf];
        r->nf++;
        if (!end) { r->p++; continue; }
        r->raw1 = r->p;
        if (r->raw1 > r->raw0 && r->d[r->raw1 - 1] == '\r') r->raw1--;
        if (r->p < r->n) { r->p++; r->line++; }
        return 1;
    }
}

/* The delimiter by the contract's rule, found here independently of
   nt_csv: the most frequent of , ; TAB outside quotes on the first line
   that is not blank (ties: , before ; before TAB). */
static char ref_delim(const uint8_t *d, size_t n, size_t p)
{
    for (;;) {   /* blank lines */
        size_t q = p;
        while (q < n && (d[q] == ' ' || d[q] == '\t' || d[q] == '\r')) q++;
        if (q < n && d[q] == '\n') { p = q + 1; continue; }
        break;
    }
    long c[3] = {0, 0, 0};
    int inq = 0;
    for (size_t q = p; q < n; q++) {
        uint8_t ch = d[q];
        if (ch == '"') inq = !inq;
        else if (!inq) {
            if (ch == '\n') break;
            if (ch == ',') c[0]++;
            else if (ch == ';') c[1]++;
            else if (ch == '\t') c[2]++;
        }
    }
    if (c[1] > c[0] && c[1] >= c[2]) return ';';
    if (c[2] > c[0] && c[2] > c[1]) return '\t';
    return ',';
}

static void compare(nt_csv *c, ref *r)
{
    if (nt_csv_line(c) != r->rec_line || nt_csv_count(c) != r->nf) abort();
    for (int i = 0; i < r->nf; i++) {
        size_t n;
        const char *f = nt_csv_field(c, i, &n);
        if (n != r->len[i] || (n && memcmp(f, r->buf + r->off[i], n))) abort();
    }
    size_t rn;
    const char *raw = nt_csv_raw(c, &rn);
    if (rn != r->raw1 - r->raw0 || memcmp(raw, r->d + r->raw0, rn)) abort();
    if (((nt_csv_flags(c) & NT_CSV_NUL) != 0) != (memchr(raw, 0, rn) != NULL)) abort();
}

static void fuzz_csv(const char *path, int cp1252, const uint8_t *data, size_t size)
{
    nt_csv_opts o = {cp1252};
    nt_csv *c = NULL;
    nt_error err;
    static ref r;
    r.d = data;
    r.n = size;
    r.p = size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    r.line = 1;
    int check = !cp1252 && size < 8000;
    if (nt_csv_open(path, &o, &c, &err)) {
        if (check && err.status == NT_EINPUT && err.line == 0) {   /* empty: no record at all */
            r.delim = ',';
            if (ref_next(&r) != 0) abort();
        }
        return;
    }
    r.delim = ref_delim(data, size, r.p);
    if (check) {
        if (ref_next(&r) != 1) abort();
        compare(c, &r);
    }
    volatile size_t sink = 0;
    for (int i = 0; i < nt_csv_header_count(c); i++) sink += strlen(nt_csv_header(c, i));
    long last = 0;
    int k;
    while ((k = nt_csv_next(c, &err)) == 1) {
        if (check) {
            int rk = ref_next(&r);
            if (rk == -2) check = 0;
            else if (rk != 1) abort();
            else compare(c, &r);
        }
        if (nt_csv_line(c) <= last) abort();   /* lines strictly increase */
        last = nt_csv_line(c);
        for (int i = 0; i < nt_csv_count(c); i++) {
            size_t n;
            const char *f = nt_csv_field(c, i, &n);
            if (f[n] != 0) abort();
            if (!(nt_csv_flags(c) & NT_CSV_NUL) && strlen(f) != n) abort();
            sink += n;
        }
        size_t rn;
        const char *raw = nt_csv_raw(c, &rn);
        for (size_t i = 0; i < rn; i++) sink += (unsigned char)raw[i];
    }
    if (k < 0 && err.line < 1) abort();
    if (check) {
        int rk = ref_next(&r);
        if (k == 0 && rk != 0) abort();
        if (k < 0 && (rk != -1 || err.line != r.rec_line)) abort();
    }
    (void)sink;
    nt_csv_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        /* tmpfs when there is one: the rejects report is fsync'ed */
        snprintf(dir, sizeof dir, "%s/netto-fuzz-%d", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp", (int)getpid());
        char cmd[300];
        snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
        if (system(cmd) != 0) abort();
    }
    if (size < 1) return 0;
    int opt = data[0];
    data++;
    size--;
    char p[4][300];
    static const char *names[4] = {"persons.csv", "benefits.csv", "programs.csv", "jobs.csv"};
    for (int i = 0; i < 4; i++) snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    write_file(p[0], data, size);
    fuzz_csv(p[0], opt & 1, data, size);

    /* spells: up to four tables separated by 0xFF; missing ones get a
       small valid default so the later tables are reached */
    static const char *dflt[4] = {
        "person_id,birth_date,sex\n1,1980-01-01,M\n2,1981-02,F\n",
        "person_id,scheme,start_date,end_date\n1,WW,2020-01-01,2020-02-01\n1,ww,2020-02-02,\n",
        "person_id,program,start_date,end_date,cost_eur,provider\n1,iro,2020-01-01,,1,UWV\n",
        "person_id,start_date,end_date,wage_eur_month,hours_week\n2,2020-01-01,,1000,20\n"};
    const uint8_t *part = data;
    size_t left = size;
    for (int i = 0; i < 4; i++) {
        const uint8_t *sep = left ? memchr(part, 0xFF, left) : NULL;
        size_t n = sep ? (size_t)(sep - part) : left;
        if (left || i == 0) write_file(p[i], part, n);
        else write_file(p[i], (const uint8_t *)dflt[i], strlen(dflt[i]));
        part += n + (sep ? 1 : 0);
        left -= n + (sep ? 1 : 0);
    }
    char rej[300];
    snprintf(rej, sizeof rej, "%s/rejects.csv", dir);
    nt_spells_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 0; i < 4; i++) o.path[i] = p[i];
    o.cp1252 = opt & 1;
    o.lenient = (opt >> 1) & 1;
    o.decimal = (opt >> 2) & 1 ? ',' : '.';
    o.ignore_unknown_persons = (opt >> 3) & 1;
    o.person_key = (opt >> 4) & 1 ? "person_id+sex" : NULL;
    o.data_end = (opt >> 5) & 1 ? nt_day_from_ymd(2020, 6, 30) : NT_DAY_NONE;
    o.rejects_path = (opt >> 6) & 1 ? rej : NULL;
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    if (nt_spells_read(&o, &s, &rep, &err) == NT_OK) {
        /* invariants: persons sorted, spells sorted and in range */
        for (long i = 1; i < s->persons.n; i++)
            if (strcmp(s->persons.id[i - 1], s->persons.id[i]) >= 0) abort();
        for (long i = 0; i < s->n_benefits; i++) {
            const nt_benefit_spell *b = &s->benefits[i];
            if (b->person < 0 || b->person >= s->persons.n || b->scheme < 1 || b->scheme > s->schemes.n) abort();
            if (b->end != NT_DAY_NONE && b->end < b->start) abort();
            if (i && (b->person < b[-1].person || (b->person == b[-1].person && b->start < b[-1].start))) abort();
        }
        for (long i = 0; i < s->n_programs; i++)
            if (s->programs[i].type < 1 || s->programs[i].type > s->program_types.n ||
                s->programs[i].provider > s->providers.n) abort();
        if (s->persons.n > 0 && o.lenient) {
            nt_spells_reject_person(s, 0, NT_REJECT_BORN_AFTER_INFLOW, "birth_date", "x", "y", &rep, &err);
            if (o.rejects_path) nt_spells_write_rejects(s, rej, &err);
        }
        nt_spells_free(s);
    } else if (err.status == NT_OK) {
        abort();
    }
    return 0;
}
