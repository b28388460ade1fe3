/* Effects by programme type in `[estimator] method = toe` (docs/toe.md,
   "Effects by programme type"): with named programmes the model's entry
   is every first programme start (data/nt_toe_store.h) and the lock-in
   and post effects (and the job-loss post effect) are coded by the type
   of the programme started, crossed with the person groups of
   toe_effect_by: effect group = egroup[type x person groups + person
   group] (nt_toe_data.eff_group; without pooling the index itself),
   labels "[scholing]", "[scholing&education=low]".
   The types are those with a first start among the model's persons, in
   the store's code order. For the paths' counterfactual (estimators/
   nt_toe_sim.h): the shares of the types among the observed first starts
   by the entry row's baseline piece and person group (a cell with fewer
   than NT_TOE_MIX_MIN starts takes its person group's shares over all
   pieces, a group with fewer the shares of all starts), and the observed
   programme lengths by type.
   Pooling (docs/toe.md, "Effects by programme type"): with person groups,
   a type with a thin cell - a person group whose starters of the type
   have fewer than NT_TOE_POOL_MIN exits to work in lock-in rows or in
   post rows, or (when the job-loss hazard is fitted) fewer than
   NT_TOE_POOL_MIN job losses after the programme or only losses - has
   its person groups pooled: one effect group for the type, "[workfirst]";
   the other types keep theirs. egroup maps (type, person group) to the
   fit's effect group; a pooled type's why says why (for the warning). */
#ifndef NT_TOE_TYPES_H
#define NT_TOE_TYPES_H

#include "core/nt_error.h"
#include "data/nt_toe_store.h"
#include "estimators/nt_toe.h"
#include "study/nt_toe_loss.h"

#define NT_TOE_MIX_MIN 10
#define NT_TOE_POOL_MIN 10

typedef struct {
    int T;               /* programme types with a first start among the model's persons */
    int *code;           /* T: the store's type code */
    int *index;          /* n_types store codes: 0..T-1, -1 no start */
    int Gp;              /* person groups (1 without toe_effect_by) */
    int *pgroup;         /* n_persons: the person group */
    double *mix;         /* (entry pieces x Gp) x T: shares, nt_toe_sim_in.mix */
    long *dur;           /* T x n_dur: lengths by type, nt_toe_sim_in.dur_type */
    int *egroup;         /* T x Gp: the fit's effect group, nt_toe_sim_in.eff_map */
    char **why;          /* T: NULL, or why the type's person groups are pooled */
} nt_toe_types;

/* The types of t's entries and the combined effect groups eg (person
   groups pg or NULL; names: the store's type names by code - 1). */
nt_status nt_toe_types_build(const nt_toe_pp *t, const char *const *names, const nt_toe_groups *pg,
                             nt_toe_types *ty, nt_toe_groups *eg, nt_error *err);
/* The mix by the entry pieces of o (after the pieces are merged). */
nt_status nt_toe_types_mix(const nt_toe_pp *t, const nt_toe_opts *o, nt_toe_types *ty, nt_error *err);
void nt_toe_types_free(nt_toe_types *ty);

#endif
