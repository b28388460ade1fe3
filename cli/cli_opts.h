/* Table-driven option parsing for the subcommands: a command declares one
   row per option (names, type, field of its options struct, bounds, the
   message for a bad value) and cli_parse walks argv against the rows.
   Adding an option is adding a row. */
#ifndef NT_CLI_OPTS_H
#define NT_CLI_OPTS_H

#include <float.h>
#include <stddef.h>
#include <stdio.h>

typedef enum {
    CLI_STR,     /* const char * */
    CLI_ARG,     /* const char *: the positional argument (names ""); bad: "%s after %s" */
    CLI_TEXT,    /* char[size]: copied; check (if set) must accept it */
    CLI_FLAG,    /* integer field set to 1; takes no value */
    CLI_LONG,    /* integer field of any width; lo..hi */
    CLI_DOUBLE,  /* double; lo..hi, lo excluded with open */
    CLI_U64,     /* uint64_t; also written to off2 when set */
    CLI_CHOICE,  /* integer field of any width: the value of the choice named (nocase: any case) */
    CLI_DATE,    /* nt_day: YYYY-MM-DD or YYYYMMDD */
    CLI_MONTHS,  /* int from (off), int to (off2): YYYY-MM:YYYY-MM, from <= to */
    CLI_NAMES,   /* const char **: "A, B" (malloc'd; cli_free), int count at off2; at most hi */
    CLI_NUMBERS  /* const double *: ascending "3,6,12" (malloc'd; cli_free), int count at off2; at most hi */
} cli_type;

typedef struct {
    const char *name;
    long value;
} cli_choice;

typedef struct {
    const char *names;         /* "--out|-o": the first names the option in "is required" */
    cli_type type;
    size_t off, size;          /* the field: CLI_FIELD(struct, member) */
    size_t off2;               /* a second field (see the types); 0 = none */
    double lo, hi;             /* CLI_LONG, CLI_DOUBLE bounds; list types: hi = most items */
    int open;                  /* CLI_DOUBLE: lo itself is excluded */
    int nocase;                /* CLI_CHOICE: names match in any case */
    const cli_choice *choices; /* CLI_CHOICE, ends with {0} */
    int (*check)(const char *);/* CLI_TEXT: nonzero when the value is known */
    const char *bad;           /* "expected ...": printed as NAME: found "V", BAD */
    const char *need;          /* format (%s: the option as given) for a missing or empty value;
                                  without bad, also for a bad one */
    const char *req;           /* format (%.*s: the first name) when the option is absent; NULL: optional */
    unsigned only;             /* the variants (cli_spec.variant bits) it belongs to; 0 = all */
} cli_opt;

#define CLI_FIELD(T, m) .off = offsetof(T, m), .size = sizeof(((T *)0)->m)
#define CLI_RANGE(a, b) .lo = (a), .hi = (b)
#define CLI_ABOVE(a) .lo = (a), .hi = DBL_MAX, .open = 1
#define CLI_FROM(a) .lo = (a), .hi = DBL_MAX
#define CLI_CHOICES(...) .choices = (const cli_choice[]){__VA_ARGS__, {0, 0}}
#define CLI_REQUIRED .req = "%.*s is required"

typedef struct {
    const char *cmd;          /* messages read "netto CMD: ..." */
    void (*help)(FILE *);     /* --help or -h anywhere: printed on stdout, exit 0 */
    const cli_opt *rows;      /* ends with {0}; at most 64 */
    const char *unknown;      /* format for an unknown option, e.g. "unknown option %s" */
    const char *missing;      /* NULL: each row's need/bad; else the format for any option lacking a value */
    const char *unexpected;   /* format for a word not starting with '-'; NULL: read as an option name */
    int eq;                   /* "--name=value" is accepted too */
    unsigned variant;         /* rows with only set apply when they share a bit with it */
} cli_spec;

/* Walks argv[1..argc-1] against the rows, writing into opts (set to its
   defaults before). Returns -1 to go on, else the exit code: 0 after
   --help, 2 after a usage error (printed; lists freed). */
int cli_parse(const cli_spec *sp, int argc, char **argv, void *opts);
/* Frees the lists (CLI_NAMES, CLI_NUMBERS) cli_parse allocated in opts. */
void cli_free(const cli_spec *sp, void *opts);

#endif
