/* The credibility figure of each programme (docs/credibility.md):
   plots/<programme>/credibility.png and .pdf, from the numbers placebo.csv
   and sensitivity.csv show (already through report/nt_disclose: a month
   or figure not shown is NaN and not drawn).
     left   the placebo path of employed and on_benefit over the window
            (percentage points), with the sup-t band;
     right  the critical Gamma of the cumulative effect of the first
            series at each summary horizon (a bar from 1, no hidden bias,
            to the Gamma at which it stops being significant). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"
#include "report/nt_doc.h"
#include "report/nt_plot.h"
#include "report/nt_report.h"
#include "study/nt_run_cred.h"
#include "study/nt_run_parts.h"

typedef struct nt_cred_fig {
    const nt_run_state *P;
    const nt_cred_state *C;
    int pi;
    double *buf;   /* 2 series x 3 x window */
} fig;

/* The figure's text in the report's language (the canvas's). */
static const char *L(const nt_plot_canvas *cv, const char *en, const char *nl) { return cv->lang == NT_LANG_NL ? nl : en; }

static void draw(nt_plot_canvas *cv, double w, double h, const void *arg)
{
    const fig *F = arg;
    const nt_cred_state *C = F->C;
    char title[200], xl[200];
    int placebo = C->placebo_months > 0 && C->placebo[F->pi].estimate;
    double half = placebo && C->pairs ? w / 2 : w, left = placebo ? half : 0;
    if (placebo) {
        const nt_cred_placebo *pl = &C->placebo[F->pi];
        int W = C->placebo_months;
        static const int series[2] = {0, 2};   /* employed, on_benefit */
        nt_plot_series s[2];
        for (int q = 0; q < 2; q++) {
            double *y = F->buf + (size_t)q * 3 * W, *lo = y + W, *hi = y + 2 * W;
            for (int tau = 0; tau < W; tau++) {
                size_t k = (size_t)series[q] * W + tau;
                int ok = pl->shown[k];
                y[tau] = ok ? pl->estimate[k] : NAN;
                lo[tau] = ok ? pl->lower[k] : NAN;
                hi[tau] = ok ? pl->upper[k] : NAN;
            }
            s[q] = (nt_plot_series){.y = y, .band_lower = lo, .band_upper = hi};
            nt_plot_colour(q, s[q].rgb);
        }
        snprintf(title, sizeof title, L(cv, "Placebo: employed and on benefit, %d to %d months before inflow",
                                         "Placebo: werkend en in uitkering, %d tot %d maanden voor instroom"),
                 -C->placebo_first, -(C->placebo_first + W - 1));
        snprintf(xl, sizeof xl, "%s", L(cv, "month relative to inflow (\u22121: the month before)",
                                        "maand ten opzichte van instroom (\u22121: de maand ervoor)"));
        nt_plot_paths p = {.title = title, .x_label = xl,
                           .y_label = L(cv, "participants \u2212 controls, percentage points",
                                        "deelnemers \u2212 controles, procentpunten"),
                           .y_scale = 100, .n_months = W, .n_series = 2, .series = s, .marker = NAN,
                           .note = L(cv, "dashed: simultaneous 95% band", "gestreept: simultane 95%-band")};
        nt_plot_axes ax = {.x_first = C->placebo_first};
        nt_plot_draw_paths_axes(cv, 0, 0, half, h - 18, &p, &ax);
        double x = nt_plot_legend(cv, 40, h - 8, 0, s[0].rgb, 1, L(cv, "employed", "werkend"));
        nt_plot_legend(cv, x + 12, h - 8, 0, s[1].rgb, 1, L(cv, "on benefit", "in uitkering"));
    }
    nt_plot_row rows[NT_CRED_MAX_H];
    char lab[NT_CRED_MAX_H][32], txt[NT_CRED_MAX_H][32];
    int n = 0;
    for (int hi = 0; hi < F->P->n_horizons && hi < NT_CRED_MAX_H; hi++) {
        double g = C->sens_gamma[F->pi * NT_CRED_MAX_H + hi];
        snprintf(lab[n], sizeof lab[n], L(cv, "%d months", "%d maanden"), F->P->horizons[hi]);
        if (isnan(g)) snprintf(txt[n], sizeof txt[n], "x");
        else if (g >= 10) snprintf(txt[n], sizeof txt[n], "\u2265 10");
        else nt_lang_num(cv->lang, g, 2, txt[n], sizeof txt[n]);
        rows[n] = (nt_plot_row){.label = lab[n], .text = txt[n], .est = g, .lower = isnan(g) ? NAN : 1, .upper = g};
        nt_plot_colour(0, rows[n].rgb);
        n++;
    }
    if (n > 0 && C->pairs) {
        snprintf(xl, sizeof xl, L(cv, "critical Gamma, cumulative %s (1: no hidden bias)",
                                  "kritieke Gamma, cumulatief %s (1: geen verborgen selectie)"),
                 nt_lang_series(cv->lang, F->P->panel->outcome_name[0], 2, NULL));
        nt_plot_draw_forest_at(cv, left, 0, w - left, h,
                               L(cv, "Rosenbaum bounds: Gamma at which significance is lost",
                                 "Rosenbaum-grenzen: Gamma waarbij de significantie verdwijnt"),
                               xl, rows, n, 1);
    }
}

/* The simulated confounders of a programme (nt_run_imn.c): the cumulative
   effect at the longest summary horizon with its IMN 95% interval, the
   study's own estimate first, then each confounder_like variable and the
   grid points in order of growing strength (d, then s), labelled with
   their outcome (Lambda) and selection (Gamma) odds ratios. */
#define IMN_FIG_MAX 64
static void draw_imn(nt_plot_canvas *cv, double w, double h, const void *arg)
{
    const fig *F = arg;
    const nt_cred_state *C = F->C;
    int n = C->n_imn ? C->n_imn[F->pi] : 0;
    if (n > IMN_FIG_MAX - 1) n = IMN_FIG_MAX - 1;
    nt_plot_row rows[IMN_FIG_MAX];
    char lab[IMN_FIG_MAX][256], txt[IMN_FIG_MAX][48], a[24], b[24];
    double z = 1.959963984540054;
    const nt_cred_imn *I = C->imn ? C->imn[F->pi] : NULL;
    int m = 0;
    if (n > 0) {
        snprintf(lab[m], sizeof lab[m], "%s", L(cv, "without U (the study)", "zonder U (de studie)"));
        nt_lang_num(cv->lang, I[0].study, 2, txt[m], sizeof txt[m]);
        if (isnan(I[0].study)) snprintf(txt[m], sizeof txt[m], "x");
        rows[m] = (nt_plot_row){.label = lab[m], .text = txt[m], .est = I[0].study, .lower = NAN, .upper = NAN};
        nt_plot_colour(1, rows[m].rgb);
        m++;
    }
    for (int i = 0; i < n; i++, m++) {
        const nt_cred_imn *e = &I[i];
        nt_lang_num(cv->lang, e->lambda, 1, a, sizeof a);
        nt_lang_num(cv->lang, e->gamma, 1, b, sizeof b);
        if (isnan(e->d)) snprintf(lab[m], sizeof lab[m], L(cv, "like %s: \u039b %s, \u0393 %s", "als %s: \u039b %s, \u0393 %s"),
                                  e->label, a, b);
        else {
            char dd[24], ss[24];
            nt_lang_num(cv->lang, e->d, 2, dd, sizeof dd);
            nt_lang_num(cv->lang, e->s, 2, ss, sizeof ss);
            snprintf(lab[m], sizeof lab[m], "d %s, s %s: \u039b %s, \u0393 %s", dd, ss, a, b);
        }
        if (isnan(e->estimate)) snprintf(txt[m], sizeof txt[m], "x");
        else nt_lang_num(cv->lang, e->estimate, 2, txt[m], sizeof txt[m]);
        int ok = !isnan(e->estimate) && !isnan(e->se);
        rows[m] = (nt_plot_row){.label = lab[m], .text = txt[m], .est = e->estimate,
                                .lower = ok ? e->estimate - z * e->se : NAN, .upper = ok ? e->estimate + z * e->se : NAN};
        nt_plot_colour(0, rows[m].rgb);
    }
    char xl[300];
    char unit[120];   /* "months employed", "earnings (euros)" */
    snprintf(unit, sizeof unit, "%s", nt_lang_series(cv->lang, F->P->panel->outcome_name[0], 3, NULL));
    unit[0] = (char)tolower((unsigned char)unit[0]);
    snprintf(xl, sizeof xl, L(cv, "cumulative effect over %d months (%s) with a simulated confounder U (IMN 2008; 95%%)",
                              "cumulatief effect over %d maanden (%s) met een gesimuleerde verstorende variabele U (IMN 2008; 95%%)"),
             n > 0 ? I[0].horizon : 0, unit);
    nt_plot_draw_forest(cv, 0, 0, w, h, xl, rows, m);
}

/* ------------------------------------------------------------ the chapter */

static const char *T(const nt_report *r, const char *en, const char *nl) { return r->lang == NT_LANG_NL ? nl : en; }

static void fmt(double v, int hidden, const char *f, char *buf, size_t n)
{
    if (hidden) snprintf(buf, n, "x");
    else if (isnan(v)) snprintf(buf, n, "\u2013");
    else snprintf(buf, n, f, v);
}

/* The simulated confounder's part of the chapter: what it is, and per
   programme its figure (plots/<programme>/confounder). */
static void compose_imn(nt_doc *doc, const nt_report *r, const nt_run_state *P, const fig *F)
{
    const nt_cred_state *C = P->cred;
    nt_doc_para(doc, T(r,
        "Simulated confounder (sensitivity.csv, Ichino, Mealli & Nannicini 2008): a binary variable U the model "
        "does not see is drawn for every person and start month from chosen shares P(U = 1) among participants and "
        "non-participants of that start period by decile of their outcome afterwards, added to the propensity model, and the effect estimated again (the mean over "
        "the draws). d is how much more often U = 1 among non-participants in the top outcome decile than in the "
        "bottom one, s "
        "how much more often among participants than non-participants; Lambda and Gamma are U's odds ratios on the "
        "outcome and on participation. \"like education=low\": U with the shares that variable has. A confounder "
        "whose interval reaches zero would explain the effect away; compare its strength with that of the "
        "variables one can imagine the model misses.",
        "Gesimuleerde verstorende variabele (sensitivity.csv, Ichino, Mealli & Nannicini 2008): een 0/1-variabele U "
        "die het model niet ziet wordt per persoon en startmaand getrokken met gekozen aandelen P(U = 1) onder "
        "deelnemers en niet-deelnemers van die startperiode per deciel van hun latere uitkomst, aan het "
        "propensitymodel toegevoegd, en het effect "
        "opnieuw geschat (het gemiddelde over de trekkingen). d is hoeveel vaker U = 1 is onder niet-deelnemers in "
        "het hoogste dan in het laagste uitkomstdeciel, s hoeveel vaker onder deelnemers dan niet-deelnemers; Lambda en Gamma "
        "zijn de odds ratio's van U op de uitkomst en op deelname. \"als education=low\": U met de aandelen die die "
        "variabele heeft. Een variabele waarvan het interval nul bereikt zou het effect wegverklaren; vergelijk haar "
        "sterkte met die van de variabelen die het model kan missen."));
    for (int pi = 0; pi < P->n_prog; pi++) {
        if (!C->n_imn[pi]) continue;
        char dir[300], file[400], cap[500];
        nt_report_file_part(P->st->programs[pi], dir, sizeof dir);
        snprintf(file, sizeof file, "plots/%s/confounder", dir);
        snprintf(cap, sizeof cap, T(r, "How strong a hidden confounder would have to be: %s",
                                    "Hoe sterk een verborgen verstorende variabele zou moeten zijn: %s"),
                 P->st->programs[pi]);
        int rows = C->n_imn[pi] + 1;
        nt_doc_figure(doc, cap, file, 600, 60 + 16 * (rows < 64 ? rows : 64), draw_imn, &F[pi], NULL);
    }
}

/* The report's credibility chapter (report/nt_report.h, nt_report_chapter):
   the tests' verdicts as placebo.csv and sensitivity.csv show them, and
   each programme's figure. */
static void compose(nt_doc *doc, const nt_report *r, const void *data)
{
    const nt_run_state *P = data;
    const nt_cred_state *C = P->cred;
    const fig *F = C->figs;
    char buf[1200], cell[64];
    nt_doc_heading(doc, 1, T(r, "Credibility: placebo test and hidden bias", "Geloofwaardigheid: placebotoets en verborgen selectie"));
    if (C->placebo_months > 0) {
        snprintf(buf, sizeof buf, T(r,
                 "Placebo test (placebo.csv): the \"effect\" of each programme on months %d to %d before inflow, "
                 "which it cannot have caused, from the same propensity models and matches as the effects. A p-value "
                 "below 0.05 says that participants and their matched controls already differed before inflow in "
                 "something the model does not hold fixed.",
                 "Placebotoets (placebo.csv): het \"effect\" van elk programma op de maanden %d tot %d voor instroom, "
                 "dat het niet kan hebben veroorzaakt, met dezelfde propensitymodellen en matches als de effecten. Een "
                 "p-waarde onder 0,05 zegt dat deelnemers en hun gematchte controles voor instroom al verschilden in "
                 "iets wat het model niet vasthoudt."), C->placebo_first, C->placebo_first + C->placebo_months - 1);
        nt_doc_para(doc, buf);
        nt_doc_block *b = nt_doc_table(doc, T(r, "Placebo test: p-value of \"no effect in any placebo month\"",
                                              "Placebotoets: p-waarde van \"geen effect in enige placebomaand\""),
                                       P->n_prog + 1, 1 + NT_CRED_PRE_SERIES, 0);
        static const char *const ser[NT_CRED_PRE_SERIES] = {"employed", "earnings", "on_benefit"};
        if (b) {
            nt_doc_cell(b, 0, 0, T(r, "Programme", "Programma"));
            for (int q = 0; q < NT_CRED_PRE_SERIES; q++) nt_doc_cell(b, 0, 1 + q, nt_lang_series(r->lang, ser[q], 2, NULL));
            for (int pi = 0; pi < P->n_prog; pi++) {
                nt_doc_cell(b, 1 + pi, 0, P->st->programs[pi]);
                for (int q = 0; q < NT_CRED_PRE_SERIES; q++) {
                    double v = C->placebo[pi].estimate ? C->placebo[pi].p_value[q] : NAN;
                    fmt(v, C->placebo[pi].estimate && isnan(v), "%.3f", cell, sizeof cell);
                    nt_doc_cell(b, 1 + pi, 1 + q, cell);
                }
            }
        }
    }
    if (C->pairs) {
        snprintf(buf, sizeof buf, T(r,
                 "Rosenbaum bounds (sensitivity.csv): the critical Gamma is the factor by which a hidden confounder "
                 "would have to change the odds of starting the programme within a matched set for the cumulative "
                 "effect on %s to lose significance (1: it is not significant even without hidden bias). It says how "
                 "strong a confounder would have to be, not whether there is one.",
                 "Rosenbaum-grenzen (sensitivity.csv): de kritieke Gamma is de factor waarmee een verborgen "
                 "verstorende variabele de kansverhouding op deelname binnen een gematchte groep zou moeten "
                 "veranderen voordat het cumulatieve effect op %s niet meer significant is (1: ook zonder verborgen "
                 "selectie niet significant). Het zegt hoe sterk zo'n variabele zou moeten zijn, niet of er een is."),
                 nt_lang_series(r->lang, P->panel->outcome_name[0], 2, NULL));
        nt_doc_para(doc, buf);
        int nh = P->n_horizons < NT_CRED_MAX_H ? P->n_horizons : NT_CRED_MAX_H;
        nt_doc_block *b = nt_doc_table(doc, T(r, "Critical Gamma of the cumulative effect, by months since start",
                                              "Kritieke Gamma van het cumulatieve effect, naar maanden sinds start"),
                                       P->n_prog + 1, 1 + nh, 0);
        if (b) {
            nt_doc_cell(b, 0, 0, T(r, "Programme", "Programma"));
            for (int h = 0; h < nh; h++) {
                snprintf(cell, sizeof cell, "%d", P->horizons[h]);
                nt_doc_cell(b, 0, 1 + h, cell);
            }
            for (int pi = 0; pi < P->n_prog; pi++) {
                nt_doc_cell(b, 1 + pi, 0, P->st->programs[pi]);
                for (int h = 0; h < nh; h++) {
                    double g = C->sens_gamma[pi * NT_CRED_MAX_H + h];
                    fmt(g, isnan(g), g >= 10 ? ">= %.0f" : "%.2f", cell, sizeof cell);
                    nt_doc_cell(b, 1 + pi, 1 + h, cell);
                }
            }
        }
    }
    for (int pi = 0; pi < P->n_prog && (C->placebo_months > 0 || C->pairs); pi++) {
        char dir[300], file[400], cap[500];
        nt_report_file_part(P->st->programs[pi], dir, sizeof dir);
        snprintf(file, sizeof file, "plots/%s/credibility", dir);
        snprintf(cap, sizeof cap, T(r, "Credibility of the estimate for %s", "Geloofwaardigheid van de schatting voor %s"),
                 P->st->programs[pi]);
        nt_doc_figure(doc, cap, file, 600, 260, draw, &F[pi], NULL);
    }
    if (C->imn) compose_imn(doc, r, P, F);
}

int nt_run_cred_chapter(nt_run_state *P, const nt_report_chapter **chapter)
{
    nt_cred_state *C = P->cred;
    if (!C || (C->placebo_months <= 0 && !C->pairs && !C->imn)) return 0;
    int W = C->placebo_months > 0 ? C->placebo_months : 1;
    fig *F = calloc((size_t)(P->n_prog ? P->n_prog : 1), sizeof *F);
    double *buf = malloc((size_t)(P->n_prog ? P->n_prog : 1) * 6 * W * sizeof *buf);
    if (!F || !buf) { free(F); free(buf); return 0; }
    for (int pi = 0; pi < P->n_prog; pi++) F[pi] = (fig){P, C, pi, buf + (size_t)pi * 6 * W};
    C->figs = F;
    C->fig_buf = buf;
    C->chapter.compose = compose;
    C->chapter.data = P;
    *chapter = &C->chapter;
    return 1;
}
