#!/usr/bin/env bash
# method = toe with named programmes (docs/toe.md, "Effects by programme
# type"): on a small simulated cohort (scenario unobserved, four programme
# types), `programs = any, scholing, workfirst`: `any` is the pooled fit
# (ungrouped lockin/post rows); the named programmes share one fit whose
# entry is every first start and whose effects are by programme type:
# toe.csv has lockin[TYPE] and post[TYPE] on the exit and post[TYPE] on job
# loss for each of the four types (also the two not in the study's list),
# with SEs, each under program = TYPE; every other row of that fit (its
# baselines, covariates, mass points, fit rows) once under program = joint,
# and so toe_fit.csv's rows: each term of the fit once (the old layout, the
# whole fit in each named programme's block, fails); each programme has its
# own path (its starters); the same bytes with 1 and 2 threads. With
# toe_effect_by = sex the terms are lockin[scholing&sex=M] etc., under the
# type.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_toe_programs.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/toe_study.sh"
toe_study "$netto" "$tmp" unobserved toe_programs || fail simulate
sed -i 's/^programs = any$/programs = any, scholing, workfirst/' "$tmp/sim/toe.ini"
printf '%s\n' "[subgroups]" "sex = M, F" >> "$tmp/sim/toe.ini"
toe_threads "$netto" "$tmp/sim/toe.ini" "$tmp" toe.csv toe_fit.csv toe_effects.csv toe_vs_matching.csv \
  plots/scholing/toe_vs_matching.png || fail "1 and 2 threads"
c="$tmp/r1/toe.csv"
# any: pooled effects
[ "$(grep -cE '^any,coefficient,(lockin|post),exit,' "$c")" = 2 ] || fail "any: pooled exit effects"
grep -qE '^any,coefficient,(lockin|post)\[' "$c" && fail "any: effects by type"
types='(bemiddeling|loonkostensubsidie|scholing|workfirst)'
# the joint fit: a type's effect rows (with SEs) under the type, whatever the study lists
for p in bemiddeling loonkostensubsidie scholing workfirst; do
  [ "$(grep -cE "^$p,coefficient,(lockin|post)\[$p\],exit,[^,]+,[^,]+,[0-9]" "$c")" = 2 ] \
    || { grep -E "(lockin|post)" "$c"; fail "$p: its exit effects under $p"; }
  [ "$(grep -cE "^$p,coefficient,post\[$p\],loss,[^,]+,[^,]+,[0-9]" "$c")" = 1 ] \
    || fail "$p: its job-loss effect under $p"
  grep -vE "^$p,coefficient,(lockin|post)\[$p\],(exit|loss)," "$c" | grep -qE "^$p," \
    && { grep -E "^$p," "$c"; fail "$p: a row that is not its effect"; }
done
grep -qE '^(scholing|workfirst|joint),coefficient,(lockin|post),' "$c" && fail "an effect row without its type"
# ... and every other row once under joint: baselines, covariates, mass points, the fit
grep -vE "^(any|joint|$types)," "$c" | grep -v '^program,' | grep -q . && fail "a row of another programme"
grep -E "^joint,coefficient,(lockin|post)\[" "$c" && fail "an effect row under joint"
for r in 'coefficient,"?\(-Inf,1\]"?,exit' 'coefficient,"?\(-Inf,1\]"?,entry' 'coefficient,age,exit' \
         'coefficient,age,loss' 'mass_point,type\[1\],exit' 'probability,type\[1\],' 'fit,loglik,' 'fit,aic,' \
         'fit,bic,' 'fit,mass_points,'; do
  [ "$(grep -cE "^joint,$r" "$c")" = 1 ] || { grep -E ",$r" "$c"; fail "$r: not once under joint"; }
done
# each term of the joint fit once (kind, term, hazard)
dup=$(grep -vE '^(any|program),' "$c" | sed -E 's/^[^,]*,([^,]*,("[^"]*"|[^,]*),[^,]*),.*/\1/' | sort | uniq -d)
[ -z "$dup" ] || fail "terms written more than once: $dup"
f="$tmp/r1/toe_fit.csv"
[ "$(grep -c '^joint,' "$f")" = 2 ] && ! grep -qE '^(scholing|workfirst),' "$f" \
  || { cat "$f"; fail "toe_fit.csv: the joint fit's K = 1, 2 once under joint"; }
# each programme its own treated and path
e="$tmp/r1/toe_effects.csv"
ns=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i } $1 == "scholing" { print $h["n_treated"]; exit }' "$e")
nw=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i } $1 == "workfirst" { print $h["n_treated"]; exit }' "$e")
[ -n "$ns" ] && [ -n "$nw" ] && [ "$ns" != "$nw" ] || fail "treated per programme: $ns $nw"
for p in any scholing workfirst; do
  [ "$(grep -c "^$p,employed,effect," "$tmp/r1/toe_vs_matching.csv")" = 36 ] || fail "$p: 36 effect rows"
done
[ "$(grep '^scholing,employed,cumulative,36,' "$tmp/r1/toe_vs_matching.csv" | cut -d, -f8)" != \
  "$(grep '^workfirst,employed,cumulative,36,' "$tmp/r1/toe_vs_matching.csv" | cut -d, -f8)" ] \
  || fail "the two programmes have the same path"
grep -q 'choice among programmes' "$tmp/r1/report.html" || fail "the report's assumptions miss the programme choice"
# with person groups: type x group
sed 's/^programs = any.*/programs = scholing/; s/^toe_calendar = no/toe_calendar = no\ntoe_effect_by = sex/' \
  "$tmp/sim/toe.ini" > "$tmp/sim/by.ini"
NETTO_QUIET=1 "$netto" run "$tmp/sim/by.ini" --out "$tmp/rb" --threads 1 >"$tmp/outb" 2>&1 \
  || { cat "$tmp/outb"; fail "netto run (toe_effect_by)"; }
awk -F, '$2 == "coefficient" && $4 == "exit" && $3 ~ /^(lockin|post)\[[a-z]+&sex=[MF]\]$/ {
           t = $3; sub(/^[a-z]+\[/, "", t); sub(/&.*/, "", t); n++; own += ($1 == t) }
         END { exit !(n == 16 && own == 16) }' "$tmp/rb/toe.csv" \
  || { grep -E 'lockin|post' "$tmp/rb/toe.csv"; fail "effects by type x sex, under their type"; }
grep -q '^scholing,coefficient,lockin\[scholing&sex=M\],' "$tmp/rb/toe.csv" || fail "type x group label"
grep -q '^joint,fit,loglik,' "$tmp/rb/toe.csv" || fail "toe_effect_by: the fit rows under joint"
# a programme type named joint (toe.csv's name for the shared rows): a study error (checked before the fit)
sed 's/,workfirst,/,joint,/' "$tmp/sim/programs.csv" > "$tmp/sim/pj.csv" && mv "$tmp/sim/pj.csv" "$tmp/sim/programs.csv"
sed 's/^programs = any.*/programs = scholing/' "$tmp/sim/toe.ini" > "$tmp/sim/joint.ini"
NETTO_QUIET=1 "$netto" run "$tmp/sim/joint.ini" --out "$tmp/rj" --threads 1 >"$tmp/outj" 2>&1 && fail "a type named joint: ran"
grep -q 'programme type is named "joint"' "$tmp/outj" || { cat "$tmp/outj"; fail "a type named joint: the message"; }
echo "method = toe by programme type: pooled any, one fit by type, per-programme paths, bytes, labels ok"
