/* libFuzzer harness over the CSV reader (io/nt_csv.c) and the spell-file
   validator (io/nt_spells.c). How to build and run: docs/fuzzing.md.

   The input is written to files in a private temporary folder (the readers
   take paths). Byte 0 picks options; the rest is the CSV reader's input, and,
   split at the first 0xFF byte, the spells tables' inputs. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/nt_csv.h"
#include "io/nt_spells.h"

static char dir[256];

static void write_file(const char *path, const uint8_t *d, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) abort();
    if (n && fwrite(d, 1, n, fp) != n) abort();
    fclose(fp);
}

static void fuzz_csv(const char *path, int cp1252)
{
    nt_csv_opts o = {cp1252};
    nt_csv *c = NULL;
    nt_error err;
    if (nt_csv_open(path, &o, &c, &err)) return;
    volatile size_t sink = 0;
    for (int i = 0; i < nt_csv_header_count(c); i++) sink += strlen(nt_csv_header(c, i));
    long last = 0;
    int r;
    while ((r = nt_csv_next(c, &err)) == 1) {
        if (nt_csv_line(c) <= last) abort();   /* lines strictly increase */
        last = nt_csv_line(c);
        for (int i = 0; i < nt_csv_count(c); i++) {
            size_t n;
            const char *f = nt_csv_field(c, i, &n);
            if (f[n] != 0) abort();
            if (!(nt_csv_flags(c) & NT_CSV_NUL) && strlen(f) != n) abort();
            sink += n;
        }
        size_t rn;
        const char *raw = nt_csv_raw(c, &rn);
        for (size_t i = 0; i < rn; i++) sink += (unsigned char)raw[i];
    }
    if (r < 0 && err.line < 1) abort();
    (void)sink;
    nt_csv_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/netto-fuzz-%d", (int)getpid());
        char cmd[300];
        snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
        if (system(cmd) != 0) abort();
    }
    if (size < 1) return 0;
    int opt = data[0];
    data++;
    size--;
    char p[4][300];
    static const char *names[4] = {"persons.csv", "benefits.csv", "programs.csv", "jobs.csv"};
    for (int i = 0; i < 4; i++) snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    write_file(p[0], data, size);
    fuzz_csv(p[0], opt & 1);
#ifdef NT_FUZZ_SPELLS
    NT_FUZZ_SPELLS
#endif
    return 0;
}
