"""Command-line interface: ``python -m replication <command>`` (Make calls these; see ``--help``).

Every command exits 0 on success and 2 with a one-line reason on a user-fixable error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from replication import __version__
from replication.core import config
from replication.core.errors import ReplicationError, os_error_line


def _cmd_build(args: argparse.Namespace) -> int:
    from replication.pipeline.build import build

    return build(args.vintage, args.country, jobs=args.jobs, strict=args.strict, dry_run=args.dry_run, quiet=args.quiet)


def _cmd_data(args: argparse.Namespace) -> None:
    from replication.inputs.raw_files import fetch

    fetch(args.datasets or None, progress=not args.quiet)


def _cmd_vintages(args: argparse.Namespace) -> None:
    from replication.inputs.vintages import list_vintages, load_vintage

    for name in list_vintages():
        print(f"{name:<20} {load_vintage(name).description}")


def _cmd_tidy(args: argparse.Namespace) -> None:
    from replication.inputs.tidy import build_tidy

    record = build_tidy(args.vintage)
    if not args.quiet:
        tables = ", ".join(f"{t} {record[t]['rows']:,} rows" for t in ("io_use", "accounts") if t in record)
        print(f"tidy {args.vintage}: {tables} -> data/interim/{args.vintage}/")


def _cmd_offshoring(args: argparse.Namespace) -> None:
    from replication.measures.offshoring import build_offshoring

    frame = build_offshoring(args.vintage)
    if not args.quiet:
        print(f"offshoring {args.vintage}: {len(frame):,} rows for {frame['country'].nunique()} countries")


def _layout(args: argparse.Namespace):
    from replication.core.layout import Layout

    return Layout(getattr(args, "vintage", config.DEFAULT_VINTAGE), getattr(args, "country", config.DEFAULT_COUNTRY))


def _cmd_tables(args: argparse.Namespace) -> None:
    from replication.analysis.table1 import write_offshoring_csv, write_table1_comparison

    write_offshoring_csv(args.vintage, args.country)
    comparison = write_table1_comparison(args.vintage, args.country)
    if not args.quiet:
        extra = "" if comparison is None else " and the Table 1 comparison"
        print(f"tables {args.vintage}/{args.country}: offshoring CSV{extra} written")


def _cmd_table1(args: argparse.Namespace) -> None:
    from replication.report.offshoring_tables import write_table1

    rendered = write_table1(args.vintage, args.country)
    if not args.quiet:
        what = "rendered (Markdown, LaTeX)" if rendered is not None else "not published for this country"
        print(f"table 1 {args.vintage}/{args.country}: {what}")


def _cmd_figures(args: argparse.Namespace) -> None:
    from replication.report.figures import write_figures

    written = write_figures(_layout(args))
    if not args.quiet:
        print(f"figures {args.vintage}/{args.country}: {len(written)} files written")


def _cmd_estimate(args: argparse.Namespace) -> None:
    from pathlib import Path

    from replication.specs.estimate import spec_files, write_estimates
    from replication.specs.spec import load_spec, run_spec

    if args.out:  # one spec's main model as a Results JSON, printed
        if len(args.specs) != 1:
            raise ReplicationError("--out needs exactly one spec file")
        try:
            result = run_spec(load_spec(args.specs[0]), layout=_layout(args), country=args.country)
        except ReplicationError as exc:  # every error names the spec file
            if args.specs[0] in str(exc):
                raise
            raise ReplicationError(f"{args.specs[0]}: {exc}") from exc
        result.to_json(args.out)
        if not args.quiet:
            print(result.summary())
            print(f"N = {result.nobs}, cov_type = {result.cov_type} -> {args.out}")
        return
    paths = [Path(p) for p in args.specs] or spec_files("belgium")
    for path in paths:
        for out in write_estimates(path, _layout(args), strict=args.strict):
            if not args.quiet:
                print(f"estimate {path.name} -> {_layout(args).relative(out)}")


def _cmd_regression_tables(args: argparse.Namespace) -> None:
    from pathlib import Path

    from replication.report.regression_tables import write_regression_table
    from replication.specs.estimate import spec_files

    paths = [Path(p) for p in args.specs] or spec_files("belgium")
    for path in paths:
        for out in write_regression_table(path, _layout(args)):
            if not args.quiet:
                print(f"regression table {path.name} -> {_layout(args).relative(out)}")


def _cmd_panel(args: argparse.Namespace) -> None:
    from replication.panels.panel import build_panel

    panel = build_panel(args.vintage)
    if not args.quiet:
        print(f"panel {args.vintage}: {len(panel):,} rows, {panel['country'].nunique()} countries")


def _cmd_panel_io(args: argparse.Namespace) -> None:
    from replication.panels.panel import build_panel_io

    frame = build_panel_io(args.vintage)
    if not args.quiet:
        print(f"panel io {args.vintage}: {len(frame):,} country-industry-years")


def _cmd_analysis(args: argparse.Namespace) -> None:
    from replication.analysis.tables import write_analysis

    tables = write_analysis(_layout(args))
    if not args.quiet:
        print(f"analysis {args.vintage}/{args.country}: {len(tables)} tables")


def _cmd_claims(args: argparse.Namespace) -> None:
    from replication.claims.engine import write_claims

    claims = write_claims(_layout(args))
    if not args.quiet:
        counts = claims["verdict"].value_counts().to_dict()
        print(f"claims {args.vintage}/{args.country}: {len(claims)} claims {counts}")


def _cmd_coefficient_figure(args: argparse.Namespace) -> None:
    from replication.report.coefficients import coefficient_plot

    layout = _layout(args)
    written = coefficient_plot(layout)
    if not args.quiet:
        print(f"coefficient figure -> {', '.join(layout.relative(path) for path in written)}")


def _cmd_report(args: argparse.Namespace) -> None:
    from replication.report.document import write_report_stage

    layout = _layout(args)
    figure = layout.coefficient_figure.with_suffix(".png")
    if not figure.exists():
        raise ReplicationError(f"{layout.relative(figure)}: not built; run `make all`")
    written = write_report_stage(layout)
    if not args.quiet:
        print(f"report -> {layout.relative(written[0])} and {layout.relative(written[1])}")


def _cmd_skill_panel(args: argparse.Namespace) -> None:
    from replication.panels.skill_panel import build_skill_panel

    panel = build_skill_panel()
    if not args.quiet:
        print(f"skill panel: {len(panel):,} rows, {panel['country'].nunique()} countries")


def _cmd_skill_selection(args: argparse.Namespace) -> None:
    from replication.panels.skill_selection import build_selection

    table = build_selection()
    if not args.quiet:
        for sector, part in table.groupby("sector", sort=False):
            print(f"skill selection, {sector}: in {sorted(part.loc[part['selected'], 'country'])}")


def _cmd_skill_analysis(args: argparse.Namespace) -> None:
    from replication.analysis.skill_analysis import write_skill_analysis

    tables = write_skill_analysis()
    if not args.quiet:
        print(f"skill analysis: {len(tables)} tables -> outputs/skills/")


def _cmd_scenarios(args: argparse.Namespace) -> None:
    from pathlib import Path

    from replication.analysis.tradeoff import run_tradeoff, tradeoff_dir
    from replication.report.frontier import frontier_figure, load

    out_dir = Path(args.out) if args.out else tradeoff_dir()
    paths = [Path(p) for p in args.files] if args.files else None
    run_tradeoff(paths, out_dir=out_dir)
    written = frontier_figure(load(out_dir), out_dir / "frontier")
    if not args.quiet:
        print(
            f"scenarios: history and {len(paths) if paths else 'the shipped'} scenario(s) -> {out_dir}/ "
            f"(tables and {written[-1].name})"
        )


def _cmd_spec_docs(args: argparse.Namespace) -> None:
    from replication.core.config_schemas import docs_tables
    from replication.specs.schema import BEGIN, END, docs_with_tables, with_block

    documents = {
        "specs.md": ("replication/specs/schema.py", docs_with_tables),
        "config.md": ("replication/core/config_schemas.py", lambda text: with_block(text, docs_tables(), BEGIN, END)),
    }
    for name, (source, fresh_of) in documents.items():
        path = config.project_root() / "docs" / name
        text = path.read_text(encoding="utf-8")
        fresh = fresh_of(text)
        if args.write:
            path.write_text(fresh, encoding="utf-8")
        elif fresh != text:
            raise ReplicationError(
                f"docs/{name}: the key tables differ from {source}; run `python -m replication spec-docs --write`"
            )
        if not args.quiet:
            print(f"docs/{name} key tables " + ("written" if args.write else "are current"))


def _cmd_pipeline_graph(args: argparse.Namespace) -> None:
    import tempfile
    from pathlib import Path

    from replication.pipeline.graph import FIGURE, collect, draw

    path = config.project_root() / FIGURE
    if args.write:
        draw(collect(), path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            fresh = draw(collect(), Path(tmp) / FIGURE.name).read_bytes()
        if not path.is_file() or path.read_bytes() != fresh:
            raise ReplicationError(
                f"{FIGURE}: not the graph of the current tasks; run `python -m replication pipeline-graph --write`"
            )
    if not args.quiet:
        print(f"{FIGURE} " + ("written" if args.write else "is current"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m replication",
        description=(
            "Replication of the Belgian offshoring studies on public data. Stages: data -> tidy -> "
            "offshoring -> tables/figures. `make all` runs them incrementally."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    common = argparse.ArgumentParser(add_help=False)  # --quiet also after the command
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS, help="no progress output")
    vintage = argparse.ArgumentParser(add_help=False)
    vintage.add_argument(
        "--vintage",
        default=config.DEFAULT_VINTAGE,
        help=f"data vintage of config/vintages.toml (default {config.DEFAULT_VINTAGE})",
    )
    country = argparse.ArgumentParser(add_help=False)
    country.add_argument(
        "--country",
        default=config.DEFAULT_COUNTRY,
        help=f"ISO3 code of the home country (default {config.DEFAULT_COUNTRY})",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands: list[tuple[str, str, list, Callable]] = [
        (
            "build",
            "build every out-of-date output of a run with pytask (what `make all` calls)",
            [common, vintage, country],
            _cmd_build,
        ),
        ("data", "fetch and verify raw files (from $REPLICATION_MIRROR or the manifest URLs)", [common], _cmd_data),
        ("vintages", "list the configured data vintages", [common], _cmd_vintages),
        ("tidy", "parse a vintage's raw files into validated tidy tables", [common, vintage], _cmd_tidy),
        ("offshoring", "compute om/os intensities for every country of a vintage", [common, vintage], _cmd_offshoring),
        (
            "tables",
            "write the offshoring CSV and the Table 1 comparison (CSV)",
            [common, vintage, country],
            _cmd_tables,
        ),
        ("table1", "render the Table 1 comparison (Markdown, LaTeX)", [common, vintage, country], _cmd_table1),
        ("figures", "write the offshoring figures", [common, vintage, country], _cmd_figures),
        (
            "coefficient-figure",
            "draw the offshoring coefficients by origin from the run's estimates",
            [common, vintage, country],
            _cmd_coefficient_figure,
        ),
        (
            "panel-io",
            "the estimation panel's aggregates of a vintage's IO table (constant-price offshoring, input totals, "
            "domestic flows)",
            [common, vintage],
            _cmd_panel_io,
        ),
        ("panel", "build the estimation panel of a vintage", [common, vintage], _cmd_panel),
        (
            "estimate",
            "estimate spec files (default: estimations/belgium/*.toml) -> estimates JSON of the run's layout",
            [common, vintage, country],
            _cmd_estimate,
        ),
        (
            "regression-tables",
            "regression tables (Markdown, LaTeX, CSV) of spec files from their estimates JSON",
            [common, vintage, country],
            _cmd_regression_tables,
        ),
        (
            "analysis",
            "decompositions, identifying variation, sample coverage and measured data notes",
            [common, vintage, country],
            _cmd_analysis,
        ),
        ("claims", "every verdict: claims.csv from config/claims.toml", [common, vintage, country], _cmd_claims),
        (
            "report",
            "rendered analysis tables, the report (HTML, Markdown) and the run's MANIFEST",
            [common, vintage, country],
            _cmd_report,
        ),
        ("skill-panel", "build the cross-country skill panel (EU KLEMS + WIOD offshoring)", [common], _cmd_skill_panel),
        ("skill-selection", "the country rule and the skill estimation panel", [common], _cmd_skill_selection),
        (
            "skill-analysis",
            "tests, falsification, ICT moderation, decomposition of the skill channel",
            [common],
            _cmd_skill_analysis,
        ),
        (
            "spec-docs",
            "check (or --write) the key tables of docs/specs.md and docs/config.md against their schemas",
            [common],
            _cmd_spec_docs,
        ),
        (
            "pipeline-graph",
            "check (or --write) docs/pipeline.svg, the graph of the pipeline's tasks",
            [common],
            _cmd_pipeline_graph,
        ),
        (
            "scenarios",
            "productivity versus inclusion: the historical account and scenarios (docs/scenarios.md)",
            [common],
            _cmd_scenarios,
        ),
    ]
    for name, help_text, parents, func in commands:
        cmd = sub.add_parser(name, help=help_text, description=help_text, parents=parents)
        if name == "build":
            cmd.add_argument(
                "--jobs",
                type=int,
                default=1,
                help="tasks run side by side (default 1: faster here, benchmarks/README.md)",
            )
            cmd.add_argument("--strict", action="store_true", help="a variant the data cannot identify stops the run")
            cmd.add_argument("--dry-run", action="store_true", help="list what would run, run nothing")
        if name == "data":
            cmd.add_argument("datasets", nargs="*", help="datasets of data/manifest.toml (default: all)")
        if name in ("estimate", "regression-tables"):
            cmd.add_argument("specs", nargs="*", help="spec files (default: estimations/belgium/*.toml)")
        if name == "scenarios":
            cmd.add_argument("files", nargs="*", help="scenario files (default: scenarios/*.toml)")
            cmd.add_argument("--out", help="output folder (default: outputs/tradeoff)")
        if name == "spec-docs":
            cmd.add_argument("--write", action="store_true", help="rewrite the generated block of docs/specs.md")
        if name == "pipeline-graph":
            cmd.add_argument("--write", action="store_true", help="redraw docs/pipeline.svg")
        if name == "estimate":
            cmd.add_argument("--out", help="with one spec: write its main model (full precision JSON) to this file")
            cmd.add_argument(
                "--strict", action="store_true", help="a variant the data cannot identify is an error, not a record"
            )
        cmd.set_defaults(func=func)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quiet:
        os.environ["REPLICATION_QUIET"] = "1"
    try:
        if args.command == "build":  # pytask runs each task staged (pipeline/code_deps.py)
            code = args.func(args)
        else:  # one stage by hand: all of its files change, or none
            from replication.core.fileio import staged

            with staged():
                code = args.func(args)
    except ReplicationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as exc:  # no space, read-only, permission: the path and the cause, in one line
        print(f"error: {os_error_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # files are written atomically: nothing half-written is left behind
        print(f"interrupted: {args.command} stopped; no output of it was half-written", file=sys.stderr)
        return 130
    return code if isinstance(code, int) else 0
