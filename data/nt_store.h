/* The cohort store: one HDF5 file holding the cohort panel, the person
   covariates and the ingest's metadata (layout: docs/store.md). Written
   (nt_store_write.c) to a temporary name beside the target and renamed when
   complete. Read back (nt_store_read.c) in row blocks, never the whole
   panel at once. Persons are in bytewise order of person_id. Per-file
   arrays are indexed by nt_file_kind (core/nt_file_kind.h), reject counts
   by nt_reject_reason (core/nt_reject.h), panel series by nt_series
   (core/nt_series.h). */
#ifndef NT_STORE_H
#define NT_STORE_H

#include <stdint.h>
#include "core/nt_error.h"
#include "core/nt_file_kind.h"
#include "core/nt_reject.h"
#include "core/nt_series.h"
#include "data/nt_cohort.h"
#include "data/nt_spells.h"

#define NT_STORE_FORMAT_VERSION 2

struct nt_context;   /* data/nt_context.h */

/* What the ingest adds beside the spells and the cohort. */
typedef struct {
    const char *const *schemes;  /* the --scheme list as given */
    int n_schemes;
    int inflow_from, inflow_to;  /* calendar month numbers */
    nt_spells_report counts;     /* records, rejects, merged, ignored per file */
    const char *rejects_csv;     /* the rejects report's bytes, kept in the store */
    long rejects_len;
    const char *replaces;        /* a file to remove just before the store is renamed into place, or NULL */
    const char *ingest_command;  /* the `netto ingest` command line that makes this store, without -o (NULL: none) */
    const struct nt_context *context;  /* the context table (group /context), NULL none */
    const char *context_path;    /* its file as given, and the file's SHA-256 (hex) */
    const char *context_sha256;
} nt_store_meta;

/* Writes path atomically (HDF5 to a temporary name, then rename). Same data,
   same bytes: no timestamps are stored. */
nt_status nt_store_write(const char *path, const nt_spells *spells, const nt_cohort *cohort,
                         const nt_store_meta *meta, nt_error *err);

/* A store handle is not thread-safe (nor is the HDF5 library netto links):
   read from one thread, e.g. row blocks in a serial loop, and parallelise
   the work on the block. */
typedef struct nt_store nt_store;

typedef enum { NT_COV_NUMERIC = 0, NT_COV_CATEGORICAL = 1 } nt_cov_kind;

nt_status nt_store_open(const char *path, nt_store **out, nt_error *err);
void nt_store_close(nt_store *st);

long nt_store_persons(const nt_store *st);
/* The `netto ingest` command that wrote the store, every option spelled
   out but -o (root attribute ingest_command); "" for a store written
   without it. */
const char *nt_store_ingest_command(const nt_store *st);
int nt_store_months(const nt_store *st);          /* H */
int nt_store_chunk_rows(const nt_store *st);      /* persons per chunk: a good block size */
int nt_store_format_version(const nt_store *st);
/* The HDF5 library's version, "1.10.8" (for manifests). */
const char *nt_store_hdf5_version(void);
const char *nt_store_tool_version(const nt_store *st);
nt_day nt_store_data_end(const nt_store *st);
int nt_store_inflow_from(const nt_store *st);     /* calendar month numbers */
int nt_store_inflow_to(const nt_store *st);
const char *nt_store_schemes(const nt_store *st); /* "WW,WWB" as given */
/* Earliest start date per spell table (file kind - 1: 0 benefits, 1 programs,
   2 jobs); NT_DAY_NONE if empty. */
nt_day nt_store_earliest_start(const nt_store *st, int table);
/* Input SHA-256 per file (nt_file_kind). */
const char *nt_store_sha256(const nt_store *st, int file);
long nt_store_rejected(const nt_store *st, int file, int reason);
long nt_store_merged(const nt_store *st, int file);
long nt_store_records(const nt_store *st, int file);
/* Programme type names: code i+1 <-> name i. */
int nt_store_program_types(const nt_store *st, const char *const **names);

/* Panel rows [first, first+n) of one series into buf (n x months, row-major),
   widened to double; a censored month is NaN. */
nt_status nt_store_read_rows(nt_store *st, long first, long n, nt_series series,
                             double *buf, nt_error *err);

/* Pre-inflow months kept (/prepanel; data/nt_store_pre.c): P months
   before month 0 of employed, earnings and on_benefit; 0 for a store
   written without them. Rows [first, first+n) of one of those series into
   buf (n x P, row-major, column j = month j - P), as doubles. */
int nt_store_pre_months(nt_store *st);
nt_status nt_store_read_pre_rows(nt_store *st, long first, long n, nt_series series, double *buf, nt_error *err);

/* The context table kept by `netto ingest --context` (/context,
   data/nt_store_context.c): *out NULL for a store without one. Checked
   like the rest of the store (shapes, types, sizes, finite values, unique
   keys); free with nt_context_free. source: the file as given at ingest
   (may be NULL). */
nt_status nt_store_read_context(nt_store *st, struct nt_context **out, const char **source, nt_error *err);

/* Covariates: the contract's names (age, sex, ..., scheme, extra persons
   columns) and the person-level treatment/exit variables (treat_type,
   treat_month, treat_cost, exit_month, exit_dest, n_observed, index_start,
   index_end). */
int nt_store_n_covariates(const nt_store *st);
const char *nt_store_covariate_name(const nt_store *st, int i);
/* Kind of a covariate; -1 if there is none of that name. */
int nt_store_covariate_kind(const nt_store *st, const char *name);
/* All persons' values: numeric as double (NaN missing); categorical as the
   level code (0 = missing, i = levels[i-1]). */
nt_status nt_store_read_covariate(nt_store *st, const char *name, double *out, nt_error *err);
/* Levels of a categorical covariate (allocated; free with nt_store_levels_free). */
nt_status nt_store_read_levels(nt_store *st, const char *name, char ***levels, int *n, nt_error *err);
void nt_store_levels_free(char **levels, int n);
/* The person keys in store order (st->n strings); free with nt_store_ids_free. */
nt_status nt_store_read_ids(nt_store *st, char ***ids, nt_error *err);
void nt_store_ids_free(nt_store *st, char **ids);

#endif
