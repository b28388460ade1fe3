/* The run's warnings in the report's language (nt_report_priv.h). The run
   writes its warnings in English (run.log, manifest.json); the report
   matches each against the known wordings below and, in Dutch, prints the
   Dutch sentence with the same numbers and names. A warning no template
   knows is not printed in a Dutch report: the paragraph says how many
   there are and where they stand (run.log, manifest.json), so a reader of
   the Dutch report meets no English sentence.

   Template syntax: "%s" matches any text (as little as the rest allows),
   "%d" one or more digits; the Dutch side names the captures %1..%4. */
#include <stdio.h>
#include <string.h>

#include "report/nt_report_priv.h"

#define MAXCAP 4

static const struct {
    const char *en, *nl;
} templates[] = {
    {"%s input records were rejected (lenient mode); see private/rejects.csv",
     "%1 invoerregels zijn afgewezen (lenient-modus); zie private/rejects.csv"},
    {"%s persons left out: %s is missing", "%1 personen weggelaten: %2 ontbreekt"},
    {"the bootstrap is not valid for nearest-neighbour matching with replacement and a fixed number of neighbours "
     "(Abadie & Imbens 2008)%s",
     "de bootstrap is niet geldig voor nearest-neighbour matching met teruglegging en een vast aantal buren "
     "(Abadie & Imbens 2008): de standaardfouten en intervallen kunnen te groot of te klein zijn; kies liever "
     "method = radius, kernel of ipw, of gebruik de analytische Abadie-Imbens-standaardfouten per startmaand in "
     "effects_by_start.csv (bootstrap = 0)"},
    {"no bootstrap: the SE of ATT(tau) combines the per-start-month Abadie-Imbens variances and ignores the "
     "covariance of controls shared between start months; cumulative effects get no SE",
     "geen bootstrap: de standaardfout van ATT(tau) combineert de Abadie-Imbens-varianties per startmaand en "
     "negeert de covariantie van controles die startmaanden delen; cumulatieve effecten krijgen geen standaardfout"},
    {"no bootstrap: effects of method %s get no standard errors",
     "geen bootstrap: effecten van methode %1 krijgen geen standaardfouten"},
    {"cost-benefit: programme types without a cost (no cost_eur, no [cost]): %s; their later starts count as 0 in "
     "the incremental cost",
     "kosten-baten: trajecttypen zonder kosten (geen cost_eur, geen [cost]): %1; hun latere starts tellen als 0 "
     "mee in de extra kosten"},
};

typedef struct {
    const char *at[MAXCAP];
    size_t len[MAXCAP];
    int n;
} captures;

/* 1 if text matches pattern p entirely; captures filled. */
static int match(const char *p, const char *t, captures *c)
{
    for (;;) {
        if (!*p) return !*t;
        if (p[0] == '%' && (p[1] == 's' || p[1] == 'd')) {
            if (c->n >= MAXCAP) return 0;
            int k = c->n++, digits = p[1] == 'd';
            for (size_t n = 1; t[n - 1]; n++) {  /* at least one character, as few as the rest allows */
                if (digits && (t[n - 1] < '0' || t[n - 1] > '9')) break;
                c->at[k] = t;
                c->len[k] = n;
                if (match(p + 2, t + n, c)) return 1;
            }
            c->n = k;
            return 0;
        }
        if (*p != *t) return 0;
        p++;
        t++;
    }
}

int nt_report_warning_text(nt_lang lang, const char *w, char *buf, size_t size)
{
    if (lang == NT_LANG_EN) {
        snprintf(buf, size, "%s", w);
        return 1;
    }
    for (size_t i = 0; i < sizeof templates / sizeof templates[0]; i++) {
        captures c = {.n = 0};
        if (!match(templates[i].en, w, &c)) continue;
        size_t k = 0;
        for (const char *s = templates[i].nl; *s && k + 1 < size; s++) {
            if (s[0] == '%' && s[1] >= '1' && s[1] < '1' + c.n) {
                int j = s[1] - '1';
                for (size_t m = 0; m < c.len[j] && k + 1 < size; m++) buf[k++] = c.at[j][m];
                s++;
                continue;
            }
            buf[k++] = *s;
        }
        buf[k] = 0;
        return 1;
    }
    return 0;
}
