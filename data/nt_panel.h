/* The cohort as the dynamic (timing-aware) estimator reads it: compact
   arrays loaded from a cohort store (data/nt_store.h) in row blocks.

   Months are months since inflow (month 0 = calendar month of the index
   spell's start). Covariates are person-level, measured at inflow; they are
   expanded into model columns here: numeric as one column, categorical as
   one indicator per non-reference level ("education=mid"). The reference
   is the first level (the contract's order for sex, education, migration;
   bytewise order otherwise); a missing categorical value is its own level,
   `missing`, placed last. A person with a missing numeric covariate is left
   out (included[i] = 0) and counted per variable. */
#ifndef NT_PANEL_H
#define NT_PANEL_H

#include <stdint.h>
#include "core/nt_error.h"
#include "data/nt_store.h"

typedef struct {
    long n;                  /* persons (store order: bytewise person_id) */
    int months;              /* panel months */
    int32_t *treat_month;    /* first programme start while on the index benefit; -1 none */
    int32_t *treat_type;     /* its type code (1-based, store dictionary); 0 none */
    double *treat_cost;      /* its cost_eur; NaN missing */
    int32_t *n_observed;     /* months 0..n_observed-1 are observed */
    int32_t *admin_observed; /* months observable by the data end alone (death and emigration ignored) */
    int n_risk;              /* months with risk-set data: 0..n_risk-1 */
    uint8_t *on_index;       /* n x n_risk: on the index benefit in month k */
    uint8_t *emp_before;     /* n x n_risk: months employed since inflow before k (history) */
    int n_outcomes;
    char **outcome_name;     /* "employed", "earnings", ... */
    float **outcome;         /* n x months each, row-major; NaN censored */
    int p;                   /* model columns from the covariates */
    double *x;               /* n x p, column-major */
    char **term;             /* p names */
    int *var_of_term;        /* covariate index of each column */
    int32_t *exact_cell;     /* n cell ids from the exact-matching variables, or NULL */
    uint8_t *included;       /* n: 0 if a numeric covariate is missing */
    int n_covariates;
    long *missing_by_covariate; /* persons left out per covariate */
} nt_panel;

typedef struct {
    const char *const *covariates; int n_covariates;
    const char *const *exact; int n_exact;      /* categorical variables matched exactly */
    int calendar;                                /* nt_calendar: also exact on the inflow quarter / month */
    const char *const *outcomes; int n_outcomes; /* panel series names */
    int n_risk;                                  /* last start month + 1 */
} nt_panel_spec;

/* Loads what the dynamic estimator needs. Fails (NT_EINPUT) on an unknown
   covariate, exact variable or outcome series (column = its name), on a
   store whose panel is shorter than n_risk months. */
nt_status nt_panel_load(nt_store *st, const nt_panel_spec *spec, nt_panel **out, nt_error *err);
void nt_panel_free(nt_panel *p);

#endif
