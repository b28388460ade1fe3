/* `netto run`'s closing words (cli/cmd_run_log.c). */
#ifndef NT_CMD_RUN_LOG_H
#define NT_CMD_RUN_LOG_H

#include "core/nt_error.h"
#include "study/nt_run.h"
#include "study/nt_study.h"

/* One stderr line per kind of warning (every warning with verbose). */
void nt_cli_run_warnings(const nt_study *st, const nt_pipeline_report *rep, int verbose);
/* The counts, the headline figures (from summary.csv) and where the report
   is, on stdout. */
void nt_cli_run_headline(const nt_study *st, const nt_pipeline_report *rep);
/* <out>/run.log: the counts, the headline and every warning. */
nt_status nt_cli_run_log(const nt_study *st, const nt_pipeline_report *rep, nt_error *err);

#endif
