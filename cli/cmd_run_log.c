/* What `netto run` says when it is done (cli/cmd_run.c): one line per kind
   of warning on stderr, every warning in <out>/run.log, and the headline
   figures read back from the published summary.csv.

   A kind is a warning's text after its "programme, subgroup[, start
   months a-b]: " context, up to its first " (" or ";", with digits ignored:
   "not estimated: too few to fit a propensity model" once for all cells it
   concerns. The warnings' person counts were already passed through
   report/nt_disclose (the same text as in the manifest), and the headline is
   the disclosed summary.csv: run.log holds nothing the manifest and the
   published tables do not. */
#include "cli/cmd_run_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_file.h"

/* The text after the context prefix, or the whole warning. */
static const char *after_context(const nt_study *st, const char *w)
{
    for (int i = 0; i < st->n_programs; i++) {
        size_t k = strlen(st->programs[i]);
        if (!strncmp(w, st->programs[i], k) && w[k] == ',') {
            const char *c = strstr(w + k, ": ");
            return c ? c + 2 : w;
        }
    }
    return w;
}

/* The kind's key: the text up to " (" or ";", digits dropped. */
static void kind_key(const char *t, char *key, size_t size)
{
    size_t o = 0;
    for (; *t && o + 1 < size; t++) {
        if (!strncmp(t, " (", 2) || *t == ';') break;
        if (*t >= '0' && *t <= '9') continue;
        key[o++] = *t;
    }
    key[o] = 0;
}

static long start_months(const nt_study *st) { return (long)st->start_last - st->start_first + 1; }

void nt_cli_run_warnings(const nt_study *st, const nt_pipeline_report *rep, int verbose)
{
    int n = rep->n_warnings;
    if (verbose) {
        for (int i = 0; i < n; i++) fprintf(stderr, "netto run: warning: %s\n", rep->warnings[i]);
        return;
    }
    char (*keys)[256] = calloc((size_t)n + 1, sizeof *keys);
    int *first = calloc((size_t)n + 1, sizeof *first), *count = calloc((size_t)n + 1, sizeof *count);
    if (!keys || !first || !count) {
        free(keys); free(first); free(count);
        for (int i = 0; i < n; i++) fprintf(stderr, "netto run: warning: %s\n", rep->warnings[i]);
        return;
    }
    int nk = 0;
    for (int i = 0; i < n; i++) {
        char key[256];
        kind_key(after_context(st, rep->warnings[i]), key, sizeof key);
        int k = 0;
        while (k < nk && strcmp(keys[k], key)) k++;
        if (k == nk) { snprintf(keys[nk], sizeof keys[nk], "%s", key); first[nk++] = i; }
        count[k]++;
    }
    for (int k = 0; k < nk; k++) {
        const char *w = rep->warnings[first[k]];
        const char *t = after_context(st, w);
        if (strstr(keys[k], "start months skipped")) {
            const char *why = strstr(t, " (");
            long cells = (long)rep->n_programs * rep->n_groups * start_months(st);
            int wn = why ? (int)strcspn(why, ";)") : 0;
            fprintf(stderr, "netto run: warning: %ld of %ld start-month cells skipped%.*s%s; see start_months.csv\n",
                    rep->n_skipped_months, cells, wn, why ? why : "", why ? ")" : "");
        } else if (count[k] == 1 || t == w) {
            fprintf(stderr, "netto run: warning: %s%s\n", w, count[k] > 1 ? " (and more like it in run.log)" : "");
        } else {
            int tn = (int)strcspn(t, ";(");
            while (tn > 0 && t[tn - 1] == ' ') tn--;
            fprintf(stderr, "netto run: warning: %d times \"%.*s\" (first: %.*s); all in %s/run.log\n", count[k], tn, t,
                    (int)(t - w - 2), w, rep->out);
        }
    }
    free(keys); free(first); free(count);
}

/* Splits a CSV line (quotes as RFC 4180) into at most max fields in place. */
static int csv_split(char *s, char **f, int max)
{
    int n = 0;
    char *o = s;
    while (n < max) {
        f[n++] = o;
        int q = *s == '"';
        if (q) s++;
        while (*s && (q || (*s != ',' && *s != '\n' && *s != '\r'))) {
            if (q && *s == '"') {
                if (s[1] == '"') { *o++ = '"'; s += 2; continue; }
                q = 0; s++;
                continue;
            }
            *o++ = *s++;
        }
        int more = *s == ',';
        *o++ = 0;
        if (!more) break;
        s++;
    }
    return n;
}

/* A table's number with 4 significant digits (a rotating buffer). */
static const char *num(const char *v)
{
    static char buf[4][32];
    static int k;
    k = (k + 1) % 4;
    char *e;
    double x = strtod(v, &e);
    if (e == v) return v;
    snprintf(buf[k], sizeof buf[k], "%+.4g", x);
    return buf[k];
}

/* The headline: per programme, the whole cohort's first outcome at the
   longest horizon, from summary.csv. */
static void headline(const nt_study *st, const char *out, FILE *fp1, FILE *fp2)
{
    char path[4200], line[8192];
    snprintf(path, sizeof path, "%s/summary.csv", out);
    FILE *in = fopen(path, "r");
    if (!in) return;
    char *f[64], hdr[8192];
    int col[8], nh = 0;
    const char *want[8] = {"program", "subgroup", "outcome", "horizon_months", "cumulative_effect",
                           "cumulative_ci_lower", "cumulative_ci_upper", "breakeven_month"};
    if (!fgets(hdr, sizeof hdr, in)) { fclose(in); return; }
    nh = csv_split(hdr, f, 64);
    for (int k = 0; k < 8; k++) {
        col[k] = -1;
        for (int j = 0; j < nh; j++) if (!strcmp(f[j], want[k])) col[k] = j;
        if (col[k] < 0) { fclose(in); return; }
    }
    const char *series = st->n_series ? st->series[0] : "employed";
    char best[8][128];
    char prog[256] = "";
    long hbest = -1;
    int header_done = 0;
    for (int more = 1; more;) {
        more = fgets(line, sizeof line, in) != NULL;
        int nf = more ? csv_split(line, f, 64) : 0;
        int same = more && nf > col[7] && !strcmp(f[col[0]], prog);
        if (!same && hbest >= 0) {   /* the previous programme's row */
            FILE *fps[2] = {fp1, fp2};
            for (int p = 0; p < 2; p++) {
                if (!fps[p]) continue;
                if (!header_done)
                    fprintf(fps[p], "headline (whole cohort, %s, cumulative effect %s months after the start):\n", series, best[3]);
                if (!best[4][0])
                    fprintf(fps[p], "  %-20s suppressed (disclosure control) or not estimated\n", best[0]);
                else
                    fprintf(fps[p], "  %-20s %s (%g%% CI %s to %s), break-even month %s\n", best[0], num(best[4]),
                            100 * (st->ci_level > 0 ? st->ci_level : 0.95), best[5][0] ? num(best[5]) : "-",
                            best[6][0] ? num(best[6]) : "-", best[7][0] ? best[7] : "not reached");
            }
            header_done = 1;
            hbest = -1;
        }
        if (!more || nf <= col[7]) continue;
        snprintf(prog, sizeof prog, "%s", f[col[0]]);
        if (f[col[1]][0] || strcmp(f[col[2]], series)) continue;
        long h = strtol(f[col[3]], NULL, 10);
        if (h <= hbest) continue;
        hbest = h;
        for (int k = 0; k < 8; k++) snprintf(best[k], sizeof best[k], "%s", f[col[k]]);
    }
    fclose(in);
}

void nt_cli_run_headline(const nt_study *st, const nt_pipeline_report *rep)
{
    printf("study %s: %ld persons in the cohort, %ld analysed; %d programme(s) x %d group(s); "
           "%ld of %ld start-month cells skipped; %.1f s\n",
           st->name, rep->n_persons, rep->n_analysed, rep->n_programs, rep->n_groups, rep->n_skipped_months,
           (long)rep->n_programs * rep->n_groups * start_months(st), rep->seconds);
    headline(st, rep->out, stdout, NULL);
    printf("report: %s/report.html, %s/report.pdf (tables: summary.md, summary.csv, effects.csv, differences.csv, "
           "cost_benefit.csv; plots/; manifest.json)\n", rep->out, rep->out);
    printf("export: %s/export/ (what passed disclosure control); log: %s/run.log\n", rep->out, rep->out);
}

nt_status nt_cli_run_log(const nt_study *st, const nt_pipeline_report *rep, nt_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run.log", rep->out);
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    fprintf(f.fp, "netto run %s: study %s\n", st->path, st->name);
    fprintf(f.fp, "%ld persons in the cohort, %ld analysed; %d programme(s) x %d group(s); "
                  "%ld of %ld start-month cells skipped; %.1f s\n",
            rep->n_persons, rep->n_analysed, rep->n_programs, rep->n_groups, rep->n_skipped_months,
            (long)rep->n_programs * rep->n_groups * start_months(st), rep->seconds);
    headline(st, rep->out, f.fp, NULL);
    fprintf(f.fp, "%d warning(s):\n", rep->n_warnings);
    for (int i = 0; i < rep->n_warnings; i++) fprintf(f.fp, "warning: %s\n", rep->warnings[i]);
    return nt_outfile_commit(&f, err);
}
