"""Lint many files: discovery, configuration per file, both cores, fixes written safely."""

from __future__ import annotations

import codecs
import contextlib
import os
import stat
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from rcml._lint._config import LintConfig, find_config
from rcml._lint._engine import check, single, too_large
from rcml._lint._model import Edit, Finding, Severity

__all__ = ["FileResult", "apply_fixes", "lint_paths", "lint_source"]

_MAX_FIX_ROUNDS = 10
# Below this many files a process pool costs more than it saves.
_PARALLEL_FROM = 48


@dataclass
class FileResult:
    """The outcome for one file."""

    file: str
    findings: list[Finding]
    #: Number of fixes applied (``fix=True``) or that would be (``diff=True``).
    fixed: int = 0
    #: Unified diff of the fixes (``diff=True``).
    diff: str = ""
    #: The lowest severity that fails the run for this file (its configuration's fail-on).
    fail_on: Severity = Severity.ERROR


# The configurations of the current run. Tasks name theirs by index: a configuration
# pickled once per worker instead of once per file (that cost more than linting).
_CONFIGS: list[LintConfig] = []


def _init_worker(configs: list[LintConfig]) -> None:
    _CONFIGS[:] = configs


@dataclass(frozen=True)
class _Task:
    file: str
    path: Path | None
    data: bytes | None
    config_id: int
    url: str | None
    fix: bool
    diff: bool

    @property
    def config(self) -> LintConfig:
        return _CONFIGS[self.config_id]


def apply_fixes(text: str, findings: Iterable[Finding]) -> tuple[str, int]:
    """``text`` with every fix applied that does not overlap an earlier one."""
    taken: list[Edit] = []
    applied = 0
    for finding in findings:
        if finding.fix is None:
            continue
        edits = finding.fix.edits
        if any(
            (e.start < t.end and t.start < e.end) or e.start == t.start
            for e in edits
            for t in taken
        ):
            continue
        taken.extend(edits)
        applied += 1
    for edit in sorted(taken, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new + text[edit.end :]
    return text, applied


def lint_source(
    source: str | bytes,
    *,
    file: str = "<string>",
    config: LintConfig | None = None,
    url: str | None = None,
) -> list[Finding]:
    """Every finding in one document (see :func:`rcml.lint`)."""
    return check(source, file=file, config=config, url=url)


def _fix_text(text: str, task: _Task) -> tuple[str, list[Finding], int]:
    findings = check(text, file=task.file, config=task.config, url=task.url)
    total = 0
    for _ in range(_MAX_FIX_ROUNDS):
        text_fixed, applied = apply_fixes(text, findings)
        if not applied or text_fixed == text:
            break
        total += applied
        text = text_fixed
        findings = check(text, file=task.file, config=task.config, url=task.url)
    return text, findings, total


def _unreadable(task: _Task, message: str) -> FileResult:
    findings = single(task.file, "unreadable-file", message, task.config)
    return FileResult(task.file, findings, fail_on=task.config.fail_on)


def _read(task: _Task) -> bytes | FileResult:
    if task.data is not None:
        return task.data
    assert task.path is not None
    try:
        info = task.path.stat()
        if not stat.S_ISREG(info.st_mode):
            return _unreadable(task, "not a regular file")
        if info.st_size > task.config.max_size:
            # Never read a huge file only to refuse it.
            findings = too_large(task.file, info.st_size, task.config)
            return FileResult(task.file, findings, fail_on=task.config.fail_on)
        with task.path.open("rb") as f:
            return f.read(task.config.max_size + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == 40:  # ELOOP
            reason = "symbolic link loop"
        return _unreadable(task, f"cannot read: {reason.lower()}")


def _run(task: _Task) -> FileResult:
    data = _read(task)
    if isinstance(data, FileResult):
        return data
    if not (task.fix or task.diff):
        return FileResult(
            task.file,
            check(data, file=task.file, config=task.config, url=task.url),
            fail_on=task.config.fail_on,
        )
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[3:].decode() if bom else data.decode()
    except UnicodeDecodeError:  # only UTF-8 files are rewritten
        findings = check(data, file=task.file, config=task.config, url=task.url)
        return FileResult(task.file, findings, fail_on=task.config.fail_on)
    fixed, findings, count = _fix_text(text, task)
    result = FileResult(task.file, findings, count, fail_on=task.config.fail_on)
    if fixed == text:
        return result
    if task.diff:
        import difflib

        result.diff = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                fixed.splitlines(keepends=True),
                fromfile=f"a/{task.file}",
                tofile=f"b/{task.file}",
            )
        )
    elif task.path is not None:
        _write_atomically(task.path, (codecs.BOM_UTF8 if bom else b"") + fixed.encode())
    return result


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside the target, then rename it over the target, so a
    crash or a full disk never leaves a half-written document."""
    import tempfile

    target = path.resolve()
    mode = stat.S_IMODE(target.stat().st_mode)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _walk(root: Path) -> Iterator[Path]:
    # followlinks=False: a symlink loop cannot trap the walk; linked files are still
    # listed and read (a loop among them is reported as unreadable).
    for folder, dirs, files in os.walk(root, followlinks=False, onerror=None):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            yield Path(folder) / name


def discover(
    paths: Sequence[str],
    *,
    config: LintConfig | None,
    use_config: bool,
    overrides: dict[str, object],
    extra_ignore: frozenset[str] = frozenset(),
) -> Iterator[tuple[str, Path | None, LintConfig]]:
    """(display name, path or None for stdin, configuration) of each file to lint."""
    # Folder -> configuration; None when one configuration serves every file.
    cache: dict[Path | None, LintConfig] = {}
    searched: dict[Path, LintConfig | None] = {}

    def config_for(path: Path) -> LintConfig:
        folder = path.parent if config is None and use_config else None
        found = cache.get(folder)
        if found is None:
            base = config or (find_config(folder, cache=searched) if folder else None)
            found = (base or LintConfig(root=Path.cwd())).override(**overrides)
            if extra_ignore:
                found = found.override(ignore=found.ignore | extra_ignore)
            cache[folder] = found
        return found

    for raw in paths:
        if raw == "-":
            yield "<stdin>", None, config_for(Path.cwd() / "stdin")
            continue
        path = Path(raw)
        if path.is_dir():
            for found in _walk(path):
                chosen = config_for(found)
                if chosen.wants_file(found):
                    yield str(found), found, chosen
        else:
            yield raw, path, config_for(path.absolute())


def lint_paths(
    paths: Sequence[str],
    *,
    config: LintConfig | None = None,
    use_config: bool = True,
    overrides: dict[str, object] | None = None,
    url: str | None = None,
    fix: bool = False,
    diff: bool = False,
    jobs: int | None = None,
    stdin: bytes | None = None,
    extra_ignore: frozenset[str] = frozenset(),
) -> list[FileResult]:
    """Lint files and directories (recursively); ``-`` reads ``stdin`` (or sys.stdin).

    Each file gets the configuration nearest above it (unless ``config`` is given or
    ``use_config`` is false), with ``overrides`` (LintConfig field names) applied and
    ``extra_ignore`` added to its ignore list.
    """
    tasks: list[_Task] = []
    configs: list[LintConfig] = []
    config_ids: dict[int, int] = {}
    for name, path, chosen in discover(
        paths,
        config=config,
        use_config=use_config,
        overrides=overrides or {},
        extra_ignore=extra_ignore,
    ):
        data = None
        if path is None:
            data = stdin if stdin is not None else sys.stdin.buffer.read()
        file_url = url or chosen.url_for(name)
        config_id = config_ids.get(id(chosen))
        if config_id is None:
            config_id = config_ids[id(chosen)] = len(configs)
            configs.append(chosen)
        tasks.append(_Task(name, path, data, config_id, file_url, fix, diff))
    _CONFIGS[:] = configs
    workers = jobs or _cores()
    if workers <= 1 or len(tasks) < _PARALLEL_FROM:
        return [_run(t) for t in tasks]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    chunk = max(1, min(256, len(tasks) // (workers * 4)))
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(configs,)
    ) as pool:
        return list(pool.map(_run, tasks, chunksize=chunk))


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - not Linux
