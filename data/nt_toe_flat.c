/* Timing-of-events person-period rows from a flat file (see nt_toe_flat.h). */
#include "data/nt_toe_flat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *id;
    long row;
} id_row;

static int cmp_id_row(const void *a, const void *b)
{
    const id_row *p = a, *q = b;
    int c = strcmp(p->id, q->id);
    return c ? c : (p->row > q->row) - (p->row < q->row);
}

static nt_status no_missing(const nt_flat *f, int col, const char *what, nt_error *err)
{
    const nt_flat_column *c = &f->cols[col];
    for (long r = 0; r < f->n_rows; r++)
        if (!c->str[r] || (c->num && isnan(c->num[r])))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], c->name, "found an empty value, expected %s", what);
    return NT_OK;
}

/* 0/1 only; in a text column the first value that is neither (not the first row). */
static nt_status binary(const nt_flat *f, int col, nt_error *err)
{
    const nt_flat_column *c = &f->cols[col];
    if (c->is_numeric) return nt_flat_require_binary(f, col, err);
    for (long r = 0; r < f->n_rows; r++)
        if (c->str[r] && strcmp(c->str[r], "0") && strcmp(c->str[r], "1"))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], c->name, "found \"%s\", expected 0 or 1", c->str[r]);
    return nt_flat_require_binary(f, col, err);
}

/* A person's rows together: the same id on two lines with another between. */
static nt_status check_together(const nt_flat *f, int id_col, nt_error *err)
{
    const nt_flat_column *c = &f->cols[id_col];
    long n = f->n_rows;
    id_row *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (!v) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long r = 0; r < n; r++) v[r] = (id_row){c->str[r], r};
    qsort(v, (size_t)n, sizeof *v, cmp_id_row);
    for (long i = 1; i < n; i++)
        if (!strcmp(v[i].id, v[i - 1].id) && v[i].row != v[i - 1].row + 1) {
            nt_status s = nt_fail_at(err, NT_EINPUT, f->path, f->line[v[i].row], c->name,
                                     "found \"%s\" again (last on line %ld), expected a person's rows together",
                                     v[i].id, f->line[v[i - 1].row]);
            free(v);
            return s;
        }
    free(v);
    return NT_OK;
}

static int same_person(const nt_flat *f, int id_col, long r, long q)
{
    return !strcmp(f->cols[id_col].str[r], f->cols[id_col].str[q]);
}

/* Periods increasing, the exit last, one entry, in the programme only after entry. */
static nt_status check_paths(const nt_flat *f, const nt_toe_flat_cols *c, nt_error *err)
{
    const nt_flat_column *tc = &f->cols[c->time], *ec = &f->cols[c->exit], *pc = &f->cols[c->entry];
    long entry_line = 0;
    for (long r = 0; r < f->n_rows; r++) {
        int first = r == 0 || !same_person(f, c->id, r, r - 1);
        int last = r == f->n_rows - 1 || !same_person(f, c->id, r, r + 1);
        if (first) entry_line = 0;
        if (!isfinite(tc->num[r]))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], tc->name, "found \"%s\", expected a finite period",
                              tc->str[r]);
        if (!first && !(tc->num[r] > tc->num[r - 1]))
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], tc->name,
                              "found \"%s\" after \"%s\" (line %ld), expected periods increasing within a person",
                              tc->str[r], tc->str[r - 1], f->line[r - 1]);
        if (ec->num[r] == 1 && !last)
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], ec->name,
                              "found 1 with more rows of the person after it (line %ld), expected the exit in "
                              "the person's last row", f->line[r + 1]);
        if (pc->num[r] == 1) {
            if (entry_line)
                return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], pc->name,
                                  "found a second entry (first on line %ld), expected at most one per person",
                                  entry_line);
        }
        if (c->program >= 0 && f->cols[c->program].num[r] == 1 && !entry_line)
            return nt_fail_at(err, NT_EINPUT, f->path, f->line[r], f->cols[c->program].name,
                              "found 1 %s, expected 0 up to and including the entry month",
                              pc->num[r] == 1 ? "in the entry month" : "before the programme entry");
        if (pc->num[r] == 1) entry_line = f->line[r];
    }
    return NT_OK;
}

void nt_toe_flat_free(nt_toe_flat *t)
{
    if (!t) return;
    free(t->row); free(t->person); free(t->period); free(t->y_exit); free(t->y_entry);
    free(t->since_entry); free(t->in_program); free(t->x);
    free(t);
}

nt_status nt_toe_flat_read(const nt_flat *f, const nt_design *des, const nt_toe_flat_cols *c, nt_toe_flat **out,
                           nt_error *err)
{
    nt_status s;
    *out = NULL;
    if ((s = no_missing(f, c->id, "a person id", err)) || (s = no_missing(f, c->time, "a period", err)) ||
        (s = no_missing(f, c->exit, "0 or 1", err)) || (s = no_missing(f, c->entry, "0 or 1", err)) ||
        (s = binary(f, c->exit, err)) || (s = binary(f, c->entry, err)))
        return s;
    if (c->program >= 0 && ((s = no_missing(f, c->program, "0 or 1", err)) ||
                            (s = binary(f, c->program, err))))
        return s;
    if ((s = check_together(f, c->id, err)) || (s = check_paths(f, c, err))) return s;
    /* kept[r]: the design's position of flat row r, or -1; a person is kept when all rows are */
    long nr = f->n_rows;
    long *kept = malloc((size_t)(nr ? nr : 1) * sizeof *kept);
    nt_toe_flat *t = calloc(1, sizeof *t);
    if (!kept || !t) { free(kept); free(t); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    for (long r = 0; r < nr; r++) kept[r] = -1;
    for (long i = 0; i < des->n; i++) kept[des->row[i]] = i;
    long n = 0;
    for (long r = 0, q; r < nr; r = q) {
        int all = 1;
        for (q = r; q < nr && same_person(f, c->id, q, r); q++) all &= kept[q] >= 0;
        if (all) n += q - r;
        else { t->persons_dropped++; t->rows_dropped += q - r; for (long k = r; k < q; k++) kept[k] = -1; }
    }
    size_t sz = (size_t)(n ? n : 1);
    t->nx = des->p;
    t->row = malloc(sz * sizeof *t->row);
    t->person = malloc(sz * sizeof *t->person);
    t->period = malloc(sz * sizeof(double)); t->y_exit = malloc(sz * sizeof(double));
    t->y_entry = malloc(sz * sizeof(double)); t->since_entry = malloc(sz * sizeof(double));
    t->in_program = malloc(sz * sizeof(double));
    t->x = malloc(sz * (size_t)(des->p ? des->p : 1) * sizeof(double));
    if (!t->row || !t->person || !t->period || !t->y_exit || !t->y_entry || !t->since_entry || !t->in_program || !t->x) {
        free(kept); nt_toe_flat_free(t);
        return nt_fail(err, NT_ENOMEM, "out of memory for %ld person-period rows", n);
    }
    t->n = n;
    long k = 0, person = -1;
    double entry_period = NAN;
    for (long r = 0; r < nr; r++) {
        if (kept[r] < 0) continue;
        if (r == 0 || kept[r - 1] < 0 || !same_person(f, c->id, r, r - 1)) { person++; entry_period = NAN; }
        double period = f->cols[c->time].num[r], entry = f->cols[c->entry].num[r];
        double since = isnan(entry_period) ? 0 : period - entry_period;
        t->row[k] = r;
        t->person[k] = person;
        t->period[k] = period;
        t->y_exit[k] = f->cols[c->exit].num[r];
        t->y_entry[k] = entry;
        t->since_entry[k] = since;
        t->in_program[k] = c->program >= 0 ? f->cols[c->program].num[r] : since > 0 && since <= c->lockin_months;
        for (int j = 0; j < des->p; j++) t->x[(size_t)j * sz + (size_t)k] = des->x[(size_t)j * (size_t)des->n + (size_t)kept[r]];
        if (entry == 1) entry_period = period;
        k++;
    }
    t->n_persons = person + 1;
    free(kept);
    *out = t;
    return NT_OK;
}
