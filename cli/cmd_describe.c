/* netto describe: a cohort store's summary on stdout, the month table with
   --csv. The numbers and the text come from study/nt_describe_run. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "study/nt_describe_run.h"

static void help(FILE *fp)
{
    fprintf(fp, "usage: netto describe STORE.h5 [--csv FILE]\n\n"
           "Summarises a cohort store written by netto ingest: persons, months, censoring,\n"
           "inflow by month, first programme starts by month since inflow and type, exits,\n"
           "and the mean of each series per month over the persons observed in that month.\n\n"
           "  --csv FILE   write the month table: month, n_observed, employed, earnings,\n"
           "               on_benefit, on_index_benefit, in_program (share in any programme)\n"
           "  --help       this text\n\n"
           "exit codes: 0 success, 1 file problem, 2 usage error\n");
}

typedef struct {
    const char *store, *csv;
} args;

#define F(m) CLI_FIELD(args, m)
static const cli_opt rows[] = {
    {"", CLI_ARG, F(store), .bad = "one store at a time; found '%s' after '%s'",
     .req = "which store? (netto describe STORE.h5)"},
    {"--csv", CLI_STR, F(csv), .need = "--csv needs a file name"},
    {0}};
static const cli_spec spec = {.cmd = "describe", .help = help, .rows = rows, .unknown = "unknown option '%s'", .eq = 1};

int nt_cmd_describe(int argc, char **argv)
{
    args a = {0};
    int rc = cli_parse(&spec, argc, argv, &a);
    if (rc >= 0) return rc;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_describe_run(a.store, a.csv, &notes, &err);
    return cli_report(&notes, s, &err, NULL);
}
