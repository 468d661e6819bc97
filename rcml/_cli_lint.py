"""The ``rcml lint`` command (part of the CLI: it may import click, print and exit)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from rcml._cli import finish
from rcml._lint import (
    FORMATS,
    LINE_FORMATS,
    RULES,
    FileResult,
    LintConfigError,
    LintReport,
    Severity,
    explain,
    lint_paths,
    lint_report,
    load_config,
    render,
    resolve,
)
from rcml._lint._formats import summary
from rcml._suggest import did_you_mean

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _rule_list(value: str | None, option: str) -> frozenset[str] | None:
    if value is None:
        return None
    found, unknown = resolve(value.split(","))
    if unknown:
        raise click.BadParameter(
            f"unknown rule {unknown[0]!r}{did_you_mean(unknown[0], RULES)}", param_hint=option
        )
    return frozenset(found)


@click.command()
@click.argument("paths", nargs=-1)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(sorted(FORMATS)),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--select", help="Run only these rules (comma-separated ids, codes or prefixes).")
@click.option("--ignore", help="Skip these rules, on top of the configuration's ignore list.")
@click.option(
    "--target",
    type=click.Choice(["restcomm", "twilio"]),
    help="Platform the documents must work on; twilio adds portability rules.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info", "never"]),
    help="Lowest severity that makes the exit status 1.  [default: error]",
)
@click.option("--url", help="URL the (single) file is served from, for self-reference checks.")
@click.option("--base-url", help="URL of the configuration's directory; files are below it.")
@click.option("--include", multiple=True, help="Glob of files to lint inside directories.")
@click.option("--exclude", multiple=True, help="Glob of files to skip inside directories.")
@click.option("--max-size", type=click.IntRange(min=1), help="Largest document, in bytes.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Use this configuration file instead of searching for one.",
)
@click.option("--no-config", is_flag=True, help="Ignore every configuration file.")
@click.option("--fix", is_flag=True, help="Apply safe fixes in place.")
@click.option("--diff", is_flag=True, help="Print the safe fixes as a diff; change nothing.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), help="Processes to use.  [default: cores]"
)
@click.option("--explain", "explain_rule", metavar="RULE", help="Explain a rule and exit.")
@click.option("--list-rules", is_flag=True, help="List every rule and exit.")
@click.option("--quiet", "-q", is_flag=True, help="No summary line.")
def lint(
    paths: tuple[str, ...],
    fmt: str,
    select: str | None,
    ignore: str | None,
    target: str | None,
    fail_on: str | None,
    url: str | None,
    base_url: str | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    max_size: int | None,
    config_file: Path | None,
    no_config: bool,
    fix: bool,
    diff: bool,
    jobs: int | None,
    explain_rule: str | None,
    list_rules: bool,
    quiet: bool,
) -> None:
    """Lint RCML documents: coded findings, from schema errors to call-flow traps.

    PATHS are files, directories (searched for *.xml, recursively) or - for standard
    input; the default is the current directory. Prints "file:line:col: severity code
    [rule] message" lines. Exit status: 0 clean, 1 findings at or above --fail-on, 2 on a
    usage or configuration error.
    """
    if explain_rule is not None:
        _explain(explain_rule)
        return
    if list_rules:
        for rule in RULES.values():
            mark = " (fixable)" if rule.fixable else ""
            click.echo(f"{rule.code:>6}  {rule.id:<38} {rule.severity:<8}{rule.summary}{mark}")
        return
    if fix and diff:
        raise click.UsageError("--fix and --diff cannot be used together")
    paths = paths or (".",)
    if (fix or diff) and "-" in paths:
        raise click.UsageError("--fix and --diff work on files, not standard input")
    if url is not None and (len(paths) != 1 or Path(paths[0]).is_dir()):
        raise click.UsageError("--url applies to a single file; use --base-url for a directory")

    overrides: dict[str, object] = {
        "select": _rule_list(select, "--select"),
        "target": target,
        "max_size": max_size,
        "base_url": base_url,
        "include": include or None,
        "exclude": exclude or None,
    }
    options: dict[str, Any] = {
        "config": load_config(config_file) if config_file is not None else None,
        "use_config": not no_config,
        "overrides": overrides,
        "extra_ignore": _rule_list(ignore, "--ignore") or frozenset(),
        "url": url,
        "fix": fix,
        "jobs": jobs,
    }
    try:
        if fmt in LINE_FORMATS and not diff:
            # Rendered where each file is linted: a large run never gathers its
            # findings as objects here.
            report = lint_report(paths, fmt=fmt, fail_on=fail_on, **options)
        else:
            report = _report(lint_paths(paths, diff=diff, **options), fmt, diff, fail_on)
    except LintConfigError as exc:
        click.echo(f"rcml lint: {exc}", err=True)
        sys.exit(EXIT_USAGE)

    click.echo(report.output, nl=False)
    if not quiet and fmt == "text":
        parts = [
            f"{count} {name}{'s' if count != 1 else ''}"
            for count, name in ((report.errors, "error"), (report.warnings, "warning"))
        ]
        parts.append(f"{report.infos} info")
        files = report.files
        line = f"{', '.join(parts)} in {files} file{'s' if files != 1 else ''}"
        if fix:
            line += f"; {report.fixed} fixed"
        elif diff:
            line += f"; {report.fixed} fixable"
        elif report.fixable:
            line += f" ({report.fixable} fixable with --fix)"
        click.echo(line, err=True)
    if diff:
        finish(EXIT_FINDINGS if report.fixed else EXIT_OK)
    finish(EXIT_FINDINGS if report.failing else EXIT_OK)


def _report(results: list[FileResult], fmt: str, diff: bool, fail_on: str | None) -> LintReport:
    """``results`` as the command prints them: in ``fmt``, or as a diff."""
    findings = [f for r in results for f in r.findings]
    counts = summary(findings)
    failing = False
    if fail_on != "never":
        for result in results:
            threshold = Severity(fail_on) if fail_on else result.fail_on
            failing = failing or any(f.severity.rank >= threshold.rank for f in result.findings)
    return LintReport(
        "".join(r.diff for r in results) if diff else render(fmt, findings, len(results)),
        len(results),
        counts["error"],
        counts["warning"],
        counts["info"],
        counts["fixable"],
        sum(r.fixed for r in results),
        failing,
    )


def _explain(name: str) -> None:
    found, _ = resolve([name])
    if name in RULES:
        found = {name}
    if not found:
        raise click.BadParameter(
            f"unknown rule {name!r}{did_you_mean(name, RULES)}", param_hint="--explain"
        )
    pages = [explain(RULES[rule_id]) for rule_id in RULES if rule_id in found]
    click.echo("\n\n".join(pages))
