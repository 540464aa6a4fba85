"""Reference values for the restricted, iterated SUR share system with cluster-robust covariance.

Independent of linearmodels: the system is demeaned within industry, the symmetry restriction is imposed by
reparameterisation (one parameter shared by low:rwM and medium:rwL), FGLS is iterated to convergence by
whitening each observation's two equations with Sigma^{-1/2} and fitting statsmodels OLS on the stacked
whitened data; the cluster-robust covariance is statsmodels' (cov_type="cluster", no small-sample correction)
on the final whitened regression, times G/(G-1). Clusters: industries 1-2, 3-4, ... (pairs), so that they
nest the entity (13 clusters). Run: python tests/reference/sur_clustered/make_reference.py (writes reference.csv).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import statsmodels.api as sm

HERE = Path(__file__).parent
REGRESSORS = ["rwL", "rwM", "lky", "off"]


def main() -> None:
    data = pd.read_csv(HERE.parent / "sur" / "shares.csv")
    data["cluster"] = (data["industry"] + 1) // 2
    cols = ["sL", "sM", *REGRESSORS]
    demeaned = data[cols] - data.groupby("industry")[cols].transform("mean")
    n = len(data)
    # parameters: low_rwL, shared (low_rwM = medium_rwL), low_lky, low_off, medium_rwM, medium_lky, medium_off
    names = ["low_rwL", "low_rwM", "low_lky", "low_off", "medium_rwL", "medium_rwM", "medium_lky", "medium_off"]
    h = np.zeros((8, 7))
    for row, col in [(0, 0), (1, 1), (2, 2), (3, 3), (4, 1), (5, 4), (6, 5), (7, 6)]:
        h[row, col] = 1.0
    x_low = np.hstack([demeaned[REGRESSORS].to_numpy(), np.zeros((n, 4))]) @ h
    x_med = np.hstack([np.zeros((n, 4)), demeaned[REGRESSORS].to_numpy()]) @ h
    y = np.column_stack([demeaned["sL"], demeaned["sM"]])
    sigma = np.eye(2)
    theta = np.zeros(7)
    for _ in range(1000):
        values, vectors = np.linalg.eigh(sigma)
        root = vectors @ np.diag(values**-0.5) @ vectors.T
        xs = np.stack([x_low, x_med], axis=1)  # (n, 2, 7)
        xw = np.einsum("ij,njk->nik", root, xs).reshape(2 * n, 7)
        yw = (y @ root.T).reshape(2 * n)
        fit = sm.OLS(yw, xw).fit()
        new = fit.params
        resid = y - np.column_stack([x_low @ new, x_med @ new])
        sigma = resid.T @ resid / n
        if np.max(np.abs(new - theta)) < 1e-12:
            break
        theta = new
    groups = np.repeat(data["cluster"].to_numpy(), 2)
    clustered = sm.OLS(yw, xw).fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    g = data["cluster"].nunique()
    cov = h @ (np.asarray(clustered.cov_params()) * g / (g - 1)) @ h.T
    beta = h @ np.asarray(clustered.params)
    pd.DataFrame({"term": names, "estimate": beta, "std_error": np.sqrt(np.diag(cov))}).to_csv(
        HERE / "reference.csv", index=False, float_format="%.15g"
    )


if __name__ == "__main__":
    main()
