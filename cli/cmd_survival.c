/* netto survival km|cox|dhazard: the option table, then
   study/nt_survival_run (the file, the fit, the tables, the manifest).
   No statistics here. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "study/nt_survival_run.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: netto survival km  --data F.csv [--start T0] --time T --event E [--group G]\n"
            "                          [--weight W] [--conf-type log|log-log|plain] [--min-cell N] --out DIR\n"
            "       netto survival cox --data F.csv [--start T0] --stop T1 --event E --covariates X1[,..]\n"
            "                          [--ties efron|breslow] [--strata S] [--cluster ID] [--weight W]\n"
            "                          [--min-cell N] --out DIR\n"
            "       netto survival dhazard --data F.csv --id ID --time T --event E --covariates X1[,..]\n"
            "                          [--link logit|cloglog] [--cluster ID] [--cuts C1,C2,..]\n"
            "                          [--min-cell N] --out DIR\n"
            "\n"
            "km:  Kaplan-Meier and Nelson-Aalen per group -> km.csv; log-rank test when grouped\n"
            "     -> logrank.csv. Greenwood SEs (jackknife SEs with non-integer weights), 95%% CIs.\n"
            "cox: Cox proportional hazards -> cox.csv, cox_fit.csv. With --start the rows are\n"
            "     counting-process (start, stop] rows (time-varying covariates, left truncation).\n"
            "     --cluster adds robust (sandwich) SEs by that id; z, p and CIs then use them.\n"
            "dhazard: discrete-time hazard, one row per person (ID unique) with T whole periods\n"
            "     at risk: person-period rows 1..T, the event (E = 1) in period T; binomial GLM\n"
            "     with one baseline dummy per period (or per piece (C_k-1, C_k] with --cuts)\n"
            "     -> dhazard.csv (odds ratios for logit, hazard ratios for cloglog), dhazard_fit.csv.\n"
            "     --cluster adds robust (sandwich) SEs by that id; z, p and CIs then use them.\n"
            "     X:cat makes a numeric covariate categorical; text covariates are categorical.\n"
            "Event columns are 0/1. Rows with a missing value in a used column are dropped and\n"
            "counted. --min-cell N empties statistics resting on fewer than N persons.\n");
}

#define F(m) CLI_FIELD(nt_survival_run_opts, m)
enum { KM = 1 << NT_SURVIVAL_KM, COX = 1 << NT_SURVIVAL_COX, DH = 1 << NT_SURVIVAL_DHAZARD };
static const cli_opt rows[] = {
    {"--data", CLI_STR, F(data), CLI_REQUIRED},
    {"--start", CLI_STR, F(start), .only = KM | COX},
    {"--time", CLI_STR, F(time), CLI_REQUIRED, .only = KM | DH},
    {"--stop", CLI_STR, F(time), CLI_REQUIRED, .only = COX},
    {"--event", CLI_STR, F(event), CLI_REQUIRED},
    {"--group", CLI_STR, F(group), .only = KM},
    {"--weight", CLI_STR, F(weight), .only = KM | COX},
    {"--covariates", CLI_STR, F(covariates), CLI_REQUIRED, .only = COX | DH},
    {"--strata", CLI_STR, F(strata), .only = COX},
    {"--cluster", CLI_STR, F(cluster), .only = COX | DH},
    {"--id", CLI_STR, F(id), CLI_REQUIRED, .only = DH},
    {"--out|-o", CLI_STR, F(out), CLI_REQUIRED},
    {"--min-cell", CLI_LONG, F(min_cell), CLI_RANGE(0, 1000000000L), .bad = "expected a whole number >= 0"},
    {"--conf-type", CLI_CHOICE, F(conf), .only = KM, .bad = "expected log, log-log or plain",
     CLI_CHOICES({"log", NT_CONF_LOG}, {"log-log", NT_CONF_LOGLOG}, {"plain", NT_CONF_PLAIN})},
    {"--ties", CLI_CHOICE, F(ties), .only = COX, .bad = "expected efron or breslow",
     CLI_CHOICES({"efron", NT_TIES_EFRON}, {"breslow", NT_TIES_BRESLOW})},
    {"--link", CLI_CHOICE, F(link), .only = DH, .bad = "expected logit or cloglog",
     CLI_CHOICES({"logit", NT_LINK_LOGIT}, {"cloglog", NT_LINK_CLOGLOG})},
    {"--cuts", CLI_NUMBERS, F(cuts), .off2 = offsetof(nt_survival_run_opts, n_cuts), .hi = 256, .only = DH,
     .bad = "expected ascending period bounds like 3,6,12"},
    {0}};

int nt_cmd_survival(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) { usage(stdout); return 0; }
    static const char *models[] = {"km", "cox", "dhazard"};
    int k = 0;
    while (k < 3 && strcmp(cmd, models[k])) k++;
    if (k == 3) return cli_usage("survival", "unknown subcommand '%s' (expected km, cox or dhazard)", cmd);
    char unknown[64];
    snprintf(unknown, sizeof unknown, "survival %s: unknown option %%s", cmd);
    cli_spec spec = {.cmd = "survival", .help = usage, .rows = rows, .unknown = unknown, .missing = "%s needs a value", .variant = 1u << k};
    nt_survival_run_opts o;
    nt_survival_run_opts_default(&o);
    o.model = (nt_survival_model)k;
    int rc = cli_parse(&spec, argc - 1, argv + 1, &o);
    if (rc >= 0) return rc;
    o.argc = argc + 1;
    o.argv = argv - 1;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_survival_run(&o, &notes, &err);
    cli_free(&spec, &o);
    return cli_report(&notes, s, &err, NULL);
}
