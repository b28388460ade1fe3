#!/usr/bin/env bash
# netto ingest and netto describe end to end on tests/data/ingest/: exit
# codes, messages, the rejects report, h5dump reading the store, the
# describe month table, and a killed ingest leaving no store.
# Expected numbers are worked out from the fixture files:
#   cohort WW, inflow 2003-01:2003-12, H = 12, data end 2004-06-30
#   0001 WW 2003-02-10..06-30 + 07-01..09-30 (touching: merged), job from 2003-10-01 at 2500
#   0002 WW from 2003-03-01 (open), job ended 2002 -> never employed in the panel
#   0003 ww 2003-01-15..12-31, emigrates 2003-11-15: observed 2003-01..2003-10 (10 months)
#   0004 WWB 2003-04 (not the scheme), WW 2003-09-01..10-15, scholing 2003-09-20,
#        job 2003-10-20..2004-06-30 at 2000: observed 2003-09..2004-06 (10 months)
set -u
NETTO=$1
D=$(cd "$(dirname "$0")" && pwd)/data/ingest
T=${NT_TMP:-/tmp}/cli_ingest.$$
rm -rf "$T"; mkdir -p "$T"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { if [ "$2" != "$3" ]; then fail "$1: got '$2', want '$3'"; fi; }

base=(--persons "$D/persons.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" --jobs "$D/jobs.csv")
ingest() { "$NETTO" ingest "$@" >"$T/out" 2>"$T/err"; echo $?; }

# --- a clean run ------------------------------------------------------------
rc=$(ingest "${base[@]}" --scheme WW --inflow 2003-01:2003-12 --horizon 12 --data-end 2004-06-30 -o "$T/c.h5")
check "clean run exit" "$rc" 0
[ -f "$T/c.h5" ] || fail "no store written"
grep -q "cohort: 4 persons x 12 months" "$T/out" || fail "report lacks the cohort size: $(cat "$T/out")"
grep -q "merged: 1" "$T/out" || fail "report lacks the merge count"
check "rejects report" "$(cat "$T/c.h5.rejects.csv")" 'file,line,column,reason,record
'"$D"'/benefits.csv,7,start_date,merged,"0001,WW,2003-07-01,2003-09-30"'

# h5dump (hdf5-tools) reads the store.
if command -v h5dump >/dev/null; then
  v=$(h5dump -a /format_version "$T/c.h5" | grep -A1 'DATA {' | tail -1 | tr -d ' ')
  check "format_version via h5dump" "$v" "(0):2"
  ids=$(h5dump -d /persons/person_id "$T/c.h5" | grep -o '"000[0-9]"' | tr -d '"' | tr '\n' ' ')
  check "person ids in bytewise order" "$ids" "0001 0002 0003 0004 "
  # age at the index start: 1975-06-15 -> 2003-02-10: 27; "1980-02" (= 1980-02-01) -> 2003-03-01: 23;
  # 1990-01-01 -> 2003-01-15: 13; 1985-05-05 -> 2003-09-01: 18.
  age=$(h5dump -d /persons/age "$T/c.h5" | grep -A1 '^   DATA {' | tail -1 | tr -d ' ')
  check "age" "$age" "(0):27,23,13,18"
  row=$(h5dump -d /panel/employed -s "3,0" -c "1,12" "$T/c.h5" | grep -o '([0-9],[0-9]*):.*' | tr -d ' \n')
  check "employed row of 0004 (censored = 255)" "$row" "(3,0):0,1,1,1,1,1,1,1,1,1,255,255"
else
  fail "h5dump not installed (scripts/deps installs hdf5-tools)"
fi

# Same input, same store bytes.
rc=$(ingest "${base[@]}" --scheme WW --inflow 2003-01:2003-12 --horizon 12 --data-end 2004-06-30 -o "$T/c2.h5")
cmp -s "$T/c.h5" "$T/c2.h5" || fail "the same input gave a different store"

# --- describe ---------------------------------------------------------------
"$NETTO" describe "$T/c.h5" --csv "$T/m.csv" --min-cell 0 --not-for-export >"$T/dout" 2>"$T/derr"
check "describe exit" "$?" 0
grep -q "persons: 4" "$T/dout" || fail "describe lacks persons"
check "describe csv header" "$(head -1 "$T/m.csv")" "month,n_observed,employed,earnings,on_benefit,on_index_benefit,in_program"
check "describe rows" "$(wc -l <"$T/m.csv" | tr -d ' ')" 13
# month 0: nobody employed, all on the index benefit, 0004 in scholing.
check "month 0" "$(sed -n 2p "$T/m.csv")" "0,4,0,0,1,1,0.25"
# month 3: 0004 employed at 2000; 0001 (scholing in May) and 0002 (bemiddeling in June) in a programme.
check "month 3" "$(sed -n 5p "$T/m.csv")" "3,4,0.25,500,0.75,0.75,0.5"
# month 10: only 0001 (2500) and 0002 observed.
check "month 10" "$(sed -n 12p "$T/m.csv")" "10,2,0.5,1250,0.5,0.5,0"
# after the month table: what the store records about its inputs and covariates
sha=$(sha256sum "$D/persons.csv" | cut -d' ' -f1)
grep -qx "  persons            4          0          0  $sha" "$T/dout" || fail "describe lacks the persons file's counts and sha256: $(cat "$T/dout")"
sha=$(sha256sum "$D/benefits.csv" | cut -d' ' -f1)
grep -qx "  benefits           6          0          1  $sha" "$T/dout" || fail "describe lacks the benefit file's merge"
grep -qx "covariates (20):" "$T/dout" || fail "describe lacks the covariate count"
grep -qx "  exit_dest  *categorical" "$T/dout" || fail "describe lacks exit_dest's kind"
grep -qx "  children  *numeric" "$T/dout" || fail "describe lacks the extra persons column"
[ "$(grep -n 'inputs as read' "$T/dout" | cut -d: -f1)" -gt "$(grep -n 'means over persons' "$T/dout" | cut -d: -f1)" ] ||
  fail "the inputs come after the existing describe output"
grep -q "^NOT FOR EXPORT" "$T/dout" || fail "describe --min-cell 0 is not marked NOT FOR EXPORT"
# Disclosure control by default (docs/disclosure.md): 4 persons are "< 10",
# no month's means are shown; --min-cell 0 only with --not-for-export.
"$NETTO" describe "$T/c.h5" --csv "$T/m10.csv" >"$T/dout10" 2>&1
check "describe default exit" "$?" 0
grep -q "^persons: < 10$" "$T/dout10" || fail "describe shows a count below 10: $(grep persons "$T/dout10")"
check "describe default month 0" "$(sed -n 2p "$T/m10.csv")" "0,,,,,,,n_observed|employed|earnings|on_benefit|on_index_benefit|in_program"
"$NETTO" describe "$T/c.h5" --min-cell 0 >/dev/null 2>&1; check "describe --min-cell 0 without --not-for-export" "$?" 2
"$NETTO" describe "$T/nonesuch.h5" >/dev/null 2>&1; check "describe missing store" "$?" 1
"$NETTO" describe >/dev/null 2>&1; check "describe without store" "$?" 2

# --- usage errors -----------------------------------------------------------
rc=$(ingest "${base[@]}" --scheme WW --inflow 2003-13:2003-12 -o "$T/u.h5"); check "bad --inflow" "$rc" 2
rc=$(ingest "${base[@]}" --scheme WW --inflow 2003-01:2003-12 --horizon 0 -o "$T/u.h5"); check "bad --horizon" "$rc" 2
rc=$(ingest "${base[@]}" --scheme WW --inflow 2003-01:2003-12 --frobnicate -o "$T/u.h5"); check "unknown option" "$rc" 2
rc=$(ingest "${base[@]}" --scheme WW --inflow 2003-01:2003-12); check "no -o" "$rc" 2
rc=$(ingest "${base[@]}" --scheme WW --inflow 2003-01:2003-12 --decimal x -o "$T/u.h5"); check "bad --decimal" "$rc" 2
"$NETTO" ingest --help | grep -q -- "--person-key" || fail "--help lacks --person-key"
[ -e "$T/u.h5" ] && fail "a usage error left a store"

# --- data errors: strict stops, nothing is left behind -----------------------
cp "$D"/*.csv "$T/"
printf '0002,WW,2003-02-30,\n' >>"$T/benefits.csv"
rc=$(ingest --persons "$T/persons.csv" --benefits "$T/benefits.csv" --programs "$T/programs.csv" --jobs "$T/jobs.csv" \
  --scheme WW --inflow 2003-01:2003-12 -o "$T/bad.h5")
check "strict bad date exit" "$rc" 1
grep -q "benefits.csv:8: column start_date: found \"2003-02-30\", expected" "$T/err" || fail "bad date message: $(cat "$T/err")"
ls "$T"/bad.h5* >/dev/null 2>&1 && fail "a failed run left files: $(ls "$T"/bad.h5*)"

# born_after_inflow: strict is an error naming the persons line, lenient rejects the person.
printf '0005,2004-01-01,F,,,,,,\n' >>"$T/persons.csv"
printf '0005,WW,2003-05-01,2003-07-31\n' >>"$T/benefits.csv"
rc=$(ingest --persons "$T/persons.csv" --benefits "$T/benefits.csv" --programs "$T/programs.csv" --jobs "$T/jobs.csv" \
  --scheme WW --inflow 2003-01:2003-12 --data-end 2004-06-30 -o "$T/bad.h5")
check "strict exit (bad date first)" "$rc" 1
sed -i '/2003-02-30/d' "$T/benefits.csv"
rc=$(ingest --persons "$T/persons.csv" --benefits "$T/benefits.csv" --programs "$T/programs.csv" --jobs "$T/jobs.csv" \
  --scheme WW --inflow 2003-01:2003-12 --data-end 2004-06-30 -o "$T/bad.h5")
check "strict born_after exit" "$rc" 1
grep -q "persons.csv:6: column birth_date: found \"2004-01-01\", expected" "$T/err" || fail "born_after message: $(cat "$T/err")"
ls "$T"/bad.h5* >/dev/null 2>&1 && fail "a failed run left files"
printf '0002,WW,2003-02-30,\n' >>"$T/benefits.csv"
rc=$(ingest --persons "$T/persons.csv" --benefits "$T/benefits.csv" --programs "$T/programs.csv" --jobs "$T/jobs.csv" \
  --scheme WW --inflow 2003-01:2003-12 --data-end 2004-06-30 --horizon 12 --lenient -o "$T/len.h5")
check "lenient exit" "$rc" 0
grep -q "cohort: 4 persons" "$T/out" || fail "lenient cohort: $(cat "$T/out")"
grep -q "born_after_inflow" "$T/len.h5.rejects.csv" || fail "rejects lack born_after_inflow"
grep -q ',bad_date,' "$T/len.h5.rejects.csv" || fail "rejects lack bad_date"
grep -q 'benefits.csv,8,person_id,unknown_person' "$T/len.h5.rejects.csv" || fail "the rejected person's spell is not listed: $(cat "$T/len.h5.rejects.csv")"
"$NETTO" describe "$T/len.h5" --csv "$T/len.csv" --min-cell 0 --not-for-export >"$T/ldout"
grep -qx "  rejected from persons: born_after_inflow 1" "$T/ldout" || fail "describe lacks the persons reject: $(grep rejected "$T/ldout")"
grep -qx "  rejected from benefits: bad_date 1, unknown_person 1" "$T/ldout" || fail "describe lacks the benefit rejects: $(grep rejected "$T/ldout")"
"$NETTO" describe "$T/len.h5" >"$T/ldout10"
grep -qx "  rejected from benefits: bad_date < 10, unknown_person < 10" "$T/ldout10" || fail "describe states a small reject count: $(grep rejected "$T/ldout10")"
cmp -s "$T/len.csv" "$T/m.csv" || fail "lenient cohort differs from the clean one"

# --- a killed ingest leaves no store -----------------------------------------
awk -v n=50000 'BEGIN {
  print "person_id,birth_date,sex" > "'"$T"'/bp.csv"
  print "person_id,scheme,start_date,end_date" > "'"$T"'/bb.csv"
  print "person_id,program,start_date,end_date" > "'"$T"'/bg.csv"
  print "person_id,start_date,end_date,wage_eur_month" > "'"$T"'/bj.csv"
  for (i = 0; i < n; i++) {
    id = sprintf("%07d", i); m = 1 + i % 12; d = 1 + i % 28
    print id ",1970-01-01,M" > "'"$T"'/bp.csv"
    printf "%s,WW,2003-%02d-%02d,2004-%02d-%02d\n", id, m, d, m, d > "'"$T"'/bb.csv"
    if (i % 3 == 0) printf "%s,scholing,2003-%02d-%02d,\n", id, m, d > "'"$T"'/bg.csv"
    printf "%s,2000-01-01,2003-%02d-%02d,2000\n", id, m, d > "'"$T"'/bj.csv"
    printf "%s,2004-%02d-%02d,,2500\n", id, m, d > "'"$T"'/bj.csv"
  } }'
"$NETTO" ingest --persons "$T/bp.csv" --benefits "$T/bb.csv" --programs "$T/bg.csv" --jobs "$T/bj.csv" \
  --scheme WW --inflow 2003-01:2003-12 --horizon 480 -o "$T/big.h5" >/dev/null 2>&1 &
pid=$!
killed=0
for _ in $(seq 1 1000); do
  if ls "$T"/big.h5.tmp-* >/dev/null 2>&1; then kill -9 $pid 2>/dev/null && killed=1; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 0.005
done
wait $pid 2>/dev/null
if [ $killed = 1 ]; then
  [ -e "$T/big.h5" ] && fail "a killed ingest left $T/big.h5"
else
  fail "the ingest finished before it could be killed (make the input bigger)"
fi

rm -rf "$T"
[ $fails = 0 ] && echo "cli_ingest: all checks passed"
exit $((fails > 0))
