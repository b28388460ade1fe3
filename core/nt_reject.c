/* Reject reason vocabulary (nt_reject.h). */
#include "core/nt_reject.h"

static const char *const names[] = {
    [NT_REJECT_MISSING_VALUE] = "missing_value",
    [NT_REJECT_BAD_DATE] = "bad_date",
    [NT_REJECT_BAD_NUMBER] = "bad_number",
    [NT_REJECT_NEGATIVE_MONEY] = "negative_money",
    [NT_REJECT_BAD_CODE] = "bad_code",
    [NT_REJECT_END_BEFORE_START] = "end_before_start",
    [NT_REJECT_UNKNOWN_PERSON] = "unknown_person",
    [NT_REJECT_DUPLICATE_PERSON] = "duplicate_person",
    [NT_REJECT_COLUMN_COUNT] = "column_count",
    [NT_REJECT_NUL_BYTE] = "nul_byte",
    [NT_REJECT_INVALID_UTF8] = "invalid_utf8",
    [NT_REJECT_BORN_AFTER_INFLOW] = "born_after_inflow",
    [NT_REJECT_MERGED] = "merged",
};
_Static_assert(sizeof names / sizeof names[0] == NT_REJECT_N + 1, "one name per reason, and merged");

const char *nt_reject_reason_name(nt_reject_reason r)
{
    return (unsigned)r <= NT_REJECT_MERGED ? names[r] : "unknown";
}
