"""Property tests: dumps() and parse() are inverse on every valid AST.

The strategies are derived from the AST tables (rcml._spec) and the XSD facets
(rcml._schema.schema_model(), itself checked against xmlschema by test_schema_drift.py),
so a new element, attribute or child slot is generated without touching this file.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import string
from collections import deque
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

import rcml
from rcml._schema import SchemaModel, schema_model
from rcml._spec import ELEMENTS, AttrSpec, NodeSpec, spec_of

SETTINGS = settings(max_examples=200, deadline=None)
PER_ELEMENT = settings(max_examples=15, deadline=None)

TAGS = sorted(ELEMENTS)


@functools.cache
def _model() -> SchemaModel:
    return schema_model()


@functools.cache
def _validator() -> etree.XMLSchema:
    # The XSD itself, compiled here rather than through rcml._schema.
    return etree.XMLSchema(etree.parse(str(rcml.schema_path())))


# ---------------------------------------------------------------------------- characters

# XML 1.0 cannot carry C0 controls other than \t \n \r, surrogates, U+FFFE and U+FFFF.
_NOT_XML = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"
_XML_WHITESPACE = " \t\n\r"

_xml_char = st.characters(exclude_categories=("Cs",), exclude_characters=_NOT_XML)
_solid_char = st.characters(
    exclude_categories=("Cs",), exclude_characters=_NOT_XML + _XML_WHITESPACE
)
# What escaping is about, drawn often: markup characters, quotes, whitespace, near-misses.
_TRICKY_SOLID = ["&", "<", ">", '"', "'", "&amp;", "&#13;", "]]>", "<!--", "\u00e9", "\U0001f600"]
_TRICKY = [*_TRICKY_SOLID, "\r\n", "\r", "\t", "\n", " ", "  ", "\u00a0", "\u2028"]


def _mixed(pieces: list[str], chars: st.SearchStrategy[str], *, min_size: int = 0) -> Any:
    piece = st.one_of(st.sampled_from(pieces), st.text(chars, min_size=1, max_size=8))
    return st.lists(piece, min_size=min_size, max_size=4).map("".join)


#: Any string XML can carry.
xml_strings = _mixed(_TRICKY, _xml_char)


def _has_content(text: str) -> bool:
    # Text made only of XML whitespace parses back as "" (documented), so text is either
    # empty or has a character other than XML's four whitespace characters.
    return bool(text.strip(" \t\r\n"))


#: Element text: "" or at least one non-whitespace character, spaces allowed around.
texts = xml_strings.filter(_has_content)

#: xs:token: no tab or newline, no leading, trailing or double space (the XSD collapses
#: whitespace in tokens, the parser does not; a token is what survives both unchanged).
_word = _mixed(_TRICKY_SOLID, _solid_char, min_size=1)
tokens = st.lists(_word, max_size=3).map(" ".join)

# Url: xs:anyURI with the pattern \S*. libxml2 also parses the URI (RFC 3986), so the
# strategy builds URI references: no whitespace, '%' only in escapes, no '[' ']' ':'
# outside the scheme and query.
_unicode_url_char = st.characters(
    min_codepoint=0xA0,
    exclude_categories=("Cs", "Zs", "Zl", "Zp"),  # no whitespace, even outside XML's
    exclude_characters="\ufeff\ufffe\uffff",
)
_path_chars = st.one_of(
    st.text(string.ascii_letters + string.digits + "-._~!$&'()*+,;=@/", min_size=1),
    st.text(_unicode_url_char, min_size=1, max_size=3),
    st.builds("%{:02X}".format, st.integers(0, 255)),
)
_URL_PREFIXES = ["", "/", "./", "//example.com/", "http://h.example/", "https://h:8080/", "sip:"]
# A path starting with "/" after a "/" prefix would make "//authority": keep it out.
_segment = st.lists(_path_chars, max_size=4).map("".join).map(lambda p: p.lstrip("/"))
_query = st.lists(st.one_of(_path_chars, st.sampled_from(":?/")), max_size=4).map("".join)
urls = st.builds(
    lambda prefix, path, query, fragment: prefix + path + query + fragment,
    st.sampled_from(_URL_PREFIXES),
    _segment,
    st.one_of(st.just(""), _query.map("?".__add__)),
    st.one_of(st.just(""), _query.map("#".__add__)),
)

#: Gather hints: phrases without commas and without surrounding whitespace.
_phrase = (
    _mixed(
        _TRICKY,
        st.characters(exclude_categories=("Cs",), exclude_characters=_NOT_XML + ","),
        min_size=1,
    )
    .map(str.strip)
    .filter(bool)
)
hints = st.lists(_phrase, max_size=5).map(tuple)
events = st.lists(st.sampled_from(rcml.CallEvent), min_size=1, max_size=6).map(tuple)


def _pattern(xsd_pattern: str) -> st.SearchStrategy[str]:
    # XSD patterns match the whole value; the ones the schema uses read the same in re.
    return st.from_regex(f"(?:{xsd_pattern})", fullmatch=True)


# ---------------------------------------------------------------------------- nodes


def attribute_values(tag: str, attr: AttrSpec) -> st.SearchStrategy[Any]:
    """Valid values of one attribute, chosen by its kind and refined by its XSD type."""
    decl = _model().elements[tag].attributes[attr.xml]
    xsd_type = _model().types.get(decl.type)
    kind = attr.kind
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.sampled_from(kind)
    if kind == "bool":
        return st.booleans()
    if kind == "int":
        assert xsd_type is not None and xsd_type.minimum is not None
        return st.integers(xsd_type.minimum, xsd_type.maximum)
    if kind == "url":
        return urls
    if kind in ("keys", "record-keys"):
        assert xsd_type is not None and xsd_type.pattern is not None
        return _pattern(xsd_type.pattern)
    if kind == "events":
        return events
    if kind == "hints":
        return hints
    if kind == "str":
        if xsd_type is not None and xsd_type.pattern is not None:
            return _pattern(xsd_type.pattern)  # LanguageTag, DtmfString
        if decl.type == "xs:token":
            return tokens
        if decl.type in ("xs:string", "Text"):
            return xml_strings
    raise AssertionError(f"no strategy for {tag}@{attr.xml} ({kind!r}, {decl.type})")


def _text_kind(spec: NodeSpec) -> str:
    (field,) = [f for f in dataclasses.fields(spec.cls) if f.name == spec.text]
    return str(field.metadata["kind"])


@functools.cache
def nodes(tag: str, *, every_attribute: bool = False) -> st.SearchStrategy[rcml.Node]:
    """Valid nodes of the element ``tag``, with valid children.

    Attributes are each present or absent (always present when the XSD requires them, or
    with ``every_attribute``); child slots hold the elements they name.
    """
    spec = spec_of(ELEMENTS[tag])
    decl = _model().elements[tag]
    kwargs: dict[str, st.SearchStrategy[Any]] = {}
    for attr in spec.attributes:
        values = attribute_values(tag, attr)
        required = decl.attributes[attr.xml].required or every_attribute
        kwargs[attr.name] = values if required else st.none() | values
    if spec.text is not None:
        kwargs[spec.text] = urls if _text_kind(spec) == "url" else texts
    for slot in spec.children:
        # Pick the element first, uniformly: one_of() over the strategies starves the
        # nested ones (Dial, and the nouns in it).
        options = st.sampled_from(slot.tags).flatmap(nodes)
        if slot.many:
            kwargs[slot.name] = st.lists(options, max_size=4).map(tuple)
        elif any(t in decl.required_children for t in slot.tags):
            kwargs[slot.name] = options
        else:
            kwargs[slot.name] = st.none() | options
    return st.builds(ELEMENTS[tag], **kwargs)


def documents() -> st.SearchStrategy[rcml.Node]:
    """Valid documents: a Response holding any verbs, every element reachable."""
    return nodes(rcml.Document.TAG)


def _path_to(tag: str) -> list[tuple[str, str]]:
    """(parent tag, child tag) steps from the root down to ``tag``, shortest first."""
    root = rcml.Document.TAG
    paths: deque[list[tuple[str, str]]] = deque([[]])
    seen = {root}
    while paths:
        path = paths.popleft()
        here = path[-1][1] if path else root
        if here == tag:
            return path
        for child in spec_of(ELEMENTS[here]).child_by_tag:
            if child not in seen:
                seen.add(child)
                paths.append([*path, (here, child)])
    raise AssertionError(f"{tag} cannot be reached from {root}")


def _wrap(node: rcml.Node) -> rcml.Document:
    """The smallest document holding ``node`` where the XSD allows it."""
    for parent, child in reversed(_path_to(node.TAG)):
        slot = spec_of(ELEMENTS[parent]).child_by_tag[child]
        node = ELEMENTS[parent](**{slot.name: (node,) if slot.many else node})
    assert isinstance(node, rcml.Document)
    return node


def _assert_positions(xml: str, doc: rcml.Node) -> None:
    """Every parsed node's pos is the 1-based line and column of its ``<Tag``."""
    lines = xml.split("\n")
    for node in doc.walk():
        assert node.pos is not None, node.TAG
        line, column = node.pos.line, node.pos.column
        assert lines[line - 1][column - 1 :].startswith(f"<{node.TAG}"), (node.TAG, node.pos)


def _assert_valid(xml: str) -> None:
    validator = _validator()
    root = etree.fromstring(xml.encode("utf-8"))
    assert validator.validate(root), str(validator.error_log)


# ---------------------------------------------------------------------------- strategy


def test_strategy_reaches_every_element() -> None:
    reachable = {rcml.Document.TAG}
    for tag in ELEMENTS:
        reachable.update(t for slot in spec_of(ELEMENTS[tag]).children for t in slot.tags)
    assert reachable == set(ELEMENTS)
    for tag in TAGS:
        # Raises for an attribute kind or XSD type the strategies cannot generate.
        nodes(tag, every_attribute=True).validate()
        _path_to(tag)


# ---------------------------------------------------------------------------- properties


@SETTINGS
@given(documents())
def test_parse_inverts_dumps(doc: rcml.Document) -> None:
    for pretty in (False, True):
        xml = rcml.dumps(doc, pretty=pretty)
        back = rcml.parse(xml)
        assert back == doc
        # An equal AST (this one carries source positions) dumps to the same text.
        assert rcml.dumps(back, pretty=pretty) == xml
        _assert_positions(xml, back)


@SETTINGS
@given(documents())
def test_dumps_is_deterministic_and_valid(doc: rcml.Document) -> None:
    for pretty in (False, True):
        xml = rcml.dumps(doc, pretty=pretty)
        assert rcml.dumps(doc, pretty=pretty) == xml
        _assert_valid(xml)


@pytest.mark.parametrize("tag", TAGS)
@PER_ELEMENT
@given(data=st.data())
def test_every_attribute_roundtrips(tag: str, data: st.DataObject) -> None:
    node = data.draw(nodes(tag, every_attribute=True))
    assert all(getattr(node, a.name) is not None for a in spec_of(type(node)).attributes)
    doc = node if isinstance(node, rcml.Document) else _wrap(node)
    xml = rcml.dumps(doc)
    _assert_valid(xml)
    assert rcml.parse(xml) == doc
    assert rcml.parse(rcml.dumps(doc, pretty=True)) == doc


# ---------------------------------------------------------------------------- errors


@pytest.mark.parametrize("char", ["\x00", "\x01"], ids=["NUL", "SOH"])
@pytest.mark.parametrize(
    "build",
    [
        lambda bad: rcml.Say(text=f"a{bad}b"),
        lambda bad: rcml.Dial(target=bad),
        lambda bad: rcml.Sms(body="hi", to=bad),
        lambda bad: rcml.Gather(hints=("ok", f"x{bad}")),
        lambda bad: rcml.Dial(nouns=(rcml.Client(video=rcml.Video(overlay=bad)),)),
    ],
    ids=["Say-text", "Dial-text", "Sms@to", "Gather@hints", "Video@overlay"],
)
def test_dumps_refuses_characters_xml_cannot_carry(build: Any, char: str) -> None:
    doc = rcml.Document((build(char),))
    with pytest.raises(rcml.SerializeError):
        rcml.dumps(doc)
    with pytest.raises(rcml.SerializeError):
        rcml.dumps(doc, pretty=True)


@pytest.mark.parametrize("space", ["\u00a0", "\u0085", "\u2028", "\u3000", " \u00a0 "])
def test_text_of_non_xml_whitespace_roundtrips(space: str) -> None:
    # Only XML's four whitespace characters make text "indentation"; U+00A0 is text.
    doc = rcml.Document((rcml.Say(text=space), rcml.Dial(space)))
    assert rcml.parse(rcml.dumps(doc)) == doc
