"""Build RFC 5322 messages from what the compose window sends.

``multipart/alternative`` with text and HTML (the text is derived from the
HTML when only HTML is given), wrapped in ``multipart/mixed`` when there
are attachments. Message-ID and Date are set here; a reply or forward gets
In-Reply-To and References from the message it answers, so it joins that
conversation everywhere (RFC 5322 section 3.6.4).
"""

from __future__ import annotations

import email.policy
import email.utils
import html as html_lib
import re
import secrets
import time
from email.headerregistry import Address as HeaderAddress
from email.message import EmailMessage

import attrs

import mailcore

from ._problems import FieldError, Problem

_POLICY = email.policy.SMTP.clone(max_line_length=78)
_ADDR = re.compile(r"[^@\s<>()\[\],;:\"\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


@attrs.frozen
class Attachment:
    filename: str
    content_type: str
    data: bytes


@attrs.frozen
class Draft:
    """A message to build: addresses already parsed, attachments loaded."""

    sender: tuple[str | None, str]
    to: list[tuple[str | None, str]]
    cc: list[tuple[str | None, str]]
    bcc: list[tuple[str | None, str]]
    subject: str
    text: str | None
    html: str | None
    attachments: list[Attachment]
    replied: mailcore.MessageMeta | None
    hostname: str


def parse_addresses(values: list[str], field: str) -> list[tuple[str | None, str]]:
    """``Name <addr>`` or ``addr`` each; a bad one is a problem naming ``field[i]``."""
    out: list[tuple[str | None, str]] = []
    errors: list[FieldError] = []
    for i, value in enumerate(values):
        if "\r" in value or "\n" in value:
            errors.append(FieldError(f"{field}[{i}]", "not an email address"))
            continue
        name, addr = _split_address(value)
        if not addr or not _ADDR.fullmatch(addr) or ".." in addr.rpartition("@")[2]:
            errors.append(FieldError(f"{field}[{i}]", "not an email address"))
            continue
        out.append((name or None, addr))
    if errors:
        raise Problem("validation", "; ".join(f"{e.field}: {e.detail}" for e in errors), errors=errors)
    return out


_NAME_ADDR = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>\s]+)>\s*')


def _split_address(value: str) -> tuple[str | None, str]:
    """``Name <addr>``, ``"Name, Jr." <addr>`` or a bare ``addr``."""
    m = _NAME_ADDR.fullmatch(value)
    if m:
        quoted, plain, addr = m.groups()
        name = quoted.replace('\\"', '"') if quoted is not None else plain
        return (name.strip() or None), addr
    bare = value.strip()
    return None, bare if bare and not any(c in bare for c in ' <>"') else ""


def reply_subject(original: str, forward: bool) -> str:
    prefix = "Fwd: " if forward else "Re: "
    lowered = original.strip().lower()
    if lowered.startswith(prefix.strip().lower()):
        return original
    return prefix + original


def html_to_text(html: str) -> str:
    """A readable plain-text alternative of an HTML body."""
    text = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p\s*>|</div\s*>|</li\s*>|</tr\s*>|</h[1-6]\s*>", "\n", text)
    text = re.sub(r"<[^>]*>", "", text)
    text = html_lib.unescape(text)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n\s*\n+", "\n\n", text).strip() + "\n"


def _header_address(name: str | None, addr: str) -> HeaderAddress:
    local, _, domain = addr.rpartition("@")
    return HeaderAddress(display_name=_one_line(name or ""), username=local, domain=domain)


def _one_line(text: str) -> str:
    """A header value typed in a form: its line breaks become spaces (as Gmail
    does with a pasted subject), so no input can end a header early."""
    return " ".join(text.splitlines()).replace("\r", " ").replace("\n", " ")


def build_message(draft: Draft, *, message_id: str | None = None, now: float | None = None) -> bytes:
    """The RFC 5322 bytes (CRLF line ends) of ``draft``. Bcc stays out of
    the headers: recipients must not see each other's blind copies."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = _header_address(*draft.sender)
    if draft.to:
        msg["To"] = [_header_address(n, a) for n, a in draft.to]
    if draft.cc:
        msg["Cc"] = [_header_address(n, a) for n, a in draft.cc]
    msg["Subject"] = _one_line(draft.subject)
    msg["Date"] = email.utils.formatdate(now if now is not None else time.time(), localtime=False)
    msg["Message-ID"] = message_id or f"<{secrets.token_hex(12)}.{int(time.time())}@{draft.hostname}>"
    if draft.replied is not None and draft.replied.message_id:
        parent = f"<{draft.replied.message_id.strip('<>')}>"
        refs = [f"<{r.strip('<>')}>" for r in draft.replied.references]
        if not refs and draft.replied.in_reply_to:
            refs = [f"<{draft.replied.in_reply_to[0].strip('<>')}>"]
        refs = [r for r in refs if r != parent][-20:] + [parent]
        msg["In-Reply-To"] = parent
        msg["References"] = " ".join(refs)
    msg["MIME-Version"] = "1.0"
    text = draft.text
    if text is None:
        text = html_to_text(draft.html) if draft.html is not None else ""
    msg.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if draft.html is not None:
        msg.add_alternative(draft.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for att in draft.attachments:
        maintype, _, subtype = att.content_type.partition("/")
        if maintype == "multipart" or not subtype:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=_one_line(att.filename))
    return msg.as_bytes(policy=_POLICY)

