"""SASL PLAIN (RFC 4616) for AUTHENTICATE: the response decoded, or why not."""

from __future__ import annotations

from typing import Literal

import attrs

__all__ = ["PlainCredentials", "SaslRefusal", "decode_plain"]


@attrs.frozen
class PlainCredentials:
    username: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class SaslRefusal:
    """The tagged answer to a PLAIN response that cannot be used."""

    status: Literal["NO", "BAD"]
    text: str
    code: str | None = None


def decode_plain(response: bytes) -> PlainCredentials | SaslRefusal:
    """``authzid NUL authcid NUL password``; acting as another user is refused."""
    parts = response.split(b"\x00")
    if len(parts) != 3:
        return SaslRefusal("BAD", "Malformed PLAIN response")
    authzid, authcid, password = (p.decode("utf-8", "replace") for p in parts)
    if authzid and authzid.lower() != authcid.lower():
        return SaslRefusal("NO", "Cannot act as another user", "AUTHORIZATIONFAILED")
    return PlainCredentials(authcid, password)
