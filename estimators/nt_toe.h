/* Timing-of-events model (Abbring & van den Berg 2003) in discrete time: a
   bivariate mixed proportional hazards model of the exit to work and the
   programme entry, on person-period rows (one row per person and month at
   risk; months since inflow = elapsed duration t).

     exit:   h_e(t) = 1 - exp(-exp(a_e[piece_e(t)] + x'b_e + d[eff(t)] + v_e))
     entry:  h_p(t) = 1 - exp(-exp(a_p[piece_p(t)] + x'b_p + v_p))

   (cloglog link = grouped-time proportional hazards). The treatment effect
   d applies in the months after the entry month (t > t_p): "lockin" while
   in_program = 1, "post" after the programme, each optionally split into
   pieces of months since programme start. With job-loss cells (below) a
   third hazard, job loss after the exit to work, shares the type:
     loss:   h_l(s) = 1 - exp(-exp(a_l[piece_l(s)] + z'b_l + v_l)).
   (v_e, v_p[, v_l]) take K mass points with probabilities
   pi_k = exp(c_k) / sum_m exp(c_m); type 1 is the reference, v = 0, c_1 = 0. Exits other than to work and right censoring end a
   person's rows without an event (independent censoring). The likelihood,
   the parameterisation and the choice of K are in docs/toe.md. */
#ifndef NT_TOE_H
#define NT_TOE_H

#include "core/nt_error.h"

#define NT_TOE_KMAX 6

/* Column arrays of n person-period rows. A person's rows are contiguous and
   in period order; person indices are non-decreasing (the store's order). */
typedef struct {
    long n;
    const long *person;        /* person index (any non-decreasing codes) */
    const double *period;      /* months since inflow: the baseline's clock */
    const double *y_exit;      /* 1 in the month of the exit to work (the person's last row), else 0 */
    const double *y_entry;     /* 1 in the month of programme entry (at most once), else 0 */
    const double *since_entry; /* months since programme start: 0 up to and including the
                                  entry month (these rows are at risk of entry), 1, 2, ... after */
    const double *in_program;  /* 1 while in the programme (rows with since_entry > 0), 0 after */
    const double *exit_risk;   /* NULL, or 0/1: 0 = the row is not at risk of the exit (its hazard is
                                  structurally 0 there; y_exit must be 0) */
    const double *entry_risk;  /* NULL, or 0/1: 0 = the row is not at risk of entry although
                                  since_entry = 0 (y_entry must be 0) */
    const double *x;           /* n x nx column-major person (or calendar) covariates, NULL if nx = 0;
                                  the same columns enter both hazards */
    int nx;
    const char *const *xnames; /* nx names or NULL ("x1", "x2", ...) */
    /* Optional effect groups (observed, constant within a person): the
       effect pieces are estimated per group, d[g * (lock-in pieces + post
       pieces) + piece]; NULL: one group (the names without a suffix). */
    const int *eff_group;      /* n rows: 0..n_eff_groups-1, or NULL */
    int n_eff_groups;
    const char *const *eff_group_names; /* n_eff_groups suffixes ("[education=low]") or NULL ("[g1]", ...) */
    /* Optional third hazard, job loss after the exit to work, in cells (one
       person, one tenure piece, one value of the covariates); n_loss = 0: none.
         loss: h_l = 1 - exp(-exp(a_l[loss_piece] + z'b_l + v_l))
       A cell contributes loss_ev log h_l - (loss_at - loss_ev) exp(eta_l + v_l)
       to the person's l_ik (the grouped person-months). */
    long n_loss;
    const long *loss_person;   /* the person code of the cell (one of person[]); non-decreasing */
    const int *loss_piece;     /* 0..n_loss_pieces-1 */
    int n_loss_pieces;
    const double *loss_at;     /* months at risk of a loss in the cell (> 0) */
    const double *loss_ev;     /* losses among them (0..loss_at) */
    const double *loss_z;      /* n_loss x nz column-major (covariates, the post-programme indicator) */
    int nz;
    const char *const *loss_names; /* n_loss_pieces + nz names ("loss:(-Inf,0]", "loss:post") or NULL */
} nt_toe_data;

typedef enum { NT_TOE_AIC = 0, NT_TOE_BIC } nt_toe_ic;

typedef struct {
    const double *exit_cuts;   /* baseline pieces of the exit hazard: piece = #cuts < period */
    int n_exit_cuts;
    const double *entry_cuts;  /* the same for the entry hazard */
    int n_entry_cuts;
    const double *lockin_cuts; /* pieces of the lock-in effect: #cuts < since_entry (NULL: one) */
    int n_lockin_cuts;
    const double *post_cuts;   /* pieces of the post-programme effect on since_entry (NULL: one) */
    int n_post_cuts;
    int k_min, k_max;          /* mass points tried, 1 <= k_min <= k_max <= 6 (0, 0: 1 and 6) */
    nt_toe_ic ic;              /* K with the smallest criterion; the search stops at the first
                                  K that does not improve on K - 1 */
    int n_starts;              /* starting values per K >= 2 (0: 4) */
    int max_iter;              /* BFGS iterations per start (0: 2000) */
    double gtol;               /* converged when max |d loglik / d theta| / persons < gtol (0: 1e-8) */
} nt_toe_opts;

typedef struct {
    int K, p;
    double loglik, aic, bic;
    int iterations, converged;
} nt_toe_kfit;

typedef struct {
    int K;                     /* mass points of the chosen model */
    int p;                     /* parameters: exit block, entry block, [loss block], then (nv + 1)(K - 1) */
    int nv;                    /* coordinates of a mass point: 2 (exit, entry) or 3 (and loss) */
    char **name;               /* p: "exit:(.,3]", "exit:x1", "exit:lockin", "entry:(3,Inf)",
                                  "entry:x1", "v_exit[2]", "v_entry[2]", "logit_pi[2]" */
    double *coef;              /* p, at the maximum (reference type = the most probable) */
    double *se;                /* p: inverse observed information (NaN if singular or at the edge,
                                  nt_toe_mark_edge) */
    double *se_cluster;        /* p: sandwich clustered by person, G/(G-1) adjusted (NaN likewise) */
    double *cov, *cov_cluster; /* p x p */
    double v_exit[NT_TOE_KMAX], v_entry[NT_TOE_KMAX], v_loss[NT_TOE_KMAX], prob[NT_TOE_KMAX];
    double loglik, aic, bic;
    int iterations;            /* BFGS iterations + Newton steps of the chosen fit */
    int converged;             /* 1 if the gradient test held */
    long n_rows, n_persons;
    int n_fits;                /* K tried, in order */
    nt_toe_kfit fits[NT_TOE_KMAX];
} nt_toe_result;

/* Fits K = k_min..k_max (stopping early, see nt_toe_opts) and returns the
   chosen model. NT_EINPUT for data that break the layout above or a
   baseline/effect piece without an event (its coefficient would be -Inf). */
nt_status nt_toe_fit(const nt_toe_data *d, const nt_toe_opts *o, nt_toe_result **out, nt_error *err);

/* A loading v (v_exit, v_entry, v_loss of a type) with |v| > NT_TOE_VEDGE
   = log 1e4 is at the edge of the parameter space: the type's hazard is
   0 (or its event certain) for all practical purposes and the likelihood
   is flat in v, so no Wald SE applies (the inverse information is huge,
   the sandwich arbitrary): their se and se_cluster are set to NaN (cov
   and cov_cluster kept for the path draws). Called by nt_toe_fit; again
   by callers that recompute se from cov. */
#define NT_TOE_VEDGE 9.210340371976184
void nt_toe_mark_edge(nt_toe_result *r);
void nt_toe_result_free(nt_toe_result *r);

#endif
