/* The cell source: a spell file as records of text cells, whatever its
   format, so the validator (nt_spells_check.c) never knows the format.
   CSV goes through data/nt_csv; SPSS .sav/.zsav and Stata .dta (chosen by
   the file name's extension) through ReadStat, each value turned into the
   text a CSV would hold: dates as YYYY-MM-DD, whole numbers without a
   decimal point, others with the shortest of %.15g / %.17g that reads back
   exactly; missing values as empty cells. A code with a value label
   becomes its label, unless the column has a date format (docs/ingest.md,
   "Value labels").

   A record has a line (CSV: the physical line where it starts, header = 1;
   .sav/.dta: the record number, first = 1) and an offset (CSV: the byte
   where it starts; .sav/.dta: the record index) by which the rejects
   report finds it again later (nt_cells_kept). */
#ifndef NT_CELLS_H
#define NT_CELLS_H

#include <stddef.h>
#include <stdint.h>
#include "core/nt_error.h"

typedef struct nt_cells nt_cells;

typedef struct {
    int cp1252;     /* CSV text is Windows-1252 (transcoded to UTF-8) */
    char decimal;   /* decimal point of CSV numbers ('.' or ','); .sav/.dta cells use '.' */
} nt_cells_opts;

/* Opens a file. Fails on a file that cannot be read or is not of its
   format (a .sav that ReadStat refuses; a CSV whose header row is binary,
   or an SPSS, Stata or zip file under another name). */
nt_status nt_cells_open(const char *path, const nt_cells_opts *opts, nt_cells **out, nt_error *err);
void nt_cells_close(nt_cells *c);

int nt_cells_columns(const nt_cells *c);
const char *nt_cells_name(const nt_cells *c, int col);
/* Column by ASCII case-insensitive name, -1 if absent. */
int nt_cells_find(const nt_cells *c, const char *name);
/* The decimal point of this file's numbers. */
char nt_cells_decimal(const nt_cells *c);

/* 's' (.sav) or 'd' (.dta) when column col holds numbers without a date
   format (a date there was stored as a plain number), else 0. */
int nt_cells_undated_number(const nt_cells *c, int col);
/* Cells of column col that were replaced by their value label. */
long nt_cells_labelled(const nt_cells *c, int col);

/* Next record: 1, 0 at the end, -1 on a file-level error (err filled). */
int nt_cells_next(nt_cells *c, nt_error *err);
long nt_cells_line(const nt_cells *c);
int64_t nt_cells_offset(const nt_cells *c);
/* Cell col of the record without leading and trailing blanks; "" (length
   0) when missing, past the record's end, or col < 0. */
const char *nt_cells_field(const nt_cells *c, int col, size_t *n);

/* Defects of the record as a whole, found by the format's reader. */
typedef enum {
    NT_CELLS_FINE = 0,
    NT_CELLS_NUL_BYTE,      /* a NUL byte in cell `column` */
    NT_CELLS_BAD_TEXT,      /* not UTF-8 (cp1252: a byte undefined in Windows-1252) */
    NT_CELLS_FIELD_COUNT    /* `fields` cells where the header has `expected` */
} nt_cells_defect_kind;

typedef struct {
    nt_cells_defect_kind kind;
    const char *column;     /* header name of the cell, "" past the header */
    const char *value;      /* the raw cell (NUL_BYTE, BAD_TEXT) */
    size_t n;
    int fields, expected;   /* FIELD_COUNT */
} nt_cells_defect;

nt_cells_defect nt_cells_check(const nt_cells *c);

/* The record as UTF-8 text for the rejects report (nt_text_escape), at most
   max bytes (out: max + 1). */
size_t nt_cells_record(nt_cells *c, char *out, size_t max);

/* Records of a file read to its end, found again by offset: a CSV file is
   re-read on demand, .sav/.dta records are kept as text. */
typedef struct nt_cells_kept nt_cells_kept;

/* Takes the records from c (call after the last nt_cells_next). */
nt_status nt_cells_keep(nt_cells *c, nt_cells_kept **out, nt_error *err);
/* The record at offset as in nt_cells_record; "" (0) if it cannot be read. */
size_t nt_cells_kept_text(nt_cells_kept *r, int64_t offset, char *out, size_t max);
void nt_cells_kept_free(nt_cells_kept *r);

#endif
