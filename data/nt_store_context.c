/* The store's context table (/context, docs/store.md; written by
   nt_store_write from `netto ingest --context`). Optional: a store without
   it reads as before (*out NULL). Untrusted input like the rest of the
   store: attributes, shapes and types are checked against each other
   before any read, the values must be finite or NaN (missing), the rows
   mask 0/1, the key values unique and non-empty. */
#include "data/nt_store.h"

#include <hdf5.h>
#include <math.h>
#include <stdlib.h>

#include "core/nt_date.h"
#include "data/nt_context.h"
#include "data/nt_store_h5.h"

#define MAX_CELLS (1L << 28)

/* A dataset of rank dims (sizes d[]) and the class and size wanted. */
static int shape_ok(hid_t g, const char *name, int rank, const hsize_t *d, H5T_class_t cls, size_t size)
{
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0) return 0;
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t ft = ds >= 0 ? H5Dget_type(ds) : -1, sp = ds >= 0 ? H5Dget_space(ds) : -1;
    hsize_t dims[3] = {0, 0, 0};
    int ok = ft >= 0 && sp >= 0 && H5Tget_class(ft) == cls && H5Tget_size(ft) == size &&
             H5Sget_simple_extent_type(sp) == H5S_SIMPLE && H5Sget_simple_extent_ndims(sp) == rank &&
             H5Sget_simple_extent_dims(sp, dims, NULL) == rank;
    for (int k = 0; ok && k < rank; k++) ok = dims[k] == d[k];
    if (ft >= 0) H5Tclose(ft);
    if (sp >= 0) H5Sclose(sp);
    if (ds >= 0) H5Dclose(ds);
    return ok;
}

static int read_ds(hid_t g, const char *name, hid_t mt, void *buf)
{
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    int r = ds >= 0 && H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0 ? 0 : -1;
    if (ds >= 0) H5Dclose(ds);
    return r;
}

/* Strings of dataset name (1-D) into *v; -1 if not. */
static int strings(hid_t g, const char *name, char ***v, long *n)
{
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0) return -1;
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    if (ds < 0) return -1;
    int r = nt_store_h5_strings(ds, 0, v, n);
    H5Dclose(ds);
    return r;
}

nt_status nt_store_read_context(nt_store *st, nt_context **out, const char **source, nt_error *err)
{
    static char src[4096];
    *out = NULL;
    if (source) *source = NULL;
    if (H5Lexists(st->file, "context", H5P_DEFAULT) <= 0) return NT_OK;
    const char *why = NULL;
    hid_t g = H5Gopen2(st->file, "context", H5P_DEFAULT);
    nt_context *c = calloc(1, sizeof *c);
    char month[64] = "";
    long long months = 0;
    long nk = 0, nv = 0;
    if (g < 0 || !c) why = "/context cannot be opened";
    else if (nt_store_h5_attr_str(g, "key", c->key, sizeof c->key) || !c->key[0])
        why = "/context has no key attribute";
    else if (nt_store_h5_attr_str(g, "first_month", month, sizeof month) ||
             nt_month_parse(month, strlen(month), &c->first_month))
        why = "/context has no first_month attribute YYYY-MM";
    else if (H5Aexists(g, "months") <= 0) why = "/context has no months attribute";
    if (!why) {
        hid_t a = H5Aopen(g, "months", H5P_DEFAULT);
        hid_t t = a >= 0 ? H5Aget_type(a) : -1, s = a >= 0 ? H5Aget_space(a) : -1;
        int ok = t >= 0 && s >= 0 && H5Tget_class(t) == H5T_INTEGER && H5Tget_size(t) <= 8 &&
                 H5Sget_simple_extent_npoints(s) == 1 && H5Aread(a, H5T_NATIVE_LLONG, &months) >= 0;
        if (t >= 0) H5Tclose(t);
        if (s >= 0) H5Sclose(s);
        if (a >= 0) H5Aclose(a);
        if (!ok || months < 1 || months > 12000) why = "/context has a months attribute that is not 1 to 12000";
    }
    if (!why && strings(g, "keys", &c->key_value, &nk)) why = "/context/keys is not a list of strings";
    c->n_keys = (int)nk;
    if (!why && strings(g, "variables", &c->var, &nv)) why = "/context/variables is not a list of strings";
    c->n_vars = (int)nv;
    if (!why && (nk < 1 || nv < 1 || (double)nk * (double)nv * (double)months > (double)MAX_CELLS))
        why = "/context has no keys, no variables, or more than 2^28 values";
    for (long i = 0; !why && i < nk; i++) {
        for (long j = 0; !why && j < i; j++)
            if (!strcmp(c->key_value[i], c->key_value[j])) why = "/context/keys has a value twice";
    }
    for (long i = 0; !why && i < nv; i++)
        if (!c->var[i][0]) why = "/context/variables has an empty name";
    c->n_months = (int)months;
    hsize_t d[3] = {(hsize_t)nv, (hsize_t)nk, (hsize_t)months};
    if (!why && !shape_ok(g, "values", 3, d, H5T_FLOAT, 8)) why = "/context/values is not variables x keys x months float64";
    if (!why && !shape_ok(g, "rows", 2, d + 1, H5T_INTEGER, 1)) why = "/context/rows is not keys x months uint8";
    size_t km = (size_t)nk * (size_t)months;
    if (!why && (!(c->v = malloc(km * (size_t)nv * sizeof *c->v)) || !(c->has = malloc(km)))) {
        H5Gclose(g);
        nt_context_free(c);
        return nt_fail(err, NT_ENOMEM, "out of memory reading the store's context table");
    }
    if (!why && (read_ds(g, "values", H5T_NATIVE_DOUBLE, c->v) || read_ds(g, "rows", H5T_NATIVE_UINT8, c->has)))
        why = "/context/values or /context/rows cannot be read";
    for (size_t i = 0; !why && i < km * (size_t)nv; i++)
        if (isinf(c->v[i]) || (i < km && c->has[i] > 1)) why = "/context/values holds an infinite value or /context/rows a value not 0 or 1";
    if (!why && source && !nt_store_h5_attr_str(g, "source", src, sizeof src)) *source = src;
    if (g >= 0) H5Gclose(g);
    if (why) {
        nt_context_free(c);
        return nt_fail_at(err, NT_EINPUT, st->path, 0, NULL, "found an HDF5 file that is not a valid netto store: %s", why);
    }
    *out = c;
    return NT_OK;
}
