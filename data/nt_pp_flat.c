/* Person-period rows from a flat file (see nt_pp.h), behind `netto
   survival dhazard`: a file with one row per person is expanded; a file
   that is already person-period (an id on several rows) is taken row by
   row after its checks. */
#include "data/nt_pp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* More rows than this is a unit mistake (days given as periods?), not a model. */
#define MAX_PP_ROWS 500000000L

typedef struct {
    const char *id;
    long row;   /* flat row */
} id_row;

static int cmp_id_row(const void *a, const void *b)
{
    const id_row *p = a, *q = b;
    int c = strcmp(p->id, q->id);
    return c ? c : (p->row > q->row) - (p->row < q->row);
}

/* Sorts the kept rows by (id, row); *repeated = 1 when an id is on more
   than one row. */
static nt_status sort_ids(const nt_flat *f, const nt_design *des, int id_col, id_row **out, int *repeated,
                          nt_error *err)
{
    const nt_flat_column *c = &f->cols[id_col];
    id_row *v = malloc((size_t)(des->n ? des->n : 1) * sizeof *v);
    if (!v) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < des->n; i++) v[i] = (id_row){c->str[des->row[i]], des->row[i]};
    qsort(v, (size_t)des->n, sizeof *v, cmp_id_row);
    *repeated = 0;
    for (long i = 1; i < des->n && !*repeated; i++) *repeated = !strcmp(v[i].id, v[i - 1].id);
    *out = v;
    return NT_OK;
}

static const nt_flat_column *g_time;   /* the period column, for cmp_id_period */
static int cmp_id_period(const void *a, const void *b)
{
    const id_row *p = a, *q = b;
    int c = strcmp(p->id, q->id);
    if (c) return c;
    double s = g_time->num[p->row], t = g_time->num[q->row];
    if (s != t) return (s > t) - (s < t);
    return (p->row > q->row) - (p->row < q->row);
}

/* A person-period file: per id, periods distinct whole numbers >= 1 and an
   event (1) only in the id's last period. v: the kept rows (re-sorted here
   by id and period); *n_ids: the distinct ids. */
static nt_status check_periods(const nt_flat *f, id_row *v, long n, int time_col, int event_col, long *n_ids,
                               nt_error *err)
{
    const nt_flat_column *tc = &f->cols[time_col], *ec = &f->cols[event_col];
    for (long i = 0; i < n; i++) {
        double t = tc->num[v[i].row];
        if (!(t >= 1 && t == floor(t)))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[v[i].row], tc->name,
                              "found \"%s\", expected a whole period number >= 1", tc->str[v[i].row]);
    }
    g_time = tc;
    qsort(v, (size_t)n, sizeof *v, cmp_id_period);
    *n_ids = 0;
    for (long i = 0; i < n; i++) {
        int first = i == 0 || strcmp(v[i].id, v[i - 1].id);
        int last = i == n - 1 || strcmp(v[i].id, v[i + 1].id);
        *n_ids += first;
        if (!first && tc->num[v[i].row] == tc->num[v[i - 1].row])
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[v[i].row], tc->name,
                              "found period %s of id \"%s\" again (first on line %ld), expected one row per person and period",
                              tc->str[v[i].row], v[i].id, f->line[v[i - 1].row]);
        if (!last && ec->num[v[i].row] == 1)
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[v[i].row], ec->name,
                              "found the event in period %s of id \"%s\", expected it only in the id's last period",
                              tc->str[v[i].row], v[i].id);
    }
    return NT_OK;
}

/* n person-period rows with p covariates (cap == n), or NULL out of memory. */
static nt_pp *pp_alloc(long n, int p)
{
    nt_pp *pp = calloc(1, sizeof *pp);
    if (!pp) return NULL;
    size_t sz = (size_t)(n ? n : 1);
    pp->person = malloc(sz * sizeof *pp->person);
    pp->period = malloc(sz * sizeof *pp->period);
    pp->y = malloc(sz * sizeof *pp->y);
    pp->x = malloc(sz * (size_t)(p ? p : 1) * sizeof *pp->x);
    if (!pp->person || !pp->period || !pp->y || !pp->x) { nt_pp_free(pp); return NULL; }
    pp->n = pp->cap = n;
    pp->nx = p;
    return pp;
}

/* The person-period file as it is: kept row i is row i (person = i, so a
   cluster code per kept row applies as it is). */
static nt_status take_rows(const nt_flat *f, const nt_design *des, int time_col, int event_col, nt_pp **out,
                           nt_error *err)
{
    long n = des->n;
    int p = des->p;
    nt_pp *pp = pp_alloc(n, p);
    if (!pp) return nt_fail(err, NT_ENOMEM, "out of memory for %ld person-period rows", n);
    for (long i = 0; i < n; i++) {
        long r = des->row[i];
        pp->person[i] = i;
        pp->period[i] = f->cols[time_col].num[r];
        pp->y[i] = f->cols[event_col].num[r] == 1;
    }
    if (p) memcpy(pp->x, des->x, (size_t)n * (size_t)p * sizeof *pp->x);
    *out = pp;
    return NT_OK;
}

nt_status nt_pp_read_flat(const nt_flat *f, const nt_design *des, int id_col, int time_col, int event_col,
                          nt_pp **out, nt_error *err)
{
    id_row *v = NULL;
    int repeated = 0;
    long n_ids = 0;
    nt_status s = sort_ids(f, des, id_col, &v, &repeated, err);
    if (!s && repeated) s = check_periods(f, v, des->n, time_col, event_col, &n_ids, err);
    if (!s && repeated && !(s = take_rows(f, des, time_col, event_col, out, err))) (*out)->n_ids = n_ids;
    free(v);
    if (s || repeated) return s;
    const nt_flat_column *tc = &f->cols[time_col];
    long total = 0;
    for (long i = 0; i < des->n; i++) {
        long r = des->row[i];
        double t = tc->num[r];
        if (!(t >= 1 && t == floor(t)))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], tc->name,
                              "found \"%s\", expected a whole number of periods >= 1", tc->str[r]);
        if (t > (double)(MAX_PP_ROWS - total))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], tc->name,
                              "found \"%s\", which makes more than %ld person-period rows in all; expected periods, not days",
                              tc->str[r], MAX_PP_ROWS);
        total += (long)t;
    }
    int p = des->p;
    nt_pp *pp = pp_alloc(total, p);
    if (!pp) return nt_fail(err, NT_ENOMEM, "out of memory for %ld person-period rows", total);
    pp->n_ids = des->n;
    long k = 0;
    for (long i = 0; i < des->n; i++) {
        long r = des->row[i], t = (long)tc->num[r];
        int event = f->cols[event_col].num[r] == 1;
        for (long q = 1; q <= t; q++, k++) {
            pp->person[k] = i;
            pp->period[k] = (double)q;
            pp->y[k] = event && q == t;
            for (int j = 0; j < p; j++) pp->x[(size_t)j * (size_t)total + k] = des->x[(size_t)j * (size_t)des->n + i];
        }
    }
    *out = pp;
    return NT_OK;
}
