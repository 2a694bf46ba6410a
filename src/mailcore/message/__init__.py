"""MIME parsing core: a raw RFC 5322 message in, everything later reads out.

``parse_message`` runs once per delivery and precomputes the IMAP ENVELOPE,
BODY and BODYSTRUCTURE wire bytes, thread keys, addresses, display and search
text, and the attachment list. ``fetch_section``/``decode_section``/
``part_content`` answer IMAP ``BODY[...]``/``BINARY[...]`` and attachment
downloads from the stored raw bytes. No I/O, no trio.
"""

from ._address import Address
from ._parse import Attachment, ParsedMessage, parse_message
from ._sections import decode_section, fetch_section, header_section, part_content
from ._text import UnknownTransferEncoding
from ._thread import normalize_subject

__all__ = [
    "Address",
    "Attachment",
    "ParsedMessage",
    "UnknownTransferEncoding",
    "decode_section",
    "fetch_section",
    "header_section",
    "normalize_subject",
    "parse_message",
    "part_content",
]
