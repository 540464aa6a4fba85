"""Stage 4: the Belgian estimation specs (``estimations/belgium/*.toml``) -> estimates and regression tables.

For each spec, the main model and every ``[[variants]]`` are estimated on the vintage's estimation panel,
for the country of the run (``@country`` in the samples) and, where a sample says so, the pooled countries
(``@pooled_countries``). Results: ``estimates/<spec>.json`` (every variant's full-precision
:class:`~replication.estimators.results.Results`) and ``tables/estimates/<spec>.{md,tex,csv}``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from replication import __version__, config
from replication.errors import ReplicationError
from replication.estimators.data import NotIdentifiedError
from replication.estimators.results import Results
from replication.fileio import sha256, write_text
from replication.panel import panel_path, pooled_countries
from replication.progress import say
from replication.provenance import git_commit, raw_inputs
from replication.specs import load_spec, relative_to_root, run_spec, spec_variants

SPEC_DIR = "estimations/belgium"


def estimates_dir(vintage: str, country: str) -> Path:
    """``estimates/`` of the vintage's outputs (``estimates_<COUNTRY>/`` for another country)."""
    name = "estimates" if country == config.DEFAULT_COUNTRY else f"estimates_{country}"
    return config.vintage_outputs_dir(vintage) / name


def run_context(vintage: str) -> tuple[pd.DataFrame, dict]:
    """The estimation panel and the ``@`` names the specs' samples may use."""
    path = Path(panel_path(vintage))
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make panel VINTAGE={vintage}`")
    panel = pd.read_parquet(path)
    return panel, {"pooled_countries": pooled_countries(panel)}


def estimate_spec_file(
    path: Path, *, vintage: str, country: str, strict: bool = False
) -> tuple[dict[str, Results], dict[str, str]]:
    """All variants of one spec, in file order, and the variants the data cannot identify, with why.

    A variant the data cannot identify (:class:`~replication.estimators.data.NotIdentifiedError`: no data for a
    variable in this country, a regressor without variation of its own, a singular two-step GMM weight
    matrix, too few clusters) is recorded as not estimable with the reason, in every run; ``strict`` makes
    it an error instead. Any other error (a bad spec, a missing file, bad data) always stops the run.
    """
    spec = load_spec(path)
    panel, context = run_context(vintage)
    available = sorted(panel["country"].unique())
    if country not in available:
        raise ReplicationError(f"country {country!r} is not in the {vintage} panel; available: {available}")
    results, failed = {}, {}
    for name, variant in spec_variants(spec).items():
        say(f"[estimate] {path.stem}: {name}")
        data = panel if variant.data.get("panel") else None
        try:
            results[name] = run_spec(variant, data=data, vintage=vintage, country=country, context=context)
        except NotIdentifiedError as exc:
            if strict:
                raise ReplicationError(f"{relative_to_root(path)} [{name}]: {exc}") from exc
            failed[name] = str(exc)
            say(f"[estimate] {path.stem}: {name} not identified for {country}: {exc}")
        except ReplicationError as exc:
            raise ReplicationError(f"{relative_to_root(path)} [{name}]: {exc}") from exc
    return results, failed


def write_estimates(path: Path, *, vintage: str, country: str) -> Path:
    """Estimate one spec file and write its JSON and regression tables."""
    from replication.report.regression_tables import write_regression_table

    results, failed = estimate_spec_file(path, vintage=vintage, country=country)
    out = estimates_dir(vintage, country) / f"{path.stem}.json"
    record = {
        "spec": str(path),
        "vintage": vintage,
        "country": country,
        "package_version": __version__,
        "git_commit": git_commit(),
        "raw_inputs_sha256": raw_inputs(),
        "spec_sha256": sha256(path),
        "panel_sha256": sha256(panel_path(vintage)),
        "variants": {name: result.to_dict() for name, result in results.items()},
        "not_estimable": failed,
    }
    write_text(out, json.dumps(record, indent=1, sort_keys=True, allow_nan=False) + "\n")
    write_regression_table(path, results, vintage=vintage, country=country)
    return out


def load_estimates(stem: str, *, vintage: str, country: str) -> dict[str, Results]:
    """The variants of a spec's estimates written by :func:`write_estimates`."""
    path = estimates_dir(vintage, country) / f"{stem}.json"
    if not path.exists():
        raise ReplicationError(f"{path}: not built; run `make estimates`")
    record = json.loads(path.read_text(encoding="utf-8"))
    return {name: Results.from_dict(data) for name, data in record["variants"].items()}


def spec_files() -> list[Path]:
    return sorted((config.project_root() / SPEC_DIR).glob("*.toml"))


def skill_estimates_dir() -> Path:
    return config.outputs_dir() / "skills" / "estimates"


def write_skill_estimates(path: Path) -> Path:
    """Estimate one skill-channel spec (``estimations/skills/``) on the skill estimation panel; every variant
    must succeed. Writes ``outputs/skills/estimates/<spec>.json`` and its regression table."""
    from replication.report.regression_tables import write_regression_table
    from replication.skill_selection import estimation_panel_path

    source = estimation_panel_path()
    if not source.exists():
        raise ReplicationError(f"{source}: not built; run `make skills`")
    panel = pd.read_parquet(source)
    results = {}
    for name, variant in spec_variants(load_spec(path)).items():
        say(f"[estimate] {path.stem}: {name}")
        try:
            results[name] = run_spec(variant, data=panel)
        except (ReplicationError, ValueError, np.linalg.LinAlgError) as exc:
            raise ReplicationError(f"{path} [{name}]: {exc}") from exc
    out = skill_estimates_dir() / f"{path.stem}.json"
    record = {
        "spec": relative_to_root(path),
        "package_version": __version__,
        "git_commit": git_commit(),
        "raw_inputs_sha256": raw_inputs(),
        "spec_sha256": sha256(path),
        "panel_sha256": sha256(source),
        "variants": {name: result.to_dict() for name, result in results.items()},
        "not_estimable": {},
    }
    write_text(out, json.dumps(record, indent=1, sort_keys=True, allow_nan=False) + "\n")
    write_regression_table(path, results, vintage=config.DEFAULT_VINTAGE, country=config.DEFAULT_COUNTRY)
    return out
