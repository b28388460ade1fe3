/* Placeholder until the match command is built: says so and exits 2. */
#include <stdio.h>
#include "cli/cli.h"

int nt_cmd_match(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "netto match: not built yet\n");
    return 2;
}
