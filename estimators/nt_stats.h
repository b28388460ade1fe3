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

#endif
