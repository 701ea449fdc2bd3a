# Reference values for participatie_rct.design.power: R's power.prop.test and power.t.test.
#
# Run from the repository root:  Rscript tests/reference/power_prop_test.R
# Writes tests/reference/power_prop_test.json (full precision, with the R version).
# The solvers run uniroot with tol = 1e-12 (R's default tolerance, .Machine$double.eps^0.25,
# would leave n uncertain in its fourth decimal).
suppressPackageStartupMessages(library(jsonlite))
tol <- 1e-12

prop_cases <- list(
  # solve for n
  list(p1 = 0.06, p2 = 0.115, sig.level = 0.05, power = 0.8, strict = FALSE),
  list(p1 = 0.12, p2 = 0.22, sig.level = 0.05, power = 0.9, strict = FALSE),
  list(p1 = 0.12, p2 = 0.16, sig.level = 0.05 / 3, power = 0.8, strict = FALSE),
  list(p1 = 0.50, p2 = 0.75, sig.level = 0.01, power = 0.8, strict = FALSE),
  list(p1 = 0.30, p2 = 0.20, sig.level = 0.05, power = 0.8, strict = TRUE),
  list(p1 = 0.06, p2 = 0.09, sig.level = 0.05, power = 0.3, strict = TRUE),
  # solve for power
  list(n = 190, p1 = 0.12, p2 = 0.22, sig.level = 0.05, strict = FALSE),
  list(n = 190, p1 = 0.12, p2 = 0.22, sig.level = 0.05 / 3, strict = FALSE),
  list(n = 50, p1 = 0.10, p2 = 0.14, sig.level = 0.05, strict = TRUE),
  list(n = 50, p1 = 0.10, p2 = 0.14, sig.level = 0.05, strict = FALSE),
  list(n = 1000, p1 = 0.40, p2 = 0.35, sig.level = 0.05, strict = FALSE),
  # solve for p2 (minimum detectable treatment proportion)
  list(n = 190, p1 = 0.12, sig.level = 0.05, power = 0.8, strict = FALSE),
  list(n = 190, p1 = 0.12, sig.level = 0.05 / 3, power = 0.8, strict = FALSE),
  list(n = 500, p1 = 0.06, sig.level = 0.05, power = 0.9, strict = FALSE),
  list(n = 80, p1 = 0.25, sig.level = 0.05, power = 0.8, strict = TRUE)
)

t_cases <- list(
  list(delta = 0.5, sd = 1, sig.level = 0.05, power = 0.8, strict = FALSE),
  list(delta = 2, sd = 7.5, sig.level = 0.05 / 3, power = 0.9, strict = FALSE),
  list(delta = 0.3, sd = 1, sig.level = 0.05, power = 0.5, strict = TRUE),
  list(n = 64, delta = 0.5, sd = 1, sig.level = 0.05, strict = FALSE),
  list(n = 10, delta = 1, sd = 1.5, sig.level = 0.01, strict = TRUE),
  list(n = 120, sd = 2, sig.level = 0.05, power = 0.8, strict = FALSE),
  list(n = 30, sd = 1, sig.level = 0.05 / 2, power = 0.9, strict = FALSE)
)

run <- function(fun, case) {
  res <- do.call(fun, c(case, list(tol = tol)))
  keep <- intersect(c("n", "p1", "p2", "delta", "sd", "sig.level", "power"), names(res))
  out <- lapply(keep, function(k) res[[k]])
  names(out) <- keep
  c(list(given = names(case), strict = case$strict), out)
}

result <- list(
  source = "stats::power.prop.test and stats::power.t.test, two-sided, tol = 1e-12",
  r_version = R.version.string,
  stats_version = as.character(packageVersion("stats")),
  prop = lapply(prop_cases, function(case) run(power.prop.test, case)),
  t = lapply(t_cases, function(case) run(power.t.test, case))
)
write_json(result, "tests/reference/power_prop_test.json", digits = NA, auto_unbox = TRUE, pretty = TRUE)
