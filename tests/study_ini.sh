# Sourced by tests/cli_*.sh: the study file most end-to-end tests run on the
# simulator's spell files (persons/benefits/programs/jobs.csv, data end
# 2012-12-31, cohort WW + BIJSTAND flowing in 2003-01..2004-12), with the
# parts that vary given as arguments.
#   study_ini NAME SEED PROGRAMS START_MONTHS START_INTERVAL HORIZON METHOD [LINE...]
# writes to standard output [study], [data], [cohort], [treatment]
# (start_interval left out when START_INTERVAL is empty) and [estimator]
# up to its method, then every LINE as it is (the rest of [estimator] and
# the other sections). $nt_covariates is the usual covariate list.
nt_covariates="age, sex, education, migration, region, scheme, emp_prev12, emp_prev24, earn_prev12, ben_prev24"
study_ini() {
  printf '%s\n' "[study]" "name = $1" "seed = $2" "[data]" "persons = persons.csv" "benefits = benefits.csv" \
    "programs = programs.csv" "jobs = jobs.csv" "data_end = 2012-12-31" "[cohort]" "scheme = WW, BIJSTAND" \
    "inflow = 2003-01:2004-12" "[treatment]" "programs = $3" "start_months = $4"
  if [ -n "$5" ]; then printf 'start_interval = %s\n' "$5"; fi
  printf '%s\n' "horizon = $6" "[estimator]" "method = $7"
  shift 7
  if [ $# -gt 0 ]; then printf '%s\n' "$@"; fi
}
