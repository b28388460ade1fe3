/* Derived subgroup variables of `netto run` (docs/study-file.md,
   [subgroups]; docs/heterogeneity.md): variables the run makes itself when
   the cohort has no column of that name.

   job_chance  the predicted chance of finding work within 12 months of
               inflow, from the inflow covariates of [estimator] covariates
               (the panel's model columns): a logit of
                 y_i = 1 if employed in any of months 1..12 since inflow
               (0 if observed through month 12 and never employed; unknown
               otherwise; month 0, the inflow month, is left out: a job
               ending in it counts as employment there), fitted on the
               analysed persons who started no programme in months 0..12
               (their y is an untreated outcome).
               Cross-fitted: every analysed person gets a fold
                 f_i = mix64(seed ^ J ^ i) mod 5     (i: store order)
               and its score p_i = logistic(x_i' b_{-f_i}), b_{-f} the fit
               on the fitting persons outside fold f, so no score comes from
               a model that saw its own outcome (Abadie, Chingos & West 2018
               on endogenous stratification). Groups: q1..q5 are the
               quintiles of p among the analysed persons (rank r of n by
               (p, store order): quintile floor(5 r / n) + 1); a range a-b
               is the scores in [a, b]. job_chance.csv: per group the score
               range, persons, fitting persons, their mean score and their
               observed share finding work (the calibration).
   start_year  the calendar year of the programme start: a group's
               estimate takes, at start month k, only persons whose month
               inflow + k falls in the group's years (treated who start then
               and their not-yet-treated controls of the same calendar
               month); other persons have no role at k (their risk-set mask
               in P->risk_mask[g]). Values are years or ranges of years. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/nt_date.h"
#include "core/nt_file.h"
#include "core/nt_rng.h"
#include "core/nt_series.h"
#include "estimators/nt_glm.h"
#include "report/nt_table.h"
#include "study/nt_run_parts.h"

#define JC_FOLDS 5
#define JC_MONTHS 12
#define JC_SALT 0x6a6f625f6368616eULL   /* "job_chan" */

static const char *const derived_names[] = {"job_chance", "start_year"};

int nt_run_derived_is(const nt_run_state *P, const char *variable)
{
    if (nt_store_covariate_kind(P->store, variable) >= 0) return 0;   /* the cohort's own column wins */
    for (size_t i = 0; i < sizeof derived_names / sizeof *derived_names; i++)
        if (!strcmp(variable, derived_names[i])) return 1;
    return nt_run_ctxgroup_is(P, variable);   /* a column of the context table (nt_run_ctxgroups.c) */
}

/* y_i (1, 0, NaN unknown) and whether i may be fitted on. */
static nt_status job_outcome(nt_run_state *P, double *y, uint8_t *fit, nt_error *err)
{
    const nt_panel *p = P->panel;
    long n = p->n, block = nt_store_chunk_rows(P->store);
    int m = nt_store_months(P->store);
    if (block < 1) block = 4096;
    double *buf = malloc((size_t)block * (size_t)m * sizeof *buf);
    if (!buf) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    for (long lo = 0; lo < n && !s; lo += block) {
        long nb = n - lo < block ? n - lo : block;
        if ((s = nt_store_read_rows(P->store, lo, nb, NT_SERIES_EMPLOYED, buf, err))) break;
        for (long r = 0; r < nb; r++) {
            long i = lo + r;
            double v = 0;
            for (int t = 1; t <= JC_MONTHS && t < m; t++) {
                double e = buf[r * m + t];
                if (isnan(e)) { v = v > 0 ? 1 : NAN; break; }
                if (e > 0) { v = 1; break; }
            }
            if (m <= JC_MONTHS && v == 0) v = NAN;
            y[i] = v;
            int tm = p->treat_month[i];
            fit[i] = p->included[i] && !isnan(v) && (tm < 0 || tm > JC_MONTHS);
        }
    }
    free(buf);
    return s;
}

/* The cross-fitted scores (NaN for persons not analysed). */
/* private/job_chance_scores.csv (person level, 0600): per analysed person
   its store index, fold, fitting flag, y, score and model columns, so the
   cross-fitting can be redone elsewhere (scripts/reference/job_chance.R). */
static nt_status job_private(const nt_run_state *P, const int *fold, const double *y, const uint8_t *fit,
                             const double *score, nt_error *err)
{
    const nt_panel *p = P->panel;
    char path[4400];
    nt_path_join(path, sizeof path, P->priv, "job_chance_scores.csv");
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    fprintf(f.fp, "index,fold,fit,y,score");
    for (int j = 0; j < p->p; j++) fprintf(f.fp, ",\"%s\"", p->term[j]);
    fprintf(f.fp, "\n");
    for (long i = 0; i < p->n; i++) {
        if (!p->included[i]) continue;
        fprintf(f.fp, "%ld,%d,%d,", i, fold[i], fit[i]);
        if (isnan(y[i])) fprintf(f.fp, "NA");
        else fprintf(f.fp, "%d", (int)y[i]);
        fprintf(f.fp, ",%.17g", score[i]);
        for (int j = 0; j < p->p; j++) fprintf(f.fp, ",%.17g", p->x[(size_t)j * (size_t)p->n + (size_t)i]);
        fprintf(f.fp, "\n");
    }
    s = nt_outfile_commit(&f, err);
    if (!s) chmod(path, 0600);
    return s;
}

static nt_status job_scores(nt_run_state *P, long line, const double *y, const uint8_t *fit, double *score, nt_error *err)
{
    const nt_panel *p = P->panel;
    long n = p->n;
    int q = 1 + p->p;
    int *fold = malloc((size_t)(n ? n : 1) * sizeof *fold);
    long *rows = malloc((size_t)(n ? n : 1) * sizeof *rows);
    double *x = malloc((size_t)(n ? n : 1) * (size_t)q * sizeof *x), *yy = malloc((size_t)(n ? n : 1) * sizeof *yy);
    const char **terms = malloc((size_t)q * sizeof *terms);
    nt_status s = fold && rows && x && yy && terms ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) {
        terms[0] = "(Intercept)";
        for (int j = 0; j < p->p; j++) terms[j + 1] = p->term[j];
        for (long i = 0; i < n; i++) {
            fold[i] = (int)(nt_mix64(P->st->seed ^ JC_SALT ^ (uint64_t)i) % JC_FOLDS);
            score[i] = NAN;
        }
    }
    for (int f = 0; f < JC_FOLDS && !s; f++) {
        long nr = 0;
        for (long i = 0; i < n; i++)
            if (fit[i] && fold[i] != f) rows[nr++] = i;
        if (nr <= q) {
            s = nt_fail_at(err, NT_EINPUT, P->st->path, line, NULL,
                           "job_chance: too few persons without a programme in months 0..%d to fit the model "
                           "(%ld in a fold's fitting set, %d coefficients)", JC_MONTHS, nr, q);
            break;
        }
        for (long r = 0; r < nr; r++) {
            long i = rows[r];
            x[r] = 1;
            for (int j = 0; j < p->p; j++) x[(size_t)(j + 1) * (size_t)nr + (size_t)r] = p->x[(size_t)j * (size_t)n + (size_t)i];
            yy[r] = y[i];
        }
        nt_glm_opts go;
        nt_glm_opts_default(&go);
        go.check_separation = 0;
        nt_glm_fit *fm = NULL;
        if ((s = nt_glm_fit_alloc(x, nr, q, yy, NULL, terms, &go, &fm, err))) break;
        for (long i = 0; i < n; i++) {
            if (fold[i] != f || !p->included[i]) continue;
            double eta = fm->beta[0];
            for (int j = 0; j < p->p; j++) eta += fm->beta[j + 1] * p->x[(size_t)j * (size_t)n + (size_t)i];
            score[i] = nt_glm_linkinv(NT_LINK_LOGIT, eta);
        }
        nt_glm_fit_free(fm);
    }
    if (!s) s = job_private(P, fold, y, fit, score, err);
    free(fold);
    free(rows);
    free(x);
    free(yy);
    free(terms);
    return s;
}

typedef struct { double score; long i; } ranked;
static int by_score(const void *a, const void *b)
{
    const ranked *u = a, *v = b;
    if (u->score != v->score) return u->score < v->score ? -1 : 1;
    return u->i < v->i ? -1 : u->i > v->i;
}

/* "q3" -> 3 (1..5), else 0. */
static int quintile_of(const char *v)
{
    if ((v[0] == 'q' || v[0] == 'Q') && v[1] >= '1' && v[1] <= '5' && !v[2]) return v[1] - '0';
    return 0;
}

static nt_status job_table(nt_run_state *P, const nt_study_subgroup *sg, int g0, const double *score,
                           const double *y, const uint8_t *fit, const double *lo, const double *hi, nt_error *err)
{
    static const char *cols[] = {"variable", "level", "score_from", "score_to", "n_persons", "n_fit",
                                 "mean_score_fit", "found_work_fit"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_COUNT,
                                        NT_COL_COUNT, NT_COL_MEAN, NT_COL_MEAN};
    nt_table *t = nt_table_alloc(cols, kinds, 8);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = NT_OK;
    long n = P->panel->n;
    for (int j = 0; j < sg->n_groups && !s; j++) {
        const uint8_t *mem = P->member[g0 + j];
        long np = 0, nf = 0;
        double ss = 0, sy = 0;
        for (long i = 0; i < n; i++) {
            if (!mem[i]) continue;
            np++;
            if (fit[i]) { nf++; ss += score[i]; sy += y[i]; }
        }
        if (nt_table_add_row(t)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        nt_table_set_str(t, "variable", sg->variable);
        nt_table_set_str(t, "level", sg->groups[j].value);
        nt_table_set_num(t, "score_from", lo[j]);
        nt_table_set_num(t, "score_to", hi[j]);
        nt_table_set_int(t, "n_persons", np);
        nt_table_set_int(t, "n_fit", nf);
        nt_table_set_num(t, "mean_score_fit", nf ? ss / (double)nf : NAN);
        nt_table_set_num(t, "found_work_fit", nf ? sy / (double)nf : NAN);
        nt_table_set_basis(t, nf);
    }
    if (!s) {
        char path[4300];
        nt_path_join(path, sizeof path, P->out, "job_chance.csv");
        nt_table_set_round(t, P->st->round);
        s = nt_table_write_csv(t, path, P->st->min_cell, err);
        if (!s) s = nt_run_disclosure_note(P, "job_chance.csv", t, err);
    }
    nt_table_free(t);
    return s;
}

static nt_status job_groups(nt_run_state *P, const nt_study_subgroup *sg, int g0, nt_error *err)
{
    long n = P->panel->n, na = P->n_included;
    double *y = malloc((size_t)(n ? n : 1) * sizeof *y), *score = malloc((size_t)(n ? n : 1) * sizeof *score);
    uint8_t *fit = malloc((size_t)(n ? n : 1));
    ranked *ord = malloc((size_t)(na ? na : 1) * sizeof *ord);
    int *quint = malloc((size_t)(n ? n : 1) * sizeof *quint);
    double lo[64], hi[64];
    nt_status s = y && score && fit && ord && quint ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s && sg->n_groups > 64) s = nt_fail_at(err, NT_EINPUT, P->st->path, sg->line, NULL, "job_chance: at most 64 groups");
    if (!s) s = job_outcome(P, y, fit, err);
    if (!s) s = job_scores(P, sg->line, y, fit, score, err);
    if (!s) {
        for (long r = 0; r < na; r++) ord[r] = (ranked){score[P->included[r]], P->included[r]};
        qsort(ord, (size_t)na, sizeof *ord, by_score);
        for (long i = 0; i < n; i++) quint[i] = 0;
        for (long r = 0; r < na; r++) quint[ord[r].i] = (int)(5 * r / na) + 1;
    }
    for (int j = 0; j < sg->n_groups && !s; j++) {
        const nt_study_group *gr = &sg->groups[j];
        uint8_t *mem = P->member[g0 + j];
        int qj = gr->is_range ? 0 : quintile_of(gr->value);
        if (!gr->is_range && !qj) {
            s = nt_fail_at(err, NT_EINPUT, P->st->path, sg->line, NULL,
                           "job_chance: groups are quintiles q1, ..., q5 or score ranges a-b within 0-1, not \"%s\"", gr->value);
            break;
        }
        lo[j] = INFINITY; hi[j] = -INFINITY;
        for (long i = 0; i < n; i++) {
            mem[i] = P->panel->included[i] && (qj ? quint[i] == qj : score[i] >= gr->lo && score[i] <= gr->hi);
            if (mem[i]) { if (score[i] < lo[j]) lo[j] = score[i]; if (score[i] > hi[j]) hi[j] = score[i]; }
        }
        if (gr->is_range) { lo[j] = gr->lo; hi[j] = gr->hi; }   /* the study's cut points */
        else if (lo[j] > hi[j]) lo[j] = hi[j] = NAN;
    }
    if (!s) s = job_table(P, sg, g0, score, y, fit, lo, hi, err);
    free(y);
    free(score);
    free(fit);
    free(ord);
    free(quint);
    return s;
}

static nt_status start_year_groups(nt_run_state *P, const nt_study_subgroup *sg, int g0, nt_error *err)
{
    const nt_panel *p = P->panel;
    long n = p->n;
    int R = p->n_risk;
    double *start = malloc((size_t)(n ? n : 1) * sizeof *start);
    nt_status s = start ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = nt_store_read_covariate(P->store, "index_start", start, err);
    if (!s && !P->risk_mask && !(P->risk_mask = calloc((size_t)P->n_groups, sizeof *P->risk_mask)))
        s = nt_fail(err, NT_ENOMEM, "out of memory");
    for (int j = 0; j < sg->n_groups && !s; j++) {
        const nt_study_group *gr = &sg->groups[j];
        double a = gr->lo, b = gr->hi;
        if (!gr->is_range) {
            char *end;
            a = b = strtod(gr->value, &end);
            if (*end || end == gr->value) {
                s = nt_fail_at(err, NT_EINPUT, P->st->path, sg->line, NULL,
                               "start_year: give a year or a range of years a-b, not \"%s\"", gr->value);
                break;
            }
        }
        uint8_t *mask = malloc((size_t)(n ? n : 1) * (size_t)(R ? R : 1));
        if (!mask) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        P->risk_mask[g0 + j] = mask;
        uint8_t *mem = P->member[g0 + j];
        for (long i = 0; i < n; i++) {
            int m0 = nt_month_of_day((nt_day)start[i]), any = 0;
            for (int k = 0; k < R; k++) {
                int year = (m0 + k) / 12;   /* calendar month numbers: year * 12 + month - 1 */
                uint8_t on = p->on_index[(size_t)i * (size_t)R + (size_t)k] && year >= a && year <= b;
                mask[(size_t)i * (size_t)R + (size_t)k] = on;
                any |= on;
            }
            mem[i] = p->included[i] && any;
        }
    }
    free(start);
    return s;
}

nt_status nt_run_derived_groups(nt_run_state *P, int v, int g0, nt_error *err)
{
    const nt_study_subgroup *sg = &P->st->subgroups[v];
    long n = P->panel->n;
    for (int j = 0; j < sg->n_groups; j++) {
        P->group_label[g0 + j] = strdup(sg->groups[j].label);
        P->member[g0 + j] = calloc((size_t)(n ? n : 1), 1);
        if (!P->group_label[g0 + j] || !P->member[g0 + j]) return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    if (!strcmp(sg->variable, "job_chance")) return job_groups(P, sg, g0, err);
    if (strcmp(sg->variable, "start_year")) return nt_run_ctxgroup_groups(P, v, g0, err);
    return start_year_groups(P, sg, g0, err);
}

const nt_dyn_panel *nt_run_group_view(const nt_run_state *P, int g, nt_dyn_panel *buf)
{
    if (!P->risk_mask || !P->risk_mask[g]) return &P->view;
    *buf = P->view;
    buf->on_index = P->risk_mask[g];
    return buf;
}
