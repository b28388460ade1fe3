/* Calendar dates as day numbers (days since 1970-01-01, proleptic Gregorian)
   and calendar months as month numbers (year * 12 + month - 1), so month
   arithmetic is integer subtraction. */
#ifndef NT_DATE_H
#define NT_DATE_H

#include <stdint.h>

typedef int32_t nt_day;   /* days since 1970-01-01 */
#define NT_DAY_NONE INT32_MIN

nt_day nt_day_from_ymd(int y, int m, int d);
void nt_day_to_ymd(nt_day day, int *y, int *m, int *d);
int nt_ymd_valid(int y, int m, int d);
int nt_days_in_month(int y, int m);

/* Month number of a day (year*12 + month-1) and the first/last day of one. */
int nt_month_of_day(nt_day day);
nt_day nt_month_first_day(int month);
nt_day nt_month_last_day(int month);

/* Parses "YYYY-MM-DD" or "YYYYMMDD" (exactly, no spaces); 0 on success. */
int nt_date_parse(const char *s, unsigned long len, nt_day *out);
/* Parses "YYYY-MM" to a month number; 0 on success. */
int nt_month_parse(const char *s, unsigned long len, int *month);

/* Writes "YYYY-MM-DD" (11 bytes incl. NUL) / "YYYY-MM" (8 bytes). */
void nt_day_format(nt_day day, char *buf);
void nt_month_format(int month, char *buf);

#endif
