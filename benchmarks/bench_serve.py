"""Throughput of ``rcml serve``: calls completed per second, and list-page latency.

Run by hand::

    python benchmarks/bench_serve.py [--calls 1000] [--stored 100000] [--speed 1000]
                                     [--concurrency 50] [--pages 300] [--json]

1. ``--stored`` calls are written to a fresh SQLite database (the server is not running).
2. ``rcml serve`` starts as its own process on a free loopback port at ``--speed``.
3. ``--calls`` short calls (inline RCML: a Say and a one-second Pause, so about two
   virtual seconds each) are created over loopback, ``--concurrency`` requests at a time;
   calls/s is ``--calls`` over the time from the first create until every call is listed
   as completed.
4. ``--pages`` list pages are fetched (PageSize=50), a mix of the first page, following
   ``next_page_uri`` (keyset paging), deep ``Page=N`` offsets, filters and SortBy;
   p50/p99 latency is reported for the mix and for each kind.

Goals (issue 7): >= 200 calls/s completed; list p99 < 50 ms with 100,000 stored calls.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from rcml._serve import Account, SqliteStore, StoredCall
from rcml._serve._store import stamp

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT = Account("AC" + "b" * 32, "bench-token")
RCML = '<Response><Say>Hi</Say><Pause length="1"/></Response>'


def seed(db: Path, count: int) -> None:
    store = SqliteStore(db)
    store.add_account(ACCOUNT)
    epoch = datetime(2024, 1, 1, tzinfo=UTC)
    rng = random.Random(7)
    store._db.execute("BEGIN")
    for i in range(count):
        created = epoch + timedelta(seconds=i * 7)
        duration = rng.randint(0, 600)
        status = rng.choice(["completed", "completed", "busy", "no-answer", "failed"])
        store.insert_call(
            StoredCall(
                sid=f"CA{i:032x}",
                account_sid=ACCOUNT.sid,
                from_=f"+1555{rng.randint(0, 999):07d}",
                to=f"+1666{rng.randint(0, 99):07d}",
                to_uri=f"+1666{rng.randint(0, 99):07d}",
                direction=rng.choice(["inbound", "outbound-api"]),
                status=status,
                date_created=stamp(created),
                date_updated=stamp(created + timedelta(seconds=duration)),
                start_time=stamp(created) if status == "completed" else None,
                end_time=stamp(created + timedelta(seconds=duration))
                if status == "completed"
                else None,
                duration=duration if status == "completed" else 0,
            )
        )
    store._db.execute("COMMIT")
    store.close()


def start(db: Path, speed: float) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rcml",
            "serve",
            "--port",
            "0",
            "--db",
            str(db),
            "--speed",
            str(speed),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.match(r"rcml serve: (http://[^/]+)", line)
    if match is None:
        raise SystemExit(f"rcml serve did not start: {line!r}")
    return process, match[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class _Connection:
    """A keep-alive HTTP/1.1 connection that sends prepared bytes and reads one answer.

    The load generator shares two cores with the server: httpx's per-request cost would
    be measured instead of the server's, so the create requests are written by hand.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def request(self, data: bytes) -> tuple[int, bytes]:
        self.writer.write(data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def create_calls(base: str, count: int, concurrency: int) -> tuple[float, float]:
    calls = f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls.json"
    host, port = base.removeprefix("http://").split(":")
    token = base64.b64encode(f"{ACCOUNT.sid}:{ACCOUNT.auth_token}".encode()).decode()

    def post(i: int) -> bytes:
        body = urlencode({"From": "+15550000000", "To": f"+1777{i:07d}", "Rcml": RCML}).encode()
        head = (
            f"POST {calls} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {token}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    connections = [await _Connection.open(host, int(port)) for _ in range(concurrency)]
    queue = list(range(count))
    created_at = time.perf_counter()

    async def worker(connection: _Connection) -> None:
        while queue:
            status, body = await connection.request(post(queue.pop()))
            if status != 200:
                raise SystemExit(f"create failed: {status} {body[:200]!r}")

    await asyncio.gather(*(worker(c) for c in connections))
    created = time.perf_counter() - created_at
    done = f"{calls}?Status=completed&From=%2B15550000000&PageSize=1"
    get = (f"GET {done} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {token}\r\n\r\n").encode()
    while True:
        _, body = await connections[0].request(get)
        if json.loads(body)["total"] >= count:
            break
        await asyncio.sleep(0.02)
    completed = time.perf_counter() - created_at
    for connection in connections:
        connection.close()
    return created, completed


def list_latency(base: str, pages: int, stored: int) -> dict[str, list[float]]:
    calls = f"/restcomm/2012-04-24/Accounts/{ACCOUNT.sid}/Calls.json"
    rng = random.Random(3)
    timings: dict[str, list[float]] = {
        "first": [],
        "next": [],
        "offset": [],
        "filter": [],
        "sort": [],
    }
    auth = (ACCOUNT.sid, ACCOUNT.auth_token)
    with httpx.Client(base_url=base, auth=auth, timeout=30) as client:
        client.get(calls)  # connect
        next_uri = calls + "?PageSize=50"
        for i in range(pages):
            kind = list(timings)[i % len(timings)]
            if kind == "first":
                url, params = calls, {"PageSize": "50"}
            elif kind == "next":
                url, params = next_uri, {}
            elif kind == "offset":
                url, params = calls, {"PageSize": "50", "Page": str(rng.randrange(stored // 50))}
            elif kind == "filter":
                url, params = calls, {"Status": "busy", "To": f"+1666{rng.randint(0, 99):07d}"}
            else:
                sort = rng.choice(["Duration:desc", "From", "To:desc", "Status", "Direction"])
                url, params = calls, {"SortBy": sort}
            began = time.perf_counter()
            response = client.get(url, params=params)
            timings[kind].append((time.perf_counter() - began) * 1000)
            response.raise_for_status()
            if kind == "next":
                next_uri = response.json()["next_page_uri"]
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--speed", type=float, default=1000.0)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "calls.sqlite"
        began = time.perf_counter()
        seed(db, args.stored)
        seeded = time.perf_counter() - began
        process, base = start(db, args.speed)
        try:
            created, completed = asyncio.run(create_calls(base, args.calls, args.concurrency))
            timings = list_latency(base, args.pages, args.stored)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(30)
    every = [t for values in timings.values() for t in values]
    result: dict[str, Any] = {
        "stored": args.stored,
        "seed_seconds": round(seeded, 2),
        "calls": args.calls,
        "speed": args.speed,
        "create_seconds": round(created, 3),
        "calls_per_second": round(args.calls / completed, 1),
        "list_p50_ms": round(statistics.median(every), 2),
        "list_p99_ms": round(percentile(every, 0.99), 2),
        "by_kind": {
            kind: {
                "p50_ms": round(statistics.median(v), 2),
                "p99_ms": round(percentile(v, 0.99), 2),
            }
            for kind, v in timings.items()
        },
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"stored calls:       {args.stored:,} (seeded in {seeded:.1f} s)")
    print(
        f"created {args.calls} calls in {created:.2f} s; all completed after {completed:.2f} s"
        f" -> {result['calls_per_second']} calls/s (goal >= 200)"
    )
    print(
        f"list pages (n={len(every)}): p50 {result['list_p50_ms']} ms,"
        f" p99 {result['list_p99_ms']} ms (goal p99 < 50)"
    )
    for kind, numbers in result["by_kind"].items():
        print(f"  {kind:<7} p50 {numbers['p50_ms']:>7} ms   p99 {numbers['p99_ms']:>7} ms")


if __name__ == "__main__":
    main()
