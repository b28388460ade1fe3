/* Rejects (nt_spells_rejects.h): the list of rejected and merged records,
   written as the rejects report, and the late rejection of a person. */
#include "data/nt_spells_rejects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "data/nt_spells_priv.h"
#include "data/nt_text.h"

int nt_spells_rejects_add(struct nt_spells_priv *pv, nt_file_kind t, long line, const char *column,
                          nt_reject_reason reason, const char *text)
{
    if (pv->n_rows == pv->cap_rows) {
        long cap = pv->cap_rows ? pv->cap_rows * 2 : 64;
        nt_spells_reject_row *r = realloc(pv->rows, (size_t)cap * sizeof *r);
        if (!r) return -1;
        pv->rows = r;
        pv->cap_rows = cap;
    }
    nt_spells_reject_row *r = &pv->rows[pv->n_rows];
    r->table = t;
    r->line = line;
    r->reason = reason;
    r->column = nt_arena_str(&pv->a, column ? column : "", column ? strlen(column) : 0);
    r->record = nt_arena_str(&pv->a, text, strlen(text));
    r->value = r->expected = NULL;
    if (!r->column || !r->record) return -1;
    pv->n_rows++;
    return 0;
}

/* The record of file t at offset, found again. */
static void record_at(const nt_spells *s, nt_file_kind t, int64_t off, char *out)
{
    out[0] = 0;
    if (s->priv->records[t]) nt_cells_kept_text(s->priv->records[t], off, out, NT_SPELLS_REC_MAX);
}

int nt_spells_rejects_add_merged(nt_spells *s, nt_file_kind t, long line, int64_t off)
{
    char buf[NT_SPELLS_REC_MAX + 8];
    record_at(s, t, off, buf);
    return nt_spells_rejects_add(s->priv, t, line, "start_date", NT_REJECT_MERGED, buf);
}

static int cmp_rows(const void *a, const void *b)
{
    const nt_spells_reject_row *x = a, *y = b;
    if (x->table != y->table) return (int)x->table - (int)y->table;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return (int)x->reason - (int)y->reason;
}

static void csv_put(FILE *fp, const char *v)
{
    if (!strpbrk(v, ",\"\n\r")) { fputs(v, fp); return; }
    fputc('"', fp);
    for (; *v; v++) {
        if (*v == '"') fputc('"', fp);
        fputc(*v, fp);
    }
    fputc('"', fp);
}

nt_status nt_spells_write_rejects(const nt_spells *s, const char *path, nt_error *err)
{
    struct nt_spells_priv *pv = s->priv;
    if (pv->n_rows > 1) qsort(pv->rows, (size_t)pv->n_rows, sizeof *pv->rows, cmp_rows);
    nt_outfile f;
    nt_status st = nt_outfile_open(&f, path, err);
    if (st) return st;
    fputs("file,line,column,reason,record\n", f.fp);
    for (long i = 0; i < pv->n_rows; i++) {
        const nt_spells_reject_row *r = &pv->rows[i];
        csv_put(f.fp, s->path[r->table]);
        fprintf(f.fp, ",%ld,", r->line);
        csv_put(f.fp, r->column);
        fprintf(f.fp, ",%s,", nt_reject_reason_name(r->reason));
        csv_put(f.fp, r->record);
        fputc('\n', f.fp);
    }
    return nt_outfile_commit(&f, err);
}

/* The spells of person p in table t: [*lo, *hi) (spells are sorted by person). */
static void spells_of(const nt_spells *s, nt_file_kind t, long p, long *lo, long *hi)
{
    long n = t == NT_FILE_BENEFITS ? s->n_benefits : t == NT_FILE_PROGRAMS ? s->n_programs : s->n_jobs;
#define WHO(i) (t == NT_FILE_BENEFITS ? s->benefits[i].person : t == NT_FILE_PROGRAMS ? s->programs[i].person : s->jobs[i].person)
    long a = 0, b = n;
    while (a < b) {
        long mid = a + (b - a) / 2;
        if (WHO(mid) < p) a = mid + 1;
        else b = mid;
    }
    *lo = a;
    while (a < n && WHO(a) == p) a++;
    *hi = a;
#undef WHO
}

nt_status nt_spells_reject_person(nt_spells *s, long p, nt_reject_reason reason, const char *column,
                                  const char *found, const char *expected, nt_spells_report *report,
                                  nt_error *err)
{
    struct nt_spells_priv *pv = s->priv;
    if (p < 0 || p >= s->persons.n) return nt_fail(err, NT_EUSAGE, "nt_spells_reject_person: no person %ld", p);
    if (!pv->lenient) {
        char v[220];
        nt_text_escape((const unsigned char *)(found ? found : ""), found ? strlen(found) : 0, 0, v, 200);
        return nt_fail_at(err, NT_EINPUT, s->path[NT_FILE_PERSONS], s->persons.line[p], column,
                          "found \"%s\", expected %s", v, expected ? expected : "a valid value");
    }
    if (s->persons.rejected[p]) return NT_OK;
    s->persons.rejected[p] = 1;
    char buf[NT_SPELLS_REC_MAX + 8];
    record_at(s, NT_FILE_PERSONS, pv->person_offset[p], buf);
    if (nt_spells_rejects_add(pv, NT_FILE_PERSONS, s->persons.line[p], column, reason, buf)) goto oom;
    if (report) report->rejected[NT_FILE_PERSONS][reason]++;
    for (nt_file_kind t = NT_FILE_BENEFITS; t < NT_FILE_N; t++) {
        long lo, hi;
        spells_of(s, t, p, &lo, &hi);
        for (long i = lo; i < hi; i++) {
            if (pv->ignore_unknown) {
                if (report) report->ignored_unknown[t]++;
                continue;
            }
            long line = t == NT_FILE_BENEFITS ? s->benefits[i].line : t == NT_FILE_PROGRAMS ? s->programs[i].line : s->jobs[i].line;
            int64_t off = t == NT_FILE_BENEFITS ? s->benefits[i].offset : t == NT_FILE_PROGRAMS ? s->programs[i].offset : s->jobs[i].offset;
            record_at(s, t, off, buf);
            if (nt_spells_rejects_add(pv, t, line, pv->keycol, NT_REJECT_UNKNOWN_PERSON, buf)) goto oom;
            if (report) report->rejected[t][NT_REJECT_UNKNOWN_PERSON]++;
        }
    }
    return NT_OK;
oom:
    return nt_fail(err, NT_ENOMEM, "out of memory");
}

const char *nt_spells_optional_column(nt_spells_optional k, nt_file_kind *file)
{
    static const char *name[NT_SPELLS_OPTIONAL_N] = {"cost_eur", "wage_eur_month", "hours_week", "education", "migration"};
    static const nt_file_kind kind[NT_SPELLS_OPTIONAL_N] = {NT_FILE_PROGRAMS, NT_FILE_JOBS, NT_FILE_JOBS,
                                                          NT_FILE_PERSONS, NT_FILE_PERSONS};
    if ((int)k < 0 || k >= NT_SPELLS_OPTIONAL_N) k = 0;
    if (file) *file = kind[k];
    return name[k];
}

long nt_spells_problem_count(const nt_spells *s)
{
    long n = 0;
    for (long i = 0; i < s->priv->n_rows; i++) n += s->priv->rows[i].reason != NT_REJECT_MERGED;
    return n + s->priv->n_soft;
}

void nt_spells_problem_get(const nt_spells *s, long i, nt_spells_problem *p)
{
    const struct nt_spells_priv *pv = s->priv;
    const nt_spells_reject_row *r = NULL;
    int kept = 0;
    for (long k = 0; k < pv->n_rows && !r; k++)
        if (pv->rows[k].reason != NT_REJECT_MERGED && i-- == 0) r = &pv->rows[k];
    if (!r && i >= 0 && i < pv->n_soft) { r = &pv->soft[i]; kept = 1; }
    if (!r) { memset(p, 0, sizeof *p); p->column = p->value = p->expected = ""; return; }
    *p = (nt_spells_problem){r->table, r->line, r->column, r->reason, r->value ? r->value : "",
                             r->expected ? r->expected : "", kept};
}
