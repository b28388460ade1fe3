/* The context table against the cohort (nt_context.h,
   nt_context_check_cohort): unknown key values, and the months the cohort
   needs that the table lacks. Gaps are found per key value with a
   difference array over the needed calendar months, so the check is
   linear in persons plus key values x months. */
#include "data/nt_context.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/nt_date.h"
#include "data/nt_strmap.h"

/* A run of months a key value needs and lacks: count, first and last. */
typedef struct { long months; int first, last; } run;

static void run_add(run *r, int m)
{
    if (!r->months++) r->first = m;
    r->last = m;
}

static void report(nt_context_problems *pr, const nt_context *c, const char *path, long line, const char *column,
                   const char *key, const run *r, const char *what)
{
    char a[8], b[8];
    nt_month_format(r->first, a);
    nt_month_format(r->last, b);
    if (r->months == 1)
        nt_context_problem(pr, path, line, column, "%s %s: %s for %s, a month the cohort needs", c->key, key, what, a);
    else
        nt_context_problem(pr, path, line, column, "%s %s: %s for %ld months the cohort needs, %s to %s", c->key, key,
                           what, r->months, a, b);
}

/* Key values of persons the table has no row for at all, by value. */
static void absent_keys(const nt_context *c, const char *path, const nt_context_need *nd, const int *ki,
                        nt_context_problems *pr)
{
    nt_strmap seen = {0};
    nt_arena ar = {0};
    for (long i = 0; i < nd->n; i++) {
        if (ki[i] >= 0 || nd->months[i] <= 0) continue;
        const char *k = nd->key[i] ? nd->key[i] : "";
        if (nt_strmap_get(&seen, k, strlen(k)) != NT_STRMAP_ABSENT) continue;
        long np = 0;
        for (long j = i; j < nd->n; j++)
            np += ki[j] < 0 && nd->months[j] > 0 && !strcmp(nd->key[j] ? nd->key[j] : "", k);
        nt_strmap_put(&seen, &ar, k, strlen(k), 1, NULL);
        if (!k[0])
            nt_context_problem(pr, path, 0, c->key, "%ld person%s of the cohort %s no %s, and the table has no national row "
                                "(an empty %s)",
                               np, np == 1 ? "" : "s", np == 1 ? "has" : "have", c->key, c->key);
        else
            nt_context_problem(pr, path, 0, c->key, "%s %s: no rows, and %ld person%s of the cohort %s it", c->key, k, np,
                               np == 1 ? "" : "s", np == 1 ? "has" : "have");
    }
    nt_strmap_free(&seen);
    nt_arena_free(&ar);
}

void nt_context_check_cohort(const nt_context *c, const char *path, const nt_context_need *nd, nt_context_problems *pr)
{
    nt_strmap known = {0}, keys = {0};
    nt_arena ar = {0};
    for (long i = 0; i < nd->n_known; i++)
        if (nd->known[i]) nt_strmap_put(&known, &ar, nd->known[i], strlen(nd->known[i]), 1, NULL);
    for (int k = 0; k < c->n_keys; k++) {
        const char *s = c->key_value[k];
        nt_strmap_put(&keys, &ar, s, strlen(s), k, NULL);
        if (nd->known && s[0] && nt_strmap_get(&known, s, strlen(s)) == NT_STRMAP_ABSENT)
            nt_context_problem(pr, path, c->key_line ? c->key_line[k] : 0, c->key,
                               "found \"%s\", a %s the persons data do not have%s", s, c->key,
                               s[0] == '0' || strlen(s) < 4 ? " (leading zeros as in the persons file?)" : "");
    }
    /* The calendar months needed at all, then per key value a difference array. */
    int lo = 0, hi = -1;
    for (long i = 0; i < nd->n; i++) {
        if (nd->months[i] <= 0) continue;
        int a = nd->inflow[i], b = nd->inflow[i] + nd->months[i] - 1;
        if (hi < lo) { lo = a; hi = b; }
        if (a < lo) lo = a;
        if (b > hi) hi = b;
    }
    const size_t span = hi >= lo ? (size_t)(hi - lo + 2) : 0;
    long *diff = span ? calloc((size_t)c->n_keys * span, sizeof *diff) : NULL;
    int *ki = malloc((size_t)(nd->n ? nd->n : 1) * sizeof *ki);
    if ((span && !diff) || !ki) {
        nt_context_problem(pr, path, 0, NULL, "out of memory checking the table against the cohort");
        goto done;
    }
    for (long i = 0; i < nd->n; i++) {
        const char *k = nd->key[i];
        int32_t v = nt_strmap_get(&keys, k ? k : "", k ? strlen(k) : 0);   /* missing: the national row */
        ki[i] = v == NT_STRMAP_ABSENT ? -1 : v;
        if (ki[i] < 0 || nd->months[i] <= 0) continue;
        diff[(size_t)ki[i] * span + (size_t)(nd->inflow[i] - lo)]++;
        diff[(size_t)ki[i] * span + (size_t)(nd->inflow[i] + nd->months[i] - lo)]--;
    }
    absent_keys(c, path, nd, ki, pr);
    const size_t km_n = (size_t)c->n_keys * (size_t)c->n_months;
    for (int k = 0; k < c->n_keys && span; k++) {
        run gap = {0};
        long cover = 0;
        for (int m = lo; m <= hi; m++) {
            cover += diff[(size_t)k * span + (size_t)(m - lo)];
            if (cover <= 0) continue;
            int t = m - c->first_month;
            if (t < 0 || t >= c->n_months || !c->has[(size_t)k * (size_t)c->n_months + (size_t)t]) run_add(&gap, m);
        }
        long line = c->key_line ? c->key_line[k] : 0;
        const char *kname = c->key_value[k][0] ? c->key_value[k] : "(empty: national)";
        if (gap.months) report(pr, c, path, line, "month", kname, &gap, "no row");
        for (int j = 0; j < c->n_vars && nd->var_needed; j++) {
            if (!nd->var_needed[j]) continue;
            run miss = {0};
            cover = 0;
            for (int m = lo; m <= hi; m++) {
                cover += diff[(size_t)k * span + (size_t)(m - lo)];
                int t = m - c->first_month;
                if (cover > 0 && t >= 0 && t < c->n_months) {
                    size_t km = (size_t)k * (size_t)c->n_months + (size_t)t;
                    if (c->has[km] && isnan(c->v[(size_t)j * km_n + km])) run_add(&miss, m);
                }
            }
            if (miss.months) report(pr, c, path, line, c->var[j], kname, &miss, "no value");
        }
    }
done:
    free(diff);
    free(ki);
    nt_strmap_free(&known);
    nt_strmap_free(&keys);
    nt_arena_free(&ar);
}

nt_status nt_context_check_ingest(const nt_context *c, const char *path, const nt_spells *s, const nt_cohort *co,
                                  const unsigned char *var_needed, int n_risk, nt_context_problems *pr, nt_error *err)
{
    const nt_persons *pe = &s->persons;
    char *const *col = !strcasecmp(c->key, "region") ? pe->region : NULL;
    for (int e = 0; e < pe->n_extra && !col; e++)
        if (!pe->extra[e].is_numeric && !strcasecmp(pe->extra[e].name, c->key)) col = pe->extra[e].str;
    if (!col) {
        nt_context_problem(pr, path, 1, c->key, "not a categorical column of the persons file (the key column names one, "
                           "e.g. region)");
        return NT_OK;
    }
    const size_t n = (size_t)(co->n ? co->n : 1);
    const char **key = malloc(n * sizeof *key);
    int *months = malloc(n * sizeof *months);
    if (!key || !months) {
        free(key);
        free(months);
        return nt_fail(err, NT_ENOMEM, "out of memory");
    }
    for (long i = 0; i < co->n; i++) {
        key[i] = col[co->person[i]];
        months[i] = co->n_observed[i];
        if (var_needed && months[i] < n_risk) months[i] = n_risk;
    }
    nt_context_need nd = {.n = co->n, .key = key, .inflow = co->inflow_month, .months = months,
                          .known = (const char *const *)col, .n_known = pe->n,
                          .var_needed = var_needed};
    nt_context_check_cohort(c, path, &nd, pr);
    free(key);
    free(months);
    return NT_OK;
}

nt_status nt_context_check_store(const nt_context *c, const char *path, nt_store *st, const unsigned char *var_needed,
                                 int n_risk, nt_context_problems *pr, nt_error *err)
{
    if (nt_store_covariate_kind(st, c->key) != NT_COV_CATEGORICAL) {
        nt_context_problem(pr, path, 1, c->key, "not a categorical person variable of the cohort");
        return NT_OK;
    }
    const long n = nt_store_persons(st);
    const size_t nn = (size_t)(n ? n : 1);
    char **klev = NULL, **mlev = NULL;
    int nk = 0, nm = 0;
    double *kv = malloc(nn * sizeof *kv), *mv = malloc(nn * sizeof *mv), *ov = malloc(nn * sizeof *ov);
    const char **key = malloc(nn * sizeof *key);
    int *inflow = malloc(nn * sizeof *inflow), *months = malloc(nn * sizeof *months);
    nt_status s = !kv || !mv || !ov || !key || !inflow || !months ? nt_fail(err, NT_ENOMEM, "out of memory") : NT_OK;
    if (!s) s = nt_store_read_levels(st, c->key, &klev, &nk, err);
    if (!s) s = nt_store_read_levels(st, "inflow_month", &mlev, &nm, err);
    if (!s) s = nt_store_read_covariate(st, c->key, kv, err);
    if (!s) s = nt_store_read_covariate(st, "inflow_month", mv, err);
    if (!s) s = nt_store_read_covariate(st, "n_observed", ov, err);
    for (long i = 0; i < n && !s; i++) {
        int kc = isnan(kv[i]) ? 0 : (int)kv[i], mc = isnan(mv[i]) ? 0 : (int)mv[i];
        key[i] = kc >= 1 && kc <= nk ? klev[kc - 1] : NULL;
        if (mc < 1 || mc > nm || nt_month_parse(mlev[mc - 1], strlen(mlev[mc - 1]), &inflow[i]))
            s = nt_fail(err, NT_EINPUT, "a person of the cohort store has no inflow month");
        months[i] = isnan(ov[i]) ? 0 : (int)ov[i];
        if (var_needed && months[i] < n_risk) months[i] = n_risk;
    }
    if (!s) {
        nt_context_need nd = {.n = n, .key = key, .inflow = inflow, .months = months,
                              .known = (const char *const *)klev, .n_known = nk, .var_needed = var_needed};
        nt_context_check_cohort(c, path, &nd, pr);
    }
    nt_store_levels_free(klev, nk);
    nt_store_levels_free(mlev, nm);
    free(kv);
    free(mv);
    free(ov);
    free(key);
    free(inflow);
    free(months);
    return s;
}
