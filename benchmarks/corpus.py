"""A deterministic corpus of realistic mail for benchmarks.

``generate_message(rng, i)`` returns message number ``i`` as raw RFC 5322
bytes (CRLF line ends, 2-50 KB). The thread structure depends on ``i`` only:
about 45 % of messages reply to an earlier one, so a run over ``0..N-1``
forms conversations with proper In-Reply-To/References chains and "Re:"
subjects. Body content comes from ``rng``, so a run seeded with
``random.Random(42)`` and visiting ``i`` in order is reproducible.

Mix: plain text (some UTF-8 quoted-printable), multipart/alternative with an
HTML part, and about a fifth multipart/mixed with base64 attachments (PDF,
PNG, DOCX, ...) whose names sometimes need RFC 2231 encoding.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import hashlib
import quopri
import random

PEOPLE = [
    ("Alice Martin", "alice", "example.com"),
    ("Bob Chen", "bob.chen", "example.com"),
    ("Carol Díaz", "carol", "correo.example.es"),
    ("Dmitri Ivanov", "d.ivanov", "mail.example.ru"),
    ("Émilie Laurent", "emilie.laurent", "exemple.fr"),
    ("Frank O'Neil", "frank", "example.org"),
    ("Grace Hopper", "grace", "navy.example.mil"),
    ("Hiroshi Tanaka", "h-tanaka", "example.co.jp"),
    ("Ines Müller", "ines.mueller", "beispiel.de"),
    ("Jamal Wright", "jwright", "example.net"),
    ("Kateřina Nováková", "katerina", "priklad.cz"),
    ("Liam Smith", "liam", "gmail.example.com"),
    ("Mei Ling", "mei", "example.cn"),
    ("Noah Johnson", "noah.j", "example.com"),
    ("Olivia Brown", "olivia", "bigcorp.example"),
    ("Priya Patel", "priya.patel", "example.in"),
    ("Quentin Blake", "qblake", "example.co.uk"),
    ("Rosa Silva", "rosa", "exemplo.com.br"),
    ("Sven Åström", "sven", "exempel.se"),
    ("Tom Anderson", "tom", "bigcorp.example"),
]

WORDS = (
    "the of and to in is that for it as was with be by on not he this are or his from at "
    "which but have an they you were her she there been one all we their has would when if "
    "so no will can more about said up out them some could other into than then only these "
    "two may first any like now my such make over our even most me state after also made "
    "many did must before back see through way where get much go well your know should down "
    "work year because come people just new too take any here how between meeting project "
    "budget release schedule review draft proposal deadline customer invoice contract server "
    "deploy feedback agenda report quarter team update design launch test plan issue ticket "
    "meeting notes attached please thanks regards tomorrow friday next week call discuss "
    "numbers forecast revenue hiring onboarding roadmap priorities migration database backup"
).split()

UNICODE_WORDS = "naïve café résumé Größe Straße façade Zürich señor déjà-vu jalapeño crème".split()

SUBJECTS = [
    "Quarterly budget review",
    "Project kickoff meeting",
    "Release {n} schedule",
    "Invoice #{n} for services",
    "Lunch on Friday?",
    "Draft proposal for the new client",
    "Server migration plan",
    "Feedback on the design mockups",
    "Team offsite agenda",
    "Contract renewal — action needed",
    "Hiring update: {n} candidates",
    "Weekly report, week {n}",
    "Question about ticket {n}",
    "Réunion de lundi",
    "Besprechung nächste Woche",
    "Database backup failed on node {n}",
]

ATTACHMENTS = [
    ("application/pdf", "report-{n}.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
    ("image/png", "screenshot-{n}.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ("image/jpeg", "IMG_{n}.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Proposal v{n}.docx",
        b"PK\x03\x04\x14\x00\x06\x00",
    ),
    ("application/zip", "logs-{n}.zip", b"PK\x03\x04\n\x00\x00\x00"),
    ("text/csv", "numbers-{n}.csv", b"date,amount,category\r\n"),
    ("application/pdf", "Überweisung {n}.pdf", b"%PDF-1.5\n"),
]

_EPOCH = datetime.datetime(2024, 1, 8, 9, 0, tzinfo=datetime.UTC)


def _meta_rng(i: int) -> random.Random:
    """Structure of message ``i`` (sender, thread parent, subject) depends on
    ``i`` alone, so any message can name its ancestors without state."""
    return random.Random(0x5EED0000 + i)


def _parent(i: int) -> int | None:
    if i == 0:
        return None
    r = _meta_rng(i)
    if r.random() < 0.45:
        return i - 1 - r.randint(0, min(i - 1, 30))
    return None


def _sender(i: int) -> int:
    r = _meta_rng(i)
    r.random()
    r.random()
    return r.randrange(len(PEOPLE))


def _root_subject(i: int) -> str:
    r = _meta_rng(i)
    for _ in range(3):
        r.random()
    return r.choice(SUBJECTS).format(n=r.randint(2, 999))


def _message_id(i: int) -> str:
    digest = hashlib.blake2b(str(i).encode(), digest_size=8).hexdigest()
    _, local, domain = PEOPLE[_sender(i)]
    return f"<{digest}.{i}.{local.replace('.', '')}@{domain}>"


def _ancestors(i: int, limit: int = 20) -> list[int]:
    """Ancestors of ``i``, oldest first (capped like real References)."""
    chain: list[int] = []
    node = _parent(i)
    while node is not None and len(chain) < limit:
        chain.append(node)
        node = _parent(node)
    chain.reverse()
    return chain


def _date(i: int) -> datetime.datetime:
    r = _meta_rng(i)
    minutes = i * 7 + r.randint(0, 6)
    zone = datetime.timezone(datetime.timedelta(hours=r.choice([-7, -5, 0, 1, 2, 5.5, 9])))
    return (_EPOCH + datetime.timedelta(minutes=minutes)).astimezone(zone)


def _encode_header(text: str) -> str:
    if text.isascii():
        return text
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"=?UTF-8?B?{payload}?="


def _mailbox(index: int) -> str:
    name, local, domain = PEOPLE[index]
    if name.isascii():
        display = f'"{name}"' if "'" in name else name
    else:
        display = _encode_header(name)
    return f"{display} <{local}@{domain}>"


def _sentence(rng: random.Random, unicode_ok: bool) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
    if unicode_ok and rng.random() < 0.3:
        words[rng.randrange(len(words))] = rng.choice(UNICODE_WORDS)
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", ".", "?", "!"])


def _paragraphs(rng: random.Random, size: int, unicode_ok: bool) -> list[str]:
    paragraphs: list[str] = []
    total = 0
    while total < size:
        para = " ".join(_sentence(rng, unicode_ok) for _ in range(rng.randint(2, 6)))
        paragraphs.append(para)
        total += len(para) + 2
    return paragraphs


def _wrap(text: str, width: int = 72) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        lines.append(line)
    return lines


def _plain_body(rng: random.Random, paragraphs: list[str], quoted: str | None, sender: int) -> str:
    out: list[str] = []
    for para in paragraphs:
        out.extend(_wrap(para))
        out.append("")
    out.append(PEOPLE[sender][0].split()[0])
    out.append("")
    out.append("-- ")
    out.append(PEOPLE[sender][0])
    out.append(rng.choice(["Sent from my phone", "Senior Engineer, Example Corp", "+1 555 0100"]))
    if quoted:
        out.append("")
        out.extend(quoted.split("\n"))
    return "\r\n".join(out) + "\r\n"


def _html_body(paragraphs: list[str], sender: int) -> str:
    body = "".join(
        f'<p style="margin:0 0 12px 0">{p.replace("&", "&amp;").replace("<", "&lt;")}</p>\r\n'
        for p in paragraphs
    )
    return (
        '<!DOCTYPE html>\r\n<html><head><meta charset="utf-8">\r\n'
        "<style>p{font-family:Arial,sans-serif;font-size:14px}</style></head>\r\n"
        f'<body><div dir="ltr">\r\n{body}<div>{PEOPLE[sender][0]}</div>\r\n'
        '<div class="signature">--&nbsp;<br>Sent with care</div></div></body></html>\r\n'
    )


def _qp(text: str) -> bytes:
    return quopri.encodestring(text.encode("utf-8")).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def _text_part(text: str, subtype: str) -> tuple[list[str], bytes]:
    if text.isascii():
        headers = [
            f"Content-Type: text/{subtype}; charset=us-ascii",
            "Content-Transfer-Encoding: 7bit",
        ]
        return headers, text.encode("ascii")
    headers = [
        f"Content-Type: text/{subtype}; charset=UTF-8",
        "Content-Transfer-Encoding: quoted-printable",
    ]
    return headers, _qp(text)


def _b64_lines(data: bytes) -> bytes:
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[k : k + 76] for k in range(0, len(encoded), 76)) + b"\r\n"


def _attachment_part(rng: random.Random, size: int, n: int) -> tuple[list[str], bytes]:
    ctype, name_pattern, magic = rng.choice(ATTACHMENTS)
    name = name_pattern.format(n=n)
    data = magic + rng.randbytes(max(16, size - len(magic)))
    if ctype == "text/csv":
        rows = [
            f"2024-01-{d % 28 + 1:02d},{rng.randint(1, 99999) / 100},{rng.choice(WORDS)}"
            for d in range(size // 24)
        ]
        data = magic + "\r\n".join(rows).encode()
    if name.isascii():
        disp = f'Content-Disposition: attachment; filename="{name}"'
        ct = f'Content-Type: {ctype}; name="{name}"'
    else:
        quoted = "".join(
            chr(b) if chr(b).isalnum() or chr(b) in ".-_" else f"%{b:02X}" for b in name.encode()
        )
        disp = f"Content-Disposition: attachment;\r\n filename*=UTF-8''{quoted}"
        ct = f'Content-Type: {ctype};\r\n name="{_encode_header(name)}"'
    return [ct, "Content-Transfer-Encoding: base64", disp], _b64_lines(data)


def _render_part(headers: list[str], body: bytes) -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n").encode("utf-8") + body


def _multipart(rng: random.Random, subtype: str, parts: list[bytes], i: int) -> tuple[str, bytes]:
    boundary = f"----=_Part_{i}_{rng.getrandbits(40):x}.{rng.getrandbits(20)}"
    out = [b"This is a multi-part message in MIME format.\r\n"] if rng.random() < 0.3 else []
    for part in parts:
        out.append(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n")
    out.append(b"--" + boundary.encode() + b"--\r\n")
    return f'multipart/{subtype};\r\n boundary="{boundary}"', b"".join(out)


def generate_message(rng: random.Random, i: int) -> bytes:
    """Message number ``i`` of the corpus: headers a real MUA and MTA chain
    would write, a text body (sometimes with an HTML alternative), replies
    quoting their parent, and for about one in five, attachments."""
    sender = _sender(i)
    parent = _parent(i)
    ancestors = _ancestors(i)
    root = ancestors[0] if ancestors else i
    subject = _root_subject(root)
    if parent is not None:
        subject = "Re: " + subject
    date = _date(i)

    recipients = rng.sample([k for k in range(len(PEOPLE)) if k != sender], rng.randint(1, 4))
    if parent is not None:
        recipients[0] = _sender(parent) if _sender(parent) != sender else recipients[0]
    to = recipients[: rng.randint(1, len(recipients))]
    cc = [k for k in recipients if k not in to]

    size_class = rng.random()
    if size_class < 0.6:
        text_size = rng.randint(600, 5000)
    elif size_class < 0.85:
        text_size = rng.randint(5000, 15000)
    else:
        text_size = rng.randint(15000, 40000)
    unicode_ok = not PEOPLE[sender][0].isascii() or rng.random() < 0.2
    with_attachment = rng.random() < 0.2
    if with_attachment:
        text_size = min(text_size, 3000)
    paragraphs = _paragraphs(rng, text_size, unicode_ok)

    quoted = None
    if parent is not None:
        prng = random.Random(parent)
        parent_text = " ".join(_sentence(prng, False) for _ in range(rng.randint(3, 12)))
        when = _date(parent).strftime("%a, %b %d, %Y at %H:%M")
        quoted = f"On {when}, {PEOPLE[_sender(parent)][0]} wrote:\n" + "\n".join(
            "> " + line for line in _wrap(parent_text, 70)
        )

    plain = _plain_body(rng, paragraphs, quoted, sender)
    text_headers, text_bytes = _text_part(plain, "plain")
    if rng.random() < 0.4 and text_size < 18000:
        html_headers, html_bytes = _text_part(_html_body(paragraphs, sender), "html")
        content_type, body = _multipart(
            rng,
            "alternative",
            [_render_part(text_headers, text_bytes), _render_part(html_headers, html_bytes)],
            i,
        )
        content_headers = [f"Content-Type: {content_type}"]
    else:
        content_headers, body = text_headers, text_bytes

    if with_attachment:
        parts = [_render_part(content_headers, body)]
        budget = rng.randint(2000, 30000)
        for n in range(rng.choice([1, 1, 1, 2, 3])):
            share = budget // (n + 1) if n else budget
            headers, data = _attachment_part(rng, max(300, share * 3 // 4), i * 10 + n)
            parts.append(_render_part(headers, data))
        content_type, body = _multipart(rng, "mixed", parts, i)
        content_headers = [f"Content-Type: {content_type}"]

    _, s_local, s_domain = PEOPLE[sender]
    relay = f"mx{rng.randint(1, 9)}.{PEOPLE[recipients[0]][2]}"
    headers = [
        f"Return-Path: <{s_local}@{s_domain}>",
        f"Received: from mail.{s_domain} (mail.{s_domain} [198.51.100.{i % 250 + 1}])\r\n"
        f"\tby {relay} (Postfix) with ESMTPS id {rng.getrandbits(40):X}\r\n"
        f"\tfor <{PEOPLE[recipients[0]][1]}@{PEOPLE[recipients[0]][2]}>; "
        f"{email.utils.format_datetime(date + datetime.timedelta(seconds=3))}",
        f"Received: by mail.{s_domain} with SMTP id {rng.getrandbits(64):x};\r\n"
        f"        {email.utils.format_datetime(date)}",
        "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d="
        + s_domain
        + "; s=s1;\r\n\th=from:to:subject:date:message-id; bh="
        + base64.b64encode(rng.randbytes(32)).decode()
        + ";\r\n\tb="
        + "\r\n\t ".join(
            base64.b64encode(rng.randbytes(192)).decode()[k : k + 64] for k in range(0, 256, 64)
        ),
        "MIME-Version: 1.0",
        f"From: {_mailbox(sender)}",
        "To: " + ",\r\n ".join(_mailbox(k) for k in to),
    ]
    if cc:
        headers.append("Cc: " + ", ".join(_mailbox(k) for k in cc))
    headers.append(f"Subject: {_encode_header(subject)}")
    headers.append(f"Date: {email.utils.format_datetime(date)}")
    headers.append(f"Message-ID: {_message_id(i)}")
    if parent is not None:
        headers.append(f"In-Reply-To: {_message_id(parent)}")
        headers.append("References: " + "\r\n ".join(_message_id(a) for a in ancestors))
    if rng.random() < 0.25:
        headers.append(f"List-Id: Team discussion <team.{s_domain}>")
    headers.append(
        "X-Mailer: "
        + rng.choice(
            ["Apple Mail (2.3774)", "Microsoft Outlook 16.0", "Thunderbird 115.6.0", "mutt"]
        )
    )
    headers.extend(content_headers)
    return ("\r\n".join(headers) + "\r\n\r\n").encode("utf-8") + body


def generate_corpus(count: int, seed: int = 42) -> list[bytes]:
    """``count`` messages, numbered from 0, from ``random.Random(seed)``."""
    rng = random.Random(seed)
    return [generate_message(rng, i) for i in range(count)]
