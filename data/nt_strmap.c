/* String -> int32 map (nt_strmap.h). */
#include "data/nt_strmap.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    /* FNV's low bits mix poorly and the table is indexed by them: finish
       with a 64-bit avalanche step */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

/* Slot of s (its key NULL when absent). */
static size_t slot_of(const nt_strmap *m, const char *s, size_t n, uint64_t h)
{
    size_t i = h & (m->cap - 1);
    uint32_t tag = (uint32_t)(h >> 32);
    for (;;) {
        const nt_strmap_slot *x = &m->sl[i];
        if (!x->key || (x->tag == tag && memcmp(x->key, s, n) == 0 && x->key[n] == 0)) return i;
        i = (i + 1) & (m->cap - 1);
    }
}

static int grow(nt_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 1024;
    nt_strmap_slot *sl = calloc(cap, sizeof *sl);
    if (!sl) return -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->sl[i].key) {
            uint64_t h = fnv(m->sl[i].key, strlen(m->sl[i].key));
            size_t q = h & (cap - 1);
            while (sl[q].key) q = (q + 1) & (cap - 1);
            sl[q] = m->sl[i];
        }
    free(m->sl);
    m->sl = sl;
    m->cap = cap;
    return 0;
}

int32_t nt_strmap_get(const nt_strmap *m, const char *s, size_t n)
{
    if (!m->cap) return NT_STRMAP_ABSENT;
    size_t i = slot_of(m, s, n, fnv(s, n));
    return m->sl[i].key ? m->sl[i].val : NT_STRMAP_ABSENT;
}

char *nt_strmap_put(nt_strmap *m, nt_arena *a, const char *s, size_t n, int32_t v, int32_t *old)
{
    if ((m->n + 1) * 2 > m->cap && grow(m)) return NULL;
    uint64_t h = fnv(s, n);
    nt_strmap_slot *x = &m->sl[slot_of(m, s, n, h)];
    if (old) *old = x->key ? x->val : NT_STRMAP_ABSENT;
    if (!x->key) {
        char *k = nt_arena_str(a, s, n);
        if (!k) return NULL;
        x->key = k;
        x->tag = (uint32_t)(h >> 32);
        x->val = v;
        m->n++;
    }
    return x->key;
}

void nt_strmap_set(nt_strmap *m, const char *s, size_t n, int32_t v)
{
    m->sl[slot_of(m, s, n, fnv(s, n))].val = v;
}

void nt_strmap_free(nt_strmap *m)
{
    free(m->sl);
    memset(m, 0, sizeof *m);
}
