"""Flask: return RCML from a view, read RestComm's parameters.

::

    from flask import Flask
    from rcml import Response
    from rcml.integrations.flask import call_request, rcml_response

    app = Flask(__name__)

    @app.post("/ivr/main")
    def main():
        call = call_request()
        r = Response().say(f"Hello {call.from_}")
        return rcml_response(r)
"""

from __future__ import annotations

import flask

from rcml._request import CallRequest
from rcml.integrations import CONTENT_TYPE, RCMLContent, to_body

__all__ = ["call_request", "rcml_response"]


def rcml_response(content: RCMLContent, status: int = 200) -> flask.Response:
    """A response carrying ``content`` as ``application/xml; charset=utf-8``."""
    return flask.Response(to_body(content), status=status, content_type=CONTENT_TYPE)


def call_request() -> CallRequest:
    """The parameters of the current request (form and query string), typed."""
    return CallRequest.from_form(flask.request.values)
