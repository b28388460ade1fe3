/* Progress lines on stderr for long runs: at most one line every `interval`
   seconds, with elapsed and estimated remaining time. Silent when
   NETTO_QUIET is set in the environment (tests). */
#ifndef NT_PROGRESS_H
#define NT_PROGRESS_H

typedef struct {
    char stage[128];
    double start, last, interval;
    double total;
    int quiet;
} nt_progress;

double nt_now(void); /* monotonic seconds */
void nt_progress_begin(nt_progress *p, const char *stage, double total);
/* done of total units; extra is a short free text ("replicate 12") or NULL. */
void nt_progress_update(nt_progress *p, double done, const char *extra);
void nt_progress_end(nt_progress *p);

#endif
