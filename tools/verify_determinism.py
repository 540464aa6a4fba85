"""`make verify`: run `make all` from scratch twice, in two temporary copies of the project, and compare
every output byte for byte (through the sha256 of outputs/MANIFEST.json). Exit 1 on any difference.

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
    from replication.provenance import git_commit

    env = {
        **os.environ,
        "REPLICATION_GIT_COMMIT": git_commit(),
        "REPLICATION_QUIET": "1",
        "REPLICATION_MIRROR": os.environ.get("REPLICATION_MIRROR") or str(REPO.parent / "shared" / "data"),
    }
    env.pop("REPLICATION_ROOT", None)
    manifests = []
    with tempfile.TemporaryDirectory(prefix="offshoring-verify-") as tmp:
        for run in ("a", "b"):
            root = Path(tmp) / run
            copy_project(root)
            done = subprocess.run(
                ["make", "all", f"PYTHON={sys.executable}", "QUIET=1"],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
            )
            if done.returncode:
                print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
                return 1
            manifests.append(json.loads((root / "outputs" / "MANIFEST.json").read_text()))
            print(f"run {run}: {len(manifests[-1]['files'])} outputs")
    first, second = (m["files"] for m in manifests)
    differ = sorted(
        k for k in set(first) | set(second) if first.get(k, {}).get("sha256") != second.get(k, {}).get("sha256")
    )
    if differ:
        print(f"outputs differ between two runs: {differ}", file=sys.stderr)
        return 1
    print(f"byte-identical: all {len(first)} outputs of two runs from scratch")
    return 0


if __name__ == "__main__":
    sys.exit(main())
