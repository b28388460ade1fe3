/* truth.csv: the study's dynamic ATT from the simulated counterfactuals
   (see nt_sim_model.h and docs/simulation.md). */
#include "datasets/nt_sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int subgroups_of(const person *p, int *sub)
{
    int n = 0;
    sub[n++] = 0;
    if (p->edu >= 0) sub[n++] = 1 + p->edu;
    sub[n++] = p->emp12 == 0 ? 4 : 5;
    return n;
}

static const char *const sub_names[NSUB] = {"", "education=low", "education=mid", "education=high",
                                            "emp_prev12=0-0", "emp_prev12=1-12"};

/* Risk set counts for every person; differences for participants. */
void nt_sim_truth_add(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *b1,
                      const int64_t *w1, const uint8_t *e0, const uint8_t *b0, const int64_t *w0)
{
    int sub[3], ns = subgroups_of(p, sub);
    int kmax = f->index_last;
    if (f->treat_month >= 0 && f->treat_month < kmax) kmax = f->treat_month;
    if (kmax > NT_SIM_START_MONTHS - 1) kmax = NT_SIM_START_MONTHS - 1;
    if (kmax > p->n_observed - 1) kmax = p->n_observed - 1;
    for (int k = 0; k <= kmax; k++) {
        if (k == f->treat_month) {
            for (int s = 0; s < ns; s++) {
                T->treated[f->treat_type][sub[s]][k]++;
                T->treated[0][sub[s]][k]++;
            }
        } else {
            for (int s = 0; s < ns; s++) T->controls[sub[s]][k]++;
        }
    }
    int k = f->treat_month;
    if (k < 0 || k >= NT_SIM_START_MONTHS || k > kmax) return;
    for (int tau = 0; tau < NT_SIM_HORIZON && k + tau < p->n_observed; tau++) {
        int t = k + tau;
        int64_t d[3] = {(int64_t)e1[t] - e0[t], w1[t] - w0[t], (int64_t)b1[t] - b0[t]};
        for (int s = 0; s < ns; s++) {
            int prs[2] = {0, f->treat_type};   /* "any", then the type */
            for (int j = 0; j < 2; j++) {
                T->cnt[prs[j]][sub[s]][k][tau]++;
                for (int o = 0; o < 3; o++) T->sum[prs[j]][sub[s]][k][tau][o] += d[o];
            }
        }
    }
}

void nt_sim_truth_merge(truth_acc *into, const truth_acc *from)
{
    const int64_t *a = (const int64_t *)from;
    int64_t *b = (int64_t *)into;
    for (size_t i = 0; i < sizeof *into / sizeof(int64_t); i++) b[i] += a[i];
}

nt_status nt_sim_truth_write(const truth_acc *T, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    static const char *const outcomes[3] = {"employed", "earnings", "on_benefit"};
    fprintf(fp, "program,subgroup,outcome,month,true_att,n_treated\n");
    const int min_treated = 10;
    int order[NPROG + 1] = {1, 2, 3, 4, 0};
    for (int pi = 0; pi <= NPROG; pi++) {
        int pr = order[pi];
        for (int s = 0; s < NSUB; s++) {
            /* start months the study skips: fewer than min_treated treated or no controls */
            int use[NT_SIM_START_MONTHS];
            for (int k = 0; k < NT_SIM_START_MONTHS; k++)
                use[k] = T->treated[pr][s][k] >= min_treated && T->controls[s][k] > 0;
            for (int o = 0; o < 3; o++) {
                for (int tau = 0; tau < NT_SIM_HORIZON; tau++) {
                    int64_t sum = 0, n = 0;
                    for (int k = 0; k < NT_SIM_START_MONTHS; k++) {
                        if (!use[k]) continue;
                        sum += T->sum[pr][s][k][tau][o];
                        n += T->cnt[pr][s][k][tau];
                    }
                    fprintf(fp, "%s,%s,%s,%d,", nt_simulate_program_name(pr ? pr : NPROG + 1), sub_names[s], outcomes[o], tau);
                    if (n > 0) {
                        double v = (double)sum / (double)n;
                        if (o == 1) v /= (double)EARN_L;
                        fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                    }
                    fprintf(fp, ",%lld\n", (long long)n);
                }
            }
        }
    }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}

