/* Job loss after an exit to work with a post-programme effect (see nt_toe_loss.h). */
#include "study/nt_toe_loss.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void nt_toe_loss_free(nt_toe_loss *l)
{
    if (!l) return;
    if (l->name)
        for (int j = 0; j < l->p; j++) free(l->name[j]);
    free(l->name);
    free(l->person);
    free(l->piece);
    free(l->at);
    free(l->ev);
    free(l->z);
    free(l->basis);
    free(l);
}

static int piece_of(double s, const double *c, int n)
{
    int k = 0;
    while (k < n && c[k] < s) k++;
    return k;
}

/* The first tenure of store piece k (the cuts are whole months). */
static double piece_start(const nt_toe_pp *t, int k) { return k ? t->loss_cuts[k - 1] + 1 : 0; }

/* Cuts after merging pieces without a loss or with only losses; returns their number. */
static int merged_cuts(const nt_toe_pp *t, double *cuts)
{
    int n = t->n_loss_cuts;
    memcpy(cuts, t->loss_cuts, (size_t)n * sizeof *cuts);
    for (;;) {
        double at[9] = {0}, ev[9] = {0};
        for (long c = 0; c < t->n_lcell; c++) {
            int k = piece_of(piece_start(t, t->lc_piece[c]), cuts, n);
            at[k] += t->lc_at[c];
            ev[k] += t->lc_loss[c];
        }
        int bad = -1;
        for (int k = 0; k <= n && bad < 0; k++)
            if (ev[k] == 0 || ev[k] == at[k]) bad = k;
        if (bad < 0 || n == 0) return n;
        int drop = bad ? bad - 1 : 0;
        memmove(cuts + drop, cuts + drop + 1, (size_t)(n - drop - 1) * sizeof *cuts);
        n--;
    }
}

static int set_names(nt_toe_loss *l, const nt_panel *panel, const nt_toe_groups *eg)
{
    char b[256];
    for (int k = 0; k < l->np; k++) {
        char lo[32] = "-Inf", hi[32] = "Inf";
        if (k > 0) snprintf(lo, sizeof lo, "%g", l->cuts[k - 1]);
        if (k < l->np - 1) snprintf(hi, sizeof hi, "%g", l->cuts[k]);
        snprintf(b, sizeof b, "loss:(%s,%s%s", lo, hi, k < l->np - 1 ? "]" : ")");
        if (!(l->name[k] = strdup(b))) return -1;
    }
    for (int j = 0; j < l->nxp; j++) {
        snprintf(b, sizeof b, "loss:%s", panel->term[j]);
        if (!(l->name[l->np + j] = strdup(b))) return -1;
    }
    for (int g = 0; g < l->G; g++) {
        snprintf(b, sizeof b, "loss:post%s", eg ? eg->suffix[g] : "");
        if (!(l->name[l->np + l->nxp + g] = strdup(b))) return -1;
    }
    return 0;
}

/* Disclosure bases (nt_toe_loss.h). */
static void set_bases(nt_toe_loss *l, const nt_toe_pp *t, const nt_panel *panel, const double *ev_g)
{
    for (int k = 0; k < l->np; k++) l->basis[k] = 0;
    for (long c = 0; c < t->n_lcell; c++)
        l->basis[piece_of(piece_start(t, t->lc_piece[c]), l->cuts, l->np - 1)] += (long)t->lc_loss[c];
    for (int j = 0; j < l->nxp; j++) {
        const double *x = panel->x + (size_t)j * (size_t)panel->n;
        long ones = 0, zeros = 0, other = 0;
        for (long c = 0; c < t->n_lcell; c++) {
            if (c > 0 && t->lc_person[c] == t->lc_person[c - 1]) continue;
            double v = x[t->lc_person[c]];
            if (v == 1) ones++;
            else if (v == 0) zeros++;
            else other++;
        }
        long small = ones < zeros ? ones : zeros, all = (long)l->losses;
        l->basis[l->np + j] = !other && small < all ? small : all;
    }
    for (int g = 0; g < l->G; g++) l->basis[l->np + l->nxp + g] = (long)ev_g[g];
}

/* The months employed and losses after an exit, m[1], ev[1] of the treated,
   m[0], ev[0] of the others; 1: the job-loss hazard is fitted. */
static int loss_totals(const nt_toe_pp *t, double *m, double *ev)
{
    m[0] = m[1] = ev[0] = ev[1] = 0;
    for (long c = 0; c < t->n_lcell; c++) {
        m[t->lc_treated[c]] += t->lc_at[c];
        ev[t->lc_treated[c]] += t->lc_loss[c];
    }
    return !(ev[1] == 0 || ev[1] == m[1] || ev[0] == 0 || ev[0] == m[0]);
}

int nt_toe_loss_used(const nt_toe_pp *t)
{
    double m[2], ev[2];
    return loss_totals(t, m, ev);
}

nt_status nt_toe_loss_build(const nt_toe_pp *t, const nt_panel *panel, const double *mean, const double *sd,
                            const nt_toe_groups *eg, nt_toe_loss **out, nt_error *err)
{
    *out = NULL;
    double m[2], ev[2];
    if (!loss_totals(t, m, ev)) return NT_OK;
    long *code = malloc((size_t)(panel->n > 0 ? panel->n : 1) * sizeof *code);
    int G = eg ? eg->G : 1;
    double *mg = calloc((size_t)G * 2, sizeof *mg), *evg = mg ? mg + G : NULL;
    nt_toe_loss *l = code && mg ? calloc(1, sizeof *l) : NULL;
    if (!l) { free(code); free(mg); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long r = 0; r < panel->n; r++) code[r] = -1;
    for (long i = 0; i < t->n_persons; i++) code[t->panel_row[i]] = i;
    for (long c = 0; c < t->n_lcell; c++) /* the treated's months and losses per effect group */
        if (t->lc_treated[c] && code[t->lc_person[c]] >= 0) {
            int g = eg ? eg->group[code[t->lc_person[c]]] : 0;
            mg[g] += t->lc_at[c];
            evg[g] += t->lc_loss[c];
        }
    for (int g = 0; g < G; g++)
        if (evg[g] == 0 || evg[g] == mg[g]) {
            nt_status s = nt_fail(err, NT_EINPUT, "loss:post%s: %g job losses in %g months employed after the "
                                  "programme in this effect group (programme type or toe_effect_by): its effect on job "
                                  "loss cannot be estimated; use fewer or wider groups", eg ? eg->suffix[g] : "", evg[g], mg[g]);
            free(code); free(mg); free(l);
            return s;
        }
    l->G = G;
    l->np = merged_cuts(t, l->cuts) + 1;
    l->nxp = panel->p;
    l->p = l->np + l->nxp + G;
    l->months = m[0] + m[1];
    l->losses = ev[0] + ev[1];
    l->months_treated = m[1];
    l->losses_treated = ev[1];
    long n = t->n_lcell;
    int p = l->p;
    l->name = calloc((size_t)p, sizeof *l->name);
    l->basis = calloc((size_t)p, sizeof *l->basis);
    l->person = malloc((size_t)n * sizeof *l->person);
    l->piece = malloc((size_t)n * sizeof *l->piece);
    l->at = malloc((size_t)n * sizeof *l->at);
    l->ev = malloc((size_t)n * sizeof *l->ev);
    l->z = malloc((size_t)(n ? n : 1) * (size_t)(l->nxp + G) * sizeof *l->z);
    if (!l->name || !l->basis || !l->person || !l->piece || !l->at || !l->ev || !l->z ||
        set_names(l, panel, eg)) {
        free(code);
        free(mg);
        nt_toe_loss_free(l);
        return nt_fail(err, NT_ENOMEM, "out of memory for the job-loss hazard (%ld cells)", n);
    }
    long k = 0; /* cells of persons with rows (all of them: the cells follow exits to work) */
    for (long c = 0; c < n; c++) {
        long pr = t->lc_person[c];
        if (code[pr] < 0) continue;
        l->person[k] = code[pr];
        l->piece[k] = piece_of(piece_start(t, t->lc_piece[c]), l->cuts, l->np - 1);
        l->at[k] = t->lc_at[c];
        l->ev[k] = t->lc_loss[c];
        for (int j = 0; j < l->nxp; j++)
            l->z[(size_t)j * (size_t)n + (size_t)k] =
                (panel->x[(size_t)j * (size_t)panel->n + (size_t)pr] - mean[j]) / sd[j];
        for (int g = 0; g < G; g++)
            l->z[(size_t)(l->nxp + g) * (size_t)n + (size_t)k] =
                t->lc_treated[c] && (eg ? eg->group[code[pr]] : 0) == g;
        k++;
    }
    l->n = k;
    free(code);
    if (k != n) {
        nt_toe_loss_free(l);
        free(mg);
        return nt_fail(err, NT_EINPUT, "job-loss cells of %ld persons without person-period rows", n - k);
    }
    set_bases(l, t, panel, evg);
    free(mg);
    *out = l;
    return NT_OK;
}
