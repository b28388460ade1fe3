/* netto ingest: validate the four spell files, build the cohort panel, write
   the store (and <store>.rejects.csv). The option table, then
   study/nt_ingest_run (data/nt_ingest: nt_spells -> nt_cohort -> nt_store). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "core/nt_date.h"
#include "study/nt_check.h"
#include "study/nt_ingest_run.h"

static void help(FILE *fp)
{
    fprintf(fp, "usage: netto ingest --persons F --benefits F --programs F --jobs F\n"
           "                    --scheme S[,S] --inflow YYYY-MM:YYYY-MM -o STORE.h5 [options]\n\n"
           "Validates the four linked spell files (data contract v1), builds the cohort\n"
           "panel and writes it to one HDF5 store; rejected and merged records are listed\n"
           "in STORE.h5.rejects.csv.\n\n"
           "  --persons F, --benefits F, --programs F, --jobs F   the spell files (CSV, .sav, .dta)\n"
           "  --scheme S[,S]          benefit scheme(s) of the index spell (case-insensitive)\n"
           "  --inflow FROM:TO        inflow window of calendar months, YYYY-MM:YYYY-MM (inclusive)\n"
           "  --horizon H             months since inflow in the panel (default 96)\n"
           "  --data-end DATE         last day observed (default: latest start date in the spell files)\n"
           "  --lenient               drop bad records into the rejects report instead of stopping\n"
           "  --ignore-unknown-persons  count spells of persons not in the persons file, do not list them\n"
           "  --encoding E            utf-8 (default) or cp1252\n"
           "  --decimal C             decimal point: . (default) or ,\n"
           "  --person-key A+B        person key from several columns (default person_id)\n"
           "  --context F             the context table (values by region and month; CSV, .sav, .dta),\n"
           "                          checked against the cohort and kept in the store\n"
           "  -o, --out STORE.h5      the store to write\n"
           "  --check                 read every file to the end and list every problem (file, line,\n"
           "                          column, the option that fixes it); writes nothing, and --scheme,\n"
           "                          --inflow and -o are not needed; exit 1 if there are problems\n"
           "  --help                  this text\n\n"
           "exit codes: 0 success (a lenient run with rejects included), 1 data or file problem,\n"
           "2 usage error\n");
}

#define F(m) CLI_FIELD(nt_ingest_opts, m)
#define FILE_ROW(name, k) {name, CLI_STR, F(spells.path[k]), .need = "%s needs a file", CLI_REQUIRED}
static const cli_opt rows[] = {
    FILE_ROW("--persons", 0), FILE_ROW("--benefits", 1), FILE_ROW("--programs", 2), FILE_ROW("--jobs", 3),
    {"--scheme", CLI_NAMES, F(cohort.schemes), .off2 = offsetof(nt_ingest_opts, cohort.n_schemes), .hi = 32,
     .need = "--scheme needs a value", .bad = "expected scheme names like WW or WW,WWB", CLI_REQUIRED, .only = 1},
    {"--inflow", CLI_MONTHS, F(cohort.inflow_from), .off2 = offsetof(nt_ingest_opts, cohort.inflow_to),
     .bad = "expected YYYY-MM:YYYY-MM", CLI_REQUIRED, .only = 1},
    {"--out|-o", CLI_STR, F(store_path), .need = "-o/--out needs a file name", .req = "-o/--out is required", .only = 1},
    {"--scheme", CLI_NAMES, F(cohort.schemes), .off2 = offsetof(nt_ingest_opts, cohort.n_schemes), .hi = 32,
     .need = "--scheme needs a value", .bad = "expected scheme names like WW or WW,WWB", .only = 2},
    {"--inflow", CLI_MONTHS, F(cohort.inflow_from), .off2 = offsetof(nt_ingest_opts, cohort.inflow_to),
     .bad = "expected YYYY-MM:YYYY-MM", .only = 2},
    {"--out|-o", CLI_STR, F(store_path), .need = "-o/--out needs a file name", .only = 2},
    {"--horizon", CLI_LONG, F(cohort.horizon), CLI_RANGE(1, 1200), .bad = "expected a number of months from 1 to 1200"},
    {"--data-end", CLI_DATE, F(spells.data_end), .bad = "expected a date (YYYY-MM-DD or YYYYMMDD)"},
    {"--lenient", CLI_FLAG, F(spells.lenient)},
    {"--ignore-unknown-persons", CLI_FLAG, F(spells.ignore_unknown_persons)},
    {"--encoding", CLI_CHOICE, F(spells.cp1252), .nocase = 1, .bad = "expected utf-8 or cp1252",
     CLI_CHOICES({"utf-8", 0}, {"utf8", 0}, {"cp1252", 1}, {"windows-1252", 1})},
    {"--decimal", CLI_CHOICE, F(spells.decimal), CLI_CHOICES({".", '.'}, {",", ','}), .bad = "expected . or ,"},
    {"--person-key", CLI_STR, F(spells.person_key), .need = "--person-key needs column names joined by '+'"},
    {"--context", CLI_STR, F(context_path), .need = "--context needs a file"},
    {"--check", CLI_FLAG, F(check)},
    {0}};
static const cli_spec spec = {.cmd = "ingest", .help = help, .rows = rows, .unknown = "unknown option '%s'", .eq = 1};

int nt_cmd_ingest(int argc, char **argv)
{
    nt_ingest_opts o = {.spells = {.decimal = '.', .data_end = NT_DAY_NONE}, .cohort = {.horizon = 96}};
    cli_spec sp = spec;
    sp.variant = 1;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--check")) sp.variant = 2;
    int rc = cli_parse(&sp, argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.check) {
        nt_error err;
        nt_error_clear(&err);
        nt_notes notes = {0};
        long n = 0;
        nt_status st = nt_check_spells(&o.spells, 0, &notes, &n, &err);
        long nc = 0;
        nt_cells_opts co = {o.spells.cp1252, o.spells.decimal};
        if (!st && o.context_path) st = nt_check_context(o.context_path, &co, &notes, &nc, &err);
        n += nc;
        cli_free(&sp, &o);
        rc = cli_report(&notes, st, &err, NULL);
        if (!rc && n) rc = 1;
        if (!st) fprintf(n ? stderr : stdout, "netto ingest --check: %ld problem%s\n", n, n == 1 ? "" : "s");
        return rc;
    }
    char rejects[4200];
    snprintf(rejects, sizeof rejects, "%s.rejects.csv", o.store_path);
    o.rejects_path = rejects;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status st = nt_ingest_run(&o, &notes, &err);
    cli_free(&sp, &o);
    return cli_report(&notes, st, &err, NULL);
}
