/* Shared by the subcommands: the only place netto prints errors. */
#ifndef NT_CLI_H
#define NT_CLI_H

#include "core/nt_error.h"
#include "study/nt_notes.h"

/* Prints the error in the contract's form on stderr and returns the exit
   code: 2 for NT_EUSAGE, 1 otherwise. */
int cli_fail(const nt_error *err);
/* Prints "netto CMD: MSG" plus a hint to --help and returns 2. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints a run's notes (stdout and stderr pieces, in order) and frees
   them; then, when s failed, the error: with usage_cmd an NT_EUSAGE as
   cli_usage(usage_cmd, ...), else as cli_fail. Returns the exit code. */
int cli_report(nt_notes *notes, nt_status s, const nt_error *err, const char *usage_cmd);

/* The subcommands: argv[0] is the subcommand name. Return the exit code. */
int nt_cmd_simulate(int argc, char **argv);
int nt_cmd_ingest(int argc, char **argv);
int nt_cmd_describe(int argc, char **argv);
int nt_cmd_run(int argc, char **argv);
int nt_cmd_check(int argc, char **argv);
int nt_cmd_match(int argc, char **argv);
int nt_cmd_survival(int argc, char **argv);

#endif
