"""The same routes served by Flask (WSGI) and by Starlette (ASGI)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import flask
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from rcml import CallRequest
from rcml.integrations import RCMLContent
from rcml.integrations import flask as rcml_flask
from rcml.integrations import starlette as rcml_starlette

Handler = Callable[[CallRequest], RCMLContent]
METHODS = ["GET", "POST"]  # RestComm uses POST unless a method="GET" says otherwise


def flask_app(name: str, routes: Mapping[str, Handler]) -> flask.Flask:
    app = flask.Flask(name)
    for path, handler in routes.items():

        def view(handler: Handler = handler) -> flask.Response:
            return rcml_flask.rcml_response(handler(rcml_flask.call_request()))

        app.add_url_rule(path, endpoint=path, view_func=view, methods=METHODS)
    return app


def starlette_app(routes: Mapping[str, Handler]) -> Starlette:
    def endpoint(handler: Handler) -> Callable[[Request], object]:
        async def respond(request: Request) -> Response:
            call = await rcml_starlette.call_request(request)
            return rcml_starlette.RCMLResponse(handler(call))

        return respond

    return Starlette(
        routes=[Route(path, endpoint(h), methods=METHODS) for path, h in routes.items()]
    )
