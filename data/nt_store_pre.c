/* The store's pre-inflow months (/prepanel, docs/store.md): employed,
   earnings and on_benefit in the months before month 0, the placebo
   outcomes of a study. Optional: a store written before they were kept
   has none (nt_store_pre_months 0). Untrusted input like the rest of the
   store: the group's months attribute and every dataset's shape and type
   are checked before a read. */
#include "data/nt_store.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>

#include "data/nt_store_h5.h"

#define MAX_PRE 1200

int nt_store_pre_months(nt_store *st)
{
    if (H5Lexists(st->file, "prepanel", H5P_DEFAULT) <= 0) return 0;
    hid_t g = H5Gopen2(st->file, "prepanel", H5P_DEFAULT);
    if (g < 0) return 0;
    long long v = 0;
    int ok = 0;
    if (H5Aexists(g, "months") > 0) {
        hid_t a = H5Aopen(g, "months", H5P_DEFAULT);
        hid_t t = a >= 0 ? H5Aget_type(a) : -1, s = a >= 0 ? H5Aget_space(a) : -1;
        ok = t >= 0 && s >= 0 && H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) <= 8 &&
             H5Sget_simple_extent_npoints(s) == 1 && H5Aread(a, H5T_NATIVE_LLONG, &v) >= 0;
        if (t >= 0) H5Tclose(t);
        if (s >= 0) H5Sclose(s);
        if (a >= 0) H5Aclose(a);
    }
    H5Gclose(g);
    return ok && v >= 1 && v <= MAX_PRE ? (int)v : 0;
}

nt_status nt_store_read_pre_rows(nt_store *st, long first, long n, nt_series series, double *buf, nt_error *err)
{
    int P = nt_store_pre_months(st);
    if (P <= 0)
        return nt_fail_at(err, NT_EINPUT, st->path, 0, NULL,
                          "the store keeps no pre-inflow months (written by an older netto): ingest the spell files "
                          "again for placebo outcomes");
    if ((series != NT_SERIES_EMPLOYED && series != NT_SERIES_EARNINGS && series != NT_SERIES_ON_BENEFIT) ||
        first < 0 || n < 0 || first + n > st->n)
        return nt_fail(err, NT_EUSAGE, "pre-inflow rows %ld..%ld of series %d are outside the store", first,
                       first + n - 1, (int)series);
    if (n == 0) return NT_OK;
    char path[64];
    snprintf(path, sizeof path, "prepanel/%s", nt_series_name(series));
    const int is_f = series == NT_SERIES_EARNINGS;
    hid_t d = H5Lexists(st->file, path, H5P_DEFAULT) > 0 ? H5Dopen2(st->file, path, H5P_DEFAULT) : -1;
    hid_t fs = d >= 0 ? H5Dget_space(d) : -1, ft = d >= 0 ? H5Dget_type(d) : -1;
    hsize_t dims[2] = {0, 0};
    int ok = fs >= 0 && ft >= 0 && H5Sget_simple_extent_type(fs) == H5S_SIMPLE &&
             H5Sget_simple_extent_ndims(fs) == 2 && H5Sget_simple_extent_dims(fs, dims, NULL) == 2 &&
             dims[0] == (hsize_t)st->n && dims[1] == (hsize_t)P &&
             H5Tget_class(ft) == (is_f ? H5T_FLOAT : H5T_INTEGER) && H5Tget_size(ft) == (is_f ? 4u : 1u);
    nt_status s = NT_OK;
    if (!ok) {
        s = nt_fail_at(err, NT_EINPUT, st->path, 0, NULL,
                       "found an HDF5 file that is not a valid netto store: /%s is not %ld x %d %s", path, st->n, P,
                       is_f ? "float32" : "uint8");
    } else {
        size_t cells = (size_t)n * (size_t)P;
        void *raw = malloc(cells * (is_f ? sizeof(float) : 1));
        hsize_t off[2] = {(hsize_t)first, 0}, cnt[2] = {(hsize_t)n, (hsize_t)P};
        hid_t ms = H5Screate_simple(2, cnt, NULL);
        herr_t r = raw ? H5Sselect_hyperslab(fs, H5S_SELECT_SET, off, NULL, cnt, NULL) : -1;
        if (r >= 0) r = H5Dread(d, is_f ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT8, ms, fs, H5P_DEFAULT, raw);
        H5Sclose(ms);
        if (!raw) s = nt_fail(err, NT_ENOMEM, "out of memory reading the store");
        else if (r < 0) s = nt_fail_at(err, NT_EIO, st->path, 0, NULL, "reading /%s failed", path);
        else if (is_f)
            for (size_t i = 0; i < cells; i++) buf[i] = (double)((const float *)raw)[i];
        else
            for (size_t i = 0; i < cells; i++) {
                uint8_t u = ((const uint8_t *)raw)[i];
                buf[i] = u == NT_COHORT_FILL ? NAN : (double)u;
            }
        free(raw);
    }
    if (ft >= 0) H5Tclose(ft);
    if (fs >= 0) H5Sclose(fs);
    if (d >= 0) H5Dclose(d);
    return s;
}
