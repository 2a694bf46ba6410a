"""SMTPServer driven with bytes, one protocol rule per test."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import TypeVar

import pytest
from smtp_driver import Session

from mailcore.protocol.smtp import (
    NEED_DATA,
    AuthAttempt,
    BodyType,
    CloseConnection,
    Decision,
    DsnNotify,
    DsnReturn,
    Helo,
    LocalProtocolError,
    MailFrom,
    MessageComplete,
    OriginalRecipient,
    ProtocolReply,
    Quit,
    RcptTo,
    Reply,
    Reset,
    SMTPLimits,
    SMTPServer,
    SMTPState,
    replies,
)

T = TypeVar("T")
TXN = b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def only(events: Sequence[object], kind: type[T]) -> list[T]:
    return [e for e in events if isinstance(e, kind)]


# -- greeting and EHLO ---------------------------------------------------


def test_greeting_and_ehlo_keywords() -> None:
    s = Session()
    s.feed(b"EHLO client.example\r\n")
    lines = bytes(s.out).decode().split("\r\n")
    assert lines[0] == "220 mx.test ESMTP ready"
    assert lines[1] == "250-mx.test Hello client.example"
    keywords = [line[4:] for line in lines[2:-1]]
    assert keywords == [
        "PIPELINING",
        "SIZE 36700160",
        "8BITMIME",
        "BINARYMIME",
        "CHUNKING",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "DSN",
        "STARTTLS",
        "HELP",
    ]
    assert lines[-2].startswith("250 ")
    assert s.events == [Helo("client.example", extended=True)]


def test_ehlo_after_tls_offers_auth_not_starttls() -> None:
    s = Session(tls_active=True)
    s.feed(b"EHLO c\r\n")
    text = bytes(s.out).decode()
    assert "STARTTLS" not in text
    assert "250-AUTH PLAIN LOGIN\r\n" in text


def test_auth_offered_in_clear_when_tls_not_required() -> None:
    s = Session(tls_available=False, require_tls_for_auth=False)
    s.feed(b"EHLO c\r\n")
    text = bytes(s.out).decode()
    assert "AUTH PLAIN LOGIN" in text and "STARTTLS" not in text


def test_helo_reply_is_plain_and_params_are_refused_after_helo() -> None:
    s = Session()
    s.feed(b"HELO c\r\nMAIL FROM:<a@example.com> SIZE=10\r\nMAIL FROM:<a@example.com>\r\n")
    assert s.codes() == ["220", "250", "555 5.5.4", "250 2.1.0"]
    assert s.replies()[1] == "250 mx.test Hello c"


def test_rejected_ehlo_leaves_session_unidentified() -> None:
    s = Session(policy=lambda e: Reply(550, "5.7.1", "go away") if isinstance(e, Helo) else None)
    s.feed(b"EHLO c\r\nMAIL FROM:<a@example.com>\r\n")
    assert s.codes() == ["220", "550 5.7.1", "503 5.5.1"]


def test_refused_greeting_serves_only_quit() -> None:
    conn = SMTPServer("mx.test")
    assert conn.greeting(replies.SERVICE_REFUSED) == b"554 5.3.2 No SMTP service here\r\n"
    s = Session(greet=False)
    s.conn = conn
    s.feed(b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nQUIT\r\n")
    assert s.codes() == ["503 5.5.1", "503 5.5.1", "221 2.0.0"]
    assert s.closed


# -- simple commands -----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (b"NOOP", "250 2.0.0"),
        (b"NOOP anything", "250 2.0.0"),
        (b"HELP", "214 2.0.0"),
        (b"VRFY postmaster", "252 2.1.5"),
        (b"EXPN staff", "252 2.1.5"),
        (b"VRFY", "501 5.5.4"),
        (b"RSET", "250 2.0.0"),
        (b"RSET now", "501 5.5.4"),
        (b"FOO bar", "500 5.5.1"),
        (b"DATA", "503 5.5.1"),
        (b"RCPT TO:<a@example.com>", "503 5.5.1"),
        (b"MAIL FROM:<a@example.com>", "503 5.5.1"),
        (b"QUIT", "221 2.0.0"),
        (b"noop", "250 2.0.0"),
    ],
)
def test_simple_command_replies(line: bytes, code: str) -> None:
    s = Session()
    s.feed(line + b"\r\n")
    assert s.codes() == ["220", code]


def test_vrfy_discloses_nothing() -> None:
    s = Session()
    s.feed(b"VRFY root\r\n")
    assert "root" not in s.replies()[-1]


def test_reset_drops_the_transaction() -> None:
    s = Session()
    s.feed(b"EHLO c\r\n" + TXN + b"RSET\r\nDATA\r\n")
    assert s.codes()[-2:] == ["250 2.0.0", "503 5.5.1"]
    assert only(s.events, Reset) == [Reset()]
    assert s.conn.mail_from is None


def test_quit_closes() -> None:
    s = Session()
    s.feed(b"QUIT\r\nNOOP\r\n")
    assert s.events[-2:] == [Quit(), CloseConnection("quit")]
    assert s.conn.state is SMTPState.CLOSED
    assert s.codes() == ["220", "221 2.0.0"]


def test_peer_close_ends_session() -> None:
    s = Session()
    s.feed(b"EHLO c\r\nMAIL FR")
    assert s.eof() == [CloseConnection("peer closed")]


def test_pipelined_commands_before_eof_are_served() -> None:
    s = Session()
    s.conn.receive_data(b"EHLO c\r\nNOOP\r\nQUIT\r\n")
    s.conn.receive_data(b"")
    s.pump()
    assert s.codes() == ["220", "250", "250 2.0.0", "221 2.0.0"]


def test_cross_protocol_request_closes() -> None:
    s = Session()
    s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n")
    assert s.codes() == ["220", "421 4.7.0"]
    assert s.closed


# -- transactions --------------------------------------------------------


def test_full_transaction_events_and_envelope() -> None:
    s = Session()
    s.feed(b"EHLO c\r\n" + TXN + b"DATA\r\nSubject: t\r\n\r\nbody\r\n.\r\n")
    (message,) = only(s.events, MessageComplete)
    assert isinstance(message, MessageComplete)
    assert message.data == b"Subject: t\r\n\r\nbody\r\n"
    assert message.mail_from.path is not None
    assert message.mail_from.path.address == "a@example.com"
    assert [r.path.address for r in message.recipients] == ["b@example.com"]
    assert not message.chunked
    assert s.codes()[-1] == "250 2.0.0"
    assert s.conn.mail_from is None  # ready for the next transaction


def test_queue_id_in_accept_text() -> None:
    s = Session()
    s.feed(b"EHLO c\r\n" + TXN + b"DATA\r\n")
    s.conn.receive_data(b"x\r\n.\r\n")
    event = s.conn.next_event()
    assert isinstance(event, MessageComplete)
    assert s.conn.accept("OK: queued as 7F3A") == b"250 2.0.0 OK: queued as 7F3A\r\n"


def test_message_reject_by_app_ends_transaction() -> None:
    def policy(e: Decision) -> Reply | None:
        return Reply(451, "4.3.0", "try later") if isinstance(e, MessageComplete) else None

    s = Session(policy)
    s.feed(b"EHLO c\r\n" + TXN + b"DATA\r\nx\r\n.\r\nRCPT TO:<c@example.com>\r\n")
    assert s.codes()[-2:] == ["451 4.3.0", "503 5.5.1"]


def test_null_sender_and_postmaster() -> None:
    s = Session()
    s.feed(b"EHLO c\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\n")
    (mail,) = only(s.events, MailFrom)
    (rcpt,) = only(s.events, RcptTo)
    assert isinstance(mail, MailFrom) and mail.path is None
    assert isinstance(rcpt, RcptTo) and rcpt.path.local == "Postmaster" and rcpt.path.domain == ""


def test_nested_mail_and_rcpt_null_path() -> None:
    s = Session()
    s.feed(b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<>\r\n")
    assert s.codes()[-2:] == ["503 5.5.1", "501 5.1.3"]


def test_data_without_accepted_recipient() -> None:
    s = Session(policy=lambda e: Reply(550, "5.1.1", "no") if isinstance(e, RcptTo) else None)
    s.feed(b"EHLO c\r\n" + TXN + b"DATA\r\n")
    assert s.codes()[-2:] == ["550 5.1.1", "554 5.5.1"]


def test_mail_syntax_errors() -> None:
    s = Session()
    s.feed(
        b"EHLO c\r\n"
        b"MAIL FROM:a@example.com\r\n"
        b"MAIL TO:<a@example.com>\r\n"
        b"MAIL FROM:<a@@example.com>\r\n"
        b"MAIL FROM:<a@example.com> BOGUS=1\r\n"
        b"MAIL FROM:<a@example.com> SIZE=big\r\n"
        b"MAIL FROM:<a@example.com> BODY=9BIT\r\n"
        b"MAIL FROM: <a@example.com>\r\n"
    )
    assert s.codes()[2:] == [
        "501 5.1.7",
        "501 5.5.4",
        "501 5.1.7",
        "555 5.5.4",
        "501 5.5.4",
        "501 5.5.4",
        "250 2.1.0",
    ]


def test_mail_and_rcpt_parameters_are_carried() -> None:
    s = Session()
    s.feed(
        b"EHLO c\r\n"
        b"MAIL FROM:<a@example.com> SIZE=1000 BODY=8BITMIME RET=HDRS ENVID=QQ+2B314 AUTH=<>\r\n"
        b"RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+40example.com\r\n"
        b"RCPT TO:<c@example.com> NOTIFY=NEVER\r\n"
        b"RCPT TO:<d@example.com> NOTIFY=NEVER,DELAY\r\n"
        b"RCPT TO:<d@example.com> FOO=BAR\r\n"
    )
    (mail,) = only(s.events, MailFrom)
    assert isinstance(mail, MailFrom)
    p = mail.params
    assert (p.size, p.body, p.ret, p.envid, p.auth) == (
        1000,
        BodyType.EIGHT_BIT_MIME,
        DsnReturn.HEADERS,
        "QQ+314",
        "<>",
    )
    rcpts = only(s.events, RcptTo)
    assert isinstance(rcpts[0], RcptTo) and isinstance(rcpts[1], RcptTo)
    assert rcpts[0].params.notify == frozenset({DsnNotify.SUCCESS, DsnNotify.FAILURE})
    assert rcpts[0].params.orcpt == OriginalRecipient("rfc822", "b@example.com")
    assert rcpts[1].params.notify == frozenset({DsnNotify.NEVER})
    assert s.codes()[-2:] == ["501 5.5.4", "555 5.5.4"]


def test_smtputf8_addresses() -> None:
    s = Session()
    s.feed(
        "EHLO c\r\n"
        "MAIL FROM:<jörg@exämple.de>\r\n"
        "MAIL FROM:<jörg@exämple.de> SMTPUTF8 BODY=8BITMIME\r\n"
        "RCPT TO:<用户@例子.广告>\r\n".encode()
    )
    assert s.codes()[2:] == ["553 5.6.7", "250 2.1.0", "250 2.1.5"]
    (mail,) = only(s.events, MailFrom)
    assert isinstance(mail, MailFrom) and mail.path is not None
    assert mail.params.smtputf8 and mail.path.local == "jörg"
    assert mail.path.domain_ascii == "xn--exmple-cua.de"


def test_utf8_recipient_needs_smtputf8_transaction() -> None:
    s = Session()
    s.feed("EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<用户@example.com>\r\n".encode())
    assert s.codes()[-1] == "553 5.6.7"


def test_latin1_bytes_in_address_are_refused() -> None:
    s = Session()
    s.feed(b"EHLO c\r\nMAIL FROM:<j\xf6rg@example.com>\r\nMAIL FROM:<j\xf6rg@x.de> SMTPUTF8\r\n")
    assert s.codes()[2:] == ["553 5.6.7", "501 5.1.7"]


def test_non_ascii_in_other_commands_is_refused() -> None:
    s = Session()
    s.feed("EHLO clïent\r\n".encode())
    assert s.codes() == ["220", "500 5.5.2"]


def test_8bit_message_body_passes_through() -> None:
    s = Session()
    body = "Grüße\r\n".encode()
    s.feed(
        b"EHLO c\r\nMAIL FROM:<a@example.com> BODY=8BITMIME\r\n"
        b"RCPT TO:<b@example.com>\r\nDATA\r\n" + body + b".\r\n"
    )
    (message,) = only(s.events, MessageComplete)
    assert isinstance(message, MessageComplete) and message.data == body


def test_pipelining_replies_in_order() -> None:
    s = Session(
        policy=lambda e: (
            Reply(550, "5.1.1", "no")
            if isinstance(e, RcptTo) and e.path.local == "nobody"
            else None
        )
    )
    s.feed(
        b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<nobody@example.com>\r\n"
        b"RCPT TO:<b@example.com>\r\nNOOP\r\nDATA\r\nhi\r\n.\r\nMAIL FROM:<c@example.com>\r\n"
        b"RCPT TO:<d@example.com>\r\nDATA\r\n"
    )
    assert s.codes() == [
        "220", "250", "250 2.1.0", "550 5.1.1", "250 2.1.5", "250 2.0.0", "354",
        "250 2.0.0", "250 2.1.0", "250 2.1.5", "354",
    ]  # fmt: skip
    (message,) = only(s.events, MessageComplete)
    assert isinstance(message, MessageComplete)
    assert [r.path.local for r in message.recipients] == ["b"]


# -- BDAT ----------------------------------------------------------------


def test_bdat_chunks_are_joined() -> None:
    s = Session()
    s.feed(b"EHLO c\r\n" + TXN + b"BDAT 5\r\nhello")
    s.feed(b"BDAT 6 LAST\r\n", chunks=[3])
    s.feed(b" world", chunks=[1, 1, 1])
    (message,) = only(s.events, MessageComplete)
    assert isinstance(message, MessageComplete)
    assert message.data == b"hello world" and message.chunked
    assert s.codes()[-2:] == ["250 2.0.0", "250 2.0.0"]
    assert s.replies()[-2] == "250 2.0.0 5 octets received"


def test_bdat_zero_last() -> None:
    s = Session()
    s.feed(b"EHLO c\r\n" + TXN + b"BDAT 3\r\nabcBDAT 0 LAST\r\n")
    (message,) = only(s.events, MessageComplete)
    assert isinstance(message, MessageComplete) and message.data == b"abc"


def test_bdat_then_data_is_a_bad_sequence() -> None:
    s = Session()
    s.feed(b"EHLO c\r\n" + TXN + b"BDAT 1\r\nxDATA\r\nBDAT 1 LAST\r\ny")
    assert s.codes()[-3:] == ["250 2.0.0", "503 5.5.1", "250 2.0.0"]
    (message,) = only(s.events, MessageComplete)
    assert isinstance(message, MessageComplete) and message.data == b"xy"


def test_bdat_without_recipients_and_bad_syntax() -> None:
    s = Session()
    s.feed(b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nBDAT 2\r\nxxBDAT x\r\nBDAT 1 FIRST\r\n")
    assert s.codes()[-3:] == ["503 5.5.1", "501 5.5.4", "501 5.5.4"]


def test_binarymime_needs_bdat() -> None:
    s = Session()
    s.feed(
        b"EHLO c\r\nMAIL FROM:<a@example.com> BODY=BINARYMIME\r\nRCPT TO:<b@example.com>\r\n"
        b"DATA\r\nBDAT 2 LAST\r\n\x00\n"
    )
    assert s.codes()[-2:] == ["503 5.5.1", "250 2.0.0"]
    (message,) = only(s.events, MessageComplete)
    assert isinstance(message, MessageComplete) and message.data == b"\x00\n"


# -- AUTH ----------------------------------------------------------------


def _auth_session(**kw: object) -> Session:
    def policy(e: Decision) -> Reply | None:
        if isinstance(e, AuthAttempt) and e.password != "secret":
            return replies.AUTH_FAILED
        return None

    s = Session(policy, tls_active=True, **kw)  # type: ignore[arg-type]
    s.feed(b"EHLO c\r\n")
    s.take_codes()
    return s


def test_auth_plain_initial_response() -> None:
    s = _auth_session()
    s.feed(b"AUTH PLAIN " + b64("\0alice\0secret").encode() + b"\r\n")
    assert s.take_codes() == ["235 2.7.0"]
    assert only(s.events, AuthAttempt) == [AuthAttempt("PLAIN", "", "alice", "secret")]
    assert s.conn.authenticated_as == "alice"
    s.feed(b"AUTH PLAIN\r\n")
    assert s.take_codes() == ["503 5.5.1"]


def test_auth_plain_with_challenge_and_authzid() -> None:
    s = _auth_session()
    s.feed(b"AUTH PLAIN\r\n")
    assert s.replies() == ["334 "]
    s.feed(b64("admin\0alice\0secret").encode() + b"\r\n")
    assert only(s.events, AuthAttempt) == [AuthAttempt("PLAIN", "admin", "alice", "secret")]


def test_auth_login_flow_and_initial_response() -> None:
    s = _auth_session()
    s.feed(b"AUTH LOGIN\r\n")
    assert s.replies() == ["334 " + b64("Username:")]
    s.feed(b64("alice").encode() + b"\r\n")
    assert s.replies()[-1] == "334 " + b64("Password:")
    s.feed(b64("secret").encode() + b"\r\n")
    assert s.codes()[-1] == "235 2.7.0"
    t = _auth_session()
    t.feed(b"AUTH LOGIN " + b64("bob").encode() + b"\r\n" + b64("secret").encode() + b"\r\n")
    assert t.codes() == ["334", "235 2.7.0"]
    assert only(t.events, AuthAttempt) == [AuthAttempt("LOGIN", "", "bob", "secret")]


def test_auth_cancel_and_bad_base64() -> None:
    s = _auth_session()
    s.feed(b"AUTH LOGIN\r\n*\r\nAUTH PLAIN\r\n!!!notbase64\r\nAUTH PLAIN =\r\nAUTH CRAM-MD5\r\n")
    assert s.codes() == ["334", "501 5.0.0", "334", "501 5.5.2", "501 5.5.2", "504 5.5.4"]
    assert not only(s.events, AuthAttempt)


def test_auth_refused_before_tls() -> None:
    s = Session()
    s.feed(b"EHLO c\r\nAUTH PLAIN " + b64("\0a\0b").encode() + b"\r\n")
    assert s.codes()[-1] == "538 5.7.11"
    assert not only(s.events, AuthAttempt)


def test_auth_needs_ehlo_and_no_transaction() -> None:
    s = Session(tls_active=True)
    s.feed(
        b"AUTH PLAIN\r\nHELO c\r\nAUTH PLAIN\r\nEHLO c\r\nMAIL FROM:<a@example.com>\r\nAUTH PLAIN\r\n"
    )
    assert s.codes() == ["220", "503 5.5.1", "250", "503 5.5.1", "250", "250 2.1.0", "503 5.5.1"]


def test_mail_requires_auth_when_configured() -> None:
    s = _auth_session(require_auth_for_mail=True)
    s.feed(
        b"MAIL FROM:<a@example.com>\r\nAUTH PLAIN "
        + b64("\0alice\0secret").encode()
        + b"\r\nMAIL FROM:<a@example.com>\r\n"
    )
    assert s.codes() == ["530 5.7.0", "235 2.7.0", "250 2.1.0"]


def test_too_many_auth_failures_close() -> None:
    s = _auth_session()
    bad = b"AUTH PLAIN " + b64("\0alice\0wrong").encode() + b"\r\n"
    s.feed(bad * 4)
    assert s.codes() == ["535 5.7.8"] * 3 + ["421 4.7.0"]
    assert s.closed and len(only(s.events, AuthAttempt)) == 3


def test_auth_line_may_exceed_command_limit() -> None:
    s = _auth_session()
    password = "p" * 1500
    s.feed(b"AUTH PLAIN " + b64("\0alice\0" + password).encode() + b"\r\n")
    (attempt,) = only(s.events, AuthAttempt)
    assert isinstance(attempt, AuthAttempt) and attempt.password == password


def test_starttls_forgets_auth_and_ehlo() -> None:
    s = Session(require_tls_for_auth=False)
    s.feed(b"EHLO c\r\nAUTH PLAIN " + b64("\0alice\0secret").encode() + b"\r\nSTARTTLS\r\n")
    assert s.conn.tls_active and s.conn.authenticated_as is None and s.conn.helo is None
    s.feed(b"STARTTLS\r\nEHLO c\r\nSTARTTLS\r\n")
    assert s.codes()[-3:] == ["503 5.5.1", "250", "503 5.5.1"]


def test_starttls_not_available_and_refused_by_app() -> None:
    s = Session(tls_available=False)
    s.feed(b"EHLO c\r\nSTARTTLS\r\nSTARTTLS now\r\n")
    assert s.codes()[-2:] == ["502 5.5.1", "501 5.5.4"]
    t = Session(policy=lambda e: replies.TLS_NOT_AVAILABLE if not isinstance(e, Helo) else None)
    t.feed(b"EHLO c\r\nSTARTTLS\r\nNOOP\r\n")
    assert t.codes()[-2:] == ["454 4.7.0", "250 2.0.0"]
    assert not t.conn.tls_active


# -- limits --------------------------------------------------------------


def test_command_line_too_long_is_discarded() -> None:
    s = Session()
    s.feed(b"EHLO c\r\nNOOP " + b"x" * 600 + b"\r\nNOOP\r\n", chunks=[20, 300, 10])
    assert s.codes() == ["220", "250", "500 5.5.2", "250 2.0.0"]
    assert "Line too long" in s.replies()[2]
    assert len(s.conn._buf) == 0


def test_command_line_at_the_limit_is_fine() -> None:
    s = Session(limits=SMTPLimits(max_command_length=16))
    s.feed(b"NOOP 012345678\r\nNOOP 0123456789\r\n")
    assert s.codes() == ["220", "250 2.0.0", "500 5.5.2"]


def test_message_line_too_long() -> None:
    s = Session(limits=SMTPLimits(max_line_length=20))
    s.feed(b"EHLO c\r\n" + TXN + b"DATA\r\n" + b"x" * 18 + b"\r\n.\r\n")
    assert s.codes()[-1] == "250 2.0.0"
    s.feed(TXN + b"DATA\r\n" + b"x" * 19 + b"\r\n.\r\nNOOP\r\n")
    assert s.codes()[-2:] == ["550 5.6.0", "250 2.0.0"]
    s.feed(TXN + b"DATA\r\n" + b"y" * 500 + b"\r\n.\r\nNOOP\r\n", chunks=[60, 7, 100])
    assert s.codes()[-2:] == ["550 5.6.0", "250 2.0.0"]
    assert len(only(s.events, MessageComplete)) == 1


def test_message_too_big_data_and_memory_bounded() -> None:
    s = Session(limits=SMTPLimits(max_message_size=100))
    s.feed(b"EHLO c\r\n" + TXN + b"DATA\r\n")
    for _ in range(50):
        s.feed(b"z" * 70 + b"\r\n")
        assert len(s.conn._buf) < 100
    assert s.conn._dot is not None and s.conn._dot._chunks == []
    s.feed(b".\r\nNOOP\r\n")
    assert s.codes()[-2:] == ["552 5.3.4", "250 2.0.0"]
    assert not only(s.events, MessageComplete)


def test_message_exactly_at_size_limit() -> None:
    s = Session(limits=SMTPLimits(max_message_size=10))
    s.feed(b"EHLO c\r\n" + TXN + b"DATA\r\n12345678\r\n.\r\n")
    assert s.codes()[-1] == "250 2.0.0"


def test_mail_size_above_limit() -> None:
    s = Session(limits=SMTPLimits(max_message_size=1000))
    s.feed(
        b"EHLO c\r\nMAIL FROM:<a@example.com> SIZE=1001\r\nMAIL FROM:<a@example.com> SIZE=1000\r\n"
    )
    assert s.codes()[-2:] == ["552 5.3.4", "250 2.1.0"]


def test_bdat_too_big() -> None:
    s = Session(limits=SMTPLimits(max_message_size=10))
    s.feed(b"EHLO c\r\n" + TXN + b"BDAT 6\r\n123456BDAT 6 LAST\r\n123456NOOP\r\n")
    assert s.codes()[-3:] == ["250 2.0.0", "552 5.3.4", "250 2.0.0"]
    assert not only(s.events, MessageComplete)
    s.feed(TXN + b"BDAT 100000 LAST\r\n" + b"q" * 100000 + b"NOOP\r\n", chunks=[4096] * 30)
    assert s.codes()[-2:] == ["552 5.3.4", "250 2.0.0"]


def test_too_many_recipients() -> None:
    s = Session(limits=SMTPLimits(max_recipients=2))
    s.feed(b"EHLO c\r\nMAIL FROM:<a@example.com>\r\n" + b"RCPT TO:<b@example.com>\r\n" * 3)
    assert s.codes()[-3:] == ["250 2.1.5", "250 2.1.5", "452 4.5.3"]


def test_too_many_commands_before_mail() -> None:
    s = Session(limits=SMTPLimits(max_commands_before_mail=3, max_errors=100))
    s.feed(b"EHLO c\r\nNOOP\r\nVRFY x\r\nRSET\r\nHELP\r\nNOOP\r\n")
    assert s.codes() == ["220", "250", "250 2.0.0", "252 2.1.5", "250 2.0.0", "421 4.7.0"]
    assert s.closed and s.events[-1] == CloseConnection("too many commands")


def test_accepted_mail_resets_junk_count() -> None:
    s = Session(limits=SMTPLimits(max_commands_before_mail=2))
    s.feed(b"EHLO c\r\nNOOP\r\nNOOP\r\nMAIL FROM:<a@example.com>\r\nNOOP\r\nNOOP\r\nNOOP\r\n")
    assert s.codes()[-1] == "421 4.7.0"
    assert s.codes()[-2] == "250 2.0.0"


def test_too_many_errors() -> None:
    s = Session(limits=SMTPLimits(max_errors=3, max_commands_before_mail=100))
    s.feed(b"FOO\r\nBAR\r\nBAZ\r\nNOOP\r\n")
    assert s.codes() == ["220", "500 5.5.1", "500 5.5.1", "421 4.7.0"]
    assert s.events[-1] == CloseConnection("too many errors")


def test_app_421_closes_at_any_time() -> None:
    s = Session()
    s.feed(b"EHLO c\r\n")
    assert s.conn.send(Reply(421, "4.4.2", "Timeout")) == b"421 4.4.2 Timeout\r\n"
    assert s.conn.next_event() == CloseConnection("closed by server")


# -- misuse by the application -------------------------------------------


def test_misuse_raises_local_protocol_error() -> None:
    conn = SMTPServer("mx.test")
    conn.receive_data(b"EHLO c\r\n")
    event = conn.next_event()
    assert isinstance(event, Helo)
    with pytest.raises(LocalProtocolError):
        conn.next_event()
    with pytest.raises(LocalProtocolError):
        conn.reject(replies.OK)
    conn.accept()
    with pytest.raises(LocalProtocolError):
        conn.accept()
    with pytest.raises(LocalProtocolError):
        conn.tls_started()
    assert conn.next_event() is NEED_DATA
    conn.receive_data(b"")
    with pytest.raises(LocalProtocolError):
        conn.receive_data(b"x")
    with pytest.raises(LocalProtocolError):
        Reply(250, "2.0.0", "two\r\nlines")
    with pytest.raises(LocalProtocolError):
        Reply(550, "2.0.0", "mismatch")
    with pytest.raises(LocalProtocolError):
        SMTPServer("mx.test", auth_mechanisms=("CRAM-MD5",))


def test_quit_and_reset_cannot_be_refused() -> None:
    conn = SMTPServer("mx.test")
    conn.receive_data(b"RSET\r\n")
    assert conn.next_event() == Reset()
    with pytest.raises(LocalProtocolError):
        conn.reject()


def test_protocol_reply_serialization() -> None:
    assert replies.HELP_TEXT.to_bytes() == (
        b"214-2.0.0 Commands: EHLO HELO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP"
        b" STARTTLS AUTH\r\n214 2.0.0 See RFC 5321\r\n"
    )
    assert ProtocolReply(replies.OK).reply.closes is False
