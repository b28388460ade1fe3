/* Employment paths from a fitted timing-of-events model (see nt_toe_sim.h). */
#include "estimators/nt_toe_sim.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_rng.h"

#define SIM_BLOCK 256
/* Purposes of the uniforms, hashed as (t + 1) U_N + purpose: U_EMP (the
   employment chain after an exit, t >= 0) as (t + 2) U_N, which no other
   purpose uses (U_TYPE only at t = 0), so the other draws are as before it. */
enum { U_TYPE, U_DUR1, U_DUR0, U_EXIT, U_ENTRY, U_N, U_EMP = U_N };

/* The parameter layout of nt_toe.h for these cuts and columns. */
typedef struct {
    int n_pe, n_pp, nl, npo, nx, K, nv, G;
    int o_be, o_eff, o_ap, o_bp, o_al, pb;
    int T, Gp;            /* programme types (1: none), person groups; G = T Gp, or n_eff by eff_map */
    const int *map;       /* T x Gp: the effect group of (type, person group), or NULL: type Gp + group */
    long *dtot;           /* T: observed lengths per type (with types), else NULL */
} layout;

static layout layout_of(const nt_toe_sim_in *in)
{
    layout L;
    const nt_toe_opts *o = in->opts;
    L.n_pe = o->n_exit_cuts + 1;
    L.n_pp = o->n_entry_cuts + 1;
    L.nl = o->n_lockin_cuts + 1;
    L.npo = o->n_post_cuts + 1;
    L.nx = in->nxp + in->ncal;
    L.K = in->fit->K;
    L.o_be = L.n_pe;
    L.o_eff = L.o_be + L.nx;
    L.Gp = in->group && in->n_groups > 1 ? in->n_groups : 1;
    L.T = in->type && in->n_types > 1 ? in->n_types : 1;
    L.map = L.T > 1 ? in->eff_map : NULL;
    L.G = L.map ? in->n_eff : L.T * L.Gp;
    L.dtot = NULL;
    L.o_ap = L.o_eff + L.G * (L.nl + L.npo);
    L.o_bp = L.o_ap + L.n_pp;
    L.pb = L.o_bp + L.nx;
    L.o_al = L.pb;
    L.nv = 2;
    if (in->loss_np > 0) { /* pieces | person covariates | post (one per group) */
        L.pb += in->loss_np + in->nxp + L.G;
        L.nv = 3;
    }
    return L;
}

static int piece(double t, const double *c, int n)
{
    int k = 0;
    while (k < n && c[k] < t) k++;
    return k;
}

static double unif(uint64_t seed, long i, int r, int t, int purpose)
{
    uint64_t x = nt_mix64(seed ^ nt_mix64((uint64_t)i * 0x9e3779b97f4a7c15ULL + (uint64_t)r));
    x = nt_mix64(x ^ ((uint64_t)(t + 1) * U_N + (uint64_t)purpose) * 0xd1342543de82ef95ULL);
    return ((double)(x >> 11) + 0.5) * 0x1.0p-53;
}

/* Linear predictors of person i at months 0..nm-1 (no v, no effect). */
static void predictors(const nt_toe_sim_in *in, const layout *L, const double *th, long i, int nm, double *ee,
                       double *ep)
{
    const nt_toe_opts *o = in->opts;
    double xe = 0, xp = 0;
    for (int j = 0; j < in->nxp; j++) {
        double v = in->xp[(size_t)j * (size_t)in->n + (size_t)i];
        xe += th[L->o_be + j] * v;
        xp += th[L->o_bp + j] * v;
    }
    for (int t = 0; t < nm; t++) {
        double ce = 0, cp = 0;
        for (int c = 0; c < in->ncal; c++)
            if (in->inflow[i] + t >= in->cal_month[c]) {
                ce += th[L->o_be + in->nxp + c];
                cp += th[L->o_bp + in->nxp + c];
            }
        ee[t] = th[piece(t, o->exit_cuts, o->n_exit_cuts)] + xe + ce;
        ep[t] = th[L->o_ap + piece(t, o->entry_cuts, o->n_entry_cuts)] + xp + cp;
        if (t < in->n_off && in->exit_off && in->exit_off[t]) ee[t] = -INFINITY;
        if (t < in->n_off && in->entry_off && in->entry_off[t]) ep[t] = -INFINITY;
    }
}

/* The effect on the exit logit s months after an entry (s >= 1), in the
   programme while s <= D, of effect group g. */
static double effect(const nt_toe_sim_in *in, const layout *L, const double *th, int s, int D, int g)
{
    const nt_toe_opts *o = in->opts;
    int o_g = L->o_eff + g * (L->nl + L->npo);
    if (s <= D) return th[o_g + piece(s, o->lockin_cuts, o->n_lockin_cuts)];
    return th[o_g + L->nl + piece(s, o->post_cuts, o->n_post_cuts)];
}

static int draw_dur(const nt_toe_sim_in *in, const long *dur, long total, double u)
{
    if (total <= 0) return in->horizon;
    double acc = 0, target = u * (double)total;
    for (int d = 0; d < in->n_dur; d++) {
        acc += (double)dur[d];
        if (target < acc) return d;
    }
    return in->n_dur - 1;
}

static double hazard(double eta) { return -expm1(-exp(eta)); }

/* Job loss from month tau to tau + 1 at tenure s: the fitted hazard (thl
   the fit's loss block, xl = x'b_l + v_l of the type, treated: entered
   before the exit; g the effect group) or the untreated loss[d]. */
static double loss_prob(const nt_toe_sim_in *in, const double *thl, double xl, int s, int d, int treated, int g)
{
    if (in->loss_np <= 0) return in->loss[d];
    double eta = thl[piece(s, in->loss_cuts, in->loss_np - 1)] + xl;
    if (treated) eta += thl[in->loss_np + in->nxp + g];
    return hazard(eta);
}

/* The programme type of a later entry in row t of a person of group pg
   (with types): drawn from the observed mix in t's entry piece. */
static int draw_type(const nt_toe_sim_in *in, const layout *L, int t, int pg, double u)
{
    const nt_toe_opts *o = in->opts;
    const double *m = in->mix + ((size_t)piece(t, o->entry_cuts, o->n_entry_cuts) * (size_t)L->Gp + (size_t)pg) * (size_t)L->T;
    double acc = 0;
    for (int q = 0; q < L->T - 1; q++) {
        acc += m[q];
        if (u < acc) return q;
    }
    return L->T - 1;
}

/* The fit's effect group of type q and person group pg. */
static int eff_group(const layout *L, int q, int pg) { return L->map ? L->map[q * L->Gp + pg] : q * L->Gp + pg; }

/* One person's contribution (summed over replications) to y1, y0 [H]. */
static void person_paths(const nt_toe_sim_in *in, const layout *L, const double *th, long i, long dur_total,
                         double *ee, double *ep, double *y1, double *y0)
{
    const double *thl = th + L->o_al;
    int er = in->start[i], k = in->month ? in->month[i] : er, H = in->horizon, K = L->K;
    int pg = L->Gp > 1 ? in->group[i] : 0, ty = L->T > 1 ? in->type[i] : 0, g = eff_group(L, ty, pg);
    const long *dur1 = L->T > 1 ? in->dur_type + (size_t)ty * (size_t)in->n_dur : in->dur;
    long tot1 = L->T > 1 ? L->dtot[ty] : dur_total;
    predictors(in, L, th, i, k + H, ee, ep);
    double ve[NT_TOE_KMAX], vp[NT_TOE_KMAX], vl[NT_TOE_KMAX], lw[NT_TOE_KMAX], Se = 0, Sp = 0, lmax = -INFINITY;
    for (int t = 0; t < er; t++) { Se += exp(ee[t]); Sp += exp(ep[t]); }
    if (k > er) Se += exp(ee[er]); /* no exit in the entry row before the start month */
    for (int j = 0; j < K; j++) {
        ve[j] = j ? th[L->pb + L->nv * (j - 1)] : 0;
        vp[j] = j ? th[L->pb + L->nv * (j - 1) + 1] : 0;
        vl[j] = j && L->nv > 2 ? th[L->pb + L->nv * (j - 1) + 2] : 0;
        double c = j ? th[L->pb + L->nv * (K - 1) + j - 1] : 0;
        lw[j] = c - exp(ve[j]) * Se - exp(vp[j]) * Sp + log(hazard(ep[er] + vp[j]));
        if (lw[j] > lmax) lmax = lw[j];
    }
    double w[NT_TOE_KMAX], sw = 0;
    for (int j = 0; j < K; j++) sw += (w[j] = exp(lw[j] - lmax));
    for (int r = 0; r < in->reps; r++) {
        double u = unif(in->seed, i, r, 0, U_TYPE) * sw, acc = 0;
        int j = 0;
        for (; j < K - 1; j++) {
            acc += w[j];
            if (u < acc) break;
        }
        int D1 = draw_dur(in, dur1, tot1, unif(in->seed, i, r, 0, U_DUR1));
        double ud0 = unif(in->seed, i, r, 0, U_DUR0);
        int D0 = L->T > 1 ? 0 : draw_dur(in, in->dur, dur_total, ud0), g0 = g; /* with types: at the entry */
        int e1 = -1, e0 = -1, k0 = -1;
        for (int tau = 0; tau < H && (e1 < 0 || e0 < 0); tau++) {
            int t = k + tau;
            double ue = unif(in->seed, i, r, t, U_EXIT);
            if (e1 < 0) {
                double eff = t > er ? effect(in, L, th, t - er, D1, g) : 0;
                if (ue < hazard(ee[t] + ve[j] + eff)) e1 = tau;
            }
            if (e0 < 0) {
                double eff = k0 >= 0 ? effect(in, L, th, t - k0, D0, g0) : 0;
                if (ue < hazard(ee[t] + ve[j] + eff)) e0 = tau;
                else if (k0 < 0 && t > er && unif(in->seed, i, r, t, U_ENTRY) < hazard(ep[t] + vp[j])) {
                    k0 = t;
                    if (L->T > 1) { /* its type from the observed mix (its own stream of uniforms) */
                        int q = draw_type(in, L, t, pg, unif(in->seed ^ 0x7479706573ULL, i, r, t, U_ENTRY));
                        g0 = eff_group(L, q, pg);
                        D0 = draw_dur(in, in->dur_type + (size_t)q * (size_t)in->n_dur, L->dtot[q], ud0);
                    }
                }
            }
        }
        if (!in->loss || !in->find) {
            for (int tau = 0; tau < H; tau++) {
                if (e1 >= 0 && tau >= e1) y1[tau] += in->retention[tau - e1];
                if (e0 >= 0 && tau >= e0) y0[tau] += in->retention[tau - e0];
            }
            continue;
        }
        /* after the exit: employed in its month with retention[0], then the
           monthly chain loss / find[d]; finding a job again carries the
           effect by months since entry (the model's effect on job finding),
           losing it the fitted effect on job loss after an entry */
        double xl = vl[j]; /* the type drawn above: the same for the three hazards */
        for (int c = 0; in->loss_np > 0 && c < in->nxp; c++)
            xl += thl[in->loss_np + c] * in->xp[(size_t)c * (size_t)in->n + (size_t)i];
        for (int arm = 0; arm < 2; arm++) {
            int e = arm ? e0 : e1, ka = arm ? k0 : er, D = arm ? D0 : D1, ga = arm ? g0 : g;
            if (e < 0) continue;
            double *y = arm ? y0 : y1;
            int emp = unif(in->seed, i, r, k + e, U_EMP) < in->retention[0], s = 0;
            for (int tau = e; tau < H; tau++) {
                y[tau] += emp;
                if (tau + 1 >= H) break;
                int d = tau - e, t = k + tau + 1;
                double u = unif(in->seed, i, r, t, U_EMP);
                if (emp) {
                    emp = u >= loss_prob(in, thl, xl, s, d, ka >= 0, ga);
                    s++;
                } else {
                    s = 0;
                    double f = in->find[d], eff = ka >= 0 && t - ka >= 1 ? effect(in, L, th, t - ka, D, ga) : 0;
                    emp = u < (f > 0 && f < 1 ? hazard(log(-log1p(-f)) + eff) : f);
                }
            }
        }
    }
}

/* Mean paths at theta (y1, y0 [H]); -1 out of memory. */
static int paths_at(const nt_toe_sim_in *in, const layout *L, const double *th, long dur_total, double *y1,
                    double *y0)
{
    int H = in->horizon, fail = 0;
    long nb = (in->n + SIM_BLOCK - 1) / SIM_BLOCK;
    double *acc = calloc((size_t)nb * 2 * (size_t)H, sizeof *acc);
    int kmax = 0;
    for (long i = 0; i < in->n; i++) {
        int k = in->month ? in->month[i] : in->start[i];
        if (k > kmax) kmax = k;
    }
    if (!acc) return -1;
#pragma omp parallel
    {
        double *ee = malloc((size_t)(kmax + H) * 2 * sizeof *ee);
        if (!ee) {
#pragma omp atomic write
            fail = 1;
        }
#pragma omp for schedule(dynamic, 1)
        for (long b = 0; b < nb; b++) {
            if (!ee) continue;
            double *a1 = acc + (size_t)b * 2 * (size_t)H, *a0 = a1 + H;
            long i1 = (b + 1) * SIM_BLOCK < in->n ? (b + 1) * SIM_BLOCK : in->n;
            for (long i = b * SIM_BLOCK; i < i1; i++) person_paths(in, L, th, i, dur_total, ee, ee + kmax + H, a1, a0);
        }
        free(ee);
    }
    memset(y1, 0, (size_t)H * sizeof *y1);
    memset(y0, 0, (size_t)H * sizeof *y0);
    for (long b = 0; b < nb; b++)
        for (int tau = 0; tau < H; tau++) {
            y1[tau] += acc[(size_t)b * 2 * (size_t)H + (size_t)tau];
            y0[tau] += acc[(size_t)b * 2 * (size_t)H + (size_t)H + (size_t)tau];
        }
    double d = (double)in->n * (double)in->reps;
    for (int tau = 0; tau < H; tau++) { y1[tau] /= d; y0[tau] /= d; }
    free(acc);
    return fail ? -1 : 0;
}

void nt_toe_sim_out_free(nt_toe_sim_out *o)
{
    if (!o) return;
    free(o->att);
    free(o);
}

/* L (p x p, row-major lower) with L L' = V; -1 if V is not positive definite. */
static int cholesky(const double *V, int p, double *Lm)
{
    memcpy(Lm, V, (size_t)p * (size_t)p * sizeof *Lm);
    for (int j = 0; j < p * p; j++)
        if (!isfinite(Lm[j])) return -1;
    gsl_matrix_view v = gsl_matrix_view_array(Lm, (size_t)p, (size_t)p);
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    int rc = gsl_linalg_cholesky_decomp1(&v.matrix);
    gsl_set_error_handler(old);
    if (rc) return -1;
    for (int r = 0; r < p; r++)
        for (int c = r + 1; c < p; c++) Lm[(size_t)r * (size_t)p + (size_t)c] = 0;
    return 0;
}

nt_status nt_toe_sim_paths(const nt_toe_sim_in *in, nt_toe_sim_out **out, nt_error *err)
{
    layout L = layout_of(in);
    int H = in->horizon, p = in->fit->p, B = in->draws;
    if (p != L.pb + (L.nv + 1) * (L.K - 1) || H < 1 || in->reps < 1 || in->n < 1)
        return nt_fail(err, NT_EUSAGE, "timing-of-events paths: the fit does not match the layout, or nothing to simulate");
    if (in->loss_np > 0 && (!in->find || (in->loss_np > 1 && !in->loss_cuts)))
        return nt_fail(err, NT_EUSAGE, "timing-of-events paths: a job-loss hazard without its cuts or the "
                       "job-finding chain");
    if (L.T > 1 && (!in->mix || !in->dur_type))
        return nt_fail(err, NT_EUSAGE, "timing-of-events paths: effects by programme type without the mix or the lengths");
    for (int c = 0; L.map && c < L.T * L.Gp; c++)
        if (L.map[c] < 0 || L.map[c] >= L.G)
            return nt_fail(err, NT_EUSAGE, "timing-of-events paths: the effect-group map points outside the fit's groups");
    for (long i = 0; i < in->n; i++)
        if (in->start[i] < 0 || (L.Gp > 1 && (in->group[i] < 0 || in->group[i] >= L.Gp)) ||
            (L.T > 1 && (in->type[i] < 0 || in->type[i] >= L.T)) ||
            (in->month && (in->month[i] < in->start[i] || in->month[i] > in->start[i] + 1)))
            return nt_fail(err, NT_EUSAGE, "timing-of-events paths: a negative start month, one not in or "
                           "after its entry row, or an effect group out of range");
    nt_toe_sim_out *o = calloc(1, sizeof *o);
    double *mem = o ? calloc((size_t)H * 10, sizeof *mem) : NULL;
    if (o) o->att = mem;
    double *bt = malloc((size_t)(B > 0 ? B : 1) * 2 * (size_t)H * sizeof *bt);
    double *Lm = malloc((size_t)p * (size_t)p * sizeof *Lm), *th = malloc((size_t)p * sizeof *th);
    double *z = malloc((size_t)p * sizeof *z), *w1 = malloc((size_t)H * 2 * sizeof *w1);
    nt_status s = NT_OK;
    if (!o || !mem || !bt || !Lm || !th || !z || !w1) {
        s = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    o->horizon = H;
    o->att = mem; o->se = mem + H; o->lower = mem + 2 * H; o->upper = mem + 3 * H;
    o->cum = mem + 4 * H; o->cum_se = mem + 5 * H; o->cum_lower = mem + 6 * H; o->cum_upper = mem + 7 * H;
    o->y1 = mem + 8 * H; o->y0 = mem + 9 * H;
    long dur_total = 0, *dtot = calloc((size_t)L.T, sizeof *dtot);
    if (!dtot) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int d = 0; d < in->n_dur; d++) dur_total += in->dur[d];
    for (int q = 0; L.T > 1 && q < L.T; q++)
        for (int d = 0; d < in->n_dur; d++) dtot[q] += in->dur_type[(size_t)q * (size_t)in->n_dur + (size_t)d];
    L.dtot = dtot;
    if (paths_at(in, &L, in->fit->coef, dur_total, o->y1, o->y0)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int tau = 0; tau < H; tau++) {
        o->att[tau] = o->y1[tau] - o->y0[tau];
        o->cum[tau] = o->att[tau] + (tau ? o->cum[tau - 1] : 0);
    }
    int ok = B > 1 && !cholesky(in->fit->cov_cluster, p, Lm);
    for (int b = 0; ok && b < B; b++) {
        nt_rng rng;
        nt_rng_init(&rng, nt_mix64(in->seed ^ 0x746f6564726177ULL), (uint64_t)b + 1);
        for (int j = 0; j < p; j++) z[j] = nt_rng_normal(&rng);
        for (int r = 0; r < p; r++) {
            th[r] = in->fit->coef[r];
            for (int c = 0; c <= r; c++) th[r] += Lm[(size_t)r * (size_t)p + (size_t)c] * z[c];
        }
        if (paths_at(in, &L, th, dur_total, w1, w1 + H)) { s = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
        double c = 0;
        for (int tau = 0; tau < H; tau++) {
            double a = w1[tau] - w1[H + tau];
            c += a;
            bt[(size_t)b * 2 * (size_t)H + (size_t)tau] = a;
            bt[(size_t)b * 2 * (size_t)H + (size_t)H + (size_t)tau] = c;
        }
    }
    o->draws_used = ok ? B : 0;
    double level = in->level > 0 && in->level < 1 ? in->level : 0.95, zq = gsl_cdf_ugaussian_Pinv(0.5 + level / 2);
    for (int q = 0; q < 2; q++)
        for (int tau = 0; tau < H; tau++) {
            double m = 0, v = 0, est = q ? o->cum[tau] : o->att[tau];
            for (int b = 0; ok && b < B; b++) m += bt[(size_t)b * 2 * (size_t)H + (size_t)q * H + (size_t)tau];
            m /= B;
            for (int b = 0; ok && b < B; b++) {
                double d = bt[(size_t)b * 2 * (size_t)H + (size_t)q * H + (size_t)tau] - m;
                v += d * d;
            }
            double se = ok ? sqrt(v / (B - 1)) : NAN;
            (q ? o->cum_se : o->se)[tau] = se;
            (q ? o->cum_lower : o->lower)[tau] = est - zq * se;
            (q ? o->cum_upper : o->upper)[tau] = est + zq * se;
        }
done:
    free(L.dtot);
    free(bt);
    free(Lm);
    free(th);
    free(z);
    free(w1);
    if (s) nt_toe_sim_out_free(o);
    else *out = o;
    return s;
}
