"""The IVR written with the builder: ``rcml.Response``.

Run it (from the examples/ directory)::

    flask --app ivr.app:wsgi_app run --port 8080       # WSGI
    uvicorn ivr.app:asgi_app --port 8080               # ASGI

and point a RestComm number's voice URL at http://<host>:8080/ivr/main.
"""

from __future__ import annotations

from rcml import CallRequest, DialCallStatus, Response

from . import content as c
from .web import Handler, flask_app, starlette_app


def main(call: CallRequest) -> Response:
    r = Response()
    with r.gather(action="/ivr/menu", num_digits=1, timeout=5) as g:
        g.say(c.WELCOME, voice="woman")
        g.say(c.MAIN_MENU, voice="woman")
        g.pause(length=2)
    # Reached only when the caller pressed nothing.
    r.say(c.NO_INPUT, voice="woman")
    r.redirect("/ivr/main")
    return r


def menu(call: CallRequest) -> Response:
    target = {"1": "/ivr/sales", "2": "/ivr/support", "0": "/ivr/agent?team=operator"}
    r = Response()
    if call.digits not in target:
        r.say(c.INVALID, voice="woman")
    return r.redirect(target.get(call.digits or "", "/ivr/main"))


def sales(call: CallRequest) -> Response:
    r = Response()
    with r.gather(action="/ivr/sales/choice", num_digits=1, finish_on_key="") as g:
        g.say(c.SALES_MENU, voice="woman")
    r.say(c.NO_INPUT, voice="woman")
    r.redirect("/ivr/sales")
    return r


def sales_choice(call: CallRequest) -> Response:
    r = Response()
    if call.digits in ("1", "2"):
        return r.redirect("/ivr/agent?team=sales")
    if call.digits == "*":
        return r.redirect("/ivr/main")
    return r.say(c.INVALID, voice="woman").redirect("/ivr/sales")


def support(call: CallRequest) -> Response:
    r = Response()
    with r.gather(
        action="/ivr/support/choice",
        input="dtmf speech",
        hints=c.SUPPORT_HINTS,
        num_digits=1,
        finish_on_key="",
        language="en-US",
    ) as g:
        g.say(c.SUPPORT_MENU, voice="woman")
    r.say(c.NO_INPUT, voice="woman")
    r.redirect("/ivr/support")
    return r


def support_choice(call: CallRequest) -> Response:
    choice = c.support_choice(call.digits, call.speech_result)
    r = Response()
    if choice == "back":
        return r.redirect("/ivr/main")
    if choice is None:
        return r.say(c.INVALID, voice="woman").redirect("/ivr/support")
    return r.redirect("/ivr/agent?team=support")


def agent(call: CallRequest) -> Response:
    team = c.team_of(call.raw.get("team"))
    number, client = c.AGENTS[team]
    r = Response().say(c.HOLD, voice="woman")
    dial = r.dial(action=f"/ivr/agent/done?team={team}", timeout=20, caller_id=call.to)
    dial.number(number).client(client)
    return r


def agent_done(call: CallRequest) -> Response:
    # The caller talked to an agent: end politely. Busy, no answer, failed: voicemail.
    if call.dial_call_status is DialCallStatus.COMPLETED:
        return Response().redirect("/ivr/goodbye")
    return Response().redirect("/ivr/voicemail")


def voicemail(call: CallRequest) -> Response:
    r = Response().say(c.VOICEMAIL, voice="woman")
    r.record(action="/ivr/voicemail/done", max_length=120, finish_on_key="#", play_beep=True)
    # Reached only if Record ends without calling its action.
    r.say(c.NO_RECORDING, voice="woman").redirect("/ivr/goodbye")
    return r


def voicemail_done(call: CallRequest) -> Response:
    r = Response()
    r.say(c.RECORDED if call.recording_url else c.NO_RECORDING, voice="woman")
    return r.redirect("/ivr/goodbye")


def goodbye(call: CallRequest) -> Response:
    return Response().say(c.GOODBYE, voice="woman").hangup()


ROUTES: dict[str, Handler] = {
    "/ivr/main": main,
    "/ivr/menu": menu,
    "/ivr/sales": sales,
    "/ivr/sales/choice": sales_choice,
    "/ivr/support": support,
    "/ivr/support/choice": support_choice,
    "/ivr/agent": agent,
    "/ivr/agent/done": agent_done,
    "/ivr/voicemail": voicemail,
    "/ivr/voicemail/done": voicemail_done,
    "/ivr/goodbye": goodbye,
}

#: The WSGI application (Flask).
wsgi_app = flask_app(__name__, ROUTES)
#: The ASGI application (Starlette).
asgi_app = starlette_app(ROUTES)
