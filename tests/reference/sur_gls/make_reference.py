"""Reference values for replication.estimators.sur_gls.fit_system, computed with linearmodels' SUR.

Run from the project root: python tests/reference/sur_gls/make_reference.py (writes data.csv and reference.json
here). A seeded three-equation system with different regressors per equation (60 rows, 12 clusters) is fitted by
``linearmodels.system.SUR`` for every method (OLS, two-step and iterated GLS) x covariance (unadjusted, robust,
clustered) x restriction set (none; one cross-equation equality; two restrictions with a non-zero constant).
linearmodels' ``group_debias`` factor G/(G-1) (n-1)/n is rescaled by n/(n-1) to G/(G-1), the package's factor.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
EQUATIONS = {"a": ["const", "x1", "x2"], "b": ["const", "x1", "x3"], "c": ["const", "x2", "x3", "x4"]}
RESTRICTIONS = {
    "none": [],
    "equal": [({"a_x1": 1.0, "b_x1": -1.0}, 0.0)],
    "two": [({"a_x2": 1.0, "c_x2": 1.0}, 0.5), ({"b_x3": 1.0, "c_x3": -1.0}, 0.0)],
}
METHODS = {"ols": {"method": "ols"}, "fgls": {"method": "gls"}, "iterated": {"method": "gls", "iterate": True}}


def make_data() -> pd.DataFrame:
    rng = np.random.default_rng(20261126)
    n = 60
    frame = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(1, 5)})
    frame["const"] = 1.0
    frame["cluster"] = np.repeat(np.arange(12), 5)
    errors = rng.multivariate_normal(np.zeros(3), [[1.0, 0.5, 0.2], [0.5, 1.5, -0.3], [0.2, -0.3, 0.8]], size=n)
    errors *= 1 + np.abs(frame[["x1"]].to_numpy())  # heteroskedastic
    common = rng.normal(size=12)[frame["cluster"]]  # within-cluster correlation
    for j, (name, columns) in enumerate(EQUATIONS.items()):
        beta = np.linspace(0.5, -0.5, len(columns)) + j
        frame[f"y_{name}"] = frame[columns].to_numpy() @ beta + errors[:, j] + common
    return frame


def fit(frame: pd.DataFrame, method: str, cov_type: str, restriction: str) -> dict:
    from linearmodels.system import SUR

    system = {name: {"dependent": frame[f"y_{name}"], "exog": frame[columns]} for name, columns in EQUATIONS.items()}
    model = SUR(system)
    rows = RESTRICTIONS[restriction]
    if rows:
        names = list(model.param_names)
        r = pd.DataFrame([[row.get(p, 0.0) for p in names] for row, _ in rows], columns=names)
        model.add_constraints(r, pd.Series([q for _, q in rows]))
    options: dict = {"cov_type": cov_type, "tol": 1e-12, **METHODS[method]}
    if method == "ols":
        options.pop("tol")
    if cov_type == "clustered":
        options.update(clusters=frame[["cluster"]].to_numpy(), group_debias=True)
    res = model.fit(**options)
    cov = np.asarray(res.cov)
    if cov_type == "clustered":
        cov = cov * len(frame) / (len(frame) - 1)
    return {
        "method": method,
        "cov_type": cov_type,
        "restriction": restriction,
        "names": list(model.param_names),
        "params": np.asarray(res.params).tolist(),
        "cov": cov.tolist(),
        "sigma": np.asarray(res.sigma).tolist(),
        "iterations": int(getattr(res, "iterations", 0)),
        "rsquared": [float(res.equations[name].rsquared) for name in EQUATIONS],
    }


def main() -> None:
    import linearmodels

    frame = make_data()
    frame.to_csv(HERE / "data.csv", index=False, float_format="%.17g")
    frame = pd.read_csv(HERE / "data.csv")  # fitted on the values as stored
    cases = [fit(frame, m, c, r) for m in METHODS for c in ("unadjusted", "robust", "clustered") for r in RESTRICTIONS]
    record = {"linearmodels": linearmodels.__version__, "restrictions": RESTRICTIONS, "cases": cases}
    (HERE / "reference.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
