#include "core/nt_rng.h"

#include <math.h>

uint64_t nt_mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void nt_rng_init(nt_rng *r, uint64_t seed, uint64_t stream)
{
    /* Two mixing rounds keep (seed, stream) and (seed', stream') with
       seed ^ stream == seed' ^ stream' apart. */
    uint64_t x = nt_mix64(nt_mix64(seed) ^ (stream * 0xd1342543de82ef95ULL + 0x632be59bd9b4e019ULL));
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ULL;
        r->s[i] = nt_mix64(x);
    }
    r->has_normal = 0;
    r->normal = 0;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t nt_rng_u64(nt_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double nt_rng_uniform(nt_rng *r)
{
    /* (k + 0.5) / 2^53: never exactly 0 or 1, so log() is always safe. */
    return ((double)(nt_rng_u64(r) >> 11) + 0.5) * 0x1.0p-53;
}

uint64_t nt_rng_below(nt_rng *r, uint64_t n)
{
    if (n <= 1) return 0;
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do x = nt_rng_u64(r); while (x >= limit);
    return x % n;
}

double nt_rng_normal(nt_rng *r)
{
    if (r->has_normal) {
        r->has_normal = 0;
        return r->normal;
    }
    double u, v, s;
    do {
        u = 2.0 * nt_rng_uniform(r) - 1.0;
        v = 2.0 * nt_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    r->normal = v * f;
    r->has_normal = 1;
    return u * f;
}

double nt_rng_exponential(nt_rng *r, double rate)
{
    return -log(nt_rng_uniform(r)) / rate;
}

int nt_rng_bernoulli(nt_rng *r, double p)
{
    return nt_rng_uniform(r) < p;
}
