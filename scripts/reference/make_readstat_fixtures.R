# Writes the small SPSS (.sav) and Stata (.dta) spell fixtures under
# tests/data/spells/ that tests/test_spells.c reads. Run from the repo root:
#   Rscript scripts/reference/make_readstat_fixtures.R
# The tests never call R; the files are committed.
library(haven)
out <- "tests/data/spells"
dir.create(out, showWarnings = FALSE, recursive = TRUE)

persons <- data.frame(
  person_id = c("0007", "0012", "0003"),
  birth_date = as.Date(c("1980-05-17", "1975-01-01", "1990-12-31")),
  sex = c("M", "V", "2"),
  education = c("laag", "high", ""),
  region = c("0363", "", "0599"),
  children = c(2, NA, 0),
  stringsAsFactors = FALSE
)
benefits <- data.frame(
  person_id = c("0007", "0012", "0003", "0007"),
  scheme = c("ww", "WW", "bijstand", "WW"),
  start_date = as.Date(c("2020-01-01", "2020-03-15", "2020-02-01", "2020-07-01")),
  end_date = as.Date(c("2020-06-30", NA, "2020-08-31", "2020-09-30")),
  stringsAsFactors = FALSE
)
programs <- data.frame(
  person_id = c("0007", "0003"),
  program = c("Scholing", "bemiddeling"),
  start_date = as.Date(c("2020-02-01", "2020-03-01")),
  end_date = as.Date(c("2020-04-30", NA)),
  cost_eur = c(1250.5, NA),
  provider = c("UWV", ""),
  stringsAsFactors = FALSE
)
# jobs: dates as 8-digit YYYYMMDD numbers (CBS style)
jobs <- data.frame(
  person_id = c("0012", "0007"),
  start_date = c(20200601, 20201001),
  end_date = c(NA, 99991231),
  wage_eur_month = c(2500, NA),
  hours_week = c(36, 24),
  stringsAsFactors = FALSE
)
for (f in c("sav", "dta")) {
  w <- if (f == "sav") write_sav else write_dta
  w(persons, file.path(out, paste0("persons.", f)))
  w(benefits, file.path(out, paste0("benefits.", f)))
  w(programs, file.path(out, paste0("programs.", f)))
  w(jobs, file.path(out, paste0("jobs.", f)))
}
