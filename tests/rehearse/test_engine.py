"""What the interpreter does, verb by verb, checked against RestComm's behaviour
(reference sections in the test names' docstrings)."""

from __future__ import annotations

import re
import wave
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fakeapp import FakeApp, rcml

from rcml import rehearse

SAY_HI = '<Say voice="woman">Hi</Say>'


def run(app: FakeApp, caller: dict[str, Any] | None = None, **options: Any) -> Any:
    script = {"call": {"url": "/start"}, **(caller or {})}
    script["call"] = {"url": "/start", **script["call"]}
    return rehearse(app, script, seed=1, **options)


# ---------------------------------------------------------------------- requests (§3)


def test_every_request_carries_the_standard_parameters() -> None:
    app = FakeApp({"/start": rcml(SAY_HI)})
    r = run(app, {"call": {"from": "+1555000", "to": "+1800", "caller_name": "Ann"}})
    p = app.params("/start")[0]
    assert re.fullmatch(r"CA[0-9a-f]{32}", p["CallSid"])
    assert re.fullmatch(r"AC[0-9a-f]{32}", p["AccountSid"])
    assert re.fullmatch(r"ID[0-9a-f]{32}", p["InstanceId"])
    assert (p["From"], p["To"], p["CallerName"], p["ForwardedFrom"]) == (
        "+1555000",
        "+1800",
        "Ann",
        "null",
    )
    assert (p["ApiVersion"], p["Direction"], p["CallStatus"]) == (
        "2012-04-24",
        "inbound",
        "ringing",
    )
    assert p["CallTimestamp"].startswith(r.call.to_dict()["start_time"][:19])
    assert r.call.sid == p["CallSid"]


def test_relative_urls_resolve_against_the_document_and_query_strings_merge() -> None:
    app = FakeApp(
        {
            "/ivr/start": rcml('<Redirect method="GET">next?team=sales</Redirect>'),
            "/ivr/next": rcml("<Hangup/>"),
        }
    )
    r = run(app, {"call": {"url": "/ivr/start"}})
    method, path, params = app.received[1]
    assert (method, path, params["team"]) == ("GET", "/ivr/next", "sales")
    assert params["CallStatus"] == "in-progress"
    assert r.documents() == ["/ivr/start", "/ivr/next"]


def test_a_failed_initial_fetch_uses_the_fallback_url() -> None:
    app = FakeApp({"/start": (500, "text/plain", "boom"), "/fallback": rcml(SAY_HI)})
    r = run(app, {"call": {"fallback_url": "/fallback"}})
    assert [q.purpose for q in r.requests] == ["initial", "fallback"]
    assert r.heard("Hi") and r.call.status == "completed" and r.ok


@pytest.mark.parametrize(
    ("route", "status", "sip"),
    [
        ((500, "text/plain", "boom"), "failed", 500),
        ((404, "text/plain", ""), "failed", 404),
        ((200, "application/xml", "<Response><Say>"), "failed", None),
    ],
)
def test_fetch_failures_before_answer(route: Any, status: str, sip: int | None) -> None:
    r = run(FakeApp({"/start": route}))
    assert r.call.status == status
    assert r.call.start is None  # never answered
    assert not r.ok and "fetch failed" in r.problems[0]
    if sip is not None:
        assert [e.details["code"] for e in r.events_of("sip-response")] == [sip]


def test_only_http_200_succeeds() -> None:
    r = run(FakeApp({"/start": (201, "application/xml", rcml(SAY_HI))}))
    assert r.call.status == "failed" and "HTTP 201" in r.problems[0]


def test_an_app_that_hangs_times_out() -> None:
    app = FakeApp({"/start": rcml(SAY_HI)}, delay=1.0)
    r = run(app, http_timeout=0.05)
    assert r.requests[0].status is None and "no answer within" in (r.requests[0].error or "")
    assert r.call.status == "failed"


def test_a_redirect_loop_stops_at_the_document_cap() -> None:
    app = FakeApp({"/start": rcml("<Redirect>/start</Redirect>")})
    r = run(app, max_documents=5)
    assert len(r.documents()) == 5
    assert "more than 5 documents" in r.problems[0]


def test_plain_text_from_a_gather_action_is_spoken() -> None:
    app = FakeApp(
        {
            "/start": rcml('<Gather action="/said" numDigits="1"/>'),
            "/said": (200, "text/plain", "You pressed one"),
        }
    )
    r = run(app, {"gather": [{"digits": "1"}]})
    assert r.heard("You pressed one") and r.ok


def test_a_body_that_is_not_xml_fails_the_synchronous_path() -> None:
    # §3.3: Redirect fetches pre-parse a non-empty body as XML.
    app = FakeApp({"/start": rcml("<Redirect>/t</Redirect>"), "/t": (200, "text/plain", "Hi")})
    r = run(app)
    assert "not well-formed XML" in r.problems[0] and r.call.status == "failed"


def test_an_unknown_content_type_leaves_the_call_stalled() -> None:
    app = FakeApp({"/start": rcml("<Redirect>/j</Redirect>"), "/j": (200, "application/json", "")})
    r = run(app, {"call": {"hangup_after": 30}})
    assert [e.type for e in r.events][-2:] == ["stall", "caller-hangup"]
    assert r.call.duration == 30 and r.ok


# ---------------------------------------------------------------------- lifecycle (§4.1)


def test_pause_first_delays_the_answer_and_reject_then_rejects() -> None:
    r = run(FakeApp({"/start": rcml('<Pause length="3"/>', '<Reject reason="busy"/>')}))
    assert r.call.status == "busy" and r.call.start is None and r.call.duration == 0
    assert [e.details["code"] for e in r.events_of("reject")] == [486]


def test_reject_after_answering_is_skipped() -> None:
    r = run(FakeApp({"/start": rcml(SAY_HI, "<Reject/>", "<Hangup/>")}))
    assert r.call.status == "completed"
    assert [e.details["reason"] for e in r.events_of("skipped")] == ["already answered"]


def test_the_answer_comes_with_the_first_media_verb() -> None:
    r = run(FakeApp({"/start": rcml('<Pause length="2"/>', SAY_HI)}))
    assert r.call.start == 2.0


def test_an_empty_document_is_answered_sip_500() -> None:
    r = run(FakeApp({"/start": "<Response/>"}))
    assert r.call.status == "failed"
    assert [e.details["code"] for e in r.events_of("sip-response")] == [500]


def test_duration_is_the_ceiling_of_end_minus_start() -> None:
    r = run(FakeApp({"/start": rcml('<Pause length="1"/>', SAY_HI, '<Pause length="2"/>')}))
    talk = r.call.end - r.call.start
    assert 2 < talk < 3 and r.call.duration == 3


def test_the_caller_hanging_up_cuts_the_call() -> None:
    r = run(
        FakeApp({"/start": rcml('<Pause length="1"/>', SAY_HI, '<Pause length="60"/>')}),
        {"call": {"hangup_after": 10}},
    )
    assert r.call.end == 10.0 and r.call.status == "completed"
    assert [e.type for e in r.events][-1] == "caller-hangup"


def test_outbound_api_calls_fetch_after_the_answer() -> None:
    app = FakeApp({"/start": rcml(SAY_HI)})
    r = run(app, {"call": {"direction": "outbound-api", "answer_after": 4}})
    params = app.params("/start")[0]
    assert (params["Direction"], params["CallStatus"]) == ("outbound-api", "in-progress")
    assert r.call.start == 4.0 and r.requests[0].t == 4.0


def test_an_outbound_call_that_is_busy_never_fetches() -> None:
    app = FakeApp({"/start": rcml(SAY_HI)})
    r = run(app, {"call": {"direction": "outbound-api", "outcome": "busy"}})
    assert r.call.status == "busy" and app.received == []


# ---------------------------------------------------------------------- status callbacks


def test_status_callbacks_follow_the_seeds() -> None:
    app = FakeApp({"/start": rcml('<Pause length="1"/>', SAY_HI), "/status": rcml()})
    r = run(
        app,
        {
            "call": {
                "status_callback": "/status",
                "status_callback_event": "ringing,answered,completed",
            }
        },
    )
    sent = app.params("/status")
    assert [(p["CallStatus"], p["SequenceNumber"]) for p in sent] == [
        ("ringing", "0"),
        ("answered", "1"),
        ("completed", "2"),
    ]
    assert "CallDuration" not in sent[0] and sent[2]["CallDuration"] == str(r.call.duration)
    assert {p["CallbackSource"] for p in sent} == {"call-progress-events"}
    assert re.fullmatch(r"\w{3}, \d{2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}", sent[0]["Timestamp"])


def test_a_status_callback_without_events_sends_only_completed() -> None:
    app = FakeApp({"/start": rcml(SAY_HI), "/status": rcml()})
    run(app, {"call": {"status_callback": "/status"}})
    assert [p["CallStatus"] for p in app.params("/status")] == ["completed"]


# ---------------------------------------------------------------------- Say / Play


def test_say_loops_take_time_and_loop_zero_plays_once_in_the_code_profile() -> None:
    r = run(FakeApp({"/start": rcml('<Say loop="3">One two three</Say>', '<Say loop="0">x</Say>')}))
    says = list(r.events_of("say"))
    assert [e.details["loop"] for e in says] == [3, 1]
    one = says[0].details["duration"]
    assert r.call.end == pytest.approx(3 * one + says[1].details["duration"])


def test_play_fetches_the_audio_and_lasts_its_length(tmp_path: Path) -> None:
    wav = tmp_path / "prompt.wav"
    with wave.open(str(wav), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 12000)
    doc = tmp_path / "main.xml"
    doc.write_text(rcml('<Play loop="2">prompt.wav</Play>'))
    r = rehearse(str(doc))
    assert r.call.end == pytest.approx(3.0) and r.heard("prompt.wav")
    assert [q.purpose for q in r.requests] == ["initial", "media"]


def test_a_play_that_404s_hangs_up_with_13233(tmp_path: Path) -> None:
    doc = tmp_path / "main.xml"
    doc.write_text(rcml("<Play>missing.wav</Play>", SAY_HI))
    r = rehearse(str(doc))
    assert [e.details["code"] for e in r.events_of("notification")] == [13233]
    assert not r.heard("Hi") and "HTTP 404" in r.problems[0]


# ---------------------------------------------------------------------- Gather (§2.4, §4.3)

GATHER = '<Gather action="/got" numDigits="3" timeout="4"><Say>Enter your code</Say></Gather>'


def gather_app(gather: str = GATHER, after: str = "<Say>Nothing</Say>") -> FakeApp:
    return FakeApp({"/start": rcml(gather, after), "/got": rcml("<Say>Thanks</Say>")})


def test_gather_stops_at_num_digits() -> None:
    app = gather_app()
    r = run(app, {"gather": [{"digits": "12345"}]})
    assert app.params("/got")[0]["Digits"] == "123"
    assert "SpeechResult" in app.params("/got")[0] and r.heard("Thanks")


def test_the_finish_key_ends_input_and_is_removed() -> None:
    app = gather_app()
    run(app, {"gather": [{"digits": "7#"}]})
    assert app.params("/got")[0]["Digits"] == "7"


def test_partial_input_is_sent_on_timeout() -> None:
    app = gather_app()
    r = run(app, {"gather": [{"digits": "42"}]})
    assert app.params("/got")[0]["Digits"] == "42"
    ended = next(r.events_of("gather-end"))
    press = next(e for e in r.events if e.type == "gather")
    assert ended.t == pytest.approx(press.t + press.details["prompts"] + 1.0 + 0.3 + 4.0)


def test_no_input_falls_through_to_the_next_verb() -> None:
    app = gather_app()
    r = run(app, {"gather": [{"silence": True}]})
    assert r.heard("Nothing") and app.params("/got") == []


def test_only_the_finish_key_counts_as_empty() -> None:
    app = gather_app()
    r = run(app, {"gather": [{"digits": "#"}]})
    assert r.heard("Nothing") and app.params("/got") == []


def test_a_key_during_the_prompt_cuts_it_short() -> None:
    r = run(gather_app(), {"gather": [{"digits": "123", "after": 0.5}]})
    prompt = next(e for e in r.events if e.type == "say" and e.details.get("in_gather"))
    assert prompt.details["cut"] is True
    assert next(r.events_of("gather-end")).t == pytest.approx(0.5 + 0.6)


def test_finish_on_key_empty_is_pound_in_code_and_disabled_in_docs() -> None:
    gather = '<Gather action="/got" finishOnKey="" timeout="2"/>'
    code, docs = gather_app(gather), gather_app(gather)
    run(code, {"gather": [{"digits": "5#"}]})
    run(docs, {"gather": [{"digits": "5#"}]}, profile="docs")
    assert code.params("/got")[0]["Digits"] == "5"
    assert docs.params("/got")[0]["Digits"] == "5#"


def test_num_digits_carries_over_in_the_code_profile() -> None:
    routes = {
        "/start": rcml('<Gather action="/second" numDigits="1"/>'),
        "/second": rcml('<Gather action="/got" timeout="2"/>'),
        "/got": rcml(SAY_HI),
    }
    code, docs = FakeApp(routes), FakeApp(routes)
    script = {"gather": [{"digits": "1"}, {"digits": "234"}]}
    run(code, script)
    run(docs, script, profile="docs")
    assert code.params("/got")[0]["Digits"] == "2"
    assert docs.params("/got")[0]["Digits"] == "234"


def test_gather_without_action_falls_through_in_code_and_posts_to_itself_in_docs() -> None:
    routes = {"/start": rcml('<Gather numDigits="1"/>', SAY_HI)}
    code = run(FakeApp(routes), {"gather": [{"digits": "1"}]})
    docs = run(
        FakeApp(routes), {"gather": [{"digits": "1"}], "call": {"hangup_after": 20}}, profile="docs"
    )
    assert code.heard("Hi") and len(code.documents()) == 1
    assert docs.requests_to("/start")[1].param("Digits") == "1"


def test_speech_input_sends_speech_result_and_partial_results() -> None:
    gather = (
        '<Gather input="speech" action="/got" partialResultCallback="/partial">'
        "<Say>Say something</Say></Gather>"
    )
    app = gather_app(gather)
    app.routes = {**app.routes, "/partial": rcml()}  # type: ignore[misc]
    run(app, {"gather": [{"speech": "check my balance"}]})
    got = app.params("/got")[0]
    assert (got["SpeechResult"], got["Digits"]) == ("check my balance", "")
    assert [p["UnstableSpeechResult"] for p in app.params("/partial")] == ["check", "check my"]


def test_the_match_key_picks_an_entry_by_path() -> None:
    app = FakeApp(
        {
            "/start": rcml('<Gather action="/b" numDigits="1"/>'),
            "/b": rcml('<Gather action="/got" numDigits="1"/>'),
            "/got": rcml(SAY_HI),
        }
    )
    run(app, {"gather": [{"digits": "9", "match": "/b"}, {"digits": "1"}]})
    assert app.params("/b")[0]["Digits"] == "1"
    assert app.params("/got")[0]["Digits"] == "9"


def test_running_out_of_input_is_a_problem() -> None:
    r = run(gather_app())
    assert "no [[gather]] entry left" in r.problems[0] and r.call.status == "completed"


def test_unused_entries_are_a_problem() -> None:
    r = run(FakeApp({"/start": rcml(SAY_HI)}), {"gather": [{"digits": "1"}]})
    assert r.problems == ["1 [[gather]] entries were never used"]


# ---------------------------------------------------------------------- Record (§2.5)

RECORD = '<Record action="/saved" timeout="3" maxLength="30" finishOnKey="#"/>'


def record_app() -> FakeApp:
    return FakeApp({"/start": rcml(RECORD, SAY_HI), "/saved": rcml("<Say>Saved</Say>")})


def test_record_posts_the_recording(tmp_path: Path) -> None:
    app = record_app()
    r = run(app, {"record": [{"seconds": 2, "finish_on_key": "#"}]}, recordings_dir=tmp_path)
    p = app.params("/saved")[0]
    assert (p["RecordingDuration"], p["Digits"]) == ("2.0", "#")
    path = Path(urlsplit(p["RecordingUrl"]).path)
    assert path.parent == tmp_path and path.is_file()
    with wave.open(str(path)) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(2.0)
    assert r.recordings[0].duration == 2.0 and r.heard("Saved")


def test_record_ends_after_timeout_seconds_of_silence() -> None:
    app = record_app()
    r = run(app, {"record": [{"speech": "hello there"}]})
    said = next(r.events_of("record-end"))
    assert float(app.params("/saved")[0]["RecordingDuration"]) == said.details["duration"]
    assert "Digits" in app.params("/saved")[0]


def test_a_hangup_while_recording_still_requests_the_action() -> None:
    app = record_app()
    r = run(app, {"record": [{"speech": "bye now", "hangup": True}]})
    assert app.params("/saved")[0]["Digits"] == "hangup"
    assert app.params("/saved")[0]["CallStatus"] == "completed"
    assert not r.heard("Saved") and r.call.status == "completed"


def test_max_length_caps_the_recording() -> None:
    app = FakeApp({"/start": rcml('<Record action="/saved" maxLength="2"/>'), "/saved": rcml()})
    run(app, {"record": [{"seconds": 10, "finish_on_key": "#"}]})
    assert app.params("/saved")[0]["RecordingDuration"] == "2.0"


# ---------------------------------------------------------------------- Dial (§2.6, §4.5)

DIAL = (
    '<Dial action="/dialed" timeout="10">'
    '<Number statusCallback="/leg">+1111</Number><Client>alice</Client></Dial>'
)


def dial_app(dial: str = DIAL) -> FakeApp:
    return FakeApp({"/start": rcml(SAY_HI, dial), "/dialed": rcml(), "/leg": rcml()})


def test_the_first_party_to_answer_wins() -> None:
    app = dial_app()
    r = run(
        app,
        {
            "dial": {
                "+1111": {"answer_after": 6, "talk": 20},
                "client:alice": {"answer_after": 2, "talk": 40},
            }
        },
    )
    p = app.params("/dialed")[0]
    alice = next(c for c in r.child_calls if c.to == "client:alice")
    number = next(c for c in r.child_calls if c.to == "+1111")
    assert (p["DialCallStatus"], p["DialCallSid"]) == ("completed", alice.sid)
    assert (p["DialCallDuration"], p["DialRingDuration"]) == ("40", "2")
    assert (alice.status, number.status) == ("completed", "canceled")
    assert {c.parent_call_sid for c in r.child_calls} == {r.call.sid}
    assert {c.direction for c in r.child_calls} == {"outbound-dial"}
    assert p["OutboundCallSid"] == alice.sid


def test_ringing_is_not_counted_in_the_duration() -> None:
    r = run(
        dial_app(),
        {"dial": {"client:alice": {"answer_after": 5, "talk": 30}, "+1111": {"outcome": "busy"}}},
    )
    said = next(r.events_of("say")).details["duration"]
    assert r.call.duration == int(-(-(said + 30) // 1))


def test_nobody_answering_is_canceled_in_code_and_no_answer_in_docs() -> None:
    script = {"dial": {"+1111": {"outcome": "no-answer"}, "client:alice": {"outcome": "busy"}}}
    code, docs = dial_app(), dial_app()
    run(code, script)
    run(docs, script, profile="docs")
    assert code.params("/dialed")[0]["DialCallStatus"] == "canceled"
    assert docs.params("/dialed")[0]["DialCallStatus"] == "no-answer"
    assert code.params("/dialed")[0]["DialCallDuration"] == "0"


def test_all_busy_is_busy() -> None:
    app = dial_app()
    run(app, {"dial": {"+1111": {"outcome": "busy"}, "client:alice": {"outcome": "busy"}}})
    assert app.params("/dialed")[0]["DialCallStatus"] == "busy"


def test_noun_status_callbacks_carry_fixed_sequence_numbers() -> None:
    app = dial_app()
    run(app, {"dial": {"+1111": {"answer_after": 1}, "client:alice": {"outcome": "no-answer"}}})
    legs = app.params("/leg")
    assert [(p["CallStatus"], p["SequenceNumber"]) for p in legs] == [
        ("initiated", "0"),
        ("ringing", "1"),
        ("answered", "2"),
        ("completed", "3"),
    ]
    assert legs[-1]["CallDuration"] == "10" and legs[0]["Direction"] == "outbound-dial"


def test_a_screening_document_that_hangs_up_ends_the_whole_call() -> None:
    app = FakeApp(
        {
            "/start": rcml(
                '<Dial action="/dialed"><Number url="/screen">+1</Number></Dial>', SAY_HI
            ),
            "/screen": rcml("<Say>Press 1 to accept</Say>", "<Hangup/>"),
            "/dialed": rcml(SAY_HI),
        }
    )
    r = run(app)
    assert app.params("/screen")[0]["Direction"] == "outbound-dial"
    assert app.params("/dialed") == [] and not r.heard("Hi") and r.call.status == "completed"


def test_dial_text_becomes_one_noun_and_the_call_goes_on_without_action() -> None:
    app = FakeApp({"/start": rcml("<Dial>client:bob</Dial>", SAY_HI)})
    r = run(app)
    assert [c.to for c in r.child_calls] == ["client:bob"] and r.heard("Hi")


def test_conference_then_action_with_standard_parameters_only() -> None:
    app = FakeApp(
        {
            "/start": rcml('<Dial action="/left"><Conference>room</Conference></Dial>'),
            "/left": rcml(),
        }
    )
    r = run(app, {"dial": {"room": {"talk": 25}}})
    assert "DialCallStatus" not in app.params("/left")[0]
    leave = next(r.events_of("conference-leave"))
    assert leave.details["seconds"] == 25


# ---------------------------------------------------------------------- messages


def test_sms_and_email_are_recorded_as_sent_messages() -> None:
    app = FakeApp(
        {
            "/start": rcml(
                '<Sms action="/sms">Your code is 1234</Sms>',
                '<Email to="a@b.c" from="ivr@b.c" subject="Hi">Body</Email>',
            ),
            "/sms": rcml(SAY_HI),
        }
    )
    r = run(app, {"call": {"from": "+1555", "to": "+1800"}})
    assert [(m.kind, m.to, m.from_) for m in r.messages] == [("sms", "+1555", "+1800")]
    assert app.params("/sms")[0]["SmsStatus"] == "sending"
    # The action's document replaced the rest: the Email never ran.
    assert r.heard("Hi") and len(r.messages) == 1


def test_an_email_without_from_stalls_the_call() -> None:
    r = run(FakeApp({"/start": rcml('<Email to="a@b.c">x</Email>', SAY_HI)}))
    assert "the call stalls" in r.problems[0] and not r.heard("Hi")


def test_an_empty_sms_hangs_up() -> None:
    r = run(FakeApp({"/start": rcml("<Sms></Sms>", SAY_HI)}))
    assert "14103" in r.problems[0] and not r.heard("Hi")


# ---------------------------------------------------------------------- expectations


def test_expectations_that_fail_are_problems() -> None:
    r = run(
        FakeApp({"/start": rcml(SAY_HI)}),
        {"expect": {"status": "busy", "heard": ["Bye"], "not_heard": ["Hi"], "messages": 1}},
    )
    assert r.problems == [
        "expected the call to end busy, it ended completed",
        "expected the caller to hear 'Bye'",
        "expected the caller not to hear 'Hi'",
        "expected 1 messages, the call sent 0",
    ]
    with pytest.raises(AssertionError, match="rehearsal failed"):
        r.check()


def test_the_json_report_has_every_section() -> None:
    r = run(FakeApp({"/start": rcml(SAY_HI)}))
    report = r.to_json()
    assert set(report) >= {"call", "child_calls", "requests", "events", "transcript", "messages"}
    assert report["call"]["status"] == "completed" and report["call"]["from"]
    assert report["requests"][0]["purpose"] == "initial"
