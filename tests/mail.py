"""Small builders of RFC 5322 messages for tests."""

from __future__ import annotations


def message(
    subject: str = "Hello",
    body: str = "Hi there.",
    *,
    sender: str = "Alice <alice@ext.org>",
    to: str = "bob@example.com",
    cc: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    date: str = "Tue, 24 Nov 2026 10:00:00 +0000",
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    headers = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {date}"]
    if cc:
        headers.append(f"Cc: {cc}")
    if message_id:
        headers.append(f"Message-ID: <{message_id}>")
    if in_reply_to:
        headers.append(f"In-Reply-To: <{in_reply_to}>")
    if references:
        headers.append(f"References: {references}")
    headers.append("MIME-Version: 1.0")
    if attachment is None:
        headers.append("Content-Type: text/plain; charset=utf-8")
        return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode()
    import base64

    name, data = attachment
    encoded = base64.encodebytes(data).decode().replace("\n", "\r\n")
    headers.append('Content-Type: multipart/mixed; boundary="b1"')
    parts = (
        "--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
        f'--b1\r\nContent-Type: application/pdf; name="{name}"\r\n'
        f'Content-Disposition: attachment; filename="{name}"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n" + encoded + "--b1--\r\n"
    )
    return ("\r\n".join(headers) + "\r\n\r\n" + parts).encode()
