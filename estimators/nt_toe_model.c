/* Timing-of-events likelihood (see nt_toe.h, nt_toe_model.h, docs/toe.md).

   theta = [ a_e (n_pe) | b_e (nx) | d (n_eff = effect groups x pieces, group-major) | a_p (n_pp) | b_p (nx) |
             (v_e^k, v_p^k) for k = 2..K | c_k for k = 2..K ]

   Person i, rows r, type k with (v_e^1, v_p^1, c_1) = (0, 0, 0):
     eta_er = a_e[piece_e(r)] + x_r'b_e + d[eff(r)]       (rows at risk of the exit)
     eta_pr = a_p[piece_p(r)] + x_r'b_p                   (rows at risk of entry)
     l_ik   = sum_r [ y_er log(1 - exp(-exp(eta_er + v_e^k))) - (1 - y_er) exp(eta_er + v_e^k) ]
            + sum_r [ y_pr log(1 - exp(-exp(eta_pr + v_p^k))) - (1 - y_pr) exp(eta_pr + v_p^k) ]
     log L_i = log sum_k pi_k exp(l_ik),  pi_k = exp(c_k) / sum_m exp(c_m)
   A person has at most one exit and one entry event, so with
   S_e = sum over exit non-event rows of exp(eta_er) (S_p likewise)
     l_ik = [exit event] F(eta_e* + v_e^k) - exp(v_e^k) S_e + [entry event] F(eta_p* + v_p^k) - exp(v_p^k) S_p
   with F(u) = log(1 - exp(-exp(u))), F'(u) = g(exp(u)), g(mu) = mu / (exp(mu) - 1).

   Gradient, with posterior weights w_ik = pi_k exp(l_ik) / L_i:
     d log L_i / d eta_er = -exp(eta_er) sum_k w_ik exp(v_e^k)   (non-event row)
                          = sum_k w_ik g(exp(eta_er + v_e^k))    (event row)
     (and the same for entry rows), chained to a, b, d by the row's design;
     d / d v_e^k = w_ik ([exit event] g(exp(eta_e* + v_e^k)) - exp(v_e^k) S_e), likewise v_p^k;
     d / d c_k   = w_ik - pi_k.
   With job-loss cells (nt_toe_data.loss_*) theta has the loss block
   [ a_l (n_pl) | b_l (nz) ] after b_p and the mass points (v_e, v_p, v_l):
     l_ik += sum_c [ ev_c F(eta_lc + v_l^k) - (at_c - ev_c) exp(eta_lc + v_l^k) ]
     d log L_i / d eta_lc = sum_k w_ik [ ev_c g(exp(eta_lc + v_l^k)) - (at_c - ev_c) exp(eta_lc + v_l^k) ]
     d / d v_l^k = w_ik sum_c [ the same for type k ].
   Cost per evaluation: O(cells + covariate runs nx + loss cells K + persons K): a
   person's runs of equal non-event rows are one weighted cell (nt_toe_model.h). */
#include "estimators/nt_toe_model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int nt_toe_model_np(const nt_toe_model *m, int K) { return m->p_base + (m->nv + 1) * (K - 1); }

void nt_toe_model_free(nt_toe_model *m)
{
    if (!m) return;
    if (m->base_name)
        for (int j = 0; j < m->p_base; j++) free(m->base_name[j]);
    free(m->base_name);
    free(m->start);
    free(m->piece_e);
    free(m->piece_p);
    free(m->eff);
    free(m->n_eval);
    free(m->cstart);
    free(m->crow);
    free(m->cw);
    free(m->cnewx);
    free(m->xstart);
    free(m->xrow);
    free(m->zstart);
    free(m->zrow);
    free(m->ev_e);
    free(m->ev_p);
    free(m->at_e);
    free(m->at_p);
    free(m->lstart);
    free(m->lnewz);
    free(m->ev_l);
    free(m->at_l);
    free(m);
}

static int piece_of(double v, const double *cuts, int nc)
{
    int k = 0;
    while (k < nc && cuts[k] < v) k++;
    return k;
}

static char *piece_name(const char *prefix, const double *cuts, int nc, int k, const char *lo0)
{
    char b[160];
    if (nc == 0) snprintf(b, sizeof b, "%s", prefix);
    else if (k == 0) snprintf(b, sizeof b, "%s(%s,%.10g]", prefix, lo0, cuts[0]);
    else if (k == nc) snprintf(b, sizeof b, "%s(%.10g,Inf)", prefix, cuts[nc - 1]);
    else snprintf(b, sizeof b, "%s(%.10g,%.10g]", prefix, cuts[k - 1], cuts[k]);
    char *s = malloc(strlen(b) + 1);
    if (s) strcpy(s, b);
    return s;
}

static nt_status check_cuts(const double *c, int nc, const char *what, nt_error *err)
{
    if (nc < 0 || (nc > 0 && !c)) return nt_fail(err, NT_EUSAGE, "%s: %d cut points given without values", what, nc);
    for (int k = 0; k < nc; k++)
        if (!isfinite(c[k]) || (k && c[k] <= c[k - 1]))
            return nt_fail(err, NT_EUSAGE, "%s must be finite and strictly ascending", what);
    return NT_OK;
}

static int is01(double v) { return v == 0 || v == 1; }

/* One person's rows r0..r1-1: the layout rules of nt_toe.h. */
static nt_status check_person(const nt_toe_data *d, long r0, long r1, nt_error *err)
{
    int entered = 0;
    for (long r = r0; r < r1; r++) {
        double se = d->since_entry[r];
        if (!isfinite(d->period[r]) || (r > r0 && d->period[r] <= d->period[r - 1]))
            return nt_fail(err, NT_EINPUT, "row %ld: periods of person %ld must be finite and increasing", r + 1,
                           d->person[r]);
        if (!is01(d->y_exit[r]) || !is01(d->y_entry[r]) || !is01(d->in_program[r]))
            return nt_fail(err, NT_EINPUT, "row %ld: y_exit, y_entry and in_program must be 0 or 1", r + 1);
        if (d->y_exit[r] == 1 && r != r1 - 1)
            return nt_fail(err, NT_EINPUT, "row %ld: exit to work before the last row of person %ld", r + 1,
                           d->person[r]);
        if (!isfinite(se) || se < 0)
            return nt_fail(err, NT_EINPUT, "row %ld: since_entry must be 0 or positive", r + 1);
        if (entered && se <= 0)
            return nt_fail(err, NT_EINPUT, "row %ld: since_entry must be positive after the entry month", r + 1);
        if (!entered && se > 0)
            return nt_fail(err, NT_EINPUT, "row %ld: since_entry is positive but person %ld has not entered", r + 1,
                           d->person[r]);
        if ((d->exit_risk && !is01(d->exit_risk[r])) || (d->entry_risk && !is01(d->entry_risk[r])))
            return nt_fail(err, NT_EINPUT, "row %ld: exit_risk and entry_risk must be 0 or 1", r + 1);
        if (d->exit_risk && d->exit_risk[r] == 0 && d->y_exit[r] == 1)
            return nt_fail(err, NT_EINPUT, "row %ld: an exit to work in a row not at risk of it", r + 1);
        if (d->entry_risk && d->entry_risk[r] == 0 && d->y_entry[r] == 1)
            return nt_fail(err, NT_EINPUT, "row %ld: a programme entry in a row not at risk of it", r + 1);
        if (se == 0 && d->in_program[r] == 1)
            return nt_fail(err, NT_EINPUT, "row %ld: in_program = 1 before the programme started", r + 1);
        if (d->eff_group && (d->eff_group[r] < 0 || d->eff_group[r] >= d->n_eff_groups ||
                             d->eff_group[r] != d->eff_group[r0]))
            return nt_fail(err, NT_EINPUT, "row %ld: effect group %d outside 0..%d or not constant within person %ld",
                           r + 1, d->eff_group[r], d->n_eff_groups - 1, d->person[r]);
        if (d->y_entry[r] == 1) entered = 1;
        for (int j = 0; j < d->nx; j++)
            if (!isfinite(d->x[(size_t)j * (size_t)d->n + (size_t)r]))
                return nt_fail(err, NT_EINPUT, "row %ld: covariate %d is not finite", r + 1, j + 1);
    }
    return NT_OK;
}

static nt_status build_names(nt_toe_model *m, const nt_toe_data *d, const nt_toe_opts *o, int nl, nt_error *err)
{
    int j = 0;
    m->base_name = calloc((size_t)m->p_base, sizeof *m->base_name);
    if (!m->base_name) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (int k = 0; k < m->n_pe; k++) m->base_name[j++] = piece_name("exit:", o->exit_cuts, o->n_exit_cuts, k, "-Inf");
    for (int h = 0; h < 2; h++) {
        for (int c = 0; c < d->nx; c++) {
            char b[160];
            if (d->xnames && d->xnames[c]) snprintf(b, sizeof b, "%s:%s", h ? "entry" : "exit", d->xnames[c]);
            else snprintf(b, sizeof b, "%s:x%d", h ? "entry" : "exit", c + 1);
            m->base_name[j] = malloc(strlen(b) + 1);
            if (m->base_name[j]) strcpy(m->base_name[j], b);
            j++;
        }
        if (h) break;
        int per = m->n_eff / m->n_eg;
        for (int g = 0; g < m->n_eg; g++)
            for (int k = 0; k < per; k++) {
                char *a = k < nl ? piece_name("exit:lockin", o->lockin_cuts, o->n_lockin_cuts, k, "0")
                                 : piece_name("exit:post", o->post_cuts, o->n_post_cuts, k - nl, "0");
                if (a && d->eff_group) { /* the group's suffix */
                    char b[400], gb[32];
                    const char *gs = d->eff_group_names && d->eff_group_names[g] ? d->eff_group_names[g] : gb;
                    snprintf(gb, sizeof gb, "[g%d]", g + 1);
                    snprintf(b, sizeof b, "%s%s", a, gs);
                    free(a);
                    if ((a = malloc(strlen(b) + 1))) strcpy(a, b);
                }
                m->base_name[j++] = a;
            }
        for (int k = 0; k < m->n_pp; k++)
            m->base_name[j++] = piece_name("entry:", o->entry_cuts, o->n_entry_cuts, k, "-Inf");
    }
    for (int k = 0; k < m->n_pl + m->nz; k++) {
        char b[160];
        if (d->loss_names && d->loss_names[k]) snprintf(b, sizeof b, "%s", d->loss_names[k]);
        else if (k < m->n_pl) snprintf(b, sizeof b, "loss:piece%d", k + 1);
        else snprintf(b, sizeof b, "loss:z%d", k - m->n_pl + 1);
        if ((m->base_name[j] = malloc(strlen(b) + 1))) strcpy(m->base_name[j], b);
        j++;
    }
    for (j = 0; j < m->p_base; j++)
        if (!m->base_name[j]) return nt_fail(err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

/* Every baseline piece and effect needs an event, else its MLE is -Inf. */
static nt_status check_events(nt_toe_model *m, const nt_toe_data *d, nt_error *err)
{
    double *ev_eff = calloc((size_t)m->n_eff + 1, sizeof *ev_eff);
    if (!ev_eff) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long r = 0; r < m->n; r++) {
        if (m->piece_e[r] >= 0) {
            m->at_e[m->piece_e[r]] += 1;
            m->ev_e[m->piece_e[r]] += d->y_exit[r];
        }
        if (m->eff[r] >= 0) ev_eff[m->eff[r]] += d->y_exit[r];
        if (m->piece_p[r] >= 0) {
            m->at_p[m->piece_p[r]] += 1;
            m->ev_p[m->piece_p[r]] += d->y_entry[r];
        }
    }
    nt_status s = NT_OK;
    for (int k = 0; k < m->n_pe && !s; k++)
        if (m->ev_e[k] == 0 || m->ev_e[k] == m->at_e[k])
            s = nt_fail(err, NT_EINPUT, "%s: %g exits to work in %g rows at risk; merge the baseline pieces",
                        m->base_name[k], m->ev_e[k], m->at_e[k]);
    for (int k = 0; k < m->n_pp && !s; k++)
        if (m->ev_p[k] == 0 || m->ev_p[k] == m->at_p[k])
            s = nt_fail(err, NT_EINPUT, "%s: %g programme entries in %g rows at risk; merge the baseline pieces",
                        m->base_name[m->o_ap + k], m->ev_p[k], m->at_p[k]);
    for (int k = 0; k < m->n_pl && !s; k++)
        if (m->ev_l[k] == 0 || m->ev_l[k] == m->at_l[k])
            s = nt_fail(err, NT_EINPUT, "%s: %g job losses in %g months at risk; merge the tenure pieces",
                        m->base_name[m->o_al + k], m->ev_l[k], m->at_l[k]);
    for (int k = 0; k < m->n_eff && !s; k++)
        if (ev_eff[k] == 0)
            s = nt_fail(err, NT_EINPUT, "%s: no exit to work in these months; merge the effect pieces (or groups)",
                        m->base_name[m->o_eff + k]);
    free(ev_eff);
    return s;
}

/* The job-loss cells: ranges per person (lstart), checks, events per piece. */
static nt_status loss_cells(nt_toe_model *m, const nt_toe_data *d, nt_error *err)
{
    long nc = d->n_loss, c = 0;
    m->lstart = malloc((size_t)(m->n_persons + 1) * sizeof *m->lstart);
    m->ev_l = calloc((size_t)m->n_pl, sizeof *m->ev_l);
    m->at_l = calloc((size_t)m->n_pl, sizeof *m->at_l);
    m->lnewz = malloc((size_t)(nc ? nc : 1));
    if (!m->lstart || !m->ev_l || !m->at_l || !m->lnewz) return nt_fail(err, NT_ENOMEM, "out of memory for %ld job-loss cells", nc);
    for (long i = 0; i < m->n_persons; i++) {
        long code = d->person[m->start[i]];
        if (c < nc && d->loss_person[c] < code)
            return nt_fail(err, NT_EINPUT, "job-loss cell %ld: person %ld has no rows, or the cells are not in "
                           "person order", c + 1, d->loss_person[c]);
        m->lstart[i] = c;
        while (c < nc && d->loss_person[c] == code) c++;
        if (c - m->lstart[i] > m->max_cells) m->max_cells = (int)(c - m->lstart[i]);
    }
    m->lstart[m->n_persons] = c;
    if (c < nc)
        return nt_fail(err, NT_EINPUT, "job-loss cell %ld: person %ld has no rows, or the cells are not in person "
                       "order", c + 1, d->loss_person[c]);
    for (c = 0; c < nc; c++) {
        double at = d->loss_at[c], ev = d->loss_ev[c];
        if (d->loss_piece[c] < 0 || d->loss_piece[c] >= m->n_pl)
            return nt_fail(err, NT_EINPUT, "job-loss cell %ld: piece %d outside 0..%d", c + 1, d->loss_piece[c],
                           m->n_pl - 1);
        if (!(at > 0) || !isfinite(at) || !(ev >= 0) || ev > at)
            return nt_fail(err, NT_EINPUT, "job-loss cell %ld: months %g and losses %g (expected 0 <= losses <= "
                           "months, months > 0)", c + 1, at, ev);
        for (int j = 0; j < m->nz; j++)
            if (!isfinite(d->loss_z[(size_t)j * (size_t)nc + (size_t)c]))
                return nt_fail(err, NT_EINPUT, "job-loss cell %ld: column %d is not finite", c + 1, j + 1);
        m->ev_l[d->loss_piece[c]] += ev;
        m->at_l[d->loss_piece[c]] += at;
        m->lnewz[c] = c == 0 || d->loss_person[c] != d->loss_person[c - 1];
        for (int j = 0; j < m->nz && !m->lnewz[c]; j++)
            m->lnewz[c] = d->loss_z[(size_t)j * (size_t)nc + (size_t)c] != d->loss_z[(size_t)j * (size_t)nc + (size_t)c - 1];
    }
    long nr = 0; /* z runs, row-major */
    m->zstart = malloc((size_t)(m->n_persons + 1) * sizeof *m->zstart);
    if (!m->zstart) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < m->n_persons; i++) {
        m->zstart[i] = nr;
        for (c = m->lstart[i]; c < m->lstart[i + 1]; c++) nr += m->lnewz[c];
    }
    m->zstart[m->n_persons] = nr;
    m->zrow = malloc((size_t)(nr ? nr : 1) * (size_t)(m->nz ? m->nz : 1) * sizeof *m->zrow);
    if (!m->zrow) return nt_fail(err, NT_ENOMEM, "out of memory for %ld job-loss runs", nr);
    nr = 0;
    for (c = 0; c < nc; c++)
        if (m->lnewz[c]) {
            for (int j = 0; j < m->nz; j++)
                m->zrow[(size_t)nr * (size_t)m->nz + (size_t)j] = d->loss_z[(size_t)j * (size_t)nc + (size_t)c];
            nr++;
        }
    return NT_OK;
}

static int same_x(const nt_toe_data *d, long r, long q)
{
    for (int j = 0; j < d->nx; j++)
        if (d->x[(size_t)j * (size_t)d->n + (size_t)r] != d->x[(size_t)j * (size_t)d->n + (size_t)q]) return 0;
    return 1;
}

/* Collapses each person's runs of consecutive non-event rows with the same
   piece and effect codes and covariates into cells (nt_toe_model.h); the
   codes then move from rows to cells. */
static nt_status build_cells(nt_toe_model *m, const nt_toe_data *d, nt_error *err)
{
    long n = m->n, c = 0;
    m->cstart = malloc((size_t)(m->n_persons + 1) * sizeof *m->cstart);
    m->n_eval = calloc(2, sizeof *m->n_eval);
    m->crow = malloc((size_t)n * sizeof *m->crow);
    m->cw = malloc((size_t)n * sizeof *m->cw);
    m->cnewx = malloc((size_t)n);
    if (!m->cstart || !m->crow || !m->cw || !m->cnewx || !m->n_eval)
        return nt_fail(err, NT_ENOMEM, "out of memory for %ld rows", n);
    m->max_rows = 0;
    for (long i = 0; i < m->n_persons; i++) {
        m->cstart[i] = c;
        for (long r = m->start[i]; r < m->start[i + 1]; r++) {
            long q = c > m->cstart[i] ? m->crow[c - 1] : -1;
            int ev = d->y_exit[r] == 1 || d->y_entry[r] == 1;
            int sx = q >= 0 && same_x(d, r, q);
            if (q >= 0 && sx && !ev && d->y_exit[q] != 1 && d->y_entry[q] != 1 && m->piece_e[r] == m->piece_e[q] &&
                m->piece_p[r] == m->piece_p[q] && m->eff[r] == m->eff[q]) {
                m->cw[c - 1] += 1;
                continue;
            }
            m->crow[c] = r;
            m->cw[c] = 1;
            m->cnewx[c] = (unsigned char)!sx;
            c++;
        }
        if (c - m->cstart[i] > m->max_rows) m->max_rows = (int)(c - m->cstart[i]);
    }
    m->cstart[m->n_persons] = c;
    m->n_cells = c;
    for (long k = 0; k < c; k++) { /* crow[k] >= k: in place */
        m->piece_e[k] = m->piece_e[m->crow[k]];
        m->piece_p[k] = m->piece_p[m->crow[k]];
        m->eff[k] = m->eff[m->crow[k]];
    }
    size_t nc = (size_t)(c ? c : 1);
    void *a;
    if ((a = realloc(m->crow, nc * sizeof *m->crow))) m->crow = a;
    if ((a = realloc(m->cw, nc * sizeof *m->cw))) m->cw = a;
    if ((a = realloc(m->cnewx, nc))) m->cnewx = a;
    if ((a = realloc(m->piece_e, nc * sizeof *m->piece_e))) m->piece_e = a;
    if ((a = realloc(m->piece_p, nc * sizeof *m->piece_p))) m->piece_p = a;
    if ((a = realloc(m->eff, nc * sizeof *m->eff))) m->eff = a;
    long nr = 0; /* the covariate runs, row-major: sequential reads in the evaluation */
    m->xstart = malloc((size_t)(m->n_persons + 1) * sizeof *m->xstart);
    if (!m->xstart) return nt_fail(err, NT_ENOMEM, "out of memory");
    for (long i = 0; i < m->n_persons; i++) {
        m->xstart[i] = nr;
        for (long k = m->cstart[i]; k < m->cstart[i + 1]; k++) nr += m->cnewx[k] || k == m->cstart[i];
    }
    m->xstart[m->n_persons] = nr;
    m->xrow = malloc((size_t)(nr ? nr : 1) * (size_t)(m->nx ? m->nx : 1) * sizeof *m->xrow);
    if (!m->xrow) return nt_fail(err, NT_ENOMEM, "out of memory for %ld covariate runs", nr);
    nr = 0;
    for (long k = 0; k < c; k++)
        if (m->cnewx[k]) {
            for (int j = 0; j < m->nx; j++)
                m->xrow[(size_t)nr * (size_t)m->nx + (size_t)j] = d->x[(size_t)j * (size_t)n + (size_t)m->crow[k]];
            nr++;
        }
    return NT_OK;
}

nt_status nt_toe_model_alloc(const nt_toe_data *d, const nt_toe_opts *o, nt_toe_model **out, nt_error *err)
{
    nt_status s;
    if (!d || !o || !out) return nt_fail(err, NT_EUSAGE, "timing-of-events: missing data or options");
    if (d->n <= 0 || !d->person || !d->period || !d->y_exit || !d->y_entry || !d->since_entry || !d->in_program ||
        d->nx < 0 || (d->nx > 0 && !d->x))
        return nt_fail(err, NT_EUSAGE, "timing-of-events: no rows, or a required column is missing");
    if (d->n_loss < 0 || (d->n_loss > 0 && (!d->loss_person || !d->loss_piece || d->n_loss_pieces < 1 ||
                                            !d->loss_at || !d->loss_ev || d->nz < 0 || (d->nz > 0 && !d->loss_z))))
        return nt_fail(err, NT_EUSAGE, "timing-of-events: job-loss cells without their columns or pieces");
    if ((s = check_cuts(o->exit_cuts, o->n_exit_cuts, "exit_cuts", err)) ||
        (s = check_cuts(o->entry_cuts, o->n_entry_cuts, "entry_cuts", err)) ||
        (s = check_cuts(o->lockin_cuts, o->n_lockin_cuts, "lockin_cuts", err)) ||
        (s = check_cuts(o->post_cuts, o->n_post_cuts, "post_cuts", err)))
        return s;
    nt_toe_model *m = calloc(1, sizeof *m);
    if (!m) return nt_fail(err, NT_ENOMEM, "out of memory");
    long n = d->n;
    m->d = d;
    m->n = n;
    m->nx = d->nx;
    m->n_pe = o->n_exit_cuts + 1;
    m->n_pp = o->n_entry_cuts + 1;
    int nl = o->n_lockin_cuts + 1, per = nl + o->n_post_cuts + 1;
    if (d->eff_group && d->n_eff_groups < 1)
        return free(m), nt_fail(err, NT_EUSAGE, "timing-of-events: effect groups without their number");
    m->n_eg = d->eff_group ? d->n_eff_groups : 1;
    m->n_eff = m->n_eg * per;
    m->o_be = m->n_pe;
    m->o_eff = m->o_be + m->nx;
    m->o_ap = m->o_eff + m->n_eff;
    m->o_bp = m->o_ap + m->n_pp;
    m->p_base = m->o_bp + m->nx;
    m->nv = 2;
    if (d->n_loss > 0) {
        m->nv = 3;
        m->n_pl = d->n_loss_pieces;
        m->nz = d->nz;
        m->o_al = m->p_base;
        m->o_bl = m->o_al + m->n_pl;
        m->p_base = m->o_bl + m->nz;
    }
    long np = 1;
    for (long r = 1; r < n; r++) {
        if (d->person[r] < d->person[r - 1]) {
            s = nt_fail(err, NT_EINPUT, "row %ld: person indices must be non-decreasing (a person's rows together)",
                        r + 1);
            goto fail;
        }
        np += d->person[r] != d->person[r - 1];
    }
    m->n_persons = np;
    m->n_blocks = (np + NT_TOE_BLOCK - 1) / NT_TOE_BLOCK;
    m->start = malloc((size_t)(np + 1) * sizeof *m->start);
    m->piece_e = malloc((size_t)n * sizeof *m->piece_e);
    m->piece_p = malloc((size_t)n * sizeof *m->piece_p);
    m->eff = malloc((size_t)n * sizeof *m->eff);
    m->ev_e = calloc((size_t)m->n_pe, sizeof *m->ev_e);
    m->at_e = calloc((size_t)m->n_pe, sizeof *m->at_e);
    m->ev_p = calloc((size_t)m->n_pp, sizeof *m->ev_p);
    m->at_p = calloc((size_t)m->n_pp, sizeof *m->at_p);
    if (!m->start || !m->piece_e || !m->piece_p || !m->eff || !m->ev_e || !m->at_e || !m->ev_p || !m->at_p) {
        s = nt_fail(err, NT_ENOMEM, "out of memory for %ld person-period rows", n);
        goto fail;
    }
    long i = 0;
    m->start[0] = 0;
    for (long r = 1; r <= n; r++)
        if (r == n || d->person[r] != d->person[r - 1]) {
            m->start[++i] = r;
            long len = r - m->start[i - 1];
            if (len > m->max_rows) m->max_rows = (int)len;
            if ((s = check_person(d, m->start[i - 1], r, err))) goto fail;
        }
    for (long r = 0; r < n; r++) {
        double se = d->since_entry[r];
        m->piece_e[r] = d->exit_risk && d->exit_risk[r] == 0 ? -1 : piece_of(d->period[r], o->exit_cuts, o->n_exit_cuts);
        m->piece_p[r] = se > 0 || (d->entry_risk && d->entry_risk[r] == 0)
                            ? -1 : piece_of(d->period[r], o->entry_cuts, o->n_entry_cuts);
        int g0 = d->eff_group ? d->eff_group[r] * per : 0;
        if (se <= 0) m->eff[r] = -1;
        else if (d->in_program[r] == 1) m->eff[r] = g0 + piece_of(se, o->lockin_cuts, o->n_lockin_cuts);
        else m->eff[r] = g0 + nl + piece_of(se, o->post_cuts, o->n_post_cuts);
    }
    if ((m->n_pl && (s = loss_cells(m, d, err))) || (s = build_names(m, d, o, nl, err)) ||
        (s = check_events(m, d, err)) || (s = build_cells(m, d, err)))
        goto fail;
    *out = m;
    return NT_OK;
fail:
    nt_toe_model_free(m);
    return s;
}

typedef struct {
    int K;
    double ve[NT_TOE_KMAX], vp[NT_TOE_KMAX], vl[NT_TOE_KMAX], eve[NT_TOE_KMAX], evp[NT_TOE_KMAX],
        evl[NT_TOE_KMAX], lpi[NT_TOE_KMAX], pi[NT_TOE_KMAX];
    const double *ex; /* exp(theta_j) of the baseline and effect coefficients (p_base): exp(eta) as a product */
} mix;

static void mix_set(mix *q, const nt_toe_model *m, int K, const double *th)
{
    q->K = K;
    double c[NT_TOE_KMAX], cmax = 0, sum = 0;
    const int nv = m->nv;
    for (int k = 0; k < K; k++) {
        q->ve[k] = k ? th[m->p_base + nv * (k - 1)] : 0;
        q->vp[k] = k ? th[m->p_base + nv * (k - 1) + 1] : 0;
        q->vl[k] = k && nv > 2 ? th[m->p_base + nv * (k - 1) + 2] : 0;
        q->eve[k] = exp(q->ve[k]);
        q->evp[k] = exp(q->vp[k]);
        q->evl[k] = exp(q->vl[k]);
        c[k] = k ? th[m->p_base + nv * (K - 1) + k - 1] : 0;
        if (c[k] > cmax) cmax = c[k];
    }
    for (int k = 0; k < K; k++) sum += exp(c[k] - cmax);
    for (int k = 0; k < K; k++) {
        q->lpi[k] = c[k] - cmax - log(sum);
        q->pi[k] = exp(q->lpi[k]);
    }
}

static double logF(double u) { return log(-expm1(-exp(u))); }

static double gfun(double mu)
{
    if (mu < 1e-300) return 1.0;
    if (mu > 700) return 0.0;
    return mu / expm1(mu);
}

/* Job-loss cells c0..c1-1 of one person: adds sum_c ev_c F(eta_c + v_l^k)
   - e^{v_l^k} S_l to l[k] (S_l = sum_c (at_c - ev_c) exp(eta_c)); eta: the
   cells' predictors, then (from eta + max_cells) their exp (work). */
static void loss_terms(const nt_toe_model *m, const mix *q, const double *th, long i, double *eta, double *l)
{
    const nt_toe_data *d = m->d;
    const long c0 = m->lstart[i], c1 = m->lstart[i + 1];
    const double *zr = m->zrow + (size_t)m->zstart[i] * (size_t)m->nz - m->nz;
    double Sl = 0, zb = 0, ezb = 1;
    for (long c = c0; c < c1; c++) {
        if (m->lnewz[c]) {
            zr += m->nz;
            zb = 0;
            for (int j = 0; j < m->nz; j++) zb += th[m->o_bl + j] * zr[j];
            ezb = exp(zb);
        }
        eta[c - c0] = th[m->o_al + d->loss_piece[c]] + zb;
        Sl += (d->loss_at[c] - d->loss_ev[c]) * (eta[m->max_cells + c - c0] = q->ex[m->o_al + d->loss_piece[c]] * ezb);
    }
    for (int k = 0; k < q->K; k++) {
        l[k] -= q->evl[k] * Sl;
        for (long c = c0; c < c1; c++)
            if (d->loss_ev[c] > 0) l[k] += d->loss_ev[c] * logF(eta[c - c0] + q->vl[k]);
    }
}

/* The loss cells' score given the posterior weights w (loss_terms' eta). */
static void loss_score(const nt_toe_model *m, const mix *q, const double *w, long i, const double *eta, double *s,
                       int K)
{
    const nt_toe_data *d = m->d;
    const long c0 = m->lstart[i], c1 = m->lstart[i + 1];
    const double *zr = m->zrow + (size_t)m->zstart[i] * (size_t)m->nz;
    double El = 0, gl[NT_TOE_KMAX] = {0}, Sl = 0;
    for (int k = 0; k < K; k++) El += w[k] * q->evl[k];
    double sz = 0; /* the cells' scores with the current z, chained to b_l at its change */
    for (long c = c0; c <= c1; c++) {
        if (c == c1 || (m->lnewz[c] && c > c0)) {
            for (int j = 0; j < m->nz; j++) s[m->o_bl + j] += sz * zr[j];
            if (c == c1) break;
            sz = 0;
            zr += m->nz;
        }
        double mu = eta[m->max_cells + c - c0], ev = d->loss_ev[c], sc = -(d->loss_at[c] - ev) * mu * El;
        Sl += (d->loss_at[c] - ev) * mu;
        for (int k = 0; ev > 0 && k < K; k++) {
            double g = ev * gfun(exp(eta[c - c0] + q->vl[k]));
            gl[k] += g;
            sc += w[k] * g;
        }
        s[m->o_al + d->loss_piece[c]] += sc;
        sz += sc;
    }
    for (int k = 1; k < K; k++) s[m->p_base + m->nv * (k - 1) + 2] += w[k] * (gl[k] - q->evl[k] * Sl);
}

/* One person i, rows r0..r1-1: returns log L_i; adds its score to s (p) when
   s is not NULL (s must be zeroed by the caller). mu: 2 max_rows + 2 max_cells work. */
static double person_eval(const nt_toe_model *m, const mix *q, const double *th, long i, double *mu, double *s)
{
    const nt_toe_data *d = m->d;
    const long k0 = m->cstart[i], k1 = m->cstart[i + 1];
    const long c0 = m->lstart ? m->lstart[i] : 0, c1 = m->lstart ? m->lstart[i + 1] : 0;
    double *etal = mu + 2 * (size_t)m->max_rows;
    const int nx = m->nx, K = q->K;
    double *mue = mu, *mup = mu + m->max_rows;
    const double *ex = q->ex;
    const double *const xr0 = m->xrow + (size_t)m->xstart[i] * (size_t)nx;
    const double *xr = xr0 - nx; /* the current covariate run */
    double Se = 0, Sp = 0, ee = 0, ep = 0, xe = 0, xp = 0, exe = 1, exp_ = 1;
    int has_e = 0, has_p = 0;
    for (long c = k0; c < k1; c++) { /* cells: eta = piece + x'b (+ effect); x'b reused while x repeats */
        const long r = m->crow[c];
        double eta;
        if (m->cnewx[c]) {
            xr += nx;
            xe = xp = 0;
            for (int j = 0; j < nx; j++) {
                double v = xr[j];
                xe += th[m->o_be + j] * v;
                xp += th[m->o_bp + j] * v;
            }
            exe = exp(xe);
            exp_ = exp(xp);
        }
        if (m->piece_e[c] >= 0) {
            if (d->y_exit[r] == 1) {
                eta = th[m->piece_e[c]] + xe;
                if (m->eff[c] >= 0) eta += th[m->o_eff + m->eff[c]];
                has_e = 1;
                ee = eta;
            } else {
                double u = ex[m->piece_e[c]] * exe;
                if (m->eff[c] >= 0) u *= ex[m->o_eff + m->eff[c]];
                Se += m->cw[c] * (mue[c - k0] = u);
            }
        }
        if (m->piece_p[c] < 0) continue;
        if (d->y_entry[r] == 1) {
            has_p = 1;
            ep = th[m->o_ap + m->piece_p[c]] + xp;
        } else Sp += m->cw[c] * (mup[c - k0] = ex[m->o_ap + m->piece_p[c]] * exp_);
    }
    double l[NT_TOE_KMAX], lmax = -INFINITY, sum = 0;
    for (int k = 0; k < K; k++) {
        l[k] = q->lpi[k] - q->eve[k] * Se - q->evp[k] * Sp;
        if (has_e) l[k] += logF(ee + q->ve[k]);
        if (has_p) l[k] += logF(ep + q->vp[k]);
    }
    if (c1 > c0) loss_terms(m, q, th, i, etal, l);
    for (int k = 0; k < K; k++)
        if (l[k] > lmax) lmax = l[k];
    for (int k = 0; k < K; k++) sum += exp(l[k] - lmax);
    double ll = lmax + log(sum);
    if (!s) return ll;
    double w[NT_TOE_KMAX], Ee = 0, Ep = 0, Ge = 0, Gp = 0, ge[NT_TOE_KMAX] = {0}, gp[NT_TOE_KMAX] = {0};
    for (int k = 0; k < K; k++) {
        w[k] = exp(l[k] - ll);
        Ee += w[k] * q->eve[k];
        Ep += w[k] * q->evp[k];
        if (has_e) Ge += w[k] * (ge[k] = gfun(exp(ee + q->ve[k])));
        if (has_p) Gp += w[k] * (gp[k] = gfun(exp(ep + q->vp[k])));
    }
    double ce = 0, cp = 0; /* the scores of the cells with the current x, chained to b at its change */
    xr = xr0;
    for (long c = k0; c <= k1; c++) {
        if (c == k1 || (m->cnewx[c] && c > k0)) {
            for (int j = 0; j < nx; j++) {
                s[m->o_be + j] += ce * xr[j];
                s[m->o_bp + j] += cp * xr[j];
            }
            if (c == k1) break;
            ce = cp = 0;
            xr += nx;
        }
        const long r = m->crow[c];
        double g;
        if (m->piece_e[c] >= 0) {
            g = d->y_exit[r] == 1 ? Ge : -m->cw[c] * mue[c - k0] * Ee;
            s[m->piece_e[c]] += g;
            ce += g;
            if (m->eff[c] >= 0) s[m->o_eff + m->eff[c]] += g;
        }
        if (m->piece_p[c] < 0) continue;
        g = d->y_entry[r] == 1 ? Gp : -m->cw[c] * mup[c - k0] * Ep;
        s[m->o_ap + m->piece_p[c]] += g;
        cp += g;
    }
    for (int k = 1; k < K; k++) {
        s[m->p_base + m->nv * (k - 1)] += w[k] * (ge[k] - q->eve[k] * Se);
        s[m->p_base + m->nv * (k - 1) + 1] += w[k] * (gp[k] - q->evp[k] * Sp);
        s[m->p_base + m->nv * (K - 1) + k - 1] += w[k] - q->pi[k];
    }
    if (c1 > c0) loss_score(m, q, w, i, etal, s, K);
    return ll;
}

/* Block b's persons, in person order: partial loglik, gradient, meat. */
static void block_eval(const nt_toe_model *m, const mix *q, const double *th, long b, double *ll, double *g,
                       double *meat, double *work, int p)
{
    long i0 = b * NT_TOE_BLOCK, i1 = i0 + NT_TOE_BLOCK < m->n_persons ? i0 + NT_TOE_BLOCK : m->n_persons;
    double *s = work + 2 * (size_t)m->max_rows + 2 * (size_t)m->max_cells, acc = 0;
    for (long i = i0; i < i1; i++) {
        if (!meat) { /* the scores straight into the block's gradient */
            acc += person_eval(m, q, th, i, work, g);
            continue;
        }
        memset(s, 0, (size_t)p * sizeof *s);
        acc += person_eval(m, q, th, i, work, s);
        for (int j = 0; j < p; j++) g[j] += s[j];
        if (meat)
            for (int j = 0; j < p; j++)
                for (int k = 0; k <= j; k++) meat[(size_t)j * (size_t)p + (size_t)k] += s[j] * s[k];
    }
    *ll = acc;
}

int nt_toe_model_eval(const nt_toe_model *m, int K, const double *theta, double *loglik, double *grad,
                      double *meat)
{
    const int p = nt_toe_model_np(m, K);
    const long nb = m->n_blocks;
    const size_t pp = (size_t)p * (size_t)p;
    mix q;
    mix_set(&q, m, K, theta);
    m->n_eval[grad || meat]++;
    double *ex = malloc((size_t)m->p_base * sizeof *ex);
    if (!ex) return -1;
    for (int j = 0; j < m->p_base; j++) ex[j] = exp(theta[j]);
    q.ex = ex;
    double *bll = malloc((size_t)nb * sizeof *bll);
    double *bg = (grad || meat) ? calloc((size_t)nb * (size_t)p, sizeof *bg) : NULL;
    double *bm = meat ? calloc((size_t)nb * pp, sizeof *bm) : NULL;
    int fail = !bll || ((grad || meat) && !bg) || (meat && !bm);
    if (!fail) {
#pragma omp parallel if (nb > 1)
        {
            double *work = malloc((2 * (size_t)m->max_rows + 2 * (size_t)m->max_cells + (size_t)p) * sizeof *work);
            if (!work) {
#pragma omp atomic write
                fail = 1;
            }
#pragma omp for schedule(dynamic, 1)
            for (long b = 0; b < nb; b++)
                if (work)
                    block_eval(m, &q, theta, b, bll + b, bg ? bg + (size_t)b * (size_t)p : NULL,
                               bm ? bm + (size_t)b * pp : NULL, work, p);
            free(work);
        }
    }
    if (!fail) {
        double ll = 0;
        for (long b = 0; b < nb; b++) ll += bll[b];
        *loglik = ll;
        if (grad) {
            memset(grad, 0, (size_t)p * sizeof *grad);
            for (long b = 0; b < nb; b++)
                for (int j = 0; j < p; j++) grad[j] += bg[(size_t)b * (size_t)p + (size_t)j];
        }
        if (meat) {
            memset(meat, 0, pp * sizeof *meat);
            for (long b = 0; b < nb; b++)
                for (size_t j = 0; j < pp; j++) meat[j] += bm[(size_t)b * pp + j];
            for (int j = 0; j < p; j++)
                for (int k = j + 1; k < p; k++) meat[(size_t)j * (size_t)p + (size_t)k] = meat[(size_t)k * (size_t)p + (size_t)j];
        }
    }
    free(ex);
    free(bll);
    free(bg);
    free(bm);
    return fail ? -1 : 0;
}
