#include "data/nt_ingest.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_progress.h"
#include "data/nt_store.h"

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
