/* Deterministic random number streams. A stream is keyed by (seed, stream
   index), e.g. (study seed, bootstrap replicate) or (seed, person), so work
   split over threads draws the same numbers whatever the thread count.
   Generator: xoshiro256** (Blackman & Vigna 2018), state filled by
   SplitMix64 from a mix of seed and stream index. */
#ifndef NT_RNG_H
#define NT_RNG_H

#include <stdint.h>

typedef struct { uint64_t s[4]; int has_normal; double normal; } nt_rng;

void nt_rng_init(nt_rng *r, uint64_t seed, uint64_t stream);
uint64_t nt_rng_u64(nt_rng *r);
double nt_rng_uniform(nt_rng *r);            /* in (0, 1), 53 bits */
uint64_t nt_rng_below(nt_rng *r, uint64_t n); /* uniform on 0..n-1, unbiased */
double nt_rng_normal(nt_rng *r);             /* standard normal (polar method) */
double nt_rng_exponential(nt_rng *r, double rate);
int nt_rng_bernoulli(nt_rng *r, double p);

/* SplitMix64 step: a good 64-bit mixer, also for deriving keys. */
uint64_t nt_mix64(uint64_t x);

#endif
