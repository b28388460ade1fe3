/* Reject reasons of the data contract (section 2), in the contract's order:
   the reason column of the rejects report, the counts an ingest reports per
   file and reason, and the store's ingest/rejected columns. A word list
   with codes.

   NT_REJECT_MERGED is not a reason: it labels the rejects report's rows for
   records absorbed into an earlier spell (they are counted apart, as
   merged). It follows the reasons, so a loop over 0..NT_REJECT_N-1 counts
   rejects only. */
#ifndef NT_REJECT_H
#define NT_REJECT_H

typedef enum {
    NT_REJECT_MISSING_VALUE = 0,
    NT_REJECT_BAD_DATE,
    NT_REJECT_BAD_NUMBER,
    NT_REJECT_NEGATIVE_MONEY,
    NT_REJECT_BAD_CODE,
    NT_REJECT_END_BEFORE_START,
    NT_REJECT_UNKNOWN_PERSON,
    NT_REJECT_DUPLICATE_PERSON,
    NT_REJECT_COLUMN_COUNT,
    NT_REJECT_NUL_BYTE,
    NT_REJECT_INVALID_UTF8,
    NT_REJECT_BORN_AFTER_INFLOW,
    NT_REJECT_N,                     /* number of reasons */
    NT_REJECT_MERGED = NT_REJECT_N   /* the rejects report's label for a merged record */
} nt_reject_reason;

/* The contract's name ("missing_value", ..., "merged"); "unknown" otherwise. */
const char *nt_reject_reason_name(nt_reject_reason r);

#endif
