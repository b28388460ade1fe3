/* netto describe: a cohort store's summary on stdout, the month table with
   --csv. The numbers come from data/nt_describe. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/nt_date.h"
#include "core/nt_exit.h"
#include "core/nt_file_kind.h"
#include "data/nt_describe.h"
#include "data/nt_store.h"

#define CMD "describe"

static void help(void)
{
    printf("usage: netto describe STORE.h5 [--csv FILE]\n\n"
           "Summarises a cohort store written by netto ingest: persons, months, censoring,\n"
           "inflow by month, first programme starts by month since inflow and type, exits,\n"
           "and the mean of each series per month over the persons observed in that month.\n\n"
           "  --csv FILE   write the month table: month, n_observed, employed, earnings,\n"
           "               on_benefit, on_index_benefit, in_program (share in any programme)\n"
           "  --help       this text\n\n"
           "exit codes: 0 success, 1 file problem, 2 usage error\n");
}

static void num(double x)
{
    if (isnan(x)) printf(" %9s", "");
    else printf(" %9.4f", x);
}

static void print(const nt_store *st, const nt_describe *d)
{
    char buf[16];
    printf("store: format %d, written by netto %s\n", nt_store_format_version(st), nt_store_tool_version(st));
    printf("cohort: scheme %s, inflow ", nt_store_schemes(st));
    nt_month_format(nt_store_inflow_from(st), buf);
    printf("%s to ", buf);
    nt_month_format(nt_store_inflow_to(st), buf);
    printf("%s\n", buf);
    nt_day de = nt_store_data_end(st);
    if (de != NT_DAY_NONE) nt_day_format(de, buf);
    printf("data end: %s\n", de != NT_DAY_NONE ? buf : "none");
    printf("earliest start:");
    for (int t = NT_FILE_BENEFITS; t < NT_FILE_N; t++) {
        nt_day e = nt_store_earliest_start(st, t - 1);
        if (e != NT_DAY_NONE) nt_day_format(e, buf);
        printf(" %s %s%s", nt_file_kind_name(t), e != NT_DAY_NONE ? buf : "none", t < NT_FILE_N - 1 ? "," : "\n");
    }
    printf("persons: %ld\nmonths: %d\n", d->persons, d->months);
    long cells = d->persons * (long)d->months;
    printf("censored: %ld persons, %ld of %ld person-months (%.1f%%)\n", d->censored_persons,
           d->censored_months, cells, cells ? 100.0 * (double)d->censored_months / (double)cells : 0.0);
    printf("exit from the index spell:");
    for (int e = 1; e <= NT_EXIT_N; e++)
        printf("%s %s %ld", e > 1 ? "," : "", nt_exit_name(e), d->exit_count[e - 1]);
    printf("\n");

    printf("\ninflow by month:\n");
    for (int i = 0; i < d->n_inflow; i++) printf("  %s %10ld\n", d->inflow_label[i], d->inflow_count[i]);

    printf("\nfirst programme start during the index spell, by month since inflow (%ld persons):\n",
           d->n_treated);
    printf("  %5s", "month");
    for (int t = 0; t < d->n_types; t++) printf(" %12.12s", d->type_name[t]);
    printf("\n");
    for (int k = 0; k < d->months; k++) {
        long row = 0;
        for (int t = 0; t < d->n_types; t++) row += d->starts[(size_t)t * d->months + k];
        if (!row) continue;
        printf("  %5d", k);
        for (int t = 0; t < d->n_types; t++) printf(" %12ld", d->starts[(size_t)t * d->months + k]);
        printf("\n");
    }
    long later = 0;
    for (int t = 0; t < d->n_types; t++) later += d->starts_later[t];
    if (later) {
        printf("  %5s", "later");
        for (int t = 0; t < d->n_types; t++) printf(" %12ld", d->starts_later[t]);
        printf("\n");
    }

    printf("\nmeans over persons observed in the month:\n");
    printf("  %5s %10s %9s %9s %9s %9s %9s\n", "month", "observed", "employed", "earnings", "benefit",
           "index_ben", "program");
    for (int k = 0; k < d->months; k++) {
        printf("  %5d %10ld", k, d->n_observed[k]);
        num(d->employed[k]);
        if (isnan(d->earnings[k])) printf(" %9s", "");
        else printf(" %9.1f", d->earnings[k]);
        num(d->on_benefit[k]);
        num(d->on_index_benefit[k]);
        num(d->in_program[k]);
        printf("\n");
    }
}

int nt_cmd_describe(int argc, char **argv)
{
    const char *path = NULL, *csv = NULL;
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
        } else if (a[0] == '-' && a[1]) {
            return cli_usage(CMD, "unknown option '%s'", a);
        } else if (path) {
            return cli_usage(CMD, "one store at a time; found '%s' after '%s'", a, path);
        } else {
            path = a;
        }
    }
    if (!path) return cli_usage(CMD, "which store? (netto describe STORE.h5)");
    nt_error err;
    nt_error_clear(&err);
    nt_store *st = NULL;
    nt_describe *d = NULL;
    int rc = 0;
    nt_status s = nt_store_open(path, &st, &err);
    if (!s) s = nt_store_describe(st, &d, &err);
    if (!s && csv) s = nt_describe_write_csv(d, csv, &err);
    if (s) rc = cli_fail(&err);
    else print(st, d);
    nt_describe_free(d);
    nt_store_close(st);
    return rc;
}
