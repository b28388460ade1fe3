#include "data/nt_ingest.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_progress.h"
#include "data/nt_store.h"

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
}

nt_status nt_ingest(const nt_ingest_opts *o, nt_spells **spells_out, nt_cohort **cohort_out,
                    nt_spells_report *rep, nt_error *err)
{
    nt_spells *s = NULL;
    nt_cohort *c = NULL;
    nt_progress pr;
    int wrote_rejects = 0;
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

    nt_store_meta meta;
    memset(&meta, 0, sizeof meta);
    meta.schemes = o->cohort.schemes;
    meta.n_schemes = o->cohort.n_schemes;
    meta.inflow_from = o->cohort.inflow_from;
    meta.inflow_to = o->cohort.inflow_to;
    meta.counts = *rep;
    char command[8192];
    ingest_command(o, command, sizeof command);
    meta.ingest_command = command;
    st = nt_spells_write_rejects(s, o->rejects_path, err);
    if (st) goto done;
    wrote_rejects = 1;
    nt_progress_begin(&pr, "writing the store", 0);
    st = nt_store_write(o->store_path, s, c, &meta, err);
    nt_progress_end(&pr);
done:
    if (st && wrote_rejects) unlink(o->rejects_path);
    if (st || !spells_out) nt_spells_free(s);
    else *spells_out = s;
    if (st || !cohort_out) nt_cohort_free(c);
    else *cohort_out = c;
    return st;
}
