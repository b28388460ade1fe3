/* Employment paths from a fitted timing-of-events model (nt_toe.h), for the
   treated persons of the dynamic estimand, so that the model's hazard
   effects stand beside matching's ATT(tau) in the same units
   (docs/toe.md, "From hazards to employment paths").

   For treated person i, entered at month k since inflow (covariates x_i
   at inflow, calendar steps by calendar month), the type is drawn from
   its posterior given the history up to k (no exit in 0..k-1, no entry
   in 0..k-1, entry in k):
     P(type j | .) ∝ pi_j exp(-e^{v_e,j} S_e - e^{v_p,j} S_p) F(eta_p(k) + v_p,j),
     S_e, S_p the sums of exp(eta) over months 0..k-1, F(u) = 1 - exp(-e^u);
   then months t = k, ..., k + H - 1 are drawn twice with the same uniforms:
     treated:        the exit hazard with the lock-in effect while
                     0 < t - k <= D (D a programme length drawn from the
                     observed lengths), then the post-programme effect;
     counterfactual: no entry in k; from k + 1 on the entry hazard, and
                     after an entry in k' the effects by t - k' (the
                     dynamic estimand: controls may start later).
   The exit month in k itself is untreated in both (the model's rule). An
   exit to work in month e makes the person employed in month e + d with
   probability retention[d] (observed shares after exits to work, the same
   in both arms: the model lets the programme act on the exit hazard only).
   With loss_np > 0 the fit has the job-loss hazard as its third hazard
   (nt_toe.h: columns loss_np pieces | nxp person covariates | post, and
   v_loss per type), and job loss is that hazard instead:
     P(not employed in t + 1 | employed in t) = F(a_l[piece(s)] + x'b_l
                                      + d_l 1[entered before the exit] + v_l,j),
     s = months in the current run of employment (0 in its first month),
   with the same type j as the exit and entry hazards, so that the
   programme's effect on job loss (d_l) acts in the treated arm (and in the
   counterfactual after a later entry).
   With effect groups (the fit's effects per observed group, group-major;
   loss columns: one post column per group) each person's lock-in, post
   and job-loss post effects are those of their group, in both arms.
   With effects by programme type (type != NULL: the fit's effect group of
   type q and person group g is q * n_groups + g) the treated arm has the
   treated's type (its effects, its observed lengths dur_type); in the
   counterfactual a later entry in row k' draws its type from mix, the
   shares of the types among the observed first starts in the entry piece
   of k' and the person's group (assumption: given a start and x, the
   choice among programmes does not depend on the unobserved type), with
   that type's length and effects. eff_map (NULL: q * n_groups + g) gives
   the fit's effect group of (type q, person group g) when the groups
   differ by type (a type whose person groups are pooled into one effect
   group, study/nt_toe_types.h): both arms take their effects from it.
   ATT(tau) = mean over persons and replications of the difference.

   Uncertainty: the whole path is recomputed for `draws` parameter vectors
   theta_b = theta_hat + L z_b, L L' = the clustered covariance, with the
   same uniforms; se = SD over draws, intervals = estimate +- z se (normal).
   Uniforms are a hash of (seed, person, replication, month, purpose) and
   sums are taken per block of persons in block order: byte-identical for
   any thread count. */
#ifndef NT_TOE_SIM_H
#define NT_TOE_SIM_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_toe.h"

typedef struct {
    const nt_toe_result *fit;
    const nt_toe_opts *opts;   /* the fit's cuts */
    int nxp;                   /* person covariates: the first nxp of the fit's columns */
    int ncal;                  /* then calendar steps: 1[calendar month >= cal_month[c]] */
    const int *cal_month;
    long n;                    /* treated persons */
    const double *xp;          /* n x nxp, column-major */
    const int *inflow;         /* n: calendar month of month 0 */
    const int *start;          /* n: entry row since inflow (y_entry = 1 there) */
    const int *month;          /* n: start month k (the entry row or the month after it; the
                                  path's month 0), or NULL: the entry row */
    const int *group;          /* n: the person's effect group (nt_toe_data.eff_group), or NULL: one */
    int n_groups;              /* effect groups of the fit (0 or 1: one); with types: person groups */
    const int *type;           /* n: the treated's programme type 0..n_types-1, or NULL: no types */
    int n_types;
    const double *mix;         /* (entry pieces x n_groups) x n_types: the types' shares among first
                                  starts by the entry row's piece (opts' entry cuts) and person group */
    const long *dur_type;      /* n_types x n_dur: observed lengths by type */
    const int *eff_map;        /* n_types x n_groups: the fit's effect group 0..n_eff-1 of (type, person
                                  group), or NULL: type x n_groups + group */
    int n_eff;                 /* with eff_map: the fit's effect groups */
    int horizon;               /* H: tau = 0..H-1 */
    const double *retention;   /* H: share employed d months after an exit to work */
    const double *loss, *find; /* H: after an exit to work, P(employed -> not) and P(not -> employed)
                                  from month d to d + 1, untreated; NULL: retention[d] alone */
    int loss_np;               /* > 0: job loss by the fit's loss hazard (loss_np pieces) instead of loss[] */
    const double *loss_cuts;   /* loss_np - 1 cuts on tenure s (months in the current job run) */
    const long *dur;           /* observed programme lengths: dur[D] persons, D = 0..n_dur-1 */
    const unsigned char *exit_off, *entry_off; /* n_off months since inflow: 1 = the hazard is 0 in
                                  that month (its rows were not at risk in the fit); NULL: none */
    int n_off;
    int n_dur;
    int reps;                  /* replications per person (>= 1) */
    int draws;                 /* parameter draws for the SEs (0: none) */
    uint64_t seed;
    double level;              /* interval level (0: 0.95) */
} nt_toe_sim_in;

typedef struct {
    int horizon, draws_used;   /* draws_used 0: no SEs (the covariance is singular) */
    double *att, *se, *lower, *upper;          /* [H] employment rate, treated minus counterfactual */
    double *cum, *cum_se, *cum_lower, *cum_upper; /* [H] sum of att over 0..tau */
    double *y1, *y0;           /* [H] the two employment paths */
} nt_toe_sim_out;

nt_status nt_toe_sim_paths(const nt_toe_sim_in *in, nt_toe_sim_out **out, nt_error *err);
void nt_toe_sim_out_free(nt_toe_sim_out *o);

#endif
