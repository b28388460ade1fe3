/* The warning for IPCW paths that rest on a few heavy weights (issue 14;
   docs/dynamic.md, "When the weights rest on a few persons";
   docs/inference.md, tenth session): a month tau since start is flagged
   when the Kish effective number of its censoring weights, summed over the
   start months, is below NT_WTAIL_RATIO of the persons observed
   (nt_dynamic.h wtail_ess / wtail_n). In the censoring scenario's Monte
   Carlo the months so flagged had a median SE/SD well below 1 and the
   months not flagged about 1 (docs/inference.md). Shares only, no counts:
   nothing for disclosure control to judge. One warning per subgroup and
   set of programmes with the same months (the start months' risk sets,
   and so their weights, are often the programmes' common ones). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "study/nt_run_parts.h"

int nt_run_wtail_months(const nt_dyn_result *r, int horizon, int *first, int *worst, double *worst_ratio)
{
    int n = 0;
    *first = *worst = -1;
    *worst_ratio = 1;
    if (!r || !r->wtail_n || !r->wtail_ess) return 0;
    for (int tau = 0; tau < horizon && tau < r->horizon; tau++) {
        if (!(r->wtail_n[tau] > 0)) continue;
        double q = r->wtail_ess[tau] / r->wtail_n[tau];
        if (!(q < NT_WTAIL_RATIO)) continue;
        if (*first < 0) *first = tau;
        if (q < *worst_ratio || *worst < 0) { *worst_ratio = q; *worst = tau; }
        n++;
    }
    return n;
}

int nt_run_wtail_text(const nt_dyn_result *r, int horizon, const char *prog, const char *group, char *buf, size_t size)
{
    int first, worst;
    double q;
    int n = nt_run_wtail_months(r, horizon, &first, &worst, &q);
    if (n == 0) return 0;
    snprintf(buf, size,
             "%s, %s: the censoring weights (IPCW) rest on few persons in %d months since start, the first %d (the "
             "weights' effective number under %.0f%% of the persons observed; month %d: %.0f%%): the monthly SEs "
             "there understate the spread (by a fifth to a half in the Monte Carlo) and their intervals are too narrow; "
             "read the cumulative effect, add persons, or compare ipcw_truncate = 0.99 (biased towards the unweighted "
             "estimate; docs/dynamic.md)",
             prog, group, n, first, 100 * NT_WTAIL_RATIO, worst, 100 * q);
    return 1;
}

/* The same flagged months (count, first, worst and its whole percent). */
static int same_months(const nt_dyn_result *a, const nt_dyn_result *b, int horizon)
{
    int fa, wa, fb, wb;
    double qa, qb;
    int na = nt_run_wtail_months(a, horizon, &fa, &wa, &qa), nb = nt_run_wtail_months(b, horizon, &fb, &wb, &qb);
    return na == nb && fa == fb && wa == wb && lround(100 * qa) == lround(100 * qb);
}

void nt_run_wtail_warn(nt_run_state *P, int horizon)
{
    int np = P->n_prog, ng = P->n_groups, first, worst;
    double q;
    char *done = malloc((size_t)(np ? np : 1));
    if (!done) return;
    for (int g = 0; g < ng; g++) {
        memset(done, 0, (size_t)(np ? np : 1));
        for (int pi = 0; pi < np; pi++) {
            const nt_dyn_result *r = P->res[pi * ng + g];
            if (done[pi] || !nt_run_wtail_months(r, horizon, &first, &worst, &q)) continue;
            char who[512], wt[1536];
            size_t o = (size_t)snprintf(who, sizeof who, "%s", P->st->programs[pi]);
            for (int pj = pi + 1; pj < np; pj++)
                if (!done[pj] && same_months(r, P->res[pj * ng + g], horizon)) {
                    done[pj] = 1;
                    if (o < sizeof who) o += (size_t)snprintf(who + o, sizeof who - o, "/%s", P->st->programs[pj]);
                }
            const char *gl = P->group_label[g][0] ? P->group_label[g] : "whole cohort";
            if (nt_run_wtail_text(r, horizon, who, gl, wt, sizeof wt)) nt_run_warn(P, wt);
        }
    }
    free(done);
}
