"""Lint many files: discovery, configuration per file, both cores, fixes written safely."""

from __future__ import annotations

import codecs
import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from rcml._lint._config import LintConfig, find_config
from rcml._lint._engine import check, check_kept, single, too_large
from rcml._lint._formats import LINE_FORMATS
from rcml._lint._model import (
    Edit,
    Finding,
    Fix,
    Kept,
    Severity,
    findings_of,
    kept_of,
    new_finding,
)

__all__ = ["FileResult", "LintReport", "apply_fixes", "lint_paths", "lint_report", "lint_source"]

_MAX_FIX_ROUNDS: Final = 10
# Below this many files a process pool costs more than it saves.
_PARALLEL_FROM: Final = 48


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


# The configurations and tasks of the current run, set before the workers start (forked
# workers inherit them; others get them once, from _init_worker). A task names its
# configuration by index, and a worker is handed slices of the task list: nothing is
# pickled per file on the way out (a configuration pickled per file once cost more than
# linting the file).
# (display name, path to read or None, data already read, configuration index, URL,
# fix, diff, whether the directory listing said it is a regular file): one per file.
_Task = tuple[str, str | None, bytes | None, int, str | None, bool, bool, bool]
_CONFIGS: Final[list[LintConfig]] = []
_TASKS: Final[list[_Task]] = []


def _init_worker(
    configs: list[LintConfig],
    tasks: list[_Task],
    render: list[tuple[Callable[[str, Kept], str], str | None]],
) -> None:
    _CONFIGS[:] = configs
    _TASKS[:] = tasks
    _RENDER[:] = render


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


def _fix_text(
    text: str, file: str, config: LintConfig, url: str | None
) -> tuple[str, list[Finding], int]:
    findings = check(text, file=file, config=config, url=url)
    total = 0
    for _ in range(_MAX_FIX_ROUNDS):
        text_fixed, applied = apply_fixes(text, findings)
        if not applied or text_fixed == text:
            break
        total += applied
        text = text_fixed
        findings = check(text, file=file, config=config, url=url)
    return text, findings, total


def _unreadable(file: str, config: LintConfig, message: str) -> list[Kept]:
    return kept_of(single(file, "unreadable-file", message, config))


def _read(file: str, path: str, config: LintConfig, regular: bool) -> bytes | list[Kept]:
    """The bytes of ``path`` (at most one past the size limit), or the finding that
    it cannot be read. ``regular``: the directory listing said it is a regular file,
    so it need not be stat'ed first (a FIFO opened to be read would block)."""
    try:
        if not regular:
            info = os.stat(path)
            if not stat.S_ISREG(info.st_mode):
                return _unreadable(file, config, "not a regular file")
            if info.st_size > config.max_size:
                # Never read a huge file only to refuse it.
                return kept_of(too_large(file, info.st_size, config))
        # Up to one byte past the limit, which tells a file that is (or grew) too large,
        # a buffer at a time: a short read is the end of a regular file.
        wanted = config.max_size + 1
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            data = os.read(fd, min(wanted, _BUFFER))
            if len(data) == _BUFFER:
                parts = [data]
                got = len(data)
                while got < wanted and (more := os.read(fd, min(wanted - got, _BUFFER))):
                    parts.append(more)
                    got += len(more)
                data = b"".join(parts)
            if len(data) >= wanted:
                size = max(os.fstat(fd).st_size, len(data))
                return kept_of(too_large(file, size, config))
        finally:
            os.close(fd)
        return data
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == 40:  # ELOOP
            reason = "symbolic link loop"
        return _unreadable(file, config, f"cannot read: {reason.lower()}")


#: How much is read at once: most documents are a few KiB.
_BUFFER: Final = 64 * 1024


def _run(task: _Task) -> FileResult:
    file, kept, fixed, diff, fail_on = _run_kept(task)
    return FileResult(file, findings_of(file, kept), fixed, diff, fail_on)


# What linting one file gives: (file, its findings as check_kept gives them, fixes
# applied or that would be, the diff of the fixes, the file's fail-on).
_Outcome = tuple[str, list[Kept], int, str, Severity]


def _run_kept(task: _Task) -> _Outcome:
    file, path, data, config_id, url, fix, diff, regular = task
    config = _CONFIGS[config_id]
    if data is None:
        assert path is not None
        read = _read(file, path, config, regular)
        if not isinstance(read, bytes):
            return file, read, 0, "", config.fail_on
        data = read
    if not (fix or diff):
        return file, check_kept(data, file=file, config=config, url=url), 0, "", config.fail_on
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        text = data[3:].decode() if bom else data.decode()
    except UnicodeDecodeError:  # only UTF-8 files are rewritten
        return file, check_kept(data, file=file, config=config, url=url), 0, "", config.fail_on
    fixed, findings, count = _fix_text(text, file, config, url)
    kept = kept_of(findings)
    if fixed == text:
        return file, kept, count, "", config.fail_on
    if diff:
        import difflib

        patch = "".join(
            difflib.unified_diff(
                text.splitlines(keepends=True),
                fixed.splitlines(keepends=True),
                fromfile=f"a/{file}",
                tofile=f"b/{file}",
            )
        )
        return file, kept, count, patch, config.fail_on
    if path is not None:
        _write_atomically(Path(path), (codecs.BOM_UTF8 if bom else b"") + fixed.encode())
    return file, kept, count, "", config.fail_on


# A FileResult as a worker sends it back: plain tuples and strings, which pickle in C
# (a Finding, a frozen dataclass with slots, pickles and unpickles through Python code).
_PackedFinding = tuple[str, str, str, int, int, str, Fix | None]
_Packed = tuple[str, list[_PackedFinding], int, str, str]
_SEVERITIES: Final = {s.value: s for s in Severity}


def _run_slice(bounds: tuple[int, int]) -> list[_Packed]:
    """Lint the tasks ``_TASKS[start:stop]`` (in a worker), packed to be sent back."""
    out: list[_Packed] = []
    for task in _TASKS[bounds[0] : bounds[1]]:
        file, kept, fixed, diff, fail_on = _run_kept(task)
        findings = [(r, c, s.value, line, col, m, f) for r, c, s, line, col, m, f in kept]
        out.append((file, findings, fixed, diff, fail_on.value))
    return out


def _unpack(packed: _Packed) -> FileResult:
    file, findings, fixed, diff, fail_on = packed
    severities = _SEVERITIES
    return FileResult(
        file,
        [
            new_finding(rule, code, severities[severity], file, line, column, message, fix)
            for rule, code, severity, line, column, message, fix in findings
        ],
        fixed,
        diff,
        severities[fail_on],
    )


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


def _walk(root: str) -> Iterator[tuple[str, list[str], set[str]]]:
    """Each folder below ``root`` (itself first, then its folders in name order) with
    its files' names, sorted, and those of them the listing does not call regular
    files; dot-folders left out.

    As os.walk without following links: a symlink loop cannot trap the walk. Linked
    files are listed (not as regular: they are stat'ed when read, so a dangling link or a
    loop among them is reported as unreadable); linked folders are not entered.
    """
    try:
        with os.scandir(root) as listing:
            entries = list(listing)
    except OSError:
        return
    files: list[str] = []
    irregular: set[str] = set()
    folders: list[str] = []
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if not is_dir:
            files.append(entry.name)
            if not entry.is_file(follow_symlinks=False):
                irregular.add(entry.name)
        elif not entry.name.startswith(".") and not entry.is_symlink():
            folders.append(entry.name)
    files.sort()
    yield root, files, irregular
    for name in sorted(folders):
        yield from _walk(os.path.join(root, name))


def discover(
    paths: Sequence[str],
    *,
    config: LintConfig | None,
    use_config: bool,
    overrides: dict[str, object],
    extra_ignore: frozenset[str] = frozenset(),
) -> Iterator[tuple[LintConfig, list[tuple[str, str | None, bool]]]]:
    """The files to lint, a folder at a time: their configuration, and (display name,
    path or None for stdin, whether the directory listing said it is a regular file) of
    each file."""
    # Folder -> configuration; None when one configuration serves every file.
    cache: dict[Path | None, LintConfig] = {}
    searched: dict[Path, LintConfig | None] = {}

    def config_in(folder: Path) -> LintConfig:
        key = folder if config is None and use_config else None
        found = cache.get(key)
        if found is None:
            base = config or (find_config(key, cache=searched) if key else None)
            found = (base or LintConfig(root=Path.cwd())).override(**overrides)
            if extra_ignore:
                found = found.override(ignore=found.ignore | extra_ignore)
            cache[key] = found
        return found

    for raw in paths:
        if raw == "-":
            yield config_in(Path.cwd()), [("<stdin>", None, False)]
            continue
        path = Path(raw)
        if path.is_dir():
            for folder, names, irregular in _walk(str(path)):
                chosen = config_in(Path(folder))
                # os.path.join(folder, name), as a concatenation per file
                prefix = "" if folder == "." else os.path.join(folder, "")
                found = chosen.wanted(prefix, names)
                if not found:
                    continue
                if irregular:
                    yield chosen, [(f, f, f[len(prefix) :] not in irregular) for f in found]
                else:
                    yield chosen, [(f, f, True) for f in found]
        else:
            yield config_in(path.absolute().parent), [(raw, raw, False)]


def _tasks(
    paths: Sequence[str],
    *,
    config: LintConfig | None,
    use_config: bool,
    overrides: dict[str, object] | None,
    url: str | None,
    fix: bool,
    diff: bool,
    stdin: bytes | None,
    extra_ignore: frozenset[str],
) -> tuple[list[_Task], list[LintConfig]]:
    """One task per file to lint, and the configurations they name."""
    tasks: list[_Task] = []
    configs: list[LintConfig] = []
    config_ids: dict[int, int] = {}
    for chosen, files in discover(
        paths,
        config=config,
        use_config=use_config,
        overrides=overrides or {},
        extra_ignore=extra_ignore,
    ):
        config_id = config_ids.get(id(chosen))
        if config_id is None:
            config_id = config_ids[id(chosen)] = len(configs)
            configs.append(chosen)
        if url is None and chosen.base_url is None and files[0][1] is not None:
            # A folder's files, without a URL: one task each, made in one go.
            tasks.extend(
                [
                    (name, path, None, config_id, None, fix, diff, regular)
                    for name, path, regular in files
                ]
            )
            continue
        for name, path, regular in files:
            data = None
            if path is None:
                data = stdin if stdin is not None else sys.stdin.buffer.read()
            file_url = url or chosen.url_for(name)
            tasks.append((name, path, data, config_id, file_url, fix, diff, regular))
    return tasks, configs


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
    tasks, configs = _tasks(
        paths,
        config=config,
        use_config=use_config,
        overrides=overrides,
        url=url,
        fix=fix,
        diff=diff,
        stdin=stdin,
        extra_ignore=extra_ignore,
    )
    parts = _in_slices(tasks, configs, jobs, _run_slice, _run_own, _unpack_slice)
    return [result for part in parts for result in part]


def _run_own(bounds: tuple[int, int]) -> list[FileResult]:
    return [_run(task) for task in _TASKS[bounds[0] : bounds[1]]]


def _unpack_slice(packed: list[_Packed]) -> list[FileResult]:
    return [_unpack(p) for p in packed]


@dataclass
class LintReport:
    """A whole run as the command line prints it: the findings already rendered, and
    what the summary line and the exit status need."""

    output: str
    files: int
    errors: int
    warnings: int
    infos: int
    #: Findings that carry a fix.
    fixable: int
    #: Fixes applied (``fix=True``).
    fixed: int
    #: Whether some finding is at or above its file's fail-on (or ``fail_on``).
    failing: bool


# One slice of a report: (output, errors, warnings, infos, fixable, fixed, failing).
_Tally = tuple[str, int, int, int, int, int, bool]
# How a report renders a finding, and the fail-on that overrides each file's ("never":
# nothing fails; None: each file's own), set before the workers start, as _TASKS is.
_RENDER: Final[list[tuple[Callable[[str, Kept], str], str | None]]] = []
_RANKS: Final = {s: s.rank for s in Severity}


def lint_report(
    paths: Sequence[str],
    *,
    fmt: str = "text",
    fail_on: str | None = None,
    config: LintConfig | None = None,
    use_config: bool = True,
    overrides: dict[str, object] | None = None,
    url: str | None = None,
    fix: bool = False,
    jobs: int | None = None,
    stdin: bytes | None = None,
    extra_ignore: frozenset[str] = frozenset(),
) -> LintReport:
    """:func:`lint_paths` rendered in ``fmt``, one of :data:`LINE_FORMATS`, whose
    findings print a line each.

    Each process renders the files it lints and counts what the summary needs, so the
    findings of a large run are never gathered as objects in one process: what the
    workers send back is text and a few numbers. ``fail_on``: a severity, ``"never"``,
    or None for each file's configured one.
    """
    tasks, configs = _tasks(
        paths,
        config=config,
        use_config=use_config,
        overrides=overrides,
        url=url,
        fix=fix,
        diff=False,
        stdin=stdin,
        extra_ignore=extra_ignore,
    )
    _RENDER[:] = [(LINE_FORMATS[fmt], fail_on)]
    try:
        parts = _in_slices(tasks, configs, jobs, _tally_slice, _tally, _same)
    finally:
        _RENDER.clear()
    return LintReport(
        "".join(part[0] for part in parts),
        len(tasks),
        sum(part[1] for part in parts),
        sum(part[2] for part in parts),
        sum(part[3] for part in parts),
        sum(part[4] for part in parts),
        sum(part[5] for part in parts),
        any(part[6] for part in parts),
    )


def _same(tally: _Tally) -> _Tally:
    return tally


def _tally_slice(bounds: tuple[int, int]) -> _Tally:
    """:func:`_tally`, in a worker."""
    return _tally(bounds)


def _tally(bounds: tuple[int, int]) -> _Tally:
    """Lint the tasks ``_TASKS[start:stop]`` and render them (see :func:`lint_report`)."""
    line, fail_on = _RENDER[0]
    never = fail_on == "never"
    threshold = None if fail_on is None or never else Severity(fail_on).rank
    ranks = _RANKS
    lines: list[str] = []
    counts = {Severity.ERROR: 0, Severity.WARNING: 0, Severity.INFO: 0}
    fixable = fixed = 0
    failing = False
    for task in _TASKS[bounds[0] : bounds[1]]:
        file, kept, applied, _, fail_on_file = _run_kept(task)
        fixed += applied
        if not kept:
            continue
        bar = ranks[fail_on_file] if threshold is None else threshold
        for finding in kept:
            lines.append(line(file, finding))
            severity = finding[2]
            counts[severity] += 1
            if finding[6] is not None:
                fixable += 1
            if not never and ranks[severity] >= bar:
                failing = True
    return (
        "".join(lines),
        counts[Severity.ERROR],
        counts[Severity.WARNING],
        counts[Severity.INFO],
        fixable,
        fixed,
        failing,
    )


_T = TypeVar("_T")
_P = TypeVar("_P")


def _in_slices(
    tasks: list[_Task],
    configs: list[LintConfig],
    jobs: int | None,
    remote: Callable[[tuple[int, int]], _P],
    local: Callable[[tuple[int, int]], _T],
    unpack: Callable[[_P], _T],
) -> list[_T]:
    """``tasks`` in slices, in order, each done by ``local`` in this process or by
    ``remote`` in a worker (with its result ``unpack``-ed here), on every core.

    ``remote`` runs in another process: it is looked up and pickled by name.
    """
    _CONFIGS[:] = configs
    _TASKS[:] = tasks
    try:
        if len(tasks) < _PARALLEL_FROM or (workers := jobs or _cores()) <= 1:
            return [local((0, len(tasks)))] if tasks else []
        if sys.platform == "linux":
            return _forked(len(tasks), workers, remote, local, unpack)
        return _pooled(len(tasks), configs, workers, remote, unpack)
    finally:
        _TASKS.clear()


def _forked(
    count: int,
    workers: int,
    remote: Callable[[tuple[int, int]], _P],
    local: Callable[[tuple[int, int]], _T],
    unpack: Callable[[_P], _T],
) -> list[_T]:
    """The ``count`` tasks of _TASKS, in this process and ``workers - 1`` forked ones,
    which share out slices of the task list as they go: whichever process is free takes
    the next.

    The slices are handed out through a pipe holding their numbers, one 4-byte record
    each, written in one go before any process reads: Linux serves each read under the
    pipe's lock, so a read of 4 bytes takes one whole record, and the end of the pipe
    tells every process there is nothing left. A worker sends its results back pickled
    when it is done; slices a worker took but never reported (it died) are done here.
    """
    import pickle
    import struct

    chunk = max(8, min(64, count // (workers * 16)))
    # Every record must fit the pipe's buffer at once (64 KiB on Linux): 8,192 slices.
    chunk = max(chunk, -(-count // 8192))
    bounds = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    tokens_read, tokens_write = os.pipe()
    os.write(tokens_write, struct.pack(f"<{len(bounds)}I", *range(len(bounds))))
    os.close(tokens_write)
    children: list[tuple[int, int]] = []  # (pid, read end of its results pipe)
    try:
        for _ in range(workers - 1):
            results_read, results_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the worker: never returns
                os.close(results_read)
                _work(tokens_read, results_write, bounds, remote)
            os.close(results_write)
            children.append((pid, results_read))
        done: dict[int, _T] = {}
        while (token := os.read(tokens_read, 4)) and len(token) == 4:
            (index,) = struct.unpack("<I", token)
            done[index] = local(bounds[index])
        for pid, results_read in children:
            with os.fdopen(results_read, "rb") as reader:
                data = reader.read()
            os.waitpid(pid, 0)
            theirs: dict[int, _P] = {}
            with _no_collection():
                with contextlib.suppress(Exception):  # a worker that died sent nothing whole
                    theirs = pickle.loads(data)
                for index, packed in theirs.items():
                    done[index] = unpack(packed)
        children.clear()
    finally:
        os.close(tokens_read)
        for pid, results_read in children:  # only after an error here: stop the workers
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
                os.waitpid(pid, 0)
            os.close(results_read)
    return [done[i] if i in done else local(b) for i, b in enumerate(bounds)]


@contextlib.contextmanager
def _no_collection() -> Iterator[None]:
    """The cyclic garbage collector off, while the results of a worker are unpacked.

    They are tens of thousands of new objects, none in a cycle, on top of this process's
    own results: the collections they set off scanned the whole heap again and again,
    and took half of the unpacking's time, all while the other cores sat idle.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _work(
    tokens: int,
    results: int,
    bounds: list[tuple[int, int]],
    remote: Callable[[tuple[int, int]], object],
) -> None:
    """A forked worker's whole life: do slices until none is left, send the results,
    exit without running the parent's exit handlers or flushing its buffers."""
    import pickle
    import struct

    status = 1
    try:
        mine: dict[int, object] = {}
        while (token := os.read(tokens, 4)) and len(token) == 4:
            (index,) = struct.unpack("<I", token)
            mine[index] = remote(bounds[index])
        data = memoryview(pickle.dumps(mine, protocol=pickle.HIGHEST_PROTOCOL))
        while data:
            data = data[os.write(results, data) :]
        status = 0
    finally:
        os._exit(status)


def _pooled(
    count: int,
    configs: list[LintConfig],
    workers: int,
    remote: Callable[[tuple[int, int]], _P],
    unpack: Callable[[_P], _T],
) -> list[_T]:
    """The ``count`` tasks of _TASKS in a pool of spawned processes (where fork is not
    safe)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")
    chunk = max(1, min(256, count // (workers * 4)))
    slices = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(configs, list(_TASKS), list(_RENDER)),
    ) as pool:
        return [unpack(part) for part in pool.map(remote, slices)]


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - not Linux
