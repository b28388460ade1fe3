/* A tiny reader for the numeric/text CSV fixtures of the match and GLM tests
   (no quotes, comma-separated, header row). Header-only, static: each test
   program that includes it gets its own copy. */
#ifndef NT_TEST_CSV_SMALL_H
#define NT_TEST_CSV_SMALL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int ncol;
    long nrow;
    char **name;   /* ncol */
    char ***cell;  /* nrow x ncol strings */
} csv_small;

static void csv_small_free(csv_small *c)
{
    if (!c) return;
    for (long r = 0; r < c->nrow; r++) {
        for (int j = 0; j < c->ncol; j++) free(c->cell[r][j]);
        free(c->cell[r]);
    }
    for (int j = 0; j < c->ncol; j++) free(c->name[j]);
    free(c->cell);
    free(c->name);
    free(c);
}

static int csv_small_split(char *line, char ***out)
{
    int n = 0, cap = 8;
    char **f = malloc((size_t)cap * sizeof *f);
    char *s = line;
    for (;;) {
        char *e = strchr(s, ',');
        if (e) *e = 0;
        size_t len = strlen(s);
        while (len && (s[len - 1] == '\n' || s[len - 1] == '\r')) s[--len] = 0;
        if (n == cap) f = realloc(f, (size_t)(cap *= 2) * sizeof *f);
        f[n++] = strdup(s);
        if (!e) break;
        s = e + 1;
    }
    *out = f;
    return n;
}

static csv_small *csv_small_read(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return NULL;
    csv_small *c = calloc(1, sizeof *c);
    char buf[65536];
    if (!fgets(buf, sizeof buf, fp)) { fclose(fp); free(c); return NULL; }
    c->ncol = csv_small_split(buf, &c->name);
    long cap = 64;
    c->cell = malloc((size_t)cap * sizeof *c->cell);
    while (fgets(buf, sizeof buf, fp)) {
        if (buf[0] == '\n' || buf[0] == '\r') continue;
        if (c->nrow == cap) c->cell = realloc(c->cell, (size_t)(cap *= 2) * sizeof *c->cell);
        char **f;
        int n = csv_small_split(buf, &f);
        for (; n < c->ncol; n++) { f = realloc(f, (size_t)(n + 1) * sizeof *f); f[n] = strdup(""); }
        c->cell[c->nrow++] = f;
    }
    fclose(fp);
    return c;
}

static int csv_small_col(const csv_small *c, const char *name)
{
    for (int j = 0; j < c->ncol; j++) if (!strcmp(c->name[j], name)) return j;
    return -1;
}

static double csv_small_num(const csv_small *c, long r, int j)
{
    return strtod(c->cell[r][j], NULL);
}

#endif
