/* The report's section "Matching and timing-of-events" (`[estimator]
   method = toe`, docs/toe.md): per programme a table of both estimators'
   cumulative effects on employment at 12, 36 and 96 months (those up to the
   horizon) and a figure of both monthly paths and both cumulative paths
   with their intervals, and one paragraph on what differs in the
   assumptions. As everything in report/, from plain numbers that study/
   has already put through disclosure control (NaN: not shown, or none).
   A chapter of the report (nt_report_chapter): compose =
   nt_report_toe_compose, data = the nt_report_toe. */
#ifndef NT_REPORT_TOE_H
#define NT_REPORT_TOE_H

#include "report/nt_doc.h"
#include "report/nt_report.h"

#define NT_REPORT_TOE_CUMS 3   /* the table's months: 12, 36, 96 */

typedef struct {
    const char *name;
    int mass_points;           /* K of the timing-of-events fit */
    /* [H] employment rate as a share (monthly) and months employed
       (cumulative); lower/upper the pointwise interval. */
    const double *m, *m_lower, *m_upper, *t, *t_lower, *t_upper;
    const double *mc, *mc_lower, *mc_upper, *tc, *tc_lower, *tc_upper;
    nt_report_value m_at[NT_REPORT_TOE_CUMS], t_at[NT_REPORT_TOE_CUMS]; /* cumulative at 12/36/96 */
} nt_report_toe_program;

typedef struct nt_report_toe nt_report_toe;

/* The draw data of one programme's figure. */
typedef struct {
    const nt_report *r;
    const nt_report_toe *t;
    int prog;
} nt_report_toe_fig;

struct nt_report_toe {
    int n_programs;
    const nt_report_toe_program *program;
    const char *matching_method;   /* "radius", ... */
    const char *assumptions;       /* the paragraph */
    nt_report_toe_fig *figs;       /* n_programs slots, filled by compose; live as long as the report */
};

/* nt_report_chapter's compose: data is the nt_report_toe. */
void nt_report_toe_compose(nt_doc *d, const nt_report *r, const void *data);

#endif
