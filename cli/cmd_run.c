/* Placeholder until the run command is built: says so and exits 2. */
#include <stdio.h>
#include "cli/cli.h"

int nt_cmd_run(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "netto run: not built yet\n");
    return 2;
}
