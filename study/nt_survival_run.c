/* `netto survival km|cox` (see nt_survival_run.h; dhazard in
   nt_survival_dhazard.c, toe in nt_survival_toe.c). Column -> source:
     km.csv       every column                 nt_km_result (estimators/nt_km)
     logrank.csv  chisq, df, p_value           nt_logrank_test
     cox.csv      coef, se, robust_se          nt_cox_result (estimators/nt_cox)
                  z, p_value, hazard_ratio, ci nt_cox_result.wald (estimators/nt_stats)
     cox_fit.csv  likelihoods, tests, counts   nt_cox_result
   Disclosure bases are decided here: km rows the unweighted rows at risk;
   log-rank the smallest group; a Cox coefficient the events, and for a 0/1
   covariate also the rows on its smaller side; cox_fit the events. */
#include "study/nt_survival_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_progress.h"
#include "report/nt_table.h"
#include "study/nt_survival_rows.h"

void nt_survival_run_opts_default(nt_survival_run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->conf = NT_CONF_LOG;
    o->ties = NT_TIES_EFRON;
    o->link = NT_LINK_LOGIT;
}

static nt_status write_logrank(const nt_survival_run_opts *o, const nt_surv_data *d, const int *gcode, long ng,
                               nt_manifest *m, nt_notes *notes, nt_error *err)
{
    nt_logrank_result lr;
    double t1 = nt_now();
    nt_status s = nt_logrank_test(d, &lr, err);
    if (s) return s;
    nt_manifest_timing(m, "logrank", nt_now() - t1);
    long *gn = calloc((size_t)ng, sizeof *gn), basis = d->n;
    if (!gn) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < d->n; i++) gn[gcode[i]]++;
    for (long g = 0; g < ng; g++) if (gn[g] < basis) basis = gn[g];
    free(gn);
    const char *lc[] = {"chisq", "df", "p_value"};
    const nt_col_kind lk[] = {NT_COL_STAT, NT_COL_KEY, NT_COL_STAT};
    nt_table *tl = nt_table_alloc(lc, lk, 3);
    if (!tl || nt_table_add_row(tl)) { nt_table_free(tl); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    nt_table_set_num(tl, "chisq", lr.chisq);
    nt_table_set_int(tl, "df", lr.df);
    nt_table_set_num(tl, "p_value", lr.p_value);
    nt_table_set_basis(tl, basis);
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "logrank.csv");
    s = nt_table_write_csv(tl, path, o->min_cell, err);
    nt_table_free(tl);
    if (s) return s;
    nt_notes_add(notes, NT_NOTES_OUT, "netto survival km: log-rank chisq %.4f, df %d, p %.4g\n", lr.chisq, lr.df, lr.p_value);
    return NT_OK;
}

static nt_status write_km(const nt_survival_run_opts *o, const nt_km_result *km, const char **glab, nt_error *err)
{
    const char *cols[] = {"group", "time", "n_risk", "n_event", "n_censor", "survival", "se", "ci_lower", "ci_upper", "cumhaz", "std_chaz"};
    const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_STAT,
                                 NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    nt_table *t = nt_table_alloc(cols, kinds, 11);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < km->n; i++) {
        if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        nt_table_set_str(t, "group", glab ? glab[km->group[i]] : "");
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
    nt_status s = nt_table_write_csv(t, path, o->min_cell, err);
    nt_table_free(t);
    return s;
}

static nt_status run_km(const nt_survival_run_opts *o, nt_manifest *m, nt_notes *notes, nt_error *err)
{
    double t0 = nt_now();
    nt_survival_rows r;
    nt_km_result *km = NULL;
    int *gcode = NULL;
    const char **glab = NULL;
    long ng = 1;
    nt_status s;
    const char *extra[2] = {o->group}, *wlab[2] = {"treated", "control"};
    double *jbuf = NULL;
    if (o->weights) { extra[0] = "person_id"; extra[1] = "start_month"; }
    if ((s = nt_survival_rows_load(o, NULL, 0, extra, o->weights ? 2 : o->group ? 1 : 0, &r, err))) goto done;
    nt_surv_data d = {.n = r.n, .start = r.start, .stop = r.stop, .event = r.event, .weight = r.weight, .n_strata = 1};
    if (o->weights) {
        long bad;
        if ((s = nt_survival_km_join(o, &r, &d, &jbuf, &gcode, err)) || (s = nt_surv_check(&d, &bad, err))) goto done;
        ng = 2;
    } else if (o->group) {
        gcode = malloc((size_t)(r.n ? r.n : 1) * sizeof *gcode);
        if (!gcode) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        if ((s = nt_survival_codes(&r, nt_flat_find(r.f, o->group), gcode, &ng, &glab, err))) goto done;
        d.strata = gcode;
        d.n_strata = (int)ng;
    }
    if (!o->weights && (s = nt_survival_rows_check(&r, &d, err))) goto done;
    const char *dn[5];
    int nn = 0;
    dn[nn++] = o->time; dn[nn++] = o->event;
    if (o->start) dn[nn++] = o->start;
    if (o->weight) dn[nn++] = o->weight;
    if (o->group) dn[nn++] = o->group;
    nt_survival_rows_report(m, &r, dn, nn, "km", notes);
    double t1 = nt_now();
    if ((s = nt_km_fit(&d, o->conf, 0.95, &km, err))) goto done;
    nt_manifest_timing(m, "kaplan_meier", nt_now() - t1);
    if (km->robust)
        nt_manifest_warning(m, "non-integer weights: standard errors are infinitesimal-jackknife (robust), as R survfit, not Greenwood");
    if ((s = nt_mkdirs(o->out, err))) goto done;
    if ((s = write_km(o, km, o->weights ? wlab : o->group ? glab : NULL, err))) goto done;
    if (o->group && (s = write_logrank(o, &d, gcode, ng, m, notes, err))) goto done;
    nt_manifest_count(m, "groups", (double)ng);
    nt_manifest_setting_str(m, NULL, "conf_type", o->conf == NT_CONF_LOG ? "log" : o->conf == NT_CONF_LOGLOG ? "log-log" : "plain");
    nt_manifest_setting_num(m, NULL, "conf_level", 0.95);
    nt_manifest_setting_str(m, NULL, "variance", km->robust ? "infinitesimal jackknife (non-integer weights)" : "Greenwood");
    nt_manifest_setting_str(m, NULL, "mirrors", "survival::survfit(Surv(time, event) ~ group, conf.type, weights) and survdiff (rho = 0), survival 3.5");
    if ((s = nt_manifest_add_input(m, o->data, err))) goto done;
    if ((s = nt_survival_finish(m, o, t0, err))) goto done;
    nt_notes_add(notes, NT_NOTES_OUT, "netto survival km: %ld rows in km.csv (%ld group%s), written to %s\n", km->n, ng,
                 ng == 1 ? "" : "s", o->out);
done:
    nt_km_result_free(km);
    free(gcode);
    free(glab);
    free(jbuf);
    nt_survival_rows_free(&r);
    return s;
}

static nt_status write_cox(const nt_survival_run_opts *o, const nt_survival_rows *r, const nt_cox_result *fit,
                           nt_error *err)
{
    const char *cols[] = {"term", "coef", "se", "z", "p_value", "hazard_ratio", "ci_lower", "ci_upper", "robust_se"};
    const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                 NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    nt_table *t = nt_table_alloc(cols, kinds, o->cluster ? 9 : 8);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    const nt_wald *w = fit->wald;
    for (int j = 0; j < fit->p; j++) {
        if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        nt_table_set_str(t, "term", r->des->term[j]);
        nt_table_set_num(t, "coef", fit->coef[j]);
        nt_table_set_num(t, "se", fit->se[j]);
        if (o->cluster) nt_table_set_num(t, "robust_se", fit->robust_se[j]);
        nt_table_set_num(t, "z", w->z[j]);
        nt_table_set_num(t, "p_value", w->p_value[j]);
        nt_table_set_num(t, "hazard_ratio", w->ratio[j]);
        nt_table_set_num(t, "ci_lower", w->ratio_lower[j]);
        nt_table_set_num(t, "ci_upper", w->ratio_upper[j]);
        /* basis: events, and for a 0/1 column the rows on the smaller side */
        long basis = fit->n_events, ones = 0, zeros = 0;
        const double *xj = r->des->x + (size_t)j * (size_t)r->n;
        for (long i = 0; i < r->n; i++) { if (xj[i] == 1) ones++; else if (xj[i] == 0) zeros++; }
        if (ones + zeros == r->n) { if (ones < basis) basis = ones; if (zeros < basis) basis = zeros; }
        nt_table_set_basis(t, basis);
    }
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "cox.csv");
    nt_status s = nt_table_write_csv(t, path, o->min_cell, err);
    nt_table_free(t);
    if (s) return s;
    const char *fc[] = {"loglik_null", "loglik", "n", "n_events", "iterations", "ties", "wald_chisq", "score_chisq", "lr_chisq", "df"};
    const nt_col_kind fk[] = {NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_KEY, NT_COL_KEY,
                              NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_KEY};
    nt_table *tf = nt_table_alloc(fc, fk, 10);
    if (!tf || nt_table_add_row(tf)) { nt_table_free(tf); return nt_fail(err, NT_ENOMEM, "out of memory"); }
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
    s = nt_table_write_csv(tf, path, o->min_cell, err);
    nt_table_free(tf);
    return s;
}

static nt_status run_cox(const nt_survival_run_opts *o, nt_manifest *m, nt_notes *notes, nt_error *err)
{
    double t0 = nt_now();
    nt_survival_rows r;
    memset(&r, 0, sizeof r);
    nt_cox_result *fit = NULL;
    int *scode = NULL;
    long *ccode = NULL;
    char **vars = NULL;
    int nvars = nt_words_split(o->covariates, &vars);
    long nstr = 1, ncl = 0;
    nt_status s = NT_OK;
    if (nvars <= 0) { s = nt_fail(err, NT_EUSAGE, "--covariates: expected a comma-separated list of columns"); goto done; }
    const char *extra[2];
    int nextra = 0;
    if (o->strata) extra[nextra++] = o->strata;
    if (o->cluster) extra[nextra++] = o->cluster;
    if ((s = nt_survival_rows_load(o, (const char *const *)vars, nvars, extra, nextra, &r, err))) goto done;
    nt_surv_data d = {.n = r.n, .start = r.start, .stop = r.stop, .event = r.event, .weight = r.weight, .n_strata = 1};
    if (o->strata) {
        scode = malloc((size_t)(r.n ? r.n : 1) * sizeof *scode);
        if (!scode) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        if ((s = nt_survival_codes(&r, nt_flat_find(r.f, o->strata), scode, &nstr, NULL, err))) goto done;
        d.strata = scode;
        d.n_strata = (int)nstr;
    }
    if (o->cluster) {
        int *cc = malloc((size_t)(r.n ? r.n : 1) * sizeof *cc);
        ccode = malloc((size_t)(r.n ? r.n : 1) * sizeof *ccode);
        if (!cc || !ccode) { free(cc); s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        s = nt_survival_codes(&r, nt_flat_find(r.f, o->cluster), cc, &ncl, NULL, err);
        for (long i = 0; i < r.n && !s; i++) ccode[i] = cc[i];
        free(cc);
        if (s) goto done;
    }
    if ((s = nt_survival_rows_check(&r, &d, err))) goto done;
    {
        const char *dn[64];
        int nn = 0;
        for (int k = 0; k < nvars && nn < 56; k++) dn[nn++] = vars[k];
        dn[nn++] = o->time; dn[nn++] = o->event;
        if (o->start) dn[nn++] = o->start;
        if (o->weight) dn[nn++] = o->weight;
        for (int k = 0; k < nextra; k++) dn[nn++] = extra[k];
        nt_survival_rows_report(m, &r, dn, nn, "cox", notes);
    }
    nt_cox_opts co;
    nt_cox_opts_default(&co);
    co.ties = o->ties;
    double t1 = nt_now();
    if ((s = nt_cox_fit(&d, r.des->x, r.des->p, (const char *const *)r.des->term, ccode, ncl, &co, &fit, err))) {
        if (!err->file[0]) snprintf(err->file, sizeof err->file, "%s", o->data);
        goto done;
    }
    nt_manifest_timing(m, "cox_fit", nt_now() - t1);
    if (fit->warning[0]) {
        nt_notes_add(notes, NT_NOTES_ERR, "netto survival cox: warning: %s\n", fit->warning);
        nt_manifest_warning(m, "%s", fit->warning);
    }
    if ((s = nt_mkdirs(o->out, err))) goto done;
    if ((s = write_cox(o, &r, fit, err))) goto done;
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
    if ((s = nt_manifest_add_input(m, o->data, err))) goto done;
    if ((s = nt_survival_finish(m, o, t0, err))) goto done;
    nt_notes_add(notes, NT_NOTES_OUT, "netto survival cox: %ld events, %d iterations, loglik %.6f (null %.6f); written to %s\n",
                 fit->n_events, fit->iterations, fit->loglik, fit->loglik_null, o->out);
done:
    nt_cox_result_free(fit);
    free(scode);
    free(ccode);
    nt_words_free(vars, nvars > 0 ? nvars : 0);
    nt_survival_rows_free(&r);
    return s;
}

nt_status nt_survival_run(const nt_survival_run_opts *o, nt_notes *notes, nt_error *err)
{
    nt_manifest *m = nt_manifest_alloc(o->argc, o->argv);
    if (!m) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_manifest_setting_str(m, NULL, "data", o->data);
    nt_status s;
    if (o->model == NT_SURVIVAL_DHAZARD || o->model == NT_SURVIVAL_TOE) {
        s = o->model == NT_SURVIVAL_TOE ? nt_survival_toe(o, m, notes, err) : nt_survival_dhazard(o, m, notes, err);
        nt_manifest_free(m);
        return s;
    }
    int km = o->model == NT_SURVIVAL_KM;
    nt_manifest_setting_str(m, NULL, "start", o->start ? o->start : "");
    nt_manifest_setting_str(m, NULL, km ? "time" : "stop", o->time);
    nt_manifest_setting_str(m, NULL, "event", o->event);
    nt_manifest_setting_str(m, NULL, "weight", o->weight ? o->weight : "");
    nt_manifest_setting_num(m, NULL, "min_cell", (double)o->min_cell);
    if (km) {
        nt_manifest_setting_str(m, NULL, "group", o->group ? o->group : "");
    } else {
        nt_manifest_setting_str(m, NULL, "covariates", o->covariates);
        nt_manifest_setting_str(m, NULL, "strata", o->strata ? o->strata : "");
        nt_manifest_setting_str(m, NULL, "cluster", o->cluster ? o->cluster : "");
    }
    s = km ? run_km(o, m, notes, err) : run_cox(o, m, notes, err);
    nt_manifest_free(m);
    return s;
}
