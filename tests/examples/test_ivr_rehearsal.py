"""The example IVR rehearsed end to end: every caller script in examples/ivr/calls walks
one branch, against each of the four versions of the app (builder or templates, WSGI or
ASGI), through the pytest plugin's ``rehearse`` fixture."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from rcml import Rehearsal, load_script

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CALLS = sorted((EXAMPLES / "ivr" / "calls").glob("*.toml"))
APPS = [
    "ivr/app.py:asgi_app",
    "ivr/app.py:wsgi_app",
    "ivr/app_templates.py:asgi_app",
    "ivr/app_templates.py:wsgi_app",
]

Rehearse = Callable[..., Rehearsal]


def app(spec: str) -> str:
    return str(EXAMPLES / spec)


@pytest.mark.parametrize("script", CALLS, ids=[p.stem for p in CALLS])
@pytest.mark.parametrize("target", APPS)
def test_every_branch_goes_as_its_script_expects(
    rehearse: Rehearse, script: Path, target: str
) -> None:
    rehearse(app(target), load_script(script))


def test_the_scripts_cover_every_route(rehearse: Rehearse) -> None:
    seen: set[str] = set()
    for script in CALLS:
        seen |= {q.path for q in rehearse(app(APPS[0]), load_script(script)).requests}
    from ivr.app import ROUTES  # importable: loading the app put examples/ on sys.path

    assert set(ROUTES) <= seen


def test_sales_branch(rehearse: Rehearse) -> None:
    call = rehearse(app(APPS[0]), load_script(EXAMPLES / "ivr/calls/sales.toml"))
    (agent,) = [c for c in call.child_calls if c.status == "completed"]
    assert agent.to == "+15550100001" and agent.duration == 95
    done = call.requests_to("/ivr/agent/done")[0]
    assert done.param("DialCallStatus") == "completed" and done.param("DialCallDuration") == "95"
    assert call.heard("Thank you for calling Example Telecom")


def test_voicemail_branch_records_and_thanks(rehearse: Rehearse) -> None:
    call = rehearse(app(APPS[1]), load_script(EXAMPLES / "ivr/calls/operator-voicemail.toml"))
    (recording,) = call.recordings
    done = call.requests_to("/ivr/voicemail/done")[0]
    assert done.param("RecordingUrl") == recording.url and done.param("Digits") == "#"
    assert Path(recording.url.removeprefix("file://")).is_file()
    assert call.heard("your message has been recorded")


def test_a_broken_branch_fails_with_the_transcript(rehearse: Rehearse) -> None:
    script = {"call": {"url": "/ivr/main"}, "gather": [{"digits": "1"}], "expect": {"heard": ["x"]}}
    call = rehearse(app(APPS[0]), script, check=False)
    with pytest.raises(AssertionError) as info:
        call.check()
    text = str(info.value)
    assert "no [[gather]] entry left for the Gather at /ivr/sales" in text
    assert "POST /ivr/menu -> 200 (action)" in text
