/* Large arrays with transparent huge pages (nt_mem.h). */
#define _GNU_SOURCE
#include "core/nt_mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#define HUGE_PAGE ((size_t)2 << 20)

/* The whole 2 MiB pages inside [p, p + n), before they are first touched.
   Advice only: where the kernel has none to give, 4 KiB pages as before. */
static void advise(void *p, size_t n)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (!p || n < 2 * HUGE_PAGE) return;
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
    uintptr_t e = ((uintptr_t)p + n) & ~(uintptr_t)(HUGE_PAGE - 1);
    if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)n;
#endif
}

void *nt_mem_big(size_t n)
{
    void *p = malloc(n ? n : 1);
    advise(p, n);
    return p;
}

void *nt_mem_big_zero(size_t n)
{
    /* calloc's large blocks are fresh zero pages: advised before touching. */
    void *p = calloc(1, n ? n : 1);
    advise(p, n);
    return p;
}
