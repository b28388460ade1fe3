#!/usr/bin/env bash
# The context table as the data contract's optional fifth file (issue 14;
# docs/ingest.md "The context table", docs/store.md "/context"): netto
# ingest --context checks it against the cohort and keeps it in the store
# (CSV, .sav, .dta); netto run uses the stored table when the study names
# no file, and the study's file when it names one (a different file gives
# different effects, the same file the same bytes); a store without a
# table still reads; netto check and netto ingest --check list every
# problem with file, line and column: a repeated region x month, an
# unknown region, a gap in the months the cohort needs, a value that is
# not a number.
set -u
netto=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
S=$(cd "$(dirname "$0")" && pwd)/data/spells
tmp="${NT_TMP:-/tmp}/cli_context.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
"$netto" simulate --scenario cycle --persons 2000 --seed 4 --out "$tmp/sim" >/dev/null || { echo "FAIL: simulate"; exit 1; }
cd "$tmp/sim" || exit 1
spells=(--persons persons.csv --benefits benefits.csv --programs programs.csv --jobs jobs.csv
        --scheme WW,BIJSTAND --inflow 2003-01:2004-12 --horizon 101 --data-end 2012-12-31)

# ---- ingest keeps the table; an ingest without it writes no /context
"$netto" ingest "${spells[@]}" --context context.csv -o c.h5 >ingest.log 2>&1 || { cat ingest.log; fail "ingest --context"; }
"$netto" ingest "${spells[@]}" -o old.h5 >/dev/null 2>&1 || fail "ingest without --context"
if command -v h5dump >/dev/null; then
  h5dump -d /context/keys c.h5 | grep -q 'SIMPLE { ( 15 )' || fail "/context/keys: not the 15 regions"
  h5dump -a /context/months c.h5 | grep -q '(0): 156' || fail "/context months: not 156"
  v=$(h5dump -d /context/values -s 0,0,54 -c 1,1,1 c.h5 | grep -A1 'DATA {' | tail -1 | tr -d ' ')
  [ "$v" = "(0,0,54):8.4" ] || fail "/context/values 0363 2004-07: got '$v', want 8.4 (context.csv)"
  h5dump -a /ingest_command c.h5 | grep -q -- '--context context.csv' || fail "ingest_command lacks --context"
  h5dump -g /context old.h5 >/dev/null 2>&1 && fail "a store ingested without --context has /context"
fi

# ---- netto run: the stored table, the study's file (same bytes), another file (wins)
sed -e '/^\[subgroups\]/,/^$/d' -e '/^\[cohort\]/,/^$/d' -e 's/^programs = bemiddeling.*/programs = any/' \
    -e 's/^series = .*/series = employed/' -e 's/^start_months = .*/start_months = 0:5/' \
    -e 's/^exact = scheme/exact = scheme\ncalendar = none\ncontext = unemployment_rate/' \
    -e '/^persons =\|^benefits =\|^programs = programs.csv\|^jobs =\|^data_end\|^lenient/d' \
    -e 's|^\[data\]|[data]\nstore = c.h5|' study.ini > stored.ini
awk -F, 'NR == 1 { print; next } { printf "%s,%s,%.4f\n", $1, $2, $3 * $3 }' context.csv > squared.csv
sed 's|^store = c.h5|store = c.h5\ncontext = context.csv|' stored.ini > file.ini
sed 's|^store = c.h5|store = c.h5\ncontext = squared.csv|' stored.ini > squared.ini
sed 's|^store = c.h5|store = old.h5|' stored.ini > old.ini
for s in stored file squared; do
  "$netto" run $s.ini --out out_$s >$s.log 2>&1 || { cat $s.log; fail "netto run $s.ini"; }
done
cmp -s out_stored/effects.csv out_file/effects.csv || fail "the stored table and the same file give different effects"
cmp -s out_stored/effects.csv out_squared/effects.csv && fail "the study's own file did not win over the stored table"
grep -q "unemployment_rate" out_stored/pscore.csv || fail "pscore.csv has no unemployment_rate term"
rc=0; "$netto" run old.ini --out out_old >old.log 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'old.ini:[0-9]*:.*netto ingest --context' old.log || { cat old.log; fail "old store: exit $rc"; }
rc=0; "$netto" check stored.ini >check.log 2>&1 || rc=$?
[ "$rc" = 0 ] && grep -q "context table context.csv: fine" check.log || { cat check.log; fail "netto check stored.ini: exit $rc"; }

# ---- a bad table: every problem, with file, line and column
(grep -v '^0363,2004-0[34],' context.csv; echo "9999,2004-01,5"; echo "0599,2005-01,5.5"; echo "0344,2006-01,n/a") > bad.csv
sed -e 's/^jobs = jobs.csv/jobs = jobs.csv\ncontext = bad.csv/' study.ini > spells_bad.ini
sed 's|^store = c.h5|store = c.h5\ncontext = bad.csv|' stored.ini > store_bad.ini
for s in spells_bad store_bad; do
  rc=0; "$netto" check $s.ini >$s.log 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "netto check $s.ini: exit $rc, expected 1"
  for want in 'context table bad.csv: 4 problems' \
              'bad.csv:2: column month: region 0363: no row for 2 months the cohort needs, 2004-03 to 2004-04' \
              'bad.csv:2340: column region: found "9999", a region the persons data do not have' \
              'bad.csv:2341: column region: region 0599, 2005-01 again (first on line 216)' \
              'bad.csv:2342: column unemployment_rate: found "n/a", expected a number'; do
    grep -qF "$want" $s.log || { cat $s.log; fail "netto check $s.ini: no line '$want'"; }
  done
done
rc=0; "$netto" ingest "${spells[@]}" --context bad.csv -o bad.h5 >bad.log 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "ingest of a bad table: exit $rc"
grep -q 'bad.csv:[0-9]*: column .*(and 3 more problems with the table)' bad.log || { cat bad.log; fail "ingest: message"; }
[ -e bad.h5 ] && fail "ingest of a bad table left a store"
rc=0; "$netto" ingest --check "${spells[@]}" --context bad.csv >ichk.log 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -qF 'context table bad.csv: 2 problems' ichk.log || { cat ichk.log; fail "ingest --check: exit $rc"; }

# ---- .sav and .dta, with a national row (empty region) for the person without one
for e in sav dta; do
  f=(--persons "$S/persons.$e" --benefits "$S/benefits.$e" --programs "$S/programs.$e" --jobs "$S/jobs.$e"
     --scheme WW --inflow 2020-01:2020-12 --horizon 12)
  "$netto" ingest "${f[@]}" --context "$S/context.$e" -o rs_$e.h5 >rs_$e.log 2>&1 || { cat rs_$e.log; fail "ingest --context context.$e"; }
  if command -v h5dump >/dev/null; then   # 0599 in 2019-02..04: 6.1, 6.2, 6.3 (make_context_fixtures.R)
    v=$(h5dump -d /context/values -s 0,1,1 -c 1,1,3 rs_$e.h5 | grep -A1 'DATA {' | tail -1 | tr -d ' ')
    [ "$v" = "(0,1,1):6.1,6.2,6.3" ] || fail "context.$e: 0599 values '$v'"
  fi
done
printf 'month;region;unemployment_rate\n' > comma.csv
for m in 2020-01 2020-02 2020-03 2020-04 2020-05 2020-06 2020-07 2020-08 2020-09 2020-10 2020-11 2020-12; do
  for r in 0363 0599; do printf '%s;%s;5,5\n' $m $r >> comma.csv; done
done
f=(--persons "$S/persons.sav" --benefits "$S/benefits.sav" --programs "$S/programs.sav" --jobs "$S/jobs.sav" --scheme WW --inflow 2020-01:2020-12 --horizon 12)
rc=0; "$netto" ingest "${f[@]}" --decimal , --context comma.csv -o comma.h5 >comma.log 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'comma.csv: column region: 1 person of the cohort has no region, and the table has no national row' comma.log ||
  { cat comma.log; fail "no national row: exit $rc"; }
printf '2020-01;;5,5\n' >> comma.csv
for m in 2020-02 2020-03 2020-04 2020-05 2020-06 2020-07 2020-08 2020-09 2020-10 2020-11 2020-12; do printf '%s;;6,5\n' $m >> comma.csv; done
"$netto" ingest "${f[@]}" --decimal , --context comma.csv -o comma.h5 >comma.log 2>&1 || { cat comma.log; fail "month;region with decimal commas"; }

cd /; rm -rf "$tmp"
[ "$fails" -eq 0 ] && echo "cli_context: all checks passed"
exit "$fails"
