/* Covariate balance before and after matching or weighting (methods.md
   section 4). For every column of x (n x p column-major; the caller leaves
   out the intercept): treated mean, control means before and after,
   standardised mean differences and variance ratios.
   - before: unweighted, units with skip[i] == 0 (the estimation sample);
   - after: weighted by w (units with w > 0), treated too (for the ATE, or
     the ATT when some treated went unmatched);
   - SMD = (mean1 - mean0) / s*, with s* fixed from the sample before:
     ATT: s* = sd of the treated; ATE: s* = sqrt((s1^2 + s0^2)/2);
     binary columns (0/1) are standardised too, with s^2 = p (1 - p) of
     the group (MatchIt's summary() and cobalt's convention);
   - variances: weighted as cobalt, s2 = sum w (x - m)^2 * sum w /
     ((sum w)^2 - sum w^2); unweighted before (n - 1 denominator);
     variance ratio = s2_treated / s2_control. */
#ifndef NT_BALANCE_H
#define NT_BALANCE_H

#include <stdint.h>
#include "core/nt_error.h"
#include "estimators/nt_weight.h"

typedef struct {
    double mean_treated;         /* before */
    double mean_treated_after;   /* weighted */
    double mean_control_before;
    double mean_control_after;
    double smd_before, smd_after;
    double var_ratio_before, var_ratio_after;
    double sd_denominator;       /* s* */
    /* Dominance facts of the four means (slots: controls, treated before;
       controls, treated after): the sum of |w x| and upper bounds of the
       largest person's and of the two largest persons' |w x| (a person
       with several rows: nt_balance_acc_dominance). 0 where not known
       (nt_balance_compute). */
    double dom[4][3];
} nt_balance_row;

/* rows: p entries, filled. ESS per arm after weighting: ess[0] controls, ess[1] treated. */
nt_status nt_balance_compute(const double *x, long n, int p, const uint8_t *treated,
                             const uint8_t *skip, const double *w, nt_estimand estimand,
                             nt_balance_row *rows, double ess[2], nt_error *err);

/* The streaming form, for rows that cannot be kept (the dynamic estimator
   pools its start intervals): one pass of weighted sums per group, slots
   0/1 controls/treated before (weight 1), 2/3 after (weight w_after > 0).
   nt_balance_acc_row gives the ATT row: s* = sd of the treated before, the
   variances of every column (binary ones too) cobalt-style from the sums,
   s2 = (S_wxx - S_wx^2 / S_w) S_w / (S_w^2 - S_ww). */
typedef struct { double w, ww, wx, wxx; } nt_balance_moments;
#define NT_BALANCE_TOP 8
typedef struct {
    nt_balance_moments g[4];
    double abs[4];                  /* sum of |w x| per slot */
    double top[4][NT_BALANCE_TOP];  /* the largest row contributions |w x|, descending */
} nt_balance_acc;

void nt_balance_acc_add(nt_balance_acc *a, double x, int treated, double w_after);
void nt_balance_acc_row(const nt_balance_acc *a, nt_balance_row *row);
/* The dominance facts (row->dom) of an accumulator whose control persons
   have at most rows_per_person rows each (a control is a row per start
   month it is at risk in; a treated person one row): the largest person's
   |w x| is at most the sum of the rows_per_person largest rows, the two
   largest persons' at most the 2 rows_per_person largest (beyond the
   NT_BALANCE_TOP kept: the last kept for each further row). */
void nt_balance_acc_dominance(const nt_balance_acc *a, int rows_per_person, nt_balance_row *row);

#endif
