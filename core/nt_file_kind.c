/* File kind vocabulary (nt_file_kind.h). */
#include "core/nt_file_kind.h"

#include <stddef.h>

static const char *const names[] = {
    [NT_FILE_PERSONS] = "persons",
    [NT_FILE_BENEFITS] = "benefits",
    [NT_FILE_PROGRAMS] = "programs",
    [NT_FILE_JOBS] = "jobs",
};
_Static_assert(sizeof names / sizeof names[0] == NT_FILE_N, "one name per file kind");

const char *nt_file_kind_name(nt_file_kind k)
{
    return (unsigned)k < NT_FILE_N ? names[k] : NULL;
}
