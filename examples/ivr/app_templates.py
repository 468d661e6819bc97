"""The IVR written with Jinja templates (templates/*.xml.j2), validated as they render.

Run it (from the examples/ directory)::

    flask --app ivr.app_templates:wsgi_app run --port 8080     # WSGI
    uvicorn ivr.app_templates:asgi_app --port 8080             # ASGI

It serves exactly the bytes the builder version (app.py) serves.
"""

from __future__ import annotations

from pathlib import Path

from rcml import CallRequest
from rcml.templates import environment

from . import content
from .web import Handler, flask_app, starlette_app

env = environment(Path(__file__).resolve().parent / "templates")


def page(name: str) -> Handler:
    def render(call: CallRequest) -> str:
        return env.render_template(name, call=call, c=content)

    return render


ROUTES: dict[str, Handler] = {
    "/ivr/main": page("main.xml.j2"),
    "/ivr/menu": page("menu.xml.j2"),
    "/ivr/sales": page("sales.xml.j2"),
    "/ivr/sales/choice": page("sales-choice.xml.j2"),
    "/ivr/support": page("support.xml.j2"),
    "/ivr/support/choice": page("support-choice.xml.j2"),
    "/ivr/agent": page("agent.xml.j2"),
    "/ivr/agent/done": page("agent-done.xml.j2"),
    "/ivr/voicemail": page("voicemail.xml.j2"),
    "/ivr/voicemail/done": page("voicemail-done.xml.j2"),
    "/ivr/goodbye": page("goodbye.xml.j2"),
}

#: The WSGI application (Flask).
wsgi_app = flask_app(__name__, ROUTES)
#: The ASGI application (Starlette).
asgi_app = starlette_app(ROUTES)
