/* Destinations of the exit from the index spell (data contract, section 3):
   the codes of the store's categorical exit_dest (code i is level i, 0 the
   store's missing) and their names. A word list with codes; the rule that
   picks a destination is data/nt_cohort's. */
#ifndef NT_EXIT_H
#define NT_EXIT_H

typedef enum {
    NT_EXIT_WORK = 1,      /* a job covers a day in the month after the spell's end */
    NT_EXIT_CENSORED = 2,  /* the spell runs past the data end or the panel */
    NT_EXIT_OTHER = 3,
    NT_EXIT_N = 3          /* codes 1..NT_EXIT_N */
} nt_exit;

/* "work", "censored", "other"; NULL for another code. */
const char *nt_exit_name(nt_exit e);

#endif
