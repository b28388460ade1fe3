/* Calendar alignment of the dynamic estimator ([estimator] calendar,
   docs/dynamic.md "Calendar time"): treated and controls of start month k
   are compared within cells of the calendar, so that persons at the same
   elapsed duration are also in the same calendar period. At a given k the
   calendar month of k is inflow month + k, so exact on the calendar month
   of k is exact on the inflow month; the quarter is the coarser cell. */
#ifndef NT_CALENDAR_H
#define NT_CALENDAR_H

#include <stdint.h>
#include "core/nt_error.h"
#include "data/nt_store.h"

typedef enum { NT_CALENDAR_NONE = 0, NT_CALENDAR_QUARTER, NT_CALENDAR_MONTH } nt_calendar;

/* "none", "inflow_quarter", "inflow_month" -> the value, else -1. */
int nt_calendar_parse(const char *v);
/* The word of a value; NULL past the last (a study-key vocabulary). */
const char *nt_calendar_name(int c);

/* The calendar cell of every person of the store (n persons) from its
   inflow_month: code[i] in 0..*ncode-1, 0 for a missing inflow month, then
   the quarters or months in chronological order. NT_EINPUT when the store
   has no inflow_month or a level is not a month (YYYY-MM). */
nt_status nt_calendar_codes(nt_store *st, nt_calendar cal, long n, int32_t *code, int *ncode, nt_error *err);

#endif
