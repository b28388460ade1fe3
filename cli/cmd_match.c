/* netto match: the option table, then study/nt_match_run (the file, the
   estimate, the tables and the manifest). No statistics here. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
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

#define F(m) CLI_FIELD(nt_match_run_opts, m)
#define WHOLE_1_1000 CLI_RANGE(1, 1000), .bad = "expected a whole number from 1 to 1000"
static const cli_opt rows[] = {
    {"--data", CLI_STR, F(data), CLI_REQUIRED},
    {"--treatment", CLI_STR, F(treatment), CLI_REQUIRED},
    {"--outcomes", CLI_STR, F(outcomes), CLI_REQUIRED},
    {"--covariates", CLI_STR, F(covariates), CLI_REQUIRED},
    {"--out|-o", CLI_STR, F(out), CLI_REQUIRED},
    {"--exact", CLI_STR, F(exact)},
    {"--replace", CLI_FLAG, F(psm.match.replace)},
    {"--pairs", CLI_FLAG, F(pairs)},
    {"--overwrite", CLI_FLAG, F(overwrite)},
    {"--ps-adjust", CLI_FLAG, F(psm.ps_adjust)},
    {"--method", CLI_CHOICE, F(psm.method), .bad = "expected nn, radius, kernel, ipw or aipw",
     CLI_CHOICES({"nn", NT_METHOD_NN}, {"radius", NT_METHOD_RADIUS}, {"kernel", NT_METHOD_KERNEL},
                 {"ipw", NT_METHOD_IPW}, {"aipw", NT_METHOD_AIPW})},
    {"--estimand", CLI_CHOICE, F(psm.estimand), CLI_CHOICES({"ATT", NT_ATT}, {"ATE", NT_ATE}), .bad = "expected ATT or ATE"},
    {"--neighbors|--neighbours", CLI_LONG, F(psm.match.neighbors), WHOLE_1_1000},
    {"--caliper", CLI_DOUBLE, F(psm.caliper_sd), CLI_ABOVE(0),
     .bad = "expected a positive number of standard deviations (leave it out for no caliper)"},
    {"--distance", CLI_CHOICE, F(psm.distance), .bad = "expected logit or probability",
     CLI_CHOICES({"logit", NT_DIST_LOGIT}, {"probability", NT_DIST_PROBABILITY})},
    {"--order", CLI_CHOICE, F(psm.match.order), .bad = "expected largest, smallest, data or random",
     CLI_CHOICES({"largest", NT_ORDER_LARGEST}, {"smallest", NT_ORDER_SMALLEST}, {"data", NT_ORDER_DATA},
                 {"random", NT_ORDER_RANDOM})},
    {"--tie-tolerance", CLI_DOUBLE, F(psm.match.tie_tolerance), CLI_FROM(0), .bad = "expected a number >= 0"},
    {"--tie-rule", CLI_CHOICE, F(tie_matching), CLI_CHOICES({"plain", 0}, {"matching", 1}), .bad = "expected plain or matching"},
    {"--trim", CLI_CHOICE, F(psm.trim), .bad = "expected none, minmax or crump",
     CLI_CHOICES({"none", NT_TRIM_NONE}, {"minmax", NT_TRIM_MINMAX}, {"crump", NT_TRIM_CRUMP})},
    {"--bootstrap", CLI_LONG, F(psm.bootstrap), CLI_RANGE(0, 1000000), .bad = "expected a whole number >= 0"},
    {"--seed", CLI_U64, F(psm.seed), .off2 = offsetof(nt_match_run_opts, psm.match.seed), .bad = "expected a whole number >= 0"},
    {"--kernel", CLI_CHOICE, F(psm.kernel), .bad = "expected epanechnikov or gaussian",
     CLI_CHOICES({"epanechnikov", NT_KERNEL_EPANECHNIKOV}, {"gaussian", NT_KERNEL_GAUSSIAN})},
    {"--bandwidth", CLI_DOUBLE, F(psm.bandwidth), CLI_ABOVE(0), .bad = "expected a positive number"},
    {"--radius-factor", CLI_DOUBLE, F(psm.radius_factor), CLI_ABOVE(0), .bad = "expected a positive number"},
    {"--ai-j", CLI_LONG, F(psm.ai_j), WHOLE_1_1000},
    {"--threads", CLI_LONG, F(threads), CLI_RANGE(1, 4096), .bad = "expected a whole number >= 1"},
    {"--min-cell", CLI_LONG, F(min_cell), CLI_RANGE(0, 1000000000L), .bad = "expected a whole number >= 0"},
    {0}};
static const cli_spec spec = {.cmd = "match", .help = usage, .rows = rows, .unknown = "unknown option %s",
                              .missing = "%s needs a value", .unexpected = "unexpected argument \"%s\""};

int nt_cmd_match(int argc, char **argv)
{
    nt_match_run_opts o;
    nt_match_run_opts_default(&o);
    int rc = cli_parse(&spec, argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.psm.method != NT_METHOD_NN && o.psm.match.neighbors != 1)
        return cli_usage("match", "--neighbors applies to --method nn only");
    if (o.psm.method == NT_METHOD_NN && o.psm.estimand == NT_ATE && !o.psm.match.replace)
        return cli_usage("match", "--estimand ATE with nearest-neighbour matching needs --replace");
    o.argc = argc + 1;
    o.argv = argv - 1;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    nt_status s = nt_match_run(&o, &notes, &err);
    return cli_report(&notes, s, &err, "match");
}
