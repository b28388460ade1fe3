#include "core/nt_date.h"

#include <stdio.h>
#include <string.h>

/* Days from civil (H. Hinnant's algorithm): exact for the proleptic Gregorian
   calendar, no tables, no time zones. */
nt_day nt_day_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153u * (unsigned)(m + (m > 2 ? -3 : 9)) + 2u) / 5u + (unsigned)d - 1u;
    const unsigned doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return (nt_day)(era * 146097 + (int)doe - 719468);
}

void nt_day_to_ymd(nt_day z0, int *y, int *m, int *d)
{
    long z = (long)z0 + 719468;
    const long era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const long yy = (long)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned dd = doy - (153 * mp + 2) / 5 + 1;
    const unsigned mm = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yy + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

int nt_days_in_month(int y, int m)
{
    static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
    return n[m - 1];
}

int nt_ymd_valid(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= nt_days_in_month(y, m);
}

int nt_month_of_day(nt_day day)
{
    int y, m, d;
    nt_day_to_ymd(day, &y, &m, &d);
    return y * 12 + m - 1;
}

nt_day nt_month_first_day(int month)
{
    return nt_day_from_ymd(month / 12, month % 12 + 1, 1);
}

nt_day nt_month_last_day(int month)
{
    int y = month / 12, m = month % 12 + 1;
    return nt_day_from_ymd(y, m, nt_days_in_month(y, m));
}

static int digits(const char *s, unsigned long n, int *v)
{
    int x = 0;
    for (unsigned long i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        x = x * 10 + (s[i] - '0');
    }
    *v = x;
    return 0;
}

int nt_date_parse(const char *s, unsigned long len, nt_day *out)
{
    int y, m, d;
    if (len == 10 && s[4] == '-' && s[7] == '-') {
        if (digits(s, 4, &y) || digits(s + 5, 2, &m) || digits(s + 8, 2, &d)) return -1;
    } else if (len == 8) {
        if (digits(s, 4, &y) || digits(s + 4, 2, &m) || digits(s + 6, 2, &d)) return -1;
    } else {
        return -1;
    }
    if (!nt_ymd_valid(y, m, d)) return -1;
    *out = nt_day_from_ymd(y, m, d);
    return 0;
}

int nt_month_parse(const char *s, unsigned long len, int *month)
{
    int y, m;
    if (len != 7 || s[4] != '-') return -1;
    if (digits(s, 4, &y) || digits(s + 5, 2, &m)) return -1;
    if (y < 1 || m < 1 || m > 12) return -1;
    *month = y * 12 + m - 1;
    return 0;
}

void nt_day_format(nt_day day, char *buf)
{
    int y, m, d;
    nt_day_to_ymd(day, &y, &m, &d);
    char t[48];
    snprintf(t, sizeof t, "%04d-%02d-%02d", y, m, d);
    memcpy(buf, t, 10);
    buf[10] = 0;
}

void nt_month_format(int month, char *buf)
{
    char t[32];
    snprintf(t, sizeof t, "%04d-%02d", month / 12, month % 12 + 1);
    memcpy(buf, t, 7);
    buf[7] = 0;
}
