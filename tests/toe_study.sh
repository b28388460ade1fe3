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
. "$(dirname "${BASH_SOURCE[0]}")/study_ini.sh"
toe_study() {
  local netto=$1 dir=$2 scenario=$3 name=$4
  shift 4
  "$netto" simulate --persons 2500 --seed 4 --scenario "$scenario" --out "$dir/sim" >/dev/null || return 1
  study_ini "$name" 9 any 0:23 "" 36 toe "covariates = age, sex, education, emp_prev12" "toe_mass_points = 1:2" \
    "toe_cuts = 1, 3, 6, 12, 24" "toe_draws = 20" "toe_calendar = no" "$@" "[outcomes]" "series = employed" \
    "[inference]" "method = linearised" "[disclosure]" "min_cell = 10" > "$dir/sim/toe.ini"
}
