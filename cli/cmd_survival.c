/* netto survival km|cox|dhazard|toe: the option table, then
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
            "                          [--weights RUN/private/matching_weights.csv --program P [--subgroup S]]\n"
            "       netto survival cox --data F.csv [--start T0] --stop T1 --event E --covariates X1[,..]\n"
            "                          [--ties efron|breslow] [--strata S] [--cluster ID] [--weight W]\n"
            "                          [--min-cell N] --out DIR\n"
            "       netto survival dhazard --data F.csv --id ID --time T --event E --covariates X1[,..]\n"
            "                          [--link logit|cloglog] [--cluster ID] [--cuts C1,C2,..]\n"
            "                          [--min-cell N] --out DIR\n"
            "       netto survival toe --data F.csv --id ID --time T --exit E --entry P --covariates X1[,..]\n"
            "                          (--in-program C | --lockin-months N) [--baseline-cuts C1,..]\n"
            "                          [--exit-cuts ..] [--entry-cuts ..] [--effect-cuts ..] [--lockin-cuts ..]\n"
            "                          [--post-cuts ..] [--mass-points K|K1:K2] [--criterion aic|bic]\n"
            "                          [--min-cell N] --out DIR\n"
            "\n"
            "km:  Kaplan-Meier and Nelson-Aalen per group -> km.csv; log-rank test when grouped\n"
            "     -> logrank.csv. Greenwood SEs (jackknife SEs with non-integer weights), 95%% CIs.\n"
            "     --weights: the treated and weighted controls of programme P of a netto run with\n"
            "     [outcomes] time_to_work = yes; F.csv has person_id and start_month (the run's\n"
            "     private/time_to_work_times.csv): joined to the weight rows, groups treated/control.\n"
            "cox: Cox proportional hazards -> cox.csv, cox_fit.csv. With --start the rows are\n"
            "     counting-process (start, stop] rows (time-varying covariates, left truncation).\n"
            "     --cluster adds robust (sandwich) SEs by that id; z, p and CIs then use them.\n"
            "dhazard: discrete-time hazard, one row per person (ID unique) with T whole periods\n"
            "     at risk: person-period rows 1..T, the event (E = 1) in period T; binomial GLM\n"
            "     with one baseline dummy per period (or per piece (C_k-1, C_k] with --cuts)\n"
            "     -> dhazard.csv (odds ratios for logit, hazard ratios for cloglog), dhazard_fit.csv.\n"
            "     --cluster adds robust (sandwich) SEs by that id; z, p and CIs then use them.\n"
            "     X:cat makes a numeric covariate categorical; text covariates are categorical.\n"
            "toe: timing-of-events model (docs/toe.md) on person-period rows (a person's rows\n"
            "     together, T increasing; E = 1 in the month of the exit to work, P = 1 in the\n"
            "     month of programme entry): cloglog hazards of exit and entry, piecewise-constant\n"
            "     baselines (pieces (C_k-1, C_k] of T), lock-in and post-programme effects on the\n"
            "     exit (pieces of months since entry), 1..6 mass points (default 1:6, chosen by AIC)\n"
            "     -> toe.csv, toe_fit.csv. In the programme: the 0/1 column C, or N months after entry.\n"
            "Event columns are 0/1. Rows with a missing value in a used column are dropped and\n"
            "counted. --min-cell N empties statistics resting on fewer than N persons.\n");
}

#define F(m) CLI_FIELD(nt_survival_run_opts, m)
#define CUTS(opt, m, what) {opt, CLI_NUMBERS, F(m), .off2 = offsetof(nt_survival_run_opts, n_##m), .hi = 256, \
                           .only = TOE, .bad = "expected ascending " what " like 3,6,12"}
enum { KM = 1 << NT_SURVIVAL_KM, COX = 1 << NT_SURVIVAL_COX, DH = 1 << NT_SURVIVAL_DHAZARD, TOE = 1 << NT_SURVIVAL_TOE };
static const cli_opt rows[] = {
    {"--data", CLI_STR, F(data), CLI_REQUIRED},
    {"--start", CLI_STR, F(start), .only = KM | COX},
    {"--time", CLI_STR, F(time), CLI_REQUIRED, .only = KM | DH | TOE},
    {"--stop", CLI_STR, F(time), CLI_REQUIRED, .only = COX},
    {"--event", CLI_STR, F(event), CLI_REQUIRED, .only = KM | COX | DH},
    {"--exit", CLI_STR, F(event), CLI_REQUIRED, .only = TOE},
    {"--entry", CLI_STR, F(entry), CLI_REQUIRED, .only = TOE},
    {"--in-program", CLI_STR, F(program), .only = TOE},
    {"--lockin-months", CLI_DOUBLE, F(lockin_months), CLI_ABOVE(0), .only = TOE, .bad = "expected a number of months > 0"},
    CUTS("--baseline-cuts", baseline_cuts, "periods"),
    CUTS("--exit-cuts", exit_cuts, "periods"),
    CUTS("--entry-cuts", entry_cuts, "periods"),
    CUTS("--effect-cuts", effect_cuts, "months since entry"),
    CUTS("--lockin-cuts", lockin_cuts, "months since entry"),
    CUTS("--post-cuts", post_cuts, "months since entry"),
    {"--mass-points", CLI_STR, F(mass_points), .only = TOE},
    {"--criterion", CLI_CHOICE, F(criterion), .only = TOE, .bad = "expected aic or bic",
     CLI_CHOICES({"aic", 0}, {"bic", 1})},
    {"--group", CLI_STR, F(group), .only = KM},
    {"--weight", CLI_STR, F(weight), .only = KM | COX},
    {"--weights", CLI_STR, F(weights), .only = KM},
    {"--program", CLI_STR, F(wprogram), .only = KM},
    {"--subgroup", CLI_STR, F(subgroup), .only = KM},
    {"--covariates", CLI_STR, F(covariates), CLI_REQUIRED, .only = COX | DH | TOE},
    {"--strata", CLI_STR, F(strata), .only = COX},
    {"--cluster", CLI_STR, F(cluster), .only = COX | DH},
    {"--id", CLI_STR, F(id), CLI_REQUIRED, .only = DH | TOE},
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
    static const char *models[] = {"km", "cox", "dhazard", "toe"};
    int k = 0;
    while (k < 4 && strcmp(cmd, models[k])) k++;
    if (k == 4) return cli_usage("survival", "unknown subcommand '%s' (expected km, cox, dhazard or toe)", cmd);
    char unknown[64];
    snprintf(unknown, sizeof unknown, "survival %s: unknown option %%s", cmd);
    cli_spec spec = {.cmd = "survival", .help = usage, .rows = rows, .unknown = unknown, .missing = "%s needs a value", .variant = 1u << k};
    nt_survival_run_opts o;
    nt_survival_run_opts_default(&o);
    o.model = (nt_survival_model)k;
    int rc = cli_parse(&spec, argc - 1, argv + 1, &o);
    if (rc >= 0) return rc;
    if (o.weights && (!o.wprogram || o.group || o.weight)) {
        cli_free(&spec, &o);
        return cli_usage("survival", "--weights needs --program and goes with neither --group nor --weight");
    }
    o.argc = argc + 1;
    o.argv = argv - 1;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_survival_run(&o, &notes, &err);
    cli_free(&spec, &o);
    return cli_report(&notes, s, &err, NULL);
}
