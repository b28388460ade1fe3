/* Small statistical helpers every estimator uses, so each is written once. */
#ifndef NT_STATS_H
#define NT_STATS_H

#define NT_Z975 1.959963984540054  /* qnorm(0.975) */

/* Two-sided normal p-value for z. */
double nt_pvalue_normal(double z);
/* Upper-tail chi-square p-value with df degrees of freedom. */
double nt_pvalue_chisq(double x, double df);
/* Quantile of x[0..n-1] (sorted in place) by R's default type 7. */
double nt_quantile_type7(double *x, long n, double prob);
/* Mean and sample standard deviation (n - 1), NaN when undefined. */
void nt_mean_sd(const double *x, long n, double *mean, double *sd);
/* Neumaier-compensated sum, so long sums do not depend on rounding drift. */
double nt_sum(const double *x, long n);

/* Normal-theory (Wald) inference on p coefficients b with standard errors
   se, as R's summary.coxph and summary.glm print it:
     z = b / se,   p_value = 2 (1 - Phi(|z|)),
     ratio = exp(b) (hazard or odds ratio),
     [ratio_lower, ratio_upper] = exp(b -/+ 1.959964 se)   (95%).
   Computed once here; the tables only copy them. */
typedef struct {
    int p;
    double *z, *p_value, *ratio, *ratio_lower, *ratio_upper;
} nt_wald;

/* NULL when out of memory. */
nt_wald *nt_wald_alloc(const double *b, const double *se, int p);
void nt_wald_free(nt_wald *w);

/* Switches GSL's default error handler (which aborts the process) off,
   once per process, unless the caller installed a handler of its own
   before: GSL routines then return their status and the estimators turn it
   into an nt_error. Every public estimator entry point calls it first, so a
   program using the library never aborts inside GSL. Thread-safe. */
void nt_gsl_quiet(void);

#endif
