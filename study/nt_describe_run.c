#include "study/nt_describe_run.h"

#include <math.h>
#include <stddef.h>

#include "core/nt_date.h"
#include "core/nt_exit.h"
#include "core/nt_file_kind.h"
#include "data/nt_describe.h"
#include "data/nt_store.h"

#define OUT(...) nt_notes_add(notes, NT_NOTES_OUT, __VA_ARGS__)

static void num(nt_notes *notes, double x)
{
    if (isnan(x)) OUT(" %9s", "");
    else OUT(" %9.4f", x);
}

static void print_header(const nt_store *st, const nt_describe *d, nt_notes *notes)
{
    char buf[16];
    OUT("store: format %d, written by netto %s\n", nt_store_format_version(st), nt_store_tool_version(st));
    OUT("cohort: scheme %s, inflow ", nt_store_schemes(st));
    nt_month_format(nt_store_inflow_from(st), buf);
    OUT("%s to ", buf);
    nt_month_format(nt_store_inflow_to(st), buf);
    OUT("%s\n", buf);
    nt_day de = nt_store_data_end(st);
    if (de != NT_DAY_NONE) nt_day_format(de, buf);
    OUT("data end: %s\n", de != NT_DAY_NONE ? buf : "none");
    OUT("earliest start:");
    for (int t = NT_FILE_BENEFITS; t < NT_FILE_N; t++) {
        nt_day e = nt_store_earliest_start(st, t - 1);
        if (e != NT_DAY_NONE) nt_day_format(e, buf);
        OUT(" %s %s%s", nt_file_kind_name((nt_file_kind)t), e != NT_DAY_NONE ? buf : "none", t < NT_FILE_N - 1 ? "," : "\n");
    }
    OUT("persons: %ld\nmonths: %d\n", d->persons, d->months);
    long cells = d->persons * (long)d->months;
    OUT("censored: %ld persons, %ld of %ld person-months (%.1f%%)\n", d->censored_persons,
        d->censored_months, cells, cells ? 100.0 * (double)d->censored_months / (double)cells : 0.0);
    OUT("exit from the index spell:");
    for (int e = 1; e <= NT_EXIT_N; e++) OUT("%s %s %ld", e > 1 ? "," : "", nt_exit_name((nt_exit)e), d->exit_count[e - 1]);
    OUT("\n");
}

static void print_tables(const nt_describe *d, nt_notes *notes)
{
    OUT("\ninflow by month:\n");
    for (int i = 0; i < d->n_inflow; i++) OUT("  %s %10ld\n", d->inflow_label[i], d->inflow_count[i]);

    OUT("\nfirst programme start during the index spell, by month since inflow (%ld persons):\n", d->n_treated);
    OUT("  %5s", "month");
    for (int t = 0; t < d->n_types; t++) OUT(" %12.12s", d->type_name[t]);
    OUT("\n");
    for (int k = 0; k < d->months; k++) {
        long row = 0;
        for (int t = 0; t < d->n_types; t++) row += d->starts[(size_t)t * d->months + k];
        if (!row) continue;
        OUT("  %5d", k);
        for (int t = 0; t < d->n_types; t++) OUT(" %12ld", d->starts[(size_t)t * d->months + k]);
        OUT("\n");
    }
    long later = 0;
    for (int t = 0; t < d->n_types; t++) later += d->starts_later[t];
    if (later) {
        OUT("  %5s", "later");
        for (int t = 0; t < d->n_types; t++) OUT(" %12ld", d->starts_later[t]);
        OUT("\n");
    }

    OUT("\nmeans over persons observed in the month:\n");
    OUT("  %5s %10s %9s %9s %9s %9s %9s\n", "month", "observed", "employed", "earnings", "benefit", "index_ben", "program");
    for (int k = 0; k < d->months; k++) {
        OUT("  %5d %10ld", k, d->n_observed[k]);
        num(notes, d->employed[k]);
        if (isnan(d->earnings[k])) OUT(" %9s", "");
        else OUT(" %9.1f", d->earnings[k]);
        num(notes, d->on_benefit[k]);
        num(notes, d->on_index_benefit[k]);
        num(notes, d->in_program[k]);
        OUT("\n");
    }
}

nt_status nt_describe_run(const char *store_path, const char *csv_path, nt_notes *notes, nt_error *err)
{
    nt_store *st = NULL;
    nt_describe *d = NULL;
    nt_status s = nt_store_open(store_path, &st, err);
    if (!s) s = nt_store_describe(st, &d, err);
    if (!s && csv_path) s = nt_describe_write_csv(d, csv_path, err);
    if (!s) {
        print_header(st, d, notes);
        print_tables(d, notes);
    }
    nt_describe_free(d);
    nt_store_close(st);
    return s;
}
