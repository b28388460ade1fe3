/* Test-only reader for the simple CSVs under tests/data and tests/golden
   (comma, header row, no quoting, empty = NaN). Header-only, static. */
#ifndef SURV_TESTDATA_H
#define SURV_TESTDATA_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int ncol;
    long nrow;
    char **name;   /* ncol */
    char ***cell;  /* nrow x ncol strings */
} tcsv;

static inline tcsv *tcsv_read(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return NULL;
    tcsv *t = calloc(1, sizeof *t);
    char line[8192];
    long cap = 0;
    int first = 1;
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\r\n")] = 0;
        int n = 1;
        for (char *p = line; *p; p++) n += *p == ',';
        char **f = calloc((size_t)n, sizeof *f);
        char *s = line;
        for (int j = 0; j < n; j++) {
            char *c = strchr(s, ',');
            if (c) *c = 0;
            f[j] = strdup(s);
            s = c ? c + 1 : s + strlen(s);
        }
        if (first) { t->name = f; t->ncol = n; first = 0; continue; }
        if (t->nrow == cap) { cap = cap ? 2 * cap : 256; t->cell = realloc(t->cell, (size_t)cap * sizeof *t->cell); }
        t->cell[t->nrow++] = f;
    }
    fclose(fp);
    return t;
}

static inline void tcsv_free(tcsv *t)
{
    if (!t) return;
    for (long i = 0; i < t->nrow; i++) {
        for (int j = 0; j < t->ncol; j++) free(t->cell[i][j]);
        free(t->cell[i]);
    }
    for (int j = 0; j < t->ncol; j++) free(t->name[j]);
    free(t->name); free(t->cell); free(t);
}

static inline int tcsv_col(const tcsv *t, const char *name)
{
    for (int j = 0; j < t->ncol; j++) if (!strcmp(t->name[j], name)) return j;
    fprintf(stderr, "no column %s\n", name);
    abort();
}

static inline const char *tcsv_str(const tcsv *t, long i, const char *col) { return t->cell[i][tcsv_col(t, col)]; }

static inline double tcsv_num(const tcsv *t, long i, const char *col)
{
    const char *s = tcsv_str(t, i, col);
    return *s ? strtod(s, NULL) : NAN;
}

/* Column as a freshly allocated double array (caller frees). */
static inline double *tcsv_column(const tcsv *t, const char *col)
{
    double *x = malloc((size_t)t->nrow * sizeof *x);
    for (long i = 0; i < t->nrow; i++) x[i] = tcsv_num(t, i, col);
    return x;
}

/* NaN-aware comparison: both undefined, or relatively close. */
static inline int tnear(double a, double b, double rel)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return fabs(a - b) <= rel * fmax(fabs(b), 1e-300) || fabs(a - b) < 1e-300;
}

#endif
