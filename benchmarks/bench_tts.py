"""Speed of the rehearsal's speech: seconds of audio rendered per wall-clock second.

Run by hand::

    python benchmarks/bench_tts.py [--tts espeak] [--prompts N] [--rounds R] [--json]

Each round renders ``--prompts`` distinct IVR prompts (about 8 s of speech each) through
``WavBackend.speech`` at 8 kHz three ways: with no cache, into an empty cache ("cold":
synthesis, resampling and the cache write), and again from that cache ("warm"). The
engine is started before timing, as one rehearsal starts it once. The verdict uses the
median over rounds. Goals (the media issue): cold >= 200x real time with libespeak-ng,
warm >= 2000x.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time

from rcml._media import WavBackend, select_engine

GOALS = {"cold": 200.0, "warm": 2000.0}


def prompts(count: int, salt: int) -> list[str]:
    return [
        f"Thank you for calling, caller {salt}. For sales press {i % 10}. For support press "
        f"{(i + 1) % 10}. To hear these options again, stay on line {i}."
        for i in range(count)
    ]


def speed(backend: WavBackend, texts: list[str]) -> float:
    started = time.perf_counter()
    audio = sum(backend.speech(t, voice="woman", language="en").duration for t in texts)
    return audio / (time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tts", default="espeak")
    parser.add_argument("--prompts", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    engine = select_engine(args.tts)
    WavBackend(tts=engine, cache=False).speech("start the engine", voice="woman", language="en")
    runs: dict[str, list[float]] = {"nocache": [], "cold": [], "warm": []}
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory() as cache:
            runs["nocache"].append(
                speed(WavBackend(tts=engine, cache=False), prompts(args.prompts, 2 * round_))
            )
            texts = prompts(args.prompts, 2 * round_ + 1)
            runs["cold"].append(speed(WavBackend(tts=engine, cache=cache), texts))
            runs["warm"].append(speed(WavBackend(tts=engine, cache=cache), texts))
    medians = {mode: statistics.median(values) for mode, values in runs.items()}
    ok = all(medians[mode] >= goal for mode, goal in GOALS.items())
    if args.json:
        print(json.dumps({"engine": engine.name, "x_real_time": medians, "ok": ok}))
    else:
        for mode, value in medians.items():
            goal = f"(goal >= {GOALS[mode]:.0f}x)" if mode in GOALS else ""
            print(f"{engine.name} {mode:8} {value:9.0f}x real time {goal}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
