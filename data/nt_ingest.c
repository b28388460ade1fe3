#include "data/nt_ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "core/nt_progress.h"
#include "data/nt_context.h"
#include "data/nt_store.h"

/* A whole (small) file into memory. */
static nt_status read_all(const char *path, char **out, long *len, nt_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot read the rejects report back");
    size_t cap = 1 << 16, n = 0, k;
    char *b = malloc(cap);
    while (b && (k = fread(b + n, 1, cap - n, fp)) > 0) {
        n += k;
        if (n == cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) { free(b); b = NULL; break; }
            b = nb;
            cap *= 2;
        }
    }
    fclose(fp);
    if (!b) return nt_fail(err, NT_ENOMEM, "out of memory");
    *out = b;
    *len = (long)n;
    return NT_OK;
}

/* A word of a command line, single-quoted when the shell would split or
   expand it. */
static void put_word(char *out, size_t size, size_t *o, const char *w)
{
    int plain = *w != 0;
    for (const char *p = w; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_./,:+=", *p)))
            plain = 0;
    int n;
    if (plain) n = snprintf(out + *o, size - *o, " %s", w);
    else {
        n = snprintf(out + *o, size - *o, " '");
        if (n > 0 && (size_t)n < size - *o) *o += (size_t)n;
        for (const char *p = w; *p && *o + 8 < size; p++) {
            if (*p == '\'') { memcpy(out + *o, "'\\''", 4); *o += 4; }
            else out[(*o)++] = *p;
        }
        out[*o] = 0;
        n = snprintf(out + *o, size - *o, "'");
    }
    if (n > 0) *o = *o + (size_t)n < size ? *o + (size_t)n : size - 1;
}

/* The `netto ingest` command line with every option spelled out but -o,
   for the store (reproducible from itself; the input paths as given; the
   store's own name stays out, so the same inputs give the same bytes
   wherever the store is written). */
static void ingest_command(const nt_ingest_opts *o, char *out, size_t size)
{
    static const char *flag[NT_FILE_N] = {"--persons", "--benefits", "--programs", "--jobs"};
    size_t k = 0;
    char buf[64], schemes[1024] = "";
    k = (size_t)snprintf(out, size, "netto ingest");
    for (int f = 0; f < NT_FILE_N; f++) {
        put_word(out, size, &k, flag[f]);
        put_word(out, size, &k, o->spells.path[f] ? o->spells.path[f] : "");
    }
    for (int i = 0; i < o->cohort.n_schemes; i++) {
        size_t l = strlen(schemes);
        snprintf(schemes + l, sizeof schemes - l, "%s%s", i ? "," : "", o->cohort.schemes[i]);
    }
    put_word(out, size, &k, "--scheme");
    put_word(out, size, &k, schemes);
    char from[16], to[16];
    nt_month_format(o->cohort.inflow_from, from);
    nt_month_format(o->cohort.inflow_to, to);
    snprintf(buf, sizeof buf, "%s:%s", from, to);
    put_word(out, size, &k, "--inflow");
    put_word(out, size, &k, buf);
    snprintf(buf, sizeof buf, "%d", o->cohort.horizon);
    put_word(out, size, &k, "--horizon");
    put_word(out, size, &k, buf);
    if (o->spells.data_end != NT_DAY_NONE) {
        nt_day_format(o->spells.data_end, buf);
        put_word(out, size, &k, "--data-end");
        put_word(out, size, &k, buf);
    }
    if (o->spells.lenient) put_word(out, size, &k, "--lenient");
    if (o->spells.ignore_unknown_persons) put_word(out, size, &k, "--ignore-unknown-persons");
    put_word(out, size, &k, "--encoding");
    put_word(out, size, &k, o->spells.cp1252 ? "cp1252" : "utf-8");
    put_word(out, size, &k, "--decimal");
    put_word(out, size, &k, o->spells.decimal == ',' ? "," : ".");
    put_word(out, size, &k, "--person-key");
    put_word(out, size, &k, o->spells.person_key && *o->spells.person_key ? o->spells.person_key : "person_id");
    if (o->context_path) {
        put_word(out, size, &k, "--context");
        put_word(out, size, &k, o->context_path);
    }
}

/* The context table: read, checked against the cohort (every problem
   counted, the first reported), and its checksum. */
static nt_status ingest_context(const nt_ingest_opts *o, const nt_spells *s, const nt_cohort *c, nt_context **out,
                                char sha[65], nt_error *err)
{
    nt_error first;
    nt_context_problems pr = {&first, 1, 0, 0};
    nt_cells_opts co = {o->spells.cp1252, o->spells.decimal};
    nt_context *cx = NULL;
    nt_status st = nt_context_read(o->context_path, &co, &cx, &pr, err);
    if (!st) st = nt_context_check_ingest(cx, o->context_path, s, c, NULL, 0, &pr, err);
    if (!st && pr.total) {
        *err = first;
        size_t l = strlen(err->msg);
        if (pr.total > 1)
            snprintf(err->msg + l, sizeof err->msg - l, " (and %ld more problem%s with the table)", pr.total - 1,
                     pr.total > 2 ? "s" : "");
        st = NT_EINPUT;
    }
    if (!st) st = nt_file_sha256(o->context_path, sha, err);
    if (st) nt_context_free(cx);
    else *out = cx;
    return st;
}

nt_status nt_ingest(const nt_ingest_opts *o, nt_spells **spells_out, nt_cohort **cohort_out,
                    nt_spells_report *rep, nt_error *err)
{
    nt_spells *s = NULL;
    nt_cohort *c = NULL;
    nt_context *cx = NULL;
    char cx_sha[65] = "";
    nt_progress pr;
    int wrote_rejects = 0;
    char rtmp[4300], *rbytes = NULL;
    /* Inputs are regular files, and no output is an input. */
    for (int f = 0; f <= NT_FILE_N; f++) {
        const char *in = f < NT_FILE_N ? o->spells.path[f] : o->context_path;
        nt_status cs = in ? nt_file_check_input(in, err) : NT_OK;
        if (cs) return cs;
        const char *outs[2] = {o->store_path, o->rejects_path};
        for (int k = 0; k < 2 && in; k++)
            if (nt_file_same(in, outs[k]))
                return nt_fail_at(err, NT_EUSAGE, outs[k], 0, NULL, "is the %s input: netto would overwrite it with the %s "
                                  "(give another -o)", f < NT_FILE_N ? nt_file_kind_name((nt_file_kind)f) : "context",
                                  k ? "rejects report" : "store");
    }
    nt_file_clean_stale(o->store_path);
    nt_file_clean_stale(o->rejects_path);
    memset(rep, 0, sizeof *rep);
    nt_spells_opts so = o->spells;
    so.rejects_path = NULL;

    nt_progress_begin(&pr, "reading spell files", 0);
    nt_status st = nt_spells_read(&so, &s, rep, err);
    nt_progress_end(&pr);
    if (st) goto done;

    nt_progress_begin(&pr, "building the cohort panel", 0);
    st = nt_cohort_build(s, &o->cohort, &c, err);
    nt_progress_end(&pr);
    if (st) goto done;
    /* Lenient mode: persons born after their index spell's start leave the
       cohort and go into the rejects report. */
    for (long r = 0; r < c->n_born_after; r++) {
        long p = c->born_after[r].person;
        char found[16], start[16], expected[1400];
        nt_day_format(s->persons.birth[p], found);
        nt_day_format(c->born_after[r].start, start);
        snprintf(expected, sizeof expected,
                 "a birth date on or before the index spell's start %s (%s line %ld; born_after_inflow)", start,
                 s->path[NT_FILE_BENEFITS], c->born_after[r].line);
        st = nt_spells_reject_person(s, p, NT_REJECT_BORN_AFTER_INFLOW, "birth_date", found, expected, rep, err);
        if (st) goto done;
    }

    if (o->context_path && (st = ingest_context(o, s, c, &cx, cx_sha, err))) goto done;

    nt_store_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.context = cx;
    meta.context_path = o->context_path;
    meta.context_sha256 = cx_sha;
    meta.schemes = o->cohort.schemes;
    meta.n_schemes = o->cohort.n_schemes;
    meta.inflow_from = o->cohort.inflow_from;
    meta.inflow_to = o->cohort.inflow_to;
    meta.counts = *rep;
    char command[8192];
    ingest_command(o, command, sizeof command);
    meta.ingest_command = command;
    /* The report goes into the store too: the old report is removed just
       before the store is renamed into place, the new one follows it. */
    st = nt_file_tmpname(o->rejects_path, rtmp, sizeof rtmp, err);
    if (st) goto done;
    wrote_rejects = 1;
    st = nt_spells_write_rejects(s, rtmp, err);
    if (!st) st = read_all(rtmp, &rbytes, &meta.rejects_len, err);
    if (st) goto done;
    meta.rejects_csv = rbytes;
    meta.replaces = o->rejects_path;
    nt_progress_begin(&pr, "writing the store", 0);
    st = nt_store_write(o->store_path, s, c, &meta, err);
    nt_progress_end(&pr);
    if (!st) st = nt_file_rename(rtmp, o->rejects_path, err);
done:
    nt_context_free(cx);
    free(rbytes);
    if (st && wrote_rejects) unlink(rtmp);
    if (st || !spells_out) nt_spells_free(s);
    else *spells_out = s;
    if (st || !cohort_out) nt_cohort_free(c);
    else *cohort_out = c;
    return st;
}
