"""Listing calls: the seeds' filters, paging fields and SortBy, over loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from rcml._serve import SqliteStore, StoredCall
from rcml._serve._store import stamp
from tests.serve.conftest import ACCOUNT, OTHER, Serve

EPOCH = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _call(i: int, **changes: Any) -> StoredCall:
    created = EPOCH + timedelta(minutes=i)
    call = StoredCall(
        sid=f"CA{i:032x}",
        account_sid=ACCOUNT.sid,
        from_=["alice", "bob", "+15550001111"][i % 3],
        to=f"+1555000{i % 4:04d}",
        to_uri=f"+1555000{i % 4:04d}",
        direction=["outbound-api", "inbound"][i % 2],
        status=["completed", "busy", "no-answer"][i % 3],
        date_created=stamp(created),
        date_updated=stamp(created),
        start_time=stamp(created + timedelta(seconds=1)),
        end_time=stamp(created + timedelta(seconds=1 + i)),
        duration=i,
    )
    for k, v in changes.items():
        setattr(call, k, v)
    return call


@pytest.fixture
def seeded(serve: Serve) -> Serve:
    store = SqliteStore(serve.db)
    for i in range(7):
        store.insert_call(_call(i))
    store.insert_call(_call(100, account_sid=OTHER.sid, sid="CA" + "f" * 32))
    store.insert_call(_call(8, sid="CA" + "e" * 32, parent_call_sid=f"CA{1:032x}"))
    store.close()
    return serve


def _list(serve: Serve, **params: Any) -> dict[str, Any]:
    response = serve.client.get(serve.calls + ".json", params=params)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_page_size_one_gives_the_seeds_paging_fields(seeded: Serve) -> None:
    body = _list(seeded, PageSize=1)
    first = f"CA{0:032x}"
    base = seeded.calls + ".json"
    assert {k: v for k, v in body.items() if k != "calls"} == {
        "page": 0,
        "num_pages": 8,
        "page_size": 1,
        "total": 8,
        "start": "0",
        "end": "0",
        "uri": base,
        "first_page_uri": f"{base}?Page=0&PageSize=1",
        "previous_page_uri": "null",
        "next_page_uri": f"{base}?Page=1&PageSize=1&AfterSid={first}",
        "last_page_uri": f"{base}?Page=8&PageSize=1",
    }
    assert [c["sid"] for c in body["calls"]] == [first]


def test_following_next_page_uri_visits_every_call_once(seeded: Serve) -> None:
    seen: list[str] = []
    uri: str = seeded.calls + ".json?PageSize=3"
    while uri != "null":
        body = seeded.client.get(uri).json()
        seen += [c["sid"] for c in body["calls"]]
        uri = body["next_page_uri"]
    assert len(seen) == len(set(seen)) == 8


def test_page_number_without_after_sid_is_an_offset(seeded: Serve) -> None:
    body = _list(seeded, Page=2, PageSize=3)
    assert [c["duration"] for c in body["calls"]] == [6, 8]
    assert body["start"] == "6"
    assert body["previous_page_uri"].endswith("?Page=1&PageSize=3")
    assert body["next_page_uri"] == "null"


def test_empty_list_as_the_seeds_show_it(serve: Serve) -> None:
    response = serve.client.get(serve.calls)
    calls = etree.fromstring(response.content).find("Calls")
    assert calls is not None
    assert dict(calls.attrib) == {
        "page": "0",
        "numpages": "0",
        "pagesize": "50",
        "total": "0",
        "start": "0",
        "end": "0",
        "uri": serve.calls,
        "firstpageuri": f"{serve.calls}?Page=0&PageSize=50",
        "previouspageuri": "null",
        "nextpageuri": "null",
        "lastpageuri": f"{serve.calls}?Page=0&PageSize=50",
    }
    assert len(calls) == 0


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"From": "alice"}, [0, 3, 6]),
        ({"To": "+15550000001"}, [1, 5]),
        ({"Status": "busy"}, [1, 4]),
        ({"ParentCallSid": f"CA{1:032x}"}, [8]),
        ({"StartTime": "2024-05-01T12:05:00"}, [5, 6, 8]),
        ({"EndTime": "2024-05-01T12:01:02"}, [0, 1]),
        ({"StartTime>": "2024-05-01T12:06:00"}, [6, 8]),
        ({"StartTime<": "2024-05-01T12:01:01"}, [0, 1]),
        ({"StartTime": "2024-05-02"}, []),
        ({"From": "alice", "Status": "completed"}, [0, 3, 6]),
    ],
    ids=lambda v: str(v),
)
def test_filters(seeded: Serve, params: dict[str, str], expected: list[int]) -> None:
    body = _list(seeded, **params)
    assert [c["duration"] for c in body["calls"]] == expected
    assert body["total"] == len(expected)


def test_filters_are_carried_into_the_page_links(seeded: Serve) -> None:
    body = _list(seeded, From="alice", PageSize=1, SortBy="Duration:desc")
    assert body["next_page_uri"].endswith("&From=alice&SortBy=Duration%3Adesc")
    following = seeded.client.get(body["next_page_uri"]).json()
    assert [c["duration"] for c in following["calls"]] == [3]


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("DateCreated", "date_created", False),
        ("DateCreated:asc", "date_created", False),
        ("Duration:desc", "duration", True),
        ("From", "from", False),
        ("To:desc", "to", True),
        ("Direction", "direction", False),
        ("Status:desc", "status", True),
    ],
)
def test_sort_by(seeded: Serve, sort: str, key: str, reverse: bool) -> None:
    calls = _list(seeded, SortBy=sort)["calls"]
    values = [c[key] for c in calls]
    if key == "date_created":
        values = [c["duration"] for c in calls]  # created one minute apart, in order
    assert values == sorted(values, reverse=reverse)


def test_keyset_paging_with_a_sort_that_has_ties(seeded: Serve) -> None:
    seen: list[str] = []
    uri: str = seeded.calls + ".json?PageSize=2&SortBy=Status"
    while uri != "null":
        body = seeded.client.get(uri).json()
        seen += [c["sid"] for c in body["calls"]]
        uri = body["next_page_uri"]
    assert len(seen) == len(set(seen)) == 8


def test_another_accounts_calls_are_not_listed(seeded: Serve) -> None:
    assert "CA" + "f" * 32 not in {c["sid"] for c in _list(seeded, PageSize=100)["calls"]}
    response = seeded.client.get(f"{seeded.calls}/CA{'f' * 32}.json")
    assert response.status_code == 404
