"""The pipeline's graph drawn from the task registry: ``python -m replication pipeline-graph`` (docs/pipeline.svg).

Nodes are the tasks pytask collects for the default run, coloured by the stage folder of their ``task_*.py``
module; an edge ``a -> b`` means that task ``b`` declares a file task ``a`` produces as a dependency (code
dependencies are not drawn: every task depends on its stage's modules). A task's column is the length of the
longest path that leads to it, so the figure reads left to right in the order the build can run the tasks.
The outputs manifest, which depends on every output, is drawn last without its edges. ``make lint`` checks that
the committed figure is the one the registry draws.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from pathlib import Path

from replication.core import config

#: the stage folders in the order of the flow, each with its colour
STAGES = {
    "inputs": "#d9e7f5",
    "measures": "#dcefd9",
    "panels": "#f6ecd2",
    "specs": "#f3d9d9",
    "analysis": "#e6dcf2",
    "claims": "#f9e0c7",
    "exports": "#eef2d0",
    "report": "#d5eeee",
    "pipeline": "#e3e3e3",
}
FIGURE = Path("docs") / "pipeline.svg"


@dataclass(frozen=True)
class TaskGraph:
    """Tasks (short name -> stage folder) and the edges between them (producer, consumer)."""

    stages: dict[str, str]
    edges: frozenset[tuple[str, str]]
    manifest: str | None

    def columns(self) -> dict[str, int]:
        """The longest-path depth of every task (0: reads only raw data and configuration)."""
        parents: dict[str, set[str]] = {name: set() for name in self.stages}
        for a, b in self.edges:
            parents[b].add(a)
        depth: dict[str, int] = {}

        def visit(name: str) -> int:
            if name not in depth:
                depth[name] = 1 + max((visit(p) for p in parents[name]), default=-1)
            return depth[name]

        for name in sorted(self.stages):
            visit(name)
        if self.manifest is not None:
            depth[self.manifest] = max(depth.values(), default=0) + 1
        return depth


def collect() -> TaskGraph:
    """The default run's tasks and edges, from a pytask dry run (nothing executed or written but its state)."""
    import pytask

    package = config.project_root() / "replication"
    with contextlib.redirect_stdout(io.StringIO()):  # pytask's session header and summary
        session = pytask.build(paths=[package], dry_run=True, verbose=0)
    if int(session.exit_code) != 0:
        raise RuntimeError("pytask could not collect the tasks of the default run")
    return from_session(session)


def from_session(session) -> TaskGraph:
    """The graph of a collected pytask session."""
    from pytask import PathNode, tree_util

    from replication.pipeline.hooks import MANIFEST_TASK

    producer: dict[Path, str] = {}
    stages: dict[str, str] = {}
    manifest = None
    for task in session.tasks:
        name = task.name.split("::", 1)[-1].removeprefix("task_")
        if task.name.endswith(MANIFEST_TASK):
            manifest = name
        stages[name] = Path(task.path).parent.name
        for node in tree_util.tree_leaves(task.produces):
            if isinstance(node, PathNode):
                producer[Path(node.path)] = name
    edges = set()
    for task in session.tasks:
        name = task.name.split("::", 1)[-1].removeprefix("task_")
        if name == manifest:
            continue
        inputs = {k: v for k, v in task.depends_on.items() if k != "code"}
        for node in tree_util.tree_leaves(inputs):
            if isinstance(node, PathNode) and (source := producer.get(Path(node.path))) and source != name:
                edges.add((source, name))
    return TaskGraph(stages=stages, edges=frozenset(edges), manifest=manifest)


def _rows(graph: TaskGraph) -> dict[int, list[str]]:
    """The tasks of each column, top to bottom: the first column by stage and name, each next one by the mean row
    of its producers (the barycentre heuristic, which keeps arrows short and crossings few)."""
    columns = graph.columns()
    order = list(STAGES)
    parents: dict[str, list[str]] = {name: [] for name in columns}
    for a, b in graph.edges:
        parents[b].append(a)
    by_column: dict[int, list[str]] = {}
    row: dict[str, float] = {}
    for column in sorted(set(columns.values())):
        names = [n for n in columns if columns[n] == column]

        def key(name: str) -> tuple[float, int, str]:
            rows = [row[p] for p in parents[name] if p in row]
            stage = order.index(graph.stages[name]) if graph.stages[name] in order else len(order)
            return (sum(rows) / len(rows) if rows else 0.0, stage, name)

        by_column[column] = sorted(names, key=key)
        top = -len(names) / 2
        row.update({name: top + i for i, name in enumerate(by_column[column])})
    return by_column


def draw(graph: TaskGraph, path: Path) -> Path:
    """The graph as a deterministic SVG (text kept as text, fixed hash salt, no date)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

    by_column = _rows(graph)
    height = max(len(v) for v in by_column.values())
    width, box_w, box_h = len(by_column), 2.05, 0.55
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": "offshoring-be", "font.size": 6.5}):
        fig, ax = plt.subplots(figsize=(width * 2.4 + 0.4, height * 0.72 + 1.2))
        position = {}
        for column, names in by_column.items():
            top = (height - len(names)) / 2
            for row, name in enumerate(names):
                x, y = column * 2.4, -(top + row) * 0.72
                position[name] = (x, y)
                ax.add_patch(
                    FancyBboxPatch(
                        (x - box_w / 2, y - box_h / 2),
                        box_w,
                        box_h,
                        boxstyle="round,pad=0.02",
                        facecolor=STAGES.get(graph.stages[name], "#ffffff"),
                        edgecolor="#555555",
                        linewidth=0.6,
                        zorder=2,
                    )
                )
                label = name.replace("[", "\n[", 1) if len(name) > 26 else name
                if name == graph.manifest:
                    label += "\n(reads every output)"
                ax.text(x, y, label, ha="center", va="center", zorder=3)
        for a, b in sorted(graph.edges):
            (x0, y0), (x1, y1) = position[a], position[b]
            ax.add_patch(
                FancyArrowPatch(
                    (x0 + box_w / 2, y0),
                    (x1 - box_w / 2, y1),
                    arrowstyle="-|>",
                    mutation_scale=6,
                    linewidth=0.45,
                    color="#777777",
                    shrinkA=1,
                    shrinkB=1,
                    zorder=1,
                )
            )
        ax.set_xlim(-box_w / 2 - 0.2, (width - 1) * 2.4 + box_w / 2 + 0.2)
        ax.set_ylim(-(height - 1) * 0.72 - box_h, box_h + 0.1)
        ax.axis("off")
        present = [s for s in STAGES if s in set(graph.stages.values())]
        ax.legend(
            handles=[Patch(facecolor=STAGES[s], edgecolor="#555555", label=s) for s in present],
            loc="upper center",
            bbox_to_anchor=(0.5, 1.0 + 0.9 / (height * 0.72 + 1.2)),
            ncol=len(present),
            frameon=False,
            title="stage folder (replication/<stage>/task_*.py); an arrow: a file one task writes and the next reads",
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="svg", metadata={"Date": None}, bbox_inches="tight")
        plt.close(fig)
    return path
