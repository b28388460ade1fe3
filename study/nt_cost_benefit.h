/* The cost-benefit of `netto run` (cost_benefit.csv; docs/dynamic.md,
   "Cost-benefit", for the definitions). Internal to study/.

   Three euro series per person and month since inflow ride along with the
   study's outcomes through the estimator (the view's outcomes after the
   panel's), so their effects theta_s(tau) come from the same risk sets,
   matches, weights and censoring rules, and their per-person
   linearisation from the same machinery (estimators/nt_dyn_infer.h):
     earnings      the panel's earnings (deflated with a price index);
     benefit       on_benefit x [cost_benefit] benefit_month of the index
                   scheme (deflated);
     program_cost  the cost of every programme started in that month (the
                   treating programme's cost_eur, later programmes at their
                   type's cost; deflated).
   Over the window tau = 0..T-1, with d(tau) = (1 + r)^(-tau / 12):
     incremental_cost = sum d theta_cost,   benefit_savings = -sum d theta_benefit,
     earnings_effect  = sum d theta_earnings,
     net (government) = benefit_savings - incremental_cost,
     net (society)    = earnings_effect - incremental_cost;
   breakeven_month: the first month from which the cumulative discounted net
   benefit stays > 0 (nt_summary); net_benefit_se and the break-even
   interval from the linearisation of the net monthly path (multiplier
   draws, as every other path) or from the bootstrap replicates. */
#ifndef NT_COST_BENEFIT_H
#define NT_COST_BENEFIT_H

#include "study/nt_run_parts.h"

#define NT_CB_PERSPECTIVES 2  /* 0 government, 1 society */
#define NT_CB_RATES 2         /* 0: undiscounted, 1: [cost_benefit] discount_rate */
#define NT_CB_SERIES 3        /* earnings, benefit, program_cost */

/* Builds the three series and appends them to P->view's outcomes (after
   load_panel; the panel's own outcomes keep their indices). */
nt_status nt_cost_benefit_prepare(nt_run_state *P, nt_error *err);

/* After the main estimate of (programme, group) pg with its finished
   linearisation: the net benefits' standard errors and break-even
   intervals (multiplier draws). */
nt_status nt_cost_benefit_collect(nt_run_state *P, int pg, const nt_dyn_lin *lin, nt_error *err);
/* The same for the estimand ATT (never 0) or ATT_never (never 1, P->res_never). */
nt_status nt_cost_benefit_collect_for(nt_run_state *P, int pg, int never, const nt_dyn_lin *lin, nt_error *err);

/* The figures of every (programme, group), after the estimates (and the
   bootstrap); summary horizons as P->horizons. */
nt_status nt_cost_benefit_compute(nt_run_state *P, nt_error *err);

/* The society's undiscounted net benefit of pg at summary horizon index h
   and its SE (summary.csv's net_benefit, net_benefit_se); NaN if none. */
double nt_cost_benefit_net(const nt_run_state *P, int pg, int h, double *se);

/* The society's undiscounted net break-even month of pg over the whole
   horizon (the earnings plot's marker); NaN if none (or undefined). *defined: 0
   when the programme's cost is unknown (no net benefit at all). */
double nt_cost_benefit_breakeven(const nt_run_state *P, int pg, int *defined);

/* cost_benefit.csv. */
nt_status nt_cost_benefit_write(nt_run_state *P, nt_error *err);

void nt_cost_benefit_free(nt_run_state *P);

#endif
