/* Small helpers shared by the cmocka test programs. */
#ifndef NT_TEST_H
#define NT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* A fresh, empty folder under $NT_TMP (or /tmp) named for the test; returns
   a static buffer valid until the next call. */
const char *nt_test_dir(const char *name);
/* Path of the built netto ($NETTO_BIN). */
const char *nt_test_netto(void);
/* Runs a shell command line; returns its exit code (-1 if it did not exit).
   stdout and stderr go to out_path / err_path when given. */
int nt_test_sh(const char *cmdline, const char *out_path, const char *err_path);
/* Reads a whole file into a NUL-terminated buffer (caller frees); NULL if absent. */
char *nt_test_slurp(const char *path);
/* Writes text to a file; fails the test on error. */
void nt_test_write(const char *path, const char *text);
/* |a - b| <= tol, with a readable failure message. */
#define expect_near(a, b, tol) nt_test_expect_near((a), (b), (tol), #a, __FILE__, __LINE__)
void nt_test_expect_near(double a, double b, double tol, const char *what, const char *file, int line);
/* Relative: |a - b| <= rel * max(|b|, tiny). */
#define expect_rel(a, b, rel) nt_test_expect_rel((a), (b), (rel), #a, __FILE__, __LINE__)
void nt_test_expect_rel(double a, double b, double rel, const char *what, const char *file, int line);

#endif
