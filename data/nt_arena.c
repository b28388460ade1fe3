/* String arena (nt_arena.h). */
#include "data/nt_arena.h"

#include <stdlib.h>
#include <string.h>

struct nt_arena_chunk { nt_arena_chunk *next; size_t used, cap; char data[]; };

static char *arena_alloc(nt_arena *a, size_t n)
{
    if (!a->head || a->head->cap - a->head->used < n) {
        size_t cap = a->head ? a->head->cap * 2 : (1u << 14);
        if (cap > (1u << 20)) cap = 1u << 20;
        if (cap < n) cap = n;
        nt_arena_chunk *c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
    }
    char *p = a->head->data + a->head->used;
    a->head->used += n;
    return p;
}

char *nt_arena_str(nt_arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

void nt_arena_free(nt_arena *a)
{
    nt_arena_chunk *c = a->head;
    while (c) {
        nt_arena_chunk *n = c->next;
        free(c);
        c = n;
    }
    a->head = NULL;
}
