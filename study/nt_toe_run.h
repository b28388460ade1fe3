/* `[estimator] method = toe` in `netto run` (docs/toe.md, "In a study"):
   per programme of the study, the timing-of-events model on the cohort's
   person-period rows (data/nt_toe_store.h), fitted with K mass points
   chosen by the study's criterion (estimators/nt_toe.h), its hazard
   effects translated into the employment path of the treated
   (estimators/nt_toe_sim.h), and matching's estimate (the run's own,
   method toe_matching, whole cohort, outcome employed) beside it.

   Writes toe.csv, toe_fit.csv, toe_effects.csv, toe_vs_matching.csv and
   plots/toe_vs_matching_<programme>.png (docs/toe.md, docs/results.md).
   The comparison stays in P->toe (nt_toe_compare below) for the report:
   plain arrays, one entry per programme, freed with the run. The entry
   points nt_toe_run and nt_toe_run_free are in study/nt_run_parts.h. */
#ifndef NT_TOE_RUN_H
#define NT_TOE_RUN_H

#include "core/nt_error.h"

/* One programme: monthly paths (index tau = months since start, 0..H-1)
   of the effect on the employment rate (share, not percentage points) and
   their cumulative sums (months employed), matching and timing-of-events.
   NaN where undefined or not disclosed-safe to compute (matching without
   the employed outcome). */
typedef struct {
    const char *program;       /* the study's name (not owned) */
    int horizon;
    double *matching, *matching_lower, *matching_upper;     /* ATT(tau) and its interval */
    double *matching_cum, *matching_cum_lower, *matching_cum_upper;
    double *toe, *toe_se, *toe_lower, *toe_upper;           /* simulated from the fitted model */
    double *toe_cum, *toe_cum_se, *toe_cum_lower, *toe_cum_upper;
    long basis_toe;            /* disclosure basis of the toe numbers: min(treated, other persons) */
    long n_treated_toe;        /* treated simulated (entries in the start months) */
    long n_other_toe;          /* the other persons of the model */
    int mass_points;           /* K chosen */
    double lockin, post;       /* the first lock-in and post-programme coefficients (exit logit) of the
                                  programme's own type; with person groups (toe_effect_by) their average
                                  weighted by the programme's treated per effect group (a pooled type:
                                  its one group) */
    double lockin_se, post_se; /* clustered (of the average: sqrt(w' V w)) */
} nt_toe_compare_row;

typedef struct nt_toe_compare {
    int n;
    nt_toe_compare_row *row;
    /* The sentence on what differs in the assumptions (for the report). */
    const char *assumptions;
} nt_toe_compare;

#endif
