/* netto survival km|cox|dhazard|toe: parses the options and calls
   study/nt_survival_run (the file, the fit, the tables, the manifest).
   No statistics here. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "study/nt_survival_run.h"

#define MAX_CUTS 256

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
            "       netto survival toe --data F.csv --id ID --time T --exit E --entry P --covariates X1[,..]\n"
            "                          (--in-program C | --lockin-months N) [--baseline-cuts C1,..]\n"
            "                          [--exit-cuts ..] [--entry-cuts ..] [--effect-cuts ..] [--lockin-cuts ..]\n"
            "                          [--post-cuts ..] [--mass-points K|K1:K2] [--criterion aic|bic]\n"
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
            "toe: timing-of-events model (docs/toe.md) on person-period rows (a person's rows\n"
            "     together, T increasing; E = 1 in the month of the exit to work, P = 1 in the\n"
            "     month of programme entry): cloglog hazards of exit and entry, piecewise-constant\n"
            "     baselines (pieces (C_k-1, C_k] of T), lock-in and post-programme effects on the\n"
            "     exit (pieces of months since entry), 1..6 mass points (default 1:6, chosen by AIC)\n"
            "     -> toe.csv, toe_fit.csv. In the programme: the 0/1 column C, or N months after entry.\n"
            "Event columns are 0/1. Rows with a missing value in a used column are dropped and\n"
            "counted. --min-cell N empties statistics resting on fewer than N persons.\n");
}

/* "3,6,12": ascending numbers. */
static int parse_cuts(const char *v, double *cuts, int *n)
{
    char buf[4096];
    if (strlen(v) >= sizeof buf) return -1;
    strcpy(buf, v);
    *n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        if (*n == MAX_CUTS || cli_parse_double(tok, &cuts[*n])) return -1;
        if (*n > 0 && !(cuts[*n] > cuts[*n - 1])) return -1;
        ++*n;
    }
    return *n > 0 ? 0 : -1;
}

static int parse_toe(const char *a, const char *v, nt_survival_run_opts *o, double (*cuts)[MAX_CUTS])
{
    static const char *names[] = {"--baseline-cuts", "--exit-cuts", "--entry-cuts", "--effect-cuts", "--lockin-cuts", "--post-cuts"};
    const double **ptr[] = {&o->baseline_cuts, &o->exit_cuts, &o->entry_cuts, &o->effect_cuts, &o->lockin_cuts, &o->post_cuts};
    int *num[] = {&o->n_baseline_cuts, &o->n_exit_cuts, &o->n_entry_cuts, &o->n_effect_cuts, &o->n_lockin_cuts, &o->n_post_cuts};
    for (int k = 0; k < 6; k++)
        if (!strcmp(a, names[k])) {
            if (parse_cuts(v, cuts[k + 1], num[k]))
                return cli_usage("survival", "%s: found \"%s\", expected ascending bounds like 3,6,12", a, v);
            *ptr[k] = cuts[k + 1];
            return 0;
        }
    if (!strcmp(a, "--exit")) o->event = v;
    else if (!strcmp(a, "--entry")) o->entry = v;
    else if (!strcmp(a, "--in-program")) o->program = v;
    else if (!strcmp(a, "--mass-points")) o->mass_points = v;
    else if (!strcmp(a, "--lockin-months")) {
        if (cli_parse_double(v, &o->lockin_months) || !(o->lockin_months > 0))
            return cli_usage("survival", "--lockin-months: found \"%s\", expected a number > 0", v);
    } else if (!strcmp(a, "--criterion")) {
        if (!strcmp(v, "aic")) o->criterion = 0;
        else if (!strcmp(v, "bic")) o->criterion = 1;
        else return cli_usage("survival", "--criterion: found \"%s\", expected aic or bic", v);
    } else return 1;
    return 0;
}

static int parse(int argc, char **argv, nt_survival_model model, nt_survival_run_opts *o, double (*cuts)[MAX_CUTS])
{
    nt_survival_run_opts_default(o);
    o->model = model;
    int km = model == NT_SURVIVAL_KM, cox = model == NT_SURVIVAL_COX, dh = model == NT_SURVIVAL_DHAZARD;
    int toe = model == NT_SURVIVAL_TOE;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return -1; }
        if (i + 1 >= argc) return cli_usage("survival", "%s needs a value", a);
        const char *v = argv[++i];
        int rc = toe ? parse_toe(a, v, o, cuts) : 1;
        if (rc != 1) { if (rc) return rc; continue; }
        if (!strcmp(a, "--data")) o->data = v;
        else if (!dh && !toe && !strcmp(a, "--start")) o->start = v;
        else if (!cox && !strcmp(a, "--time")) o->time = v;
        else if (cox && !strcmp(a, "--stop")) o->time = v;
        else if (!toe && !strcmp(a, "--event")) o->event = v;
        else if (km && !strcmp(a, "--group")) o->group = v;
        else if (!dh && !toe && !strcmp(a, "--weight")) o->weight = v;
        else if (!km && !strcmp(a, "--covariates")) o->covariates = v;
        else if (cox && !strcmp(a, "--strata")) o->strata = v;
        else if ((cox || dh) && !strcmp(a, "--cluster")) o->cluster = v;
        else if ((dh || toe) && !strcmp(a, "--id")) o->id = v;
        else if (!strcmp(a, "--out") || !strcmp(a, "-o")) o->out = v;
        else if (!strcmp(a, "--min-cell")) {
            if (cli_parse_long(v, 0, 1000000000L, &o->min_cell))
                return cli_usage("survival", "--min-cell: found \"%s\", expected a whole number >= 0", v);
        } else if (km && !strcmp(a, "--conf-type")) {
            if (!strcmp(v, "log")) o->conf = NT_CONF_LOG;
            else if (!strcmp(v, "log-log")) o->conf = NT_CONF_LOGLOG;
            else if (!strcmp(v, "plain")) o->conf = NT_CONF_PLAIN;
            else return cli_usage("survival", "--conf-type: found \"%s\", expected log, log-log or plain", v);
        } else if (cox && !strcmp(a, "--ties")) {
            if (!strcmp(v, "efron")) o->ties = NT_TIES_EFRON;
            else if (!strcmp(v, "breslow")) o->ties = NT_TIES_BRESLOW;
            else return cli_usage("survival", "--ties: found \"%s\", expected efron or breslow", v);
        } else if (dh && !strcmp(a, "--link")) {
            if (!strcmp(v, "logit")) o->link = NT_LINK_LOGIT;
            else if (!strcmp(v, "cloglog")) o->link = NT_LINK_CLOGLOG;
            else return cli_usage("survival", "--link: found \"%s\", expected logit or cloglog", v);
        } else if (dh && !strcmp(a, "--cuts")) {
            if (parse_cuts(v, cuts[0], &o->n_cuts))
                return cli_usage("survival", "--cuts: found \"%s\", expected ascending period bounds like 3,6,12", v);
            o->cuts = cuts[0];
        } else return cli_usage("survival", "%s %s: unknown option %s", "survival", argv[0], a);
    }
    if (!o->data) return cli_usage("survival", "--data is required");
    if (!o->time) return cli_usage("survival", cox ? "--stop is required" : "--time is required");
    if (!o->event) return cli_usage("survival", toe ? "--exit is required" : "--event is required");
    if (toe && !o->entry) return cli_usage("survival", "--entry is required");
    if (!km && !o->covariates) return cli_usage("survival", "--covariates is required");
    if ((dh || toe) && !o->id) return cli_usage("survival", "--id is required");
    if (!o->out) return cli_usage("survival", "--out is required");
    return 0;
}

int nt_cmd_survival(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) { usage(stdout); return 0; }
    static const char *models[] = {"km", "cox", "dhazard", "toe"};
    int k = 0;
    while (k < 4 && strcmp(cmd, models[k])) k++;
    if (k == 4) return cli_usage("survival", "unknown subcommand '%s' (expected km, cox, dhazard or toe)", cmd);
    nt_survival_run_opts o;
    static double cuts[7][MAX_CUTS];
    int rc = parse(argc - 1, argv + 1, (nt_survival_model)k, &o, cuts);
    if (rc) return rc < 0 ? 0 : rc;
    o.argc = argc + 1;
    o.argv = argv - 1;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_survival_run(&o, &notes, &err);
    return cli_report(&notes, s, &err, NULL);
}
