"""The typed builder: what it builds parses back unchanged; what the schema forbids raises.

The property tests replay documents drawn from the AST strategies of test_roundtrip.py
through the builder's methods, so every element, attribute and value kind is exercised.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from test_roundtrip import _NOT_XML, documents, urls, xml_strings

import rcml
from rcml._build import RULES, check_url, method_name

SETTINGS = settings(max_examples=150, deadline=None)


def replay(node: rcml.Node, builder: Any) -> None:
    """Build ``node`` (and its children) with the builder methods of ``builder``."""
    rules = RULES[node.TAG]
    kwargs = {n: getattr(node, n) for n in rules.names if getattr(node, n) is not None}
    args = (getattr(node, rules.text),) if rules.text is not None else ()
    made = getattr(builder, method_name(node.TAG))(*args, **kwargs)
    for child in node.children():
        replay(child, made)


def built(doc: rcml.Document) -> rcml.Response:
    r = rcml.Response()
    for verb in doc.verbs:
        replay(verb, r)
    return r


# ---------------------------------------------------------------------------- properties


@SETTINGS
@given(documents())
def test_built_document_parses_back_to_the_same_ast(doc: rcml.Document) -> None:
    r = built(doc)
    assert r.to_document() == doc
    assert rcml.parse(r.to_xml()) == r.to_document()
    assert rcml.parse(r.to_xml(pretty=True)) == doc
    assert str(r) == rcml.dumps(doc)


@SETTINGS
@given(documents())
def test_append_accepts_what_the_methods_accept(doc: rcml.Document) -> None:
    r = rcml.Response().append(*doc.verbs)
    assert r.to_document() == doc


@SETTINGS
@given(text=xml_strings, attr=xml_strings)
def test_text_and_attributes_survive_escaping(text: str, attr: str) -> None:
    # & < > " ' , unicode and surrounding whitespace come back unchanged.
    r = rcml.Response()
    r.sms(text, to=attr)
    r.dial().sip("sip:a@example.com", password=attr)
    back = rcml.parse(r.to_xml())
    sms, dial = back.verbs
    assert isinstance(sms, rcml.Sms) and isinstance(dial, rcml.Dial)
    assert sms.to == attr
    assert sms.body == (text if text.strip(" \t\r\n") else "")
    assert isinstance(dial.nouns[0], rcml.Sip) and dial.nouns[0].password == attr


@pytest.mark.parametrize(
    "text",
    ["Tom & Jerry <say> \"hi\" 'there'", "  padded  ", "\u00e9t\u00e9 \U0001f600", "a\r\nb"],
)
def test_say_text_roundtrips(text: str) -> None:
    r = rcml.Response().say(text, voice="woman")
    (say,) = rcml.parse(r.to_xml()).verbs
    assert say == rcml.Say(text=text, voice=rcml.Voice.WOMAN)


def test_whitespace_only_text_is_empty_as_the_parser_reads_it() -> None:
    r = rcml.Response().say(" \n\t ")
    assert r.to_document() == rcml.parse(r.to_xml()) == rcml.Document((rcml.Say(),))


# ---------------------------------------------------------------------------- the API


def test_the_issue_example() -> None:
    r = rcml.Response()
    r.say("Hi", voice="woman", loop=2)
    with r.gather(action="/menu", num_digits=1) as g:
        g.say("For sales, press 1.")
    r.dial(timeout=10).number("+15551234567")
    assert r.to_document() == rcml.Document(
        (
            rcml.Say(text="Hi", voice=rcml.Voice.WOMAN, loop=2),
            rcml.Gather(action="/menu", num_digits=1, prompts=(rcml.Say("For sales, press 1."),)),
            rcml.Dial(timeout=10, nouns=(rcml.Number("+15551234567"),)),
        )
    )


def test_leaf_methods_chain_and_containers_return_their_builder() -> None:
    r = rcml.Response().say("a").pause(length=1).hangup()
    assert isinstance(r, rcml.Response)
    assert isinstance(r.gather(), rcml.GatherBuilder)
    dial = r.dial()
    assert dial.number("+1").number("+2") is dial
    client = dial.client("alice")
    assert isinstance(client, rcml.ClientBuilder)
    assert client.video(enable=True) is client
    assert [type(v) for v in r.to_document().verbs] == [
        rcml.Say, rcml.Pause, rcml.Hangup, rcml.Gather, rcml.Dial
    ]  # fmt: skip


def test_enum_members_and_their_strings_are_both_accepted() -> None:
    a = rcml.Response().gather(input=rcml.GatherInput.DTMF_SPEECH, method="GET")
    b = rcml.Response().gather(input="dtmf speech", method=rcml.Method.GET)
    assert a.to_node() == b.to_node()


def test_to_document_reflects_later_additions() -> None:
    r = rcml.Response()
    g = r.gather()
    assert r.to_document() == rcml.Document((rcml.Gather(),))
    g.say("late")
    assert r.to_document() == rcml.Document((rcml.Gather(prompts=(rcml.Say("late"),)),))


def test_events_and_hints_take_lists() -> None:
    r = rcml.Response()
    r.gather(input="speech", hints=["sales", "technical support"])
    r.dial().number("+1", status_callback_event=["ringing", rcml.CallEvent.COMPLETED])
    gather, dial = rcml.parse(r.to_xml()).verbs
    assert isinstance(gather, rcml.Gather) and gather.hints == ("sales", "technical support")
    assert isinstance(dial, rcml.Dial)
    number = dial.nouns[0]
    assert isinstance(number, rcml.Number)
    assert number.status_callback_event == (rcml.CallEvent.RINGING, rcml.CallEvent.COMPLETED)


# ---------------------------------------------------------------------------- refusals


def _error(build: Any) -> rcml.BuildError:
    with pytest.raises(rcml.BuildError) as info:
        build(rcml.Response())
    return info.value


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda r: r.gather(num_digits=0), "Gather num_digits=0: must be a whole number from 1"),
        (lambda r: r.gather(timeout=True), "Gather timeout=True: must be a whole number"),
        (lambda r: r.say("x", loop=-1), "Say loop=-1: must be a whole number from 0"),
        (lambda r: r.pause(length=2**31), "Pause length=2147483648: must be a whole number"),
        (lambda r: r.say("x", voice="robot"), "Say voice='robot': must be one of 'man', 'woman'"),
        (lambda r: r.say("x", language="english!"), "Say language='english!': must be a language"),
        (lambda r: r.gather(finish_on_key="a"), "Gather finish_on_key='a': must be up to 12 keys"),
        (lambda r: r.gather(start_input_key=""), "Gather start_input_key='': must be 1 to 12 keys"),
        (lambda r: r.record(play_beep="true"), "Record play_beep='true': must be True or False"),
        (lambda r: r.redirect("/a b"), "Redirect url='/a b': must be a URL"),
        (lambda r: r.play("50%off"), "Play url='50%off': must be a URL"),
        (lambda r: r.gather(hints="a,b"), "Gather hints='a,b': must be a list of phrases"),
        (lambda r: r.gather(hints=["a,b"]), "Gather hints=['a,b']: must be a list of phrases"),
        (
            lambda r: r.dial().number("1", status_callback_event=[]),
            "Number status_callback_event=[]",
        ),
        (lambda r: r.dial().number("1", send_digits="12x"), "Number send_digits='12x'"),
        (lambda r: r.say(None), "Say text=None: must be a string"),
    ],
)
def test_values_outside_the_schema_are_refused(build: Any, message: str) -> None:
    error = _error(build)
    assert str(error).startswith(message)
    assert isinstance(error, rcml.RCMLError) and isinstance(error, ValueError)


def test_unknown_attributes_name_the_attribute_and_suggest() -> None:
    error = _error(lambda r: r.gather(numDigits=1))
    assert error.element == "Gather" and error.attribute == "numDigits" and error.value == 1
    assert "did you mean 'num_digits'?" in str(error)
    assert "num_digits" in error.allowed
    assert "did you mean 'finish_on_key'" in str(_error(lambda r: r.record(finish_onkey="#")))
    assert isinstance(_error(lambda r: r.hangup(now=True)), TypeError)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda r: r.gather().dial(), "Gather cannot contain Dial; allowed here: Say, Play, Pause"),
        (lambda r: r.dial().say("x"), "Dial cannot contain Say"),
        (lambda r: r.dial().client("a").video().video(), "Client can hold only one Video"),
        (lambda r: [ref := r.refer(), ref.sip("sip:a@b"), ref.sip("sip:c@d")], "Refer can hold"),
        (lambda r: r.refer().to_node(), "Refer needs a Sip"),
        (lambda r: r.append(rcml.Number("+1")), "Response cannot contain Number"),
        (lambda r: r.gather().append(rcml.Gather()), "Gather cannot contain Gather"),
        (lambda r: r.append(rcml.Gather(num_digits=0)), "Gather num_digits=0"),
        (lambda r: r.append(rcml.Email(to="a")), "Email needs from_="),
    ],
)
def test_nesting_the_schema_forbids_is_refused(build: Any, message: str) -> None:
    assert str(_error(build)).startswith(message)


def test_a_method_of_no_element_is_a_plain_attribute_error() -> None:
    with pytest.raises(AttributeError):
        rcml.Response().gather().speak  # type: ignore[attr-defined]  # noqa: B018


@pytest.mark.parametrize("char", [*_NOT_XML, "\ud800"], ids=repr)
def test_characters_xml_cannot_carry_are_refused(char: str) -> None:
    for build in (
        lambda r: r.say(f"a{char}b"),
        lambda r: r.sms("hi", to=f"x{char}"),
        lambda r: r.gather(hints=["ok", f"x{char}"]),
        lambda r: r.dial().client("a").video(overlay=char),
    ):
        assert "which XML cannot carry" in str(_error(build))


# ---------------------------------------------------------------------------- URLs

_URL_VALIDATOR = etree.XMLSchema(etree.parse(str(rcml.schema_path())))
_URLISH = st.lists(
    st.one_of(
        st.sampled_from(list("abcAZ09-._~!$&'()*+,;=:@/?#%[]\\^`{|}<> \"")),
        st.sampled_from(["//", "http:", "%2F", "%zz", "%", "\u00e9", "\u3000", "\ufeff"]),
    ),
    max_size=12,
).map("".join)


def _schema_accepts_url(url: str) -> bool:
    root = etree.Element("Response")
    etree.SubElement(root, "Play").text = url
    return bool(_URL_VALIDATOR.validate(root))


@settings(max_examples=500, deadline=None)
@given(_URLISH)
def test_every_url_the_builder_accepts_the_schema_accepts(url: str) -> None:
    try:
        check_url(url, "Play", "url")
    except rcml.BuildError:
        return
    assert _schema_accepts_url(url), url


@settings(max_examples=300, deadline=None)
@given(urls)
def test_the_builder_accepts_realistic_urls(url: str) -> None:
    assert check_url(url, "Play", "url") == url
