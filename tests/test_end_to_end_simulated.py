"""End to end on a simulated user vintage (national_sut_csv layout): IO flows and accounts generated
with known production-function coefficients; the pipeline (tidy -> offshoring -> panel -> spec ->
estimates JSON) must recover them."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from replication.core.errors import ReplicationError
from replication.core.layout import Layout
from replication.inputs.tidy import build_tidy
from replication.measures.offshoring import build_offshoring
from replication.panels.panel import build_panel, build_panel_io
from replication.report.regression_tables import write_regression_table
from replication.specs.estimate import write_estimates

TRUE = {"ln_hours": 0.3, "ln_k": 0.2, "ln_ii": 0.5, "om_total": -0.1, "os_total": 0.8}
MANUFACTURING = [f"M{i:02d}" for i in range(1, 13)]
SERVICES = ["S01", "S02", "S03"]


def simulate(folder, seed: int = 5) -> None:
    rng = np.random.default_rng(seed)
    industries = pd.DataFrame(
        {
            "code": [*MANUFACTURING, *SERVICES, "E01"],
            "name": [f"industry {c}" for c in [*MANUFACTURING, *SERVICES, "E01"]],
            "sector": ["manufacturing"] * 12 + ["market_services"] * 3 + ["other"],
            "product_group": ["materials"] * 12 + ["business_services"] * 3 + ["energy"],
        }
    )
    industries.to_csv(folder / "industries.csv", index=False)
    flows, accounts = [], []
    years = range(2000, 2012)
    alpha = rng.normal(2.0, 0.3, size=len(MANUFACTURING))
    delta = rng.normal(0, 0.05, size=len(years))
    for i, user in enumerate(MANUFACTURING):
        trend_m, trend_s = rng.uniform(-0.01, 0.02), rng.uniform(0, 0.01)
        for t, year in enumerate(years):
            domestic_m = rng.uniform(20, 60, size=3)
            imported_m = max(1.0, 40 * (0.3 + trend_m * t) + rng.normal(0, 4))
            imported_s = max(0.1, 100 * (0.02 + trend_s * t) + rng.normal(0, 1))
            domestic_s = rng.uniform(8, 15)
            rows = [("BEL", MANUFACTURING[(i + k) % 12], v) for k, v in enumerate(domestic_m)]
            rows += [
                ("DEU", MANUFACTURING[(i + 5) % 12], imported_m),
                ("FRA", "S01", imported_s),
                ("BEL", "S02", domestic_s),
                ("BEL", "E01", rng.uniform(10, 30)),
            ]
            for supplier, product, value in rows:
                flows.append(("BEL", year, user, supplier, product, round(value, 6)))
            non_energy = sum(v for s, p, v in rows if p != "E01")
            om = imported_m / non_energy
            os_ = imported_s / non_energy
            ln_hours, ln_k = rng.normal(3, 0.3), rng.normal(5, 0.3)
            ln_ii = np.log(sum(v for _, _, v in rows)) + rng.normal(0, 0.1)
            ln_go = (
                alpha[i]
                + delta[t]
                + TRUE["ln_hours"] * ln_hours
                + TRUE["ln_k"] * ln_k
                + TRUE["ln_ii"] * ln_ii
                + TRUE["om_total"] * om
                + TRUE["os_total"] * os_
                + rng.normal(0, 0.01)
            )
            go, ii = np.exp(ln_go), np.exp(ln_ii)
            assert go > ii
            values = {
                "GO": go,
                "II": ii,
                "VA": go - ii,
                "GO_P": 100.0,
                "II_P": 100.0,
                "VA_P": 100.0,
                "H_EMP": np.exp(ln_hours),
                "EMP": np.exp(ln_hours) / 1.6,
                "K_GFCF": np.exp(ln_k),
                "LAB": 0.5 * (go - ii),
                "H_LS": 0.3,
                "H_MS": 0.4,
                "H_HS": 0.3,
                "LABLS": 0.25,
                "LABMS": 0.4,
                "LABHS": 0.35,
            }
            accounts += [("BEL", year, user, variable, value) for variable, value in values.items()]
    for service in SERVICES:  # services use some inputs too (denominators are non-zero)
        for year in years:
            flows.append(("BEL", year, service, "BEL", "S02", 5.0))
    pd.DataFrame(flows, columns=["country", "year", "using_industry", "supplying_country", "product", "value"]).to_csv(
        folder / "io_use.csv", index=False
    )
    pd.DataFrame(accounts, columns=["country", "year", "industry", "variable", "value"]).to_csv(
        folder / "accounts.csv", index=False, float_format="%.12g"
    )


def test_pipeline_recovers_production_function(project, tmp_path):
    folder = project / "data" / "raw" / "national_sut_csv"
    folder.mkdir(parents=True)
    simulate(folder)
    build_tidy("national_sut_csv")
    build_offshoring("national_sut_csv")
    build_panel_io("national_sut_csv")
    panel = build_panel("national_sut_csv")
    assert set(panel.loc[panel["sector"] == "manufacturing", "industry"]) == set(MANUFACTURING)
    spec = tmp_path / "production.toml"
    spec.write_text("""
title = "simulated production function"
report = ["ln_hours", "ln_k", "ln_ii", "om_total", "os_total"]
[data]
panel = true
entity = "entity"
time = "year"
sample = "country == @country and sector == 'manufacturing'"
[model]
estimator = "within"
dependent = "ln_go"
regressors = ["ln_hours", "ln_k", "ln_ii", "om_total", "os_total"]
time_effects = true
[inference]
cov_type = "clustered"
[[variants]]
name = "first_difference"
model = { estimator = "first_difference", constant = false }
""")
    layout = Layout("national_sut_csv", "BEL")
    (out,) = write_estimates(spec, layout)
    record = json.loads(out.read_text())
    assert set(record["variants"]) == {"main", "first_difference"}
    for name in record["variants"]:
        values = record["variants"][name]["params"]
        params = dict(zip(values["index"], values["values"], strict=True))
        ses = dict(zip(values["index"], record["variants"][name]["std_errors"], strict=True))
        for term, true in TRUE.items():
            assert abs(params[term] - true) < max(4 * ses[term], 0.02), (name, term, params[term], ses[term])
    (table,) = write_regression_table(spec, layout)
    assert table == project / "outputs" / "national_sut_csv" / "tables" / "estimates" / "production.md"
    assert "om_total" in table.read_text() and "ln_go ~ ln_hours" in table.read_text()


def test_variants_estimated_side_by_side_give_the_same_bytes(project, tmp_path, monkeypatch):
    """A spec's variants run in forked worker processes (REPLICATION_ESTIMATION_WORKERS): the estimates JSON is
    byte-identical to one process, a variant the data cannot identify is recorded the same way, and --strict
    names the same variant."""
    folder = project / "data" / "raw" / "national_sut_csv"
    folder.mkdir(parents=True)
    simulate(folder)
    build_tidy("national_sut_csv")
    build_offshoring("national_sut_csv")
    build_panel_io("national_sut_csv")
    build_panel("national_sut_csv")
    spec = tmp_path / "production.toml"
    spec.write_text("""
title = "simulated production function, three variants"
report = ["ln_hours", "ln_k"]
[data]
panel = true
entity = "entity"
time = "year"
sample = "country == @country and sector == 'manufacturing'"
[data.columns]
one = "ln_hours * 0 + 1"
[model]
estimator = "within"
dependent = "ln_go"
regressors = ["ln_hours", "ln_k", "ln_ii"]
time_effects = true
[inference]
cov_type = "clustered"
bootstrap = { draws = 199, weights = "webb", seed = 7 }
[[variants]]
name = "entity_constant"
model = { regressors = ["ln_hours", "one"] }
[[variants]]
name = "first_difference"
model = { estimator = "first_difference", constant = false }
""")
    layout = Layout("national_sut_csv", "BEL")
    outputs = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("REPLICATION_ESTIMATION_WORKERS", workers)
        (out,) = write_estimates(spec, layout)
        outputs[workers] = out.read_bytes()
    assert outputs["1"] == outputs["2"]
    record = json.loads(outputs["2"])
    assert set(record["variants"]) == {"main", "first_difference"}
    assert list(record["not_estimable"]) == ["entity_constant"]
    with pytest.raises(ReplicationError, match=r"\[entity_constant\]: not identified"):
        write_estimates(spec, layout, strict=True)
    monkeypatch.setenv("REPLICATION_ESTIMATION_WORKERS", "0")
    with pytest.raises(ReplicationError, match="REPLICATION_ESTIMATION_WORKERS='0'"):
        write_estimates(spec, layout)
