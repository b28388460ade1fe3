/* Status codes and the error context every fallible netto function fills.
   The first failure fills the context; callers pass the status up unchanged.
   Only cli/ prints: NT_EUSAGE -> exit 2, every other failure -> exit 1. */
#ifndef NT_ERROR_H
#define NT_ERROR_H

typedef enum { NT_OK = 0, NT_EUSAGE, NT_EINPUT, NT_EIO, NT_ENOMEM, NT_ENUMERIC } nt_status;

typedef struct {
    nt_status status;
    char file[256];   /* input file the problem is in, "" if none */
    long line;        /* physical line of the file (header = 1), 0 if none */
    char column[64];  /* column name, "" if none */
    char msg[512];    /* one sentence a researcher can act on */
} nt_error;

/* Fills err (if not NULL) with a message only; returns s. */
nt_status nt_fail(nt_error *err, nt_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fills err with a location as well: file, line (0 if none), column ("" or NULL). */
nt_status nt_fail_at(nt_error *err, nt_status s, const char *file, long line,
                     const char *column, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Formats err as the contract's one-line message:
   "PATH:LINE: column C: MSG" (parts that are empty are left out). */
void nt_error_format(const nt_error *err, char *buf, unsigned long size);

void nt_error_clear(nt_error *err);

#endif
