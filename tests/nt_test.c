#include "tests/nt_test.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

const char *nt_test_dir(const char *name)
{
    static char buf[4096];
    const char *base = getenv("NT_TMP");
    if (!base || !*base) base = "/tmp/netto-tests";
    snprintf(buf, sizeof buf, "%s/%s", base, name);
    char cmd[8400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", buf, buf);
    if (system(cmd) != 0) fail_msg("cannot make test folder %s", buf);
    return buf;
}

const char *nt_test_netto(void)
{
    const char *b = getenv("NETTO_BIN");
    return b && *b ? b : "../build/netto";
}

int nt_test_sh(const char *cmdline, const char *out_path, const char *err_path)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "NETTO_QUIET=1 %s >'%s' 2>'%s'", cmdline, out_path ? out_path : "/dev/null",
             err_path ? err_path : "/dev/null");
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

char *nt_test_slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, fp) != (size_t)n) { free(b); b = NULL; }
    if (b) b[n] = 0;
    fclose(fp);
    return b;
}

void nt_test_write(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) fail_msg("cannot write %s", path);
    fputs(text, fp);
    fclose(fp);
}

void nt_test_expect_near(double a, double b, double tol, const char *what, const char *file, int line)
{
    if (!(fabs(a - b) <= tol)) {
        print_error("%s:%d: %s = %.17g, expected %.17g within %g\n", file, line, what, a, b, tol);
        fail();
    }
}

void nt_test_expect_rel(double a, double b, double rel, const char *what, const char *file, int line)
{
    double scale = fabs(b) > 1e-300 ? fabs(b) : 1e-300;
    if (!(fabs(a - b) <= rel * scale)) {
        print_error("%s:%d: %s = %.17g, expected %.17g within relative %g\n", file, line, what, a, b, rel);
        fail();
    }
}
