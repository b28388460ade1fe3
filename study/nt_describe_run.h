/* `netto describe`: a cohort store's summary (data/nt_describe) as text,
   and its month table as CSV. */
#ifndef NT_DESCRIBE_RUN_H
#define NT_DESCRIBE_RUN_H

#include "core/nt_error.h"
#include "study/nt_notes.h"

/* csv_path may be NULL. notes: the summary (stdout), on success only. */
nt_status nt_describe_run(const char *store_path, const char *csv_path, nt_notes *notes, nt_error *err);

#endif
