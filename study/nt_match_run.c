/* `netto match` (see nt_match_run.h). Column -> source:
     effects.csv   estimate, se, ci_*, counts   nt_psm_result.effects (estimators/nt_psm)
     balance.csv   means, smd, variance ratios  nt_psm_result.balance (estimators/nt_balance)
     pscore.csv    estimate, se                 nt_psm_result.glm (estimators/nt_glm)
     matched_pairs focal/match lines, weight    nt_psm_result.att / atc (estimators/nt_match)
   Disclosure bases (the fewest persons a row rests on) are decided here:
   effects min(treated matched, controls used); balance also min(treated,
   controls); pscore the smaller arm. */
#include "study/nt_match_run.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_progress.h"
#include "data/nt_design.h"
#include "data/nt_flat.h"
#include "data/nt_store.h"
#include "report/nt_manifest.h"
#include "report/nt_table.h"
#include "study/nt_result_tables.h"

void nt_match_run_opts_default(nt_match_run_opts *o)
{
    memset(o, 0, sizeof *o);
    nt_psm_opts_default(&o->psm);
}

static const char *order_name(nt_match_order o)
{
    static const char *n[] = {"largest", "smallest", "data", "random"};
    return n[o];
}

/* One run's inputs and results. */
typedef struct {
    const nt_match_run_opts *o;
    nt_psm_opts psm;          /* o->psm with the tie scale resolved */
    nt_flat *f;
    nt_design *des;
    char **outs, **covs, **exs;
    int nout, ncov, nex;
    const char **req;         /* treatment, outcomes, exact columns */
    uint8_t *tr;
    double *y;
    long *cell;
    long n, n1, ncells;
    nt_psm_result *res;
    nt_manifest *man;
} match_run;

/* The flat file, the model matrix, treatment, outcomes and exact cells of
   the rows kept; the rows dropped for a missing value counted and noted. */
static nt_status read_input(match_run *R, nt_notes *notes, nt_error *err)
{
    const nt_match_run_opts *o = R->o;
    double t1 = nt_now();
    nt_status s;
    if ((s = nt_flat_read(o->data, &R->f, err))) return s;
    nt_flat *f = R->f;
    int nout = R->nout, nex = R->nex, ncov = R->ncov;
    int ct, *cy = calloc((size_t)nout, sizeof *cy), *cx = calloc((size_t)(nex ? nex : 1), sizeof *cx);
    if (!cy || !cx) { free(cy); free(cx); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    if (!(s = nt_flat_require(f, o->treatment, &ct, err))) s = nt_flat_require_binary(f, ct, err);
    for (int k = 0; k < nout && !s; k++) s = nt_flat_require_numeric(f, R->outs[k], &cy[k], err);
    for (int k = 0; k < nex && !s; k++) s = nt_flat_require(f, R->exs[k], &cx[k], err);
    if (s) { free(cy); free(cx); return s; }
    R->req = malloc((size_t)(1 + nout + nex) * sizeof *R->req);
    if (!R->req) { free(cy); free(cx); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    R->req[0] = o->treatment;
    for (int k = 0; k < nout; k++) R->req[1 + k] = R->outs[k];
    for (int k = 0; k < nex; k++) R->req[1 + nout + k] = R->exs[k];
    nt_design_opts dopt = {.intercept = 1, .reject_constant = 1};
    if ((s = nt_design_build(f, (const char *const *)R->covs, ncov, R->req, 1 + nout + nex, &dopt, &R->des, err))) {
        free(cy); free(cx);
        return s;
    }
    const nt_design *des = R->des;
    long n = R->n = des->n;
    R->tr = malloc((size_t)n);
    R->y = malloc((size_t)n * (size_t)nout * sizeof *R->y);
    if (nex) R->cell = malloc((size_t)n * sizeof *R->cell);
    if (!R->tr || !R->y || (nex && !R->cell)) { free(cy); free(cx); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    long n1 = 0;
    for (long i = 0; i < n; i++) {
        R->tr[i] = f->cols[ct].num[des->row[i]] == 1;
        n1 += R->tr[i];
        for (int k = 0; k < nout; k++) R->y[(size_t)k * n + i] = f->cols[cy[k]].num[des->row[i]];
    }
    R->n1 = n1;
    R->ncells = 1;
    if (nex) {   /* one coding of exact cells for every command (data/nt_design) */
        int32_t *c32 = malloc((size_t)(n ? n : 1) * sizeof *c32);
        if (!c32) s = nt_fail(err, NT_ENOMEM, "out of memory");
        else if (!(s = nt_design_cells_flat(f, cx, nex, des->row, n, c32, &R->ncells, err)))
            for (long i = 0; i < n; i++) R->cell[i] = c32[i];
        free(c32);
    }
    free(cy);
    free(cx);
    if (s) return s;
    if (n1 == 0 || n1 == n)
        return nt_fail_at(err, NT_EINPUT, f->path, 0, f->cols[ct].name, "no %s (value %d) among the %ld rows used",
                          n1 == 0 ? "treated rows" : "control rows", n1 == 0 ? 1 : 0, n);
    nt_manifest *man = R->man;
    nt_manifest_timing(man, "read", nt_now() - t1);
    nt_manifest_count(man, "rows_read", (double)f->n_rows);
    nt_manifest_count(man, "rows_used", (double)n);
    nt_manifest_count(man, "rows_dropped_missing", (double)des->n_dropped);
    if (des->n_dropped > 0) {
        nt_notes_add(notes, NT_NOTES_ERR, "netto match: %ld of %ld rows dropped for a missing value (", des->n_dropped, f->n_rows);
        int first = 1;
        for (int k = 0; k < ncov + 1 + nout + nex; k++) {
            long c = des->dropped_by[k];
            if (!c) continue;
            const char *name = k < ncov ? R->covs[k] : R->req[k - ncov];
            char key[160];
            snprintf(key, sizeof key, "rows_dropped_missing:%s", name);
            nt_manifest_count(man, key, (double)c);
            nt_notes_add(notes, NT_NOTES_ERR, "%s%s: %ld", first ? "" : ", ", name, c);
            first = 0;
        }
        nt_notes_add(notes, NT_NOTES_ERR, ")\n");
        nt_manifest_warning(man, "%ld rows dropped for a missing value", des->n_dropped);
    }
    return NT_OK;
}

/* Writes table t as <out>/name and frees it. */
static nt_status write_out(const match_run *R, nt_table *t, const char *name, nt_error *err)
{
    char path[4200];
    nt_path_join(path, sizeof path, R->o->out, name);
    nt_status s = nt_table_write_csv(t, path, R->o->min_cell, err);
    nt_table_free(t);
    return s;
}

static nt_status write_effects(const match_run *R, nt_error *err)
{
    static const char *const extra[] = {"se_method"};
    static const nt_col_kind extra_kind[] = {NT_COL_KEY};
    nt_table *te = nt_effects_table_alloc(extra, extra_kind, 1);
    if (!te) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int k = 0; k < R->nout; k++) {
        const nt_psm_effect *e = &R->res->effects[k];
        nt_effect_row row = {.outcome = R->outs[k], .month = -1,
                             .estimand = R->psm.estimand == NT_ATT ? "ATT" : "ATE",
                             .method = nt_method_name(R->psm.method), .estimate = e->estimate, .se = e->se,
                             .ci_lower = e->ci_lower, .ci_upper = e->ci_upper, .n_treated = e->n_treated,
                             .n_control = e->n_control, .n_treated_matched = e->n_treated_matched,
                             .n_control_used = e->n_control_used};
        if (nt_effects_table_add(te, &row)) { nt_table_free(te); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        nt_table_set_str(te, "se_method", R->res->se_method);
    }
    return write_out(R, te, "effects.csv", err);
}

static nt_status write_balance(const match_run *R, nt_error *err)
{
    nt_table *tb = nt_balance_table_alloc(0);
    if (!tb) return nt_fail(err, NT_ENOMEM, "out of memory");
    const nt_psm_result *res = R->res;
    long tm = res->effects[0].n_treated_matched, cu = res->effects[0].n_control_used;
    long bbasis = res->n_treated < res->n_control ? res->n_treated : res->n_control;
    if (tm < bbasis) bbasis = tm;
    if (cu < bbasis) bbasis = cu;
    for (int j = 1; j < R->des->p; j++)
        if (nt_balance_table_add(tb, NULL, NULL, R->des->term[j], &res->balance[j - 1], NULL, bbasis)) {
            nt_table_free(tb);
            return nt_fail(err, NT_ENOMEM, "out of memory");
        }
    return write_out(R, tb, "balance.csv", err);
}

static nt_status write_pscore(const match_run *R, nt_error *err)
{
    nt_table *tp = nt_pscore_table_alloc();
    if (!tp) return nt_fail(err, NT_ENOMEM, "out of memory");
    long n1 = R->n1, n = R->n;
    for (int j = 0; j < R->des->p; j++)
        if (nt_pscore_table_add(tp, NULL, NULL, NULL, R->des->term[j], R->res->glm->beta[j], R->res->glm->se[j],
                                n1 < n - n1 ? n1 : n - n1)) {
            nt_table_free(tp);
            return nt_fail(err, NT_ENOMEM, "out of memory");
        }
    return write_out(R, tp, "pscore.csv", err);
}

/* Person level: only under <out>/private/. Rows are the file's physical lines. */
static nt_status write_pairs(const match_run *R, nt_error *err)
{
    char priv[4200], path[4200];
    nt_path_join(priv, sizeof priv, R->o->out, "private");
    nt_status s = nt_mkdirs(priv, err);
    if (s) return s;
    const char *qc[] = {"focal_line", "match_line", "focal_treated", "weight"};
    const nt_col_kind qk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY};
    nt_table *tq = nt_table_alloc(qc, qk, 4);
    if (!tq) return nt_fail(err, NT_ENOMEM, "out of memory");
    const nt_matchset *sets[2] = {R->res->att, R->res->atc};
    const nt_flat *f = R->f;
    const long *row = R->des->row;
    for (int a = 0; a < 2; a++) {
        const nt_matchset *m = sets[a];
        if (!m) continue;
        for (long i = 0; i < R->n; i++)
            for (long q = m->start[i]; q < m->start[i + 1]; q++) {
                if (nt_table_add_row(tq)) { nt_table_free(tq); return nt_fail(err, NT_ENOMEM, "out of memory"); }
                nt_table_set_int(tq, "focal_line", f->line[row[i]]);
                nt_table_set_int(tq, "match_line", f->line[row[m->match[q]]]);
                nt_table_set_int(tq, "focal_treated", m->focal_arm);
                nt_table_set_num(tq, "weight", m->w[q]);
            }
    }
    nt_path_join(path, sizeof path, priv, "matched_pairs.csv");
    s = nt_table_write_csv(tq, path, 0, err);
    nt_table_free(tq);
    return s;
}

/* Every resolved setting. */
static void record_settings(const match_run *R)
{
    const nt_match_run_opts *o = R->o;
    const nt_psm_opts *psm = &R->psm;
    const nt_psm_result *res = R->res;
    nt_manifest *man = R->man;
    nt_manifest_setting_str(man, NULL, "data", o->data);
    nt_manifest_setting_str(man, NULL, "treatment", o->treatment);
    nt_manifest_setting_str(man, NULL, "outcomes", o->outcomes);
    nt_manifest_setting_str(man, NULL, "covariates", o->covariates);
    nt_manifest_setting_str(man, NULL, "exact", o->exact ? o->exact : "");
    nt_manifest_setting_str(man, NULL, "method", nt_method_name(psm->method));
    nt_manifest_setting_str(man, NULL, "estimand", psm->estimand == NT_ATT ? "ATT" : "ATE");
    nt_manifest_setting_str(man, NULL, "propensity_model", "logit, IRLS as R glm (epsilon 1e-8, maxit 25)");
    nt_manifest_setting_str(man, NULL, "distance", psm->distance == NT_DIST_LOGIT ? "logit" : "probability");
    nt_manifest_setting_num(man, NULL, "neighbors", psm->match.neighbors);
    nt_manifest_setting_bool(man, NULL, "replace", psm->match.replace);
    nt_manifest_setting_str(man, NULL, "order", order_name(psm->match.order));
    nt_manifest_setting_num(man, NULL, "caliper_sd", psm->caliper_sd);
    nt_manifest_setting_num(man, NULL, "caliper_distance_units", res->caliper);
    nt_manifest_setting_str(man, NULL, "caliper_sd_basis", "sd (n - 1) of the distance over all units kept after trimming");
    nt_manifest_setting_num(man, NULL, "distance_sd", res->score_sd);
    nt_manifest_setting_num(man, NULL, "tie_tolerance", psm->match.tie_tolerance);
    nt_manifest_setting_str(man, NULL, "tie_rule", o->tie_matching ? "matching (squared standardised distance)" : "plain (|d - d_k| <= tolerance)");
    nt_manifest_setting_str(man, NULL, "trim", nt_trim_name(psm->trim));
    nt_manifest_setting_num(man, NULL, "trim_lower", isfinite(res->trim_lo) ? res->trim_lo : 0);
    nt_manifest_setting_num(man, NULL, "trim_upper", isfinite(res->trim_hi) ? res->trim_hi : 1);
    nt_manifest_setting_str(man, NULL, "kernel", nt_kernel_name(psm->kernel));
    nt_manifest_setting_num(man, NULL, "bandwidth", psm->method == NT_METHOD_KERNEL ? res->bandwidth : psm->bandwidth);
    nt_manifest_setting_str(man, NULL, "bandwidth_rule", psm->bandwidth > 0 ? "given" : "1.06 sd(score of the arm matched to) n^-1/5");
    nt_manifest_setting_num(man, NULL, "radius_factor", psm->radius_factor);
    nt_manifest_setting_num(man, NULL, "radius", res->radius);
    nt_manifest_setting_num(man, NULL, "ai_j", psm->ai_j);
    nt_manifest_setting_bool(man, NULL, "ps_adjust", psm->ps_adjust);
    nt_manifest_setting_num(man, NULL, "ps_adjust_neighbors", psm->ps_adjust_l);
    nt_manifest_setting_str(man, NULL, "se_method", res->se_method);
    nt_manifest_setting_str(man, NULL, "aipw_outcome_model", "OLS of the outcome on the covariates (model terms), separately per arm");
    nt_manifest_setting_num(man, NULL, "bootstrap", psm->bootstrap);
    nt_manifest_setting_num(man, NULL, "min_cell", (double)o->min_cell);
    nt_manifest_setting_bool(man, NULL, "pairs", o->pairs);
    nt_manifest_set_seed(man, psm->seed);
}

/* Counts and warnings (the first two also noted for the user). */
static void record_counts(const match_run *R, nt_notes *notes)
{
    const nt_psm_opts *psm = &R->psm;
    const nt_psm_result *res = R->res;
    nt_manifest *man = R->man;
    nt_manifest_count(man, "treated", (double)R->n1);
    nt_manifest_count(man, "controls", (double)(R->n - R->n1));
    nt_manifest_count(man, "exact_cells", (double)R->ncells);
    nt_manifest_count(man, "treated_dropped_support", (double)res->dropped_support_treated);
    nt_manifest_count(man, "controls_dropped_support", (double)res->dropped_support_controls);
    nt_manifest_count(man, "treated_unmatched", (double)res->unmatched_treated);
    nt_manifest_count(man, "controls_unmatched", (double)res->unmatched_controls);
    nt_manifest_count(man, "glm_iterations", res->glm->iterations);
    if (psm->bootstrap > 0) {
        nt_manifest_count(man, "bootstrap_replicates_ok", res->bootstrap_done);
        nt_manifest_count(man, "bootstrap_replicates_failed", res->bootstrap_failed);
    }
    if (res->dropped_support_treated + res->dropped_support_controls > 0) {
        nt_manifest_warning(man, "%ld treated and %ld controls dropped outside common support (%s)",
                            res->dropped_support_treated, res->dropped_support_controls, nt_trim_name(psm->trim));
        nt_notes_add(notes, NT_NOTES_ERR, "netto match: warning: %ld treated and %ld controls dropped outside common support\n",
                     res->dropped_support_treated, res->dropped_support_controls);
    }
    if (res->unmatched_treated > 0) {
        nt_manifest_warning(man, "%ld of %ld treated have no match (caliper, exact cell or kernel support) and are dropped; the estimand is the effect on the matched treated",
                            res->unmatched_treated, res->n_treated);
        nt_notes_add(notes, NT_NOTES_ERR, "netto match: warning: %ld of %ld treated have no match and are dropped\n",
                     res->unmatched_treated, res->n_treated);
    }
    if (res->unmatched_controls > 0)
        nt_manifest_warning(man, "%ld controls have no treated match (ATE part) and are dropped", res->unmatched_controls);
    if (res->ps_adjust_negative > 0)
        nt_manifest_warning(man, "the Abadie-Imbens (2016) term made the variance non-positive for %d outcome(s); their unadjusted standard error is reported", res->ps_adjust_negative);
    if (psm->ps_adjust && psm->method != NT_METHOD_NN)
        nt_manifest_warning(man, "--ps-adjust applies to --method nn only and was ignored");
    if (res->bootstrap_failed > 0)
        nt_manifest_warning(man, "%d bootstrap replicates failed (e.g. separation in the resample) and were left out", res->bootstrap_failed);
    if (psm->bootstrap > 0 && psm->method == NT_METHOD_NN && psm->match.replace)
        nt_manifest_warning(man, "the bootstrap is not valid for nearest-neighbour matching with replacement and a fixed number of neighbours (Abadie & Imbens 2008); prefer the Abadie-Imbens standard error");
}

static nt_status run(match_run *R, double t0, nt_notes *notes, nt_error *err)
{
    const nt_match_run_opts *o = R->o;
    nt_status s;
    if (!o->overwrite && nt_dir_nonempty(o->out))
        return nt_fail_at(err, NT_EIO, o->out, 0, NULL, "the output folder exists and is not empty; choose another --out or add --overwrite");
    R->nout = nt_words_split(o->outcomes, &R->outs);
    R->ncov = nt_words_split(o->covariates, &R->covs);
    if (o->exact) R->nex = nt_words_split(o->exact, &R->exs);
    if (R->nout <= 0 || R->ncov <= 0) return nt_fail(err, NT_EUSAGE, "--outcomes and --covariates need at least one column name");
    if ((s = read_input(R, notes, err))) return s;
    double t1 = nt_now();
    /* Matching's tie rule standardises by the sd of the score, known only
       after the fit: a negative tie_scale asks nt_psm to resolve it. */
    if (o->tie_matching) R->psm.match.tie_scale = -1;
    const nt_design *des = R->des;
    s = nt_psm_estimate(des->x, R->n, des->p, (const char *const *)des->term, des->var_of_term, R->tr, R->y, R->nout,
                        R->cell, &R->psm, &R->res, err);
    if (s) {
        if (!err->file[0]) snprintf(err->file, sizeof err->file, "%.255s", R->f->path);
        return s;
    }
    nt_manifest_timing(R->man, "estimate", nt_now() - t1);
    if ((s = nt_mkdirs(o->out, err))) return s;
    if ((s = write_effects(R, err)) || (s = write_balance(R, err)) || (s = write_pscore(R, err))) return s;
    if (o->pairs && R->res->att && (s = write_pairs(R, err))) return s;
    record_settings(R);
    record_counts(R, notes);
    if ((s = nt_manifest_add_input(R->man, o->data, err))) return s;
    char path[4200];
    nt_manifest_disclosure(R->man, o->min_cell, 0); /* only netto run makes a cleared export/ (docs/disclosure.md) */
    nt_manifest_set_threads(R->man, omp_get_max_threads());
    nt_manifest_timing(R->man, "total", nt_now() - t0);
    nt_path_join(path, sizeof path, o->out, "manifest.json");
    nt_manifest_platform(R->man, "hdf5", nt_store_hdf5_version());
    return nt_manifest_write(R->man, path, err);
}

nt_status nt_match_run(const nt_match_run_opts *o, nt_notes *notes, nt_error *err)
{
    if (o->threads > 0) omp_set_num_threads(o->threads);
    double t0 = nt_now();
    match_run R;
    memset(&R, 0, sizeof R);
    R.o = o;
    R.psm = o->psm;
    R.psm.match.tie_scale = 0;
    R.man = nt_manifest_alloc(o->argc, o->argv);
    nt_status s = R.man ? run(&R, t0, notes, err) : nt_fail(err, NT_ENOMEM, "out of memory");
    nt_psm_result_free(R.res);
    nt_design_free(R.des);
    nt_flat_free(R.f);
    nt_manifest_free(R.man);
    if (R.outs) nt_words_free(R.outs, R.nout);
    if (R.covs) nt_words_free(R.covs, R.ncov);
    if (R.exs) nt_words_free(R.exs, R.nex);
    free(R.req);
    free(R.tr);
    free(R.y);
    free(R.cell);
    return s;
}
