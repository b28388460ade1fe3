#!/usr/bin/env bash
# effects_by_start.csv leaves a start month's se and interval empty where
# fewer than NT_DYN_KSE_MIN_TREATED (5) treated contribute at month tau
# (estimators/nt_dynamic.h; docs/inference.md, "Small start months";
# docs/results.md). On a small simulated cohort (1500 persons, seed 3,
# programme any, start months 0-23 with pool_sparse's late months of 1-4
# treated), aipw and radius with linearised inference, min_cell = 0 (so
# disclosure empties nothing):
# - every row with an estimate and 1-4 contributing treated has se,
#   ci_lower and ci_upper empty (there are such rows), the estimate shown;
# - every row with 5 or more has all three, the interval around the
#   estimate (there are such rows, with 5-9 treated among them).
# Fails on the tables of before (2026-12-01): the se was shown from one
# treated on.
set -u
netto=$1
tmp="${NT_TMP:-/tmp}/cli_start_se.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
. "$(dirname "$0")/study_ini.sh"

"$netto" simulate --persons 1500 --seed 3 --out "$tmp/sim" >/dev/null || { echo "FAIL: simulate"; exit 1; }
for m in aipw radius; do
  study_ini "$m" 3 any 0:23 3 12 "$m" "covariates = $nt_covariates" "exact = scheme" "[outcomes]" \
    "series = employed" "[inference]" "method = linearised" "[disclosure]" "min_cell = 0" > "$tmp/sim/$m.ini"
  "$netto" run "$tmp/sim/$m.ini" --out "$tmp/$m" --threads 2 >"$tmp/$m.log" 2>&1 || { cat "$tmp/$m.log"; fail "netto run ($m)"; continue; }
  awk -F, -v m=$m 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["estimate"] == "" { next }
    { n = $c["n_treated_matched"] + 0; se = $c["se"]; lo = $c["ci_lower"]; hi = $c["ci_upper"] }
    n < 5 { few++; if (se != "" || lo != "" || hi != "") { if (!bad++) print "shown with " n " treated: " $0 } next }
    { many++; if (n < 10) small++
      if (se == "" || lo == "" || hi == "" || lo > $c["estimate"] || hi < $c["estimate"]) { if (!bad++) print "no interval with " n " treated: " $0 } }
    END { printf "effects_by_start (%s): %d rows with 1-4 treated, %d with 5+ (%d of 5-9), %d wrong\n", m, few, many, small, bad
          exit !(few > 0 && small > 0 && !bad) }' "$tmp/$m/effects_by_start.csv" ||
    fail "effects_by_start.csv ($m): se and interval not empty below 5 treated, or missing from 5 on"
done

rm -rf "$tmp"
[ "$fails" -eq 0 ] && echo "cli_start_se: all passed" || { echo "cli_start_se: $fails failure(s)"; exit 1; }
