"""The typed verb AST: one frozen dataclass per RCML element.

The classes have no ``__slots__`` on purpose: the parser fills an instance's ``__dict__``
in one step, several times faster than a frozen dataclass ``__init__`` (see
rcml._spec._maker and benchmarks/bench_parse.py).

Attribute fields hold the value *as written* in the document, converted to its type
(``int``, ``bool``, an enum, a tuple); ``None`` means the attribute was not written.
:meth:`Node.effective` returns a copy with RestComm's defaults filled in.

Every node carries ``pos`` (its line and column in the source); ``pos`` takes no part in
equality, so a parsed document equals the same document built by hand.

The element and attribute names, the enumerations and the defaults are checked against
``schemas/rcml.xsd`` by ``tests/test_schema_drift.py``.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, Self, TypeAlias

__all__ = [
    "CallEvent",
    "Profile",
    "Client",
    "Conference",
    "Dial",
    "Document",
    "Email",
    "Fax",
    "Gather",
    "GatherInput",
    "Hangup",
    "Hold",
    "Message",
    "Method",
    "Node",
    "Noun",
    "Number",
    "ParseWarning",
    "Pause",
    "Play",
    "Prompt",
    "Record",
    "RecordMedia",
    "Redirect",
    "Refer",
    "Reject",
    "RejectReason",
    "Resume",
    "Say",
    "Sip",
    "Sms",
    "SourcePos",
    "Uri",
    "Verb",
    "Video",
    "VideoLayout",
    "VideoMode",
    "VideoResolution",
    "Voice",
]

Profile: TypeAlias = Literal["restcomm", "docs"]


# ---------------------------------------------------------------------------- enums


class Method(enum.StrEnum):
    GET = "GET"
    POST = "POST"


class Voice(enum.StrEnum):
    MAN = "man"
    WOMAN = "woman"


class GatherInput(enum.StrEnum):
    DTMF = "dtmf"
    SPEECH = "speech"
    DTMF_SPEECH = "dtmf speech"


class CallEvent(enum.StrEnum):
    INITIATED = "initiated"
    RINGING = "ringing"
    ANSWERED = "answered"
    COMPLETED = "completed"


class RecordMedia(enum.StrEnum):
    AUDIO_ONLY = "audio_only"
    VIDEO_ONLY = "video_only"
    AUDIO_VIDEO = "audio_video"


class RejectReason(enum.StrEnum):
    REJECTED = "rejected"
    BUSY = "busy"


class VideoMode(enum.StrEnum):
    MCU = "mcu"
    SFU = "sfu"


class VideoResolution(enum.StrEnum):
    CIF = "CIF"
    CIF4 = "4CIF"
    CIF16 = "16CIF"
    QCIF = "QCIF"
    VGA = "VGA"
    HD720 = "720p"


class VideoLayout(enum.StrEnum):
    LINEAR = "linear"
    TILE = "tile"


# ---------------------------------------------------------------------------- positions


class SourcePos(NamedTuple):
    """Where a node starts in its source: 1-based line and column of its ``<``.

    A named tuple: the parser makes one per element, and tuples are the cheapest
    immutable objects Python has.
    """

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something the lenient parser tolerated, as RestComm does, and reports."""

    line: int
    column: int
    #: ``bare-ampersand``, ``wrong-root``, ``unknown-element``, ``unknown-attribute``,
    #: ``invalid-value``, ``misplaced-element``, ``unsupported-verb``, ``split-text``,
    #: ``hints-limit``
    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


# ---------------------------------------------------------------------------- field helpers

# Field metadata keys. "xml" is the XML attribute name, "kind" selects the converter in
# rcml._values: "str", "url", "int", "bool", "keys", "record-keys", "events", "hints" or an
# enum class.
_NO_DOCS = object()


def _attr(
    xml: str,
    kind: str | type[enum.Enum],
    default: Any = None,
    *,
    docs: Any = _NO_DOCS,
) -> Any:
    meta = {"role": "attr", "xml": xml, "kind": kind, "default": default}
    if docs is not _NO_DOCS:
        meta["docs"] = docs
    return field(default=None, metadata=meta)


def _text(kind: str = "str") -> Any:
    return field(default="", kw_only=False, metadata={"role": "text", "kind": kind})


def _children(*tags: str) -> Any:
    return field(default=(), metadata={"role": "children", "tags": tags})


def _child(tag: str, *, positional: bool = False) -> Any:
    return field(default=None, kw_only=not positional, metadata={"role": "child", "tags": (tag,)})


_JAVA_TRIM = "".join(map(chr, range(0x21)))

_STATUS_EVENTS_ALL = (
    CallEvent.INITIATED,
    CallEvent.RINGING,
    CallEvent.ANSWERED,
    CallEvent.COMPLETED,
)


# ---------------------------------------------------------------------------- base


@dataclass(frozen=True, kw_only=True)
class Node:
    """Base of every AST node."""

    #: The XML element name of this class.
    TAG: ClassVar[str] = ""

    #: Where the element starts in the source (``None`` for nodes built in code).
    pos: SourcePos | None = field(default=None, compare=False, repr=False)

    if not TYPE_CHECKING:  # hidden from mypy, which would accept any attribute name

        def __getattr__(self, name: str) -> Any:
            # The parser leaves ``pos`` out and stores ``_at = (locator, index)``: the
            # source is scanned for positions only when one is first asked for.
            if name == "pos":
                at = self.__dict__.get("_at")
                if at is not None:
                    pos = self.__dict__["pos"] = at[0].position(at[1])
                    return pos
                return None
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def effective(self, profile: Profile = "restcomm") -> Self:
        """Return a copy with every unwritten attribute set to its default.

        ``profile="restcomm"`` uses the defaults of RestComm's code; ``"docs"`` those its
        documentation states where the two disagree. Attributes with no static default
        (``action``, ``numDigits``, ...) stay ``None``; text is stripped, as RestComm does.
        Children are made effective too.
        """
        from rcml._spec import spec_of

        spec = spec_of(type(self))
        changes: dict[str, Any] = {}
        for a in spec.attributes:
            if getattr(self, a.name) is None:
                default = a.docs_default if profile == "docs" and a.has_docs else a.default
                if default is not None:
                    changes[a.name] = default
        if spec.text is not None:
            # RestComm trims with Java's String.trim(): every character up to U+0020.
            changes[spec.text] = getattr(self, spec.text).strip(_JAVA_TRIM)
        for c in spec.children:
            value = getattr(self, c.name)
            if isinstance(value, tuple):
                changes[c.name] = tuple(child.effective(profile) for child in value)
            elif value is not None:
                changes[c.name] = value.effective(profile)
        return dataclasses.replace(self, **changes)

    def attributes(self) -> Mapping[str, Any]:
        """The written attributes, by XML name (``{"numDigits": 1}``)."""
        from rcml._spec import spec_of

        out: dict[str, Any] = {}
        for a in spec_of(type(self)).attributes:
            value = getattr(self, a.name)
            if value is not None:
                out[a.xml] = value
        return out

    def children(self) -> Iterator[Node]:
        """Direct child nodes, in document order."""
        from rcml._spec import spec_of

        for name in spec_of(type(self)).child_fields:
            value = getattr(self, name)
            if isinstance(value, tuple):
                yield from value
            elif value is not None:
                yield value

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, in document order."""
        yield self
        for child in self.children():
            yield from child.walk()


# ---------------------------------------------------------------------------- verbs


@dataclass(frozen=True, kw_only=True)
class Say(Node):
    """``<Say>``: text to speech."""

    TAG: ClassVar[str] = "Say"
    text: str = _text()
    voice: Voice | None = _attr("voice", Voice, Voice.MAN)
    language: str | None = _attr("language", "str", "en")
    loop: int | None = _attr("loop", "int", 1)


@dataclass(frozen=True, kw_only=True)
class Play(Node):
    """``<Play>``: play the audio file at ``url``."""

    TAG: ClassVar[str] = "Play"
    url: str = _text("url")
    loop: int | None = _attr("loop", "int", 1)


@dataclass(frozen=True, kw_only=True)
class Pause(Node):
    """``<Pause>``: wait ``length`` seconds."""

    TAG: ClassVar[str] = "Pause"
    length: int | None = _attr("length", "int", 1)


Prompt: TypeAlias = Say | Play | Pause


@dataclass(frozen=True, kw_only=True)
class Gather(Node):
    """``<Gather>``: collect DTMF or speech while playing the nested prompts."""

    TAG: ClassVar[str] = "Gather"
    prompts: tuple[Prompt, ...] = _children("Say", "Play", "Pause")
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    timeout: int | None = _attr("timeout", "int", 5)
    finish_on_key: str | None = _attr("finishOnKey", "keys", "#")
    num_digits: int | None = _attr("numDigits", "int")
    input: GatherInput | None = _attr("input", GatherInput, GatherInput.DTMF)
    language: str | None = _attr("language", "str", "en-US")
    hints: tuple[str, ...] | None = _attr("hints", "hints")
    partial_result_callback: str | None = _attr("partialResultCallback", "url")
    partial_result_callback_method: Method | None = _attr(
        "partialResultCallbackMethod", Method, Method.POST
    )
    start_input_key: str | None = _attr("startInputKey", "keys", "*0123456789")
    action_on_empty_result: bool | None = _attr("actionOnEmptyResult", "bool", False)


@dataclass(frozen=True, kw_only=True)
class Record(Node):
    """``<Record>``: record the caller."""

    TAG: ClassVar[str] = "Record"
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    timeout: int | None = _attr("timeout", "int", 5)
    finish_on_key: str | None = _attr("finishOnKey", "record-keys", "1234567890*#", docs="#")
    max_length: int | None = _attr("maxLength", "int", 3600)
    play_beep: bool | None = _attr("playBeep", "bool", True)
    transcribe: bool | None = _attr("transcribe", "bool", False)
    transcribe_callback: str | None = _attr("transcribeCallback", "url")
    media: RecordMedia | None = _attr("media", RecordMedia, RecordMedia.AUDIO_ONLY)


# ---------------------------------------------------------------------------- nouns


@dataclass(frozen=True, kw_only=True)
class Video(Node):
    """``<Video>``: video options of a Client, Sip, Uri or Conference leg."""

    TAG: ClassVar[str] = "Video"
    enable: bool | None = _attr("enable", "bool", False)
    mode: VideoMode | None = _attr("mode", VideoMode, VideoMode.MCU)
    resolution: VideoResolution | None = _attr("resolution", VideoResolution, VideoResolution.HD720)
    layout: VideoLayout | None = _attr(
        "layout", VideoLayout, VideoLayout.LINEAR, docs=VideoLayout.TILE
    )
    overlay: str | None = _attr("overlay", "str")


@dataclass(frozen=True, kw_only=True)
class _DialNoun(Node):
    url: str | None = _attr("url", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    status_callback: str | None = _attr("statusCallback", "url")
    status_callback_method: Method | None = _attr("statusCallbackMethod", Method, Method.POST)
    status_callback_event: tuple[CallEvent, ...] | None = _attr(
        "statusCallbackEvent", "events", _STATUS_EVENTS_ALL, docs=(CallEvent.COMPLETED,)
    )


@dataclass(frozen=True, kw_only=True)
class Number(_DialNoun):
    """``<Number>``: a phone number to dial."""

    TAG: ClassVar[str] = "Number"
    number: str = _text()
    send_digits: str | None = _attr("sendDigits", "str")


@dataclass(frozen=True, kw_only=True)
class Client(_DialNoun):
    """``<Client>``: a RestComm client to ring (``login``, or ``name`` with a Video)."""

    TAG: ClassVar[str] = "Client"
    login: str = _text()
    name: str | None = _attr("name", "str")
    video: Video | None = _child("Video")


@dataclass(frozen=True, kw_only=True)
class Sip(_DialNoun):
    """``<Sip>``: a SIP URI to dial."""

    TAG: ClassVar[str] = "Sip"
    uri: str = _text()
    name: str | None = _attr("name", "str")
    username: str | None = _attr("username", "str")
    password: str | None = _attr("password", "str")
    video: Video | None = _child("Video")


@dataclass(frozen=True, kw_only=True)
class Uri(Sip):
    """``<Uri>``: deprecated alias of ``<Sip>`` (a subclass, so ``case Sip()`` matches it)."""

    TAG: ClassVar[str] = "Uri"


@dataclass(frozen=True, kw_only=True)
class Conference(Node):
    """``<Conference>``: join the room ``room`` (or ``name`` with a Video)."""

    TAG: ClassVar[str] = "Conference"
    room: str = _text()
    name: str | None = _attr("name", "str")
    muted: bool | None = _attr("muted", "bool", False)
    beep: bool | None = _attr("beep", "bool", True)
    start_conference_on_enter: bool | None = _attr("startConferenceOnEnter", "bool", True)
    end_conference_on_exit: bool | None = _attr("endConferenceOnExit", "bool", False)
    wait_url: str | None = _attr(
        "waitUrl", "url", "/restcomm/music/electronica/teru_-_110_Downtempo_Electronic_4.wav"
    )
    wait_method: Method | None = _attr("waitMethod", Method, Method.POST)
    max_participants: int | None = _attr("maxParticipants", "int", 40)
    video: Video | None = _child("Video")


Noun: TypeAlias = Number | Client | Sip | Conference


@dataclass(frozen=True, kw_only=True)
class Dial(Node):
    """``<Dial>``: connect to ``target`` (text) or to the ``nouns``, rung in parallel."""

    TAG: ClassVar[str] = "Dial"
    target: str = _text()
    nouns: tuple[Noun, ...] = _children("Number", "Client", "Sip", "Uri", "Conference")
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    timeout: int | None = _attr("timeout", "int", 30)
    time_limit: int | None = _attr("timeLimit", "int", 14400)
    caller_id: str | None = _attr("callerId", "str")
    record: bool | None = _attr("record", "bool", False)
    hangup_on_star: bool | None = _attr("hangupOnStar", "bool", False)
    dial_music: str | None = _attr("dialMusic", "url")


# ---------------------------------------------------------------------------- other verbs


@dataclass(frozen=True, kw_only=True)
class Hangup(Node):
    """``<Hangup>``: end the call."""

    TAG: ClassVar[str] = "Hangup"


@dataclass(frozen=True, kw_only=True)
class Reject(Node):
    """``<Reject>``: refuse a ringing call."""

    TAG: ClassVar[str] = "Reject"
    reason: RejectReason | None = _attr("reason", RejectReason, RejectReason.REJECTED)


@dataclass(frozen=True, kw_only=True)
class Redirect(Node):
    """``<Redirect>``: continue with the document at ``url``."""

    TAG: ClassVar[str] = "Redirect"
    url: str = _text("url")
    method: Method | None = _attr("method", Method, Method.POST)


@dataclass(frozen=True, kw_only=True)
class Sms(Node):
    """``<Sms>``: send ``body`` as an SMS."""

    TAG: ClassVar[str] = "Sms"
    body: str = _text()
    to: str | None = _attr("to", "str")
    from_: str | None = _attr("from", "str")
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    status_callback: str | None = _attr("statusCallback", "url")


@dataclass(frozen=True, kw_only=True)
class Message(Node):
    """``<Message>``: send ``body`` as a message (Cloud; modelled on Sms)."""

    TAG: ClassVar[str] = "Message"
    body: str = _text()
    to: str | None = _attr("to", "str")
    from_: str | None = _attr("from", "str")
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    status_callback: str | None = _attr("statusCallback", "url")


@dataclass(frozen=True, kw_only=True)
class Email(Node):
    """``<Email>``: send ``body`` as an e-mail."""

    TAG: ClassVar[str] = "Email"
    body: str = _text()
    to: str | None = _attr("to", "str")
    from_: str | None = _attr("from", "str")
    cc: str | None = _attr("cc", "str")
    bcc: str | None = _attr("bcc", "str")
    subject: str | None = _attr("subject", "str", "Restcomm Email Service")


@dataclass(frozen=True, kw_only=True)
class Fax(Node):
    """``<Fax>``: fax the document at ``url``."""

    TAG: ClassVar[str] = "Fax"
    url: str = _text("url")
    to: str | None = _attr("to", "str")
    from_: str | None = _attr("from", "str")
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    status_callback: str | None = _attr("statusCallback", "url")


@dataclass(frozen=True, kw_only=True)
class Hold(Node):
    """``<Hold>``: put the remote party on hold (Cloud)."""

    TAG: ClassVar[str] = "Hold"
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)
    hold_music: str | None = _attr("holdMusic", "url")


@dataclass(frozen=True, kw_only=True)
class Resume(Node):
    """``<Resume>``: take the call off hold (Cloud)."""

    TAG: ClassVar[str] = "Resume"
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)


@dataclass(frozen=True, kw_only=True)
class Refer(Node):
    """``<Refer>``: blind-transfer the call to the nested ``sip`` target (Cloud)."""

    TAG: ClassVar[str] = "Refer"
    sip: Sip | None = _child("Sip", positional=True)
    action: str | None = _attr("action", "url")
    method: Method | None = _attr("method", Method, Method.POST)


Verb: TypeAlias = (
    Say
    | Play
    | Pause
    | Gather
    | Record
    | Dial
    | Hangup
    | Reject
    | Redirect
    | Sms
    | Message
    | Email
    | Fax
    | Hold
    | Resume
    | Refer
)


@dataclass(frozen=True, kw_only=True)
class Document(Node):
    """A parsed RCML document: the ``<Response>`` element and its verbs.

    ``url`` (where the document was fetched from) and ``warnings`` (what the lenient
    parser tolerated) take no part in equality.
    """

    TAG: ClassVar[str] = "Response"
    verbs: tuple[Verb, ...] = field(
        default=(),
        kw_only=False,
        metadata={
            "role": "children",
            "tags": (
                "Say",
                "Play",
                "Pause",
                "Gather",
                "Record",
                "Dial",
                "Hangup",
                "Reject",
                "Redirect",
                "Sms",
                "Message",
                "Email",
                "Fax",
                "Hold",
                "Resume",
                "Refer",
            ),
        },
    )
    url: str | None = field(default=None, compare=False)
    dialect: str = field(default="rcml", compare=False)
    warnings: tuple[ParseWarning, ...] = field(default=(), compare=False, repr=False)

    def __iter__(self) -> Iterator[Verb]:
        return iter(self.verbs)

    def __len__(self) -> int:
        return len(self.verbs)


# The parser resolves ``pos`` lazily (Node.__getattr__), so the class must not carry the
# dataclass default as a class attribute, which would shadow the lookup.
for _cls in list(globals().values()):
    if isinstance(_cls, type) and issubclass(_cls, Node) and "pos" in _cls.__dict__:
        delattr(_cls, "pos")
