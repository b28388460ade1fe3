/* netto ingest: validate the four spell files, build the cohort panel, write
   the store (and <store>.rejects.csv). Parses options and prints; the work is
   study/nt_ingest_run (data/nt_ingest: nt_spells -> nt_cohort -> nt_store). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/nt_date.h"
#include "study/nt_ingest_run.h"

#define CMD "ingest"
#define MAX_SCHEMES 32

static void help(void)
{
    printf("usage: netto ingest --persons F --benefits F --programs F --jobs F\n"
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
           "  -o, --out STORE.h5      the store to write\n"
           "  --help                  this text\n\n"
           "exit codes: 0 success (a lenient run with rejects included), 1 data or file problem,\n"
           "2 usage error\n");
}

typedef struct {
    const char *path[4];
    char *scheme_list;
    const char *schemes[MAX_SCHEMES];
    int n_schemes;
    int inflow_from, inflow_to;
    long horizon;
    nt_day data_end;
    int lenient, ignore_unknown, cp1252;
    char decimal;
    const char *person_key, *out;
} args;

/* Value of an option given as "--opt v" or "--opt=v"; NULL if missing. */
static const char *value(int argc, char **argv, int *i, const char *name)
{
    size_t l = strlen(name);
    if (argv[*i][l] == '=') return argv[*i] + l + 1;
    if (*i + 1 >= argc) return NULL;
    return argv[++*i];
}

static int opt_is(const char *arg, const char *name)
{
    size_t l = strlen(name);
    return !strncmp(arg, name, l) && (arg[l] == 0 || arg[l] == '=');
}

static int parse(int argc, char **argv, args *a)
{
    memset(a, 0, sizeof *a);
    a->horizon = 96;
    a->data_end = NT_DAY_NONE;
    a->decimal = '.';
    a->inflow_from = -1;
    static const char *files[4] = {"--persons", "--benefits", "--programs", "--jobs"};
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        int f = -1;
        for (int k = 0; k < 4; k++)
            if (opt_is(arg, files[k])) f = k;
        if (f >= 0) {
            if (!(v = value(argc, argv, &i, files[f])) || !*v) return cli_usage(CMD, "%s needs a file", files[f]);
            a->path[f] = v;
        } else if (opt_is(arg, "--scheme")) {
            if (!(v = value(argc, argv, &i, "--scheme")) || !*v) return cli_usage(CMD, "--scheme needs a value");
            free(a->scheme_list);
            a->scheme_list = strdup(v);
            a->n_schemes = 0;
            for (char *tok = strtok(a->scheme_list, ","); tok; tok = strtok(NULL, ",")) {
                while (*tok == ' ') tok++;
                char *e = tok + strlen(tok);
                while (e > tok && e[-1] == ' ') *--e = 0;
                if (!*tok) continue;
                if (a->n_schemes == MAX_SCHEMES) return cli_usage(CMD, "--scheme: at most %d schemes", MAX_SCHEMES);
                a->schemes[a->n_schemes++] = tok;
            }
            if (!a->n_schemes) return cli_usage(CMD, "--scheme: found \"%s\", expected scheme names like WW or WW,WWB", v);
        } else if (opt_is(arg, "--inflow")) {
            v = value(argc, argv, &i, "--inflow");
            const char *colon = v ? strchr(v, ':') : NULL;
            if (!colon || nt_month_parse(v, (unsigned long)(colon - v), &a->inflow_from) ||
                nt_month_parse(colon + 1, strlen(colon + 1), &a->inflow_to))
                return cli_usage(CMD, "--inflow: found \"%s\", expected YYYY-MM:YYYY-MM", v ? v : "");
            if (a->inflow_to < a->inflow_from)
                return cli_usage(CMD, "--inflow: found \"%s\", expected the first month on or before the second", v);
        } else if (opt_is(arg, "--horizon")) {
            v = value(argc, argv, &i, "--horizon");
            if (cli_parse_long(v, 1, 1200, &a->horizon))
                return cli_usage(CMD, "--horizon: found \"%s\", expected a number of months from 1 to 1200", v ? v : "");
        } else if (opt_is(arg, "--data-end")) {
            v = value(argc, argv, &i, "--data-end");
            if (!v || nt_date_parse(v, strlen(v), &a->data_end))
                return cli_usage(CMD, "--data-end: found \"%s\", expected a date (YYYY-MM-DD or YYYYMMDD)", v ? v : "");
        } else if (!strcmp(arg, "--lenient")) {
            a->lenient = 1;
        } else if (!strcmp(arg, "--ignore-unknown-persons")) {
            a->ignore_unknown = 1;
        } else if (opt_is(arg, "--encoding")) {
            v = value(argc, argv, &i, "--encoding");
            if (v && (!strcasecmp(v, "utf-8") || !strcasecmp(v, "utf8"))) a->cp1252 = 0;
            else if (v && (!strcasecmp(v, "cp1252") || !strcasecmp(v, "windows-1252"))) a->cp1252 = 1;
            else return cli_usage(CMD, "--encoding: found \"%s\", expected utf-8 or cp1252", v ? v : "");
        } else if (opt_is(arg, "--decimal")) {
            v = value(argc, argv, &i, "--decimal");
            if (!v || (strcmp(v, ".") && strcmp(v, ",")))
                return cli_usage(CMD, "--decimal: found \"%s\", expected . or ,", v ? v : "");
            a->decimal = v[0];
        } else if (opt_is(arg, "--person-key")) {
            if (!(v = value(argc, argv, &i, "--person-key")) || !*v)
                return cli_usage(CMD, "--person-key needs column names joined by '+'");
            a->person_key = v;
        } else if (opt_is(arg, "--out") || !strcmp(arg, "-o")) {
            v = !strcmp(arg, "-o") ? (i + 1 < argc ? argv[++i] : NULL) : value(argc, argv, &i, "--out");
            if (!v || !*v) return cli_usage(CMD, "-o/--out needs a file name");
            a->out = v;
        } else {
            return cli_usage(CMD, "unknown option '%s'", arg);
        }
    }
    for (int k = 0; k < 4; k++)
        if (!a->path[k]) return cli_usage(CMD, "%s is required", files[k]);
    if (!a->n_schemes) return cli_usage(CMD, "--scheme is required");
    if (a->inflow_from < 0) return cli_usage(CMD, "--inflow is required");
    if (!a->out) return cli_usage(CMD, "-o/--out is required");
    return 0;
}

int nt_cmd_ingest(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            help();
            return 0;
        }
    args a;
    int rc = parse(argc, argv, &a);
    if (rc) {
        free(a.scheme_list);
        return rc;
    }
    char rejects[4200];
    snprintf(rejects, sizeof rejects, "%s.rejects.csv", a.out);
    nt_ingest_opts o = {
        .spells = {.path = {a.path[0], a.path[1], a.path[2], a.path[3]},
                   .person_key = a.person_key,
                   .cp1252 = a.cp1252,
                   .decimal = a.decimal,
                   .lenient = a.lenient,
                   .ignore_unknown_persons = a.ignore_unknown,
                   .data_end = a.data_end},
        .cohort = {.n_schemes = a.n_schemes, .schemes = a.schemes, .inflow_from = a.inflow_from,
                   .inflow_to = a.inflow_to, .horizon = (int)a.horizon},
        .store_path = a.out,
        .rejects_path = rejects};
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status st = nt_ingest_run(&o, &notes, &err);
    free(a.scheme_list);
    return cli_report(&notes, st, &err, NULL);
}
