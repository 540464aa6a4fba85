"""`make verify`: run `make all` from scratch twice, in two temporary copies of the project, and compare
every output byte for byte (through the sha256 of outputs/MANIFEST.json). Exit 1 on any difference. The first
run executes two tasks side by side (JOBS=2, pytask-parallel's worker pool), the second one at a time (the default).

A third run uses another BLAS kernel and one thread (OPENBLAS_CORETYPE=Prescott, an SSE3 kernel every x86-64 CPU
runs, and OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=1). There the displayed results must agree: every Markdown table,
the report's Markdown and claims.csv byte for byte (exit 1 otherwise); the full-precision files (estimates JSON,
CSV tables, figures) may differ in their last bits: every file that differs is listed, and every number that moves
beyond a relative 1e-8 (the golden-snapshot comparison of tools/golden.py) with its size.

Raw data come from $REPLICATION_MIRROR (default ../shared/data). The copies are not git checkouts, so
the current commit is passed to them in REPLICATION_GIT_COMMIT.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))

from project_copy import copy_project  # noqa: E402


def main() -> int:
    from replication.inputs.stamps import git_commit

    env = {
        **os.environ,
        "REPLICATION_GIT_COMMIT": git_commit(),
        "REPLICATION_QUIET": "1",
        "REPLICATION_MIRROR": os.environ.get("REPLICATION_MIRROR") or str(REPO.parent / "shared" / "data"),
    }
    env.pop("REPLICATION_ROOT", None)
    runs = {
        "a": {"JOBS": "2"},  # two tasks side by side: must not change a byte of the default run (b)
        "b": {},
        "c": {"OPENBLAS_CORETYPE": "Prescott", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    }
    manifests = {}
    with tempfile.TemporaryDirectory(prefix="offshoring-verify-") as tmp:
        for run, extra in runs.items():
            root = Path(tmp) / run
            copy_project(root)
            done = subprocess.run(
                ["make", "all", f"PYTHON={sys.executable}", "QUIET=1", *_make_flags(extra)],
                cwd=root,
                env={**env, **extra},
                capture_output=True,
                text=True,
            )
            if done.returncode:
                print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
                return 1
            manifests[run] = json.loads((root / "outputs" / "MANIFEST.json").read_text())["files"]
            label = ", ".join(f"{k}={v}" for k, v in extra.items()) or "default BLAS"
            print(f"run {run} ({label}): {len(manifests[run])} outputs")
        first, second = manifests["a"], manifests["b"]
        differ = _differing(first, second)
        if differ:
            print(f"outputs differ between two runs on the same BLAS: {differ}", file=sys.stderr)
            return 1
        print(f"byte-identical: all {len(first)} outputs of two runs from scratch")
        return _compare_blas(Path(tmp) / "a" / "outputs", Path(tmp) / "c" / "outputs", first, manifests["c"])


def _make_flags(extra: dict[str, str]) -> list[str]:
    """``JOBS`` is a make variable; the rest of ``extra`` goes to the environment."""
    return [f"JOBS={extra['JOBS']}"] if "JOBS" in extra else []


def _differing(first: dict, second: dict) -> list[str]:
    return sorted(
        k for k in set(first) | set(second) if first.get(k, {}).get("sha256") != second.get(k, {}).get("sha256")
    )


DISPLAYED = (".md",)  # every displayed number is in a Markdown table or report.md; figures are listed if they differ


def _compare_blas(default: Path, other: Path, first: dict, third: dict) -> int:
    """Displayed files must be identical under another BLAS kernel; full-precision differences are listed."""
    import golden

    differ = _differing(first, third)
    displayed = [k for k in differ if k.endswith(DISPLAYED) or k == "claims.csv"]
    numeric = golden.compare(_snapshot_dir(default), other)
    print(f"another BLAS kernel, one thread: {len(differ)} of {len(first)} files differ in bytes")
    for line in numeric:
        print(f"  beyond relative 1e-8: {line}")
    for name in differ:
        print(f"  {name}")
    if displayed:
        print(f"displayed results differ under another BLAS kernel: {displayed}", file=sys.stderr)
        return 1
    print("displayed tables, the report and claims.csv agree under another BLAS kernel and one thread")
    return 0


def _snapshot_dir(outputs: Path) -> Path:
    """A golden-style snapshot of ``outputs`` in a folder beside it (the reference for the comparison)."""
    import golden

    folder = outputs.parent / "snapshot"
    golden.update(folder, outputs)
    return folder


if __name__ == "__main__":
    sys.exit(main())
