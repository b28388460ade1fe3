/* `netto ingest`: data/nt_ingest (spell files -> cohort -> rejects report
   -> store) plus the report for the user. The options are data/'s
   nt_ingest_opts, re-exported here. */
#ifndef NT_INGEST_RUN_H
#define NT_INGEST_RUN_H

#include "core/nt_error.h"
#include "data/nt_ingest.h"
#include "study/nt_notes.h"

/* notes: records read, rejected and merged per file, the cohort and the
   censoring, the rejects report's path, the time taken (stdout). */
nt_status nt_ingest_run(const nt_ingest_opts *o, nt_notes *notes, nt_error *err);

#endif
