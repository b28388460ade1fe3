#!/usr/bin/env bash
# Placebo outcomes and Rosenbaum bounds per subgroup (docs/credibility.md):
# a subgroup's rows of placebo.csv and sensitivity.csv are the whole-cohort
# rows of the same study run on that subgroup's persons alone (the
# estimate of a group is on its persons and risk sets, with its own
# propensity models). Simulated cohort (default scenario, 2500 persons),
# [subgroups] education = low; the second study reads persons.csv and the
# spell files cut to the persons with education low. placebo.csv: every
# column but the multiplier bootstrap's (critical_value, p_value, bands:
# their draws follow person order, which differs between the two stores);
# sensitivity.csv: every column. Disclosure off (min_cell = 0), so no
# secondary suppression tells the tables apart; then a run with disclosure
# on passes the output checker.
set -u
netto="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
tmp="${NT_TMP:-/tmp}/cli_credibility_groups.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
here=$(pwd)

"$netto" simulate --persons 2500 --seed 3 --out "$tmp/sim" > /dev/null || fail simulate
cd "$tmp/sim" || fail cd
awk '/^\[subgroups\]/ { print; print "education = low"; skip = 1; next } /^\[/ { skip = 0 } skip { next }
     /^\[treatment\]/ { tr = 1 } /^\[estimator\]/ { tr = 0 } tr && /^programs =/ { print "programs = any"; next }
     /^min_cell/ { print "min_cell = 0"; next } /^\[inference\]/ { print; print "method = linearised"; next }
     /^bootstrap/ { next } { print }
     END { print ""; print "[credibility]"; print "placebo = yes"; print "sensitivity = yes" }' study.ini > groups.ini
mkdir low
awk -F, 'NR == 1 || $4 == "low"' persons.csv > low/persons.csv
for f in benefits programs jobs; do
  awk -F, 'NR == FNR { if (FNR > 1) k[$1] = 1; next } FNR == 1 || ($1 in k)' low/persons.csv $f.csv > low/$f.csv
done
awk '/^\[subgroups\]/ { skip = 1; next } /^\[/ { skip = 0 } skip { next }
     /^persons =/ { print "persons = low/persons.csv"; next } /^benefits =/ { print "benefits = low/benefits.csv"; next }
     /^programs = programs.csv/ { print "programs = low/programs.csv"; next } /^jobs =/ { print "jobs = low/jobs.csv"; next }
     { print }' groups.ini > low.ini
"$netto" run groups.ini --out "$tmp/rg" > /dev/null 2> "$tmp/rg.err" || { cat "$tmp/rg.err"; fail "run groups"; }
"$netto" run low.ini --out "$tmp/rl" > /dev/null 2> "$tmp/rl.err" || { cat "$tmp/rl.err"; fail "run low"; }

# same GROUPS LOW COLUMNS: the education=low rows of GROUPS against LOW's rows, in order
same() {
  awk -F, -v cols="$3" '
    FNR == 1 { file++; delete idx; for (i = 1; i <= NF; i++) idx[$i] = i; next }
    file == 1 && $idx["subgroup"] == "education=low" { a[++n] = $0; next }
    file == 1 && $idx["subgroup"] == "" { whole++ }
    file == 2 { b[++m] = $0 }
    END {
      k = split(cols, C, " ")
      if (n == 0 || n != m || whole != n) { print "rows: " n " education=low, " whole " whole cohort, " m " in the restricted run"; exit 1 }
      for (r = 1; r <= n; r++) {
        split(a[r], x, ","); split(b[r], y, ",")
        for (j = 1; j <= k; j++) if (x[idx[C[j]]] != y[idx[C[j]]]) { print "row " r " " C[j] ": " x[idx[C[j]]] " against " y[idx[C[j]]]; bad++ }
      }
      printf "%d rows, %d columns compared, %d differ\n", n, k, bad; exit bad > 0 }' "$1" "$2"
}
same "$tmp/rg/placebo.csv" "$tmp/rl/placebo.csv" \
  "program outcome estimand month estimate se ci_lower ci_upper max_abs_t n_treated_matched n_control_used" ||
  fail "placebo.csv: the subgroup's rows are not those of its own run"
same "$tmp/rg/sensitivity.csv" "$tmp/rl/sensitivity.csv" \
  "program outcome analysis horizon_months p_gamma_1 p_gamma_1_5 p_gamma_2 gamma_critical n_matched_sets n_control_used" ||
  fail "sensitivity.csv: the subgroup's rows are not those of its own run"

# With disclosure control the export passes the output checker.
sed 's/^min_cell = 0/min_cell = 10/' groups.ini > groups10.ini
"$netto" run groups10.ini --out "$tmp/r10" > /dev/null 2>&1 || fail "run with min_cell 10"
grep -q "education=low" "$tmp/r10/export/placebo.csv" && grep -q "education=low" "$tmp/r10/export/sensitivity.csv" ||
  fail "export/ has no subgroup rows"
bash "$here/disclosure_check.sh" "$tmp/r10/export" 10 5 > /dev/null || fail "export/ fails the disclosure check"

cd / && rm -rf "$tmp"
echo "cli_credibility_groups: ok"
