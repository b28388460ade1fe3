#include "estimators/nt_sort.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Order-preserving maps to unsigned integers: flip the sign bit of
   non-negative values and every bit of negative ones. */
static uint64_t key_double(double v)
{
    uint64_t b;
    if (v == 0) v = 0;   /* -0 sorts with +0 */
    memcpy(&b, &v, sizeof b);
    return (b >> 63) ? ~b : b | (1ULL << 63);
}

static uint64_t key_long(long v) { return (uint64_t)v ^ (1ULL << 63); }

/* One stable pass on the 16-bit digit at `shift` of key[]; returns 0 when the
   pass was skipped (all digits equal). */
static int pass(long n, const uint64_t *key, int shift, const long *in, long *out, long *count)
{
    memset(count, 0, 65537 * sizeof *count);
    for (long i = 0; i < n; i++) count[((key[in[i]] >> shift) & 0xffff) + 1]++;
    for (int d = 0; d < 65536; d++)
        if (count[d + 1] == n) return 0;
    for (int d = 0; d < 65536; d++) count[d + 1] += count[d];
    for (long i = 0; i < n; i++) out[count[(key[in[i]] >> shift) & 0xffff]++] = in[i];
    return 1;
}

int nt_sort_cell_score(long n, const long *cell, const double *score, long *order)
{
    uint64_t *ks = malloc((size_t)(n ? n : 1) * sizeof *ks);
    uint64_t *kc = cell ? malloc((size_t)(n ? n : 1) * sizeof *kc) : NULL;
    long *a = malloc((size_t)(n ? n : 1) * sizeof *a), *b = malloc((size_t)(n ? n : 1) * sizeof *b);
    long *count = malloc(65537 * sizeof *count);
    if (!ks || !a || !b || !count || (cell && !kc)) {
        free(ks); free(kc); free(a); free(b); free(count);
        return -1;
    }
    for (long i = 0; i < n; i++) {
        ks[i] = score[i] != score[i] ? UINT64_MAX : key_double(score[i]);
        if (kc) kc[i] = key_long(cell[i]);
        a[i] = i;
    }
    /* Least significant first: the score's four digits, then the cell's. */
    for (int sh = 0; sh < 64; sh += 16)
        if (pass(n, ks, sh, a, b, count)) { long *t = a; a = b; b = t; }
    for (int sh = 0; kc && sh < 64; sh += 16)
        if (pass(n, kc, sh, a, b, count)) { long *t = a; a = b; b = t; }
    memcpy(order, a, (size_t)n * sizeof *order);
    free(ks); free(kc); free(a); free(b); free(count);
    return 0;
}
