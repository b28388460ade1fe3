/* The pooled censoring hazard of IPCW (`[estimator] censoring_model =
   pooled`; docs/dynamic.md, "ATT_never and IPCW"):

     c(s) = P(not observed in s | observed in s - 1, data end not in s, X, started)
          = expit(a + x' b + d_piece(s) + g 1{started before s}),

   one logit over all months s >= 1 on the rows (person, s) at risk of
   nt_dyn_ipcw_at_risk's kind 2: observed in s - 1 and the data end not in
   s (the data end is known for everyone and bounds the estimand itself,
   N_k(tau) counts the treated observed by it, so it is no censoring to
   undo; only death and emigration are modelled). Columns: the intercept,
   the person covariates with coefficients common to all months, a dummy
   per piece of CPOOL_PIECE months since inflow but the first (a piece with
   fewer than CPOOL_MIN events or non-events is merged into the one before,
   the last into the one before it), "started". A column constant over the
   rows is left out. The person's rows of one piece with the same
   "started" share their design row, so they are fitted as one binomial
   row (events / rows, case weight rows x copies): the same likelihood and
   estimate with a row per person and piece instead of per month. A logit
   that fails is fitted by Firth's; if that fails too, or there are fewer
   than CPOOL_MIN events, the pooled rate. */
#include "estimators/nt_dyn_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_glm.h"

#define NOMEM(err) nt_fail(err, NT_ENOMEM, "out of memory fitting the pooled censoring model")
#define CPOOL_PIECE 12
#define CPOOL_MIN 10

/* Pieces of CPOOL_PIECE months over 1..M-1, each closed once it has
   CPOOL_MIN events and non-events (else it goes on with the next); the
   rest joins the piece before when it has too few. pst[0..np], pst[np] = M. */
static int pieces(const double *ev, const double *rows, int M, int *pst)
{
    int np = 0;
    double e = 0, r = 0;
    pst[0] = 1;
    for (int s = 1; s < M; s++) {
        e += ev[s];
        r += rows[s];
        if (s % CPOOL_PIECE == 0 && s < M - 1 && e >= CPOOL_MIN && r - e >= CPOOL_MIN) {
            pst[++np] = s + 1;
            e = r = 0;
        }
    }
    if (np > 0 && (e < CPOOL_MIN || r - e < CPOOL_MIN)) np--;
    pst[++np] = M;
    return np;
}

/* The collapsed rows, (person, piece, started) in person order: their
   count into *m, and (z not NULL) the design (q0 candidate columns), the
   rows' copies w and events y. */
static void collapse(const nt_dyn_panel *p, const long *persons, const double *pw, long np, const int *dum, int nd,
                     long *m, double *z, double *y, double *w)
{
    int M = p->months, q0 = 1 + p->p + nd + 1;
    long r = -1, mm = *m;
    for (long a = 0; a < np; a++) {
        long i = persons[a];
        int last = -1;
        int32_t tm = p->treat_month[i];
        for (int s = 1; s < M; s++) {
            int e = nt_dyn_ipcw_at_risk(p, i, s, 2);
            if (e < 0) continue;
            int st = tm >= 0 && tm < s, key = 2 * dum[s] + st;
            if (key != last) {
                last = key;
                r++;
                for (int c = 0; c < q0 && z; c++)
                    z[(size_t)c * (size_t)mm + (size_t)r] = c == 0 ? 1
                                                           : c <= p->p ? p->x[(size_t)(c - 1) * (size_t)p->n + (size_t)i]
                                                           : c <= p->p + nd ? (dum[s] == c - p->p)
                                                           : st;
            }
            if (!z) continue;
            w[r] += pw[a];
            y[r] += pw[a] * e;
        }
    }
    *m = r + 1;
}

nt_status nt_dyn_cpool_fit(const nt_dyn_panel *p, const long *persons, const double *pw, long np, double *ls,
                           nt_dyn_hz *hz, nt_error *err)
{
    int M = p->months;
    size_t MM = (size_t)M;
    double *ev = calloc(MM + 1, sizeof *ev), *rows = calloc(MM + 1, sizeof *rows);
    int *pst = malloc((MM + 2) * sizeof *pst), *dum = malloc((MM + 1) * sizeof *dum);
    if (!ev || !rows || !pst || !dum) { free(ev); free(rows); free(pst); free(dum); return NOMEM(err); }
    for (long a = 0; a < np; a++)
        for (int s = 1; s < M; s++) {
            int e = nt_dyn_ipcw_at_risk(p, persons[a], s, 2);
            if (e < 0) continue;
            rows[s] += pw[a];
            ev[s] += pw[a] * e;
        }
    double E = 0, R = 0;
    for (int s = 1; s < M; s++) { E += ev[s]; R += rows[s]; }
    int npc = M > 1 ? pieces(ev, rows, M, pst) : 0;
    for (int d = 0, s = 1; s < M; s++) {
        while (d + 1 < npc && s >= pst[d + 1]) d++;
        dum[s] = d;
    }
    free(ev);
    free(rows);
    long m = 0;
    int nd = npc > 0 ? npc - 1 : 0, q0 = 1 + p->p + nd + 1;
    collapse(p, persons, pw, np, dum, nd, &m, NULL, NULL, NULL);
    double *z = malloc(((size_t)m + 1) * (size_t)q0 * sizeof *z), *y = calloc((size_t)m + 1, sizeof *y),
           *w = calloc((size_t)m + 1, sizeof *w), *mu = malloc(((size_t)m + 1) * sizeof *mu);
    uint8_t *keep = calloc((size_t)q0, 1);
    if (!z || !y || !w || !mu || !keep) {
        free(z); free(y); free(w); free(mu); free(keep); free(pst); free(dum);
        return NOMEM(err);
    }
    collapse(p, persons, pw, np, dum, nd, &m, z, y, w);
    for (long k = 0; k < m; k++) y[k] = w[k] > 0 ? y[k] / w[k] : 0;
    double rate = R > 0 ? E / R : 0;
    for (long k = 0; k < m; k++) mu[k] = rate;
    nt_status gs = NT_EINPUT;
    int q = 0;
    if (E >= CPOOL_MIN && R - E >= CPOOL_MIN) {
        /* drop the constant columns (compacting z in place, column order kept) */
        for (int c = 0; c < q0; c++) {
            const double *col = z + (size_t)c * (size_t)m;
            int constant = 1;
            for (long k = 1; k < m && constant; k++) constant = col[k] == col[0];
            keep[c] = c == 0 || !constant;
            if (keep[c] && q != c) memmove(z + (size_t)q * (size_t)m, col, (size_t)m * sizeof *z);
            q += keep[c];
        }
        nt_glm_opts go;
        nt_glm_opts_default(&go);
        go.check_separation = 1;
        nt_glm_fit *fit = NULL;
        nt_error e2;
        gs = nt_glm_fit_alloc(z, m, q, y, w, NULL, &go, &fit, &e2);
        if (gs == NT_ENUMERIC) gs = nt_glm_firth_alloc(z, m, q, y, w, &fit, &e2);
        if (gs == NT_OK) memcpy(mu, fit->mu, (size_t)m * sizeof *mu);
        nt_glm_fit_free(fit);
        if (gs == NT_ENOMEM) { free(z); free(y); free(w); free(mu); free(keep); free(pst); free(dum); return NOMEM(err); }
    }
    free(z);
    free(y);
    free(w);
    /* the block for the linearisation: the kept columns, or the intercept alone (the rate) */
    nt_status st = NT_OK;
    if (hz) {
        nt_dyn_hzblock *nb = realloc(hz->b, ((size_t)hz->nb + 1) * sizeof *nb);
        if (!nb) st = NOMEM(err);
        else {
            hz->b = nb;
            nt_dyn_hzblock *B = memset(&hz->b[hz->nb++], 0, sizeof *B);
            B->s0 = B->fs = 1;
            B->s1 = B->lsd = M - 1;
            B->np = npc;
            B->pst = pst;
            pst = NULL;
            if (!(B->col = malloc((size_t)q0 * sizeof *B->col))) st = NOMEM(err);
            for (int c = 0; c < q0 && !st; c++) B->col[c] = (gs == NT_OK ? keep[c] : c == 0) ? B->q++ : -1;
        }
    }
    /* log(1 - c) of the rows at risk (and c into ch), in the collapsed rows' order */
    long r = -1;
    for (long a = 0; a < np && !st; a++) {
        long i = persons[a];
        int last = -1;
        int32_t tm = p->treat_month[i];
        for (int s = 1; s < M; s++) {
            if (nt_dyn_ipcw_at_risk(p, i, s, 2) < 0) continue;
            int key = 2 * dum[s] + (tm >= 0 && tm < s);
            if (key != last) { last = key; r++; }
            double h = mu[r];
            ls[(size_t)i * MM + (size_t)s] = h < 1 ? log1p(-h) : log(1e-12);
            if (hz) hz->ch[(size_t)i * MM + (size_t)s] = h;
        }
    }
    free(mu);
    free(keep);
    free(pst);
    free(dum);
    return st;
}
