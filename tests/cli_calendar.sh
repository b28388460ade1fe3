#!/usr/bin/env bash
# [estimator] calendar (issue 14, item 3; docs/dynamic.md "Calendar time"):
# a tiny study computed by hand. Eight persons flow into WW in 2003-01 (P1-P3),
# 2003-02 (P4-P5) and 2003-04 (P6-P8); P1, P4 and P6 start scholing in month
# 0. With one covariate constant over everybody (sex) the logit has its
# intercept only, every control ties on the score and nn matching gives each
# treated person the mean of the controls in its calendar cell.
#   employed in months 0, 1, 2 since inflow:
#   P1 0 1 1 (T)  P2 0 0 1  P3 0 0 0 | P4 0 0 1 (T)  P5 0 1 1 | P6 0 0 0 (T)  P7 0 1 1  P8 0 0 1
# inflow_month (cells Jan, Feb, Apr):
#   tau 1: (1 - 0) + (0 - 1) + (0 - 1/2) = -1/2, / 3 = -1/6
#   tau 2: (1 - 1/2) + (1 - 1) + (0 - 1) = -1/2, / 3 = -1/6
# inflow_quarter (cells Q1 = Jan + Feb, Q2 = Apr; Q1 controls P2 P3 P5):
#   tau 1: (1 - 1/3) + (0 - 1/3) + (0 - 1/2) = -1/6, / 3 = -1/18
#   tau 2: (1 - 2/3) + (1 - 2/3) + (0 - 1) = -1/3, / 3 = -1/9
# none (all five controls, means 2/5 and 4/5):
#   tau 1: 0.6 - 0.4 - 0.4 = -0.2, / 3 = -1/15
#   tau 2: 0.2 + 0.2 - 0.8 = -0.4, / 3 = -2/15
# The default (no calendar key) equals inflow_quarter. A bad word names the line.
#
# The context table ([data] context, [estimator] context; item 3): with
# calendar = none and unemployment_rate at k = 1 in 2003-01 and 2003-02 and
# 0 in 2003-04, the logit is intercept + u: its fitted probabilities are the
# treated shares 2/5 (u = 1) and 1/3 (u = 0), so the coefficient of u is
# logit(2/5) - logit(1/3) = ln(4/3) and the intercept -ln 2; the matches are
# then the quarter's cells again (ATT -1/18, -1/9). Errors in the table name
# file, line and column.
set -u
netto=$1
tmp="${NT_TMP:-/tmp}/cli_calendar.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

cat > "$tmp/persons.csv" <<CSV
person_id,birth_date,sex,education,migration,region,death_date,emigration_date
1,1970-05-05,M,mid,none,0363,,
2,1970-05-05,M,mid,none,0363,,
3,1970-05-05,M,mid,none,0363,,
4,1970-05-05,M,mid,none,0363,,
5,1970-05-05,M,mid,none,0363,,
6,1970-05-05,M,mid,none,0363,,
7,1970-05-05,M,mid,none,0363,,
8,1970-05-05,M,mid,none,0363,,
CSV
cat > "$tmp/benefits.csv" <<CSV
person_id,scheme,start_date,end_date
1,WW,2003-01-05,2003-02-14
2,WW,2003-01-10,2003-03-04
3,WW,2003-01-08,
4,WW,2003-02-03,2003-03-31
5,WW,2003-02-05,2003-03-09
6,WW,2003-04-02,
7,WW,2003-04-04,2003-05-02
8,WW,2003-04-07,2003-05-31
CSV
cat > "$tmp/jobs.csv" <<CSV
person_id,start_date,end_date,wage_eur_month,hours_week
1,2003-02-15,,2000,38
2,2003-03-05,,2000,38
4,2003-04-01,,2000,38
5,2003-03-10,,2000,38
7,2003-05-03,,2000,38
8,2003-06-01,,2000,38
CSV
cat > "$tmp/programs.csv" <<CSV
person_id,program,start_date,end_date,cost_eur,provider
1,scholing,2003-01-20,2003-02-10,1000,UWV
4,scholing,2003-02-20,2003-03-15,1000,UWV
6,scholing,2003-04-15,2003-05-15,1000,UWV
CSV
study() { # name calendar-line
  cat > "$tmp/$1.ini" <<INI
[study]
name = $1
[data]
persons = persons.csv
benefits = benefits.csv
programs = programs.csv
jobs = jobs.csv
data_end = 2003-12-31
[cohort]
scheme = WW
inflow = 2003-01:2003-04
[treatment]
programs = scholing
start_months = 0:0
start_interval = 1
horizon = 3
[estimator]
method = nn
caliper = none
covariates = sex
min_treated = 1
$2
[outcomes]
series = employed
[inference]
method = bootstrap
bootstrap = 0
[disclosure]
min_cell = 0
INI
}
check() { # name tau1 tau2
  "$netto" run "$tmp/$1.ini" --out "$tmp/out_$1" >"$tmp/$1.log" 2>&1 || { cat "$tmp/$1.log"; fail "netto run $1"; return; }
  awk -F, -v name="$1" -v w1="$2" -v w2="$3" '
    NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    $c["estimand"] == "ATT" && $c["month"] >= 0 {
      want = $c["month"] == 0 ? 0 : $c["month"] == 1 ? w1 : w2
      d = $c["estimate"] - want; if (d < 0) d = -d
      printf "%s tau %d: %s (by hand %.10g)\n", name, $c["month"], $c["estimate"], want
      if ($c["estimate"] == "" || d > 1e-9) bad = 1; n++ }
    END { exit bad || n != 3 }' "$tmp/out_$1/effects.csv" || fail "$1: effects differ from the hand computation"
}
study month "calendar = inflow_month";    check month -0.1666666667 -0.1666666667
study quarter "calendar = inflow_quarter"; check quarter -0.05555555556 -0.1111111111
study none "calendar = none";             check none -0.06666666667 -0.1333333333
study default "";                         check default -0.05555555556 -0.1111111111
grep -q '"calendar":[[:space:]]*"inflow_quarter"' "$tmp/out_quarter/manifest.json" || fail "manifest does not record calendar"
study bad "calendar = inflow_week"
if "$netto" run "$tmp/bad.ini" --out "$tmp/out_bad" >"$tmp/bad.log" 2>&1; then fail "calendar = inflow_week accepted"
else grep -q "bad.ini:.*calendar\|line" "$tmp/bad.log" || { cat "$tmp/bad.log"; fail "bad calendar: no line in the message"; }; fi

# ---- context table
cat > "$tmp/context.csv" <<CSV
region,month,unemployment_rate,vacancies
0363,2003-01,1,10
0363,2003-02,1,
0363,2003-03,0.5,12
0363,2003-04,0,13
0363,2003-05,0.5,14
CSV
ctx_study() { # name context-file context-vars
  study "$1" "calendar = none
context = $3"
  sed -i "s|^jobs = jobs.csv|jobs = jobs.csv\ncontext = $2|" "$tmp/$1.ini"
}
ctx_study ctx context.csv unemployment_rate; check ctx -0.05555555556 -0.1111111111
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["term"] == "unemployment_rate" { u = $c["estimate"] } $c["term"] == "(Intercept)" { a = $c["estimate"] }
  END { printf "context: coef %s (by hand ln(4/3) = 0.2876820725), intercept %s (-ln 2)\n", u, a
        d1 = u - 0.28768207245178; d2 = a + 0.69314718055995
        exit !(u != "" && d1 < 1e-7 && d1 > -1e-7 && d2 < 1e-7 && d2 > -1e-7) }' "$tmp/out_ctx/pscore.csv" ||
  fail "context: logit coefficients differ from the hand computation"
expect_error() { # name pattern: netto run fails with exit 1 and a message matching pattern
  local rc=0
  "$netto" run "$tmp/$1.ini" --out "$tmp/out_$1" >"$tmp/$1.log" 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "$1: exit $rc, expected 1"
  grep -q "$2" "$tmp/$1.log" || { cat "$tmp/$1.log"; fail "$1: message does not match '$2'"; }
}
# vacancies is missing in 2003-02, where persons 4 and 5 have their month 0
ctx_study ctx_missing context.csv vacancies; expect_error ctx_missing "context.csv.*vacancies.*no value for region 0363 in 2003-02"
ctx_study ctx_unknown context.csv wage_index; expect_error ctx_unknown 'ctx_unknown.ini:[0-9]*:.*"wage_index" is not a column of the context table'
study ctx_nofile "context = unemployment_rate"; expect_error ctx_nofile 'ctx_nofile.ini:[0-9]*:.*\[data\] context'
printf 'region,month,unemployment_rate\n0363,2003-01,1\n0363,2003-13,1\n' > "$tmp/bad_month.csv"
ctx_study ctx_bad_month bad_month.csv unemployment_rate; expect_error ctx_bad_month 'bad_month.csv:3.*month.*2003-13'
printf 'region,month,unemployment_rate\n0363,2003-01,1\n0363,2003-02,high\n' > "$tmp/bad_value.csv"
ctx_study ctx_bad_value bad_value.csv unemployment_rate; expect_error ctx_bad_value 'bad_value.csv:3.*unemployment_rate.*"high"'
printf 'region,month,unemployment_rate\n0363,2003-01,1\n0363,2003-01,2\n' > "$tmp/dup.csv"
ctx_study ctx_dup dup.csv unemployment_rate; expect_error ctx_dup 'dup.csv:3.*2003-01 again (first on line 2)'
printf 'gemeente,month,unemployment_rate\n0363,2003-01,1\n' > "$tmp/badkey.csv"
ctx_study ctx_badkey badkey.csv unemployment_rate; expect_error ctx_badkey 'badkey.csv:1.*gemeente.*not a categorical person variable'
rm -rf "$tmp"
[ "$fails" -eq 0 ] && echo "cli_calendar: all checks passed"
exit "$fails"
