"""parse(): text -> hardened lxml -> XSD validation -> typed AST.

Two modes. *Strict* (the default) accepts only documents the schema accepts and raises
SchemaError otherwise. *Lenient* reproduces what RestComm's own parser tolerates (bare
``&`` in URLs, any root, unknown elements and attributes skipped, RestComm's value
rules) and reports each tolerance as a ParseWarning on the Document: the interpreter
runs documents the way RestComm would.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

from lxml import etree

from rcml import _ast
from rcml._exceptions import DialectError, SchemaError
from rcml._schema import load_validator
from rcml._source import (
    BARE_AMPERSAND,
    DEFAULT_MAX_SIZE,
    JAVA_TRIM,
    XML_SPACE,
    LineIndex,
    Locator,
    decode,
    element_offsets,
)
from rcml._spec import ELEMENTS, NodeSpec, did_you_mean, spec_of
from rcml._xml import load as _load
from rcml._xml import xml_parser as _xml_parser  # noqa: F401 - bench_parse.py reads it

__all__ = ["parse"]

_SPECS: dict[str, NodeSpec] = {tag: spec_of(cls) for tag, cls in ELEMENTS.items()}
_VERBS = frozenset(_SPECS["Response"].child_by_tag)
# Names RestComm's Verbs.isVerb knows but the voice interpreter does not run.
_UNSUPPORTED = frozenset({"Enqueue", "Leave", "UssdCollect", "UssdMessage", "Language"})
_KNOWN = frozenset(_SPECS) | _UNSUPPORTED


def parse(
    source: str | bytes,
    *,
    url: str | None = None,
    strict: bool = True,
    dialect: str = "rcml",
    max_size: int = DEFAULT_MAX_SIZE,
) -> _ast.Document:
    """Parse an RCML document into a :class:`Document`.

    :param source: the document, as text or bytes (decoded by BOM, XML declaration,
        then UTF-8).
    :param url: where the document came from; kept on the Document for resolving
        relative URLs.
    :param strict: validate against the schema (raise :class:`SchemaError`); with
        ``False``, tolerate what RestComm tolerates and report it in
        ``Document.warnings``.
    :param max_size: refuse larger inputs (bytes) with :class:`DocumentTooLargeError`.
    :raises MalformedDocumentError: not well-formed, badly encoded, empty, or a DTD.
    """
    if dialect != "rcml":
        raise DialectError(f"unknown dialect {dialect!r}; known: 'rcml'")
    text, utf8 = decode(source, max_size)
    if strict:
        return _parse_strict(text, utf8, url)
    return _parse_lenient(text, url)


# ---------------------------------------------------------------------------- shared


def _chunks(element: etree._Element) -> list[str]:
    chunks = [element.text or ""]
    chunks.extend(child.tail or "" for child in element)
    return [c for c in chunks if c and c.strip(XML_SPACE)]


# ---------------------------------------------------------------------------- strict


class _Converted(dict[str, Any]):
    """An attribute's strict converter behind a dict of its results, by value as written.

    Documents repeat a few values ("true", "POST", "5", "man"); ``memo[value]`` is a dict
    lookup where a converter is a Python call or more. Sharing a result between nodes is
    safe: the strict converters are pure and return immutable values (int, bool, enum
    members, tuples of those or of str). At most _MEMO_SIZE short values are kept.
    """

    __slots__ = ("_convert",)

    def __init__(self, convert: Callable[[str], Any]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, value: str) -> Any:
        converted = self._convert(value)
        if len(value) <= _MEMO_LENGTH and len(self) < _MEMO_SIZE:
            self[value] = converted
        return converted


_MEMO_SIZE = 256
_MEMO_LENGTH = 64


# Per tag: (class, defaults, text field, {xml name: (field, converter)}, child field,
# whether that field holds many children).
# Flat tuples and dicts: this is the hot path of parse().
_Table = tuple[
    type[_ast.Node],
    dict[str, Any],
    str | None,
    dict[str, tuple[str, _Converted | None]],
    str | None,
    bool,
]
_AS_WRITTEN = frozenset({"str", "url", "keys", "record-keys"})


def _table(spec: NodeSpec) -> _Table:
    # Every element has at most one child field (verbs, prompts, nouns, video, sip), and
    # the schema admits only that field's tags: the builder needs no per-tag dispatch.
    fields = {c.name: c.many for c in spec.children}
    if len(fields) > 1:  # pragma: no cover - a guard for future elements
        raise AssertionError(f"{spec.tag}: the strict builder expects one child field")
    slot, many = next(iter(fields.items()), (None, False))
    # No "pos": the parser stores "_at" instead, resolved on demand (Node.__getattr__).
    # "_at" is in the defaults already so that setting it never grows the copied dict.
    defaults = {k: v for k, v in spec.defaults.items() if k != "pos"} | {"_at": None}
    return (
        spec.cls,
        defaults,
        spec.text,
        # None for the kinds kept as written: no lookup at all.
        {
            a.xml: (a.name, None if a.kind in _AS_WRITTEN else _Converted(a.convert.strict))
            for a in spec.attributes
        },
        slot,
        many,
    )


_TABLES: dict[str, _Table] = {tag: _table(spec) for tag, spec in _SPECS.items()}
# Looked up by any lxml tag: a comment's or processing instruction's is a function.
_TABLE_OF: dict[Any, _Table] = _TABLES
# A frozen dataclass __init__ calls object.__setattr__ once per field; installing the
# complete instance dict in one step is five times cheaper. The values dict starts as a
# copy of the table's defaults and becomes the instance dict. The setter of the
# ``__dict__`` descriptor the AST classes inherit from Node (they have no __slots__)
# skips object.__setattr__'s attribute lookup.
_new = object.__new__
_set_dict = _ast.Node.__dict__["__dict__"].__set__


def _parse_strict(text: str, utf8: bytes | None, url: str | None) -> _ast.Document:
    root = _load(text, utf8)
    validator = load_validator()
    if not validator.validate(root):
        from rcml._violations import violations

        raise SchemaError(violations(validator, root, text))
    document = _build(root, Locator(text))
    if url is not None:
        document.__dict__["url"] = url  # just built, not yet shared: no copy needed
    return document


def _build(root: etree._Element, locator: Locator) -> _ast.Document:
    """The AST of a document the schema has accepted."""
    document = _strict_node(root, _TABLES["Response"], locator, itertools.count().__next__)
    assert isinstance(document, _ast.Document)
    return document


def _strict_node(
    element: etree._Element, table: _Table, locator: Locator, take: Callable[[], int]
) -> _ast.Node:
    cls, defaults, text_field, attributes, slot, many = table
    values = defaults.copy()
    values["_at"] = (locator, take())
    for name, value in element.items():
        entry = attributes.get(name)
        if entry is None:  # xsi:schemaLocation and friends: valid, and not RCML
            continue
        field_name, converted = entry
        values[field_name] = value if converted is None else converted[value]
    if len(element):
        # Comments and processing instructions have no table: their tag is not a str.
        tables = _TABLE_OF.get
        nodes: list[_ast.Node] = []
        chunks = None if text_field is None else [element.text]
        for child in element:
            if chunks is not None:
                chunks.append(child.tail)
            child_table = tables(child.tag)
            if child_table is None:
                continue
            if len(child):
                nodes.append(_strict_node(child, child_table, locator, take))
                continue
            # Five elements in six are leaves: they are built here, without a call per
            # leaf. The same steps as for ``element`` above and below.
            child_cls, child_values, child_text_field, child_attributes, _, _ = child_table
            child_values = child_values.copy()
            child_values["_at"] = (locator, take())
            for name, value in child.items():
                child_entry = child_attributes.get(name)
                if child_entry is None:
                    continue
                field_name, converted = child_entry
                child_values[field_name] = value if converted is None else converted[value]
            if child_text_field is not None:
                text = child.text
                keep = text and (not text.isspace() or text.strip(XML_SPACE))
                child_values[child_text_field] = text if keep else ""
            node: _ast.Node = _new(child_cls)
            _set_dict(node, child_values)
            nodes.append(node)
        if text_field is not None and chunks is not None:
            values[text_field] = "".join(c for c in chunks if c and c.strip(XML_SPACE))
        if nodes:
            assert slot is not None  # the schema admits children only where there is one
            values[slot] = tuple(nodes) if many else nodes[-1]
    elif text_field is not None:
        text = element.text
        # isspace() is a fast first test; XML whitespace is narrower than Python's.
        keep = text and (not text.isspace() or text.strip(XML_SPACE))
        values[text_field] = text if keep else ""
    node = _new(cls)
    _set_dict(node, values)
    return node


# ---------------------------------------------------------------------------- lenient


class _AmpShift:
    """Maps offsets in the trimmed, ampersand-fixed text back to the original."""

    def __init__(self, original: str, lead: int, inserted_at: list[int]) -> None:
        self.original = original
        self._lead = lead
        self._inserted_at = inserted_at

    def original_offset(self, offset: int) -> int:
        shift = sum(4 for at in self._inserted_at if at < offset)
        return offset - shift + self._lead


class _Positions:
    """Hands out the SourcePos of each element in document order (lenient mode, whose
    offsets are found in the fixed text and mapped back to the original)."""

    def __init__(self, fixed: str, shift: _AmpShift) -> None:
        self._offsets = element_offsets(fixed)
        self._index = LineIndex(shift.original)
        self._shift = shift
        self._next = 0

    def take(self) -> _ast.SourcePos:
        self._next += 1
        if self._next > len(self._offsets):  # pragma: no cover - scanner and lxml agree
            return _ast.SourcePos(0, 0)
        offset = self._shift.original_offset(self._offsets[self._next - 1])
        return _ast.SourcePos(*self._index.position(offset))


def _fix_ampersands(original: str) -> tuple[str, _AmpShift, list[int]]:
    stripped = original.strip(JAVA_TRIM)
    lead = len(original) - len(original.lstrip(JAVA_TRIM))
    fixed_at: list[int] = []  # offsets of the fixed '&' in the trimmed text

    def fix(match: re.Match[str]) -> str:
        fixed_at.append(match.start())
        return "&amp;" + match.group(1)

    fixed = BARE_AMPERSAND.sub(fix, stripped)
    # Where each insertion of "amp;" lands in the fixed text.
    inserted_at = [at + 1 + 4 * i for i, at in enumerate(fixed_at)]
    return fixed, _AmpShift(original, lead, inserted_at), [at + lead for at in fixed_at]


class _Lenient:
    def __init__(self, original: str) -> None:
        self.lines = LineIndex(original)
        self.warnings: list[_ast.ParseWarning] = []
        self.consumed: set[etree._Element] = set()
        self.pos: dict[etree._Element, _ast.SourcePos] = {}

    def warn(self, where: _ast.SourcePos | int, kind: str, message: str) -> None:
        if isinstance(where, int):
            where = _ast.SourcePos(*self.lines.position(where))
        self.warnings.append(_ast.ParseWarning(where.line, where.column, kind, message))

    def node(self, element: etree._Element, tag: str) -> _ast.Node:
        spec = _SPECS[tag]
        pos = self.pos[element]
        kwargs: dict[str, Any] = {"pos": pos}
        for raw_name, value in element.attrib.items():
            name = etree.QName(raw_name).localname
            attr = spec.by_xml.get(name)
            if attr is None:
                hint = did_you_mean(name, spec.by_xml)
                self.warn(
                    pos,
                    "unknown-attribute",
                    f"{tag} has no attribute {name!r}, RestComm ignores it{hint}",
                )
                continue
            converted, note = attr.convert.lenient(value)
            if note is not None:
                kind = "hints-limit" if attr.kind == "hints" else "invalid-value"
                self.warn(pos, kind, f"{tag} {name}: {note}")
            if converted is not None:
                kwargs[attr.name] = converted
        if spec.text is not None:
            chunks = _chunks(element)
            if len(chunks) > 1:
                self.warn(
                    pos,
                    "split-text",
                    f"{tag} text is split by other markup; "
                    f"RestComm keeps only the last part {chunks[-1].strip(JAVA_TRIM)!r}",
                )
            kwargs[spec.text] = chunks[-1].strip(JAVA_TRIM) if chunks else ""
        many: dict[str, list[_ast.Node]] = {}
        for child in element:
            if not isinstance(child.tag, str):
                continue
            child_tag = etree.QName(child).localname
            slot = spec.child_by_tag.get(child_tag)
            if slot is None:
                continue  # left to the walk, which reports or runs it
            self.consumed.add(child)
            node = self.node(child, child_tag)
            if slot.many:
                many.setdefault(slot.name, []).append(node)
            elif slot.name in kwargs:
                self.warn(
                    node.pos or pos,
                    "misplaced-element",
                    f"a second {child_tag} in {tag} is ignored",
                )
            else:
                kwargs[slot.name] = node
        for name, nodes in many.items():
            kwargs[name] = tuple(nodes)
        return spec.cls(**kwargs)


def _parse_lenient(text: str, url: str | None) -> _ast.Document:
    fixed, shift, fixed_at = _fix_ampersands(text)
    root = _load(fixed)
    state = _Lenient(text)
    for offset in fixed_at:
        state.warn(
            offset,
            "bare-ampersand",
            "bare '&' escaped, as RestComm does (Twilio rejects the document)",
        )
    positions = _Positions(fixed, shift)
    elements = list(root.iter(etree.Element))
    for element in elements:
        state.pos[element] = positions.take()

    root_tag = etree.QName(root).localname
    if root_tag != "Response":
        state.warn(
            state.pos[root],
            "wrong-root",
            f"the root is {root_tag!r}, not 'Response'; RestComm runs the verbs it finds anyway",
        )
    verbs = list(_walk(elements, root, state))
    state.warnings.sort(key=lambda w: (w.line, w.column))
    return _ast.Document(tuple(verbs), pos=state.pos[root], url=url, warnings=tuple(state.warnings))


def _walk(elements: list[etree._Element], root: etree._Element, state: _Lenient) -> Iterator[Any]:
    # RestComm hands out every element whose name is a verb, in document order, except
    # direct children of the verb handed out last (Parser.next()).
    current: etree._Element | None = None
    for element in elements:
        tag = etree.QName(element).localname
        parent = element.getparent()
        pos = state.pos[element]
        if tag in _VERBS or tag in _UNSUPPORTED:
            if current is not None and parent is current:
                if element not in state.consumed:
                    state.warn(
                        pos,
                        "misplaced-element",
                        f"{tag} inside {etree.QName(current).localname} is ignored",
                    )
                continue
            current = element
            if tag in _UNSUPPORTED:
                state.warn(
                    pos, "unsupported-verb", f"RestComm does not run {tag} in a voice call; skipped"
                )
                continue
            if parent is not None and parent is not root:
                state.warn(
                    pos,
                    "misplaced-element",
                    f"{tag} inside "
                    f"{etree.QName(parent).localname} still runs as a verb: "
                    "RestComm walks every element",
                )
            yield state.node(element, tag)
        elif element is root or element in state.consumed:
            continue
        elif tag in _KNOWN:
            where = etree.QName(parent).localname if parent is not None else "the root"
            state.warn(pos, "misplaced-element", f"{tag} is not allowed in {where}; ignored")
        else:
            hint = did_you_mean(tag, _KNOWN)
            state.warn(pos, "unknown-element", f"unknown element {tag!r} ignored{hint}")
