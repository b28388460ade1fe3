#!/usr/bin/env bash
# method = toe with named programmes (docs/toe.md, "Effects by programme
# type"): on a small simulated cohort (scenario unobserved, four programme
# types), `programs = any, scholing, workfirst`: `any` is the pooled fit
# (ungrouped lockin/post rows); the named programmes share one fit whose
# entry is every first start and whose effects are by programme type:
# toe.csv has lockin[TYPE] and post[TYPE] on the exit and post[TYPE] on job
# loss for each of the four types, with SEs, in both named blocks (the same
# fit: their rows agree apart from `program`, and so do their toe_fit.csv
# rows); each programme has its own path (its starters); the same bytes
# with 1 and 2 threads. With toe_effect_by = sex the terms are
# lockin[scholing&sex=M] etc.
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
for th in 1 2; do
  NETTO_QUIET=1 "$netto" run "$tmp/sim/toe.ini" --out "$tmp/r$th" --threads $th >"$tmp/out$th" 2>&1 \
    || { cat "$tmp/out$th"; fail "netto run (threads $th)"; }
done
for f in toe.csv toe_fit.csv toe_effects.csv toe_vs_matching.csv plots/scholing/toe_vs_matching.png; do
  [ -s "$tmp/r1/$f" ] || fail "no $f"
  cmp -s "$tmp/r1/$f" "$tmp/r2/$f" || fail "$f differs between 1 and 2 threads"
done
c="$tmp/r1/toe.csv"
# any: pooled effects
[ "$(grep -cE '^any,coefficient,(lockin|post),exit,' "$c")" = 2 ] || fail "any: pooled exit effects"
grep -qE '^any,coefficient,(lockin|post)\[' "$c" && fail "any: effects by type"
types='(bemiddeling|loonkostensubsidie|scholing|workfirst)'
for p in scholing workfirst; do
  [ "$(grep -cE "^$p,coefficient,(lockin|post)\[$types\],exit,[^,]+,[^,]+,[0-9]" "$c")" = 8 ] \
    || { grep -E "^$p,.*(lockin|post)" "$c"; fail "$p: exit effects by type"; }
  [ "$(grep -cE "^$p,coefficient,post\[$types\],loss,[^,]+,[^,]+,[0-9]" "$c")" = 4 ] \
    || fail "$p: job-loss effects by type"
  grep -qE "^$p,coefficient,(lockin|post)," "$c" && fail "$p: an effect row without its type"
done
# one fit for the named programmes
[ "$(grep '^scholing,' "$c" | cut -d, -f2-)" = "$(grep '^workfirst,' "$c" | cut -d, -f2-)" ] \
  || fail "the named programmes' toe.csv rows differ (not one fit)"
f="$tmp/r1/toe_fit.csv"
[ "$(grep '^scholing,' "$f" | cut -d, -f2-)" = "$(grep '^workfirst,' "$f" | cut -d, -f2-)" ] \
  || fail "the named programmes' toe_fit.csv rows differ"
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
[ "$(grep -cE "^scholing,coefficient,(lockin|post)\[$types&sex=[MF]\],exit," "$tmp/rb/toe.csv")" = 16 ] \
  || { grep -E 'lockin|post' "$tmp/rb/toe.csv"; fail "effects by type x sex"; }
grep -q 'lockin\[scholing&sex=M\],' "$tmp/rb/toe.csv" || fail "type x group label"
echo "method = toe by programme type: pooled any, one fit by type, per-programme paths, bytes, labels ok"
