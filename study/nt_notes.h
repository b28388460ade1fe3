/* What a command run has to tell its user, in order: text for standard
   output and text for standard error. study/ writes the notes, cli/ prints
   them (only cli/ prints), so a program calling a run prints nothing it did
   not ask for.

     nt_notes notes = {0};
     nt_status s = nt_match_run(&o, &notes, &err);
     ... print notes.text[i] on stdout or stderr by notes.stream[i] ...
     nt_notes_free(&notes); */
#ifndef NT_NOTES_H
#define NT_NOTES_H

typedef enum { NT_NOTES_OUT = 0, NT_NOTES_ERR = 1 } nt_notes_stream;

typedef struct {
    int n, cap;
    nt_notes_stream *stream;  /* n */
    char **text;              /* n pieces; text added for the same stream in a row is one piece */
} nt_notes;

/* Appends printf-style text (lines end in '\n' as given). Out of memory
   drops the text: a note is never worth failing a run. */
void nt_notes_add(nt_notes *nt, nt_notes_stream s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Frees the contents (the struct itself is the caller's) and empties it. */
void nt_notes_free(nt_notes *nt);

#endif
