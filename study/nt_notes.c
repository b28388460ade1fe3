#include "study/nt_notes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nt_notes_add(nt_notes *nt, nt_notes_stream s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) return;
    int join = nt->n > 0 && nt->stream[nt->n - 1] == s;
    size_t old = join ? strlen(nt->text[nt->n - 1]) : 0;
    if (!join && nt->n == nt->cap) {
        int cap = nt->cap ? 2 * nt->cap : 8;
        char **t = realloc(nt->text, (size_t)cap * sizeof *t);
        if (!t) return;
        nt->text = t;
        nt_notes_stream *st = realloc(nt->stream, (size_t)cap * sizeof *st);
        if (!st) return;
        nt->stream = st;
        nt->cap = cap;
    }
    char *buf = realloc(join ? nt->text[nt->n - 1] : NULL, old + (size_t)len + 1);
    if (!buf) return;
    va_start(ap, fmt);
    vsnprintf(buf + old, (size_t)len + 1, fmt, ap);
    va_end(ap);
    if (join) {
        nt->text[nt->n - 1] = buf;
    } else {
        nt->text[nt->n] = buf;
        nt->stream[nt->n++] = s;
    }
}

void nt_notes_free(nt_notes *nt)
{
    for (int i = 0; i < nt->n; i++) free(nt->text[i]);
    free(nt->text);
    free(nt->stream);
    memset(nt, 0, sizeof *nt);
}
