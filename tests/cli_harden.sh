#!/usr/bin/env bash
# Hostile and unlucky input end to end (issue 17, "Crashes and silent
# corruption"): every case exits 1 with a message naming what is wrong, never
# a signal, and leaves nothing that looks complete or blocks the next run.
#  - a 0-person cohort: ingest writes it, run refuses it (no double free);
#    the failed run's empty private/ does not block the next run;
#  - a damaged store (one flipped bit, truncated) is refused by its checksum;
#  - extra columns named "income/month" or "." are kept; an empty name or a
#    name twice is refused as such (not as "disk full");
#  - numbers beyond a double or a float32 wage ("1" + 320 zeros, 1e20);
#  - --person-key parts holding the '+' separator;
#  - an output that is an input (ingest -o, the rejects report, describe --csv);
#  - a FIFO, /dev/zero or a pipe as an input;
#  - programme names that collide as plot files, or are too long: refused
#    before any table; --overwrite replaces the whole result set (stale
#    plots go, other files stay); a second run into a locked folder fails;
#    stale temporaries of killed runs are cleaned;
#  - the rejects report is kept in the store (one commit);
#  - --resume continues a killed bootstrap from private/bootstrap.ckpt with
#    the same result bytes (another seed is refused);
#  - disk full while writing the store (ulimit -f): exit 1 naming the
#    object, no SIGSEGV at exit;
#  - an address-space limit (ulimit -v): "out of memory", exit 1, no hang in
#    OpenBLAS's threads (and no start month silently "not estimated").
set -u
NETTO=$1
T=${NT_TMP:-/tmp}/cli_harden.$$
rm -rf "$T"; mkdir -p "$T"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
D=$(cd "$(dirname "$0")" && pwd)/data/ingest
base=(--persons "$D/persons.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" --jobs "$D/jobs.csv")
# rc CMD...: runs it with stdout/stderr to $T/out, $T/err; prints the exit code.
rc() { "$@" >"$T/out" 2>"$T/err"; echo $?; }
expect1() { # label exit-code regex
  [ "$2" = 1 ] || fail "$1: exit $2, want 1 ($(head -c 300 "$T/err"))"
  grep -Eq "$3" "$T/err" || fail "$1: message lacks /$3/: $(head -c 300 "$T/err")"
}
study() { # file store programs
  cat > "$1" <<INI
[study]
name = h
seed = 1
[data]
store = $2
[treatment]
programs = $3
start_months = 0:2
horizon = 6
[estimator]
method = ipw
covariates = age, sex
min_treated = 1
[outcomes]
series = employed
[inference]
bootstrap = 0
[disclosure]
min_cell = 0
INI
}

# --- a 0-person cohort ---------------------------------------------------------
r=$(rc "$NETTO" ingest "${base[@]}" --scheme WW --inflow 1980-01:1980-01 --horizon 12 -o "$T/zero.h5")
[ "$r" = 0 ] || fail "0-person ingest: exit $r"
study "$T/zero.ini" zero.h5 any
r=$(rc "$NETTO" run "$T/zero.ini" --out "$T/zout")
expect1 "0-person run" "$r" "no persons"
[ -e "$T/zout/manifest.json" ] && fail "0-person run left a manifest"

# --- simulated data for the runs below ----------------------------------------
"$NETTO" simulate --persons 400 --seed 3 --out "$T/sim" >/dev/null 2>&1 || fail "simulate"
S=$T/sim
sbase=(--persons "$S/persons.csv" --benefits "$S/benefits.csv" --programs "$S/programs.csv" --jobs "$S/jobs.csv")
r=$(rc "$NETTO" ingest "${sbase[@]}" --scheme WW,BIJSTAND --inflow 2003-01:2004-12 --horizon 12 -o "$T/sim.h5")
[ "$r" = 0 ] || fail "simulated ingest: exit $r $(cat "$T/err")"
study "$T/ok.ini" sim.h5 any
# the failed 0-person run left private/ only: the next run needs no --overwrite
cp "$T/ok.ini" "$T/ok2.ini"
r=$(rc "$NETTO" run "$T/ok2.ini" --out "$T/zout")
[ "$r" = 0 ] || fail "a run after a failed run demands --overwrite: exit $r $(cat "$T/err")"
[ -f "$T/zout/manifest.json" ] || fail "the run after the failed one wrote no manifest"

# --- the rejects report is in the store -----------------------------------------
if command -v h5dump >/dev/null; then
  n=$(h5ls "$T/sim.h5/ingest/rejects_csv" | grep -o '{[0-9]*}' | tr -d '{}')
  [ "$n" = "$(wc -c < "$T/sim.h5.rejects.csv" | tr -d ' ')" ] || fail "rejects_csv in the store: $n bytes, report $(wc -c < "$T/sim.h5.rejects.csv")"
fi

# --- damaged stores ----------------------------------------------------------------
cp "$T/sim.h5" "$T/flip.h5"
size=$(wc -c < "$T/flip.h5")
printf '\x7f' | dd of="$T/flip.h5" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
cmp -s "$T/flip.h5" "$T/sim.h5" && printf '\x00' | dd of="$T/flip.h5" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
r=$(rc "$NETTO" describe "$T/flip.h5" --min-cell 0 --not-for-export)
expect1 "bit-flipped store" "$r" "damaged"
head -c $((size - 1000)) "$T/sim.h5" > "$T/trunc.h5"
r=$(rc "$NETTO" describe "$T/trunc.h5" --min-cell 0 --not-for-export)
expect1 "truncated store" "$r" "damaged"

# --- numbers ------------------------------------------------------------------------------
mk_jobs() { # wage -> $T/j.csv
  printf 'person_id,start_date,end_date,wage_eur_month,hours_week\n0001,2003-10-01,,%s,38\n' "$1" > "$T/j.csv"
}
big=1$(printf '0%.0s' $(seq 320))
for w in "$big" 1$(printf "0%.0s" $(seq 35)); do
  mk_jobs "$w"
  r=$(rc "$NETTO" ingest --persons "$D/persons.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" \
      --jobs "$T/j.csv" --scheme WW --inflow 2003-01:2003-12 --horizon 12 -o "$T/num.h5")
  expect1 "wage of ${#w} digits" "$r" "j.csv:2: column wage_eur_month"
  r=$(rc "$NETTO" ingest --persons "$D/persons.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" \
      --jobs "$T/j.csv" --scheme WW --inflow 2003-01:2003-12 --horizon 12 -o "$T/num.h5" --lenient)
  [ "$r" = 0 ] || fail "lenient wage of ${#w} digits: exit $r"
  grep -q "unreadable wage_eur_month set missing (lenient): 1 in jobs" "$T/out" || fail "lenient wage of ${#w} digits not counted: $(cat "$T/out")"
done

# --- extra column names ------------------------------------------------------------
for name in 'income/month' '.'; do
  sed "1s|children\$|$name|" "$D/persons.csv" > "$T/pn.csv"
  r=$(rc "$NETTO" ingest --persons "$T/pn.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" \
      --jobs "$D/jobs.csv" --scheme WW --inflow 2003-01:2003-12 --horizon 12 -o "$T/pn.h5")
  [ "$r" = 0 ] || fail "extra column named '$name': exit $r $(cat "$T/err")"
  r=$(rc "$NETTO" describe "$T/pn.h5" --min-cell 0 --not-for-export)
  grep -Eq "^  $(printf '%s' "$name" | sed 's/[.]/[.]/g') +numeric" "$T/out" || fail "describe lacks the column '$name'"
done
sed '1s|children$||' "$D/persons.csv" > "$T/pn.csv"
r=$(rc "$NETTO" ingest --persons "$T/pn.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" \
    --jobs "$D/jobs.csv" --scheme WW --inflow 2003-01:2003-12 --horizon 12 -o "$T/pn.h5")
expect1 "an empty column name" "$r" "pn.csv:1: found column 9 of the header without a name"
sed '1s|$|,children|; 2,$s|$|,1|' "$D/persons.csv" > "$T/pn.csv"
r=$(rc "$NETTO" ingest --persons "$T/pn.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" \
    --jobs "$D/jobs.csv" --scheme WW --inflow 2003-01:2003-12 --horizon 12 -o "$T/pn.h5")
expect1 "a column name twice" "$r" "column children: found the name in columns 9 and 10"

# --- --person-key parts holding '+' ------------------------------------------------
printf 'S,N,birth_date,sex\na+b,c,1970-01-01,M\na,b+c,1971-01-01,F\n' > "$T/kp.csv"
printf 'S,N,scheme,start_date,end_date\na+b,c,WW,2003-02-01,\na,b+c,WW,2003-03-01,\n' > "$T/kb.csv"
printf 'S,N,program,start_date,end_date,cost_eur\na,b+c,scholing,2003-04-01,2003-05-01,100\n' > "$T/kg.csv"
printf 'S,N,start_date,end_date,wage_eur_month\n' > "$T/kj.csv"
r=$(rc "$NETTO" ingest --persons "$T/kp.csv" --benefits "$T/kb.csv" --programs "$T/kg.csv" --jobs "$T/kj.csv" \
    --person-key S+N --scheme WW --inflow 2003-01:2003-12 --horizon 12 -o "$T/key.h5")
expect1 "person-key part with +" "$r" "column S: .*without '\+'"

# --- outputs that are inputs --------------------------------------------------------------
cp "$D/persons.csv" "$T/p.csv"
r=$(rc "$NETTO" ingest --persons "$T/p.csv" --benefits "$D/benefits.csv" --programs "$D/programs.csv" --jobs "$D/jobs.csv" \
    --scheme WW --inflow 2003-01:2003-12 -o "$T/p.csv")
[ "$r" -ne 0 ] && grep -q "is the persons input" "$T/err" || fail "ingest -o an input: exit $r $(cat "$T/err")"
cmp -s "$T/p.csv" "$D/persons.csv" || fail "ingest -o replaced its input"
cp "$D/benefits.csv" "$T/b.csv.rejects.csv"
r=$(rc "$NETTO" ingest --persons "$D/persons.csv" --benefits "$T/b.csv.rejects.csv" --programs "$D/programs.csv" \
    --jobs "$D/jobs.csv" --scheme WW --inflow 2003-01:2003-12 -o "$T/b.csv")
[ "$r" -ne 0 ] && grep -q "is the benefits input" "$T/err" || fail "rejects report onto an input: exit $r"
cp "$S/persons.csv" "$T/sp.csv"
r=$(rc "$NETTO" describe "$T/sim.h5" --csv "$T/sp.csv" --min-cell 0 --not-for-export)
[ "$r" -ne 0 ] && grep -q "is the persons file" "$T/err" || fail "describe --csv onto an input: exit $r $(cat "$T/err")"
cmp -s "$T/sp.csv" "$S/persons.csv" || fail "describe --csv replaced an input"
r=$(rc "$NETTO" describe "$T/sim.h5" --csv "$T/sim.h5" --min-cell 0 --not-for-export)
[ "$r" -ne 0 ] && cmp -s "$T/sim.h5" "$T/sim.h5" && grep -q "is the store" "$T/err" || fail "describe --csv onto the store: exit $r"

# --- FIFOs, devices, pipes ---------------------------------------------------------------
mkfifo "$T/fifo"
for inp in "$T/fifo" /dev/zero; do
  r=$(rc timeout 20 "$NETTO" ingest --persons "$inp" --benefits "$D/benefits.csv" --programs "$D/programs.csv" \
      --jobs "$D/jobs.csv" --scheme WW --inflow 2003-01:2003-12 -o "$T/f.h5")
  expect1 "input $inp" "$r" "is a (pipe|character device)"
done
r=$(rc timeout 20 "$NETTO" ingest --persons <(cat "$D/persons.csv") --benefits "$D/benefits.csv" --programs "$D/programs.csv" \
    --jobs "$D/jobs.csv" --scheme WW --inflow 2003-01:2003-12 -o "$T/f.h5")
expect1 "a pipe as input" "$r" "is a pipe"

# --- output folder ---------------------------------------------------------------------------
# programme names that collide as plot files: refused before any table
awk -F, 'BEGIN{OFS=","} NR>1 && $2=="bemiddeling"{$2="a/b"} NR>1 && $2=="scholing"{$2="a_b"} {print}' "$S/programs.csv" > "$T/pc.csv"
r=$(rc "$NETTO" ingest "${sbase[@]/$S\/programs.csv/$T/pc.csv}" --scheme WW,BIJSTAND --inflow 2003-01:2004-12 --horizon 12 -o "$T/coll.h5")
[ "$r" = 0 ] || fail "ingest with a/b: exit $r $(cat "$T/err")"
study "$T/coll.ini" coll.h5 "a/b, a_b"
r=$(rc "$NETTO" run "$T/coll.ini" --out "$T/cout")
expect1 "colliding programme names" "$r" "would share the plot files"
[ -e "$T/cout/effects.csv" ] && fail "colliding names: tables were written before the refusal"
long=$(printf 'x%.0s' $(seq 300))
awk -F, -v L="$long" 'BEGIN{OFS=","} NR>1 && $2=="bemiddeling"{$2=L} {print}' "$S/programs.csv" > "$T/pl.csv"
r=$(rc "$NETTO" ingest "${sbase[@]/$S\/programs.csv/$T/pl.csv}" --scheme WW,BIJSTAND --inflow 2003-01:2004-12 --horizon 12 -o "$T/long.h5")
if [ "$r" = 0 ]; then
  study "$T/long.ini" long.h5 "$long"
  r=$(rc "$NETTO" run "$T/long.ini" --out "$T/lout")
  expect1 "a 300-character programme name" "$r" "shorten the name"
  [ -e "$T/lout/effects.csv" ] && fail "long name: tables were written before the refusal"
fi

# --overwrite replaces the whole result set; other files stay
r=$(rc "$NETTO" run "$T/ok.ini" --out "$T/res")
[ "$r" = 0 ] || fail "run: exit $r $(cat "$T/err")"
touch "$T/res/plots/effect_old_study_employed.png" "$T/res/notes.md"
dead=$(sh -c 'echo $$')
touch "$T/res/effects.csv.tmp-$dead-abcdef" "$T/res/plots/x.png.tmp-$dead-abcdef"
r=$(rc "$NETTO" run "$T/ok.ini" --out "$T/res")
expect1 "rerun without --overwrite" "$r" "give --overwrite"
r=$(rc "$NETTO" run "$T/ok.ini" --out "$T/res" --overwrite)
[ "$r" = 0 ] || fail "run --overwrite: exit $r"
[ -e "$T/res/plots/effect_old_study_employed.png" ] && fail "--overwrite kept a plot of the earlier result set"
[ -e "$T/res/notes.md" ] || fail "--overwrite removed a file that is not netto's"
ls -a "$T/res" "$T/res/plots" | grep -q 'tmp-' && fail "stale temporaries were not cleaned"
# --overwrite into the folder that holds the inputs removes none of them
mkdir -p "$T/own"
cp "$S/persons.csv" "$S/benefits.csv" "$S/programs.csv" "$S/jobs.csv" "$T/own/"
sed 's/^bootstrap = .*/bootstrap = 0/' "$S/study.ini" > "$T/own/study.ini"
sed -i 's/^horizon = 96/horizon = 12/; s/^start_months = .*/start_months = 0:2/; /^\[subgroups\]/,/^emp_prev12/d' "$T/own/study.ini"
touch "$T/own/manifest.json"
r=$(rc "$NETTO" run "$T/own/study.ini" --out "$T/own" --overwrite)
[ "$r" = 0 ] || fail "run --overwrite into the input folder: exit $r $(cat "$T/err")"
for f in persons benefits programs jobs; do [ -f "$T/own/$f.csv" ] || fail "--overwrite removed the input $f.csv"; done
r=$(rc "$NETTO" run "$T/own/study.ini" --out "$T/own" --overwrite)
[ "$r" = 0 ] || fail "second run --overwrite into the input folder: exit $r $(cat "$T/err")"
for f in persons benefits programs jobs; do [ -f "$T/own/$f.csv" ] || fail "a second --overwrite removed the input $f.csv"; done
# a second run into a locked folder fails at once
if command -v flock >/dev/null; then
  flock "$T/res" sleep 8 &
  lk=$!
  sleep 1
  r=$(rc timeout 20 "$NETTO" run "$T/ok.ini" --out "$T/res" --overwrite)
  expect1 "a second run into a locked folder" "$r" "another netto run"
  kill $lk 2>/dev/null; wait $lk 2>/dev/null
  [ -f "$T/res/manifest.json" ] || fail "the refused second run damaged the first's results"
fi

# --- stale temporaries of a killed ingest are cleaned --------------------------------------
touch "$T/sim.h5.tmp-$dead-abcdef" "$T/sim.h5.rejects.csv.tmp-$dead-abcdef"
r=$(rc "$NETTO" ingest "${sbase[@]}" --scheme WW,BIJSTAND --inflow 2003-01:2004-12 --horizon 12 -o "$T/sim.h5")
[ "$r" = 0 ] || fail "ingest over a store: exit $r"
ls "$T" | grep -q 'sim.h5.*tmp-' && fail "ingest left stale temporaries"

# --- disk full while writing the store ---------------------------------------------------
r=$( (ulimit -f 64; trap '' XFSZ; "$NETTO" ingest "${sbase[@]}" --scheme WW,BIJSTAND --inflow 2003-01:2004-12 \
      --horizon 96 -o "$T/full.h5" >"$T/out" 2>"$T/err"; echo $?) )
expect1 "store write failing (file size limit)" "$r" "writing the store failed at /"
[ -e "$T/full.h5" ] && fail "a failed store write left a store"

# --- --resume: an interrupted bootstrap continues from its checkpoint, same bytes --------
"$NETTO" simulate --persons 2000 --seed 3 --out "$T/rsim" >/dev/null 2>&1 || fail "simulate 2000"
R=$T/rsim
r=$(rc "$NETTO" ingest --persons "$R/persons.csv" --benefits "$R/benefits.csv" --programs "$R/programs.csv" \
    --jobs "$R/jobs.csv" --scheme WW,BIJSTAND --inflow 2003-01:2004-12 --horizon 12 -o "$T/r.h5")
study "$T/boot.ini" r.h5 "any, scholing"
sed -i 's/^covariates = .*/covariates = age, sex, emp_prev12/; s/^series = .*/series = employed, earnings/; s/^bootstrap = 0/method = bootstrap\nbootstrap = 3000/' "$T/boot.ini"
r=$(rc "$NETTO" run "$T/boot.ini" --out "$T/bA" --threads 2)
[ "$r" = 0 ] || fail "bootstrap run: exit $r $(cat "$T/err")"
"$NETTO" run "$T/boot.ini" --out "$T/bB" --threads 1 >/dev/null 2>&1 &
pid=$!
for i in $(seq 2400); do
  s=$(stat -c %s "$T/bB/private/bootstrap.ckpt" 2>/dev/null || echo 0)
  [ "$s" -gt 40000 ] && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.05
done
kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
if [ -e "$T/bB/manifest.json" ]; then
  echo "note: the bootstrap finished before it could be interrupted; --resume not exercised"
else
  [ "$s" -gt 40000 ] || fail "no bootstrap checkpoint was written ($s bytes)"
  sed 's/^seed = 1/seed = 2/' "$T/boot.ini" > "$T/boot2.ini"
  r=$(rc "$NETTO" run "$T/boot2.ini" --out "$T/bB" --resume)
  expect1 "--resume with another seed" "$r" "belongs to another study"
  r=$(rc "$NETTO" run "$T/boot.ini" --out "$T/bB" --threads 2 --resume)
  [ "$r" = 0 ] || fail "--resume: exit $r $(cat "$T/err")"
  for f in effects.csv summary.csv balance.csv pscore.csv effects_by_start.csv start_months.csv; do
    cmp -s "$T/bA/$f" "$T/bB/$f" || fail "--resume: $f differs from the uninterrupted run"
  done
  [ -e "$T/bB/private/bootstrap.ckpt" ] && fail "the checkpoint was left after the run completed"
  r=$(rc "$NETTO" run "$T/boot.ini" --out "$T/bB" --resume)
  expect1 "--resume of a complete run" "$r" "nothing to resume"
fi

# --- an address-space limit: "out of memory", exit 1, no hang in OpenBLAS --------------
# (not under ASan, whose shadow memory needs more address space than any limit)
if [ -z "${NT_SANITIZED:-}" ]; then
  r=$( (ulimit -v 150000; timeout 120 "$NETTO" run "$T/ok.ini" --out "$T/oom" >"$T/out" 2>"$T/err"; echo $?) )
  expect1 "run under ulimit -v" "$r" "out of memory"
  r=$( (ulimit -v 150000; OPENBLAS_NUM_THREADS=2 timeout 120 "$NETTO" run "$T/ok.ini" --out "$T/oom2" >"$T/out" 2>"$T/err"; echo $?) )
  [ "$r" != 124 ] || fail "run under ulimit -v with OPENBLAS_NUM_THREADS=2 hangs"
fi

[ $fails -eq 0 ] && rm -rf "$T"
[ $fails -eq 0 ] && echo "cli_harden: all passed" || echo "cli_harden: $fails failure(s) (files in $T)"
exit $((fails > 0))
