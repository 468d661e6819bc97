"""The ``rcml serve`` command (part of the CLI: it may import click, print and exit)."""

from __future__ import annotations

import contextlib
import socket
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from rcml._cli_options import profile_option, tts_engine


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    default="calls.sqlite",
    show_default=True,
    help="SQLite database of accounts, calls and recordings (created if missing).",
)
@click.option(
    "--scenarios",
    type=click.Path(file_okay=False, exists=True),
    help="Folder of caller scripts (TOML) saying how each called party behaves, keyed by"
    " their [call] to (or the file name); default.toml for everyone else.",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0.001),
    default=1.0,
    show_default=True,
    help="Virtual seconds per wall-clock second: 60 runs a one-minute call in a second.",
)
@click.option("--account-sid", help="An account to accept (with --auth-token).")
@click.option("--auth-token", help="The AuthToken of --account-sid.")
@click.option(
    "--accounts",
    "accounts_file",
    type=click.Path(dir_okay=False, exists=True),
    help="TOML file of [[account]] tables with sid, auth_token and an optional email.",
)
@click.option(
    "--recordings",
    "recordings_dir",
    type=click.Path(file_okay=False),
    help="Folder for recordings (default: <db>.recordings beside the database).",
)
@profile_option
@click.option(
    "--max-live",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Most calls in progress at once; more are refused with HTTP 429.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Most HTTP connections at once; more are answered 503.",
)
@click.option(
    "--audio",
    type=click.Choice(["none", "auto", "espeak", "pyttsx3", "placeholder"]),
    default="none",
    show_default=True,
    help="Render each call's audio with this TTS engine, so that recordings hold what the"
    " caller said (none: keep time only, silent recordings).",
)
def serve(
    host: str,
    port: int,
    db: str,
    scenarios: str | None,
    speed: float,
    account_sid: str | None,
    auth_token: str | None,
    accounts_file: str | None,
    recordings_dir: str | None,
    profile: str,
    max_live: int,
    max_connections: int,
    audio: str,
) -> None:
    """Serve the Calls API locally: create, list, steer and hang up rehearsed calls.

    Calls run in the rehearsal engine against the RCML at their Url, in real time unless
    --speed says otherwise. The RestComm paths are /restcomm/2012-04-24/Accounts/{Sid}/Calls
    (.json for JSON); Twilio's SDKs can use /2010-04-01 and SignalWire's /api/laml/2010-04-01.
    Stop with Ctrl-C: calls still in progress are stored as failed.
    """
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - a core dependency
        raise click.ClickException("rcml serve needs uvicorn: pip install uvicorn") from None

    from rcml._exceptions import RCMLError
    from rcml._serve import SqliteStore, create_app, new_account
    from rcml._serve._runner import load_scenarios
    from rcml._serve._store import Account

    if (account_sid is None) != (auth_token is None):
        raise click.UsageError("give --account-sid and --auth-token together")
    try:
        store = SqliteStore(db)
    except Exception as exc:
        raise click.ClickException(f"cannot open the database {db}: {exc}") from None
    for account in _accounts(accounts_file):
        store.add_account(account)
    if account_sid is not None and auth_token is not None:
        store.add_account(Account(account_sid, auth_token))
    if not store.accounts():
        dev = new_account("dev@rcml.local")
        store.add_account(dev)
        click.echo(f"Created a dev account: AccountSid={dev.sid} AuthToken={dev.auth_token}")
    try:
        scripts = load_scenarios(Path(scenarios)) if scenarios else {}
    except RCMLError as exc:
        raise click.ClickException(str(exc)) from None
    recordings = Path(recordings_dir) if recordings_dir else Path(db + ".recordings")
    options: dict[str, Any] = {}
    if audio != "none":
        options["media"] = _audio(audio)
    app = create_app(
        store,
        speed=speed,
        scenarios=scripts,
        recordings_dir=recordings,
        profile=profile,
        max_live=max_live,
        **options,
    )
    sock = _bind(host, port)
    actual = sock.getsockname()[1]
    first = store.accounts()[0].sid
    click.echo(f"rcml serve: http://{host}:{actual}/restcomm/2012-04-24/Accounts/{first}/Calls")
    sys.stdout.flush()
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        limit_concurrency=max_connections,
        timeout_graceful_shutdown=5,
    )
    # Ctrl-C is how a server is meant to stop: uvicorn shuts down gracefully (calls in
    # progress are stored as failed), then re-raises the signal, which is no error here.
    with contextlib.suppress(KeyboardInterrupt):
        uvicorn.Server(config).run(sockets=[sock])


def _audio(tts: str) -> Callable[[], Any]:
    """A factory of WAV backends sharing one TTS engine, checked before serving."""
    from rcml._media import WavBackend
    from rcml._rehearse import MediaError

    try:
        engine = tts_engine(tts, "serve")
    except MediaError as exc:
        raise click.ClickException(str(exc)) from None
    return lambda: WavBackend(tts=engine)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say TCP, and
    # without it each keep-alive response waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _accounts(path: str | None) -> list[Any]:
    from rcml._serve._store import Account

    if path is None:
        return []
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise click.ClickException(f"{path}: {exc}") from None
    tables = data.get("account", [])
    if not isinstance(tables, list):
        raise click.ClickException(f"{path}: expected [[account]] tables")
    accounts = []
    for i, table in enumerate(tables):
        sid, token = table.get("sid"), table.get("auth_token")
        if not isinstance(sid, str) or not isinstance(token, str):
            raise click.ClickException(f"{path}: account[{i}] needs sid and auth_token strings")
        email = table.get("email")
        accounts.append(Account(sid, token, email if isinstance(email, str) else None))
    return accounts
