"""Bad input: authentication, missing and malformed parameters, unknown calls, big bodies.

Every error is a JSON (``.json``) or XML body naming the problem; never a 500.
"""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from tests.serve.conftest import ACCOUNT, OTHER, Serve


def test_no_credentials_is_401(serve: Serve) -> None:
    response = httpx.get(serve.url + serve.calls + ".json")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert response.json()["code"] == 20003


@pytest.mark.parametrize(
    "auth",
    [(ACCOUNT.sid, "wrong"), ("ACnobody", ACCOUNT.auth_token), (ACCOUNT.sid, "")],
    ids=["bad-token", "unknown-user", "empty-token"],
)
def test_wrong_credentials_are_401(serve: Serve, auth: tuple[str, str]) -> None:
    assert httpx.get(serve.url + serve.calls + ".json", auth=auth).status_code == 401


def test_garbage_authorization_header_is_401(serve: Serve) -> None:
    response = httpx.get(serve.url + serve.calls, headers={"authorization": "Basic %%%"})
    assert response.status_code == 401
    assert etree.fromstring(response.content).findtext("RestException/Code") == "20003"


def test_the_email_address_is_a_user_name_too(serve: Serve) -> None:
    auth = ("one@example.com", ACCOUNT.auth_token)
    assert httpx.get(serve.url + serve.calls + ".json", auth=auth).status_code == 200


def test_another_accounts_path_is_404_not_403(serve: Serve) -> None:
    sid = serve.create()["sid"]
    with httpx.Client(base_url=serve.url, auth=(OTHER.sid, OTHER.auth_token)) as other:
        # OTHER asks for ACCOUNT's calls under ACCOUNT's path: no hint that they exist.
        assert other.get(serve.calls + ".json").status_code == 404
        assert other.get(f"{serve.calls}/{sid}.json").status_code == 404
        # ... and under its own path the call is simply not there.
        own = f"/restcomm/2012-04-24/Accounts/{OTHER.sid}/Calls"
        assert other.get(f"{own}/{sid}.json").status_code == 404
        assert other.get(own + ".json").json()["total"] == 0


def test_unknown_call_is_404(serve: Serve) -> None:
    response = serve.client.get(f"{serve.calls}/CA{'0' * 32}.json")
    assert response.status_code == 404
    assert response.json()["code"] == 20404


def test_unknown_path_is_a_404_body(serve: Serve) -> None:
    response = serve.client.get("/restcomm/2012-04-24/Nothing.json")
    assert (response.status_code, response.json()["status"]) == (404, 404)


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"From": "+1555", "Url": "http://x/"}, "To"),
        ({"To": "+1555", "Url": "http://x/"}, "From"),
        ({"From": "+1555", "To": "+1556"}, "Url"),
        ({"From": "+1555", "To": "+1556", "Url": "not a url"}, "Url"),
        ({"From": "+1555", "To": "+1556", "Url": "file:///etc/passwd"}, "Url"),
        ({"From": "+1555", "To": "+1556", "Url": "http://x/", "Method": "PUT"}, "Method"),
        ({"From": "+1555", "To": "+1556", "Url": "http://x/", "Timeout": "soon"}, "Timeout"),
        ({"From": "+1555", "To": "+1556", "Url": "http://x/", "Timeout": "0"}, "Timeout"),
        (
            {"From": "+1555", "To": "+1556", "Url": "http://x/", "StatusCallback": "ftp://x"},
            "StatusCallback",
        ),
        (
            {"From": "+1555", "To": "+1556", "Url": "http://x/", "StatusCallbackEvent": "hungup"},
            "StatusCallbackEvent",
        ),
        ({"From": "+1555", "To": "+1556", "Rcml": "<Response>"}, "Rcml"),
        ({"From": "+1555", "To": "+1556", "Url": "http://x/", "Rcml": "<Response/>"}, "Url"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_bad_create_parameters_are_400_naming_the_parameter(
    serve: Serve, params: dict[str, str], names: str
) -> None:
    response = serve.client.post(serve.calls + ".json", data=params)
    assert response.status_code == 400
    assert names in response.json()["message"]
    xml = serve.client.post(serve.calls, data=params)
    assert xml.status_code == 400
    assert names in (etree.fromstring(xml.content).findtext("RestException/Message") or "")


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"PageSize": "0"}, "PageSize"),
        ({"PageSize": "1001"}, "PageSize"),
        ({"Page": "-1"}, "Page"),
        ({"Page": "x"}, "Page"),
        ({"Status": "lost"}, "Status"),
        ({"SortBy": "Price"}, "SortBy"),
        ({"SortBy": "To:sideways"}, "SortBy"),
        ({"StartTime": "yesterday"}, "StartTime"),
        ({"EndTime<": "2024-13-01"}, "EndTime<"),
    ],
)
def test_bad_list_parameters_are_400(serve: Serve, params: dict[str, str], name: str) -> None:
    response = serve.client.get(serve.calls + ".json", params=params)
    assert response.status_code == 400
    assert name in response.json()["message"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({}, "Url"),
        ({"Status": "paused"}, "Status"),
        ({"Mute": "maybe"}, "Mute"),
        ({"ChildCallMode": "Juggle", "Url": "http://x/"}, "ChildCallMode"),
        ({"Url": "relative/path"}, "Url"),
    ],
)
def test_bad_modify_parameters_are_400(serve: Serve, params: dict[str, str], name: str) -> None:
    sid = serve.create("/long.xml")["sid"]
    response = serve.client.post(f"{serve.calls}/{sid}.json", data=params)
    assert response.status_code == 400
    assert name in response.json()["message"]
    serve.client.post(f"{serve.calls}/{sid}.json", data={"Status": "completed"})


def test_a_json_body_is_400(serve: Serve) -> None:
    response = serve.client.post(serve.calls + ".json", json={"To": "+1"})
    assert response.status_code == 400


def test_huge_bodies_are_refused_before_they_are_read(serve: Serve) -> None:
    big = {"From": "+1555", "To": "+1556", "Url": "http://x/", "Pad": "x" * 200_000}
    response = serve.client.post(serve.calls + ".json", data=big)
    assert response.status_code == 413
    assert response.json()["status"] == 413


def test_a_streamed_body_without_length_is_bounded_too(serve: Serve) -> None:
    def chunks():  # type: ignore[no-untyped-def]
        for _ in range(100):
            yield b"x" * 10_000

    response = serve.client.post(serve.calls + ".json", content=chunks())
    assert response.status_code == 413


def test_too_many_form_fields_is_400(serve: Serve) -> None:
    body = "&".join(f"f{i}=1" for i in range(500))
    response = serve.client.post(
        serve.calls + ".json",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
