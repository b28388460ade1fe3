#include "core/nt_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void copy(char *dst, unsigned long size, const char *src)
{
    if (!src) src = "";
    snprintf(dst, size, "%s", src);
}

void nt_error_clear(nt_error *err)
{
    if (err) memset(err, 0, sizeof *err);
}

nt_status nt_fail(nt_error *err, nt_status s, const char *fmt, ...)
{
    if (!err) return s;
    nt_error_clear(err);
    err->status = s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return s;
}

nt_status nt_fail_at(nt_error *err, nt_status s, const char *file, long line,
                     const char *column, const char *fmt, ...)
{
    if (!err) return s;
    nt_error_clear(err);
    err->status = s;
    copy(err->file, sizeof err->file, file);
    err->line = line;
    copy(err->column, sizeof err->column, column);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return s;
}

void nt_error_format(const nt_error *err, char *buf, unsigned long size)
{
    char where[400] = "";
    if (err->file[0] && err->line > 0)
        snprintf(where, sizeof where, "%s:%ld: ", err->file, err->line);
    else if (err->file[0])
        snprintf(where, sizeof where, "%s: ", err->file);
    if (err->column[0])
        snprintf(buf, size, "%scolumn %s: %s", where, err->column, err->msg);
    else
        snprintf(buf, size, "%s%s", where, err->msg);
}
