#!/usr/bin/env bash
# When and in which circumstances (issue 15, docs/heterogeneity.md "In which
# circumstances"): a column of the context table as a derived subgroup
# variable (the regional unemployment rate at the start), and the
# per-start-month intervals of effects_by_start.csv for ipw and aipw.
# On one population of `netto simulate --scenario cycle` (6000 persons,
# seed 4; context.csv, the programme effect follows the cycle):
# - terciles (`unemployment_rate = low, mid, high`): context_groups.csv's
#   cuts ordered and contiguous, each about a third of the programme starts,
#   as many starts as start_months.csv's treated (up to 5% more: those
#   the propensity model drops); where the cuts are the
#   simulator's ranges (7.6 and 8.2 for this seed), the effects equal those
#   of the same groups as ranges;
# - simulator truth (truth.csv's unemployment_rate=0-7.6, 7.7-8.2, 8.3-99:
#   the region's rate in the start month): the cumulative effects at 36 and
#   96 months within 3 SE of the truth, differences.csv's rows within 3 SE
#   of the truth's differences; the truth itself differs (36 months: high
#   above low);
# - effects_by_start.csv: intervals for ipw and aipw (linearised), byte-
#   identical tables for 1 and 2 threads;
# - the report's "for whom and when" chapter: its table and figures; a
#   sentence on a difference only where differences.csv's interval excludes
#   zero, with its numbers; with min_cell above every group no number shown
#   (Dutch);
# - a subgroup variable in neither the cohort nor the context table: an
#   error naming the study line and the table's columns.
set -u
netto=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp="${NT_TMP:-/tmp}/cli_when.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
persons=6000
if [ -n "${NT_SANITIZED:-}" ]; then persons=2500; fi
"$netto" simulate --scenario cycle --persons $persons --seed 4 --out "$tmp/sim" >/dev/null || { echo "FAIL: simulate"; exit 1; }
cd "$tmp/sim" || exit 1
# study SUBGROUPLINE METHOD > ini: programme any, employed and earnings, linearised, the context table
study() {
  sed -e '/^\[subgroups\]/,/^$/d' -e 's/^programs = bemiddeling.*/programs = any/' -e 's/^series = .*/series = employed, earnings/' \
      -e "s/^method = radius/method = $2/" -e 's/^\[inference\]/[inference]\nmethod = linearised/' \
      -e 's/^jobs = jobs.csv/jobs = jobs.csv\ncontext = context.csv/' study.ini
  printf '[subgroups]\n%s\n' "$1"
}
study "unemployment_rate = low, mid, high" ipw > terc.ini
study "unemployment_rate = 0-7.6, 7.7-8.2, 8.3-99" radius > range.ini
study "" aipw | sed 's/^horizon = 96/horizon = 24/' > aipw.ini
for v in terc range aipw; do
  "$netto" run $v.ini --out "$tmp/$v" --threads 2 >"$tmp/$v.log" 2>&1 || { cat "$tmp/$v.log"; fail "netto run $v.ini"; }
done

# ---- terciles at the programme starts
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[FILENAME, $i] = i; next }
  FILENAME ~ /start_months.csv$/ { if ($1 == "any" && $2 == "") tot += $c[FILENAME, "n_treated"]; next }
  { lv[$2] = NR; from[$2] = $c[FILENAME, "value_from"]; to[$2] = $c[FILENAME, "value_to"]; n[$2] = $c[FILENAME, "n_starts"]; sum += n[$2] }
  END {
    printf "terciles: low %s-%s (%d), mid %s-%s (%d), high %s-%s (%d); %d starts, start_months.csv %d\n",
      from["low"], to["low"], n["low"], from["mid"], to["mid"], n["mid"], from["high"], to["high"], n["high"], sum, tot
    if (!(to["low"] < from["mid"] && from["mid"] <= to["mid"] && to["mid"] < from["high"])) bad++
    for (l in n) if (n[l] < 0.25 * sum || n[l] > 0.42 * sum) bad++
    if (sum < tot || sum > 1.05 * tot) bad++   # start_months.csv: after the model drops rows (support, cells)
    exit bad > 0 }' "$tmp/terc/start_months.csv" "$tmp/terc/context_groups.csv" || fail "context_groups.csv terciles"
cuts=$(awk -F, '$2 == "low" || $2 == "mid" { printf "%s ", $4 }' "$tmp/terc/context_groups.csv")
if [ "$cuts" = "7.6 8.2 " ]; then
  # the same persons as the ranges: the same effects (ipw here, so the tercile run again with radius)
  sed 's/^method = ipw/method = radius/' terc.ini > terc_r.ini
  "$netto" run terc_r.ini --out "$tmp/terc_r" >/dev/null 2>&1 || fail "netto run terc_r.ini"
  for l in "low 0-7.6" "mid 7.7-8.2" "high 8.3-99"; do
    set -- $l
    a=$(grep "^any,unemployment_rate=$1," "$tmp/terc_r/effects.csv" | cut -d, -f3-)
    b=$(grep "^any,unemployment_rate=$2," "$tmp/range/effects.csv" | cut -d, -f3-)
    [ -n "$a" ] && [ "$a" = "$b" ] || fail "tercile $1 differs from the range $2"
  done
else
  echo "terciles cut at $cuts(not the simulator's ranges): identity with the ranges not checked"
fi

# ---- simulator truth
t="$tmp/sim/truth.csv"
awk -F, '$1 == "any" && $3 == "employed" && $4 < 36 { c[$2] += $5 }
  END { printf "truth, cumulative employment 36 months: low %.3g, mid %.3g, high %.3g\n",
          c["unemployment_rate=0-7.6"], c["unemployment_rate=7.7-8.2"], c["unemployment_rate=8.3-99"]
        exit !(c["unemployment_rate=8.3-99"] > c["unemployment_rate=0-7.6"] + 0.2) }' "$t" ||
  fail "the simulator's effects do not differ by the unemployment rate at the start"
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($1 == "any") for (h = 36; h <= 96; h += 60) if ($4 < h) tr[$2, $3, h] += $5; next }
  $1 == "any" && $2 ~ /^unemployment_rate=/ && ($4 == 36 || $4 == 96) {
    e = $col[FILENAME, "cumulative_effect"]; se = $col[FILENAME, "cumulative_se"]
    if (e == "" || se == "") next
    d = e - tr[$2, $3, $4]; if (d < 0) d = -d; n++
    printf "  %s %s %d: %.4g vs true %.4g (SE %.3g)\n", $2, $3, $4, e, tr[$2, $3, $4], se
    if (d > 3 * se) bad++ }
  END { printf "unemployment_rate: %d cumulative effects, %d beyond 3 SE of the truth\n", n, bad; exit !(n == 12 && !bad) }' \
  "$t" "$tmp/range/summary.csv" || fail "effects by the unemployment rate vs the truth"
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($1 == "any") tr[$2, $3, $4] = $5; next }
  $col[FILENAME, "variable"] == "unemployment_rate" && $col[FILENAME, "se"] != "" {
    o = $col[FILENAME, "outcome"]; h = $col[FILENAME, "horizon_months"]; lv = $col[FILENAME, "level"]; rf = $col[FILENAME, "reference"]
    if (rf != "unemployment_rate=0-7.6") bad++
    x = 0; for (u = ($col[FILENAME, "estimand"] == "cumulative" ? 0 : h - 1); u < h; u++) x += tr[lv, o, u] - tr[rf, o, u]
    d = $col[FILENAME, "estimate"] - x; if (d < 0) d = -d; n++; ok += d <= 3 * $col[FILENAME, "se"] }
  END { printf "differences unemployment_rate - low: %d rows, %d within 3 SE of the truth\n", n, ok; exit !(n >= 30 && ok >= 0.95 * n && !bad) }' \
  "$t" "$tmp/range/differences.csv" || fail "unemployment_rate differences vs the truth"

# ---- effects_by_start.csv: intervals for ipw and aipw
for v in terc aipw; do
  awk -F, -v run=$v 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["estimate"] != "" && $c["suppressed"] == "" { n++
      if ($c["se"] == "" || $c["ci_lower"] == "" || $c["ci_lower"] > $c["estimate"] || $c["ci_upper"] < $c["estimate"]) bad++ }
    END { printf "effects_by_start (%s): %d rows, %d without a proper interval\n", run, n, bad; exit !(n > 500 && !bad) }' \
    "$tmp/$v/effects_by_start.csv" || fail "effects_by_start.csv intervals ($v)"
done
"$netto" run terc.ini --out "$tmp/terc1" --threads 1 >/dev/null 2>&1 || fail "netto run terc.ini, 1 thread"
for f in context_groups.csv summary.csv differences.csv effects_by_start.csv; do
  cmp -s "$tmp/terc/$f" "$tmp/terc1/$f" || fail "$f differs between 1 and 2 threads"
done

# ---- the report's "for whom and when" chapter (study/nt_run_when.c)
# text of report.html without figures and tags, one line per paragraph or cell
chapter_text() {
  python3 - "$1" "$2" <<'PY'
import html, re, sys
s = open(sys.argv[1], encoding="utf-8").read()
i = s.find(sys.argv[2]); j = s.find("<h1", i + 10)
s = re.sub(r"<svg.*?</svg>", "", s[i:j if j > 0 else None], flags=re.S)
s = re.sub(r"</(p|td|th|h1|h2|caption)>", "\n", s)
print(html.unescape(re.sub(r"<[^>]+>", "", s)))
PY
}
if command -v python3 >/dev/null; then
  chapter_text "$tmp/range/report.html" "For whom and when" > "$tmp/ch_en.txt"
  grep -q "cumulative effect on employment over 96 months by subgroup" "$tmp/ch_en.txt" || fail "no for-whom-and-when table"
  for f in plots/any/for_whom_when.png plots/any/by_start_month.png export/plots/any/for_whom_when.png; do
    [ -s "$tmp/range/$f" ] || fail "$f missing"
  done
  # a sentence "X minus REF is E [L; U]" only with an interval that excludes zero, and the numbers of
  # differences.csv (cumulative employment at 96 months, rounded to one decimal)
  grep -o "[^ ]* minus [^ ]* is [^]]*]" "$tmp/ch_en.txt" | sed 's/â/-/g' > "$tmp/said.txt"
  awk -F, 'NR == FNR { if (FNR == 1) { for (i = 1; i <= NF; i++) c[$i] = i; next }
      if ($c["kind"] == "subgroup" && $c["outcome"] == "employed" && $c["estimand"] == "cumulative" && $c["horizon_months"] == 96) {
        l = $c["level"]; sub(/^[^=]*=/, "", l); want[l] = sprintf("%.1f [%.1f; %.1f]", $c["estimate"], $c["lower"], $c["upper"])
        if ($c["lower"] > 0 || $c["upper"] < 0) nsig++ }; next }
    { n++; split($0, w, " "); got = $0; sub(/^.* is /, "", got); gsub(/-0\.0/, "0.0", got)
      split(got, b, /[][; ]+/); if (!(b[2] > 0 || b[3] < 0)) { bad++; print "  not significant: " $0 }
      if (want[w[1]] != got) { bad++; print "  " $0 " but differences.csv: " want[w[1]] } }
    END { printf "for-whom-and-when sentences: %d stated, %d significant differences in differences.csv\n", n, nsig
          exit bad > 0 || (nsig == 0) != (n == 0) }' "$tmp/range/differences.csv" "$tmp/said.txt" ||
    fail "a sentence states a difference that is not significant or not differences.csv's"
  # disclosure: with min_cell above every group, the chapter shows no number (x), in Dutch
  sed -e 's/^min_cell = .*/min_cell = 100000/' -e 's/^\[disclosure\]/[report]\nlanguage = nl\n\n[disclosure]/' range.ini > hidden.ini
  "$netto" run hidden.ini --out "$tmp/hidden" >/dev/null 2>&1 || fail "netto run hidden.ini"
  chapter_text "$tmp/hidden/report.html" "Voor wie en wanneer" > "$tmp/ch_nl.txt"
  grep -q "cumulatief effect op werk over 96 maanden naar subgroep" "$tmp/ch_nl.txt" || fail "no Dutch chapter"
  grep -q "verschilt geen groep significant van de referentie" "$tmp/ch_nl.txt" || fail "Dutch: no sentence on the differences"
  awk '/^Tabel/ { t = 1; next } t && /^Effecten:/ { t = 0 } t && /[0-9]/ && !/interval$|^[0-9.,]+-[0-9.,]+$/ { bad++; print "  shown: " $0 }
    END { exit bad > 0 }' "$tmp/ch_nl.txt" || fail "the chapter shows numbers that disclosure control hides"
fi

# ---- a variable in neither the cohort nor the context table
study "unemployment = low, mid, high" radius > bad.ini
"$netto" run bad.ini --out "$tmp/bad" >/dev/null 2>"$tmp/bad.err" && fail "an unknown subgroup variable accepted"
grep -q "bad.ini:[0-9]*.*unemployment.*context table.*unemployment_rate" "$tmp/bad.err" ||
  { cat "$tmp/bad.err"; fail "the error does not name the line and the table's columns"; }
study "unemployment_rate = low, middle" radius > bad2.ini
"$netto" run bad2.ini --out "$tmp/bad2" >/dev/null 2>"$tmp/bad2.err" && fail "a level \"middle\" accepted"
grep -q "bad2.ini:[0-9]*.*low, mid, high" "$tmp/bad2.err" || { cat "$tmp/bad2.err"; fail "the level error does not name the line"; }

cd / && rm -rf "$tmp"
[ "$fails" -eq 0 ] && echo "cli_when: all checks passed"
exit "$fails"
