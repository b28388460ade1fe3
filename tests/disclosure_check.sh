#!/usr/bin/env bash
# The output checker of docs/disclosure.md, as a program: scans every file of
# a `netto run` export folder and proves, column by column, that no number
# rests on fewer than MIN_CELL persons and that none can be derived by one
# difference:
#   - the folder: only tables, plots, manifest.json and disclosure.txt; no
#     person-level file, no file path in the manifest, cleared_for_export;
#   - every count column (n_*): 0 or >= MIN_CELL, and a multiple of ROUND,
#     so two counts (consecutive months, a total and its parts) never differ
#     by an exact number of persons;
#   - effects.csv, effects_by_start.csv: a shown statistic has both sides
#     (treated, controls actually used) shown and >= MIN_CELL; differences.csv:
#     both estimates' treated;
#   - means, shares and effects (and intervals around them): printed as a
#     multiple of a 1-2-5 step of at least 1 / (n - ROUND/2), n the row's
#     published persons, so their digits do not give a denominator away;
#   - secondary suppression: in every table with a subgroup column, no
#     cell is suppressed in exactly one level of a subgroup variable while
#     the total (subgroup "") and another level show it (total minus the
#     other levels would give it back);
#   - dominance: disclosure.txt states the rule and its thresholds (the
#     contributions themselves are not in the export);
#   - summary.csv: a shown total at horizon h has no suppressed month < h in
#     effects.csv (totals minus parts);
#   - balance.csv: a shown share of a binary level ("x=level") among the
#     treated of an interval: every n_treated consistent with the rounded
#     count and the share's digits gives >= MIN_CELL persons with and
#     without the level (share x n rule, done as a reader would);
#   - pscore.csv: a shown level's coefficient has its balance row shown; a
#     start month's has that month's treated and controls >= MIN_CELL;
#   - summary.md (the report's tables): "x" exactly where summary.csv's
#     row is suppressed, counts 0 or >= MIN_CELL and rounded; summary.tex
#     the same cells as summary.md;
#   - manifest.json counts and warnings: no count of 1..MIN_CELL-1.
# Usage: disclosure_check.sh EXPORT_DIR MIN_CELL ROUND; exit 0 if all hold.
set -u
dir=$1; m=$2; r=$3
bad=0
fail() { echo "disclosure_check: $*"; bad=1; }

[ -f "$dir/disclosure.txt" ] || fail "no disclosure.txt"
[ -f "$dir/manifest.json" ] || fail "no manifest.json"
while IFS= read -r f; do
  case "$f" in
    *.csv|*.md|*.tex|*.png|*.pdf|*/report.html|*/manifest.json|*/disclosure.txt) ;;
    *) fail "unexpected file in export: $f" ;;
  esac
  case "$f" in *cohort*|*rejects*|*private*|*.h5|*tmp-*) fail "person-level or temporary file in export: $f" ;; esac
done < <(find "$dir" -type f)
[ -z "$(find "$dir" -mindepth 1 -type d ! -path "$dir/plots" ! -path "$dir/plots/*")" ] || fail "unexpected folder in export"
grep -q '"cleared_for_export":[[:space:]]*true' "$dir/manifest.json" || fail "manifest not cleared_for_export"
grep -E '"(path|persons|benefits|programs|jobs|store|out)":[[:space:]]*"[^"]*/' "$dir/manifest.json" && fail "a file path in the manifest"

# Count columns, all CSVs.
for f in "$dir"/*.csv; do
  awk -F, -v m="$m" -v r="$r" -v f="$(basename "$f")" '
    NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^n_/) cnt[i] = $i; next }
    { for (i in cnt) if ($i != "") {
        if ($i > 0 && $i < m) { printf "%s:%d: %s = %s below %d\n", f, NR, cnt[i], $i, m; bad = 1 }
        if (r > 1 && $i % r != 0) { printf "%s:%d: %s = %s not a multiple of %d\n", f, NR, cnt[i], $i, r; bad = 1 } } }
    END { exit bad }' "$f" || fail "$(basename "$f"): counts"
done

# Both sides of every shown statistic.
both_sides() { # file treated_col control_col
  [ -f "$dir/$1" ] || return 0
  awk -F, -v m="$m" -v t="$2" -v c="$3" -v f="$1" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    $col["estimate"] != "" || $col["se"] != "" {
      if ($col[t] == "" || $col[t] < m || $col[c] == "" || $col[c] < m) {
        printf "%s:%d: a statistic on %s treated and %s controls\n", f, NR, $col[t], $col[c]; bad = 1 } }
    END { exit bad }' "$dir/$1" || fail "$1: a statistic on fewer than $m persons"
}
both_sides effects.csv n_treated_matched n_control_used
both_sides effects_by_start.csv n_treated_matched n_control_used
both_sides differences.csv n_treated n_treated_reference
head -1 "$dir/effects_by_start.csv" 2>/dev/null | grep -q n_control_used || fail "effects_by_start.csv: no n_control_used column"

# Precision: a mean on n persons is a multiple of a 1-2-5 step >= 1/(n - r/2).
precision() { # file "mean columns" "count columns"
  [ -f "$dir/$1" ] || return 0
  awk -F, -v r="$r" -v means="$2" -v counts="$3" -v f="$1" '
    function on_step(v, need,   e, j, s, x) {
      for (e = 0; e < 15; e++) for (j = 1; j <= 3; j++) {
        s = (j == 1 ? 1 : (j == 2 ? 0.5 : 0.2)) / 10 ^ e
        if (s < need * (1 - 1e-9)) return 0
        x = v / s; if ((x - int(x) < 1e-6 && int(x) - x < 1e-6) || x - int(x) > 1 - 1e-6 || int(x) - x > 1 - 1e-6) return 1 }
      return 0 }
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; nm = split(means, mc, " "); nc = split(counts, cc, " "); next }
    { n = -1
      for (q = 1; q <= nc; q++) { v = $col[cc[q]]; if (v != "" && (n < 0 || v + 0 < n)) n = v + 0 }
      if (n <= 0) next
      d = n - int(r / 2); if (d < 1) d = 1
      for (q = 1; q <= nm; q++) {
        if (!(mc[q] in col)) continue
        v = $col[mc[q]]; if (v == "" || v ~ /Inf/) continue
        if (!on_step(v + 0, 1 / d)) { printf "%s:%d: %s = %s is finer than 1/%d (its %d persons)\n", f, NR, mc[q], v, d, n; bad = 1 } } }
    END { exit bad }' "$dir/$1" || fail "$1: a mean printed precisely enough to give its denominator"
}
precision effects.csv "estimate ci_lower ci_upper band_lower band_upper" "n_treated_matched n_control_used"
precision effects_by_start.csv "estimate" "n_treated_matched n_control_used"
precision differences.csv "estimate lower upper" "n_treated n_treated_reference"
precision balance.csv "mean_treated mean_control_before mean_control_after mean_treated_after smd_before smd_after var_ratio_before var_ratio_after" "n_treated"
precision summary.csv "cumulative_effect cumulative_ci_lower cumulative_ci_upper lockin_depth lockin_depth_ci_lower lockin_depth_ci_upper cost_per_participant net_benefit" "n_treated"

# Totals minus parts across subgroup levels: a cell suppressed in exactly
# one level of a variable (of two or more levels) while the total and
# another level show it.
for f in "$dir"/*.csv; do
  head -1 "$f" | grep -q '^program,subgroup,' || continue
  awk -F, -v f="$(basename "$f")" '
    NR == 1 { for (i = 1; i <= NF; i++) { name[i] = $i; if ($i == "suppressed") sc = i
                key[i] = ($i ~ /^(program|outcome|month|estimand|method|start_month|start_interval|covariate|term|horizon_months)$/) }
              nf = NF; next }
    { k = ""; for (i = 1; i <= nf; i++) if (key[i]) k = k "\t" $i
      g = $2; v = g; sub(/=.*/, "", v)
      delete sup; ns0 = split($sc, sl, "|"); for (q = 1; q <= ns0; q++) sup[sl[q]] = 1
      if (g == "") { for (i = 1; i <= nf; i++) if (!key[i] && i != sc && $i != "") tot[k "\001" i] = 1; next }
      if (!((k "\001" v "\001" g) in seen)) { seen[k "\001" v "\001" g] = 1; levels[k "\001" v]++ }
      for (i = 1; i <= nf; i++) {
        if (key[i] || i == 2 || i == sc) continue
        id = k "\001" v "\001" i; K[id] = k; KV[id] = k "\001" v; I[id] = i
        if ($i == "" && (name[i] in sup)) { ns[id]++; at[id] = NR }
        else if ($i != "") nshow[id]++ } }
    END { for (id in ns)
            if (ns[id] == 1 && levels[KV[id]] >= 2 && nshow[id] > 0 && ((K[id] "\001" I[id]) in tot)) {
              printf "%s:%d: %s suppressed in one level only: the total minus the other levels gives it\n", f, at[id], name[I[id]]; bad = 1 }
          exit bad }' "$f" || fail "$(basename "$f"): a suppressed level recovered by one difference"
done
grep -q "Dominance" "$dir/disclosure.txt" || fail "disclosure.txt does not state the dominance rule"

# Totals minus parts: a shown total at horizon h rests on no suppressed month < h.
awk -F, '
  FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] {
    if ($col[FILENAME, "estimand"] == "ATT" && $col[FILENAME, "suppressed"] ~ /(^|\|)estimate(\||$)/) {
      k = $1 SUBSEP $2 SUBSEP $3; mo = $col[FILENAME, "month"]
      if (!(k in first) || mo < first[k]) first[k] = mo }
    next }
  { k = $1 SUBSEP $2 SUBSEP $3; h = $col[FILENAME, "horizon_months"]
    shown = 0
    for (i = col[FILENAME, "cumulative_effect"]; i <= NF; i++) if ($i != "" && i != col[FILENAME, "n_treated"] && i != col[FILENAME, "n_control"] && i != col[FILENAME, "suppressed"] && i != col[FILENAME, "cost_per_participant"]) shown = 1
    if (shown && (k in first) && first[k] < h) {
      printf "summary.csv:%d: a total over %d months shown while month %d is suppressed\n", FNR, h, first[k]; bad = 1 } }
  END { exit bad }' "$dir/effects.csv" "$dir/summary.csv" || fail "summary.csv: a total recovers a suppressed month"

# cost_benefit.csv (a total over months 0..h-1 of a programme and subgroup,
# whatever the outcome): the same rule.
if [ -f "$dir/cost_benefit.csv" ]; then
awk -F, '
  FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] {
    if ($col[FILENAME, "estimand"] == "ATT" && $col[FILENAME, "suppressed"] ~ /(^|\|)estimate(\||$)/) {
      k = $1 SUBSEP $2; mo = $col[FILENAME, "month"]
      if (!(k in first) || mo < first[k]) first[k] = mo }
    next }
  { k = $1 SUBSEP $2; h = $col[FILENAME, "horizon_months"]
    shown = 0
    for (i = col[FILENAME, "incremental_cost"]; i <= NF; i++) if ($i != "" && i != col[FILENAME, "n_treated"] && i != col[FILENAME, "n_control"] && i != col[FILENAME, "suppressed"]) shown = 1
    if (shown && (k in first) && first[k] < h) {
      printf "cost_benefit.csv:%d: a total over %d months shown while month %d is suppressed\n", FNR, h, first[k]; bad = 1 } }
  END { exit bad }' "$dir/effects.csv" "$dir/cost_benefit.csv" || fail "cost_benefit.csv: a total recovers a suppressed month"
fi

# Shares of binary levels among the treated, as a reader would recover them.
awk -F, -v m="$m" -v r="$r" '
  function finest(d,   e, j, s, best) {
    best = 1
    for (e = 0; e < 15; e++) for (j = 1; j <= 3; j++) {
      s = (j == 1 ? 1 : (j == 2 ? 0.5 : 0.2)) / 10 ^ e
      if (s >= (1 / d) * (1 - 1e-9)) best = s; else return best }
    return best }
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i
            if (!("n_treated" in col)) { print "balance.csv: no n_treated column"; bad = 1; exit }
            next }
  $col["covariate"] ~ /=/ && $col["start_interval"] != "all" && $col["mean_treated"] != "" {
    p = $col["mean_treated"] + 0; n = $col["n_treated"]
    if (n == "") { printf "balance.csv:%d: a share without its n\n", NR; bad = 1; next }
    half = (r > 1) ? int(r / 2) : 0
    # read as the rule prints it: to within half the finest step allowed
    d = n - half - r; if (d < 1) d = 1
    u = finest(d)
    # a count below m is disclosed when every (n, count) the numbers admit has one
    small = 1; any = 0
    for (nn = n - half; nn <= n + half; nn++) {
      if (nn <= 0) continue
      lo = int((p - u / 2) * nn - 1e-9); if (lo < 0) lo = 0
      for (c = lo; c <= (p + u / 2) * nn + 1e-9; c++) {
        if (c < (p - u / 2) * nn - 1e-9) continue
        any = 1; if (c >= m && nn - c >= m) small = 0 } }
    if (any && small) {
      printf "balance.csv:%d: %s share %s of n = %d: fewer than %d persons with or without the level\n", NR, $col["covariate"], $col["mean_treated"], n, m
      bad = 1 } }
  END { exit bad }' "$dir/balance.csv" || fail "balance.csv: a share is a count below $m"

# pscore terms: levels as their balance rows, start months as start_months.csv.
awk -F, -v m="$m" '
  FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($col[FILENAME, "mean_treated"] != "") ok[$1, $2, $col[FILENAME, "start_interval"], $col[FILENAME, "covariate"]] = 1; next }
  FILENAME == ARGV[2] { if ($col[FILENAME, "n_treated"] >= m && $col[FILENAME, "n_control"] >= m && $col[FILENAME, "n_treated"] != "" && $col[FILENAME, "n_control"] != "") okk[$1, $2, $col[FILENAME, "start_month"]] = 1; next }
  $col[FILENAME, "estimate"] != "" {
    t = $col[FILENAME, "term"]
    if (t ~ /^start_month=/) { k = substr(t, 13); if (!(($1, $2, k) in okk)) { printf "pscore.csv:%d: %s shown, start month on fewer than %d\n", FNR, t, m; bad = 1 } }
    else if (t ~ /=/ && !(($1, $2, $col[FILENAME, "start_interval"], t) in ok)) { printf "pscore.csv:%d: %s shown, its balance row suppressed\n", FNR, t; bad = 1 } }
  END { exit bad }' "$dir/balance.csv" "$dir/start_months.csv" "$dir/pscore.csv" || fail "pscore.csv: a term on fewer than $m persons"

# Report tables (summary.md, the report's headline, key-figure and "for
# whom" tables): "x" exactly where summary.csv's row is suppressed.
if [ -f "$dir/summary.md" ]; then
  awk -F, -v m="$m" -v r="$r" '
    function cell(i) { v = c[i]; gsub(/^ +| +$/, "", v); return v }
    function count_ok(v) { if (v == "x" || v == "\xe2\x80\x93") return 1
      if (v !~ /^[0-9]+$/ && v !~ /^[0-9][0-9]?[0-9]?([,.][0-9][0-9][0-9])+$/) return 0
      gsub(/[,.]/, "", v); return v == 0 || (v >= m && (r <= 1 || v % r == 0)) }
    function check(k, v, what) {
      if (!(k in sup)) { printf "summary.md: %s has no summary.csv row\n", what; bad = 1; return }
      if ((v == "x") != (sup[k] != "")) { printf "summary.md: %s is \"%s\", summary.csv suppressed \"%s\"\n", what, v, sup[k]; bad = 1 } }
    function check_cell(k, v, what, name,   hid) { # one cell: "x" exactly where summary.csv empties it
      if (!(k in sup)) { printf "summary.md: %s has no summary.csv row\n", what; bad = 1; return }
      hid = index("|" sup[k] "|", "|" name "|") > 0
      if ((v == "x") != hid) { printf "summary.md: %s is \"%s\", summary.csv suppressed \"%s\"\n", what, v, sup[k]; bad = 1 } }
    FILENAME == ARGV[1] {
      if (FNR == 1) { for (i = 1; i <= NF; i++) col[$i] = i; next }
      h = $col["horizon_months"]; if (h > H) H = h
      sup[$1, $2, $3, h] = $col["suppressed"]; next }
    /^\*\*/ { cap = $0; sub(/^\*\*/, "", cap); prog = cap; sub(/:.*/, "", prog)
              var = cap; sub(/^[^:]*: [^ ]+ /, "", var); sub(/ \(.*/, "", var); head = ""; next }
    !/^\|/ { next }
    /^\|[:-]/ { next }
    head == "" { head = $0; n = split($0, c, "|"); delete oc
                 for (i = 2; i < n; i++) { t = cell(i); if (t ~ /^(Months employed|Maanden werk)$/) oc[i] = "employed"
                                           if (t ~ /^(Earnings \(euros\)|Inkomen \(euro\))$/) oc[i] = "earnings" }
                 kind = head ~ /^\| (After|Na) / ? "h" : head ~ /^\| (Programme|Traject) \|/ ? "w" : head ~ /^\|  \|/ ? "k" : ""
                 next }
    { n = split($0, c, "|") }
    kind == "h" { for (i in oc) { check(prog SUBSEP "" SUBSEP oc[i] SUBSEP cell(2), cell(i), prog " " oc[i] " at " cell(2))
                                  check(prog SUBSEP "" SUBSEP oc[i] SUBSEP cell(2), cell(i + 1), prog " " oc[i] " interval at " cell(2)) }; rows++ }
    kind == "w" { g = var "=" cell(3)
                  if (!count_ok(cell(4))) { printf "summary.md: n = %s for %s %s\n", cell(4), cell(2), g; bad = 1 }
                  for (i in oc) check(cell(2) SUBSEP g SUBSEP oc[i] SUBSEP H, cell(i), cell(2) " " g " " oc[i]); rows++ }
    kind == "k" { if (cell(2) ~ /^(Participants|Deelnemers) \(n\)$/) { if (!count_ok(cell(3))) { printf "summary.md: n = %s\n", cell(3); bad = 1 } }
                  else if (cell(2) ~ /^(Cost per participant|Kosten per deelnemer)/)
                    check_cell(prog SUBSEP "" SUBSEP "employed" SUBSEP H, cell(3), prog " " cell(2), "cost_per_participant")
                  else if (cell(2) ~ /^(Net benefit|Netto baten)/)
                    check_cell(prog SUBSEP "" SUBSEP "earnings" SUBSEP H, cell(3), prog " " cell(2), "net_benefit")
                  else check(prog SUBSEP "" SUBSEP "employed" SUBSEP H, cell(3), prog " " cell(2)); rows++ }
    END { if (!rows) { print "summary.md: no report table found"; bad = 1 }; exit bad }' \
    "$dir/summary.csv" "$dir/summary.md" || fail "summary.md"
fi
# summary.tex: the same cells as summary.md, row by row (a head over two lines read as one).
if [ -f "$dir/summary.tex" ]; then
  diff <(grep '^| ' "$dir/summary.md" | sed 's/^| //; s/ |$//; s/ | /\t/g') \
       <(grep ' \\\\$' "$dir/summary.tex" | sed 's/\\begin{tabular}\[b\]{@{}[lr]@{}}\([^}]*\)\\\\\([^}]*\)\\end{tabular}/\1 \2/g
                                                 s/ \\\\$//; s/ & /\t/g; s/\$-\$/\xe2\x88\x92/g; s/--/\xe2\x80\x93/g; s/\\\([_%&#$]\)/\1/g') \
       >/dev/null || fail "summary.tex: its cells are not summary.md's"
fi

# The manifest: person counts and warnings.
awk -v m="$m" '
  /"counts":/ { in_c = 1; next }
  in_c && /}/ { in_c = 0 }
  in_c && /"(persons|records)/ { v = $NF; gsub(/[",]/, "", v); if (v ~ /^[0-9]+$/ && v > 0 && v < m) { print "manifest.json: count " $0; bad = 1 } }
  /"warnings":/ { in_w = 1; next }
  in_w && /^\t\]/ { in_w = 0 }
  in_w && / [1-9] (treated|control|controls|persons|input records)/ { print "manifest.json: warning with an exact small count: " $0; bad = 1 }
  END { exit bad }' "$dir/manifest.json" || fail "manifest.json: a count below $m"

[ $bad = 0 ] && echo "disclosure_check: $dir passed (min_cell $m, round $r)"
exit $bad
