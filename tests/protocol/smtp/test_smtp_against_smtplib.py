"""Cross-check: Python's own ``smtplib`` client against the engine.

The engine is served over one end of a ``socket.socketpair()`` by a tiny
synchronous loop in a thread; ``smtplib`` talks to the other end.  This
proves a real client parses our replies (multi-line EHLO, enhanced codes,
334 challenges, pipelined replies).
"""

from __future__ import annotations

import smtplib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from mailcore.protocol.smtp import (
    AuthAttempt,
    CloseConnection,
    Event,
    MessageComplete,
    NeedData,
    ProtocolReply,
    SMTPServer,
    StartTLS,
    replies,
)


def _serve(sock: socket.socket, conn: SMTPServer, events: list[Event]) -> None:
    out = bytearray(conn.greeting())
    with sock:
        while True:
            event = conn.next_event()
            if isinstance(event, NeedData):
                sock.sendall(out)
                out.clear()
                conn.receive_data(sock.recv(65536))
                continue
            events.append(event)
            match event:
                case ProtocolReply(reply=reply):
                    out += conn.send(reply)
                case CloseConnection():
                    sock.sendall(out)
                    return
                case AuthAttempt(password=password):
                    out += conn.accept() if password == "s3cret" else conn.reject()
                case StartTLS():
                    out += conn.reject()
                case MessageComplete():
                    out += conn.accept(f"OK: queued as Q{len(events)}")
                case _:
                    out += conn.accept()


class _PairSMTP(smtplib.SMTP):
    def __init__(self, sock: socket.socket) -> None:
        self._pair = sock
        super().__init__(local_hostname="client.test")

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return self._pair


@contextmanager
def served(**kw: bool) -> Iterator[tuple[_PairSMTP, list[Event]]]:
    server_sock, client_sock = socket.socketpair()
    server_sock.settimeout(10)
    client_sock.settimeout(10)
    events: list[Event] = []
    conn = SMTPServer("mx.test", **kw)  # type: ignore[arg-type]
    thread = threading.Thread(target=_serve, args=(server_sock, conn, events), daemon=True)
    thread.start()
    client = _PairSMTP(client_sock)
    try:
        code, _ = client.connect("mx.test", 25)
        assert code == 220
        yield client, events
    finally:
        client.close()
        thread.join(10)
        assert not thread.is_alive()


def test_pipelined_transaction_with_smtplib() -> None:
    with served() as (client, events):
        client.ehlo()
        assert client.has_extn("pipelining") and client.has_extn("chunking")
        assert client.esmtp_features["size"] == "36700160"
        client.send(
            b"MAIL FROM:<alice@example.com> BODY=8BITMIME\r\n"
            b"RCPT TO:<bob@example.net>\r\n"
            b"RCPT TO:<carol@example.net> NOTIFY=FAILURE\r\n"
            b"DATA\r\n"
        )
        assert [client.getreply()[0] for _ in range(4)] == [250, 250, 250, 354]
        client.send(
            smtplib.quotedata("Subject: hi\r\n\r\n.dot first\r\nbye\r\n").encode() + b".\r\n"
        )
        code, text = client.getreply()
        assert code == 250 and text.startswith(b"2.0.0 OK: queued as Q")
        # And an ordinary, unpipelined transaction through sendmail().
        refused = client.sendmail("alice@example.com", ["dave@example.net"], b"Subject: 2\r\n\r\nx")
        assert refused == {}
        assert client.verify("bob") == (
            252,
            b"2.1.5 Cannot VRFY user, but will accept message and attempt delivery",
        )
        assert client.noop() == (250, b"2.0.0 OK")
        client.quit()
    messages = [e for e in events if isinstance(e, MessageComplete)]
    assert [m.data for m in messages] == [
        b"Subject: hi\r\n\r\n.dot first\r\nbye\r\n",
        b"Subject: 2\r\n\r\nx\r\n",
    ]
    assert [r.path.local for r in messages[0].recipients] == ["bob", "carol"]
    assert isinstance(events[-1], CloseConnection)


def test_auth_plain_and_login_with_smtplib() -> None:
    with served(tls_active=True) as (client, events):
        client.ehlo()
        assert client.esmtp_features["auth"].split() == ["PLAIN", "LOGIN"]
        try:
            client.login("alice", "wrong")
        except smtplib.SMTPAuthenticationError as exc:
            assert exc.smtp_code == 535
        else:
            raise AssertionError("login with a bad password succeeded")
        client.user, client.password = "alice", "s3cret"
        code, _ = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
        assert code == 235
        client.sendmail("alice@example.com", ["bob@example.net"], b"Subject: a\r\n\r\nhi\r\n")
        client.quit()
    attempts = [e for e in events if isinstance(e, AuthAttempt)]
    assert [(a.mechanism, a.username, a.password) for a in attempts] == [
        ("PLAIN", "alice", "wrong"),
        ("LOGIN", "alice", "wrong"),  # smtplib.login() tries every mechanism
        ("LOGIN", "alice", "s3cret"),
    ]


def test_auth_plain_login_succeeds_with_smtplib() -> None:
    with served(tls_active=True, require_auth_for_mail=True) as (client, events):
        client.ehlo()
        try:
            client.sendmail("a@example.com", ["b@example.net"], b"x")
        except smtplib.SMTPSenderRefused as exc:
            assert exc.smtp_code == 530
        assert client.login("alice", "s3cret") == (235, b"2.7.0 Authentication successful")
        client.sendmail("a@example.com", ["b@example.net"], b"x")
        client.quit()
    assert sum(isinstance(e, MessageComplete) for e in events) == 1
    assert replies.AUTH_SUCCEEDED.code == 235
