# Reference values for the SUR share system, computed with R systemfit on shares.csv.
# Run from the project root: Rscript tests/reference/sur/shares_systemfit.R  (Debian r-cran-systemfit)
# Entity effects enter as industry dummies in every equation (LSDV); the package demeans instead.
suppressPackageStartupMessages(library(systemfit))
d <- read.csv("tests/reference/sur/shares.csv")
d$industry <- factor(d$industry)
eqs <- list(sL = sL ~ rwL + rwM + lky + off + industry, sM = sM ~ rwL + rwM + lky + off + industry)
out <- list()
for (method in c("iterated", "fgls", "ols")) {
  fit <- systemfit(eqs, method = if (method == "ols") "OLS" else "SUR", data = d,
                   restrict.matrix = "sL_rwM - sM_rwL = 0", methodResidCov = "noDfCor",
                   maxiter = if (method == "iterated") 1000 else 1, tol = 1e-12)
  b <- coef(fit); se <- sqrt(diag(vcov(fit)))
  keep <- grep("_(rwL|rwM|lky|off)$", names(b))
  out[[method]] <- data.frame(method = method, term = names(b)[keep], estimate = b[keep], se = se[keep])
}
write.csv(do.call(rbind, out), "tests/reference/sur/shares_systemfit.csv", row.names = FALSE)
# fit statistics of iterated SUR (= maximum likelihood) without and with the symmetry restriction: the Gaussian
# log-likelihood, the likelihood-ratio statistic of symmetry, the stacked observations and residual degrees of freedom
fits <- list(
  unrestricted = systemfit(eqs, method = "SUR", data = d, methodResidCov = "noDfCor", maxiter = 1000, tol = 1e-12),
  symmetric = systemfit(eqs, method = "SUR", data = d, restrict.matrix = "sL_rwM - sM_rwL = 0",
                        methodResidCov = "noDfCor", maxiter = 1000, tol = 1e-12)
)
stats <- do.call(rbind, lapply(names(fits), function(name) {
  f <- fits[[name]]
  data.frame(model = name, loglik = as.numeric(logLik(f)), nobs = nobs(f), df_resid = df.residual(f))
}))
stats$lr_symmetry <- 2 * (stats$loglik[1] - stats$loglik[2])
write.csv(stats, "tests/reference/sur/shares_systemfit_fit.csv", row.names = FALSE)
cat(format(Sys.time(), "%Y-%m-%d"), "systemfit", as.character(packageVersion("systemfit")), R.version.string, "\n")
