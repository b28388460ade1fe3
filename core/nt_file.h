/* Atomic output: every result file is written to "<path>.tmp-XXXXXX" in the
   same folder and renamed over <path> only when complete, so a killed run
   never leaves a file that looks finished. */
#ifndef NT_FILE_H
#define NT_FILE_H

#include <stdio.h>
#include "core/nt_error.h"

typedef struct {
    FILE *fp;
    char path[4096];
    char tmp[4200];
} nt_outfile;

nt_status nt_outfile_open(nt_outfile *f, const char *path, nt_error *err);
/* Flushes, fsyncs, closes and renames; on failure removes the temporary. */
nt_status nt_outfile_commit(nt_outfile *f, nt_error *err);

/* A temporary name beside path for writers that open files themselves (HDF5):
   fills tmp; the caller renames with nt_file_rename. */
nt_status nt_file_tmpname(const char *path, char *tmp, unsigned long size, nt_error *err);
nt_status nt_file_rename(const char *tmp, const char *path, nt_error *err);
/* Removes the temporaries beside path ("<path>.tmp-PID-XXXXXX") whose
   process is gone: what a killed run left. */
void nt_file_clean_stale(const char *path);

/* An input must be a regular file (it is read twice: checksum, records);
   a pipe, FIFO, device, socket or folder is refused saying what it is. */
nt_status nt_file_check_input(const char *path, nt_error *err);
/* 1 if a and b name the same file (same path, or the same existing inode). */
int nt_file_same(const char *a, const char *b);

/* mkdir -p; 0 on success. */
nt_status nt_mkdirs(const char *dir, nt_error *err);
/* 1 if dir exists and holds any entry, 0 if missing or empty. */
int nt_dir_nonempty(const char *dir);
/* Joins dir and name into out ("dir/name"). */
void nt_path_join(char *out, unsigned long size, const char *dir, const char *name);

/* SHA-256 of a whole file as 64 lowercase hex digits (+ NUL). */
nt_status nt_file_sha256(const char *path, char hex[65], nt_error *err);
/* The same over the bytes from offset to the end. */
nt_status nt_file_sha256_from(const char *path, long offset, char hex[65], nt_error *err);

#endif
