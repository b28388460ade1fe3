/* Process-wide teardown for programs that ran a study command. */
#ifndef NT_PROCESS_H
#define NT_PROCESS_H

/* Releases the process-wide caches a run may leave behind (cairo's and
   fontconfig's font caches after plotting), so leak checkers see a clean
   exit. Call once, last: no plotting may follow. */
void nt_process_cleanup(void);

#endif
