r"""The code a task runs: every project module its stage module imports, directly or not (the import graph).

A task depends on the files of the modules in the transitive closure of its stage modules' imports, read from
the source (``import`` and ``from ... import`` statements anywhere in a module, functions included, and
``importlib.import_module`` on a ``replication.`` prefix, which stands for every module of that package). An
edit to a module therefore reruns exactly the tasks whose stage imports it. Only the standard library is used.

Notes
-----
With :math:`E` the edges *module imports module* and :math:`S` a task's stage modules, the task's code is

.. math:: C(S) = \{\,m : s \to^{*} m,\ s \in S\,\} \cup \{\text{the packages' } \texttt{__init__} \text{ on the way}\}
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
NAME = PACKAGE.name


def module_name(path: Path) -> str:
    """``replication/a/b.py`` -> ``replication.a.b`` (a package's ``__init__.py`` -> the package)."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (task modules included)."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _dynamic_prefixes(tree: ast.AST) -> set[str]:
    """``import_module(f"replication.x.{name}")``: the package ``replication.x`` whose modules may be imported."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module":
            arg = node.args[0] if node.args else None
            text = None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                text = arg.value
            elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
                text = str(arg.values[0].value)
            if text and text.startswith(NAME + "."):
                out.add(text.rstrip(".").rsplit(".", 1)[0] if not text.endswith(".") else text.rstrip("."))
    return out


@functools.cache
def import_graph() -> dict[str, frozenset[str]]:
    """``{module: the project modules it imports}`` (also inside functions; a package import names the package)."""
    known = modules()
    graph: dict[str, frozenset[str]] = {}
    for name, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                if node.module == NAME or node.module.startswith(NAME + "."):
                    for alias in node.names:
                        target = f"{node.module}.{alias.name}"
                        edges.add(target if target in known else node.module)
            elif isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name == NAME or a.name.startswith(NAME + ".")}
        for prefix in _dynamic_prefixes(tree):
            edges |= {m for m in known if m.startswith(prefix + ".")}
        graph[name] = frozenset(e for e in edges if e in known and e != name)
    return graph


def _with_parents(name: str) -> set[str]:
    """A module and the packages that hold it (importing ``a.b.c`` runs ``a/__init__`` and ``a/b/__init__``)."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)}


def closure(*names: str) -> set[str]:
    """The modules ``names`` import, directly or not, themselves and their packages included."""
    graph, known = import_graph(), modules()
    for name in names:
        if name not in known:
            raise KeyError(f"{name}: not a module of {NAME}")
    seen: set[str] = set()
    todo = [m for n in names for m in _with_parents(n)]
    while todo:
        name = todo.pop()
        if name in seen or name not in known:
            continue
        seen.add(name)
        for target in graph[name]:
            todo.extend(_with_parents(target))
    return seen


def code_files(*names: str) -> list[Path]:
    """The source files a task that runs ``names`` depends on, sorted (a task's ``code`` dependency)."""
    known = modules()
    return sorted(known[m] for m in closure(*names))


class Stage:
    """A stage function a task calls, named by module and function, with the code it depends on.

    The module is imported when the task runs (in pytask's worker), not when pytask collects the tasks, so a
    no-op build imports no estimation library. Every ``Stage`` is kept in :data:`STAGES` (the tests check that
    its ``code`` covers what importing its module really imports).
    """

    def __init__(self, module: str, function: str) -> None:
        self.module, self.function = module, function
        self.code = code_files(module)
        STAGES.append(self)

    def __call__(self, *args, **kwargs):
        """Run the stage staged (:func:`replication.core.fileio.staged`): all of its files change, or none."""
        import importlib

        from replication.core.fileio import staged

        with staged():
            return getattr(importlib.import_module(self.module), self.function)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Stage({self.module}.{self.function})"


STAGES: list[Stage] = []


def stage_for(code: list[Path]) -> Stage | None:
    """The stage whose code a task declared (stages of one module share their code, and so their module)."""
    code = sorted(code)
    return next((stage for stage in STAGES if stage.code == code), None)
