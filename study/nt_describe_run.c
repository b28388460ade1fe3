#include "study/nt_describe_run.h"

#include <math.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_date.h"
#include "core/nt_exit.h"
#include "core/nt_file.h"
#include "core/nt_file_kind.h"
#include "core/nt_reject.h"
#include "data/nt_describe.h"
#include "data/nt_store.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"

#define OUT(...) nt_notes_add(notes, NT_NOTES_OUT, __VA_ARGS__)

/* The disclosure settings of one describe. */
typedef struct { long min_cell, round; } rule;

/* A count as published (nt_disclose_count_text), in a field of width w. */
static void count(nt_notes *notes, const rule *R, const char *fmt, long n)
{
    char buf[32];
    nt_disclose_count_text(n, R->min_cell, R->round, buf, sizeof buf);
    OUT(fmt, buf);
}

/* A month's mean over n persons (share: a binary series) as shown. */
static double shown(double x, long n, int share, const rule *R)
{
    long basis = share ? nt_disclose_share_basis(x, n) : n;
    return nt_disclose_stat(basis, R->min_cell) ? x : NAN;
}

/* Earnings of a month as shown: also not when one or two persons dominate. */
static double shown_earnings(const nt_describe *d, int k, const rule *R)
{
    double e = shown(d->earnings[k], d->n_observed[k], 0, R);
    if (R->min_cell > 0 && nt_disclose_dominated(d->earnings_abs[k], d->earnings_top1[k], d->earnings_top2[k],
                                                 NT_DISCLOSE_TOP1, NT_DISCLOSE_TOP2))
        return NAN;
    return e;
}

/* A mean on n persons at 4 decimals, or coarser: at its step (nt_disclose_step). */
static void num(nt_notes *notes, double x, long n, const rule *R)
{
    double step = nt_disclose_step(n, R->min_cell, R->round);
    if (isnan(x)) OUT(" %9s", "");
    else if (step > 1e-4) OUT(" %9.*f", (int)ceil(-log10(step) - 1e-9), floor(x / step + 0.5) * step);
    else OUT(" %9.4f", x);
}

static void print_header(const nt_store *st, const nt_describe *d, const rule *R, nt_notes *notes)
{
    char buf[16];
    if (R->min_cell <= 0) OUT("NOT FOR EXPORT: no disclosure control (--min-cell 0)\n");
    else OUT("disclosure: counts below %ld as \"< %ld\", others rounded to %ld; means on fewer than %ld persons not shown, "
             "earnings where one or two persons make up over %.0f%% / %.0f%%\n", R->min_cell, R->min_cell, R->round, R->min_cell,
             NT_DISCLOSE_TOP1, NT_DISCLOSE_TOP2);
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
    count(notes, R, "persons: %s\n", d->persons);
    OUT("months: %d\n", d->months);
    long cells = d->persons * (long)d->months;
    count(notes, R, "censored: %s persons, ", d->censored_persons);
    count(notes, R, "%s of ", d->censored_months);
    count(notes, R, "%s person-months", cells);
    /* a share of persons' months, not of persons: shown with the months */
    if (nt_disclose_stat(nt_disclose_share_basis(cells ? (double)d->censored_months / (double)cells : 0, cells), R->min_cell))
        OUT(" (%.1f%%)", cells ? 100.0 * (double)d->censored_months / (double)cells : 0.0);
    OUT("\n");
    OUT("exit from the index spell:");
    for (int e = 1; e <= NT_EXIT_N; e++) {
        OUT("%s %s", e > 1 ? "," : "", nt_exit_name((nt_exit)e));
        count(notes, R, " %s", d->exit_count[e - 1]);
    }
    OUT("\n");
}

static void print_tables(const nt_describe *d, const rule *R, nt_notes *notes)
{
    OUT("\ninflow by month:\n");
    for (int i = 0; i < d->n_inflow; i++) {
        OUT("  %s", d->inflow_label[i]);
        count(notes, R, " %10s\n", d->inflow_count[i]);
    }

    count(notes, R, "\nfirst programme start during the index spell, by month since inflow (%s persons):\n", d->n_treated);
    OUT("  %5s", "month");
    for (int t = 0; t < d->n_types; t++) OUT(" %12.12s", d->type_name[t]);
    OUT("\n");
    for (int k = 0; k < d->months; k++) {
        long row = 0;
        for (int t = 0; t < d->n_types; t++) row += d->starts[(size_t)t * d->months + k];
        if (!row) continue;
        OUT("  %5d", k);
        for (int t = 0; t < d->n_types; t++) count(notes, R, " %12s", d->starts[(size_t)t * d->months + k]);
        OUT("\n");
    }
    long later = 0;
    for (int t = 0; t < d->n_types; t++) later += d->starts_later[t];
    if (later) {
        OUT("  %5s", "later");
        for (int t = 0; t < d->n_types; t++) count(notes, R, " %12s", d->starts_later[t]);
        OUT("\n");
    }

    OUT("\nmeans over persons observed in the month:\n");
    OUT("  %5s %10s %9s %9s %9s %9s %9s\n", "month", "observed", "employed", "earnings", "benefit", "index_ben", "program");
    for (int k = 0; k < d->months; k++) {
        long n = d->n_observed[k];
        OUT("  %5d", k);
        count(notes, R, " %10s", n);
        num(notes, shown(d->employed[k], n, 1, R), n, R);
        double e = shown_earnings(d, k, R);
        if (isnan(e)) OUT(" %9s", "");
        else OUT(" %9.1f", e);
        num(notes, shown(d->on_benefit[k], n, 1, R), n, R);
        num(notes, shown(d->on_index_benefit[k], n, 1, R), n, R);
        num(notes, shown(d->in_program[k], n, 1, R), n, R);
        OUT("\n");
    }
}

/* What the store records about its inputs and covariates, so a store can
   be traced to its spell files and inspected from itself: each file's
   SHA-256 and records read, rejected (by reason) and merged, as the ingest
   counted them (records and rejects are persons' records: counted as
   persons are); then every covariate with its kind. */
static void print_inputs(nt_store *st, const rule *R, nt_notes *notes)
{
    const char *cmd = nt_store_ingest_command(st);
    if (cmd[0]) OUT("\ningest command (makes this store again from the same files; -o names the copy):\n  %s -o STORE.h5\n", cmd);
    else OUT("\ningest command: not recorded (a store of an older netto)\n");
    OUT("\ninputs as read by netto ingest:\n");
    OUT("  %-9s %10s %10s %10s  %s\n", "file", "records", "rejected", "merged", "sha256");
    for (int f = 0; f < NT_FILE_N; f++) {
        long rej = 0;
        for (int r = 0; r < NT_REJECT_N; r++) rej += nt_store_rejected(st, f, r);
        const char *sha = nt_store_sha256(st, f);
        OUT("  %-9s", nt_file_kind_name((nt_file_kind)f));
        count(notes, R, " %10s", nt_store_records(st, f));
        count(notes, R, " %10s", rej);
        count(notes, R, " %10s", nt_store_merged(st, f));
        OUT("  %s\n", sha && *sha ? sha : "none");
    }
    for (int f = 0; f < NT_FILE_N; f++) {
        int any = 0;
        for (int r = 0; r < NT_REJECT_N; r++) {
            long k = nt_store_rejected(st, f, r);
            if (!k) continue;
            if (!any) OUT("  rejected from %s:", nt_file_kind_name((nt_file_kind)f));
            OUT("%s %s", any ? "," : "", nt_reject_reason_name((nt_reject_reason)r));
            count(notes, R, " %s", k);
            any = 1;
        }
        if (any) OUT("\n");
    }
    int n = nt_store_n_covariates(st), n_cov = 0;
    for (int i = 0; i < n; i++) n_cov += nt_store_covariate_kind(st, nt_store_covariate_name(st, i)) >= 0;
    OUT("\ncovariates (%d):\n", n_cov);
    for (int i = 0; i < n; i++) {   /* person_id is the key, not a covariate */
        const char *name = nt_store_covariate_name(st, i);
        int kind = nt_store_covariate_kind(st, name);
        if (kind >= 0) OUT("  %-20s %s\n", name, kind == NT_COV_CATEGORICAL ? "categorical" : "numeric");
    }
}

nt_status nt_describe_write_table(const nt_describe *d, const char *path, long min_cell, long round, nt_error *err)
{
    static const char *cols[] = {"month", "n_observed", "employed", "earnings", "on_benefit", "on_index_benefit",
                                 "in_program"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_COUNT, NT_COL_MEAN, NT_COL_MEAN, NT_COL_MEAN, NT_COL_MEAN,
                                        NT_COL_MEAN};
    static const char *share[] = {"employed", "on_benefit", "on_index_benefit", "in_program"};
    nt_table *t = nt_table_alloc(cols, kinds, 7);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_table_set_round(t, round);
    for (int k = 0; k < d->months; k++) {
        if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        long n = d->n_observed[k];
        const double x[4] = {d->employed[k], d->on_benefit[k], d->on_index_benefit[k], d->in_program[k]};
        nt_table_set_int(t, "month", k);
        nt_table_set_int(t, "n_observed", n);
        for (int j = 0; j < 4; j++) nt_table_set_num(t, share[j], x[j]);
        nt_table_set_num(t, "earnings", d->earnings[k]);
        nt_table_set_basis(t, n);
        for (int j = 0; j < 4; j++) nt_table_limit_cell(t, share[j], nt_disclose_share_basis(x[j], n), NT_WHY_SHARE);
        if (nt_disclose_dominated(d->earnings_abs[k], d->earnings_top1[k], d->earnings_top2[k], NT_DISCLOSE_TOP1,
                                  NT_DISCLOSE_TOP2))
            nt_table_limit_cell(t, "earnings", 0, NT_WHY_DOMINANCE);
    }
    nt_status s = nt_table_write_csv(t, path, min_cell, err);
    nt_table_free(t);
    return s;
}

nt_status nt_describe_run(const char *store_path, const char *csv_path, long min_cell, long round, nt_notes *notes,
                          nt_error *err)
{
    const rule R = {min_cell, round};
    nt_store *st = NULL;
    nt_describe *d = NULL;
    if (csv_path && nt_file_same(csv_path, store_path))
        return nt_fail_at(err, NT_EUSAGE, csv_path, 0, NULL, "is the store: give --csv another file");
    nt_status s = nt_store_open(store_path, &st, err);
    /* Nor one of the spell files the store was made from (same SHA-256). */
    char hex[65];
    nt_error e2;
    if (!s && csv_path && access(csv_path, F_OK) == 0 && !nt_file_sha256(csv_path, hex, &e2))
        for (int f = 0; f < NT_FILE_N && !s; f++)
            if (!strcmp(hex, nt_store_sha256(st, f)))
                s = nt_fail_at(err, NT_EUSAGE, csv_path, 0, NULL, "is the %s file this store was made from: give --csv "
                               "another file", nt_file_kind_name((nt_file_kind)f));
    if (!s) s = nt_store_describe(st, &d, err);
    if (!s && csv_path) s = nt_describe_write_table(d, csv_path, min_cell, round, err);
    if (!s) {
        print_header(st, d, &R, notes);
        print_tables(d, &R, notes);
        print_inputs(st, &R, notes);
    }
    nt_describe_free(d);
    nt_store_close(st);
    return s;
}
