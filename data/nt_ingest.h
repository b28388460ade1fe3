/* The whole ingest: spell files -> validated spells -> cohort panel ->
   rejects report -> store, as `netto ingest` and `netto run` (on spell
   files) both do it. The rejects report is written first and the store
   last, so a store on disk means the ingest completed; on failure neither
   is left behind. */
#ifndef NT_INGEST_H
#define NT_INGEST_H

#include "core/nt_error.h"
#include "data/nt_cohort.h"
#include "data/nt_spells.h"

typedef struct {
    nt_spells_opts spells;     /* rejects_path is ignored: see below */
    nt_cohort_def cohort;
    const char *store_path;
    const char *rejects_path;  /* the rejects report (person-level) */
    const char *context_path;  /* the context table (optional fifth file, data/nt_context.h), NULL none */
    int check;                 /* `netto ingest --check` (study/nt_check): nt_ingest ignores it */
} nt_ingest_opts;

/* On success the spells and the cohort are handed to the caller (for its
   report; free with nt_spells_free / nt_cohort_free) when the pointers are
   not NULL, and rep holds the counts. */
nt_status nt_ingest(const nt_ingest_opts *o, nt_spells **spells, nt_cohort **cohort,
                    nt_spells_report *rep, nt_error *err);

#endif
