#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>

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
