#!/usr/bin/env bash
# [estimator] method = toe in `netto run` (docs/toe.md, "In a study"): on a
# small simulated cohort (scenario unobserved), the tables toe.csv (with the
# job-loss hazard's post-programme effect),
# toe_fit.csv, toe_effects.csv, toe_vs_matching.csv and the comparison
# figure and table in the report; the same bytes with 1 and 2 threads; both effects estimated with
# an SE; the simulated path has an effect with an SE from the start month
# on (the start month is treated); study-file errors name the line. (Truth recovery needs larger
# cohorts: docs/toe.md, "Validation in a study".)
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_toe_run.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/toe_study.sh"
toe_study "$netto" "$tmp" unobserved toe_small || fail simulate
toe_threads "$netto" "$tmp/sim/toe.ini" "$tmp" toe.csv toe_fit.csv toe_effects.csv toe_vs_matching.csv \
  plots/any/toe_vs_matching.png || fail "1 and 2 threads"
for f in effects.csv plots/any/toe_vs_matching.pdf; do
  [ -s "$tmp/r1/$f" ] || fail "no $f"
done
head -1 "$tmp/r1/toe.csv" | grep -qx 'program,kind,term,hazard,estimate,se,robust_se,z,p_value,suppressed' \
  || fail "toe.csv header: $(head -1 "$tmp/r1/toe.csv")"
head -1 "$tmp/r1/toe_vs_matching.csv" | grep -qx \
  'program,outcome,quantity,month,matching,matching_ci_lower,matching_ci_upper,toe,toe_se,toe_ci_lower,toe_ci_upper,suppressed' \
  || fail "toe_vs_matching.csv header"
[ "$(head -1 "$tmp/r1/toe_effects.csv")" = "$(head -1 "$tmp/r1/effects.csv" | sed 's/,band_lower,band_upper//')" ] \
  || fail "toe_effects.csv has not effects.csv's columns"
# rows: 36 months + cumulative at 12 and 36; K = 1 and 2 tried
[ "$(grep -c ',effect,' "$tmp/r1/toe_vs_matching.csv")" = 36 ] || fail "36 effect rows"
[ "$(grep -c ',cumulative,' "$tmp/r1/toe_vs_matching.csv")" = 2 ] || fail "cumulative rows at 12 and 36"
[ "$(awk -F, 'NR > 1' "$tmp/r1/toe_fit.csv" | wc -l)" -ge 1 ] || fail "toe_fit.csv rows"
[ "$(grep -c ',toe,' "$tmp/r1/toe_effects.csv")" = 36 ] || fail "toe_effects.csv rows"
awk -F, '$2 == "coefficient" && $4 == "exit" && ($3 == "lockin" || $3 == "post") && $7 > 0 { n++ }
         $2 == "coefficient" && $4 == "loss" && $3 == "post" && $6 > 0 { l++ }
         $2 == "fit" && $3 == "mass_points" { k = $5 }
         END { if (n != 2 || l != 1 || !(k >= 1 && k <= 2)) { print n, l, k; exit 1 } }' "$tmp/r1/toe.csv" \
  || fail "effects (lock-in, post on job finding; post on job loss)"
# the simulated path: the start month is treated (the entry is dated to the row before it), so
# month 0 has an effect with an SE; later months and the cumulative rows of both estimators filled
awk -F, '$3 == "effect" && $4 == 0 { z = ($9 > 0) } $3 == "effect" && $4 == 6 { s6 = $9 }
         $3 == "cumulative" && $4 == 12 { m = $5; t = $8; s = $9 }
         END { if (!z || !(s6 > 0) || m == "" || t == "" || !(s > 0)) { print z, s6, m, t, s; exit 1 } }' \
  "$tmp/r1/toe_vs_matching.csv" || fail "paths"
grep -q '"toe_fit"' "$tmp/r1/manifest.json" || fail "manifest has no toe_fit timing"
# the report's section: its table (cumulative at 12 and 36, both estimators) and figure
grep -q 'Matching and timing-of-events' "$tmp/r1/report.html" || fail "report.html has no matching-vs-toe section"
grep -q 'any: matching and timing-of-events' "$tmp/r1/report.html" || fail "report.html has no comparison figure"
[ -s "$tmp/r1/export/plots/any/toe_vs_matching.png" ] || fail "the comparison figure is not in export/"
# study-file errors: the line of the key
sed 's/toe_mass_points = 1:2/toe_mass_points = 1:7/' "$tmp/sim/toe.ini" > "$tmp/sim/bad.ini"
"$netto" run "$tmp/sim/bad.ini" --out "$tmp/bad" >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'bad.ini:20.*toe_mass_points' "$tmp/o" || { cat "$tmp/o"; fail "bad toe_mass_points: rc $rc"; }
sed 's/toe_cuts = 1, 3, 6, 12, 24/toe_cuts = 1, 6, 3/' "$tmp/sim/toe.ini" > "$tmp/sim/bad.ini"
"$netto" run "$tmp/sim/bad.ini" --out "$tmp/bad" >"$tmp/o" 2>&1; rc=$?
[ $rc = 1 ] && grep -q 'bad.ini:21.*ascending' "$tmp/o" || { cat "$tmp/o"; fail "bad toe_cuts: rc $rc"; }
echo "method = toe: tables, plots, thread-independent bytes, effects, paths, errors ok"
