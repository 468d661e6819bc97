"""The linter's data: rules, findings and the edits that fix them."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

__all__ = ["Edit", "Finding", "Fix", "Rule", "Severity"]


class Severity(enum.StrEnum):
    """How bad a finding is. Ordered: ``info < warning < error``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``text[start:end]`` (character offsets in the document) by ``new``."""

    start: int
    end: int
    new: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A safe change that makes a finding go away and changes nothing else."""

    description: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one file."""

    rule: str
    code: str
    severity: Severity
    file: str
    line: int
    column: int
    message: str
    fix: Fix | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}:{self.column}: {self.severity} {self.code} "
            f"[{self.rule}] {self.message}"
        )


# ``Finding(...)`` through the frozen dataclass __init__ costs an object.__setattr__ lookup
# and call per field; the linter makes one Finding per problem in every file, so it sets
# the slots directly. tests/lint/test_lint_fast_path.py holds the two equal.
_new = object.__new__
_SET = tuple(Finding.__dict__[name].__set__ for name in Finding.__slots__)


def new_finding(
    rule: str,
    code: str,
    severity: Severity,
    file: str,
    line: int,
    column: int,
    message: str,
    fix: Fix | None,
) -> Finding:
    """``Finding(rule, code, severity, file, line, column, message, fix)``, faster."""
    finding: Finding = _new(Finding)
    s_rule, s_code, s_severity, s_file, s_line, s_column, s_message, s_fix = _SET
    s_rule(finding, rule)
    s_code(finding, code)
    s_severity(finding, severity)
    s_file(finding, file)
    s_line(finding, line)
    s_column(finding, column)
    s_message(finding, message)
    s_fix(finding, fix)
    return finding


#: A finding of a known file, as the fields of its Finding but the file: (rule, code,
#: severity, line, column, message, fix). What the engine gives and a printed run
#: renders, without making an object of each.
Kept = tuple[str, str, Severity, int, int, str, Fix | None]


def findings_of(file: str, kept: list[Kept]) -> list[Finding]:
    """The Findings of ``kept``, found in ``file``."""
    return [
        new_finding(rule, code, severity, file, line, column, message, fix)
        for rule, code, severity, line, column, message, fix in kept
    ]


def kept_of(findings: list[Finding]) -> list[Kept]:
    """The fields of ``findings`` (of one file)."""
    return [(f.rule, f.code, f.severity, f.line, f.column, f.message, f.fix) for f in findings]


@dataclass(frozen=True, slots=True)
class Rule:
    """A check, with what a user needs to understand it (``rcml lint --explain``)."""

    #: kebab-case name, the rule's identity in configs and inline comments.
    id: str
    #: Twilio/RestComm notification code when one means the same thing, else ``RCnnn``.
    code: str
    severity: Severity
    #: One line: what is wrong.
    summary: str
    #: Why it matters on a live call.
    why: str
    #: A document that triggers the rule, and the same document fixed.
    bad: str
    good: str
    category: str
    fixable: bool = False
    #: Only checked for this target platform (``twilio``), or always when empty.
    target: str = ""
