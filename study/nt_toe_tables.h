/* The tables and plots of `[estimator] method = toe` (study/nt_toe_run.c;
   docs/toe.md, "In a study"). Column -> source:
     toe.csv            program: whose parameter the row is (programs = any:
                        any; the named programmes' joint fit: a type's effect
                        rows under its programme, every shared row once under
                        NT_TOE_JOINT); kind coefficient / heterogeneity:
                        estimate, se, robust_se (nt_toe_result coef, se, se_cluster),
                        z, p_value (nt_wald on robust_se); kind mass_point,
                        probability: v_exit, v_entry, prob; kind fit:
                        loglik, aic, bic, mass_points of the chosen K
                        hazard loss: the job-loss hazard (nt_toe_loss.h)
     toe_fit.csv        one row per fit and K tried (nt_toe_result fits[]);
                        program as the fit's shared rows
     toe_effects.csv    effects.csv's columns, method toe, outcome employed,
                        estimand ATT: the simulated path (nt_toe_compare_row)
     toe_vs_matching.csv  per programme: quantity effect (month tau) and
                        cumulative (month = h, the sum over months 0..h-1,
                        h = 12, 36, 96 up to the horizon): matching and toe
                        side by side
     plots/toe_vs_matching_<programme>.png/.pdf
   Disclosure bases: a baseline piece: its hazard's events in it; an effect
   piece: the exits in it; a covariate: its hazard's events, and for a 0/1
   column also the persons on its smaller side; mass points, probabilities
   and the fit: the smaller of exits and entries; the simulated path: the
   smaller of the treated simulated and the other persons of the model;
   matching's cells: the month's (or window's) matched treated and controls
   used, as in effects.csv and summary.csv. */
#ifndef NT_TOE_TABLES_H
#define NT_TOE_TABLES_H

#include "core/nt_error.h"
#include "report/nt_table.h"
#include "data/nt_toe_store.h"
#include "estimators/nt_toe.h"
#include "study/nt_toe_loss.h"
#include "study/nt_run_parts.h"

typedef struct nt_toe_tables nt_toe_tables;

#define NT_TOE_JOINT "joint" /* toe.csv's program of the rows the named programmes share */

nt_status nt_toe_tables_alloc(nt_toe_tables **out, nt_error *err);
/* Adds one programme's fit (toe.csv, toe_fit.csv rows, all under program);
   loss (or NULL): the fit's job-loss hazard, hazard loss, its disclosure
   bases. */
nt_status nt_toe_tables_add(nt_toe_tables *tb, nt_run_state *P, const char *program, const nt_toe_pp *t,
                            const nt_toe_result *fit, const nt_toe_opts *o, const nt_toe_loss *loss,
                            const nt_toe_groups *eg, nt_error *err);
/* NT_EINPUT when a programme type of the store is named NT_TOE_JOINT
   (checked before the joint fit). */
nt_status nt_toe_tables_check_types(const nt_run_state *P, nt_error *err);
/* Adds the named programmes' joint fit once: the effect rows of effect
   group g under the programme type of its starters (the study's spelling
   for a study programme, the data's name for another type), every other
   row and toe_fit.csv's under NT_TOE_JOINT. */
nt_status nt_toe_tables_add_joint(nt_toe_tables *tb, nt_run_state *P, const nt_toe_pp *t,
                                  const nt_toe_result *fit, const nt_toe_opts *o, const nt_toe_loss *loss,
                                  const nt_toe_groups *eg, nt_error *err);
/* Fills the current row's toe_fit.csv columns (all but program) for fit K
   number k, disclosure basis het; also netto survival toe's toe_fit.csv. */
void nt_toe_fit_row(nt_table *t, const nt_toe_result *fit, int k, long n_exits, long n_entries, long het);
/* Writes the four tables and the plots (P->toe holds the paths). */
nt_status nt_toe_tables_write(nt_toe_tables *tb, nt_run_state *P, nt_error *err);
void nt_toe_tables_free(nt_toe_tables *tb);

#endif
