/* truth_by_start.csv (docs/simulation.md, docs/inference.md): the truth of
   effects_by_start.csv, the whole cohort's ATT_k(tau) per programme, start
   month k (months since inflow) and month tau since the start,

     true_att = sum over participants starting in k, observed in k + tau,
                of Y^1 - Y^0 / their number                   (n_treated)

   with truth.csv's counterfactual paths and counts (truth.csv pools these
   over the used start months). Every k is written; n_treated_k, the
   participants starting in k, lets a reader drop the months the study
   skips (fewer than min_treated). */
#include "datasets/nt_sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

nt_status nt_sim_truth_write_by_start(const truth_acc *T, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    static const char *const outcomes[3] = {"employed", "earnings", "on_benefit"};
    static const int order[NPROG + 1] = {1, 2, 3, 4, 0};
    fprintf(fp, "program,outcome,start_month,month,true_att,n_treated,n_treated_k\n");
    for (int pi = 0; pi <= NPROG; pi++) {
        int pr = order[pi];
        for (int o = 0; o < 3; o++)
            for (int k = 0; k < NT_SIM_START_MONTHS; k++)
                for (int tau = 0; tau < NT_SIM_HORIZON; tau++) {
                    int64_t n = T->cnt[pr][0][k][tau];
                    fprintf(fp, "%s,%s,%d,%d,", nt_simulate_program_name(pr ? pr : NPROG + 1), outcomes[o], k, tau);
                    if (n > 0) {
                        double v = (double)T->sum[pr][0][k][tau][o] / (double)n;
                        if (o == 1) v /= (double)EARN_L;
                        fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                    }
                    fprintf(fp, ",%lld,%lld\n", (long long)n, (long long)T->treated[pr][0][k]);
                }
    }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}
