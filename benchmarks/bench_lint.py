"""``rcml lint`` over 10,000 files against ``xmllint --schema`` over the same files.

Run by hand (xmllint is Debian's libxml2-utils)::

    python benchmarks/bench_lint.py [--count N] [--rounds R] [--seed S] [--compiled] [--json]

The corpus is bench_parse's seeded generator (IVR menus, Dial with nouns, voicemail,
conferences, SMS, e-mail), written one document per file; one in ten gets a mistake a
person makes (a misspelled attribute, a bad value, a bare '&'), so both tools have
something to report. Both run as a user runs them, as whole processes, in alternating
rounds: ``rcml lint DIR`` (every core, all rules, nothing printed per clean file),
``rcml lint --jobs 1 DIR`` (one process, as xmllint) and ``xmllint --noout --schema
schemas/rcml.xsd FILE...`` (one process, schema only). The goal: rcml lint within 1.5x
of xmllint; both ratios are printed, since xmllint uses one core. Then the start-up
case: ``rcml lint one.xml``, median of 15 runs, against the goal of 150 ms.

``--compiled`` also times the lint engine compiled by mypyc, as ``RCML_MYPYC=1 pip
install .`` builds it (hatch_build.py): the wheel is built from this checkout (about
half a minute) and run from where it is unpacked, with this environment's packages.

The rcml measured is the one in this checkout (put first on the subprocesses'
PYTHONPATH), not whichever the environment has installed. It is byte-compiled first,
as ``pip install`` leaves it: where PYTHONDONTWRITEBYTECODE is set, every start would
otherwise compile rcml from source.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).parent))
from bench_parse import make_corpus

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "schemas" / "rcml.xsd"
GOAL = 1.5
STARTUP_GOAL_MS = 150.0

_MISTAKES = (
    (b"<Gather ", b'<Gather numdigits="1" '),
    (b"<Say", b'<Say voice="alice"'),
    (b"</Response>", b"<Redirect>/next?a=1&b=2</Redirect></Response>"),
    (b"</Response>", b'<Pause length="1.5"/></Response>'),
)


def write_corpus(folder: Path, count: int, seed: int) -> list[Path]:
    r = Random(seed + 1)
    paths = []
    for i, doc in enumerate(make_corpus(count, seed)):
        if i % 10 == 9:
            old, new = r.choice(_MISTAKES)
            if old in doc:
                doc = doc.replace(old, new, 1)
        path = folder / f"d{i // 1000:02}" / f"doc{i:05}.xml"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(doc)
        paths.append(path)
    return paths


def _environment(first: Path = ROOT) -> dict[str, str]:
    """The environment for rcml's processes: the rcml in ``first`` (this checkout's, or
    an unpacked wheel's) first on the path."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(first), env.get("PYTHONPATH")]))
    return env


def build_compiled(into: Path) -> Path:
    """This checkout's wheel with the lint engine compiled (RCML_MYPYC=1), unpacked into
    ``into``: the folder to put first on the path."""
    import zipfile

    env = dict(os.environ, RCML_MYPYC="1")
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(into)]
    subprocess.run([*command, str(ROOT)], env=env, check=True)
    (wheel,) = into.glob("rcml-*.whl")
    site = into / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    import compileall

    compileall.compile_dir(str(site / "rcml"), quiet=1)  # as pip install leaves it
    return site


def _time(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--compiled", action="store_true", help="also time the engine compiled by mypyc"
    )
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    xmllint = shutil.which("xmllint")
    if xmllint is None:
        print("xmllint not found: apt-get install libxml2-utils", file=sys.stderr)
        return 2
    import compileall

    env = _environment()
    compileall.compile_dir(str(ROOT / "rcml"), quiet=1)
    measured = subprocess.run(
        [sys.executable, "-c", "import rcml; print(rcml.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    ).stdout.strip()
    rcml_lint = [sys.executable, "-m", "rcml", "lint", "--no-config", "-q", "--fail-on", "never"]

    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as build:
        compiled_env = _environment(build_compiled(Path(build))) if args.compiled else None
        folder = Path(tmp)
        paths = write_corpus(folder, args.count, args.seed)
        relative = [str(p.relative_to(folder)) for p in paths]
        size = sum(p.stat().st_size for p in paths)
        ours, single, theirs, ratios, single_ratios = [], [], [], [], []
        compiled, compiled_ratios = [], []
        for _ in range(args.rounds):
            a = _time([*rcml_lint, "."], folder, env)
            b = _time([xmllint, "--noout", "--schema", str(SCHEMA), *relative], folder)
            c = _time([*rcml_lint, "--jobs", "1", "."], folder, env)
            ours.append(a)
            theirs.append(b)
            single.append(c)
            ratios.append(a / b)
            single_ratios.append(c / b)
            if compiled_env is not None:
                d = _time([*rcml_lint, "."], folder, compiled_env)
                compiled.append(d)
                compiled_ratios.append(d / b)
        one = str(relative[0])
        startup = [_time([*rcml_lint, one], folder, env) * 1000 for _ in range(15)]
        findings = subprocess.run(
            [*rcml_lint, "-f", "json", "."], cwd=folder, env=env, capture_output=True, text=True
        )
        found = len(json.loads(findings.stdout)["findings"])

    result = {
        "rcml": measured,
        "files": args.count,
        "bytes": size,
        "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1,
        "findings": found,
        "rcml_lint_s": statistics.median(ours),
        "xmllint_s": statistics.median(theirs),
        "rcml_files_per_s": args.count / statistics.median(ours),
        "xmllint_files_per_s": args.count / statistics.median(theirs),
        "ratio_median": statistics.median(ratios),
        "ratios": ratios,
        "rcml_jobs1_s": statistics.median(single),
        "rcml_jobs1_files_per_s": args.count / statistics.median(single),
        "ratio_jobs1_median": statistics.median(single_ratios),
        "ratios_jobs1": single_ratios,
        "goal": GOAL,
        "startup_ms_median": statistics.median(startup),
        "startup_ms_min": min(startup),
        "startup_goal_ms": STARTUP_GOAL_MS,
    }
    if compiled:
        result["rcml_compiled_s"] = statistics.median(compiled)
        result["ratio_compiled_median"] = statistics.median(compiled_ratios)
        result["ratios_compiled"] = compiled_ratios
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"rcml: {measured}")
    print(
        f"corpus: {args.count} files, {size / 1e6:.1f} MB, {found} findings; "
        f"{result['cores']} cores"
    )
    print(f"rcml lint   {result['rcml_lint_s']:7.2f} s  {result['rcml_files_per_s']:8.0f} files/s")
    print(
        f"  --jobs 1  {result['rcml_jobs1_s']:7.2f} s  "
        f"{result['rcml_jobs1_files_per_s']:8.0f} files/s"
    )
    print(f"xmllint     {result['xmllint_s']:7.2f} s  {result['xmllint_files_per_s']:8.0f} files/s")
    if compiled:
        print(f"  compiled  {result['rcml_compiled_s']:7.2f} s  (mypyc, RCML_MYPYC=1)")
    rows = [
        (f"ratio ({result['cores']} cores)", result["ratio_median"], ratios),
        ("ratio (--jobs 1)", result["ratio_jobs1_median"], single_ratios),
    ]
    if compiled:
        rows.append(("ratio (compiled)", result["ratio_compiled_median"], compiled_ratios))
    for label, ratio, rounds in rows:
        verdict = "meets" if ratio <= GOAL else "misses"
        print(
            f"{label:<18}{ratio:.2f}x (rounds: {', '.join(f'{r:.2f}' for r in rounds)}); "
            f"{verdict} the goal of {GOAL}x"
        )
    verdict = "meets" if result["startup_ms_median"] <= STARTUP_GOAL_MS else "misses"
    print(
        f"one file    {result['startup_ms_median']:.0f} ms median, {result['startup_ms_min']:.0f}"
        f" ms best; {verdict} the goal of {STARTUP_GOAL_MS:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
