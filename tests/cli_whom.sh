#!/usr/bin/env bash
# For whom and when (issue 15, docs/heterogeneity.md): the derived subgroups
# job_chance (cross-fitted predicted job chance at inflow) and start_year
# (calendar year of the start), their differences, effects_by_start's
# intervals.
# - hand/R: the cross-fitted scores of a 400-person simulation against
#   scripts/reference/job_chance.R (tests/golden/job_chance.csv: every
#   fold refitted by glm on the fitting persons outside it), the quintiles by
#   rank, job_chance.csv's counts; the folds follow the study seed;
# - simulator truth (truth.csv's job_chance=q1..q5 of the known score and
#   start_year=2003..2006): the cumulative effects at 36 and 96 months within
#   3 SE of the truth, and differences.csv's job_chance rows within 3 SE of
#   the truth's differences; the truth itself differs by job chance;
# - effects_by_start.csv has intervals for radius matching with linearised
#   inference; tables byte-identical for 1 and 2 threads;
# - comparisons.csv ([treatment] compare = yes): against the R reference on
#   the golden store, and within 3 SE of the simulator's truth_compare.csv.
set -u
netto=$1
tmp="${NT_TMP:-/tmp}/cli_whom.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
. "$(dirname "$0")/study_ini.sh"
persons=6000; nmin=28   # of 32 figures (8 groups x 2 outcomes x 2 horizons), some may be suppressed
if [ -n "${NT_SANITIZED:-}" ]; then persons=2500; nmin=16; fi

study() { # dir name seed subgroups...
  local dir=$1 name=$2 seed=$3; shift 3
  study_ini "$name" "$seed" any 0:23 3 96 radius "covariates = $nt_covariates" "[outcomes]" \
    "series = employed, earnings, on_benefit" "[inference]" "method = linearised" "[disclosure]" "min_cell = 10" \
    "[subgroups]" "$@" > "$dir/$name.ini"
}

# ---- the scores against R, on a small input
"$netto" simulate --persons 400 --seed 3 --out "$tmp/tiny" >/dev/null || fail "simulate tiny"
study "$tmp/tiny" t 7 "job_chance = q1, q2, q3, q4, q5"
"$netto" run "$tmp/tiny/t.ini" --threads 1 >/dev/null 2>"$tmp/tiny.err" || { cat "$tmp/tiny.err"; fail "run tiny"; }
sc="$tmp/tiny/results/t/private/job_chance_scores.csv"
[ "$(stat -c %a "$sc" 2>/dev/null)" = 600 ] || fail "job_chance_scores.csv is not private (0600)"
awk -F, 'FNR == 1 { next }
  FILENAME == ARGV[1] { s[$1] = $3; f[$1] = $2; q[$1] = $4; n++; next }
  { m++; d = $5 - s[$1]; if (d < 0) d = -d; if (d > dd) dd = d
    if ($2 != f[$1]) badf++
    if (!($1 in s)) miss++ }
  END { printf "job_chance scores vs R: %d persons, max |diff| %.3g\n", m, dd
        exit !(n == 400 && m == 400 && dd < 1e-8 && !badf && !miss) }' \
  golden/job_chance.csv "$sc" || fail "cross-fitted scores differ from R (scripts/reference/job_chance.R)"
# the fitting persons: y known and no programme start in months 0..12; folds 0..4 all used
awk -F, 'NR > 1 { if ($3 == 1 && $4 == "NA") bad++; fold[$2]++ }
  END { for (f = 0; f < 5; f++) if (fold[f] < 40) bad++; exit bad > 0 }' "$sc" || fail "fitting set or folds"
# job_chance.csv: 80 persons per quintile (n_persons), its score ranges ordered
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { n++; if ($c["n_persons"] != 80) bad++; if ($c["level"] != "q" n) bad++
    if (n > 1 && $c["score_from"] < prev) bad++; prev = $c["score_to"] }
  END { exit !(n == 5 && !bad) }' "$tmp/tiny/results/t/job_chance.csv" || fail "job_chance.csv quintiles"
# membership: quintiles of the golden's ranks -> effects.csv has all five groups
for q in 1 2 3 4 5; do
  grep -q "^any,job_chance=q$q,employed,0," "$tmp/tiny/results/t/effects.csv" || fail "no effects for job_chance=q$q"
done
# another study seed: other folds (the folds come from the seed)
study "$tmp/tiny" t8 8 "job_chance = q1, q5"
"$netto" run "$tmp/tiny/t8.ini" --threads 1 >/dev/null 2>&1 || fail "run tiny seed 8"
awk -F, 'FNR == 1 { next } FILENAME == ARGV[1] { f[$1] = $2; next } { n++; same += f[$1] == $2 }
  END { exit !(n == 400 && same < 200) }' "$sc" "$tmp/tiny/results/t8/private/job_chance_scores.csv" ||
  fail "the folds do not follow the study seed"
# study-chosen cut points: ranges of the score (counts published rounded to 5)
study "$tmp/tiny" tc 7 "job_chance = 0-0.5, 0.5-1"
"$netto" run "$tmp/tiny/tc.ini" --threads 1 >/dev/null 2>&1 || fail "run tiny cut points"
awk -F, 'FNR == 1 { next } FILENAME == ARGV[1] { lo += $5 <= 0.5; hi += $5 >= 0.5; next }
  $2 == "0-0.5" { a = $5 } $2 == "0.5-1" { b = $5 }
  END { d1 = a - lo; d2 = b - hi; exit !(d1 * d1 <= 6.25 && d2 * d2 <= 6.25 && a + b >= 395) }' \
  "$sc" "$tmp/tiny/results/tc/job_chance.csv" ||
  fail "job_chance cut points: counts differ from the scores"
# a bad group names its line
study "$tmp/tiny" tb 7 "job_chance = low, high"
"$netto" run "$tmp/tiny/tb.ini" >/dev/null 2>"$tmp/tb.err" && fail "job_chance = low accepted"
grep -q "tb.ini:.*job_chance" "$tmp/tb.err" || { cat "$tmp/tb.err"; fail "job_chance error does not name the line"; }

# ---- simulator truth
"$netto" simulate --persons $persons --seed 7 --out "$tmp/def" >/dev/null || fail "simulate"
t="$tmp/def/truth.csv"
study "$tmp/def" w 7 "job_chance = q1, q2, q3, q4, q5" "start_year = 2003, 2004, 2005"
"$netto" run "$tmp/def/w.ini" --threads 2 >/dev/null 2>"$tmp/w.err" || { cat "$tmp/w.err"; fail "run"; }
r="$tmp/def/results/w"
# the truth differs by job chance: q1's 96-month employment effect above q5's
awk -F, '$1 == "any" && $3 == "employed" { c[$2] += $5 }
  END { printf "truth, cumulative employment 96 months: q1 %.3g, q5 %.3g\n", c["job_chance=q1"], c["job_chance=q5"]
        exit !(c["job_chance=q1"] > c["job_chance=q5"] + 1) }' "$t" || fail "the simulator's effects do not differ by job chance"
awk -F, -v NMIN=$nmin 'FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($1 == "any") for (h = 36; h <= 96; h += 60) if ($4 < h) tr[$2, $3, h] += $5; next }
  $1 == "any" && ($2 ~ /^job_chance=|^start_year=/) && ($3 == "employed" || $3 == "earnings") && ($4 == 36 || $4 == 96) {
    e = $col[FILENAME, "cumulative_effect"]; se = $col[FILENAME, "cumulative_se"]
    if (e == "" || se == "") next
    d = e - tr[$2, $3, $4]; if (d < 0) d = -d; n++
    if (d > 3 * se) { bad++; printf "  %s %s %d: %.4g vs true %.4g (SE %.3g)\n", $2, $3, $4, e, tr[$2, $3, $4], se } }
  END { printf "job_chance, start_year: %d cumulative effects, %d beyond 3 SE of the truth\n", n, bad; exit !(n >= NMIN && !bad) }' \
  "$t" "$r/summary.csv" || fail "subgroup effects vs the truth"
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($1 == "any") tr[$2, $3, $4] = $5; next }
  $col[FILENAME, "variable"] == "job_chance" && $col[FILENAME, "se"] != "" &&
  ($col[FILENAME, "outcome"] == "employed" || $col[FILENAME, "outcome"] == "earnings") {
    o = $col[FILENAME, "outcome"]; h = $col[FILENAME, "horizon_months"]; lv = $col[FILENAME, "level"]; rf = $col[FILENAME, "reference"]
    if (rf != "job_chance=q1") bad++
    x = 0; for (u = ($col[FILENAME, "estimand"] == "cumulative" ? 0 : h - 1); u < h; u++) x += tr[lv, o, u] - tr[rf, o, u]
    d = $col[FILENAME, "estimate"] - x; if (d < 0) d = -d; n++; ok += d <= 3 * $col[FILENAME, "se"] }
  END { printf "differences job_chance qj - q1: %d rows, %d within 3 SE of the truth\n", n, ok; exit !(n >= 60 && ok >= 0.95 * n && !bad) }' \
  "$t" "$r/differences.csv" || fail "job_chance differences vs the truth"
grep -q "^any,,employed,subgroup,start_year,start_year=2004,start_year=2003,cumulative,96," "$r/differences.csv" ||
  fail "differences.csv has no start_year row"
# effects_by_start: intervals (radius, linearised), containing the estimate
head -1 "$r/effects_by_start.csv" | grep -q ',ci_lower,ci_upper,suppressed$' || fail "effects_by_start.csv columns"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["estimate"] != "" && $c["suppressed"] == "" { n++; if ($c["ci_lower"] == "" || $c["ci_lower"] > $c["estimate"] || $c["ci_upper"] < $c["estimate"]) bad++ }
  END { printf "effects_by_start: %d rows, %d without a proper interval\n", n, bad; exit !(n > 1000 && !bad) }' \
  "$r/effects_by_start.csv" || fail "effects_by_start.csv intervals"
"$netto" run "$tmp/def/w.ini" --threads 1 --out "$tmp/def/w1" >/dev/null 2>&1 || fail "run 1 thread"
for f in job_chance.csv summary.csv differences.csv effects_by_start.csv; do
  cmp -s "$r/$f" "$tmp/def/w1/$f" || fail "$f differs between 1 and 2 threads"
done

# ---- programme against programme (comparisons.csv, Lechner 2001)
# hand/R: the golden store of cli_dynamic_golden.sh, ipw, bemiddeling against
# scholing and back: scripts/reference/dynamic_golden.R with compare = yes
# (tests/golden/dynamic_compare.csv: the starters of the one programme in
# month k weighted against the starters of the other in k).
"$netto" run data/dynamic/study_compare.ini --out "$tmp/cmpg" >/dev/null 2>"$tmp/cmpg.err" || { cat "$tmp/cmpg.err"; fail "run study_compare.ini"; }
awk -F, 'FNR == 1 { next }
  FILENAME == ARGV[1] { if ($5 == "ATT") { v = $2; sub(/^versus=/, "", v); g[$1, v, $3, $4] = $6; nt[$1, v, $3, $4] = $9; nc[$1, v, $3, $4] = $10 }; next }
  { h = $5; x = 0; for (u = ($4 == "cumulative" ? 0 : h - 1); u < h; u++) x += g[$1, $2, $3, u]
    d = $7 - x; if (d < 0) d = -d; tol = 1e-9 * (1 + (x < 0 ? -x : x)) * h; n++
    if (d > tol) { bad++; printf "  %s vs %s %s %s %d: %s, R %.10g\n", $1, $2, $3, $4, h, $7, x }
    m = $4 == "cumulative" ? 0 : h - 1
    if ($11 != nt[$1, $2, $3, m] || $12 != nc[$1, $2, $3, m]) { bad++; printf "  counts %s vs %s %d\n", $1, $2, m } }
  END { printf "comparisons.csv against R: %d rows, %d differ\n", n, bad; exit !(n == 16 && !bad) }' \
  golden/dynamic_compare.csv "$tmp/cmpg/comparisons.csv" || fail "comparisons.csv differs from golden/dynamic_compare.csv"
# simulator truth (truth_compare.csv: each participant's path again with the
# other programme at the same start)
{ sed -e '/^\[subgroups\]/,$d' -e 's/^programs = any/programs = bemiddeling, scholing\ncompare = yes/' -e 's/^name = w/name = c/' \
  "$tmp/def/w.ini"; } > "$tmp/def/c.ini"
"$netto" run "$tmp/def/c.ini" --threads 2 >/dev/null 2>"$tmp/c.err" || { cat "$tmp/c.err"; fail "run compare"; }
awk -F, 'FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { tr[$1, $2, $3, $4] = $5; next }
  $col[FILENAME, "se"] != "" && ($3 == "employed" || $3 == "earnings") {
    h = $5; x = 0; for (u = ($4 == "cumulative" ? 0 : h - 1); u < h; u++) x += tr[$1, $2, $3, u]
    d = $7 - x; if (d < 0) d = -d; n++
    if (d > 3 * $8) { bad++; printf "  %s vs %s %s %s %d: %.4g vs true %.4g (SE %.3g)\n", $1, $2, $3, $4, h, $7, x, $8 } }
  END { printf "comparisons.csv: %d rows, %d beyond 3 SE of truth_compare.csv\n", n, bad; exit !(n == 40 && !bad) }' \
  "$tmp/def/truth_compare.csv" "$tmp/def/results/c/comparisons.csv" || fail "comparisons vs the truth"
# compare = yes needs two programmes other than any: an error naming the line
sed -e 's/^programs = bemiddeling, scholing/programs = bemiddeling, any/' -e 's/^name = c/name = c1/' "$tmp/def/c.ini" > "$tmp/def/c1.ini"
"$netto" run "$tmp/def/c1.ini" >/dev/null 2>"$tmp/c1.err" && fail "compare = yes with one programme accepted"
grep -q "c1.ini:.*compare" "$tmp/c1.err" || { cat "$tmp/c1.err"; fail "compare error does not name the line"; }

rm -rf "$tmp"
[ $fails -eq 0 ] && echo "cli_whom: all passed" || echo "cli_whom: $fails failure(s)"
exit $((fails > 0))
