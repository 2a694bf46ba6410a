"""Trace headers (RFC 5321 section 4.4) and what a session records for them."""

from __future__ import annotations

import email.utils
import re
import secrets

import attrs

_UNSAFE = re.compile(r"[^A-Za-z0-9.\-_:\[\]]")


def new_queue_id() -> str:
    """An id for one accepted message, as in ``250 2.0.0 OK: queued as ...``."""
    return secrets.token_hex(6).upper()


@attrs.frozen
class Trace:
    """What one Received line says about how a message came in."""

    helo: str
    extended: bool
    peer_ip: str
    hostname: str
    queue_id: str
    tls: str | None = None
    authenticated: bool = False
    smtputf8: bool = False

    @property
    def protocol(self) -> str:
        """The ``with`` keyword: RFC 3848 (ESMTPS, ESMTPSA...) and RFC 6531
        (UTF8SMTPS...)."""
        if not self.extended:
            return "SMTP"
        base = "UTF8SMTP" if self.smtputf8 else "ESMTP"
        return base + ("S" if self.tls else "") + ("A" if self.authenticated else "")

    def received(self, recipients: tuple[str, ...]) -> bytes:
        """The Received header, folded, ending in CRLF.

        Like Postfix, it names the recipient only when there is one (so a
        Bcc list is not disclosed) and never the authenticated user: the
        ``A`` in ``ESMTPSA`` says that there was one.
        """
        helo = _UNSAFE.sub("?", self.helo)[:255] or "unknown"
        lines = [
            f"Received: from {helo} ([{self.peer_ip}])",
            f"\tby {self.hostname} (mailcore) with {self.protocol} id {self.queue_id}",
        ]
        if self.tls:
            lines.append(f"\t({self.tls})")
        if len(recipients) == 1:
            lines.append(f"\tfor <{recipients[0]}>")
        lines[-1] += ";"
        lines.append("\t" + email.utils.formatdate(localtime=True))
        return ("\r\n".join(lines) + "\r\n").encode("utf-8")
