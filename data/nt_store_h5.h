/* Private to the store's writer and reader (data/nt_store_*.c): the HDF5
   string type both use, so strings read back as they were written; the
   checksum block; link-name escaping; the reader's handle. */
#ifndef NT_STORE_H5_H
#define NT_STORE_H5_H

#include <hdf5.h>
#include <stdio.h>
#include <string.h>

#include "data/nt_store.h"

/* Fixed-length UTF-8 strings of len bytes (at least 1), NUL-padded. */
static inline hid_t nt_store_str_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len ? len : 1);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* Format 2 stores begin with an HDF5 user block of NT_STORE_UB bytes:
   NT_STORE_MAGIC, then "sha256 " and the 64 hex digits of the SHA-256 of
   every byte after the block, then "\n", NUL-padded (docs/store.md). */
#define NT_STORE_UB 512
#define NT_STORE_MAGIC "NETTO-STORE\n"

/* A column name as an HDF5 link name: '%', '/' and a leading '.' as %XX
   (HDF5 splits names at '/' and reads "." as the group itself); -1 if it
   does not fit or is empty (the reader reverses it: nt_store_open.c). */
static inline int nt_store_escape(const char *name, char *out, size_t size)
{
    size_t o = 0;
    if (!*name) return -1;
    for (const char *p = name; *p; p++) {
        int esc = *p == '%' || *p == '/' || (p == name && *p == '.');
        if (o + (esc ? 3 : 1) >= size) return -1;
        if (esc) o += (size_t)snprintf(out + o, size - o, "%%%02X", (unsigned char)*p);
        else out[o++] = *p;
    }
    out[o] = 0;
    return 0;
}

/* The reader's handle (nt_store_open.c validates it, nt_store_read.c reads). */
struct nt_store {
    hid_t file;
    hid_t panel[NT_SERIES_N];
    long n;
    int months, chunk_rows, format_version;
    char tool_version[64], schemes[1024];
    nt_day data_end, earliest[NT_FILE_N - 1];
    int inflow_from, inflow_to;
    char sha[NT_FILE_N][65];
    char command[8192]; /* ingest_command: the netto ingest command that makes the store ("" none) */
    long records[NT_FILE_N], merged[NT_FILE_N], rejected[NT_FILE_N][NT_REJECT_N];
    char **ptypes;
    int n_ptypes;
    char **cov;      /* covariate names (unescaped) */
    int *cov_kind;   /* nt_cov_kind */
    int *cov_nlev;   /* levels of a categorical one */
    int n_cov;
    void *rowbuf;
    size_t rowbuf_size;
    char path[4096];
};

/* Reader helpers shared by nt_store_open.c and nt_store_read.c; 0 ok. */
int nt_store_h5_strings(hid_t obj, int is_attr, char ***out, long *n);
void nt_store_h5_strings_free(char **v, long n);
int nt_store_h5_attr_str(hid_t loc, const char *name, char *buf, size_t size);
/* Opens persons/<name> (escaped); -1 if absent. */
hid_t nt_store_h5_open_cov(const nt_store *st, const char *name);
/* Levels of a categorical: the levels/<name> dataset (format 2) or the
   dataset's levels attribute (format 1). */
int nt_store_h5_levels(const nt_store *st, hid_t d, const char *name, char ***out, long *n);

#endif
