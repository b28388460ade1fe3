/* Placeholder until the ingest command is built: says so and exits 2. */
#include <stdio.h>
#include "cli/cli.h"

int nt_cmd_ingest(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fprintf(stderr, "netto ingest: not built yet\n");
    return 2;
}
