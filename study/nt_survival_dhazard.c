/* `netto survival dhazard` (see nt_survival_run.h, docs/survival.md): one
   row per person -> person-period rows (data/nt_pp_read_flat) -> the
   discrete-time hazard (estimators/nt_dhazard_fit) -> tables. Column ->
   source:
     dhazard.csv      estimate, se, robust_se   nt_dhazard_result.glm, robust_se
                      z, p_value, odds_ratio |  nt_dhazard_result.wald (on robust_se
                      hazard_ratio, ci          with a cluster)
     dhazard_fit.csv  loglik, deviance, counts  nt_dhazard_result.glm, the rows
   Disclosure bases are decided here: the intercept and a baseline piece
   rest on the events in that piece; a covariate on all events and, for a
   0/1 covariate, also the persons on its smaller side; the fit on the
   events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_progress.h"
#include "data/nt_pp.h"
#include "estimators/nt_dhazard.h"
#include "report/nt_table.h"
#include "study/nt_survival_rows.h"

static const char *link_name(nt_glm_link l) { return l == NT_LINK_CLOGLOG ? "cloglog" : "logit"; }

/* The coefficient table; p_events: the events of the persons (basis). */
static nt_status write_coefficients(const nt_survival_run_opts *o, const nt_survival_rows *r,
                                    const nt_dhazard_result *fit, long n_events, nt_error *err)
{
    const char *ratio = o->link == NT_LINK_CLOGLOG ? "hazard_ratio" : "odds_ratio";
    const char *cols[] = {"term", "estimate", "se", "z", "p_value", ratio, "ci_lower", "ci_upper", "robust_se"};
    const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT,
                                 NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    nt_table *t = nt_table_alloc(cols, kinds, o->cluster ? 9 : 8);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    const nt_wald *w = fit->wald;
    int np = fit->n_pieces;
    for (int j = 0; j < fit->p; j++) {
        if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        nt_table_set_str(t, "term", fit->term[j]);
        nt_table_set_num(t, "estimate", fit->glm->beta[j]);
        nt_table_set_num(t, "se", fit->glm->se[j]);
        if (o->cluster) nt_table_set_num(t, "robust_se", fit->robust_se[j]);
        nt_table_set_num(t, "z", w->z[j]);
        nt_table_set_num(t, "p_value", w->p_value[j]);
        nt_table_set_num(t, ratio, w->ratio[j]);
        nt_table_set_num(t, "ci_lower", w->ratio_lower[j]);
        nt_table_set_num(t, "ci_upper", w->ratio_upper[j]);
        long basis = n_events;
        if (j < np) {
            basis = fit->piece_events[j];   /* the intercept is the reference piece */
        } else {
            long ones = 0, zeros = 0;
            const double *xj = r->des->x + (size_t)(j - np) * (size_t)r->n;
            for (long i = 0; i < r->n; i++) { if (xj[i] == 1) ones++; else if (xj[i] == 0) zeros++; }
            if (ones + zeros == r->n) { if (ones < basis) basis = ones; if (zeros < basis) basis = zeros; }
        }
        nt_table_set_basis(t, basis);
    }
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "dhazard.csv");
    nt_status s = nt_table_write_csv(t, path, o->min_cell, err);
    nt_table_free(t);
    return s;
}

static nt_status write_fit(const nt_survival_run_opts *o, const nt_dhazard_result *fit, long n_persons,
                           long n_rows, long n_events, nt_error *err)
{
    const char *fc[] = {"link", "loglik", "deviance", "n_persons", "n_periods", "n_events", "pieces", "iterations"};
    const nt_col_kind fk[] = {NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT,
                              NT_COL_KEY, NT_COL_KEY};
    nt_table *tf = nt_table_alloc(fc, fk, 8);
    if (!tf || nt_table_add_row(tf)) { nt_table_free(tf); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    nt_table_set_str(tf, "link", link_name(o->link));
    nt_table_set_num(tf, "loglik", fit->glm->loglik);
    nt_table_set_num(tf, "deviance", fit->glm->deviance);
    nt_table_set_int(tf, "n_persons", n_persons);
    nt_table_set_int(tf, "n_periods", n_rows);
    nt_table_set_int(tf, "n_events", n_events);
    nt_table_set_int(tf, "pieces", fit->n_pieces);
    nt_table_set_int(tf, "iterations", fit->glm->iterations);
    nt_table_set_basis(tf, n_events);
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "dhazard_fit.csv");
    nt_status s = nt_table_write_csv(tf, path, o->min_cell, err);
    nt_table_free(tf);
    return s;
}

static void record_settings(const nt_survival_run_opts *o, nt_manifest *m)
{
    char cuts[1024] = "";
    size_t len = 0;
    for (int k = 0; k < o->n_cuts && len < sizeof cuts; k++) {
        char b[32];
        nt_format_num(o->cuts[k], b);
        len += (size_t)snprintf(cuts + len, sizeof cuts - len, "%s%s", k ? "," : "", b);
    }
    nt_manifest_setting_str(m, NULL, "id", o->id);
    nt_manifest_setting_str(m, NULL, "time", o->time);
    nt_manifest_setting_str(m, NULL, "event", o->event);
    nt_manifest_setting_str(m, NULL, "covariates", o->covariates);
    nt_manifest_setting_str(m, NULL, "cluster", o->cluster ? o->cluster : "");
    nt_manifest_setting_num(m, NULL, "min_cell", (double)o->min_cell);
    nt_manifest_setting_str(m, NULL, "link", link_name(o->link));
    nt_manifest_setting_str(m, NULL, "cuts", cuts);
    nt_manifest_setting_str(m, NULL, "baseline", o->n_cuts ? "one dummy per piece (c_k-1, c_k] of periods, the first piece the reference"
                                                          : "one dummy per period, the first period the reference");
    nt_manifest_setting_str(m, NULL, "person_periods", "periods 1..time per person; y = 1 in period time when the event is 1");
    nt_manifest_setting_str(m, NULL, "variance", o->cluster ? "robust (sandwich::vcovCL, HC0 with G/(G-1), by cluster); z, p and intervals use it"
                                                            : "model-based (summary.glm)");
    nt_manifest_setting_str(m, NULL, "mirrors", "glm(y ~ factor(piece) + covariates, family = binomial(link)), stats 4.2");
}

/* Cluster code of each person-period row (NULL without a cluster). */
static nt_status row_clusters(const nt_survival_run_opts *o, const nt_survival_rows *r, const nt_pp *pp,
                              long **cl, long *ncl, nt_error *err)
{
    *cl = NULL;
    *ncl = 0;
    if (!o->cluster) return NT_OK;
    int *cc = malloc((size_t)(r->n ? r->n : 1) * sizeof *cc);
    long *c = malloc((size_t)(pp->n ? pp->n : 1) * sizeof *c);
    if (!cc || !c) { free(cc); free(c); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    nt_status s = nt_survival_codes(r, nt_flat_find(r->f, o->cluster), cc, ncl, NULL, err);
    for (long k = 0; k < pp->n && !s; k++) c[k] = cc[pp->person[k]];
    free(cc);
    if (s) { free(c); return s; }
    *cl = c;
    return NT_OK;
}

nt_status nt_survival_dhazard(const nt_survival_run_opts *o, nt_manifest *m, nt_notes *notes, nt_error *err)
{
    double t0 = nt_now();
    nt_survival_rows r;
    memset(&r, 0, sizeof r);
    nt_pp *pp = NULL;
    nt_dhazard_result *fit = NULL;
    long *cl = NULL, ncl = 0, n_events = 0;
    char **vars = NULL;
    int nvars = nt_words_split(o->covariates, &vars);
    nt_status s = NT_OK;
    record_settings(o, m);
    if (nvars <= 0) { s = nt_fail(err, NT_EUSAGE, "--covariates: expected a comma-separated list of columns"); goto done; }
    for (int k = 1; k < o->n_cuts; k++)
        if (!(o->cuts[k] > o->cuts[k - 1])) { s = nt_fail(err, NT_EUSAGE, "--cuts: expected ascending period bounds"); goto done; }
    const char *extra[2] = {o->id, o->cluster};
    int nextra = o->cluster && strcmp(o->cluster, o->id) ? 2 : 1;
    if ((s = nt_survival_rows_load(o, (const char *const *)vars, nvars, extra, nextra, &r, err))) goto done;
    if ((s = nt_pp_read_flat(r.f, r.des, nt_flat_find(r.f, o->id), r.ct, r.ce, &pp, err))) goto done;
    {
        const char *dn[64];
        int nn = 0;
        for (int k = 0; k < nvars && nn < 60; k++) dn[nn++] = vars[k];
        dn[nn++] = o->time; dn[nn++] = o->event;
        for (int k = 0; k < nextra; k++) dn[nn++] = extra[k];
        nt_survival_rows_report(m, &r, dn, nn, "dhazard", notes);
    }
    for (long k = 0; k < pp->n; k++) n_events += pp->y[k] == 1;
    if ((s = row_clusters(o, &r, pp, &cl, &ncl, err))) goto done;
    nt_dhazard_opts dopt = {.link = o->link, .cuts = o->n_cuts ? o->cuts : NULL, .n_cuts = o->n_cuts,
                            .cluster = cl, .n_clusters = ncl};
    double t1 = nt_now();
    if ((s = nt_dhazard_fit(pp->period, pp->y, pp->x, pp->nx, (const char *const *)r.des->term, NULL, pp->n, &dopt,
                            &fit, err))) {
        if (!err->file[0]) snprintf(err->file, sizeof err->file, "%s", o->data);
        goto done;
    }
    nt_manifest_timing(m, "dhazard_fit", nt_now() - t1);
    if (fit->warning[0]) {
        nt_notes_add(notes, NT_NOTES_ERR, "netto survival dhazard: warning: %s\n", fit->warning);
        nt_manifest_warning(m, "%s", fit->warning);
    }
    if ((s = nt_mkdirs(o->out, err))) goto done;
    if ((s = write_coefficients(o, &r, fit, n_events, err))) goto done;
    if ((s = write_fit(o, fit, r.n, pp->n, n_events, err))) goto done;
    nt_manifest_count(m, "persons", (double)r.n);
    nt_manifest_count(m, "person_periods", (double)pp->n);
    nt_manifest_count(m, "n_events", (double)n_events);
    nt_manifest_count(m, "pieces", (double)fit->n_pieces);
    if (o->cluster) nt_manifest_count(m, "clusters", (double)ncl);
    nt_manifest_count(m, "iterations", fit->glm->iterations);
    if ((s = nt_manifest_add_input(m, o->data, err))) goto done;
    if ((s = nt_survival_finish(m, o, t0, err))) goto done;
    nt_notes_add(notes, NT_NOTES_OUT, "netto survival dhazard: %ld persons, %ld person-periods, %ld events, %d iterations, "
                 "loglik %.6f; written to %s\n", r.n, pp->n, n_events, fit->glm->iterations, fit->glm->loglik, o->out);
done:
    nt_dhazard_result_free(fit);
    nt_pp_free(pp);
    free(cl);
    nt_words_free(vars, nvars > 0 ? nvars : 0);
    nt_survival_rows_free(&r);
    return s;
}
