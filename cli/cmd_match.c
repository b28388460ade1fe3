/* netto match: propensity-score matching and weighting on a flat file (one
   row per person). Parses options, reads the file through data/nt_flat and
   data/nt_design, calls estimators/nt_psm, writes effects.csv, balance.csv,
   pscore.csv and manifest.json through report/nt_table and report/nt_manifest.
   No statistics are computed here. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/nt_file.h"
#include "estimators/nt_psm.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"
#include "data/nt_store.h"
#include "report/nt_manifest.h"
#include "report/nt_table.h"

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

typedef struct {
    const char *data, *treatment, *outcomes, *covariates, *exact, *out;
    nt_psm_opts psm;
    int pairs, overwrite, threads, tie_matching;
    long min_cell;
} opts;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *order_name(nt_match_order o)
{
    static const char *n[] = {"largest", "smallest", "data", "random"};
    return n[o];
}

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    nt_psm_opts_default(&o->psm);
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


static const nt_flat_column *g_col;
static int cmp_rows_by_value(const void *a, const void *b)
{
    long i = *(const long *)a, j = *(const long *)b;
    int c = strcmp(g_col->str[i], g_col->str[j]);
    return c ? c : (i > j) - (i < j);
}

/* Exact-match cell id per kept row: the combination of the exact columns'
   values (levels coded in bytewise order, mixed radix). */
static nt_status exact_cells(const nt_flat *f, const int *cols, int ncols, const long *row, long n,
                             long *cell, long *ncells, nt_error *err)
{
    long *o = malloc((size_t)(n ? n : 1) * sizeof *o), *pos = malloc((size_t)(f->n_rows ? f->n_rows : 1) * sizeof *pos);
    if (!o || !pos) { free(o); free(pos); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long i = 0; i < n; i++) { cell[i] = 0; pos[row[i]] = i; }
    long radix = 1;
    for (int c = 0; c < ncols; c++) {
        g_col = &f->cols[cols[c]];
        for (long i = 0; i < n; i++) o[i] = row[i];
        qsort(o, (size_t)n, sizeof *o, cmp_rows_by_value);
        long k = 0;
        for (long i = 0; i < n; i++) {
            if (i > 0 && strcmp(g_col->str[o[i]], g_col->str[o[i - 1]])) k++;
            cell[pos[o[i]]] += k * radix;
        }
        if (radix > (1L << 40) / (k + 1)) { free(o); free(pos); return nt_fail(err, NT_EINPUT, "too many exact-match cells"); }
        radix *= k + 1;
    }
    *ncells = radix;
    free(o);
    free(pos);
    return NT_OK;
}

int nt_cmd_match(int argc, char **argv)
{
    opts o;
    int rc = parse(argc, argv, &o);
    if (rc) return rc < 0 ? 0 : rc;
    if (o.threads > 0) omp_set_num_threads(o.threads);
    o.psm.match.tie_scale = 0;
    double t0 = now();
    nt_error err;
    nt_error_clear(&err);
    nt_status s = NT_OK;
    nt_flat *f = NULL;
    nt_design *des = NULL;
    nt_psm_result *res = NULL;
    nt_manifest *man = nt_manifest_alloc(argc + 1, argv - 1);
    nt_table *te = NULL, *tb = NULL, *tp = NULL, *tq = NULL;
    char **outs = NULL, **covs = NULL, **exs = NULL;
    int nout = 0, ncov = 0, nex = 0;
    uint8_t *tr = NULL;
    double *y = NULL;
    long *cell = NULL;
    const char **req = NULL;
    char path[4200];

    if (!o.overwrite && nt_dir_nonempty(o.out)) {
        s = nt_fail_at(&err, NT_EIO, o.out, 0, NULL, "the output folder exists and is not empty; choose another --out or add --overwrite");
        goto done;
    }
    nout = nt_words_split(o.outcomes, &outs);
    ncov = nt_words_split(o.covariates, &covs);
    if (o.exact) nex = nt_words_split(o.exact, &exs);
    if (nout <= 0 || ncov <= 0) { rc = cli_usage("match", "--outcomes and --covariates need at least one column name"); goto cleanup; }
    double t1 = now();
    if ((s = nt_flat_read(o.data, &f, &err))) goto done;
    int ct, *cy = calloc((size_t)nout, sizeof *cy), *cx = calloc((size_t)(nex ? nex : 1), sizeof *cx);
    if (!cy || !cx) { free(cy); free(cx); s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    if (!(s = nt_flat_require(f, o.treatment, &ct, &err))) s = nt_flat_require_binary(f, ct, &err);
    for (int k = 0; k < nout && !s; k++) s = nt_flat_require_numeric(f, outs[k], &cy[k], &err);
    for (int k = 0; k < nex && !s; k++) s = nt_flat_require(f, exs[k], &cx[k], &err);
    if (s) { free(cy); free(cx); goto done; }
    req = malloc((size_t)(1 + nout + nex) * sizeof *req);
    if (!req) { free(cy); free(cx); s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    req[0] = o.treatment;
    for (int k = 0; k < nout; k++) req[1 + k] = outs[k];
    for (int k = 0; k < nex; k++) req[1 + nout + k] = exs[k];
    nt_design_opts dopt = {.intercept = 1, .reject_constant = 1};
    if ((s = nt_design_build(f, (const char *const *)covs, ncov, req, 1 + nout + nex, &dopt, &des, &err))) { free(cy); free(cx); goto done; }
    long n = des->n;
    tr = malloc((size_t)n);
    y = malloc((size_t)n * (size_t)nout * sizeof *y);
    if (nex) cell = malloc((size_t)n * sizeof *cell);
    if (!tr || !y || (nex && !cell)) { free(cy); free(cx); s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    long n1 = 0;
    for (long i = 0; i < n; i++) {
        tr[i] = f->cols[ct].num[des->row[i]] == 1;
        n1 += tr[i];
        for (int k = 0; k < nout; k++) y[(size_t)k * n + i] = f->cols[cy[k]].num[des->row[i]];
    }
    long ncells = 1;
    if (nex) s = exact_cells(f, cx, nex, des->row, n, cell, &ncells, &err);
    free(cy);
    free(cx);
    if (s) goto done;
    if (n1 == 0 || n1 == n) {
        s = nt_fail_at(&err, NT_EINPUT, f->path, 0, f->cols[ct].name, "no %s (value %d) among the %ld rows used",
                       n1 == 0 ? "treated rows" : "control rows", n1 == 0 ? 1 : 0, n);
        goto done;
    }
    nt_manifest_timing(man, "read", now() - t1);
    /* Report rows dropped for missing values. */
    nt_manifest_count(man, "rows_read", (double)f->n_rows);
    nt_manifest_count(man, "rows_used", (double)n);
    nt_manifest_count(man, "rows_dropped_missing", (double)des->n_dropped);
    if (des->n_dropped > 0) {
        fprintf(stderr, "netto match: %ld of %ld rows dropped for a missing value (", des->n_dropped, f->n_rows);
        int first = 1;
        for (int k = 0; k < ncov + 1 + nout + nex; k++) {
            long c = des->dropped_by[k];
            if (!c) continue;
            const char *name = k < ncov ? covs[k] : req[k - ncov];
            char key[160];
            snprintf(key, sizeof key, "rows_dropped_missing:%s", name);
            nt_manifest_count(man, key, (double)c);
            fprintf(stderr, "%s%s: %ld", first ? "" : ", ", name, c);
            first = 0;
        }
        fprintf(stderr, ")\n");
        nt_manifest_warning(man, "%ld rows dropped for a missing value", des->n_dropped);
    }
    t1 = now();
    /* Matching's tie rule standardises by the sd of the score, known only
       after the fit: a negative tie_scale asks nt_psm to resolve it. */
    if (o.tie_matching) o.psm.match.tie_scale = -1;
    s = nt_psm_estimate(des->x, n, des->p, (const char *const *)des->term, des->var_of_term, tr, y, nout, cell, &o.psm, &res, &err);
    if (s) {
        if (!err.file[0]) snprintf(err.file, sizeof err.file, "%.255s", f->path);
        goto done;
    }
    nt_manifest_timing(man, "estimate", now() - t1);

    /* Tables. */
    if ((s = nt_mkdirs(o.out, &err))) goto done;
    const char *ec[] = {"program", "subgroup", "outcome", "month", "estimand", "method", "estimate", "se", "ci_lower",
                        "ci_upper", "n_treated", "n_control", "n_treated_matched", "n_control_used", "se_method"};
    const nt_col_kind ek[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT,
                              NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_KEY};
    te = nt_table_alloc(ec, ek, 15);
    if (!te) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    for (int k = 0; k < nout; k++) {
        const nt_psm_effect *e = &res->effects[k];
        if (nt_table_add_row(te)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        nt_table_set_str(te, "outcome", outs[k]);
        nt_table_set_str(te, "estimand", o.psm.estimand == NT_ATT ? "ATT" : "ATE");
        nt_table_set_str(te, "method", nt_method_name(o.psm.method));
        nt_table_set_num(te, "estimate", e->estimate);
        nt_table_set_num(te, "se", e->se);
        nt_table_set_num(te, "ci_lower", e->ci_lower);
        nt_table_set_num(te, "ci_upper", e->ci_upper);
        nt_table_set_int(te, "n_treated", e->n_treated);
        nt_table_set_int(te, "n_control", e->n_control);
        nt_table_set_int(te, "n_treated_matched", e->n_treated_matched);
        nt_table_set_int(te, "n_control_used", e->n_control_used);
        nt_table_set_str(te, "se_method", res->se_method);
        nt_table_set_basis(te, e->n_treated_matched < e->n_control_used ? e->n_treated_matched : e->n_control_used);
    }
    nt_path_join(path, sizeof path, o.out, "effects.csv");
    if ((s = nt_table_write_csv(te, path, o.min_cell, &err))) goto done;

    const char *bc[] = {"program", "subgroup", "covariate", "mean_treated", "mean_control_before", "mean_control_after",
                        "smd_before", "smd_after", "var_ratio_before", "var_ratio_after", "mean_treated_after"};
    const nt_col_kind bk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                              NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    tb = nt_table_alloc(bc, bk, 11);
    if (!tb) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    long tm = res->effects[0].n_treated_matched, cu = res->effects[0].n_control_used;
    long bbasis = res->n_treated < res->n_control ? res->n_treated : res->n_control;
    if (tm < bbasis) bbasis = tm;
    if (cu < bbasis) bbasis = cu;
    for (int j = 1; j < des->p; j++) {
        const nt_balance_row *b = &res->balance[j - 1];
        if (nt_table_add_row(tb)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        nt_table_set_str(tb, "covariate", des->term[j]);
        nt_table_set_num(tb, "mean_treated", b->mean_treated);
        nt_table_set_num(tb, "mean_control_before", b->mean_control_before);
        nt_table_set_num(tb, "mean_control_after", b->mean_control_after);
        nt_table_set_num(tb, "smd_before", b->smd_before);
        nt_table_set_num(tb, "smd_after", b->smd_after);
        nt_table_set_num(tb, "var_ratio_before", b->var_ratio_before);
        nt_table_set_num(tb, "var_ratio_after", b->var_ratio_after);
        nt_table_set_num(tb, "mean_treated_after", b->mean_treated_after);
        nt_table_set_basis(tb, bbasis);
    }
    nt_path_join(path, sizeof path, o.out, "balance.csv");
    if ((s = nt_table_write_csv(tb, path, o.min_cell, &err))) goto done;

    const char *pc[] = {"program", "subgroup", "start_interval", "term", "estimate", "se"};
    const nt_col_kind pk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT};
    tp = nt_table_alloc(pc, pk, 6);
    if (!tp) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    for (int j = 0; j < des->p; j++) {
        if (nt_table_add_row(tp)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        nt_table_set_str(tp, "term", des->term[j]);
        nt_table_set_num(tp, "estimate", res->glm->beta[j]);
        nt_table_set_num(tp, "se", res->glm->se[j]);
        nt_table_set_basis(tp, n1 < n - n1 ? n1 : n - n1);
    }
    nt_path_join(path, sizeof path, o.out, "pscore.csv");
    if ((s = nt_table_write_csv(tp, path, o.min_cell, &err))) goto done;

    if (o.pairs && res->att) {
        /* Person level: only under <out>/private/. Rows are the file's physical lines. */
        char priv[4200];
        nt_path_join(priv, sizeof priv, o.out, "private");
        if ((s = nt_mkdirs(priv, &err))) goto done;
        const char *qc[] = {"focal_line", "match_line", "focal_treated", "weight"};
        const nt_col_kind qk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY};
        tq = nt_table_alloc(qc, qk, 4);
        if (!tq) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        const nt_matchset *sets[2] = {res->att, res->atc};
        for (int a = 0; a < 2; a++) {
            const nt_matchset *m = sets[a];
            if (!m) continue;
            for (long i = 0; i < n; i++)
                for (long q = m->start[i]; q < m->start[i + 1]; q++) {
                    if (nt_table_add_row(tq)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
                    nt_table_set_int(tq, "focal_line", f->line[des->row[i]]);
                    nt_table_set_int(tq, "match_line", f->line[des->row[m->match[q]]]);
                    nt_table_set_int(tq, "focal_treated", m->focal_arm);
                    nt_table_set_num(tq, "weight", m->w[q]);
                }
        }
        nt_path_join(path, sizeof path, priv, "matched_pairs.csv");
        if ((s = nt_table_write_csv(tq, path, 0, &err))) goto done;
    }

    /* Manifest: every resolved setting. */
    nt_manifest_setting_str(man, NULL, "data", o.data);
    nt_manifest_setting_str(man, NULL, "treatment", o.treatment);
    nt_manifest_setting_str(man, NULL, "outcomes", o.outcomes);
    nt_manifest_setting_str(man, NULL, "covariates", o.covariates);
    nt_manifest_setting_str(man, NULL, "exact", o.exact ? o.exact : "");
    nt_manifest_setting_str(man, NULL, "method", nt_method_name(o.psm.method));
    nt_manifest_setting_str(man, NULL, "estimand", o.psm.estimand == NT_ATT ? "ATT" : "ATE");
    nt_manifest_setting_str(man, NULL, "propensity_model", "logit, IRLS as R glm (epsilon 1e-8, maxit 25)");
    nt_manifest_setting_str(man, NULL, "distance", o.psm.distance == NT_DIST_LOGIT ? "logit" : "probability");
    nt_manifest_setting_num(man, NULL, "neighbors", o.psm.match.neighbors);
    nt_manifest_setting_bool(man, NULL, "replace", o.psm.match.replace);
    nt_manifest_setting_str(man, NULL, "order", order_name(o.psm.match.order));
    nt_manifest_setting_num(man, NULL, "caliper_sd", o.psm.caliper_sd);
    nt_manifest_setting_num(man, NULL, "caliper_distance_units", res->caliper);
    nt_manifest_setting_str(man, NULL, "caliper_sd_basis", "sd (n - 1) of the distance over all units kept after trimming");
    nt_manifest_setting_num(man, NULL, "distance_sd", res->score_sd);
    nt_manifest_setting_num(man, NULL, "tie_tolerance", o.psm.match.tie_tolerance);
    nt_manifest_setting_str(man, NULL, "tie_rule", o.tie_matching ? "matching (squared standardised distance)" : "plain (|d - d_k| <= tolerance)");
    nt_manifest_setting_str(man, NULL, "trim", nt_trim_name(o.psm.trim));
    nt_manifest_setting_num(man, NULL, "trim_lower", isfinite(res->trim_lo) ? res->trim_lo : 0);
    nt_manifest_setting_num(man, NULL, "trim_upper", isfinite(res->trim_hi) ? res->trim_hi : 1);
    nt_manifest_setting_str(man, NULL, "kernel", nt_kernel_name(o.psm.kernel));
    nt_manifest_setting_num(man, NULL, "bandwidth", o.psm.method == NT_METHOD_KERNEL ? res->bandwidth : o.psm.bandwidth);
    nt_manifest_setting_str(man, NULL, "bandwidth_rule", o.psm.bandwidth > 0 ? "given" : "1.06 sd(score of the arm matched to) n^-1/5");
    nt_manifest_setting_num(man, NULL, "radius_factor", o.psm.radius_factor);
    nt_manifest_setting_num(man, NULL, "radius", res->radius);
    nt_manifest_setting_num(man, NULL, "ai_j", o.psm.ai_j);
    nt_manifest_setting_bool(man, NULL, "ps_adjust", o.psm.ps_adjust);
    nt_manifest_setting_num(man, NULL, "ps_adjust_neighbors", o.psm.ps_adjust_l);
    nt_manifest_setting_str(man, NULL, "se_method", res->se_method);
    nt_manifest_setting_str(man, NULL, "aipw_outcome_model", "OLS of the outcome on the covariates (model terms), separately per arm");
    nt_manifest_setting_num(man, NULL, "bootstrap", o.psm.bootstrap);
    nt_manifest_setting_num(man, NULL, "min_cell", (double)o.min_cell);
    nt_manifest_setting_bool(man, NULL, "pairs", o.pairs);
    nt_manifest_set_seed(man, o.psm.seed);
    nt_manifest_count(man, "treated", (double)n1);
    nt_manifest_count(man, "controls", (double)(n - n1));
    nt_manifest_count(man, "exact_cells", (double)ncells);
    nt_manifest_count(man, "treated_dropped_support", (double)res->dropped_support_treated);
    nt_manifest_count(man, "controls_dropped_support", (double)res->dropped_support_controls);
    nt_manifest_count(man, "treated_unmatched", (double)res->unmatched_treated);
    nt_manifest_count(man, "controls_unmatched", (double)res->unmatched_controls);
    nt_manifest_count(man, "glm_iterations", res->glm->iterations);
    if (o.psm.bootstrap > 0) {
        nt_manifest_count(man, "bootstrap_replicates_ok", res->bootstrap_done);
        nt_manifest_count(man, "bootstrap_replicates_failed", res->bootstrap_failed);
    }
    if (res->dropped_support_treated + res->dropped_support_controls > 0) {
        nt_manifest_warning(man, "%ld treated and %ld controls dropped outside common support (%s)",
                            res->dropped_support_treated, res->dropped_support_controls, nt_trim_name(o.psm.trim));
        fprintf(stderr, "netto match: warning: %ld treated and %ld controls dropped outside common support\n",
                res->dropped_support_treated, res->dropped_support_controls);
    }
    if (res->unmatched_treated > 0) {
        nt_manifest_warning(man, "%ld of %ld treated have no match (caliper, exact cell or kernel support) and are dropped; the estimand is the effect on the matched treated",
                            res->unmatched_treated, res->n_treated);
        fprintf(stderr, "netto match: warning: %ld of %ld treated have no match and are dropped\n", res->unmatched_treated, res->n_treated);
    }
    if (res->unmatched_controls > 0)
        nt_manifest_warning(man, "%ld controls have no treated match (ATE part) and are dropped", res->unmatched_controls);
    if (res->ps_adjust_negative > 0)
        nt_manifest_warning(man, "the Abadie-Imbens (2016) term made the variance non-positive for %d outcome(s); their unadjusted standard error is reported", res->ps_adjust_negative);
    if (o.psm.ps_adjust && o.psm.method != NT_METHOD_NN)
        nt_manifest_warning(man, "--ps-adjust applies to --method nn only and was ignored");
    if (res->bootstrap_failed > 0)
        nt_manifest_warning(man, "%d bootstrap replicates failed (e.g. separation in the resample) and were left out", res->bootstrap_failed);
    if (o.psm.bootstrap > 0 && o.psm.method == NT_METHOD_NN && o.psm.match.replace)
        nt_manifest_warning(man, "the bootstrap is not valid for nearest-neighbour matching with replacement and a fixed number of neighbours (Abadie & Imbens 2008); prefer the Abadie-Imbens standard error");
    if ((s = nt_manifest_add_input(man, o.data, &err))) goto done;
    nt_manifest_disclosure(man, o.min_cell, o.min_cell > 0);
    nt_manifest_set_threads(man, omp_get_max_threads());
    nt_manifest_timing(man, "total", now() - t0);
    nt_path_join(path, sizeof path, o.out, "manifest.json");
    nt_manifest_platform(man, "hdf5", nt_store_hdf5_version());
    s = nt_manifest_write(man, path, &err);
done:
    rc = s ? cli_fail(&err) : 0;
cleanup:
    nt_table_free(te);
    nt_table_free(tb);
    nt_table_free(tp);
    nt_table_free(tq);
    nt_psm_result_free(res);
    nt_design_free(des);
    nt_flat_free(f);
    nt_manifest_free(man);
    nt_words_free(outs, nout);
    nt_words_free(covs, ncov);
    if (exs) nt_words_free(exs, nex);
    free(req);
    free(tr);
    free(y);
    free(cell);
    return rc;
}
