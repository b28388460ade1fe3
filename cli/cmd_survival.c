/* Placeholder until the survival command is built: says so and exits 2. */
#include <stdio.h>
#include "cli/cli.h"

int nt_cmd_survival(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "netto survival: not built yet\n");
    return 2;
}
