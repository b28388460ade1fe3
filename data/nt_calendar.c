/* Calendar cells from the store's inflow month (nt_calendar.h). */
#include "data/nt_calendar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/nt_date.h"

static const char *const names[] = {"none", "inflow_quarter", "inflow_month"};

int nt_calendar_parse(const char *v)
{
    for (int c = 0; c < 3; c++)
        if (v && !strcmp(v, names[c])) return c;
    return -1;
}

const char *nt_calendar_name(int c) { return c >= 0 && c < 3 ? names[c] : NULL; }

nt_status nt_calendar_codes(nt_store *st, nt_calendar cal, long n, int32_t *code, int *ncode, nt_error *err)
{
    if (nt_store_covariate_kind(st, "inflow_month") != NT_COV_CATEGORICAL)
        return nt_fail(err, NT_EINPUT, "the cohort store has no inflow_month (needed by [estimator] calendar = %s)",
                       nt_calendar_name((int)cal));
    char **levels = NULL;
    int nlev = 0;
    nt_status s = nt_store_read_levels(st, "inflow_month", &levels, &nlev, err);
    if (s) return s;
    int *cell = malloc((size_t)(nlev + 1) * sizeof *cell);   /* store code (0 missing, 1..nlev) -> cell */
    double *buf = malloc((size_t)(n ? n : 1) * sizeof *buf);
    if (!cell || !buf) s = nt_fail(err, NT_ENOMEM, "out of memory");
    int lo = 0, hi = -1;
    for (int l = 0; l < nlev && !s; l++) {
        int m;
        if (nt_month_parse(levels[l], strlen(levels[l]), &m)) {
            s = nt_fail(err, NT_EINPUT, "inflow_month level \"%s\" of the cohort store is not a month (YYYY-MM)", levels[l]);
            break;
        }
        int c = cal == NT_CALENDAR_QUARTER ? (m >= 0 ? m / 3 : -((2 - m) / 3)) : m;
        cell[l + 1] = c;
        if (l == 0 || c < lo) lo = c;
        if (l == 0 || c > hi) hi = c;
    }
    if (!s) {
        /* chronological codes 1..; the levels are bytewise = chronological months */
        cell[0] = 0;
        for (int l = 1; l <= nlev; l++) cell[l] = cell[l] - lo + 1;
        *ncode = nlev ? hi - lo + 2 : 1;
        s = nt_store_read_covariate(st, "inflow_month", buf, err);
    }
    for (long i = 0; i < n && !s; i++) {
        double v = buf[i];
        int c = isnan(v) ? 0 : (int)v;
        code[i] = c >= 0 && c <= nlev ? cell[c] : 0;
    }
    free(cell);
    free(buf);
    nt_store_levels_free(levels, nlev);
    return s;
}
