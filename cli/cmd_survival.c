/* netto survival km|cox: reads a flat file, checks the columns, calls
   estimators/nt_km and nt_cox, writes the tables through report/nt_table and the
   manifest. No statistics are computed here. */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "core/nt_file.h"
#include "estimators/nt_cox.h"
#include "estimators/nt_km.h"
#include "estimators/nt_stats.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"
#include "data/nt_store.h"
#include "report/nt_manifest.h"
#include "report/nt_table.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: netto survival km  --data F.csv [--start T0] --time T --event E [--group G]\n"
            "                          [--weight W] [--conf-type log|log-log|plain] [--min-cell N] --out DIR\n"
            "       netto survival cox --data F.csv [--start T0] --stop T1 --event E --covariates X1[,..]\n"
            "                          [--ties efron|breslow] [--strata S] [--cluster ID] [--weight W]\n"
            "                          [--min-cell N] --out DIR\n"
            "\n"
            "km:  Kaplan-Meier and Nelson-Aalen per group -> km.csv; log-rank test when grouped\n"
            "     -> logrank.csv. Greenwood SEs (jackknife SEs with non-integer weights), 95%% CIs.\n"
            "cox: Cox proportional hazards -> cox.csv, cox_fit.csv. With --start the rows are\n"
            "     counting-process (start, stop] rows (time-varying covariates, left truncation).\n"
            "     --cluster adds robust (sandwich) SEs by that id; z, p and CIs then use them.\n"
            "     X:cat makes a numeric covariate categorical; text covariates are categorical.\n"
            "Event columns are 0/1. Rows with a missing value in a used column are dropped and\n"
            "counted. --min-cell N empties statistics resting on fewer than N persons.\n");
}

typedef struct {
    const char *data, *start, *time, *event, *group, *weight, *covariates, *strata, *cluster, *out;
    nt_conf_type conf;
    nt_cox_ties ties;
    long min_cell;
} opts;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}


static const nt_flat_column *g_codecol;
static int cmp_rowstr(const void *a, const void *b)
{
    long i = *(const long *)a, j = *(const long *)b;
    int c = strcmp(g_codecol->str[i], g_codecol->str[j]);
    return c ? c : (i > j) - (i < j);
}

/* Codes 0..k-1 for the values of a column over the kept rows, levels in
   bytewise order (labels point into the flat file). */
static nt_status column_codes(const nt_flat *f, int col, const long *rows, long n, int *code, long *k,
                              const char ***labels, nt_error *err)
{
    long *o = malloc((size_t)(n ? n : 1) * sizeof *o);
    const char **lab = malloc((size_t)(n ? n : 1) * sizeof *lab);
    if (!o || !lab) { free(o); free(lab); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long i = 0; i < n; i++) o[i] = rows[i];
    g_codecol = &f->cols[col];
    qsort(o, (size_t)n, sizeof *o, cmp_rowstr);
    /* o holds flat rows; map back to kept positions via a flat-row index */
    long *pos = malloc((size_t)(f->n_rows ? f->n_rows : 1) * sizeof *pos);
    if (!pos) { free(o); free(lab); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long i = 0; i < n; i++) pos[rows[i]] = i;
    long kk = 0;
    for (long i = 0; i < n; i++) {
        if (i == 0 || strcmp(g_codecol->str[o[i]], g_codecol->str[o[i - 1]])) lab[kk++] = g_codecol->str[o[i]];
        code[pos[o[i]]] = (int)(kk - 1);
    }
    free(o); free(pos);
    *k = kk;
    if (labels) *labels = lab; else free(lab);
    return NT_OK;
}

static int parse(int argc, char **argv, const char *cmd, opts *o)
{
    memset(o, 0, sizeof *o);
    o->conf = NT_CONF_LOG;
    o->ties = NT_TIES_EFRON;
    int km = !strcmp(cmd, "km");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); return -1; }
        if (i + 1 >= argc) return cli_usage("survival", "%s needs a value", a);
        const char *v = argv[++i];
        if (!strcmp(a, "--data")) o->data = v;
        else if (!strcmp(a, "--start")) o->start = v;
        else if (km && !strcmp(a, "--time")) o->time = v;
        else if (!km && !strcmp(a, "--stop")) o->time = v;
        else if (!strcmp(a, "--event")) o->event = v;
        else if (km && !strcmp(a, "--group")) o->group = v;
        else if (!strcmp(a, "--weight")) o->weight = v;
        else if (!km && !strcmp(a, "--covariates")) o->covariates = v;
        else if (!km && !strcmp(a, "--strata")) o->strata = v;
        else if (!km && !strcmp(a, "--cluster")) o->cluster = v;
        else if (!strcmp(a, "--out") || !strcmp(a, "-o")) o->out = v;
        else if (!strcmp(a, "--min-cell")) {
            if (cli_parse_long(v, 0, 1000000000L, &o->min_cell))
                return cli_usage("survival", "--min-cell: found \"%s\", expected a whole number >= 0", v);
        } else if (km && !strcmp(a, "--conf-type")) {
            if (!strcmp(v, "log")) o->conf = NT_CONF_LOG;
            else if (!strcmp(v, "log-log")) o->conf = NT_CONF_LOGLOG;
            else if (!strcmp(v, "plain")) o->conf = NT_CONF_PLAIN;
            else return cli_usage("survival", "--conf-type: found \"%s\", expected log, log-log or plain", v);
        } else if (!km && !strcmp(a, "--ties")) {
            if (!strcmp(v, "efron")) o->ties = NT_TIES_EFRON;
            else if (!strcmp(v, "breslow")) o->ties = NT_TIES_BRESLOW;
            else return cli_usage("survival", "--ties: found \"%s\", expected efron or breslow", v);
        } else return cli_usage("survival", "%s %s: unknown option %s", "survival", cmd, a);
    }
    if (!o->data) return cli_usage("survival", "--data is required");
    if (!o->time) return cli_usage("survival", km ? "--time is required" : "--stop is required");
    if (!o->event) return cli_usage("survival", "--event is required");
    if (!km && !o->covariates) return cli_usage("survival", "--covariates is required");
    if (!o->out) return cli_usage("survival", "--out is required");
    return 0;
}

/* Everything both commands share: the file, the rows kept, the survival
   columns of those rows. */
typedef struct {
    nt_flat *f;
    nt_design *des;      /* cox: the model matrix; km: rows only */
    long n;
    const long *row;     /* kept flat rows */
    double *start, *stop, *event, *weight;
    int ct, cs, ce, cw;  /* flat columns (cs -1 without --start, cw -1 without --weight) */
} rows_t;

static void rows_free(rows_t *r)
{
    nt_design_free(r->des);
    nt_flat_free(r->f);
    free(r->start); free(r->stop); free(r->event); free(r->weight);
}

static nt_status load_rows(const opts *o, const char *const *vars, int nvars, const char *const *extra, int nextra,
                           rows_t *r, nt_error *err)
{
    nt_status s;
    memset(r, 0, sizeof *r);
    r->cs = r->cw = -1;
    if ((s = nt_flat_read(o->data, &r->f, err))) return s;
    nt_flat *f = r->f;
    if ((s = nt_flat_require_numeric(f, o->time, &r->ct, err))) return s;
    if (o->start && (s = nt_flat_require_numeric(f, o->start, &r->cs, err))) return s;
    if (o->weight && (s = nt_flat_require_numeric(f, o->weight, &r->cw, err))) return s;
    if ((s = nt_flat_require(f, o->event, &r->ce, err))) return s;
    if ((s = nt_flat_require_binary(f, r->ce, err))) return s;
    const char *req[8];
    int nreq = 0;
    req[nreq++] = o->time;
    req[nreq++] = o->event;
    if (o->start) req[nreq++] = o->start;
    if (o->weight) req[nreq++] = o->weight;
    for (int k = 0; k < nextra; k++) {
        int c;
        if ((s = nt_flat_require(f, extra[k], &c, err))) return s;
        req[nreq++] = extra[k];
    }
    nt_design_opts dopt = {.intercept = 0, .reject_constant = 1};
    if ((s = nt_design_build(f, vars, nvars, req, nreq, &dopt, &r->des, err))) return s;
    long n = r->des->n;
    r->n = n;
    r->row = r->des->row;
    size_t sz = (size_t)(n ? n : 1) * sizeof(double);
    r->stop = malloc(sz); r->event = malloc(sz);
    if (o->start) r->start = malloc(sz);
    if (o->weight) r->weight = malloc(sz);
    if (!r->stop || !r->event || (o->start && !r->start) || (o->weight && !r->weight))
        return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < n; i++) {
        long fr = r->row[i];
        r->stop[i] = f->cols[r->ct].num[fr];
        r->event[i] = f->cols[r->ce].num[fr];
        if (r->start) r->start[i] = f->cols[r->cs].num[fr];
        if (r->weight) r->weight[i] = f->cols[r->cw].num[fr];
    }
    return NT_OK;
}

/* nt_surv_check on the kept rows, the failure renamed to the user's file,
   line and column. */
static nt_status check_rows(const rows_t *r, const nt_surv_data *d, nt_error *err)
{
    long bad = -1;
    nt_error e;
    nt_error_clear(&e);
    if (!nt_surv_check(d, &bad, &e)) return NT_OK;
    int col = !strcmp(e.column, "event") ? r->ce : !strcmp(e.column, "start") ? r->cs
            : !strcmp(e.column, "weight") ? r->cw : r->ct;
    return nt_fail_at(err, NT_EINPUT, r->f->path, r->f->line[r->row[bad]], r->f->cols[col].name, "%s", e.msg);
}

static void report_dropped(nt_manifest *m, const rows_t *r, const char *const *names, int nnames, const char *cmd)
{
    nt_manifest_count(m, "rows_read", (double)r->f->n_rows);
    nt_manifest_count(m, "rows_used", (double)r->n);
    nt_manifest_count(m, "rows_dropped_missing", (double)r->des->n_dropped);
    char buf[1024] = "";
    size_t len = 0;
    for (int k = 0; k < nnames; k++) {
        long c = r->des->dropped_by[k];
        if (!c) continue;
        char key[128];
        snprintf(key, sizeof key, "missing_%s", names[k]);
        nt_manifest_count(m, key, (double)c);
        if (len < sizeof buf)
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s %ld", len ? ", " : "", names[k], c);
    }
    printf("netto survival %s: %ld rows read, %ld used, %ld dropped for missing values%s%s%s\n", cmd,
           r->f->n_rows, r->n, r->des->n_dropped, len ? " (" : "", buf, len ? ")" : "");
}

static nt_status write_manifest(nt_manifest *m, const opts *o, double t0, nt_error *err)
{
    char path[4096];
    nt_manifest_disclosure(m, o->min_cell, o->min_cell > 0);
    nt_manifest_set_threads(m, omp_get_max_threads());
    nt_manifest_timing(m, "total", now() - t0);
    nt_path_join(path, sizeof path, o->out, "manifest.json");
    nt_manifest_platform(m, "hdf5", nt_store_hdf5_version());
    return nt_manifest_write(m, path, err);
}

static int run_km(const opts *o, nt_manifest *m)
{
    double t0 = now();
    nt_error err;
    nt_error_clear(&err);
    rows_t r;
    nt_km_result *km = NULL;
    nt_table *t = NULL, *tl = NULL;
    int *gcode = NULL;
    const char **glab = NULL;
    long ng = 1;
    nt_status s;
    const char *extra[1] = {o->group};
    if ((s = load_rows(o, NULL, 0, extra, o->group ? 1 : 0, &r, &err))) goto done;
    nt_surv_data d = {.n = r.n, .start = r.start, .stop = r.stop, .event = r.event, .weight = r.weight, .n_strata = 1};
    if (o->group) {
        int gc = nt_flat_find(r.f, o->group);
        gcode = malloc((size_t)(r.n ? r.n : 1) * sizeof *gcode);
        if (!gcode) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        if ((s = column_codes(r.f, gc, r.row, r.n, gcode, &ng, &glab, &err))) goto done;
        d.strata = gcode;
        d.n_strata = (int)ng;
    }
    if ((s = check_rows(&r, &d, &err))) goto done;
    const char *names[] = {o->time, o->event, o->start ? o->start : o->weight, o->weight, o->group};
    const char *dn[5];
    int nn = 0;
    dn[nn++] = o->time; dn[nn++] = o->event;
    if (o->start) dn[nn++] = o->start;
    if (o->weight) dn[nn++] = o->weight;
    if (o->group) dn[nn++] = o->group;
    (void)names;
    report_dropped(m, &r, dn, nn, "km");
    double t1 = now();
    if ((s = nt_km_fit(&d, o->conf, 0.95, &km, &err))) goto done;
    nt_manifest_timing(m, "kaplan_meier", now() - t1);
    if (km->robust)
        nt_manifest_warning(m, "non-integer weights: standard errors are infinitesimal-jackknife (robust), as R survfit, not Greenwood");
    if ((s = nt_mkdirs(o->out, &err))) goto done;
    const char *cols[] = {"group", "time", "n_risk", "n_event", "n_censor", "survival", "se", "ci_lower", "ci_upper", "cumhaz", "std_chaz"};
    const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_STAT,
                                 NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    t = nt_table_alloc(cols, kinds, 11);
    if (!t) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    for (long i = 0; i < km->n; i++) {
        if (nt_table_add_row(t)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        nt_table_set_str(t, "group", o->group ? glab[km->group[i]] : "");
        nt_table_set_num(t, "time", km->time[i]);
        nt_table_set_num(t, "n_risk", km->n_risk[i]);
        nt_table_set_num(t, "n_event", km->n_event[i]);
        nt_table_set_num(t, "n_censor", km->n_censor[i]);
        nt_table_set_num(t, "survival", km->surv[i]);
        nt_table_set_num(t, "se", km->se[i]);
        nt_table_set_num(t, "ci_lower", km->lower[i]);
        nt_table_set_num(t, "ci_upper", km->upper[i]);
        nt_table_set_num(t, "cumhaz", km->cumhaz[i]);
        nt_table_set_num(t, "std_chaz", km->std_chaz[i]);
        nt_table_set_basis(t, km->n_risk_rows[i]);
    }
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "km.csv");
    if ((s = nt_table_write_csv(t, path, o->min_cell, &err))) goto done;
    if (o->group) {
        nt_logrank_result lr;
        t1 = now();
        if ((s = nt_logrank_test(&d, &lr, &err))) goto done;
        nt_manifest_timing(m, "logrank", now() - t1);
        long *gn = calloc((size_t)ng, sizeof *gn), basis = r.n;
        if (!gn) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        for (long i = 0; i < r.n; i++) gn[gcode[i]]++;
        for (long g = 0; g < ng; g++) if (gn[g] < basis) basis = gn[g];
        free(gn);
        const char *lc[] = {"chisq", "df", "p_value"};
        const nt_col_kind lk[] = {NT_COL_STAT, NT_COL_KEY, NT_COL_STAT};
        tl = nt_table_alloc(lc, lk, 3);
        if (!tl || nt_table_add_row(tl)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        nt_table_set_num(tl, "chisq", lr.chisq);
        nt_table_set_int(tl, "df", lr.df);
        nt_table_set_num(tl, "p_value", lr.p_value);
        nt_table_set_basis(tl, basis);
        nt_path_join(path, sizeof path, o->out, "logrank.csv");
        if ((s = nt_table_write_csv(tl, path, o->min_cell, &err))) goto done;
        printf("netto survival km: log-rank chisq %.4f, df %d, p %.4g\n", lr.chisq, lr.df, lr.p_value);
    }
    nt_manifest_count(m, "groups", (double)ng);
    nt_manifest_setting_str(m, NULL, "conf_type", o->conf == NT_CONF_LOG ? "log" : o->conf == NT_CONF_LOGLOG ? "log-log" : "plain");
    nt_manifest_setting_num(m, NULL, "conf_level", 0.95);
    nt_manifest_setting_str(m, NULL, "variance", km->robust ? "infinitesimal jackknife (non-integer weights)" : "Greenwood");
    nt_manifest_setting_str(m, NULL, "mirrors", "survival::survfit(Surv(time, event) ~ group, conf.type, weights) and survdiff (rho = 0), survival 3.5");
    if ((s = nt_manifest_add_input(m, o->data, &err))) goto done;
    if ((s = write_manifest(m, o, t0, &err))) goto done;
    printf("netto survival km: %ld rows in km.csv (%ld group%s), written to %s\n", km->n, ng, ng == 1 ? "" : "s", o->out);
done:
    nt_table_free(t);
    nt_table_free(tl);
    nt_km_result_free(km);
    free(gcode);
    free(glab);
    rows_free(&r);
    return s ? cli_fail(&err) : 0;
}

static int run_cox(const opts *o, nt_manifest *m)
{
    double t0 = now();
    nt_error err;
    nt_error_clear(&err);
    rows_t r;
    memset(&r, 0, sizeof r);
    nt_cox_result *fit = NULL;
    nt_table *t = NULL, *tf = NULL;
    int *scode = NULL;
    long *ccode = NULL;
    char **vars = NULL;
    int nvars = nt_words_split(o->covariates, &vars);
    long nstr = 1, ncl = 0;
    nt_status s = NT_OK;
    if (nvars <= 0) { s = nt_fail(&err, NT_EUSAGE, "--covariates: expected a comma-separated list of columns"); goto done; }
    const char *extra[2];
    int nextra = 0;
    if (o->strata) extra[nextra++] = o->strata;
    if (o->cluster) extra[nextra++] = o->cluster;
    if ((s = load_rows(o, (const char *const *)vars, nvars, extra, nextra, &r, &err))) goto done;
    nt_surv_data d = {.n = r.n, .start = r.start, .stop = r.stop, .event = r.event, .weight = r.weight, .n_strata = 1};
    if (o->strata) {
        scode = malloc((size_t)(r.n ? r.n : 1) * sizeof *scode);
        if (!scode) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        if ((s = column_codes(r.f, nt_flat_find(r.f, o->strata), r.row, r.n, scode, &nstr, NULL, &err))) goto done;
        d.strata = scode;
        d.n_strata = (int)nstr;
    }
    if (o->cluster) {
        int *cc = malloc((size_t)(r.n ? r.n : 1) * sizeof *cc);
        ccode = malloc((size_t)(r.n ? r.n : 1) * sizeof *ccode);
        if (!cc || !ccode) { free(cc); s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        s = column_codes(r.f, nt_flat_find(r.f, o->cluster), r.row, r.n, cc, &ncl, NULL, &err);
        for (long i = 0; i < r.n && !s; i++) ccode[i] = cc[i];
        free(cc);
        if (s) goto done;
    }
    if ((s = check_rows(&r, &d, &err))) goto done;
    {
        const char *dn[64];
        int nn = 0;
        for (int k = 0; k < nvars && nn < 56; k++) dn[nn++] = vars[k];
        dn[nn++] = o->time; dn[nn++] = o->event;
        if (o->start) dn[nn++] = o->start;
        if (o->weight) dn[nn++] = o->weight;
        for (int k = 0; k < nextra; k++) dn[nn++] = extra[k];
        report_dropped(m, &r, dn, nn, "cox");
    }
    nt_cox_opts co;
    nt_cox_opts_default(&co);
    co.ties = o->ties;
    double t1 = now();
    if ((s = nt_cox_fit(&d, r.des->x, r.des->p, (const char *const *)r.des->term, ccode, ncl, &co, &fit, &err))) {
        if (!err.file[0]) snprintf(err.file, sizeof err.file, "%s", o->data);
        goto done;
    }
    nt_manifest_timing(m, "cox_fit", now() - t1);
    if (fit->warning[0]) {
        fprintf(stderr, "netto survival cox: warning: %s\n", fit->warning);
        nt_manifest_warning(m, "%s", fit->warning);
    }
    if ((s = nt_mkdirs(o->out, &err))) goto done;
    int p = fit->p;
    const char *cols[] = {"term", "coef", "se", "z", "p_value", "hazard_ratio", "ci_lower", "ci_upper", "robust_se"};
    const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                 NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    t = nt_table_alloc(cols, kinds, o->cluster ? 9 : 8);
    if (!t) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    for (int j = 0; j < p; j++) {
        if (nt_table_add_row(t)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
        double b = fit->coef[j], se = o->cluster ? fit->robust_se[j] : fit->se[j], z = b / se;
        nt_table_set_str(t, "term", r.des->term[j]);
        nt_table_set_num(t, "coef", b);
        nt_table_set_num(t, "se", fit->se[j]);
        if (o->cluster) nt_table_set_num(t, "robust_se", fit->robust_se[j]);
        nt_table_set_num(t, "z", z);
        nt_table_set_num(t, "p_value", nt_pvalue_normal(z));
        nt_table_set_num(t, "hazard_ratio", exp(b));
        nt_table_set_num(t, "ci_lower", exp(b - NT_Z975 * se));
        nt_table_set_num(t, "ci_upper", exp(b + NT_Z975 * se));
        /* basis: events, and for a 0/1 column the rows on the smaller side */
        long basis = fit->n_events, ones = 0, zeros = 0;
        const double *xj = r.des->x + (size_t)j * (size_t)r.n;
        for (long i = 0; i < r.n; i++) { if (xj[i] == 1) ones++; else if (xj[i] == 0) zeros++; }
        if (ones + zeros == r.n) { if (ones < basis) basis = ones; if (zeros < basis) basis = zeros; }
        nt_table_set_basis(t, basis);
    }
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "cox.csv");
    if ((s = nt_table_write_csv(t, path, o->min_cell, &err))) goto done;
    const char *fc[] = {"loglik_null", "loglik", "n", "n_events", "iterations", "ties", "wald_chisq", "score_chisq", "lr_chisq", "df"};
    const nt_col_kind fk[] = {NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_KEY, NT_COL_KEY,
                              NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_KEY};
    tf = nt_table_alloc(fc, fk, 10);
    if (!tf || nt_table_add_row(tf)) { s = nt_fail(&err, NT_ENOMEM, "out of memory"); goto done; }
    nt_table_set_num(tf, "loglik_null", fit->loglik_null);
    nt_table_set_num(tf, "loglik", fit->loglik);
    nt_table_set_int(tf, "n", fit->n);
    nt_table_set_int(tf, "n_events", fit->n_events);
    nt_table_set_int(tf, "iterations", fit->iterations);
    nt_table_set_str(tf, "ties", o->ties == NT_TIES_EFRON ? "efron" : "breslow");
    nt_table_set_num(tf, "wald_chisq", fit->wald_chisq);
    nt_table_set_num(tf, "score_chisq", fit->score_chisq);
    nt_table_set_num(tf, "lr_chisq", fit->lr_chisq);
    nt_table_set_int(tf, "df", fit->df);
    nt_table_set_basis(tf, fit->n_events);
    nt_path_join(path, sizeof path, o->out, "cox_fit.csv");
    if ((s = nt_table_write_csv(tf, path, o->min_cell, &err))) goto done;
    nt_manifest_setting_str(m, NULL, "ties", o->ties == NT_TIES_EFRON ? "efron" : "breslow");
    nt_manifest_setting_num(m, NULL, "iter_max", co.iter_max);
    nt_manifest_setting_num(m, NULL, "eps", co.eps);
    nt_manifest_setting_num(m, NULL, "toler_chol", co.toler_chol);
    nt_manifest_setting_num(m, NULL, "toler_inf", co.toler_inf);
    nt_manifest_setting_str(m, NULL, "variance", o->cluster ? "robust (Lin-Wei sandwich by cluster); wald_chisq uses it" : "model-based");
    nt_manifest_setting_str(m, NULL, "mirrors", "survival::coxph(Surv([start,] stop, event) ~ covariates [+ strata(S)], ties, weights [, cluster = ID]), survival 3.5");
    nt_manifest_count(m, "n_events", (double)fit->n_events);
    nt_manifest_count(m, "strata", (double)nstr);
    if (o->cluster) nt_manifest_count(m, "clusters", (double)ncl);
    nt_manifest_count(m, "iterations", fit->iterations);
    if ((s = nt_manifest_add_input(m, o->data, &err))) goto done;
    if ((s = write_manifest(m, o, t0, &err))) goto done;
    printf("netto survival cox: %ld events, %d iterations, loglik %.6f (null %.6f); written to %s\n",
           fit->n_events, fit->iterations, fit->loglik, fit->loglik_null, o->out);
done:
    nt_table_free(t);
    nt_table_free(tf);
    nt_cox_result_free(fit);
    free(scode);
    free(ccode);
    nt_words_free(vars, nvars > 0 ? nvars : 0);
    rows_free(&r);
    return s ? cli_fail(&err) : 0;
}

int nt_cmd_survival(int argc, char **argv)
{
    if (argc < 2) { usage(stderr); return 2; }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) { usage(stdout); return 0; }
    if (strcmp(cmd, "km") && strcmp(cmd, "cox")) return cli_usage("survival", "unknown subcommand '%s' (expected km or cox)", cmd);
    opts o;
    int rc = parse(argc - 1, argv + 1, cmd, &o);
    if (rc < 0) return 0;
    if (rc) return rc;
    nt_manifest *m = nt_manifest_alloc(argc + 1, argv - 1);
    if (!m) { fprintf(stderr, "netto survival: out of memory\n"); return 1; }
    nt_manifest_setting_str(m, NULL, "data", o.data);
    nt_manifest_setting_str(m, NULL, "start", o.start ? o.start : "");
    nt_manifest_setting_str(m, NULL, !strcmp(cmd, "km") ? "time" : "stop", o.time);
    nt_manifest_setting_str(m, NULL, "event", o.event);
    nt_manifest_setting_str(m, NULL, "weight", o.weight ? o.weight : "");
    nt_manifest_setting_num(m, NULL, "min_cell", (double)o.min_cell);
    if (!strcmp(cmd, "km")) {
        nt_manifest_setting_str(m, NULL, "group", o.group ? o.group : "");
    } else {
        nt_manifest_setting_str(m, NULL, "covariates", o.covariates);
        nt_manifest_setting_str(m, NULL, "strata", o.strata ? o.strata : "");
        nt_manifest_setting_str(m, NULL, "cluster", o.cluster ? o.cluster : "");
    }
    rc = !strcmp(cmd, "km") ? run_km(&o, m) : run_cox(&o, m);
    nt_manifest_free(m);
    return rc;
}
