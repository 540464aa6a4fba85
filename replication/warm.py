"""A warm worker: pipeline stages forked from one process that has already imported the heavy libraries.

Every stage of `make all` is its own ``python -m replication`` process (Make decides what to redo), and
each such process spends 1-2.5 s importing pandas, SciPy, statsmodels, linearmodels and matplotlib
before doing any work: about a third of a cold build's CPU time. With ``REPLICATION_WARM=1`` (the
Makefile's default) the command is handed to a server that imported those libraries once and forks a
child per command; the child runs exactly what the process would have run (same argument list, working
folder, environment, ``sys.path``, standard streams and exit code), so outputs are identical.

What keeps it safe:

- The server is keyed on the interpreter, the installed packages (site-packages' modification time), the
  project's modules (each one's path, modification time and size) and the environment variables read at import
  or process start (BLAS kernel and threads, hash seed, plotting backend, ``PYTHONPATH``, glibc's allocator
  settings): any change starts another server, so an edited module is never stale. A child keeps the project
  modules the server imported only when the client's package is the server's; otherwise it imports them afresh
  from the client's path.
- The preload comes in two steps. Before it serves, the server imports what the data stages use (pandas,
  pyarrow, the raw-file readers, the project's command line), so the first stages of a build start within
  a second; then, between commands, one module at a time, the libraries of the later stages (SciPy's
  statistics, statsmodels, linearmodels, matplotlib) and the rest of the project. Before, the first
  stages waited 4-5 s for imports they never use while the second core idled.
- No server, or one that does not answer: the command runs in its own process as before. The first command
  of a build starts the server in the background and runs in-process meanwhile; the server listens at once,
  so the commands that arrive while it preloads wait for it rather than each importing the same libraries in
  a process of its own. ``data`` (the raw files' checksums, none of the preloaded libraries) always runs
  in-process.
- The child takes the client's nice value (``nice make all``; a stage Make runs niced), as its own process
  would have.
- Ctrl-C and termination reach the child (the client forwards SIGINT, SIGTERM and SIGHUP), and a child
  whose client has died (even by SIGKILL) kills itself, so an interrupted stage behaves as before.
- The server exits after ``IDLE_SECONDS`` without work; its log (one JSON line per command with seconds
  and peak resident memory) lets ``make bench`` count the children's memory.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

IDLE_SECONDS = 30.0
STARTUP_SECONDS = 60.0  # a server that has not listened this long after its start is taken for dead
# a command that finds a server starting waits this long for its socket: it binds at once, within a fraction of a
# second, unless the machine is heavily loaded
BIND_SECONDS = 10.0
# commands that import none of the preloaded libraries (the checksum check of the raw files): they run at once, in
# their own process, and start the server for the commands that follow
IN_PROCESS = ("data",)
# imported before the server serves: what the stages that read and reshape data use (the first of a build)
PRELOAD = (
    "numpy",
    "pandas",
    "pyarrow.parquet",
    "pyarrow.dataset",
    "tomllib",
    "tqdm",
    "rdata",
    "python_calamine",
    "scipy.io",
)
# imported one at a time once the server serves, between commands (a command waits for one import at most): the
# libraries of the estimation, table and figure stages, which come later in a build
PRELOAD_LATER = (
    "scipy.stats",
    "scipy.optimize",
    "statsmodels.api",
    "linearmodels",
    "matplotlib.pyplot",
    "matplotlib.backends.backend_pdf",
)
# the project's package (this file's folder) and its modules a server never imports: the command line's entry
# point runs a command when imported; this module is the server itself
PACKAGE = Path(__file__).resolve().parent
NOT_PRELOADED = ("__main__", "warm")
# read by the preloaded libraries when they are imported, or by the C library's allocator when the process starts:
# a server only serves clients that agree on them
IMPORT_TIME_ENV = (
    "MALLOC_MMAP_MAX_",
    "MALLOC_TRIM_THRESHOLD_",
    "GLIBC_TUNABLES",
    "OPENBLAS_NUM_THREADS",
    "OPENBLAS_CORETYPE",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "PYTHONHASHSEED",
    "PYTHONPATH",
    "MPLBACKEND",
    "MPLCONFIGDIR",
)
_HEADER = struct.Struct("!I")
_PID = struct.Struct("!q")
_CODE = struct.Struct("!i")


def enabled() -> bool:
    return os.environ.get("REPLICATION_WARM", "") not in ("", "0")


def directory() -> Path:
    """Where sockets and logs live (``REPLICATION_WARM_DIR``, default a private folder in the temp dir)."""
    chosen = os.environ.get("REPLICATION_WARM_DIR") or os.path.join(
        os.environ.get("TMPDIR", "/tmp"), f"offshoring-be-warm-{os.getuid()}"
    )
    path = Path(chosen)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def server_key() -> str:
    """What a server must share with its clients: interpreter, installed packages, the project's modules,
    import-time environment."""
    import sysconfig

    site = sysconfig.get_paths()["purelib"]
    parts = [
        sys.executable,
        sys.prefix,
        str(os.stat(site).st_mtime_ns) if os.path.isdir(site) else "",
        hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        project_fingerprint(),
        *(f"{k}={os.environ.get(k, '')}" for k in IMPORT_TIME_ENV),
    ]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def project_fingerprint(package: Path = PACKAGE) -> str:
    """The project's package folder and each of its modules' relative path, modification time (ns) and size:
    what an edit, a checkout or another copy of the project changes (about 1 ms for the project's 80 files)."""
    parts = [str(package)]
    for path in sorted(package.rglob("*.py")):
        stat = path.stat()
        parts.append(f"{path.relative_to(package)}:{stat.st_mtime_ns}:{stat.st_size}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def socket_path(key: str) -> Path:
    return directory() / f"{key}.sock"


def log_path(key: str) -> Path:
    return directory() / f"{key}.log"


def starting_marker(key: str) -> Path:
    return directory() / f"{key}.starting"


# ----------------------------------------------------------------------------------------------- client


def run(argv: list[str]) -> int | None:
    """Run ``python -m replication argv`` in a warm child; ``None`` when no server took it (run it yourself).

    Starts a server in the background when none is listening.
    """
    key = server_key()
    path = socket_path(key)
    command = next((a for a in argv if not a.startswith("-")), None)  # argv: global options, then the command
    if command in IN_PROCESS:
        if not path.exists():
            start_server(key)
        return None
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        if start_server(key):
            return None  # this command started the server: it runs at once, in-process
        # another command has just started one: it listens within a moment and serves once it has preloaded
        client = _connect_when_listening(path)
        if client is None:
            return None
    with client:
        request = json.dumps(
            {
                "argv0": sys.argv[0],
                "argv": argv,
                "cwd": os.getcwd(),
                "env": dict(os.environ),
                "path": sys.path,
                "package": str(PACKAGE),
                "nice": os.getpriority(os.PRIO_PROCESS, 0),
            }
        ).encode()
        try:
            client.sendmsg(
                [_HEADER.pack(len(request)) + request],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("3i", 0, 1, 2))],
            )
            pid = _PID.unpack(_receive(client, _PID.size))[0]
        except OSError:
            return None  # the command did not start: run it in-process
        except KeyboardInterrupt:  # Ctrl-C while the server was still preloading: the command never started
            print(
                f"interrupted: {command or 'the command'} stopped before it started; no output of it was written",
                file=sys.stderr,
            )
            return 130
        forwarded: list[int] = []

        def forward(signum: int, _frame: object) -> None:
            forwarded.append(signum)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, forward)
        try:
            return _CODE.unpack(_receive(client, _CODE.size))[0]
        except OSError:
            if forwarded:
                return 128 + forwarded[-1]
            print(f"error: the warm worker running `{' '.join(argv)}` ended without an exit code", file=sys.stderr)
            return 1


def _listening(path: Path) -> bool:
    """Whether a server accepts connections at ``path`` (the probe is closed unsent: the server drops it)."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def _connect_when_listening(path: Path, seconds: float = BIND_SECONDS) -> socket.socket | None:
    """A connection to the server that is starting at ``path``, once its socket is in place (``None`` if it is
    not in ``seconds``: the command then runs in-process)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            client.connect(str(path))
            return client
        except OSError:
            client.close()
            time.sleep(0.02)
    return None


def _receive(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed")
        data += chunk
    return data


def start_server(key: str) -> bool:
    """Start a server for ``key`` in its own session, detached from this process's streams, unless one is starting
    (a marker file, removed by the server once it listens; a marker older than ``STARTUP_SECONDS`` is stale): the
    first commands of a parallel build would otherwise each start one, and each preloads for seconds. True if
    this call started it."""
    import subprocess

    marker = starting_marker(key)
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        try:
            fresh = time.time() - marker.stat().st_mtime < STARTUP_SECONDS
        except FileNotFoundError:
            fresh = True  # the server has just started listening
        if fresh:
            return False
        marker.unlink(missing_ok=True)
        return start_server(key)
    if _listening(socket_path(key)):  # a server put its socket in place, then removed its marker, just now
        marker.unlink(missing_ok=True)
        return False
    subprocess.Popen(
        [sys.executable, "-m", "replication.warm", "serve", key],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    return True


def stop_server(key: str | None = None) -> bool:
    """Stop the server of ``key`` (default: this environment's); True if one was listening."""
    path = socket_path(key or server_key())
    if not _listening(path):
        return False
    path.unlink(missing_ok=True)  # the server sees its socket gone and exits once its children are done
    return True


# ----------------------------------------------------------------------------------------------- server


def preload() -> None:
    """Import what the data stages use: :data:`PRELOAD` and the project's command line (missing optional
    libraries are skipped), and initialise pandas' and pyarrow's parquet machinery."""
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in (*PRELOAD, "replication.cli"):
        _import(name)
    warm_up_data()


def later_steps() -> list[Callable[[], None]]:
    """The rest of the preload, one import per step: :data:`PRELOAD_LATER`, a figure drawn in memory, then every
    project module (:data:`NOT_PRELOADED` apart)."""
    import functools

    steps: list[Callable[[], None]] = [functools.partial(_import, name) for name in PRELOAD_LATER]
    steps.append(warm_up_figures)
    return steps + [functools.partial(_import, name) for name in project_modules()]


def project_modules(package: Path = PACKAGE) -> list[str]:
    """The project's module names, from its files (nothing is imported to list them: ``pkgutil.walk_packages``
    imports every subpackage, which here took SciPy's statistics with it, a second before the server served)."""
    names = []
    for path in sorted(package.rglob("*.py")):
        parts = (package.name, *path.relative_to(package).with_suffix("").parts)
        if parts[-1] in NOT_PRELOADED:
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def _import(name: str) -> None:
    """Import ``name``; a module that fails to import (missing, or an edit in progress) is left to the command
    that needs it, which then reports the error as its own process would."""
    import importlib

    with contextlib.suppress(Exception):
        importlib.import_module(name)


def warm_up_data() -> None:
    """Run once, in memory, what every stage's first parquet read would otherwise initialise in each child
    (pandas' and pyarrow's conversion machinery: 0.2 s of a stage's first read). Nothing is written; a failure
    only costs the saving."""
    import io

    with contextlib.suppress(Exception):
        import pandas as pd

        buffer = io.BytesIO()
        frame = pd.DataFrame({"a": [1.0], "b": pd.Categorical(["x"]), "c": ["s"], "d": [1]})
        frame.to_parquet(buffer, index=False, compression="zstd")
        buffer.seek(0)
        pd.read_parquet(buffer)


def warm_up_figures() -> None:
    """Draw a small figure in memory, as :func:`warm_up_data` reads a table: matplotlib's text and PDF font
    set-up (0.1 s of a stage's first figure) is then done once."""
    import io

    with contextlib.suppress(Exception):
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(figsize=(2, 2))
        axes.plot([1, 2], [1, 10], label="x")
        axes.set_yscale("log")
        axes.set_title("t")
        axes.legend()
        for fmt in ("png", "pdf"):
            figure.savefig(io.BytesIO(), format=fmt, dpi=150, bbox_inches="tight")
        plt.close(figure)


def serve(key: str, *, idle: float = IDLE_SECONDS) -> None:
    """Accept commands on ``key``'s socket and fork a child for each; exit after ``idle`` seconds without work.

    The socket is bound under a private name and renamed into place, so a client never connects to a
    half-started server; the server exits when its socket is removed or replaced (``stop_server``).
    """
    path = socket_path(key)
    private = path.with_name(f"{key}.{os.getpid()}.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(private))
    listener.listen(16)
    listener.settimeout(0.5)
    log_path(key).write_text("")
    os.replace(private, path)
    starting_marker(key).unlink(missing_ok=True)
    inode = path.stat().st_ino
    # listening before preloading: the commands that arrive meanwhile wait in the backlog instead of each importing
    # the libraries again, in their own processes, while this one does (their first commands' CPU time, twice over)
    preload()
    steps = later_steps()
    children: dict[int, float] = {}  # pid -> start time
    last_work = time.monotonic()
    try:
        while True:
            # while preload steps remain, a command waiting is served first and each step runs when none is (waiting
            # for a core free of children instead finished the preload 24 s into a 36 s build, so that the stages
            # started meanwhile each imported the libraries themselves; this way it ends about 6 s in)
            step_now = bool(steps)
            conn = _accept(listener, 0.0 if step_now else 0.5)
            _reap(children, key)
            if conn is not None and _closed_unsent(conn):  # a probe (stop_server) or a client gone before it was served
                conn.close()
                conn = None
            if conn is not None:
                last_work = time.monotonic()
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    _child(conn, key)
                conn.close()
                children[pid] = time.monotonic()
                continue
            if step_now:
                steps.pop(0)()
                last_work = time.monotonic()
                if not steps:  # when the later stages' libraries were ready (the log's one line without a pid)
                    with log_path(key).open("a") as log:
                        log.write(json.dumps({"preloaded": time.time()}) + "\n")
                continue
            if children:
                last_work = time.monotonic()
                continue
            try:
                ours = path.stat().st_ino == inode
            except FileNotFoundError:
                ours = False
            if not ours or time.monotonic() - last_work > idle:
                break
    finally:
        listener.close()
        try:
            if path.stat().st_ino == inode:
                path.unlink()
        except FileNotFoundError:
            pass


def _accept(listener: socket.socket, timeout: float) -> socket.socket | None:
    """A connection waiting on ``listener`` within ``timeout`` seconds, or ``None``."""
    if not select.select([listener], [], [], timeout)[0]:
        return None
    try:
        return listener.accept()[0]
    except (BlockingIOError, TimeoutError):  # the client gave up in between
        return None


def _closed_unsent(conn: socket.socket) -> bool:
    """Whether the client closed ``conn`` without sending a request (waits up to a second for the request)."""
    conn.settimeout(1.0)
    try:
        return not conn.recv(1, socket.MSG_PEEK)
    except OSError:
        return True
    finally:
        conn.settimeout(None)


def _reap(children: dict[int, float], key: str) -> None:
    """Collect finished children and log each one's seconds (wall, user and system) and peak resident memory."""
    while children:
        try:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
        except ChildProcessError:
            children.clear()
            return
        if pid == 0:
            return
        started = children.pop(pid, time.monotonic())
        line = {
            "pid": pid,
            "seconds": round(time.monotonic() - started, 3),
            "max_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "user_seconds": round(usage.ru_utime, 3),
            "system_seconds": round(usage.ru_stime, 3),  # page faults of fresh memory count here
            "status": os.waitstatus_to_exitcode(status),
            "end": time.time(),
        }
        with log_path(key).open("a") as log:
            log.write(json.dumps(line) + "\n")


def _child(conn: socket.socket, key: str) -> None:
    """Run one command as ``python -m replication`` would, in the client's folder, environment and streams."""
    code = 1
    try:
        message, ancillary, _, _ = conn.recvmsg(1 << 20, socket.CMSG_SPACE(3 * 4))
        fds = [fd for level, kind, data in ancillary if kind == socket.SCM_RIGHTS for fd in struct.unpack("3i", data)]
        size = _HEADER.unpack(message[: _HEADER.size])[0]
        body = message[_HEADER.size :]
        while len(body) < size:
            body += _receive(conn, size - len(body))
        request = json.loads(body)
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        conn.sendall(_PID.pack(os.getpid()))
        finished = _die_with(conn)
        with log_path(key).open("a") as log:
            started = {"pid": os.getpid(), "argv": request["argv"], "cwd": request["cwd"], "start": time.time()}
            log.write(json.dumps(started) + "\n")
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # read from the environment when an interpreter starts: the client's, not the server's
        sys.dont_write_bytecode = bool(os.environ.get("PYTHONDONTWRITEBYTECODE"))
        # the client's scheduling priority (`nice make ...`, or a stage Make runs niced): raising the nice value is
        # always allowed; lowering it below the server's needs privileges, and without them the server's stays
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, int(request.get("nice", os.getpriority(os.PRIO_PROCESS, 0))))
        sys.path[:] = request["path"]
        sys.argv = [request["argv0"], *request["argv"]]
        if request.get("package") != str(PACKAGE):  # another copy of the project: its code, from the client's path
            for name in [m for m in sys.modules if m == "replication" or m.startswith("replication.")]:
                del sys.modules[name]
        _reopen_streams()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGHUP, signal.SIG_DFL)
        from replication.cli import main

        try:
            code = main(request["argv"])
        except SystemExit as exc:  # argparse errors and --help
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
        except BaseException:  # reported as the process itself would report it
            import traceback

            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        finished.set()
        conn.sendall(_CODE.pack(code))
    finally:
        os._exit(0)


def _reopen_streams() -> None:
    """Python-level stdin/stdout/stderr on the client's descriptors, buffered as in a fresh process."""
    stdout_tty = os.isatty(1)
    sys.stdin = open(0, closefd=False, encoding="utf-8")  # noqa: SIM115
    sys.stdout = open(1, "w", buffering=1 if stdout_tty else -1, closefd=False, encoding="utf-8")  # noqa: SIM115
    sys.stderr = open(2, "w", buffering=1, closefd=False, encoding="utf-8", errors="backslashreplace")  # noqa: SIM115


def _die_with(conn: socket.socket) -> threading.Event:
    """Kill this child if its client goes away before the command has finished; set the event when it has."""
    finished = threading.Event()

    def watch() -> None:
        try:
            data = conn.recv(1)
        except OSError:
            data = b""
        if not data and not finished.is_set():
            os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, daemon=True).start()
    return finished


def main(argv: list[str]) -> int:
    """``python -m replication.warm serve KEY | stop [--all] | status``."""
    if argv[:1] == ["serve"] and len(argv) == 2:
        serve(argv[1])
        return 0
    if argv == ["stop"]:
        print("stopped" if stop_server() else "no warm server for this environment")
        return 0
    if argv == ["stop", "--all"]:  # every environment's server (each exits once its running commands are done)
        stopped = [path.stem for path in sorted(directory().glob("*.sock")) if stop_server(path.stem)]
        print(f"stopped {len(stopped)} warm server(s)")
        return 0
    if argv == ["status"]:
        path = socket_path(server_key())
        print(f"{path}: {'listening' if path.exists() else 'no server'}")
        return 0
    print("usage: python -m replication.warm serve KEY | stop [--all] | status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
