"""``rcml lint``: coded findings about RCML documents, with configuration and fixes."""

from __future__ import annotations

from rcml._lint._config import LintConfig, LintConfigError, find_config, load_config
from rcml._lint._formats import FORMATS, LINE_FORMATS, render
from rcml._lint._model import Edit, Finding, Fix, Rule, Severity
from rcml._lint._rules import RULES, explain, resolve
from rcml._lint._runner import (
    FileResult,
    LintReport,
    apply_fixes,
    lint_paths,
    lint_report,
    lint_source,
)

__all__ = [
    "FORMATS",
    "LINE_FORMATS",
    "RULES",
    "Edit",
    "FileResult",
    "Finding",
    "Fix",
    "LintConfig",
    "LintConfigError",
    "LintReport",
    "Rule",
    "Severity",
    "apply_fixes",
    "explain",
    "find_config",
    "lint_paths",
    "lint_report",
    "lint_source",
    "load_config",
    "render",
    "resolve",
]
