"""ENVELOPE / BODY / BODYSTRUCTURE bytes for hand-checked messages
(expected strings written from RFC 9051 §7.5.2 and RFC 3501 §7.4.2)."""

from __future__ import annotations

import datetime

from message_imap_syntax import check_body, check_envelope, parse

from mailcore.message import Address, parse_message

SIMPLE = (
    b'From: "Joe Q. Public" <john.q.public@example.com>\r\n'
    b"To: Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>\r\n"
    b'Cc: <boss@nil.test>, "Giant; \\"Big\\" Box" <sysservices@example.net>\r\n'
    b"Subject: =?utf-8?q?Caf=C3=A9?= time\r\n"
    b"Date: Tue, 1 Jul 2003 10:52:37 +0200\r\n"
    b"Message-ID: <5678.21-Nov-1997@example.com>\r\n"
    b"\r\n"
    b"Hi everyone.\r\n"
    b"Second line\r\n"
)

MULTI = (
    b"From: a@example.com\r\n"
    b"To: undisclosed-recipients:;\r\n"
    b"Subject: multi\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b"\r\n"
    b"preamble\r\n"
    b"--outer\r\n"
    b"Content-Type: multipart/alternative; boundary=inner\r\n"
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Caf=C3=A9 ol=\r\n"
    b"=C3=A9\r\n"
    b"--inner\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"\r\n"
    b"<p>Caf&eacute;</p>\r\n"
    b"--inner--\r\n"
    b"\r\n"
    b"--outer\r\n"
    b'Content-Type: application/pdf; name="r.pdf"\r\n'
    b"Content-Disposition: attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-ID: <pdf1@x>\r\n"
    b"\r\n"
    b"JVBERi0xLjQK\r\n"
    b"--outer\r\n"
    b"Content-Type: message/rfc822\r\n"
    b"\r\n"
    b"From: b@example.com\r\n"
    b"Subject: inner\r\n"
    b"\r\n"
    b"inner body\r\n"
    b"--outer--\r\n"
    b"epilogue\r\n"
)


def test_simple_envelope() -> None:
    p = parse_message(SIMPLE)
    joe = b'(("Joe Q. Public" NIL "john.q.public" "example.com"))'
    assert p.envelope == (
        b'("Tue, 1 Jul 2003 10:52:37 +0200" "=?utf-8?q?Caf=C3=A9?= time" '
        + joe
        + b" "
        + joe
        + b" "
        + joe
        + b" "
        b'(("Mary Smith" NIL "mary" "x.test")(NIL NIL "jdoe" "example.org")'
        b'("Who?" NIL "one" "y.test")) '
        b'((NIL NIL "boss" "nil.test")("Giant; \\"Big\\" Box" NIL "sysservices" "example.net")) '
        b'NIL NIL "<5678.21-Nov-1997@example.com>")'
    )
    check_envelope(parse(p.envelope))


def test_simple_body() -> None:
    p = parse_message(SIMPLE)
    assert p.body == b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 27 2)'
    assert p.bodystructure == (
        b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 27 2 NIL NIL NIL NIL)'
    )
    assert p.size == len(SIMPLE)


def test_simple_fields() -> None:
    p = parse_message(SIMPLE)
    assert p.subject == "Café time"
    assert p.thread_subject == "café time"
    assert p.message_id == "5678.21-Nov-1997@example.com"
    assert p.date == datetime.datetime(
        2003, 7, 1, 10, 52, 37, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )
    assert p.from_ == (Address("Joe Q. Public", "john.q.public", "example.com"),)
    assert p.sender == p.from_ and p.reply_to == p.from_
    assert [a.addr for a in p.to] == ["mary@x.test", "jdoe@example.org", "one@y.test"]
    assert p.cc[1].name == 'Giant; "Big" Box'
    assert str(p.cc[1]) == '"Giant; \\"Big\\" Box" <sysservices@example.net>'
    assert p.bcc == ()
    assert p.text == "Hi everyone.\nSecond line"
    assert p.snippet == "Hi everyone. Second line"
    assert p.html is None
    assert p.attachments == () and not p.has_attachment
    assert p.headers[3] == ("Subject", "Café time")
    assert [name for name, _ in p.headers] == ["From", "To", "Cc", "Subject", "Date", "Message-ID"]


def test_multipart_bodystructure() -> None:
    p = parse_message(MULTI)
    inner_env = (
        b'(NIL "inner" ((NIL NIL "b" "example.com")) ((NIL NIL "b" "example.com")) '
        b'((NIL NIL "b" "example.com")) NIL NIL NIL NIL NIL)'
    )
    assert p.bodystructure == (
        b'((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 21 2 NIL NIL NIL NIL)'
        b'("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 18 1 NIL NIL NIL NIL)'
        b' "ALTERNATIVE" ("BOUNDARY" "inner") NIL NIL NIL)'
        b'("APPLICATION" "PDF" ("NAME" "r.pdf") "<pdf1@x>" NIL "BASE64" 12 NIL'
        b' ("ATTACHMENT" ("FILENAME*" "utf-8\'\'r%C3%A9sum%C3%A9.pdf")) NIL NIL)'
        b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 49 ' + inner_env + b" "
        b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1 NIL NIL NIL NIL) 4'
        b" NIL NIL NIL NIL)"
        b' "MIXED" ("BOUNDARY" "outer") NIL NIL NIL)'
    )
    assert p.body == (
        b'((("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 21 2)'
        b'("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "7BIT" 18 1) "ALTERNATIVE")'
        b'("APPLICATION" "PDF" ("NAME" "r.pdf") "<pdf1@x>" NIL "BASE64" 12)'
        b'("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 49 ' + inner_env + b" "
        b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 10 1) 4) "MIXED")'
    )
    check_body(parse(p.bodystructure), extended=True)
    check_body(parse(p.body), extended=False)


def test_group_and_defaults() -> None:
    p = parse_message(MULTI)
    env = parse(p.envelope)
    assert isinstance(env, list)
    assert env[0] is None  # no Date
    assert env[5] == [[None, None, b"undisclosed-recipients", None], [None, None, None, None]]
    assert p.to == ()
    assert p.date is None and p.message_id is None


def test_multipart_content() -> None:
    p = parse_message(MULTI)
    assert p.text == "Café olé"
    assert p.html == "<p>Caf&eacute;</p>"
    assert p.snippet == "Café olé"
    pdf, msg = p.attachments
    assert pdf.section == "2"
    assert pdf.filename == "résumé.pdf"
    assert pdf.content_type == "application/pdf"
    assert pdf.content_id == "pdf1@x"
    assert pdf.disposition == "attachment"
    assert pdf.size == 9
    assert msg.section == "3" and msg.content_type == "message/rfc822"
    assert p.has_attachment


def test_literal_for_8bit_and_crlf() -> None:
    raw = "Subject: Grüße\r\nFrom: Jörg <j@x.de>\r\n\r\nx".encode()
    p = parse_message(raw)
    subject = "Grüße".encode()
    assert p.envelope.startswith(b"(NIL {%d}\r\n" % len(subject) + subject + b" ")
    assert p.subject == "Grüße"
    assert p.from_[0].name == "Jörg"
    check_envelope(parse(p.envelope))


def test_quoting_and_nul() -> None:
    raw = b'Subject: a "quoted" \\ back\x00slash\r\n\r\n'
    p = parse_message(raw)
    assert p.envelope.startswith(b'(NIL "a \\"quoted\\" \\\\ backslash" ')
    assert p.body == b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)'


def test_folded_subject_is_unfolded_raw() -> None:
    raw = b"Subject: =?utf-8?b?SGVsbG8=?=\r\n =?utf-8?b?IFdvcmxk?=\r\n\r\nbody"
    p = parse_message(raw)
    assert b'"=?utf-8?b?SGVsbG8=?= =?utf-8?b?IFdvcmxk?="' in p.envelope
    assert p.subject == "Hello World"


def test_missing_boundary_degrades_to_text() -> None:
    raw = b"Content-Type: multipart/mixed\r\n\r\nno parts here\r\n"
    p = parse_message(raw)
    assert p.body == b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 15 1)'
    assert p.text == "no parts here"


def test_no_delimiter_found_degrades() -> None:
    raw = b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--c\r\nx\r\n'
    p = parse_message(raw)
    assert p.body.startswith(b'("TEXT" "PLAIN"')


def test_unterminated_multipart() -> None:
    raw = (
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n--b\r\n\r\nsecond, cut off"
    )
    p = parse_message(raw)
    assert p.body == (
        b'(("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1)'
        b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 15 1) "MIXED")'
    )
    assert p.text == "first\n\nsecond, cut off"


def test_digest_default_is_message_rfc822() -> None:
    raw = (
        b'Content-Type: multipart/digest; boundary="d"\r\n\r\n'
        b"--d\r\n\r\nSubject: one\r\n\r\nbody one\r\n--d--\r\n"
    )
    p = parse_message(raw)
    assert p.body == (
        b'(("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 24 (NIL "one" NIL NIL NIL NIL NIL NIL NIL NIL)'
        b' ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 8 1) 3) "DIGEST")'
    )


def test_lf_only_message() -> None:
    raw = b"From: a@b.c\nSubject: lf\n\nline one\nline two\n"
    p = parse_message(raw)
    assert p.subject == "lf"
    assert p.body == b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 18 2)'


def test_no_blank_line_means_all_header() -> None:
    p = parse_message(b"Subject: only headers\r\nFrom: x@y")
    assert p.subject == "only headers"
    assert p.body == b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)'


def test_empty_message() -> None:
    p = parse_message(b"")
    assert p.size == 0
    assert p.envelope == b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"
    assert p.body == b'("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)'
    assert p.subject == "" and p.text == "" and p.snippet == ""


def test_language_location_disposition_extension() -> None:
    raw = (
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Language: en, de\r\n"
        b"Content-Location: http://example.com/x\r\n"
        b"Content-Disposition: inline\r\n"
        b"Content-Description: a note\r\n"
        b"Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\r\n"
        b"\r\nhi\r\n"
    )
    p = parse_message(raw)
    assert p.bodystructure == (
        b'("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL "a note" "7BIT" 4 1 '
        b'"Q2hlY2sgSW50ZWdyaXR5IQ==" ("INLINE" NIL) ("en" "de") "http://example.com/x")'
    )


def test_deep_nesting_is_capped() -> None:
    depth = 200
    raw = b"".join(b"Content-Type: message/rfc822\r\n\r\n" for _ in range(depth)) + b"end\r\n"
    p = parse_message(raw)
    # 50 levels are parsed; the 51st is described without looking inside
    assert p.body.count(b'"RFC822"') == 51
    assert p.body.count(b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)") == 51
    check_body(parse(p.bodystructure), extended=True)
