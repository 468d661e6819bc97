"""The ``rcml`` command. The only module that imports click, prints or exits."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, NoReturn

import click

import rcml
from rcml._exceptions import DocumentError, RCMLError, SchemaError

# Exit codes: one meaning each.
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug of ours, reported in one line


class _Group(click.Group):
    """A group whose larger commands are imported when they are run (or listed, by
    --help): ``rcml lint`` need not import what ``rcml rehearse`` needs."""

    #: Command name -> (module, attribute).
    LAZY: ClassVar[dict[str, tuple[str, str]]] = {
        "lint": ("rcml._cli_lint", "lint"),
        "rehearse": ("rcml._cli_rehearse", "rehearse"),
        "graph": ("rcml._cli_graph", "graph"),
        "serve": ("rcml._cli_serve", "serve"),
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.LAZY:
            import importlib

            module, attribute = self.LAZY[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(rcml.__version__, prog_name="rcml")
def cli() -> None:
    """Parse, validate, build, lint and rehearse RCML call-control documents."""


#: Whether this process is the ``rcml`` command itself (main() runs it), rather than a
#: test running a command in-process: see finish().
_ENTRY = False


def finish(code: int) -> NoReturn:
    """End the command with the exit status ``code``.

    In the ``rcml`` process itself, once its output is flushed, without tearing the
    interpreter down: a run over thousands of files spent tens of milliseconds freeing
    what it had built, which nobody needs freed. (Only for commands whose files are all
    written and closed by then.)
    """
    if _ENTRY:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def main(args: list[str] | None = None, prog_name: str = "rcml") -> None:
    """Entry point: run the CLI; never let a traceback reach the user."""
    global _ENTRY
    _ENTRY = True
    try:
        cli.main(args=args, prog_name=prog_name)
    except (KeyboardInterrupt, BrokenPipeError):
        sys.exit(130)
    except Exception as exc:  # the last line of defence; click handles the rest
        click.echo(
            f"rcml: internal error: {type(exc).__name__}: {exc} (please report it)", err=True
        )
        sys.exit(EXIT_INTERNAL)


def _iter_paths(paths: tuple[str, ...]) -> Iterator[tuple[str, Path | None]]:
    """(display name, path) for each document; ``None`` path means stdin."""
    for raw in paths:
        if raw == "-":
            yield "<stdin>", None
            continue
        path = Path(raw)
        if path.is_dir():
            found: list[Path] = []
            # followlinks=False: a symlink loop cannot trap the walk.
            for folder, dirs, files in os.walk(path, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(folder) / f for f in files if f.endswith(".xml"))
            yield from ((str(p), p) for p in sorted(found))
        else:
            yield raw, path


def _problem(severity: str, line: int, column: int, message: str, **extra: Any) -> dict[str, Any]:
    return {"severity": severity, "line": line, "column": column, "message": message, **extra}


def _check(data: bytes, lenient: bool, max_size: int) -> list[dict[str, Any]]:
    try:
        document = rcml.parse(data, strict=not lenient, max_size=max_size)
    except SchemaError as exc:
        return [
            _problem(
                "error",
                v.line,
                v.column,
                v.message,
                kind=v.kind,
                path=v.path,
                expected=list(v.expected),
            )
            for v in exc.violations
        ]
    except DocumentError as exc:
        return [_problem("error", exc.line, exc.column, exc.message, kind=type(exc).__name__)]
    return [
        _problem("warning", w.line, w.column, w.message, kind=w.kind) for w in document.warnings
    ]


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--lenient",
    is_flag=True,
    help="Accept what RestComm itself accepts; report its tolerances as warnings.",
)
@click.option(
    "--max-size",
    type=click.IntRange(min=1),
    default=rcml.DEFAULT_MAX_SIZE,
    show_default=True,
    help="Largest document accepted, in bytes.",
)
@click.option("--quiet", "-q", is_flag=True, help="No summary line.")
def validate(paths: tuple[str, ...], fmt: str, lenient: bool, max_size: int, quiet: bool) -> None:
    """Validate RCML documents against the schema.

    PATHS are files, directories (every *.xml below them) or - for standard input.
    Prints one "file:line:col: message" line per problem. Exit status: 0 when every
    document is valid, 1 when any is not, 2 on a usage error (such as a missing file).
    """
    results: list[dict[str, Any]] = []
    unreadable = False
    for name, path in _iter_paths(paths):
        try:
            data = sys.stdin.buffer.read(max_size + 1) if path is None else _read(path, max_size)
        except OSError as exc:
            click.echo(f"rcml: {name}: cannot read: {exc.strerror or exc}", err=True)
            unreadable = True
            continue
        problems = _check(data, lenient, max_size)
        valid = not any(p["severity"] == "error" for p in problems)
        results.append({"file": name, "valid": valid, "problems": problems})
    invalid = sum(not r["valid"] for r in results)
    if fmt == "json":
        import json

        click.echo(json.dumps(results, indent=2))
    else:
        for result in results:
            for p in result["problems"]:
                label = "" if p["severity"] == "error" else "warning: "
                click.echo(f"{result['file']}:{p['line']}:{p['column']}: {label}{p['message']}")
        if not quiet and results:
            total = len(results)
            summary = (
                f"{total} document{'s' if total != 1 else ''} valid"
                if not invalid
                else f"{invalid} of {total} document{'s' if total != 1 else ''} invalid"
            )
            click.echo(summary, err=True)
    if unreadable:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_INVALID if invalid else EXIT_OK)


def _read(path: Path, max_size: int) -> bytes:
    # Read one byte past the limit: enough to report "too large" without loading 50 MB.
    with path.open("rb") as handle:
        return handle.read(max_size + 1)


def _parse_one(path: str, lenient: bool) -> rcml.Document:
    """Read PATH (or stdin for -) and parse it; on failure, say why in one line and exit."""
    limit = rcml.DEFAULT_MAX_SIZE
    try:
        data = sys.stdin.buffer.read(limit + 1) if path == "-" else _read(Path(path), limit)
    except OSError as exc:
        raise click.UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return rcml.parse(data, strict=not lenient)
    except RCMLError as exc:
        click.echo(f"rcml: {path}: {exc}", err=True)
        sys.exit(EXIT_INVALID)


@cli.command("format")
@click.argument("path")
@click.option("--pretty/--compact", default=True, show_default=True)
@click.option("--lenient", is_flag=True, help="Parse as RestComm does, then write canonical RCML.")
def format_(path: str, pretty: bool, lenient: bool) -> None:
    """Print a document in canonical form (PATH or - for standard input)."""
    document = _parse_one(path, lenient)
    for w in document.warnings:
        click.echo(f"{path}:{w.line}:{w.column}: warning: {w.message}", err=True)
    click.echo(rcml.dumps(document, pretty=pretty), nl=not pretty)


@cli.command()
@click.argument("path")
@click.option("--lenient", is_flag=True, help="Parse as RestComm does.")
def ast(path: str, lenient: bool) -> None:
    """Print the typed AST of a document as JSON (PATH or - for standard input)."""
    document = _parse_one(path, lenient)
    import json

    click.echo(json.dumps(_to_json(document), indent=2, ensure_ascii=False))


@cli.command()
@click.argument("template", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--context",
    "context_file",
    type=click.File("r", encoding="utf-8"),
    help="A JSON object of template variables (- for standard input).",
)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="KEY=VALUE",
    help="A template variable, as a string; repeatable; wins over --context.",
)
def render(template: Path, context_file: Any, variables: tuple[str, ...]) -> None:
    """Render a Jinja RCML template and print it once it is valid RCML.

    The template can import the verb macros: {% import "rcml/verbs.xml" as v %}; other
    templates are found next to it. Exit status: 0 valid, 1 when the result is not valid
    RCML or the template fails ("template:line: message"), 2 on a usage error.
    """
    from rcml.templates import environment

    context: dict[str, Any] = {}
    if context_file is not None:
        try:
            import json

            context = json.load(context_file)
        except ValueError as exc:
            raise click.UsageError(f"--context: not JSON: {exc}") from None
        if not isinstance(context, dict):
            raise click.UsageError("--context: the JSON must be an object")
    for item in variables:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise click.UsageError(f"--var {item!r}: expected KEY=VALUE")
        context[key] = value
    env = environment(template.parent)
    try:
        xml = env.render_template(template.name, **context)
    except rcml.RenderError as exc:
        where = str(template) if exc.template == template.name else exc.template
        line = f":{exc.line}" if exc.line else ""
        click.echo(f"{where}{line}: {exc.message}", err=True)
        sys.exit(EXIT_INVALID)
    click.echo(xml)


def _to_json(node: rcml.Node) -> dict[str, Any]:
    out: dict[str, Any] = {"tag": node.TAG}
    if node.pos is not None:
        out["line"], out["column"] = node.pos.line, node.pos.column
    out.update({k: list(v) if isinstance(v, tuple) else v for k, v in node.attributes().items()})
    from rcml._spec import spec_of

    spec = spec_of(type(node))
    if spec.text is not None and getattr(node, spec.text):
        out["text"] = getattr(node, spec.text)
    children = [_to_json(child) for child in node.children()]
    if children:
        out["children"] = children
    if isinstance(node, rcml.Document) and node.warnings:
        out["warnings"] = [asdict(w) for w in node.warnings]
    return out
