/* The dynamic estimator's weights at tau = 0 (opts.kw, nt_dynamic.h): for
   every start month k used, the contributing treated and the controls with
   positive weight, as ATT_k(0) weighs them. At tau = 0 every unit of the
   risk set is observed (it is on the index benefit in k), so these are the
   matching or weighting weights themselves, before any renormalisation over
   later censoring:
     treated   weight c_i (its copies; 1 in a main run), only the
               contributing ones (matched, on support, a control of weight);
     control   weight v_j x sum_i c_i, v_j its share of the control mean of
               ATT_k(0) (nt_dyn_facts.c): matching sum_i c_i w_ij / den_i,
               ranges the same with the radius or kernel weights, weighting
               w_j scaled to the treated copies (within each exact cell:
               w_j n_c / W_c); so at each k the controls' weights sum to the
               treated's, and pooling over k weighs start months by their
               treated as ATT(tau) does.
   AIPW and the bias-adjusted radius keep their weights here (the outcome
   models adjust means, not survival curves). Used by study/nt_run_ttw.c
   (time_to_work.csv, private/matching_weights.csv). */
#ifndef NT_DYN_KW_H
#define NT_DYN_KW_H

#include <stdint.h>

typedef struct nt_dyn_kw_s {
    long n, cap;
    long *person;      /* panel index */
    int32_t *k;        /* start month (months since inflow) */
    uint8_t *role;     /* 1 treated, 0 control */
    double *w;
} nt_dyn_kw;

void nt_dyn_kw_free(nt_dyn_kw *W);

#endif
