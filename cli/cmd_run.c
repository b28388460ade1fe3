/* netto run STUDY.ini [--out DIR] [--threads T] [--overwrite] [--resume] */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "study/nt_run.h"
#include "study/nt_process.h"
#include "study/nt_study.h"

static void help(FILE *fp)
{
    fprintf(fp, "usage: netto run STUDY.ini [--out DIR] [--threads T] [--overwrite] [--resume]\n\n"
           "Runs the whole study described by the study file (docs/study-file.md): the cohort\n"
           "from the spell files or a store, the dynamic matching or weighting estimates per\n"
           "programme and subgroup, the bootstrap, and the result tables, plots and manifest.\n\n"
           "  -o, --out DIR   output folder (default: [study] out, else results/<name>)\n"
           "  --threads T     threads (default: all cores); results do not depend on it\n"
           "  --overwrite     replace the results in a non-empty output folder\n"
           "  --resume        continue an interrupted run's bootstrap from its finished replicates\n\n"
           "Writes effects.csv, summary.csv (.md, .tex), balance.csv, pscore.csv,\n"
           "start_months.csv, effects_by_start.csv, report.html, report.pdf, plots/,\n"
           "and manifest.json last;\n"
           "person-level files (the cohort store, rejects) go to DIR/private/.\n");
}

typedef struct {
    const char *study, *out;
    int threads, overwrite, resume;
} args;

#define F(m) CLI_FIELD(args, m)
static const cli_opt rows[] = {
    {"", CLI_ARG, F(study), .bad = "one study file only (got %s after %s)", .req = "name the study file"},
    {"--out|-o", CLI_STR, F(out), .need = "%s needs a folder"},
    {"--threads", CLI_LONG, F(threads), CLI_RANGE(1, 1024), .need = "--threads needs a whole number from 1 to 1024"},
    {"--overwrite", CLI_FLAG, F(overwrite)},
    {"--resume", CLI_FLAG, F(resume)},
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
        for (int i = 0; i < rep.n_warnings; i++) fprintf(stderr, "netto run: warning: %s\n", rep.warnings[i]);
        printf("study %s: %ld persons in the cohort, %ld analysed; %d programme(s) x %d group(s); "
               "%ld start months skipped; %.1f s\n",
               st->name, rep.n_persons, rep.n_analysed, rep.n_programs, rep.n_groups, rep.n_skipped_months, rep.seconds);
        printf("results: %s (summary.csv, effects.csv, balance.csv, pscore.csv, plots/, manifest.json)\n", rep.out);
        printf("report: %s/report.html, %s/report.pdf\n", rep.out, rep.out);
    }
    nt_pipeline_report_free(&rep);
    nt_study_free(st);
    nt_process_cleanup();
    return rc;
}
