"""Lint one document: schema findings mapped to codes, then flow and behaviour checks.

The document is read as the parser reads it. Bare ``&`` are escaped first (and reported),
so one stray ampersand does not hide every other problem; positions are mapped back to
the original text. A document the schema rejects is then parsed leniently, as RestComm
would run it, so the flow checks still see its verbs.

The checks read elements as lxml gives them and run in one pass over the document's
elements, in document order. A document the schema accepts is checked on its lxml tree
itself, which costs a fraction of building the AST; a document it rejects, on
:class:`_AstElement` stand-ins for the nodes of its lenient AST, which answer the same
questions. tests/lint/test_lint_fast_path.py holds both ways to the same findings.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

from lxml import etree
from lxml.etree import ProcessingInstruction
from lxml.etree import _ProcessingInstruction as _PINode

from rcml._exceptions import DocumentError, DocumentTooLargeError, RCMLError
from rcml._lint._config import LintConfig
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
from rcml._lint._rules import RULES, VALUE_RULES, resolve
from rcml._schema import _xsd_tree, load_validator, schema_model
from rcml._source import (
    JAVA_TRIM,
    START_TAG,
    XML_SPACE,
    LineIndex,
    attribute_spans,
    decode,
    element_offsets,
    repaired_ampersands,
)
from rcml._xml import load

if TYPE_CHECKING:
    from rcml import _ast
    from rcml._exceptions import Violation
    from rcml._spec import NodeSpec

# The AST (rcml._ast), the parser and the spec tables are imported only for documents
# the schema rejects: a valid document is checked without them.

__all__ = ["check", "check_kept", "single", "too_large"]

_UNLIMITED: Final = 1 << 62
# Everything that may contain a '&' that is not markup: comments, CDATA, PIs.
_OPAQUE: Final = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>", re.S)
_ENTITY: Final = re.compile(r"&(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);")
_NOT_ENTITY: Final = re.compile(r"&(?!(?:#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][\w.:-]*);)")
_DIRECTIVE = re.compile(
    r"<!--\s*rcml-lint:\s*(disable|disable-next-line|disable-file)\s*(?:=\s*([^>]*?))?\s*-->"
)
_PHONE: Final = re.compile(r"\+?[0-9*#w().\s-]+")
_SAY_LIMIT: Final = 4096
_HINTS_PHRASES, _HINTS_LENGTH = 50, 100
_NOT_IN_TWILIO_ELEMENTS = frozenset({"Email", "Fax", "Video", "Uri", "Hold", "Resume", "Message"})
_NOT_IN_TWILIO_ATTRIBUTES = frozenset(
    {("Gather", "startInputKey"), ("Record", "media"), ("Dial", "dialMusic")}
)


#: What the checks read: an lxml element, or an :class:`_AstElement` standing in for a
#: node of the lenient AST.
_Node = Any
#: A set of tags.
_Tags = tuple[str, ...]


class _Doc:
    """One document being linted: its texts and how their offsets relate."""

    __slots__ = (
        "_original_lines",
        "_starts",
        "_work_lines",
        "bang",
        "config",
        "escaped",
        "file",
        "findings",
        "num_digits_from",
        "original",
        "simple",
        "url",
        "work",
    )

    def __init__(
        self,
        file: str,
        original: str,
        work: str,
        config: LintConfig,
        url: str | None,
        escaped: list[int] | None = None,
    ) -> None:
        self.file = file
        self.original = original
        #: The text that was parsed: the original with bare '&' escaped.
        self.work = work
        self.config = config
        self.url = url
        #: Offsets in ``work`` of each '&' that was escaped (each gained 4 characters).
        self.escaped = escaped or []
        #: Before filtering, as kept ones are.
        self.findings: list[Kept] = []
        #: Whether the text has a comment, a CDATA section or a DOCTYPE (all begin "<!").
        # ("!" first: one character is looked for many times faster than two.)
        self.bang = "!" in original and "<!" in original
        #: Whether every '<' not followed by '/', '?' or '!' starts an element (see at()):
        #: None until asked, False once a processing instruction with a '<' is met.
        self.simple: bool | None = None
        #: Where each line starts in ``work`` and in ``original``, once one is asked for.
        self._work_lines: list[int] | None = None
        self._original_lines: list[int] | None = None
        #: Offsets in ``work`` of the start tags, in document order, as far as asked for.
        self._starts: list[int] = []
        #: The last Gather so far that set numDigits: (element, i, numDigits).
        self.num_digits_from: tuple[_Node, int, int] | None = None

    def work_lines(self) -> list[int]:
        lines = self._work_lines
        if lines is None:
            lines = self._work_lines = _line_starts(self.work)
        return lines

    def work_offset(self, line: int, column: int) -> int:
        lines = self.work_lines()
        line = min(max(line, 1), len(lines))
        return lines[line - 1] + max(column, 1) - 1

    def original_offset(self, work_offset: int) -> int:
        return work_offset - 4 * bisect.bisect_left(self.escaped, work_offset)

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
        if self.escaped:
            at = offset if original else self.original_offset(offset)
            lines = self._original_lines
            if lines is None:
                lines = self._original_lines = _line_starts(self.original)
        else:  # the same text
            at = offset
            lines = self._work_lines or self.work_lines()
        line = bisect.bisect_right(lines, at)
        # (rule, code, severity, line, column, message, fix): Findings are made by
        # _filter, for the ones that are kept.
        self.findings.append(
            (
                rule_id,
                rule.code,
                severity or rule.severity,
                line,
                at - lines[line - 1] + 1,
                message,
                fix,
            )
        )

    def at(self, el: _Node, i: int) -> int:
        """Offset in ``work`` of the ``<`` that starts ``el``, the ``i``-th element of the
        document in document order (the root is the 0th)."""
        if isinstance(el, _AstElement):
            pos = el.node.pos
            return self.work_offset(pos.line, pos.column) if pos is not None else 0
        starts = self._starts
        if starts:
            return starts[i] if i < len(starts) else 0
        text = self.work
        if self.simple is None:
            self.simple = not self.bang or _comments_only(text)
        if self.simple:
            # Every '<' not followed by '/', '?' or '!' starts an element: one pass.
            starts.extend(_simple_starts(text))
        else:
            # Skipping comments, CDATA sections and processing instructions.
            starts.extend(element_offsets(text))
        return starts[i] if i < len(starts) else 0

    def processing_instruction(self, node: etree._Element) -> None:
        """Met a processing instruction before the elements still to be checked."""
        if "<" in (node.text or ""):
            # Its '<' would pass for a start tag: from now on, search skipping it.
            self.simple = False
            self._starts.clear()

    def line_at(self, el: _Node, i: int) -> int | None:
        """The line ``el`` starts on (see :meth:`at`), or None when unknown."""
        if isinstance(el, _AstElement):
            pos = el.node.pos
            return pos.line if pos is not None else None
        return bisect.bisect_right(self._work_lines or self.work_lines(), self.at(el, i))


def _line_starts(text: str) -> list[int]:
    """Where each line of ``text`` starts (the newlines counted once, not per finding)."""
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        at += 1
        starts.append(at)
        at = text.find("\n", at)
    return starts


# The start of an element, where '<' starts nothing else (see _Doc.at): not an end tag,
# a processing instruction, a comment or a CDATA section, nor inside one.
_SIMPLE_START: Final = re.compile(r"<[^/?!]")


def _simple_starts(text: str) -> list[int]:
    """Where ``_SIMPLE_START`` matches in ``text``."""
    if _INTERPRETED:
        return [m.start() for m in _SIMPLE_START.finditer(text)]
    # Compiled (hatch_build.py), a loop of finds takes half the time of the regular
    # expression; interpreted, twice as long.
    out: list[int] = []
    at = text.find("<")
    while at >= 0:
        after = text[at + 1 : at + 2]
        if after != "/" and after != "?" and after != "!":
            out.append(at)
        at = text.find("<", at + 1)
    return out


#: Whether this module runs as Python source, rather than compiled by mypyc.
_INTERPRETED: Final = __file__.endswith(".py")


def _comments_only(text: str) -> bool:
    """Whether every "<!" of ``text`` begins a comment with no '<' in it."""
    at = text.find("<!")
    while at >= 0:
        if not text.startswith("<!--", at):
            return False  # CDATA (or a DOCTYPE, refused before)
        end = text.find("-->", at + 4)
        if end < 0 or text.find("<", at + 4, end) >= 0:
            return False
        at = text.find("<!", end + 3)
    return True


def check(
    source: str | bytes,
    *,
    file: str = "<string>",
    config: LintConfig | None = None,
    url: str | None = None,
) -> list[Finding]:
    """Every finding in one document, filtered by ``config`` and inline directives."""
    return findings_of(file, check_kept(source, file=file, config=config, url=url))


def check_kept(
    source: str | bytes,
    *,
    file: str = "<string>",
    config: LintConfig | None = None,
    url: str | None = None,
) -> list[Kept]:
    """:func:`check`, each finding as the fields of the Finding it would be, without the
    file: what a run that prints them needs, without making an object of each."""
    config = config or LintConfig()
    try:
        text, utf8 = decode(source, config.max_size)
    except DocumentTooLargeError as exc:
        return kept_of(too_large(file, exc.size, config))
    except DocumentError as exc:
        return kept_of(single(file, "parse-error", exc.message, config, exc.line, exc.column))
    if not text or text.isspace():
        return kept_of(single(file, "empty-document", "the document is empty", config))

    doc = _escape_ampersands(text, file, config, url)
    # The bytes as read are what lxml would be given anyway, unless '&' were escaped.
    root = _read(doc, utf8 if doc.work is text else None)
    if root is not None:
        _run_checks(doc, root)
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
    bare = _bare_ampersands(text) if "&" in text and _NOT_ENTITY.search(text) else []
    if not bare:
        return _Doc(file, text, text, config, url)
    repaired = set(repaired_ampersands(text))
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


def _read(doc: _Doc, utf8: bytes | None) -> _Node | None:
    """The root element the checks read; None if the document is not XML.

    What ``rcml.parse(doc.work)`` does, step by step: a valid document is read on its
    lxml tree; a document the schema rejects gets its violations reported, then is
    parsed leniently, as RestComm would run it, for the flow checks.
    """
    try:
        # A DOCTYPE begins "<!": without one, there is none to refuse.
        root = load(doc.work, utf8, doctype=doc.bang)
    except DocumentError as exc:
        at = doc.work_offset(exc.line, exc.column) if exc.line else 0
        doc.report("parse-error", at, exc.message)
        return None
    if root.getprevious() is not None:  # comments or processing instructions first
        for node in root.itersiblings(preceding=True):
            if isinstance(node, _PINode):
                doc.processing_instruction(node)
    validator = load_validator()
    if validator.validate(root):
        return _valid_tree(doc, root)
    from rcml._violations import violations

    found = violations(validator, root, doc.work)
    for violation in found:
        _report_violation(doc, violation)
    if found and all(_unread(v) for v in found):
        return _tolerated_tree(doc, root)
    return _lenient_tree(doc)


def _valid_tree(doc: _Doc, root: etree._Element) -> _Node:
    """What the checks read of a document the schema accepts: its lxml tree."""
    return root


def _tolerated_tree(doc: _Doc, root: etree._Element) -> _Node:
    """What the checks read of a document whose every violation is in an attribute no
    check reads: its lxml tree too.

    RestComm ignores an unknown attribute and defaults a bad value, and neither changes
    the elements or any attribute the checks read: the lxml elements answer what the
    lenient AST would, at a fraction of the cost (tests/lint/ holds the two to the same
    findings). A misspelled attribute or a bad voice, the common mistakes, so do not
    cost a second, lenient parse.
    """
    return root


def _lenient_tree(doc: _Doc) -> _Node | None:
    """The nodes of what RestComm would run, for a document the schema rejects."""
    from rcml._parse import parse

    try:
        document = parse(doc.work, url=doc.url, strict=False, max_size=_UNLIMITED)
    except RCMLError:  # pragma: no cover - strict parsing already found it well-formed
        return None
    return _AstTree(document)


def _unread(v: Violation) -> bool:
    """Whether ``v`` is about an attribute that no check reads (see _tolerated_tree)."""
    if v.kind == "unknown-attribute":
        # A prefixed name is read by its local name: {ns}loop would be loop.
        return "{" not in v.attribute and ":" not in v.attribute
    if v.kind in ("invalid-value", "missing-attribute") and v.attribute:
        return v.attribute not in _read_attributes(v.element)
    return False


_READ: Final[dict[str, frozenset[str]]] = {}


def _read_attributes(tag: str) -> frozenset[str]:
    """The attributes of ``tag`` that some check reads: its fields and its statuses."""
    found = _READ.get(tag)
    if found is None:
        names = {xml for how, xml in _FIELDS.get(tag, {}).values() if xml}
        names.update(xml for xml, _ in _status_tables().get(tag, (None, ()))[1])
        found = _READ[tag] = frozenset(names)
    return found


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
        from rcml._ast import CallEvent

        words = v.value.split()
        events = {e.value for e in CallEvent}
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


# ---------------------------------------------------------------------------- nodes

# The checks read elements as lxml gives them: ``tag``, ``get(name)``, ``text`` and
# ``tail``, their children by iteration, ``getparent()``. A document the schema accepts
# is checked on its lxml tree itself, in one pass in document order; a document it
# rejects, on _AstElements that answer the same for the nodes of its lenient AST. (Views
# of the elements that answered the AST's field names, and before them the AST itself,
# cost several times as much: tests/lint/test_lint_fast_path.py holds the ways to the
# same findings.)


class _AstElement:
    """A node of the lenient AST, answering what the checks ask an lxml element.

    ``get`` gives the field of an XML attribute as text (``loop`` 0 as ``"0"``, hints
    joined with commas), which the checks convert back as they convert what the schema
    accepted; ``text`` is the node's text field, its children have no tail.
    """

    __slots__ = ("kids", "node", "parent", "tag", "text")
    tail = None

    def __init__(self, node: Any, parent: _AstElement | None) -> None:
        self.node = node
        self.parent = parent
        self.tag: str = node.TAG
        spec = _spec(type(node))
        self.text: str | None = node.__dict__[spec.text] if spec.text else None
        kids: list[_AstElement] = []
        for name in spec.child_fields:
            value = node.__dict__[name]
            for child in value if type(value) is tuple else (value,):
                if child is not None:
                    kids.append(_AstElement(child, self))
        self.kids = kids

    def get(self, xml: str) -> str | None:
        attribute = _spec(type(self.node)).by_xml.get(xml)
        return None if attribute is None else _as_text(self.node.__dict__[attribute.name])

    def getparent(self) -> _AstElement | None:
        return self.parent

    def __iter__(self) -> Iterator[_AstElement]:
        return iter(self.kids)

    def __len__(self) -> int:
        return len(self.kids)

    def iterdescendants(self) -> Iterator[_AstElement]:
        for kid in self.kids:
            yield kid
            yield from kid.iterdescendants()


class _AstTree(_AstElement):
    """The root of a lenient Document's nodes: its verbs are the children."""

    def __init__(self, document: _ast.Document) -> None:
        self.node = document
        self.parent = None
        self.tag = "Response"
        self.text = None
        self.kids = [_AstElement(verb, self) for verb in document.verbs]


def _as_text(value: Any) -> str | None:
    """A field's value as the attribute that would give it."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(_as_text(v) or "" for v in value)
    if isinstance(value, str):  # a StrEnum
        return str(value)
    return str(getattr(value, "value", value))


def _spec(cls: type) -> NodeSpec:
    # Imported here: a document the schema accepts is linted without rcml._spec.
    from rcml._spec import spec_of

    return spec_of(cls)


def _text(el: _Node) -> str:
    # The strict parser's text, step by step (rcml._parse._strict_node): a leaf keeps its
    # text unless it is all XML whitespace; otherwise the chunks between the children
    # that are not all XML whitespace, joined. (Every check strips the text, so the
    # lenient AST's text, an _AstElement's, reads the same through here.)
    if len(el):
        chunks = [el.text]
        chunks.extend(child.tail for child in el)
        return "".join(c for c in chunks if c and c.strip(XML_SPACE))
    text = el.text
    return text if text and (not text.isspace() or text.strip(XML_SPACE)) else ""


def _element_children(el: _Node) -> list[_Node]:
    """The child elements of ``el``, not its comments or processing instructions."""
    return [child for child in el if type(child.tag) is str] if len(el) else []


def _hints(value: str) -> tuple[str, ...]:
    # rcml._values._strict_hints
    return tuple(p.strip(JAVA_TRIM) for p in value.split(",") if p.strip(JAVA_TRIM))


def _events(value: str) -> tuple[str, ...]:
    # rcml._values._strict_events, with the CallEvent values (a StrEnum: equal to these)
    return tuple(token.strip(JAVA_TRIM) for token in value.split(","))


_DIAL_NOUN = {"status_callback_event": ("events", "statusCallbackEvent")}
_SIP = _DIAL_NOUN | {
    "uri": ("text", ""),
    "username": ("str", "username"),
    "password": ("str", "password"),
}
#: Per tag, the AST fields the checks read: field -> (how, XML attribute). "text" is the
#: element's text field, "many" and "one" its child field; the other kinds say how the
#: checks convert the attribute, as the strict parser does ("str": as written).
#: _unread relies on it, and tests/lint/ checks it against rcml._spec.
_FIELDS: dict[str, dict[str, tuple[str, str]]] = {
    "Say": {"text": ("text", ""), "loop": ("int", "loop")},
    "Play": {"url": ("text", ""), "loop": ("int", "loop")},
    "Gather": {
        "action": ("str", "action"),
        "finish_on_key": ("str", "finishOnKey"),
        "num_digits": ("int", "numDigits"),
        "hints": ("hints", "hints"),
    },
    "Record": {"action": ("str", "action"), "finish_on_key": ("str", "finishOnKey")},
    "Dial": {
        "target": ("text", ""),
        "nouns": ("many", ""),
        "action": ("str", "action"),
        "caller_id": ("str", "callerId"),
    },
    "Number": _DIAL_NOUN | {"number": ("text", "")},
    "Client": _DIAL_NOUN,
    "Sip": _SIP,
    "Uri": _SIP,
    "Conference": {"room": ("text", ""), "name": ("str", "name"), "video": ("one", "")},
    "Redirect": {"url": ("text", "")},
    "Sms": {"body": ("text", ""), "to": ("str", "to"), "from_": ("str", "from")},
}


def _attribute_offset(doc: _Doc, el: _Node, n: int, xml_name: str) -> int:
    """Where the attribute ``xml_name`` of ``el`` is written, else where ``el`` starts."""
    start = doc.at(el, n)
    found = _attribute_start(doc.work, start, xml_name)
    return start if found is None else found


# An attribute of a start tag, as rcml._source.START_TAG matches them.
_ATTRIBUTE: Final = r"""\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*')"""
# Per attribute name, a start tag with that attribute, the first one so named captured.
_ATTRIBUTE_IN_TAG: Final[dict[str, re.Pattern[str]]] = {}


def _attribute_start(text: str, tag_offset: int, name: str) -> int | None:
    """``attribute_spans(text, tag_offset)[name][0]``, or None: the same answer for a
    well-formed start tag (no name twice), from one anchored match."""
    pattern = _ATTRIBUTE_IN_TAG.get(name)
    if pattern is None:
        # The attributes before it taken as few as can be: the first so named.
        pattern = _ATTRIBUTE_IN_TAG[name] = re.compile(
            rf"""<[^\s/>]+(?:{_ATTRIBUTE})*?\s+({re.escape(name)})\s*=\s*(?:"[^"]*"|'[^']*')"""
            rf"(?:{_ATTRIBUTE})*\s*/?>"
        )
    found = pattern.match(text, tag_offset)
    return found.start(1) if found is not None else None


# ---------------------------------------------------------------------------- checks

# Each check of an element takes (doc, element, i): i is the element's index in document
# order, which is where its start tag is found (_Doc.at).
_Handler = Callable[["_Doc", _Node, int], None]


def _run_checks(doc: _Doc, root: _Node) -> None:
    """Every check, in one pass over the elements below ``root`` in document order."""
    table = _handlers(doc.config.target == "twilio", bool(doc.url))
    flow: list[tuple[_Node, int, str]] = []
    # i: the element's index in document order (the root is 0), which is where its
    # start tag is found (_Doc.at); comments and processing instructions do not count.
    i = 0
    for verb in root:
        tag = verb.tag
        if type(tag) is not str:  # a comment or a processing instruction
            if tag is ProcessingInstruction:
                doc.processing_instruction(verb)
            continue
        i += 1
        flow.append((verb, i, tag))
        handlers = table.get(tag)
        if handlers is not None:
            for handler in handlers:
                handler(doc, verb, i)
        if len(verb):
            for el in verb.iterdescendants():
                tag = el.tag
                if type(tag) is not str:
                    if tag is ProcessingInstruction:
                        doc.processing_instruction(el)
                    continue
                i += 1
                handlers = table.get(tag)
                if handlers is not None:
                    for handler in handlers:
                        handler(doc, el, i)
    _flow(doc, flow)


_TABLES: Final[dict[tuple[bool, bool], dict[str, tuple[_Handler, ...]]]] = {}


def _handlers(twilio: bool, url: bool) -> dict[str, tuple[_Handler, ...]]:
    """Tag -> the checks of its elements, for a target and whether the URL is known."""
    found = _TABLES.get((twilio, url))
    if found is None:
        table: dict[str, list[_Handler]] = {tag: [fn] for tag, fn in _HANDLERS.items()}
        if twilio:
            for tag in _DIAL_NOUNS:
                table.setdefault(tag, []).append(_noun_events)
        if url:
            for tag in _FETCHING:
                table.setdefault(tag, []).append(_self_reference)
        for tag in _status_tags(twilio):
            status = _status_check(tag, twilio)
            if status is not None:
                table.setdefault(tag, []).append(status)
        found = _TABLES[twilio, url] = {tag: tuple(fns) for tag, fns in table.items()}
    return found


def _where(doc: _Doc, el: _Node, n: int) -> str:
    line = doc.line_at(el, n)
    return f" at line {line}" if line is not None else ""


def _flow(doc: _Doc, verbs: list[tuple[_Node, int, str]]) -> None:
    """The checks of the order of the verbs: ``verbs`` are (verb, index, tag)."""
    answered = False
    ended_by: tuple[_Node, int, str] | None = None
    after_action: tuple[_Node, int, str] | None = None
    for verb, n, tag in verbs:
        if ended_by is not None:
            end, m, end_tag = ended_by
            doc.report(
                "unreachable-verb",
                doc.at(verb, n),
                f"{tag} never runs: the <{end_tag}>{_where(doc, end, m)} ends this document",
            )
            return
        if after_action is not None:
            before, m, before_tag = after_action
            doc.report(
                "fall-through-only",
                doc.at(verb, n),
                f"{tag} runs only when {_FALLS_THROUGH[before_tag]}: <{before_tag}>"
                f"{_where(doc, before, m)} has an action",
            )
            after_action = None
        if tag == "Reject":
            if answered:
                doc.report(
                    "reject-not-first",
                    doc.at(verb, n),
                    "Reject after a verb that answers the call is skipped: it only works "
                    "while the call rings",
                )
            else:
                ended_by = (verb, n, tag)
        elif tag == "Hangup":
            ended_by = (verb, n, tag)
        elif tag == "Redirect":
            if _text(verb).strip():
                ended_by = (verb, n, tag)
            else:
                doc.report(
                    "empty-redirect",
                    doc.at(verb, n),
                    "Redirect has no URL: RestComm runs the next verb, the TwiML docs say it "
                    "reloads this document",
                )
        elif tag in _WITH_ACTION and verb.get("action"):
            after_action = (verb, n, tag)
        if tag != "Pause":
            answered = True

    if verbs:
        last, n, tag = verbs[-1]
        if tag == "Gather" and not last.get("action"):
            doc.report(
                "gather-without-action",
                doc.at(last, n),
                "Gather has no action and nothing follows it: the input is dropped and the "
                "call hangs up",
            )


_WITH_ACTION: Final = frozenset({"Gather", "Record", "Dial"})
# When the verb after one with an action runs.
_FALLS_THROUGH: Final = {
    "Gather": "the caller enters nothing",
    "Record": "the recording fails (RestComm requests the action even when it is empty)",
    "Dial": "there is nothing to dial (RestComm requests the action whenever the Dial ends)",
}
# The elements that fetch a URL: _self_reference looks at these.
_FETCHING: Final[_Tags] = ("Redirect", "Gather", "Record", "Dial")


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


def _self_reference(doc: _Doc, el: _Node, n: int) -> None:
    url = doc.url
    assert url is not None  # only checked when the URL is known
    tag = el.tag
    if tag == "Redirect":
        target = _text(el)
        if target.strip() and _same_document(target, url):
            doc.report(
                "self-reference",
                doc.at(el, n),
                f"Redirect fetches this document again ({url}): the call loops",
            )
    elif (action := el.get("action")) and _same_document(action, url):
        doc.report(
            "self-reference",
            _attribute_offset(doc, el, n, "action"),
            f"{tag} action fetches this document again ({url}): its result is ignored and "
            "the call loops",
        )


def _gather(doc: _Doc, el: _Node, n: int) -> None:
    finish_on_key = el.get("finishOnKey")
    if finish_on_key == "":
        doc.report(
            "finish-on-key-empty",
            _attribute_offset(doc, el, n, "finishOnKey"),
            'Gather finishOnKey="" becomes "#" on RestComm: "#" still ends the input',
        )
    elif finish_on_key and len(finish_on_key) > 1:
        doc.report(
            "finish-on-key-multiple",
            _attribute_offset(doc, el, n, "finishOnKey"),
            f"finishOnKey={finish_on_key!r}: Twilio takes a single key",
        )
    written = el.get("hints")
    hints = _hints(written) if written else ()
    if hints:
        long = [h for h in hints if len(h) > _HINTS_LENGTH]
        if len(hints) > _HINTS_PHRASES or long:
            what = (
                f"{len(hints)} phrases (at most {_HINTS_PHRASES})"
                if len(hints) > _HINTS_PHRASES
                else f"a phrase of {len(long[0])} characters (at most {_HINTS_LENGTH})"
            )
            doc.report(
                "gather-hints-limit",
                _attribute_offset(doc, el, n, "hints"),
                f"hints has {what}: RestComm fails the call at this Gather",
            )
    # RestComm keeps numDigits from one Gather to the next, in document order.
    digits = el.get("numDigits")
    if digits is not None:
        doc.num_digits_from = (el, n, int(digits))
    elif doc.num_digits_from is not None:
        earlier, m, value = doc.num_digits_from
        doc.report(
            "num-digits-carry-over",
            doc.at(el, n),
            f"Gather has no numDigits: RestComm keeps numDigits={value} from the "
            f"Gather{_where(doc, earlier, m)}",
        )


def _record(doc: _Doc, el: _Node, n: int) -> None:
    if el.get("finishOnKey") == "":
        doc.report(
            "finish-on-key-empty",
            _attribute_offset(doc, el, n, "finishOnKey"),
            'Record finishOnKey="" becomes "#" on RestComm; write "-1" to disable it',
        )


def _play(doc: _Doc, el: _Node, n: int) -> None:
    if not _text(el).strip():
        doc.report("play-empty", doc.at(el, n), "Play has no URL: it is skipped")
    loop = el.get("loop")
    if loop is not None and int(loop) == 0:
        _loop_zero(doc, el, n)


def _number(doc: _Doc, el: _Node, n: int) -> None:
    number = _text(el).strip().split("?", 1)[0]
    if number and not _PHONE.fullmatch(number):
        doc.report(
            "number-format",
            doc.at(el, n),
            f"Number {number!r} is not a phone number (digits, optional leading +)",
        )


def _sip(doc: _Doc, el: _Node, n: int) -> None:
    username, password = el.get("username"), el.get("password")
    if (username is None) != (password is None):
        doc.report(
            "sip-credentials",
            doc.at(el, n),
            "Sip has a username without a password"
            if password is None
            else "Sip has a password without a username",
        )
    uri = _text(el).strip()
    if uri and not uri.lower().startswith(("sip:", "sips:")):
        doc.report("sip-uri", doc.at(el, n), f"Sip {uri!r} is not a SIP URI: write sip:{uri}")


def _conference(doc: _Doc, el: _Node, n: int) -> None:
    # With a Video inside, the room is named by the name attribute, else by the text.
    named = el.get("name") if _element_children(el) else _text(el)
    if not (named or "").strip():
        doc.report("conference-name", doc.at(el, n), "Conference has no room name")


def _phone_like(value: str) -> bool:
    value = value.strip()
    return bool(value) and (
        (value.startswith("client:") and len(value) > 7) or bool(_PHONE.fullmatch(value))
    )


def _sms(doc: _Doc, el: _Node, n: int) -> None:
    if not _text(el).strip():
        doc.report(
            "sms-empty-body",
            doc.at(el, n),
            "Sms has no body: RestComm reports 14103 and hangs up",
        )
    for rule, xml in (("sms-to", "to"), ("sms-from", "from")):
        value = el.get(xml)
        if value is not None and not _phone_like(value):
            doc.report(
                rule,
                _attribute_offset(doc, el, n, xml),
                f"Sms {xml}={value!r} is not a number",
            )


def _dial(doc: _Doc, el: _Node, n: int) -> None:
    caller_id = el.get("callerId")
    if caller_id is not None and not _phone_like(caller_id):
        doc.report(
            "dial-caller-id",
            _attribute_offset(doc, el, n, "callerId"),
            f"callerId={caller_id!r} is not a phone number or client:name",
        )
    target = _text(el).strip()
    nouns = _element_children(el)
    if target and nouns:
        doc.report(
            "dial-text-and-nouns",
            doc.at(el, n),
            f"Dial has the text {target!r} and nouns: RestComm dials the text and drops the nouns",
        )
    if len(nouns) > 1 and any(noun.tag == "Conference" for noun in nouns):
        doc.report(
            "conference-mixed-nouns",
            doc.at(el, n),
            "Conference mixed with other nouns: RestComm dials them all at once",
        )


# The nouns of a Dial that take statusCallbackEvent (a Conference's is another list).
_DIAL_NOUNS: Final[_Tags] = ("Number", "Client", "Sip", "Uri")


def _noun_events(doc: _Doc, el: _Node, n: int) -> None:
    """Twilio only: statusCallbackEvent separated by commas."""
    if el.get("statusCallbackEvent") is None:
        return
    parent = el.getparent()
    if parent is None or parent.tag != "Dial":
        return
    start = doc.at(el, n)
    raw = attribute_spans(doc.work, start).get("statusCallbackEvent")
    if raw is None:
        return
    value = doc.work[raw[1] : raw[2]]
    if "," in value:
        fixed = " ".join(v.strip() for v in value.split(",") if v.strip())
        doc.report(
            "status-callback-event-commas",
            raw[0],
            f"statusCallbackEvent={value!r}: Twilio separates events with spaces",
            fix=_value_fix(doc, start, "statusCallbackEvent", fixed),
        )


def _say(doc: _Doc, el: _Node, n: int) -> None:
    text = _text(el).strip()
    if not text:
        doc.report("say-empty", doc.at(el, n), "Say has no text: it is skipped")
    elif len(text) > _SAY_LIMIT:
        doc.report(
            "say-too-long",
            doc.at(el, n),
            f"Say has {len(text)} characters; speech engines take at most {_SAY_LIMIT}",
        )
    loop = el.get("loop")
    if loop is not None and int(loop) == 0:
        _loop_zero(doc, el, n)


def _loop_zero(doc: _Doc, el: _Node, n: int) -> None:
    parent = el.getparent()
    effect = (
        "inside Gather RestComm drops this prompt"
        if parent is not None and parent.tag == "Gather"
        else "RestComm plays it once (the docs say it loops until hangup)"
    )
    doc.report("loop-zero", _attribute_offset(doc, el, n, "loop"), f'loop="0": {effect}')


# By tag, which is by exact class: a Uri (a Sip subclass) gets no Sip checks.
_HANDLERS: Final[dict[str, _Handler]] = {
    "Gather": _gather,
    "Record": _record,
    "Dial": _dial,
    "Say": _say,
    "Play": _play,
    "Sms": _sms,
    "Number": _number,
    "Sip": _sip,
    "Conference": _conference,
}


# Per tag with anything to check: (element status, ((XML attribute, status or "twilio"),
# ...)), read from the schema on first use.
_StatusRow = tuple[str | None, tuple[tuple[str, str], ...]]
_STATUS: Final[dict[str, _StatusRow]] = {}


def _status_tags(twilio: bool) -> _Tags:
    """The tags _status looks at."""
    tags = _STATUS_TAGS.get(twilio)
    if tags is None:
        found = set(_status_tables())
        if twilio:
            found |= _NOT_IN_TWILIO_ELEMENTS
        tags = _STATUS_TAGS[twilio] = tuple(sorted(found))
    return tags


_STATUS_TAGS: Final[dict[bool, _Tags]] = {}


def _status_tables() -> dict[str, _StatusRow]:
    if not _STATUS:
        for tag, status, attributes in _statuses():
            rows = []
            for xml, attribute_status in attributes:
                if attribute_status:
                    rows.append((xml, attribute_status))
                if (tag, xml) in _NOT_IN_TWILIO_ATTRIBUTES:
                    rows.append((xml, "twilio"))
            if status or rows:
                _STATUS[tag] = (status, tuple(rows))
    return _STATUS


_XS, _ANNOTATIONS = "{http://www.w3.org/2001/XMLSchema}", "{urn:rcml:annotations}"


def _statuses() -> Iterator[tuple[str, str | None, list[tuple[str, str | None]]]]:
    """(complex type, its a:status, [(attribute, its a:status)]) for each complex type of
    the XSD, as schema_model() reads them, but from the annotations up: reading the whole
    model costs several times as much (tests/lint/ holds the two to the same)."""
    root = _xsd_tree("rcml")
    own: dict[etree._Element, str | None] = {}  # annotated declaration -> its first status
    for status in root.iter(f"{_ANNOTATIONS}status"):
        appinfo = status.getparent()
        annotation = appinfo.getparent() if appinfo is not None else None
        owner = annotation.getparent() if annotation is not None else None
        if (
            owner is not None
            and appinfo is not None
            and appinfo.tag == f"{_XS}appinfo"
            and annotation is not None
            and annotation.tag == f"{_XS}annotation"
            and owner not in own
        ):
            own[owner] = status.text
    groups = {g.get("name"): g for g in root.iterchildren(f"{_XS}attributeGroup")}

    def attributes(node: etree._Element) -> Iterator[tuple[str, str | None]]:
        for child in node:
            if child.tag == f"{_XS}attribute":
                yield child.get("name", ""), own.get(child)
            elif child.tag == f"{_XS}attributeGroup":
                yield from attributes(groups[child.get("ref")])

    for ctype in root.iterchildren(f"{_XS}complexType"):
        extension = ctype.find(f"{_XS}simpleContent/{_XS}extension")
        found = attributes(ctype if extension is None else extension)
        yield ctype.get("name", ""), own.get(ctype), list(found)


def _status_check(tag: str, twilio: bool) -> _Handler | None:
    """The check of what the schema's annotations say of ``tag`` and its attributes,
    made for the target: None when there is nothing to say."""
    status, rows = _status_tables().get(tag, (None, ()))
    element: list[tuple[str, str]] = []  # (rule, message) for the element itself
    if status == "cloud":
        element.append(
            (
                "cloud-only",
                f"{tag} is documented only for Restcomm Cloud; open-source RestComm skips it",
            )
        )
    if twilio and tag in _NOT_IN_TWILIO_ELEMENTS:
        element.append(("not-in-twilio", f"Twilio has no <{tag}>"))
    attributes: list[tuple[str, str, str]] = []  # (attribute, rule, message)
    for xml, why in rows:
        if why == "not-implemented":
            attributes.append((xml, "not-implemented", f"RestComm ignores {tag} {xml}"))
        elif why == "cloud":
            attributes.append(
                (xml, "cloud-only", f"{tag} {xml} is documented only for Restcomm Cloud")
            )
        elif twilio:
            attributes.append((xml, "not-in-twilio", f"Twilio's {tag} has no {xml}"))
    if not element and not attributes:
        return None

    def check(doc: _Doc, el: _Node, n: int) -> None:
        for rule, message in element:
            doc.report(rule, doc.at(el, n), message)
        for xml, rule, message in attributes:
            if el.get(xml) is not None:
                doc.report(rule, _attribute_offset(doc, el, n, xml), message)

    return check


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


_NO_DIRECTIVES: Final[tuple[set[str], dict[int, set[str] | None]]] = (set(), {})


def _filter(doc: _Doc) -> list[Kept]:
    findings = doc.findings
    if not findings:
        return []
    # An inline directive is a comment: a document without "<!" has none.
    file_rules, lines = _directives(doc.original) if doc.bang else _NO_DIRECTIVES
    if file_rules is None:
        return []
    # Sorted as they are reported, before any is made: a stable sort keeps the first of
    # duplicates first.
    findings.sort(key=_RAW_ORDER)
    out: list[Kept] = []
    seen: set[tuple[str, int, int, str]] = set()
    config, file = doc.config, doc.file
    reported = config.reported
    per_file = bool(config.per_file_ignores)
    for rule, code, severity, line, column, message, fix in findings:
        key = (rule, line, column, message)
        if key in seen:
            continue
        seen.add(key)
        if rule in file_rules:
            continue
        if lines:
            disabled = lines.get(line, set())
            if disabled is None or rule in disabled:
                continue
        on, override = reported[rule]
        if not on:
            continue
        if per_file:
            finding = new_finding(
                rule, code, override or severity, file, line, column, message, fix
            )
            kept = config.adjust(finding, file)
            if kept is None:
                continue
            out.append((rule, code, kept.severity, line, column, message, fix))
        else:
            out.append((rule, code, override or severity, line, column, message, fix))
    return out


# (rule, code, severity, line, column, ...) by (line, column, code, rule).
_RAW_ORDER: Final = operator.itemgetter(3, 4, 1, 0)
