"""``rcml serve`` as a user runs it: a real process on a free loopback port."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from click.testing import CliRunner

from rcml._cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _start(db: Path, *args: str) -> tuple[subprocess.Popen[str], list[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "rcml", "serve", "--port", "0", "--db", str(db), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    while not lines or not lines[-1].startswith("rcml serve:"):
        line = process.stdout.readline()
        if not line:
            raise AssertionError(f"rcml serve exited: {process.communicate()[1]}")
        lines.append(line.strip())
    return process, lines


def _stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGINT)
    try:
        return process.wait(15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_first_start_creates_and_prints_a_dev_account(tmp_path: Path) -> None:
    db = tmp_path / "calls.sqlite"
    process, lines = _start(db)
    try:
        created = re.fullmatch(
            r"Created a dev account: AccountSid=(AC\w{32}) AuthToken=(\w+)", lines[0]
        )
        assert created is not None
        sid, token = created.groups()
        url = lines[-1].removeprefix("rcml serve: ")
        assert url.startswith("http://127.0.0.1:") and url.endswith(f"/Accounts/{sid}/Calls")
        answer = httpx.get(url + ".json", auth=(sid, token))
        assert answer.json()["total"] == 0
        assert httpx.get(url + ".json").status_code == 401
    finally:
        assert _stop(process) == 0
    process, lines = _start(db)
    try:
        assert len(lines) == 1  # the account is in the database now: nothing to print
    finally:
        _stop(process)


def test_accounts_from_flags_and_a_file(tmp_path: Path) -> None:
    accounts = tmp_path / "accounts.toml"
    accounts.write_text('[[account]]\nsid = "ACfile"\nauth_token = "t1"\nemail = "me@x"\n')
    process, lines = _start(
        tmp_path / "calls.sqlite",
        "--accounts",
        str(accounts),
        "--account-sid",
        "ACflag",
        "--auth-token",
        "t2",
    )
    try:
        assert not any(line.startswith("Created") for line in lines)
        base = lines[-1].removeprefix("rcml serve: ").split("/restcomm/")[0]
        for user, token, sid in (("me@x", "t1", "ACfile"), ("ACflag", "t2", "ACflag")):
            url = f"{base}/restcomm/2012-04-24/Accounts/{sid}/Calls.json"
            assert httpx.get(url, auth=(user, token)).status_code == 200
    finally:
        _stop(process)


def test_usage_errors_are_one_line() -> None:
    result = CliRunner().invoke(cli, ["serve", "--account-sid", "AC1"])
    assert result.exit_code == 2
    assert "give --account-sid and --auth-token together" in result.output


def test_a_database_that_cannot_be_opened(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(tmp_path / "no" / "such" / "x.db")])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot open the database")
    assert "Traceback" not in result.output


def test_a_bad_accounts_file(tmp_path: Path) -> None:
    bad = tmp_path / "accounts.toml"
    bad.write_text("[[account]]\nsid = 1\n")
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(tmp_path / "c.db"), "--accounts", str(bad)]
    )
    assert result.exit_code == 1
    assert "needs sid and auth_token" in result.output


def test_a_port_in_use(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            cli, ["serve", "--db", str(tmp_path / "c.db"), "--port", str(port)]
        )
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output
