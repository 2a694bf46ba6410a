"""Header decoding, addresses, subjects, text extraction and attachments."""

from __future__ import annotations

import pytest

from mailcore.message import Address, normalize_subject, parse_message
from mailcore.message._address import _parse_full, parse_address_list
from mailcore.message._headers import decode_bytes, decode_rfc2047, merge_params, split_params
from mailcore.message._text import html_to_text, make_snippet


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Hello", "hello"),
        ("RE : Hello", "hello"),
        ("Re: RE: Fwd: FW: aw: SV: Hello", "hello"),
        ("[list-tag] Re: [other] Hello  World", "hello world"),
        ("Re[2]: Hello", "hello"),
        ("Hello (fwd)", "hello"),
        ("Fwd: Hello (fwd) (FWD)", "hello"),
        ("  Hello\t World ", "hello world"),
        ("Reply needed", "reply needed"),
        ("Réunion: ordre du jour", "réunion: ordre du jour"),
        ("WG: Straße", "strasse"),
        ("回复：会议", "会议"),
        ("", ""),
    ],
)
def test_normalize_subject(subject: str, expected: str) -> None:
    assert normalize_subject(subject) == expected


def test_rfc2047() -> None:
    assert decode_rfc2047("=?UTF-8?B?SW5lcyBNw7xsbGVy?=") == "Ines Müller"
    assert decode_rfc2047("=?iso-8859-1?q?J=F6rg_B?= <x>") == "Jörg B <x>"
    # whitespace between adjacent encoded-words is dropped; split UTF-8 sequences join
    assert decode_rfc2047("=?utf-8?q?Gr=C3?= =?utf-8?q?=BC=C3=9Fe?=") == "Grüße"
    assert decode_rfc2047("a =?utf-8?q?b?= c") == "a b c"
    assert decode_rfc2047("=?x-unknown?q?abc?=") == "abc"
    assert decode_rfc2047("=?utf-8*en?q?hi?=") == "hi"
    assert decode_rfc2047("=?utf-8?b?bad base64?=") == "=?utf-8?b?bad base64?="


def test_charset_fallbacks() -> None:
    assert decode_bytes("é".encode("latin-1"), "iso-8859-1") == "é"
    assert decode_bytes("é".encode(), "us-ascii") == "é"
    assert decode_bytes("é".encode("latin-1"), "us-ascii") == "é"
    assert decode_bytes(b"\xe9", "utf-8") == "\ufffd"
    assert decode_bytes("é".encode(), "bogus-charset") == "é"
    assert decode_bytes(b"abc", "base64") == "abc"  # a bytes codec is not a charset
    assert decode_bytes("日本".encode("shift_jis"), "x-sjis") == "日本"


def test_rfc2231_params() -> None:
    head, pairs = split_params(
        "attachment; filename*0*=utf-8'en'%C3%A9t%C3%A9; filename*1=\".pdf\"; size=12"
    )
    assert head == "attachment"
    wire, decoded = merge_params(pairs)
    assert decoded["filename"] == "été.pdf"
    assert decoded["size"] == "12"
    assert wire == [("filename*", "utf-8'en'%C3%A9t%C3%A9.pdf"), ("size", "12")]


def test_quoted_param_with_semicolon() -> None:
    head, pairs = split_params('text/plain; name="a;b \\"c\\""; charset=utf-8')
    assert head == "text/plain"
    assert pairs == [("name", 'a;b "c"'), ("charset", "utf-8")]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("a@b.c", [Address(None, "a", "b.c")]),
        ("Joe <j@x.y>", [Address("Joe", "j", "x.y")]),
        ('"Doe, John" <j@x.y>, k@z', [Address("Doe, John", "j", "x.y"), Address(None, "k", "z")]),
        ("j@x.y (Joe Comment)", [Address("Joe Comment", "j", "x.y")]),
        ("<@relay.a,@relay.b:j@x.y>", [Address(None, "j", "x.y")]),
        ('"john doe"@x.y', [Address(None, "john doe", "x.y")]),
        ("=?utf-8?q?J=C3=B6rg?= <j@x.y>", [Address("Jörg", "j", "x.y")]),
        (
            "team: a@b, c@d; , e@f",
            [Address(None, "a", "b"), Address(None, "c", "d"), Address(None, "e", "f")],
        ),
        ("localonly", [Address(None, "localonly", "")]),
        ("", []),
        ("<>", []),
        (",,,", []),
    ],
)
def test_addresses(header: str, expected: list[Address]) -> None:
    raw = f"From: {header}\r\n\r\n".encode()
    assert list(parse_message(raw).from_) == expected


def test_address_str_and_addr() -> None:
    assert str(Address("Joe", "j", "x")) == '"Joe" <j@x>'
    assert Address(None, "john doe", "x").addr == '"john doe"@x'
    assert str(Address(None, "a", "")) == "a"


def test_obs_route_in_envelope() -> None:
    p = parse_message(b"From: <@relay.a,@relay.b:j@x.y>\r\n\r\n")
    assert b'((NIL "@relay.a,@relay.b" "j" "x.y"))' in p.envelope


@pytest.mark.parametrize(
    "header",
    [
        "a@b.c",
        "Alice Martin <alice@example.com>, bob@example.org",
        '"Quoted, Name" <q@x.y>',
        "=?UTF-8?B?SW5lcyBNw7xsbGVy?= <ines.mueller@beispiel.de>",
        "Joe Q. Public <john.q.public@example.com>",
        "  spaced   name   <s@x.y>  ",
    ],
)
def test_fast_path_agrees_with_full_parser(header: str) -> None:
    assert parse_address_list(header) == _parse_full(header, 2000)


def test_message_ids() -> None:
    raw = (
        b"Message-ID: <abc@def>\r\n"
        b"In-Reply-To: <p1@x> (Message from Joe)\r\n"
        b"References: <r1@x>\r\n <r2@x>\r\n\t<r 3@x>\r\n"
        b"\r\n"
    )
    p = parse_message(raw)
    assert p.message_id == "abc@def"
    assert p.in_reply_to == ("p1@x",)
    assert p.references == ("r1@x", "r2@x", "r3@x")
    assert parse_message(b"Message-ID: bare@id.example\r\n\r\n").message_id == "bare@id.example"
    assert parse_message(b"Message-ID: garbage\r\n\r\n").message_id is None


def test_dates() -> None:
    assert parse_message(b"Date: not a date\r\n\r\n").date is None
    d = parse_message(b"Date: 1 Jan 2024 00:00:00 -0000\r\n\r\n").date
    assert d is not None and d.utcoffset() is not None


def test_html_to_text() -> None:
    html = (
        "<html><head><title>T</title><style>p{x:1}</style></head><body>"
        "<script>alert(1)</script><p>Hello&nbsp;&amp; welcome</p><p>Second\n  para</p>"
        "<!-- hidden --><div>a<br>b</div><table><tr><td>c1</td><td>c2</td></tr></table>"
        "</body></html>"
    )
    assert html_to_text(html) == "Hello & welcome\n\nSecond para\n\na\nb\n\nc1 c2"
    assert html_to_text("<script>never closed") == ""
    assert html_to_text("a < b and c > d") == "a < b and c > d"


def test_snippet_drops_quotes_and_signature() -> None:
    text = (
        "Sounds good,\nsee you then.\n\nOn Mon, Jan 8, Bob wrote:\n> earlier\n> text\n"
        "Thanks\n-- \nAlice\nSenior Engineer"
    )
    assert make_snippet(text) == "Sounds good, see you then. Thanks"
    long = " ".join(["word"] * 100)
    snippet = make_snippet(long)
    assert 170 <= len(snippet) <= 200 and snippet.endswith("word")


def test_html_only_message() -> None:
    raw = (
        b"Content-Type: text/html; charset=iso-8859-1\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"<p>Gr=FC=DFe</p><p>Zweite</p>\r\n"
    )
    p = parse_message(raw)
    assert p.html == "<p>Grüße</p><p>Zweite</p>\r\n"
    assert p.text == "Grüße\n\nZweite"
    assert p.snippet == "Grüße Zweite"


RELATED = (
    b'Content-Type: multipart/related; boundary="r"\r\n\r\n'
    b'--r\r\nContent-Type: text/html\r\n\r\n<img src="cid:img1">Hi\r\n'
    b"--r\r\nContent-Type: image/png\r\nContent-ID: <img1>\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    b"iVBORw0KGgo=\r\n"
    b"--r--\r\n"
)


def test_inline_cid_image_is_not_an_attachment() -> None:
    p = parse_message(RELATED)
    assert p.text == "Hi"
    (img,) = p.attachments
    assert img.section == "2" and img.content_id == "img1" and img.disposition == "inline"
    assert img.size == 8
    assert not p.has_attachment


def test_filename_forms() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="m"\r\n\r\n'
        b"--m\r\nContent-Type: text/plain\r\n\r\nbody\r\n"
        b'--m\r\nContent-Type: application/octet-stream; name="=?utf-8?q?r=C3=A9sum=C3=A9.doc?="\r\n\r\nx\r\n'
        b"--m\r\nContent-Type: image/jpeg\r\nContent-Disposition: inline; filename=photo.jpg\r\n\r\nx\r\n"
        b'--m\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="notes.txt"\r\n\r\nx\r\n'
        b"--m--\r\n"
    )
    p = parse_message(raw)
    assert p.text == "body"
    names = [(a.section, a.filename, a.disposition) for a in p.attachments]
    assert names == [
        ("2", "résumé.doc", None),
        ("3", "photo.jpg", "inline"),
        ("4", "notes.txt", "attachment"),
    ]
    assert p.has_attachment


def test_text_capped() -> None:
    raw = b"\r\n" + b"x" * 300_000
    assert len(parse_message(raw).text) == 200_000


def test_unencoded_utf8_headers() -> None:
    raw = "From: Zoë <zoe@exämple.org>\r\nSubject: héllo\r\n\r\n".encode()
    p = parse_message(raw)
    assert p.from_ == (Address("Zoë", "zoe", "exämple.org"),)
    assert p.subject == "héllo"
    assert p.headers[1] == ("Subject", "héllo")
