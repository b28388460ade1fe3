#include "core/nt_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double nt_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void nt_progress_begin(nt_progress *p, const char *stage, double total)
{
    memset(p, 0, sizeof *p);
    snprintf(p->stage, sizeof p->stage, "%s", stage);
    p->start = p->last = nt_now();
    p->interval = 2.0;
    p->total = total;
    const char *q = getenv("NETTO_QUIET");
    p->quiet = q && *q && strcmp(q, "0") != 0;
}

void nt_progress_update(nt_progress *p, double done, const char *extra)
{
    if (p->quiet) return;
    double t = nt_now();
    if (t - p->last < p->interval) return;
    p->last = t;
    double el = t - p->start;
    if (p->total > 0 && done > 0) {
        double rem = el * (p->total - done) / done;
        fprintf(stderr, "netto: %s: %.0f%%%s%s, %.0f s elapsed, about %.0f s to go\n", p->stage,
                100.0 * done / p->total, extra ? ", " : "", extra ? extra : "", el, rem);
    } else {
        fprintf(stderr, "netto: %s%s%s, %.0f s elapsed\n", p->stage, extra ? ": " : "",
                extra ? extra : "", el);
    }
}

void nt_progress_end(nt_progress *p)
{
    if (p->quiet) return;
    double el = nt_now() - p->start;
    if (el >= p->interval) fprintf(stderr, "netto: %s: done in %.1f s\n", p->stage, el);
}
