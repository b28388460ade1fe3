/* Merging: the spell tables in their final order (person, start, file
   line), touching or overlapping spells of one person and code merged, and
   the code dictionaries in bytewise order. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/nt_spells_priv.h"

static const char *const *sort_names;
static int cmp_idx_name(const void *a, const void *b)
{
    return strcmp(sort_names[*(const int32_t *)a], sort_names[*(const int32_t *)b]);
}

void nt_spells_merge_order(const char *const *names, long n, int32_t *order)
{
    for (long i = 0; i < n; i++) order[i] = (int32_t)i;
    sort_names = names;
    qsort(order, (size_t)n, sizeof *order, cmp_idx_name);
}

static int cmp_final(const void *a, const void *b)
{
    const nt_spell_rec *x = a, *y = b;
    if (x->person != y->person) return x->person < y->person ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

void nt_spells_merge_sort(nt_spell_vec *v)
{
    for (long i = 1; i < v->n; i++)
        if (cmp_final(&v->v[i - 1], &v->v[i]) > 0) {
            qsort(v->v, (size_t)v->n, sizeof *v->v, cmp_final);
            return;
        }
}

/* Merges touching or overlapping spells with the same (person, code):
   a start on or before the previous end + 1 day. Programmes keep the
   earliest start, latest end, summed cost (NaN only if all are missing)
   and the first record's provider and line. The spells are in final
   order (person, start, line); within a person the kept spells of one code
   do not overlap, so only the last kept one of that code can absorb the
   next (last[code]); an absorbed record leaves the order intact. */
int nt_spells_merge_table(nt_spells *s, nt_file_kind t, nt_spell_vec *v, int ncodes, nt_spells_report *rep)
{
    nt_spells_merge_sort(v);
    long *last = malloc(((size_t)ncodes + 1) * sizeof *last);
    if (!last) return -1;
    for (int k = 0; k <= ncodes; k++) last[k] = -1;
    long w = 0, run = 0;
    for (long i = 0; i < v->n; i++) {
        nt_spell_rec nx = v->v[i];
        if (w > run && v->v[run].person != nx.person) {
            for (long k = run; k < w; k++) last[v->v[k].code] = -1;
            run = w;
        }
        long k = last[nx.code];
        if (k >= 0) {
            nt_spell_rec *cur = &v->v[k];
            if (cur->end == NT_DAY_NONE || nx.start <= cur->end + 1) {
                if (cur->end != NT_DAY_NONE && (nx.end == NT_DAY_NONE || nx.end > cur->end)) cur->end = nx.end;
                if (t == NT_FILE_PROGRAMS && !isnan(nx.a)) cur->a = isnan(cur->a) ? nx.a : cur->a + nx.a;
                if (rep) rep->merged[t]++;
                if (nt_spells_rejects_add_merged(s, t, nx.line, nx.off)) { free(last); return -1; }
                continue;
            }
        }
        v->v[w] = nx;
        last[nx.code] = w;
        w++;
    }
    v->n = w;
    free(last);
    return 0;
}

/* Sorts dictionary names bytewise; fills names and old->new code map. */
int nt_spells_merge_dict(const nt_strmap *m, nt_dict *d, int32_t **remap)
{
    int n = (int)m->n;
    d->n = n;
    d->name = calloc((size_t)n + 1, sizeof(char *));
    int32_t *idx = malloc(((size_t)n + 1) * sizeof *idx);
    *remap = malloc(((size_t)n + 1) * sizeof **remap);
    if (!d->name || !idx || !*remap) { free(idx); return -1; }
    for (size_t i = 0; i < m->cap; i++)
        if (m->sl[i].key) d->name[m->sl[i].val] = m->sl[i].key;
    nt_spells_merge_order((const char *const *)d->name, n, idx);
    char **sorted = malloc(((size_t)n + 1) * sizeof *sorted);
    if (!sorted) { free(idx); return -1; }
    for (int i = 0; i < n; i++) {
        sorted[i] = d->name[idx[i]];
        (*remap)[idx[i]] = i;
    }
    free(d->name);
    d->name = sorted;
    free(idx);
    return 0;
}
