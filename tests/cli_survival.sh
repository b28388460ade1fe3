#!/usr/bin/env bash
# netto survival km|cox: exit codes, messages naming file/line/column, table
# columns, dropped-row counts, warnings in the manifest, disclosure control.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_survival.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { # rc cmd...
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $rc, expected $want: $*"; }
}

# good runs ---------------------------------------------------------------
expect_rc 0 "$netto" survival km --data data/veteran.csv --time time --event status --group celltype --out "$tmp/km"
head -1 "$tmp/km/km.csv" | grep -q '^group,time,n_risk,n_event,n_censor,survival,se,ci_lower,ci_upper,cumhaz' || fail "km.csv header"
head -1 "$tmp/km/logrank.csv" | grep -q '^chisq,df,p_value$' || fail "logrank.csv header"
grep -q '^25.4037003' "$tmp/km/logrank.csv" || fail "log-rank chisq for celltype (R: 25.40370035)"
grep -q '^adeno,' "$tmp/km/km.csv" || fail "group label as written"
[ -f "$tmp/km/manifest.json" ] || fail "km manifest"

expect_rc 0 "$netto" survival cox --data data/lung.csv --stop time --event status --covariates age,sex,ph_ecog --out "$tmp/cox"
grep -q "1 dropped for missing values (ph_ecog 1)" "$tmp/out" || fail "dropped rows printed"
grep -q '"missing_ph_ecog":[[:space:]]*1' "$tmp/cox/manifest.json" || fail "dropped rows in manifest"
head -1 "$tmp/cox/cox.csv" | grep -q '^term,coef,se,z,p_value,hazard_ratio,ci_lower,ci_upper$' || fail "cox.csv header"
head -1 "$tmp/cox/cox_fit.csv" | grep -q '^loglik_null,loglik,n,n_events,iterations,ties,wald_chisq,score_chisq,lr_chisq,df$' || fail "cox_fit header"
grep -q '^sex,-0.552612395' "$tmp/cox/cox.csv" || fail "sex coefficient (R: -0.5526123957)"

expect_rc 0 "$netto" survival cox --data data/heart.csv --start start --stop stop --event event \
  --covariates age,year,surgery,transplant --cluster id --ties breslow --out "$tmp/heart"
head -1 "$tmp/heart/cox.csv" | grep -q 'robust_se' || fail "robust_se column"
grep -q '^age,0.0271520807' "$tmp/heart/cox.csv" || fail "heart breslow age"

# counting-process KM with non-integer weights: jackknife SEs (R: 0.009979146025 at t=1), warning in manifest
expect_rc 0 "$netto" survival km --data data/heart.csv --start start --time stop --event event --weight w --out "$tmp/kmcp"
sed -n 2p "$tmp/kmcp/km.csv" | grep -q '^,1,99.75,1,2,0.9899749373,0.009979146025,' || { cat "$tmp/kmcp/km.csv" | head -3; fail "weighted cp KM row"; }
grep -q 'jackknife' "$tmp/kmcp/manifest.json" || fail "jackknife note in manifest"

# categorical covariate via :cat, and strata
expect_rc 0 "$netto" survival cox --data data/lung.csv --stop time --event status --covariates age,ph_ecog:cat --strata sex --out "$tmp/cat"
grep -q '^ph_ecog=1,' "$tmp/cat/cox.csv" || fail "X=level term"

# disclosure: min-cell 50 empties small-risk-set rows and adds `suppressed`
expect_rc 0 "$netto" survival km --data data/veteran.csv --time time --event status --group trt --min-cell 50 --out "$tmp/disc"
head -1 "$tmp/disc/km.csv" | grep -q ',suppressed$' || fail "suppressed column"
tail -1 "$tmp/disc/km.csv" | grep -q 'survival' || fail "last row (1 at risk) suppressed"

# monotone likelihood: a warning, output still written (R warns and reports)
printf 't,e,z,x\n1,1,0.3,1\n2,1,-1,1\n3,1,0.5,1\n4,1,0.2,0\n5,1,1.1,0\n6,1,-0.4,0\n' > "$tmp/mono.csv"
expect_rc 0 "$netto" survival cox --data "$tmp/mono.csv" --stop t --event e --covariates z,x --out "$tmp/mono"
grep -q "coefficient may be infinite" "$tmp/err" || fail "monotone warning on stderr"
grep -q "Loglik converged before variable x; coefficient may be infinite" "$tmp/mono/manifest.json" || fail "warning in manifest"

# bad input: exit 1 naming file, line and column ---------------------------
printf 'time,status,x\n1,1,2\n2,2,3\n3,0,4\n' > "$tmp/ev.csv"
expect_rc 1 "$netto" survival km --data "$tmp/ev.csv" --time time --event status --out "$tmp/x1"
grep -q 'ev.csv:3: column status' "$tmp/err" || { cat "$tmp/err"; fail "event not 0/1 message"; }

printf 'id,a,b,e,x\n1,0,5,1,1\n2,3,3,0,2\n3,0,4,1,3\n' > "$tmp/ss.csv"
expect_rc 1 "$netto" survival cox --data "$tmp/ss.csv" --start a --stop b --event e --covariates x --out "$tmp/x2"
grep -q 'ss.csv:3: column b: stop 3 is not after start 3' "$tmp/err" || { cat "$tmp/err"; fail "stop <= start message"; }

printf 'time,status,x\n1,1,2\n-2,1,3\n3,0,4\n' > "$tmp/neg.csv"
expect_rc 1 "$netto" survival cox --data "$tmp/neg.csv" --stop time --event status --covariates x --out "$tmp/x3"
grep -q 'neg.csv:3: column time' "$tmp/err" || { cat "$tmp/err"; fail "negative time message"; }

printf 'time,status,x\n1,1,2\n2,1,2\n3,0,2\n' > "$tmp/const.csv"
expect_rc 1 "$netto" survival cox --data "$tmp/const.csv" --stop time --event status --covariates x --out "$tmp/x4"
grep -qi 'column x' "$tmp/err" || { cat "$tmp/err"; fail "constant covariate message"; }

printf 'time,status,x\n1,1,2\nabc,1,2\n3,0,2\n' > "$tmp/txt.csv"
expect_rc 1 "$netto" survival km --data "$tmp/txt.csv" --time time --event status --out "$tmp/x5"
grep -q 'txt.csv:3: column time: found "abc", expected a number' "$tmp/err" || { cat "$tmp/err"; fail "non-numeric time"; }

expect_rc 1 "$netto" survival cox --data data/lung.csv --stop time --event status --covariates nosuch --out "$tmp/x6"
grep -q 'nosuch' "$tmp/err" || fail "unknown column named"

# usage errors: exit 2
expect_rc 2 "$netto" survival km --data data/lung.csv --time time --out "$tmp/x7"
expect_rc 2 "$netto" survival cox --data data/lung.csv --stop time --event status --covariates age --ties exact --out "$tmp/x8"
expect_rc 2 "$netto" survival km --data data/lung.csv --time time --event status --conf-type wide --out "$tmp/x9"
expect_rc 2 "$netto" survival hazard
expect_rc 0 "$netto" survival --help
rm -rf "$tmp"
echo ok
