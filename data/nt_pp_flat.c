/* Person-period rows from a flat file with one row per person (see
   nt_pp.h): the expansion behind `netto survival dhazard`. */
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

/* Each kept row's id once: the later line of a repeated id is the error. */
static nt_status check_ids(const nt_flat *f, const nt_design *des, int id_col, nt_error *err)
{
    const nt_flat_column *c = &f->cols[id_col];
    id_row *v = malloc((size_t)(des->n ? des->n : 1) * sizeof *v);
    if (!v) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < des->n; i++) v[i] = (id_row){c->str[des->row[i]], des->row[i]};
    qsort(v, (size_t)des->n, sizeof *v, cmp_id_row);
    for (long i = 1; i < des->n; i++)
        if (!strcmp(v[i].id, v[i - 1].id)) {
            nt_status s = nt_fail_at(err, NT_EINPUT, f->path, f->line[v[i].row], c->name,
                                     "found \"%s\" again (first on line %ld), expected one row per person",
                                     v[i].id, f->line[v[i - 1].row]);
            free(v);
            return s;
        }
    free(v);
    return NT_OK;
}

nt_status nt_pp_read_flat(const nt_flat *f, const nt_design *des, int id_col, int time_col, int event_col,
                          nt_pp **out, nt_error *err)
{
    nt_status s = check_ids(f, des, id_col, err);
    if (s) return s;
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
    nt_pp *pp = calloc(1, sizeof *pp);
    if (!pp) return nt_fail(err, NT_ENOMEM, "out of memory");
    size_t sz = (size_t)(total ? total : 1);
    pp->person = malloc(sz * sizeof *pp->person);
    pp->period = malloc(sz * sizeof *pp->period);
    pp->y = malloc(sz * sizeof *pp->y);
    pp->x = malloc(sz * (size_t)(p ? p : 1) * sizeof *pp->x);
    if (!pp->person || !pp->period || !pp->y || !pp->x) {
        nt_pp_free(pp);
        return nt_fail(err, NT_ENOMEM, "out of memory for %ld person-period rows", total);
    }
    pp->n = pp->cap = total;
    pp->nx = p;
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
