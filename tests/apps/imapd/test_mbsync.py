"""A full sync by a real client: isync's mbsync against the daemon, both ways."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import trio

import mailcore
from tests.apps.imapd.client import Server
from tests.mail import message


@pytest.fixture(scope="session")
def mbsync() -> str:
    found = shutil.which("mbsync")
    if found is None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "isync"], env=env, capture_output=True, timeout=300
        )
        found = shutil.which("mbsync")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(
                "mbsync (Debian package isync) is required in CI and could not be installed"
            )
        pytest.skip("mbsync (Debian package isync) is not installed")
    return found


def _config(tmp_path: Path, server: Server) -> Path:
    maildir = tmp_path / "mail"
    maildir.mkdir()
    config = tmp_path / "mbsyncrc"
    config.write_text(
        f"""IMAPAccount bob
Host localhost
Port {server.imaps_port}
User bob@example.com
Pass bob-password
SSLType IMAPS
CertificateFile {server.cert}
AuthMechs PLAIN

IMAPStore remote
Account bob

MaildirStore local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel bob
Far :remote:
Near :local:
Patterns INBOX Work Sent Drafts
Create Both
Expunge Both
SyncState *
"""
    )
    return config


async def _run(mbsync: str, config: Path) -> None:
    result = await trio.run_process(
        [mbsync, "-c", str(config), "-a"], capture_stdout=True, capture_stderr=True, check=False
    )
    assert result.returncode == 0, (result.stdout.decode(), result.stderr.decode())


def _messages(folder: Path) -> dict[str, str]:
    """Subject -> maildir flags of every message in a folder."""
    out = {}
    for sub in ("cur", "new"):
        for path in (folder / sub).iterdir():
            subject = next(
                line.split(":", 1)[1].strip()
                for line in path.read_text().splitlines()
                if line.startswith("Subject:")
            )
            out[subject] = path.name.rpartition(":2,")[2] if ":2," in path.name else ""
    return out


async def test_mbsync_full_sync_both_ways(
    mbsync: str, server: Server, engine: mailcore.Engine, bob: mailcore.Account, tmp_path: Path
) -> None:
    with trio.fail_after(60):
        await engine.append(bob.id, "INBOX", message("plain one"))
        await engine.append(bob.id, "INBOX", message("flagged one"), flags=["\\Flagged", "\\Seen"])
        await engine.append(bob.id, "INBOX", message("to delete"))
        await engine.create_label(bob.id, "Work")
        await engine.append(bob.id, "Work", message("work item"), flags=["\\Answered"])
        config = _config(tmp_path, server)

        await _run(mbsync, config)
        maildir = tmp_path / "mail"
        inbox = _messages(maildir / "INBOX")
        assert inbox == {"plain one": "", "flagged one": "FS", "to delete": ""}
        assert _messages(maildir / "Work") == {"work item": "R"}

        # Local changes: read "plain one", delete "to delete", file a new draft.
        for sub in ("cur", "new"):
            for path in (maildir / "INBOX" / sub).iterdir():
                text = path.read_text()
                if "Subject: plain one" in text:
                    base = path.name.partition(":2,")[0]
                    path.rename(maildir / "INBOX" / "cur" / f"{base}:2,S")
                elif "Subject: to delete" in text:
                    path.unlink()
        drafts = maildir / "Drafts"
        (drafts / "cur").mkdir(parents=True, exist_ok=True)
        for sub in ("new", "tmp"):
            (drafts / sub).mkdir(exist_ok=True)
        (drafts / "cur" / "1700000000.1.local:2,D").write_bytes(message("my draft"))

        await _run(mbsync, config)
        subjects = {}
        for meta in await engine.fetch(bob.id, "INBOX"):
            subjects[meta.subject] = meta.flags
        assert set(subjects) == {"plain one", "flagged one"}
        assert "\\Seen" in subjects["plain one"]
        assert {m.subject for m in await engine.fetch(bob.id, "Drafts")} == {"my draft"}
        # Gmail semantics: expunged from INBOX, the message is still in All Mail.
        assert "to delete" in {m.subject for m in await engine.fetch(bob.id, "All Mail")}
