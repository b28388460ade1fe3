/* netto simulate: parses the options and calls nt_simulate_write. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "datasets/nt_simulate.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: netto simulate --persons N --seed S --out DIR [options]\n"
            "\n"
            "Writes synthetic linked spell files in the data contract format (persons.csv,\n"
            "benefits.csv, programs.csv, jobs.csv), truth.csv (true dynamic ATT per programme,\n"
            "subgroup, outcome and month since programme start), study.ini and README.md.\n"
            "DIR must not exist or be empty.\n"
            "\n"
            "  --persons N          number of persons (>= 1)\n"
            "  --seed S             random seed (0 .. 2^64-1)\n"
            "  -o, --out DIR        output folder\n"
            "  --scenario NAME      %s (default: default)\n"
            "  --delimiter D        , ; or tab (default ,)\n"
            "  --crlf               CRLF line ends\n"
            "  --bom                UTF-8 byte order mark before each header\n"
            "  --date-format F      iso (YYYY-MM-DD, default) or cbs (YYYYMMDD)\n"
            "  --codes C            english (default), dutch or numeric codes for sex,\n"
            "                       education and migration\n"
            "  --id-width W         zero-padded person ids of W digits (default: plain)\n"
            "  --threads T          threads (default: all); the output does not depend on it\n",
            nt_simulate_scenario_list());
}

int nt_cmd_simulate(int argc, char **argv)
{
    nt_simulate_opts o;
    nt_simulate_opts_init(&o);
    const char *out = NULL;
    int have_persons = 0, have_seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--crlf")) { o.crlf = 1; continue; }
        if (!strcmp(a, "--bom")) { o.bom = 1; continue; }
        if (i + 1 >= argc) return cli_usage("simulate", "%s needs a value", a);
        const char *v = argv[++i];
        long l;
        unsigned long long u;
        if (!strcmp(a, "--persons")) {
            if (cli_parse_long(v, 1, 1000000000L, &l))
                return cli_usage("simulate", "--persons: found \"%s\", expected a whole number >= 1", v);
            o.persons = l;
            have_persons = 1;
        } else if (!strcmp(a, "--seed")) {
            if (cli_parse_u64(v, &u))
                return cli_usage("simulate", "--seed: found \"%s\", expected a whole number >= 0", v);
            o.seed = u;
            have_seed = 1;
        } else if (!strcmp(a, "--out") || !strcmp(a, "-o")) {
            out = v;
        } else if (!strcmp(a, "--scenario")) {
            if (!nt_simulate_scenario_known(v) || strlen(v) >= sizeof o.scenario)
                return cli_usage("simulate", "--scenario: found \"%s\", expected one of: %s", v,
                                 nt_simulate_scenario_list());
            snprintf(o.scenario, sizeof o.scenario, "%s", v);
        } else if (!strcmp(a, "--delimiter")) {
            if (!strcmp(v, ",")) o.delimiter = ',';
            else if (!strcmp(v, ";")) o.delimiter = ';';
            else if (!strcmp(v, "tab") || !strcmp(v, "\t")) o.delimiter = '\t';
            else return cli_usage("simulate", "--delimiter: found \"%s\", expected , ; or tab", v);
        } else if (!strcmp(a, "--date-format")) {
            if (!strcmp(v, "iso")) o.date_format = NT_SIM_DATE_ISO;
            else if (!strcmp(v, "cbs")) o.date_format = NT_SIM_DATE_CBS;
            else return cli_usage("simulate", "--date-format: found \"%s\", expected iso or cbs", v);
        } else if (!strcmp(a, "--codes")) {
            if (!strcmp(v, "english")) o.codes = NT_SIM_CODES_ENGLISH;
            else if (!strcmp(v, "dutch")) o.codes = NT_SIM_CODES_DUTCH;
            else if (!strcmp(v, "numeric")) o.codes = NT_SIM_CODES_NUMERIC;
            else return cli_usage("simulate", "--codes: found \"%s\", expected english, dutch or numeric", v);
        } else if (!strcmp(a, "--id-width")) {
            if (cli_parse_long(v, 1, 32, &l))
                return cli_usage("simulate", "--id-width: found \"%s\", expected 1..32", v);
            o.id_width = (int)l;
        } else if (!strcmp(a, "--threads")) {
            if (cli_parse_long(v, 1, 256, &l))
                return cli_usage("simulate", "--threads: found \"%s\", expected 1..256", v);
            o.threads = (int)l;
        } else {
            return cli_usage("simulate", "unknown option %s", a);
        }
    }
    if (!have_persons) return cli_usage("simulate", "--persons is required");
    if (!have_seed) return cli_usage("simulate", "--seed is required");
    if (!out) return cli_usage("simulate", "--out is required");
    nt_error err;
    nt_error_clear(&err);
    nt_simulate_summary s;
    if (nt_simulate_write(&o, out, &s, &err)) return cli_fail(&err);
    printf("netto simulate: scenario %s, seed %llu: %ld persons, %ld benefit, %ld programme, %ld job spells; "
           "%ld participants in start months 0-%d; written to %s\n",
           o.scenario, (unsigned long long)o.seed, s.persons, s.benefits, s.programs, s.jobs, s.participants,
           NT_SIM_START_MONTHS - 1, out);
    return 0;
}
