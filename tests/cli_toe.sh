#!/usr/bin/env bash
# netto survival toe: the timing-of-events model on a person-period file
# against R (tests/golden/toe_k1.csv, toe_k2.csv from
# scripts/reference/toe_golden.R: base R optim on the same likelihood),
# relative tolerance 1e-6 on every coefficient, SE, clustered SE, log L, AIC
# and BIC; the choice of K; disclosure; usage errors exit 2; bad data exit 1
# naming file, line and column.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_toe.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { # rc cmd...
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $rc, expected $want: $*"; }
}
D=data/toe_small.csv
base=(survival toe --data $D --id person --time period --exit y_exit --entry y_entry --covariates x1,x2
      --exit-cuts 6,12 --entry-cuts 6)

# compare GOLDEN DIR K: toe.csv's coefficient and heterogeneity rows (hazard:term,
# terms quoted "(6,12]" as in the golden's (6;12]) and toe_fit.csv's row K
compare() {
  awk -F, -v K="$3" '
    function rel(a, b) { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; return m > 0 ? d / m : d }
    function chk(what, a, b) { r = rel(a + 0, b + 0); if (r > worst) worst = r
                               if (r > 1e-6) { printf "%s: %s, R %s\n", what, a, b; bad = 1 } }
    FILENAME == ARGV[1] { if (FNR > 1) { ng++; gname[ng] = $1; g[ng, 1] = $2; g[ng, 2] = $3; g[ng, 3] = $4
                                         ll = $5; aic = $6; bic = $7 }; next }
    FILENAME == ARGV[2] { if (FNR == 1) { if ($0 != "kind,term,hazard,estimate,se,robust_se,z,p_value") { print "toe.csv header " $0; bad = 1 }; next }
                          gsub(/"/, ""); if (NF == 9) { $2 = $2 ";" $3; for (j = 3; j < NF; j++) $j = $(j + 1); NF = 8 }
                          if ($1 != "coefficient" && $1 != "heterogeneity") next
                          nn++; name = $1 == "coefficient" ? $3 ":" $2 : $2
                          if (name != gname[nn]) { printf "row %d: %s, R %s\n", nn, name, gname[nn]; bad = 1; next }
                          chk(name " estimate", $4, g[nn, 1]); chk(name " se", $5, g[nn, 2]); chk(name " robust_se", $6, g[nn, 3])
                          chk(name " z", $7, g[nn, 1] / g[nn, 3]); next }
    FILENAME == ARGV[3] { if (FNR > 1 && $1 == K) { seen = 1; chk("loglik", $3, ll); chk("aic", $4, aic); chk("bic", $5, bic)
                                                     if ($7 != 1) { print "K " K " not converged"; bad = 1 } } }
    END { if (ng == 0 || ng != nn) { printf "%d golden rows, %d rows\n", ng, nn; exit 1 }
          if (!seen) { print "no toe_fit.csv row for K = " K; exit 1 }
          if (bad) exit 1
          printf "K = %d: %d parameters within 1e-6 of R (max relative difference %.2g)\n", K, ng, worst }
  ' "$1" "$2/toe.csv" "$2/toe_fit.csv" || fail "golden $1"
}

# good runs: goldens -----------------------------------------------------------
expect_rc 0 "$netto" "${base[@]}" --in-program in_program --mass-points 1 --out "$tmp/k1"
compare golden/toe_k1.csv "$tmp/k1" 1
grep -q "400 persons, 3000 person-periods, 319 exits, 160 entries; K = 1" "$tmp/out" || { cat "$tmp/out"; fail "counts"; }
head -1 "$tmp/k1/toe_fit.csv" | grep -q '^mass_points,parameters,loglik,aic,bic,iterations,converged,chosen,n_persons,n_periods,n_exits,n_entries$' || fail "toe_fit header"
# K = 2 with the lock-in derived from the entry month (3 months, as simulated)
expect_rc 0 "$netto" "${base[@]}" --lockin-months 3 --mass-points 2 --out "$tmp/k2"
compare golden/toe_k2.csv "$tmp/k2" 2
grep -q '^probability,type\[2\],,0.0863982' "$tmp/k2/toe.csv" || { cat "$tmp/k2/toe.csv"; fail "probability of type 2"; }
grep -q '^mass_point,type\[2\],entry,1.90974' "$tmp/k2/toe.csv" || fail "mass point of type 2"
grep -q '^fit,mass_points,,2' "$tmp/k2/toe.csv" || fail "fit rows"
grep -q '"mass_points":[[:space:]]*2' "$tmp/k2/manifest.json" || fail "manifest counts"
# the choice of K: AIC and BIC both keep K = 1 (3037.84 vs 3042.81), K = 2 tried
expect_rc 0 "$netto" "${base[@]}" --in-program in_program --mass-points 1:3 --criterion bic --out "$tmp/ch"
awk -F, 'NR > 1 { k[$1] = $8 } END { exit !(k[1] == 1 && k[2] == 0 && !(3 in k)) }' "$tmp/ch/toe_fit.csv" || { cat "$tmp/ch/toe_fit.csv"; fail "K chosen by BIC"; }
compare golden/toe_k1.csv "$tmp/ch" 1
# shared baseline cuts and effect pieces: runs, names the pieces
expect_rc 0 "$netto" survival toe --data $D --id person --time period --exit y_exit --entry y_entry --covariates x1 \
  --in-program in_program --baseline-cuts 6 --effect-cuts 2 --post-cuts 4 --mass-points 1 --out "$tmp/pc"
grep -q '^coefficient,"(-Inf,2\]",exit,' "$tmp/pc/toe.csv" && fail "effect cuts are not baseline cuts"
grep -q '^coefficient,"lockin(0,2\]",exit,' "$tmp/pc/toe.csv" || { cat "$tmp/pc/toe.csv"; fail "lock-in pieces"; }
grep -q '^coefficient,"post(4,Inf)",exit,' "$tmp/pc/toe.csv" || fail "post pieces"
grep -q '^coefficient,"(6,Inf)",entry,' "$tmp/pc/toe.csv" || fail "entry pieces from --baseline-cuts"

# disclosure: the lock-in piece (2,3] rests on its exits
n23=$(awk -F, 'NR > 1 && $3 == 1 && $5 > 2 && $5 <= 3 && $6 == 1' $D | wc -l)
expect_rc 0 "$netto" survival toe --data $D --id person --time period --exit y_exit --entry y_entry --covariates x1 \
  --in-program in_program --baseline-cuts 6 --lockin-cuts 2 --mass-points 1 --min-cell $((n23 + 1)) --out "$tmp/dc"
head -1 "$tmp/dc/toe.csv" | grep -q ',suppressed$' || fail "suppressed column"
grep -q '^coefficient,"lockin(2,Inf)",exit,,,,,,' "$tmp/dc/toe.csv" || { cat "$tmp/dc/toe.csv"; fail "lock-in piece with $n23 exits suppressed"; }
grep -q '^coefficient,x1,exit,0\.3' "$tmp/dc/toe.csv" || fail "x1 shown"

# a missing covariate drops the person (all rows)
awk -F, 'NR == 3 { $7 = "" } 1' OFS=, $D > "$tmp/miss.csv"
expect_rc 0 "$netto" survival toe --data "$tmp/miss.csv" "${base[@]:4}" --in-program in_program --mass-points 1 --out "$tmp/m"
grep -q "399 persons, " "$tmp/out" || { cat "$tmp/out"; fail "person dropped"; }
grep -q "1 persons ([0-9]* rows) left out" "$tmp/out" || fail "dropped person noted"

# bad data: exit 1 naming file, line and column ----------------------------------
h='id,t,e,p,x'
run_bad() { expect_rc 1 "$netto" survival toe --data "$tmp/$1.csv" --id id --time t --exit e --entry p --covariates x \
              --lockin-months 2 --out "$tmp/x"; grep -q "$2" "$tmp/err" || { cat "$tmp/err"; fail "$1"; }; }
printf "$h\n1,1,0,0,0.1\n1,2,0,0,0.2\n2,1,0,0,0.2\n1,3,1,0,0.3\n" > "$tmp/apart.csv"
run_bad apart 'apart.csv:5: column id: found "1" again (last on line 3), expected a person'"'"'s rows together'
printf "$h\n1,1,0,0,0.1\n1,3,0,0,0.2\n1,2,1,0,0.3\n" > "$tmp/order.csv"
run_bad order 'order.csv:4: column t: found "2" after "3" (line 3), expected periods increasing within a person'
printf "$h\n1,1,0,0,0.1\n1,2,2,0,0.2\n" > "$tmp/ev.csv"
run_bad ev 'ev.csv:3: column e: found "2", expected 0 or 1'
printf "$h\n1,1,0,0,0.1\n1,2,0,x,0.2\n" > "$tmp/en.csv"
run_bad en 'en.csv:3: column p: found "x", expected 0 or 1'
printf "$h\n1,1,1,0,0.1\n1,2,0,0,0.2\n" > "$tmp/early.csv"
run_bad early 'early.csv:2: column e: found 1 with more rows of the person after it (line 3)'
printf "$h\n1,1,0,1,0.1\n1,2,0,1,0.2\n" > "$tmp/twice.csv"
run_bad twice 'twice.csv:3: column p: found a second entry (first on line 2)'
printf "$h\n1,1,0,0,0.1\n1,,0,0,0.2\n1,3,0,0,0.3\n" > "$tmp/gap.csv"
run_bad gap 'gap.csv:3: column t: found an empty value, expected a period'
printf "$h\n1,1,0,0,0.1\n1,2,0,0,0.2\n" > "$tmp/noprog.csv"
expect_rc 1 "$netto" survival toe --data "$tmp/noprog.csv" --id id --time t --exit e --entry p --covariates x \
  --in-program nosuch --out "$tmp/x"
grep -q 'nosuch' "$tmp/err" || fail "unknown column named"
printf "id,t,e,p,x,q\n1,1,0,0,0.1,1\n1,2,0,1,0.2,0\n" > "$tmp/prog.csv"
expect_rc 1 "$netto" survival toe --data "$tmp/prog.csv" --id id --time t --exit e --entry p --covariates x \
  --in-program q --out "$tmp/x"
grep -q 'prog.csv:2: column q: found 1 before the programme entry' "$tmp/err" || { cat "$tmp/err"; fail "in programme before entry"; }
[ -e "$tmp/x" ] && fail "a failed run left an output folder"

# usage errors: exit 2 ------------------------------------------------------------
u=(survival toe --data $D --id person --time period --exit y_exit --entry y_entry --covariates x1 --out "$tmp/u")
expect_rc 2 "$netto" "${u[@]}"
grep -q -- '--in-program COLUMN and --lockin-months N' "$tmp/err" || { cat "$tmp/err"; fail "programme definition required"; }
expect_rc 2 "$netto" "${u[@]}" --in-program in_program --lockin-months 3
expect_rc 2 "$netto" survival toe --data $D --id person --time period --exit y_exit --covariates x1 --lockin-months 3 --out "$tmp/u"
grep -q -- '--entry is required' "$tmp/err" || fail "--entry required"
expect_rc 2 "$netto" survival toe --data $D --time period --exit y_exit --entry y_entry --covariates x1 --lockin-months 3 --out "$tmp/u"
grep -q -- '--id is required' "$tmp/err" || fail "--id required"
expect_rc 2 "$netto" "${u[@]}" --lockin-months 3 --mass-points 0:2
grep -q -- '--mass-points: found "0:2"' "$tmp/err" || { cat "$tmp/err"; fail "--mass-points message"; }
expect_rc 2 "$netto" "${u[@]}" --lockin-months 3 --mass-points 7
expect_rc 2 "$netto" "${u[@]}" --lockin-months 3 --criterion hqic
grep -q -- '--criterion: found "hqic", expected aic or bic' "$tmp/err" || { cat "$tmp/err"; fail "--criterion message"; }
expect_rc 2 "$netto" "${u[@]}" --lockin-months 3 --baseline-cuts 6,3
expect_rc 2 "$netto" "${u[@]}" --lockin-months 3 --exit-cuts 6,3
grep -q -- '--exit-cuts: found "6,3", expected ascending periods' "$tmp/err" || { cat "$tmp/err"; fail "--exit-cuts message"; }
expect_rc 2 "$netto" "${u[@]}" --lockin-months 0
grep -q -- '--lockin-months: found "0", expected a number of months > 0' "$tmp/err" || { cat "$tmp/err"; fail "--lockin-months message"; }
expect_rc 2 "$netto" survival toe --data $D --id person --time period --entry y_entry --covariates x1 --lockin-months 3 --out "$tmp/u"
grep -q -- '--exit is required' "$tmp/err" || fail "--exit required"
expect_rc 2 "$netto" survival dhazard --data $D --id person --time period --exit y_exit --covariates x1 --out "$tmp/u"
expect_rc 2 "$netto" "${u[@]}" --lockin-months 3 --event y_exit
expect_rc 2 "$netto" "${u[@]}" --lockin-months 3 --out
[ -e "$tmp/u" ] && fail "a usage error left an output folder"
rm -rf "$tmp"
echo ok
