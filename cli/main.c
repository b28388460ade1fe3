/* netto: the command. Dispatches to one file per subcommand (cli/cmd_*.c). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>
#include <string.h>

#include "cli/cli.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} commands[] = {
    {"simulate", nt_cmd_simulate, "synthetic linked spell files with known true effects"},
    {"ingest", nt_cmd_ingest, "validate spell files, build the cohort panel, write the store"},
    {"describe", nt_cmd_describe, "summarise a cohort store"},
    {"check", nt_cmd_check, "check a study file and every data file it names; list every problem"},
    {"run", nt_cmd_run, "run the whole study described by a study file"},
    {"match", nt_cmd_match, "propensity-score matching and weighting on a flat file"},
    {"survival", nt_cmd_survival, "Kaplan-Meier, Cox and discrete-time hazard models on a flat file"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *fp)
{
    fprintf(fp, "netto %s: net effects of labour-market reintegration programmes\n\n"
                "usage: netto COMMAND [options]   (netto COMMAND --help for its options)\n\n"
                "commands:\n", NETTO_VERSION);
    for (size_t i = 0; i < N_COMMANDS; i++) fprintf(fp, "  %-9s %s\n", commands[i].name, commands[i].what);
    fprintf(fp, "\nexit codes: 0 success, 1 data, file or study-file problem, 2 usage error\n");
}

/* OpenBLAS starts a pool of threads when it is loaded, each taking a 128 MiB
   buffer and retrying forever when that fails: under an address-space
   limit (ulimit -v) netto would hang, at the latest at exit. netto calls
   BLAS single-threaded from its own threads (estimators/nt_glm.c), so under
   a limit it restarts itself once with OPENBLAS_NUM_THREADS=1, before
   anything else happens; out of memory is then an error (exit 1). */
static void blas_threads(char **argv)
{
    struct rlimit rl;
    const char *v = getenv("OPENBLAS_NUM_THREADS");
    if ((v && !strcmp(v, "1")) || getrlimit(RLIMIT_AS, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return;
    if (setenv("OPENBLAS_NUM_THREADS", "1", 1) != 0) return;
    execv("/proc/self/exe", argv);   /* returns only on failure: go on as we are */
}

int main(int argc, char **argv)
{
    blas_threads(argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("netto %s\n", NETTO_VERSION);
        return 0;
    }
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "netto: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
