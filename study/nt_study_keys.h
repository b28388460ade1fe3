/* The keys of the study file, one row each (house style example 4, after
   SQLite's pragma.h). A row says where a key lives (section, name), what it
   holds (type, the field of nt_study at `off`, a second field at `off2` for
   pairs and lists), its default as it would be written in a study file, its
   bounds and the message of a bad value. nt_study.c reads, fills defaults,
   validates and records the manifest by looping over this table; the only
   code per key is a small callback where a key has a structure of its own
   ([subgroups], [cost], decimal) or a rule beyond its value (checks).

   Internal to study/ (and tests/test_study.c, which walks the table). */
#ifndef NT_STUDY_KEYS_H
#define NT_STUDY_KEYS_H

#include <stddef.h>
#include "core/nt_error.h"
#include "report/nt_manifest.h"
#include "study/nt_study.h"

typedef enum {
    NT_KEY_TEXT,   /* char *; `accept` may restrict it */
    NT_KEY_PATH,   /* char *, resolved against the study file's folder */
    NT_KEY_BOOL,   /* int 0/1: yes/no, true/false, on/off, 1/0 */
    NT_KEY_INT,    /* int, lo <= x <= hi */
    NT_KEY_LONG,   /* long, lo <= x <= hi */
    NT_KEY_NUM,    /* double, lo < x < hi (open bounds); the unset word = 0 */
    NT_KEY_SEED,   /* uint64_t */
    NT_KEY_SPAN,   /* "a:b": int a at off, int b at off2, lo <= a <= b <= hi */
    NT_KEY_MONTHS, /* "YYYY-MM:YYYY-MM": calendar month numbers at off and off2, from <= to */
    NT_KEY_DATE,   /* nt_day; NT_DAY_NONE = unset */
    NT_KEY_WORD,   /* an int-sized enum named by `words` */
    NT_KEY_LIST,   /* char ** at off, int count at off2; the unset word = empty list */
    NT_KEY_CUSTOM  /* `parse` and `record` do it all */
} nt_study_key_type;

enum {
    NT_KEY_REQUIRED = 1u, /* no default: an error when missing (the section's header line) */
    NT_KEY_SPELLS = 2u,   /* spell files only: required / recorded only without a store */
    NT_KEY_INGEST = 4u,   /* a setting of `netto ingest`: an error with a store */
    NT_KEY_NONE_OK = 8u   /* the unset word may be written in the file */
};

/* One value to convert: from the file (line > 0), or a row's default (line 0). */
typedef struct {
    const char *section, *key, *value;
    long line;
} nt_study_value;

/* An enum's vocabulary: the code of a name (-1 none) and the name of a code
   (codes 0, 1, ... until "?" or NULL). */
typedef struct {
    int (*parse)(const char *name);
    const char *(*name)(int code);
} nt_study_words;

typedef struct nt_study_key nt_study_key;
struct nt_study_key {
    const char *section;
    const char *name;            /* NULL: any key (a subgroup variable, a programme) */
    nt_study_key_type type;
    size_t off, off2;            /* offsetof(nt_study, ...) */
    const char *def;             /* default as written in a study file; NULL: none
                                    ("<name>" stands for [study] name) */
    double lo, hi;               /* bounds of INT, LONG, NUM and SPAN */
    const char *expected;        /* a bad value: "found \"v\", expected <this>"
                                    (WORD: NULL, the vocabulary is listed) */
    unsigned flags;              /* NT_KEY_* */
    const char *unset;           /* the manifest's word for no value (NULL/0/empty/none) */
    const nt_study_words *words; /* WORD */
    int (*accept)(const char *v);  /* TEXT: the value, LIST: each item; 0 = bad */
    /* CUSTOM: converts one value (from the file or the default). */
    nt_status (*parse)(nt_study *s, const nt_study_key *k, const nt_study_value *v, nt_error *err);
    /* CUSTOM: records the key's settings (a free-key row: all its keys). */
    void (*record)(const nt_study *s, const nt_study_key *k, nt_manifest *m);
    /* After the whole file is read and the rows above have their defaults:
       the rules between keys (store vs spell files, costs vs programmes). */
    nt_status (*check)(nt_study *s, nt_error *err);
};

/* The rules between keys (nt_study_checks.c): [data] (spell files or a
   store), [cost] (evaluated programmes), and warnings for the bootstrap
   with nn and for ipcw_truncate or censoring_model without censoring =
   ipcw. */
nt_status nt_study_check_data(nt_study *s, nt_error *err);
nt_status nt_study_check_costs(nt_study *s, nt_error *err);
nt_status nt_study_check_bootstrap(nt_study *s, nt_error *err);
nt_status nt_study_check_truncate(nt_study *s, nt_error *err);
nt_status nt_study_check_cmodel(nt_study *s, nt_error *err);

/* method = toe (nt_study_toe_keys.c): a cut point (months >= 0), "K" or
   "K1:K2", and the check that sets toe, method and tests the cut lists. */
int nt_study_toe_cut_ok(const char *v);
int nt_study_toe_mass_points_ok(const char *v);
nt_status nt_study_toe_check(nt_study *s, nt_error *err);
/* [estimator] method's words (the matching and weighting methods, then
   toe = NT_METHOD_N) and toe_criterion's (aic 0, bic 1). */
extern const nt_study_words nt_study_toe_method_words, nt_study_toe_criterion_words;
/* A toe cut-list row of the key table (toe_cuts, toe_lockin_cuts,
   toe_post_cuts; expanded in nt_study_keys.c, with its F). */
#define NT_STUDY_TOE_CUTS(name, def, what, ok)                                                                 \
    {"estimator", #name, NT_KEY_LIST, F(name), F(n_##name), def, 0, 0, what " (numbers >= 0, ascending) or none", \
     .flags = NT_KEY_NONE_OK, .unset = "none", .accept = ok}

extern const nt_study_key nt_study_keys[];
extern const int nt_study_n_keys;

/* Converts v into k's field(s) of s; a bad value is NT_EINPUT at v->line. */
nt_status nt_study_key_set(nt_study *s, const nt_study_key *k, const nt_study_value *v,
                           nt_error *err);

/* Records k's resolved value into m's settings under k's section. */
void nt_study_key_record(const nt_study *s, const nt_study_key *k, nt_manifest *m);

/* Frees k's allocated field(s) (TEXT, PATH, LIST; CUSTOM rows free their own). */
void nt_study_key_free(nt_study *s, const nt_study_key *k);

#endif
