"""Benchmark of the pipeline (reports, never asserts): cold `make all`, no-op, one spec edited, peak memory.

Runs in a temporary copy of the project's tracked files, so nothing of the working tree is touched. Cold = empty
data/raw, data/interim, outputs and pytask state (raw files copied from $REPLICATION_MIRROR, default
../shared/data). The raw-read floor (the 17 WIOD RData files and the SEA .mat parsed once, in this process) is
measured in the same run, so the ratio is comparable across machines. Peak memory is the largest resident set of
any child process (getrusage). Targets (issue 26, quiet 2-core machine): cold <= 30 s and <= 6 x the floor,
spec edit -> updated report <= 6 s, no-op <= 1 s, peak memory <= 1 GB. Results are printed and written to
outputs/benchmarks/pipeline.json of the working tree; measured figures belong in benchmarks/README.md.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

from project_copy import copy_project  # noqa: E402

TARGETS = {"cold_seconds": 30.0, "cold_over_floor": 6.0, "spec_edit_seconds": 6.0, "noop_seconds": 1.0}
PEAK_TARGET_MB = 1024.0


def _make(cwd: Path, env: dict[str, str]) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        ["make", "all", f"PYTHON={sys.executable}", "QUIET=1"], cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"make all failed in {cwd}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return elapsed, done.stdout


def raw_read_floor(mirror: Path) -> float:
    """Seconds to parse the WIOD 2013 RData files and the SEA .mat once (no tidy work)."""
    import rdata
    import scipy.io

    start = time.perf_counter()
    for path in sorted((mirror / "wiod2013").glob("*.RData")):
        rdata.read_rda(path)
    for path in sorted((mirror / "wiod_sea_2013_mat").glob("*.mat")):
        scipy.io.loadmat(path)
    return time.perf_counter() - start


def main() -> int:
    mirror = Path(os.environ.get("REPLICATION_MIRROR") or REPO.parent / "shared" / "data").resolve()
    env = {**os.environ, "REPLICATION_MIRROR": str(mirror), "REPLICATION_QUIET": "1"}
    env.pop("REPLICATION_ROOT", None)
    result: dict[str, object] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "python": sys.version}
    with tempfile.TemporaryDirectory(prefix="offshoring-bench-") as tmp:
        root = Path(tmp) / "project"
        copy_project(root)
        result["raw_read_floor_seconds"] = round(raw_read_floor(mirror), 2)
        cold, _ = _make(root, env)
        result["cold_seconds"] = round(cold, 2)
        result["cold_over_floor"] = round(cold / result["raw_read_floor_seconds"], 2)
        noop, said = _make(root, env)
        result["noop_seconds"] = round(noop, 2)
        result["noop_output"] = said.strip().splitlines()[-1] if said.strip() else ""
        spec = root / "estimations" / "belgium" / "production.toml"
        spec.write_text(spec.read_text() + "\n# edited by the benchmark\n")
        edit, _ = _make(root, env)
        result["spec_edit_seconds"] = round(edit, 2)
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    for key, target in TARGETS.items():
        print(f"{key:>20}: {result[key]:>8}  (target <= {target})")
    print(f"{'peak_memory_mb':>20}: {result['peak_memory_mb']:>8}  (target <= {PEAK_TARGET_MB})")
    print(f"{'raw_read_floor_seconds':>20}: {result['raw_read_floor_seconds']}")
    out = REPO / "outputs" / "benchmarks" / "pipeline.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
