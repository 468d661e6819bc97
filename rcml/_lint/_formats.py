"""Findings as text, JSON, GitHub workflow annotations or SARIF 2.1.0."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import PurePath
from typing import Any, Final

from rcml._lint._model import Finding, Kept, Rule, Severity
from rcml._lint._rules import RULES

__all__ = ["FORMATS", "LINE_FORMATS", "render"]

_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL: Final = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_GITHUB_LEVEL: Final = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def _text_line(file: str, f: Kept) -> str:
    # str(Finding), from its fields.
    return f"{file}:{f[3]}:{f[4]}: {f[2]} {f[1]} [{f[0]}] {f[5]}\n"


def _text(findings: Sequence[Finding], files: int) -> str:
    return "".join(f"{f}\n" for f in findings)


def _finding_json(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {
        "file": f.file,
        "line": f.line,
        "column": f.column,
        "severity": str(f.severity),
        "code": f.code,
        "rule": f.rule,
        "message": f.message,
        "fixable": f.fix is not None,
    }
    if f.fix is not None:
        out["fix"] = f.fix.description
    return out


def summary(findings: Sequence[Finding]) -> dict[str, int]:
    counts = {str(s): 0 for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
    for f in findings:
        counts[str(f.severity)] += 1
    counts["fixable"] = sum(f.fix is not None for f in findings)
    return counts


def _json(findings: Sequence[Finding], files: int) -> str:
    import json

    return (
        json.dumps(
            {
                "files": files,
                "findings": [_finding_json(f) for f in findings],
                "summary": summary(findings),
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def _github_escape(value: str, *, property: bool) -> str:
    # https://docs.github.com/actions/reference/workflow-commands-for-github-actions
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def _github_line(file: str, f: Kept) -> str:
    props = ",".join(
        [
            f"file={_github_escape(file, property=True)}",
            f"line={f[3]}",
            f"col={f[4]}",
            f"title={_github_escape(f'{f[1]} {f[0]}', property=True)}",
        ]
    )
    return f"::{_GITHUB_LEVEL[f[2]]} {props}::{_github_escape(f[5], property=False)}\n"


def _github(findings: Sequence[Finding], files: int) -> str:
    return "".join(
        _github_line(f.file, (f.rule, f.code, f.severity, f.line, f.column, f.message, f.fix))
        for f in findings
    )


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": "".join(part.capitalize() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.why},
        "help": {
            "text": f"{rule.why}\n\nFails:\n{rule.bad}\n\nPasses:\n{rule.good}",
        },
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"code": rule.code, "category": rule.category, "fixable": rule.fixable},
    }


def _uri(file: str) -> str:
    path = PurePath(file)
    return path.as_posix() if not path.is_absolute() else path.as_uri()


def _sarif(findings: Sequence[Finding], files: int) -> str:
    from rcml import __version__

    used = sorted({f.rule for f in findings})
    index = {rule_id: i for i, rule_id in enumerate(used)}
    results = []
    for f in findings:
        result: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": index[f.rule],
            "level": _SARIF_LEVEL[f.severity],
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(f.file)},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
            "properties": {"code": f.code},
        }
        results.append(result)
    log = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "rcml-lint",
                        "version": __version__,
                        "rules": [_sarif_rule(RULES[rule_id]) for rule_id in used],
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    import json

    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


FORMATS: dict[str, Callable[[Sequence[Finding], int], str]] = {
    "text": _text,
    "json": _json,
    "github": _github,
    "sarif": _sarif,
}


#: The formats that print a line per finding, whatever the other findings are: a run can
#: render them file by file, in the process that linted the file.
#: Each renders a finding of a file as check_kept gives it.
LINE_FORMATS: dict[str, Callable[[str, Kept], str]] = {
    "text": _text_line,
    "github": _github_line,
}


def render(name: str, findings: Sequence[Finding], files: int) -> str:
    """``findings`` (over ``files`` files) in the format ``name``."""
    return FORMATS[name](findings, files)
