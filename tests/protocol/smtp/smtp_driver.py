"""A tiny synchronous driver for ``SMTPServer``: feed bytes, answer events
with a policy, collect the events and the bytes written back."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mailcore.protocol.smtp import (
    CloseConnection,
    Decision,
    Event,
    NeedData,
    ProtocolReply,
    Reply,
    SMTPLimits,
    SMTPServer,
    StartTLS,
)

Policy = Callable[[Decision], Reply | None]


def accept_all(event: Decision) -> Reply | None:
    return None


class Session:
    """One server session driven like an app would, minus the socket."""

    def __init__(
        self,
        policy: Policy = accept_all,
        *,
        limits: SMTPLimits | None = None,
        tls_available: bool = True,
        tls_active: bool = False,
        require_tls_for_auth: bool = True,
        require_auth_for_mail: bool = False,
        greet: bool = True,
    ) -> None:
        self.conn = SMTPServer(
            "mx.test",
            limits or SMTPLimits(),
            tls_available=tls_available,
            tls_active=tls_active,
            require_tls_for_auth=require_tls_for_auth,
            require_auth_for_mail=require_auth_for_mail,
        )
        self.policy = policy
        self.events: list[Event] = []
        self.out = bytearray()
        self.closed = False
        self.start_tls_on_accept = True
        if greet:
            self.out += self.conn.greeting()

    def feed(self, data: bytes, chunks: Iterable[int] | None = None) -> list[Event]:
        """Feed ``data`` (in pieces of the given sizes, if any) and run the
        event loop after each piece; return the new events."""
        start = len(self.events)
        if chunks is None:
            pieces = [data]
        else:
            pieces, pos = [], 0
            for size in chunks:
                pieces.append(data[pos : pos + size])
                pos += size
            pieces.append(data[pos:])
        for piece in pieces:
            if self.closed:
                break
            if piece:
                self.conn.receive_data(piece)
            self.pump()
        return self.events[start:]

    def eof(self) -> list[Event]:
        start = len(self.events)
        self.conn.receive_data(b"")
        self.pump()
        return self.events[start:]

    def pump(self) -> None:
        while not self.closed:
            event = self.conn.next_event()
            if isinstance(event, NeedData):
                return
            self.events.append(event)
            match event:
                case ProtocolReply(reply=reply):
                    self.out += self.conn.send(reply)
                case CloseConnection():
                    self.closed = True
                case StartTLS():
                    answer = self.policy(event)
                    if answer is None:
                        self.out += self.conn.accept()
                        if self.start_tls_on_accept:
                            self.conn.tls_started()
                    else:
                        self.out += self.conn.send(answer)
                case _:
                    answer = self.policy(event)
                    self.out += self.conn.accept() if answer is None else self.conn.send(answer)

    def replies(self) -> list[str]:
        """Each reply as its last line, without CRLF (the greeting included)."""
        lines = bytes(self.out).decode("utf-8").split("\r\n")
        assert lines[-1] == ""
        return [line for line in lines[:-1] if line[3:4] != "-"]

    def codes(self) -> list[str]:
        """Reply code and enhanced code of each reply, e.g. '250 2.1.0'."""
        result = []
        for line in self.replies():
            parts = line.split(" ")
            if len(parts) > 1 and parts[1][:1].isdigit() and "." in parts[1]:
                result.append(f"{parts[0]} {parts[1]}")
            else:
                result.append(parts[0])
        return result

    def take_codes(self) -> list[str]:
        codes = self.codes()
        self.out.clear()
        return codes
