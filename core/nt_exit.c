/* Exit destination vocabulary (nt_exit.h). */
#include "core/nt_exit.h"

#include <stddef.h>

static const char *const names[] = {
    [NT_EXIT_WORK - 1] = "work",
    [NT_EXIT_CENSORED - 1] = "censored",
    [NT_EXIT_OTHER - 1] = "other",
};
_Static_assert(sizeof names / sizeof names[0] == NT_EXIT_N, "one name per exit destination");

const char *nt_exit_name(nt_exit e)
{
    return (int)e >= 1 && (int)e <= NT_EXIT_N ? names[e - 1] : NULL;
}
