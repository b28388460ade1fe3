/* The report's wording of numbers (nt_report_priv.h): values, intervals,
   the break-even statement, the interval's kind, group labels. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/nt_report_priv.h"

#define DASH "\xe2\x80\x93"

const nt_report_path *nt_report_path_of(const nt_report *r, int prog, int group, int outcome)
{
    return &r->path[((size_t)prog * (size_t)r->n_groups + (size_t)group) * (size_t)r->n_outcomes + (size_t)outcome];
}

void nt_report_fmt(const nt_report *r, const nt_report_value *v, double scale, int dec, char *buf, size_t size)
{
    if (v->hidden) snprintf(buf, size, "x");
    else if (!isfinite(v->est)) snprintf(buf, size, DASH);
    else nt_lang_num(r->lang, v->est * scale, dec, buf, size);
}

void nt_report_fmt_ci(const nt_report *r, const nt_report_value *v, double scale, int dec, char *buf, size_t size)
{
    if (v->hidden) { snprintf(buf, size, "x"); return; }
    if (!isfinite(v->lower) || !isfinite(v->upper)) { snprintf(buf, size, DASH); return; }
    char a[64], b[64];
    nt_lang_num(r->lang, v->lower * scale, dec, a, sizeof a);
    nt_lang_num(r->lang, v->upper * scale, dec, b, sizeof b);
    snprintf(buf, size, "[%s; %s]", a, b);
}

void nt_report_interval_text(const nt_report *r, int band, char *buf, size_t size)
{
    double lvl = 100 * r->ci_level;
    switch (r->interval_kind) {
    case 1: snprintf(buf, size, nt_lang_word(r->lang, NT_W_KIND_ANALYTIC), lvl); break;
    case 2: snprintf(buf, size, nt_lang_word(r->lang, NT_W_KIND_BOOTSTRAP), lvl, r->replicates); break;
    case 3: {
        char a[300], b[300];
        snprintf(a, sizeof a, nt_lang_word(r->lang, NT_W_KIND_LINEARISED), lvl);
        snprintf(b, sizeof b, nt_lang_word(r->lang, NT_W_KIND_BAND), lvl);
        if (band) snprintf(buf, size, "%s; %s", a, b);
        else snprintf(buf, size, "%s", a);
        break;
    }
    default: snprintf(buf, size, "%s", nt_lang_word(r->lang, NT_W_KIND_NONE));
    }
}

void nt_report_breakeven_text(const nt_report *r, const nt_report_value *be, int net, char *buf, size_t size)
{
    if (be->hidden)
        snprintf(buf, size, nt_lang_word(r->lang, net ? NT_W_NET_BREAKEVEN_HIDDEN : NT_W_BREAKEVEN_HIDDEN), r->min_cell);
    else if (!isfinite(be->est))
        snprintf(buf, size, nt_lang_word(r->lang, net ? NT_W_NO_NET_BREAKEVEN : NT_W_NO_BREAKEVEN), r->horizon);
    else snprintf(buf, size, nt_lang_word(r->lang, net ? NT_W_NET_BREAKEVEN_AT : NT_W_BREAKEVEN_AT), (int)be->est);
}

const char *nt_report_group_text(const nt_report *r, int group)
{
    const char *g = r->group[group];
    if (!g[0]) return nt_lang_word(r->lang, NT_W_WHOLE_COHORT);
    const char *eq = strchr(g, '=');
    return eq ? eq + 1 : g;
}
