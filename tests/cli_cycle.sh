#!/usr/bin/env bash
# The cycle scenario (issue 14, item 3; docs/dynamic.md "Calendar time"):
# on one population of `netto simulate --scenario cycle` (20,000 persons,
# seed 4), programme any, the default calendar alignment (inflow_quarter)
# and the context table at k (calendar = none, unemployment_rate) are
# within 3 SE (linearised) of truth.csv in at least 90% of months, and
# cumulatively (months 0-11 and 0-95) for employed and earnings; the
# duration-only alignment (calendar = none) is visibly biased: more than 10%
# of its employment months lie beyond 3 SE (docs/dynamic.md: up to 26 Monte
# Carlo SE over 25 populations).
set -u
netto=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp="${NT_TMP:-/tmp}/cli_cycle.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
export NETTO_QUIET=1
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
persons=20000
if [ -n "${NT_SANITIZED:-}" ]; then persons=3000; fi
"$netto" simulate --scenario cycle --persons $persons --seed 4 --out "$tmp/sim" >/dev/null || { echo "FAIL: simulate"; exit 1; }
cd "$tmp/sim" || exit 1
sed -e '/^\[subgroups\]/,/^$/d' -e 's/^programs = bemiddeling.*/programs = any/' -e 's/^series = .*/series = employed, earnings/' \
    -e 's/^\[inference\]/[inference]\nmethod = linearised/' study.ini > base.ini
cp base.ini month.ini
sed 's/^exact = scheme/exact = scheme\ncalendar = none/' base.ini > none.ini
sed -e 's/^exact = scheme/exact = scheme\ncalendar = none\ncontext = unemployment_rate/' \
    -e 's/^jobs = jobs.csv/jobs = jobs.csv\ncontext = context.csv/' base.ini > context.ini
for v in month none context; do
  "$netto" run $v.ini --out "$tmp/$v" >"$tmp/$v.log" 2>&1 || { cat "$tmp/$v.log"; fail "netto run $v.ini"; }
done
# compare RUN LABEL MODE: MODE ok = within 3 SE, biased = more than 10% of employment months beyond 3 SE
compare() {
  awk -F, -v label="$2" -v mode="$3" '
    FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
    FILENAME ~ /truth.csv$/ { if ($1 == "any" && $2 == "") tr[$3, $4] = $5 + 0; next }
    FILENAME ~ /summary.csv$/ { if ($1 == "any" && $2 == "") { cum[$3, $4] = $col[FILENAME, "cumulative_effect"]; cse[$3, $4] = $col[FILENAME, "cumulative_se"] }; next }
    $1 == "any" && $2 == "" && $col[FILENAME, "estimand"] == "ATT" && $col[FILENAME, "estimate"] != "" {
      o = $3; n[o]++; d = $col[FILENAME, "estimate"] - tr[o, $4]; if (d < 0) d = -d
      if (d <= 3 * $col[FILENAME, "se"]) ok[o]++ }
    END {
      for (o in n) {
        c12 = 0; c96 = 0; for (t = 0; t < 96; t++) { if (t < 12) c12 += tr[o, t]; c96 += tr[o, t] }
        d12 = cum[o, 12] - c12; d96 = cum[o, 96] - c96
        printf "%s %s: %d of %d months within 3 SE; cumulative 12: %.4g vs %.4g (SE %.3g), 96: %.4g vs %.4g (SE %.3g)\n",
          label, o, ok[o], n[o], cum[o, 12], c12, cse[o, 12], cum[o, 96], c96, cse[o, 96]
        if (mode == "ok") {
          if (ok[o] < 0.9 * n[o]) { print "  too many months beyond 3 SE"; bad = 1 }
          if (d12 < 0) d12 = -d12; if (d96 < 0) d96 = -d96
          if (d12 > 3 * cse[o, 12] || d96 > 3 * cse[o, 96]) { print "  cumulative effect beyond 3 SE"; bad = 1 }
        } else if (o == "employed" && ok[o] > 0.9 * n[o]) { print "  the duration-only bias does not show"; bad = 1 }
      }
      exit bad }' "$tmp/sim/truth.csv" "$tmp/$1/summary.csv" "$tmp/$1/effects.csv"
}
compare month "calendar = inflow_quarter (default)" ok || fail "default calendar alignment against the truth"
compare context "calendar = none, context at k" ok || fail "context at k against the truth"
if [ -z "${NT_SANITIZED:-}" ]; then compare none "calendar = none" biased || fail "duration-only alignment"; fi
cd / && rm -rf "$tmp"
[ "$fails" -eq 0 ] && echo "cli_cycle: all checks passed"
exit "$fails"
