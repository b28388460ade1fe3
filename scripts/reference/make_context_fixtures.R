# Writes the context-table fixtures (SPSS .sav, Stata .dta) under
# tests/data/spells/ that tests/cli_context.sh ingests with the spell
# fixtures of make_readstat_fixtures.R. Run from the repo root:
#   Rscript scripts/reference/make_context_fixtures.R
# The tests never call R; the files are committed. Regions 0363 and 0599
# (those of persons.sav/.dta) and a national row (empty region, for the
# person without one), 2019-01..2021-12; unemployment_rate = 5 + month
# index / 10 (+1 for 0599, +2 national), so a reader can be checked by hand.
library(haven)
out <- "tests/data/spells"
months <- format(seq(as.Date("2019-01-01"), as.Date("2021-12-01"), by = "month"), "%Y-%m")
ctx <- do.call(rbind, lapply(seq_along(c("0363", "0599", "")), function(r) {
  data.frame(region = c("0363", "0599", "")[r], month = months,
             unemployment_rate = 5 + (seq_along(months) - 1) / 10 + (r - 1),
             stringsAsFactors = FALSE)
}))
write_sav(ctx, file.path(out, "context.sav"))
write_dta(ctx, file.path(out, "context.dta"))
