/* <out>/export/ of `netto run` (docs/disclosure.md): only what passed the
   disclosure rule of report/nt_disclose.h, as a folder an output checker
   can take as a whole:
     the tables and plots the run wrote (already disclosure-controlled:
       copied byte for byte), summary.md/.tex;
     manifest.json without file paths (nt_manifest_write_export), with
       cleared_for_export true only if every check passed;
     disclosure.txt: the output-checking request (rules, threshold, cells
       suppressed per table and why, what the folder does not contain,
       what a checker should still look at by hand).
   Built in <out>/.export-XXXXXX and renamed when complete, after the
   top-level manifest: a failed or killed run leaves no export/ (a former
   run's is removed before anything is written). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nt_file.h"
#include "study/nt_run_parts.h"

static nt_status add_string(char ***list, int *n, const char *text, nt_error *err)
{
    char **l = realloc(*list, (size_t)(*n + 1) * sizeof *l);
    if (!l) return nt_fail(err, NT_ENOMEM, "out of memory");
    *list = l;
    if (!(l[*n] = strdup(text))) return nt_fail(err, NT_ENOMEM, "out of memory");
    (*n)++;
    return NT_OK;
}

nt_status nt_run_file_add(nt_run_state *P, const char *rel, nt_error *err)
{
    return add_string(&P->files, &P->n_files, rel, err);
}

nt_status nt_run_disclosure_note(nt_run_state *P, const char *name, const nt_table *t, nt_error *err)
{
    if (P->n_table_notes < NT_RUN_MAX_TABLES) {
        nt_run_table_note *n = &P->table_note[P->n_table_notes++];
        snprintf(n->name, sizeof n->name, "%s", name);
        n->rows = nt_table_rows(t);
        nt_table_disclosure_counts(t, P->st->min_cell, n->cells, &n->rows_suppressed);
    }
    return nt_run_file_add(P, name, err);
}

void nt_run_export_free(nt_run_state *P)
{
    for (int i = 0; i < P->n_files; i++) free(P->files[i]);
    free(P->files);
    for (int i = 0; i < P->n_detail; i++) free(P->detail[i]);
    free(P->detail);
    free(P->group_rel);
    P->group_rel = NULL;
    P->files = P->detail = NULL;
    P->n_files = P->n_detail = 0;
}

/* Removes a folder of files and folders (export/ holds plots/<programme>/). */
static int remove_tree(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) return errno == ENOENT ? 0 : -1;
    struct dirent *e;
    int bad = 0;
    char path[4400];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        nt_path_join(path, sizeof path, dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0) { bad = 1; continue; }
        if (S_ISDIR(st.st_mode)) bad |= depth > 0 ? remove_tree(path, depth - 1) != 0 : 1;
        else bad |= unlink(path) != 0;
    }
    closedir(d);
    return bad || rmdir(dir) != 0 ? -1 : 0;
}

nt_status nt_run_export_clear(const char *out, nt_error *err)
{
    char path[4400];
    nt_path_join(path, sizeof path, out, "export");
    if (remove_tree(path, 2) != 0)
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot remove the former export folder: %s", strerror(errno));
    DIR *d = opendir(out);
    if (!d) return NT_OK;
    struct dirent *e;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, ".export-", 8)) {
            nt_path_join(path, sizeof path, out, e->d_name);
            remove_tree(path, 2);
        }
    closedir(d);
    return NT_OK;
}

static nt_status copy_file(const char *src, const char *dst, nt_error *err)
{
    FILE *in = fopen(src, "rb");
    if (!in) return nt_fail_at(err, NT_EIO, src, 0, NULL, "cannot read for export/: %s", strerror(errno));
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, dst, err);
    if (s) { fclose(in); return s; }
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, f.fp) != n) break;
    int bad = ferror(in);
    fclose(in);
    if (bad) {
        fclose(f.fp);
        remove(f.tmp);
        return nt_fail_at(err, NT_EIO, src, 0, NULL, "read failed");
    }
    return nt_outfile_commit(&f, err);
}

/* disclosure.txt: shaped as the output-checking request researchers fill in. */
static nt_status write_request(const nt_run_state *P, const char *path, const char *failed, nt_error *err)
{
    const nt_study *st = P->st;
    nt_outfile f;
    nt_status s = nt_outfile_open(&f, path, err);
    if (s) return s;
    FILE *fp = f.fp;
    long mc = st->min_cell;
    fprintf(fp, "OUTPUT CHECKING REQUEST - netto run, study \"%s\"\n", st->name);
    fprintf(fp, "Produced by netto %s (method %s). Researcher, project number and date: to be filled in.\n\n",
            NETTO_VERSION, nt_run_method(P));
    fprintf(fp, "1. Cleared for export: %s\n", failed ? "NO" : "yes");
    if (failed) fprintf(fp, "   Not cleared: %s.\n", failed);
    fprintf(fp, "\n2. Rules applied (docs/disclosure.md; CBS output guidelines, rules of thumb)\n");
    fprintf(fp, "   Threshold: every number rests on at least %ld persons ([disclosure] min_cell).\n", mc);
    fprintf(fp, "   - A comparison rests on both sides: the smaller of its treated and its controls, the\n"
                "     controls counted as those actually used (with weight) and, for weights, as Kish's\n"
                "     effective number 1 / sum(w^2) (per start month in effects_by_start.csv).\n"
                "   - A share of a binary variable also rests on the persons with and without the level\n"
                "     (share x n and (1 - share) x n, treated and controls).\n"
                "   - Dominance ((n,k) rule) on magnitudes (earnings effects, costs): suppressed when the\n"
                "     largest contributor exceeds %.0f%% or the two largest %.0f%% of the sum, on either side\n"
                "     ([disclosure] dominance_top1, dominance_top2).\n"
                "   - Dominance also on the means of continuous covariates in balance.csv (earnings, months\n"
                "     employed), with bounds for controls that are rows in several start months.\n"
                "   - Secondary suppression: where a subgroup variable has one suppressed level in a count,\n"
                "     mean, effect or euro sum, the next smallest level (or the total) is suppressed as\n"
                "     well, so no total minus the other levels gives a suppressed cell; a remainder of\n"
                "     fewer than min_cell persons outside a variable's levels counts as suppressed; a group\n"
                "     inside another (the whole cohort, overlapping ranges, a level of another variable)\n"
                "     whose counts differ by 1 to min_cell - 1 is suppressed; a number published twice\n"
                "     (cost and net benefit in summary.csv's outcome rows and in cost_benefit.csv, both\n"
                "     perspectives' rows) is shown only where every copy is, and a difference\n"
                "     (differences.csv) only where both its sides are.\n"
                "   - Means, shares and effects are printed rounded to a step (1, 2 or 5 x 10^-d) of at\n"
                "     least 1 / (n - %ld) for their n persons, so their digits do not reveal a denominator.\n",
                st->dominance_top1, st->dominance_top2, st->round > 1 ? st->round : 1);
    fprintf(fp, "   - A total over months (cumulative effect, lock-in, break-even, net benefit) rests on\n"
                "     every month it uses: it is suppressed when any of them is, so no suppressed month\n"
                "     can be recovered as a total minus published months.\n"
                "   - Person counts are shown when 0 or at least %ld, rounded to a multiple of %ld\n"
                "     ([disclosure] round), so consecutive counts reveal no exact difference.\n"
                "   - Warnings and the manifest write counts below %ld as \"< %ld\".\n"
                "   - Plots draw no line, band or marker on a suppressed month; a break-even resting on a\n"
                "     suppressed month is not shown. A suppressed cell is empty; its row's `suppressed`\n"
                "     column names the emptied columns.\n", mc, st->round > 1 ? st->round : 1, mc, mc);
    fprintf(fp, "\n3. Cells suppressed per table\n");
    fprintf(fp, "   %-22s %8s %14s  %s\n", "table", "rows", "rows affected", "cells emptied, by reason");
    for (int i = 0; i < P->n_table_notes; i++) {
        const nt_run_table_note *n = &P->table_note[i];
        fprintf(fp, "   %-22s %8ld %14ld ", n->name, n->rows, n->rows_suppressed);
        int any = 0;
        for (int w = 0; w < NT_WHY_N; w++)
            if (n->cells[w]) {
                fprintf(fp, "%s %ld: %s", any ? ";" : "", n->cells[w], nt_disclose_why_text((nt_disclose_why)w));
                any = 1;
            }
        fprintf(fp, "%s\n", any ? "" : " none");
    }
    fprintf(fp, "   report.html, report.pdf, summary.md and summary.tex show summary.csv's and\n"
                "   balance.csv's cells (rounded); their figures (plots/) draw what effects.csv (monthly\n"
                "   effects) and summary.csv (cumulative effects) show; the overlap figures show shares\n"
                "   of propensity-score bins only where the persons in and out of a bin are >= min_cell.\n");
    fprintf(fp, "\n4. Files in this folder\n");
    for (int i = 0; i < P->n_files; i++) fprintf(fp, "   %s\n", P->files[i]);
    fprintf(fp, "   manifest.json   settings, input checksums (no paths), counts, warnings\n"
                "   disclosure.txt  this request\n");
    fprintf(fp, "\n5. What this folder does not contain\n"
                "   No person-level data: not the cohort store, the rejected records, the data files or\n"
                "   their paths (all stay in the results folder's private/, mode 0700); no matched sets;\n"
                "   no exact person counts below %ld; no unrounded counts; no bootstrap replicates.\n", mc);
    fprintf(fp, "\n6. For the checker to look at by hand\n"
                "   - Start months and intervals as parts: effects.csv's month is a weighted mean of\n"
                "     effects_by_start.csv's start months, balance.csv's `all` rows of its intervals;\n"
                "     secondary suppression runs across subgroups, not across start months.\n"
                "   - Weighted control means in balance.csv (mean_control_after) rest on the interval's\n"
                "     controls, not their effective number.\n"
                "   - This export and an earlier one on overlapping data can be differenced.\n"
                "   - Standard errors and propensity coefficients are printed with 10 digits.\n"
                "   - Warnings in manifest.json are free text: read them.\n");
    return nt_outfile_commit(&f, err);
}

nt_status nt_run_export_build(nt_run_state *P, char *tmp, size_t size, nt_error *err)
{
    const nt_study *st = P->st;
    tmp[0] = 0;
    const char *failed = nt_disclose_settings_check(st->min_cell, st->round, st->dominance_top1, st->dominance_top2);
    nt_manifest_disclosure(P->m, st->min_cell, 0);
    nt_manifest_disclosure_export(P->m, st->min_cell > 0 ? st->round : 1, st->min_cell > 0 ? "export/" : NULL, failed);
    if (st->min_cell <= 0) return NT_OK;
    if ((size_t)snprintf(tmp, size, "%s/.export-XXXXXX", P->out) >= size || !mkdtemp(tmp)) {
        tmp[0] = 0;
        return nt_fail_at(err, NT_EIO, P->out, 0, NULL, "cannot create the export folder: %s", strerror(errno));
    }
    char path[4600], src[4600];
    nt_path_join(path, sizeof path, tmp, "plots");
    nt_status s = nt_mkdirs(path, err);
    for (int i = 0; i < P->n_files && !s; i++) {
        nt_path_join(src, sizeof src, P->out, P->files[i]);
        nt_path_join(path, sizeof path, tmp, P->files[i]);
        char *slash = strrchr(path, '/');   /* plots/<programme>/... */
        *slash = 0;
        s = nt_mkdirs(path, err);
        *slash = '/';
        if (!s) s = copy_file(src, path, err);
    }
    nt_path_join(path, sizeof path, tmp, "disclosure.txt");
    if (!s) s = write_request(P, path, failed, err);
    nt_path_join(path, sizeof path, tmp, "manifest.json");
    if (!s) s = nt_manifest_write_export(P->m, path, !failed, err);
    mode_t u = umask(022);
    umask(u);
    if (!s && chmod(tmp, 0777 & ~u) != 0) /* mkdtemp made it 0700: aggregates are for the project */
        s = nt_fail_at(err, NT_EIO, tmp, 0, NULL, "cannot set the export folder's mode: %s", strerror(errno));
    if (s) { remove_tree(tmp, 2); tmp[0] = 0; }
    return s;
}

nt_status nt_run_export_commit(nt_run_state *P, const char *tmp, nt_error *err)
{
    if (!tmp[0]) return NT_OK;
    char path[4400];
    nt_path_join(path, sizeof path, P->out, "export");
    if (rename(tmp, path) != 0) {
        int e = errno;
        remove_tree(tmp, 2);
        return nt_fail_at(err, NT_EIO, path, 0, NULL, "cannot rename the finished export folder into place: %s", strerror(e));
    }
    return NT_OK;
}
