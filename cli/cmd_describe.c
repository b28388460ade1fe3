/* Placeholder until the describe command is built: says so and exits 2. */
#include <stdio.h>
#include "cli/cli.h"

int nt_cmd_describe(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "netto describe: not built yet\n");
    return 2;
}
