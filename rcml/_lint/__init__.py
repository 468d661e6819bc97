"""``rcml lint``: coded findings about RCML documents, with configuration and fixes."""

from __future__ import annotations

from rcml._lint._config import LintConfig, LintConfigError, find_config, load_config
from rcml._lint._formats import FORMATS, render
from rcml._lint._model import Edit, Finding, Fix, Rule, Severity
from rcml._lint._rules import RULES, explain, resolve
from rcml._lint._runner import FileResult, apply_fixes, lint_paths, lint_source

__all__ = [
    "FORMATS",
    "RULES",
    "Edit",
    "FileResult",
    "Finding",
    "Fix",
    "LintConfig",
    "LintConfigError",
    "Rule",
    "Severity",
    "apply_fixes",
    "explain",
    "find_config",
    "lint_paths",
    "lint_source",
    "load_config",
    "render",
    "resolve",
]
