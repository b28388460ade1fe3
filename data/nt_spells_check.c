/* Checking: each record of the four files validated against the data
   contract (section 2) as it is read from the cell source. A bad record
   fails the read (strict) or is listed in the rejects report and dropped
   (lenient); either way the reason is one of core/nt_reject.h. Accepted
   persons get a provisional index in file order; spells refer to it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/nt_spells_priv.h"
#include "data/nt_text.h"

#define KEY_BUF (NT_SPELLS_KEY_MAX * NT_SPELLS_KEY_COLS + 16)

/* A bad record: strict -> fills err and returns NT_EINPUT; lenient -> lists
   it and returns NT_OK (the caller drops the record). `found` is the value
   (escaped here; NULL: expected is the whole message), `expected` ends the
   message. */
static nt_status bad(nt_spells_ctx *c, nt_reject_reason r, const char *column, const char *found, size_t fn,
                     const char *expected)
{
    long line = nt_cells_line(c->src);
    if (r == NT_REJECT_UNKNOWN_PERSON && c->o->ignore_unknown_persons) {
        if (c->rep) c->rep->ignored_unknown[c->t]++;
        return NT_OK;
    }
    if (!c->o->lenient) {
        char v[220];
        if (found == NULL) return nt_fail_at(c->err, NT_EINPUT, c->path, line, column, "%s", expected);
        /* found is a cell: already UTF-8 (cp1252 was transcoded by the reader) */
        nt_text_escape((const unsigned char *)found, fn, 0, v, 200);
        return nt_fail_at(c->err, NT_EINPUT, c->path, line, column, "found \"%s\"%s, expected %s", v,
                          fn > 200 ? "..." : "", expected);
    }
    if (c->rep) c->rep->rejected[c->t][r]++;
    char text[NT_SPELLS_REC_MAX + 8];
    nt_cells_record(c->src, text, NT_SPELLS_REC_MAX);
    if (nt_spells_rejects_add(c->pv, c->t, line, column, r, text)) return nt_fail(c->err, NT_ENOMEM, "out of memory");
    nt_spells_reject_row *row = &c->pv->rows[c->pv->n_rows - 1];
    size_t fk = found && fn > 200 ? 200 : fn;
    row->value = nt_arena_str(&c->pv->a, found ? found : "", found ? fk : 0);
    row->expected = nt_arena_str(&c->pv->a, expected, strlen(expected));
    if (!row->value || !row->expected) return nt_fail(c->err, NT_ENOMEM, "out of memory");
    return NT_OK;
}

/* Lenient mode, an optional cell that cannot be read: counted, kept for
   `netto check` (the first NT_SPELLS_SOFT_KEEP per column), and the caller
   sets it missing. Returns 0, or -1 out of memory (*st set). */
static int unreadable(nt_spells_ctx *c, nt_spells_optional k, int col, nt_reject_reason r, const char *v, size_t n,
                      const char *expected, nt_status *st)
{
    struct nt_spells_priv *pv = c->pv;
    if (c->rep) c->rep->unreadable[k]++;
    if (pv->soft_kept[k] >= NT_SPELLS_SOFT_KEEP) return 0;
    if (pv->n_soft == pv->cap_soft) {
        long cap = pv->cap_soft ? 2 * pv->cap_soft : 64;
        nt_spells_reject_row *x = realloc(pv->soft, (size_t)cap * sizeof *x);
        if (!x) goto oom;
        pv->soft = x;
        pv->cap_soft = cap;
    }
    const char *cn = nt_cells_name(c->src, col);
    nt_spells_reject_row *row = &pv->soft[pv->n_soft];
    *row = (nt_spells_reject_row){c->t, nt_cells_line(c->src), nt_arena_str(&pv->a, cn, strlen(cn)), r, NULL,
                                  nt_arena_str(&pv->a, v, n > 200 ? 200 : n), nt_arena_str(&pv->a, expected, strlen(expected))};
    if (!row->column || !row->value || !row->expected) goto oom;
    pv->n_soft++;
    pv->soft_kept[k]++;
    return 0;
oom:
    *st = nt_fail(c->err, NT_ENOMEM, "out of memory");
    return -1;
}

/* Record-level checks every table shares: NUL, encoding, field count.
   Returns 1 if the record is fine, 0 if rejected, -1 on error. */
static int check_record(nt_spells_ctx *c, nt_status *st)
{
    nt_cells_defect d = nt_cells_check(c->src);
    switch (d.kind) {
    case NT_CELLS_FINE:
        return 1;
    case NT_CELLS_NUL_BYTE:
        *st = bad(c, NT_REJECT_NUL_BYTE, d.column, d.value, d.n, "text without NUL bytes");
        break;
    case NT_CELLS_BAD_TEXT:
        *st = bad(c, NT_REJECT_INVALID_UTF8, d.column, d.value, d.n,
                  c->o->cp1252 ? "Windows-1252 text (a byte undefined in cp1252 was found)"
                               : "UTF-8 text (or say --encoding cp1252)");
        break;
    case NT_CELLS_FIELD_COUNT: {
        char msg[160];
        snprintf(msg, sizeof msg, "found %d fields, expected %d as in the header row", d.fields, d.expected);
        *st = bad(c, NT_REJECT_COLUMN_COUNT, "", NULL, 0, msg);
        break;
    }
    }
    return *st ? -1 : 0;
}

/* The person key of the record into key (KEY_BUF bytes): its length, or -1
   when rejected (*st set on an error). quiet: no judgement, 0 when a part
   is empty or too long. */
static long get_key(nt_spells_ctx *c, char *key, int quiet, nt_status *st)
{
    long o = 0;
    for (int k = 0; k < c->nkey; k++) {
        size_t n;
        const char *v = nt_cells_field(c->src, c->keycol[k], &n);
        if (quiet && (n == 0 || n > NT_SPELLS_KEY_MAX)) return 0;
        const char *cn = nt_cells_name(c->src, c->keycol[k]);
        if (n == 0) {
            *st = bad(c, NT_REJECT_MISSING_VALUE, cn, v, 0, "a person key (required)");
            return -1;
        }
        if (n > NT_SPELLS_KEY_MAX) {
            *st = bad(c, NT_REJECT_BAD_CODE, cn, v, n, "a person key of 1 to 32 bytes");
            return -1;
        }
        if (c->nkey > 1 && memchr(v, '+', n)) {   /* ("a+b","c") and ("a","b+c") would both be a+b+c */
            if (quiet) return 0;
            *st = bad(c, NT_REJECT_BAD_CODE, cn, v, n, "a person key part without '+' (it joins the parts of --person-key)");
            return -1;
        }
        if (k) key[o++] = '+';
        memcpy(key + o, v, n);
        o += (long)n;
    }
    key[o] = 0;
    return o;
}

/* A .sav/.dta date stored as a plain number (no date format): says so,
   with the day the number would be under the format, appended to msg. */
static void date_hint(nt_spells_ctx *c, int col, const char *v, size_t n, char *msg, size_t size)
{
    int kind = nt_cells_undated_number(c->src, col);
    char *end, tmp[64];
    if (!kind || n >= sizeof tmp) return;
    memcpy(tmp, v, n);
    tmp[n] = 0;
    double x = strtod(tmp, &end);
    if (*end || !(x > -1e13 && x < 1e13)) return;
    double days = kind == 'd' ? x : floor(x / 86400.0);
    nt_day epoch = kind == 'd' ? nt_day_from_ymd(1960, 1, 1) : nt_day_from_ymd(1582, 10, 14);
    if (days + epoch < nt_day_from_ymd(1900, 1, 1) || days + epoch > nt_day_from_ymd(2100, 12, 31)) return;
    char d[16];
    nt_day_format((nt_day)days + epoch, d);
    size_t o = strlen(msg);
    if (kind == 'd')
        snprintf(msg + o, size - o, "; this looks like a Stata date without a %%td format (%s days since 1960-01-01 "
                 "is %s): in Stata `format %s %%td`, save, and read the file again", tmp, d, nt_cells_name(c->src, col));
    else
        snprintf(msg + o, size - o, "; this looks like an SPSS date without a date format (%s seconds since "
                 "1582-10-14 is %s): give %s a DATE format in SPSS, save, and read the file again", tmp, d,
                 nt_cells_name(c->src, col));
}

/* Date column: 0 ok (*d NONE when empty and !required), 1 rejected, -1 error. */
static int get_date(nt_spells_ctx *c, int col, int required, int month_ok, nt_day *d, nt_status *st)
{
    size_t n;
    const char *v = nt_cells_field(c->src, col, &n);
    const char *cn = col >= 0 ? nt_cells_name(c->src, col) : "";
    *d = NT_DAY_NONE;
    if (n == 0) {
        if (!required) return 0;
        *st = bad(c, NT_REJECT_MISSING_VALUE, cn, v, 0, month_ok ? "a date (YYYY-MM-DD, YYYYMMDD or YYYY-MM), required" : "a date (YYYY-MM-DD or YYYYMMDD), required");
        return *st ? -1 : 1;
    }
    if (nt_date_parse(v, n, d) == 0) return 0;
    int m;
    if (month_ok && nt_month_parse(v, n, &m) == 0) { *d = nt_month_first_day(m); return 0; }
    char msg[400];
    snprintf(msg, sizeof msg, "%s", month_ok ? "a date (YYYY-MM-DD, YYYYMMDD or YYYY-MM)" : "a date (YYYY-MM-DD or YYYYMMDD)");
    date_hint(c, col, v, n, msg, sizeof msg);
    *st = bad(c, NT_REJECT_BAD_DATE, cn, v, n, msg);
    return *st ? -1 : 1;
}

/* Number column: 0 ok (NaN when empty), 1 rejected, -1 error. money: a
   negative value is negative_money. */
static int get_num(nt_spells_ctx *c, int col, int money, nt_spells_optional opt, double *x, nt_status *st)
{
    size_t n;
    const char *v = nt_cells_field(c->src, col, &n);
    *x = NAN;
    if (n == 0) return 0;
    const char *cn = nt_cells_name(c->src, col);
    char dec = nt_cells_decimal(c->src);
    const char *expected = NULL;
    nt_reject_reason r = NT_REJECT_BAD_NUMBER;
    if (nt_text_number(v, n, dec, x, NULL))
        expected = dec == ',' ? "a number with ',' as decimal point (no thousands separators)"
                              : "a number with '.' as decimal point (no thousands separators)";
    else if (*x < 0) {
        r = money ? NT_REJECT_NEGATIVE_MONEY : NT_REJECT_BAD_NUMBER;
        expected = money ? "a non-negative amount in euros" : "a non-negative number";
    } else if (!isfinite(*x) || (money && *x > NT_SPELLS_MAX_AMOUNT))   /* earnings are float32 in the panel */
        expected = "an amount in euros below 1e34";
    if (!expected) return 0;
    *x = NAN;
    if (c->o->lenient) return unreadable(c, opt, col, r, v, n, expected, st);   /* optional: set missing */
    *st = bad(c, r, cn, v, n, expected);
    return *st ? -1 : 1;
}

/* Code column (sex, education, migration): 0 ok (*code 0 when empty and
   !required), 1 rejected, -1 error. */
static int get_code(nt_spells_ctx *c, int col, int required, int (*coder)(const char *, size_t),
                    const char *expected, int opt, int *code, nt_status *st)
{
    size_t n;
    const char *v = nt_cells_field(c->src, col, &n);
    *code = 0;
    if (n == 0 && !required) return 0;
    char msg[160];
    if (n == 0) {
        snprintf(msg, sizeof msg, "%s (required)", expected);
        *st = bad(c, NT_REJECT_MISSING_VALUE, nt_cells_name(c->src, col), v, 0, msg);
        return *st ? -1 : 1;
    }
    if ((*code = coder(v, n))) return 0;
    if (opt >= 0 && c->o->lenient)   /* optional: set missing */
        return unreadable(c, (nt_spells_optional)opt, col, NT_REJECT_BAD_CODE, v, n, expected, st);
    *st = bad(c, NT_REJECT_BAD_CODE, nt_cells_name(c->src, col), v, n, expected);
    return *st ? -1 : 1;
}

static int code_sex(const char *v, size_t n)
{
    if (nt_text_ieq_n(v, n, "m") || nt_text_ieq_n(v, n, "1") || nt_text_ieq_n(v, n, "man") ||
        nt_text_ieq_n(v, n, "male"))
        return NT_SEX_M;
    if (nt_text_ieq_n(v, n, "f") || nt_text_ieq_n(v, n, "v") || nt_text_ieq_n(v, n, "2") ||
        nt_text_ieq_n(v, n, "vrouw") || nt_text_ieq_n(v, n, "female"))
        return NT_SEX_F;
    return 0;
}

static int code_edu(const char *v, size_t n)
{
    if (nt_text_ieq_n(v, n, "low") || nt_text_ieq_n(v, n, "laag") || nt_text_ieq_n(v, n, "1")) return NT_EDU_LOW;
    if (nt_text_ieq_n(v, n, "mid") || nt_text_ieq_n(v, n, "middelbaar") || nt_text_ieq_n(v, n, "2")) return NT_EDU_MID;
    if (nt_text_ieq_n(v, n, "high") || nt_text_ieq_n(v, n, "hoog") || nt_text_ieq_n(v, n, "3")) return NT_EDU_HIGH;
    return 0;
}

static int code_mig(const char *v, size_t n)
{
    if (nt_text_ieq_n(v, n, "none") || nt_text_ieq_n(v, n, "0") || nt_text_ieq_n(v, n, "geen")) return NT_MIG_NONE;
    if (nt_text_ieq_n(v, n, "western") || nt_text_ieq_n(v, n, "1") || nt_text_ieq_n(v, n, "westers")) return NT_MIG_WESTERN;
    if (nt_text_ieq_n(v, n, "nonwestern") || nt_text_ieq_n(v, n, "2") || nt_text_ieq_n(v, n, "non-western") ||
        nt_text_ieq_n(v, n, "niet-westers") || nt_text_ieq_n(v, n, "nietwesters"))
        return NT_MIG_NONWESTERN;
    return 0;
}

const char *nt_spells_level(const char *variable, const char *value)
{
    static const char *sex_lv[] = {"M", "F"};
    static const char *edu_lv[] = {"low", "mid", "high"};
    static const char *mig_lv[] = {"none", "western", "nonwestern"};
    size_t n = strlen(value);
    int k;
    if (!strcmp(variable, "sex")) return (k = code_sex(value, n)) ? sex_lv[k - 1] : NULL;
    if (!strcmp(variable, "education")) return (k = code_edu(value, n)) ? edu_lv[k - 1] : NULL;
    if (!strcmp(variable, "migration")) return (k = code_mig(value, n)) ? mig_lv[k - 1] : NULL;
    return NULL;
}

nt_status nt_spells_check_key(nt_spells_ctx *c)
{
    const char *given = c->o->person_key;
    const char *k = given && *given ? given : "person_id";
    while (*k) {
        const char *e = strchr(k, '+');
        size_t n = e ? (size_t)(e - k) : strlen(k);
        const char *v = k;
        nt_text_trim(&v, &n);
        if (n == 0 || n >= sizeof c->keyname[0] || c->nkey == NT_SPELLS_KEY_COLS)
            return nt_fail(c->err, NT_EUSAGE, "--person-key: found \"%s\", expected column names joined by '+' (e.g. RINPERSOONS+RINPERSOON)", given);
        memcpy(c->keyname[c->nkey], v, n);
        c->keyname[c->nkey++][n] = 0;
        if (c->nkey == 1) snprintf(c->pv->keycol, sizeof c->pv->keycol, "%s", c->keyname[0]);
        if (!e) break;
        k = e + 1;
        if (!*k) return nt_fail(c->err, NT_EUSAGE, "--person-key: found \"%s\", expected column names joined by '+'", given);
    }
    return NT_OK;
}

/* Opens file t and finds its key columns and the named required ones. */
static nt_status open_table(nt_spells_ctx *c, nt_file_kind t, const char **req, int *reqcol, int nreq)
{
    c->t = t;
    c->path = c->o->path[t];
    if (!c->path) return nt_fail(c->err, NT_EUSAGE, "no %s file given", nt_file_kind_name(t));
    nt_cells_opts co = {c->o->cp1252, c->o->decimal};
    nt_status st = nt_cells_open(c->path, &co, &c->src, c->err);
    if (st) return st;
    for (int k = 0; k < c->nkey; k++) {
        c->keycol[k] = nt_cells_find(c->src, c->keyname[k]);
        if (c->keycol[k] < 0)
            return nt_fail_at(c->err, NT_EINPUT, c->path, 1, c->keyname[k],
                              "found no column \"%s\" in the header, expected the person key column%s", c->keyname[k],
                              c->o->person_key ? " named by --person-key" : " person_id");
    }
    for (int i = 0; i < nreq; i++) {
        reqcol[i] = nt_cells_find(c->src, req[i]);
        if (reqcol[i] < 0)
            return nt_fail_at(c->err, NT_EINPUT, c->path, 1, req[i],
                              "found no column \"%s\" in the header, expected it (required in the %s table)", req[i],
                              nt_file_kind_name(t));
    }
    return NT_OK;
}

/* After the last record: the file's records stay with the result (the
   rejects report shows them again), the source closes. */
static nt_status close_table(nt_spells_ctx *c, nt_status st)
{
    if (c->src && c->rep)
        for (int j = 0; j < nt_cells_columns(c->src); j++) c->rep->labelled[c->t] += nt_cells_labelled(c->src, j);
    if (c->src && !st) st = nt_cells_keep(c->src, &c->pv->records[c->t], c->err);
    nt_cells_close(c->src);
    c->src = NULL;
    return st;
}

void nt_spells_check_free(nt_persons_tmp *p)
{
    free(p->id); free(p->birth); free(p->death); free(p->emig);
    free(p->sex); free(p->edu); free(p->mig); free(p->region);
    free(p->line); free(p->off);
    for (int k = 0; k < p->n_extra; k++) free(p->extra[k]);
}

/* Columns of the persons file. */
typedef struct { int birth, sex, edu, mig, reg, death, emig; } person_cols;

/* The extra columns: every one the contract does not name. */
static nt_status find_extra(nt_spells_ctx *c, const person_cols *pc, nt_persons_tmp *P)
{
    for (int j = 0; j < nt_cells_columns(c->src); j++) {
        int known = j == pc->birth || j == pc->sex || j == pc->edu || j == pc->mig || j == pc->reg ||
                    j == pc->death || j == pc->emig;
        for (int k = 0; k < c->nkey; k++) known |= j == c->keycol[k];
        if (known) continue;
        if (P->n_extra == NT_SPELLS_EXTRA_MAX)
            return nt_fail_at(c->err, NT_EINPUT, c->path, 1, NULL, "found more than 256 extra columns, expected fewer");
        const char *name = nt_cells_name(c->src, j);
        if (!*name)   /* an extra column becomes a covariate: it needs a name */
            return nt_fail_at(c->err, NT_EINPUT, c->path, 1, NULL, "found column %d of the header without a name, "
                              "expected a column name (extra columns become covariates)", j + 1);
        int first = nt_cells_find(c->src, name);
        if (first >= 0 && first != j)
            return nt_fail_at(c->err, NT_EINPUT, c->path, 1, name, "found the name in columns %d and %d of the header, "
                              "expected each column name once", first + 1, j + 1);
        P->extra_name[P->n_extra] = nt_arena_str(&c->pv->a, name, strlen(name));
        if (!P->extra_name[P->n_extra]) return nt_fail(c->err, NT_ENOMEM, "out of memory");
        P->extra_col[P->n_extra++] = j;
    }
    return NT_OK;
}

/* Checks and appends an accepted persons record whose id is claimed (in
   the arena: id). Returns NT_OK also when the record is rejected. */
static nt_status add_person(nt_spells_ctx *c, const person_cols *pc, nt_persons_tmp *P, char *id, size_t kn)
{
    nt_status st = NT_OK;
    nt_day birth, death, emig;
    int sex = 0, edu = 0, mig = 0;
    int e = get_date(c, pc->birth, 1, 1, &birth, &st);
    if (!e) e = get_code(c, pc->sex, 1, code_sex, "M/F, M/V, man/vrouw or 1/2", -1, &sex, &st);
    if (!e) e = get_code(c, pc->edu, 0, code_edu, "low/mid/high, laag/middelbaar/hoog or 1/2/3", NT_SPELLS_OPT_EDUCATION,
                            &edu, &st);
    if (!e) e = get_code(c, pc->mig, 0, code_mig, "none/western/nonwestern or 0/1/2", NT_SPELLS_OPT_MIGRATION, &mig,
                            &st);
    if (!e) e = get_date(c, pc->death, 0, 0, &death, &st);
    if (!e) e = get_date(c, pc->emig, 0, 0, &emig, &st);
    if (e < 0 || st) return st ? st : NT_EINPUT;
    if (e) return NT_OK;   /* the id stays claimed as rejected */
    long i = P->n;
    if (i >= P->cap) {
        long cap = P->cap ? P->cap * 2 : 1024;
#define RE(f) do { void *p_ = realloc(P->f, (size_t)cap * sizeof *P->f); if (!p_) goto oom; P->f = p_; } while (0)
        RE(id); RE(birth); RE(death); RE(emig); RE(sex); RE(edu); RE(mig); RE(region); RE(line); RE(off);
        for (int k = 0; k < P->n_extra; k++) RE(extra[k]);
#undef RE
        P->cap = cap;
    }
    nt_strmap_set(&c->ids, id, kn, (int32_t)i);
    P->id[i] = id;
    P->birth[i] = birth;
    P->death[i] = death;
    P->emig[i] = emig;
    P->sex[i] = (uint8_t)sex;
    P->edu[i] = (uint8_t)edu;
    P->mig[i] = (uint8_t)mig;
    size_t n;
    const char *v = nt_cells_field(c->src, pc->reg, &n);
    P->region[i] = n ? nt_arena_str(&c->pv->a, v, n) : NULL;
    if (n && !P->region[i]) goto oom;
    P->line[i] = nt_cells_line(c->src);
    P->off[i] = nt_cells_offset(c->src);
    for (int k = 0; k < P->n_extra; k++) {
        v = nt_cells_field(c->src, P->extra_col[k], &n);
        P->extra[k][i] = n ? nt_arena_str(&c->pv->a, v, n) : NULL;
        if (n && !P->extra[k][i]) goto oom;
    }
    P->n++;
    return NT_OK;
oom:
    return nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path);
}

static nt_status read_persons(nt_spells_ctx *c, nt_persons_tmp *P)
{
    static const char *req[] = {"birth_date", "sex"};
    int rc[2] = {-1, -1};
    nt_status st = open_table(c, NT_FILE_PERSONS, req, rc, 2);
    if (st) return st;
    nt_cells *s = c->src;
    person_cols pc = {rc[0], rc[1], nt_cells_find(s, "education"), nt_cells_find(s, "migration"),
                      nt_cells_find(s, "region"), nt_cells_find(s, "death_date"), nt_cells_find(s, "emigration_date")};
    P->decimal = nt_cells_decimal(s);
    if ((st = find_extra(c, &pc, P))) return st;
    char key[KEY_BUF];
    int r;
    while ((r = nt_cells_next(s, c->err)) == 1) {
        if (c->rep) c->rep->records[NT_FILE_PERSONS]++;
        int ok = check_record(c, &st);
        if (ok < 0) return st;
        if (!ok) {
            /* a record rejected as a whole still claims its id, so later
               records with it are duplicates and its spells unknown */
            long kn = get_key(c, key, 1, &st);
            if (kn > 0 && !nt_strmap_put(&c->ids, &c->pv->a, key, (size_t)kn, -1, NULL)) goto oom;
            continue;
        }
        long kn = get_key(c, key, 0, &st);
        if (kn < 0) { if (st) return st; continue; }
        /* claim the id (as rejected, -1) in one probe; set to the person's
           index once the record is accepted */
        int32_t prev;
        char *id = nt_strmap_put(&c->ids, &c->pv->a, key, (size_t)kn, -1, &prev);
        if (!id) goto oom;
        if (prev != NT_STRMAP_ABSENT) {
            char msg[200];
            snprintf(msg, sizeof msg, "a person_id not seen before (it is already at line %ld)",
                     prev >= 0 ? P->line[prev] : 0L);
            if (prev < 0) snprintf(msg, sizeof msg, "a person_id not seen before (an earlier record has it)");
            st = bad(c, NT_REJECT_DUPLICATE_PERSON, nt_cells_name(s, c->keycol[0]), key, (size_t)kn, msg);
            if (st) return st;
            continue;
        }
        if ((st = add_person(c, &pc, P, id, (size_t)kn))) return st;
    }
    if (r < 0) return c->err->status;
    return NT_OK;
oom:
    return nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path);
}

nt_status nt_spells_check_persons(nt_spells_ctx *c, nt_persons_tmp *P)
{
    return close_table(c, read_persons(c, P));
}

/* Columns of a spell table (-1 absent). */
typedef struct { int code, start, end, a, b, prov; } spell_cols;

/* The scheme (upper-cased) or programme type (lower-cased) code of the
   record, numbered in order of appearance: 0 ok, 1 rejected, -1 error. */
static int get_spell_code(nt_spells_ctx *c, int col, nt_strmap *codes, int32_t *code, nt_status *st)
{
    size_t n;
    const char *v = nt_cells_field(c->src, col, &n);
    if (n == 0) {
        *st = bad(c, NT_REJECT_MISSING_VALUE, nt_cells_name(c->src, col), v, 0,
                  c->t == NT_FILE_BENEFITS ? "a benefit scheme name (required)" : "a programme type name (required)");
        return *st ? -1 : 1;
    }
    char tmp[256];
    char *k = n < sizeof tmp ? tmp : malloc(n + 1);
    if (!k) { *st = nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path); return -1; }
    for (size_t i = 0; i < n; i++) {
        unsigned ch = (unsigned char)v[i];
        if (c->t == NT_FILE_BENEFITS && ch >= 'a' && ch <= 'z') ch -= 32;
        if (c->t == NT_FILE_PROGRAMS && ch >= 'A' && ch <= 'Z') ch += 32;
        k[i] = (char)ch;
    }
    k[n] = 0;
    int32_t x = nt_strmap_get(codes, k, n);
    if (x == NT_STRMAP_ABSENT) {
        x = (int32_t)codes->n;
        if (!nt_strmap_put(codes, &c->pv->a, k, n, x, NULL)) {
            if (k != tmp) free(k);
            *st = nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path);
            return -1;
        }
    }
    if (k != tmp) free(k);
    *code = x;
    return 0;
}

/* The fields of a spell record of a known person: 0 ok, 1 rejected, -1 error. */
static int get_spell(nt_spells_ctx *c, const spell_cols *sc, nt_strmap *codes, nt_strmap *prov, nt_spell_rec *sp,
                     nt_status *st)
{
    int e = sc->code >= 0 ? get_spell_code(c, sc->code, codes, &sp->code, st) : 0;
    if (!e) e = get_date(c, sc->start, 1, 0, &sp->start, st);
    if (!e) e = get_date(c, sc->end, 0, 0, &sp->end, st);
    if (!e && sp->end != NT_DAY_NONE && sp->end < sp->start) {
        size_t n;
        const char *v = nt_cells_field(c->src, sc->end, &n);
        char msg[120], sd[16];
        nt_day_format(sp->start, sd);
        snprintf(msg, sizeof msg, "an end date on or after the start date %s", sd);
        *st = bad(c, NT_REJECT_END_BEFORE_START, nt_cells_name(c->src, sc->end), v, n, msg);
        e = 1;
    }
    if (!e && sc->a >= 0)
        e = get_num(c, sc->a, 1, c->t == NT_FILE_PROGRAMS ? NT_SPELLS_OPT_COST : NT_SPELLS_OPT_WAGE, &sp->a, st);
    if (!e && sc->b >= 0) e = get_num(c, sc->b, 0, NT_SPELLS_OPT_HOURS, &sp->b, st);
    if (!e && sc->prov >= 0) {
        size_t n;
        const char *v = nt_cells_field(c->src, sc->prov, &n);
        if (n) {
            int32_t code = nt_strmap_get(prov, v, n);
            if (code == NT_STRMAP_ABSENT) {
                code = (int32_t)prov->n;
                if (!nt_strmap_put(prov, &c->pv->a, v, n, code, NULL)) {
                    *st = nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path);
                    return -1;
                }
            }
            sp->provider = code + 1;
        }
    }
    if (e < 0 || *st) return -1;
    return e;
}

/* The person of the record: index, -1 rejected person, -2 unknown. Spells
   usually come grouped by person, often in the persons file's order: try
   the last person and the next one before the hash table (whose probes
   are cache misses). */
typedef struct { char key[KEY_BUF]; long n; int32_t p; } last_person;

static int32_t find_person(nt_spells_ctx *c, const char *key, long kn, last_person *last)
{
    if (kn == last->n && memcmp(key, last->key, (size_t)kn) == 0) return last->p;
    int32_t p;
    if (last->p >= 0 && last->p + 1 < c->np && strcmp(c->pid[last->p + 1], key) == 0) p = last->p + 1;
    else p = nt_strmap_get(&c->ids, key, (size_t)kn);
    memcpy(last->key, key, (size_t)kn);
    last->n = kn;
    last->p = p;
    return p;
}

static nt_status read_spells(nt_spells_ctx *c, nt_file_kind t, nt_spell_vec *out, nt_strmap *codes, nt_strmap *prov,
                             nt_day *latest)
{
    static const char *req_b[] = {"scheme", "start_date"};
    static const char *req_p[] = {"program", "start_date"};
    static const char *req_j[] = {"start_date"};
    const char **req = t == NT_FILE_BENEFITS ? req_b : t == NT_FILE_PROGRAMS ? req_p : req_j;
    int nreq = t == NT_FILE_JOBS ? 1 : 2;
    int rc[2] = {-1, -1};
    nt_status st = open_table(c, t, req, rc, nreq);
    if (st) return st;
    nt_cells *s = c->src;
    spell_cols sc = {t == NT_FILE_JOBS ? -1 : rc[0], rc[nreq - 1], nt_cells_find(s, "end_date"),
                     t == NT_FILE_PROGRAMS ? nt_cells_find(s, "cost_eur") : t == NT_FILE_JOBS ? nt_cells_find(s, "wage_eur_month") : -1,
                     t == NT_FILE_JOBS ? nt_cells_find(s, "hours_week") : -1,
                     t == NT_FILE_PROGRAMS ? nt_cells_find(s, "provider") : -1};
    char key[KEY_BUF];
    last_person last = {.n = -1, .p = -2};
    int r;
    while ((r = nt_cells_next(s, c->err)) == 1) {
        if (c->rep) c->rep->records[t]++;
        int ok = check_record(c, &st);
        if (ok < 0) return st;
        if (!ok) continue;
        long kn = get_key(c, key, 0, &st);
        if (kn < 0) { if (st) return st; continue; }
        int32_t p = find_person(c, key, kn, &last);
        if (p < 0) {
            st = bad(c, NT_REJECT_UNKNOWN_PERSON, nt_cells_name(s, c->keycol[0]), key, (size_t)kn,
                     p == -1 ? "a person_id of an accepted persons record (this person's record was rejected)"
                             : "a person_id listed in the persons file");
            if (st) return st;
            continue;
        }
        nt_spell_rec sp = {p, 0, NT_DAY_NONE, NT_DAY_NONE, NAN, NAN, 0, nt_cells_line(s), nt_cells_offset(s)};
        int e = get_spell(c, &sc, codes, prov, &sp, &st);
        if (e < 0) return st ? st : NT_EINPUT;
        if (e) continue;
        if (out->n >= out->cap) {
            long cap = out->cap ? out->cap * 2 : 1024;
            nt_spell_rec *v = realloc(out->v, (size_t)cap * sizeof *v);
            if (!v) return nt_fail(c->err, NT_ENOMEM, "out of memory reading %s", c->path);
            out->v = v;
            out->cap = cap;
        }
        out->v[out->n++] = sp;
        if (*latest == NT_DAY_NONE || sp.start > *latest) *latest = sp.start;
    }
    if (r < 0) return c->err->status;
    return NT_OK;
}

nt_status nt_spells_check_table(nt_spells_ctx *c, nt_file_kind t, nt_spell_vec *out, nt_strmap *codes,
                                nt_strmap *prov, nt_day *latest)
{
    return close_table(c, read_spells(c, t, out, codes, prov, latest));
}
