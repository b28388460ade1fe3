/* Effects by programme type (see nt_toe_types.h). */
#include "study/nt_toe_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nt_toe_types_free(nt_toe_types *ty)
{
    free(ty->code);
    free(ty->index);
    free(ty->pgroup);
    free(ty->mix);
    free(ty->dur);
    free(ty->egroup);
    if (ty->why)
        for (int q = 0; q < ty->T; q++) free(ty->why[q]);
    free(ty->why);
    memset(ty, 0, sizeof *ty);
}

/* The pooling of nt_toe_types.h: per (type, person group) the exits to
   work in lock-in rows, in post rows, and (with the job-loss hazard) the
   treated's losses and months employed after the exit; ty->why of each
   type with a thin cell (names: the type names by code - 1). */
static nt_status pool_types(const nt_toe_pp *t, const char *const *names, const nt_toe_groups *pg,
                            nt_toe_types *ty, nt_error *err)
{
    static const char *what[] = {"exits to work in the programme", "exits to work after the programme",
                                 "job losses after the programme (or only losses)"};
    int T = ty->T, Gp = ty->Gp, loss = nt_toe_loss_used(t);
    size_t nc = (size_t)T * (size_t)Gp;
    long nrow = 1;
    for (long i = 0; i < t->n_persons; i++)
        if (t->panel_row[i] >= nrow) nrow = t->panel_row[i] + 1;
    double *cnt = calloc(nc * 4, sizeof *cnt); /* lock-in exits, post exits, losses, months */
    long *code = malloc((size_t)nrow * sizeof *code);
    ty->why = calloc((size_t)T, sizeof *ty->why);
    if (!cnt || !code || !ty->why) {
        free(cnt); free(code);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    for (long r = 0; r < t->n; r++) {
        long i = t->person[r];
        if (t->since_entry[r] <= 0 || t->y_exit[r] != 1 || t->start_type[i] <= 0) continue;
        size_t c = (size_t)ty->index[t->start_type[i]] * (size_t)Gp + (size_t)ty->pgroup[i];
        cnt[c * 4 + (t->in_program[r] == 1 ? 0 : 1)] += 1;
    }
    for (long r = 0; r < nrow; r++) code[r] = -1;
    for (long i = 0; i < t->n_persons; i++) code[t->panel_row[i]] = i;
    for (long c = 0; loss && c < t->n_lcell; c++) { /* as nt_toe_loss_build counts a group's treated */
        long i = t->lc_person[c] >= 0 && t->lc_person[c] < nrow ? code[t->lc_person[c]] : -1;
        if (!t->lc_treated[c] || i < 0 || t->start_type[i] <= 0) continue;
        size_t k = (size_t)ty->index[t->start_type[i]] * (size_t)Gp + (size_t)ty->pgroup[i];
        cnt[k * 4 + 2] += t->lc_loss[c];
        cnt[k * 4 + 3] += t->lc_at[c];
    }
    nt_status s = NT_OK;
    for (int q = 0; q < T && !s; q++) {
        int n_thin = 0, first = -1, why = 0;
        for (int g = 0; g < Gp; g++) {
            const double *c = cnt + ((size_t)q * (size_t)Gp + (size_t)g) * 4;
            int w = c[0] < NT_TOE_POOL_MIN ? 0 : c[1] < NT_TOE_POOL_MIN ? 1
                    : loss && (c[2] < NT_TOE_POOL_MIN || c[2] == c[3]) ? 2 : -1;
            if (w < 0) continue;
            if (!n_thin++) { first = g; why = w; }
        }
        if (!n_thin) continue;
        const char *gs = pg->suffix[first];
        char b[1024];
        snprintf(b, sizeof b, "method = toe, programme type %s: %d of its %d person groups (toe_effect_by) have "
                 "fewer than %d %s among its starters (first: %.*s), too few to estimate its effects by person "
                 "group; they are pooled over the person groups (one effect group, [%s])", names[ty->code[q] - 1],
                 n_thin, Gp, NT_TOE_POOL_MIN, what[why], (int)(strlen(gs) > 2 ? strlen(gs) - 2 : 0), gs + 1,
                 names[ty->code[q] - 1]);
        if (!(ty->why[q] = strdup(b))) s = nt_fail(err, NT_ENOMEM, "out of memory");
    }
    free(cnt);
    free(code);
    return s;
}

nt_status nt_toe_types_build(const nt_toe_pp *t, const char *const *names, const nt_toe_groups *pg,
                             nt_toe_types *ty, nt_toe_groups *eg, nt_error *err)
{
    memset(ty, 0, sizeof *ty);
    memset(eg, 0, sizeof *eg);
    long np = t->n_persons;
    ty->index = malloc((size_t)t->n_types * sizeof *ty->index);
    ty->code = malloc((size_t)t->n_types * sizeof *ty->code);
    ty->pgroup = malloc((size_t)(np ? np : 1) * sizeof *ty->pgroup);
    if (!ty->index || !ty->code || !ty->pgroup) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int c = 0; c < t->n_types; c++) ty->index[c] = -1;
    for (long i = 0; i < np; i++)
        if (t->start_type[i] > 0) ty->index[t->start_type[i]] = 0;
    for (int c = 1; c < t->n_types; c++)
        if (ty->index[c] == 0) {
            ty->code[ty->T] = c;
            ty->index[c] = ty->T++;
        }
    if (ty->T == 0) return nt_fail(err, NT_EINPUT, "method = toe: no programme starts in the cohort");
    ty->Gp = pg ? pg->G : 1;
    for (long i = 0; i < np; i++) ty->pgroup[i] = pg ? pg->group[i] : 0;
    nt_status s = ty->Gp > 1 ? pool_types(t, names, pg, ty, err) : NT_OK;
    if (s) return s;
    /* the fit's effect groups: per type its person groups, or one when pooled */
    ty->egroup = malloc((size_t)ty->T * (size_t)ty->Gp * sizeof *ty->egroup);
    if (!ty->egroup) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int q = 0; q < ty->T; q++) {
        int pooled = ty->why && ty->why[q];
        for (int g = 0; g < ty->Gp; g++) ty->egroup[q * ty->Gp + g] = eg->G + (pooled ? 0 : g);
        eg->G += pooled ? 1 : ty->Gp;
    }
    eg->group = malloc((size_t)(np ? np : 1) * sizeof *eg->group);
    eg->suffix = calloc((size_t)eg->G, sizeof *eg->suffix);
    ty->dur = calloc((size_t)ty->T * (size_t)t->n_dur, sizeof *ty->dur);
    if (!eg->group || !eg->suffix || !ty->dur) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < np; i++) { /* no entry: type 0 (the effect codes are never used) */
        int q = t->start_type[i] > 0 ? ty->index[t->start_type[i]] : 0;
        eg->group[i] = ty->egroup[q * ty->Gp + ty->pgroup[i]];
    }
    for (int q = 0; q < ty->T; q++) {
        memcpy(ty->dur + (size_t)q * (size_t)t->n_dur, t->dur_type + (size_t)ty->code[q] * (size_t)t->n_dur,
               (size_t)t->n_dur * sizeof *ty->dur);
        for (int g = 0; g < ty->Gp; g++) { /* "[scholing]", "[scholing&education=low]" */
            int e = ty->egroup[q * ty->Gp + g];
            if (eg->suffix[e]) continue; /* a pooled type's group, labelled */
            const char *ps = pg && !(ty->why && ty->why[q]) ? pg->suffix[g] : "";
            size_t n = strlen(names[ty->code[q] - 1]) + strlen(ps) + 4;
            char *b = malloc(n);
            if (!b) return nt_fail(err, NT_ENOMEM, "out of memory");
            if (*ps) snprintf(b, n, "[%s&%s", names[ty->code[q] - 1], ps + 1);
            else snprintf(b, n, "[%s]", names[ty->code[q] - 1]);
            eg->suffix[e] = b;
        }
    }
    return NT_OK;
}

static int piece_of(double t, const double *c, int n)
{
    int k = 0;
    while (k < n && c[k] < t) k++;
    return k;
}

nt_status nt_toe_types_mix(const nt_toe_pp *t, const nt_toe_opts *o, nt_toe_types *ty, nt_error *err)
{
    int npc = o->n_entry_cuts + 1, T = ty->T, Gp = ty->Gp;
    size_t ncell = (size_t)npc * (size_t)Gp;
    double *cnt = calloc(ncell * (size_t)T, sizeof *cnt), *grp = calloc((size_t)Gp * (size_t)T, sizeof *grp);
    double *all = calloc((size_t)T, sizeof *all);
    free(ty->mix);
    ty->mix = malloc(ncell * (size_t)T * sizeof *ty->mix);
    if (!cnt || !grp || !all || !ty->mix) {
        free(cnt); free(grp); free(all);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    for (long r = 0; r < t->n; r++) {
        if (t->y_entry[r] != 1) continue;
        long i = t->person[r];
        int q = ty->index[t->start_type[i]], g = ty->pgroup[i], k = piece_of(t->period[r], o->entry_cuts, o->n_entry_cuts);
        cnt[((size_t)k * (size_t)Gp + (size_t)g) * (size_t)T + (size_t)q] += 1;
        grp[(size_t)g * (size_t)T + (size_t)q] += 1;
        all[q] += 1;
    }
    for (size_t c = 0; c < ncell; c++) { /* the cell's shares, else its group's, else all starts' */
        const double *src[3] = {cnt + c * (size_t)T, grp + (c % (size_t)Gp) * (size_t)T, all};
        for (int lv = 0; lv < 3; lv++) {
            double n = 0;
            for (int q = 0; q < T; q++) n += src[lv][q];
            if (n < NT_TOE_MIX_MIN && lv < 2) continue;
            for (int q = 0; q < T; q++) ty->mix[c * (size_t)T + (size_t)q] = n > 0 ? src[lv][q] / n : 1.0 / T;
            break;
        }
    }
    free(cnt);
    free(grp);
    free(all);
    return NT_OK;
}
