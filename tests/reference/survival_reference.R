# Reference values for the survival and competing-risks estimators of participatie-rct.
#
# Data: two randomized trials that ship with R's survival package.
#   veteran  Veterans' Administration lung cancer trial (trt 1 = standard, 2 = test).
#   pbc      Mayo Clinic primary biliary cholangitis trial, the 312 randomized patients
#            (trt 1 = D-penicillamine, 2 = placebo); status 0 censored, 1 transplant, 2 death.
# A person-month panel is derived from veteran (30-day months 1..6, rows while observed)
# for the clustered linear probability model.
# Run from the repository root: Rscript tests/reference/survival_reference.R
suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
  library(sandwich)
  library(jsonlite)
})

out_dir <- "tests/reference"
times <- c(30, 90, 180, 365)

vet <- veteran[, c("trt", "celltype", "time", "status", "karno", "age")]
vet$celltype <- as.character(vet$celltype)
write.csv(vet, file.path(out_dir, "survival_veteran.csv"), row.names = FALSE)

pbc3 <- pbc[!is.na(pbc$trt), c("id", "time", "status", "trt", "age", "sex", "edema", "bili")]
pbc3$sex <- as.character(pbc3$sex)
write.csv(pbc3, file.path(out_dir, "survival_pbc.csv"), row.names = FALSE)

km_rows <- function(fit, times) {
  s <- summary(fit, times = times, extend = TRUE)
  data.frame(arm = sub("trt=", "", as.character(s$strata)), time = s$time,
             n_risk = s$n.risk, survival = s$surv, std_error = s$std.err,
             ci_low = s$lower, ci_high = s$upper)
}

# Kaplan-Meier, log and log-log intervals -------------------------------------------------
km_log <- survfit(Surv(time, status) ~ trt, data = vet, conf.type = "log")
km_loglog <- survfit(Surv(time, status) ~ trt, data = vet, conf.type = "log-log")
km_all <- summary(km_log)
km_full <- data.frame(arm = sub("trt=", "", as.character(km_all$strata)), time = km_all$time,
                      n_risk = km_all$n.risk, n_event = km_all$n.event,
                      survival = km_all$surv, std_error = km_all$std.err,
                      ci_low = km_all$lower, ci_high = km_all$upper)
rm_tab <- summary(km_log, rmean = 365)$table

# Log-rank ---------------------------------------------------------------------------------
lr <- survdiff(Surv(time, status) ~ trt, data = vet)
lr_strat <- survdiff(Surv(time, status) ~ trt + strata(celltype), data = vet)
lr_three <- survdiff(Surv(time, status) ~ celltype, data = vet)
lr_p <- function(x) pchisq(x$chisq, length(x$n) - 1, lower.tail = FALSE)

# Cox --------------------------------------------------------------------------------------
cox_rows <- function(fit) {
  s <- summary(fit)$coefficients
  data.frame(term = rownames(s), coef = unname(fit$coefficients),
             std_error = sqrt(diag(fit$naive.var %||% fit$var)),
             robust_std_error = if (!is.null(fit$naive.var)) sqrt(diag(fit$var)) else NA,
             p_value = s[, ncol(s)])
}
`%||%` <- function(a, b) if (is.null(a)) b else a
vet$arm2 <- as.numeric(vet$trt == 2)
cox1 <- coxph(Surv(time, status) ~ arm2, data = vet, robust = TRUE)
cox2 <- coxph(Surv(time, status) ~ arm2 + karno + age, data = vet, robust = TRUE)
cox3 <- coxph(Surv(time, status) ~ arm2 + karno + strata(celltype), data = vet, robust = TRUE)
cox_breslow <- coxph(Surv(time, status) ~ arm2 + karno, data = vet, ties = "breslow", robust = TRUE)
zph2 <- cox.zph(coxph(Surv(time, status) ~ arm2 + karno + age, data = vet), transform = "km")
zph3 <- cox.zph(coxph(Surv(time, status) ~ arm2 + karno + strata(celltype), data = vet), transform = "km")
zph_rows <- function(z) data.frame(term = rownames(z$table), chisq = z$table[, "chisq"],
                                    df = z$table[, "df"], p = z$table[, "p"])

# Competing risks on pbc -------------------------------------------------------------------
ci <- cuminc(pbc3$time, pbc3$status, pbc3$trt)
ci_times <- c(365, 730, 1461, 2922)
tp <- timepoints(ci, ci_times)
cif_rows <- do.call(rbind, lapply(rownames(tp$est), function(nm) {
  parts <- strsplit(nm, " ")[[1]]
  data.frame(arm = parts[1], cause = parts[2], time = ci_times,
             cumulative_incidence = unname(tp$est[nm, ]), variance = unname(tp$var[nm, ]))
}))
ci_strat <- cuminc(pbc3$time, pbc3$status, pbc3$trt, strata = pbc3$sex)
# a three-group comparison (edema 0 / 0.5 / 1) exercises the full covariance of Gray's test
ci_edema <- cuminc(pbc3$time, pbc3$status, pbc3$edema)
gray_rows <- function(x) data.frame(cause = rownames(x$Tests), statistic = x$Tests[, "stat"],
                                    p_value = x$Tests[, "pv"], df = x$Tests[, "df"])
pbc3$arm2 <- as.numeric(pbc3$trt == 2)
fg1 <- crr(pbc3$time, pbc3$status, cov1 = cbind(arm2 = pbc3$arm2), failcode = 2)
fg2 <- crr(pbc3$time, pbc3$status, cov1 = cbind(arm2 = pbc3$arm2, age = pbc3$age, bili = pbc3$bili),
           failcode = 2)
fg3 <- crr(pbc3$time, pbc3$status, cov1 = cbind(arm2 = pbc3$arm2, age = pbc3$age), failcode = 1)
fg_rows <- function(f) data.frame(term = names(f$coef), coef = unname(f$coef),
                                  std_error = sqrt(diag(f$var)),
                                  p_value = 2 * pnorm(-abs(f$coef / sqrt(diag(f$var)))))
cs_death <- coxph(Surv(time, status == 2) ~ arm2 + age, data = pbc3, robust = TRUE)

# Person-month panel from veteran ----------------------------------------------------------
vet$participant <- seq_len(nrow(vet))
panel <- do.call(rbind, lapply(1:6, function(m) {
  keep <- vet$time >= 30 * (m - 1)   # still observed at the start of month m
  d <- vet[keep, ]
  data.frame(participant = d$participant, trt = d$trt, month = m,
             event_by_month = as.numeric(d$status == 1 & d$time <= 30 * m))
}))
panel <- panel[order(panel$participant, panel$month), ]
write.csv(panel, file.path(out_dir, "survival_panel.csv"), row.names = FALSE)
panel$trt <- factor(panel$trt)
lm_pooled <- lm(event_by_month ~ trt, data = panel)
lm_month <- lm(event_by_month ~ trt * factor(month), data = panel)
lm_rows <- function(fit) {
  v <- vcovCL(fit, cluster = ~participant, type = "HC1")
  data.frame(term = names(coef(fit)), estimate = unname(coef(fit)), std_error = sqrt(diag(v)))
}

# arm effect in each month: trt2 + trt2:factor(month)m, with its clustered standard error
v_month <- vcovCL(lm_month, cluster = ~participant, type = "HC1")
b_month <- coef(lm_month)
panel_effects_month <- do.call(rbind, lapply(1:6, function(m) {
  L <- setNames(numeric(length(b_month)), names(b_month))
  L["trt2"] <- 1
  if (m > 1) L[paste0("trt2:factor(month)", m)] <- 1
  data.frame(month = m, estimate = sum(L * b_month), std_error = sqrt(drop(t(L) %*% v_month %*% L)))
}))

ref <- list(
  r_version = R.version.string,
  packages = list(survival = as.character(packageVersion("survival")),
                  cmprsk = as.character(packageVersion("cmprsk")),
                  sandwich = as.character(packageVersion("sandwich"))),
  times = times,
  km_log = km_rows(km_log, times),
  km_loglog = km_rows(km_loglog, times),
  km_full = km_full,
  rmst = list(tau = 365, rmean = unname(rm_tab[, "rmean"]), se = unname(rm_tab[, "se(rmean)"]),
              arm = sub("trt=", "", rownames(rm_tab))),
  logrank = list(statistic = lr$chisq, df = length(lr$n) - 1, p_value = lr_p(lr),
                 observed = unname(lr$obs), expected = unname(lr$exp)),
  logrank_strata = list(statistic = lr_strat$chisq, df = 1, p_value = lr_p(lr_strat)),
  logrank_celltype = list(statistic = lr_three$chisq, df = 3, p_value = lr_p(lr_three)),
  cox_arm = cox_rows(cox1),
  cox_cov = cox_rows(cox2),
  cox_strata = cox_rows(cox3),
  cox_breslow = cox_rows(cox_breslow),
  cox_cov_loglik = cox2$loglik,
  zph_cov = zph_rows(zph2),
  zph_strata = zph_rows(zph3),
  cif = cif_rows,
  gray = gray_rows(ci),
  gray_strata = gray_rows(ci_strat),
  gray_edema = gray_rows(ci_edema),
  fine_gray_arm = fg_rows(fg1),
  fine_gray_cov = fg_rows(fg2),
  fine_gray_cause1 = fg_rows(fg3),
  cause_specific_death = cox_rows(cs_death),
  panel_pooled = lm_rows(lm_pooled),
  panel_month = lm_rows(lm_month),
  panel_effects_month = panel_effects_month
)
write_json(ref, file.path(out_dir, "survival_reference.json"), digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
