#!/usr/bin/env bash
# Time to work (docs/survival.md): time_to_work.csv and
# time_to_work_summary.csv of netto run with [outcomes] time_to_work = yes.
#  - simulator truth (truth_time_to_work.csv: the Kaplan-Meier curves of the
#    participants' factual and counterfactual paths): the estimated control
#    curve and the difference within 3 SE of the truth at 6, 12 and 24
#    months, both outcomes, scholing and any (the control curve against the
#    SE of the difference: the treated curve is the factual truth up to the
#    treated off support, and the estimator shares ATT(tau)'s bias of about
#    +0.02 at months 9-12 in this data), for radius (range mode), nn
#    (pairs) and ipw (weighting);
#  - private/matching_weights.csv (0600 in the 0700 private/): per programme
#    and start month the controls' weights sum to the treated's; and
#    `netto survival km --weights` on it and private/time_to_work_times.csv
#    gives time_to_work.csv's curves (1e-9);
#  - disclosure (min_cell 10): no person count of 1..9 shown, counts
#    rounded to 5, and a month's curves shown only when the month is.
set -u
netto="$1"
tmp="${NT_TMP:-/tmp}/cli_ttw.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

"$netto" simulate --persons 10000 --seed 1 --out "$tmp/sim" > /dev/null || fail "simulate"
[ -f "$tmp/sim/truth_time_to_work.csv" ] || fail "no truth_time_to_work.csv"
study() {   # METHOD MIN_CELL -> $tmp/sim/METHOD.ini
  awk -v m="$1" -v mc="$2" '/^\[subgroups\]/ { skip = 1; next } /^\[/ { skip = 0 }
       skip { next }
       /^\[treatment\]/ { tr = 1 } /^\[estimator\]/ { tr = 0 }
       tr && /^programs =/ { print "programs = scholing, any"; next }
       /^method =/ { print "method = " m; next }
       /^series =/ { print; print "time_to_work = yes"; next }
       /^min_cell =/ { print "min_cell = " mc; next }
       { print }' "$tmp/sim/study.ini" > "$tmp/sim/$1.ini"
}

for m in radius nn ipw; do
  mc=0; [ $m = nn ] && mc=10
  study $m $mc
  "$netto" run "$tmp/sim/$m.ini" --out "$tmp/res_$m" > /dev/null 2> "$tmp/$m.err" || { cat "$tmp/$m.err"; fail "run $m"; }
  for f in time_to_work.csv time_to_work_summary.csv; do [ -s "$tmp/res_$m/$f" ] || fail "$m: no $f"; done
  head -1 "$tmp/res_$m/time_to_work.csv" | grep -q '^program,subgroup,outcome,month,surv_treated,surv_control,difference,se,ci_lower,ci_upper,se_treated,se_control,n_at_risk_treated,n_at_risk_control' ||
    fail "$m: time_to_work.csv header"
  # truth within 3 SE (rows that are shown)
  awk -F, -v m=$m 'NR == FNR { if (FNR > 1) { t[$1 "," $2 "," $3] = $4; c[$1 "," $2 "," $3] = $5; d[$1 "," $2 "," $3] = $6 }; next }
       FNR == 1 { next }
       $2 == "" && ($4 == 6 || $4 == 12 || $4 == 24) && $7 != "" {
         k = $1 "," $3 "," $4; n++
         zd = ($7 - d[k]) / $8; zc = ($6 - c[k]) / $8
         if (zd > 3 || zd < -3 || zc > 3 || zc < -3) { printf "%s %s: difference %s true %s se %s, control %s true %s se %s\n", m, k, $7, d[k], $8, $6, c[k], $12; bad = 1 }
         if ($5 - t[k] > 0.03 || t[k] - $5 > 0.03) { printf "%s %s: treated %s, true factual %s\n", m, k, $5, t[k]; bad = 1 } }
       END { if (n != 12) { print m ": " n " of 12 truth rows"; bad = 1 } exit bad }' \
    "$tmp/sim/truth_time_to_work.csv" "$tmp/res_$m/time_to_work.csv" || fail "$m: truth"
  # the weights: 0600, controls summing to the treated per programme and start month
  w="$tmp/res_$m/private/matching_weights.csv"
  [ "$(stat -c %a "$w")" = 600 ] && [ "$(stat -c %a "$tmp/res_$m/private")" = 700 ] || fail "$m: private file modes"
  awk -F, 'NR > 1 { k = $2 "," $3 "," $4; if ($5 == "treated") t[k] += $6; else c[k] += $6 }
           END { for (k in t) { n++; if (c[k] - t[k] > 1e-9 * t[k] || t[k] - c[k] > 1e-9 * t[k]) { print k, t[k], c[k]; bad = 1 } }
                 if (n < 10) bad = 1; exit bad }' "$w" || fail "$m: weights do not sum to the treated"
done

# netto survival km --weights reproduces the curves (radius, min_cell 0)
for o in first_job stable_job_6m; do
  "$netto" survival km --data "$tmp/res_radius/private/time_to_work_times.csv" --time ${o}_time --event ${o}_event \
    --weights "$tmp/res_radius/private/matching_weights.csv" --program scholing --out "$tmp/km_$o" > /dev/null 2>&1 ||
    fail "survival km --weights $o"
  awk -F, -v o=$o 'NR == FNR { if ($1 == "scholing" && $2 == "" && $3 == o) { st[$4] = $5; sc[$4] = $6 }; next }
       FNR == 1 { next }
       $2 <= 96 { n++; ref = $1 == "treated" ? st[$2] : sc[$2]; d = $6 - ref
                  if (d > 1e-9 || d < -1e-9) { print o, $1, $2, $6, ref; bad = 1 } }
       END { if (n < 50) { print "only " n " km rows"; bad = 1 } exit bad }' \
    "$tmp/res_radius/time_to_work.csv" "$tmp/km_$o/km.csv" || fail "km --weights $o differs from time_to_work.csv"
done
"$netto" survival km --data "$tmp/res_radius/private/time_to_work_times.csv" --time first_job_time --event first_job_event \
  --weights "$tmp/res_radius/private/matching_weights.csv" --out "$tmp/km_x" > /dev/null 2>&1
[ $? = 2 ] || fail "--weights without --program is a usage error"

# disclosure (nn, min_cell 10)
awk -F, 'NR > 1 { for (j = 13; j <= 14; j++) if ($j != "") { if ($j + 0 > 0 && $j + 0 < 10) { print "count", $j; bad = 1 }
                                                             if ($j % 5 != 0) { print "unrounded", $j; bad = 1 } }
                  if ($13 == "" && $5 != "") { print "curve shown without its count"; bad = 1 } }
         END { exit bad }' "$tmp/res_nn/time_to_work.csv" || fail "nn: disclosure"
grep -q "time_to_work.csv" "$tmp/res_nn/export/disclosure.txt" || fail "nn: time_to_work.csv not in export/"
[ -f "$tmp/res_nn/export/time_to_work.csv" ] || fail "nn: export/time_to_work.csv"
[ -f "$tmp/res_nn/plots/scholing/time_to_work.png" ] || fail "nn: no figure"
rm -rf "$tmp"
echo "cli_ttw: ok"
