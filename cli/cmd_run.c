/* netto run STUDY.ini [--out DIR] [--threads T] [--overwrite] */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "study/nt_run.h"
#include "study/nt_process.h"
#include "study/nt_study.h"

static void help(void)
{
    printf("usage: netto run STUDY.ini [--out DIR] [--threads T] [--overwrite]\n\n"
           "Runs the whole study described by the study file (docs/study-file.md): the cohort\n"
           "from the spell files or a store, the dynamic matching or weighting estimates per\n"
           "programme and subgroup, the bootstrap, and the result tables, plots and manifest.\n\n"
           "  -o, --out DIR   output folder (default: [study] out, else results/<name>)\n"
           "  --threads T     threads (default: all cores); results do not depend on it\n"
           "  --overwrite     replace the results in a non-empty output folder\n\n"
           "Writes effects.csv, summary.csv (.md, .tex), balance.csv, pscore.csv,\n"
           "start_months.csv, effects_by_start.csv, plots/, and manifest.json last;\n"
           "person-level files (the cohort store, rejects) go to DIR/private/.\n");
}

int nt_cmd_run(int argc, char **argv)
{
    const char *study_path = NULL, *out = NULL;
    long threads = 0;
    int overwrite = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        } else if (!strcmp(a, "--out") || !strcmp(a, "-o")) {
            if (++i >= argc) return cli_usage("run", "%s needs a folder", a);
            out = argv[i];
        } else if (!strcmp(a, "--threads")) {
            if (++i >= argc || cli_parse_long(argv[i], 1, 1024, &threads))
                return cli_usage("run", "--threads needs a whole number from 1 to 1024");
        } else if (!strcmp(a, "--overwrite")) {
            overwrite = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage("run", "unknown option %s", a);
        } else if (!study_path) {
            study_path = a;
        } else {
            return cli_usage("run", "one study file only (got %s and %s)", study_path, a);
        }
    }
    if (!study_path) return cli_usage("run", "name the study file");
    nt_error err;
    nt_error_clear(&err);
    nt_study *st = NULL;
    if (nt_study_read(study_path, &st, &err)) return cli_fail(&err);
    if (out && nt_study_set_out(st, out, &err)) {
        nt_study_free(st);
        return cli_fail(&err);
    }
    nt_pipeline_opts po = {.threads = (int)threads, .overwrite = overwrite, .argc = argc + 1, .argv = argv - 1};
    nt_pipeline_report rep;
    int rc = 0;
    if (nt_pipeline_run(st, &po, &rep, &err)) {
        rc = cli_fail(&err);
    } else {
        for (int i = 0; i < rep.n_warnings; i++) fprintf(stderr, "netto run: warning: %s\n", rep.warnings[i]);
        printf("study %s: %ld persons in the cohort, %ld analysed; %d programme(s) x %d group(s); "
               "%ld start months skipped; %.1f s\n",
               st->name, rep.n_persons, rep.n_analysed, rep.n_programs, rep.n_groups, rep.n_skipped_months, rep.seconds);
        printf("results: %s (summary.csv, effects.csv, balance.csv, pscore.csv, plots/, manifest.json)\n", rep.out);
    }
    nt_pipeline_report_free(&rep);
    nt_study_free(st);
    nt_process_cleanup();
    return rc;
}
