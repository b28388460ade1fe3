/* The dictionary of nt_lang.h: one row per word, English then Dutch. Dutch
   follows the usage of Dutch evaluation reports (SEO, CPB): "traject",
   "baankans", "procentpunten", "maanden werk", and keeps "lock-in" and
   "break-even" as they are written there. */
#include "report/nt_lang.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const words[NT_W_N][NT_LANG_N] = {
    [NT_W_TITLE] = {"Net effects of reintegration programmes", "Netto-effecten van re-integratietrajecten"},
    [NT_W_STUDY] = {"The study", "Het onderzoek"},
    [NT_W_NAME] = {"Study", "Studie"},
    [NT_W_COHORT] = {"Cohort (benefit schemes)", "Cohort (uitkeringsregelingen)"},
    [NT_W_INFLOW] = {"Inflow", "Instroom"},
    [NT_W_PROGRAMMES] = {"Programmes", "Trajecten"},
    [NT_W_START_MONTHS] = {"Start months (months on benefit)", "Startmaanden (maanden in de uitkering)"},
    [NT_W_HORIZON] = {"Horizon (months since start)", "Horizon (maanden sinds start)"},
    [NT_W_ESTIMATOR] = {"Estimator", "Schatter"},
    [NT_W_INFERENCE] = {"Inference", "Inferentie"},
    [NT_W_DATA_END] = {"Data end", "Einde data"},
    [NT_W_PERSONS] = {"Persons (analysed)", "Personen (geanalyseerd)"},
    [NT_W_SEED] = {"Seed", "Seed"},
    [NT_W_VERSION] = {"Tool version", "Versie van netto"},
    [NT_W_DISCLOSURE] = {"Disclosure control", "Onthullingscontrole"},
    [NT_W_DESCRIPTIVES] = {"Participants and non-participants at inflow",
                           "Deelnemers en niet-deelnemers bij instroom"},
    [NT_W_CHARACTERISTIC] = {"Characteristic", "Kenmerk"},
    [NT_W_PARTICIPANTS] = {"Participants", "Deelnemers"},
    [NT_W_PARTICIPANTS_LC] = {"participants", "deelnemers"},
    [NT_W_NONPARTICIPANTS] = {"Non-participants", "Niet-deelnemers"},
    [NT_W_STD_DIFF] = {"Std. difference", "Gestand. verschil"},
    [NT_W_PROGRAMME] = {"Programme", "Traject"},
    [NT_W_SUBGROUP] = {"Subgroup", "Subgroep"},
    [NT_W_HEADLINE] = {"%s: cumulative effects", "%s: cumulatieve effecten"},
    [NT_W_KEY_FIGURES] = {"%s: lock-in, break-even and costs", "%s: lock-in, break-even en kosten"},
    [NT_W_AFTER] = {"After (months)", "Na (maanden)"},
    [NT_W_MONTHS_EMPLOYED] = {"Months employed", "Maanden werk"},
    [NT_W_EUROS] = {"Earnings (euros)", "Inkomen (euro)"},
    [NT_W_INTERVAL] = {"%g%% interval", "%g%%-interval"},
    [NT_W_LOCKIN_DEPTH] = {"Lock-in depth (percentage points)", "Diepte lock-in (procentpunten)"},
    [NT_W_LOCKIN_MONTH] = {"Month of the deepest lock-in", "Maand van de diepste lock-in"},
    [NT_W_LOCKIN_LENGTH] = {"Lock-in length (months)", "Duur lock-in (maanden)"},
    [NT_W_BREAKEVEN] = {"Break-even month", "Break-evenmaand"},
    [NT_W_BREAKEVEN_LC] = {"break-even", "break-even"},
    [NT_W_COST] = {"Cost per participant (euros)", "Kosten per deelnemer (euro)"},
    [NT_W_NET_BENEFIT] = {"Net benefit after %d months (euros)", "Netto baten na %d maanden (euro)"},
    [NT_W_N_TREATED] = {"Participants (n)", "Deelnemers (n)"},
    [NT_W_MONTHS_SINCE] = {"Months since programme start", "Maanden sinds start traject"},
    [NT_W_MONTHLY] = {"monthly effect", "effect per maand"},
    [NT_W_CUMULATIVE] = {"cumulative effect", "cumulatief effect"},
    [NT_W_POINTWISE] = {"pointwise %g%% interval", "puntsgewijs %g%%-interval"},
    [NT_W_SIMULTANEOUS] = {"simultaneous %g%% band", "simultane %g%%-band"},
    [NT_W_BREAKEVEN_AT] = {"break-even: month %d", "break-even: maand %d"},
    [NT_W_NO_BREAKEVEN] = {"no break-even within %d months", "geen break-even binnen %d maanden"},
    [NT_W_BREAKEVEN_HIDDEN] = {"break-even not shown (disclosure control, min_cell %ld)",
                               "break-even niet getoond (geheimhouding, min_cell %ld)"},
    [NT_W_NONE] = {"none", "geen"},
    [NT_W_NOT_SHOWN] = {"x = not shown (disclosure control, min_cell %ld); \xe2\x80\x93 = none or undefined",
                        "x = niet getoond (geheimhouding, min_cell %ld); \xe2\x80\x93 = geen of niet gedefinieerd"},
    [NT_W_FIGURE] = {"Figure %d", "Figuur %d"},
    [NT_W_TABLE] = {"Table %d", "Tabel %d"},
    [NT_W_SOURCE] = {"Source: %s", "Bron: %s"},
    [NT_W_SOURCE_DEFAULT] = {"own computations with netto %s, study %s", "eigen berekeningen met netto %s, studie %s"},
    [NT_W_ALL_MONTHLY] = {"All programmes: monthly effect", "Alle trajecten: effect per maand"},
    [NT_W_ALL_CUMULATIVE] = {"All programmes: cumulative effect", "Alle trajecten: cumulatief effect"},
    [NT_W_FOR_WHOM] = {"For whom: by %s", "Voor wie: naar %s"},
    [NT_W_FOR_WHOM_AXIS] = {"Cumulative effect after %d months (months employed)",
                            "Cumulatief effect na %d maanden (maanden werk)"},
    [NT_W_DIAGNOSTICS] = {"Diagnostics", "Diagnostiek"},
    [NT_W_OVERLAP] = {"%s: overlap of the propensity score", "%s: overlap van de propensityscore"},
    [NT_W_OVERLAP_X] = {"Propensity score (logit), pooled over start intervals",
                        "Propensityscore (logit), alle startintervallen samen"},
    [NT_W_OVERLAP_Y] = {"Share of rows (%)", "Aandeel (%)"},
    [NT_W_CONTROLS] = {"non-participants", "niet-deelnemers"},
    [NT_W_BALANCE] = {"%s: balance before and after matching", "%s: balans voor en na matching"},
    [NT_W_BALANCE_X] = {"Standardised mean difference", "Gestandaardiseerd verschil in gemiddelden"},
    [NT_W_BEFORE] = {"before", "voor"},
    [NT_W_AFTER_MATCHING] = {"after", "na"},
    [NT_W_WARNINGS] = {"Warnings and skipped start months", "Waarschuwingen en overgeslagen startmaanden"},
    [NT_W_NO_WARNINGS] = {"The run gave no warnings.", "De berekening gaf geen waarschuwingen."},
    [NT_W_SKIPPED] = {"%d start months were skipped (see start_months.csv).",
                      "%d startmaanden zijn overgeslagen (zie start_months.csv)."},
    [NT_W_LEGEND] = {"Effects of participation (ATT) by month since programme start; %s.",
                     "Effecten van deelname (ATT) per maand sinds de start van het traject; %s."},
    [NT_W_N_STATED] = {"n participants = %s", "n deelnemers = %s"},
    [NT_W_EFFECT_OF] = {"%s: effect by month since start", "%s: effect per maand sinds start"},
    [NT_W_CUM_HORIZON] = {"Cumulative effect after %d months", "Cumulatief effect na %d maanden"},
    [NT_W_PP] = {"percentage points", "procentpunten"},
    [NT_W_MONTH] = {"month", "maand"},
    [NT_W_MONTHS] = {"months", "maanden"},
    [NT_W_SUMMARY_CAPTION] = {"Study %s", "Studie %s"},
    [NT_W_WHOLE_COHORT] = {"all", "allen"},
    [NT_W_SHARE_NOTE] = {"Yes/no characteristics as percentages; others as means.",
                         "Ja/nee-kenmerken in procenten; overige als gemiddelde."},
    [NT_W_KIND_NONE] = {"no intervals (no bootstrap)", "geen intervallen (geen bootstrap)"},
    [NT_W_KIND_ANALYTIC] = {"pointwise %g%% intervals: analytic (Abadie-Imbens) standard errors",
                            "puntsgewijze %g%%-intervallen: analytische (Abadie-Imbens) standaardfouten"},
    [NT_W_KIND_BOOTSTRAP] = {"pointwise %g%% percentile intervals from %d bootstrap replicates",
                             "puntsgewijze %g%%-percentielintervallen uit %d bootstrapreplicaties"},
    [NT_W_KIND_LINEARISED] = {"pointwise %g%% intervals from the per-person linearisation",
                              "puntsgewijze %g%%-intervallen uit de linearisatie per persoon"},
    [NT_W_KIND_BAND] = {"dashed: simultaneous %g%% band (sup-t) over all months",
                        "gestreept: simultane %g%%-band (sup-t) over alle maanden"},
    [NT_W_VALUE] = {"Value", "Waarde"},
    [NT_W_MORE_WARNINGS] = {"and %d more (manifest.json lists them all).",
                            "en nog %d (manifest.json noemt ze alle)."},
    [NT_W_INTERVAL_OF] = {"Intervals: %s.", "Intervallen: %s."},
    [NT_W_N_SHORT] = {"n", "n"},
    [NT_W_LINES_ONLY] = {"lines: estimates; each programme's figure shows their intervals (%s)",
                         "lijnen: schattingen; de figuur per traject toont hun intervallen (%s)"},
    [NT_W_SKIPPED_BY] = {"Start months skipped (whole cohort; too few participants, no controls or no "
                         "propensity model): %s.",
                         "Overgeslagen startmaanden (heel cohort; te weinig deelnemers, geen controles of geen "
                         "propensitymodel): %s."},
    [NT_W_CELL_WARNINGS] = {"%d further warnings concern single programmes, subgroups or start months "
                            "(manifest.json, start_months.csv).",
                            "%d verdere waarschuwingen betreffen afzonderlijke trajecten, subgroepen of "
                            "startmaanden (manifest.json, start_months.csv)."},
    [NT_W_OF] = {"%d of %d", "%d van %d"},
    [NT_W_NET_BREAKEVEN_AT] = {"net break-even: month %d", "netto break-even: maand %d"},
    [NT_W_NO_NET_BREAKEVEN] = {"no net break-even within %d months", "geen netto break-even binnen %d maanden"},
    [NT_W_NET_BREAKEVEN_HIDDEN] = {"net break-even not shown (disclosure control, min_cell %ld)",
                                   "netto break-even niet getoond (geheimhouding, min_cell %ld)"},
    [NT_W_START_SPAN] = {"%d\xe2\x80\x93%d; one propensity model per %d start months",
                         "%d\xe2\x80\x93%d; \xc3\xa9\xc3\xa9n propensitymodel per %d startmaanden"},
    [NT_W_UNTRANSLATED] = {"%d further warnings: see run.log and manifest.json.",
                           "Nog %d waarschuwingen staan (in het Engels) in run.log en manifest.json."},
    [NT_W_REPLACE] = {"with replacement", "met teruglegging"},
    [NT_W_NO_REPLACE] = {"without replacement", "zonder teruglegging"},
    [NT_W_CALIPER] = {"caliper %g SD", "caliper %g sd"},
    [NT_W_LINEARISED_DRAWS] = {"linearised (%d multiplier draws)", "gelineariseerd (%d multiplier-trekkingen)"},
    [NT_W_BOOTSTRAP_N] = {"bootstrap (%d replicates)", "bootstrap (%d replicaties)"},
    [NT_W_EXACT_ON] = {"exact on %s", "exact op %s"},
    [NT_W_CAL_QUARTER] = {"inflow quarter", "kwartaal van instroom"},
    [NT_W_CAL_MONTH] = {"inflow month", "maand van instroom"},
    [NT_W_DESC_CAPTION] = {"Characteristics at inflow: participants by programme and non-participants",
                           "Kenmerken bij instroom: deelnemers per traject en niet-deelnemers"},
    [NT_W_PERSONS_N] = {"Persons (n)", "Personen (n)"},
    [NT_W_NOT_IN] = {"not in %s", "niet in %s"},
    [NT_W_DESC_NOTE] = {"Characteristics at inflow. Participants: the persons who started the programme in the start "
                        "months studied; non-participants: the persons not (yet) in any programme at those start "
                        "months, their means per start interval weighted as the participants' (before matching). "
                        "The balance figures (Diagnostics) show the standardised differences before and after "
                        "matching.",
                        "Kenmerken bij instroom. Deelnemers: de personen die in de onderzochte startmaanden aan het "
                        "traject begonnen; niet-deelnemers: de personen die in die startmaanden (nog) in geen enkel "
                        "traject zaten, hun gemiddelden per startinterval gewogen als die van de deelnemers (voor "
                        "matching). De balansfiguren (Diagnostiek) tonen de gestandaardiseerde verschillen voor en "
                        "na matching."},
    [NT_W_DESC_NOTE_PAIRS] = {"Characteristics at inflow. Participants: the persons who started the programme in the "
                              "start months studied; \"not in\": the persons not (yet) in that programme at those "
                              "start months, their means per start interval weighted as the participants' (before "
                              "matching). The balance figures (Diagnostics) show the standardised differences before "
                              "and after matching.",
                              "Kenmerken bij instroom. Deelnemers: de personen die in de onderzochte startmaanden aan "
                              "het traject begonnen; \"niet in\": de personen die in die startmaanden (nog) niet in "
                              "dat traject zaten, hun gemiddelden per startinterval gewogen als die van de deelnemers "
                              "(voor matching). De balansfiguren (Diagnostiek) tonen de gestandaardiseerde verschillen "
                              "voor en na matching."},
};

const char *nt_lang_word(nt_lang lang, nt_word w)
{
    if ((unsigned)w >= NT_W_N) return "";
    const char *s = words[w][(unsigned)lang < NT_LANG_N ? lang : NT_LANG_EN];
    return s ? s : words[w][NT_LANG_EN];
}

static const struct {
    const char *series;
    const char *text[4][NT_LANG_N];
    double scale;
} series_words[] = {
    {"employed",
     {{"Effect on the employment rate (percentage points)", "Effect op de baankans (procentpunten)"},
      {"Cumulative effect (months employed)", "Cumulatief effect (maanden werk)"},
      {"employment", "werk"},
      {"Months employed", "Maanden werk"}},
     100},
    {"earnings",
     {{"Effect on monthly earnings (euros)", "Effect op het maandinkomen (euro)"},
      {"Cumulative effect on earnings (euros)", "Cumulatief effect op inkomen (euro)"},
      {"earnings", "inkomen"},
      {"Earnings (euros)", "Inkomen (euro)"}},
     1},
    {"on_benefit",
     {{"Effect on benefit receipt (percentage points)", "Effect op uitkeringsontvangst (procentpunten)"},
      {"Cumulative months on benefit saved", "Bespaarde maanden uitkering (cumulatief)"},
      {"benefit receipt", "uitkering"},
      {"Benefit months saved", "Bespaarde uitkeringsmaanden"}},
     100},
    {"on_index_benefit",
     {{"Effect on receipt of the index benefit (percentage points)",
       "Effect op ontvangst van de instroomuitkering (procentpunten)"},
      {"Cumulative months on the index benefit saved", "Bespaarde maanden instroomuitkering (cumulatief)"},
      {"index benefit", "instroomuitkering"},
      {"Index benefit months saved", "Bespaarde maanden instroomuitkering"}},
     100},
    {"in_program",
     {{"Effect on programme participation (percentage points)", "Effect op deelname aan trajecten (procentpunten)"},
      {"Cumulative effect (months in a programme)", "Cumulatief effect (maanden in een traject)"},
      {"programme participation", "trajectdeelname"},
      {"Months in a programme", "Maanden in een traject"}},
     100},
};

const char *nt_lang_series(nt_lang lang, const char *series, int kind, double *scale)
{
    if ((unsigned)lang >= NT_LANG_N) lang = NT_LANG_EN;
    for (size_t i = 0; i < sizeof series_words / sizeof series_words[0]; i++) {
        if (strcmp(series_words[i].series, series)) continue;
        if (scale) *scale = kind == 0 ? series_words[i].scale : 1;
        return series_words[i].text[kind >= 0 && kind <= 3 ? kind : 2][lang];
    }
    if (scale) *scale = 1;
    return series;
}

void nt_lang_date(nt_lang lang, int year, int month, int day, char *buf, size_t size)
{
    static const char *const names[NT_LANG_N][12] = {
        {"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
         "November", "December"},
        {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
         "november", "december"}};
    const char *m = month >= 1 && month <= 12 ? names[(unsigned)lang < NT_LANG_N ? lang : 0][month - 1] : "?";
    if (day > 0) snprintf(buf, size, "%d %s %d", day, m, year);
    else snprintf(buf, size, "%s %d", m, year);
}

void nt_lang_num(nt_lang lang, double v, int dec, char *buf, size_t size)
{
    if (!isfinite(v)) { snprintf(buf, size, "%s", ""); return; }
    char num[64];
    snprintf(num, sizeof num, "%.*f", dec, fabs(v));
    int zero = 1;  /* "-0.0" reads as 0.0 */
    for (const char *c = num; *c; c++) zero &= *c == '0' || *c == '.';
    const char *thou = lang == NT_LANG_NL ? "." : ",", *point = lang == NT_LANG_NL ? "," : ".";
    char *dot = strchr(num, '.');
    size_t ilen = dot ? (size_t)(dot - num) : strlen(num), k = 0;
    char out[128];
    if (v < 0 && !zero) { memcpy(out, "\xe2\x88\x92", 3); k = 3; }
    for (size_t i = 0; i < ilen && k < sizeof out - 8; i++) {
        out[k++] = num[i];
        size_t left = ilen - i - 1;
        if (left > 0 && left % 3 == 0) out[k++] = thou[0];
    }
    if (dot) {
        out[k++] = point[0];
        for (const char *c = dot + 1; *c && k < sizeof out - 1; c++) out[k++] = *c;
    }
    out[k] = 0;
    snprintf(buf, size, "%s", out);
}
