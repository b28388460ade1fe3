/* The timing-of-events likelihood's gradient against central differences,
   shared by test_toe.c and test_toe_loss.c. Header-only. */
#ifndef TOE_GRAD_H
#define TOE_GRAD_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_toe_model.h"

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
