/* Time to work ([outcomes] time_to_work = yes; docs/survival.md): for every
   (programme, subgroup) estimate, the time from the programme start (month
   k, tau = 0; the controls from the same k) to the first month employed
   and to the start of the first job lasting at least 6 months, as weighted
   Kaplan-Meier curves of the treated and their controls with the dynamic
   estimator's weights at tau = 0 (estimators/nt_dyn_kw.h), the difference
   and its linearised interval (estimators/nt_kmdiff.h).
     time_to_work.csv          per outcome and month 1..horizon;
     time_to_work_summary.csv  the difference at 6, 12 and 24 months and in
                               median time;
     private/matching_weights.csv   person_id, program, subgroup,
                               start_month, role, weight (person level);
     private/time_to_work_times.csv person_id, start_month and both
                               outcomes' (time, event) (person level);
   the private files are opened by nt_run_ttw_prepare, filled estimate by
   estimate (nt_run_ttw_collect, which also fits the curves and frees the
   estimate's weights) and committed by nt_run_ttw_write with the tables.
   Times, with L = the months observed from k on (n_observed - k: data
   end, death, emigration) and employed the panel's series:
     first_job       T = 1 + the first tau < L with employed; else
                     censored at L;
     stable_job_6m   T = 1 + the first s <= L - 6 with employed in s..s+5;
                     else censored at L - 5 (rows with L < 6 are never at
                     risk and left out).
   Month m of a curve: S(m) = the share without (stable) work in months
   tau = 0..m-1. A control's own later programme start is no censoring:
   the estimand compares starting now with waiting (the controls may start
   later, as in ATT(tau)). Disclosure (report/nt_disclose): a month's basis
   is the smallest over months 1..m of the persons at risk on either side,
   the controls' effective number, and the persons with and without an
   event so far on either side (a curve is a share). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/nt_file.h"
#include "estimators/nt_dyn_kw.h"
#include "estimators/nt_kmdiff.h"
#include "report/nt_doc.h"
#include "report/nt_lang.h"
#include "report/nt_plot.h"
#include "study/nt_run_parts.h"

#define TTW_OUTCOMES 2
static const char *const ttw_name[TTW_OUTCOMES] = {"first_job", "stable_job_6m"};
#define TTW_STABLE 6
static const int ttw_months[3] = {6, 12, 24};

typedef struct {
    const struct nt_ttw_state *S;
    int pg;
} ttw_fig;

typedef struct nt_ttw_state {
    int employed;             /* index of the employed series in the panel */
    int npg, H;
    nt_dyn_kw *kw;            /* [pg] */
    nt_kmdiff_result **res;   /* [pg * 2 + o] */
    double *shown;            /* [(pg * 2 + o) * 5 + q][m]: surv_t, surv_c, difference, ci_lower, ci_upper as shown */
    double *sum_shown;        /* [((pg * 2 + o) * 4 + j) * 3 + q]: the summary's difference, ci_lower, ci_upper as shown
                                 (j: 6, 12, 24 months, median) */
    ttw_fig *figs;
    nt_report_chapter chapter;
    /* The private files, written estimate by estimate (each estimate's
       weights are freed after it: at a million persons they are the
       largest part), committed by nt_run_ttw_write. */
    char **ids;
    nt_outfile fw, ft;
    uint8_t *written;         /* n x n_risk bits: (person, k) already in time_to_work_times.csv */
} ttw_state;

nt_status nt_run_ttw_prepare(nt_run_state *P, nt_error *err)
{
    if (!P->st->time_to_work) return NT_OK;
    int oe = -1;
    for (int oc = 0; oc < P->panel->n_outcomes; oc++)
        if (!strcmp(P->panel->outcome_name[oc], "employed")) oe = oc;
    if (oe < 0)
        return nt_fail_at(err, NT_EINPUT, P->st->path, 0, "series",
                          "[outcomes] time_to_work = yes needs employed among [outcomes] series");
    ttw_state *S = calloc(1, sizeof *S);
    int npg = P->n_prog * P->n_groups;
    if (S) S->kw = calloc((size_t)npg, sizeof *S->kw);
    if (S) S->res = calloc((size_t)npg * TTW_OUTCOMES, sizeof *S->res);
    if (!S || !S->kw || !S->res) {
        if (S) { free(S->kw); free(S->res); }
        free(S);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    S->employed = oe;
    S->npg = npg;
    S->H = P->st->horizon;
    P->ttw = S;
    size_t bits = ((size_t)P->panel->n * (size_t)P->panel->n_risk + 7) / 8;
    if (!(S->written = calloc(bits + 1, 1))) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = nt_store_read_ids(P->store, &S->ids, err);
    char path[4400];
    nt_path_join(path, sizeof path, P->priv, "matching_weights.csv");
    if (!s) s = nt_outfile_open(&S->fw, path, err);
    nt_path_join(path, sizeof path, P->priv, "time_to_work_times.csv");
    if (!s) s = nt_outfile_open(&S->ft, path, err);
    if (s) return s;
    fprintf(S->fw.fp, "person_id,program,subgroup,start_month,role,weight\n");
    fprintf(S->ft.fp, "person_id,start_month,first_job_time,first_job_event,stable_job_6m_time,stable_job_6m_event\n");
    return NT_OK;
}

nt_dyn_kw *nt_run_ttw_kw(nt_run_state *P, int pg) { return P->ttw ? &P->ttw->kw[pg] : NULL; }

void nt_run_ttw_free(nt_run_state *P)
{
    ttw_state *S = P->ttw;
    if (!S) return;
    for (int pg = 0; pg < S->npg; pg++) {
        nt_dyn_kw_free(&S->kw[pg]);
        for (int o = 0; o < TTW_OUTCOMES; o++) nt_kmdiff_free(S->res[pg * TTW_OUTCOMES + o]);
    }
    nt_outfile *of[2] = {&S->fw, &S->ft};
    for (int i = 0; i < 2; i++)
        if (of[i]->fp) { fclose(of[i]->fp); remove(of[i]->tmp); }   /* a failed run: no half file */
    if (S->ids) nt_store_ids_free(P->store, S->ids);
    free(S->written);
    free(S->kw);
    free(S->res);
    free(S->shown);
    free(S->sum_shown);
    free(S->figs);
    free(S);
    P->ttw = NULL;
}

/* The (time, event) of person pe from start month k for outcome o; 0 when
   the row is never at risk (see the file's comment). */
static int ttw_time(const nt_run_state *P, long pe, int k, int o, int32_t *T, uint8_t *e)
{
    const nt_panel *p = P->panel;
    const float *y = p->outcome[P->ttw->employed] + (size_t)pe * (size_t)p->months;
    int L = p->n_observed[pe] - k;
    if (L > p->months - k) L = p->months - k;
    if (o == 0) {
        for (int tau = 0; tau < L; tau++)
            if (y[k + tau] >= 0.5f) { *T = tau + 1; *e = 1; return 1; }
        *T = L;
        *e = 0;
        return L >= 1;
    }
    int run = 0;
    for (int tau = 0; tau < L; tau++) {
        run = y[k + tau] >= 0.5f ? run + 1 : 0;
        if (run == TTW_STABLE) { *T = tau - TTW_STABLE + 2; *e = 1; return 1; }
    }
    *T = L - TTW_STABLE + 1;
    *e = 0;
    return *T >= 1;
}

static nt_status ttw_fit(nt_run_state *P, int pg, nt_error *err)
{
    ttw_state *S = P->ttw;
    const nt_dyn_kw *W = &S->kw[pg];
    long n = W->n;
    int32_t *T = malloc(((size_t)n + 1) * sizeof *T);
    uint8_t *e = malloc((size_t)n + 1), *g = malloc((size_t)n + 1);
    double *w = malloc(((size_t)n + 1) * sizeof *w);
    long *pe = malloc(((size_t)n + 1) * sizeof *pe);
    nt_status s = T && e && g && w && pe ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
    for (int o = 0; o < TTW_OUTCOMES && !s; o++) {
        long m = 0;
        for (long r = 0; r < n; r++) {
            if (!ttw_time(P, W->person[r], W->k[r], o, &T[m], &e[m])) continue;
            g[m] = W->role[r] ? 0 : 1;
            w[m] = W->w[r];
            pe[m++] = W->person[r];
        }
        nt_kmdiff_data d = {.n = m, .time = T, .event = e, .weight = w, .group = g, .person = pe};
        s = nt_kmdiff_fit(&d, S->H, nt_run_ci_level(P), &S->res[pg * TTW_OUTCOMES + o], err);
    }
    free(T);
    free(e);
    free(g);
    free(w);
    free(pe);
    return s;
}

/* The basis of month m of a result: the smallest over months 1..m
   (a curve point is a product over them). */
static long month_basis(const nt_kmdiff_result *r, int m, nt_disclose_why *why)
{
    size_t H1 = (size_t)r->H + 1;
    long b = LONG_MAX;
    *why = NT_WHY_PERSONS;
    for (int q = 1; q <= m; q++) {
        long c = nt_disclose_controls(r->n_risk[H1 + (size_t)q], 1 / r->n_eff[H1 + (size_t)q] > 0 ? 1 / r->n_eff[H1 + (size_t)q] : 0);
        long x = nt_disclose_basis(r->n_risk[q], c);
        if (x < b) { b = x; *why = q < m ? NT_WHY_WINDOW : NT_WHY_PERSONS; }
        for (int gg = 0; gg < 2; gg++) {
            long ev = r->n_events[gg * H1 + (size_t)q];
            if (ev < b) { b = ev; *why = NT_WHY_SHARE; }
        }
    }
    return b;
}

/* Writes table t as `name` in the output directory with its disclosure
   note, and frees it. */
static nt_status write_table(nt_run_state *P, nt_table *t, const char *name, nt_error *err)
{
    char path[4300];
    nt_path_join(path, sizeof path, P->out, name);
    nt_table_set_round(t, P->st->round);
    nt_status s = nt_table_write_csv(t, path, P->st->min_cell, err);
    if (!s) s = nt_run_disclosure_note(P, name, t, err);
    nt_table_free(t);
    return s;
}

static const char *const main_cols[] = {"program", "subgroup", "outcome", "month", "surv_treated", "surv_control",
                                        "difference", "se", "ci_lower", "ci_upper", "se_treated", "se_control",
                                        "n_at_risk_treated", "n_at_risk_control"};
static const nt_col_kind main_kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_MEAN, NT_COL_MEAN,
                                         NT_COL_MEAN, NT_COL_STAT, NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT, NT_COL_STAT,
                                         NT_COL_COUNT, NT_COL_COUNT};

/* Month m of one pair of curves: the survivals (columns `treated` and
   `control`), their difference with its interval, and the month's
   disclosure basis (time_to_work.csv and time_to_work_summary.csv). */
static void curve_month(nt_table *t, const nt_kmdiff_result *r, int m, const char *treated, const char *control)
{
    size_t H1 = (size_t)r->H + 1;
    nt_table_set_int(t, "month", m);
    nt_table_set_num(t, treated, r->surv[m]);
    nt_table_set_num(t, control, r->surv[H1 + (size_t)m]);
    nt_table_set_num(t, "difference", r->diff[m]);
    nt_table_set_num(t, "se", r->se_diff[m]);
    nt_table_set_num(t, "ci_lower", r->lower[m]);
    nt_table_set_num(t, "ci_upper", r->upper[m]);
    nt_disclose_why why;
    long b = month_basis(r, m, &why);
    nt_table_set_basis(t, nt_disclose_basis(r->n_risk[m], r->n_risk[H1 + (size_t)m]));
    nt_table_limit_basis(t, b, why);
}

static void main_row(nt_run_state *P, nt_table *t, int pg, int o, int m)
{
    const nt_kmdiff_result *r = P->ttw->res[pg * TTW_OUTCOMES + o];
    size_t H1 = (size_t)r->H + 1;
    nt_table_set_str(t, "program", nt_run_program(P, pg));
    nt_table_set_str(t, "subgroup", nt_run_group(P, pg));
    nt_table_set_str(t, "outcome", ttw_name[o]);
    curve_month(t, r, m, "surv_treated", "surv_control");
    nt_table_set_num(t, "se_treated", r->se[m]);
    nt_table_set_num(t, "se_control", r->se[H1 + (size_t)m]);
    nt_table_set_int(t, "n_at_risk_treated", r->n_risk[m]);
    nt_table_set_int(t, "n_at_risk_control", r->n_risk[H1 + (size_t)m]);
}

static nt_status write_main(nt_run_state *P, nt_error *err)
{
    ttw_state *S = P->ttw;
    int H = S->H;
    nt_table *t = nt_table_alloc(main_cols, main_kinds, 14);
    S->shown = malloc((size_t)S->npg * TTW_OUTCOMES * 5 * ((size_t)H + 1) * sizeof *S->shown);
    if (!t || !S->shown) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (int pg = 0; pg < S->npg; pg++)
        for (int o = 0; o < TTW_OUTCOMES; o++)
            for (int m = 1; m <= H; m++) {
                if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
                main_row(P, t, pg, o, m);
            }
    static const char *const q_col[5] = {"surv_treated", "surv_control", "difference", "ci_lower", "ci_upper"};
    long row = 0;
    for (int pg = 0; pg < S->npg; pg++)
        for (int o = 0; o < TTW_OUTCOMES; o++) {
            double *sh = S->shown + (size_t)(pg * TTW_OUTCOMES + o) * 5 * ((size_t)H + 1);
            for (int q = 0; q < 5; q++) sh[(size_t)q * ((size_t)H + 1)] = q < 2 ? 1 : 0;   /* month 0 */
            for (int m = 1; m <= H; m++, row++)
                for (int q = 0; q < 5; q++)
                    sh[(size_t)q * ((size_t)H + 1) + (size_t)m] = nt_table_shown_num(t, row, q_col[q], P->st->min_cell);
        }
    return write_table(P, t, "time_to_work.csv", err);
}

static const char *const sum_cols[] = {"program", "subgroup", "outcome", "measure", "month", "treated", "control",
                                       "difference", "se", "ci_lower", "ci_upper"};
static const nt_col_kind sum_kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_MEAN,
                                        NT_COL_MEAN, NT_COL_MEAN, NT_COL_STAT, NT_COL_MEAN, NT_COL_MEAN};

static void sum_key(nt_run_state *P, nt_table *t, int pg, int o, const char *measure)
{
    nt_table_set_str(t, "program", nt_run_program(P, pg));
    nt_table_set_str(t, "subgroup", nt_run_group(P, pg));
    nt_table_set_str(t, "outcome", ttw_name[o]);
    nt_table_set_str(t, "measure", measure);
}

static nt_status write_summary(nt_run_state *P, nt_error *err)
{
    ttw_state *S = P->ttw;
    int H = S->H;
    nt_table *t = nt_table_alloc(sum_cols, sum_kinds, 11);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_disclose_why why;
    for (int pg = 0; pg < S->npg; pg++)
        for (int o = 0; o < TTW_OUTCOMES; o++) {
            const nt_kmdiff_result *r = S->res[pg * TTW_OUTCOMES + o];
            for (int j = 0; j < 3 && ttw_months[j] <= H; j++) {
                int m = ttw_months[j];
                if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
                sum_key(P, t, pg, o, "survival");
                curve_month(t, r, m, "treated", "control");
            }
            if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
            sum_key(P, t, pg, o, "median_months");
            nt_table_set_num(t, "treated", r->median[0]);
            nt_table_set_num(t, "control", r->median[1]);
            nt_table_set_num(t, "difference", r->median_diff);
            nt_table_set_num(t, "se", r->median_diff_se);
            nt_table_set_num(t, "ci_lower", r->median_lower);
            nt_table_set_num(t, "ci_upper", r->median_upper);
            /* the medians rest on the curves up to the later of the two (or the whole horizon) */
            int mm = isnan(r->median[0]) || isnan(r->median[1]) ? H
                     : (int)(r->median[0] > r->median[1] ? r->median[0] : r->median[1]);
            long b = month_basis(r, mm, &why);
            nt_table_set_basis(t, b);
        }
    S->sum_shown = malloc((size_t)S->npg * TTW_OUTCOMES * 12 * sizeof *S->sum_shown);
    if (!S->sum_shown) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    static const char *const q_col[3] = {"difference", "ci_lower", "ci_upper"};
    long row = 0;
    for (int pg = 0; pg < S->npg; pg++)
        for (int o = 0; o < TTW_OUTCOMES; o++)
            for (int j = 0; j < 4; j++) {
                int present = j == 3 || ttw_months[j] <= H;
                for (int q = 0; q < 3; q++)
                    S->sum_shown[((size_t)(pg * TTW_OUTCOMES + o) * 4 + (size_t)j) * 3 + (size_t)q] =
                        present ? nt_table_shown_num(t, row, q_col[q], P->st->min_cell) : NAN;
                row += present;
            }
    return write_table(P, t, "time_to_work_summary.csv", err);
}

/* private/matching_weights.csv and private/time_to_work_times.csv (person
   level, 0600): estimate pg's rows. Ids and labels are written between
   double quotes, a quote doubled. */
static void csv_str(FILE *fp, const char *s)
{
    fputc('"', fp);
    for (; *s; s++) {
        if (*s == '"') fputc('"', fp);
        fputc(*s, fp);
    }
    fputc('"', fp);
}

static void write_private(nt_run_state *P, int pg)
{
    ttw_state *S = P->ttw;
    const nt_dyn_kw *W = &S->kw[pg];
    FILE *fw = S->fw.fp, *ft = S->ft.fp;
    int nr = P->panel->n_risk;
    for (long r = 0; r < W->n; r++) {
        csv_str(fw, S->ids[W->person[r]]);
        fputc(',', fw);
        csv_str(fw, nt_run_program(P, pg));
        fputc(',', fw);
        csv_str(fw, nt_run_group(P, pg));
        fprintf(fw, ",%d,%s,%.17g\n", W->k[r], W->role[r] ? "treated" : "control", W->w[r]);
        size_t bit = (size_t)W->person[r] * (size_t)nr + (size_t)W->k[r];
        if (S->written[bit >> 3] & (1u << (bit & 7))) continue;
        S->written[bit >> 3] |= (uint8_t)(1u << (bit & 7));
        csv_str(ft, S->ids[W->person[r]]);
        fprintf(ft, ",%d", W->k[r]);
        for (int o = 0; o < TTW_OUTCOMES; o++) {
            int32_t T;
            uint8_t e;
            if (ttw_time(P, W->person[r], W->k[r], o, &T, &e)) fprintf(ft, ",%d,%d", T, e);
            else fprintf(ft, ",NA,NA");
        }
        fputc('\n', ft);
    }
}

nt_status nt_run_ttw_collect(nt_run_state *P, int pg, nt_error *err)
{
    ttw_state *S = P->ttw;
    if (!S) return NT_OK;
    nt_status s = ttw_fit(P, pg, err);
    if (!s) write_private(P, pg);
    nt_dyn_kw_free(&S->kw[pg]);
    return s;
}

nt_status nt_run_ttw_write(nt_run_state *P, nt_error *err)
{
    ttw_state *S = P->ttw;
    if (!S) return NT_OK;
    nt_status s = write_main(P, err);
    if (!s) s = write_summary(P, err);
    nt_outfile *of[2] = {&S->fw, &S->ft};
    for (int i = 0; i < 2 && !s; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s", of[i]->path);
        if (!(s = nt_outfile_commit(of[i], err))) chmod(path, 0600);
    }
    return s;
}

/* ------------------------------------------------------------ the figure */

static void draw(nt_plot_canvas *cv, double w, double h, const void *arg)
{
    const ttw_fig *F = arg;
    const ttw_state *S = F->S;
    int H = S->H;
    size_t H1 = (size_t)H + 1;
    int nl = cv->lang == NT_LANG_NL;
    for (int o = 0; o < TTW_OUTCOMES; o++) {
        const double *sh = S->shown + (size_t)(F->pg * TTW_OUTCOMES + o) * 5 * H1;
        double top = o * h / 2, ph = h / 2 - 18;
        nt_plot_series c[2] = {{.y = sh}, {.y = sh + H1}};
        nt_plot_colour(0, c[0].rgb);
        nt_plot_colour(1, c[1].rgb);
        char title[200];
        snprintf(title, sizeof title, nl ? "%s: aandeel nog zonder %s" : "%s: share still without %s",
                 nl ? (o ? "Stabiel werk (6 maanden)" : "Eerste baan") : (o ? "Stable job (6 months)" : "First job"),
                 nl ? (o ? "stabiel werk" : "werk") : (o ? "a stable job" : "work"));
        nt_plot_paths p = {.title = title, .x_label = nl ? "maanden sinds start" : "months since start",
                           .y_label = nl ? (o ? "% nog zonder stabiel werk" : "% nog zonder werk")
                                         : (o ? "% still without a stable job" : "% still without work"),
                           .y_scale = 100,
                           .n_months = H + 1, .n_series = 2, .series = c, .marker = NAN, .note = NULL};
        nt_plot_axes ax = {.y_max = 100};   /* a share: the axis ends at 100% */
        nt_plot_draw_paths_axes(cv, 0, top, w / 2, ph, &p, &ax);
        nt_plot_series dfs = {.y = sh + 2 * H1, .lower = sh + 3 * H1, .upper = sh + 4 * H1};
        nt_plot_colour(2, dfs.rgb);
        nt_plot_paths q = {.title = nl ? "Verschil deelnemers \u2212 controles" : "Difference participants \u2212 controls",
                           .x_label = nl ? "maanden sinds start" : "months since start",
                           .y_label = nl ? "procentpunt" : "percentage points", .y_scale = 100, .n_months = H + 1,
                           .n_series = 1, .series = &dfs, .marker = NAN, .note = nl ? "95%-interval" : "95% interval"};
        nt_plot_draw_paths(cv, w / 2, top, w / 2, ph, &q);
        double x = nt_plot_legend(cv, 40, top + h / 2 - 6, 0, c[0].rgb, 1, nl ? "deelnemers" : "participants");
        nt_plot_legend(cv, x + 12, top + h / 2 - 6, 0, c[1].rgb, 1, nl ? "gewogen controles" : "weighted controls");
    }
}

static const char *T(const nt_report *r, const char *en, const char *nl) { return r->lang == NT_LANG_NL ? nl : en; }

static void compose(nt_doc *doc, const nt_report *r, const void *data)
{
    const nt_run_state *P = data;
    const ttw_state *S = P->ttw;
    nt_doc_heading(doc, 1, T(r, "Time to work", "Tijd tot werk"));
    nt_doc_para(doc, T(r,
        "Time from the programme start to the first month in work, and to the start of the first job lasting at "
        "least 6 months, for the participants and their controls weighted as in the effects (the matching or "
        "weighting weights at the start month; time_to_work.csv, time_to_work_summary.csv). Kaplan-Meier curves: "
        "the share still without work, with persons no longer observed (data end, death, emigration) counted as "
        "censored. A control's own later programme start does not end its curve: the comparison is starting now "
        "against waiting, as for the effects. Intervals: 95%, linearised with the weights held fixed.",
        "Tijd van de start van het programma tot de eerste maand met werk, en tot de start van de eerste baan van "
        "minstens 6 maanden, voor de deelnemers en hun controles, gewogen als bij de effecten (de match- of "
        "weegfactoren in de startmaand; time_to_work.csv, time_to_work_summary.csv). Kaplan-Meiercurven: het "
        "aandeel nog zonder werk; wie niet meer wordt waargenomen (einde van de gegevens, overlijden, emigratie) "
        "telt als gecensureerd. Een latere programmastart van een controle be\u00ebindigt zijn curve niet: de "
        "vergelijking is nu starten tegenover wachten, als bij de effecten. Intervallen: 95%, gelineariseerd met "
        "vaste gewichten."));
    nt_doc_block *b = nt_doc_table(doc, T(r, "Difference participants \u2212 controls in the share still without work (percentage "
                                             "points) and in median months, with 95% intervals (whole cohort)",
                                          "Verschil deelnemers \u2212 controles in het aandeel nog zonder werk (procentpunten) en "
                                          "in de mediane duur in maanden, met 95%-intervallen (hele cohort)"),
                                   1 + P->n_prog * TTW_OUTCOMES, 6, 0);
    if (b) {
        static const char *const head_en[6] = {"Programme", "Outcome", "6 months", "12 months", "24 months",
                                               "Median (months)"};
        static const char *const head_nl[6] = {"Programma", "Uitkomst", "6 maanden", "12 maanden", "24 maanden",
                                               "Mediaan (maanden)"};
        for (int c = 0; c < 6; c++) nt_doc_cell(b, 0, c, r->lang == NT_LANG_NL ? head_nl[c] : head_en[c]);
        for (int pi = 0; pi < P->n_prog; pi++)
            for (int o = 0; o < TTW_OUTCOMES; o++) {
                int row = 1 + pi * TTW_OUTCOMES + o, pg = pi * P->n_groups;
                nt_doc_cell(b, row, 0, nt_run_program(P, pg));
                nt_doc_cell(b, row, 1, r->lang == NT_LANG_NL ? (o ? "stabiel werk" : "eerste baan") : (o ? "stable job" : "first job"));
                for (int j = 0; j < 4; j++) {
                    const double *v = S->sum_shown + ((size_t)(pg * TTW_OUTCOMES + o) * 4 + (size_t)j) * 3;
                    double f = j < 3 ? 100 : 1;
                    char cell[160], a[3][48];
                    for (int q = 0; q < 3 && !isnan(v[0]); q++)   /* one decimal throughout, as the report's intervals */
                        nt_lang_num(r->lang, f * v[q], 1, a[q], sizeof a[q]);
                    if (isnan(v[0])) snprintf(cell, sizeof cell, "x");
                    else if (isnan(v[1]) || isnan(v[2])) snprintf(cell, sizeof cell, "%s", a[0]);
                    else snprintf(cell, sizeof cell, "%s [%s; %s]", a[0], a[1], a[2]);
                    nt_doc_cell(b, row, 2 + j, cell);
                }
            }
        nt_doc_note(b, T(r, "Positive: more participants than controls still without work (or a longer median time "
                            "to work), as during a programme's lock-in; negative: participants find work sooner. "
                            "x: not shown (disclosure control).",
                         "Positief: meer deelnemers dan controles nog zonder werk (of een langere mediane duur tot "
                         "werk), zoals tijdens de insluiting van een programma; negatief: deelnemers vinden sneller "
                         "werk. x: niet getoond (onthullingscontrole)."));
    }
    for (int pg = 0; pg < S->npg; pg += P->n_groups) {
        char dir[300], file[400], cap[500];
        nt_report_file_part(nt_run_program(P, pg), dir, sizeof dir);
        snprintf(file, sizeof file, "plots/%s/time_to_work", dir);
        snprintf(cap, sizeof cap, T(r, "Time to work after the start of %s (whole cohort)",
                                    "Tijd tot werk na de start van %s (hele cohort)"), nt_run_program(P, pg));
        nt_doc_figure(doc, cap, file, 600, 460, draw, &S->figs[pg], NULL);
    }
}

int nt_run_ttw_chapter(nt_run_state *P, const nt_report_chapter **chapter)
{
    ttw_state *S = P->ttw;
    if (!S || !S->shown || !S->sum_shown) return 0;
    S->figs = calloc((size_t)S->npg, sizeof *S->figs);
    if (!S->figs) return 0;
    for (int pg = 0; pg < S->npg; pg++) S->figs[pg] = (ttw_fig){S, pg};
    S->chapter.compose = compose;
    S->chapter.data = P;
    *chapter = &S->chapter;
    return 1;
}
