/* Internal to the timing-of-events estimator (nt_toe.c): the validated
   person-period layout and the log-likelihood as a sum over fixed blocks of
   persons. A block's partial sums depend only on the block, and blocks are
   combined in block order, so the result is the same for any thread count;
   a streaming reader can later hand over one block of persons at a time. */
#ifndef NT_TOE_MODEL_H
#define NT_TOE_MODEL_H

#include "core/nt_error.h"
#include "estimators/nt_toe.h"

#define NT_TOE_BLOCK 512 /* persons per block */

typedef struct {
    const nt_toe_data *d;
    long n, n_persons, n_blocks;
    long *start;          /* n_persons + 1 row offsets */
    int *piece_e;         /* per cell (below; per row until the cells are built): exit-baseline piece,
                             -1 when not at risk of the exit */
    int *piece_p;         /* per cell: entry-baseline piece, -1 when not at risk of entry */
    int *eff;             /* per cell: effect index, -1 before the programme */
    int n_pe, n_pp, n_eff, nx;
    int n_eg;             /* effect groups (1 without nt_toe_data.eff_group): n_eff = n_eg x pieces */
    int p_base;           /* n_pe + nx + n_eff + n_pp + nx [+ n_pl + nz] */
    int o_be, o_eff, o_ap, o_bp; /* offsets in theta (a_e starts at 0, mass points at p_base) */
    int n_pl, nz, o_al, o_bl;    /* job-loss pieces, columns, offsets (n_pl = 0: no loss hazard) */
    int nv;               /* coordinates per mass point: 2, or 3 with the loss hazard */
    long *lstart;         /* n_persons + 1 cell offsets (NULL without the loss hazard) */
    unsigned char *lnewz; /* per job-loss cell: 1 if z differs from the person's previous cell's */
    long *zstart;         /* n_persons + 1: the person's first z run; zrow: runs x nz, row-major */
    double *zrow;
    double *ev_l, *at_l;  /* losses and months per loss piece */
    /* Runs of a person's consecutive non-event rows with the same codes and
       covariates collapse into one "cell" (its first row crow[c], weight
       cw[c] = rows in the run); event rows are cells of weight 1. An
       evaluation costs O(cells + covariate runs nx) instead of O(rows nx). */
    long n_cells;
    long *cstart;         /* n_persons + 1 cell offsets */
    long *crow;           /* n_cells: the cell's first row */
    double *cw;           /* n_cells: rows in the cell */
    unsigned char *cnewx; /* n_cells: 1 if the covariates differ from the previous cell's (or first of a person) */
    long *xstart;         /* n_persons + 1: the person's first covariate run (a cell with cnewx = 1) */
    double *xrow;         /* runs x nx, row-major: the covariates of each run, read in person order */
    int max_rows;         /* most cells of one person */
    long *n_eval;         /* evaluations so far: [0] log L only, [1] with the gradient (progress lines) */
    int max_cells;        /* most job-loss cells of one person */
    char **base_name;     /* p_base names */
    double *ev_e, *ev_p;  /* events per exit / entry piece (start values) */
    double *at_e, *at_p;  /* rows at risk per piece */
} nt_toe_model;

/* Checks the layout (nt_toe.h) and builds the piece and effect codes. */
nt_status nt_toe_model_alloc(const nt_toe_data *d, const nt_toe_opts *o, nt_toe_model **out, nt_error *err);
void nt_toe_model_free(nt_toe_model *m);

/* Parameters for K mass points: p_base + (nv + 1)(K - 1). */
int nt_toe_model_np(const nt_toe_model *m, int K);

/* Log-likelihood at theta; grad (p, may be NULL) its gradient; meat (p x p,
   may be NULL) the sum over persons of the outer product of the person
   scores. Returns 0, or -1 when out of memory. */
int nt_toe_model_eval(const nt_toe_model *m, int K, const double *theta, double *loglik, double *grad,
                      double *meat);

#endif
