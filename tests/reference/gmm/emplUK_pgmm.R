# Reference values for the dynamic panel GMM estimators, computed with R plm::pgmm on EmplUK.
# Run from the project root:  Rscript tests/reference/gmm/emplUK_pgmm.R
# (Debian r-cran-plm; the values are stored in emplUK_pgmm.csv so that CI needs no R.)
suppressPackageStartupMessages(library(plm))
data <- read.csv(Sys.getenv("EMPLUK_CSV", "../shared/data/validation/EmplUK.csv"))
f <- log(emp) ~ lag(log(emp), 1:2) + lag(log(wage), 0:1) + lag(log(capital), 0:2) + lag(log(output), 0:2) |
  lag(log(emp), 2:99)
fs <- log(emp) ~ lag(log(emp), 1) + lag(log(wage), 0:1) + lag(log(capital), 0:1) | lag(log(emp), 2:99)
models <- list(
  diff_onestep = pgmm(f, data = data, index = c("firm", "year"), effect = "twoways", model = "onestep"),
  diff_twostep = pgmm(f, data = data, index = c("firm", "year"), effect = "twoways", model = "twosteps"),
  diff_twostep_collapse = pgmm(f, data = data, index = c("firm", "year"), effect = "twoways",
                               model = "twosteps", collapse = TRUE),
  sys_onestep = pgmm(fs, data = data, index = c("firm", "year"), effect = "twoways", model = "onestep",
                     transformation = "ld"),
  sys_twostep = pgmm(fs, data = data, index = c("firm", "year"), effect = "twoways", model = "twosteps",
                     transformation = "ld")
)
rows <- list()
for (name in names(models)) {
  m <- models[[name]]
  b <- if (is.list(m$coefficients)) m$coefficients[[2]] else m$coefficients
  se_plain <- sqrt(diag(vcov(m)))
  se_robust <- sqrt(diag(vcovHC(m)))
  rows[[length(rows) + 1]] <- data.frame(model = name, term = names(b), estimate = b,
                                         se_plain = se_plain, se_robust = se_robust)
  j <- sargan(m)
  diag_rows <- data.frame(model = name, term = c("hansen_j", "hansen_df", "n_instruments", "nobs"),
                          estimate = c(j$statistic, j$parameter, ncol(m$W[[1]]),
                                       sum(sapply(m$residuals, function(r) sum(r != 0)))),
                          se_plain = NA, se_robust = NA)
  # AR tests as summary.pgmm(robust = TRUE) reports them (robust covariance in the last term)
  s <- summary(m, robust = TRUE)
  diag_rows <- rbind(diag_rows, data.frame(model = name, term = c("ar1_robust", "ar2_robust"),
                                           estimate = c(s$m1$statistic, s$m2$statistic),
                                           se_plain = NA, se_robust = NA))
  rows[[length(rows) + 1]] <- diag_rows
}
out <- do.call(rbind, rows)
write.csv(out, "tests/reference/gmm/emplUK_pgmm.csv", row.names = FALSE)
cat(format(Sys.time(), "%Y-%m-%d"), "plm", as.character(packageVersion("plm")), R.version.string, "\n")
