"""Throughput of ``rcml.parse`` (strict) against lxml's parse + XSD validation alone.

Run by hand::

    python benchmarks/bench_parse.py [--count N] [--rounds R] [--seed S] [--profile] [--json]

A seeded corpus of realistic RCML responses (IVR menus, Dial with nouns, voicemail,
conferences, SMS and e-mail; 100 B for a bare Reject, otherwise 200 B to 4 KB) is generated
in memory and checked against schemas/rcml.xsd. Then, in alternating rounds over the whole
corpus (garbage collected before each, collector on during it): ``rcml.parse(doc)`` against
lxml alone, ``etree.fromstring`` with a hardened parser plus ``XMLSchema.validate``. The
best round counts, the median is shown too; the goal is rcml.parse within 3x of lxml.
``--profile`` adds where rcml.parse spends its time: its steps timed one by one, then
cProfile's hotspots.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from random import Random
from types import CodeType
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

import rcml

GOAL = 3.0
MAX_BYTES = 4096

# ---------------------------------------------------------------------------- corpus

_PHRASES = (
    "Welcome to Example Telecom.",
    "For sales, press 1. For support, press 2. For billing, press 3.",
    "To speak to an operator, press 0.",
    "To hear these options again, press the star key.",
    "Please enter your account number, followed by the pound key.",
    "Your call is important to us. Please stay on the line.",
    "All of our agents are busy & will be with you shortly.",
    "Calls may be recorded for quality & training purposes.",
    "We did not receive your choice.",
    "Sorry, that is not a valid option.",
    "Please leave a message after the beep.",
    "Thank you for calling. Goodbye.",
    "Our offices are open Monday to Friday, 9 to 5.",
    "Please hold while we connect your call.",
    "Your estimated wait time is <5 minutes>.",
    "Bienvenue chez Example Télécom. Pour le service client, tapez 1.",
    "Willkommen. Bitte wählen Sie eine Option.",
)
_LANGUAGES = ("en", "en-US", "en-gb", "fr", "de-DE", "es", "pt-BR")
_PATHS = ("ivr", "menu", "sales", "support", "billing", "voicemail", "after-dial", "status")
_HOSTS = ("", "", "https://app.example.com", "http://10.0.0.12:8080/rcml")
_LOGINS = ("alice", "bob", "carol", "dave", "frontdesk", "agent-17")
_EVENTS = ("initiated", "ringing", "answered", "completed")
_HINTS = ("billing", "technical support", "cancel my account", "sales", "opening hours")


@dataclass
class El:
    tag: str  # "!--" renders a comment holding ``text``
    attrs: dict[str, str] = field(default_factory=dict)
    text: str = ""
    children: list[El] = field(default_factory=list)


def render(el: El, pretty: bool, depth: int = 0) -> str:
    pad = "\n" + "  " * depth if pretty else ""
    if el.tag == "!--":
        return f"{pad}<!-- {el.text} -->"
    attrs = "".join(f" {k}={quoteattr(v)}" for k, v in el.attrs.items())
    if el.children:
        inner = "".join(render(c, pretty, depth + 1) for c in el.children)
        return f"{pad}<{el.tag}{attrs}>{inner}{pad}</{el.tag}>"
    if el.text:
        return f"{pad}<{el.tag}{attrs}>{escape(el.text)}</{el.tag}>"
    return f"{pad}<{el.tag}{attrs}/>"


def _some(r: Random, p: float, candidates: dict[str, str]) -> dict[str, str]:
    """Each candidate attribute, written with probability ``p``."""
    return {k: v for k, v in candidates.items() if r.random() < p}


def _url(r: Random) -> str:
    path = "/".join(r.sample(_PATHS, r.randint(1, 2)))
    query = f"?CallSid=CA{r.getrandbits(128):032x}" if r.random() < 0.4 else ""
    if query and r.random() < 0.5:
        query += f"&step={r.randint(1, 9)}"
    return f"{r.choice(_HOSTS)}/{path}{query}"


def _number(r: Random) -> str:
    return f"+1555{r.randrange(10**7):07d}"


def _method(r: Random) -> str:
    return r.choice(("GET", "POST"))


def _bool(r: Random) -> str:
    return r.choice(("true", "false"))


# Verb and noun makers: compact tables of the attributes real applications write.
# fmt: off
def _say(r: Random) -> El:
    attrs = _some(r, 0.5, {"voice": r.choice(("man", "woman")),
                           "language": r.choice(_LANGUAGES), "loop": r.choice("120")})
    return El("Say", attrs, " ".join(r.sample(_PHRASES, r.randint(1, 3))))


def _play(r: Random) -> El:
    media = f"https://media.example.com/prompts/{r.choice(_PATHS)}-{r.randint(1, 40)}.wav"
    return El("Play", _some(r, 0.3, {"loop": str(r.randint(1, 3))}), media)


def _pause(r: Random) -> El:
    return El("Pause", _some(r, 0.7, {"length": str(r.randint(1, 5))}))


def _gather(r: Random) -> El:
    attrs = {"action": _url(r)} | _some(r, 0.5, {
        "method": _method(r), "timeout": str(r.randint(1, 15)),
        "finishOnKey": r.choice(("#", "*", "", "#*")), "numDigits": str(r.randint(1, 12))})
    if r.random() < 0.3:
        attrs |= {"input": r.choice(("speech", "dtmf speech")), "language": "en-US"}
        attrs |= _some(r, 0.6, {"hints": ",".join(r.sample(_HINTS, 3)),
                                "partialResultCallback": _url(r)})
    prompts = [r.choice((_say, _say, _play, _pause))(r) for _ in range(r.randint(1, 5))]
    return El("Gather", attrs, children=prompts)


def _video(r: Random) -> El:
    return El("Video", _some(r, 0.6, {
        "enable": "true", "mode": r.choice(("mcu", "sfu")),
        "resolution": r.choice(("CIF", "4CIF", "VGA", "720p")),
        "layout": r.choice(("linear", "tile")), "overlay": f"Agent {r.choice(_LOGINS)}"}))


def _noun(r: Random) -> El:
    tag = r.choice(("Number", "Number", "Client", "Sip", "Uri"))
    events = ",".join(e for e in _EVENTS if r.random() < 0.7) or "completed"
    attrs = _some(r, 0.25, {
        "url": _url(r), "method": _method(r), "statusCallback": _url(r),
        "statusCallbackMethod": _method(r), "statusCallbackEvent": events})
    if tag == "Number":
        return El(tag, attrs | _some(r, 0.1, {"sendDigits": "ww1234#"}), _number(r))
    if tag == "Client":
        login = r.choice(_LOGINS)
        if r.random() < 0.15:
            return El(tag, attrs | {"name": login}, children=[_video(r)])
        return El(tag, attrs, login)
    attrs |= _some(r, 0.3, {"username": "ivr", "password": f"s3cret{r.randint(1, 99)}"})
    return El(tag, attrs, f"sip:{r.choice(_LOGINS)}@pbx.example.com;transport=tcp")


def _dial(r: Random, nouns: list[El] | None = None) -> El:
    attrs = _some(r, 0.4, {
        "action": _url(r), "method": _method(r), "timeout": str(r.randint(5, 60)),
        "timeLimit": str(r.randint(60, 14400)), "callerId": _number(r), "record": _bool(r)})
    if nouns is None and r.random() < 0.3:
        return El("Dial", attrs, _number(r))
    return El("Dial", attrs, children=nouns or [_noun(r) for _ in range(r.randint(1, 5))])


def _conference(r: Random) -> El:
    attrs = _some(r, 0.4, {
        "muted": _bool(r), "beep": _bool(r), "startConferenceOnEnter": _bool(r),
        "endConferenceOnExit": _bool(r), "waitUrl": "/music/hold.wav",
        "waitMethod": _method(r), "maxParticipants": str(r.randint(2, 40))})
    room = f"room-{r.randint(1, 500)}"
    if r.random() < 0.2:
        return El("Conference", attrs | {"name": room}, children=[_video(r)])
    return El("Conference", attrs, room)


def _record(r: Random) -> El:
    return El("Record", {"action": _url(r)} | _some(r, 0.5, {
        "method": _method(r), "maxLength": str(r.randint(10, 600)),
        "timeout": str(r.randint(1, 10)), "finishOnKey": r.choice(("#", "1234567890*#", "-1")),
        "playBeep": _bool(r), "transcribe": _bool(r)}))


def _redirect(r: Random) -> El:
    return El("Redirect", _some(r, 0.5, {"method": _method(r)}), _url(r))


def _sms(r: Random) -> El:
    attrs = _some(r, 0.5, {"to": _number(r), "from": _number(r), "action": _url(r)})
    return El("Sms", attrs, " ".join(r.sample(_PHRASES, 2))[:160])


def _email(r: Random) -> El:
    attrs = {"to": "team@example.com", "from": "ivr@example.com"}
    attrs |= _some(r, 0.4, {"cc": "ops@example.com", "subject": "Missed call after hours"})
    return El("Email", attrs, f"A caller from {_number(r)} reached the IVR after hours.")


def _reject(r: Random) -> El:
    return El("Reject", _some(r, 0.6, {"reason": r.choice(("busy", "rejected"))}))


def _hangup() -> El:
    return El("Hangup")


Make = Callable[[Random], El]
#: A scenario's verbs: the head, the tail, and the fillers that go between them.
Shape = tuple[list[El], list[El], tuple[Make, ...]]


def _ivr(r: Random) -> Shape:
    head = [_pause(r), _say(r), _gather(r)][r.randint(0, 2):]
    return head, [_say(r), _redirect(r)], (_gather, _say, _say, _play, _pause)


def _dialling(r: Random) -> Shape:
    tails: list[list[El]] = [[], [_hangup()], [_redirect(r)], [_say(r), _record(r), _hangup()]]
    return [_say(r), _dial(r)], r.choice(tails), (_dial, _say, _play)


def _voicemail(r: Random) -> Shape:
    return [_say(r), _record(r)], [_say(r), _hangup()], (_say, _play, _pause)


def _conferencing(r: Random) -> Shape:
    return [_say(r), _dial(r, [_conference(r)])], r.choice(([], [_hangup()])), (_say, _play)


def _after_hours(r: Random) -> Shape:
    return [_pause(r), _say(r), _sms(r), _email(r)], [_hangup()], (_say, _sms)


def _sms_reply(r: Random) -> Shape:
    return [_sms(r)], [r.choice((_hangup(), _redirect(r)))], (_sms,)


def _blocked(r: Random) -> Shape:
    why = f"caller {_number(r)} matched block-list rule {r.randint(1, 99)}; no voicemail"
    return [El("!--", text=why)], [_reject(r)], ()


_SCENARIOS: dict[Callable[[Random], Shape], int] = {
    _ivr: 35, _dialling: 25, _voicemail: 10, _conferencing: 8, _after_hours: 8,
    _sms_reply: 6, _blocked: 8,
}
# fmt: on


def make_document(r: Random) -> bytes:
    scenario = r.choices(list(_SCENARIOS), list(_SCENARIOS.values()))[0]
    head, end, fillers = scenario(r)
    pretty = r.random() < 0.7
    target = math.exp(r.uniform(math.log(200), math.log(MAX_BYTES)))
    decl = '<?xml version="1.0" encoding="UTF-8"?>' if r.random() < 0.8 else ""
    if r.random() < 0.1:
        head.insert(0, El("!--", text=f"generated by app-server {r.randint(1, 9)}.0"))
    size = len((decl + render(El("Response", children=head + end), pretty)).encode())
    while fillers and size < target:
        verb = r.choice(fillers)(r)
        grow = len(render(verb, pretty, 1).encode())
        if size + grow > MAX_BYTES:
            break
        head.append(verb)
        size += grow
    text = decl + render(El("Response", children=head + end), pretty)
    return (text.lstrip("\n") + ("\n" if pretty else "")).encode()


def make_corpus(count: int, seed: int) -> list[bytes]:
    r = Random(seed)
    return [make_document(r) for _ in range(count)]


# ---------------------------------------------------------------------------- timing


def _clock(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _parse_all(docs: list[bytes]) -> None:
    parse = rcml.parse
    for doc in docs:
        parse(doc)


def bench(
    docs: list[bytes], rounds: int, parser: etree.XMLParser, schema: etree.XMLSchema
) -> dict[str, list[float]]:
    """Seconds per round over the whole corpus, for each contender, in alternating order."""
    fromstring, validate = etree.fromstring, schema.validate
    ours = functools.partial(_parse_all, docs)

    def lxml() -> None:
        for doc in docs:
            if not validate(fromstring(doc, parser)):
                raise AssertionError("invalid document")

    ours()  # warm-up: the thread's parser and validator, the allocator
    lxml()
    times: dict[str, list[float]] = {"rcml": [], "lxml": []}
    for i in range(rounds):
        pair: list[tuple[str, Callable[[], object]]] = [("rcml", ours), ("lxml", lxml)]
        for name, run in pair if i % 2 == 0 else pair[::-1]:
            times[name].append(_clock(run))
    return times


# ---------------------------------------------------------------------------- profile

STEPS = (
    "_source.decode", "_source.refuse_doctype", "etree.fromstring",
    "validator.validate", "_build() (positions lazy)", "first .pos (scan)",
)  # fmt: skip


def breakdown(docs: list[bytes], rounds: int) -> dict[str, float]:
    """Seconds over the corpus per step of a replica of ``_parse_strict``, best round each.

    Also ``rcml.parse`` itself, timed as a whole in the same rounds: the difference is
    the replica's clock calls and whatever rcml.parse does that the replica does not.
    """
    from rcml import _parse, _source
    from rcml._schema import load_validator

    clock, max_size = time.perf_counter, rcml.DEFAULT_MAX_SIZE
    validator, xml_parser = load_validator(), _parse._xml_parser()
    best = dict.fromkeys(("rcml.parse, whole", "sum of the steps", *STEPS), math.inf)
    for _ in range(rounds):
        spent = dict.fromkeys(STEPS, 0.0)
        gc.collect()
        for doc in docs:
            ticks = [clock()]
            text, utf8 = _source.decode(doc, max_size)
            ticks.append(clock())
            _source.refuse_doctype(text)
            ticks.append(clock())
            root = etree.fromstring(utf8 or text.encode("utf-8"), xml_parser)
            ticks.append(clock())
            if not validator.validate(root):
                raise AssertionError("invalid document")
            ticks.append(clock())
            node = _parse._build(root, _source.Locator(text))
            ticks.append(clock())
            _ = node.pos  # what a caller pays when it asks for a position
            ticks.append(clock())
            for step, start, end in zip(STEPS, ticks, ticks[1:], strict=False):
                spent[step] += end - start
        spent["sum of the steps"] = sum(spent.values())
        spent["rcml.parse, whole"] = _clock(functools.partial(_parse_all, docs))
        best = {step: min(best[step], spent[step]) for step in best}
    return best


def _where(code: CodeType) -> str:
    return f"{code.co_filename.rsplit('/', 1)[-1]}:{code.co_firstlineno}"


def hotspots(docs: list[bytes], top: int) -> list[dict[str, Any]]:
    """cProfile of rcml.parse over the corpus: the ``top`` functions by own time.

    Same-named functions of one file and line are summed: all the dataclass-generated
    ``__init__`` of the AST classes make one row.
    """
    profile = cProfile.Profile()
    profile.enable()
    for doc in docs:
        rcml.parse(doc)
    profile.disable()
    rows: dict[str, dict[str, Any]] = {}
    for entry in profile.getstats():
        code = entry.code
        name = code if isinstance(code, str) else f"{code.co_name} ({_where(code)})"
        row = rows.setdefault(name, {"function": name, "calls": 0, "own_s": 0.0, "cum_s": 0.0})
        row["calls"] += entry.callcount
        row["own_s"] += entry.inlinetime
        row["cum_s"] += entry.totaltime
    return sorted(rows.values(), key=lambda row: row["own_s"], reverse=True)[:top]


# ---------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=2000, help="documents (default 2000)")
    ap.add_argument("--rounds", type=int, default=9, help="timed rounds (default 9)")
    ap.add_argument("--seed", type=int, default=20240521, help="corpus seed")
    ap.add_argument("--profile", action="store_true", help="where rcml.parse spends time")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON too")
    args = ap.parse_args(argv)
    if args.count < 1 or args.rounds < 1:
        ap.error("--count and --rounds must be at least 1")

    docs = make_corpus(args.count, args.seed)
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    schema = etree.XMLSchema(etree.parse(str(rcml.schema_path()), parser))
    for i, doc in enumerate(docs):
        if not schema.validate(etree.fromstring(doc, parser)):
            raise SystemExit(f"document {i} is invalid: {schema.error_log}\n{doc.decode()}")
    sizes = sorted(len(d) for d in docs)
    corpus = {"count": len(docs), "seed": args.seed, "bytes": sum(sizes),
              "min": sizes[0], "median": sizes[len(sizes) // 2], "max": sizes[-1]}  # fmt: skip
    print(f"corpus: {len(docs)} valid documents, {sum(sizes) / 1e6:.2f} MB, {sizes[0]} to "
          f"{sizes[-1]} bytes (median {corpus['median']}), seed {args.seed}")  # fmt: skip

    times = bench(docs, args.rounds, parser, schema)
    report: dict[str, Any] = {"corpus": corpus, "rounds": args.rounds, "goal": GOAL}
    print(f"{args.rounds} interleaved rounds; best round (median round)")
    labels = {"rcml": "rcml.parse: parse+validate+AST", "lxml": "lxml: fromstring+validate"}
    for name, label in labels.items():
        best, median = min(times[name]), statistics.median(times[name])
        report[name] = {"best_s": best, "median_s": median, "docs_per_s": len(docs) / best}
        print(f"  {label:<38} {len(docs) / best:>8,.0f} docs/s ({len(docs) / median:,.0f})"
              f"  {best * 1e6 / len(docs):6.1f} us/doc")  # fmt: skip
    ratio = report["rcml"]["best_s"] / report["lxml"]["best_s"]
    paired = statistics.median(o / r for o, r in zip(times["rcml"], times["lxml"], strict=True))
    report |= {"ratio": ratio, "ratio_paired_median": paired}
    # The verdict uses the paired ratio: each round times both sides back to back, so
    # their ratio cancels the load drift of a shared machine, which the ratio of two
    # independent best rounds does not (it swings by a third from run to run here).
    verdict = "met" if paired <= GOAL else "NOT met"
    print(f"  ratio rcml/lxml: {paired:.2f}x median of paired rounds ({ratio:.2f}x best "
          f"vs best); goal within {GOAL:g}x: {verdict}")  # fmt: skip

    if args.profile:
        steps = breakdown(docs, args.rounds)
        whole = steps["rcml.parse, whole"]
        print("\nrcml.parse step by step (best round of each; % of rcml.parse):")
        for step, seconds in steps.items():
            print(f"  {step:<32} {seconds * 1e6 / len(docs):7.1f} us/doc {seconds / whole:7.1%}")
        spots = hotspots(docs, 15)
        print("\ncProfile of rcml.parse, by own time (cProfile inflates Python calls; lxml's "
              "C calls\ncount as own time of their caller: fromstring in _load, validate in "
              "_parse_strict):")  # fmt: skip
        for s in spots:
            print(f"  {s['own_s'] * 1e3:7.1f} ms own {s['cum_s'] * 1e3:7.1f} ms cum "
                  f"{s['calls']:>7}  {s['function']}")  # fmt: skip
        report |= {"steps_s": steps, "hotspots": spots}
    if args.json:
        print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
