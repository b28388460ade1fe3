/* Timing-of-events person-period rows from the cohort store (see nt_toe_store.h). */
#include "data/nt_toe_store.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_date.h"
#include "core/nt_exit.h"

void nt_toe_pp_free(nt_toe_pp *t)
{
    if (!t) return;
    free(t->person);
    free(t->period);
    free(t->y_exit);
    free(t->y_entry);
    free(t->since_entry);
    free(t->in_program);
    free(t->exit_risk);
    free(t->entry_risk);
    free(t->x);
    if (t->xname)
        for (int j = 0; j < t->nx; j++) free(t->xname[j]);
    free(t->xname);
    free(t->cal_month);
    free(t->panel_row);
    free(t->inflow);
    free(t->start_month);
    free(t->retention);
    free(t->loss);
    free(t->find);
    free(t->dur);
    free(t->start_type);
    free(t->dur_type);
    free(t->lc_person);
    free(t->lc_piece);
    free(t->lc_treated);
    free(t->lc_at);
    free(t->lc_loss);
    free(t);
}

/* Job-loss cells of person i (nt_toe_store.h); -1 out of memory. */
static int loss_cells(nt_toe_pp *t, const nt_panel *p, const nt_toe_store_opts *o, long i, int em, const double *emi)
{
    int tm = p->treat_month[i], M = p->months, treated = tm >= 0 && tm <= em;
    double at[9] = {0}, lost[9] = {0};
    int s = 0;
    for (int d = 0; d + 1 < o->n_retention; d++) {
        int m = em + d;
        if (m + 1 >= p->n_observed[i] || m + 1 >= M || isnan(emi[m]) || isnan(emi[m + 1])) break;
        if (emi[m] != 1) { s = 0; continue; }
        if (d > 0 && emi[m - 1] != 1) s = 0;
        int k = 0;
        while (k < t->n_loss_cuts && t->loss_cuts[k] < s) k++;
        at[k] += 1;
        lost[k] += emi[m + 1] == 0;
        s++;
    }
    for (int k = 0; k <= t->n_loss_cuts; k++) {
        if (at[k] == 0) continue;
        if (t->n_lcell == t->cap_lcell) {
            long c = t->cap_lcell ? 2 * t->cap_lcell : 1024;
            long *pp = realloc(t->lc_person, (size_t)c * sizeof *pp);
            if (pp) t->lc_person = pp;
            int *pk = realloc(t->lc_piece, (size_t)c * sizeof *pk);
            if (pk) t->lc_piece = pk;
            unsigned char *pt = realloc(t->lc_treated, (size_t)c);
            if (pt) t->lc_treated = pt;
            double *pa = realloc(t->lc_at, (size_t)c * sizeof *pa);
            if (pa) t->lc_at = pa;
            double *pl = realloc(t->lc_loss, (size_t)c * sizeof *pl);
            if (pl) t->lc_loss = pl;
            if (!pp || !pk || !pt || !pa || !pl) return -1;
            t->cap_lcell = c;
        }
        long c = t->n_lcell++;
        t->lc_person[c] = i;
        t->lc_piece[c] = k;
        t->lc_treated[c] = (unsigned char)treated;
        t->lc_at[c] = at[k];
        t->lc_loss[c] = lost[k];
    }
    return 0;
}

/* A person's last row and entry month (-1: none); -1 last: no rows. */
typedef struct {
    int last, entry, work, start;
} span;

static span span_of(const nt_panel *p, const nt_toe_store_opts *o, long i, double exit_month, double exit_dest)
{
    span s = {-1, -1, 0, -1};
    if (!p->included[i] || isnan(exit_month)) return s;
    int last = (int)exit_month;
    if (p->n_observed[i] - 1 < last) last = p->n_observed[i] - 1;
    if (p->months - 1 < last) last = p->months - 1;
    if (o->max_period < last) last = o->max_period;
    int tm = p->treat_month[i];
    s.last = last;
    if (last < 0) return s;
    s.work = exit_dest == NT_EXIT_WORK && last == (int)exit_month;
    /* the start month is treated: the entry is dated to the row before it
       (a start in month 0, when nobody leaves for work yet, to row 0) */
    if (tm >= 0 && tm <= last) {
        s.entry = tm > 0 ? tm - 1 : 0;
        s.start = tm;
    }
    return s;
}

/* Calendar-year steps with NT_TOE_CAL_MIN exits and entries on each side
   and in each pooled group of years; returns the number kept (<= 64). */
static int calendar_steps(const nt_toe_pp *t, int *year_of_step)
{
    int y0 = 1 << 30, y1 = -(1 << 30);
    for (long r = 0; r < t->n; r++) {
        int y = (t->inflow[t->person[r]] + (int)t->period[r]) / 12;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
    }
    int ny = y1 - y0 + 1, k = 0;
    if (ny < 2 || ny > 200) return 0;
    long ex[200] = {0}, en[200] = {0}, te = 0, tn = 0;
    for (long r = 0; r < t->n; r++) {
        int y = (t->inflow[t->person[r]] + (int)t->period[r]) / 12 - y0;
        ex[y] += t->y_exit[r] == 1;
        en[y] += t->y_entry[r] == 1;
    }
    for (int y = 0; y < ny; y++) { te += ex[y]; tn += en[y]; }
    long ge = 0, gn = 0, be = 0, bn = 0; /* the current group; everything before Y */
    for (int y = 1; y < ny && k < 64; y++) {
        ge += ex[y - 1]; gn += en[y - 1]; be += ex[y - 1]; bn += en[y - 1];
        if (ge >= NT_TOE_CAL_MIN && gn >= NT_TOE_CAL_MIN && te - be >= NT_TOE_CAL_MIN && tn - bn >= NT_TOE_CAL_MIN) {
            year_of_step[k++] = y0 + y;
            ge = gn = 0;
        }
    }
    return k;
}

static nt_status add_calendar(nt_toe_pp *t, nt_error *err)
{
    int years[64], nc = calendar_steps(t, years);
    if (!nc) return NT_OK;
    double *x = realloc(t->x, (size_t)t->n * (size_t)(t->nx + nc) * sizeof *x);
    char **nm = realloc(t->xname, (size_t)(t->nx + nc) * sizeof *nm);
    if (x) t->x = x;
    if (nm) t->xname = nm;
    t->cal_month = malloc((size_t)nc * sizeof *t->cal_month);
    if (!x || !nm || !t->cal_month) return nt_fail(err, NT_ENOMEM, "out of memory for the calendar columns");
    for (int c = 0; c < nc; c++) {
        double *col = t->x + (size_t)(t->nx + c) * (size_t)t->n;
        t->cal_month[c] = years[c] * 12;
        for (long r = 0; r < t->n; r++) col[r] = t->inflow[t->person[r]] + (int)t->period[r] >= t->cal_month[c];
        char b[32];
        snprintf(b, sizeof b, "year>=%d", years[c]);
        if (!(t->xname[t->nx + c] = strdup(b))) { t->nx += c; return nt_fail(err, NT_ENOMEM, "out of memory"); }
    }
    t->nx += nc;
    return NT_OK;
}

/* Rows of the persons of one store block [b0, b0 + nb); ip and em are the
   block's in_program and employed series; *r the next row. */
static int fill_block(nt_toe_pp *t, const nt_panel *p, const nt_toe_store_opts *o, const double *cov, long b0,
                      long nb, const double *ip, const double *em, long *r, long *pi, double *ret_num,
                      double *ret_den, double *tr)
{
    const double *em_m = cov, *ed = cov + p->n, *is = cov + 2 * p->n;
    int M = p->months;
    for (long i = b0; i < b0 + nb; i++) {
        const double *ipi = ip + (size_t)(i - b0) * (size_t)M, *emi = em + (size_t)(i - b0) * (size_t)M;
        if (ed[i] == NT_EXIT_WORK && !isnan(em_m[i]) && p->included[i] && em_m[i] < M &&
            loss_cells(t, p, o, i, (int)em_m[i], emi))
            return -1;
        if (ed[i] == NT_EXIT_WORK && !isnan(em_m[i]) && p->included[i])
            for (int d = 0; d < o->n_retention; d++) {
                int m = (int)em_m[i] + d;
                if (m >= p->n_observed[i] || m >= M || isnan(emi[m])) break;
                ret_num[d] += emi[m] == 1;
                ret_den[d] += 1;
                /* transitions of the untreated: no programme start up to the exit */
                int tm = p->treat_month[i];
                if ((tm >= 0 && tm <= (int)em_m[i]) || m + 1 >= p->n_observed[i] || m + 1 >= M || isnan(emi[m + 1]))
                    continue;
                double *q = tr + (size_t)4 * (size_t)d; /* loss num, den, find num, den */
                if (emi[m] == 1) { q[0] += emi[m + 1] == 0; q[1] += 1; }
                else { q[2] += emi[m + 1] == 1; q[3] += 1; }
            }
        span s = span_of(p, o, i, em_m[i], ed[i]);
        if (s.last < 0) continue;
        long q = *pi;
        t->panel_row[q] = i;
        t->inflow[q] = nt_month_of_day((nt_day)is[i]);
        t->start_month[q] = s.start;
        int ty = s.entry >= 0 && p->treat_type[i] > 0 && p->treat_type[i] < t->n_types ? p->treat_type[i] : 0;
        t->start_type[q] = ty;
        int run = 0, open = s.entry >= 0;
        for (int m = 0; m <= s.last; m++, (*r)++) {
            t->person[*r] = q;
            t->period[*r] = m;
            t->y_exit[*r] = s.work && m == s.last;
            t->y_entry[*r] = m == s.entry;
            t->since_entry[*r] = s.entry >= 0 && m > s.entry ? m - s.entry : 0;
            int inp = s.entry >= 0 && m > s.entry && ipi[m] > 0; /* the series holds the type code */
            t->in_program[*r] = inp;
            t->exit_risk[*r] = 1;
            t->entry_risk[*r] = s.entry >= 0 || m < s.last;
            if (open && m > s.entry) {
                if (inp) run++;
                else {
                    if (run < t->n_dur) {
                        t->dur[run]++;
                        t->dur_type[(size_t)ty * (size_t)t->n_dur + (size_t)run]++;
                    }
                    open = 0;
                }
            }
            for (int j = 0; j < t->nxp; j++)
                t->x[(size_t)j * (size_t)t->n + (size_t)*r] = p->x[(size_t)j * (size_t)p->n + (size_t)i];
            t->n_exits += t->y_exit[*r] == 1;
            t->n_entries += t->y_entry[*r] == 1;
        }
        (*pi)++;
    }
    return 0;
}

static nt_status alloc_rows(nt_toe_pp *t, const nt_panel *p, long n, long np, int n_ret, int n_types)
{
    t->n = n;
    t->n_persons = np;
    t->nx = t->nxp = p->p;
    t->n_dur = p->months + 1;
    t->person = malloc((size_t)n * sizeof *t->person);
    t->period = malloc((size_t)n * sizeof *t->period);
    t->y_exit = malloc((size_t)n * sizeof *t->y_exit);
    t->y_entry = malloc((size_t)n * sizeof *t->y_entry);
    t->since_entry = malloc((size_t)n * sizeof *t->since_entry);
    t->in_program = malloc((size_t)n * sizeof *t->in_program);
    t->exit_risk = malloc((size_t)n * sizeof *t->exit_risk);
    t->entry_risk = malloc((size_t)n * sizeof *t->entry_risk);
    t->x = malloc((size_t)n * (size_t)(t->nx ? t->nx : 1) * sizeof *t->x);
    t->xname = calloc((size_t)(t->nx ? t->nx : 1), sizeof *t->xname);
    t->panel_row = malloc((size_t)np * sizeof *t->panel_row);
    t->inflow = malloc((size_t)np * sizeof *t->inflow);
    t->start_month = malloc((size_t)np * sizeof *t->start_month);
    t->retention = calloc((size_t)(n_ret ? n_ret : 1), sizeof *t->retention);
    t->loss = calloc((size_t)(n_ret ? n_ret : 1), sizeof *t->loss);
    t->find = calloc((size_t)(n_ret ? n_ret : 1), sizeof *t->find);
    t->dur = calloc((size_t)t->n_dur, sizeof *t->dur);
    t->n_types = n_types;
    t->start_type = malloc((size_t)np * sizeof *t->start_type);
    t->dur_type = calloc((size_t)n_types * (size_t)t->n_dur, sizeof *t->dur_type);
    if (!t->start_type || !t->dur_type) return NT_ENOMEM;
    if (!t->person || !t->period || !t->y_exit || !t->y_entry || !t->since_entry || !t->in_program || !t->exit_risk || !t->entry_risk || !t->x ||
        !t->xname || !t->panel_row || !t->inflow || !t->start_month || !t->retention || !t->loss || !t->find || !t->dur)
        return NT_ENOMEM;
    for (int j = 0; j < t->nx; j++)
        if (!(t->xname[j] = strdup(p->term[j]))) return NT_ENOMEM;
    return NT_OK;
}

nt_status nt_toe_store_build(nt_store *st, const nt_panel *p, const nt_toe_store_opts *o, nt_toe_pp **out,
                             nt_error *err)
{
    static const char *const names[3] = {"exit_month", "exit_dest", "index_start"};
    long N = p->n, n = 0, np = 0;
    double *cov = malloc((size_t)(N ? N : 1) * 3 * sizeof *cov), *buf = NULL;
    double *ret_num = calloc((size_t)o->n_retention + 1, sizeof *ret_num);
    double *ret_den = calloc((size_t)o->n_retention + 1, sizeof *ret_den);
    double *tr = calloc((size_t)o->n_retention * 4 + 1, sizeof *tr);
    nt_toe_pp *t = calloc(1, sizeof *t);
    nt_status s = NT_OK;
    if (!cov || !t || !ret_num || !ret_den || !tr) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int k = 0; k < 3 && !s; k++) s = nt_store_read_covariate(st, names[k], cov + (size_t)k * (size_t)N, err);
    if (s) goto done;
    for (long i = 0; i < N; i++) {
        span sp = span_of(p, o, i, cov[i], cov[N + i]);
        if (sp.last >= 0) { n += sp.last + 1; np++; }
    }
    if (n == 0) { s = nt_fail(err, NT_EINPUT, "timing-of-events: no person-months at risk in the cohort"); goto done; }
    const char *const *tnames;
    int n_types = nt_store_program_types(st, &tnames) + 1;
    if (alloc_rows(t, p, n, np, o->n_retention, n_types)) { s = nt_fail(err, NT_ENOMEM, "out of memory for %ld person-months", n); goto done; }
    static const double lcuts[] = {0, 2, 5, 11, 23};
    t->n_loss_cuts = (int)(sizeof lcuts / sizeof lcuts[0]);
    memcpy(t->loss_cuts, lcuts, sizeof lcuts);
    long block = nt_store_chunk_rows(st), r = 0, pi = 0;
    if (block < 1) block = 1024;
    size_t cells = (size_t)block * (size_t)p->months;
    if (!(buf = malloc(2 * cells * sizeof *buf))) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (long b0 = 0; b0 < N && !s; b0 += block) {
        long nb = b0 + block <= N ? block : N - b0;
        s = nt_store_read_rows(st, b0, nb, NT_SERIES_IN_PROGRAM, buf, err);
        if (!s) s = nt_store_read_rows(st, b0, nb, NT_SERIES_EMPLOYED, buf + cells, err);
        if (!s && fill_block(t, p, o, cov, b0, nb, buf, buf + cells, &r, &pi, ret_num, ret_den, tr))
            s = nt_fail(err, NT_ENOMEM, "out of memory for the job-loss cells");
    }
    if (s) goto done;
    for (int d = 0; d < o->n_retention; d++) t->retention[d] = ret_den[d] > 0 ? ret_num[d] / ret_den[d] : NAN;
    for (int d = 1; d < o->n_retention; d++) /* too few observed that long: carry the last share */
        if (ret_den[d] < NT_TOE_CAL_MIN) t->retention[d] = t->retention[d - 1];
    for (int d = 0; d < o->n_retention; d++) { /* the same for the transitions (none at all: 0) */
        const double *q = tr + (size_t)4 * (size_t)d;
        t->loss[d] = q[1] >= NT_TOE_CAL_MIN ? q[0] / q[1] : d ? t->loss[d - 1] : 0;
        t->find[d] = q[3] >= NT_TOE_CAL_MIN ? q[2] / q[3] : d ? t->find[d - 1] : 0;
    }
    if (o->calendar) s = add_calendar(t, err);
done:
    free(cov);
    free(buf);
    free(ret_num);
    free(ret_den);
    free(tr);
    if (s) nt_toe_pp_free(t);
    else *out = t;
    return s;
}
