/* Text rules of the data contract (nt_text.h). */
#include "data/nt_text.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "data/nt_csv.h"

void nt_text_trim(const char **s, size_t *n)
{
    while (*n && ((*s)[0] == ' ' || (*s)[0] == '\t')) { (*s)++; (*n)--; }
    while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

int nt_text_ieq_n(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (m != n) return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned a = (unsigned char)s[i];
        if (a >= 'A' && a <= 'Z') a += 32;
        if (a != (unsigned char)lit[i]) return 0;
    }
    return 1;
}

int nt_text_ieq(const char *a, const char *b)
{
    for (;; a++, b++) {
        unsigned x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z') x += 32;
        if (y >= 'A' && y <= 'Z') y += 32;
        if (x != y) return 0;
        if (!x) return 1;
    }
}

int nt_text_number(const char *s, size_t n, char dec, double *v, int *lead0)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+')) { neg = s[i] == '-'; i++; }
    size_t int0 = i;
    uint64_t m = 0;
    int digits = 0, frac = 0, sig = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (sig || s[i] != '0') sig++;
        if (sig <= 19) m = m * 10 + (uint64_t)(s[i] - '0');
        i++;
        digits++;
    }
    size_t nint = i - int0;
    if (lead0) *lead0 = nint >= 2 && s[int0] == '0';
    if (i < n && s[i] == dec) {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (sig || s[i] != '0') sig++;
            if (sig <= 19) m = m * 10 + (uint64_t)(s[i] - '0');
            i++;
            digits++;
            frac++;
        }
    }
    if (i != n || digits == 0) return -1;
    static const double p10[23] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double x;
    if (sig <= 15 && frac <= 22) {
        x = (double)m / p10[frac];   /* both exact: one correctly rounded division */
    } else {
        char buf[400];
        if (n >= sizeof buf) return -1;
        memcpy(buf, s, n);
        buf[n] = 0;
        for (size_t j = 0; j < n; j++)
            if (buf[j] == dec) buf[j] = '.';
        x = strtod(buf, NULL);
        neg = 0;
    }
    if (!isfinite(x)) return -1;   /* beyond a double: not a number netto can hold */
    *v = neg ? -x : x;
    return 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    if (s[0] && s[0] < 0x80) return 1;
    if (!s[0]) return 0;
    size_t k = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (k > n) k = n;
    for (size_t m = k; m >= 2; m--)
        if (nt_utf8_valid(s, m)) return m;
    return 0;
}

static const uint16_t cp1252_hi[32] = {
    0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
    0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178};

size_t nt_text_escape(const unsigned char *s, size_t n, int cp1252, char *out, size_t max)
{
    size_t o = 0;
    size_t i = 0;
    while (i < n) {
        char tmp[8];
        size_t tn, used;
        if (cp1252 && s[i] >= 0x80) {
            unsigned cp = s[i] >= 0xA0 ? s[i] : cp1252_hi[s[i] - 0x80];
            if (!cp) tn = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", s[i]);
            else if (cp < 0x800) { tmp[0] = (char)(0xC0 | (cp >> 6)); tmp[1] = (char)(0x80 | (cp & 0x3F)); tn = 2; }
            else { tmp[0] = (char)(0xE0 | (cp >> 12)); tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); tmp[2] = (char)(0x80 | (cp & 0x3F)); tn = 3; }
            used = 1;
        } else {
            size_t k = utf8_seq(s + i, n - i);
            if (k) { memcpy(tmp, s + i, k); tn = k; used = k; }
            else { tn = (size_t)snprintf(tmp, sizeof tmp, "\\x%02X", s[i]); used = 1; }
        }
        if (o + tn > max) break;
        memcpy(out + o, tmp, tn);
        o += tn;
        i += used;
    }
    out[o] = 0;
    return o;
}
