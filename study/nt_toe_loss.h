/* Job loss after an exit to work, with a post-programme effect, the third
   hazard of the timing-of-events model of `[estimator] method = toe`
   (docs/toe.md, "Job loss after the exit"):

     P(not employed in d + 1 | employed in d) = 1 - exp(-exp(a[piece(s)] + x'b + d_l T + v_l))

   discrete time (months after the exit to work), a cloglog hazard
   piecewise constant in tenure s (months in the current run of
   employment; the store's cuts 0, 2, 5, 11, 23, a piece without a loss or
   with only losses merged into its left neighbour, the first into the
   right), x the matching model's person columns (centred and scaled as the
   exit and entry hazards read them), T = 1 for the employment after an
   exit to work of a person who entered the programme before the exit (0:
   no start up to the exit), v_l the type's loading (the mass points are
   shared with the exit and entry hazards). This file turns the store's
   cells (person x tenure piece) into the model's job-loss cells
   (nt_toe_data.loss_*); the fit is nt_toe_fit's joint likelihood. */
#ifndef NT_TOE_LOSS_H
#define NT_TOE_LOSS_H

#include "core/nt_error.h"
#include "data/nt_panel.h"
#include "data/nt_toe_store.h"

/* The effect groups of `[estimator] toe_effect_by` (study/nt_toe_run.c):
   G groups, the group of each person code of nt_toe_pp (0..G-1), and the
   label suffix of each ("[education=low,emp_prev12=0-0]"). */
typedef struct {
    int G;
    int *group;
    char **suffix;
} nt_toe_groups;

typedef struct {
    int np, nxp, p;              /* pieces, person covariates, p = np + nxp + G (the post columns last) */
    int G;                       /* post columns: one per effect group (1 without toe_effect_by) */
    double cuts[8];              /* np - 1 cuts on tenure */
    long n;                      /* cells */
    long *person;                /* n: the person code of nt_toe_pp.person */
    int *piece;                  /* n */
    double *at, *ev;             /* n: months at risk, losses */
    double *z;                   /* n x (nxp + G) column-major: the scaled person columns, then
                                    T 1[group g] per effect group */
    char **name;                 /* p: loss:(-Inf,0], ..., loss:<column>, loss:post (loss:post[group] per group) */
    long *basis;                 /* p: disclosure bases (losses in the piece; among the treated; covariates:
                                    all losses, for a 0/1 column also the persons on its smaller side) */
    double months, losses, months_treated, losses_treated;
} nt_toe_loss;

/* The job-loss cells of t (panel: the covariate columns; mean, sd: their
   scaling, x* = (x - mean) / sd). *out NULL (and NT_OK) when the treated
   have no employment month or no loss, or the untreated none: the paths
   then use the untreated chain alone. eg (NULL: none): one post column per
   effect group; NT_EINPUT when a group's treated have no loss (or only
   losses) while the others have. */
nt_status nt_toe_loss_build(const nt_toe_pp *t, const nt_panel *panel, const double *mean, const double *sd,
                            const nt_toe_groups *eg, nt_toe_loss **out, nt_error *err);
/* 1: t has the job-loss hazard (nt_toe_loss_build's *out is not NULL
   unless an effect group is empty). */
int nt_toe_loss_used(const nt_toe_pp *t);
void nt_toe_loss_free(nt_toe_loss *l);

#endif
