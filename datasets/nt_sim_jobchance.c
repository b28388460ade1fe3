/* The simulator's job-chance truth (docs/simulation.md, docs/heterogeneity.md):
   every person's known score s_i = nt_sim_job_index (the job-finding logit
   at inflow without the unobserved trait, monotone in the true chance of
   finding work given the observed covariates), the quintile cut points
   c_j = s_(floor(j n / 5)) of the sorted scores (j = 1..4), and the
   quintile 1 + #{j : s_i >= c_j} a person's truth is added to
   (truth.csv's subgroups job_chance=q1..q5). */
#include "datasets/nt_sim_model.h"

#include <omp.h>
#include <stdlib.h>

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

int nt_sim_job_cuts(model *M, uint64_t seed, long persons, int nth, work *works)
{
    M->jc_ready = 0;
    if (persons < 5) return 0;
    double *s = malloc((size_t)persons * sizeof *s);
    if (!s) return -1;
    int failed = 0;
#pragma omp parallel num_threads(nth)
    {
        work *w = &works[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (long i = 0; i < persons; i++) {
            if (nt_sim_person_draw(M, seed, i, &w->p, &w->f)) {
#pragma omp atomic write
                failed = 1;
                continue;
            }
            s[i] = nt_sim_job_index(M, &w->p);
        }
    }
    if (!failed) {
        qsort(s, (size_t)persons, sizeof *s, cmp_double);
        for (int j = 1; j <= 4; j++) M->jc_cut[j - 1] = s[(long)((double)j * (double)persons / 5.0)];
        M->jc_ready = 1;
    }
    free(s);
    return failed ? -1 : 0;
}

int nt_sim_job_quintile(const model *M, const person *p)
{
    if (!M->jc_ready) return 0;
    double v = nt_sim_job_index(M, p);
    int q = 1;
    for (int j = 0; j < 4; j++) q += v >= M->jc_cut[j];
    return q;
}
