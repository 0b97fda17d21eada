"""Turn whatever Sheets link a person pasted into a spreadsheet id and a tab gid.

We only ever keep the id and gid: the export URL is built from them (see
``export_url``), so nothing a person typed is ever fetched. That is why the checks
here can be strict about the host without caring much about the rest of the path.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from leadsync.errors import InvalidUrl

MAX_URL_LENGTH = 2048
SHEETS_HOST = "docs.google.com"

_ID_CHARS = r"[A-Za-z0-9_-]"
# Google ids are 44 characters today; older ones are a little shorter. A bare word
# must be long enough that it cannot be a typo or a label pasted in the wrong field.
_BARE_ID = re.compile(rf"{_ID_CHARS}{{25,128}}")
_ID = re.compile(rf"{_ID_CHARS}{{1,128}}")
_GID = re.compile(r"[0-9]{1,10}")
# /spreadsheets/d/ID/..., also under /u/N/ (signed into several accounts) and under
# /a/DOMAIN/ (Google Workspace). The tail (edit, view, export, ...) does not matter.
_SHEET_PATH = re.compile(
    r"(?:/a/[^/]+)?/spreadsheets(?:/u/[0-9]+)?/d/(?P<id>[^/]+)(?:/.*)?"
)
_PUBLISHED_PATH = re.compile(r"(?:/a/[^/]+)?/spreadsheets(?:/u/[0-9]+)?/d/e/")
_OTHER_APPS = ("document", "presentation", "forms", "drawings")
# Schemes that never have "//" after them; anything else without "://" is taken as
# a link whose "https://" was left off (docs.google.com/spreadsheets/...).
_OPAQUE_SCHEMES = frozenset(
    {"javascript", "data", "file", "mailto", "about", "blob", "vbscript", "tel"}
)

REASONS: dict[str, str] = {
    "empty": "The sheet link is empty. Paste the link of the Google Sheet.",
    "too_long": "The sheet link is too long to be a Google Sheets link.",
    "control": (
        "The sheet link contains invisible or control characters. Copy it again "
        "from the browser's address bar."
    ),
    "scheme": "Only http and https links to Google Sheets can be used.",
    "userinfo": (
        "The link hides another address before an '@' sign. Paste the link from "
        "the address bar of the open Google Sheet."
    ),
    "port": "A Google Sheets link has no port number. Paste the sheet's link again.",
    "ip": (
        "The link points at a numeric or local address, not at Google Sheets "
        "(docs.google.com)."
    ),
    "drive": (
        "This is a Google Drive file link. Open the file in Google Sheets "
        "(Open with > Google Sheets) and paste the link from the address bar."
    ),
    "host": (
        "This link is not on docs.google.com, so it is not a Google Sheets link. "
        "Paste the link from the address bar of the open Google Sheet."
    ),
    "published": (
        "This is a 'Publish to the web' link (/d/e/...), which does not say which "
        "spreadsheet it is. Open the sheet itself and paste the normal link from "
        "the address bar instead of the one from File > Share > Publish to web."
    ),
    "other_app": (
        "This link is a Google Docs, Slides, Forms or Drawings file, not a "
        "spreadsheet. For a form, open its Responses tab, link it to Sheets and "
        "paste the sheet's link."
    ),
    "not_sheet": (
        "This Google link does not point at a spreadsheet. Paste the link from the "
        "address bar while the sheet is open (docs.google.com/spreadsheets/d/...)."
    ),
    "bad_id": "The spreadsheet id in this link is not valid. Paste the link again.",
    "bad_gid": (
        "The tab number (gid) in this link is not valid. Open the tab with the "
        "leads and paste its link again."
    ),
}


def _reject(kind: str) -> InvalidUrl:
    return InvalidUrl(REASONS[kind])


@dataclass(frozen=True)
class SheetRef:
    """One tab of one spreadsheet. ``gid`` is always explicit: 0 is a real tab."""

    spreadsheet_id: str
    gid: str = "0"

    def __post_init__(self) -> None:
        # Checked here too because both parts end up in a URL we request.
        if not _ID.fullmatch(self.spreadsheet_id):
            raise _reject("bad_id")
        if not _GID.fullmatch(self.gid):
            raise _reject("bad_gid")


def parse_sheet_url(text: str) -> SheetRef:
    """Read a spreadsheet id and gid from any common Sheets link or a bare id."""
    text = text.strip()
    _check_text(text)
    if _BARE_ID.fullmatch(text):
        return SheetRef(text)

    try:
        parts = urlsplit(_with_scheme(text))
    except ValueError as exc:  # bad IPv6 brackets, NFKC tricks in the host
        raise _reject("host") from exc

    _check_scheme(parts.scheme.lower())
    _check_host(parts.netloc)
    spreadsheet_id = _spreadsheet_id(parts.path)
    return SheetRef(spreadsheet_id, _gid(parts.query, parts.fragment))


def export_url(ref: SheetRef, base_url: str) -> str:
    base = base_url.rstrip("/")
    return f"{base}/spreadsheets/d/{ref.spreadsheet_id}/export?format=csv&gid={ref.gid}"


def canonical_url(ref: SheetRef) -> str:
    return (
        f"https://{SHEETS_HOST}/spreadsheets/d/{ref.spreadsheet_id}/edit#gid={ref.gid}"
    )


def _check_text(text: str) -> None:
    if not text:
        raise _reject("empty")
    if len(text) > MAX_URL_LENGTH:
        raise _reject("too_long")
    # urlsplit silently drops tabs and newlines, so they must be refused first;
    # format characters (zero-width, bidi overrides) can disguise a host.
    if any(unicodedata.category(char) in {"Cc", "Cf"} for char in text):
        raise _reject("control")


def _with_scheme(text: str) -> str:
    scheme, colon, rest = text.partition(":")
    if colon and (rest.startswith("//") or scheme.lower() in _OPAQUE_SCHEMES):
        return text
    if text.startswith("//"):
        return "https:" + text
    return "https://" + text


def _check_scheme(scheme: str) -> None:
    if scheme not in {"http", "https"}:
        raise _reject("scheme")


def _check_host(netloc: str) -> None:
    if "@" in netloc:
        raise _reject("userinfo")
    if netloc.startswith("["):  # an IPv6 literal
        raise _reject("ip")
    host, colon, _port = netloc.partition(":")
    if colon:
        raise _reject("port")

    host = host.lower()
    if host == SHEETS_HOST:
        return
    if host == "localhost" or host.endswith(".localhost") or _is_numeric(host):
        raise _reject("ip")
    if host == "drive.google.com":
        raise _reject("drive")
    raise _reject("host")


def _is_numeric(host: str) -> bool:
    # Covers dotted quads and the decimal/hex forms browsers also accept (2130706433).
    return bool(re.fullmatch(r"[0-9.]+|0x[0-9a-f.x]+", host))


def _spreadsheet_id(path: str) -> str:
    if _PUBLISHED_PATH.match(path):
        raise _reject("published")
    match = _SHEET_PATH.fullmatch(path)
    if match is None:
        first = path.strip("/").split("/")[0] if path else ""
        raise _reject("other_app" if first in _OTHER_APPS else "not_sheet")
    spreadsheet_id = match.group("id")
    if not _ID.fullmatch(spreadsheet_id):
        raise _reject("bad_id")
    return spreadsheet_id


def _gid(query: str, fragment: str) -> str:
    # The fragment is what the browser updates when someone switches tabs, so it
    # wins over a gid left in the query by the page that was first opened.
    for part in (fragment, query):
        values = parse_qs(part, keep_blank_values=True).get("gid")
        if values:
            gid = values[-1].strip()
            if not _GID.fullmatch(gid):
                raise _reject("bad_gid")
            return str(int(gid))
    return "0"
