/* HDF5 cohort store: the block reader (layout in docs/store.md; writing
   is nt_store_write.c). One handle, one thread: see nt_store.h. */
#include "data/nt_store.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/nt_store_h5.h"

void nt_store_levels_free(char **levels, int n) { nt_store_h5_strings_free(levels, n); }

void nt_store_close(nt_store *st)
{
    if (!st) return;
    for (int s = 0; s < NT_SERIES_N; s++)
        if (st->panel[s] >= 0) H5Dclose(st->panel[s]);
    if (st->file >= 0) H5Fclose(st->file);
    nt_store_h5_strings_free(st->ptypes, st->n_ptypes);
    nt_store_h5_strings_free(st->cov, st->n_cov);
    free(st->cov_kind);
    free(st->cov_nlev);
    free(st->rowbuf);
    free(st);
}

long nt_store_persons(const nt_store *st) { return st->n; }
int nt_store_months(const nt_store *st) { return st->months; }
int nt_store_chunk_rows(const nt_store *st) { return st->chunk_rows; }
int nt_store_format_version(const nt_store *st) { return st->format_version; }
const char *nt_store_tool_version(const nt_store *st) { return st->tool_version; }
nt_day nt_store_data_end(const nt_store *st) { return st->data_end; }
int nt_store_inflow_from(const nt_store *st) { return st->inflow_from; }
int nt_store_inflow_to(const nt_store *st) { return st->inflow_to; }
const char *nt_store_schemes(const nt_store *st) { return st->schemes; }
nt_day nt_store_earliest_start(const nt_store *st, int t) { return t >= 0 && t < NT_FILE_N - 1 ? st->earliest[t] : NT_DAY_NONE; }
const char *nt_store_ingest_command(const nt_store *st) { return st->command; }
const char *nt_store_sha256(const nt_store *st, int f) { return f >= 0 && f < NT_FILE_N ? st->sha[f] : ""; }
long nt_store_rejected(const nt_store *st, int f, int r)
{
    return f >= 0 && f < NT_FILE_N && r >= 0 && r < NT_REJECT_N ? st->rejected[f][r] : 0;
}
long nt_store_merged(const nt_store *st, int f) { return f >= 0 && f < NT_FILE_N ? st->merged[f] : 0; }
long nt_store_records(const nt_store *st, int f) { return f >= 0 && f < NT_FILE_N ? st->records[f] : 0; }
int nt_store_program_types(const nt_store *st, const char *const **names)
{
    *names = (const char *const *)st->ptypes;
    return st->n_ptypes;
}

nt_status nt_store_read_rows(nt_store *st, long first, long n, nt_series series, double *buf, nt_error *err)
{
    if (series < 0 || series >= NT_SERIES_N || first < 0 || n < 0 || first + n > st->n)
        return nt_fail(err, NT_EUSAGE, "rows %ld..%ld of series %d are outside the store (%ld persons)",
                       first, first + n - 1, (int)series, st->n);
    if (n == 0) return NT_OK;
    const size_t cells = (size_t)n * (size_t)st->months;
    const int is_f = series == NT_SERIES_EARNINGS;
    const size_t need = cells * (is_f ? sizeof(float) : 1);
    if (need > st->rowbuf_size) {
        void *b = realloc(st->rowbuf, need);
        if (!b) return nt_fail(err, NT_ENOMEM, "out of memory reading the store");
        st->rowbuf = b;
        st->rowbuf_size = need;
    }
    hsize_t off[2] = {(hsize_t)first, 0}, cnt[2] = {(hsize_t)n, (hsize_t)st->months};
    hid_t fs = H5Dget_space(st->panel[series]);
    hid_t ms = H5Screate_simple(2, cnt, NULL);
    herr_t r = H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL);
    if (r >= 0)
        r = H5Dread(st->panel[series], is_f ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, st->rowbuf);
    H5Sclose(ms);
    H5Sclose(fs);
    if (r < 0) return nt_fail(err, NT_EIO, "reading series %s of the store failed", nt_series_name(series));
    if (is_f) {
        const float *f = st->rowbuf;
        for (size_t i = 0; i < cells; i++) buf[i] = (double)f[i];
    } else {
        const uint8_t *u = st->rowbuf;
        for (size_t i = 0; i < cells; i++) buf[i] = u[i] == NT_COHORT_FILL ? NAN : (double)u[i];
    }
    return NT_OK;
}

int nt_store_n_covariates(const nt_store *st) { return st->n_cov; }
const char *nt_store_covariate_name(const nt_store *st, int i) { return i >= 0 && i < st->n_cov ? st->cov[i] : NULL; }

static int cov_index(const nt_store *st, const char *name)
{
    for (int i = 0; i < st->n_cov; i++)
        if (!strcmp(st->cov[i], name)) return st->cov_kind[i] >= 0 ? i : -1;
    return -1;
}

int nt_store_covariate_kind(const nt_store *st, const char *name)
{
    int i = cov_index(st, name);
    return i < 0 ? -1 : st->cov_kind[i];
}

/* All n values, file and memory spaces explicit (the shape was checked at
   open); a categorical code outside 0..levels is refused. */
nt_status nt_store_read_covariate(nt_store *st, const char *name, double *out, nt_error *err)
{
    int i = cov_index(st, name);
    hid_t d = i < 0 ? -1 : nt_store_h5_open_cov(st, name);
    if (d < 0) return nt_fail(err, NT_EINPUT, "the store has no covariate \"%s\"", name);
    herr_t r = 0;
    if (st->n > 0) {
        hsize_t dim = (hsize_t)st->n;
        hid_t ms = H5Screate_simple(1, &dim, NULL), fs = H5Dget_space(d);
        r = H5Sget_simple_extent_npoints(fs) == st->n ? H5Dread(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, out) : -1;
        H5Sclose(ms);
        H5Sclose(fs);
    }
    H5Dclose(d);
    if (r < 0) return nt_fail_at(err, NT_EIO, st->path, 0, NULL, "reading /persons/%s failed", name);
    if (st->cov_kind[i] == NT_COV_CATEGORICAL)
        for (long k = 0; k < st->n; k++)
            if (!(out[k] >= 0 && out[k] <= st->cov_nlev[i]) || out[k] != (double)(long)out[k])
                return nt_fail_at(err, NT_EINPUT, st->path, 0, NULL,
                                  "/persons/%s: person %ld has code %g, outside its %d levels (a damaged store)", name,
                                  k + 1, out[k], st->cov_nlev[i]);
    return NT_OK;
}

nt_status nt_store_read_levels(nt_store *st, const char *name, char ***levels, int *n, nt_error *err)
{
    int i = cov_index(st, name);
    if (i < 0) return nt_fail(err, NT_EINPUT, "the store has no covariate \"%s\"", name);
    if (st->cov_kind[i] != NT_COV_CATEGORICAL)
        return nt_fail(err, NT_EINPUT, "covariate \"%s\" of the store is not categorical", name);
    hid_t d = nt_store_h5_open_cov(st, name);
    long cnt = 0;
    int r = d < 0 ? -1 : nt_store_h5_levels(st, d, name, levels, &cnt);
    if (d >= 0) H5Dclose(d);
    if (r || cnt != st->cov_nlev[i]) {
        if (!r) nt_store_h5_strings_free(*levels, cnt);
        return nt_fail_at(err, NT_EINPUT, st->path, 0, NULL, "the levels of /persons/%s cannot be read", name);
    }
    *n = (int)cnt;
    return NT_OK;
}

const char *nt_store_hdf5_version(void)
{
    static char buf[32];
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
    return buf;
}
