/* A string arena: many small allocations freed at once. Chunks grow from
   16 KiB to 1 MiB, so small inputs stay small. Used by the spell reader
   for person ids, codes, text cells and the rejects list. */
#ifndef NT_ARENA_H
#define NT_ARENA_H

#include <stddef.h>

typedef struct nt_arena_chunk nt_arena_chunk;
typedef struct { nt_arena_chunk *head; } nt_arena;   /* zero-initialised = empty */

/* A NUL-terminated copy of s[0..n) (not aligned: for text), NULL when out
   of memory. */
char *nt_arena_str(nt_arena *a, const char *s, size_t n);
void nt_arena_free(nt_arena *a);

#endif
