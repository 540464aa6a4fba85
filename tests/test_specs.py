"""Specs: validation of keys, every estimator family through a spec, and the `estimate` CLI on the shipped
EmplUK validation spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from replication.cli import main
from replication.core.errors import ConfigError
from replication.estimators.data import NotIdentifiedError
from replication.estimators.results import Results
from replication.specs.spec import load_spec, load_specs, run_spec, spec_variants

REPO = Path(__file__).resolve().parent.parent
PANEL = REPO / "tests" / "reference" / "panel" / "panel.csv"
SHARES = REPO / "tests" / "reference" / "sur" / "shares.csv"


def _spec(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_shipped_validation_spec_through_the_cli(project, mirror, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REPLICATION_MIRROR", str(mirror))
    assert main(["-q", "data", "validation"]) == 0
    out = tmp_path / "a1.json"
    spec = REPO / "estimations" / "validation" / "emplUK_ab1991_a1.toml"
    assert main(["estimate", str(spec), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "L1.n" in printed and "N = 611" in printed
    result = Results.from_json(out)
    assert result.params["L1.n"] == pytest.approx(0.686, abs=5e-4)
    assert result.std_errors["L1.ys"] == pytest.approx(0.232, abs=5e-4)
    assert result.spec["title"].startswith("Arellano and Bond (1991)")
    assert json.loads(out.read_text())["schema_version"] == 1
    system = run_spec(load_spec(REPO / "estimations" / "validation" / "emplUK_system_twostep.toml"))
    assert system.cov_type == "windmeijer" and system.diagnostics["n_instruments"] == 51


def test_within_spec_with_bootstrap_and_derived_columns(tmp_path):
    path = _spec(
        tmp_path,
        f"""
title = "within"
[data]
path = "{PANEL}"
entity = "id"
time = "year"
sample = "year >= 2001"
[data.columns]
x1sq = "x1 ** 2"
[model]
estimator = "within"
dependent = "y"
regressors = ["x1", "x2", "x1sq"]
time_effects = true
[inference]
cov_type = "clustered"
[inference.bootstrap]
draws = 199
weights = "rademacher"
seed = 3
terms = ["x2"]
""",
    )
    result = run_spec(load_spec(path))
    assert "x1sq" in result.params.index and set(result.bootstrap) == {"x2"}
    assert result.bootstrap["x2"]["weights"] == "rademacher"
    assert result.diagnostics["estimator_options"]["time_effects"] is True


def test_iv_and_sur_specs(tmp_path):
    iv = run_spec(
        load_spec(
            _spec(
                tmp_path,
                f"""
[data]
path = "{PANEL}"
entity = "id"
time = "year"
[model]
estimator = "iv2sls"
dependent = "y"
exog = ["x1"]
endog = ["x2"]
instruments = ["z1", "z2"]
[inference]
cov_type = "clustered"
""",
            )
        )
    )
    assert iv.estimator == "iv2sls" and "first_stage" in iv.diagnostics
    sur = run_spec(
        load_spec(
            _spec(
                tmp_path,
                f"""
[data]
path = "{SHARES}"
entity = "industry"
time = "year"
[model]
estimator = "sur"
restrictions = ["sL_rwM = sM_rwL"]
method = "iterated"
[model.equations.sL]
dependent = "sL"
regressors = ["rwL", "rwM", "lky", "off"]
[model.equations.sM]
dependent = "sM"
regressors = ["rwL", "rwM", "lky", "off"]
""",
            )
        )
    )
    assert sur.params["sL_rwM"] == pytest.approx(sur.params["sM_rwL"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[data]\npath='x'\nentity='a'\ntime='b'\n[model]\nestimator='ols'\n", "estimator 'ols' is not one of"),
        (
            "[data]\npath='x'\nentity='a'\ntime='b'\n[model]\nestimator='within'\ndependnt='y'\n",
            r"\[model\] key 'dependnt' is unknown; allowed: \['absorb', 'dependent', 'entity_trends'",
        ),
        ("[data]\npath='x'\nentity='a'\n[model]\nestimator='within'\n", r"\[data\] needs `time`"),
        (
            "[data]\npath='x'\nentity='a'\ntime='b'\n[model]\nestimator='within'\ndependent='y'\nregressors=['x']\n"
            "[inference]\ncov='robust'\n",
            r"\[inference\] key 'cov' is unknown; allowed: \['bandwidth', 'bootstrap'",
        ),
        ("[model]\nestimator='within'\n", r"missing \[data\] section"),
    ],
)
def test_spec_typos_fail_loudly(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_spec(_spec(tmp_path, text))


def test_missing_data_file_and_bad_expression(tmp_path):
    spec = load_spec(
        _spec(
            tmp_path,
            "[data]\npath='nowhere.csv'\nentity='a'\ntime='b'\n[model]\n"
            "estimator='within'\ndependent='y'\nregressors=['x']\n",
        )
    )
    with pytest.raises(ConfigError, match=r"nowhere\.csv not found"):
        run_spec(spec)
    spec = load_spec(
        _spec(
            tmp_path,
            f"[data]\npath='{PANEL}'\nentity='id'\ntime='year'\n[data.columns]\n"
            "bad = 'nosuch(x1)'\n[model]\nestimator='within'\ndependent='y'\n"
            "regressors=['x1']\n",
        )
    )
    with pytest.raises(ConfigError, match=r"\[data.columns\] bad = 'nosuch\(x1\)' cannot be evaluated"):
        run_spec(spec)


def test_dropna_counts_rows_and_names_variables_without_data(tmp_path):
    import pandas as pd

    data = pd.read_csv(PANEL)
    data.loc[data.index[:5], "x2"] = float("nan")
    data["ict"] = float("nan")
    csv = tmp_path / "panel.csv"
    data.to_csv(csv, index=False)
    base = f"[data]\npath='{csv}'\nentity='id'\ntime='year'\ndropna=true\n[model]\nestimator='within'\ndependent='y'\n"
    result = run_spec(load_spec(_spec(tmp_path, base + "regressors=['x1','x2']\n")))
    assert result.diagnostics["rows_dropped_missing"] == 5 and result.nobs == len(data) - 5
    with pytest.raises(NotIdentifiedError, match="no data in the sample for ict"):
        run_spec(load_spec(_spec(tmp_path, base + "regressors=['x1','ict']\n")))


BASE = "[data]\npath='x.csv'\nentity='a'\ntime='b'\n"
MODELS = {
    "within": "estimator='within'\ndependent='y'\nregressors=['x']\n",
    "pooled": "estimator='pooled'\ndependent='y'\nregressors=['x']\n",
    "first_difference": "estimator='first_difference'\ndependent='y'\nregressors=['x']\n",
    "iv2sls": "estimator='iv2sls'\ndependent='y'\nendog=['x']\ninstruments=['z']\n",
    "difference_gmm": "estimator='difference_gmm'\ndependent='y'\nregressors=['L1.y']\ngmm=[{variable='y'}]\n",
    "sur": "estimator='sur'\n[model.equations.a]\ndependent='y'\nregressors=['x']\n",
}


@pytest.mark.parametrize(
    ("estimator", "inference", "message"),
    [
        ("difference_gmm", "cluster='a'", "key 'cluster' is unknown"),  # GMM used to ignore it
        ("difference_gmm", "cov_type='robust'", "is not one of"),
        ("iv2sls", "bandwidth=2", "key 'bandwidth' is unknown"),  # IV used to drop it silently
        ("iv2sls", "cov_type='driscoll_kraay'", "is not one of"),
        ("sur", "bootstrap={draws=99}", "key 'bootstrap' is unknown"),
        ("sur", "bandwidth=1", "key 'bandwidth' is unknown"),
        ("first_difference", "bootstrap={draws=99}", "key 'bootstrap' does not apply to first_difference"),
        ("within", "cov_type='robust'\ncluster='a'", "`cluster` needs cov_type = 'clustered'"),
        ("within", "bandwidth=2", "`bandwidth` needs cov_type = 'driscoll_kraay'"),
        ("within", "bootstrap={draw=99}", r"\[inference.bootstrap\] key 'draw' is unknown"),
        ("within", "debiased='yes'", "debiased = 'yes' should be bool"),
        ("pooled", "cov_type=1", "cov_type = 1 should be str"),
    ],
)
def test_every_inapplicable_inference_key_is_a_one_line_error(tmp_path, estimator, inference, message):
    text = BASE + "[model]\n" + MODELS[estimator].split("[model.equations")[0] + f"[inference]\n{inference}\n"
    if estimator == "sur":
        text += "[model.equations.a]\ndependent='y'\nregressors=['x']\n"
    with pytest.raises(ConfigError, match=message) as error:
        load_spec(_spec(tmp_path, text))
    assert "\n" not in str(error.value) and str(tmp_path) in str(error.value)


@pytest.mark.parametrize(
    ("estimator", "key", "message"),
    [
        ("within", "constant=false", "key 'constant' does not apply to within"),
        ("pooled", "entity_trends=true", "key 'entity_trends' does not apply to pooled"),
        ("first_difference", "absorb=['c']", "key 'absorb' does not apply to first_difference"),
        ("difference_gmm", "steps=3", "steps = 3 is not one of"),
        ("iv2sls", "regressors=['x']", "key 'regressors' is unknown"),
    ],
)
def test_inapplicable_model_keys_are_errors(tmp_path, estimator, key, message):
    text = BASE + "[model]\n" + MODELS[estimator] + key + "\n"
    with pytest.raises(ConfigError, match=message):
        load_spec(_spec(tmp_path, text))


def test_every_shipped_spec_validates_with_the_typed_schema():
    from replication.specs.schema import ESTIMATORS

    seen = set()
    for path in sorted((REPO / "estimations").rglob("*.toml")):
        for spec in load_specs(path).values():
            for variant in spec_variants(spec).values():
                assert variant.typed_model.estimator in ESTIMATORS
                seen.add(variant.typed_model.estimator)
    assert {"within", "first_difference", "system_gmm", "difference_gmm", "sur"} <= seen


def test_docs_key_tables_are_generated_from_the_schema():
    from replication.specs.schema import docs_with_tables

    text = (REPO / "docs" / "specs.md").read_text(encoding="utf-8")
    assert docs_with_tables(text) == text, "docs/specs.md is stale: run `python -m replication spec-docs --write`"


def test_lists_and_parameters_expand_into_one_spec_per_value(tmp_path):
    """[lists] are written once and used as "@name"; [parameters] make one spec per value, `only` restricts a
    variant to a value; an undefined list is an error."""
    path = tmp_path / "prod.toml"
    path.write_text(
        "title = 'Production, {sector_label}'\nreport = ['@inputs']\n"
        "[parameters]\nsector = ['manu', 'market_services']\n[lists]\ninputs = ['x1', 'x2']\n"
        "[data]\npath='p.csv'\nentity='id'\ntime='year'\nsample=\"sector == '{sector}'\"\n"
        "[model]\nestimator='within'\ndependent='y'\nregressors=['@inputs', 'x3']\n"
        "[[variants]]\nname='only_manu'\nonly={sector='manu'}\nmodel={regressors=['@inputs']}\n"
    )
    specs = load_specs(path)
    assert list(specs) == ["prod_manu", "prod_market_services"]
    manu, services = specs["prod_manu"], specs["prod_market_services"]
    assert manu.model["regressors"] == ["x1", "x2", "x3"] and manu.raw["report"] == ["x1", "x2"]
    assert services.title == "Production, market services" and services.data["sample"] == "sector == 'market_services'"
    assert list(spec_variants(manu)) == ["main", "only_manu"] and list(spec_variants(services)) == ["main"]
    assert spec_variants(manu)["only_manu"].model["regressors"] == ["x1", "x2"]
    with pytest.raises(ConfigError, match="stands for the specs"):
        load_spec(path)
    path.write_text(path.read_text().replace("['@inputs', 'x3']", "['@input', 'x3']"))
    with pytest.raises(ConfigError, match="list '@input' is not defined in \\[lists\\]"):
        load_specs(path)


@pytest.mark.parametrize(
    ("expression", "local"),
    [
        ("country == @country and sector == 'manufacturing' and year <= 2003", {"country": "BEL"}),
        ("country in @pooled and year >= 1996", {"pooled": ["BEL", "NLD"]}),
        ("industry not in ['c9', 'c13'] and (year == 1995 or year == 2000)", {}),
        ("`odd name` > 0.5 and index > 3", {}),  # backticks: every column; the index is named as in pandas
        ("ln_y - ln_l > 0", {}),
    ],
)
def test_samples_and_derived_columns_on_the_named_columns_match_pandas(expression, local):
    """``select_rows`` and ``named_columns`` give exactly what ``query`` and ``eval`` on the whole frame give."""
    import numpy as np
    import pandas as pd

    from replication.specs.spec import named_columns, select_rows

    rng = np.random.default_rng(3)
    n = 60
    frame = pd.DataFrame(
        {
            "country": rng.choice(["BEL", "NLD", "DEU"], n),
            "sector": rng.choice(["manufacturing", "market_services"], n),
            "industry": rng.choice(["c9", "c13", "c20"], n),
            "year": rng.integers(1995, 2008, n),
            "ln_y": rng.normal(size=n),
            "ln_l": rng.normal(size=n),
            "odd name": rng.uniform(size=n),
            **{f"unused_{i}": rng.normal(size=n) for i in range(5)},
        },
        index=pd.RangeIndex(100, 100 + n)[::-1],
    )
    pd.testing.assert_frame_equal(select_rows(frame, expression, local), frame.query(expression, local_dict=local))
    assert not any(c.startswith("unused") for c in named_columns(frame, "ln_y - ln_l").columns)
    pd.testing.assert_series_equal(named_columns(frame, "ln_y - ln_l").eval("ln_y - ln_l"), frame.eval("ln_y - ln_l"))
