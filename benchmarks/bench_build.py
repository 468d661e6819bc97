"""Throughput of building RCML: rcml's builder and templates against twilio-python's.

Run by hand::

    python benchmarks/bench_build.py [--count N] [--rounds R] [--json]

One realistic response (a Gather with nested Say, Play, Pause; a Dial with a Number; a
Record; a Redirect; the caller's number and the prompts change with each call) is built
``--count`` times per round, from the same inputs, by:

- builder: ``rcml.Response`` (every value checked against the schema) then ``to_xml()``,
  against twilio-python's ``VoiceResponse`` then ``to_xml()`` (no validation at all);
- templates: ``rcml.templates`` (the verb macros, which check every value and the nesting;
  output that is not theirs alone is parsed against the XSD), against the same document as
  a plain Jinja template of raw XML (autoescaped, not validated), the way app servers write
  RCML templates today, and against twilio-python.

All four run in each round, in alternating order (garbage collected before each);
the verdict uses the median over rounds of the paired ratio (ours / theirs in docs/s),
which cancels the load drift of a shared machine. Goal: ratio >= 1.0 to twilio-python, for
the builder and for templates.
Every contender's output is parsed and checked to be the same document before timing.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import jinja2
from twilio.twiml.voice_response import VoiceResponse

import rcml
from rcml.templates import environment

GOAL = 1.0

PROMPTS = (
    "Welcome to Example Telecom. Calls may be recorded for quality & training purposes.",
    "For sales, press 1. For support, press 2. To speak to an operator, press 0.",
)
# A caller per build: the document is the same shape, its values are not constants.
CALLERS = [f"+1555{n:07d}" for n in range(1000)]


def build_rcml(caller: str) -> str:
    r = rcml.Response()
    with r.gather(action="/ivr/menu", method="POST", num_digits=1, timeout=5) as g:
        g.say(PROMPTS[0], voice="woman", language="en-US")
        g.play("https://media.example.com/prompts/menu.wav", loop=1)
        g.pause(length=1)
        g.say(PROMPTS[1], voice="woman", language="en-US")
    dial = r.dial(action="/ivr/agent/done", timeout=20, caller_id=caller)
    dial.number("+15550100001", status_callback="/ivr/status")
    r.record(action="/ivr/voicemail/done", max_length=120, finish_on_key="#", play_beep=True)
    r.redirect("/ivr/goodbye")
    return r.to_xml()


def build_twilio(caller: str) -> str:
    r = VoiceResponse()
    g = r.gather(action="/ivr/menu", method="POST", num_digits=1, timeout=5)
    g.say(PROMPTS[0], voice="woman", language="en-US")
    g.play("https://media.example.com/prompts/menu.wav", loop=1)
    g.pause(length=1)
    g.say(PROMPTS[1], voice="woman", language="en-US")
    dial = r.dial(action="/ivr/agent/done", timeout=20, caller_id=caller)
    dial.number("+15550100001", status_callback="/ivr/status")
    r.record(action="/ivr/voicemail/done", max_length=120, finish_on_key="#", play_beep=True)
    r.redirect("/ivr/goodbye")
    return str(r.to_xml())


MACRO_TEMPLATE = """\
{% import "rcml/verbs.xml" as v %}
{% call v.response() %}
  {% call v.gather(action="/ivr/menu", method="POST", num_digits=1, timeout=5) %}
    {{ v.say(prompts[0], voice="woman", language="en-US") }}
    {{ v.play("https://media.example.com/prompts/menu.wav", loop=1) }}
    {{ v.pause(length=1) }}
    {{ v.say(prompts[1], voice="woman", language="en-US") }}
  {% endcall %}
  {% call v.dial(action="/ivr/agent/done", timeout=20, caller_id=from_number) %}
    {{ v.number("+15550100001", status_callback="/ivr/status") }}
  {% endcall %}
  {{ v.record(action="/ivr/voicemail/done", max_length=120, finish_on_key="#", play_beep=true) }}
  {{ v.redirect("/ivr/goodbye") }}
{% endcall %}
"""

RAW_TEMPLATE = """\
<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather action="/ivr/menu" method="POST" numDigits="1" timeout="5">
    <Say voice="woman" language="en-US">{{ prompts[0] }}</Say>
    <Play loop="1">https://media.example.com/prompts/menu.wav</Play>
    <Pause length="1"/>
    <Say voice="woman" language="en-US">{{ prompts[1] }}</Say>
  </Gather>
  <Dial action="/ivr/agent/done" timeout="20" callerId="{{ from_number }}">
    <Number statusCallback="/ivr/status">+15550100001</Number>
  </Dial>
  <Record action="/ivr/voicemail/done" maxLength="120" finishOnKey="#" playBeep="true"/>
  <Redirect>/ivr/goodbye</Redirect>
</Response>
"""


def contenders() -> dict[str, Callable[[str], str]]:
    env = environment(loader=jinja2.DictLoader({"menu.xml.j2": MACRO_TEMPLATE}))
    plain = jinja2.Environment(autoescape=True).from_string(RAW_TEMPLATE)
    return {
        "rcml builder": build_rcml,
        "twilio VoiceResponse": build_twilio,
        "rcml template": lambda caller: env.render_template(
            "menu.xml.j2", prompts=PROMPTS, from_number=caller
        ),
        "plain Jinja": lambda caller: plain.render(prompts=PROMPTS, from_number=caller),
    }


PAIRS = (("builder", "rcml builder", "twilio VoiceResponse"),
         ("templates", "rcml template", "plain Jinja"),
         ("templates_vs_twilio", "rcml template", "twilio VoiceResponse"))  # fmt: skip


def check_same_document(builds: dict[str, Callable[[str], str]]) -> None:
    documents = {name: rcml.parse(build(CALLERS[0])) for name, build in builds.items()}
    first = next(iter(documents.values()))
    for name, doc in documents.items():
        if doc != first:
            raise SystemExit(f"{name} builds a different document")
    # The builder and the macros write the very same bytes.
    if builds["rcml builder"](CALLERS[1]) != builds["rcml template"](CALLERS[1]):
        raise SystemExit("the builder and the template differ")


def _clock(build: Callable[[str], str], count: int) -> float:
    callers = (CALLERS * (count // len(CALLERS) + 1))[:count]
    gc.collect()
    start = time.perf_counter()
    for caller in callers:
        build(caller)
    return time.perf_counter() - start


def bench(builds: dict[str, Callable[[str], str]], count: int, rounds: int) -> dict[str, Any]:
    times: dict[str, list[float]] = {name: [] for name in builds}
    for build in builds.values():
        _clock(build, min(count, 200))  # warm-up: imports, caches, the thread's validator
    for i in range(rounds):
        order = list(builds) if i % 2 == 0 else list(builds)[::-1]
        for name in order:
            times[name].append(_clock(builds[name], count))
    return times


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000, help="documents per round (default 2000)")
    ap.add_argument("--rounds", type=int, default=9, help="timed rounds (default 9)")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    args = ap.parse_args(argv)
    if args.count < 1 or args.rounds < 1:
        ap.error("--count and --rounds must be at least 1")

    builds = contenders()
    check_same_document(builds)
    size = len(build_rcml(CALLERS[0]).encode())
    print(f"one document ({size} bytes), built {args.count} times per round, "
          f"{args.rounds} interleaved rounds; best round (median round)")  # fmt: skip
    times = bench(builds, args.count, args.rounds)
    report: dict[str, Any] = {"count": args.count, "rounds": args.rounds, "goal": GOAL}
    for name, seconds in times.items():
        best, median = min(seconds), statistics.median(seconds)
        report[name] = {"docs_per_s": args.count / best, "median_docs_per_s": args.count / median}
        print(f"  {name:<22} {args.count / best:>9,.0f} docs/s ({args.count / median:,.0f})"
              f"  {best * 1e6 / args.count:6.1f} us/doc")  # fmt: skip
    for label, ours, theirs in PAIRS:
        paired = statistics.median(t / o for o, t in zip(times[ours], times[theirs], strict=True))
        report[f"ratio_{label}"] = paired
        verdict = ""
        if label in ("builder", "templates_vs_twilio"):
            verdict = f"; goal >= {GOAL:g}: {'met' if paired >= GOAL else 'NOT met'}"
        print(f"  {label}: {ours} / {theirs} = {paired:.2f}x the docs/s "
              f"(median of paired rounds){verdict}")  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
