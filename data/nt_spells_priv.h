/* Private to the spell reader's stages (data/nt_spells*.c), not for other
   modules: what nt_spells_read hands from stage to stage.

     nt_cells.c            reading: CSV and ReadStat cells into records
     nt_spells_check.c     checking: per-record validation into the tables below
     nt_spells_merge.c     merging: sort, overlapping spells per person, dictionaries
     nt_spells_rejects.c   rejects: the list, the counts' report, late rejects
     nt_spells.c           the entry point: the stages in order, the result */
#ifndef NT_SPELLS_PRIV_H
#define NT_SPELLS_PRIV_H

#include <stdint.h>
#include "data/nt_arena.h"
#include "data/nt_cells.h"
#include "data/nt_spells.h"
#include "data/nt_strmap.h"

#define NT_SPELLS_REC_MAX 1000   /* bytes of a record kept in the rejects report */
#define NT_SPELLS_KEY_MAX 32     /* bytes of one person key column */
#define NT_SPELLS_MAX_AMOUNT 1e34 /* euros: above, a wage or cost is refused (earnings are float32: FLT_MAX/1e4) */
#define NT_SPELLS_KEY_COLS 8     /* columns of a composite person key */
#define NT_SPELLS_EXTRA_MAX 256  /* extra persons columns */

typedef struct {
    nt_file_kind table;
    long line;
    char *column;
    nt_reject_reason reason;
    char *record;
    char *value, *expected;   /* the bad cell and what was expected (lenient reads), else NULL */
} nt_spells_reject_row;

#define NT_SPELLS_SOFT_KEEP 1000  /* unreadable optional cells kept per column (all are counted) */

/* Person ids, codes and strings live in the arena; the rejects list and
   each file's records (to show a record again) stay with the result. */
struct nt_spells_priv {
    nt_arena a;
    nt_spells_reject_row *rows;
    long n_rows, cap_rows;
    nt_spells_reject_row *soft;   /* lenient: optional cells set missing (nt_spells_optional) */
    long n_soft, cap_soft;
    long soft_kept[NT_SPELLS_OPTIONAL_N];
    int lenient, ignore_unknown;
    nt_cells_kept *records[NT_FILE_N];
    int64_t *person_offset;   /* per person (sorted order): offset of its record */
    char keycol[64];          /* first person key column, for unknown_person rows */
};

/* One spell of any of the three tables while reading and merging. */
typedef struct {
    int32_t person, code;  /* person: index (file order, then sorted); code: scheme or type, 0-based */
    nt_day start, end;
    double a, b;           /* programs: cost | jobs: wage, hours */
    int32_t provider;      /* 1-based code in order of appearance, 0 missing */
    long line;
    int64_t off;
} nt_spell_rec;

typedef struct { nt_spell_rec *v; long n, cap; } nt_spell_vec;

/* Accepted persons records in file order. */
typedef struct {
    long n, cap;
    char **id;
    nt_day *birth, *death, *emig;
    uint8_t *sex, *edu, *mig;
    char **region;
    long *line;
    int64_t *off;
    char decimal;                          /* of the persons file */
    int n_extra;
    int extra_col[NT_SPELLS_EXTRA_MAX];
    char *extra_name[NT_SPELLS_EXTRA_MAX]; /* in the result's arena */
    char **extra[NT_SPELLS_EXTRA_MAX];
} nt_persons_tmp;

/* The checking stage's state over the four files. */
typedef struct {
    const nt_spells_opts *o;
    nt_spells *s;
    struct nt_spells_priv *pv;
    nt_spells_report *rep;
    nt_error *err;
    nt_file_kind t;          /* file being read */
    nt_cells *src;
    const char *path;
    int nkey;
    int keycol[NT_SPELLS_KEY_COLS];
    char keyname[NT_SPELLS_KEY_COLS][64];
    nt_strmap ids;           /* person key -> index in file order, -1 rejected */
    char **pid;              /* accepted person keys in persons-file order */
    long np;
} nt_spells_ctx;

/* checking (nt_spells_check.c) */
nt_status nt_spells_check_key(nt_spells_ctx *c);   /* the --person-key columns */
nt_status nt_spells_check_persons(nt_spells_ctx *c, nt_persons_tmp *P);
nt_status nt_spells_check_table(nt_spells_ctx *c, nt_file_kind t, nt_spell_vec *out, nt_strmap *codes,
                                nt_strmap *prov, nt_day *latest);
void nt_spells_check_free(nt_persons_tmp *P);

/* merging (nt_spells_merge.c) */
void nt_spells_merge_sort(nt_spell_vec *v);
int nt_spells_merge_table(nt_spells *s, nt_file_kind t, nt_spell_vec *v, int ncodes, nt_spells_report *rep);
int nt_spells_merge_dict(const nt_strmap *m, nt_dict *d, int32_t **remap);
void nt_spells_merge_order(const char *const *names, long n, int32_t *order);

/* rejects (nt_spells_rejects.c): a row of the rejects report; text is the
   record as nt_cells_record gives it. Return -1 when out of memory. */
int nt_spells_rejects_add(struct nt_spells_priv *pv, nt_file_kind t, long line, const char *column,
                          nt_reject_reason reason, const char *text);
int nt_spells_rejects_add_merged(nt_spells *s, nt_file_kind t, long line, int64_t offset);

#endif
