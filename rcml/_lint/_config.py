"""Lint configuration: ``[tool.rcml.lint]`` in pyproject.toml, or ``.rcml-lint.toml``.

The nearest configuration above a file applies to it (a ``.rcml-lint.toml`` wins over a
``pyproject.toml`` in the same directory; a ``pyproject.toml`` without a
``[tool.rcml.lint]`` table is passed over). Keys are kebab-case, as in ruff and yamllint::

    select = ["ALL"]                # rule ids, codes, code prefixes ("RC1") or "ALL"
    ignore = ["fall-through-only"]
    target = "restcomm"             # or "twilio": adds the portability rules
    fail-on = "error"               # lowest severity that makes `rcml lint` exit 1
    max-size = 65536
    base-url = "https://app.example.com/rcml/"   # where these files are served
    include = ["*.xml"]             # names picked up when a directory is linted
    exclude = ["build/*"]
    [severity]                      # or [tool.rcml.lint.severity]
    loop-zero = "error"
    [per-file-ignores]
    "legacy/*" = ["bare-ampersand"]
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from rcml._exceptions import RCMLError
from rcml._lint._model import Finding, Severity
from rcml._lint._rules import RULES, resolve
from rcml._source import DEFAULT_MAX_SIZE
from rcml._suggest import did_you_mean

__all__ = ["LintConfigError", "LintConfig", "find_config", "load_config"]

TARGETS = ("restcomm", "twilio")
_KEYS = (
    "select",
    "ignore",
    "severity",
    "per-file-ignores",
    "include",
    "exclude",
    "target",
    "fail-on",
    "max-size",
    "base-url",
)


class LintConfigError(RCMLError):
    """A configuration file or option that cannot be used as written."""


@dataclass(frozen=True)
class LintConfig:
    """Which rules run, how severe they are, and where files are served."""

    #: Rule ids that run (before ``ignore``).
    select: frozenset[str] = frozenset(RULES)
    ignore: frozenset[str] = frozenset()
    severity: Mapping[str, Severity] = field(default_factory=dict)
    #: (glob relative to ``root``, rule ids) pairs.
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    include: tuple[str, ...] = ("*.xml",)
    exclude: tuple[str, ...] = ()
    target: str = "restcomm"
    fail_on: Severity = Severity.ERROR
    max_size: int = DEFAULT_MAX_SIZE
    #: URL of ``root``: a file's URL is this joined with its path relative to ``root``.
    base_url: str | None = None
    #: The directory paths in this configuration are relative to.
    root: Path | None = None
    #: The file this configuration came from, if any.
    source: Path | None = None

    def enabled(self, rule_id: str) -> bool:
        rule = RULES[rule_id]
        if rule.target and rule.target != self.target:
            return False
        return rule_id in self.select and rule_id not in self.ignore

    @functools.cached_property
    def reported(self) -> Mapping[str, tuple[bool, Severity | None]]:
        """Rule id -> (whether it runs, the severity it is reported at if not its
        finding's own): :meth:`adjust` for every rule at once, per-file ignores aside."""
        return {rule_id: (self.enabled(rule_id), self.severity.get(rule_id)) for rule_id in RULES}

    def adjust(self, finding: Finding, file: str) -> Finding | None:
        """The finding as this configuration reports it, or None when it is off."""
        if not self.enabled(finding.rule):
            return None
        if self.per_file_ignores:
            relative = self.relative(file)
            for pattern, rules in self.per_file_ignores:
                if finding.rule in rules and fnmatch.fnmatch(relative, pattern):
                    return None
        severity = self.severity.get(finding.rule)
        if severity is not None and severity != finding.severity:
            return dataclasses.replace(finding, severity=severity)
        return finding

    def relative(self, file: str) -> str:
        path = Path(file)
        if self.root is not None:
            with contextlib.suppress(ValueError, OSError, RuntimeError):
                path = path.resolve().relative_to(self.root.resolve())
        return PurePosixPath(*path.parts).as_posix() if path.parts else file

    def url_for(self, file: str) -> str | None:
        if self.base_url is None or self.root is None:
            return None
        from urllib.parse import urljoin

        base = self.base_url if self.base_url.endswith("/") else self.base_url + "/"
        return urljoin(base, self.relative(file))

    def wanted(self, prefix: str, names: list[str]) -> list[str]:
        """``prefix + name`` for each of a folder's ``names`` that :meth:`wants_file`
        (``prefix``: the folder's path and a separator, or nothing)."""
        if not self.exclude and os.path.normcase("A") == "A":
            # The common case, one folder at a time: the names against the globs.
            match = _matcher(self.include)
            return [prefix + name for name in names if match(name)]
        return [prefix + name for name in names if self.wants_file(prefix + name, name)]

    def wants_file(self, path: str | os.PathLike[str], name: str | None = None) -> bool:
        """Whether a file met while walking a directory is linted (``name``: its base
        name, when at hand)."""
        path = os.fspath(path)
        if name is None:
            name = os.path.basename(path)
        if not self.exclude and _matcher(self.include)(os.path.normcase(name)):
            return True  # the common case, without resolving the path
        relative = self.relative(path)
        if any(fnmatch.fnmatch(relative, p) or fnmatch.fnmatch(name, p) for p in self.exclude):
            return False
        return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relative, p) for p in self.include)

    def override(self, **options: Any) -> LintConfig:
        """A copy with command-line options applied (None leaves a value alone)."""
        changes = {k: v for k, v in options.items() if v is not None}
        return dataclasses.replace(self, **changes) if changes else self


def _rules(values: Any, where: str) -> frozenset[str]:
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise LintConfigError(f"{where}: expected a list of rule names or codes")
    found, unknown = resolve(values)
    if unknown:
        name = unknown[0]
        raise LintConfigError(f"{where}: unknown rule {name!r}{did_you_mean(name, RULES)}")
    return frozenset(found)


def _severity(value: Any, where: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        raise LintConfigError(
            f"{where}: {value!r} is not a severity (error, warning or info)"
        ) from None


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise LintConfigError(f"{where}: expected a list of strings")
    return tuple(value)


def from_mapping(
    table: Mapping[str, Any], *, root: Path | None = None, source: str = "configuration"
) -> LintConfig:
    """A configuration from a parsed TOML table."""
    options: dict[str, Any] = {"root": root}
    for key, value in table.items():
        where = f"{source}: {key}"
        if key not in _KEYS:
            raise LintConfigError(f"{source}: unknown key {key!r}{did_you_mean(key, _KEYS)}")
        if key == "select":
            options["select"] = _rules(value, where)
        elif key == "ignore":
            options["ignore"] = _rules(value, where)
        elif key == "severity":
            if not isinstance(value, dict):
                raise LintConfigError(f"{where}: expected a table of rule = severity")
            levels: dict[str, Severity] = {}
            for name, level in value.items():
                for rule_id in _rules([name], where):
                    levels[rule_id] = _severity(level, f"{where}.{name}")
            options["severity"] = levels
        elif key == "per-file-ignores":
            if not isinstance(value, dict):
                raise LintConfigError(f"{where}: expected a table of glob = [rules]")
            options["per_file_ignores"] = tuple(
                (glob, _rules(rules, f"{where}.{glob}")) for glob, rules in value.items()
            )
        elif key in ("include", "exclude"):
            options[key] = _strings(value, where)
        elif key == "target":
            if value not in TARGETS:
                raise LintConfigError(f"{where}: {value!r} is not a target ({', '.join(TARGETS)})")
            options["target"] = value
        elif key == "fail-on":
            options["fail_on"] = _severity(value, where)
        elif key == "max-size":
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise LintConfigError(f"{where}: expected a positive number of bytes")
            options["max_size"] = value
        elif key == "base-url":
            if not isinstance(value, str) or not value:
                raise LintConfigError(f"{where}: expected a URL")
            options["base_url"] = value
    return LintConfig(**options)


def load_config(path: Path) -> LintConfig:
    """Read one configuration file (``pyproject.toml`` or ``.rcml-lint.toml``)."""
    table = _read_table(path)
    if table is None:
        raise LintConfigError(f"{path}: no [tool.rcml.lint] table")
    return dataclasses.replace(
        from_mapping(table, root=path.parent.resolve(), source=str(path)), source=path
    )


def _read_table(path: Path) -> dict[str, Any] | None:
    import tomllib  # only once a configuration file is found

    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise LintConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LintConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("rcml", {}).get("lint")
        if table is not None and not isinstance(table, dict):
            raise LintConfigError(f"{path}: [tool.rcml.lint] must be a table")
        return table
    return data


def find_config(
    start: Path, *, cache: dict[Path, LintConfig | None] | None = None
) -> LintConfig | None:
    """The configuration nearest above ``start`` (a file or directory), or None.

    ``cache`` (folder -> result) saves the search for files in the same folders during
    one run; configurations are read afresh on every run.
    """
    _cache = cache if cache is not None else {}
    try:
        directory = start.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return None
    if not directory.is_dir():
        directory = directory.parent
    visited: list[Path] = []
    found: LintConfig | None = None
    for folder in (directory, *directory.parents):
        if folder in _cache:
            found = _cache[folder]
            break
        visited.append(folder)
        candidate = folder / ".rcml-lint.toml"
        if candidate.is_file():
            found = load_config(candidate)
            break
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _read_table(candidate) is not None:
            found = load_config(candidate)
            break
        if (folder / ".git").exists() or folder == Path(os.sep):
            break  # a repository's configuration never comes from above it
    for folder in visited:
        _cache[folder] = found
    return found


@functools.lru_cache(maxsize=64)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], object]:
    """One compiled test of a (case-normalised) name against every glob in ``patterns``,
    as ``any(fnmatch.fnmatch(name, p) for p in patterns)`` asks, in one call."""
    import re

    joined = "|".join(f"(?:{fnmatch.translate(os.path.normcase(p))})" for p in patterns)
    return re.compile(joined or "(?!)").match
