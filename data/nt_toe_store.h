/* Person-period rows of the timing-of-events model (estimators/nt_toe.h)
   from a cohort store and its loaded panel (`[estimator] method = toe`,
   study/nt_toe_run.c; docs/toe.md). The entry is the first programme start
   of any type (nobody is censored by a start); its type is kept
   (start_type) for effects by programme type.

   A person of the analysed cohort (panel included = 1) contributes months
   t = 0, 1, ... since inflow of the index spell (period = t), up to the
   first of: the exit month of the index spell (exit_month), the last
   observed month (n_observed - 1), the last panel month and max_period.
     y_exit      1 in the exit month when exit_dest = work (else censored:
                 other exits, the data end and the panel end are
                 independent censoring, docs/toe.md);
     y_entry     1 in the row before treat_month (row 0 for a start in
                 month 0) when the person has a first programme start on
                 the index benefit (any type) and is still at risk in
                 treat_month: the start month itself is treated (a start
                 comes before a job found in its month, as in matching's
                 ATT(0));
     since_entry t - entry row after the entry row, else 0;
     in_program  1 after the entry month while the store's in_program
                 series is not 0 (it holds the type code; read in row blocks of
                 the store's chunk size);
     exit_risk   1 (the caller may set 0 where the exit hazard is
                 structurally 0, study/nt_toe_run.c);
     entry_risk  0 in the last row of a person without an entry (row r
                 stands for a start in month r + 1, which an exit or the
                 censoring in that row's month rules out), else 1.
   Covariates: the panel's model columns (person-level, at inflow), then
   with calendar = 1 one step column per calendar year Y after the first,
   1[year of the row's calendar month >= Y], kept only where both sides of
   the step have at least NT_TOE_CAL_MIN exits and entries (else merged
   into the previous step: the steps are pooled years).

   Also what the simulation of employment paths needs (nt_toe_sim.h):
   retention[d] = share employed d months after an exit to work (over the
   persons observed then), the monthly transitions after it, loss[d] =
   P(not employed at d + 1 | employed at d) and find[d] = P(employed at
   d + 1 | not employed at d) (d months after the exit; over the exits to
   work before any programme start, so that find is untreated), and the
   programmes' lock-in lengths: dur[D] =
   persons whose in_program run after the entry month lasted D months and
   ended while they were still at risk, and dur_type the same by the type
   of the start.
   Job loss (the hazard with a post-programme effect, study/nt_toe_loss.c):
   for every exit to work, the months d = 0..n_retention-2 after it with
   the person employed in d and observed in d + 1, counted per tenure piece
   (tenure s = months since the current run of employment began, 0 in its
   first month; cuts 0, 2, 5, 11, 23) and the losses among them (not
   employed in d + 1); treated = a programme start (any type) up to the
   exit month, untreated = no start up to it. */
#ifndef NT_TOE_STORE_H
#define NT_TOE_STORE_H

#include <stdint.h>
#include "core/nt_error.h"
#include "data/nt_panel.h"
#include "data/nt_store.h"

#define NT_TOE_CAL_MIN 10 /* exits and entries on each side of a calendar step */

typedef struct {
    int max_period;   /* last month since inflow used (>= 0) */
    int calendar;     /* 1: calendar-year steps */
    int n_retention;  /* retention[d], d = 0..n_retention-1 */
} nt_toe_store_opts;

typedef struct {
    long n, n_persons;
    long *person;                 /* 0..n_persons-1, non-decreasing */
    double *period, *y_exit, *y_entry, *since_entry, *in_program, *exit_risk, *entry_risk;
    int nx, nxp;                  /* columns: the panel's nxp, then nx - nxp calendar steps */
    double *x;                    /* n x nx, column-major */
    char **xname;                 /* nx */
    int *cal_month;               /* nx - nxp: calendar month number of each step's January */
    long *panel_row;              /* n_persons: the person's panel row */
    int *inflow;                  /* n_persons: calendar month of month 0 */
    int *start_month;             /* n_persons: treat_month of an entry, else -1 */
    long n_exits, n_entries;
    double *retention;            /* n_retention */
    double *loss, *find;          /* n_retention: transitions d -> d + 1 after an exit to work */
    long *dur;                    /* dur[D], D = 0..n_dur-1 */
    int n_dur;
    int n_types;                  /* programme type codes 0..n_types-1 (the store's dictionary + 1) */
    int *start_type;              /* n_persons: type code of the entry (1..n_types-1), 0 = no entry */
    long *dur_type;               /* n_types x n_dur: dur by the type of the start (row = type code) */
    /* job loss after an exit to work, in cells person x tenure piece */
    int n_loss_cuts;              /* cuts on tenure s, the months in the current run of employment */
    double loss_cuts[8];
    long n_lcell, cap_lcell;
    long *lc_person;              /* the person's panel row */
    int *lc_piece;
    unsigned char *lc_treated;    /* 1: a programme start (any type) before the exit to work */
    double *lc_at, *lc_loss;      /* months employed with the next month observed; not employed in it */
} nt_toe_pp;

nt_status nt_toe_store_build(nt_store *st, const nt_panel *p, const nt_toe_store_opts *o, nt_toe_pp **out,
                             nt_error *err);
void nt_toe_pp_free(nt_toe_pp *t);

#endif
