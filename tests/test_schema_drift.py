"""The AST (rcml._ast / rcml._spec) and our own XSD reader (rcml._schema) agree with the XSD.

``schemas/rcml.xsd`` is the single source of truth. It is read here by ``xmlschema``, a
reader independent of the package, and compared with the tables the package derives from
its dataclasses: element names, attribute names and defaults, the snake_case <-> camelCase
mapping, enumerations, value kinds, docs-profile defaults, children and text content.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import keyword
import re
from typing import Any

import pytest
import xmlschema

import rcml
from rcml._schema import schema_model
from rcml._spec import ELEMENTS, AttrSpec, NodeSpec, spec_of

_A = "{urn:rcml:annotations}"
_XS = "{http://www.w3.org/2001/XMLSchema}"

TAGS = sorted(ELEMENTS)


# ---------------------------------------------------------------------------- the XSD


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(rcml.schema_path()))


@functools.cache
def _declarations(schema: xmlschema.XMLSchema) -> dict[str, list[Any]]:
    """Every element declaration of the XSD, global or local, by name."""
    out: dict[str, list[Any]] = {}
    for decl in schema.iter_components(xmlschema.XsdElement):
        out.setdefault(decl.name, []).append(decl)
    return out


def _xsd_type(schema: xmlschema.XMLSchema, tag: str) -> Any:
    """The complex type of the element ``tag`` (all its declarations share one type)."""
    decls = _declarations(schema).get(tag)
    assert decls, f"the XSD declares no element {tag!r}"
    types = {decl.type for decl in decls}
    assert len(types) == 1, f"{tag} is declared with {len(types)} different types"
    return types.pop()


def _xsd_children(xsd_type: Any) -> list[Any]:
    """The element particles allowed inside a complex type, in schema order."""
    if xsd_type.has_simple_content() or xsd_type.model_group is None:
        return []
    return list(xsd_type.model_group.iter_elements())


def _xsd_has_text(xsd_type: Any) -> bool:
    return bool(xsd_type.has_simple_content() or xsd_type.mixed)


def _docs_default(xsd_attribute: Any) -> tuple[bool, str | None]:
    """``(present, value)`` of ``<a:default profile="docs">VALUE</a:default>``.

    An annotation without text (only a ``note``) states no static default: it counts as
    absent, as in rcml._schema.
    """
    annotation = xsd_attribute.annotation
    if annotation is None:
        return False, None
    for appinfo in annotation.appinfo:
        for item in appinfo:
            docs = item.tag == f"{_A}default" and item.get("profile") == "docs"
            if docs and item.text is not None:
                return True, item.text
    return False, None


def _is_integer(schema: xmlschema.XMLSchema, xsd_type: Any) -> bool:
    return bool(xsd_type.is_derived(schema.maps.types[f"{_XS}integer"]))


def _named_simple_types(schema: xmlschema.XMLSchema) -> dict[str, Any]:
    return {name: t for name, t in schema.types.items() if t.is_simple()}


# ---------------------------------------------------------------------------- kinds

#: XSD simple type (prefixed name) -> the AST kinds that may represent it. Integer types
#: and enumerations are handled by rule (see _expected_kinds); a new XSD type used by an
#: attribute makes test_every_attribute_type_has_a_kind fail until it is added here.
_KINDS_OF_TYPE: dict[str, frozenset[str]] = {
    "Boolean": frozenset({"bool"}),
    "Url": frozenset({"url"}),
    "Keys": frozenset({"keys"}),
    "StartKeys": frozenset({"keys"}),
    "RecordKeys": frozenset({"record-keys"}),
    "CallEvents": frozenset({"events"}),
    # Strings: tokens, patterned strings, and free text (which may be read as a list).
    "xs:token": frozenset({"str"}),
    "LanguageTag": frozenset({"str"}),
    "DtmfString": frozenset({"str"}),
    "xs:string": frozenset({"str", "hints"}),
    "Text": frozenset({"str", "hints"}),
}


def _expected_kinds(schema: xmlschema.XMLSchema, xsd_type: Any) -> frozenset[str] | None:
    """Kinds allowed for an XSD type; ``frozenset({"enum"})`` for an enumeration."""
    name = xsd_type.prefixed_name
    if name in _KINDS_OF_TYPE:
        return _KINDS_OF_TYPE[name]
    if _is_integer(schema, xsd_type):
        return frozenset({"int"})
    if getattr(xsd_type, "enumeration", None):
        return frozenset({"enum"})
    return None


def _kind_label(kind: str | type[enum.Enum]) -> str:
    return "enum" if isinstance(kind, type) and issubclass(kind, enum.Enum) else str(kind)


def _text_kind(spec: NodeSpec) -> str:
    assert spec.text is not None
    (field,) = [f for f in dataclasses.fields(spec.cls) if f.name == spec.text]
    return str(field.metadata["kind"])


def _snake(xml: str) -> str:
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", xml).lower()
    return name + "_" if keyword.iskeyword(name) else name


# ---------------------------------------------------------------------------- elements


def test_element_names_match(schema: xmlschema.XMLSchema) -> None:
    assert set(_declarations(schema)) == set(ELEMENTS)


def test_root_is_document(schema: xmlschema.XMLSchema) -> None:
    assert set(schema.elements) == {rcml.Document.TAG}
    assert ELEMENTS[rcml.Document.TAG] is rcml.Document
    assert rcml.Document.TAG == "Response"


@pytest.mark.parametrize("tag", TAGS)
def test_spec_tag_matches_class(tag: str) -> None:
    assert spec_of(ELEMENTS[tag]).tag == ELEMENTS[tag].TAG == tag


@pytest.mark.parametrize("tag", TAGS)
def test_attribute_names(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    assert set(xsd.attributes) == {a.xml for a in spec_of(ELEMENTS[tag]).attributes}


@pytest.mark.parametrize("tag", TAGS)
def test_attribute_order(schema: xmlschema.XMLSchema, tag: str) -> None:
    # dumps() writes attributes in AST field order and promises schema order.
    xsd = _xsd_type(schema, tag)
    assert [a.xml for a in spec_of(ELEMENTS[tag]).attributes] == list(xsd.attributes)


@pytest.mark.parametrize("tag", TAGS)
def test_attribute_defaults(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    for attr in spec_of(ELEMENTS[tag]).attributes:
        xsd_default = xsd.attributes[attr.xml].default
        if xsd_default is None:
            assert attr.default is None, f"{tag}@{attr.xml}: the XSD has no default"
        else:
            assert attr.default is not None, f"{tag}@{attr.xml}: the AST has no default"
            assert attr.convert.dump(attr.default) == xsd_default, f"{tag}@{attr.xml}"


@pytest.mark.parametrize("tag", TAGS)
def test_attribute_python_names(tag: str) -> None:
    for attr in spec_of(ELEMENTS[tag]).attributes:
        assert attr.name == _snake(attr.xml), f"{tag}@{attr.xml}"
    assert _snake("from") == "from_"


@pytest.mark.parametrize("tag", TAGS)
def test_enumerations(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    for attr in spec_of(ELEMENTS[tag]).attributes:
        xsd_type = xsd.attributes[attr.xml].type
        if isinstance(attr.kind, type) and issubclass(attr.kind, enum.Enum):
            assert xsd_type.enumeration, f"{tag}@{attr.xml}: not an enumeration in the XSD"
            values = {member.value for member in attr.kind}
            assert set(xsd_type.enumeration) == values, f"{tag}@{attr.xml}"
            # Each value once in the XSD, as in the enum.
            assert len(xsd_type.enumeration) == len(values), f"{tag}@{attr.xml}"


@pytest.mark.parametrize("tag", TAGS)
def test_attribute_kinds(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    for attr in spec_of(ELEMENTS[tag]).attributes:
        xsd_type = xsd.attributes[attr.xml].type
        expected = _expected_kinds(schema, xsd_type)
        assert expected is not None, f"{tag}@{attr.xml}: no kind for {xsd_type.prefixed_name}"
        assert _kind_label(attr.kind) in expected, (
            f"{tag}@{attr.xml}: kind {attr.kind!r} for XSD type {xsd_type.prefixed_name}"
        )


def test_kind_table_is_one_to_one_where_it_must_be(schema: xmlschema.XMLSchema) -> None:
    # int <-> types derived from xs:integer, bool <-> Boolean, url <-> Url, events <->
    # CallEvents, record-keys <-> RecordKeys, enum classes <-> enumerated types.
    used: dict[str, set[str]] = {}
    for tag in TAGS:
        xsd = _xsd_type(schema, tag)
        for attr in spec_of(ELEMENTS[tag]).attributes:
            xsd_type = xsd.attributes[attr.xml].type
            used.setdefault(_kind_label(attr.kind), set()).add(xsd_type.prefixed_name)
    integers = {n for n, t in _named_simple_types(schema).items() if _is_integer(schema, t)}
    assert used["int"] <= integers
    assert used["bool"] == {"Boolean"}
    assert used["url"] == {"Url"}
    assert used["events"] == {"CallEvents"}
    assert used["record-keys"] == {"RecordKeys"}
    assert used["keys"] <= {"Keys", "StartKeys"}
    assert used["hints"] <= {"Text", "xs:string"}


def test_every_attribute_type_has_a_kind(schema: xmlschema.XMLSchema) -> None:
    for tag in TAGS:
        for name, decl in _xsd_type(schema, tag).attributes.items():
            assert _expected_kinds(schema, decl.type) is not None, f"{tag}@{name}"


@pytest.mark.parametrize("tag", TAGS)
def test_text_kind(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    spec = spec_of(ELEMENTS[tag])
    if spec.text is None:
        return
    if xsd.has_simple_content():
        expected = _expected_kinds(schema, xsd.content)
        assert expected is not None
        assert _text_kind(spec) in expected - {"hints"}
    else:
        assert _text_kind(spec) == "str"


def _docs_cases() -> list[Any]:
    cases = []
    for tag in TAGS:
        for attr in spec_of(ELEMENTS[tag]).attributes:
            cases.append(pytest.param(tag, attr.xml, id=f"{tag}@{attr.xml}"))
    return cases


@pytest.mark.parametrize(("tag", "xml"), _docs_cases())
def test_docs_defaults(schema: xmlschema.XMLSchema, tag: str, xml: str) -> None:
    attr: AttrSpec = spec_of(ELEMENTS[tag]).by_xml[xml]
    present, value = _docs_default(_xsd_type(schema, tag).attributes[xml])
    assert attr.has_docs == present, f"{tag}@{xml}: docs default in XSD: {present}"
    if present:
        assert attr.docs_default is not None
        assert attr.convert.dump(attr.docs_default) == value


def test_docs_defaults_exist(schema: xmlschema.XMLSchema) -> None:
    # Guards _docs_default() against reading nothing at all.
    found = {
        (tag, name)
        for tag in TAGS
        for name, decl in _xsd_type(schema, tag).attributes.items()
        if _docs_default(decl)[0]
    }
    assert ("Video", "layout") in found
    assert ("Number", "statusCallbackEvent") in found
    assert ("Gather", "action") not in found  # a note only, no value


@pytest.mark.parametrize("tag", TAGS)
def test_children(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    spec = spec_of(ELEMENTS[tag])
    assert {e.name for e in _xsd_children(xsd)} == {t for c in spec.children for t in c.tags}
    for particle in _xsd_children(xsd):
        slot = spec.child_by_tag[particle.name]
        maximum = xsd.overall_max_occurs(particle)
        many = maximum is None or maximum > 1
        assert slot.many == many, f"{tag}/{particle.name}: repeated in the XSD: {many}"


@pytest.mark.parametrize("tag", TAGS)
def test_text(schema: xmlschema.XMLSchema, tag: str) -> None:
    assert _xsd_has_text(_xsd_type(schema, tag)) == (spec_of(ELEMENTS[tag]).text is not None)


# ---------------------------------------------------------------------------- our reader


def test_model_elements(schema: xmlschema.XMLSchema) -> None:
    model = schema_model()
    assert set(model.elements) == set(_declarations(schema))
    assert model.root == next(iter(schema.elements))


@pytest.mark.parametrize("tag", TAGS)
def test_model_attributes(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    decl = schema_model().elements[tag]
    assert list(decl.attributes) == list(xsd.attributes)
    for name, ours in decl.attributes.items():
        theirs = xsd.attributes[name]
        assert ours.name == name
        assert ours.type == theirs.type.prefixed_name, f"{tag}@{name}"
        assert ours.default == theirs.default, f"{tag}@{name}"
        assert ours.required == (theirs.use == "required"), f"{tag}@{name}"
        present, value = _docs_default(theirs)
        assert ours.has_docs_default == present, f"{tag}@{name}"
        assert ours.docs_default == value, f"{tag}@{name}"


@pytest.mark.parametrize("tag", TAGS)
def test_model_children(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    decl = schema_model().elements[tag]
    particles = _xsd_children(xsd)
    assert decl.children == tuple(dict.fromkeys(e.name for e in particles))
    required = tuple(e.name for e in particles if xsd.overall_min_occurs(e) > 0)
    assert decl.required_children == required


@pytest.mark.parametrize("tag", TAGS)
def test_model_text(schema: xmlschema.XMLSchema, tag: str) -> None:
    xsd = _xsd_type(schema, tag)
    decl = schema_model().elements[tag]
    if xsd.has_simple_content():
        assert decl.text == xsd.content.prefixed_name
    elif xsd.mixed:
        assert decl.text == "mixed"
    else:
        assert decl.text is None


def test_model_simple_types(schema: xmlschema.XMLSchema) -> None:
    model = schema_model()
    named = _named_simple_types(schema)
    assert set(model.types) == set(named)
    for name, theirs in named.items():
        ours = model.types[name]
        assert ours.base == theirs.base_type.prefixed_name, name
        assert list(ours.enumeration) == list(theirs.enumeration or []), name
        patterns = theirs.patterns.regexps if theirs.patterns is not None else []
        assert ([ours.pattern] if ours.pattern is not None else []) == patterns, name
        assert ours.minimum == getattr(theirs, "min_value", None), name
        assert ours.maximum == getattr(theirs, "max_value", None), name
