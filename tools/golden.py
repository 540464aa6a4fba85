"""Golden snapshots of the built numbers: claims, estimates, regression tables, the skill channel, the trade-off
and the analysis tables.

    python tools/golden.py            compare the built outputs with tests/golden/ (exit 1 on a difference)
    python tools/golden.py --update   rewrite tests/golden/ from the built outputs (commit the diff deliberately)

Snapshots (``tests/golden/``):

- ``claims.csv``: compared as text (verdicts, reasons and the displayed numbers); ``claims_robustness.csv`` (the
  Belgian claims' robustness battery) as a table;
- ``estimates.csv``: one row per spec x variant x term of every estimates JSON (Belgian and skill-channel specs):
  estimate, standard error and the wild-bootstrap p-value and bounds; compared numerically (relative 1e-8), so a
  change of the numbers is caught while the last bits that depend on the BLAS kernel are not;
- ``regression_tables/<spec>.csv``: the long form of each regression table, compared the same way;
- ``skills/<name>.csv`` (``outputs/skills/``: coefficients, decomposition, between/within split, falsification,
  ICT moderation, restriction tests, selection, robustness battery), ``tradeoff/<name>.csv`` (``outputs/tradeoff/``: the
  policy numbers: scenarios, paths, history, industries, estimates used, assumptions) and ``results/<name>.csv``
  (``outputs/tables/results/``: decomposition, identifying variation, coverage, measure gaps, imputations):
  every column whose cells are all numbers (or empty) compared numerically, every other column as text.

Every difference is listed with its size.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
NUMBERS = ["estimate", "std_error", "p_value", "boot_p_value", "boot_conf_low", "boot_conf_high"]
RTOL, ATOL = 1e-8, 1e-12
# the folders of outputs/ whose every CSV is snapshotted, by the snapshot's folder name
FOLDERS = {"skills": ("skills",), "tradeoff": ("tradeoff",), "results": ("tables", "results")}


def estimates_table(outputs: Path) -> pd.DataFrame:
    """Every estimate of the built estimates JSON files, one row per spec x variant x term."""
    rows = []
    for path in sorted([*(outputs / "estimates").glob("*.json"), *(outputs / "skills" / "estimates").glob("*.json")]):
        record = json.loads(path.read_text(encoding="utf-8"))
        for variant, result in sorted(record["variants"].items()):
            names = result["params"]["index"]
            for i, term in enumerate(names):
                boot = result.get("bootstrap", {}).get(term, {})
                rows.append(
                    {
                        "spec": path.stem,
                        "variant": variant,
                        "term": term,
                        "estimate": result["params"]["values"][i],
                        "std_error": result["std_errors"][i],
                        "boot_p_value": boot.get("p_value"),
                        "boot_conf_low": boot.get("conf_low"),
                        "boot_conf_high": boot.get("conf_high"),
                    }
                )
        for variant, reason in sorted(record.get("not_estimable", {}).items()):
            rows.append({"spec": path.stem, "variant": variant, "term": "(not identified)", "reason": reason})
    return pd.DataFrame(rows)


def snapshot(outputs: Path) -> dict[str, pd.DataFrame | str]:
    """The snapshot of a built ``outputs/`` folder: relative name -> table (or text for claims.csv)."""
    files: dict[str, pd.DataFrame | str] = {"claims.csv": (outputs / "claims.csv").read_text(encoding="utf-8")}
    if (outputs / "claims_robustness.csv").exists():
        files["claims_robustness.csv"] = pd.read_csv(outputs / "claims_robustness.csv", keep_default_na=False)
    files["estimates.csv"] = estimates_table(outputs)
    for path in sorted(
        [*(outputs / "tables" / "estimates").glob("*.csv"), *(outputs / "skills" / "tables").glob("*.csv")]
    ):
        files[f"regression_tables/{path.name}"] = pd.read_csv(path, keep_default_na=False)
    for folder, parts in FOLDERS.items():
        for path in sorted(outputs.joinpath(*parts).glob("*.csv")):
            files[f"{folder}/{path.name}"] = pd.read_csv(path, keep_default_na=False)
    return files


def _numeric(name: str, column: str, values: list) -> bool:
    """Whether a column is compared as numbers: the estimate columns, and in the other folders' tables every
    column whose cells are all numbers or empty (and not all empty)."""
    if column in NUMBERS:
        return True
    if name.startswith(("regression_tables/", "estimates.csv")):
        return False
    parsed = [_number(v) for v in values if v not in ("", None)]
    return bool(parsed) and not any(math.isnan(x) for x in parsed)


def _number(value: object) -> float:
    if value in ("", None):
        return math.nan
    if value in ("inf", "-inf"):
        return float(value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def compare_tables(name: str, golden: pd.DataFrame, built: pd.DataFrame) -> list[str]:
    """Differences between two tables: rows, texts exactly, numbers within RTOL (with the largest gap)."""
    if list(golden.columns) != list(built.columns) or len(golden) != len(built):
        return [f"{name}: shape or columns changed ({golden.shape} {list(golden.columns)} -> {built.shape})"]
    out = []
    for column in golden.columns:
        a, b = golden[column].tolist(), built[column].tolist()
        if _numeric(name, column, a):
            gaps = []
            for i, (x, y) in enumerate(zip(map(_number, a), map(_number, b), strict=True)):
                if (math.isnan(x) and math.isnan(y)) or x == y:
                    continue
                if math.isnan(x) or math.isnan(y) or not math.isclose(x, y, rel_tol=RTOL, abs_tol=ATOL):
                    gaps.append((abs(y - x) if not (math.isnan(x) or math.isnan(y)) else math.inf, i, x, y))
            if gaps:
                size, i, x, y = max(gaps)
                where = " ".join(str(golden.iloc[i][c]) for c in golden.columns[:3])
                out.append(
                    f"{name}: {len(gaps)} value(s) of {column} moved; largest at {where}: {x!r} -> {y!r} ({size:.3g})"
                )
        else:
            changed = [
                i
                for i, (x, y) in enumerate(zip(a, b, strict=True))
                if str(x) != str(y) and not (pd.isna(x) and pd.isna(y))
            ]
            if changed:
                i = changed[0]
                out.append(f"{name}: {len(changed)} cell(s) of {column} changed; first row {i}: {a[i]!r} -> {b[i]!r}")
    return out


def compare(golden_dir: Path, outputs: Path) -> list[str]:
    """Every difference between the snapshot of ``outputs`` and ``golden_dir``."""
    built = snapshot(outputs)
    differences = []
    names = sorted({*built, *(p.relative_to(golden_dir).as_posix() for p in golden_dir.rglob("*.csv"))})
    for name in names:
        path = golden_dir / name
        if name not in built:
            differences.append(f"{name}: in the golden snapshot but not built")
            continue
        if not path.exists():
            differences.append(f"{name}: built but not in the golden snapshot")
            continue
        if name == "claims.csv":
            old, new = path.read_text(encoding="utf-8").splitlines(), str(built[name]).splitlines()
            changed = [i for i, (x, y) in enumerate(zip(old, new, strict=False)) if x != y]
            if len(old) != len(new) or changed:
                first = changed[0] if changed else min(len(old), len(new))
                before = old[first] if first < len(old) else ""
                after = new[first] if first < len(new) else ""
                differences.append(
                    f"claims.csv: {len(changed)} line(s) changed, {len(new) - len(old):+d} lines; first line "
                    f"{first + 1}: {before!r} -> {after!r}"
                )
            continue
        golden = pd.read_csv(path, keep_default_na=False)
        table = built[name]
        table = pd.read_csv(pd.io.common.StringIO(table.to_csv(index=False)), keep_default_na=False)
        differences += compare_tables(name, golden, table)
    return differences


def update(golden_dir: Path, outputs: Path) -> None:
    """Rewrite the snapshot from the built outputs."""
    built = snapshot(outputs)
    for folder in ("regression_tables", *FOLDERS):
        if (golden_dir / folder).exists():
            shutil.rmtree(golden_dir / folder)
    for name, content in built.items():
        path = golden_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            content.to_csv(path, index=False, float_format="%.12g", lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="rewrite tests/golden/ from outputs/")
    parser.add_argument("--outputs", default=str(ROOT / "outputs"))
    args = parser.parse_args(argv)
    outputs = Path(args.outputs)
    if not (outputs / "claims.csv").exists():
        print(f"error: {outputs}/claims.csv not built; run `make all` first", file=sys.stderr)
        return 2
    if args.update:
        update(GOLDEN, outputs)
        print(f"golden snapshot rewritten in {GOLDEN.relative_to(ROOT)}; review and commit the diff")
        return 0
    differences = compare(GOLDEN, outputs)
    for line in differences:
        print(line)
    print(f"golden snapshot: {len(differences)} difference(s)")
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
