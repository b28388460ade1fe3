/* Shared by the survival estimators: input checks and the one sort. */
#include "estimators/nt_surv.h"

#include <math.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

nt_status nt_surv_check(const nt_surv_data *d, long *bad_row, nt_error *err)
{
    for (long i = 0; i < d->n; i++) {
        double e = d->event[i], t = d->stop[i];
        const char *col = NULL, *msg = NULL;
        char buf[160];
        if (!(e == 0 || e == 1)) {
            col = "event";
            snprintf(buf, sizeof buf, "found %.10g, expected 0 or 1", e);
            msg = buf;
        } else if (!isfinite(t) || t < 0) {
            col = "stop";
            snprintf(buf, sizeof buf, "found %.10g, expected a time >= 0", t);
            msg = buf;
        } else if (d->start && (!isfinite(d->start[i]) || d->start[i] < 0)) {
            col = "start";
            snprintf(buf, sizeof buf, "found %.10g, expected a time >= 0", d->start[i]);
            msg = buf;
        } else if (d->start && !(t > d->start[i])) {
            col = "stop";
            snprintf(buf, sizeof buf, "stop %.10g is not after start %.10g; a (start, stop] row needs stop > start",
                     t, d->start[i]);
            msg = buf;
        } else if (d->weight && !(isfinite(d->weight[i]) && d->weight[i] > 0)) {
            col = "weight";
            snprintf(buf, sizeof buf, "found %.10g, expected a weight > 0", d->weight[i]);
            msg = buf;
        } else if (d->strata && (d->strata[i] < 0 || d->strata[i] >= d->n_strata)) {
            col = "strata";
            snprintf(buf, sizeof buf, "stratum code %d out of range", d->strata[i]);
            msg = buf;
        }
        if (col) {
            *bad_row = i;
            nt_fail_at(err, NT_EINPUT, "", 0, col, "%s", msg);
            return NT_EINPUT;
        }
    }
    return NT_OK;
}

/* Order-preserving map of a double to an unsigned integer (-0 == +0). */
static uint64_t key_bits(double x)
{
    uint64_t u;
    if (x == 0) x = 0;
    memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ull);
}

nt_status nt_surv_order(const double *key, const int *stratum, int n_strata, long n,
                        long *order, nt_error *err)
{
    uint64_t *k = malloc((size_t)(n ? n : 1) * sizeof *k);
    uint64_t *k2 = malloc((size_t)(n ? n : 1) * sizeof *k2);
    long *o2 = malloc((size_t)(n ? n : 1) * sizeof *o2);
    long *cnt = malloc((size_t)(n_strata > 65536 ? n_strata + 1 : 65537) * sizeof *cnt);
    if (!k || !k2 || !o2 || !cnt) {
        free(k); free(k2); free(o2); free(cnt);
        return nt_fail(err, NT_ENOMEM, "out of memory sorting %ld rows", n);
    }
    for (long i = 0; i < n; i++) { order[i] = i; k[i] = key_bits(key[i]); }
    /* Four 16-bit passes, least significant first; a pass whose digit is
       the same for every row is skipped. */
    for (int pass = 0; pass < 4; pass++) {
        int sh = 16 * pass;
        memset(cnt, 0, 65537 * sizeof *cnt);
        for (long i = 0; i < n; i++) cnt[((k[i] >> sh) & 0xffff) + 1]++;
        int trivial = 0;
        for (int b = 1; b <= 65536; b++) if (cnt[b] == n) trivial = 1;
        if (trivial) continue;
        for (int b = 0; b < 65536; b++) cnt[b + 1] += cnt[b];
        for (long i = 0; i < n; i++) {
            long pos = cnt[(k[i] >> sh) & 0xffff]++;
            k2[pos] = k[i];
            o2[pos] = order[i];
        }
        uint64_t *tk = k; k = k2; k2 = tk;
        memcpy(order, o2, (size_t)n * sizeof *order);
    }
    if (stratum && n_strata > 1) {   /* stable counting sort by stratum */
        memset(cnt, 0, (size_t)(n_strata + 1) * sizeof *cnt);
        for (long i = 0; i < n; i++) cnt[stratum[i] + 1]++;
        for (int b = 0; b < n_strata; b++) cnt[b + 1] += cnt[b];
        for (long i = 0; i < n; i++) o2[cnt[stratum[order[i]]]++] = order[i];
        memcpy(order, o2, (size_t)n * sizeof *order);
    }
    free(k); free(k2); free(o2); free(cnt);
    return NT_OK;
}

int nt_ldl_decomp(double *a, int p, double toler)
{
    double eps = 0;
    for (int i = 0; i < p; i++) if (fabs(a[i * p + i]) > eps) eps = fabs(a[i * p + i]);
    eps *= toler;
    int rank = 0;
    /* Column j: D_j = a_jj - sum_k L_jk^2 D_k; L_ij = (a_ij - sum_k L_ik L_jk D_k) / D_j,
       kept in the lower triangle (i > j), D on the diagonal. */
    for (int j = 0; j < p; j++) {
        double djj = a[j * p + j];
        for (int k = 0; k < j; k++) djj -= a[j * p + k] * a[j * p + k] * a[k * p + k];
        if (!(djj > eps)) {
            a[j * p + j] = 0;
            for (int i = j + 1; i < p; i++) a[i * p + j] = 0;
            continue;
        }
        a[j * p + j] = djj;
        rank++;
        for (int i = j + 1; i < p; i++) {
            double s = a[i * p + j];
            for (int k = 0; k < j; k++) s -= a[i * p + k] * a[j * p + k] * a[k * p + k];
            a[i * p + j] = s / djj;
        }
    }
    return rank;
}

void nt_ldl_solve(const double *a, int p, double *b)
{
    for (int i = 0; i < p; i++) {          /* L y = b */
        double s = b[i];
        for (int k = 0; k < i; k++) s -= a[i * p + k] * b[k];
        b[i] = s;
    }
    for (int i = 0; i < p; i++) b[i] = a[i * p + i] > 0 ? b[i] / a[i * p + i] : 0;
    for (int i = p - 1; i >= 0; i--) {     /* L' x = y */
        if (a[i * p + i] == 0) { b[i] = 0; continue; }
        double s = b[i];
        for (int k = i + 1; k < p; k++) s -= a[k * p + i] * b[k];
        b[i] = s;
    }
}

void nt_ldl_invert(double *a, int p)
{
    double *inv = calloc((size_t)p * (size_t)p, sizeof *inv);
    double *e = malloc((size_t)p * sizeof *e);
    if (!inv || !e) { free(inv); free(e); for (int i = 0; i < p * p; i++) a[i] = NAN; return; }
    for (int j = 0; j < p; j++) {
        for (int i = 0; i < p; i++) e[i] = i == j;
        nt_ldl_solve(a, p, e);
        for (int i = 0; i < p; i++) inv[i * p + j] = e[i];
    }
    memcpy(a, inv, (size_t)p * (size_t)p * sizeof *a);
    free(inv); free(e);
}
