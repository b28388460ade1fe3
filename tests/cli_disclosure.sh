#!/usr/bin/env bash
# Export-safe results (issue 11, docs/disclosure.md): a simulated study with
# subgroups of 8-40 treated persons and min_cell = 10;
# - tests/disclosure_check.sh proves every file of export/ safe (and fails
#   on the same study's unsuppressed tables: the checker has teeth);
# - the issue's cases one by one: warnings and manifest counts "< 10"
#   (stderr too), balance shares, effects_by_start and pscore control side,
#   totals minus months, rounded counts, permissions, export/ only whole,
#   cleared_for_export only there and only when every check passed;
# - min_cell = 0 shows the very numbers min_cell = 10 shows (means at the
#   step they are printed to), and no export/;
# - what remained of the issue: effects_by_start's control side (controls
#   used, Kish; an nn study beside the ipw one), dominance on earnings,
#   printing precision, secondary suppression across subgroup levels.
set -u
netto=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp="${NT_TMP:-/tmp}/cli_disclosure.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
umask 022
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
. "$(dirname "$0")/study_ini.sh"

"$netto" simulate --persons 3000 --seed 5 --out "$tmp/sim" >/dev/null || fail "simulate"
# calendar = none: the rows this test needs (controls used many times, dominance) were
# found in the duration-only estimates; the calendar cells are tested in cli_calendar.sh.
study() { # name min_cell [round [method]]
  study_ini "$1" 5 "scholing, any" 0:23 3 36 "${4:-ipw}" \
    "covariates = age, sex, education, migration, region, scheme, emp_prev12, earn_prev12" "min_treated = 5" \
    "pool_sparse = no" \
    "calendar = none" "[outcomes]" "series = employed, earnings" "[inference]" "bootstrap = 10" "[subgroups]" \
    "education = missing, low" "age = 18-39, 40-54, 55-65" "[disclosure]" "min_cell = $2" "round = ${3:-5}" \
    > "$tmp/sim/$1.ini"
}
study safe 10
study open 0
study low 5
study safe_nn 10 5 nn
study open_nn 0 5 nn
"$netto" run "$tmp/sim/safe.ini" --threads 2 >/dev/null 2>"$tmp/safe.err" || { cat "$tmp/safe.err"; fail "run min_cell 10"; }
"$netto" run "$tmp/sim/open.ini" --threads 2 >/dev/null 2>"$tmp/open.err" || fail "run min_cell 0"
"$netto" run "$tmp/sim/low.ini" --threads 2 >/dev/null 2>&1 || fail "run min_cell 5"
"$netto" run "$tmp/sim/safe_nn.ini" --threads 2 >/dev/null 2>&1 || fail "run nn min_cell 10"
"$netto" run "$tmp/sim/open_nn.ini" --threads 2 >/dev/null 2>&1 || fail "run nn min_cell 0"
S="$tmp/sim/results/safe"; O="$tmp/sim/results/open"; L="$tmp/sim/results/low"
SN="$tmp/sim/results/safe_nn"; ON="$tmp/sim/results/open_nn"

# The study has subgroups of 8-40 treated persons.
awk -F, '$4 == 0 && $5 == "ATT" && $3 == "employed" && $2 != "" && $11 >= 8 && $11 <= 40 { n++ } END { exit !(n > 0) }' \
  "$O/effects.csv" || fail "no subgroup of 8-40 treated persons"

# The checker passes export/ and rejects the unsuppressed tables.
bash "$here/disclosure_check.sh" "$S/export" 10 5 || fail "export/ is not safe"
bash "$here/disclosure_check.sh" "$SN/export" 10 5 || fail "export/ of the nn study is not safe"
mkdir -p "$tmp/fake"; cp "$O"/*.csv "$O"/summary.md "$O"/summary.tex "$S/export/disclosure.txt" "$S/export/manifest.json" "$tmp/fake/"
bash "$here/disclosure_check.sh" "$tmp/fake" 10 5 >/dev/null && fail "the checker passed unsuppressed tables"

# export/: the top-level tables and plots byte for byte, nothing private.
for f in effects.csv summary.csv balance.csv pscore.csv start_months.csv effects_by_start.csv summary.md summary.tex; do
  cmp -s "$S/$f" "$S/export/$f" || fail "export/$f is not the table the run wrote"
done
[ "$(ls "$S/plots" | wc -l)" = "$(ls "$S/export/plots" | wc -l)" ] || fail "export/plots is not the run's plots"
grep -q '"cleared_for_export":[[:space:]]*false' "$S/manifest.json" || fail "the top-level manifest claims to be cleared"
grep -q '"cleared_for_export":[[:space:]]*true' "$S/export/manifest.json" || fail "export/ is not cleared"
grep -q "^1. Cleared for export: yes" "$S/export/disclosure.txt" || fail "disclosure.txt: not cleared"
grep -q "^   balance.csv .*a share" "$S/export/disclosure.txt" || fail "disclosure.txt: no share suppressions counted"
grep -q "5. What this folder does not contain" "$S/export/disclosure.txt" || fail "disclosure.txt: no statement of what it leaves out"

# min_cell = 5 (below the usual 10): export/ made, not cleared, and says why.
grep -q '"cleared_for_export":[[:space:]]*false' "$L/export/manifest.json" || fail "min_cell 5 cleared"
grep -q "^1. Cleared for export: NO" "$L/export/disclosure.txt" || fail "min_cell 5: disclosure.txt does not say not cleared"

# min_cell = 0: no export/, no suppressed column, and every number the
# min_cell = 10 run shows is the same (the rule changes what is shown only).
[ ! -e "$O/export" ] || fail "min_cell 0 made an export folder"
head -1 "$O/effects.csv" | grep -q suppressed && fail "min_cell 0 has a suppressed column"
# (a count rounded to 5 is within 2 of the exact one; a mean printed with d
# decimals is on a 1-2-5 step of at most 5 x 10^-d: within half of it)
same_numbers() { # open safe
  for f in effects.csv summary.csv balance.csv pscore.csv effects_by_start.csv cost_benefit.csv; do
    awk -F, 'FNR == 1 { next } FILENAME == ARGV[1] { row[FNR] = $0; next }
      { n = split(row[FNR], a, ","); for (i = 1; i <= n && i <= NF; i++) {
          if ($i == "" || $i == a[i]) continue
          if (i > 0 && $i ~ /^[0-9]+$/ && a[i] ~ /^[0-9]+$/ && (a[i] - $i <= 2 && $i - a[i] <= 2)) continue # rounded count
          if ($i ~ /^-?[0-9]+\.[0-9]+$/) { d = $i; sub(/^[^.]*\./, "", d); tol = 2.5 / 10 ^ length(d) + 1e-9
            if ((a[i] - $i <= tol) && ($i - a[i] <= tol)) continue } # a mean at its step
          printf "%s:%d col %d: %s shown, %s without disclosure control\n", FILENAME, FNR, i, $i, a[i]; bad = 1; exit } }
      END { exit bad }' "$1/$f" "$2/$f" || fail "$f: min_cell 10 shows a number min_cell 0 does not"
  done
}
same_numbers "$O" "$S"
same_numbers "$ON" "$SN"

# Issue 11, what remained (each fails on the tables of before):
# 1. effects_by_start.csv: the control side is the controls actually used in
#    (k, tau) and their effective number, not k's controls at risk. nn: rows
#    with >= 10 treated matched and >= 10 controls at risk but fewer than 10
#    used are suppressed, and whole-cohort rows with >= 10 on both sides
#    where controls used many times make Kish's effective number below 10.
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  FILENAME == ARGV[1] { row[FNR] = $0; next }
  { split(row[FNR], a, ",") }
  a[c["n_treated_matched"]] >= 10 && a[c["n_control"]] >= 10 && a[c["n_control_used"]] < 10 && a[c["estimate"]] != "" {
    n++; if ($c["estimate"] != "") { print "shown on " a[c["n_control_used"]] " controls used: " $0; bad = 1 } }
  END { if (!n) print "no nn row with fewer than 10 controls used"; exit bad || !n }' "$ON/effects_by_start.csv" "$SN/effects_by_start.csv" \
  || fail "effects_by_start.csv (nn): a start month's estimate on fewer than 10 controls used"
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  FILENAME == ARGV[1] { row[FNR] = $0; next }
  { split(row[FNR], a, ",") }
  a[c["subgroup"]] == "" && a[c["outcome"]] == "employed" && a[c["n_treated_matched"]] >= 10 && a[c["n_control_used"]] >= 10 && a[c["estimate"]] != "" && $c["estimate"] == "" { n++ }
  END { if (!n) print "no row suppressed for its effective number of controls"; exit !n }' "$ON/effects_by_start.csv" "$SN/effects_by_start.csv" \
  || fail "effects_by_start.csv (nn): Kish's effective number of controls is not applied"
# 2. Dominance: an earnings month suppressed while employment, on the same
#    persons, is shown (one or two persons' earnings dominate the month);
#    disclosure.txt counts them.
awk -F, 'NR == 1 { next } $3 == "employed" && $7 != "" { emp[$1, $2, $4, $5] = 1 }
  $3 == "earnings" && $7 == "" { earn[$1, $2, $4, $5] = 1 }
  END { for (k in earn) if (k in emp) n++; if (!n) print "no earnings month suppressed beside a shown employment month"; exit !n }' "$S/effects.csv" \
  || fail "effects.csv: no dominance rule on earnings"
grep -q "^   effects.csv .*dominance" "$S/export/disclosure.txt" || fail "disclosure.txt: no dominance suppressions counted"
grep -q "dominance_top1" "$S/export/manifest.json" || fail "manifest.json: no dominance settings"
# 3. Precision: the issue's share, 2/158 = 0.0126582278, is not printed so.
grep -Eq '(^|,)-?[0-9]*\.[0-9]{6,}(,|$)' "$S/export/balance.csv" && fail "balance.csv: a share printed with 6 or more decimals"
grep -Eq '(^|,)-?[0-9]*\.[0-9]{6,}(,|$)' "$O/balance.csv" || fail "min_cell 0: shares are no longer exact"
#    netto describe's month table too (3000 persons: a step of 0.0005).
"$netto" describe "$S/private/cohort.h5" --csv "$tmp/months.csv" >/dev/null 2>&1 || fail "describe"
grep -Eq '(^|,)-?[0-9]*\.[0-9]{5,}(,|$)' "$tmp/months.csv" && fail "describe: a mean printed with 5 or more decimals"
awk -F, 'NR > 1 && $3 != "" { x = $3 / 0.0005; if (x - int(x + 0.5) > 1e-6 || int(x + 0.5) - x > 1e-6) bad = 1 } END { exit bad }' "$tmp/months.csv" \
  || fail "describe: employed not on its step"
# 4. Secondary suppression: age has levels of about 20 (55-65) and more
#    treated; where 55-65 is suppressed another level is too (the checker
#    proves it for every table), and some such cell exists.
awk -F, 'NR == 1 { next } $2 ~ /^age=/ && $NF ~ /estimate/ { s[$1, $3, $4, $5]++ }
  END { for (k in s) if (s[k] >= 2) n++; if (!n) print "no secondary suppression among the age levels"; exit !n }' "$S/effects.csv" \
  || fail "effects.csv: no secondary suppression"
grep -q "^   effects.csv .*secondary" "$S/export/disclosure.txt" || fail "disclosure.txt: no secondary suppressions counted"
#    The demo's withheld whole-cohort earnings: a whole-cohort summary row
#    whose months are all shown in effects.csv is shown (a level without a
#    break-even interval, or other non-additive cells, never take it).
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) c[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($2 == "" && $5 == "ATT" && $c[FILENAME, "suppressed"] ~ /estimate/) { k = $1 SUBSEP $3; if (!(k in first) || $4 < first[k]) first[k] = $4 }; next }
  $2 == "" && $c[FILENAME, "suppressed"] != "" && !(($1, $3) in first && first[$1, $3] < $4) && $c[FILENAME, "suppressed"] ~ /cumulative_effect/ {
    print "whole cohort withheld though its months are shown: " $0; bad = 1 }
  END { exit bad }' "$S/effects.csv" "$S/summary.csv" || fail "summary.csv: a whole-cohort figure withheld by its levels"
# 6. Dominance on balance.csv's continuous covariates (earnings before):
#    counted in disclosure.txt; and cost_benefit.csv's euro sums at their step
#    (the checker's precision rule, in the export check above).
grep -q "^   balance.csv .*dominance" "$S/export/disclosure.txt" || fail "balance.csv: no dominance rule on continuous covariates"
grep -Eq '(^|,)-?[0-9]*\.[0-9]{4,}(,|$)' <(cut -d, -f7-10 "$S/cost_benefit.csv") && fail "cost_benefit.csv: euro sums printed beyond their step"


# 5. Subgroups beyond one partition (issue 11's remaining differencing):
#    nested and overlapping ranges (age 18-64 in the whole cohort, 25-45
#    and 40-60 in it and overlapping each other) beside two more variables;
#    and ranges that leave out a few persons (age 18-39, 40-64: the few
#    aged 65). With the exact counts of the same studies at min_cell = 0:
#    wherever the safe run shows a row and a row of a group containing it,
#    their counts differ by 0 or >= 10, and wherever it shows the total and
#    every level, the total's counts minus theirs are 0 or >= 10 (one
#    difference gives no number on 1-9 persons). The exact counts have such
#    cases (the test can fail), and the checker passes both exports.
for x in nest:10 nest_open:0 rest:10 rest_open:0; do
  study "${x%%:*}" "${x##*:}"
  case $x in
    nest*) sub='age = 18-64, 25-45, 40-60\nsex = F' ;;
    rest*) sub='age = 18-39, 40-64' ;; # the cohort's few aged 65 are in neither
  esac
  sed -i "s/^education = missing, low\$/education = low, mid, high/; s/^age = 18-39, 40-54, 55-65\$/$sub/" "$tmp/sim/${x%%:*}.ini"
  "$netto" run "$tmp/sim/${x%%:*}.ini" --threads 2 >/dev/null 2>&1 || fail "run ${x%%:*}"
done
for x in nest rest; do
  bash "$here/disclosure_check.sh" "$tmp/sim/results/$x/export" 10 5 || fail "export/ of the $x study is not safe"
done
parts_apart() { # exact safe levels ranges: 0 if no shown total minus its shown levels, and no
  # pair of shown nested rows, differs by 1-9 persons in the exact counts (and some such pair exists)
  awk -F, -v levels="$3" -v ranges="$4" '
  FNR == 1 { for (i = 1; i <= NF; i++) { c[$i] = i; if ($i ~ /^n_/) cnt[i] = 1 }; next }
  FILENAME == ARGV[1] { for (i in cnt) ex[FNR, i] = $i; next }
  { key = $1 SUBSEP $3 SUBSEP $4 SUBSEP $5; g = $2; row[key, g] = FNR; shown[key, g] = $c["estimate"] != ""; keys[key] = 1 }
  function lo(g) { if (g == "") return -1; sub(/^[^=]*=/, "", g); split(g, r, "-"); return r[1] }
  function hi(g) { if (g == "") return 999; sub(/^[^=]*=/, "", g); split(g, r, "-"); return r[2] }
  END {
    nl = split(levels, L, " "); ng = split(ranges, G, " ")
    for (k in keys) {
      t = row[k, ""]; if (!t) continue
      have = nl > 0; full = shown[k, ""]
      for (q = 1; q <= nl; q++) { have = have && ((k, L[q]) in row); full = full && shown[k, L[q]] }
      for (i in cnt) {
        if (!have) break
        d = ex[t, i]; for (q = 1; q <= nl; q++) d -= ex[row[k, L[q]], i]
        if (d > 0 && d < 10) { apart++; if (full) { print "a remainder of " d " persons is the total minus its levels: " k; bad = 1 } } }
      for (a = 0; a <= ng; a++) for (b = 1; b <= ng; b++) {
        ga = (a == 0 ? "" : G[a]); gb = G[b]
        if (ga == gb || !((k, ga) in row) || !((k, gb) in row) || lo(ga) > lo(gb) || hi(ga) < hi(gb)) continue
        for (i in cnt) { d = ex[row[k, ga], i] - ex[row[k, gb], i]
          if (d > 0 && d < 10) { apart++; if (shown[k, ga] && shown[k, gb]) { print "rows of " (ga == "" ? "the whole cohort" : ga) " and " gb " differ by " d " persons: " k; bad = 1 } } } } }
    if (!apart) print "no groups 1-9 persons apart in the exact counts"
    exit bad || !apart }' "$1" "$2"
}
parts_apart "$tmp/sim/results/nest_open/effects.csv" "$tmp/sim/results/nest/effects.csv" "" "age=18-64 age=25-45 age=40-60" \
  || fail "effects.csv: a nested group of 1-9 persons is one difference away"
parts_apart "$tmp/sim/results/rest_open/effects.csv" "$tmp/sim/results/rest/effects.csv" "age=18-39 age=40-64" "" \
  || fail "effects.csv: a remainder of 1-9 persons is the total minus the levels"

# Warnings (stderr, run.log and manifest; pool_sparse = no above, so that
# sparse intervals are not estimated and warned of): no exact count below 10; exact
# text private. stderr has one line per kind of warning; run.log has each.
grep -E " [1-9] (treated|control|persons|input)" "$tmp/safe.err" && fail "stderr states a count below 10"
grep -E " [1-9] (treated|control|persons|input)" "$S/run.log" && fail "run.log states a count below 10"
grep -q "< 10 treated" "$S/run.log" || fail "run.log: no count written as < 10"
grep -q "start months [0-9]*-[0-9]*: not estimated" "$S/run.log" || fail "warnings do not name the cell and reason"
[ -s "$S/private/warnings.txt" ] || fail "no private/warnings.txt"

# Balance: the issue's share leak (education=missing among few treated).
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["covariate"] == "education=missing" && $c["mean_treated"] != "" && $c["start_interval"] != "all" {
    if ($c["mean_treated"] * $c["n_treated"] < 9) { print "education=missing share of few persons: " $0; bad = 1 } }
  END { exit bad }' "$S/balance.csv" || fail "balance.csv: share x n below 10"

# Permissions: person-level private, aggregates readable by the project.
[ "$(stat -c %a "$S/private")" = 700 ] || fail "private/ is not 0700"
for f in cohort.h5 rejects.csv warnings.txt; do
  [ "$(stat -c %a "$S/private/$f")" = 600 ] || fail "private/$f is not 0600"
done
for f in effects.csv manifest.json plots/$(ls "$S/plots" | head -1) export/effects.csv export/manifest.json; do
  [ "$(stat -c %a "$S/$f")" = 644 ] || fail "$f is not 0644"
done

# A run that fails after a former run's export/ leaves none (and no temporary).
sed 's/^programs = scholing, any/programs = nosuchprogramme/' "$tmp/sim/safe.ini" > "$tmp/sim/bad.ini"
sed -i 's/^name = safe/name = safe\nout = results\/safe/' "$tmp/sim/bad.ini"
"$netto" run "$tmp/sim/bad.ini" --overwrite >/dev/null 2>&1 && fail "a run with an unknown programme succeeded"
[ ! -e "$S/export" ] || fail "a failed run left the former export/"
# A killed run leaves no export/.
"$netto" run "$tmp/sim/safe.ini" --overwrite >/dev/null 2>&1 &
pid=$!; sleep 1; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
[ -e "$S/manifest.json" ] || [ ! -e "$S/export" ] || fail "a killed run left export/ without a manifest"
ls -a "$S" | grep -q '^\.export-' && [ -e "$S/export" ] && fail "a killed run left both export/ and a temporary"

rm -rf "$tmp"
if [ $fails -gt 0 ]; then echo "$fails failed"; exit 1; fi
echo "cli_disclosure: all passed"
