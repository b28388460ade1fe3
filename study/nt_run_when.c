/* The report's "for whom and when" chapter (report/nt_report.h,
   nt_report_chapter; docs/heterogeneity.md "The report chapter"): per
   programme, every subgroup level's cumulative effect on the report's main
   series at the horizon (summary.csv, as the report's own paths have it),
   the difference with the first level of the same variable, the reference
   (differences.csv, on the same persons), the effect by elapsed duration
   at the start (effects_by_start.csv), a table, two figures and a sentence
   that says where the effect is largest or smallest only when the interval
   of that difference excludes zero.

   Disclosure: the report's paths are already through report/nt_disclose;
   the differences and the per-start-month effects are read back from
   differences.csv and effects_by_start.csv as written (a suppressed cell
   is empty there, with the row's `suppressed` reason), so the chapter shows
   exactly what those tables, and export/, show. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "data/nt_csv.h"
#include "report/nt_doc.h"
#include "report/nt_plot.h"
#include "report/nt_report.h"
#include "study/nt_run_parts.h"

#define DASH "\u2013"

typedef struct {
    double est, lo, hi;
    int hidden, have;
    int dec;  /* decimals of the estimate as published (disclosure rounding shortens it) */
} val;

struct nt_run_when {
    const nt_run_state *P;
    nt_report_chapter chapter;
    int oc, horizon, tau, n_prog, n_groups, max_k;
    val *diff;     /* [prog * n_groups + group]: group minus its variable's reference (cumulative, at horizon) */
    val *start;    /* [prog * max_k + k]: ATT_k(tau), whole cohort */
    int *n_k;      /* [prog]: start months read */
    int *k_month;  /* [prog * max_k + k] */
    struct fig { const struct nt_run_when *W; const nt_report *r; int pi, kind; } *figs;
    nt_plot_row *rows;
    char (*text)[2][200];
    double *range;      /* [2 * group]: a context level's value range (context_groups.csv), NaN none */
};

static const char *T(const nt_report *r, const char *en, const char *nl) { return r->lang == NT_LANG_NL ? nl : en; }

static double num(const nt_csv *f, int c)
{
    size_t len;
    const char *s = c >= 0 ? nt_csv_field(f, c, &len) : NULL;
    if (!s || !len) return NAN;
    char buf[64];
    snprintf(buf, sizeof buf, "%.*s", (int)(len < 63 ? len : 63), s);
    char *end;
    double v = strtod(buf, &end);
    return *end ? NAN : v;
}

static int is(const nt_csv *f, int c, const char *want)
{
    size_t len;
    const char *s = c >= 0 ? nt_csv_field(f, c, &len) : NULL;
    return s && len == strlen(want) && !memcmp(s, want, len);
}

/* Digits after the decimal point of field c: 0.085 has 3, 0.07 (rounded) 2. */
static int decimals_in(const nt_csv *f, int c)
{
    size_t len;
    const char *s = c >= 0 ? nt_csv_field(f, c, &len) : NULL;
    const char *dot = s && len ? memchr(s, '.', len) : NULL;
    if (!dot) return 0;
    int d = 0;
    for (const char *p = dot + 1; p < s + len && *p >= '0' && *p <= '9'; p++) d++;
    return d;
}

static val read_val(const nt_csv *f, int ce, int cl, int cu, int cs)
{
    val v = {num(f, ce), num(f, cl), num(f, cu), 0, 1, decimals_in(f, ce)};
    size_t len = 0;
    if (isnan(v.est) && cs >= 0) nt_csv_field(f, cs, &len);
    v.hidden = isnan(v.est) && len > 0;
    return v;
}

static int prog_of(const nt_run_state *P, const nt_csv *f, int c)
{
    for (int pi = 0; pi < P->n_prog; pi++)
        if (is(f, c, P->st->programs[pi])) return pi;
    return -1;
}

/* Reads the run's table `name` from the output directory, when written,
   row by row: row() gets the columns `cols` (-1 where absent). */
typedef void (*row_fn)(struct nt_run_when *W, const nt_csv *f, const int *c);

static nt_status read_table(struct nt_run_when *W, const char *name, const char *const *cols, int n_cols,
                            row_fn row, nt_error *err)
{
    char path[4300];
    nt_path_join(path, sizeof path, W->P->out, name);
    if (access(path, F_OK)) return NT_OK;   /* not written (no linearised inference, no context groups) */
    nt_csv *f = NULL;
    nt_status s = nt_csv_open(path, NULL, &f, err);
    if (s) return s;
    int c[16];
    for (int j = 0; j < n_cols && j < 16; j++) c[j] = nt_csv_header_find(f, cols[j]);
    int got;
    while ((got = nt_csv_next(f, err)) > 0) row(W, f, c);
    if (got < 0) s = NT_EINPUT;
    nt_csv_close(f);
    return s;
}

/* differences.csv: kind subgroup, the series, cumulative, at the horizon. */
static const char *const DIFF_COLS[] = {"program", "kind", "outcome", "level", "estimand",
                                        "horizon_months", "estimate", "lower", "upper", "suppressed"};

static void diff_row(struct nt_run_when *W, const nt_csv *f, const int *c)
{
    const nt_run_state *P = W->P;
    if (!is(f, c[1], "subgroup") || !is(f, c[4], "cumulative") || !is(f, c[2], P->panel->outcome_name[W->oc]) ||
        num(f, c[5]) != W->horizon)
        return;
    int pi = prog_of(P, f, c[0]);
    for (int g = 1; pi >= 0 && g < W->n_groups; g++)
        if (is(f, c[3], P->group_label[g])) W->diff[pi * W->n_groups + g] = read_val(f, c[6], c[7], c[8], c[9]);
}

/* effects_by_start.csv: the whole cohort, the series, month tau. */
static const char *const START_COLS[] = {"program", "subgroup", "outcome", "start_month", "month",
                                         "estimate", "ci_lower", "ci_upper", "suppressed"};

static void start_row(struct nt_run_when *W, const nt_csv *f, const int *c)
{
    const nt_run_state *P = W->P;
    if (!is(f, c[1], "") || num(f, c[4]) != W->tau || !is(f, c[2], P->panel->outcome_name[W->oc])) return;
    int pi = prog_of(P, f, c[0]);
    if (pi < 0 || W->n_k[pi] >= W->max_k) return;
    int i = pi * W->max_k + W->n_k[pi]++;
    W->k_month[i] = (int)num(f, c[3]);
    W->start[i] = read_val(f, c[5], c[6], c[7], c[8]);
}

/* context_groups.csv: a context variable's levels with their value ranges. */
static const char *const CONTEXT_COLS[] = {"variable", "level", "value_from", "value_to"};

static void context_row(struct nt_run_when *W, const nt_csv *f, const int *c)
{
    const nt_run_state *P = W->P;
    double a = num(f, c[2]), b = num(f, c[3]);
    size_t lv, ll;
    const char *v = nt_csv_field(f, c[0], &lv), *l = nt_csv_field(f, c[1], &ll);
    char label[300];
    snprintf(label, sizeof label, "%.*s=%.*s", (int)lv, v, (int)ll, l);
    for (int g = 1; g < W->n_groups; g++)
        if (!strcmp(P->group_label[g], label) && !strchr(strchr(label, '=') + 1, '-')) {
            W->range[2 * g] = a;
            W->range[2 * g + 1] = b;
        }
}

#define COUNT(a) ((int)(sizeof(a) / sizeof *(a)))

/* ------------------------------------------------------------ wording */

static void fmt(const nt_report *r, const val *v, double scale, int dec, char *e, char *ci, size_t n)
{
    /* e and ci: n bytes each */
    if (v->hidden) { snprintf(e, n, "x"); snprintf(ci, n, "x"); return; }
    if (!v->have || isnan(v->est)) { snprintf(e, n, DASH); snprintf(ci, n, DASH); return; }
    nt_lang_num(r->lang, v->est * scale, dec, e, n);
    if (isnan(v->lo) || isnan(v->hi)) { snprintf(ci, n, DASH); return; }
    char a[28], b[28];
    nt_lang_num(r->lang, v->lo * scale, dec, a, sizeof a);
    nt_lang_num(r->lang, v->hi * scale, dec, b, sizeof b);
    snprintf(ci, n, "[%s; %s]", a, b);
}

static int decimals(const char *series) { return strcmp(series, "earnings") ? 1 : 0; }

static const char *level_of(const char *label);

/* A level for reading: "low (5.4\u20137.6)" for a context level with its range, else the level. */
static const char *level_text(const struct nt_run_when *W, const nt_report *r, int g, char *buf, size_t size)
{
    const char *l = level_of(r->group[g]);
    if (isnan(W->range[2 * g]) || isnan(W->range[2 * g + 1])) return l;
    char a[32], b[32];
    nt_lang_num(r->lang, W->range[2 * g], 1, a, sizeof a);
    nt_lang_num(r->lang, W->range[2 * g + 1], 1, b, sizeof b);
    snprintf(buf, size, "%s (%s\u2013%s)", l, a, b);
    return buf;
}

static const char *level_of(const char *label)
{
    const char *e = strchr(label, '=');
    return e ? e + 1 : label;
}

static val effect_of(const nt_report *r, int pi, int g, int oc)
{
    const nt_report_value *c = &r->path[((size_t)pi * r->n_groups + g) * r->n_outcomes + oc].cum_at[r->n_horizons - 1];
    return (val){c->est, c->lower, c->upper, c->hidden, 1, 0};   /* dec: unused, printed with the outcome's decimals */
}

static int significant(const val *d) { return d->have && !d->hidden && (d->lo > 0 || d->hi < 0); }

/* The sentence of one programme: per variable, the largest and smallest
   level, said only where a difference with the reference that decides it
   is significant. */
static void sentence(const struct nt_run_when *W, const nt_report *r, int pi, char *buf, size_t size)
{
    int dec = decimals(r->outcome[W->oc]), o = 0, nq = 0;
    char quiet[600] = "";
    buf[0] = 0;
    for (int v = 0; v < r->n_variables && o < (int)size - 300; v++) {
        const nt_report_variable *V = &r->variable[v];
        int jmax = -1, jmin = -1;
        for (int j = 0; j < V->count; j++) {
            val e = effect_of(r, pi, V->first + j, W->oc);
            if (e.hidden || isnan(e.est)) continue;
            if (jmax < 0 || e.est > effect_of(r, pi, V->first + jmax, W->oc).est) jmax = j;
            if (jmin < 0 || e.est < effect_of(r, pi, V->first + jmin, W->oc).est) jmin = j;
        }
        const val *dmax = jmax > 0 ? &W->diff[pi * W->n_groups + V->first + jmax] : NULL;
        const val *dmin = jmin > 0 ? &W->diff[pi * W->n_groups + V->first + jmin] : NULL;
        const val *d = NULL;
        if (jmax >= 0 && jmin >= 0 && jmax != jmin) {
            if (jmin == 0 && significant(dmax)) d = dmax;        /* the reference is the smallest */
            else if (jmax == 0 && significant(dmin)) d = dmin;   /* the reference is the largest */
            else if (jmax && jmin && significant(dmax) && significant(dmin)) d = dmax;
        }
        if (!d) {
            size_t q = strlen(quiet);
            snprintf(quiet + q, sizeof quiet - q, "%s%s", q ? ", " : "", V->name);
            nq++;
            continue;
        }
        char e[64], ci[64], a[32], b[32];
        fmt(r, d, 1, dec, e, ci, sizeof e);
        val vmax = effect_of(r, pi, V->first + jmax, W->oc), vmin = effect_of(r, pi, V->first + jmin, W->oc);
        nt_lang_num(r->lang, vmax.est, dec, a, sizeof a);
        nt_lang_num(r->lang, vmin.est, dec, b, sizeof b);
        const char *ref = level_of(r->group[V->first]);
        const char *lmax = level_of(r->group[V->first + jmax]), *lmin = level_of(r->group[V->first + jmin]);
        o += snprintf(buf + o, size - (size_t)o, T(r,
                      "By %s the effect is largest for %s (%s) and smallest for %s (%s); %s minus %s is %s %s. ",
                      "Naar %s is het effect het grootst voor %s (%s) en het kleinst voor %s (%s); %s min %s is %s %s. "),
                      V->name, lmax, a, lmin, b, d == dmax ? lmax : lmin, ref, e, ci);
    }
    if (nq && o < (int)size - 100)
        snprintf(buf + o, size - (size_t)o, T(r, "For %s, no group differs significantly from the reference.",
                                              "Voor %s verschilt geen groep significant van de referentie."), quiet);
}

/* ------------------------------------------------------------ figures */

/* kind 0: effects and differences by subgroup level; 1: by start month. */
static void draw(nt_plot_canvas *cv, double w, double h, const void *arg)
{
    const struct fig *F = arg;
    const struct nt_run_when *W = F->W;
    const nt_report *r = F->r;
    int pi = F->pi, n = 0, dec = decimals(r->outcome[W->oc]);
    nt_plot_row *rows = W->rows;
    char (*tx)[2][200] = W->text;
    char xl[300], e[64], ci[64];
    if (F->kind == 1) {
        double scale;
        const char *axis = nt_lang_series(r->lang, r->outcome[W->oc], 0, &scale);
        for (int i = 0; i < W->n_k[pi]; i++, n++) {
            const val *v = &W->start[pi * W->max_k + i];
            snprintf(tx[n][0], sizeof tx[n][0], T(r, "start month %d", "startmaand %d"), W->k_month[pi * W->max_k + i]);
            /* as many decimals as the table has: a rounded 0.20 is 20, not 20.0 */
            int vd = v->dec - (int)lround(log10(scale));
            fmt(r, v, scale, vd < 0 ? 0 : vd > 1 ? 1 : vd, e, ci, sizeof e);
            snprintf(tx[n][1], sizeof tx[n][1], "%s", e);
            int ok = v->have && !v->hidden;
            rows[n] = (nt_plot_row){.label = tx[n][0], .text = tx[n][1], .est = ok ? v->est * scale : NAN,
                                    .lower = ok ? v->lo * scale : NAN, .upper = ok ? v->hi * scale : NAN};
            nt_plot_colour(0, rows[n].rgb);
        }
        snprintf(xl, sizeof xl, T(r, "%s in month %d since the start, by start month",
                                  "%s in maand %d na de start, naar startmaand"), axis, W->tau + 1);
        nt_plot_draw_forest(cv, 0, 0, w, h, xl, rows, n);
        return;
    }
    int ng = 0;
    for (int v = 0; v < r->n_variables; v++) ng += r->variable[v].count;
    for (int side = 0; side < 2; side++) {
        n = 0;
        for (int v = 0; v < r->n_variables; v++) {
            const nt_report_variable *V = &r->variable[v];
            for (int j = 0; j < V->count; j++, n++) {
                int g = V->first + j;
                val x = side ? W->diff[pi * W->n_groups + g] : effect_of(r, pi, g, W->oc);
                char lt[80];
                snprintf(tx[n][0], sizeof tx[n][0], "%s %s", V->name, level_text(W, r, g, lt, sizeof lt));
                if (side && j == 0) snprintf(tx[n][1], sizeof tx[n][1], "%s", T(r, "reference", "referentie"));
                else {
                    fmt(r, &x, 1, dec, e, ci, sizeof e);
                    snprintf(tx[n][1], sizeof tx[n][1], "%s", e);
                }
                int ok = x.have && !x.hidden && !(side && j == 0);
                rows[n] = (nt_plot_row){.label = side ? "" : tx[n][0], .text = tx[n][1], .est = ok ? x.est : NAN,
                                        .lower = ok ? x.lo : NAN, .upper = ok ? x.hi : NAN};
                nt_plot_colour(v, rows[n].rgb);
            }
        }
        const char *axis = nt_lang_series(r->lang, r->outcome[W->oc], 1, NULL);
        if (side) {   /* with the unit: "months employed", "earnings (euros)" */
            char unit[120];
            snprintf(unit, sizeof unit, "%s", nt_lang_series(r->lang, r->outcome[W->oc], 3, NULL));
            unit[0] = (char)tolower((unsigned char)unit[0]);
            snprintf(xl, sizeof xl, T(r, "difference with the reference (%s)", "verschil met de referentie (%s)"), unit);
        }
        else snprintf(xl, sizeof xl, "%s, %d %s", axis, W->horizon, T(r, "months", "maanden"));
        nt_plot_draw_forest(cv, side ? w * 0.58 : 0, 0, side ? w * 0.42 : w * 0.58, h, xl, rows, ng);
        rows += ng;
        tx += ng;
    }
}

/* ------------------------------------------------------------ the chapter */

static void table(nt_doc *doc, const struct nt_run_when *W, const nt_report *r, int pi)
{
    int nrow = 0, dec = decimals(r->outcome[W->oc]);
    for (int v = 0; v < r->n_variables; v++) nrow += r->variable[v].count;
    char cap[600], e[64], ci[64], buf[200];
    snprintf(cap, sizeof cap, T(r, "%s: cumulative effect on %s over %d months by subgroup, and the difference with "
                                   "the reference (the first level)",
                                "%s: cumulatief effect op %s over %d maanden naar subgroep, en het verschil met de "
                                "referentie (de eerste groep)"),
             r->program[pi].name, nt_lang_series(r->lang, r->outcome[W->oc], 2, NULL), W->horizon);
    nt_doc_block *b = nt_doc_table(doc, cap, nrow + 1, 6, 0);
    if (!b) return;
    b->nleft = 2;
    snprintf(buf, sizeof buf, T(r, "%.0f%% interval", "%.0f%%-interval"), 100 * r->ci_level);
    const char *head[6] = {T(r, "Variable", "Variabele"), T(r, "Group", "Groep"),
                           nt_lang_series(r->lang, r->outcome[W->oc], 3, NULL), buf,
                           T(r, "Difference", "Verschil"), buf};
    for (int c = 0; c < 6; c++) nt_doc_cell(b, 0, c, head[c]);
    for (int v = 0, row = 1; v < r->n_variables; v++) {
        const nt_report_variable *V = &r->variable[v];
        for (int j = 0; j < V->count; j++, row++) {
            int g = V->first + j;
            val x = effect_of(r, pi, g, W->oc);
            nt_doc_cell(b, row, 0, j ? "" : V->name);
            char lt[80];
            nt_doc_cell(b, row, 1, level_text(W, r, g, lt, sizeof lt));
            fmt(r, &x, 1, dec, e, ci, sizeof e);
            nt_doc_cell(b, row, 2, e);
            nt_doc_cell(b, row, 3, ci);
            if (j == 0) { nt_doc_cell(b, row, 4, T(r, "reference", "referentie")); continue; }
            fmt(r, &W->diff[pi * W->n_groups + g], 1, dec, e, ci, sizeof e);
            nt_doc_cell(b, row, 4, e);
            nt_doc_cell(b, row, 5, ci);
        }
    }
    nt_doc_note(b, T(r, "Effects: summary.csv; differences: differences.csv (on the same persons, linearised "
                        "inference). x: not shown (disclosure control); \u2013: none.",
                     "Effecten: summary.csv; verschillen: differences.csv (op dezelfde personen, gelineariseerde "
                     "inferentie). x: niet getoond (onthullingscontrole); \u2013: geen."));
}

/* What the derived subgroup variables are (nt_run_derived.c, nt_run_ctxgroups.c). */
static void derived_words(const struct nt_run_when *W, const nt_report *r, char *buf, size_t size)
{
    int o = 0;
    buf[0] = 0;
    for (int v = 0; v < r->n_variables && o < (int)size - 400; v++) {
        const char *name = r->variable[v].name;
        if (!nt_run_derived_is(W->P, name)) continue;
        if (!strcmp(name, "job_chance"))
            o += snprintf(buf + o, size - (size_t)o, T(r,
                          "job_chance: the predicted chance of finding work within 12 months of inflow, from the "
                          "inflow characteristics (cross-fitted), in quintiles q1 (lowest) to q5 (job_chance.csv). ",
                          "job_chance: de voorspelde kans om binnen 12 maanden na instroom werk te vinden, uit de "
                          "kenmerken bij instroom (kruisgevalideerd), in kwintielen q1 (laagste) tot q5 "
                          "(job_chance.csv). "));
        else if (!strcmp(name, "start_year"))
            o += snprintf(buf + o, size - (size_t)o, T(r, "start_year: the calendar year of the programme start. ",
                                                       "start_year: het kalenderjaar van de start van het programma. "));
        else
            o += snprintf(buf + o, size - (size_t)o, T(r,
                          "%s: its value in the context table for the person's region in the month of the start, "
                          "the circumstances of the start (low, mid, high: terciles at the programme starts; "
                          "context_groups.csv). ",
                          "%s: de waarde in de contexttabel voor de regio van de persoon in de maand van de start, "
                          "de omstandigheden bij de start (low, mid, high: tertielen bij de starts; "
                          "context_groups.csv). "), name);
    }
}

static void compose(nt_doc *doc, const nt_report *r, const void *data)
{
    const struct nt_run_when *W = data;
    char buf[3000];
    nt_doc_heading(doc, 1, T(r, "For whom and when: where the programmes work best",
                             "Voor wie en wanneer: waar de programma's het best werken"));
    snprintf(buf, sizeof buf, T(r,
             "This chapter puts the subgroups side by side. Per programme: the cumulative effect on %s over the first "
             "%d months after the start for every subgroup, the difference with the first group of the same "
             "variable (the reference) with its interval, computed on the same persons, and the effect in month %d "
             "after the start by the month on the benefit in which the programme started. A sentence says that the "
             "effect is larger in one group than in another only where the interval of that difference excludes "
             "zero; where it does not, the groups' effects may differ by chance alone.",
             "Dit hoofdstuk zet de subgroepen naast elkaar. Per programma: het cumulatieve effect op %s over de "
             "eerste %d maanden na de start voor elke subgroep, het verschil met de eerste groep van dezelfde "
             "variabele (de referentie) met zijn interval, berekend op dezelfde personen, en het effect in maand %d "
             "na de start naar de uitkeringsmaand waarin het programma begon. Een zin zegt alleen dat het effect in "
             "de ene groep groter is dan in de andere als het interval van dat verschil nul uitsluit; anders kunnen "
             "de effecten van de groepen ook door toeval verschillen."),
             nt_lang_series(r->lang, r->outcome[W->oc], 2, NULL), W->horizon, W->tau + 1);
    nt_doc_para(doc, buf);
    derived_words(W, r, buf, sizeof buf);
    if (buf[0]) nt_doc_para(doc, buf);
    for (int pi = 0; pi < r->n_programs; pi++) {
        nt_doc_heading(doc, 2, r->program[pi].name);
        sentence(W, r, pi, buf, sizeof buf);
        nt_doc_para(doc, buf);
        table(doc, W, r, pi);
        char dir[300], file[400], cap[600];
        nt_report_file_part(r->program[pi].name, dir, sizeof dir);
        int ng = 0;
        for (int v = 0; v < r->n_variables; v++) ng += r->variable[v].count;
        snprintf(file, sizeof file, "plots/%s/for_whom_when", dir);
        snprintf(cap, sizeof cap, T(r, "%s: cumulative effect by subgroup (left) and the difference with the "
                                       "reference (right), with %.0f%% intervals",
                                    "%s: cumulatief effect naar subgroep (links) en het verschil met de referentie "
                                    "(rechts), met %.0f%%-intervallen"),
                 r->program[pi].name, 100 * r->ci_level);
        nt_doc_figure(doc, cap, file, 600, 60 + 18.0 * ng, draw, &W->figs[2 * pi],
                      T(r, "Right: each group minus the first group of its variable (the reference), on the same "
                           "persons. x: not shown (disclosure control).",
                        "Rechts: elke groep min de eerste groep van haar variabele (de referentie), op dezelfde "
                        "personen. x: niet getoond (onthullingscontrole)."));
        if (W->n_k[pi] > 0) {
            snprintf(file, sizeof file, "plots/%s/by_start_month", dir);
            snprintf(cap, sizeof cap, T(r, "%s: effect in month %d after the start by start month (months on the "
                                           "benefit), with %.0f%% intervals per start month",
                                        "%s: effect in maand %d na de start naar startmaand (maanden in de "
                                        "uitkering), met %.0f%%-intervallen per startmaand"),
                     r->program[pi].name, W->tau + 1, 100 * r->ci_level);
            nt_doc_figure(doc, cap, file, 600, 60 + 16.0 * W->n_k[pi], draw, &W->figs[2 * pi + 1],
                          T(r, "Start months share controls, so the difference between two start months has no "
                               "interval here. x: not shown (disclosure control).",
                            "Startmaanden delen controles; het verschil tussen twee startmaanden heeft hier geen "
                            "interval. x: niet getoond (onthullingscontrole)."));
        }
    }
}

void nt_run_when_free(struct nt_run_when *W)
{
    if (!W) return;
    free(W->diff);
    free(W->start);
    free(W->n_k);
    free(W->k_month);
    free(W->figs);
    free(W->rows);
    free(W->text);
    free(W->range);
    free(W);
}

nt_status nt_run_when_chapter(const nt_run_state *P, const nt_report *r, struct nt_run_when **out, nt_error *err)
{
    *out = NULL;
    if (P->st->n_subgroups == 0 || r->n_horizons < 1) return NT_OK;
    struct nt_run_when *W = calloc(1, sizeof *W);
    if (!W) return nt_fail(err, NT_ENOMEM, "out of memory");
    W->P = P;
    for (int oc = 0; oc < r->n_outcomes; oc++)
        if (!strcmp(r->outcome[oc], "employed")) { W->oc = oc; break; }
    W->horizon = r->horizons[r->n_horizons - 1];
    W->tau = (W->horizon < 36 ? W->horizon : 36) - 1;
    W->n_prog = r->n_programs;
    W->n_groups = r->n_groups;
    W->max_k = P->st->start_last - P->st->start_first + 1;
    size_t np = (size_t)(W->n_prog ? W->n_prog : 1), nr = (size_t)(2 * W->n_groups + W->max_k + 1);
    W->diff = calloc(np * (size_t)W->n_groups, sizeof *W->diff);
    W->start = calloc(np * (size_t)W->max_k, sizeof *W->start);
    W->n_k = calloc(np, sizeof *W->n_k);
    W->k_month = calloc(np * (size_t)W->max_k, sizeof *W->k_month);
    W->figs = calloc(2 * np, sizeof *W->figs);
    W->rows = calloc(nr, sizeof *W->rows);
    W->text = calloc(nr, sizeof *W->text);
    W->range = malloc(2 * (size_t)W->n_groups * sizeof *W->range);
    nt_status s = W->diff && W->start && W->n_k && W->k_month && W->figs && W->rows && W->text && W->range
                      ? NT_OK : nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = read_table(W, "differences.csv", DIFF_COLS, COUNT(DIFF_COLS), diff_row, err);
    if (!s) s = read_table(W, "effects_by_start.csv", START_COLS, COUNT(START_COLS), start_row, err);
    for (int g = 0; !s && g < 2 * W->n_groups; g++) W->range[g] = NAN;
    if (!s) s = read_table(W, "context_groups.csv", CONTEXT_COLS, COUNT(CONTEXT_COLS), context_row, err);
    if (s) { nt_run_when_free(W); return s; }
    for (int pi = 0; pi < W->n_prog; pi++)
        for (int kind = 0; kind < 2; kind++) W->figs[2 * pi + kind] = (struct fig){W, r, pi, kind};
    W->chapter.compose = compose;
    W->chapter.data = W;
    *out = W;
    return NT_OK;
}

const nt_report_chapter *nt_run_when_get(const struct nt_run_when *W) { return W ? &W->chapter : NULL; }
