/* Writes small SPSS .sav and Stata .dta files with ReadStat's writer API,
   for tests (value labels, date formats): what R's haven would write, made
   without R. Columns are strings or doubles; a double column may carry a
   format ("%td", "DATE11") and value labels (code -> label). Also used by
   scripts/make_readstat_seeds.c for the fuzzer's seeds. */
#ifndef NT_RS_WRITE_H
#define NT_RS_WRITE_H

#include <readstat.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *name;
    int is_string;
    const char *format;          /* NULL: none */
    int n_labels;
    const double *codes;         /* n_labels */
    const char *const *labels;
} rs_col;

static ssize_t rs_write_bytes(const void *b, size_t n, void *ctx)
{
    return (ssize_t)fwrite(b, 1, n, (FILE *)ctx);
}

/* cells: nrow x ncol texts; NULL missing; doubles parsed with strtod.
   Returns 0 on success. */
static int rs_write_file(const char *path, int dta, const rs_col *cols, int ncol, const char *const *cells, long nrow)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return -1;
    readstat_writer_t *w = readstat_writer_init();
    readstat_set_data_writer(w, rs_write_bytes);
    if (dta) readstat_writer_set_file_format_version(w, 118);
    readstat_variable_t *var[32];
    for (int j = 0; j < ncol && j < 32; j++) {
        size_t width = 0;
        if (cols[j].is_string)
            for (long i = 0; i < nrow; i++) {
                const char *v = cells[i * ncol + j];
                if (v && strlen(v) > width) width = strlen(v);
            }
        var[j] = readstat_add_variable(w, cols[j].name, cols[j].is_string ? READSTAT_TYPE_STRING : READSTAT_TYPE_DOUBLE,
                                       cols[j].is_string ? (width ? width : 1) : 0);
        if (cols[j].format) readstat_variable_set_format(var[j], cols[j].format);
        if (cols[j].n_labels) {
            char set[64];
            snprintf(set, sizeof set, "%s_lbl", cols[j].name);
            readstat_label_set_t *ls = readstat_add_label_set(w, dta ? READSTAT_TYPE_INT32 : READSTAT_TYPE_DOUBLE, set);
            for (int k = 0; k < cols[j].n_labels; k++) {
                if (dta) readstat_label_int32_value(ls, (int32_t)cols[j].codes[k], cols[j].labels[k]);
                else readstat_label_double_value(ls, cols[j].codes[k], cols[j].labels[k]);
            }
            readstat_variable_set_label_set(var[j], ls);
        }
    }
    readstat_error_t e = dta ? readstat_begin_writing_dta(w, fp, nrow) : readstat_begin_writing_sav(w, fp, nrow);
    for (long i = 0; i < nrow && e == READSTAT_OK; i++) {
        e = readstat_begin_row(w);
        for (int j = 0; j < ncol && e == READSTAT_OK; j++) {
            const char *v = cells[i * ncol + j];
            if (!v) e = readstat_insert_missing_value(w, var[j]);
            else if (cols[j].is_string) e = readstat_insert_string_value(w, var[j], v);
            else e = readstat_insert_double_value(w, var[j], strtod(v, NULL));
        }
        if (e == READSTAT_OK) e = readstat_end_row(w);
    }
    if (e == READSTAT_OK) e = readstat_end_writing(w);
    readstat_writer_free(w);
    if (fclose(fp) != 0 || e != READSTAT_OK) {
        fprintf(stderr, "rs_write_file %s: %s\n", path, readstat_error_message(e));
        return -1;
    }
    return 0;
}

#endif
