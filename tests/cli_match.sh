#!/usr/bin/env bash
# netto match on small flat files: exit codes, messages, table columns,
# the golden Matching::Match numbers end to end, determinism across threads.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_match"
rm -rf "$tmp"; mkdir -p "$tmp"
fail=0
check() { # description, condition (exit status of the previous test command)
    if [ "$2" -ne 0 ]; then echo "FAIL: $1"; fail=1; else echo "ok: $1"; fi
}
covs=age,educ,black,hisp,married,nodegr,re74,re75,u74,u75
L=data/lalonde.csv

# 1. The golden: Matching::Match(ATT, M = 1, ties, Var.calc = 2, tol 1e-5):
#    est 2153.2957896396397, se 708.46118836519781 (tests/golden/match_lalonde_ai.csv).
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --replace \
    --tie-tolerance 1e-5 --tie-rule matching --ai-j 2 --out "$tmp/ai" >/dev/null 2>&1
check "golden run exits 0" $?
head -1 "$tmp/ai/effects.csv" | grep -q '^program,subgroup,outcome,month,estimand,method,estimate,se,ci_lower,ci_upper,n_treated,n_control,n_treated_matched,n_control_used'
check "effects.csv columns" $?
awk -F, 'NR==2 { e=$7; s=$8; ok = (e-2153.2957896396397)^2 < (2153.3e-6)^2 && (s-708.46118836519781)^2 < (708.5e-6)^2; exit !ok }' "$tmp/ai/effects.csv"
check "golden estimate and AI SE (1e-6 relative)" $?
head -1 "$tmp/ai/balance.csv" | grep -q '^program,subgroup,covariate,mean_treated,mean_control_before,mean_control_after,smd_before,smd_after,var_ratio_before,var_ratio_after'
check "balance.csv columns" $?
head -1 "$tmp/ai/pscore.csv" | grep -q '^program,subgroup,start_interval,term,estimate,se'
check "pscore.csv columns" $?
grep -q '"sha256"' "$tmp/ai/manifest.json" && grep -q '"tie_rule"' "$tmp/ai/manifest.json"
check "manifest has inputs and settings" $?

# 2. Output folder not empty -> exit 1 unless --overwrite.
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --out "$tmp/ai" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "overwrite" "$tmp/err"
check "non-empty --out is an error" $?
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --overwrite --out "$tmp/ai" >/dev/null 2>&1
check "--overwrite" $?

# 3. Usage errors exit 2.
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --caliper 0 --out "$tmp/c0" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q -- "--caliper" "$tmp/err"
check "--caliper 0 is a usage error" $?
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --method foo --out "$tmp/x" 2>/dev/null
[ $? -eq 2 ]; check "unknown method exits 2" $?
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --bogus 1 --out "$tmp/x" 2>/dev/null
[ $? -eq 2 ]; check "unknown option exits 2" $?

# 4. Data errors exit 1 with one message naming file/column/line.
printf 'd,y,x\n1,1,0.5\n2,2,0.1\n0,3,0.3\n' > "$tmp/bad_t.csv"
"$netto" match --data "$tmp/bad_t.csv" --treatment d --outcomes y --covariates x --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "bad_t.csv:3" "$tmp/err" && grep -q "column d" "$tmp/err"
check "treatment not 0/1 names file, line, column" $?
"$netto" match --data $L --treatment treat --outcomes re78 --covariates age,nosuch --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "nosuch" "$tmp/err"
check "unknown column" $?
printf 'd,y,x,g\n1,1,0.5,a\n0,2,0.1,a\n0,3,0.3,a\n1,3,0.2,a\n' > "$tmp/onelevel.csv"
"$netto" match --data "$tmp/onelevel.csv" --treatment d --outcomes y --covariates x,g --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "g" "$tmp/err"
check "categorical with one level" $?
printf 'd,y,x\n0,1,0.5\n0,2,0.1\n0,3,0.3\n' > "$tmp/notreated.csv"
"$netto" match --data "$tmp/notreated.csv" --treatment d --outcomes y --covariates x --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "no treated" "$tmp/err"
check "no treated" $?
# Perfect separation by a category: every g=b row treated.
printf 'd,y,x,g\n1,1,0.5,b\n1,2,0.1,b\n0,3,0.3,a\n1,3,0.2,a\n0,1,0.9,a\n0,2,0.4,a\n' > "$tmp/sep.csv"
"$netto" match --data "$tmp/sep.csv" --treatment d --outcomes y --covariates x,g --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "g=b" "$tmp/err" && grep -q "perfectly" "$tmp/err"
check "perfect separation names the category" $?
# Missing values: dropped, counted, reported.
printf 'd,y,x\n1,1,0.5\n0,2,\n0,3,0.3\n1,,0.2\n0,1,0.9\n1,2,0.4\n0,5,0.7\n1,4,0.1\n0,2,0.6\n' > "$tmp/miss.csv"
"$netto" match --data "$tmp/miss.csv" --treatment d --outcomes y --covariates x --replace --out "$tmp/miss" 2>"$tmp/err"
[ $? -eq 0 ] && grep -q "2 of 9 rows dropped" "$tmp/err" && grep -q '"rows_dropped_missing:x":	1' "$tmp/miss/manifest.json"
check "missing values dropped and counted" $?
# A caliper so narrow nobody matches -> exit 1; moderate -> counted warning.
printf 'd,y,x\n1,1,0.15\n0,2,0.1\n0,3,0.32\n1,3,0.21\n0,1,0.93\n1,2,0.44\n0,5,0.77\n1,4,0.18\n0,2,0.6\n' > "$tmp/cal.csv"
"$netto" match --data "$tmp/cal.csv" --treatment d --outcomes y --covariates x --caliper 1e-9 --out "$tmp/x" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "caliper" "$tmp/err"
check "caliper leaving no match" $?
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --caliper 0.01 --out "$tmp/cal" 2>"$tmp/err"
[ $? -eq 0 ] && grep -q "treated have no match" "$tmp/err" && grep -q '"treated_unmatched"' "$tmp/cal/manifest.json"
check "treated outside the caliper are a counted warning" $?

# 5. Every method and estimand runs; bootstrap identical for 1 and 2 threads.
for m in nn radius kernel ipw aipw; do
  for e in ATT ATE; do
    extra=""; [ $m = nn ] && extra="--replace"
    "$netto" match --data $L --treatment treat --outcomes re78,re75 --covariates $covs --method $m --estimand $e $extra --out "$tmp/m_$m$e" >/dev/null 2>&1
    check "method $m $e" $?
  done
done
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --method kernel --bootstrap 30 --seed 7 --threads 1 --out "$tmp/b1" >/dev/null 2>&1
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --method kernel --bootstrap 30 --seed 7 --threads 2 --out "$tmp/b2" >/dev/null 2>&1
cmp -s "$tmp/b1/effects.csv" "$tmp/b2/effects.csv"
check "bootstrap: same bytes for 1 and 2 threads" $?

# 6. Disclosure: --min-cell adds `suppressed`; pairs only under private/.
"$netto" match --data $L --treatment treat --outcomes re78 --covariates $covs --exact black --min-cell 500 --pairs --out "$tmp/dc" >/dev/null 2>&1
check "exact + min-cell + pairs run" $?
head -1 "$tmp/dc/effects.csv" | grep -q ',suppressed$' && [ -f "$tmp/dc/private/matched_pairs.csv" ] && ! ls "$tmp/dc" | grep -q pairs
check "suppressed column; pairs only in private/" $?
exit $fail
