/* Panel series vocabulary (nt_series.h): one row per series. */
#include "core/nt_series.h"

#include <string.h>

static const struct {
    const char *name;
    int less_is_better;
} series[] = {
    [NT_SERIES_EMPLOYED] = {"employed", 0},
    [NT_SERIES_EARNINGS] = {"earnings", 0},
    [NT_SERIES_ON_BENEFIT] = {"on_benefit", 1},
    [NT_SERIES_ON_INDEX_BENEFIT] = {"on_index_benefit", 1},
    [NT_SERIES_IN_PROGRAM] = {"in_program", 0},
};
_Static_assert(sizeof series / sizeof series[0] == NT_SERIES_N, "one row per nt_series");

const char *nt_series_name(nt_series s)
{
    return (unsigned)s < NT_SERIES_N ? series[s].name : NULL;
}

int nt_series_find(const char *name)
{
    for (int i = 0; i < NT_SERIES_N; i++)
        if (!strcmp(name, series[i].name)) return i;
    return -1;
}

int nt_series_less_is_better(nt_series s)
{
    return (unsigned)s < NT_SERIES_N ? series[s].less_is_better : 0;
}
