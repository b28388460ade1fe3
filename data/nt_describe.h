/* Summary of a cohort store (`netto describe`): size, censoring, inflow by
   calendar month, first programme starts (treatment timing) by month since
   inflow and type, exit destinations, and the month table of means over the
   persons observed (not censored) in each month. Reads the panel in row
   blocks. */
#ifndef NT_DESCRIBE_H
#define NT_DESCRIBE_H

#include "core/nt_error.h"
#include "data/nt_store.h"

typedef struct {
    long persons;
    int months;
    long censored_persons;   /* with at least one censored month */
    long censored_months;    /* person-months censored */
    /* Month table, k = 0..months-1 (months since inflow). */
    long *n_observed;
    double *employed, *earnings, *on_benefit, *on_index_benefit, *in_program;  /* NaN: none observed */
    double *earnings_abs, *earnings_top1, *earnings_top2; /* sum of |earnings| and the two largest (dominance) */
    /* Inflow by calendar month ("YYYY-MM" levels of inflow_month). */
    int n_inflow;
    char **inflow_label;
    long *inflow_count;
    /* First programme start during the index spell: starts[t * months + k]
       for type code t+1 and treat_month k < months; later starts in
       starts_later[t]. */
    int n_types;
    char **type_name;
    long *starts, *starts_later;
    long n_treated;
    long exit_count[NT_EXIT_N];  /* per exit destination: exit_count[nt_exit - 1] */
} nt_describe;

nt_status nt_store_describe(nt_store *st, nt_describe **out, nt_error *err);
void nt_describe_free(nt_describe *d);

/* Its month table as CSV, with disclosure control: study/nt_describe_run.h. */

#endif
