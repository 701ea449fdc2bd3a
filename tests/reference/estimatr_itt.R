# Reference values for the estimation core (src/participatie_rct/estimate/), computed with
# estimatr, on public randomized-experiment data shipped with R packages:
#   - AER::STAR: Tennessee class size experiment (kindergarten; three arms, randomized
#     within schools): two-arm (small vs regular) and multi-arm blocked designs;
#   - clubSandwich::AchievementAwardsRCT: Israeli achievement awards experiment (schools
#     randomized, students nested; 2001 cohort): a clustered (and block-clustered) design.
# Writes estimatr_star_k.csv, estimatr_star_iv.csv, estimatr_star_attrition.csv,
# estimatr_awards.csv (the rows used) and estimatr_itt.json (every estimate at full precision,
# with how the Python side calls it: tests/estimate/test_itt_reference.py reads it, without R).
#
# Run from this folder:  Rscript estimatr_itt.R

suppressPackageStartupMessages({
  library(estimatr)
  library(AER)
  library(clubSandwich)
  library(jsonlite)
})

# --- data -------------------------------------------------------------------------------
data("STAR", package = "AER")
star <- data.frame(
  id = seq_len(nrow(STAR)),
  stark = as.character(STAR$stark), readk = STAR$readk, mathk = STAR$mathk,
  gender = as.character(STAR$gender), lunchk = as.character(STAR$lunchk),
  experiencek = STAR$experiencek, schoolidk = as.character(STAR$schoolidk),
  star1 = as.character(STAR$star1), read1 = STAR$read1, schoolid1 = as.character(STAR$schoolid1),
  stringsAsFactors = FALSE
)
k <- star[complete.cases(star[, c("stark", "readk", "mathk", "gender", "lunchk", "experiencek", "schoolidk")]),
          c("id", "stark", "readk", "mathk", "gender", "lunchk", "experiencek", "schoolidk")]
# keep schools with at least two pupils in every arm, so every school is a usable block
counts <- table(k$schoolidk, k$stark)
k <- k[k$schoolidk %in% rownames(counts)[apply(counts >= 2, 1, all)], ]
k$read_high <- as.integer(k$readk >= median(k$readk))
write.csv(k, "estimatr_star_k.csv", row.names = FALSE)
k$stark <- factor(k$stark, levels = c("regular", "small", "regular+aide"))
k2 <- droplevels(subset(k, stark != "regular+aide"))

iv <- star[!is.na(star$stark) & star$stark %in% c("small", "regular") & !is.na(star$star1) & !is.na(star$read1),
           c("id", "stark", "star1", "read1", "schoolid1")]
iv$z <- as.integer(iv$stark == "small")
iv$d <- as.integer(iv$star1 == "small")
write.csv(iv, "estimatr_star_iv.csv", row.names = FALSE)

data("AchievementAwardsRCT", package = "clubSandwich")
aw <- as.data.frame(AchievementAwardsRCT)
aw <- aw[aw$year == "2001", c("school_id", "school_type", "pair", "treated", "sex", "siblings", "immigrant",
                              "father_ed", "mother_ed", "Bagrut_status", "attempted")]
aw$school_type <- as.character(aw$school_type)
aw <- aw[complete.cases(aw), ]
write.csv(aw, "estimatr_awards.csv", row.names = FALSE)

# --- helpers ----------------------------------------------------------------------------
cases <- list()
tidy_rows <- function(fit, terms, arm_of) {
  td <- tidy(fit)
  td <- td[td$term %in% terms, ]
  lapply(seq_len(nrow(td)), function(i) list(
    arm = arm_of(td$term[i]), estimate = td$estimate[i], std_error = td$std.error[i],
    df = td$df[i], p_value = td$p.value[i], ci_low = td$conf.low[i], ci_high = td$conf.high[i]))
}
add <- function(name, r_call, python, rows, extra = list()) {
  cases[[length(cases) + 1]] <<- c(list(name = name, r_call = r_call, python = python, estimates = rows), extra)
}
star_arm <- function(t) sub("^stark", "", t)
se_py <- function(se) tolower(se)

# --- two-arm: STAR kindergarten, small vs regular -----------------------------------------
two <- list(data = "estimatr_star_k.csv", subset = list(column = "stark", levels = c("regular", "small")),
            outcome = "readk", treatment = "stark", control = "regular")
for (se in c("HC0", "HC1", "HC2", "HC3", "classical")) {
  f <- lm_robust(readk ~ stark, data = k2, se_type = se)
  add(paste0("two_arm_ols_", se), sprintf("lm_robust(readk ~ stark, se_type = '%s')", se),
      c(two, list(function_ = "itt", se_type = se_py(se))), tidy_rows(f, "starksmall", star_arm))
  f <- lm_robust(readk ~ stark, data = k2, se_type = se, fixed_effects = ~schoolidk)
  add(paste0("two_arm_ols_fe_", se), sprintf("lm_robust(readk ~ stark, fixed_effects = ~schoolidk, se_type = '%s')", se),
      c(two, list(function_ = "itt", se_type = se_py(se), strata = "schoolidk")), tidy_rows(f, "starksmall", star_arm))
}
for (se in c("HC2", "HC1")) {
  f <- lm_lin(readk ~ stark, covariates = ~ gender + lunchk + experiencek, data = k2, se_type = se)
  add(paste0("two_arm_lin_", se), sprintf("lm_lin(readk ~ stark, covariates = ~ gender + lunchk + experiencek, se_type = '%s')", se),
      c(two, list(function_ = "itt", se_type = se_py(se), covariates = c("gender", "lunchk", "experiencek"), adjust = "lin")),
      tidy_rows(f, "starksmall", star_arm))
}
f <- lm_robust(readk ~ stark + gender + lunchk + experiencek, data = k2, se_type = "HC2")
add("two_arm_linear_HC2", "lm_robust(readk ~ stark + gender + lunchk + experiencek, se_type = 'HC2')",
    c(two, list(function_ = "itt", covariates = c("gender", "lunchk", "experiencek"), adjust = "linear")),
    tidy_rows(f, "starksmall", star_arm))
f <- difference_in_means(readk ~ stark, data = k2, condition1 = "regular", condition2 = "small")
add("two_arm_dim", "difference_in_means(readk ~ stark)", c(two, list(function_ = "itt", estimator = "dim")),
    tidy_rows(f, "starksmall", star_arm))
f <- difference_in_means(readk ~ stark, blocks = schoolidk, data = k2, condition1 = "regular", condition2 = "small")
add("two_arm_dim_blocked", "difference_in_means(readk ~ stark, blocks = schoolidk)",
    c(two, list(function_ = "itt", estimator = "dim", strata = "schoolidk")), tidy_rows(f, "starksmall", star_arm),
    list(design = f$design))
f <- lm_robust(read_high ~ stark, data = k2, se_type = "HC2")
add("two_arm_binary_HC2", "lm_robust(read_high ~ stark, se_type = 'HC2')",
    modifyList(two, list(outcome = "read_high", function_ = "itt")), tidy_rows(f, "starksmall", star_arm))

# logistic regression, average marginal effect of the arm (everyone in the arm minus
# everyone in control), delta-method standard error with the model-based covariance
g <- glm(read_high ~ stark + gender + lunchk + experiencek, family = binomial(), data = k2)
ame <- function(g, data, arm_term) {
  X <- model.matrix(g)
  X1 <- X; X0 <- X
  arm_cols <- grep("^stark", colnames(X))
  X1[, arm_cols] <- 0; X0[, arm_cols] <- 0
  X1[, arm_term] <- 1
  b <- coef(g)
  p1 <- plogis(drop(X1 %*% b)); p0 <- plogis(drop(X0 %*% b))
  grad <- colMeans(X1 * (p1 * (1 - p1))) - colMeans(X0 * (p0 * (1 - p0)))
  est <- mean(p1 - p0); se <- sqrt(drop(t(grad) %*% vcov(g) %*% grad))
  z <- qnorm(0.975)
  list(arm = star_arm(arm_term), estimate = est, std_error = se, df = NULL,
       p_value = 2 * pnorm(-abs(est / se)), ci_low = est - z * se, ci_high = est + z * se)
}
add("two_arm_logit_ame", "glm(read_high ~ stark + gender + lunchk + experiencek, binomial); AME by delta method",
    modifyList(two, list(outcome = "read_high", function_ = "logit_ame", covariates = c("gender", "lunchk", "experiencek"))),
    list(ame(g, k2, "starksmall")))

# subgroups: effect of small classes within free-lunch levels, and the interaction test
f <- lm_robust(readk ~ 0 + lunchk + lunchk:stark, data = k2, se_type = "HC2")
terms <- c("lunchknon-free:starksmall", "lunchkfree:starksmall")
td <- tidy(f); td <- td[match(terms, td$term), ]
V <- vcov(f)[terms, terms]; L <- matrix(c(1, -1), 1)
diff <- drop(L %*% coef(f)[terms]); wald <- drop(diff^2 / (L %*% V %*% t(L)))
add("two_arm_subgroups_lunch", "lm_robust(readk ~ 0 + lunchk + lunchk:stark, se_type = 'HC2')",
    c(two, list(function_ = "subgroup_effects", subgroup = "lunchk")),
    lapply(seq_len(nrow(td)), function(i) list(arm = "small", level = sub(":starksmall", "", sub("^lunchk", "", td$term[i])),
      estimate = td$estimate[i], std_error = td$std.error[i], df = td$df[i], p_value = td$p.value[i],
      ci_low = td$conf.low[i], ci_high = td$conf.high[i])),
    list(interaction = list(statistic = wald, df = 1, df_residual = f$df.residual,
                            p_value = pf(wald, 1, f$df.residual, lower.tail = FALSE))))

# --- multi-arm, blocked by school: STAR kindergarten, three arms ---------------------------
multi <- list(data = "estimatr_star_k.csv", outcome = "readk", treatment = "stark", control = "regular")
multi_terms <- c("starksmall", "starkregular+aide")
with_adjusted <- function(rows) {  # p.adjust across the arms, beside the raw p-values
  p <- vapply(rows, function(r) r$p_value, numeric(1))
  holm <- p.adjust(p, "holm"); bonf <- p.adjust(p, "bonferroni")
  lapply(seq_along(rows), function(i) c(rows[[i]], list(p_holm = holm[i], p_bonferroni = bonf[i])))
}
for (se in c("HC0", "HC1", "HC2", "HC3", "classical")) {
  f <- lm_robust(readk ~ stark, data = k, se_type = se, fixed_effects = ~schoolidk)
  add(paste0("multi_arm_fe_", se), sprintf("lm_robust(readk ~ stark, fixed_effects = ~schoolidk, se_type = '%s'); p.adjust", se),
      c(multi, list(function_ = "itt", se_type = se_py(se), strata = "schoolidk", correction = "bonferroni")),
      with_adjusted(tidy_rows(f, multi_terms, star_arm)))
}
f <- lm_robust(readk ~ stark, data = k, se_type = "HC2")
add("multi_arm_HC2", "lm_robust(readk ~ stark, se_type = 'HC2')", c(multi, list(function_ = "itt")),
    tidy_rows(f, multi_terms, star_arm))
f <- lm_lin(readk ~ stark, covariates = ~ gender + lunchk + experiencek, data = k, se_type = "HC2")
add("multi_arm_lin_HC2", "lm_lin(readk ~ stark, covariates = ~ gender + lunchk + experiencek)",
    c(multi, list(function_ = "itt", covariates = c("gender", "lunchk", "experiencek"))), tidy_rows(f, multi_terms, star_arm))
# Lin (2013) with school fixed effects: the centred covariates and their interactions, by hand
kc <- k
kc$female_c <- (kc$gender == "female") - mean(kc$gender == "female")
kc$free_c <- (kc$lunchk == "free") - mean(kc$lunchk == "free")
kc$exp_c <- kc$experiencek - mean(kc$experiencek)
f <- lm_robust(readk ~ stark + female_c + free_c + exp_c + stark:female_c + stark:free_c + stark:exp_c,
               data = kc, se_type = "HC2", fixed_effects = ~schoolidk)
add("multi_arm_lin_fe_HC2", "lm_robust(readk ~ stark * (centred gender + lunchk + experiencek), fixed_effects = ~schoolidk)",
    c(multi, list(function_ = "itt", covariates = c("gender", "lunchk", "experiencek"), strata = "schoolidk")),
    tidy_rows(f, multi_terms, star_arm))
rows <- list()
for (arm in c("small", "regular+aide")) {
  sub_k <- droplevels(k[k$stark %in% c("regular", arm), ])
  f <- difference_in_means(readk ~ stark, blocks = schoolidk, data = sub_k, condition1 = "regular", condition2 = arm)
  rows[[length(rows) + 1]] <- tidy_rows(f, paste0("stark", arm), star_arm)[[1]]
}
add("multi_arm_dim_blocked", "difference_in_means(readk ~ stark, blocks = schoolidk), each arm against regular",
    c(multi, list(function_ = "itt", estimator = "dim", strata = "schoolidk")), rows)

# balance: per covariate the HC2 Wald F of the arms; jointly the arm indicator on all covariates
bal <- list()
for (x in c("experiencek", "mathk")) {
  f <- lm_robust(as.formula(paste(x, "~ stark")), data = k, se_type = "HC2")
  bal[[x]] <- list(statistic = unname(f$fstatistic[1]), df = unname(f$fstatistic[2]), df_residual = unname(f$fstatistic[3]))
}
joint <- list()
for (arm in c("small", "regular+aide")) {
  sub_k <- k[k$stark %in% c("regular", arm), ]
  sub_k$t <- as.integer(sub_k$stark == arm)
  f <- lm_robust(t ~ experiencek + mathk + gender, data = sub_k, se_type = "HC2")
  joint[[arm]] <- list(statistic = unname(f$fstatistic[1]), df = unname(f$fstatistic[2]), df_residual = unname(f$fstatistic[3]))
}
add("multi_arm_balance", "lm_robust(x ~ stark, HC2)$fstatistic; lm_robust(arm ~ covariates, HC2)$fstatistic",
    c(multi, list(function_ = "balance", covariates = c("experiencek", "mathk", "gender"))), list(),
    list(per_covariate = bal, joint = joint))

# --- clustered: achievement awards, schools randomized (2001 cohort) -----------------------
cl <- list(data = "estimatr_awards.csv", outcome = "Bagrut_status", treatment = "treated", control = 0,
           cluster = "school_id")
for (se in c("CR0", "CR2", "stata")) {
  f <- lm_robust(Bagrut_status ~ treated, data = aw, clusters = school_id, se_type = se)
  add(paste0("clustered_", se), sprintf("lm_robust(Bagrut_status ~ treated, clusters = school_id, se_type = '%s')", se),
      c(cl, list(function_ = "itt", se_type = se_py(se))), tidy_rows(f, "treated", function(t) "1"))
  f <- lm_robust(Bagrut_status ~ treated, data = aw, clusters = school_id, se_type = se, fixed_effects = ~school_type)
  add(paste0("clustered_fe_", se),
      sprintf("lm_robust(Bagrut_status ~ treated, clusters = school_id, fixed_effects = ~school_type, se_type = '%s')", se),
      c(cl, list(function_ = "itt", se_type = se_py(se), strata = "school_type")), tidy_rows(f, "treated", function(t) "1"))
}
f <- lm_robust(Bagrut_status ~ treated, data = aw, clusters = school_id, se_type = "CR2", fixed_effects = ~pair)
add("clustered_pair_fe_CR2", "lm_robust(Bagrut_status ~ treated, clusters = school_id, fixed_effects = ~pair, se_type = 'CR2')",
    c(cl, list(function_ = "itt", strata = "pair")), tidy_rows(f, "treated", function(t) "1"))
f <- lm_lin(Bagrut_status ~ treated, covariates = ~ sex + siblings + immigrant + father_ed + mother_ed,
            data = aw, clusters = school_id, se_type = "CR2")
add("clustered_lin_CR2", "lm_lin(Bagrut_status ~ treated, covariates = ~ sex + siblings + immigrant + father_ed + mother_ed, clusters = school_id)",
    c(cl, list(function_ = "itt", covariates = c("sex", "siblings", "immigrant", "father_ed", "mother_ed"))),
    tidy_rows(f, "treated", function(t) "1"))
f <- difference_in_means(Bagrut_status ~ treated, clusters = school_id, data = aw)
add("clustered_dim", "difference_in_means(Bagrut_status ~ treated, clusters = school_id)",
    c(cl, list(function_ = "itt", estimator = "dim")), tidy_rows(f, "treated", function(t) "1"), list(design = f$design))
f <- difference_in_means(Bagrut_status ~ treated, clusters = school_id, blocks = school_type, data = aw)
add("clustered_dim_blocked", "difference_in_means(Bagrut_status ~ treated, clusters = school_id, blocks = school_type)",
    c(cl, list(function_ = "itt", estimator = "dim", strata = "school_type")), tidy_rows(f, "treated", function(t) "1"),
    list(design = f$design))

f <- suppressWarnings(difference_in_means(Bagrut_status ~ treated, clusters = school_id, blocks = pair, data = aw))
add("clustered_dim_pairs", "difference_in_means(Bagrut_status ~ treated, clusters = school_id, blocks = pair)",
    c(cl, list(function_ = "itt", estimator = "dim", strata = "pair")), tidy_rows(f, "treated", function(t) "1"),
    list(design = f$design))

# --- non-compliance: small class assigned in kindergarten (z) vs attended in grade 1 (d) ---
ivs <- list(data = "estimatr_star_iv.csv", outcome = "read1", treatment = "z", received = "d", control = 0)
for (se in c("HC2", "HC1", "classical")) {
  f <- iv_robust(read1 ~ d | z, data = iv, se_type = se, diagnostics = TRUE)
  fs <- f$diagnostic_first_stage_fstatistic
  add(paste0("cace_", se), sprintf("iv_robust(read1 ~ d | z, se_type = '%s', diagnostics = TRUE)", se),
      c(ivs, list(function_ = "cace", se_type = se_py(se))), tidy_rows(f, "d", function(t) "1"),
      list(first_stage = list(statistic = unname(fs[1]), df = unname(fs[2]), df_residual = unname(fs[3]))))
}
f <- iv_robust(read1 ~ d | z, data = iv, fixed_effects = ~schoolid1, se_type = "HC2")
add("cace_fe_HC2", "iv_robust(read1 ~ d | z, fixed_effects = ~schoolid1, se_type = 'HC2')",
    c(ivs, list(function_ = "cace", strata = "schoolid1")), tidy_rows(f, "d", function(t) "1"))
f <- iv_robust(read1 ~ d | z, data = iv, clusters = schoolid1, se_type = "CR2")
add("cace_CR2", "iv_robust(read1 ~ d | z, clusters = schoolid1, se_type = 'CR2')",
    c(ivs, list(function_ = "cace", cluster = "schoolid1")), tidy_rows(f, "d", function(t) "1"))

# --- attrition: Lee (2009) bounds, by hand (no R package ships them) ----------------------
# Grade-1 reading score of kindergarten pupils (small vs regular): missing for pupils who left
# the study. Trimming is exact: the boundary observation counts with its fractional weight.
att <- star[!is.na(star$stark) & star$stark %in% c("small", "regular"), c("id", "stark", "read1")]
write.csv(att, "estimatr_star_attrition.csv", row.names = FALSE, na = "")
trimmed_mean <- function(v, keep, from_top) {
  v <- sort(v, decreasing = from_top)
  m <- keep * length(v); whole <- floor(m + 1e-12); frac <- m - whole
  (sum(v[seq_len(whole)]) + if (frac > 1e-12 && whole < length(v)) frac * v[whole + 1] else 0) / m
}
yt <- att$read1[att$stark == "small"]; yc <- att$read1[att$stark == "regular"]
qt <- mean(!is.na(yt)); qc <- mean(!is.na(yc))
stopifnot(qt >= qc)
p_trim <- (qt - qc) / qt
lee <- list(arm = "small", lower = trimmed_mean(yt[!is.na(yt)], 1 - p_trim, FALSE) - mean(yc, na.rm = TRUE),
            upper = trimmed_mean(yt[!is.na(yt)], 1 - p_trim, TRUE) - mean(yc, na.rm = TRUE),
            trim_share = p_trim, response_arm = qt, response_control = qc)
add("attrition_lee_bounds", "Lee (2009) bounds by hand on STAR grade-1 reading, small vs regular",
    list(data = "estimatr_star_attrition.csv", outcome = "read1", treatment = "stark", control = "regular",
         function_ = "lee_bounds"), list(lee))

out <- list(
  generated_by = "estimatr_itt.R",
  r_version = R.version.string,
  packages = list(estimatr = as.character(packageVersion("estimatr")),
                  sandwich = as.character(packageVersion("sandwich")),
                  clubSandwich = as.character(packageVersion("clubSandwich")),
                  AER = as.character(packageVersion("AER")),
                  jsonlite = as.character(packageVersion("jsonlite"))),
  cases = cases
)
write_json(out, "estimatr_itt.json", digits = NA, auto_unbox = TRUE, pretty = TRUE, null = "null", na = "null")
