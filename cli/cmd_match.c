/* netto match: parses the options and calls study/nt_match_run (the file,
   the estimate, the tables and the manifest). No statistics here. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "study/nt_match_run.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: netto match --data F.csv --treatment COL --outcomes C1[,C2..] --covariates X1[,X2..]\n"
            "         [--method nn|radius|kernel|ipw|aipw] [--estimand ATT|ATE] [--neighbors K]\n"
            "         [--caliper C] [--replace] [--distance logit|probability]\n"
            "         [--order largest|smallest|data|random] [--tie-tolerance D] [--tie-rule plain|matching]\n"
            "         [--exact X1,..] [--trim none|minmax|crump] [--bootstrap B] [--seed S]\n"
            "         [--kernel epanechnikov|gaussian] [--bandwidth H] [--radius-factor Q] [--ai-j J]\n"
            "         [--ps-adjust] [--pairs] [--threads T] [--min-cell N] [--overwrite] --out DIR\n"
            "\n"
            "Fits a logit propensity score on the covariates (text columns and X:cat are categorical),\n"
            "then estimates the effect on each outcome:\n"
            "  nn      nearest neighbour; default 1 neighbour, without replacement, largest score first;\n"
            "          Abadie-Imbens (2006) standard errors (sigma^2 from --ai-j same-arm neighbours, 2)\n"
            "  radius  radius matching with regression bias adjustment (Lechner, Miquel & Wunsch 2011),\n"
            "          radius = --radius-factor (1.5) x the largest 1:1 nearest-neighbour distance\n"
            "  kernel  kernel matching, --kernel (epanechnikov), --bandwidth (Silverman's rule)\n"
            "  ipw     inverse probability weighting, normalised (Hajek) weights\n"
            "  aipw    augmented IPW (doubly robust), linear outcome model per arm\n"
            "--caliper C is in SDs of the distance (logit score by default) over the sample after\n"
            "--trim; treated without a control within it are dropped and counted. --exact matches\n"
            "within cells of those columns. --tie-tolerance D: with replacement, controls within D of\n"
            "the k-th distance share the weight; --tie-rule matching applies D as R Matching's\n"
            "distance.tolerance (squared standardised distances). --bootstrap B resamples persons and\n"
            "redoes everything (standard error = sd of the replicates, percentile intervals).\n"
            "--ps-adjust (nn) adds the Abadie-Imbens (2016) term for the estimated propensity score\n"
            "to the standard error (as Stata teffects psmatch).\n"
            "--pairs writes DIR/private/matched_pairs.csv (person level; never beside the tables).\n"
            "--overwrite allows a non-empty DIR. --min-cell N empties statistics resting on fewer\n"
            "than N persons. Writes effects.csv, balance.csv, pscore.csv, manifest.json.\n");
}

static int parse(int argc, char **argv, nt_match_run_opts *o)
{
    nt_match_run_opts_default(o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return -1; }
        if (!strcmp(a, "--replace")) { o->psm.match.replace = 1; continue; }
        if (!strcmp(a, "--pairs")) { o->pairs = 1; continue; }
        if (!strcmp(a, "--overwrite")) { o->overwrite = 1; continue; }
        if (!strcmp(a, "--ps-adjust")) { o->psm.ps_adjust = 1; continue; }
        if (strncmp(a, "-", 1)) return cli_usage("match", "unexpected argument \"%s\"", a);
        if (i + 1 >= argc) return cli_usage("match", "%s needs a value", a);
        const char *v = argv[++i];
        long l;
        double d;
        unsigned long long u;
        if (!strcmp(a, "--data")) o->data = v;
        else if (!strcmp(a, "--treatment")) o->treatment = v;
        else if (!strcmp(a, "--outcomes")) o->outcomes = v;
        else if (!strcmp(a, "--covariates")) o->covariates = v;
        else if (!strcmp(a, "--exact")) o->exact = v;
        else if (!strcmp(a, "--out") || !strcmp(a, "-o")) o->out = v;
        else if (!strcmp(a, "--method")) {
            int k = nt_method_parse(v);
            if (k < 0) return cli_usage("match", "--method: found \"%s\", expected nn, radius, kernel, ipw or aipw", v);
            o->psm.method = (nt_method)k;
        } else if (!strcmp(a, "--estimand")) {
            if (!strcmp(v, "ATT")) o->psm.estimand = NT_ATT;
            else if (!strcmp(v, "ATE")) o->psm.estimand = NT_ATE;
            else return cli_usage("match", "--estimand: found \"%s\", expected ATT or ATE", v);
        } else if (!strcmp(a, "--neighbors") || !strcmp(a, "--neighbours")) {
            if (cli_parse_long(v, 1, 1000, &l)) return cli_usage("match", "%s: found \"%s\", expected a whole number from 1 to 1000", a, v);
            o->psm.match.neighbors = (int)l;
        } else if (!strcmp(a, "--caliper")) {
            if (cli_parse_double(v, &d) || !(d > 0))
                return cli_usage("match", "--caliper: found \"%s\", expected a positive number of standard deviations (leave it out for no caliper)", v);
            o->psm.caliper_sd = d;
        } else if (!strcmp(a, "--distance")) {
            if (!strcmp(v, "logit")) o->psm.distance = NT_DIST_LOGIT;
            else if (!strcmp(v, "probability")) o->psm.distance = NT_DIST_PROBABILITY;
            else return cli_usage("match", "--distance: found \"%s\", expected logit or probability", v);
        } else if (!strcmp(a, "--order")) {
            const char *names[] = {"largest", "smallest", "data", "random"};
            int k = -1;
            for (int j = 0; j < 4; j++) if (!strcmp(v, names[j])) k = j;
            if (k < 0) return cli_usage("match", "--order: found \"%s\", expected largest, smallest, data or random", v);
            o->psm.match.order = (nt_match_order)k;
        } else if (!strcmp(a, "--tie-tolerance")) {
            if (cli_parse_double(v, &d) || d < 0) return cli_usage("match", "--tie-tolerance: found \"%s\", expected a number >= 0", v);
            o->psm.match.tie_tolerance = d;
        } else if (!strcmp(a, "--tie-rule")) {
            if (!strcmp(v, "plain")) o->tie_matching = 0;
            else if (!strcmp(v, "matching")) o->tie_matching = 1;
            else return cli_usage("match", "--tie-rule: found \"%s\", expected plain or matching", v);
        } else if (!strcmp(a, "--trim")) {
            if (!strcmp(v, "none")) o->psm.trim = NT_TRIM_NONE;
            else if (!strcmp(v, "minmax")) o->psm.trim = NT_TRIM_MINMAX;
            else if (!strcmp(v, "crump")) o->psm.trim = NT_TRIM_CRUMP;
            else return cli_usage("match", "--trim: found \"%s\", expected none, minmax or crump", v);
        } else if (!strcmp(a, "--bootstrap")) {
            if (cli_parse_long(v, 0, 1000000, &l)) return cli_usage("match", "--bootstrap: found \"%s\", expected a whole number >= 0", v);
            o->psm.bootstrap = (int)l;
        } else if (!strcmp(a, "--seed")) {
            if (cli_parse_u64(v, &u)) return cli_usage("match", "--seed: found \"%s\", expected a whole number >= 0", v);
            o->psm.seed = u;
            o->psm.match.seed = u;
        } else if (!strcmp(a, "--kernel")) {
            if (!strcmp(v, "epanechnikov")) o->psm.kernel = NT_KERNEL_EPANECHNIKOV;
            else if (!strcmp(v, "gaussian")) o->psm.kernel = NT_KERNEL_GAUSSIAN;
            else return cli_usage("match", "--kernel: found \"%s\", expected epanechnikov or gaussian", v);
        } else if (!strcmp(a, "--bandwidth")) {
            if (cli_parse_double(v, &d) || !(d > 0)) return cli_usage("match", "--bandwidth: found \"%s\", expected a positive number", v);
            o->psm.bandwidth = d;
        } else if (!strcmp(a, "--radius-factor")) {
            if (cli_parse_double(v, &d) || !(d > 0)) return cli_usage("match", "--radius-factor: found \"%s\", expected a positive number", v);
            o->psm.radius_factor = d;
        } else if (!strcmp(a, "--ai-j")) {
            if (cli_parse_long(v, 1, 1000, &l)) return cli_usage("match", "--ai-j: found \"%s\", expected a whole number from 1 to 1000", v);
            o->psm.ai_j = (int)l;
        } else if (!strcmp(a, "--threads")) {
            if (cli_parse_long(v, 1, 4096, &l)) return cli_usage("match", "--threads: found \"%s\", expected a whole number >= 1", v);
            o->threads = (int)l;
        } else if (!strcmp(a, "--min-cell")) {
            if (cli_parse_long(v, 0, 1000000000L, &o->min_cell))
                return cli_usage("match", "--min-cell: found \"%s\", expected a whole number >= 0", v);
        } else return cli_usage("match", "unknown option %s", a);
    }
    if (!o->data) return cli_usage("match", "--data is required");
    if (!o->treatment) return cli_usage("match", "--treatment is required");
    if (!o->outcomes) return cli_usage("match", "--outcomes is required");
    if (!o->covariates) return cli_usage("match", "--covariates is required");
    if (!o->out) return cli_usage("match", "--out is required");
    if (o->psm.method != NT_METHOD_NN && o->psm.match.neighbors != 1)
        return cli_usage("match", "--neighbors applies to --method nn only");
    if (o->psm.method == NT_METHOD_NN && o->psm.estimand == NT_ATE && !o->psm.match.replace)
        return cli_usage("match", "--estimand ATE with nearest-neighbour matching needs --replace");
    return 0;
}


int nt_cmd_match(int argc, char **argv)
{
    nt_match_run_opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;
    o.argc = argc + 1;
    o.argv = argv - 1;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_match_run(&o, &notes, &err);
    return cli_report(&notes, s, &err, "match");
}
