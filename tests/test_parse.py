"""Strict parsing: the AST built from valid documents, and positions."""

from __future__ import annotations

from pathlib import Path

import pytest

import rcml
from rcml import (
    CallEvent,
    Client,
    Conference,
    Dial,
    Document,
    Gather,
    GatherInput,
    Method,
    Number,
    Pause,
    Play,
    Record,
    Redirect,
    Refer,
    Say,
    Sip,
    SourcePos,
    Uri,
    Video,
    VideoLayout,
    Voice,
)

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.xml"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_is_valid(path: Path) -> None:
    document = rcml.parse(path.read_bytes())
    assert document.verbs, "an example with no verbs teaches nothing"


def test_gather_menu_builds_typed_ast() -> None:
    document = rcml.parse(
        '<Response><Gather action="/menu" numDigits="1" timeout="3" input="dtmf speech">'
        '<Say voice="woman" loop="2">Press 1</Say><Pause length="2"/>'
        "<Play>/a.wav</Play></Gather></Response>"
    )
    assert document == Document(
        (
            Gather(
                prompts=(
                    Say("Press 1", voice=Voice.WOMAN, loop=2),
                    Pause(length=2),
                    Play("/a.wav"),
                ),
                action="/menu",
                num_digits=1,
                timeout=3,
                input=GatherInput.DTMF_SPEECH,
            ),
        )
    )


def test_dial_nouns_and_their_attributes() -> None:
    document = rcml.parse(
        '<Response><Dial timeout="20" record="true">'
        '<Number statusCallbackEvent="initiated, answered" method="GET">+1555</Number>'
        '<Client name="bob"><Video enable="true" layout="tile"/></Client>'
        '<Uri>sip:a@b</Uri><Conference muted="true">room</Conference>'
        "</Dial></Response>"
    )
    assert document.verbs == (
        Dial(
            nouns=(
                Number(
                    "+1555",
                    method=Method.GET,
                    status_callback_event=(CallEvent.INITIATED, CallEvent.ANSWERED),
                ),
                Client(name="bob", video=Video(enable=True, layout=VideoLayout.TILE)),
                Uri("sip:a@b"),
                Conference("room", muted=True),
            ),
            timeout=20,
            record=True,
        ),
    )


def test_uri_is_a_sip_but_not_equal_to_one() -> None:
    uri = rcml.parse("<Response><Dial><Uri>sip:a@b</Uri></Dial></Response>").verbs[0]
    assert isinstance(uri, Dial)
    assert isinstance(uri.nouns[0], Sip)
    assert uri.nouns[0] != Sip("sip:a@b")


def test_dial_text_target() -> None:
    (dial,) = rcml.parse("<Response><Dial callerId='+1'>+15551234</Dial></Response>").verbs
    assert dial == Dial("+15551234", caller_id="+1")


def test_refer_holds_its_sip_target() -> None:
    (refer,) = rcml.parse("<Response><Refer><Sip>sip:x@y</Sip></Refer></Response>").verbs
    assert refer == Refer(Sip("sip:x@y"))


def test_text_keeps_escapes_and_whitespace_as_written() -> None:
    (say,) = rcml.parse("<Response><Say>  Tom &amp; Jerry &lt;3 \"'  </Say></Response>").verbs
    assert say == Say("  Tom & Jerry <3 \"'  ")
    assert say.effective().text == "Tom & Jerry <3 \"'"


def test_whitespace_only_text_is_empty() -> None:
    (say,) = rcml.parse("<Response><Say>  \n </Say></Response>").verbs
    assert say == Say("")


def test_written_and_effective_values() -> None:
    (record,) = rcml.parse('<Response><Record maxLength="30"/></Response>').verbs
    assert isinstance(record, Record)
    assert (record.max_length, record.timeout, record.finish_on_key) == (30, None, None)
    code = record.effective()
    assert (code.max_length, code.timeout, code.finish_on_key) == (30, 5, "1234567890*#")
    assert record.effective("docs").finish_on_key == "#"
    assert code.action is None  # no static default: the interpreter decides


def test_effective_reaches_children() -> None:
    (gather,) = rcml.parse("<Response><Gather><Say>hi</Say></Gather></Response>").verbs
    assert isinstance(gather, Gather)
    prompt = gather.effective().prompts[0]
    assert isinstance(prompt, Say)
    assert (prompt.voice, prompt.loop, prompt.language) == (Voice.MAN, 1, "en")


def test_positions_are_line_and_column_of_the_start_tag() -> None:
    source = (
        "<?xml version='1.0'?>\n"
        "<Response>\n"
        "  <!-- <Say>not an element</Say> -->\n"
        "  <Say\n"
        '     voice="man">héllo</Say> <Redirect>/next</Redirect>\n'
        "  <Dial><Number>1</Number></Dial>\n"
        "</Response>\n"
    )
    document = rcml.parse(source)
    positions = [(node.TAG, node.pos) for node in document.walk()]
    assert positions == [
        ("Response", SourcePos(2, 1)),
        ("Say", SourcePos(4, 3)),
        ("Redirect", SourcePos(5, 30)),
        ("Dial", SourcePos(6, 3)),
        ("Number", SourcePos(6, 9)),
    ]


def test_positions_do_not_affect_equality() -> None:
    a = rcml.parse("<Response><Hangup/></Response>")
    b = rcml.parse("<Response>\n\n   <Hangup/></Response>")
    assert a == b
    assert a.verbs[0].pos != b.verbs[0].pos


def test_url_is_kept_but_not_compared() -> None:
    document = rcml.parse("<Response/>", url="http://app/x")
    assert document.url == "http://app/x"
    assert document == rcml.parse("<Response/>")


def test_bytes_with_declared_encoding() -> None:
    source = '<?xml version="1.0" encoding="ISO-8859-1"?><Response><Say>café</Say></Response>'
    (say,) = rcml.parse(source.encode("latin-1")).verbs
    assert say == Say("café")


def test_utf8_bom_and_str_with_declaration() -> None:
    source = '<?xml version="1.0" encoding="UTF-8"?><Response><Say>ü</Say></Response>'
    assert rcml.parse(b"\xef\xbb\xbf" + source.encode()) == rcml.parse(source)


def test_comments_between_verbs_are_ignored() -> None:
    document = rcml.parse("<Response><!-- a --><Hangup/><?pi x?></Response>")
    assert document.verbs == (rcml.Hangup(),)


def test_walk_and_children() -> None:
    document = rcml.parse(
        "<Response><Gather><Say>a</Say></Gather><Dial><Client>c<Video/></Client></Dial></Response>"
    )
    assert [n.TAG for n in document.walk()] == [
        "Response", "Gather", "Say", "Dial", "Client", "Video",
    ]  # fmt: skip
    assert len(document) == 2
    assert [v.TAG for v in document] == ["Gather", "Dial"]


def test_attributes_by_xml_name() -> None:
    (gather,) = rcml.parse('<Response><Gather numDigits="4" method="GET"/></Response>').verbs
    assert dict(gather.attributes()) == {"method": Method.GET, "numDigits": 4}


def test_redirect_empty_is_valid_for_the_linter_to_judge() -> None:
    assert rcml.parse("<Response><Redirect/></Response>").verbs == (Redirect(""),)


def test_unknown_dialect() -> None:
    with pytest.raises(rcml.DialectError):
        rcml.parse("<Response/>", dialect="twiml")


def test_positions_survive_copies_and_pickling() -> None:
    import copy
    import pickle

    document = rcml.parse("<Response>\n  <Hangup/></Response>")
    for clone in (copy.deepcopy(document), pickle.loads(pickle.dumps(document))):
        assert clone == document
        assert clone.verbs[0].pos == SourcePos(2, 3)
    assert document.verbs[0].effective().pos == SourcePos(2, 3)
    assert rcml.Hangup().pos is None


def test_attribute_values_past_the_converter_memo_still_convert() -> None:
    from rcml import _parse

    # More distinct values than the memo keeps, and one too long to be kept at all.
    lengths = range(1, _parse._MEMO_SIZE + 40)
    body = "".join(f'<Pause length="{n}"/>' for n in lengths)
    body += f'<Pause length="{"0" * 100}7"/>'
    document = rcml.parse(f"<Response>{body}</Response>")
    assert document.verbs == (*(Pause(length=n) for n in lengths), Pause(length=7))
    memo = _parse._TABLES["Pause"][3]["length"][1]
    assert memo is not None and len(memo) <= _parse._MEMO_SIZE
    assert all(len(written) <= _parse._MEMO_LENGTH for written in memo)


def test_xsi_attributes_are_valid_and_ignored() -> None:
    xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    doc = rcml.parse(
        f'<Response {xsi} xsi:noNamespaceSchemaLocation="rcml.xsd">'
        '<Say xsi:noNamespaceSchemaLocation="a.xsd">Hi</Say></Response>'
    )
    assert doc == rcml.Document((rcml.Say(text="Hi"),))
