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
cat(format(Sys.time(), "%Y-%m-%d"), "systemfit", as.character(packageVersion("systemfit")), R.version.string, "\n")
