/* netto check STUDY.ini: the study file and every data file read to the
   end, every problem listed with the option that fixes it; no estimation
   (study/nt_check). Exit 0 when there is nothing to fix, 1 otherwise. */
#include <stdio.h>

#include "cli/cli.h"
#include "cli/cli_opts.h"
#include "study/nt_check.h"

static void help(FILE *fp)
{
    fprintf(fp, "usage: netto check STUDY.ini\n\n"
           "Reads the study file (every key) and every data file it names to the end, and\n"
           "lists every problem at once: file, line, column, what was found and expected,\n"
           "and the study-file setting that fixes it ([data] decimal = , / encoding = cp1252 /\n"
           "person_key = A+B / ignore_unknown_persons = yes). At most %d lines per kind of\n"
           "problem, with a count of the rest. Nothing is estimated or written.\n\n"
           "exit codes: 0 no problems, 1 problems (listed), 2 usage error\n", NT_CHECK_SHOW);
}

typedef struct {
    const char *study;
} args;

#define F(m) CLI_FIELD(args, m)
static const cli_opt rows[] = {
    {"", CLI_ARG, F(study), .bad = "one study file only (got %s after %s)", .req = "name the study file"},
    {0}};
static const cli_spec spec = {.cmd = "check", .help = help, .rows = rows, .unknown = "unknown option %s"};

int nt_cmd_check(int argc, char **argv)
{
    args a = {0};
    int rc = cli_parse(&spec, argc, argv, &a);
    if (rc >= 0) return rc;
    nt_error err;
    nt_error_clear(&err);
    nt_notes notes = {0};
    long n = 0;
    nt_status st = nt_check_study(a.study, &notes, &n, &err);
    rc = cli_report(&notes, st, &err, NULL);
    if (!st) fprintf(n ? stderr : stdout, "netto check: %ld problem%s%s\n", n, n == 1 ? "" : "s",
                     n ? "" : ": the study can run");
    return rc ? rc : n ? 1 : 0;
}
