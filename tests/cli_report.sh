#!/usr/bin/env bash
# The report of `netto run` (issue 12) for a small simulated study, in
# English and in Dutch: report.html self-contained (inline SVG, no external
# file, script or font), report.pdf (A4 pages, text via pdftotext), every
# programme and subgroup present, a source line under every table and
# figure, the headline numbers of summary.md equal to summary.csv at the
# rounding shown, summary.tex booktabs without scientific notation, the
# plots folder per programme, and the report in export/.
set -u
netto=$1
tmp="${NT_TMP:-/tmp}/cli_report.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
have() { command -v "$1" >/dev/null 2>&1; }
. "$(dirname "$0")/study_ini.sh"

"$netto" simulate --persons 2500 --seed 12 --out "$tmp/sim" >/dev/null || { echo "FAIL: simulate"; exit 1; }
study() { # name language [source]
  study_ini "$1" 3 "scholing, any" 0:11 "" 60 ipw \
    "covariates = age, sex, education, migration, scheme, emp_prev12, emp_prev24, earn_prev12, ben_prev24" \
    "[outcomes]" "series = employed, earnings, on_benefit" "[inference]" "method = linearised" "bootstrap = 0" \
    "[subgroups]" "education = low, mid, high" "emp_prev12 = 0-0, 1-12" "[cost]" "scholing = 4500" "[disclosure]" \
    "min_cell = 10" "[report]" "language = $2" "${3:+source = $3}" > "$tmp/sim/$1.ini"
}
study rep_en en
study rep_nl nl "CBS, bewerking test"

for lang in en nl; do
  S="$tmp/sim/results/rep_$lang"
  "$netto" run "$tmp/sim/rep_$lang.ini" --out "$S" >/dev/null 2>&1 || { fail "$lang: run"; continue; }
  H="$S/report.html"
  for f in report.html report.pdf summary.md summary.tex export/report.html export/report.pdf export/summary.md \
           plots/scholing/effects.png plots/scholing/effects.pdf plots/any/overlap.png plots/any/balance.pdf \
           plots/all_programmes_monthly.png plots/all_programmes_cumulative.pdf plots/for_whom_education.png \
           plots/for_whom_emp_prev12.pdf export/plots/scholing/effects.png; do
    [ -s "$S/$f" ] || fail "$lang: $f missing"
  done
  cmp -s "$S/report.pdf" "$S/export/report.pdf" || fail "$lang: export/report.pdf is not the run's"
  # The plots folder: what the report shows, per programme a folder.
  n=$(find "$S/plots" -type f | wc -l)
  [ "$n" = 28 ] || fail "$lang: plots/ holds $n files, want 28 (2 x 3 per programme, 4 together, 4 for whom, 2 x 2 per programme for whom and when)"

  # Self-contained HTML: figures inline, nothing fetched.
  if grep -Eqi '<script|<link|<img|<iframe| src=|href="(http|file|/|\.)|url\((http|file|/|\.)|@import|@font-face' "$H"; then
    fail "$lang: report.html refers to something outside it"
  fi
  svgs=$(grep -o '<svg' "$H" | wc -l)
  [ "$svgs" = 14 ] || fail "$lang: $svgs inline figures, want 14"
  tables=$(grep -o '<table>' "$H" | wc -l); sources=$(grep -o 'class="source"' "$H" | wc -l)
  [ "$sources" = $((tables + svgs)) ] || fail "$lang: $sources source lines for $tables tables and $svgs figures"
  ids=$(grep -o ' id="[^"]*"' "$H" | sort | uniq -d | head -1)
  [ -z "$ids" ] || fail "$lang: duplicate id in report.html: $ids"
  for w in scholing any education emp_prev12 low mid high 0-0 1-12; do
    grep -q ">[^<]*$w" "$H" || fail "$lang: report.html does not name $w"
  done

  if have pdftotext && have pdfinfo; then
    pages=$(pdfinfo "$S/report.pdf" | awk '/^Pages:/ { print $2 }')
    size=$(pdfinfo "$S/report.pdf" | awk '/^Page size:/ { print int($3) "x" int($5) }')
    [ "$size" = 595x841 ] || fail "$lang: report.pdf pages are $size pt, not A4"
    { [ "$pages" -ge 6 ] && [ "$pages" -le 30 ]; } || fail "$lang: report.pdf has $pages pages"
    pdftotext -layout "$S/report.pdf" "$tmp/$lang.txt"
    for w in scholing any education emp_prev12 low mid high 0-0 1-12; do
      grep -q "$w" "$tmp/$lang.txt" || fail "$lang: report.pdf does not name $w"
    done
    if [ "$lang" = nl ]; then
      for w in "Maanden sinds start traject" "Effect op de baankans (procentpunten)" "Cumulatief effect (maanden werk)" \
               "Bron: CBS, bewerking test" "Deelnemers en niet-deelnemers bij instroom" "Voor wie: naar education" \
               "Diagnostiek" "break-even"; do
        grep -q "$w" "$tmp/$lang.txt" || fail "nl: report.pdf lacks \"$w\""
      done
    else
      for w in "Months since programme start" "Effect on the employment rate (percentage points)" \
               "Source: own computations with netto" "pointwise 95% intervals" "simultaneous 95% band"; do
        grep -q "$w" "$tmp/$lang.txt" || fail "en: report.pdf lacks \"$w\""
      done
    fi
    # Dutch asked: no English sentence a reader meets (warnings, notes, the study's facts included).
    if [ "$lang" = nl ]; then
      for w in Source Table Figure Participants participants Warnings warnings skipped months Months \
               "interval from" linearised replacement "whole cohort" "not shown" the and with Characteristic \
               Cumulative "Effect on" "Share of"; do
        grep -qw -- "$w" "$tmp/$lang.txt" && fail "nl: report.pdf has English \"$w\": $(grep -m1 -w -- "$w" "$tmp/$lang.txt")"
      done
    fi
    # One descriptives table, on one page: every programme and the non-participants as columns.
    dp=0
    for ((pg = 1; pg <= pages; pg++)); do
      pdftotext -f $pg -l $pg -layout "$S/report.pdf" "$tmp/page.txt"
      if grep -Eq "Characteristics at inflow|Kenmerken bij instroom" "$tmp/page.txt"; then
        dp=$((dp + 1))
        grep -q "ben_prev24" "$tmp/page.txt" || fail "$lang: the descriptives table does not end on its first page"
        grep -Eq "scholing +any +(Non-participants|Niet-deelnemers)" "$tmp/page.txt" ||
          fail "$lang: the descriptives table's columns are not scholing, any, non-participants"
      fi
    done
    [ "$dp" = 1 ] || fail "$lang: $dp pages with a descriptives table, want 1"
  else
    echo "note: pdftotext/pdfinfo (poppler-utils) not installed: PDF text not checked"
  fi

  # summary.md: the headline numbers are summary.csv's at the rounding shown.
  awk -F, -v lang="$lang" '
    function norm(s, md) { gsub(/\xe2\x88\x92/, "-", s); gsub(/ /, "", s); if (!md) return s
      if (lang == "nl") { gsub(/\./, "", s); gsub(/,/, ".", s) } else gsub(/,/, "", s); return s }
    function fmt(x, d) { if (x == "") return "\xe2\x80\x93"; s = sprintf("%." d "f", x)
      if (s ~ /^-0(\.0*)?$/) sub(/^-/, "", s); return s }
    FNR == 1 && FILENAME ~ /csv$/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
    FILENAME ~ /csv$/ {
      if ($col["subgroup"] != "") next
      k = $col["program"] SUBSEP $col["outcome"] SUBSEP $col["horizon_months"]
      sup[k] = $col["suppressed"]; cum[k] = $col["cumulative_effect"]
      lo[k] = $col["cumulative_ci_lower"]; hi[k] = $col["cumulative_ci_upper"]; next }
    /^\*\*/ { prog = $0; sub(/^\*\*/, "", prog); sub(/:.*/, "", prog); head = ""; next }
    /^\| / && head == "" { head = $0; next }
    /^\|[:-]/ { next }
    /^\| [0-9]+ \|/ && (head ~ /After \(months\)/ || head ~ /Na \(maanden\)/) {
      n = split($0, c, /\|/)
      h = c[2] + 0
      for (j = 0; j < 2; j++) {
        oc = j == 0 ? "employed" : "earnings"; d = j == 0 ? 1 : 0
        k = prog SUBSEP oc SUBSEP h
        if (!(k in cum)) { print "no summary.csv row for " prog " " oc " " h; bad = 1; continue }
        want = sup[k] != "" ? "x" : fmt(cum[k], d)
        wci = sup[k] != "" ? "x" : (lo[k] == "" || hi[k] == "") ? "\xe2\x80\x93" : "[" fmt(lo[k], d) ";" fmt(hi[k], d) "]"
        if (norm(c[3 + 2 * j], 1) != norm(want, 0) || norm(c[4 + 2 * j], 1) != norm(wci, 0)) {
          print prog ", " oc ", " h ": summary.md " c[3 + 2 * j] c[4 + 2 * j] " vs summary.csv " want " " wci; bad = 1 }
        compared++ }
    }
    END { if (compared < 16) { print "compared only " compared " cells"; bad = 1 }; exit bad }' \
    "$S/summary.csv" "$S/summary.md" || fail "$lang: summary.md headline numbers differ from summary.csv"
  # Units: the lock-in depth in percentage points, as the figure's axis (summary.csv: a share).
  awk -F, -v lang="$lang" '
    FNR == 1 && FILENAME ~ /csv$/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
    FILENAME ~ /csv$/ { if ($col["subgroup"] == "" && $col["outcome"] == "employed" && $col["horizon_months"] == 60)
                          d[$col["program"]] = $col["suppressed"] != "" ? "x" : sprintf("%.1f", 100 * $col["lockin_depth"]); next }
    /^\*\*/ { prog = $0; sub(/^\*\*/, "", prog); sub(/:.*/, "", prog); next }
    /^\| (Lock-in depth|Diepte lock-in)/ { split($0, c, /\|/); v = c[3]; gsub(/ /, "", v); gsub(/\xe2\x88\x92/, "-", v)
      if (lang == "nl") sub(/,/, ".", v); if (v == "-0.0") v = "0.0"; w = d[prog]; if (w == "-0.0") w = "0.0"
      if (v != w) { print prog ": lock-in depth " v " vs summary.csv " w; bad = 1 }; n++ }
    END { exit bad || n != 2 }' "$S/summary.csv" "$S/summary.md" || fail "$lang: lock-in depth not in percentage points of summary.csv"
  # The net benefit and its interval: cost_benefit.csv's (society, undiscounted, horizon) at whole euros.
  awk -F, -v lang="$lang" '
    function norm(s) { gsub(/\xe2\x88\x92/, "-", s); gsub(/ /, "", s)
      if (lang == "nl") { gsub(/\./, "", s); gsub(/,/, ".", s) } else gsub(/,/, "", s); return s }
    function fmt(x) { if (x == "") return "\xe2\x80\x93"; s = sprintf("%.0f", x); if (s == "-0") s = "0"; return s }
    FNR == 1 && FILENAME ~ /csv$/ { for (i = 1; i <= NF; i++) col[$i] = i; next }
    FILENAME ~ /csv$/ { if ($col["subgroup"] == "" && $col["horizon_months"] == 60 && $col["perspective"] == "society" &&
                          $col["discount_rate"] == "0") { lo[$col["program"]] = $col["net_benefit_ci_lower"]
                          hi[$col["program"]] = $col["net_benefit_ci_upper"] }; next }
    /^\*\*/ { prog = $0; sub(/^\*\*/, "", prog); sub(/:.*/, "", prog); next }
    /^\| (Net benefit|Netto baten)/ { split($0, c, /\|/)
      want = lo[prog] != "" && hi[prog] != "" ? "[" fmt(lo[prog]) ";" fmt(hi[prog]) "]" : "\xe2\x80\x93"
      if (norm(c[3]) == "x") want = "x"   # summary.csv withholds the net benefit: its interval goes with it
      if (norm(c[4]) != norm(want)) { print prog ": net benefit interval " c[4] " vs cost_benefit.csv " want; bad = 1 }
      if (c[4] ~ /\[/) shown++
      n++ }
    END { if (!shown) print "no net benefit interval shown"; exit bad || n != 2 || !shown }' "$S/cost_benefit.csv" "$S/summary.md" || fail "$lang: net benefit interval differs from cost_benefit.csv"
  grep -Eq '[0-9]e[+-][0-9]' "$S/summary.md" "$S/summary.tex" && fail "$lang: scientific notation in summary.md/.tex"
  grep -q 'documentclass\[10pt,a4paper\]' "$S/summary.tex" && grep -q '\\toprule' "$S/summary.tex" &&
    grep -q '\\usepackage{booktabs}' "$S/summary.tex" || fail "$lang: summary.tex is not a 10pt booktabs document"
  grep -q "rep\\\\_$lang" "$S/summary.tex" || fail "$lang: summary.tex captions lack the study name"
done
# Dutch numbers: decimal commas in the Dutch tables, points in the English.
grep -q '| [0-9]*,[0-9] |' "$tmp/sim/results/rep_nl/summary.md" || fail "nl: no decimal comma in summary.md"
grep -q '| [0-9]*\.[0-9] |' "$tmp/sim/results/rep_en/summary.md" || fail "en: no decimal point in summary.md"

[ "$fails" = 0 ] && rm -rf "$tmp"
echo "cli_report: $fails failure(s)"
[ "$fails" = 0 ]
