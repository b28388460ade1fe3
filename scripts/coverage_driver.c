/* scripts/coverage's driver: one study folder written by `netto simulate`,
   one method, the dynamic estimator with the per-person linearisation and
   the multiplier bootstrap (estimators/nt_dyn_infer.h), one CSV row per
   outcome and month. Optionally the full person bootstrap (B_full
   replicates re-fitting everything, as the study run does) for its SEs.

   usage: coverage_driver STUDY.ini METHODS B SEED OUT [PROGRAM] [B_FULL]
   METHODS: comma-separated (one ingest for all); OUT: a file name with
   %s for the method, e.g. est_%s_1.csv. A method name may end in _never
   (the estimand ATT_never) and/or _ipcw (censoring weights), e.g.
   radius_never_ipcw (estimators/nt_dyn_ipcw.c), then optionally _tNN:
   [estimator] ipcw_truncate = 0.NN, e.g. ipw_ipcw_t99 (else the study's); _cp anywhere after the
   method: censoring_model = pooled, e.g. ipw_ipcw_cp. Beside each OUT file the
   per-start-month estimates and SEs (effects_by_start.csv's) in
   OUT.by_start.csv. With IPCW the rows end in the censoring weights' tail
   of the month (nt_dynamic.h wtail_n, wtail_ess, wtail_top; else NaN).

   Linked against the libraries; not part of netto (the study run gets the
   same through [inference] method = linearised once wired). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/nt_rng.h"
#include "core/nt_series.h"
#include "data/nt_ingest.h"
#include "data/nt_panel.h"
#include "data/nt_store.h"
#include "estimators/nt_dyn_infer.h"
#include "estimators/nt_dynamic.h"
#include "estimators/nt_method.h"
#include "study/nt_run.h"
#include "study/nt_study.h"

static int die(const nt_error *e)
{
    fprintf(stderr, "coverage_driver: %s\n", e->msg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: coverage_driver STUDY.ini METHOD B SEED OUT.csv [PROGRAM] [B_FULL]\n");
        return 2;
    }
    nt_error err;
    nt_study *st = NULL;
    if (nt_study_read(argv[1], &st, &err)) return die(&err);
    int B = atoi(argv[3]);
    uint64_t seed = strtoull(argv[4], NULL, 10);
    const char *program = argc > 6 ? argv[6] : "any";
    int B_full = argc > 7 ? atoi(argv[7]) : 0;

    char store_path[4096], rejects[4096];
    snprintf(store_path, sizeof store_path, "%s.store.h5", argv[5]);
    snprintf(rejects, sizeof rejects, "%s.rejects.csv", argv[5]);
    int need = st->start_last + st->horizon;
    nt_ingest_opts io;
    memset(&io, 0, sizeof io);
    const char *paths[4] = {st->persons_path, st->benefits_path, st->programs_path, st->jobs_path};
    for (int f = 0; f < 4; f++) io.spells.path[f] = paths[f];
    io.spells.person_key = st->person_key;
    io.spells.cp1252 = st->cp1252;
    io.spells.decimal = st->decimal;
    io.spells.lenient = st->lenient;
    io.spells.ignore_unknown_persons = st->ignore_unknown_persons;
    io.spells.data_end = st->data_end;
    io.cohort.n_schemes = st->n_schemes;
    io.cohort.schemes = (const char *const *)st->schemes;
    io.cohort.inflow_from = st->inflow_from;
    io.cohort.inflow_to = st->inflow_to;
    io.cohort.horizon = need;
    io.store_path = store_path;
    io.rejects_path = rejects;
    nt_spells_report sr;
    if (nt_ingest(&io, NULL, NULL, &sr, &err)) return die(&err);
    nt_store *store = NULL;
    if (nt_store_open(store_path, &store, &err)) return die(&err);
    int code = 0;
    if (strcasecmp(program, "any")) {
        const char *const *names;
        int nt = nt_store_program_types(store, &names);
        for (int t = 0; t < nt && !code; t++)
            if (!strcasecmp(names[t], program)) code = t + 1;
        if (!code) { fprintf(stderr, "programme %s not in the data\n", program); return 2; }
    }
    nt_panel *p = NULL;
    nt_dyn_panel view;
    if (strstr(argv[2], "_never")) st->never = 1;   /* risk-set data through the horizon */
    if (nt_run_panel_load(st, store, &p, &view, &err)) return die(&err);
    long *units = malloc((size_t)p->n * sizeof *units), nu = 0;
    for (long i = 0; i < p->n; i++)
        if (p->included[i]) units[nu++] = i;
    char list[256];
    snprintf(list, sizeof list, "%s", argv[2]);
    for (char *save = NULL, *mname = strtok_r(list, ",", &save); mname; mname = strtok_r(NULL, ",", &save)) {
    /* radius_ba: radius with the regression bias adjustment; radius: without. */
    char base[64];
    snprintf(base, sizeof base, "%s", mname);
    char *suf;
    double trunc = st->ipcw_truncate;   /* a suffix _tNN: ipcw_truncate = 0.NN */
    if ((suf = strstr(base, "_t")) && suf[2] >= '0' && suf[2] <= '9') {
        char q[32];
        snprintf(q, sizeof q, "0.%s", suf + 2);
        trunc = atof(q);
        *suf = 0;
    }
    int cmodel = st->censoring_model;   /* a suffix _cp: censoring_model = pooled */
    if ((suf = strstr(base, "_cp"))) { cmodel = 1; memmove(suf, suf + 3, strlen(suf + 3) + 1); }
    int ipcw = (suf = strstr(base, "_ipcw")) != NULL;
    if (suf) *suf = 0;
    int never = (suf = strstr(base, "_never")) != NULL;
    if (suf) *suf = 0;
    int ba = !strcasecmp(base, "radius_ba");
    int method = nt_method_parse(ba ? "radius" : base);
    if (method < 0) { fprintf(stderr, "unknown method %s\n", mname); return 2; }
    char outname[4096];
    snprintf(outname, sizeof outname, argv[5], mname);

    nt_dyn_opts d;
    nt_dyn_opts_default(&d);
    d.program = code;
    d.start_first = st->start_first;
    d.start_last = st->start_last;
    d.start_interval = st->start_interval;
    d.horizon = st->horizon;
    d.method = (nt_method)method;
    d.neighbors = st->neighbors;
    d.replace = st->replace;
    d.caliper = st->caliper;
    d.trim = st->trim;
    d.history = st->history;
    d.radius_factor = st->radius_factor;
    d.bias_adjust = ba;
    d.kernel = st->kernel;
    d.bandwidth = st->bandwidth;
    d.ai_neighbors = st->ai_neighbors;
    d.min_treated = st->min_treated;
    d.pool_sparse = st->pool_sparse;
    d.never = never;
    d.censoring = ipcw;
    d.ipcw_truncate = trunc;
    d.censoring_model = cmodel;
    nt_dyn_lin *L = NULL;
    if (nt_dyn_lin_alloc(p->n, d.horizon, p->n_outcomes, &L, &err)) return die(&err);
    d.lin = L;
    nt_dyn_result *r = NULL;
    if (nt_dyn_estimate(&view, units, nu, &d, &r, &err)) return die(&err);
    int lib[64];
    for (int o = 0; o < p->n_outcomes && o < 64; o++) lib[o] = nt_series_less_is_better(nt_series_find(st->series[o]));
    nt_infer_opts io2 = {.B = B, .seed = seed, .level = 0.95, .less_is_better = lib};
    nt_dyn_inference *inf = NULL;
    if (nt_dyn_infer(L, r, &io2, &inf, &err)) return die(&err);

    /* Full person bootstrap: sd of the replicates' ATT(tau) and cumulative. */
    int H = d.horizon, NO = p->n_outcomes;
    double *bs = NULL, *bs_cum = NULL;
    size_t nks = (size_t)r->n_k * NO * H;   /* per start month: the replicates' sums of ATT_k(tau) */
    double *ks1 = calloc(nks + 1, sizeof *ks1), *ks2 = calloc(nks + 1, sizeof *ks2);
    long *kcnt = calloc(nks + 1, sizeof *kcnt);
    if (B_full > 0) {
        double *s1 = calloc((size_t)NO * H * 2, sizeof *s1), *s2 = calloc((size_t)NO * H * 2, sizeof *s2);
        long *cnt = calloc((size_t)NO * H * 2, sizeof *cnt);
        long *draw = malloc((size_t)nu * sizeof *draw);
        for (int b = 0; b < B_full; b++) {
            nt_rng g;
            nt_rng_init(&g, seed ^ 0x5bd1e995u, (uint64_t)b);
            for (long i = 0; i < nu; i++) draw[i] = units[nt_rng_below(&g, (uint64_t)nu)];
            nt_dyn_opts db = d;
            db.lin = NULL;
            db.warm = r;
            db.glm_epsilon = 1e-6;
            nt_dyn_result *rb = NULL;
            if (nt_dyn_estimate(&view, draw, nu, &db, &rb, &err)) continue;
            for (int o = 0; o < NO; o++) {
                double cum = 0;
                for (int tau = 0; tau < H; tau++) {
                    double v = rb->att[o * H + tau];
                    cum += v;
                    size_t k = (size_t)o * H + tau, kc = (size_t)(NO + o) * H + tau;
                    if (!isnan(v)) { s1[k] += v; s2[k] += v * v; cnt[k]++; }
                    if (!isnan(cum)) { s1[kc] += cum; s2[kc] += cum * cum; cnt[kc]++; }
                }
            }
            for (int kb = 0; kb < rb->n_k; kb++)   /* the same start month in the estimate */
                for (int k = 0; k < r->n_k; k++) {
                    if (r->k_month[k] != rb->k_month[kb] || rb->k_skipped[kb]) continue;
                    for (size_t s = 0; s < (size_t)NO * H; s++) {
                        double v = rb->k_att[(size_t)kb * NO * H + s];
                        size_t q = (size_t)k * NO * H + s;
                        if (!isnan(v)) { ks1[q] += v; ks2[q] += v * v; kcnt[q]++; }
                    }
                }
            nt_dyn_result_free(rb);
        }
        bs = malloc((size_t)NO * H * sizeof *bs);
        bs_cum = malloc((size_t)NO * H * sizeof *bs_cum);
        for (size_t k = 0; k < (size_t)NO * H; k++) {
            size_t kc = k + (size_t)NO * H;
            bs[k] = cnt[k] > 1 ? sqrt((s2[k] - s1[k] * s1[k] / cnt[k]) / (cnt[k] - 1)) : NAN;
            bs_cum[k] = cnt[kc] > 1 ? sqrt((s2[kc] - s1[kc] * s1[kc] / cnt[kc]) / (cnt[kc] - 1)) : NAN;
        }
        free(s1); free(s2); free(cnt); free(draw);
    }

    /* ESTIMAND=ATT_fixed: the fixed-composition path (the inference's series NO + o) in OUT;
       otherwise the ATT (or ATT_never) in OUT and the fixed path beside it in OUT.fixed.csv */
    const char *en = getenv("ESTIMAND");
    int fx0 = en && !strcmp(en, "ATT_fixed");
    for (int fx = fx0; fx < 2; fx++) {
    char fname[4200];
    snprintf(fname, sizeof fname, "%s", outname);
    if (fx > fx0) {
        char *fd = strrchr(fname, '.');
        if (fd && !strcmp(fd, ".csv")) *fd = 0;
        strncat(fname, ".fixed.csv", sizeof fname - strlen(fname) - 1);
    }
    FILE *out = fopen(fname, "w");
    if (!out) { perror(fname); return 1; }
    fprintf(out, "method,outcome,month,n_treated,att,se,lower,upper,band_lower,band_upper,cum,cum_se,"
                 "cum_band_lower,cum_band_upper,draw_sd,boot_se,boot_cum_se,breakeven,breakeven_lower,"
                 "breakeven_upper,breakeven_band,lockin_depth,lockin_month,wtail_n,wtail_ess,wtail_top\n");
    const double *att = fx ? r->att_fixed : r->att;
    const long *ntm = fx ? r->n_treated_matched_fixed : r->n_treated_matched;
    for (int o0 = 0; o0 < NO; o0++)
        for (int tau = 0; tau < H; tau++) {
            int o = fx * NO + o0;
            size_t k = (size_t)o * H + tau;
            fprintf(out, "%s,%s,%d,%ld,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,"
                         "%.10g,%g,%g,%g,%g,%.10g,%g,%.10g,%.10g,%.10g\n",
                    mname, st->series[o0], tau, ntm[tau], att[(size_t)o0 * H + tau], inf->se[k], inf->lower[k],
                    inf->upper[k], inf->band_lower[k], inf->band_upper[k], inf->cum[k], inf->cum_se[k],
                    inf->cum_band_lower[k], inf->cum_band_upper[k], inf->draw_sd[k], bs && !fx ? bs[k] : NAN,
                    bs_cum && !fx ? bs_cum[k] : NAN, inf->breakeven[o], inf->breakeven_lower[o], inf->breakeven_upper[o],
                    inf->breakeven_band[o], inf->lockin_depth[o], inf->lockin_month[o],
                    r->wtail_n ? r->wtail_n[tau] : NAN, r->wtail_ess ? r->wtail_ess[tau] : NAN,
                    r->wtail_top ? r->wtail_top[tau] : NAN);
        }
    fclose(out);
    }
    /* Per start month (effects_by_start.csv's ATT_k(tau) and se): OUT with
       .csv -> .by_start.csv, rows of the start months used. */
    char kname[4200];
    snprintf(kname, sizeof kname, "%s", outname);
    char *dot = strrchr(kname, '.');
    if (dot && !strcmp(dot, ".csv")) *dot = 0;
    strncat(kname, ".by_start.csv", sizeof kname - strlen(kname) - 1);
    FILE *ko = fopen(kname, "w");
    if (!ko) { perror(kname); return 1; }
    fprintf(ko, "method,outcome,start_month,month,n_treated,att,se,boot_se\n");
    for (int k = 0; k < r->n_k; k++)
        for (int o = 0; o < NO && !r->k_skipped[k]; o++)
            for (int tau = 0; tau < H; tau++) {
                size_t slot = ((size_t)k * NO + o) * H + tau;
                if (isnan(r->k_att[slot])) continue;
                double bk = kcnt[slot] > 1 ? sqrt(fmax(ks2[slot] - ks1[slot] * ks1[slot] / kcnt[slot], 0) / (kcnt[slot] - 1)) : NAN;
                fprintf(ko, "%s,%s,%d,%d,%ld,%.10g,%.10g,%.10g\n", mname, st->series[o], r->k_month[k], tau,
                        r->k_contrib[(size_t)k * H + tau], r->k_att[slot], r->k_se[slot], bk);
            }
    fclose(ko);
    free(bs);
    free(bs_cum);
    free(ks1); free(ks2); free(kcnt);
    nt_dyn_inference_free(inf);
    nt_dyn_lin_free(L);
    nt_dyn_result_free(r);
    }
    unlink(store_path);
    unlink(rejects);
    free(units);
    nt_panel_free(p);
    nt_store_close(store);
    nt_study_free(st);
    return 0;
}
