/* `netto check` (study/nt_check.h): the problems of a lenient read
   (nt_spells_problem_*), grouped by kind (file, reason, column), shown with
   the option that fixes them. */
#include "study/nt_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file_kind.h"
#include "core/nt_reject.h"
#include "data/nt_store.h"
#include "data/nt_text.h"
#include "study/nt_study.h"

#define OUT(...) nt_notes_add(notes, NT_NOTES_OUT, __VA_ARGS__)

/* An option as `netto ingest` takes it or as the study file's [data] key. */
static const char *opt(int study, const char *flag, const char *key)
{
    static char buf[4][160];
    static int k;
    k = (k + 1) % 4;
    if (study) snprintf(buf[k], sizeof buf[k], "[data] %s in the study file", key);
    else snprintf(buf[k], sizeof buf[k], "%s", flag);
    return buf[k];
}

/* The fix for a problem, "" if there is no option for it. */
static void fix_for(const nt_spells_problem *p, const nt_spells_opts *o, int study, char *out, size_t size)
{
    const char *v = p->value;
    out[0] = 0;
    switch (p->reason) {
    case NT_REJECT_BAD_NUMBER:
    case NT_REJECT_NEGATIVE_MONEY: {
        const char *comma = strrchr(v, ','), *dot = strrchr(v, '.');
        const char *sep = comma && dot ? (comma > dot ? comma : dot) : comma ? comma : dot;
        const char *thousands = comma && dot ? ", and no thousands separators (1234,50 or 1234.50, not 1.234,50)" : "";
        if (sep && *sep == ',' && o->decimal != ',')
            snprintf(out, size, "%s if the files write decimal commas%s", opt(study, "--decimal ,", "decimal = ,"), thousands);
        else if (sep && *sep == '.' && o->decimal == ',')
            snprintf(out, size, "%s if the files write decimal points%s", opt(study, "--decimal .", "decimal = ."), thousands);
        else if (thousands[0])
            snprintf(out, size, "write numbers without thousands separators (1234,50 or 1234.50, not 1.234,50)");
        else if (p->reason == NT_REJECT_BAD_NUMBER)
            snprintf(out, size, "leave the cell empty for a missing value%s", p->kept ? "" :
                     "; in lenient mode an unreadable optional number is set missing");
        break;
    }
    case NT_REJECT_INVALID_UTF8:
        if (!o->cp1252) snprintf(out, size, "%s if the files come from Windows", opt(study, "--encoding cp1252", "encoding = cp1252"));
        break;
    case NT_REJECT_DUPLICATE_PERSON:
        snprintf(out, size, "%s if the person key spans several columns (e.g. RINPERSOONS+RINPERSOON)",
                 opt(study, "--person-key A+B", "person_key = A+B"));
        break;
    case NT_REJECT_UNKNOWN_PERSON:
        snprintf(out, size, "%s to count such spells without listing them, or add the persons",
                 opt(study, "--ignore-unknown-persons", "ignore_unknown_persons = yes"));
        break;
    case NT_REJECT_BAD_DATE:
        if (strlen(v) == 10 && v[2] == '-' && v[5] == '-')
            snprintf(out, size, "write dates as YYYY-MM-DD (this one looks like DD-MM-YYYY)");
        break;
    case NT_REJECT_COLUMN_COUNT:
        snprintf(out, size, "quote fields that hold the delimiter (\"a,b\")");
        break;
    default:
        break;
    }
}

/* A file-level failure: the error and its fix. */
static void file_problem(const nt_error *e, const nt_spells_opts *o, int study, nt_notes *notes)
{
    OUT("  %s", e->file[0] ? e->file : "");
    if (e->line > 0) OUT(":%ld", e->line);
    if (e->column[0]) OUT(": column %s", e->column);
    OUT("%s%s\n", e->file[0] ? ": " : "", e->msg);
    const char *fix = NULL;
    if (strstr(e->msg, "person key column") || strstr(e->msg, "--person-key"))
        fix = opt(study, "--person-key A+B naming the key columns", "person_key = A+B naming the key columns");
    else if (strstr(e->msg, "not UTF-8") && !o->cp1252)
        fix = opt(study, "--encoding cp1252", "encoding = cp1252");
    if (fix) OUT("    fix: %s\n", fix);
}

typedef struct { nt_file_kind table; nt_reject_reason reason; const char *column; int kept; long n; } kind;

nt_status nt_check_spells(const nt_spells_opts *o, int study, nt_notes *notes, long *n_problems, nt_error *err)
{
    nt_spells_opts lo = *o;
    lo.lenient = 1;
    lo.rejects_path = NULL;
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error e;
    nt_error_clear(&e);
    *n_problems = 0;
    nt_status st = nt_spells_read(&lo, &s, &rep, &e);
    if (st == NT_ENOMEM) { *err = e; return st; }
    for (int f = 0; f < NT_FILE_N; f++)
        OUT("%-9s %10ld records  %s\n", nt_file_kind_name((nt_file_kind)f), rep.records[f], o->path[f] ? o->path[f] : "");
    if (st) {
        OUT("a file that cannot be read (the files after it are not checked):\n");
        file_problem(&e, o, study, notes);
        *n_problems = 1;
        return NT_OK;
    }
    long np = nt_spells_problem_count(s);
    kind *k = calloc((size_t)np + 1, sizeof *k);
    long *of = calloc((size_t)np + 1, sizeof *of);
    if (!k || !of) { free(k); free(of); nt_spells_free(s); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    long nk = 0;
    for (long i = 0; i < np; i++) {
        nt_spells_problem p;
        nt_spells_problem_get(s, i, &p);
        long j = 0;
        while (j < nk && !(k[j].table == p.table && k[j].reason == p.reason && k[j].kept == p.kept &&
                           !strcmp(k[j].column, p.column)))
            j++;
        if (j == nk) k[nk++] = (kind){p.table, p.reason, p.column, p.kept, 0};
        of[i] = j;
        k[j].n++;
    }
    /* unreadable optional cells beyond those kept are counted only */
    long total = np;
    for (int q = 0; q < NT_SPELLS_OPTIONAL_N; q++) {
        nt_file_kind fk;
        const char *col = nt_spells_optional_column((nt_spells_optional)q, &fk);
        long kept = 0;
        for (long j = 0; j < nk; j++)
            if (k[j].kept && k[j].table == fk && !strcmp(k[j].column, col)) kept += k[j].n;
        total += rep.unreadable[q] > kept ? rep.unreadable[q] - kept : 0;
    }
    *n_problems = total;
    if (total) OUT("%ld problem%s:\n", total, total == 1 ? "" : "s");
    for (long j = 0; j < nk; j++) {
        long shown = 0;
        nt_spells_problem p;
        for (long i = 0; i < np && shown < NT_CHECK_SHOW; i++) {
            if (of[i] != j) continue;
            nt_spells_problem_get(s, i, &p);
            OUT("  %s:%ld: column %s: ", s->path[p.table], p.line, p.column[0] ? p.column : "-");
            if (p.value[0] || p.reason == NT_REJECT_MISSING_VALUE) {
                char v[420];
                nt_text_escape((const unsigned char *)p.value, strlen(p.value), 0, v, 400);
                OUT("found \"%s\", ", v);
            }
            OUT("expected %s [%s%s]\n", p.expected[0] ? p.expected : "a valid record", nt_reject_reason_name(p.reason),
                p.kept ? "; lenient: set missing" : "");
            shown++;
        }
        long more = k[j].n - shown;
        if (k[j].kept) {
            for (int q = 0; q < NT_SPELLS_OPTIONAL_N; q++) {
                nt_file_kind fk;
                if (!strcmp(nt_spells_optional_column((nt_spells_optional)q, &fk), k[j].column) && fk == k[j].table)
                    more = rep.unreadable[q] - shown;
            }
        }
        if (more > 0) OUT("    ... and %ld more like it (%s, column %s)\n", more, nt_reject_reason_name(k[j].reason), k[j].column);
        char fix[400];
        for (long i = 0; i < np; i++)
            if (of[i] == j) { nt_spells_problem_get(s, i, &p); break; }
        fix_for(&p, o, study, fix, sizeof fix);
        if (fix[0]) OUT("    fix: %s\n", fix);
    }
    free(k);
    free(of);
    nt_spells_free(s);
    return NT_OK;
}

nt_status nt_check_study(const char *path, nt_notes *notes, long *n_problems, nt_error *err)
{
    enum { MAX_ERRS = 50 };
    nt_error errs[MAX_ERRS];
    int n = 0;
    nt_study *st = NULL;
    *n_problems = 0;
    nt_status s = nt_study_check_file(path, &st, errs, MAX_ERRS, &n);
    if (s == NT_ENOMEM) { *err = errs[0]; return s; }
    if (s) {
        OUT("study file %s: %d problem%s%s:\n", path, n, n == 1 ? "" : "s", n == MAX_ERRS ? " (the first 50)" : "");
        for (int i = 0; i < n; i++) {
            OUT("  %s:%ld", errs[i].file[0] ? errs[i].file : path, errs[i].line);
            if (errs[i].column[0]) OUT(": %s", errs[i].column);
            OUT(": %s\n", errs[i].msg);
        }
        OUT("(the data files are checked once the study file reads)\n");
        *n_problems = n;
        return NT_OK;
    }
    OUT("study file %s: fine\n", path);
    if (st->store_path) {
        nt_store *store = NULL;
        nt_error e;
        nt_error_clear(&e);
        if (nt_store_open(st->store_path, &store, &e)) {
            OUT("store %s cannot be read:\n", st->store_path);
            file_problem(&e, &(nt_spells_opts){.decimal = '.'}, 1, notes);
            *n_problems = 1;
        } else {
            OUT("store %s: %ld persons x %d months\n", st->store_path, nt_store_persons(store), nt_store_months(store));
            s = nt_check_study_context(st, store, notes, n_problems, err);
            nt_store_close(store);
        }
        nt_study_free(st);
        return s;
    }
    nt_spells_opts o = {.path = {st->persons_path, st->benefits_path, st->programs_path, st->jobs_path},
                        .person_key = st->person_key, .cp1252 = st->cp1252, .decimal = st->decimal,
                        .ignore_unknown_persons = st->ignore_unknown_persons, .data_end = st->data_end};
    s = nt_check_spells(&o, 1, notes, n_problems, err);
    long nc = 0;
    if (!s) s = nt_check_study_context(st, NULL, notes, &nc, err);
    *n_problems += nc;
    nt_study_free(st);
    return s;
}
