"""Speed of the offline interpreter on the example IVR.

Run by hand::

    python benchmarks/bench_rehearse.py [--count N] [--concurrent N] [--app builder|templates]

1. Sequential: the example IVR's caller scripts (examples/ivr/calls/*.toml, about seven
   documents per call) rehearsed in turn against the in-process ASGI app with the
   timing-only media backend, ``--count`` calls in all. Prints rehearsals/s and
   call-seconds simulated per wall-second. Goal: >= 200 rehearsals/s on one core.
   The reference measured in the same run: the same HTTP requests sent straight to
   the app through httpx (no interpreter), which is the floor any rehearsal pays.
2. Concurrent: ``--concurrent`` rehearsals started at once on one event loop against the
   same app. Prints wall time and the peak memory of the process. Goal: 1,000 within
   10 s and 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
import time
from pathlib import Path

import httpx

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
sys.path.insert(0, str(EXAMPLES))

import rcml  # noqa: E402
from rcml._rehearse._http import ASGIAppTransport, encode_params  # noqa: E402


def load(app_name: str) -> tuple[object, list[rcml.CallerScript]]:
    module = __import__(f"ivr.{app_name}", fromlist=["asgi_app"])
    scripts = [rcml.load_script(p) for p in sorted((EXAMPLES / "ivr/calls").glob("*.toml"))]
    return module.asgi_app, scripts


async def sequential(
    app: object, scripts: list[rcml.CallerScript], count: int
) -> tuple[float, float, int, list]:
    seconds = 0.0
    documents = 0
    calls = []
    start = time.perf_counter()
    for i in range(count):
        r = await rcml.arehearse(app, scripts[i % len(scripts)], seed=i)
        assert r.ok, r.problems
        seconds += r.call.end or 0.0
        documents += len(r.documents())
        calls.append(r)
    return time.perf_counter() - start, seconds, documents, calls[: len(scripts)]


async def replay(app: object, calls: list, count: int) -> float:
    """The same requests the rehearsals made, sent straight to the app: the floor."""
    requests = [
        [(q.method, q.url, encode_params(q.params)) for q in c.requests if q.status == 200]
        for c in calls
    ]
    start = time.perf_counter()
    for i in range(count):
        async with httpx.AsyncClient(transport=ASGIAppTransport(app)) as client:  # type: ignore[arg-type]
            for method, url, body in requests[i % len(requests)]:
                await client.request(
                    method,
                    url.split("?")[0],
                    content=body.encode(),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                )
    return time.perf_counter() - start


async def concurrent(app: object, scripts: list[rcml.CallerScript], n: int) -> float:
    start = time.perf_counter()
    results = await asyncio.gather(
        *(rcml.arehearse(app, scripts[i % len(scripts)], seed=i) for i in range(n))
    )
    wall = time.perf_counter() - start
    bad = [r.problems for r in results if not r.ok]
    assert not bad, bad[:3]
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--concurrent", type=int, default=1000)
    parser.add_argument("--app", choices=["app", "app_templates"], default="app")
    args = parser.parse_args()
    app, scripts = load(args.app)
    asyncio.run(sequential(app, scripts, len(scripts)))  # warm up imports and caches
    gc.collect()
    wall, seconds, documents, calls = asyncio.run(sequential(app, scripts, args.count))
    floor = asyncio.run(replay(app, calls, args.count))
    rate = args.count / wall
    print(
        f"sequential: {args.count} rehearsals in {wall:.2f} s = {rate:,.0f} rehearsals/s "
        f"({documents / args.count:.1f} documents per call)"
    )
    print(f"  simulated {seconds:,.0f} call-seconds = {seconds / wall:,.0f}x real time")
    print(
        f"  reference, the same HTTP requests without the interpreter: {floor:.2f} s "
        f"({args.count / floor:,.0f} calls/s); interpreter overhead {wall / floor:.2f}x"
    )
    print(f"  goal >= 200 rehearsals/s: {'met' if rate >= 200 else 'MISSED'}")
    gc.collect()
    wall = asyncio.run(concurrent(app, scripts, args.concurrent))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"concurrent: {args.concurrent} rehearsals at once in {wall:.2f} s, "
        f"peak memory {peak:,.0f} MB"
    )
    ok = wall <= 10 and peak <= 500
    print(f"  goal within 10 s and 500 MB: {'met' if ok else 'MISSED'}")


if __name__ == "__main__":
    main()
