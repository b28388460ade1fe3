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
#     additive cell (counts, means, effects, euro sums) is suppressed in
#     exactly one level of a subgroup variable while the total (subgroup
#     "") shows it and every other level shows it or has no persons (total
#     minus the other levels would give it back); summary.csv's cost and
#     net benefit checked as one number over its outcome rows; nested
#     groups (the whole cohort and a level, ranges inside ranges) whose
#     published counts differ by 1 .. MIN_CELL-1;
#   - one difference between tables: differences.csv shown only with both
#     sides shown (effects.csv, summary.csv); cost_benefit.csv's cost,
#     savings and earnings effect alike in both perspectives, its society
#     net benefit at rate 0 only where summary.csv shows it, no net benefit
#     beside a suppressed cost and a shown savings or earnings effect;
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
precision cost_benefit.csv "incremental_cost benefit_savings earnings_effect net_benefit net_benefit_ci_lower net_benefit_ci_upper" "n_treated n_control"
precision summary.csv "cumulative_effect cumulative_ci_lower cumulative_ci_upper lockin_depth lockin_depth_ci_lower lockin_depth_ci_upper cost_per_participant net_benefit" "n_treated"

# Totals minus parts across subgroup levels, in the additive columns (the
# total a person-weighted sum of its levels: counts, means, effects, euro
# sums; not break-even months, lock-in depths, SEs, ratios, coefficients):
# a cell suppressed in exactly one level of a variable while the total
# shows it and every other level shows it or has no persons (an empty cell
# of a row with persons is an unknown part, as a suppressed one).
# summary.csv's cost_per_participant and net_benefit are one number per
# (programme, group, horizon) in every outcome's row: public where any
# copy is shown, checked as one number.
additive_cols() {
  case "$1" in
    effects.csv) echo "estimate ci_lower ci_upper band_lower band_upper" ;;
    summary.csv) echo "cumulative_effect cumulative_ci_lower cumulative_ci_upper" ;;
    balance.csv) echo "mean_treated mean_control_before mean_control_after mean_treated_after" ;;
    effects_by_start.csv) echo "estimate" ;;
    differences.csv) echo "estimate lower upper" ;;
    cost_benefit.csv) echo "incremental_cost benefit_savings earnings_effect net_benefit net_benefit_ci_lower net_benefit_ci_upper" ;;
    *) echo "" ;;
  esac
}
parts_check() { # file additive-columns [merge: key columns left out, the copies of one number]
  awk -F, -v f="$(basename "$1")" -v addl="$2" -v merge="${3:-}" '
    NR == 1 { for (i = 1; i <= NF; i++) { name[i] = $i; if ($i == "suppressed") sc = i
                key[i] = ($i ~ /^(program|outcome|month|estimand|method|start_month|start_interval|covariate|term|horizon_months|kind|variable|level|reference|perspective|discount_rate)$/)
                if (merge != "" && $i == merge) key[i] = 0
                if ($i ~ /^n_/) cnt[i] = 1 }
              na = split(addl, al, " "); for (q = 1; q <= na; q++) add[al[q]] = 1
              for (i = 1; i <= NF; i++) if ((i in cnt) || (name[i] in add)) A[i] = 1
              nf = NF; next }
    { k = ""; for (i = 1; i <= nf; i++) if (key[i]) k = k "\t" $i
      g = $2; v = g; sub(/=.*/, "", v)
      delete sup; ns0 = split($sc, sl, "|"); for (q = 1; q <= ns0; q++) sup[sl[q]] = 1
      persons = -1; for (i in cnt) if ($i != "" && (persons < 0 || $i + 0 < persons)) persons = $i + 0
      for (i in A) {
        st = ($i != "") ? 1 : ((name[i] in sup) ? 2 : (persons == 0 ? 0 : 3))
        if (g == "") { if (st == 1) tot[k "\001" i] = 1; continue }
        id = k "\001" v "\001" i; lev = id "\001" g
        if (!(lev in S) || st == 1 || (st == 2 && S[lev] != 1) || (st == 3 && S[lev] == 0)) S[lev] = st
        if (!(lev in L)) { L[lev] = 1; members[id] = members[id] " " g }
        K[id] = k; I[id] = i; at[id] = NR } }
    END { for (id in members) {
            if (!((K[id] "\001" I[id]) in tot)) continue
            n = split(members[id], gl, " "); sp = 0; un = 0
            for (q = 1; q <= n; q++) { st = S[id "\001" gl[q]]; if (st == 2) sp++; if (st == 3) un++ }
            if (n >= 2 && sp == 1 && un == 0) {
              printf "%s:%d: %s suppressed in one level only: the total minus the other levels gives it\n", f, at[id], name[I[id]]; bad = 1 } }
          exit bad }' "$1"
}
for f in "$dir"/*.csv; do
  head -1 "$f" | grep -q '^program,subgroup,' || continue
  b=$(basename "$f")
  parts_check "$f" "$(additive_cols "$b")" || fail "$b: a suppressed level recovered by one difference"
done
if [ -f "$dir/summary.csv" ]; then
  # (the copies of cost_per_participant and net_benefit across outcome rows)
  parts=$(mktemp)
  awk -F, -v OFS=, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i
                              print "program,subgroup,horizon_months,cost_per_participant,net_benefit,n_treated,n_control,suppressed"; next }
    { print $1, $2, $c["horizon_months"], $c["cost_per_participant"], $c["net_benefit"], $c["n_treated"], $c["n_control"], $c["suppressed"] }'     "$dir/summary.csv" > "$parts"
  parts_check "$parts" "cost_per_participant net_benefit" || fail "summary.csv: a cost or net benefit recovered as the total minus the other levels"
  rm -f "$parts"
fi

# Nested groups (the whole cohort and any level; numeric ranges of one
# variable inside another): two shown rows whose published counts differ by
# 1 .. MIN_CELL-1 give a number on those few persons by one difference.
# (Levels of two variables nested in each other cannot be told from the
# labels: netto checks them on the persons, tests/cli_disclosure.sh proves it.)
for f in "$dir"/*.csv; do
  head -1 "$f" | grep -q '^program,subgroup,' || continue
  b=$(basename "$f")
  awk -F, -v m="$m" -v f="$b" -v addl="$(additive_cols "$b")" '
    function inside(a, b,   ra, rb, va, vb) { # group b inside group a
      if (a == "") return 1
      va = a; sub(/=.*/, "", va); vb = b; sub(/=.*/, "", vb); if (va != vb) return 0
      ra = a; sub(/^[^=]*=/, "", ra); rb = b; sub(/^[^=]*=/, "", rb)
      if (ra !~ /^-?[0-9.]+--?[0-9.]+$/ || rb !~ /^-?[0-9.]+--?[0-9.]+$/) return 0
      match(ra, /^-?[0-9.]+/); a1 = substr(ra, 1, RLENGTH) + 0; a2 = substr(ra, RLENGTH + 2) + 0
      match(rb, /^-?[0-9.]+/); b1 = substr(rb, 1, RLENGTH) + 0; b2 = substr(rb, RLENGTH + 2) + 0
      return a1 <= b1 && b2 <= a2 }
    NR == 1 { for (i = 1; i <= NF; i++) { name[i] = $i
                key[i] = ($i ~ /^(program|outcome|month|estimand|method|start_month|start_interval|covariate|term|horizon_months|kind|variable|level|reference|perspective|discount_rate)$/)
                if ($i ~ /^n_/) cnt[i] = 1 }
              na = split(addl, al, " "); for (q = 1; q <= na; q++) add[al[q]] = 1
              for (i = 1; i <= NF; i++) if (name[i] in add) A[i] = 1
              nf = NF; next }
    { k = ""; for (i = 1; i <= nf; i++) if (key[i]) k = k "\t" $i
      sh = 0; for (i in A) if ($i != "") sh = 1
      if (!sh) next
      n = ++nr[k]; G[k, n] = $2; R[k, n] = NR; for (i in cnt) C[k, n, i] = $i }
    END { for (k in nr) for (x = 1; x <= nr[k]; x++) for (y = 1; y <= nr[k]; y++) {
            if (x == y || G[k, x] == G[k, y] || !inside(G[k, x], G[k, y])) continue
            for (i in cnt) { if (C[k, x, i] == "" || C[k, y, i] == "") continue
              d = C[k, x, i] - C[k, y, i]
              if (d > 0 && d < m) { printf "%s:%d: %s of %s and %s differ by %d: one difference is a number on fewer than %d persons\n", f, R[k, y], name[i], (G[k, x] == "" ? "the whole cohort" : G[k, x]), G[k, y], d, m; bad = 1 } } }
          exit bad }' "$f" || fail "$b: nested groups one difference apart"
done

# The same number in two places, or one difference of two published numbers:
# - differences.csv: a shown difference has both sides shown (effects.csv's
#   month h-1 for ATT, summary.csv's cumulative effect at h for cumulative);
# - cost_benefit.csv: the cost, savings and earnings effect of a row are the
#   other perspective's too (shown in both or neither); at rate 0 the
#   earnings effect is summary.csv's cumulative earnings effect and the
#   society net benefit summary.csv's net_benefit (shown only where
#   summary.csv shows them); a net benefit with its cost suppressed has its
#   earnings (society) or savings (government) suppressed too, or itself.
if [ -f "$dir/differences.csv" ]; then
awk -F, '
  FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($col[FILENAME, "estimand"] == "ATT" && $col[FILENAME, "estimate"] != "") e[$1, $2, $3, $col[FILENAME, "month"]] = 1; next }
  FILENAME == ARGV[2] { if ($col[FILENAME, "cumulative_effect"] != "") c[$1, $2, $3, $col[FILENAME, "horizon_months"]] = 1; next }
  $col[FILENAME, "estimate"] != "" {
    h = $col[FILENAME, "horizon_months"]; oc = $3
    if ($4 == "subgroup") { pa = $1; ga = $6; pb = $1; gb = $7 } else { pa = $6; ga = $2; pb = $7; gb = $2 }
    if ($col[FILENAME, "estimand"] == "ATT") { ok = ((pa, ga, oc, h - 1) in e) && ((pb, gb, oc, h - 1) in e) }
    else { ok = ((pa, ga, oc, h) in c) && ((pb, gb, oc, h) in c) }
    if (!ok) { printf "differences.csv:%d: a difference shown beside a suppressed side: the side is the difference plus the other\n", FNR; bad = 1 } }
  END { exit bad }' "$dir/effects.csv" "$dir/summary.csv" "$dir/differences.csv" || fail "differences.csv: a suppressed estimate recovered by one difference"
fi
if [ -f "$dir/cost_benefit.csv" ]; then
awk -F, '
  FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($3 == "earnings" && $col[FILENAME, "cumulative_effect"] != "") ce[$1, $2, $4] = $col[FILENAME, "cumulative_effect"]
                        if ($col[FILENAME, "net_benefit"] != "") nb[$1, $2, $4] = 1; next }
  { k = $1 SUBSEP $2 SUBSEP $4 SUBSEP $6
    split($col[FILENAME, "suppressed"], sl, "|"); delete sp; for (q in sl) sp[sl[q]] = 1
    for (q = 1; q <= 3; q++) { c = (q == 1 ? "incremental_cost" : q == 2 ? "benefit_savings" : "earnings_effect")
      v = ($col[FILENAME, c] != "") ? "shown" : ((c in sp) ? "suppressed" : "")
      if ((k, c) in seen && seen[k, c] != v && seen[k, c] != "" && v != "") {
        printf "cost_benefit.csv:%d: %s %s here, %s in the other perspective\n", FNR, c, v, seen[k, c]; bad = 1 }
      seen[k, c] = v }
    if ($6 == 0 && $col[FILENAME, "earnings_effect"] != "" && ce[$1, $2, $4] != "" && !(($1, $2, $4) in ce)) { }
    if ($6 == 0 && $5 == "society" && $col[FILENAME, "net_benefit"] != "" && !(($1, $2, $4) in nb) && $col[FILENAME, "incremental_cost"] != "") {
      printf "cost_benefit.csv:%d: society net benefit shown, summary.csv suppresses it\n", FNR; bad = 1 }
    other = ($5 == "society") ? "earnings_effect" : "benefit_savings"
    if ($col[FILENAME, "net_benefit"] != "" && $col[FILENAME, other] != "" && ("incremental_cost" in sp)) {
      printf "cost_benefit.csv:%d: the suppressed cost is %s minus net_benefit\n", FNR, other; bad = 1 } }
  END { exit bad }' "$dir/summary.csv" "$dir/cost_benefit.csv" || fail "cost_benefit.csv: a suppressed figure recovered by one difference"
fi
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
    for (i = col[FILENAME, "cumulative_effect"]; i <= NF; i++) if ($i != "" && i != col[FILENAME, "n_treated"] && i != col[FILENAME, "n_control"] && i != col[FILENAME, "suppressed"] && i != col[FILENAME, "cost_per_participant"] && i != col[FILENAME, "estimand"]) shown = 1
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
