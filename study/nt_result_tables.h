/* The result tables that more than one command writes — effects.csv,
   balance.csv, pscore.csv (spec: cli-and-results.md, "Result tables") — with
   their columns, kinds and disclosure bases in one place: `netto match`
   (study/nt_match_run.c) and `netto run` (study/nt_run_tables.c) fill rows,
   report/nt_table writes them.
     column              from
     effects: program..method     the caller's labels (NULL: empty)
              estimate, se, ci_*  the estimator's numbers
              n_*                 person counts; basis = min(n_treated_matched, n_control_used)
     balance: covariate, means, smd_*, var_ratio_*, mean_treated_after
                                  estimators/nt_balance.h's nt_balance_row; basis from the caller
              start_interval      `netto run` only (before mean_treated_after);
              n_treated           `netto run` only (last; set by the caller)
     pscore:  term, estimate, se  the propensity model; basis from the caller */
#ifndef NT_RESULT_TABLES_H
#define NT_RESULT_TABLES_H

#include "estimators/nt_balance.h"
#include "report/nt_table.h"

typedef struct {
    const char *program, *subgroup, *outcome, *estimand, *method;
    long month;                      /* months since start; < 0: empty */
    double estimate, se, ci_lower, ci_upper;
    long n_treated, n_control, n_treated_matched, n_control_used;
} nt_effect_row;

/* The spec's effects columns, then n_extra more (e.g. se_method); NULL out of memory. */
nt_table *nt_effects_table_alloc(const char *const *extra, const nt_col_kind *extra_kinds, int n_extra);
/* 0, or -1 out of memory. */
int nt_effects_table_add(nt_table *t, const nt_effect_row *r);

/* with_interval: `netto run`'s start_interval column. */
nt_table *nt_balance_table_alloc(int with_interval);
int nt_balance_table_add(nt_table *t, const char *program, const char *subgroup, const char *covariate,
                         const nt_balance_row *b, const char *interval, long basis);

nt_table *nt_pscore_table_alloc(void);
int nt_pscore_table_add(nt_table *t, const char *program, const char *subgroup, const char *interval,
                        const char *term, double estimate, double se, long basis);

#endif
