/* manifest.json: written last, so its presence marks a complete run.
   Top-level keys (spec): tool_version, command, settings, inputs, seed,
   threads, started, finished, timings, platform, warnings, disclosure;
   commands may add more with nt_manifest_object(). */
#ifndef NT_MANIFEST_H
#define NT_MANIFEST_H

#include <stdint.h>
#include "core/nt_error.h"

typedef struct nt_manifest nt_manifest;
struct cJSON;

/* argv is recorded as the command line. */
nt_manifest *nt_manifest_alloc(int argc, char **argv);
void nt_manifest_free(nt_manifest *m);

/* Settings, grouped by section (NULL section: top level of "settings"). */
void nt_manifest_setting_str(nt_manifest *m, const char *section, const char *key, const char *value);
void nt_manifest_setting_num(nt_manifest *m, const char *section, const char *key, double value);
void nt_manifest_setting_bool(nt_manifest *m, const char *section, const char *key, int value);

/* Records {path, sha256} for an input file. */
nt_status nt_manifest_add_input(nt_manifest *m, const char *path, nt_error *err);
void nt_manifest_set_seed(nt_manifest *m, uint64_t seed);
void nt_manifest_set_threads(nt_manifest *m, int threads);
void nt_manifest_timing(nt_manifest *m, const char *stage, double seconds);
void nt_manifest_count(nt_manifest *m, const char *key, double value); /* into "counts" */
/* A person count into "counts" as report/nt_disclose publishes it: the
   (rounded) number, or the text "< 10" for 1 .. min_cell-1. */
void nt_manifest_count_persons(nt_manifest *m, const char *key, long count, long min_cell, long round);
void nt_manifest_warning(nt_manifest *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void nt_manifest_disclosure(nt_manifest *m, long min_cell, int cleared_for_export);
/* Adds to "disclosure": round (the base counts are rounded to), export (the
   export folder, or NULL: none made), export_cleared (an export folder and
   no reason against), not_cleared_because (NULL: none). */
void nt_manifest_disclosure_export(nt_manifest *m, long round, const char *export_dir, const char *not_cleared);
/* A top-level object for command-specific content, created on first use. */
struct cJSON *nt_manifest_object(nt_manifest *m, const char *key);

/* A library version the caller used (e.g. "hdf5" from data/nt_store). */
void nt_manifest_platform(nt_manifest *m, const char *library, const char *version);

/* Adds finished time and platform (CPU model, library versions), writes atomically. */
nt_status nt_manifest_write(nt_manifest *m, const char *path, nt_error *err);

/* The manifest of <out>/export/ (written after nt_manifest_write): the same
   content with every file path cut to its file name (inputs, settings,
   command: no person-level paths), cleared_for_export as given, and
   "export" (an object the caller may fill, e.g. the files it holds). */
nt_status nt_manifest_write_export(nt_manifest *m, const char *path, int cleared, nt_error *err);

#endif
