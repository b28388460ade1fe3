#!/usr/bin/env Rscript
# Exports the small public datasets that netto's tests and examples use, from
# the R packages Debian ships (r-cran-matching, r-cran-survival), to
# datasets/public/<name>/<name>.csv (header row, `,`, `.` decimals, empty =
# missing). Each folder has a README.md naming source, reference and licence.
# Run from the repository root:  Rscript scripts/reference/export_public_datasets.R
suppressPackageStartupMessages({
  library(survival)
  library(Matching)
})

out_root <- file.path("datasets", "public")

export <- function(df, name) {
  dir <- file.path(out_root, name)
  dir.create(dir, recursive = TRUE, showWarnings = FALSE)
  path <- file.path(dir, paste0(name, ".csv"))
  # factors as their labels, logicals as 0/1, numbers with up to 15
  # significant digits (%.15g), NA as an empty field
  for (v in names(df)) {
    x <- df[[v]]
    if (is.factor(x)) x <- as.character(x)
    if (is.logical(x)) x <- as.integer(x)
    if (is.numeric(x)) x <- ifelse(is.na(x), "", sprintf("%.15g", x))
    if (is.character(x)) x[is.na(x)] <- ""
    df[[v]] <- x
  }
  stopifnot(!any(grepl("[,\"\n]", unlist(df))))  # no quoting needed
  write.csv(df, path, row.names = FALSE, quote = FALSE)
  cat(sprintf("%s: %d rows, %d columns, R %s, package %s\n", path, nrow(df), ncol(df),
              getRversion(), attr(df, "pkg")))
}

data("lalonde", package = "Matching")
attr(lalonde, "pkg") <- paste("Matching", packageVersion("Matching"))
export(lalonde, "lalonde")

v <- survival::veteran; attr(v, "pkg") <- paste("survival", packageVersion("survival"))
export(v, "veteran")
l <- survival::lung; attr(l, "pkg") <- paste("survival", packageVersion("survival"))
export(l, "lung")
h <- survival::heart; attr(h, "pkg") <- paste("survival", packageVersion("survival"))
export(h, "heart")
r <- survival::rotterdam; attr(r, "pkg") <- paste("survival", packageVersion("survival"))
export(r, "rotterdam")
