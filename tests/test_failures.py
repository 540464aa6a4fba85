"""Every failure is one line, and a failing stage changes nothing: staged writes, damaged files, operating-system
errors (disk full, read-only), an old Python, a closed pipe."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from replication import cli
from replication.core import fileio
from replication.core.errors import DataError

ROOT = Path(__file__).resolve().parent.parent


def test_a_failing_stage_changes_none_of_its_files(tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.txt"
    fileio.write_text(first, "old a\n")
    fileio.write_text(second, "old b\n")
    with pytest.raises(RuntimeError), fileio.staged():
        fileio.write_text(first, "new a\n")
        assert fileio.current(first).read_text() == "new a\n"  # readable back inside the stage
        assert first.read_text() == "old a\n"  # not yet in place
        raise RuntimeError("the stage fails before writing b")
    assert first.read_text() == "old a\n" and second.read_text() == "old b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.txt"]  # no temporary file left


def test_a_stage_that_succeeds_moves_every_file_into_place(tmp_path):
    with fileio.staged():
        fileio.write_text(tmp_path / "a.txt", "a\n")
        fileio.write_csv(tmp_path / "b.csv", pd.DataFrame({"x": [1]}))
        with fileio.staged():  # a nested block belongs to the outer stage
            fileio.write_text(tmp_path / "c.txt", "c\n")
        assert not (tmp_path / "c.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.csv", "c.txt"]


@pytest.mark.parametrize("damage", [b"", b"PAR1 not really", b"\x00" * 64])
def test_a_damaged_parquet_is_one_line_with_what_to_do(tmp_path, damage):
    path = tmp_path / "io_use.parquet"
    path.write_bytes(damage)
    with pytest.raises(
        DataError, match=r"io_use.parquet: cannot be read: damaged or truncated .*`make all` rebuilds it"
    ):
        fileio.read_parquet(path)


def test_a_truncated_json_is_one_line(tmp_path):
    path = tmp_path / "production_manufacturing.json"
    path.write_text(json.dumps({"variants": {}})[:7])
    with pytest.raises(DataError, match=r"production_manufacturing.json: cannot be read: damaged or truncated"):
        fileio.read_json(path)


@pytest.mark.parametrize(
    ("code", "cause"),
    [(errno.ENOSPC, "No space left on device"), (errno.EROFS, "Read-only file system"), (errno.EACCES, "Permission")],
)
def test_an_operating_system_error_is_one_line(monkeypatch, capsys, tmp_path, code, cause):
    target = tmp_path / "outputs" / "tradeoff" / "scenarios.csv"

    def failing(args):
        raise OSError(code, cause, str(target))

    monkeypatch.setattr(cli, "_cmd_vintages", failing)
    assert cli.main(["vintages"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {target}: {cause}")
    if code == errno.ENOSPC:
        assert "free some disk space" in err


def test_a_disk_that_fills_during_a_write_leaves_the_old_file(monkeypatch, tmp_path):
    target = tmp_path / "claims.csv"
    fileio.write_text(target, "old\n")

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError):
        fileio.write_text(target, "new\n")
    monkeypatch.undo()
    assert target.read_text() == "old\n" and [p.name for p in tmp_path.iterdir()] == ["claims.csv"]


def test_an_old_python_is_told_in_one_line():
    source = (ROOT / "replication" / "__init__.py").read_text().replace("import sys\n", "", 1)
    fake = types.SimpleNamespace(version_info=(3, 10, 12), executable="/usr/bin/python3.10")
    with pytest.raises(SystemExit, match=r"^error: offshoring-be needs Python 3.11 or newer; this is 3.10"):
        exec(compile(source, "replication/__init__.py", "exec"), {"sys": fake, "__name__": "replication"})


def test_a_closed_pipe_is_quiet():
    """A command whose reader stops early (``| head``): exit 141 as Unix tools do, nothing on stderr."""
    program = (
        "import sys\nfrom replication import cli\n"
        "cli._cmd_vintages = lambda args: [print('x' * 100) for _ in range(100_000)]\n"
        "code = cli.main(['vintages'])\nsys.stderr.write(f'exit {code}')\nsys.exit(code)"
    )
    child = subprocess.Popen([sys.executable, "-c", program], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.read(10)
    child.stdout.close()  # the reader goes away with about 10 MB unwritten
    err = child.stderr.read().decode()
    assert child.wait() == 141
    assert err == "exit 141"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("config/panel.toml", "self_weight = false", 'self_weight = "no"', r"config/panel.toml:\d+: \[spillovers\]"),
        ("config/claims.toml", "alpha = 0.05", 'alpha = "0.05"', r"config/claims.toml:\d+: \[rules\] alpha"),
        ("scenarios/ict_push.toml", "horizon = 10", "horizon = 10000000", r"ict_push.toml:\d+: horizon = 10000000"),
    ],
)
def test_a_bad_file_stops_the_build_in_one_line_before_pytask_collects(project, file, old, new, message):
    """The plan reads some configuration while pytask collects the tasks: the build checks every file first."""
    from replication.core.errors import ConfigError
    from replication.pipeline.build import check_inputs

    shutil.copytree(ROOT / "scenarios", project / "scenarios")
    check_inputs()  # the shipped files pass
    path = project / file
    assert old in path.read_text()
    path.write_text(path.read_text().replace(old, new, 1))
    with pytest.raises(ConfigError, match=message) as info:
        check_inputs()
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c["groups"].update({"technology (ICT)": ["icx"]}),
            r"\[groups\] term .*'icx' is unknown \(did you mean 'ict'\?\)",
        ),
        (
            lambda c: c["decomposition"][0].update(variant="hour"),
            r"variant of skill_shares_pooled 'hour' is unknown \(did you mean 'hours'\?\)",
        ),
        (
            lambda c: c["decomposition"][0].update(bootstrap_variant="within_low_hour"),
            r"bootstrap_variant: .*did you mean",
        ),
        (lambda c: c["decomposition"][0].update(spec="skill_shares_poled"), r"no spec named 'skill_shares_poled'"),
    ],
)
def test_a_decomposition_name_typo_is_one_line_before_any_data_is_read(edit, message):
    """A misspelt term, variant or spec in config/decomposition.toml: refused before the panel is read (the
    fast tier has no panel), never an empty group or a dropped decomposition."""
    import copy

    from replication.analysis.decomposition import decomposition_config
    from replication.analysis.tables import check_decompositions
    from replication.core.errors import ConfigError

    cfg = copy.deepcopy(decomposition_config())
    check_decompositions(cfg)  # the shipped file passes
    edit(cfg)
    with pytest.raises(ConfigError, match=message):
        check_decompositions(cfg)


def test_a_misspelt_column_in_any_variant_stops_before_any_estimation(tmp_path, monkeypatch):
    """One line naming the spec, the variant and the column, with a "did you mean", before the first variant is
    estimated (the estimator is never called)."""
    from replication.core.errors import ConfigError
    from replication.core.layout import Layout
    from replication.specs import estimate
    from replication.specs.spec import load_spec

    spec_file = tmp_path / "typo.toml"
    spec_file.write_text(
        'title = "t"\n[data]\npath = "tests/reference/panel/panel.csv"\nentity = "id"\ntime = "year"\n'
        '[model]\nestimator = "within"\ndependent = "y"\nregressors = ["x1", "x2"]\n'
        '[[variants]]\nname = "more"\nmodel = { regressors = ["x1", "x22"] }\n'
    )
    monkeypatch.setattr(estimate, "_run_variants", lambda *a, **k: pytest.fail("a variant was estimated"))
    with pytest.raises(ConfigError, match=r"typo.toml typo \[more\]: column 'x22' is unknown \(did you mean 'x2'\?\)"):
        estimate.estimate_spec(load_spec(spec_file), Layout())
