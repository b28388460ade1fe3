/* truth.csv: the study's dynamic ATT from the simulated counterfactuals
   (see nt_sim_model.h and docs/simulation.md). */
#include "datasets/nt_sim_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int subgroups_of(const person *p, int *sub)
{
    int n = 0;
    sub[n++] = 0;
    if (p->edu >= 0) sub[n++] = 1 + p->edu;
    sub[n++] = p->emp12 == 0 ? 4 : 5;
    if (p->jq > 0) sub[n++] = SUB_JOB + p->jq - 1;
    return n;
}

/* The start_year subgroup of a start in month k since inflow (the calendar
   year of inflow + k) and the unemployment_rate group of the region's rate
   in that month (context.csv; netto's ranges 0-7.6, 7.7-8.2, 8.3-99, the
   terciles at the starts of the cycle scenario), after the person's n
   subgroups; returns the count. */
static int with_year(const person *p, int k, const int *sub, int n, int *out)
{
    for (int s = 0; s < n; s++) out[s] = sub[s];
    int y = (p->inflow + k) / 12 - SUB_YEAR_FIRST;
    if (y >= 0 && y < SUB_YEARS) out[n++] = SUB_YEAR + y;
    int u = nt_sim_unemployment_tenths(p->inflow + k, p->region);
    out[n++] = SUB_UNEMP + (u <= 76 ? 0 : u <= 82 ? 1 : 2);
    return n;
}

/* The start month k of a participant whose differences the truth counts
   (a start in months 0..NT_SIM_START_MONTHS - 1 while on the index benefit
   and observed), with the subgroups of that start in sub (their count in
   *ns); -1 for a start the truth does not count. */
static int counted_start(const person *p, const path_info *f, int *sub, int *ns)
{
    int k = f->treat_month, kmax = f->index_last;
    if (kmax > NT_SIM_START_MONTHS - 1) kmax = NT_SIM_START_MONTHS - 1;
    if (kmax > p->n_observed - 1) kmax = p->n_observed - 1;
    if (k < 0 || k >= NT_SIM_START_MONTHS || k > kmax) return -1;
    int sub0[4], ns0 = subgroups_of(p, sub0);
    *ns = with_year(p, k, sub0, ns0, sub);
    return k;
}

/* Whether a start in month k is followed for the whole horizon by the data
   end alone (the store's admin_observed): the ATT_fixed population. */
static int fixed_path(const person *p, int k) { return DATA_END_MONTH - p->inflow + 1 >= k + NT_SIM_HORIZON; }

static const char *const sub_names[NSUB] = {"", "education=low", "education=mid", "education=high",
                                            "emp_prev12=0-0", "emp_prev12=1-12", "job_chance=q1", "job_chance=q2",
                                            "job_chance=q3", "job_chance=q4", "job_chance=q5", "start_year=2003",
                                            "start_year=2004", "start_year=2005", "start_year=2006",
                                            "unemployment_rate=0-7.6", "unemployment_rate=7.7-8.2",
                                            "unemployment_rate=8.3-99"};

/* Risk set counts for every person; differences for participants. */
void nt_sim_truth_add(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *b1,
                      const int64_t *w1, const uint8_t *e0, const uint8_t *b0, const int64_t *w0)
{
    int sub0[4], ns0 = subgroups_of(p, sub0), sub[6], ns;
    int kmax = f->index_last;
    if (f->treat_month >= 0 && f->treat_month < kmax) kmax = f->treat_month;
    if (kmax > NT_SIM_START_MONTHS - 1) kmax = NT_SIM_START_MONTHS - 1;
    if (kmax > p->n_observed - 1) kmax = p->n_observed - 1;
    for (int k = 0; k <= kmax; k++) {
        ns = with_year(p, k, sub0, ns0, sub);
        if (k == f->treat_month) T->reg_treated[p->region][k]++;
        else T->reg_controls[p->region][k]++;
        if (k == f->treat_month) {
            for (int s = 0; s < ns; s++) {
                T->treated[f->treat_type][sub[s]][k]++;
                T->treated[0][sub[s]][k]++;
            }
        } else {
            for (int s = 0; s < ns; s++) T->controls[sub[s]][k]++;
        }
    }
    int k = counted_start(p, f, sub, &ns);
    if (k < 0) return;
    nt_sim_truth_add_ttw(T, p, f, e1, e0);
    int fixed = fixed_path(p, k);
    for (int tau = 0; tau < NT_SIM_HORIZON && k + tau < p->n_full; tau++) {
        int t = k + tau;
        int64_t d[3] = {(int64_t)e1[t] - e0[t], w1[t] - w0[t], (int64_t)b1[t] - b0[t]};
        T->reg_cnt[p->region][k][tau]++;
        for (int o = 0; o < 3; o++) T->reg_sum[p->region][k][tau][o] += d[o];
        for (int s = 0; s < ns; s++) {
            int prs[2] = {0, f->treat_type};   /* "any", then the type */
            for (int j = 0; j < 2; j++) {
                T->cnt[prs[j]][sub[s]][k][tau]++;
                for (int o = 0; o < 3; o++) T->sum[prs[j]][sub[s]][k][tau][o] += d[o];
                if (!fixed) continue;
                T->fix_cnt[prs[j]][sub[s]][k][tau]++;
                for (int o = 0; o < 3; o++) T->fix_sum[prs[j]][sub[s]][k][tau][o] += d[o];
            }
        }
    }
}

void nt_sim_truth_add_never(truth_acc *T, const person *p, const path_info *f, const uint8_t *e1, const uint8_t *b1,
                            const int64_t *w1, const uint8_t *en, const uint8_t *bn, const int64_t *wn,
                            const int64_t *c1, const int64_t *cn)
{
    int64_t amount = p->scheme == SCH_WW ? SIM_BENEFIT_WW : SIM_BENEFIT_BIJSTAND;
    int sub[6], ns, k = counted_start(p, f, sub, &ns);
    if (k < 0) return;
    for (int tau = 0; tau < NT_SIM_HORIZON && k + tau < p->n_full; tau++) {
        int t = k + tau;
        int64_t d[3] = {(int64_t)e1[t] - en[t], w1[t] - wn[t], (int64_t)b1[t] - bn[t]};
        for (int s = 0; s < ns; s++) {
            int prs[2] = {0, f->treat_type};
            for (int j = 0; j < 2; j++) {
                for (int o = 0; o < 3; o++) T->nsum[prs[j]][sub[s]][k][tau][o] += d[o];
                T->ncb[prs[j]][sub[s]][k][tau][0] += c1[t] - cn[t];
                T->ncb[prs[j]][sub[s]][k][tau][1] += d[2] * amount;
            }
        }
    }
}

void nt_sim_truth_add_cb(truth_acc *T, const person *p, const path_info *f, const uint8_t *b1, const int64_t *c1,
                         const uint8_t *b0, const int64_t *c0)
{
    int sub[6], ns, k = counted_start(p, f, sub, &ns);
    if (k < 0) return;
    int64_t amount = p->scheme == SCH_WW ? SIM_BENEFIT_WW : SIM_BENEFIT_BIJSTAND;
    int fixed = fixed_path(p, k);
    for (int tau = 0; tau < NT_SIM_HORIZON && k + tau < p->n_full; tau++) {
        int t = k + tau;
        int64_t d[2] = {c1[t] - c0[t], ((int64_t)b1[t] - b0[t]) * amount};
        for (int s = 0; s < ns; s++) {
            int prs[2] = {0, f->treat_type};
            for (int j = 0; j < 2; j++)
                for (int o = 0; o < 2; o++) {
                    T->cb[prs[j]][sub[s]][k][tau][o] += d[o];
                    if (fixed) T->fix_cb[prs[j]][sub[s]][k][tau][o] += d[o];
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
    fprintf(fp, "program,subgroup,outcome,month,true_att,n_treated,true_att_fixed,true_att_never\n");
    const int min_treated = TRUTH_MIN_TREATED;
    int order[NPROG + 1] = {1, 2, 3, 4, 0};
    for (int pi = 0; pi <= NPROG; pi++) {
        int pr = order[pi];
        for (int s = 0; s < NSUB; s++) {
            /* start months the study skips: no treated or no controls (pool_sparse) */
            int use[NT_SIM_START_MONTHS];
            for (int k = 0; k < NT_SIM_START_MONTHS; k++)
                use[k] = T->treated[pr][s][k] >= min_treated && T->controls[s][k] > 0;
            for (int o = 0; o < 3; o++) {
                for (int tau = 0; tau < NT_SIM_HORIZON; tau++) {
                    int64_t sum = 0, n = 0, nsum = 0, fsum = 0, fn = 0;
                    for (int k = 0; k < NT_SIM_START_MONTHS; k++) {
                        if (!use[k]) continue;
                        sum += T->sum[pr][s][k][tau][o];
                        nsum += T->nsum[pr][s][k][tau][o];
                        n += T->cnt[pr][s][k][tau];
                        fsum += T->fix_sum[pr][s][k][tau][o];
                        fn += T->fix_cnt[pr][s][k][tau];
                    }
                    fprintf(fp, "%s,%s,%s,%d,", nt_simulate_program_name(pr ? pr : NPROG + 1), sub_names[s], outcomes[o], tau);
                    if (n > 0) {
                        double v = (double)sum / (double)n;
                        if (o == 1) v /= (double)EARN_L;
                        fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                    }
                    fprintf(fp, ",%lld,", (long long)n);
                    if (fn > 0) {
                        double v = (double)fsum / (double)fn / (o == 1 ? (double)EARN_L : 1.0);
                        fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                    }
                    fprintf(fp, ",");
                    if (n > 0) {
                        double v = (double)nsum / (double)n;
                        if (o == 1) v /= (double)EARN_L;
                        fprintf(fp, "%.10g", v == 0 ? 0.0 : v);
                    }
                    fprintf(fp, "\n");
                }
            }
        }
    }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}


/* The start months the study uses (as nt_sim_truth_write). */
static void used_months(const truth_acc *T, int pr, int s, int *use)
{
    for (int k = 0; k < NT_SIM_START_MONTHS; k++) use[k] = T->treated[pr][s][k] >= TRUTH_MIN_TREATED && T->controls[s][k] > 0;
}

nt_status nt_sim_truth_write_cb(const truth_acc *T, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    fprintf(fp, "program,subgroup,estimand,horizon_months,perspective,discount_rate,incremental_cost,"
                "benefit_savings,earnings_effect,net_benefit\n");
    static const int horizons[5] = {12, 24, 36, 60, NT_SIM_HORIZON};
    static const char *const persp[2] = {"government", "society"};
    const double rates[2] = {0, SIM_DISCOUNT_RATE};
    int order[NPROG + 1] = {1, 2, 3, 4, 0};
    for (int en = 0; en < 3; en++)   /* estimand ATT, ATT_fixed, then ATT_never (against the never path) */
    for (int pi = 0; pi <= NPROG; pi++) {
        int pr = order[pi];
        for (int s = 0; s < NSUB; s++) {
            int use[NT_SIM_START_MONTHS];
            used_months(T, pr, s, use);
            /* true monthly paths: earnings, benefit euros, programme cost euros */
            double th[3][NT_SIM_HORIZON];
            for (int tau = 0; tau < NT_SIM_HORIZON; tau++) {
                int64_t n = 0, e = 0, b = 0, c = 0;
                for (int k = 0; k < NT_SIM_START_MONTHS; k++) {
                    if (!use[k]) continue;
                    n += en == 1 ? T->fix_cnt[pr][s][k][tau] : T->cnt[pr][s][k][tau];
                    e += en == 2 ? T->nsum[pr][s][k][tau][1] : en ? T->fix_sum[pr][s][k][tau][1] : T->sum[pr][s][k][tau][1];
                    c += en == 2 ? T->ncb[pr][s][k][tau][0] : en ? T->fix_cb[pr][s][k][tau][0] : T->cb[pr][s][k][tau][0];
                    b += en == 2 ? T->ncb[pr][s][k][tau][1] : en ? T->fix_cb[pr][s][k][tau][1] : T->cb[pr][s][k][tau][1];
                }
                th[0][tau] = n ? (double)e / (double)EARN_L / (double)n : NAN;
                th[1][tau] = n ? (double)b / (double)n : NAN;
                th[2][tau] = n ? (double)c / 100.0 / (double)n : NAN;
            }
            for (int h = 0; h < 5; h++)
                for (int pp = 0; pp < 2; pp++)
                    for (int ri = 0; ri < 2; ri++) {
                        double e = 0, b = 0, c = 0;
                        for (int tau = 0; tau < horizons[h]; tau++) {
                            double d = rates[ri] == 0 ? 1 : pow(1 + rates[ri], -(double)tau / 12.0);
                            e += d * th[0][tau];
                            b -= d * th[1][tau];
                            c += d * th[2][tau];
                        }
                        double net = (pp == 0 ? b : e) - c;
                        fprintf(fp, "%s,%s,%s,%d,%s,%.10g", nt_simulate_program_name(pr ? pr : NPROG + 1), sub_names[s],
                                en == 2 ? "ATT_never" : en ? "ATT_fixed" : "ATT", horizons[h], persp[pp], rates[ri]);
                        const double v[4] = {c, b, e, net};
                        for (int j = 0; j < 4; j++) {
                            if (isnan(v[j])) fprintf(fp, ",");
                            else fprintf(fp, ",%.10g", v[j] == 0 ? 0.0 : v[j]);
                        }
                        fprintf(fp, "\n");
                    }
        }
    }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}
