#include "estimators/nt_method.h"

#include <string.h>

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const method_names[] = {"nn", "radius", "kernel", "ipw", "aipw"};
static const char *const trim_names[] = {"none", "minmax", "crump"};
static const char *const kernel_names[] = {"epanechnikov", "gaussian", "uniform"};
_Static_assert(COUNT(method_names) == NT_METHOD_N, "one name per method");
_Static_assert(COUNT(trim_names) == NT_TRIM_N, "one name per trimming rule");
_Static_assert(COUNT(kernel_names) == NT_KERNEL_N, "one name per kernel");

static int find(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (name && !strcmp(names[i], name)) return i;
    return -1;
}

const char *nt_method_name(nt_method m) { return (unsigned)m < NT_METHOD_N ? method_names[m] : "?"; }
const char *nt_trim_name(nt_trim t) { return (unsigned)t < NT_TRIM_N ? trim_names[t] : "?"; }
const char *nt_kernel_name(nt_kernel k) { return (unsigned)k < NT_KERNEL_N ? kernel_names[k] : "?"; }
int nt_method_parse(const char *name) { return find(method_names, NT_METHOD_N, name); }
int nt_trim_parse(const char *name) { return find(trim_names, NT_TRIM_N, name); }
int nt_kernel_parse(const char *name) { return find(kernel_names, NT_KERNEL_N, name); }

int nt_method_is_matching(nt_method m)
{
    return m == NT_METHOD_NN || m == NT_METHOD_RADIUS || m == NT_METHOD_KERNEL;
}
