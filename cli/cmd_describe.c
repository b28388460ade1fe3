/* netto describe: a cohort store's summary on stdout, the month table with
   --csv. The numbers and the text come from study/nt_describe_run. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "study/nt_describe_run.h"

static void help(FILE *fp)
{
    fprintf(fp, "usage: netto describe STORE.h5 [--csv FILE] [--min-cell N] [--round N]\n\n"
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

typedef struct {
    const char *store, *csv;
    long min_cell, round;
    int not_for_export;
} args;

#define F(m) CLI_FIELD(args, m)
static const cli_opt rows[] = {
    {"", CLI_ARG, F(store), .bad = "one store at a time; found '%s' after '%s'",
     .req = "which store? (netto describe STORE.h5)"},
    {"--csv", CLI_STR, F(csv), .need = "--csv needs a file name"},
    {"--min-cell", CLI_LONG, F(min_cell), CLI_RANGE(0, 1e9), .bad = "expected a whole number of persons >= 0"},
    {"--round", CLI_LONG, F(round), CLI_RANGE(1, 1000), .bad = "expected a whole number from 1 to 1000"},
    {"--not-for-export", CLI_FLAG, F(not_for_export)},
    {0}};
static const cli_spec spec = {.cmd = "describe", .help = help, .rows = rows, .unknown = "unknown option '%s'", .eq = 1};

int nt_cmd_describe(int argc, char **argv)
{
    args a = {.min_cell = 10, .round = 5};
    int rc = cli_parse(&spec, argc, argv, &a);
    if (rc >= 0) return rc;
    if (a.min_cell == 0 && !a.not_for_export)
        return cli_usage("describe", "--min-cell 0 shows exact small counts: add --not-for-export to confirm");
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_describe_run(a.store, a.csv, a.min_cell, a.round, &notes, &err);
    return cli_report(&notes, s, &err, NULL);
}
