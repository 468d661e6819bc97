"""Build-time validation, shared by the builder (rcml._builder) and the template verbs.

One :class:`Rules` per element checks the Python values given for its attributes and text
against the same tables the parser uses (rcml._spec for names and kinds, the XSD facets
read by rcml._schema.schema_model() for ranges, patterns and enumerations), and returns
them as the typed values the AST holds. So whatever the builder accepts, the schema
accepts, and ``parse(dumps(node))`` gives back the node the builder made.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Self

from rcml import _ast
from rcml._exceptions import BuildError
from rcml._schema import SchemaModel, schema_model
from rcml._serialize import _ATTR_ESCAPES, _FORBIDDEN, _TEXT_ESCAPES, dumps
from rcml._spec import ELEMENTS, AttrSpec, did_you_mean, spec_of

__all__ = ["RULES", "Builder", "ResponseBase", "Rules", "check_url", "method_name", "rebuild"]

Check = Callable[[Any], Any]

_XML_WHITESPACE = " \t\r\n"
# What the parser strips from hint phrases (Java's String.trim()).
_JAVA_TRIM = "".join(map(chr, range(0x21)))

# A URI reference (RFC 3986), or an IRI with non-ASCII characters where RFC 3987 allows
# them. Narrower than what libxml2's xs:anyURI check lets through (no ':' in a path, no IP
# literals): whatever matches here, the schema's Url type accepts (tests/test_build.py
# checks that by fuzzing), so a document the builder wrote never fails validation.
# libxml2 percent-encodes non-ASCII characters before it parses a URI; so does the check,
# which keeps the pattern ASCII (a pattern with the Unicode ranges takes 40 ms to compile).
_PCT = "%[0-9A-Fa-f]{2}"
_PCHAR = f"(?:[A-Za-z0-9\\-._~!$&'()*+,;=@/]|{_PCT})"
_QCHAR = f"(?:[A-Za-z0-9\\-._~!$&'()*+,;=@/:?]|{_PCT})"
_HOST = f"(?:[A-Za-z0-9\\-._~!$&'()*+,;=]|{_PCT})*"
_USER = f"(?:[A-Za-z0-9\\-._~!$&'()*+,;=:]|{_PCT})*"
_URL = re.compile(
    "(?:[A-Za-z][A-Za-z0-9+.\\-]*:)?"
    f"(?://(?:{_USER}@)?{_HOST}(?::[0-9]+)?(?:/{_PCHAR}*)?|(?!//){_PCHAR}*)"
    f"(?:\\?{_QCHAR}*)?(?:#{_QCHAR}*)?"
)
_NON_ASCII = re.compile("[^\x00-\x7f]")
# Non-ASCII characters no IRI may hold: C1 controls, surrogates, BOM and non-characters.
_NOT_IRI = re.compile("[\x80-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_URL_ALLOWED = "a URL (RFC 3986) with no spaces"
_STRING_KINDS = ("str", "url", "keys", "record-keys")


def _bad(tag: str, name: str, value: object, allowed: str) -> NoReturn:
    raise BuildError(
        f"{tag} {name}={value!r}: must be {allowed}",
        element=tag,
        attribute=name,
        value=value,
        allowed=allowed,
    )


def _xml_chars(value: str, tag: str, name: str) -> None:
    bad = _FORBIDDEN.search(value)
    if bad:
        raise BuildError(
            f"{tag} {name}={value!r}: holds the character U+{ord(bad.group()):04X}, "
            "which XML cannot carry",
            element=tag,
            attribute=name,
            value=value,
            allowed="characters XML can carry",
        )


def check_url(value: object, tag: str, name: str) -> str:
    if not isinstance(value, str):
        _bad(tag, name, value, _URL_ALLOWED)
    ascii_url = value
    if not value.isascii():
        # Python's isspace() also covers the Unicode spaces, which the schema's \S lets
        # through but java.net.URI refuses.
        if _NOT_IRI.search(value) or any(c.isspace() for c in value):
            _bad(tag, name, value, _URL_ALLOWED)
        ascii_url = _NON_ASCII.sub("%C3", value)
    if not _URL.fullmatch(ascii_url):
        _bad(tag, name, value, _URL_ALLOWED)
    return value


def _enum_check(tag: str, name: str, cls: type[enum.Enum]) -> Check:
    members = {m.value: m for m in cls}
    allowed = "one of " + ", ".join(repr(v) for v in members)

    def check(value: Any) -> Any:
        # StrEnum members hash and compare as their value, so one lookup serves both.
        member = members.get(value) if isinstance(value, str) else None
        if member is None:
            _bad(tag, name, value, allowed)
        return member

    return check


def _int_check(tag: str, name: str, low: int, high: int) -> Check:
    allowed = f"a whole number from {low} to {high}"

    def check(value: Any) -> int:
        if type(value) is not int or not low <= value <= high:
            _bad(tag, name, value, allowed)
        return value

    return check


def _bool_check(tag: str, name: str) -> Check:
    def check(value: Any) -> bool:
        if type(value) is not bool:
            _bad(tag, name, value, "True or False")
        return value

    return check


def _str_check(tag: str, name: str, pattern: str | None, allowed: str) -> Check:
    matcher = re.compile(pattern).fullmatch if pattern is not None else None

    def check(value: Any) -> str:
        if not isinstance(value, str) or (matcher is not None and not matcher(value)):
            _bad(tag, name, value, allowed)
        _xml_chars(value, tag, name)
        return value

    return check


def _events_check(tag: str, name: str) -> Check:
    members = {m.value: m for m in _ast.CallEvent}
    allowed = "a non-empty list of " + ", ".join(repr(v) for v in members)

    def check(value: Any) -> tuple[_ast.CallEvent, ...]:
        if isinstance(value, str) or not isinstance(value, Iterable):
            _bad(tag, name, value, allowed)
        events = tuple(members.get(v) if isinstance(v, str) else None for v in value)
        if not events or None in events:
            _bad(tag, name, value, allowed)
        return events  # type: ignore[return-value]  # None was ruled out just above

    return check


def _hints_check(tag: str, name: str) -> Check:
    allowed = "a list of phrases, each without commas or surrounding spaces"

    def check(value: Any) -> tuple[str, ...]:
        if isinstance(value, str) or not isinstance(value, Iterable):
            _bad(tag, name, value, allowed)
        phrases = tuple(value)
        for p in phrases:
            if not isinstance(p, str):
                _bad(tag, name, value, allowed)
            _xml_chars(p, tag, name)
            if not p or "," in p or p.strip(_JAVA_TRIM) != p:
                _bad(tag, name, value, allowed)
        return phrases

    return check


def _attr_check(tag: str, attr: AttrSpec, model: SchemaModel) -> Check:
    decl = model.elements[tag].attributes[attr.xml]
    xsd_type = model.types.get(decl.type)
    kind, name = attr.kind, attr.name
    if isinstance(kind, type):
        return _enum_check(tag, name, kind)
    if kind == "int":
        assert xsd_type is not None and xsd_type.minimum is not None
        assert xsd_type.maximum is not None
        return _int_check(tag, name, xsd_type.minimum, xsd_type.maximum)
    if kind == "bool":
        return _bool_check(tag, name)
    if kind == "url":
        return lambda value: check_url(value, tag, name)
    if kind == "events":
        return _events_check(tag, name)
    if kind == "hints":
        return _hints_check(tag, name)
    # str, keys, record-keys: a string, matching the XSD type's pattern if it has one.
    pattern = xsd_type.pattern if xsd_type is not None else None
    allowed = model.describe(decl.type) if pattern is not None else "a string"
    return _str_check(tag, name, pattern, allowed)


def _text_check(tag: str, name: str, kind: str) -> Check:
    def check(value: Any) -> str:
        if kind == "url":
            return check_url(value, tag, name)
        if not isinstance(value, str):
            _bad(tag, name, value, "a string")
        _xml_chars(value, tag, name)
        # Text of XML whitespace alone reads back as "" (and RestComm trims it away).
        return value if value.strip(_XML_WHITESPACE) else ""

    return check


def method_name(tag: str) -> str:
    """The builder method and template macro of an element: ``Gather`` -> ``gather``."""
    return "response" if tag == _ast.Document.TAG else tag.lower()


class Rules:
    """How to check and build one element."""

    __slots__ = (
        "by_name",
        "checks",
        "close",
        "defaults",
        "make",
        "names",
        "open",
        "required",
        "required_child",
        "slot",
        "spec",
        "tag",
        "text",
        "text_check",
        "writers",
    )

    def __init__(self, cls: type[_ast.Node], model: SchemaModel) -> None:
        spec = self.spec = spec_of(cls)
        self.tag = tag = spec.tag
        self.names = tuple(a.name for a in spec.attributes)
        self.checks = tuple(_attr_check(tag, a, model) for a in spec.attributes)
        self.by_name: Mapping[str, Check] = dict(zip(self.names, self.checks, strict=True))
        decl = model.elements[tag]
        self.required = tuple(a.name for a in spec.attributes if decl.attributes[a.xml].required)
        self.text = spec.text
        text_kind = "str"
        if spec.text is not None:
            meta = next(f for f in dataclasses.fields(cls) if f.name == spec.text).metadata
            text_kind = meta["kind"]
        self.text_check = _text_check(tag, spec.text or "text", text_kind)
        # Every element holds at most one child slot (the XSD has no element with two).
        assert len(spec.children) <= 1, tag
        self.slot = spec.children[0] if spec.children else None
        self.required_child = decl.required_children[0] if decl.required_children else None
        self.defaults = dict(spec.defaults)
        self.make = spec.make
        # What the writer needs per attribute: the field, ' xml="', and the dump function
        # (None for strings, written as they are).
        self.writers = tuple(
            (a.name, f' {a.xml}="', None if a.kind in _STRING_KINDS else a.convert.dump)
            for a in spec.attributes
        )
        self.open, self.close = f"<{tag}", f"</{tag}>"

    def values(self, text: object, args: tuple[object, ...]) -> dict[str, Any]:
        """The AST field values for ``text`` and the attribute arguments, checked."""
        values = self.defaults.copy()
        if self.text is not None:
            values[self.text] = self.text_check(text)
        for name, check, value in zip(self.names, self.checks, args, strict=True):
            if value is not None:
                values[name] = check(value)
        if self.required:
            self.check_required(values)
        return values

    def node(self, text: object, args: tuple[object, ...]) -> _ast.Node:
        return self.make(self.values(text, args))

    def check_required(self, values: Mapping[str, Any]) -> None:
        for name in self.required:
            if values.get(name, 0) is None:
                raise BuildError(
                    f"{self.tag} needs {name}=",
                    element=self.tag,
                    attribute=name,
                    allowed="a value (the schema requires it)",
                )

    def unknown(self, given: Mapping[str, object]) -> NoReturn:
        """Refuse keyword arguments that are not attributes of this element."""
        name, value = next(iter(given.items()))
        by_xml = {a.xml: a.name for a in self.spec.attributes}
        hint = (
            f" (did you mean {by_xml[name]!r}?)"
            if name in by_xml
            else did_you_mean(name, self.names)
        )
        allowed = ", ".join(self.names) or "no attributes"
        raise BuildError(
            f"{self.tag} {name}={value!r}: no such attribute{hint}; allowed: {allowed}",
            element=self.tag,
            attribute=name,
            value=value,
            allowed=allowed,
        )

    def refuse_empty(self) -> NoReturn:
        child = self.required_child or ""
        raise BuildError(
            f"{self.tag} needs a {child}: add one with .{method_name(child)}()",
            element=self.tag,
            allowed=child,
        )

    def refuse_child(self, tag: str) -> NoReturn:
        allowed = ", ".join(self.slot.tags) if self.slot is not None else "nothing"
        raise BuildError(
            f"{self.tag} cannot contain {tag}; allowed here: {allowed}",
            element=self.tag,
            value=tag,
            allowed=allowed,
        )


def _all_rules() -> dict[str, Rules]:
    model = schema_model()
    return {tag: Rules(cls, model) for tag, cls in ELEMENTS.items()}


#: The rules of every element, by tag.
RULES: Mapping[str, Rules] = _all_rules()

#: Builder method name -> element tag, for every element.
_METHODS = {method_name(tag): tag for tag in RULES}


def rebuild(node: _ast.Node, parent: Rules) -> _ast.Node:
    """Check an AST node made elsewhere as the builder checks its own, and copy it.

    The copy has whitespace-only text normalised to ``""``, as the parser reads it back.
    """
    rules = RULES.get(node.TAG)
    if rules is None or type(node) is not rules.spec.cls:
        raise BuildError(f"not an RCML element: {node!r}", element=parent.tag, value=node)
    if parent.slot is None or node.TAG not in parent.slot.tags:
        parent.refuse_child(node.TAG)
    text = getattr(node, rules.text) if rules.text is not None else None
    values = rules.values(text, tuple(getattr(node, n) for n in rules.names))
    slot = rules.slot
    if slot is not None:
        held = getattr(node, slot.name)
        if slot.many:
            values[slot.name] = tuple(rebuild(child, rules) for child in held)
        elif held is not None:
            values[slot.name] = rebuild(held, rules)
    return rules.make(values)


class Builder:
    """Base of the builders: an element's checked values and the children added so far."""

    __slots__ = ("_items", "_values")

    _RULES: ClassVar[Rules]

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values
        self._items: list[_ast.Node | Builder] = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def _add(self, item: _ast.Node | Builder) -> None:
        # Only for single-child slots (Client's Video, Refer's Sip): many-child slots
        # append directly.
        if self._items:
            tag = self._RULES.tag
            child = self._RULES.slot.tags[0]  # type: ignore[union-attr]
            raise BuildError(
                f"{tag} can hold only one {child}", element=tag, value=child, allowed="one"
            )
        self._items.append(item)

    def append(self, *nodes: _ast.Node) -> Self:
        """Add AST nodes made elsewhere (``rcml.Say(text="Hi")``, a parsed document's verbs).

        Each is checked as if it had been built here: nesting, names, types and ranges.
        """
        for node in nodes:
            item = rebuild(node, self._RULES)
            if self._RULES.slot is not None and not self._RULES.slot.many:
                self._add(item)
            else:
                self._items.append(item)
        return self

    def to_node(self) -> _ast.Node:
        rules = self._RULES
        values = self._values.copy()
        slot = rules.slot
        if slot is not None:
            items = [i.to_node() if isinstance(i, Builder) else i for i in self._items]
            if slot.many:
                values[slot.name] = tuple(items)
            elif items:
                values[slot.name] = items[0]
            elif rules.required_child is not None:
                rules.refuse_empty()
        return rules.make(values)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._RULES.tag} with {len(self._items)} children>"

    if not TYPE_CHECKING:  # hidden from mypy, which then flags ``gather.dial()`` statically

        def __getattr__(self, name: str) -> Any:
            # A method of another element: say what may go here, not a bare AttributeError.
            tag = _METHODS.get(name)
            if tag is not None:
                self._RULES.refuse_child(tag)
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


class ResponseBase(Builder):
    """What a whole response adds to a builder: the document and its XML."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(self._RULES.defaults.copy())

    def to_document(self) -> _ast.Document:
        """The typed AST of what was built: ``rcml.parse(r.to_xml()) == r.to_document()``."""
        document = self.to_node()
        assert isinstance(document, _ast.Document)
        return document

    def to_xml(self, *, pretty: bool = False) -> str:
        """The canonical RCML text: ``rcml.dumps(self.to_document(), pretty=pretty)``."""
        if pretty:
            return dumps(self.to_document(), pretty=True)
        out = [_DECLARATION]
        _write(self, out)
        return "".join(out)

    def __str__(self) -> str:
        return self.to_xml()


_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_RULES_BY_CLASS = {rules.spec.cls: rules for rules in RULES.values()}


def _write(item: _ast.Node | Builder, out: list[str]) -> None:
    """Write what rcml.dumps writes, straight from the builders and their checked values.

    dumps is general (any AST, characters checked, pretty printing); this skips what the
    builder has already done and the AST it would first build: three times faster, and
    most of the cost of building a response. tests/test_build.py checks that both write
    the same bytes for every generated document.
    """
    children: Sequence[_ast.Node | Builder]
    if isinstance(item, Builder):
        rules, values, children = item._RULES, item._values, item._items
        if not children and rules.required_child is not None:
            rules.refuse_empty()
    else:
        rules, values = _RULES_BY_CLASS[type(item)], item.__dict__
        held = values[rules.slot.name] if rules.slot is not None else None
        children = held if isinstance(held, tuple) else [held] if held is not None else []
    out.append(rules.open)
    for name, head, dump in rules.writers:
        value = values[name]
        if value is not None:
            text = value if dump is None else dump(value)
            out.append(head + text.translate(_ATTR_ESCAPES) + '"')
    text = values[rules.text] if rules.text is not None else ""
    if not text and not children:
        out.append("/>")
        return
    out.append(">")
    if text:
        out.append(text.translate(_TEXT_ESCAPES))
    for child in children:
        _write(child, out)
    out.append(rules.close)
