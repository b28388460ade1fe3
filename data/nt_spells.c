/* Reads the four linked spell tables (data contract sections 1 and 2): the
   entry point, running the stages in order (data/nt_spells_priv.h):
   reading through the cell source (CSV, .sav, .dta alike), checking each
   record, then persons in bytewise order of id, open ends, dictionaries,
   merging and the final order; the rejects report last.

   Memory: person ids, codes and strings live in one arena owned by the
   result (priv); numeric columns are plain arrays. */
#include "data/nt_spells.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "data/nt_spells_priv.h"
#include "data/nt_text.h"

void nt_spells_free(nt_spells *s)
{
    if (!s) return;
    nt_persons *p = &s->persons;
    free(p->id); free(p->birth); free(p->sex); free(p->education); free(p->migration);
    free(p->region); free(p->death); free(p->emigration); free(p->line); free(p->rejected);
    for (int k = 0; k < p->n_extra; k++) {
        free(p->extra[k].num);
        free(p->extra[k].str);
    }
    free(p->extra);
    free(s->benefits); free(s->programs); free(s->jobs);
    free(s->schemes.name); free(s->program_types.name); free(s->providers.name);
    if (s->priv) {
        for (int t = 0; t < NT_FILE_N; t++) nt_cells_kept_free(s->priv->records[t]);
        free(s->priv->rows);
        free(s->priv->soft);
        free(s->priv->person_offset);
        nt_arena_free(&s->priv->a);
        free(s->priv);
    }
    free(s);
}

/* An extra persons column is numeric when every value is a contract number
   without a leading zero (0363 is a code, not a number). */
static int extra_numeric(nt_extra_column *x, long n, char dec)
{
    int numeric = 0;
    for (long i = 0; i < n; i++) {
        if (!x->str[i]) continue;
        double v;
        int lead0;
        if (nt_text_number(x->str[i], strlen(x->str[i]), dec, &v, &lead0) || lead0) { numeric = -1; break; }
        numeric = 1;
    }
    x->is_numeric = numeric == 1;
    if (!x->is_numeric) return 0;
    x->num = malloc(((size_t)n + 1) * sizeof *x->num);
    if (!x->num) return -1;
    for (long i = 0; i < n; i++) {
        x->num[i] = NAN;
        if (x->str[i]) nt_text_number(x->str[i], strlen(x->str[i]), dec, &x->num[i], NULL);
    }
    return 0;
}

/* Moves a per-record array into sorted person order. */
#define PERMUTE(dst, src, T)                                                   \
    do {                                                                       \
        (dst) = malloc(((size_t)n + 1) * sizeof(T));                           \
        if (!(dst)) return -1;                                                 \
        for (long i_ = 0; i_ < n; i_++) (dst)[i_] = (src)[order[i_]];          \
    } while (0)

/* The persons in bytewise order of id (order: new -> file index). */
static int assemble_persons(nt_spells *s, const nt_persons_tmp *P, const int32_t *order)
{
    long n = P->n;
    nt_persons *pp = &s->persons;
    pp->n = n;
    PERMUTE(pp->id, P->id, char *);
    PERMUTE(pp->birth, P->birth, nt_day);
    PERMUTE(pp->sex, P->sex, uint8_t);
    PERMUTE(pp->education, P->edu, uint8_t);
    PERMUTE(pp->migration, P->mig, uint8_t);
    PERMUTE(pp->region, P->region, char *);
    PERMUTE(pp->death, P->death, nt_day);
    PERMUTE(pp->emigration, P->emig, nt_day);
    PERMUTE(pp->line, P->line, long);
    PERMUTE(s->priv->person_offset, P->off, int64_t);
    pp->rejected = calloc((size_t)n + 1, 1);
    pp->extra = calloc((size_t)P->n_extra + 1, sizeof *pp->extra);
    if (!pp->rejected || !pp->extra) return -1;
    pp->n_extra = P->n_extra;
    for (int k = 0; k < P->n_extra; k++) {
        nt_extra_column *x = &pp->extra[k];
        x->name = P->extra_name[k];
        PERMUTE(x->str, P->extra[k], char *);
        if (extra_numeric(x, n, P->decimal)) return -1;
    }
    return 0;
}

/* Spells: persons renumbered (rank: file index -> sorted), open ends,
   dictionaries, merging, final order; then the result's arrays. */
static int assemble_spells(nt_spells *s, nt_spell_vec *sv, nt_strmap *codes, const nt_strmap *prov,
                           const int32_t *rank, nt_spells_report *report)
{
    int32_t *remap = NULL;
    for (nt_file_kind t = NT_FILE_BENEFITS; t < NT_FILE_N; t++) {
        nt_spell_vec *v = &sv[t];
        for (long i = 0; i < v->n; i++) {
            nt_spell_rec *sp = &v->v[i];
            sp->person = rank[sp->person];
            if (sp->end != NT_DAY_NONE && s->data_end != NT_DAY_NONE && sp->end > s->data_end) sp->end = NT_DAY_NONE;
            if (s->earliest_start[t - 1] == NT_DAY_NONE || sp->start < s->earliest_start[t - 1])
                s->earliest_start[t - 1] = sp->start;
        }
        if (t == NT_FILE_JOBS) {
            nt_spells_merge_sort(v);
            continue;
        }
        int fail = nt_spells_merge_dict(&codes[t], t == NT_FILE_BENEFITS ? &s->schemes : &s->program_types, &remap);
        if (!fail) {
            for (long i = 0; i < v->n; i++) v->v[i].code = remap[v->v[i].code];
            fail = nt_spells_merge_table(s, t, v, (int)codes[t].n, report);
        }
        free(remap);
        remap = NULL;
        if (fail) return -1;
    }
    if (nt_spells_merge_dict(prov, &s->providers, &remap)) { free(remap); return -1; }
    const nt_spell_vec *b = &sv[NT_FILE_BENEFITS], *p = &sv[NT_FILE_PROGRAMS], *j = &sv[NT_FILE_JOBS];
    s->n_benefits = b->n;
    s->benefits = malloc(((size_t)b->n + 1) * sizeof *s->benefits);
    s->n_programs = p->n;
    s->programs = malloc(((size_t)p->n + 1) * sizeof *s->programs);
    s->n_jobs = j->n;
    s->jobs = malloc(((size_t)j->n + 1) * sizeof *s->jobs);
    if (!s->benefits || !s->programs || !s->jobs) { free(remap); return -1; }
    for (long i = 0; i < b->n; i++) {
        const nt_spell_rec *x = &b->v[i];
        s->benefits[i] = (nt_benefit_spell){x->person, x->code + 1, x->start, x->end, x->line, x->off};
    }
    for (long i = 0; i < p->n; i++) {
        const nt_spell_rec *x = &p->v[i];
        s->programs[i] = (nt_program_spell){x->person, x->code + 1, x->start, x->end, x->a,
                                            x->provider ? remap[x->provider - 1] + 1 : 0, x->line, x->off};
    }
    for (long i = 0; i < j->n; i++) {
        const nt_spell_rec *x = &j->v[i];
        s->jobs[i] = (nt_job_spell){x->person, x->start, x->end, x->a, x->b, x->line, x->off};
        if (isnan(x->a)) s->n_jobs_missing_wage++;
    }
    free(remap);
    return 0;
}

/* Reading and checking: the person key, checksums, then the four files. */
static nt_status read_files(nt_spells_ctx *c, nt_persons_tmp *P, nt_spell_vec *sv, nt_strmap *codes,
                            nt_strmap *prov, nt_day *latest)
{
    nt_status st = nt_spells_check_key(c);
    if (st) return st;
    for (nt_file_kind t = 0; t < NT_FILE_N; t++) {
        if (!c->o->path[t]) return nt_fail(c->err, NT_EUSAGE, "no %s file given", nt_file_kind_name(t));
        if ((st = nt_file_sha256(c->o->path[t], c->s->sha256[t], c->err))) return st;
    }
    if ((st = nt_spells_check_persons(c, P))) return st;
    c->pid = P->id;
    c->np = P->n;
    for (nt_file_kind t = NT_FILE_BENEFITS; t < NT_FILE_N; t++)
        if ((st = nt_spells_check_table(c, t, &sv[t], &codes[t], prov, latest))) return st;
    return NT_OK;
}

nt_status nt_spells_read(const nt_spells_opts *opts, nt_spells **out, nt_spells_report *report, nt_error *err)
{
    nt_spells *s = calloc(1, sizeof *s);
    struct nt_spells_priv *pv = calloc(1, sizeof *pv);
    nt_spells_ctx c;
    memset(&c, 0, sizeof c);
    nt_persons_tmp P;
    memset(&P, 0, sizeof P);
    nt_spell_vec sv[NT_FILE_N];
    memset(sv, 0, sizeof sv);
    nt_strmap codes[NT_FILE_N], prov;
    memset(codes, 0, sizeof codes);
    memset(&prov, 0, sizeof prov);
    int32_t *order = NULL, *rank = NULL;
    nt_status st = NT_OK;
    if (report) memset(report, 0, sizeof *report);
    if (!s || !pv) { free(s); free(pv); return nt_fail(err, NT_ENOMEM, "out of memory"); }
    s->priv = pv;
    pv->lenient = opts->lenient;
    pv->ignore_unknown = opts->ignore_unknown_persons;
    c.o = opts; c.s = s; c.pv = pv; c.rep = report; c.err = err;
    for (int t = 0; t < NT_FILE_N; t++) {
        snprintf(s->path[t], sizeof s->path[t], "%s", opts->path[t] ? opts->path[t] : "");
        if (t) s->earliest_start[t - 1] = NT_DAY_NONE;
    }
    nt_day latest = NT_DAY_NONE;
    if ((st = read_files(&c, &P, sv, codes, &prov, &latest))) goto done;
    s->data_end = opts->data_end != NT_DAY_NONE ? opts->data_end : latest;

    order = malloc(((size_t)P.n + 1) * sizeof *order);
    rank = malloc(((size_t)P.n + 1) * sizeof *rank);
    if (!order || !rank) goto oom;
    nt_spells_merge_order((const char *const *)P.id, P.n, order);
    for (long i = 0; i < P.n; i++) rank[order[i]] = (int32_t)i;
    if (assemble_persons(s, &P, order)) goto oom;
    if (assemble_spells(s, sv, codes, &prov, rank, report)) goto oom;
    if (opts->rejects_path && (st = nt_spells_write_rejects(s, opts->rejects_path, err))) goto done;
    *out = s;
    s = NULL;
    goto done;
oom:
    st = nt_fail(err, NT_ENOMEM, "out of memory");
done:
    nt_cells_close(c.src);
    nt_strmap_free(&c.ids);
    for (int t = 0; t < NT_FILE_N; t++) { nt_strmap_free(&codes[t]); free(sv[t].v); }
    nt_strmap_free(&prov);
    nt_spells_check_free(&P);
    free(order);
    free(rank);
    nt_spells_free(s);
    return st;
}
