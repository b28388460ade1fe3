/* netto simulate: the option table, then nt_simulate_write. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
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

typedef struct {
    nt_simulate_opts sim;
    const char *out;
} args;

#define F(m) CLI_FIELD(args, m)
static char scenario_bad[512]; /* "expected one of: " the scenarios */
static const cli_opt rows[] = {
    {"--persons", CLI_LONG, F(sim.persons), CLI_RANGE(1, 1000000000L), .bad = "expected a whole number >= 1", CLI_REQUIRED},
    {"--seed", CLI_U64, F(sim.seed), .bad = "expected a whole number >= 0", CLI_REQUIRED},
    {"--out|-o", CLI_STR, F(out), CLI_REQUIRED},
    {"--crlf", CLI_FLAG, F(sim.crlf)},
    {"--bom", CLI_FLAG, F(sim.bom)},
    {"--scenario", CLI_TEXT, F(sim.scenario), .check = nt_simulate_scenario_known, .bad = scenario_bad},
    {"--delimiter", CLI_CHOICE, F(sim.delimiter), CLI_CHOICES({",", ','}, {";", ';'}, {"tab", '\t'}, {"\t", '\t'}),
     .bad = "expected , ; or tab"},
    {"--date-format", CLI_CHOICE, F(sim.date_format), .bad = "expected iso or cbs",
     CLI_CHOICES({"iso", NT_SIM_DATE_ISO}, {"cbs", NT_SIM_DATE_CBS})},
    {"--codes", CLI_CHOICE, F(sim.codes), .bad = "expected english, dutch or numeric",
     CLI_CHOICES({"english", NT_SIM_CODES_ENGLISH}, {"dutch", NT_SIM_CODES_DUTCH}, {"numeric", NT_SIM_CODES_NUMERIC})},
    {"--id-width", CLI_LONG, F(sim.id_width), CLI_RANGE(1, 32), .bad = "expected 1..32"},
    {"--threads", CLI_LONG, F(sim.threads), CLI_RANGE(1, 256), .bad = "expected 1..256"},
    {0}};
static const cli_spec spec = {.cmd = "simulate", .help = usage, .rows = rows, .unknown = "unknown option %s", .missing = "%s needs a value"};

int nt_cmd_simulate(int argc, char **argv)
{
    args a = {.out = NULL};
    nt_simulate_opts_init(&a.sim);
    snprintf(scenario_bad, sizeof scenario_bad, "expected one of: %s", nt_simulate_scenario_list());
    int rc = cli_parse(&spec, argc, argv, &a);
    if (rc >= 0) return rc;
    nt_error err;
    nt_error_clear(&err);
    nt_simulate_summary s;
    if (nt_simulate_write(&a.sim, a.out, &s, &err)) return cli_fail(&err);
    printf("netto simulate: scenario %s, seed %llu: %ld persons, %ld benefit, %ld programme, %ld job spells; "
           "%ld participants in start months 0-%d; written to %s\n",
           a.sim.scenario, (unsigned long long)a.sim.seed, s.persons, s.benefits, s.programs, s.jobs, s.participants,
           NT_SIM_START_MONTHS - 1, a.out);
    return 0;
}
