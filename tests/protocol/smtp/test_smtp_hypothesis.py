"""Property tests: arbitrary input never breaks the engine, only CRLF.CRLF
ends a message, and dot-stuffing round-trips."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from smtp_driver import Session

from mailcore.protocol.smtp import MessageComplete, SMTPLimits

HEAD = b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"
SMALL = SMTPLimits(
    max_line_length=64, max_command_length=48, max_message_size=512, max_errors=1000,
    max_commands_before_mail=1000,
)  # fmt: skip

fragments = st.sampled_from(
    [
        b"\r\n", b"\r", b"\n", b".", b"\r\n.\r\n", b"\n.\n", b"EHLO x\r\n", b"MAIL FROM:<a@b.c>\r\n",
        b"RCPT TO:<d@e.f>\r\n", b"DATA\r\n", b"BDAT 3\r\n", b"BDAT 2 LAST\r\n", b"RSET\r\n",
        b"AUTH PLAIN\r\n", b"AUTH LOGIN\r\n", b"*\r\n", b"AGFAYg==\r\n", b"STARTTLS\r\n",
        b"QUIT\r\n", b"NOOP\r\n", b"\x00", b"\xff", b"x" * 70, b"SMTPUTF8", b"<>", b" ",
    ]
)  # fmt: skip
streams = st.lists(st.one_of(fragments, st.binary(max_size=20)), max_size=40).map(b"".join)


def _split(data: bytes, cuts: list[int]) -> list[int]:
    sizes, pos = [], 0
    for cut in sorted(c % (len(data) + 1) for c in cuts):
        sizes.append(cut - pos)
        pos = cut
    return sizes


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(streams, st.lists(st.integers(min_value=0, max_value=10_000), max_size=8), st.booleans())
def test_arbitrary_bytes_never_raise(data: bytes, cuts: list[int], tls: bool) -> None:
    s = Session(limits=SMALL, tls_active=tls, require_tls_for_auth=False)
    s.feed(data, chunks=_split(data, cuts))
    s.eof()
    assert s.closed
    assert s.out.endswith(b"\r\n")
    assert len(s.conn._buf) == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(fragments, st.binary(max_size=20)), max_size=30).map(b"".join),
       st.lists(st.integers(min_value=0, max_value=10_000), max_size=8))  # fmt: skip
def test_message_ends_only_at_crlf_dot_crlf(body: bytes, cuts: list[int]) -> None:
    s = Session(limits=SMTPLimits(max_errors=1000, max_commands_before_mail=1000))
    s.feed(HEAD)
    s.feed(body, chunks=_split(body, cuts))
    messages = [e for e in s.events if isinstance(e, MessageComplete)]
    stream = b"\r\n" + body
    end = stream.find(b"\r\n.\r\n")
    if end < 0:
        assert not messages
        assert s.replies()[-1].startswith("354")
    else:
        # The first message ends exactly where the first CRLF.CRLF is: what
        # follows it was answered as commands, never as message text.
        content = stream[2 : end + 2]
        clean = content.count(b"\r") == content.count(b"\n") == content.count(b"\r\n")
        if messages:
            assert clean
            first = messages[0]
            assert isinstance(first, MessageComplete)
            assert first.data == _unstuff(content)
        else:
            assert not clean or any(len(line) > 998 for line in content.split(b"\r\n"))


def _unstuff(content: bytes) -> bytes:
    lines = content.split(b"\r\n")
    return b"\r\n".join(line[1:] if line.startswith(b".") else line for line in lines)


def _stuff(payload: bytes) -> bytes:
    """What a correct client sends for ``payload`` (CRLF lines)."""
    lines = payload.split(b"\r\n")
    return b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines)


payload_lines = st.lists(
    st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b"")),
    max_size=20,
)


@settings(max_examples=300, deadline=None)
@given(payload_lines, st.lists(st.integers(min_value=0, max_value=10_000), max_size=6))
def test_dot_stuffing_round_trip(lines: list[bytes], cuts: list[int]) -> None:
    payload = b"".join(line + b"\r\n" for line in lines)
    wire = _stuff(payload) + b".\r\n"
    s = Session()
    s.feed(HEAD)
    s.feed(wire, chunks=_split(wire, cuts))
    (message,) = [e for e in s.events if isinstance(e, MessageComplete)]
    assert isinstance(message, MessageComplete)
    assert message.data == payload


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.lists(st.integers(min_value=0, max_value=400), max_size=6))
def test_bdat_round_trip(payload: bytes, cuts: list[int]) -> None:
    wire = (
        b"EHLO c\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n"
        + b"BDAT %d LAST\r\n" % len(payload)
        + payload
        + b"NOOP\r\n"
    )
    s = Session()
    s.feed(wire, chunks=_split(wire, cuts))
    (message,) = [e for e in s.events if isinstance(e, MessageComplete)]
    assert isinstance(message, MessageComplete) and message.data == payload
    assert s.codes()[-2:] == ["250 2.0.0", "250 2.0.0"]
