/* Cohort panel builder (data contract, section 3).

   Layout of the work: one serial sweep over the benefit spells picks each
   person's index spell (spells are sorted by person, start, file line, so
   the first match is the contract's "first spell starting inside the
   window"). Then, per cohort member and independently (OpenMP, one output
   row per member), the member's own spells are swept once into a scratch
   window of 36 + H calendar months: months m0-36 .. m0-1 give the
   pre-inflow series (placebo outcomes) and, their last 24, the history
   covariates; m0 .. m0+H-1 the panel. Each spell touches only the months it
   covers inside the window, so the cost is O(spells + members x (36 + H)).

   Per month m (first day F, last day L, D days) and a spell [s, e] (e open:
   +infinity): covered days = min(e, L) - max(s, F) + 1 when positive;
   earnings(m) = sum over jobs of wage x covered / D (missing wage: 0).

   exit_month: for a spell with a known last day inside the panel, the month
   (since inflow) of that day. Destination: `censored` when the spell's end
   is open (it runs past the data end date) or its last day is after month
   H-1 (then exit_month is the last month it is seen inside the panel:
   min(H-1, month of the data end)); otherwise `work` when some job covers a
   day in [end+1, end+31] (a job already running counts), else `other`. */
#include "data/nt_cohort.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PREV NT_COHORT_PRE   /* window months before inflow: history covariates and the pre-inflow series */

static int is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int nt_age_years(nt_day birth, nt_day day)
{
    int by, bm, bd, y, m, d;
    nt_day_to_ymd(birth, &by, &bm, &bd);
    nt_day_to_ymd(day, &y, &m, &d);
    if (bm == 2 && bd == 29 && !is_leap(y)) { bm = 3; bd = 1; }
    int age = y - by;
    if (m < bm || (m == bm && d < bd)) age--;
    return age;
}

void nt_cohort_free(nt_cohort *c)
{
    if (!c) return;
    free(c->person);
    free(c->employed); free(c->on_benefit); free(c->on_index_benefit); free(c->in_program);
    free(c->earnings);
    free(c->inflow_month); free(c->scheme); free(c->index_start); free(c->index_end);
    free(c->index_line); free(c->n_observed); free(c->age);
    free(c->emp_prev12); free(c->emp_prev24); free(c->ben_prev24); free(c->earn_prev12);
    free(c->pre_employed); free(c->pre_on_benefit); free(c->pre_earnings);
    free(c->treat_type); free(c->treat_month); free(c->treat_cost);
    free(c->exit_month); free(c->exit_dest);
    free(c->scheme_selected);
    free(c->born_after);
    free(c);
}

/* Offsets of each person's spells: off[p] .. off[p+1]-1. The spells are
   sorted by person; anything else is the reader's bug, reported as such. */
#define SPELL_OFFSETS(fn, T)                                                          \
    static int fn(const T *sp, long n, long np, long *off)                            \
    {                                                                                 \
        long j = 0;                                                                   \
        for (long p = 0; p <= np; p++) {                                              \
            off[p] = j;                                                               \
            while (j < n && sp[j].person == p) j++;                                   \
        }                                                                             \
        return j == n ? 0 : -1;                                                       \
    }
SPELL_OFFSETS(offsets_benefits, nt_benefit_spell)
SPELL_OFFSETS(offsets_programs, nt_program_spell)
SPELL_OFFSETS(offsets_jobs, nt_job_spell)

static const char *derived_names[] = {
    "age", "sex", "education", "migration", "region", "emp_prev12", "emp_prev24",
    "earn_prev12", "ben_prev24", "inflow_month", "scheme", "person_id"};

/* Months of the window [w0, w0+W) that [s, e] covers: *a..*b (empty: a > b). */
static void clip(nt_day s, nt_day e, int w0, int W, int *a, int *b)
{
    int ms = nt_month_of_day(s);
    int me = e == NT_DAY_NONE ? INT_MAX : nt_month_of_day(e);
    *a = ms > w0 ? ms : w0;
    *b = me < w0 + W - 1 ? me : w0 + W - 1;
}

/* Days of month w (window index, first days in mf[w], mf[w+1]) that
   [s, e] covers (e NT_DAY_NONE: open). */
static long covered_days(nt_day s, nt_day e, const nt_day *mf, int w)
{
    nt_day lo = s > mf[w] ? s : mf[w];
    nt_day hi = (e == NT_DAY_NONE || e >= mf[w + 1]) ? mf[w + 1] - 1 : e;
    return hi >= lo ? (long)hi - lo + 1 : 0;
}

static int overlaps(nt_day s, nt_day e, nt_day a, nt_day b)
{
    return s <= b && (e == NT_DAY_NONE || e >= a);
}

typedef struct {
    uint8_t *emp, *ben, *idx, *prog;
    double *earn;
    nt_day *mf;   /* first day of each window month, plus one past the end */
} scratch;

/* History covariates of row i from the 24 window months before inflow;
   the pre-inflow series from all PREV. */
static void row_history(nt_cohort *c, long i, const scratch *w)
{
    int e12 = 0, e24 = 0, b24 = 0;
    double r12 = 0;
    const size_t row = (size_t)i * PREV;
    for (int k = 0; k < PREV; k++) {
        c->pre_employed[row + k] = w->emp[k];
        c->pre_on_benefit[row + k] = w->ben[k];
        c->pre_earnings[row + k] = (float)w->earn[k];
    }
    for (int k = PREV - 24; k < PREV; k++) {
        e24 += w->emp[k];
        b24 += w->ben[k];
        if (k >= PREV - 12) {
            e12 += w->emp[k];
            r12 += w->earn[k];
        }
    }
    c->emp_prev12[i] = e12;
    c->emp_prev24[i] = e24;
    c->ben_prev24[i] = b24;
    c->earn_prev12[i] = r12;
}

/* exit_month and exit_dest of row i (index spell ix starting in calendar
   month m0; the person's jobs are [j0, j1)), as in the header. */
static void row_exit(const nt_spells *sp, nt_cohort *c, long i, const nt_benefit_spell *ix, int m0, long j0, long j1)
{
    const int H = c->months;
    const nt_day dend = sp->data_end == NT_DAY_NONE ? INT32_MAX : sp->data_end;
    const int open = ix->end == NT_DAY_NONE ||
                     (sp->data_end != NT_DAY_NONE && ix->end > sp->data_end);
    const int em = open ? INT_MAX : nt_month_of_day(ix->end) - m0;
    if (open || em > H - 1) {
        int last = H - 1;
        if (sp->data_end != NT_DAY_NONE && nt_month_of_day(sp->data_end) - m0 < last)
            last = nt_month_of_day(sp->data_end) - m0;
        c->exit_month[i] = last;
        c->exit_dest[i] = NT_EXIT_CENSORED;
    } else {
        c->exit_month[i] = em;
        uint8_t dest = NT_EXIT_OTHER;
        for (long j = j0; j < j1; j++)
            if (sp->jobs[j].start <= dend &&
                overlaps(sp->jobs[j].start, sp->jobs[j].end, ix->end + 1, ix->end + 31)) {
                dest = NT_EXIT_WORK;
                break;
            }
        c->exit_dest[i] = dest;
    }
}

/* Fills row i of the cohort for person p (index spell bi). */
static void build_row(const nt_spells *sp, nt_cohort *c, long i, long bi, const long *boff,
                      const long *poff, const long *joff, scratch *w)
{
    const int H = c->months, W = PREV + H;
    const int32_t p = c->person[i];
    const nt_benefit_spell *ix = &sp->benefits[bi];
    const int m0 = nt_month_of_day(ix->start), w0 = m0 - PREV;
    memset(w->emp, 0, (size_t)W);
    memset(w->ben, 0, (size_t)W);
    memset(w->idx, 0, (size_t)W);
    memset(w->prog, 0, (size_t)W);
    for (int k = 0; k < W; k++) w->earn[k] = 0.0;
    nt_day *mf = w->mf;
    {
        int y = w0 / 12, mo = w0 % 12 + 1;
        mf[0] = nt_day_from_ymd(y, mo, 1);
        for (int k = 0; k < W; k++) {
            mf[k + 1] = mf[k] + nt_days_in_month(y, mo);
            if (++mo > 12) { mo = 1; y++; }
        }
    }
    int a, b;

    for (long j = joff[p]; j < joff[p + 1]; j++) {
        const nt_job_spell *js = &sp->jobs[j];
        clip(js->start, js->end, w0, W, &a, &b);
        const int paid = !isnan(js->wage);
        for (int m = a; m <= b; m++) {
            const int k = m - w0;
            long days = covered_days(js->start, js->end, mf, k);
            if (days <= 0) continue;
            w->emp[k] = 1;
            if (paid) w->earn[k] += js->wage * (double)days / (double)(mf[k + 1] - mf[k]);
        }
    }
    for (long j = boff[p]; j < boff[p + 1]; j++) {
        const nt_benefit_spell *bs = &sp->benefits[j];
        clip(bs->start, bs->end, w0, W, &a, &b);
        for (int m = a; m <= b; m++) w->ben[m - w0] = 1;
        if (j == bi)
            for (int m = a; m <= b; m++) w->idx[m - w0] = 1;
    }
    /* Spells starting after the data end (kept by the reader with an early
       --data-end) only reach censored months; they never make a treatment
       or an exit to work. */
    const nt_day dend = sp->data_end == NT_DAY_NONE ? INT32_MAX : sp->data_end;
    /* Programmes in (start, line) order: the first to claim a month keeps it. */
    int32_t treat = 0, tmonth = -1;
    double tcost = NAN;
    for (long j = poff[p]; j < poff[p + 1]; j++) {
        const nt_program_spell *ps = &sp->programs[j];
        clip(ps->start, ps->end, w0, W, &a, &b);
        for (int m = a; m <= b; m++)
            if (!w->prog[m - w0]) w->prog[m - w0] = (uint8_t)ps->type;
        if (!treat && ps->start >= ix->start && (ix->end == NT_DAY_NONE || ps->start <= ix->end) &&
            ps->start <= dend) {
            treat = ps->type;
            tmonth = nt_month_of_day(ps->start) - m0;
            tcost = ps->cost;
        }
    }

    /* Censoring: last day L observed iff L <= limit. */
    const nt_persons *pe = &sp->persons;
    nt_day limit = sp->data_end == NT_DAY_NONE ? INT32_MAX : sp->data_end;
    if (pe->death && pe->death[p] != NT_DAY_NONE && pe->death[p] - 1 < limit) limit = pe->death[p] - 1;
    if (pe->emigration && pe->emigration[p] != NT_DAY_NONE && pe->emigration[p] - 1 < limit)
        limit = pe->emigration[p] - 1;
    int nobs = 0;
    while (nobs < H && mf[PREV + nobs + 1] - 1 <= limit) nobs++;

    const size_t row = (size_t)i * (size_t)H;
    for (int k = 0; k < H; k++) {
        int o = k < nobs;
        c->employed[row + k] = o ? w->emp[PREV + k] : NT_COHORT_FILL;
        c->on_benefit[row + k] = o ? w->ben[PREV + k] : NT_COHORT_FILL;
        c->on_index_benefit[row + k] = o ? w->idx[PREV + k] : NT_COHORT_FILL;
        c->in_program[row + k] = o ? w->prog[PREV + k] : NT_COHORT_FILL;
        c->earnings[row + k] = o ? (float)w->earn[PREV + k] : NAN;
    }

    row_history(c, i, w);
    c->inflow_month[i] = m0;
    c->scheme[i] = ix->scheme;
    c->index_start[i] = ix->start;
    c->index_end[i] = ix->end;
    c->index_line[i] = ix->line;
    c->n_observed[i] = nobs;
    c->age[i] = pe->birth[p] == NT_DAY_NONE ? INT32_MIN : nt_age_years(pe->birth[p], ix->start);
    c->treat_type[i] = treat;
    c->treat_month[i] = tmonth;
    c->treat_cost[i] = tcost;

    row_exit(sp, c, i, ix, m0, joff[p], joff[p + 1]);
}

/* The definition and the data fit together: horizon, inflow window, extra
   columns not named like derived covariates, programme type codes in a
   uint8 series. */
static nt_status check_def(const nt_spells *sp, const nt_cohort_def *def, nt_error *err)
{
    if (def->horizon < 1 || def->horizon > 100000)
        return nt_fail(err, NT_EUSAGE, "the horizon must be at least 1 month, found %d", def->horizon);
    if (def->inflow_from > def->inflow_to)
        return nt_fail(err, NT_EUSAGE, "the inflow window ends before it starts");
    for (int e = 0; e < sp->persons.n_extra; e++)
        for (size_t k = 0; k < sizeof derived_names / sizeof *derived_names; k++)
            if (!strcasecmp(sp->persons.extra[e].name, derived_names[k]))
                return nt_fail_at(err, NT_EINPUT, sp->path[NT_FILE_PERSONS], 1, sp->persons.extra[e].name,
                                  "found an extra column named like the derived covariate \"%s\", "
                                  "expected another name (rename the column)", derived_names[k]);
    if (sp->program_types.n > 254)
        return nt_fail_at(err, NT_EINPUT, sp->path[NT_FILE_PROGRAMS], 0, "program",
                          "found %d programme types, expected at most 254", sp->program_types.n);
    return NT_OK;
}

/* pick[p]: person p's index spell (the first selected-scheme spell starting
   inside the window, not after the data end), -1 none; *n members, *nbad
   born after their index spell's start. Rejected persons have none. */
static void pick_index_spells(const nt_spells *sp, const nt_cohort_def *def, const nt_cohort *c, const long *boff,
                              long *pick, long *n, long *nbad)
{
    for (long p = 0; p < sp->persons.n; p++) {
        pick[p] = -1;
        if (sp->persons.rejected && sp->persons.rejected[p]) continue;
        for (long j = boff[p]; j < boff[p + 1]; j++) {
            const nt_benefit_spell *b = &sp->benefits[j];
            if (b->scheme < 1 || b->scheme > sp->schemes.n || !c->scheme_selected[b->scheme - 1]) continue;
            int m = nt_month_of_day(b->start);
            if (m < def->inflow_from || m > def->inflow_to) continue;
            if (sp->data_end != NT_DAY_NONE && b->start > sp->data_end) break;
            pick[p] = j;
            break;
        }
        if (pick[p] < 0) continue;
        nt_day birth = sp->persons.birth[p];
        if (birth != NT_DAY_NONE && birth > sp->benefits[pick[p]].start) {
            (*nbad)++;
            continue;
        }
        (*n)++;
    }
}

/* All rows, in parallel with one scratch window per thread. Returns 1 when
   out of memory. */
static int build_rows(const nt_spells *sp, nt_cohort *c, const long *idx_spell, const long *boff, const long *poff,
                      const long *joff)
{
    int failed = 0;
    const long n = c->n;
    const int W = PREV + c->months;
#pragma omp parallel
    {
        scratch w;
        w.emp = malloc((size_t)W * 4);
        w.earn = malloc((size_t)W * sizeof(double));
        w.mf = malloc(((size_t)W + 1) * sizeof(nt_day));
        if (!w.emp || !w.earn || !w.mf) {
#pragma omp atomic write
            failed = 1;
        } else {
            w.ben = w.emp + W;
            w.idx = w.emp + 2 * W;
            w.prog = w.emp + 3 * W;
#pragma omp for schedule(static, 1024)
            for (long i = 0; i < n; i++) build_row(sp, c, i, idx_spell[i], boff, poff, joff, &w);
        }
        free(w.emp);
        free(w.earn);
        free(w.mf);
    }
    return failed;
}

nt_status nt_cohort_build(const nt_spells *sp, const nt_cohort_def *def,
                          nt_cohort **out, nt_error *err)
{
    nt_status st = NT_OK;
    nt_cohort *c = NULL;
    long *boff = NULL, *poff = NULL, *joff = NULL, *pick = NULL;
    const long np = sp->persons.n;
    const char *benefits_path = sp->path[NT_FILE_BENEFITS];

    if ((st = check_def(sp, def, err))) return st;
    c = calloc(1, sizeof *c);
    if (!c) return nt_fail(err, NT_ENOMEM, "out of memory");
    c->months = def->horizon;
    c->scheme_selected = calloc((size_t)sp->schemes.n + 1, sizeof(int));
    if (!c->scheme_selected) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    for (int s = 0; s < def->n_schemes; s++) {
        int found = 0;
        for (int k = 0; k < sp->schemes.n; k++)
            if (!strcasecmp(def->schemes[s], sp->schemes.name[k])) {
                c->scheme_selected[k] = 1;
                found = 1;
            }
        if (!found) {
            st = nt_fail_at(err, NT_EINPUT, benefits_path, 0, "scheme",
                            "no benefit spell has the scheme \"%s\" given with --scheme", def->schemes[s]);
            goto done;
        }
    }

    boff = malloc(((size_t)np + 1) * sizeof *boff);
    poff = malloc(((size_t)np + 1) * sizeof *poff);
    joff = malloc(((size_t)np + 1) * sizeof *joff);
    pick = malloc(((size_t)np + 1) * sizeof *pick);
    if (!boff || !poff || !joff || !pick) { st = nt_fail(err, NT_ENOMEM, "out of memory"); goto done; }
    if (offsets_benefits(sp->benefits, sp->n_benefits, np, boff) ||
        offsets_programs(sp->programs, sp->n_programs, np, poff) ||
        offsets_jobs(sp->jobs, sp->n_jobs, np, joff)) {
        st = nt_fail(err, NT_EINPUT, "internal: spells are not sorted by person");
        goto done;
    }

    /* Index spells; born_after_inflow. */
    long n = 0, nbad = 0;
    pick_index_spells(sp, def, c, boff, pick, &n, &nbad);

    const size_t H = (size_t)def->horizon;
    c->n = n;
#define ALLOC(f, k) do { c->f = malloc((size_t)(k) * sizeof *c->f + 1); if (!c->f) goto nomem; } while (0)
    ALLOC(person, n);
    ALLOC(employed, n * H); ALLOC(on_benefit, n * H); ALLOC(on_index_benefit, n * H);
    ALLOC(in_program, n * H); ALLOC(earnings, n * H);
    ALLOC(inflow_month, n); ALLOC(scheme, n); ALLOC(index_start, n); ALLOC(index_end, n);
    ALLOC(index_line, n); ALLOC(n_observed, n); ALLOC(age, n);
    ALLOC(emp_prev12, n); ALLOC(emp_prev24, n); ALLOC(ben_prev24, n); ALLOC(earn_prev12, n);
    ALLOC(pre_employed, n * PREV); ALLOC(pre_on_benefit, n * PREV); ALLOC(pre_earnings, n * PREV);
    ALLOC(treat_type, n); ALLOC(treat_month, n); ALLOC(treat_cost, n);
    ALLOC(exit_month, n); ALLOC(exit_dest, n);
    ALLOC(born_after, nbad);
#undef ALLOC

    long *idx_spell = malloc((size_t)n * sizeof *idx_spell + 1);
    if (!idx_spell) goto nomem;
    {
        long i = 0, r = 0;
        for (long p = 0; p < np; p++) {
            if (pick[p] < 0) continue;
            nt_day birth = sp->persons.birth[p];
            if (birth != NT_DAY_NONE && birth > sp->benefits[pick[p]].start) {
                c->born_after[r].person = (int32_t)p;
                c->born_after[r].line = sp->benefits[pick[p]].line;
                c->born_after[r].start = sp->benefits[pick[p]].start;
                r++;
                continue;
            }
            c->person[i] = (int32_t)p;
            idx_spell[i] = pick[p];
            i++;
        }
        c->n_born_after = r;
    }

    int failed = build_rows(sp, c, idx_spell, boff, poff, joff);
    free(idx_spell);
    if (failed) goto nomem;

    long cm = 0, cp = 0;
    for (long i = 0; i < n; i++) {
        cm += (long)H - c->n_observed[i];
        cp += c->n_observed[i] < (int)H;
    }
    c->n_censored_months = cm;
    c->n_censored_persons = cp;
    goto done;

nomem:
    st = nt_fail(err, NT_ENOMEM, "out of memory building the cohort panel");
done:
    free(boff);
    free(poff);
    free(joff);
    free(pick);
    if (st) {
        nt_cohort_free(c);
        return st;
    }
    *out = c;
    return NT_OK;
}
