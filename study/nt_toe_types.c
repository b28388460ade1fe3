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
    memset(ty, 0, sizeof *ty);
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
    eg->G = ty->T * ty->Gp;
    eg->group = malloc((size_t)(np ? np : 1) * sizeof *eg->group);
    eg->suffix = calloc((size_t)eg->G, sizeof *eg->suffix);
    ty->dur = calloc((size_t)ty->T * (size_t)t->n_dur, sizeof *ty->dur);
    if (!eg->group || !eg->suffix || !ty->dur) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < np; i++) { /* no entry: type 0 (the effect codes are never used) */
        ty->pgroup[i] = pg ? pg->group[i] : 0;
        int q = t->start_type[i] > 0 ? ty->index[t->start_type[i]] : 0;
        eg->group[i] = q * ty->Gp + ty->pgroup[i];
    }
    for (int q = 0; q < ty->T; q++) {
        memcpy(ty->dur + (size_t)q * (size_t)t->n_dur, t->dur_type + (size_t)ty->code[q] * (size_t)t->n_dur,
               (size_t)t->n_dur * sizeof *ty->dur);
        for (int g = 0; g < ty->Gp; g++) { /* "[scholing]", "[scholing&education=low]" */
            const char *ps = pg ? pg->suffix[g] : "";
            size_t n = strlen(names[ty->code[q] - 1]) + strlen(ps) + 4;
            char *b = malloc(n);
            if (!b) return nt_fail(err, NT_ENOMEM, "out of memory");
            if (pg) snprintf(b, n, "[%s&%s", names[ty->code[q] - 1], ps + 1);
            else snprintf(b, n, "[%s]", names[ty->code[q] - 1]);
            eg->suffix[q * ty->Gp + g] = b;
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
