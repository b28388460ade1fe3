/* The business cycle of scenario `cycle` (see nt_sim_model.h and
   docs/simulation.md "Scenarios"): calendar effects on programme start,
   job finding and the programme's effect, and the study-level context
   table the scenario writes (context.csv, regional unemployment rates). */
#include "datasets/nt_sim_model.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define CYCLE_PERIOD 60                 /* months */
#define CYCLE_ZERO (2003 * 12 + 3)      /* 2003-04: rising through zero, peak 15 months later */

double nt_sim_cycle(int m)
{
    return sin(2.0 * 3.14159265358979323846 * (double)(m - CYCLE_ZERO) / (double)CYCLE_PERIOD);
}

void nt_sim_cycle_init(model *m)
{
    /* In a slack market caseworkers have more programme places (starts up),
       jobs are scarcer (job finding down) and a programme's post effect is
       larger (Lechner & Wunsch 2009): all three follow the calendar month,
       so persons at the same elapsed duration but different calendar months
       differ in both the start decision and the outcome. */
    m->cyc_start = 1.2;
    m->cyc_job = -1.0;
    m->cyc_effect = 0.5;
}

/* Unemployment rate (percent, one decimal) in calendar month m and region r:
   6.5 + 1.5 cycle(m) - 4 x the region's job-finding shift. */
int nt_sim_unemployment_tenths(int m, int r)
{
    return (int)round(10.0 * (6.5 + 1.5 * nt_sim_cycle(m) - 4.0 * nt_sim_regions[r].shift));
}

static double unemployment_rate(int m, int r) { return nt_sim_unemployment_tenths(m, r) / 10.0; }

nt_status nt_sim_context_write(const char *path, char delimiter, const char *eol, nt_error *err)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    fprintf(fp, "region%cmonth%cunemployment_rate%s", delimiter, delimiter, eol);
    for (int r = 0; r < NREGION; r++)
        for (int m = WINDOW_FROM - HIST_MONTHS; m <= DATA_END_MONTH; m++) {
            char mon[16];
            nt_month_format(m, mon);
            double u = unemployment_rate(m, r);
            /* a decimal comma would clash with ';' only as a value: always '.' */
            fprintf(fp, "%s%c%s%c%.1f%s", nt_sim_regions[r].code, delimiter, mon, delimiter, u, eol);
        }
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}
