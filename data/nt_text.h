/* Text rules of the data contract shared by the spell reader's stages:
   trimming, ASCII case-insensitive names, the contract's decimal numbers,
   and raw bytes escaped for messages and the rejects report. */
#ifndef NT_TEXT_H
#define NT_TEXT_H

#include <stddef.h>

/* Drops leading and trailing spaces and TABs from s[0..*n). */
void nt_text_trim(const char **s, size_t *n);
/* ASCII case-insensitive equality of two strings / of s[0..n) and lit
   (lit in lower case). */
int nt_text_ieq(const char *a, const char *b);
int nt_text_ieq_n(const char *s, size_t n, const char *lit);

/* Decimal number: [+-] digits [dec digits] (or [+-] dec digits); no
   exponent, no thousands separators. *lead0 (may be NULL) = the integer
   part has a leading zero (0363). Returns 0 on success, -1 otherwise.
   Exact: up to 15 significant digits one correctly rounded division,
   beyond that strtod. */
int nt_text_number(const char *s, size_t n, char dec, double *v, int *lead0);

/* Writes raw bytes as UTF-8 text, each invalid byte (and NUL) as \xHH,
   stopping before `max` output bytes without cutting a character or an
   escape (out needs max + 1 bytes). cp1252 input is transcoded. Returns the
   output length. Text that is already escaped comes out unchanged. */
size_t nt_text_escape(const unsigned char *s, size_t n, int cp1252, char *out, size_t max);

#endif
