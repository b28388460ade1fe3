/* Placeholder until the simulate command is built: says so and exits 2. */
#include <stdio.h>
#include "cli/cli.h"

int nt_cmd_simulate(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "netto simulate: not built yet\n");
    return 2;
}
