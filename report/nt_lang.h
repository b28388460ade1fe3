/* The report's words: one dictionary (English, Dutch) for every label,
   caption, table head, legend and month word of report.html, report.pdf,
   the figures and summary.md/.tex, and the number format of each language
   (English 1,234.5; Dutch 1.234,5; a true minus sign in both). */
#ifndef NT_LANG_H
#define NT_LANG_H

#include <stddef.h>

typedef enum { NT_LANG_EN, NT_LANG_NL, NT_LANG_N } nt_lang;

typedef enum {
    NT_W_TITLE,           /* the report's title */
    NT_W_STUDY, NT_W_NAME, NT_W_COHORT, NT_W_INFLOW, NT_W_PROGRAMMES, NT_W_START_MONTHS, NT_W_HORIZON,
    NT_W_ESTIMATOR, NT_W_INFERENCE, NT_W_DATA_END, NT_W_PERSONS, NT_W_SEED, NT_W_VERSION, NT_W_DISCLOSURE,
    NT_W_DESCRIPTIVES, NT_W_CHARACTERISTIC, NT_W_PARTICIPANTS, NT_W_NONPARTICIPANTS, NT_W_STD_DIFF,
    NT_W_PROGRAMME, NT_W_SUBGROUP, NT_W_HEADLINE, NT_W_KEY_FIGURES, NT_W_AFTER,
    NT_W_MONTHS_EMPLOYED, NT_W_EUROS, NT_W_INTERVAL,
    NT_W_LOCKIN_DEPTH, NT_W_LOCKIN_MONTH, NT_W_LOCKIN_LENGTH, NT_W_BREAKEVEN, NT_W_COST, NT_W_NET_BENEFIT,
    NT_W_N_TREATED, NT_W_MONTHS_SINCE, NT_W_MONTHLY, NT_W_CUMULATIVE, NT_W_POINTWISE, NT_W_SIMULTANEOUS,
    NT_W_BREAKEVEN_AT, NT_W_NO_BREAKEVEN, NT_W_BREAKEVEN_HIDDEN, NT_W_NONE, NT_W_NOT_SHOWN,
    NT_W_FIGURE, NT_W_TABLE, NT_W_SOURCE, NT_W_SOURCE_DEFAULT,
    NT_W_ALL_MONTHLY, NT_W_ALL_CUMULATIVE, NT_W_FOR_WHOM, NT_W_FOR_WHOM_AXIS, NT_W_DIAGNOSTICS,
    NT_W_OVERLAP, NT_W_OVERLAP_X, NT_W_OVERLAP_Y, NT_W_CONTROLS, NT_W_BALANCE, NT_W_BALANCE_X,
    NT_W_BEFORE, NT_W_AFTER_MATCHING, NT_W_WARNINGS, NT_W_NO_WARNINGS, NT_W_SKIPPED,
    NT_W_LEGEND, NT_W_N_STATED, NT_W_EFFECT_OF, NT_W_CUM_HORIZON, NT_W_PP, NT_W_MONTH, NT_W_MONTHS,
    NT_W_SUMMARY_CAPTION, NT_W_WHOLE_COHORT, NT_W_SHARE_NOTE, NT_W_KIND_NONE, NT_W_KIND_ANALYTIC,
    NT_W_KIND_BOOTSTRAP, NT_W_KIND_LINEARISED, NT_W_KIND_BAND, NT_W_VALUE, NT_W_MORE_WARNINGS, NT_W_INTERVAL_OF, NT_W_N_SHORT, NT_W_LINES_ONLY, NT_W_SKIPPED_BY, NT_W_CELL_WARNINGS, NT_W_OF, NT_W_START_SPAN, NT_W_NET_BREAKEVEN_AT, NT_W_NO_NET_BREAKEVEN,
    NT_W_NET_BREAKEVEN_HIDDEN,
    NT_W_PARTICIPANTS_LC, NT_W_BREAKEVEN_LC,
    NT_W_UNTRANSLATED, NT_W_REPLACE, NT_W_NO_REPLACE, NT_W_CALIPER, NT_W_LINEARISED_DRAWS, NT_W_BOOTSTRAP_N,
    NT_W_EXACT_ON, NT_W_CAL_QUARTER, NT_W_CAL_MONTH, NT_W_DESC_CAPTION, NT_W_PERSONS_N, NT_W_NOT_IN, NT_W_DESC_NOTE, NT_W_DESC_NOTE_PAIRS,
    NT_W_N
} nt_word;

/* The word or phrase in a language (printf formats where the English has
   %d, %s or %g: the callers pass the same arguments in both). */
const char *nt_lang_word(nt_lang lang, nt_word w);

/* A panel series' labels: kind 0 the monthly effect's axis ("Effect on the
   employment rate (percentage points)"), 1 the cumulative effect's axis
   ("Cumulative effect (months employed)"), 2 a short name ("employment"),
   3 the cumulative effect's table head ("Months employed").
   *scale (may be NULL): what the monthly effect is multiplied by for its
   axis (100 for 0/1 series: percentage points), 1 for the cumulative
   ones. An unknown series: its name, scale 1. */
const char *nt_lang_series(nt_lang lang, const char *series, int kind, double *scale);

/* "31 December 2012" / "31 december 2012"; "January 2003" (day 0). */
void nt_lang_date(nt_lang lang, int year, int month, int day, char *buf, size_t size);

/* v with dec decimals, thousands grouped, a true minus sign (U+2212);
   NaN -> "" (the caller says what an empty cell means). */
void nt_lang_num(nt_lang lang, double v, int dec, char *buf, size_t size);

#endif
