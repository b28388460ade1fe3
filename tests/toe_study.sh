# Sourced by tests/cli_toe_*.sh: the small simulated cohort and the
# timing-of-events study file they run on (study_ini.sh's spell files and
# cohort).
#   toe_study NETTO DIR SCENARIO NAME [LINE...]
# simulates 2500 persons (seed 4, scenario SCENARIO) into DIR/sim and writes
# DIR/sim/toe.ini: study NAME (seed 9), programmes any starting in months
# 0:23, horizon 36, method toe with four covariates, 1:2 mass points, cuts
# 1, 3, 6, 12, 24, 20 draws and no calendar effects (lines 19-23; toe_cuts is
# line 21), then every LINE as it is (more [estimator] keys, from line 24),
# then [outcomes] employed, linearised inference and min_cell 10. Returns 1
# when the simulation fails.
#   toe_threads NETTO INI DIR FILE...
# runs the study INI with 1 and 2 threads into DIR/r1 and DIR/r2 (the
# program's output in DIR/out1, DIR/out2) and compares every FILE (a path
# in the output folder) byte for byte: it must be there, not empty, and the
# same with both thread counts. Prints what failed and returns 1.
. "$(dirname "${BASH_SOURCE[0]}")/study_ini.sh"
toe_study() {
  local netto=$1 dir=$2 scenario=$3 name=$4
  shift 4
  "$netto" simulate --persons 2500 --seed 4 --scenario "$scenario" --out "$dir/sim" >/dev/null || return 1
  study_ini "$name" 9 any 0:23 "" 36 toe "covariates = age, sex, education, emp_prev12" "toe_mass_points = 1:2" \
    "toe_cuts = 1, 3, 6, 12, 24" "toe_draws = 20" "toe_calendar = no" "$@" "[outcomes]" "series = employed" \
    "[inference]" "method = linearised" "[disclosure]" "min_cell = 10" > "$dir/sim/toe.ini"
}
toe_threads() {
  local netto=$1 ini=$2 dir=$3 th f
  shift 3
  for th in 1 2; do
    NETTO_QUIET=1 "$netto" run "$ini" --out "$dir/r$th" --threads $th >"$dir/out$th" 2>&1 \
      || { cat "$dir/out$th"; echo "netto run (threads $th) failed"; return 1; }
  done
  for f in "$@"; do
    [ -s "$dir/r1/$f" ] || { echo "no $f"; return 1; }
    cmp -s "$dir/r1/$f" "$dir/r2/$f" || { echo "$f differs between 1 and 2 threads"; return 1; }
  done
}
