/* Streaming CSV record reader, the one CSV parser in netto (spell files and
   flat files). Implements the data contract's CSV rules: delimiter , ; or
   TAB detected from the header line (the candidate occurring most often
   outside quotes wins), RFC 4180 quoting (embedded delimiters, doubled
   quotes, newlines), CRLF or LF, an optional UTF-8 BOM, blank lines skipped.
   Optional cp1252 -> UTF-8 transcoding. Fields are returned unquoted and
   NUL-terminated; a record's line is the physical line where it starts
   (header = line 1). */
#ifndef NT_CSV_H
#define NT_CSV_H

#include <stddef.h>
#include "core/nt_error.h"

typedef struct nt_csv nt_csv;

typedef struct {
    int cp1252;   /* transcode Windows-1252 to UTF-8 */
} nt_csv_opts;

/* Per-record defects the caller turns into reject reasons. */
enum { NT_CSV_NUL = 1, NT_CSV_BAD_UTF8 = 2 };

/* Opens the file and reads the header. Fails (file level) on a missing or
   0-byte file. opts may be NULL. */
nt_status nt_csv_open(const char *path, const nt_csv_opts *opts, nt_csv **out, nt_error *err);
void nt_csv_close(nt_csv *c);

int nt_csv_header_count(const nt_csv *c);
const char *nt_csv_header(const nt_csv *c, int i);
/* Header column by case-insensitive name, -1 if absent. */
int nt_csv_header_find(const nt_csv *c, const char *name);

/* Next record: returns 1 with a record, 0 at end of file, -1 on a file-level
   error (err filled, e.g. an unterminated quote). */
int nt_csv_next(nt_csv *c, nt_error *err);
int nt_csv_count(const nt_csv *c);                       /* fields in this record */
const char *nt_csv_field(const nt_csv *c, int i, size_t *len);
long nt_csv_line(const nt_csv *c);                       /* line where it starts */
int nt_csv_flags(const nt_csv *c);                       /* NT_CSV_* bits */
/* The raw bytes of the record as in the file (for the rejects report). */
const char *nt_csv_raw(const nt_csv *c, size_t *len);
/* 1 if s[0..n) is valid UTF-8 (no overlongs, surrogates or code points
   above U+10FFFF): the check behind NT_CSV_BAD_UTF8, for other readers. */
int nt_utf8_valid(const unsigned char *s, size_t n);
/* Bytes consumed so far (for progress). */
long long nt_csv_offset(const nt_csv *c);

#endif
