"""Every lint rule: its id, code, default severity and explanation.

Codes: where a Twilio (or RestComm, which reuses Twilio's numbers) notification code
means the same thing, the rule uses that number, so a finding can be looked up in the
platforms' error dictionaries. Rules of our own use ``RC`` codes:

* ``RC0xx`` reading files,
* ``RC1xx`` call flow (what runs, what never runs),
* ``RC2xx`` RestComm behaviour traps (valid XML that does not do what it says),
* ``RC3xx`` portability to Twilio (checked with ``target = "twilio"``).

The explanations are the source of ``docs/lint-rules.md`` and ``rcml lint --explain``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

from rcml._lint._model import Rule, Severity

__all__ = ["RULES", "VALUE_RULES", "ValueRule", "explain", "resolve"]

ERR, WARN, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

_RULES: list[Rule] = []


def _rule(
    id: str,
    code: str,
    severity: Severity,
    summary: str,
    why: str,
    bad: str,
    good: str,
    category: str,
    *,
    fixable: bool = False,
    target: str = "",
) -> None:
    _RULES.append(
        Rule(
            id=id,
            code=code,
            severity=severity,
            summary=summary,
            why=" ".join(why.split()),
            bad=bad.strip("\n"),
            good=good.strip("\n"),
            category=category,
            fixable=fixable,
            target=target,
        )
    )


# ---------------------------------------------------------------------------- reading

_rule(
    "unreadable-file",
    "RC001",
    ERR,
    "The file cannot be read.",
    """The path is a broken symbolic link, a symlink loop, a file without read permission,
    or something that is not a regular file. Nothing in it can be checked.""",
    "(a symlink pointing at itself)",
    "(a readable file)",
    "reading",
)

# ---------------------------------------------------------------------------- document

_rule(
    "document-too-large",
    "11750",
    ERR,
    "The document is larger than the platform accepts.",
    """Hosted platforms refuse RCML/TwiML responses over 64 KiB (Twilio error 11750); the
    call fails before a single verb runs. The limit is `max-size` in the configuration.""",
    "<Response><Say>(70,000 characters)</Say></Response>",
    "<Response><Play>https://example.com/long-message.wav</Play></Response>",
    "document",
)
_rule(
    "empty-document",
    "11770",
    ERR,
    "The document is empty.",
    """An empty body is not a document: Twilio reports 11770 and RestComm fails to parse
    it, and either way the caller hears nothing and the call drops.""",
    "",
    "<Response><Hangup/></Response>",
    "document",
)
_rule(
    "parse-error",
    "12100",
    ERR,
    "The document is not well-formed XML.",
    """RestComm cannot parse the document, writes notification 12100 and hangs up. Common
    causes: a tag left open, mismatched case between start and end tags, text before the
    XML declaration, a stray `<`, or a bad encoding.""",
    "<Response><Say>Hello</say></Response>",
    "<Response><Say>Hello</Say></Response>",
    "document",
)
_rule(
    "bare-ampersand",
    "12100",
    ERR,
    "An `&` that does not start an entity.",
    """XML requires `&amp;`. RestComm's parser repairs the *first* bare `&` of a run before
    parsing (so `?a=1&b=2` works there, `?a=1&b=2&c=3` does not), Twilio and every other XML
    parser reject the document. Reported as a warning when RestComm would repair it, as an
    error when it would not or when the target is Twilio. The fix writes `&amp;`.""",
    "<Response><Redirect>/menu?lang=en&step=2</Redirect></Response>",
    "<Response><Redirect>/menu?lang=en&amp;step=2</Redirect></Response>",
    "document",
    fixable=True,
)
_rule(
    "wrong-root",
    "12102",
    ERR,
    "The root element is not `<Response>`.",
    """Every RCML and TwiML document starts with `<Response>`. Twilio rejects other roots
    (12102); RestComm accepts any root, so a document that works there breaks elsewhere.""",
    "<Say>Hello</Say>",
    "<Response><Say>Hello</Say></Response>",
    "document",
)

# ---------------------------------------------------------------------------- schema

_rule(
    "unknown-element",
    "12200",
    ERR,
    "An element the vocabulary does not have.",
    """RestComm skips unknown elements without a word, so a misspelled verb (`<say>`,
    `<Gahter>`) is silently not executed and the call goes on without it. When the name
    differs from a known one only in case the fix renames it.""",
    "<Response><say>Hello</say></Response>",
    "<Response><Say>Hello</Say></Response>",
    "schema",
    fixable=True,
)
_rule(
    "unknown-attribute",
    "12200",
    ERR,
    "An attribute the element does not have.",
    """RestComm ignores attributes it does not know, so `numdigits="1"` leaves `numDigits`
    at its default and the Gather waits for `#` instead of one key. When the name differs
    from a known attribute only in case the fix renames it.""",
    '<Response><Gather numdigits="1" action="/menu"/></Response>',
    '<Response><Gather numDigits="1" action="/menu"/></Response>',
    "schema",
    fixable=True,
)
_rule(
    "element-not-allowed",
    "12200",
    ERR,
    "A known element in a place where it is never read.",
    """RestComm reads children only where its interpreter looks for them: a `<Say>` inside
    `<Dial>` or a `<Dial>` inside `<Say>` is never executed.""",
    "<Response><Record><Say>After the beep</Say></Record></Response>",
    "<Response><Say>After the beep</Say><Record/></Response>",
    "schema",
)
_rule(
    "missing-element",
    "12200",
    ERR,
    "An element that must be there is missing.",
    """Some elements need a child to mean anything, such as `<Refer>` and its `<Sip>`.""",
    "<Response><Refer/></Response>",
    "<Response><Refer><Sip>sip:agent@example.com</Sip></Refer></Response>",
    "schema",
)
_rule(
    "text-not-allowed",
    "12200",
    ERR,
    "Text in an element that takes none.",
    """The text is ignored: `<Gather>Press 1</Gather>` plays nothing; the prompt belongs in a
    nested `<Say>`.""",
    "<Response><Gather>Press 1 for sales</Gather></Response>",
    "<Response><Gather><Say>Press 1 for sales</Say></Gather></Response>",
    "schema",
)
_rule(
    "invalid-value",
    "12200",
    ERR,
    "An attribute value outside what the schema allows.",
    """RestComm writes a notification and uses the default instead, so the verb does not do
    what the document says. Attributes with a code of their own (such as `gather-timeout`)
    are reported under that rule.""",
    '<Response><Record media="video"/></Response>',
    '<Response><Record media="video_only"/></Response>',
    "schema",
)
_rule(
    "invalid-url",
    "11100",
    ERR,
    "A URL that is not a valid URL.",
    """RestComm reports 11100 and hangs up when it reaches a verb whose URL it cannot parse;
    a space in a URL is the usual cause.""",
    "<Response><Play>https://example.com/hold music.wav</Play></Response>",
    "<Response><Play>https://example.com/hold%20music.wav</Play></Response>",
    "schema",
)


# ---------------------------------------------------------------------------- values


class ValueRule(NamedTuple):
    """The rule for a bad value of one attribute (an immutable record)."""

    rule: str
    code: str
    element: str
    attribute: str
    #: The element's parent when the code is specific to nesting (Gather -> Say).
    parent: str
    bad: str
    good: str


# (rule id, code, element, attribute, parent, bad value, good value)
_VALUES: list[tuple[str, str, str, str, str, str, str]] = [
    ("dial-method", "13210", "Dial", "method", "", "PUT", "POST"),
    ("dial-timeout", "13212", "Dial", "timeout", "", "30s", "30"),
    ("dial-hangup-on-star", "13213", "Dial", "hangupOnStar", "", "yes", "true"),
    ("dial-time-limit", "13216", "Dial", "timeLimit", "", "-1", "3600"),
    ("dial-record", "13217", "Dial", "record", "", "yes", "true"),
    ("number-method", "13221", "Number", "method", "", "PUT", "POST"),
    ("number-send-digits", "13222", "Number", "sendDigits", "", "1x2", "ww123"),
    ("conference-muted", "13230", "Conference", "muted", "", "yes", "true"),
    ("conference-end-on-exit", "13231", "Conference", "endConferenceOnExit", "", "1", "true"),
    (
        "conference-start-on-enter",
        "13232",
        "Conference",
        "startConferenceOnEnter",
        "",
        "0",
        "false",
    ),
    ("conference-wait-url", "13233", "Conference", "waitUrl", "", "music dir/", "/music/"),
    ("conference-wait-method", "13234", "Conference", "waitMethod", "", "get", "GET"),
    ("conference-beep", "13235", "Conference", "beep", "", "onEnter", "true"),
    ("sip-method", "13241", "Sip", "method", "", "PUT", "POST"),
    ("gather-finish-on-key", "13310", "Gather", "finishOnKey", "", "ABC", "#"),
    ("gather-method", "13312", "Gather", "method", "", "PUT", "POST"),
    ("gather-timeout", "13313", "Gather", "timeout", "", "5s", "5"),
    ("gather-num-digits", "13314", "Gather", "numDigits", "", "0", "1"),
    ("gather-say-voice", "13321", "Say", "voice", "Gather", "alice", "woman"),
    ("gather-say-loop", "13322", "Say", "loop", "Gather", "-1", "2"),
    ("gather-input", "13326", "Gather", "input", "", "voice", "speech"),
    (
        "gather-partial-result-callback-method",
        "13329",
        "Gather",
        "partialResultCallbackMethod",
        "",
        "PUT",
        "POST",
    ),
    ("gather-language", "13331", "Gather", "language", "", "english", "en-US"),
    ("gather-action-on-empty-result", "13338", "Gather", "actionOnEmptyResult", "", "1", "true"),
    ("play-loop", "13410", "Play", "loop", "", "forever", "0"),
    ("say-loop", "13510", "Say", "loop", "", "twice", "2"),
    ("say-voice", "13511", "Say", "voice", "", "alice", "woman"),
    ("record-method", "13610", "Record", "method", "", "PUT", "POST"),
    ("record-timeout", "13611", "Record", "timeout", "", "5s", "5"),
    ("record-max-length", "13612", "Record", "maxLength", "", "1h", "3600"),
    ("record-finish-on-key", "13613", "Record", "finishOnKey", "", "none", "-1"),
    ("record-transcribe", "13614", "Record", "transcribe", "", "yes", "true"),
    ("record-play-beep", "13616", "Record", "playBeep", "", "no", "false"),
    ("redirect-method", "13710", "Redirect", "method", "", "PUT", "POST"),
    ("reject-reason", "13810", "Reject", "reason", "", "declined", "rejected"),
    ("pause-length", "13910", "Pause", "length", "", "1.5", "2"),
    ("sms-method", "14104", "Sms", "method", "", "PUT", "POST"),
    ("sms-status-callback", "14105", "Sms", "statusCallback", "", "not a url", "/sms-status"),
]

VALUE_RULES: dict[tuple[str, str, str], ValueRule] = {}


# Text for the elements whose examples need some.
_EXAMPLE_TEXT = {
    "Say": "Hello",
    "Play": "/audio/menu.wav",
    "Redirect": "/menu",
    "Sms": "Thanks for calling",
    "Number": "+15550100",
    "Sip": "sip:alice@example.com",
    "Conference": "room-1",
}


def _value_example(element: str, attribute: str, parent: str, value: str) -> str:
    body = _EXAMPLE_TEXT.get(element, "")
    inner = f'<{element} {attribute}="{value}">{body}</{element}>'
    if element in ("Number", "Conference", "Sip"):
        inner = f"<Dial>{inner}</Dial>"
    if parent:
        inner = f"<{parent}>{inner}</{parent}>"
    return f"<Response>{inner}</Response>"


def _value_rules() -> None:
    table: dict[tuple[str, str, str], ValueRule] = {}
    for rule_id, code, element, attribute, parent, bad, good in _VALUES:
        spec = ValueRule(rule_id, code, element, attribute, parent, bad, good)
        table[(element, attribute, parent)] = spec
        where = f"{parent}->{element}" if parent else element
        _rule(
            rule_id,
            code,
            ERR,
            f"Invalid `{attribute}` on {where}.",
            f"""RestComm (and Twilio, code {code}) reports the value as invalid and carries on
            with the default, so the {element} does not behave as the document says.""",
            _value_example(element, attribute, parent, bad),
            _value_example(element, attribute, parent, good),
            "value",
        )
    VALUE_RULES.update(table)


_value_rules()

_rule(
    "dial-nested-element",
    "13215",
    ERR,
    "An element `<Dial>` cannot hold.",
    """`<Dial>` holds a destination as text, or the nouns `Number`, `Client`, `Sip`, `Uri`
    and `Conference`. Anything else is never read: the Dial may have nothing left to
    dial.""",
    "<Response><Dial><Say>Connecting</Say><Number>+15550100</Number></Dial></Response>",
    "<Response><Say>Connecting</Say><Dial><Number>+15550100</Number></Dial></Response>",
    "schema",
)
_rule(
    "gather-nested-verb",
    "13320",
    ERR,
    "A verb `<Gather>` cannot hold.",
    """Only `Say`, `Play` and `Pause` are prompts; any other child of `<Gather>` is silently
    ignored.""",
    '<Response><Gather action="/menu"><Redirect>/menu</Redirect></Gather></Response>',
    '<Response><Gather action="/menu"><Say>Press 1</Say></Gather>'
    "<Redirect>/menu</Redirect></Response>",
    "schema",
)
_rule(
    "conference-mixed-nouns",
    "13000",
    WARN,
    "`<Conference>` mixed with other nouns in one `<Dial>`.",
    """RestComm forks every noun of a Dial at once; a Conference racing a phone number is
    never what was meant (Twilio warns with 13000). Put the Conference in a Dial of its
    own.""",
    "<Response><Dial><Number>+15550100</Number><Conference>room</Conference></Dial></Response>",
    "<Response><Dial><Conference>room</Conference></Dial></Response>",
    "flow",
)
_rule(
    "number-format",
    "13223",
    WARN,
    "A `<Number>` that is not a phone number.",
    """A Number holds digits, optionally with a leading `+` (E.164), plus the `w` wait
    character; letters and other characters make the gateway reject the call.""",
    "<Response><Dial><Number>call-sales</Number></Dial></Response>",
    "<Response><Dial><Number>+15550100</Number></Dial></Response>",
    "value",
)
_rule(
    "sip-uri",
    "13243",
    WARN,
    "A `<Sip>` target that is not a SIP URI.",
    """A Sip noun dials a `sip:` or `sips:` URI; anything else fails when RestComm builds
    the INVITE.""",
    "<Response><Dial><Sip>alice@example.com</Sip></Dial></Response>",
    "<Response><Dial><Sip>sip:alice@example.com</Sip></Dial></Response>",
    "value",
)
_rule(
    "dial-caller-id",
    "13214",
    WARN,
    "A Dial `callerId` that is not a phone number or client.",
    """The caller ID is sent as the From of the outgoing call: a phone number (digits, an
    optional leading `+`) or `client:name`. Anything else makes the carrier reject the call
    or show garbage.""",
    '<Response><Dial callerId="Sales Team"><Number>+15550100</Number></Dial></Response>',
    '<Response><Dial callerId="+15550199"><Number>+15550100</Number></Dial></Response>',
    "value",
)
_rule(
    "sip-credentials",
    "13249",
    WARN,
    "A `<Sip>` with `username` but no `password`, or the reverse.",
    """Digest authentication needs both; with one of them RestComm falls back to the
    caller's own credentials (or none) and the far end answers 401/407.""",
    '<Response><Dial><Sip username="alice">sip:bob@example.com</Sip></Dial></Response>',
    '<Response><Dial><Sip username="alice" password="s3cret">sip:bob@example.com</Sip>'
    "</Dial></Response>",
    "value",
)
_rule(
    "sms-to",
    "14101",
    WARN,
    "An `<Sms>` `to` that is not a phone number.",
    """RestComm reports 14101 and the message is not sent.""",
    '<Response><Sms to="the caller">Thanks</Sms></Response>',
    '<Response><Sms to="+15550100">Thanks</Sms></Response>',
    "value",
)
_rule(
    "sms-from",
    "14102",
    WARN,
    "An `<Sms>` `from` that is not a phone number.",
    """RestComm reports 14102 and the message is not sent.""",
    '<Response><Sms from="IVR">Thanks</Sms></Response>',
    '<Response><Sms from="+15550199">Thanks</Sms></Response>',
    "value",
)
_rule(
    "conference-name",
    "13237",
    ERR,
    "A `<Conference>` without a room name.",
    """The room name is the Conference's text (or its `name` attribute when it holds a
    `<Video>`); without one there is no room to join.""",
    "<Response><Dial><Conference/></Dial></Response>",
    "<Response><Dial><Conference>support</Conference></Dial></Response>",
    "value",
)
_rule(
    "say-empty",
    "13520",
    WARN,
    "A `<Say>` with no text.",
    """RestComm skips it; Twilio reports 13520. Usually a template variable that came out
    empty.""",
    "<Response><Say> </Say></Response>",
    "<Response><Say>Welcome</Say></Response>",
    "value",
)
_rule(
    "say-too-long",
    "13521",
    WARN,
    "A `<Say>` longer than text-to-speech engines accept.",
    """Speech engines cap one request (Twilio: 4,096 characters, 13521); longer text fails or
    is cut. Split it, or record it and `<Play>` it.""",
    "<Response><Say>(5,000 characters)</Say></Response>",
    "<Response><Say>(first half)</Say><Say>(second half)</Say></Response>",
    "value",
)
_rule(
    "sms-empty-body",
    "14103",
    ERR,
    "An `<Sms>` with no body.",
    """RestComm reports 14103 and hangs the call up when it reaches an Sms without text.""",
    '<Response><Sms to="+15550100"></Sms></Response>',
    '<Response><Sms to="+15550100">Your code is 1234</Sms></Response>',
    "value",
)

# ---------------------------------------------------------------------------- flow

_rule(
    "unreachable-verb",
    "RC101",
    WARN,
    "Verbs that can never run.",
    """Verbs after `<Hangup>`, after a `<Redirect>` with a URL, and after a `<Reject>` that
    rejects the call are never executed: the call ends or another document replaces this
    one.""",
    "<Response><Hangup/><Say>Goodbye</Say></Response>",
    "<Response><Say>Goodbye</Say><Hangup/></Response>",
    "flow",
)
_rule(
    "fall-through-only",
    "RC102",
    INFO,
    "Verbs that run only when the verb before them falls through.",
    """A `<Gather>`, `<Record>` or `<Dial>` with an `action` hands the call to that URL when
    it completes; the verbs after it run only when it ends without a result (no digits,
    nothing to dial). Intended for re-prompts; a surprise otherwise.""",
    '<Response><Gather action="/menu"><Say>Press 1</Say></Gather><Say>Thanks!</Say></Response>',
    '<Response><Gather action="/menu"><Say>Press 1</Say></Gather></Response>',
    "flow",
)
_rule(
    "reject-not-first",
    "RC103",
    WARN,
    "A `<Reject>` after a verb that answers the call.",
    """Reject only works while the call is still ringing. Any verb but `<Pause>` answers the
    call first, after which RestComm silently skips the Reject and runs the next verb
    (RestComm issue #1274).""",
    '<Response><Say>We are closed</Say><Reject reason="busy"/></Response>',
    '<Response><Reject reason="busy"/></Response>',
    "flow",
)
_rule(
    "empty-redirect",
    "RC104",
    WARN,
    "A `<Redirect>` with no URL.",
    """RestComm treats it as a no-op and runs the next verb; the TwiML documentation says it
    re-fetches the current document. Either way it does not say what it means.""",
    "<Response><Say>Again</Say><Redirect/></Response>",
    "<Response><Say>Again</Say><Redirect>/menu</Redirect></Response>",
    "flow",
)
_rule(
    "self-reference",
    "RC105",
    WARN,
    "A `<Redirect>` or `action` that fetches this same document again.",
    """A static document that points back at itself loops: the caller hears the same verbs
    forever and digits sent to it change nothing. Checked when the linter knows where the
    file is served (`--url`, or `base-url` in the configuration).""",
    "(served at https://app.example.com/menu.xml)\n"
    "<Response><Say>Hi</Say><Redirect>/menu.xml</Redirect></Response>",
    "<Response><Say>Hi</Say><Redirect>/main.xml</Redirect></Response>",
    "flow",
)
_rule(
    "gather-without-action",
    "RC106",
    WARN,
    "A `<Gather>` with no `action` and nothing after it.",
    """Without an `action` RestComm drops the collected digits and runs the next verb; with
    no next verb the call hangs up right after the caller answers the menu.""",
    '<Response><Gather numDigits="1"><Say>Press 1</Say></Gather></Response>',
    '<Response><Gather numDigits="1" action="/menu"><Say>Press 1</Say></Gather></Response>',
    "flow",
)

# ---------------------------------------------------------------------------- RestComm

_rule(
    "finish-on-key-empty",
    "RC201",
    WARN,
    '`finishOnKey=""` does not disable the finish key on RestComm.',
    """The documentation (and Twilio) say an empty `finishOnKey` disables it; RestComm's code
    replaces it with `#`, so `#` still ends input. On Record, `-1` disables it.""",
    '<Response><Gather finishOnKey="" action="/pin"/></Response>',
    '<Response><Gather finishOnKey="#" action="/pin"/></Response>',
    "restcomm",
)
_rule(
    "status-callback-event-spaces",
    "RC202",
    ERR,
    "`statusCallbackEvent` separated by spaces.",
    """RestComm removes every space and splits on commas: `initiated ringing` becomes one
    unknown event and no status callback is ever sent. The fix writes commas.""",
    '<Response><Dial><Number statusCallback="/s" statusCallbackEvent="ringing answered">'
    "+15550100</Number></Dial></Response>",
    '<Response><Dial><Number statusCallback="/s" statusCallbackEvent="ringing,answered">'
    "+15550100</Number></Dial></Response>",
    "restcomm",
    fixable=True,
)
_rule(
    "gather-hints-limit",
    "RC203",
    ERR,
    "Gather `hints` over RestComm's limits.",
    """RestComm fails the call when it reaches a Gather whose `hints` has more than 50
    phrases or a phrase over 100 characters.""",
    '<Response><Gather input="speech" hints="(60 phrases)"/></Response>',
    '<Response><Gather input="speech" hints="sales, support, billing"/></Response>',
    "restcomm",
)
_rule(
    "num-digits-carry-over",
    "RC204",
    WARN,
    "A `<Gather>` without `numDigits` after one that set it.",
    """RestComm keeps `numDigits` for the rest of the call: a later Gather that does not set
    it inherits the earlier value instead of collecting until `#`.""",
    '<Response><Gather numDigits="1" action="/a"/><Gather action="/pin"/></Response>',
    '<Response><Gather numDigits="1" action="/a"/><Gather numDigits="32767" '
    'action="/pin"/></Response>',
    "restcomm",
)
_rule(
    "dial-text-and-nouns",
    "RC205",
    WARN,
    "A `<Dial>` with both text and nouns.",
    """When a Dial has a text destination RestComm dials it and discards every noun.""",
    "<Response><Dial>+15550100<Number>+15550199</Number></Dial></Response>",
    "<Response><Dial><Number>+15550100</Number><Number>+15550199</Number></Dial></Response>",
    "restcomm",
)
_rule(
    "email-missing-address",
    "RC206",
    ERR,
    "An `<Email>` without `to` or `from`.",
    """RestComm's voice interpreter logs the failure and never moves on: the caller sits in
    silence until they hang up.""",
    '<Response><Email to="ops@example.com">Call from IVR</Email></Response>',
    '<Response><Email to="ops@example.com" from="ivr@example.com">Call from IVR</Email></Response>',
    "restcomm",
)
_rule(
    "loop-zero",
    "RC207",
    WARN,
    '`loop="0"` does not loop forever on RestComm.',
    """The documentation says 0 repeats until the call ends; RestComm's code plays the audio
    once, and inside `<Gather>` drops the prompt entirely.""",
    '<Response><Play loop="0">/music.wav</Play></Response>',
    '<Response><Play loop="100">/music.wav</Play></Response>',
    "restcomm",
)
_rule(
    "not-implemented",
    "RC208",
    INFO,
    "An attribute RestComm parses but does nothing with.",
    """The documentation lists it, but the open-source interpreter ignores it (for example
    Dial `hangupOnStar`, Number `sendDigits`, Fax `action`).""",
    '<Response><Dial hangupOnStar="true"><Number>+15550100</Number></Dial></Response>',
    "<Response><Dial><Number>+15550100</Number></Dial></Response>",
    "restcomm",
)
_rule(
    "cloud-only",
    "RC209",
    INFO,
    "A verb or attribute only the commercial Cloud documents.",
    """`Hold`, `Resume`, `Refer`, `Message` and a few attributes exist only in the Restcomm
    Cloud documentation; the open-source interpreter skips them.""",
    "<Response><Hold/></Response>",
    "<Response><Play>/hold-music.wav</Play></Response>",
    "restcomm",
)
_rule(
    "play-empty",
    "RC210",
    WARN,
    "A `<Play>` with no URL.",
    """RestComm skips it silently; usually a template variable that came out empty.""",
    "<Response><Play></Play></Response>",
    "<Response><Play>/welcome.wav</Play></Response>",
    "restcomm",
)

# ---------------------------------------------------------------------------- Twilio

_rule(
    "not-in-twilio",
    "RC301",
    WARN,
    "A verb, noun or attribute Twilio does not have.",
    """RCML extends TwiML (`Email`, `Fax`, `Video`, `Uri`, Gather `startInputKey`, Record
    `media`, ...); Twilio rejects or ignores these.""",
    '<Response><Email to="a@example.com" from="b@example.com">Hi</Email></Response>',
    "<Response><Sms>Hi</Sms></Response>",
    "portability",
    target="twilio",
)
_rule(
    "finish-on-key-multiple",
    "RC302",
    WARN,
    "A `finishOnKey` with more than one key.",
    """RestComm accepts up to twelve finish keys; Twilio takes a single key (13310).""",
    '<Response><Gather finishOnKey="#*" action="/pin"/></Response>',
    '<Response><Gather finishOnKey="#" action="/pin"/></Response>',
    "portability",
    target="twilio",
)
_rule(
    "status-callback-event-commas",
    "RC303",
    WARN,
    "A comma-separated `statusCallbackEvent`.",
    """RestComm needs commas, Twilio needs spaces: the same attribute cannot serve both. The
    fix writes spaces.""",
    '<Response><Dial><Number statusCallback="/s" statusCallbackEvent="ringing,answered">'
    "+15550100</Number></Dial></Response>",
    '<Response><Dial><Number statusCallback="/s" statusCallbackEvent="ringing answered">'
    "+15550100</Number></Dial></Response>",
    "portability",
    fixable=True,
    target="twilio",
)

RULES: Mapping[str, Rule] = {rule.id: rule for rule in _RULES}
_BY_CODE: dict[str, list[str]] = {}
for _r in _RULES:
    _BY_CODE.setdefault(_r.code, []).append(_r.id)
del _r


def resolve(selectors: Iterable[str]) -> tuple[set[str], list[str]]:
    """Rule ids matched by names, codes, ``ALL`` or a code prefix such as ``RC1`` or ``132``.

    Returns the ids and the selectors that matched nothing.
    """
    found: set[str] = set()
    unknown: list[str] = []
    for raw in selectors:
        name = raw.strip()
        if not name:
            continue
        if name.upper() == "ALL":
            found.update(RULES)
        elif name in RULES:
            found.add(name)
        elif name.upper() in _BY_CODE:
            found.update(_BY_CODE[name.upper()])
        else:
            prefixed = [
                rid
                for code, ids in _BY_CODE.items()
                if code.startswith(name.upper())
                for rid in ids
            ]
            if prefixed:
                found.update(prefixed)
            else:
                unknown.append(name)
    return found, unknown


def explain(rule: Rule) -> str:
    """The rule's page, as ``rcml lint --explain`` prints it and docs/ lists it."""
    lines = [
        f"{rule.id} ({rule.code}, {rule.severity}"
        + (", fixable" if rule.fixable else "")
        + (f", target {rule.target} only" if rule.target else "")
        + ")",
        "",
        rule.summary,
        "",
        rule.why,
        "",
        "Fails:",
        "",
        *("    " + line for line in rule.bad.splitlines()),
        "",
        "Passes:",
        "",
        *("    " + line for line in rule.good.splitlines()),
    ]
    return "\n".join(lines)
