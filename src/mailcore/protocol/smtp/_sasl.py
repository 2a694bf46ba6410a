"""SASL PLAIN (RFC 4616) and LOGIN exchanges for SMTP AUTH (RFC 4954).

An exchange is fed the optional initial response and then each client
response line; it answers with a challenge to send (334), the decoded
credentials, or a refusal.  Cancellation (``*``) is the engine's job
because it applies to every mechanism alike.
"""

from __future__ import annotations

import base64
import binascii

import attrs

from . import _replies
from ._events import AuthAttempt
from ._replies import Reply

MECHANISMS = ("PLAIN", "LOGIN")


@attrs.frozen
class Challenge:
    """Send ``334 <base64 text>`` and wait for one response line."""

    text: str

    def reply(self) -> Reply:
        return Reply(334, None, base64.b64encode(self.text.encode()).decode("ascii"))


def _decode(response: str) -> bytes | Reply:
    if response == "=":
        return b""
    try:
        return base64.b64decode(response.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeError):
        return _replies.BAD_BASE64


class SaslExchange:
    def __init__(self, mechanism: str) -> None:
        if mechanism not in MECHANISMS:
            raise ValueError(mechanism)
        self.mechanism = mechanism
        self._username: str | None = None

    def start(self, initial: str | None) -> Challenge | AuthAttempt | Reply:
        if initial is None:
            return Challenge("Username:" if self.mechanism == "LOGIN" else "")
        return self.respond(initial)

    def respond(self, response: str) -> Challenge | AuthAttempt | Reply:
        raw = _decode(response)
        if isinstance(raw, Reply):
            return raw
        try:
            text = raw.decode("utf-8")
        except UnicodeError:
            return _replies.BAD_SASL_RESPONSE
        if self.mechanism == "PLAIN":
            parts = text.split("\x00")
            if len(parts) != 3 or not parts[1]:
                return _replies.BAD_SASL_RESPONSE
            return AuthAttempt("PLAIN", authzid=parts[0], username=parts[1], password=parts[2])
        if self._username is None:
            self._username = text
            return Challenge("Password:")
        return AuthAttempt("LOGIN", authzid="", username=self._username, password=text)
