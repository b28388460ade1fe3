/* truth_compare.csv and truth_region.csv (docs/simulation.md,
   docs/heterogeneity.md). truth_compare.csv: programme
   against programme among participants. For a participant of programme m
   starting in month k (as truth.csv counts it), the path simulated again
   with the start in k of type l instead (same uniforms, so the same person
   in the same months up to the programme's type), and

     true_att_ml(tau) = sum over k and participants of m starting in k,
                        observed in k + tau, of Y^m - Y^l / their number

   over the start months k with a participant of m and at least one of l
   (TRUTH_MIN_TREATED: every start month, as pool_sparse estimates). */
#include "datasets/nt_sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

void nt_sim_truth_add_cmp(truth_acc *T, const person *p, const path_info *f, int l, const uint8_t *e1,
                          const int64_t *w1, const uint8_t *b1, const uint8_t *e2, const int64_t *w2, const uint8_t *b2)
{
    int k = f->treat_month, m = f->treat_type, kmax = f->index_last;
    if (kmax > NT_SIM_START_MONTHS - 1) kmax = NT_SIM_START_MONTHS - 1;
    if (kmax > p->n_observed - 1) kmax = p->n_observed - 1;
    if (k < 0 || k > kmax || m < 1 || m > NPROG || l < 1 || l > NPROG) return;
    for (int tau = 0; tau < NT_SIM_HORIZON && k + tau < p->n_full; tau++) {
        int t = k + tau;
        if (l == (m % NPROG) + 1) T->cmp_cnt[m][k][tau]++;   /* once per participant */
        T->cmp_sum[m][l][k][tau][0] += (int64_t)e1[t] - e2[t];
        T->cmp_sum[m][l][k][tau][1] += w1[t] - w2[t];
        T->cmp_sum[m][l][k][tau][2] += (int64_t)b1[t] - b2[t];
    }
}

nt_status nt_sim_truth_write_cmp(const truth_acc *T, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    static const char *const outcomes[3] = {"employed", "earnings", "on_benefit"};
    fprintf(fp, "program,versus,outcome,month,true_att,n_treated\n");
    for (int m = 1; m <= NPROG; m++)
        for (int l = 1; l <= NPROG; l++) {
            if (l == m) continue;
            int use[NT_SIM_START_MONTHS];
            for (int k = 0; k < NT_SIM_START_MONTHS; k++) use[k] = T->treated[m][0][k] >= TRUTH_MIN_TREATED && T->treated[l][0][k] > 0;
            for (int o = 0; o < 3; o++)
                for (int tau = 0; tau < NT_SIM_HORIZON; tau++) {
                    int64_t sum = 0, n = 0;
                    for (int k = 0; k < NT_SIM_START_MONTHS; k++) {
                        if (!use[k]) continue;
                        sum += T->cmp_sum[m][l][k][tau][o];
                        n += T->cmp_cnt[m][k][tau];
                    }
                    fprintf(fp, "%s,%s,%s,%d,", nt_simulate_program_name(m), nt_simulate_program_name(l), outcomes[o], tau);
                    if (n > 0) {
                        double v = (double)sum / (double)n;
                        if (o == 1) v /= (double)EARN_L;
                        fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                    }
                    fprintf(fp, ",%lld\n", (long long)n);
                }
        }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}

/* truth_region.csv: programme `any` per region, as truth.csv (the start
   months with at least 10 treated of the region and a control). */
nt_status nt_sim_truth_write_region(const truth_acc *T, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    static const char *const outcomes[3] = {"employed", "earnings", "on_benefit"};
    fprintf(fp, "program,subgroup,outcome,month,true_att,n_treated\n");
    for (int r = 0; r < NREGION; r++) {
        int use[NT_SIM_START_MONTHS];
        for (int k = 0; k < NT_SIM_START_MONTHS; k++) use[k] = T->reg_treated[r][k] >= TRUTH_MIN_TREATED && T->reg_controls[r][k] > 0;
        for (int o = 0; o < 3; o++)
            for (int tau = 0; tau < NT_SIM_HORIZON; tau++) {
                int64_t sum = 0, n = 0;
                for (int k = 0; k < NT_SIM_START_MONTHS; k++) {
                    if (!use[k]) continue;
                    sum += T->reg_sum[r][k][tau][o];
                    n += T->reg_cnt[r][k][tau];
                }
                fprintf(fp, "any,region=%s,%s,%d,", nt_sim_regions[r].code, outcomes[o], tau);
                if (n > 0) {
                    double v = (double)sum / (double)n;
                    if (o == 1) v /= (double)EARN_L;
                    fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                }
                fprintf(fp, ",%lld\n", (long long)n);
            }
    }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}
