/* netto describe: a cohort store's summary on stdout, the month table with
   --csv. The numbers and the text come from study/nt_describe_run. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "study/nt_describe_run.h"

#define CMD "describe"

static void help(void)
{
    printf("usage: netto describe STORE.h5 [--csv FILE] [--min-cell N] [--round N]\n\n"
           "Summarises a cohort store written by netto ingest: persons, months, censoring,\n"
           "inflow by month, first programme starts by month since inflow and type, exits,\n"
           "and the mean of each series per month over the persons observed in that month.\n\n"
           "  --csv FILE   write the month table: month, n_observed, employed, earnings,\n"
           "               on_benefit, on_index_benefit, in_program (share in any programme)\n"
           "  --min-cell N counts below N read \"< N\", means on fewer than N persons (or a\n"
           "               share with fewer than N with or without) are not shown (default 10,\n"
           "               docs/disclosure.md); 0 needs --not-for-export\n"
           "  --round N    other counts are rounded to a multiple of N (default 5; 1: exact)\n"
           "  --not-for-export  allow --min-cell 0: exact numbers, marked NOT FOR EXPORT\n"
           "  --help       this text\n\n"
           "exit codes: 0 success, 1 file problem, 2 usage error\n");
}

int nt_cmd_describe(int argc, char **argv)
{
    const char *path = NULL, *csv = NULL;
    long min_cell = 10, round = 5;
    int not_for_export = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            help();
            return 0;
        }
        if (!strcmp(a, "--csv")) {
            if (i + 1 >= argc || !*argv[i + 1]) return cli_usage(CMD, "--csv needs a file name");
            csv = argv[++i];
        } else if (!strncmp(a, "--csv=", 6)) {
            if (!a[6]) return cli_usage(CMD, "--csv needs a file name");
            csv = a + 6;
        } else if (!strcmp(a, "--min-cell") || !strcmp(a, "--round")) {
            long *v = a[2] == 'm' ? &min_cell : &round;
            if (i + 1 >= argc || cli_parse_long(argv[i + 1], a[2] == 'm' ? 0 : 1, 1000000000L, v))
                return cli_usage(CMD, "%s needs a whole number%s", a, a[2] == 'm' ? " >= 0" : " >= 1");
            i++;
        } else if (!strcmp(a, "--not-for-export")) {
            not_for_export = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage(CMD, "unknown option '%s'", a);
        } else if (path) {
            return cli_usage(CMD, "one store at a time; found '%s' after '%s'", a, path);
        } else {
            path = a;
        }
    }
    if (!path) return cli_usage(CMD, "which store? (netto describe STORE.h5)");
    if (min_cell == 0 && !not_for_export)
        return cli_usage(CMD, "--min-cell 0 shows exact small counts: add --not-for-export to confirm");
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_describe_run(path, csv, min_cell, round, &notes, &err);
    return cli_report(&notes, s, &err, NULL);
}
