#!/usr/bin/env bash
# The simulated confounder (Ichino, Mealli & Nannicini 2008;
# docs/credibility.md) against simulator truth. Scenario unobserved (10 000
# persons, seed 1): selection on a trait theta that the model does not see, a
# two-point type (40% high; mean 0, SD 1; logit 0.8 per SD on starting, 0.6
# on finding work), so the matching estimate of `any` over 96 months is
# biased upward. netto simulate writes theta and the type trait_high =
# 1{theta > 0} to truth_trait.csv; the test joins
# trait_high to persons.csv (an extra column the model does not use) and
# asks for a confounder like it. U is drawn per (person, start month) from
# cells of start interval x D x decile of the employment after the start
# month (study/nt_run_imn.c). Checks:
#   - the true confounder's strength: trait_high's own odds ratios on the
#     outcome and on participation (outcome_effect_observed,
#     selection_effect_observed) are well above 1 (the simulator's monthly
#     odds ratios of the high type are e^(0.6 x 2.04) = 3.40 on finding
#     work and e^(0.8 x 2.04) = 5.12 on starting), and the simulated U that
#     mimics it has odds ratios within a factor 1.5 of them (measured 0.71
#     and 1.19: U is drawn from its cells regardless of the covariates;
#     docs/credibility.md);
#   - the bias is the trait's: the same study with trait_high as a model
#     covariate recovers the truth (within 3 of the IMN se of the U like
#     trait_high);
#   - a confounder like trait_high explains about the whole bias: its
#     estimate is within 3 se of the study with trait_high as a covariate
#     (the share of the bias, study - truth, it removes is printed; "within
#     3 se of the share trait_high removes" is the same rule, so no second
#     threshold is set on it) and does not overshoot the truth by more than
#     3 se;
#   - a grid confounder with d = s = 0.1 moves it less than one with
#     d = s = 0.3 (the effect falls with the confounder's strength), and
#     every grid confounder lowers it (Lambda, Gamma > 1 bias upward).
# Under the sanitizers (NT_SANITIZED) 3,000 persons and 2 draws: the
# mechanics only (the run, a row per confounder, the U like trait_high
# below the study's estimate, the disclosure check).
set -u
persons=10000 draws=5
[ -n "${NT_SANITIZED:-}" ] && { persons=3000; draws=2; }
netto="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
tmp="${NT_TMP:-/tmp}/cli_confounder_sim.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
here=$(pwd)

"$netto" simulate --persons $persons --seed 1 --scenario unobserved --out "$tmp/sim" > /dev/null || fail simulate
cd "$tmp/sim" || fail cd
[ -s truth_trait.csv ] || fail "no truth_trait.csv"
awk -F, 'NR > 1 { n++; s += $2; h += $3 } END { m = s / n; if (m < -0.05 || m > 0.05 || h / n < 0.37 || h / n > 0.43) exit 1 }' \
  truth_trait.csv || fail "truth_trait.csv: the trait is not the two-point type (mean 0, 40% high)"
awk -F, 'NR == FNR { t[$1] = $3; next } FNR == 1 { print $0 ",trait_high"; next } { print $0 "," t[$1] }' \
  truth_trait.csv persons.csv > p2.csv && mv p2.csv persons.csv
awk -v draws=$draws '/^\[subgroups\]/ { skip = 1; next } /^\[/ { skip = 0 } skip { next }
     /^\[treatment\]/ { tr = 1 } /^\[estimator\]/ { tr = 0 } tr && /^programs =/ { print "programs = any"; next }
     { print }
     END { print ""; print "[credibility]"; print "confounder = yes"; print "confounder_draws = " draws
           print "confounder_grid = 0.1, 0.3"; print "confounder_like = trait_high" }' study.ini > imn.ini
"$netto" run imn.ini --out "$tmp/res" > /dev/null 2> "$tmp/err" || { cat "$tmp/err"; fail run; }

if [ -n "${NT_SANITIZED:-}" ]; then
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $c["analysis"] ~ /^confounder/ && $c["horizon_months"] == 96 {
    n++; if ($c["confounder"] == "trait_high" && $c["estimate"] < $c["estimate_study"]) ok = 1 }
    END { exit !(n == 5 && ok) }' "$tmp/res/sensitivity.csv" || fail "sanitized run: the confounder rows"
  bash "$here/disclosure_check.sh" "$tmp/res/export" 10 5 > /dev/null || fail "export/ fails the disclosure check"
  cd / && rm -rf "$tmp"; echo "cli_confounder_sim: ok (sanitized: mechanics only)"; exit 0
fi

# The study with the true type as a covariate (no sensitivity analysis).
awk '/^\[credibility\]/ { exit } /^covariates =/ { print $0 ", trait_high"; next } { print }' imn.ini > cov.ini
grep -q '^covariates = .*, trait_high$' cov.ini || fail "cov.ini has no trait_high covariate"
"$netto" run cov.ini --out "$tmp/cov" > /dev/null 2> "$tmp/err" || { cat "$tmp/err"; fail "run with trait_high"; }
with_type=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["program"] == "any" && $c["subgroup"] == "" && $c["outcome"] == "employed" && $c["estimand"] == "ATT" &&
  $c["month"] < 96 { s += $c["estimate"]; n++ } END { if (n == 96) print s }' "$tmp/cov/effects.csv")
[ -n "$with_type" ] || fail "no 96 months of ATT with trait_high"

truth=$(awk -F, '$1 == "any" && $2 == "" && $3 == "employed" && $4 < 96 { s += $5 } END { print s }' truth.csv)
awk -F, -v truth="$truth" -v wt="$with_type" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $c["horizon_months"] == 96 && $c["analysis"] ~ /^confounder/ {
    k = $c["confounder"]; e[k] = $c["estimate"]; se[k] = $c["se"]; st = $c["estimate_study"]
    L[k] = $c["outcome_effect"]; G[k] = $c["selection_effect"]; Lo[k] = $c["outcome_effect_observed"]; Go[k] = $c["selection_effect_observed"]
    printf "%-12s estimate %6.2f (se %.2f)  Lambda %5.2f  Gamma %5.2f  observed %s %s\n", k, e[k], se[k], L[k], G[k], Lo[k], Go[k] }
  END {
    printf "study %.2f, truth %.2f, trait_high in the model %.2f\n", st, truth, wt
    t = "trait_high"
    if (!(t in e)) { print "no trait_high row"; exit 1 }
    if (!(Lo[t] > 2 && Go[t] > 2)) { print "trait_high is not a strong confounder"; bad++ }
    r1 = L[t] / Lo[t]; r2 = G[t] / Go[t]
    if (r1 < 1 / 1.5 || r1 > 1.5 || r2 < 1 / 1.5 || r2 > 1.5) { print "the simulated U does not mimic trait_high"; bad++ }
    share = (st - e[t]) / (st - truth)
    printf "U like trait_high: %.0f%% of the bias (study - truth; trait_high itself %.0f%%), %.1f se from the study with trait_high\n", 100 * share, 100 * (st - wt) / (st - truth), (e[t] - wt) / se[t]
    if (!(wt > truth - 3 * se[t] && wt < truth + 3 * se[t])) { print "matching on trait_high does not recover the truth"; bad++ }
    if (!(e[t] > wt - 3 * se[t] && e[t] < wt + 3 * se[t])) { print "a confounder like trait_high is not within 3 se of matching on it"; bad++ }
    if (!(e[t] > truth - 3 * se[t])) { print "a confounder like trait_high overshoots the truth"; bad++ }
    if (!(e["d=0.3 s=0.3"] < e["d=0.1 s=0.1"] - 2 * se["d=0.3 s=0.3"])) { print "the effect does not fall with strength"; bad++ }
    for (k in e) if (k != t && !(e[k] < st)) { print k " does not lower the estimate"; bad++ }
    exit bad > 0 }' "$tmp/res/sensitivity.csv" || fail "simulated confounder against the simulator's truth"

# The rows pass the output checker (min_cell 10 of the simulated study).
bash "$here/disclosure_check.sh" "$tmp/res/export" 10 5 > /dev/null || fail "export/ fails the disclosure check"

cd / && rm -rf "$tmp"
echo "cli_confounder_sim: ok"
