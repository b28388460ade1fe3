/* netto simulate's files: the four spell files in the requested format,
   truth.csv, study.ini and README.md, written into a temporary folder that
   is renamed into place (see nt_simulate.h). */
#include "datasets/nt_sim_model.h"

#include <dirent.h>
#include <errno.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/nt_file.h"

static const char *const scheme_names[] = {"WW", "BIJSTAND", "ZW"};

/* ------------------------------------------------------------ formatting */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_reserve(sbuf *b, size_t extra)
{
    if (b->n + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->n + extra) cap *= 2;
    char *s = realloc(b->s, cap);
    if (!s) {
        b->oom = 1;
        return;
    }
    b->s = s;
    b->cap = cap;
}

static void sb_put(sbuf *b, const char *s, size_t n)
{
    sb_reserve(b, n);
    if (b->oom) return;
    memcpy(b->s + b->n, s, n);
    b->n += n;
}

static void sb_str(sbuf *b, const char *s) { sb_put(b, s, strlen(s)); }

typedef struct {
    const nt_simulate_opts *o;
    char delim[2];
    const char *eol;
} fmt;

static void sb_delim(sbuf *b, const fmt *F) { sb_put(b, F->delim, 1); }
static void sb_eol(sbuf *b, const fmt *F) { sb_str(b, F->eol); }

static void sb_long(sbuf *b, long v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%ld", v);
    sb_put(b, t, (size_t)n);
}

static void sb_id(sbuf *b, const fmt *F, long i)
{
    char t[48];
    int n = F->o->id_width > 0 ? snprintf(t, sizeof t, "%0*ld", F->o->id_width, i + 1)
                               : snprintf(t, sizeof t, "%ld", i + 1);
    sb_put(b, t, (size_t)n);
}

static void sb_date(sbuf *b, const fmt *F, nt_day d)
{
    if (d == NT_DAY_NONE) return;   /* empty field */
    int y, m, dd;
    nt_day_to_ymd(d, &y, &m, &dd);
    char t[12];
    if (F->o->date_format == NT_SIM_DATE_CBS) {
        t[0] = (char)('0' + y / 1000); t[1] = (char)('0' + y / 100 % 10);
        t[2] = (char)('0' + y / 10 % 10); t[3] = (char)('0' + y % 10);
        t[4] = (char)('0' + m / 10); t[5] = (char)('0' + m % 10);
        t[6] = (char)('0' + dd / 10); t[7] = (char)('0' + dd % 10);
        sb_put(b, t, 8);
    } else {
        t[0] = (char)('0' + y / 1000); t[1] = (char)('0' + y / 100 % 10);
        t[2] = (char)('0' + y / 10 % 10); t[3] = (char)('0' + y % 10); t[4] = '-';
        t[5] = (char)('0' + m / 10); t[6] = (char)('0' + m % 10); t[7] = '-';
        t[8] = (char)('0' + dd / 10); t[9] = (char)('0' + dd % 10);
        sb_put(b, t, 10);
    }
}

static const char *code_sex(const fmt *F, int sex)
{
    static const char *const v[3][2] = {{"M", "F"}, {"M", "V"}, {"1", "2"}};
    return v[F->o->codes][sex];
}

static const char *code_edu(const fmt *F, int edu)
{
    static const char *const v[3][3] = {{"low", "mid", "high"}, {"laag", "middelbaar", "hoog"}, {"1", "2", "3"}};
    return edu < 0 ? "" : v[F->o->codes][edu];
}

static const char *code_mig(const fmt *F, int mig)
{
    static const char *const v[3][3] = {{"none", "western", "nonwestern"}, {"none", "western", "nonwestern"},
                                        {"0", "1", "2"}};
    return v[F->o->codes][mig];
}

enum { F_PERSONS, F_BENEFITS, F_PROGRAMS, F_JOBS, NFILES };
static const char *const file_names[NFILES] = {"persons.csv", "benefits.csv", "programs.csv", "jobs.csv"};
static const char *const file_headers[NFILES][6] = {
    {"person_id", "birth_date", "sex", "education", "migration", "region"},
    {"person_id", "scheme", "start_date", "end_date", NULL, NULL},
    {"person_id", "program", "start_date", "end_date", "cost_eur", "provider"},
    {"person_id", "start_date", "end_date", "wage_eur_month", "hours_week", NULL},
};

static void format_person(const fmt *F, const work *w, sbuf *out, long *counts)
{
    const person *p = &w->p;
    sbuf *b = &out[F_PERSONS];
    sb_id(b, F, p->index); sb_delim(b, F);
    sb_date(b, F, p->birth); sb_delim(b, F);
    sb_str(b, code_sex(F, p->sex)); sb_delim(b, F);
    sb_str(b, code_edu(F, p->edu)); sb_delim(b, F);
    sb_str(b, code_mig(F, p->mig)); sb_delim(b, F);
    sb_str(b, nt_sim_regions[p->region].code); sb_delim(b, F);
    sb_date(b, F, p->death); sb_delim(b, F);
    sb_date(b, F, p->emig); sb_eol(b, F);
    counts[F_PERSONS]++;
    const spell_buf *sp = &w->f;
    for (int i = 0; i < sp->n; i++) {
        const spell *s = &sp->v[i];
        if (s->kind == SP_BEN) {
            b = &out[F_BENEFITS];
            sb_id(b, F, p->index); sb_delim(b, F);
            sb_str(b, scheme_names[s->code]); sb_delim(b, F);
            sb_date(b, F, s->start); sb_delim(b, F);
            sb_date(b, F, s->end); sb_eol(b, F);
            counts[F_BENEFITS]++;
        } else if (s->kind == SP_PROG) {
            b = &out[F_PROGRAMS];
            sb_id(b, F, p->index); sb_delim(b, F);
            sb_str(b, nt_simulate_program_name(s->code)); sb_delim(b, F);
            sb_date(b, F, s->start); sb_delim(b, F);
            sb_date(b, F, s->end); sb_delim(b, F);
            char t[32];
            int n = snprintf(t, sizeof t, "%ld.%02ld", (long)s->cost_cents / 100, (long)s->cost_cents % 100);
            sb_put(b, t, (size_t)n); sb_delim(b, F);
            if (p->scheme == SCH_WW) {
                sb_str(b, "UWV");
            } else {
                sb_str(b, "GM");
                sb_str(b, nt_sim_regions[p->region].code);
            }
            sb_eol(b, F);
            counts[F_PROGRAMS]++;
        } else {
            b = &out[F_JOBS];
            sb_id(b, F, p->index); sb_delim(b, F);
            sb_date(b, F, s->start); sb_delim(b, F);
            sb_date(b, F, s->end); sb_delim(b, F);
            sb_long(b, s->wage); sb_delim(b, F);
            sb_long(b, s->hours); sb_eol(b, F);
            counts[F_JOBS]++;
        }
    }
}

static void write_header(FILE *fp, const fmt *F, int f)
{
    if (F->o->bom) fputs("\xEF\xBB\xBF", fp);
    for (int j = 0; j < 6 && file_headers[f][j]; j++) {
        if (j) fputc(F->delim[0], fp);
        fputs(file_headers[f][j], fp);
    }
    if (f == F_PERSONS) fprintf(fp, "%sdeath_date%semigration_date", F->delim, F->delim);
    fputs(F->eol, fp);
}

/* --------------------------------------------------------------- files */

static nt_status remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return NT_OK;
    struct dirent *e;
    char path[4200];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        nt_path_join(path, sizeof path, dir, e->d_name);
        remove(path);
    }
    closedir(d);
    rmdir(dir);
    return NT_OK;
}

static nt_status write_study(const nt_simulate_opts *o, const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    fprintf(fp,
            "; study that truth.csv is about (netto simulate --scenario %s --seed %llu --persons %ld)\n"
            "[study]\nname = sim_%s\nseed = %llu\n\n"
            "[data]\npersons = persons.csv\nbenefits = benefits.csv\nprograms = programs.csv\njobs = jobs.csv\n"
            "data_end = 2012-12-31\nlenient = no\n\n"
            "[cohort]\nscheme = WW, BIJSTAND\ninflow = 2003-01:2004-12\n\n"
            "[treatment]\nprograms = bemiddeling, scholing, workfirst, loonkostensubsidie, any\n"
            "start_months = 0:%d\nstart_interval = 3\nhorizon = %d\n\n"
            "[estimator]\nmethod = radius\nneighbors = 1\ncaliper = 0.2\nreplace = yes\n"
            "covariates = age, sex, education, migration, region, scheme, emp_prev12, emp_prev24, earn_prev12, ben_prev24\n"
            "history = no\nexact = scheme\ntrim = minmax\n\n"
            "[outcomes]\nseries = employed, earnings, on_benefit\n\n"
            "[inference]\nbootstrap = 0\n\n"
            "[subgroups]\neducation = low, mid, high\nemp_prev12 = 0-0, 1-12\n\n"
            "[cost]\nbemiddeling = 1200\nscholing = 4500\nworkfirst = 2500\nloonkostensubsidie = 6000\n\n"
            "[cost_benefit]\nbenefit_month = WW: %d, BIJSTAND: %d\ndiscount_rate = %g\n\n"
            "[disclosure]\nmin_cell = 10\n",
            o->scenario, (unsigned long long)o->seed, o->persons, o->scenario, (unsigned long long)o->seed,
            NT_SIM_START_MONTHS - 1, NT_SIM_HORIZON, SIM_BENEFIT_WW, SIM_BENEFIT_BIJSTAND, SIM_DISCOUNT_RATE);
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}

static nt_status write_readme(const nt_simulate_opts *o, const model *M, const nt_simulate_summary *S,
                              const char *path, nt_error *err)
{
    FILE *fp = fopen(path, "w");
    if (!fp) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    const char *df = o->date_format == NT_SIM_DATE_CBS ? "YYYYMMDD" : "YYYY-MM-DD";
    const char *codes[] = {"english", "dutch", "numeric"};
    fprintf(fp,
            "# Synthetic re-integration data (netto simulate)\n\n"
            "Scenario `%s`, seed %llu, %ld persons. Generated by netto %s; the model is\n"
            "documented in netto's docs/simulation.md. Not real persons.\n\n"
            "| file | records |\n|---|---|\n| persons.csv | %ld |\n| benefits.csv | %ld |\n"
            "| programs.csv | %ld |\n| jobs.csv | %ld |\n\n"
            "Format: delimiter `%s`, %s line ends, %s, dates %s, %s codes, ids %s.\n\n"
            "Cohort: inflow into WW or BIJSTAND 2003-01..2004-12, data end 2012-12-31;\n"
            "%ld participants start a programme in months 0..23 of the index spell;\n"
            "%ld deaths and %ld emigrations before the data end.\n\n"
            "`study.ini` is the study that `truth.csv` is about (`netto run study.ini`).\n"
            "`truth.csv` (`program, subgroup, outcome, month, true_att, n_treated`): the\n"
            "dynamic ATT of that study computed from each participant's simulated\n"
            "counterfactual path (same random numbers, no start in that month, still\n"
            "eligible later), with the study's risk sets, weights and censoring;\n"
            "`month` is months since programme start; `n_treated` the contributing\n"
            "participants summed over the start months used.\n"
            "`truth_cost_benefit.csv`: `cost_benefit.csv`'s figures (estimand ATT, whole\n"
            "horizons 12, 24, 36, 60, 96, rates 0 and the study's) from the true paths of\n"
            "earnings, benefit euros (on_benefit x the index scheme's benefit_month) and\n"
            "programme costs started (the counterfactual's later programmes included).\n"
            "truth.csv also has `job_chance=q1..q5` (quintiles of the known job-chance score)\n"
            "and `start_year=2003..2006` (calendar year of the start) for studies that ask\n"
            "for them; `truth_region.csv`: `any` per region; `truth_compare.csv`: programme\n"
            "against programme among the participants of the first (`[treatment] compare`);\n"
            "`truth_by_start.csv`: the whole cohort's effect per start month (effects_by_start.csv).\n\n"
            "## Model parameters\n\n"
            "| programme | duration (months) | lock-in (logit) | post (logit) | job loss (logit) | wage gain | mean cost |\n"
            "|---|---|---|---|---|---|---|\n",
            o->scenario, (unsigned long long)o->seed, o->persons, NETTO_VERSION, S->persons, S->benefits,
            S->programs, S->jobs, o->delimiter == '\t' ? "TAB" : (o->delimiter == ';' ? ";" : ","),
            o->crlf ? "CRLF" : "LF", o->bom ? "UTF-8 BOM" : "no BOM", df, codes[o->codes],
            o->id_width ? "zero-padded" : "plain", S->participants, S->deaths, S->emigrations);
    for (int p = 1; p <= NPROG; p++)
        fprintf(fp, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.0f |\n", nt_simulate_program_name(p), M->prog[p].duration,
                M->prog[p].lockin, M->prog[p].post, M->prog[p].retention, M->prog[p].wage, M->prog[p].cost);
    fprintf(fp,
            "\nEffect multipliers (post, job loss, wage): low educated %.2f, high educated %.2f,\n"
            "no work in the 12 months before inflow %.2f.\n\n"
            "Programme start (monthly logit): constant %.2f, BIJSTAND %+.2f, low %+.2f, high %+.2f,\n"
            "no recent work %+.2f, age %+.3f/year from 40, benefit history %+.2f, elapsed months %+.3f,\n"
            "months 1-4 %+.2f, unobserved trait %+.2f.\n\n"
            "Job finding from benefit (monthly logit): constant %.2f, WW %+.2f, low %+.2f, high %+.2f,\n"
            "age %+.3f/year over 40, female %+.2f, western %+.2f, non-western %+.2f, emp_prev12/12 %+.2f,\n"
            "ben_prev24/24 %+.2f, log(1 + elapsed months) %+.2f, unobserved trait %+.2f, without benefit %+.2f.\n\n"
            "Job loss (monthly logit): constant %.2f, log(1 + tenure) %+.2f, low %+.2f, BIJSTAND %+.2f, trait %+.2f;\n"
            "job to job %.2f; benefit re-entry after job loss %.2f; BIJSTAND after WW exhaustion %.2f;\n"
            "other benefit exit per month WW %.3f, BIJSTAND %.3f.\n",
            M->het_low, M->het_high, M->het_norecent, M->start_const, M->start_bijstand, M->start_low,
            M->start_high, M->start_norecent, M->start_age, M->start_benhist, M->start_dur, 0.4, M->start_trait,
            M->job_const, M->job_ww, M->job_low, M->job_high, M->job_age, M->job_female, M->job_western,
            M->job_nonwestern, M->job_emp12, M->job_ben24, M->job_dur, M->job_trait, M->job_nonemp,
            M->loss_const, M->loss_tenure, M->loss_low, M->loss_bijstand, M->loss_trait, M->job_to_job,
            M->reentry, M->to_bijstand_after_ww, M->exit_other_ww, M->exit_other_bijstand);
    if (M->trait_two_point)
        fprintf(fp, "\nThe unobserved trait is a two-point type: +1.2247 (40%%) or -0.8165 (60%%), mean 0, SD 1.\n");
    if (M->cyc_job || M->cyc_start || M->cyc_effect)
        fprintf(fp, "\nBusiness cycle c(m) = sin(2 pi (m - 2003-04) / 60) in calendar month m: programme start\n"
                    "logit %+.2f c(m), job finding logit %+.2f c(m), post-programme effect x (1 %+.2f c(m));\n"
                    "context.csv: unemployment rate 6.5 + 1.5 c(m) - 4 x the region's shift (percent).\n",
                M->cyc_start, M->cyc_job, M->cyc_effect);
    if (fclose(fp)) return nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
    return NT_OK;
}

static nt_status check_opts(const nt_simulate_opts *o, nt_error *err)
{
    if (o->persons < 1) return nt_fail(err, NT_EUSAGE, "--persons must be at least 1 (found %ld)", o->persons);
    if (!nt_simulate_scenario_known(o->scenario))
        return nt_fail(err, NT_EUSAGE, "unknown scenario \"%s\" (expected one of: %s)", o->scenario,
                       nt_simulate_scenario_list());
    if (o->delimiter != ',' && o->delimiter != ';' && o->delimiter != '\t')
        return nt_fail(err, NT_EUSAGE, "the delimiter must be ',', ';' or TAB");
    if (o->id_width < 0 || o->id_width > 32) return nt_fail(err, NT_EUSAGE, "--id-width must be 0..32");
    if ((int)o->codes < 0 || o->codes > NT_SIM_CODES_NUMERIC) return nt_fail(err, NT_EUSAGE, "bad codes option");
    return NT_OK;
}

#define BLOCK 16384

/* Creates the temporary sibling folder "<dir>.tmp-XXXXXX" (and dir's parents). */
static nt_status make_tmp_dir(const char *dir, char *tmp, size_t size, nt_error *err)
{
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    snprintf(tmp, size, "%.*s.tmp-XXXXXX", (int)len, dir);
    char parent[4200];
    snprintf(parent, sizeof parent, "%s", tmp);
    char *sl = strrchr(parent, '/');
    if (sl && sl != parent) {
        *sl = 0;
        nt_status st = nt_mkdirs(parent, err);
        if (st) return st;
    }
    if (!mkdtemp(tmp)) return nt_fail(err, NT_EIO, "cannot create a folder beside %s: %s", dir, strerror(errno));
    return NT_OK;
}

/* The per-thread buffers of the spell files and the truth accumulators. */
typedef struct {
    int nth;
    FILE *fps[NFILES];
    sbuf *bufs;         /* nth x NFILES */
    work *works;        /* nth */
    truth_acc *accs;    /* nth */
    long *counts;       /* nth x (NFILES + 3): records per file, participants, deaths, emigrations */
} writer;

static void writer_free(writer *W)
{
    for (int f = 0; f < NFILES; f++)
        if (W->fps[f]) fclose(W->fps[f]);
    if (W->bufs)
        for (int i = 0; i < W->nth * NFILES; i++) free(W->bufs[i].s);
    if (W->works)
        for (int t = 0; t < W->nth; t++) {
            free(W->works[t].f.v);
            free(W->works[t].c.v);
            free(W->works[t].g.v);
        }
    free(W->bufs);
    free(W->works);
    free(W->accs);
    free(W->counts);
}

/* Simulates all persons in blocks of BLOCK, in parallel within a block, and
   appends each block's records to the spell files in person order; then
   closes the files. */
static nt_status write_spells(const nt_simulate_opts *o, const model *M, const fmt *F, writer *W, const char *tmp,
                              nt_error *err)
{
    int nth = W->nth, failed = 0;
    for (long lo = 0; lo < o->persons && !failed; lo += BLOCK) {
        long n = o->persons - lo < BLOCK ? o->persons - lo : BLOCK;
#pragma omp parallel num_threads(nth)
        {
            int tid = omp_get_thread_num(), nt = omp_get_num_threads();
            long a = lo + n * tid / nt, b = lo + n * (tid + 1) / nt;
            sbuf *out = &W->bufs[(size_t)tid * NFILES];
            long *c = &W->counts[(size_t)tid * (NFILES + 3)];
            for (int f = 0; f < NFILES; f++) out[f].n = 0;
            for (long i = a; i < b; i++) {
                if (nt_sim_person_run(M, o->seed, i, &W->works[tid], &W->accs[tid])) {
#pragma omp atomic write
                    failed = 1;
                    break;
                }
                format_person(F, &W->works[tid], out, c);
                const work *w = &W->works[tid];
                if (w->info.treat_month >= 0 && w->info.treat_month < NT_SIM_START_MONTHS) c[NFILES]++;
                if (w->p.death != NT_DAY_NONE) c[NFILES + 1]++;
                if (w->p.emig != NT_DAY_NONE) c[NFILES + 2]++;
            }
        }
        for (int t = 0; t < nth && !failed; t++)
            for (int f = 0; f < NFILES; f++) {
                sbuf *s = &W->bufs[(size_t)t * NFILES + f];
                if (s->oom) failed = 1;
                else if (s->n && fwrite(s->s, 1, s->n, W->fps[f]) != s->n) failed = 2;
            }
    }
    if (failed)
        return failed == 2 ? nt_fail(err, NT_EIO, "cannot write the output files in %s: %s", tmp, strerror(errno))
                           : nt_fail(err, NT_ENOMEM, "out of memory");
    for (int f = 0; f < NFILES; f++) {
        int bad = fflush(W->fps[f]) != 0 || fsync(fileno(W->fps[f])) != 0;
        bad |= fclose(W->fps[f]) != 0;
        W->fps[f] = NULL;
        if (bad) return nt_fail(err, NT_EIO, "cannot write %s in %s: %s", file_names[f], tmp, strerror(errno));
    }
    return NT_OK;
}

/* The threads' counts added up. */
static nt_simulate_summary sum_counts(const writer *W)
{
    nt_simulate_summary S = {0};
    for (int t = 0; t < W->nth; t++) {
        const long *c = &W->counts[(size_t)t * (NFILES + 3)];
        S.persons += c[F_PERSONS];
        S.benefits += c[F_BENEFITS];
        S.programs += c[F_PROGRAMS];
        S.jobs += c[F_JOBS];
        S.participants += c[NFILES];
        S.deaths += c[NFILES + 1];
        S.emigrations += c[NFILES + 2];
    }
    return S;
}

nt_status nt_simulate_write(const nt_simulate_opts *o, const char *dir, nt_simulate_summary *sum, nt_error *err)
{
    nt_status st = check_opts(o, err);
    if (st) return st;
    if (o->id_width > 0 && o->id_width < 19) {
        long lim = 1;
        for (int j = 0; j < o->id_width; j++) lim *= 10;
        if (o->persons >= lim)
            return nt_fail(err, NT_EUSAGE, "--id-width %d is too narrow for %ld persons", o->id_width, o->persons);
    }
    if (nt_dir_nonempty(dir))
        return nt_fail(err, NT_EIO, "output folder %s exists and is not empty; choose a new one", dir);

    /* temporary sibling folder, renamed to dir when complete */
    char tmp[4200];
    if ((st = make_tmp_dir(dir, tmp, sizeof tmp, err))) return st;

    model M;
    nt_sim_model_init(&M, o->scenario);
    fmt F = {o, {o->delimiter, 0}, o->crlf ? "\r\n" : "\n"};
    writer W = {0};
    nt_simulate_summary S = {0};
    W.nth = o->threads > 0 ? o->threads : omp_get_max_threads();
    if (W.nth > 256) W.nth = 256;
    int nth = W.nth;
    W.bufs = calloc((size_t)nth * NFILES, sizeof *W.bufs);
    W.works = calloc((size_t)nth, sizeof *W.works);
    W.accs = calloc((size_t)nth, sizeof *W.accs);
    W.counts = calloc((size_t)nth * (NFILES + 3), sizeof *W.counts);
    char path[4400];
    if (!W.bufs || !W.works || !W.accs || !W.counts) {
        st = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    for (int f = 0; f < NFILES; f++) {
        nt_path_join(path, sizeof path, tmp, file_names[f]);
        W.fps[f] = fopen(path, "wb");
        if (!W.fps[f]) {
            st = nt_fail(err, NT_EIO, "cannot write %s: %s", path, strerror(errno));
            goto done;
        }
        write_header(W.fps[f], &F, f);
    }
    if (nt_sim_job_cuts(&M, o->seed, o->persons, nth, W.works)) {
        st = nt_fail(err, NT_ENOMEM, "out of memory");
        goto done;
    }
    if ((st = write_spells(o, &M, &F, &W, tmp, err))) goto done;
    for (int t = 1; t < nth; t++) nt_sim_truth_merge(&W.accs[0], &W.accs[t]);
    S = sum_counts(&W);
    nt_path_join(path, sizeof path, tmp, "study.ini");
    if ((st = write_study(o, path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth.csv");
    if ((st = nt_sim_truth_write(&W.accs[0], path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth_cost_benefit.csv");
    if ((st = nt_sim_truth_write_cb(&W.accs[0], path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth_region.csv");
    if ((st = nt_sim_truth_write_region(&W.accs[0], path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth_by_start.csv");
    if ((st = nt_sim_truth_write_by_start(&W.accs[0], path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth_compare.csv");
    if ((st = nt_sim_truth_write_cmp(&W.accs[0], path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth_time_to_work.csv");
    if ((st = nt_sim_truth_write_ttw(&W.accs[0], path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "truth_trait.csv");
    if ((M.start_trait != 0 || M.job_trait != 0 || M.loss_trait != 0) &&
        (st = nt_sim_trait_write(&M, o->seed, o->persons, o->id_width, path, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "context.csv");
    if (M.cyc_job && (st = nt_sim_context_write(path, o->delimiter, F.eol, err))) goto done;
    nt_path_join(path, sizeof path, tmp, "README.md");
    if ((st = write_readme(o, &M, &S, path, err))) goto done;
    rmdir(dir);   /* an empty dir may exist; rename needs it gone */
    if (rename(tmp, dir)) {
        st = nt_fail(err, NT_EIO, "cannot rename %s to %s: %s", tmp, dir, strerror(errno));
        goto done;
    }
    if (sum) *sum = S;
done:
    if (st) {
        for (int f = 0; f < NFILES; f++)
            if (W.fps[f]) { fclose(W.fps[f]); W.fps[f] = NULL; }
        remove_tree(tmp);
    }
    writer_free(&W);
    return st;
}
