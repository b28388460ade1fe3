#!/usr/bin/env bash
# The simulated confounder of Ichino, Mealli & Nannicini (2008)
# (docs/credibility.md, study/nt_run_imn.c) against the base-R reference
# scripts/reference/imn.R, which redid the procedure on the same store
# (tests/data/dynamic/study_imn.ini: nn matching, 3 draws, two observed-like
# confounders and a 2 x 2 grid; U per (person, start month) from cells of
# start interval x D x quartile of the outcome after the start month) with
# the U draws netto wrote (tests/golden/imn_u.csv.gz) and wrote
# tests/golden/imn.csv and tests/golden/imn_draws.csv:
#   - the draws of U are the same (they depend on the study seed only);
#   - every draw's cumulative effect and odds ratios match to 1e-8
#     (relative), and its linearised se is still the one R combined
#     (tests/golden/imn_netto_draws.csv);
#   - sensitivity.csv's rows: p_ij, Lambda, Gamma, the variable's own odds
#     ratios, the effect and its IMN se match (the table prints 10 digits).
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_confounder.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

"$netto" run data/dynamic/study_imn.ini --out "$tmp/res" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err"; fail "run"; }
gzip -dc golden/imn_u.csv.gz | cmp -s - "$tmp/res/private/confounder_u.csv" || fail "the draws of U differ from golden/imn_u.csv.gz"

# compare GOLDEN NETTO KEYS COLS TOL: every golden row's columns in netto's file (matched on the key columns)
compare() {
  awk -F, -v keys="$3" -v cols="$4" -v tol="$5" '
    FNR == 1 { file++; delete idx; for (i = 1; i <= NF; i++) idx[$i] = i; an = ("analysis" in idx) ? idx["analysis"] : 0; next }
    { nk = split(keys, K, " "); key = ""; for (i = 1; i <= nk; i++) key = key "|" $idx[K[i]] }
    file == 2 && an && $an !~ /^confounder/ { next }
    { nc = split(cols, C, " ") }
    file == 1 { for (i = 1; i <= nc; i++) want[key, C[i]] = $idx[C[i]]; rows[key] = 1; next }
    !(key in rows) { next }
    { seen[key] = 1
      for (i = 1; i <= nc; i++) {
        g = want[key, C[i]]; h = $idx[C[i]]
        if ((g == "") != (h == "")) { print key " " C[i] ": " h ", golden " g; bad++; continue }
        if (g == "") continue
        d = g - h; if (d < 0) d = -d; s = g < 0 ? -g : g; if (s < 1e-12) s = 1e-12
        if (d / s > tol) { printf "%s %s: %s, golden %s\n", key, C[i], h, g; bad++ }
        n++ } }
    END { for (k in rows) if (!(k in seen)) { print "golden row missing: " k; bad++ }
          printf "%d values compared, %d mismatches\n", n, bad; exit bad > 0 }' "$1" "$2"
}
compare golden/imn_draws.csv "$tmp/res/private/confounder_draws.csv" "program confounder draw horizon_months" \
  "estimate outcome_effect selection_effect" 1e-8 || fail "per-draw estimates differ from the R reference"
compare golden/imn_netto_draws.csv "$tmp/res/private/confounder_draws.csv" "program confounder draw horizon_months" \
  "se" 1e-9 || fail "per-draw se differs from the one the R reference combined"
compare golden/imn.csv "$tmp/res/sensitivity.csv" "program confounder horizon_months" \
  "p00 p01 p10 p11 outcome_effect selection_effect outcome_effect_observed selection_effect_observed estimate se se_between" \
  1e-8 || fail "sensitivity.csv's confounder rows differ from the R reference"

# Layout: 2 like rows and 4 grid points, each at the horizons 12 and 24.
n=$(awk -F, 'NR > 1 && $4 ~ /^confounder_/' "$tmp/res/sensitivity.csv" | wc -l)
[ "$n" -eq 12 ] || fail "sensitivity.csv has $n confounder rows, expected 12"

# Same numbers for any thread count.
"$netto" run data/dynamic/study_imn.ini --out "$tmp/res1" --threads 1 > /dev/null 2>&1 || fail "run --threads 1"
cmp -s "$tmp/res/sensitivity.csv" "$tmp/res1/sensitivity.csv" || fail "sensitivity.csv differs with --threads 1"

# Study groups: the same study with [subgroups] sex = every level: rows per
# group; the whole cohort's rows are the run's above (a group's draws have
# their own stream); each row's estimate_study is its group's cumulative ATT
# in effects.csv.
{ cat data/dynamic/study_imn.ini; printf '\n[subgroups]\nsex = M, F\n'; } > "$tmp/groups.ini"
sed -i "s|^store = .*|store = $(pwd)/data/dynamic/cohort.h5|" "$tmp/groups.ini"
"$netto" run "$tmp/groups.ini" --out "$tmp/resg" > /dev/null 2> "$tmp/err" || { cat "$tmp/err"; fail "run with subgroups"; }
awk -F, 'NR == 1 || ($4 ~ /^confounder_/ && $2 == "")' "$tmp/resg/sensitivity.csv" > "$tmp/g0.csv"
awk -F, 'NR == 1 || $4 ~ /^confounder_/' "$tmp/res/sensitivity.csv" > "$tmp/r0.csv"
cmp -s "$tmp/g0.csv" "$tmp/r0.csv" || fail "the whole cohort's confounder rows change with subgroups"
awk -F, 'FNR == 1 { file++; delete c; for (i = 1; i <= NF; i++) c[$i] = i; next }
  file == 1 && $c["outcome"] == "employed" && $c["estimand"] == "ATT" { cum[$c["program"], $c["subgroup"], $c["month"] + 1] = $c["estimate"]; next }
  file == 2 && $c["analysis"] ~ /^confounder_/ {
    g = $c["subgroup"]; n[g]++; h = $c["horizon_months"]; s = 0
    for (m = 1; m <= h; m++) s += cum[$c["program"], g, m]
    d = s - $c["estimate_study"]; if (d < 0) d = -d
    if (d > 1e-6) { print "estimate_study of " g " at " h ": " $c["estimate_study"] ", effects.csv " s; bad++ }
    if ($c["estimate"] == "" || $c["se"] == "") { print "no estimate for " g; bad++ } }
  END { if (n[""] != 12 || n["sex=M"] != 12 || n["sex=F"] != 12) { print "rows per group: " n[""] ", " n["sex=M"] ", " n["sex=F"]; bad++ }
        exit bad > 0 }' "$tmp/resg/effects.csv" "$tmp/resg/sensitivity.csv" || fail "the confounder rows of the study groups"

rm -rf "$tmp"
echo "cli_confounder: ok"
