/* The tables and plots of method = toe (see nt_toe_tables.h). */
#include "study/nt_toe_tables.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/nt_file.h"
#include "estimators/nt_stats.h"
#include "report/nt_disclose.h"
#include "report/nt_table.h"
#include "study/nt_result_tables.h"
#include "study/nt_toe_run.h"

struct nt_toe_tables {
    nt_table *coef, *fits;
};

void nt_toe_tables_free(nt_toe_tables *tb)
{
    if (!tb) return;
    nt_table_free(tb->coef);
    nt_table_free(tb->fits);
    free(tb);
}

nt_status nt_toe_tables_alloc(nt_toe_tables **out, nt_error *err)
{
    static const char *cc[] = {"program", "kind", "term", "hazard", "estimate", "se", "robust_se", "z", "p_value"};
    static const nt_col_kind ck[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT,
                                     NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    static const char *fc[] = {"program", "mass_points", "parameters", "loglik", "aic", "bic", "iterations",
                               "converged", "chosen", "n_persons", "n_periods", "n_exits", "n_entries"};
    static const nt_col_kind fk[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT,
                                     NT_COL_STAT, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_COUNT,
                                     NT_COL_COUNT, NT_COL_COUNT, NT_COL_COUNT};
    nt_toe_tables *tb = calloc(1, sizeof *tb);
    if (tb) {
        tb->coef = nt_table_alloc(cc, ck, 9);
        tb->fits = nt_table_alloc(fc, fk, 13);
    }
    if (!tb || !tb->coef || !tb->fits) {
        nt_toe_tables_free(tb);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    *out = tb;
    return NT_OK;
}

static int piece_of(double t, const double *c, int n)
{
    int k = 0;
    while (k < n && c[k] < t) k++;
    return k;
}

/* Disclosure basis of each parameter (nt_toe_tables.h). */
static int term_bases(const nt_toe_pp *t, const nt_toe_opts *o, const nt_toe_result *fit, const nt_toe_loss *l,
                      const nt_toe_groups *eg, long *basis)
{
    int ne = o->n_exit_cuts + 1, nl = o->n_lockin_cuts + 1, per = nl + o->n_post_cuts + 1;
    int neff = (eg ? eg->G : 1) * per; /* per effect group, group-major */
    int np = o->n_entry_cuts + 1, nx = t->nx;
    long *cnt = calloc((size_t)(ne + neff + np), sizeof *cnt), *small = calloc((size_t)nx + 1, sizeof *small);
    if (!cnt || !small) { free(cnt); free(small); return -1; }
    for (long r = 0; r < t->n; r++) {
        double se = t->since_entry[r];
        if (t->y_exit[r] == 1) {
            cnt[piece_of(t->period[r], o->exit_cuts, o->n_exit_cuts)]++;
            if (se > 0)
                cnt[ne + (eg ? eg->group[t->person[r]] * per : 0) +
                    (t->in_program[r] == 1 ? piece_of(se, o->lockin_cuts, o->n_lockin_cuts)
                                           : nl + piece_of(se, o->post_cuts, o->n_post_cuts))]++;
        }
        if (t->y_entry[r] == 1) cnt[ne + neff + piece_of(t->period[r], o->entry_cuts, o->n_entry_cuts)]++;
    }
    for (int j = 0; j < nx; j++) { /* persons on the smaller side of a 0/1 column (first row) */
        const double *x = t->x + (size_t)j * (size_t)t->n;
        long ones = 0, zeros = 0, other = 0;
        for (long r = 0; r < t->n; r++) {
            if (r > 0 && t->person[r] == t->person[r - 1]) continue;
            if (fabs(x[r] - 1) < 1e-9) ones++; /* the columns went through centring and scaling */
            else if (fabs(x[r]) < 1e-9) zeros++;
            else other++;
        }
        small[j] = other ? -1 : ones < zeros ? ones : zeros;
    }
    long het = t->n_exits < t->n_entries ? t->n_exits : t->n_entries;
    int b = 0;
    for (int k = 0; k < ne; k++) basis[b++] = cnt[k];
    for (int j = 0; j < nx; j++, b++) basis[b] = small[j] >= 0 && small[j] < t->n_exits ? small[j] : t->n_exits;
    for (int k = 0; k < neff; k++) basis[b++] = cnt[ne + k];
    for (int k = 0; k < np; k++) basis[b++] = cnt[ne + neff + k];
    for (int j = 0; j < nx; j++, b++) basis[b] = small[j] >= 0 && small[j] < t->n_entries ? small[j] : t->n_entries;
    for (int j = 0; l && j < l->p && b < fit->p; j++) basis[b++] = l->basis[j];
    while (b < fit->p) basis[b++] = het;
    free(cnt);
    free(small);
    return 0;
}

static void coef_row(nt_table *t, const char *program, const char *kind, const char *term, const char *hazard,
                     double est, long basis)
{
    nt_table_add_row(t);
    nt_table_set_str(t, "program", program);
    nt_table_set_str(t, "kind", kind);
    nt_table_set_str(t, "term", term);
    nt_table_set_str(t, "hazard", hazard);
    nt_table_set_num(t, "estimate", est);
    nt_table_set_basis(t, basis);
}

/* The effect group of each parameter (exit lock-in / post, job-loss post), -1
   for a shared one; the order of the fit's parameters as term_bases reads it.
   With effect groups the name must carry the group's suffix. */
static nt_status param_groups(const nt_toe_pp *t, const nt_toe_opts *o, const nt_toe_result *fit,
                              const nt_toe_loss *l, const nt_toe_groups *eg, int *grp, nt_error *err)
{
    int ne = o->n_exit_cuts + 1, per = o->n_lockin_cuts + 1 + o->n_post_cuts + 1;
    int G = eg ? eg->G : 1, e0 = ne + t->nx, lp = e0 + G * per + o->n_entry_cuts + 1 + t->nx;
    for (int j = 0; j < fit->p; j++) {
        grp[j] = j >= e0 && j < e0 + G * per ? (j - e0) / per : -1;
        if (l && j >= lp + l->np + l->nxp && j < lp + l->p) grp[j] = j - (lp + l->np + l->nxp);
        if (grp[j] >= 0 && eg && !strstr(fit->name[j], eg->suffix[grp[j]]))
            return nt_fail(err, NT_EINPUT, "method = toe: toe.csv: %s is not a term of effect group %s (a bug)",
                           fit->name[j], eg->suffix[grp[j]]);
    }
    return NT_OK;
}

/* The rows of one fit: shared ones under program, effect group g's under
   owner[g] (owner NULL: all under program). */
static nt_status add_fit(nt_toe_tables *tb, const char *program, const char *const *owner, const nt_toe_pp *t,
                         const nt_toe_result *fit, const nt_toe_opts *o, const nt_toe_loss *loss,
                         const nt_toe_groups *eg, nt_error *err)
{
    long *basis = malloc((size_t)fit->p * sizeof *basis);
    int *grp = malloc((size_t)fit->p * sizeof *grp);
    nt_wald *w = nt_wald_alloc(fit->coef, fit->se_cluster, fit->p);
    if (!basis || !grp || !w || term_bases(t, o, fit, loss, eg, basis)) {
        free(basis);
        free(grp);
        nt_wald_free(w);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    nt_status s = owner ? param_groups(t, o, fit, loss, eg, grp, err) : NT_OK;
    long het = t->n_exits < t->n_entries ? t->n_exits : t->n_entries;
    for (int j = 0; j < fit->p && !s; j++) {
        const char *name = fit->name[j], *colon = strchr(name, ':');
        char hazard[16] = "";
        if (colon && colon - name < (long)sizeof hazard) snprintf(hazard, sizeof hazard, "%.*s", (int)(colon - name), name);
        else if (!strncmp(name, "v_exit", 6)) strcpy(hazard, "exit");
        else if (!strncmp(name, "v_entry", 7)) strcpy(hazard, "entry");
        else if (!strncmp(name, "v_loss", 6)) strcpy(hazard, "loss");
        coef_row(tb->coef, owner && grp[j] >= 0 ? owner[grp[j]] : program, colon ? "coefficient" : "heterogeneity",
                 colon ? colon + 1 : name, hazard, fit->coef[j], basis[j]);
        nt_table_set_num(tb->coef, "se", fit->se[j]);
        nt_table_set_num(tb->coef, "robust_se", fit->se_cluster[j]);
        nt_table_set_num(tb->coef, "z", w->z[j]);
        nt_table_set_num(tb->coef, "p_value", w->p_value[j]);
    }
    nt_wald_free(w);
    free(basis);
    free(grp);
    if (s) return s;
    for (int k = 0; k < fit->K; k++) {
        char term[32];
        snprintf(term, sizeof term, "type[%d]", k + 1);
        coef_row(tb->coef, program, "mass_point", term, "exit", fit->v_exit[k], het);
        coef_row(tb->coef, program, "mass_point", term, "entry", fit->v_entry[k], het);
        if (fit->nv > 2) coef_row(tb->coef, program, "mass_point", term, "loss", fit->v_loss[k], het);
        coef_row(tb->coef, program, "probability", term, "", fit->prob[k], het);
    }
    coef_row(tb->coef, program, "fit", "loglik", "", fit->loglik, het);
    coef_row(tb->coef, program, "fit", "aic", "", fit->aic, het);
    coef_row(tb->coef, program, "fit", "bic", "", fit->bic, het);
    coef_row(tb->coef, program, "fit", "mass_points", "", fit->K, het);
    for (int k = 0; k < fit->n_fits; k++) {
        if (nt_table_add_row(tb->fits)) return nt_fail(err, NT_ENOMEM, "out of memory");
        nt_table_set_str(tb->fits, "program", program);
        nt_toe_fit_row(tb->fits, fit, k, t->n_exits, t->n_entries, het);
    }
    return NT_OK;
}

nt_status nt_toe_tables_add(nt_toe_tables *tb, nt_run_state *P, const char *program, const nt_toe_pp *t,
                            const nt_toe_result *fit, const nt_toe_opts *o, const nt_toe_loss *loss,
                            const nt_toe_groups *eg, nt_error *err)
{
    (void)P;
    return add_fit(tb, program, NULL, t, fit, o, loss, eg, err);
}

/* The programme of effect group g: the type of its persons' starts (the
   study's spelling when it is one of the study's programmes), or
   NT_TOE_JOINT when its starters are of more than one type or none. */
static nt_status group_owners(const nt_run_state *P, const nt_toe_pp *t, const nt_toe_groups *eg,
                              const char **owner, nt_error *err)
{
    const char *const *names = NULL;
    int nnames = nt_store_program_types(P->store, &names);
    int *code = calloc((size_t)eg->G, sizeof *code);
    if (!code) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < t->n_persons; i++) {
        int c = t->start_type[i], g = eg->group[i];
        if (c > 0) code[g] = code[g] == 0 || code[g] == c ? c : -1;
    }
    for (int g = 0; g < eg->G; g++) {
        owner[g] = code[g] > 0 && code[g] <= nnames ? names[code[g] - 1] : NT_TOE_JOINT;
        for (int i = 0; i < P->n_prog; i++)
            if (code[g] > 0 && P->prog_code[i] == code[g]) owner[g] = P->st->programs[i];
    }
    free(code);
    return NT_OK;
}

nt_status nt_toe_tables_check_types(const nt_run_state *P, nt_error *err)
{
    const char *const *names = NULL;
    int n = nt_store_program_types(P->store, &names);
    for (int i = 0; i < n; i++)
        if (!strcasecmp(names[i], NT_TOE_JOINT))
            return nt_fail(err, NT_EINPUT, "method = toe: a programme type is named \"%s\", which toe.csv's "
                           "program column keeps for the rows the programmes share; rename the type", names[i]);
    return NT_OK;
}

nt_status nt_toe_tables_add_joint(nt_toe_tables *tb, nt_run_state *P, const nt_toe_pp *t,
                                  const nt_toe_result *fit, const nt_toe_opts *o, const nt_toe_loss *loss,
                                  const nt_toe_groups *eg, nt_error *err)
{
    if (!eg) return add_fit(tb, NT_TOE_JOINT, NULL, t, fit, o, loss, eg, err);
    const char **owner = malloc((size_t)eg->G * sizeof *owner);
    if (!owner) return nt_fail(err, NT_ENOMEM, "out of memory");
    nt_status s = group_owners(P, t, eg, owner, err);
    if (!s) s = add_fit(tb, NT_TOE_JOINT, owner, t, fit, o, loss, eg, err);
    free(owner);
    return s;
}

void nt_toe_fit_row(nt_table *t, const nt_toe_result *fit, int k, long n_exits, long n_entries, long het)
{
    const nt_toe_kfit *f = &fit->fits[k];
    nt_table_set_int(t, "mass_points", f->K);
    nt_table_set_int(t, "parameters", f->p);
    nt_table_set_num(t, "loglik", f->loglik);
    nt_table_set_num(t, "aic", f->aic);
    nt_table_set_num(t, "bic", f->bic);
    nt_table_set_int(t, "iterations", f->iterations);
    nt_table_set_int(t, "converged", f->converged);
    nt_table_set_int(t, "chosen", f->K == fit->K);
    nt_table_set_int(t, "n_persons", fit->n_persons);
    nt_table_set_int(t, "n_periods", fit->n_rows);
    nt_table_set_int(t, "n_exits", n_exits);
    nt_table_set_int(t, "n_entries", n_entries);
    nt_table_set_basis(t, het);
}

static nt_status write_one(nt_run_state *P, nt_table *t, const char *name, nt_error *err)
{
    char path[4300];
    nt_path_join(path, sizeof path, P->out, name);
    nt_table_set_round(t, P->st->round);
    nt_status s = nt_table_write_csv(t, path, P->st->min_cell, err);
    return s ? s : nt_run_disclosure_note(P, name, t, err);
}

static nt_status write_effects(nt_run_state *P, nt_error *err)
{
    nt_table *t = nt_effects_table_alloc(NULL, NULL, 0);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int i = 0; i < P->toe->n; i++) {
        const nt_toe_compare_row *r = &P->toe->row[i];
        long others = r->n_other_toe;
        for (int tau = 0; tau < r->horizon; tau++) {
            nt_effect_row e = {.program = P->st->programs[i], .subgroup = "", .outcome = "employed", .month = tau,
                               .estimand = "ATT", .method = "toe", .estimate = r->toe[tau], .se = r->toe_se[tau],
                               .ci_lower = r->toe_lower[tau], .ci_upper = r->toe_upper[tau],
                               .n_treated = r->n_treated_toe, .n_control = others,
                               .n_treated_matched = r->n_treated_toe, .n_control_used = others};
            if (nt_effects_table_add(t, &e)) { nt_table_free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
        }
    }
    nt_status s = write_one(P, t, "toe_effects.csv", err);
    nt_table_free(t);
    return s;
}

/* One toe_vs_matching row: quantity, month, the six numbers, bases. */
static void pair_row(nt_table *t, const char *program, const char *quantity, int month, const double *m,
                     const double *e, long mbasis, long ebasis)
{
    nt_table_add_row(t);
    nt_table_set_str(t, "program", program);
    nt_table_set_str(t, "outcome", "employed");
    nt_table_set_str(t, "quantity", quantity);
    nt_table_set_int(t, "month", month);
    static const char *mc[] = {"matching", "matching_ci_lower", "matching_ci_upper"};
    static const char *ec[] = {"toe", "toe_se", "toe_ci_lower", "toe_ci_upper"};
    for (int k = 0; k < 3; k++) {
        nt_table_set_num(t, mc[k], m[k]);
        nt_table_limit_cell(t, mc[k], mbasis, quantity[0] == 'c' ? NT_WHY_WINDOW : NT_WHY_PERSONS);
    }
    for (int k = 0; k < 4; k++) nt_table_set_num(t, ec[k], e[k]);
    nt_table_set_basis(t, ebasis);
}

/* The employed outcome's index in the panel, or -1. */
static int employed_outcome(const nt_run_state *P)
{
    for (int k = 0; k < P->panel->n_outcomes; k++)
        if (!strcmp(P->panel->outcome_name[k], "employed")) return k;
    return -1;
}

static nt_status write_pairs(nt_run_state *P, nt_error *err)
{
    int oc = employed_outcome(P);
    static const char *cols[] = {"program", "outcome", "quantity", "month", "matching", "matching_ci_lower",
                                 "matching_ci_upper", "toe", "toe_se", "toe_ci_lower", "toe_ci_upper"};
    static const nt_col_kind kinds[] = {NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_KEY, NT_COL_STAT, NT_COL_STAT,
                                        NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT, NT_COL_STAT};
    static const int horizons[] = {12, 36, 96};
    nt_table *t = nt_table_alloc(cols, kinds, 11);
    if (!t) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int i = 0; i < P->toe->n; i++) {
        const nt_toe_compare_row *r = &P->toe->row[i];
        const nt_dyn_result *res = P->res[i * P->n_groups];
        for (int tau = 0; tau < r->horizon; tau++) {
            double m[3] = {r->matching[tau], r->matching_lower[tau], r->matching_upper[tau]};
            double e[4] = {r->toe[tau], r->toe_se[tau], r->toe_lower[tau], r->toe_upper[tau]};
            const nt_run_path *p = oc >= 0 ? &P->path[(size_t)i * P->n_groups * P->panel->n_outcomes + oc] : NULL;
            long mb = res && p && p->hidden ? (p->hidden[tau] ? 0 : p->mbasis[tau])
                      : res ? nt_disclose_basis(res->n_treated_matched[tau], res->n_control_used[tau]) : 0;
            pair_row(t, P->st->programs[i], "effect", tau, m, e, mb, r->basis_toe);
        }
        for (int h = 0; h < 3; h++) {
            int T = horizons[h];
            if (T > r->horizon) continue;
            double m[3] = {r->matching_cum[T - 1], r->matching_cum_lower[T - 1], r->matching_cum_upper[T - 1]};
            double e[4] = {r->toe_cum[T - 1], r->toe_cum_se[T - 1], r->toe_cum_lower[T - 1], r->toe_cum_upper[T - 1]};
            pair_row(t, P->st->programs[i], "cumulative", T, m, e, res && oc >= 0 ? nt_run_window_basis(P, i * P->n_groups, oc, T, 0) : 0, r->basis_toe);
        }
    }
    nt_status s = write_one(P, t, "toe_vs_matching.csv", err);
    nt_table_free(t);
    return s;
}

nt_status nt_toe_tables_write(nt_toe_tables *tb, nt_run_state *P, nt_error *err)
{
    nt_status s = write_one(P, tb->coef, "toe.csv", err);
    if (!s) s = write_one(P, tb->fits, "toe_fit.csv", err);
    if (!s) s = write_effects(P, err);
    if (!s) s = write_pairs(P, err);
    return s;
}
