/* Job loss after an exit to work, with a post-programme effect, for the
   employment paths of `[estimator] method = toe` (docs/toe.md, "Job loss
   after the exit").

     P(not employed in d + 1 | employed in d) = 1 - exp(-exp(a[piece(s)] + x'b + d_l T))

   discrete time (months after the exit to work), a cloglog hazard
   piecewise constant in tenure s (months in the current run of
   employment; the store's cuts 0, 2, 5, 11, 23, a piece without a loss or
   with only losses merged into its left neighbour, the first into the
   right), x the matching model's person columns (as the timing-of-events
   model uses them), T = 1 for the employment after an exit to work of a
   person who entered the programme before the exit (0: no start up to the
   exit). No unobserved heterogeneity: the job-loss spells are assumed
   independent of the type given x and T (docs/toe.md). Fitted by
   estimators/nt_glm (cloglog, binomial on the store's cells person x
   piece: the same likelihood as the person-months); covariance
   (X'WX)^-1. */
#ifndef NT_TOE_LOSS_H
#define NT_TOE_LOSS_H

#include "core/nt_error.h"
#include "data/nt_panel.h"
#include "data/nt_toe_store.h"

typedef struct {
    int np, nxp, p;              /* pieces, person covariates, p = np + nxp + 1 (post last) */
    double cuts[8];              /* np - 1 cuts on tenure */
    double *coef, *se, *cov;     /* p; cov p x p (symmetric) */
    char **name;                 /* p: loss:(-Inf,0], ..., loss:<column>, loss:post */
    long *basis;                 /* p: disclosure bases (losses in the piece; among the treated; covariates:
                                    all losses, for a 0/1 column also the persons on its smaller side) */
    double months, losses, months_treated, losses_treated;
    int iterations, converged;
} nt_toe_loss;

/* Fits the hazard on t's cells (panel: the covariate columns). *out NULL
   (and NT_OK) when the treated have no employment month or no loss, or
   the untreated none: the paths then use the untreated chain alone. */
nt_status nt_toe_loss_fit(const nt_toe_pp *t, const nt_panel *panel, nt_toe_loss **out, nt_error *err);
void nt_toe_loss_free(nt_toe_loss *l);

#endif
