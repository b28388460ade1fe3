/* One report per study (nt_report.h): the blocks in the order,
   then the figures' files, report.html, report.pdf, summary.md and
   summary.tex. The headline outcome of the key figures and the "for whom"
   plots is `employed` when the study has it, else its first outcome. */
#include "report/nt_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/nt_file.h"
#include "report/nt_doc.h"
#include "report/nt_report_priv.h"

typedef struct {
    const nt_report *r;
    nt_doc doc;
    nt_fig *fig;
    int n_fig;
    int main_outcome;
    int hl[2], n_hl;   /* the headline outcomes: employed (or the first) and earnings */
    char note[1200];   /* interval kind and the x / – legend */
    char legend[600];  /* the x / – legend alone */
} build;

static const char *word(const build *B, nt_word w) { return nt_lang_word(B->r->lang, w); }

static int decimals(const char *series) { return strcmp(series, "earnings") ? 1 : 0; }

/* A file-name part: letters, digits, '-', '.', '_' kept, others '_'. */
void nt_report_file_part(const char *s, char *buf, size_t size)
{
    size_t k = 0;
    for (; *s && k + 1 < size; s++) {
        char c = *s;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
        buf[k++] = ok ? c : '_';
    }
    buf[k] = 0;
}

/* The longest file a name becomes, "for_whom_<name>.png" or
   "<name>/balance.png", plus a temporary's ".tmp-<pid>-XXXXXX", must fit
   a file name (255 bytes). */
#define NAME_MAX_BYTES (255 - 16 - 32)

nt_status nt_report_names_check(const char *const *name, int n, const char *kind, const char *where, nt_error *err)
{
    char a[1024], b[1024];
    for (int i = 0; i < n; i++) {
        nt_report_file_part(name[i], a, sizeof a);
        if (strlen(name[i]) > NAME_MAX_BYTES)
            return nt_fail_at(err, NT_EINPUT, where, 0, NULL, "%s \"%.60s...\" is %zu bytes, too long for the "
                              "report's file names (at most %d): shorten the name", kind, name[i], strlen(name[i]),
                              NAME_MAX_BYTES);
        if (strspn(a, "._") == strlen(a))
            return nt_fail_at(err, NT_EINPUT, where, 0, NULL, "%s \"%s\" cannot name a folder of plots/: "
                              "give it letters or digits", kind, name[i]);
        for (int j = 0; j < i; j++) {
            nt_report_file_part(name[j], b, sizeof b);
            if (strcasecmp(a, b)) continue;
            return nt_fail_at(err, NT_EINPUT, where, 0, NULL, "%ss \"%s\" and \"%s\" would share the plot files "
                              "plots/%s: rename one of them", kind, name[j], name[i], a);
        }
    }
    return NT_OK;
}

static void figure(build *B, nt_fig f, const char *caption, const char *file, const char *note)
{
    nt_fig *slot = &B->fig[B->n_fig++];
    *slot = f;
    slot->r = B->r;
    double w, h;
    nt_report_fig_size(slot, &w, &h);
    nt_doc_figure(&B->doc, caption, file, w, h, nt_report_fig_draw, slot, note);
}

static void study_section(build *B)
{
    const nt_report *r = B->r;
    nt_doc_heading(&B->doc, 1, word(B, NT_W_STUDY));
    const struct { nt_word w; const char *v; } rows[] = {
        {NT_W_NAME, r->name}, {NT_W_COHORT, r->cohort}, {NT_W_INFLOW, r->inflow},
        {NT_W_START_MONTHS, r->start_months}, {NT_W_ESTIMATOR, r->estimator}, {NT_W_INFERENCE, r->inference},
        {NT_W_DATA_END, r->data_end}, {NT_W_PERSONS, r->persons}, {NT_W_SEED, r->seed},
        {NT_W_DISCLOSURE, r->disclosure}, {NT_W_VERSION, r->version}};
    int n = (int)(sizeof rows / sizeof rows[0]);
    nt_doc_block *b = nt_doc_facts(&B->doc, n + 2);
    char buf[2048] = "", h[32];
    for (int i = 0; i < n; i++) {
        nt_doc_cell(b, i, 0, word(B, rows[i].w));
        nt_doc_cell(b, i, 1, rows[i].v ? rows[i].v : "");
    }
    for (int i = 0; i < r->n_programs; i++) {
        size_t u = strlen(buf);
        snprintf(buf + u, sizeof buf - u, "%s%s", i ? ", " : "", r->program[i].name);
    }
    nt_doc_cell(b, n, 0, word(B, NT_W_PROGRAMMES));
    nt_doc_cell(b, n, 1, buf);
    snprintf(h, sizeof h, "%d", r->horizon);
    nt_doc_cell(b, n + 1, 0, word(B, NT_W_HORIZON));
    nt_doc_cell(b, n + 1, 1, h);
}

/* The covariate terms of every programme's model, in first-seen order. */
static int desc_terms(const nt_report *r, const char **term, int max)
{
    int n = 0;
    for (int pi = 0; pi < r->n_programs; pi++)
        for (int j = 0; j < r->program[pi].n_bal; j++) {
            int seen = 0;
            for (int k = 0; k < n && !seen; k++) seen = !strcmp(term[k], r->program[pi].bal[j].term);
            if (!seen && n < max) term[n++] = r->program[pi].bal[j].term;
        }
    return n;
}

static const nt_report_balance *desc_row(const nt_report_program *P, const char *term)
{
    for (int j = 0; j < P->n_bal; j++)
        if (!strcmp(P->bal[j].term, term)) return &P->bal[j];
    return NULL;
}

/* A row's format: percentages for yes/no terms, whole numbers from 1,000. */
static void desc_format(const nt_report *r, const char *term, int *binary, int *dec)
{
    double big = 0;
    *binary = 0;
    for (int q = 0; q < r->n_programs; q++) {
        const nt_report_balance *y = desc_row(&r->program[q], term);
        if (!y) continue;
        *binary |= y->binary;
        if (fabs(y->mean_treated) > big) big = fabs(y->mean_treated);
        if (fabs(y->mean_control) > big) big = fabs(y->mean_control);
    }
    *dec = !*binary && big >= 1000 ? 0 : 1;
}

/* One table: a row per covariate term of the model, a column of
   participants per programme and the non-participants (the persons not
   yet in any programme at the start months: the controls of `any` before
   matching; without `any`, the non-participants of each programme beside
   its participants). Means and percentages pooled over start months, as
   balance.csv's "all" rows. */
static void descriptives(build *B)
{
    const nt_report *r = B->r;
    enum { MAXT = 512 };
    const char *term[MAXT];
    int nt = desc_terms(r, term, MAXT), pairs = r->any_prog < 0, np = r->n_programs;
    int ncol = 1 + (pairs ? 2 * np : np + 1);
    nt_doc_heading(&B->doc, 1, word(B, NT_W_DESCRIPTIVES));
    char cap[600], buf[400], v[64];
    snprintf(cap, sizeof cap, "%s (%s)", word(B, NT_W_DESC_CAPTION), r->name);
    nt_doc_block *b = nt_doc_table(&B->doc, cap, nt + 2, ncol, 0);
    if (!b) return;
    nt_doc_cell(b, 0, 0, word(B, NT_W_CHARACTERISTIC));
    nt_doc_cell(b, 1, 0, word(B, NT_W_PERSONS_N));
    for (int j = 0; j < nt; j++) {
        int binary, dec;
        desc_format(r, term[j], &binary, &dec);
        snprintf(buf, sizeof buf, "%s%s", term[j], binary ? " (%)" : "");
        nt_doc_cell(b, 2 + j, 0, buf);
    }
    for (int c = 1; c < ncol; c++) {  /* column c: programme pi, its participants (ctl 0) or non-participants */
        int pi = pairs ? (c - 1) / 2 : c - 1 < np ? c - 1 : r->any_prog, ctl = pairs ? (c - 1) % 2 : c - 1 == np;
        const nt_report_program *P = &r->program[pi];
        if (!ctl) nt_doc_cell(b, 0, c, P->name);
        else if (pairs) {
            snprintf(buf, sizeof buf, word(B, NT_W_NOT_IN), P->name);
            nt_doc_cell(b, 0, c, buf);
        } else nt_doc_cell(b, 0, c, word(B, NT_W_NONPARTICIPANTS));
        nt_report_fmt(r, ctl ? &P->n_control : &r->n_treated[pi * r->n_groups], 1, 0, v, sizeof v);
        nt_doc_cell(b, 1, c, v);
        for (int j = 0; j < nt; j++) {
            const nt_report_balance *x = desc_row(P, term[j]);
            int binary, dec;
            desc_format(r, term[j], &binary, &dec);
            nt_report_value m = {x ? (ctl ? x->mean_control : x->mean_treated) : NAN, NAN, NAN, 0};
            m.hidden = x && isnan(m.est);
            nt_report_fmt(r, &m, binary ? 100 : 1, dec, v, sizeof v);
            nt_doc_cell(b, 2 + j, c, v);
        }
    }
    char note[2000];
    snprintf(note, sizeof note, "%s %s %s", word(B, pairs ? NT_W_DESC_NOTE_PAIRS : NT_W_DESC_NOTE),
             word(B, NT_W_SHARE_NOTE), B->legend);
    nt_doc_note(b, note);
}

/* Per programme: the cumulative effects at each horizon, every outcome. */
static void headline(build *B, int pi)
{
    const nt_report *r = B->r;
    char cap[600], buf[128];
    snprintf(buf, sizeof buf, word(B, NT_W_HEADLINE), r->program[pi].name);
    snprintf(cap, sizeof cap, "%s (%s)", buf, r->name);
    nt_doc_block *b = nt_doc_table(&B->doc, cap, r->n_horizons + 1, 1 + 2 * B->n_hl, 1);
    if (!b) return;
    nt_doc_cell(b, 0, 0, word(B, NT_W_AFTER));
    snprintf(buf, sizeof buf, word(B, NT_W_INTERVAL), 100 * r->ci_level);
    for (int i = 0; i < B->n_hl; i++) {
        nt_doc_cell(b, 0, 1 + 2 * i, nt_lang_series(r->lang, r->outcome[B->hl[i]], 3, NULL));
        nt_doc_cell(b, 0, 2 + 2 * i, buf);
    }
    for (int h = 0; h < r->n_horizons; h++) {
        char m[32], e[64], ci[128];
        snprintf(m, sizeof m, "%d", r->horizons[h]);
        nt_doc_cell(b, h + 1, 0, m);
        for (int i = 0; i < B->n_hl; i++) {
            int oc = B->hl[i];
            const nt_report_value *v = &nt_report_path_of(r, pi, 0, oc)->cum_at[h];
            nt_report_fmt(r, v, 1, decimals(r->outcome[oc]), e, sizeof e);
            nt_report_fmt_ci(r, v, 1, decimals(r->outcome[oc]), ci, sizeof ci);
            nt_doc_cell(b, h + 1, 1 + 2 * i, e);
            nt_doc_cell(b, h + 1, 2 + 2 * i, ci);
        }
    }
    nt_doc_note(b, B->note);
}

static void key_row(build *B, nt_doc_block *b, int row, const char *label, const nt_report_value *v, double k,
                    int dec)
{
    char e[64], ci[128];
    nt_report_fmt(B->r, v, k, dec, e, sizeof e);
    nt_report_fmt_ci(B->r, v, k, dec, ci, sizeof ci);
    nt_doc_cell(b, row, 0, label);
    nt_doc_cell(b, row, 1, e);
    nt_doc_cell(b, row, 2, ci);
}

/* Per programme: lock-in, break-even, cost and net benefit at the horizon. */
static void key_figures(build *B, int pi)
{
    const nt_report *r = B->r;
    const nt_report_path *p = nt_report_path_of(r, pi, 0, B->main_outcome);
    char cap[600], buf[300];
    snprintf(buf, sizeof buf, word(B, NT_W_KEY_FIGURES), r->program[pi].name);
    snprintf(cap, sizeof cap, "%s (%s, %s)", buf, r->name, nt_lang_series(r->lang, r->outcome[B->main_outcome], 2, NULL));
    nt_doc_block *b = nt_doc_table(&B->doc, cap, 8, 3, 1);
    if (!b) return;
    double scale;
    nt_lang_series(r->lang, r->outcome[B->main_outcome], 0, &scale);
    nt_doc_cell(b, 0, 1, word(B, NT_W_VALUE));
    snprintf(buf, sizeof buf, word(B, NT_W_INTERVAL), 100 * r->ci_level);
    nt_doc_cell(b, 0, 2, buf);
    key_row(B, b, 1, word(B, NT_W_N_TREATED), &r->n_treated[pi * r->n_groups], 1, 0);
    key_row(B, b, 2, word(B, NT_W_LOCKIN_DEPTH), &p->lockin_depth, scale, 1);
    key_row(B, b, 3, word(B, NT_W_LOCKIN_MONTH), &p->lockin_month, 1, 0);
    key_row(B, b, 4, word(B, NT_W_LOCKIN_LENGTH), &p->lockin_length, 1, 0);
    key_row(B, b, 5, word(B, NT_W_BREAKEVEN), &p->breakeven, 1, 0);
    if (!p->breakeven.hidden && isnan(p->breakeven.est)) {
        snprintf(buf, sizeof buf, word(B, NT_W_NO_BREAKEVEN), r->horizon);
        nt_doc_cell(b, 5, 1, buf);
    }
    key_row(B, b, 6, word(B, NT_W_COST), &r->cost[pi * r->n_groups], 1, 0);
    snprintf(buf, sizeof buf, word(B, NT_W_NET_BENEFIT), r->horizon);
    key_row(B, b, 7, buf, &p->net_benefit, 1, 0);
    nt_doc_note(b, B->note);
}

static void programmes(build *B)
{
    const nt_report *r = B->r;
    for (int pi = 0; pi < r->n_programs; pi++) {
        char dir[300], file[400], cap[400];
        nt_doc_heading(&B->doc, 1, r->program[pi].name);
        headline(B, pi);
        key_figures(B, pi);
        nt_report_file_part(r->program[pi].name, dir, sizeof dir);
        snprintf(file, sizeof file, "plots/%s/effects", dir);
        snprintf(cap, sizeof cap, word(B, NT_W_EFFECT_OF), r->program[pi].name);
        figure(B, (nt_fig){.kind = NT_FIG_EFFECTS, .prog = pi}, cap, file, NULL);
    }
    nt_doc_heading(&B->doc, 1, word(B, NT_W_PROGRAMMES));
    figure(B, (nt_fig){.kind = NT_FIG_ALL}, word(B, NT_W_ALL_MONTHLY), "plots/all_programmes_monthly", NULL);
    figure(B, (nt_fig){.kind = NT_FIG_ALL, .cumulative = 1}, word(B, NT_W_ALL_CUMULATIVE),
           "plots/all_programmes_cumulative", NULL);
}

static void for_whom(build *B, int v)
{
    const nt_report *r = B->r;
    const nt_report_variable *V = &r->variable[v];
    char cap[600], buf[300], file[400], name[300];
    snprintf(buf, sizeof buf, word(B, NT_W_FOR_WHOM), V->name);
    nt_doc_heading(&B->doc, 1, buf);
    nt_report_file_part(V->name, name, sizeof name);
    snprintf(file, sizeof file, "plots/for_whom_%s", name);
    figure(B, (nt_fig){.kind = NT_FIG_FOREST, .variable = v, .outcome = B->main_outcome}, buf, file, NULL);
    snprintf(cap, sizeof cap, "%s (%s)", buf, r->name);
    int nrow = r->n_programs * V->count, h = r->n_horizons - 1;
    nt_doc_block *b = nt_doc_table(&B->doc, cap, nrow + 1, 4 + 2 * B->n_hl, 1);
    if (!b) return;
    b->nleft = 2;
    nt_doc_cell(b, 0, 0, word(B, NT_W_PROGRAMME));
    nt_doc_cell(b, 0, 1, word(B, NT_W_SUBGROUP));
    nt_doc_cell(b, 0, 2, word(B, NT_W_N_SHORT));
    snprintf(buf, sizeof buf, word(B, NT_W_INTERVAL), 100 * r->ci_level);
    for (int i = 0; i < B->n_hl; i++) {
        nt_doc_cell(b, 0, 3 + 2 * i, nt_lang_series(r->lang, r->outcome[B->hl[i]], 3, NULL));
        nt_doc_cell(b, 0, 4 + 2 * i, buf);
    }
    nt_doc_cell(b, 0, 3 + 2 * B->n_hl, word(B, NT_W_BREAKEVEN));
    for (int pi = 0, row = 1; pi < r->n_programs; pi++)
        for (int j = 0; j < V->count; j++, row++) {
            int g = V->first + j;
            char e[64], ci[128];
            nt_doc_cell(b, row, 0, r->program[pi].name);
            nt_doc_cell(b, row, 1, nt_report_group_text(r, g));
            nt_report_fmt(r, &r->n_treated[pi * r->n_groups + g], 1, 0, e, sizeof e);
            nt_doc_cell(b, row, 2, e);
            for (int i = 0; i < B->n_hl; i++) {
                int oc = B->hl[i];
                const nt_report_value *c = &nt_report_path_of(r, pi, g, oc)->cum_at[h];
                nt_report_fmt(r, c, 1, decimals(r->outcome[oc]), e, sizeof e);
                nt_report_fmt_ci(r, c, 1, decimals(r->outcome[oc]), ci, sizeof ci);
                nt_doc_cell(b, row, 3 + 2 * i, e);
                nt_doc_cell(b, row, 4 + 2 * i, ci);
            }
            nt_report_fmt(r, &nt_report_path_of(r, pi, g, B->main_outcome)->breakeven, 1, 0, e, sizeof e);
            nt_doc_cell(b, row, 3 + 2 * B->n_hl, e);
        }
    nt_doc_note(b, B->note);
}

static void diagnostics(build *B)
{
    const nt_report *r = B->r;
    nt_doc_heading(&B->doc, 1, word(B, NT_W_DIAGNOSTICS));
    for (int pi = 0; pi < r->n_programs; pi++) {
        char dir[300], file[400], cap[400];
        nt_report_file_part(r->program[pi].name, dir, sizeof dir);
        snprintf(file, sizeof file, "plots/%s/overlap", dir);
        snprintf(cap, sizeof cap, word(B, NT_W_OVERLAP), r->program[pi].name);
        figure(B, (nt_fig){.kind = NT_FIG_OVERLAP, .prog = pi}, cap, file, NULL);
        snprintf(file, sizeof file, "plots/%s/balance", dir);
        snprintf(cap, sizeof cap, word(B, NT_W_BALANCE), r->program[pi].name);
        figure(B, (nt_fig){.kind = NT_FIG_LOVE, .prog = pi}, cap, file, NULL);
    }
}

/* 1 if a warning is about one programme (it starts with its name). */
static int cell_warning(const nt_report *r, const char *w)
{
    for (int i = 0; i < r->n_programs; i++) {
        size_t n = strlen(r->program[i].name);
        if (!strncmp(w, r->program[i].name, n) && w[n] == ',') return 1;
    }
    return 0;
}

/* One short paragraph: the run's general warnings (in the report's
   language, each once), how many more concern single cells, and the start
   months skipped per programme. */
static void warnings(build *B)
{
    const nt_report *r = B->r;
    nt_doc_heading(&B->doc, 2, word(B, NT_W_WARNINGS));
    size_t size = 8192, u;
    char *text = malloc(size), buf[2400], list[2048] = "";
    const char **said = calloc((size_t)r->n_warnings + 1, sizeof *said);
    char *said_buf = malloc((size_t)r->n_warnings * 128 + 1);
    if (!text || !said || !said_buf) { B->doc.oom = 1; free(text); free(said); free(said_buf); return; }
    text[0] = 0;
    int cells = 0, other = 0, n_said = 0;
    for (int i = 0; i < r->n_warnings; i++) {
        const char *w = r->warnings[i];
        if (cell_warning(r, w)) { cells++; continue; }
        if (!nt_report_warning_text(r->lang, w, buf, sizeof buf)) { other++; continue; }
        int seen = 0;  /* the same warning from the study file and the run: once */
        for (int j = 0; j < n_said && !seen; j++) seen = !strncmp(said[j], buf, 100);
        if (seen) continue;
        char *keep = said_buf + (size_t)n_said * 128;
        size_t kn = strnlen(buf, 127);
        memcpy(keep, buf, kn);
        keep[kn] = 0;
        said[n_said++] = keep;
        size_t len = strlen(buf);
        u = strlen(text);
        snprintf(text + u, size - u, "%s%c%s%s", u ? " " : "", (buf[0] >= 'a' && buf[0] <= 'z') ? buf[0] - 32 : buf[0],
                 buf + 1, len && buf[len - 1] == '.' ? "" : ".");
    }
    free(said);
    free(said_buf);
    const struct { int n; nt_word w; } more[] = {{cells, NT_W_CELL_WARNINGS}, {other, NT_W_UNTRANSLATED}};
    for (int k = 0; k < 2; k++) {
        if (!more[k].n) continue;
        snprintf(buf, sizeof buf, word(B, more[k].w), more[k].n);
        u = strlen(text);
        snprintf(text + u, size - u, "%s%s", u ? " " : "", buf);
    }
    for (int i = 0; i < r->n_programs; i++) {
        char of[64];
        snprintf(of, sizeof of, word(B, NT_W_OF), r->program[i].n_skipped, r->program[i].n_start);
        u = strlen(list);
        snprintf(list + u, sizeof list - u, "%s%s %s", i ? ", " : "", r->program[i].name, of);
    }
    snprintf(buf, sizeof buf, word(B, NT_W_SKIPPED_BY), list);
    u = strlen(text);
    if (!u) snprintf(text, size, "%s", word(B, NT_W_NO_WARNINGS));
    u = strlen(text);
    snprintf(text + u, size - u, " %s", buf);
    nt_doc_para(&B->doc, text);
    free(text);
}

static void compose(build *B)
{
    const nt_report *r = B->r;
    char ik[600];
    nt_report_interval_text(r, 0, ik, sizeof ik);
    snprintf(B->note, sizeof B->note, nt_lang_word(r->lang, NT_W_INTERVAL_OF), ik);
    if (r->min_cell > 0) {
        snprintf(B->legend, sizeof B->legend, word(B, NT_W_NOT_SHOWN), r->min_cell);
        size_t u = strlen(B->note);
        snprintf(B->note + u, sizeof B->note - u, " %s", B->legend);
    }
    study_section(B);
    descriptives(B);
    programmes(B);
    for (int v = 0; v < r->n_variables; v++) for_whom(B, v);
    for (int c = 0; c < r->n_chapters; c++)
        if (r->chapter[c].compose) r->chapter[c].compose(&B->doc, r, r->chapter[c].data);
    diagnostics(B);
    warnings(B);
}

static nt_status write_figures(build *B, const char *out, nt_report_file_fn on_file, void *fctx,
                               nt_report_text_fn on_text, void *tctx, nt_error *err)
{
    nt_status s = NT_OK;
    for (int i = 0; i < B->doc.n && !s; i++) {
        const nt_doc_block *b = &B->doc.b[i];
        if (b->kind != NT_DOC_FIGURE) continue;
        char rel[600], path[4800], dir[4800];
        snprintf(path, sizeof path, "%s/%s", out, b->file);
        snprintf(dir, sizeof dir, "%s", path);
        *strrchr(dir, '/') = 0;
        s = nt_mkdirs(dir, err);
        snprintf(path, sizeof path, "%s/%s.png", out, b->file);
        if (!s) s = nt_plot_write_png(path, b->w, b->h, b->draw, b->fig, B->r->lang, on_text, tctx, err);
        snprintf(rel, sizeof rel, "%s.png", b->file);
        if (!s && on_file) s = on_file(fctx, rel, err);
        snprintf(path, sizeof path, "%s/%s.pdf", out, b->file);
        if (!s) s = nt_plot_write_pdf(path, b->w, b->h, b->draw, b->fig, B->r->lang, err);
        snprintf(rel, sizeof rel, "%s.pdf", b->file);
        if (!s && on_file) s = on_file(fctx, rel, err);
    }
    return s;
}

nt_status nt_report_write(const nt_report *r, const char *out, nt_report_file_fn on_file, void *file_ctx,
                          nt_report_text_fn on_text, void *text_ctx, nt_error *err)
{
    build B = {.r = r};
    for (int oc = 0; oc < r->n_outcomes; oc++)
        if (!strcmp(r->outcome[oc], "employed")) { B.main_outcome = oc; break; }
    B.hl[B.n_hl++] = B.main_outcome;
    for (int oc = 0; oc < r->n_outcomes; oc++)
        if (!strcmp(r->outcome[oc], "earnings") && oc != B.main_outcome) B.hl[B.n_hl++] = oc;
    char source[1200], text[1000], sub[600];
    if (r->source) snprintf(text, sizeof text, "%s", r->source);
    else snprintf(text, sizeof text, nt_lang_word(r->lang, NT_W_SOURCE_DEFAULT), r->version, r->name);
    snprintf(source, sizeof source, nt_lang_word(r->lang, NT_W_SOURCE), text);
    snprintf(sub, sizeof sub, nt_lang_word(r->lang, NT_W_SUMMARY_CAPTION), r->name);
    nt_doc_init(&B.doc, r->lang, nt_lang_word(r->lang, NT_W_TITLE), sub, source);
    B.fig = calloc((size_t)(3 * r->n_programs + 2 + r->n_variables), sizeof *B.fig);
    nt_status s = NT_OK;
    if (!B.fig) s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) compose(&B);
    if (!s && B.doc.oom) s = nt_fail(err, NT_ENOMEM, "out of memory");
    if (!s) s = write_figures(&B, out, on_file, file_ctx, on_text, text_ctx, err);
    static const char *const names[] = {"report.html", "report.pdf", "summary.md", "summary.tex"};
    for (int i = 0; i < 4 && !s; i++) {
        char path[4800];
        snprintf(path, sizeof path, "%s/%s", out, names[i]);
        s = i == 0 ? nt_doc_write_html(&B.doc, path, err)
          : i == 1 ? nt_doc_write_pdf(&B.doc, path, err)
          : i == 2 ? nt_doc_write_markdown(&B.doc, path, err)
                   : nt_doc_write_latex(&B.doc, path, err);
        if (!s && on_file) s = on_file(file_ctx, names[i], err);
    }
    nt_doc_free(&B.doc);
    free(B.fig);
    return s;
}
