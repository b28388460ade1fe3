/* Private to the store's writer and reader (data/nt_store_*.c): the HDF5
   string type both use, so strings read back as they were written. */
#ifndef NT_STORE_H5_H
#define NT_STORE_H5_H

#include <hdf5.h>

/* Fixed-length UTF-8 strings of len bytes (at least 1), NUL-padded. */
static inline hid_t nt_store_str_type(size_t len)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len ? len : 1);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

#endif
