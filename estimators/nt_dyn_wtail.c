/* The censoring weights' tail (issue 14; docs/dynamic.md, "When the
   weights rest on a few persons"): per month tau since start, how many
   persons the IPCW weights W(k, k + tau) effectively rest on. For each
   start month k, over the persons of the units observed in t = k + tau
   (copies counted), n_k = sum c, Kish's effective number
   ESS_k = (sum c W)^2 / sum c W^2 and the largest weight's share
   max W / sum c W; W as the estimate uses it (nt_dyn_wt's censoring part,
   capped with ipcw_truncate). Then r->wtail_n[tau] = N = sum_k n_k,
   r->wtail_ess[tau] = N^2 / sum_k n_k^2 / ESS_k, Kish's effective number
   of the weights pooled over start months with each start month's
   weights scaled to sum to its persons n_k (a start month counts in the
   monthly ATT by about its persons; one heavy cell pulls it down, a
   plain sum of the ESS_k would hide it among the others), and
   r->wtail_top[tau] = max_k of the share.
   Facts only: the run's warning (study/nt_run.c) judges them. Per start
   month in parallel, summed in start-month order: the same for any thread
   count. */
#include <math.h>
#include <stdlib.h>

#include "estimators/nt_dyn_internal.h"

nt_status nt_dyn_wtail(const nt_dyn_panel *p, const long *unit_person, long n_units, const nt_dyn_opts *o,
                       nt_dyn_result *r, nt_error *err)
{
    if (!p->ls_cens || p->time_fixed) return NT_OK;
    int H = o->horizon, K0 = o->start_first, NK = o->start_last - o->start_first + 1;
    if (NK <= 0 || H <= 0) return NT_OK;
    double *cnt = calloc((size_t)p->n + 1, sizeof *cnt);
    long *persons = malloc(((size_t)p->n + 1) * sizeof *persons);
    double *cell = malloc((size_t)NK * (size_t)H * 3 * sizeof *cell);   /* [k][tau]: n, ESS, top share */
    r->wtail_ess = malloc((size_t)H * sizeof *r->wtail_ess);
    r->wtail_n = malloc((size_t)H * sizeof *r->wtail_n);
    r->wtail_top = malloc((size_t)H * sizeof *r->wtail_top);
    if (!cnt || !persons || !cell || !r->wtail_ess || !r->wtail_n || !r->wtail_top) {
        free(cnt); free(persons); free(cell);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    for (long u = 0; u < n_units; u++) cnt[unit_person[u]] += (double)nt_dyn_ucount(o->unit_count, u);
    long np = 0;
    for (long i = 0; i < p->n; i++)
        if (cnt[i] > 0) { persons[np] = i; cnt[np++] = cnt[i]; }
#pragma omp parallel for schedule(dynamic, 1)
    for (int ki = 0; ki < NK; ki++) {
        int k = K0 + ki;
        for (int tau = 0; tau < H; tau++) {
            int t = k + tau;
            double n = 0, s1 = 0, s2 = 0, mx = 0;
            for (long a = 0; t < p->months && a < np; a++) {
                long pe = persons[a];
                if (p->n_observed[pe] <= t) continue;
                double lw;
                nt_dyn_cens_capped(p, pe, k, t, &lw);
                double w = exp(lw), c = cnt[a];
                n += c;
                s1 += c * w;
                s2 += c * w * w;
                if (w > mx) mx = w;
            }
            double *q = cell + ((size_t)ki * (size_t)H + (size_t)tau) * 3;
            q[0] = n;
            q[1] = s2 > 0 ? s1 * s1 / s2 : 0;
            q[2] = s1 > 0 ? mx / s1 : 0;
        }
    }
    for (int tau = 0; tau < H; tau++) {
        double n = 0, e = 0, top = 0;
        for (int ki = 0; ki < NK; ki++) {
            const double *q = cell + ((size_t)ki * (size_t)H + (size_t)tau) * 3;
            if (!(q[1] > 0)) continue;
            n += q[0];
            e += q[0] * q[0] / q[1];
            if (q[2] > top) top = q[2];
        }
        r->wtail_n[tau] = n;
        r->wtail_ess[tau] = e > 0 ? n * n / e : 0;
        r->wtail_top[tau] = top;
    }
    free(cnt);
    free(persons);
    free(cell);
    return NT_OK;
}
