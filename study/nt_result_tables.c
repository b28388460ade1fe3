/* Columns and rows of the shared result tables (see nt_result_tables.h). */
#include "study/nt_result_tables.h"

#include <stddef.h>

#include "report/nt_disclose.h"

#define K NT_COL_KEY
#define S NT_COL_STAT
#define C NT_COL_COUNT
#define M NT_COL_MEAN

static const char *const effects_cols[] = {"program", "subgroup", "outcome", "month", "estimand", "method",
                                           "estimate", "se", "ci_lower", "ci_upper", "n_treated", "n_control",
                                           "n_treated_matched", "n_control_used"};
static const nt_col_kind effects_kinds[] = {K, K, K, K, K, K, M, S, M, M, C, C, C, C};
#define N_EFFECTS ((int)(sizeof effects_cols / sizeof *effects_cols))
_Static_assert(sizeof effects_kinds / sizeof *effects_kinds == N_EFFECTS, "one kind per effects column");

nt_table *nt_effects_table_alloc(const char *const *extra, const nt_col_kind *extra_kinds, int n_extra)
{
    const char *cols[N_EFFECTS + 16];
    nt_col_kind kinds[N_EFFECTS + 16];
    if (n_extra < 0 || n_extra > 16) return NULL;
    for (int j = 0; j < N_EFFECTS; j++) { cols[j] = effects_cols[j]; kinds[j] = effects_kinds[j]; }
    for (int j = 0; j < n_extra; j++) { cols[N_EFFECTS + j] = extra[j]; kinds[N_EFFECTS + j] = extra_kinds[j]; }
    return nt_table_alloc(cols, kinds, N_EFFECTS + n_extra);
}

int nt_effects_table_add(nt_table *t, const nt_effect_row *r)
{
    if (nt_table_add_row(t)) return -1;
    nt_table_set_str(t, "program", r->program);
    nt_table_set_str(t, "subgroup", r->subgroup);
    nt_table_set_str(t, "outcome", r->outcome);
    if (r->month >= 0) nt_table_set_int(t, "month", r->month);
    nt_table_set_str(t, "estimand", r->estimand);
    nt_table_set_str(t, "method", r->method);
    nt_table_set_num(t, "estimate", r->estimate);
    nt_table_set_num(t, "se", r->se);
    nt_table_set_num(t, "ci_lower", r->ci_lower);
    nt_table_set_num(t, "ci_upper", r->ci_upper);
    nt_table_set_int(t, "n_treated", r->n_treated);
    nt_table_set_int(t, "n_control", r->n_control);
    nt_table_set_int(t, "n_treated_matched", r->n_treated_matched);
    nt_table_set_int(t, "n_control_used", r->n_control_used);
    nt_table_set_basis(t, nt_disclose_basis(r->n_treated_matched, r->n_control_used));
    return 0;
}

nt_table *nt_balance_table_alloc(int with_interval)
{
    static const char *const cols[] = {"program", "subgroup", "covariate", "mean_treated", "mean_control_before",
                                       "mean_control_after", "smd_before", "smd_after", "var_ratio_before",
                                       "var_ratio_after", "start_interval", "mean_treated_after", "n_treated"};
    static const nt_col_kind kinds[] = {K, K, K, M, M, M, M, M, M, M, K, M, C};
    /* `netto run` also gives the treated the shares are among (its caller
       sets n_treated; docs/disclosure.md) */
    if (with_interval) return nt_table_alloc(cols, kinds, 13);
    const char *c[11];
    nt_col_kind k[11];
    for (int j = 0, o = 0; j < 12; j++)
        if (j != 10) { c[o] = cols[j]; k[o++] = kinds[j]; }
    return nt_table_alloc(c, k, 11);
}

int nt_balance_table_add(nt_table *t, const char *program, const char *subgroup, const char *covariate,
                         const nt_balance_row *b, const char *interval, long basis)
{
    if (nt_table_add_row(t)) return -1;
    nt_table_set_str(t, "program", program);
    nt_table_set_str(t, "subgroup", subgroup);
    nt_table_set_str(t, "covariate", covariate);
    nt_table_set_num(t, "mean_treated", b->mean_treated);
    nt_table_set_num(t, "mean_control_before", b->mean_control_before);
    nt_table_set_num(t, "mean_control_after", b->mean_control_after);
    nt_table_set_num(t, "smd_before", b->smd_before);
    nt_table_set_num(t, "smd_after", b->smd_after);
    nt_table_set_num(t, "var_ratio_before", b->var_ratio_before);
    nt_table_set_num(t, "var_ratio_after", b->var_ratio_after);
    if (interval) nt_table_set_str(t, "start_interval", interval);
    nt_table_set_num(t, "mean_treated_after", b->mean_treated_after);
    nt_table_set_basis(t, basis);
    return 0;
}

nt_table *nt_pscore_table_alloc(void)
{
    static const char *const cols[] = {"program", "subgroup", "start_interval", "term", "estimate", "se"};
    static const nt_col_kind kinds[] = {K, K, K, K, S, S};
    return nt_table_alloc(cols, kinds, 6);
}

int nt_pscore_table_add(nt_table *t, const char *program, const char *subgroup, const char *interval,
                        const char *term, double estimate, double se, long basis)
{
    if (nt_table_add_row(t)) return -1;
    nt_table_set_str(t, "program", program);
    nt_table_set_str(t, "subgroup", subgroup);
    nt_table_set_str(t, "start_interval", interval);
    nt_table_set_str(t, "term", term);
    nt_table_set_num(t, "estimate", estimate);
    nt_table_set_num(t, "se", se);
    nt_table_set_basis(t, basis);
    return 0;
}
