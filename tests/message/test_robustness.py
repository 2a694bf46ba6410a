"""Never-raise fuzzing, the CPython email test corpus, and a cross-check of
part sizes and line counts against the standard library's parser."""

from __future__ import annotations

import email
import email.policy
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from message_imap_syntax import check_body, check_envelope, parse

from mailcore.message import decode_section, fetch_section, parse_message
from mailcore.message._mime import Part, parse_tree
from mailcore.message._parse import _parse

#: CPython's email test messages, shipped beside this module (see its README).
CORPUS_DIR = Path(__file__).resolve().parent / "cpython_email_corpus"
CORPUS = sorted(str(path) for path in CORPUS_DIR.glob("msg_*.txt"))

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_all(raw: bytes) -> None:
    # the internal parse must not need parse_message's safety net
    p = _parse(raw)
    check_envelope(parse(p.envelope))
    check_body(parse(p.body), extended=False)
    check_body(parse(p.bodystructure), extended=True)
    assert p.size == len(raw)
    for section in ("", "HEADER", "TEXT", "1", "1.1", "2.MIME", "1.HEADER.FIELDS (A)"):
        fetch_section(raw, section)
    for att in p.attachments:
        assert fetch_section(raw, att.section) is not None
        try:
            decode_section(raw, att.section)
        except ValueError:
            pass


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes(raw: bytes) -> None:
    _check_all(raw)


_HEADER_LINES = st.sampled_from(
    [
        b"From: =?utf-8?q?J=C3=B6rg?= <j@x.y>",
        b"To: undisclosed-recipients:;",
        b'Cc: "a, b" <c@d>, (comment) e@f (x',
        b"Subject: =?bogus?b?!!!?= re: [tag] hi",
        b"Date: Mon, 32 Foo 99999 99:99:99 +9999",
        b"Message-ID: <a@b>",
        b"References: <a@b> <c@d",
        b"Content-Transfer-Encoding: base64",
        b"Content-Transfer-Encoding: quoted-printable",
        b"Content-Transfer-Encoding: x-weird",
        b"Content-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1=x",
        b'Content-Type: text/plain; charset="x-unknown"',
        b"Content-Type: text/html; charset=utf-8",
        b"Content-Type: message/rfc822",
        b'Content-Type: image/png; name="a.png"',
        b"Subject: \xff\xfe 8-bit \x00 nul",
        b" folded continuation",
        b"not a header line",
    ]
)
_BODIES = st.sampled_from(
    [
        b"",
        b"hello\r\nworld",
        b"SGVsbG8=\r\n!!*",
        b"=C3=A9=\r\n=ZZ",
        b"<p>x</p><script>",
        b"> q\r\n-- \r\nsig",
    ]
)


@st.composite
def _entity(draw: st.DrawFn, depth: int = 0) -> bytes:
    headers = draw(st.lists(_HEADER_LINES, max_size=4))
    if depth < 3 and draw(st.booleans()):
        boundary = draw(st.sampled_from([b"b1", b"b2", b"=_x", b"a b"]))
        children = draw(st.lists(_entity(depth + 1), min_size=0, max_size=3))
        subtype = draw(st.sampled_from([b"mixed", b"alternative", b"related", b"digest"]))
        headers.append(b"Content-Type: multipart/" + subtype + b'; boundary="' + boundary + b'"')
        body = b"preamble\r\n" + b"".join(
            b"--" + boundary + b"\r\n" + c + b"\r\n" for c in children
        )
        if draw(st.booleans()):
            body += b"--" + boundary + b"--\r\n"
    elif depth < 3 and draw(st.booleans()):
        headers.append(b"Content-Type: message/rfc822")
        body = draw(_entity(depth + 1))
    else:
        body = draw(_BODIES)
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    raw = draw(_entity())
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["truncate", "delete", "insert", "lf"]))
        pos = draw(st.integers(0, len(raw)))
        if kind == "truncate":
            raw = raw[:pos]
        elif kind == "delete":
            raw = raw[:pos] + raw[pos + draw(st.integers(1, 20)) :]
        elif kind == "insert":
            raw = raw[:pos] + draw(st.binary(max_size=10)) + raw[pos:]
        else:
            raw = raw.replace(b"\r\n", b"\n")
    return raw


@FUZZ
@given(_entity())
def test_structured_messages(raw: bytes) -> None:
    _check_all(raw)


@FUZZ
@given(_mutated())
def test_mutated_messages(raw: bytes) -> None:
    _check_all(raw)


def test_pathological_inputs() -> None:
    cases = [
        b"\r\n" * 10_000,
        b":" * 50_000,
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n" * 20_000,
        b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" * 500,
        b"Content-Type: text/html\r\n\r\n" + b"<script " * 20_000,
        b"Content-Type: text/html\r\n\r\n" + b"<!--" * 20_000,
        b"From: " + b"(" * 10_000 + b"\r\n\r\n",
        b"To: " + b'"' * 10_001 + b"\r\n\r\n",
        b"Subject: " + b"=?utf-8?q?a?= " * 5_000 + b"\r\n\r\n",
        b"\x00" * 1000,
    ]
    for raw in cases:
        _check_all(raw)


def test_parse_message_survives_internal_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    import mailcore.message._parse as parse_module

    def boom(raw: bytes) -> None:
        raise RuntimeError("unforeseen")

    monkeypatch.setattr(parse_module, "_parse", boom)
    p = parse_message(b"Subject: x\r\n\r\nbody\r\n")
    assert p.body == b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 20 3)'
    check_body(parse(p.bodystructure), extended=True)


def test_email_corpus_present() -> None:
    assert CORPUS, f"CPython email test corpus not found under {CORPUS_DIR}"


@pytest.mark.parametrize("path", CORPUS, ids=os.path.basename)
def test_email_corpus(path: str) -> None:
    with open(path, "rb") as f:
        raw = f.read()
    _check_all(raw)
    _check_all(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


def _leaves(part: Part) -> list[Part]:
    if part.children:
        return [leaf for child in part.children for leaf in _leaves(child)]
    return [part]


def _std_leaves(msg: email.message.Message) -> list[email.message.Message]:
    if msg.is_multipart() and msg.get_content_maintype() == "multipart":
        return [leaf for sub in msg.get_payload() for leaf in _std_leaves(sub)]  # type: ignore[union-attr]
    return [msg]


@pytest.mark.parametrize("path", CORPUS, ids=os.path.basename)
def test_sizes_and_lines_match_stdlib(path: str) -> None:
    """For well-formed multiparts, leaf body sizes and line counts agree
    with what ``email`` (compat32) reads as each part's payload."""
    with open(path, "rb") as f:
        raw = f.read().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    std = email.message_from_bytes(raw, policy=email.policy.compat32)
    if std.defects or any(p.defects for p in std.walk()):
        pytest.skip("malformed; the two parsers legitimately differ")
    ours = _leaves(parse_tree(raw))
    theirs = _std_leaves(std)
    if len(ours) != len(theirs):
        pytest.skip("part count differs (message/rfc822 handling)")
    for mine, other in zip(ours, theirs, strict=True):
        if other.is_multipart():
            continue  # message/rfc822: stdlib holds a parsed object
        payload = other.get_payload()
        assert isinstance(payload, str)
        data = payload.encode("ascii", "surrogateescape")
        assert mine.size == len(data)
        if mine.maintype == "text":
            lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            body = parse_message(raw).body
            assert b" %d %d)" % (len(data), lines) in body
