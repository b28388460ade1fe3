#!/usr/bin/env bash
# [estimator] toe_effect_by (docs/toe.md, "Effects by observed group"): on a
# small simulated cohort (scenario default, whose programme effects differ
# by education and recent work), the timing-of-events effects per group of
# two [subgroups] variables (sex x emp_prev12: four groups): toe.csv has the
# lock-in and post effects on the exit and the post effect on job loss per
# group, labelled lockin[sex=M&emp_prev12=0-0] etc., with SEs; the paths
# and the report's section are there; the same bytes with 1 and 2 threads;
# study errors (exit 1) for a variable that is not a [subgroups] one, a
# variable whose groups leave persons out or overlap, and a derived one.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_toe_effect_by.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/toe_study.sh"
toe_study "$netto" "$tmp" default toe_by "toe_effect_by = sex, emp_prev12" || fail simulate
printf '%s\n' "[subgroups]" "sex = M, F" "emp_prev12 = 0-0, 1-12" >> "$tmp/sim/toe.ini"
toe_threads "$netto" "$tmp/sim/toe.ini" "$tmp" toe.csv toe_fit.csv toe_effects.csv toe_vs_matching.csv \
  plots/any/toe_vs_matching.png || fail "1 and 2 threads"
# four groups: lock-in and post on the exit, post on job loss, each with an SE;
# no ungrouped effect rows
g='\[sex=[MF]&emp_prev12=(0-0|1-12)\]'
[ "$(grep -cE "^any,coefficient,(lockin|post)$g,exit,[^,]+,[^,]+,[0-9]" "$tmp/r1/toe.csv")" = 8 ] \
  || { grep -E 'lockin|post' "$tmp/r1/toe.csv"; fail "exit effects by group"; }
[ "$(grep -cE "^any,coefficient,post$g,loss,[^,]+,[^,]+,[0-9]" "$tmp/r1/toe.csv")" = 4 ] \
  || { grep -E 'post' "$tmp/r1/toe.csv"; fail "job-loss effects by group"; }
grep -qE '^any,coefficient,(lockin|post),' "$tmp/r1/toe.csv" && fail "an ungrouped effect row"
grep -q 'lockin\[sex=M&emp_prev12=0-0\],' "$tmp/r1/toe.csv" || fail "group label"
awk -F, '$3 == "cumulative" && $4 == 36 { t = $8; s = $9 } END { if (t == "" || !(s > 0)) exit 1 }' \
  "$tmp/r1/toe_vs_matching.csv" || fail "paths"
grep -q 'Matching and timing-of-events' "$tmp/r1/report.html" || fail "report.html has no matching-vs-toe section"
# errors: the key's line (24) or the variable named, exit 1
bad() { # $1 sed script, $2 pattern expected in the message, $3 what
  sed "$1" "$tmp/sim/toe.ini" > "$tmp/sim/bad.ini"
  "$netto" run "$tmp/sim/bad.ini" --out "$tmp/bad" >"$tmp/o" 2>&1; rc=$?
  [ $rc = 1 ] && grep -q "$2" "$tmp/o" || { cat "$tmp/o"; fail "$3: rc $rc"; }
}
bad 's/^toe_effect_by = .*/toe_effect_by = sex, education/' 'bad.ini:24.*"education" is not a \[subgroups\] variable' \
  "not a subgroup variable"
bad 's/^toe_effect_by = .*/toe_effect_by = sex, sex/' 'bad.ini:24.*toe_effect_by.*"sex" is listed twice' "a variable twice"
bad 's/^sex = M, F/education = low, mid, high/; s/^toe_effect_by = .*/toe_effect_by = education/' \
  'bad.ini:24.*in no group of "education"' "persons in no group (missing education)"
bad 's/^emp_prev12 = 0-0, 1-12/emp_prev12 = 0-6, 6-12/' 'bad.ini:24.*in more than one' "overlapping ranges"
bad 's/^emp_prev12 = 0-0, 1-12/start_year = 2003-2003, 2004-2004/; s/^toe_effect_by = .*/toe_effect_by = start_year/' \
  'bad.ini:24.*"start_year" is a derived subgroup variable' "a derived variable"
echo "toe_effect_by: effects by group, thread-independent bytes, paths, errors ok"
