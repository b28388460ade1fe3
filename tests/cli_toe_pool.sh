#!/usr/bin/env bash
# method = toe with named programmes and toe_effect_by (docs/toe.md,
# "Effects by programme type", pooling): on the small simulated cohort
# (scenario unobserved) every workfirst start of a woman is relabelled
# bemiddeling, so the type x group cell workfirst x sex=F is empty. The run
# (programs = scholing, workfirst; toe_effect_by = sex) does not stop: the
# workfirst effects are pooled over sex (toe.csv terms lockin[workfirst],
# post[workfirst] on the exit and on job loss), the other types keep theirs
# by sex (lockin[scholing&sex=M], ...), run.log and manifest.json carry the
# warning naming the type, workfirst has its path, and the bytes are the
# same with 1 and 2 threads. With a single workfirst start left, the pooled
# type itself is empty: a study error naming [workfirst].
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_toe_pool.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
. "$(dirname "$0")/toe_study.sh"
toe_study "$netto" "$tmp" unobserved toe_pool "toe_effect_by = sex" || fail simulate
s="$tmp/sim"
sed -i 's/^programs = any$/programs = scholing, workfirst/' "$s/toe.ini"
printf '%s\n' "[subgroups]" "sex = M, F" >> "$s/toe.ini"
awk -F, 'NR == FNR { sex[$1] = $3; next } FNR > 1 && $2 == "workfirst" && sex[$1] == "F" { $2 = "bemiddeling" } 1' \
  OFS=, "$s/persons.csv" "$s/programs.csv" > "$tmp/p.csv" && mv "$tmp/p.csv" "$s/programs.csv"
grep -q ',workfirst,' "$s/programs.csv" || fail "no workfirst start left"
toe_threads "$netto" "$s/toe.ini" "$tmp" toe.csv toe_fit.csv toe_effects.csv toe_vs_matching.csv \
  || fail "1 and 2 threads"
c="$tmp/r1/toe.csv"
# each type's effect rows under its own name (the joint fit's layout)
for h in exit loss; do
  grep -qE "^workfirst,coefficient,post\[workfirst\],$h,[^,]+,[^,]+,[0-9]" "$c" || fail "post[workfirst] on $h"
done
grep -qE "^workfirst,coefficient,lockin\[workfirst\],exit," "$c" || fail "lockin[workfirst]"
grep -qE "^[a-z]+,coefficient,[a-z]+\[workfirst&" "$c" && fail "workfirst effects by sex (not pooled)"
for p in bemiddeling loonkostensubsidie scholing; do
  [ "$(grep -cE "^$p,coefficient,(lockin|post)\[$p&sex=[MF]\],exit," "$c")" = 4 ] \
    || { grep -E "^$p,.*(lockin|post)" "$c"; fail "$p: its effects by sex"; }
done
grep -q 'lockin\[scholing&sex=F\],' "$c" || fail "type x group label"
for f in run.log manifest.json; do
  grep -q 'programme type workfirst: 1 of its 2 person groups.*pooled over the person groups (one effect group, \[workfirst\])' \
    "$tmp/r1/$f" || fail "no pooling warning in $f"
done
grep -q 'programme type scholing' "$tmp/r1/run.log" && fail "scholing pooled"
[ "$(grep -c '^workfirst,employed,effect,' "$tmp/r1/toe_vs_matching.csv")" = 36 ] || fail "workfirst: 36 effect rows"
# the pooled type itself without an exit: the study error names it
awk -F, 'FNR > 1 && $2 == "workfirst" && n++ > 0 { $2 = "bemiddeling" } 1' OFS=, "$s/programs.csv" > "$tmp/p.csv" \
  && mv "$tmp/p.csv" "$s/programs.csv"
NETTO_QUIET=1 "$netto" run "$s/toe.ini" --out "$tmp/re" --threads 1 >"$tmp/oute" 2>&1 && fail "one workfirst start: ran"
grep -qE '(lockin|post)\[workfirst\]' "$tmp/oute" || { cat "$tmp/oute"; fail "one workfirst start: the error names [workfirst]"; }
echo "method = toe, an empty type x group cell: the type pooled ([workfirst]), the others by group, warned, bytes ok"
