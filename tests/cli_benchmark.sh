#!/usr/bin/env bash
# [benchmark] by = region (issue 15, docs/heterogeneity.md): benchmark.csv,
# effects per unit with empirical-Bayes shrinkage toward the overall effect.
# - hand: tau (DerSimonian-Laird), the overall effect and its SE, every
#   shrunk effect, its SE and its rank recomputed in awk from the table's
#   unit estimates and SEs (min_cell = 0: nothing rounded);
# - simulator truth (scenario `regions`: region effect multipliers of known
#   spread, truth_region.csv): the shrunk effects have a lower mean squared
#   error against the truth than the units' own estimates (36-month
#   cumulative employment and earnings effects);
# - disclosure per unit (report/nt_disclose via the table's basis): with a
#   min_cell above some units' basis those rows are suppressed, left out of
#   the shrinkage (the overall effect is that of the units shown) and of the
#   ranking figure;
# - the ranking figure exists; a numeric `by` is an error naming the line.
set -u
netto=$1
tmp="${NT_TMP:-/tmp}/cli_benchmark.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
. "$(dirname "$0")/study_ini.sh"
persons=12000; mc=250
if [ -n "${NT_SANITIZED:-}" ]; then persons=6000; mc=125; fi   # half the persons, half the units' bases

study() { # name min_cell by
  study_ini "$1" 7 any 0:23 3 36 radius "covariates = $nt_covariates" "[outcomes]" "series = employed, earnings" \
    "[inference]" "method = linearised" "[benchmark]" "by = $3" "[disclosure]" "min_cell = $2" > "$tmp/reg/$1.ini"
}

"$netto" simulate --persons $persons --seed 11 --scenario regions --out "$tmp/reg" >/dev/null || fail "simulate regions"
study b0 0 region
"$netto" run "$tmp/reg/b0.ini" --threads 2 >/dev/null 2>"$tmp/b0.err" || { cat "$tmp/b0.err"; fail "run"; }
b0="$tmp/reg/results/b0/benchmark.csv"
head -1 "$b0" | grep -q '^program,variable,unit,outcome,horizon_months,estimate,se,lower,upper,shrunk,shrunk_se,shrunk_lower,shrunk_upper,overall,overall_se,tau,rank,rank_lower,rank_upper,n_treated,n_control$' ||
  fail "benchmark.csv columns"
# hand: the empirical Bayes of every (outcome, horizon) from its rows
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  { g = $c["outcome"] SUBSEP $c["horizon_months"]; n[g]++; k = n[g]
    th[g, k] = $c["estimate"]; s[g, k] = $c["se"]; sh[g, k] = $c["shrunk"]; ss[g, k] = $c["shrunk_se"]
    rk[g, k] = $c["rank"]; mu[g] = $c["overall"]; mse[g] = $c["overall_se"]; ta[g] = $c["tau"]; less[g] = 0 }
  function rel(a, b) { d = a - b; if (d < 0) d = -d; return d / (1e-12 + (b < 0 ? -b : b)) }
  END {
    for (g in n) { K = n[g]; sw = sw2 = swt = 0
      for (k = 1; k <= K; k++) { w = 1 / s[g, k]^2; sw += w; sw2 += w * w; swt += w * th[g, k] }
      m = swt / sw; Q = 0; for (k = 1; k <= K; k++) Q += (th[g, k] - m)^2 / s[g, k]^2
      t2 = (Q - (K - 1)) / (sw - sw2 / sw); if (t2 < 0) t2 = 0
      ws = wst = 0; for (k = 1; k <= K; k++) { w = 1 / (s[g, k]^2 + t2); ws += w; wst += w * th[g, k] }
      M = wst / ws; V = 1 / ws; groups++
      if (rel(sqrt(t2), ta[g]) > 1e-6 && sqrt(t2) > 1e-9) bad++
      if (rel(M, mu[g]) > 1e-6 || rel(sqrt(V), mse[g]) > 1e-6) bad++
      for (k = 1; k <= K; k++) { B = s[g, k]^2 / (s[g, k]^2 + t2)
        e = M + (1 - B) * (th[g, k] - M); se = sqrt((1 - B) * s[g, k]^2 + B * B * V); rows++
        if (rel(e, sh[g, k]) > 1e-6 || rel(se, ss[g, k]) > 1e-6) { bad++; printf "  %s unit %d: %.8g vs %.8g\n", g, k, e, sh[g, k] }
        r = 1; for (j = 1; j <= K; j++) r += sh[g, j] > sh[g, k]; if (r != rk[g, k]) bad++ } }
    printf "benchmark hand check: %d groups, %d units, %d differences\n", groups, rows, bad; exit !(groups == 6 && rows == 90 && !bad) }' \
  "$b0" || fail "benchmark.csv: shrinkage differs from the hand computation"
# truth: shrinkage lowers the mean squared error
for o in employed earnings; do
  awk -F, -v O=$o 'FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
    FILENAME == ARGV[1] { if ($4 < 36) tr[$2, $3] += $5; next }
    $4 == O && $5 == 36 && $col[FILENAME, "shrunk"] != "" { t = tr["region=" $3, $4]
      a = $col[FILENAME, "estimate"] - t; b = $col[FILENAME, "shrunk"] - t; n++; raw += a * a; eb += b * b
      ts += t; tq += t * t }
    END { sd = sqrt(tq / n - (ts / n)^2)
          printf "benchmark %s, 36 months: %d units, true sd %.4g, MSE own estimates %.4g, shrunk %.4g\n", O, n, sd, raw / n, eb / n
          exit !(n == 15 && eb < raw) }' "$tmp/reg/truth_region.csv" "$b0" || fail "shrinkage does not lower the MSE ($o)"
done
[ -s "$tmp/reg/results/b0/plots/benchmark_any.png" ] || fail "no ranking figure"
# disclosure per unit: min_cell 250 suppresses the smaller units
study b1 $mc region
"$netto" run "$tmp/reg/b1.ini" --threads 2 >/dev/null 2>"$tmp/b1.err" || { cat "$tmp/b1.err"; fail "run min_cell $mc"; }
b1="$tmp/reg/results/b1/benchmark.csv"
awk -F, -v MC=$mc 'FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
  FILENAME == ARGV[1] { if ($4 == "employed" && $5 == 36) { th[$3] = $col[FILENAME, "estimate"]; s[$3] = $col[FILENAME, "se"] }; next }
  $4 == "employed" && $5 == 36 {
    if ($col[FILENAME, "suppressed"] != "") { sup++; if ($col[FILENAME, "shrunk"] != "" || $col[FILENAME, "estimate"] != "") bad++; next }
    shown++; w = 1 / s[$3]^2; sw += w; sw2 += w * w; swt += w * th[$3]; u[shown] = $3; mu = $col[FILENAME, "overall"] }
  END { m = swt / sw; Q = 0; for (k = 1; k <= shown; k++) Q += (th[u[k]] - m)^2 / s[u[k]]^2
        t2 = (Q - (shown - 1)) / (sw - sw2 / sw); if (t2 < 0) t2 = 0
        ws = wst = 0; for (k = 1; k <= shown; k++) { w = 1 / (s[u[k]]^2 + t2); ws += w; wst += w * th[u[k]] }
        d = mu - wst / ws; if (d < 0) d = -d
        printf "benchmark min_cell %d: %d units shown, %d suppressed; overall %s vs %.4g over the shown\n", MC, shown, sup, mu, wst / ws
        exit !(sup > 0 && shown >= 3 && !bad && d < 0.01) }' "$b0" "$b1" || fail "benchmark.csv disclosure per unit"
# a numeric grouping variable is refused, naming the line
study b2 10 age
"$netto" run "$tmp/reg/b2.ini" >/dev/null 2>"$tmp/b2.err" && fail "[benchmark] by = age accepted"
grep -q "b2.ini:.*benchmark" "$tmp/b2.err" || { cat "$tmp/b2.err"; fail "benchmark error does not name the line"; }

rm -rf "$tmp"
[ $fails -eq 0 ] && echo "cli_benchmark: all passed" || echo "cli_benchmark: $fails failure(s)"
exit $((fails > 0))
