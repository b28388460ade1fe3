/* Large arrays: memory for the big person x month arrays (panel series,
   designs, linearisation rows) with transparent huge pages requested
   (madvise MADV_HUGEPAGE, Linux; elsewhere plain malloc). Fewer page faults
   when first written and fewer TLB misses on the random row reads of the
   estimators (docs/performance.md). Freed with free(); contents as malloc /
   calloc. */
#ifndef NT_MEM_H
#define NT_MEM_H

#include <stddef.h>

void *nt_mem_big(size_t n);
void *nt_mem_big_zero(size_t n);

#endif
