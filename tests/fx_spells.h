/* Hand-built nt_spells for the cohort and store tests (no reader needed).
   Header-only: included by test_cohort.c and test_store.c. */
#ifndef FX_SPELLS_H
#define FX_SPELLS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_date.h"
#include "data/nt_spells.h"

static nt_day D(const char *s)
{
    nt_day d;
    if (!s) return NT_DAY_NONE;
    if (nt_date_parse(s, strlen(s), &d)) abort();
    return d;
}

static int M(const char *s)
{
    int m;
    if (nt_month_parse(s, strlen(s), &m)) abort();
    return m;
}

static char *fx_strdup(const char *s)
{
    char *d = malloc(strlen(s) + 1);
    strcpy(d, s);
    return d;
}

/* np persons "p00000", "p00001", ... born 1970-01-01, male; schemes WIA, WW, WWB;
   programme types bemiddeling (1), scholing (2); data end 2005-12-31. */
static nt_spells *fx_new(int np)
{
    nt_spells *s = calloc(1, sizeof *s);
    nt_persons *p = &s->persons;
    p->n = np;
    p->id = calloc((size_t)np, sizeof *p->id);
    p->birth = calloc((size_t)np, sizeof *p->birth);
    p->sex = calloc((size_t)np, 1);
    p->education = calloc((size_t)np, 1);
    p->migration = calloc((size_t)np, 1);
    p->region = calloc((size_t)np, sizeof *p->region);
    p->death = calloc((size_t)np, sizeof *p->death);
    p->emigration = calloc((size_t)np, sizeof *p->emigration);
    for (int i = 0; i < np; i++) {
        char b[16];
        snprintf(b, sizeof b, "p%05d", i);
        p->id[i] = fx_strdup(b);
        p->birth[i] = D("1970-01-01");
        p->sex[i] = NT_SEX_M;
        p->death[i] = p->emigration[i] = NT_DAY_NONE;
    }
    static const char *sch[] = {"WIA", "WW", "WWB"}, *pt[] = {"bemiddeling", "scholing"};
    s->schemes.n = 3;
    s->schemes.name = calloc(3, sizeof(char *));
    for (int i = 0; i < 3; i++) s->schemes.name[i] = fx_strdup(sch[i]);
    s->program_types.n = 2;
    s->program_types.name = calloc(2, sizeof(char *));
    for (int i = 0; i < 2; i++) s->program_types.name[i] = fx_strdup(pt[i]);
    s->data_end = D("2005-12-31");
    s->earliest_start[0] = s->earliest_start[1] = s->earliest_start[2] = NT_DAY_NONE;
    strcpy(s->path[0], "persons.csv");
    strcpy(s->path[1], "benefits.csv");
    strcpy(s->path[2], "programs.csv");
    strcpy(s->path[3], "jobs.csv");
    return s;
}

static long fx_line = 2;

/* scheme codes: 1 WIA, 2 WW, 3 WWB. */
static void fx_benefit(nt_spells *s, int person, int scheme, const char *start, const char *end)
{
    s->benefits = realloc(s->benefits, (size_t)(s->n_benefits + 1) * sizeof *s->benefits);
    nt_benefit_spell *b = &s->benefits[s->n_benefits++];
    memset(b, 0, sizeof *b);
    b->person = person;
    b->scheme = scheme;
    b->start = D(start);
    b->end = D(end);
    b->line = fx_line++;
}

static void fx_program(nt_spells *s, int person, int type, const char *start, const char *end, double cost)
{
    s->programs = realloc(s->programs, (size_t)(s->n_programs + 1) * sizeof *s->programs);
    nt_program_spell *b = &s->programs[s->n_programs++];
    memset(b, 0, sizeof *b);
    b->person = person;
    b->type = type;
    b->start = D(start);
    b->end = D(end);
    b->cost = cost;
    b->line = fx_line++;
}

static void fx_job(nt_spells *s, int person, const char *start, const char *end, double wage)
{
    s->jobs = realloc(s->jobs, (size_t)(s->n_jobs + 1) * sizeof *s->jobs);
    nt_job_spell *b = &s->jobs[s->n_jobs++];
    memset(b, 0, sizeof *b);
    b->person = person;
    b->start = D(start);
    b->end = D(end);
    b->wage = wage;
    b->hours = NAN;
    b->line = fx_line++;
}

/* The reader's order: (person, start, line). */
#define FX_CMP(name, T)                                                   \
    static int name(const void *a, const void *b)                         \
    {                                                                     \
        const T *x = a, *y = b;                                           \
        if (x->person != y->person) return x->person < y->person ? -1 : 1; \
        if (x->start != y->start) return x->start < y->start ? -1 : 1;    \
        return (x->line > y->line) - (x->line < y->line);                 \
    }
FX_CMP(fx_cmp_b, nt_benefit_spell)
FX_CMP(fx_cmp_p, nt_program_spell)
FX_CMP(fx_cmp_j, nt_job_spell)

static void fx_sort(nt_spells *s)
{
    if (s->n_benefits) qsort(s->benefits, (size_t)s->n_benefits, sizeof *s->benefits, fx_cmp_b);
    if (s->n_programs) qsort(s->programs, (size_t)s->n_programs, sizeof *s->programs, fx_cmp_p);
    if (s->n_jobs) qsort(s->jobs, (size_t)s->n_jobs, sizeof *s->jobs, fx_cmp_j);
}

static void fx_free(nt_spells *s)
{
    nt_persons *p = &s->persons;
    for (long i = 0; i < p->n; i++) {
        free(p->id[i]);
        free(p->region[i]);
    }
    free(p->id); free(p->birth); free(p->sex); free(p->education); free(p->migration);
    free(p->region); free(p->death); free(p->emigration);
    for (int e = 0; e < p->n_extra; e++) {
        free(p->extra[e].name);
        free(p->extra[e].num);
        if (p->extra[e].str)
            for (long i = 0; i < p->n; i++) free(p->extra[e].str[i]);
        free(p->extra[e].str);
    }
    free(p->extra);
    for (int i = 0; i < s->schemes.n; i++) free(s->schemes.name[i]);
    free(s->schemes.name);
    for (int i = 0; i < s->program_types.n; i++) free(s->program_types.name[i]);
    free(s->program_types.name);
    free(s->benefits); free(s->programs); free(s->jobs);
    free(s);
}

#endif
