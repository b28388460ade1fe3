/* The study run behind `netto run` (see nt_run.h): open the data, resolve
   the programmes, load the panel, make the subgroups, estimate, bootstrap;
   then the post-estimation values (nt_run_paths.c), the tables
   (nt_run_tables.c) and the report (nt_run_report.c); nt_run_parts.h has the
   state they share. */
#include "study/nt_run.h"

#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "core/nt_file_kind.h"
#include "core/nt_series.h"
#include "core/nt_progress.h"
#include "core/nt_rng.h"
#include "data/nt_ingest.h"
#include "data/nt_spells.h"
#include "report/nt_disclose.h"
#include "study/nt_cost_benefit.h"
#include "study/nt_run_parts.h"

/* ------------------------------------------------------------ shared */

/* A warning: into the manifest and the run's report (and stderr). Counts of
   persons in it go through report/nt_disclose (count_text); the exact text,
   if different, goes to private/warnings.txt with detail(). */
static void warn(nt_run_state *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(nt_run_state *P, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    nt_manifest_warning(P->m, "%s", buf);
    char **w = realloc(P->rep->warnings, (size_t)(P->rep->n_warnings + 1) * sizeof *w);
    if (!w) return;
    P->rep->warnings = w;
    w[P->rep->n_warnings] = strdup(buf);
    if (w[P->rep->n_warnings]) P->rep->n_warnings++;
}

/* A warning's exact text, for private/warnings.txt only. */
static void detail(nt_run_state *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void detail(nt_run_state *P, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char **d = realloc(P->detail, (size_t)(P->n_detail + 1) * sizeof *d);
    if (!d) return;
    P->detail = d;
    if ((d[P->n_detail] = strdup(buf))) P->n_detail++;
}

/* A count of persons as a warning or the manifest may state it. */
static const char *count_text(const nt_run_state *P, long count, char *buf, size_t size)
{
    nt_disclose_count_text(count, P->st->min_cell, P->st->round, buf, size);
    return buf;
}

/* private/warnings.txt: the warnings with their exact counts (person-level
   detail stays private). */
static nt_status write_details(const nt_run_state *P, nt_error *err)
{
    char path[4400];
    nt_path_join(path, sizeof path, P->priv, "warnings.txt");
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    for (int i = 0; i < P->n_detail; i++) fprintf(f.fp, "%s\n", P->detail[i]);
    s = nt_outfile_commit(&f, err);
    if (!s && chmod(path, 0600) != 0) s = nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot make it private: %s", strerror(errno));
    return s;
}

void nt_pipeline_report_free(nt_pipeline_report *rep)
{
    if (!rep) return;
    for (int i = 0; i < rep->n_warnings; i++) free(rep->warnings[i]);
    free(rep->warnings);
    rep->warnings = NULL;
    rep->n_warnings = 0;
}

const char *nt_run_program(const nt_run_state *P, int pg) { return P->st->programs[pg / P->n_groups]; }
const char *nt_run_group(const nt_run_state *P, int pg) { return P->group_label[pg % P->n_groups]; }
const char *nt_run_method(const nt_run_state *P) { return nt_method_name(P->st->method); }
double nt_run_ci_level(const nt_run_state *P) { return P->st->ci_level > 0 ? P->st->ci_level : 0.95; }

static const char *prog_name(const nt_run_state *P, int pi) { return P->st->programs[pi]; }

/* ------------------------------------------------------------ data */

/* A data file named in the study must be readable: the error names the
   study file's line, as every study-file problem does. */
static nt_status check_readable(const nt_study *st, const char *key, const char *path, nt_error *err)
{
    if (access(path, R_OK) == 0) return NT_OK;
    return nt_fail_at(err, NT_EINPUT, st->path, nt_study_line(st, "data", key), key,
                      "cannot read %s: %s", path, strerror(errno));
}

static nt_status open_data(nt_run_state *P, nt_error *err)
{
    const nt_study *st = P->st;
    int need = st->start_last + st->horizon;
    nt_status s;
    char store_path[4300];
    if (st->store_path) {
        if ((s = check_readable(st, "store", st->store_path, err))) return s;
        snprintf(store_path, sizeof store_path, "%s", st->store_path);
        if ((s = nt_manifest_add_input(P->m, st->store_path, err))) return s;
    } else {
        const char *paths[NT_FILE_N] = {st->persons_path, st->benefits_path, st->programs_path, st->jobs_path};
        for (int f = 0; f < NT_FILE_N; f++)
            if ((s = check_readable(st, nt_file_kind_name((nt_file_kind)f), paths[f], err))) return s;
        for (int f = 0; f < NT_FILE_N; f++)
            if ((s = nt_manifest_add_input(P->m, paths[f], err))) return s;
        char rejects[4300];
        nt_path_join(store_path, sizeof store_path, P->priv, "cohort.h5");
        nt_path_join(rejects, sizeof rejects, P->priv, "rejects.csv");
        nt_ingest_opts io;
        memset(&io, 0, sizeof io);
        for (int f = 0; f < NT_FILE_N; f++) io.spells.path[f] = paths[f];
        io.spells.person_key = st->person_key;
        io.spells.cp1252 = st->cp1252;
        io.spells.decimal = st->decimal;
        io.spells.lenient = st->lenient;
        io.spells.ignore_unknown_persons = st->ignore_unknown_persons;
        io.spells.data_end = st->data_end;
        io.cohort.n_schemes = st->n_schemes;
        io.cohort.schemes = (const char *const *)st->schemes;
        io.cohort.inflow_from = st->inflow_from;
        io.cohort.inflow_to = st->inflow_to;
        io.cohort.horizon = need;
        io.store_path = store_path;
        io.rejects_path = rejects;
        nt_spells_report sr;
        double t0 = nt_now();
        if ((s = nt_ingest(&io, NULL, NULL, &sr, err))) return s;
        nt_manifest_timing(P->m, "ingest", nt_now() - t0);
        long rejected = 0;
        for (int f = 0; f < NT_FILE_N; f++)
            for (int k = 0; k < NT_REJECT_N; k++) rejected += sr.rejected[f][k];
        char n[32];
        nt_manifest_count_persons(P->m, "records_rejected", rejected, st->min_cell, st->round);
        if (rejected > 0) {
            warn(P, "%s input records were rejected (lenient mode); see private/rejects.csv", count_text(P, rejected, n, sizeof n));
            detail(P, "%ld input records were rejected (lenient mode)", rejected);
        }
    }
    /* Person-level files are the owner's only (their folder is 0700). */
    chmod(store_path, 0600);
    if (!st->store_path) {
        char rejects[4300];
        nt_path_join(rejects, sizeof rejects, P->priv, "rejects.csv");
        chmod(rejects, 0600);
    }
    if ((s = nt_store_open(store_path, &P->store, err))) return s;
    if (nt_store_persons(P->store) == 0) {
        char a[16], b[16];
        nt_month_format(nt_store_inflow_from(P->store), a);
        nt_month_format(nt_store_inflow_to(P->store), b);
        return nt_fail_at(err, NT_EINPUT, st->store_path ? st->store_path : st->path, 0, NULL,
                          "the cohort has no persons (no index spell of schemes %s starts in %s..%s): nothing to estimate",
                          nt_store_schemes(P->store), a, b);
    }
    if (nt_store_months(P->store) < need)
        return nt_fail_at(err, NT_EINPUT, st->path, nt_study_line(st, "treatment", "horizon"), NULL,
                          "the cohort store has %d months since inflow; start months up to %d and a horizon of %d "
                          "need %d (rerun netto ingest with --horizon %d)",
                          nt_store_months(P->store), st->start_last, st->horizon, need, need);
    return NT_OK;
}

static nt_status resolve_programs(nt_run_state *P, nt_error *err)
{
    const char *const *names;
    int nt = nt_store_program_types(P->store, &names);
    P->n_prog = P->st->n_programs;
    P->prog_code = calloc((size_t)P->n_prog, sizeof *P->prog_code);
    P->fallback_cost = malloc((size_t)(nt + 1) * sizeof *P->fallback_cost);
    if (!P->prog_code || !P->fallback_cost) return nt_fail(err, NT_ENOMEM, "out of memory");
    P->fallback_cost[0] = NAN;
    for (int t = 0; t < nt; t++) P->fallback_cost[t + 1] = nt_study_cost_of(P->st, names[t]);
    for (int i = 0; i < P->n_prog; i++) {
        const char *want = P->st->programs[i];
        if (!strcasecmp(want, "any")) continue;
        int code = 0;
        for (int t = 0; t < nt && !code; t++)
            if (!strcasecmp(names[t], want)) code = t + 1;
        if (!code) {
            char list[1024] = "";
            size_t n = 0;
            for (int t = 0; t < nt && n < sizeof list - 1; t++) {
                int w = snprintf(list + n, sizeof list - n, "%s%s", t ? ", " : "", names[t]);
                if (w > 0) n += (size_t)w;
            }
            return nt_fail_at(err, NT_EINPUT, P->st->path, nt_study_line(P->st, "treatment", "programs"), NULL,
                              "programme \"%s\" does not occur in the data (its programmes: %s)", want,
                              nt ? list : "none");
        }
        P->prog_code[i] = code;
    }
    return NT_OK;
}

static nt_status load_panel(nt_run_state *P, nt_error *err)
{
    const nt_study *st = P->st;
    for (int k = 0; k < st->n_covariates; k++)
        if (nt_store_covariate_kind(P->store, st->covariates[k]) < 0)
            return nt_fail_at(err, NT_EINPUT, st->path, nt_study_line(st, "estimator", "covariates"), NULL,
                              "covariate \"%s\" is not in the cohort (see docs/study-file.md for the derived ones)",
                              st->covariates[k]);
    for (int k = 0; k < st->n_exact; k++)
        if (nt_store_covariate_kind(P->store, st->exact[k]) != NT_COV_CATEGORICAL)
            return nt_fail_at(err, NT_EINPUT, st->path, nt_study_line(st, "estimator", "exact"), NULL,
                              "exact-matching variable \"%s\" is not a categorical variable of the cohort", st->exact[k]);
    for (int k = 0; k < st->n_series; k++)
        if (nt_series_find(st->series[k]) < 0)
            return nt_fail_at(err, NT_EINPUT, st->path, nt_study_line(st, "outcomes", "series"), NULL,
                              "\"%s\" is not a panel series (employed, earnings, on_benefit, on_index_benefit, in_program)",
                              st->series[k]);
    nt_status s = nt_run_panel_load(st, P->store, &P->panel, &P->view, err);
    if (s) return s;
    nt_panel *p = P->panel;
    P->included = malloc((size_t)(p->n ? p->n : 1) * sizeof *P->included);
    if (!P->included) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < p->n; i++)
        if (p->included[i]) P->included[P->n_included++] = i;
    P->rep->n_persons = p->n;
    P->rep->n_analysed = P->n_included;
    nt_manifest_count_persons(P->m, "persons", p->n, st->min_cell, st->round);
    nt_manifest_count_persons(P->m, "persons_analysed", P->n_included, st->min_cell, st->round);
    for (int k = 0; k < st->n_covariates; k++)
        if (p->missing_by_covariate[k] > 0) {
            char key[300];
            snprintf(key, sizeof key, "persons_missing_%s", st->covariates[k]);
            char c[32];
            nt_manifest_count_persons(P->m, key, p->missing_by_covariate[k], st->min_cell, st->round);
            warn(P, "%s persons left out: %s is missing", count_text(P, p->missing_by_covariate[k], c, sizeof c),
                 st->covariates[k]);
            detail(P, "%ld persons left out: %s is missing", p->missing_by_covariate[k], st->covariates[k]);
        }
    return NT_OK;
}

/* A [subgroups] value of a categorical variable: its level as stored, else
   the spelling ingest accepts for it (nt_spells_level: "laag" -> "low"), or
   `missing`. Returns the level code, -1 for missing, 0 if none. */
static int subgroup_level(const char *variable, const char *value, char **levels, int nlev)
{
    const char *canon = nt_spells_level(variable, value);
    for (int l = 0; l < nlev; l++)
        if (!strcmp(levels[l], value) || (canon && !strcmp(levels[l], canon))) return l + 1;
    return !strcmp(value, "missing") ? -1 : 0;
}

/* "low, mid, high, missing" for a "not a level" message (cut with "..."). */
static void level_list(char **levels, int nlev, char *out, size_t size)
{
    size_t o = 0;
    out[0] = 0;
    for (int l = 0; l <= nlev; l++) {
        const char *v = l < nlev ? levels[l] : "missing";
        size_t k = strlen(v);
        if (o + k + 8 >= size) { snprintf(out + o, size - o, "... (%d in all)", nlev + 1); return; }
        o += (size_t)snprintf(out + o, size - o, "%s%s", l ? ", " : "", v);
    }
}

/* Group 0 is the whole cohort; then every group of every [subgroups] line. */
static nt_status make_groups(nt_run_state *P, nt_error *err)
{
    const nt_study *st = P->st;
    long n = P->panel->n;
    int ng = 1;
    for (int v = 0; v < st->n_subgroups; v++) ng += st->subgroups[v].n_groups;
    P->group_label = calloc((size_t)ng, sizeof *P->group_label);
    P->member = calloc((size_t)ng, sizeof *P->member);
    double *val = malloc((size_t)(n ? n : 1) * sizeof *val);
    if (!P->group_label || !P->member || !val) { free(val); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    P->n_groups = ng;
    P->group_label[0] = strdup("");
    P->member[0] = malloc((size_t)(n ? n : 1));
    if (!P->group_label[0] || !P->member[0]) { free(val); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    memset(P->member[0], 1, (size_t)n);
    nt_status s = NT_OK;
    int g = 1;
    for (int v = 0; v < st->n_subgroups && !s; v++) {
        const nt_study_subgroup *sg = &st->subgroups[v];
        if (nt_run_derived_is(P, sg->variable)) {   /* job_chance, start_year */
            s = nt_run_derived_groups(P, v, g, err);
            g += sg->n_groups;
            continue;
        }
        int kind = nt_store_covariate_kind(P->store, sg->variable);
        if (kind < 0) {
            s = nt_fail_at(err, NT_EINPUT, st->path, sg->line, NULL, "subgroup variable \"%s\" is not in the cohort", sg->variable);
            break;
        }
        if ((s = nt_store_read_covariate(P->store, sg->variable, val, err))) break;
        char **levels = NULL;
        int nlev = 0;
        if (kind == NT_COV_CATEGORICAL && (s = nt_store_read_levels(P->store, sg->variable, &levels, &nlev, err))) break;
        for (int j = 0; j < sg->n_groups && !s; j++, g++) {
            const nt_study_group *gr = &sg->groups[j];
            P->group_label[g] = strdup(gr->label);
            P->member[g] = calloc((size_t)(n ? n : 1), 1);
            if (!P->group_label[g] || !P->member[g]) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
            if (kind == NT_COV_CATEGORICAL) {
                if (gr->is_range) {
                    s = nt_fail_at(err, NT_EINPUT, st->path, sg->line, NULL,
                                   "subgroup variable \"%s\" is categorical: name its levels, not a range \"%s\"",
                                   sg->variable, gr->value);
                    break;
                }
                int code = subgroup_level(sg->variable, gr->value, levels, nlev);
                if (!code) {
                    char list[400];
                    level_list(levels, nlev, list, sizeof list);
                    s = nt_fail_at(err, NT_EINPUT, st->path, sg->line, NULL, "\"%s\" is not a level of %s; its levels: %s",
                                   gr->value, sg->variable, list);
                    break;
                }
                /* A missing value belongs to no group, unless `missing` is named. */
                for (long i = 0; i < n; i++) P->member[g][i] = code > 0 ? val[i] == code : val[i] == 0;
            } else {
                double lo, hi;
                if (gr->is_range) { lo = gr->lo; hi = gr->hi; }
                else {
                    char *end;
                    lo = hi = strtod(gr->value, &end);
                    if (*end) {
                        s = nt_fail_at(err, NT_EINPUT, st->path, sg->line, NULL,
                                       "subgroup variable \"%s\" is numeric: give a value or a range a-b, not \"%s\"",
                                       sg->variable, gr->value);
                        break;
                    }
                }
                for (long i = 0; i < n; i++) P->member[g][i] = !isnan(val[i]) && val[i] >= lo && val[i] <= hi;
            }
        }
        nt_store_levels_free(levels, nlev);
    }
    free(val);
    return s;
}

/* ------------------------------------------------------------ estimation */

static void dyn_opts(const nt_run_state *P, int pi, int full, nt_dyn_opts *d)
{
    const nt_study *st = P->st;
    nt_dyn_opts_default(d);
    d->program = P->prog_code[pi];
    d->start_first = st->start_first;
    d->start_last = st->start_last;
    d->start_interval = st->start_interval;
    d->horizon = st->horizon;
    d->method = st->method;
    d->neighbors = st->neighbors;
    d->replace = st->replace;
    d->caliper = st->caliper;
    d->trim = st->trim;
    d->history = st->history;
    d->radius_factor = st->radius_factor;
    d->bias_adjust = st->bias_adjust;
    d->censoring = st->censoring;
    d->ipcw_truncate = st->ipcw_truncate;
    d->censoring_model = st->censoring_model;
    d->kernel = st->kernel;
    d->bandwidth = st->bandwidth;
    d->ai_neighbors = st->ai_neighbors;
    d->min_treated = st->min_treated;
    d->pool_sparse = st->pool_sparse;
    d->fallback_cost = P->fallback_cost;
    d->full = full;
}

void nt_run_dyn_opts(const nt_run_state *P, int pi, int full, nt_dyn_opts *d) { dyn_opts(P, pi, full, d); }

nt_status nt_run_panel_load(const nt_study *st, nt_store *store, nt_panel **panel, nt_dyn_panel *view, nt_error *err)
{
    nt_panel_spec spec = {
        .covariates = (const char *const *)st->covariates, .n_covariates = st->n_covariates,
        .exact = (const char *const *)st->exact, .n_exact = st->n_exact, .calendar = st->calendar,
        .outcomes = (const char *const *)st->series, .n_outcomes = st->n_series,
        .n_risk = st->never ? st->start_last + st->horizon : st->start_last + 1};   /* ATT_never: at risk of a later start */
    nt_status s = nt_panel_load(store, &spec, panel, err);
    if (s) return s;
    const nt_panel *p = *panel;
    *view = (nt_dyn_panel){
        .n = p->n, .months = p->months, .treat_month = p->treat_month, .treat_type = p->treat_type,
        .treat_cost = p->treat_cost, .n_observed = p->n_observed, .admin_observed = p->admin_observed,
        .n_risk = p->n_risk, .on_index = p->on_index, .emp_before = p->emp_before,
        .n_outcomes = p->n_outcomes, .outcome = (const float *const *)p->outcome, .p = p->p, .x = p->x,
        .term = (const char *const *)p->term, .exact_cell = p->exact_cell, .included = p->included};
    return NT_OK;
}
void nt_run_warn(nt_run_state *P, const char *msg) { warn(P, "%s", msg); }

/* Units of one group among the drawn persons (all analysed persons for the
   main estimate). */
static long group_units(const nt_run_state *P, int g, const long *draw, long n_draw, long *units)
{
    long m = 0;
    for (long i = 0; i < n_draw; i++)
        if (P->member[g][draw[i]]) units[m++] = draw[i];
    return m;
}

/* Progress within one (programme, group) estimate: its start months. */
typedef struct { nt_progress *pr; int pg; const char *prog, *group; } month_note;

static void progress_month(void *ctx, int k, int first, int last)
{
    month_note *m = ctx;
    char extra[400];
    snprintf(extra, sizeof extra, "%s, %s, start month %d", m->prog, m->group, k);
    nt_progress_update(m->pr, m->pg + (double)(k - first + 1) / (double)(last - first + 1), extra);
}

/* [inference] method = linearised: the multiplier bootstrap on the main
   estimate's linearisation (estimators/nt_dyn_infer.h), draws per person
   from a key derived from the study seed (apart from the replicate
   streams of the full bootstrap). */
static nt_status linearised(nt_run_state *P, int pg, const nt_dyn_lin *lin, nt_error *err)
{
    int NO = P->view.n_outcomes;   /* the study's outcomes, then the cost-benefit series */
    int *less = malloc((size_t)(NO ? NO : 1) * sizeof *less);
    if (!less) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int oc = 0; oc < NO; oc++)
        less[oc] = oc < P->panel->n_outcomes && nt_series_less_is_better(nt_series_find(P->panel->outcome_name[oc]));
    int hz[NT_RUN_MAX_HORIZONS], nh = nt_run_diff_wanted(P) ? nt_run_diff_horizons(P, hz) : 0;
    nt_infer_opts io = {.B = NT_RUN_MULTIPLIER_DRAWS, .seed = nt_mix64(P->st->seed ^ 0x6d756c7469706c79u), .level = nt_run_ci_level(P),
                        .less_is_better = less, .proj_horizons = nh ? hz : NULL, .n_proj_horizons = nh};
    nt_status s = nt_dyn_infer(lin, P->res[pg], &io, &P->inf[pg], err);
    free(less);
    return s;
}

static nt_status estimate_main(nt_run_state *P, nt_error *err)
{
    int npg = P->n_prog * P->n_groups;
    P->res = calloc((size_t)npg, sizeof *P->res);
    if (P->st->inference == 1 && !(P->inf = calloc((size_t)npg, sizeof *P->inf)))
        return nt_fail(err, NT_ENOMEM, "out of memory");
    long *units = malloc((size_t)(P->n_included ? P->n_included : 1) * sizeof *units);
    if (!P->res || !units) { free(units); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    nt_status s = NT_OK;
    nt_progress pr;
    nt_progress_begin(&pr, "estimating", (double)npg);
    for (int pg = 0; pg < npg && !s; pg++) {
        int pi = pg / P->n_groups, g = pg % P->n_groups;
        long nu = group_units(P, g, P->included, P->n_included, units);
        nt_dyn_opts d;
        dyn_opts(P, pi, 1, &d);
        month_note note = {&pr, pg, prog_name(P, pi),
                           P->group_label[g][0] ? P->group_label[g] : "whole cohort"};
        d.on_start_month = progress_month;
        d.progress = &note;
        nt_dyn_lin *lin = NULL;
        if (P->st->inference == 1 && (s = nt_dyn_lin_alloc(P->panel->n, d.horizon, P->view.n_outcomes, &lin, err)))
            break;
        d.lin = lin;
        nt_dyn_panel gv;
        d.pairs = nt_run_sens_pairs(P, pi, g);
        d.kw = nt_run_ttw_kw(P, pg);
        s = nt_dyn_estimate(nt_run_group_view(P, g, &gv), units, nu, &d, &P->res[pg], err);
        double ti = nt_now();
        if (!s && lin) s = linearised(P, pg, lin, err);
        if (lin) P->infer_seconds += lin->seconds + nt_now() - ti;
        if (!s && lin) s = nt_cost_benefit_collect(P, pg, lin, err);
        if (!s) s = nt_run_ttw_collect(P, pg, err);
        nt_dyn_lin_free(lin);
        if (!s && P->st->never) s = nt_run_never_estimate(P, pg, &d, nt_run_group_view(P, g, &gv), units, nu, err);
        if (s) break;
        nt_dyn_result *r = P->res[pg];
        const char *gl = P->group_label[g][0] ? P->group_label[g] : "whole cohort";
        if (r->n_skipped > 0) {
            P->rep->n_skipped_months += r->n_skipped;
            /* the share of the participants in the estimate (summary.csv share_covered), whole percent */
            char why[64];   /* pool_sparse: only months without treated (or all below min_treated) */
            snprintf(why, sizeof why, "%s%ld", d.pool_sparse ? "no treated, fewer than min_treated in all = "
                                                             : "fewer treated than min_treated = ", d.min_treated);
            warn(P, "%s, %s: %d of %d start months skipped (%s, no controls, or the propensity "
                 "model failed; see start_months.csv); %.0f%% of the participants covered", prog_name(P, pi), gl,
                 r->n_skipped, r->n_k, why,
                 r->n_participants > 0 ? floor(100.0 * (double)r->n_treated_matched[0] / (double)r->n_participants) : 0.0);
        }
        for (int iv = 0; iv < r->n_intervals; iv++) {
            const nt_dyn_interval *I = &r->interval[iv];
            if (I->firth)
                warn(P, "%s, %s, start months %d-%d: the propensity model separates; fitted by Firth's penalised logit",
                     prog_name(P, pi), gl, I->first, I->last);
            if (I->pooled > 1 && !I->status)
                detail(P, "%s, %s, start months %d-%d: one propensity model over %d start intervals (sparse ones pooled, "
                       "fewer than min_treated = %ld treated)", prog_name(P, pi), gl, I->first, I->last, I->pooled,
                       d.min_treated);
            if (!I->status || !I->note[0]) continue;
            /* The estimator's note has exact counts: named by cell and reason here. */
            char a[32], b[32];
            if (!strncmp(I->note, "propensity model failed", 23))
                warn(P, "%s, %s, start months %d-%d: not estimated: the propensity model failed (see private/warnings.txt)",
                     prog_name(P, pi), gl, I->first, I->last);
            else
                warn(P, "%s, %s, start months %d-%d: not estimated: too few to fit a propensity model (%s treated, %s "
                     "control rows)", prog_name(P, pi), gl, I->first, I->last, count_text(P, I->n_treated_rows, a, sizeof a),
                     count_text(P, I->n_rows - I->n_treated_rows, b, sizeof b));
            detail(P, "%s, %s, start months %d-%d: %s", prog_name(P, pi), gl, I->first, I->last, I->note);
        }
        char extra[256];
        snprintf(extra, sizeof extra, "%s, %s", prog_name(P, pi), gl);
        nt_progress_update(&pr, pg + 1, extra);
    }
    nt_progress_end(&pr);
    if (!s) nt_run_wtail_warn(P, P->st->horizon);
    free(units);
    return s;
}

static nt_status bootstrap(nt_run_state *P, nt_error *err)
{
    int B = P->st->bootstrap, npg = P->n_prog * P->n_groups;
    int H = P->st->horizon, NO = P->view.n_outcomes;   /* with the cost-benefit series */
    if (B <= 0 || P->st->inference == 1) return NT_OK;
    P->reps = calloc((size_t)npg, sizeof *P->reps);
    P->reps_fixed = calloc((size_t)npg, sizeof *P->reps_fixed);
    P->rep_failed = calloc((size_t)npg, sizeof *P->rep_failed);
    if (!P->reps || !P->reps_fixed || !P->rep_failed) return nt_fail(err, NT_ENOMEM, "out of memory");
    size_t per = (size_t)B * (size_t)NO * (size_t)H;
    for (int pg = 0; pg < npg; pg++) {
        P->reps[pg] = malloc(per * sizeof **P->reps);
        P->reps_fixed[pg] = malloc(per * sizeof **P->reps_fixed);
        if (!P->reps[pg] || !P->reps_fixed[pg]) return nt_fail(err, NT_ENOMEM, "out of memory");
        for (size_t i = 0; i < per; i++) P->reps[pg][i] = P->reps_fixed[pg][i] = NAN;
    }
    char *rep_done = calloc((size_t)B, 1);
    long done = 0;
    if (!rep_done) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status cs = nt_run_ckpt_open(P, rep_done, &done, err);
    if (cs) { free(rep_done); return cs; }
    nt_progress pr;
    nt_progress_begin(&pr, "bootstrap", (double)B);
    int oom = 0;
    const long N = P->n_included;
    /* Copies of a drawn person become one unit with a frequency weight,
       except where copies must be handled one by one (nt_dynamic.h). */
    const int by_count = !(P->st->method == NT_METHOD_NN && !P->st->replace) && P->st->trim != NT_TRIM_CRUMP;
    #pragma omp parallel
    {
        long *draw = malloc((size_t)(N ? N : 1) * sizeof *draw);
        long *units = malloc((size_t)(N ? N : 1) * sizeof *units);
        long *cnt = malloc((size_t)(N ? N : 1) * sizeof *cnt);
        long *gcnt = malloc((size_t)(N ? N : 1) * sizeof *gcnt);
        uint8_t *bfail = malloc((size_t)npg);
        if (!draw || !units || !cnt || !gcnt || !bfail) {
            #pragma omp atomic write
            oom = 1;
        }
        #pragma omp for schedule(dynamic, 1)
        for (int b = 0; b < B; b++) {
            if (!draw || !units || !cnt || !gcnt || !bfail || rep_done[b]) continue;
            memset(bfail, 0, (size_t)npg);
            nt_rng rng;
            nt_rng_init(&rng, P->st->seed, (uint64_t)b + 1);
            /* N draws with replacement, listed in person order (copies side
               by side): the same sample as in draw order, but the panel is
               then read front to back instead of at random. */
            for (long i = 0; i < N; i++) units[i] = 0;
            for (long i = 0; i < N; i++) units[nt_rng_below(&rng, (uint64_t)N)]++;
            long nd = 0;
            for (long i = 0; i < N; i++) {
                if (by_count) {
                    if (units[i] > 0) { draw[nd] = P->included[i]; cnt[nd++] = units[i]; }
                } else {
                    for (long c = 0; c < units[i]; c++) draw[nd++] = P->included[i];
                }
            }
            for (int pg = 0; pg < npg; pg++) {
                int pi = pg / P->n_groups, g = pg % P->n_groups;
                long nu = 0;
                for (long i = 0; i < nd; i++)
                    if (P->member[g][draw[i]]) {
                        if (by_count) gcnt[nu] = cnt[i];
                        units[nu++] = draw[i];
                    }
                nt_dyn_opts d;
                dyn_opts(P, pi, 0, &d);
                d.warm = P->res[pg];
                d.unit_count = by_count ? gcnt : NULL;
                d.glm_epsilon = 1e-6;
                nt_dyn_result *r = NULL;
                nt_error e;
                nt_dyn_panel gv;
                if (nt_dyn_estimate(nt_run_group_view(P, g, &gv), units, nu, &d, &r, &e)) {
                    #pragma omp atomic
                    P->rep_failed[pg]++;
                    bfail[pg] = 1;
                    continue;
                }
                for (int oc = 0; oc < NO; oc++)
                    for (int tau = 0; tau < H; tau++) {
                        size_t slot = ((size_t)oc * (size_t)B + (size_t)b) * (size_t)H + (size_t)tau;
                        P->reps[pg][slot] = r->att[oc * H + tau];
                        P->reps_fixed[pg][slot] = r->att_fixed[oc * H + tau];
                    }
                nt_dyn_result_free(r);
            }
            #pragma omp critical(nt_pipeline_progress)
            {
                nt_run_ckpt_add(P, b, bfail);
                done++;
                char extra[64];
                snprintf(extra, sizeof extra, "replicate %ld of %d", done, B);
                nt_progress_update(&pr, (double)done, extra);
            }
        }
        free(draw);
        free(units);
        free(cnt);
        free(gcnt);
        free(bfail);
    }
    nt_progress_end(&pr);
    free(rep_done);
    if (oom) return nt_fail(err, NT_ENOMEM, "out of memory in the bootstrap");
    for (int pg = 0; pg < npg; pg++)
        if (P->rep_failed[pg] > 0)
            warn(P, "%s, %s: %ld of %d bootstrap replicates failed and were left out",
                 prog_name(P, pg / P->n_groups), P->group_label[pg % P->n_groups][0] ? P->group_label[pg % P->n_groups] : "whole cohort",
                 P->rep_failed[pg], B);
    return NT_OK;
}


/* ------------------------------------------------------------ driver */

static void run_free(nt_run_state *P)
{
    int npg = P->n_prog * P->n_groups;
    if (P->res)
        for (int i = 0; i < npg; i++) nt_dyn_result_free(P->res[i]);
    if (P->inf)
        for (int i = 0; i < npg; i++) nt_dyn_inference_free(P->inf[i]);
    free(P->inf);
    if (P->reps)
        for (int i = 0; i < npg; i++) free(P->reps[i]);
    if (P->reps_fixed)
        for (int i = 0; i < npg; i++) free(P->reps_fixed[i]);
    free(P->res);
    free(P->reps);
    free(P->reps_fixed);
    free(P->rep_failed);
    for (int g = 0; g < P->n_groups; g++) {
        if (P->group_label) free(P->group_label[g]);
        if (P->member) free(P->member[g]);
        if (P->risk_mask) free(P->risk_mask[g]);
    }
    free(P->risk_mask);
    free(P->group_label);
    free(P->member);
    free(P->prog_code);
    free(P->fallback_cost);
    free(P->included);
    nt_run_paths_free(P);
    nt_run_never_free(P);
    nt_run_cred_free(P);
    nt_run_ttw_free(P);
    nt_cost_benefit_free(P);
    nt_run_export_free(P);
    nt_toe_run_free(P);
    nt_panel_free(P->panel);
    nt_run_context_free(P);
    nt_store_close(P->store);
    nt_manifest_free(P->m);
}

nt_status nt_pipeline_run(const nt_study *st, const nt_pipeline_opts *o, nt_pipeline_report *rep, nt_error *err)
{
    memset(rep, 0, sizeof *rep);
    nt_run_state P;
    memset(&P, 0, sizeof P);
    P.out_fd = -1;
    P.st = st;
    P.o = o;
    P.rep = rep;
    double t0 = nt_now(), t;
    snprintf(P.out, sizeof P.out, "%s", st->out);
    snprintf(rep->out, sizeof rep->out, "%s", st->out);
    nt_path_join(P.priv, sizeof P.priv, P.out, "private");
    char manifest[4300];
    nt_path_join(manifest, sizeof manifest, P.out, "manifest.json");
    nt_status s = nt_run_out_claim(&P, o->overwrite, o->resume, err);
    if (!s) s = nt_run_export_clear(P.out, err);
    if (!s) s = nt_mkdirs(P.priv, err);
    if (s) goto done;
    if (chmod(P.priv, 0700) != 0) { /* person-level files: the owner's only */
        s = nt_fail_at(err, NT_EIO, P.priv, 0, NULL, "cannot make the folder private: %s", strerror(errno));
        goto done;
    }
    if (o->threads > 0) omp_set_num_threads(o->threads);
    P.m = nt_manifest_alloc(o->argc, o->argv);
    if (!P.m) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    nt_study_record(st, P.m);
    for (int i = 0; i < st->n_warnings; i++) warn(&P, "%s", st->warnings[i]);
    nt_manifest_set_seed(P.m, st->seed);
    nt_manifest_set_threads(P.m, o->threads > 0 ? o->threads : omp_get_max_threads());
    if ((s = nt_manifest_add_input(P.m, st->path, err))) goto done;
    t = nt_now();
    if ((s = open_data(&P, err))) goto done;
    if ((s = resolve_programs(&P, err))) goto done;
    if ((s = nt_run_compare_check(&P, err))) goto done;
    if ((s = nt_run_benchmark_check(&P, err))) goto done;
    if ((s = nt_run_confounder_check(&P, err))) goto done;
    if ((s = load_panel(&P, err)) || (s = nt_run_context_load(&P, err))) goto done;
    if ((s = make_groups(&P, err))) goto done;
    if ((s = nt_run_ttw_prepare(&P, err))) goto done;
    if ((s = nt_run_report_names_check(&P, err))) goto done;
    if ((s = nt_cost_benefit_prepare(&P, err))) goto done;
    nt_manifest_timing(P.m, "load", nt_now() - t);
    rep->n_programs = P.n_prog;
    rep->n_groups = P.n_groups;
    if (st->method == NT_METHOD_NN && st->replace && st->bootstrap > 0)
        warn(&P, "the bootstrap is not valid for nearest-neighbour matching with replacement and a fixed number of "
                 "neighbours (Abadie & Imbens 2008): its standard errors may be too large or too small; "
                 "effects_by_start.csv has the analytic Abadie-Imbens SEs per start month (bootstrap = 0), or use "
                 "radius, kernel or ipw");
    if (st->inference == 1) {
        /* linearised inference: standard errors without replicates */
    } else if (st->bootstrap == 0 && st->method == NT_METHOD_NN)
        warn(&P, "no bootstrap: the SE of ATT(tau) combines the per-start-month Abadie-Imbens variances and ignores "
                 "the covariance of controls shared between start months; cumulative effects get no SE");
    else if (st->bootstrap == 0)
        warn(&P, "no bootstrap: effects of method %s get no standard errors", nt_run_method(&P));
    t = nt_now();
    clock_t c0 = clock();   /* CPU seconds of all threads: the measure on a shared machine */
    if ((s = estimate_main(&P, err))) goto done;
    nt_manifest_timing(P.m, "estimate", nt_now() - t);
    nt_manifest_timing(P.m, "estimate_cpu", (double)(clock() - c0) / CLOCKS_PER_SEC);
    if (P.inf) nt_manifest_timing(P.m, "inference", P.infer_seconds);  /* part of estimate */
    t = nt_now();
    if ((s = bootstrap(&P, err))) goto done;
    if ((s = nt_run_placebo(&P, err))) goto done;
    nt_manifest_timing(P.m, "bootstrap", nt_now() - t);
    t = nt_now();
    if ((s = nt_run_paths_compute(&P, err))) goto done;
    if ((s = nt_run_sensitivity(&P, err))) goto done;
    if ((s = nt_run_tables_write(&P, err))) goto done;
    if (st->toe && (s = nt_toe_run(&P, err))) goto done;
    if ((s = nt_run_differences_write(&P, err))) goto done;
    if ((s = nt_run_compare_write(&P, err))) goto done;
    if ((s = nt_run_ttw_write(&P, err))) goto done;
    nt_manifest_timing(P.m, "tables", nt_now() - t);
    t = nt_now();
    if ((s = nt_run_report_write(&P, err))) goto done;
    if ((s = nt_run_benchmark_write(&P, err))) goto done;
    nt_manifest_timing(P.m, "report", nt_now() - t);
    nt_manifest_count(P.m, "start_months_skipped", (double)rep->n_skipped_months);
    if ((s = write_details(&P, err))) goto done;
    rep->seconds = nt_now() - t0;
    nt_manifest_timing(P.m, "total", rep->seconds);
    nt_manifest_platform(P.m, "hdf5", nt_store_hdf5_version());
    /* export/ is built aside, then the manifest marks the run complete, then
       export/ appears whole (docs/disclosure.md). */
    char export_tmp[4400];
    if ((s = nt_run_export_build(&P, export_tmp, sizeof export_tmp, err))) goto done;
    s = nt_manifest_write(P.m, manifest, err);
    if (!s) s = nt_run_export_commit(&P, export_tmp, err);
done:
    nt_run_ckpt_close(&P, !s);
    run_free(&P);
    nt_run_out_release(&P);
    return s;
}
