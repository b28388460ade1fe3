/* Shared by nt_match.c (matching) and nt_match_var.c (the Abadie-Imbens
   variances) only: the units of one arm sorted by (cell, score, row) and
   the searches over them. */
#ifndef NT_MATCH_INTERNAL_H
#define NT_MATCH_INTERNAL_H

#include <stdint.h>

typedef struct {
    long cell;
    double s;
    long row;
} nt_match_key;

/* The units of arm `arm` taking part, sorted by (cell, score, row); *count
   of them. NULL when out of memory. */
nt_match_key *nt_match_sorted_arm(const double *score, const uint8_t *treated, const long *cell,
                                  const uint8_t *skip, long n, int arm, long *count);
/* First position in [b, e) with score >= s. */
long nt_match_lower_pos(const nt_match_key *cand, long b, long e, double s);
/* Is a candidate at distance d a tie with the M-th at dM? */
int nt_match_is_tie(double d, double dM, double tol, double scale);

/* Next-nearest walker over cand[b, e) from a focal score s: L moves left,
   R moves right. nt_match_walk_next returns the position of the next
   nearest (ties to the lower row), or -1. */
typedef struct { long L, R, b, e; double s; } nt_match_walker;
long nt_match_walk_next(const nt_match_key *cand, nt_match_walker *w, double *dist);

#endif
