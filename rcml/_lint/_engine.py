"""Lint one document: schema findings mapped to codes, then flow and behaviour checks.

The document is read as the parser reads it. Bare ``&`` are escaped first (and reported),
so one stray ampersand does not hide every other problem; positions are mapped back to
the original text. A document the schema rejects is then parsed leniently, as RestComm
would run it, so the flow checks still see its verbs.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rcml import _ast
from rcml._exceptions import (
    DocumentError,
    DocumentTooLargeError,
    RCMLError,
    SchemaError,
    Violation,
)
from rcml._lint._config import LintConfig
from rcml._lint._model import Edit, Finding, Fix, Severity
from rcml._lint._rules import RULES, VALUE_RULES, resolve
from rcml._parse import _fix_ampersands, parse
from rcml._schema import schema_model
from rcml._source import START_TAG, LineIndex, attribute_spans, decode
from rcml._spec import spec_of

__all__ = ["check", "single", "too_large"]

_UNLIMITED = 1 << 62
# Everything that may contain a '&' that is not markup: comments, CDATA, PIs.
_OPAQUE = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
_ENTITY = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);")
_NOT_ENTITY = re.compile(r"&(?!(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);)")
_DIRECTIVE = re.compile(
    r"<!--\s*rcml-lint:\s*(disable|disable-next-line|disable-file)\s*(?:=\s*([^>]*?))?\s*-->"
)
_PHONE = re.compile(r"\+?[0-9*#w().\s-]+")
_SAY_LIMIT = 4096
_HINTS_PHRASES, _HINTS_LENGTH = 50, 100
_NOT_IN_TWILIO_ELEMENTS = frozenset({"Email", "Fax", "Video", "Uri", "Hold", "Resume", "Message"})
_NOT_IN_TWILIO_ATTRIBUTES = frozenset(
    {("Gather", "startInputKey"), ("Record", "media"), ("Dial", "dialMusic")}
)


@dataclass
class _Doc:
    """One document being linted: its texts and how their offsets relate."""

    file: str
    original: str
    #: The text that was parsed: the original with bare '&' escaped.
    work: str
    config: LintConfig
    url: str | None
    #: Offsets in ``work`` of each '&' that was escaped (each gained 4 characters).
    escaped: list[int] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    _work_lines: list[int] = field(default_factory=list)
    _original_lines: LineIndex | None = None

    def work_offset(self, line: int, column: int) -> int:
        if not self._work_lines:
            starts = [0]
            starts.extend(m.end() for m in re.finditer("\n", self.work))
            self._work_lines = starts
        line = min(max(line, 1), len(self._work_lines))
        return self._work_lines[line - 1] + max(column, 1) - 1

    def original_offset(self, work_offset: int) -> int:
        return work_offset - 4 * bisect.bisect_left(self.escaped, work_offset)

    def position(self, original_offset: int) -> tuple[int, int]:
        if self._original_lines is None:
            self._original_lines = LineIndex(self.original)
        return self._original_lines.position(original_offset)

    def report(
        self,
        rule_id: str,
        offset: int,
        message: str,
        *,
        fix: Fix | None = None,
        severity: Severity | None = None,
        original: bool = False,
    ) -> None:
        """Record a finding at ``offset`` (in ``work``, or in the original text)."""
        rule = RULES[rule_id]
        at = offset if original else self.original_offset(offset)
        line, column = self.position(at)
        self.findings.append(
            Finding(
                rule=rule_id,
                code=rule.code,
                severity=severity or rule.severity,
                file=self.file,
                line=line,
                column=column,
                message=message,
                fix=fix,
            )
        )

    def node_offset(self, node: _ast.Node) -> int:
        pos = node.pos
        return self.work_offset(pos.line, pos.column) if pos is not None else 0


def check(
    source: str | bytes,
    *,
    file: str = "<string>",
    config: LintConfig | None = None,
    url: str | None = None,
) -> list[Finding]:
    """Every finding in one document, filtered by ``config`` and inline directives."""
    config = config or LintConfig()
    try:
        text, _ = decode(source, config.max_size)
    except DocumentTooLargeError as exc:
        return too_large(file, exc.size, config)
    except DocumentError as exc:
        return single(file, "parse-error", exc.message, config, exc.line, exc.column)
    if not text.strip():
        return single(file, "empty-document", "the document is empty", config)

    doc = _escape_ampersands(text, file, config, url)
    tree = _parse(doc)
    if tree is not None:
        nodes = _all_nodes(tree)
        for checker in _CHECKS:
            checker(doc, tree, nodes)
    return _filter(doc)


def single(
    file: str, rule_id: str, message: str, config: LintConfig, line: int = 1, column: int = 1
) -> list[Finding]:
    """The one finding a file that cannot be parsed gets, if ``config`` wants it."""
    rule = RULES[rule_id]
    finding = Finding(
        rule_id, rule.code, rule.severity, file, max(line, 1), max(column, 1), message
    )
    kept = config.adjust(finding, file)
    return [kept] if kept is not None else []


def too_large(file: str, size: int, config: LintConfig) -> list[Finding]:
    message = f"the document is {size} bytes, over the limit of {config.max_size} bytes"
    return single(file, "document-too-large", message, config)


# ---------------------------------------------------------------------------- ampersands


def _bare_ampersands(text: str) -> list[int]:
    opaque = [(m.start(), m.end()) for m in _OPAQUE.finditer(text)]
    out: list[int] = []
    start = text.find("&")
    while start >= 0:
        inside = next((end for s, end in opaque if s <= start < end), None)
        if inside is not None:
            start = text.find("&", inside)
            continue
        if not _ENTITY.match(text, start):
            out.append(start)
        start = text.find("&", start + 1)
    return out


def _escape_ampersands(text: str, file: str, config: LintConfig, url: str | None) -> _Doc:
    bare = _bare_ampersands(text) if _NOT_ENTITY.search(text) else []
    if not bare:
        return _Doc(file, text, text, config, url)
    _, _, repaired_at = _fix_ampersands(text)
    repaired = set(repaired_at)
    parts, escaped, last = [], [], 0
    for i, at in enumerate(bare):
        parts.append(text[last:at])
        parts.append("&amp;")
        escaped.append(at + 4 * i)
        last = at + 1
    parts.append(text[last:])
    doc = _Doc(file, text, "".join(parts), config, url, escaped)
    twilio = config.target == "twilio"
    for at in bare:
        tolerated = at in repaired and not twilio
        if tolerated:
            message = "bare '&' must be written '&amp;' (RestComm repairs this one; Twilio fails)"
        elif at in repaired:
            message = "bare '&' must be written '&amp;': Twilio rejects the document"
        else:
            message = "bare '&' must be written '&amp;': RestComm and Twilio both fail to parse"
        doc.report(
            "bare-ampersand",
            at,
            message,
            fix=Fix("write &amp;", (Edit(at, at + 1, "&amp;"),)),
            severity=Severity.WARNING if tolerated else Severity.ERROR,
            original=True,
        )
    return doc


# ---------------------------------------------------------------------------- schema


def _parse(doc: _Doc) -> _ast.Document | None:
    try:
        return parse(doc.work, url=doc.url, max_size=_UNLIMITED)
    except SchemaError as exc:
        for violation in exc.violations:
            _report_violation(doc, violation)
    except DocumentError as exc:
        at = doc.work_offset(exc.line, exc.column) if exc.line else 0
        doc.report("parse-error", at, exc.message)
        return None
    try:  # what RestComm would run, for the flow checks
        return parse(doc.work, url=doc.url, strict=False, max_size=_UNLIMITED)
    except RCMLError:  # pragma: no cover - strict parsing already found it well-formed
        return None


def _parent(path: str) -> str:
    parts = [p.split("[", 1)[0] for p in path.split("/") if p]
    return parts[-2] if len(parts) >= 2 else ""


def _case_match(name: str, allowed: tuple[str, ...]) -> str | None:
    matches = [a for a in allowed if a.lower() == name.lower() and a != name]
    return matches[0] if len(matches) == 1 else None


def _report_violation(doc: _Doc, v: Violation) -> None:
    at = doc.work_offset(v.line, v.column) if v.line else 0
    parent = _parent(v.path)
    kind = v.kind
    fix: Fix | None = None
    rule = "invalid-value"
    if kind == "wrong-root":
        rule = "wrong-root"
    elif kind in ("unknown-element", "misplaced-element"):
        fix = _rename_element_fix(doc, at, v.element, v.expected) if v.expected else None
        if fix is not None or (kind == "unknown-element" and parent not in ("Dial", "Gather")):
            rule = "unknown-element"
        elif parent == "Dial":
            rule = "dial-nested-element"
        elif parent == "Gather":
            rule = "gather-nested-verb"
        else:
            rule = "element-not-allowed"
    elif kind == "unknown-attribute":
        rule = "unknown-attribute"
        fix = _rename_attribute_fix(doc, at, v.attribute, v.expected)
    elif kind == "missing-attribute":
        # Email's to/from are the schema's only required attributes.
        rule = "email-missing-address" if v.element == "Email" else "invalid-value"
    elif kind == "missing-element":
        rule = "missing-element"
    elif kind == "text-not-allowed":
        rule = "text-not-allowed"
    elif kind == "invalid-value":
        rule, fix = _value_rule(doc, at, v, parent)
    doc.report(rule, at, v.message, fix=fix)


def _value_rule(doc: _Doc, at: int, v: Violation, parent: str) -> tuple[str, Fix | None]:
    specific = VALUE_RULES.get((v.element, v.attribute, parent)) or VALUE_RULES.get(
        (v.element, v.attribute, "")
    )
    if specific is not None and (specific.parent == "" or specific.parent == parent):
        return specific.rule, None
    if v.attribute == "statusCallbackEvent" and v.value is not None:
        words = v.value.split()
        events = {e.value for e in _ast.CallEvent}
        if len(words) > 1 and all(w.strip(",") in events for w in words):
            fixed = ",".join(w.strip(",") for w in words)
            return "status-callback-event-spaces", _value_fix(doc, at, v.attribute, fixed)
    decl = schema_model().elements.get(v.element)
    if decl is not None:
        type_name = (
            decl.attributes[v.attribute].type
            if v.attribute in decl.attributes
            else (decl.text or "")
        )
        if type_name == "Url":
            return "invalid-url", None
    return "invalid-value", None


# ---------------------------------------------------------------------------- fixes


def _tag_start(text: str, offset: int) -> int:
    return text.rfind("<", 0, offset + 1)


def _rename_attribute_fix(doc: _Doc, at: int, name: str, allowed: tuple[str, ...]) -> Fix | None:
    target = _case_match(name, allowed)
    if target is None:
        return None
    attributes = attribute_spans(doc.work, _tag_start(doc.work, at))
    if name not in attributes or target in attributes:
        return None  # renaming would duplicate an attribute
    start = doc.original_offset(attributes[name][0])
    return Fix(f"rename {name} to {target}", (Edit(start, start + len(name), target),))


def _rename_element_fix(doc: _Doc, at: int, name: str, allowed: tuple[str, ...]) -> Fix | None:
    target = _case_match(name, allowed)
    if target is None or not doc.work.startswith("<" + name, at):
        return None
    tag = START_TAG.match(doc.work, at)
    if tag is None:
        return None
    edits = [Edit(at + 1, at + 1 + len(name), target)]
    if not tag.group(0).endswith("/>"):
        close = _matching_end(doc.work, tag.end(), name)
        if close is None:
            return None
        edits.append(Edit(close + 2, close + 2 + len(name), target))
    mapped = tuple(
        Edit(doc.original_offset(e.start), doc.original_offset(e.start) + len(name), e.new)
        for e in edits
    )
    return Fix(f"rename <{name}> to <{target}>", mapped)


def _matching_end(text: str, start: int, name: str) -> int | None:
    pattern = re.compile(r"<(/?)" + re.escape(name) + r"(?=[\s/>])")
    depth = 1
    for m in pattern.finditer(text, start):
        if m.group(1):
            depth -= 1
            if depth == 0:
                return m.start()
        else:
            tag = START_TAG.match(text, m.start())
            if tag is not None and not tag.group(0).endswith("/>"):
                depth += 1
    return None


def _value_fix(doc: _Doc, at: int, name: str, value: str) -> Fix | None:
    attributes = attribute_spans(doc.work, _tag_start(doc.work, at))
    if name not in attributes:
        return None
    _, start, end = attributes[name]
    if "&" in doc.work[start:end]:
        return None
    s, e = doc.original_offset(start), doc.original_offset(end)
    return Fix(f"write {name}={value!r}", (Edit(s, e, value),))


# ---------------------------------------------------------------------------- AST checks

_Nodes = list[tuple[_ast.Node, _ast.Node | None]]
_Check = Callable[[_Doc, _ast.Document, _Nodes], None]
_CHECKS: list[_Check] = []


def _check(fn: _Check) -> _Check:
    _CHECKS.append(fn)
    return fn


def _attribute_offset(doc: _Doc, node: _ast.Node, xml_name: str) -> int:
    start = doc.node_offset(node)
    found = attribute_spans(doc.work, start).get(xml_name)
    return found[0] if found else start


_CHILD_FIELDS: dict[type[_ast.Node], tuple[str, ...]] = {}


def _child_fields(cls: type[_ast.Node]) -> tuple[str, ...]:
    found = _CHILD_FIELDS.get(cls)
    if found is None:
        found = _CHILD_FIELDS[cls] = spec_of(cls).child_fields
    return found


def _all_nodes(tree: _ast.Document) -> _Nodes:
    """Every node with its parent (None for the document's verbs), in document order."""
    out: _Nodes = []
    append = out.append

    def visit(node: _ast.Node, parent: _ast.Node | None) -> None:
        append((node, parent))
        for name in _child_fields(type(node)):
            value = node.__dict__[name]
            if type(value) is tuple:
                for child in value:
                    visit(child, node)
            elif value is not None:
                visit(value, node)

    for verb in tree.verbs:
        visit(verb, None)
    return out


def _where(node: _ast.Node) -> str:
    pos = node.pos
    return f" at line {pos.line}" if pos is not None else ""


@_check
def _flow(doc: _Doc, tree: _ast.Document, nodes: _Nodes) -> None:
    answered = False
    ended_by: _ast.Node | None = None
    after_action: _ast.Node | None = None
    for verb in tree.verbs:
        if ended_by is not None:
            doc.report(
                "unreachable-verb",
                doc.node_offset(verb),
                f"{verb.TAG} never runs: the <{ended_by.TAG}>{_where(ended_by)} ends this document",
            )
            return
        if after_action is not None:
            how = {
                "Gather": "the caller enters nothing",
                "Record": "the recording fails (RestComm requests the action even when it "
                "is empty)",
                "Dial": "there is nothing to dial (RestComm requests the action whenever "
                "the Dial ends)",
            }[after_action.TAG]
            doc.report(
                "fall-through-only",
                doc.node_offset(verb),
                f"{verb.TAG} runs only when {how}: <{after_action.TAG}>{_where(after_action)} "
                "has an action",
            )
            after_action = None
        if isinstance(verb, _ast.Reject):
            if answered:
                doc.report(
                    "reject-not-first",
                    doc.node_offset(verb),
                    "Reject after a verb that answers the call is skipped: it only works "
                    "while the call rings",
                )
            else:
                ended_by = verb
        elif isinstance(verb, _ast.Hangup):
            ended_by = verb
        elif isinstance(verb, _ast.Redirect):
            if verb.url.strip():
                ended_by = verb
            else:
                doc.report(
                    "empty-redirect",
                    doc.node_offset(verb),
                    "Redirect has no URL: RestComm runs the next verb, the TwiML docs say it "
                    "reloads this document",
                )
        elif isinstance(verb, _ast.Gather | _ast.Record | _ast.Dial) and verb.action:
            after_action = verb
        if not isinstance(verb, _ast.Pause):
            answered = True

    last = tree.verbs[-1] if tree.verbs else None
    if isinstance(last, _ast.Gather) and not last.action:
        doc.report(
            "gather-without-action",
            doc.node_offset(last),
            "Gather has no action and nothing follows it: the input is dropped and the call "
            "hangs up",
        )


def _same_document(target: str, url: str) -> bool:
    from urllib.parse import urldefrag, urljoin, urlsplit

    resolved, _ = urldefrag(urljoin(url, target.strip()))
    here, _ = urldefrag(url)
    a, b = urlsplit(resolved), urlsplit(here)
    return (a.scheme.lower(), a.netloc.lower(), a.path or "/", a.query) == (
        b.scheme.lower(),
        b.netloc.lower(),
        b.path or "/",
        b.query,
    )


@_check
def _self_reference(doc: _Doc, tree: _ast.Document, nodes: _Nodes) -> None:
    if not doc.url:
        return
    for node, _ in nodes:
        if isinstance(node, _ast.Redirect) and node.url.strip():
            if _same_document(node.url, doc.url):
                doc.report(
                    "self-reference",
                    doc.node_offset(node),
                    f"Redirect fetches this document again ({doc.url}): the call loops",
                )
        elif (
            isinstance(node, _ast.Gather | _ast.Record | _ast.Dial)
            and node.action
            and _same_document(node.action, doc.url)
        ):
            doc.report(
                "self-reference",
                _attribute_offset(doc, node, "action"),
                f"{node.TAG} action fetches this document again ({doc.url}): its "
                "result is ignored and the call loops",
            )


@_check
def _restcomm(doc: _Doc, tree: _ast.Document, nodes: _Nodes) -> None:
    # One handler per node type: most nodes need none, and a dict lookup is cheaper
    # than a chain of isinstance tests on every node of every file.
    state: dict[str, Any] = {}
    handlers = _HANDLERS
    for node, parent in nodes:
        handler = handlers.get(type(node))
        if handler is not None:
            handler(doc, node, parent, state)


def _gather_carry_over(
    doc: _Doc, node: _ast.Gather, parent: _ast.Node | None, state: dict[str, Any]
) -> None:
    _gather(doc, node)
    earlier: _ast.Gather | None = state.get("num_digits_from")
    if node.num_digits is not None:
        state["num_digits_from"] = node
    elif earlier is not None:
        doc.report(
            "num-digits-carry-over",
            doc.node_offset(node),
            f"Gather has no numDigits: RestComm keeps numDigits={earlier.num_digits} from the "
            f"Gather{_where(earlier)}",
        )


def _record(doc: _Doc, node: _ast.Record, parent: _ast.Node | None, state: object) -> None:
    if node.finish_on_key == "":
        doc.report(
            "finish-on-key-empty",
            _attribute_offset(doc, node, "finishOnKey"),
            'Record finishOnKey="" becomes "#" on RestComm; write "-1" to disable it',
        )


def _play(doc: _Doc, node: _ast.Play, parent: _ast.Node | None, state: object) -> None:
    if not node.url.strip():
        doc.report("play-empty", doc.node_offset(node), "Play has no URL: it is skipped")
    if node.loop == 0:
        _loop_zero(doc, node, parent)


def _number(doc: _Doc, node: _ast.Number, parent: _ast.Node | None, state: object) -> None:
    number = node.number.strip().split("?", 1)[0]
    if number and not _PHONE.fullmatch(number):
        doc.report(
            "number-format",
            doc.node_offset(node),
            f"Number {number!r} is not a phone number (digits, optional leading +)",
        )


def _sip(doc: _Doc, node: _ast.Sip, parent: _ast.Node | None, state: object) -> None:
    if (node.username is None) != (node.password is None):
        doc.report(
            "sip-credentials",
            doc.node_offset(node),
            "Sip has a username without a password"
            if node.password is None
            else "Sip has a password without a username",
        )
    uri = node.uri.strip()
    if uri and not uri.lower().startswith(("sip:", "sips:")):
        doc.report(
            "sip-uri", doc.node_offset(node), f"Sip {uri!r} is not a SIP URI: write sip:{uri}"
        )


def _conference(doc: _Doc, node: _ast.Conference, parent: _ast.Node | None, state: object) -> None:
    named = node.name if node.video is not None else node.room
    if not (named or "").strip():
        doc.report("conference-name", doc.node_offset(node), "Conference has no room name")


def _gather(doc: _Doc, node: _ast.Gather) -> None:
    if node.finish_on_key == "":
        doc.report(
            "finish-on-key-empty",
            _attribute_offset(doc, node, "finishOnKey"),
            'Gather finishOnKey="" becomes "#" on RestComm: "#" still ends the input',
        )
    elif node.finish_on_key and len(node.finish_on_key) > 1:
        doc.report(
            "finish-on-key-multiple",
            _attribute_offset(doc, node, "finishOnKey"),
            f"finishOnKey={node.finish_on_key!r}: Twilio takes a single key",
        )
    if node.hints:
        long = [h for h in node.hints if len(h) > _HINTS_LENGTH]
        if len(node.hints) > _HINTS_PHRASES or long:
            what = (
                f"{len(node.hints)} phrases (at most {_HINTS_PHRASES})"
                if len(node.hints) > _HINTS_PHRASES
                else f"a phrase of {len(long[0])} characters (at most {_HINTS_LENGTH})"
            )
            doc.report(
                "gather-hints-limit",
                _attribute_offset(doc, node, "hints"),
                f"hints has {what}: RestComm fails the call at this Gather",
            )


def _phone_like(value: str) -> bool:
    value = value.strip()
    return bool(value) and (
        (value.startswith("client:") and len(value) > 7) or bool(_PHONE.fullmatch(value))
    )


def _sms(doc: _Doc, node: _ast.Sms, parent: _ast.Node | None, state: object) -> None:
    if not node.body.strip():
        doc.report(
            "sms-empty-body",
            doc.node_offset(node),
            "Sms has no body: RestComm reports 14103 and hangs up",
        )
    for rule, xml, value in (("sms-to", "to", node.to), ("sms-from", "from", node.from_)):
        if value is not None and not _phone_like(value):
            doc.report(
                rule, _attribute_offset(doc, node, xml), f"Sms {xml}={value!r} is not a number"
            )


def _dial(doc: _Doc, node: _ast.Dial, parent: _ast.Node | None, state: object) -> None:
    if node.caller_id is not None and not _phone_like(node.caller_id):
        doc.report(
            "dial-caller-id",
            _attribute_offset(doc, node, "callerId"),
            f"callerId={node.caller_id!r} is not a phone number or client:name",
        )
    if node.target.strip() and node.nouns:
        doc.report(
            "dial-text-and-nouns",
            doc.node_offset(node),
            f"Dial has the text {node.target.strip()!r} and nouns: RestComm dials the text and "
            "drops the nouns",
        )
    if any(isinstance(n, _ast.Conference) for n in node.nouns) and len(node.nouns) > 1:
        doc.report(
            "conference-mixed-nouns",
            doc.node_offset(node),
            "Conference mixed with other nouns: RestComm dials them all at once",
        )
    for noun in node.nouns:
        if isinstance(noun, _ast.Conference) or noun.status_callback_event is None:
            continue
        raw = attribute_spans(doc.work, doc.node_offset(noun)).get("statusCallbackEvent")
        if raw is None:
            continue
        value = doc.work[raw[1] : raw[2]]
        if "," in value and doc.config.target == "twilio":
            fixed = " ".join(v.strip() for v in value.split(",") if v.strip())
            doc.report(
                "status-callback-event-commas",
                raw[0],
                f"statusCallbackEvent={value!r}: Twilio separates events with spaces",
                fix=_value_fix(doc, doc.node_offset(noun), "statusCallbackEvent", fixed),
            )


def _say(doc: _Doc, node: _ast.Say, parent: _ast.Node | None, state: object) -> None:
    text = node.text.strip()
    if not text:
        doc.report("say-empty", doc.node_offset(node), "Say has no text: it is skipped")
    elif len(text) > _SAY_LIMIT:
        doc.report(
            "say-too-long",
            doc.node_offset(node),
            f"Say has {len(text)} characters; speech engines take at most {_SAY_LIMIT}",
        )
    if node.loop == 0:
        _loop_zero(doc, node, parent)


def _loop_zero(doc: _Doc, node: _ast.Say | _ast.Play, parent: _ast.Node | None) -> None:
    effect = (
        "inside Gather RestComm drops this prompt"
        if isinstance(parent, _ast.Gather)
        else "RestComm plays it once (the docs say it loops until hangup)"
    )
    doc.report("loop-zero", _attribute_offset(doc, node, "loop"), f'loop="0": {effect}')


_HANDLERS: dict[type[_ast.Node], Callable[..., None]] = {
    _ast.Gather: _gather_carry_over,
    _ast.Record: _record,
    _ast.Dial: _dial,
    _ast.Say: _say,
    _ast.Play: _play,
    _ast.Sms: _sms,
    _ast.Number: _number,
    _ast.Sip: _sip,
    _ast.Conference: _conference,
}


_StatusRow = tuple[str | None, tuple[tuple[str, str, str], ...]]
_STATUS: dict[type[_ast.Node], _StatusRow] = {}


def _status_table(cls: type[_ast.Node]) -> _StatusRow:
    """(element status, ((field, XML name, status or "twilio"), ...)) for one class."""
    found = _STATUS.get(cls)
    if found is None:
        found = _STATUS[cls] = _make_status_table(cls)
    return found


def _make_status_table(cls: type[_ast.Node]) -> _StatusRow:
    decl = schema_model().elements[cls.TAG]
    by_xml = spec_of(cls).by_xml
    rows = []
    for xml, attribute in decl.attributes.items():
        if attribute.status:
            rows.append((by_xml[xml].name, xml, attribute.status))
        if (cls.TAG, xml) in _NOT_IN_TWILIO_ATTRIBUTES:
            rows.append((by_xml[xml].name, xml, "twilio"))
    return decl.status, tuple(rows)


@_check
def _status(doc: _Doc, tree: _ast.Document, nodes: _Nodes) -> None:
    twilio = doc.config.target == "twilio"
    for node, _ in nodes:
        status, rows = _status_table(type(node))
        if status == "cloud":
            doc.report(
                "cloud-only",
                doc.node_offset(node),
                f"{node.TAG} is documented only for Restcomm Cloud; open-source RestComm skips it",
            )
        if twilio and node.TAG in _NOT_IN_TWILIO_ELEMENTS:
            doc.report("not-in-twilio", doc.node_offset(node), f"Twilio has no <{node.TAG}>")
        for name, xml, why in rows:
            if node.__dict__[name] is None:
                continue
            if why == "not-implemented":
                doc.report(
                    "not-implemented",
                    _attribute_offset(doc, node, xml),
                    f"RestComm ignores {node.TAG} {xml}",
                )
            elif why == "cloud":
                doc.report(
                    "cloud-only",
                    _attribute_offset(doc, node, xml),
                    f"{node.TAG} {xml} is documented only for Restcomm Cloud",
                )
            elif twilio:
                doc.report(
                    "not-in-twilio",
                    _attribute_offset(doc, node, xml),
                    f"Twilio's {node.TAG} has no {xml}",
                )


# ---------------------------------------------------------------------------- filtering


def _directives(text: str) -> tuple[set[str] | None, dict[int, set[str] | None]]:
    """Rules disabled for the whole file, and per line (None = every rule)."""
    file_rules: set[str] | None = set()
    lines: dict[int, set[str] | None] = {}
    if "rcml-lint" not in text:
        return file_rules, lines
    index = LineIndex(text)
    root = re.search(r"<[A-Za-z_]", _OPAQUE.sub(lambda m: " " * len(m.group()), text))
    root_at = root.start() if root else len(text)

    def rules(raw: str | None) -> set[str] | None:
        names = [n for n in re.split(r"[\s,]+", raw or "") if n]
        if not names or any(n.lower() == "all" for n in names):
            return None
        return resolve(names)[0]

    def merge(old: set[str] | None, new: set[str] | None) -> set[str] | None:
        return None if old is None or new is None else old | new

    for m in _DIRECTIVE.finditer(text):
        action, found = m.group(1), rules(m.group(2))
        if action == "disable-file" or (action == "disable" and m.start() < root_at):
            file_rules = merge(file_rules, found)
            continue
        line, _ = index.position(m.start())
        line_start = text.rfind("\n", 0, m.start()) + 1
        line_end = text.find("\n", m.end())
        alone = (
            not text[line_start : m.start()].strip()
            and not text[m.end() : line_end if line_end >= 0 else len(text)].strip()
        )
        target = line + 1 if action == "disable-next-line" or alone else line
        lines[target] = merge(lines.get(target, set()), found)
    return file_rules, lines


def _filter(doc: _Doc) -> list[Finding]:
    file_rules, lines = _directives(doc.original)
    out: list[Finding] = []
    seen: set[tuple[str, int, int, str]] = set()
    for finding in doc.findings:
        key = (finding.rule, finding.line, finding.column, finding.message)
        if key in seen:
            continue
        seen.add(key)
        if file_rules is None or finding.rule in file_rules:
            continue
        disabled: Any = lines.get(finding.line, set())
        if disabled is None or finding.rule in disabled:
            continue
        kept = doc.config.adjust(finding, doc.file)
        if kept is not None:
            out.append(kept)
    out.sort(key=lambda f: (f.line, f.column, f.code, f.rule))
    return out
