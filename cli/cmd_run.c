/* netto run STUDY.ini [--out DIR] [--threads T] [--overwrite] [--resume] [--verbose] */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "cli/cmd_run_log.h"
#include "study/nt_run.h"
#include "study/nt_process.h"
#include "study/nt_study.h"

static void help(FILE *fp)
{
    fprintf(fp, "usage: netto run STUDY.ini [--out DIR] [--threads T] [--overwrite] [--resume] [--verbose]\n\n"
           "Runs the whole study described by the study file (docs/study-file.md): the cohort\n"
           "from the spell files or a store, the dynamic matching or weighting estimates per\n"
           "programme and subgroup, the bootstrap, and the result tables, plots and manifest.\n\n"
           "  -o, --out DIR   output folder (default: [study] out, else results/<name>)\n"
           "  --threads T     threads (default: all cores); results do not depend on it\n"
           "  --overwrite     replace the results in a non-empty output folder\n"
           "  --resume        continue an interrupted run's bootstrap from its finished replicates\n"
           "  --verbose       print every warning (default: one line per kind; all in DIR/run.log)\n\n"
           "Writes effects.csv, summary.csv (.md, .tex), balance.csv, pscore.csv,\n"
           "start_months.csv, effects_by_start.csv, differences.csv, cost_benefit.csv,\n"
           "report.html, report.pdf, plots/, manifest.json, then run.log;\n"
           "person-level files (the cohort store, rejects) go to DIR/private/.\n");
}

typedef struct {
    const char *study, *out;
    int threads, overwrite, resume, verbose;
} args;

#define F(m) CLI_FIELD(args, m)
static const cli_opt rows[] = {
    {"", CLI_ARG, F(study), .bad = "one study file only (got %s after %s)", .req = "name the study file"},
    {"--out|-o", CLI_STR, F(out), .need = "%s needs a folder"},
    {"--threads", CLI_LONG, F(threads), CLI_RANGE(1, 1024), .need = "--threads needs a whole number from 1 to 1024"},
    {"--overwrite", CLI_FLAG, F(overwrite)},
    {"--resume", CLI_FLAG, F(resume)},
    {"--verbose|-v", CLI_FLAG, F(verbose)},
    {0}};
static const cli_spec spec = {.cmd = "run", .help = help, .rows = rows, .unknown = "unknown option %s"};

int nt_cmd_run(int argc, char **argv)
{
    args a = {0};
    int rc = cli_parse(&spec, argc, argv, &a);
    if (rc >= 0) return rc;
    nt_error err;
    nt_error_clear(&err);
    nt_study *st = NULL;
    if (nt_study_read(a.study, &st, &err)) return cli_fail(&err);
    if (a.out && nt_study_set_out(st, a.out, &err)) {
        nt_study_free(st);
        return cli_fail(&err);
    }
    nt_pipeline_opts po = {.threads = a.threads, .overwrite = a.overwrite, .resume = a.resume, .argc = argc + 1, .argv = argv - 1};
    nt_pipeline_report rep;
    rc = 0;
    if (nt_pipeline_run(st, &po, &rep, &err)) {
        rc = cli_fail(&err);
    } else {
        nt_cli_run_warnings(st, &rep, a.verbose);
        if (nt_cli_run_log(st, &rep, &err)) rc = cli_fail(&err);
        nt_cli_run_headline(st, &rep);
    }
    nt_pipeline_report_free(&rep);
    nt_study_free(st);
    nt_process_cleanup();
    return rc;
}
