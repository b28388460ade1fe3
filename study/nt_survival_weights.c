/* `netto survival km --weights W.csv --program P [--subgroup S]`: the
   Kaplan-Meier curves of the treated and their weighted controls of a
   `netto run` with [outcomes] time_to_work = yes (docs/survival.md).
   W.csv is the run's private/matching_weights.csv (person_id, program,
   subgroup, start_month, role, weight); the data file has one row per
   (person_id, start_month) with the time and event columns (the run's
   private/time_to_work_times.csv, or the user's own). Each data row is
   joined to the weight rows of programme P and subgroup S (empty: the
   whole cohort) with the same person_id and start_month; a data row with
   several (a person a control at that start month and the same weight row
   once) is repeated per weight row, with that row's weight, in group
   "treated" (code 0) or "control" (code 1). Data rows without a weight row
   are left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/nt_arena.h"
#include "data/nt_strmap.h"
#include "study/nt_survival_rows.h"

static int key_of(const char *id, double k, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s\x1f%.0f", id ? id : "", k);
    return n > 0 && (size_t)n < size ? n : -1;
}

static nt_status load_weights(const nt_survival_run_opts *o, nt_flat **wf, int *col, nt_error *err)
{
    nt_status s = nt_flat_read(o->weights, wf, err);
    static const char *const need[6] = {"person_id", "program", "subgroup", "start_month", "role", "weight"};
    for (int j = 0; j < 6 && !s; j++) s = nt_flat_require(*wf, need[j], &col[j], err);
    if (!s && !(*wf)->cols[col[3]].is_numeric) s = nt_fail_at(err, NT_EINPUT, o->weights, 0, "start_month", "not a number");
    if (!s && !(*wf)->cols[col[5]].is_numeric) s = nt_fail_at(err, NT_EINPUT, o->weights, 0, "weight", "not a number");
    for (long i = 0; !s && i < (*wf)->n_rows; i++) {
        const char *role = (*wf)->cols[col[4]].str[i];
        double w = (*wf)->cols[col[5]].num[i];
        if (!role || (strcmp(role, "treated") && strcmp(role, "control")) || !(w > 0))
            s = nt_fail_at(err, NT_EINPUT, o->weights, (*wf)->line[i], !role || (strcmp(role, "treated") && strcmp(role, "control")) ? "role" : "weight",
                           "expected role treated or control and a weight > 0");
    }
    return s;
}

nt_status nt_survival_km_join(const nt_survival_run_opts *o, const nt_survival_rows *r, nt_surv_data *d,
                              double **buf, int **gcode, nt_error *err)
{
    nt_flat *wf = NULL;
    int col[6];
    nt_status s = load_weights(o, &wf, col, err);
    int cid = -1, ck = -1;
    if (!s) s = nt_flat_require(r->f, "person_id", &cid, err);
    if (!s) s = nt_flat_require_numeric(r->f, "start_month", &ck, err);
    nt_strmap map = {0};
    nt_arena ar = {0};
    long nw = s ? 0 : wf->n_rows, *next = malloc(((size_t)nw + 1) * sizeof *next);
    if (!s && !next) s = nt_fail(err, NT_ENOMEM, "out of memory");
    char key[4200];
    long used = 0;
    for (long i = 0; i < nw && !s; i++) {
        next[i] = -1;
        const char *pg = wf->cols[col[1]].str[i], *sg = wf->cols[col[2]].str[i];
        if (!pg || strcmp(pg, o->wprogram) || strcmp(sg ? sg : "", o->subgroup ? o->subgroup : "")) continue;
        int n = key_of(wf->cols[col[0]].str[i], wf->cols[col[3]].num[i], key, sizeof key);
        int32_t old;
        if (n < 0 || !nt_strmap_put(&map, &ar, key, (size_t)n, (int32_t)i, &old)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); break; }
        if (old != NT_STRMAP_ABSENT) { next[i] = old; nt_strmap_set(&map, key, (size_t)n, (int32_t)i); }
        used++;
    }
    if (!s && used == 0)
        s = nt_fail_at(err, NT_EINPUT, o->weights, 0, "program", "no rows of programme \"%s\" and subgroup \"%s\"", o->wprogram,
                       o->subgroup ? o->subgroup : "");
    /* two passes: count, then fill */
    long n_out = 0;
    for (int pass = 0; pass < 2 && !s; pass++) {
        long m = 0;
        for (long i = 0; i < r->n; i++) {
            long fr = r->row[i];
            double k = r->f->cols[ck].num[fr];
            int n = key_of(r->f->cols[cid].str[fr], k, key, sizeof key);
            int32_t at = n < 0 ? NT_STRMAP_ABSENT : nt_strmap_get(&map, key, (size_t)n);
            for (long a = at; a >= 0; a = next[a], m++) {
                if (!pass) continue;
                (*buf)[m] = r->stop[i];
                (*buf)[n_out + m] = r->event[i];
                (*buf)[2 * n_out + m] = wf->cols[col[5]].num[a];
                (*gcode)[m] = strcmp(wf->cols[col[4]].str[a], "treated") ? 1 : 0;
            }
        }
        if (pass) break;
        n_out = m;
        *buf = malloc((3 * (size_t)n_out + 1) * sizeof **buf);
        *gcode = malloc(((size_t)n_out + 1) * sizeof **gcode);
        if (!*buf || !*gcode) s = nt_fail(err, NT_ENOMEM, "out of memory");
    }
    if (!s) *d = (nt_surv_data){.n = n_out, .stop = *buf, .event = *buf + n_out, .weight = *buf + 2 * n_out,
                                .strata = *gcode, .n_strata = 2};
    free(next);
    nt_strmap_free(&map);
    nt_arena_free(&ar);
    nt_flat_free(wf);
    return s;
}
