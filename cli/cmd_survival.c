/* netto survival km|cox|dhazard: parses the options and calls
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

static int parse(int argc, char **argv, nt_survival_model model, nt_survival_run_opts *o, double *cuts)
{
    nt_survival_run_opts_default(o);
    o->model = model;
    int km = model == NT_SURVIVAL_KM, cox = model == NT_SURVIVAL_COX, dh = model == NT_SURVIVAL_DHAZARD;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return -1; }
        if (i + 1 >= argc) return cli_usage("survival", "%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--data")) o->data = v;
        else if (!dh && !strcmp(a, "--start")) o->start = v;
        else if (!cox && !strcmp(a, "--time")) o->time = v;
        else if (cox && !strcmp(a, "--stop")) o->time = v;
        else if (!strcmp(a, "--event")) o->event = v;
        else if (km && !strcmp(a, "--group")) o->group = v;
        else if (!dh && !strcmp(a, "--weight")) o->weight = v;
        else if (!km && !strcmp(a, "--covariates")) o->covariates = v;
        else if (cox && !strcmp(a, "--strata")) o->strata = v;
        else if (!km && !strcmp(a, "--cluster")) o->cluster = v;
        else if (dh && !strcmp(a, "--id")) o->id = v;
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
            if (parse_cuts(v, cuts, &o->n_cuts))
                return cli_usage("survival", "--cuts: found \"%s\", expected ascending period bounds like 3,6,12", v);
            o->cuts = cuts;
        } else return cli_usage("survival", "%s %s: unknown option %s", "survival", argv[0], a);
    }
    if (!o->data) return cli_usage("survival", "--data is required");
    if (!o->time) return cli_usage("survival", cox ? "--stop is required" : "--time is required");
    if (!o->event) return cli_usage("survival", "--event is required");
    if (!km && !o->covariates) return cli_usage("survival", "--covariates is required");
    if (dh && !o->id) return cli_usage("survival", "--id is required");
    if (!o->out) return cli_usage("survival", "--out is required");
    return 0;
}

int nt_cmd_survival(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) { usage(stdout); return 0; }
    static const char *models[] = {"km", "cox", "dhazard"};
    int k = 0;
    while (k < 3 && strcmp(cmd, models[k])) k++;
    if (k == 3) return cli_usage("survival", "unknown subcommand '%s' (expected km, cox or dhazard)", cmd);
    nt_survival_run_opts o;
    double cuts[MAX_CUTS];
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
