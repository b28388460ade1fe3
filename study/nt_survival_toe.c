/* `netto survival toe` (see nt_survival_run.h, docs/survival.md): person-
   period rows of a flat file (data/nt_toe_flat) -> the timing-of-events
   model (estimators/nt_toe_fit) -> tables. Column -> source:
     toe.csv      kind coefficient, heterogeneity: estimate, se, robust_se
                  (nt_toe_result coef, se, se_cluster); z, p_value
                  (estimators/nt_stats nt_wald on robust_se);
                  kind mass_point, probability: v_exit, v_entry, prob;
                  kind fit: loglik, aic, bic, K of the chosen model
     toe_fit.csv  one row per K tried: nt_toe_result.fits[]
   Disclosure bases are decided here: a baseline piece rests on the events
   of its hazard in that piece, an effect piece on the exits in it, a
   covariate on its hazard's events and, for a 0/1 covariate, also on the
   persons on its smaller side; the mass points, probabilities and the fit
   on the smaller of the exits and the entries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "core/nt_progress.h"
#include "data/nt_toe_flat.h"
#include "estimators/nt_stats.h"
#include "estimators/nt_toe.h"
#include "report/nt_table.h"
#include "study/nt_survival_rows.h"
#include "study/nt_toe_tables.h"

typedef struct {
    const double *c;
    int n;
} cuts;

static int piece_of(double t, cuts c)
{
    int k = 0;
    while (k < c.n && c.c[k] < t) k++;
    return k;
}

/* The model's pieces: a hazard's own cuts, else the shared ones. */
typedef struct {
    cuts exit, entry, lockin, post;
} toe_pieces;

static toe_pieces pieces_of(const nt_survival_run_opts *o)
{
    toe_pieces p;
    p.exit = o->exit_cuts ? (cuts){o->exit_cuts, o->n_exit_cuts} : (cuts){o->baseline_cuts, o->n_baseline_cuts};
    p.entry = o->entry_cuts ? (cuts){o->entry_cuts, o->n_entry_cuts} : (cuts){o->baseline_cuts, o->n_baseline_cuts};
    p.lockin = o->lockin_cuts ? (cuts){o->lockin_cuts, o->n_lockin_cuts} : (cuts){o->effect_cuts, o->n_effect_cuts};
    p.post = o->post_cuts ? (cuts){o->post_cuts, o->n_post_cuts} : (cuts){o->effect_cuts, o->n_effect_cuts};
    return p;
}

/* "K" or "K1:K2", 1 <= K1 <= K2 <= NT_TOE_KMAX. */
static int parse_mass_points(const char *v, int *k1, int *k2)
{
    int a, b, used = 0;
    if (sscanf(v, "%d:%d%n", &a, &b, &used) == 2 && !v[used]) { *k1 = a; *k2 = b; }
    else if (sscanf(v, "%d%n", &a, &used) == 1 && !v[used]) { *k1 = *k2 = a; }
    else return -1;
    return *k1 >= 1 && *k1 <= *k2 && *k2 <= NT_TOE_KMAX ? 0 : -1;
}

/* Disclosure basis of each parameter (see the top of the file). */
static nt_status term_bases(const nt_toe_flat *t, toe_pieces pc, const nt_toe_result *fit, long *basis,
                            long *n_exits, long *n_entries, nt_error *err)
{
    int ne = pc.exit.n + 1, nl = pc.lockin.n + 1, neff = nl + pc.post.n + 1, np = pc.entry.n + 1, nx = t->nx;
    long *cnt = calloc((size_t)(ne + neff + np), sizeof *cnt), exits = 0, entries = 0;
    if (!cnt) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long r = 0; r < t->n; r++) {
        double se = t->since_entry[r];
        if (t->y_exit[r] == 1) {
            exits++;
            cnt[piece_of(t->period[r], pc.exit)]++;
            if (se > 0) cnt[ne + (t->in_program[r] == 1 ? piece_of(se, pc.lockin) : nl + piece_of(se, pc.post))]++;
        }
        if (t->y_entry[r] == 1) { entries++; cnt[ne + neff + piece_of(t->period[r], pc.entry)]++; }
    }
    /* persons on each side of a 0/1 covariate (its value in the person's first row) */
    long small[64];
    for (int j = 0; j < nx && j < 64; j++) {
        const double *x = t->x + (size_t)j * (size_t)t->n;
        long ones = 0, zeros = 0, other = 0;
        for (long r = 0; r < t->n; r++) {
            if (r > 0 && t->person[r] == t->person[r - 1]) continue;
            if (x[r] == 1) ones++; else if (x[r] == 0) zeros++; else other++;
        }
        small[j] = other ? -1 : ones < zeros ? ones : zeros;
    }
    long het = exits < entries ? exits : entries;
    int b = 0;
    for (int k = 0; k < ne; k++) basis[b++] = cnt[k];
    for (int j = 0; j < nx; j++, b++) basis[b] = j < 64 && small[j] >= 0 && small[j] < exits ? small[j] : exits;
    for (int k = 0; k < neff; k++) basis[b++] = cnt[ne + k];
    for (int k = 0; k < np; k++) basis[b++] = cnt[ne + neff + k];
    for (int j = 0; j < nx; j++, b++) basis[b] = j < 64 && small[j] >= 0 && small[j] < entries ? small[j] : entries;
    while (b < fit->p) basis[b++] = het;
    free(cnt);
    *n_exits = exits;
    *n_entries = entries;
    return NT_OK;
}

static void add_row(nt_table *t, const char *kind, const char *term, const char *hazard, double est, long basis)
{
    nt_table_add_row(t);
    nt_table_set_str(t, "kind", kind);
    nt_table_set_str(t, "term", term);
    nt_table_set_str(t, "hazard", hazard);
    nt_table_set_num(t, "estimate", est);
    nt_table_set_basis(t, basis);
}

static nt_status write_toe(const nt_survival_run_opts *o, const nt_toe_result *fit, const long *basis, long het,
                           nt_error *err)
{
    const char *cols[] = {"kind", "term", "hazard", "estimate", "se", "robust_se", "z", "p_value"};
    const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT,
                                 NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    nt_table *t = nt_table_alloc(cols, kinds, 8);
    nt_wald *w = nt_wald_alloc(fit->coef, fit->se_cluster, fit->p);
    if (!t || !w) { nt_table_free(t); nt_wald_free(w); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (int j = 0; j < fit->p; j++) {
        const char *name = fit->name[j], *colon = strchr(name, ':');
        char hazard[16] = "";
        if (colon && colon - name < (long)sizeof hazard) snprintf(hazard, sizeof hazard, "%.*s", (int)(colon - name), name);
        else if (!strncmp(name, "v_exit", 6)) strcpy(hazard, "exit");
        else if (!strncmp(name, "v_entry", 7)) strcpy(hazard, "entry");
        add_row(t, colon ? "coefficient" : "heterogeneity", colon ? colon + 1 : name, hazard, fit->coef[j], basis[j]);
        nt_table_set_num(t, "se", fit->se[j]);
        nt_table_set_num(t, "robust_se", fit->se_cluster[j]);
        nt_table_set_num(t, "z", w->z[j]);
        nt_table_set_num(t, "p_value", w->p_value[j]);
    }
    nt_wald_free(w);
    for (int k = 0; k < fit->K; k++) {
        char term[32];
        snprintf(term, sizeof term, "type[%d]", k + 1);
        add_row(t, "mass_point", term, "exit", fit->v_exit[k], het);
        add_row(t, "mass_point", term, "entry", fit->v_entry[k], het);
        add_row(t, "probability", term, "", fit->prob[k], het);
    }
    add_row(t, "fit", "loglik", "", fit->loglik, het);
    add_row(t, "fit", "aic", "", fit->aic, het);
    add_row(t, "fit", "bic", "", fit->bic, het);
    add_row(t, "fit", "mass_points", "", fit->K, het);
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "toe.csv");
    nt_status s = nt_table_write_csv(t, path, o->min_cell, err);
    nt_table_free(t);
    return s;
}

static nt_status write_fits(const nt_survival_run_opts *o, const nt_toe_result *fit, long n_exits, long n_entries,
                            long het, nt_error *err)
{
    const char *cols[] = {"mass_points", "parameters", "loglik", "aic", "bic", "iterations", "converged", "chosen",
                          "n_persons", "n_periods", "n_exits", "n_entries"};
    const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_KEY,
                                 NT_COL_KEY, NT_COL_KEY, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT};
    nt_table *t = nt_table_alloc(cols, kinds, 12);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int k = 0; k < fit->n_fits; k++) {
        if (nt_table_add_row(t)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        nt_toe_fit_row(t, fit, k, n_exits, n_entries, het);
    }
    char path[4096];
    nt_path_join(path, sizeof path, o->out, "toe_fit.csv");
    nt_status s = nt_table_write_csv(t, path, o->min_cell, err);
    nt_table_free(t);
    return s;
}

static void cuts_text(cuts c, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = 0;
    for (int k = 0; k < c.n && len < size; k++) {
        char b[32];
        nt_format_num(c.c[k], b);
        len += (size_t)snprintf(buf + len, size - len, "%s%s", k ? "," : "", b);
    }
}

static void record_settings(const nt_survival_run_opts *o, toe_pieces pc, const nt_toe_opts *to, nt_manifest *m)
{
    char b[1024];
    nt_manifest_setting_str(m, NULL, "id", o->id);
    nt_manifest_setting_str(m, NULL, "time", o->time);
    nt_manifest_setting_str(m, NULL, "exit", o->event);
    nt_manifest_setting_str(m, NULL, "entry", o->entry ? o->entry : "");
    nt_manifest_setting_str(m, NULL, "in_program", o->program ? o->program : "");
    nt_manifest_setting_num(m, NULL, "lockin_months", o->program ? 0 : o->lockin_months);
    nt_manifest_setting_str(m, NULL, "covariates", o->covariates ? o->covariates : "");
    nt_manifest_setting_num(m, NULL, "min_cell", (double)o->min_cell);
    cuts_text(pc.exit, b, sizeof b); nt_manifest_setting_str(m, NULL, "exit_cuts", b);
    cuts_text(pc.entry, b, sizeof b); nt_manifest_setting_str(m, NULL, "entry_cuts", b);
    cuts_text(pc.lockin, b, sizeof b); nt_manifest_setting_str(m, NULL, "lockin_cuts", b);
    cuts_text(pc.post, b, sizeof b); nt_manifest_setting_str(m, NULL, "post_cuts", b);
    nt_manifest_setting_num(m, NULL, "k_min", to->k_min);
    nt_manifest_setting_num(m, NULL, "k_max", to->k_max);
    nt_manifest_setting_str(m, NULL, "criterion", to->ic == NT_TOE_BIC ? "bic" : "aic");
    nt_manifest_setting_str(m, NULL, "model", "discrete-time bivariate MPH, cloglog hazards of exit to work and "
                                              "programme entry, K mass points (docs/toe.md)");
    nt_manifest_setting_str(m, NULL, "since_entry", "period minus the entry period after the entry month, 0 up to it");
    nt_manifest_setting_str(m, NULL, "variance", "se: inverse observed information; robust_se: sandwich clustered by "
                                                 "person, G/(G-1); z and p_value use robust_se");
    nt_manifest_setting_str(m, NULL, "mirrors", "scripts/reference/toe_golden.R (base R optim on the same likelihood)");
}

/* The options of the estimator; NT_EUSAGE for inconsistent ones. */
static nt_status toe_options(const nt_survival_run_opts *o, toe_pieces pc, nt_toe_opts *to, nt_error *err)
{
    memset(to, 0, sizeof *to);
    to->exit_cuts = pc.exit.c; to->n_exit_cuts = pc.exit.n;
    to->entry_cuts = pc.entry.c; to->n_entry_cuts = pc.entry.n;
    to->lockin_cuts = pc.lockin.c; to->n_lockin_cuts = pc.lockin.n;
    to->post_cuts = pc.post.c; to->n_post_cuts = pc.post.n;
    to->ic = o->criterion == 1 ? NT_TOE_BIC : NT_TOE_AIC;
    to->k_min = 1;
    to->k_max = NT_TOE_KMAX;
    if (o->mass_points && parse_mass_points(o->mass_points, &to->k_min, &to->k_max))
        return nt_fail(err, NT_EUSAGE, "--mass-points: found \"%s\", expected K or K1:K2 with 1 <= K1 <= K2 <= %d",
                       o->mass_points, NT_TOE_KMAX);
    if (!o->entry) return nt_fail(err, NT_EUSAGE, "--entry is required");
    if (!o->program == !(o->lockin_months > 0))
        return nt_fail(err, NT_EUSAGE, "expected one of --in-program COLUMN and --lockin-months N");
    return NT_OK;
}

nt_status nt_survival_toe(const nt_survival_run_opts *o, nt_manifest *m, nt_notes *notes, nt_error *err)
{
    double t0 = nt_now();
    nt_survival_rows r;
    memset(&r, 0, sizeof r);
    nt_toe_flat *t = NULL;
    nt_toe_result *fit = NULL;
    long *basis = NULL, n_exits = 0, n_entries = 0;
    char **vars = NULL;
    int nvars = nt_words_split(o->covariates, &vars);
    toe_pieces pc = pieces_of(o);
    nt_toe_opts to;
    nt_status s = toe_options(o, pc, &to, err);
    record_settings(o, pc, &to, m);
    if (s) goto done;
    if (nvars <= 0) { s = nt_fail(err, NT_EUSAGE, "--covariates: expected a comma-separated list of columns"); goto done; }
    const char *extra[3] = {o->id, o->entry, o->program};
    int nextra = o->program ? 3 : 2;
    if ((s = nt_survival_rows_load(o, (const char *const *)vars, nvars, extra, nextra, &r, err))) goto done;
    nt_toe_flat_cols fc = {.id = nt_flat_find(r.f, o->id), .time = r.ct, .exit = r.ce,
                           .entry = nt_flat_find(r.f, o->entry), .program = o->program ? nt_flat_find(r.f, o->program) : -1,
                           .lockin_months = o->lockin_months};
    if ((s = nt_toe_flat_read(r.f, r.des, &fc, &t, err))) goto done;
    {
        const char *dn[64];
        int nn = 0;
        for (int k = 0; k < nvars && nn < 58; k++) dn[nn++] = vars[k];
        dn[nn++] = o->time; dn[nn++] = o->event;
        for (int k = 0; k < nextra; k++) dn[nn++] = extra[k];
        nt_survival_rows_report(m, &r, dn, nn, "toe", notes);
    }
    if (t->persons_dropped)
        nt_notes_add(notes, NT_NOTES_OUT, "netto survival toe: %ld persons (%ld rows) left out for a row with a missing "
                     "covariate\n", t->persons_dropped, t->rows_dropped);
    nt_manifest_count(m, "persons_dropped_missing", (double)t->persons_dropped);
    nt_manifest_count(m, "rows_dropped_with_person", (double)t->rows_dropped);
    nt_toe_data d = {.n = t->n, .person = t->person, .period = t->period, .y_exit = t->y_exit, .y_entry = t->y_entry,
                     .since_entry = t->since_entry, .in_program = t->in_program, .x = t->nx ? t->x : NULL,
                     .nx = t->nx, .xnames = (const char *const *)r.des->term};
    double t1 = nt_now();
    if ((s = nt_toe_fit(&d, &to, &fit, err))) {
        if (!err->file[0]) snprintf(err->file, sizeof err->file, "%s", o->data);
        goto done;
    }
    nt_manifest_timing(m, "toe_fit", nt_now() - t1);
    if (!fit->converged) {
        nt_notes_add(notes, NT_NOTES_ERR, "netto survival toe: warning: the chosen model (K = %d) did not converge\n", fit->K);
        nt_manifest_warning(m, "the chosen model (K = %d) did not converge", fit->K);
    }
    if (!(basis = malloc((size_t)fit->p * sizeof *basis))) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    if ((s = term_bases(t, pc, fit, basis, &n_exits, &n_entries, err))) goto done;
    long het = n_exits < n_entries ? n_exits : n_entries;
    if ((s = nt_mkdirs(o->out, err))) goto done;
    if ((s = write_toe(o, fit, basis, het, err))) goto done;
    if ((s = write_fits(o, fit, n_exits, n_entries, het, err))) goto done;
    nt_manifest_count(m, "persons", (double)fit->n_persons);
    nt_manifest_count(m, "person_periods", (double)fit->n_rows);
    nt_manifest_count(m, "n_exits", (double)n_exits);
    nt_manifest_count(m, "n_entries", (double)n_entries);
    nt_manifest_count(m, "mass_points", (double)fit->K);
    nt_manifest_count(m, "iterations", (double)fit->iterations);
    if ((s = nt_manifest_add_input(m, o->data, err))) goto done;
    if ((s = nt_survival_finish(m, o, t0, err))) goto done;
    nt_notes_add(notes, NT_NOTES_OUT, "netto survival toe: %ld persons, %ld person-periods, %ld exits, %ld entries; "
                 "K = %d mass points by %s, loglik %.6f; written to %s\n", fit->n_persons, fit->n_rows, n_exits,
                 n_entries, fit->K, to.ic == NT_TOE_BIC ? "BIC" : "AIC", fit->loglik, o->out);
done:
    nt_toe_result_free(fit);
    nt_toe_flat_free(t);
    free(basis);
    nt_words_free(vars, nvars > 0 ? nvars : 0);
    nt_survival_rows_free(&r);
    return s;
}
