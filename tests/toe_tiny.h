/* Shared by test_toe.c, test_toe_loss.c and test_toe_groups.c (each states
   the likelihood it expects): the three persons' person-months of the hand
   computations, the check of the goldens' interval names, and the
   likelihood's gradient against central differences. Header-only. */
#ifndef TOE_TINY_H
#define TOE_TINY_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_toe.h"
#include "estimators/nt_toe_model.h"

/* Person 1 enters at t = 1, is in the programme at 2 and exits to work at 3
   (post); person 2 is censored after t = 2; person 3 enters at 1 and exits
   to work at 2 (lock-in). */
static const long tiny_person[] = {1, 1, 1, 2, 2, 3, 3};
static const double tiny_period[] = {1, 2, 3, 1, 2, 1, 2};
static const double tiny_yexit[] = {0, 0, 1, 0, 0, 0, 1};
static const double tiny_yentry[] = {1, 0, 0, 0, 0, 1, 0};
static const double tiny_since[] = {0, 1, 2, 0, 0, 0, 1};
static const double tiny_inprog[] = {0, 1, 0, 0, 0, 0, 1};

static nt_toe_data tiny_exit_entry(void)
{
    return (nt_toe_data){.n = 7, .person = tiny_person, .period = tiny_period, .y_exit = tiny_yexit,
                         .y_entry = tiny_yentry, .since_entry = tiny_since, .in_program = tiny_inprog};
}

/* The goldens write the interval names with ';' for ',' (the CSV has no quotes). */
static void expect_name(const char *c_name, const char *golden)
{
    char b[160];
    snprintf(b, sizeof b, "%s", c_name);
    for (char *q = b; *q; q++)
        if (*q == ',') *q = ';';
    assert_string_equal(b, golden);
}

/* max |analytic - central difference| / max(1, |analytic|) over theta */
static double grad_check(const nt_toe_model *m, int K, const double *th)
{
    int p = nt_toe_model_np(m, K);
    double *g = malloc((size_t)p * sizeof *g), *t = malloc((size_t)p * sizeof *t), ll, l1, l2, worst = 0;
    assert_int_equal(nt_toe_model_eval(m, K, th, &ll, g, NULL), 0);
    for (int j = 0; j < p; j++) {
        double h = 1e-6;
        memcpy(t, th, (size_t)p * sizeof *t);
        t[j] += h;
        nt_toe_model_eval(m, K, t, &l1, NULL, NULL);
        t[j] -= 2 * h;
        nt_toe_model_eval(m, K, t, &l2, NULL, NULL);
        worst = fmax(worst, fabs(g[j] - (l1 - l2) / (2 * h)) / fmax(1, fabs(g[j])));
    }
    free(g);
    free(t);
    return worst;
}

#endif
