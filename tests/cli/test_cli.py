"""The ``mailcore`` command as a user runs it: real processes, real exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mail import message


def run(data: Path, *args: str, input: bytes | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MAILCORE_DATA_DIR=str(data))
    env.pop("MAILCORE_CONFIG", None)
    proc = subprocess.run(
        [sys.executable, "-m", "mailcore", *args],
        input=input,
        capture_output=True,
        env=env,
        timeout=60,
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def ok(data: Path, *args: str, input: bytes | None = None) -> str:
    proc = run(data, *args, input=input)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert lines and lines[0].startswith("mailcore: error:"), proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "data"
    ok(path, "init")
    ok(path, "domain", "add", "example.com")
    ok(path, "account", "add", "bob@example.com", "--password-stdin", input=b"bob-password\n")
    return path


def test_accounts(data: Path) -> None:
    assert "bob@example.com" in ok(data, "account", "list")
    ok(data, "account", "add", "tmp@example.com", "--password-stdin", "--name", "Temp", input=b"pw\n")
    listed = json.loads(ok(data, "account", "list", "--json"))
    assert {a["address"] for a in listed} >= {"bob@example.com", "tmp@example.com"}
    ok(data, "account", "passwd", "tmp@example.com", "--password-stdin", input=b"new\n")
    ok(data, "account", "delete", "tmp@example.com", "--yes")
    assert "tmp@example.com" not in ok(data, "account", "list")


def test_deliver_then_search_and_threads(data: Path, tmp_path: Path) -> None:
    file = tmp_path / "m.eml"
    file.write_bytes(message("Invoice 42", "Please pay the invoice.", message_id="inv42@ext.org"))
    assert "delivered to bob@example.com" in ok(data, "deliver", "--to", "bob@example.com", str(file))
    ok(data, "deliver", "--to", "bob@example.com", input=message("From stdin", "piped in").replace(b"\r\n", b"\n"))
    items = json.loads(ok(data, "search", "bob@example.com", "invoice", "--json"))
    assert len(items) == 1
    item = items[0]
    for key in ("id", "message_id", "thread_id", "subject", "from", "date", "labels"):
        assert key in item
    assert item["subject"] == "Invoice 42" and item["message_id"] == "inv42@ext.org"
    assert "INBOX" in item["labels"]
    threads = json.loads(ok(data, "threads", "bob@example.com", "--json"))
    assert {t["subject"] for t in threads} >= {"Invoice 42", "From stdin"}
    assert "Invoice 42" in ok(data, "threads", "bob@example.com", "--label", "All Mail")


def test_import_mbox_and_maildir(data: Path, tmp_path: Path) -> None:
    mbox = tmp_path / "in.mbox"
    mbox.write_bytes(
        b"From x Mon Jan 05 10:00:00 2026\nX-Gmail-Labels: Inbox,Travel\nSubject: flight\n\nboarding pass\n\n"
        b"From x Mon Jan 05 11:00:00 2026\nSubject: hotel\n\nbooking\n"
    )
    assert "imported 2 messages" in ok(data, "import", "mbox", str(mbox), "--account", "bob@example.com")
    maildir = tmp_path / "md"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1.x:2,S").write_bytes(b"Subject: from maildir\n\nhello\n")
    assert "imported 1 messages" in ok(data, "import", "maildir", str(maildir), "--account", "bob@example.com")
    assert "flight" in ok(data, "search", "bob@example.com", "label:travel")


@pytest.mark.parametrize(
    ("args", "stdin", "expect"),
    [
        (("account", "add", "x@nowhere.org", "--password-stdin"), b"pw\n", "not a local domain"),
        (("account", "add", "bob@example.com", "--password-stdin"), b"pw\n", "exists"),
        (("account", "passwd", "ghost@example.com", "--password-stdin"), b"pw\n", "no such account"),
        (("deliver", "--to", "someone@elsewhere.org"), b"Subject: x\n\nx\n", "no such local recipient"),
        (("deliver", "--to", "bob@example.com", "/nonexistent/file.eml"), None, "No such file"),
        (("search", "ghost@example.com", "x"), None, "no such account"),
        (("search", "bob@example.com", "(unbalanced"), None, "malformed query"),
        (("import", "mbox", "/nonexistent.mbox", "--account", "bob@example.com"), None, "no such file"),
        (("threads", "bob@example.com", "--label", "Nope"), None, "no such label"),
        (("domain", "add", "not a domain"), None, "not a domain name"),
    ],
)
def test_errors_are_one_line(data: Path, args: tuple[str, ...], stdin: bytes | None, expect: str) -> None:
    line = one_line_error(run(data, *args, input=stdin))
    assert expect.lower() in line.lower()


def test_not_an_mbox(data: Path, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mbox"
    bogus.write_bytes(b"hello\n")
    assert "not an mbox" in one_line_error(run(data, "import", "mbox", str(bogus), "--account", "bob@example.com"))


def test_bad_listener_is_a_usage_error(data: Path) -> None:
    proc = run(data, "serve", "--listen", "bogus=1.2.3.4:99")
    assert proc.returncode == 2 and "ROLE=HOST:PORT" in proc.stderr and "Traceback" not in proc.stderr


def test_queue_list_shows_remote_mail(data: Path, tmp_path: Path) -> None:
    assert json.loads(ok(data, "queue", "list", "--json")) == []
    import trio

    import mailcore

    async def submit() -> None:
        async with mailcore.open_engine(mailcore.Config.load(data_dir=data)) as engine:
            bob = await engine.get_account("bob@example.com")
            await engine.submit(bob.id, message("out", sender="bob@example.com", to="x@remote.org"),
                                mail_from="bob@example.com", recipients=["x@remote.org"])

    trio.run(submit)
    [item] = json.loads(ok(data, "queue", "list", "--json"))
    assert item["to"] == ["x@remote.org"] and item["state"] == "ready"
    assert "x@remote.org" in ok(data, "queue", "list", "--account", "bob@example.com")


@pytest.mark.parametrize(
    "toml",
    ['[limits]\nmax_message_size = "big"\n', 'actor_idle_seconds = "soon"\n', "[limits]\nnot_a_limit = 3\n",
     "this is not toml"],
)
def test_bad_config_is_a_one_line_usage_error(data: Path, tmp_path: Path, toml: str) -> None:
    config = tmp_path / "mailcore.toml"
    config.write_text(toml)
    proc = run(data, "--config", str(config), "account", "list")
    assert proc.returncode == 2
    assert one_line_error(proc).startswith("mailcore: error:")
