/* The estimator vocabulary every command shares: the method, the common
   support trimming rule and the matching kernel, each with one name table
   (the words of the study file and of `netto match`). */
#ifndef NT_METHOD_H
#define NT_METHOD_H

typedef enum { NT_METHOD_NN = 0, NT_METHOD_RADIUS, NT_METHOD_KERNEL, NT_METHOD_IPW, NT_METHOD_AIPW, NT_METHOD_N } nt_method;
typedef enum { NT_TRIM_NONE = 0, NT_TRIM_MINMAX, NT_TRIM_CRUMP, NT_TRIM_N } nt_trim;
typedef enum { NT_KERNEL_EPANECHNIKOV = 0, NT_KERNEL_GAUSSIAN, NT_KERNEL_UNIFORM, NT_KERNEL_N } nt_kernel;

const char *nt_method_name(nt_method m);   /* "nn", ...; "?" out of range */
const char *nt_trim_name(nt_trim t);       /* "none", "minmax", "crump" */
const char *nt_kernel_name(nt_kernel k);   /* "epanechnikov", "gaussian", "uniform" */

/* The code of a name, or -1. */
int nt_method_parse(const char *name);
int nt_trim_parse(const char *name);
int nt_kernel_parse(const char *name);

/* 1 for nn, radius and kernel. */
int nt_method_is_matching(nt_method m);

#endif
