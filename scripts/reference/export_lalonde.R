# Exports Matching::lalonde (445 rows, NSW experimental sample) for the tests.
# R 4.2, Matching 4.10-8.  Run from the repository root:
#   Rscript scripts/reference/export_lalonde.R
library(Matching)
data(lalonde)
write.csv(lalonde, "tests/data/lalonde.csv", row.names = FALSE, quote = FALSE)
