"""Stage 4: estimation specs -> estimates JSON, nothing else (tables are the report's job).

One entry point for every shipped spec: the Belgian specs (``estimations/belgium/``, on the vintage's
estimation panel for the run's country), the skill-channel specs (``estimations/skills/``, on the EU KLEMS
skill panel) and the validation specs (``estimations/validation/``, on their own files). The spec says which
data it reads (``[data] panel = true``, ``panel = "skills"`` or ``path``); :class:`~replication.core.layout.Layout`
says where the estimates go.

Each variant is estimated in file order. A variant the data cannot identify
(:class:`~replication.estimators.data.NotIdentifiedError`) is recorded under ``not_estimable`` with the reason,
in every run; ``strict=True`` makes it an error. Any other error stops the run. In a sample, ``@country`` is the
run's country and ``@pooled_countries`` the countries of the pooled skill-share panel (estimation panel only).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd

from replication import __version__
from replication.core import config
from replication.core.errors import ConfigError, DataError, ReplicationError
from replication.core.fileio import file_version, read_json, sha256, write_text
from replication.core.layout import Layout
from replication.core.progress import say
from replication.core.toml_schema import unknown_name
from replication.estimators.data import NotIdentifiedError
from replication.estimators.results import Results
from replication.inputs.stamps import git_commit, raw_inputs
from replication.panels.panel import pooled_countries
from replication.specs.spec import (
    Spec,
    load_specs,
    read_source,
    relative_to_root,
    run_spec,
    spec_source,
    spec_variants,
    used_columns,
)


def spec_files(folder: str = "belgium") -> list[Path]:
    """The shipped spec files of ``estimations/<folder>/``."""
    return sorted((config.project_root() / "estimations" / folder).glob("*.toml"))


def sample_context(spec: Spec, data: pd.DataFrame, layout: Layout) -> dict:
    """The ``@`` names a sample may use besides ``@country``."""
    if spec.data.get("panel") is True:
        available = sorted(data["country"].unique())
        if layout.country not in available:
            raise ReplicationError(
                f"country {layout.country!r} is not in the {layout.vintage} panel; available: {available}"
            )
        return {"pooled_countries": pooled_countries(data)}
    return {}


def estimate_spec(
    spec: Spec, layout: Layout, *, strict: bool = False
) -> tuple[dict[str, Results], dict[str, str], Path]:
    """All variants of one spec in file order, the variants the data cannot identify (with why), and the data
    file read."""
    source = spec_source(spec, layout)
    data = read_source(spec, layout)
    context = sample_context(spec, data, layout)
    variants = spec_variants(spec)
    check_columns(spec, variants, data)
    results, failed = {}, {}
    label = spec.name
    outcomes = _run_variants(label, variants, data, source, layout, context)
    for name, outcome in zip(variants, outcomes, strict=True):
        if isinstance(outcome, NotIdentifiedError):
            if strict:
                raise ReplicationError(
                    f"{relative_to_root(spec.path)} {label} [{name}]: not identified: {outcome}"
                ) from outcome
            failed[name] = str(outcome)
            say(f"[estimate] {label}: {name} not identified ({_short(str(outcome))})")
        elif isinstance(outcome, ReplicationError):
            raise ReplicationError(f"{relative_to_root(spec.path)} {label} [{name}]: {outcome}") from outcome
        else:
            results[name] = outcome
    return results, failed, source


def check_columns(spec: Spec, variants: dict[str, Spec], data: pd.DataFrame) -> None:
    """Every column a variant names (model terms, weights, cluster, absorbed effects, entity, time) is a column
    of the data or one of the variant's derived ``[data.columns]``: checked for all variants before any runs, so a
    misspelt name is one line with a "did you mean", not an error after the other variants were estimated. (The
    estimation panels have the same columns whatever the vintage: a variable the data lack is missing, which
    makes the variant not estimable, never absent.)"""
    for name, variant in variants.items():
        available = set(data.columns) | set(variant.data.get("columns", {}))
        needed = [
            *used_columns(variant),
            *variant.model.get("absorb", []),
            variant.data["entity"],
            variant.data["time"],
        ]
        missing = [c for c in needed if c not in available]
        if missing:
            where = f"{relative_to_root(spec.path)} {spec.name} [{name}]"
            raise ConfigError(f"{where}: " + unknown_name(missing[0], sorted(available), what="column"))


def estimation_workers() -> int:
    """Processes that estimate a spec's variants side by side: ``REPLICATION_ESTIMATION_WORKERS`` (default 2, the
    reference machine's cores; 1 = one after the other). Every variant is computed alone, from its own seed, so
    the results do not depend on it."""
    return config.worker_count("REPLICATION_ESTIMATION_WORKERS")


# what the forked workers estimate: set by _run_variants before the fork, read by _estimate_one in each worker
_BATCH: tuple = ()


def _estimate_one(index: int) -> Results | NotIdentifiedError | ReplicationError:
    """Variant ``index`` of the batch: its results, or the error that says why it has none."""
    label, variants, data, source, layout, context = _BATCH
    name, variant = variants[index]
    say(f"[estimate] {label}: {name}")
    variant_data = data if spec_source(variant, layout) == source else read_source(variant, layout)
    try:
        return run_spec(variant, data=variant_data, country=layout.country, context=context)
    except (NotIdentifiedError, ReplicationError) as exc:
        return exc


def _run_variants(
    label: str, variants: dict[str, Spec], data: pd.DataFrame, source: Path, layout: Layout, context: dict
) -> list[Results | NotIdentifiedError | ReplicationError]:
    """Every variant's outcome in file order; in :func:`estimation_workers` forked processes when there are
    several (the processes share the data read once; each result comes back whole)."""
    global _BATCH
    _BATCH = (label, list(variants.items()), data, source, layout, context)
    try:
        workers = min(estimation_workers(), len(variants))
        if workers < 2:
            return [_estimate_one(i) for i in range(len(variants))]
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
        try:
            return list(pool.map(_estimate_one, range(len(variants))))
        finally:  # interrupted: the variants not yet started are dropped, not waited for
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        _BATCH = ()


def _short(text: str, limit: int = 140) -> str:
    """One line of at most ``limit`` characters (progress output; the full reason is in the JSON)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_estimates(path: Path, layout: Layout | None = None, *, strict: bool = False) -> list[Path]:
    """Estimate every spec a file stands for and write one estimates JSON each (every variant at full
    precision, the variants that are not identified with the reason, the checksums of the spec and the data)."""
    layout = layout or Layout()
    written = []
    for name, spec in load_specs(path).items():
        results, failed, source = estimate_spec(spec, layout, strict=strict)
        out = layout.estimates_file(Path(path).resolve().parent.name, name)
        record = {
            "spec": relative_to_root(Path(path)),
            "name": name,
            "vintage": layout.vintage,
            "country": layout.country,
            "package_version": __version__,
            "git_commit": git_commit(),
            "raw_inputs_sha256": raw_inputs(layout.vintage),
            "spec_sha256": sha256(path),
            "data_sha256": sha256(source),
            "variants": {variant: result.to_dict() for variant, result in results.items()},
            "not_estimable": failed,
        }
        write_text(out, json.dumps(record, indent=1, sort_keys=True, allow_nan=False) + "\n")
        written.append(out)
    return written


def read_record(path: Path) -> dict:
    """The estimates JSON of :func:`write_estimates`; a missing file names the Make target."""
    if not path.exists():
        raise ReplicationError(f"{relative_to_root(path)}: not built; run `make all`")
    return read_json(path)


def load_estimates(stem: str, layout: Layout | None = None, *, folder: str = "belgium") -> dict[str, Results]:
    """The variants of a spec's estimates (``estimations/<folder>/<stem>.toml``) for the run of ``layout``.

    Read once per process and file version (the analysis and report stages ask for the same file dozens of
    times); the ``Results`` are immutable, the returned dict is the caller's own."""
    layout = layout or Layout()
    path = layout.estimates_file(folder, stem)
    if not path.exists():
        read_record(path)  # the one-line error naming the Make target
    return dict(_load_record(file_version(path))[0])


@functools.lru_cache(maxsize=64)
def _load_record(version: tuple[Path, int, int, int]) -> tuple[dict[str, Results], dict[str, str]]:
    """A spec's variants and its not-estimable ones, from one read of the file version."""
    record = read_record(version[0])
    try:
        variants = {name: Results.from_dict(data) for name, data in record["variants"].items()}
        return variants, dict(record.get("not_estimable", {}))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # valid JSON, not an estimates record
        raise DataError(
            relative_to_root(version[0]),
            f"is not an estimates record ({type(exc).__name__}: {exc}); `make all` rebuilds it",
        ) from exc


def not_estimable(stem: str, layout: Layout | None = None, *, folder: str = "belgium") -> dict[str, str]:
    """The variants of a spec the data could not identify, with the reason."""
    layout = layout or Layout()
    path = layout.estimates_file(folder, stem)
    if not path.exists():
        read_record(path)  # the one-line error naming the Make target
    return dict(_load_record(file_version(path))[1])
