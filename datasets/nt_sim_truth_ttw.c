/* truth_time_to_work.csv: the truth of time_to_work.csv (docs/simulation.md,
   docs/survival.md). Each participant counted in truth.csv (start month k
   in 0..23, in the risk set) has a time to the first month employed and to
   the start of the first 6-month job on its factual path (Y1) and on its
   counterfactual path (Y0: no start in k, possibly later), with netto
   run's definitions (study/nt_run_ttw.c): L = n_observed - k months
   observed from k, T = 1 + the first tau < L employed (else censored at
   L), stable: T = 1 + the first s <= L - 6 with 6 months employed from s
   (else censored at L - 5; never at risk when L < 6); times above 96
   censored at 96. Per programme (and `any`), over the start months
   truth.csv uses (at least 10 treated and a control), the Kaplan-Meier
   curves of both paths:
     S_1(m), S_0(m) = prod_{m' <= m} (1 - d(m') / n(m'))
   with the censoring the data impose (the same months on both paths), and
   their difference: what time_to_work.csv's surv_treated, surv_control and
   difference estimate. */
#include "datasets/nt_sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int ttw_time(const uint8_t *e, int k, int n_obs, int o, int *ev)
{
    int L = n_obs - k;
    if (L > NT_SIM_PANEL_MONTHS - k) L = NT_SIM_PANEL_MONTHS - k;
    int T = 0, run = 0;
    *ev = 0;
    for (int tau = 0; tau < L && !*ev; tau++) {
        run = e[k + tau] ? run + 1 : 0;
        if (o == 0 && run == 1) { T = tau + 1; *ev = 1; }
        if (o == 1 && run == 6) { T = tau - 4; *ev = 1; }
    }
    if (!*ev) T = o == 0 ? L : L - 5;
    if (T > NT_SIM_HORIZON) { T = NT_SIM_HORIZON; *ev = 0; }
    return T;
}

void nt_sim_truth_add_ttw(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *e0)
{
    int k = f->treat_month;
    for (int o = 0; o < 2; o++)
        for (int path = 0; path < 2; path++) {
            int ev, t = ttw_time(path ? e0 : e1, k, p->n_observed, o, &ev);
            if (t < 1) continue;
            T->ttw[f->treat_type][o][path][k][t][ev]++;
            T->ttw[0][o][path][k][t][ev]++;
        }
}

nt_status nt_sim_truth_write_ttw(const truth_acc *T, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    static const char *const outcomes[2] = {"first_job", "stable_job_6m"};
    fprintf(fp, "program,outcome,month,surv_treated,surv_counterfactual,difference,n_at_risk\n");
    int order[NPROG + 1] = {1, 2, 3, 4, 0};
    for (int pi = 0; pi <= NPROG; pi++) {
        int pr = order[pi];
        int use[NT_SIM_START_MONTHS];
        for (int k = 0; k < NT_SIM_START_MONTHS; k++) use[k] = T->treated[pr][0][k] >= TRUTH_MIN_TREATED && T->controls[0][k] > 0;
        for (int o = 0; o < 2; o++) {
            int64_t n[2][NT_SIM_HORIZON + 2] = {{0}}, d[2][NT_SIM_HORIZON + 2] = {{0}};
            for (int q = 0; q < 2; q++)
                for (int k = 0; k < NT_SIM_START_MONTHS; k++)
                    for (int t = 1; t <= NT_SIM_HORIZON && use[k]; t++) {
                        n[q][t] += T->ttw[pr][o][q][k][t][0] + T->ttw[pr][o][q][k][t][1];
                        d[q][t] += T->ttw[pr][o][q][k][t][1];
                    }
            for (int q = 0; q < 2; q++)
                for (int t = NT_SIM_HORIZON - 1; t >= 1; t--) n[q][t] += n[q][t + 1];
            double S[2] = {1, 1};
            for (int m = 1; m <= NT_SIM_HORIZON; m++) {
                for (int q = 0; q < 2; q++)
                    if (n[q][m] > 0) S[q] *= 1 - (double)d[q][m] / (double)n[q][m];
                fprintf(fp, "%s,%s,%d,", nt_simulate_program_name(pr ? pr : NPROG + 1), outcomes[o], m);
                if (n[0][m] > 0) fprintf(fp, "%.10g,%.10g,%.10g", S[0], S[1], S[0] - S[1]);
                else fprintf(fp, ",,");
                fprintf(fp, ",%lld\n", (long long)n[0][m]);
            }
        }
    }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}
