"""The ``rcml graph`` command (part of the CLI: it may import click, print and exit)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from rcml._cli_options import profile_option, url_option

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

FORMATS = ("mermaid", "dot", "svg", "png")
_SUFFIXES = {".mmd": "mermaid", ".mermaid": "mermaid", ".dot": "dot", ".gv": "dot"}


def _scripts(callers: tuple[str, ...]) -> list[Path]:
    found: list[Path] = []
    for raw in callers:
        path = Path(raw)
        if path.is_dir():
            scripts = sorted(path.glob("*.toml"))
            if not scripts:
                raise click.UsageError(f"--caller {raw}: no caller script (*.toml) in the folder")
            found.extend(scripts)
        elif path.is_file():
            found.append(path)
        else:
            raise click.UsageError(f"--caller {raw}: no such file or folder")
    return found


def _is_document(target: str) -> bool:
    path = Path(target)
    return path.is_file() and not target.endswith(".py")


@click.command()
@click.argument("target")
@click.option(
    "--caller",
    "callers",
    multiple=True,
    metavar="FILE_OR_DIR",
    help="A caller script, or a folder of them (*.toml); repeatable. One rehearsal each.",
)
@url_option
@profile_option
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS),
    help="Output format [default: from -o's extension, else mermaid]; svg and png need Graphviz.",
)
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False), help="Write here instead of standard output."
)
def graph(
    target: str,
    callers: tuple[str, ...],
    url: str | None,
    profile: str,
    fmt: str | None,
    output: str | None,
) -> None:
    """Draw the call flow of TARGET: documents as nodes, the ways between them as edges.

    Each caller script is rehearsed against TARGET (an http(s) URL, a local RCML file or
    a WSGI/ASGI app, as for rcml rehearse) and adds the path its call took, each edge
    labelled with the input that took it. A local RCML file also adds what its documents
    can do: their actions and redirects, followed through sibling files. Exit 0 when the
    graph is written, 1 when it cannot be rendered, 2 on bad input.
    """
    from rcml._rehearse import ScriptError, TargetError, load_script
    from rcml._rehearse import rehearse as run
    from rcml._report import GraphError, build_graph

    if fmt is None:
        suffix = Path(output).suffix.lower() if output else ""
        fmt = _SUFFIXES.get(suffix) or (suffix[1:] if suffix[1:] in FORMATS else "mermaid")
    scripts = _scripts(callers)
    static = _is_document(target)
    rehearsals = []
    # An app or a URL has no documents to read: rehearse at least the default caller.
    runs: list[Path | None] = [*scripts] or ([] if static else [None])
    try:
        for script in runs:
            caller = load_script(script) if script is not None else None
            result = run(target, caller, url=url, profile=profile)
            if not result.ok:
                name = script or "the default caller"
                click.echo(f"rcml graph: {name}: {result.problems[0]}", err=True)
            rehearsals.append(result)
        flow = build_graph(rehearsals, [target] if static else [])
    except (ScriptError, TargetError) as exc:
        click.echo(f"rcml graph: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except GraphError as exc:
        click.echo(f"rcml graph: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    try:
        data = (
            flow.render("svg" if fmt == "svg" else "png")
            if fmt in ("svg", "png")
            else (flow.to_dot() if fmt == "dot" else flow.to_mermaid()).encode()
        )
    except GraphError as exc:
        click.echo(f"rcml graph: {exc}", err=True)
        sys.exit(EXIT_FAILED)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        sys.exit(EXIT_OK)
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        click.echo(f"rcml graph: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
