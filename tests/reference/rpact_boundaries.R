# Reference values for participatie_rct.design.boundaries: two-sided Lan-DeMets
# alpha-spending boundaries from rpact::getDesignGroupSequential.
#
# Run from the repository root:  Rscript tests/reference/rpact_boundaries.R
# Writes tests/reference/rpact_boundaries.json (full precision, with R and rpact versions).
suppressPackageStartupMessages({
  library(rpact)
  library(jsonlite)
})

type_of_design <- c("obrien-fleming" = "asOF", "pocock" = "asP", "hsd" = "asHSD")

cases <- list(
  list(spending = "obrien-fleming", alpha = 0.05, information = c(0.5, 1)),
  list(spending = "obrien-fleming", alpha = 0.05, information = c(1 / 3, 2 / 3, 1)),
  list(spending = "obrien-fleming", alpha = 0.05, information = c(0.25, 0.5, 0.75, 1)),
  list(spending = "obrien-fleming", alpha = 0.05, information = c(0.2, 0.4, 0.6, 0.8, 1)),
  list(spending = "obrien-fleming", alpha = 0.05, information = c(0.3, 0.55, 1)),
  list(spending = "obrien-fleming", alpha = 0.01, information = c(0.15, 0.4, 0.7, 1)),
  list(spending = "pocock", alpha = 0.05, information = c(0.5, 1)),
  list(spending = "pocock", alpha = 0.05, information = c(1 / 3, 2 / 3, 1)),
  list(spending = "pocock", alpha = 0.05, information = c(0.2, 0.4, 0.6, 0.8, 1)),
  list(spending = "pocock", alpha = 0.025, information = c(0.4, 0.65, 0.9, 1)),
  list(spending = "hsd", alpha = 0.05, gamma = -4, information = c(1 / 3, 2 / 3, 1)),
  list(spending = "hsd", alpha = 0.05, gamma = -2, information = c(0.25, 0.5, 0.75, 1)),
  list(spending = "hsd", alpha = 0.05, gamma = 1, information = c(0.2, 0.45, 1)),
  list(spending = "hsd", alpha = 0.05, gamma = -8, information = c(0.1, 0.3, 0.6, 0.85, 1)),
  list(spending = "hsd", alpha = 0.10, gamma = 0.5, information = c(0.5, 0.8, 1))
)

out <- lapply(cases, function(case) {
  args <- list(
    kMax = length(case$information), alpha = case$alpha, sided = 2,
    typeOfDesign = type_of_design[[case$spending]],
    informationRates = case$information
  )
  if (!is.null(case$gamma)) args$gammaA <- case$gamma
  design <- do.call(getDesignGroupSequential, args)
  row <- list(spending = case$spending, alpha = case$alpha)
  if (!is.null(case$gamma)) row$gamma <- case$gamma
  c(row, list(
    information = case$information,
    z = design$criticalValues,
    alpha_cumulative = design$alphaSpent,
    # rpact's stageLevels are one-sided nominal levels; two-sided is twice that
    p_nominal = 2 * design$stageLevels
  ))
})

result <- list(
  source = "rpact::getDesignGroupSequential(sided = 2)",
  r_version = R.version.string,
  rpact_version = as.character(packageVersion("rpact")),
  cases = out
)
write_json(result, "tests/reference/rpact_boundaries.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
