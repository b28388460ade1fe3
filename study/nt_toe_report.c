/* The report's chapter "Matching and timing-of-events"
   (report/nt_report_toe.h, an nt_report_chapter) from nt_run_state.toe, through disclosure
   control: matching's months and windows as effects.csv and summary.csv
   show them (hidden months, window bases), the timing-of-events path as
   toe_effects.csv shows it (its one basis, nt_toe_tables.h). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/nt_disclose.h"
#include "report/nt_report_toe.h"
#include "study/nt_run_parts.h"
#include "study/nt_toe_run.h"

struct nt_toe_report_data {
    nt_report_toe t;
    nt_report_toe_program *prog;
    nt_report_toe_fig *figs;
    double *buf;
    nt_report_chapter chapter;
};

static nt_report_value at(double est, double lo, double hi, int show)
{
    nt_report_value v = {show ? est : NAN, show ? lo : NAN, show ? hi : NAN, !show};
    return v;
}

nt_status nt_toe_report_build(const nt_run_state *P, const nt_report_chapter **out, nt_toe_report_data **keep,
                              nt_error *err)
{
    static const int months[NT_REPORT_TOE_CUMS] = {12, 36, 96};
    int np = P->toe->n, H = P->st->horizon, oc = -1;
    long mc = P->st->min_cell;
    for (int k = 0; k < P->panel->n_outcomes; k++)
        if (!strcmp(P->panel->outcome_name[k], "employed")) oc = k;
    nt_toe_report_data *d = calloc(1, sizeof *d);
    if (d) d->prog = calloc((size_t)np, sizeof *d->prog);
    if (d) d->buf = malloc((size_t)np * 12 * (size_t)H * sizeof *d->buf);
    if (d) d->figs = calloc((size_t)np, sizeof *d->figs);
    if (!d || !d->prog || !d->buf || !d->figs) {
        nt_toe_report_free(d);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    for (int i = 0; i < np; i++) {
        const nt_toe_compare_row *r = &P->toe->row[i];
        int pg = i * P->n_groups;
        const nt_run_path *path = oc >= 0 ? &P->path[(size_t)pg * P->panel->n_outcomes + oc] : NULL;
        const unsigned char *hidden = path ? path->hidden : NULL;
        int toe_ok = nt_disclose_stat(r->basis_toe, mc);
        const double *src[12] = {r->matching, r->matching_lower, r->matching_upper, r->toe, r->toe_lower,
                                 r->toe_upper, r->matching_cum, r->matching_cum_lower, r->matching_cum_upper,
                                 r->toe_cum, r->toe_cum_lower, r->toe_cum_upper};
        double *o[12];
        for (int k = 0; k < 12; k++) {
            o[k] = d->buf + ((size_t)i * 12 + (size_t)k) * (size_t)H;
            int toe = (k % 6) >= 3, cum = k >= 6;
            for (int tau = 0; tau < H; tau++) o[k][tau] = toe ? (toe_ok ? src[k][tau] : NAN) : (path ? src[k][tau] : NAN);
            if (!toe && hidden) nt_disclose_path(o[k], hidden, H, cum, o[k]);
        }
        nt_report_toe_program *q = &d->prog[i];
        q->name = P->st->programs[i];
        q->mass_points = r->mass_points;
        q->m = o[0]; q->m_lower = o[1]; q->m_upper = o[2];
        q->t = o[3]; q->t_lower = o[4]; q->t_upper = o[5];
        q->mc = o[6]; q->mc_lower = o[7]; q->mc_upper = o[8];
        q->tc = o[9]; q->tc_lower = o[10]; q->tc_upper = o[11];
        for (int h = 0; h < NT_REPORT_TOE_CUMS; h++) {
            int T = months[h];
            if (T > H) { q->m_at[h] = q->t_at[h] = at(NAN, NAN, NAN, 1); continue; }
            long wb = path ? nt_run_window_basis(P, pg, oc, T, 0) : 0;
            q->m_at[h] = at(r->matching_cum[T - 1], r->matching_cum_lower[T - 1], r->matching_cum_upper[T - 1],
                            path && nt_disclose_stat(wb, mc));
            q->t_at[h] = at(r->toe_cum[T - 1], r->toe_cum_lower[T - 1], r->toe_cum_upper[T - 1], toe_ok);
        }
    }
    d->t.n_programs = np;
    d->t.program = d->prog;
    d->t.matching_method = nt_run_method(P);
    d->t.assumptions = P->toe->assumptions;
    d->t.figs = d->figs;
    d->chapter = (nt_report_chapter){nt_report_toe_compose, &d->t};
    *out = &d->chapter;
    *keep = d;
    return NT_OK;
}

void nt_toe_report_free(nt_toe_report_data *d)
{
    if (!d) return;
    free(d->prog);
    free(d->figs);
    free(d->buf);
    free(d);
}
