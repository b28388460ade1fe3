/* The persons' keys (/persons/person_id, docs/store.md), in store order:
   for person-level files under private/ that must be joined back to the
   spell files (private/matching_weights.csv). */
#include "data/nt_store_h5.h"

nt_status nt_store_read_ids(nt_store *st, char ***ids, nt_error *err)
{
    *ids = NULL;
    hid_t d = H5Lexists(st->file, "persons/person_id", H5P_DEFAULT) > 0 ? H5Dopen2(st->file, "persons/person_id", H5P_DEFAULT) : -1;
    long n = 0;
    int r = d < 0 ? -1 : nt_store_h5_strings(d, 0, ids, &n);
    if (d >= 0) H5Dclose(d);
    if (r || n != st->n) {
        if (!r) nt_store_h5_strings_free(*ids, n);
        *ids = NULL;
        return nt_fail_at(err, NT_EINPUT, st->path, 0, NULL, "/persons/person_id cannot be read (a damaged store)");
    }
    return NT_OK;
}

void nt_store_ids_free(nt_store *st, char **ids)
{
    if (ids) nt_store_h5_strings_free(ids, st->n);
}
