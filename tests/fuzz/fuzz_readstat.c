/* libFuzzer harness over the ReadStat path: SPSS .sav and Stata .dta files
   through the cell source (data/nt_cells.c: metadata, value labels, date
   formats, values turned into text) and, with option bit 1, through the
   spell validator as the persons file. How to build and run:
   docs/fuzzing.md.

   Byte 0 picks options: bit 0 .dta (else .sav), bit 1 also nt_spells_read
   with the file as persons (the other tables small valid CSV files), bit 2
   lenient. The rest is the file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/nt_cells.h"
#include "data/nt_spells.h"

static char dir[256];

static void write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) abort();
    if (n && fwrite(d, 1, n, fp) != n) abort();
    fclose(fp);
}

static void fuzz_cells(const char *path)
{
    nt_cells *c = NULL;
    nt_error err;
    if (nt_cells_open(path, NULL, &c, &err) != NT_OK) {
        if (c || !err.msg[0]) abort();
        return;
    }
    int nc = nt_cells_columns(c);
    for (int j = 0; j < nc; j++) {
        const char *nm = nt_cells_name(c, j);
        if (!nm || nt_cells_find(c, nm) < 0) abort();
    }
    volatile size_t sink = 0;
    char rec[1001];
    int r;
    long rows = 0;
    while ((r = nt_cells_next(c, &err)) == 1) {
        if (nt_cells_line(c) != rows + 1) abort();
        rows++;
        for (int j = -1; j <= nc; j++) {
            size_t n;
            const char *v = nt_cells_field(c, j, &n);
            if (!v || strlen(v) < n) abort();
            sink += n;
        }
        if (nt_cells_check(c).kind != NT_CELLS_FINE) abort();
        sink += nt_cells_record(c, rec, 1000);
    }
    if (r < 0) abort();   /* a ReadStat file is read whole at open */
    nt_cells_kept *k = NULL;
    if (nt_cells_keep(c, &k, &err) == NT_OK) {
        for (long i = -1; i <= rows; i++) sink += nt_cells_kept_text(k, i, rec, 1000);
        nt_cells_kept_free(k);
    }
    (void)sink;
    nt_cells_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s/netto-fuzz-rs-%d", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp",
                 (int)getpid());
        char cmd[300];
        snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
        if (system(cmd) != 0) abort();
    }
    if (size < 1) return 0;
    int opt = data[0];
    data++;
    size--;
    char p[4][300];
    snprintf(p[0], sizeof p[0], "%s/persons.%s", dir, opt & 1 ? "dta" : "sav");
    write_file(p[0], data, size);
    fuzz_cells(p[0]);
    if (!(opt & 2)) return 0;

    static const char *names[4] = {NULL, "benefits.csv", "programs.csv", "jobs.csv"};
    static const char *dflt[4] = {
        NULL, "person_id,scheme,start_date,end_date\n0007,WW,2020-01-01,2020-02-01\n1,ww,2020-02-02,\n",
        "person_id,program,start_date,end_date,cost_eur,provider\n0003,iro,2020-01-01,,1,UWV\n",
        "person_id,start_date,end_date,wage_eur_month,hours_week\n0012,2020-01-01,,1000,20\n"};
    for (int i = 1; i < 4; i++) {
        snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
        write_file(p[i], (const uint8_t *)dflt[i], strlen(dflt[i]));
    }
    nt_spells_opts o;
    memset(&o, 0, sizeof o);
    for (int i = 0; i < 4; i++) o.path[i] = p[i];
    o.lenient = (opt >> 2) & 1;
    o.ignore_unknown_persons = 1;
    o.decimal = '.';
    o.data_end = NT_DAY_NONE;
    nt_spells *s = NULL;
    nt_spells_report rep;
    nt_error err;
    if (nt_spells_read(&o, &s, &rep, &err) == NT_OK) {
        for (long i = 1; i < s->persons.n; i++)
            if (strcmp(s->persons.id[i - 1], s->persons.id[i]) >= 0) abort();
        nt_spells_free(s);
    } else if (s) {
        abort();
    }
    return 0;
}
