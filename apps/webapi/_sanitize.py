"""Make a message's HTML safe to show inside the web app.

An allow-list of tags and attributes (nh3, the Rust ammonia sanitizer):
no scripts, no event handlers, no forms, frames, objects or ``<style>``
blocks, no ``javascript:`` URLs. Inline ``style`` attributes survive with
any declaration that could fetch something (``url(``, ``image-set``,
``@import``, ``expression``) removed.

Remote images are tracking beacons: unless the reader asked for them, an
``<img>`` pointing outside the message gets a transparent placeholder and
the result says ``remote_images_blocked``. ``cid:`` images are rewritten to
the URL that serves that part of the message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs
import nh3

PLACEHOLDER = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"

_TAGS = {
    "a", "abbr", "address", "b", "bdi", "bdo", "blockquote", "br", "caption", "center", "cite", "code",
    "col", "colgroup", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "font", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "span", "strike", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "time", "tr", "tt", "u", "ul", "wbr",
}  # fmt: skip
_COMMON = {"style", "title", "dir", "lang", "align", "class"}
_ATTRIBUTES = {
    "*": _COMMON,
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height", "border"},
    "table": {"width", "border", "cellpadding", "cellspacing", "bgcolor", "valign"},
    "td": {"width", "height", "colspan", "rowspan", "bgcolor", "valign", "nowrap"},
    "th": {"width", "height", "colspan", "rowspan", "bgcolor", "valign", "scope"},
    "tr": {"bgcolor", "valign"},
    "col": {"span", "width"},
    "colgroup": {"span", "width"},
    "font": {"color", "face", "size"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "time": {"datetime"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"},
}
_DROP_WITH_CONTENT = {"script", "style", "title", "head", "noscript", "template", "iframe", "object", "svg", "math"}
_SCHEMES = {"http", "https", "mailto", "cid", "data", "tel"}
_DANGEROUS_CSS = re.compile(r"url\s*\(|image-set|@import|expression\s*\(|behavior\s*:|-moz-binding|javascript:", re.I)
_SAFE_DATA_IMAGE = re.compile(r"data:image/(png|gif|jpe?g|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)


@attrs.frozen
class Sanitized:
    html: str
    remote_images_blocked: bool


def sanitize_html(
    html: str,
    *,
    cid_url: Callable[[str], str | None],
    allow_remote_images: bool = False,
) -> Sanitized:
    """The safe form of ``html``. ``cid_url`` maps a Content-ID to the URL
    of its part (or None when the message has no such part)."""
    blocked = False

    def attribute(element: str, name: str, value: str) -> str | None:
        nonlocal blocked
        if name == "style":
            # a CSS escape (u\\72l) or comment can spell url( in a way a pattern misses:
            # such declarations are dropped whole
            kept = [
                d
                for d in value.split(";")
                if d.strip() and "\\" not in d and "/*" not in d and "\x00" not in d and not _DANGEROUS_CSS.search(d)
            ]
            return "; ".join(d.strip() for d in kept) or None
        if name == "href":
            if value.strip().lower().startswith(("data:", "cid:")):
                return None
            return value
        if element == "img" and name == "src":
            src = value.strip()
            lowered = src.lower()
            if lowered.startswith("cid:"):
                return cid_url(_unquote_cid(src[4:])) or PLACEHOLDER
            if lowered.startswith("data:"):
                return src if _SAFE_DATA_IMAGE.match(src) else PLACEHOLDER
            if lowered.startswith(("http://", "https://", "//")):
                if allow_remote_images:
                    return src
                blocked = True
                return PLACEHOLDER
            return PLACEHOLDER
        if lowered_has_script(value):
            return None
        return value

    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return Sanitized(cleaned, blocked)


def lowered_has_script(value: str) -> bool:
    squeezed = re.sub(r"[\s\x00-\x1f]", "", value).lower()
    return squeezed.startswith(("javascript:", "vbscript:"))


def _unquote_cid(value: str) -> str:
    from urllib.parse import unquote

    return unquote(value).strip().strip("<>")
