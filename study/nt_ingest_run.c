#include "study/nt_ingest_run.h"

#include <stddef.h>

#include "core/nt_date.h"
#include "core/nt_file_kind.h"
#include "core/nt_reject.h"
#include "core/nt_progress.h"
#include "data/nt_store.h"

static void report(const nt_ingest_opts *o, const nt_spells *s, const nt_spells_report *r, const nt_cohort *c,
                   double seconds, nt_notes *notes)
{
#define OUT(...) nt_notes_add(notes, NT_NOTES_OUT, __VA_ARGS__)
    OUT("netto ingest: %s\n", o->store_path);
    OUT("records read:\n");
    for (int f = 0; f < NT_FILE_N; f++) OUT("  %-9s %12ld  %s\n", nt_file_kind_name((nt_file_kind)f), r->records[f], o->spells.path[f]);
    long nrej = 0, nmerged = 0, nign = 0;
    for (int f = 0; f < NT_FILE_N; f++) {
        for (int k = 0; k < NT_REJECT_N; k++) nrej += r->rejected[f][k];
        nmerged += r->merged[f];
        nign += r->ignored_unknown[f];
    }
    OUT("rejected: %ld", nrej);
    if (nrej) {
        OUT(" (");
        int first = 1;
        for (int f = 0; f < NT_FILE_N; f++)
            for (int k = 0; k < NT_REJECT_N; k++)
                if (r->rejected[f][k]) {
                    OUT("%s%s %s %ld", first ? "" : ", ", nt_file_kind_name((nt_file_kind)f), nt_reject_reason_name((nt_reject_reason)k),
                        r->rejected[f][k]);
                    first = 0;
                }
        OUT(")");
    }
    OUT("\nmerged: %ld", nmerged);
    if (nmerged) OUT(" (benefits %ld, programs %ld)", r->merged[1], r->merged[2]);
    OUT("\n");
    if (nign) OUT("unknown persons ignored: %ld (benefits %ld, programs %ld, jobs %ld)\n", nign,
                  r->ignored_unknown[1], r->ignored_unknown[2], r->ignored_unknown[3]);
    if (s->n_jobs_missing_wage) OUT("job spells without wage (earn 0): %ld\n", s->n_jobs_missing_wage);
    for (int k = 0; k < NT_SPELLS_OPTIONAL_N; k++)
        if (r->unreadable[k]) {
            nt_file_kind fk;
            const char *col = nt_spells_optional_column((nt_spells_optional)k, &fk);
            OUT("unreadable %s set missing (lenient): %ld in %s\n", col, r->unreadable[k], nt_file_kind_name(fk));
        }
    for (int f = 0; f < NT_FILE_N; f++)
        if (r->labelled[f])
            OUT("%s: %ld codes read by their value labels\n", nt_file_kind_name((nt_file_kind)f), r->labelled[f]);
    char de[16];
    nt_day_format(s->data_end, de);
    OUT("data end: %s%s\n", de, o->spells.data_end == NT_DAY_NONE ? " (latest start date)" : "");
    OUT("cohort: %ld persons x %d months\n", c->n, c->months);
    long cells = c->n * (long)c->months;
    OUT("censored: %ld persons, %ld of %ld person-months (%.1f%%)\n", c->n_censored_persons,
        c->n_censored_months, cells, cells ? 100.0 * (double)c->n_censored_months / (double)cells : 0.0);
    OUT("rejects report: %s\n", o->rejects_path);
    OUT("time: %.2f s\n", seconds);
#undef OUT
}

nt_status nt_ingest_run(const nt_ingest_opts *o, nt_notes *notes, nt_error *err)
{
    const double t0 = nt_now();
    nt_spells *s = NULL;
    nt_cohort *c = NULL;
    nt_spells_report rep = {0};
    nt_status st = nt_ingest(o, &s, &c, &rep, err);
    if (!st) report(o, s, &rep, c, nt_now() - t0, notes);
    nt_cohort_free(c);
    nt_spells_free(s);
    return st;
}
