"""The golden-snapshot checker (tools/golden.py) catches a moved number and a changed verdict, with sizes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("golden", ROOT / "tools" / "golden.py")
golden = importlib.util.module_from_spec(spec)
spec.loader.exec_module(golden)


def _outputs(folder: Path, estimate: float, verdict: str) -> Path:
    (folder / "estimates").mkdir(parents=True)
    (folder / "tables" / "estimates").mkdir(parents=True)
    (folder / "claims.csv").write_text(f"id,verdict\nclaim_a,{verdict}\n")
    record = {
        "variants": {
            "main": {
                "params": {"index": ["x"], "values": [estimate]},
                "std_errors": [0.1],
                "bootstrap": {"x": {"p_value": 0.2, "conf_low": "-inf", "conf_high": "inf"}},
            }
        },
        "not_estimable": {"gmm": "not identified: rank 3 < 5"},
    }
    (folder / "estimates" / "spec.json").write_text(json.dumps(record))
    pd.DataFrame({"variant": ["main"], "term": ["x"], "estimate": [estimate]}).to_csv(
        folder / "tables" / "estimates" / "spec.csv", index=False
    )
    return folder


def test_unchanged_outputs_match_and_changes_are_reported_with_their_size(tmp_path):
    store = tmp_path / "golden"
    built = _outputs(tmp_path / "a", 0.5, "replicated")
    golden.update(store, built)
    assert golden.compare(store, built) == []
    assert golden.compare(store, _outputs(tmp_path / "b", 0.5 * (1 + 1e-12), "replicated")) == []  # BLAS-level
    moved = golden.compare(store, _outputs(tmp_path / "c", 0.51, "not replicated"))
    assert any("claims.csv: 1 line(s) changed" in m and "not replicated" in m for m in moved)
    assert any(m.startswith("estimates.csv: 1 value(s) of estimate moved") and "(0.01)" in m for m in moved)
    assert any(m.startswith("regression_tables/spec.csv") for m in moved)


def test_the_shipped_snapshot_covers_the_headline_outputs():
    claims = pd.read_csv(ROOT / "tests" / "golden" / "claims.csv")
    assert len(claims) == 65 and set(claims["verdict"]) <= {
        "replicated",
        "not replicated",
        "inconclusive",
        "not testable",
    }
    estimates = pd.read_csv(ROOT / "tests" / "golden" / "estimates.csv")
    specs = set(estimates["spec"])
    assert {"production_manufacturing", "labour_demand_market_services", "skill_shares_eu"} <= specs
    main = estimates[(estimates["spec"] == "production_manufacturing") & (estimates["variant"] == "main")]
    assert main.set_index("term").loc["os_total", "estimate"] < 0  # the replicated sign is pinned


def test_trade_off_skill_and_analysis_tables_are_snapshotted_number_by_number(tmp_path):
    store = tmp_path / "golden"
    built = _outputs(tmp_path / "a", 0.5, "replicated")
    for parts, name in (
        (("tradeoff",), "scenarios.csv"),
        (("skills",), "decomposition.csv"),
        (("tables", "results"), "x.csv"),
    ):
        built.joinpath(*parts).mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"channel": ["om_ceec", "os_total"], "jobs_change_k": [-118.3, ""], "note": ["a", "b"]}).to_csv(
            built.joinpath(*parts, name), index=False
        )
    golden.update(store, built)
    assert {"tradeoff/scenarios.csv", "skills/decomposition.csv", "results/x.csv"} <= {
        p.relative_to(store).as_posix() for p in store.rglob("*.csv")
    }
    assert golden.compare(store, built) == []
    scenarios = built / "tradeoff" / "scenarios.csv"
    pd.DataFrame(
        {"channel": ["om_ceec", "os_total"], "jobs_change_k": [-118.3 * (1 + 1e-13), ""], "note": ["a", "b"]}
    ).to_csv(scenarios, index=False)
    assert golden.compare(store, built) == []  # last-bit noise is not a change
    pd.DataFrame({"channel": ["om_ceec", "os_total"], "jobs_change_k": [-120.0, 3.0], "note": ["a", "c"]}).to_csv(
        scenarios, index=False
    )
    moved = golden.compare(store, built)
    assert any(m.startswith("tradeoff/scenarios.csv: 2 value(s) of jobs_change_k moved") for m in moved), moved
    assert any(m.startswith("tradeoff/scenarios.csv: 1 cell(s) of note changed") for m in moved), moved
    (built / "skills" / "decomposition.csv").unlink()
    assert "skills/decomposition.csv: in the golden snapshot but not built" in golden.compare(store, built)
