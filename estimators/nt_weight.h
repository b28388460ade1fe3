/* Propensity-score weighting and common support: IPW with normalised
   (Hajek) weights, AIPW (doubly robust) for the ATE and the ATT, and the
   trimming rules. Plain arrays over n units: e[i] the propensity score,
   treated[i] in {0,1}, y[i] the outcome; units with skip[i] != 0 take no
   part. Standard errors from the influence function (treating e as known;
   the bootstrap in nt_psm re-estimates e). */
#ifndef NT_WEIGHT_H
#define NT_WEIGHT_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_method.h"

typedef enum { NT_ATT = 0, NT_ATE = 1 } nt_estimand;

/* Unit weights: ATT w = D + (1-D) e/(1-e); ATE w = D/e + (1-D)/(1-e);
   0 where skipped. Normalising within arm is left to the users of w. */
void nt_ipw_weights(const double *e, const uint8_t *treated, const uint8_t *skip, long n,
                    nt_estimand estimand, double *w);

/* Hajek IPW: tau = sum_{D=1} w y / sum_{D=1} w - sum_{D=0} w y / sum_{D=0} w.
   Influence function phi_i = D w (y - mu1)/mean(D w) - (1-D) w (y - mu0)/mean((1-D) w),
   se = sd(phi) / sqrt(N) over the units taking part. */
nt_status nt_ipw_estimate(const double *e, const uint8_t *treated, const uint8_t *skip, long n,
                          nt_estimand estimand, const double *y, double *est, double *se, nt_error *err);

/* AIPW with outcome models fitted by OLS of y on x (n x p column-major,
   intercept included by the caller) separately in each arm, on the units
   taking part. ATE: psi = mu1 - mu0 + D (y - mu1)/e - (1-D)(y - mu0)/(1-e),
   tau = mean(psi), se = sd(psi)/sqrt(N). ATT: tau = sum [D (y - mu0) -
   (1-D) e/(1-e) (y - mu0)] / N1, phi = [D (y - mu0 - tau) - (1-D) e/(1-e)
   (y - mu0)] / (N1/N), se = sd(phi)/sqrt(N) (methods.md section 3). */
nt_status nt_aipw_estimate(const double *e, const uint8_t *treated, const uint8_t *skip, long n,
                           const double *x, int p, nt_estimand estimand, const double *y,
                           double *est, double *se, nt_error *err);

/* Weighted least squares of y on x (n x p column-major) over units with
   w > 0 (w NULL = 1): beta (p) and, when cov != NULL, the HC0 sandwich
   covariance (p x p). Collinear columns: NT_EINPUT naming `terms[j]`. */
nt_status nt_wls_fit(const double *x, long n, int p, const double *y, const double *w,
                     const char *const *terms, double *beta, double *cov, nt_error *err);

/* The same without equilibration, for an outcome model that must always
   give coefficients (the dynamic AIPW, where an indicator may be 0 in every
   observed control): X'WX beta = X'Wy by Cholesky; a singular X'WX gets a
   ridge of 1e-9 x its largest diagonal element. Still singular: NT_ENUMERIC
   and beta untouched. */
nt_status nt_wls_fit_ridge(const double *x, long n, int p, const double *y, const double *w, double *beta,
                           nt_error *err);
/* nt_wls_fit_ridge in two steps, for several y on one design and weights:
   chol (p x p, row-major) the Cholesky factor of X'WX, ridged as above
   (still singular: NT_ENUMERIC); then beta of one y from it. */
nt_status nt_wls_chol_ridge(const double *x, long n, int p, const double *w, double *chol, nt_error *err);
nt_status nt_wls_chol_solve(const double *x, long n, int p, const double *y, const double *w, const double *chol,
                            double *beta, nt_error *err);

/* Common support: sets skip[i] = 1 (leaves others unchanged) for units off
   support. MINMAX: e outside [max(min e|D=1, min e|D=0), min(max e|D=1,
   max e|D=0)] (MatchIt discard = "both"). CRUMP (Crump et al. 2009): with
   g = 1/(e(1-e)), if max g <= 2 mean g then alpha = 0, else gamma solves
   gamma = 2 mean(g | g <= gamma) exactly over the sorted g, and
   alpha = 1/2 - sqrt(1/4 - 1/gamma); keep alpha <= e <= 1 - alpha.
   Fills *lo, *hi (the kept interval of e), and counts dropped per arm. */
nt_status nt_support_trim(const double *e, const uint8_t *treated, long n, nt_trim rule,
                          uint8_t *skip, double *lo, double *hi, long *dropped_treated,
                          long *dropped_controls, nt_error *err);

#endif
