"""Many files: discovery, configuration files, bad files, parallel runs and safe fixes."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from rcml._lint import (
    LINE_FORMATS,
    LintConfig,
    LintConfigError,
    _runner,
    find_config,
    lint_paths,
    lint_report,
    load_config,
    render,
)
from rcml._lint._formats import summary

BAD = '<Response><Say voice="alice">Hi</Say></Response>\n'
GOOD = "<Response><Say>Hi</Say></Response>\n"
FIXABLE = '<Response>\n  <Gather numdigits="1" action="/m?a=1&b=2"/>\n</Response>\n'


#: The runner compiled by mypyc (RCML_MYPYC=1) calls its own functions directly: the
#: tests that make a worker die by swapping one test the sources, in the uncompiled run.
compiled = pytest.mark.skipif(
    not _runner.__file__.endswith(".py"), reason="swaps a function of the compiled runner"
)


def rules(results: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(Path(r.file).name, f.rule) for r in results for f in r.findings]


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return path


def test_directories_recurse_with_include_and_exclude(tmp_path: Path) -> None:
    write(tmp_path / "a.xml", BAD)
    write(tmp_path / "sub" / "b.xml", BAD)
    write(tmp_path / "sub" / "c.rcml", BAD)
    write(tmp_path / ".hidden" / "d.xml", BAD)
    write(tmp_path / "notes.txt", "not rcml")
    results = lint_paths([str(tmp_path)], use_config=False)
    assert sorted(Path(r.file).name for r in results) == ["a.xml", "b.xml"]
    results = lint_paths(
        [str(tmp_path)],
        use_config=False,
        overrides={"include": ("*.xml", "*.rcml"), "exclude": ("*/sub/b.xml",)},
    )
    assert sorted(Path(r.file).name for r in results) == ["a.xml", "c.rcml"]


def test_bad_files_are_findings_and_the_run_goes_on(tmp_path: Path) -> None:
    write(tmp_path / "1-binary.xml", bytes(range(256)) * 4)
    (tmp_path / "2-dangling.xml").symlink_to(tmp_path / "missing.xml")
    (tmp_path / "3-loop-a.xml").symlink_to(tmp_path / "3-loop-b.xml")
    (tmp_path / "3-loop-b.xml").symlink_to(tmp_path / "3-loop-a.xml")
    with open(tmp_path / "4-huge.xml", "wb") as f:  # 50 MB, sparse: never read
        f.truncate(50 * 1024 * 1024)
    write(tmp_path / "5-empty.xml", b"")
    write(tmp_path / "6-ok.xml", GOOD)
    (tmp_path / "7-dir-loop").symlink_to(tmp_path)  # not followed
    results = lint_paths([str(tmp_path)], use_config=False)
    assert rules(results) == [
        ("1-binary.xml", "parse-error"),
        ("2-dangling.xml", "unreadable-file"),
        ("3-loop-a.xml", "unreadable-file"),
        ("3-loop-b.xml", "unreadable-file"),
        ("4-huge.xml", "document-too-large"),
        ("5-empty.xml", "empty-document"),
    ]
    loop = results[2].findings[0].message
    assert "loop" in loop


def test_parallel_run_gives_the_same_findings_in_order(tmp_path: Path) -> None:
    for i in range(120):
        write(tmp_path / f"doc{i:03}.xml", BAD if i % 3 else GOOD)
    serial = lint_paths([str(tmp_path)], use_config=False, jobs=1)
    parallel = lint_paths([str(tmp_path)], use_config=False, jobs=2)
    assert [(r.file, r.findings) for r in serial] == [(r.file, r.findings) for r in parallel]
    assert len(rules(parallel)) == 80


@compiled
@pytest.mark.skipif(sys.platform != "linux", reason="forked workers are Linux's way")
def test_a_worker_that_dies_loses_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(200):
        write(tmp_path / f"doc{i:03}.xml", BAD if i % 3 else GOOD)
    serial = lint_paths([str(tmp_path)], use_config=False, jobs=1)

    def die(bounds: tuple[int, int]) -> None:
        os._exit(3)  # in the forked worker: as if it were killed mid-run

    monkeypatch.setattr(_runner, "_run_slice", die)
    parallel = lint_paths([str(tmp_path)], use_config=False, jobs=3)
    assert [(r.file, r.findings) for r in serial] == [(r.file, r.findings) for r in parallel]


def test_fix_rewrites_in_place_and_keeps_mode_and_bom(tmp_path: Path) -> None:
    path = write(tmp_path / "a.xml", b"\xef\xbb\xbf" + FIXABLE.replace("\n", "\r\n").encode())
    os.chmod(path, 0o640)
    (result,) = lint_paths([str(path)], use_config=False, fix=True)
    assert result.fixed == 2 and result.findings == []
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf<Response>\r\n")
    assert b'numDigits="1" action="/m?a=1&amp;b=2"' in data
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == ["a.xml"]  # no temporary file left


def test_diff_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "a.xml", FIXABLE)
    (result,) = lint_paths([str(path)], use_config=False, diff=True)
    assert path.read_text() == FIXABLE
    assert result.fixed == 2
    assert '+  <Gather numDigits="1" action="/m?a=1&amp;b=2"/>' in result.diff


def test_a_failed_write_leaves_the_original(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "a.xml", FIXABLE)

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        lint_paths([str(path)], use_config=False, fix=True, jobs=1)
    assert path.read_text() == FIXABLE
    assert os.listdir(tmp_path) == ["a.xml"]


def test_fix_through_a_symlink_rewrites_the_target(tmp_path: Path) -> None:
    target = write(tmp_path / "real.xml", FIXABLE)
    link = tmp_path / "link.xml"
    link.symlink_to(target)
    lint_paths([str(link)], use_config=False, fix=True)
    assert link.is_symlink() and "numDigits" in target.read_text()


def test_nearest_configuration_applies(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "HEAD", "")  # the search stops at the repository
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n[tool.rcml.lint]\nignore = ["say-voice"]\n',
    )
    write(tmp_path / "a.xml", BAD)
    write(tmp_path / "strict" / ".rcml-lint.toml", '[severity]\n13511 = "info"\n')
    write(tmp_path / "strict" / "b.xml", BAD)
    write(
        tmp_path / "legacy" / ".rcml-lint.toml",
        '[per-file-ignores]\n"old-*.xml" = ["say-voice"]\n',
    )
    write(tmp_path / "legacy" / "old-c.xml", BAD)
    write(tmp_path / "legacy" / "new-d.xml", BAD)
    results = lint_paths([str(tmp_path)])
    found = [(Path(r.file).name, f.rule, str(f.severity)) for r in results for f in r.findings]
    assert found == [
        ("new-d.xml", "say-voice", "error"),
        ("b.xml", "say-voice", "info"),
    ]


def test_configuration_errors_say_what_and_where(tmp_path: Path) -> None:
    cases = {
        'selct = ["ALL"]': "unknown key 'selct' (did you mean 'select'?)",
        'ignore = ["gather-timout"]': "unknown rule 'gather-timout' (did you mean",
        'target = "plivo"': "'plivo' is not a target",
        '[severity]\nsay-voice = "fatal"': "'fatal' is not a severity",
        "ignore = [": "not valid TOML",
    }
    for text, message in cases.items():
        path = write(tmp_path / "c" / ".rcml-lint.toml", text)
        with pytest.raises(LintConfigError, match=r"\.rcml-lint\.toml") as info:
            load_config(path)
        assert message in str(info.value)


def test_find_config_ignores_pyproject_without_the_table(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "HEAD", "")
    write(tmp_path / "pyproject.toml", '[tool.rcml.lint]\ntarget = "twilio"\n')
    write(tmp_path / "app" / "pyproject.toml", '[project]\nname = "app"\n')
    found = find_config(tmp_path / "app" / "x.xml")
    assert found is not None and found.target == "twilio"
    assert found.source == tmp_path / "pyproject.toml"


def test_base_url_gives_each_file_its_url(tmp_path: Path) -> None:
    write(tmp_path / ".git" / "HEAD", "")
    write(tmp_path / ".rcml-lint.toml", 'base-url = "https://app.example.com/rcml"\n')
    write(tmp_path / "ivr" / "menu.xml", "<Response><Redirect>menu.xml</Redirect></Response>")
    (result,) = lint_paths([str(tmp_path)])
    assert [f.rule for f in result.findings] == ["self-reference"]
    assert "https://app.example.com/rcml/ivr/menu.xml" in result.findings[0].message
    config = load_config(tmp_path / ".rcml-lint.toml")
    assert isinstance(config, LintConfig) and config.base_url is not None


def corpus(folder: Path, count: int) -> None:
    mixed = (BAD, GOOD, FIXABLE, '<Response><Say loop="0">Hi</Say><Gather/></Response>')
    for i in range(count):
        write(folder / f"d{i % 3}" / f"doc{i:03}.xml", mixed[i % len(mixed)])


@pytest.mark.parametrize("fmt", sorted(LINE_FORMATS))
@pytest.mark.parametrize("jobs", [1, 2])
def test_report_prints_what_the_findings_render_to(tmp_path: Path, fmt: str, jobs: int) -> None:
    corpus(tmp_path, 150)
    results = lint_paths([str(tmp_path)], use_config=False, jobs=1)
    findings = [f for r in results for f in r.findings]
    report = lint_report([str(tmp_path)], fmt=fmt, use_config=False, jobs=jobs)
    assert report.output == render(fmt, findings, len(results))
    counts = summary(findings)
    assert (report.files, report.errors, report.warnings, report.infos, report.fixable) == (
        150,
        counts["error"],
        counts["warning"],
        counts["info"],
        counts["fixable"],
    )
    assert report.failing and report.fixed == 0


@pytest.mark.parametrize(
    ("fail_on", "failing"), [(None, False), ("warning", False), ("info", True), ("never", False)]
)
def test_report_fails_at_the_fail_on_asked_or_configured(
    tmp_path: Path, fail_on: str | None, failing: bool
) -> None:
    # Info findings only (a prompt that falls through a Gather with an action): each
    # file's configured fail-on (error) passes them, as --fail-on warning does.
    for i in range(60):
        write(
            tmp_path / f"doc{i:02}.xml",
            '<Response><Gather action="/m" numDigits="1"/><Say>Bye</Say></Response>',
        )
    report = lint_report([str(tmp_path)], fail_on=fail_on, use_config=False, jobs=2)
    assert report.infos == 60 and report.errors == report.warnings == 0
    assert report.failing is failing


def test_report_with_fix_counts_the_fixes_and_prints_what_is_left(tmp_path: Path) -> None:
    corpus(tmp_path, 60)
    report = lint_report([str(tmp_path)], use_config=False, fix=True, jobs=2)
    assert report.fixed == 2 * 15  # two fixes in each FIXABLE file
    assert "numdigits" not in report.output and report.fixable == 0
    again = lint_report([str(tmp_path)], use_config=False, jobs=1)
    assert again.output == report.output


@compiled
@pytest.mark.skipif(sys.platform != "linux", reason="forked workers are Linux's way")
def test_a_report_worker_that_dies_loses_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus(tmp_path, 200)
    serial = lint_report([str(tmp_path)], use_config=False, jobs=1)

    def die(bounds: tuple[int, int]) -> None:
        os._exit(3)

    monkeypatch.setattr(_runner, "_tally_slice", die)
    parallel = lint_report([str(tmp_path)], use_config=False, jobs=3)
    assert parallel == serial
