"""Benchmark of the pipeline (reports, never asserts): cold `make all` from the mirror, warm no-op.

Runs in a temporary copy of the project's tracked files so that nothing of the working tree is
touched. Cold = empty data/raw, data/interim and outputs (raw files copied from
$REPLICATION_MIRROR, default ../shared/data) and no warm worker running (a private worker folder: the
worker starts with the build, as it does on a fresh machine). A second cold build runs every stage in a
fresh process (WARM=0) for comparison. Peak memory is the largest resident set of any process of the
run: the make children (getrusage) and the warm worker's children (its log; their resident set
includes the preloaded libraries' pages). Each stage's seconds (wall, user, system) come from the worker's log;
the cost of writing fresh memory is probed at the end (on a virtual machine that hands freed memory back to its
host, a stage's first touch of each page is slow, which shows as system seconds). Targets on
the 2-core reference machine (issue 13): cold <= 15 s, warm <= 1 s, peak memory <= 1 GB. The stages' CPU seconds
over the cores bound the cold build from below (printed). Results:
printed and written to outputs/benchmarks/pipeline.json of the working tree.
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

TARGETS = {"cold_seconds": 15.0, "warm_seconds": 1.0, "peak_memory_mb": 1024.0}  # issue 13


def _run_make(cwd: Path, env: dict[str, str], *extra: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(
        ["make", "all", f"PYTHON={sys.executable}", "QUIET=1", *extra], cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"make all failed in {cwd}:\n{done.stdout}\n{done.stderr}")
    return elapsed, done.stdout


SKILL_STAGES = {  # the skill channel's stages, each timed alone after the cold build (inputs already built)
    "skill_tidy": ["tidy", "--vintage", "euklems_countries"],
    "skill_panel": ["skill-panel"],
    "skill_selection": ["skill-selection"],
    "skill_estimates": [
        "estimate",
        "estimations/skills/skill_shares_eu.toml",
        "estimations/skills/ict_skills_check.toml",
    ],
    "skill_analysis": ["skill-analysis"],
}


def _time_stages(cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds of each skill-channel stage run on its own (one process each, imports included)."""
    times = {}
    for name, args in SKILL_STAGES.items():
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "replication", "--quiet", *args], cwd=cwd, env=env, check=True)
        times[name] = round(time.perf_counter() - start, 2)
    return times


FLOOR = """
import time
from replication.inputs.sources import get_reader
from replication.inputs.tidy import part_files
from replication.inputs.vintages import load_classification, load_vintage
start = time.perf_counter()
for name in ("wiod2013", "wiod2013_euklems", "euklems_countries"):
    vintage = load_vintage(name)
    classification = load_classification(vintage.classification)
    for table in ("io_use", "accounts"):
        part = getattr(vintage, table)
        if part is not None and not part.vintage:  # a shared table is read by its own vintage
            get_reader(part.source, table)(part_files(part), classification)
print(time.perf_counter() - start)
"""


def _raw_read_floor(cwd: Path, env: dict[str, str]) -> float:
    """Seconds to parse every raw file the default build reads, once, in one process (imports excluded): the
    floor the cold build is compared with."""
    done = subprocess.run([sys.executable, "-c", FLOOR], cwd=cwd, env=env, check=True, capture_output=True, text=True)
    return round(float(done.stdout.strip().splitlines()[-1]), 2)


def _worker_log(folder: Path) -> list[dict]:
    return [json.loads(line) for log in folder.glob("*.log") for line in log.read_text().splitlines() if line]


def _worker_stages(folder: Path, *, settle: bool = False) -> tuple[list[dict], float]:
    """Stages the warm worker ran (command, start, seconds, peak resident MB) and their largest resident set;
    ``settle``: first wait (up to 10 s) until the worker has collected every child it started."""
    deadline = time.monotonic() + 10
    while settle and time.monotonic() < deadline:
        lines = _worker_log(folder)
        if sum("argv" in line for line in lines) == sum("status" in line for line in lines):
            break
        time.sleep(0.2)
    lines = _worker_log(folder)
    started = {line["pid"]: line for line in lines if "argv" in line}
    stages = []
    for line in lines:
        if "status" in line and line["pid"] in started:
            begin = started[line["pid"]]
            stages.append(
                {
                    "command": " ".join(a for a in begin["argv"] if a != "--quiet"),
                    "start": begin["start"],
                    "seconds": line["seconds"],
                    "user_seconds": line.get("user_seconds", 0.0),
                    "system_seconds": line.get("system_seconds", 0.0),
                    "max_rss_mb": line["max_rss_mb"],
                }
            )
    stages.sort(key=lambda stage: stage["start"])
    return stages, max((stage["max_rss_mb"] for stage in stages), default=0.0)


FRESH_MEMORY = """
import os, sys, time
import numpy as np
def touch():
    pid = os.fork()
    if pid == 0:
        start = time.perf_counter()
        np.ones(64 * 1024 * 1024)  # 512 MB written once
        os.write(1, f"{time.perf_counter() - start}\\n".encode())
        os._exit(0)
    os.waitpid(pid, 0)
touch()            # memory the system has not lent to a process lately
touch()            # the same memory again at once
"""


def _fresh_memory_seconds(env: dict[str, str]) -> tuple[float, float]:
    """Seconds to write 512 MB in a new process: first (memory the system has not handed out lately) and again at
    once. On a virtual machine that returns freed memory to its host, the first is several times the second, and
    every stage pays it for the memory it allocates (its system seconds below)."""
    done = subprocess.run(
        [sys.executable, "-c", FRESH_MEMORY], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return round(float(done[0]), 2), round(float(done[1]), 2)


def main() -> int:
    mirror = os.environ.get("REPLICATION_MIRROR") or str(REPO.parent / "shared" / "data")
    env = {**os.environ, "REPLICATION_MIRROR": mirror, "REPLICATION_QUIET": "1"}
    env.pop("REPLICATION_ROOT", None)
    with tempfile.TemporaryDirectory(prefix="offshoring-bench-") as tmp:
        root, fresh_root, workers = Path(tmp) / "warm", Path(tmp) / "fresh", Path(tmp) / "workers"
        copy_project(root)
        copy_project(fresh_root)
        env["REPLICATION_WARM_DIR"] = str(workers)  # a worker of its own, started by the cold build
        cold, _ = _run_make(root, env)
        children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        worker_stages, worker_mb = _worker_stages(workers, settle=True)
        warm, warm_out = _run_make(root, env)
        fresh, _ = _run_make(fresh_root, env, "WARM=0")
        subprocess.run([sys.executable, "-m", "replication.warm", "stop"], cwd=root, env=env, capture_output=True)
        stages = _time_stages(root, {**env, "REPLICATION_ROOT": str(root), "REPLICATION_WARM": ""})
        floor = _raw_read_floor(root, {**env, "REPLICATION_ROOT": str(root)})
    memory_first, memory_again = _fresh_memory_seconds(env)
    peak_mb = max(children_mb, worker_mb)
    first = worker_stages[0]["start"] if worker_stages else 0.0
    result = {
        "cold_seconds": round(cold, 2),
        "warm_seconds": round(warm, 3),
        "peak_memory_mb": round(peak_mb, 1),
        "cold_seconds_fresh_processes": round(fresh, 2),
        "warm_output": warm_out.strip(),
        "worker_stages": [{**stage, "start": round(stage["start"] - first, 2)} for stage in worker_stages],
        "skill_stage_seconds": stages,
        "raw_read_floor_seconds": floor,
        "cold_over_floor": round(cold / floor, 1),
        "stage_seconds_sum": round(sum(stage["seconds"] for stage in worker_stages), 1),
        "stage_user_seconds_sum": round(sum(stage["user_seconds"] for stage in worker_stages), 1),
        "stage_system_seconds_sum": round(sum(stage["system_seconds"] for stage in worker_stages), 1),
        # the least a cold build of this work can take on this machine's cores, however the stages overlap
        "stage_cpu_over_cores_seconds": round(
            sum(stage["user_seconds"] + stage["system_seconds"] for stage in worker_stages) / (os.cpu_count() or 1), 1
        ),
        "write_512mb_seconds_first_and_again": [memory_first, memory_again],
        "targets": TARGETS,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
    }
    for key, target in TARGETS.items():
        status = "ok" if result[key] <= target else "OVER TARGET"
        print(f"{key:<16} {result[key]:>10}   target <= {target:<8} {status}")
    print(f"cold, WARM=0     {result['cold_seconds_fresh_processes']:>10}   (every stage in a fresh process)")
    print(
        f"raw-read floor   {floor:>10}   (every raw file parsed once; cold build = {result['cold_over_floor']} x floor)"
    )
    print(f"warm run said: {result['warm_output']}")
    print("stages forked from the warm worker in the cold build (start s, seconds, user s, system s, peak MB):")
    for stage in result["worker_stages"]:
        print(
            f"  {stage['start']:6.1f} {stage['seconds']:6.2f} {stage['user_seconds']:6.2f}"
            f" {stage['system_seconds']:6.2f} {stage['max_rss_mb']:7.0f}  {stage['command']}"
        )
    print(
        f"  sum of the stages: {result['stage_seconds_sum']} s ({result['stage_user_seconds_sum']} s user,"
        f" {result['stage_system_seconds_sum']} s system) on {os.cpu_count()} cores"
    )
    print(
        f"  their CPU (user + system) over the {os.cpu_count()} cores: {result['stage_cpu_over_cores_seconds']} s,"
        " the least a cold build of this work can take here however the stages overlap"
    )
    print(
        f"writing 512 MB in a new process: {memory_first} s, again at once {memory_again} s (memory the machine"
        " has not handed out lately costs this much more; it varies from run to run)"
    )
    for name, seconds in stages.items():
        print(f"{name:<16} {seconds:>10}   (seconds, stage alone in a fresh process)")
    out = REPO / "outputs" / "benchmarks" / "pipeline.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
