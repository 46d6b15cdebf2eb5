"""The comparison a committee builds (2 to 4 scenarios, the first is the reference) and the
link that restores it in another browser.

A slot is a source (`preset:<name>` or `upload:<file name>`) plus sparse edits: dotted paths
(`fund.contributions[0].rate`) to plain JSON values. The link carries compact JSON of the slots
(and the text of uploaded files when it fits), zlib-compressed and base64url-encoded, in
`?c=...`."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from dataclasses import dataclass, field
from typing import Any

MIN_SLOTS, MAX_SLOTS = 2, 4
LINK_VERSION = 1
LINK_MAX_CHARS = 8_000  # keep links short enough for chat tools and browsers
MAX_INFLATED = 2_000_000  # a link never expands to more than this (no zip bombs)
PRESET, UPLOAD = "preset:", "upload:"


class LinkError(ValueError):
    """A link that cannot be read; the message says why in plain words."""


@dataclass
class Slot:
    source: str
    edits: dict[str, Any] = field(default_factory=dict)

    @property
    def is_upload(self) -> bool:
        return self.source.startswith(UPLOAD)

    @property
    def name(self) -> str:
        return self.source.split(":", 1)[1]


@dataclass
class Comparison:
    slots: list[Slot]
    uploads: dict[str, str] = field(default_factory=dict)  # file name -> YAML text

    def copy(self) -> Comparison:
        return Comparison([Slot(s.source, dict(s.edits)) for s in self.slots], dict(self.uploads))


def default_comparison() -> Comparison:
    """The current rules (no regional fund) beside the proposal (the baseline fund): the fund's
    effect then reads as a gain of the proposal, not as losses of the world without it."""
    return Comparison([Slot(PRESET + "no_fund"), Slot(PRESET + "baseline")])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _pack(comp: Comparison, uploads: dict[str, str]) -> str:
    body: dict[str, Any] = {"v": LINK_VERSION, "s": [[s.source, s.edits] if s.edits else [s.source]
                                                    for s in comp.slots]}
    if uploads:
        body["u"] = uploads
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, sort_keys=False)
    return _b64(zlib.compress(text.encode("utf-8"), 9))


def encode(comp: Comparison) -> tuple[str, list[str]]:
    """The link token and the names of uploaded files too large to ride in it."""
    used = {s.name for s in comp.slots if s.is_upload}
    uploads = {k: v for k, v in comp.uploads.items() if k in used}
    token = _pack(comp, uploads)
    dropped: list[str] = []
    for name in sorted(uploads, key=lambda k: -len(uploads[k])):  # drop the largest first
        if len(token) <= LINK_MAX_CHARS:
            break
        uploads.pop(name)
        dropped.append(name)
        token = _pack(comp, uploads)
    return token, dropped


def _json_value(v: Any, depth: int = 0) -> bool:
    """A field value: a scalar, a list, or (a whole list of rules) a mapping, bounded in size."""
    if depth > 5:
        return False
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, dict):
        return len(v) <= 64 and all(isinstance(k, str) and len(k) <= 100 and _json_value(x, depth + 1)
                                    for k, x in v.items())
    return isinstance(v, list) and len(v) <= 64 and all(_json_value(x, depth + 1) for x in v)


def decode(token: str) -> Comparison:
    """The comparison in a link token; LinkError says what is wrong."""
    token = token.strip()
    if not token or len(token) > 4 * LINK_MAX_CHARS:
        raise LinkError("the link's comparison code is empty or too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        text = inflater.decompress(raw, MAX_INFLATED)
        if inflater.unconsumed_tail:
            raise LinkError("the link's comparison is too large")
        body = json.loads(text.decode("utf-8"))
    except RecursionError:  # a few hundred nested brackets: no real link is built like that
        raise LinkError("the link's comparison is nested too deeply to be a comparison link") from None
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError) as e:
        if isinstance(e, LinkError):
            raise
        raise LinkError("the link is damaged (it was probably cut short when copied)") from None
    if not isinstance(body, dict) or body.get("v") != LINK_VERSION or not isinstance(body.get("s"), list):
        raise LinkError("the link was made by another version of the app or is not a comparison link")
    slots = []
    for item in body["s"]:
        if not (isinstance(item, list) and 1 <= len(item) <= 2 and isinstance(item[0], str)
                and item[0].startswith((PRESET, UPLOAD)) and len(item[0]) <= 200):
            raise LinkError("the link names a scenario in a form the app does not know")
        edits = item[1] if len(item) == 2 else {}
        if not (isinstance(edits, dict) and len(edits) <= 500
                and all(isinstance(k, str) and len(k) <= 200 and _json_value(v) for k, v in edits.items())):
            raise LinkError(f"the link's edits of {item[0]} are not a list of field values")
        slots.append(Slot(item[0], dict(edits)))
    if not MIN_SLOTS <= len(slots) <= MAX_SLOTS:
        raise LinkError(f"a comparison has {MIN_SLOTS} to {MAX_SLOTS} scenarios; the link has {len(slots)}")
    uploads = body.get("u", {})
    if not (isinstance(uploads, dict) and all(isinstance(k, str) and isinstance(v, str)
                                              for k, v in uploads.items())):
        raise LinkError("the link's uploaded files are damaged")
    return Comparison(slots, dict(uploads))


def share_url(base: str | None, token: str) -> str:
    """A full URL to the app with the comparison in `?c=`."""
    base = (base or "http://localhost:8501").split("?", 1)[0].split("#", 1)[0]
    if not base.endswith("/"):
        base += "/"
    return f"{base}?c={token}"
