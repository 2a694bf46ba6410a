"""A tiny synchronous application around ``IMAPServer``: feed client lines, answer
the decisions from a few accounts and mailboxes held in dicts, and collect the
events and the lines written back. No socket, no engine, no trio."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import attrs

from mailcore.protocol.imap import (
    AnnounceUpdates,
    BeginTLS,
    CloseConnection,
    Command,
    ExecuteCommand,
    IMAPServer,
    LoginAttempt,
    NeedData,
    Output,
    SelectMailbox,
    ServerEvent,
)

MAX_MESSAGE_SIZE = 1_000_000


@attrs.define
class Mailbox:
    messages: int = 0
    uidvalidity: int = 1
    uidnext: int = 1
    highest_modseq: int = 1


#: What the application does with an ExecuteCommand: write lines and return
#: a response code for the tagged OK, or raise ``Refused`` to fail it.
Runner = Callable[["Client", Command], bytes | None]


class Refused(Exception):
    """Raised by a runner: the command fails with ``status [code] text``."""

    def __init__(self, status: Literal["NO", "BAD"], text: str, code: str | None = None) -> None:
        super().__init__(text)
        self.status, self.text, self.code = status, text, code


def complete_quietly(client: Client, command: Command) -> bytes | None:
    return None


class Client:
    """One connection to an ``IMAPServer``, driven like the daemon drives it."""

    def __init__(
        self,
        *,
        tls_active: bool = True,
        tls_available: bool = True,
        require_tls_for_login: bool = True,
        run: Runner = complete_quietly,
    ) -> None:
        self.server = IMAPServer(
            max_literal_size=2 * MAX_MESSAGE_SIZE,
            max_message_size=MAX_MESSAGE_SIZE,
            tls_active=tls_active,
            tls_available=tls_available,
            require_tls_for_login=require_tls_for_login,
            unauthenticated_literal_size=8192,
            unauthenticated_timeout=60.0,
            identity={"name": "mailcore", "version": "test"},
        )
        self.accounts = {"bob": "secret"}
        self.mailboxes = {"INBOX": Mailbox(172, 3857529045, 4392, 715194045007), "Sent": Mailbox()}
        self.run = run
        #: pending changes of the selected mailbox, written at AnnounceUpdates
        self.news: list[bytes] = []
        self.events: list[ServerEvent] = []
        self.out = bytearray(self.server.greeting())
        self.closed = False
        self.start_tls = True

    # -- the client's side --------------------------------------------------

    def greeting(self) -> list[str]:
        return self.take()

    def say(self, *lines: str) -> list[str]:
        """Send command lines (CRLF added); return the lines the server wrote."""
        return self.feed("".join(line + "\r\n" for line in lines).encode())

    def feed(self, data: bytes) -> list[str]:
        self.take()
        if data:
            self.server.receive_data(data)
        self.pump()
        return self.take()

    def take(self) -> list[str]:
        text = bytes(self.out).decode("utf-8")
        self.out.clear()
        assert text == "" or text.endswith("\r\n"), text
        return text.split("\r\n")[:-1]

    def decisions(self) -> list[ServerEvent]:
        return [
            e for e in self.events if isinstance(e, LoginAttempt | SelectMailbox | ExecuteCommand)
        ]

    # -- the application's side -----------------------------------------------

    def pump(self) -> None:
        while not self.closed:
            event = self.server.next_event()
            if isinstance(event, NeedData):
                return
            self.events.append(event)
            match event:
                case Output(data=data):
                    self.out += data
                case AnnounceUpdates(allow_expunge=allow):
                    kept = [n for n in self.news if not allow and b"EXPUNGE" in n]
                    self.out += b"".join(n for n in self.news if n not in kept)
                    self.news = kept
                case LoginAttempt(username=username, password=password):
                    if self.accounts.get(username) == password:
                        self.server.logged_in()
                    else:
                        self.server.fail("NO", "Authentication failed", "AUTHENTICATIONFAILED")
                case SelectMailbox(mailbox=name):
                    box = self.mailboxes.get(name)
                    if box is None:
                        self.server.fail("NO", "No such mailbox", "NONEXISTENT")
                    else:
                        self.out += self.server.selected(
                            messages=box.messages,
                            uidvalidity=box.uidvalidity,
                            uidnext=box.uidnext,
                            highest_modseq=box.highest_modseq,
                        )
                        self.server.complete()
                case ExecuteCommand(command=command):
                    try:
                        code = self.run(self, command)
                    except Refused as exc:
                        self.server.fail(exc.status, exc.text, exc.code)
                    else:
                        self.server.complete(code)
                case BeginTLS():
                    if not self.start_tls:
                        return  # the test does the handshake itself
                    self.server.tls_started()
                case CloseConnection():
                    self.closed = True
