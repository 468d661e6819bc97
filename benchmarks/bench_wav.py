"""Speed of ``rcml rehearse --wav``: seconds of call audio rendered per wall-clock second.

Run by hand::

    python benchmarks/bench_wav.py [--tts espeak] [--rounds R] [--json]

Rehearses every caller script of the example IVR once without audio to find the longest
branch, then renders that branch to an 8 kHz mono WAV file, as ``rcml rehearse --wav``
does (rehearsal, speech, tones, mixing, encoding, writing the file), each round twice:
into an empty speech cache ("cold") and again from it ("warm"). The engine starts before
timing, as one rehearsal starts it once. The reference, measured in the same run, is the
same rehearsal without audio (``TimingBackend``). Verdict on the median over rounds.
Goals (the media issue): cold >= 200x real time with libespeak-ng, warm >= 2000x.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rcml import TtsEngine, WavBackend, load_script, rehearse, select_engine

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
APP = f"{EXAMPLES}/ivr/app.py:asgi_app"
GOALS = {"cold": 200.0, "warm": 2000.0}


def longest_branch() -> tuple[Path, float]:
    lengths = {}
    for script in sorted((EXAMPLES / "ivr" / "calls").glob("*.toml")):
        result = rehearse(APP, load_script(script), seed=1)
        lengths[script] = result.events[-1].t
    script = max(lengths, key=lengths.__getitem__)
    return script, lengths[script]


def render(script: Path, engine: TtsEngine, cache: str, out: Path) -> tuple[float, float, float]:
    """(wall seconds, call seconds, speech seconds) of one rendered rehearsal."""
    started = time.perf_counter()
    backend = WavBackend(tts=engine, cache=cache)
    result = rehearse(APP, load_script(script), seed=1, media=backend)
    backend.write(out)
    wall = time.perf_counter() - started
    speech = sum(float(e.details.get("duration", 0.0)) for e in result.events if e.type == "say")
    return wall, backend.duration, speech


def timing_only(script: Path) -> float:
    started = time.perf_counter()
    rehearse(APP, load_script(script), seed=1)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tts", default="auto", help="engine (auto, espeak, pyttsx3, ...)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()

    engine = select_engine(args.tts)  # started before timing: one rehearsal starts it once
    script, _ = longest_branch()
    speeds: dict[str, list[float]] = {"cold": [], "warm": []}
    reference: list[float] = []
    call = speech = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "call.wav"
        for round_ in range(args.rounds):
            cache = f"{tmp}/cache-{round_}"
            for kind in ("cold", "warm"):
                wall, call, speech = render(script, engine, cache, out)
                speeds[kind].append(call / wall)
            reference.append(call / timing_only(script))
    medians = {kind: statistics.median(values) for kind, values in speeds.items()}
    report = {
        "engine": engine.name,
        "branch": script.name,
        "call_seconds": round(call, 3),
        "speech_seconds": round(speech, 3),
        "x_real_time": {k: [round(v) for v in values] for k, values in speeds.items()},
        "median": {k: round(v) for k, v in medians.items()},
        "reference_no_audio_median": round(statistics.median(reference)),
        "goals": GOALS,
        "met": {kind: medians[kind] >= GOALS[kind] for kind in GOALS},
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        name = report["engine"]
        print(f"engine {name}; branch {script.name}: {call:.1f} s call, {speech:.1f} s speech")
        for kind in ("cold", "warm"):
            runs = ", ".join(f"{v:,.0f}x" for v in speeds[kind])
            verdict = "met" if report["met"][kind] else "NOT met"
            median, goal = medians[kind], GOALS[kind]
            print(f"{kind}: median {median:,.0f}x real time ({runs}); goal {goal:,.0f}x: {verdict}")
        bare = report["reference_no_audio_median"]
        print(f"reference, same rehearsal without audio: {bare:,}x real time")
    return 0 if all(report["met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
