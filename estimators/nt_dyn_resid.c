/* The signed Abadie-Imbens residuals of one month's observed controls by
   groups of equal score (nt_dyn_lin.c; nt_dyn_internal.h: nt_dyn_resid).

   Control j's residual uses its J nearest observed controls on the score,
   with every control at the J-th distance included (nt_match_resid_many):
   the neighbours are therefore whole groups of equal score, its own group
   (the others in it at distance 0) and the nearest groups on either side
   until at least J are taken, a group on the other side at the same
   distance included. With discrete covariates many controls share a score
   (a group of g observed controls costs g^2 when walked control by
   control, g when its sums are kept): each group keeps its count, sum,
   mean and sum of squared deviations per outcome, and a control's residual
   combines the groups it takes (Chan, Golub & LeVeque 1979):
     M2 = M2_a + M2_b + (mean_b - mean_a)^2 n_a n_b / (n_a + n_b),
     e_j = sign(y_j - mean of the neighbours) sqrt(M2 / got),
   got the neighbours (the set with j has got + 1 members). The sums are
   the walk's up to rounding. */
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct nt_dyn_resid_s {
    long cap_r, cap_g, ng;
    int no;
    long *grp;          /* [rank]: group of the control at that rank (observed ones) */
    long *gn;           /* [g] observed controls */
    double *gs;         /* [g] score */
    double *sum, *mean, *m2;   /* [o * cap_g + g] */
};

void nt_dyn_resid_free(nt_dyn_resid *R)
{
    if (!R) return;
    free(R->grp); free(R->gn); free(R->gs); free(R->sum); free(R->mean); free(R->m2);
    free(R);
}

static int ready(nt_dyn_resid *R, long n, int NO)
{
    if (n + 1 > R->cap_r || NO > R->no) {
        size_t c = (size_t)n + 1;
        free(R->grp); free(R->gn); free(R->gs); free(R->sum); free(R->mean); free(R->m2);
        R->grp = malloc(c * sizeof *R->grp);
        R->gn = malloc(c * sizeof *R->gn);
        R->gs = malloc(c * sizeof *R->gs);
        R->sum = malloc(c * (size_t)(NO ? NO : 1) * sizeof *R->sum);
        R->mean = malloc(c * (size_t)(NO ? NO : 1) * sizeof *R->mean);
        R->m2 = malloc(c * (size_t)(NO ? NO : 1) * sizeof *R->m2);
        if (!R->grp || !R->gn || !R->gs || !R->sum || !R->mean || !R->m2) { R->cap_r = 0; return -1; }
        R->cap_r = R->cap_g = (long)c;
        R->no = NO;
    }
    return 0;
}

int nt_dyn_resid_month(nt_dyn_resid **out, long n, const long *ord, const double *sorted, const uint8_t *skip, int NO,
                       double *const *y)
{
    nt_dyn_resid *R = *out;
    if (!R && !(R = *out = calloc(1, sizeof *R))) return -1;
    if (ready(R, n, NO)) return -1;
    long ng = 0, cg = R->cap_g;
    for (long r = 0; r < n; r++) {
        long j = ord[r];
        if (skip[j]) { R->grp[r] = -1; continue; }
        if (ng == 0 || sorted[r] != R->gs[ng - 1]) {
            R->gs[ng] = sorted[r];
            R->gn[ng] = 0;
            for (int o = 0; o < NO; o++) R->sum[o * cg + ng] = 0;
            ng++;
        }
        long g = ng - 1;
        R->grp[r] = g;
        R->gn[g]++;
        for (int o = 0; o < NO; o++) R->sum[o * cg + g] += y[o][j];
    }
    for (long g = 0; g < ng; g++)
        for (int o = 0; o < NO; o++) {
            R->mean[o * cg + g] = R->sum[o * cg + g] / (double)R->gn[g];
            R->m2[o * cg + g] = 0;
        }
    for (long r = 0; r < n; r++) {   /* the groups' squared deviations, two-pass */
        long g = R->grp[r];
        if (g < 0) continue;
        for (int o = 0; o < NO; o++) {
            double d = y[o][ord[r]] - R->mean[o * cg + g];
            R->m2[o * cg + g] += d * d;
        }
    }
    R->ng = ng;
    return 0;
}

/* Adds group g to the running (n, sum, mean, M2) of every outcome. */
static void take(const nt_dyn_resid *R, long g, int NO, double *n, double *sum, double *mean, double *m2)
{
    long cg = R->cap_g;
    double nb = (double)R->gn[g], na = *n;
    for (int o = 0; o < NO; o++) {
        double mb = R->mean[o * cg + g], d = mb - mean[o];
        sum[o] += R->sum[o * cg + g];
        if (na == 0) { mean[o] = mb; m2[o] = R->m2[o * cg + g]; continue; }
        m2[o] += R->m2[o * cg + g] + d * d * na * nb / (na + nb);
        mean[o] += d * nb / (na + nb);
    }
    *n = na + nb;
}

void nt_dyn_resid_get(const nt_dyn_resid *R, long rank, double s, int J, int NO, const double *yj, double *e)
{
    double n = 0, sum[64] = {0}, mean[64] = {0}, m2[64] = {0};
    long g0 = R->grp[rank], L = g0 - 1, Rg = g0 + 1;
    take(R, g0, NO, &n, sum, mean, m2);
    long got = R->gn[g0] - 1;
    double dJ = 0;
    for (;;) {
        double dl = L >= 0 ? s - R->gs[L] : INFINITY, dr = Rg < R->ng ? R->gs[Rg] - s : INFINITY;
        double d = dl < dr ? dl : dr;
        if (isinf(d) || (got >= J && d > dJ)) break;
        if (dl == d) { take(R, L, NO, &n, sum, mean, m2); got += R->gn[L--]; }
        if (dr == d) { take(R, Rg, NO, &n, sum, mean, m2); got += R->gn[Rg++]; }
        dJ = d;
    }
    for (int o = 0; o < NO; o++) {
        if (got == 0) { e[o] = NAN; continue; }
        e[o] = (yj[o] >= (sum[o] - yj[o]) / (double)got ? 1.0 : -1.0) * sqrt(m2[o] / (double)got);
    }
}
