#include "cli/cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int cli_fail(const nt_error *err)
{
    char buf[2048];
    nt_error_format(err, buf, sizeof buf);
    fprintf(stderr, "%s\n", buf);
    return err->status == NT_EUSAGE ? 2 : 1;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "netto %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'netto %s --help')\n", cmd);
    va_end(ap);
    return 2;
}

int cli_report(nt_notes *notes, nt_status s, const nt_error *err, const char *usage_cmd)
{
    for (int i = 0; i < notes->n; i++) fputs(notes->text[i], notes->stream[i] == NT_NOTES_ERR ? stderr : stdout);
    nt_notes_free(notes);
    if (!s) return 0;
    if (usage_cmd && s == NT_EUSAGE) return cli_usage(usage_cmd, "%s", err->msg);
    return cli_fail(err);
}

int cli_parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int cli_parse_double(const char *s, double *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v)) return -1;
    *out = v;
    return 0;
}

int cli_parse_u64(const char *s, unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return -1;
    *out = v;
    return 0;
}
