/* The matching controls' Abadie-Imbens terms summed over their start months
   (docs/inference.md, "A control at several start months").

   Within one (k, tau) the control term -sqrt(K_jk^2 - KK_jk) e_jk leaves
   the part KK_jk sigma_j^2 of the control's noise to the rows of the treated
   it serves (their y_i - Yhat_i contain it). A person that is a control at
   several start months k has the noise of those roles in different treated
   persons' rows, but their covariance (e_jk and e_jk' at months k + tau and
   k' + tau, or the same month for the cumulative effect, of one person) only
   through its own row. With the terms added per k its row has variance
   (sum_k sqrt(K_jk^2 - KK_jk))^2 sigma^2 where (sum_k K_jk)^2 - sum_k KK_jk
   is due (a persistent outcome). So the store keeps, per person and month
   tau, X = sum_k K_jk e_jk (per outcome), SK = sum_k K_jk and
   D = SK^2 - sum_k KK_jk, and the finish adds the control term
     - s_j(tau) X,   s_j(tau) = sqrt(1 - sum_k KK_jk / SK^2) = sqrt(D) / SK,
   which is -sqrt(K^2 - KK) e for a control of one start month (as before).
   D is kept, not sum KK: a control serving one treated has KK = K^2, and
   1 - SKK / SK^2 from float sums would be rounding (1e-7, s 3e-4); D grows
   by (K^2 - KK) + 2 SK K per role, each part computed in double.
   Rows of NO x H floats for X and 2 x H for SK, D, per estimand, made on
   first use in chunks of NT_DYN_LIN_CHUNK, freed by the finish. */
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_mem.h"

typedef struct nt_dyn_ksum_s {
    int32_t *slot[2];    /* person -> slot (-1 none), per estimand */
    long n_slots[2], n_chunks[2];
    float **chunk[2];    /* slot: X[o * H + tau], then SK[tau], D[tau] */
} nt_dyn_ksum;

void nt_dyn_ksum_free(struct nt_dyn_ksum_s *S)
{
    if (!S) return;
    for (int f = 0; f < 2; f++) {
        for (long c = 0; c < S->n_chunks[f]; c++) free(S->chunk[f][c]);
        free(S->chunk[f]);
        free(S->slot[f]);
    }
    free(S);
}

static size_t stride_of(const nt_dyn_lin *L) { return (size_t)(L->n_outcomes + 2) * (size_t)L->horizon; }

/* The slot of person in estimand f, made on first use; NULL out of memory. */
static float *slot_of(nt_dyn_lin *L, int f, long person)
{
    nt_dyn_ksum *S = L->ks;
    if (!S) {
        if (!(S = L->ks = calloc(1, sizeof *S))) return NULL;
        size_t n = (size_t)(L->n > 0 ? L->n : 1);
        S->slot[0] = malloc(n * sizeof *S->slot[0]);
        S->slot[1] = malloc(n * sizeof *S->slot[1]);
        if (!S->slot[0] || !S->slot[1]) return NULL;   /* freed with L */
        for (size_t i = 0; i < n; i++) S->slot[0][i] = S->slot[1][i] = -1;
    }
    size_t stride = stride_of(L);
    int32_t r = S->slot[f][person];
    if (r < 0) {
        long nr = S->n_slots[f];
        if (nr % NT_DYN_LIN_CHUNK == 0) {
            long c = nr / NT_DYN_LIN_CHUNK;
            float **q = realloc(S->chunk[f], ((size_t)c + 1) * sizeof *q);
            if (!q) return NULL;
            S->chunk[f] = q;
            if (!(q[c] = nt_mem_big_zero(NT_DYN_LIN_CHUNK * stride * sizeof(float)))) return NULL;
            S->n_chunks[f] = c + 1;
        }
        r = S->slot[f][person] = (int32_t)nr;
        S->n_slots[f] = nr + 1;
    }
    return S->chunk[f][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * stride;
}

int nt_dyn_ksum_add(nt_dyn_lin *L, int fixed, int tau, long person, double K, double KK, const double *Ke)
{
    int H = L->horizon, NO = L->n_outcomes;
    for (int f = 0; f <= fixed; f++) {
        float *v = slot_of(L, f, person);
        if (!v) return -1;
        for (int o = 0; o < NO; o++)
            if (!isnan(Ke[o])) v[o * H + tau] = (float)((double)v[o * H + tau] + Ke[o]);
        double sk = v[NO * H + tau];
        v[(NO + 1) * H + tau] = (float)((double)v[(NO + 1) * H + tau] + (K * K - KK) + 2 * sk * K);
        v[NO * H + tau] = (float)(sk + K);
    }
    return 0;
}

int nt_dyn_ksum_merge(nt_dyn_lin *L, int f, const nt_dyn_lin *S)
{
    const nt_dyn_ksum *Q = S->ks;
    if (!Q) return 0;
    size_t stride = stride_of(L);
    for (long person = 0; person < S->n && person < L->n; person++) {
        int32_t r = Q->slot[0][person];
        if (r < 0) continue;
        const float *a = Q->chunk[0][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * stride;
        float *d = slot_of(L, f, person);
        if (!d) return -1;
        int H = L->horizon, NO = L->n_outcomes;
        for (int tau = 0; tau < H; tau++)   /* D of the union: D_L + D_S + 2 SK_L SK_S */
            d[(NO + 1) * H + tau] = (float)((double)d[(NO + 1) * H + tau] + (double)a[(NO + 1) * H + tau] +
                                            2 * (double)d[NO * H + tau] * (double)a[NO * H + tau]);
        for (size_t i = 0; i < (size_t)(NO + 1) * (size_t)H; i++) d[i] = (float)((double)d[i] + (double)a[i]);
    }
    return 0;
}

int nt_dyn_ksum_apply(nt_dyn_lin *L)
{
    nt_dyn_ksum *S = L->ks;
    if (!S) return 0;
    int H = L->horizon, NO = L->n_outcomes;
    size_t stride = stride_of(L);
    for (int f = 0; f < 2; f++)
        for (long person = 0; person < L->n; person++) {
            int32_t r = S->slot[f][person];
            if (r < 0) continue;
            const float *v = S->chunk[f][r / NT_DYN_LIN_CHUNK] + (size_t)(r % NT_DYN_LIN_CHUNK) * stride;
            float *row = nt_dyn_lin_row(L, f, person);
            if (!row) return -1;
            for (int tau = 0; tau < H; tau++) {
                double sk = v[NO * H + tau], dk = v[(NO + 1) * H + tau];
                if (!(sk > 0)) continue;
                double s = sqrt(fmax(dk, 0)) / sk;
                for (int o = 0; o < NO; o++)
                    row[o * H + tau] = (float)((double)row[o * H + tau] - s * (double)v[o * H + tau]);
            }
        }
    nt_dyn_ksum_free(S);
    L->ks = NULL;
    return 0;
}
