/* libFuzzer harness over the study-file reader (study/nt_study.c and its
   key table study/nt_study_keys.c, libinih through the line-counting
   reader). How to build and run: docs/fuzzing.md.

   The input is the study file, written to a private temporary folder; on
   success every setting goes into a manifest (nt_study_record), the key
   lines and costs are looked up, and --out is replaced, as `netto run`
   does. On failure the error must name the study file and a line within
   it. The same file is also read by netto check's reader
   (nt_study_check_file), which goes on after a bad key. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/nt_manifest.h"
#include "study/nt_study.h"

static char dir[256];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/netto-fuzz-study-%d", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
                 (int)getpid());
        char cmd[300];
        snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
        if (system(cmd) != 0) abort();
    }
    char path[300];
    snprintf(path, sizeof path, "%s/study.ini", dir);
    FILE *fp = fopen(path, "wb");
    if (!fp) abort();
    if (size && fwrite(data, 1, size, fp) != size) abort();
    fclose(fp);
    long lines = 1;
    for (size_t i = 0; i < size; i++) lines += data[i] == '\n';

    /* netto check's reader: every bad key, each naming a line of the file */
    static nt_error errs[50];
    int ne = 0;
    nt_study *s = NULL;
    if (nt_study_check_file(path, &s, errs, 50, &ne) == NT_OK) {
        if (!s || ne) abort();
        nt_study_free(s);
        s = NULL;
    } else {
        if (s || ne < 1 || ne > 50) abort();
        for (int i = 0; i < ne; i++)
            if (errs[i].line < 0 || errs[i].line > lines || !errs[i].msg[0]) abort();
    }
    nt_error err;
    memset(&err, 0, sizeof err);
    if (nt_study_read(path, &s, &err) != NT_OK) {
        if (s) abort();
        if (err.line < 0 || err.line > lines) abort();
        if (!err.msg[0]) abort();
        return 0;
    }
    nt_manifest *m = nt_manifest_alloc(0, NULL);
    if (m) {
        nt_study_record(s, m);
        nt_manifest_free(m);
    }
    static const char *sections[] = {"study", "data", "cohort", "treatment", "estimator", "outcomes",
                                     "inference", "subgroups", "cost", "disclosure"};
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++) {
        long l = nt_study_line(s, sections[i], NULL);
        if (l < 0 || l > lines) abort();
    }
    for (int i = 0; i < s->n_subgroups; i++) {
        nt_study_subgroup *g = &s->subgroups[i];
        if (g->n_groups < 1 || !g->variable) abort();
        for (int k = 0; k < g->n_groups; k++)
            if (!g->groups[k].value || !g->groups[k].label) abort();
        (void)nt_study_line(s, "subgroups", g->variable);
    }
    for (int i = 0; i < s->n_programs; i++) (void)nt_study_cost_of(s, s->programs[i]);
    for (int i = 0; i < s->n_costs; i++)
        if (!(s->costs[i].euros >= 0)) abort();
    if (s->start_first > s->start_last) abort();
    nt_study_set_out(s, "elsewhere", &err);
    nt_study_free(s);
    return 0;
}
