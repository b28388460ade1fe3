/* GSL's default error handler aborts the process. The library switches it
   off at its estimator entry points (nt_gsl_quiet, estimators/nt_stats.h),
   so this program never calls gsl_set_error_handler_off: it drives a GSL
   error through a public function and expects a status back, not SIGABRT.
   Each case runs in a child process, so the process-wide GSL handler starts
   from GSL's default every time. */
#include "tests/nt_test.h"

#include <gsl/gsl_errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "estimators/nt_glm.h"

/* A logit on two identical columns of ones (n = 16) started at b = 0: every
   mu is 1/2 and every IRLS weight 1/4, so X'WX = [[4, 4], [4, 4]] and,
   scaled to unit diagonal, exactly [[1, 1], [1, 1]] on any BLAS kernel.
   GSL's Cholesky meets the pivot 1 - 1 = 0 and raises GSL_EDOM ("matrix is
   not positive definite") through the error handler; the GLM then reports
   the aliased column as a status. */
static nt_status collinear_glm(nt_error *err)
{
    double x[32], y[16], start[2] = {0, 0};
    for (int i = 0; i < 32; i++) x[i] = 1;
    for (int i = 0; i < 16; i++) y[i] = i % 2;
    const char *terms[] = {"a", "b"};
    nt_glm_opts o;
    nt_glm_opts_default(&o);
    o.start = start;
    nt_glm_fit *f = NULL;
    nt_status s = nt_glm_fit_alloc(x, 16, 2, y, NULL, terms, &o, &f, err);
    nt_glm_fit_free(f);
    return s;
}

/* Runs fn in a child; returns its exit code, or 128 + signal. */
static int in_child(int (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) _exit(fn());
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
}

static int default_handler(void)
{
    nt_error err;
    nt_error_clear(&err);
    nt_status s = collinear_glm(&err);
    return s == NT_EINPUT && strstr(err.msg, "linear combination") ? 0 : 1;
}

static int calls;
static void counting_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason; (void)file; (void)line; (void)gsl_errno;
    calls++;
}

/* A handler the caller installed before the first library call stays. */
static int own_handler(void)
{
    gsl_set_error_handler(counting_handler);
    nt_error err;
    nt_error_clear(&err);
    nt_status s = collinear_glm(&err);
    return s == NT_EINPUT && calls >= 1 ? 0 : 1;
}

static void test_no_abort(void **state)
{
    (void)state;
    int rc = in_child(default_handler);
    if (rc == 128 + SIGABRT) fail_msg("nt_glm_fit_alloc aborted inside GSL: the entry point did not switch GSL's handler off");
    assert_int_equal(rc, 0);
}

static void test_own_handler_kept(void **state)
{
    (void)state;
    assert_int_equal(in_child(own_handler), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_abort),
        cmocka_unit_test(test_own_handler_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
