/* String -> int32 map, open addressing (FNV-1a with a 64-bit finish), keys
   copied into an arena. The spell reader finds person ids with it (spells
   arrive before the persons are sorted, so no search in sorted order) and
   numbers scheme, programme and provider codes in order of appearance.
   Iteration (sl[0..cap), key != NULL) is in hash order: sort what is shown. */
#ifndef NT_STRMAP_H
#define NT_STRMAP_H

#include <stddef.h>
#include <stdint.h>
#include "data/nt_arena.h"

/* One slot = key pointer, value and a 32-bit tag (high hash bits) in 16
   bytes, so a probe touches one cache line and most misses need no string
   compare. */
typedef struct { char *key; int32_t val; uint32_t tag; } nt_strmap_slot;
typedef struct { nt_strmap_slot *sl; size_t cap, n; } nt_strmap;   /* zero-initialised = empty */

#define NT_STRMAP_ABSENT (-2)

/* Value of s[0..n), or NT_STRMAP_ABSENT. */
int32_t nt_strmap_get(const nt_strmap *m, const char *s, size_t n);
/* Inserts s[0..n) (copied into a) with value v unless present; returns the
   stored key (NULL when out of memory) and, in *old (may be NULL), the value
   it had (NT_STRMAP_ABSENT if new). */
char *nt_strmap_put(nt_strmap *m, nt_arena *a, const char *s, size_t n, int32_t v, int32_t *old);
/* Sets the value of a key that is present. */
void nt_strmap_set(nt_strmap *m, const char *s, size_t n, int32_t v);
void nt_strmap_free(nt_strmap *m);

#endif
