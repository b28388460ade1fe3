#!/usr/bin/env bash
# netto survival dhazard: person-period expansion + binomial GLM against R's
# glm (tests/golden/dhazard_cli.csv from scripts/reference/dhazard_golden.R,
# veteran in 30-day and 90-day periods), relative tolerance 1e-6 on every
# number; usage errors exit 2; bad data exit 1 naming file, line and column.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_dhazard.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
expect_rc() { # rc cmd...
  local want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"; local rc=$?
  [ "$rc" = "$want" ] || { cat "$tmp/out" "$tmp/err"; fail "exit $rc, expected $want: $*"; }
}
# netto quotes terms such as "piece=(1,2]"; the golden writes them piece=(1;2]
plain() { sed -e 's/^"\([^"]*\),\([^"]*\)",/\1;\2,/' "$1"; }
V=data/veteran_months.csv
G=golden/dhazard_cli.csv

# compare CASE DIR: every row of DIR/dhazard.csv against the golden rows of CASE
compare() {
  plain "$G" > "$tmp/g.csv"; plain "$2/dhazard.csv" > "$tmp/n.csv"; plain "$2/dhazard_fit.csv" > "$tmp/f.csv"
  awk -F, -v tag="$1" '
    function rel(a, b) { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; return m > 0 ? d / m : d }
    FILENAME == ARGV[1] { if (FNR == 1) { for (j = 1; j <= NF; j++) gc[$j] = j; next }
                          if ($1 == tag) { ng++; for (j = 1; j <= NF; j++) g[ng, j] = $j }; next }
    FILENAME == ARGV[2] { if (FNR == 1) { for (j = 1; j <= NF; j++) { nc[$j] = j; if ($j ~ /_ratio$/) nc["ratio"] = j }; next }
                          nn++; for (j = 1; j <= NF; j++) n[nn, j] = $j; next }
    FILENAME == ARGV[3] { if (FNR == 1) { for (j = 1; j <= NF; j++) fc[$j] = j; next } loglik = $fc["loglik"] }
    END {
      if (ng == 0 || ng != nn) { printf "%s: %d golden rows, %d rows\n", tag, ng, nn; exit 1 }
      split("estimate se z p_value ratio ci_lower ci_upper robust_se", cols, " ")
      worst = 0
      for (i = 1; i <= ng; i++) {
        if (n[i, nc["term"]] != g[i, gc["term"]]) { printf "%s row %d: term %s, R %s\n", tag, i, n[i, nc["term"]], g[i, gc["term"]]; exit 1 }
        for (c = 1; c <= 8; c++) {
          col = cols[c]; ref = g[i, gc[col]]
          if (ref == "") { if (col in nc) { printf "%s: robust_se without a cluster\n", tag; exit 1 }; continue }
          if (!(col in nc)) { printf "%s: no column %s\n", tag, col; exit 1 }
          r = rel(n[i, nc[col]] + 0, ref + 0); if (r > worst) worst = r
          if (r > 1e-6) { printf "%s %s %s: %s, R %s\n", tag, g[i, gc["term"]], col, n[i, nc[col]], ref; exit 1 }
        }
      }
      if (rel(loglik + 0, g[1, gc["loglik"]] + 0) > 1e-6) { printf "%s loglik %s, R %s\n", tag, loglik, g[1, gc["loglik"]]; exit 1 }
      printf "%s: %d terms within 1e-6 of R (max relative difference %.2g)\n", tag, ng, worst
    }' "$tmp/g.csv" "$tmp/n.csv" "$tmp/f.csv" || fail "golden $1"
}

# good runs: goldens --------------------------------------------------------
expect_rc 0 "$netto" survival dhazard --data $V --id id --time months --event status --covariates trt,karno \
  --cuts 1,2,4 --cluster id --out "$tmp/a"
head -1 "$tmp/a/dhazard.csv" | grep -q '^term,estimate,se,z,p_value,odds_ratio,ci_lower,ci_upper,robust_se$' || fail "logit header"
head -1 "$tmp/a/dhazard_fit.csv" | grep -q '^link,loglik,deviance,n_persons,n_periods,n_events,pieces,iterations$' || fail "fit header"
grep -q '^logit,.*,137,623,128,4,' "$tmp/a/dhazard_fit.csv" || fail "137 persons, 623 person-periods, 128 events, 4 pieces"
grep -q '"clusters":[[:space:]]*137' "$tmp/a/manifest.json" || fail "clusters in manifest"
compare logit_cuts_cluster "$tmp/a"

expect_rc 0 "$netto" survival dhazard --data $V --id id --time months --event status --covariates trt,karno \
  --cuts 1,2,4 --cluster id --link cloglog --out "$tmp/b"
head -1 "$tmp/b/dhazard.csv" | grep -q ',hazard_ratio,' || fail "cloglog reports hazard ratios"
compare cloglog_cuts_cluster "$tmp/b"

expect_rc 0 "$netto" survival dhazard --data $V --id id --time months --event status --covariates karno,celltype,age \
  --cuts 2,4,8 --link cloglog --out "$tmp/c"
head -1 "$tmp/c/dhazard.csv" | grep -q 'robust_se' && fail "robust_se without --cluster"
compare cloglog_cuts_cat "$tmp/c"

expect_rc 0 "$netto" survival dhazard --data $V --id id --time quarters --event status_q --covariates trt,karno --out "$tmp/d"
compare logit_periods "$tmp/d"
expect_rc 0 "$netto" survival dhazard --data $V --id id --time quarters --event status_q --covariates trt,karno \
  --link cloglog --cluster id --out "$tmp/e"
compare cloglog_periods_cluster "$tmp/e"

# disclosure: piece rows rest on the events of their piece (period 6 has 1)
expect_rc 0 "$netto" survival dhazard --data $V --id id --time quarters --event status_q --covariates trt,karno \
  --min-cell 3 --out "$tmp/dc"
head -1 "$tmp/dc/dhazard.csv" | grep -q ',suppressed$' || fail "suppressed column"
grep -q '^period=6,,,,,,,,estimate|se|z|p_value|odds_ratio|ci_lower|ci_upper$' "$tmp/dc/dhazard.csv" || { cat "$tmp/dc/dhazard.csv"; fail "period 6 (1 event) suppressed"; }
grep -q '^karno,-0.04' "$tmp/dc/dhazard.csv" || fail "karno shown"

# missing values: dropped and counted
{ head -1 $V; sed -n 2,20p $V | sed '3s/,60,/,,/'; } > "$tmp/miss.csv"
expect_rc 0 "$netto" survival dhazard --data "$tmp/miss.csv" --id id --time months --event status --covariates age,karno --out "$tmp/m"
grep -q "19 rows read, 18 used, 1 dropped for missing values (karno 1)" "$tmp/out" || { cat "$tmp/out"; fail "dropped row"; }

# bad data: exit 1 naming file, line and column ------------------------------
printf 'id,t,e,x\n1,2,1,0.5\n2,2.5,0,0.1\n3,1,1,0.3\n' > "$tmp/frac.csv"
expect_rc 1 "$netto" survival dhazard --data "$tmp/frac.csv" --id id --time t --event e --covariates x --out "$tmp/x1"
grep -q 'frac.csv:3: column t: found "2.5", expected a whole number of periods >= 1' "$tmp/err" || { cat "$tmp/err"; fail "fractional time"; }
printf 'id,t,e,x\n1,2,1,0.5\n2,0,0,0.1\n3,1,1,0.3\n' > "$tmp/zero.csv"
expect_rc 1 "$netto" survival dhazard --data "$tmp/zero.csv" --id id --time t --event e --covariates x --out "$tmp/x2"
grep -q 'zero.csv:3: column t: found "0", expected a whole number' "$tmp/err" || { cat "$tmp/err"; fail "time 0"; }
printf 'id,t,e,x\n1,2,1,0.5\n2,3,2,0.1\n3,1,1,0.3\n' > "$tmp/ev.csv"
expect_rc 1 "$netto" survival dhazard --data "$tmp/ev.csv" --id id --time t --event e --covariates x --out "$tmp/x3"
grep -q 'ev.csv:3: column e: found "2", expected 0 or 1' "$tmp/err" || { cat "$tmp/err"; fail "event not 0/1"; }
printf 'id,t,e,x\na,2,1,0.5\nb,3,0,0.1\na,1,1,0.3\n' > "$tmp/dup.csv"
expect_rc 1 "$netto" survival dhazard --data "$tmp/dup.csv" --id id --time t --event e --covariates x --out "$tmp/x4"
grep -q 'dup.csv:4: column id: found "a" again (first on line 2), expected one row per person' "$tmp/err" || { cat "$tmp/err"; fail "duplicate id"; }
printf 'id,t,e,x\n1,2,1,0.5\n2,x,0,0.1\n' > "$tmp/txt.csv"
expect_rc 1 "$netto" survival dhazard --data "$tmp/txt.csv" --id id --time t --event e --covariates x --out "$tmp/x5"
grep -q 'txt.csv:3: column t: found "x", expected a number' "$tmp/err" || { cat "$tmp/err"; fail "text time"; }
expect_rc 1 "$netto" survival dhazard --data $V --id nosuch --time months --event status --covariates trt --out "$tmp/x6"
grep -q 'nosuch' "$tmp/err" || fail "unknown id column named"
[ -e "$tmp/x1" ] && fail "a failed run left an output folder"

# usage errors: exit 2 ---------------------------------------------------------
expect_rc 2 "$netto" survival dhazard --data $V --time months --event status --covariates trt --out "$tmp/u"
grep -q -- '--id is required' "$tmp/err" || fail "--id required"
expect_rc 2 "$netto" survival dhazard --data $V --id id --time months --event status --out "$tmp/u"
expect_rc 2 "$netto" survival dhazard --data $V --id id --time months --event status --covariates trt --link probit --out "$tmp/u"
grep -q -- '--link: found "probit", expected logit or cloglog' "$tmp/err" || fail "--link message"
expect_rc 2 "$netto" survival dhazard --data $V --id id --time months --event status --covariates trt --cuts 4,2 --out "$tmp/u"
expect_rc 2 "$netto" survival dhazard --data $V --id id --time months --event status --covariates trt --cuts 1,x --out "$tmp/u"
expect_rc 2 "$netto" survival dhazard --data $V --id id --time months --event status --covariates trt --weight w --out "$tmp/u"
expect_rc 2 "$netto" survival dhazard --data $V --id id --time months --event status --covariates trt --out
[ -e "$tmp/u" ] && fail "a usage error left an output folder"
rm -rf "$tmp"
echo ok
