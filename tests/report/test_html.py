from __future__ import annotations

import base64
import re
from pathlib import Path

import lxml.html
import pytest
from conftest import tone_wav

import rcml
from rcml._report._timeline import timed_transcript, wav_seconds


def page(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def left(element: lxml.html.HtmlElement) -> float:
    match = re.search(r"left: ([\d.]+)%", element.get("style", ""))
    assert match, element.get("style")
    return float(match[1])


@pytest.fixture(scope="module")
def voicemail(ivr_calls: dict[str, rcml.Rehearsal]) -> rcml.Rehearsal:
    return ivr_calls["operator-voicemail"]


def test_the_page_needs_nothing_from_the_network(voicemail: rcml.Rehearsal) -> None:
    doc = page(rcml.render_report(voicemail, audio=tone_wav(2)))
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")
    assert csp and "default-src 'none'" in csp[0]
    assert not doc.xpath("//link | //script[@src] | //iframe | //object | //embed")
    sources = doc.xpath("//@src | //@href")
    assert all(s.startswith(("data:", "#")) for s in sources), sources


def test_summary_shows_the_call_record(voicemail: rcml.Rehearsal) -> None:
    doc = page(rcml.render_report(voicemail))
    summary = {div.findtext("dt"): div.findtext("dd") for div in doc.cssselect("dl.summary > div")}
    record = voicemail.call.to_dict()
    assert summary["Status"] == record["status"] == "completed"
    assert summary["Duration"] == f"{record['duration']} s"
    assert (summary["From"], summary["To"]) == (record["from"], record["to"])
    assert summary["Documents"] == str(len(voicemail.documents()))
    assert doc.cssselect("h1 .badge.ok")
    assert doc.cssselect("h1 code")[0].text == voicemail.call.sid


def test_the_timeline_is_drawn_to_scale(voicemail: rcml.Rehearsal) -> None:
    doc = page(rcml.render_report(voicemail))
    total = float(doc.body.get("data-total"))
    assert total == pytest.approx(voicemail.call.end, abs=1e-3)
    lanes = {lane.get("data-lane"): lane for lane in doc.cssselect(".lane[data-lane]")}
    assert list(lanes) == ["documents", "verbs", "prompts", "caller", "ringing", "http"]
    documents = lanes["documents"].cssselect(".item")
    assert [d.get("data-label") for d in documents] == voicemail.documents()
    for item, event in zip(documents, voicemail.events_of("document"), strict=False):
        assert float(item.get("data-t")) == pytest.approx(event.t, abs=1e-3)
        assert left(item) == pytest.approx(100 * event.t / total, abs=1e-3)
    caller = [i.get("data-label") for i in lanes["caller"].cssselect(".item.point")]
    assert caller == ["presses 0"]
    assert [i.text for i in lanes["caller"].cssselect(".item:not(.point)")] == ["records"]
    dial_ring = lanes["ringing"].cssselect(".item.dial-ring")
    assert len(dial_ring) == 1 and "+15550100000" in dial_ring[0].text
    verbs = [i.text or i.get("data-label") for i in lanes["verbs"].cssselect(".item")]
    assert verbs[:2] == ["gather", "Redirect"] and "dial" in verbs and "record" in verbs
    assert len(lanes["http"].cssselect(".item")) == len(voicemail.requests)
    assert len(doc.cssselect(".playhead")) == len(lanes)


def test_transcript_requests_and_events_are_all_there(voicemail: rcml.Rehearsal) -> None:
    doc = page(rcml.render_report(voicemail))
    lines = doc.cssselect("ol.transcript li")
    assert len(lines) == len(voicemail.transcript)
    pressed = next(li for li in lines if "caller pressed 0" in li.text_content())
    assert float(pressed.get("data-t")) == pytest.approx(10.3)
    rows = doc.cssselect("#requests > table > tbody > tr")
    assert len(rows) == len(voicemail.requests)
    first = voicemail.requests[0]
    assert first.url in rows[0].text_content()
    params = rows[0].cssselect("table.params tr")
    assert [p[0].text for p in params] == [k for k, _ in first.params]
    assert len(doc.cssselect("#events tbody tr")) == len(voicemail.events)
    assert len(doc.cssselect("#recordings tbody tr")) == 1
    assert len(doc.cssselect("#calls tbody tr")) == 1 + len(voicemail.child_calls)


def test_the_graph_highlights_the_path_this_call_took(
    ivr_calls: dict[str, rcml.Rehearsal], voicemail: rcml.Rehearsal
) -> None:
    graph = rcml.build_graph(ivr_calls.values())
    doc = page(rcml.render_report(voicemail, graph=graph))
    svg = doc.cssselect("#graph svg.graph")[0]
    nodes = {g.get("data-node"): g for g in svg.cssselect("g.node")}
    assert set(nodes) == set(graph.nodes)
    visited = {n for n, g in nodes.items() if g.get("data-t") is not None}
    assert visited == set(voicemail.documents())
    taken = {g.findtext("title") for g in svg.cssselect("g.edge.taken")}
    assert "dial canceled \u00d72" in "; ".join(taken)
    assert not any("dial completed" in t and "canceled" not in t for t in taken)
    assert "flowchart TD" in doc.cssselect("pre.mermaid-source")[0].text


def test_audio_is_embedded_and_sets_the_timeline_length(voicemail: rcml.Rehearsal) -> None:
    audio = tone_wav(voicemail.call.end + 2)
    doc = page(rcml.render_report(voicemail, audio=audio))
    (player,) = doc.cssselect("audio#player")
    src = player.get("src")
    assert src.startswith("data:audio/wav;base64,")
    assert base64.b64decode(src.split(",", 1)[1]) == audio
    assert float(doc.body.get("data-total")) == pytest.approx(voicemail.call.end + 2, abs=1e-3)
    assert not doc.cssselect(".noaudio")


def test_without_audio_the_page_says_so(voicemail: rcml.Rehearsal) -> None:
    doc = page(rcml.render_report(voicemail))
    assert not doc.cssselect("audio") and doc.cssselect(".noaudio")


def test_text_from_the_app_is_escaped_and_messages_are_listed(tmp_path: Path) -> None:
    (tmp_path / "app.xml").write_text(
        "<Response><Say>&lt;script&gt;alert(1)&lt;/script&gt;</Say>"
        '<Sms to="+15550100009">Your code is &lt;b&gt;42&lt;/b&gt;</Sms>'
        '<Email to="team@example.com" from="ivr@example.com" subject="Missed call">A caller</Email>'
        "<Hangup/></Response>"
    )
    call = rcml.rehearse(str(tmp_path / "app.xml"), seed=3)
    doc = page(rcml.render_report(call))
    assert len(doc.xpath("//script")) == 1  # ours
    assert not doc.xpath("//b")
    rows = doc.cssselect("#messages tbody tr")
    assert [r[1].text for r in rows] == [m.kind for m in call.messages] == ["sms", "email"]
    assert rows[0][5].text == "Your code is <b>42</b>"


def test_write_report(tmp_path: Path, voicemail: rcml.Rehearsal) -> None:
    rcml.write_report(voicemail, tmp_path / "r.html")
    assert page((tmp_path / "r.html").read_text(encoding="utf-8")).cssselect("#timeline")


def test_transcript_times_come_from_its_clock() -> None:
    lines = ["00:00.0  call", "  continued", "01:02.5  later"]
    assert timed_transcript(lines) == [
        (0.0, "00:00.0", "call"),
        (0.0, "00:00.0", "  continued"),
        (62.5, "01:02.5", "later"),
    ]


def test_wav_length_from_the_header() -> None:
    assert wav_seconds(tone_wav(1.5)) == pytest.approx(1.5)
    assert wav_seconds(b"not a wav at all") is None


def test_a_call_that_went_wrong_shows_why(tmp_path: Path) -> None:
    (tmp_path / "menu.xml").write_text(
        '<Response><Gather action="next.xml"><Say>Press 1.</Say></Gather></Response>'
    )
    call = rcml.rehearse(str(tmp_path / "menu.xml"), {"gather": [{"digits": "1"}]}, seed=2)
    assert not call.ok
    doc = page(rcml.render_report(call))
    assert doc.cssselect("h1 .badge.failed")
    assert [li.text for li in doc.cssselect("ul.problems li")] == call.problems
    assert doc.cssselect("#requests .status-err")  # next.xml answered 404
