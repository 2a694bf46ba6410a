"""SMTP smuggling and injection regressions, one rule per test.

The attack: a sender hides a second SMTP transaction inside a message's
data behind an end-of-data marker that the next hop accepts but the first
one did not (``<LF>.<LF>`` and friends).  The rules held here: only
``<CR><LF>.<CR><LF>`` ends DATA, a message holding a bare CR or LF is
refused whole, and nothing pipelined behind STARTTLS survives it.
"""

from __future__ import annotations

import pytest
from smtp_driver import Session

from mailcore.protocol.smtp import MailFrom, MessageComplete, RcptTo

HEAD = b"EHLO client\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n"
SMUGGLED = (
    b"MAIL FROM:<admin@example.net>\r\n"
    b"RCPT TO:<victim@example.net>\r\n"
    b"DATA\r\n"
    b"From: admin@example.net\r\n\r\nsmuggled\r\n"
)
FAKE_ENDS = [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r\n.\n", b"\r\n.\r", b"\r.\r\n", b"\n.\r"]


def _session_in_data() -> Session:
    s = Session()
    s.feed(HEAD)
    assert s.take_codes() == ["220", "250", "250 2.1.0", "250 2.1.5", "354"]
    return s


def _assert_refused_whole(s: Session) -> None:
    assert not [e for e in s.events if isinstance(e, MessageComplete)]
    assert len([e for e in s.events if isinstance(e, MailFrom)]) == 1
    assert len([e for e in s.events if isinstance(e, RcptTo)]) == 1
    assert s.codes()[-2:] == ["550 5.6.11", "221 2.0.0"]


@pytest.mark.parametrize("fake_end", FAKE_ENDS, ids=repr)
def test_fake_end_of_data_never_ends_the_message(fake_end: bytes) -> None:
    s = _session_in_data()
    s.feed(b"Subject: hi\r\n\r\nhello" + fake_end + SMUGGLED + b".\r\nQUIT\r\n")
    _assert_refused_whole(s)


@pytest.mark.parametrize("fake_end", FAKE_ENDS, ids=repr)
def test_fake_end_split_at_every_position(fake_end: bytes) -> None:
    stream = b"Subject: hi\r\n\r\nhello" + fake_end + SMUGGLED + b".\r\nQUIT\r\n"
    for cut in range(1, len(stream)):
        s = _session_in_data()
        s.feed(stream, chunks=[cut])
        _assert_refused_whole(s)


@pytest.mark.parametrize("fake_end", FAKE_ENDS, ids=repr)
def test_fake_end_one_byte_at_a_time(fake_end: bytes) -> None:
    stream = b"hello" + fake_end + SMUGGLED + b".\r\nQUIT\r\n"
    s = _session_in_data()
    s.feed(stream, chunks=[1] * len(stream))
    _assert_refused_whole(s)


@pytest.mark.parametrize("fake_end", [b".\n", b".\r", b".\r\r\n", b".\n\r\n"], ids=repr)
def test_fake_end_at_the_very_start_of_data(fake_end: bytes) -> None:
    s = _session_in_data()
    s.feed(fake_end + SMUGGLED + b".\r\nQUIT\r\n")
    _assert_refused_whole(s)


def test_real_end_at_the_very_start_gives_an_empty_message() -> None:
    s = _session_in_data()
    s.feed(b".\r\nQUIT\r\n")
    (message,) = [e for e in s.events if isinstance(e, MessageComplete)]
    assert message.data == b""


def test_only_crlf_dot_crlf_ends_and_everything_before_is_kept() -> None:
    s = _session_in_data()
    body = b"line one\r\n..leading dot\r\n"
    s.feed(body + b".\r\n")
    (message,) = [e for e in s.events if isinstance(e, MessageComplete)]
    assert message.data == b"line one\r\n.leading dot\r\n"


@pytest.mark.parametrize(
    "body",
    [b"a\rb\r\n", b"a\nb\r\n", b"a\r\n\n", b"\r\r\n", b"\n", b"x\r"],
    ids=repr,
)
def test_bare_cr_or_lf_anywhere_refuses_the_message(body: bytes) -> None:
    s = _session_in_data()
    s.feed(body + b"\r\n.\r\nQUIT\r\n")
    assert not [e for e in s.events if isinstance(e, MessageComplete)]
    assert s.codes()[-2:] == ["550 5.6.11", "221 2.0.0"]


def test_session_continues_after_a_refused_message() -> None:
    s = _session_in_data()
    s.feed(b"bad\nline\r\n.\r\n")
    s.feed(b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nok\r\n.\r\n")
    (message,) = [e for e in s.events if isinstance(e, MessageComplete)]
    assert message.data == b"ok\r\n"
    assert s.codes()[-5:] == ["550 5.6.11", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"]


def test_bare_lf_terminated_command_is_refused_not_executed() -> None:
    # The bare-LF line is answered on its own (so an LF-only client gets
    # prompt errors, which add up to 421), and never executed.
    s = Session()
    s.feed(b"EHLO client\r\nMAIL FROM:<a@example.com>\nRCPT TO:<b@example.com>\r\n")
    assert s.codes() == ["220", "250", "500 5.5.2", "503 5.5.1"]
    assert not [e for e in s.events if isinstance(e, MailFrom | RcptTo)]


def test_bare_cr_does_not_end_a_command() -> None:
    s = Session()
    s.feed(b"EHLO client\r\nMAIL FROM:<a@example.com>\rRCPT TO:<b@example.com>\r\n")
    assert s.codes() == ["220", "250", "500 5.5.2"]
    assert not [e for e in s.events if isinstance(e, MailFrom | RcptTo)]


def test_starttls_discards_pipelined_commands() -> None:
    # CVE-2011-0411: commands sent in the clear behind STARTTLS must not be
    # executed inside the TLS session.
    s = Session()
    s.start_tls_on_accept = False
    s.feed(b"EHLO client\r\nSTARTTLS\r\nMAIL FROM:<mallory@example.com>\r\n")
    assert s.take_codes() == ["220", "250", "220 2.0.0"]
    s.conn.receive_data(b"RCPT TO:<x@example.com>\r\n")  # plaintext during handshake
    s.pump()
    s.conn.tls_started()
    s.feed(b"MAIL FROM:<a@example.com>\r\n")
    assert s.take_codes() == ["503 5.5.1"]  # EHLO forgotten, nothing replayed
    assert not [e for e in s.events if isinstance(e, MailFrom | RcptTo)]


def test_starttls_split_injection() -> None:
    s = Session()
    stream = b"EHLO client\r\nSTARTTLS\r\nNOOP\r\nMAIL FROM:<m@example.com>\r\n"
    for cut in range(1, len(stream)):
        s = Session()
        s.feed(stream, chunks=[cut])
        assert not [e for e in s.events if isinstance(e, MailFrom)]
        # Whatever arrived before the handshake was dropped: only the
        # replies to EHLO and STARTTLS, plus (for a later cut) replies to
        # what arrived after tls_started(), which are fresh-session replies.
        assert s.codes()[:3] == ["220", "250", "220 2.0.0"]


def test_refused_bdat_chunk_is_swallowed_not_executed() -> None:
    s = Session()
    chunk = b"MAIL FROM:<evil@example.com>\r\n"
    s.feed(b"EHLO client\r\nBDAT %d\r\n" % len(chunk) + chunk + b"NOOP\r\n")
    assert s.codes() == ["220", "250", "503 5.5.1", "250 2.0.0"]
    assert not [e for e in s.events if isinstance(e, MailFrom)]


def test_bdat_chunk_may_hold_anything() -> None:
    s = Session()
    payload = b"x\n.\nMAIL FROM:<evil@example.com>\r\n.\r\n\x00\xff"
    s.feed(
        b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
        + b"BDAT %d LAST\r\n" % len(payload)
        + payload
    )
    (message,) = [e for e in s.events if isinstance(e, MessageComplete)]
    assert message.data == payload
    assert len([e for e in s.events if isinstance(e, MailFrom)]) == 1
