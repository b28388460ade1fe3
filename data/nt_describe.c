/* Cohort summary from a store: one pass over the panel in row blocks, sums
   in person order (deterministic), means = sum / persons observed. */
#include "data/nt_describe.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


void nt_describe_free(nt_describe *d)
{
    if (!d) return;
    free(d->n_observed);
    free(d->employed); free(d->earnings); free(d->on_benefit); free(d->on_index_benefit);
    free(d->in_program);
    free(d->earnings_abs); free(d->earnings_top1); free(d->earnings_top2);
    nt_store_levels_free(d->inflow_label, d->n_inflow);
    free(d->inflow_count);
    nt_store_levels_free(d->type_name, d->n_types);
    free(d->starts);
    free(d->starts_later);
    free(d);
}

nt_status nt_store_describe(nt_store *st, nt_describe **out, nt_error *err)
{
    nt_status s = NT_OK;
    const long n = nt_store_persons(st);
    const int H = nt_store_months(st);
    double *buf = NULL, *v = NULL, *v2 = NULL;
    nt_describe *d = calloc(1, sizeof *d);
    if (!d) return nt_fail(err, NT_ENOMEM, "out of memory");
    d->persons = n;
    d->months = H;
    double *mean[NT_SERIES_N];
    d->n_observed = calloc((size_t)H, sizeof(long));
    for (int i = 0; i < NT_SERIES_N; i++) mean[i] = calloc((size_t)H, sizeof(double));
    d->employed = mean[NT_SERIES_EMPLOYED];
    d->earnings = mean[NT_SERIES_EARNINGS];
    d->on_benefit = mean[NT_SERIES_ON_BENEFIT];
    d->on_index_benefit = mean[NT_SERIES_ON_INDEX_BENEFIT];
    d->in_program = mean[NT_SERIES_IN_PROGRAM];
    d->earnings_abs = calloc((size_t)H + 1, sizeof(double));
    d->earnings_top1 = calloc((size_t)H + 1, sizeof(double));
    d->earnings_top2 = calloc((size_t)H + 1, sizeof(double));
    long block = nt_store_chunk_rows(st);
    if (block < 1) block = 1;
    while (block < 4096 && block < n) block *= 2;
    buf = malloc((size_t)block * (size_t)H * sizeof(double) + 1);
    v = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    v2 = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    if (!d->n_observed || !buf || !v || !v2 || !d->earnings_abs || !d->earnings_top1 || !d->earnings_top2) goto nomem;
    for (int i = 0; i < NT_SERIES_N; i++)
        if (!mean[i]) goto nomem;

    for (int series = 0; series < NT_SERIES_N; series++) {
        for (long first = 0; first < n; first += block) {
            long m = n - first < block ? n - first : block;
            if ((s = nt_store_read_rows(st, first, m, (nt_series)series, buf, err))) goto done;
            for (long i = 0; i < m; i++)
                for (int k = 0; k < H; k++) {
                    double x = buf[i * H + k];
                    if (isnan(x)) {
                        if (series == 0) d->censored_months++;
                        continue;
                    }
                    if (series == 0) d->n_observed[k]++;
                    mean[series][k] += series == NT_SERIES_IN_PROGRAM ? (x > 0) : x;
                    if (series != NT_SERIES_EARNINGS) continue;
                    double a = fabs(x);
                    d->earnings_abs[k] += a;
                    if (a > d->earnings_top1[k]) { d->earnings_top2[k] = d->earnings_top1[k]; d->earnings_top1[k] = a; }
                    else if (a > d->earnings_top2[k]) d->earnings_top2[k] = a;
                }
        }
    }
    for (int series = 0; series < NT_SERIES_N; series++)
        for (int k = 0; k < H; k++)
            mean[series][k] = d->n_observed[k] ? mean[series][k] / (double)d->n_observed[k] : NAN;

    if ((s = nt_store_read_covariate(st, "n_observed", v, err))) goto done;
    for (long i = 0; i < n; i++) d->censored_persons += v[i] < H;

    int nl = 0;
    if ((s = nt_store_read_levels(st, "inflow_month", &d->inflow_label, &nl, err))) goto done;
    d->n_inflow = nl;
    d->inflow_count = calloc((size_t)nl + 1, sizeof(long));
    if (!d->inflow_count) goto nomem;
    if ((s = nt_store_read_covariate(st, "inflow_month", v, err))) goto done;
    for (long i = 0; i < n; i++)
        if (v[i] >= 1 && v[i] <= nl) d->inflow_count[(int)v[i] - 1]++;

    if ((s = nt_store_read_levels(st, "treat_type", &d->type_name, &nl, err))) goto done;
    d->n_types = nl;
    d->starts = calloc((size_t)nl * (size_t)H + 1, sizeof(long));
    d->starts_later = calloc((size_t)nl + 1, sizeof(long));
    if (!d->starts || !d->starts_later) goto nomem;
    if ((s = nt_store_read_covariate(st, "treat_type", v, err))) goto done;
    if ((s = nt_store_read_covariate(st, "treat_month", v2, err))) goto done;
    for (long i = 0; i < n; i++) {
        int t = (int)v[i], k = (int)v2[i];
        if (t < 1 || t > nl || k < 0) continue;
        d->n_treated++;
        if (k < H) d->starts[(size_t)(t - 1) * H + k]++;
        else d->starts_later[t - 1]++;
    }
    if ((s = nt_store_read_covariate(st, "exit_dest", v, err))) goto done;
    for (long i = 0; i < n; i++)
        if (v[i] >= 1 && v[i] <= NT_EXIT_N) d->exit_count[(int)v[i] - 1]++;
    goto done;
nomem:
    s = nt_fail(err, NT_ENOMEM, "out of memory");
done:
    free(buf);
    free(v);
    free(v2);
    if (s) {
        nt_describe_free(d);
        return s;
    }
    *out = d;
    return NT_OK;
}
