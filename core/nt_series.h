/* The panel series of the cohort store, one row each: the name (the store's
   dataset panel/NAME, the study file's [outcomes] series) and whether less
   is better (benefit receipt: an effect below zero is the good direction,
   so summaries negate it before looking for a break-even). The enum order
   is the store's panel order. A word list with codes: nothing here knows a
   person or a month. */
#ifndef NT_SERIES_H
#define NT_SERIES_H

typedef enum {
    NT_SERIES_EMPLOYED = 0,
    NT_SERIES_EARNINGS,
    NT_SERIES_ON_BENEFIT,
    NT_SERIES_ON_INDEX_BENEFIT,
    NT_SERIES_IN_PROGRAM,
    NT_SERIES_N
} nt_series;

/* "employed", "earnings", ...; NULL for a code outside 0..NT_SERIES_N-1. */
const char *nt_series_name(nt_series s);
/* The code of a name (exact, case-sensitive), -1 if it is not a series. */
int nt_series_find(const char *name);
/* 1 for on_benefit and on_index_benefit, 0 otherwise (also for -1). */
int nt_series_less_is_better(nt_series s);

#endif
