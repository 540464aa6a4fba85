"""The warm worker (replication/warm.py) runs a command exactly as its own process would: output, exit code,
environment, Ctrl-C, and a child that dies with its client. Served by a real server on a stand-in CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from replication import warm

REPO = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

FAKE_CLI = """
import os, sys, time

IMPORTED_BY = os.getpid()
time.sleep(float(os.environ.get("FAKE_CLI_IMPORT_SECONDS", "0")))  # a server that takes long to preload

def main(argv=None):
    argv = [a for a in (sys.argv[1:] if argv is None else argv) if a != "--quiet"]
    command, rest = argv[0], argv[1:]
    if command == "echo":
        print(" ".join(rest))
        print("to stderr", file=sys.stderr)
        return 0
    if command == "exit":
        return int(rest[0])
    if command == "imported-by":  # who imported this module: the server (preloaded) or this process
        print("server" if IMPORTED_BY != os.getpid() else "this process")
        return 0
    if command == "nice":
        print(os.nice(0))
        return 0
    if command == "bytecode":
        print(sys.dont_write_bytecode)
        return 0
    if command == "data":
        print("verified", os.getpid())
        return 0
    if command == "env":
        print(os.environ.get(rest[0], "<unset>"), os.getcwd(), sys.argv[1:])
        return 0
    if command == "spin":  # CPU for the given seconds
        end = time.process_time() + float(rest[0])
        while time.process_time() < end:
            pass
        return 0
    if command == "sleep":
        print("sleeping", flush=True)
        try:
            time.sleep(float(rest[0]))
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            return 130
        return 0
    raise SystemExit(f"unknown command {command}")
"""


@pytest.fixture
def fake(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder with a `replication` package whose cli is the stand-in above (warm.py and __main__.py real)."""
    package = tmp_path / "root" / "replication"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    shutil.copy(REPO / "replication" / "warm.py", package / "warm.py")
    shutil.copy(REPO / "replication" / "__main__.py", package / "__main__.py")
    (package / "cli.py").write_text(FAKE_CLI)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(REPLICATION_WARM="1", REPLICATION_WARM_DIR=str(tmp_path / "sockets"))
    yield package.parent, env
    subprocess.run([sys.executable, "-m", "replication.warm", "stop"], cwd=package.parent, env=env, check=False)


def _run(root: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "replication", *args], cwd=root, env=env, capture_output=True, text=True, timeout=60
    )


def _log(env: dict[str, str]) -> list[dict]:
    logs = list(Path(env["REPLICATION_WARM_DIR"]).glob("*.log"))
    return [json.loads(line) for path in logs for line in path.read_text().splitlines()]


def _wait(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.1)


def _warm_server(root: Path, env: dict[str, str]) -> None:
    first = _run(root, env, "echo", "first")  # no server yet: runs in-process and starts one
    assert first.stdout == "first\n" and first.returncode == 0
    _wait(lambda: any(Path(env["REPLICATION_WARM_DIR"]).glob("*.sock")))


def test_same_output_exit_code_and_environment_as_a_fresh_process(fake) -> None:
    root, env = fake
    _warm_server(root, env)
    cold_env = {**env, "REPLICATION_WARM": "0"}
    for args, extra in (
        (["echo", "a", "b"], {}),
        (["exit", "3"], {}),
        (["env", "SOME_SETTING"], {}),
        (["nonsense"], {}),
        (["bytecode"], {"PYTHONDONTWRITEBYTECODE": "1"}),
        (["bytecode"], {"PYTHONDONTWRITEBYTECODE": ""}),
    ):
        warm_run = _run(root, {**env, "SOME_SETTING": "x1", **extra}, *args)
        cold_run = _run(root, {**cold_env, "SOME_SETTING": "x1", **extra}, *args)
        assert (warm_run.returncode, warm_run.stdout, warm_run.stderr) == (
            cold_run.returncode,
            cold_run.stdout,
            cold_run.stderr,
        ), args
    # a niced command's child runs niced, as its own process would
    command = ["nice", "-n", "7", sys.executable, "-m", "replication", "nice"]
    niced = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    assert niced.stdout == f"{os.nice(0) + 7}\n"
    served = [line["argv"] for line in _log(env) if "argv" in line]
    assert ["echo", "a", "b"] in served and ["exit", "3"] in served  # they did go through the server
    assert ["nice"] in served
    assert _run(root, {**env, "SOME_SETTING": "x1"}, "env", "SOME_SETTING").stdout.startswith("x1 ")


def test_the_log_gives_each_childs_wall_user_and_system_seconds(fake) -> None:
    """`make bench` reads each stage's wall, user and system seconds and peak memory from the worker's log."""
    root, env = fake
    _warm_server(root, env)
    assert _run(root, env, "spin", "0.4").returncode == 0
    assert _run(root, env, "sleep", "0.4").returncode == 0
    _wait(lambda: sum("status" in line for line in _log(env)) >= 2)
    started = {line["pid"]: line["argv"][0] for line in _log(env) if "argv" in line}
    ended = {started[line["pid"]]: line for line in _log(env) if "status" in line and line["pid"] in started}
    spin, sleep = ended["spin"], ended["sleep"]
    assert spin["user_seconds"] + spin["system_seconds"] >= 0.4 <= spin["seconds"]
    assert sleep["seconds"] >= 0.4 and sleep["user_seconds"] + sleep["system_seconds"] < 0.2
    assert spin["max_rss_mb"] > 0


def test_ctrl_c_reaches_the_child_and_a_killed_client_kills_it(fake) -> None:
    root, env = fake
    _warm_server(root, env)

    def start_sleeper() -> tuple[subprocess.Popen, int]:
        before = {line["pid"] for line in _log(env) if "argv" in line}
        client = subprocess.Popen(
            [sys.executable, "-m", "replication", "sleep", "30"],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait(lambda: {line["pid"] for line in _log(env) if line.get("argv") == ["sleep", "30"]} - before)
        (child,) = {line["pid"] for line in _log(env) if line.get("argv") == ["sleep", "30"]} - before
        # the command has begun (a signal in the child's first moments, before the command, ends it silently)
        assert client.stdout.readline() == "sleeping\n"
        return client, child

    client, _ = start_sleeper()
    client.send_signal(signal.SIGINT)
    _, err = client.communicate(timeout=20)
    assert client.returncode == 130 and "interrupted" in err

    client, child = start_sleeper()
    client.kill()
    client.wait(timeout=20)
    _wait(lambda: any(line.get("pid") == child and "status" in line for line in _log(env)), seconds=20)
    (ended,) = [line for line in _log(env) if line.get("pid") == child and "status" in line]
    assert ended["status"] == -signal.SIGKILL  # the orphaned child killed itself, long before its 30 s


def test_no_server_means_in_process_and_stop_ends_the_server(fake) -> None:
    root, env = fake
    assert warm.enabled() is (os.environ.get("REPLICATION_WARM", "") not in ("", "0"))
    _warm_server(root, env)
    stopped = subprocess.run(
        [sys.executable, "-m", "replication.warm", "stop"], cwd=root, env=env, capture_output=True, text=True
    )
    assert stopped.stdout.strip() == "stopped"
    assert not any(Path(env["REPLICATION_WARM_DIR"]).glob("*.sock"))
    again = _run(root, env, "echo", "still works")  # in-process, and starts a server again
    assert again.returncode == 0 and again.stdout == "still works\n"
    _wait(lambda: any(Path(env["REPLICATION_WARM_DIR"]).glob("*.sock")))
    everything = subprocess.run(
        [sys.executable, "-m", "replication.warm", "stop", "--all"], cwd=root, env=env, capture_output=True, text=True
    )
    assert everything.stdout.strip() == "stopped 1 warm server(s)"


def test_commands_started_together_start_one_server(fake) -> None:
    """The first commands of a parallel build find no server: one of them starts it and runs in-process; the others
    wait for it (it listens at once and serves them once it has preloaded) instead of importing everything again."""
    root, env = fake
    key = _key(root, env)
    # the servers of the tests before (same environment, so the same key) were stopped; one stopped while it was
    # preloading exits when it has preloaded
    _wait(lambda: not _servers(key))
    clients = [
        subprocess.Popen(
            [sys.executable, "-m", "replication", "echo", str(i)], cwd=root, env=env, stdout=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    assert [client.communicate(timeout=60)[0] for client in clients] == [f"{i}\n" for i in range(4)]
    _wait(lambda: any(Path(env["REPLICATION_WARM_DIR"]).glob("*.sock")))
    assert len(_servers(key)) == 1
    assert not list(Path(env["REPLICATION_WARM_DIR"]).glob("*.starting"))  # removed once it listens
    _wait(lambda: sum("status" in line for line in _log(env)) == 3)
    served = sorted(line["argv"][1] for line in _log(env) if "argv" in line)
    assert len(served) == 3  # all but the one that started the server


def test_the_checksum_command_runs_in_process_and_starts_the_server(fake) -> None:
    """`data` imports none of the preloaded libraries: it never waits for the server, and starts it for the stages
    that follow."""
    root, env = fake
    first = _run(root, env, "data")
    assert first.returncode == 0 and first.stdout.startswith("verified")
    _wait(lambda: any(Path(env["REPLICATION_WARM_DIR"]).glob("*.sock")))
    second = _run(root, env, "echo", "x")
    assert second.stdout == "x\n"
    again = _run(root, env, "--quiet", "data")
    assert again.returncode == 0
    served = [line["argv"] for line in _log(env) if "argv" in line]
    assert served == [["echo", "x"]]  # the stage went through the server, `data` never did


def _key(root: Path, env: dict[str, str]) -> str:
    return subprocess.run(
        [sys.executable, "-c", "from replication import warm; print(warm.server_key())"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_the_project_is_preloaded_and_an_edit_is_never_stale(fake) -> None:
    """The server imports the project's modules too (a served command finds them imported); editing one gives
    another key, so the next command runs the edited code, never the preloaded one."""
    root, env = fake
    assert _run(root, env, "imported-by").stdout == "this process\n"  # no server yet: in-process, starts one
    _wait(lambda: any(Path(env["REPLICATION_WARM_DIR"]).glob("*.sock")))
    before = _key(root, env)
    assert _run(root, env, "imported-by").stdout == "server\n"
    cli = root / "replication" / "cli.py"
    cli.write_text(cli.read_text().replace('print(" ".join(rest))', 'print("edited", " ".join(rest))'))
    assert _key(root, env) != before
    assert _run(root, env, "echo", "x").stdout == "edited x\n"
    _wait(lambda: (Path(env["REPLICATION_WARM_DIR"]) / f"{_key(root, env)}.sock").exists())  # the edit's server
    assert _run(root, env, "echo", "y").stdout == "edited y\n"
    by_server = {
        log.stem: [json.loads(line)["argv"] for line in log.read_text().splitlines() if "argv" in line]
        for log in Path(env["REPLICATION_WARM_DIR"]).glob("*.log")
    }
    assert by_server[before] == [["imported-by"]]  # the first server never ran the edited command
    assert ["echo", "y"] in by_server[_key(root, env)]
    assert _run(root, env, "imported-by").stdout == "server\n"


def _has_socket(pid: int) -> bool:
    try:
        return any(os.readlink(fd).startswith("socket:") for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:  # a descriptor closed while it was read
        return False


def _servers(key: str) -> list[Path]:
    return [proc for proc in Path("/proc").glob("[0-9]*") if _cmdline(proc)[-3:] == ["replication.warm", "serve", key]]


def _cmdline(proc: Path) -> list[str]:
    try:
        return (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def test_ctrl_c_while_the_server_preloads_is_one_line(fake) -> None:
    """A command waiting for a server that is still preloading stops on Ctrl-C with one line and exit 130, and the
    server never runs it."""
    root, env = fake
    key = _key(root, env)
    _wait(lambda: not _servers(key))  # the servers of the tests before
    # a server whose preload (here: importing the command line) takes seconds; it listens before it preloads
    subprocess.Popen(
        [sys.executable, "-m", "replication.warm", "serve", key],
        cwd=root,
        env={**env, "FAKE_CLI_IMPORT_SECONDS": "5"},
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    _wait(lambda: any(Path(env["REPLICATION_WARM_DIR"]).glob("*.sock")))
    client = subprocess.Popen(
        [sys.executable, "-m", "replication", "echo", "never"], cwd=root, env=env, stderr=subprocess.PIPE, text=True
    )
    # connected and waiting (the preload takes seconds): a signal during the interpreter's start would be another test
    _wait(lambda: _has_socket(client.pid))
    time.sleep(0.2)
    assert not any(line.get("argv") == ["echo", "never"] for line in _log(env))
    client.send_signal(signal.SIGINT)
    _, err = client.communicate(timeout=20)
    assert client.returncode == 130
    assert err == "interrupted: echo stopped before it started; no output of it was written\n"
    assert _run(root, env, "echo", "after").stdout == "after\n"  # the server serves the next command
    assert not any(line.get("argv") == ["echo", "never"] for line in _log(env))


def test_the_project_modules_are_listed_without_importing_them() -> None:
    """The later preload steps name every project module but the entry point and the server, found from the files
    (listing them by import took SciPy's statistics in before the server served)."""
    code = (
        "import sys, pkgutil, replication; from replication import warm; before = set(sys.modules); "
        "names = warm.project_modules(); assert set(sys.modules) == before, set(sys.modules) - before; "
        "walked = {m.name for m in pkgutil.walk_packages(replication.__path__, 'replication.')}; "
        "assert set(names) == {n for n in walked if n.rsplit('.', 1)[-1] not in warm.NOT_PRELOADED} | {'replication'}; "
        "assert 'replication.__main__' not in names and 'replication.warm' not in names; print(len(names))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 50


def test_a_project_module_that_fails_to_import_does_not_stop_the_server(fake) -> None:
    """A module with an error (an edit in progress) is skipped by the preload: the server keeps serving, and a
    command that imports the module gets the error as its own process would."""
    root, env = fake
    (root / "replication" / "broken.py").write_text("def half(:\n")
    cli = root / "replication" / "cli.py"
    importing = '    if command == "broken":\n        import replication.broken\n'
    cli.write_text(cli.read_text().replace('    if command == "exit":', importing + '    if command == "exit":'))
    _warm_server(root, env)
    _wait(lambda: any("preloaded" in line for line in _log(env)))  # every step ran, the broken module's too
    assert _run(root, env, "echo", "still").stdout == "still\n"
    warm_run = _run(root, env, "broken")
    cold_run = _run(root, {**env, "REPLICATION_WARM": "0"}, "broken")
    assert warm_run.returncode == cold_run.returncode == 1
    assert "SyntaxError" in warm_run.stderr and "SyntaxError" in cold_run.stderr
    served = [line["argv"] for line in _log(env) if "argv" in line]
    assert ["echo", "still"] in served and ["broken"] in served


def test_settings_read_at_start_give_another_server(fake) -> None:
    """A client whose BLAS or allocator settings differ from the server's (read when a process starts or imports
    the libraries, so a forked child cannot take the client's) gets a server of its own."""
    root, env = fake
    for name, value in (("OPENBLAS_NUM_THREADS", "3"), ("MALLOC_MMAP_MAX_", "0"), ("GLIBC_TUNABLES", "x=1")):
        without = {k: v for k, v in env.items() if k != name}  # make exports some of them: compare from unset
        assert _key(root, {**without, name: value}) != _key(root, without), name
    assert _key(root, {**env, "SOME_OTHER_SETTING": "1"}) == _key(root, env)  # read by the command: passed on
