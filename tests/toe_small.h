/* Shared by test_toe.c, test_toe_loss.c and test_toe_groups.c (each states
   what its goldens hold): tests/data/toe_small.csv as an nt_toe_data, with
   the rows not at risk of tests/data/toe_risk.csv, the job-loss cells of
   tests/data/toe_loss_cells.csv and the effects by x2 as options; the
   goldens' cuts; and the check of a fit's rows against an R golden.
   Header-only; needs tests/surv_testdata.h and tests/toe_tiny.h first. */
#ifndef TOE_SMALL_H
#define TOE_SMALL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "estimators/nt_toe.h"

enum {
    TOE_SMALL_RISK = 1,  /* data/toe_risk.csv: toe_small with exit_risk and entry_risk */
    TOE_SMALL_LOSS = 2,  /* job-loss cells, z = (x1, post) */
    TOE_SMALL_GROUPS = 4 /* effects by x2; with TOE_SMALL_LOSS, z = (x1, post[x2=0], post[x2=1]) */
};

typedef struct {
    tcsv *t, *c;   /* person-months; the job-loss cells or NULL */
    nt_toe_data d; /* points into the arrays below */
    double *col[7], *x, *cell[2], *z;
    long *person, *cperson;
    int *grp, *piece;
} toe_small;

static const char *const small_xn[] = {"x1", "x2"};
static const char *const small_gn[] = {"[x2=0]", "[x2=1]"};
static const char *const small_ln[] = {"loss:(-Inf,0]", "loss:(0,2]", "loss:(2,Inf)", "loss:x1", "loss:post"};
static const char *const small_ln_by[] = {"loss:(-Inf,0]", "loss:(0,2]", "loss:(2,Inf)", "loss:x1",
                                          "loss:post[x2=0]", "loss:post[x2=1]"};
static const double cut_e[] = {6, 12}, cut_p[] = {6};

static toe_small toe_small_load(int opts)
{
    toe_small s = {0};
    s.t = tcsv_read(opts & TOE_SMALL_RISK ? "data/toe_risk.csv" : "data/toe_small.csv");
    assert_non_null(s.t);
    long n = s.t->nrow;
    double *pid = tcsv_column(s.t, "person"), *x1 = tcsv_column(s.t, "x1"), *x2 = tcsv_column(s.t, "x2");
    s.person = malloc((size_t)n * sizeof *s.person);
    s.x = malloc(2 * (size_t)n * sizeof *s.x);
    s.grp = malloc((size_t)n * sizeof *s.grp);
    for (long i = 0; i < n; i++) {
        s.person[i] = (long)pid[i];
        s.grp[i] = (int)x2[i];
    }
    memcpy(s.x, x1, (size_t)n * sizeof *s.x);
    memcpy(s.x + n, x2, (size_t)n * sizeof *s.x);
    free(pid);
    free(x1);
    free(x2);
    static const char *const names[] = {"period", "y_exit", "y_entry", "since_entry", "in_program", "exit_risk",
                                        "entry_risk"};
    for (int k = 0; k < ((opts & TOE_SMALL_RISK) ? 7 : 5); k++) s.col[k] = tcsv_column(s.t, names[k]);
    s.d = (nt_toe_data){.n = n, .person = s.person, .period = s.col[0], .y_exit = s.col[1], .y_entry = s.col[2],
                        .since_entry = s.col[3], .in_program = s.col[4], .exit_risk = s.col[5],
                        .entry_risk = s.col[6], .x = s.x, .nx = 2, .xnames = small_xn};
    if (opts & TOE_SMALL_GROUPS) {
        s.d.eff_group = s.grp;
        s.d.n_eff_groups = 2;
        s.d.eff_group_names = small_gn;
    }
    if (!(opts & TOE_SMALL_LOSS)) return s;
    s.c = tcsv_read("data/toe_loss_cells.csv");
    assert_non_null(s.c);
    long nc = s.c->nrow;
    int nz = opts & TOE_SMALL_GROUPS ? 3 : 2;
    double *cp = tcsv_column(s.c, "person"), *cpiece = tcsv_column(s.c, "piece");
    double *cx1 = tcsv_column(s.c, "x1"), *cpost = tcsv_column(s.c, "post");
    s.cell[0] = tcsv_column(s.c, "at");
    s.cell[1] = tcsv_column(s.c, "ev");
    s.cperson = malloc((size_t)nc * sizeof *s.cperson);
    s.piece = malloc((size_t)nc * sizeof *s.piece);
    s.z = malloc((size_t)nz * (size_t)nc * sizeof *s.z);
    for (long i = 0; i < nc; i++) {
        s.cperson[i] = (long)cp[i];
        s.piece[i] = (int)cpiece[i] - 1;
        s.z[i] = cx1[i];
        if (nz == 2) {
            s.z[nc + i] = cpost[i];
            continue;
        }
        long r = 0;
        while (s.person[r] != s.cperson[i]) r++; /* the person's x2 */
        s.z[nc + i] = cpost[i] * (s.grp[r] == 0);
        s.z[2 * nc + i] = cpost[i] * (s.grp[r] == 1);
    }
    free(cp);
    free(cpiece);
    free(cx1);
    free(cpost);
    s.d.n_loss = nc;
    s.d.loss_person = s.cperson;
    s.d.loss_piece = s.piece;
    s.d.n_loss_pieces = 3;
    s.d.loss_at = s.cell[0];
    s.d.loss_ev = s.cell[1];
    s.d.loss_z = s.z;
    s.d.nz = nz;
    s.d.loss_names = nz == 2 ? small_ln : small_ln_by;
    return s;
}

static void toe_small_free(toe_small *s)
{
    for (int k = 0; k < 7; k++) free(s->col[k]);
    free(s->x);
    free(s->cell[0]);
    free(s->cell[1]);
    free(s->z);
    free(s->person);
    free(s->cperson);
    free(s->grp);
    free(s->piece);
    tcsv_free(s->t);
    if (s->c) tcsv_free(s->c);
}

/* the goldens' cuts: exit pieces (-Inf,6], (6,12], (12,Inf), entry (-Inf,6], (6,Inf) */
static nt_toe_opts small_opts(int kmin, int kmax)
{
    return (nt_toe_opts){.exit_cuts = cut_e, .n_exit_cuts = 2, .entry_cuts = cut_p, .n_entry_cuts = 1,
                         .k_min = kmin, .k_max = kmax};
}

/* A fit's rows against an R golden (columns name, coef, se, se_cluster): coef
   within 1e-6 of max(1, |coef|), se and se_cluster within 1e-4 relative; the
   worst errors go into *worst_c and *worst_se (kept if larger). */
static void expect_golden_rows(const nt_toe_result *r, const tcsv *g, double *worst_c, double *worst_se)
{
    for (long j = 0; j < g->nrow; j++) {
        expect_name(r->name[j], tcsv_str(g, j, "name"));
        double cf = tcsv_num(g, j, "coef"), se = tcsv_num(g, j, "se"), sc = tcsv_num(g, j, "se_cluster");
        expect_near(r->coef[j], cf, 1e-6 * fmax(1, fabs(cf)));
        expect_rel(r->se[j], se, 1e-4);
        expect_rel(r->se_cluster[j], sc, 1e-4);
        *worst_c = fmax(*worst_c, fabs(r->coef[j] - cf) / fmax(1, fabs(cf)));
        *worst_se = fmax(*worst_se, fmax(fabs(r->se[j] / se - 1), fabs(r->se_cluster[j] / sc - 1)));
    }
}

#endif
