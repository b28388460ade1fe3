/* Ingest benchmark for the CSV reader and the spell validator (numbers in
   docs/ingest.md). Not part of the build; compile against build/:
     gcc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I. scripts/bench_csv.c \
       build/libnetto_data.a build/libnetto_core.a -lcsv -lreadstat -lnettle -lm -fopenmp -o /tmp/bench_csv
   /tmp/bench_csv gen DIR N     writes DIR/{persons,benefits,programs,jobs}.csv for N persons
   /tmp/bench_csv csv FILE      parses FILE with data/nt_csv (all fields touched)
   /tmp/bench_csv libcsv FILE   parses FILE with libcsv (callbacks count fields)
   /tmp/bench_csv spells DIR    nt_spells_read on the four files (strict) */
#include <csv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/nt_file_kind.h"
#include "data/nt_csv.h"
#include "data/nt_spells.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
    return (unsigned)(rng % n);
}

static void gen(const char *dir, long n)
{
    char p[NT_FILE_N][1024];
    FILE *f[NT_FILE_N];
    for (int i = 0; i < NT_FILE_N; i++) {
        snprintf(p[i], sizeof p[i], "%s/%s.csv", dir, nt_file_kind_name(i));
        f[i] = fopen(p[i], "w");
        if (!f[i]) { perror(p[i]); exit(1); }
    }
    fputs("person_id,birth_date,sex,education,migration,region,children\n", f[0]);
    fputs("person_id,scheme,start_date,end_date\n", f[1]);
    fputs("person_id,program,start_date,end_date,cost_eur,provider\n", f[2]);
    fputs("person_id,start_date,end_date,wage_eur_month,hours_week\n", f[3]);
    static const char *edu[3] = {"low", "mid", "high"}, *mig[3] = {"none", "western", "nonwestern"};
    static const char *sch[3] = {"WW", "WWB", "WIA"}, *prog[4] = {"bemiddeling", "scholing", "iro", "workfirst"};
    for (long i = 0; i < n; i++) {
        fprintf(f[0], "%09ld,%d-%02d-%02d,%c,%s,%s,R%02u,%u\n", i, 1950 + (int)rnd(50), 1 + (int)rnd(12),
                1 + (int)rnd(28), rnd(2) ? 'M' : 'F', edu[rnd(3)], mig[rnd(3)], rnd(40), rnd(4));
        int nb = 1 + (int)rnd(2);
        for (int k = 0; k < nb; k++) {
            int y = 2010 + (int)rnd(10), m = 1 + (int)rnd(12);
            fprintf(f[1], "%09ld,%s,%d-%02d-01,%d-%02d-28\n", i, sch[rnd(3)], y, m, y + 1, m);
        }
        if (rnd(2)) {
            int y = 2010 + (int)rnd(10), m = 1 + (int)rnd(12);
            fprintf(f[2], "%09ld,%s,%d-%02d-15,%d-%02d-15,%u.%02u,UWV\n", i, prog[rnd(4)], y, m, y, m < 12 ? m + 1 : m,
                    500 + rnd(5000), rnd(100));
        }
        int nj = 1 + (int)rnd(4);
        for (int k = 0; k < nj; k++) {
            int y = 2005 + (int)rnd(15), m = 1 + (int)rnd(12);
            fprintf(f[3], "%09ld,%d%02d01,%d%02d28,%u.%02u,%u\n", i, y, m, y + 1 + (int)rnd(3), m,
                    1500 + rnd(3000), rnd(100), 8 + rnd(32));
        }
    }
    for (int i = 0; i < 4; i++) fclose(f[i]);
}

static long nfields, nrecs;
static void cb1(void *s, size_t len, void *d) { (void)s; (void)d; nfields++; (void)len; }
static void cb2(int c, void *d) { (void)c; (void)d; nrecs++; }

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    double t0 = now();
    if (!strcmp(argv[1], "gen")) {
        gen(argv[2], argc > 3 ? atol(argv[3]) : 1000000);
    } else if (!strcmp(argv[1], "csv")) {
        nt_csv *c;
        nt_error err;
        if (nt_csv_open(argv[2], NULL, &c, &err)) { fprintf(stderr, "%s\n", err.msg); return 1; }
        size_t sum = 0;
        long recs = 0;
        while (nt_csv_next(c, &err) == 1) {
            recs++;
            for (int i = 0; i < nt_csv_count(c); i++) { size_t n; nt_csv_field(c, i, &n); sum += n; }
        }
        long long bytes = nt_csv_offset(c);
        nt_csv_close(c);
        double t = now() - t0;
        printf("nt_csv: %ld records, %lld bytes in %.3f s = %.0f MB/s\n", recs, bytes, t, bytes / t / 1e6);
    } else if (!strcmp(argv[1], "libcsv")) {
        struct csv_parser p;
        csv_init(&p, CSV_APPEND_NULL);
        FILE *fp = fopen(argv[2], "rb");
        static char buf[1 << 20];
        size_t n, bytes = 0;
        while ((n = fread(buf, 1, sizeof buf, fp)) > 0) {
            bytes += n;
            if (csv_parse(&p, buf, n, cb1, cb2, NULL) != n) { fprintf(stderr, "libcsv error\n"); return 1; }
        }
        csv_fini(&p, cb1, cb2, NULL);
        csv_free(&p);
        fclose(fp);
        double t = now() - t0;
        printf("libcsv: %ld records, %zu bytes in %.3f s = %.0f MB/s\n", nrecs, bytes, t, bytes / t / 1e6);
    } else if (!strcmp(argv[1], "spells")) {
        char p[NT_FILE_N][1024];
        nt_spells_opts o;
        memset(&o, 0, sizeof o);
        for (int i = 0; i < NT_FILE_N; i++) {
            snprintf(p[i], sizeof p[i], "%s/%s.csv", argv[2], nt_file_kind_name(i));
            o.path[i] = p[i];
        }
        o.decimal = '.';
        o.data_end = NT_DAY_NONE;
        nt_spells *s;
        nt_spells_report rep;
        nt_error err;
        if (nt_spells_read(&o, &s, &rep, &err)) { fprintf(stderr, "%s:%ld: %s\n", err.file, err.line, err.msg); return 1; }
        printf("nt_spells_read: %ld persons, %ld benefits (%ld merged), %ld programs, %ld jobs in %.3f s\n",
               s->persons.n, s->n_benefits, rep.merged[NT_FILE_BENEFITS], s->n_programs, s->n_jobs, now() - t0);
        nt_spells_free(s);
    }
    return 0;
}
