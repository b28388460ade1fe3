#!/usr/bin/env bash
# The credibility checks of netto run (docs/credibility.md).
# Placebo outcomes (docs/credibility.md): the effect of each programme on
# months before inflow. Simulator truth: in the default scenario selection
# rests on what the study's model sees, so no placebo month may show an
# effect (the joint sup-t test passes, Bonferroni over the three series);
# in the dip scenario caseworkers select on the career in months -36..-25,
# which the model does not see, and the test must reject (p < 0.001 for
# employed and earnings). The study's model reads months -24..-1
# (emp_prev24), so the window -36..-13 is cut to -36..-25 with a warning.
#
# Rosenbaum bounds (sensitivity.csv): layout, the critical Gamma consistent
# with the bounds' p-values, and in the unobserved scenario (selection on a
# trait with logit coefficient 0.8 per SD, unseen by the model; the
# effect is biased upward) a critical Gamma of the cumulative employment
# effect below exp(0.8 x 2) = 4.95, the odds ratio of treatment between two
# persons 2 SD apart in the trait: a hidden confounder of the simulated
# strength is enough to explain the effect away.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_credibility.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

small_study() {   # DIR: study.ini -> small.ini (two programmes, no subgroups, placebo on)
  awk '/^\[subgroups\]/ { skip = 1; next } /^\[/ { skip = 0 }
       skip { next }
       /^\[treatment\]/ { tr = 1 } /^\[estimator\]/ { tr = 0 }
       tr && /^programs =/ { print "programs = scholing, any"; next }
       { print }
       END { print ""; print "[credibility]"; print "placebo = yes"; print "sensitivity = yes" }' "$1/study.ini" > "$1/small.ini"
}

for sc in default dip unobserved; do
  "$netto" simulate --persons 10000 --seed 1 --scenario $sc --out "$tmp/$sc" > /dev/null || fail "simulate $sc"
  small_study "$tmp/$sc"
  "$netto" run "$tmp/$sc/small.ini" --out "$tmp/res_$sc" > "$tmp/$sc.out" 2> "$tmp/$sc.err" || { cat "$tmp/$sc.err"; fail "run $sc"; }
  [ -f "$tmp/res_$sc/placebo.csv" ] || fail "$sc: no placebo.csv"
  grep -q "placebo: months -36..-25 tested, not -36..-13: the model reads months -24..-1 through emp_prev24" "$tmp/$sc.err" ||
    fail "$sc: no warning about the cut window"
  [ -f "$tmp/res_$sc/export/placebo.csv" ] || fail "$sc: placebo.csv not in export/"
done

# Layout: 2 programmes x 3 series x (12 months + the joint row).
rows=$(($(wc -l < "$tmp/res_default/placebo.csv") - 1))
[ "$rows" -eq 78 ] || fail "placebo.csv has $rows rows, expected 78"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["estimand"] == "ATT" && ($c["month"] < -36 || $c["month"] > -25) { print "month " $c["month"]; bad++ }
  $c["estimand"] == "ATT" && $c["estimate"] != "" && !($c["band_lower"] <= $c["ci_lower"] && $c["ci_upper"] <= $c["band_upper"]) {
    print "band inside the pointwise interval: " $0; bad++ }
  $c["estimand"] == "joint" {
    p = $c["p_value"]; t = $c["max_abs_t"]; k = $c["critical_value"]
    if (p == "" || t == "" || k == "") { print "joint row without test: " $0; bad++ }
    else if ((p < 0.05) != (t > k)) { print "p-value and critical value disagree: " $0; bad++ } }
  END { exit bad > 0 }' "$tmp/res_default/placebo.csv" "$tmp/res_dip/placebo.csv" || fail "placebo.csv rows"

# Default: passes for every programme and series (0.05 / 3 per series).
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["estimand"] == "joint" { n++; printf "default %s %s: max|t| %.2f, p %.3f\n", $c["program"], $c["outcome"], $c["max_abs_t"], $c["p_value"]
    if ($c["p_value"] < 0.05 / 3) bad++ }
  END { exit !(n == 6 && bad == 0) }' "$tmp/res_default/placebo.csv" || fail "default scenario: a placebo test rejects"
# Dip: rejects for employed and earnings of both programmes.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["estimand"] == "joint" { printf "dip %s %s: max|t| %.2f, p %.3f\n", $c["program"], $c["outcome"], $c["max_abs_t"], $c["p_value"] }
  $c["estimand"] == "joint" && $c["outcome"] != "on_benefit" { n++; if (!($c["p_value"] < 0.001)) bad++ }
  END { exit !(n == 4 && bad == 0) }' "$tmp/res_dip/placebo.csv" || fail "dip scenario: the placebo test does not reject"

# sensitivity.csv: 2 programmes x 5 horizons x (3 Wilcoxon + 2 MH rows).
for sc in default dip unobserved; do
  f="$tmp/res_$sc/sensitivity.csv"
  [ -f "$f" ] || fail "$sc: no sensitivity.csv"
  [ -f "$tmp/res_$sc/export/sensitivity.csv" ] || fail "$sc: sensitivity.csv not in export/"
  rows=$(($(wc -l < "$f") - 1))
  [ "$rows" -eq 50 ] || fail "$sc: sensitivity.csv has $rows rows, expected 50"
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    { g = $c["gamma_critical"]; p1 = $c["p_gamma_1"]; p15 = $c["p_gamma_1_5"]; p2 = $c["p_gamma_2"]
      if (g == "") { print "no gamma: " $0; bad++; next }
      if (g < 1 || g > 10) { print "gamma out of range: " $0; bad++ }
      if (p1 > 0.05 && g != 1) { print "not significant at Gamma 1 but gamma_critical " g; bad++ }
      if (p15 <= 0.05 && g < 1.5) { print "significant at 1.5 but gamma_critical " g ": " $0; bad++ }
      if (p2 <= 0.05 && g < 2) { print "significant at 2 but gamma_critical " g ": " $0; bad++ }
      if (p15 > 0.05 && g > 1.5) { print "not significant at 1.5 but gamma_critical " g ": " $0; bad++ }
      if (!(p1 <= p15 + 1e-12 && p15 <= p2 + 1e-12)) { print "p-values not increasing in Gamma: " $0; bad++ } }
    END { exit bad > 0 }' "$f" || fail "$sc: sensitivity.csv rows"
done
g_unobs=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["program"] == "any" && $c["outcome"] == "employed" && $c["analysis"] == "wilcoxon_cumulative" &&
  $c["horizon_months"] == 96 { print $c["gamma_critical"] }' "$tmp/res_unobserved/sensitivity.csv")
g_def=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["program"] == "any" && $c["outcome"] == "employed" && $c["analysis"] == "wilcoxon_cumulative" &&
  $c["horizon_months"] == 96 { print $c["gamma_critical"] }' "$tmp/res_default/sensitivity.csv")
echo "critical Gamma, any, cumulative employed over 96 months: default $g_def, unobserved $g_unobs"
awk -v g="$g_unobs" 'BEGIN { exit !(g > 1 && g < exp(0.8 * 2)) }' ||
  fail "unobserved: critical Gamma $g_unobs is not below the simulated confounder's 4.95"

# The export passes the output checker (docs/disclosure.md), and each
# programme has its figure.
for sc in default dip; do
  bash "$(dirname "$0")/disclosure_check.sh" "$tmp/res_$sc/export" 10 5 > /dev/null || fail "$sc: export/ fails the disclosure check"
  for p in scholing any; do
    [ -s "$tmp/res_$sc/plots/$p/credibility.png" ] && [ -s "$tmp/res_$sc/export/plots/$p/credibility.png" ] ||
      fail "$sc: no plots/$p/credibility.png"
  done
done

# Same numbers for any thread count.
"$netto" run "$tmp/default/small.ini" --out "$tmp/res_t1" --threads 1 > /dev/null 2>&1 || fail "run --threads 1"
cmp -s "$tmp/res_default/placebo.csv" "$tmp/res_t1/placebo.csv" || fail "placebo.csv differs with --threads 1"
cmp -s "$tmp/res_default/sensitivity.csv" "$tmp/res_t1/sensitivity.csv" || fail "sensitivity.csv differs with --threads 1"

rm -rf "$tmp"
echo "cli_credibility: ok"
