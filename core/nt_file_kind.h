/* The four linked spell files of the data contract, in the contract's
   order: the index of every per-file array (paths, checksums, record and
   reject counts) and the word used for the file in messages, the store's
   attributes and the study file. A word list with codes. The three spell
   tables are the kinds after persons (benefits, programs, jobs). */
#ifndef NT_FILE_KIND_H
#define NT_FILE_KIND_H

typedef enum {
    NT_FILE_PERSONS = 0,
    NT_FILE_BENEFITS,
    NT_FILE_PROGRAMS,
    NT_FILE_JOBS,
    NT_FILE_N
} nt_file_kind;

/* "persons", "benefits", "programs", "jobs"; NULL for another code. */
const char *nt_file_kind_name(nt_file_kind k);

#endif
